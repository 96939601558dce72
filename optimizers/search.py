"""Hyperparameter search for the tuning chapter: grid, random and coarse-to-fine.

A search space is a dict ``name -> values``. Random search accepts distributions
(``log_uniform(1e-5, 1e-1)``, ``uniform(0.0, 0.5)``, ``choice([...])``), plain lists (a choice)
and constants; grid search accepts lists and ``choice``. The objective is called as
``objective(**settings)`` and returns a score (a float, e.g. the validation accuracy; NaN for a
failed or diverged run). Every search returns *every* trial (settings and score) in the order
the settings were drawn, so the results do not depend on which trial finished first.

Trials run through any ``concurrent.futures.Executor``: by default a
``ProcessPoolExecutor(max_workers=2)`` that the call creates and shuts down; ``"serial"`` runs
them one after another in this process (tests, figures, objectives that cannot be pickled); an
executor you pass (a thread pool, ``dask.distributed.Client(...).get_executor()``, Ray's
``RayExecutor``, ...) is used and left open. With a process pool the objective and its
arguments must be picklable: a module-level function or a ``functools.partial`` of one, not a
lambda or a function defined inside another function.

Random search: Bergstra & Bengio (2012), "Random search for hyper-parameter optimization".
"""

from __future__ import annotations

import concurrent.futures
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Choice",
    "LogUniform",
    "Trial",
    "Uniform",
    "best_trial",
    "choice",
    "coarse_to_fine",
    "format_trials",
    "grid_search",
    "log_uniform",
    "random_search",
    "round_spaces",
    "uniform",
]


@dataclass(frozen=True)
class LogUniform:
    """``exp(U(log low, log high))``: every decade between ``low`` and ``high`` equally likely."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        """One draw, using ``rng``."""
        return float(np.exp(rng.uniform(math.log(self.low), math.log(self.high))))


@dataclass(frozen=True)
class Uniform:
    """``U(low, high)``."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        """One draw, using ``rng``."""
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class Choice:
    """One of ``options``, each equally likely."""

    options: tuple

    def sample(self, rng: np.random.Generator) -> Any:
        """One draw, using ``rng``."""
        return self.options[int(rng.integers(len(self.options)))]


def _bounds(low: float, high: float, name: str) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} needs finite low < high, got {low!r}, {high!r}")
    return low, high


def log_uniform(low: float, high: float) -> LogUniform:
    """Log-uniform distribution on ``[low, high]`` (``0 < low < high``), for learning rates and
    weight decay: ``log_uniform(1e-5, 1e-1)`` draws each decade with probability 1/4."""
    low, high = _bounds(low, high, "log_uniform")
    if low <= 0:
        raise ValueError(f"log_uniform needs 0 < low, got low={low!r}")
    return LogUniform(low, high)


def uniform(low: float, high: float) -> Uniform:
    """Uniform distribution on ``[low, high]``."""
    return Uniform(*_bounds(low, high, "uniform"))


def choice(options: Sequence[Any]) -> Choice:
    """Uniform choice among ``options`` (a non-empty sequence)."""
    options = tuple(options)
    if not options:
        raise ValueError("choice needs at least one option")
    return Choice(options)


@dataclass
class Trial:
    """One evaluated setting: ``params`` passed to the objective, its ``score``, the position
    ``index`` in the search, and the ``round`` of a coarse-to-fine search (0 otherwise)."""

    index: int
    params: dict[str, Any]
    score: float
    round: int = 0


def _run(
    objective: Callable[..., float], settings: list[dict[str, Any]], executor: Any
) -> list[float]:
    """Scores of ``objective(**s)`` for every ``s`` in ``settings``, in order."""
    if executor == "serial":
        return [float(objective(**s)) for s in settings]
    if executor is None:
        with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
            return _run(objective, settings, pool)
    if not isinstance(executor, concurrent.futures.Executor) and not hasattr(executor, "submit"):
        raise ValueError(
            f"executor must be a concurrent.futures.Executor or 'serial', got {executor!r}"
        )
    futures = [executor.submit(objective, **s) for s in settings]
    return [float(f.result()) for f in futures]


def grid_search(
    objective: Callable[..., float], space: Mapping[str, Any], executor: Any = None
) -> list[Trial]:
    """Evaluate ``objective`` on every combination of the values in ``space`` (the Cartesian
    product, in the order of ``itertools.product``; the last name varies fastest).

    Each entry is a list of values or a ``choice``; continuous distributions have no grid (use
    e.g. ``np.geomspace(1e-5, 1e-1, 5)``).
    """
    names, values = [], []
    for name, entry in _check_space(space).items():
        if isinstance(entry, LogUniform | Uniform):
            raise ValueError(
                f"grid_search needs a list of values for {name!r}, got {entry}; "
                "use e.g. np.geomspace(low, high, n) for a log-spaced grid"
            )
        names.append(name)
        values.append(entry.options if isinstance(entry, Choice) else _as_list(name, entry))
    settings = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    scores = _run(objective, settings, executor)
    return [Trial(i, s, v) for i, (s, v) in enumerate(zip(settings, scores, strict=True))]


def random_search(
    objective: Callable[..., float],
    space: Mapping[str, Any],
    n_trials: int,
    seed: int | Sequence[int] = 0,
    executor: Any = None,
) -> list[Trial]:
    """Evaluate ``objective`` on ``n_trials`` settings drawn independently from ``space``.

    All settings are drawn first, from ``numpy.random.default_rng(seed)``, name by name in the
    order of ``space``; so the same seed gives the same settings whatever the executor.
    """
    return _random_round(objective, _check_space(space), n_trials, seed, executor, 0, 0)


def _random_round(objective, space, n_trials, seed, executor, round_, first_index):
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    rng = np.random.default_rng(seed)
    settings = [
        {name: _sample(entry, rng) for name, entry in space.items()} for _ in range(n_trials)
    ]
    scores = _run(objective, settings, executor)
    return [
        Trial(first_index + i, s, v, round_)
        for i, (s, v) in enumerate(zip(settings, scores, strict=True))
    ]


def coarse_to_fine(
    objective: Callable[..., float],
    space: Mapping[str, Any],
    n_trials: int = 20,
    rounds: int = 3,
    keep: int = 5,
    margin: float = 0.25,
    seed: int = 0,
    executor: Any = None,
    maximize: bool = True,
) -> list[Trial]:
    """Random search in ``rounds`` rounds of ``n_trials``, each round in a narrower space.

    After each round the ``keep`` best trials so far (highest score when ``maximize``) define the
    next space. A ``log_uniform`` (``uniform``) range becomes the smallest range holding their
    values, widened by ``margin`` times its width on each side in log (linear) space, so the
    search can still move past the best values seen, and clipped to the original range. A
    ``choice`` keeps the options they used; constants stay. Returns the trials of all rounds
    (``trial.round`` tells which). Round ``r`` draws with the seed ``[seed, r]``.
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be a positive integer, got {rounds!r}")
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 2:
        raise ValueError(f"keep must be an integer >= 2 (a range needs two ends), got {keep!r}")
    if not (math.isfinite(margin) and margin >= 0):
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    original = space = _check_space(space)
    trials: list[Trial] = []
    for r in range(rounds):
        if r:
            space = _narrow(original, _ranked(trials, maximize)[:keep], margin)
        trials += _random_round(objective, space, n_trials, [seed, r], executor, r, len(trials))
    return trials


