"""Figures of chapter 9 (landscape): local minima, saddle points and plateaus.

- ``landscape-1d.svg``: the three kinds of flat spot in one dimension, with gradient descent;
- ``landscape-surfaces.png`` and ``landscape-contours.svg``: the same in two dimensions;
- ``landscape-random-hessians.svg``: random symmetric matrices (GOE): how often all eigenvalues
  are positive as the dimension grows, and the fraction of negative eigenvalues;
- ``landscape-plateau.svg``: SGD, Momentum and Adam leaving the plateau of 1 - exp(-x²);
- ``landscape-saddle-paths.svg`` and ``landscape-saddle.gif``: SGD, Momentum, RMSProp and Adam
  (all with lr 0.01) at the saddle of x² - y².

The test functions that ``optimizers.landscapes`` does not have (the plateau, the 2-D function
with two valleys) are defined here as ``Landscape`` subclasses; the page defines the plateau the
same way. ``tests/test_ch_landscape.py`` checks the numbers the page states.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import PillowWriter
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, Adam, Momentum, RMSProp, landscapes
from scripts.figures import figure
from scripts.plotting import COLORS, contour, grid

# ----------------------------------------------------------------------------- test functions


class Plateau(landscapes.Landscape):
    """``f(x) = 1 - exp(-x**2)``: a well of depth 1 at 0, almost flat for |x| > 2."""

    def __init__(self) -> None:
        super().__init__("1 - exp(-x²)", 1, start=[2.5], minimum=[0.0], xlim=(-3.5, 3.5))

    def _value(self, x):
        return 1.0 - np.exp(-(x[0] ** 2))

    def _gradient(self, x):
        return (2.0 * x[0] * np.exp(-(x[0] ** 2)))[None]

    def _hessian(self, x):
        return ((2.0 - 4.0 * x[0] ** 2) * np.exp(-(x[0] ** 2)))[None, None]


class Plateau2D(landscapes.Landscape):
    """``f(x, y) = 1 - exp(-(x**2 + y**2))``: a round well in a wide flat plain."""

    def __init__(self) -> None:
        super().__init__(
            "1 - exp(-(x² + y²))", 2, start=[2.5, 1.0], minimum=[0, 0], xlim=(-3, 3), ylim=(-3, 3)
        )

    def _value(self, x):
        return 1.0 - np.exp(-(x[0] ** 2) - x[1] ** 2)

    def _gradient(self, x):
        e = np.exp(-(x[0] ** 2) - x[1] ** 2)
        return np.stack([2.0 * x[0] * e, 2.0 * x[1] * e])

    def _hessian(self, x):  # not needed by the figures
        raise NotImplementedError


class TwoValleys(landscapes.Landscape):
    """``f(x, y) = x**4/4 + x**3/3 - x**2 + y**2``: chapter 1's 1-D function with a y valley.

    Global minimum (-2, 0), local minimum (1, 0), saddle point (0, 0) between them.
    """

    def __init__(self) -> None:
        super().__init__(
            "x⁴/4 + x³/3 - x² + y²",
            2,
            start=[2.0, 1.0],
            minimum=[-2.0, 0.0],
            xlim=(-2.8, 2.0),
            ylim=(-1.5, 1.5),
            local_minima=[[1.0, 0.0]],
        )

    def _value(self, x):
        return x[0] ** 4 / 4 + x[0] ** 3 / 3 - x[0] ** 2 + x[1] ** 2

    def _gradient(self, x):
        return np.stack([x[0] ** 3 + x[0] ** 2 - 2 * x[0], 2 * x[1]])

    def _hessian(self, x):  # not needed by the figures
        raise NotImplementedError


def cubic() -> landscapes.Polynomial1D:
    """``f(x) = x**3``: f' = f'' = 0 at 0, the one-dimensional cousin of a saddle."""
    return landscapes.Polynomial1D([0.0, 0.0, 0.0, 1.0], name="x³", start=[1.0], xlim=(-1.3, 1.3))


# ----------------------------------------------------------------------------- 1-D


