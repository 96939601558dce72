"""Averages: exponentially weighted averages of a series (chapter 3) and averages of the
weights along training, Polyak and exponential moving averages (chapter 14).

All of them are running averages of the same shape::

    average <- average + w_t * (x_t - average)

and differ only in the weight ``w_t`` of the newest value ``x_t``: ``1 - beta`` for the
exponentially weighted average, ``(1 - beta) / (1 - beta**t)`` when it is bias-corrected, and
``1 / t`` for the arithmetic (Polyak) mean.
"""

from typing import Any

import numpy as np

from . import _checks
from ._checks import UNIT

__all__ = [
    "EMAParams",
    "ExponentialAverage",
    "PolyakAverage",
    "effective_window",
    "ewa",
]


def _stream_value(theta: Any, shape: tuple[int, ...] | None) -> Any:
    """``theta`` as a number or a real array, of ``shape`` once the average has one."""
    if not _checks.is_number(theta):
        theta = np.asarray(theta)
        if theta.dtype.kind not in "fiu":
            raise TypeError(f"theta must be a number or an array of numbers, got {theta.dtype}")
    if shape is not None and np.shape(theta) != shape:
        raise ValueError(
            f"theta has shape {np.shape(theta)}, but the average has shape {shape} "
            f"(start a new ExponentialAverage for values of another shape)"
        )
    return theta


# --8<-- [start:exponential_average]
class ExponentialAverage:
    """Exponentially weighted average of a stream of numbers or arrays.

    ``v_t = beta * v_{t-1} + (1 - beta) * theta_t`` with ``v_0 = 0``, written as
    ``v_t = v_{t-1} + (1 - beta) * (theta_t - v_{t-1})``. ``v_t`` averages roughly the last
    ``1 / (1 - beta)`` values (``effective_window``), but starts too low: ``v_1`` is only
    ``(1 - beta) * theta_1``.

    With ``bias_correction=True`` the value is ``v_t / (1 - beta**t)`` instead. We compute it
    as a running mean with the weight ``(1 - beta) / (1 - beta**t)`` (1 at ``t = 1``, then
    falling towards ``1 - beta``), the same quantity without the division: a constant series
    then gives exactly that constant, where ``v_t / (1 - beta**t)`` drifts from it by up to
    about 2e-14 (relative, at ``beta = 0.999`` over 2000 values).

    ``update(theta)`` adds a value and returns the new average; ``value`` is the current one
    (``0.0`` before the first update) and ``t`` the number of values seen. float32 input
    stays float32.
    """

    def __init__(self, beta: float, bias_correction: bool = False) -> None:
        self.beta = _checks.real("beta", beta, UNIT)
        self.bias_correction = bool(bias_correction)
        self.t = 0
        self.value: Any = 0.0

    def update(self, theta: Any) -> Any:
        """Add ``theta`` (a number or an array) and return the new average."""
        theta = _stream_value(theta, np.shape(self.value) if self.t else None)
        self.t += 1
        weight = 1.0 - self.beta
        if self.bias_correction:
            weight /= 1.0 - self.beta**self.t
        self.value = self.value + weight * (theta - self.value)
        return self.value

    # --8<-- [end:exponential_average]

    def state_dict(self) -> dict[str, Any]:
        """The state to save: ``t`` and a copy of ``value``."""
        return {"t": self.t, "value": np.copy(self.value) if np.ndim(self.value) else self.value}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the state saved by ``state_dict()`` (checked before anything changes)."""
        _checks.mapping("state", state, "a dict from state_dict()")
        t = _checks.integer("state['t']", state["t"])
        value = _stream_value(state["value"], None)
        self.t, self.value = t, (np.copy(value) if np.ndim(value) else value)


def ewa(series: Any, beta: float, bias_correction: bool = False) -> np.ndarray:
    """Exponentially weighted average of a series: ``v_t = beta v_{t-1} + (1 - beta) theta_t``.

    ``series`` has the time along its first axis (a 1-D series such as daily temperatures, or
    an array of shape ``(n, ...)``); the result has the same shape, row ``t - 1`` holding
    ``v_t`` (``v_0 = 0`` is not included). ``bias_correction=True`` returns
    ``v_t / (1 - beta**t)``. See ``ExponentialAverage`` for the formulas; this function feeds
    it the series row by row. ``0 <= beta < 1``; integer input is averaged in float64.
    """
    values = np.asarray(series)
    if values.ndim == 0:
        raise ValueError("series must have at least one axis (time along the first axis)")
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float64)
    average = ExponentialAverage(beta, bias_correction)
    out = np.empty_like(values)
    for t, theta in enumerate(values):
        out[t] = average.update(theta)
    return out


def effective_window(beta: float) -> float:
    """How many recent values an exponentially weighted average roughly averages: ``1/(1-beta)``.

    The weight of the value ``k`` steps back is ``(1 - beta) * beta**k``; at
    ``k = 1 / (1 - beta)`` the factor ``beta**k`` has fallen to about ``1/e``, since
    ``(1 - eps)**(1/eps)`` tends to ``1/e`` (e.g. ``0.9**10 = 0.349``, ``0.98**50 = 0.364``).
    """
    return 1.0 / (1.0 - _checks.real("beta", beta, UNIT))


# ----------------------------------------------------------------------------- weight averages


class _ParamsAverage:
    """A running average of parameter dicts: ``average <- average + w_n (params - average)``.

    Subclasses define the weight ``_weight(n)`` of the ``n``-th snapshot (``n >= 2``; the
    first snapshot is copied). The average keeps each parameter's float dtype (integer or
    Python-float parameters are averaged in float64) and never aliases the live arrays.
    """

    def __init__(self) -> None:
        self.count = 0  # snapshots averaged so far
        self._average: dict[str, np.ndarray] = {}

    def _weight(self, n: int) -> float:
        raise NotImplementedError

    def _add(self, params: dict[str, Any]) -> None:
        _checks.mapping("params", params, "a dict of parameters (name -> array or number)")
        arrays = {}
        for key, value in params.items():
            array = np.asarray(value)
            if not np.issubdtype(array.dtype, np.floating):
                array = array.astype(np.float64)
            arrays[key] = array
        if self.count == 0:
            self._average = {key: array.copy() for key, array in arrays.items()}
            self.count = 1
            return
        missing = self._average.keys() - arrays.keys()
        if missing:
            raise KeyError(f"params has no entry {sorted(missing)[0]!r}, which is averaged")
        extra = arrays.keys() - self._average.keys()
        if extra:
            raise KeyError(f"params has an entry {sorted(extra)[0]!r} that is not averaged")
        for key, array in arrays.items():
            if array.shape != self._average[key].shape:
                raise ValueError(
                    f"params[{key!r}] has shape {array.shape}, "
                    f"but its average has shape {self._average[key].shape}"
                )
        self.count += 1
        weight = self._weight(self.count)
        for key, array in arrays.items():
            average = self._average[key]
            average += weight * (array - average)

    @property
    def average(self) -> dict[str, np.ndarray]:
        """A copy of the averaged parameters (a dict name -> array)."""
        if self.count == 0:
            raise RuntimeError("nothing averaged yet: call update(params) first")
        return {key: array.copy() for key, array in self._average.items()}

    def state_dict(self) -> dict[str, Any]:
        """The state to save: counters and a copy of the average."""
        return {"count": self.count, "average": {k: a.copy() for k, a in self._average.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the state saved by ``state_dict()`` (arrays are copied).

        Everything is checked before anything changes: a refused state leaves the average as it
        was.
        """
        self._set(self._checked_state(state))

    def _checked_state(self, state: Any) -> dict[str, Any]:
        _checks.mapping("state", state, "a dict from state_dict()")
        average = _checks.mapping("state['average']", state["average"])
        return {
            "count": _checks.integer("state['count']", state["count"]),
            "_average": {key: np.array(a, copy=True) for key, a in average.items()},
        }

    def _set(self, checked: dict[str, Any]) -> None:
        for name, value in checked.items():
            setattr(self, name, value)


