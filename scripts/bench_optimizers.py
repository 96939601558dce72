"""Time one step of each update rule in numpy (``optimizers``) and in torch.optim.

Usage::

    .venv/bin/python scripts/bench_optimizers.py            # the full benchmark (a minute or two)
    .venv/bin/python scripts/bench_optimizers.py --quick    # small sizes, a few seconds
    .venv/bin/python scripts/bench_optimizers.py --rules Adam SGD --repeats 21

Cases, all float32: (a) one array of 10M numbers; (b) 200 arrays of 50k numbers. For each rule
it times, interleaved in the same process, ``opt.update(params, grads)`` of ``optimizers`` and
``opt.step()`` of the torch.optim counterpart on its default CPU path, with ``foreach=True``
and with ``fused=True`` (where torch has it), and prints the medians in ms and the ratios
numpy/torch. It also prints the per-call cost on tiny inputs (Adam on two 0-d arrays, the 2-D
demos' case). It is a benchmark, not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizers import base, rules  # noqa: E402

try:
    import torch
except ImportError:  # the numpy column still runs
    torch = None

# rule -> (our constructor arguments, torch class name, torch arguments): the same mathematics
RULES = {
    "SGD": ({"lr": 0.01}, "SGD", {"lr": 0.01}),
    "Momentum": ({"lr": 0.01, "momentum": 0.9}, "SGD", {"lr": 0.01, "momentum": 0.9}),
    "Nesterov": (
        {"lr": 0.01, "momentum": 0.9},
        "SGD",
        {"lr": 0.01, "momentum": 0.9, "nesterov": True},
    ),
    "AdaGrad": ({"lr": 0.01, "eps": 1e-7}, "Adagrad", {"lr": 0.01, "eps": 1e-7}),
    "RMSProp": ({"lr": 0.01}, "RMSprop", {"lr": 0.01, "alpha": 0.99, "eps": 1e-7}),
    "AdaDelta": ({}, "Adadelta", {"lr": 1.0, "rho": 0.95, "eps": 1e-6}),
    "Adam": ({}, "Adam", {"lr": 0.001, "eps": 1e-7}),
    "AdamW": ({}, "AdamW", {"lr": 0.001, "eps": 1e-7, "weight_decay": 0.01}),
    "Nadam": ({}, "NAdam", {"lr": 0.002, "eps": 1e-7, "momentum_decay": math.inf}),
    "AMSGrad": ({}, "Adam", {"lr": 0.001, "eps": 1e-7, "amsgrad": True}),
}
TORCH_PATHS = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def environment() -> str:
    """What the numbers depend on: versions, BLAS, threads, CPU."""
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {torch.__version__}" if torch else ", torch not installed"),
        f"CPU: {platform.processor() or platform.machine()}, os.cpu_count() = {os.cpu_count()}",
    ]
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    lines.append(f"numpy BLAS: {blas.get('name')} {blas.get('version')}")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"  threadpool: {pool['internal_api']} {pool.get('version')} "
                f"({pool.get('architecture')}), {pool['num_threads']} threads"
            )
    except ImportError:
        pass
    env = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE"]
    lines.append("env: " + ", ".join(f"{k}={os.environ.get(k, '-')}" for k in env))
    if torch:
        lines.append(f"torch threads: {torch.get_num_threads()} (intra-op)")
    lines.append(
        f"numpy: one thread, NumPy ufuncs on blocks of {base.BLOCK_BYTES // 1024} KiB "
        "(no BLAS call); torch: its intra-op threads"
    )
    return "\n".join(lines)


def make_case(sizes: list[int], seed: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    params = {f"p{i}": rng.standard_normal(n, dtype=np.float32) for i, n in enumerate(sizes)}
    grads = {k: rng.standard_normal(v.size, dtype=np.float32) for k, v in params.items()}
    return params, grads


def numpy_step(rule: str, params: dict, grads: dict) -> Callable[[], None]:
    ours, _, _ = RULES[rule]
    opt = getattr(rules, rule)(**ours)
    mine = {k: v.copy() for k, v in params.items()}
    opt.update(mine, grads)  # creates the state
    return lambda: opt.update(mine, grads)


def torch_step(rule: str, path: str, params: dict, grads: dict) -> Callable[[], None] | None:
    _, name, kwargs = RULES[rule]
    tensors = []
    for k, v in params.items():
        p = torch.tensor(v, requires_grad=True)
        p.grad = torch.from_numpy(grads[k])
        tensors.append(p)
    try:
        opt = getattr(torch.optim, name)(tensors, **kwargs, **TORCH_PATHS[path])
        opt.step()  # creates the state; raises if this path is not available
    except (RuntimeError, ValueError, TypeError):
        return None
    return opt.step


def interleaved(steps: dict[str, Callable[[], None] | None], repeats: int) -> dict[str, float]:
    """Median ms of each step, timing them in turn so that load changes hit all alike."""
    times: dict[str, list[float]] = {k: [] for k, s in steps.items() if s is not None}
    for _ in range(repeats):
        for k in times:
            t0 = time.perf_counter()
            steps[k]()
            times[k].append(time.perf_counter() - t0)
    return {k: 1e3 * float(np.median(v)) for k, v in times.items()}


def tiny_overhead(repeats: int) -> str:
    """Steps per second of Adam on two 0-d arrays and on two Python floats (2-D demos)."""
    lines = []
    for label, params in [
        ("two 0-d float64 arrays", {"x": np.array(-7.0), "y": np.array(2.0)}),
        ("two Python floats", {"x": -7.0, "y": 2.0}),
    ]:
        opt = rules.Adam(lr=0.1)
        grads = {"x": 0.1, "y": 0.2}
        opt.update(params, grads)
        n = repeats
        t0 = time.perf_counter()
        for _ in range(n):
            opt.update(params, grads)
        dt = (time.perf_counter() - t0) / n
        lines.append(f"  numpy Adam on {label}: {1 / dt:,.0f} steps/s ({1e6 * dt:.1f} us/update)")
    if torch:
        ps = [torch.tensor(-7.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)]
        for p in ps:
            p.grad = torch.tensor(0.1)
        opt = torch.optim.Adam(ps, lr=0.1)
        opt.step()
        n = max(repeats // 10, 10)
        t0 = time.perf_counter()
        for _ in range(n):
            opt.step()
        dt = (time.perf_counter() - t0) / n
        lines.append(f"  torch Adam on two 0-d tensors: {1 / dt:,.0f} steps/s ({1e6 * dt:.1f} us)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps per entry")
    parser.add_argument("--rules", nargs="+", default=list(RULES), choices=list(RULES))
    args = parser.parse_args(argv)
    if args.quick:
        cases = {"(a) 1 x 100k": [100_000], "(b) 20 x 5k": [5_000] * 20}
        repeats = args.repeats or 3
        rule_names = [r for r in args.rules if r in ("SGD", "Momentum", "Adam")]
    else:
        cases = {"(a) 1 x 10M": [10_000_000], "(b) 200 x 50k": [50_000] * 200}
        repeats = args.repeats or 11
        rule_names = args.rules

    print(environment())
    print()
    print("Per-call overhead on tiny inputs:")
    print(tiny_overhead(200 if args.quick else 20_000))
    print()
    paths = list(TORCH_PATHS) if torch else []
    head = ["rule", "case", "numpy ms", *(f"torch {p} ms" for p in paths)]
    head += [f"numpy/torch {p}" for p in paths]
    print(f"float32, median of {repeats} steps (interleaved); n/a: torch has no such path")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for case, sizes in cases.items():
        params, grads = make_case(sizes, seed=0)
        for rule in rule_names:
            steps = {"numpy": numpy_step(rule, params, grads)}
            for p in paths:
                steps[p] = torch_step(rule, p, params, grads)
            ms = interleaved(steps, repeats)
            del steps
            cells = [rule, case, f"{ms['numpy']:.2f}"]
            cells += [f"{ms[p]:.2f}" if p in ms else "n/a" for p in paths]
            cells += [f"{ms['numpy'] / ms[p]:.2f}x" if p in ms else "n/a" for p in paths]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
