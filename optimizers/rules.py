"""The update rules: SGD, Momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam and its variants.

Every rule is a small class: ``__init__`` names the hyperparameters (checked by the base class
``Optimizer``), ``state_names`` the arrays it keeps per parameter (zeros at the start), and
``update_block`` one step on a block of numbers, one line of NumPy per line of the formula.
``g`` is the gradient, ``t`` the step number (1, 2, ...). The state arrays are kept between
steps, so a new value is written *into* them: ``v[:] = ...`` (or ``h += ...``), and the
parameter is changed in place with ``w -= ...``. The base class hands the rule one cache-sized
block at a time, so the temporaries of these expressions stay small.

``AdamW``, ``Nadam`` and ``AMSGrad`` are subclasses of ``Adam`` (same hyperparameters, and the
same moments ``m`` and ``v`` from ``Adam.moments``) rather than flags: each writes only the
step in which it differs from Adam.

Each docstring says how the rule maps onto ``torch.optim`` (``tests/unit/test_reference_torch.py``
checks every mapping number for number in float64).
"""

from __future__ import annotations

import math

import numpy as np

from .base import Optimizer

__all__ = [
    "AMSGrad",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Nadam",
    "Nesterov",
    "Optimizer",
    "RMSProp",
    "SGD",
]


