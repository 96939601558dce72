"""Figures of chapter 4 (momentum): momentum and Nesterov's accelerated gradient."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, Momentum, Nesterov, landscapes
from scripts.figures import figure
from scripts.plotting import COLORS, contour, path, run, valley_paths, words


def velocity_history(gradients, lr: float = 0.1, momentum: float = 0.9) -> np.ndarray:
    """|v_t| / lr after each of ``gradients``, fed one by one to the package's Momentum."""
    opt = Momentum(lr=lr, momentum=momentum)
    params = {"w": np.array(0.0)}
    sizes = []
    for g in gradients:
        opt.update(params, {"w": np.array(g)})
        sizes.append(abs(float(opt.state["w"]["v"])) / lr)
    return np.array(sizes)


@figure("momentum-velocity.svg")
def velocity():
    """Step size of momentum under a constant and under a sign-flipping gradient."""
    steps = np.arange(1, 51)
    constant = velocity_history(np.ones(50))
    alternating = velocity_history((-1.0) ** steps)
    fig, ax = plt.subplots(figsize=(7, 3.4))
    constant_label = words("constant gradient", "梯度恒定")
    flipping_label = words("sign flips every step", "梯度符号每步翻转")
    ax.plot(steps, constant, "o-", color="C1", markersize=3, label=constant_label)
    ax.plot(steps, alternating, "s-", color="C0", markersize=3, label=flipping_label)
    ax.axhline(10, color="C1", linestyle="--", linewidth=0.8)
    ax.axhline(1 / 1.9, color="C0", linestyle="--", linewidth=0.8)
    ax.text(50, 10.2, r"$1/(1-\beta) = 10$", ha="right", va="bottom", color="C1")
    ax.text(50, 0.9, r"$1/(1+\beta) \approx 0.53$", ha="right", va="bottom", color="C0")
    ax.set_xlabel(words("step", "步数"))
    ax.set_ylabel(r"$|v_t| \,/\, (\eta\,|g|)$")
    ax.set_ylim(0, 11.5)
    ax.legend(loc="center right")
    return fig


@figure("momentum-path.svg")
def valley_path():
    """SGD (lr 0.95) and Momentum (lr 0.1) for 30 steps from (-7, 2) on x^2/20 + y^2."""
    f = landscapes.ill_conditioned()
    sgd, momentum = run(SGD(lr=0.95), f, 30), run(Momentum(lr=0.1), f, 30)
    return valley_paths(
        [
            (sgd, "SGD, lr = 0.95", COLORS["SGD"], {"alpha": 0.6}),
            (momentum, "Momentum, lr = 0.1", COLORS["Momentum"]),
        ]
    )


@figure("momentum-local-minimum.svg")
def local_minimum():
    """SGD and Momentum (same lr 0.01) on x^4/4 + x^3/3 - x^2 from x = 2."""
    f = landscapes.local_minimum_1d()
    steps = 150
    runs = {
        "SGD": run(SGD(lr=0.01), f, steps)[:, 0],
        "Momentum": run(Momentum(lr=0.01, momentum=0.9), f, steps)[:, 0],
    }
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), width_ratios=[1.1, 1])
    xs = np.linspace(*f.xlim, 400)
    ax.plot(xs, f.value(xs[None, :]), color="k", linewidth=1.2)
    for name, xs_run in runs.items():
        label = f"{name}, lr = 0.01" + (r", $\beta$ = 0.9" if name == "Momentum" else "")
        ax.plot(
            xs_run,
            f.value(xs_run[None, :]),
            "o",
            color=COLORS[name],
            markersize=3,
            alpha=0.6,
            label=label,
        )
        ax.plot(xs_run[-1], f.value(xs_run[-1:][None, :])[0], "*", color=COLORS[name], ms=13)
        ax2.plot(xs_run, "-", color=COLORS[name], linewidth=1.4, label=name)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.set_ylim(-3, 3)
    ax.legend(loc="upper center")
    for level in (1.0, 0.0, -2.0):
        ax2.axhline(level, color="0.6", linestyle=":" if level == 0 else "--", linewidth=0.8)
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel("$x$")
    ax2.legend(loc="center right")
    return fig


def _until_outside(points: np.ndarray, limit: float) -> np.ndarray:
    """The points up to and including the first one with |y| > limit."""
    outside = np.flatnonzero(np.abs(points[:, 1]) > limit)
    return points if outside.size == 0 else points[: outside[0] + 1]


@figure("momentum-saddle.svg")
def saddle():
    """SGD and Momentum (same lr 0.01) near the saddle of x^2 - y^2, start (-1.5, 0.001)."""
    f = landscapes.saddle()
    steps = 160
    runs = {
        "Momentum": run(Momentum(lr=0.01, momentum=0.9), f, steps),
        "SGD": run(SGD(lr=0.01), f, steps),
    }
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    contour(ax, f, levels=np.linspace(-2, 2, 17))
    for name, points in runs.items():
        path(ax, _until_outside(points, 2.0), label=name, color=COLORS[name], markersize=2)
        ax2.semilogy(np.abs(points[:, 1]), "-", color=COLORS[name], label=f"{name}, lr = 0.01")
    ax.plot(0, 0, marker="x", color="k", markersize=8)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_aspect("equal")
    ax.legend(loc="lower right", frameon=True)
    ax2.axhline(1.0, color="0.6", linestyle="--", linewidth=0.8)
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel("$|y|$")
    ax2.set_ylim(5e-4, 20)
    ax2.legend(loc="upper left")
    return fig


