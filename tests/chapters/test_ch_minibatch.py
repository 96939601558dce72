"""Chapter 2 (minibatch): the numbers and claims of the page that no code block on it checks.

- the table "the same number of examples" (both languages), recomputed by the figure script;
- the cost curves: the full-batch loss falls at every iteration, the mini-batch loss rises in
  almost half of them;
- the timing claims, measured afresh with generous bounds (timings vary from machine to
  machine, so the page states no time, only ratios and orderings): an epoch with single
  examples takes more than ten times as long as with batches of 128; beyond about a hundred
  examples per batch the time per epoch hardly changes; the middle batch sizes reach a low
  loss sooner than the extremes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from scripts import fig_minibatch as fig

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "docs" / lang / "minibatch.md" for lang in ("zh", "en")]
ROW = re.compile(
    r"^\|\s*(\d+)[^|]*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+) %\s*\|$"
)


def table(page: Path) -> dict[int, tuple[int, float, float, float]]:
    rows = {}
    for line in page.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line.strip())
        if m:
            rows[int(m[1])] = (int(m[2]), float(m[3]), float(m[4]), float(m[5]))
    return rows


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_batch_size_table(page: Path):
    rows = table(page)
    assert sorted(rows) == [1, 8, 32, 128, 512, 1079], f"{page}: table rows {sorted(rows)}"
    runs = fig.batch_size_runs()
    for batch_size in fig.SIZES:
        b = 1079 if batch_size is None else batch_size
        per_epoch, after_1, after_10, accuracy = rows[b]
        assert per_epoch == runs[batch_size]["per_epoch"]
        assert fig.loss_after(batch_size, 1) == pytest.approx(after_1, abs=6e-4)
        assert fig.loss_after(batch_size, 10) == pytest.approx(after_10, abs=6e-4)
        assert 100 * runs[batch_size]["val_acc"][-1] == pytest.approx(accuracy, abs=0.06)
    # "Per example read, small batches win": the loss after 10 epochs grows with b.
    final = [fig.loss_after(b, 10) for b in fig.SIZES]
    assert final == sorted(final)
    # "Ten full-batch updates leave the network below 50 % validation accuracy."
    assert runs[None]["val_acc"][-1] < 0.5


def test_cost_curves():
    curves = fig.cost_curves()
    full = np.asarray(curves[None])
    assert np.all(np.diff(full) < 0), "the full-batch loss should fall at every iteration"
    rises = np.mean(np.diff(np.asarray(curves[32])) > 0)
    assert 0.4 < rises < 0.5, f"'almost half' of the b = 32 iterations rise: {rises:.3f}"


def test_regression_figure_matches_the_page():
    """The figure's paths end where the page's code says (distance to the fit)."""
    x, y = fig.regression_data()
    best = np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)[0]
    for batch_size, distance in ((200, 0.133), (16, 0.173), (1, 0.276)):
        end = fig.regression_path(batch_size)[-1]
        assert np.linalg.norm(end - best) == pytest.approx(distance, abs=6e-4)
    assert np.allclose(fig.regression_loss().minimum, best)


@pytest.fixture(scope="module")
def seconds() -> dict[int | None, float]:
    return {b: fig.seconds_per_epoch(b) for b in fig.SIZES}


def test_single_examples_are_much_slower_per_epoch(seconds):
    ratio = seconds[1] / seconds[128]
    assert ratio > 10, f"batch 1 vs 128: {ratio:.1f} times the time per epoch"


def test_time_per_epoch_hardly_changes_beyond_a_hundred(seconds):
    large = [seconds[b] for b in (128, 512, None)]
    assert max(large) < 3 * min(large), seconds


def test_middle_sizes_reach_a_low_loss_first(seconds):
    """Time to a training loss below 0.5 = epochs needed x seconds per epoch."""
    runs = fig.batch_size_runs()

    def time_to(batch_size, level=0.5):
        run = runs[batch_size]
        for epochs, loss in zip(run["epochs"], run["loss"], strict=True):
            if loss < level:
                return epochs * seconds[batch_size]
        return math.inf

    middle = min(time_to(b) for b in (8, 32, 128))
    assert middle < time_to(1) / 1.5
    assert time_to(512) == math.inf and time_to(None) == math.inf
