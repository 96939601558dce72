"""Experiments of chapter 11 (init), stored by ``scripts.results`` (no drawing here).

- ``activations(activation, init)``: the outputs of every layer of a network of five hidden
  layers of 100 units, fed 1000 random Gaussian inputs of dimension 100 (the classic
  experiment), for the initial weights std 1, std 0.01, Xavier and He. One forward pass of a
  seeded network (milliseconds), so a plain helper, not a stored experiment; the page's code
  blocks print the same numbers.
- ``digits_run(activation, init)``: the same network (64 inputs) trained on the digits with
  SGD(lr=0.01), batch 128, 1000 iterations, for every activation and initialization (12 runs).

``page_numbers()`` gives the page's ``{{ }}`` numbers; ``tests/chapters/test_ch_init.py``
checks the claims made with them.
"""

from __future__ import annotations

import math
import warnings
from functools import cache

import numpy as np

from optimizers import SGD
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import History, smooth_curve, train
from scripts.results import experiment, numbers

# The four initializations: a label for the figures and the value MultiLayerNet takes.
INITS = {"std = 1": 1.0, "std = 0.01": 0.01, "Xavier": "xavier", "He": "he"}
ACTIVATIONS = ("sigmoid", "tanh", "relu")
HIDDEN = [100] * 5  # five hidden layers of 100 units
N_INPUTS, DIM = 1000, 100  # the random input: 1000 examples of dimension 100
# Training on the digits: SGD with the book's default lr, batch 128.
LR, ITERATIONS, BATCH, EVAL_EVERY = 0.01, 1000, 128, 100
SMOOTH = 31  # the window of the smoothed loss drawn in init-training.svg
LN10 = math.log(10)


# ------------------------------------------------------------------------------ the histograms


@cache
def gaussian_input() -> np.ndarray:
    """1000 x 100 standard normal inputs, seed 0."""
    return np.random.default_rng(0).standard_normal((N_INPUTS, DIM))


@cache
def activations(activation: str, init: str) -> list[np.ndarray]:
    """Outputs of the five hidden layers for the Gaussian input (init: a key of INITS)."""
    net = MultiLayerNet(DIM, HIDDEN, 10, activation=activation, weight_init_std=INITS[init], seed=0)
    return net.activations(gaussian_input())


# ------------------------------------------------------------------------ training on the digits


@experiment
def digits_run(activation: str, init: str) -> History:
    """The same network (64 inputs) trained on the digits: SGD(lr=0.01), 1000 iterations."""
    data = load_digits()
    net = MultiLayerNet(
        data.input_size, HIDDEN, 10, activation=activation, weight_init_std=INITS[init], seed=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # std 1 with ReLU diverges; the history says so
        return train(
            net,
            SGD(lr=LR),
            data,
            iterations=ITERATIONS,
            batch_size=BATCH,
            eval_every=EVAL_EVERY,
            progress=False,
        )


def last50(history: History) -> float:
    """Mean of the last 50 mini-batch losses."""
    return float(np.mean(history.loss[-50:]))


def first_below(history: History, level: float) -> int | None:
    """First iteration at which the smoothed loss (as drawn, window 31) is below ``level``."""
    smooth = smooth_curve(history.loss, SMOOTH)
    below = np.flatnonzero(smooth < level)
    return int(below[0]) if len(below) else None


@numbers("init")
def page_numbers() -> dict:
    """The numbers chapter 11 states about the digits runs of ``init-training.svg``."""
    run = {(a, i): digits_run(a, i) for a in ACTIVATIONS for i in INITS}
    sig1, tanh1, relu1 = (run[a, "std = 1"] for a in ACTIVATIONS)
    values = {
        "sig_std1_first": sig1.loss[0],
        "sig_std1_loss": last50(sig1),
        "sig_std1_val_pct": 100 * sig1.val_acc[-1],
        "tanh_std1_first": tanh1.loss[0],
        "tanh_std1_above_ln10": first_below(tanh1, LN10) or ITERATIONS,
        "tanh_std1_val_pct": 100 * tanh1.val_acc[-1],
        # the first loss of the ReLU network with std 1, to the thousand: "143 000"
        "relu_std1_first": f"{round(relu1.loss[0], -3):,.0f}".replace(",", " "),
        "relu_std1_updates": relu1.iterations,
        "relu_xavier_below2": first_below(run["relu", "Xavier"], 2.0),
        "relu_he_below2": first_below(run["relu", "He"], 2.0),
    }
    for activation in ("tanh", "relu"):
        for init in ("Xavier", "He"):
            h = run[activation, init]
            values[f"{activation}_{init.lower()}_loss"] = last50(h)
            values[f"{activation}_{init.lower()}_val_pct"] = 100 * h.val_acc[-1]
    return values
