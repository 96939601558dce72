"""Links and anchors of the built site (the session's ``mkdocs build --strict``).

Every HTML page of both languages is parsed. Every internal ``href``/``src``/``srcset``
(and every ``url(...)`` of the site's own CSS) must name a file of the built site, and every
``#anchor`` must be an ``id`` (or ``name``) in the page it points to. The search index's
locations are checked the same way: a search result must land on a real section.

External links a reader clicks (``<a href="https://...">``) are allowed and not fetched. An
external *resource* is not: a script, stylesheet, font, image or frame from another host
fails, because the site must work offline.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.slow

# Attributes that load something (must be local) and attributes a reader follows.
RESOURCE_ATTRS = {
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("embed", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("object", "data"),
    ("input", "src"),
}
# <link rel=...> values that only describe the page and are not fetched by a browser.
DESCRIPTIVE_LINK_RELS = {"alternate", "canonical", "prev", "next", "author", "license"}
CSS_URL = re.compile(
    r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)|@import\s+(['"])(?P<imp>[^'"]+)\3"""
)


def is_external(url: str) -> bool:
    return bool(re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)", url))


def is_fetchable_external(url: str) -> bool:
    """An address on another host (http, https, protocol-relative), not data:/mailto: etc."""
    return bool(re.match(r"^(https?:)?//", url, re.I))


class PageParser(HTMLParser):
    """Collects ids, links (a reader follows) and resources (the browser loads) of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []
        self.resources: list[tuple[str, str, int]] = []  # (what, url, line)
        self.styles: list[tuple[str, int]] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        if tag == "a" and a.get("href") is not None:
            self.links.append((a["href"], line))
        if tag == "link" and a.get("href") is not None:
            rels = set((a.get("rel") or "").lower().split())
            if rels and rels <= DESCRIPTIVE_LINK_RELS:
                self.links.append((a["href"], line))
            else:
                self.resources.append((f"<link rel={'/'.join(sorted(rels))}>", a["href"], line))
        for attr in ("src", "srcset", "poster", "data"):
            if (tag, attr) in RESOURCE_ATTRS and attr in a:
                value = a[attr] or ""
                # only srcset is a list (a data: URL in src holds commas of its own)
                urls = [value.strip()] if value.strip() else []
                if attr == "srcset":
                    urls = [u.strip().split()[0] for u in value.split(",") if u.strip()]
                if not urls:
                    self.resources.append((f"<{tag} {attr}>", "", line))
                for url in urls:
                    self.resources.append((f"<{tag} {attr}>", url, line))
        if a.get("style"):
            self.styles.append((a["style"], line))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append((data, self.getpos()[0]))


class Site:
    """The built site: its files, and the parsed HTML pages (parsed once, on demand)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._pages: dict[Path, PageParser] = {}
        # The path the site is published under (site_url's, "/optimization-for-deep-learning/"):
        # root-relative links, which the 404 pages need, start with it. Read from the sitemap.
        sitemap = root / "sitemap.xml"
        loc = (
            re.search(r"<loc>([^<]+)</loc>", sitemap.read_text(encoding="utf-8"))
            if (sitemap.is_file())
            else None
        )
        self.prefix = urlsplit(loc[1]).path if loc else "/"

    def page(self, path: Path) -> PageParser:
        if path not in self._pages:
            parser = PageParser()
            parser.feed(path.read_text(encoding="utf-8"))
            parser.close()
            self._pages[path] = parser
        return self._pages[path]

    def html_files(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))

    def resolve(self, url: str, base: Path) -> tuple[Path | None, str]:
        """The file an internal URL names (None if none) and its fragment.

        ``base`` is the file the URL appears in. A URL ending in ``/`` (or naming a folder)
        means that folder's ``index.html``, as a web server serves it; a URL starting with
        ``/`` is relative to the published site's root (``prefix``, then this folder).
        """
        parts = urlsplit(url)
        path = unquote(parts.path)
        if not path:
            return base, unquote(parts.fragment)
        if path.startswith("/"):
            if not (path + "/").startswith(self.prefix):
                return None, ""
            target = self.root / path[len(self.prefix) :].lstrip("/")
        else:
            target = base.parent / PurePosixPath(path)
        target = Path(*_normalize(target.parts))
        if not target.is_relative_to(self.root):
            return None, ""
        if target.is_dir():
            target = target / "index.html"
        elif path.endswith("/"):
            return None, ""
        return (target if target.is_file() else None), unquote(parts.fragment)


