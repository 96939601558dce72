"""Chapter 13 (tuning): the numbers and claims of the page that no code block on it checks.

They are about the figures' runs (``scripts/fig_tuning.py``): the curves of the network trained
on 100 and on 1079 digits, the margins of the grid-and-random figure, and the boxes of the
coarse-to-fine search. The page's code blocks check the rest (the printed numbers).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from optimizers import Momentum, search
from optimizers.nn import MultiLayerNet, softmax
from optimizers.train import train
from scripts import fig_tuning as fig

pytestmark = pytest.mark.slow


def test_overfitting_run_on_100_digits():
    n = fig.watch_numbers(100)
    h = fig.watch_run(100)["history"]
    train_acc, val_acc = np.array(h.train_acc), np.array(h.val_acc)
    assert len(train_acc) == 101  # epochs 0..100
    # "the training accuracy reaches 1 at epoch 8" and stays there ("from epoch 10 on ...")
    assert n["first_perfect_epoch"] == 8 and train_acc[8:].min() == 1.0
    # "it reaches 0.883 at epoch 19 and never goes higher, staying between 0.875 and 0.883"
    assert n["best_val_epoch"] == 19 and n["best_val_acc"] == pytest.approx(0.883, abs=5e-4)
    assert val_acc[19:].min() == pytest.approx(0.875, abs=5e-4)
    assert n["val_acc"] == pytest.approx(0.883, abs=5e-4)
    # "the gap ... is 0.117"; "about one validation digit in eight wrong"
    assert n["gap"] == pytest.approx(0.117, abs=5e-4)
    assert 7.5 < 1 / (1 - n["val_acc"]) < 9
    # "the validation loss rises from its minimum of 0.409 at epoch 21 to 0.451"
    assert n["min_val_loss_epoch"] == 21
    assert n["min_val_loss"] == pytest.approx(0.409, abs=5e-4)
    assert n["final_val_loss"] == pytest.approx(0.451, abs=5e-4)
    # the training loss (alt text): from about 2 to below 0.001
    assert h.loss[0] > 2 and min(h.loss[-25:]) < 1e-3


def test_full_training_set_has_a_small_gap():
    n = fig.watch_numbers(1079)
    assert n["val_acc"] == pytest.approx(0.986, abs=5e-4)
    assert n["gap"] == pytest.approx(0.014, abs=5e-4)


def test_the_rising_validation_loss_comes_from_the_wrong_digits():
    """'because the network is now very sure about the validation digits it gets wrong'"""
    data = fig.subset(100)
    net, kept = MultiLayerNet(64, [100, 100], 10, seed=0), {}

    def keep(iteration, net):
        if iteration in (21 * 5, 100 * 5):
            kept[iteration // 5] = copy.deepcopy(net)

    train(net, Momentum(lr=0.05), data, epochs=100, batch_size=20, callback=keep, progress=False)
    parts = {}
    for epoch, model in kept.items():
        p = softmax(model.predict(data.x_val))
        loss = -np.log(p[np.arange(len(data.t_val)), data.t_val])
        wrong = p.argmax(axis=1) != data.t_val
        parts[epoch] = (loss[wrong].sum() / len(loss), loss[~wrong].sum() / len(loss))
    assert parts[100][0] > parts[21][0] + 0.04  # measured 0.360 -> 0.415
    assert parts[100][1] < parts[21][1]  # the right ones get cheaper: 0.049 -> 0.035


def test_grid_and_random_search():
    grid, rand = fig.grid_and_random()
    # the grid: three columns whose three runs score the same ("the same experiment three times")
    for lr in (1e-3, 1e-1, 10.0):
        column = [t.score for t in grid if t.params["lr"] == pytest.approx(lr)]
        assert len(column) == 3 and len(set(column)) == 1
    assert search.best_trial(grid).score == pytest.approx(0.947, abs=5e-4)
    # random: nine learning rates, four of them between 0.1 and 1; best 0.981
    lrs = sorted(t.params["lr"] for t in rand)
    assert len(set(lrs)) == 9 and sum(0.1 < lr < 1 for lr in lrs) == 4
    assert search.best_trial(rand).score == pytest.approx(0.981, abs=5e-4)


def test_margins_of_the_grid_figure():
    lrs, lr_scores, wds, wd_scores = fig.sweeps()
    assert fig.SWEEP_WD == 1e-4 and fig.SWEEP_LR == 0.3
    # "from 0.153 at 1e-3 up to 0.983 near 0.5 and down to 0.10 beyond 2"
    assert lr_scores[0] == pytest.approx(0.153, abs=5e-4)
    assert lr_scores.max() == pytest.approx(0.983, abs=5e-4)
    assert 0.4 < lrs[np.argmax(lr_scores)] < 0.7
    assert np.all(lr_scores[lrs > 2] < 0.105)
    # "between 0.10 and 0.98" (learning rate) against "less than a point" (weight decay)
    assert lr_scores.max() - lr_scores.min() > 0.87
    # "with the learning rate fixed at 0.3, it stays between 0.975 and 0.978"
    assert wd_scores.min() == pytest.approx(0.975, abs=5e-4)
    assert wd_scores.max() == pytest.approx(0.978, abs=5e-4)


def test_coarse_to_fine_boxes():
    trials = fig.coarse_fine()
    boxes = fig.round_boxes(trials)
    # the figure's boxes are the ranges the rounds really drew from
    for t in trials:
        for name, (low, high) in boxes[t.round].items():
            assert low * (1 - 1e-12) <= t.params[name] <= high * (1 + 1e-12)
    # round 2: lr about 0.09 to 2, weight decay 1e-6 to about 0.01
    assert boxes[1]["lr"] == pytest.approx((0.0915, 2.01), rel=0.01)
    assert boxes[1]["weight_decay"][1] == pytest.approx(0.0115, rel=0.01)
    # round 3: "0.19 to 1.46", less than one decade; the weight decay box stays 4 decades wide
    assert boxes[2]["lr"] == pytest.approx((0.1906, 1.465), rel=0.002)
    assert math.log10(boxes[2]["lr"][1] / boxes[2]["lr"][0]) < 1
    assert boxes[2]["weight_decay"][0] == 1e-6
    assert math.log10(boxes[2]["weight_decay"][1] / 1e-6) > 4
    # "among the best trials are weight decays from 1e-6 to about 2e-3"
    top = sorted((t for t in trials if t.round < 2), key=lambda t: -t.score)[:5]
    decays = [t.params["weight_decay"] for t in top]
    assert min(decays) < 1.1e-6 and 1.5e-3 < max(decays) < 2.5e-3
    # the star: the best trial, at learning rate 0.72
    assert search.best_trial(trials).params["lr"] == pytest.approx(0.72, abs=0.005)
