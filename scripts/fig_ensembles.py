"""Figures of chapter 14 (ensembles): independent ensembles, snapshot ensembles, weight averages.

Every network of the chapter is the same: 64 -> 3 x 100 ReLU units (dropout 0.3) -> 10, trained
on the 8x8 digits with Momentum (lr 0.1, batch 64); the seed fixes both the initial weights and
the order of the mini-batches. Accuracies and losses are measured on the 359 test digits.

- ``ensembles-independent.svg``: ten networks, each trained for 1000 updates along a cosine
  schedule from lr 0.1 (seeds 0-9), alone and averaged (the first k of them).
- ``ensembles-snapshots.svg``: one network trained for 1000 updates along cosine warm restarts
  (cycles of 200, lr 0.1 -> 0), a snapshot at the end of every cycle, against a network
  trained for the same 1000 updates along one cosine.
- ``ensembles-averaging-path.svg``: SGD (lr 0.5) on x^2/20 + y^2 with N(0, 1) gradient noise,
  as in chapter 1, for 1000 steps, with the Polyak average (from step 100) and an EMA (decay
  0.98) of its points.
- ``ensembles-averaging-digits.svg``: the network at a constant lr 0.1 for 2000 updates, its
  weights as they are, their EMA (decay 0.99) and their Polyak average (from update 500).

``comparison()`` (a table on the page) trains five repetitions of each way to spend a budget of
1000 updates. ``tests/test_ch_ensembles.py`` checks the numbers the page states.
"""

from __future__ import annotations

import copy
from functools import cache, lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MultipleLocator

from optimizers import SGD, Momentum, landscapes, schedules
from optimizers.averaging import EMAParams, PolyakAverage
from optimizers.data import load_digits
from optimizers.ensembles import ensemble_accuracy, ensemble_predict, snapshot_ensemble
from optimizers.nn import MultiLayerNet
from optimizers.train import train
from scripts.figures import figure
from scripts.plotting import contour

LR = 0.1
BATCH = 64
ITERATIONS = 1000  # the budget of one network
CYCLE = 200  # warm restarts: cycles of 200 updates, so 5 snapshots in 1000 updates
CYCLES = ITERATIONS // CYCLE
N_MODELS = 10
EVAL_EVERY = 10  # test accuracy along training, for the curves


@lru_cache(maxsize=1)
def digits():
    return load_digits()


def make_net(seed: int) -> MultiLayerNet:
    """The chapter's network: 3 x 100 ReLU units with dropout 0.3."""
    return MultiLayerNet(64, [100] * 3, 10, use_dropout=True, dropout_ratio=0.3, seed=seed)


def test_loss(nets) -> float:
    """Mean cross-entropy of the averaged probabilities of ``nets`` on the test digits."""
    d = digits()
    probs = ensemble_predict(nets, d.x_test)
    return float(-np.mean(np.log(probs[np.arange(len(d.t_test)), d.t_test])))


def test_accuracy(nets) -> float:
    d = digits()
    return ensemble_accuracy(nets, d.x_test, d.t_test)


def _trained(seed: int, schedule, iterations: int, snapshot_at=()):
    """Train make_net(seed); return the net, its test accuracy every EVAL_EVERY updates and
    copies of it after the updates listed in ``snapshot_at``."""
    d = digits()
    net = make_net(seed)
    curve, copies = [(0, net.accuracy(d.x_test, d.t_test))], []

    def watch(iteration, net):
        if iteration % EVAL_EVERY == 0:
            curve.append((iteration, net.accuracy(d.x_test, d.t_test)))
        if iteration in snapshot_at:
            copies.append(copy.deepcopy(net))

    history = train(
        net,
        Momentum(lr=LR),
        d,
        iterations=iterations,
        batch_size=BATCH,
        schedule=schedule,
        seed=seed,
        eval_every=iterations,
        callback=watch,
        progress=False,
    )
    return net, np.array(curve), copies, history


