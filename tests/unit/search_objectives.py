"""Objectives for the search tests that misbehave on purpose: they raise, hang, kill their worker
or return something that is not a number. Module level, so worker processes can unpickle them."""

from __future__ import annotations

import math
import os
import signal
import time

HANG = 3600.0  # seconds: "never returns" for a test


def sleepy(lr: float, delay: float = 0.05, hang_at: float | None = None) -> float:
    """``lr`` after ``delay`` seconds; at ``lr == hang_at`` it never returns."""
    time.sleep(HANG if lr == hang_at else delay)
    return float(lr)


def raise_at(lr: float, bad: float = 1.0, delay: float = 0.0) -> float:
    """The review's reproducer: the trial at ``lr == bad`` raises at once, the others take
    ``delay`` seconds."""
    if lr == bad:
        raise RuntimeError("diverged")
    time.sleep(delay)
    return float(lr)


def exit_at(lr: float, bad: float = 2.0, how: str = "exit") -> float:
    """At ``lr == bad`` the worker process dies: ``os._exit(3)`` or SIGKILL (as the kernel's
    out-of-memory killer does)."""
    if lr == bad:
        if how == "exit":
            os._exit(3)
        os.kill(os.getpid(), signal.SIGKILL)
    return float(lr)


def echo(value: object) -> object:
    """Returns its argument, whatever it is: None, a tuple, a string, a bool."""
    return value


def by_kind(i: int, kinds: dict[int, str]) -> float:
    """Trial ``i`` behaves as ``kinds.get(i, "ok")`` says; "ok" scores ``i / 10``."""
    kind = kinds.get(i, "ok")
    if kind == "raise":
        raise ValueError(f"trial {i} blew up")
    if kind == "none":
        return None  # type: ignore[return-value]
    if kind == "string":
        return "0.5"  # type: ignore[return-value]
    if kind == "nan":
        return math.nan
    if kind == "hang":
        time.sleep(HANG)
    if kind == "die":
        os._exit(7)
    return i / 10
