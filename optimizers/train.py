"""The training loop behind the figures: mini-batches, an optimizer, a schedule and a history.

``train(net, optimizer, data, iterations=2000)`` draws shuffled mini-batches (seeded), computes
the loss and gradient, lets the optimizer update ``net.params`` in place, and records what the
figures plot in a :class:`History`. A loss that becomes NaN or infinite stops training without an
exception: the history is marked ``diverged`` with a message naming the step and the learning
rate (a figure can then show the divergence), and a :class:`DivergenceWarning` is issued.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .data import batches_per_epoch, index_batches

__all__ = ["DivergenceWarning", "History", "smooth_curve", "train"]


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""


@dataclass
class History:
    """What one call of :func:`train` measured.

    - ``loss[i]``, ``lr[i]``: the mini-batch loss (before the update) and the learning rate of
      iteration ``i``; both have length ``iterations`` (the updates actually made).
    - ``train_acc[j]``, ``val_acc[j]``: accuracy on the whole training and validation sets after
      ``eval_iterations[j]`` updates. The first evaluation is before training (iteration 0),
      then one at the end of every epoch (or every ``eval_every`` iterations), and one after the
      last iteration. ``val_acc`` is empty when the data has no validation set.
    - ``iters_per_epoch``: mini-batches per pass over the training set; ``epochs``: the passes
      made (``iterations / iters_per_epoch``, may be fractional); ``eval_epochs`` converts
      ``eval_iterations`` to epochs.
    - ``diverged`` / ``message``: whether (and why) training stopped early; ``seconds``: time.
    """

    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    eval_iterations: list[int] = field(default_factory=list)
    iterations: int = 0
    iters_per_epoch: int = 1
    diverged: bool = False
    message: str = ""
    seconds: float = 0.0

    @property
    def epochs(self) -> float:
        """Passes over the training set made: ``iterations / iters_per_epoch``."""
        return self.iterations / self.iters_per_epoch

    @property
    def eval_epochs(self) -> list[float]:
        """``eval_iterations`` in epochs (for an accuracy-per-epoch plot)."""
        return [i / self.iters_per_epoch for i in self.eval_iterations]


def _progress_bar(progress: bool | None, total: int, desc: str) -> Any:
    """A tqdm bar when asked (``True``), or by default (``None``) when stderr is a terminal and
    we are not under pytest; otherwise ``None`` (silent)."""
    if progress is None:
        progress = sys.stderr.isatty() and "PYTEST_CURRENT_TEST" not in os.environ
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="it", leave=False)


def train(
    net: Any,
    optimizer: Any,
    data: Any,
    iterations: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = 128,
    schedule: Callable[[int], float] | None = None,
    seed: int = 0,
    eval_every: int | None = None,
    progress: bool | None = None,
    callback: Callable[[int, Any], None] | None = None,
    blas_threads: int | None = 1,
) -> History:
    """Train ``net`` with ``optimizer`` on ``data`` for ``iterations`` updates or ``epochs``
    passes (give exactly one) and return the :class:`History`.

    - ``net``: has ``params``, ``loss_and_gradient(x, t)`` (or ``loss`` and ``gradient``) and
      ``accuracy(x, t)``, like :class:`optimizers.nn.MultiLayerNet`.
    - ``optimizer``: has ``lr`` and ``update(params, grads)`` (any rule of the library).
    - ``data``: has ``x_train``, ``t_train`` and optionally ``x_val``, ``t_val`` (a
      :class:`optimizers.data.Dataset`).
    - ``batch_size``: examples per mini-batch, drawn without replacement and reshuffled every
      epoch (``None`` or ``len(x_train)``: full batch; 1: stochastic).
    - ``schedule``: ``schedule(t) -> lr`` for the 0-based iteration ``t``, assigned to
      ``optimizer.lr`` before each update; ``None`` keeps ``optimizer.lr``.
    - ``seed``: seeds the order of the mini-batches (the net's own seed fixes its weights and
      dropout masks), so the same seeds give the same history.
    - ``eval_every``: evaluate accuracies every this many iterations (default: every epoch).
    - ``progress``: ``True`` shows a tqdm bar, ``False`` never; ``None`` shows one only when
      stderr is a terminal and not under pytest.
    - ``callback(iteration, net)``: called after every update (``iteration`` counts updates).
    - ``blas_threads``: threads numpy's BLAS may use while training (restored afterwards; needs
      threadpoolctl, else ignored). Default 1: these matrices are small, so a second thread
      gains at most ~1.3x, and on a busy 2-core machine two threads ran 5-30x slower than one
      (measured). ``None`` leaves numpy's setting alone.
    """
    if (iterations is None) == (epochs is None):
        raise ValueError("give exactly one of iterations and epochs")
    x, t = np.asarray(data.x_train), np.asarray(data.t_train)
    if len(x) != len(t):
        raise ValueError(f"x_train has {len(x)} examples but t_train has {len(t)}")
    per_epoch = batches_per_epoch(len(x), batch_size)
    total = iterations if epochs is None else epochs * per_epoch
    if isinstance(total, bool) or not isinstance(total, int | np.integer) or total < 1:
        raise ValueError(f"iterations and epochs must be positive integers, got {total!r}")
    eval_every = per_epoch if eval_every is None else eval_every
    if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
        raise ValueError(f"eval_every must be a positive integer, got {eval_every!r}")
    if blas_threads is not None and (
        isinstance(blas_threads, bool) or not isinstance(blas_threads, int) or blas_threads < 1
    ):
        raise ValueError(f"blas_threads must be a positive integer or None, got {blas_threads!r}")
    x_val, t_val = getattr(data, "x_val", None), getattr(data, "t_val", None)
    has_val = x_val is not None and len(x_val) > 0
    step = getattr(net, "loss_and_gradient", None) or (
        lambda xb, tb: (net.loss(xb, tb, train=True), net.gradient(xb, tb))
    )

    history = History(iters_per_epoch=per_epoch)

    def evaluate(done: int) -> None:
        history.eval_iterations.append(done)
        history.train_acc.append(net.accuracy(x, t))
        if has_val:
            history.val_acc.append(net.accuracy(x_val, t_val))

    start = time.perf_counter()
    batches = index_batches(len(x), batch_size, seed)
    bar = _progress_bar(progress, int(total), type(optimizer).__name__)
    try:
        # overflow warnings are expected when training diverges: the loss check reports it
        with _blas_limit(blas_threads), np.errstate(over="ignore", invalid="ignore"):
            evaluate(0)
            for it in range(int(total)):
                if schedule is not None:
                    optimizer.lr = _checked_lr(schedule(it), it)
                _, idx = next(batches)
                loss, grads = step(x[idx], t[idx])
                if not math.isfinite(loss):
                    history.diverged = True
                    history.message = (
                        f"training diverged: the loss is {loss} at step {it} (learning rate "
                        f"{float(optimizer.lr):g}); stopped after {it} updates"
                    )
                    warnings.warn(history.message, DivergenceWarning, stacklevel=2)
                    break
                optimizer.update(net.params, grads)
                history.loss.append(float(loss))
                history.lr.append(float(optimizer.lr))
                history.iterations = done = it + 1
                if done % eval_every == 0 or done == total:
                    evaluate(done)
                if callback is not None:
                    callback(done, net)
                if bar is not None:
                    bar.update(1)
                    if done % per_epoch == 0:
                        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - start
    return history


def _blas_limit(threads: int | None) -> contextlib.AbstractContextManager:
    """Limit numpy's BLAS to ``threads`` threads inside the ``with`` block (threadpoolctl)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it, numpy keeps its own setting
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def _checked_lr(lr: Any, it: int) -> float:
    lr = float(lr)
    if not (math.isfinite(lr) and lr >= 0.0):
        raise ValueError(f"schedule({it}) returned {lr}; a learning rate must be finite and >= 0")
    return lr


def smooth_curve(y: Any, window: int = 11) -> np.ndarray:
    """Smooth a noisy loss curve: a centred weighted moving average with a Hann window.

    Each output point is the average of the ``window`` points around it (``window`` odd)
    with weights ``sin(pi * k / (window + 1))**2`` for ``k = 1..window`` (largest in the
    middle). Near the ends, where the window sticks out, it averages the points that exist with
    their weights renormalised, so nothing is padded or cut: the output has the length of the
    input. ``window=1`` returns a copy. Non-finite values spread over their window.
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"smooth_curve needs a 1-D series, got shape {y.shape}")
    if isinstance(window, bool) or not isinstance(window, int) or window < 1 or window % 2 == 0:
        raise ValueError(f"window must be a positive odd integer, got {window!r}")
    if len(y) == 0 or window == 1:
        return y.copy()
    w = np.sin(np.pi * np.arange(1, window + 1) / (window + 1)) ** 2
    half = window // 2
    total = np.convolve(y, w)[half : half + len(y)]
    weight = np.convolve(np.ones(len(y)), w)[half : half + len(y)]
    return total / weight
