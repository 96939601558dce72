"""Experiments of chapter 7 (compare), stored by ``scripts.results`` (no drawing here).

- ``valley_paths()``: 30 steps from (-7, 2) on x²/20 + y² for every optimizer at its learning
  rate of the figures and at 0.1 to 10 times it (the small multiples);
- ``lr_sweep(rotated)`` and ``settle_steps(rotated)``: steps until the loss settles below 1e-3
  on the valley or on the valley turned by 45°, on a grid of 61 learning rates (AdaDelta: 101,
  up to 1000) and at the learning rates of the figures;
- ``adadelta_runs()``: AdaDelta's long runs on the valley (does it stay once it has arrived?);
- ``digits_run(name, lr, iterations)``: the 5-layer network on the 8x8 digits (4 x 100 ReLU,
  He init, batch 128, seed 0) trained with one optimizer; 2000 iterations at the usual
  defaults (left panel of ``compare-digits.svg``), 500 iterations at nine learning rates
  (AdaDelta: twelve) (right panel). The digits runs are the book's most expensive experiments;
  BLAS is limited to one thread while they train (a small network gains nothing from more
  threads).

AdaDelta has no learning rate of its own: the class's ``lr`` (default 1.0, Zeiler's method)
only multiplies its step, whose size is set by ``eps`` (about sqrt(eps / (1 - rho)) per
coordinate at the start, 0.0045 at Zeiler's defaults). So AdaDelta runs at lr = 1 wherever the
others run at their chosen learning rates, and its sweeps reach higher: learning rates up to
1000 on the valley (the same 20 per decade), up to 30 on the digits (the same half decades).

The 2-D runs are deterministic: their counts and losses are the same on every machine the
diagnostics tried, so the page states them. The digits numbers come from ``page_numbers()``;
``tests/chapters/test_ch_compare.py`` checks the claims made with them.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, AdaDelta, AdaGrad, Adam, Momentum, Nesterov, RMSProp, landscapes
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import History, train
from scripts.results import experiment, numbers

RULES = {
    "SGD": SGD,
    "Momentum": Momentum,
    "Nesterov": Nesterov,
    "AdaGrad": AdaGrad,
    "RMSProp": RMSProp,
    "AdaDelta": AdaDelta,
    "Adam": Adam,
}
# The sources' learning rates on x^2/20 + y^2 (the four-panel comparison) ...
FOUR = {"SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "Adam": 0.3}
# ... and the three we add: Nesterov with Momentum's lr, RMSProp with Adam's lr, AdaDelta at
# lr = 1 (Zeiler's method: its lr only scales the step).
SEVEN = {
    "SGD": 0.95,
    "Momentum": 0.1,
    "Nesterov": 0.1,
    "AdaGrad": 1.5,
    "RMSProp": 0.3,
    "AdaDelta": 1.0,
    "Adam": 0.3,
}
STEPS = 30
GRID_FACTORS = (0.1, 0.3, 1, 3, 10)  # the small multiples: these times the lr of SEVEN

# Steps to a threshold: the first step from which the loss stays below THRESHOLD for WINDOW
# consecutive steps (a pass through the region on the way past does not count), at most MAX_STEPS.
THRESHOLD = 1e-3
WINDOW = 20
MAX_STEPS = 500
LR_GRID = tuple(round(10 ** (k / 20), 4) for k in range(-40, 21))  # 0.01 ... 10, 20 per decade
# AdaDelta's steps start near sqrt(eps / (1 - rho)) = 0.0045 times its lr: the same grid, on to 1000
ADADELTA_GRID = tuple(round(10 ** (k / 20), 4) for k in range(-40, 61))
LONG_STEPS = 3000  # AdaDelta's long runs on the valley

# The digits: each optimizer at the default learning rate of the book's classes (Nesterov at
# Momentum's, AdaDelta at its lr = 1, Zeiler's method with rho 0.95 and eps 1e-6).
DIGITS_DEFAULTS = {
    "SGD": 0.01,
    "Momentum": 0.01,
    "Nesterov": 0.01,
    "AdaGrad": 0.01,
    "RMSProp": 0.01,
    "AdaDelta": 1.0,
    "Adam": 0.001,
}
DIGITS_ITERATIONS = 2000
SWEEP_ITERATIONS = 500
SWEEP_LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
ADADELTA_SWEEP_LRS = (*SWEEP_LRS, 3.0, 10.0, 30.0)  # its default is the last of SWEEP_LRS
LOW_LOSS = 0.01  # the floor of a valley of the sweep: final loss below this


def valley(rotated: bool) -> landscapes.Quadratic:
    """x²/20 + y², or the same valley turned by 45°."""
    return landscapes.rotated() if rotated else landscapes.ill_conditioned()


# ------------------------------------------------------------------------- paths on the valley


def grid_lr(name: str, factor: float) -> float:
    """The learning rate of the small multiples: ``factor`` times the lr of SEVEN, rounded."""
    return round(SEVEN[name] * factor, 4)


@experiment
def valley_paths() -> dict[tuple[str, float], np.ndarray]:
    """30 steps from (-7, 2) on x²/20 + y², keyed by (optimizer, lr): the rows of points.

    Every optimizer at its lr of FOUR and SEVEN and at GRID_FACTORS times it; a diverging run
    stops at its last finite point (fewer rows).
    """
    f = valley(False)
    lrs = {(name, lr) for name, lr in [*FOUR.items(), *SEVEN.items()]}
    lrs |= {(name, grid_lr(name, k)) for name in SEVEN for k in GRID_FACTORS}
    paths = {}
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # diverging runs stop early
        for name, lr in sorted(lrs):
            paths[name, lr] = landscapes.trajectory(RULES[name](lr=lr), f, None, STEPS)
    return paths


def diverged(points: np.ndarray) -> bool:
    """The small multiples' test: the run stopped early or ended far off the panel."""
    return len(points) <= STEPS or bool(np.abs(points[-1]).max() > 20)


