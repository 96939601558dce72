"""Figures of chapter 7 (compare): the optimizers side by side, learning-rate sweeps, digits.

The paths, step counts and digits runs are the stored experiments of ``scripts/exp_compare.py``
(the digits comparison, seven optimizers for 2000 iterations plus a learning-rate sweep of 500
iterations, is the most expensive of the book); this module only draws them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from optimizers import landscapes
from optimizers.train import smooth_curve
from scripts import animation
from scripts.exp_compare import (
    DIGITS_DEFAULTS,
    DIGITS_ITERATIONS,
    FOUR,
    GRID_FACTORS,
    MAX_STEPS,
    SEVEN,
    STEPS,
    SWEEP_ITERATIONS,
    digits_run,
    diverged,
    grid_lr,
    lr_sweep,
    settle_steps,
    sweep_grid,
    sweep_loss,
    sweep_lrs,
    valley_paths,
)
from scripts.figures import figure
from scripts.plotting import COLORS, VALLEY_LEVELS, grid, path, words

# Lines of the sweeps and the digits runs are told apart by marker as well as by colour.
MARKERS = {
    "SGD": "o",
    "Momentum": "x",
    "Nesterov": "+",
    "AdaGrad": "s",
    "RMSProp": "^",
    "AdaDelta": "v",
    "Adam": "D",
}


def light_contour(ax, f, n: int = 60, levels=VALLEY_LEVELS) -> None:
    """Contour lines of f on a coarse n x n grid (small panels: a smaller SVG, same look)."""
    X, Y, Z = grid(f, n=n)
    ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.6)
    ax.plot(*f.minimum, marker="+", color="k", markersize=10, mew=1.5)
    ax.set_xlim(*f.xlim)
    ax.set_ylim(*f.ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")


def paths_panel(ax, name: str, lr: float, title: bool = True, small: bool = False):
    """One optimizer's path, 30 steps from (-7, 2), on the contour lines of x^2/20 + y^2."""
    f = landscapes.ill_conditioned()
    if small:
        light_contour(ax, f, n=40, levels=[1, 5, 20])
    else:
        light_contour(ax, f)
    points = valley_paths()[name, lr]
    path(ax, points, color=COLORS[name], marker="" if small else "o")
    ax.set_aspect("equal")
    if title:
        ax.set_title(f"{name}, lr = {lr:g}")
    return points


@figure("compare-four.svg")
def four_panel():
    """SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3: 30 steps from (-7, 2)."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 5.6), sharex=True, sharey=True)
    for ax, (name, lr) in zip(axes.flat, FOUR.items(), strict=True):
        paths_panel(ax, name, lr)
    for ax in axes[0]:
        ax.set_xlabel("")
    for ax in axes[:, 1]:
        ax.set_ylabel("")
    fig.tight_layout()
    return fig


@figure("compare-seven.svg")
def seven_panel():
    """The four of the sources plus Nesterov (lr 0.1), RMSProp (lr 0.3) and AdaDelta (lr 1):
    SGD, Momentum and Nesterov in the top row (its fourth place empty), the four per-coordinate
    methods in the bottom row."""
    fig, axes = plt.subplots(2, 4, figsize=(16.5, 5.2), sharex=True, sharey=True)
    top = ["SGD", "Momentum", "Nesterov"]
    bottom = [name for name in SEVEN if name not in top]
    for ax, name in zip([*axes[0, :3], *axes[1]], top + bottom, strict=True):
        paths_panel(ax, name, SEVEN[name])
    axes[0, 3].set_axis_off()
    for ax in axes[0]:
        ax.set_xlabel("")
    for ax in axes[:, 1:].flat:
        ax.set_ylabel("")
    fig.tight_layout()
    return fig


@figure("compare-lr-grid.svg")
def lr_grid():
    """Small multiples: each optimizer (rows) at 0.1, 0.3, 1, 3 and 10 times its lr of SEVEN."""
    factors = GRID_FACTORS
    fig, axes = plt.subplots(len(SEVEN), len(factors), figsize=(12, 9.8), sharex=True, sharey=True)
    f = landscapes.ill_conditioned()
    for row, name in zip(axes, SEVEN, strict=True):
        for ax, factor in zip(row, factors, strict=True):
            lr = grid_lr(name, factor)
            points = paths_panel(ax, name, lr, title=False, small=True)
            gone = diverged(points)
            label = f"lr = {lr:g}" + (words("  diverges", "  发散") if gone else "")
            ax.set_title(label, fontsize=9, color="C3" if gone else "k")
            ax.set_xlabel("")
            ax.set_ylabel("")
            ax.set_xlim(*f.xlim)
            ax.set_ylim(*f.ylim)
        row[0].set_ylabel(name, fontsize=11)
    for ax, factor in zip(axes[0], factors, strict=True):
        ax.annotate(
            f"× {factor:g}",
            xy=(0.5, 1.32),
            xycoords="axes fraction",
            ha="center",
            fontsize=11,
        )
    fig.tight_layout()
    return fig


@figure("compare-lr-sweep.svg")
def lr_sweep_figure():
    """Steps until the loss settles below 1e-3, against the lr, on both valleys (log scales).

    AdaDelta's curve is on its own grid, up to lr 1000 (its lr only scales a step of ~0.0045)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    titles = (words("axis-aligned", "与坐标轴对齐"), words("rotated by 45°", "旋转 45°"))
    for ax, rotated, title in ((axes[0], False, titles[0]), (axes[1], True, titles[1])):
        for name, counts in lr_sweep(rotated).items():
            y = np.array([np.nan if n is None else n for n in counts], dtype=float)
            ax.loglog(
                sweep_grid(name),
                y,
                "-",
                color=COLORS[name],
                label=name,
                linewidth=1.4,
                marker=MARKERS[name],
                markevery=(2, 5),
                markersize=4,
                markerfacecolor="none",
            )
            lr0, n0 = SEVEN[name], settle_steps(rotated)[name]
            if n0 is not None:
                ax.plot(lr0, n0, "o", color=COLORS[name], markersize=6)
        ax.set_title(title)
        ax.set_xlabel(words("learning rate", "学习率"))
        ax.set_ylim(1, MAX_STEPS)
    axes[0].set_ylabel(words("steps until loss $< 10^{-3}$", "损失降到 10⁻³ 以下所需步数"))
    axes[0].legend(loc="lower left", ncol=2)
    fig.tight_layout()
    return fig


