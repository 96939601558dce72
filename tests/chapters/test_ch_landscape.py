"""Chapter 9 (landscape): the numbers and claims of the page that no code block on it checks.

- the 1-D panels: gradient descent on x³ from 1 after 60 steps;
- the random Hessians: the exact n = 2 value against the sampled one, the 20 positive definite
  samples of n = 5, the fraction of negative eigenvalues for n = 2, 10, 100;
- the plateau: the figure's table, and the ratios the text states;
- the saddle: what the figures and the GIF's alt text say about the four paths;
- the page's Plateau class is the figure's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import SGD, landscapes
from scripts import fig_landscape as fig


def test_flat_inflection_point():
    path = landscapes.trajectory(SGD(lr=0.1), fig.cubic(), [1.0], 60)
    assert path[-1, 0] == pytest.approx(0.05, abs=0.005)  # "still at x ≈ 0.05"
    assert np.all(np.diff(path[:, 0]) < 0) and path[-1, 0] > 0  # creeps, never gets there
    left = landscapes.trajectory(SGD(lr=0.1), fig.cubic(), [-0.3], 6)
    assert np.all(np.diff(left[:, 0]) < 0)  # pushed away to the left


def test_critical_points_of_two_valleys():
    f = fig.TwoValleys()
    for point in ((-2.0, 0.0), (1.0, 0.0), (0.0, 0.0)):
        assert np.allclose(f.gradient(np.array(point)), 0.0)


def test_random_hessians():
    fractions = fig.positive_fractions()
    exact_2 = (1 - 1 / math.sqrt(2)) / 2
    assert round(exact_2, 3) == 0.146
    sigma = math.sqrt(exact_2 * (1 - exact_2) / fig.SAMPLES)
    assert abs(fractions[2] - exact_2) < 3 * sigma
    assert round(fractions[5] * fig.SAMPLES) == 20  # "only 20 of 200,000"
    ratios = [fractions[n + 1] / fractions[n] for n in range(1, 5)]
    assert all(b < a < 0.5 for a, b in zip(ratios, ratios[1:], strict=False))  # bends downwards
    negative = fig.negative_fractions()
    assert 0.12 < np.mean(negative[2] == 0) < 0.18  # "about 15 % have no negative eigenvalue"
    assert np.mean(negative[10] == 0) == 0  # "for n = 10 none do"
    assert np.all(np.abs(negative[100] - 0.5) <= 0.1)  # "every one ... between 40 % and 60 %"


def test_dean_majumdar_rate_is_plausible():
    """The sampled log-probabilities fall faster than linearly in n (towards -ln3/4 n^2)."""
    logs = [math.log(fig.positive_fractions()[n]) for n in fig.DIMENSIONS]
    second_differences = np.diff(logs, 2)
    assert np.all(second_differences < 0)


def test_plateau_table_and_ratios():
    table = fig.plateau_table()
    assert table["SGD"] == {1.5: 13, 2.0: 48, 2.5: 262, 3.0: 2596}
    assert table["Momentum"] == {1.5: 6, 2.0: 15, 2.5: 50, 3.0: 305}
    assert table["Adam"] == {1.5: 7, 2.0: 12, 2.5: 17, 3.0: 23}
    f = fig.Plateau()
    slopes = [f.gradient(np.array([s]))[0] for s in (2.0, 2.5, 3.0)]
    slope_ratios = [a / b for a, b in zip(slopes, slopes[1:], strict=False)]
    assert [round(r) for r in slope_ratios] == [8, 13]  # "8 to 13 times smaller"
    sgd = [table["SGD"][s] for s in (2.0, 2.5, 3.0)]
    assert all(5 <= b / a <= 10 for a, b in zip(sgd, sgd[1:], strict=False))  # "5 to 10 times"
    speedups = [table["SGD"][s] / table["Momentum"][s] for s in (2.0, 2.5, 3.0)]
    assert all(3 <= r <= 9 for r in speedups) and speedups == sorted(speedups)  # "3 to 9"
    assert slopes[-1] < 1e-3  # "less than 10^-3 at x = 3"


def test_plateau_figure_run():
    f = fig.Plateau()
    path = landscapes.trajectory(SGD(lr=0.1), f, [2.5], 300)
    assert int(np.argmax(f.value(path.T) < 0.5)) == 262


def test_saddle_paths():
    paths = fig.saddle_paths()
    escape = {name: fig.escape_step(p) for name, p in paths.items()}
    assert escape == {"SGD": 349, "Momentum": 72, "RMSProp": 17, "Adam": 77}
    assert 4.5 < escape["SGD"] / escape["Momentum"] < 5  # "almost five times sooner"
    assert paths["Momentum"][:80, 0].max() > 0.2  # shoots through the saddle point
    assert paths["RMSProp"][1, 1] == pytest.approx(0.101, abs=0.001)  # "to about 0.1 at once"
    assert paths["Adam"][1, 1] == pytest.approx(0.011, abs=0.001)  # "about 0.01 per step"
    assert 8 <= int(np.argmax(np.abs(paths["Adam"][:, 1]) > 0.1)) <= 12  # "within about ten"
    # the GIF's alt text: when each leaves the picture (|x| or |y| > 2)
    leave = {name: len(fig.inside(p)) - 1 for name, p in paths.items()}
    assert 45 <= leave["RMSProp"] <= 60 and 75 <= leave["Momentum"] <= 85
    assert 130 <= leave["Adam"] <= 150 and 370 <= leave["SGD"] <= 390
    assert fig.SADDLE_STEPS >= leave["SGD"]
    gif_steps = 10 * 39  # the last frame shows step 390
    assert gif_steps >= leave["SGD"]
