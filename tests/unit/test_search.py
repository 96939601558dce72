"""Hyperparameter search: sampling, grids, executors, coarse-to-fine narrowing, bad input."""

from __future__ import annotations

import concurrent.futures
import functools
import itertools
import math
import multiprocessing
import threading
import time
import warnings

import numpy as np
import pytest
import search_objectives as objectives
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers import search


@pytest.fixture
def workers_left():
    """A function giving the processes started since the test began that are still alive."""
    before = set(multiprocessing.active_children())
    return lambda: set(multiprocessing.active_children()) - before


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
    with pytest.raises(ValueError, match=r"no trial has a finite score \(no trials given\)"):
        search.best_trial([])


def test_format_trials():
    trials = search.grid_search(peaked, {"lr": [1e-2, 1e-3]}, executor="serial")
    table = search.format_trials(trials).splitlines()
    assert table[0].split() == ["#", "round", "lr", "score"]
    assert table[1].split()[:3] == ["1", "0", "0.001"]  # best first
    assert len(search.format_trials(trials, top=1).splitlines()) == 2


# ------------------------------------------------------------------ bad input


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
    with pytest.raises(TypeError, match="space must be a dict name -> values, got list"):
        search.random_search(peaked, [("lr", [1e-3])], n_trials=3, executor="serial")
    with pytest.raises(ValueError, match="n_trials must be a positive integer, got 0"):
        search.random_search(peaked, {"lr": [1e-3]}, n_trials=0, executor="serial")
    with pytest.raises(TypeError, match="n_trials must be a positive integer, got 2.5"):
        search.random_search(peaked, {"lr": [1e-3]}, n_trials=2.5, executor="serial")
    with pytest.raises(ValueError, match="keep must be an integer >= 2"):
        search.coarse_to_fine(peaked, {"lr": [1e-3]}, keep=1, executor="serial")
    with pytest.raises(TypeError, match="rounds must be a positive integer, got True"):
        search.coarse_to_fine(peaked, {"lr": [1e-3]}, rounds=True, executor="serial")
    with pytest.raises(ValueError, match="executor must be a concurrent.futures.Executor"):
        search.grid_search(peaked, {"lr": [1e-3]}, executor="threads")
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor.*got 2"):
        search.grid_search(peaked, {"lr": [1e-3]}, executor=2)
    with pytest.raises(ValueError, match="valid argument names"):
        search.grid_search(peaked, {"learning rate": [1e-3]}, executor="serial")
    with pytest.raises(TypeError, match=r"space\['lr'\] must be a list of values, got '0.1'"):
        search.grid_search(peaked, {"lr": "0.1"}, executor="serial")
    with pytest.raises(ValueError, match=r"space\['lr'\] is empty"):
        search.grid_search(peaked, {"lr": []}, executor="serial")


def test_trivial_argument_checks_of_the_review():
    # the dataclasses used directly are checked too (was: "math domain error" when sampling)
    with pytest.raises(ValueError, match=r"log_uniform needs 0 < low < high, got low=-1.0"):
        search.LogUniform(-1, 1)
    with pytest.raises(TypeError, match="log_uniform: high must be a real number.*got '1'"):
        search.LogUniform(1e-3, "1")
    with pytest.raises(ValueError, match="uniform: low must be a finite number, got nan"):
        search.Uniform(math.nan, 1.0)
    with pytest.raises(TypeError, match="uniform: low must be a real number.*got 'a'"):
        search.uniform("a", 1)
    with pytest.raises(TypeError, match="uniform: low must be a real number.*got True"):
        search.uniform(True, 2)
    with pytest.raises(ValueError, match="choice needs at least one option"):
        search.Choice(())
    with pytest.raises(TypeError, match="choice: options must be a list of options, got 'abc'"):
        search.choice("abc")
    assert search.LogUniform(1, 10) == search.LogUniform(1.0, 10.0)
    assert type(search.LogUniform(np.float32(1), 10).low) is float
    # margin '0.25' (was: "must be real number, not str" with no name)
    with pytest.raises(TypeError, match="coarse_to_fine: margin must be a real number.*'0.25'"):
        search.coarse_to_fine(peaked, {"lr": [1e-3]}, margin="0.25", executor="serial")
    with pytest.raises(ValueError, match="margin must be a non-negative finite number, got -1"):
        search.coarse_to_fine(peaked, {"lr": [1e-3]}, margin=-1, executor="serial")
    with pytest.raises(TypeError, match="round_spaces: margin must be a real number"):
        search.round_spaces({"lr": [1e-3]}, [], margin=None)
    with pytest.raises(TypeError, match="format_trials: top must be a positive integer, got 2.0"):
        search.format_trials([search.Trial(0, {"lr": 1}, 0.5)], top=2.0)
    # numpy integers are integers (was: "n_trials must be a positive integer, got np.int64(5)")
    space = {"lr": search.log_uniform(1e-5, 1e-1)}
    trials = search.random_search(peaked, space, n_trials=np.int64(5), executor="serial")
    assert [t.index for t in trials] == [0, 1, 2, 3, 4]
    trials = search.coarse_to_fine(
        peaked, space, n_trials=np.int64(4), rounds=np.int32(2), keep=np.int8(2), executor="serial"
    )
    assert [t.round for t in trials] == [0] * 4 + [1] * 4


