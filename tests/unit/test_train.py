"""The training loop: the book's claims on the digits, divergence, histories, seeds, schedules."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from optimizers import SGD, Adam, Momentum, data, nn, train


@pytest.fixture(scope="module")
def digits() -> data.Dataset:
    return data.load_digits()


def five_layer_net(seed: int = 0) -> nn.MultiLayerNet:
    """The pages' "5-layer, 100-unit" ReLU network with He init (five weight layers)."""
    return nn.MultiLayerNet(64, [100] * 4, 10, activation="relu", weight_init_std="he", seed=seed)


def first_reaching(history: train.History, accuracy: float) -> float:
    """Updates done at the first evaluation with val_acc >= accuracy (inf if never)."""
    hits = [
        i for i, a in zip(history.eval_iterations, history.val_acc, strict=True) if a >= accuracy
    ]
    return hits[0] if hits else math.inf


@pytest.fixture(scope="module")
def adam_vs_sgd(digits) -> dict[str, train.History]:
    return {
        "adam": train.train(five_layer_net(), Adam(lr=0.001), digits, iterations=2000, seed=0),
        "sgd": train.train(five_layer_net(), SGD(lr=0.01), digits, iterations=2000, seed=0),
    }


@pytest.mark.slow
def test_adam_reaches_95_percent_on_the_digits(adam_vs_sgd):
    h = adam_vs_sgd["adam"]
    assert h.iterations == 2000 and not h.diverged
    assert h.val_acc[-1] >= 0.95  # measured 0.9805 (seeds 0, 1, 2: 0.981, 0.983, 0.986)
    assert first_reaching(h, 0.95) <= 200  # measured 72 updates (seeds 1, 2: 81, 81)


@pytest.mark.slow
def test_sgd_is_measurably_slower(adam_vs_sgd):
    adam, sgd = adam_vs_sgd["adam"], adam_vs_sgd["sgd"]
    # updates to reach 95 % validation accuracy: measured Adam 72, SGD 702 (seeds 1, 2: 774, 891)
    assert first_reaching(sgd, 0.95) >= 400
    # validation accuracy after 252 updates (28 epochs): measured Adam 0.983, SGD 0.886
    at = adam.eval_iterations.index(252)
    assert adam.val_acc[at] > 0.95 > 0.92 > sgd.val_acc[at]
    # mean training loss over the last 100 updates: measured Adam 5e-5, SGD 0.034
    assert np.mean(sgd.loss[-100:]) > 0.01 > 0.001 > np.mean(adam.loss[-100:])


def test_history_lengths(digits):
    net = nn.MultiLayerNet(64, [20], 10, seed=0)
    h = train.train(net, SGD(lr=0.1), digits, iterations=50, batch_size=128)
    assert h.iters_per_epoch == 9  # ceil(1079 / 128)
    assert len(h.loss) == len(h.lr) == h.iterations == 50
    assert h.eval_iterations == [0, 9, 18, 27, 36, 45, 50]  # start, every epoch, the end
    assert len(h.train_acc) == len(h.val_acc) == 7
    assert h.epochs == pytest.approx(50 / 9)
    assert h.eval_epochs[1] == 1.0
    assert h.train_acc[-1] > h.train_acc[0] + 0.3  # it learns (chance is 0.1)
    assert not h.diverged and h.message == ""


def test_epochs_and_eval_every(digits):
    net = nn.MultiLayerNet(64, [20], 10, seed=0)
    h = train.train(net, SGD(lr=0.1), digits, epochs=2, batch_size=100, eval_every=5)
    assert h.iterations == 22  # 2 epochs of ceil(1079 / 100) = 11 batches
    assert h.eval_iterations == [0, 5, 10, 15, 20, 22]


def test_full_batch_and_stochastic(digits):
    small = data.Dataset(
        digits.x_train[:40], digits.t_train[:40], digits.x_val, digits.t_val, digits.x_test,
        digits.t_test, 10,
    )  # fmt: skip
    full = train.train(
        nn.MultiLayerNet(64, [10], 10), SGD(lr=0.5), small, epochs=3, batch_size=None
    )
    assert full.iterations == 3 and full.iters_per_epoch == 1
    sgd = train.train(nn.MultiLayerNet(64, [10], 10), SGD(lr=0.05), small, epochs=2, batch_size=1)
    assert sgd.iterations == 80 and sgd.eval_iterations == [0, 40, 80]


