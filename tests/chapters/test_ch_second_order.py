"""Chapter 10 (second-order): the numbers and claims of the page that no code block on it checks.

- the table "iterations until f < 1e-8" on the Rosenbrock function (first-order rows come from
  the figure script's runs) and the sentences around it;
- the alt texts of the path and convergence figures;
- ResNet-50's parameter count (25,557,032), counted here from the architecture (He et al., 2016,
  table 1, with torchvision's layer layout: convolutions without bias, batch norm with a scale
  and a shift, a 1000-class fully connected layer).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from optimizers import landscapes, second_order
from scripts import fig_second_order as fig

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "docs" / lang / "second-order.md" for lang in ("zh", "en")]
ROW = re.compile(r"^\|[^|]+\|[^|]+\|\s*([\d,]+)[^|]*\|")


def table_counts(page: Path) -> list[int]:
    counts = []
    for line in page.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line.strip())
        if m:
            counts.append(int(m[1].replace(",", "")))
    return counts


def first_order_counts() -> dict[str, int]:
    f = landscapes.rosenbrock()
    return {name: fig.first_below(f.value(fig.runs()[name].T)) for name in fig.FIRST_ORDER}


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_iteration_table(page: Path):
    counts = first_order_counts()
    f = landscapes.rosenbrock()
    lbfgs = fig.first_below(f.value(fig.runs()["L-BFGS"].T))
    newton = fig.first_below(f.value(fig.runs()["Newton"].T))
    expected = [counts["gradient descent"], counts["Momentum"], counts["Adam"], lbfgs, newton]
    assert table_counts(page) == expected == [20829, 1940, 4725, 35, 5]


@pytest.mark.slow
def test_claims_about_the_first_order_runs():
    f = landscapes.rosenbrock()
    counts = first_order_counts()
    assert 10 < counts["gradient descent"] / counts["Momentum"] < 11  # "the factor of ten"
    adam = f.value(fig.runs()["Adam"].T)
    assert adam[counts["Adam"] :].max() > 1e-8  # "then jumps back above"
    assert 6000 <= fig.first_below(adam, 1e-20) <= 6500  # "1e-20 near iteration 6000"
    late = adam[10_000:]
    assert 1e-17 <= late.min() < 1e-16 and 1e-3 < late.max() < 1e-2  # "between 1e-17 and 1e-2"
    lam = np.linalg.eigvalsh(f.hessian(np.array([1.0, 1.0])))
    assert round(lam[-1]) == 1002 and round(2 / lam[-1], 3) == 0.002  # "2/λ_max ≈ 0.002"


def test_claims_about_newton_and_lbfgs():
    f = landscapes.rosenbrock()
    newton = second_order.newton(f)
    assert np.allclose(newton.path[2], [0.76, -3.18], atol=0.01)  # "(0.76, -3.18)"
    assert np.allclose(newton.path[3], [0.76, 0.58], atol=0.01)
    assert round(newton.values[2]) == 1412 and 55 < newton.values[2] / newton.values[0] < 60
    lbfgs = second_order.lbfgs(f)
    assert lbfgs.evaluations / lbfgs.iterations == pytest.approx(1.25)  # "1.25 evaluations"
    noisy = second_order.lbfgs(landscapes.with_gradient_noise(f, 0.1, seed=0))
    from optimizers import Adam

    path = landscapes.trajectory(
        Adam(lr=0.01), landscapes.with_gradient_noise(f, 0.1, seed=0), None, 5000
    )
    assert noisy.fun / f.value(path[-1]) > 100  # "more than a hundred times lower"


def test_taylor_figure_numbers():
    f = landscapes.local_minimum_1d()
    assert 2.0 - 0.05 * f.gradient(np.array([2.0]))[0] == pytest.approx(1.6)  # the GD step


def resnet50_parameters() -> int:
    """Parameters of ResNet-50 for 1000 classes, layer by layer."""
    total = 7 * 7 * 3 * 64 + 2 * 64  # conv1 and its batch norm
    channels = 64
    for width, blocks in ((64, 3), (128, 4), (256, 6), (512, 3)):
        for block in range(blocks):
            total += channels * width + 2 * width  # 1x1 conv, BN
            total += 3 * 3 * width * width + 2 * width  # 3x3 conv, BN
            total += width * 4 * width + 2 * 4 * width  # 1x1 conv, BN
            if block == 0:
                total += channels * 4 * width + 2 * 4 * width  # projection shortcut, BN
            channels = 4 * width
    return total + channels * 1000 + 1000  # the classifier


def test_parameter_counts():
    assert resnet50_parameters() == 25_557_032
    from optimizers.nn import MultiLayerNet

    five = MultiLayerNet(784, [100] * 4, 10)
    assert sum(p.size for p in five.params.values()) == 109_810
    assert round(4 * 109_810**2 / 1e9) == 48  # "48 GB"
