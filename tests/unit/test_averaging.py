"""Tests of optimizers.averaging: explicit loops, closed forms, torch's AveragedModel."""

import math

import numpy as np
import pytest

from optimizers.averaging import (
    EMAParams,
    ExponentialAverage,
    PolyakAverage,
    effective_window,
    ewa,
)

BETAS = [0.0, 0.5, 0.9, 0.98, 0.999]


def temperatures(n: int = 365, seed: int = 0) -> np.ndarray:
    """A daily-temperature-like series: a seasonal wave plus noise."""
    rng = np.random.default_rng(seed)
    days = np.arange(n)
    return 12.0 - 10.0 * np.cos(2 * np.pi * days / 365) + rng.normal(0.0, 3.0, n)


def textbook_ewa(series, beta, bias_correction):
    """The chapter's loop, written out: v = beta v + (1 - beta) theta, then v / (1 - beta**t)."""
    out, v = [], 0.0
    for t, theta in enumerate(series, start=1):
        v = beta * v + (1 - beta) * theta
        out.append(v / (1 - beta**t) if bias_correction else v)
    return np.array(out)


# ----------------------------------------------------------------------------- ewa


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("bias_correction", [False, True])
def test_ewa_matches_the_textbook_loop(beta, bias_correction):
    series = temperatures()
    ours = ewa(series, beta, bias_correction)
    np.testing.assert_allclose(ours, textbook_ewa(series, beta, bias_correction), rtol=1e-12)
    assert ours.shape == series.shape and ours.dtype == np.float64


def test_ewa_first_values():
    series = np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(ewa(series, 0.9), [1.0, 2.9, 5.61], rtol=1e-15)
    # bias-corrected: the first value is the first observation, then weights 0.9 : 1
    np.testing.assert_allclose(ewa(series, 0.9, True), [10.0, 29 / 1.9, 56.1 / 2.71], rtol=1e-15)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("constant", [15.3, 0.1, -7.77, 1e6 / 3])
def test_bias_corrected_ewa_of_a_constant_is_the_constant(beta, constant):
    series = np.full(2000, constant)
    assert np.array_equal(ewa(series, beta, bias_correction=True), series)
    # without the correction it starts at (1 - beta) * constant and only creeps up
    plain = ewa(series, beta)
    np.testing.assert_allclose(plain, constant * (1 - beta ** np.arange(1, 2001)), rtol=1e-12)


def test_ewa_of_a_multi_column_series_is_columnwise():
    rng = np.random.default_rng(1)
    series = rng.normal(size=(200, 3))
    together = ewa(series, 0.9, True)
    for j in range(3):
        np.testing.assert_array_equal(together[:, j], ewa(series[:, j], 0.9, True))


def test_ewa_dtypes():
    series = temperatures(100).astype(np.float32)
    out = ewa(series, 0.9, True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ewa(series.astype(np.float64), 0.9, True), rtol=1e-5)
    assert ewa([1, 2, 3], 0.5).dtype == np.float64
    np.testing.assert_allclose(ewa([1, 2, 3], 0.5), [0.5, 1.25, 2.125], rtol=1e-15)


def test_exponential_average_stream_equals_ewa_and_round_trips():
    series = temperatures(50)
    stream = ExponentialAverage(0.98, bias_correction=True)
    assert stream.value == 0.0 and stream.t == 0
    values = [stream.update(x) for x in series[:20]]
    saved = stream.state_dict()
    resumed = ExponentialAverage(0.98, bias_correction=True)
    resumed.load_state_dict(saved)
    values += [resumed.update(x) for x in series[20:]]
    assert resumed.t == 50
    np.testing.assert_array_equal(values, ewa(series, 0.98, True))


def test_exponential_average_of_arrays_does_not_alias():
    stream = ExponentialAverage(0.5, bias_correction=True)
    x = np.array([1.0, 2.0])
    first = stream.update(x)
    x[:] = 100.0
    np.testing.assert_array_equal(first, [1.0, 2.0])
    np.testing.assert_allclose(stream.update(x), [67.0, 67.0 + 1.0 / 3], rtol=1e-15)


def test_effective_window():
    assert effective_window(0.9) == pytest.approx(10.0, rel=1e-14)
    assert effective_window(0.98) == pytest.approx(50.0, rel=1e-14)
    assert effective_window(0.5) == 2.0
    # beta**(1/(1-beta)) is about 1/e, closer as beta -> 1 (0.349 at 0.9, 0.364 at 0.98)
    gaps = [abs(b ** effective_window(b) - 1 / math.e) for b in (0.9, 0.98, 0.999)]
    assert gaps[0] < 0.02 and gaps[1] < 0.004 and gaps[2] < 2e-4
    assert gaps[0] > gaps[1] > gaps[2]


