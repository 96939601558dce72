"""Claims of chapter 7 (compare) that no expected-output block on the page checks.

The runs are the stored experiments of ``scripts/exp_compare.py`` (the figures draw the same).

- The 2-D runs are deterministic: the steps-to-threshold table of both pages (the learning
  rates of the figures and the best learning rate of the grid, on the valley and on the valley
  turned by 45 degrees), the speed limits, the small multiples and AdaDelta's long runs are
  checked exactly. Every count and path was identical under the diagnostics (OpenBLAS core
  types Sandybridge and Nehalem, networks nudged by 1e-12 with two seeds).
- The handwritten-digits claims are checked on the 500-iteration runs of the right panel of
  compare-digits.svg and the 2000-iteration runs of its left panel, with bands that held under
  the same diagnostics and for network and batch seeds 1 to 3 (the spread is noted at each).
  The numbers the page quotes are ``{{ }}`` placeholders from ``page_numbers()``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from optimizers import landscapes
from optimizers.data import batches_per_epoch, load_digits
from scripts.exp_compare import (
    ADADELTA_GRID,
    DIGITS_DEFAULTS,
    DIGITS_ITERATIONS,
    GRID_FACTORS,
    MAX_STEPS,
    RULES,
    SEVEN,
    adadelta_runs,
    arrives_and_leaves,
    best_lr,
    digits_run,
    diverged,
    final_loss,
    first_above_one,
    grid_lr,
    low_range,
    lr_sweep,
    page_numbers,
    settle_steps,
    sweep_grid,
    sweep_loss,
    sweep_lrs,
    valley_paths,
)

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "docs" / lang / "compare.md" for lang in ("zh", "en")]
ROW = re.compile(  # a count is a number of steps, or "> 500" when the loss did not settle
    r"^\|\s*(?P<name>\w+)\s*\|\s*(?P<lr>[\d.]+)\s*"
    r"\|\s*(?P<valley>\d+|> \d+)\s*\|\s*(?P<rotated>\d+|> \d+)\s*"
    r"\|\s*(?P<best>\d+) \(lr (?P<best_lr>[\d.]+)\)\s*"
    r"\|\s*(?P<best_r>\d+) \(lr (?P<best_r_lr>[\d.]+)\)\s*\|\s*$"
)


def count(n: int | None) -> str:
    return f"> {MAX_STEPS}" if n is None else str(n)


def grid_value(lr: float) -> str:
    """A grid learning rate as the table prints it: two digits (AdaDelta's hundreds: whole)."""
    return f"{lr:.0f}" if lr >= 100 else f"{lr:.2g}"


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
    for name, lr in SEVEN.items():
        rows[name] = {
            "name": name,
            "lr": f"{lr:g}",
            "valley": count(steps[name]),
            "rotated": count(steps_r[name]),
            "best": str(best[name][1]),
            "best_lr": grid_value(best[name][0]),
            "best_r": str(best_r[name][1]),
            "best_r_lr": grid_value(best_r[name][0]),
        }
    return rows


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_steps_to_threshold_table(page: Path, expected_table):
    assert table(page) == expected_table


def counts_between(name: str, low: float, high: float, rotated: bool = False) -> list[int | None]:
    grid = sweep_grid(name)
    return [n for n, lr in zip(lr_sweep(rotated)[name], grid, strict=True) if low <= lr <= high]


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
    # AdaDelta, between them: 48 steps at lr 251
    assert 42 < best_r["AdaDelta"][1] < 53


def test_adadelta_sweep_on_the_valley():
    """AdaDelta's curve: it settles within 500 steps only from lr 7.9 on (366 steps there), and
    its best grid values are 9 steps (lr 447) and 48 on the turned valley (lr 251)."""
    counts = dict(zip(ADADELTA_GRID, lr_sweep(False)["AdaDelta"], strict=True))
    settled = [lr for lr, n in counts.items() if n is not None]
    assert min(settled) == 7.9433 and counts[7.9433] == 366
    assert settled == [lr for lr in ADADELTA_GRID if 7.9 < lr < 450]  # no gap, fails above
    assert best_lr(False)["AdaDelta"] == (446.6836, 9)
    assert best_lr(True)["AdaDelta"] == (251.1886, 48)
    # at lr 1 (Zeiler's method) it does not settle within 500 steps on either valley
    assert settle_steps(False)["AdaDelta"] is None and settle_steps(True)["AdaDelta"] is None
    # "at learning rates in the hundreds its first step moves each coordinate by 0.0045 lr,
    # about 1 to 2" (1.12 at lr 251, 2.00 at lr 447)
    f = landscapes.ill_conditioned()
    for lr in (251.1886, 446.6836):
        first = landscapes.trajectory(RULES["AdaDelta"](lr=lr), f, None, 1)
        step = np.abs(first[1] - first[0])
        assert np.all((1 <= step) & (step <= 2.05)) and np.allclose(step, 0.0045 * lr, rtol=0.01)


def test_small_multiples_claims():
    f = landscapes.ill_conditioned()
    paths = valley_paths()
    runs = {(name, k): paths[name, grid_lr(name, k)] for name in SEVEN for k in GRID_FACTORS}
    assert {key for key, points in runs.items() if diverged(points)} == {
        ("SGD", 3),
        ("SGD", 10),
        ("Nesterov", 10),
    }
    for name in SEVEN:  # a tenth of the learning rate: far from the minimum after 30 steps
        assert f.value(runs[name, 0.1][-1]) > 0.5
    for name in ("AdaGrad", "RMSProp", "Adam"):  # large jumps but near the minimum at the end
        for k in (3, 10):
            assert f.value(runs[name, k][-1]) < 0.2
    # AdaDelta's row hardly moves: even at lr 10 its loss after 30 steps is above 2 (2.49)
    for k in GRID_FACTORS:
        assert f.value(runs["AdaDelta", k][-1]) > 2


def test_adadelta_first_steps_on_the_valley():
    """At lr 1 each coordinate's first step is sqrt(eps / (1 - rho)) = 0.0045, and 30 steps
    cover 0.20 of the 7.3 from the start to the minimum."""
    path = valley_paths()["AdaDelta", 1.0]
    assert np.round(np.abs(path[1] - path[0]), 4).tolist() == [0.0045, 0.0045]
    assert round(np.sqrt(1e-6 / (1 - 0.95)), 4) == 0.0045
    assert round(page_numbers()["adadelta_dist30"], 2) == 0.20
    assert round(float(np.linalg.norm(path[0])), 1) == 7.3


def test_adadelta_arrives_but_does_not_stay():
    """The note "Arriving is not staying": AdaDelta at lr 1 arrives late and stays; at every lr
    above 1 that settles in the sweep, the loss comes back above 1e-3 within 3000 steps."""
    runs = adadelta_runs()
    values = page_numbers()
    assert values["adadelta_settle_lr1"] == 1637  # beyond the 500 steps the sweep counts
    assert arrives_and_leaves(runs[1.0]["losses"])[1] is None  # it stays
    assert values["adadelta_end_lr1"] < 1e-100
    assert len(runs) == 1 + 36  # lr 1 and the 36 grid values from 7.9 to 447
    for lr, run in runs.items():
        if lr > 1:
            below, back = arrives_and_leaves(run["losses"])
            assert below is not None and back is not None, lr
    # lr 100: below 1e-3 from step 46, its effective learning rate in y passes 1 after step
    # 104, the loss is back above 1e-3 at step 175 and at step 3000 above the start's 6.45
    assert (values["adadelta100_below"], values["adadelta100_back"]) == (46, 175)
    assert values["adadelta100_below"] < values["adadelta100_unstable"] < values["adadelta100_back"]
    assert values["adadelta100_end"] > landscapes.ill_conditioned().value(np.array([-7.0, 2.0]))
    # the effective learning rate never exceeds lr (the ratio of the RMS values is at most 1),
    # and approaches it as the gradients vanish: at lr 1 it ends at 1 in both coordinates
    for lr in (1.0, 100.0):
        rates = runs[lr]["rates"]
        assert rates.max() <= lr * (1 + 1e-12)
    assert np.allclose(runs[1.0]["rates"][-1], 1.0)
    assert first_above_one(runs[1.0]["rates"][:, 1]) is None


def test_digits_setup_stated_on_the_page():
    data = load_digits()
    assert (len(data.x_train), len(data.x_val)) == (1079, 359)
    assert batches_per_epoch(len(data.x_train), 128) == 9  # 2000 iterations: 222 epochs


@pytest.fixture(scope="module")
def loss() -> dict[tuple[str, float], float]:
    """Mean loss of iterations 451-500 of every run of the right panel."""
    return {(name, lr): sweep_loss(name, lr) for name in DIGITS_DEFAULTS for lr in sweep_lrs(name)}


@pytest.mark.slow
def test_digits_at_the_default_learning_rates(loss):
    default = {name: loss[name, lr] for name, lr in DIGITS_DEFAULTS.items()}
    # the page quotes SGD's (0.21-0.25) and momentum's (0.0083-0.0094) losses; "SGD learns much
    # more slowly": 26-29 times momentum's loss (and Nesterov's, 0.0084-0.0093)
    assert default["SGD"] > 20 * default["Momentum"]
    assert default["SGD"] > 20 * default["Nesterov"]
    # "Nesterov ends where momentum does": ratio 1.01 (0.97-1.05 over seeds 1-3)
    assert 0.8 < default["Nesterov"] / default["Momentum"] < 1.25
    # "lower still for the four adaptive methods": AdaGrad 0.0018-0.0023, RMSProp
    # 0.00010-0.00033, AdaDelta 0.00037-0.00050, Adam 0.0012-0.0013 against momentum's
    # 0.0083-0.0094
    for name in ("AdaGrad", "RMSProp", "AdaDelta", "Adam"):
        assert default[name] < default["Momentum"]
    # "AdaDelta at its lr of 1 ends below AdaGrad and Adam at theirs": 2.6-3.2 times below Adam
    assert default["AdaDelta"] < min(default["AdaGrad"], default["Adam"])
    # "Adam's 0.001, RMSProp's 0.01 and AdaDelta's 1 lie low in their valleys": below 0.002
    assert default["RMSProp"] < 0.002 and default["Adam"] < 0.002 and default["AdaDelta"] < 0.002


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
    # AdaDelta from 0.3 to 10, the same under seeds 1-3 (its loss at 0.3: 0.0038-0.0053, at
    # 0.1: 0.029-0.038); at 30 it fails (2.31). Its default 1 lies inside the valley: 3 and 10
    # are lower still (at 10: 0.000028-0.00026, the most variable number here, 0.000029 and
    # 0.000028 under Sandybridge and a 1e-12 nudge; at 1: 0.00037-0.00050).
    assert low_range("AdaDelta") == [0.3, 1.0, 3.0, 10.0]
    assert loss["AdaDelta", 30.0] > 1.5
    assert max(loss["AdaDelta", 3.0], loss["AdaDelta", 10.0]) < loss["AdaDelta", 1.0]
    # Nesterov fails where momentum fails, at 0.3 (2.31; momentum 2.18-2.31)
    assert loss["Nesterov", 0.3] > 1.5 and loss["Momentum", 0.3] > 1.5


@pytest.mark.slow
def test_digits_left_panel():
    """The alt text of the 2000-iteration runs and the legend's accuracies."""
    end = {
        name: final_loss(digits_run(name, lr, DIGITS_ITERATIONS).loss, DIGITS_ITERATIONS)
        for name, lr in DIGITS_DEFAULTS.items()
    }
    # "SGD ends highest; momentum, Nesterov, AdaGrad, AdaDelta and Adam end one to three orders
    # of magnitude lower" (was "several orders", which momentum's factor 36-41 is not): SGD
    # 0.034-0.042 over the diagnostics and seeds 1-3; ratios 36-41 (momentum), 36-42
    # (Nesterov), 134-155 (AdaGrad), 720-900 (AdaDelta), 640-1230 (Adam)
    for name in ("Momentum", "Nesterov", "AdaGrad", "AdaDelta", "Adam"):
        assert 10 < end["SGD"] / end[name] < 2000
    # "Nesterov's curve lies on momentum's": ratio of the final losses 0.98-1.01
    assert 0.8 < end["Nesterov"] / end["Momentum"] < 1.25
    # "RMSProp keeps falling far below all of them": 1.3e-8 to 2.1e-8, 1500-3900 times below
    # the lowest of the others (AdaDelta 4.5e-5 to 4.7e-5, Adam 3.2e-5 to 5.3e-5)
    others = min(end[name] for name in ("Momentum", "Nesterov", "AdaGrad", "AdaDelta", "Adam"))
    assert end["RMSProp"] < others / 100
    # the validation accuracies lie much closer together: 97.2-98.6 % here, at most 2.5 points
    # apart over the diagnostics and seeds 1-3 (seven optimizers; 95.8-98.3 % for seed 3),
    # against training losses six orders of magnitude apart
    values = page_numbers()
    assert values["val_pct_max"] - values["val_pct_min"] < 5
