"""The book as one PDF per language, printed from the built site: ``python -m scripts.pdf``.

    python -m scripts.pdf --site site/ --out site/pdf/        (``make pdf``, after ``make build``)
    python -m scripts.pdf --site site/ --out /tmp/pdf --lang en --limit 2      (a quick try)

The tool is the browser the site is written for: headless Chromium, driven by Playwright (the
test extra already pins both; ``scripts/check_chromium.sh`` installs Debian's Chromium), prints
every page of a language's navigation in order, with the site's own print stylesheet
(``docs/assets/stylesheets/print.css``: no navigation, answers unfolded, external addresses
written out), and pypdf joins the pages into one file with a bookmark per page (the notebooks
under their section) and a footer on every page: the book, the page's title and the page number
counted through the book. Why not WeasyPrint (or mkdocs-to-pdf, built on it): it runs no
JavaScript, so the formulas (MathJax) would stay TeX source, and mkdocs-to-pdf does not know
mkdocs-static-i18n's languages (an open request there); mkdocs-exporter has had no release since
2024 and prints during every ``mkdocs build``; mkdocs-print-site-plugin prints the default
language only. Measured on a 2-core machine: about 80 s and 8-10 MB per language, close to 300
pages each, so ``make pdf`` stays out of ``make test`` (tests/site/test_pdf.py prints two pages).

Each page is printed only when it is ready: its images loaded, MathJax's typesetting finished
(every formula holds an ``mjx-container``), the fonts loaded, and "beforeprint" dispatched as a
browser does when a reader prints (reading.js then fits wide formulas to the page, print.js
unfolds the answers). Nothing leaves 127.0.0.1: the site is served locally and every other
request is refused. Links between pages point at the published site (the ``site_url`` the
sitemap was written with), since the local address means nothing in a file.

Chinese needs a Chinese font on the machine that Chromium embeds as text: WenQuanYi Micro Hei,
Debian's ``fonts-wqy-microhei``, which ``make pdf`` installs when it can (see FONTS_JS for why
not Noto Sans CJK). The script stops if the printed Chinese cannot be read back from the PDF
as the same text. Output:
``<out>/optimization-for-deep-learning-<lang>.pdf``; the home pages link to that name under
``site_url`` (``scripts/hooks/pdf_link.py``).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from scripts.local_site import LOAD_IMAGES, WAIT_FOR_MATH, serve

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"  # served at the site root, the others at /<lang>/
BOOK = {"zh": "深度学习中的优化", "en": "Optimization for Deep Learning"}
LOCALE = {"zh": "zh-CN", "en": "en"}
# A text that the Chinese PDF must contain as text (its glyphs embedded, readable back).
CJK_PROBE = "动量"
# ... and whose text reads back as written (not 神经⽹络, with a Kangxi radical: see FONTS_JS)
CJK_PROBE_TEXT = "神经网络"
PAGE_TIMEOUT_MS = 30_000


def pdf_name(lang: str) -> str:
    """The file name of a language's PDF (the home pages link to it, see the pdf_link hook)."""
    return f"optimization-for-deep-learning-{lang}.pdf"


@dataclass
class Entry:
    """One page of the book in navigation order."""

    url: str  # absolute local URL
    title: str
    section: str | None  # the nav section it sits in ("动手实验"), or None


# The navigation of a home page, in order: pages, and the section each one belongs to.
NAV_JS = r"""() => {
  const text = el => el ? (el.querySelector(".md-ellipsis") || el).textContent.trim() : "";
  const out = [], seen = new Set();
  const walk = (ul, section) => {
    for (const li of ul.querySelectorAll(":scope > li.md-nav__item")) {
      const a = li.querySelector(
        ":scope > a.md-nav__link[href], :scope > .md-nav__container > a.md-nav__link[href]");
      if (a && !seen.has(a.href.split("#")[0])) {
        seen.add(a.href.split("#")[0]);
        out.push({url: a.href.split("#")[0], title: text(a), section});
      }
      const sub = li.querySelector(
        ":scope > nav.md-nav:not(.md-nav--secondary) > ul.md-nav__list");
      const label = text(li.querySelector(":scope > label.md-nav__link"));
      if (sub) walk(sub, label || text(a) || section);
    }
  };
  const root = document.querySelector("nav.md-nav--primary > ul.md-nav__list");
  if (root) walk(root, null);
  return out;
}"""

# Formulas that MathJax has not typeset (after WAIT_FOR_MATH): a page printed so shows TeX.
UNTYPESET_JS = """() => Array.from(document.querySelectorAll(".arithmatex"))
  .filter(el => !el.querySelector("mjx-container")).length"""