@pytest.mark.parametrize("beta", [True, "0.9", None])
def test_beta_that_is_not_a_number_is_a_type_error(beta):
    with pytest.raises(TypeError, match=r"^beta must be a real number \(in \[0, 1\)\), got "):
        ExponentialAverage(beta)
    with pytest.raises(TypeError, match=r"^decay must be a real number"):
        EMAParams(beta)


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5, float("nan")])
def test_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        ewa([1.0, 2.0], beta)
    with pytest.raises(ValueError, match="beta"):
        ExponentialAverage(beta)
    with pytest.raises(ValueError, match="decay"):
        EMAParams(beta)


def test_ewa_rejects_a_scalar_series():
    with pytest.raises(ValueError, match="series"):
        ewa(3.0, 0.9)


# ----------------------------------------------------------------------------- parameter averages


def snapshots(n: int = 30, seed: int = 0) -> list[dict]:
    """Parameter dicts as training would produce them: arrays of several shapes and a float."""
    rng = np.random.default_rng(seed)
    return [
        {
            "W": rng.normal(size=(4, 3)),
            "b": rng.normal(size=3),
            "s": float(rng.normal()),
            "h": rng.normal(size=(2, 2)).astype(np.float32),
        }
        for _ in range(n)
    ]


def test_polyak_average_is_the_mean_of_the_snapshots():
    snaps = snapshots()
    polyak = PolyakAverage()
    for params in snaps:
        polyak.update(params)
    assert polyak.count == polyak.steps == 30
    average = polyak.average
    for key in ("W", "b", "s"):
        expected = np.mean([np.asarray(p[key]) for p in snaps], axis=0)
        np.testing.assert_allclose(average[key], expected, rtol=1e-13)
    assert average["h"].dtype == np.float32 and average["s"].dtype == np.float64
    expected_h = np.mean([p["h"].astype(np.float64) for p in snaps], axis=0)
    np.testing.assert_allclose(average["h"], expected_h, rtol=1e-5)


def test_polyak_start_skips_the_first_steps():
    snaps = snapshots()
    polyak = PolyakAverage(start=10)
    for params in snaps:
        polyak.update(params)
    assert polyak.steps == 30 and polyak.count == 20
    expected = np.mean([p["W"] for p in snaps[10:]], axis=0)
    np.testing.assert_allclose(polyak.average["W"], expected, rtol=1e-13)
    with pytest.raises(ValueError, match="start"):
        PolyakAverage(start=-1)


def ema_closed_form(snaps, key, decay, bias_correction):
    values = [np.asarray(p[key], dtype=np.float64) for p in snaps]
    t = len(values)
    if bias_correction:  # v_0 = 0, v_t = sum_s (1 - d) d^(t - s) p_s, divided by 1 - d^t
        total = sum((1 - decay) * decay ** (t - s) * values[s - 1] for s in range(1, t + 1))
        return total / (1 - decay**t)
    # v_1 = p_1
    return decay ** (t - 1) * values[0] + sum(
        (1 - decay) * decay ** (t - s) * values[s - 1] for s in range(2, t + 1)
    )