def test_same_seeds_give_identical_histories(digits):
    def run(seed):
        net = nn.MultiLayerNet(64, [30, 30], 10, use_dropout=True, seed=1)
        return train.train(net, Momentum(lr=0.05), digits, iterations=40, seed=seed)

    a, b, c = run(0), run(0), run(1)
    assert a.loss == b.loss and a.train_acc == b.train_acc and a.val_acc == b.val_acc
    assert a.loss != c.loss  # another batch order


def test_schedule_sets_the_learning_rate(digits):
    def schedule(t: int) -> float:
        return 0.1 / (1.0 + 0.05 * t)

    opt = SGD(lr=123.0)  # overwritten by the schedule before the first update
    h = train.train(nn.MultiLayerNet(64, [20], 10), opt, digits, iterations=30, schedule=schedule)
    assert h.lr == [schedule(t) for t in range(30)]
    assert opt.lr == schedule(29)
    h = train.train(nn.MultiLayerNet(64, [20], 10), SGD(lr=0.02), digits, iterations=5)
    assert h.lr == [0.02] * 5


def test_divergence_stops_with_a_message(digits):
    # The stable log-softmax keeps the loss finite while the weights are finite: a too-large lr
    # first gives huge losses and dead ReLUs; lr = 1e6 overflows the weights within 5 steps.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no numpy overflow warnings leak out
        warnings.simplefilter("always", train.DivergenceWarning)
        with pytest.warns(train.DivergenceWarning, match=r"learning rate 1e\+06"):
            h = train.train(five_layer_net(), SGD(lr=1e6), digits, iterations=200)
    assert h.diverged
    assert h.iterations == 5  # measured
    assert h.message == (
        "training diverged: the loss is nan at step 5 (learning rate 1e+06); "
        "stopped after 5 updates"
    )
    assert len(h.loss) == len(h.lr) == h.iterations
    assert all(math.isfinite(v) for v in h.loss)
    assert max(h.loss) > 1e10  # the figure shows the explosion before the stop


def test_bad_arguments(digits):
    net = nn.MultiLayerNet(64, [10], 10)
    with pytest.raises(ValueError, match="exactly one of iterations and epochs"):
        train.train(net, SGD(), digits)
    with pytest.raises(ValueError, match="exactly one of iterations and epochs"):
        train.train(net, SGD(), digits, iterations=5, epochs=1)
    with pytest.raises(ValueError, match="iterations must be a positive integer, got 0"):
        train.train(net, SGD(), digits, iterations=0)
    with pytest.raises(TypeError, match="iterations must be a positive integer, got 10.0"):
        train.train(net, SGD(), digits, iterations=10.0)
    with pytest.raises(TypeError, match="epochs must be a positive integer, got 0.5"):
        train.train(net, SGD(), digits, epochs=0.5)  # said "got 4.5" (epochs x batches)
    with pytest.raises(ValueError, match="eval_every must be a positive integer, got 0"):
        train.train(net, SGD(), digits, iterations=5, eval_every=0)
    with pytest.raises(TypeError, match="data must have x_train and t_train"):
        train.train(net, SGD(), object(), iterations=5)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        train.train(net, SGD(), digits, iterations=5, batch_size=0)
    with pytest.raises(ValueError, match=r"schedule\(0\) returned -0.1"):
        train.train(net, SGD(), digits, iterations=5, schedule=lambda t: -0.1)
    wide = nn.MultiLayerNet(65, [10], 10)
    with pytest.raises(ValueError, match="x has 64 features per example, the network expects 65"):
        train.train(wide, SGD(), digits, iterations=5)


