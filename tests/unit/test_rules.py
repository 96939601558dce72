"""Tests of the update rules and their base class (optimizers.rules, optimizers.base).

The comparisons with torch.optim are in test_reference_torch.py; here every rule is checked
against a plain float64 transcription of its formula (Nadam's from Dozat's paper), plus the
interface: defaults, errors, scalars, dtypes, blocking, state_dict, and hypothesis properties.
"""

from __future__ import annotations

import copy
import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import optimizers
from optimizers import base, rules
from optimizers.rules import (
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    AdamW,
    AMSGrad,
    Momentum,
    Nadam,
    Nesterov,
    RMSProp,
)

ROOT = Path(__file__).resolve().parents[2]
ALL_RULES = [SGD, Momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam, AdamW, Nadam, AMSGrad]


# ---------------------------------------------------------------------------------------------
# A small non-quadratic problem with arrays of several shapes and scalars
# ---------------------------------------------------------------------------------------------


def make_params(seed: int = 0, dtype=np.float64) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "W": rng.standard_normal((4, 3)).astype(dtype),
        "b": rng.standard_normal(3).astype(dtype),
        "T": rng.standard_normal((2, 3, 5)).astype(dtype),
        "s": np.array(0.7, dtype=dtype),
        "x": -1.5,  # a Python float: replaced at each update
    }


def grad_of(params: dict) -> dict:
    """Gradient of sum(log cosh(W - 0.3)) + sum(log cosh(2 b)) + ... (elementwise, nonlinear)."""
    return {
        "W": np.tanh(params["W"] - 0.3),
        "b": 2.0 * np.tanh(2.0 * params["b"]),
        "T": np.tanh(params["T"] + 0.1) + 0.05 * params["T"],
        "s": np.tanh(params["s"] - 0.2),
        "x": math.tanh(params["x"] - 1.0),
    }


def run(opt, params: dict, steps: int) -> dict:
    for _ in range(steps):
        opt.update(params, grad_of(params))
    return params


def as_arrays(params: dict) -> dict:
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


# ---------------------------------------------------------------------------------------------
# Interface: exports, defaults, snippet markers
# ---------------------------------------------------------------------------------------------


def test_exports():
    assert set(rules.__all__) == {
        "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta",
        "Adam", "AdamW", "Nadam", "AMSGrad", "Optimizer",
    }  # fmt: skip
    for name in rules.__all__:
        assert getattr(optimizers, name) is getattr(rules, name)
    assert rules.Optimizer is base.Optimizer


@pytest.mark.parametrize(
    "cls, defaults",
    [
        (SGD, {"lr": 0.01}),
        (Momentum, {"lr": 0.01, "momentum": 0.9}),
        (Nesterov, {"lr": 0.01, "momentum": 0.9}),
        (AdaGrad, {"lr": 0.01, "eps": 1e-7}),
        (RMSProp, {"lr": 0.01, "decay_rate": 0.99, "eps": 1e-7}),
        (AdaDelta, {"rho": 0.95, "eps": 1e-6, "lr": 1.0}),
        (Adam, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}),
        (AdamW, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7, "weight_decay": 0.01}),
        (Nadam, {"lr": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}),
        (AMSGrad, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}),
    ],
)
def test_textbook_defaults(cls, defaults):
    opt = cls()
    assert opt.state_dict()["hyperparameters"] == defaults
    for name, value in defaults.items():
        assert getattr(opt, name) == value and type(getattr(opt, name)) is float
    args = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
    assert repr(opt) == f"{cls.__name__}({args})"


def test_snippet_markers_wrap_each_class():
    """The pages include each class by pymdownx.snippets section; check the markers."""
    text = (ROOT / "optimizers" / "rules.py").read_text().splitlines()
    for section, cls in [
        ("sgd", "SGD"), ("momentum", "Momentum"), ("nesterov", "Nesterov"),
        ("adagrad", "AdaGrad"), ("rmsprop", "RMSProp"), ("adadelta", "AdaDelta"),
        ("adam", "Adam"), ("adamw", "AdamW"), ("nadam", "Nadam"), ("amsgrad", "AMSGrad"),
    ]:  # fmt: skip
        start = text.index(f"# --8<-- [start:{section}]")
        end = text.index(f"# --8<-- [end:{section}]")
        body = text[start + 1 : end]
        assert body[0].startswith(f"class {cls}("), section
        assert sum(line.startswith("class ") for line in body) == 1, section
        assert len(body) <= 75, f"{section}: {len(body)} lines is too long to print"