@figure("landscape-1d.svg")
def one_dimension():
    """Local minimum, flat inflection point ("1-D saddle") and plateau, with gradient descent."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))

    f = landscapes.local_minimum_1d()
    xs = np.linspace(*f.xlim, 400)
    ax = axes[0]
    ax.plot(xs, f.value(xs[None]), color="k", linewidth=1.2)
    for x0, marker, color in ((-2.0, "o", "C2"), (1.0, "o", "C1"), (0.0, "^", "C3")):
        ax.plot(x0, f.value(np.array([x0])), marker, color=color, markersize=8)
    ax.set_ylim(-3, 3)

    g = cubic()
    xs = np.linspace(*g.xlim, 400)
    ax = axes[1]
    ax.plot(xs, g.value(xs[None]), color="k", linewidth=1.2)
    right = landscapes.trajectory(SGD(lr=0.1), g, [1.0], 60)[:, 0]
    left = landscapes.trajectory(SGD(lr=0.1), g, [-0.3], 6)[:, 0]
    ax.plot(right, g.value(right[None]), "o-", color="C0", markersize=3, linewidth=0.6)
    ax.plot(left, g.value(left[None]), "o-", color="C3", markersize=3, linewidth=0.6)
    ax.plot(0, 0, "s", color="k", markersize=6, fillstyle="none")

    h = Plateau()
    xs = np.linspace(*h.xlim, 400)
    ax = axes[2]
    ax.plot(xs, h.value(xs[None]), color="k", linewidth=1.2)
    steps = landscapes.trajectory(SGD(lr=0.1), h, [2.5], 300)[:, 0]
    ax.plot(steps, h.value(steps[None]), "o", color="C0", markersize=3, alpha=0.5)
    for ax, title in zip(axes, ("local minimum", "flat inflection", "plateau"), strict=True):
        ax.set_xlabel("$x$")
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel("$f(x)$")
    return fig


# ----------------------------------------------------------------------------- 2-D


def _surface_grid(function, n=50):
    X, Y, Z = grid(function, n=n)
    return X, Y, Z


def _two_dimensional_functions():
    return (TwoValleys(), landscapes.saddle(), Plateau2D())


@figure("landscape-surfaces.png")
def surfaces():
    """Surfaces of the two valleys, the saddle and the plateau."""
    fig = plt.figure(figsize=(11, 3.5))
    for i, f in enumerate(_two_dimensional_functions()):
        ax = fig.add_subplot(1, 3, i + 1, projection="3d")
        X, Y, Z = _surface_grid(f)
        ax.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=False)
        ax.set_xlabel("$x$")
        ax.set_ylabel("$y$")
        ax.view_init(elev=32, azim=-60 if i != 0 else -75)
        ax.set_title(f.name, fontsize=10)
    fig.tight_layout()
    return fig


@figure("landscape-contours.svg")
def contours():
    """Contour lines of the same three functions, critical points marked."""
    levels = (
        np.linspace(-2.6, 4.6, 19),
        np.linspace(-4, 4, 17),
        [0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99],
    )
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, f, lev in zip(axes, _two_dimensional_functions(), levels, strict=True):
        contour(ax, f, levels=lev)
        ax.set_aspect("equal")
    axes[0].plot(1, 0, "o", color="C1", markersize=7)
    for ax in axes[:2]:
        ax.plot(0, 0, "x", color="C3", markersize=8, mew=2)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- random Hessians

DIMENSIONS = tuple(range(1, 6))
SAMPLES = 200_000
INDEX_DIMENSIONS = (2, 10, 100)
INDEX_SAMPLES = 1000


def goe(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random symmetric n x n matrices (G + G^T) / 2, G with N(0, 1) entries (GOE)."""
    G = rng.standard_normal((count, n, n))
    return (G + np.swapaxes(G, 1, 2)) / 2


@lru_cache(maxsize=1)
def positive_fractions() -> dict[int, float]:
    """Fraction of GOE matrices whose eigenvalues are all positive, per dimension.

    The same numbers as the page's code block (same seed, same order of draws).
    """
    rng = np.random.default_rng(0)
    fractions = {}
    with threadpool_limits(1):
        for n in DIMENSIONS:
            H = goe(n, SAMPLES, rng)
            fractions[n] = float(np.mean(np.linalg.eigvalsh(H)[:, 0] > 0))
    return fractions


