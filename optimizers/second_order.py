"""Second-order methods: Newton's method and L-BFGS (chapter 10).

Both take a function with ``value(x)``, ``gradient(x)`` (and ``hessian(x)`` for Newton) and
``dim``, such as the ones in ``optimizers.landscapes``, and return a ``Result``::

    from optimizers import landscapes, second_order
    f = landscapes.rosenbrock(10)
    result = second_order.lbfgs(f, f.start)
    result.x, result.iterations, result.evaluations, result.converged

An "evaluation" is one visit of the method to a point: value and gradient there for L-BFGS
(what scipy's ``nfev`` counts when ``fun`` returns both), value, gradient and Hessian for
Newton. The starting point counts as one.
"""

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from ._checks import NON_NEGATIVE, POSITIVE, integer, one_of, real

__all__ = ["Result", "lbfgs", "newton", "two_loop"]

C1 = 1e-4  # sufficient decrease: f(x + a d) <= f(x) + C1 a g.d
C2 = 0.9  # curvature: |g(x + a d).d| <= C2 |g.d| (strong Wolfe); 0.9 is usual for quasi-Newton
MAX_LINE_SEARCH_EVALUATIONS = 20


@dataclass
class Result:
    """What ``newton`` and ``lbfgs`` return.

    ``x``: the last point; ``fun``: f(x); ``path``: every iterate, shape
    ``(iterations + 1, dim)``, row 0 the start; ``values``: f along the path; ``iterations``:
    the number of steps taken; ``evaluations``: the number of points at which the function was
    evaluated (including the start and every line-search trial); ``converged``: whether the
    gradient test passed; ``message``: why the method stopped.
    """

    x: np.ndarray
    fun: float
    path: np.ndarray
    values: np.ndarray
    iterations: int
    evaluations: int
    converged: bool
    message: str


# ----------------------------------------------------------------------------- argument checks


def _check_function(function: Any, methods: Sequence[str]) -> None:
    """TypeError unless ``function`` has the methods and an integer ``dim`` (like a Landscape)."""
    for method in methods:
        if not callable(getattr(function, method, None)):
            raise TypeError(f"function must have a {method}(x) method, got {function!r}")
    dim = getattr(function, "dim", None)
    if dim is None:
        raise TypeError(
            f"function must have a dim attribute (its number of variables), as the functions of "
            f"optimizers.landscapes do, got {function!r}"
        )
    integer("function.dim", dim, 1)


