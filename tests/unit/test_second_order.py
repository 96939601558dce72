"""Tests of optimizers.second_order: Newton, the two-loop recursion, L-BFGS against scipy."""

import inspect
import warnings

import numpy as np
import pytest

from optimizers import second_order
from optimizers.landscapes import ill_conditioned, quadratic, rosenbrock, saddle
from optimizers.second_order import C1, C2, lbfgs, newton, two_loop


def random_spd(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n, n))
    return M @ M.T + 0.5 * np.eye(n)


class Counting:
    """Wraps a function and counts the calls of each method."""

    def __init__(self, function) -> None:
        self.function = function
        self.dim, self.start = function.dim, function.start
        self.calls = {"value": 0, "gradient": 0, "hessian": 0}

    def value(self, x):
        self.calls["value"] += 1
        return self.function.value(x)

    def gradient(self, x):
        self.calls["gradient"] += 1
        return self.function.gradient(x)

    def hessian(self, x):
        self.calls["hessian"] += 1
        return self.function.hessian(x)


# ----------------------------------------------------------------------------- Newton


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_newton_converges_in_one_step_on_a_quadratic(seed):
    A = random_spd(6, seed)
    b = np.random.default_rng(seed + 10).normal(size=6)
    f = quadratic(A, b)
    result = newton(f, np.full(6, 3.0))
    expected = np.linalg.solve(A, b)
    np.testing.assert_allclose(result.x, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    assert result.converged and result.iterations == 1 and result.evaluations == 2
    assert result.path.shape == (2, 6) and result.values.shape == (2,)
    np.testing.assert_array_equal(result.path[0], np.full(6, 3.0))
    assert result.fun == pytest.approx(-0.5 * b @ expected, rel=1e-12)


def test_newton_on_the_book_functions():
    result = newton(ill_conditioned())  # from (-7, 2) to the minimum in one step
    assert result.iterations == 1 and result.converged
    np.testing.assert_allclose(result.x, [0.0, 0.0], atol=1e-15)
    result = newton(saddle())  # Newton is attracted by the saddle point
    assert result.iterations == 1 and result.converged
    np.testing.assert_allclose(result.x, [0.0, 0.0], atol=1e-15)
    result = newton(rosenbrock())  # pure Newton from (-1.2, 1)
    assert result.converged and result.iterations == 7 and result.evaluations == 8
    np.testing.assert_allclose(result.x, [1.0, 1.0], rtol=1e-15)
    # no line search: f jumps from 4.73 up to 1412 at the second step, then converges fast
    assert result.values[2] > 1000 and result.values[-2] < 1e-19


def test_newton_step_size_and_damping():
    A, b = random_spd(3, 5), np.array([1.0, -1.0, 2.0])
    f = quadratic(A, b)
    x0, target = np.zeros(3), np.linalg.solve(A, b)
    half = newton(f, x0, lr=0.5, max_iter=10)
    expected = target + 0.5 ** np.arange(11)[:, None] * (x0 - target)
    np.testing.assert_allclose(half.path, expected, rtol=1e-12, atol=1e-13)
    assert half.iterations == 10 and not half.converged and "max_iter" in half.message
    damped = newton(f, x0, damping=2.0, max_iter=1)
    g0 = A @ x0 - b
    np.testing.assert_allclose(
        damped.path[1], x0 - np.linalg.solve(A + 2.0 * np.eye(3), g0), rtol=1e-13
    )


def test_newton_counts_and_stops_on_a_singular_hessian():
    counting = Counting(quadratic(np.diag([1.0, 0.0]), b=[1.0, 1.0]))
    result = newton(counting, [0.0, 0.0])
    assert not result.converged and "singular" in result.message
    assert result.iterations == 0 and result.evaluations == 1
    assert counting.calls == {"value": 1, "gradient": 1, "hessian": 1}
    # with damping the system is solvable (but the valley has no bottom along y)
    # each damped step multiplies x by 1 - 1 / (1 + damping) = damping / (1 + damping)
    result = newton(quadratic(np.diag([1.0, 0.0])), [1.0, 0.0], damping=1e-3)
    assert result.converged and result.iterations == 4
    np.testing.assert_allclose(result.path[:, 0], (1e-3 / 1.001) ** np.arange(5), rtol=1e-12)
    untouched = newton(ill_conditioned(), max_iter=0)
    assert untouched.iterations == 0 and untouched.evaluations == 1 and not untouched.converged


# ----------------------------------------------------------------------------- two-loop


def dense_bfgs_inverse(s_list, y_list, n):
    """H from the BFGS inverse update, applied pair by pair from H_0 = gamma I."""
    s, y = s_list[-1], y_list[-1]
    H = (s @ y) / (y @ y) * np.eye(n)
    for s, y in zip(s_list, y_list, strict=True):
        rho = 1.0 / (y @ s)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return H


def test_two_loop_equals_the_dense_bfgs_matrix():
    rng = np.random.default_rng(7)
    n, A = 8, random_spd(8, 7)
    s_list = [rng.normal(size=n) for _ in range(5)]
    y_list = [A @ s for s in s_list]  # exact curvature pairs, s.y > 0
    g = rng.normal(size=n)
    H = dense_bfgs_inverse(s_list, y_list, n)
    np.testing.assert_allclose(two_loop(g, s_list, y_list), H @ g, rtol=1e-10, atol=1e-12)
    # the secant equation holds for the newest pair: H y = s
    np.testing.assert_allclose(two_loop(y_list[-1], s_list, y_list), s_list[-1], rtol=1e-10)
    # with n independent exact pairs of a quadratic, H is the inverse Hessian
    s_full = [rng.normal(size=n) for _ in range(n)]
    y_full = [A @ s for s in s_full]
    H_full = dense_bfgs_inverse(s_full, y_full, n)
    assert np.linalg.norm(H_full - np.linalg.inv(A)) > 1e-3  # BFGS is not exact after n pairs
    np.testing.assert_allclose(two_loop(g, s_full, y_full), H_full @ g, rtol=1e-9, atol=1e-12)


def test_two_loop_without_pairs_is_the_gradient_and_does_not_alias():
    g = np.array([1.0, -2.0])
    r = two_loop(g, [], [])
    np.testing.assert_array_equal(r, g)
    r[0] = 5.0
    assert g[0] == 1.0


def test_two_loop_is_marked_for_the_page():
    source = inspect.getsource(second_order).splitlines()
    start = source.index("# --8<-- [start:two_loop]")
    end = source.index("# --8<-- [end:two_loop]")
    assert source[start + 1].startswith("def two_loop(")
    assert "return r" in "\n".join(source[start:end])


# ----------------------------------------------------------------------------- L-BFGS vs scipy


def scipy_lbfgs(f, **options):
    optimize = pytest.importorskip("scipy.optimize")
    return optimize.minimize(
        lambda x: (f.value(x), f.gradient(x)),
        f.start,
        jac=True,
        method="L-BFGS-B",
        options=options,
    )


@pytest.mark.parametrize("dim", [2, 10, 50, 100])
def test_lbfgs_matches_scipy_on_rosenbrock(dim):
    f = rosenbrock(dim)
    # tight tolerances, so that both end points are the minimum itself
    theirs = scipy_lbfgs(f, gtol=1e-9, ftol=0.0, maxiter=5000)
    ours = lbfgs(f, gtol=1e-9, max_iter=5000)
    assert theirs.success and ours.converged
    assert np.max(np.abs(ours.x - theirs.x)) <= 1e-8
    assert np.max(np.abs(ours.x - 1.0)) <= 1e-9
    assert ours.iterations <= 1.5 * theirs.nit
    assert ours.evaluations <= 1.5 * theirs.nfev
    # the defaults (gtol = 1e-5; scipy also stops on a small relative decrease of f)
    theirs = scipy_lbfgs(f)
    ours = lbfgs(f)
    assert ours.converged and np.max(np.abs(ours.x - 1.0)) <= 1e-5
    assert np.max(np.abs(ours.x - theirs.x)) <= 2e-5
    assert ours.iterations <= 1.5 * theirs.nit
    assert ours.evaluations <= 1.5 * theirs.nfev
    print(
        f"\nRosenbrock {dim}-D defaults: ours {ours.iterations} iterations, "
        f"{ours.evaluations} evaluations; scipy {theirs.nit} iterations, {theirs.nfev} evaluations"
    )


def test_every_lbfgs_step_satisfies_the_strong_wolfe_conditions():
    f = rosenbrock(10)
    result = lbfgs(f, gtol=1e-8)
    assert result.converged
    for k in range(result.iterations):
        x, x_next = result.path[k], result.path[k + 1]
        s = x_next - x  # a positive multiple of the search direction
        slope, slope_next = f.gradient(x) @ s, f.gradient(x_next) @ s
        assert slope < 0
        assert f.value(x_next) <= f.value(x) + C1 * slope
        assert abs(slope_next) <= C2 * abs(slope)
    np.testing.assert_array_equal(result.values, [f.value(x) for x in result.path])


def test_lbfgs_with_armijo_backtracking():
    f = rosenbrock(10)
    result = lbfgs(f, line_search="armijo", gtol=1e-8)
    assert result.converged
    np.testing.assert_allclose(result.x, 1.0, atol=1e-8)
    for k in range(result.iterations):
        x, x_next = result.path[k], result.path[k + 1]
        assert f.value(x_next) <= f.value(x) + C1 * (f.gradient(x) @ (x_next - x))


def test_lbfgs_on_a_quadratic_and_with_little_memory():
    A, b = random_spd(20, 3), np.linspace(-1.0, 1.0, 20)  # eigenvalues from 0.52 to 75
    f = quadratic(A, b)
    result = lbfgs(f, gtol=1e-6)
    assert result.converged and result.iterations <= 1.5 * scipy_lbfgs(f, gtol=1e-6, ftol=0).nit
    error = np.abs(result.x - np.linalg.solve(A, b)).max()
    assert error <= np.sqrt(20) * 1e-6 / 0.51  # |x - x*| <= |g| / smallest eigenvalue
    short = lbfgs(rosenbrock(), m=1, max_iter=2000, gtol=1e-8)
    assert short.converged and np.allclose(short.x, 1.0, atol=1e-7)


def test_lbfgs_stops_when_f_no_longer_decreases_measurably():
    # f* = -357: near the minimum the decrease a step promises (about 1e-13) is below the
    # rounding of f, so no step passes the sufficient-decrease test
    A, b = random_spd(20, 3), np.arange(20.0)
    result = lbfgs(quadratic(A, b), np.zeros(20), gtol=1e-9)
    assert not result.converged and "line search failed" in result.message
    assert "max|g| = " in result.message
    assert np.abs(result.x - np.linalg.solve(A, b)).max() < 1e-5  # it got close all the same


@pytest.mark.parametrize("line_search", ["wolfe", "armijo"])
def test_lbfgs_stops_cleanly_on_a_function_unbounded_below(line_search):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings escape
        result = lbfgs(saddle(), line_search=line_search, max_iter=5000)
    assert not result.converged and result.message.startswith("diverged")
    assert np.all(np.isfinite(result.path)) and result.fun < -1e300
    assert result.iterations < 5000


def test_lbfgs_result_and_evaluation_count():
    counting = Counting(rosenbrock(5))
    result = lbfgs(counting, max_iter=7)
    assert not result.converged and result.iterations == 7 and "max_iter" in result.message
    assert result.path.shape == (8, 5) and result.values.shape == (8,)
    assert counting.calls["value"] == counting.calls["gradient"] == result.evaluations
    assert counting.calls["hessian"] == 0
    assert result.evaluations >= 8
    np.testing.assert_array_equal(result.x, result.path[-1])
    assert result.fun == result.values[-1] == rosenbrock(5).value(result.x)
    assert result.values[0] == rosenbrock(5).value(rosenbrock(5).start)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: lbfgs(rosenbrock(), m=0), ValueError, "m must be"),
        (lambda: lbfgs(rosenbrock(), m=2.5), TypeError, "m must be a positive integer, got 2.5"),
        (lambda: lbfgs(rosenbrock(), m=True), TypeError, "m must be a positive integer, got True"),
        (lambda: lbfgs(rosenbrock(), gtol="0"), TypeError, "gtol must be a real number"),
        (lambda: lbfgs(rosenbrock(), line_search="Wolfe"), ValueError, "'wolfe', 'armijo'"),
        (lambda: lbfgs(rosenbrock(), max_iter=-1), ValueError, "max_iter"),
        (lambda: lbfgs(rosenbrock(), gtol=-1e-5), ValueError, "gtol"),
        (lambda: lbfgs(rosenbrock(), line_search="exact"), ValueError, "line_search"),
        (lambda: lbfgs(rosenbrock(), [1.0, np.nan]), ValueError, "start must be finite"),
        (lambda: lbfgs(rosenbrock(), [1.0, 2.0, 3.0]), ValueError, r"3 coordinates.*takes 2"),
        (lambda: newton(rosenbrock(), [1.0]), ValueError, r"1 coordinates.*takes 2"),
        (lambda: newton(rosenbrock(), [np.inf, 1.0]), ValueError, "start must be finite"),
        (lambda: newton(rosenbrock(), lr=0.0), ValueError, "lr"),
        (lambda: newton(rosenbrock(), lr=float("nan")), ValueError, "lr"),
        (lambda: newton(rosenbrock(), damping=-1.0), ValueError, "damping"),
        (lambda: newton(rosenbrock(), tol=-1.0), ValueError, "tol"),
        (lambda: newton(rosenbrock(), max_iter=-2), ValueError, "max_iter"),
        (lambda: newton(rosenbrock(), max_iter=5.0), TypeError, "max_iter must be a non-neg"),
        # newton(lr=True) ran with lr = 1.0: a bool is a mistake, never a learning rate
        (lambda: newton(rosenbrock(), lr=True), TypeError, "lr must be a real number.*True"),
        (lambda: newton(rosenbrock(), damping=None), TypeError, "damping must be a real number"),
        (lambda: newton(object(), [0.0]), TypeError, "value"),
    ],
)
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_newton_needs_a_hessian():
    class NoHessian:
        dim, start = 2, np.zeros(2)

        def value(self, x):
            return 0.0

        def gradient(self, x):
            return np.zeros(2)

    with pytest.raises(TypeError, match="hessian"):
        newton(NoHessian())
    assert lbfgs(NoHessian()).converged  # L-BFGS needs no Hessian


def test_a_function_without_dim_or_start_is_a_type_error():
    class NoDim:  # was AttributeError: 'NoDim' object has no attribute 'dim'
        start = np.zeros(2)

        def value(self, x):
            return float(x @ x)

        def gradient(self, x):
            return 2 * x

        def hessian(self, x):
            return 2 * np.eye(2)

    with pytest.raises(TypeError, match="function must have a dim attribute"):
        lbfgs(NoDim(), [1.0, 2.0])
    with pytest.raises(TypeError, match="function must have a dim attribute"):
        newton(NoDim(), [1.0, 2.0])

    class NoStart(NoDim):
        dim, start = 2, None

    with pytest.raises(TypeError, match="pass start, or give the function a start attribute"):
        lbfgs(NoStart())
    result = lbfgs(NoStart(), [1.0, 2.0])
    assert result.converged and np.allclose(result.x, 0.0)

    class FloatDim(NoDim):
        dim = 2.0

    with pytest.raises(TypeError, match=r"function\.dim must be a positive integer, got 2\.0"):
        lbfgs(FloatDim())