def test_the_objective_must_be_picklable_for_worker_processes():
    with pytest.raises(TypeError, match="objective must be picklable.*executor='serial'"):
        search.random_search(lambda lr: lr, {"lr": [1.0]}, n_trials=2)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(TypeError, match="objective must be picklable"):
            search.grid_search(lambda lr: lr, {"lr": [1.0]}, executor=pool)


# ------------------------------------------------------------------ failed trials


def test_a_raising_trial_is_a_failed_row_and_the_search_goes_on(workers_left):
    # The review's reproducer: with the default process pool the error surfaced only after every
    # trial had run (3.0 s), without the trial, and the finished scores were lost.
    objective = functools.partial(objectives.raise_at, delay=0.2)
    start = time.monotonic()
    with pytest.warns(RuntimeWarning, match=r"1 of 7 trials failed.*trial 0 with \{'lr': 1\}"):
        trials = search.grid_search(objective, {"lr": [1, 2, 3, 4, 5, 6, 7]})
    elapsed = time.monotonic() - start
    assert [t.index for t in trials] == list(range(7))
    assert trials[0].failed and trials[0].error == "RuntimeError: diverged"
    assert trials[0].params == {"lr": 1} and math.isnan(trials[0].score)
    assert [t.score for t in trials[1:]] == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert not any(t.failed for t in trials[1:]) and trials[1].error is None
    assert search.best_trial(trials).index == 6
    assert search.best_trial(trials, maximize=False).index == 1
    assert elapsed < 2.5  # 6 trials x 0.2 s on 2 workers: measured 0.65 s
    assert workers_left() == set()


@pytest.mark.parametrize("executor", ["serial", "threads", None])
def test_a_score_that_is_not_a_number_is_a_failed_row(executor):
    values = [None, (0.9, 0.1), "0.5", True, np.bool_(False), [0.5]]
    good = [0.5, 3, np.float32(0.25), np.array(0.75), -math.inf]
    with pytest.warns(RuntimeWarning, match="6 of 11 trials failed"):
        if executor == "threads":
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                trials = search.grid_search(objectives.echo, {"value": values + good}, pool)
        else:
            trials = search.grid_search(objectives.echo, {"value": values + good}, executor)
    for t in trials[:6]:
        value = t.params["value"]  # np.bool_(False) is passed as False, as numbers are
        assert t.failed and math.isnan(t.score)
        assert t.error == (
            f"TypeError: the objective returned {value!r} ({type(value).__name__}), not a "
            "number; it must return the score as a float (NaN for a failed run)"
        )
    assert [t.score for t in trials[6:]] == [0.5, 3.0, 0.25, 0.75, -math.inf]
    assert all(type(t.score) is float and t.error is None for t in trials[6:])


def test_numpy_bools_and_huge_integers_are_failed_rows():
    values = search.choice([np.True_, np.array(False), 10**400])  # a choice keeps them as they are
    with pytest.warns(RuntimeWarning, match="3 of 3 trials failed"):
        trials = search.grid_search(objectives.echo, {"value": values}, executor="serial")
    assert [t.error for t in trials] == [
        "TypeError: the objective returned np.True_ (bool), not a number; it must return the "
        "score as a float (NaN for a failed run)",
        "TypeError: the objective returned np.False_ (bool), not a number; it must return the "
        "score as a float (NaN for a failed run)",
        "OverflowError: the objective returned an integer too large for a float",
    ]