def _start(function: Any, start: Any) -> np.ndarray:
    if start is None and getattr(function, "start", None) is None:
        raise TypeError(f"pass start, or give the function a start attribute; got {function!r}")
    x = np.array(function.start if start is None else start, dtype=np.float64)
    dim = function.dim
    if x.shape != (dim,):
        raise ValueError(f"start has {x.size} coordinates {x.shape}, but the function takes {dim}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"start must be finite, got {x.tolist()}")
    return x


def _result(path: list, values: list, evaluations: int, converged: bool, message: str) -> Result:
    return Result(
        x=path[-1],
        fun=values[-1],
        path=np.array(path),
        values=np.array(values),
        iterations=len(path) - 1,
        evaluations=evaluations,
        converged=converged,
        message=message,
    )


# ----------------------------------------------------------------------------- Newton


# --8<-- [start:newton]
def newton(
    function: Any,
    start: Sequence[float] | None = None,
    max_iter: int = 100,
    lr: float = 1.0,
    damping: float = 0.0,
    tol: float = 1e-10,
) -> Result:
    """Newton's method: ``x <- x - lr * (H + damping * I)^{-1} g``.

    Each step jumps to the minimum of the second-order Taylor model of f at x (for ``lr = 1``
    and ``damping = 0``), so on a quadratic with a positive definite Hessian it lands on the
    minimum in one step. There is no learning rate to tune; ``lr < 1`` shortens the step when
    the quadratic model is poor, and ``damping > 0`` (Levenberg, 1944) blends in a gradient
    step and keeps the system solvable. The linear system is solved, never inverted. Newton's
    method heads for the nearest stationary point, saddles included.

    Stops when ``max|g| <= tol`` (converged), after ``max_iter`` steps, or when the matrix is
    singular or a step is not finite. ``start`` defaults to ``function.start``.

    Errors: ``TypeError`` if ``function`` lacks ``value``, ``gradient``, ``hessian`` or an
    integer ``dim`` (or ``start`` is None and it has no ``start``), or an argument has the wrong
    type (``lr=True``, ``max_iter=2.5``); ``ValueError`` if ``start`` has the wrong number of
    coordinates or is not finite, ``lr`` is not positive and finite, ``damping`` or ``tol`` is
    negative or not finite, or ``max_iter`` is negative.
    """
    _check_function(function, ["value", "gradient", "hessian"])
    x = _start(function, start)
    max_iter = integer("max_iter", max_iter, 0)
    lr = real("lr", lr, POSITIVE)
    damping = real("damping", damping, NON_NEGATIVE)
    tol = real("tol", tol, NON_NEGATIVE)

    path, values = [x], []
    while True:
        values.append(function.value(x))  # one evaluation: value, gradient and Hessian at x
        g, H = function.gradient(x), function.hessian(x)
        if np.max(np.abs(g)) <= tol:
            return _result(path, values, len(values), True, f"max|g| <= tol = {tol:g}")
        if len(path) - 1 == max_iter:
            return _result(path, values, len(values), False, f"reached max_iter = {max_iter}")
        try:
            step = np.linalg.solve(H + damping * np.eye(x.size), g)
        except np.linalg.LinAlgError:
            return _result(path, values, len(values), False, "H + damping I is singular")
        x = x - lr * step
        if not np.all(np.isfinite(x)):
            return _result(path, values, len(values), False, "the step is not finite")
        path.append(x)


# --8<-- [end:newton]


# ----------------------------------------------------------------------------- L-BFGS


# --8<-- [start:two_loop]
def two_loop(
    g: np.ndarray, s_list: Sequence[np.ndarray], y_list: Sequence[np.ndarray]
) -> np.ndarray:
    """The L-BFGS two-loop recursion: returns ``H g``, so the search direction is ``-H g``.

    ``H`` approximates the inverse Hessian from the last m steps ``s_i = x_{i+1} - x_i`` and
    gradient changes ``y_i = g_{i+1} - g_i`` (oldest first), starting from
    ``H_0 = gamma I`` with ``gamma = s^T y / y^T y`` of the newest pair (1 with no pairs).
    Costs about 4 m n operations and never forms a matrix (Nocedal, 1980; Nocedal & Wright,
    *Numerical Optimization*, Algorithm 7.4).
    """
    q = np.array(g, dtype=np.float64)
    alphas = []
    for s, y in zip(reversed(s_list), reversed(y_list), strict=True):  # newest pair first
        alpha = (s @ q) / (y @ s)
        q -= alpha * y
        alphas.append(alpha)
    gamma = (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1]) if s_list else 1.0
    r = gamma * q  # H_0 q
    for s, y, alpha in zip(s_list, y_list, reversed(alphas), strict=True):  # oldest pair first
        beta = (y @ r) / (y @ s)
        r += (alpha - beta) * s
    return r


# --8<-- [end:two_loop]


class _Trial(NamedTuple):
    """One line-search trial: the step length, f and its slope along d, the point, its gradient."""

    alpha: float
    f: float
    slope: float
    x: np.ndarray
    g: np.ndarray


