"""Hyperparameter search: sampling, grids, executors, coarse-to-fine narrowing, bad input."""

from __future__ import annotations

import concurrent.futures
import itertools
import math

import numpy as np
import pytest

from optimizers import search


def peaked(lr: float, width: int = 1, act: str = "relu") -> float:
    """A seeded stand-in for a validation score: best at lr = 1e-3, with fixed 'noise' that
    depends on the settings (module level, so a process pool can pickle it)."""
    noise = np.random.default_rng([int(lr * 1e9) % 2**32, width]).normal(0.0, 0.01)
    return -((math.log10(lr) + 3.0) ** 2) - 0.1 * (act != "relu") + noise


def test_log_uniform_sampling_is_uniform_in_log_space():
    dist = search.log_uniform(1e-5, 1e-1)
    rng = np.random.default_rng(0)
    draws = np.array([dist.sample(rng) for _ in range(20000)])
    assert draws.min() >= 1e-5 and draws.max() <= 1e-1
    decades = np.histogram(np.log10(draws), bins=[-5, -4, -3, -2, -1])[0] / len(draws)
    np.testing.assert_allclose(decades, 0.25, atol=0.015)  # sd of each fraction ~0.003
    assert np.median(draws) == pytest.approx(1e-3, rel=0.1)  # a uniform draw's would be 0.05


def test_uniform_and_choice_sampling():
    rng = np.random.default_rng(1)
    draws = np.array([search.uniform(2.0, 4.0).sample(rng) for _ in range(10000)])
    assert draws.min() >= 2.0 and draws.max() <= 4.0
    assert draws.mean() == pytest.approx(3.0, abs=0.03)
    picks = [search.choice(["a", "b", "c"]).sample(rng) for _ in range(9000)]
    assert {p: picks.count(p) / 9000 for p in "abc"} == pytest.approx(
        {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, abs=0.02
    )


def test_grid_search_covers_the_product():
    space = {"lr": [1e-4, 1e-3, 1e-2], "width": [1, 2], "act": search.choice(["relu", "tanh"])}
    trials = search.grid_search(peaked, space, executor="serial")
    assert len(trials) == 12
    combos = [(t.params["lr"], t.params["width"], t.params["act"]) for t in trials]
    assert combos == list(itertools.product(*[[1e-4, 1e-3, 1e-2], [1, 2], ["relu", "tanh"]]))
    assert [t.index for t in trials] == list(range(12))
    assert all(t.score == peaked(**t.params) for t in trials)
    assert search.best_trial(trials).params["lr"] == 1e-3
    assert search.best_trial(trials).params["act"] == "relu"


def test_grid_accepts_numpy_arrays_as_plain_values():
    trials = search.grid_search(peaked, {"lr": np.geomspace(1e-5, 1e-1, 5)}, executor="serial")
    assert [t.params["lr"] for t in trials] == pytest.approx([1e-5, 1e-4, 1e-3, 1e-2, 1e-1])
    assert type(trials[0].params["lr"]) is float  # not np.float64


def test_random_search_is_seeded_and_keeps_every_trial():
    space = {"lr": search.log_uniform(1e-5, 1e-1), "width": [1, 2, 3], "act": "relu"}
    a = search.random_search(peaked, space, n_trials=15, seed=3, executor="serial")
    b = search.random_search(peaked, space, n_trials=15, seed=3, executor="serial")
    c = search.random_search(peaked, space, n_trials=15, seed=4, executor="serial")
    assert len(a) == 15 and [t.params for t in a] == [t.params for t in b]
    assert [t.params for t in a] != [t.params for t in c]
    assert all(t.params["act"] == "relu" and t.params["width"] in (1, 2, 3) for t in a)
    assert all(t.score == peaked(**t.params) for t in a)


@pytest.mark.parametrize("kind", ["default process pool", "thread pool"])
def test_executors_give_the_same_results_as_serial(kind):
    space = {"lr": search.log_uniform(1e-5, 1e-1), "width": [1, 2]}
    serial = search.random_search(peaked, space, n_trials=8, seed=0, executor="serial")
    if kind == "thread pool":
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            other = search.random_search(peaked, space, n_trials=8, seed=0, executor=pool)
    else:
        other = search.random_search(peaked, space, n_trials=8, seed=0)  # ProcessPool(2)
    assert [(t.params, t.score) for t in other] == [(t.params, t.score) for t in serial]


def test_coarse_to_fine_narrows_around_the_best():
    space = {"lr": search.log_uniform(1e-6, 1.0), "act": ["relu", "tanh"]}
    trials = search.coarse_to_fine(
        peaked, space, n_trials=20, rounds=3, keep=4, margin=0.25, seed=0, executor="serial"
    )
    assert len(trials) == 60 and [t.index for t in trials] == list(range(60))
    rounds = [[t for t in trials if t.round == r] for r in range(3)]
    assert [len(r) for r in rounds] == [20, 20, 20]
    for r in (1, 2):
        # round r draws from the log-range of the 4 best trials so far, widened by 25 % a side
        top = sorted(itertools.chain(*rounds[:r]), key=lambda t: -t.score)[:4]
        lo, hi = (f([math.log10(t.params["lr"]) for t in top]) for f in (min, max))
        lo, hi = lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo)
        assert all(lo - 1e-12 <= math.log10(t.params["lr"]) <= hi + 1e-12 for t in rounds[r])
        assert {t.params["act"] for t in rounds[r]} <= {t.params["act"] for t in top}
    spread = [np.ptp(np.log10([t.params["lr"] for t in r])) for r in rounds]
    assert spread[0] > 4 > 1 > spread[1] > spread[2]  # measured: 6.0, 0.64, 0.05 decades
    best = [max(t.score for t in r) for r in rounds]
    assert best[2] > best[1] > best[0]  # measured: -0.143, -0.115, -0.105
    assert abs(math.log10(search.best_trial(trials).params["lr"]) + 3) < 0.25  # measured 0.18


