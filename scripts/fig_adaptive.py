"""Figures of chapter 5 (adaptive): AdaGrad, RMSProp and AdaDelta."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, AdaDelta, AdaGrad, RMSProp, landscapes
from scripts.figures import figure
from scripts.plotting import COLORS, VALLEY_LEVELS, contour, run, valley_paths, words

LONG = 3000  # steps of the long runs


def effective_lr(opt, function, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Run ``opt`` (AdaGrad or RMSProp) on a 2-D function; return the path and lr / (sqrt(h) + eps).

    The second array has one row per step (after that step's update) and one column per
    coordinate: the factor by which the rule multiplies each coordinate's gradient.
    """
    point = np.array(function.start, dtype=np.float64)
    params = {"x": np.array(point[0]), "y": np.array(point[1])}
    points, factors = [point], []
    for _ in range(steps):
        g = function.gradient(point)
        opt.update(params, {"x": np.array(g[0]), "y": np.array(g[1])})
        point = np.array([params["x"], params["y"]], dtype=np.float64)
        points.append(point)
        h = np.array([opt.state["x"]["h"], opt.state["y"]["h"]], dtype=np.float64)
        factors.append(opt.lr / (np.sqrt(h) + opt.eps))
    return np.array(points), np.array(factors)


@figure("adaptive-adagrad-path.svg")
def adagrad_path():
    """AdaGrad (lr 1.5) and SGD (lr 0.95) for 30 steps from (-7, 2) on x^2/20 + y^2."""
    f = landscapes.ill_conditioned()
    sgd, adagrad = run(SGD(lr=0.95), f, 30), run(AdaGrad(lr=1.5), f, 30)
    return valley_paths(
        [
            (sgd, "SGD, lr = 0.95", COLORS["SGD"], {"alpha": 0.45}),
            (adagrad, "AdaGrad, lr = 1.5", COLORS["AdaGrad"]),
        ]
    )


@figure("adaptive-adagrad-stall.svg")
def adagrad_stall():
    """AdaGrad with lr 0.1 for 3000 steps: the path and each coordinate's effective lr."""
    f = landscapes.ill_conditioned()
    points, factors = effective_lr(AdaGrad(lr=0.1), f, LONG)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[1.25, 1])
    contour(ax, f, levels=VALLEY_LEVELS, xlim=(-8, 2), ylim=(-2.5, 2.5))
    ax.plot(points[:, 0], points[:, 1], color=COLORS["AdaGrad"], linewidth=1.4)
    marks = [10, 100, 1000, 3000]
    ax.plot(*points[marks].T, "o", color=COLORS["AdaGrad"], markersize=4)
    for t in marks:
        ax.annotate(f"{t}", points[t], xytext=(-4, 7), textcoords="offset points", fontsize=9)
    ax.plot(*points[0], "s", color=COLORS["AdaGrad"], markersize=5)
    ax.set_aspect("equal")
    steps = np.arange(1, LONG + 1)
    ax2.loglog(steps, factors[:, 0], color="C0", label="$x$")
    ax2.loglog(steps, factors[:, 1], color="C1", label="$y$")
    ax2.loglog(steps, 0.1 / (0.7 * np.sqrt(steps)), ":", color="0.5", label=r"$\propto 1/\sqrt{t}$")
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel(r"$\eta / (\sqrt{h} + \epsilon)$")
    ax2.legend(loc="upper right")
    return fig


@figure("adaptive-rmsprop-path.svg")
def rmsprop_path():
    """AdaGrad and RMSProp with the same lr 0.1, 60 steps from (-7, 2) on x^2/20 + y^2."""
    f = landscapes.ill_conditioned()
    return valley_paths(
        [
            (run(cls(lr=0.1), f, 60), f"{name}, lr = 0.1", COLORS[name])
            for name, cls in (("AdaGrad", AdaGrad), ("RMSProp", RMSProp))
        ]
    )


@figure("adaptive-rmsprop-long.svg")
def rmsprop_long():
    """AdaGrad and RMSProp (lr 0.1) over 3000 steps: the loss and the effective lr of x."""
    f = landscapes.ill_conditioned()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    steps = np.arange(LONG + 1)
    for name, cls in (("AdaGrad", AdaGrad), ("RMSProp", RMSProp)):
        points, factors = effective_lr(cls(lr=0.1), f, LONG)
        ax.semilogy(steps, f.value(points.T), color=COLORS[name], label=name)
        ax2.loglog(steps[1:], factors[:, 0], color=COLORS[name], label=name)
    ax.set_ylim(1e-20, 1e2)
    ax.set_xlabel(words("step", "步数"))
    ax.set_ylabel(words("loss", "损失"))
    ax.legend(loc="upper right")
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel(words(r"$\eta / (\sqrt{h} + \epsilon)$ of $x$", "x 的 η / (√h + ε)"))
    ax2.legend(loc="upper left")
    return fig


@figure("adaptive-rmsprop-cycle.svg")
def rmsprop_cycle():
    """The last 40 points of RMSProp (lr 0.1, 3000 steps): a cycle at distance lr / 2."""
    f = landscapes.ill_conditioned()
    points = run(RMSProp(lr=0.1), f, LONG)[-40:]
    fig, ax = plt.subplots(figsize=(4.2, 4))
    levels = [0.0005, 0.001, 0.002, 0.003, 0.004]
    contour(ax, f, levels=levels, xlim=(-0.08, 0.08), ylim=(-0.08, 0.08))
    ax.plot(points[:, 0], points[:, 1], "-", color=COLORS["RMSProp"], linewidth=0.6, alpha=0.6)
    ax.plot(points[:, 0], points[:, 1], "o", color=COLORS["RMSProp"], markersize=5)
    square = 0.05 * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]])
    ax.plot(*square.T, "--", color="0.5", linewidth=0.8)
    ax.set_xticks([-0.05, 0, 0.05])
    ax.set_yticks([-0.05, 0, 0.05])
    ax.set_aspect("equal")
    return fig


@figure("adaptive-adadelta.svg")
def adadelta():
    """AdaDelta (rho 0.95) for 3000 steps with three values of eps: paths and step sizes."""
    f = landscapes.ill_conditioned()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[1.25, 1])
    contour(ax, f, levels=VALLEY_LEVELS, xlim=(-8, 2), ylim=(-2.5, 2.5))
    steps = np.arange(1, LONG + 1)
    # The three paths nearly coincide: the first is drawn wide underneath, the next narrower and
    # dashed, the last thin and dotted on top, so all three stay visible.
    styles = (
        (1e-6, {"color": "C5", "linestyle": "-", "linewidth": 5.0}),
        (1e-4, {"color": "C1", "linestyle": "--", "linewidth": 2.2}),
        (1e-2, {"color": "C6", "linestyle": ":", "linewidth": 1.4}),
    )
    for eps, style in styles:
        points = run(AdaDelta(rho=0.95, eps=eps), f, LONG)
        label = rf"$\epsilon = 10^{{{round(np.log10(eps))}}}$"
        ax.plot(points[:, 0], points[:, 1], label=label, **style)
        lengths = np.linalg.norm(np.diff(points, axis=0), axis=1)
        ax2.loglog(
            steps, lengths, label=label, **{**style, "linewidth": min(style["linewidth"], 2.2)}
        )
    ax.plot(*f.start, "s", color="k", markersize=5)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", handlelength=3)
    ax2.set_ylim(1e-6, 2)
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel(words("step length", "步长"))
    ax2.legend(loc="lower left", handlelength=3)
    return fig