def _interpolate(lo: _Trial, hi: _Trial) -> float:
    """Minimiser of the cubic through (alpha, f, slope) at lo and hi, kept away from the ends.

    Nocedal & Wright, equation (3.59); falls back to bisection when the cubic has no minimum
    inside the middle 80 % of the interval.
    """
    a, b = lo.alpha, hi.alpha
    if a == b:
        return a
    d1 = lo.slope + hi.slope - 3.0 * (lo.f - hi.f) / (a - b)
    radicand = d1 * d1 - lo.slope * hi.slope
    if math.isfinite(radicand) and radicand >= 0.0:
        d2 = math.copysign(math.sqrt(radicand), b - a)
        denominator = hi.slope - lo.slope + 2.0 * d2
        if denominator != 0.0:
            alpha = b - (b - a) * (hi.slope + d2 - d1) / denominator
            margin = 0.1 * abs(b - a)
            if min(a, b) + margin <= alpha <= max(a, b) - margin:
                return alpha
    return (a + b) / 2.0


def _strong_wolfe(phi: Callable[[float], _Trial], at_zero: _Trial, alpha: float) -> _Trial | None:
    """A step satisfying the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6).

    Grows ``alpha`` until an interval is known to contain acceptable steps, then shrinks the
    interval by cubic interpolation. Returns None if no step with sufficient decrease was found
    within ``MAX_LINE_SEARCH_EVALUATIONS`` trials; if only the curvature condition failed, the
    best step with sufficient decrease is returned.
    """
    f0, slope0 = at_zero.f, at_zero.slope

    def too_high(trial: _Trial, than: _Trial) -> bool:
        armijo_fails = trial.f > f0 + C1 * trial.alpha * slope0
        return not math.isfinite(trial.f) or armijo_fails or trial.f >= than.f

    def flat_enough(trial: _Trial) -> bool:
        return abs(trial.slope) <= -C2 * slope0

    previous, lo, hi = at_zero, None, None
    evaluations = 0
    while evaluations < MAX_LINE_SEARCH_EVALUATIONS:  # bracketing
        trial = phi(alpha)
        evaluations += 1
        if too_high(trial, previous):
            lo, hi = previous, trial
            break
        if flat_enough(trial):
            return trial
        if trial.slope >= 0:
            lo, hi = trial, previous
            break
        previous, alpha = trial, 2.0 * alpha
    else:
        return previous if previous is not at_zero else None

    while evaluations < MAX_LINE_SEARCH_EVALUATIONS:  # zoom
        trial = phi(_interpolate(lo, hi))
        evaluations += 1
        if too_high(trial, lo):
            hi = trial
        else:
            if flat_enough(trial):
                return trial
            if trial.slope * (hi.alpha - lo.alpha) >= 0:
                hi = lo
            lo = trial
    return lo if lo is not at_zero else None


def _armijo(phi: Callable[[float], _Trial], at_zero: _Trial, alpha: float) -> _Trial | None:
    """Backtracking (Armijo, 1966): halve alpha until ``f(x + alpha d) <= f(x) + C1 alpha g.d``."""
    for _ in range(MAX_LINE_SEARCH_EVALUATIONS):
        trial = phi(alpha)
        if math.isfinite(trial.f) and trial.f <= at_zero.f + C1 * alpha * at_zero.slope:
            return trial
        alpha /= 2.0
    return None


