"""The claims of chapter 4 (momentum) that no expected-output block on the page checks.

The page prints most of its numbers; this file holds the rest: the statements in the prose,
the figure captions and alt texts, the answers of the exercises, and the algebra behind the
three notations and the rewritten Nesterov form (checked on random instances).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import SGD, Momentum, Nesterov, landscapes

VALLEY = landscapes.ill_conditioned()


def momentum_path(form, lrs, momentum=0.9, function=VALLEY, start=(-7.0, 2.0)):
    """The page's three notations of momentum, (a), (b) and (c); lrs[k] is step k's lr."""
    w, v = np.array(start, dtype=float), np.zeros(len(start))
    path = [w]
    for lr in lrs:
        g = function.gradient(w)
        if form == "a":
            v = momentum * v - lr * g
            w = w + v
        elif form == "b":
            v = momentum * v + (1 - momentum) * g
            w = w - lr * v
        else:
            v = momentum * v + g
            w = w - lr * v
        path.append(w)
    return np.array(path)


# --------------------------------------------------------------------- the idea and the valley


def test_terminal_step_sizes():
    """|v| / (lr |g|) tends to 1/(1 - alpha) = 10 and 1/(1 + alpha) = 0.526 (figure, text)."""
    from scripts.fig_momentum import velocity_history

    constant = velocity_history(np.ones(50))
    alternating = velocity_history((-1.0) ** np.arange(1, 51))
    assert constant[-1] == pytest.approx(10 * (1 - 0.9**50))
    assert abs(alternating[-1] - 1 / 1.9) < 0.01
    assert np.all(np.diff(constant) > 0)


def test_momentum_on_the_valley_converges_at_rate_sqrt_alpha():
    """With lr 0.1 and alpha 0.9 both coordinates spiral in by sqrt(0.9) = 0.949 per step."""
    for curvature in (0.1, 2.0):
        # characteristic roots of x_{t+1} = (1 + a - lr c) x_t - a x_{t-1}
        roots = np.roots([1.0, -(1 + 0.9 - 0.1 * curvature), 0.9])
        assert np.iscomplex(roots).all()
        assert np.abs(roots) == pytest.approx([math.sqrt(0.9)] * 2)
    path = landscapes.trajectory(Momentum(lr=0.1, momentum=0.9), VALLEY, None, steps=400)
    distance = np.linalg.norm(path, axis=1)
    # the envelope: largest distance over a window, 200 steps apart
    rate = (distance[300:340].max() / distance[100:140].max()) ** (1 / 200)
    assert rate == pytest.approx(math.sqrt(0.9), abs=0.002)
    assert round(math.sqrt(0.9), 3) == 0.949
    assert round(1 - 0.95 / 10, 3) == 0.905  # SGD's factor along x (chapter 1)


def test_momentum_path_overshoots_the_minimum():
    """The figure: momentum (lr 0.1) rolls past the minimum within 30 steps; SGD does not."""
    momentum = landscapes.trajectory(Momentum(lr=0.1, momentum=0.9), VALLEY, None, steps=30)
    sgd = landscapes.trajectory(SGD(lr=0.95), VALLEY, None, steps=30)
    assert momentum[:, 0].max() > 0.5
    assert sgd[:, 0].max() < 0


def test_polyak_rate():
    """The tip: the best rate is (sqrt(kappa) - 1) / (sqrt(kappa) + 1) = 0.635 for kappa = 20."""
    kappa = 20.0
    rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    assert rate == pytest.approx(0.6345, abs=1e-4)
    alpha = rate**2
    lr = 4 / (math.sqrt(2.0) + math.sqrt(0.1)) ** 2
    for curvature in (0.1, 2.0):  # both extreme curvatures at the critical damping
        roots = np.roots([1.0, -(1 + alpha - lr * curvature), alpha])
        assert np.abs(roots).max() == pytest.approx(rate, rel=1e-6)


# --------------------------------------------------------------------- the three notations


@pytest.mark.parametrize("seed", range(5))
def test_three_notations_agree_under_a_constant_lr(seed):
    """(a) and (c) with the same lr, (b) with lr / (1 - beta): the same path (random cases)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((3, 3))
    f = landscapes.quadratic(A @ A.T + 0.1 * np.eye(3), start=rng.standard_normal(3))
    momentum, lr = rng.uniform(0.5, 0.95), rng.uniform(0.01, 0.1)
    start = f.start
    a = momentum_path("a", [lr] * 40, momentum, f, start)
    b = momentum_path("b", [lr / (1 - momentum)] * 40, momentum, f, start)
    c = momentum_path("c", [lr] * 40, momentum, f, start)
    scale = np.abs(a).max()
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(c, a, rtol=0, atol=1e-12 * scale)
    package = landscapes.trajectory(Momentum(lr=lr, momentum=momentum), f, start, 40)
    np.testing.assert_allclose(package, a, rtol=0, atol=1e-12 * scale)


