"""Experiments of chapter 12 (batchnorm), stored by ``scripts.results`` (no drawing here).

- ``clouds()``: two classes of 100 points in 2-D, far from the origin (seeded, a plain helper);
  ``classifier()``: a logistic-regression boundary fitted to the normalized points and written
  for the raw ones too (a stored experiment); ``accuracy_by_angle()``: its accuracy when its
  weight vector is turned by -20 to 20 degrees, raw and normalized (cheap arithmetic on the
  stored classifier);
- ``layer_outputs(scale, batchnorm)``: the outputs of five ReLU layers for random Gaussian
  inputs, with and without batch norm (one forward pass of a seeded network, a plain helper;
  the page's code block prints the same numbers);
- ``digits_run(scale, batchnorm, lr, iterations, every)``: the five hidden ReLU layers trained
  on the digits with SGD, batch 128; ``scale_sweep()`` gathers the 32 runs of the weight-scale
  sweep (16 scales from 1 to 1e-4, lr 0.01, 200 iterations), ``lr_sweep()`` the 12 runs of the
  learning-rate sweep (He initialization, 200 iterations);
- ``shared_statistics(per_channel)``: which outputs of a BN layer move when one entry of a small
  random (N, C, H, W) batch changes, for BN per channel and for BN per feature of the flattened
  images (a plain helper; the figure of the section on convolutional layers).

``page_numbers()`` gives the page's ``{{ }}`` numbers; ``tests/chapters/test_ch_batchnorm.py``
checks the claims made with them.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np

from optimizers import SGD
from optimizers.data import Dataset, load_digits
from optimizers.nn import BatchNorm, MultiLayerNet
from optimizers.train import History, train
from scripts.results import experiment, numbers

HIDDEN = [100] * 5  # five hidden layers of 100 ReLU units, as in chapter 11

# The weight-scale sweep (the classic experiment: 16 scales from 1 to 1e-4, SGD lr 0.01).
SCALES = np.logspace(0, -4, 16)
SWEEP_LR, SWEEP_ITERATIONS, SWEEP_EVAL = 0.01, 200, 20
# The learning-rate sweep (He initialization, 200 iterations).
LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
LR_ITERATIONS = 200
BATCH = 128
ANGLE = 2.0  # degrees: how far the boundary is turned in the sensitivity figure
ANGLES = np.linspace(-20, 20, 161)  # the angles of the sensitivity curve
TRAINS = 0.9  # a run "trains" when its final training accuracy reaches 90%


# ------------------------------------------------------------------------------- preprocessing


@cache
def clouds() -> tuple[np.ndarray, np.ndarray]:
    """Two classes of 100 points each, far from the origin and with very different spreads."""
    rng = np.random.default_rng(0)
    chol = np.linalg.cholesky(np.array([[4.0, 0.45], [0.45, 0.09]]))
    x0 = rng.standard_normal((100, 2)) @ chol.T + [19.5, 4.5]
    x1 = rng.standard_normal((100, 2)) @ chol.T + [20.5, 3.9]
    return np.vstack([x0, x1]), np.repeat([0, 1], 100)


def normalize(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=0)) / x.std(axis=0)


@experiment
def classifier() -> tuple[np.ndarray, float, np.ndarray, float]:
    """A linear classifier w.x + c > 0 fitted (logistic regression) on the normalized points,
    and the same classifier written for the raw points: (w, c, w_raw, c_raw)."""
    x, t = clouds()
    xn = normalize(x)
    empty = np.zeros((0, 2))
    data = Dataset(xn, t, empty, t[:0], empty, t[:0], 2, "clouds")
    net = MultiLayerNet(2, [], 2, weight_init_std=0.01, seed=0)  # softmax regression
    train(net, SGD(lr=0.5), data, iterations=2000, batch_size=None, progress=False)
    W, b = net.params["W1"], net.params["b1"]
    w, c = W[:, 1] - W[:, 0], float(b[1] - b[0])
    mu, sd = x.mean(axis=0), x.std(axis=0)
    return w, c, w / sd, c - float(np.sum(w * mu / sd))


def rotate(w: np.ndarray, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ w


def accuracy(x: np.ndarray, t: np.ndarray, w: np.ndarray, c: float) -> float:
    return float(((x @ w + c > 0) == t).mean())


def accuracy_by_angle() -> dict[str, np.ndarray]:
    """Accuracy of the classifier turned by each of ANGLES, on the raw and normalized points."""
    x, t = clouds()
    w, c, w_raw, c_raw = classifier()
    xn = normalize(x)
    return {
        "raw": np.array([accuracy(x, t, rotate(w_raw, a), c_raw) for a in ANGLES]),
        "normalized": np.array([accuracy(xn, t, rotate(w, a), c) for a in ANGLES]),
    }


# ------------------------------------------------------------------------- batch normalization


@cache
def layer_outputs(scale: float, batchnorm: bool) -> list[np.ndarray]:
    """Outputs of the five ReLU layers for 1000 x 100 Gaussian inputs (seed 0), batch norm in
    training mode (normalized with the statistics of these 1000 examples)."""
    x = np.random.default_rng(0).standard_normal((1000, 100))
    net = MultiLayerNet(100, HIDDEN, 10, weight_init_std=scale, use_batchnorm=batchnorm, seed=0)
    return net.activations(x, train=True)


@experiment
def digits_run(
    scale: float | str, batchnorm: bool, lr: float, iterations: int, every: int, seed: int = 0
) -> History:
    """Five hidden ReLU layers on the digits, SGD(lr), batch 128; ``seed`` seeds the weights and
    the batches (the figures use 0)."""
    data = load_digits()
    net = MultiLayerNet(
        data.input_size, HIDDEN, 10, weight_init_std=scale, use_batchnorm=batchnorm, seed=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some runs diverge; the history says so
        return train(
            net,
            SGD(lr=lr),
            data,
            iterations=iterations,
            batch_size=BATCH,
            seed=seed,
            eval_every=every,
            progress=False,
        )


def scale_sweep() -> dict[tuple[float, bool], History]:
    """(scale, batchnorm) -> history, for the 16 scales, SGD lr 0.01, 200 iterations."""
    return {
        (float(s), bn): digits_run(float(s), bn, SWEEP_LR, SWEEP_ITERATIONS, SWEEP_EVAL)
        for s in SCALES
        for bn in (False, True)
    }


def lr_run(lr: float, batchnorm: bool, seed: int = 0) -> History:
    """One run of the learning-rate sweep: He initialization, 200 iterations."""
    return digits_run("he", batchnorm, lr, LR_ITERATIONS, LR_ITERATIONS, seed)


def lr_sweep() -> dict[tuple[float, bool], History]:
    """(lr, batchnorm) -> history, He initialization, 200 iterations."""
    return {(lr, bn): lr_run(lr, bn) for lr in LRS for bn in (False, True)}


def final_loss(history: History, last: int = 20) -> float:
    """Mean mini-batch loss of the last iterations; inf when training diverged."""
    if history.diverged:
        return float("inf")
    return float(np.mean(history.loss[-last:]))


def final_acc(history: History) -> float:
    """Final training accuracy; 0 for a run that diverged."""
    return 0.0 if history.diverged else history.train_acc[-1]


def training_scales(batchnorm: bool) -> list[float]:
    """The scales of the sweep whose run reaches TRAINS training accuracy, largest first."""
    runs = scale_sweep()
    return [float(s) for s in SCALES if final_acc(runs[(float(s), batchnorm)]) >= TRAINS]


# ---------------------------------------------------------- batch norm in convolutional layers

CONV_SHAPE = (4, 3, 2, 3)  # (N, C, H, W): 4 images of 3 channels of 2 x 3 positions
MARKED = (1, 1, 0, 2)  # the entry that is changed: image 2, channel 2, row 1, column 3


def shared_statistics(per_channel: bool) -> np.ndarray:
    """Which outputs of a BN layer (training mode) move when the input entry MARKED grows by 1,
    on a random batch of CONV_SHAPE: the layer normalizing each channel over (N, H, W), or the
    dense layer applied to the flattened images (one feature per channel and position, each
    normalized over N only). A boolean array of CONV_SHAPE."""
    x = np.random.default_rng(0).standard_normal(CONV_SHAPE)
    n, c, h, w = CONV_SHAPE
    d = c if per_channel else c * h * w

    def out(z: np.ndarray) -> np.ndarray:
        bn = BatchNorm(np.ones(d), np.zeros(d))
        return bn.forward(z if per_channel else z.reshape(n, d)).reshape(CONV_SHAPE)

    nudged = x.copy()
    nudged[MARKED] += 1.0
    return np.abs(out(nudged) - out(x)) > 1e-9


@numbers("batchnorm")
def page_numbers() -> dict:
    """The numbers chapter 12 states about the classifier and the two sweeps."""
    acc = accuracy_by_angle()
    far = np.abs(ANGLES) >= ANGLE
    scales = scale_sweep()
    good = training_scales(True)
    runs = lr_sweep()
    plain = {lr: final_loss(runs[(lr, False)]) for lr in LRS}
    bn = {lr: final_loss(runs[(lr, True)]) for lr in LRS}
    best = min(bn, key=bn.get)
    return {
        # the classifier turned by an angle (degrees)
        "raw_acc": float(acc["raw"][ANGLES == 0][0]),
        "raw_far": float(np.mean(acc["raw"][far])),
        "norm_min": float(acc["normalized"].min()),
        "norm_max": float(acc["normalized"].max()),
        # the weight-scale sweep: final training accuracies, and the scales that train
        "plain_0_29_acc": final_acc(scales[(float(SCALES[2]), False)]),
        "plain_0_16_acc": final_acc(scales[(float(SCALES[3]), False)]),
        "plain_0_086_acc": final_acc(scales[(float(SCALES[4]), False)]),
        "bn_1_acc": final_acc(scales[(float(SCALES[0]), True)]),
        "bn_0_54_acc": final_acc(scales[(float(SCALES[1]), True)]),
        "bn_0_0001_acc": final_acc(scales[(float(SCALES[-1]), True)]),
        "bn_good_count": len(good),
        "bn_good_largest": f"{good[0]:.2g}",
        "bn_good_smallest": f"{good[-1]:.2g}",
        "plain_good_count": len(training_scales(False)),
        # the learning-rate sweep: mean loss of the last 20 iterations, training accuracy
        "plain_lr0_01_loss": plain[0.01],
        "plain_lr0_3_loss": plain[0.3],
        "plain_lr1_loss": plain[1.0],
        "plain_lr1_acc": runs[(1.0, False)].train_acc[-1],
        "plain_lr3_updates": runs[(3.0, False)].iterations,
        "bn_lr0_01_loss": bn[0.01],
        "bn_best_lr": f"{best:g}",
        "bn_best_loss": bn[best],
        "bn_lr3_loss": bn[3.0],
        "bn_lr3_acc": runs[(3.0, True)].train_acc[-1],
        "plain_lr0_01_acc": runs[(0.01, False)].train_acc[-1],
        "bn_lr0_01_acc": runs[(0.01, True)].train_acc[-1],
    }
