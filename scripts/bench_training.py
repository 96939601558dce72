"""Training speed: the numpy substrate against torch on the CPU, in the same run.

The network is the pages' "5-layer" ReLU net: 784 inputs, four hidden layers of 100 units, 10
outputs, He initialisation, softmax cross-entropy; plain SGD (lr 0.01), batch 128, on random
data with a fixed seed. Both sides start from the same weights and see the same batches; torch
gets as many threads as numpy's BLAS (read with threadpoolctl). Each side is timed over
``--steps`` steps after a warm-up, ``--repeats`` times, and the best time counts (the least
disturbed by other work on the machine). The goal: numpy at least 0.7x torch's steps/s.

    python scripts/bench_training.py            # 200 steps, 3 repeats, float32 and float64
    python scripts/bench_training.py --quick    # 50 steps, 1 repeat
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from optimizers import SGD, nn

SIZES = (784, [100] * 4, 10)


def blas_threads() -> int:
    """Threads of numpy's BLAS (threadpoolctl), or 1 if it cannot tell."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 1
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return int(blas[0]["num_threads"]) if blas else 1


def make_batches(n_batches: int, dtype: type) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [
        (rng.random((128, 784)).astype(dtype), rng.integers(0, 10, 128)) for _ in range(n_batches)
    ]


def time_numpy(net: nn.MultiLayerNet, batches, steps: int, repeats: int) -> tuple[float, float]:
    """Best seconds for ``steps`` SGD steps, and the loss of the last step."""
    opt = SGD(lr=0.01)
    best, loss = np.inf, np.nan
    for r in range(repeats + 1):  # the first round warms up
        start = time.perf_counter()
        for i in range(steps if r else 20):
            x, t = batches[i % len(batches)]
            loss, grads = net.loss_and_gradient(x, t)
            opt.update(net.params, grads)
        if r:
            best = min(best, time.perf_counter() - start)
    return best, loss


def time_torch(torch, net: nn.MultiLayerNet, batches, steps: int, repeats: int, dtype):
    """The same network in torch (weights copied from ``net``), timed like time_numpy."""
    layers = []
    for i in range(1, len(SIZES[1]) + 2):
        linear = torch.nn.Linear(*net.params[f"W{i}"].shape, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(net.params[f"W{i}"].T.copy()))
            linear.bias.copy_(torch.from_numpy(net.params[f"b{i}"]))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    data = [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in batches]
    best, loss = np.inf, None
    for r in range(repeats + 1):
        start = time.perf_counter()
        for i in range(steps if r else 20):
            x, t = data[i % len(data)]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), t)
            loss.backward()
            opt.step()
        if r:
            best = min(best, time.perf_counter() - start)
    return best, loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="50 steps, 1 repeat")
    args = parser.parse_args()
    steps, repeats = (50, 1) if args.quick else (args.steps, args.repeats)

    import torch

    threads = blas_threads()
    torch.set_num_threads(threads)
    print(f"numpy {np.__version__}, torch {torch.__version__}")
    print(f"threads: numpy BLAS {threads}, torch {torch.get_num_threads()}")
    print(
        f"net 784-100-100-100-100-10 ReLU, SGD lr=0.01, batch 128, {steps} steps, best of {repeats}"
    )
    print()
    print("dtype     numpy steps/s   torch steps/s   ratio   final loss numpy / torch")
    for dtype, torch_dtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        batches = make_batches(10, dtype)
        # each side trains its own copy, from the same initial weights
        seconds_np, loss_np = time_numpy(
            nn.MultiLayerNet(*SIZES, seed=0, dtype=dtype), batches, steps, repeats
        )
        seconds_t, loss_t = time_torch(
            torch, nn.MultiLayerNet(*SIZES, seed=0, dtype=dtype), batches, steps, repeats,
            torch_dtype,
        )  # fmt: skip
        rate_np, rate_t = steps / seconds_np, steps / seconds_t
        print(
            f"{np.dtype(dtype).name:8s}  {rate_np:13.0f}   {rate_t:13.0f}   {rate_np / rate_t:5.2f}"
            f"   {loss_np:.6f} / {loss_t:.6f}"
        )


if __name__ == "__main__":
    main()
