"""Numbered chapters, figures and equations, and references that follow the numbers (issue 14).

``scripts/hooks/numbering.py`` numbers the chapters in the order of ``mkdocs.yml``'s nav, and
within each chapter its figures and display formulas. Read from the session's build (``site``):

- the nav, the page ``<title>`` and the heading of every chapter carry its number, 1 to 14 in
  nav order, in both languages, and the home page's chapter table agrees;
- the figures of a chapter are "图 4.1", "图 4.2"... / "Figure 4.1"...: consecutive, as many in
  Chinese as in English, with the same ids;
- every display formula of a chapter carries ``\\tag{4.k}``, consecutive, outside any
  ``aligned`` block, as many in Chinese as in English;
- every numbered reference (a link to ``#fig-...`` or ``#eq-...``) lands on an id of its target
  page and shows that figure's or formula's number;
- every "[第 N 章](x.md)" / "[Chapter N](x.md)" link of any page points at chapter N.

One browser test checks that MathJax draws a numbered formula, with its number, without error.
"""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from scripts.hooks import numbering
from tests.site.test_browser import Browser, browser, server  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("zh", "en")
NOT_CHAPTERS = numbering.NOT_CHAPTERS  # the home page, playground, API, glossary, ...
CHAPTER_WORD = {"zh": "第 {} 章", "en": "Chapter {}"}
FIGURE_WORD = {"zh": "图 {}", "en": "Figure {}"}
CHAPTER_LINK = re.compile(r"^(?:第\s*(\d+)\s*章|[Cc]hapter\s+(\d+))$")
TAG = re.compile(r"\\tag\{([^}]*)\}")

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------------------------------------
# The chapters, from the nav


def nav_chapters() -> list[str]:
    """The chapters' file names in the order of mkdocs.yml's nav (its top-level pages)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # !ENV, !!python/...
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    pages = [next(iter(item.values())) for item in config["nav"]]
    return [p for p in pages if isinstance(p, str) and p not in NOT_CHAPTERS]


CHAPTERS = nav_chapters()


def url_of(lang: str, name: str) -> str:
    """Site path of a page: ("en", "momentum.md") -> "/en/momentum"."""
    stem = name.removesuffix(".md")
    bare = "" if stem == "index" else stem
    return posixpath.normpath(f"/{'' if lang == 'zh' else 'en/'}{bare}")


def html_file(site: Path, url: str) -> Path:
    return site / url.lstrip("/") / "index.html"


def resolve(page_url: str, href: str) -> tuple[str, str]:
    """(site path, fragment) of a relative link on the page at ``page_url``."""
    path, _, fragment = href.partition("#")
    target = (
        posixpath.normpath(posixpath.join(page_url.rstrip("/") + "/", path)) if path else page_url
    )
    return target, fragment


# ---------------------------------------------------------------------------------------------
# A small DOM from the standard library's parser


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def clean_text(self) -> str:
        return " ".join(self.text().split())

    def iter(self, tag: str | None = None, cls: str | None = None):
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and (
                    cls is None or cls in child.attrs.get("class", "").split()
                ):
                    yield child
                yield from child.iter(tag, cls)

    def first(self, tag: str | None = None, cls: str | None = None) -> Node | None:
        return next(self.iter(tag, cls), None)


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:  # close unclosed children (e.g. <p>)
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


_parsed: dict[Path, Node] = {}


def dom(file: Path) -> Node:
    if file not in _parsed:
        builder = TreeBuilder()
        builder.feed(file.read_text(encoding="utf-8"))
        _parsed[file] = builder.root
    return _parsed[file]


def article(site: Path, url: str) -> Node:
    node = dom(html_file(site, url)).first("article")
    assert node is not None, f"{url}: no <article>"
    return node


def figures(site: Path, url: str) -> list[tuple[str, str]]:
    """(id, number label) of each figure of a page's article."""
    out = []
    for fig in article(site, url).iter("figure"):
        label = fig.first("span", "figure-number")
        out.append((fig.attrs.get("id", ""), label.clean_text() if label else ""))
    return out


def equations(site: Path, url: str) -> list[tuple[str, str]]:
    """(id, TeX) of each display formula of a page's article."""
    return [
        (div.attrs.get("id", ""), div.text())
        for div in article(site, url).iter("div", "arithmatex")
    ]


