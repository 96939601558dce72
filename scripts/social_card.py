"""The site's social card: the picture a link to the book shows in a chat or a post.

    python -m scripts.social_card      (writes overrides/assets/images/social-card.png)

Open Graph and Twitter cards show a PNG of 1200 x 630 pixels (``scripts/hooks/head.py`` names it
on every page without a PNG figure of its own). The card carries the book's title in both
languages beside the SGD and momentum paths of chapter 4 in the valley x²/20 + y², computed by the
book's library.

It is not a figure of the book (``scripts/figures.py``): its title is drawn into pixels, which
needs a Chinese font on the machine that draws it (WenQuanYi Micro Hei, as for the PDF; see
``scripts/check_chromium.sh``). The file is kept in the repository, so a build needs no font; run
this script again when the title changes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from optimizers import SGD, Momentum, landscapes  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "overrides" / "assets" / "images" / "social-card.png"
FONT = "WenQuanYi Micro Hei"
INDIGO = "#3f51b5"  # Material's indigo, the site's primary colour
WIDTH, HEIGHT, DPI = 1200, 630, 100


def chinese_font() -> str:
    names = {f.name for f in font_manager.fontManager.ttflist}
    if FONT not in names:
        raise SystemExit(
            f"social_card: the font {FONT!r} is missing (Debian: apt-get install "
            "fonts-wqy-microhei, then delete matplotlib's font cache)"
        )
    return FONT


def draw(out: Path = OUT) -> Path:
    font = chinese_font()
    f = landscapes.ill_conditioned()  # x**2 / 20 + y**2
    start = (-7.0, 2.0)
    sgd = landscapes.trajectory(SGD(lr=0.95), f, start=start, steps=40)
    momentum = landscapes.trajectory(Momentum(lr=0.1, momentum=0.9), f, start=start, steps=40)

    fig = plt.figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor=INDIGO)
    text = dict(color="white", fontfamily=[font, "DejaVu Sans"])
    fig.text(0.05, 0.62, "深度学习中的优化", fontsize=40, **text)
    fig.text(0.05, 0.48, "Optimization for Deep Learning", fontsize=24, **text)
    fig.text(0.05, 0.27, "开源中英双语教材", fontsize=16, alpha=0.9, **text)
    fig.text(0.05, 0.20, "An open bilingual textbook", fontsize=16, alpha=0.9, **text)

    ax = fig.add_axes((0.52, 0.08, 0.45, 0.84))
    ax.set_facecolor(INDIGO)
    x, y = np.meshgrid(np.linspace(-8, 2, 300), np.linspace(-3, 3, 300))
    ax.contour(x, y, x**2 / 20 + y**2, levels=12, colors="white", linewidths=0.8, alpha=0.3)
    ax.plot(*sgd.T, "-o", color="#f5c16c", linewidth=2, markersize=3)
    ax.plot(*momentum.T, "-o", color="white", linewidth=2, markersize=3)
    ax.set_xlim(-7.6, 1.2)
    ax.set_ylim(-2.6, 2.6)
    ax.axis("off")

    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, facecolor=INDIGO, metadata={"Software": None})
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(f"social card: {draw()}", file=sys.stderr)
