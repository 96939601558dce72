"""The claims of chapter 11 (init) that no expected-output block on the page checks.

The page prints the standard deviations behind the histograms; this file holds the rest: what
the figures, their captions and alt texts say, and the claims the text makes with the numbers it
quotes (as ``{{ }}`` placeholders) from the digits runs of ``init-training.svg``: the stored
experiments of ``scripts/exp_init.py`` (12 runs of 1000 iterations, computed once).

The bands were measured on the seed-0 runs under the diagnostics of issue 10 (OpenBLAS core
types SkylakeX, Sandybridge and Nehalem; every weight nudged by 1e-12, ten nudges) and on the
same runs with seeds 1-4 (weights and batches): only the tanh network with std 1 moves under the
diagnostics (it is chaotic); every other number below is bit-identical under all of them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from optimizers.train import smooth_curve
from scripts import exp_init as exp

LN10 = math.log(10)
DOCS = Path(__file__).resolve().parents[2] / "docs"


def smoothed(history) -> np.ndarray:
    return smooth_curve(history.loss, exp.SMOOTH)


# ------------------------------------------------------------------------------ the histograms
# One forward pass of a seeded network: identical under every diagnostic (the page's
# expected-output blocks print the same numbers).


def test_sigmoid_std1_saturates_std001_collapses():
    for a in exp.activations("sigmoid", "std = 1"):
        assert np.mean((a < 0.01) | (a > 0.99)) > 0.45  # piles up at 0 and 1
    for a in exp.activations("sigmoid", "std = 0.01"):
        assert np.mean(np.abs(a - 0.5) < 0.1) > 0.999  # a spike at 0.5


def test_tanh_std001_shrinks_tenfold_per_layer():
    stds = [a.std() for a in exp.activations("tanh", "std = 0.01")]
    ratios = np.array(stds[1:]) / np.array(stds[:-1])
    assert ratios == pytest.approx(0.1, rel=0.05)
    assert stds[-1] < 1e-5


def test_relu_half_the_outputs_are_zero():
    """Caption: about half of the ReLU outputs are exactly 0."""
    for init in exp.INITS:
        for a in exp.activations("relu", init):
            assert 0.4 < np.mean(a == 0) < 0.6, init


def test_relu_scale_per_layer():
    """Text: std 1 grows ~7x per layer, std 0.01 shrinks ~0.07x, Xavier ~0.75x, He keeps it."""

    def factors(init):
        stds = np.array([a.std() for a in exp.activations("relu", init)])
        return stds[1:] / stds[:-1], stds

    grow, _ = factors("std = 1")
    assert np.all((grow > 6) & (grow < 9))
    shrink, _ = factors("std = 0.01")
    assert np.all((shrink > 0.06) & (shrink < 0.09))
    xavier, stds = factors("Xavier")
    assert np.all(xavier < 0.85)
    assert (stds[-1] / stds[0]) ** 0.25 == pytest.approx(0.75, abs=0.01)
    he, stds = factors("He")
    assert np.all((stds > 0.75) & (stds < 1.05))
    assert math.sqrt(100 / 2) == pytest.approx(7.07, abs=0.01)
    assert math.sqrt(0.01 / 2) == pytest.approx(0.0707, abs=1e-4)


def test_fixed_scale_is_right_for_one_width():
    assert math.sqrt(2 / 20_000) == pytest.approx(0.01)


# ------------------------------------------------------------------------ training on the digits


@pytest.mark.slow
def test_std001_never_moves():
    """Page: "with every activation the loss stays at ln 10 ... for all 1000 iterations"."""
    for activation in exp.ACTIVATIONS:
        h = exp.digits_run(activation, "std = 0.01")
        assert not h.diverged
        # largest distance of the smoothed loss from ln 10: 0.0002-0.0021 (seeds 0-4)
        assert np.max(np.abs(smoothed(h) - LN10)) < 0.01, activation
        assert h.val_acc[-1] < 0.11  # guessing: 0.1003 (seeds 0-4)


@pytest.mark.slow
def test_relu_std1_explodes():
    """Page: "the first loss is about 143 000 and after 5 updates it is no longer a number"."""
    h = exp.digits_run("relu", "std = 1")
    assert h.diverged
    assert h.iterations <= 10  # 5 here; 5-6 for seeds 0-4
    assert h.loss[0] > 1e4  # 142 805 here; 61 000-143 000 for seeds 0-4


@pytest.mark.slow
def test_relu_xavier_plateau_and_he():
    xavier, he = exp.digits_run("relu", "Xavier"), exp.digits_run("relu", "He")
    # "only after a plateau of a few hundred iterations": the smoothed loss first falls below 2
    # after 324 iterations here, 324-450 for seeds 0-4; until then it stays near 2.3
    plateau = exp.first_below(xavier, 2.0)
    assert 200 <= plateau <= 600
    assert np.all(smoothed(xavier)[:plateau] < 2.6)
    # "with He after only ...": 32 here, 32-51 for seeds 0-4
    assert exp.first_below(he, 2.0) < 100
    # He ends ahead: validation 94.4 % against 86.4 % here (seeds 0-4: He 94.4-97.2 %,
    # Xavier 85.0-90.5 %); loss 0.075 against 0.36 (He 0.064-0.084, Xavier 0.28-0.42)
    assert he.val_acc[-1] > xavier.val_acc[-1]
    assert exp.last50(he) < 0.5 * exp.last50(xavier)


@pytest.mark.slow
def test_tanh_xavier_and_he():
    """Page: "trains well with Xavier (93.6 %) and a little faster with He (95.8 %)"."""
    xavier, he = exp.digits_run("tanh", "Xavier"), exp.digits_run("tanh", "He")
    # validation: Xavier 93.6 %, He 95.8 % here; seeds 0-4: Xavier 92.5-95.8 %, He 95.8-96.9 %
    assert 0.9 < xavier.val_acc[-1] < he.val_acc[-1]
    # below 2 after: He 11, Xavier 44 here; seeds 0-4: He 11-21, Xavier 44-63
    assert exp.first_below(he, 2.0) < exp.first_below(xavier, 2.0)
    # last losses (alt text "to about 0.1" and "to about 0.2"): He 0.100, Xavier 0.205 here;
    # seeds 0-4: He 0.096-0.105, Xavier 0.193-0.205
    assert exp.last50(he) < exp.last50(xavier) < 0.5


@pytest.mark.slow
def test_tanh_std1_saturates():
    """Page: "the loss starts near 16 and stays above ln 10 ... for the first N iterations; after
    1000 iterations the network gets only N % of the validation images right, far fewer than
    with Xavier or He". This run is chaotic: its final loss (mean of the last 50: 1.32 here) was
    0.13-1.79 under the diagnostics and 0.52-1.52 for seeds 0-4, so the page states none."""
    big = exp.digits_run("tanh", "std = 1")
    assert not big.diverged
    assert 14 < big.loss[0] < 18  # 15.65 here (the first loss precedes any update); 14.9-16.9
    # first iteration with the smoothed loss below ln 10: 735 here; 501-821 under the
    # diagnostics and for seeds 0-4
    assert exp.first_below(big, LN10) >= 400
    # validation accuracy: 62.4 % here; 59.6-67.7 % under the diagnostics and seeds 0-4
    assert big.val_acc[-1] < 0.75
    others = [exp.digits_run("tanh", init).val_acc[-1] for init in ("Xavier", "He")]
    assert big.val_acc[-1] < min(others) - 0.15


@pytest.mark.slow
def test_sigmoid_only_std1_learns():
    for init in ("Xavier", "He"):
        h = exp.digits_run("sigmoid", init)
        # "the loss stays at ln 10": from iteration 100 on, the smoothed loss is within 0.0016
        # of ln 10 here; the mean of the last 50 losses is 0.0008-0.0012 above it (seeds 0-4)
        assert np.max(np.abs(smoothed(h)[100:] - LN10)) < 0.02, init
        assert h.val_acc[-1] < 0.15, init  # 0.100 here; 0.100-0.125 for seeds 0-4
    big = exp.digits_run("sigmoid", "std = 1")
    # "its loss falling from about 17 to 0.7": 16.8 to 0.67 here; seeds 0-4: 8.1-16.8 to 0.55-0.92
    assert big.loss[0] > 5 and exp.last50(big) < 1.0
    # "let it learn at all (74.9 %)": seeds 0-4: 72.7-84.4 %
    assert big.val_acc[-1] > 0.5
