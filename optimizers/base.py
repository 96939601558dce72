"""The base class of every update rule: checks, lazy state, saving, and fast blocked updates.

A rule (``optimizers.rules``) only says what one step does to one block of numbers, in
``update_block``; everything that is the same for every rule lives here, once:

* hyperparameters are checked whenever they are set (also later, e.g. a schedule setting
  ``opt.lr``) and kept as Python floats, so float32 work stays float32 under NumPy 2's
  promotion rules (NEP 50: a Python float does not widen a float32 array, a NumPy float64 does);
* ``update(params, grads)`` checks keys, shapes and dtypes before it changes anything;
* the state named in ``state_names`` is created on the first update, as zeros of each
  parameter's shape and dtype;
* ``state_dict()`` / ``load_state_dict()`` save and restore everything a resumed run needs;
* Python floats and 0-d arrays (the 2-D demos' ``params["x"]``) are gathered into one small
  array per dtype, so a step costs one pass of the rule, not one per parameter;
* large arrays are processed in blocks of ``BLOCK_BYTES``, so the temporaries of a rule's
  formula lines are small and each block stays in cache while the rule works on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import numpy as np

from . import _checks
from ._checks import NON_NEGATIVE, POSITIVE, UNIT, Range

__all__ = ["BLOCK_BYTES", "LIMITS", "Optimizer"]

#: Bytes of one block handed to ``update_block`` (65536 float32 or 32768 float64 numbers): the
#: block of the parameter, its gradient, its state and a rule's temporaries fit in a core's L2
#: cache.
BLOCK_BYTES = 256 * 1024

#: The allowed range of each hyperparameter name (every rule's hyperparameters are among these).
#: After construction ``lr`` may also be 0: a schedule may end there (``LATER_LR``).
LIMITS: dict[str, Range] = {
    "lr": POSITIVE,
    "eps": POSITIVE,
    "momentum": UNIT,
    "beta1": UNIT,
    "beta2": UNIT,
    "decay_rate": UNIT,
    "rho": UNIT,
    "weight_decay": NON_NEGATIVE,
}
LATER_LR = NON_NEGATIVE


class Optimizer:
    """Base class of the update rules: ``opt.update(params, grads)`` changes ``params``.

    ``params`` and ``grads`` are dicts with the same keys. A parameter is a float array (any
    float dtype; updated in place), a 0-d array (updated in place) or a Python float (the dict
    entry is replaced by the new float). A gradient of another dtype is converted to the
    parameter's. The first update fixes the keys, shapes and dtypes.

    A rule passes its hyperparameters to ``__init__``, names its state arrays in
    ``state_names`` (zeros at the start) and writes one step in ``update_block(w, g, **state)``:
    ``w``, ``g`` and the state arrays (passed by their names) are 1-D views of the same block of
    numbers; the rule changes ``w`` and the state in place (``w -= ...``, ``v[:] = ...``).
    ``self.t`` is the number of the step being taken (1 in the first update).

    ``opt.state`` may be cleared or its arrays replaced between updates (to reset a velocity,
    say): the next update uses what it holds then, and ``state_dict()`` reports the same.

    Errors: a bad hyperparameter raises ValueError (TypeError if it is not a number) naming it
    and its value, at construction and whenever it is set; setting a name that is not one of
    the rule's hyperparameters raises AttributeError. ``params`` or ``grads`` that are not
    dicts raise TypeError; a missing or extra gradient, or a parameter the first update did
    not have, raises KeyError naming the key; a gradient of another shape raises ValueError
    naming the key and both shapes; an integer array raises TypeError; one array under two
    keys (tied weights, which would be moved twice) raises ValueError, and so does an eps
    that is 0 in a parameter's dtype (1e-8 in float16). An update that raises changes
    nothing.

    Low precision: in float16 the squares of small gradients (times ``1 - beta2`` in Adam)
    round to 0 below 6e-8, so RMSProp, AdaGrad and the Adam family can take steps many times
    too large, as torch.optim does; keep such parameters in float32 or float64.
    """

    state_names: tuple[str, ...] = ()

    def __init__(self, **hyperparameters: float) -> None:
        self.hyperparameters = tuple(hyperparameters)
        for name, value in hyperparameters.items():
            setattr(self, name, value)  # checked by __setattr__
        self.t = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self._layout: dict[str, tuple[tuple[int, ...], np.dtype]] | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in LIMITS:
            rule = type(self).__name__
            if name not in self.__dict__.get("hyperparameters", ()):
                raise AttributeError(
                    f"{rule} has no hyperparameter {name!r} (its hyperparameters are "
                    f"{', '.join(self.hyperparameters)}): setting it would change nothing"
                )
            value = _checked(rule, name, value, constructed="t" in self.__dict__)
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.hyperparameters)
        return f"{type(self).__name__}({args})"

    def __getstate__(self) -> dict[str, Any]:  # for copy.deepcopy and pickle
        d = {k: v for k, v in self.__dict__.items() if k not in ("_scalars", "_arrays", "_seen")}
        d.update(state=self.state_dict()["state"], _layout=None)  # no views
        return d

    def update_block(self, w: np.ndarray, g: np.ndarray, **state: np.ndarray) -> None:
        """One step of the rule on one block, in place (each rule defines it)."""
        raise NotImplementedError

    def update(self, params: dict[str, Any], grads: Mapping[str, Any]) -> None:
        """Take one step: check everything first, then change ``params`` in place."""
        work = _prepare(self, params, grads)
        self.t += 1
        for w, g, state, write_back in work:
            _run_blocks(self, w, g, state)
            if write_back is not None:
                write_back()

    def state_dict(self) -> dict[str, Any]:
        """A deep copy of what a resumed run needs: rule, step, hyperparameters, state."""
        return {
            "rule": type(self).__name__,
            "t": self.t,
            "hyperparameters": {name: getattr(self, name) for name in self.hyperparameters},
            "state": {
                key: {name: np.array(a, copy=True) for name, a in arrays.items()}
                for key, arrays in self.state.items()
            },
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore (a copy of) a ``state_dict()``; the next update continues bit for bit.

        Everything is checked before anything changes: a state_dict that is refused leaves the
        optimizer as it was. ``lr`` may be 0 (a schedule may have ended there); ``t`` must be a
        non-negative integer.
        """
        rule = type(self).__name__
        _checks.mapping("state_dict", state_dict, "a dict from state_dict()", owner=rule)
        if state_dict.get("rule") != rule:
            raise ValueError(f"the state_dict is for {state_dict.get('rule')!r}, not {rule!r}")
        for part in ("t", "hyperparameters", "state"):
            if part not in state_dict:
                raise KeyError(f"{rule}: the state_dict has no {part!r}")
        t = _checks.integer("state_dict['t']", state_dict["t"], owner=rule)
        hyperparameters = dict(
            _checks.mapping("state_dict['hyperparameters']", state_dict["hyperparameters"])
        )
        if set(hyperparameters) != set(self.hyperparameters):
            raise ValueError(
                f"{rule}: the state_dict has hyperparameters {sorted(hyperparameters)}, "
                f"expected {sorted(self.hyperparameters)}"
            )
        hyperparameters = {
            k: _checked(rule, k, v, constructed=True) for k, v in hyperparameters.items()
        }
        state = {}
        for key, arrays in _checks.mapping("state_dict['state']", state_dict["state"]).items():
            if not isinstance(arrays, Mapping):
                raise TypeError(
                    f"{rule}: the state of {key!r} must be a dict of arrays "
                    f"{list(self.state_names)}, got {type(arrays).__name__}"
                )
            for name in [*self.state_names, *arrays]:
                if name not in arrays or name not in self.state_names:
                    raise KeyError(f"{rule}: the state of {key!r} has no or an unknown {name!r}")
            state[key] = {name: np.array(arrays[name], copy=True) for name in self.state_names}
        for name, value in hyperparameters.items():
            object.__setattr__(self, name, value)  # checked above
        self.t = t
        self.state = state
        self._layout = None  # rebuilt, and checked against the loaded state, on the next update


