"""MkDocs hook: fill in a page's experiment numbers, ``{{ name }}`` or ``{{ name:.2f }}``.

A number that a page states about an experiment is not typed into the page: it is written as a
placeholder and taken at build time from the stored numbers of that page (``@numbers`` in
``scripts/exp_<chapter>.py``; see ``scripts/results.py``), which the figure hook has just
brought up to date. So the prose, the tables and the alt text of a reader's build quote the
same runs that drew the figures of that build, on that machine. The placeholder's format spec
is Python's (``{{ acc:.1f }}``; a float without one is printed with ``:g``).

Why a hook and not mkdocs-macros-plugin: macros renders every page as a Jinja template, where
``{%``, ``{#`` and ``{{`` in TeX and code would need escaping all over the book; this hook
touches only ``{{ name }}`` with a plain name, and an unknown name or a stale store stops the
build with the page and the name.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `mkdocs` command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

from scripts import results  # noqa: E402

PLACEHOLDER = re.compile(r"\{\{\s*(?P<name>[A-Za-z_]\w*)\s*(?::(?P<spec>[^{}]*?))?\s*\}\}")


def load(page: str) -> dict:
    path = results.numbers_dir() / f"{page}.json"
    if not path.exists():
        raise PluginError(
            f"{page}: the page uses {{{{ ... }}}} numbers but {path} does not exist; "
            "run `python -m scripts.figures --stale` (the figure hook does this before a build)"
        )
    stored = json.loads(path.read_text(encoding="utf-8"))
    if stored["fingerprint"] != results.module_hash(stored["module"]):
        raise PluginError(
            f"{page}: the stored numbers are stale ({stored['module']} or optimizers/ changed); "
            "run `python -m scripts.figures --stale`"
        )
    return stored["values"]


def render(text: str, values: dict, page: str) -> str:
    def fill(m: re.Match) -> str:
        name, spec = m["name"], (m["spec"] or "").strip()
        if name not in values:
            raise PluginError(
                f"{page}: no number {name!r}; the page's numbers are {sorted(values)}"
            )
        value = values[name]
        if not spec and isinstance(value, float):
            spec = "g"
        try:
            return format(value, spec)
        except ValueError as e:
            raise PluginError(f"{page}: {{{{ {name}:{spec} }}}}: {e}") from None

    return PLACEHOLDER.sub(fill, text)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if not PLACEHOLDER.search(markdown):
        return markdown
    name = Path(page.file.src_uri).stem
    return render(markdown, load(name), name)
