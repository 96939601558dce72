"""Tests of optimizers.landscapes: derivatives, minima, grids, noise and trajectory."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers import landscapes
from optimizers.landscapes import (
    ill_conditioned,
    local_minimum_1d,
    quadratic,
    rosenbrock,
    rotated,
    saddle,
    trajectory,
    with_gradient_noise,
)


class SGD:
    """The smallest optimizer: w <- w - lr * g, in place (0-d arrays included)."""

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


def random_spd(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n, n))
    return M @ M.T + n * np.eye(n)


FUNCTIONS = {
    "ill_conditioned": ill_conditioned,
    "rotated": rotated,
    "rotated_0.3": lambda: rotated(0.3),
    "rosenbrock": rosenbrock,
    "rosenbrock_5": lambda: rosenbrock(5),
    "rosenbrock_3_a_b": lambda: rosenbrock(3, a=0.5, b=10.0),
    "saddle": saddle,
    "local_minimum_1d": local_minimum_1d,
    "plateau": landscapes.plateau,
    "sharp_and_flat": landscapes.sharp_and_flat,
    "quadratic_spd": lambda: quadratic(random_spd(4, 0), b=[1.0, -2.0, 0.5, 3.0]),
    "quadratic_indefinite": lambda: quadratic([[1.0, 2.0, 0.0], [2.0, -1.0, 0.5], [0.0, 0.5, 3.0]]),
}


def central_gradient(f, x, h):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def random_points(function, n=5, seed=0):
    rng = np.random.default_rng(seed)
    return [function.start + rng.normal(scale=1.5, size=function.dim) for _ in range(n)]


# ----------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradient_matches_central_differences(name):
    f = FUNCTIONS[name]()
    for x in random_points(f):
        numeric = central_gradient(f.value, x, 1e-5)
        exact = f.gradient(x)
        assert exact.shape == (f.dim,)
        scale = max(1.0, np.max(np.abs(exact)))
        np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_hessian_matches_central_differences_of_the_gradient(name):
    f = FUNCTIONS[name]()
    for x in random_points(f, seed=1):
        numeric = np.stack(
            [central_gradient(lambda y, i=i: f.gradient(y)[i], x, 1e-5) for i in range(f.dim)]
        )
        exact = f.hessian(x)
        assert exact.shape == (f.dim, f.dim)
        np.testing.assert_array_equal(exact, exact.T)
        scale = max(1.0, np.max(np.abs(exact)))
        np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-6 * scale)


def test_rosenbrock_matches_scipy():
    optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(2)
    for dim in (2, 3, 7, 20):
        f = rosenbrock(dim)
        for _ in range(3):
            x = rng.normal(size=dim)
            assert f.value(x) == pytest.approx(optimize.rosen(x), rel=1e-13)
            np.testing.assert_allclose(f.gradient(x), optimize.rosen_der(x), rtol=1e-13)
            np.testing.assert_allclose(f.hessian(x), optimize.rosen_hess(x), rtol=1e-13)


def test_values_at_known_points():
    assert ill_conditioned().value([-7.0, 2.0]) == pytest.approx(6.45, rel=1e-15)
    np.testing.assert_allclose(ill_conditioned().gradient([-7.0, 2.0]), [-0.7, 4.0], rtol=1e-15)
    assert saddle().value([3.0, 2.0]) == 5.0
    assert rosenbrock().value([-1.2, 1.0]) == pytest.approx(24.2, rel=1e-14)
    assert rosenbrock(2, a=2.0, b=1.0).value([0.0, 0.0]) == 4.0


# ----------------------------------------------------------------------------- minima


@pytest.mark.parametrize(
    ("make", "minimum"),
    [
        (ill_conditioned, [0.0, 0.0]),
        (rotated, [0.0, 0.0]),
        (rosenbrock, [1.0, 1.0]),
        (lambda: rosenbrock(2, a=-0.5, b=3.0), [-0.5, 0.25]),
        (lambda: rosenbrock(6), [1.0] * 6),
        (lambda: rosenbrock(4, a=0.0), [0.0] * 4),
        (local_minimum_1d, [-2.0]),
    ],
)
def test_known_minima(make, minimum):
    f = make()
    np.testing.assert_array_equal(f.minimum, minimum)
    assert np.max(np.abs(f.gradient(f.minimum))) <= 1e-15
    assert np.all(np.linalg.eigvalsh(f.hessian(f.minimum)) > 0)
    rng = np.random.default_rng(3)
    nearby = f.minimum + 1e-3 * rng.normal(size=(50, f.dim))
    assert all(f.value(p) > f.value(f.minimum) for p in nearby)


def test_local_minimum_1d_states_its_points_exactly():
    f = local_minimum_1d()
    assert f.value([-2.0]) == pytest.approx(-8 / 3, rel=1e-15)
    assert f.value([1.0]) == pytest.approx(-5 / 12, rel=1e-15)
    assert f.value([0.0]) == 0.0
    for x in (-2.0, 0.0, 1.0):
        assert f.gradient([x])[0] == 0.0  # f'(x) = x (x + 2) (x - 1), exactly
    assert f.hessian([-2.0])[0, 0] == 6.0 and f.hessian([1.0])[0, 0] == 3.0
    assert f.hessian([0.0])[0, 0] == -2.0  # a local maximum between the two minima
    np.testing.assert_array_equal(f.local_minima[0], [1.0])
    assert f.value(f.start) == pytest.approx(8 / 3, rel=1e-15)
    # the only stationary points: f' changes sign only at -2, 0 and 1
    xs = np.linspace(-3.0, 2.5, 1000)  # -2, 0 and 1 are not grid points
    slopes = f.gradient(xs[None])[0]
    crossings = xs[:-1][np.sign(slopes[:-1]) != np.sign(slopes[1:])]
    assert len(crossings) == 3


def test_functions_without_a_minimum():
    assert saddle().minimum is None
    np.testing.assert_array_equal(saddle().hessian([0.3, -0.2]), np.diag([2.0, -2.0]))
    assert FUNCTIONS["quadratic_indefinite"]().minimum is None
    assert rosenbrock(3, a=0.5).minimum is None


def test_quadratic_minimum_solves_the_linear_system():
    A, b = random_spd(6, 4), np.arange(6.0)
    f = quadratic(A, b)
    np.testing.assert_allclose(A @ f.minimum, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(f.gradient(f.minimum), 0.0, atol=1e-12)
    np.testing.assert_array_equal(f.hessian(np.zeros(6)), (A + A.T) / 2)


def test_rotated_is_the_same_valley_turned():
    angle = 0.7
    f, g = ill_conditioned(), rotated(angle)
    R = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    np.testing.assert_allclose(g.start, R @ f.start, rtol=1e-15)
    rng = np.random.default_rng(5)
    for p in rng.normal(scale=3.0, size=(10, 2)):
        assert g.value(R @ p) == pytest.approx(f.value(p), rel=1e-13)
        np.testing.assert_allclose(g.gradient(R @ p), R @ f.gradient(p), rtol=1e-12, atol=1e-14)
    eigenvalues, eigenvectors = np.linalg.eigh(g.hessian(g.start))
    np.testing.assert_allclose(eigenvalues, [0.1, 2.0], rtol=1e-14)
    # the flat direction (eigenvalue 0.1) is the long axis (cos, sin)
    assert abs(eigenvectors[:, 0] @ [math.cos(angle), math.sin(angle)]) == pytest.approx(1.0)


def test_sharp_and_flat_states_its_points_exactly():
    f = landscapes.sharp_and_flat()
    assert f.minimum.tolist() == [0.0] and [m.tolist() for m in f.local_minima] == [[-2.0]]
    for x, value in ((-2.0, 0.0), (0.0, 0.0), (-1.6, 1.28), (-8 / 3, 32 / 9), (2.0, 2.0)):
        assert f.value(np.array([x])) == pytest.approx(value, abs=1e-14)
    # the curvatures: 16 in the narrow well (-8/3, -1.6), 1 everywhere else
    xs = np.array([[-4.0, -2.7, -2.6, -2.0, -1.7, -1.5, 0.0, 3.0]])
    assert f.in_sharp_well(xs).tolist() == [False, False, True, True, True, False, False, False]
    assert f.hessian(xs)[0, 0].tolist() == [1.0, 1.0, 16.0, 16.0, 16.0, 1.0, 1.0, 1.0]
    np.testing.assert_array_equal(
        f.gradient(xs)[0], np.where(f.in_sharp_well(xs), 16 * (xs[0] + 2), xs[0])
    )
    # on a kink, both parabolas have the same value; the gradient is the sharp one's
    assert f.in_sharp_well(np.array([-1.6])) and f.gradient(np.array([-1.6]))[0] == pytest.approx(
        6.4
    )


def test_sharp_and_flat_stability_limit():
    """SGD stays in the sharp minimum only for lr < 2/16; the flat one holds up to lr < 2."""
    f = landscapes.sharp_and_flat()
    near = [-2.0 + 1e-3]
    assert abs(trajectory(SGD(0.12), f, near, 500)[-1, 0] + 2.0) < 1e-9
    assert abs(trajectory(SGD(0.13), f, near, 500)[-1, 0]) < 1e-9  # thrown out, ends at 0
    assert abs(trajectory(SGD(1.9), f, [1e-3], 2000)[-1, 0]) < 1e-9


def test_sharp_and_flat_arguments():
    g = landscapes.SharpAndFlat(sharp_at=1.0, sharp_curvature=9.0, flat_at=-1.0, flat_curvature=4.0)
    assert g.value(np.array([1.0])) == 0.0 and g.hessian(np.array([1.0]))[0, 0] == 9.0
    assert g.value(np.array([-1.0])) == 0.0 and g.hessian(np.array([-1.0]))[0, 0] == 4.0
    with pytest.raises(ValueError, match="sharp_curvature must be a positive finite number, got 0"):
        landscapes.SharpAndFlat(sharp_curvature=0)
    with pytest.raises(TypeError, match="flat_at must be a real number"):
        landscapes.SharpAndFlat(flat_at="0")
    with pytest.raises(ValueError, match="sharp_at and flat_at must differ"):
        landscapes.SharpAndFlat(sharp_at=0.0)


# ----------------------------------------------------------------------------- grids


@pytest.mark.parametrize("name", FUNCTIONS)
def test_grid_evaluation_equals_pointwise_evaluation(name):
    f = FUNCTIONS[name]()
    rng = np.random.default_rng(6)
    grid = f.start.reshape((f.dim, 1, 1)) + rng.normal(size=(f.dim, 4, 5))
    values, gradients, hessians = f.value(grid), f.gradient(grid), f.hessian(grid)
    assert values.shape == (4, 5)
    assert gradients.shape == (f.dim, 4, 5)
    assert hessians.shape == (f.dim, f.dim, 4, 5)
    for i in range(4):
        for j in range(5):
            p = grid[:, i, j]
            assert values[i, j] == f.value(p)  # bit-identical
            np.testing.assert_array_equal(gradients[:, i, j], f.gradient(p))
            np.testing.assert_array_equal(hessians[:, :, i, j], f.hessian(p))


def test_meshgrid_usage_and_plot_ranges():
    f = ill_conditioned()
    assert (f.xlim, f.ylim) == ((-10.0, 10.0), (-5.0, 5.0))
    X, Y = np.meshgrid(np.linspace(*f.xlim, 7), np.linspace(*f.ylim, 3))
    np.testing.assert_allclose(f.value(np.stack([X, Y])), X**2 / 20 + Y**2, rtol=1e-15)
    U, V = f.gradient(np.stack([X, Y]))
    np.testing.assert_allclose(U, X / 10, rtol=1e-15)
    np.testing.assert_allclose(V, 2 * Y, rtol=1e-15)
    # each 2-D start lies inside its plot ranges
    for make in (ill_conditioned, rotated, rosenbrock, saddle):
        g = make()
        assert g.xlim[0] < g.start[0] < g.xlim[1] and g.ylim[0] < g.start[1] < g.ylim[1]


def test_points_are_read_only():
    f = ill_conditioned()
    with pytest.raises(ValueError, match="read-only"):
        f.start[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        f.minimum[0] = 1.0


# ----------------------------------------------------------------------------- noise


def test_gradient_noise_is_seeded_and_reproducible():
    f = rosenbrock()
    a, b, c = (with_gradient_noise(f, 0.5, seed=s) for s in (7, 7, 8))
    x = np.array([0.3, -0.4])
    sequence_a = [a.gradient(x) for _ in range(5)]
    sequence_b = [b.gradient(x) for _ in range(5)]
    np.testing.assert_array_equal(sequence_a, sequence_b)
    assert not np.array_equal(sequence_a[0], c.gradient(x))
    assert not np.array_equal(sequence_a[0], sequence_a[1])  # fresh noise at each call
    assert a.value(x) == f.value(x)
    np.testing.assert_array_equal(a.hessian(x), f.hessian(x))
    np.testing.assert_array_equal(with_gradient_noise(f, 0.0).gradient(x), f.gradient(x))
    assert (a.dim, a.xlim, a.ylim) == (f.dim, f.xlim, f.ylim)
    np.testing.assert_array_equal(a.start, f.start)


def test_gradient_noise_has_the_requested_distribution():
    sigma = 0.3
    f = ill_conditioned()
    noisy = with_gradient_noise(f, sigma, seed=0)
    rng = np.random.default_rng(9)
    grid = rng.uniform(-5, 5, size=(2, 100, 100))
    noise = noisy.gradient(grid) - f.gradient(grid)  # 2 x 10 000 draws
    samples = noise.reshape(2, -1)
    # standard errors: sigma / 100 for each mean, about sigma / 141 for each std
    assert np.all(np.abs(samples.mean(axis=1)) < 0.05 * sigma)
    np.testing.assert_allclose(samples.std(axis=1), sigma, rtol=0.03)
    assert abs(np.corrcoef(samples)[0, 1]) < 0.05  # independent coordinates
    points = np.array([noisy.gradient([1.0, 1.0]) - [0.1, 2.0] for _ in range(4000)])
    np.testing.assert_allclose(points.std(axis=0), sigma, rtol=0.05)


# ----------------------------------------------------------------------------- trajectory


def test_trajectory_of_sgd_is_the_closed_form():
    f = ill_conditioned()
    path = trajectory(SGD(lr=0.95), f, start=(-7.0, 2.0), steps=30)
    assert path.shape == (31, 2) and path.dtype == np.float64
    k = np.arange(31)
    np.testing.assert_allclose(path[:, 0], -7.0 * (1 - 0.95 / 10) ** k, rtol=1e-13)
    np.testing.assert_allclose(path[:, 1], 2.0 * (1 - 0.95 * 2) ** k, rtol=1e-13)
    assert f"{path[-1, 0]:.4f}, {path[-1, 1]:.4f}" == "-0.3504, 0.0848"  # the sgd page's output
    np.testing.assert_array_equal(trajectory(SGD(0.95), f, None, 30), path)


def test_trajectory_builds_the_pages_params():
    seen = []

    class Recorder:
        def update(self, params, grads):
            seen.append((sorted(params), sorted(grads), params, grads))
            for key in params:
                params[key] -= 0.1 * grads[key]

    trajectory(Recorder(), ill_conditioned(), None, 2)
    keys, grad_keys, params, grads = seen[0]
    assert keys == grad_keys == ["x", "y"]
    for value in (*params.values(), *grads.values()):
        assert isinstance(value, np.ndarray) and value.shape == () and value.dtype == np.float64
    seen.clear()
    trajectory(Recorder(), local_minimum_1d(), None, 1)
    assert seen[0][0] == seen[0][1] == ["x"]
    seen.clear()
    path = trajectory(Recorder(), rosenbrock(4), None, 3)
    assert seen[0][0] == seen[0][1] == ["w"] and seen[0][2]["w"].shape == (4,)
    assert path.shape == (4, 4)
    assert path[0] is not rosenbrock(4).start and np.array_equal(path[0], rosenbrock(4).start)


def test_trajectory_is_rotation_equivariant_for_sgd():
    angle = 0.4
    R = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    plain = trajectory(SGD(0.5), ill_conditioned(), None, 40)
    turned = trajectory(SGD(0.5), rotated(angle), None, 40)
    np.testing.assert_allclose(turned, plain @ R.T, rtol=1e-10, atol=1e-12)


def test_trajectory_on_the_1d_function_finds_the_local_minimum():
    f = local_minimum_1d()
    path = trajectory(SGD(0.05), f, None, 200)
    assert path.shape == (201, 1)
    assert path[-1, 0] == pytest.approx(1.0, abs=1e-9)  # stuck in the local minimum
    path = trajectory(SGD(0.05), f, [-0.5], 200)
    assert path[-1, 0] == pytest.approx(-2.0, abs=1e-9)  # started left of the bump


def test_trajectory_stops_and_warns_when_the_point_diverges():
    f = ill_conditioned()
    # lr = 1.5: y is multiplied by 1 - 3 = -2 per step and overflows after about 1024 steps
    with pytest.warns(RuntimeWarning, match=r"non-finite at step (\d+)") as record:
        path = trajectory(SGD(1.5), f, None, 5000)
    step = int(record[0].message.args[0].split("at step ")[1].split(" ")[0])
    assert path.shape == (step, 2)
    assert np.all(np.isfinite(path)) and abs(path[-1, 1]) > 1e300
    assert 1020 <= step <= 1030

    class Broken:
        calls = 0

        def update(self, params, grads):
            self.calls += 1
            if self.calls == 5:
                params["x"][...] = np.nan

    with pytest.warns(RuntimeWarning, match="at step 5 "):
        path = trajectory(Broken(), f, None, 10)
    assert path.shape == (5, 2)


def test_trajectory_without_divergence_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory(SGD(1e-3), rosenbrock(), None, 50)


def test_trajectory_errors():
    f = ill_conditioned()
    with pytest.raises(ValueError, match=r"start has 3 coordinates.*takes 2"):
        trajectory(SGD(0.1), f, [1.0, 2.0, 3.0], 5)
    with pytest.raises(ValueError, match="start must be finite"):
        trajectory(SGD(0.1), f, [1.0, np.inf], 5)
    with pytest.raises(ValueError, match="steps must be a non-negative integer, got -1"):
        trajectory(SGD(0.1), f, None, -1)
    with pytest.raises(TypeError, match="steps must be a non-negative integer, got 2.5"):
        trajectory(SGD(0.1), f, None, 2.5)
    with pytest.raises(TypeError, match="steps must be a non-negative integer, got True"):
        trajectory(SGD(0.1), f, None, True)
    with pytest.raises(TypeError, match="update"):
        trajectory(object(), f, None, 5)
    with pytest.raises(TypeError, match=r"function must be a Landscape \(with dim"):
        trajectory(SGD(0.1), lambda p: p @ p, [1.0, 2.0], 5)
    assert trajectory(SGD(0.1), f, None, 0).shape == (1, 2)
    assert trajectory(SGD(0.1), f, None, np.int64(3)).shape == (4, 2)


# ----------------------------------------------------------------------------- errors


def test_bad_inputs_name_the_problem():
    f = ill_conditioned()
    with pytest.raises(ValueError, match=r"2 coordinates.*\(3,\)"):
        f.value(np.zeros(3))
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        f.gradient(1.0)
    with pytest.raises(ValueError, match="square"):
        quadratic(np.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        quadratic([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        quadratic(np.eye(2), b=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Rosenbrock: dim must be an integer >= 2, got 1"):
        rosenbrock(1)
    with pytest.raises(TypeError, match="Rosenbrock: dim must be an integer >= 2, got 2.0"):
        rosenbrock(2.0)
    # Rosenbrock(a=True) was accepted as a = 1.0
    with pytest.raises(TypeError, match="Rosenbrock: a must be a real number.*got True"):
        landscapes.Rosenbrock(a=True)
    with pytest.raises(ValueError, match="Rosenbrock: a must be a finite number, got nan"):
        rosenbrock(2, a=float("nan"))
    with pytest.raises(TypeError, match="Rosenbrock: b must be a real number"):
        rosenbrock(2, b="100")
    with pytest.raises(ValueError, match="b must be"):
        rosenbrock(2, b=-1.0)
    with pytest.raises(ValueError, match="sigma must be a non-negative finite number, got -0.1"):
        with_gradient_noise(f, -0.1)
    with pytest.raises(TypeError, match="sigma must be a real number"):
        with_gradient_noise(f, None)
    with pytest.raises(ValueError, match=r"angle \(radians\) must be a finite number, got nan"):
        rotated(float("nan"))
    with pytest.raises(TypeError, match=r"angle \(radians\) must be a real number.*'45'"):
        rotated("45")
    with pytest.raises(TypeError, match="dim must be a positive integer, got 2.0"):
        landscapes.Landscape("f", 2.0, start=[0.0, 0.0])
    with pytest.raises(TypeError, match="window must be a positive integer, got 1.5"):
        landscapes.settle_step([1.0, 0.0], 0.5, 1.5)
    with pytest.raises(ValueError, match="start must have 2"):
        quadratic(np.eye(2), start=[1.0])


def test_every_public_name_is_documented():
    for name in landscapes.__all__:
        assert getattr(landscapes, name).__doc__, name


def library_rules():
    import optimizers

    names = ("SGD", "Momentum", "AdaGrad", "Adam")
    if not all(hasattr(optimizers, name) for name in names):
        pytest.skip("optimizers.rules is not written yet")
    return [getattr(optimizers, name) for name in names]


def test_trajectory_with_the_library_rules():
    LibrarySGD, Momentum, AdaGrad, Adam = library_rules()
    f = ill_conditioned()
    np.testing.assert_array_equal(
        trajectory(LibrarySGD(lr=0.95), f, None, 30), trajectory(SGD(0.95), f, None, 30)
    )
    # momentum, the textbook velocity form, written out
    path = trajectory(Momentum(lr=0.1, momentum=0.9), f, None, 30)
    w, v, expected = f.start.copy(), np.zeros(2), [f.start]
    for _ in range(30):
        v = 0.9 * v - 0.1 * f.gradient(w)
        w = w + v
        expected.append(w)
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-14)
    # Adam with its documented step
    path = trajectory(Adam(lr=0.3), f, None, 30)
    w, m, s, expected = f.start.copy(), np.zeros(2), np.zeros(2), [f.start]
    for t in range(1, 31):
        g = f.gradient(w)
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        w = w - 0.3 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(s) + 1e-7)
        expected.append(w)
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-14)


def test_trajectory_refuses_an_optimizer_that_has_taken_steps():
    # the review's reproducer: the same optimizer twice from the same start gave paths 1.27 apart
    _, Momentum, _, Adam = library_rules()
    f = ill_conditioned()
    for make in (lambda: Momentum(lr=0.1, momentum=0.9), lambda: Adam(lr=0.3)):
        optimizer = make()
        first = trajectory(optimizer, f, None, 30)
        with pytest.raises(ValueError, match=r"fresh optimizer.*already taken 30 steps"):
            trajectory(optimizer, f, None, 30)
        assert optimizer.t == 30  # the refused call changed nothing
        # a fresh optimizer per path: the same path, bit for bit
        np.testing.assert_array_equal(trajectory(make(), f, None, 30), first)
        # resume=True goes on from the state on purpose: 30 + 20 steps = one run of 50
        rest = trajectory(optimizer, f, first[-1], 20, resume=True)
        np.testing.assert_array_equal(np.vstack([first, rest[1:]]), trajectory(make(), f, None, 50))


@settings(max_examples=25, deadline=None)
@given(
    rule=st.sampled_from(["SGD", "Momentum", "AdaGrad", "Adam"]),
    first=st.integers(0, 15),
    second=st.integers(0, 15),
)
def test_trajectory_is_the_same_for_every_fresh_optimizer(rule, first, second):
    import optimizers

    make = lambda: getattr(optimizers, rule)(lr=0.05)  # noqa: E731
    f = rotated(0.4)
    optimizer = make()
    path = trajectory(optimizer, f, None, first)
    np.testing.assert_array_equal(trajectory(make(), f, None, first), path)
    if first > 0:
        with pytest.raises(ValueError, match=f"already taken {first} steps"):
            trajectory(optimizer, f, None, second)
    rest = trajectory(optimizer, f, path[-1], second, resume=True)
    whole = trajectory(make(), f, None, first + second)
    np.testing.assert_array_equal(np.vstack([path, rest[1:]]), whole)


def test_the_books_four_panel_comparison_runs():
    LibrarySGD, Momentum, AdaGrad, Adam = library_rules()
    f = ill_conditioned()
    for optimizer in (LibrarySGD(lr=0.95), Momentum(lr=0.1), AdaGrad(lr=1.5), Adam(lr=0.3)):
        path = trajectory(optimizer, f, None, 30)
        assert path.shape == (31, 2) and np.all(np.isfinite(path))
        assert f.value(path[-1]) < 0.05 * f.value(path[0])
        # each path stays inside the plot ranges
        assert np.all(np.abs(path[:, 0]) < 10) and np.all(np.abs(path[:, 1]) < 5)
    for function in (rosenbrock(6), local_minimum_1d()):
        path = trajectory(Adam(lr=0.01), function, None, 50)
        assert path.shape == (51, function.dim) and np.all(np.isfinite(path))


def test_settle_step_finds_the_first_run_below_the_threshold():
    # values[0] is the start and does not count; a pass below that is too short does not count
    values = [9.0, 0.5, 0.01, 0.01, 0.5, 0.01, 0.01, 0.01, 0.5]
    assert landscapes.settle_step(values, threshold=0.1, window=3) == 5
    assert landscapes.settle_step(values, threshold=0.1, window=2) == 2
    assert landscapes.settle_step(values, threshold=0.1, window=4) is None
    assert landscapes.settle_step([0.0, 0.0], threshold=0.1, window=1) == 1
    assert landscapes.settle_step([1.0, float("nan"), 0.0], threshold=0.1, window=2) is None
    with pytest.raises(ValueError, match="window"):
        landscapes.settle_step(values, threshold=0.1, window=0)


def test_settle_step_on_a_path_matches_a_direct_count():
    f = landscapes.ill_conditioned()
    path = landscapes.trajectory(SGD(lr=0.95), f, None, 519)
    values = f.value(path.T)
    k = landscapes.settle_step(values, threshold=1e-3, window=20)
    assert k == 43  # the compare chapter's table: SGD lr 0.95 settles after 43 steps
    assert np.all(values[k : k + 20] < 1e-3) and values[k - 1] >= 1e-3
