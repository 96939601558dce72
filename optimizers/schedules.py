"""Learning-rate schedules: the learning rate as a function of the step count (chapter 8).

Every factory below checks its arguments and returns a plain function ``schedule(t) -> float``:
the learning rate for step ``t = 0, 1, 2, ...`` (``t`` counts updates or epochs, whichever you
step the schedule with; a fractional ``t`` such as ``epoch + batch / batches`` is allowed, and
the staircase schedules round it down). ``Scheduler`` applies a schedule to an optimizer::

    optimizer = SGD(lr=0.1)
    scheduler = Scheduler(optimizer, cosine(0.1, T=1000))
    for t in range(1000):
        scheduler.step()                    # optimizer.lr = schedule(t), then t += 1
        optimizer.update(params, grads)     # this update uses schedule(t)

The update number ``t`` (counted from 0) uses ``schedule(t)``. That is also what torch does: a
torch scheduler sets ``lr = schedule(0)`` when it is built and ``schedule(t + 1)`` when
``scheduler.step()`` is called after the ``t``-th ``optimizer.step()``. Each docstring names the
``torch.optim.lr_scheduler`` class that gives the same numbers (the tests check them to 1e-12).
"""

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import _checks
from ._checks import FRACTION, NON_NEGATIVE, POSITIVE

__all__ = [
    "Scheduler",
    "cosine",
    "exponential",
    "inverse_sqrt",
    "inverse_time",
    "linear_warmup",
    "multistep",
    "restart_steps",
    "step",
    "warm_restarts",
]

Schedule = Callable[[float], float]


# ----------------------------------------------------------------------------- argument checks


def _count(name: str, value: Any) -> int:
    """A number of steps: a positive integer that a float can hold exactly (up to 2**53)."""
    n = _checks.integer(name, value, 1)
    if n > 2**53:
        raise ValueError(f"{name} must be at most 2**53 steps, got {value!r}")
    return n


def _gamma(value: Any) -> float:
    return _checks.real("gamma", value, FRACTION)


def _lr_min(lr_min: Any, lr0: float) -> float:
    lr_min = _checks.real("lr_min", lr_min, NON_NEGATIVE)
    if lr_min > lr0:
        raise ValueError(f"lr_min must not exceed lr0, got lr_min={lr_min!r} > lr0={lr0!r}")
    return lr_min


def _step_count(t: Any) -> float:
    """Check the argument of a schedule: a finite number t >= 0, as a Python float."""
    return _checks.real("t", t, NON_NEGATIVE)


# ----------------------------------------------------------------------------- schedules


# --8<-- [start:inverse_time]
def inverse_time(lr0: float, decay_rate: float) -> Schedule:
    """Inverse-time decay: ``lr(t) = lr0 / (1 + decay_rate * t)``.

    The course notes write it per epoch, ``alpha = alpha0 / (1 + decay_rate * epoch_num)`` with
    epochs counted from 1; here ``t`` counts from 0, so ``lr(0) = lr0`` and the notes' first
    epoch is ``t = 1``. Example: ``lr0 = 0.2``, ``decay_rate = 1`` gives 0.2, 0.1, 0.0667, 0.05.

    torch: ``LambdaLR(opt, lambda t: 1 / (1 + decay_rate * t))`` with the optimizer's lr = lr0.
    """
    lr0 = _checks.real("lr0", lr0, POSITIVE)
    decay_rate = _checks.real("decay_rate", decay_rate, NON_NEGATIVE)

    def schedule(t: float) -> float:
        return lr0 / (1.0 + decay_rate * _step_count(t))

    return schedule


# --8<-- [end:inverse_time]


def exponential(lr0: float, gamma: float) -> Schedule:
    """Exponential decay: ``lr(t) = lr0 * gamma**t``, with ``0 < gamma <= 1``.

    The notes' "0.95**epoch_num * alpha0" is ``exponential(alpha0, 0.95)``.

    torch: ``ExponentialLR(opt, gamma)`` (which multiplies by gamma at each ``step()``).
    """
    lr0 = _checks.real("lr0", lr0, POSITIVE)
    gamma = _gamma(gamma)

    def schedule(t: float) -> float:
        return lr0 * gamma ** _step_count(t)

    return schedule


def inverse_sqrt(k: float) -> Schedule:
    """Inverse square-root decay: ``lr(t) = k / sqrt(t + 1)``.

    The course notes write ``k / sqrt(epoch_num)`` (times ``alpha0``; fold it into ``k``) with
    epochs counted from 1, which is undefined at 0. With ``t`` counted from 0 we use
    ``epoch_num = t + 1``: ``lr(0) = k``, ``lr(3) = k / 2``, ``lr(99) = k / 10``.

    torch: ``LambdaLR(opt, lambda t: 1 / math.sqrt(t + 1))`` with the optimizer's lr = k.
    """
    k = _checks.real("k", k, POSITIVE)

    def schedule(t: float) -> float:
        return k / math.sqrt(_step_count(t) + 1.0)

    return schedule


