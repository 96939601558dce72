# %% [markdown]
# # Hands-on: watching training and searching hyperparameters
#
# [Download this notebook (.ipynb)](tuning-lab.ipynb) and run it in Jupyter or Colab, or read it
# here. Its first code cell installs the book's library, `optimizers`, from this site when it
# is missing; in a clone of the repository, `make serve` or `make test` has installed it.
#
# Chapter 13 trained a network on 100 training digits and saw a gap of 0.117 between its
# training and validation accuracy, against 0.014 with all 1079. Here you draw the whole
# *learning curve*: the final accuracies for several training-set sizes. Then you run a random
# search of your own, with a third hyperparameter, the width of the hidden layer.

# %%
import dataclasses
import math
import warnings

import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, Momentum, search
from optimizers.data import load_digits
from optimizers.nn import MultiLayerNet
from optimizers.train import train

warnings.simplefilter("ignore", RuntimeWarning)  # diverging runs stop early, quietly
digits = load_digits()


def subset(n):
    """The digits with only the first n training images (validation and test unchanged)."""
    return dataclasses.replace(digits, x_train=digits.x_train[:n], t_train=digits.t_train[:n])


# %% [markdown]
# ## A learning curve
#
# The same network and optimizer as in the chapter, trained for 1200 updates (batches of 20)
# on training sets of increasing size.

# %%
sizes = [25, 50, 100, 200, 400, 1079]
final = {}
for n in sizes:
    net = MultiLayerNet(64, [100, 100], 10, seed=0)
    history = train(net, Momentum(lr=0.05), subset(n), iterations=1200, batch_size=20)
    final[n] = (history.train_acc[-1], history.val_acc[-1])
    print(f"{n:5d} training images: training {final[n][0]:.3f}, validation {final[n][1]:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogx(sizes, [final[n][0] for n in sizes], "o-", label="training")
ax.semilogx(sizes, [final[n][1] for n in sizes], "o-", label="validation")
ax.set_xlabel("training images")
ax.set_ylabel("accuracy")
ax.legend()
plt.show()

# %% [markdown]
# The training accuracy is 1 for every size: the network can memorize all the images it sees.
# The validation accuracy is what grows with the data, and the gap shrinks.
#
# **Try it.** Add weight decay (`weight_decay_lambda=0.01` in `MultiLayerNet`) and redraw the
# curve. For which sizes does it close the gap, and does it raise the validation accuracy?

# %% [markdown]
# ## A random search with three hyperparameters
#
# The objective of the chapter, with the number of hidden units as a third hyperparameter,
# drawn from a list. Every trial is a real training run of 300 updates.

# %%
def objective(lr, weight_decay, width):
    """Validation accuracy after 300 updates of SGD on a network with `width` hidden units."""
    net = MultiLayerNet(64, [width], 10, weight_decay_lambda=weight_decay, seed=0)
    history = train(net, SGD(lr=lr), digits, iterations=300, batch_size=32, eval_every=300)
    return math.nan if history.diverged else history.val_acc[-1]


space = {
    "lr": search.log_uniform(1e-3, 10),
    "weight_decay": search.log_uniform(1e-6, 1e-1),
    "width": [10, 50, 200],
}
trials = search.random_search(objective, space, n_trials=30, seed=1, executor="serial")
print(search.format_trials(trials, top=8))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for width, color in zip(space["width"], ["C0", "C1", "C2"], strict=True):
    mine = [t for t in trials if t.params["width"] == width]
    for ax, name in zip(axes, ["lr", "weight_decay"], strict=True):
        ax.semilogx([t.params[name] for t in mine], [t.score for t in mine], "o", color=color,
                    label=f"{width} units")
for ax, name in zip(axes, ["learning rate", "weight decay"], strict=True):
    ax.set_xlabel(name)
axes[0].set_ylabel("validation accuracy")
axes[0].legend()
plt.show()

# %% [markdown]
# Which of the three hyperparameters matters most? Look at how much the score changes along
# each axis. **Try it.** Run `search.coarse_to_fine` on the same space (`rounds=3`,
# `n_trials=15`) and look at which ranges shrink. Then check the best setting on the test set,
# once: `search.best_trial(trials).params` gives it.
