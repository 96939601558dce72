"""The training loop behind the figures: mini-batches, an optimizer, a schedule and a history.

``train(net, optimizer, data, iterations=2000)`` draws shuffled mini-batches (seeded), computes
the loss and gradient, lets the optimizer update ``net.params`` in place, and records what the
figures plot in a :class:`History`. A loss that becomes NaN or infinite stops training without an
exception: the history is marked ``diverged`` with a message naming the step and the learning
rate (a figure can then show the divergence), and a :class:`DivergenceWarning` is issued. The
loss at the final weights is checked too, so a last update that blows up is reported as well.
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

from ._checks import integer, is_number
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
    - ``diverged`` / ``message``: whether (and why) the loss became NaN or infinite, which stops
      training early (or, at the final weights, marks a last update that blew up);
      ``seconds``: time.
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

    def record(self, loss: float, lr: float) -> None:
        """One update made: its mini-batch loss and learning rate."""
        self.loss.append(float(loss))
        self.lr.append(float(lr))
        self.iterations += 1

    def stop(self, loss: float, step: int, lr: float) -> None:
        """Training stops at ``step`` (0-based) because ``loss`` is not finite."""
        self.diverged = True
        self.message = (
            f"training diverged: the loss is {loss} at step {step} (learning rate "
            f"{float(lr):g}); stopped after {step} updates"
        )

    @property
    def epochs(self) -> float:
        """Passes over the training set made: ``iterations / iters_per_epoch``."""
        return self.iterations / self.iters_per_epoch

    @property
    def eval_epochs(self) -> list[float]:
        """``eval_iterations`` in epochs (for an accuracy-per-epoch plot)."""
        return [i / self.iters_per_epoch for i in self.eval_iterations]


class _Progress:
    """A tqdm bar when asked (``True``), or by default (``None``) when stderr is a terminal and
    we are not under pytest; otherwise silent. The loss is shown at the end of every epoch."""

    def __init__(self, progress: bool | None, total: int, desc: str, per_epoch: int) -> None:
        if progress is None:
            progress = sys.stderr.isatty() and "PYTEST_CURRENT_TEST" not in os.environ
        self.bar, self.per_epoch, self.done = None, per_epoch, 0
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="it", leave=False)

    def step(self, loss: float) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            if self.done % self.per_epoch == 0:
                self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()


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
    - ``schedule``: ``optimizer.lr = schedule(t)`` before update ``t`` (0-based); None: keep it.
    - ``seed``: the order of the mini-batches (the net's own seed fixes weights and dropout).
    - ``eval_every``: evaluate accuracies every this many iterations (default: every epoch).
    - ``progress``: a tqdm bar if True; None: only on a terminal and not under pytest.
    - ``callback(iteration, net)``: called after every update (``iteration`` counts updates).
    - ``blas_threads``: threads numpy's BLAS may use while training (default 1, see
      ``_blas_limit`` for why; ``None`` leaves numpy's setting alone).

    Divergence: the loss of every mini-batch is checked before its update, and after the last
    update the loss at the final weights (on the last mini-batch, in inference mode, so nothing
    in the net changes; a net without ``loss`` has its weights checked instead). A NaN or
    infinite value stops training: ``History.diverged`` is set, ``History.message`` names the
    step ("the loss is nan at step N", N = updates made) and a :class:`DivergenceWarning` is
    issued. A huge but finite loss does not stop training.

    Errors: ``ValueError`` unless exactly one of ``iterations`` and ``epochs`` is given;
    ``TypeError``/``ValueError`` if ``iterations``, ``epochs``, ``eval_every`` or
    ``blas_threads`` is not a positive integer; ``TypeError`` if ``data`` lacks ``x_train`` or
    ``t_train``; ``ValueError`` if they differ in length; ``TypeError`` if ``schedule(t)``
    returns something other than a real number (``None``), ``ValueError`` if it returns a
    negative or non-finite learning rate (both name the schedule and the step).
    """
    x, t, per_epoch, total, eval_every = _checked_run(
        data, iterations, epochs, batch_size, eval_every, blas_threads
    )
    history = History(iters_per_epoch=per_epoch)
    evaluate = _evaluator(net, data, x, t, history)
    step = getattr(net, "loss_and_gradient", None) or _loss_then_gradient(net)
    batches = index_batches(len(x), batch_size, seed)
    start = time.perf_counter()
    with _Progress(progress, total, type(optimizer).__name__, per_epoch) as bar:
        with _blas_limit(blas_threads), np.errstate(over="ignore", invalid="ignore"):
            evaluate(0)
            for it in range(total):
                if schedule is not None:
                    optimizer.lr = _checked_lr(schedule(it), it)
                xb, tb = _batch(x, t, batches)
                loss, grads = step(xb, tb)
                if not math.isfinite(loss):
                    history.stop(loss, it, optimizer.lr)
                    warnings.warn(history.message, DivergenceWarning, stacklevel=2)
                    break
                optimizer.update(net.params, grads)
                history.record(loss, optimizer.lr)
                if history.iterations % eval_every == 0 or history.iterations == total:
                    evaluate(history.iterations)
                if callback is not None:
                    callback(history.iterations, net)
                bar.step(loss)
            else:  # every update made: did the last one blow the weights up?
                loss = _final_loss(net, xb, tb)
                if not math.isfinite(loss):
                    history.stop(loss, total, optimizer.lr)
                    warnings.warn(history.message, DivergenceWarning, stacklevel=2)
    history.seconds = time.perf_counter() - start
    return history


