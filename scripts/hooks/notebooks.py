"""MkDocs hook: make mkdocs-jupyter notebooks survive mkdocs-static-i18n.

mkdocs-static-i18n (1.3.1) rebuilds every file as a plain ``File`` in its ``on_files``; that
drops mkdocs-jupyter's ``NotebookFile`` type, so a notebook (a jupytext ``.py`` file) is no
longer a documentation page and is copied as raw source instead of rendered (upstream report
mkdocs-static-i18n #198). This hook wraps static-i18n's ``create_i18n_file`` so that a file
which was a documentation page stays one.

mkdocs-jupyter evicts every cache entry not used by the current build; static-i18n runs one
build per language, so each language evicted the other's entries and the cache never hit. The
hook turns eviction off (stale entries are small and live in the ignored ``.cache/``).

Both patches touch private functions: the versions are pinned in ``pyproject.toml`` and
``tests/test_site.py`` checks that a notebook page renders as HTML in both languages.
"""

from __future__ import annotations

from mkdocs.structure.files import File
from mkdocs_jupyter.plugin import Plugin as JupyterPlugin
from mkdocs_static_i18n import folder


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


def _keep_cache(self, config) -> None:
    return None


JupyterPlugin.on_post_build = _keep_cache


def on_post_page(output: str, page, config) -> str:
    """Write the notebook as ``.ipynb`` next to its page, for the download link in its text.

    Notebooks are stored as jupytext percent-format ``.py`` files (readable diffs); readers
    get a real notebook. Each notebook's first cell links to ``<name>.ipynb``.
    """
    src = page.file.abs_src_path or ""
    if isinstance(page.file, NotebookPage) or "/notebooks/" in src.replace("\\", "/"):
        if src.endswith(".py"):
            import os

            import jupytext

            notebook = jupytext.read(src)
            notebook.metadata["kernelspec"] = {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
            target = os.path.join(
                os.path.dirname(page.file.abs_dest_path),
                os.path.basename(src)[: -len(".py")] + ".ipynb",
            )
            os.makedirs(os.path.dirname(target), exist_ok=True)
            jupytext.write(notebook, target, fmt="ipynb")
    return output