def _normalize(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if len(out) > 1:
                out.pop()
        elif part != ".":
            out.append(part)
    return out


@pytest.fixture(scope="module")
def built(site: Path) -> Site:
    return Site(site)


def check_link(built: Site, page: Path, url: str, line: int) -> str | None:
    """Why an internal link is broken, or None when it works."""
    target, fragment = built.resolve(url, page)
    rel = page.relative_to(built.root)
    if target is None:
        return f"{rel}:{line}: {url!r} names no file of the site"
    if fragment and target.suffix == ".html" and fragment not in built.page(target).ids:
        return f"{rel}:{line}: {url!r}: no id {fragment!r} in {target.relative_to(built.root)}"
    return None


def test_the_site_has_pages_of_both_languages(built: Site):
    pages = [p.relative_to(built.root).as_posix() for p in built.html_files()]
    assert "index.html" in pages and "en/index.html" in pages, pages
    assert len(pages) >= 4, pages


def test_internal_links_and_anchors_resolve(built: Site):
    broken: list[str] = []
    checked = 0
    for page in built.html_files():
        for url, line in built.page(page).links:
            if is_external(url):
                continue
            checked += 1
            problem = check_link(built, page, url, line)
            if problem:
                broken.append(problem)
    assert checked > 20, f"only {checked} internal links found: is the parser working?"
    assert not broken, f"{len(broken)} broken internal link(s):\n" + "\n".join(broken[:30])


def test_resources_are_local_and_exist(built: Site):
    problems: list[str] = []
    checked = 0
    for page in built.html_files():
        rel = page.relative_to(built.root)
        parsed = built.page(page)
        resources = list(parsed.resources)
        for css, line in parsed.styles:
            for m in CSS_URL.finditer(css):
                resources.append(("inline CSS url()", m["url"] or m["imp"], line))
        for what, url, line in resources:
            checked += 1
            if not url.strip():
                problems.append(f"{rel}:{line}: {what} with an empty address")
            elif is_fetchable_external(url):
                problems.append(f"{rel}:{line}: {what} loads {url!r} from another host")
            elif not is_external(url) and built.resolve(url, page)[0] is None:
                problems.append(f"{rel}:{line}: {what} {url!r} names no file of the site")
    assert checked > 10, f"only {checked} resources found: is the parser working?"
    assert not problems, f"{len(problems)} resource problem(s):\n" + "\n".join(problems[:30])


def test_stylesheets_load_only_local_files(built: Site):
    problems: list[str] = []
    sheets = sorted(built.root.rglob("*.css"))
    assert sheets, "the site has no stylesheet"
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8", errors="replace")
        rel = sheet.relative_to(built.root)
        for m in CSS_URL.finditer(text):
            url = (m["url"] or m["imp"]).strip()
            if url.startswith(("data:", "#")):
                continue
            if is_fetchable_external(url):
                problems.append(f"{rel}: url({url!r}) loads from another host")
            elif not is_external(url) and built.resolve(url, sheet)[0] is None:
                problems.append(f"{rel}: url({url!r}) names no file of the site")
    assert not problems, "\n".join(problems[:30])


def test_search_results_land_on_real_sections(built: Site):
    index_file = built.root / "search" / "search_index.json"
    docs = json.loads(index_file.read_text(encoding="utf-8"))["docs"]
    assert docs, "the search index is empty"
    broken: list[str] = []
    by_page: dict[str, int] = defaultdict(int)
    for doc in docs:
        location = doc["location"]
        by_page[location.split("#")[0]] += 1
        # Locations are relative to the site root (Material resolves them against its base).
        problem = check_link(built, built.root / "index.html", location or "./", 0)
        if problem:
            broken.append(f"search entry {doc.get('title', '')!r}: {problem}")
    assert not broken, f"{len(broken)} search result(s) lead nowhere:\n" + "\n".join(broken[:30])
    assert len(by_page) >= 4, f"the search index covers only {sorted(by_page)}"


# The checker itself, on a small site with known faults.


def test_checker_finds_broken_links_anchors_and_external_resources(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<h2 id="here">x</h2><a href="../b/">ok</a><a href="../c/">missing</a>'
        '<a href="#here">ok</a><a href="#nowhere">bad anchor</a>'
        '<a href="https://example.org/">external link: fine</a>'
        '<script src="https://cdn.example.org/x.js"></script><img src="../img.png">'
        '<img src="../missing.png"><script src=""></script>'
        '<img src="data:image/png;base64,iVBOR,w0KG">',  # an inline plot (a comma inside)
        encoding="utf-8",
    )
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "index.html").write_text('<a href="/a/#here">root-relative</a>')
    (tmp_path / "img.png").write_bytes(b"png")
    built = Site(tmp_path)
    page = tmp_path / "a" / "index.html"
    problems = [check_link(built, page, url, line) for url, line in built.page(page).links]
    problems = [p for p in problems if p and "example.org" not in p]
    assert len(problems) == 2
    assert "'../c/' names no file" in problems[0]
    assert "no id 'nowhere'" in problems[1]
    assert check_link(built, tmp_path / "b" / "index.html", "/a/#here", 1) is None
    resources = built.page(page).resources
    external = [u for _, u, _ in resources if is_fetchable_external(u)]
    missing = [
        u for _, u, _ in resources if u and not is_external(u) and not built.resolve(u, page)[0]
    ]
    empty = [w for w, u, _ in resources if not u]
    assert external == ["https://cdn.example.org/x.js"]
    assert missing == ["../missing.png"]
    assert empty == ["<script src>"]
