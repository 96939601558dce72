"""Figures of chapter 12 (batchnorm): preprocessing the inputs, and batch normalization.

- ``batchnorm-point-clouds.svg``: two classes of 2-D points, raw, zero-centred and normalized;
- ``batchnorm-sensitivity.svg``: a linear classifier of those points, its boundary turned by a
  small angle, and its accuracy against the angle, before and after normalization;
- ``batchnorm-activations.svg``: the outputs of five ReLU layers (std 0.01 weights, random Gaussian
  input) without batch norm and with it, and with it for std 1 weights;
- ``batchnorm-weight-scales.svg``: training accuracy on the digits with and without batch norm
  for 16 initial weight scales from 1 to 1e-4 (32 runs of 200 iterations);
- ``batchnorm-learning-rates.svg``: the loss after 200 iterations against the learning rate, and
  the loss curves at lr 0.01, with and without batch norm (He initialization);
- ``batchnorm-conv-channels.svg``: a batch of 4 images of 3 channels (2 x 3 positions each);
  change one input entry, and the outputs that move are those that share its mean and
  variance: its whole channel with BN per channel, one position of one channel with BN per
  feature of the flattened images.

The classifier, the activations and the training runs are those of ``scripts/exp_batchnorm.py``
(the runs stored there); this module only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from optimizers.train import smooth_curve
from scripts.exp_batchnorm import (
    ANGLE,
    ANGLES,
    CONV_SHAPE,
    LRS,
    MARKED,
    SCALES,
    SWEEP_ITERATIONS,
    accuracy_by_angle,
    classifier,
    clouds,
    final_loss,
    layer_outputs,
    lr_sweep,
    normalize,
    rotate,
    scale_sweep,
    shared_statistics,
)
from scripts.figures import figure
from scripts.plotting import words  # (importing it also sets the palette and background)

CLASS_COLORS = ("C0", "C3")
BN_COLORS = {False: "C7", True: "C2"}
# grey and green look alike to a red-green colour-blind reader: the lines differ in style too
BN_STYLES = {False: "--", True: "-"}


def bn_label(bn: bool) -> str:
    return words("with BN", "有 BN") if bn else words("without BN", "无 BN")


def scatter(ax, x, t, size=8):
    for k in (0, 1):
        ax.scatter(*x[t == k].T, s=size, color=CLASS_COLORS[k], alpha=0.7, linewidths=0)


@figure("batchnorm-point-clouds.svg")
def point_clouds():
    """Raw, zero-centred and normalized points, each with the origin marked."""
    x, t = clouds()
    centred = x - x.mean(axis=0)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), gridspec_kw={"width_ratios": [2.2, 1, 1]})
    for ax, data, title in zip(
        axes,
        (x, centred, normalize(x)),
        (
            words("raw", "原始数据"),
            words("zero-centred", "零中心化"),
            words("normalized", "归一化"),
        ),
        strict=True,
    ):
        ax.axhline(0, color="0.6", linewidth=0.6)
        ax.axvline(0, color="0.6", linewidth=0.6)
        scatter(ax, data, t)
        ax.set_aspect("equal")
        ax.set_title(title)
        ax.set_xlabel("$x_1$")
    axes[0].set_xlim(-1.5, 27)
    axes[0].set_ylim(-1.5, 6.5)
    for ax in axes[1:]:
        ax.set_xlim(-4, 4)
        ax.set_ylim(-4, 4)
    axes[0].set_ylabel("$x_2$")
    fig.tight_layout()
    return fig


def boundary(ax, w, c, xlim, **style):
    """Draw the line w.x + c = 0 across xlim."""
    xs = np.linspace(*xlim, 2)
    ax.plot(xs, -(c + w[0] * xs) / w[1], **style)


@figure("batchnorm-sensitivity.svg")
def sensitivity():
    """The classifier's boundary and the boundary turned by +-2 degrees, raw and normalized;
    the accuracy against the angle."""
    x, t = clouds()
    xn = normalize(x)
    w, c, w_raw, c_raw = classifier()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
    panels = (
        (axes[0], x, w_raw, c_raw, (13.5, 27), (2.0, 6.5)),
        (axes[1], xn, w, c, (-3, 3), None),
    )
    for ax, data, ww, cc, xlim, ylim in panels:
        scatter(ax, data, t, size=6)
        boundary(ax, ww, cc, xlim, color="k", linewidth=1.2)
        for sign in (1, -1):
            boundary(ax, rotate(ww, sign * ANGLE), cc, xlim, color="k", linewidth=0.8, ls="--")
        ax.set_xlim(*xlim)
        ax.set_ylim(*(ylim or (-3, 3)))
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    raw, normalized = words("raw", "原始数据"), words("normalized", "归一化")
    axes[0].set_title(raw)
    axes[1].set_title(normalized)
    accuracies = accuracy_by_angle()
    for key, label, color in (("raw", raw, "C1"), ("normalized", normalized, "C2")):
        axes[2].plot(ANGLES, accuracies[key], color=color, label=label)
    axes[2].set_xlabel(words("angle (degrees)", "旋转角（度）"))
    axes[2].set_ylabel(words("accuracy", "准确率"))
    axes[2].set_ylim(0.4, 1.0)
    axes[2].legend(loc="center left")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------- batch normalization


ACTIVATION_ROWS = {
    "std = 0.01": (0.01, False),
    "std = 0.01, BN": (0.01, True),
    "std = 1, BN": (1.0, True),
}


@figure("batchnorm-activations.svg")
def activations():
    """Histograms of the positive outputs of every layer: no BN (std 0.01), BN (std 0.01, std 1)."""
    fig, axes = plt.subplots(3, 5, figsize=(10, 4.8))
    for row, (label, (scale, bn)) in enumerate(ACTIVATION_ROWS.items()):
        outs = [a[a > 0] for a in layer_outputs(scale, bn)]
        top = max(float(np.quantile(a, 0.99)) for a in outs)
        color = BN_COLORS[bn]
        for col, a in enumerate(outs):
            ax = axes[row, col]
            ax.hist(a, bins=30, range=(0.0, top), color=color, histtype="stepfilled")
            ax.set_xlim(0.0, top)
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
            ax.xaxis.get_offset_text().set_fontsize(7)
            ax.tick_params(axis="x", labelsize=7)
            if row == 0:
                ax.set_title(words(f"layer {col + 1}", f"第 {col + 1} 层"))
        axes[row, 0].set_ylabel(label.replace("std", words("std", "标准差")))
    fig.tight_layout(h_pad=0.9, w_pad=0.6)
    return fig


@figure("batchnorm-weight-scales.svg")
def weight_scales():
    """4 x 4 panels of training accuracy (one per weight scale), then the final accuracies."""
    runs = scale_sweep()
    fig = plt.figure(figsize=(10, 10))
    grid, summary = fig.subfigures(2, 1, height_ratios=[3.3, 1.1])
    axes = grid.subplots(4, 4, sharex=True, sharey=True)
    for ax, scale in zip(axes.flat, SCALES, strict=True):
        for bn in (False, True):
            h = runs[(float(scale), bn)]
            if h.diverged:  # stopped after a few updates: mark where
                ax.plot(h.iterations, 0.05, "x", color=BN_COLORS[bn], markersize=8, mew=2)
                continue
            ax.plot(h.eval_iterations, h.train_acc, BN_STYLES[bn], color=BN_COLORS[bn])
        ax.set_title(words(f"scale = {scale:.2g}", f"尺度 = {scale:.2g}"), fontsize=9)
        ax.set_ylim(0, 1.02)
        ax.set_xlim(-8, SWEEP_ITERATIONS + 8)
    for ax in axes[-1]:
        ax.set_xlabel(words("iteration", "迭代次数"))
    for ax in axes[:, 0]:
        ax.set_ylabel(words("accuracy", "准确率"))
    ax = summary.subplots()
    for bn in (False, True):
        scales = [s for s in SCALES if not runs[(float(s), bn)].diverged]
        acc = [runs[(float(s), bn)].train_acc[-1] for s in scales]
        ax.semilogx(
            scales, acc, "o" + BN_STYLES[bn], color=BN_COLORS[bn], label=bn_label(bn), markersize=4
        )
        for s in SCALES:
            if runs[(float(s), bn)].diverged:
                ax.plot(s, 0.05, "x", color=BN_COLORS[bn], markersize=8, mew=2)
    ax.set_xlabel(words("initial weight scale (std)", "初始权重尺度（标准差）"))
    ax.set_ylabel(words("final accuracy", "最终准确率"))
    ax.set_ylim(0, 1.02)
    ax.invert_xaxis()  # from scale 1 down to 1e-4, the order of the small panels above
    ax.legend(loc="center")
    return fig


@figure("batchnorm-learning-rates.svg")
def learning_rates():
    """Loss after 200 iterations against the learning rate; loss curves at lr 0.01."""
    runs = lr_sweep()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    for bn in (False, True):
        losses = [final_loss(runs[(lr, bn)]) for lr in LRS]
        ok = [(lr, v) for lr, v in zip(LRS, losses, strict=True) if np.isfinite(v)]
        ax.loglog(
            *zip(*ok, strict=True), "o" + BN_STYLES[bn], color=BN_COLORS[bn], label=bn_label(bn)
        )
        for lr, v in zip(LRS, losses, strict=True):
            if not np.isfinite(v):  # diverged: mark it at the top edge
                ax.plot(lr, 8, "x", color=BN_COLORS[bn], markersize=9, mew=2)
        h = runs[(LRS[0], bn)]
        ax2.plot(smooth_curve(h.loss, 21), BN_STYLES[bn], color=BN_COLORS[bn], label=bn_label(bn))
    ax.set_ylim(1e-3, 10)
    ax.set_xlabel(words("learning rate", "学习率"))
    ax.set_ylabel(words("loss (last 20 iterations)", "损失（最后 20 次迭代）"))
    ax.legend(loc="lower left")
    ax2.set_xlabel(words("iteration", "迭代次数"))
    ax2.set_ylabel(words(f"loss (lr = {LRS[0]})", f"损失（lr = {LRS[0]}）"))
    ax2.set_ylim(0, 2.6)
    ax2.legend(loc="upper right")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------ batch norm in convolutional layers


@figure("batchnorm-conv-channels.svg")
def conv_channels():
    """One entry of a (4, 3, 2, 3) batch changed (black frame): the outputs that move (green),
    with BN per channel (left) and BN per feature of the flattened images (right)."""
    n, c, h, w = CONV_SHAPE
    gap = 0.7
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    titles = (r"$\mu_c,\ \sigma_c^2$: $(N, H, W)$", r"$\mu_{c,h,w},\ \sigma_{c,h,w}^2$: $(N)$")
    for ax, per_channel, title in zip(axes, (True, False), titles, strict=True):
        moved = shared_statistics(per_channel)
        for i in range(n):
            for k in range(c):
                x0, y0 = k * (w + gap), -i * (h + gap)
                for r in range(h):
                    for col in range(w):
                        ax.add_patch(
                            Rectangle(
                                (x0 + col, y0 - r - 1),
                                1,
                                1,
                                facecolor=BN_COLORS[True] if moved[i, k, r, col] else "0.9",
                                edgecolor="white",
                                linewidth=1.5,
                            )
                        )
        i, k, r, col = MARKED
        ax.add_patch(
            Rectangle(
                (k * (w + gap) + col, -i * (h + gap) - r - 1),
                1,
                1,
                fill=False,
                edgecolor="k",
                linewidth=2.5,
            )
        )
        ax.set_xlim(-0.2, c * (w + gap) - gap + 0.2)
        ax.set_ylim(-n * (h + gap) + gap - 0.2, 0.2)
        ax.set_aspect("equal")
        ax.set_xticks([k * (w + gap) + w / 2 for k in range(c)])
        ax.set_xticklabels([f"$c = {k + 1}$" for k in range(c)])
        ax.set_yticks([-i * (h + gap) - h / 2 for i in range(n)])
        ax.set_yticklabels([f"$n = {i + 1}$" for i in range(n)])
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_title(title)
    fig.tight_layout(w_pad=3)
    return fig
