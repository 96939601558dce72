"""One vocabulary for argument checks, used by every module of the library.

The rule everywhere: a value of the wrong *type* raises ``TypeError``, a value of the right
type but outside what is accepted raises ``ValueError``, and the message names the argument,
what it got and what it accepts ("Adam: beta1 must be in [0, 1), got 1.5"). ``owner``, when
given, is put in front ("Adam: ..."), so a message says where the argument belongs.

Booleans are refused wherever a number is asked for, although Python counts ``True`` as the
integer 1: ``lr=True`` is a mistake, never a learning rate of 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np


class Range(NamedTuple):
    """What a real number must satisfy, and how the messages say it."""

    test: Callable[[float], bool]
    phrase: str


FINITE = Range(math.isfinite, "a finite number")
POSITIVE = Range(lambda x: 0.0 < x < math.inf, "a positive finite number")
NON_NEGATIVE = Range(lambda x: 0.0 <= x < math.inf, "a non-negative finite number")
UNIT = Range(lambda x: 0.0 <= x < 1.0, "in [0, 1)")  # decay and momentum coefficients
FRACTION = Range(lambda x: 0.0 < x <= 1.0, "in (0, 1]")  # factors that shrink, 1 included


def _who(owner: str) -> str:
    return f"{owner}: " if owner else ""


def is_number(value: Any) -> bool:
    """True for a real number that is not a bool (Python or NumPy)."""
    return isinstance(value, Real) and not isinstance(value, bool | np.bool_)


def real(name: str, value: Any, within: Range = FINITE, *, owner: str = "") -> float:
    """``value`` as a Python float, checked against ``within``."""
    if not is_number(value):
        raise TypeError(
            f"{_who(owner)}{name} must be a real number ({within.phrase}), got {value!r}"
        )
    try:
        x = float(value)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        raise ValueError(
            f"{_who(owner)}{name} must be {within.phrase}, got an integer too large for a float"
        ) from None
    if not within.test(x):
        raise ValueError(f"{_who(owner)}{name} must be {within.phrase}, got {value!r}")
    return x


def integer(
    name: str, value: Any, minimum: int = 0, *, owner: str = "", or_none: bool = False
) -> int | None:
    """``value`` as a Python int >= ``minimum`` (a Python or NumPy integer, not a bool).

    With ``or_none=True``, ``None`` is accepted too (and returned), and the messages say so.
    """
    if or_none and value is None:
        return None
    phrase = {0: "a non-negative integer", 1: "a positive integer"}.get(
        minimum, f"an integer >= {minimum}"
    )
    if or_none:
        phrase += " or None"
    if isinstance(value, bool | np.bool_) or not isinstance(value, Integral):
        raise TypeError(f"{_who(owner)}{name} must be {phrase}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{_who(owner)}{name} must be {phrase}, got {value!r}")
    return int(value)


def mapping(name: str, value: Any, what: str = "a dict", *, owner: str = "") -> Mapping:
    """``value`` itself, if it is a Mapping (a dict); TypeError otherwise."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{_who(owner)}{name} must be {what}, got {type(value).__name__}")
    return value


def items(name: str, value: Any, what: str = "a list", *, owner: str = "") -> list:
    """``value`` as a list, if it is a list-like collection (not a string, not a single number)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{_who(owner)}{name} must be {what}, got {value!r}")
    return list(value)


def one_of(name: str, value: Any, options: Iterable[Any], *, owner: str = "") -> Any:
    """``value`` itself, if it equals one of ``options``; ValueError naming them otherwise."""
    options = list(options)
    if not any(type(value) is type(o) and value == o for o in options):
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{_who(owner)}{name} must be one of {listed}, got {value!r}")
    return value
