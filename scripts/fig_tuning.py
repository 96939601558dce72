"""Figures of chapter 13 (tuning): watching training and searching hyperparameters.

Experiments (all on the 8x8 digits, fixed seeds, trials run one after another):

- ``tuning-curves.svg``: a two-layer network (2 x 100 ReLU units), Momentum lr 0.05, batch 20,
  trained on the first 100 training digits for 100 epochs (it overfits) and on all 1079 for
  30 epochs; training loss, validation loss, training and validation accuracy.
- ``tuning-grid-random.svg``: nine trials of a grid and nine of a random search over the
  learning rate (log scale, 1e-3 to 10) and the weight decay (log scale, 1e-6 to 1e-3) of a
  one-layer network (50 ReLU units), plain SGD, batch 32, 300 updates, scored by validation
  accuracy; the margins show the score along each axis, measured on a finer sweep.
- ``tuning-coarse-to-fine.svg``: three rounds of 15 random trials of the same objective, the
  learning rate in 1e-4 to 10 and the weight decay in 1e-6 to 1e-1, each round narrowed around
  the five best trials so far (``search.coarse_to_fine``).

``tests/test_ch_tuning.py`` checks the numbers the page states about these runs.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from functools import cache, lru_cache

import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, Momentum, search
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import DivergenceWarning, smooth_curve, train
from scripts.figures import figure


@lru_cache(maxsize=1)
def digits():
    return load_digits()


def subset(n_train: int):
    """The digits with only the first ``n_train`` training examples (validation and test
    unchanged; the training set is already shuffled, so these are a random sample)."""
    data = digits()
    return dataclasses.replace(data, x_train=data.x_train[:n_train], t_train=data.t_train[:n_train])


# ------------------------------------------------------------------ watching training

WATCH_BATCH = 20
WATCH_LR = 0.05
WATCH_RUNS = {100: 100, 1079: 30}  # training examples -> epochs


@cache
def watch_run(n_train: int) -> dict:
    """Train the two-layer network on ``n_train`` digits; record the validation loss per epoch."""
    data = subset(n_train)
    epochs = WATCH_RUNS[n_train]
    net = MultiLayerNet(64, [100, 100], 10, seed=0)
    per_epoch = math.ceil(n_train / WATCH_BATCH)
    val_loss = [net.loss(data.x_val, data.t_val)]

    def record(iteration, net):
        if iteration % per_epoch == 0:
            val_loss.append(net.loss(data.x_val, data.t_val))

    history = train(
        net,
        Momentum(lr=WATCH_LR),
        data,
        epochs=epochs,
        batch_size=WATCH_BATCH,
        callback=record,
        progress=False,
    )
    return {"history": history, "val_loss": np.array(val_loss), "per_epoch": per_epoch}


def watch_numbers(n_train: int) -> dict:
    """The numbers the page quotes about one run."""
    run = watch_run(n_train)
    h = run["history"]
    val_acc, train_acc = np.array(h.val_acc), np.array(h.train_acc)
    return {
        "train_acc": train_acc[-1],
        "val_acc": val_acc[-1],
        "gap": train_acc[-1] - val_acc[-1],
        "best_val_acc": val_acc.max(),
        "best_val_epoch": int(np.argmax(val_acc)),
        "first_perfect_epoch": int(np.argmax(train_acc == 1.0)) if train_acc.max() == 1 else None,
        "min_val_loss": run["val_loss"].min(),
        "min_val_loss_epoch": int(np.argmin(run["val_loss"])),
        "final_val_loss": run["val_loss"][-1],
    }


@figure("tuning-curves.svg")
def curves():
    """Loss and accuracy curves; 100 training digits overfit, 1079 hardly do."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    small, full = watch_run(100), watch_run(1079)

    ax = axes[0]
    h = small["history"]
    epochs = np.arange(1, len(h.loss) + 1) / small["per_epoch"]
    ax.plot(epochs, h.loss, color="C0", linewidth=0.4, alpha=0.3)
    ax.plot(epochs, smooth_curve(h.loss, 25), color="C0", linewidth=1.6, label="training loss")
    ax.plot(np.arange(len(small["val_loss"])), small["val_loss"], color="C3", linewidth=1.6)
    ax.lines[-1].set_label("validation loss")
    best = int(np.argmin(small["val_loss"]))
    ax.plot(best, small["val_loss"][best], "v", color="C3", markersize=7)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("100 training examples", fontsize=10)
    ax.legend(loc="lower left")

    for ax, run, title in (
        (axes[1], small, "100 training examples"),
        (axes[2], full, "1079 training examples"),
    ):
        h = run["history"]
        e = np.array(h.eval_epochs)
        train_acc, val_acc = np.array(h.train_acc), np.array(h.val_acc)
        ax.plot(e, train_acc, color="C0", linewidth=1.6, label="training")
        ax.plot(e, val_acc, color="C3", linewidth=1.6, label="validation")
        ax.fill_between(e, val_acc, train_acc, where=train_acc >= val_acc, color="0.85", zorder=0)
        k = int(np.argmax(val_acc))
        ax.plot(e[k], val_acc[k], "v", color="C3", markersize=7)
        gap = train_acc[-1] - val_acc[-1]
        ax.annotate(
            f"gap {gap:.3f}",
            (e[-1], val_acc[-1]),
            xytext=(0, -8),
            textcoords="offset points",
            ha="right",
            va="top",
        )
        ax.set_ylim(0.5, 1.02)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_title(title, fontsize=10)
        ax.legend(loc="lower right")
    return fig


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
    """``objective`` with caching, so figures and tests share the runs."""
    return objective(lr, weight_decay)


