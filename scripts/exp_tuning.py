"""Experiments of chapter 13 (tuning), stored by ``scripts.results`` (no drawing here).

All on the 8x8 digits, fixed seeds, trials run one after another on one BLAS thread:

- ``watch_run(n_train)``: a two-layer network (2 x 100 ReLU units), Momentum lr 0.05, batch
  20, trained on the first 100 training digits for 100 epochs (it overfits; the page's first
  code block and exercise 3 run the same training) and on all 1079 for 30 epochs; per epoch the
  validation loss (also split into the part of the wrongly and of the rightly classified
  validation digits) and the test accuracy.
- ``objective(lr, weight_decay)``: the validation accuracy of a one-layer network (50 ReLU
  units) after 300 updates of plain SGD, batch 32 (the page's search code blocks define it too);
- ``grid_and_random()``: nine trials of a grid and nine of a random search over the learning
  rate (log scale, 1e-3 to 10) and the weight decay (log scale, 1e-6 to 1e-3);
- ``sweeps()``: the score along each of these axes with the other fixed (the figure's margins);
- ``coarse_fine()``: three rounds of 15 random trials, the learning rate in 1e-4 to 10 and the
  weight decay in 1e-6 to 1e-1, each round narrowed around the five best trials so far
  (``search.coarse_to_fine``), as in the page's code block.

Checks before tuning (the same two-layer network, 2 x 100 ReLU units, seed 0):

- ``initial_losses()``: the loss before training with small weights (std 0.01), with He
  weights, and with He weights plus weight decay 0.01, next to ln 10 (no training: exact);
- ``tiny_run()``: plain SGD, lr 0.1, on the first 20 training digits, full batch, 200 epochs
  (no regularization): it must reach training accuracy 1;
- ``update_ratios(lr)``: ||Delta W|| / ||W|| of each weight matrix at every update of plain
  SGD, batch 32, 500 updates, for the learning rates 0.001, 0.1 and 1;
- ``short_sweep()`` and ``below_best(lr)``: the validation accuracy after 500 updates for 11
  learning rates from 0.01 to 3 (the best and the cliff just above it), then 200 epochs at the
  best rate 0.5 and at 1/2, 1/10 and 1/100 of it: epochs until the training loss is below 0.1.

``page_numbers()`` gives the page's ``{{ }}`` numbers; ``tests/chapters/test_ch_tuning.py``
checks the claims made with them.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from functools import cache, lru_cache

import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, Momentum, search
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet, softmax
from optimizers.train import DivergenceWarning, train
from scripts.results import experiment, numbers


@lru_cache(maxsize=1)
def digits():
    return load_digits()


def subset(n_train: int):
    """The digits with only the first ``n_train`` training examples (validation and test
    unchanged; the training set is already shuffled, so these are a random sample)."""
    data = digits()
    return dataclasses.replace(data, x_train=data.x_train[:n_train], t_train=data.t_train[:n_train])


# ------------------------------------------------------------------ checks before tuning

CHECK_HIDDEN = [100, 100]
CHECK_WD = 0.01  # the weight decay of the initial-loss check
TINY = {"n_train": 20, "lr": 0.1, "epochs": 200}
RATIO_LRS = (0.001, 0.1, 1.0)
RATIO = {"iterations": 500, "batch_size": 32}
SWEEP_CHECK_LRS = tuple(float(lr) for lr in np.geomspace(0.01, 3, 11))
BELOW_LRS = (0.5, 0.25, 0.05, 0.005)  # the short sweep's best rate (rounded), /2, /10, /100
BELOW_EPOCHS = 200
LOSS_TARGET = 0.1  # "epochs until the training loss is below 0.1"


def check_net(seed: int = 0, **kwargs) -> MultiLayerNet:
    return MultiLayerNet(64, CHECK_HIDDEN, 10, seed=seed, **kwargs)


def squared_weights(net: MultiLayerNet) -> float:
    """The sum of the squared weights (not biases) that weight decay penalizes."""
    return float(sum(np.vdot(w, w) for k, w in net.params.items() if k.startswith("W")))


def initial_losses(seed: int = 0) -> dict:
    """The training loss before any update (the page's first check); exact, no training."""
    x, t = digits().x_train, digits().t_train
    he = check_net(seed)
    return {
        "ln10": math.log(10),
        "small": check_net(seed, weight_init_std=0.01).loss(x, t),
        "he": he.loss(x, t),
        "he_wd": check_net(seed, weight_decay_lambda=CHECK_WD).loss(x, t),
        "he_squares": squared_weights(he),
    }


@experiment
def tiny_run(seed: int = 0) -> dict:
    """Plain SGD on the first 20 training digits, full batch, no regularization."""
    data = subset(TINY["n_train"])
    net = check_net(seed)
    with threadpool_limits(1):
        history = train(
            net,
            SGD(lr=TINY["lr"]),
            data,
            epochs=TINY["epochs"],
            batch_size=TINY["n_train"],
            seed=seed,
            progress=False,
        )
    return {"history": history, "train_loss": net.loss(data.x_train, data.t_train)}


@experiment
def update_ratios(lr: float, seed: int = 0) -> dict:
    """||W_after - W_before|| / ||W_before|| of each weight matrix at every update of plain SGD
    (rows: updates; columns: W1, W2, W3), the history and the trained network."""
    net = check_net(seed)
    before = {k: w.copy() for k, w in net.params.items() if k.startswith("W")}
    ratios = []

    def watch(iteration, net):
        ratios.append(
            [np.linalg.norm(net.params[k] - before[k]) / np.linalg.norm(before[k]) for k in before]
        )
        for k in before:
            before[k][...] = net.params[k]

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        history = train(
            net, SGD(lr=lr), digits(), seed=seed, callback=watch, progress=False, **RATIO
        )
    return {"ratios": np.array(ratios), "history": history, "net": net}


@experiment
def short_sweep(seed: int = 0) -> dict:
    """The validation accuracy after 500 updates (batch 32) for SWEEP_CHECK_LRS."""
    scores = []
    for lr in SWEEP_CHECK_LRS:
        net = check_net(seed)
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            history = train(
                net,
                SGD(lr=lr),
                digits(),
                iterations=RATIO["iterations"],
                batch_size=RATIO["batch_size"],
                seed=seed,
                eval_every=RATIO["iterations"],
                progress=False,
            )
        scores.append(math.nan if history.diverged else history.val_acc[-1])
    return {"lrs": np.array(SWEEP_CHECK_LRS), "val_acc": np.array(scores)}


@experiment
def below_best(lr: float, seed: int = 0) -> dict:
    """BELOW_EPOCHS epochs of plain SGD (batch 32): the training loss on the whole training set
    at the end of every epoch (index 0: before training) and the history."""
    data = digits()
    net = check_net(seed)
    per_epoch = math.ceil(len(data.x_train) / RATIO["batch_size"])
    train_loss = [net.loss(data.x_train, data.t_train)]

    def record(iteration, net):
        if iteration % per_epoch == 0:
            train_loss.append(net.loss(data.x_train, data.t_train))

    with threadpool_limits(1):
        history = train(
            net,
            SGD(lr=lr),
            data,
            epochs=BELOW_EPOCHS,
            batch_size=RATIO["batch_size"],
            seed=seed,
            callback=record,
            progress=False,
        )
    return {"train_loss": np.array(train_loss), "history": history}


def epochs_to_target(lr: float, seed: int = 0) -> int:
    """The first epoch whose training loss is below LOSS_TARGET (-1: never)."""
    below = np.flatnonzero(below_best(lr, seed)["train_loss"] < LOSS_TARGET)
    return int(below[0]) if len(below) else -1


def check_numbers(seed: int = 0) -> dict:
    """What the page says about the checks (for one seed; the tests compare seeds)."""
    v = {f"init_{k}": value for k, value in initial_losses(seed).items()}
    v["init_wd"] = CHECK_WD
    v["init_penalty"] = 0.5 * CHECK_WD * v["init_he_squares"]
    tiny = tiny_run(seed)
    v["tiny_train_acc"] = tiny["history"].train_acc[-1]
    v["tiny_val_acc"] = tiny["history"].val_acc[-1]
    v["tiny_loss"] = tiny["train_loss"]
    v["tiny_first_perfect"] = int(np.argmax(np.array(tiny["history"].train_acc) == 1.0))
    for i, lr in enumerate(RATIO_LRS):
        run = update_ratios(lr, seed)
        median = np.median(run["ratios"], axis=0)
        for layer, value in enumerate(median, start=1):
            v[f"ratio{i}_W{layer}"] = value
        whole = run["ratios"].mean(axis=1)  # the three layers' mean, per update
        for part, values in (("mid", whole), ("start", whole[:50]), ("end", whole[-100:])):
            v[f"ratio{i}_{part}"] = value = np.median(values)
            v[f"ratio{i}_{part}_tex"] = tex_power(value) if value > 0 else "0"
            v[f"ratio{i}_{part}_e"] = e_power(value) if value > 0 else "0"
        v[f"ratio{i}_val_acc"] = run["history"].val_acc[-1]
        v[f"ratio{i}_loss_end"] = float(np.mean(run["history"].loss[-50:]))
    sweep = short_sweep(seed)
    lrs, acc = sweep["lrs"], np.nan_to_num(sweep["val_acc"])
    top = np.flatnonzero(acc == acc.max())  # ties: one validation image is 0.003
    v["sweep_check_best_acc"] = acc.max()
    v["sweep_check_top_lo"], v["sweep_check_top_hi"] = lrs[top[0]], lrs[top[-1]]
    above = top[-1] + 1  # the next rate: chaotic, it fails to a different degree on each machine
    v["sweep_check_next_lr"], v["sweep_check_next_acc"] = lrs[above], acc[above]
    v["sweep_check_chance_lr"] = lrs[above + 1]  # from here on: chance level
    v["sweep_check_chance_max"] = acc[above + 1 :].max()
    for i, lr in enumerate(BELOW_LRS):
        run = below_best(lr, seed)
        v[f"below{i}_epochs"] = epochs_to_target(lr, seed)
        v[f"below{i}_val_acc"] = run["history"].val_acc[-1]
    v["below_cost_10"] = v["below2_epochs"] / v["below0_epochs"]
    v["below_cost_100"] = v["below3_epochs"] / v["below0_epochs"]
    return v


# ------------------------------------------------------------------ watching training

WATCH_BATCH = 20
WATCH_LR = 0.05
WATCH_RUNS = {100: 100, 1079: 30}  # training examples -> epochs


def loss_parts(net, x, t) -> tuple[float, float]:
    """The mean cross-entropy on ``x`` split into the sum over the wrongly classified examples
    and the sum over the rightly classified ones (each divided by the number of examples)."""
    p = softmax(net.predict(x))
    loss = -np.log(p[np.arange(len(t)), t])
    wrong = p.argmax(axis=1) != t
    return float(loss[wrong].sum() / len(t)), float(loss[~wrong].sum() / len(t))


@experiment
def watch_run(n_train: int, seed: int = 0) -> dict:
    """Train the two-layer network on ``n_train`` digits for WATCH_RUNS[n_train] epochs
    (``seed``: of the weights and of the batches; the page uses 0).

    Returns the history (training and validation accuracy per epoch) and, per epoch (index 0:
    before training), the validation loss, its wrong and right parts (``loss_parts``) and the
    test accuracy.
    """
    data = subset(n_train)
    net = MultiLayerNet(64, [100, 100], 10, seed=seed)
    per_epoch = math.ceil(n_train / WATCH_BATCH)
    val_loss, parts, test_acc = [], [], []

    def measure(net):
        val_loss.append(net.loss(data.x_val, data.t_val))
        parts.append(loss_parts(net, data.x_val, data.t_val))
        test_acc.append(net.accuracy(data.x_test, data.t_test))

    def record(iteration, net):
        if iteration % per_epoch == 0:
            measure(net)

    with threadpool_limits(1):
        measure(net)
        history = train(
            net,
            Momentum(lr=WATCH_LR),
            data,
            epochs=WATCH_RUNS[n_train],
            batch_size=WATCH_BATCH,
            seed=seed,
            callback=record,
            progress=False,
        )
    return {
        "history": history,
        "per_epoch": per_epoch,
        "val_loss": np.array(val_loss),
        "val_loss_parts": np.array(parts),
        "test_acc": np.array(test_acc),
    }


def watch_numbers(n_train: int, seed: int = 0) -> dict:
    """What the page says about one run (epochs count from 0, before training)."""
    run = watch_run(n_train, seed)
    h = run["history"]
    val_acc, train_acc = np.array(h.val_acc), np.array(h.train_acc)
    best_loss_epoch = int(np.argmin(run["val_loss"]))
    perfect = np.flatnonzero(train_acc == 1.0)
    return {
        "train_acc": train_acc[-1],
        "val_acc": val_acc[-1],
        "gap": train_acc[-1] - val_acc[-1],
        "best_val_acc": val_acc.max(),
        "best_val_epoch": int(np.argmax(val_acc)),
        "first_perfect_epoch": int(perfect[0]) if len(perfect) else -1,
        "min_val_loss": run["val_loss"].min(),
        "min_val_loss_epoch": best_loss_epoch,
        "final_val_loss": run["val_loss"][-1],
        "best_epoch_test_acc": run["test_acc"][best_loss_epoch],
        "final_test_acc": run["test_acc"][-1],
    }


# ------------------------------------------------------------------ the search objective

SEARCH_ITERATIONS = 300
SEARCH_BATCH = 32


def objective(lr: float, weight_decay: float, iterations: int = SEARCH_ITERATIONS) -> float:
    """Validation accuracy of a one-layer network (50 ReLU units) after ``iterations`` SGD
    updates with learning rate ``lr`` and weight decay ``weight_decay``; NaN if it diverges."""
    net = MultiLayerNet(64, [50], 10, weight_decay_lambda=weight_decay, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        history = train(
            net,
            SGD(lr=lr),
            digits(),
            iterations=iterations,
            batch_size=SEARCH_BATCH,
            eval_every=iterations,
            progress=False,
        )
    return math.nan if history.diverged else history.val_acc[-1]


@cache
def score(lr: float, weight_decay: float) -> float:
    """``objective`` remembered within a process, so a search never runs a setting twice."""
    with threadpool_limits(1):
        return objective(lr, weight_decay)


def cached(lr: float, weight_decay: float) -> float:
    return score(float(lr), float(weight_decay))


# ------------------------------------------------------------------ grid against random

LR_RANGE = (1e-3, 10.0)
WD_RANGE = (1e-6, 1e-3)
SWEEP_WD = 1e-4  # the weight decay of the margin's learning-rate sweep
SWEEP_LR = 0.3  # the learning rate of the margin's weight-decay sweep
GOOD_LRS = (0.1, 1.0)  # "the good region" of the learning rate


def grid_space() -> dict:
    return {"lr": np.geomspace(*LR_RANGE, 3), "weight_decay": np.geomspace(*WD_RANGE, 3)}


def random_space() -> dict:
    return {"lr": search.log_uniform(*LR_RANGE), "weight_decay": search.log_uniform(*WD_RANGE)}


@experiment
def grid_and_random() -> dict:
    """Nine grid trials and nine random trials (seed 0), as in the page's code block."""
    return {
        "grid": search.grid_search(cached, grid_space(), executor="serial"),
        "random": search.random_search(
            cached, random_space(), n_trials=9, seed=0, executor="serial"
        ),
    }


@experiment
def sweeps() -> dict:
    """The score along each axis with the other fixed: the curves in the margins."""
    lrs = np.geomspace(*LR_RANGE, 25)
    wds = np.geomspace(*WD_RANGE, 10)
    return {
        "lrs": lrs,
        "lr_scores": np.array([cached(lr, SWEEP_WD) for lr in lrs]),
        "wds": wds,
        "wd_scores": np.array([cached(SWEEP_LR, wd) for wd in wds]),
    }


# ------------------------------------------------------------------ coarse to fine

C2F_SPACE = {"lr": (1e-4, 10.0), "weight_decay": (1e-6, 1e-1)}
C2F = {"n_trials": 15, "rounds": 3, "keep": 5, "margin": 0.25, "seed": 0}
C2F_GOOD = 0.95  # "trials above 0.95"


def c2f_space() -> dict:
    return {name: search.log_uniform(*bounds) for name, bounds in C2F_SPACE.items()}


@experiment
def coarse_fine() -> list:
    """The trials of the three rounds, as in the page's code block."""
    return search.coarse_to_fine(cached, c2f_space(), executor="serial", **C2F)


def round_boxes(trials) -> list[dict]:
    """The (low, high) range of each hyperparameter that each round drew from (the library
    recovers the spaces that ``coarse_to_fine`` narrowed)."""
    spaces = search.round_spaces(c2f_space(), trials, keep=C2F["keep"], margin=C2F["margin"])
    return [{name: _bounds(entry) for name, entry in s.items()} for s in spaces]


def _bounds(entry) -> tuple[float, float]:
    """A range's ends; a range narrowed to one value is a constant."""
    return (entry.low, entry.high) if hasattr(entry, "high") else (entry, entry)


def tex_power(x: float) -> str:
    """``x`` rounded to one significant digit, as TeX: ``2 \\times 10^{-3}`` (or ``10^{-6}``)."""
    exponent = math.floor(math.log10(x))
    mantissa = round(x / 10**exponent)
    if mantissa == 10:
        mantissa, exponent = 1, exponent + 1
    power = f"10^{{{exponent}}}"
    return power if mantissa == 1 else f"{mantissa} \\times {power}"


def e_power(x: float) -> str:
    """``x`` rounded to one significant digit, as plain text for alt texts: ``2e-3``, ``1e-4``."""
    tex = tex_power(x)
    exponent = tex.split("{")[1].rstrip("}")
    return f"{tex.split(' ')[0]}e{exponent}" if "times" in tex else f"1e{exponent}"


def top_trials(trials, before_round: int, keep: int = C2F["keep"]) -> list:
    """The ``keep`` best trials of the rounds before ``before_round`` (those that set its box)."""
    so_far = [t for t in trials if t.round < before_round and math.isfinite(t.score)]
    return sorted(so_far, key=lambda t: -t.score)[:keep]


@numbers("tuning")
def page_numbers() -> dict:
    """The numbers chapter 13 states about these runs."""
    v = check_numbers()
    small, full = watch_numbers(100), watch_numbers(1079)
    h = watch_run(100)["history"]
    val_acc = np.array(h.val_acc)
    v["first_perfect_epoch"] = small["first_perfect_epoch"]
    v["gap"], v["full_gap"] = small["gap"], full["gap"]
    v["final_val_acc"], v["full_val_acc"] = small["val_acc"], full["val_acc"]
    v["best_val_acc"], v["best_val_epoch"] = small["best_val_acc"], small["best_val_epoch"]
    v["plateau_min"] = val_acc[small["best_val_epoch"] :].min()
    v["plateau_epochs"] = len(val_acc) - 1 - small["best_val_epoch"]
    v["min_val_loss"], v["min_val_loss_epoch"] = small["min_val_loss"], small["min_val_loss_epoch"]
    v["final_val_loss"] = small["final_val_loss"]
    v["es_test_acc"], v["final_test_acc"] = small["best_epoch_test_acc"], small["final_test_acc"]
    v["es_wasted_epochs"] = len(val_acc) - 1 - small["min_val_loss_epoch"]
    # grid and random search, and the margins of their figure
    searches, sweep = grid_and_random(), sweeps()
    v["grid_best"] = search.best_trial(searches["grid"]).score
    v["random_best"] = search.best_trial(searches["random"]).score
    lrs, lr_scores, wd_scores = sweep["lrs"], sweep["lr_scores"], sweep["wd_scores"]
    v["sweep_first"] = lr_scores[0]
    v["sweep_max"] = np.nanmax(lr_scores)
    v["sweep_best_lr"] = lrs[np.nanargmax(lr_scores)]
    v["sweep_high"] = np.nanmax(lr_scores[lrs > 2])
    v["sweep_min"] = np.nanmin(lr_scores)
    v["wd_min"], v["wd_max"] = wd_scores.min(), wd_scores.max()
    # coarse to fine
    trials = coarse_fine()
    boxes = round_boxes(trials)
    for r in (1, 2):
        (lo, hi), (_, wd_hi) = boxes[r]["lr"], boxes[r]["weight_decay"]
        v[f"box{r + 1}_lr_lo"], v[f"box{r + 1}_lr_hi"] = lo, hi
        v[f"box{r + 1}_wd_hi"] = wd_hi
    for r in range(C2F["rounds"]):
        v[f"good_round{r + 1}"] = sum(t.score > C2F_GOOD for t in trials if t.round == r)
    ranked = sorted((t for t in trials if math.isfinite(t.score)), key=lambda t: -t.score)
    v["c2f_best"], v["c2f_second"] = ranked[0].score, ranked[1].score
    v["c2f_best_lr"] = ranked[0].params["lr"]
    v["c2f_tied"] = sum(t.score == ranked[1].score for t in ranked[1:])
    decays = [t.params["weight_decay"] for t in top_trials(trials, C2F["rounds"] - 1)]
    v["top_wd_min_tex"], v["top_wd_max_tex"] = tex_power(min(decays)), tex_power(max(decays))
    return v
