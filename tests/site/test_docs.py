"""Checks on the Markdown sources of the pages (fast; no build needed).

pytest-codeblocks runs every fence tagged exactly ``python`` (and ``sh``/``bash``). A fence
tagged ``py`` or ``python title="..."`` is silently not run, so this file makes sure that
every fence on every page is one of: ``python`` (run by the tests), ``py`` holding nothing
but snippet includes of the package's own source (tested by the unit tests), or a
non-executable language from a short list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.markdown import fences

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "figures" not in p.parts)
NOT_RUN = {"text", "console", "yaml", "toml", "json", "latex", "tex", "markdown", "md", "bibtex"}
SNIPPET = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$')


def page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_pages_exist():
    assert any(p.name == "sgd.md" for p in PAGES), "chapter 1 (sgd.md) is missing"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_fence_is_run_or_declared_not_run(page: Path):
    for line, info, body in fences(page):
        where = f"{page_id(page)}:{line}"
        if info == "python":
            assert any(s.strip() for s in body), f"{where}: empty python block"
            continue
        if info == "py":
            includes = [s.strip() for s in body if s.strip()]
            assert includes, f"{where}: empty py block"
            for s in includes:
                assert SNIPPET.match(s), (
                    f"{where}: a ```py block may only include package source "
                    f'(--8<-- "optimizers/x.py:section"); found {s!r}. Tag runnable code '
                    "```python so the tests run it."
                )
            continue
        assert info in NOT_RUN, (
            f"{where}: fence info {info!r} is not allowed. Use ```python for code the tests "
            f"run, ```py for snippet includes, or one of {sorted(NOT_RUN)} for text "
            "(```bash and ```sh would be executed by pytest-codeblocks)."
        )


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_snippet_includes_name_existing_sections(page: Path):
    for line, info, body in fences(page):
        if info != "py":
            continue
        for s in (s.strip() for s in body if s.strip()):
            m = SNIPPET.match(s)
            target = ROOT / m["path"]
            assert target.is_file(), f"{page_id(page)}:{line}: {m['path']} does not exist"
            if m["section"]:
                text = target.read_text(encoding="utf-8")
                for edge in ("start", "end"):
                    marker = f"# --8<-- [{edge}:{m['section']}]"
                    assert marker in text, (
                        f"{page_id(page)}:{line}: {m['path']} has no line {marker!r}"
                    )


def test_every_chapter_runs_some_code():
    for page in PAGES:
        if page.name in {"index.md", "glossary.md", "references.md"}:
            continue
        infos = [info for _, info, _ in fences(page)]
        assert "python" in infos, f"{page_id(page)} has no python block the tests run"


@pytest.mark.parametrize(
    "notebook", sorted(DOCS.glob("en/notebooks/*-lab.py")), ids=lambda p: p.stem
)
def test_chapter_links_its_notebook_near_the_top(notebook: Path):
    """``notebooks/<chapter>-lab.py`` goes with ``<chapter>.md``, which links to it early on."""
    chapter = notebook.stem.removesuffix("-lab")
    for lang in ("en", "zh"):
        page = DOCS / lang / f"{chapter}.md"
        assert page.is_file(), f"{notebook.name} has no chapter {page.relative_to(ROOT)}"
        head = page.read_text(encoding="utf-8").splitlines()[:25]
        assert any(f"(notebooks/{notebook.name})" in line for line in head), (
            f"{page.relative_to(ROOT)}: no link to notebooks/{notebook.name} in its first 25 lines"
        )


def test_every_snippet_section_is_included_by_a_page_of_each_language():
    """A ``# --8<-- [start:x]`` section of the library that no page prints is dead weight."""
    marker = re.compile(r"^\s*# --8<-- \[start:(?P<section>[\w-]+)\]", re.M)
    sections = {
        f"optimizers/{p.name}:{m['section']}"
        for p in sorted((ROOT / "optimizers").glob("*.py"))
        for m in marker.finditer(p.read_text(encoding="utf-8"))
    }
    assert len(sections) >= 10, f"found only {sorted(sections)}: is the pattern right?"
    for lang in ("en", "zh"):
        included = {
            m["path"] + ":" + (m["section"] or "")
            for page in PAGES
            if page.parts[-2] == lang
            for _, info, body in fences(page)
            if info == "py"
            for line in body
            if (m := SNIPPET.match(line.strip()))
        }
        orphans = sorted(sections - included)
        assert not orphans, f"sections no {lang} page includes (delete or show them): {orphans}"