def cached(lr: float, weight_decay: float) -> float:
    return score(float(lr), float(weight_decay))


# ------------------------------------------------------------------ grid against random

LR_RANGE = (1e-3, 10.0)
WD_RANGE = (1e-6, 1e-3)
SWEEP_WD = 1e-4  # the weight decay of the margin's learning-rate sweep
SWEEP_LR = 0.3  # the learning rate of the margin's weight-decay sweep


def grid_space() -> dict:
    return {"lr": np.geomspace(*LR_RANGE, 3), "weight_decay": np.geomspace(*WD_RANGE, 3)}


def random_space() -> dict:
    return {"lr": search.log_uniform(*LR_RANGE), "weight_decay": search.log_uniform(*WD_RANGE)}


@lru_cache(maxsize=1)
def grid_and_random():
    grid = search.grid_search(cached, grid_space(), executor="serial")
    rand = search.random_search(cached, random_space(), n_trials=9, seed=0, executor="serial")
    return grid, rand


@lru_cache(maxsize=1)
def sweeps():
    """The score along each axis with the other fixed: the curves in the margins."""
    lrs = np.geomspace(*LR_RANGE, 25)
    wds = np.geomspace(*WD_RANGE, 10)
    return (
        lrs,
        np.array([cached(lr, SWEEP_WD) for lr in lrs]),
        wds,
        np.array([cached(SWEEP_LR, wd) for wd in wds]),
    )


def _score_colors(scores):
    return plt.get_cmap("viridis")(np.nan_to_num(np.asarray(scores), nan=0.0))


def mark_best(ax, trials) -> None:
    """A star at the learning rate and weight decay of the best trial."""
    best = search.best_trial(trials)
    ax.plot(
        best.params["lr"],
        best.params["weight_decay"],
        "*",
        color="C3",
        markersize=16,
        markeredgecolor="k",
        zorder=4,
    )


@figure("tuning-grid-random.svg")
def grid_random():
    """Nine grid trials try three learning rates; nine random trials try nine."""
    grid, rand = grid_and_random()
    lrs, lr_scores, wds, wd_scores = sweeps()
    fig = plt.figure(figsize=(11, 5))
    outer = fig.add_gridspec(1, 2, wspace=0.3)
    for k, (trials, title) in enumerate(((grid, "grid search"), (rand, "random search"))):
        gs = outer[k].subgridspec(
            2, 2, width_ratios=[4, 1], height_ratios=[1.3, 4], hspace=0.08, wspace=0.08
        )
        ax = fig.add_subplot(gs[1, 0])
        top = fig.add_subplot(gs[0, 0], sharex=ax)
        side = fig.add_subplot(gs[1, 1], sharey=ax)
        x = np.array([t.params["lr"] for t in trials])
        y = np.array([t.params["weight_decay"] for t in trials])
        s = np.array([t.score for t in trials])
        ax.scatter(x, y, c=_score_colors(s), s=60, edgecolors="k", linewidths=0.6, zorder=3)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(LR_RANGE[0] / 1.6, LR_RANGE[1] * 1.6)
        ax.set_ylim(WD_RANGE[0] / 1.6, WD_RANGE[1] * 1.6)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("weight decay")
        # top margin: accuracy against the learning rate (the axis that matters)
        top.plot(lrs, lr_scores, color="0.6", linewidth=1.2)
        top.vlines(x, 0, s, color="C3", linewidth=0.8)
        top.plot(x, s, "o", color="C3", markersize=4)
        top.set_ylim(0, 1.05)
        top.set_yticks([0, 0.5, 1])
        top.set_ylabel("accuracy")
        top.tick_params(labelbottom=False)
        top.set_title(title, fontsize=10)
        # side margin: accuracy against the weight decay (hardly matters here)
        side.plot(wd_scores, wds, color="0.6", linewidth=1.2)
        side.hlines(y, 0, s, color="C3", linewidth=0.8)
        side.plot(s, y, "o", color="C3", markersize=4)
        side.set_xlim(0, 1.05)
        side.set_xticks([0, 1])
        side.set_xlabel("accuracy")
        side.tick_params(labelleft=False)
        mark_best(ax, trials)
    return fig