@figure("compare-digits.svg")
def digits():
    """Left: seven optimizers at their default lrs, 2000 iterations. Right: a 500-iteration sweep
    (AdaDelta's up to lr 30)."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.4))
    markers = MARKERS
    x = np.arange(1, DIGITS_ITERATIONS + 1)
    for name, lr in DIGITS_DEFAULTS.items():
        history = digits_run(name, lr, DIGITS_ITERATIONS)
        ax.plot(
            x,
            smooth_curve(history.loss),
            color=COLORS[name],
            marker=markers[name],
            markevery=200,
            markersize=5,
            linewidth=1.1,
            label=f"{name}, lr = {lr:g}"
            + words(
                f" (val. acc. {history.val_acc[-1]:.1%})",
                f"（验证准确率 {history.val_acc[-1]:.1%}）",
            ),
        )
    ax.set_yscale("log")
    ax.set_xlabel(words("iteration", "迭代次数"))
    ax.set_ylabel(words("training loss (smoothed)", "训练损失（平滑）"))

    for name in DIGITS_DEFAULTS:
        lrs = sweep_lrs(name)
        finals = [sweep_loss(name, lr) for lr in lrs]
        ax2.loglog(lrs, finals, marker=markers[name], color=COLORS[name])
        default = lrs.index(DIGITS_DEFAULTS[name])
        ax2.plot(
            DIGITS_DEFAULTS[name],
            finals[default],
            "o",
            markersize=13,
            markerfacecolor="none",
            markeredgecolor=COLORS[name],
        )
    ax2.set_xlabel(words("learning rate", "学习率"))
    first, last = SWEEP_ITERATIONS - 49, SWEEP_ITERATIONS
    ax2.set_ylabel(
        words(f"loss, mean of iterations {first}–{last}", f"损失（第 {first}–{last} 次迭代的均值）")
    )
    fig.tight_layout()
    fig.legend(loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.0))
    return fig


@figure("compare-paths.gif")
def paths_animation(out: Path) -> None:
    """The four optimizers of the sources moving together, step by step (a GIF)."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    f = landscapes.ill_conditioned()
    paths = {name: valley_paths()[name, lr] for name, lr in FOUR.items()}
    fig, ax = plt.subplots(figsize=(7, 3.8))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.12, top=0.98)
    light_contour(ax, f, n=100)
    ax.set_aspect("equal")
    lines, heads = {}, {}
    for name, lr in FOUR.items():
        (lines[name],) = ax.plot([], [], "-", color=COLORS[name], linewidth=1.4)
        (heads[name],) = ax.plot(
            [], [], "o", color=COLORS[name], markersize=6, label=f"{name}, lr = {lr:g}"
        )
    ax.legend(loc="upper right", fontsize=animation.MIN_TEXT_PT)
    counter = ax.text(-9.6, -4.6, "", fontsize=animation.MIN_TEXT_PT)
    hold = 8  # frames showing the final paths
    frames = list(range(STEPS + 1)) + [STEPS] * hold

    def draw(k: int):
        for name, points in paths.items():
            lines[name].set_data(points[: k + 1, 0], points[: k + 1, 1])
            heads[name].set_data(points[k : k + 1, 0], points[k : k + 1, 1])
        counter.set_text(f"$t = {k}$")  # no words: a raster has no font for every language
        return [*lines.values(), *heads.values(), counter]

    movie = FuncAnimation(fig, draw, frames=frames, blit=False)
    try:  # ``out`` is a temporary name ending in .gif; the registry renames it when done
        # opaque: GIF transparency is on or off per pixel and frays antialiased text
        movie.save(
            out,
            writer=PillowWriter(fps=5),
            dpi=animation.DPI,
            savefig_kwargs={"transparent": False, "facecolor": "white"},
        )
    finally:
        plt.close(fig)
