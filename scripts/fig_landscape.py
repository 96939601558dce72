"""Figures of chapter 9 (landscape): local minima, saddle points and plateaus.

- ``landscape-1d.svg``: the three kinds of flat spot in one dimension, with gradient descent;
- ``landscape-surfaces.png`` and ``landscape-contours.svg``: the same in two dimensions;
- ``landscape-random-hessians.svg``: random symmetric matrices (GOE): how often all eigenvalues
  are positive as the dimension grows, and the fraction of negative eigenvalues;
- ``landscape-plateau.svg``: SGD, Momentum and Adam leaving the plateau of 1 - exp(-x²);
- ``landscape-saddle-paths.svg`` and ``landscape-saddle.gif``: SGD, Momentum, RMSProp and Adam
  (all with lr 0.01) at the saddle of x² - y²;
- ``landscape-sharp-flat.svg``: a sharp and a flat minimum of equal depth: which one 1000 runs
  end in, per start and per learning rate.

The runs, and the test functions that ``optimizers.landscapes`` does not have, are in
``scripts/exp_landscape.py`` (stored results); this module only draws.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.ticker import MaxNLocator

from optimizers import landscapes
from scripts import animation
from scripts.exp_landscape import (
    DIMENSIONS,
    INDEX_DIMENSIONS,
    PLATEAU_STARTS,
    SHARP_METHODS,
    SHARP_MOMENTUM,
    SHARP_SIGMA,
    SHARP_STARTS,
    SHARP_STRIPS,
    SHARP_SWEEP_LRS,
    Plateau2D,
    TwoValleys,
    cubic,
    flat_spot_paths,
    inside,
    negative_fractions,
    plateau_optimizers,
    plateau_paths,
    plateau_table,
    positive_fractions,
    saddle_paths,
    sharp_flat_ends,
    sharp_flat_sweep,
)
from scripts.figures import figure
from scripts.plotting import COLORS, contour, grid, words

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
    paths = flat_spot_paths()
    right, left = paths["cubic_right"], paths["cubic_left"]
    ax.plot(right, g.value(right[None]), "o-", color="C0", markersize=3, linewidth=0.6)
    ax.plot(left, g.value(left[None]), "o-", color="C3", markersize=3, linewidth=0.6)
    ax.plot(0, 0, "s", color="k", markersize=6, fillstyle="none")

    h = landscapes.plateau()
    xs = np.linspace(*h.xlim, 400)
    ax = axes[2]
    ax.plot(xs, h.value(xs[None]), color="k", linewidth=1.2)
    steps = paths["plateau"]
    ax.plot(steps, h.value(steps[None]), "o", color="C0", markersize=3, alpha=0.5)
    titles = (
        words("local minimum", "局部最小值"),
        words("flat inflection", "平坦拐点"),
        words("plateau", "平稳段"),
    )
    for ax, title in zip(axes, titles, strict=True):
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


@figure("landscape-random-hessians.svg")
def random_hessians():
    """Left: P(all eigenvalues > 0) against n, GOE and 2^-n. Right: how many are negative."""
    fractions = positive_fractions()
    n = np.array(DIMENSIONS)
    fig = plt.figure(figsize=(11, 3.8))
    layout = fig.add_gridspec(3, 2, hspace=0.25)
    ax = fig.add_subplot(layout[:, 0])
    independent = words("$2^{-n}$ (independent signs)", "2⁻ⁿ（各符号独立）")
    ax.semilogy(n, 0.5**n, "s--", color="0.5", label=independent)
    goe = words("random symmetric (GOE)", "随机对称矩阵（GOE）")
    ax.semilogy(n, [fractions[k] for k in n], "o-", color="C3", label=goe)
    ax.set_xlabel(words("dimension $n$", "维数 n"))
    ax.set_ylabel(words("fraction with all eigenvalues > 0", "特征值全为正的比例"))
    ax.set_xticks(n)
    ax.legend(loc="lower left")
    # Right: one bar chart per n (the counts are discrete: a bar per possible k / n), each on its
    # own height scale, since the bars of different n are shares of different numbers of bins.
    panels = []
    for row, (k, color) in enumerate(zip(INDEX_DIMENSIONS, ("C2", "C0", "C1"), strict=True)):
        ax2 = fig.add_subplot(layout[row, 1], sharex=panels[0] if panels else None)
        panels.append(ax2)
        counts = np.rint(negative_fractions()[k] * k).astype(int)
        share = np.bincount(counts, minlength=k + 1) / len(counts)
        ax2.bar(np.arange(k + 1) / k, share, width=min(0.8 / k, 0.06), color=color)
        ax2.set_ylim(0, 1.25 * share.max())
        ax2.yaxis.set_major_locator(MaxNLocator(2))
        ax2.text(0.99, 0.95, f"$n = {k}$", transform=ax2.transAxes, ha="right", va="top")
        if row < 2:
            ax2.tick_params(labelbottom=False)
    panels[1].set_ylabel(words("share of matrices", "矩阵所占比例"))
    panels[-1].set_xlabel(words("fraction of negative eigenvalues", "负特征值的比例"))
    panels[-1].set_xlim(-0.05, 1.05)
    return fig


# ----------------------------------------------------------------------------- plateau


@figure("landscape-plateau.svg")
def plateau():
    """Left: f against the step from x = 2.5. Right: steps to leave the plateau, per start."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, values in plateau_paths().items():
        ax.plot(values, color=COLORS[name], label=name)
    ax.set_xlabel(words("step", "步数"))
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
    ax2.set_xlabel(words("start $x_0$", "起点 x₀"))
    ax2.set_ylabel(words("steps until $f < 0.5$", "到 f < 0.5 所需步数"))
    ax2.legend(loc="upper left")
    return fig