@pytest.mark.parametrize("decay", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("bias_correction", [False, True])
def test_ema_params_equals_the_closed_form_sum(decay, bias_correction):
    snaps = snapshots(40)
    ema = EMAParams(decay, bias_correction=bias_correction)
    for params in snaps:
        ema.update(params)
    assert ema.count == 40
    for key in ("W", "b", "s"):
        expected = ema_closed_form(snaps, key, decay, bias_correction)
        np.testing.assert_allclose(ema.average[key], expected, rtol=1e-12)


def test_ema_params_special_cases():
    snaps = snapshots(5)
    latest = EMAParams(0.0)
    for params in snaps:
        latest.update(params)
    np.testing.assert_allclose(latest.average["W"], snaps[-1]["W"], rtol=1e-15)
    constant = EMAParams(0.999, bias_correction=True)
    for _ in range(100):
        constant.update({"w": np.full(3, 0.1)})
    np.testing.assert_array_equal(constant.average["w"], np.full(3, 0.1))


def test_averages_copy_and_never_alias():
    for average in (PolyakAverage(), EMAParams(0.9)):
        params = {"w": np.array([1.0, 2.0])}
        average.update(params)
        params["w"] += 10.0  # the live weights move on, in place
        np.testing.assert_array_equal(average.average["w"], [1.0, 2.0])
        view = average.average
        view["w"][:] = -1.0  # changing what we were given does not change the average
        np.testing.assert_array_equal(average.average["w"], [1.0, 2.0])
        saved = average.state_dict()
        average.update(params)
        np.testing.assert_array_equal(saved["average"]["w"], [1.0, 2.0])


@pytest.mark.parametrize("make", [lambda: PolyakAverage(start=3), lambda: EMAParams(0.9, True)])
def test_parameter_average_state_round_trip_is_bit_identical(make):
    snaps = snapshots(25)
    full = make()
    for params in snaps:
        full.update(params)
    first = make()
    for params in snaps[:11]:
        first.update(params)
    second = make()
    second.load_state_dict(first.state_dict())
    for params in snaps[11:]:
        second.update(params)
    for key, value in full.average.items():
        np.testing.assert_array_equal(second.average[key], value)
    assert second.count == full.count


def test_parameter_average_errors():
    average = PolyakAverage()
    with pytest.raises(RuntimeError, match="update"):
        average.average  # noqa: B018
    average.update({"w": np.zeros((2, 3)), "b": np.zeros(3)})
    with pytest.raises(KeyError, match="'b'"):
        average.update({"w": np.zeros((2, 3))})
    with pytest.raises(KeyError, match="'c'"):
        average.update({"w": np.zeros((2, 3)), "b": np.zeros(3), "c": np.zeros(1)})
    with pytest.raises(ValueError, match=r"'w'.*\(3, 2\).*\(2, 3\)"):
        average.update({"w": np.zeros((3, 2)), "b": np.zeros(3)})
    assert average.count == 1  # the failed updates changed nothing


# ----------------------------------------------------------------------------- torch


@pytest.mark.parametrize("kind", ["polyak", "ema"])
def test_matches_torch_averaged_model(kind):
    torch = pytest.importorskip("torch")
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    model = torch.nn.Linear(4, 3, dtype=torch.float64)
    if kind == "polyak":
        theirs, ours = AveragedModel(model), PolyakAverage()
    else:
        theirs = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
        ours = EMAParams(0.9)
    rng = np.random.default_rng(3)
    for _ in range(60):
        params = {"weight": rng.normal(size=(3, 4)), "bias": rng.normal(size=3)}
        with torch.no_grad():
            model.weight.copy_(torch.from_numpy(params["weight"]))
            model.bias.copy_(torch.from_numpy(params["bias"]))
        theirs.update_parameters(model)
        ours.update(params)
    for key in ("weight", "bias"):
        expected = getattr(theirs.module, key).detach().numpy()
        np.testing.assert_allclose(ours.average[key], expected, rtol=1e-12)


def test_exponential_average_refuses_a_value_of_another_shape():
    average = ExponentialAverage(0.9)
    average.update(np.ones(3))
    for theta, shape in [(np.ones(1), r"\(1,\)"), (np.ones((2, 3)), r"\(2, 3\)")]:
        with pytest.raises(
            ValueError, match=rf"theta has shape {shape}, but the average has shape"
        ):
            average.update(theta)
    assert average.t == 1 and average.value.shape == (3,)  # nothing changed


@pytest.mark.parametrize("theta", ["abc", None, [1 + 2j]])
def test_exponential_average_refuses_what_is_not_numbers(theta):
    average = ExponentialAverage(0.9)
    with pytest.raises(TypeError, match="theta must be a number or an array of numbers"):
        average.update(theta)
    assert average.t == 0


def test_params_averages_refuse_what_is_not_a_dict():
    for average in (PolyakAverage(), EMAParams(0.9)):
        with pytest.raises(
            TypeError,
            match=r"params must be a dict of parameters \(name -> array or number\), got NoneType",
        ):
            average.update(None)


def test_polyak_load_is_atomic():
    polyak = PolyakAverage()
    for k in range(3):
        polyak.update({"w": np.full(2, float(k))})
    before = polyak.state_dict()
    other = PolyakAverage()
    for _ in range(5):
        other.update({"w": np.zeros(2)})
    bad = other.state_dict()
    bad["steps"] = -1
    with pytest.raises(
        ValueError, match=r"state\['steps'\] must be a non-negative integer, got -1"
    ):
        polyak.load_state_dict(bad)
    after = polyak.state_dict()
    assert (after["steps"], after["count"]) == (before["steps"], before["count"]) == (3, 3)
    np.testing.assert_array_equal(after["average"]["w"], before["average"]["w"])


def test_exponential_average_load_is_atomic():
    average = ExponentialAverage(0.9)
    average.update(2.0)
    with pytest.raises(ValueError, match=r"state\['t'\] must be a non-negative integer"):
        average.load_state_dict({"t": -1, "value": 5.0})
    with pytest.raises(TypeError, match=r"state must be a dict"):
        average.load_state_dict(None)
    assert (average.t, average.value) == (1, pytest.approx(0.2))
