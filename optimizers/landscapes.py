"""Test functions for optimizers, with value, gradient and Hessian, and ``trajectory``.

The coordinates run along the FIRST axis, so one call works on a point and on a grid::

    f = ill_conditioned()                     # f(x, y) = x**2 / 20 + y**2
    f.value(np.array([-7.0, 2.0]))            # a point, shape (2,) -> 6.45
    X, Y = np.meshgrid(np.linspace(*f.xlim, 200), np.linspace(*f.ylim, 100))
    Z = f.value(np.stack([X, Y]))             # a grid, shape (2, 100, 200) -> (100, 200)
    U, V = f.gradient(np.stack([X, Y]))       # the gradient field, each (100, 200)

A point and the same point inside a grid give bit-identical values, gradients and Hessians.
``trajectory(optimizer, f, start, steps)`` runs an optimizer from ``start`` and returns the
path, one row per point, which is what the contour figures plot.

The functions: ``ill_conditioned`` (x²/20 + y²), ``rotated`` (the same valley turned),
``rosenbrock`` (n-D), ``saddle`` (x² - y²), ``local_minimum_1d``, ``plateau``, ``sharp_and_flat``
(a sharp and a flat minimum of equal depth), the general ``quadratic``, and
``with_gradient_noise`` to turn any of them into a stochastic problem.
"""

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._checks import FINITE, NON_NEGATIVE, POSITIVE, integer, real

__all__ = [
    "Landscape",
    "NoisyGradient",
    "Plateau",
    "Polynomial1D",
    "Quadratic",
    "Rosenbrock",
    "SharpAndFlat",
    "ill_conditioned",
    "local_minimum_1d",
    "plateau",
    "quadratic",
    "rosenbrock",
    "rotated",
    "saddle",
    "settle_step",
    "sharp_and_flat",
    "trajectory",
    "with_gradient_noise",
]

Limits = tuple[float, float] | None


def _frozen(name: str, values: Any, dim: int) -> np.ndarray:
    """A read-only float64 copy of a point, checked to have ``dim`` coordinates."""
    point = np.array(values, dtype=np.float64)
    if point.shape != (dim,):
        raise ValueError(f"{name} must have {dim} coordinates, got shape {point.shape}")
    point.setflags(write=False)
    return point


