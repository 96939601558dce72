"""Experiments of chapter 9 (landscape), stored by ``scripts.results`` (no drawing here).

- ``flat_spot_paths()``: gradient descent (lr 0.1) on x³ from 1 and from -0.3, and on the
  plateau 1 - exp(-x²) from 2.5 (the 1-D figure);
- ``positive_fractions()``: how often a random symmetric (GOE) matrix is positive definite, for
  n = 1 to 5 (200,000 samples each; the page's code block, same seed and order of draws);
  ``positive_definite_counts(n, seeds)`` counts the same for one n over other seeds;
- ``negative_fractions()``: the fraction of negative eigenvalues of 1000 GOE matrices of each
  size n = 2, 10, 100;
- ``plateau_paths()`` and ``plateau_table()``: SGD, Momentum and Adam (lr 0.1) leaving the
  plateau of 1 - exp(-x²): the losses from 2.5, and the steps until f < 0.5 per start;
- ``saddle_paths()``: SGD, Momentum, RMSProp and Adam (lr 0.01) at the saddle of x² - y²;
- ``sharp_flat_table()``, ``sharp_flat_sweep()`` and ``sharp_flat_ends()``: 1000 runs from
  starts spread over (-4, 4) on ``landscapes.sharp_and_flat()`` (a sharp and a flat minimum of
  equal depth), 2000 steps each, with SGD, SGD with gradient noise (sigma 2) and Momentum
  (0.9): the share that ends in the flat minimum per learning rate (the page's table and the
  figure), and where each start ends; ``sharp_flat_noise_seeds()`` the noisy column for other
  seeds.

The 2-D and 1-D runs are deterministic (no seed), except the noisy runs on the two minima;
the GOE samples and the gradient noise are seeded. The test
functions that ``optimizers.landscapes`` does not have (the plateau, the 2-D function with two
valleys) are defined here as ``Landscape`` subclasses; the page defines the plateau the same
way. ``numbers()`` gives the page's ``{{ }}`` numbers; ``tests/chapters/test_ch_landscape.py``
checks the claims made with them.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits  # one BLAS thread for small matrices

from optimizers import SGD, Adam, Momentum, RMSProp, landscapes
from scripts.results import experiment, numbers

# ----------------------------------------------------------------------------- test functions


class Plateau2D(landscapes.Landscape):
    """``f(x, y) = 1 - exp(-(x**2 + y**2))``: a round well in a wide flat plain."""

    def __init__(self) -> None:
        super().__init__(
            "1 - exp(-(x² + y²))", 2, start=[2.5, 1.0], minimum=[0, 0], xlim=(-3, 3), ylim=(-3, 3)
        )

    def _value(self, x):
        return 1.0 - np.exp(-(x[0] ** 2) - x[1] ** 2)

    def _gradient(self, x):
        e = np.exp(-(x[0] ** 2) - x[1] ** 2)
        return np.stack([2.0 * x[0] * e, 2.0 * x[1] * e])

    def _hessian(self, x):  # not needed by the figures
        raise NotImplementedError


class TwoValleys(landscapes.Landscape):
    """``f(x, y) = x**4/4 + x**3/3 - x**2 + y**2``: chapter 1's 1-D function with a y valley.

    Global minimum (-2, 0), local minimum (1, 0), saddle point (0, 0) between them.
    """

    def __init__(self) -> None:
        super().__init__(
            "x⁴/4 + x³/3 - x² + y²",
            2,
            start=[2.0, 1.0],
            minimum=[-2.0, 0.0],
            xlim=(-2.8, 2.0),
            ylim=(-1.5, 1.5),
            local_minima=[[1.0, 0.0]],
        )

    def _value(self, x):
        return x[0] ** 4 / 4 + x[0] ** 3 / 3 - x[0] ** 2 + x[1] ** 2

    def _gradient(self, x):
        return np.stack([x[0] ** 3 + x[0] ** 2 - 2 * x[0], 2 * x[1]])

    def _hessian(self, x):  # not needed by the figures
        raise NotImplementedError


def cubic() -> landscapes.Polynomial1D:
    """``f(x) = x**3``: f' = f'' = 0 at 0, the one-dimensional cousin of a saddle."""
    return landscapes.Polynomial1D([0.0, 0.0, 0.0, 1.0], name="x³", start=[1.0], xlim=(-1.3, 1.3))


