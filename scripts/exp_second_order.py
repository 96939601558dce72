"""Experiments of chapter 10 (second-order), stored by ``scripts.results`` (no drawing here).

- ``runs()``: the path of gradient descent, Momentum, Adam (30,000 steps each), Newton and
  L-BFGS on the 2-D Rosenbrock function from (-1.2, 1) (the table, the path and convergence
  figures);
- ``quadratic_paths()``: Newton against 30 steps of gradient descent (lr 0.95) on x²/20 + y²;
- ``noisy_comparison(seed)``: L-BFGS and Adam (lr 0.01, 5000 steps) on the Rosenbrock function
  with N(0, 0.1²) gradient noise; seed 0 is the page's code block;
- ``lbfgs_memory()``: L-BFGS on the 100-dimensional Rosenbrock function with m = 1, 3, 10, 30
  (exercise 3's code block).

All runs but the noisy ones are deterministic. ``numbers()`` gives the page's ``{{ }}``
numbers; ``tests/chapters/test_ch_second_order.py`` checks the claims made with them.
"""

from __future__ import annotations

import warnings

import numpy as np

from optimizers import SGD, Adam, Momentum, landscapes, second_order
from scripts.results import experiment, numbers

THRESHOLD = 1e-8  # "reached the minimum": f below this value
FIRST_ORDER_STEPS = 30_000
FIRST_ORDER = {  # name -> (optimizer factory, label)
    "gradient descent": (lambda: SGD(lr=1e-3), "GD, lr = 0.001"),
    "Momentum": (lambda: Momentum(lr=1e-3, momentum=0.9), "Momentum, lr = 0.001"),
    "Adam": (lambda: Adam(lr=1e-2), "Adam, lr = 0.01"),
}


@experiment
def runs() -> dict[str, np.ndarray]:
    """The path of every method on the 2-D Rosenbrock function from (-1.2, 1)."""
    f = landscapes.rosenbrock()
    paths = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a first-order run must not diverge
        for name, (make, _) in FIRST_ORDER.items():
            paths[name] = landscapes.trajectory(make(), f, None, FIRST_ORDER_STEPS)
    paths["Newton"] = second_order.newton(f).path
    paths["L-BFGS"] = second_order.lbfgs(f).path
    return paths


def first_below(values: np.ndarray, threshold: float = THRESHOLD) -> int | None:
    """First iteration at which f < threshold (None if never)."""
    hits = np.nonzero(np.asarray(values) < threshold)[0]
    return int(hits[0]) if len(hits) else None


def run_values(name: str) -> np.ndarray:
    """f along one stored run of ``runs()``."""
    return landscapes.rosenbrock().value(runs()[name].T)


@experiment
def quadratic_paths() -> dict[str, np.ndarray]:
    """x²/20 + y² from (-7, 2): 30 steps of gradient descent (lr 0.95) and Newton's path."""
    q = landscapes.ill_conditioned()
    return {
        "gradient descent": landscapes.trajectory(SGD(lr=0.95), q, None, 30),
        "Newton": second_order.newton(q).path,
    }


# ----------------------------------------------------------------------------- noisy gradients

NOISE_SIGMA = 0.1
NOISY_ADAM_STEPS = 5000
NOISE_SEEDS = tuple(range(12))  # the page's seed 0 and others, for the claims' bands


@experiment
def noisy_comparison(seed: int = 0) -> dict:
    """L-BFGS and Adam (lr 0.01, 5000 steps) with N(0, 0.1²) noise on the Rosenbrock gradient.

    With seed 0, exactly the page's code block (one noise stream per method, both seed 0).
    """
    f = landscapes.rosenbrock()
    result = second_order.lbfgs(landscapes.with_gradient_noise(f, NOISE_SIGMA, seed=seed))
    noisy = landscapes.with_gradient_noise(f, NOISE_SIGMA, seed=seed)
    path = landscapes.trajectory(Adam(lr=0.01), noisy, None, NOISY_ADAM_STEPS)
    return {
        "lbfgs_iterations": result.iterations,
        "lbfgs_f": float(result.fun),
        "lbfgs_converged": bool(result.converged),
        "lbfgs_message": result.message,
        "adam_f": float(f.value(path[-1])),
    }


# ----------------------------------------------------------------------------- exercise 3

MEMORY_DIM = 100
MEMORY_SIZES = (1, 3, 10, 30)
MEMORY_MAX_ITER = 5000


@experiment
def lbfgs_memory() -> dict[int, tuple[int, int]]:
    """L-BFGS on the 100-D Rosenbrock function: m -> (iterations, evaluations)."""
    f = landscapes.rosenbrock(MEMORY_DIM)
    out = {}
    for m in MEMORY_SIZES:
        result = second_order.lbfgs(f, m=m, max_iter=MEMORY_MAX_ITER)
        out[m] = (result.iterations, result.evaluations)
    return out


# ----------------------------------------------------------------------------- page numbers


def point(p) -> str:
    """A 2-D point as the page writes it, with a typographic minus: ``(0.76, −3.18)``."""
    return "(" + ", ".join(f"{v:.2f}".replace("-", "\u2212") for v in p) + ")"


@numbers("second-order")
def page_numbers() -> dict:
    """The numbers chapter 10 states about these runs (prose, table, alt texts, outputs)."""
    values = {
        "gd_iters": first_below(run_values("gradient descent")),
        "momentum_iters": first_below(run_values("Momentum")),
        "adam_iters": first_below(run_values("Adam")),
        "adam_below_1e20": first_below(run_values("Adam"), 1e-20),
    }
    newton, lbfgs = runs()["Newton"], run_values("L-BFGS")
    newton_f = run_values("Newton")
    values["newton_iters"] = first_below(newton_f)
    values["newton_steps"] = len(newton) - 1
    values["newton_step2"] = point(newton[2])
    values["newton_step3"] = point(newton[3])
    values["newton_f2"] = float(newton_f[2])
    values["lbfgs_steps"] = len(lbfgs) - 1
    values["lbfgs_f_last"] = f"{lbfgs[-1]:.0e}".replace("-", "\u2212")  # "9e−16"

    noisy = noisy_comparison(0)
    values["noisy_lbfgs_iterations"] = noisy["lbfgs_iterations"]
    values["noisy_lbfgs_f"] = noisy["lbfgs_f"]
    values["noisy_lbfgs_converged"] = str(noisy["lbfgs_converged"])
    values["noisy_lbfgs_reason"] = noisy["lbfgs_message"].split(":")[0]
    values["noisy_adam_f"] = noisy["adam_f"]
    values["noisy_ratio"] = noisy["lbfgs_f"] / noisy["adam_f"]

    for m, (iterations, evaluations) in lbfgs_memory().items():
        values[f"memory_m{m}_iters"] = iterations
        values[f"memory_m{m}_evals"] = evaluations
    return values
