"""MkDocs hook: bring the figures, the pages' numbers and the executed notebooks up to date.

A figure is stale when its file is missing or when its script, the experiments it draws or the
``optimizers`` package changed (a content hash, see ``scripts/figures.py``); the pages' numbers
are refreshed after the figures, from the same stored experiments (``scripts/results.py``); a
notebook is executed again when its source or the library changed (``scripts/notebooks.py``).
Each runs in a separate process, so that ``mkdocs serve`` always runs the code as it is on
disk, not modules it imported earlier; the notebooks run beside the figures.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `mkdocs` command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

from scripts import animation  # noqa: E402
from scripts.figures import ENGLISH, OUT_DIR  # noqa: E402 (constants only; drawing runs apart)

_done_for_build: set[int] = set()


def on_pre_build(config, **kwargs) -> None:
    # mkdocs-static-i18n builds every language in one run; the figures are shared, so check
    # them once per run (id of the config object of the first language build).
    key = id(config.get("plugins"))
    if key in _done_for_build:
        return
    _done_for_build.add(key)
    notebooks = [sys.executable, "-m", "scripts.notebooks", "--stale"]
    figures = [sys.executable, "-m", "scripts.figures", "--stale"]
    # Output goes straight to the terminal: a progress bar while figures build (tqdm draws it
    # only on a terminal), then one summary line each.
    background = subprocess.Popen(notebooks, cwd=ROOT)
    try:
        result = subprocess.run(figures, cwd=ROOT)
    finally:
        background.wait()
    for command, code in ((figures, result.returncode), (notebooks, background.returncode)):
        if code:
            raise SystemExit(f"{' '.join(command[1:])} failed; see the output above")


# ----------------------------------------------------------------------------- languages

# src="…figures/NAME" or href="…figures/NAME" (the lightbox's link) in a page's HTML
_FIGURE_URL = re.compile(r'((?:src|href)="[^"]*?figures/)([^"/#?]+)(["#?])')


def on_post_page(output: str, page, config, **kwargs) -> str:
    """Each figure in its page's language, in a frame wide enough to read its words.

    English pages show a figure's English variant (``figures/en/NAME``) where one exists:
    ``scripts/figures.py`` draws a figure with words in Chinese to ``docs/figures/NAME`` (what
    every page names) and in English to ``docs/figures/en/NAME``; no page has to change.
    Then every figure gets its readable width (see :func:`readable_width`).
    """
    if (page.url or "").startswith("en/"):

        def english(m: re.Match) -> str:
            if (OUT_DIR / ENGLISH / m[2]).is_file():
                return f"{m[1]}{ENGLISH}/{m[2]}{m[3]}"
            return m[0]

        output = _FIGURE_URL.sub(english, output)
    return _IMG.sub(_framed, output)


# ----------------------------------------------------------------------------- phones

MIN_TEXT_PX = 9  # no word of a figure is drawn smaller than this many CSS pixels
_IMG = re.compile(r'<img\b[^>]*?\ssrc="[^"]*?figures/((?:en/)?[^"/#?]+\.(?:svg|png|gif))"[^>]*>')
_TEXT = re.compile(r"<text\b.*?</text>", re.S)
_SIZE = re.compile(r"font-size:\s*([\d.]+)px")
_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"')
RASTER_TEXT_PT = 10  # matplotlib's default size, the smallest the raster figures use


def readable_width(path: Path) -> int | None:
    """The width in CSS pixels at which the smallest text of a figure is ``MIN_TEXT_PX`` tall.

    An SVG keeps its text as text (scripts/figures.py): the smallest label's size, in units of
    the viewBox, is read from the file. A label's size is that of its largest part, so a
    subscript (drawn at 70% by mathtext) does not count on its own. A PNG from matplotlib records
    its resolution, and its text is at least ``RASTER_TEXT_PT`` points; an animation is drawn at
    the resolution and smallest size of ``scripts/animation.py``. None if the file is missing or
    has no text.
    """
    if not path.is_file():
        return None
    if path.suffix == ".svg":
        svg = path.read_text(encoding="utf-8")
        box = _VIEWBOX.search(svg)
        sizes = [max(map(float, _SIZE.findall(t))) for t in _TEXT.findall(svg) if _SIZE.search(t)]
        if not box or not sizes:
            return None
        return math.ceil(MIN_TEXT_PX * float(box[1]) / min(sizes))
    from PIL import Image  # matplotlib's dependency

    with Image.open(path) as image:
        if path.suffix == ".gif":  # a GIF records no resolution: scripts/animation.py
            points, dpi = animation.MIN_TEXT_PT, animation.DPI
        else:
            points, dpi = RASTER_TEXT_PT, image.info.get("dpi", (72, 72))[0]
        return math.ceil(MIN_TEXT_PX * image.width / (points * dpi / 72))


def _framed(m: re.Match) -> str:
    """The figure in a frame that shows it at least at its readable width.

    Where the column is narrower (a phone), the frame scrolls sideways with a shadow at the
    clipped edge, like a wide formula (extra.css); a tap still opens the figure full size.
    """
    width = readable_width(OUT_DIR / m[1])
    if width is None:
        return m[0]
    return f'<span class="figure-frame" style="--readable-width: {width}px">{m[0]}</span>'
