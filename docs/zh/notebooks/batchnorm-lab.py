# %% [markdown]
# # 动手：批量归一化
#
# [下载本 notebook（.ipynb）](batchnorm-lab.ipynb)，在 Jupyter 或 Colab 中运行，或者直接在这里阅读。
# 它的第一个代码单元会在缺少本书的库 `optimizers` 时从本站安装它；在仓库的克隆目录中，
# `make serve` 或 `make test` 已经把它装好了。
#
# 我们自己一步一步写出批量归一化的前向与反向计算，与库中的 `BatchNorm` 对照，然后训练有 BN 和无 BN 的网络。

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
# 反向计算：按链式法则把上面各步倒过来走一遍：先是 $y = \gamma \hat x + \beta$，然后是
# $\hat x = x_c / s$、$s = \sqrt{v + \epsilon}$、$v = \operatorname{mean}(x_c^2)$，最后是 $x_c = x - \mu$。
# 正文中的公式把这些压缩成了一行；两者必须一致。


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
# **有 BN 与无 BN。** 现在把正文的实验缩小规模重做一遍：四个初始权重尺度，每个迭代 150 次，
# 分别有 BN 和无 BN。

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
# （尺度为 1、无 BN 的运行立即发散；`train` 会发出警告，它的曲线只有一个点。）
#
# **batch 大小。** BN 用每个 mini-batch 估计统计量，batch 小，统计量的噪声就大。这会妨碍训练吗？
# 用几种 batch 大小在同样多的样本上训练（batch 越小，更新次数越多），然后在推理模式下评估。

# %%
for batch_size in (4, 16, 128):
    net = MultiLayerNet(64, [100] * 5, 10, use_batchnorm=True, seed=0)
    iterations = 25_600 // batch_size  # 25 600 examples in every run
    history = train(net, SGD(lr=0.01), data, iterations=iterations, batch_size=batch_size)
    print(f"batch size {batch_size:3d}: validation accuracy {history.val_acc[-1]:.3f}")

# %% [markdown]
# 在这里，两种较小的 batch 都胜过 128：它们的更新次数多得多，统计量的噪声也没有妨碍训练。
# 小 batch 对 BN 的危害在于正文测量过的训练与推理之间的不一致。试试 `batch_size=2`，
# 这是 BN 能接受的最小 batch（运行时间会稍长一些）。
#
# **试一试。**
#
# - 把上面实验中的 `SGD(lr=0.01)` 换成 `SGD(lr=0.1)` 或 `SGD(lr=1.0)`。哪些曲线变好了，哪些坏了？
# - 在你自己的小实验中改变滑动统计量的 `momentum`（`BatchNorm(..., momentum=0.99)`）：
#   滑动均值需要多少个 batch 才能稳定下来？
# - 给 `bn_forward` 一个所有特征都是常数的 batch。它返回什么？为什么这里 $\epsilon$ 很重要？
