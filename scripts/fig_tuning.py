"""Figures of chapter 13 (tuning): watching training and searching hyperparameters.

Experiments (all on the 8x8 digits, fixed seeds, trials run one after another):

- ``tuning-curves.svg``: a two-layer network (2 x 100 ReLU units), Momentum lr 0.05, batch 20,
  trained on the first 100 training digits for 100 epochs (it overfits) and on all 1079 for
  30 epochs; training loss, validation loss, training and validation accuracy.
- ``tuning-grid-random.svg``: nine trials of a grid and nine of a random search over the
  learning rate (log scale, 1e-3 to 10) and the weight decay (log scale, 1e-6 to 1e-3) of a
  one-layer network (50 ReLU units), plain SGD, batch 32, 300 updates, scored by validation
  accuracy; the margins show the score along each axis, measured on a finer sweep.
- ``tuning-coarse-to-fine.svg``: three rounds of 15 random trials of the same objective, the
  learning rate in 1e-4 to 10 and the weight decay in 1e-6 to 1e-1, each round narrowed around
  the five best trials so far (``search.coarse_to_fine``).

- ``tuning-update-ratio.svg``: the same two-layer network trained with plain SGD, batch 32, for
  500 updates at the learning rates 0.001, 0.1 and 1: the ratio ||Delta W|| / ||W|| of each
  weight matrix at every update (log scale, smoothed; the dotted line is 1e-3) and the
  mini-batch loss.

The runs themselves are the stored experiments of ``scripts/exp_tuning.py``; this module only
draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from optimizers import search
from optimizers.train import smooth_curve
from scripts.exp_tuning import (
    C2F,
    C2F_SPACE,
    LR_RANGE,
    RATIO_LRS,
    WD_RANGE,
    coarse_fine,
    grid_and_random,
    round_boxes,
    sweeps,
    update_ratios,
    watch_run,
)
from scripts.figures import figure
from scripts.plotting import words  # (importing it also sets the palette and background)


@figure("tuning-curves.svg")
def curves():
    """Loss and accuracy curves; 100 training digits overfit, 1079 hardly do."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    small, full = watch_run(100), watch_run(1079)

    ax = axes[0]
    h = small["history"]
    epochs = np.arange(1, len(h.loss) + 1) / small["per_epoch"]
    ax.plot(epochs, h.loss, color="C0", linewidth=0.4, alpha=0.3)
    ax.plot(
        epochs,
        smooth_curve(h.loss, 25),
        color="C0",
        linewidth=1.6,
        label=words("training loss", "训练损失"),
    )
    ax.plot(np.arange(len(small["val_loss"])), small["val_loss"], color="C3", linewidth=1.6)
    ax.lines[-1].set_label(words("validation loss", "验证损失"))
    best = int(np.argmin(small["val_loss"]))
    ax.plot(best, small["val_loss"][best], "v", color="C3", markersize=7)
    ax.set_yscale("log")
    ax.set_xlabel(words("epoch", "轮"))
    ax.set_ylabel(words("loss", "损失"))
    ax.set_title(words("100 training examples", "100 个训练样本"), fontsize=10)
    ax.legend(loc="lower left")

    for ax, run, title in (
        (axes[1], small, words("100 training examples", "100 个训练样本")),
        (axes[2], full, words("1079 training examples", "1079 个训练样本")),
    ):
        h = run["history"]
        e = np.array(h.eval_epochs)
        train_acc, val_acc = np.array(h.train_acc), np.array(h.val_acc)
        ax.plot(e, train_acc, color="C0", linewidth=1.6, label=words("training", "训练集"))
        ax.plot(e, val_acc, color="C3", linewidth=1.6, label=words("validation", "验证集"))
        ax.fill_between(e, val_acc, train_acc, where=train_acc >= val_acc, color="0.85", zorder=0)
        k = int(np.argmax(val_acc))
        ax.plot(e[k], val_acc[k], "v", color="C3", markersize=7)
        gap = train_acc[-1] - val_acc[-1]
        ax.annotate(
            words(f"gap {gap:.3f}", f"差距 {gap:.3f}"),
            (e[-1], val_acc[-1]),
            xytext=(0, -8),
            textcoords="offset points",
            ha="right",
            va="top",
        )
        ax.set_ylim(0.5, 1.02)
        ax.set_xlabel(words("epoch", "轮"))
        ax.set_ylabel(words("accuracy", "准确率"))
        ax.set_title(title, fontsize=10)
        ax.legend(loc="lower right")
    return fig


