"""The basics of a published book: what search engines, link previews, teachers and a reader
who mistyped an address find (issue 14).

Read from the built site (the session's ``site`` fixture), no browser:

- sitemap.xml: absolute addresses under ``site_url``, never ``None``; robots.txt names it,
- every page of both languages: one canonical link (its own address), hreflang zh, en and
  x-default (the Chinese page) to pages that exist, its own description in its language (plain
  text), Open Graph and Twitter card tags, the licences in the footer in its language, the
  repository link and an "edit this page" link to its source file,
- a 404 page in each language whose links are root-relative and resolve,
- CITATION.cff parses and agrees with the BibTeX of the "cite this book" box on both home pages,
- no page names tex-chtml.js: mathjax.js loads it on pages with math only.

In Chromium (``tests/site/test_browser.py``'s server and Browser): the home pages load no
MathJax, a chapter still typesets every formula, nothing fetches a sitemap.xml or leaves the
machine; a missing address under the site's path, served as a static host serves it (the
root 404.html for any missing file), shows the 404 page of its language, whose language and
home links work.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from mkdocs.utils.yaml import yaml_load

from tests.site import test_browser
from tests.site.test_browser import LANGS, Browser, counterpart, lang_of, site_pages

# the local server and the one Chromium of the browser tests (fixtures)
server = test_browser.server
browser = test_browser.browser

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
SITE_URL = CONFIG["site_url"].rstrip("/") + "/"
SITE_PATH = urlsplit(SITE_URL).path  # e.g. /optimization-for-deep-learning/
REPO_URL = CONFIG["repo_url"].rstrip("/")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
OG_LOCALE = {"zh": "zh_CN", "en": "en_US"}
LICENCE = {
    "zh": ("CC BY-SA 4.0", "MIT", "文字与图片"),
    "en": ("CC BY-SA 4.0", "MIT", "Text and figures"),
}


def local(site: Path, url: str) -> Path | None:
    """The file of the built site that an absolute URL under site_url names, or None."""
    if not url.startswith(SITE_URL):
        return None
    rel = url[len(SITE_URL) :].split("#")[0]
    file = site / rel
    return file / "index.html" if rel == "" or rel.endswith("/") else file


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, BeautifulSoup]:
    """Every page of both languages (path -> parsed <head> and footer), 404 pages excluded."""
    out = {}
    for path in site_pages(site):
        html = (site / path / "index.html").read_text(encoding="utf-8")
        head = html[: html.index("</head>")]
        footer = html[html.find('<footer class="md-footer"') :]
        header = html[html.find("<header") : html.find("</header>")]
        actions = re.findall(r'<a [^>]*class="md-content__button[^>]*>', html)
        out[path] = BeautifulSoup(head + header + "".join(actions) + footer, "html.parser")
    assert {lang_of(p) for p in out} == set(LANGS)
    return out


def url_of(path: str) -> str:
    return SITE_URL + path


# ---------------------------------------------------------------------------------------------
# Sitemap and robots.txt


def test_sitemap_lists_absolute_addresses(site: Path):
    text = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "None" not in text
    locs = re.findall(r"<loc>([^<]*)</loc>", text)
    hrefs = re.findall(r'<xhtml:link [^>]*href="([^"]*)"', text)
    assert locs, "no <loc> in sitemap.xml"
    bad = [u for u in locs + hrefs if not u.startswith(SITE_URL)]
    assert not bad, f"addresses outside {SITE_URL}: {bad[:5]}"
    missing = [u for u in locs if not local(site, u).is_file()]
    assert not missing, f"sitemap names pages that do not exist: {missing[:5]}"


def test_robots_txt_allows_all_and_names_the_sitemap(site: Path):
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    assert f"Sitemap: {SITE_URL}sitemap.xml" in lines


# ---------------------------------------------------------------------------------------------
# <head> of every page


def test_every_page_has_its_canonical_link_and_hreflang_alternates(pages, site: Path):
    problems = []
    for path, soup in pages.items():
        canonical = [link["href"] for link in soup.select('link[rel="canonical"]')]
        if canonical != [url_of(path)]:
            problems.append(f"/{path}: canonical {canonical}, expected [{url_of(path)}]")
        alternates: dict[str, list[str]] = {}
        for link in soup.select("link[hreflang]"):
            if link.get("rel") == ["alternate"]:
                alternates.setdefault(link["hreflang"], []).append(link["href"])
        want = {
            "zh": [url_of(counterpart(path, "zh"))],
            "en": [url_of(counterpart(path, "en"))],
            "x-default": [url_of(counterpart(path, "zh"))],
        }
        if alternates != want:
            problems.append(f"/{path}: hreflang {alternates}, expected {want}")
        for hrefs in alternates.values():
            for href in hrefs:
                file = local(site, href)
                if file is None or not file.is_file():
                    problems.append(f"/{path}: hreflang link {href} is not a page")
    assert not problems, "\n".join(problems[:20])


def description_of(soup: BeautifulSoup) -> list[str]:
    return [m.get("content", "") for m in soup.select('meta[name="description"]')]


def test_every_page_has_its_own_description_in_its_language(pages):
    problems = []
    seen: dict[str, str] = {}
    for path, soup in pages.items():
        found = description_of(soup)
        if len(found) != 1:
            problems.append(f"/{path}: {len(found)} meta descriptions")
            continue
        text = found[0]
        lang = lang_of(path)
        cjk = len(CJK.findall(text))
        if len(text) < 20 or len(text) > 160:
            problems.append(f"/{path}: description of {len(text)} characters: {text!r}")
        if re.search(r"[\\$<>{}]|\b(In \[|Copied)", text):
            problems.append(f"/{path}: markup or TeX in the description: {text!r}")
        if lang == "zh" and cjk < 10:
            problems.append(f"/{path}: the Chinese page's description is not Chinese: {text!r}")
        if lang == "en" and cjk > len(text) / 10:
            problems.append(f"/{path}: the English page's description is not English: {text!r}")
        if text in seen:
            problems.append(f"/{path}: the same description as /{seen[text]}: {text!r}")
        seen.setdefault(text, path)
    assert not problems, "\n".join(problems[:20])


def test_every_page_has_open_graph_and_twitter_tags(pages, site: Path):
    problems = []
    for path, soup in pages.items():
        lang = lang_of(path)
        og = {m["property"]: m.get("content", "") for m in soup.select("meta[property]")}
        tw = {m["name"]: m.get("content", "") for m in soup.select('meta[name^="twitter:"]')}
        others = [OG_LOCALE[x] for x in LANGS if x != lang]
        alternate_locales = [
            m["content"] for m in soup.select('meta[property="og:locale:alternate"]')
        ]
        expected = {
            "og:url": url_of(path),
            "og:locale": OG_LOCALE[lang],
            "og:type": "website" if path in ("", "en/") else "article",
            "og:description": description_of(soup)[0] if description_of(soup) else None,
        }
        for key, value in expected.items():
            if og.get(key) != value:
                problems.append(f"/{path}: {key} = {og.get(key)!r}, expected {value!r}")
        if alternate_locales != others:
            problems.append(f"/{path}: og:locale:alternate {alternate_locales}, not {others}")
        for key in ("og:title", "og:site_name", "og:image"):
            if not og.get(key):
                problems.append(f"/{path}: no {key}")
        image = og.get("og:image", "")
        file = local(site, image)
        if file is None or not file.is_file() or file.suffix == ".svg":
            problems.append(f"/{path}: og:image {image!r} is not a raster image of the site")
        if tw.get("twitter:card") not in ("summary", "summary_large_image"):
            problems.append(f"/{path}: twitter:card {tw.get('twitter:card')!r}")
    assert not problems, "\n".join(problems[:20])


# ---------------------------------------------------------------------------------------------
# For teachers: licence, repository, edit link, citation


def test_footer_names_the_licences_in_the_pages_language(pages):
    problems = []
    for path, soup in pages.items():
        box = soup.select_one(".md-copyright__highlight")
        text = re.sub(r"\s+", " ", box.get_text()) if box else ""
        missing = [word for word in LICENCE[lang_of(path)] if word not in text]
        if missing:
            problems.append(f"/{path}: the footer lacks {missing}: {text!r}")
    assert not problems, "\n".join(problems[:10])


def test_header_links_the_repository_without_the_github_api(pages):
    for path in ("", "en/", "momentum/", "en/momentum/"):
        source = pages[path].select_one("a.md-source")
        assert source is not None, f"/{path}: no repository link in the header"
        assert source["href"].rstrip("/") == REPO_URL
        # data-md-component="source" makes Material ask api.github.com for stars and forks
        assert source.get("data-md-component") is None


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("momentum/", "docs/zh/momentum.md"),
        ("en/momentum/", "docs/en/momentum.md"),
        ("notebooks/sgd-lab/", "docs/zh/notebooks/sgd-lab.py"),
        ("en/notebooks/sgd-lab/", "docs/en/notebooks/sgd-lab.py"),
    ],
)
def test_edit_link_opens_the_pages_source(pages, path: str, source: str):
    links = [a["href"] for a in pages[path].select('a.md-content__button[rel="edit"]')]
    assert links == [f"{REPO_URL}/edit/main/{source}"]
    assert (ROOT / source).is_file()


def bibtex_fields(markdown: str) -> dict[str, str]:
    entry = re.search(r"@\w+\{[^,]+,(.*?)\n\s*\}\s*\n", markdown, re.S)
    assert entry, "no BibTeX entry in the cite box"
    return {
        key: value.strip("{}")
        for key, value in re.findall(r"(\w+)\s*=\s*(\{.*?\})\s*,?\s*$", entry[1], re.M)
    }


@pytest.mark.parametrize("lang", LANGS)
def test_citation_cff_matches_the_cite_box(lang: str):
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["license"] == "CC-BY-SA-4.0"
    assert cff["repository-code"].rstrip("/") == REPO_URL
    assert cff["url"] == SITE_URL
    assert "深度学习中的优化" in cff["title"] and "Optimization for Deep Learning" in cff["title"]
    index = (ROOT / "docs" / lang / "index.md").read_text(encoding="utf-8")
    cite = index[index.rindex("\n## ") :]  # the last section
    assert re.search(r'^!!! \w+ "', cite, re.M), "the citation is not in a box (admonition)"
    bib = bibtex_fields(cite)
    assert bib["title"] == cff["title"]
    assert bib["author"] == cff["authors"][0]["name"]
    assert bib["version"] == str(cff["version"])
    assert bib["year"] == str(cff["date-released"])[:4]
    assert bib["url"] == cff["url"]
    assert cff["url"] in cite.split("```text")[-1], "no plain-text citation with the address"


def test_licence_files_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Attribution-ShareAlike 4.0 International" in (ROOT / "LICENSE-text").read_text(
        encoding="utf-8"
    )


# ---------------------------------------------------------------------------------------------
# 404 pages


NOT_FOUND = {"zh": "404.html", "en": "en/404.html"}
NOT_FOUND_TEXT = {"zh": "页面不存在", "en": "Page not found"}


@pytest.mark.parametrize("lang", LANGS)
def test_404_page_in_each_language(site: Path, lang: str):
    html = (site / NOT_FOUND[lang]).read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == lang
    assert NOT_FOUND_TEXT[lang] in soup.h1.get_text()
    assert soup.select_one('meta[name="robots"][content="noindex"]')
    switches = {a["hreflang"]: a["href"] for a in soup.select("a.md-select__link[hreflang]")}
    assert switches == {x: SITE_PATH + NOT_FOUND[x] for x in LANGS}
    # served at any depth: every link root-relative (or absolute), and every local one resolves
    for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
        for element in soup.find_all(tag):
            ref = element.get(attr)
            if not ref or ref.startswith(("#", "http:", "https:", "data:", "mailto:")):
                continue
            assert ref.startswith("/"), f"{NOT_FOUND[lang]}: relative {tag} {ref!r}"
            assert ref.startswith(SITE_PATH), f"{NOT_FOUND[lang]}: {ref!r} outside the site"
            target = local(site, urljoin(SITE_URL, ref))
            assert target is not None and target.is_file(), f"{NOT_FOUND[lang]}: {ref} missing"


# ---------------------------------------------------------------------------------------------
# MathJax only where there is math


def test_no_page_names_mathjax_itself(site: Path):
    """mathjax.js injects tex-chtml.js on pages with math; no page loads it statically."""
    for path in ("", "en/", "momentum/", "en/momentum/"):
        html = (site / path / "index.html").read_text(encoding="utf-8")
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
        assert any(s.endswith("javascripts/mathjax.js") for s in scripts), path
        assert not any("tex-chtml" in s for s in scripts), f"/{path} loads MathJax statically"
    assert (site / "assets" / "mathjax" / "tex-chtml.js").is_file()


@pytest.mark.slow
@pytest.mark.browser
def test_home_pages_load_no_mathjax_and_chapters_typeset(browser: Browser):
    problems = []
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"])
    for path in ("", "en/", "momentum/", "en/momentum/"):
        visit = browser.open(path)
        mathjax = [r for r in visit.requests if "tex-chtml" in r]
        sitemaps = [r for r in visit.requests if r.endswith("sitemap.xml")]
        problems += [f"/{path}: {e}" for e in visit.errors + visit.bad_responses]
        problems += [f"/{path}: left the machine: {u}" for u in visit.blocked]
        problems += [f"/{path}: fetched {r}" for r in sitemaps]
        if visit.report.get("formulas", 0) == 0:
            if mathjax:
                problems.append(f"/{path}: no formula, but MathJax loaded: {mathjax}")
        else:
            if not visit.report.get("mathjax") or visit.report.get("untypeset"):
                problems.append(f"/{path}: formulas not typeset: {visit.report.get('untypeset')}")
        if path in ("", "en/") and mathjax:
            problems.append(f"/{path}: the home page loads MathJax")
        if path.endswith("momentum/") and not mathjax:
            problems.append(f"/{path}: a chapter with formulas did not load MathJax")
        if path in ("", "en/"):  # the cite box: BibTeX and plain text, each with a copy button
            copied = []
            buttons = browser.page.locator('.admonition.quote button[data-md-type="copy"]')
            for i in range(buttons.count()):
                buttons.nth(i).click()
                copied.append(browser.page.evaluate("navigator.clipboard.readText()"))
            if len(copied) != 2 or not copied[0].startswith("@misc{") or SITE_URL not in copied[1]:
                problems.append(f"/{path}: the cite box's copy buttons copy {copied}")
        # the hreflang links are back in the DOM once the page has started
        hreflangs = browser.page.evaluate(
            "Array.from(document.querySelectorAll('link[rel=alternate][hreflang]'))"
            ".map(l => l.hreflang)"
        )
        if sorted(hreflangs) != ["en", "x-default", "zh"]:
            problems.append(f"/{path}: hreflang links in the page: {hreflangs}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.browser
def test_404_pages_work_at_any_depth_and_link_to_each_other(
    browser: Browser, server: str, site: Path
):
    """A static host under SITE_PATH: a file if it exists, else the root 404.html (status 404)."""
    host = server.rstrip("/") + SITE_PATH
    served: list[str] = []

    def as_a_host(route) -> None:
        rel = urlsplit(route.request.url).path[len(SITE_PATH) :]
        file = site / rel
        if file.is_dir():
            file = file / "index.html"
        served.append(rel)
        if file.is_file():
            route.fulfill(path=str(file))
        else:
            route.fulfill(path=str(site / "404.html"), status=404)

    page = browser.page
    browser.context.route(host + "**", as_a_host)
    try:
        for missing, lang in (("no/such/page/", "zh"), ("en/no/such/deep/page/", "en")):
            page.goto(host + missing, wait_until="load")
            # the root 404.html shows a missing Chinese address in place, and sends one under
            # /en/ to en/404.html
            page.wait_for_url(host + (missing if lang == "zh" else NOT_FOUND[lang]))
            assert page.evaluate("document.documentElement.lang") == lang
            assert NOT_FOUND_TEXT[lang] in page.locator("h1").inner_text()
            # the language switch goes to the other 404 page
            other = next(x for x in LANGS if x != lang)
            link = page.locator(f'a.md-select__link[hreflang="{other}"]')
            assert link.get_attribute("href") == SITE_PATH + NOT_FOUND[other]
            page.goto(link.evaluate("a => a.href"), wait_until="load")
            assert page.url == host + NOT_FOUND[other]
            assert page.evaluate("document.documentElement.lang") == other
            # and back to this language's 404 page, then its home link
            page.goto(host + NOT_FOUND[lang], wait_until="load")
            home = page.locator("article a", has_text=re.compile("首页|home page"))
            with page.expect_navigation(wait_until="load"):
                home.first.click()
            assert page.url == host + counterpart("", lang)
        assert not browser.blocked_anywhere, browser.blocked_anywhere
    finally:
        browser.context.unroute(host + "**", as_a_host)
