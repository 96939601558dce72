"""Claims of chapter 7 (compare) that no expected-output block on the page checks.

- The steps-to-threshold table of both pages (the learning rates of the figures and the best
  learning rate of the grid, on the valley and on the valley turned by 45 degrees), computed
  with the figure script's own ``steps_to_settle`` and ``LR_GRID``.
- What the text says about the learning-rate sweep and the small multiples.
- The handwritten-digits claims, on a cheaper version of the figure's run: 500 iterations
  (the right panel of compare-digits.svg is exactly this run).
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizers import landscapes  # noqa: E402
from optimizers.data import batches_per_epoch, load_digits  # noqa: E402
from scripts.fig_compare import (  # noqa: E402
    LR_GRID,
    RULES,
    SIX,
    STEPS,
    SWEEP_ITERATIONS,
    best_lr,
    digits_runs,
    final_loss,
    lr_sweep,
    run,
    steps_to_settle,
)

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
    valley, rotated = landscapes.ill_conditioned(), landscapes.rotated()
    best, best_r = best_lr(False), best_lr(True)
    rows = {}
    for name, lr in SIX.items():
        rows[name] = {
            "name": name,
            "lr": f"{lr:g}",
            "valley": str(steps_to_settle(RULES[name](lr=lr), valley)),
            "rotated": str(steps_to_settle(RULES[name](lr=lr), rotated)),
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
    factors = (0.1, 0.3, 1, 3, 10)

    def final(name, factor):
        with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # diverging runs stop early
            return run(RULES[name](lr=round(SIX[name] * factor, 4)), f, STEPS)

    diverged = {
        (name, k)
        for name in SIX
        for k in factors
        if len(final(name, k)) <= STEPS or np.abs(final(name, k)[-1]).max() > 20
    }
    assert diverged == {("SGD", 3), ("SGD", 10), ("Nesterov", 10)}
    for name in SIX:  # a tenth of the learning rate: far from the minimum after 30 steps
        assert f.value(final(name, 0.1)[-1]) > 0.5
    for name in ("AdaGrad", "RMSProp", "Adam"):  # large jumps but near the minimum at the end
        for k in (3, 10):
            assert f.value(final(name, k)[-1]) < 0.2


def test_digits_setup_stated_on_the_page():
    data = load_digits()
    assert (len(data.x_train), len(data.x_val)) == (1079, 359)
    assert batches_per_epoch(len(data.x_train), 128) == 9  # 2000 iterations: 222 epochs


@pytest.fixture(scope="module")
def digits_losses() -> dict[tuple[str, float], float]:
    """Mean loss of iterations 451-500 for the runs the text talks about."""
    runs = {
        "SGD": (0.01, 0.03, 0.1, 0.3, 1.0),
        "Momentum": (0.01,),
        "AdaGrad": (0.01,),
        "RMSProp": (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2),
        "Adam": (3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1),
    }
    losses = {}
    for name, lrs in runs.items():
        for lr in lrs:
            history = digits_runs(SWEEP_ITERATIONS, {name: lr})[name]
            losses[name, lr] = final_loss(history.loss, SWEEP_ITERATIONS)
    return losses


@pytest.mark.slow
def test_digits_at_the_default_learning_rates(digits_losses):
    loss = digits_losses
    assert loss["SGD", 0.01] == pytest.approx(0.21, abs=0.01)  # "0.21 for SGD"
    assert loss["Momentum", 0.01] == pytest.approx(0.008, abs=0.001)  # "0.008 for momentum"
    for name, lr in (("AdaGrad", 0.01), ("RMSProp", 0.01), ("Adam", 0.001)):
        assert loss[name, lr] < loss["Momentum", 0.01]  # "lower still for the adaptive ones"
    for name, lr in (("RMSProp", 0.01), ("Adam", 0.001)):  # "lie low in their valleys"
        assert loss[name, lr] < 0.002


@pytest.mark.slow
def test_digits_what_the_learning_rate_decides(digits_losses):
    loss = digits_losses
    # SGD at 0.1 reaches the loss of momentum at 0.01, SGD at 0.3 that of Adam at 0.001
    assert loss["SGD", 0.1] == pytest.approx(loss["Momentum", 0.01], rel=0.15)
    assert loss["SGD", 0.3] == pytest.approx(loss["Adam", 0.001], rel=0.15)
    # SGD's valley: its default is far up the left slope, its floor near 0.3, 1.0 fails
    sgd = [loss["SGD", lr] for lr in (0.01, 0.03, 0.1, 0.3)]
    assert sgd == sorted(sgd, reverse=True)
    assert loss["SGD", 1.0] > 2.0  # a loss near ln 10: the network guesses
    # the width of the valleys (loss < 0.01): SGD a factor 3, RMSProp and Adam a factor 30
    good = {name: [lr for (n, lr), v in loss.items() if n == name and v < 0.01] for name in RULES}
    assert good["SGD"] == [0.1, 0.3]
    assert good["RMSProp"] == [3e-4, 1e-3, 3e-3, 1e-2]
    assert good["Adam"] == [1e-3, 3e-3, 1e-2, 3e-2]
