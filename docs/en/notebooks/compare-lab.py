# %% [markdown]
# # Hands-on: choosing an optimizer
#
# [Download this notebook (.ipynb)](compare-lab.ipynb) and run it in Jupyter or Colab, or read it
# here. Its first code cell installs the book's library, `optimizers`, from this site when it
# is missing; in a clone of the repository, `make serve` or `make test` has installed it.
#
# Chapter 7 compared six optimizers on a stretched valley, on the same valley turned by 45°
# and on handwritten digits, and found that the ranking depends on the problem and on the
# learning rates. Here you pick the problem, the optimizers and the learning rates. Every cell
# runs in a few seconds; change the numbers and run it again.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp, landscapes
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import smooth_curve, train

warnings.simplefilter("ignore", RuntimeWarning)  # diverging runs stop early, quietly
RULES = {
    "SGD": SGD,
    "Momentum": Momentum,
    "Nesterov": Nesterov,
    "AdaGrad": AdaGrad,
    "RMSProp": RMSProp,
    "Adam": Adam,
}


def plot_paths(f, learning_rates, steps=30, levels=None):
    """Run each optimizer {name: lr} on f from its start; draw the paths on f's contour lines."""
    X, Y = np.meshgrid(np.linspace(*f.xlim, 200), np.linspace(*f.ylim, 200))
    Z = f.value(np.stack([X, Y]))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.contour(X, Y, Z, levels=levels or [0.25, 1, 2.5, 5, 10, 20], colors="0.75")
    for name, lr in learning_rates.items():
        path = landscapes.trajectory(RULES[name](lr=lr), f, start=None, steps=steps)
        loss = f.value(path[-1]) if len(path) == steps + 1 else float("inf")
        ax.plot(path[:, 0], path[:, 1], "o-", markersize=2, label=f"{name} {lr:g}: {loss:.2g}")
    ax.set_xlim(*f.xlim)
    ax.set_ylim(*f.ylim)
    ax.set_aspect("equal")
    ax.legend(title=f"loss after {steps} steps", fontsize=8, loc="upper right")
    plt.show()


def steps_to_settle(optimizer, f, threshold=1e-3, window=20, max_steps=500):
    """First step from which f stays below threshold for window steps (None: not by max_steps)."""
    point = np.array(f.start)
    params = {"x": np.array(point[0]), "y": np.array(point[1])}
    below = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, max_steps + window):
            g = f.gradient(point)
            optimizer.update(params, {"x": g[0], "y": g[1]})
            point = np.array([params["x"], params["y"]])
            loss = f.value(point)
            if not np.isfinite(loss):
                return None
            below = below + 1 if loss < threshold else 0
            if below == window:
                return step - window + 1
    return None


# %% [markdown]
# ## 1. Paths on the valley
#
# The six optimizers of chapter 7 with its learning rates on $x^2/20 + y^2$. The legend
# gives the loss after 30 steps. Change a learning rate, or replace
# `landscapes.ill_conditioned()` by `landscapes.rotated()` (the valley turned by 45°) and
# watch which paths change.

# %%
f = landscapes.ill_conditioned()
learning_rates = {
    "SGD": 0.95,
    "Momentum": 0.1,
    "Nesterov": 0.1,
    "AdaGrad": 1.5,
    "RMSProp": 0.3,
    "Adam": 0.3,
}
plot_paths(f, learning_rates)

# %% [markdown]
# ## 2. A curved valley: Rosenbrock's function
#
# $f(x, y) = 100\,(y - x^2)^2 + (1 - x)^2$ has its minimum at $(1, 1)$ at the bottom of a
# narrow, curved, almost flat valley. The start is $(-1.2, 1)$. Its gradients are much larger
# than those of our quadratic, so the learning rates must change: these are a first guess
# for 1000 steps. Which optimizer gets to $(1, 1)$? How large can SGD's learning rate get
# before it diverges?

# %%
f = landscapes.rosenbrock()
plot_paths(
    f,
    {"SGD": 0.002, "Momentum": 0.001, "AdaGrad": 1.0, "RMSProp": 0.01, "Adam": 0.1},
    steps=1000,
    levels=list(np.logspace(-1, 3, 9)),
)

# %% [markdown]
# ## 3. Steps to a threshold against the learning rate
#
# The count of chapter 7 (loss below $10^{-3}$ for 20 steps in a row) for a range of
# learning rates. Add optimizers, change the problem, or make the threshold stricter.

# %%
f = landscapes.ill_conditioned()
grid = np.logspace(-2, 1, 31)
fig, ax = plt.subplots(figsize=(7, 4))
for name in ("SGD", "Nesterov", "RMSProp", "Adam"):
    counts = [steps_to_settle(RULES[name](lr=lr), f) for lr in grid]
    ax.loglog(grid, [np.nan if n is None else n for n in counts], label=name)
ax.set_xlabel("learning rate")
ax.set_ylabel("steps until loss < 1e-3")
ax.legend()
plt.show()

# %% [markdown]
# ## 4. A small digits comparison
#
# The 5-layer network of chapter 7 (four hidden layers of 100 ReLU units, He initialization)
# on the 8×8 digits, for 300 iterations instead of 2000. Every optimizer starts from the same
# weights and sees the same mini-batches. Try SGD at 0.1 instead of 0.01.

# %%
digits = load_digits()
learning_rates = {"SGD": 0.01, "Momentum": 0.01, "AdaGrad": 0.01, "RMSProp": 0.01, "Adam": 0.001}
fig, ax = plt.subplots(figsize=(7, 4))
for name, lr in learning_rates.items():
    net = MultiLayerNet(digits.input_size, [100] * 4, digits.n_classes, seed=0)
    history = train(net, RULES[name](lr=lr), digits, iterations=300, batch_size=128, eval_every=300)
    ax.plot(smooth_curve(history.loss), label=f"{name} {lr:g}")
    print(f"{name:8s} lr {lr:<6g}: validation accuracy {history.val_acc[-1]:.3f}")
ax.set_yscale("log")
ax.set_xlabel("iteration")
ax.set_ylabel("training loss (smoothed)")
ax.legend()
plt.show()

# %% [markdown]
# **Try it.**
#
# 1. In section 1, switch to the turned valley. Which optimizer has the lowest loss after 30
#    steps now? Can AdaGrad or RMSProp win back the lead with another learning rate?
# 2. In section 3, switch to `landscapes.rotated()`: which curves move, and which do not?
# 3. In section 4, give each optimizer ten times its learning rate. Which ones still train?
