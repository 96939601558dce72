"""optimizers: the numpy library of *Optimization for Deep Learning / 深度学习中的优化*.

Every update rule shares one interface::

    opt = Adam(lr=0.001)
    for step in range(n):
        grads = ...                 # dict name -> array, same keys as params
        opt.update(params, grads)   # params updated in place

Submodules: ``schedules`` (learning-rate schedules), ``averaging`` (exponentially weighted
and Polyak averages), ``landscapes`` (test functions and ``trajectory``), ``second_order``
(Newton, L-BFGS), ``nn`` (layers and ``MultiLayerNet``), ``data`` (digits, MNIST,
mini-batches), ``train`` (the training loop), ``search`` (hyperparameter search) and
``ensembles`` (snapshot ensembles).
"""

from . import (
    averaging,
    data,
    ensembles,
    landscapes,
    nn,
    schedules,
    search,
    second_order,
    train,
)
from .rules import *  # noqa: F403  (the update rules; rules.__all__ lists them)
from .rules import __all__ as _rules_all

__all__ = [
    *_rules_all,
    "averaging",
    "data",
    "ensembles",
    "landscapes",
    "nn",
    "schedules",
    "search",
    "second_order",
    "train",
]
__version__ = "0.1.0"
