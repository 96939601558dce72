"""Chapter 14 (ensembles): the numbers and claims of the page that no code block on it checks.

They are about the figures' runs and the comparison table (``scripts/fig_ensembles.py``): ten
independent networks, the snapshot run, five repetitions of each way to spend the budget, the
noisy valley and the network trained at a constant learning rate with its weight averages.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from optimizers.ensembles import ensemble_predict
from scripts import fig_ensembles as fig

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "docs" / lang / "ensembles.md" for lang in ("zh", "en")]
N_TEST = 359


def images(accuracy: float) -> float:
    return accuracy * N_TEST


def test_ten_independent_networks():
    r = fig.independent()
    member_acc, member_loss = np.array(r["member_acc"]), np.array(r["member_loss"])
    assert member_acc.min() == pytest.approx(0.964, abs=5e-4)
    assert member_acc.max() == pytest.approx(0.981, abs=5e-4)
    assert member_acc.mean() == pytest.approx(0.972, abs=5e-4)
    assert member_loss.min() == pytest.approx(0.076, abs=5e-4)
    assert member_loss.max() == pytest.approx(0.156, abs=5e-4)
    assert member_loss.mean() == pytest.approx(0.111, abs=5e-4)
    # the red line of the accuracy panel: 0.964; 0.972 (k = 2-4); 0.978 (5-8); 0.975 (9, 10)
    expected = [0.964] + [0.972] * 3 + [0.978] * 4 + [0.975] * 2
    assert r["ensemble_acc"] == pytest.approx(expected, abs=5e-4)
    # the loss: 0.156 alone, 0.090 at k = 2, 0.083 at k = 10
    assert r["ensemble_loss"][1] == pytest.approx(0.090, abs=5e-4)
    assert r["ensemble_loss"][-1] == pytest.approx(0.083, abs=5e-4)
    # "about one test image more" than the average member
    assert 0.5 < images(r["ensemble_acc"][-1] - member_acc.mean()) < 1.5
    # "not better than the best member"
    assert r["ensemble_acc"][-1] < member_acc.max()


def test_jensen_for_every_ensemble_size():
    """The loss of the average of the first k is at most the mean loss of those k."""
    r = fig.independent()
    for k in range(1, fig.N_MODELS + 1):
        assert r["ensemble_loss"][k - 1] <= np.mean(r["member_loss"][:k]) + 1e-12


def test_members_rarely_disagree_and_agreement_is_kept():
    nets = [fig.long_run(seed)[0] for seed in range(fig.N_MODELS)]
    # "any two of them disagree on only 2.1 % of them, about 8 of the 359"
    d = fig.disagreement(nets)
    assert d == pytest.approx(0.021, abs=5e-4)
    assert round(images(d)) == 8
    # exercise 3: where all members agree, the ensemble predicts the same class
    x = fig.digits().x_test
    labels = np.array([n.predict(x).argmax(axis=1) for n in nets])
    agree = np.all(labels == labels[0], axis=0)
    ensemble = ensemble_predict(nets, x).argmax(axis=1)
    assert agree.mean() > 0.9 and np.array_equal(ensemble[agree], labels[0][agree])


def test_the_snapshot_figure():
    _, curve, copies, history = fig.snapshot_curve()
    ens = fig.snapshot_run(0)
    # the curve's run is the library's run: the same five snapshots, bit for bit
    assert len(copies) == len(ens.snapshots) == 5
    for a, b in zip(copies, ens.snapshots, strict=True):
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    # restarts: the learning rate jumps back to 0.1 at updates 200, 400, 600 and 800
    lr = np.array(history.lr)
    assert [i for i in range(1, len(lr)) if lr[i] > lr[i - 1]] == [200, 400, 600, 800]
    assert lr[[0, 200, 400, 600, 800]] == pytest.approx(0.1)
    # "after each restart ... drops, to between 0.90 and 0.94"
    lows = [
        curve[(curve[:, 0] > a) & (curve[:, 0] <= a + 100), 1].min() for a in range(200, 1000, 200)
    ]
    assert all(0.895 < low < 0.945 for low in lows)
    assert min(lows) == pytest.approx(0.90, abs=0.005)
    # the stars: averages of the snapshots so far, 0.972 at the end; one cosine: 0.964
    assert fig.test_accuracy(ens.snapshots) == pytest.approx(0.972, abs=5e-4)
    assert max(ens.accuracies) < fig.test_accuracy(ens.snapshots)
    assert fig.test_accuracy([fig.long_run(0)[0]]) == pytest.approx(0.964, abs=5e-4)
    assert curve[-1, 1] == ens.accuracies[-1]


ROW = re.compile(r"^\|[^|]+\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|$")


def table(page: Path) -> list[tuple[int, float, float]]:
    rows = []
    for line in page.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line.strip())
        if m:
            rows.append((int(m[1]), float(m[2]), float(m[3])))
    return rows


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_comparison_table(page: Path):
    c = fig.comparison()
    order = ["one network", "last snapshot", "snapshot ensemble", "5 short networks", "5 networks"]
    updates = [1000, 1000, 1000, 1000, 5000]
    rows = table(page)
    assert len(rows) == len(order), rows
    for (n, acc, loss), key, budget in zip(rows, order, updates, strict=True):
        accs, losses = c[key]
        assert n == budget
        assert acc == pytest.approx(np.mean(accs), abs=5e-4), key
        assert loss == pytest.approx(np.mean(losses), abs=5e-4), key
    assert [len(c[k][0]) for k in order] == [5, 5, 5, 5, 2]
    # "matches one network in accuracy and beats it in loss by a tenth"
    one, snap = c["one network"], c["snapshot ensemble"]
    assert abs(np.mean(one[0]) - np.mean(snap[0])) * N_TEST < 0.5
    assert 0.08 < 1 - np.mean(snap[1]) / np.mean(one[1]) < 0.12


def test_the_noisy_valley():
    f, points, polyak, ema = fig.noisy_averages()
    late = points[1:][500:]
    raw, pol = f.value(late.T).mean(), f.value(polyak[polyak[:, 0] > 500, 1:].T).mean()
    em = f.value(ema[ema[:, 0] > 500, 1:].T).mean()
    assert round(raw / pol) == 31 and round(raw / em) == 6
    # the alt text
    assert np.percentile(points[100:, 0], [1, 99]) == pytest.approx([-4, 4], abs=0.6)
    assert np.percentile(points[100:, 1], [1, 99]) == pytest.approx([-1, 1], abs=0.2)
    assert np.abs(ema[100:, 2]).max() < 0.2 and np.abs(ema[100:, 1]).max() < 2.1
    assert polyak[0, 0] == 101 and polyak[0, 1:] == pytest.approx([1.9, 0.3], abs=0.06)
    values = {
        "SGD": f.value(points[100:].T),
        "EMA": f.value(ema[100:, 1:].T),
        "Polyak": f.value(polyak[:, 1:].T),
    }
    assert np.percentile(values["SGD"], [5, 95]) == pytest.approx([0.02, 1.0], rel=0.25)
    assert np.percentile(values["EMA"], [5, 95]) == pytest.approx([0.001, 0.2], rel=0.25)
    assert values["Polyak"][0] == pytest.approx(0.3, abs=0.03)
    assert values["Polyak"][-1] == pytest.approx(0.003, abs=0.001)


def test_weight_averages_in_the_network():
    r = fig.averaged_training()
    it = r["iteration"]
    after = it > fig.AVG_POLYAK_START
    raw, ema, polyak = r["raw"][after], r["ema"][after], r["polyak"][after]
    # accuracy panel
    assert np.sum(raw[:, 0] < 0.94) == 4
    assert 0.95 - 5e-4 < ema[:, 0].min() and ema[:, 0].max() < 0.975 + 5e-4
    assert 0.95 < polyak[:, 0].min() and polyak[:, 0].max() < 0.97
    # loss panel: raw 0.11 to 0.28; the averages between 0.10 and 0.125, Polyak higher at first
    assert raw[:, 1].min() == pytest.approx(0.11, abs=0.005)
    assert raw[:, 1].max() == pytest.approx(0.28, abs=0.005)
    assert 0.095 < ema[:, 1].min() and ema[:, 1].max() < 0.125
    settled = it[after] > 600
    assert 0.10 < polyak[settled, 1].min() and polyak[settled, 1].max() < 0.125
    assert polyak[0, 1] > 0.125
    # second half, as the page measures it: the averages vary by at most 20 %
    half = it > 1000
    for key in ("ema", "polyak"):
        loss = r[key][half, 1]
        assert loss.max() / loss.min() < 1.2
    assert r["raw"][half, 1].max() / r["raw"][half, 1].min() > 2