def test_format_trials_when_every_trial_failed():
    # the review's reproducer: ValueError "no trial has a finite score" instead of the table
    trials = search.grid_search(lambda lr: float("nan"), {"lr": [0.1, 1.0]}, executor="serial")
    assert search.format_trials(trials).splitlines() == [
        "#  round   lr  score",
        "0      0  0.1    nan",
        "1      0    1    nan",
        "no trial has a finite score (of 2 trials, 0 failed with an error and 2 returned NaN "
        "or inf)",
    ]
    with pytest.warns(RuntimeWarning, match="2 of 2 trials failed"):
        trials = search.grid_search(objectives.raise_at, {"lr": [1, 1]}, executor="serial")
    table = search.format_trials(trials).splitlines()
    assert table[0].split() == ["#", "round", "lr", "score", "error"]
    assert table[1].split() == ["0", "0", "1", "nan", "RuntimeError:", "diverged"]
    assert table[-1] == (
        "no trial has a finite score (of 2 trials, 2 failed with an error and 0 returned "
        "NaN or inf)"
    )
    with pytest.raises(ValueError, match="format_trials needs at least one trial, got none"):
        search.format_trials([])


def test_format_trials_lists_failed_rows_with_their_errors_after_the_scores():
    trials = [
        search.Trial(0, {"lr": 0.1}, math.nan, error="ValueError: boom\nsecond line"),
        search.Trial(1, {"lr": 0.2}, 0.5),
        search.Trial(2, {"lr": 0.3}, math.nan),  # diverged: NaN, no error
        search.Trial(3, {"lr": 0.4}, 0.7),
    ]
    assert search.format_trials(trials).splitlines() == [
        "#  round   lr  score  error",
        "3      0  0.4    0.7",
        "1      0  0.2    0.5",
        "0      0  0.1    nan  ValueError: boom second line",
        "2      0  0.3    nan",
    ]
    # a table of successful trials alone has no error column (the tuning page shows one)
    assert search.format_trials(trials, top=2).splitlines()[0] == "#  round   lr  score"


def test_coarse_to_fine_returns_its_trials_when_round_0_has_no_finite_score():
    # was: ValueError after 5 trials, and none of them returned
    space = {"lr": search.log_uniform(1e-3, 1.0)}
    with pytest.warns(RuntimeWarning, match="no trial of round 0 has a finite score.*stopped"):
        trials = search.coarse_to_fine(
            lambda lr: math.nan, space, n_trials=5, rounds=3, executor="serial"
        )
    assert [t.index for t in trials] == [0, 1, 2, 3, 4] and {t.round for t in trials} == {0}
    assert search.round_spaces(space, trials) == [space]
    with pytest.warns(RuntimeWarning) as caught:
        trials = search.coarse_to_fine(
            objectives.raise_at, {"lr": [1]}, n_trials=3, rounds=2, executor="serial"
        )
    assert len(trials) == 3 and all(t.error == "RuntimeError: diverged" for t in trials)
    messages = [str(w.message) for w in caught]
    assert any("stopped after round 0" in m for m in messages)
    assert any("coarse_to_fine: 3 of 3 trials failed" in m for m in messages)


def test_failed_trials_do_not_steer_coarse_to_fine():
    # lr > 0.1 raises; the best finite scores are just below it. The failed trials must not
    # count among the `keep` best, or round 1 would reach up to lr = 1 again.
    def objective(lr):
        if lr > 0.1:
            raise FloatingPointError("overflow")
        return math.log10(lr)

    space = {"lr": search.log_uniform(1e-4, 1.0)}
    with pytest.warns(RuntimeWarning, match=r"coarse_to_fine: \d+ of 24 trials failed"):
        trials = search.coarse_to_fine(
            objective, space, n_trials=12, rounds=2, keep=3, executor="serial"
        )
    assert sum(t.failed for t in trials if t.round == 0) == 4  # drawn above 0.1
    assert all(t.error == "FloatingPointError: overflow" for t in trials if t.failed)
    top = sorted((t for t in trials if t.round == 0 and not t.failed), key=lambda t: -t.score)[:3]
    lo, hi = (math.log10(f(t.params["lr"] for t in top)) for f in (min, max))
    narrowed = search.round_spaces(space, trials, keep=3)[1]["lr"]
    assert narrowed.high == pytest.approx(10 ** (hi + 0.25 * (hi - lo)))  # measured 0.11
    assert narrowed.high < 0.12


