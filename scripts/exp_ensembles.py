"""Experiments of chapter 14 (ensembles), stored by ``scripts.results`` (no drawing here).

Every network of the chapter is the same: 64 -> 3 x 100 ReLU units (dropout 0.3) -> 10, trained
on the 8x8 digits with Momentum (lr 0.1, batch 64); the seed fixes both the initial weights and
the order of the mini-batches. Accuracies and losses are measured on the 359 test digits, on one
BLAS thread.

- ``long_run(seed)``: one network, 1000 updates along a cosine from lr 0.1 to 0, with its test
  accuracy every 10 updates; seeds 0-9 are the ten networks of the first figure (seeds 0-2 the
  page's first code block);
- ``snapshot_run(seed)``: one network, 1000 updates along cosine warm restarts (cycles of 200),
  with a snapshot at the end of every cycle and the test accuracy every 10 updates; seed 0 is
  the page's snapshot code block and the snapshot figure, seeds 0-4 the table;
- ``short_run(seed)``: one network, 200 updates along one cosine (a fifth of the budget);
- ``independent()``, ``comparison()``, ``mixed_weights()``: what the page measures on those
  networks (ensembles of the first k, the table, the weights of two networks averaged);
- ``noisy_averages()``: SGD (lr 0.5) on x^2/20 + y^2 with N(0, 1) gradient noise for 1000 steps,
  with the Polyak average (from step 100) and an EMA (decay 0.98) of its points;
- ``averaged_training(seed)``: the network at a constant lr 0.1 for 2000 updates, its weights
  as they are, their EMA (decay 0.99) and their Polyak average (from update 500), measured every
  20 updates; seed 0 is the page's code block and figure.

``page_numbers()`` gives the page's ``{{ }}`` numbers; ``tests/chapters/test_ch_ensembles.py``
checks the claims made with them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, Momentum, landscapes, schedules
from optimizers.averaging import EMAParams, PolyakAverage
from optimizers.data import load_digits
from optimizers.ensembles import ensemble_accuracy, ensemble_predict, snapshot_ensemble
from optimizers.nn import MultiLayerNet
from optimizers.train import train
from scripts.results import experiment, numbers

LR = 0.1
BATCH = 64
ITERATIONS = 1000  # the budget of one network
CYCLE = 200  # warm restarts: cycles of 200 updates, so 5 snapshots in 1000 updates
CYCLES = ITERATIONS // CYCLE
N_MODELS = 10
EVAL_EVERY = 10  # test accuracy along training, for the curves
N_TEST = 359


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


def _trained(seed: int, schedule, iterations: int) -> dict:
    """Train make_net(seed): the net, its test accuracy every EVAL_EVERY updates (rows of
    iteration, accuracy) and the training history."""
    d = digits()
    net = make_net(seed)
    curve = [(0, net.accuracy(d.x_test, d.t_test))]

    def watch(iteration, net):
        if iteration % EVAL_EVERY == 0:
            curve.append((iteration, net.accuracy(d.x_test, d.t_test)))

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
    return {"net": net, "curve": np.array(curve), "history": history}


@experiment
def long_run(seed: int) -> dict:
    """One network, ITERATIONS updates along one cosine from LR to 0."""
    with threadpool_limits(1):
        return _trained(seed, schedules.cosine(LR, ITERATIONS), ITERATIONS)


@experiment
def short_run(seed: int) -> dict:
    """One network, CYCLE updates along one cosine (a fifth of the budget)."""
    with threadpool_limits(1):
        return _trained(seed, schedules.cosine(LR, CYCLE), CYCLE)


@experiment
def snapshot_run(seed: int) -> dict:
    """The library's snapshot ensemble: warm restarts every CYCLE updates, a snapshot after each
    cycle, watched along the way through its callback (the test accuracy every EVAL_EVERY
    updates). ``accuracies``: each snapshot alone; ``averaged``: snapshots 1..k."""
    d = digits()
    curve = []

    def factory():
        net = make_net(seed)
        curve.append((0, net.accuracy(d.x_test, d.t_test)))
        return net

    def watch(iteration, net):
        if iteration % EVAL_EVERY == 0:
            curve.append((iteration, net.accuracy(d.x_test, d.t_test)))

    with threadpool_limits(1):
        result = snapshot_ensemble(
            factory,
            Momentum(lr=LR),
            d,
            schedules.warm_restarts(LR, T_0=CYCLE),
            cycles=CYCLES,
            cycle_length=CYCLE,
            batch_size=BATCH,
            seed=seed,
            progress=False,
            callback=watch,
        )
        snaps = result.snapshots
        return {
            "curve": np.array(curve),
            "snapshots": snaps,
            "history": result.history,
            "snapshot_iterations": list(result.snapshot_iterations),
            "accuracies": [test_accuracy([s]) for s in snaps],
            "averaged": [test_accuracy(snaps[:k]) for k in range(1, len(snaps) + 1)],
        }


@experiment
def independent() -> dict:
    """Members alone and the ensembles of the first k members, k = 1..N_MODELS, and how often
    two members disagree."""
    with threadpool_limits(1):
        nets = [long_run(seed)["net"] for seed in range(N_MODELS)]
        x = digits().x_test
        labels = np.array([n.predict(x).argmax(axis=1) for n in nets])
        pairs = [(i, j) for i in range(N_MODELS) for j in range(i + 1, N_MODELS)]
        return {
            "member_acc": np.array([test_accuracy([n]) for n in nets]),
            "member_loss": np.array([test_loss([n]) for n in nets]),
            "ensemble_acc": np.array([test_accuracy(nets[:k]) for k in range(1, N_MODELS + 1)]),
            "ensemble_loss": np.array([test_loss(nets[:k]) for k in range(1, N_MODELS + 1)]),
            "labels": labels,  # each member's predicted class of every test digit
            "ensemble_labels": ensemble_predict(nets, x).argmax(axis=1),
            "disagreement": float(np.mean([np.mean(labels[i] != labels[j]) for i, j in pairs])),
        }


REPEATS = 5
WAYS = ("one network", "last snapshot", "snapshot ensemble", "5 short networks", "5 networks")


@experiment
def comparison() -> dict:
    """Five ways to use the budget, each repeated REPEATS times: way -> (accuracies, losses).

    - "one network": one network, 1000 updates (seeds 0-4);
    - "last snapshot" and "snapshot ensemble": the snapshot runs with seeds 0-4;
    - "5 short networks": five networks of 200 updates each (seeds 100-124, in fives);
    - "5 networks": five networks of 1000 updates, five times the budget (seeds 0-4 and 5-9;
      only two repetitions, from the ten networks of the first figure).
    """
    with threadpool_limits(1):
        single = [[long_run(s)["net"]] for s in range(REPEATS)]
        snaps = [snapshot_run(s)["snapshots"] for s in range(REPEATS)]
        groups = {
            "one network": single,
            "last snapshot": [s[-1:] for s in snaps],
            "snapshot ensemble": snaps,
            "5 short networks": [
                [short_run(100 + 5 * g + k)["net"] for k in range(5)] for g in range(REPEATS)
            ],
            "5 networks": [[long_run(s)["net"] for s in range(5 * g, 5 * g + 5)] for g in range(2)],
        }
        return {
            way: (
                np.array([test_accuracy(g) for g in groups[way]]),
                np.array([test_loss(g) for g in groups[way]]),
            )
            for way in WAYS
        }


@experiment
def mixed_weights() -> dict:
    """Exercise 1: the weights of networks 1 and 2 (seeds 0 and 1) averaged, as on the page."""
    with threadpool_limits(1):
        a, b = long_run(0)["net"], long_run(1)["net"]
        mixed = MultiLayerNet(64, [100] * 3, 10, use_dropout=True, dropout_ratio=0.3)
        mixed.set_params({k: (a.params[k] + b.params[k]) / 2 for k in mixed.params})
        x, t = digits().x_test, digits().t_test
        return {name: n.accuracy(x, t) for name, n in (("a", a), ("b", b), ("mixed", mixed))}


# ------------------------------------------------------------------ averages of the weights

NOISE_SIGMA = 1.0
NOISE_LR = 0.5
NOISE_STEPS = 1000
POLYAK_START = 100
EMA_DECAY = 0.98


@experiment
def noisy_averages() -> dict:
    """SGD's points on the noisy valley x²/20 + y² and the running Polyak and EMA averages of
    them: ``points`` (rows x, y), ``polyak`` and ``ema`` (rows step, x, y)."""
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
    return {"points": points, "polyak": np.array(polyak_path), "ema": np.array(ema_path)}


def late_means(run: dict, after: int = 500) -> dict:
    """Mean f over the steps after ``after``: of SGD's points, of the Polyak average, of the EMA
    (the quantities of the page's code block, for the EMA of decay EMA_DECAY)."""
    f = landscapes.ill_conditioned()
    points, polyak, ema = run["points"], run["polyak"], run["ema"]
    return {
        "sgd": float(f.value(points[after + 1 :].T).mean()),
        "polyak": float(f.value(polyak[polyak[:, 0] > after, 1:].T).mean()),
        "ema": float(f.value(ema[ema[:, 0] > after, 1:].T).mean()),
    }


AVG_ITERATIONS = 2000
AVG_EMA_DECAY = 0.99
AVG_POLYAK_START = 500
AVG_EVAL_EVERY = 20
AVG_SECOND_HALF = AVG_ITERATIONS // 2  # the page's code block measures after this update


@experiment
def averaged_training(seed: int = 0) -> dict:
    """The network at a constant lr; every AVG_EVAL_EVERY updates the test accuracy and loss of
    its weights (``raw``), of their EMA and of their Polyak average (rows accuracy, loss; NaN
    before the Polyak average starts). Seed 0: the page's code block and figure."""
    d = digits()
    net, probe = make_net(seed), make_net(seed)
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

    with threadpool_limits(1):
        train(
            net,
            Momentum(lr=LR),
            d,
            iterations=AVG_ITERATIONS,
            batch_size=BATCH,
            seed=seed,
            eval_every=AVG_ITERATIONS,
            callback=watch,
            progress=False,
        )
    return {key: np.array(value) for key, value in rows.items()}


def figure_rows(run: dict) -> dict:
    """The rows the figure's text describes: after the Polyak average starts (update 500)."""
    keep = run["iteration"] > AVG_POLYAK_START
    return {key: run[key][keep] for key in ("iteration", "raw", "ema", "polyak")}


def averages_settled(run: dict, after: int = AVG_POLYAK_START + 100) -> np.ndarray:
    """The test losses of the EMA and of the Polyak average once the latter has settled (both
    after update 600): the band the figure's text gives for the two averages."""
    keep = run["iteration"] > after
    return np.concatenate([run["ema"][keep, 1], run["polyak"][keep, 1]])


def second_half(run: dict) -> dict:
    """The rows the page's code block prints: every 20 updates after update 1000."""
    keep = run["iteration"] > AVG_SECOND_HALF
    return {key: run[key][keep] for key in ("raw", "ema", "polyak")}


def images(accuracy: float) -> int:
    """The number of test digits an accuracy stands for."""
    return round(accuracy * N_TEST)


def restart_lows(run: dict) -> list[float]:
    """The lowest test accuracy within 100 updates after each restart of a snapshot run."""
    curve = run["curve"]
    return [
        float(curve[(curve[:, 0] > a) & (curve[:, 0] <= a + 100), 1].min())
        for a in run["snapshot_iterations"][:-1]
    ]


def path_extents(run: dict) -> dict:
    """What the alt text of the noisy-valley figure describes (after step 100)."""
    f = landscapes.ill_conditioned()
    points, polyak, ema = run["points"], run["polyak"], run["ema"]
    sgd_f, ema_f = f.value(points[100:].T), f.value(ema[100:, 1:].T)
    polyak_f = f.value(polyak[:, 1:].T)
    return {
        "sgd_x": float(np.max(np.abs(np.percentile(points[100:, 0], [1, 99])))),
        "sgd_y": float(np.max(np.abs(np.percentile(points[100:, 1], [1, 99])))),
        "ema_x": float(np.abs(ema[100:, 1]).max()),
        "polyak_start_x": float(polyak[0, 1]),
        "polyak_start_y": float(polyak[0, 2]),
        "sgd_f_lo": float(np.percentile(sgd_f, 5)),
        "sgd_f_hi": float(np.percentile(sgd_f, 95)),
        "ema_f_lo": float(np.percentile(ema_f, 5)),
        "ema_f_hi": float(np.percentile(ema_f, 95)),
        "polyak_f_first": float(polyak_f[0]),
        "polyak_f_last": float(polyak_f[-1]),
    }


@numbers("ensembles")
def page_numbers() -> dict:
    """The numbers chapter 14 states about these runs."""
    return {
        **_ensemble_numbers(),
        **_snapshot_numbers(),
        **_valley_numbers(),
        **_averaging_numbers(),
    }


def _ensemble_numbers() -> dict:
    """Independent networks: three, then ten, and their averages."""
    v = {}
    r = independent()
    member_acc, member_loss = r["member_acc"], r["member_loss"]
    # the first code block: networks 1-3 (seeds 0-2) and their average
    for k in range(3):
        v[f"net{k + 1}_images"] = images(member_acc[k])
    v["three_acc_min"], v["three_acc_max"] = member_acc[:3].min(), member_acc[:3].max()
    v["three_spread_images"] = images(member_acc[:3].max()) - images(member_acc[:3].min())
    v["avg3_images"] = images(r["ensemble_acc"][2])
    v["avg3_loss"] = r["ensemble_loss"][2]
    v["three_mean_loss"] = member_loss[:3].mean()
    # ten networks
    v["member_acc_min"], v["member_acc_max"] = member_acc.min(), member_acc.max()
    v["member_acc_mean"] = member_acc.mean()
    v["member_acc_mean_pct"] = 100 * member_acc.mean()
    v["member_loss_min"], v["member_loss_max"] = member_loss.min(), member_loss.max()
    v["member_loss_mean"] = member_loss.mean()
    v["ens_acc_first"], v["ens_acc_last"] = r["ensemble_acc"][0], r["ensemble_acc"][-1]
    v["ens_acc_max"] = r["ensemble_acc"].max()
    v["ens_loss_first"], v["ens_loss_two"] = r["ensemble_loss"][0], r["ensemble_loss"][1]
    v["ens_loss_last"] = r["ensemble_loss"][-1]
    v["disagree_pct"] = 100 * r["disagreement"]
    v["disagree_images"] = round(r["disagreement"] * N_TEST)
    return v


def _snapshot_numbers() -> dict:
    """The snapshot run, the table of ways to spend 1000 updates, and exercise 1."""
    v = {}
    member_acc = independent()["member_acc"]
    # the snapshot run (seed 0) against one cosine (seed 0)
    snap = snapshot_run(0)
    lows = restart_lows(snap)
    v["restart_low_min"], v["restart_low_max"] = min(lows), max(lows)
    v["snap_alone_min"], v["snap_alone_max"] = min(snap["accuracies"]), max(snap["accuracies"])
    v["snap_ensemble"] = snap["averaged"][-1]
    v["single_cosine"] = member_acc[0]
    # the table
    for key, way in zip(("one", "last", "snap", "short", "five"), WAYS, strict=True):
        accs, losses = comparison()[way]
        v[f"table_{key}_acc"], v[f"table_{key}_loss"] = accs.mean(), losses.mean()
    # exercise 1
    v["mixed_acc"] = mixed_weights()["mixed"]
    return v


def _valley_numbers() -> dict:
    """SGD with noise on the valley and its averages."""
    v = {}
    # the noisy valley
    late = late_means(noisy_averages())
    v["valley_polyak_ratio"] = late["sgd"] / late["polyak"]
    v["valley_ema_ratio"] = late["sgd"] / late["ema"]
    v.update({f"valley_{k}": x for k, x in path_extents(noisy_averages()).items()})
    return v


def _averaging_numbers() -> dict:
    """Weight averages in the network (seed 0): the code block's output and the figure."""
    v = {}
    # weight averages in the network (seed 0): the code block's second half ...
    run = averaged_training(0)
    for name, rows in second_half(run).items():
        acc, loss = rows[:, 0], rows[:, 1]
        v[f"avg_{name}_acc_min"], v[f"avg_{name}_acc_max"] = acc.min(), acc.max()
        v[f"avg_{name}_loss_min"], v[f"avg_{name}_loss_max"] = loss.min(), loss.max()
        v[f"avg_{name}_loss_mean"] = loss.mean()
        if name == "raw":  # "ranges over a factor of ..."
            v["avg_raw_loss_ratio"] = loss.max() / loss.min()
        else:  # "... the EMA's by ... %"
            v[f"avg_{name}_loss_var_pct"] = 100 * (loss.max() / loss.min() - 1)
    v["avg_averages_acc_min"] = min(v["avg_ema_acc_min"], v["avg_polyak_acc_min"])
    # ... and the figure, after the Polyak average starts
    fig = figure_rows(run)
    v["fig_raw_acc_min"] = fig["raw"][:, 0].min()
    v["fig_raw_loss_min"], v["fig_raw_loss_max"] = fig["raw"][:, 1].min(), fig["raw"][:, 1].max()
    for name in ("ema", "polyak"):
        acc = fig[name][:, 0]
        v[f"fig_{name}_acc_min"], v[f"fig_{name}_acc_max"] = acc.min(), acc.max()
    v["fig_polyak_loss_start"] = fig["polyak"][0, 1]
    settled = averages_settled(run)
    v["fig_averages_loss_min"], v["fig_averages_loss_max"] = settled.min(), settled.max()
    return v