# The mechanics below are the same for every rule; the pages need not show them.

_FLOAT64 = np.dtype(np.float64)
_SCALAR64 = ((), _FLOAT64)


def _checked(rule: str, name: str, value: Any, constructed: bool = False) -> float:
    """``value`` as a Python float, or an error naming the rule, the name and the value.

    Once the optimizer is ``constructed``, ``lr`` may be 0 (a schedule may end there).
    """
    within = LATER_LR if constructed and name == "lr" else LIMITS[name]
    return _checks.real(name, value, within, owner=rule)


def _describe(key: str, w: Any) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of parameter ``w``; TypeError (ValueError if read-only) if unusable."""
    if type(w) is float:
        return _SCALAR64
    if isinstance(w, np.ndarray):
        if w.dtype.kind != "f":
            raise TypeError(
                f"parameter {key!r} has dtype {w.dtype}: only a floating-point array can be "
                f"updated in place (convert it first, e.g. with .astype(np.float64))"
            )
        if not w.flags.writeable:
            raise ValueError(f"parameter {key!r} is a read-only array")
        return w.shape, w.dtype
    if isinstance(w, np.floating):
        return (), w.dtype
    if _checks.is_number(w):
        return _SCALAR64  # a Python or NumPy integer: replaced by a Python float
    raise TypeError(
        f"parameter {key!r} must be a float array, a 0-d array or a number, got {type(w).__name__}"
    )


def _same(key: str, got: tuple, want: tuple) -> None:
    """Raise unless parameter ``key`` still has the (shape, dtype) its state was made for."""
    if got[0] != want[0]:
        raise ValueError(
            f"parameter {key!r} has shape {got[0]} but its optimizer state has shape {want[0]}"
        )
    if got[1] != want[1]:
        raise TypeError(
            f"parameter {key!r} has dtype {got[1]} but its optimizer state has dtype {want[1]}"
        )


def _gradient(key: str, g: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Gradient ``g`` checked against the parameter's shape; an array of ``dtype`` (or a number)."""
    if type(g) is float and shape == ():
        return g
    a = g if isinstance(g, np.ndarray) else np.asarray(g)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"gradient {key!r} has dtype {a.dtype}: it must be real numbers")
    if a.shape != shape:
        raise ValueError(f"gradient {key!r} has shape {a.shape} but parameter has shape {shape}")
    return a if a.dtype == dtype or shape == () else a.astype(dtype)