# ------------------------------------------------------------------ coarse to fine

C2F_SPACE = {"lr": (1e-4, 10.0), "weight_decay": (1e-6, 1e-1)}
C2F = {"n_trials": 15, "rounds": 3, "keep": 5, "margin": 0.25, "seed": 0}


def c2f_space() -> dict:
    return {name: search.log_uniform(*bounds) for name, bounds in C2F_SPACE.items()}


@lru_cache(maxsize=1)
def coarse_fine():
    return search.coarse_to_fine(cached, c2f_space(), executor="serial", **C2F)


def round_boxes(trials) -> list[dict]:
    """The log-uniform ranges each round drew from, by the rule of ``search.coarse_to_fine``:
    the range of the ``keep`` best trials so far, widened by ``margin`` of its width on each
    side (in log space) and clipped to the first round's range."""
    boxes = [dict(C2F_SPACE)]
    for r in range(1, C2F["rounds"]):
        so_far = [t for t in trials if t.round < r and math.isfinite(t.score)]
        top = sorted(so_far, key=lambda t: -t.score)[: C2F["keep"]]
        box = {}
        for name, (low0, high0) in C2F_SPACE.items():
            logs = [math.log(t.params[name]) for t in top]
            lo, hi = min(logs), max(logs)
            lo, hi = lo - C2F["margin"] * (hi - lo), hi + C2F["margin"] * (hi - lo)
            box[name] = (max(math.exp(lo), low0), min(math.exp(hi), high0))
        boxes.append(box)
    return boxes


ROUND_MARKERS = ("o", "s", "^")


@figure("tuning-coarse-to-fine.svg")
def coarse_to_fine_figure():
    """Three rounds of random search, each in the box around the best trials so far."""
    trials = coarse_fine()
    boxes = round_boxes(trials)
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [5, 4], "wspace": 0.35}
    )
    for r, box in enumerate(boxes):
        (x0, x1), (y0, y1) = box["lr"], box["weight_decay"]
        ax.add_patch(
            plt.Rectangle(
                (x0, y0),
                x1 - x0,
                y1 - y0,
                fill=False,
                linestyle="--",
                linewidth=0.9,
                edgecolor=f"C{r}",
            )
        )
    for r in range(C2F["rounds"]):
        rt = [t for t in trials if t.round == r]
        x = [t.params["lr"] for t in rt]
        y = [t.params["weight_decay"] for t in rt]
        s = np.array([t.score for t in rt])
        ax.scatter(
            x,
            y,
            c=_score_colors(s),
            marker=ROUND_MARKERS[r],
            s=50,
            edgecolors=f"C{r}",
            linewidths=1.2,
            zorder=3,
        )
        ax2.plot(
            x,
            s,
            ROUND_MARKERS[r],
            color=f"C{r}",
            markersize=6,
            label=f"round {r + 1}",
            markerfacecolor="none",
            markeredgewidth=1.2,
        )
    mark_best(ax, trials)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(C2F_SPACE["lr"][0] / 1.6, C2F_SPACE["lr"][1] * 1.6)
    ax.set_ylim(C2F_SPACE["weight_decay"][0] / 1.6, C2F_SPACE["weight_decay"][1] * 1.6)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("weight decay")
    sm = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, label="validation accuracy", fraction=0.05, pad=0.02)
    ax2.set_xscale("log")
    ax2.set_xlim(C2F_SPACE["lr"][0] / 1.6, C2F_SPACE["lr"][1] * 1.6)
    ax2.set_ylim(0, 1.03)
    ax2.set_xlabel("learning rate")
    ax2.set_ylabel("validation accuracy")
    ax2.legend(loc="upper left")
    return fig
