"""Figures of chapter 3 (ewa): exponentially weighted averages and bias correction.

The data is a made-up year of daily temperatures (a seasonal cosine plus Gaussian noise,
``np.random.default_rng(0)``), the same series the page generates.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from optimizers.averaging import effective_window, ewa
from scripts.figures import figure
from scripts.plotting import words  # (importing it also sets the palette and background)

BETAS = (0.5, 0.9, 0.98)
BETA_COLORS = {0.5: "C1", 0.9: "C3", 0.98: "C2"}
# orange, red and green merge for red-green colour-blind readers: the styles differ too
BETA_STYLES = {0.5: ":", 0.9: "--", 0.98: "-"}


def temperatures() -> tuple[np.ndarray, np.ndarray]:
    """(days, temperature): the page's series, 365 days in °C, seed 0."""
    rng = np.random.default_rng(0)
    days = np.arange(1, 366)
    season = 22 - 7 * np.cos(2 * np.pi * (days - 15) / 365)
    temperature = season + rng.normal(0, 2.5, size=days.size)
    return days, temperature


def _data(ax, days, temperature):
    ax.plot(
        days, temperature, "o", color="0.6", markersize=2.2, label=words("daily value", "每日数值")
    )
    ax.set_xlabel(words("day", "天"))
    ax.set_ylabel(words("temperature (°C)", "温度（°C）"))
    ax.set_xlim(0, 366)


@figure("ewa-temperature.svg")
def temperature_figure():
    """The series and its exponentially weighted averages for beta = 0.5, 0.9, 0.98."""
    days, temperature = temperatures()
    fig, ax = plt.subplots(figsize=(9, 4))
    _data(ax, days, temperature)
    for beta in BETAS:
        ax.plot(
            days,
            ewa(temperature, beta),
            BETA_STYLES[beta],
            color=BETA_COLORS[beta],
            linewidth=2.0 if beta == 0.5 else 1.6,
            label=rf"$\beta = {beta}$",
        )
    ax.set_ylim(0, 38)
    ax.legend(loc="lower right", ncols=4)
    return fig


@figure("ewa-weights.svg")
def weights_figure():
    """The weight (1 - beta) beta^k of the value k steps back, for beta = 0.9 and 0.98."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    for ax, beta, shown in zip(axes, (0.9, 0.98), (40, 200), strict=True):
        n = round(effective_window(beta))
        k = np.arange(shown)
        weight = (1 - beta) * beta**k
        color = BETA_COLORS[beta]
        # the last n values (k = 0 .. n - 1) dark: together they carry 1 - beta**n of the weight
        ax.bar(k[:n], weight[:n], width=1.0, color=color, alpha=0.85)
        ax.bar(k[n:], weight[n:], width=1.0, color=color, alpha=0.3)
        ax.axhline((1 - beta) / np.e, color="k", linewidth=0.8, linestyle="--")
        ax.axvline(n - 0.5, color="k", linewidth=0.8)
        ax.annotate(
            rf"$k = 1/(1-\beta) = {n}$",
            xy=(n, (1 - beta) * 0.75),
            xytext=(8, 0),
            textcoords="offset points",
            fontsize=9,
        )
        ax.annotate(
            r"$(1-\beta)/e$",
            xy=(shown * 0.98, (1 - beta) / np.e),
            xytext=(0, 4),
            textcoords="offset points",
            ha="right",
            fontsize=9,
        )
        ax.set_title(rf"$\beta = {beta}$", fontsize=10)
        ax.set_xlabel(words("$k$ (steps back)", "k（往回数的步数）"))
        ax.set_xlim(-0.5, shown)
        ax.set_ylim(0, (1 - beta) * 1.05)
    axes[0].set_ylabel(words(r"weight $(1-\beta)\,\beta^k$", "权重 (1 − β) βᵏ"))
    fig.tight_layout()
    return fig


@figure("ewa-bias-correction.svg")
def bias_correction_figure():
    """beta = 0.98 with and without bias correction: the plain average starts near zero."""
    days, temperature = temperatures()
    beta = 0.98
    fig, ax = plt.subplots(figsize=(9, 4))
    _data(ax, days, temperature)
    ax.plot(days, ewa(temperature, beta), "--", color="C4", linewidth=1.6, label=r"$v_t$")
    ax.plot(
        days,
        ewa(temperature, beta, bias_correction=True),
        color="C2",
        linewidth=1.6,
        label=r"$v_t / (1 - \beta^t)$",
    )
    ax.set_ylim(0, 38)
    ax.set_title(rf"$\beta = {beta}$", fontsize=10)
    ax.legend(loc="lower right", ncols=3)
    return fig
