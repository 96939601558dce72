"""Figures of chapter 11 (init): how the initial weights shape the activations and training.

- ``init-sigmoid.svg``, ``init-tanh.svg``, ``init-relu.svg``: histograms of the outputs of every
  layer of a network of five hidden layers of 100 units, fed 1000 random Gaussian inputs of
  dimension 100 (the classic experiment), for the initial weights std 1, std 0.01, Xavier and He;
- ``init-activation-std.svg``: the standard deviation of those outputs, layer by layer;
- ``init-training.svg``: the same network (64 inputs) trained on the digits with SGD for every
  activation and initialization (12 runs of 1000 iterations).

The activations and the training runs are those of ``scripts/exp_init.py`` (the runs stored
there); this module only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from optimizers.train import smooth_curve
from scripts.exp_init import ACTIVATIONS, HIDDEN, INITS, ITERATIONS, SMOOTH, activations, digits_run
from scripts.figures import figure
from scripts.plotting import words  # (importing it also sets the palette and background)

INIT_COLORS = {"std = 1": "C3", "std = 0.01": "C7", "Xavier": "C0", "He": "C2"}
# grey and green (and red) merge for red-green colour-blind readers: styles tell the lines apart
INIT_MARKERS = {"std = 1": "^", "std = 0.01": "v", "Xavier": "s", "He": "o"}
INIT_STYLES = {"std = 1": "-", "std = 0.01": "--", "Xavier": "-.", "He": "-"}
TITLES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}


def init_label(init: str) -> str:
    """An initialization's name in the figure's language ("std = 0.01" -> "标准差 = 0.01")."""
    return init.replace("std", words("std", "标准差"))


def histograms(activation: str):
    """4 x 5 grid: one row per initialization, one column per layer."""
    fig, axes = plt.subplots(4, 5, figsize=(10, 6.2))
    for row, init in enumerate(INITS):
        outs = activations(activation, init)
        if activation == "relu":  # about half the outputs are exactly 0: show the others
            outs = [a[a > 0] for a in outs]
            top = max(float(np.quantile(a, 0.99)) for a in outs)
            span = (0.0, top)
        elif activation == "sigmoid":
            span = (0.0, 1.0)
        else:
            span = (-1.0, 1.0)
        for col, a in enumerate(outs):
            ax = axes[row, col]
            ax.hist(a.ravel(), bins=30, range=span, color=INIT_COLORS[init], histtype="stepfilled")
            ax.set_xlim(*span)
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            if activation == "relu":
                ax.xaxis.set_major_locator(MaxNLocator(3))
            else:
                ax.set_xticks([span[0], (span[0] + span[1]) / 2, span[1]])
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
            ax.xaxis.get_offset_text().set_fontsize(7)
            ax.tick_params(axis="x", labelsize=7)
            if row == 0:
                ax.set_title(words(f"layer {col + 1}", f"第 {col + 1} 层"))
        axes[row, 0].set_ylabel(init_label(init))
    fig.suptitle(TITLES[activation], y=1.0)
    fig.tight_layout(h_pad=0.9, w_pad=0.6)
    return fig


@figure("init-sigmoid.svg")
def sigmoid_histograms():
    """Sigmoid: std 1 saturates at 0 and 1, std 0.01 collapses at 0.5, Xavier spreads."""
    return histograms("sigmoid")


@figure("init-tanh.svg")
def tanh_histograms():
    """tanh: std 1 saturates at -1 and 1, std 0.01 shrinks to 0 layer by layer."""
    return histograms("tanh")


@figure("init-relu.svg")
def relu_histograms():
    """ReLU: std 1 explodes, std 0.01 vanishes, Xavier shrinks, He keeps its scale."""
    return histograms("relu")


@figure("init-activation-std.svg")
def activation_std():
    """Standard deviation of each layer's outputs (log scale), per activation and init."""
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.4))
    layers = np.arange(1, len(HIDDEN) + 1)
    for ax, activation in zip(axes, ACTIVATIONS, strict=True):
        for init in INITS:
            stds = [float(a.std()) for a in activations(activation, init)]
            ax.semilogy(
                layers,
                stds,
                INIT_MARKERS[init] + INIT_STYLES[init],
                color=INIT_COLORS[init],
                label=init_label(init),
                markersize=4,
            )
        ax.set_title(TITLES[activation])
        ax.set_xticks(layers)
        ax.set_xlabel(words("layer", "层"))
    axes[0].set_ylabel(words("std of the outputs", "输出的标准差"))
    axes[2].legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


@figure("init-training.svg")
def training():
    """Smoothed training loss on the digits for every activation and initialization."""
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.4), sharey=True)
    for ax, activation in zip(axes, ACTIVATIONS, strict=True):
        for init in INITS:
            history = digits_run(activation, init)
            loss = np.asarray(history.loss)
            steps = np.arange(1, len(loss) + 1)
            color = INIT_COLORS[init]
            if history.diverged:  # a few huge losses, then NaN: mark where it stopped
                ax.plot(
                    steps,
                    np.minimum(loss, 1e3),
                    INIT_STYLES[init],
                    color=color,
                    label=init_label(init),
                    linewidth=1.4,
                )
                ax.plot(len(loss) + 1, 40, "x", color=color, markersize=9, mew=2, clip_on=False)
                continue
            ax.plot(
                steps,
                smooth_curve(loss, SMOOTH),
                INIT_STYLES[init],
                color=color,
                label=init_label(init),
                linewidth=1.4,
            )
        ax.set_yscale("log")
        ax.set_ylim(0.03, 40)
        ax.axhline(np.log(10), color="k", linewidth=0.6, linestyle=":")
        ax.set_title(TITLES[activation])
        ax.set_xlabel(words("iteration", "迭代次数"))
        ax.set_xlim(0, ITERATIONS)
    axes[0].set_ylabel(words("training loss", "训练损失"))
    axes[2].legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig
