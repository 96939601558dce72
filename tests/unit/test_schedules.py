"""Tests of optimizers.schedules: closed forms, torch.optim.lr_scheduler, errors, Scheduler."""

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers import SGD, schedules
from optimizers.schedules import (
    Scheduler,
    cosine,
    exponential,
    inverse_sqrt,
    inverse_time,
    linear_warmup,
    multistep,
    restart_steps,
    step,
    warm_restarts,
)


class Recorder:
    """A stand-in optimizer: remembers the lr in force at each update."""

    def __init__(self) -> None:
        self.lr = None
        self.used: list[float] = []

    def update(self) -> None:
        self.used.append(self.lr)


def our_lrs(schedule, steps: int) -> list[float]:
    """The learning rates that `steps` updates use when driven by Scheduler (step, then update)."""
    optimizer = Recorder()
    scheduler = Scheduler(optimizer, schedule)
    for _ in range(steps):
        scheduler.step()
        optimizer.update()
    assert scheduler.t == steps
    return optimizer.used


# ----------------------------------------------------------------------------- closed forms


def test_inverse_time_worked_example():
    # The notes' example (decay_rate = 1, alpha0 = 0.2), epochs counted from t = 0.
    lrs = [inverse_time(0.2, 1.0)(t) for t in range(4)]
    assert lrs == [0.2, 0.1, 0.2 / 3, 0.05]
    assert inverse_time(0.2, 0.0)(1000) == 0.2


def test_inverse_sqrt_values():
    schedule = inverse_sqrt(0.3)
    assert schedule(0) == 0.3
    assert schedule(3) == 0.15
    assert schedule(99) == pytest.approx(0.03, rel=1e-15)


def test_exponential_and_step_values():
    assert exponential(0.1, 0.5)(3) == 0.1 * 0.125
    assert exponential(0.1, 1.0)(500) == 0.1
    staircase = step(0.1, 30, 0.5)
    assert [staircase(t) for t in (0, 29, 30, 59, 60)] == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert staircase(29.9) == 0.1  # fractional steps are rounded down
    manual = multistep(1.0, [10, 25], 0.1)
    assert [manual(t) for t in (0, 9, 10, 24, 25, 1000)] == [1.0, 1.0, 0.1, 0.1, 0.1**2, 0.1**2]


def test_cosine_values_and_hold_after_T():
    schedule = cosine(0.1, T=10, lr_min=0.01)
    assert schedule(0) == 0.1
    assert schedule(5) == pytest.approx(0.055, rel=1e-15)
    assert schedule(10) == 0.01
    assert schedule(11) == schedule(1000) == 0.01
    assert schedule(2.5) == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi / 4)) / 2, rel=1e-15)


@pytest.mark.parametrize(("lr0", "lr_min"), [(0.6, 0.0781), (0.32, 0.0678), (0.1, 0.0)])
def test_cosine_schedules_hit_their_ends_exactly(lr0, lr_min):
    # the formula alone gives 0.6000000000000001 and 0.31999999999999995 at t = 0
    for schedule in (cosine(lr0, 50, lr_min), warm_restarts(lr0, 50, 2, lr_min)):
        assert schedule(0) == lr0
        assert lr_min <= schedule(49) < schedule(48)
    assert warm_restarts(lr0, 50, 2, lr_min)(50) == lr0
    assert cosine(lr0, 50, lr_min)(50) == lr_min


def test_warm_restarts_restart_exactly_at_restart_steps():
    lr0, lr_min = 0.05, 0.001
    schedule = warm_restarts(lr0, T_0=10, T_mult=2, lr_min=lr_min)
    restarts = restart_steps(10, 2, until=150)
    assert restarts == [10, 30, 70, 150]
    lengths = np.diff([0, *restarts])
    for r, length in zip(restarts, lengths, strict=True):
        assert schedule(r) == lr0
        # the last step of a cycle of length T_i: t_cur = T_i - 1
        expected = lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * (length - 1) / length)) / 2
        assert schedule(r - 1) == pytest.approx(expected, rel=1e-14)
        assert schedule(r - 1) < schedule(r - 2)
    assert restart_steps(10, 1, until=35) == [10, 20, 30]
    assert restart_steps(10, 1, until=9) == []
    assert restart_steps(7, 3, until=28) == [7, 28]


def test_linear_warmup_values():
    schedule = linear_warmup(0.4, warmup_steps=4, start_factor=0.25)
    expected = [0.1, 0.175, 0.25, 0.325, 0.4, 0.4]
    assert [schedule(t) for t in range(6)] == pytest.approx(expected, rel=1e-15, abs=0)
    shifted = linear_warmup(exponential(0.3, 0.5), warmup_steps=4)
    assert shifted(0) == pytest.approx(0.1, rel=1e-15)
    assert [shifted(t) for t in (4, 5, 6)] == [0.3, 0.15, 0.075]


@settings(max_examples=60, deadline=None)
@given(
    lr0=st.floats(1e-6, 10.0),
    rate=st.floats(0.01, 1.0),
    t=st.integers(0, 10_000),
)
def test_decaying_schedules_are_non_increasing_and_bounded(lr0, rate, t):
    family = [
        inverse_time(lr0, rate),
        exponential(lr0, rate),
        inverse_sqrt(lr0),
        step(lr0, 7, rate),
        multistep(lr0, [3, 50, 700], rate),
        cosine(lr0, 5000, lr_min=lr0 * rate / 2),
    ]
    for schedule in family:
        now, later = schedule(t), schedule(t + 1)
        assert 0 <= later <= now <= lr0
    cyclic = warm_restarts(lr0, 13, 2, lr_min=lr0 * rate / 2)
    assert lr0 * rate / 2 <= cyclic(t) <= lr0


# ----------------------------------------------------------------------------- torch


def torch_lrs(torch, make_scheduler, lr0: float, steps: int) -> list[float]:
    """The learning rates torch's loop `optimizer.step(); scheduler.step()` uses, step by step."""
    param = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=lr0)
    scheduler = make_scheduler(optimizer)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns if the order of the calls is wrong
        for _ in range(steps):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return lrs


def torch_cases(torch):
    sched = torch.optim.lr_scheduler
    lr0 = 0.1
    return {
        "inverse_time": (
            inverse_time(lr0, 0.05),
            lambda o: sched.LambdaLR(o, lambda t: 1 / (1 + 0.05 * t)),
            500,
        ),
        "exponential": (exponential(lr0, 0.99), lambda o: sched.ExponentialLR(o, 0.99), 500),
        "inverse_sqrt": (
            inverse_sqrt(lr0),
            lambda o: sched.LambdaLR(o, lambda t: 1 / math.sqrt(t + 1)),
            500,
        ),
        "step": (step(lr0, 30, 0.5), lambda o: sched.StepLR(o, 30, 0.5), 500),
        "multistep": (
            multistep(lr0, [50, 120, 300], 0.3),
            lambda o: sched.MultiStepLR(o, [50, 120, 300], 0.3),
            500,
        ),
        # one full period: t = 0 .. T
        "cosine": (
            cosine(lr0, 400, lr_min=0.001),
            lambda o: sched.CosineAnnealingLR(o, T_max=400, eta_min=0.001),
            401,
        ),
        "cosine_to_zero": (
            cosine(lr0, 300),
            lambda o: sched.CosineAnnealingLR(o, T_max=300),
            301,
        ),
        "warm_restarts": (
            warm_restarts(lr0, 10),
            lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=10),
            500,
        ),
        "warm_restarts_T_mult_2": (
            warm_restarts(lr0, 5, T_mult=2, lr_min=0.001),
            lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
            700,
        ),
        "warm_restarts_T_mult_3": (
            warm_restarts(lr0, 4, T_mult=3),
            lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=3),
            600,
        ),
        "warmup_constant": (
            linear_warmup(lr0, 20, start_factor=0.25),
            lambda o: sched.LinearLR(o, start_factor=0.25, total_iters=20),
            300,
        ),
        "warmup_default_factor": (
            linear_warmup(lr0, 7),
            lambda o: sched.LinearLR(o, total_iters=7),
            300,
        ),
        "warmup_cosine": (
            linear_warmup(cosine(lr0, 280, lr_min=1e-4), 20, start_factor=0.1),
            lambda o: sched.SequentialLR(
                o,
                [
                    sched.LinearLR(o, start_factor=0.1, total_iters=20),
                    sched.CosineAnnealingLR(o, T_max=280, eta_min=1e-4),
                ],
                milestones=[20],
            ),
            301,
        ),
        "warmup_exponential": (
            linear_warmup(exponential(lr0, 0.98), 15, start_factor=0.5),
            lambda o: sched.SequentialLR(
                o,
                [sched.LinearLR(o, start_factor=0.5, total_iters=15), sched.ExponentialLR(o, 0.98)],
                milestones=[15],
            ),
            400,
        ),
    }


CASES = [
    "inverse_time",
    "exponential",
    "inverse_sqrt",
    "step",
    "multistep",
    "cosine",
    "cosine_to_zero",
    "warm_restarts",
    "warm_restarts_T_mult_2",
    "warm_restarts_T_mult_3",
    "warmup_constant",
    "warmup_default_factor",
    "warmup_cosine",
    "warmup_exponential",
]


@pytest.mark.parametrize("case", CASES)
def test_schedule_matches_torch(case):
    torch = pytest.importorskip("torch")
    schedule, make_scheduler, steps = torch_cases(torch)[case]
    theirs = torch_lrs(torch, make_scheduler, 0.1, steps)
    ours = our_lrs(schedule, steps)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert len(set(theirs)) > 3  # the schedule really changed the lr


def test_cosine_differs_from_torch_only_after_T():
    torch = pytest.importorskip("torch")
    sched = torch.optim.lr_scheduler
    T = 50
    theirs = torch_lrs(torch, lambda o: sched.CosineAnnealingLR(o, T_max=T), 0.1, 2 * T)
    ours = our_lrs(cosine(0.1, T), 2 * T)
    np.testing.assert_allclose(ours[: T + 1], theirs[: T + 1], rtol=1e-12, atol=0)
    assert ours[T + 1 :] == [0.0] * (T - 1)  # ours stays at lr_min
    assert theirs[-1] > 0.09  # torch's climbs back towards lr0


def test_snapshot_steps_are_torch_cycle_ends():
    torch = pytest.importorskip("torch")
    sched = torch.optim.lr_scheduler
    make = lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2)  # noqa: E731
    lrs = torch_lrs(torch, make, 0.1, 156)
    # torch jumps back to lr0 exactly at our restart steps, and nowhere else
    jumps = [t for t in range(1, len(lrs)) if lrs[t] > lrs[t - 1]]
    assert jumps == restart_steps(5, 2, until=155) == [5, 15, 35, 75, 155]


# ----------------------------------------------------------------------------- Scheduler


def test_scheduler_order_and_return_value():
    optimizer = Recorder()
    scheduler = Scheduler(optimizer, exponential(1.0, 0.5))
    assert optimizer.lr is None and scheduler.t == 0  # nothing set before the first step
    assert scheduler.step() == 1.0 and optimizer.lr == 1.0 and scheduler.t == 1
    assert scheduler.step() == 0.5 and optimizer.lr == 0.5 and scheduler.t == 2


