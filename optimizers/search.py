"""Hyperparameter search for the tuning chapter: grid, random and coarse-to-fine.

A search space is a dict ``name -> values``. Random search accepts distributions
(``log_uniform(1e-5, 1e-1)``, ``uniform(0.0, 0.5)``, ``choice([...])``), plain lists (a choice)
and constants; grid search accepts lists and ``choice``. The objective is called as
``objective(**settings)`` and returns a score (a float, e.g. the validation accuracy; NaN for a
failed or diverged run). Every search returns *every* trial (settings and score) in the order
the settings were drawn, so the results do not depend on which trial finished first.

Failures cost only their own trial. A trial whose objective raises, returns something that is
not a number (None, a tuple, the string "0.5", a bool), runs past ``timeout`` seconds or whose
worker process dies (``os._exit``, killed for lack of memory) becomes a *failed* trial: score NaN,
the reason in ``trial.error`` (e.g. ``"RuntimeError: diverged"``, ``"timed out after 60 s"``);
the search goes on, and warns once at the end if any trial failed. :func:`best_trial` skips
failed trials; :func:`format_trials` lists them with their errors.

Ctrl-C (or a notebook's "interrupt kernel", which signals this process alone) stops a search
within a fraction of a second: the queued trials are cancelled, the running worker processes
ended, and :class:`SearchInterrupted`, a ``KeyboardInterrupt``, is raised with the trials that
had finished in its ``trials``::

    try:
        trials = search.random_search(objective, space, n_trials=100)
    except search.SearchInterrupted as stop:
        trials = stop.trials

With an executor you pass, Ctrl-C cancels the queued trials but cannot end the running ones:
they finish in your executor, and their results are dropped.

Where the trials run (``executor``): by default in two worker processes that the call starts and
ends (a worker that hangs past ``timeout`` or dies is replaced, so the other trials go on);
``"serial"`` runs them one after another in this process (tests, figures, objectives that cannot
be pickled); any ``concurrent.futures.Executor`` you pass (a thread pool,
``dask.distributed.Client(...).get_executor()``, Ray's ``RayExecutor``, ...) is used and left
open. With worker processes the objective and its arguments must be picklable: a module-level
function or a ``functools.partial`` of one, not a lambda or a function defined inside another
function.

Random search: Bergstra & Bengio (2012), "Random search for hyper-parameter optimization".
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import math
import multiprocessing
import multiprocessing.connection
import pickle
import signal
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from ._checks import NON_NEGATIVE, POSITIVE

__all__ = [
    "Choice",
    "LogUniform",
    "SearchInterrupted",
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

WORKERS = 2  # worker processes of the default executor
_POLL = 0.2  # seconds at most between looks at the running trials: for timeouts, and for a
# Ctrl-C that the kernel delivered to another thread than the main one (a notebook's)


# ------------------------------------------------------------------ distributions


@dataclass(frozen=True)
class LogUniform:
    """``exp(U(log low, log high))``: every decade between ``low`` and ``high`` equally likely.

    Errors: ``low`` or ``high`` not a real number raises TypeError; unless ``0 < low < high``
    (both finite), ValueError.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        low, high = _range_ends(self, "log_uniform")
        if not 0 < low < high:
            raise ValueError(f"log_uniform needs 0 < low < high, got low={low!r}, high={high!r}")

    def sample(self, rng: np.random.Generator) -> float:
        """One draw, using ``rng``."""
        return float(np.exp(rng.uniform(math.log(self.low), math.log(self.high))))


