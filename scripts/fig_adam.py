"""Figures of chapter 6 (adam): moments, bias correction, the rotated valley, AMSGrad.

The runs are the stored experiments of ``scripts/exp_adam.py``; this module only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers import landscapes
from optimizers.train import smooth_curve
from scripts.exp_adam import (
    DIGITS_LR,
    ONLINE_STEPS,
    adam_digits,
    online_runs,
    step_ratios,
    valley_paths,
)
from scripts.figures import figure
from scripts.plotting import COLORS, VALLEY_LEVELS, contour, path, words


@figure("adam-path.svg")
def valley_path():
    """Momentum (lr 0.1) and Adam (lr 0.3): 30 steps from (-7, 2) on x^2/20 + y^2."""
    f = landscapes.ill_conditioned()
    fig, ax = plt.subplots(figsize=(8, 4))
    contour(ax, f, levels=VALLEY_LEVELS)
    paths = valley_paths()
    path(ax, paths["momentum"], label="Momentum, lr = 0.1", color=COLORS["Momentum"])
    path(ax, paths["adam"], label="Adam, lr = 0.3", color=COLORS["Adam"])
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    return fig


@figure("adam-bias-correction.svg")
def bias_correction():
    """Left: step / lr under a constant gradient. Right: Adam on the digits, lr 0.01."""
    ratios = step_ratios(1000)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    t = ratios["t"]
    # (mathtext has no Chinese glyphs: a Chinese label is plain text, its symbols in Unicode)
    m_only = words(r"$\hat m_t / \sqrt{v_t}$ (m corrected)", "只修正 m")
    raw = words(r"$m_t / \sqrt{v_t}$ (no correction)", "不修正")
    both = words(r"$\hat m_t / \sqrt{\hat v_t}$ (Adam)", "m 和 v 都修正（Adam）")
    ax.semilogx(t, ratios["m_only"], "-.", color="C3", label=m_only)
    ax.semilogx(t, ratios["raw"], "--", color="C1", label=raw)
    ax.semilogx(t, ratios["both"], color="C2", label=both)
    ax.set_yscale("log")
    ax.set_yticks([1, 3, 10, 30])
    ax.set_yticklabels(["1", "3", "10", "30"])
    ax.set_xlabel(words("step $t$", "步数 t"))
    ax.set_ylabel(words(r"step size / $\eta$", "步长 / η"))
    ax.legend(loc="upper right")

    lr = DIGITS_LR
    for label, corrected, color, style in (
        (words("with bias correction", "有偏差修正"), True, "C2", "-"),
        (words("without", "无偏差修正"), False, "C1", "--"),
    ):
        history = adam_digits(lr, corrected)
        ax2.plot(smooth_curve(history.loss), style, color=color, label=f"Adam, lr = {lr}, {label}")
    ax2.set_yscale("log")
    ax2.set_xlabel(words("iteration", "迭代次数"))
    ax2.set_ylabel(words("loss (smoothed)", "损失（平滑）"))
    ax2.legend(loc="upper right")
    return fig


@figure("adam-rotated.svg")
def rotated_valley():
    """SGD and Adam on x^2/20 + y^2 and on the same valley turned by 45 degrees."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    paths = valley_paths()
    for ax, f, key, title in (
        (axes[0], landscapes.ill_conditioned(), "aligned", words("axis-aligned", "与坐标轴对齐")),
        (axes[1], landscapes.rotated(), "rotated", words("rotated by 45°", "旋转 45°")),
    ):
        contour(ax, f, levels=VALLEY_LEVELS, xlim=(-8.0, 8.0), ylim=(-8.0, 8.0))
        path(ax, paths[f"{key}_sgd"], label="SGD, lr = 0.95", color=COLORS["SGD"])
        path(ax, paths[f"{key}_adam"], label="Adam, lr = 0.3", color=COLORS["Adam"])
        ax.set_aspect("equal")
        ax.set_title(title)
    axes[0].legend(loc="upper right")
    return fig


@figure("adam-amsgrad.svg")
def amsgrad():
    """Adam and AMSGrad (lr 0.1, beta2 0.99) on Reddi et al.'s online problem."""
    steps = ONLINE_STEPS
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for name, xs in online_runs().items():
        color = COLORS["Adam"] if name == "Adam" else "C3"
        ax.plot(np.arange(1, steps + 1), xs, color=color, linewidth=0.8, label=name)
    ax.axhline(-1, color="k", linestyle="--", linewidth=0.8)
    ax.text(50, -0.95, words("best $x = -1$", "最优点 x = −1"), ha="left", va="bottom")
    ax.set_xlabel(words("step", "步数"))
    ax.set_ylabel("$x$")
    ax.set_ylim(-1.1, 1.1)
    ax.legend(loc="center right")
    return fig
