"""Build the whole site (``mkdocs build --strict``) once and check what a reader gets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.relative_to(ROOT / "docs" / "zh") for p in (ROOT / "docs" / "zh").rglob("*.md"))
NOTEBOOKS = sorted(
    p.relative_to(ROOT / "docs" / "zh") for p in (ROOT / "docs" / "zh" / "notebooks").glob("*.py")
)

pytestmark = pytest.mark.slow


def html_path(site: Path, lang: str, page: Path) -> Path:
    prefix = site if lang == "zh" else site / "en"
    stem = page.with_suffix("")
    if stem.name == "index":
        return prefix / stem.parent / "index.html"
    return prefix / stem / "index.html"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_is_built(site: Path, lang: str):
    for page in PAGES + NOTEBOOKS:
        assert html_path(site, lang, page).is_file(), f"{lang}: {page} was not built"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_language_switch_lands_on_the_same_page(site: Path, lang: str):
    other = "en" if lang == "zh" else "zh"
    for page in PAGES + NOTEBOOKS:
        html = html_path(site, lang, page).read_text(encoding="utf-8")
        links = dict(re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', html))
        by_lang = {v: k for k, v in links.items()}
        assert other in by_lang, f"{lang}/{page}: no language switch to {other}"
        href = by_lang[other]  # relative, or absolute from the site root (the home pages)
        base = site if href.startswith("/") else html_path(site, lang, page).parent
        target = (base / href.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        assert target == html_path(site, other, page).resolve(), (
            f"{lang}/{page}: the switch to {other} goes to {by_lang[other]}"
        )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_notebooks_render_as_html_with_ipynb(site: Path, lang: str):
    for nb in NOTEBOOKS:
        page = html_path(site, lang, nb)
        html = page.read_text(encoding="utf-8")
        assert "jp-Notebook" in html or "jupyter-wrapper" in html, f"{page} is not a notebook"
        assert "# %%" not in html, f"{page} shows the raw jupytext source"
        # the executed notebook: printed values and plots are on the page
        assert "jp-OutputArea-output" in html, f"{page} shows no output"
        assert 'src="data:image/png' in html, f"{page} shows no plot"
        assert (page.parent / (nb.stem + ".ipynb")).is_file(), f"no .ipynb next to {page}"


def test_mathjax_is_served_locally(site: Path):
    assert (site / "assets" / "mathjax" / "tex-chtml.js").is_file()
    for lang in ("zh", "en"):
        html = html_path(site, lang, Path("sgd.md")).read_text(encoding="utf-8")
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
        # mathjax.js is the loader: it brings in the local tex-chtml.js on pages with math
        assert any(s.endswith("javascripts/mathjax.js") for s in scripts)
        assert not any("tex-chtml" in s for s in scripts), "MathJax itself is loaded on demand"
        assert not [s for s in scripts if re.match(r"(https?:)?//", s)], scripts
        assert 'class="arithmatex"' in html
    loader = (site / "assets" / "javascripts" / "mathjax.js").read_text(encoding="utf-8")
    assert "../mathjax/tex-chtml.js" in loader


def test_search_index_segments_chinese(site: Path):
    import json

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(d["text"] for d in index["docs"] if not d["location"].startswith("en/"))
    assert "\u200b" in text, "Chinese text is not split into words (jieba)"
    assert index["config"]["lang"] == ["zh", "en"]