# ------------------------------------------------------------------ grid against random


def _score_colors(scores):
    return plt.get_cmap("viridis")(np.nan_to_num(np.asarray(scores), nan=0.0))


def mark_best(ax, trials) -> None:
    """A star at the learning rate and weight decay of the best trial."""
    best = search.best_trial(trials)
    ax.plot(
        best.params["lr"],
        best.params["weight_decay"],
        "*",
        color="C3",
        markersize=16,
        markeredgecolor="k",
        zorder=4,
    )


@figure("tuning-grid-random.svg")
def grid_random():
    """Nine grid trials try three learning rates; nine random trials try nine."""
    searches, sweep = grid_and_random(), sweeps()
    grid, rand = searches["grid"], searches["random"]
    lrs, lr_scores = sweep["lrs"], sweep["lr_scores"]
    wds, wd_scores = sweep["wds"], sweep["wd_scores"]
    fig = plt.figure(figsize=(11.6, 5))
    outer = fig.add_gridspec(1, 3, wspace=0.3, width_ratios=[1, 1, 0.03])
    # the colour bar of the points' colour (accuracy), beside the scatter plots (not the margins)
    bar = outer[2].subgridspec(2, 1, height_ratios=[1.3, 4], hspace=0.08)
    fig.colorbar(
        ScalarMappable(norm=Normalize(0, 1), cmap="viridis"),
        cax=fig.add_subplot(bar[1]),
        label=words("accuracy", "准确率"),
    )
    searches_shown = (
        (grid, words("grid search", "网格搜索")),
        (rand, words("random search", "随机搜索")),
    )
    for k, (trials, title) in enumerate(searches_shown):
        gs = outer[k].subgridspec(
            2, 2, width_ratios=[4, 1], height_ratios=[1.3, 4], hspace=0.08, wspace=0.08
        )
        ax = fig.add_subplot(gs[1, 0])
        top = fig.add_subplot(gs[0, 0], sharex=ax)
        side = fig.add_subplot(gs[1, 1], sharey=ax)
        x = np.array([t.params["lr"] for t in trials])
        y = np.array([t.params["weight_decay"] for t in trials])
        s = np.array([t.score for t in trials])
        ax.scatter(x, y, c=_score_colors(s), s=60, edgecolors="k", linewidths=0.6, zorder=3)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(LR_RANGE[0] / 1.6, LR_RANGE[1] * 1.6)
        ax.set_ylim(WD_RANGE[0] / 1.6, WD_RANGE[1] * 1.6)
        ax.set_xlabel(words("learning rate", "学习率"))
        ax.set_ylabel(words("weight decay", "权重衰减"))
        # top margin: accuracy against the learning rate (the axis that matters)
        top.plot(lrs, lr_scores, color="0.6", linewidth=1.2)
        top.vlines(x, 0, s, color="C3", linewidth=0.8)
        top.plot(x, s, "o", color="C3", markersize=4)
        top.set_ylim(0, 1.05)
        top.set_yticks([0, 0.5, 1])
        top.set_ylabel(words("accuracy", "准确率"))
        top.tick_params(labelbottom=False)
        top.set_title(title, fontsize=10)
        # side margin: accuracy against the weight decay (hardly matters here)
        side.plot(wd_scores, wds, color="0.6", linewidth=1.2)
        side.hlines(y, 0, s, color="C3", linewidth=0.8)
        side.plot(s, y, "o", color="C3", markersize=4)
        side.set_xlim(0, 1.05)
        side.set_xticks([0, 1])
        side.set_xlabel(words("accuracy", "准确率"))
        side.tick_params(labelleft=False)
        mark_best(ax, trials)
    return fig


# ------------------------------------------------------------------ coarse to fine

ROUND_MARKERS = ("o", "s", "^")


