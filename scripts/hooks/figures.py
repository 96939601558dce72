"""MkDocs hook: rebuild stale figures before the site is built.

A figure is stale when its file is missing or when its script or the ``optimizers`` package
changed (a content hash, see ``scripts/figures.py``). The figures are built in a separate
process so that ``mkdocs serve`` always runs the code as it is on disk, not modules it
imported earlier.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_done_for_build: set[int] = set()


def on_pre_build(config, **kwargs) -> None:
    # mkdocs-static-i18n builds every language in one run; the figures are shared, so check
    # them once per run (id of the config object of the first language build).
    key = id(config.get("plugins"))
    if key in _done_for_build:
        return
    _done_for_build.add(key)
    command = [sys.executable, "-m", "scripts.figures", "--stale"]
    # Output goes straight to the terminal: a progress bar while figures build (tqdm draws it
    # only on a terminal), then one summary line.
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode:
        raise SystemExit(f"figure build failed ({' '.join(command)}); see the output above")
