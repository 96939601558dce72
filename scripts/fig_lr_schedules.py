"""Figures of chapter 8 (lr-schedules): learning rates that are too high, too low, and decayed.

Experiments (all on the 8x8 digits, single BLAS thread, fixed seeds):

- ``lr-schedules-learning-rates.svg``: the book's five-layer ReLU network (4 x 100 hidden units),
  batch 128, plain SGD with learning rates 0.001 (too low), 0.1 (good), 1 (too high: the
  network dies) for ``CURVE_ITERATIONS`` updates, and 5 (the loss overflows to NaN at step 8);
- ``lr-schedules-noisy-path.svg``: SGD on x²/20 + y² with noisy gradients, constant learning
  rate against inverse-time decay;
- ``lr-schedules-all.svg``: every schedule of ``optimizers.schedules`` on one pair of axes;
- ``lr-schedules-step-decay.svg``: a two-layer network (2 x 100 hidden units, weight decay 0.01),
  momentum with lr 0.2, batch 32, 1200 updates: constant learning rate against step decay
  (x 0.3 every 400 updates);
- ``lr-schedules-lr-first.svg``: the same network and budget for eight base learning rates,
  without and with that step decay: the validation accuracy at the end.

The runs themselves are the stored experiments of ``scripts/exp_lr_schedules.py``; this module
only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers import landscapes, schedules
from optimizers.train import smooth_curve
from scripts.exp_lr_schedules import (
    BASE_LRS,
    CURVE_ITERATIONS,
    CURVE_LRS,
    DECAY_EVERY,
    DECAY_ITERATIONS,
    DECAY_LR,
    DIVERGING_LR,
    lr_run,
    momentum_run,
    noisy_paths,
)
from scripts.figures import figure
from scripts.plotting import VALLEY_LEVELS, contour, path, words

# ----------------------------------------------------------------- too high, too low, good

CURVE_COLORS = {0.001: "C0", 0.1: "C2", 1.0: "C1", 5.0: "C3"}


@figure("lr-schedules-learning-rates.svg")
def learning_rates():
    """Left: smoothed loss for a too-low, a good and a too-high lr. Right: lr = 5 diverges."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    for lr in CURVE_LRS:
        loss = lr_run(lr)["history"].loss
        steps = np.arange(1, len(loss) + 1)
        color = CURVE_COLORS[lr]
        ax.plot(steps, loss, color=color, linewidth=0.5, alpha=0.3)
        ax.plot(steps, smooth_curve(loss, 31), color=color, linewidth=1.8, label=f"lr = {lr:g}")
    ax.axhline(np.log(10), color="0.5", linestyle=":", linewidth=0.8)
    ax.text(CURVE_ITERATIONS, np.log(10) + 0.05, "ln 10", ha="right", va="bottom", color="0.4")
    ax.set_ylim(0, 3.2)
    ax.set_xlabel(words("iteration", "迭代次数"))
    ax.set_ylabel(words("loss", "损失"))
    ax.legend(loc="center", bbox_to_anchor=(0.45, 0.4))

    history = lr_run(DIVERGING_LR)["history"]
    loss = history.loss
    steps = np.arange(1, len(loss) + 1)
    ax2.semilogy(steps, loss, "o-", color=CURVE_COLORS[DIVERGING_LR], markersize=4)
    ax2.plot(steps[-1] + 1, loss[-1], "x", color="k", markersize=9, mew=2)
    ax2.annotate(
        "NaN",
        (steps[-1] + 1, loss[-1]),
        textcoords="offset points",
        xytext=(-28, 4),
        ha="right",
    )
    ax2.set_xlim(0, steps[-1] + 2)
    ax2.set_ylim(1e-2, 1e200)
    ax2.set_yticks([1e0, 1e50, 1e100, 1e150, 1e200])
    ax2.set_xlabel(words("iteration", "迭代次数"))
    ax2.set_ylabel(words("loss", "损失"))
    ax2.set_title(f"lr = {DIVERGING_LR:g}", fontsize=10)
    return fig


# ----------------------------------------------------------------- noisy path


