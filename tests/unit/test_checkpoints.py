"""Checkpoints and wrong input of the update rules (the reproducers of reviews/reliability.md).

A state saved at any point of any schedule loads and resumes bit for bit; a load checks
everything before it changes anything; wrong input is a clear error, and an update that raises
changes nothing.
"""

import copy
import math
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers import SGD, Adam, AdamW, Momentum, rules
from optimizers.schedules import (
    Scheduler,
    cosine,
    exponential,
    inverse_sqrt,
    inverse_time,
    linear_warmup,
    multistep,
    step,
    warm_restarts,
)

RULES = [getattr(rules, name) for name in rules.__all__ if name != "Optimizer"]  # every rule
SCHEDULES = {
    "cosine to 0": lambda lr: cosine(lr, T=4),
    "warm restarts to 0": lambda lr: warm_restarts(lr, T_0=3, T_mult=2),
    "step": lambda lr: step(lr, 3, 0.5),
    "multistep": lambda lr: multistep(lr, [2, 5], 0.1),
    "exponential": lambda lr: exponential(lr, 0.9),
    "inverse time": lambda lr: inverse_time(lr, 0.5),
    "inverse sqrt": lambda lr: inverse_sqrt(lr),
    "warmup then cosine": lambda lr: linear_warmup(cosine(lr, T=3), 2),
}


def gradient(params, k):
    """A gradient that changes from step to step (and is not small), as a dict like params."""
    return {key: np.sin(np.asarray(w) * 3.0 + k) + 0.5 for key, w in params.items()}


def start():
    return {"w": np.linspace(-1.0, 1.0, 6).reshape(2, 3), "x": 0.7}


def run(opt, sched, params, steps, first=0):
    for k in range(first, first + steps):
        sched.step()
        opt.update(params, gradient(params, k))
    return params


