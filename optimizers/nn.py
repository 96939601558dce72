"""Layers and a fully connected network, small enough to print on a page.

Every layer has ``forward(x, train=True)`` and ``backward(dout)``; the backward pass sits next to
the forward pass and returns the gradient with respect to the layer's input. Layers with
learnable parameters keep them in ``layer.params`` and the gradients of the last backward pass in
``layer.grads`` (dicts with the same keys). ``SoftmaxWithLoss`` ends the network: its forward
pass takes the labels too and returns the loss.

:class:`MultiLayerNet` stacks ``Affine -> [BatchNorm] -> activation -> [Dropout]`` blocks and
exposes all parameters in one flat dict ``net.params`` (``'W1'``, ``'b1'``, ``'gamma1'``, ...)
whose arrays the layers share, so any optimizer of the library trains it with
``opt.update(net.params, net.gradient(x, t))``. The optimizers change those arrays in place;
replacing an entry (``net.params['W1'] = W``) works too, because every forward pass hands the
layers the arrays that ``net.params`` holds at that moment. ``set_params`` copies values in after
checking keys and shapes.

Everything runs in float64 unless a network is built with ``dtype=np.float32``; scalars stay
Python floats so float32 work stays float32 (NumPy 2 promotion rules).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._checks import NON_NEGATIVE, POSITIVE, UNIT, integer, is_number, items, real

__all__ = [
    "Affine",
    "BatchNorm",
    "Dropout",
    "MultiLayerNet",
    "ReLU",
    "Sigmoid",
    "SoftmaxWithLoss",
    "Tanh",
    "init_std",
    "init_weights",
    "numerical_gradient",
    "softmax",
]

# Names accepted by ``init_std``: the standard deviation each gives for ``n_in`` inputs.
_INITS: dict[str, Callable[[int], float]] = {
    "xavier": lambda n_in: float(np.sqrt(1.0 / n_in)),
    "glorot": lambda n_in: float(np.sqrt(1.0 / n_in)),
    "sigmoid": lambda n_in: float(np.sqrt(1.0 / n_in)),
    "tanh": lambda n_in: float(np.sqrt(1.0 / n_in)),
    "he": lambda n_in: float(np.sqrt(2.0 / n_in)),
    "msra": lambda n_in: float(np.sqrt(2.0 / n_in)),
    "relu": lambda n_in: float(np.sqrt(2.0 / n_in)),
}


def init_std(init: float | str, n_in: int) -> float:
    """Standard deviation of the initial weights of a layer with ``n_in`` inputs.

    ``init`` is either a fixed standard deviation (a positive number such as ``1.0`` or
    ``0.01``) or a name:

    - ``'xavier'`` / ``'glorot'`` (alias ``'sigmoid'``, ``'tanh'``): ``sqrt(1 / n_in)``, the
      simplified form of Glorot & Bengio (2010), "Understanding the difficulty of training deep
      feedforward neural networks" (their normalised initialisation has variance
      ``2 / (n_in + n_out)``);
    - ``'he'`` / ``'msra'`` (alias ``'relu'``): ``sqrt(2 / n_in)``, He, Zhang, Ren & Sun (2015),
      "Delving deep into rectifiers".

    Errors: ``ValueError`` for an unknown name (listing the valid ones), a std that is not
    positive and finite, or ``n_in < 1``; ``TypeError`` if ``init`` is neither a number nor a
    string (``None``, ``True``) or ``n_in`` is not an integer.
    """
    n_in = integer("n_in", n_in, 1)
    if isinstance(init, str):
        key = init.lower()
        if key not in _INITS:
            raise ValueError(
                f"unknown weight init {init!r}; use a positive float std or one of "
                f"{', '.join(sorted(_INITS))}"
            )
        return _INITS[key](n_in)
    if not is_number(init):
        raise TypeError(
            f"weight init must be a positive float std or one of the names "
            f"{', '.join(sorted(_INITS))}, got {init!r}"
        )
    return real("weight init std", init, POSITIVE)


def init_weights(
    n_in: int,
    n_out: int,
    init: float | str = "he",
    rng: np.random.Generator | int | None = None,
    dtype: type | np.dtype = np.float64,
) -> np.ndarray:
    """Weights of shape ``(n_in, n_out)`` drawn from ``N(0, std**2)``, ``std = init_std(...)``.

    ``rng`` is a ``numpy.random.Generator`` or a seed (``None``: seed 0, so results repeat).
    Errors: as :func:`init_std`, and ``TypeError``/``ValueError`` for an ``n_out`` that is not
    a non-negative integer.
    """
    std = init_std(init, n_in)
    n_out = integer("n_out", n_out, 0)
    rng = np.random.default_rng(0 if rng is None else rng)
    return (std * rng.standard_normal((n_in, n_out))).astype(dtype, copy=False)


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax ``exp(x_i) / sum_j exp(x_j)``, computed stably (shifted by the row max)."""
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class Affine:
    """Fully connected layer ``out = x @ W + b`` for ``x`` of shape (batch, n_in)."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        self.params = {"W": W, "b": b}
        self.grads: dict[str, np.ndarray] = {}
        self.input_grad = True  # False: backward skips dx (the first layer needs none)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T if self.input_grad else None


class ReLU:
    """Rectified linear unit ``max(0, x)``; its gradient is 1 where ``x > 0``, else 0."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.mask = x > 0
        return np.maximum(x, 0.0)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.mask


