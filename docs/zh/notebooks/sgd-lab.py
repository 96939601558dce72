# %% [markdown]
# # 动手：SGD 的学习率
#
# [下载本 notebook（.ipynb）](sgd-lab.ipynb)，在 Jupyter 或 Colab 中运行，或者直接在这里阅读。
# 它的第一个代码单元会在缺少本书的库 `optimizers` 时从本站安装它；在仓库的克隆目录中，
# `make serve` 或 `make test` 已经把它装好了。
#
# 第 1 章说：在 $f(x, y) = x^2/20 + y^2$ 上，只有学习率小于 1 时 SGD 才收敛；即便用最好的学习率，
# 误差每一步也只缩小为 $(\kappa - 1)/(\kappa + 1) \approx 0.905$ 倍。我们用实验来验证这两点。

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
# 略小于 1 的学习率效果最好；一旦超过 1，$y$ 坐标每一步都在变大。
# 把几条路径画在等高线上，看看“之”字形如何随学习率变化。

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
# **试一试。** 改从 $(-7, 0)$ 出发：现在哪个学习率最好？为什么？
