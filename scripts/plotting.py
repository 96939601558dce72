"""Drawing helpers shared by the figure scripts (contours, paths, surfaces).

Language: a figure speaks its page's language. Symbols, numbers and the optimizers' names are
the same in both; every other word in a figure is written as ``words(en, zh)``, which
returns the string of the language being drawn (:data:`LANG`). ``scripts/figures.py`` draws
each figure in Chinese first (``docs/figures/NAME``, shown on the Chinese pages); when that
drawing asked :func:`words` for anything, it draws the figure again in English
(``docs/figures/en/NAME``, which the figures hook shows on the English pages). So both
variants come from the same code, and a figure without words is drawn once. The strings of a
figure stay beside the code that draws them: ``words("learning rate", "学习率")``.

Colour: every figure draws with the Okabe–Ito palette, which stays distinguishable under the
common colour-vision deficiencies: importing this module sets matplotlib's colour cycle, so
``"C0"``…``"C7"`` and :data:`COLORS` are Okabe–Ito colours (``"C7"`` is a neutral grey). Lines
that must be told apart also differ in line style or marker (:data:`MARKERS` for the
optimizers' paths), so no figure relies on hue alone. Contours keep viridis.

Background: figures are saved with a transparent background and dark ink, so the page shows
through; in the site's dark scheme ``docs/assets/stylesheets/extra.css`` inverts the lightness
of every figure (the hues stay), giving light ink on the dark page.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

from optimizers import landscapes

# Okabe & Ito (2008), "Color Universal Design"; yellow (#F0E442) is left out: too pale on white.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "black": "#000000",
}
GREY = "#7F7F7F"
# matplotlib's "C0".."C7" (tab10's grey stays at C7); "C8" and "C9" would wrap to C0 and C1.
CYCLE = [*OKABE_ITO.values(), GREY]
STYLE = {
    "axes.prop_cycle": cycler(color=CYCLE),
    # The page shows through (light or dark scheme, see extra.css); PNGs keep an alpha channel.
    "savefig.transparent": True,
}
matplotlib.rcParams.update(STYLE)

# The language being drawn: "zh" or "en" (set by scripts/figures.py before each variant).
LANGUAGES = ("zh", "en")
LANG = "zh"
_asked = False  # did the figure being drawn call words()? (read by scripts/figures.py)


def words(en: str, zh: str) -> str:
    """The figure text ``en`` or ``zh``, whichever language is being drawn (:data:`LANG`)."""
    global _asked
    _asked = True
    if LANG not in LANGUAGES:
        raise ValueError(f"unknown figure language {LANG!r}")
    return zh if LANG == "zh" else en


def set_language(lang: str) -> None:
    """Draw the next figure in ``lang`` (and forget whether words() was asked)."""
    global LANG, _asked
    if lang not in LANGUAGES:
        raise ValueError(f"unknown figure language {lang!r}")
    LANG, _asked = lang, False


def asked_for_words() -> bool:
    """Whether the figure drawn since :func:`set_language` called :func:`words`."""
    return _asked


PATH_STYLE = {"marker": "o", "markersize": 3, "linewidth": 1.2}
# The contour lines of the book's valley x²/20 + y² (and of its rotated twin), in every figure.
VALLEY_LEVELS = [0.25, 1, 2.5, 5, 10, 20]
COLORS = {
    "SGD": OKABE_ITO["blue"],
    "Momentum": OKABE_ITO["orange"],
    "Nesterov": OKABE_ITO["green"],
    "AdaGrad": OKABE_ITO["vermillion"],
    "RMSProp": OKABE_ITO["purple"],
    "AdaDelta": OKABE_ITO["sky blue"],
    "Adam": OKABE_ITO["black"],
}
# Each optimizer's marker on a path (see :func:`path`): a second cue beside the colour.
MARKERS = {
    "SGD": "o",
    "Momentum": "s",
    "Nesterov": "^",
    "AdaGrad": "D",
    "RMSProp": "v",
    "AdaDelta": "P",
    "Adam": "X",
}


def optimizer_of(label: str | None) -> str | None:
    """The optimizer a label names first ("Adam, lr = 0.3" -> "Adam"), or None."""
    words = (label or "").replace(",", " ").split()
    return words[0] if words and words[0] in MARKERS else None


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
    """Draw an optimizer's path (rows of points) with its start marked.

    The marker is the optimizer's own (:data:`MARKERS`) when the label starts with its name and
    ``style`` names no marker; otherwise the round one of :data:`PATH_STYLE`.
    """
    name = optimizer_of(label)
    kw = {**PATH_STYLE, **({"marker": MARKERS[name]} if name else {}), **style}
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