def _draw_boxes(ax, boxes) -> None:
    """The search box of each round: the lr x weight-decay range it drew from, dashed."""
    for r, box in enumerate(boxes):
        (x0, x1), (y0, y1) = box["lr"], box["weight_decay"]
        style = {"fill": False, "linestyle": "--", "linewidth": 0.9, "edgecolor": f"C{r}"}
        ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, **style))


@figure("tuning-coarse-to-fine.svg")
def coarse_to_fine_figure():
    """Three rounds of random search, each in the box around the best trials so far."""
    trials = coarse_fine()
    boxes = round_boxes(trials)
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [5, 4], "wspace": 0.35}
    )
    _draw_boxes(ax, boxes)
    for r in range(C2F["rounds"]):
        rt = [t for t in trials if t.round == r]
        x = [t.params["lr"] for t in rt]
        y = [t.params["weight_decay"] for t in rt]
        s = np.array([t.score for t in rt])
        ax.scatter(
            x,
            y,
            c=_score_colors(s),
            marker=ROUND_MARKERS[r],
            s=50,
            edgecolors=f"C{r}",
            linewidths=1.2,
            zorder=3,
        )
        ax2.plot(
            x,
            s,
            ROUND_MARKERS[r],
            color=f"C{r}",
            markersize=6,
            label=words(f"round {r + 1}", f"第 {r + 1} 轮搜索"),
            markerfacecolor="none",
            markeredgewidth=1.2,
        )
    mark_best(ax, trials)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(C2F_SPACE["lr"][0] / 1.6, C2F_SPACE["lr"][1] * 1.6)
    ax.set_ylim(C2F_SPACE["weight_decay"][0] / 1.6, C2F_SPACE["weight_decay"][1] * 1.6)
    ax.set_xlabel(words("learning rate", "学习率"))
    ax.set_ylabel(words("weight decay", "权重衰减"))
    sm = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(0, 1))
    fig.colorbar(
        sm, ax=ax, label=words("validation accuracy", "验证准确率"), fraction=0.05, pad=0.02
    )
    ax2.set_xscale("log")
    ax2.set_xlim(C2F_SPACE["lr"][0] / 1.6, C2F_SPACE["lr"][1] * 1.6)
    ax2.set_ylim(0, 1.03)
    ax2.set_xlabel(words("learning rate", "学习率"))
    ax2.set_ylabel(words("validation accuracy", "验证准确率"))
    ax2.legend(loc="upper left")
    return fig


# ------------------------------------------------------------------ checks before tuning

RATIO_STYLES = (("C0", "-"), ("C2", "--"), ("C3", ":"))  # one colour and one dash per rate


@figure("tuning-update-ratio.svg")
def update_ratio():
    """The update/weight ratio of each layer, and the loss, for three learning rates."""
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), gridspec_kw={"wspace": 0.32})
    for lr, (color, dash) in zip(RATIO_LRS, RATIO_STYLES, strict=True):
        run = update_ratios(lr)
        ratios, loss = run["ratios"], run["history"].loss
        t = np.arange(1, len(ratios) + 1)
        for layer, ax in enumerate(axes[:3]):
            ax.plot(t, ratios[:, layer], color=color, linewidth=0.4, alpha=0.25)
            ax.plot(
                t,
                smooth_curve(ratios[:, layer], 25),
                color=color,
                linestyle=dash,
                linewidth=1.6,
            )
        axes[3].plot(
            np.arange(1, len(loss) + 1),
            smooth_curve(loss, 25),
            color=color,
            linestyle=dash,
            linewidth=1.6,
            label=f"$\\eta = {lr:g}$",
        )
    for layer, ax in enumerate(axes[:3], start=1):
        ax.axhline(1e-3, color="0.5", linestyle=(0, (1, 2)), linewidth=1.0, zorder=0)
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 1)
        ax.set_title(f"$W_{layer}$", fontsize=10)
        ax.set_xlabel("$t$")
    axes[0].set_ylabel(r"$\|\Delta W\| \,/\, \|W\|$")
    axes[3].set_yscale("log")
    axes[3].set_title("$L$", fontsize=10)
    axes[3].set_xlabel("$t$")
    axes[3].legend(loc="center right")
    return fig