def test_coarse_to_fine_over_a_choice_of_numpy_arrays():
    # was: "The truth value of an array with more than one element is ambiguous"
    weights = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5, 0.5])]

    def objective(w, lr):
        return -float(w @ np.array([1.0, 3.0])) - abs(math.log10(lr))

    space = {"w": search.choice(weights), "lr": search.log_uniform(1e-2, 1.0)}
    trials = search.coarse_to_fine(
        objective, space, n_trials=8, rounds=3, keep=2, executor="serial"
    )
    assert len(trials) == 24
    spaces = search.round_spaces(space, trials, keep=2)
    kept = [len(s["w"].options) for s in spaces]
    assert kept[0] == 3 and kept[1] <= 2 and kept[2] <= kept[1]
    assert any(np.array_equal(o, [1.0, 0.0]) for o in spaces[2]["w"].options)  # the best w
    assert np.array_equal(search.best_trial(trials).params["w"], [1.0, 0.0])


# ------------------------------------------------------------------ timeouts and dead workers


def test_a_hung_trial_times_out_and_its_worker_is_replaced(workers_left):
    objective = functools.partial(objectives.sleepy, delay=0.05, hang_at=2)
    start = time.monotonic()
    with pytest.warns(RuntimeWarning, match=r"trial 1 with \{'lr': 2\}: timed out after 0.5 s"):
        trials = search.grid_search(objective, {"lr": [1, 2, 3, 4, 5]}, timeout=0.5)
    elapsed = time.monotonic() - start
    assert [t.score for t in trials if not t.failed] == [1.0, 3.0, 4.0, 5.0]
    assert trials[1].error == "timed out after 0.5 s (its worker process was ended)"
    assert math.isnan(trials[1].score) and trials[1].params == {"lr": 2}
    assert 0.5 < elapsed < 2.5  # measured 0.53 s
    assert workers_left() == set()  # the hung worker was ended


def test_a_timeout_with_a_thread_pool_marks_the_trial_and_goes_on():
    release = threading.Event()

    def objective(lr):
        if lr == 2:
            release.wait(10)  # a thread cannot be ended: this one is let go after the search
        return float(lr)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        start = time.monotonic()
        with pytest.warns(RuntimeWarning, match="timed out after 0.3 s"):
            trials = search.grid_search(objective, {"lr": [1, 2, 3, 4]}, executor=pool, timeout=0.3)
        elapsed = time.monotonic() - start
        release.set()
        assert pool.submit(abs, -3).result() == 3  # the pool you pass is left open
    assert [(t.score, t.error) for t in trials if t.index != 1] == [
        (1.0, None),
        (3.0, None),
        (4.0, None),
    ]
    assert trials[1].error == "timed out after 0.3 s" and math.isnan(trials[1].score)
    assert elapsed < 2.0


def test_bad_timeouts():
    with pytest.raises(ValueError, match="timeout cannot be kept with executor='serial'"):
        search.grid_search(peaked, {"lr": [1e-3]}, executor="serial", timeout=5)
    with pytest.raises(ValueError, match="timeout must be a positive finite number, got 0"):
        search.random_search(peaked, {"lr": [1e-3]}, n_trials=1, timeout=0)
    with pytest.raises(TypeError, match="timeout must be a real number.*got '5'"):
        search.coarse_to_fine(peaked, {"lr": [1e-3]}, timeout="5")
    with pytest.raises(TypeError, match="timeout must be a real number.*got True"):
        search.grid_search(peaked, {"lr": [1e-3]}, timeout=True)


@pytest.mark.parametrize(
    ("how", "why"),
    [("exit", "worker died (exit code 3)"), ("kill", "worker died (killed by SIGKILL")],
)
def test_a_dead_worker_costs_only_its_own_trial(how, why, workers_left):
    # was: BrokenProcessPool, and every result lost
    objective = functools.partial(objectives.exit_at, bad=2, how=how)
    with pytest.warns(RuntimeWarning, match=r"1 of 5 trials failed.*trial 1"):
        trials = search.grid_search(objective, {"lr": [1, 2, 3, 4, 5]})
    assert trials[1].error.startswith(why) and math.isnan(trials[1].score)
    assert [t.score for t in trials if t.index != 1] == [1.0, 3.0, 4.0, 5.0]
    assert workers_left() == set()


def test_a_process_pool_you_pass_is_used_and_left_open():
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        with pytest.warns(RuntimeWarning, match="RuntimeError: diverged"):
            trials = search.grid_search(objectives.raise_at, {"lr": [1, 2, 3]}, executor=pool)
        assert pool.submit(abs, -3).result() == 3
    assert [(t.score, t.error) for t in trials[1:]] == [(2.0, None), (3.0, None)]
    assert trials[0].error == "RuntimeError: diverged"


# ------------------------------------------------------------------ Ctrl-C without signals