def test_b_and_c_agree_under_a_changing_lr_and_a_does_not():
    rng = np.random.default_rng(1)
    schedule = list(rng.uniform(0.01, 0.2, size=40))
    a = momentum_path("a", schedule)
    b = momentum_path("b", [lr / 0.1 for lr in schedule])
    c = momentum_path("c", schedule)
    np.testing.assert_allclose(b, c, rtol=0, atol=1e-12)
    assert np.abs(a - c).max() > 0.1


def test_exercise_rescaling_the_velocity_restores_the_match():
    """Exercise 2: multiply Momentum's v by new_lr / old_lr when the lr changes -> form (c)."""
    schedule = [0.05] * 10 + [0.005] * 20
    c = momentum_path("c", schedule)
    opt = Momentum(lr=schedule[0], momentum=0.9)
    params = {"x": np.array(-7.0), "y": np.array(2.0)}
    points = [np.array([-7.0, 2.0])]
    for lr in schedule:
        if lr != opt.lr:
            for key in params:
                opt.state[key]["v"] *= lr / opt.lr
            opt.lr = lr
        g = VALLEY.gradient(points[-1])
        opt.update(params, {"x": np.array(g[0]), "y": np.array(g[1])})
        points.append(np.array([params["x"], params["y"]], dtype=float))
    np.testing.assert_allclose(np.array(points), c, rtol=0, atol=1e-12)