@figure("lr-schedules-noisy-path.svg")
def noisy_path():
    """With noisy gradients a constant lr keeps wandering; a decaying lr settles."""
    f = landscapes.ill_conditioned()
    runs = noisy_paths()
    constant, decayed = runs["constant"], runs["decayed"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    contour(ax, f, levels=VALLEY_LEVELS)
    path(ax, constant, label="lr = 0.5", color="C0", marker=None, linewidth=0.6, alpha=0.7)
    path(
        ax,
        decayed,
        label=r"lr = 0.5 / (1 + 0.05 t)",
        color="C3",
        marker=None,
        linewidth=0.9,
    )
    ax.set_aspect("equal")
    ax.legend(loc="upper right", frameon=True)
    steps = np.arange(len(constant))
    decayed_label = words("decayed", "衰减")
    for points, color, name in ((constant, "C0", "lr = 0.5"), (decayed, "C3", decayed_label)):
        values = f.value(points.T)
        ax2.semilogy(steps, values, color=color, linewidth=0.5, alpha=0.35)
        ax2.semilogy(steps, smooth_curve(values, 31), color=color, linewidth=1.8, label=name)
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel("$f$")
    ax2.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
    return fig


# ----------------------------------------------------------------- the schedules

LR0 = 0.1
EPOCHS = 100


def classic_schedules():
    """The decays of the course notes, lr0 = 0.1 over 100 epochs (label -> schedule)."""
    return {
        "0.1 / (1 + 0.1 t)": schedules.inverse_time(LR0, decay_rate=0.1),
        "0.95^t": schedules.exponential(LR0, gamma=0.95),
        "k / sqrt(t + 1)": schedules.inverse_sqrt(LR0),
        "step: x0.5 every 20": schedules.step(LR0, step_size=20, gamma=0.5),
        "manual: x0.1 at 50, 75": schedules.multistep(LR0, [50, 75], gamma=0.1),
    }


def cyclic_schedules():
    """Cosine, warm restarts and warmup, lr0 = 0.1 over 100 steps (label -> schedule)."""
    return {
        "cosine": schedules.cosine(LR0, T=EPOCHS, lr_min=1e-3),
        "warm restarts (T0 = 10, x2)": schedules.warm_restarts(LR0, T_0=10, T_mult=2, lr_min=1e-3),
        "warmup 10 + cosine": schedules.linear_warmup(
            schedules.cosine(LR0, T=EPOCHS - 10, lr_min=1e-3), warmup_steps=10, start_factor=0.1
        ),
    }


SCHEDULE_LABELS_ZH = {  # the schedules' labels in the Chinese figure
    "k / sqrt(t + 1)": "k / √(t + 1)",
    "step: x0.5 every 20": "阶梯：每 20 步 ×0.5",
    "manual: x0.1 at 50, 75": "手动：在 50、75 处 ×0.1",
    "cosine": "余弦",
    "warm restarts (T0 = 10, x2)": "热重启（T₀ = 10，×2）",
    "warmup 10 + cosine": "预热 10 + 余弦",
}


def schedule_label(name: str) -> str:
    return words(name, SCHEDULE_LABELS_ZH.get(name, name))


@figure("lr-schedules-all.svg")
def all_schedules():
    """Every schedule of the chapter, lr0 = 0.1: the classic decays and the cyclic ones."""
    t = np.arange(EPOCHS + 1)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    styles = ("-", "--", "-.", "-", ":")
    for (name, schedule), color, style in zip(
        classic_schedules().items(), ("C0", "C1", "C2", "C3", "C4"), styles, strict=True
    ):
        drawstyle = "steps-post" if name.startswith(("step", "manual")) else "default"
        ax.plot(
            t,
            [schedule(s) for s in t],
            style,
            color=color,
            label=schedule_label(name),
            drawstyle=drawstyle,
            linewidth=2.0 if style == ":" else 1.5,
        )
    for (name, schedule), color, style in zip(
        cyclic_schedules().items(), ("C5", "C6", "C1"), ("-", "-", "--"), strict=True
    ):
        ax2.plot(t, [schedule(s) for s in t], style, color=color, label=schedule_label(name))
    for a in (ax, ax2):
        a.set_xlabel(words("epoch / step $t$", "轮 / 步数 t"))
        # above the panel: inside, the legend covered the manual decay's drop at t = 50
        a.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=9)
    ax.set_ylabel(words("learning rate", "学习率"))
    ax.set_ylim(0, 0.105)
    return fig


# ----------------------------------------------------------------- step decay in training


@figure("lr-schedules-step-decay.svg")
def step_decay_figure():
    """Top: the learning rate. Bottom: the loss, constant lr against step decay."""
    runs = {"constant": momentum_run(DECAY_LR, False), "step decay": momentum_run(DECAY_LR, True)}
    colors = {"constant": "C0", "step decay": "C3"}
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(8, 5), sharex=True, gridspec_kw={"height_ratios": [1, 2.6]}
    )
    for name, history in runs.items():
        steps = np.arange(1, len(history.loss) + 1)
        label = words(name, {"constant": "恒定", "step decay": "阶梯衰减"}[name])
        ax.plot(steps, history.lr, color=colors[name], label=label)
        ax2.plot(steps, history.loss, color=colors[name], linewidth=0.4, alpha=0.25)
        ax2.plot(steps, smooth_curve(history.loss, 51), color=colors[name], linewidth=1.8)
    for a in (ax, ax2):
        for decay in range(DECAY_EVERY, DECAY_ITERATIONS, DECAY_EVERY):
            a.axvline(decay, color="0.5", linestyle=":", linewidth=0.8)
    ax.set_ylabel(words("learning rate", "学习率"))
    ax.set_ylim(0, 0.22)
    ax.legend(loc="upper right", ncols=2)
    ax2.set_ylim(0.3, 2.5)
    ax2.set_xlabel(words("iteration", "迭代次数"))
    ax2.set_ylabel(words("loss", "损失"))
    return fig


@figure("lr-schedules-lr-first.svg")
def lr_first():
    """Validation accuracy after 1200 updates against the base lr, without and with decay."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    constant, step = words("constant", "恒定"), words("step decay", "阶梯衰减")
    for decayed, color, name in ((False, "C0", constant), (True, "C3", step)):
        accuracy = [momentum_run(lr, decayed).val_acc[-1] for lr in BASE_LRS]
        ax.semilogx(BASE_LRS, accuracy, "o-", color=color, label=name)
    ax.set_xlabel(words("base learning rate", "基础学习率"))
    ax.set_ylabel(words("validation accuracy", "验证准确率"))
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    return fig
