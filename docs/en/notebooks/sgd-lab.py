# %% [markdown]
# # Hands-on: the learning rate of SGD
#
# [Download this notebook (.ipynb)](sgd-lab.ipynb) and run it in Jupyter or Colab, or read it
# here. Its first code cell installs the book's library, `optimizers`, from this site when it
# is missing; in a clone of the repository, `make serve` or `make test` has installed it.
#
# Chapter 1 claims that on $f(x, y) = x^2/20 + y^2$ SGD converges only for learning rates
# below 1, and that even the best learning rate shrinks the error by just
# $(\kappa - 1)/(\kappa + 1) \approx 0.905$ per step. Let us check both by experiment.

# %%
import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, landscapes

f = landscapes.ill_conditioned()
learning_rates = [0.1, 0.5, 0.9, 0.95, 0.99, 1.01]
for lr in learning_rates:
    path = landscapes.trajectory(SGD(lr=lr), f, start=(-7.0, 2.0), steps=30)
    print(f"lr = {lr:4.2f}: distance to the minimum after 30 steps = {np.linalg.norm(path[-1]):.3g}")

# %% [markdown]
# Learning rates just below 1 do best; just above 1 the $y$ coordinate grows at every step.
# Plot a few paths on the contour lines and look at the zig-zag change with the learning rate.

# %%
X, Y = np.meshgrid(np.linspace(-8, 8, 200), np.linspace(-3, 3, 200))
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.contour(X, Y, f.value(np.stack([X, Y])), levels=[0.25, 1, 2.5, 5, 10], colors="0.7")
for lr in [0.5, 0.9, 0.99]:
    path = landscapes.trajectory(SGD(lr=lr), f, start=(-7.0, 2.0), steps=30)
    ax.plot(path[:, 0], path[:, 1], "o-", markersize=3, label=f"lr = {lr}")
ax.set_aspect("equal")
ax.legend()
plt.show()

# %% [markdown]
# **Try it.** Start from $(-7, 0)$ instead: which learning rate is best now, and why?
