"""Experiments of chapter 6 (adam), stored by ``scripts.results`` (no drawing here).

- ``adam_digits(lr, corrected, iterations)``: Adam on the 5-layer network of chapter 7 (8x8
  digits, 4 x 100 ReLU, batch 128, seed 0), with or without bias correction (the right panel
  of ``adam-bias-correction.svg``: lr 0.01, 300 iterations);
- ``valley_paths()``: 30 steps from (-7, 2) of momentum and Adam on x²/20 + y², and of SGD and
  Adam on that valley and on the valley turned by 45°;
- ``online_runs()``: Adam and AMSGrad on the online problem of Reddi et al.

Cheap closed forms (``step_ratios``) and the schedule that removes Adam's bias correction
(``uncorrected``) are plain functions. ``page_numbers()`` gives the page's ``{{ }}`` numbers;
``tests/chapters/test_ch_adam.py`` checks the claims made with them.
"""

from __future__ import annotations

import math

import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, Adam, AMSGrad, Momentum, landscapes
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import History, smooth_curve, train
from scripts.results import experiment, numbers

BETA1, BETA2 = 0.9, 0.999
STEPS = 30  # steps on the valleys
DIGITS_LR = 0.01  # the learning rate of the bias-correction panel
DIGITS_ITERATIONS = 300


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


# ------------------------------------------------------------------------- the digits


@experiment
def adam_digits(lr: float, corrected: bool, iterations: int = DIGITS_ITERATIONS) -> History:
    """Adam with learning rate ``lr`` on the digits network, with or without bias correction."""
    data = load_digits()
    net = MultiLayerNet(data.input_size, [100] * 4, data.n_classes, seed=0)
    with threadpool_limits(1):
        return train(
            net,
            Adam(lr=lr),
            data,
            iterations=iterations,
            schedule=None if corrected else uncorrected(lr),
            seed=0,
            eval_every=iterations,
            progress=False,
        )


# ------------------------------------------------------------------------- 2-D and 1-D runs


@experiment
def valley_paths() -> dict[str, np.ndarray]:
    """30 steps from (-7, 2): the rows of points of every path the figures draw.

    Keys: ``momentum`` (lr 0.1) and ``adam`` (lr 0.3) on x²/20 + y²; ``sgd`` (lr 0.95) and
    ``adam`` on the aligned (``aligned_*``) and on the turned valley (``rotated_*``).
    """
    f, turned = landscapes.ill_conditioned(), landscapes.rotated()
    paths = {
        "momentum": landscapes.trajectory(Momentum(lr=0.1), f, None, STEPS),
        "adam": landscapes.trajectory(Adam(lr=0.3), f, None, STEPS),
    }
    for key, function in (("aligned", f), ("rotated", turned)):
        paths[f"{key}_sgd"] = landscapes.trajectory(SGD(lr=0.95), function, None, STEPS)
        paths[f"{key}_adam"] = landscapes.trajectory(Adam(lr=0.3), function, None, STEPS)
    return paths


ONLINE_STEPS = 5050  # 50 periods of 101 steps


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


@experiment
def online_runs(steps: int = ONLINE_STEPS) -> dict[str, np.ndarray]:
    """Adam and AMSGrad (lr 0.1, beta2 0.99) on the online problem: x after every step."""
    return {
        rule.__name__: online_problem(rule(lr=0.1, beta2=0.99), steps) for rule in (Adam, AMSGrad)
    }


# ------------------------------------------------------------------------- page numbers


@numbers("adam")
def page_numbers() -> dict:
    """The numbers chapter 6 states about the digits runs."""
    end_with = float(smooth_curve(adam_digits(DIGITS_LR, True).loss)[-1])
    end_without = float(smooth_curve(adam_digits(DIGITS_LR, False).loss)[-1])
    return {"end_with": end_with, "end_without": end_without, "end_ratio": end_without / end_with}