@figure("momentum-noise.svg")
def noise():
    """60 steps with noisy gradients: SGD (lr 0.5) and Momentum (lr 0.05, beta 0.9)."""
    f = landscapes.ill_conditioned()
    runs = []
    for name, opt in (("SGD", SGD(lr=0.5)), ("Momentum", Momentum(lr=0.05, momentum=0.9))):
        noisy = landscapes.with_gradient_noise(f, sigma=1.0, seed=0)
        label = f"{name}, lr = {opt.lr:g}"
        runs.append((run(opt, noisy, 60), label, COLORS[name], {"markersize": 2.5}))
    return valley_paths(runs)


def _arrow(ax, start, delta, color, width=2.0):
    """An arrow from ``start`` to ``start + delta`` in data coordinates."""
    _arrow_between(ax, start, np.asarray(start) + np.asarray(delta), color, width)


def _arrow_between(ax, start, end, color, width=2.0, linestyle="-", zorder=4):
    """An arrow from ``start`` to ``end`` in data coordinates (``zorder=None``: the default)."""
    props = {"arrowstyle": "-|>", "color": color, "lw": width, "shrinkA": 0, "shrinkB": 0}
    if linestyle != "-":
        props["ls"] = linestyle
    ax.annotate("", xy=end, xytext=start, arrowprops=props, zorder=zorder)


def _label(ax, start, delta, text, color, offset):
    """``text`` beside the middle of the arrow from ``start`` by ``delta``."""
    middle = np.asarray(start) + 0.5 * np.asarray(delta)
    ax.annotate(text, middle, xytext=offset, textcoords="offset points", color=color, fontsize=11)


@figure("momentum-nesterov-diagram.svg")
def nesterov_diagram():
    """One step of momentum and of Nesterov from the same state, drawn to scale.

    The state is the one Momentum(lr=0.3) reaches after its first step from (-7, 2) on
    x^2/20 + y^2; beta = 0.9. Momentum adds the gradient step taken at the current point w;
    Nesterov first moves by beta v and adds the gradient step taken at that look-ahead point,
    which already points back up towards the valley floor.
    """
    f = landscapes.ill_conditioned()
    lr, beta = 0.3, 0.9
    points = run(Momentum(lr=lr, momentum=beta), f, 1)
    w, v = points[1], points[1] - points[0]
    fig, axes = plt.subplots(1, 2, figsize=(9, 5.6), sharey=True)
    for ax, nesterov in zip(axes, (False, True), strict=True):
        _nesterov_panel(ax, f, w, beta * v, lr, nesterov)
    axes[1].set_ylabel("")
    return fig


def _nesterov_panel(ax, f, w, carry, lr, nesterov):
    """One panel of the diagram: the carried velocity, the gradient step and their sum."""
    xlim, ylim = (-7.45, -5.75), (-1.05, 1.1)
    look = w + carry
    contour(ax, f, levels=np.arange(1.7, 4.0, 0.2), xlim=xlim, ylim=ylim)
    ax.axhline(0, color="0.8", linewidth=0.6, zorder=0)
    at = look if nesterov else w
    grad_step = -lr * f.gradient(at)
    step = carry + grad_step
    _arrow(ax, w, carry, "C1")
    _label(ax, w, carry, r"$\beta v$", "C1", (-34, -4))
    _arrow(ax, at, grad_step, "C3")
    if nesterov:
        _label(ax, at, grad_step, r"$-\eta\nabla f(w+\beta v)$", "C3", (4, -16))
    else:
        _label(ax, at, grad_step, r"$-\eta\nabla f(w)$", "C3", (6, 4))
        # the same gradient step moved to the tip of beta v: the sum, tip to tail
        _arrow_between(ax, w + carry, w + step, "C3", width=1.0, linestyle="--", zorder=None)
    _arrow(ax, w, step, "C0", width=2.6)
    _label(ax, w, step, words(r"new $v$", "新的 v"), "C0", (8, -6))
    ax.plot(*w, "o", color="k", markersize=6, zorder=5)
    ax.annotate("$w$", w, xytext=(-16, 4), textcoords="offset points", fontsize=12)
    if nesterov:
        ax.plot(*look, "o", color="C1", markersize=5, zorder=5)
        ax.annotate(
            r"$w + \beta v$", look, xytext=(-52, -14), textcoords="offset points", fontsize=11
        )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_title("Nesterov" if nesterov else "Momentum")
    ax.set_xticks([-7.25, -6.75, -6.25, -5.75])


@figure("momentum-nesterov-path.svg")
def nesterov_path():
    """Momentum and Nesterov (lr 0.1, beta 0.9) for 30 steps from (-7, 2) on x^2/20 + y^2."""
    f = landscapes.ill_conditioned()
    return valley_paths(
        [
            (run(cls(lr=0.1, momentum=0.9), f, 30), name, COLORS[name])
            for name, cls in (("Momentum", Momentum), ("Nesterov", Nesterov))
        ]
    )