def _raise_key_error(params: Mapping[str, Any], other: Mapping[str, Any], what: str) -> None:
    for key in params:
        if key not in other:
            if what == "gradient":
                raise KeyError(f"no gradient for parameter {key!r}")
            raise KeyError(
                f"parameter {key!r} is new: the optimizer's state was created for "
                f"{list(other)} (use a new optimizer for other parameters)"
            )
    extra = next(key for key in other if key not in params)
    if what == "gradient":
        raise KeyError(f"gradient {extra!r} has no parameter")
    raise KeyError(f"parameter {extra!r} is missing (the optimizer's state has it)")


Work = tuple[np.ndarray, np.ndarray, list[np.ndarray], Callable[[], None] | None]


def _prepare(opt: Optimizer, params: dict[str, Any], grads: Mapping[str, Any]) -> list[Work]:
    """Check an update's input; return (w, g, state, write_back) for each 1-D work array.

    Raises before changing anything (the state is created only once everything checks out).
    """
    if type(params) is not dict or type(grads) is not dict:  # the common case, checked quickly
        _checks.mapping("params", params, "a dict of parameters (name -> array or number)")
        _checks.mapping("grads", grads, "a dict of gradients with the keys of params")
        replaced = any(not isinstance(w, np.ndarray) for w in params.values())
        if replaced and not isinstance(params, MutableMapping):
            raise TypeError(
                f"params must be a dict that can be changed (a number parameter is replaced by "
                f"its new value), got {type(params).__name__}"
            )
    if params.keys() != grads.keys():
        _raise_key_error(params, grads, "gradient")
    if opt._layout is not None and not _state_unchanged(opt):
        opt._layout = None  # opt.state was replaced or cleared: use it as it is now
    if opt._layout is None:
        layout = {key: _describe(key, w) for key, w in params.items()}
        for key, (shape, dtype) in layout.items():
            _gradient(key, grads[key], shape, dtype)
        _check_distinct(params)
        _check_eps(opt, layout)
        _build(opt, layout)
    elif params.keys() != opt._layout.keys():
        _raise_key_error(params, opt._layout, "state")

    work: list[Work] = [group.gather(params, grads) for group in opt._scalars]
    for key, want, state in opt._arrays:
        w = params[key]
        _same(key, _describe(key, w), want)
        g = _gradient(key, grads[key], *want).reshape(-1)
        if w.flags.c_contiguous:
            work.append((w.reshape(-1), g, state, None))
        else:  # update a contiguous copy, then write it back into the caller's array
            flat = w.flatten()
            work.append((flat, g, state, _copier(w, flat)))
    return work


def _copier(w: np.ndarray, flat: np.ndarray) -> Callable[[], None]:
    return lambda: np.copyto(w, flat.reshape(w.shape))


def _state_unchanged(opt: Optimizer) -> bool:
    """True if ``opt.state`` still holds the very arrays the planned work updates."""
    state, size, held = opt._seen
    if opt.state is not state or len(state) != size:
        return False
    for key, arrays, name, a in held:
        if state.get(key) is not arrays or arrays.get(name) is not a:
            return False
    return True


def _check_distinct(params: Mapping[str, Any]) -> None:
    """Refuse one array under two keys (tied weights): it would be updated twice."""
    seen: dict[tuple, str] = {}
    for key, w in params.items():
        if isinstance(w, np.ndarray) and w.size:
            where = (w.__array_interface__["data"][0], w.shape, w.strides)
            if where in seen:
                raise ValueError(
                    f"parameters {seen[where]!r} and {key!r} are the same array, so each update "
                    f"would move it twice; pass a tied weight once, with the sum of its gradients"
                )
            seen[where] = key