# ----------------------------------------------------------------------------- 1-D

FLAT_LR = 0.1


@experiment
def flat_spot_paths() -> dict[str, np.ndarray]:
    """Gradient descent (lr 0.1) in the 1-D figure: x³ from 1 (60 steps) and from -0.3 (6 steps),
    and 1 - exp(-x²) from 2.5 (300 steps). Returns the x coordinates along each path."""
    g, h = cubic(), landscapes.plateau()
    return {
        "cubic_right": landscapes.trajectory(SGD(lr=FLAT_LR), g, [1.0], 60)[:, 0],
        "cubic_left": landscapes.trajectory(SGD(lr=FLAT_LR), g, [-0.3], 6)[:, 0],
        "plateau": landscapes.trajectory(SGD(lr=FLAT_LR), h, [2.5], 300)[:, 0],
    }


# ----------------------------------------------------------------------------- random Hessians

DIMENSIONS = tuple(range(1, 6))
SAMPLES = 200_000
INDEX_DIMENSIONS = (2, 10, 100)
INDEX_SAMPLES = 1000


def goe(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random symmetric n x n matrices (G + G^T) / 2, G with N(0, 1) entries (GOE)."""
    G = rng.standard_normal((count, n, n))
    return (G + np.swapaxes(G, 1, 2)) / 2


@experiment
def positive_fractions(seed: int = 0) -> dict[int, float]:
    """Fraction of GOE matrices whose eigenvalues are all positive, per dimension 1 to 5.

    With seed 0, the same numbers as the page's code block (same seed, same order of draws).
    """
    rng = np.random.default_rng(seed)
    fractions = {}
    with threadpool_limits(1):
        for n in DIMENSIONS:
            H = goe(n, SAMPLES, rng)
            fractions[n] = float(np.mean(np.linalg.eigvalsh(H)[:, 0] > 0))
    return fractions


@experiment
def positive_definite_counts(n: int, seeds: tuple[int, ...]) -> dict[int, int]:
    """Per seed, how many of SAMPLES GOE matrices of size n are positive definite."""
    counts = {}
    with threadpool_limits(1):
        for seed in seeds:
            H = goe(n, SAMPLES, np.random.default_rng(seed))
            counts[seed] = int(np.sum(np.linalg.eigvalsh(H)[:, 0] > 0))
    return counts


BEYOND = 6  # the dimension after the page's last one
BEYOND_SEEDS = tuple(range(10))


@experiment
def negative_fractions(seed: int = 1) -> dict[int, np.ndarray]:
    """Per dimension, the fraction of negative eigenvalues of each of INDEX_SAMPLES GOE matrices."""
    rng = np.random.default_rng(seed)
    out = {}
    with threadpool_limits(1):
        for n in INDEX_DIMENSIONS:
            out[n] = np.mean(np.linalg.eigvalsh(goe(n, INDEX_SAMPLES, rng)) < 0, axis=1)
    return out


# ----------------------------------------------------------------------------- plateau

PLATEAU_LR = 0.1
PLATEAU_STARTS = (1.5, 2.0, 2.5, 3.0)
PLATEAU_CURVE_STEPS = 400


def plateau_optimizers():
    return {
        "SGD": SGD(lr=PLATEAU_LR),
        "Momentum": Momentum(lr=PLATEAU_LR, momentum=0.9),
        "Adam": Adam(lr=PLATEAU_LR),
    }


def steps_to_leave(path: np.ndarray, f, level: float = 0.5) -> int | None:
    """First step at which f falls below ``level`` (None if it never does)."""
    below = np.nonzero(f.value(path.T) < level)[0]
    return int(below[0]) if len(below) else None


@experiment
def plateau_paths() -> dict[str, np.ndarray]:
    """f along each optimizer's first 400 steps from x = 2.5 (the figure's left panel)."""
    f = landscapes.plateau()
    return {
        name: f.value(landscapes.trajectory(optimizer, f, [2.5], PLATEAU_CURVE_STEPS).T)
        for name, optimizer in plateau_optimizers().items()
    }


@experiment
def plateau_table() -> dict[str, dict[float, int | None]]:
    """Steps until f < 0.5 on 1 - exp(-x²), per optimizer and start."""
    f = landscapes.plateau()
    table = {}
    for name in plateau_optimizers():
        table[name] = {}
        for start in PLATEAU_STARTS:
            path = landscapes.trajectory(plateau_optimizers()[name], f, [start], 5000)
            table[name][start] = steps_to_leave(path, f)
    return table


# ----------------------------------------------------------------------------- saddle

SADDLE_LR = 0.01
SADDLE_STEPS = 400
SADDLE_NAMES = ("SGD", "Momentum", "RMSProp", "Adam")


def saddle_optimizers():
    return {
        "SGD": SGD(lr=SADDLE_LR),
        "Momentum": Momentum(lr=SADDLE_LR, momentum=0.9),
        "RMSProp": RMSProp(lr=SADDLE_LR, decay_rate=0.99),
        "Adam": Adam(lr=SADDLE_LR),
    }


@experiment
def saddle_paths() -> dict[str, np.ndarray]:
    """The four paths from (-1.5, 0.001) on x² - y², 400 steps each."""
    f = landscapes.saddle()
    return {
        name: landscapes.trajectory(opt, f, None, SADDLE_STEPS)
        for name, opt in saddle_optimizers().items()
    }


def inside(points: np.ndarray, box: float = 2.0) -> np.ndarray:
    """The path up to (and including) the first point outside [-box, box]^2."""
    out = np.nonzero(np.max(np.abs(points), axis=1) > box)[0]
    return points if len(out) == 0 else points[: out[0] + 1]


def escape_step(points: np.ndarray, level: float = 1.0) -> int | None:
    """First step with |y| > level: the path has left the saddle along y."""
    out = np.nonzero(np.abs(points[:, 1]) > level)[0]
    return int(out[0]) if len(out) else None


# ----------------------------------------------------------------------------- sharp and flat

SHARP_STARTS = np.linspace(-4.0, 4.0, 1001)[:-1] + 0.004  # 1000 starts, one per 0.008
SHARP_STEPS = 2000
SHARP_SIGMA = 2.0
SHARP_MOMENTUM = 0.9
SHARP_METHODS = ("SGD", "SGD + noise", "Momentum")
SHARP_TABLE_LRS = (0.02, 0.05, 0.1, 0.12, 0.15, 0.2)
SHARP_SWEEP_LRS = (0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12)
SHARP_SWEEP_LRS += (0.13, 0.14, 0.15, 0.17, 0.2, 0.22, 0.23, 0.25, 0.27, 0.3)  # not 2/16
SHARP_STRIPS = (("SGD", 0.05), ("SGD", 0.12), ("SGD", 0.15), ("Momentum", 0.05))
SHARP_ENDS = (*SHARP_STRIPS, ("Momentum", 0.15), ("Momentum", 0.2))  # the last two for the tests
NOISE_SEEDS = tuple(range(10))


def sharp_flat_run(method: str, lr: float, seed: int = 0) -> np.ndarray:
    """Where the 1000 runs end after SHARP_STEPS steps (all updated at once, as one array).

    The same computation as the page's code block: the parameter is the row of all starts,
    shape (1, 1000); "SGD + noise" takes its gradients from ``with_gradient_noise(f, 2, seed)``.
    """
    f = landscapes.sharp_and_flat()
    if method == "Momentum":
        optimizer, source = Momentum(lr=lr, momentum=SHARP_MOMENTUM), f
    else:
        optimizer = SGD(lr=lr)
        noisy = method == "SGD + noise"
        source = landscapes.with_gradient_noise(f, SHARP_SIGMA, seed=seed) if noisy else f
    params = {"x": SHARP_STARTS[None].copy()}
    for _ in range(SHARP_STEPS):
        optimizer.update(params, {"x": source.gradient(params["x"])})
    return params["x"][0]


def share_flat(ends: np.ndarray) -> float:
    """The share of runs that end outside the narrow well (in the flat one)."""
    return float(np.mean(~landscapes.sharp_and_flat().in_sharp_well(ends[None])))


@experiment
def sharp_flat_table() -> dict[str, dict[float, float]]:
    """Share of runs ending in the flat minimum, per method and learning rate of the table."""
    return {
        method: {lr: share_flat(sharp_flat_run(method, lr)) for lr in SHARP_TABLE_LRS}
        for method in SHARP_METHODS
    }


@experiment
def sharp_flat_sweep() -> dict[str, np.ndarray]:
    """The same share over SHARP_SWEEP_LRS (the figure's right panel)."""
    return {
        method: np.array([share_flat(sharp_flat_run(method, lr)) for lr in SHARP_SWEEP_LRS])
        for method in SHARP_METHODS
    }


@experiment
def sharp_flat_ends() -> dict[tuple[str, float], np.ndarray]:
    """Where every start ends, per (method, learning rate): the figure's strips and two more."""
    return {(method, lr): sharp_flat_run(method, lr) for method, lr in SHARP_ENDS}


@experiment
def sharp_flat_noise_seeds(seeds: tuple[int, ...] = NOISE_SEEDS) -> dict[int, dict[float, float]]:
    """The noisy column of the table for other seeds of the gradient noise."""
    return {
        seed: {lr: share_flat(sharp_flat_run("SGD + noise", lr, seed)) for lr in SHARP_TABLE_LRS}
        for seed in seeds
    }


def mean_height(lr: float, curvature: float, sigma: float = SHARP_SIGMA) -> float:
    """Chapter 1's average loss of SGD with noise in a well: lr sigma^2 / (2 (2 - lr curvature))."""
    return lr * sigma**2 / (2 * (2 - lr * curvature))


# ----------------------------------------------------------------------------- page numbers


@numbers("landscape")
def page_numbers() -> dict:
    """The numbers chapter 9 states about these experiments (prose and alt texts)."""
    values = {"cubic_x60": float(flat_spot_paths()["cubic_right"][-1])}

    fractions = positive_fractions()
    values["pd5_frac"] = fractions[5]
    values["pd5_count"] = round(fractions[5] * SAMPLES)
    negative = negative_fractions()
    values["n2_none_pct"] = 100 * float(np.mean(negative[2] == 0))
    values["n100_min_pct"] = 100 * float(negative[100].min())
    values["n100_max_pct"] = 100 * float(negative[100].max())

    table = plateau_table()
    short = {"SGD": "sgd", "Momentum": "momentum", "Adam": "adam"}
    for name, key in short.items():
        for start in (1.5, 3.0):
            values[f"plateau_{key}_{start:g}".replace(".", "_")] = table[name][start]
        values[f"plateau_{key}_curve"] = int(np.argmax(plateau_paths()[name] < 0.5))

    paths = saddle_paths()
    for name in SADDLE_NAMES:
        values[f"escape_{name.lower()}"] = escape_step(paths[name])
        # when it leaves the animation's square, rounded to ten steps ("near step 80")
        values[f"leave_{name.lower()}_approx"] = int(round(len(inside(paths[name])) - 1, -1))
    values["rmsprop_y1"] = float(paths["RMSProp"][1, 1])
    values["adam_y_01_step"] = int(np.argmax(np.abs(paths["Adam"][:, 1]) > 0.1))

    table = sharp_flat_table()  # percentages that end in the flat minimum
    quoted = {"SGD": (0.1, 0.12), "SGD + noise": (0.05, 0.1), "Momentum": (0.15, 0.2)}
    for method, key in (("SGD", "sgd"), ("SGD + noise", "noisy"), ("Momentum", "momentum")):
        for lr in quoted[method]:
            values[f"flat_{key}_{lr:g}".replace(".", "_")] = 100 * table[method][lr]
    below = [table["Momentum"][lr] for lr in SHARP_TABLE_LRS if lr <= 0.1]
    values["flat_momentum_min"] = 100 * min(below)
    values["flat_momentum_max"] = 100 * max(below)
    return values
