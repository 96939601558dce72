"""The book's PDF (``make pdf``, scripts/pdf.py), on the first pages only.

The whole book takes Chromium about two minutes per run (both languages), so ``make test`` prints
the first two pages of each language's navigation from the session's build and checks what the
whole run relies on: the file has pages, a bookmark per printed page in navigation order, and a
footer on each page numbered through the book; the Chinese is text in an embedded font (it reads
back as 动量 and 神经网络, not as missing glyphs or Kangxi radicals); the formulas were typeset
before printing (no TeX source left in the text); no link points at the local server the pages
were printed from; and the home pages of both languages link to the PDF under the site's
address (scripts/hooks/pdf_link.py), whether or not it was built.

Needs Chromium (scripts/check_chromium.sh), pypdf (the test extra) and a Chinese font with
TrueType outlines (WenQuanYi Micro Hei, Debian's fonts-wqy-microhei, which
scripts/check_chromium.sh installs before `make test` and `make pdf`); without them the PDF test
skips (and under CI a skip fails the run).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import pdf

ROOT = Path(__file__).resolve().parents[2]
PAGES = 2


def chinese_font() -> bool:
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    out = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True).stdout
    return "WenQuanYi Micro Hei" in out


@pytest.fixture(scope="module")
def printed(site: Path, tmp_path_factory) -> dict[str, Path]:
    pytest.importorskip("pypdf", reason="pypdf (the test extra) is missing")
    pytest.importorskip("playwright.sync_api", reason="Playwright (the test extra) is missing")
    if pdf.find_chromium() is None:
        pytest.skip("no Chromium: run `bash scripts/check_chromium.sh` (make test does)")
    if not chinese_font():
        pytest.skip("no Chinese font Chromium embeds as text: apt-get install fonts-wqy-microhei")
    out = tmp_path_factory.mktemp("pdf")
    return pdf.build(site, out, limit=PAGES, log=lambda *args: None)


def outline_titles(reader) -> list[tuple[str, int]]:
    flat = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                flat.append((item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    return flat


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("lang", pdf.LANGS)
def test_pdf_has_pages_bookmarks_and_typeset_text(printed, lang, site: Path):
    from pypdf import PdfReader

    path = printed[lang]
    assert path.name == pdf.pdf_name(lang) and path.is_file()
    reader = PdfReader(path)
    assert len(reader.pages) > PAGES, "each page of the site is at least one page of paper"
    bookmarks = outline_titles(reader)
    assert len(bookmarks) == PAGES, bookmarks
    assert [page for _, page in bookmarks] == sorted(page for _, page in bookmarks)
    assert bookmarks[0][1] == 0
    home = "首页" if lang == "zh" else "Home"
    assert bookmarks[0][0] == home, bookmarks
    assert reader.metadata.title == pdf.BOOK[lang]

    # every page's footer: the book, the page's title and its number in the whole book
    last = " ".join(reader.pages[-1].extract_text().split())  # (spaces around Latin words)
    footer = f"{pdf.BOOK[lang]} · {bookmarks[-1][0]} {len(reader.pages)}"
    assert last.endswith(" ".join(footer.split())), last[-80:]

    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    if lang == "zh":
        assert "动量" in text and "神经网络" in text, text[:300]
    else:
        assert "momentum" in text, text[:300]
    assert "Adam" in text
    # formulas typeset: MathJax's output, not the TeX source arithmatex writes
    assert not re.search(r"\\\(|\\\)|\\\[|\\\]|\\frac|\\nabla", text), "raw TeX in the PDF"

    fonts, links = set(), []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts.add((str(font.get("/Subtype")), str(font.get("/BaseFont", ""))))
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                links.append(str(action["/URI"]))
    if lang == "zh":
        assert any(kind == "/Type0" and "WenQuanYi" in name for kind, name in fonts), fonts
    assert links, "no link in the PDF"
    local = [url for url in links if "127.0.0.1" in url or "localhost" in url]
    assert not local, f"links to the local server: {local[:5]}"


@pytest.mark.slow
def test_home_pages_link_to_the_pdf_under_the_site_url(site: Path):
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    site_url = re.search(r"<loc>(https?://[^<]+?)</loc>", sitemap)[1]
    for lang, home in (("zh", site / "index.html"), ("en", site / "en" / "index.html")):
        html = home.read_text(encoding="utf-8")
        expected = f'href="{site_url}pdf/{pdf.pdf_name(lang)}"'
        assert expected in html, f"{home.relative_to(site)}: no {expected}"
        assert "pdf:" + lang not in html, "the hook did not run"
