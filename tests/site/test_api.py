"""The API reference (``api.md``, mkdocstrings) and the links the chapters make to it.

- Every public class and function of ``optimizers`` has an entry, with its import path as id
  (``optimizers.Adam``, ``optimizers.schedules.cosine``), on the API page of both languages.
  "Public" is computed by importing the package: the classes of ``optimizers.__all__`` and of
  the ``__all__`` of each submodule that it lists.
- The API page is in the navigation of both languages.
- Chapter and notebook pages link the names they mention (``scripts/hooks/apilinks.py``): a
  sample of pages at two depths links ``SGD``/``Adam``/... to the entry of the same language;
  the link is resolved against the page's own address and the target file and id must exist.
- No such link is made inside ``<pre>``, a heading or another link, nor on the API page.

The first tests build nothing: they check the linking function on small HTML snippets.
"""

from __future__ import annotations

import importlib
import inspect
import types
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from scripts.hooks import apilinks

LANGS = {"zh": "", "en": "en/"}  # URL prefix of each language in the built site
# (page, inline code that must be linked there, the entry it must point to)
SAMPLE = [
    ("sgd/", "SGD", "optimizers.SGD"),
    ("sgd/", "Optimizer", "optimizers.Optimizer"),
    ("adam/", "Adam", "optimizers.Adam"),
    ("momentum/", "Nesterov", "optimizers.Nesterov"),
    ("momentum/", "landscapes.trajectory", "optimizers.landscapes.trajectory"),
    ("notebooks/batchnorm-lab/", "BatchNorm", "optimizers.nn.BatchNorm"),
]


def public_entries(kind) -> list[str]:
    """Import paths of the public objects of ``optimizers`` for which ``kind(obj)`` holds."""
    package = importlib.import_module("optimizers")
    out = []
    for name in package.__all__:
        obj = getattr(package, name)
        if isinstance(obj, types.ModuleType):
            out += [f"optimizers.{name}.{m}" for m in obj.__all__ if kind(getattr(obj, m))]
        elif kind(obj):
            out.append(f"optimizers.{name}")
    return out


