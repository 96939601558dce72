# %% [markdown]
# # Hands-on: weight initialization
#
# [Download this notebook (.ipynb)](init-lab.ipynb) and run it in Jupyter or Colab, or read it
# here. Its first code cell installs the book's library, `optimizers`, from this site when it
# is missing; in a clone of the repository, `make serve` or `make test` has installed it.
#
# Chapter 11 claims that each layer multiplies the second moment of the signal by
# $n \operatorname{Var}(w)$, times the share the activation keeps (1/2 for ReLU). Here we
# look for the right scale ourselves, instead of taking Xavier's or He's word for it.

# %%
import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import train

x = np.random.default_rng(0).standard_normal((1000, 100))  # 1000 inputs of dimension 100


def layer_outputs(activation, init, depth=5):
    """Outputs of every hidden layer (100 units each) for the random input x."""
    net = MultiLayerNet(100, [100] * depth, 10, activation=activation, weight_init_std=init, seed=0)
    return net.activations(x)


def histograms(activation, init, depth=5):
    outs = layer_outputs(activation, init, depth)
    fig, axes = plt.subplots(1, depth, figsize=(2 * depth, 2), sharey=True)
    for k, (ax, a) in enumerate(zip(axes, outs, strict=True)):
        ax.hist(a.ravel(), bins=30)
        ax.set_title(f"layer {k + 1}")
        ax.set_yticks([])
    fig.suptitle(f"{activation}, init = {init}", y=1.15)
    plt.show()


histograms("relu", 0.05)

# %% [markdown]
# A scale of 0.05 for ReLU lies between std 0.01 and He ($\sqrt{2/100} \approx 0.14$): the
# outputs shrink, more slowly than with 0.01. Change the activation and the scale above and
# watch the histograms.
#
# Now let us find the scale that keeps the signal steady. For each scale we measure the average
# factor by which the standard deviation changes from one layer to the next.

# %%
scales = np.geomspace(0.02, 1.0, 25)
for activation in ("tanh", "relu"):
    factors = []
    for s in scales:
        stds = [a.std() for a in layer_outputs(activation, float(s))]
        factors.append((stds[-1] / stds[0]) ** (1 / 4))  # average factor per layer
    plt.semilogx(scales, factors, "o-", markersize=3, label=activation)
plt.axhline(1.0, color="k", linewidth=0.6)
for name, s in (("Xavier", np.sqrt(1 / 100)), ("He", np.sqrt(2 / 100))):
    plt.axvline(s, color="0.5", linestyle=":")
    plt.text(s * 1.03, 4, name, rotation=90)
plt.xlabel("std of the weights")
plt.ylabel("std factor per layer")
plt.legend()
plt.show()

# %% [markdown]
# For ReLU the factor crosses 1 near He's $\sqrt{2/100} \approx 0.141$. For tanh it levels off
# just below 1 once the scale is large enough: the units saturate, so the spread of their
# outputs cannot grow past that of $\pm 1$, whatever the weights.
#
# **Deeper networks.** With 30 layers the small differences compound:

# %%
for activation, init in [("tanh", "xavier"), ("relu", "xavier"), ("relu", "he")]:
    stds = [a.std() for a in layer_outputs(activation, init, depth=30)]
    print(
        f"{activation:>4s}, {init:>6s}: layer 1 {stds[0]:.3f}, "
        f"layer 10 {stds[9]:.3g}, layer 30 {stds[-1]:.3g}"
    )

# %% [markdown]
# **Training.** Finally, a short run on the digits for three scales of a ReLU network. Try
# others, for instance 0.05 or 0.3, or switch the activation to `"tanh"`.

# %%
data = load_digits()
for init in (0.05, "he", 0.3):
    net = MultiLayerNet(64, [100] * 5, 10, activation="relu", weight_init_std=init, seed=0)
    history = train(net, SGD(lr=0.01), data, iterations=300, eval_every=300)
    loss, accuracy = np.mean(history.loss[-50:]), history.val_acc[-1]
    print(f"init {init!s:>4}: loss {loss:.3f}, validation accuracy {accuracy:.3f}")

# %% [markdown]
# **Try it.** Glorot and Bengio's paper uses
# $\operatorname{Var}(w) = 2/(n_\text{in} + n_\text{out})$. Build a network whose layers are
# not square (for example `[300, 100, 30]`) with `weight_init_std=0.05`, then set each weight
# matrix by hand with `net.params[f"W{k}"][...] = std * rng.standard_normal(shape)`: does the
# paper's rule keep the scale better or worse than $1/n_\text{in}$ on the forward pass?
