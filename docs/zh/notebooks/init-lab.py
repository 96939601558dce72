# %% [markdown]
# # 动手：权重初始化
#
# [下载本 notebook（.ipynb）](init-lab.ipynb)，在 Jupyter 或 Colab 中运行，或者直接在这里阅读。
# 它的第一个代码单元会在缺少本书的库 `optimizers` 时从本站安装它；在仓库的克隆目录中，
# `make serve` 或 `make test` 已经把它装好了。
#
# 第 11 章说：每一层把信号的二阶矩乘以 $n \operatorname{Var}(w)$，再乘以激活函数保留的比例
# （ReLU 是 1/2）。这里我们不直接采信 Xavier 和 He 的结论，而是自己把合适的尺度找出来。

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
# 对 ReLU 来说，0.05 介于 std 0.01 和 He（$\sqrt{2/100} \approx 0.14$）之间：输出逐层缩小，
# 但比 0.01 慢。改一改上面的激活函数和尺度，看看直方图怎样变化。
#
# 下面来找能让信号保持稳定的尺度。对每个尺度，我们测量标准差从一层到下一层平均变化的倍数。

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
# 对 ReLU，这个倍数在 He 的 $\sqrt{2/100} \approx 0.141$ 附近穿过 1。对 tanh，尺度足够大之后，
# 倍数停在略低于 1 的地方：单元已经饱和，无论权重多大，输出的分布宽度都不会超过 $\pm 1$ 的宽度。
#
# **更深的网络。** 有 30 层时，微小的差别会累积起来：

# %%
for activation, init in [("tanh", "xavier"), ("relu", "xavier"), ("relu", "he")]:
    stds = [a.std() for a in layer_outputs(activation, init, depth=30)]
    print(
        f"{activation:>4s}, {init:>6s}: layer 1 {stds[0]:.3f}, "
        f"layer 10 {stds[9]:.3g}, layer 30 {stds[-1]:.3g}"
    )

# %% [markdown]
# **训练。** 最后，在手写数字上用三种尺度对 ReLU 网络做一次短的训练。也可以试试别的尺度，比如
# 0.05 或 0.3，或者把激活函数换成 `"tanh"`。

# %%
data = load_digits()
for init in (0.05, "he", 0.3):
    net = MultiLayerNet(64, [100] * 5, 10, activation="relu", weight_init_std=init, seed=0)
    history = train(net, SGD(lr=0.01), data, iterations=300, eval_every=300)
    loss, accuracy = np.mean(history.loss[-50:]), history.val_acc[-1]
    print(f"init {init!s:>4}: loss {loss:.3f}, validation accuracy {accuracy:.3f}")

# %% [markdown]
# **试一试。** Glorot 和 Bengio 的论文用的是 $\operatorname{Var}(w) = 2/(n_\text{in} + n_\text{out})$。
# 搭一个权重矩阵不是方阵的网络（比如 `[300, 100, 30]`），先用 `weight_init_std=0.05` 建好，再用
# `net.params[f"W{k}"][...] = std * rng.standard_normal(shape)` 逐层手动设置权重：在前向传播中，
# 论文的规则比 $1/n_\text{in}$ 更能还是更不能保持尺度？