class Page(HTMLParser):
    """The ids of a page and its links: (href, text, inside which of pre/h1-h6/a/summary)."""

    BLOCKING = {"pre", "h1", "h2", "h3", "h4", "h5", "h6", "a", "summary"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[dict] = []
        self.open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            inside = sorted({t for t in self.open if t in self.BLOCKING})
            self.links.append(
                {
                    "href": attrs.get("href", ""),
                    "text": "",
                    "inside": inside,
                    "cls": attrs.get("class", ""),
                }
            )
        if tag not in {"br", "img", "input", "link", "meta", "hr", "source", "wbr"}:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if "a" in self.open and self.links:
            self.links[-1]["text"] += data


def read(site: Path, url_path: str) -> Page:
    return Page((site / url_path / "index.html").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# The linking function, on snippets (no build)

NAMES = apilinks.spellings(["optimizers.Adam", "optimizers.landscapes.trajectory"])


def test_links_the_first_mention_per_section_in_each_spelling():
    html = (
        "<p><code>Adam</code> and <code>Adam</code></p><h2 id='x'>Next</h2>"
        "<p><code>optimizers.Adam</code>, <code>landscapes.trajectory(rule, f)</code></p>"
    )
    out, count = apilinks.link_code(html, NAMES, "../api/")
    assert count == 3
    assert out.count('href="../api/#optimizers.Adam"') == 2
    assert '<a class="api-link" href="../api/#optimizers.landscapes.trajectory">' in out
    assert "<code>Adam</code> and <code>Adam</code>" not in out  # the first one is linked
    assert out.endswith("</a></p>")


@pytest.mark.parametrize(
    "html",
    [
        "<pre><code>Adam</code></pre>",
        "<div class='highlight'><pre><span></span><code>x = Adam()</code></pre></div>",
        "<h2 id='adam'>The <code>Adam</code> rule</h2>",
        "<a href='adam/'>the <code>Adam</code> chapter</a>",
        "<details><summary><code>Adam</code></summary></details>",
        "<p><code>Adam(lr=0.1)</code>, <code>torch.optim.Adam</code>, <code>adam</code></p>",
        '<p><code class="highlight">Adam</code></p>',
    ],
)
def test_does_not_link_code_blocks_headings_links_or_other_names(html: str):
    assert apilinks.link_code(html, NAMES, "../api/") == (html, 0)


def test_docstrings_become_markdown():
    text = "See :func:`train` and :class:`~optimizers.train.History`::\n\n    a**2\n\nx**2\n- item"
    assert apilinks.rest_to_markdown(text) == (
        "See [`train`][train] and [`History`][optimizers.train.History]:\n\n    a**2\n\n"
        "x\\*\\*2\n\n- item"
    )


# ---------------------------------------------------------------------------------------------
# The built site


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_public_class_and_function_has_an_entry(site: Path, lang: str):
    classes = public_entries(inspect.isclass)
    functions = public_entries(inspect.isfunction)
    assert "optimizers.Adam" in classes and "optimizers.nn.BatchNorm" in classes
    assert "optimizers.landscapes.trajectory" in functions
    ids = read(site, f"{LANGS[lang]}api").ids
    missing = sorted(set(classes + functions) - ids)
    assert not missing, f"{lang}: no entry (id) in the API page for {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_the_api_page_is_in_the_navigation(site: Path, lang: str):
    home = read(site, LANGS[lang] or ".")
    hrefs = {urljoin(f"/{LANGS[lang]}", link["href"]) for link in home.links}
    assert f"/{LANGS[lang]}api/" in hrefs, f"{lang}: the navigation has no link to the API page"


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_chapters_link_the_names_they_mention_to_their_entry(site: Path, lang: str):
    for page, name, entry in SAMPLE:
        path = f"{LANGS[lang]}{page}"
        links = [a for a in read(site, path).links if a["text"] == name and "api-link" in a["cls"]]
        assert links, f"{path}: `{name}` is not linked to the API reference"
        for link in links:
            target = urlsplit(urljoin(f"/{path}", link["href"]))
            assert target.path == f"/{LANGS[lang]}api/", f"{path}: {link['href']} leaves {lang}"
            assert unquote(target.fragment) == entry, f"{path}: {link['href']} is not {entry}"
            file = site / PurePosixPath(target.path.lstrip("/")) / "index.html"
            assert file.is_file(), f"{path}: {link['href']} points to a missing page"
            assert entry in Page(file.read_text(encoding="utf-8")).ids, (
                f"{path}: {link['href']}: no id {entry} there"
            )


@pytest.mark.slow
def test_no_api_link_inside_code_blocks_headings_links_or_the_api_page(site: Path):
    made = 0
    for file in sorted(site.rglob("index.html")):
        page = Page(file.read_text(encoding="utf-8"))
        api_links = [a for a in page.links if "api-link" in a["cls"]]
        made += len(api_links)
        where = file.relative_to(site).as_posix()
        if file.parent.name == "api":
            assert not api_links, f"{where}: the API page links to itself"
        for link in api_links:
            assert not link["inside"], f"{where}: {link['text']} linked inside {link['inside']}"
    assert made > 20, f"only {made} links to the API reference in the whole site"


def test_both_search_indexes_hold_every_api_entry(site: Path):
    """The English index keeps the API entries whose text is the same as the Chinese ones.

    mkdocs-static-i18n's search dedup (reconfigure_search) dropped them: both pages show the
    same English docstrings, and 12 of the English index's 145 API entries were left.
    """
    import json

    def api_entries(index: Path) -> set[str]:
        docs = json.loads(index.read_text(encoding="utf-8"))["docs"]
        # the entries of the docstrings (their ids are the same in both; the headings are not)
        return {d["location"] for d in docs if d["location"].startswith("api/#optimizers")}

    zh = api_entries(site / "search" / "search_index.json")
    en = api_entries(site / "en" / "search" / "search_index.json")
    assert len(zh) > 100
    assert en == zh