def same(a, b):
    """Equal bit for bit: two state_dicts, parameter dicts, or numbers."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, str):
        return a == b
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True) and type(a) is type(b)


# ----------------------------------------------------------------------------- resume


def test_a_checkpoint_taken_at_lr_zero_loads_and_resumes():
    opt = SGD(lr=0.1)
    sched = Scheduler(opt, cosine(0.1, T=3))
    params = {"w": np.ones(2)}
    for _ in range(4):  # the 4th step runs at lr = 0, which a cosine schedule reaches
        sched.step()
        opt.update(params, {"w": np.ones(2)})
    assert opt.lr == 0.0
    resumed = SGD(lr=0.1)
    resumed.load_state_dict(opt.state_dict())
    assert resumed.lr == 0.0
    opt_w = AdamW()
    opt_w.lr = 0
    AdamW().load_state_dict(opt_w.state_dict())


@settings(max_examples=60, deadline=None)
@given(
    rule=st.sampled_from(RULES),
    schedule=st.sampled_from(sorted(SCHEDULES)),
    before=st.integers(0, 9),
    after=st.integers(1, 6),
    how=st.sampled_from(["state_dict", "pickle-like copy"]),
)
def test_resume_after_random_steps_under_every_schedule_is_bit_for_bit(
    rule, schedule, before, after, how
):
    lr = 0.05
    make = SCHEDULES[schedule]
    whole = rule(lr=lr)
    straight = run(whole, Scheduler(whole, make(lr)), start(), before + after)

    first = rule(lr=lr)
    sched = Scheduler(first, make(lr))
    params = run(first, sched, start(), before)
    if how == "state_dict":
        second, saved = rule(lr=lr), first.state_dict()
        second.load_state_dict(saved)
    else:
        second = copy.deepcopy(first)
    sched2 = Scheduler(second, make(lr))
    sched2.load_state_dict(sched.state_dict())
    resumed = run(second, sched2, params, after, first=before)
    assert same(resumed, straight)


# ----------------------------------------------------------------------------- atomic loads


def test_load_state_dict_refuses_bad_step_counts_and_changes_nothing():
    opt = Adam(lr=0.5)
    params = {"x": 1.0, "w": np.ones(2)}
    opt.update(params, {"x": 1.0, "w": np.ones(2)})
    before = opt.state_dict()
    cases = [
        (-1, ValueError, r"Adam: state_dict\['t'\] must be a non-negative integer, got -1"),
        (-5, ValueError, r"got -5"),
        (3.7, TypeError, r"must be a non-negative integer, got 3.7"),
        (True, TypeError, r"got True"),
        (math.nan, TypeError, r"got nan"),
        ("3", TypeError, r"got '3'"),
    ]
    for t, error, message in cases:
        bad = Adam(lr=0.123).state_dict() | {"t": t, "state": before["state"]}
        with pytest.raises(error, match=message):
            opt.load_state_dict(bad)
        assert same(opt.state_dict(), before)
    missing = before | {"hyperparameters": {**before["hyperparameters"], "lr": 0.123}}
    del missing["t"]
    with pytest.raises(KeyError, match=r"Adam: the state_dict has no 't'"):
        opt.load_state_dict(missing)
    assert opt.lr == 0.5
    opt.update(params, {"x": 1.0, "w": np.ones(2)})  # still works, from t = 1
    assert opt.t == 2


@pytest.mark.parametrize("bad", [None, [1, 2], "state"])
def test_load_state_dict_of_something_that_is_not_a_dict_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"^SGD: state_dict must be a dict from state_dict\(\)"):
        SGD().load_state_dict(bad)


def corrupt(draw_from, saved):
    """One random corruption of a valid state_dict."""
    where, value = draw_from
    broken = copy.deepcopy(saved)
    if where == "t":
        broken["t"] = value
    elif where == "lr":
        broken["hyperparameters"]["lr"] = value
    elif where == "momentum":
        broken["hyperparameters"]["momentum"] = value
    elif where == "state":
        broken["state"]["w"] = value
    elif where == "drop":
        del broken[value]
    return broken


@settings(max_examples=80, deadline=None)
@given(
    steps=st.integers(1, 4),
    corruption=st.one_of(
        st.tuples(st.just("t"), st.one_of(st.integers(-3, 5), st.floats(), st.booleans())),
        st.tuples(st.just("lr"), st.one_of(st.floats(), st.booleans(), st.none())),
        st.tuples(st.just("momentum"), st.floats(-1, 2)),
        st.tuples(st.just("state"), st.sampled_from([None, [], {"v": [1.0]}, {"u": 0}])),
        st.tuples(st.just("drop"), st.sampled_from(["t", "state", "hyperparameters"])),
    ),
)
def test_a_load_either_succeeds_or_changes_nothing(steps, corruption):
    live = Momentum(lr=0.1, momentum=0.5)
    params = {"w": np.arange(3.0)}
    for k in range(steps):
        live.update(params, gradient(params, k))
    other = Momentum(lr=0.2, momentum=0.9)
    other.update({"w": np.zeros(3)}, {"w": np.ones(3)})
    before = live.state_dict()
    try:
        live.load_state_dict(corrupt(corruption, other.state_dict()))
    except (TypeError, ValueError, KeyError):
        assert same(live.state_dict(), before)


# ----------------------------------------------------------------------------- the state


def test_clearing_the_state_resets_it_and_state_dict_says_so():
    opt = Momentum(lr=0.1, momentum=0.9)
    params = {"w": np.zeros(2)}
    for _ in range(3):
        opt.update(params, {"w": np.ones(2)})
    w = params["w"].copy()
    opt.state.clear()  # "reset the momentum"
    opt.update(params, {"w": np.zeros(2)})
    np.testing.assert_array_equal(params["w"], w)  # no old velocity carries the weights on
    np.testing.assert_array_equal(opt.state_dict()["state"]["w"]["v"], [0.0, 0.0])


def test_a_replaced_state_array_is_the_one_used():
    opt = Momentum(lr=0.1, momentum=0.9)
    params = {"w": np.zeros(2), "x": 0.0}
    for _ in range(3):
        opt.update(params, {"w": np.ones(2), "x": 1.0})
    opt.state["w"]["v"] = np.array([1.0, -1.0])
    opt.state["x"]["v"] = np.array(0.0)
    w, x = params["w"].copy(), params["x"]
    opt.update(params, {"w": np.zeros(2), "x": 0.0})
    # Momentum's velocity is in parameter units (v <- beta v - lr g; w <- w + v): the step is
    # beta times the velocity given, with a zero gradient.
    np.testing.assert_array_equal(params["w"] - w, [0.9, -0.9])
    assert params["x"] == x
    np.testing.assert_array_equal(opt.state_dict()["state"]["w"]["v"], [0.9, -0.9])


def test_tied_weights_are_refused():
    w = np.ones(3)
    with pytest.raises(ValueError, match=r"parameters 'a' and 'b' are the same array"):
        SGD(lr=1.0).update({"a": w, "b": w}, {"a": np.ones(3), "b": np.ones(3)})
    np.testing.assert_array_equal(w, [1.0, 1.0, 1.0])
    views = np.zeros(6)  # distinct views into one buffer are fine
    SGD(lr=1.0).update({"a": views[:3], "b": views[3:]}, {"a": np.ones(3), "b": np.ones(3)})
    np.testing.assert_array_equal(views, -np.ones(6))


# ----------------------------------------------------------------------------- wrong input


@pytest.mark.parametrize(
    ("params", "grads", "message"),
    [
        ([np.ones(2)], [np.ones(2)], r"^params must be a dict of parameters .*, got list$"),
        ({"w": np.ones(2)}, None, r"^grads must be a dict of gradients .*, got NoneType$"),
        (None, {"w": np.ones(2)}, r"^params must be a dict .*, got NoneType$"),
        ({"w": np.ones(2)}, [np.ones(2)], r"^grads must be a dict .*, got list$"),
    ],
)
def test_update_with_something_that_is_not_a_dict_is_a_type_error(params, grads, message):
    with pytest.raises(TypeError, match=message):
        Adam().update(params, grads)


def test_keys_of_mixed_types_give_the_key_error():
    opt = SGD()
    opt.update({1: np.ones(2), "a": np.ones(2)}, {1: np.ones(2), "a": np.ones(2)})
    with pytest.raises(KeyError, match=r"parameter 2 is new"):
        opt.update({1: np.ones(2), 2: np.ones(2)}, {1: np.ones(2), 2: np.ones(2)})


def test_a_read_only_mapping_with_a_number_is_refused_before_anything_changes():
    opt = Adam()
    params = types.MappingProxyType({"x": 1.0, "w": np.ones(2)})
    with pytest.raises(TypeError, match=r"params must be a dict that can be changed"):
        opt.update(params, {"x": 1.0, "w": np.ones(2)})
    assert opt.t == 0
    np.testing.assert_array_equal(params["w"], [1.0, 1.0])
    assert opt.state == {} and opt.state_dict()["state"] == {}  # no state was created either


@pytest.mark.parametrize(("dtype", "eps"), [(np.float16, 1e-8), (np.float32, 1e-50)])
def test_an_eps_that_rounds_to_zero_in_the_dtype_is_refused(dtype, eps):
    opt = Adam(eps=eps)
    params = {"w": np.ones(3, dtype)}
    with pytest.raises(ValueError, match=rf"Adam: eps={eps!r} is 0 in {np.dtype(dtype)}"):
        opt.update(params, {"w": np.zeros(3, dtype)})
    assert opt.t == 0
    Adam(eps=1e-4).update({"w": np.ones(3, np.float16)}, {"w": np.zeros(3, np.float16)})


def test_a_hyperparameter_the_rule_does_not_have_cannot_be_set():
    with pytest.raises(AttributeError, match=r"Adam has no hyperparameter 'weight_decay'"):
        Adam().weight_decay = 0.5
    assert AdamW(weight_decay=0.5).weight_decay == 0.5


@pytest.mark.parametrize("rule", RULES)
def test_a_huge_integer_hyperparameter_names_the_rule_and_the_name(rule):
    for name in rule().hyperparameters:
        with pytest.raises(ValueError, match=rf"^{rule.__name__}: {name} must be .*too large"):
            rule(**{name: 10**400})
