"""Chapter 8 (lr-schedules): the claims the page makes about its runs.

The runs are the stored experiments of ``scripts/exp_lr_schedules.py`` (the ones the figures
drew); the page quotes their numbers through ``{{ }}`` placeholders, so these tests check the
*claims* around the numbers, with bands measured to hold on other machines. The spreads in the
comments were measured over the default OpenBLAS kernel here, ``OPENBLAS_CORETYPE=Sandybridge``
and ``Nehalem``, and three runs with every initial weight nudged by a relative 1e-12
(``tests/support/perturb.py``). The five-layer runs and the decayed runs did not move in any
printed digit; the constant-rate momentum run at lr 0.2 (and 0.3) is chaotic and did.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.train import smooth_curve
from scripts import exp_lr_schedules as exp
from tests.support.markdown import DOCS, assert_block_runs, code_block


def tail_mean(values, n: int = 50) -> float:
    return float(np.mean(np.asarray(values)[-n:]))


def test_too_low_learning_rate():
    history = exp.lr_run(0.001)["history"]
    assert not history.diverged
    # "still about 1.43", "validation accuracy 75 %" (1.4294 and 75.2 % in every diagnostic run)
    assert 1.3 < tail_mean(history.loss) < 1.6
    assert 0.65 < history.val_acc[-1] < 0.85
    smooth = smooth_curve(history.loss, 31)
    # the alt text: "from 2.4 to about 1.4"
    assert smooth[0] == pytest.approx(2.4, abs=0.1) and smooth[-1] == pytest.approx(1.4, abs=0.1)


def test_good_learning_rate():
    history = exp.lr_run(0.1)["history"]
    smooth = smooth_curve(history.loss, 31)
    first = int(np.argmax(smooth < 0.5))
    assert 30 <= first <= 70  # "below 0.5 within about fifty updates"
    assert tail_mean(history.loss) < 0.01  # "ends near 0.003" (0.0026 everywhere)
    assert history.train_acc[-1] == 1.0  # "the training images are all classified correctly"
    assert history.val_acc[-1] > 0.95  # 97.8 % everywhere


def test_too_high_learning_rate_kills_the_network():
    run = exp.lr_run(1.0)
    history = run["history"]
    # lr = 1 is on an edge: of twelve runs nudged by 1e-12 ten died (100 dead units, flat on
    # ln 10 from about step 300), one kept 26 units alive (loss 1.58), one overflowed at step
    # 776 (the page says so); every kernel tried here gave the death. The figure's run must be
    # one of those outcomes.
    loss = np.asarray(history.loss)
    assert np.max(np.abs(loss[:300] - math.log(10))) > 1.0  # "the loss jumps about"
    if history.diverged:
        return
    assert run["dead_units"] >= 50
    if run["dead_units"] == 100:  # "as a rule, freezes at ln 10": uniform guessing
        assert np.max(np.abs(loss[300:] - math.log(10))) < 0.03
        assert history.val_acc[-1] < 0.12 and history.train_acc[-1] < 0.12


def test_diverging_learning_rate():
    history = exp.lr_run(exp.DIVERGING_LR)["history"]
    # the page's first code block prints these with an expected output: exact everywhere
    assert history.diverged and history.iterations == 8
    assert np.log10(history.loss[-1]) > 150  # "climbs to 10^170 in eight iterations"


def test_noisy_quadratic_decay_settles():
    from optimizers import landscapes

    f, runs = landscapes.ill_conditioned(), exp.noisy_paths()
    last_constant = f.value(runs["constant"][-100:].T).mean()
    last_decayed = f.value(runs["decayed"][-100:].T).mean()
    assert last_constant / last_decayed > 10  # the page's code block prints 0.671 and 0.025


def test_step_decay_run():
    constant = exp.momentum_run(exp.DECAY_LR, False)
    decayed = exp.momentum_run(exp.DECAY_LR, True)
    # "until update 400 the two runs are identical": the same seed, batches and rate
    assert constant.loss[:400] == decayed.loss[:400]
    assert decayed.lr[399] == pytest.approx(0.2) and decayed.lr[400] == pytest.approx(0.06)
    assert decayed.lr[800] == pytest.approx(0.018)
    c, d = exp.phase_means(constant), exp.phase_means(decayed)
    # "stays where it was, jumping around {{ const_phase3 }}": phases 2 and 3 of the constant
    # run measured 0.85-1.00 and 0.87-1.11; the first phase 0.848 in every run
    assert all(0.75 < v < 1.25 for v in c[1:])
    # the decayed run: 0.536 and 0.493 in every run; "the second drop is smaller"
    assert c[1] - d[1] > 0.2 and c[2] - d[2] > 0.2
    assert (d[0] - d[1]) > 4 * (d[1] - d[2]) > 0
    assert np.mean(decayed.loss[500:600]) < 0.6  # "about 0.55 within two hundred updates"
    # "the decayed run also generalizes better": 97.5 % in every run, against 75.8-95.5 % for
    # the chaotic constant-rate run (kernels and nudges)
    assert decayed.val_acc[-1] > 0.95 and decayed.val_acc[-1] > constant.val_acc[-1] + 0.01


def test_step_decay_code_block_is_the_stored_run():
    """The page's output of that block is the stored run's: the block must train the same way."""
    block, _ = code_block(DOCS / "en" / "lr-schedules.md", "schedules.step(0.2, 400, gamma=0.3)")
    assert_block_runs(
        block,
        "MultiLayerNet(64, [100, 100], 10, weight_decay_lambda=0.01, seed=0)",
        "Momentum(lr=0.2)",
        "iterations=1200",
        "batch_size=32",
    )
    assert exp.DECAY_ITERATIONS == 1200 and exp.DECAY_EVERY == 400 and exp.DECAY_GAMMA == 0.3
    assert exp.WEIGHT_DECAY == 0.01 and exp.DECAY_LR == 0.2


def test_tune_the_learning_rate_first():
    constant = {lr: exp.momentum_run(lr, False).val_acc[-1] for lr in exp.BASE_LRS}
    decayed = {lr: exp.momentum_run(lr, True).val_acc[-1] for lr in exp.BASE_LRS}
    # Stable to every printed digit in all diagnostic runs: lr <= 0.1 and lr = 0.5 both ways,
    # and 0.2 decayed. Chaotic: 0.2 constant (0.758-0.955), 0.3 constant (0.10-0.24) and
    # 0.3 decayed (0.897-0.961).
    # "between 10 % and 97 %"
    assert min(constant.values()) < 0.12 and 0.95 < max(constant.values()) < 0.99
    # "among 0.003 to 0.1 the decay changes the accuracy by at most 2.5 points"
    working = (0.003, 0.01, 0.03, 0.1)
    assert max(abs(decayed[lr] - constant[lr]) for lr in working) < 0.03
    # decay makes 0.001 worse and cannot rescue 0.5
    assert decayed[0.001] < constant[0.001] and decayed[0.5] == constant[0.5] < 0.12
    assert decayed[0.03] == constant[0.03]  # "the same at 0.03"
    # "where the decay does help (0.1 to 0.3)": at 0.2 by 2 to 22 points, at 0.1 by 2.5 and at
    # 0.3 by 65 or more
    assert all(decayed[lr] > constant[lr] + 0.01 for lr in (0.1, 0.2, 0.3))
    # "here 0.2 instead of 0.03"
    assert max(constant, key=constant.get) == 0.03 and max(decayed, key=decayed.get) == 0.2
