"""Claims of chapter 6 (adam) that no expected-output block on the page checks.

- The figure script's ``uncorrected`` schedule really turns the package's Adam into Adam without
  bias correction (the right panel of adam-bias-correction.svg relies on it).
- What the page says about that panel: at learning rate 0.01 the uncorrected run's loss jumps
  up in the first iterations and stays behind the corrected run for all 300 iterations, ending
  near 1e-3 against about 1e-4; at learning rate 0.001 the uncorrected run is ahead at first.
- What the page says about adam-amsgrad.svg: Adam reaches x = 1 within a few hundred steps,
  AMSGrad drifts steadily towards -1.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizers import Adam, AMSGrad  # noqa: E402
from optimizers.data import load_digits  # noqa: E402
from optimizers.nn import MultiLayerNet  # noqa: E402
from optimizers.train import smooth_curve, train  # noqa: E402
from scripts.fig_adam import online_problem, step_ratios, uncorrected  # noqa: E402


def test_uncorrected_schedule_is_adam_without_bias_correction():
    rng = np.random.default_rng(0)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    schedule = uncorrected(lr)
    opt = Adam(lr=lr, eps=eps)
    w = np.zeros(5)
    params = {"w": w.copy()}
    m, v = np.zeros(5), np.zeros(5)
    for i in range(50):
        g = rng.normal(size=5)
        opt.lr = schedule(i)
        opt.update(params, {"w": g})
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(params["w"], w, rtol=1e-12, atol=1e-15)


def test_step_ratios_of_the_figure_match_the_page():
    r = step_ratios(1000)
    assert r["raw"][0] == pytest.approx(0.1 / math.sqrt(0.001))
    assert r["m_only"][0] == pytest.approx(1 / math.sqrt(0.001))
    assert int(np.argmax(r["raw"])) + 1 == 12
    assert r["raw"].max() == pytest.approx(6.5685, abs=1e-4)
    np.testing.assert_allclose(r["both"], 1.0)


def adam_digits(lr: float, corrected: bool, iterations: int = 300) -> np.ndarray:
    data = load_digits()
    net = MultiLayerNet(data.input_size, [100] * 4, data.n_classes, seed=0)
    history = train(
        net,
        Adam(lr=lr),
        data,
        iterations=iterations,
        schedule=None if corrected else uncorrected(lr),
        seed=0,
        eval_every=iterations,
        progress=False,
    )
    assert not history.diverged
    return np.array(history.loss)


@pytest.mark.slow
def test_bias_correction_on_the_digits():
    with_, without = adam_digits(0.01, True), adam_digits(0.01, False)
    # the uncorrected run's loss jumps up in the first iterations ...
    assert without[1:10].max() > without[0] + 0.5
    # ... and it stays behind: every 50-iteration window has a higher mean loss
    for start in range(0, 300, 50):
        assert without[start : start + 50].mean() > with_[start : start + 50].mean()
    # where the smoothed curves end (figure's alt text: about 1e-4 and near 1e-3)
    end_with, end_without = smooth_curve(with_)[-1], smooth_curve(without)[-1]
    assert 3e-5 < end_with < 3e-4, end_with
    assert 3e-4 < end_without < 3e-3, end_without
    # at lr 0.001 the oversized first steps act like a larger learning rate: ahead at first
    with_small, without_small = adam_digits(0.001, True, 50), adam_digits(0.001, False, 50)
    assert without_small.mean() < with_small.mean()


def test_amsgrad_figure_claims():
    adam = online_problem(Adam(lr=0.1, beta2=0.99), 5050)
    ams = online_problem(AMSGrad(lr=0.1, beta2=0.99), 5050)
    assert np.argmax(adam >= 1.0) < 600  # Adam reaches x = 1 within a few hundred steps
    assert adam[1000:].min() > 0.3  # and then saw-tooths between about 0.4 and 1
    periods = ams.reshape(50, 101).mean(axis=1)
    assert np.all(np.diff(periods[5:]) < 0)  # AMSGrad drifts steadily downwards
    assert periods[-1] < -0.6
