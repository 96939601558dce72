"""Figures of chapter 10 (second-order): Taylor models, Newton's method and L-BFGS.

- ``second-order-taylor.svg``: the first- and second-order Taylor models of chapter 1's
  x⁴/4 + x³/3 - x² at a point where the curvature is positive and at one where it is negative;
- ``second-order-paths.svg``: Newton against gradient descent on x²/20 + y² (one step against a
  zig-zag), and Newton, L-BFGS and gradient descent on the Rosenbrock function;
- ``second-order-convergence.svg``: f against the iteration on the Rosenbrock function for
  gradient descent, Momentum, Adam, Newton and L-BFGS.

The runs are in ``scripts/exp_second_order.py`` (stored results); this module only draws.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers import landscapes
from scripts.exp_second_order import FIRST_ORDER, THRESHOLD, quadratic_paths, runs
from scripts.figures import figure
from scripts.plotting import COLORS, VALLEY_LEVELS, contour, path, words

RUN_COLORS = {
    "gradient descent": COLORS["SGD"],
    "Momentum": COLORS["Momentum"],
    "Adam": COLORS["Adam"],
    "Newton": "C3",
    "L-BFGS": "k",
}


def gd(label: str) -> str:
    """A legend entry with gradient descent's name in the figure's language ("GD, lr = 0.95")."""
    return label.replace("GD", words("GD", "梯度下降"))


# ----------------------------------------------------------------------------- Taylor models


def taylor_panel(ax, f, x0: float, lr: float | None) -> None:
    """f, its first- and second-order models at x0, and where each suggests to go."""
    xs = np.linspace(*f.xlim, 400)
    fx = f.value(np.array([x0]))
    g = f.gradient(np.array([x0]))[0]
    h = f.hessian(np.array([x0]))[0, 0]
    ax.plot(xs, f.value(xs[None]), color="k", linewidth=1.4, label="$f$")
    first, second = words("first order", "一阶近似"), words("second order", "二阶近似")
    ax.plot(xs, fx + g * (xs - x0), "--", color="C0", label=first)
    ax.plot(xs, fx + g * (xs - x0) + 0.5 * h * (xs - x0) ** 2, "-", color="C3", label=second)
    ax.plot(x0, fx, "o", color="k", markersize=6)
    newton = x0 - g / h
    ax.plot(newton, f.value(np.array([newton])), "*", color="C3", markersize=13, label="Newton")
    ax.axvline(newton, color="C3", linestyle=":", linewidth=0.8)
    if lr is not None:
        step = x0 - lr * g
        label = gd(f"GD, lr = {lr:g}")
        ax.plot(step, f.value(np.array([step])), "s", color="C0", markersize=6, label=label)
    ax.set_ylim(-3.2, 3.5)
    ax.set_xlabel("$x$")
    ax.set_title(f"$x_0 = {x0:g}$", fontsize=10)


@figure("second-order-taylor.svg")
def taylor():
    """Left: at x0 = 2 the quadratic model has a minimum near the local minimum. Right: at
    x0 = -0.5 the curvature is negative and the model's stationary point is a maximum."""
    f = landscapes.local_minimum_1d()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    taylor_panel(ax, f, 2.0, lr=0.05)
    taylor_panel(ax2, f, -0.5, lr=None)
    ax.set_ylabel("$f(x)$")
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, 1.0))
    return fig


# ----------------------------------------------------------------------------- paths


@figure("second-order-paths.svg")
def paths_figure():
    """Left: x²/20 + y², Newton in one step against 30 zig-zag steps of gradient descent.
    Right: Rosenbrock, Newton, L-BFGS and the first 3000 steps of gradient descent."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [3, 2]})
    q = landscapes.ill_conditioned()
    contour(ax, q, levels=VALLEY_LEVELS)
    quadratic = quadratic_paths()
    path(ax, quadratic["gradient descent"], label=gd("GD, lr = 0.95"), color="C0")
    path(ax, quadratic["Newton"], label="Newton", color="C3", linewidth=2)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", frameon=True)

    f = landscapes.rosenbrock()
    contour(ax2, f, levels=np.logspace(-1, 3.5, 16), ylim=(-3.6, 2.0), xlim=(-1.7, 1.7))
    paths = runs()
    ax2.plot(
        *paths["gradient descent"][:3001].T,
        "-",
        color=RUN_COLORS["gradient descent"],
        linewidth=2.5,
        label=gd(words("GD, lr = 0.001, 3000 steps", "GD, lr = 0.001，3000 步")),
    )
    path(ax2, paths["L-BFGS"], label="L-BFGS", color=RUN_COLORS["L-BFGS"], markersize=3)
    path(ax2, paths["Newton"], label="Newton", color=RUN_COLORS["Newton"], markersize=5)
    ax2.legend(loc="lower left", frameon=True)  # lower right would cover Newton's (0.76, -3.18)
    return fig


@figure("second-order-convergence.svg")
def convergence():
    """f against the iteration (log-log) for the five methods on Rosenbrock."""
    f = landscapes.rosenbrock()
    fig, ax = plt.subplots(figsize=(8, 4))
    order = ("Adam", "Momentum", "gradient descent", "L-BFGS", "Newton")
    for name in order:
        values = np.maximum(f.value(runs()[name].T), 1e-20)  # Newton lands on f = 0 exactly
        iterations = np.arange(1, len(values))  # the start (iteration 0) is left out: log axis
        label = gd(FIRST_ORDER[name][1]) if name in FIRST_ORDER else name
        style = "o-" if name in ("Newton", "L-BFGS") else "-"
        ax.loglog(iterations, values[1:], style, color=RUN_COLORS[name], markersize=3, label=label)
    ax.axhline(THRESHOLD, color="0.5", linestyle=":", linewidth=0.8)
    ax.set_ylim(1e-20, 1e4)
    ax.set_xlabel(words("iteration", "迭代次数"))
    ax.set_ylabel("$f$")
    handles, labels = ax.get_legend_handles_labels()
    legend_order = [2, 1, 0, 3, 4]  # GD, Momentum, Adam, L-BFGS, Newton
    ax.legend(
        [handles[i] for i in legend_order],
        [labels[i] for i in legend_order],
        loc="lower left",
        fontsize=9,
    )
    return fig