# --8<-- [start:polyak]
class PolyakAverage(_ParamsAverage):
    """Polyak averaging: the arithmetic mean of the weights seen along training.

    ``update(params)`` adds a snapshot of the parameter dict; ``average`` is the mean of the
    snapshots, kept as a running mean ``average <- average + (params - average) / n``
    (Polyak & Juditsky, 1992; Ruppert, 1988). The first ``start`` calls are skipped (the early
    weights are far from where training ends, so the mean usually starts late). ``steps``
    counts all calls, ``count`` the averaged snapshots.
    """

    def __init__(self, start: int = 0) -> None:
        super().__init__()
        self.start = _checks.integer("start", start)
        self.steps = 0

    def update(self, params: dict[str, Any]) -> None:
        """Count a step; from step ``start`` on (0-based), add ``params`` to the mean."""
        self.steps += 1
        if self.steps > self.start:
            self._add(params)

    def _weight(self, n: int) -> float:
        return 1.0 / n

    # --8<-- [end:polyak]

    def state_dict(self) -> dict[str, Any]:
        """The state to save: ``steps``, ``count`` and a copy of the average."""
        return {"steps": self.steps, **super().state_dict()}

    def _checked_state(self, state: Any) -> dict[str, Any]:
        checked = super()._checked_state(state)
        checked["steps"] = _checks.integer("state['steps']", state["steps"])
        return checked


# --8<-- [start:ema_params]
class EMAParams(_ParamsAverage):
    """Exponential moving average of the weights: ``avg <- decay * avg + (1 - decay) * params``.

    Recent weights count most: the average covers roughly the last ``1 / (1 - decay)`` updates
    (``decay`` is typically 0.99 to 0.9999). Without bias correction the average starts as a
    copy of the first snapshot (as torch's ``AveragedModel`` with an EMA does), so it is never
    pulled towards zero. With ``bias_correction=True`` it is ``v_t / (1 - decay**t)`` of the
    average ``v_t`` started at ``v_0 = 0``, which weighs every snapshot by ``decay**(t - s)``
    from the start: the temporal averaging of section 7.2 of the Adam paper (Kingma & Ba,
    2015). The lecture notes call this, too, Polyak averaging.
    """

    def __init__(self, decay: float, bias_correction: bool = False) -> None:
        super().__init__()
        self.decay = _checks.real("decay", decay, UNIT)
        self.bias_correction = bool(bias_correction)

    def update(self, params: dict[str, Any]) -> None:
        """Move the average towards ``params``."""
        self._add(params)

    def _weight(self, n: int) -> float:
        weight = 1.0 - self.decay
        if self.bias_correction:
            weight /= 1.0 - self.decay**n
        return weight

    # --8<-- [end:ema_params]
