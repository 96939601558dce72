"""MkDocs hook: bring the figures, the pages' numbers and the executed notebooks up to date.

A figure is stale when its file is missing or when its script, the experiments it draws or the
``optimizers`` package changed (a content hash, see ``scripts/figures.py``); the pages' numbers
are refreshed after the figures, from the same stored experiments (``scripts/results.py``); a
notebook is executed again when its source or the library changed (``scripts/notebooks.py``).
Each runs in a separate process, so that ``mkdocs serve`` always runs the code as it is on
disk, not modules it imported earlier; the notebooks run beside the figures.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `mkdocs` command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

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
    """English pages show a figure's English variant (``figures/en/NAME``) where one exists.

    ``scripts/figures.py`` draws a figure with words in Chinese to ``docs/figures/NAME`` (what
    every page names) and in English to ``docs/figures/en/NAME``; no page has to change.
    """
    if not (page.url or "").startswith("en/"):
        return output

    def english(m: re.Match) -> str:
        if (OUT_DIR / ENGLISH / m[2]).is_file():
            return f"{m[1]}{ENGLISH}/{m[2]}{m[3]}"
        return m[0]

    return _FIGURE_URL.sub(english, output)