def _checked_run(data, iterations, epochs, batch_size, eval_every, blas_threads) -> tuple:
    """The training arrays, iterations per epoch, total iterations and evaluation interval,
    after checking every argument of :func:`train` that is not a hyperparameter."""
    if (iterations is None) == (epochs is None):
        raise ValueError("give exactly one of iterations and epochs")
    if iterations is not None:
        iterations = integer("iterations", iterations, 1)
    else:
        epochs = integer("epochs", epochs, 1)
    if not (hasattr(data, "x_train") and hasattr(data, "t_train")):
        raise TypeError(
            f"data must have x_train and t_train (an optimizers.data.Dataset), got {data!r}"
        )
    x, t = np.asarray(data.x_train), np.asarray(data.t_train)
    if len(x) != len(t):
        raise ValueError(f"x_train has {len(x)} examples but t_train has {len(t)}")
    per_epoch = batches_per_epoch(len(x), batch_size)
    total = iterations if epochs is None else epochs * per_epoch
    if eval_every is not None:
        eval_every = integer("eval_every", eval_every, 1)
    integer("blas_threads", blas_threads, 1, or_none=True)
    return x, t, per_epoch, total, per_epoch if eval_every is None else eval_every


def _evaluator(net: Any, data: Any, x: np.ndarray, t: np.ndarray, history: History) -> Callable:
    """``evaluate(done)``: record the accuracies after ``done`` updates."""
    x_val, t_val = getattr(data, "x_val", None), getattr(data, "t_val", None)
    has_val = x_val is not None and len(x_val) > 0

    def evaluate(done: int) -> None:
        history.eval_iterations.append(done)
        history.train_acc.append(net.accuracy(x, t))
        if has_val:
            history.val_acc.append(net.accuracy(x_val, t_val))

    return evaluate


def _loss_then_gradient(net: Any) -> Callable:
    """For a net without ``loss_and_gradient``: its ``loss`` (training mode), then ``gradient``."""
    return lambda xb, tb: (net.loss(xb, tb, train=True), net.gradient(xb, tb))


def _batch(x: np.ndarray, t: np.ndarray, batches: Any) -> tuple[np.ndarray, np.ndarray]:
    """The next mini-batch of ``index_batches``."""
    _, idx = next(batches)
    return x[idx], t[idx]


def _blas_limit(threads: int | None) -> contextlib.AbstractContextManager:
    """Limit numpy's BLAS to ``threads`` threads inside the ``with`` block (threadpoolctl; the
    setting is restored afterwards; without threadpoolctl nothing changes). The training default
    is 1: these matrices are small, so a second thread gains at most ~1.3x, and on a busy
    2-core machine two threads ran 5-30x slower than one (measured)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it, numpy keeps its own setting
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def _final_loss(net: Any, x: np.ndarray, t: np.ndarray) -> float:
    """The loss at the net's current weights on ``(x, t)``, in inference mode (nothing in the net
    changes). A net without ``loss``: NaN if a weight is not finite, else 0."""
    loss = getattr(net, "loss", None)
    if loss is not None:
        return float(loss(x, t))
    finite = all(np.all(np.isfinite(w)) for w in net.params.values())
    return 0.0 if finite else math.nan


def _checked_lr(lr: Any, it: int) -> float:
    """``schedule(it)``'s value as a float, checked to be a usable learning rate."""
    if isinstance(lr, np.ndarray) and lr.ndim == 0:  # e.g. np.where(t < 10, 0.1, 0.01)
        lr = lr[()]
    if not is_number(lr):
        raise TypeError(
            f"schedule({it}) returned {lr!r}; a learning rate must be a real number "
            "(finite and >= 0): does the schedule return a value on every path?"
        )
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

    Errors: ``ValueError`` if ``y`` is not 1-D or ``window`` is not a positive odd integer
    (``TypeError`` if it is not an integer at all).
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"smooth_curve needs a 1-D series, got shape {y.shape}")
    window = integer("window", window, 1)
    if window % 2 == 0:
        raise ValueError(f"window must be a positive odd integer, got {window!r}")
    if len(y) == 0 or window == 1:
        return y.copy()
    w = np.sin(np.pi * np.arange(1, window + 1) / (window + 1)) ** 2
    half = window // 2
    total = np.convolve(y, w)[half : half + len(y)]
    weight = np.convolve(np.ones(len(y)), w)[half : half + len(y)]
    return total / weight
