"""Chapter 8 (lr-schedules): the numbers and claims of the page that no code block on it checks.

The training runs are the figure script's (cached, single BLAS thread), so the test checks
exactly what the figures draw:

- the learning-rate curves of the five-layer network (too low, good, too high);
- the noisy quadratic: the decayed run ends 27 times lower;
- the step-decay run: identical to the constant run before the first decay, a drop after each
  decay, the validation accuracies;
- the "tune the learning rate first" sweep: the accuracies the alt text states and the three
  claims drawn from them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.data import load_digits
from optimizers.train import smooth_curve
from scripts import fig_lr_schedules as fig

pytestmark = pytest.mark.slow


def tail_mean(values, n: int = 50) -> float:
    return float(np.mean(np.asarray(values)[-n:]))


def test_too_low_learning_rate():
    history = fig.lr_run(0.001)
    assert not history.diverged
    assert tail_mean(history.loss) == pytest.approx(1.43, abs=0.01)  # "still about 1.43"
    assert round(100 * history.val_acc[-1]) == 75  # "validation accuracy 75 %"
    smooth = smooth_curve(history.loss, 31)
    assert smooth[0] == pytest.approx(2.4, abs=0.05) and smooth[-1] == pytest.approx(1.4, abs=0.05)


def test_good_learning_rate():
    history = fig.lr_run(0.1)
    smooth = smooth_curve(history.loss, 31)
    first = int(np.argmax(smooth < 0.5))
    assert 30 <= first <= 70  # "below 0.5 within about fifty updates"
    assert tail_mean(history.loss) == pytest.approx(0.003, abs=0.001)  # "ends near 0.003"
    assert history.train_acc[-1] == 1.0
    assert round(100 * history.val_acc[-1], 1) == 97.8


def test_too_high_learning_rate_kills_the_network():
    history = fig.lr_run(1.0)
    loss = np.asarray(history.loss)
    # "jumps about for some 300 iterations, then stays flat on ln 10"
    assert np.max(np.abs(loss[:300] - math.log(10))) > 1.0
    assert np.max(np.abs(loss[300:] - math.log(10))) < 0.03
    assert round(100 * history.val_acc[-1]) == 10 and round(100 * history.train_acc[-1]) == 10
    # "every unit of the last hidden layer outputs 0 for every training image": retrain the same
    # run (same seeds) to get at the network itself
    from optimizers import SGD
    from optimizers.train import train

    data = load_digits()
    net = fig.deep_net()
    again = train(
        net,
        SGD(lr=1.0),
        data,
        iterations=fig.CURVE_ITERATIONS,
        batch_size=128,
        seed=0,
        eval_every=fig.CURVE_ITERATIONS,
        progress=False,
    )
    assert again.loss == history.loss
    last_hidden = net.activations(data.x_train)[-1]
    assert last_hidden.shape == (1079, 100)
    assert np.all(last_hidden == 0)


def test_diverging_learning_rate():
    history = fig.lr_run(fig.DIVERGING_LR)
    assert history.diverged and history.iterations == 8
    exponents = np.log10(history.loss)
    assert exponents[-1] > 150  # "climbs to 10^170 in eight iterations"


def test_noisy_quadratic_decay_settles():
    f, constant, decayed = fig.noisy_paths()
    last_constant = f.value(constant[-100:].T).mean()
    last_decayed = f.value(decayed[-100:].T).mean()
    assert round(last_constant / last_decayed) == 27  # "its final loss is 27 times lower"


def test_step_decay_run():
    constant = fig.momentum_run(fig.DECAY_LR, False)
    decayed = fig.momentum_run(fig.DECAY_LR, True)
    assert constant.loss[:400] == decayed.loss[:400]  # "until update 400 ... identical"
    assert decayed.lr[399] == pytest.approx(0.2) and decayed.lr[400] == pytest.approx(0.06)
    assert decayed.lr[800] == pytest.approx(0.018)
    c, d = fig.phase_means(constant), fig.phase_means(decayed)
    assert [round(v, 3) for v in c] == [0.848, 0.959, 0.960]
    assert [round(v, 3) for v in d] == [0.848, 0.536, 0.493]
    loss = np.asarray(decayed.loss)
    assert loss[500:600].mean() < 0.56  # "about 0.55 within two hundred updates"
    assert (d[0] - d[1]) > 4 * (d[1] - d[2]) > 0  # the second drop is smaller
    assert round(constant.val_acc[-1], 3) == 0.864 and round(decayed.val_acc[-1], 3) == 0.975


def test_tune_the_learning_rate_first():
    constant = {lr: fig.momentum_run(lr, False).val_acc[-1] for lr in fig.BASE_LRS}
    decayed = {lr: fig.momentum_run(lr, True).val_acc[-1] for lr in fig.BASE_LRS}
    # the alt text
    assert [round(constant[lr], 2) for lr in fig.BASE_LRS] == [
        0.93,
        0.96,
        0.97,
        0.97,
        0.94,
        0.86,
        0.24,
        0.10,
    ]
    assert [round(decayed[lr], 2) for lr in (0.001, 0.3, 0.5)] == [0.88, 0.90, 0.10]
    assert round(decayed[0.2], 3) == 0.975 and decayed[0.03] == constant[0.03]
    # "between 10 % and 97 %"
    assert round(100 * min(constant.values())) == 10 and round(100 * max(constant.values())) == 97
    # "among 0.003 to 0.1 the decay changes the accuracy by at most 2.5 points"
    working = (0.003, 0.01, 0.03, 0.1)
    assert round(100 * max(abs(decayed[lr] - constant[lr]) for lr in working), 1) == 2.5
    # decay makes 0.001 worse and cannot rescue 0.5
    assert decayed[0.001] < constant[0.001] and decayed[0.5] == constant[0.5] < 0.11
    # decay helps from 0.1 to 0.3
    assert all(decayed[lr] > constant[lr] for lr in (0.1, 0.2, 0.3))
    # "here 0.2 instead of 0.03"
    assert max(constant, key=constant.get) == 0.03 and max(decayed, key=decayed.get) == 0.2
