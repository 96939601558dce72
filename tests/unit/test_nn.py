"""Layers and MultiLayerNet: numerical gradient checks, batch norm, initialisers, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from optimizers import nn

TOL = 1e-6  # relative error ||analytic - numerical|| / (||analytic|| + ||numerical||)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def check_layer(layer, x: np.ndarray, rng: np.random.Generator) -> None:
    """Gradient check of f = sum(forward(x) * R) for a fixed random R, w.r.t. x and params."""
    r = rng.standard_normal(layer.forward(x).shape)

    def f() -> float:
        return float(np.sum(layer.forward(x) * r))

    f()
    dx = layer.backward(r)
    assert rel_error(dx, nn.numerical_gradient(f, x)) < TOL
    for name, p in getattr(layer, "params", {}).items():
        f()
        layer.backward(r)
        analytic = layer.grads[name].copy()
        assert rel_error(analytic, nn.numerical_gradient(f, p)) < TOL, name


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


# --- every layer ------------------------------------------------------------------------------


def test_affine_gradients(rng):
    layer = nn.Affine(rng.standard_normal((4, 3)), rng.standard_normal(3))
    check_layer(layer, rng.standard_normal((5, 4)), rng)


def test_affine_without_input_gradient_returns_none(rng):
    layer = nn.Affine(rng.standard_normal((4, 3)), rng.standard_normal(3))
    layer.input_grad = False
    layer.forward(rng.standard_normal((5, 4)))
    assert layer.backward(np.ones((5, 3))) is None
    np.testing.assert_allclose(layer.grads["b"], np.full(3, 5.0))


@pytest.mark.parametrize("layer_class", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_activation_gradients(layer_class, rng):
    x = rng.standard_normal((6, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU away from its kink
    check_layer(layer_class(), x, rng)


def test_sigmoid_saturates_without_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.Sigmoid().forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_array_equal(out, [[0.0, 0.5, 1.0]])


@pytest.mark.parametrize("labels", ["integers", "one-hot"])
def test_softmax_with_loss_gradient(labels, rng):
    x = rng.standard_normal((5, 4))
    t = rng.integers(0, 4, 5)
    if labels == "one-hot":
        t = np.eye(4)[t]
    layer = nn.SoftmaxWithLoss()

    def f() -> float:
        return layer.forward(x, t)

    f()
    assert rel_error(layer.backward(1.0), nn.numerical_gradient(f, x)) < TOL


def test_softmax_with_loss_values():
    layer = nn.SoftmaxWithLoss()
    assert layer.forward(np.zeros((3, 4)), np.array([0, 1, 3])) == pytest.approx(np.log(4.0))
    # huge scores: log-softmax, no overflow, and the loss of a confident right answer is ~0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = layer.forward(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert loss == pytest.approx(500.0)  # (0 + 1000) / 2
    np.testing.assert_allclose(nn.softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]])


def test_dropout_gradient_with_frozen_mask(rng):
    layer = nn.Dropout(0.4, seed=3)
    x = rng.standard_normal((6, 5))
    layer.forward(x)
    layer.frozen = True
    check_layer(layer, x, rng)
    assert 0 < np.count_nonzero(layer.mask) < layer.mask.size


def test_dropout_statistics():
    layer = nn.Dropout(0.3, seed=0)
    x = np.ones((1000, 100))
    out = layer.forward(x)
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.02)  # inverted dropout keeps the mean
    np.testing.assert_array_equal(layer.forward(x, train=False), x)
    assert not np.array_equal(layer.forward(x), out)  # a new mask each call unless frozen
    with pytest.raises(ValueError, match=r"Dropout: ratio must be in \[0, 1\), got 1.0"):
        nn.Dropout(1.0)
    with pytest.raises(TypeError, match="Dropout: ratio must be a real number.*got '0.5'"):
        nn.Dropout("0.5")


def test_batchnorm_gradients_in_training_mode(rng):
    layer = nn.BatchNorm(rng.uniform(0.5, 2.0, 4), rng.standard_normal(4))
    check_layer(layer, rng.standard_normal((8, 4)) * 3.0 + 1.0, rng)


# --- batch norm statistics --------------------------------------------------------------------


def test_batchnorm_training_output_is_normalised(rng):
    gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -3.0])
    layer = nn.BatchNorm(gamma, beta)
    x = rng.normal([5.0, -1.0], [3.0, 0.2], size=(64, 2))
    out = layer.forward(x)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    var = x.var(axis=0)
    np.testing.assert_allclose(out.std(axis=0), gamma * np.sqrt(var / (var + 1e-5)), rtol=1e-12)


def test_batchnorm_inference_uses_running_statistics(rng):
    layer = nn.BatchNorm(np.array([1.5, 0.7, 1.0]), np.array([0.1, -0.2, 0.3]))
    for _ in range(20):
        layer.forward(rng.normal(2.0, 3.0, size=(32, 3)))
    x = rng.standard_normal((10, 3))
    expected = (x - layer.running_mean) / np.sqrt(layer.running_var + 1e-5) * np.array(
        [1.5, 0.7, 1.0]
    ) + np.array([0.1, -0.2, 0.3])
    before = (layer.running_mean.copy(), layer.running_var.copy())
    np.testing.assert_allclose(layer.forward(x, train=False), expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.running_mean, before[0])  # inference changes nothing
    np.testing.assert_array_equal(layer.running_var, before[1])


def test_batchnorm_running_statistics_converge(rng):
    mu, sigma = np.array([3.0, -2.0, 0.0]), np.array([0.5, 4.0, 1.0])
    layer = nn.BatchNorm(np.ones(3), np.zeros(3), momentum=0.9)
    for _ in range(300):
        layer.forward(rng.normal(mu, sigma, size=(256, 3)))
    np.testing.assert_allclose(layer.running_mean, mu, atol=0.05 * sigma.max())
    np.testing.assert_allclose(layer.running_var, sigma**2, rtol=0.1)


def test_batchnorm_running_variance_is_unbiased(rng):
    # With batches of 4 the biased batch variance averages 3/4 of the true variance; the
    # running variance uses m / (m - 1) and averages the true variance.
    layer = nn.BatchNorm(np.ones(1), np.zeros(1), momentum=0.9)
    seen = []
    for step in range(3000):
        layer.forward(rng.normal(0.0, 2.0, size=(4, 1)))
        if step >= 100:
            seen.append(layer.running_var[0])
    assert np.mean(seen) == pytest.approx(4.0, rel=0.06)


def test_batchnorm_rejects_single_example_batches_and_bad_settings():
    layer = nn.BatchNorm(np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="at least 2 examples"):
        layer.forward(np.ones((1, 2)))
    assert layer.forward(np.ones((1, 2)), train=False).shape == (1, 2)
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm(np.ones(2), np.zeros(2), momentum=1.0)


# --- batch norm for convolutional layers: (N, C, H, W) input ----------------------------------


def test_batchnorm_4d_gradients(rng):
    layer = nn.BatchNorm(rng.uniform(0.5, 2.0, 3), rng.standard_normal(3))
    check_layer(layer, rng.standard_normal((2, 3, 4, 5)) * 3.0 + 1.0, rng)


def test_batchnorm_4d_normalises_each_channel_over_batch_and_positions(rng):
    gamma, beta = np.array([2.0, 0.5, 1.0]), np.array([1.0, -3.0, 0.0])
    layer = nn.BatchNorm(gamma.copy(), beta.copy())
    # each channel has its own mean and spread, and its mean also varies across positions
    x = rng.normal(0.0, 1.0, (8, 3, 5, 5)) * np.array([3.0, 0.2, 1.0])[:, None, None]
    x += np.array([5.0, -1.0, 0.0])[:, None, None] + np.linspace(-1, 1, 5)
    out = layer.forward(x)
    assert out.shape == x.shape
    axes = (0, 2, 3)
    np.testing.assert_allclose(out.mean(axis=axes), beta, atol=1e-12)
    var = x.var(axis=axes)
    np.testing.assert_allclose(out.std(axis=axes), gamma * np.sqrt(var / (var + 1e-5)), rtol=1e-12)
    m = 8 * 5 * 5  # the running statistics: one per channel, the variance unbiased over N H W
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, 0.9 + 0.1 * var * m / (m - 1), rtol=1e-12)
    # positions are not normalised one by one: the mean at a position keeps its offset
    assert np.ptp(out.mean(axis=(0, 2))[2]) > 0.5


def test_batchnorm_one_pixel_images_are_the_dense_case(rng):
    """(N, C, 1, 1) gives bit for bit what (N, C) gives: forward, backward, running statistics."""
    gamma, beta = rng.uniform(0.5, 2.0, 4), rng.standard_normal(4)
    dense, conv = nn.BatchNorm(gamma.copy(), beta.copy()), nn.BatchNorm(gamma.copy(), beta.copy())
    for _ in range(3):
        x, dout = rng.normal(2.0, 3.0, (6, 4)), rng.standard_normal((6, 4))
        out = conv.forward(x[:, :, None, None])
        assert out.shape == (6, 4, 1, 1)
        assert np.array_equal(out[:, :, 0, 0], dense.forward(x))
        dx = conv.backward(dout[:, :, None, None])
        assert np.array_equal(dx[:, :, 0, 0], dense.backward(dout))
        for key in ("gamma", "beta"):
            assert np.array_equal(conv.grads[key], dense.grads[key])
    assert np.array_equal(conv.running_mean, dense.running_mean)
    assert np.array_equal(conv.running_var, dense.running_var)
    x = rng.standard_normal((3, 4))
    assert np.array_equal(
        conv.forward(x[:, :, None, None], False)[:, :, 0, 0], dense.forward(x, False)
    )


def test_batchnorm_4d_training_needs_two_values_per_channel():
    layer = nn.BatchNorm(np.ones(2), np.zeros(2))
    assert layer.forward(np.arange(4.0).reshape(1, 2, 1, 2)).shape == (1, 2, 1, 2)  # 1 image
    with pytest.raises(ValueError, match="at least 2 examples"):
        layer.forward(np.ones((1, 2, 1, 1)))


def test_batchnorm_rejects_bad_shapes():
    layer = nn.BatchNorm(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"\(batch, channels, height, width\), got an array of "):
        layer.forward(np.ones((4, 3, 5)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        layer.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"x has 4 channels \(axis 1 of shape \(2, 4, 3, 3\)\), "):
        layer.forward(np.ones((2, 4, 3, 3)))
    with pytest.raises(ValueError, match="x has 2 features .*gamma and beta have 3"):
        layer.forward(np.ones((5, 2)), train=False)
    with pytest.raises(ValueError, match=r"BatchNorm: gamma and beta must be 1-D.*\(1, 3\) and"):
        nn.BatchNorm(np.ones((1, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"got shapes \(3,\) and \(2,\)"):
        nn.BatchNorm(np.ones(3), np.zeros(2))


# --- batch norm against torch.nn.BatchNorm1d / BatchNorm2d (skipped without torch) -----------


@pytest.fixture
def torch64():
    """torch in float64 with one thread (tiny tensors), restored afterwards; skip without it."""
    torch = pytest.importorskip("torch")
    old_dtype, old_threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield torch
    torch.set_default_dtype(old_dtype)
    torch.set_num_threads(old_threads)


def close(ours: np.ndarray, theirs, tol: float = 1e-12) -> None:
    """Agreement to ``tol`` relative to the largest entry of the torch array."""
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= tol * max(1.0, np.abs(theirs).max())


@pytest.mark.parametrize(
    ("shape", "momentum"),
    [((4, 3, 5, 6), 0.9), ((2, 5, 3, 3), 0.75), ((16, 5), 0.9)],
    ids=["2d-default", "2d-momentum", "1d"],
)
def test_batchnorm_equals_torch(torch64, shape, momentum, rng):
    """Ours ``momentum`` weighs the old running value, torch's the new one: torch's is 1 - ours.
    Several training batches (forward, backward, running statistics), then inference."""
    torch = torch64
    c = shape[1]
    gamma, beta = rng.uniform(0.5, 2.0, c), rng.standard_normal(c)
    ours = nn.BatchNorm(gamma.copy(), beta.copy(), momentum=momentum)
    module = torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d
    theirs = module(c, eps=1e-5, momentum=1 - momentum)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(gamma))
        theirs.bias.copy_(torch.from_numpy(beta))
    for _ in range(6):
        x = rng.normal(2.0, 3.0, shape) * rng.uniform(0.1, 5.0, c).reshape(
            c, *[1] * (len(shape) - 2)
        )
        dout = rng.standard_normal(shape)
        xt = torch.from_numpy(x).requires_grad_()
        theirs.zero_grad()
        out = theirs(xt)
        out.backward(torch.from_numpy(dout))
        close(ours.forward(x, train=True), out)
        close(ours.backward(dout), xt.grad)
        close(ours.grads["gamma"], theirs.weight.grad)
        close(ours.grads["beta"], theirs.bias.grad)
        close(ours.running_mean, theirs.running_mean)
        close(ours.running_var, theirs.running_var)
    theirs.eval()
    x = rng.normal(2.0, 3.0, shape)
    with torch.no_grad():
        close(ours.forward(x, train=False), theirs(torch.from_numpy(x)))


# --- the whole network ------------------------------------------------------------------------

NET_CASES = {
    "relu": {},
    "sigmoid": {"activation": "sigmoid", "weight_init_std": "xavier"},
    "tanh": {"activation": "tanh", "weight_init_std": 0.5},
    "batchnorm": {"use_batchnorm": True},
    "weight-decay": {"weight_decay_lambda": 0.1},
    "dropout": {"use_dropout": True, "dropout_ratio": 0.3},
    "everything": {
        "use_batchnorm": True,
        "use_dropout": True,
        "weight_decay_lambda": 0.05,
        "dropout_ratio": 0.2,
    },
}


@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one-hot"])
@pytest.mark.parametrize("case", NET_CASES)
def test_network_gradient_check(case, one_hot, rng):
    net = nn.MultiLayerNet(5, [6, 4], 3, seed=2, **NET_CASES[case])
    # random biases and BN parameters too: zero biases put ReLU inputs exactly on the kink
    net.set_params({k: v + 0.2 * rng.standard_normal(v.shape) for k, v in net.params.items()})
    x = rng.standard_normal((7, 5))
    t = rng.integers(0, 3, 7)
    t = np.eye(3)[t] if one_hot else t

    def f() -> float:
        return net.loss(x, t, train=True)

    f()
    net.freeze_dropout()
    grads = net.gradient(x, t)
    assert set(grads) == set(net.params)
    for key, p in net.params.items():
        numerical = nn.numerical_gradient(f, p)
        if net.use_batchnorm and key in ("b1", "b2"):
            # batch norm subtracts the batch mean: the bias before it has no effect at all
            assert np.abs(grads[key]).max() < 1e-12
            assert np.abs(numerical).max() < 1e-8
        else:
            assert rel_error(grads[key], numerical) < TOL, key


def test_weight_decay_adds_to_loss_and_gradient(rng):
    plain = nn.MultiLayerNet(4, [5], 3, seed=1)
    decayed = nn.MultiLayerNet(4, [5], 3, seed=1, weight_decay_lambda=0.3)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    squares = sum(np.sum(decayed.params[k] ** 2) for k in ("W1", "W2"))
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + 0.15 * squares, rel=1e-12)
    g_plain, g_decayed = plain.gradient(x, t), decayed.gradient(x, t)
    np.testing.assert_allclose(g_decayed["W1"], g_plain["W1"] + 0.3 * plain.params["W1"])
    np.testing.assert_array_equal(g_decayed["b1"], g_plain["b1"])


def test_params_keys_and_shapes():
    net = nn.MultiLayerNet(64, [100, 50], 10, use_batchnorm=True)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {
        "W1": (64, 100),
        "b1": (100,),
        "gamma1": (100,),
        "beta1": (100,),
        "W2": (100, 50),
        "b2": (50,),
        "gamma2": (50,),
        "beta2": (50,),
        "W3": (50, 10),
        "b3": (10,),
    }
    assert all(v.dtype == np.float64 for v in net.params.values())


def test_params_updated_in_place_or_rebound_both_reach_the_layers(rng):
    net = nn.MultiLayerNet(4, [5], 3, seed=0)
    x = rng.standard_normal((2, 4))
    before = net.predict(x)
    net.params["b2"] += 1.0  # in place, as the optimizers do
    np.testing.assert_allclose(net.predict(x), before + 1.0)
    net.params["b2"] = net.params["b2"] + 1.0  # rebinding the dict entry works too
    np.testing.assert_allclose(net.predict(x), before + 2.0)


def test_set_params_copies_and_checks():
    a, b = nn.MultiLayerNet(4, [5], 3, seed=0), nn.MultiLayerNet(4, [5], 3, seed=1)
    b.set_params(a.params)
    x = np.ones((2, 4))
    np.testing.assert_array_equal(a.predict(x), b.predict(x))
    assert b.params["W1"] is not a.params["W1"]
    with pytest.raises(ValueError, match="must have the keys"):
        b.set_params({"W1": a.params["W1"]})
    with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(5, 4\), expected \(4, 5\)"):
        b.set_params({**a.params, "W1": a.params["W1"].T})


def test_seed_fixes_the_weights():
    a, b, c = (nn.MultiLayerNet(8, [6], 3, seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_dropout_does_not_change_the_initial_weights():
    a = nn.MultiLayerNet(8, [6, 6], 3, seed=3)
    b = nn.MultiLayerNet(8, [6, 6], 3, seed=3, use_dropout=True)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_accuracy_and_predict(rng):
    net = nn.MultiLayerNet(4, [5], 3, seed=0)
    x = rng.standard_normal((20, 4))
    labels = net.predict(x).argmax(axis=1)
    assert net.accuracy(x, labels) == 1.0
    assert net.accuracy(x, np.eye(3)[labels]) == 1.0
    assert net.accuracy(x, (labels + 1) % 3) == 0.0
    assert net.accuracy(x.reshape(20, 2, 2), labels) == 1.0  # images are flattened


def test_float32_network(rng):
    net32 = nn.MultiLayerNet(6, [8, 8], 3, seed=0, dtype=np.float32, use_batchnorm=True)
    net64 = nn.MultiLayerNet(6, [8, 8], 3, seed=0, use_batchnorm=True)
    x, t = rng.standard_normal((10, 6)), rng.integers(0, 3, 10)
    loss32, g32 = net32.loss_and_gradient(x, t)
    loss64, g64 = net64.loss_and_gradient(x, t)
    assert net32.predict(x).dtype == np.float32
    assert all(g.dtype == np.float32 for g in g32.values())
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    for k in g64:
        if k in ("b1", "b2"):  # before batch norm: no effect, gradient ~0 (rounding only)
            assert np.abs(g32[k]).max() < 1e-6
        else:
            assert rel_error(g32[k].astype(np.float64), g64[k]) < 1e-5, k
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        nn.MultiLayerNet(6, [8], 3, dtype=np.int32)


def test_activations_for_the_histograms(rng):
    # The initialisation chapter: 5 sigmoid layers of 100 units, 1000 random inputs.
    x = rng.standard_normal((1000, 100))
    spread = {}
    for init in (1.0, 0.01, "xavier"):
        net = nn.MultiLayerNet(100, [100] * 5, 10, activation="sigmoid", weight_init_std=init)
        acts = net.activations(x)
        assert [a.shape for a in acts] == [(1000, 100)] * 5
        assert all(((a >= 0) & (a <= 1)).all() for a in acts)
        spread[init] = acts
    # std 1: the outputs pile up near 0 and 1 (saturation; measured 72-83 % per layer)
    assert all(np.mean((a < 0.1) | (a > 0.9)) > 0.6 for a in spread[1.0])
    # std 0.01: everything near 0.5 (measured std 0.012-0.025)
    assert all(a.std() < 0.04 and abs(a.mean() - 0.5) < 0.05 for a in spread[0.01])
    # Xavier: spread out without saturating (measured std 0.12-0.21, < 3 % saturated)
    assert all(0.08 < a.std() < 0.3 for a in spread["xavier"])
    assert all(np.mean((a < 0.1) | (a > 0.9)) < 0.1 for a in spread["xavier"])


def test_activations_train_mode_keeps_running_statistics(rng):
    net = nn.MultiLayerNet(10, [20, 20], 4, use_batchnorm=True, use_dropout=True)
    x = rng.normal(3.0, 2.0, size=(50, 10))
    acts = net.activations(x, train=True)
    bn = [layer for layer in net.layers if isinstance(layer, nn.BatchNorm)]
    assert all(np.array_equal(b.running_mean, np.zeros(20)) for b in bn)
    assert all(np.array_equal(b.running_var, np.ones(20)) for b in bn)
    # batch statistics: the pre-activations were normalised, so about half the ReLUs fire
    assert np.mean(acts[0] > 0) == pytest.approx(0.5, abs=0.1)
    assert net.activations(x, train=True)[1] == pytest.approx(acts[1])  # dropout is off


# --- initialisers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("init", "std"),
    [
        ("he", np.sqrt(2 / 400)),
        ("msra", np.sqrt(2 / 400)),
        ("relu", np.sqrt(2 / 400)),
        ("xavier", np.sqrt(1 / 400)),
        ("glorot", np.sqrt(1 / 400)),
        ("sigmoid", np.sqrt(1 / 400)),
        ("He", np.sqrt(2 / 400)),
        (0.01, 0.01),
        (1.0, 1.0),
    ],
)
def test_init_weights(init, std):
    assert nn.init_std(init, 400) == pytest.approx(std, rel=1e-12)
    W = nn.init_weights(400, 300, init, rng=0)
    assert W.shape == (400, 300)
    assert W.std() == pytest.approx(std, rel=0.01)  # 120000 draws: sd of the estimate ~0.2%
    assert abs(W.mean()) < 0.01 * std


def test_network_uses_the_init():
    net = nn.MultiLayerNet(400, [300], 10, weight_init_std="xavier", seed=0)
    assert net.params["W1"].std() == pytest.approx(np.sqrt(1 / 400), rel=0.01)
    assert net.params["W2"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.05)
    assert not net.params["b1"].any()


# --- bad input --------------------------------------------------------------------------------


@pytest.fixture
def net() -> nn.MultiLayerNet:
    return nn.MultiLayerNet(4, [5], 3, seed=0)


def test_mismatched_lengths(net):
    with pytest.raises(ValueError, match="x has 5 examples but t has 4 labels"):
        net.loss(np.ones((5, 4)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="x has 5 examples but t has 4 labels"):
        net.gradient(np.ones((5, 4)), np.zeros(4, dtype=int))


def test_wrong_input_width(net):
    with pytest.raises(ValueError, match="x has 7 features per example, the network expects 4"):
        net.predict(np.ones((2, 7)))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 4\)"):
        net.predict(np.ones(4))


def test_labels_out_of_range(net):
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2, got values from 0 to 3"):
        net.loss(np.ones((2, 4)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2, got values from -1 to 0"):
        net.accuracy(np.ones((2, 4)), np.array([-1, 0]))
    with pytest.raises(ValueError, match="labels must be integers"):
        net.loss(np.ones((2, 4)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"one-hot labels must have shape \(2, 3\)"):
        net.loss(np.ones((2, 4)), np.eye(4)[:2])
    with pytest.raises(ValueError, match="need at least one example"):
        net.loss(np.ones((0, 4)), np.zeros(0, dtype=int))


def test_unknown_init_and_activation():
    with pytest.raises(ValueError, match="unknown weight init 'lecun'; .*he.*xavier"):
        nn.MultiLayerNet(4, [5], 3, weight_init_std="lecun")
    with pytest.raises(ValueError, match="weight init std must be a positive finite number"):
        nn.init_std(-0.1, 10)
    with pytest.raises(ValueError, match="unknown activation 'gelu'; use one of"):
        nn.MultiLayerNet(4, [5], 3, activation="gelu")


def test_bad_sizes():
    with pytest.raises(
        ValueError, match=r"hidden_size_list\[1\] must be a positive integer, got 0"
    ):
        nn.MultiLayerNet(4, [5, 0], 3)
    with pytest.raises(ValueError, match="input_size must be a positive integer, got 0"):
        nn.MultiLayerNet(0, [5], 3)
    with pytest.raises(
        TypeError, match=r"hidden_size_list\[0\] must be a positive integer, got 10.0"
    ):
        nn.MultiLayerNet(4, [10.0], 3)
    with pytest.raises(TypeError, match="output_size must be a positive integer, got True"):
        nn.MultiLayerNet(4, [5], True)
    with pytest.raises(TypeError, match="hidden_size_list must be a list of layer sizes, got 5"):
        nn.MultiLayerNet(4, 5, 3)
    with pytest.raises(ValueError, match="weight_decay_lambda must be a non-negative finite"):
        nn.MultiLayerNet(4, [5], 3, weight_decay_lambda=-1.0)
    # NumPy integers are sizes too, and give the same network as Python ints
    a, b = nn.MultiLayerNet(4, [5], 3), nn.MultiLayerNet(np.int64(4), np.array([5]), np.int32(3))
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert b.hidden_size_list == [5] and type(b.input_size) is int


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [  # the review's reproducers: each names the argument (they were raw numpy/Python errors)
        ({"hidden_size_list": None}, TypeError, "hidden_size_list must be a list.*got None"),
        ({"weight_decay_lambda": None}, TypeError, "weight_decay_lambda must be a real number"),
        ({"weight_decay_lambda": "0.1"}, TypeError, "weight_decay_lambda.*got '0.1'"),
        ({"weight_decay_lambda": True}, TypeError, "weight_decay_lambda.*got True"),
        ({"weight_decay_lambda": np.inf}, ValueError, "weight_decay_lambda.*got inf"),
        ({"use_dropout": True, "dropout_ratio": "0.5"}, TypeError, "dropout_ratio.*got '0.5'"),
        ({"use_dropout": True, "dropout_ratio": 1.0}, ValueError, r"dropout_ratio.*\[0, 1\)"),
        ({"dropout_ratio": -0.1}, ValueError, r"dropout_ratio must be in \[0, 1\), got -0.1"),
    ],
)
def test_multilayernet_bad_arguments_name_the_argument(kwargs, error, pattern):
    arguments = {"hidden_size_list": [5], **kwargs}
    with pytest.raises(error, match=pattern):
        nn.MultiLayerNet(4, output_size=3, **arguments)


def test_init_std_checks_n_in():
    # init_std('he', 0) was a ZeroDivisionError, init_std('he', -4) a silent NaN
    with pytest.raises(ValueError, match="n_in must be a positive integer, got 0"):
        nn.init_std("he", 0)
    with pytest.raises(ValueError, match="n_in must be a positive integer, got -4"):
        nn.init_std("he", -4)
    with pytest.raises(ValueError, match="n_in must be a positive integer, got -4"):
        nn.init_weights(-4, 3)
    with pytest.raises(TypeError, match="n_in must be a positive integer, got 2.5"):
        nn.init_std(0.1, 2.5)
    with pytest.raises(TypeError, match="weight init must be a positive float std or one of"):
        nn.init_std(None, 10)
    with pytest.raises(TypeError, match="n_out must be a non-negative integer, got 3.0"):
        nn.init_weights(4, 3.0)
    assert nn.init_std("he", np.int64(8)) == nn.init_std("he", 8) == 0.5
    assert nn.init_std(0.01, 8) == 0.01


def test_batchnorm_bad_arguments():
    ones, zeros = np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match=r"BatchNorm: momentum must be in \[0, 1\), got 1"):
        nn.BatchNorm(ones, zeros, momentum=1)
    with pytest.raises(ValueError, match="BatchNorm: eps must be a positive finite number"):
        nn.BatchNorm(ones, zeros, eps=0.0)
    with pytest.raises(TypeError, match="BatchNorm: momentum must be a real number"):
        nn.BatchNorm(ones, zeros, momentum="0.9")


def test_softmax_with_loss_checks_labels_when_used_directly():
    x = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    layer = nn.SoftmaxWithLoss()
    # label -1 used to mean the last class silently
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2, got values from -1 to 1"):
        layer.forward(x, np.array([-1, 1]))
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2, got values from 0 to 3"):
        layer.forward(x, np.array([0, 3]))
    with pytest.raises(ValueError, match="labels must be integers"):
        layer.forward(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"one-hot labels must have shape \(2, 3\), got \(2, 1\)"):
        layer.forward(x, np.ones((2, 1)))  # would broadcast silently
    log_p = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    assert layer.forward(x, np.array([0, 1])) == pytest.approx(-(log_p[0, 0] + log_p[1, 1]) / 2)
    assert layer.forward(x, np.eye(3)[[0, 1]]) == pytest.approx(-(log_p[0, 0] + log_p[1, 1]) / 2)


def test_numerical_gradient_refuses_integer_arrays():
    # x = [1, 2, 3] of ints: x + h was truncated in place, giving [50000, 150000, 250000]
    x = np.array([1, 2, 3])
    with pytest.raises(TypeError, match="floating-point array.*got dtype int64.*astype"):
        nn.numerical_gradient(lambda: float(np.sum(x**2)), x)
    np.testing.assert_array_equal(x, [1, 2, 3])  # untouched
    x = x.astype(np.float64)
    np.testing.assert_allclose(
        nn.numerical_gradient(lambda: float(np.sum(x**2)), x), [2.0, 4.0, 6.0], rtol=1e-9
    )
    with pytest.raises(TypeError, match="x must be the NumPy array that f reads, got list"):
        nn.numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="h must be a positive finite number, got 0"):
        nn.numerical_gradient(lambda: 0.0, x, h=0)


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = nn.numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-9)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored
