"""Figures of chapter 7 (compare): the optimizers side by side, learning-rate sweeps, digits.

The digits comparison (five optimizers, 2000 iterations each, plus a learning-rate sweep of 500
iterations) is the most expensive figure of the book. It is one figure, so one figure build
runs it once; BLAS is limited to one thread while it trains (a small network gains nothing from
more threads, and on a busy machine extra threads only compete with each other).
"""

from __future__ import annotations

import math
import warnings
from functools import cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp, landscapes
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import History, smooth_curve, train
from scripts.figures import figure
from scripts.plotting import COLORS, grid, path, run

VALLEY_LEVELS = [0.25, 1, 2.5, 5, 10, 20]
RULES = {
    "SGD": SGD,
    "Momentum": Momentum,
    "Nesterov": Nesterov,
    "AdaGrad": AdaGrad,
    "RMSProp": RMSProp,
    "Adam": Adam,
}
# The sources' learning rates on x^2/20 + y^2 (the four-panel comparison) ...
FOUR = {"SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "Adam": 0.3}
# ... and the two we add: Nesterov with Momentum's lr, RMSProp with Adam's lr.
SIX = {"SGD": 0.95, "Momentum": 0.1, "Nesterov": 0.1, "AdaGrad": 1.5, "RMSProp": 0.3, "Adam": 0.3}
STEPS = 30

# Steps to a threshold: the first step from which the loss stays below THRESHOLD for WINDOW
# consecutive steps (a pass through the region on the way past does not count), at most MAX_STEPS.
THRESHOLD = 1e-3
WINDOW = 20
MAX_STEPS = 500
LR_GRID = tuple(round(10 ** (k / 20), 4) for k in range(-40, 21))  # 0.01 ... 10, 20 per decade

# The digits: BOOK.md's optimizer defaults.
DIGITS_DEFAULTS = {"SGD": 0.01, "Momentum": 0.01, "AdaGrad": 0.01, "RMSProp": 0.01, "Adam": 0.001}
DIGITS_ITERATIONS = 2000
SWEEP_ITERATIONS = 500
SWEEP_LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)


def steps_to_settle(optimizer, f, threshold=THRESHOLD, window=WINDOW, max_steps=MAX_STEPS):
    """First step from which f stays below threshold for window steps; None if not by max_steps."""
    point = np.array(f.start)
    params = {"x": np.array(point[0]), "y": np.array(point[1])}
    below = 0  # consecutive steps below the threshold so far
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, max_steps + window):
            g = f.gradient(point)
            optimizer.update(params, {"x": g[0], "y": g[1]})
            point = np.array([params["x"], params["y"]])
            loss = f.value(point)
            if not np.isfinite(loss):  # diverged
                return None
            below = below + 1 if loss < threshold else 0
            if below == window:
                return step - window + 1
    return None


@cache
def lr_sweep(rotated: bool) -> dict[str, list[int | None]]:
    """Steps to settle below the threshold for every optimizer and every lr of LR_GRID."""
    f = landscapes.rotated() if rotated else landscapes.ill_conditioned()
    return {
        name: [steps_to_settle(rule(lr=lr), f) for lr in LR_GRID] for name, rule in RULES.items()
    }


def best_lr(rotated: bool) -> dict[str, tuple[float, int]]:
    """For every optimizer, the grid lr with the fewest steps (the smallest lr on a tie)."""
    best = {}
    for name, counts in lr_sweep(rotated).items():
        found = [(n, lr) for n, lr in zip(counts, LR_GRID, strict=True) if n is not None]
        n, lr = min(found)
        best[name] = (lr, n)
    return best


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        points = run(RULES[name](lr=lr), f, STEPS)
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


@figure("compare-six.svg")
def six_panel():
    """The four of the sources plus Nesterov (lr 0.1) and RMSProp (lr 0.3)."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 5.4), sharex=True, sharey=True)
    for ax, (name, lr) in zip(axes.flat, SIX.items(), strict=True):
        paths_panel(ax, name, lr)
    for ax in axes[0]:
        ax.set_xlabel("")
    for ax in axes[:, 1:].flat:
        ax.set_ylabel("")
    fig.tight_layout()
    return fig


@figure("compare-lr-grid.svg")
def lr_grid():
    """Small multiples: each optimizer (rows) at 0.1, 0.3, 1, 3 and 10 times its lr of SIX."""
    factors = (0.1, 0.3, 1, 3, 10)
    fig, axes = plt.subplots(len(SIX), len(factors), figsize=(12, 8.4), sharex=True, sharey=True)
    f = landscapes.ill_conditioned()
    for row, (name, lr0) in zip(axes, SIX.items(), strict=True):
        for ax, factor in zip(row, factors, strict=True):
            lr = round(lr0 * factor, 4)
            points = paths_panel(ax, name, lr, title=False, small=True)
            diverged = len(points) <= STEPS or np.abs(points[-1]).max() > 20
            label = f"lr = {lr:g}" + ("  diverges" if diverged else "")
            ax.set_title(label, fontsize=9, color="C3" if diverged else "k")
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
    """Steps until the loss settles below 1e-3, against the lr, on both valleys (log scales)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for ax, rotated, title in ((axes[0], False, "axis-aligned"), (axes[1], True, "rotated by 45°")):
        for name, counts in lr_sweep(rotated).items():
            y = np.array([np.nan if n is None else n for n in counts], dtype=float)
            ax.loglog(LR_GRID, y, "-", color=COLORS[name], label=name, linewidth=1.4)
            lr0 = SIX[name]
            f = landscapes.rotated() if rotated else landscapes.ill_conditioned()
            n0 = steps_to_settle(RULES[name](lr=lr0), f)
            if n0 is not None:
                ax.plot(lr0, n0, "o", color=COLORS[name], markersize=6)
        ax.set_title(title)
        ax.set_xlabel("learning rate")
        ax.set_ylim(1, MAX_STEPS)
    axes[0].set_ylabel("steps until loss $< 10^{-3}$")
    axes[0].legend(loc="lower left", ncol=2)
    fig.tight_layout()
    return fig


def digits_net(data) -> MultiLayerNet:
    """The 5-layer network of the comparison: 4 hidden layers of 100 ReLU units, He init."""
    return MultiLayerNet(
        data.input_size, [100] * 4, data.n_classes, activation="relu", weight_init_std="he", seed=0
    )


def digits_runs(iterations: int, lrs: dict[str, float]) -> dict[str, History]:
    """Train one fresh network per optimizer (same weights, same batches); their histories.

    Accuracies are measured before training and after the last iteration only.
    """
    data = load_digits()
    histories = {}
    with threadpool_limits(1):
        for name, lr in lrs.items():
            history = train(
                digits_net(data),
                RULES[name](lr=lr),
                data,
                iterations=iterations,
                batch_size=128,
                seed=0,
                eval_every=iterations,
                progress=False,
            )
            histories[name] = history
    return histories


def final_loss(losses: list[float], iterations: int, last: int = 50) -> float:
    """Mean loss of the last ``last`` iterations; inf if the run stopped early (diverged)."""
    if len(losses) < iterations:
        return math.inf
    return float(np.mean(losses[-last:]))


@figure("compare-digits.svg")
def digits():
    """Left: five optimizers at their default lrs, 2000 iterations. Right: a 500-iteration sweep."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.4))
    markers = {"SGD": "o", "Momentum": "x", "AdaGrad": "s", "RMSProp": "^", "Adam": "D"}
    curves = digits_runs(DIGITS_ITERATIONS, DIGITS_DEFAULTS)
    x = np.arange(1, DIGITS_ITERATIONS + 1)
    for name, history in curves.items():
        ax.plot(
            x,
            smooth_curve(history.loss),
            color=COLORS[name],
            marker=markers[name],
            markevery=200,
            markersize=5,
            linewidth=1.1,
            label=f"{name}, lr = {DIGITS_DEFAULTS[name]:g} (val. acc. {history.val_acc[-1]:.1%})",
        )
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss (smoothed)")

    for name in DIGITS_DEFAULTS:
        finals = []
        for lr in SWEEP_LRS:
            history = digits_runs(SWEEP_ITERATIONS, {name: lr})[name]
            finals.append(final_loss(history.loss, SWEEP_ITERATIONS))
        ax2.loglog(SWEEP_LRS, finals, marker=markers[name], color=COLORS[name])
        default = SWEEP_LRS.index(DIGITS_DEFAULTS[name])
        ax2.plot(
            DIGITS_DEFAULTS[name],
            finals[default],
            "o",
            markersize=13,
            markerfacecolor="none",
            markeredgecolor=COLORS[name],
        )
    ax2.set_xlabel("learning rate")
    ax2.set_ylabel(f"loss, mean of iterations {SWEEP_ITERATIONS - 49}–{SWEEP_ITERATIONS}")
    fig.tight_layout()
    fig.legend(loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.0))
    return fig


@figure("compare-paths.gif")
def paths_animation(out: Path) -> None:
    """The four optimizers of the sources moving together, step by step (a GIF)."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    f = landscapes.ill_conditioned()
    paths = {name: run(RULES[name](lr=lr), f, STEPS) for name, lr in FOUR.items()}
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
    ax.legend(loc="upper right", fontsize=8)
    counter = ax.text(-9.6, -4.6, "", fontsize=10)
    hold = 8  # frames showing the final paths
    frames = list(range(STEPS + 1)) + [STEPS] * hold

    def draw(k: int):
        for name, points in paths.items():
            lines[name].set_data(points[: k + 1, 0], points[: k + 1, 1])
            heads[name].set_data(points[k : k + 1, 0], points[k : k + 1, 1])
        counter.set_text(f"step {k}")
        return [*lines.values(), *heads.values(), counter]

    animation = FuncAnimation(fig, draw, frames=frames, blit=False)
    try:  # ``out`` is a temporary name ending in .gif; the registry renames it when done
        animation.save(out, writer=PillowWriter(fps=5), dpi=70)
    finally:
        plt.close(fig)
