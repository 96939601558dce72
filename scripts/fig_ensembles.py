"""Figures of chapter 14 (ensembles): independent ensembles, snapshot ensembles, weight averages.

Every network of the chapter is the same: 64 -> 3 x 100 ReLU units (dropout 0.3) -> 10, trained
on the 8x8 digits with Momentum (lr 0.1, batch 64); the seed fixes both the initial weights and
the order of the mini-batches. Accuracies and losses are measured on the 359 test digits.

- ``ensembles-independent.svg``: ten networks, each trained for 1000 updates along a cosine
  schedule from lr 0.1 (seeds 0-9), alone and averaged (the first k of them).
- ``ensembles-snapshots.svg``: one network trained for 1000 updates along cosine warm restarts
  (cycles of 200, lr 0.1 -> 0), a snapshot at the end of every cycle, against a network
  trained for the same 1000 updates along one cosine.
- ``ensembles-averaging-path.svg``: SGD (lr 0.5) on x^2/20 + y^2 with N(0, 1) gradient noise,
  as in chapter 1, for 1000 steps, with the Polyak average (from step 100) and an EMA (decay
  0.98) of its points.
- ``ensembles-averaging-digits.svg``: the network at a constant lr 0.1 for 2000 updates, its
  weights as they are, their EMA (decay 0.99) and their Polyak average (from update 500).

The runs themselves, and the comparison table of the page (five repetitions of each way to spend
a budget of 1000 updates), are the stored experiments of ``scripts/exp_ensembles.py``; this
module only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MultipleLocator

from optimizers import landscapes
from scripts.exp_ensembles import (
    AVG_EMA_DECAY,
    AVG_POLYAK_START,
    EMA_DECAY,
    ITERATIONS,
    N_MODELS,
    POLYAK_START,
    averaged_training,
    independent,
    long_run,
    noisy_averages,
    snapshot_run,
)
from scripts.figures import figure
from scripts.plotting import contour, words


@figure("ensembles-independent.svg")
def independent_figure():
    """Test accuracy and loss of each network and of the average of the first k."""
    r = independent()
    k = np.arange(1, N_MODELS + 1)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    for a, member, ensemble, label in (
        (ax, r["member_acc"], r["ensemble_acc"], words("test accuracy", "测试准确率")),
        (ax2, r["member_loss"], r["ensemble_loss"], words("test loss", "测试损失")),
    ):
        a.plot(
            k,
            member,
            "o",
            color="0.55",
            markersize=5,
            label=words("network k alone", "单独的第 k 个网络"),
        )
        a.axhline(np.mean(member), color="0.55", linestyle=":", linewidth=1)
        a.plot(
            k,
            ensemble,
            "o-",
            color="C3",
            markersize=5,
            linewidth=1.6,
            label=words("average of networks 1..k", "网络 1..k 的平均"),
        )
        a.set_xlabel("$k$")
        a.set_ylabel(label)
        a.set_xticks(k)
    ax.yaxis.set_major_locator(MultipleLocator(0.005))
    ax.yaxis.set_major_formatter("{x:.3f}")
    ax2.legend(loc="upper right")
    return fig


@figure("ensembles-snapshots.svg")
def snapshots_figure():
    """The warm-restart schedule, the test accuracy along the run, the snapshots, the ensemble."""
    snap, single = snapshot_run(0), long_run(0)
    curve, history = snap["curve"], snap["history"]
    single_curve, single_history = single["curve"], single["history"]
    at = np.array(snap["snapshot_iterations"])
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(9, 5.2), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
    )
    steps = np.arange(len(history.lr))
    ax.plot(steps, history.lr, color="C0", linewidth=1.4, label=words("warm restarts", "热重启"))
    ax.plot(
        steps,
        single_history.lr,
        color="0.5",
        linestyle="--",
        linewidth=1.2,
        label=words("one cosine", "单个余弦周期"),
    )
    ax.plot(
        at - 1,
        [history.lr[a - 1] for a in at],
        "v",
        color="C3",
        markersize=8,
        label=words("snapshot", "快照"),
    )
    ax.set_ylabel(words("learning rate", "学习率"))
    ax.legend(loc="upper right", ncols=3, bbox_to_anchor=(1.0, 1.25))
    ax2.plot(
        single_curve[:, 0],
        single_curve[:, 1],
        color="0.5",
        linestyle="--",
        linewidth=1.2,
        label=words("one cosine", "单个余弦周期"),
    )
    ax2.plot(
        curve[:, 0], curve[:, 1], color="C0", linewidth=1.2, label=words("warm restarts", "热重启")
    )
    alone = words("snapshot alone", "单个快照")
    ax2.plot(at, snap["accuracies"], "v", color="C3", markersize=8, label=alone)
    for k in range(2, len(at) + 1):
        ax2.plot(
            at[k - 1],
            snap["averaged"][k - 1],
            "*",
            color="C3",
            markersize=12,
            markeredgecolor="k",
            markeredgewidth=0.5,
            label=words("average of snapshots 1..k", "快照 1..k 的平均") if k == 2 else None,
        )
    ax2.set_ylim(0.86, 0.985)
    ax2.set_xlabel(words("iteration", "迭代次数"))
    ax2.set_ylabel(words("test accuracy", "测试准确率"))
    ax2.legend(loc="lower right", ncols=2)
    ax2.set_xlim(0, ITERATIONS + 15)
    return fig


# ------------------------------------------------------------------ averages of the weights


@figure("ensembles-averaging-path.svg")
def averaging_path():
    """Noisy SGD wanders around the minimum; the averages of its points sit close to it."""
    f = landscapes.ill_conditioned()
    run = noisy_averages()
    points, polyak, ema = run["points"], run["polyak"], run["ema"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    contour(ax, f, levels=[0.1, 0.5, 1, 2, 4], xlim=(-6, 6), ylim=(-2.5, 2.5))
    ax.plot(points[:, 0], points[:, 1], color="C0", linewidth=0.4, alpha=0.5, label="SGD")
    ax.plot(*points[0], "s", color="C0", markersize=5)
    ax.plot(ema[:, 1], ema[:, 2], color="C2", linewidth=1.4, label=f"EMA ({EMA_DECAY})")
    ax.plot(
        polyak[:, 1],
        polyak[:, 2],
        color="C3",
        linewidth=2.0,
        label=words(f"Polyak (from step {POLYAK_START})", f"Polyak（从第 {POLYAK_START} 步起）"),
    )
    ax.set_aspect("equal")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    steps = np.arange(len(points))
    ax2.semilogy(steps, f.value(points.T), color="C0", linewidth=0.4, alpha=0.6, label="SGD")
    ax2.semilogy(ema[:, 0], f.value(ema[:, 1:].T), color="C2", linewidth=1.4, label="EMA")
    ax2.semilogy(polyak[:, 0], f.value(polyak[:, 1:].T), color="C3", linewidth=2.0, label="Polyak")
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel("$f$")
    ax2.set_ylim(1e-5, 50)
    ax2.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    return fig


@figure("ensembles-averaging-digits.svg")
def averaging_digits():
    """Test accuracy and loss of the weights, their EMA and their Polyak average."""
    r = averaged_training()
    it = r["iteration"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    styles = {
        "raw": ("C0", 0.9, words("weights", "权重本身")),
        "ema": ("C2", 1.5, f"EMA ({AVG_EMA_DECAY})"),
        "polyak": (
            "C3",
            1.8,
            words(f"Polyak (from {AVG_POLYAK_START})", f"Polyak（从 {AVG_POLYAK_START} 起）"),
        ),
    }
    for key, (color, width, label) in styles.items():
        ax.plot(it, r[key][:, 0], color=color, linewidth=width, label=label)
        ax2.plot(it, r[key][:, 1], color=color, linewidth=width, label=label)
    ax.set_ylim(0.9, 0.985)
    ax.set_xlabel(words("iteration", "迭代次数"))
    ax.set_ylabel(words("test accuracy", "测试准确率"))
    ax.legend(loc="lower right")
    ax2.set_ylim(0.05, 0.4)
    ax2.set_xlabel(words("iteration", "迭代次数"))
    ax2.set_ylabel(words("test loss", "测试损失"))
    return fig
