# %% [markdown]
# # Hands-on: batch normalization
#
# [Download this notebook (.ipynb)](batchnorm-lab.ipynb) and run it in Jupyter or Colab, or read it
# here. Its first code cell installs the book's library, `optimizers`, from this site when it
# is missing; in a clone of the repository, `make serve` or `make test` has installed it.
#
# We write batch normalization's forward and backward pass ourselves, step by step, check them
# against the library's `BatchNorm`, and then train networks with and without it.

# %%
import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD
from optimizers.data import load_digits
from optimizers.nn import BatchNorm, MultiLayerNet
from optimizers.train import train

rng = np.random.default_rng(0)
x = rng.normal(3.0, 2.0, size=(16, 5))  # a mini-batch: 16 examples, 5 features
gamma, beta, eps = rng.normal(size=5), rng.normal(size=5), 1e-5


def bn_forward(x, gamma, beta, eps):
    """Batch norm in training mode, one small step at a time; keeps what backward needs."""
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc**2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = xc / std
    return gamma * xhat + beta, (xc, std, xhat)


layer = BatchNorm(gamma.copy(), beta.copy(), eps=eps)
ours, cache = bn_forward(x, gamma, beta, eps)
print("forward: largest difference", np.abs(ours - layer.forward(x, train=True)).max())

# %% [markdown]
# The backward pass, by the chain rule through each of those steps in reverse order: first
# $y = \gamma \hat x + \beta$, then $\hat x = x_c / s$, then $s = \sqrt{v + \epsilon}$, then
# $v = \operatorname{mean}(x_c^2)$, and last $x_c = x - \mu$. The chapter's formula packs all
# of this into one line; the two must agree.


# %%
def bn_backward(dy, gamma, cache):
    xc, std, xhat = cache
    m = len(xc)
    dgamma = (dy * xhat).sum(axis=0)
    dbeta = dy.sum(axis=0)
    dxhat = dy * gamma
    dxc = dxhat / std  # through xhat = xc / std, with std held fixed ...
    dstd = -(dxhat * xc).sum(axis=0) / std**2  # ... and through std
    dvar = dstd / (2 * std)
    dxc += dvar * 2 * xc / m  # through var = mean(xc**2)
    dx = dxc - dxc.mean(axis=0)  # through xc = x - mean(x)
    return dx, dgamma, dbeta


dy = rng.normal(size=x.shape)
dx, dgamma, dbeta = bn_backward(dy, gamma, cache)
layer.forward(x, train=True)
print("dx:    ", np.abs(dx - layer.backward(dy)).max())
print("dgamma:", np.abs(dgamma - layer.grads["gamma"]).max())
print("dbeta: ", np.abs(dbeta - layer.grads["beta"]).max())

# %% [markdown]
# **With and without BN.** Now the experiment of the chapter on a smaller scale: four initial
# weight scales, 150 iterations each, with and without BN.

# %%
data = load_digits()
scales = [1.0, 0.1, 0.01, 0.001]
fig, axes = plt.subplots(1, len(scales), figsize=(12, 2.8), sharey=True)
for ax, scale in zip(axes, scales, strict=True):
    for bn, color in ((False, "0.5"), (True, "C2")):
        net = MultiLayerNet(64, [100] * 5, 10, weight_init_std=scale, use_batchnorm=bn, seed=0)
        history = train(net, SGD(lr=0.01), data, iterations=150, eval_every=15)
        label = "with BN" if bn else "without BN"
        ax.plot(history.eval_iterations, history.train_acc, color=color, label=label)
    ax.set_title(f"scale = {scale}")
    ax.set_xlabel("iteration")
axes[0].set_ylabel("training accuracy")
axes[0].legend()
plt.show()

# %% [markdown]
# (A run without BN at scale 1 diverges at once; `train` then warns and its curve is a single
# point.)
#
# **The batch size.** BN estimates its statistics from each mini-batch, so small batches give
# noisy statistics. Does that stop training? Train with a few batch sizes on the same number of
# examples (smaller batches then make more updates) and evaluate in inference mode.

# %%
for batch_size in (4, 16, 128):
    net = MultiLayerNet(64, [100] * 5, 10, use_batchnorm=True, seed=0)
    iterations = 25_600 // batch_size  # 25 600 examples in every run
    history = train(net, SGD(lr=0.01), data, iterations=iterations, batch_size=batch_size)
    print(f"batch size {batch_size:3d}: validation accuracy {history.val_acc[-1]:.3f}")

# %% [markdown]
# Here both smaller batches beat 128: they make many more updates, and the noise of their
# statistics does not stop the training. Where small batches hurt BN is the mismatch between
# training and inference that the chapter measured. Try `batch_size=2`, the smallest batch BN
# accepts (the run takes a little longer).
#
# **Try it.**
#
# - Replace `SGD(lr=0.01)` in the experiment above by `SGD(lr=0.1)` or `SGD(lr=1.0)`. Which
#   curves improve, and which break?
# - Change the `momentum` of the running statistics (`BatchNorm(..., momentum=0.99)`) in a
#   small experiment of your own: how many batches does the running mean need to settle?
# - Feed `bn_forward` a batch whose features are all constant. What does it return, and why
#   does $\epsilon$ matter here?