def lang_of(url: str) -> str:
    return "en" if url == "/en" or url.startswith("/en/") else "zh"


def all_pages(site: Path) -> list[str]:
    return sorted(
        posixpath.normpath("/" + p.parent.relative_to(site).as_posix())
        for p in site.rglob("index.html")
        if p.parent.name not in ("search", "assets")
    )


# ---------------------------------------------------------------------------------------------
# Chapters


def test_the_nav_has_fourteen_chapters():
    assert len(CHAPTERS) == 14, CHAPTERS
    assert CHAPTERS[0] == "sgd.md" and "momentum.md" in CHAPTERS


@pytest.mark.parametrize("lang", LANGS)
def test_chapters_are_numbered_in_nav_title_and_heading(site: Path, lang: str):
    home = url_of(lang, "index.md")
    nav_text = {}  # chapter path -> text of its link in the home page's nav
    for a in dom(html_file(site, home)).first("nav", "md-nav--primary").iter("a", "md-nav__link"):
        target, _ = resolve(home, a.attrs.get("href", ""))
        nav_text.setdefault(target, a.clean_text())
    for number, name in enumerate(CHAPTERS, start=1):
        url = url_of(lang, name)
        page = dom(html_file(site, url))
        h1 = article(site, url).first("h1")
        title = h1.clean_text().removesuffix("¶").strip()
        label = CHAPTER_WORD[lang].format(number)
        assert h1.first("span", "chapter-number").clean_text() == label, f"{url}: {title}"
        assert title.startswith(label + " "), f"{url}: the heading reads {title!r}"
        bare = title.removeprefix(label + " ")
        assert nav_text.get(url) == f"{number} {bare}", (
            f"{url}: the nav says {nav_text.get(url)!r}, the heading {title!r}"
        )
        assert page.first("title").clean_text().startswith(f"{number} {bare} - "), url
    # Pages that are not chapters carry no number.
    for name in NOT_CHAPTERS:
        url = url_of(lang, name)
        assert article(site, url).first("span", "chapter-number") is None, url
        assert not re.match(r"\d+ ", nav_text.get(url, "")), (url, nav_text.get(url))


@pytest.mark.parametrize("lang", LANGS)
def test_home_page_table_agrees_with_the_nav(site: Path, lang: str):
    home = url_of(lang, "index.md")
    rows = 0
    for tr in article(site, home).iter("tr"):
        cells = list(tr.iter("td"))
        link = cells[1].first("a") if len(cells) > 1 else None
        if link is None or not cells[0].clean_text().isdigit():
            continue
        target, _ = resolve(home, link.attrs["href"])
        number = int(cells[0].clean_text())
        assert target == url_of(lang, CHAPTERS[number - 1]), (
            f"{lang} home table: row {number} links {link.attrs['href']}"
        )
        rows += 1
    assert rows == len(CHAPTERS)


# ---------------------------------------------------------------------------------------------
# Figures and equations


def test_figures_are_numbered_within_each_chapter(site: Path):
    total = 0
    for number, name in enumerate(CHAPTERS, start=1):
        found = {lang: figures(site, url_of(lang, name)) for lang in LANGS}
        assert len(found["zh"]) == len(found["en"]), f"{name}: {found}"
        for lang, figs in found.items():
            expected = [FIGURE_WORD[lang].format(f"{number}.{k}") for k in range(1, len(figs) + 1)]
            assert [label for _, label in figs] == expected, f"{lang}/{name}"
            ids = [fid for fid, _ in figs]
            assert all(ids) and len(set(ids)) == len(ids), f"{lang}/{name}: ids {ids}"
        assert [f for f, _ in found["zh"]] == [f for f, _ in found["en"]], name
        total += len(found["zh"])
    assert total >= 60, f"only {total} figures numbered"


def test_display_formulas_are_numbered_within_each_chapter(site: Path):
    total = 0
    for number, name in enumerate(CHAPTERS, start=1):
        found = {lang: equations(site, url_of(lang, name)) for lang in LANGS}
        assert len(found["zh"]) == len(found["en"]), name
        for lang, eqs in found.items():
            for k, (eid, tex) in enumerate(eqs, start=1):
                where = f"{lang}/{name}, formula {k}"
                assert TAG.findall(tex) == [f"{number}.{k}"], f"{where}: {tex[:200]}"
                # One number for the whole display, after (outside) any environment.
                assert re.search(r"\\tag\{[^}]*\}\s*\\\]$", tex.strip()), f"{where}: {tex[-80:]}"
                assert "\\label" not in tex, where
                assert eid.startswith("eq-"), where
        assert [i for i, _ in found["zh"]] == [i for i, _ in found["en"]], name
        total += len(found["zh"])
    assert total >= 60, f"only {total} display formulas numbered"