class Sigmoid:
    """Logistic function ``1 / (1 + exp(-x))``; its derivative is ``out * (1 - out)``."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function, without overflow
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.out * (1.0 - self.out)


class Tanh:
    """Hyperbolic tangent; its derivative is ``1 - out**2``."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out**2)


class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy ``-mean(log softmax(x)[t])``.

    ``t`` holds integer labels (batch,) or one-hot rows (batch, classes). The gradient of the
    mean loss with respect to the scores is ``(softmax(x) - onehot(t)) / batch``.

    Errors: ``forward`` raises ``ValueError`` for labels outside ``0..classes-1`` (NumPy would
    read -1 as the last class), non-integer labels, or one-hot rows of another shape than ``x``.
    """

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        _check_labels(t, x.shape)
        z = x - x.max(axis=1, keepdims=True)
        log_y = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # log softmax
        self.y, self.t = np.exp(log_y), t
        if t.ndim == 1:  # integer labels
            return -float(log_y[np.arange(len(t)), t].mean())
        return -float((t * log_y).sum() / len(t))

    def backward(self, dout: float = 1.0) -> np.ndarray:
        dx = self.y.copy()
        if self.t.ndim == 1:
            dx[np.arange(len(self.t)), self.t] -= 1.0
        else:
            dx -= self.t
        return dx * (dout / len(dx))


class Dropout:
    """Inverted dropout (Srivastava et al., 2014): in training, each unit is kept with
    probability ``1 - ratio`` and scaled by ``1 / (1 - ratio)``, so inference is the identity.

    ``seed`` seeds the layer's own generator. Set ``frozen = True`` to reuse the last mask on
    every forward pass (for numerical gradient checks, which need the same function each call).
    Errors: ``TypeError`` if ``ratio`` is not a number, ``ValueError`` if it is not in [0, 1).
    """

    def __init__(self, ratio: float = 0.5, seed: int | None = None):
        self.ratio = real("ratio", ratio, UNIT, owner="Dropout")
        self.rng = np.random.default_rng(seed)
        self.frozen = False
        self.mask = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        if not train:
            return x
        if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
            keep = self.rng.random(x.shape) >= self.ratio
            self.mask = keep.astype(x.dtype) * (1.0 / (1.0 - self.ratio))
        return x * self.mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.mask


# --8<-- [start:batchnorm]
class BatchNorm:
    """Batch normalisation (Ioffe & Szegedy, 2015) of each feature of ``x`` (batch, features),
    or of each channel of ``x`` (batch, channels, height, width).

    Training: normalise with the batch mean and variance, ``out = gamma * xn + beta``, and update
    ``running = momentum * running + (1 - momentum) * batch_stat`` (the variance unbiased, as in
    the paper). ``momentum`` is the weight of the old value (PyTorch's ``momentum=0.1`` is the
    weight of the new one: ours 0.9). Inference: the same formula with the running statistics.
    For 4-D input every position of every image is one more example of its channel: the
    statistics are taken over axes (0, 2, 3), and gamma, beta and the running statistics have
    one entry per channel.
    Errors: ``momentum`` must be in [0, 1) and ``eps`` positive (``ValueError``; ``TypeError``
    if either is not a number); ``ValueError`` if gamma is not 1-D, beta has another shape, or
    ``x`` is not 2-D or 4-D with ``len(gamma)`` entries on axis 1.
    """

    def __init__(
        self, gamma: np.ndarray, beta: np.ndarray, momentum: float = 0.9, eps: float = 1e-5
    ):
        self.momentum = real("momentum", momentum, UNIT, owner="BatchNorm")
        self.eps = real("eps", eps, POSITIVE, owner="BatchNorm")
        if np.ndim(gamma) != 1 or np.shape(beta) != np.shape(gamma):
            raise ValueError(
                f"BatchNorm: gamma and beta must be 1-D arrays of the same length, got shapes "
                f"{np.shape(gamma)} and {np.shape(beta)}"
            )
        self.params = {"gamma": gamma, "beta": beta}
        self.grads: dict[str, np.ndarray] = {}
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        _check_input(x, len(self.params["gamma"]))
        if x.ndim == 4:  # (N, C, H, W): every position is one more example of its channel
            return _from_rows(self.forward(_to_rows(x), train), x.shape)
        if train:
            m = len(x)
            if m < 2:
                raise ValueError("batch norm needs at least 2 examples per batch in training")
            mean, var = x.mean(axis=0), x.var(axis=0)
            a = self.momentum
            self.running_mean = a * self.running_mean + (1.0 - a) * mean
            self.running_var = a * self.running_var + (1.0 - a) * var * (m / (m - 1.0))
        else:
            mean, var = self.running_mean, self.running_var
        self.std = np.sqrt(var + self.eps)
        self.xn = (x - mean) / self.std
        return self.params["gamma"] * self.xn + self.params["beta"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if dout.ndim == 4:
            return _from_rows(self.backward(_to_rows(dout)), dout.shape)
        xn = self.xn  # backward through the batch statistics (training mode)
        self.grads["beta"] = dout.sum(axis=0)
        self.grads["gamma"] = (dout * xn).sum(axis=0)
        dxn = dout * self.params["gamma"]
        return (dxn - dxn.mean(axis=0) - xn * (dxn * xn).mean(axis=0)) / self.std


def _to_rows(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N * H * W, C): one row per position of every image."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _from_rows(rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of ``_to_rows``: rows (N * H * W, C) back to an array of ``shape``."""
    n, c, h, w = shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