@dataclass(frozen=True)
class Uniform:
    """``U(low, high)``.

    Errors: ``low`` or ``high`` not a real number raises TypeError; unless ``low < high`` (both
    finite), ValueError.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        low, high = _range_ends(self, "uniform")
        if not low < high:
            raise ValueError(f"uniform needs finite low < high, got low={low!r}, high={high!r}")

    def sample(self, rng: np.random.Generator) -> float:
        """One draw, using ``rng``."""
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class Choice:
    """One of ``options``, each equally likely.

    Errors: ``options`` not a list-like collection (a string, a number) raises TypeError; an empty
    one, ValueError.
    """

    options: tuple

    def __post_init__(self) -> None:
        options = _checks.items("options", self.options, "a list of options", owner="choice")
        if not options:
            raise ValueError("choice needs at least one option, got an empty list")
        object.__setattr__(self, "options", tuple(options))

    def sample(self, rng: np.random.Generator) -> Any:
        """One draw, using ``rng``."""
        return self.options[int(rng.integers(len(self.options)))]


def _range_ends(dist: LogUniform | Uniform, owner: str) -> tuple[float, float]:
    """The two ends of a range distribution, checked finite and stored as Python floats."""
    low = _checks.real("low", dist.low, owner=owner)
    high = _checks.real("high", dist.high, owner=owner)
    object.__setattr__(dist, "low", low)  # frozen dataclass: set once, here
    object.__setattr__(dist, "high", high)
    return low, high


def log_uniform(low: float, high: float) -> LogUniform:
    """Log-uniform distribution on ``[low, high]`` (``0 < low < high``), for learning rates and
    weight decay: ``log_uniform(1e-5, 1e-1)`` draws each decade with probability 1/4."""
    return LogUniform(low, high)


def uniform(low: float, high: float) -> Uniform:
    """Uniform distribution on ``[low, high]``."""
    return Uniform(low, high)


def choice(options: Sequence[Any]) -> Choice:
    """Uniform choice among ``options`` (a non-empty sequence)."""
    return Choice(options)


# ------------------------------------------------------------------ trials


@dataclass
class Trial:
    """One evaluated setting: ``params`` passed to the objective, its ``score``, the position
    ``index`` in the search, and the ``round`` of a coarse-to-fine search (0 otherwise).

    A failed trial has score NaN and ``error``, the reason as text: the exception the objective
    raised (``"RuntimeError: diverged"``), a score that is not a number, ``"timed out after
    60 s"`` or ``"worker died (...)"``. A run that returned NaN itself (diverged) has no error.
    """

    index: int
    params: dict[str, Any]
    score: float
    round: int = 0
    error: str | None = None

    @property
    def failed(self) -> bool:
        """True if the trial produced no score (see ``error``)."""
        return self.error is not None


class SearchInterrupted(KeyboardInterrupt):
    """Ctrl-C, or a notebook's interrupt, stopped a search. ``trials``: the trials that had
    finished (failed ones included), in trial order; queued trials were cancelled and running
    worker processes ended. It is a ``KeyboardInterrupt``, so a script still stops."""

    def __init__(self, trials: list[Trial], total: int):
        self.trials = trials
        super().__init__(
            f"search interrupted: {len(trials)} of {total} trials had finished; "
            "catch SearchInterrupted and read its .trials to keep them"
        )


# ------------------------------------------------------------------ searches


def grid_search(
    objective: Callable[..., float],
    space: Mapping[str, Any],
    executor: Any = None,
    timeout: float | None = None,
) -> list[Trial]:
    """Evaluate ``objective`` on every combination of the values in ``space`` (the Cartesian
    product, in the order of ``itertools.product``; the last name varies fastest).

    Each entry is a list of values or a ``choice``; continuous distributions have no grid (use
    e.g. ``np.geomspace(1e-5, 1e-1, 5)``). ``executor`` and ``timeout``: see :func:`random_search`.

    Errors: a bad space, executor or timeout raises TypeError (wrong type) or ValueError before
    any trial runs; an objective that cannot be pickled for the default worker processes raises
    TypeError. A failing trial raises nothing: it becomes a failed trial (see :class:`Trial`),
    with a RuntimeWarning at the end. Ctrl-C raises :class:`SearchInterrupted`.
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
    timeout = _check_executor(executor, timeout)
    trials = [
        Trial(i, dict(zip(names, combo, strict=True)), math.nan)
        for i, combo in enumerate(itertools.product(*values))
    ]
    _run(objective, trials, executor, timeout)
    _warn_failures(trials, "grid_search")
    return trials