# Links to other pages of the site point at the published site; they are marked so that the
# print stylesheet does not write their (long) address after them.
RELINK_JS = r"""([local, published]) => {
  for (const a of document.querySelectorAll("a[href]")) {
    if (a.href.startsWith(local)) {
      a.setAttribute("href", published + a.href.slice(local.length));
      a.setAttribute("data-print-internal", "");
    }
  }
}"""

# Chinese in a font that Chromium embeds as text. Skia, Chromium's PDF writer, embeds fonts with
# TrueType outlines as fonts; one with CFF outlines (Noto Sans CJK, Source Han Sans) becomes
# Type 3 glyph drawings, bigger, and whose text reads back wrong (神经⽹络 with a Kangxi radical
# for 网). So WenQuanYi Micro Hei (TrueType), when the machine has it, goes first among the
# Chinese fonts of the site's font lists (extra.css); a machine without it keeps the others.
FONTS_JS = r"""() => {
  const style = getComputedStyle(document.body);
  for (const name of ["--md-text-font-family", "--md-code-font-family"]) {
    const list = style.getPropertyValue(name);
    const first = list.search(
      /"?(PingFang SC|Hiragino Sans GB|Microsoft YaHei|Noto Sans CJK SC|Source Han Sans SC)/);
    if (first < 0) continue;
    const rest = list.slice(first).replace(/,\s*"?WenQuanYi Micro Hei"?/g, "");
    document.body.style.setProperty(name, list.slice(0, first) + '"WenQuanYi Micro Hei", ' + rest);
  }
}"""

# The footer of every page of paper: the book, the page's title and the page number, counted
# through the whole book. Chromium numbers each printed page of the site from 1, so the footers
# are printed apart, one sheet per page, and laid over the pages when they are joined.
FOOTERS = """<!doctype html><html lang="{lang}"><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0; }}
html, body {{ margin: 0; }}
.sheet {{ position: relative; height: 296mm; overflow: hidden; break-after: page; }}
.sheet:last-child {{ break-after: auto; }}
.foot {{ position: absolute; left: 15mm; right: 15mm; bottom: 7mm; display: flex;
  justify-content: space-between; gap: 2em; color: #666;
  font: 8pt "DejaVu Sans", "WenQuanYi Micro Hei", sans-serif; }}
</style><body>{sheets}</body></html>"""
SHEET = (
    '<div class="sheet"><div class="foot"><span>{book} · {title}</span><span>{n}</span></div></div>'
)


def published_url(site: Path) -> str | None:
    """The site_url the site was built with: the first address of its sitemap."""
    sitemap = site / "sitemap.xml"
    if not sitemap.is_file():
        return None
    root = ElementTree.parse(sitemap).getroot()
    loc = root.find("{*}url/{*}loc")
    if loc is None or not loc.text or not re.match(r"https?://", loc.text):
        return None
    return loc.text.strip()


def find_chromium() -> str | None:
    """$CHROMIUM, else chromium or chromium-browser on the PATH (as scripts/check_chromium.sh)."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).is_file():
        return env
    return shutil.which("chromium") or shutil.which("chromium-browser")


def build(
    site: Path,
    out: Path,
    langs: tuple[str, ...] = LANGS,
    limit: int | None = None,
    log=print,
) -> dict[str, Path]:
    """Print each language's pages and join them; returns {lang: pdf path}."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise SystemExit("no Chromium: run `bash scripts/check_chromium.sh` (make pdf does)")
    out.mkdir(parents=True, exist_ok=True)
    published = published_url(site)
    results: dict[str, Path] = {}
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(PAGE_TIMEOUT_MS)

        def route(r):  # offline: the local site only
            url = r.request.url
            if url.startswith(base) or url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                r.abort("blockedbyclient")

        context.route("**/*", route)
        page = context.new_page()
        try:
            for lang in langs:
                start = time.perf_counter()
                home = base if lang == DEFAULT_LANG else f"{base}{lang}/"
                page.goto(home, wait_until="load")
                entries = [Entry(**e) for e in page.evaluate(NAV_JS)]
                if not entries:
                    raise SystemExit(f"{lang}: no navigation found on {home}")
                if limit:
                    entries = entries[:limit]
                printed = []
                for entry in entries:
                    printed.append((entry, print_page(page, entry, lang, base, published)))
                    log(f"  {lang}: {entry.url[len(base) - 1 :]} printed")
                path = out / pdf_name(lang)
                join(printed, footers(page, printed, lang), path, lang)
                check(path, lang)
                seconds = time.perf_counter() - start
                size = path.stat().st_size
                log(
                    f"{path}: {len(entries)} pages of the site, {size / 1e6:.1f} MB, "
                    f"{seconds:.0f} s"
                )
                results[lang] = path
        finally:
            context.close()
            browser.close()
    return results


