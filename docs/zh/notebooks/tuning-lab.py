# %% [markdown]
# # 动手：训练监控与超参数搜索
#
# [下载本 notebook（.ipynb）](tuning-lab.ipynb)，在 Jupyter 或 Colab 中运行，或者直接在这里阅读。
# 它的第一个代码单元会在缺少本书的库 `optimizers` 时从本站安装它；在仓库的克隆目录中，
# `make serve` 或 `make test` 已经把它装好了。
#
# 第 13 章只用 100 张训练图片训练一个网络，看到训练准确率和验证准确率之间有 0.117 的差距，
# 而用全部 1079 张时只有 0.014。这里你来画出完整的*学习曲线*：不同大小的训练集训练结束时的准确率。
# 然后你自己做一次随机搜索，再加上第三个超参数：隐藏层的宽度。

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
# ## 学习曲线
#
# 网络和优化器与正文相同，在越来越大的训练集上各训练 1200 次更新（批量 20）。

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
# 无论训练集多大，训练准确率都是 1：网络能把见过的图片全部记住。随数据量增长的是验证准确率，
# 差距也随之缩小。
#
# **试一试。** 加上权重衰减（在 `MultiLayerNet` 中设 `weight_decay_lambda=0.01`），重新画这条曲线。
# 它在哪些训练集大小上缩小了差距？验证准确率提高了吗？

# %% [markdown]
# ## 三个超参数的随机搜索
#
# 目标函数与正文相同，只是把隐藏单元的个数作为第三个超参数，从一个列表中抽取。
# 每次试验都是一次真正的训练，共 300 次更新。

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
# 三个超参数中哪个最重要？看看得分沿每个坐标轴变化了多少。**试一试。** 在同一个搜索空间上运行
# `search.coarse_to_fine`（`rounds=3`，`n_trials=15`），看看哪些范围缩小了。然后在测试集上检验
# 最好的设置，只检验一次：`search.best_trial(trials).params` 给出这组设置。