@cache
def long_run(seed: int):
    """One network, ITERATIONS updates along one cosine from LR to 0."""
    return _trained(seed, schedules.cosine(LR, ITERATIONS), ITERATIONS)


@cache
def short_run(seed: int):
    """One network, CYCLE updates along one cosine (a fifth of the budget)."""
    return _trained(seed, schedules.cosine(LR, CYCLE), CYCLE)


@cache
def snapshot_run(seed: int):
    """The library's snapshot ensemble: warm restarts every CYCLE updates, CYCLES snapshots."""
    return snapshot_ensemble(
        lambda: make_net(seed),
        Momentum(lr=LR),
        digits(),
        schedules.warm_restarts(LR, T_0=CYCLE),
        cycles=CYCLES,
        cycle_length=CYCLE,
        batch_size=BATCH,
        seed=seed,
        progress=False,
    )


@lru_cache(maxsize=1)
def snapshot_curve():
    """The same training as snapshot_run(0), again, to draw its test accuracy along the way
    (the copies equal snapshot_run(0).snapshots; the tests check it)."""
    at = tuple(CYCLE * (k + 1) for k in range(CYCLES))
    return _trained(0, schedules.warm_restarts(LR, T_0=CYCLE), ITERATIONS, snapshot_at=at)


def independent() -> dict:
    """Members alone and the ensembles of the first k members, k = 1..N_MODELS."""
    nets = [long_run(seed)[0] for seed in range(N_MODELS)]
    return {
        "member_acc": [test_accuracy([n]) for n in nets],
        "member_loss": [test_loss([n]) for n in nets],
        "ensemble_acc": [test_accuracy(nets[:k]) for k in range(1, N_MODELS + 1)],
        "ensemble_loss": [test_loss(nets[:k]) for k in range(1, N_MODELS + 1)],
    }


REPEATS = 5


@lru_cache(maxsize=1)
def comparison() -> dict:
    """Five ways to use the budget, each repeated REPEATS times: (accuracies, losses).

    - "one network": one network, 1000 updates (seeds 0-4);
    - "last snapshot" and "snapshot ensemble": the snapshot runs with seeds 0-4;
    - "5 short networks": five networks of 200 updates each (seeds 100-124, in fives);
    - "5 networks": five networks of 1000 updates, five times the budget (seeds 0-4 and 5-9;
      only two repetitions, from the ten networks of the first figure).
    """
    single = [long_run(s)[0] for s in range(REPEATS)]
    snaps = [snapshot_run(s) for s in range(REPEATS)]
    short = [[short_run(100 + 5 * g + k)[0] for k in range(5)] for g in range(REPEATS)]
    five = [[long_run(s)[0] for s in range(5 * g, 5 * g + 5)] for g in range(2)]
    return {
        "one network": ([test_accuracy([n]) for n in single], [test_loss([n]) for n in single]),
        "last snapshot": (
            [test_accuracy(s.snapshots[-1:]) for s in snaps],
            [test_loss(s.snapshots[-1:]) for s in snaps],
        ),
        "snapshot ensemble": (
            [test_accuracy(s.snapshots) for s in snaps],
            [test_loss(s.snapshots) for s in snaps],
        ),
        "5 short networks": ([test_accuracy(g) for g in short], [test_loss(g) for g in short]),
        "5 networks": ([test_accuracy(g) for g in five], [test_loss(g) for g in five]),
    }


def disagreement(nets) -> float:
    """Mean fraction of test digits on which two members of ``nets`` predict different labels."""
    d = digits()
    labels = [n.predict(d.x_test).argmax(axis=1) for n in nets]
    pairs = [(i, j) for i in range(len(nets)) for j in range(i + 1, len(nets))]
    return float(np.mean([np.mean(labels[i] != labels[j]) for i, j in pairs]))