def test_only_chapters_number_their_figures_and_formulas(site: Path):
    for lang in LANGS:
        for name in ("index.md", "notation.md", "glossary.md"):
            url = url_of(lang, name)
            assert all(label == "" for _, label in figures(site, url)), url
            assert not any(TAG.search(tex) for _, tex in equations(site, url)), url


# ---------------------------------------------------------------------------------------------
# References


def numbered_targets(site: Path, url: str) -> dict[str, str]:
    """id -> the number a reference to it shows: "4.2" for a figure, "(4.3)" for a formula."""
    out = {fid: label.split()[-1] for fid, label in figures(site, url) if label}
    for eid, tex in equations(site, url):
        tags = TAG.findall(tex)
        if tags:
            out[eid] = f"({tags[0]})"
    return out


def test_every_numbered_reference_lands_on_its_target_and_shows_its_number(site: Path):
    counts = {}
    for lang in LANGS:
        refs = 0
        for url in all_pages(site):
            if lang_of(url) != lang:
                continue
            for a in article(site, url).iter("a"):
                href = a.attrs.get("href", "")
                if not re.search(r"#(fig|eq)-", href) or "headerlink" in a.attrs.get("class", ""):
                    continue
                target, fragment = resolve(url, href)
                targets = (
                    numbered_targets(site, target) if html_file(site, target).is_file() else {}
                )
                assert fragment in targets, f"{url}: {href} names no numbered figure or formula"
                text = a.clean_text()
                assert targets[fragment] in text, (
                    f"{url}: {href} reads {text!r}, not {targets[fragment]}"
                )
                assert "#" not in text, f"{url}: {href} reads {text!r}"
                refs += 1
        counts[lang] = refs
    assert counts["zh"] == counts["en"] >= 15, counts


def test_every_chapter_link_points_at_that_chapter(site: Path):
    checked = 0
    wrong = []
    for url in all_pages(site):
        lang = lang_of(url)
        for a in article(site, url).iter("a"):
            m = CHAPTER_LINK.match(a.clean_text())
            if not m:
                continue
            number = int(m[1] or m[2])
            target, _ = resolve(url, a.attrs.get("href", ""))
            if not 1 <= number <= len(CHAPTERS) or target != url_of(lang, CHAPTERS[number - 1]):
                wrong.append(f"{url}: {a.clean_text()!r} -> {a.attrs.get('href')}")
            checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked >= 250, checked


# ---------------------------------------------------------------------------------------------
# In the browser: MathJax draws the numbers

TAGS = """(id) => {
  const div = document.getElementById(id);
  const container = div && div.querySelector("mjx-container");
  if (!container) return null;
  const mml = container.querySelector("mjx-assistive-mml");
  return {
    labels: container.querySelectorAll("mjx-labels, mjx-mlabeledtr").length,
    mathml: mml ? mml.textContent.replace(/\\s+/g, "") : null,
    errors: document.querySelectorAll("mjx-merror").length,
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["momentum/", "en/momentum/", "en/adam/"])
def test_mathjax_draws_the_numbers(browser: Browser, path: str):  # noqa: F811
    visit = browser.open(path)
    assert visit.report.get("mathjax"), f"{path}: MathJax did not start"
    assert not visit.report["texErrors"], visit.report["texErrors"]
    assert not visit.report["untypeset"], visit.report["untypeset"]
    chapter = CHAPTERS.index(path.removeprefix("en/").rstrip("/") + ".md") + 1
    html = browser.page.content()
    ids = re.findall(r'<div class="arithmatex" id="(eq-[^"]+)"', html)
    assert ids, path
    for k, eid in enumerate(ids, start=1):
        drawn = browser.page.evaluate(TAGS, eid)
        assert drawn and drawn["labels"] > 0, f"{path}#{eid}: no equation number drawn"
        assert f"({chapter}.{k})" in (drawn["mathml"] or ""), f"{path}#{eid}: {drawn}"
        assert drawn["errors"] == 0, path
