"""Figures of chapter 2 (minibatch): batch, mini-batch and stochastic gradient descent.

- the mini-batch cost per iteration of a 2-layer network on the 8x8 digits for the full batch,
  batches of 32 and single examples (``minibatch-cost-curves.svg``);
- the paths of the three on a 2-parameter linear regression, drawn on the contour lines of its
  full-data loss (``minibatch-paths.svg``);
- batch sizes 1, 8, 32, 128, 512 and 1079 (the whole training set) with the same learning rate:
  the training loss per epoch, the measured time per epoch, and the loss against time
  (``minibatch-batch-size.svg``).

The runs are the stored experiments of ``scripts/exp_minibatch.py``, and the times per epoch
its measurements (once per machine, kept in ``.cache/measurements/``, so that the figure stays
byte-identical from build to build); this module only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers.train import smooth_curve
from scripts.exp_minibatch import (
    EPOCHS,
    SIZES,
    M,
    batch_size_runs,
    cost_curves,
    label,
    measured_timings,
    regression_loss,
    regression_path,
)
from scripts.figures import figure
from scripts.plotting import contour, path, words

SIZE_COLORS = dict(zip(SIZES, ("C3", "C1", "C2", "C0", "C4", "k"), strict=True))


@figure("minibatch-cost-curves.svg")
def cost_curves_figure():
    """Loss of the current mini-batch per iteration: smooth for the full batch, noisy below."""
    curves = cost_curves()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
    titles = {
        None: words("batch (b = 1079)", "批量（b = 1079）"),
        32: words("mini-batch (b = 32)", "小批量（b = 32）"),
        1: words("stochastic (b = 1)", "随机（b = 1）"),
    }
    for ax, (batch_size, loss) in zip(axes, curves.items(), strict=True):
        color = SIZE_COLORS[batch_size]
        steps = np.arange(1, len(loss) + 1)
        if batch_size is None:
            ax.plot(steps, loss, color=color, linewidth=1.5)
        else:
            ax.plot(steps, loss, color=color, linewidth=0.6, alpha=0.45)
            ax.plot(steps, smooth_curve(loss, 31), color=color, linewidth=1.8)
        ax.set_title(titles[batch_size], fontsize=10)
        ax.set_xlabel(words("iteration", "迭代次数"))
        ax.set_ylim(0, 3.5)
        ax.set_xlim(0, len(loss))
    axes[0].set_ylabel(words("loss of the mini-batch", "小批量上的损失"))
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------- the 2-D regression


@figure("minibatch-paths.svg")
def paths_figure():
    """100 updates of batch, mini-batch (16) and stochastic gradient descent on the contours."""
    f = regression_loss()
    lowest = float(f.value(f.minimum))
    levels = lowest + np.array([0.02, 0.1, 0.3, 0.7, 1.5, 3, 5, 8, 12])
    fig, axes = plt.subplots(1, 3, figsize=(11, 4), sharey=True)
    cases = (
        (M, words("batch (b = 200)", "批量（b = 200）"), "k"),
        (16, words("mini-batch (b = 16)", "小批量（b = 16）"), "C2"),
        (1, words("stochastic (b = 1)", "随机（b = 1）"), "C3"),
    )
    for ax, (batch_size, title, color) in zip(axes, cases, strict=True):
        contour(ax, f, levels=levels)
        path(ax, regression_path(batch_size), color=color, markersize=2, linewidth=1.0)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("$w$")
        ax.set_ylabel("$c$" if ax is axes[0] else "")
        ax.set_aspect("equal")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------- batch size


@figure("minibatch-batch-size.svg")
def batch_size_figure():
    """Loss per epoch, measured time per epoch, and loss per second for six batch sizes."""
    runs = batch_size_runs()
    seconds = measured_timings()
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(12, 3.8))
    for batch_size, run in runs.items():
        name = label(batch_size, 1079)
        color = SIZE_COLORS[batch_size]
        shown = name.replace(" (full)", words(" (full)", "（全量）"))
        ax1.plot(run["epochs"], run["loss"], color=color, label=f"b = {shown}")
        elapsed = np.array(run["epochs"][1:]) * seconds[name]
        ax3.plot(elapsed, run["loss"][1:], color=color, marker="o", markersize=2)
    ax1.set_xlabel(words("epoch", "轮"))
    ax1.set_ylabel(words("training loss", "训练损失"))
    ax1.set_xlim(0, EPOCHS)
    ax1.set_ylim(0, 2.6)

    names = [label(b, 1079) for b in SIZES]
    per_epoch_ms = [1000 * seconds[n] for n in names]
    ax2.bar(range(len(names)), per_epoch_ms, color=[SIZE_COLORS[b] for b in SIZES])
    ax2.set_yscale("log")
    ax2.set_xticks(range(len(names)), [n.replace(" (full)", "") for n in names])
    ax2.set_xlabel(words("batch size", "批量大小"))
    ax2.set_ylabel(words("ms per epoch", "每轮毫秒数"))
    ax2.set_title(
        words("measured on the build machine (1 thread)", "在构建机器上测得（单线程）"), fontsize=9
    )

    ax3.set_xscale("log")
    ax3.set_xlabel(words("seconds of training", "训练秒数"))
    ax3.set_ylabel(words("training loss", "训练损失"))
    ax3.set_ylim(0, 2.6)
    fig.tight_layout()
    # one legend for the three panels, above them: inside the left panel it covered b = 128
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(SIZES), fontsize=9)
    return fig