# ---------------------------------------------------------------------------------------------
# Each rule against a plain float64 transcription of its formula
# ---------------------------------------------------------------------------------------------


def reference_step(name: str, hp: dict, w, g, s: dict, t: int):
    """One step of rule ``name`` written as the textbook formula (new arrays, no in-place)."""
    if name == "SGD":
        return w - hp["lr"] * g
    if name in ("Momentum", "Nesterov"):
        s["v"] = hp["momentum"] * s.get("v", 0.0) - hp["lr"] * g
        if name == "Momentum":
            return w + s["v"]
        return w + hp["momentum"] * s["v"] - hp["lr"] * g
    if name == "AdaGrad":
        s["h"] = s.get("h", 0.0) + g * g
        return w - hp["lr"] * g / (np.sqrt(s["h"]) + hp["eps"])
    if name == "RMSProp":
        r = hp["decay_rate"]
        s["h"] = r * s.get("h", 0.0) + (1 - r) * g * g
        return w - hp["lr"] * g / (np.sqrt(s["h"]) + hp["eps"])
    if name == "AdaDelta":
        rho, eps = hp["rho"], hp["eps"]
        s["Eg2"] = rho * s.get("Eg2", 0.0) + (1 - rho) * g * g
        delta = np.sqrt(s.get("Edx2", 0.0) + eps) / np.sqrt(s["Eg2"] + eps) * g
        s["Edx2"] = rho * s.get("Edx2", 0.0) + (1 - rho) * delta * delta
        return w - hp["lr"] * delta
    b1, b2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    if name == "AdamW":
        w = w - hp["lr"] * hp["weight_decay"] * w
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    if name == "Nadam":  # Dozat (2016), Algorithm 2 with a constant mu_t = beta1
        m_hat = s["m"] / (1 - b1 ** (t + 1))
        g_hat = g / (1 - b1**t)
        m_bar = b1 * m_hat + (1 - b1) * g_hat
        v_hat = s["v"] / (1 - b2**t)
        return w - hp["lr"] * m_bar / (np.sqrt(v_hat) + eps)
    lr_t = hp["lr"] * math.sqrt(1 - b2**t) / (1 - b1**t)
    v = s["v"]
    if name == "AMSGrad":
        s["v_max"] = v = np.maximum(s.get("v_max", 0.0), v)
    return w - lr_t * s["m"] / (np.sqrt(v) + eps)


HYPER = {  # non-default values, so a swapped or ignored hyperparameter shows
    "SGD": {"lr": 0.07},
    "Momentum": {"lr": 0.03, "momentum": 0.8},
    "Nesterov": {"lr": 0.03, "momentum": 0.8},
    "AdaGrad": {"lr": 0.2, "eps": 1e-3},
    "RMSProp": {"lr": 0.02, "decay_rate": 0.9, "eps": 1e-3},
    "AdaDelta": {"rho": 0.9, "eps": 1e-3, "lr": 0.7},
    "Adam": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
    "AdamW": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3, "weight_decay": 0.3},
    "Nadam": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
    "AMSGrad": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
}


@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_rule_matches_its_formula(cls):
    name = cls.__name__
    opt = cls(**HYPER[name])
    params = make_params(1)
    start = as_arrays(params)
    ref = as_arrays(params)
    ref_state = {k: {} for k in ref}
    for t in range(1, 61):
        grads = grad_of(params)
        ref_grads = grad_of(ref)
        opt.update(params, grads)
        for k in ref:
            ref[k] = reference_step(name, HYPER[name], ref[k], ref_grads[k], ref_state[k], t)
    assert opt.t == 60
    for k in ref:
        got = np.asarray(params[k])
        scale = np.max(np.abs(ref[k]))
        assert np.max(np.abs(got - ref[k])) <= 1e-13 * scale, (name, k)
        assert np.max(np.abs(ref[k] - start[k])) > 0.05, (name, k)  # the rule really moved
    for k, arrays in opt.state.items():  # the state is the formula's state
        assert set(arrays) == set(cls.state_names) == set(ref_state[k]), (name, k)
        for state_name, a in arrays.items():
            want = ref_state[k][state_name]
            assert np.max(np.abs(a - want)) <= 1e-13 * np.max(np.abs(want)), (name, k)


def test_sgd_on_the_textbook_function():
    """f = x^2/20 + y^2 from (-7, 2): x_t = (1 - lr/10)^t x_0, y_t = (1 - 2 lr)^t y_0."""
    params = {"x": -7.0, "y": 2.0}
    opt = SGD(lr=0.95)
    for _ in range(30):
        opt.update(params, {"x": params["x"] / 10.0, "y": 2.0 * params["y"]})
    assert type(params["x"]) is float and type(params["y"]) is float
    assert params["x"] == pytest.approx(-7.0 * 0.905**30, rel=1e-14)
    assert params["y"] == pytest.approx(2.0 * (-0.9) ** 30, rel=1e-14)


def test_nesterov_is_not_the_popular_variant():
    """Popular code puts the *new* v into w += momentum^2 v - (1 + momentum) lr g: not Nesterov.

    On f = x^2 (g = 2x) ours is checked against its formula above and against torch's
    nesterov=True in test_reference_torch.py; here: that variant gives another path.
    """
    mu, lr = 0.9, 0.1
    params = {"x": 1.0}
    opt = Nesterov(lr=lr, momentum=mu)
    x, v = 1.0, 0.0
    for _ in range(10):
        opt.update(params, {"x": 2.0 * params["x"]})
        g = 2.0 * x
        v = mu * v - lr * g
        x += mu * mu * v - (1 + mu) * lr * g
    # ours after 10 steps, from the linear recursion (x, v) -> (x + mu v' - lr g, v')
    xs, vs = 1.0, 0.0
    for _ in range(10):
        vs = mu * vs - lr * 2 * xs
        xs = xs + mu * vs - lr * 2 * xs  # g = 2 xs of the old xs
    assert params["x"] == pytest.approx(xs, rel=1e-14)
    assert abs(params["x"] - x) > 0.5 * abs(xs)  # the paths differ by more than half


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

BAD = {
    "lr": [0.0, -0.1, math.inf, math.nan],
    "eps": [0.0, -1e-8, math.inf, math.nan],
    "momentum": [-0.1, 1.0, 1.5, math.nan],
    "beta1": [-0.1, 1.0, math.nan],
    "beta2": [-1e-9, 1.0, math.nan],
    "decay_rate": [-0.5, 1.0, math.nan],
    "rho": [-0.5, 1.0, math.nan],
    "weight_decay": [-0.01, math.inf, math.nan],
}
RULE_ARGS = {
    cls: list(cls().hyperparameters) for cls in ALL_RULES
}  # fmt: skip
CASES = [
    (cls, name, bad) for cls, names in RULE_ARGS.items() for name in names for bad in BAD[name]
]


@pytest.mark.parametrize("cls, name, bad", CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_bad_hyperparameter_is_a_value_error(cls, name, bad):
    what = base.LIMITS[name].phrase.replace("[", r"\[").replace(")", r"\)")
    pattern = rf"^{cls.__name__}: {name} must be {what}, got {bad!r}$"
    with pytest.raises(ValueError, match=pattern):
        cls(**{name: bad})
    opt = cls()
    if name == "lr" and bad == 0.0:
        opt.lr = bad  # a schedule may end at 0 (see the test below)
        return
    if name == "lr":  # later, the limit is "non-negative" (a schedule may reach 0)
        pattern = rf"^{cls.__name__}: lr must be a non-negative finite number, got {bad!r}$"
    with pytest.raises(ValueError, match=pattern):  # also when a schedule sets it later
        setattr(opt, name, bad)
    assert getattr(opt, name) == cls().state_dict()["hyperparameters"][name]


def test_boundary_values_are_accepted():
    Momentum(momentum=0.0)
    Adam(beta1=0.0, beta2=0.0)
    RMSProp(decay_rate=0.0)
    AdaDelta(rho=0.0)
    AdamW(weight_decay=0.0)
    SGD(lr=1e300)


@pytest.mark.parametrize("bad", ["0.1", True, None, np.array([0.1]), 1 + 2j])
def test_hyperparameter_that_is_not_a_number_is_a_type_error(bad):
    with pytest.raises(
        TypeError, match=r"^SGD: lr must be a real number \(a positive finite number\), got "
    ):
        SGD(lr=bad)


def test_lr_set_by_a_schedule_stays_a_python_float():
    opt = Adam()
    opt.lr = np.float64(0.5)  # e.g. lr0 * np.cos(...) from a schedule
    assert type(opt.lr) is float and opt.lr == 0.5
    opt.lr = 3  # an int is fine
    assert type(opt.lr) is float


def test_missing_and_extra_gradient_are_key_errors():
    opt = Adam()
    params = {"w": np.ones(3), "b": np.zeros(2)}
    with pytest.raises(KeyError, match=r"no gradient for parameter 'b'"):
        opt.update(params, {"w": np.ones(3)})
    with pytest.raises(KeyError, match=r"gradient 'z' has no parameter"):
        opt.update(params, {"w": np.ones(3), "b": np.ones(2), "z": np.ones(1)})
    assert opt.t == 0 and opt.state == {}  # nothing was created by the failed calls
    opt.update(params, {"w": np.ones(3), "b": np.ones(2)})
    params["c"] = np.ones(1)
    with pytest.raises(KeyError, match=r"parameter 'c' is new"):
        opt.update(params, {"w": np.ones(3), "b": np.ones(2), "c": np.ones(1)})
    del params["c"], params["b"]
    with pytest.raises(KeyError, match=r"parameter 'b' is missing"):
        opt.update(params, {"w": np.ones(3)})


def test_shape_mismatch_is_a_value_error_naming_both_shapes():
    opt = Momentum()
    params = {"w": np.ones((2, 3)), "s": 1.0}
    with pytest.raises(
        ValueError, match=r"gradient 'w' has shape \(3,\) but parameter has shape \(2, 3\)"
    ):  # noqa: E501
        opt.update(params, {"w": np.ones(3), "s": 1.0})
    with pytest.raises(
        ValueError, match=r"gradient 's' has shape \(1,\) but parameter has shape \(\)"
    ):  # noqa: E501
        opt.update(params, {"w": np.ones((2, 3)), "s": np.ones(1)})
    opt.update(params, {"w": np.ones((2, 3)), "s": 1.0})
    params["w"] = np.ones((3, 2))  # a parameter that changed shape after the state was made
    with pytest.raises(
        ValueError,
        match=r"parameter 'w' has shape \(3, 2\) but its optimizer state has shape \(2, 3\)",
    ):  # noqa: E501
        opt.update(params, {"w": np.ones((3, 2)), "s": 1.0})


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_, np.complex128])
def test_integer_parameter_array_is_a_type_error(dtype):
    params = {"w": np.ones(3, dtype=dtype)}
    with pytest.raises(
        TypeError, match=rf"parameter 'w' has dtype {np.dtype(dtype)}: only a floating"
    ):  # noqa: E501
        SGD().update(params, {"w": np.ones(3)})