def lbfgs(
    function: Any,
    start: Sequence[float] | None = None,
    m: int = 10,
    max_iter: int = 1000,
    gtol: float = 1e-5,
    line_search: str = "wolfe",
) -> Result:
    """L-BFGS (Liu & Nocedal, 1989): a quasi-Newton method that stores only m pairs.

    Each iteration takes the direction ``d = -H g`` from ``two_loop`` with the last ``m``
    pairs ``(s, y)``, then a line search along d: ``"wolfe"`` finds a step satisfying the strong
    Wolfe conditions (C1 = 1e-4, C2 = 0.9), which guarantees ``s^T y > 0`` so ``H`` stays
    positive definite; ``"armijo"`` only backtracks from ``alpha = 1`` until f decreases
    enough (pairs with ``s^T y <= 0`` are then skipped). The first step, with no pairs yet,
    tries length 1 along ``-g`` (as L-BFGS-B does); later ones try ``alpha = 1``.

    Stops when ``max|g| <= gtol`` (converged; scipy's L-BFGS-B uses the same test, ``gtol``
    there too), after ``max_iter`` iterations, when the line search fails, or when f or the
    gradient overflow (a function unbounded below, such as the saddle x² - y²).
    ``start`` defaults to ``function.start``.

    Errors: ``TypeError`` if ``function`` lacks ``value``, ``gradient`` or an integer ``dim``
    (or ``start`` is None and it has no ``start``), or ``m``, ``max_iter`` or ``gtol`` has the
    wrong type; ``ValueError`` if ``start`` has the wrong number of coordinates or is not
    finite, ``m < 1``, ``max_iter < 0``, ``gtol`` is negative or not finite, or
    ``line_search`` is not ``'wolfe'`` or ``'armijo'``.
    """
    _check_function(function, ["value", "gradient"])
    x = _start(function, start)
    m = integer("m", m, 1)
    max_iter = integer("max_iter", max_iter, 0)
    gtol = real("gtol", gtol, NON_NEGATIVE)
    search = _line_search(line_search)

    evaluations = 0

    def trial_at(x: np.ndarray, d: np.ndarray, alpha: float) -> _Trial:
        nonlocal evaluations
        evaluations += 1
        point = x + alpha * d
        g = function.gradient(point)
        return _Trial(alpha, function.value(point), float(g @ d), point, g)

    current = trial_at(x, np.zeros_like(x), 0.0)
    s_list: deque[np.ndarray] = deque(maxlen=m)
    y_list: deque[np.ndarray] = deque(maxlen=m)
    path, values = [current.x], [current.f]
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
        while True:
            stop = _lbfgs_stop(current, gtol, len(path) - 1, max_iter)
            if stop is not None:
                return _result(path, values, evaluations, *stop)
            d = _lbfgs_direction(current.g, s_list, y_list)
            alpha = 1.0 if s_list else 1.0 / np.linalg.norm(d)
            at_zero = current._replace(alpha=0.0, slope=float(current.g @ d))
            trial = search(partial(trial_at, current.x, d), at_zero, alpha)
            if trial is None:
                return _result(path, values, evaluations, False, _no_step(current.g))
            s, y = trial.x - current.x, trial.g - current.g
            if s @ y > np.finfo(np.float64).eps * (y @ y):  # keep H positive definite
                s_list.append(s)
                y_list.append(y)
            current = trial
            path.append(current.x)
            values.append(current.f)


def _line_search(name: str) -> Callable:
    searches = {"wolfe": _strong_wolfe, "armijo": _armijo}
    return searches[one_of("line_search", name, searches)]


def _no_step(g: np.ndarray) -> str:
    """The message of a failed line search."""
    return (
        f"the line search failed at max|g| = {np.max(np.abs(g)):.2g}: no "
        "step decreased f enough (near a minimum, f may be at its rounding level)"
    )


def _lbfgs_stop(current: Any, gtol: float, iterations: int, max_iter: int) -> tuple | None:
    """(converged, message) if L-BFGS stops at ``current``, else None."""
    if np.max(np.abs(current.g)) <= gtol:
        return True, f"max|g| <= gtol = {gtol:g}"
    if not (math.isfinite(current.f) and math.isfinite(current.g @ current.g)):
        return False, "diverged: f or |g|^2 overflowed float64 (is f bounded below?)"
    if iterations == max_iter:
        return False, f"reached max_iter = {max_iter}"
    return None


def _lbfgs_direction(g: np.ndarray, s_list: deque, y_list: deque) -> np.ndarray:
    """``-H g`` from the stored pairs; if that is not a descent direction (rounding), the
    pairs are forgotten and the direction is ``-g``."""
    d = -two_loop(g, s_list, y_list)
    if not g @ d < 0:
        s_list.clear()
        y_list.clear()
        d = -g
    return d