def test_round_spaces_are_the_spaces_the_rounds_drew_from():
    space = {"lr": search.log_uniform(1e-6, 1.0), "act": ["relu", "tanh"]}
    trials = search.coarse_to_fine(
        peaked, space, n_trials=20, rounds=3, keep=4, margin=0.25, seed=0, executor="serial"
    )
    spaces = search.round_spaces(space, trials, keep=4, margin=0.25)
    assert len(spaces) == 3 and spaces[0]["lr"] == search.log_uniform(1e-6, 1.0)
    for t in trials:
        lr = spaces[t.round]["lr"]
        assert lr.low * (1 - 1e-12) <= t.params["lr"] <= lr.high * (1 + 1e-12)
        assert t.params["act"] in spaces[t.round]["act"].options
    widths = [math.log10(s["lr"].high / s["lr"].low) for s in spaces]
    assert widths[0] == pytest.approx(6) and widths[0] > widths[1] > widths[2]
    # the narrowing is coarse_to_fine's own: a second search from round 1's space alone draws
    # exactly the second round again
    again = search.random_search(peaked, spaces[1], n_trials=20, seed=[0, 1], executor="serial")
    assert [t.params for t in again] == [t.params for t in trials if t.round == 1]


def test_coarse_to_fine_can_move_past_the_best_values_seen():
    # The best lr of this space is its lower end, 1e-2; the first round's smallest draw is
    # 0.01079. Without a margin no later round can go below it; with one they reach 1e-2.
    space = {"lr": search.log_uniform(1e-2, 1.0)}

    def lowest(margin):
        trials = search.coarse_to_fine(
            peaked, space, n_trials=10, rounds=4, keep=3, margin=margin, executor="serial"
        )
        return [min(t.params["lr"] for t in trials if t.round == r) for r in range(4)]

    assert lowest(0.0) == pytest.approx([0.01079, 0.01079, 0.01085, 0.01079], abs=5e-6)
    assert lowest(0.25) == pytest.approx([0.01079, 0.01, 0.01009, 0.01001], abs=5e-6)


def test_best_trial_ignores_failed_runs_and_minimizes():
    trials = [search.Trial(0, {"a": 1}, math.nan), search.Trial(1, {"a": 2}, 0.5)]
    trials.append(search.Trial(2, {"a": 3}, 0.2))
    assert search.best_trial(trials).index == 1
    assert search.best_trial(trials, maximize=False).index == 2
    with pytest.raises(ValueError, match="no trial has a finite score"):
        search.best_trial(trials[:1])


def test_format_trials():
    trials = search.grid_search(peaked, {"lr": [1e-2, 1e-3]}, executor="serial")
    table = search.format_trials(trials).splitlines()
    assert table[0].split() == ["#", "round", "lr", "score"]
    assert table[1].split()[:3] == ["1", "0", "0.001"]  # best first
    assert len(search.format_trials(trials, top=1).splitlines()) == 2


def test_bad_spaces_and_arguments():
    with pytest.raises(ValueError, match="0 < low"):
        search.log_uniform(0.0, 1.0)
    with pytest.raises(ValueError, match="finite low < high"):
        search.uniform(2.0, 1.0)
    with pytest.raises(ValueError, match="at least one option"):
        search.choice([])
    with pytest.raises(ValueError, match="grid_search needs a list of values for 'lr'"):
        search.grid_search(peaked, {"lr": search.log_uniform(1e-3, 1e-1)}, executor="serial")
    with pytest.raises(ValueError, match="non-empty dict"):
        search.random_search(peaked, {}, n_trials=3, executor="serial")
    with pytest.raises(ValueError, match="n_trials must be a positive integer"):
        search.random_search(peaked, {"lr": [1e-3]}, n_trials=0, executor="serial")
    with pytest.raises(ValueError, match="keep must be an integer >= 2"):
        search.coarse_to_fine(peaked, {"lr": [1e-3]}, keep=1, executor="serial")
    with pytest.raises(ValueError, match="executor must be a concurrent.futures.Executor"):
        search.grid_search(peaked, {"lr": [1e-3]}, executor="threads")
    with pytest.raises(ValueError, match="valid argument names"):
        search.grid_search(peaked, {"learning rate": [1e-3]}, executor="serial")