# ------------------------------------------------------------------------- steps to a threshold


def steps_to_settle(optimizer, f, threshold=THRESHOLD, window=WINDOW, max_steps=MAX_STEPS):
    """First step from which f stays below threshold for window steps; None if not by max_steps
    (as the page's code block computes it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging run: its path stops short
        path = landscapes.trajectory(optimizer, f, None, max_steps + window - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        return landscapes.settle_step(f.value(path.T), threshold, window)


def sweep_grid(name: str) -> tuple[float, ...]:
    """The learning rates of ``lr_sweep`` for one optimizer."""
    return ADADELTA_GRID if name == "AdaDelta" else LR_GRID


@experiment
def lr_sweep(rotated: bool) -> dict[str, list[int | None]]:
    """Steps to settle below the threshold for every optimizer and every lr of its sweep_grid."""
    f = valley(rotated)
    return {
        name: [steps_to_settle(rule(lr=lr), f) for lr in sweep_grid(name)]
        for name, rule in RULES.items()
    }


@experiment
def settle_steps(rotated: bool) -> dict[str, int | None]:
    """Steps to settle below the threshold for every optimizer at its lr of SEVEN."""
    f = valley(rotated)
    return {name: steps_to_settle(RULES[name](lr=lr), f) for name, lr in SEVEN.items()}


def best_lr(rotated: bool) -> dict[str, tuple[float, int]]:
    """For every optimizer, the grid lr with the fewest steps (the smallest lr on a tie)."""
    best = {}
    for name, counts in lr_sweep(rotated).items():
        grid = sweep_grid(name)
        found = [(n, lr) for n, lr in zip(counts, grid, strict=True) if n is not None]
        n, lr = min(found)
        best[name] = (lr, n)
    return best


# ------------------------------------------------------------------------- AdaDelta stays?


def effective_lr(optimizer: AdaDelta, key: str) -> float:
    """AdaDelta's step on ``key`` divided by its gradient: lr * sqrt(Edx2 + eps) / sqrt(Eg2 + eps)
    (the learning rate of the SGD step it takes next, up to the one-step update of Eg2)."""
    state = optimizer.state[key]
    eps = optimizer.eps
    return float(optimizer.lr * np.sqrt(state["Edx2"] + eps) / np.sqrt(state["Eg2"] + eps))


@experiment
def adadelta_runs() -> dict[float, dict]:
    """AdaDelta on the valley for LONG_STEPS steps, at lr 1 and at every lr above 1 whose run
    settles in ``lr_sweep``: the losses (row k after k steps) and, for lr 1 and 100, the
    effective learning rate of each coordinate after each step (rows 1 ... LONG_STEPS).
    """
    f = valley(False)
    counts = dict(zip(ADADELTA_GRID, lr_sweep(False)["AdaDelta"], strict=True))
    lrs = [1.0] + [lr for lr, n in counts.items() if n is not None and lr > 1]
    runs = {}
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for lr in lrs:
            losses = f.value(landscapes.trajectory(AdaDelta(lr=lr), f, None, LONG_STEPS).T)
            runs[lr] = {"losses": losses}
        for lr in (1.0, 100.0):  # the same run again, one step at a time, to read the state
            optimizer, point, rates = AdaDelta(lr=lr), f.start, []
            for k in range(LONG_STEPS):
                point = landscapes.trajectory(optimizer, f, point, 1, resume=k > 0)[-1]
                rates.append([effective_lr(optimizer, key) for key in ("x", "y")])
            runs[lr]["rates"] = np.array(rates)
    return runs


def arrives_and_leaves(losses: np.ndarray) -> tuple[int | None, int | None]:
    """(first step below THRESHOLD, first step after it back at or above it); None if never."""
    below = np.flatnonzero(losses < THRESHOLD)
    if not len(below):
        return None, None
    back = np.flatnonzero(losses[below[0] :] >= THRESHOLD)
    return int(below[0]), (int(below[0] + back[0]) if len(back) else None)


def first_above_one(rates: np.ndarray) -> int | None:
    """The first step after which an effective learning rate (rows 1, 2, ...) exceeds 1."""
    above = np.flatnonzero(rates > 1)
    return int(above[0]) + 1 if len(above) else None


# ------------------------------------------------------------------------- the digits


def digits_net(data) -> MultiLayerNet:
    """The 5-layer network of the comparison: 4 hidden layers of 100 ReLU units, He init."""
    return MultiLayerNet(
        data.input_size, [100] * 4, data.n_classes, activation="relu", weight_init_std="he", seed=0
    )


def sweep_lrs(name: str) -> tuple[float, ...]:
    """The learning rates of the right panel for one optimizer."""
    return ADADELTA_SWEEP_LRS if name == "AdaDelta" else SWEEP_LRS


@experiment
def digits_run(name: str, lr: float, iterations: int) -> History:
    """One fresh network trained with ``RULES[name](lr=lr)``: same weights, same batches.

    Accuracies are measured before training and after the last iteration only.
    """
    data = load_digits()
    with threadpool_limits(1):
        return train(
            digits_net(data),
            RULES[name](lr=lr),
            data,
            iterations=iterations,
            batch_size=128,
            seed=0,
            eval_every=iterations,
            progress=False,
        )


def final_loss(losses: list[float], iterations: int, last: int = 50) -> float:
    """Mean loss of the last ``last`` iterations; inf if the run stopped early (diverged)."""
    if len(losses) < iterations:
        return math.inf
    return float(np.mean(losses[-last:]))


def sweep_loss(name: str, lr: float) -> float:
    """Mean loss of iterations 451-500 of the 500-iteration run (the right panel)."""
    return final_loss(digits_run(name, lr, SWEEP_ITERATIONS).loss, SWEEP_ITERATIONS)


def low_range(name: str) -> list[float]:
    """The learning rates of the sweep whose loss is below LOW_LOSS (the valley's floor)."""
    return [lr for lr in sweep_lrs(name) if sweep_loss(name, lr) < LOW_LOSS]


# ------------------------------------------------------------------------- page numbers


@numbers("compare")
def page_numbers() -> dict:
    """The numbers chapter 7 states about AdaDelta's runs on the valley and the digits runs."""
    values = {}
    path = valley_paths()["AdaDelta", SEVEN["AdaDelta"]]
    values["adadelta_dist30"] = float(np.linalg.norm(path[STEPS] - path[0]))
    runs = adadelta_runs()
    values["adadelta_settle_lr1"] = landscapes.settle_step(runs[1.0]["losses"], THRESHOLD, WINDOW)
    values["adadelta_end_lr1"] = float(runs[1.0]["losses"][-1])
    below, back = arrives_and_leaves(runs[100.0]["losses"])
    values["adadelta100_below"], values["adadelta100_back"] = below, back
    values["adadelta100_unstable"] = first_above_one(runs[100.0]["rates"][:, 1])
    values["adadelta100_end"] = float(runs[100.0]["losses"][-1])
    for name, lr in DIGITS_DEFAULTS.items():
        values[f"loss500_{name}"] = sweep_loss(name, lr)
        history = digits_run(name, lr, DIGITS_ITERATIONS)
        values[f"val_pct_{name}"] = 100 * history.val_acc[-1]
        values[f"loss2000_{name}"] = final_loss(history.loss, DIGITS_ITERATIONS)
    for lr in (0.1, 0.3):
        values[f"loss500_SGD_{lr:g}".replace(".", "_")] = sweep_loss("SGD", lr)
    values["loss500_AdaDelta_10"] = sweep_loss("AdaDelta", 10.0)
    accs = [values[f"val_pct_{name}"] for name in DIGITS_DEFAULTS]
    values["val_pct_min"], values["val_pct_max"] = min(accs), max(accs)
    return values