def random_search(
    objective: Callable[..., float],
    space: Mapping[str, Any],
    n_trials: int,
    seed: int | Sequence[int] = 0,
    executor: Any = None,
    timeout: float | None = None,
) -> list[Trial]:
    """Evaluate ``objective`` on ``n_trials`` settings drawn independently from ``space``.

    All settings are drawn first, from ``numpy.random.default_rng(seed)``, name by name in the
    order of ``space``; so the same seed gives the same settings whatever the executor.

    ``executor``: ``None`` (two worker processes, started and ended by this call), ``"serial"``
    (in this process, one after another) or a ``concurrent.futures.Executor``, left open.

    ``timeout``: seconds a trial may run; one that runs longer becomes a failed trial ("timed out
    after ... s"). With the default worker processes its worker is ended and replaced. A thread,
    or a worker of an executor you pass, cannot be ended from outside: that trial is marked
    failed and the search goes on without it, but it keeps running (and holds its worker) until
    it returns; the time counts from when the executor reports it running. With
    ``executor="serial"`` a running Python call cannot be stopped at all, so ``timeout`` is
    refused (ValueError) rather than silently not kept.

    Errors: as :func:`grid_search`; ``n_trials`` not an integer raises TypeError, below 1
    ValueError.
    """
    space = _check_space(space)
    n_trials = _checks.integer("n_trials", n_trials, 1, owner="random_search")
    timeout = _check_executor(executor, timeout)
    trials = _random_round(objective, space, n_trials, seed, executor, timeout, 0, 0)
    _warn_failures(trials, "random_search")
    return trials


def _random_round(objective, space, n_trials, seed, executor, timeout, round_, first_index):
    rng = np.random.default_rng(seed)
    drawn = [{name: _sample(entry, rng) for name, entry in space.items()} for _ in range(n_trials)]
    trials = [Trial(first_index + i, s, math.nan, round_) for i, s in enumerate(drawn)]
    _run(objective, trials, executor, timeout)
    return trials


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
    timeout: float | None = None,
) -> list[Trial]:
    """Random search in ``rounds`` rounds of ``n_trials``, each round in a narrower space.

    After each round the ``keep`` best trials so far (highest score when ``maximize``) define the
    next space. A ``log_uniform`` (``uniform``) range becomes the smallest range holding their
    values, widened by ``margin`` times its width on each side in log (linear) space, so the
    search can still move past the best values seen, and clipped to the original range. A
    ``choice`` keeps the options they used; constants stay. Returns the trials of all rounds
    (``trial.round`` tells which). Round ``r`` draws with the seed ``[seed, r]``. ``executor``
    and ``timeout``: see :func:`random_search`; failed trials never define the next space.

    If no trial of the first round has a finite score there is nothing to narrow around: the
    search stops there with a RuntimeWarning and returns the trials it ran.

    Errors: as :func:`random_search`; ``rounds`` (>= 1) and ``keep`` (>= 2) not integers, or
    ``margin`` not a real number, raise TypeError, out of range ValueError. Ctrl-C raises
    :class:`SearchInterrupted` holding the finished trials of every round so far.
    """
    n_trials = _checks.integer("n_trials", n_trials, 1, owner="coarse_to_fine")
    rounds = _checks.integer("rounds", rounds, 1, owner="coarse_to_fine")
    keep, margin = _check_narrowing(keep, margin, "coarse_to_fine")
    original = space = _check_space(space)
    timeout = _check_executor(executor, timeout)
    trials: list[Trial] = []
    for r in range(rounds):
        if r:
            top = _finite_ranked(trials, maximize)[:keep]
            if not top:
                warnings.warn(
                    f"coarse_to_fine: no trial of round 0 has a finite score, so there is no "
                    f"range to narrow; stopped after round {r - 1} and returned its "
                    f"{len(trials)} trials (their errors are in trial.error)",
                    RuntimeWarning,
                    stacklevel=2,
                )
                break
            space = _narrow(original, top, margin)
        try:
            trials += _random_round(
                objective, space, n_trials, [seed, r], executor, timeout, r, len(trials)
            )
        except SearchInterrupted as stop:
            raise SearchInterrupted(trials + stop.trials, rounds * n_trials) from None
    _warn_failures(trials, "coarse_to_fine")
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
    keep, margin = _check_narrowing(keep, margin, "round_spaces")
    trials = _checks.items("trials", trials, "a list of Trial", owner="round_spaces")
    rounds = max((t.round for t in trials), default=-1) + 1
    spaces = [original]
    for r in range(1, rounds):
        before = [t for t in trials if t.round < r]
        spaces.append(_narrow(original, _ranked(before, maximize)[:keep], margin))
    return spaces


def _check_narrowing(keep: Any, margin: Any, owner: str) -> tuple[int, float]:
    keep = _checks.integer("keep", keep, 2, owner=owner)  # a range needs two ends
    return keep, _checks.real("margin", margin, NON_NEGATIVE, owner=owner)


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
            kept = (o for o in entry.options if any(_same(o, u) for u in used))
            narrowed[name] = Choice(tuple(kept))
        else:
            narrowed[name] = entry
    return narrowed


