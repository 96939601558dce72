"""The claims of chapter 12 (batchnorm) that no expected-output block on the page checks.

The page prints the condition numbers, the BN layer's statistics and gradient checks and a few
short training runs; this file holds what the figures, captions, alt texts and prose state:
the sensitivity of the linear classifier, the weight-scale sweep (32 runs of 200 iterations)
and the learning-rate sweep (12 runs of 200 iterations) of ``scripts/fig_batchnorm.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.data import load_digits
from scripts import fig_batchnorm as fig

# ------------------------------------------------------------------------------- preprocessing


def test_classifier_is_the_same_in_both_coordinates():
    x, t = fig.clouds()
    w, c, w_raw, c_raw = fig.classifier()
    xn = fig.normalize(x)
    assert np.array_equal(x @ w_raw + c_raw > 0, xn @ w + c > 0)
    assert fig.accuracy(x, t, w_raw, c_raw) == pytest.approx(0.96)


def test_turning_the_weights():
    """Raw: 96% at 0, about 50% from 2 degrees on. Normalized: 0.9 to 0.97 up to 20 degrees."""
    x, t = fig.clouds()
    w, c, w_raw, c_raw = fig.classifier()
    xn = fig.normalize(x)
    angles = np.linspace(-20, 20, 161)
    raw = np.array([fig.accuracy(x, t, fig.rotate(w_raw, a), c_raw) for a in angles])
    norm = np.array([fig.accuracy(xn, t, fig.rotate(w, a), c) for a in angles])
    far = np.abs(angles) >= 2
    assert np.all(raw[far] <= 0.53) and np.all(raw[far] >= 0.5)
    assert norm.min() == pytest.approx(0.90) and norm.max() <= 0.97


def test_constant_pixels_are_on_the_border():
    data = load_digits()
    blank = np.flatnonzero(data.x_train.std(axis=0) == 0)
    assert len(blank) == 4
    rows, cols = blank // 8, blank % 8
    assert np.all((rows == 0) | (rows == 7) | (cols == 0) | (cols == 7))
    assert np.all(data.x_train[:, blank] == 0)
    assert math.sqrt(60 / 64) == pytest.approx(0.968, abs=5e-4)


def test_relu_of_a_standard_normal_has_std_058():
    assert math.sqrt(0.5 - 1 / (2 * math.pi)) == pytest.approx(0.58, abs=0.005)


def test_activations_do_not_depend_on_the_weight_scale():
    small, big = fig.layer_outputs(0.01, True), fig.layer_outputs(1.0, True)
    for a, b in zip(small, big, strict=True):
        assert a.std() == pytest.approx(b.std(), rel=0.01)


# ------------------------------------------------------------------------- the weight scales


def final_acc(scale, bn):
    return fig.scale_sweep()[(float(scale), bn)].train_acc[-1]


@pytest.mark.slow
def test_without_bn_only_two_scales_train():
    runs = fig.scale_sweep()
    scales = [float(s) for s in fig.SCALES]
    assert [s for s in scales if runs[(s, False)].diverged] == scales[:2]  # 1 and 0.54
    good = [s for s in scales if not runs[(s, False)].diverged and final_acc(s, False) >= 0.9]
    assert [round(s, 2) for s in good] == [0.29, 0.16]
    assert final_acc(scales[4], False) == pytest.approx(0.25, abs=0.01)  # 0.086
    assert all(final_acc(s, False) < 0.11 for s in scales[5:])


@pytest.mark.slow
def test_with_bn_nine_scales_train():
    runs = fig.scale_sweep()
    scales = [float(s) for s in fig.SCALES]
    assert not any(runs[(s, True)].diverged for s in scales)
    good = [s for s in scales if final_acc(s, True) >= 0.9]
    assert len(good) == 9
    assert good == scales[3:12]  # contiguous
    assert round(good[0], 2) == 0.16 and round(good[-1], 4) == 0.0012
    assert good[0] / good[-1] > 100  # "more than two orders of magnitude"
    at_100 = [runs[(s, True)].train_acc[runs[(s, True)].eval_iterations.index(100)] for s in good]
    assert sum(a >= 0.95 for a in at_100) >= 5  # "most of them close to 1.0 within 100"
    assert final_acc(1.0, True) == pytest.approx(0.66, abs=0.005)
    assert final_acc(scales[1], True) == pytest.approx(0.74, abs=0.005)
    tail = [final_acc(s, True) for s in scales[12:]]
    assert all(a < 0.8 for a in tail) and tail[-1] == pytest.approx(0.1, abs=0.005)


def test_he_scales():
    assert math.sqrt(2 / 64) == pytest.approx(0.18, abs=0.005)
    assert math.sqrt(2 / 100) == pytest.approx(0.14, abs=0.005)
    assert 1 / math.sqrt(2 / 100) == pytest.approx(7, abs=0.1)  # "about seven times larger"
    assert 1 / (2 / 100) == pytest.approx(50)


# ------------------------------------------------------------------------- the learning rates


@pytest.mark.slow
def test_learning_rates():
    runs = fig.lr_sweep()

    def loss(lr, bn):
        return fig.final_loss(runs[(lr, bn)])

    plain = [loss(lr, False) for lr in fig.LRS[:4]]
    assert plain == sorted(plain, reverse=True)  # falls up to 0.3
    assert loss(0.3, False) == pytest.approx(0.0085, abs=5e-5)
    assert loss(1.0, False) == pytest.approx(2.27, abs=0.005)
    assert runs[(1.0, False)].train_acc[-1] == pytest.approx(0.16, abs=0.005)
    assert runs[(3.0, False)].diverged and runs[(3.0, False)].iterations == 6
    bn = {lr: loss(lr, True) for lr in fig.LRS}
    assert all(np.isfinite(v) for v in bn.values())
    assert min(bn, key=bn.get) == 1.0
    assert bn[1.0] == pytest.approx(0.0023, abs=5e-5)
    assert bn[3.0] == pytest.approx(0.071, abs=5e-4)
    assert runs[(3.0, True)].train_acc[-1] == 1.0  # "every training example right"
    for lr in fig.LRS[:4]:  # "a little lower at each learning rate up to 0.3"
        assert bn[lr] < loss(lr, False)
    assert runs[(0.01, True)].train_acc[-1] == pytest.approx(0.941, abs=5e-4)
    assert runs[(0.01, False)].train_acc[-1] == pytest.approx(0.866, abs=5e-4)
    assert loss(0.01, True) == pytest.approx(0.52, abs=0.005)
    assert loss(0.01, False) == pytest.approx(0.65, abs=0.005)
