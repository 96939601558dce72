"""Chapter 3 (ewa): the claims of the page that its expected-output blocks do not check.

- the figures use the page's series (same seed, same numbers);
- the β = 0.98 average peaks weeks after the seasonal curve ("weeks later");
- on day 50 the uncorrected average (10.18 °C) is colder than all the data around it, and in
  the second half of the year the corrected and uncorrected curves merge;
- the weights of the unrolled sum, their total 1 - β^t, the mean age β/(1 - β), and the rule
  β^(1/(1-β)) ≈ 1/e getting better as β approaches 1;
- ``ExponentialAverage`` fed one value at a time equals ``v_t / (1 - β^t)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.averaging import ExponentialAverage, effective_window, ewa
from scripts import fig_ewa as fig


def test_the_figures_use_the_pages_series():
    days, temperature = fig.temperatures()
    assert days.size == 365
    assert round(temperature.min(), 1) == 9.2 and round(temperature.max(), 1) == 36.1
    assert np.round(temperature[:3], 2).tolist() == [15.52, 14.84, 16.75]
    # "From one day to the next the values jump by almost 3 °C on average."
    assert 2.5 < np.abs(np.diff(temperature)).mean() < 3.0


def test_the_smoothest_average_lags_weeks_behind_the_season():
    days, temperature = fig.temperatures()
    season = 22 - 7 * np.cos(2 * np.pi * (days - 15) / 365)
    peak = days[np.argmax(season)]
    assert peak == 197  # mid-July
    lag = days[np.argmax(ewa(temperature, 0.98, bias_correction=True))] - peak
    assert 14 <= lag <= 60, f"the beta = 0.98 average peaks {lag} days after the season"
    lag_plain = days[np.argmax(ewa(temperature, 0.98))] - peak
    assert 14 <= lag_plain <= 60


def test_bias_on_day_50_and_merging_curves():
    days, temperature = fig.temperatures()
    plain = ewa(temperature, 0.98)
    corrected = ewa(temperature, 0.98, bias_correction=True)
    assert plain[49] == pytest.approx(10.18, abs=0.005)
    assert np.all(temperature[39:60] > plain[49]), "colder than the data around day 50"
    gap = np.abs(plain - corrected)
    assert np.all(gap[199:] < 0.5) and gap[-1] < 0.05, "they merge in the second half"
    assert np.all(corrected[:50] > 12)  # among the data from day 1


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98, 0.999])
def test_unrolled_weights(beta: float):
    t = 400
    weights = (1 - beta) * beta ** np.arange(t)
    assert weights.sum() == pytest.approx(1 - beta**t, rel=1e-12)
    # mean age of an infinitely long average
    k = np.arange(200_000)
    mean_age = np.sum(k * (1 - beta) * beta**k)
    assert mean_age == pytest.approx(beta / (1 - beta), rel=1e-9)


def test_the_one_over_e_rule_improves_as_beta_approaches_one():
    betas = [0.5, 0.9, 0.98, 0.999]
    gaps = [abs(b ** effective_window(b) - 1 / math.e) for b in betas]
    assert gaps == sorted(gaps, reverse=True)
    assert round(0.999 ** effective_window(0.999), 3) == round(1 / math.e, 3)
    # "From beta = 0.9 on, the last 1/(1-beta) values carry about two thirds of the weight."
    for b in betas[1:]:
        assert 0.63 < 1 - b ** effective_window(b) < 0.66


def test_streaming_average_is_the_divided_average():
    _, temperature = fig.temperatures()
    for beta in (0.9, 0.98):
        average = ExponentialAverage(beta, bias_correction=True)
        plain = ewa(temperature, beta)
        for t, theta in enumerate(temperature, start=1):
            assert average.update(theta) == pytest.approx(plain[t - 1] / (1 - beta**t))