def test_other_bad_inputs():
    with pytest.raises(TypeError, match=r"parameter 'w' must be a float array"):
        SGD().update({"w": [1.0, 2.0]}, {"w": [1.0, 2.0]})
    with pytest.raises(TypeError, match=r"parameter 'w' must be a float array"):
        SGD().update({"w": True}, {"w": 1.0})
    with pytest.raises(TypeError, match=r"gradient 'w' has dtype complex128"):
        SGD().update({"w": np.ones(2)}, {"w": np.ones(2) * 1j})
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match=r"parameter 'w' is a read-only array"):
        SGD().update({"w": frozen}, {"w": np.ones(2)})
    opt = SGD()
    opt.update({"w": np.ones(2)}, {"w": np.ones(2)})
    with pytest.raises(
        TypeError,
        match=r"parameter 'w' has dtype float32 but its optimizer state has dtype float64",
    ):  # noqa: E501
        opt.update({"w": np.ones(2, np.float32)}, {"w": np.ones(2)})


@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_an_update_that_raises_changes_nothing(cls):
    opt = cls(**HYPER[cls.__name__])
    params = make_params(2)
    run(opt, params, 3)
    before = opt.state_dict()
    snapshot = as_arrays(params)
    grads = grad_of(params)
    grads["T"] = np.ones((2, 3))  # the last array checked is wrong
    with pytest.raises(ValueError, match="gradient 'T' has shape"):
        opt.update(params, grads)
    after = opt.state_dict()
    assert after["t"] == before["t"] == 3
    for k in snapshot:
        np.testing.assert_array_equal(np.asarray(params[k]), snapshot[k])
        for name in before["state"][k]:
            np.testing.assert_array_equal(after["state"][k][name], before["state"][k][name])


# ---------------------------------------------------------------------------------------------
# Scalars, dtypes, memory layout, blocks
# ---------------------------------------------------------------------------------------------


def test_scalar_kinds_are_kept():
    x0 = np.array(2.0)
    y32 = np.array(2.0, dtype=np.float32)
    params = {"f": 2.0, "i": 2, "x": x0, "y": y32, "n": np.float32(2.0)}
    grads = {"f": 1.0, "i": 1, "x": np.float64(1.0), "y": np.array(1.0), "n": 1.0}
    opt = Momentum(lr=0.1, momentum=0.5)
    opt.update(params, grads)
    opt.update(params, grads)  # v = -0.1, then -0.15: w = 2 - 0.25
    assert type(params["f"]) is float and params["f"] == pytest.approx(1.75, rel=1e-15)
    assert type(params["i"]) is float and params["i"] == pytest.approx(1.75, rel=1e-15)
    assert params["x"] is x0 and x0.shape == () and x0 == pytest.approx(1.75, rel=1e-15)
    assert params["y"] is y32 and y32.dtype == np.float32 and y32 == pytest.approx(1.75, rel=1e-6)
    assert type(params["n"]) is np.float32 and params["n"] == pytest.approx(1.75, rel=1e-6)
    assert opt.state["y"]["v"].dtype == np.float32 and opt.state["y"]["v"].shape == ()
    assert opt.state["x"]["v"] == pytest.approx(-0.15, rel=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.longdouble])
@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_other_float_dtypes_stay(cls, dtype):
    params = {"w": np.linspace(-1, 1, 7).astype(dtype), "s": np.array(0.5, dtype=dtype)}
    opt = cls()
    for _ in range(3):
        opt.update(params, {"w": np.tanh(params["w"]), "s": np.tanh(params["s"])})
    assert params["w"].dtype == dtype and params["s"].dtype == dtype
    for arrays in opt.state.values():
        assert all(a.dtype == dtype for a in arrays.values())
    assert np.all(np.isfinite(params["w"].astype(np.float64)))


