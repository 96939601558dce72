"""Ensembles: averaging predictions, and snapshot ensembles along a cyclic schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import SGD, Momentum, data, ensembles, nn, schedules


@pytest.fixture(scope="module")
def digits() -> data.Dataset:
    return data.load_digits()


def nll(probs: np.ndarray, t: np.ndarray) -> float:
    return float(-np.mean(np.log(probs[np.arange(len(t)), t])))


def test_ensemble_predict_averages_probabilities():
    rng = np.random.default_rng(0)
    a, b = nn.MultiLayerNet(5, [4], 3, seed=0), nn.MultiLayerNet(5, [4], 3, seed=1)
    x = rng.standard_normal((6, 5))
    pa, pb = nn.softmax(a.predict(x)), nn.softmax(b.predict(x))
    np.testing.assert_allclose(ensembles.ensemble_predict([a, b], x), (pa + pb) / 2, rtol=1e-12)
    np.testing.assert_allclose(ensembles.ensemble_predict([a], x).sum(axis=1), 1.0, rtol=1e-12)
    labels = ((pa + pb) / 2).argmax(axis=1)
    assert ensembles.ensemble_accuracy([a, b], x, labels) == 1.0
    assert ensembles.ensemble_accuracy([a, b], x, np.eye(3)[labels]) == 1.0
    assert ensembles.ensemble_accuracy([a, b], x, (labels + 1) % 3) == 0.0


def test_ensemble_errors():
    with pytest.raises(ValueError, match="at least one network"):
        ensembles.ensemble_predict([], np.ones((2, 5)))
    net = nn.MultiLayerNet(5, [4], 3)
    with pytest.raises(ValueError, match="x has 2 examples but t has 3 labels"):
        ensembles.ensemble_accuracy([net], np.ones((2, 5)), np.zeros(3, dtype=int))


@pytest.fixture(scope="module")
def snapshot(digits) -> ensembles.SnapshotEnsemble:
    def cosine_cycles(t: int) -> float:  # SGDR with restarts every 200 steps, lr 0.1 -> 0
        return 0.05 * (1.0 + math.cos(math.pi * (t % 200) / 200))

    def net_factory() -> nn.MultiLayerNet:
        return nn.MultiLayerNet(64, [100] * 3, 10, use_dropout=True, dropout_ratio=0.3, seed=0)

    return ensembles.snapshot_ensemble(
        net_factory, Momentum(lr=0.1), digits, cosine_cycles, cycles=5, cycle_length=200,
        batch_size=64,
    )  # fmt: skip


@pytest.mark.slow
def test_snapshot_ensemble_keeps_one_snapshot_per_cycle(snapshot):
    assert snapshot.snapshot_iterations == [200, 400, 600, 800, 1000]
    assert len(snapshot.snapshots) == len(snapshot.accuracies) == 5
    assert snapshot.history.iterations == 1000 and not snapshot.history.diverged
    # the learning rate of the last update of each cycle is the cycle's smallest
    lr = np.array(snapshot.history.lr)
    assert all(lr[k - 1] == lr[k - 200 : k].min() < 1e-5 for k in snapshot.snapshot_iterations)
    # the snapshots are copies taken at different times, not the same network five times
    w = [s.params["W1"] for s in snapshot.snapshots]
    assert all(not np.shares_memory(w[0], v) and not np.array_equal(w[0], v) for v in w[1:])


@pytest.mark.slow
def test_snapshot_ensemble_beats_its_snapshots(snapshot, digits):
    # measured (seed 0): snapshots 0.950, 0.967, 0.967, 0.967, 0.967; ensembles of the last
    # k = 1..5 snapshots 0.967, 0.972, 0.972, 0.975, 0.972 on the 359 test digits
    assert snapshot.split == "test"
    assert snapshot.accuracies[0] < 0.96 < min(snapshot.accuracies[1:])
    assert snapshot.ensemble_accuracy == snapshot.ensemble_accuracies[-1]
    assert snapshot.ensemble_accuracies[0] == snapshot.accuracies[-1]
    assert snapshot.ensemble_accuracy > max(snapshot.accuracies) + 0.003  # one more digit right
    np.testing.assert_allclose(
        snapshot.accuracies,
        [
            ensembles.ensemble_accuracy([s], digits.x_test, digits.t_test)
            for s in snapshot.snapshots
        ],
    )
    # the log-loss of averaged probabilities is at most the average log-loss (-log is convex)
    single = [
        nll(ensembles.ensemble_predict([s], digits.x_test), digits.t_test)
        for s in snapshot.snapshots
    ]
    assert nll(snapshot.predict(digits.x_test), digits.t_test) <= np.mean(single)


def test_snapshot_at_restart_steps_of_growing_cycles(digits):
    schedule = schedules.warm_restarts(0.1, T_0=20, T_mult=2)
    at = schedules.restart_steps(20, 2, until=140)
    assert at == [20, 60, 140]
    result = ensembles.snapshot_ensemble(
        lambda: nn.MultiLayerNet(64, [30], 10, seed=1), SGD(lr=0.1), digits, schedule,
        snapshot_at=at, split="val",
    )  # fmt: skip
    assert result.snapshot_iterations == [20, 60, 140] and result.split == "val"
    assert result.history.lr == [schedule(t) for t in range(140)]
    assert len(result.ensemble_accuracies) == 3 and result.ensemble_accuracy > 0.5


def test_snapshot_ensemble_bad_arguments(digits):
    def factory():
        return nn.MultiLayerNet(64, [10], 10)

    def constant(t):
        return 0.1

    with pytest.raises(ValueError, match="cycles must be a positive integer"):
        ensembles.snapshot_ensemble(factory, SGD(), digits, constant, cycles=0, cycle_length=5)
    with pytest.raises(ValueError, match="not both"):
        ensembles.snapshot_ensemble(factory, SGD(), digits, constant, 2, 5, snapshot_at=[5, 10])
    with pytest.raises(ValueError, match="increasing positive integers"):
        ensembles.snapshot_ensemble(factory, SGD(), digits, constant, snapshot_at=[10, 5])
    with pytest.raises(ValueError, match="split must be"):
        ensembles.snapshot_ensemble(factory, SGD(), digits, constant, 1, 5, split="dev")


def test_snapshot_ensemble_callback_watches_without_changing_the_run(digits):
    def run(callback=None):
        return ensembles.snapshot_ensemble(
            lambda: nn.MultiLayerNet(64, [20], 10, seed=0),
            Momentum(lr=0.1),
            digits,
            schedules.warm_restarts(0.1, T_0=10),
            cycles=3,
            cycle_length=10,
            batch_size=64,
            progress=False,
            callback=callback,
        )

    seen = []
    watched = run(lambda iteration, net: seen.append((iteration, len(net.params))))
    assert [i for i, _ in seen] == list(range(1, 31))  # after every update
    plain = run()
    assert watched.history.loss == plain.history.loss
    assert watched.accuracies == plain.accuracies
