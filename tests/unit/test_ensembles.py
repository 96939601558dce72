"""Ensembles: averaging predictions, and snapshot ensembles along a cyclic schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers import SGD, Momentum, data, ensembles, nn, schedules, train


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
    with pytest.raises(ValueError, match="split must be one of 'train', 'val', 'test', got 'dev'"):
        ensembles.snapshot_ensemble(factory, SGD(), digits, constant, 1, 5, split="dev")


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        # floats were truncated to [2, 5], a string read as the digits [5, 9]
        ({"snapshot_at": [2.7, 5.9]}, TypeError, r"snapshot_at\[0\] must be a positive integer"),
        ({"snapshot_at": "59"}, TypeError, "snapshot_at must be a list of update counts, got '59'"),
        ({"snapshot_at": 10}, TypeError, "snapshot_at must be a list of update counts, got 10"),
        ({"snapshot_at": [5, True]}, TypeError, r"snapshot_at\[1\] .*got True"),
        ({"snapshot_at": [0]}, ValueError, r"snapshot_at\[0\] must be a positive integer, got 0"),
        ({"snapshot_at": []}, ValueError, r"increasing positive integers, got \[\]"),
        ({"snapshot_at": [5, 5]}, ValueError, r"increasing positive integers, got \[5, 5\]"),
        ({}, TypeError, "needs snapshot_at, or cycles and cycle_length"),
        ({"cycles": 2}, TypeError, "cycle_length must be a positive integer, got None"),
        ({"cycles": 2, "cycle_length": 2.5}, TypeError, "cycle_length.*got 2.5"),
        ({"cycles": 0, "cycle_length": 5}, ValueError, "cycles must be a positive integer, got 0"),
    ],
)
def test_snapshot_steps_are_checked_before_training(digits, kwargs, error, pattern):
    def factory():
        raise AssertionError("no network may be built for bad arguments")

    with pytest.raises(error, match=pattern):
        ensembles.snapshot_ensemble(factory, SGD(), digits, lambda t: 0.1, **kwargs)


def test_snapshot_steps_accept_numpy_integers(digits):
    def run(**kwargs):
        factory = lambda: nn.MultiLayerNet(64, [5], 10, seed=0)  # noqa: E731
        return ensembles.snapshot_ensemble(factory, SGD(lr=0.1), digits, lambda t: 0.1, **kwargs)

    a = run(cycles=np.int64(2), cycle_length=np.int64(3))
    b = run(snapshot_at=np.array([3, 6]))
    assert a.snapshot_iterations == b.snapshot_iterations == [3, 6]
    assert type(a.snapshot_iterations[0]) is int
    assert a.ensemble_accuracies == b.ensemble_accuracies


def test_divergence_before_the_first_snapshot_gives_nan_not_index_error(digits):
    factory = lambda: nn.MultiLayerNet(64, [10], 10, seed=0)  # noqa: E731
    with pytest.warns(train.DivergenceWarning, match="at step 1 "):
        result = ensembles.snapshot_ensemble(
            factory, SGD(lr=0.1), digits, lambda t: 1e300, snapshot_at=[5], batch_size=32
        )
    assert result.history.diverged and result.history.iterations == 1
    assert result.snapshots == result.accuracies == result.ensemble_accuracies == []
    assert result.snapshot_iterations == []
    assert math.isnan(result.ensemble_accuracy)  # was IndexError: list index out of range
    with pytest.raises(ValueError, match="no snapshots to predict with: training diverged"):
        result.predict(digits.x_test)


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


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=8, unique=True), st.data())
def test_snapshot_steps_property(counts, draw):
    at = sorted(counts)
    assert ensembles._snapshot_steps(None, None, at) == at
    assert ensembles._snapshot_steps(None, None, np.array(at)) == at
    i = draw.draw(st.integers(0, len(at) - 1))
    with pytest.raises(TypeError, match=rf"snapshot_at\[{i}\] must be a positive integer"):
        ensembles._snapshot_steps(None, None, [*at[:i], at[i] + 0.5, *at[i + 1 :]])
    if len(at) > 1:
        with pytest.raises(ValueError, match="increasing positive integers"):
            ensembles._snapshot_steps(None, None, at[::-1])