# ----------------------------------------------------------------------------- saddle

# SGD and Momentum leave along the same line x = 0: SGD is drawn wide underneath, Momentum dashed
# on top of it, so both stay visible (and no two paths differ by colour alone).
LINESTYLES = {"SGD": "-", "Momentum": "--", "RMSProp": "-.", "Adam": "-"}
LINEWIDTHS = {"SGD": 3.6, "Momentum": 1.6, "RMSProp": 1.6, "Adam": 1.6}


@figure("landscape-saddle-paths.svg")
def saddle_figure():
    """Left: the four paths on the contour lines. Right: |y| along each path (log scale)."""
    f = landscapes.saddle()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    contour(ax, f, levels=np.linspace(-4, 4, 17))
    ax.plot(0, 0, marker="x", color="k", markersize=8)
    for name, points in saddle_paths().items():
        shown = inside(points)
        style = {
            "color": COLORS[name],
            "linestyle": LINESTYLES[name],
            "linewidth": LINEWIDTHS[name],
        }
        ax.plot(shown[:, 0], shown[:, 1], label=name, **style)
        ax2.semilogy(np.abs(shown[:, 1]), label=name, **style)
    ax.plot(*f.start, "s", color="k", markersize=5)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_aspect("equal")
    ax.legend(loc="lower right", frameon=True)
    ax2.axhline(1.0, color="0.5", linestyle=":", linewidth=0.8)
    ax2.set_ylim(5e-4, 3)
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel("$|y|$")
    ax2.legend(loc="lower right")  # below the rising lines, clear of where they start
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
            [], [], LINESTYLES[name], color=COLORS[name], linewidth=LINEWIDTHS[name], label=name
        )
        (heads[name],) = ax.plot([], [], "o", color=COLORS[name], markersize=6)
    ax.legend(loc="lower right", frameon=True, fontsize=animation.MIN_TEXT_PT)
    ax.set_xticks([-2, 0, 2])
    ax.set_yticks([-2, 0, 2])
    label = ax.text(-1.9, 1.8, "", va="top", fontsize=animation.MIN_TEXT_PT)
    fig.tight_layout()

    def draw(frame):
        step = frame * every
        for name, points in paths.items():
            shown = points[: step + 1]
            lines[name].set_data(shown[:, 0], shown[:, 1])
            heads[name].set_data([shown[-1, 0]], [shown[-1, 1]])
        label.set_text(f"$t = {step}$")  # no words: a raster has no font for every language

    writer = PillowWriter(fps=10)
    try:  # ``out`` is a temporary name ending in .gif; the registry renames it when done
        with writer.saving(fig, out, dpi=animation.DPI):
            for frame in range(frames):
                draw(frame)
                # opaque: GIF transparency is on or off per pixel and frays antialiased edges
                writer.grab_frame(transparent=False)
    finally:
        plt.close(fig)


