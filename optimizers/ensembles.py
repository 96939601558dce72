"""Ensembles: average the predicted probabilities of several networks; snapshot ensembles.

A snapshot ensemble (Huang, Li, Pleiss, Liu, Hopcroft & Weinberger, 2017, "Snapshot
Ensembles: Train 1, get M for free") trains one network along a cyclic learning-rate schedule,
such as cosine annealing with warm restarts (Loshchilov & Hutter, 2017, SGDR), and keeps a copy
of the weights at the end of every cycle, where the learning rate is smallest and the weights
sit near a minimum. Each restart then pushes the weights out towards another minimum, so the
snapshots differ, and averaging their predictions usually beats any single one.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import integer, items, one_of
from .nn import softmax
from .train import History, train

__all__ = ["SnapshotEnsemble", "ensemble_accuracy", "ensemble_predict", "snapshot_ensemble"]


def ensemble_predict(nets: Sequence[Any], x: np.ndarray) -> np.ndarray:
    """Mean of the class probabilities ``softmax(net.predict(x))`` of ``nets``: (batch, classes).

    Probabilities, not scores, are averaged, so a network with large scores does not dominate.
    """
    if len(nets) == 0:
        raise ValueError("an ensemble needs at least one network")
    total = softmax(nets[0].predict(x))
    for net in nets[1:]:
        total = total + softmax(net.predict(x))
    return total / len(nets)


def ensemble_accuracy(nets: Sequence[Any], x: np.ndarray, t: np.ndarray) -> float:
    """Fraction of examples whose most probable class under ``ensemble_predict`` is the label
    (``t``: integer labels or one-hot rows)."""
    probs = ensemble_predict(nets, x)
    t = np.asarray(t)
    labels = t if t.ndim == 1 else t.argmax(axis=1)
    if len(labels) != len(probs):
        raise ValueError(f"x has {len(probs)} examples but t has {len(labels)} labels")
    return float((probs.argmax(axis=1) == labels).mean())


@dataclass
class SnapshotEnsemble:
    """The result of :func:`snapshot_ensemble`.

    - ``snapshots``: copies of the network after ``snapshot_iterations`` updates.
    - ``accuracies[i]``: accuracy of snapshot ``i`` alone on the ``split`` set.
    - ``ensemble_accuracies[k - 1]``: accuracy of the average of the *last* ``k`` snapshots
      (as in Huang et al.); the last entry is the whole ensemble, also ``ensemble_accuracy``.
    - ``history``: the training :class:`~optimizers.train.History` (loss and lr per step).

    If training diverged before the first snapshot, the lists are empty,
    ``ensemble_accuracy`` is NaN and ``predict`` raises a ``ValueError`` quoting
    ``history.message``.
    """

    snapshots: list[Any]
    snapshot_iterations: list[int]
    accuracies: list[float]
    ensemble_accuracies: list[float]
    history: History
    split: str

    @property
    def ensemble_accuracy(self) -> float:
        """Accuracy of the average of all snapshots; NaN if there is none (training diverged
        before the first snapshot: ``history.message`` says where)."""
        return self.ensemble_accuracies[-1] if self.ensemble_accuracies else math.nan

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Mean class probabilities of all snapshots (see :func:`ensemble_predict`).

        Errors: ``ValueError`` if there are no snapshots (training diverged before the first).
        """
        if not self.snapshots:
            raise ValueError(
                "the snapshot ensemble has no snapshots to predict with: "
                f"{self.history.message or 'training stopped before the first snapshot'}"
            )
        return ensemble_predict(self.snapshots, x)


def snapshot_ensemble(
    net_factory: Callable[[], Any],
    optimizer: Any,
    data: Any,
    schedule: Callable[[int], float],
    cycles: int | None = None,
    cycle_length: int | None = None,
    *,
    snapshot_at: Sequence[int] | None = None,
    batch_size: int | None = 128,
    seed: int = 0,
    split: str = "test",
    progress: bool | None = None,
    callback: Callable[[int, Any], None] | None = None,
) -> SnapshotEnsemble:
    """Train one network from ``net_factory()`` along the cyclic ``schedule`` and keep a
    snapshot at the end of every cycle.

    Give either ``cycles`` and ``cycle_length`` (snapshots after ``cycle_length``,
    ``2 * cycle_length``, ... updates: a schedule with restarts every ``cycle_length`` steps,
    e.g. ``warm_restarts(lr0, T_0=cycle_length)``), or ``snapshot_at``, the update counts after
    which to copy the network (e.g. ``schedules.restart_steps(T_0, T_mult, until=n)`` when the
    cycles grow). Training runs for ``max(snapshot_at)`` updates with :func:`train` (the same
    ``batch_size``, ``seed`` and ``progress``); ``schedule(t)`` sets the learning rate of the
    0-based step ``t``. Accuracies are measured on ``data.x_<split>``, ``data.t_<split>``.
    If training diverges, the snapshots taken before that are kept (maybe none: then the
    accuracy lists are empty and ``history.message`` says why). ``callback(iteration, net)``
    is passed on to :func:`train` (called after every update, once the snapshot is taken), to
    watch the training without running it again.

    Errors: ``TypeError`` if neither ``snapshot_at`` nor ``cycles`` and ``cycle_length`` are
    given, ``snapshot_at`` is not a list (a string such as ``"59"``), or an update count is not
    an integer (``2.7``); ``ValueError`` if both ways are given, a count is below 1,
    ``snapshot_at`` is empty or not strictly increasing, ``split`` is not ``'train'``, ``'val'``
    or ``'test'``, or that set is empty. The arguments of :func:`train` are checked there.
    """
    at = _snapshot_steps(cycles, cycle_length, snapshot_at)
    one_of("split", split, ("train", "val", "test"))
    x, t = getattr(data, f"x_{split}"), getattr(data, f"t_{split}")
    if len(x) == 0:
        raise ValueError(f"the {split} set is empty; choose another split")
    net, snapshots, wanted = net_factory(), [], set(at)

    def keep(iteration: int, net: Any) -> None:
        if iteration in wanted:
            snapshots.append(copy.deepcopy(net))
        if callback is not None:
            callback(iteration, net)

    history = train(
        net,
        optimizer,
        data,
        iterations=at[-1],
        batch_size=batch_size,
        schedule=schedule,
        seed=seed,
        progress=progress,
        callback=keep,
    )
    accuracies = [s.accuracy(x, t) for s in snapshots]
    ensemble = [ensemble_accuracy(snapshots[-k:], x, t) for k in range(1, len(snapshots) + 1)]
    return SnapshotEnsemble(snapshots, at[: len(snapshots)], accuracies, ensemble, history, split)


def _snapshot_steps(cycles, cycle_length, snapshot_at) -> list[int]:
    """The update counts after which to take a snapshot, checked."""
    if snapshot_at is not None:
        if cycles is not None or cycle_length is not None:
            raise ValueError("give either snapshot_at or cycles and cycle_length, not both")
        given = items("snapshot_at", snapshot_at, "a list of update counts")
        at = [integer(f"snapshot_at[{i}]", s, 1) for i, s in enumerate(given)]
        if not at or any(b <= a for a, b in itertools.pairwise(at)):
            raise ValueError(f"snapshot_at must be increasing positive integers, got {at}")
        return at
    if cycles is None and cycle_length is None:
        raise TypeError("snapshot_ensemble needs snapshot_at, or cycles and cycle_length")
    cycles = integer("cycles", cycles, 1)
    cycle_length = integer("cycle_length", cycle_length, 1)
    return [cycle_length * (k + 1) for k in range(cycles)]