def test_torch_sgd_is_form_c_also_under_a_changing_lr():
    """The note: torch.optim.SGD(lr, momentum) is form (c), whole velocity rescaled by a new lr."""
    torch = pytest.importorskip("torch")
    schedule = [0.1] * 10 + [0.01] * 20
    c = momentum_path("c", schedule)
    w = torch.tensor([-7.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=schedule[0], momentum=0.9)
    points = [w.detach().numpy().copy()]
    for lr in schedule:
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        loss = w[0] ** 2 / 20 + w[1] ** 2
        loss.backward()
        opt.step()
        points.append(w.detach().numpy().copy())
    np.testing.assert_allclose(np.array(points), c, rtol=0, atol=1e-12)


# --------------------------------------------------------------------- local minimum, saddle


def test_local_minimum_figure():
    """Figure: after 150 steps SGD sits at 1, momentum at -2; momentum nearly stops on the bump."""
    f = landscapes.local_minimum_1d()
    sgd = landscapes.trajectory(SGD(lr=0.01), f, None, steps=150)[:, 0]
    momentum = landscapes.trajectory(Momentum(lr=0.01, momentum=0.9), f, None, steps=150)[:, 0]
    assert sgd[-1] == pytest.approx(1.0, abs=0.02)
    assert momentum[-1] == pytest.approx(-2.0, abs=0.05)
    speed = np.abs(np.diff(momentum))
    on_bump = np.abs(momentum[1:]) < 0.2
    assert speed[on_bump].min() < 0.1 * speed.max()
    assert momentum.min() < -2.2  # overshoots -2 before settling


def test_saddle_figure_and_ratio():
    """Figure: SGD (lr 0.01) is still near the x axis after 160 steps; 349 / 72 is about five."""
    f = landscapes.saddle()
    sgd = landscapes.trajectory(SGD(lr=0.01), f, None, steps=160)
    momentum = landscapes.trajectory(Momentum(lr=0.01, momentum=0.9), f, None, steps=160)
    assert np.abs(sgd[:, 1]).max() < 0.05
    assert momentum[:, 0].max() > 0.2  # overshoots the origin along x
    assert round(349 / 72) == 5


# --------------------------------------------------------------------- noisy gradients


@pytest.mark.parametrize(
    ("lr", "momentum", "curvature"),
    [(0.5, 0.0, 2.0), (0.05, 0.9, 0.1), (0.05, 0.9, 2.0), (0.5, 0.9, 2.0), (0.3, 0.6, 1.0)],
)
def test_noise_floor_formula_is_exact(lr, momentum, curvature):
    """The page's formula is the stationary loss of the linear recursion (Lyapunov equation)."""
    from scipy.linalg import solve_discrete_lyapunov

    a, c = momentum, curvature
    # state (x, v): v' = a v - lr (c x + noise), x' = x + v'
    T = np.array([[1 - lr * c, a], [-lr * c, a]])
    B = np.array([[-lr], [-lr]])
    covariance = solve_discrete_lyapunov(T, B @ B.T)
    exact = c / 2 * covariance[0, 0]
    formula = lr * (1 + a) / (2 * (1 - a) * (2 * (1 + a) - lr * c))
    assert formula == pytest.approx(exact, rel=1e-10)


def test_noise_gain_comes_from_the_steep_direction():
    """Text: at the same long-run step the flat-direction terms almost agree; the steep differ."""

    def term(lr, a, c):
        return lr * (1 + a) / (2 * (1 - a) * (2 * (1 + a) - lr * c))

    flat_sgd, flat_momentum = term(0.5, 0.0, 0.1), term(0.05, 0.9, 0.1)
    steep_sgd, steep_momentum = term(0.5, 0.0, 2.0), term(0.05, 0.9, 2.0)
    assert flat_momentum == pytest.approx(flat_sgd, rel=0.03)
    assert steep_sgd > 1.9 * steep_momentum


# --------------------------------------------------------------------- Nesterov


def test_nesterov_diagram_state():
    """The diagram: at w the gradient step points down, at the look-ahead point it points up;
    momentum's new velocity ends far below the floor, Nesterov's just below it."""
    lr, alpha = 0.3, 0.9
    points = landscapes.trajectory(Momentum(lr=lr, momentum=alpha), VALLEY, None, steps=1)
    w, v = points[1], points[1] - points[0]
    look = w + alpha * v
    assert w[1] > 0 > look[1]
    assert -lr * VALLEY.gradient(w)[1] < 0 < -lr * VALLEY.gradient(look)[1]
    momentum_end = w + alpha * v - lr * VALLEY.gradient(w)
    nesterov_end = w + alpha * v - lr * VALLEY.gradient(look)
    assert momentum_end[1] < -0.7
    assert -0.2 < nesterov_end[1] < 0


@pytest.mark.parametrize("seed", range(5))
def test_rewritten_nesterov_forms_agree(seed):
    """The three ways to write the update of W~, and the copied rule's coefficients."""
    rng = np.random.default_rng(seed)
    w, v_old, g = rng.standard_normal((3, 4))
    alpha, lr = rng.uniform(0.5, 0.99), rng.uniform(0.001, 0.5)
    v = alpha * v_old - lr * g
    forms = [
        w - alpha * v_old + (1 + alpha) * v,
        w + v + alpha * (v - v_old),
        w + alpha * v - lr * g,
        w + alpha**2 * v_old - (1 + alpha) * lr * g,
    ]
    for form in forms[1:]:
        np.testing.assert_allclose(form, forms[0], rtol=1e-12, atol=1e-12)
    copied = w + alpha**2 * v - (1 + alpha) * lr * g
    expanded = w + alpha**3 * v_old - (1 + alpha + alpha**2) * lr * g
    np.testing.assert_allclose(copied, expanded, rtol=1e-12, atol=1e-12)
    assert 1 + 0.9 + 0.81 == pytest.approx(2.71)


def test_nesterov_path_figure():
    """Figure: Nesterov's swings across the valley are smaller; it too ends past the minimum."""
    momentum = landscapes.trajectory(Momentum(lr=0.1, momentum=0.9), VALLEY, None, steps=30)
    nesterov = landscapes.trajectory(Nesterov(lr=0.1, momentum=0.9), VALLEY, None, steps=30)
    # after the first dip below the floor: the later swings
    assert np.abs(nesterov[10:, 1]).max() < 0.5 * np.abs(momentum[10:, 1]).max()
    assert nesterov[-1, 0] > 0
    assert np.abs(nesterov[:, 1]).max() <= 2.0


# --------------------------------------------------------------------- exercises


def test_exercise_heavier_balls():
    for alpha, limit, steps in ((0.5, 2, 4), (0.9, 10, 22), (0.99, 100, 230)):
        assert 1 / (1 - alpha) == pytest.approx(limit)
        assert math.ceil(math.log(0.1) / math.log(alpha)) == steps
        assert alpha**steps <= 0.1 < alpha ** (steps - 1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_exercise_stability_limit():
    """Momentum (alpha 0.9) on the valley converges for lr < 1.9 and diverges above it."""
    for lr, converges in ((1.89, True), (1.91, False)):
        path = landscapes.trajectory(Momentum(lr=lr, momentum=0.9), VALLEY, None, steps=2000)
        if converges:
            assert len(path) == 2001 and abs(path[-1, 1]) < 1e-3
        else:
            assert len(path) < 2001 or abs(path[-1, 1]) > 1e3
