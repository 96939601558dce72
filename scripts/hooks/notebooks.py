"""MkDocs hook: make mkdocs-jupyter notebooks survive mkdocs-static-i18n.

mkdocs-static-i18n (1.3.1) rebuilds every file as a plain ``File`` in its ``on_files``; that
drops mkdocs-jupyter's ``NotebookFile`` type, so a notebook (a jupytext ``.py`` file) is no
longer a documentation page and is copied as raw source instead of rendered (upstream report
mkdocs-static-i18n #198). This hook wraps static-i18n's ``create_i18n_file`` so that a file
which was a documentation page stays one.

mkdocs-jupyter evicts every cache entry not used by the current build; static-i18n runs one
build per language, so each language evicted the other's entries and the cache never hit. The
hook turns eviction off (stale entries are small and live in the ignored ``.cache/``).

The notebooks are stored without outputs (jupytext ``.py``). ``scripts/notebooks.py`` executes
each once per content hash (the build hook runs it first); this hook then points each notebook
page at its executed ``.ipynb``, so the page shows the printed values and the plots, and the
download next to the page is that executed notebook.

Both patches touch private functions: the versions are pinned in ``pyproject.toml`` and
``tests/site/test_site.py`` checks that a notebook page renders as HTML in both languages.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs_jupyter.plugin import Plugin as JupyterPlugin
from mkdocs_static_i18n import folder
from pymdownx import slugs

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `mkdocs` command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

from scripts import notebooks as executed  # noqa: E402


class NotebookPage(File):
    """A File that MkDocs treats as a documentation page whatever its extension."""

    def is_documentation_page(self) -> bool:
        return True


_original_create = folder.create_i18n_file


def _create_i18n_file(file, *args, **kwargs):
    new = _original_create(file, *args, **kwargs)
    if file.is_documentation_page() and not new.is_documentation_page():
        new.__class__ = NotebookPage
    return new


if getattr(folder.create_i18n_file, "__name__", "") != "_create_i18n_file":
    folder.create_i18n_file = _create_i18n_file


def on_config(config):
    """Stop mkdocs-jupyter's cache eviction (its ``on_post_build``) for this build.

    MkDocs registered the plugin's bound method before this hook was loaded, so patching the
    class is too late: the method is taken out of the registered ``post_build`` events.
    """
    events = config.plugins.events["post_build"]
    events[:] = [m for m in events if not isinstance(getattr(m, "__self__", None), JupyterPlugin)]
    return config


EMPTY_HEADING = re.compile(r'<h([1-6]) id="">(.*?)<a class="anchor-link" href="#">', re.S)
slugify = slugs.slugify(case="lower")


def _toc_ids(items) -> list[str]:
    ids = []
    for item in items:
        ids.append(item.id)
        ids.extend(_toc_ids(item.children))
    return ids


def name_headings(html: str, toc_ids: list[str]) -> str:
    """Give notebook headings that nbconvert left without an id (Chinese ones) readable ids.

    mkdocs-jupyter's table of contents calls them ``_1``, ``_2``, ... while the headings
    themselves get ``id=""``, so the table's links went nowhere. Each such heading gets the
    site's own slug of its text (as ``pymdownx.slugs`` makes for the Markdown pages) and the
    table's link is pointed at it; headings and table entries correspond in order.
    """
    headings = list(EMPTY_HEADING.finditer(html))
    if not headings:
        return html
    seen: set[str] = set()
    renames = {}
    for toc_id, match in zip(toc_ids, EMPTY_HEADING.finditer(html), strict=False):
        if not re.fullmatch(r"_\d+", toc_id):
            continue
        text = re.sub(r"<[^>]+>", "", match[2]).strip()
        new_id = base = slugify(text, "-") or toc_id
        k = 1
        while new_id in seen:
            new_id, k = f"{base}_{k}", k + 1
        seen.add(new_id)
        renames[match.start()] = (toc_id, new_id)

    def heading(match: re.Match) -> str:
        if match.start() not in renames:
            return match[0]
        new_id = renames[match.start()][1]
        return f'<h{match[1]} id="{new_id}">{match[2]}<a class="anchor-link" href="#{new_id}">'

    html = EMPTY_HEADING.sub(heading, html)
    for toc_id, new_id in renames.values():
        html = html.replace(f'href="#{toc_id}"', f'href="#{new_id}"')
    return html


@event_priority(-110)  # after mkdocs-static-i18n (-100), which rebuilds every file
def on_files(files, config):
    """Point every notebook page (a jupytext ``.py``) at its executed notebook."""
    for file in files:
        src = file.abs_src_path or ""
        if isinstance(file, NotebookPage) and src.endswith(".py"):
            file.notebook_source = src
            file.abs_src_path = str(executed.ensure(Path(src)))
    return files


def on_post_page(output: str, page, config) -> str:
    """For notebook pages: name their headings.

    The download needs nothing here: mkdocs-jupyter's ``include_source`` (mkdocs.yml) copies
    the rendered file, the executed ``<name>.ipynb``, next to the page, which is the name the
    notebook's first cell links to (``tests/site/test_site.py`` checks it is there).
    """
    if not isinstance(page.file, NotebookPage) or not hasattr(page.file, "notebook_source"):
        return output
    return name_headings(output, _toc_ids(page.toc))