def _check_eps(opt: Optimizer, layout: dict[str, tuple[tuple[int, ...], np.dtype]]) -> None:
    """Refuse an eps that is 0 in a parameter's dtype (it would give 0/0 = NaN)."""
    eps = getattr(opt, "eps", None)
    if eps is None:
        return
    for key, (_, dtype) in layout.items():
        if dtype.type(eps) == 0:
            tiny = float(np.finfo(dtype).smallest_subnormal)
            raise ValueError(
                f"{type(opt).__name__}: eps={eps!r} is 0 in {dtype} (parameter {key!r}), so a "
                f"zero gradient would give 0/0 = NaN; use an eps that {dtype} holds "
                f"(at least {tiny:.3g}; 1e-4 is usual for float16)"
            )


def _build(opt: Optimizer, layout: dict[str, tuple[tuple[int, ...], np.dtype]]) -> None:
    """Create the state at the first update (or check a loaded one) and plan the work."""
    if opt.state and opt.state.keys() != layout.keys():
        raise KeyError(
            f"the optimizer's state is for parameters {list(opt.state)}, "
            f"the update has {list(layout)}"
        )
    for key, want in layout.items():
        arrays = opt.state.get(key, {})
        for name, a in arrays.items():
            if not isinstance(a, np.ndarray) or not a.flags.c_contiguous:
                a = arrays[name] = np.array(a, order="C")  # updates must reach opt.state
            if (a.shape, a.dtype) != want:
                raise ValueError(
                    f"the loaded state {name!r} of {key!r} has shape {a.shape} and dtype "
                    f"{a.dtype}; the parameter has shape {want[0]} and dtype {want[1]}"
                )
    for key, (shape, dtype) in layout.items():
        arrays = opt.state.setdefault(key, {})
        for name in opt.state_names:
            arrays.setdefault(name, np.zeros(shape, dtype))

    by_dtype: dict[np.dtype, list[str]] = {}
    opt._arrays = []
    for key, (shape, dtype) in layout.items():
        if shape == ():
            by_dtype.setdefault(dtype, []).append(key)
        else:
            flat = [opt.state[key][name].reshape(-1) for name in opt.state_names]
            opt._arrays.append((key, (shape, dtype), flat))
    opt._scalars = [_Scalars(opt, keys, dtype) for dtype, keys in by_dtype.items()]
    opt._layout = layout
    held = [(k, arrays, name, a) for k, arrays in opt.state.items() for name, a in arrays.items()]
    opt._seen = (opt.state, len(opt.state), held)


def _run_blocks(opt: Optimizer, w: np.ndarray, g: np.ndarray, state: list[np.ndarray]) -> None:
    """Call ``opt.update_block`` on consecutive blocks of the 1-D arrays ``w``, ``g``, state."""
    names = opt.state_names
    n = w.size
    block = BLOCK_BYTES // w.itemsize
    for start in range(0, n, block):
        stop = min(start + block, n)
        blocks = {name: a[start:stop] for name, a in zip(names, state, strict=True)}
        opt.update_block(w[start:stop], g[start:stop], **blocks)


class _Scalars:
    """The scalar parameters of one dtype, gathered into one 1-D array at each update.

    Their state lives in packed 1-D arrays; ``opt.state[key][name]`` is a 0-d view into them.
    """

    def __init__(self, opt: Optimizer, keys: list[str], dtype: np.dtype) -> None:
        self.keys = keys
        self.want = _SCALAR64 if dtype == _FLOAT64 else ((), dtype)
        self.w = np.zeros(len(keys), dtype)
        self.g = np.zeros(len(keys), dtype)
        self.state = []
        for name in opt.state_names:
            packed = np.array([opt.state[key][name] for key in keys], dtype=dtype)
            for i, key in enumerate(keys):
                opt.state[key][name] = packed[i, ...]  # a 0-d view
            self.state.append(packed)

    def gather(self, params: dict[str, Any], grads: Mapping[str, Any]) -> Work:
        w, g, want = self.w, self.g, self.want
        for i, key in enumerate(self.keys):
            p = params[key]
            if type(p) is not float or want is not _SCALAR64:
                _same(key, _describe(key, p), want)
            q = grads[key]
            g[i] = q if type(q) in _NUMBERS else _gradient(key, q, (), w.dtype)
            w[i] = p
        return w, g, self.state, lambda: self.scatter(params)

    def scatter(self, params: dict[str, Any]) -> None:
        for key, x in zip(self.keys, self.w.tolist(), strict=True):
            p = params[key]
            if isinstance(p, np.ndarray):
                p[()] = x
            elif isinstance(p, np.floating):
                params[key] = type(p)(x)
            else:
                params[key] = x


_NUMBERS = frozenset({float, int, np.float64, np.float32, np.float16})