def test_a_keyboard_interrupt_in_a_serial_search_keeps_the_finished_trials():
    def objective(lr):
        if lr == 4:
            raise KeyboardInterrupt  # what Ctrl-C does in the middle of a serial trial
        return float(lr)

    with pytest.raises(search.SearchInterrupted, match="3 of 6 trials had finished") as info:
        search.grid_search(objective, {"lr": [1, 2, 3, 4, 5, 6]}, executor="serial")
    assert isinstance(info.value, KeyboardInterrupt)
    assert [(t.index, t.score) for t in info.value.trials] == [(0, 1.0), (1, 2.0), (2, 3.0)]


def test_an_interrupted_coarse_to_fine_keeps_the_trials_of_every_round():
    calls = []

    def objective(lr):
        calls.append(lr)
        if len(calls) == 7:  # the 3rd trial of round 1
            raise KeyboardInterrupt
        return -abs(math.log10(lr) + 2)

    space = {"lr": search.log_uniform(1e-4, 1.0)}
    with pytest.raises(search.SearchInterrupted, match="6 of 15 trials had finished") as info:
        search.coarse_to_fine(objective, space, n_trials=5, rounds=3, keep=2, executor="serial")
    assert [(t.index, t.round) for t in info.value.trials] == [(i, i // 5) for i in range(6)]


def test_a_keyboard_interrupt_in_a_thread_pool_stops_the_search():
    def objective(lr):
        if lr == 2:
            raise KeyboardInterrupt
        time.sleep(0.05 * lr)
        return float(lr)

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        with pytest.raises(search.SearchInterrupted) as info:
            search.grid_search(objective, {"lr": [1, 2, 3, 4, 5]}, executor=pool)
    assert [(t.index, t.score) for t in info.value.trials] == [(0, 1.0)]


# ------------------------------------------------------------------ property


KINDS = st.dictionaries(
    st.integers(0, 9), st.sampled_from(["raise", "none", "string", "nan"]), max_size=10
)


@settings(max_examples=30, deadline=None)
@given(kinds=KINDS, n=st.integers(1, 10), threads=st.booleans())
def test_a_randomly_failing_objective_gives_every_trial_in_order(kinds, n, threads):
    objective = functools.partial(objectives.by_kind, kinds=kinds)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if threads:
            with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
                trials = search.grid_search(objective, {"i": list(range(n))}, executor=pool)
        else:
            trials = search.grid_search(objective, {"i": list(range(n))}, executor="serial")
    _check_rows(trials, kinds, n)
    failed = sum(t.failed for t in trials)
    assert [str(w.message).split(" (")[0] for w in caught] == (
        [f"grid_search: {failed} of {n} trials failed"] if failed else []
    )


def test_a_randomly_failing_objective_in_worker_processes(workers_left):
    kinds = {0: "raise", 2: "hang", 3: "none", 5: "die", 6: "nan", 8: "string"}
    objective = functools.partial(objectives.by_kind, kinds=kinds)
    with pytest.warns(RuntimeWarning, match="5 of 10 trials failed"):
        trials = search.grid_search(objective, {"i": list(range(10))}, timeout=0.5)
    _check_rows(trials, kinds, 10)
    assert trials[2].error == "timed out after 0.5 s (its worker process was ended)"
    assert trials[5].error == "worker died (exit code 7)"
    assert workers_left() == set()


def _check_rows(trials, kinds, n):
    assert [t.index for t in trials] == list(range(n))
    assert [t.params for t in trials] == [{"i": i} for i in range(n)]
    for t in trials:
        kind = kinds.get(t.index, "ok")
        if kind == "ok":
            assert (t.score, t.error) == (t.index / 10, None)
        elif kind == "nan":
            assert math.isnan(t.score) and t.error is None  # a diverged run, not a failure
        else:
            assert math.isnan(t.score) and t.failed
    errors = {t.index: t.error for t in trials if t.failed}
    for i, error in errors.items():
        expected = {
            "raise": f"ValueError: trial {i} blew up",
            "none": "TypeError: the objective returned None (NoneType), not a number",
            "string": "TypeError: the objective returned '0.5' (str), not a number",
            "hang": "timed out after",
            "die": "worker died",
        }[kinds[i]]
        assert error.startswith(expected)
    if any(math.isfinite(t.score) for t in trials):
        best = search.best_trial(trials)
        assert best.score == max(t.index / 10 for t in trials if kinds.get(t.index, "ok") == "ok")
    table = search.format_trials(trials).splitlines()
    assert len(table) == 1 + n + (not any(math.isfinite(t.score) for t in trials))
