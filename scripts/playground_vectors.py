"""Test vectors for the browser playground: paths of the package's rules, written as JSON.

The playground (``docs/assets/playground/optim.js``) re-implements the update rules, the test
functions and three schedules in JavaScript. ``tests/site/test_playground.py`` writes these
vectors into a temporary directory, runs the page's JavaScript on the same cases in Chromium and
compares every point: every rule (and Adam without bias correction, the switch of chapter 6's
figure), on five landscapes, with two hyperparameter sets each, 200 steps; three schedules; and
runs that diverge (the step at which the point stops being finite must agree).

The noisy quadratic is not here: its noise comes from a seeded JavaScript generator, not from
NumPy's.

Usage: ``python -m scripts.playground_vectors OUT.json`` (the test calls ``write(path)``).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from optimizers import landscapes, rules, schedules

STEPS = 200

# The playground's landscape names and the library's functions.
LANDSCAPES = {
    "valley": landscapes.ill_conditioned,
    "rotated": landscapes.rotated,
    "rosenbrock": landscapes.rosenbrock,
    "saddle": landscapes.saddle,
    "local1d": landscapes.local_minimum_1d,
}

RULES = [
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSProp",
    "AdaDelta",
    "Adam",
    "AdamW",
    "Nadam",
    "AMSGrad",
]


class AdamNoBiasCorrection(rules.Adam):
    """Adam with lr_t = lr: the playground's "bias correction off" (chapter 6's figure)."""

    def lr_t(self) -> float:
        return self.lr


# A learning rate per landscape that makes every rule move visibly in 200 steps (the second
# hyperparameter set halves it), and the other hyperparameters of the second set.
LR = {"valley": 0.1, "rotated": 0.1, "rosenbrock": 0.002, "saddle": 0.01, "local1d": 0.03}
LR_ADAPTIVE = {"valley": 0.1, "rotated": 0.1, "rosenbrock": 0.05, "saddle": 0.02, "local1d": 0.1}
ALT = {
    "momentum": 0.5,
    "beta1": 0.8,
    "beta2": 0.99,
    "eps": 1e-3,
    "decay_rate": 0.9,
    "rho": 0.9,
    "weight_decay": 0.1,
}

# The playground's schedules (optim.js SCHEDULES), as the library's factories.
SCHEDULES = {
    "step": lambda lr0, steps: schedules.step(lr0, step_size=max(1, steps // 4), gamma=0.5),
    "inverse_time": lambda lr0, steps: schedules.inverse_time(lr0, decay_rate=0.05),
    "cosine": lambda lr0, steps: schedules.cosine(lr0, T=steps),
}


def make(rule: str, hyper: dict[str, float]):
    cls = AdamNoBiasCorrection if rule == "AdamNoBiasCorrection" else getattr(rules, rule)
    return cls(**hyper)


class Scheduled:
    """An optimizer whose update first sets lr = schedule(t), as ``Scheduler.step()`` does."""

    def __init__(self, optimizer, schedule) -> None:
        self.optimizer = optimizer
        self.scheduler = schedules.Scheduler(optimizer, schedule)

    @property
    def t(self) -> int:
        return self.optimizer.t

    def update(self, params, grads) -> None:
        self.scheduler.step()
        self.optimizer.update(params, grads)


def case(
    rule: str,
    hyper: dict[str, float],
    landscape: str,
    start: list[float] | None = None,
    steps: int = STEPS,
    schedule: str | None = None,
) -> dict[str, Any]:
    """One run of the library: the path, the values along it and where it diverged."""
    f = LANDSCAPES[landscape]()
    opt = make(rule, hyper)
    if schedule is not None:
        opt = Scheduled(opt, SCHEDULES[schedule](hyper["lr"], steps))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="ignore", invalid="ignore"):
            path = landscapes.trajectory(opt, f, start, steps)
            values = [f.value(p) for p in path]
    diverged = [str(w.message) for w in caught if "non-finite" in str(w.message)]
    return {
        "rule": rule,
        "hyper": hyper,
        "landscape": landscape,
        "start": None if start is None else list(start),
        "steps": steps,
        "schedule": schedule,
        "path": path.tolist(),
        "values": values,
        "diverged_at": len(path) if diverged else None,  # the step whose point is not finite
        "message": diverged[0] if diverged else None,
    }


def hyper_sets(rule: str, landscape: str) -> list[dict[str, float]]:
    """The library's defaults with the landscape's learning rate, and a second, different set."""
    defaults = dict(make(rule, {}).state_dict()["hyperparameters"])
    adaptive = rule not in ("SGD", "Momentum", "Nesterov")
    lr = (LR_ADAPTIVE if adaptive else LR)[landscape]
    first = {**defaults, "lr": 1.0 if rule == "AdaDelta" else lr}
    second = {k: ALT.get(k, v) for k, v in first.items()}
    second["lr"] = first["lr"] / 2
    return [first, second]


def vectors() -> list[dict[str, Any]]:
    out = []
    for landscape in LANDSCAPES:
        for rule in [*RULES, "AdamNoBiasCorrection"]:
            for hyper in hyper_sets(rule, landscape):
                out.append(case(rule, hyper, landscape))
    # a start other than the book's
    out.append(case("Adam", {"lr": 0.05}, "rosenbrock", start=[0.5, -0.5]))
    out.append(case("Nesterov", {"lr": 0.2, "momentum": 0.8}, "valley", start=[3.0, -4.0]))
    # schedules
    for schedule in SCHEDULES:
        for rule, hyper in [
            ("SGD", {"lr": 0.5}),
            ("Momentum", {"lr": 0.1, "momentum": 0.9}),
            ("Adam", {"lr": 0.1}),
            ("AdaDelta", {"lr": 1.0}),
        ]:
            out.append(case(rule, hyper, "valley", schedule=schedule))
    # runs that diverge
    out.append(case("SGD", {"lr": 0.01}, "rosenbrock"))
    out.append(case("Momentum", {"lr": 0.005, "momentum": 0.9}, "rosenbrock"))
    out.append(case("SGD", {"lr": 3.0}, "valley", steps=500))
    out.append(case("Nesterov", {"lr": 1.0, "momentum": 0.9}, "local1d"))
    return out


def write(path: Path) -> Path:
    """Write the vectors to ``path`` (JSON; NaN and infinities as JSON's extensions)."""
    path = Path(path)
    path.write_text(json.dumps({"steps": STEPS, "cases": vectors()}), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the JSON file to write")
    out = write(parser.parse_args().out)
    cases = json.loads(out.read_text(encoding="utf-8"))["cases"]
    diverged = sum(c["diverged_at"] is not None for c in cases)
    print(f"{len(cases)} cases ({diverged} diverge) written to {out}")


if __name__ == "__main__":
    main()