def print_page(page, entry: Entry, lang: str, base: str, published: str | None) -> bytes:
    """One page of the site as PDF bytes, printed once it is ready."""
    page.emulate_media(media="screen")
    page.goto(entry.url, wait_until="load")
    # ready to print: images loaded (lazy ones made eager), MathJax done, fonts loaded
    page.evaluate(LOAD_IMAGES, PAGE_TIMEOUT_MS)
    page.evaluate(WAIT_FOR_MATH, PAGE_TIMEOUT_MS)
    pending = page.evaluate(UNTYPESET_JS)
    if pending:
        raise SystemExit(f"{entry.url}: {pending} formula(s) not typeset")
    page.evaluate(FONTS_JS)
    if published:
        page.evaluate(RELINK_JS, [base, published])
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    data = page.pdf(
        format="A4",
        print_background=True,
        margin={"top": "15mm", "bottom": "18mm", "left": "15mm", "right": "15mm"},
        outline=False,
        tagged=True,
    )
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    return data


def footers(page, printed: list[tuple[Entry, bytes]], lang: str) -> bytes:
    """The footers of all pages of paper, one A4 sheet each (see FOOTERS)."""
    from html import escape

    from pypdf import PdfReader

    sheets, n = [], 0
    for entry, data in printed:
        for _ in PdfReader(io.BytesIO(data)).pages:
            n += 1
            sheets.append(SHEET.format(book=escape(BOOK[lang]), title=escape(entry.title), n=n))
    page.emulate_media(media="print")
    page.set_content(FOOTERS.format(lang=lang, sheets="".join(sheets)), wait_until="load")
    data = page.pdf(prefer_css_page_size=True, print_background=False)
    got = len(PdfReader(io.BytesIO(data)).pages)
    if got != n:
        raise SystemExit(f"{lang}: {got} footer sheets for {n} pages")
    return data


def join(printed: list[tuple[Entry, bytes]], footer: bytes, path: Path, lang: str) -> None:
    """One PDF: the pages in order with their footers, a bookmark per page of the site (the
    notebooks under their section's bookmark)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter()
    sections: dict[str, object] = {}
    for entry, data in printed:
        first = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(data)), import_outline=False)
        parent = None
        if entry.section:
            if entry.section not in sections:
                sections[entry.section] = writer.add_outline_item(
                    title=entry.section, page_number=first
                )
            parent = sections[entry.section]
        writer.add_outline_item(title=entry.title, page_number=first, parent=parent)
    for sheet, paper in zip(PdfReader(io.BytesIO(footer)).pages, writer.pages, strict=True):
        paper.merge_page(sheet)
        paper.compress_content_streams()  # merging leaves the page's drawing uncompressed
    # identical objects of the pages' files (images, shared resources) once
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.add_metadata({"/Title": BOOK[lang], "/Creator": "scripts/pdf.py (Chromium, pypdf)"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(LOCALE[lang])
    writer.page_mode = "/UseOutlines"
    tmp = path.with_suffix(".pdf.part")
    with tmp.open("wb") as f:
        writer.write(f)
    tmp.replace(path)


def check(path: Path, lang: str) -> None:
    """The PDF has pages and bookmarks, and its Chinese is text (a font with the glyphs)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    if not reader.pages or not reader.outline:
        raise SystemExit(f"{path}: no pages or no bookmarks")
    if lang == "zh":
        text = "".join(p.extract_text() or "" for p in reader.pages[:20])
        if CJK_PROBE not in text or CJK_PROBE_TEXT not in text:
            raise SystemExit(
                f"{path}: no {CJK_PROBE!r} or {CJK_PROBE_TEXT!r} in its text: is a Chinese font "
                "with TrueType outlines installed? (Debian: apt-get install fonts-wqy-microhei)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"), help="a built site (site/)")
    parser.add_argument("--out", type=Path, default=None, help="where the PDFs go (site/pdf/)")
    parser.add_argument("--lang", choices=LANGS, action="append", help="one language (repeat)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site} is not a built site (run `make build` first)")
    out = args.out or args.site / "pdf"
    build(args.site, out, tuple(args.lang or LANGS), args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