@lru_cache(maxsize=1)
def negative_fractions() -> dict[int, np.ndarray]:
    """Per dimension, the fraction of negative eigenvalues of each of INDEX_SAMPLES GOE matrices."""
    rng = np.random.default_rng(1)
    out = {}
    with threadpool_limits(1):
        for n in INDEX_DIMENSIONS:
            out[n] = np.mean(np.linalg.eigvalsh(goe(n, INDEX_SAMPLES, rng)) < 0, axis=1)
    return out


@figure("landscape-random-hessians.svg")
def random_hessians():
    """Left: P(all eigenvalues > 0) against n, GOE and 2^-n. Right: how many are negative."""
    fractions = positive_fractions()
    n = np.array(DIMENSIONS)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax.semilogy(n, 0.5**n, "s--", color="0.5", label="$2^{-n}$ (independent signs)")
    ax.semilogy(n, [fractions[k] for k in n], "o-", color="C3", label="random symmetric (GOE)")
    ax.set_xlabel("dimension $n$")
    ax.set_ylabel("fraction with all eigenvalues > 0")
    ax.set_xticks(n)
    ax.legend(loc="lower left")
    for k, color in zip(INDEX_DIMENSIONS, ("C2", "C0", "C1"), strict=True):
        counts = np.rint(negative_fractions()[k] * k).astype(int)
        share = np.bincount(counts, minlength=k + 1) / len(counts)
        ax2.plot(np.arange(k + 1) / k, share, "o-", color=color, markersize=3, label=f"n = {k}")
    ax2.set_xlabel("fraction of negative eigenvalues")
    ax2.set_ylabel("share of matrices")
    ax2.set_xlim(-0.03, 1.03)
    ax2.legend(loc="upper right")
    return fig


# ----------------------------------------------------------------------------- plateau

PLATEAU_LR = 0.1
PLATEAU_STARTS = (1.5, 2.0, 2.5, 3.0)


def plateau_optimizers():
    return {
        "SGD": SGD(lr=PLATEAU_LR),
        "Momentum": Momentum(lr=PLATEAU_LR, momentum=0.9),
        "Adam": Adam(lr=PLATEAU_LR),
    }


def steps_to_leave(path: np.ndarray, f, level: float = 0.5) -> int | None:
    """First step at which f falls below ``level`` (None if it never does)."""
    below = np.nonzero(f.value(path.T) < level)[0]
    return int(below[0]) if len(below) else None


@lru_cache(maxsize=1)
def plateau_table() -> dict[str, dict[float, int | None]]:
    """Steps until f < 0.5 on 1 - exp(-x²), per optimizer and start."""
    f = Plateau()
    table = {}
    for name in plateau_optimizers():
        table[name] = {}
        for start in PLATEAU_STARTS:
            path = landscapes.trajectory(plateau_optimizers()[name], f, [start], 5000)
            table[name][start] = steps_to_leave(path, f)
    return table


