"""Figures of chapter 6 (adam): moments, bias correction, the rotated valley, AMSGrad."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, Adam, AMSGrad, Momentum, landscapes
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import smooth_curve, train
from scripts.figures import figure
from scripts.plotting import COLORS, contour, path, run

VALLEY_LEVELS = [0.25, 1, 2.5, 5, 10, 20]
BETA1, BETA2 = 0.9, 0.999


def uncorrected(lr: float, beta1: float = BETA1, beta2: float = BETA2):
    """A schedule that turns the package's Adam into Adam *without* bias correction.

    ``Adam`` takes ``w <- w - lr_t m / (sqrt(v) + eps)`` with
    ``lr_t = lr sqrt(1 - beta2**t) / (1 - beta1**t)``; setting ``opt.lr`` to
    ``lr (1 - beta1**t) / sqrt(1 - beta2**t)`` before step ``t`` makes ``lr_t = lr``, i.e.
    ``w <- w - lr m / (sqrt(v) + eps)``, the raw update. ``schedule(i)`` takes the 0-based
    iteration ``i`` of ``train`` (step ``t = i + 1``).
    """
    return lambda i: lr * (1 - beta1 ** (i + 1)) / math.sqrt(1 - beta2 ** (i + 1))


def step_ratios(steps: int, beta1: float = BETA1, beta2: float = BETA2) -> dict[str, np.ndarray]:
    """Step size / lr under a constant gradient: raw, m corrected only, both corrected."""
    t = np.arange(1, steps + 1)
    m = 1 - beta1**t  # m_t for g = 1
    v = 1 - beta2**t  # v_t for g = 1
    return {
        "t": t,
        "raw": m / np.sqrt(v),
        "m_only": np.ones_like(m) / np.sqrt(v),
        "both": np.ones_like(m),
    }


@figure("adam-path.svg")
def valley_path():
    """Momentum (lr 0.1) and Adam (lr 0.3): 30 steps from (-7, 2) on x^2/20 + y^2."""
    f = landscapes.ill_conditioned()
    fig, ax = plt.subplots(figsize=(8, 4))
    contour(ax, f, levels=VALLEY_LEVELS)
    path(ax, run(Momentum(lr=0.1), f, 30), label="Momentum, lr = 0.1", color=COLORS["Momentum"])
    path(ax, run(Adam(lr=0.3), f, 30), label="Adam, lr = 0.3", color=COLORS["Adam"])
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    return fig


@figure("adam-bias-correction.svg")
def bias_correction():
    """Left: step / lr under a constant gradient. Right: Adam on the digits, lr 0.01."""
    ratios = step_ratios(1000)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    t = ratios["t"]
    ax.semilogx(t, ratios["m_only"], color="C3", label=r"$\hat m_t / \sqrt{v_t}$ (m corrected)")
    ax.semilogx(t, ratios["raw"], color="C1", label=r"$m_t / \sqrt{v_t}$ (no correction)")
    ax.semilogx(t, ratios["both"], color="C2", label=r"$\hat m_t / \sqrt{\hat v_t}$ (Adam)")
    ax.set_yscale("log")
    ax.set_yticks([1, 3, 10, 30])
    ax.set_yticklabels(["1", "3", "10", "30"])
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"step size / $\eta$")
    ax.legend(loc="upper right")

    data = load_digits()
    iterations, lr = 300, 0.01
    with threadpool_limits(1):
        for label, schedule, color in (
            ("with bias correction", None, "C2"),
            ("without", uncorrected(lr), "C1"),
        ):
            net = MultiLayerNet(data.input_size, [100] * 4, data.n_classes, seed=0)
            history = train(
                net,
                Adam(lr=lr),
                data,
                iterations=iterations,
                schedule=schedule,
                seed=0,
                eval_every=iterations,
                progress=False,
            )
            ax2.plot(smooth_curve(history.loss), color=color, label=f"Adam, lr = {lr}, {label}")
    ax2.set_yscale("log")
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("loss (smoothed)")
    ax2.legend(loc="upper right")
    return fig


@figure("adam-rotated.svg")
def rotated_valley():
    """SGD and Adam on x^2/20 + y^2 and on the same valley turned by 45 degrees."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, f, title in (
        (axes[0], landscapes.ill_conditioned(), "axis-aligned"),
        (axes[1], landscapes.rotated(), "rotated by 45°"),
    ):
        contour(ax, f, levels=VALLEY_LEVELS, xlim=(-8.0, 8.0), ylim=(-8.0, 8.0))
        path(ax, run(SGD(lr=0.95), f, 30), label="SGD, lr = 0.95", color=COLORS["SGD"])
        path(ax, run(Adam(lr=0.3), f, 30), label="Adam, lr = 0.3", color=COLORS["Adam"])
        ax.set_aspect("equal")
        ax.set_title(title)
    axes[0].legend(loc="upper right")
    return fig


def online_problem(optimizer, steps: int) -> np.ndarray:
    """Reddi et al.'s online problem: f_t(x) = 1010 x if t % 101 == 0 else -10 x, x in [-1, 1].

    Returns x after every step (the optimizer's update, then the projection onto [-1, 1]).
    """
    params = {"x": np.array(0.0)}
    xs = np.empty(steps)
    for t in range(steps):
        g = 1010.0 if t % 101 == 0 else -10.0
        optimizer.update(params, {"x": np.array(g)})
        np.clip(params["x"], -1.0, 1.0, out=params["x"])
        xs[t] = params["x"]
    return xs


@figure("adam-amsgrad.svg")
def amsgrad():
    """Adam and AMSGrad (lr 0.1, beta2 0.99) on Reddi et al.'s online problem."""
    steps = 5050
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for rule, color in ((Adam, COLORS["Adam"]), (AMSGrad, "C8")):
        xs = online_problem(rule(lr=0.1, beta2=0.99), steps)
        ax.plot(np.arange(1, steps + 1), xs, color=color, linewidth=0.8, label=rule.__name__)
    ax.axhline(-1, color="k", linestyle="--", linewidth=0.8)
    ax.text(50, -0.95, "best $x = -1$", ha="left", va="bottom")
    ax.set_xlabel("step")
    ax.set_ylabel("$x$")
    ax.set_ylim(-1.1, 1.1)
    ax.legend(loc="center right")
    return fig