@figure("ensembles-independent.svg")
def independent_figure():
    """Test accuracy and loss of each network and of the average of the first k."""
    r = independent()
    k = np.arange(1, N_MODELS + 1)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    for a, member, ensemble, label in (
        (ax, r["member_acc"], r["ensemble_acc"], "test accuracy"),
        (ax2, r["member_loss"], r["ensemble_loss"], "test loss"),
    ):
        a.plot(k, member, "o", color="0.55", markersize=5, label="network k alone")
        a.axhline(np.mean(member), color="0.55", linestyle=":", linewidth=1)
        a.plot(
            k,
            ensemble,
            "o-",
            color="C3",
            markersize=5,
            linewidth=1.6,
            label="average of networks 1..k",
        )
        a.set_xlabel("k")
        a.set_ylabel(label)
        a.set_xticks(k)
    ax.yaxis.set_major_locator(MultipleLocator(0.005))
    ax.yaxis.set_major_formatter("{x:.3f}")
    ax2.legend(loc="upper right")
    return fig


@figure("ensembles-snapshots.svg")
def snapshots_figure():
    """The warm-restart schedule, the test accuracy along the run, the snapshots, the ensemble."""
    _, curve, copies, history = snapshot_curve()
    _, single_curve, _, single_history = long_run(0)
    ens = snapshot_run(0)
    at = np.array(ens.snapshot_iterations)
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(9, 5.2), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
    )
    steps = np.arange(len(history.lr))
    ax.plot(steps, history.lr, color="C0", linewidth=1.4, label="warm restarts")
    ax.plot(
        steps, single_history.lr, color="0.5", linestyle="--", linewidth=1.2, label="one cosine"
    )
    ax.plot(
        at - 1, [history.lr[a - 1] for a in at], "v", color="C3", markersize=8, label="snapshot"
    )
    ax.set_ylabel("learning rate")
    ax.legend(loc="upper right", ncols=3, bbox_to_anchor=(1.0, 1.25))
    ax2.plot(
        single_curve[:, 0],
        single_curve[:, 1],
        color="0.5",
        linestyle="--",
        linewidth=1.2,
        label="one cosine",
    )
    ax2.plot(curve[:, 0], curve[:, 1], color="C0", linewidth=1.2, label="warm restarts")
    ax2.plot(at, ens.accuracies, "v", color="C3", markersize=8, label="snapshot alone")
    for k in range(2, len(at) + 1):
        ax2.plot(
            at[k - 1],
            test_accuracy(ens.snapshots[:k]),
            "*",
            color="C3",
            markersize=12,
            markeredgecolor="k",
            markeredgewidth=0.5,
            label="average of snapshots 1..k" if k == 2 else None,
        )
    ax2.set_ylim(0.86, 0.985)
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("test accuracy")
    ax2.legend(loc="lower right", ncols=2)
    ax2.set_xlim(0, ITERATIONS + 15)
    return fig


# ------------------------------------------------------------------ averages of the weights

NOISE_SIGMA = 1.0
NOISE_LR = 0.5
NOISE_STEPS = 1000
POLYAK_START = 100
EMA_DECAY = 0.98


@lru_cache(maxsize=1)
def noisy_averages():
    """SGD's points on the noisy valley and the running Polyak and EMA averages of them."""
    f = landscapes.ill_conditioned()
    noisy = landscapes.with_gradient_noise(f, sigma=NOISE_SIGMA, seed=0)
    points = landscapes.trajectory(SGD(lr=NOISE_LR), noisy, start=None, steps=NOISE_STEPS)
    polyak, ema = PolyakAverage(start=POLYAK_START), EMAParams(decay=EMA_DECAY)
    polyak_path, ema_path = [], []
    for step, (x, y) in enumerate(points[1:], start=1):
        params = {"x": x, "y": y}
        polyak.update(params)
        ema.update(params)
        e = ema.average
        ema_path.append((step, e["x"], e["y"]))
        if polyak.count:
            p = polyak.average
            polyak_path.append((step, p["x"], p["y"]))
    return f, points, np.array(polyak_path), np.array(ema_path)