def step(lr0: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """Staircase decay: ``lr(t) = lr0 * gamma**floor(t / step_size)``.

    The learning rate is multiplied by ``gamma`` every ``step_size`` steps (the notes' "discrete
    decay", e.g. halve it every 10 epochs: ``step(lr0, 10, 0.5)``).

    torch: ``StepLR(opt, step_size, gamma)``.
    """
    lr0 = _checks.real("lr0", lr0, POSITIVE)
    step_size = _count("step_size", step_size)
    gamma = _gamma(gamma)

    def schedule(t: float) -> float:
        return lr0 * gamma ** (math.floor(_step_count(t)) // step_size)

    return schedule


def multistep(lr0: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """Decay at chosen steps ("manual" decay): ``lr(t) = lr0 * gamma**(number of milestones <= t)``.

    ``milestones`` are strictly increasing positive integers: from step ``milestones[i]`` on,
    the learning rate has been multiplied by ``gamma`` ``i + 1`` times. Example (ResNet style):
    ``multistep(0.1, [30, 60, 90], 0.1)``.

    torch: ``MultiStepLR(opt, milestones, gamma)``.
    """
    lr0 = _checks.real("lr0", lr0, POSITIVE)
    gamma = _gamma(gamma)
    milestones = _checks.items("milestones", milestones, "a list of steps")
    milestones = [_count("each milestone", m) for m in milestones]
    if any(b <= a for a, b in zip(milestones, milestones[1:], strict=False)):
        raise ValueError(f"milestones must be strictly increasing, got {milestones}")

    def schedule(t: float) -> float:
        t = _step_count(t)
        passed = sum(1 for m in milestones if m <= t)
        return lr0 * gamma**passed

    return schedule


# --8<-- [start:cosine]
def _annealed(lr0: float, lr_min: float, t: float, T: int) -> float:
    """``lr_min + (lr0 - lr_min) * (1 + cos(pi * t / T)) / 2`` for ``0 <= t <= T``.

    This is torch's formula, rounded as torch rounds it; the ends are returned exactly (the
    formula itself can miss ``lr0`` by a rounding error at ``t = 0``), so the result stays in
    ``[lr_min, lr0]``. Past ``T`` it stays at ``lr_min``.
    """
    if t <= 0:
        return lr0
    if t >= T:
        return lr_min
    angle = math.pi * t / T
    if angle == math.inf:  # pi * t overflowed (t near 1e308, in a far warm-restart cycle)
        angle = math.pi * (t / T)
    return lr_min + (lr0 - lr_min) * (1.0 + math.cos(angle)) / 2.0


def cosine(lr0: float, T: int, lr_min: float = 0.0) -> Schedule:
    """Cosine annealing from ``lr0`` down to ``lr_min`` over ``T`` steps.

    ``lr(t) = lr_min + (lr0 - lr_min) * (1 + cos(pi * t / T)) / 2`` for ``t <= T`` and
    ``lr(t) = lr_min`` after that (Loshchilov & Hutter, 2017, one cycle without restarts).

    With ``lr_min = 0`` the learning rate is exactly 0 from ``t = T`` on: the optimizers accept
    it (and a checkpoint taken then loads), but an update with lr = 0 does not move the weights,
    so schedule ``T`` updates (``t = 0 .. T-1``) or give ``lr_min > 0``.

    torch: ``CosineAnnealingLR(opt, T_max=T, eta_min=lr_min)`` for ``t <= T``. Past ``T``
    torch's learning rate follows the cosine back up (a period of ``2 T``); ours stays at
    ``lr_min``. Use ``warm_restarts`` to start again from ``lr0``.
    """
    lr0 = _checks.real("lr0", lr0, POSITIVE)
    T = _count("T", T)
    lr_min = _lr_min(lr_min, lr0)

    def schedule(t: float) -> float:
        return _annealed(lr0, lr_min, _step_count(t), T)

    return schedule


# --8<-- [end:cosine]


# --8<-- [start:warm_restarts]
def warm_restarts(lr0: float, T_0: int, T_mult: int = 1, lr_min: float = 0.0) -> Schedule:
    """Cosine annealing with warm restarts, SGDR (Loshchilov & Hutter, 2017).

    The steps are cut into cycles of lengths ``T_0, T_0 * T_mult, T_0 * T_mult**2, ...``.
    Inside a cycle of length ``T_i``, ``t_cur`` steps after its start,
    ``lr = lr_min + (lr0 - lr_min) * (1 + cos(pi * t_cur / T_i)) / 2``: the learning rate falls
    from ``lr0`` towards ``lr_min`` and jumps back to ``lr0`` at the next cycle (a "restart").
    ``restart_steps`` lists the restarts; snapshot ensembles save the weights just before them.

    torch: ``CosineAnnealingWarmRestarts(opt, T_0, T_mult, eta_min=lr_min)``.
    """
    lr0 = _checks.real("lr0", lr0, POSITIVE)
    T_0 = _count("T_0", T_0)
    T_mult = _checks.integer("T_mult", T_mult, 1)
    lr_min = _lr_min(lr_min, lr0)

    def schedule(t: float) -> float:
        t_cur, T_i = _step_count(t), float(T_0)  # a float: far cycles may pass 1e308
        while t_cur >= T_i:  # walk through the finished cycles
            if T_mult == 1:
                t_cur %= T_i
                break
            t_cur -= T_i
            T_i *= T_mult
        return _annealed(lr0, lr_min, t_cur, T_i)

    return schedule


# --8<-- [end:warm_restarts]


def restart_steps(T_0: int, T_mult: int = 1, *, until: int) -> list[int]:
    """The steps ``r <= until`` at which ``warm_restarts(lr0, T_0, T_mult, ...)`` restarts.

    ``r`` is the first step of a new cycle, where the learning rate jumps back to ``lr0``; the
    update at step ``r - 1`` was the last and smallest of its cycle. So after ``r`` updates the
    weights sit at the end of a cycle: that is where a snapshot ensemble (Huang et al., 2017)
    saves a model. ``until`` is included, so a run of ``until`` updates that ends exactly at the
    end of a cycle gets that cycle's snapshot too. Example: ``restart_steps(10, 2, until=70)``
    is ``[10, 30, 70]``.
    """
    T_0 = _count("T_0", T_0)
    T_mult = _checks.integer("T_mult", T_mult, 1)
    until = _checks.integer("until", until)
    restarts, r, T_i = [], T_0, T_0
    while r <= until:
        restarts.append(r)
        T_i *= T_mult
        r += T_i
    return restarts


def linear_warmup(
    schedule_or_lr: Schedule | float, warmup_steps: int, start_factor: float = 1.0 / 3.0
) -> Schedule:
    """Linear warmup for ``warmup_steps`` steps, then the given schedule (or a constant lr).

    With ``base = schedule(0)`` (or the constant lr), for ``t < warmup_steps``:
    ``lr(t) = base * (start_factor + (1 - start_factor) * t / warmup_steps)``, rising from
    ``start_factor * base`` towards ``base``. From ``t = warmup_steps`` on,
    ``lr(t) = schedule(t - warmup_steps)``: the schedule starts after the warmup, not under it.
    (Goyal et al., 2017, use a gradual warmup for large mini-batches.)

    ``0 < start_factor <= 1`` (as in torch; the default 1/3 is torch's too): a first step
    with lr = 0 would do nothing.

    torch: ``SequentialLR(opt, [LinearLR(opt, start_factor, total_iters=warmup_steps), main],
    milestones=[warmup_steps])``, or ``LinearLR`` alone for a constant lr.
    """
    if callable(schedule_or_lr):
        after = schedule_or_lr
        base = float(after(0))
    else:
        base = _checks.real("schedule_or_lr (a learning rate)", schedule_or_lr, POSITIVE)

        def after(t: float) -> float:
            return base

    warmup_steps = _count("warmup_steps", warmup_steps)
    start_factor = _checks.real("start_factor", start_factor, FRACTION)

    def schedule(t: float) -> float:
        t = _step_count(t)
        if t >= warmup_steps:
            return float(after(t - warmup_steps))
        return base * (start_factor + (1.0 - start_factor) * t / warmup_steps)

    return schedule


# ----------------------------------------------------------------------------- the helper


class Scheduler:
    """Applies a schedule to an optimizer: ``step()`` sets ``optimizer.lr = schedule(t)``.

    Call ``step()`` before each update. It sets ``optimizer.lr = schedule(t)``, adds 1 to ``t``
    and returns the learning rate it set, so update number ``t`` (from 0) uses ``schedule(t)``,
    the same sequence as torch's ``optimizer.step(); scheduler.step()`` loop. ``t`` starts at 0
    and counts the calls to ``step()``; ``state_dict()`` / ``load_state_dict()`` save and restore
    it, so a resumed run continues the schedule where it stopped.
    """

    def __init__(self, optimizer: Any, schedule: Schedule) -> None:
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"{type(optimizer).__name__} has no attribute lr to schedule")
        if not callable(schedule):
            raise TypeError(f"schedule must be callable as schedule(t), got {schedule!r}")
        self.optimizer = optimizer
        self.schedule = schedule
        self.t = 0

    def step(self) -> float:
        """Set ``optimizer.lr = schedule(t)``, then ``t += 1``; return the learning rate set."""
        lr = _checks.real(f"schedule({self.t})", self.schedule(self.t), NON_NEGATIVE)
        self.optimizer.lr = lr
        self.t += 1
        return lr

    def state_dict(self) -> dict[str, int]:
        """The state to save: ``{"t": t}``."""
        return {"t": self.t}

    def load_state_dict(self, state: Mapping[str, int]) -> None:
        """Restore ``t`` from ``state_dict()`` (a dict ``{"t": t}`` and nothing else)."""
        _checks.mapping("state", state, "a dict from Scheduler.state_dict()")
        if state.keys() != {"t"}:
            hint = " (an optimizer's state_dict?)" if "rule" in state else ""
            raise ValueError(
                f"a Scheduler's state is {{'t': step}}, got the keys {list(state)}{hint}"
            )
        self.t = _checks.integer("state['t']", state["t"])