# --8<-- [end:batchnorm]


def _check_input(x: np.ndarray, c: int) -> None:
    """ValueError unless ``x`` is (batch, c) or (batch, c, height, width)."""
    if x.ndim not in (2, 4):
        raise ValueError(
            "BatchNorm: x must have shape (batch, features) or (batch, channels, height, "
            f"width), got an array of shape {x.shape}"
        )
    if x.shape[1] != c:
        what = "features" if x.ndim == 2 else "channels"
        raise ValueError(
            f"BatchNorm: x has {x.shape[1]} {what} (axis 1 of shape {x.shape}), "
            f"but gamma and beta have {c}"
        )


_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


class MultiLayerNet:
    """Fully connected network: ``(Affine -> [BatchNorm] -> activation -> [Dropout]) x L``,
    then ``Affine -> SoftmaxWithLoss``.

    ``hidden_size_list=[100] * 4`` with 784 inputs and 10 outputs is the "5-layer network" of the
    pages (five weight layers). ``activation``: ``'relu'``, ``'sigmoid'`` or ``'tanh'``.
    ``weight_init_std``: a float std or a name (see :func:`init_std`; default ``'relu'`` = He).
    ``weight_decay_lambda`` adds ``0.5 * lambda * sum(W**2)`` over the weight matrices to the
    loss. Batch norm has ``momentum=0.9``; dropout is inverted dropout with ``dropout_ratio``.
    ``seed`` fixes the initial weights and the dropout masks; ``dtype`` is float64 or float32.
    Labels ``t`` are integers (batch,) or one-hot rows (batch, output_size).

    Errors: ``TypeError`` if ``hidden_size_list`` is not a list (``None``, ``100``), a size is
    not an integer, or ``weight_decay_lambda`` or ``dropout_ratio`` is not a number (``None``,
    ``'0.1'``); ``ValueError`` if a size is below 1, ``weight_decay_lambda`` is negative or not
    finite, ``dropout_ratio`` is not in [0, 1) (checked even without ``use_dropout``), or the
    activation, weight init or dtype is unknown.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str = "relu",
        weight_init_std: float | str = "relu",
        weight_decay_lambda: float = 0.0,
        use_batchnorm: bool = False,
        use_dropout: bool = False,
        dropout_ratio: float = 0.5,
        seed: int | None = 0,
        dtype: type | np.dtype = np.float64,
    ):
        sizes = _check_config(input_size, hidden_size_list, output_size, activation, dtype)
        self.input_size, self.output_size, self.dtype = sizes[0], sizes[-1], np.dtype(dtype)
        self.hidden_size_list = sizes[1:-1]
        self.weight_decay_lambda = real("weight_decay_lambda", weight_decay_lambda, NON_NEGATIVE)
        dropout_ratio = real("dropout_ratio", dropout_ratio, UNIT)
        self.use_batchnorm, self.use_dropout = bool(use_batchnorm), bool(use_dropout)
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        self.layers: list = []
        self._owner: dict[str, tuple] = {}  # "W1" -> (layer, "W"), ...
        for i in range(1, len(sizes)):
            W = init_weights(sizes[i - 1], sizes[i], weight_init_std, rng, self.dtype)
            self._add(Affine(W, np.zeros(sizes[i], self.dtype)), i)
            if i == len(sizes) - 1:
                break
            if use_batchnorm:
                ones, zeros = np.ones(sizes[i], self.dtype), np.zeros(sizes[i], self.dtype)
                self._add(BatchNorm(ones, zeros), i)
            self.layers.append(_ACTIVATIONS[activation]())
            if use_dropout:
                self.layers.append(Dropout(dropout_ratio, None if seed is None else [seed, i]))
        self.layers[0].input_grad = False  # nothing needs the gradient of the inputs
        self.last_layer = SoftmaxWithLoss()

    def _add(self, layer, i):
        self.layers.append(layer)
        for name, value in layer.params.items():
            self.params[f"{name}{i}"] = value
            self._owner[f"{name}{i}"] = (layer, name)

    def predict(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """Scores (before the softmax) for inputs ``x`` of shape (batch, input_size)."""
        return self._forward(_check_x(x, self), train)

    def loss(self, x: np.ndarray, t: np.ndarray, train: bool = False) -> float:
        """Mean cross-entropy plus ``0.5 * lambda * sum(W**2)``."""
        x, t = _check_xt(x, t, self)
        return self.last_layer.forward(self._forward(x, train), t) + self._decay()

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """Fraction of the examples whose highest score is the label (inference mode)."""
        x, t = _check_xt(x, t, self)
        labels = t if t.ndim == 1 else t.argmax(axis=1)
        return float((self._forward(x, False).argmax(axis=1) == labels).mean())

    def loss_and_gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict]:
        """Training-mode loss and its gradient by backpropagation (a dict keyed like params)."""
        loss = self.loss(x, t, train=True)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {key: layer.grads[name] for key, (layer, name) in self._owner.items()}
        if lam := self.weight_decay_lambda:  # d/dW of 0.5 * lambda * ||W||^2
            for key in self._weights():
                grads[key] += lam * self.params[key]
        return loss, grads

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradient of ``loss(x, t, train=True)``: a dict with the same keys as ``params``."""
        return self.loss_and_gradient(x, t)[1]

    def activations(self, x: np.ndarray, train: bool = False) -> list[np.ndarray]:
        """Outputs of every hidden layer's activation function: a list of (batch, units) arrays.

        ``train=False`` (default) runs in inference mode. ``train=True`` normalises with the batch
        statistics, as in training, and leaves the running statistics as they were. Dropout is
        off either way.
        """
        x, out = _check_x(x, self), []
        norms = [layer for layer in self.layers if isinstance(layer, BatchNorm)]
        saved = [(b.running_mean, b.running_var) for b in norms]
        for layer in self.layers:
            x = x if isinstance(layer, Dropout) else layer.forward(x, train)
            if isinstance(layer, ReLU | Sigmoid | Tanh):
                out.append(x)
        for b, (mean, var) in zip(norms, saved, strict=True):
            b.running_mean, b.running_var = mean, var
        return out

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy ``params`` (same keys and shapes as ``self.params``) into the network in place."""
        if set(params) != set(self.params):
            raise ValueError(
                f"params must have the keys {sorted(self.params)}, got {sorted(params)}"
            )
        for key, value in params.items():
            value = np.asarray(value)
            if value.shape != self.params[key].shape:
                raise ValueError(
                    f"params[{key!r}] has shape {value.shape}, expected {self.params[key].shape}"
                )
            self.params[key][...] = value

    def freeze_dropout(self, frozen: bool = True) -> None:
        """Reuse each dropout layer's last mask (``True``) or draw new masks (``False``)."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.frozen = frozen

    def _forward(self, x, train):
        for key, (layer, name) in self._owner.items():  # follow net.params if rebound
            layer.params[name] = self.params[key]
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def _weights(self):
        return [f"W{i}" for i in range(1, len(self.hidden_size_list) + 2)]

    def _decay(self):  # 0.5 * lambda * (sum of the squared weights)
        if not self.weight_decay_lambda:
            return 0.0
        squares = sum(float(np.vdot(self.params[k], self.params[k])) for k in self._weights())
        return 0.5 * self.weight_decay_lambda * squares