class Landscape:
    """A test function of ``dim`` variables: ``value``, ``gradient``, ``hessian``.

    Every method takes ``p`` with the coordinates along the first axis: a point of shape
    ``(dim,)`` or a grid of shape ``(dim, *grid)``, and returns ``value`` as a float (point)
    or an array of shape ``grid``; ``gradient`` with the shape of ``p``; ``hessian`` of shape
    ``(dim, dim)`` for a point, ``(dim, dim, *grid)`` for a grid. All computations are in
    float64. Attributes: ``name``, ``dim``, ``minimum`` (the global minimiser, or None when
    there is none or no closed form), ``start`` (the book's default start), ``xlim``, ``ylim``
    (plot ranges: for 2-D functions the x and y ranges, for 1-D ones the x range and a range
    of values), ``local_minima`` (other local minimisers, if known).

    Subclasses implement ``_value``, ``_gradient`` and ``_hessian`` on a checked float64 array
    of shape ``(dim, ...)``, using elementwise operations and sums over the first axis in
    Python (``sum(...)``), so that a point and a grid round the same way.
    """

    def __init__(
        self,
        name: str,
        dim: int,
        start: Sequence[float],
        minimum: Sequence[float] | None = None,
        xlim: Limits = None,
        ylim: Limits = None,
        local_minima: Sequence[Sequence[float]] = (),
    ) -> None:
        self.name = name
        self.dim = integer("dim", dim, 1)
        self.start = _frozen("start", start, self.dim)
        self.minimum = None if minimum is None else _frozen("minimum", minimum, self.dim)
        self.local_minima = tuple(_frozen("local minimum", m, self.dim) for m in local_minima)
        self.xlim = xlim
        self.ylim = ylim

    def _coords(self, p: Any) -> np.ndarray:
        x = np.asarray(p, dtype=np.float64)
        if x.ndim == 0 or x.shape[0] != self.dim:
            raise ValueError(
                f"{self.name} takes {self.dim} coordinates along the first axis "
                f"(a point of shape ({self.dim},) or a grid ({self.dim}, ...)), "
                f"got shape {x.shape}"
            )
        return x

    def value(self, p: Any) -> Any:
        """f(p): a float for a point, an array of the grid's shape for a grid."""
        x = self._coords(p)
        v = self._value(x)
        return float(v) if x.ndim == 1 else np.asarray(v)

    def gradient(self, p: Any) -> np.ndarray:
        """The gradient of f at p, with the shape of p."""
        return np.asarray(self._gradient(self._coords(p)))

    def hessian(self, p: Any) -> np.ndarray:
        """The Hessian of f at p: ``(dim, dim)`` for a point, ``(dim, dim, *grid)`` for a grid."""
        return np.asarray(self._hessian(self._coords(p)))

    def __call__(self, p: Any) -> Any:
        return self.value(p)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} dim={self.dim}>"

    def _value(self, x: np.ndarray) -> Any:
        raise NotImplementedError

    def _gradient(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _hessian(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _column(vector: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``vector`` (length dim) shaped to broadcast against ``x`` of shape (dim, ...)."""
    return vector.reshape(vector.shape + (1,) * (x.ndim - 1))


class Quadratic(Landscape):
    """``f(p) = 1/2 p^T A p - b^T p``, gradient ``A p - b``, Hessian ``A`` (symmetric).

    The minimiser is ``A^{-1} b`` when ``A`` is positive definite; otherwise ``minimum`` is
    None (a saddle, a ridge or a valley without a bottom).
    """

    def __init__(
        self,
        A: Any,
        b: Any = None,
        *,
        name: str = "quadratic",
        start: Sequence[float] | None = None,
        xlim: Limits = None,
        ylim: Limits = None,
    ) -> None:
        A = np.array(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise ValueError(f"A must be a square matrix, got shape {A.shape}")
        if not np.all(np.isfinite(A)):
            raise ValueError("A must be finite")
        scale = np.max(np.abs(A))
        if not np.allclose(A, A.T, rtol=0.0, atol=1e-12 * scale):
            raise ValueError("A must be symmetric (f only sees (A + A^T) / 2)")
        dim = A.shape[0]
        b = np.zeros(dim) if b is None else np.array(b, dtype=np.float64)
        if b.shape != (dim,):
            raise ValueError(f"b must have shape ({dim},) to match A {A.shape}, got {b.shape}")
        if not np.all(np.isfinite(b)):
            raise ValueError("b must be finite")
        self.A = (A + A.T) / 2
        self.b = b
        self.A.setflags(write=False)
        self.b.setflags(write=False)
        try:
            np.linalg.cholesky(self.A)
            minimum = np.linalg.solve(self.A, self.b)
        except np.linalg.LinAlgError:  # not positive definite
            minimum = None
        super().__init__(name, dim, np.ones(dim) if start is None else start, minimum, xlim, ylim)

    def _product(self, x: np.ndarray) -> np.ndarray:
        """``A x``, column by column."""
        return sum(_column(self.A[:, j], x) * x[j] for j in range(self.dim))

    def _value(self, x: np.ndarray) -> Any:
        Ax = self._product(x)
        quadratic = sum(x[i] * Ax[i] for i in range(self.dim))
        linear = sum(self.b[i] * x[i] for i in range(self.dim))
        return 0.5 * quadratic - linear

    def _gradient(self, x: np.ndarray) -> np.ndarray:
        return self._product(x) - _column(self.b, x)

    def _hessian(self, x: np.ndarray) -> np.ndarray:
        A = self.A.reshape(self.A.shape + (1,) * (x.ndim - 1))
        return np.broadcast_to(A, (self.dim, self.dim, *x.shape[1:])).copy()


class Rosenbrock(Landscape):
    """The chained Rosenbrock function (Rosenbrock, 1960) in ``dim >= 2`` variables.

    ``f(x) = sum_{i=1}^{n-1} [ b (x_{i+1} - x_i^2)^2 + (a - x_i)^2 ]``. For ``dim = 2`` the
    minimum is ``(a, a^2)`` with value 0, at the bottom of a curved, flat-bottomed valley; for
    ``dim > 2`` it is ``(1, ..., 1)`` when ``a = 1`` (and 0 when ``a = 0``); other ``a`` have
    no closed form and ``minimum`` is None. scipy's ``rosen`` is ``a = 1, b = 100``.
    """

    def __init__(self, dim: int = 2, a: float = 1.0, b: float = 100.0) -> None:
        dim = integer("dim", dim, 2, owner="Rosenbrock")
        self.a = real("a", a, FINITE, owner="Rosenbrock")
        self.b = real("b", b, NON_NEGATIVE, owner="Rosenbrock")
        a = self.a
        if dim == 2:
            minimum = [a, a * a]
        elif a in (0.0, 1.0):
            minimum = [a] * dim
        else:
            minimum = None
        start = [-1.2 if i % 2 == 0 else 1.0 for i in range(dim)]
        name = "Rosenbrock" if dim == 2 else f"Rosenbrock ({dim}-D)"
        limits = ((-2.0, 2.0), (-1.0, 3.0)) if dim == 2 else (None, None)
        super().__init__(name, dim, start, minimum, *limits)

    def _value(self, x: np.ndarray) -> Any:
        x0, x1 = x[:-1], x[1:]
        return sum(self.b * (x1 - x0 * x0) ** 2 + (self.a - x0) ** 2)

    def _gradient(self, x: np.ndarray) -> np.ndarray:
        x0, x1 = x[:-1], x[1:]
        g = np.zeros_like(x)
        g[:-1] = -4.0 * self.b * x0 * (x1 - x0 * x0) - 2.0 * (self.a - x0)
        g[1:] += 2.0 * self.b * (x1 - x0 * x0)
        return g

    def _hessian(self, x: np.ndarray) -> np.ndarray:
        x0, x1 = x[:-1], x[1:]
        i = np.arange(self.dim - 1)
        H = np.zeros((self.dim, self.dim, *x.shape[1:]))
        H[i, i] = 12.0 * self.b * x0 * x0 - 4.0 * self.b * x1 + 2.0
        H[i + 1, i + 1] += 2.0 * self.b
        H[i, i + 1] = H[i + 1, i] = -4.0 * self.b * x0
        return H


class Polynomial1D(Landscape):
    """A polynomial of one variable, ``f(x) = c[0] + c[1] x + c[2] x^2 + ...`` (Horner)."""

    def __init__(self, coefficients: Sequence[float], *, name: str, **kwargs: Any) -> None:
        c = np.array(coefficients, dtype=np.float64)
        if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)):
            raise ValueError("coefficients must be a non-empty sequence of finite numbers")
        self.coefficients = c
        self._slope = c[1:] * np.arange(1, c.size)  # coefficients of f'
        self._curvature = self._slope[1:] * np.arange(1, self._slope.size)  # of f''
        super().__init__(name, 1, **kwargs)

    @staticmethod
    def _horner(c: np.ndarray, x: np.ndarray) -> Any:
        result = np.full_like(x, c[-1] if c.size else 0.0)
        for coefficient in c[-2::-1]:
            result = result * x + coefficient
        return result

    def _value(self, x: np.ndarray) -> Any:
        return self._horner(self.coefficients, x[0])

    def _gradient(self, x: np.ndarray) -> np.ndarray:
        return self._horner(self._slope, x[0])[None]

    def _hessian(self, x: np.ndarray) -> np.ndarray:
        return self._horner(self._curvature, x[0])[None, None]


# ----------------------------------------------------------------------------- the book's functions


def ill_conditioned() -> Quadratic:
    """``f(x, y) = x**2 / 20 + y**2``: a valley twenty times steeper across than along.

    ``A = diag(1/10, 2)`` (condition number 20), minimum (0, 0), start (-7, 2), the sources'
    plot ranges x in (-10, 10), y in (-5, 5): SGD's zig-zag from (-7, 2) at the book's learning
    rates stays within |y| <= 2, and the whole valley fits.
    """
    return Quadratic(
        np.diag([0.1, 2.0]),
        name="x²/20 + y²",
        start=(-7.0, 2.0),
        xlim=(-10.0, 10.0),
        ylim=(-5.0, 5.0),
    )


def rotated(angle: float = math.pi / 4) -> Quadratic:
    """``ill_conditioned`` turned by ``angle`` (radians): ``A = R diag(1/10, 2) R^T``.

    ``R`` is the rotation by ``angle``, the valley's long axis points along
    ``(cos angle, sin angle)`` and the start is the rotated (-7, 2), so this is the same problem
    seen in turned coordinates. SGD and momentum take exactly the turned path; methods with
    per-coordinate step sizes (AdaGrad, RMSProp, Adam) do not, because the valley no longer
    lies along an axis. Plot ranges (-8, 8) for both axes (the start is 7.28 from the origin).
    """
    angle = real("angle (radians)", angle, FINITE)
    c, s = math.cos(angle), math.sin(angle)
    R = np.array([[c, -s], [s, c]])
    return Quadratic(
        R @ np.diag([0.1, 2.0]) @ R.T,
        name=f"x²/20 + y² rotated by {math.degrees(angle):g}°",
        start=R @ np.array([-7.0, 2.0]),
        xlim=(-8.0, 8.0),
        ylim=(-8.0, 8.0),
    )


def rosenbrock(dim: int = 2, a: float = 1.0, b: float = 100.0) -> Rosenbrock:
    """The Rosenbrock function in ``dim`` variables, start ``(-1.2, 1, -1.2, 1, ...)``.

    See ``Rosenbrock`` for the formula and minimum. For ``dim = 2`` the plot ranges are
    x in (-2, 2), y in (-1, 3).
    """
    return Rosenbrock(dim, a, b)


def saddle() -> Quadratic:
    """``f(x, y) = x**2 - y**2``: a saddle point at (0, 0), no minimum.

    Start (-1.5, 0.001): almost on the x axis, the set of points gradient descent carries
    into the saddle (its stable manifold). Plain gradient descent first slides to (0, 0.001...)
    and stalls, then the tiny y grows by a factor ``1 + 2 lr`` per step and the path leaves
    along y; the figures compare how long each optimizer lingers. Plot ranges (-2, 2) for both.
    """
    return Quadratic(
        np.diag([2.0, -2.0]),
        name="x² - y²",
        start=(-1.5, 1e-3),
        xlim=(-2.0, 2.0),
        ylim=(-2.0, 2.0),
    )


def local_minimum_1d() -> Polynomial1D:
    """``f(x) = x**4/4 + x**3/3 - x**2``: one local and one global minimum.

    ``f'(x) = x (x + 2) (x - 1)``: the global minimum is at x = -2 with f = -8/3, a local
    minimum at x = 1 with f = -5/12, and a local maximum between them at x = 0 with f = 0.
    Start 2.0 (f = 8/3): plain gradient descent settles in the local minimum at 1, while enough
    momentum carries the point over the bump at 0 (5/12 above the local minimum) into the
    global one. ``xlim`` = (-3, 2.5); ``ylim`` = (-3, 3) is a range of values for the plot.
    """
    return Polynomial1D(
        [0.0, 0.0, -1.0, 1.0 / 3.0, 0.25],
        name="x⁴/4 + x³/3 - x²",
        start=[2.0],
        minimum=[-2.0],
        local_minima=[[1.0]],
        xlim=(-3.0, 2.5),
        ylim=(-3.0, 3.0),
    )


def quadratic(A: Any, b: Any = None, *, start: Sequence[float] | None = None) -> Quadratic:
    """The general quadratic ``f(p) = 1/2 p^T A p - b^T p`` (``b`` defaults to 0).

    ``A`` must be symmetric; the minimiser is ``A^{-1} b`` when ``A`` is positive definite
    (Newton's method reaches it in one step). Start: ``start``, or all ones.
    """
    dim = np.shape(A)[0] if np.ndim(A) else 0
    limits = ((-5.0, 5.0), (-5.0, 5.0)) if dim == 2 else (None, None)
    return Quadratic(A, b, name="quadratic", start=start, xlim=limits[0], ylim=limits[1])


class NoisyGradient(Landscape):
    """A function whose gradient carries Gaussian noise (see ``with_gradient_noise``)."""

    def __init__(self, function: Landscape, sigma: float, seed: int = 0) -> None:
        if not isinstance(function, Landscape):
            raise TypeError(f"function must be a Landscape, got {type(function).__name__}")
        self.function = function
        self.sigma = real("sigma", sigma, NON_NEGATIVE)
        self.rng = np.random.default_rng(seed)
        super().__init__(
            f"{function.name} + gradient noise (sigma={sigma:g})",
            function.dim,
            function.start,
            function.minimum,
            function.xlim,
            function.ylim,
            function.local_minima,
        )

    def _value(self, x: np.ndarray) -> Any:
        return self.function._value(x)

    def _gradient(self, x: np.ndarray) -> np.ndarray:
        g = self.function._gradient(x)
        return g + self.sigma * self.rng.standard_normal(g.shape)

    def _hessian(self, x: np.ndarray) -> np.ndarray:
        return self.function._hessian(x)


def with_gradient_noise(function: Landscape, sigma: float, seed: int = 0) -> NoisyGradient:
    """The same function, but each gradient gets independent N(0, sigma**2) noise per coordinate.

    This mimics a mini-batch gradient: right on average, noisy at each step. The noise comes
    from the wrapper's own ``np.random.default_rng(seed)``, so two wrappers with the same seed
    give the same sequence of gradients (make one per optimizer to compare them fairly).
    ``value`` and ``hessian`` stay exact.
    """
    return NoisyGradient(function, sigma, seed)


# ----------------------------------------------------------------------------- trajectory


# --8<-- [start:plateau]
class Plateau(Landscape):
    """``f(x) = 1 - exp(-x**2)``: a well of depth 1 at 0, almost flat for |x| > 2."""

    def __init__(self) -> None:
        super().__init__("1 - exp(-x²)", 1, start=[2.5], minimum=[0.0], xlim=(-3.5, 3.5))

    def _value(self, x):
        return 1.0 - np.exp(-(x[0] ** 2))

    def _gradient(self, x):
        return (2.0 * x[0] * np.exp(-(x[0] ** 2)))[None]

    def _hessian(self, x):
        return ((2.0 - 4.0 * x[0] ** 2) * np.exp(-(x[0] ** 2)))[None, None]


# --8<-- [end:plateau]


def plateau() -> Plateau:
    """Chapter 9's plateau ``1 - exp(-x**2)``, start 2.5: its slope at 3 is below 1e-3."""
    return Plateau()


# --8<-- [start:sharp_and_flat]
class SharpAndFlat(Landscape):
    """``f(x) = min(sharp_curvature (x - sharp_at)**2 / 2, flat_curvature (x - flat_at)**2 / 2)``.

    Two parabolas with their bottoms at height 0: a narrow well (the sharp minimum, f'' =
    ``sharp_curvature``) dug into the side of a wide one (the flat minimum, f'' =
    ``flat_curvature``). f is the lower of the two; where they cross it has a kink, and there
    the gradient and the Hessian are those of the sharp parabola.
    """

    def __init__(self, sharp_at=-2.0, sharp_curvature=16.0, flat_at=0.0, flat_curvature=1.0):
        self.sharp_at, self.flat_at = real("sharp_at", sharp_at), real("flat_at", flat_at)
        self.sharp_curvature = real("sharp_curvature", sharp_curvature, POSITIVE)
        self.flat_curvature = real("flat_curvature", flat_curvature, POSITIVE)
        if self.sharp_at == self.flat_at:
            raise ValueError(f"sharp_at and flat_at must differ, both are {sharp_at!r}")
        super().__init__(
            "sharp and flat",
            1,
            start=[self.flat_at + 3.0],
            minimum=[self.flat_at],
            local_minima=[[self.sharp_at]],
            xlim=(-4.0, 4.0),
            ylim=(0.0, 3.0),
        )

    def in_sharp_well(self, p):
        """True where the sharp parabola is the lower one (``p`` as for ``value``)."""
        x = self._coords(p)[0]
        sharp = self.sharp_curvature * (x - self.sharp_at) ** 2
        return sharp <= self.flat_curvature * (x - self.flat_at) ** 2

    def _value(self, x):
        sharp = self.sharp_curvature * (x[0] - self.sharp_at) ** 2 / 2
        return np.minimum(sharp, self.flat_curvature * (x[0] - self.flat_at) ** 2 / 2)

    def _gradient(self, x):
        sharp = self.sharp_curvature * (x[0] - self.sharp_at)
        flat = self.flat_curvature * (x[0] - self.flat_at)
        return np.where(self.in_sharp_well(x), sharp, flat)[None]

    def _hessian(self, x):
        curvature = np.where(self.in_sharp_well(x), self.sharp_curvature, self.flat_curvature)
        return curvature[None, None]


# --8<-- [end:sharp_and_flat]


def sharp_and_flat() -> SharpAndFlat:
    """Chapter 9's two minima of equal depth: ``min(8 (x + 2)**2, x**2 / 2)``.

    The sharp minimum is at x = -2 with f'' = 16, the flat one at x = 0 with f'' = 1, both with
    f = 0. The parabolas meet at x = -8/3 and x = -1.6, where f = 32/9 and 1.28: the narrow
    well spans (-8/3, -1.6). Gradient descent with learning rate lr settles in a minimum only
    if lr * f'' < 2 there, so for 0.125 < lr < 2 the sharp minimum is unstable and the flat
    one is not. Start 3.0; plot ranges x in (-4, 4), values (0, 3).
    """
    return SharpAndFlat()


def trajectory(
    optimizer: Any,
    function: Landscape,
    start: Sequence[float] | None,
    steps: int,
    *,
    resume: bool = False,
) -> np.ndarray:
    """Run ``optimizer`` on ``function`` from ``start`` and return the path, shape (steps + 1, dim).

    Row 0 is the start (``function.start`` if ``start`` is None), row k the point after k
    updates. The parameters are built as the pages build them: ``{"x": x, "y": y}`` for a 2-D
    function (0-d float64 arrays), ``{"x": x}`` for 1-D, ``{"w": w}`` otherwise; the gradients
    have the same keys. If a point becomes non-finite (the optimizer diverged), the run stops
    with a RuntimeWarning naming the step, and the path up to the last finite point is returned.

    The optimizer must be fresh (no update made yet), because its state (velocity, moments and
    step count) would carry over into this run: make one per path, e.g.
    ``for start in starts: trajectory(SGD(lr=0.1), f, start, n)``. ``resume=True`` lets an
    optimizer that has already taken steps go on from its state (e.g. to continue a run in
    parts: pass the last point of the previous path as ``start``).

    Errors: ``TypeError`` if ``optimizer`` has no ``update(params, grads)`` method, ``function``
    no ``gradient(p)`` method and ``dim``, or ``steps`` is not an integer; ``ValueError`` if
    ``steps`` is negative, ``start`` has the wrong number of coordinates or is not finite, or
    the optimizer has already taken steps (its ``t`` > 0) and ``resume`` is not True.
    """
    if not callable(getattr(optimizer, "update", None)):
        raise TypeError(f"optimizer must have an update(params, grads) method, got {optimizer!r}")
    if not (callable(getattr(function, "gradient", None)) and hasattr(function, "dim")):
        raise TypeError(
            "function must be a Landscape (with dim, start and gradient(p)), such as "
            f"landscapes.ill_conditioned(), got {function!r}"
        )
    steps = integer("steps", steps, 0)
    taken = getattr(optimizer, "t", 0)
    if taken and not resume:
        raise ValueError(
            f"trajectory needs a fresh optimizer, but this {type(optimizer).__name__} has "
            f"already taken {taken} steps, and its state (velocity, moments, step count) would "
            "carry over into this path; pass a new optimizer for every path (or resume=True "
            "to go on from its state on purpose)"
        )
    point = np.array(function.start if start is None else start, dtype=np.float64)
    if point.shape != (function.dim,):
        raise ValueError(
            f"start has {point.size} coordinates {tuple(point.shape)}, "
            f"but {function.name} takes {function.dim}"
        )
    if not np.all(np.isfinite(point)):
        raise ValueError(f"start must be finite, got {point.tolist()}")

    keys = {1: ("x",), 2: ("x", "y")}.get(function.dim)

    def as_dict(vector: np.ndarray) -> dict[str, np.ndarray]:
        """The pages' dicts: 0-d arrays "x" (and "y") in 1-D and 2-D, one array "w" otherwise."""
        if keys is None:
            return {"w": np.array(vector)}
        return {key: np.array(value) for key, value in zip(keys, vector, strict=True)}

    def as_point(params: dict[str, Any]) -> np.ndarray:
        values = [params["w"]] if keys is None else [params[key] for key in keys]
        return np.array(values, dtype=np.float64).reshape(function.dim)

    params = as_dict(point)
    path = [point]
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            optimizer.update(params, as_dict(function.gradient(point)))
            point = as_point(params)
            if not np.all(np.isfinite(point)):
                warnings.warn(
                    f"trajectory: the point became non-finite at step {step} "
                    f"({type(optimizer).__name__} on {function.name}); returning the "
                    f"{len(path)} finite points",
                    RuntimeWarning,
                    stacklevel=2,
                )
                break
            path.append(point)
    return np.array(path)


def settle_step(values: Sequence[float], threshold: float, window: int) -> int | None:
    """The first step from which ``values`` stay below ``threshold`` for ``window`` steps.

    ``values[k]`` is the loss after ``k`` updates (``values[0]`` at the start, which does not
    count), e.g. ``f.value(trajectory(...).T)``. Returns the step ``k >= 1`` that begins the
    first run of ``window`` consecutive values below ``threshold``, or None if there is none
    (a path cut short by divergence has none after its end; NaN is never below).
    """
    window = integer("window", window, 1)
    below = np.asarray(values, dtype=np.float64)[1:] < threshold
    run = 0
    for k, ok in enumerate(below, start=1):
        run = run + 1 if ok else 0
        if run == window:
            return k - window + 1
    return None
