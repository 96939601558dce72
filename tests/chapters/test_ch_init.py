"""The claims of chapter 11 (init) that no expected-output block on the page checks.

The page prints the standard deviations behind the histograms; this file holds the rest: what
the figures and their captions and alt texts say, and the numbers the text quotes from the
digits training runs of ``init-training.svg`` (12 runs of 1000 iterations, about 12 s).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.train import smooth_curve
from scripts import fig_init as fig

LN10 = math.log(10)


def last50(history) -> float:
    return float(np.mean(history.loss[-50:]))


def first_below(history, level: float = 2.0) -> int | None:
    """First iteration at which the smoothed loss (as drawn, window 31) is below level."""
    smooth = smooth_curve(history.loss, 31)
    below = np.flatnonzero(smooth < level)
    return int(below[0]) if len(below) else None


# ------------------------------------------------------------------------------ the histograms


def test_sigmoid_std1_saturates_std001_collapses():
    for a in fig.activations("sigmoid", "std = 1"):
        assert np.mean((a < 0.01) | (a > 0.99)) > 0.45  # piles up at 0 and 1
    for a in fig.activations("sigmoid", "std = 0.01"):
        assert np.mean(np.abs(a - 0.5) < 0.1) > 0.999  # a spike at 0.5


def test_tanh_std001_shrinks_tenfold_per_layer():
    stds = [a.std() for a in fig.activations("tanh", "std = 0.01")]
    ratios = np.array(stds[1:]) / np.array(stds[:-1])
    assert ratios == pytest.approx(0.1, rel=0.05)
    assert stds[-1] < 1e-5


def test_relu_half_the_outputs_are_zero():
    """Caption: about half of the ReLU outputs are exactly 0."""
    for init in fig.INITS:
        for a in fig.activations("relu", init):
            assert 0.4 < np.mean(a == 0) < 0.6, init


def test_relu_scale_per_layer():
    """Text: std 1 grows ~7x per layer, std 0.01 shrinks ~0.07x, Xavier ~0.75x, He keeps it."""

    def factors(init):
        stds = np.array([a.std() for a in fig.activations("relu", init)])
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
    for activation in fig.ACTIVATIONS:
        h = fig.digits_run(activation, "std = 0.01")
        assert not h.diverged
        assert np.max(np.abs(smooth_curve(h.loss, 31) - LN10)) < 0.01, activation
        assert h.val_acc[-1] == pytest.approx(0.100, abs=0.001)


@pytest.mark.slow
def test_relu_std1_diverges_after_five_updates():
    h = fig.digits_run("relu", "std = 1")
    assert h.diverged and h.iterations == 5
    assert h.loss[0] == pytest.approx(143_000, rel=0.01)


@pytest.mark.slow
def test_relu_xavier_plateau_and_he():
    xavier, he = fig.digits_run("relu", "Xavier"), fig.digits_run("relu", "He")
    assert first_below(xavier) == 324  # "about 300 iterations on a plateau"
    assert first_below(he) == 32
    assert he.val_acc[-1] == pytest.approx(0.944, abs=0.0005)
    assert xavier.val_acc[-1] == pytest.approx(0.864, abs=0.0005)
    assert last50(he) == pytest.approx(0.075, abs=0.005)  # alt text: "to about 0.08"
    assert last50(xavier) == pytest.approx(0.36, abs=0.01)


@pytest.mark.slow
def test_tanh_runs():
    xavier, he, big = (fig.digits_run("tanh", k) for k in ("Xavier", "He", "std = 1"))
    assert xavier.val_acc[-1] == pytest.approx(0.936, abs=0.0005)
    assert he.val_acc[-1] == pytest.approx(0.958, abs=0.0005)
    assert last50(he) < last50(xavier)
    assert last50(xavier) == pytest.approx(0.2, abs=0.01)
    assert last50(he) == pytest.approx(0.1, abs=0.005)
    assert big.loss[0] == pytest.approx(15.65, abs=0.01)  # "starts near 15"
    assert last50(big) == pytest.approx(1.32, abs=0.005)  # "still at 1.3"


@pytest.mark.slow
def test_sigmoid_only_std1_learns():
    for init in ("Xavier", "He"):
        h = fig.digits_run("sigmoid", init)
        assert last50(h) == pytest.approx(LN10, abs=0.002), init
        assert h.val_acc[-1] < 0.11
    big = fig.digits_run("sigmoid", "std = 1")
    assert big.loss[0] == pytest.approx(16.8, abs=0.05)  # alt text: "from about 17"
    assert last50(big) == pytest.approx(0.67, abs=0.005)  # "to 0.7"
    assert big.val_acc[-1] == pytest.approx(0.749, abs=0.0005)