def _check_x(x, net: MultiLayerNet) -> np.ndarray:
    """Inputs as a (batch, input_size) array of the network's dtype, or a ValueError."""
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(
            f"x must have shape (batch, {net.input_size}), got an array of shape {x.shape}"
        )
    x = x.reshape(len(x), int(np.prod(x.shape[1:])))  # images -> rows
    if x.shape[1] != net.input_size:
        raise ValueError(
            f"x has {x.shape[1]} features per example, the network expects {net.input_size}"
        )
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"x must hold real numbers, got dtype {x.dtype}")
    return x.astype(net.dtype, copy=False)


def _check_xt(x, t, net: MultiLayerNet) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and labels (integers in 0..output_size-1, or one-hot rows), or a ValueError."""
    x, t = _check_x(x, net), np.asarray(t)
    if t.ndim == 0 or len(t) != len(x):
        raise ValueError(f"x has {len(x)} examples but t has {len(t) if t.ndim else 'no'} labels")
    if len(x) == 0:
        raise ValueError("x and t are empty: the loss and accuracy need at least one example")
    k = net.output_size
    _check_labels(t, (len(x), k))
    return x, (t if t.ndim == 1 else t.astype(net.dtype, copy=False))


def _check_labels(t: np.ndarray, shape: tuple[int, int]) -> None:
    """ValueError unless ``t`` holds integer labels in ``0..classes-1`` (one per row of scores
    of ``shape`` = (batch, classes)) or one-hot rows of that shape."""
    k = shape[1]
    if t.ndim == 1:
        if not np.issubdtype(t.dtype, np.integer):
            raise ValueError(f"labels must be integers (or one-hot rows), got dtype {t.dtype}")
        if len(t) and (t.min() < 0 or t.max() >= k):
            raise ValueError(
                f"labels must be in 0..{k - 1}, got values from {t.min()} to {t.max()}"
            )
    elif t.shape != tuple(shape):
        raise ValueError(f"one-hot labels must have shape {tuple(shape)}, got {t.shape}")


def _check_config(input_size, hidden_size_list, output_size, activation, dtype) -> list[int]:
    """Validate MultiLayerNet's sizes, activation name and dtype; return all layer sizes."""
    hidden = items("hidden_size_list", hidden_size_list, "a list of layer sizes")
    named = [
        ("input_size", input_size),
        *((f"hidden_size_list[{i}]", n) for i, n in enumerate(hidden)),
        ("output_size", output_size),
    ]
    sizes = [integer(name, n, 1) for name, n in named]
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; use one of {sorted(_ACTIVATIONS)}")
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}")
    return sizes


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of ``f()`` with respect to the array ``x`` (changed in place
    and restored): ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry ``i``.

    ``f`` takes no arguments and reads ``x`` itself (e.g. ``lambda: net.loss(x, t, train=True)``
    with ``x = net.params['W1']``). Error ``O(h**2)``; use float64.

    Errors: ``TypeError`` if ``x`` is not a floating-point NumPy array: an integer array cannot
    hold ``x + h``, and a converted copy would not be the array ``f`` reads, so convert it
    yourself (``x = x.astype(np.float64)``) before building ``f``; ``TypeError``/``ValueError``
    if ``h`` is not a positive finite number; ``ValueError`` if ``x`` is not contiguous.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be the NumPy array that f reads, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(
            f"x must be a floating-point array (it is nudged by h = {h!r} in place), got dtype "
            f"{x.dtype}; convert it with x.astype(np.float64) before f reads it"
        )
    h = real("h", h, POSITIVE)
    grad = np.zeros(x.shape, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array (its entries are changed in place)")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f()
        flat[i] = old - h
        f_minus = f()
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2.0 * h)
    return grad
