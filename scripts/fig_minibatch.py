"""Figures of chapter 2 (minibatch): batch, mini-batch and stochastic gradient descent.

Three experiments:

- the mini-batch cost per iteration of a 2-layer network on the 8x8 digits for the full batch,
  batches of 32 and single examples (``minibatch-cost-curves.svg``);
- the paths of the three on a 2-parameter linear regression, drawn on the contour lines of its
  full-data loss (``minibatch-paths.svg``);
- batch sizes 1, 8, 32, 128, 512 and 1079 (the whole training set) with the same learning rate:
  the training loss per epoch, the measured time per epoch, and the loss against time
  (``minibatch-batch-size.svg``).

Timings depend on the machine, so the time per epoch is measured once per machine (single
BLAS thread, best of several epochs) and kept in ``.cache/measurements/``: later builds reuse
it, which keeps the figure byte-identical from build to build. Deleting the file measures again.
The losses do not depend on timing; ``tests/test_ch_minibatch.py`` checks the numbers the
page's table states and the claims it makes about the timings.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, landscapes
from optimizers.data import batches_per_epoch, load_digits, minibatches
from optimizers.nn import MultiLayerNet
from optimizers.train import smooth_curve, train
from scripts.figures import ROOT, figure
from scripts.plotting import contour, path

# ------------------------------------------------------------------------- the digits network

HIDDEN = [100]  # the 2-layer network: 64 inputs -> 100 ReLU units -> 10 classes
LR = 0.1  # one learning rate for every batch size
SIZES = (1, 8, 32, 128, 512, None)  # None: the whole training set (1079 examples)
EPOCHS = 10  # the budget of examples: 10 passes over the training set
CURVE_ITERATIONS = 300


def network() -> MultiLayerNet:
    """The 2-layer network of the chapter, always with the same initial weights."""
    return MultiLayerNet(64, HIDDEN, 10, seed=0)


def label(batch_size: int | None, m: int) -> str:
    return f"{m} (full)" if batch_size in (None, m) else str(batch_size)


@lru_cache(maxsize=1)
def cost_curves() -> dict[int | None, list[float]]:
    """Mini-batch loss per iteration (``History.loss``) for the full batch, 32 and 1."""
    data = load_digits()
    curves = {}
    with threadpool_limits(1):
        for batch_size in (None, 32, 1):
            history = train(
                network(),
                SGD(lr=LR),
                data,
                iterations=CURVE_ITERATIONS,
                batch_size=batch_size,
                eval_every=10**9,
                progress=False,
            )
            curves[batch_size] = history.loss
    return curves


@lru_cache(maxsize=1)
def batch_size_runs() -> dict[int | None, dict[str, list[float]]]:
    """Train for EPOCHS epochs with every batch size; record the loss on the whole training set.

    The loss is evaluated about 8 times per epoch (at every update for the larger batches),
    outside the training step, so it does not enter any timing.
    """
    data = load_digits()
    x, t = data.x_train, data.t_train
    runs = {}
    with threadpool_limits(1):
        for batch_size in SIZES:
            net = network()
            per_epoch = batches_per_epoch(len(x), batch_size)
            every = max(1, per_epoch // 8)
            epochs, losses = [0.0], [net.loss(x, t)]

            def record(done, net, per_epoch=per_epoch, every=every, epochs=epochs, losses=losses):
                if done % every == 0 or done % per_epoch == 0:
                    epochs.append(done / per_epoch)
                    losses.append(net.loss(x, t))

            history = train(
                net,
                SGD(lr=LR),
                data,
                epochs=EPOCHS,
                batch_size=batch_size,
                eval_every=per_epoch,
                progress=False,
                callback=record,
            )
            runs[batch_size] = {
                "epochs": epochs,
                "loss": losses,
                "val_acc": history.val_acc,
                "per_epoch": per_epoch,
            }
    return runs


def loss_after(batch_size: int | None, epochs: float) -> float:
    """Training loss after ``epochs`` epochs (an evaluation point) with ``batch_size``."""
    run = batch_size_runs()[batch_size]
    return run["loss"][run["epochs"].index(float(epochs))]


def seconds_per_epoch(batch_size: int | None, repeats: int = 5) -> float:
    """Seconds one epoch of training steps takes (forward, backward, update; no evaluation).

    Best of ``repeats`` epochs (the least disturbed by other processes), single-threaded BLAS.
    """
    data = load_digits()
    net, optimizer = network(), SGD(lr=LR)
    best = math.inf
    with threadpool_limits(1):
        for seed in range(repeats):
            batches = list(minibatches(data.x_train, data.t_train, batch_size, rng=seed))
            start = time.perf_counter()
            for xb, tb in batches:
                _, grads = net.loss_and_gradient(xb, tb)
                optimizer.update(net.params, grads)
            best = min(best, time.perf_counter() - start)
    return best


TIMINGS = ROOT / ".cache" / "measurements" / "minibatch-timings.json"


def measured_timings() -> dict[str, float]:
    """Seconds per epoch for every batch size, measured once per machine and kept in TIMINGS.

    The key records what was measured; a different key (other sizes, network or numpy) measures
    again.
    """
    key = {
        "version": 1,
        "sizes": [label(b, 1079) for b in SIZES],
        "hidden": HIDDEN,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if TIMINGS.exists():
        try:
            stored = json.loads(TIMINGS.read_text())
            if stored["key"] == key:
                return stored["seconds"]
        except (ValueError, KeyError):
            pass
    seconds = {label(b, 1079): seconds_per_epoch(b) for b in SIZES}
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    tmp = TIMINGS.with_name(f".{TIMINGS.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "seconds": seconds}, indent=1))
    os.replace(tmp, TIMINGS)
    return seconds


SIZE_COLORS = dict(zip(SIZES, ("C3", "C1", "C2", "C0", "C4", "k"), strict=True))


@figure("minibatch-cost-curves.svg")
def cost_curves_figure():
    """Loss of the current mini-batch per iteration: smooth for the full batch, noisy below."""
    curves = cost_curves()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
    titles = {None: "batch (b = 1079)", 32: "mini-batch (b = 32)", 1: "stochastic (b = 1)"}
    for ax, (batch_size, loss) in zip(axes, curves.items(), strict=True):
        color = SIZE_COLORS[batch_size]
        steps = np.arange(1, len(loss) + 1)
        if batch_size is None:
            ax.plot(steps, loss, color=color, linewidth=1.5)
        else:
            ax.plot(steps, loss, color=color, linewidth=0.6, alpha=0.45)
            ax.plot(steps, smooth_curve(loss, 31), color=color, linewidth=1.8)
        ax.set_title(titles[batch_size], fontsize=10)
        ax.set_xlabel("iteration")
        ax.set_ylim(0, 3.5)
        ax.set_xlim(0, len(loss))
    axes[0].set_ylabel("loss of the mini-batch")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------- the 2-D regression

M = 200  # examples of the regression problem
START = (-1.0, 3.0)  # (w, c) at the start
REG_LR = 0.1
UPDATES = 100


def regression_data() -> tuple[np.ndarray, np.ndarray]:
    """The regression data of the page: y = 2x - 1 plus noise, 200 points, seed 0."""
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 1.0, size=M)
    y = 2.0 * x - 1.0 + rng.normal(0.0, 1.0, size=M)
    return x, y


def regression_gradient(params, xb, yb):
    """Gradient of the mean of (w x + c - y)**2 / 2 over a batch."""
    r = params["w"] * xb + params["c"] - yb
    return {"w": np.mean(r * xb), "c": np.mean(r)}


def regression_path(batch_size: int, updates: int = UPDATES) -> np.ndarray:
    """(w, c) after each of ``updates`` SGD steps on batches of ``batch_size`` (row 0: start).

    The same loop as the page: one fresh shuffle per epoch (seeds 0, 1, 2, ...).
    """
    x, y = regression_data()
    params = {"w": np.array(START[0]), "c": np.array(START[1])}
    optimizer = SGD(lr=REG_LR)
    points = [START]
    epoch = 0
    while len(points) <= updates:
        for xb, yb in minibatches(x, y, batch_size, rng=epoch):
            optimizer.update(params, regression_gradient(params, xb, yb))
            points.append((float(params["w"]), float(params["c"])))
            if len(points) > updates:
                break
        epoch += 1
    return np.array(points)


def regression_loss() -> landscapes.Quadratic:
    """The full-data loss as a quadratic in (w, c): 1/2 p^T A p - r^T p (+ a constant)."""
    x, y = regression_data()
    X = np.stack([x, np.ones_like(x)], axis=1)
    f = landscapes.quadratic(X.T @ X / len(x), X.T @ y / len(x))
    f.xlim, f.ylim = (-2.0, 4.0), (-3.0, 4.0)
    return f


@figure("minibatch-paths.svg")
def paths_figure():
    """100 updates of batch, mini-batch (16) and stochastic gradient descent on the contours."""
    f = regression_loss()
    lowest = float(f.value(f.minimum))
    levels = lowest + np.array([0.02, 0.1, 0.3, 0.7, 1.5, 3, 5, 8, 12])
    fig, axes = plt.subplots(1, 3, figsize=(11, 4), sharey=True)
    cases = ((M, "batch (b = 200)", "k"), (16, "mini-batch (b = 16)", "C2"))
    cases += ((1, "stochastic (b = 1)", "C3"),)
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
        ax1.plot(run["epochs"], run["loss"], color=color, label=f"b = {name}")
        elapsed = np.array(run["epochs"][1:]) * seconds[name]
        ax3.plot(elapsed, run["loss"][1:], color=color, marker="o", markersize=2)
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss")
    ax1.set_xlim(0, EPOCHS)
    ax1.set_ylim(0, 2.6)
    ax1.legend(fontsize=8)

    names = [label(b, 1079) for b in SIZES]
    per_epoch_ms = [1000 * seconds[n] for n in names]
    ax2.bar(range(len(names)), per_epoch_ms, color=[SIZE_COLORS[b] for b in SIZES])
    ax2.set_yscale("log")
    ax2.set_xticks(range(len(names)), [n.replace(" (full)", "") for n in names])
    ax2.set_xlabel("batch size")
    ax2.set_ylabel("ms per epoch")
    ax2.set_title("measured on the build machine (1 thread)", fontsize=9)

    ax3.set_xscale("log")
    ax3.set_xlabel("seconds of training")
    ax3.set_ylabel("training loss")
    ax3.set_ylim(0, 2.6)
    fig.tight_layout()
    return fig