def _same(a: Any, b: Any) -> bool:
    """``a == b`` as one bool, also for numpy arrays (whose ``==`` is elementwise)."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an object whose == is not a plain yes or no
        return False


# ------------------------------------------------------------------ results


def _finite_ranked(trials: Sequence[Trial], maximize: bool) -> list[Trial]:
    """The trials with a finite score, best first (ties: the earliest)."""
    finite = [t for t in trials if math.isfinite(t.score)]
    return sorted(finite, key=lambda t: -t.score if maximize else t.score)


def _ranked(trials: Sequence[Trial], maximize: bool) -> list[Trial]:
    ranked = _finite_ranked(trials, maximize)
    if not ranked:
        raise ValueError(f"no trial has a finite score ({_tally(trials)})")
    return ranked


def _tally(trials: Sequence[Trial]) -> str:
    """How many trials failed and how many returned a non-finite score, as words."""
    if not trials:
        return "no trials given"
    failed = sum(t.error is not None for t in trials)
    return (
        f"of {len(trials)} trials, {failed} failed with an error and "
        f"{len(trials) - failed} returned NaN or inf"
    )


def best_trial(trials: Sequence[Trial], maximize: bool = True) -> Trial:
    """The trial with the highest (``maximize``) or lowest finite score; ties: the earliest.

    Errors: ValueError if no trial has a finite score (every one failed or diverged).
    """
    return _ranked(trials, maximize)[0]


def format_trials(trials: Sequence[Trial], top: int | None = None, maximize: bool = True) -> str:
    """A plain-text table of the trials, best first (``top``: only that many rows).

    Trials without a finite score come last, in trial order; if any shown trial failed, a last
    column gives its error. If no trial has a finite score the table still lists them all, and a
    last line says so.

    Errors: ValueError for an empty list of trials; ``top`` not a positive integer raises
    TypeError or ValueError.
    """
    trials = _checks.items("trials", trials, "a list of Trial", owner="format_trials")
    if not trials:
        raise ValueError("format_trials needs at least one trial, got none")
    if top is not None:
        top = _checks.integer("top", top, 1, owner="format_trials")
    finite = _finite_ranked(trials, maximize)
    rows = finite + [t for t in trials if not math.isfinite(t.score)]
    rows = rows[:top]
    names = list(dict.fromkeys(name for t in rows for name in t.params))
    header = ["#", "round", *names, "score"]
    body = [
        [str(t.index), str(t.round), *(_fmt(t.params.get(n, "-")) for n in names), _fmt(t.score)]
        for t in rows
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *body]]
    if any(t.error is not None for t in rows):  # the errors, left-aligned, after the scores
        errors = ["error", *(_one_line(t.error or "") for t in rows)]
        lines = [f"{line}  {error}".rstrip() for line, error in zip(lines, errors, strict=True)]
    if not finite:
        lines.append(f"no trial has a finite score ({_tally(trials)})")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _one_line(text: str, width: int = 72) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _warn_failures(trials: list[Trial], owner: str) -> None:
    failed = [t for t in trials if t.error is not None]
    if failed:
        first = failed[0]
        warnings.warn(
            f"{owner}: {len(failed)} of {len(trials)} trials failed (score NaN, the reason in "
            f"trial.error); the first, trial {first.index} with {first.params}: {first.error}",
            RuntimeWarning,
            stacklevel=3,
        )


# ------------------------------------------------------------------ spaces


def _check_space(space: Mapping[str, Any]) -> dict[str, Any]:
    space = _checks.mapping("space", space, "a dict name -> values")
    if not space:
        raise ValueError(f"space must be a non-empty dict name -> values, got {space!r}")
    checked = {}
    for name, entry in space.items():
        if not isinstance(name, str):
            raise TypeError(f"space names must be strings (argument names), got {name!r}")
        if not name.isidentifier():
            raise ValueError(f"space names must be valid argument names, got {name!r}")
        if isinstance(entry, list | tuple | np.ndarray):
            entry = Choice(tuple(_as_list(name, entry)))
        checked[name] = entry
    return checked


def _as_list(name: str, values: Any) -> list[Any]:
    # an ordered collection: a set would give a different grid order from run to run
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise TypeError(f"space[{name!r}] must be a list of values, got {values!r}")
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not values:
        raise ValueError(f"space[{name!r}] is empty")
    return values


def _sample(entry: Any, rng: np.random.Generator) -> Any:
    return entry.sample(rng) if isinstance(entry, LogUniform | Uniform | Choice) else entry


# ------------------------------------------------------------------ running the trials


def _check_executor(executor: Any, timeout: Any) -> float | None:
    """``timeout`` as a float (or None), after checking it goes with ``executor``."""
    accepted = "a concurrent.futures.Executor, None (two worker processes) or 'serial'"
    if isinstance(executor, str):
        if executor != "serial":
            raise ValueError(f"executor must be {accepted}, got {executor!r}")
    elif executor is not None and not hasattr(executor, "submit"):
        raise TypeError(f"executor must be {accepted}, got {executor!r}")
    if timeout is None:
        return None
    timeout = _checks.real("timeout", timeout, POSITIVE)
    if isinstance(executor, str):
        raise ValueError(
            "timeout cannot be kept with executor='serial': the objective runs in this process, "
            "where a running Python call cannot be stopped; leave executor=None (worker "
            "processes, ended when a trial times out)"
        )
    return timeout


def _run(objective: Callable[..., float], trials: list[Trial], executor: Any, timeout) -> None:
    """Run every trial, setting its ``score`` (and ``error``) in place.

    Raises SearchInterrupted, holding the finished trials, on Ctrl-C.
    """
    finished: set[int] = set()

    def record(position: int, outcome: tuple[float, str | None]) -> None:
        trials[position].score, trials[position].error = outcome
        finished.add(position)

    try:
        if executor == "serial":
            for position, trial in enumerate(trials):
                record(position, _evaluate(objective, trial.params))
        elif executor is None:
            _run_in_processes(objective, trials, timeout, record)
        else:
            _run_in_executor(objective, trials, executor, timeout, record)
    except KeyboardInterrupt:
        done = [t for position, t in enumerate(trials) if position in finished]
        raise SearchInterrupted(done, len(trials)) from None


def _evaluate(objective: Callable[..., float], settings: dict[str, Any]):
    """One trial: ``(score, None)``, or ``(nan, why)`` if the objective raised or returned
    something that is not a real number."""
    try:
        value = objective(**settings)
    except Exception as error:  # any failure of a trial is that trial's alone
        return math.nan, _describe(error)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]  # a 0-d array holds one number
    if not _checks.is_number(value):
        shown = _one_line(repr(value), 40)
        return math.nan, (
            f"TypeError: the objective returned {shown} ({type(value).__name__}), not a number; "
            "it must return the score as a float (NaN for a failed run)"
        )
    try:
        return float(value), None
    except OverflowError:
        return math.nan, "OverflowError: the objective returned an integer too large for a float"


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _check_picklable(objective: Callable[..., float]) -> None:
    try:
        pickle.dumps(objective)
    except Exception as error:
        raise TypeError(
            f"the objective must be picklable to run in worker processes, got {objective!r} "
            f"({_describe(error)}); define it at module level (or use a functools.partial of "
            "such a function), or pass executor='serial' or a ThreadPoolExecutor"
        ) from None


def _run_in_executor(objective, trials, executor, timeout, record) -> None:
    """Run the trials through an executor the caller owns; never shut it down."""
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        _check_picklable(objective)  # else every trial would fail with the same pickling error
    position = {executor.submit(_evaluate, objective, t.params): i for i, t in enumerate(trials)}
    pending = set(position)
    started: dict[concurrent.futures.Future, float] = {}
    try:
        while pending:
            done, pending = concurrent.futures.wait(
                pending, timeout=_POLL, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in sorted(done, key=position.get):
                record(position[future], _outcome(future))
            if timeout is None:
                continue
            now = time.monotonic()
            for future in list(pending):
                if future.running():
                    started.setdefault(future, now)
                if now - started.get(future, now) > timeout:
                    pending.discard(future)  # a thread cannot be ended: it runs on, ignored
                    record(position[future], (math.nan, f"timed out after {timeout:g} s"))
    finally:
        for future in pending:
            future.cancel()  # the queued ones; a running one finishes in the caller's executor


def _outcome(future: concurrent.futures.Future) -> tuple[float, str | None]:
    if future.cancelled():
        return math.nan, "cancelled by the executor"
    error = future.exception()
    if error is None:
        return future.result()
    if isinstance(error, KeyboardInterrupt):  # Ctrl-C reached the executor's worker too
        raise KeyboardInterrupt
    return math.nan, _describe(error)  # the executor could not run it: pickling, a dead pool


def _run_in_processes(objective, trials, timeout, record) -> None:
    """Run the trials in up to WORKERS worker processes of our own.

    Each worker runs one trial at a time, so we know which process runs which trial: a trial past
    its timeout, or whose process died, is recorded as failed and its process replaced.
    """
    _check_picklable(objective)
    context = multiprocessing.get_context()
    queue = collections.deque(range(len(trials)))
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    try:
        while queue or busy:
            while queue and len(busy) < WORKERS:
                position = queue.popleft()
                try:
                    job = pickle.dumps((objective, trials[position].params))
                except Exception as error:
                    why = f"the settings cannot be sent to a worker process: {_describe(error)}"
                    record(position, (math.nan, why))
                    continue
                while idle and not idle[-1].process.is_alive():  # it died between trials
                    idle.pop().stop()
                worker = idle.pop() if idle else _Worker(context)
                worker.start(position, job, timeout)
                busy.append(worker)
            if not busy:
                break
            until = min(w.deadline for w in busy) - time.monotonic()
            multiprocessing.connection.wait(
                [w.conn for w in busy] + [w.process.sentinel for w in busy],
                timeout=min(max(until, 0.0), _POLL),
            )
            for worker in list(busy):
                outcome = worker.outcome(timeout)
                if outcome is not None:
                    busy.remove(worker)
                    record(worker.position, outcome)
                    if worker.process.is_alive():  # else it died or timed out and was ended
                        idle.append(worker)
    finally:  # normal end, Ctrl-C or an error of ours: no worker outlives the search
        for worker in busy:
            worker.stop()
        for worker in idle:
            worker.stop(wait=1.0)


class _Worker:
    """One worker process, running the trials sent through its pipe one at a time."""

    def __init__(self, context: Any):
        self.conn, child_end = context.Pipe()
        # not a daemon, so an objective may start processes of its own (data loaders)
        self.process = context.Process(target=_worker_main, args=(child_end,))
        self.process.start()
        child_end.close()
        self.position = -1
        self.deadline = math.inf

    def start(self, position: int, job: bytes, timeout: float | None) -> None:
        self.position = position
        self.deadline = time.monotonic() + timeout if timeout is not None else math.inf
        try:
            self.conn.send_bytes(job)
        except OSError:  # it died while idle: outcome() reports it
            pass

    def outcome(self, timeout: float | None) -> tuple[float, str | None] | None:
        """The trial's outcome once it has one (a score, or it died or timed out), else None.
        A worker that died or timed out is ended (``process.is_alive()`` is then False)."""
        if self.conn.poll():
            try:
                return self.conn.recv()
            except (EOFError, OSError):  # the pipe closed: the process died
                pass
        elif self.process.is_alive():
            if time.monotonic() < self.deadline:
                return None
            self.stop()
            return math.nan, f"timed out after {timeout:g} s (its worker process was ended)"
        self.stop()
        return math.nan, f"worker died ({_exit_reason(self.process.exitcode)})"

    def stop(self, wait: float = 0.0) -> None:
        """End the process: ask it to exit (an idle worker does at once), then after ``wait``
        seconds SIGTERM, then SIGKILL."""
        try:
            self.conn.send_bytes(b"")  # "no more trials"
        except OSError:  # it is already gone
            pass
        self.conn.close()
        self.process.join(wait)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(0.5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1.0)


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "it did not exit"
    if code < 0:
        name = signal.Signals(-code).name
        return f"killed by {name}" + (", e.g. out of memory" if name == "SIGKILL" else "")
    return f"exit code {code}"


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    """A worker process: run each trial sent, send back its ``(score, error)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            job = conn.recv_bytes()
        except (EOFError, OSError):  # the parent is gone
            return
        if not job:  # the search is over
            return
        try:
            objective, settings = pickle.loads(job)
        except Exception as error:  # e.g. the objective's module cannot be imported here
            conn.send((math.nan, f"the worker could not load the trial: {_describe(error)}"))
            continue
        conn.send(_evaluate(objective, settings))
