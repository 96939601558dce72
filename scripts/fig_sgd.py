"""Figures of chapter 1 (sgd): why plain gradient descent struggles."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, landscapes
from scripts.figures import figure
from scripts.plotting import contour, grid, path, run, valley_paths, words


@figure("sgd-surface.png")
def surface():
    """f(x, y) = x^2/20 + y^2 as a surface (left) and as contour lines (right)."""
    f = landscapes.ill_conditioned()
    X, Y, Z = grid(f, n=80)
    fig = plt.figure(figsize=(10, 4))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    ax.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=True, alpha=0.9)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_zlabel("$f$")
    ax.view_init(elev=30, azim=-60)
    ax2 = fig.add_subplot(1, 2, 2)
    contour(ax2, f, levels=[0.5, 1, 2, 4, 6, 8, 12, 16, 20, 25])
    ax2.set_aspect("equal")
    return fig


@figure("sgd-gradient-field.svg")
def gradient_field():
    """The negative gradient at points of a grid: it points at the valley floor, not at (0, 0)."""
    f = landscapes.ill_conditioned()
    fig, ax = plt.subplots(figsize=(8, 4))
    X, Y = np.meshgrid(np.linspace(-10, 10, 21), np.linspace(-5, 5, 11))
    G = f.gradient(np.stack([X, Y]))
    ax.quiver(X, Y, -G[0], -G[1], angles="xy", color="C0", width=0.003)
    contour(ax, f, levels=[0.5, 2, 5, 10, 20], xlim=(-10.5, 10.5), ylim=(-5.5, 5.5))
    ax.set_aspect("equal")
    return fig


@figure("sgd-zigzag.svg")
def zigzag():
    """SGD with lr = 0.95 for 30 steps from (-7, 2): the zig-zag path."""
    f = landscapes.ill_conditioned()
    return valley_paths([(run(SGD(lr=0.95), f, steps=30), "SGD, lr = 0.95", "C3")])


@figure("sgd-local-minimum.svg")
def local_minimum():
    """Gradient descent on a 1-D function from two starts: one ends in the local minimum."""
    f = landscapes.local_minimum_1d()
    xs = np.linspace(*f.xlim, 400)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(xs, f.value(xs[None, :]), color="k", linewidth=1.2)
    for start, color in ((f.xlim[0] + 0.2, "C0"), (f.xlim[1] - 0.2, "C3")):
        points = run(SGD(lr=0.05), f, steps=40, start=[start])[:, 0]
        ax.plot(points, f.value(points[None, :]), "o-", color=color, markersize=3, linewidth=0.8)
        ax.plot(points[-1], f.value(points[-1:][None, :])[0], "*", color=color, markersize=12)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    return fig


@figure("sgd-saddle.svg")
def saddle():
    """Gradient descent near the saddle of x^2 - y^2: it slows down, then escapes."""
    f = landscapes.saddle()
    points = run(SGD(lr=0.1), f, steps=40)
    norms = np.linalg.norm(f.gradient(points.T), axis=0)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    contour(ax, f, levels=np.linspace(-2, 2, 17))
    path(ax, points, label="SGD, lr = 0.1", color="C3")
    ax.plot(0, 0, marker="x", color="k", markersize=8)
    ax.set_aspect("equal")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), borderaxespad=0.2)  # above the contours
    ax2.semilogy(norms, "o-", color="C3", markersize=3)
    ax2.set_xlabel(words("step", "步数"))
    ax2.set_ylabel(r"$\|\nabla f\|$")
    return fig


@figure("sgd-noise.svg")
def noise():
    """The same 30 steps with exact gradients and with noisy (mini-batch-like) gradients."""
    f = landscapes.ill_conditioned()
    noisy = landscapes.with_gradient_noise(f, sigma=1.0, seed=0)
    exact = run(SGD(lr=0.5), f, steps=60)
    rough = run(SGD(lr=0.5), noisy, steps=60)
    return valley_paths(
        [
            (exact, words("exact gradient", "精确梯度"), "C0"),
            (rough, words(r"gradient + noise ($\sigma = 1$)", "梯度 + 噪声（σ = 1）"), "C3"),
        ]
    )