def test_scheduler_state_round_trip():
    schedule = warm_restarts(0.1, 6, 2)
    full = our_lrs(schedule, 40)
    first = Recorder()
    scheduler = Scheduler(first, schedule)
    for _ in range(17):
        scheduler.step()
        first.update()
    saved = scheduler.state_dict()
    assert saved == {"t": 17}
    second = Recorder()
    resumed = Scheduler(second, schedule)
    resumed.load_state_dict(saved)
    for _ in range(23):
        resumed.step()
        second.update()
    assert first.used + second.used == full
    with pytest.raises(ValueError, match="state"):
        resumed.load_state_dict({"t": -1})


def test_scheduler_rejects_bad_arguments():
    with pytest.raises(TypeError, match="lr"):
        Scheduler(object(), exponential(0.1, 0.9))
    with pytest.raises(TypeError, match="schedule"):
        Scheduler(Recorder(), 0.1)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: inverse_time(0.0, 0.1), "lr0"),
        (lambda: inverse_time(-0.1, 0.1), "lr0"),
        (lambda: inverse_time(float("nan"), 0.1), "lr0"),
        (lambda: inverse_time(float("inf"), 0.1), "lr0"),
        (lambda: inverse_time(0.1, -0.5), "decay_rate"),
        (lambda: exponential(0.1, 0.0), "gamma"),
        (lambda: exponential(0.1, 1.5), "gamma"),
        (lambda: exponential(0.1, float("nan")), "gamma"),
        (lambda: inverse_sqrt(0.0), "k"),
        (lambda: step(0.1, 0, 0.5), "step_size"),
        (lambda: step(0.1, 10, -0.5), "gamma"),
        (lambda: multistep(0.1, [10, 5]), "milestones"),
        (lambda: multistep(0.1, [10, 10]), "milestones"),
        (lambda: multistep(0.1, [0, 5]), "milestone"),
        (lambda: cosine(0.1, 0), "T"),
        (lambda: cosine(0.1, -3), "T"),
        (lambda: cosine(0.1, 10, lr_min=-1e-3), "lr_min"),
        (lambda: cosine(0.1, 10, lr_min=0.2), "lr_min"),
        (lambda: warm_restarts(0.1, 0), "T_0"),
        (lambda: warm_restarts(0.1, 10, 0), "T_mult"),
        (lambda: warm_restarts(-0.1, 10), "lr0"),
        (lambda: linear_warmup(0.1, 0), "warmup_steps"),
        (lambda: linear_warmup(-0.1, 5), "learning rate"),
        (lambda: linear_warmup(0.1, 5, start_factor=1.5), "start_factor"),
        (lambda: linear_warmup(0.1, 5, start_factor=-0.1), "start_factor"),
        (lambda: linear_warmup(0.1, 5, start_factor=0.0), "start_factor"),
        (lambda: restart_steps(10, 2, until=-1), "until"),
        (lambda: restart_steps(0, 2, until=10), "T_0"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(make, name):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: step(0.1, 2.5, 0.5), "step_size must be a positive integer, got 2.5"),
        (lambda: warm_restarts(0.1, 10, 1.5), "T_mult must be a positive integer, got 1.5"),
        (lambda: multistep(0.1, 30), "milestones must be a list of steps, got 30"),
        (lambda: multistep(0.1, None), "milestones must be a list of steps, got None"),
        (lambda: multistep(0.1, [5.0]), "each milestone must be a positive integer, got 5.0"),
        # A bool is refused wherever a number is asked for, as the optimizers refuse it.
        (lambda: inverse_time(True, 0.5), "lr0 must be a real number"),
        (lambda: exponential(0.1, gamma=True), "gamma must be a real number"),
        (lambda: linear_warmup(0.1, 5, start_factor=True), "start_factor must be a real number"),
        (lambda: cosine(True, 10), "lr0 must be a real number"),
        (lambda: linear_warmup("0.1", 5), "schedule_or_lr"),
        (lambda: linear_warmup(None, 5), "schedule_or_lr"),
    ],
)
def test_arguments_of_the_wrong_type_raise_type_error_naming_them(make, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        make()


def test_huge_and_far_arguments_give_a_number_or_an_error_naming_them():
    with pytest.raises(ValueError, match=r"^T must be at most 2\*\*53 steps"):
        cosine(0.1, T=10**400)
    with pytest.raises(
        ValueError, match=r"^t must be a non-negative finite number, got an integer"
    ):
        cosine(0.1, 10)(10**400)
    far = warm_restarts(0.1, 1, T_mult=2)(1.79e308)  # finite t: a learning rate in range
    assert 0.0 <= far <= 0.1
    assert warm_restarts(0.1, 1, T_mult=2)(1e18) == pytest.approx(0.016381513850480322, rel=1e-12)


@pytest.mark.parametrize("make", [lambda: inverse_time(0.1, 0.5), lambda: exponential(0.1, 0.9)])
def test_a_numpy_float32_step_count_gives_a_python_float(make):
    lr = make()(np.float32(7.5))
    assert type(lr) is float
    assert lr == make()(7.5)


def test_scheduler_refuses_a_state_that_is_not_its_own():
    opt = SGD(lr=0.1)
    sched = Scheduler(opt, cosine(0.1, 10))
    with pytest.raises(TypeError, match="state must be a dict from Scheduler.state_dict"):
        sched.load_state_dict(None)
    with pytest.raises(
        ValueError, match=r"got the keys \['rule', 't', .*an optimizer's state_dict"
    ):
        sched.load_state_dict(opt.state_dict())
    assert sched.t == 0


def test_scheduler_names_the_step_of_a_schedule_that_returns_no_number():
    opt = SGD(lr=0.1)
    sched = Scheduler(opt, lambda t: None if t == 2 else 0.1)
    sched.step()
    sched.step()
    with pytest.raises(TypeError, match=r"^schedule\(2\) must be a real number"):
        sched.step()
    assert (sched.t, opt.lr) == (2, 0.1)


@pytest.mark.parametrize("factory", [lambda: exponential(0.1, 0.9), lambda: cosine(0.1, 10)])
def test_bad_step_counts(factory):
    schedule = factory()
    with pytest.raises(ValueError, match="t must be"):
        schedule(-1)
    with pytest.raises(ValueError, match="t must be"):
        schedule(float("nan"))
    with pytest.raises(TypeError, match="t must be"):
        schedule("3")


def test_every_public_name_is_documented():
    for name in schedules.__all__:
        obj = getattr(schedules, name)
        assert obj.__doc__ and len(obj.__doc__) > 80, name


def test_scheduler_drives_the_library_sgd_like_torch():
    torch = pytest.importorskip("torch")
    import optimizers

    if not hasattr(optimizers, "SGD"):
        pytest.skip("optimizers.rules is not written yet")
    curvature = np.array([0.5, 1.0, 2.0, 4.0, 8.0])  # loss = sum(c w^2) / 2, gradient c w
    w0 = np.array([1.0, -2.0, 0.5, 3.0, -1.0])
    schedule = warm_restarts(0.2, T_0=10, T_mult=2, lr_min=1e-3)

    params = {"w": w0.copy()}
    optimizer = optimizers.SGD(lr=0.2)
    scheduler = Scheduler(optimizer, schedule)
    ours = [params["w"].copy()]
    for _ in range(200):
        scheduler.step()
        optimizer.update(params, {"w": curvature * params["w"]})
        ours.append(params["w"].copy())

    p = torch.tensor(w0, requires_grad=True)
    c = torch.from_numpy(curvature)
    reference = torch.optim.SGD([p], lr=0.2)
    lr_scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        reference, T_0=10, T_mult=2, eta_min=1e-3
    )
    theirs = [w0.copy()]
    for _ in range(200):
        p.grad = c * p.detach()
        reference.step()
        lr_scheduler.step()
        theirs.append(p.detach().numpy().copy())
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)
    assert np.abs(ours[-1]).max() < 1e-3  # it did optimize
