# %% [markdown]
# # 动手：如何选择优化器
#
# [下载本 notebook（.ipynb）](compare-lab.ipynb)，在 Jupyter 或 Colab 中运行，或者直接在这里阅读。
# 它的第一个代码单元会在缺少本书的库 `optimizers` 时从本站安装它；在仓库的克隆目录中，
# `make serve` 或 `make test` 已经把它装好了。
#
# 第 7 章在一个狭长的山谷、转过 45° 的同一个山谷以及手写数字上比较了六种优化器，发现排名取决于问题本身，
# 也取决于学习率。在这里，问题、优化器和学习率都由你来挑。每个单元几秒钟就能运行完；改改数字，再运行一遍。

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
# ## 1. 山谷中的路径
#
# 第 7 章的六种优化器，使用该章的学习率，在 $x^2/20 + y^2$ 上运行。图例给出 30 步后的损失。
# 改一个学习率，或者把 `landscapes.ill_conditioned()` 换成 `landscapes.rotated()`（转过 45° 的山谷），
# 看看哪些路径变了。

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
# ## 2. 弯曲的山谷：Rosenbrock 函数
#
# $f(x, y) = 100\,(y - x^2)^2 + (1 - x)^2$ 的最小值在 $(1, 1)$，位于一条狭窄、弯曲、几乎平坦的山谷底部。
# 起点是 $(-1.2, 1)$。它的梯度比我们的二次函数大得多，所以学习率也要改：下面是走 1000 步时的初步猜测。
# 哪种优化器能到达 $(1, 1)$？SGD 的学习率最大能取到多少而不发散？

# %%
f = landscapes.rosenbrock()
plot_paths(
    f,
    {"SGD": 0.002, "Momentum": 0.001, "AdaGrad": 1.0, "RMSProp": 0.01, "Adam": 0.1},
    steps=1000,
    levels=list(np.logspace(-1, 3, 9)),
)

# %% [markdown]
# ## 3. 达到阈值所需步数与学习率
#
# 用第 7 章的计数方法（损失连续 20 步低于 $10^{-3}$），对一系列学习率计数。可以加入别的优化器、
# 换一个问题，或者把阈值定得更严。

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
# ## 4. 小规模的手写数字比较
#
# 第 7 章的 5 层网络（四个各有 100 个 ReLU 单元的隐藏层，He 初始化）在 8×8 手写数字上训练 300 次迭代，
# 而不是 2000 次。所有优化器都从相同的权重出发，看到的 mini-batch 也相同。试试把 SGD 的学习率从 0.01 换成 0.1。

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
# **动手试试。**
#
# 1. 在第 1 节中换成转过的山谷。现在 30 步后损失最低的是哪种优化器？换一个学习率，AdaGrad 或 RMSProp
#    能重新领先吗？
# 2. 在第 3 节中，换成 `landscapes.rotated()`：哪些曲线移动了，哪些没有？
# 3. 在第 4 节中，把每种优化器的学习率都放大十倍。哪些还能训练？
