"""Drawing helpers shared by the figure scripts (contours, paths, surfaces).

Figures are shared by both languages, so their text is kept to symbols, numbers and the
optimizers' names; each page describes the figure in its own language (caption and alt text).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers import landscapes

PATH_STYLE = {"marker": "o", "markersize": 3, "linewidth": 1.2}
# The contour lines of the book's valley x²/20 + y² (and of its rotated twin), in every figure.
VALLEY_LEVELS = [0.25, 1, 2.5, 5, 10, 20]
COLORS = {
    "SGD": "C0",
    "Momentum": "C1",
    "Nesterov": "C2",
    "AdaGrad": "C3",
    "RMSProp": "C4",
    "AdaDelta": "C5",
    "Adam": "C6",
}


def grid(function, n: int = 200, xlim=None, ylim=None):
    """Return X, Y, Z on an n x n grid over the function's plot ranges."""
    xlim = xlim or function.xlim
    ylim = ylim or function.ylim
    X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    Z = function.value(np.stack([X, Y]))
    return X, Y, Z


def contour(ax, function, levels=20, xlim=None, ylim=None, filled=False, log=False, n=200):
    """Draw the function's contour lines (or filled contours) and mark its minimum.

    ``n``: grid points per axis; small multiples can use fewer to keep SVG files small.
    """
    X, Y, Z = grid(function, n=n, xlim=xlim, ylim=ylim)
    if log:
        Z = np.log10(Z - Z.min() + 1e-3)
    draw = ax.contourf if filled else ax.contour
    cs = draw(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.6 if not filled else None)
    if function.minimum is not None and len(function.minimum) == 2:
        ax.plot(*function.minimum, marker="+", color="k", markersize=10, mew=1.5)
    ax.set_xlim(*(xlim or function.xlim))
    ax.set_ylim(*(ylim or function.ylim))
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    return cs


def path(ax, points, label=None, color=None, **style):
    """Draw an optimizer's path (rows of points) with its start marked."""
    kw = {**PATH_STYLE, **style}
    (line,) = ax.plot(points[:, 0], points[:, 1], label=label, color=color, **kw)
    ax.plot(*points[0], marker="s", color=line.get_color(), markersize=5)
    return line


def run(optimizer, function, steps, start=None):
    """The path of ``optimizer`` on ``function`` from ``start`` (default: the function's)."""
    start = function.start if start is None else start
    return landscapes.trajectory(optimizer, function, start, steps)


def valley_paths(runs, function=None, levels=None, figsize=(8, 4), legend="upper right"):
    """The book's most common figure: optimizers' paths on the contour lines of the valley.

    ``runs``: ``(points, label, color)`` or ``(points, label, color, style)`` for each path,
    drawn in order with :func:`path`; ``function`` defaults to ``landscapes.ill_conditioned()``
    and ``levels`` to ``VALLEY_LEVELS``. Returns the figure.
    """
    function = landscapes.ill_conditioned() if function is None else function
    fig, ax = plt.subplots(figsize=figsize)
    contour(ax, function, levels=VALLEY_LEVELS if levels is None else levels)
    for points, label, color, *style in runs:
        path(ax, points, label=label, color=color, **(style[0] if style else {}))
    ax.set_aspect("equal")
    ax.legend(loc=legend)
    return fig
