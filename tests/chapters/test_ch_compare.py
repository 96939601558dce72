"""Claims of chapter 7 (compare) that no expected-output block on the page checks.

The runs are the stored experiments of ``scripts/exp_compare.py`` (the figures draw the same).

- The 2-D runs are deterministic: the steps-to-threshold table of both pages (the learning
  rates of the figures and the best learning rate of the grid, on the valley and on the valley
  turned by 45 degrees), the speed limits and the small multiples are checked exactly. Every
  count and path was identical under the diagnostics (OpenBLAS core types Sandybridge and
  Nehalem, networks nudged by 1e-12 with two seeds).
- The handwritten-digits claims are checked on the 500-iteration runs of the right panel of
  compare-digits.svg and the 2000-iteration runs of its left panel, with bands that held under
  the same diagnostics and for network and batch seeds 1 to 3 (the spread is noted at each).
  The numbers the page quotes are ``{{ }}`` placeholders from ``page_numbers()``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optimizers import landscapes
from optimizers.data import batches_per_epoch, load_digits
from scripts.exp_compare import (
    DIGITS_DEFAULTS,
    DIGITS_ITERATIONS,
    GRID_FACTORS,
    LR_GRID,
    RULES,
    SIX,
    SWEEP_LRS,
    best_lr,
    digits_run,
    diverged,
    final_loss,
    grid_lr,
    low_range,
    lr_sweep,
    page_numbers,
    settle_steps,
    sweep_loss,
    valley_paths,
)

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "docs" / lang / "compare.md" for lang in ("zh", "en")]
ROW = re.compile(
    r"^\|\s*(?P<name>\w+)\s*\|\s*(?P<lr>[\d.]+)\s*\|\s*(?P<valley>\d+)\s*\|\s*(?P<rotated>\d+)\s*"
    r"\|\s*(?P<best>\d+) \(lr (?P<best_lr>[\d.]+)\)\s*"
    r"\|\s*(?P<best_r>\d+) \(lr (?P<best_r_lr>[\d.]+)\)\s*\|\s*$"
)


def table(page: Path) -> dict[str, dict[str, str]]:
    rows = {}
    for line in page.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m and m["name"] in RULES:
            rows[m["name"]] = m.groupdict()
    return rows


@pytest.fixture(scope="module")
def expected_table() -> dict[str, dict[str, str]]:
    best, best_r = best_lr(False), best_lr(True)
    steps, steps_r = settle_steps(False), settle_steps(True)
    rows = {}
    for name, lr in SIX.items():
        rows[name] = {
            "name": name,
            "lr": f"{lr:g}",
            "valley": str(steps[name]),
            "rotated": str(steps_r[name]),
            "best": str(best[name][1]),
            "best_lr": f"{best[name][0]:.2g}",
            "best_r": str(best_r[name][1]),
            "best_r_lr": f"{best_r[name][0]:.2g}",
        }
    return rows


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_steps_to_threshold_table(page: Path, expected_table):
    assert table(page) == expected_table


def counts_between(name: str, low: float, high: float, rotated: bool = False) -> list[int | None]:
    return [n for n, lr in zip(lr_sweep(rotated)[name], LR_GRID, strict=True) if low <= lr <= high]


def test_speed_limit_of_momentum_and_adam():
    for rotated in (False, True):
        momentum = counts_between("Momentum", 0.035, 1.6, rotated)
        assert None not in momentum and min(momentum) == 74 and max(momentum) == 96
    adam = counts_between("Adam", 0.14, 6.31)  # grid values 0.1413 ... 6.3096
    assert None not in adam and min(adam) == 70 and max(adam) == 92
    # the per-coordinate methods at the largest learning rates of the aligned valley
    for name in ("AdaGrad", "RMSProp"):
        assert set(lr_sweep(False)[name][-5:]) <= {4, 5, 6}
    # on the turned valley their best is 53 to 70 steps, behind SGD and Nesterov's 42
    best_r = best_lr(True)
    assert sorted(best_r[n][1] for n in ("AdaGrad", "RMSProp", "Adam")) == [53, 60, 70]
    assert best_r["SGD"][1] == best_r["Nesterov"][1] == 42


def test_small_multiples_claims():
    f = landscapes.ill_conditioned()
    paths = valley_paths()
    runs = {(name, k): paths[name, grid_lr(name, k)] for name in SIX for k in GRID_FACTORS}
    assert {key for key, points in runs.items() if diverged(points)} == {
        ("SGD", 3),
        ("SGD", 10),
        ("Nesterov", 10),
    }
    for name in SIX:  # a tenth of the learning rate: far from the minimum after 30 steps
        assert f.value(runs[name, 0.1][-1]) > 0.5
    for name in ("AdaGrad", "RMSProp", "Adam"):  # large jumps but near the minimum at the end
        for k in (3, 10):
            assert f.value(runs[name, k][-1]) < 0.2


def test_digits_setup_stated_on_the_page():
    data = load_digits()
    assert (len(data.x_train), len(data.x_val)) == (1079, 359)
    assert batches_per_epoch(len(data.x_train), 128) == 9  # 2000 iterations: 222 epochs


@pytest.fixture(scope="module")
def loss() -> dict[tuple[str, float], float]:
    """Mean loss of iterations 451-500 of every run of the right panel."""
    return {(name, lr): sweep_loss(name, lr) for name in DIGITS_DEFAULTS for lr in SWEEP_LRS}


@pytest.mark.slow
def test_digits_at_the_default_learning_rates(loss):
    default = {name: loss[name, lr] for name, lr in DIGITS_DEFAULTS.items()}
    # the page quotes SGD's (0.21-0.25) and momentum's (0.0083-0.0094) losses; "SGD learns much
    # more slowly": 26-29 times momentum's loss
    assert default["SGD"] > 20 * default["Momentum"]
    # "lower still for the three adaptive methods": AdaGrad 0.0018-0.0023, RMSProp
    # 0.00010-0.00033, Adam 0.0012-0.0013 against momentum's 0.0083-0.0094
    for name in ("AdaGrad", "RMSProp", "Adam"):
        assert default[name] < default["Momentum"]
    # "Adam's 0.001 and RMSProp's 0.01 lie low in their valleys": below 0.002
    assert default["RMSProp"] < 0.002 and default["Adam"] < 0.002


@pytest.mark.slow
def test_digits_what_the_learning_rate_decides(loss):
    # "SGD with 0.1 reaches about the loss of momentum with 0.01": ratio 1.03 (0.94-1.10 over
    # the diagnostics and seeds 1-3), "SGD with 0.3 about that of Adam with 0.001": ratio 1.11
    # (1.03-1.15; the old "reaches that of" with a 15 % tolerance failed for seed 3)
    assert 0.8 < loss["SGD", 0.1] / loss["Momentum", 0.01] < 1.25
    assert 0.8 < loss["SGD", 0.3] / loss["Adam", 0.001] < 1.25
    # SGD's valley: its default is far up the left slope, its floor at 0.3, 1.0 fails (a loss
    # near ln 10: 2.31, 2.12 with one nudge, 1.75 for seed 1)
    sgd = [loss["SGD", lr] for lr in (0.01, 0.03, 0.1, 0.3)]
    assert sgd == sorted(sgd, reverse=True)
    assert loss["SGD", 1.0] > 1.5
    # the width of the valleys (loss < 0.01). The same under every diagnostic and seed: SGD
    # only at 0.1 and 0.3 (its loss at 0.1: 0.0085-0.0097), RMSProp from 0.0003 to 0.01 (at
    # 0.0003: 0.0062-0.0086). Adam from 0.001 to 0.03 here and for seed 1, to 0.01 under every
    # diagnostic and for seeds 2-3 (its loss at 0.03: 0.00002-0.11), so the page no longer says
    # "about ten times wider" but "from 0.001 to at least 0.01", "several times wider".
    assert low_range("SGD") == [0.1, 0.3]
    assert low_range("RMSProp") == [3e-4, 1e-3, 3e-3, 1e-2]
    assert low_range("Adam")[:3] == [1e-3, 3e-3, 1e-2]
    assert set(low_range("Adam")) <= {1e-3, 3e-3, 1e-2, 3e-2}


@pytest.mark.slow
def test_digits_left_panel():
    """The alt text of the 2000-iteration runs and the legend's accuracies."""
    end = {
        name: final_loss(digits_run(name, lr, DIGITS_ITERATIONS).loss, DIGITS_ITERATIONS)
        for name, lr in DIGITS_DEFAULTS.items()
    }
    # "SGD ends highest; momentum, AdaGrad and Adam end one to three orders of magnitude
    # lower" (was "several orders", which momentum's factor 36-41 is not): SGD 0.034-0.042
    # over the diagnostics and seeds 1-3; ratios 36-41 (momentum), 134-155 (AdaGrad),
    # 640-1230 (Adam)
    for name in ("Momentum", "AdaGrad", "Adam"):
        assert 10 < end["SGD"] / end[name] < 2000
    # "RMSProp keeps falling far below all of them": 1.3e-8 to 2.1e-8, 1500-3900 times below
    # the lowest of the others
    others = min(end[name] for name in ("Momentum", "AdaGrad", "Adam"))
    assert end["RMSProp"] < others / 100
    # the validation accuracies lie much closer together: 97.2-98.6 % here, at most 2.3 points
    # apart over the diagnostics and seeds 1-3, against training losses six orders of
    # magnitude apart
    values = page_numbers()
    assert values["val_pct_max"] - values["val_pct_min"] < 5
