"""The claims of chapter 5 (adaptive) that no expected-output block on the page checks.

The page prints most of its numbers; this file holds the rest: the statements in the prose,
the figure captions and alt texts, and the answers of the exercises.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import SGD, AdaDelta, AdaGrad, RMSProp, landscapes

VALLEY = landscapes.ill_conditioned()


def first_below(losses: np.ndarray, level: float) -> int | None:
    below = np.flatnonzero(losses < level)
    return int(below[0]) if below.size else None


# --------------------------------------------------------------------- AdaGrad


def test_adagrad_beats_sgd_by_about_18_times_after_30_steps():
    sgd = landscapes.trajectory(SGD(lr=0.95), VALLEY, None, steps=30)
    adagrad = landscapes.trajectory(AdaGrad(lr=1.5), VALLEY, None, steps=30)
    ratio = VALLEY.value(sgd[-1]) / VALLEY.value(adagrad[-1])
    assert round(ratio) == 18


def test_adagrad_first_step_is_lr_in_every_coordinate():
    rng = np.random.default_rng(0)
    g = rng.standard_normal(5) * 10.0 ** rng.uniform(-3, 3, 5)
    params = {"w": np.zeros(5)}
    AdaGrad(lr=0.3).update(params, {"w": g})
    np.testing.assert_allclose(np.abs(params["w"]), 0.3, rtol=1e-5)


def test_adagrad_stall_figure():
    """Figure: x's effective lr falls like 1/sqrt(t) early on; y's goes flat once y is 0.
    Text: after 3000 steps AdaGrad (lr 0.1) has not got as close as AdaGrad (lr 1.5) in 30."""
    from scripts.fig_adaptive import effective_lr

    points, factors = effective_lr(AdaGrad(lr=0.1), VALLEY, 3000)
    slope = math.log(factors[299, 0] / factors[9, 0]) / math.log(300 / 10)
    assert -0.55 < slope < -0.4
    assert factors[2999, 1] == pytest.approx(factors[999, 1], rel=1e-6)
    assert factors[-1, 0] < factors[0, 0] / 10
    fast = landscapes.trajectory(AdaGrad(lr=1.5), VALLEY, None, steps=30)
    assert abs(points[-1, 0]) > abs(fast[-1, 0])


# --------------------------------------------------------------------- RMSProp


def test_rmsprop_long_run_figure():
    """Figure: RMSProp (lr 0.1) dips below 1e-20 within 250 steps, jumps back up after step
    600 and settles near 0.003; its effective lr of x rises to about 100 and settles near 20."""
    from scripts.fig_adaptive import effective_lr

    points, factors = effective_lr(RMSProp(lr=0.1), VALLEY, 3000)
    losses = VALLEY.value(points.T)
    assert losses[:250].min() < 1e-20
    assert losses[250:600].max() < 1e-20
    assert losses[600:800].max() > 1e-3
    assert losses[-1000:].mean() == pytest.approx(1.05 * 0.1**2 / 4, rel=0.01)
    assert round(losses[-1000:].mean(), 3) == 0.003
    assert 0.5 < factors[0, 0] < 2
    assert 50 < factors[:, 0].max() < 200
    assert factors[-1, 0] == pytest.approx(0.1 / (0.05 * 0.1), rel=0.01)


def test_rmsprop_cycle_figure():
    """Figure: the last 40 points alternate between (-0.05, 0.05) and (0.05, -0.05)."""
    points = landscapes.trajectory(RMSProp(lr=0.1), VALLEY, None, steps=3000)[-40:]
    np.testing.assert_allclose(np.abs(points), 0.05, atol=1e-4)
    assert np.all(np.sign(points[:, 0]) == -np.sign(points[:, 1]))
    assert np.all(np.sign(points[1:, 0]) == -np.sign(points[:-1, 0]))


@pytest.mark.parametrize("lr", [0.3, 0.03])
def test_rmsprop_cycle_is_half_the_lr(lr):
    path = landscapes.trajectory(RMSProp(lr=lr), VALLEY, None, steps=8000)
    np.testing.assert_allclose(np.abs(path[-200:]).max(axis=0), lr / 2, rtol=1e-2)


def test_same_lr_comparison_figure():
    """Figure: in 60 steps at lr 0.1 AdaGrad covers a short stretch, RMSProp reaches the floor."""
    adagrad = landscapes.trajectory(AdaGrad(lr=0.1), VALLEY, None, steps=60)
    rmsprop = landscapes.trajectory(RMSProp(lr=0.1), VALLEY, None, steps=60)
    assert adagrad[-1, 0] < -5.5
    assert np.linalg.norm(rmsprop[-1]) < 0.1


# --------------------------------------------------------------------- AdaDelta


def test_adadelta_first_step():
    """Text: about sqrt(eps / (1 - rho)) = 0.0045 per coordinate, sqrt(2) times that in all."""
    scale = math.sqrt(1e-6 / 0.05)
    assert round(scale, 4) == 0.0045
    path = landscapes.trajectory(AdaDelta(), VALLEY, None, steps=1)
    np.testing.assert_allclose(np.abs(path[1] - path[0]), scale, rtol=0.01)
    assert np.linalg.norm(path[1] - path[0]) == pytest.approx(math.sqrt(2) * scale, rel=0.01)


def test_adadelta_figure():
    """Figure: the step lengths start near 0.006, 0.06 and 0.6 (eps 1e-6, 1e-4, 1e-2); the
    first stays near 0.006 for about 1000 steps; the runs arrive after roughly 1800, 400 and
    130 steps (first step shorter than 1e-5)."""
    arrivals = {}
    for eps, level in ((1e-6, 0.006), (1e-4, 0.06), (1e-2, 0.6)):
        path = landscapes.trajectory(AdaDelta(rho=0.95, eps=eps), VALLEY, None, steps=3000)
        sizes = np.linalg.norm(np.diff(path, axis=0), axis=1)
        assert sizes[0] == pytest.approx(level, rel=0.1)
        arrivals[eps] = first_below(sizes, 1e-5)
        if eps == 1e-6:
            assert 0.0035 < sizes[:1000].min() and sizes[:1000].max() < 0.007
    assert arrivals[1e-6] == pytest.approx(1800, rel=0.1)
    assert arrivals[1e-4] == pytest.approx(400, rel=0.1)
    assert arrivals[1e-2] == pytest.approx(130, rel=0.1)


def test_adadelta_refuses_lr_zero():
    with pytest.raises(ValueError, match="lr"):
        AdaDelta(lr=0.0)


# --------------------------------------------------------------------- exercises


def test_exercise_sum_of_inverse_square_roots():
    """Exercise 3: sum_{k <= t} 1/sqrt(k) = 2 sqrt(t) - 1.46... (zeta(1/2)) for large t."""
    t = 10**6
    total = np.sum(1 / np.sqrt(np.arange(1, t + 1)))
    assert total - 2 * math.sqrt(t) == pytest.approx(-1.4603545, abs=1e-3)
    assert round(0.5 / 0.1) ** 2 == 25