@figure("landscape-plateau.svg")
def plateau():
    """Left: f against the step from x = 2.5. Right: steps to leave the plateau, per start."""
    f = Plateau()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, optimizer in plateau_optimizers().items():
        path = landscapes.trajectory(optimizer, f, [2.5], 400)
        ax.plot(f.value(path.T), color=COLORS[name], label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("$f$")
    ax.legend(loc="center right")
    table = plateau_table()
    for name in plateau_optimizers():
        ax2.semilogy(
            PLATEAU_STARTS,
            [table[name][s] for s in PLATEAU_STARTS],
            "o-",
            color=COLORS[name],
            label=name,
        )
    ax2.set_xlabel("start $x_0$")
    ax2.set_ylabel("steps until $f < 0.5$")
    ax2.legend(loc="upper left")
    return fig


# ----------------------------------------------------------------------------- saddle

SADDLE_LR = 0.01
SADDLE_STEPS = 400
SADDLE_NAMES = ("SGD", "Momentum", "RMSProp", "Adam")


def saddle_optimizers():
    return {
        "SGD": SGD(lr=SADDLE_LR),
        "Momentum": Momentum(lr=SADDLE_LR, momentum=0.9),
        "RMSProp": RMSProp(lr=SADDLE_LR, decay_rate=0.99),
        "Adam": Adam(lr=SADDLE_LR),
    }


@lru_cache(maxsize=1)
def saddle_paths() -> dict[str, np.ndarray]:
    f = landscapes.saddle()
    return {
        name: landscapes.trajectory(opt, f, None, SADDLE_STEPS)
        for name, opt in saddle_optimizers().items()
    }


def inside(points: np.ndarray, box: float = 2.0) -> np.ndarray:
    """The path up to (and including) the first point outside [-box, box]^2."""
    out = np.nonzero(np.max(np.abs(points), axis=1) > box)[0]
    return points if len(out) == 0 else points[: out[0] + 1]


LINESTYLES = {"SGD": "-", "Momentum": "-", "RMSProp": "--", "Adam": "-"}


def escape_step(points: np.ndarray, level: float = 1.0) -> int | None:
    """First step with |y| > level: the path has left the saddle along y."""
    out = np.nonzero(np.abs(points[:, 1]) > level)[0]
    return int(out[0]) if len(out) else None


@figure("landscape-saddle-paths.svg")
def saddle_figure():
    """Left: the four paths on the contour lines. Right: |y| along each path (log scale)."""
    f = landscapes.saddle()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    contour(ax, f, levels=np.linspace(-4, 4, 17))
    ax.plot(0, 0, marker="x", color="k", markersize=8)
    for name, points in saddle_paths().items():
        shown = inside(points)
        style = {"color": COLORS[name], "linestyle": LINESTYLES[name], "linewidth": 1.6}
        ax.plot(shown[:, 0], shown[:, 1], label=name, **style)
        ax2.semilogy(np.abs(shown[:, 1]), label=name, **style)
    ax.plot(*f.start, "s", color="k", markersize=5)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_aspect("equal")
    ax.legend(loc="lower right", frameon=True)
    ax2.axhline(1.0, color="0.5", linestyle=":", linewidth=0.8)
    ax2.set_ylim(5e-4, 3)
    ax2.set_xlabel("step")
    ax2.set_ylabel("$|y|$")
    ax2.legend(loc="lower right")
    return fig


@figure("landscape-saddle.gif")
def saddle_animation(out):
    """The four optimizers moving together near the saddle (every 10th step, 40 frames)."""
    f = landscapes.saddle()
    paths = {name: inside(points) for name, points in saddle_paths().items()}
    every, frames = 10, 40
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    contour(ax, f, levels=np.linspace(-4, 4, 17))
    ax.plot(0, 0, marker="x", color="k", markersize=8)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_aspect("equal")
    lines, heads = {}, {}
    for name in paths:
        (lines[name],) = ax.plot(
            [], [], LINESTYLES[name], color=COLORS[name], linewidth=1.5, label=name
        )
        (heads[name],) = ax.plot([], [], "o", color=COLORS[name], markersize=6)
    ax.legend(loc="lower right", frameon=True, fontsize=8)
    ax.set_xticks([-2, 0, 2])
    ax.set_yticks([-2, 0, 2])
    label = ax.text(-1.9, 1.8, "", va="top", fontsize=9)
    fig.tight_layout()

    def draw(frame):
        step = frame * every
        for name, points in paths.items():
            shown = points[: step + 1]
            lines[name].set_data(shown[:, 0], shown[:, 1])
            heads[name].set_data([shown[-1, 0]], [shown[-1, 1]])
        label.set_text(f"step {step}")

    writer = PillowWriter(fps=10)
    try:  # ``out`` is a temporary name ending in .gif; the registry renames it when done
        with writer.saving(fig, out, dpi=70):
            for frame in range(frames):
                draw(frame)
                writer.grab_frame()
    finally:
        plt.close(fig)
