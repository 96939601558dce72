"""Experiments of chapter 2 (minibatch), stored by ``scripts.results`` (no drawing here).

- ``cost_curves()``: the mini-batch loss per iteration of the chapter's 2-layer network on the
  8x8 digits (64 -> 100 ReLU -> 10, learning rate 0.1, 300 iterations) for the full batch,
  batches of 32 and single examples;
- ``regression_path(b)``: 100 SGD updates with batches of ``b`` on the page's 2-parameter
  linear regression (the loop of the page's code block);
- ``batch_size_runs()``: batch sizes 1, 8, 32, 128, 512 and 1079 (the whole training set) for
  10 epochs with the same learning rate, the loss on the whole training set about 8 times per
  epoch;
- ``measured_timings()``: the time per epoch of every batch size. Timings depend on the
  machine, so they are not an experiment: they are measured once per machine (single BLAS
  thread, best of several epochs) and kept in ``.cache/measurements/`` (or
  ``$BOOK_CACHE/measurements/``); later builds reuse them, which keeps the figure
  byte-identical from build to build. Deleting the file measures again. The page quotes them
  as measured on the machine that built it; no test asserts a time.

``page_numbers()`` gives the page's ``{{ }}`` numbers; ``tests/chapters/test_ch_minibatch.py``
checks the claims made with them.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, landscapes
from optimizers.data import batches_per_epoch, load_digits, minibatches
from optimizers.nn import MultiLayerNet
from optimizers.train import train
from scripts.results import cache_root, experiment, numbers

# ------------------------------------------------------------------------- the digits network

HIDDEN = [100]  # the 2-layer network: 64 inputs -> 100 ReLU units -> 10 classes
LR = 0.1  # one learning rate for every batch size
SIZES = (1, 8, 32, 128, 512, None)  # None: the whole training set (1079 examples)
EPOCHS = 10  # the budget of examples: 10 passes over the training set
CURVE_ITERATIONS = 300
LOW_LOSS = 0.5  # "a low loss": the training loss the time comparison asks for


def network() -> MultiLayerNet:
    """The 2-layer network of the chapter, always with the same initial weights."""
    return MultiLayerNet(64, HIDDEN, 10, seed=0)


def label(batch_size: int | None, m: int) -> str:
    return f"{m} (full)" if batch_size in (None, m) else str(batch_size)


@experiment
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


def rise_fraction(batch_size: int | None) -> float:
    """Fraction of the iterations of ``cost_curves()`` whose loss is higher than the one before."""
    return float(np.mean(np.diff(np.asarray(cost_curves()[batch_size])) > 0))


@experiment
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


def epochs_to(batch_size: int | None, level: float = LOW_LOSS) -> float:
    """Epochs until the training loss first is below ``level`` (at an evaluation); inf if never."""
    run = batch_size_runs()[batch_size]
    for epochs, loss in zip(run["epochs"], run["loss"], strict=True):
        if loss < level:
            return epochs
    return math.inf


# ------------------------------------------------------------------------- timings


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


def timings_path():
    return cache_root() / "measurements" / "minibatch-timings.json"


def measured_timings() -> dict[str, float]:
    """Seconds per epoch for every batch size, measured once per machine and kept on disk.

    The key records what was measured; a different key (other sizes, network or numpy) measures
    again.
    """
    path = timings_path()
    key = {
        "version": 1,
        "sizes": [label(b, 1079) for b in SIZES],
        "hidden": HIDDEN,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if path.exists():
        try:
            stored = json.loads(path.read_text())
            if stored["key"] == key:
                return stored["seconds"]
        except (ValueError, KeyError):
            pass
    seconds = {label(b, 1079): seconds_per_epoch(b) for b in SIZES}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "seconds": seconds}, indent=1))
    os.replace(tmp, path)
    return seconds


# ------------------------------------------------------------------------- the 2-D regression

M = 200  # examples of the regression problem
START = (-1.0, 3.0)  # (w, c) at the start
REG_LR = 0.1
UPDATES = 100


def regression_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The regression data of the page: y = 2x - 1 plus noise, 200 points (seed 0 on the page)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 1.0, size=M)
    y = 2.0 * x - 1.0 + rng.normal(0.0, 1.0, size=M)
    return x, y


def regression_gradient(params, xb, yb):
    """Gradient of the mean of (w x + c - y)**2 / 2 over a batch."""
    r = params["w"] * xb + params["c"] - yb
    return {"w": np.mean(r * xb), "c": np.mean(r)}


@experiment
def regression_path(batch_size: int, updates: int = UPDATES, seed: int = 0) -> np.ndarray:
    """(w, c) after each of ``updates`` SGD steps on batches of ``batch_size`` (row 0: start).

    The same loop as the page: one fresh shuffle per epoch (seeds 0, 1, 2, ...); ``seed`` is
    the seed of the data (the page's is 0).
    """
    x, y = regression_data(seed)
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


def least_squares(seed: int = 0) -> np.ndarray:
    """The least-squares fit (w, c) of the regression data."""
    x, y = regression_data(seed)
    return np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)[0]


def regression_loss() -> landscapes.Quadratic:
    """The full-data loss as a quadratic in (w, c): 1/2 p^T A p - r^T p (+ a constant)."""
    x, y = regression_data()
    X = np.stack([x, np.ones_like(x)], axis=1)
    f = landscapes.quadratic(X.T @ X / len(x), X.T @ y / len(x))
    f.xlim, f.ylim = (-2.0, 4.0), (-3.0, 4.0)
    return f


# ------------------------------------------------------------------------- page numbers


@numbers("minibatch")
def page_numbers() -> dict:
    """The numbers chapter 2 states about these runs and measurements."""
    runs = batch_size_runs()
    values = {}
    for batch_size in SIZES:
        b = 1079 if batch_size is None else batch_size
        values[f"loss1_b{b}"] = loss_after(batch_size, 1)
        values[f"loss10_b{b}"] = loss_after(batch_size, 10)
        values[f"acc_b{b}"] = 100 * runs[batch_size]["val_acc"][-1]
    values["rise_pct_b32"] = 100 * rise_fraction(32)
    # measured on the machine that builds the page
    seconds = measured_timings()
    ms = {b: 1000 * seconds[label(b, 1079)] for b in SIZES}
    values["ms_b1"] = ms[1]
    values["ms_b128"] = ms[128]
    values["ms_b1079"] = ms[None]
    values["time_ratio_1_128"] = ms[1] / ms[128]
    values["time_ratio_large"] = max(ms[b] for b in (128, 512, None)) / min(
        ms[b] for b in (128, 512, None)
    )
    to_low = {b: epochs_to(b) * seconds[label(b, 1079)] for b in SIZES}
    first = min(SIZES, key=lambda b: to_low[b])
    values["first_low_b"] = 1079 if first is None else first
    values["first_low_s"] = to_low[first]
    values["low_s_b1"] = to_low[1]
    return values