def test_divergence_caused_by_the_last_update_is_reported(digits):
    # the review's reproducer: lr = 1e300 at the final step left diverged=False, no warning,
    # while the loss at the final weights was NaN (the weights themselves stay finite here)
    net = nn.MultiLayerNet(64, [10], 10)
    with pytest.warns(train.DivergenceWarning) as caught:
        h = train.train(
            net, SGD(lr=0.1), digits, iterations=5, batch_size=32,
            schedule=lambda t: 1e300 if t == 4 else 0.1,
        )  # fmt: skip
    assert h.diverged and h.iterations == len(h.loss) == 5  # all five updates were made
    assert h.message == (
        "training diverged: the loss is nan at step 5 (learning rate 1e+300); "
        "stopped after 5 updates"
    )
    assert [str(w.message) for w in caught] == [h.message]
    assert caught[0].filename == __file__  # attributed to the caller, like the other warning
    assert h.eval_iterations == [0, 5]  # the last evaluation still happened
    with np.errstate(over="ignore", invalid="ignore"):
        assert math.isnan(net.loss(digits.x_train[:32], digits.t_train[:32]))


def test_the_final_check_changes_nothing_in_the_net(digits):
    # batch norm's running statistics and dropout's generator are untouched by the final check
    net = nn.MultiLayerNet(64, [20], 10, use_batchnorm=True, use_dropout=True, seed=3)
    seen = {}

    def snapshot(iteration, net):
        norms = [layer for layer in net.layers if isinstance(layer, nn.BatchNorm)]
        drops = [layer for layer in net.layers if isinstance(layer, nn.Dropout)]
        seen["stats"] = [(b.running_mean.copy(), b.running_var.copy()) for b in norms]
        seen["rng"] = [d.rng.bit_generator.state for d in drops]
        seen["params"] = {k: v.copy() for k, v in net.params.items()}

    with warnings.catch_warnings():
        warnings.simplefilter("error", train.DivergenceWarning)
        h = train.train(net, Adam(lr=1e-3), digits, iterations=4, callback=snapshot)
    assert not h.diverged and h.message == ""
    norms = [layer for layer in net.layers if isinstance(layer, nn.BatchNorm)]
    for b, (mean, var) in zip(norms, seen["stats"], strict=True):
        np.testing.assert_array_equal(b.running_mean, mean)
        np.testing.assert_array_equal(b.running_var, var)
    drops = [layer for layer in net.layers if isinstance(layer, nn.Dropout)]
    assert [d.rng.bit_generator.state for d in drops] == seen["rng"]
    assert all(np.array_equal(net.params[k], v) for k, v in seen["params"].items())


def test_final_check_of_a_net_without_loss_looks_at_the_weights(digits):
    class OnlyLossAndGradient:  # train() accepts a net with loss_and_gradient and no loss
        def __init__(self):
            self.net = nn.MultiLayerNet(64, [10], 10)
            self.params = self.net.params
            self.loss_and_gradient = self.net.loss_and_gradient
            self.accuracy = self.net.accuracy

    class Breaks:  # an optimizer whose last update (lr = 2) writes an infinite weight
        lr = 0.1

        def update(self, params, grads):
            for key in params:
                params[key] -= self.lr * grads[key]
            if self.lr > 1:
                params["W1"][0, 0] = np.inf

    def run(last_lr):
        schedule = lambda t: last_lr if t == 2 else 0.1  # noqa: E731
        return train.train(OnlyLossAndGradient(), Breaks(), digits, iterations=3, schedule=schedule)

    with pytest.warns(train.DivergenceWarning, match="the loss is nan at step 3 .*after 3 upd"):
        h = run(2.0)
    assert h.diverged and h.iterations == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", train.DivergenceWarning)
        assert not run(0.1).diverged


@pytest.mark.parametrize(
    ("value", "error", "pattern"),
    [
        (None, TypeError, r"schedule\(3\) returned None; a learning rate must be a real number"),
        ("0.1", TypeError, r"schedule\(3\) returned '0.1'"),
        (True, TypeError, r"schedule\(3\) returned True"),
        (np.array([0.1]), TypeError, r"schedule\(3\) returned array"),
        (float("inf"), ValueError, r"schedule\(3\) returned inf; .* finite and >= 0"),
    ],
)
def test_a_schedule_that_returns_no_learning_rate(digits, value, error, pattern):
    # a schedule returning None was a bare float() TypeError naming neither schedule nor step
    def schedule(t):
        return 0.1 if t < 3 else value

    with pytest.raises(error, match=pattern):
        train.train(nn.MultiLayerNet(64, [5], 10), SGD(), digits, iterations=5, schedule=schedule)