# ----------------------------------------------------------------------------- sharp and flat

SHARP_COLOR, FLAT_COLOR = "k", "0.72"  # where a run ends: told apart by lightness
SWEEP_STYLES = {
    "SGD": {"color": COLORS["SGD"], "linestyle": "-", "marker": "o"},
    "SGD + noise": {"color": COLORS["SGD"], "linestyle": "--", "marker": "o", "mfc": "white"},
    "Momentum": {"color": COLORS["Momentum"], "linestyle": ":", "marker": "s"},
}


def _sweep_label(method: str) -> str:
    return f"SGD, $\\sigma = {SHARP_SIGMA:g}$" if method == "SGD + noise" else method


@figure("landscape-sharp-flat.svg")
def sharp_flat():
    """Left: the function, and under it which minimum each start ends in (one strip per run
    setting). Right: the share of runs that end in the flat minimum against the learning rate."""
    f = landscapes.sharp_and_flat()
    fig = plt.figure(figsize=(11, 4.2))
    outer = fig.add_gridspec(1, 2, wspace=0.25)
    left = outer[0].subgridspec(2, 1, height_ratios=(3, 1.4), hspace=0.08)
    ax = fig.add_subplot(left[0])
    xs = np.linspace(*f.xlim, 801)
    ax.plot(xs, f.value(xs[None]), color="k", linewidth=1.2)
    ax.plot(f.local_minima[0][0], 0, "o", color=SHARP_COLOR, markersize=7)
    ax.plot(f.minimum[0], 0, "o", color=FLAT_COLOR, markeredgecolor="k", markersize=7)
    ax.annotate("$f'' = 16$", (-2, 0), (-3.4, 1.2), arrowprops={"arrowstyle": "-", "lw": 0.6})
    ax.annotate("$f'' = 1$", (0, 0), (0.9, 1.2), arrowprops={"arrowstyle": "-", "lw": 0.6})
    ax.set_ylim(-0.1, 3.2)
    ax.set_xlim(*f.xlim)
    ax.set_ylabel("$f(x)$")
    ax.tick_params(labelbottom=False)

    strips = fig.add_subplot(left[1], sharex=ax)
    ends = sharp_flat_ends()
    width = SHARP_STARTS[1] - SHARP_STARTS[0]
    for row, key in enumerate(SHARP_STRIPS):
        sharp = f.in_sharp_well(ends[key][None])
        cuts = [0, *(np.nonzero(np.diff(sharp))[0] + 1), len(sharp)]  # runs of one outcome
        for a, b in zip(cuts, cuts[1:], strict=False):
            color = SHARP_COLOR if sharp[a] else FLAT_COLOR
            span = [(SHARP_STARTS[a] - width / 2, (b - a) * width)]
            strips.broken_barh(span, (-row - 0.4, 0.8), color=color, linewidth=0)
    strips.set_yticks(-np.arange(len(SHARP_STRIPS)))
    strips.set_yticklabels([f"{method}, $\\eta = {lr:g}$" for method, lr in SHARP_STRIPS])
    strips.set_ylim(-len(SHARP_STRIPS) + 0.4, 0.6)
    strips.set_xlabel("$x_0$")
    strips.spines["left"].set_visible(False)
    strips.tick_params(axis="y", length=0)

    ax2 = fig.add_subplot(outer[1])
    sweep = sharp_flat_sweep()
    for method in SHARP_METHODS:
        ax2.semilogx(
            SHARP_SWEEP_LRS,
            100 * sweep[method],
            label=_sweep_label(method),
            markersize=4,
            linewidth=1.3,
            **SWEEP_STYLES[method],
        )
    limits = (
        (2 / 16, "$2/16$", "right", 1 / 1.03),
        (2 * (1 + SHARP_MOMENTUM) / 16, "$2(1+\\beta)/16$", "left", 1.03),
    )
    for lr, text, side, shift in limits:
        ax2.axvline(lr, color="0.5", linestyle="-", linewidth=0.7)
        ax2.text(lr * shift, 61, text, fontsize=9, color="0.3", ha=side)
    ax2.set_ylim(60, 102.5)
    ax2.set_xlabel("$\\eta$")
    ax2.set_ylabel("$\\%\\ \\ x_{2000} \\notin (-8/3,\\ -1.6)$")
    ax2.legend(loc="center left")
    return fig