def test_float32_work_is_done_in_float32():
    """Bit for bit the float32 computation: a float64 scalar would round differently."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal(10_000).astype(np.float32)
    g = rng.standard_normal(10_000).astype(np.float32)
    f32 = np.float32
    lr, b1, b2, eps = 0.013, 0.9, 0.999, 1e-7
    params = {"w": w.copy()}
    Adam(lr=lr).update(params, {"w": g})
    m = f32(1 - b1) * g  # in the rule's order of operations (its first step: m = v = 0)
    v = f32(1 - b2) * g * g
    lr_t = f32(lr * math.sqrt(1 - b2) / (1 - b1))
    expected = w - lr_t * m / (np.sqrt(v) + f32(eps))
    assert expected.dtype == np.float32
    np.testing.assert_array_equal(params["w"], expected)
    params = {"w": w.copy()}
    SGD(lr=0.013).update(params, {"w": g})
    np.testing.assert_array_equal(params["w"], w - f32(0.013) * g)
    wrong = (w.astype(np.float64) - 0.013 * g.astype(np.float64)).astype(np.float32)
    assert np.any(params["w"] != wrong)  # the test can tell float32 from float64 work


def test_gradient_of_another_dtype_is_converted():
    params = {"w": np.ones(4, np.float32)}
    SGD(lr=0.5).update(params, {"w": np.array([1, 2, 3, 4])})
    assert params["w"].dtype == np.float32
    np.testing.assert_array_equal(params["w"], [0.5, 0.0, -0.5, -1.0])


@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_non_contiguous_parameters_are_updated_in_place(cls):
    big = np.arange(24.0).reshape(4, 6) / 10
    params = {"w": big[:, ::2], "t": big.T[1::2]}  # a strided and a transposed view
    ref = {k: np.ascontiguousarray(v) for k, v in params.items()}
    opt, ref_opt = cls(), cls()
    for _ in range(3):
        opt.update(params, {k: np.sin(v) for k, v in params.items()})
        ref_opt.update(ref, {k: np.sin(v) for k, v in ref.items()})
    np.testing.assert_array_equal(big[:, ::2], ref["w"])
    np.testing.assert_array_equal(big.T[1::2], ref["t"])
    assert not np.array_equal(ref["w"], (np.arange(24.0).reshape(4, 6) / 10)[:, ::2])


@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_blocks_give_the_same_numbers(cls, monkeypatch):
    """An array processed in many blocks (and a partial last block) equals one pass."""
    rng = np.random.default_rng(4)
    w0 = rng.standard_normal(1003)
    whole = {"w": w0.copy(), "v": w0[:100].astype(np.float32)}
    blocked = {"w": w0.copy(), "v": w0[:100].astype(np.float32)}
    a, b = cls(), cls()
    for _ in range(4):
        a.update(whole, {k: np.cos(v) for k, v in whole.items()})
    monkeypatch.setattr(base, "BLOCK_BYTES", 64)  # 8 float64 or 16 float32 numbers per block
    for _ in range(4):
        b.update(blocked, {k: np.cos(v) for k, v in blocked.items()})
    for k in whole:
        np.testing.assert_array_equal(whole[k], blocked[k])
        for name in a.state[k]:
            np.testing.assert_array_equal(a.state[k][name], b.state[k][name])


def test_empty_array_is_fine():
    params = {"w": np.zeros(0), "x": 1.0}
    opt = Adam()
    opt.update(params, {"w": np.zeros(0), "x": 1.0})
    assert params["w"].shape == (0,) and params["x"] < 1.0


# ---------------------------------------------------------------------------------------------
# state_dict
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_state_dict_round_trip_is_bit_identical(cls):
    hp = HYPER[cls.__name__]
    straight = make_params(5)
    opt = cls(**hp)
    run(opt, straight, 12)

    resumed = make_params(5)
    first = cls(**hp)
    run(first, resumed, 7)
    saved = first.state_dict()
    kept = {k: {n: a.copy() for n, a in arrays.items()} for k, arrays in saved["state"].items()}
    for arrays in first.state.values():  # the saved copy does not share memory with the state
        for a in arrays.values():
            a[...] = np.nan
    fresh = cls()  # default hyperparameters: load_state_dict restores ours
    fresh.load_state_dict(saved)
    assert fresh.t == 7 and fresh.state_dict()["hyperparameters"] == hp
    run(fresh, resumed, 5)
    assert fresh.t == 12
    for k in straight:
        np.testing.assert_array_equal(np.asarray(resumed[k]), np.asarray(straight[k]))
        for name, a in opt.state[k].items():
            np.testing.assert_array_equal(fresh.state[k][name], a)
    for k, arrays in saved["state"].items():  # loading copied: the saved dict is unchanged
        for name, a in arrays.items():
            np.testing.assert_array_equal(a, kept[k][name])


@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_copy_and_pickle_give_an_independent_optimizer(cls):
    opt = cls(**HYPER[cls.__name__])
    params = make_params(8)
    run(opt, params, 3)
    twin = copy.deepcopy(opt)
    thawed = pickle.loads(pickle.dumps(opt))
    p_twin, p_thawed = copy.deepcopy(params), copy.deepcopy(params)
    run(opt, params, 4)  # the original goes first: a shared state would show below
    run(twin, p_twin, 4)
    run(thawed, p_thawed, 4)
    for k in params:
        np.testing.assert_array_equal(np.asarray(p_twin[k]), np.asarray(params[k]))
        np.testing.assert_array_equal(np.asarray(p_thawed[k]), np.asarray(params[k]))
        for name, a in opt.state[k].items():
            np.testing.assert_array_equal(twin.state[k][name], a)


def test_a_schedule_may_set_lr_to_zero_but_not_below():
    opt = SGD(lr=0.5)
    opt.lr = 0.0  # the end of a cosine schedule: no step
    params = {"w": np.array([1.0, -2.0])}
    opt.update(params, {"w": np.array([1.0, 1.0])})
    np.testing.assert_array_equal(params["w"], [1.0, -2.0])
    with pytest.raises(
        ValueError, match=r"^SGD: lr must be a non-negative finite number, got -0.1"
    ):
        opt.lr = -0.1
    with pytest.raises(ValueError, match=r"^SGD: lr must be a positive finite number, got 0"):
        SGD(lr=0)


def test_a_changed_lr_is_used_from_the_next_step():
    params = {"w": np.array([1.0, -2.0])}
    opt = SGD(lr=0.5)
    opt.update(params, {"w": np.array([1.0, 1.0])})
    opt.lr = 0.25  # what a schedule does between steps
    opt.update(params, {"w": np.array([1.0, 1.0])})
    np.testing.assert_array_equal(params["w"], [0.25, -2.75])


def test_state_dict_before_any_update_and_its_contents():
    opt = Adam(lr=0.01)
    empty = opt.state_dict()
    assert empty == {
        "rule": "Adam",
        "t": 0,
        "hyperparameters": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7},
        "state": {},
    }
    other = Adam()
    other.load_state_dict(empty)
    params = {"w": np.ones(2), "x": 3.0}
    other.update(params, {"w": np.ones(2), "x": 1.0})
    d = other.state_dict()
    assert d["t"] == 1 and set(d["state"]) == {"w", "x"}
    assert set(d["state"]["x"]) == {"m", "v"} and d["state"]["x"]["m"].shape == ()
    np.testing.assert_allclose(d["state"]["w"]["m"], [0.1, 0.1], rtol=1e-15)


def test_load_state_dict_errors():
    opt = Adam()
    opt.update({"w": np.ones(2)}, {"w": np.ones(2)})
    saved = opt.state_dict()
    with pytest.raises(ValueError, match=r"the state_dict is for 'Adam', not 'Nadam'"):
        Nadam().load_state_dict(saved)
    broken = opt.state_dict()
    del broken["state"]["w"]["v"]
    with pytest.raises(KeyError, match=r"the state of 'w' has no or an unknown 'v'"):
        Adam().load_state_dict(broken)
    bad_lr = opt.state_dict()
    bad_lr["hyperparameters"]["lr"] = -1.0
    with pytest.raises(
        ValueError, match=r"Adam: lr must be a non-negative finite number, got -1.0"
    ):
        Adam().load_state_dict(bad_lr)  # non-negative: a schedule may have ended at lr = 0
    fresh = Adam()
    fresh.load_state_dict(saved)
    with pytest.raises(ValueError, match=r"the loaded state 'm' of 'w' has shape \(2,\)"):
        fresh.update({"w": np.ones(3)}, {"w": np.ones(3)})
    with pytest.raises(KeyError, match=r"the optimizer's state is for parameters \['w'\]"):
        fresh.update({"u": np.ones(2)}, {"u": np.ones(2)})
    fresh.update({"w": np.ones(2)}, {"w": np.ones(2)})
    assert fresh.t == 2


# ---------------------------------------------------------------------------------------------
# Property tests (hypothesis)
# ---------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    eigenvalues=st.lists(st.floats(0.01, 10.0), min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
    fraction=st.floats(0.01, 1.0),
)
@example(eigenvalues=[1.0], seed=0, fraction=1.0)  # lr = 1/L lands on the minimum in one step
def test_sgd_decreases_a_convex_quadratic_for_a_small_lr(eigenvalues, seed, fraction):
    """f(w) = w^T A w / 2 with A SPD: every step with lr <= 1/L lowers f (L = max eigenvalue),
    until it reaches the minimum f = 0 exactly (lr = 1/L does in one step in one dimension)."""
    rng = np.random.default_rng(seed)
    n = len(eigenvalues)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = q @ np.diag(eigenvalues) @ q.T
    params = {"w": rng.standard_normal(n) + 0.1}
    opt = SGD(lr=fraction / max(eigenvalues))
    losses = []
    for _ in range(10):
        w = params["w"]
        losses.append(0.5 * w @ a @ w)
        opt.update(params, {"w": a @ w})
    pairs = zip(losses, losses[1:], strict=False)
    assert all(later < earlier or later == earlier == 0.0 for earlier, later in pairs)


shapes = st.lists(
    st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple), min_size=1, max_size=5
)


@settings(max_examples=15, deadline=None)
@given(shapes=shapes, seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 6))
@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_properties_of_every_rule(cls, shapes, seed, cut):
    """Dict order does not matter; a saved and restored state continues bit for bit."""
    rng = np.random.default_rng(seed)
    start = {f"p{i}": rng.standard_normal(s) for i, s in enumerate(shapes)}
    start["py"] = float(rng.standard_normal())

    def trajectory(order, stop_at=None):
        params = {k: np.copy(start[k]) if k != "py" else start[k] for k in order}
        opt = cls(**HYPER[cls.__name__])
        for step in range(6):
            if step == stop_at:
                saved = opt.state_dict()
                opt = cls()
                opt.load_state_dict(saved)
            grads = {k: np.sin(3 * np.asarray(v)) + 0.1 for k, v in params.items()}
            grads["py"] = float(grads["py"])
            opt.update(params, grads)
        return params

    keys = list(start)
    reference = trajectory(keys)
    shuffled = trajectory([keys[i] for i in rng.permutation(len(keys))])
    resumed = trajectory(keys[::-1], stop_at=cut)
    for k in keys:
        assert np.array_equal(np.asarray(reference[k]), np.asarray(shuffled[k])), k
        assert np.array_equal(np.asarray(reference[k]), np.asarray(resumed[k])), k
        assert not np.array_equal(np.asarray(reference[k]), np.asarray(start[k])), k


@settings(max_examples=10, deadline=None)
@given(shapes=shapes, seed=st.integers(0, 2**32 - 1))
@pytest.mark.parametrize("cls", ALL_RULES, ids=lambda c: c.__name__)
def test_float32_in_float32_out(cls, shapes, seed):
    rng = np.random.default_rng(seed)
    params = {f"p{i}": rng.standard_normal(s).astype(np.float32) for i, s in enumerate(shapes)}
    opt = cls()
    for _ in range(3):
        grads = {k: np.tanh(v) for k, v in params.items()}
        opt.update(params, grads)
    for k, v in params.items():
        assert v.dtype == np.float32 and np.all(np.isfinite(v))
        assert all(a.dtype == np.float32 for a in opt.state[k].values())


# ---------------------------------------------------------------------------------------------
# The benchmark script runs
# ---------------------------------------------------------------------------------------------


def test_benchmark_quick_smoke():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_optimizers.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "numpy" in out and "BLAS" in out
    for rule in ("SGD", "Momentum", "Adam"):
        assert f"| {rule}" in out
    assert "numpy/torch" in out