def test_a_schedule_may_return_numpy_scalars_and_0d_arrays(digits):
    def run(schedule):
        net = nn.MultiLayerNet(64, [5], 10)
        return train.train(net, SGD(), digits, iterations=4, schedule=schedule), net

    plain, a = run(lambda t: 0.1 if t < 2 else 0.01)
    zero_d, b = run(lambda t: np.where(t < 2, 0.1, 0.01))  # a 0-d array
    scalar, c = run(lambda t: np.float64(0.1) if t < 2 else np.float32(0.01))
    assert plain.lr == zero_d.lr == [0.1, 0.1, 0.01, 0.01]
    assert all(type(lr) is float for lr in zero_d.lr + scalar.lr)
    assert plain.loss == zero_d.loss
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_progress_bar_only_when_asked(digits, capsys):
    net = nn.MultiLayerNet(64, [10], 10)
    train.train(net, SGD(), digits, iterations=20)  # under pytest: silent by default
    assert capsys.readouterr().err == ""
    train.train(net, SGD(), digits, iterations=20, progress=True)
    assert "SGD:" in capsys.readouterr().err  # a tqdm bar (cleared at the end: leave=False)


def test_callback_sees_every_update(digits):
    seen = []
    net = nn.MultiLayerNet(64, [10], 10)
    train.train(net, SGD(), digits, iterations=7, callback=lambda i, n: seen.append((i, n is net)))
    assert seen == [(i, True) for i in range(1, 8)]


def test_blas_threads_limited_while_training_and_restored(digits):
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before, during = blas_threads(), []
    net = nn.MultiLayerNet(64, [10], 10)
    train.train(
        net, SGD(), digits, iterations=2, callback=lambda i, n: during.append(blas_threads())
    )
    assert during == [[1] * len(before)] * 2 and blas_threads() == before
    with pytest.raises(ValueError, match="blas_threads must be a positive integer or None, got 0"):
        train.train(net, SGD(), digits, iterations=2, blas_threads=0)
    with pytest.raises(
        TypeError, match="blas_threads must be a positive integer or None, got True"
    ):
        train.train(net, SGD(), digits, iterations=2, blas_threads=True)


# --- smooth_curve -----------------------------------------------------------------------------


def test_smooth_curve_keeps_length_constants_and_lines():
    assert len(train.smooth_curve(np.arange(5.0), window=11)) == 5
    np.testing.assert_allclose(train.smooth_curve(np.full(30, 2.5)), 2.5)
    line = 3.0 * np.arange(40.0) + 1.0
    smooth = train.smooth_curve(line, window=11)
    np.testing.assert_allclose(smooth[5:-5], line[5:-5])  # symmetric window: lines unchanged
    assert smooth[0] > line[0]  # the edges average what exists (one-sided): pulled inwards
    np.testing.assert_array_equal(train.smooth_curve(line, window=1), line)
    assert train.smooth_curve([]).shape == (0,)


def test_smooth_curve_reduces_noise():
    rng = np.random.default_rng(0)
    noisy = 1.0 + rng.standard_normal(2000)
    # the Hann weights of window 11 have sum(w)^2 / sum(w^2) = 8 effective points
    assert np.std(train.smooth_curve(noisy, window=11)) == pytest.approx(1 / np.sqrt(8), rel=0.1)
    w = np.sin(np.pi * np.arange(1, 12) / 12) ** 2
    assert w.sum() ** 2 / (w**2).sum() == pytest.approx(8.0)
    assert train.smooth_curve(noisy, window=11)[1000] == pytest.approx(
        np.dot(w, noisy[995:1006]) / w.sum()
    )


def test_smooth_curve_bad_input():
    with pytest.raises(ValueError, match="window must be a positive odd integer, got 4"):
        train.smooth_curve(np.ones(10), window=4)
    with pytest.raises(TypeError, match="window must be a positive integer, got 3.0"):
        train.smooth_curve(np.ones(10), window=3.0)
    with pytest.raises(ValueError, match="1-D series"):
        train.smooth_curve(np.ones((3, 3)))
