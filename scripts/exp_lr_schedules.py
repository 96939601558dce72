"""Experiments of chapter 8 (lr-schedules), stored by ``scripts.results`` (no drawing here).

All on the 8x8 digits with fixed seeds (``train`` runs its matrix products on one BLAS thread):

- ``lr_run(lr)``: the book's five-layer ReLU network (4 x 100 hidden units), batch 128, plain
  SGD for ``CURVE_ITERATIONS`` updates: 0.001 (too low), 0.1 (good), 1 (too high: the network
  dies) and 5 (the loss overflows);
- ``noisy_paths()``: SGD on x²/20 + y² with N(0, 1) gradient noise, constant learning rate
  against inverse-time decay;
- ``momentum_run(lr, decayed)``: a two-layer network (2 x 100 hidden units, weight decay 0.01),
  momentum 0.9, batch 32, 1200 updates, constant or step decay (x 0.3 every 400 updates); the
  figure and the page's code block use lr 0.2, the sweep eight base learning rates.

``numbers()`` gives the page's ``{{ }}`` numbers; ``tests/chapters/test_ch_lr_schedules.py``
checks the claims made with them.
"""

from __future__ import annotations

import warnings

import numpy as np

from optimizers import SGD, Momentum, landscapes, schedules
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import DivergenceWarning, train
from scripts.results import experiment, numbers

# ----------------------------------------------------------------- too high, too low, good

CURVE_LRS = (0.001, 0.1, 1.0)  # too low, good, too high (the network dies)
DIVERGING_LR = 5.0  # the loss overflows
CURVE_ITERATIONS = 1000


def deep_net() -> MultiLayerNet:
    """The book's five-layer network on the digits: 64 -> 4 x 100 ReLU -> 10, He init."""
    return MultiLayerNet(64, [100] * 4, 10, seed=0)


def _train_quietly(net, optimizer, iterations, batch_size, schedule=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        history = train(
            net,
            optimizer,
            load_digits(),
            iterations=iterations,
            batch_size=batch_size,
            schedule=schedule,
            seed=0,
            eval_every=iterations,
            progress=False,
        )
    return history


@experiment
def lr_run(lr: float, iterations: int = CURVE_ITERATIONS):
    """Plain SGD with learning rate ``lr`` on the five-layer network, batch 128.

    Returns the history and the last hidden layer's output on every training image.
    """
    net = deep_net()
    history = _train_quietly(net, SGD(lr=lr), iterations, 128)
    last_hidden = net.activations(load_digits().x_train)[-1]
    return {"history": history, "dead_units": int(np.sum(np.all(last_hidden == 0, axis=0)))}


# ----------------------------------------------------------------- noisy path

NOISE_SIGMA = 1.0
NOISE_STEPS = 400


def scheduled_path(function, optimizer, schedule, steps):
    """Like ``landscapes.trajectory``, but ``optimizer.lr = schedule(t)`` before update t."""
    scheduler = schedules.Scheduler(optimizer, schedule)
    params = {"x": np.array(function.start[0]), "y": np.array(function.start[1])}
    points = [np.array(function.start)]
    for _ in range(steps):
        scheduler.step()
        point = points[-1]
        g = function.gradient(point)
        optimizer.update(params, {"x": g[0], "y": g[1]})
        points.append(np.array([params["x"], params["y"]], dtype=float))
    return np.array(points)


@experiment
def noisy_paths():
    """SGD on x²/20 + y² with N(0, 1) gradient noise: lr 0.5 constant and 0.5 / (1 + t/20).

    Returns the two paths (rows of points).
    """
    f = landscapes.ill_conditioned()
    runs = {}
    for name, schedule in (
        ("constant", lambda t: 0.5),
        ("decayed", schedules.inverse_time(0.5, decay_rate=0.05)),
    ):
        noisy = landscapes.with_gradient_noise(f, NOISE_SIGMA, seed=1)
        runs[name] = scheduled_path(noisy, SGD(lr=0.5), schedule, NOISE_STEPS)
    return runs


# ----------------------------------------------------------------- step decay in training

DECAY_LR = 0.2
DECAY_EVERY = 400
DECAY_GAMMA = 0.3
DECAY_ITERATIONS = 1200
WEIGHT_DECAY = 0.01
BASE_LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5)


def small_net() -> MultiLayerNet:
    """64 -> 100 -> 100 -> 10 ReLU network with weight decay 0.01 (the loss includes it)."""
    return MultiLayerNet(64, [100, 100], 10, weight_decay_lambda=WEIGHT_DECAY, seed=0)


def step_decay(lr: float):
    """The chapter's staircase: multiply lr by 0.3 every 400 updates."""
    return schedules.step(lr, step_size=DECAY_EVERY, gamma=DECAY_GAMMA)


@experiment
def momentum_run(lr: float, decayed: bool):
    """Momentum (0.9) on the small network, batch 32, 1200 updates, with or without decay.

    The same run as the page's code block (same network, seed, batches and schedule).
    """
    schedule = step_decay(lr) if decayed else None
    return _train_quietly(
        small_net(), Momentum(lr=lr, momentum=0.9), DECAY_ITERATIONS, 32, schedule
    )


def phase_means(history, window: int = 100) -> list[float]:
    """Mean loss over the last ``window`` updates before each decay and before the end."""
    loss = np.asarray(history.loss)
    ends = list(range(DECAY_EVERY, DECAY_ITERATIONS + 1, DECAY_EVERY))
    return [float(loss[end - window : end].mean()) for end in ends]


def tail_mean(values, n: int = 50) -> float:
    return float(np.mean(np.asarray(values)[-n:]))


@numbers("lr-schedules")
def page_numbers() -> dict:
    """The numbers chapter 8 states about these runs."""
    low, good = lr_run(0.001)["history"], lr_run(0.1)["history"]
    values = {
        "low_loss": tail_mean(low.loss),
        "low_val_pct": 100 * low.val_acc[-1],
        "good_loss": tail_mean(good.loss),
        "good_val_pct": 100 * good.val_acc[-1],
    }
    constant, decayed = momentum_run(DECAY_LR, False), momentum_run(DECAY_LR, True)
    for name, run in (("const", constant), ("decay", decayed)):
        for k, value in enumerate(phase_means(run), 1):
            values[f"{name}_phase{k}"] = value
        values[f"{name}_val"] = run.val_acc[-1]
        values[f"{name}_val_pct"] = 100 * run.val_acc[-1]
    values["decay_loss_500_600"] = float(np.mean(decayed.loss[500:600]))
    sweep = {(lr, d): momentum_run(lr, d).val_acc[-1] for lr in BASE_LRS for d in (False, True)}
    for lr in BASE_LRS:
        key = f"{lr:g}".replace(".", "_")
        values[f"sweep_const_{key}"] = sweep[lr, False]
        values[f"sweep_decay_{key}"] = sweep[lr, True]
    working = (0.003, 0.01, 0.03, 0.1)
    values["sweep_min_pct"] = 100 * min(sweep.values())
    values["sweep_max_pct"] = 100 * max(sweep[lr, False] for lr in BASE_LRS)
    values["sweep_working_change_pts"] = 100 * max(
        abs(sweep[lr, True] - sweep[lr, False]) for lr in working
    )
    best = {d: max(BASE_LRS, key=lambda lr: sweep[lr, d]) for d in (False, True)}
    values["best_const_lr"] = f"{best[False]:g}"
    values["best_decay_lr"] = f"{best[True]:g}"
    return values