def round_spaces(
    space: Mapping[str, Any],
    trials: Sequence[Trial],
    keep: int = 5,
    margin: float = 0.25,
    maximize: bool = True,
) -> list[dict[str, Any]]:
    """The space each round of :func:`coarse_to_fine` drew from, recovered from its trials.

    Round 0 drew from ``space``; round ``r`` from ``space`` narrowed around the ``keep`` best
    trials of the rounds before it, exactly as ``coarse_to_fine`` (called with the same
    ``keep``, ``margin`` and ``maximize``) narrowed it. For drawing or reporting the rounds.
    """
    original = _check_space(space)
    rounds = max((t.round for t in trials), default=-1) + 1
    spaces = [original]
    for r in range(1, rounds):
        before = [t for t in trials if t.round < r]
        spaces.append(_narrow(original, _ranked(before, maximize)[:keep], margin))
    return spaces


def _narrow(space: dict[str, Any], top: list[Trial], margin: float) -> dict[str, Any]:
    narrowed = {}
    for name, entry in space.items():
        used = [t.params[name] for t in top]
        if isinstance(entry, LogUniform | Uniform):
            f, f_inv = (math.log, math.exp) if isinstance(entry, LogUniform) else (float, float)
            low, high = f(min(used)), f(max(used))
            low, high = low - margin * (high - low), high + margin * (high - low)
            low, high = max(f_inv(low), entry.low), min(f_inv(high), entry.high)
            narrowed[name] = type(entry)(low, high) if low < high else low
        elif isinstance(entry, Choice):
            narrowed[name] = Choice(tuple(o for o in entry.options if o in used))
        else:
            narrowed[name] = entry
    return narrowed


def _ranked(trials: Sequence[Trial], maximize: bool) -> list[Trial]:
    finite = [t for t in trials if math.isfinite(t.score)]
    if not finite:
        raise ValueError("no trial has a finite score (did every run diverge?)")
    return sorted(finite, key=lambda t: -t.score if maximize else t.score)


def best_trial(trials: Sequence[Trial], maximize: bool = True) -> Trial:
    """The trial with the highest (``maximize``) or lowest finite score; ties: the earliest."""
    return _ranked(trials, maximize)[0]


def format_trials(trials: Sequence[Trial], top: int | None = None, maximize: bool = True) -> str:
    """A plain-text table of the trials, best first (``top``: only that many rows)."""
    rows = _ranked(trials, maximize) + [t for t in trials if not math.isfinite(t.score)]
    rows = rows[:top] if top is not None else rows
    names = list(rows[0].params) if rows else []
    header = ["#", "round", *names, "score"]
    body = [
        [str(t.index), str(t.round), *(_fmt(t.params[n]) for n in names), _fmt(t.score)]
        for t in rows
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *body]
    )


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _check_space(space: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(space, Mapping) or not space:
        raise ValueError(f"space must be a non-empty dict name -> values, got {space!r}")
    checked = {}
    for name, entry in space.items():
        if not (isinstance(name, str) and name.isidentifier()):
            raise ValueError(f"space names must be valid argument names, got {name!r}")
        if isinstance(entry, list | tuple | np.ndarray):
            entry = choice(_as_list(name, entry))
        checked[name] = entry
    return checked


def _as_list(name: str, values: Any) -> list[Any]:
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        raise ValueError(f"space[{name!r}] must be a list of values, got {values!r}")
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not values:
        raise ValueError(f"space[{name!r}] is empty")
    return values


def _sample(entry: Any, rng: np.random.Generator) -> Any:
    return entry.sample(rng) if isinstance(entry, LogUniform | Uniform | Choice) else entry