@figure("ensembles-averaging-path.svg")
def averaging_path():
    """Noisy SGD wanders around the minimum; the averages of its points sit close to it."""
    f, points, polyak, ema = noisy_averages()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    contour(ax, f, levels=[0.1, 0.5, 1, 2, 4], xlim=(-6, 6), ylim=(-2.5, 2.5))
    ax.plot(points[:, 0], points[:, 1], color="C0", linewidth=0.4, alpha=0.5, label="SGD")
    ax.plot(*points[0], "s", color="C0", markersize=5)
    ax.plot(ema[:, 1], ema[:, 2], color="C2", linewidth=1.4, label=f"EMA ({EMA_DECAY})")
    ax.plot(
        polyak[:, 1],
        polyak[:, 2],
        color="C3",
        linewidth=2.0,
        label=f"Polyak (from step {POLYAK_START})",
    )
    ax.set_aspect("equal")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    steps = np.arange(len(points))
    ax2.semilogy(steps, f.value(points.T), color="C0", linewidth=0.4, alpha=0.6, label="SGD")
    ax2.semilogy(ema[:, 0], f.value(ema[:, 1:].T), color="C2", linewidth=1.4, label="EMA")
    ax2.semilogy(polyak[:, 0], f.value(polyak[:, 1:].T), color="C3", linewidth=2.0, label="Polyak")
    ax2.set_xlabel("step")
    ax2.set_ylabel("$f$")
    ax2.set_ylim(1e-5, 50)
    ax2.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    return fig


AVG_ITERATIONS = 2000
AVG_EMA_DECAY = 0.99
AVG_POLYAK_START = 500
AVG_EVAL_EVERY = 20


@lru_cache(maxsize=1)
def averaged_training() -> dict:
    """The network at a constant lr; every AVG_EVAL_EVERY updates the test accuracy and loss of
    its weights, of their EMA and of their Polyak average."""
    d = digits()
    net, probe = make_net(0), make_net(0)
    polyak, ema = PolyakAverage(start=AVG_POLYAK_START), EMAParams(decay=AVG_EMA_DECAY)
    rows = {"iteration": [], "raw": [], "ema": [], "polyak": []}

    def measure(model):
        return test_accuracy([model]), test_loss([model])

    def watch(iteration, net):
        polyak.update(net.params)
        ema.update(net.params)
        if iteration % AVG_EVAL_EVERY:
            return
        rows["iteration"].append(iteration)
        rows["raw"].append(measure(net))
        probe.set_params(ema.average)
        rows["ema"].append(measure(probe))
        if polyak.count:
            probe.set_params(polyak.average)
            rows["polyak"].append(measure(probe))
        else:
            rows["polyak"].append((np.nan, np.nan))

    train(
        net,
        Momentum(lr=LR),
        d,
        iterations=AVG_ITERATIONS,
        batch_size=BATCH,
        seed=0,
        eval_every=AVG_ITERATIONS,
        callback=watch,
        progress=False,
    )
    return {key: np.array(value) for key, value in rows.items()}


@figure("ensembles-averaging-digits.svg")
def averaging_digits():
    """Test accuracy and loss of the weights, their EMA and their Polyak average."""
    r = averaged_training()
    it = r["iteration"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    styles = {
        "raw": ("C0", 0.9, "weights"),
        "ema": ("C2", 1.5, f"EMA ({AVG_EMA_DECAY})"),
        "polyak": ("C3", 1.8, f"Polyak (from {AVG_POLYAK_START})"),
    }
    for key, (color, width, label) in styles.items():
        ax.plot(it, r[key][:, 0], color=color, linewidth=width, label=label)
        ax2.plot(it, r[key][:, 1], color=color, linewidth=width, label=label)
    ax.set_ylim(0.9, 0.985)
    ax.set_xlabel("iteration")
    ax.set_ylabel("test accuracy")
    ax.legend(loc="lower right")
    ax2.set_ylim(0.05, 0.4)
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("test loss")
    return fig
