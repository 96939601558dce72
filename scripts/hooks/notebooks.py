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

A downloaded notebook must also run outside a clone of the repository (a fresh Jupyter, Colab).
So the page and the download get one more code cell, the first code cell (after the title and
the introduction): in the notebook's language, it installs the library from the wheel that
``scripts/hooks/wheel.py`` puts on the site, with the absolute URL taken from ``site_url``
(``BOOK_SITE_URL`` for a fork), unless ``import optimizers`` already works. The cell is added
here, after the execution, so the executed store does not depend on the site's address and the
repository's own run never calls pip. Links to a ``.ipynb`` get the ``download`` attribute, so
that a host serving notebooks as JSON text still saves the file.

Both patches touch private functions: the versions are pinned in ``pyproject.toml`` and
``tests/site/test_site.py`` checks that a notebook page renders as HTML in both languages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
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
from scripts.hooks import wheel  # noqa: E402


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


# The install cell, in each language: what it installs and why it may do nothing.
INSTALL_COMMENT = {
    "en": [
        "# Installs the book's library, optimizers, from the book's site if it is missing",
        "# (in a fresh Jupyter or Colab), with {extras}.",
        "# Where it is already installed, this cell does nothing.",
    ],
    "zh": [
        "# 如果缺少本书的库 optimizers（例如在新的 Jupyter 或 Colab 中），就从本书网站安装它，",
        "# 同时安装{extras}；已经装好时，这个单元什么也不做。",
    ],
}
EXTRAS = {
    "en": {
        "matplotlib": "matplotlib for the plots",
        "scikit-learn": "scikit-learn for the handwritten digits",
    },
    "zh": {"matplotlib": "画图用的 matplotlib", "scikit-learn": "scikit-learn（提供手写数字数据）"},
}
JOIN = {"en": " and ", "zh": " 和 "}


def install_packages(source: str) -> list[str]:
    """What a notebook needs besides the library: matplotlib, and scikit-learn for the digits."""
    return ["matplotlib", *(["scikit-learn"] if "load_digits" in source else [])]


def install_cell(lang: str, url: str, packages: list[str]) -> dict:
    """The notebook cell that installs the library from ``url`` unless it can be imported."""
    lang = lang if lang in INSTALL_COMMENT else "en"
    extras = JOIN[lang].join(EXTRAS[lang][p] for p in packages)
    lines = [line.format(extras=extras) for line in INSTALL_COMMENT[lang]]
    lines += [
        "try:",
        "    import optimizers",
        "except ImportError:",
        f'    %pip install -q "{url}" {" ".join(packages)}',
    ]
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "install-the-library",
        "metadata": {"tags": ["install"]},
        "outputs": [],
        "source": "\n".join(lines),
    }


def for_site(notebook: Path, source: Path, url: str) -> Path:
    """The executed ``notebook`` with the install cell first among its code cells.

    Written once per content, to ``.cache/notebooks/site/<hash>/notebooks/<name>.ipynb``: the
    file keeps its name, which the page's download link and ``include_source`` use, and builds
    for other site addresses (a test's local server) do not overwrite it.
    """
    data = json.loads(notebook.read_text(encoding="utf-8"))
    lang = source.parent.parent.name
    cell = install_cell(lang, url, install_packages(source.read_text(encoding="utf-8")))
    cells = data["cells"]
    first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    cells.insert(first_code, cell)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    # under a folder named notebooks/, which mkdocs-jupyter's `include` patterns match
    target = executed.cache_dir() / "site" / digest / "notebooks" / notebook.name
    if target.is_file():
        target.touch()  # in use: kept by prune_site_notebooks
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    return target


def prune_site_notebooks(keep_seconds: float = 86400) -> None:
    """Delete the page notebooks no build used for a day (each test build adds a set of them,
    with its own local address in the install cell)."""
    now = time.time()
    for old in (executed.cache_dir() / "site").glob("*/notebooks/*.ipynb"):
        try:
            if now - old.stat().st_mtime > keep_seconds:
                old.unlink()
                old.parent.rmdir()
                old.parent.parent.rmdir()
        except OSError:  # gone already, or the folder still holds a notebook
            pass


@event_priority(-110)  # after mkdocs-static-i18n (-100), which rebuilds every file
def on_files(files, config):
    """Point every notebook page (a jupytext ``.py``) at its executed notebook, with the
    install cell added."""
    url = wheel.wheel_url(config.site_url)
    prune_site_notebooks()
    for file in files:
        src = file.abs_src_path or ""
        if isinstance(file, NotebookPage) and src.endswith(".py"):
            file.notebook_source = src
            file.abs_src_path = str(for_site(executed.ensure(Path(src)), Path(src), url))
    return files


IPYNB_LINK = re.compile(r'<a (?![^>]*\bdownload\b)([^>]*\bhref="[^"#?]+\.ipynb")')


def on_post_page(output: str, page, config) -> str:
    """Mark every link to a ``.ipynb`` as a download; on notebook pages, name the headings.

    mkdocs-jupyter's ``include_source`` (mkdocs.yml) copies the rendered file, the executed
    ``<name>.ipynb`` with its install cell, next to the page, which is the name the notebook's
    introduction links to (``tests/site/test_site.py`` checks it is there).
    """
    output = IPYNB_LINK.sub(r"<a download \1", output)
    if not isinstance(page.file, NotebookPage) or not hasattr(page.file, "notebook_source"):
        return output
    return name_headings(output, _toc_ids(page.toc))