# --8<-- [start:sgd]
class SGD(Optimizer):
    """Stochastic gradient descent (Robbins & Monro, 1951): ``w <- w - lr * g``.

    Default lr=0.01. Same as ``torch.optim.SGD(params, lr)``.
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr=lr)

    def update_block(self, w: np.ndarray, g: np.ndarray) -> None:
        w -= self.lr * g  # w <- w - lr g


# --8<-- [end:sgd]


# --8<-- [start:momentum]
class Momentum(Optimizer):
    """Momentum, the heavy ball (Polyak, 1964), in the velocity form of the textbook::

        v <- momentum * v - lr * g
        w <- w + v

    Defaults lr=0.01, momentum=0.9; v starts at 0.

    torch: ``torch.optim.SGD(params, lr, momentum)`` keeps b <- momentum * b + g and takes
    w <- w - lr * b, so b = -v / lr while lr is constant and the paths are the same. Under a
    changing lr they differ: here v is in parameter units, so a new lr scales only the new
    gradients; torch's b is in gradient units, so a new lr rescales the whole accumulated
    velocity at once.
    """

    state_names = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr=lr, momentum=momentum)

    def update_block(self, w: np.ndarray, g: np.ndarray, v: np.ndarray) -> None:
        v[:] = self.momentum * v - self.lr * g  # v <- momentum v - lr g
        w += v  # w <- w + v


# --8<-- [end:momentum]


# --8<-- [start:nesterov]
class Nesterov(Optimizer):
    """Nesterov's accelerated gradient (Nesterov, 1983; Sutskever et al., 2013)::

        v <- momentum * v - lr * g
        w <- w + momentum * v - lr * g        (v: the new velocity)

    Defaults lr=0.01, momentum=0.9. Sutskever et al. take the gradient at the look-ahead point
    w + momentum * v; here w is that point (Bengio et al., 2013), so g is the gradient at w
    and the step is w <- w + momentum**2 * v_old - (1 + momentum) * lr * g, written above with
    the new v. Code that puts the *new* v into this last formula is not Nesterov momentum.

    torch: ``torch.optim.SGD(params, lr, momentum, nesterov=True)`` takes
    w <- w - lr * (g + momentum * b) with b <- momentum * b + g: the same path with b = -v / lr
    while lr is constant (under a changing lr, see ``Momentum``).
    """

    state_names = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr=lr, momentum=momentum)

    def update_block(self, w: np.ndarray, g: np.ndarray, v: np.ndarray) -> None:
        v[:] = self.momentum * v - self.lr * g  # v <- momentum v - lr g
        w += self.momentum * v - self.lr * g  # w <- w + momentum v - lr g (the new v)


# --8<-- [end:nesterov]


# --8<-- [start:adagrad]
class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan & Singer, 2011): each weight's step shrinks with its history::

        h <- h + g**2
        w <- w - lr * g / (sqrt(h) + eps)

    Defaults lr=0.01, eps=1e-7; h starts at 0.

    torch: ``torch.optim.Adagrad(params, lr, eps=eps)`` (lr_decay=0,
    initial_accumulator_value=0) is the same formula, eps outside the square root; only its
    default eps (1e-10) differs.
    """

    state_names = ("h",)

    def __init__(self, lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(lr=lr, eps=eps)

    def update_block(self, w: np.ndarray, g: np.ndarray, h: np.ndarray) -> None:
        h += g * g
        w -= self.lr * g / (np.sqrt(h) + self.eps)


# --8<-- [end:adagrad]


# --8<-- [start:rmsprop]
class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton, 2012, Coursera lecture 6.5): AdaGrad with a decaying history::

        h <- decay_rate * h + (1 - decay_rate) * g**2
        w <- w - lr * g / (sqrt(h) + eps)

    Defaults lr=0.01, decay_rate=0.99, eps=1e-7; h starts at 0.

    torch: ``torch.optim.RMSprop(params, lr, alpha=decay_rate, eps=eps)`` (momentum=0,
    centered=False) is the same formula; its defaults are lr=0.01, alpha=0.99, eps=1e-8.
    """

    state_names = ("h",)

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(lr=lr, decay_rate=decay_rate, eps=eps)

    def update_block(self, w: np.ndarray, g: np.ndarray, h: np.ndarray) -> None:
        h[:] = self.decay_rate * h + (1 - self.decay_rate) * g * g
        w -= self.lr * g / (np.sqrt(h) + self.eps)


# --8<-- [end:rmsprop]


# --8<-- [start:adadelta]
class AdaDelta(Optimizer):
    """AdaDelta (Zeiler, 2012): a step in the units of w, without a learning rate::

        Eg2   <- rho * Eg2 + (1 - rho) * g**2              (Eg2 = E[g^2])
        delta  = sqrt(Edx2 + eps) / sqrt(Eg2 + eps) * g
        Edx2  <- rho * Edx2 + (1 - rho) * delta**2          (Edx2 = E[dx^2])
        w     <- w - lr * delta

    Defaults rho=0.95, eps=1e-6 (Zeiler's), lr=1.0; Eg2 and Edx2 start at 0. With lr=1.0 this
    is Zeiler's method exactly; another lr only scales the step taken (Edx2 still records the
    unscaled delta), the same meaning as lr in ``torch.optim.Adadelta(params, lr, rho, eps)``,
    which is the same formula (its defaults: lr=1.0, rho=0.9, eps=1e-6).
    """

    state_names = ("Eg2", "Edx2")

    def __init__(self, rho: float = 0.95, eps: float = 1e-6, lr: float = 1.0) -> None:
        super().__init__(rho=rho, eps=eps, lr=lr)

    def update_block(self, w: np.ndarray, g: np.ndarray, Eg2: np.ndarray, Edx2: np.ndarray) -> None:
        rho, eps = self.rho, self.eps
        Eg2[:] = rho * Eg2 + (1 - rho) * g * g
        delta = np.sqrt(Edx2 + eps) / np.sqrt(Eg2 + eps) * g
        Edx2[:] = rho * Edx2 + (1 - rho) * delta * delta
        w -= self.lr * delta


# --8<-- [end:adadelta]


# --8<-- [start:adam]
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum on g and an RMSProp scale, both bias-corrected::

        m    <- beta1 * m + (1 - beta1) * g
        v    <- beta2 * v + (1 - beta2) * g**2
        lr_t  = lr * sqrt(1 - beta2**t) / (1 - beta1**t)
        w    <- w - lr_t * m / (sqrt(v) + eps)

    Defaults lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7; m and v start at 0. This is the
    "more efficient order" of section 2 of the paper, with eps added to sqrt(v).

    torch: ``torch.optim.Adam(params, lr, betas=(beta1, beta2), eps=eps_t)`` divides by
    sqrt(v / (1 - beta2**t)) + eps_t instead; the two agree exactly when eps_t = eps /
    sqrt(1 - beta2**t) (a step-dependent eps), so at eps=0, and otherwise our step is smaller
    by a factor in [sqrt(1 - beta2**t), 1] (see the bound in tests/unit/test_reference_torch.py).
    torch's default eps is 1e-8.
    """

    state_names = ("m", "v")

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-7
    ) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def moments(self, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        """The two moving averages every rule of the Adam family keeps."""
        m[:] = self.beta1 * m + (1 - self.beta1) * g  # m <- beta1 m + (1 - beta1) g
        v[:] = self.beta2 * v + (1 - self.beta2) * g * g  # v <- beta2 v + (1 - beta2) g^2

    def lr_t(self) -> float:
        """The bias-corrected learning rate of step t."""
        return self.lr * math.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)

    def update_block(self, w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        self.moments(g, m, v)
        w -= self.lr_t() * m / (np.sqrt(v) + self.eps)  # w <- w - lr_t m / (sqrt(v) + eps)


# --8<-- [end:adam]


# --8<-- [start:adamw]
class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam with weight decay decoupled from the gradient::

        w <- w - lr * weight_decay * w
        then the Adam step (m, v, lr_t as in Adam; the gradient g is not changed)

    Defaults lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7, weight_decay=0.01.

    torch: ``torch.optim.AdamW(params, lr, betas, eps=eps_t, weight_decay)`` multiplies w by
    (1 - lr * weight_decay) the same way; its Adam step relates to ours as in ``Adam``.
    """

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-7,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
        self.hyperparameters += ("weight_decay",)
        self.weight_decay = weight_decay  # checked like every hyperparameter

    def update_block(self, w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        w -= self.lr * self.weight_decay * w  # w <- w - lr weight_decay w
        super().update_block(w, g, m, v)  # then Adam's step


# --8<-- [end:adamw]


# --8<-- [start:nadam]
class Nadam(Adam):
    """Nadam (Dozat, 2016): Adam whose momentum looks one step ahead, as Nesterov's does::

        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g**2
        m_bar  = beta1 * m / (1 - beta1**(t+1)) + (1 - beta1) * g / (1 - beta1**t)
        w     <- w - lr * m_bar / (sqrt(v / (1 - beta2**t)) + eps)

    Defaults lr=0.002 (Dozat's), beta1=0.9, beta2=0.999, eps=1e-7. This is Dozat's algorithm
    with a constant momentum mu_t = beta1 (as in Keras and optax), and eps added to the
    bias-corrected sqrt(v) as in the paper (Adam's lr_t form does not carry over: the two
    terms of m_bar have different bias corrections).

    torch: ``torch.optim.NAdam`` warms the momentum up, mu_t = beta1 * (1 - 0.5 *
    0.96**(t * momentum_decay)), and keeps the product of the mu_t for the bias correction; with
    ``momentum_decay=float("inf")`` every mu_t is beta1 and it takes exactly the steps above
    (its default momentum_decay=0.004 starts at mu_1 = 0.5 * beta1 and reaches 0.9 * beta1
    only after about 10000 steps).
    """

    def __init__(
        self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-7
    ) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def update_block(self, w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        b1, b2, t = self.beta1, self.beta2, self.t
        self.moments(g, m, v)
        m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
        w -= self.lr * m_bar / (np.sqrt(v / (1 - b2**t)) + self.eps)


# --8<-- [end:nadam]


# --8<-- [start:amsgrad]
class AMSGrad(Adam):
    """AMSGrad (Reddi, Kale & Kumar, 2018): Adam that divides by the largest v seen so far::

        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g**2
        v_max <- max(v_max, v)
        w     <- w - lr_t * m / (sqrt(v_max) + eps)      (lr_t as in Adam)

    Defaults lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7; m, v, v_max start at 0. Like torch
    (and unlike the paper, which has no bias correction), the step is bias-corrected through
    lr_t; v_max is the maximum of the uncorrected v.

    torch: ``torch.optim.Adam(params, lr, betas, eps=eps_t, amsgrad=True)``, with eps_t as
    in ``Adam``.
    """

    state_names = ("m", "v", "v_max")

    def update_block(
        self, w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, v_max: np.ndarray
    ) -> None:
        self.moments(g, m, v)
        v_max[:] = np.maximum(v_max, v)  # v_max <- max(v_max, v)
        w -= self.lr_t() * m / (np.sqrt(v_max) + self.eps)  # w <- w - lr_t m / (sqrt(v_max) + eps)


# --8<-- [end:amsgrad]
