"""The built site in a real browser: headless Chromium driven by Playwright, fully offline.

The session's build (``site`` fixture) is served by a local ``http.server`` on 127.0.0.1. One
Chromium, one context, one tab opens every page of both languages; every request is routed:
127.0.0.1 goes through, anything else is blocked and recorded. Routing also turns off the
HTTP cache, so each page is a reader's first, cold load. Each page is visited once and the
tests below judge what was recorded:

- nothing tried to leave the machine,
- no console error, no uncaught exception, no failed or 4xx/5xx local request,
- every formula typeset by MathJax (an ``mjx-container``), without a TeX error (a parse error
  or an undefined macro), and no raw TeX (``\\(``, ``$$``, ``$x$``, ``\\frac``...) left in the
  text outside code (a formula in a heading shows raw in the table of contents, for example),
- every image loaded (``naturalWidth > 0``; lazy images are made eager) with alt text,
- a language switch whose link is the same page in the other language; one click each way,
- search: the reader types a term into Material's search box and the expected chapter is among
  the results (table ``SEARCHES``); test_site_search.py checks the ranking and the result texts,
  and that each language's index loads on first use and holds only that language,
- page weight: everything the first load fetched (HTML, CSS, JS, fonts, images, MathJax and its
  fonts) stays under ``MAX_PAGE_BYTES`` as a web host sends it: text files
  (HTML, CSS, JS, JSON, SVG) gzip-compressed, as GitHub Pages, Netlify or nginx do, the rest
  as they are. The local server sends everything uncompressed, so the bytes are counted from
  the files the browser asked for. The heaviest pages are printed at the end of the run,
  compressed and uncompressed.

Chromium: Debian's ``chromium`` (``scripts/check_chromium.sh`` installs it; ``make test`` runs
that first), or the executable named by ``$CHROMIUM``. Playwright's own browser download is not
used. Without Chromium or Playwright these tests skip (and under CI a skip fails the run).
"""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from scripts.local_site import LOAD_IMAGES, WAIT_FOR_MATH, serve

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"  # served at /, the others at /<lang>/
MAX_PAGE_BYTES = 2_000_000
SLOW_PAGE_SECONDS = 10.0  # per-step timeout; a page normally takes well under a second

# Search: what a reader types, and the chapter it must find. The first page of each list that
# exists in the built site is expected among the results, so a chapter that is not written
# yet falls back to the page that mentions the term today. Add a term's own chapter at the
# front of its list when that chapter is written (paths as in the site, without /en/).
SEARCHES: dict[str, dict[str, list[str]]] = {
    "zh": {"动量": ["momentum/", "sgd/"], "鞍点": ["landscape/", "saddle-points/", "sgd/"]},
    "en": {"momentum": ["momentum/", "sgd/"], "saddle": ["landscape/", "saddle-points/", "sgd/"]},
}

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Even a request that escaped the routing below could not resolve a name.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def find_chromium() -> str | None:
    """$CHROMIUM, else chromium or chromium-browser on the PATH (as scripts/check_chromium.sh)."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


# ---------------------------------------------------------------------------------------------
# Serving the site and visiting every page once


@pytest.fixture(scope="module")
def server(site: Path):
    """The built site on http://127.0.0.1:<free port>/, in a thread, stopped at the end."""
    with serve(site) as url:
        yield url


@dataclass
class Visit:
    """What happened while one page loaded."""

    path: str  # e.g. "en/sgd/"
    requests: list[str] = field(default_factory=list)  # local URL paths, in order
    blocked: list[str] = field(default_factory=list)  # URLs on another host
    errors: list[str] = field(default_factory=list)  # console errors and exceptions
    bad_responses: list[str] = field(default_factory=list)  # failed or >= 400 local requests
    report: dict = field(default_factory=dict)  # what the page showed (see PAGE_REPORT)
    bytes_by_type: dict[str, int] = field(default_factory=dict)  # as sent by a host (gzip)
    raw_bytes: int = 0  # the same files uncompressed

    @property
    def lang(self) -> str:
        return lang_of(self.path)

    @property
    def weight(self) -> int:
        return sum(self.bytes_by_type.values())


class Browser:
    """One Chromium, one context, one tab; every request routed and recorded."""

    def __init__(self, playwright, executable: str, base: str, site: Path, **screen) -> None:
        """``screen``: options of the browser context (default a 1280 x 900 desktop)."""
        self.base = base
        self.site = site
        self.browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        screen = {"viewport": {"width": 1280, "height": 900}, **screen}
        self.context = self.browser.new_context(service_workers="block", locale="en-US", **screen)
        self.context.set_default_timeout(SLOW_PAGE_SECONDS * 1000)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.visit: Visit | None = None
        self.searches: dict[tuple[str, str], list[str]] = {}
        self.blocked_anywhere: list[str] = []
        self.inflight = 0
        self.last_activity = time.monotonic()
        self.page.on("request", self._on_request)
        self.page.on("requestfinished", self._on_done)
        self.page.on("requestfailed", self._on_failed)
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_pageerror)

    def _local(self, url: str) -> bool:
        return url.startswith(self.base)

    def _route(self, route) -> None:
        url = route.request.url
        if self._local(url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked_anywhere.append(url)
            if self.visit is not None:
                self.visit.blocked.append(url)
            route.abort("blockedbyclient")

    def _on_request(self, request) -> None:
        self.inflight += 1
        self.last_activity = time.monotonic()
        if self.visit is not None and self._local(request.url):
            self.visit.requests.append(unquote(urlsplit(request.url).path))

    def _on_done(self, request) -> None:
        self.inflight -= 1
        self.last_activity = time.monotonic()

    def _on_failed(self, request) -> None:
        self._on_done(request)
        if self.visit is not None and self._local(request.url):
            self.visit.bad_responses.append(f"{request.url}: {request.failure}")

    def _on_response(self, response) -> None:
        if self.visit is not None and response.status >= 400:
            self.visit.bad_responses.append(f"{response.url}: HTTP {response.status}")

    def _on_console(self, message) -> None:
        if self.visit is not None and message.type == "error":
            where = message.location.get("url") or ""
            self.visit.errors.append(f"console: {message.text} ({where})")

    def _on_pageerror(self, error) -> None:
        if self.visit is not None:
            self.visit.errors.append(f"uncaught: {error}")

    def wait_until_quiet(self, quiet: float = 0.15, limit: float = SLOW_PAGE_SECONDS) -> None:
        """Wait until no request has been in flight for ``quiet`` seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.inflight <= 0 and time.monotonic() - self.last_activity >= quiet:
                return
            self.page.wait_for_timeout(25)

    def open(self, path: str) -> Visit:
        """Load one page as a reader would and record everything (see ``Visit``)."""
        from playwright.sync_api import Error as PlaywrightError

        visit = Visit(path)
        self.visit = visit
        self.inflight = 0  # requests of the previous page ended with the navigation
        try:
            self.page.goto(self.base + path, wait_until="load")
            self.page.evaluate(LOAD_IMAGES, SLOW_PAGE_SECONDS * 1000)
            visit.report = self.page.evaluate(WAIT_FOR_MATH, SLOW_PAGE_SECONDS * 1000)
            self.wait_until_quiet()
            visit.report.update(self.page.evaluate(PAGE_REPORT))
        except PlaywrightError as e:
            visit.errors.append(f"the page could not be checked: {e}")
        finally:
            self.visit = None
        visit.bytes_by_type, visit.raw_bytes = self.weigh(visit.requests)
        return visit

    def weigh(self, paths: list[str]) -> tuple[dict[str, int], int]:
        """Bytes a web host sends for these files, by kind (text gzipped), and the raw total."""
        kinds: dict[str, int] = {}
        raw = 0
        for path in dict.fromkeys(paths):  # a file once, as a browser with a cache fetches it
            file = self.site / path.lstrip("/")
            if file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                continue
            kind = KIND_BY_SUFFIX.get(file.suffix, "other")
            if "/mathjax/" in path:
                kind = "MathJax fonts" if kind == "fonts" else "MathJax"
            kinds[kind] = kinds.get(kind, 0) + sent_bytes(file)
            raw += file.stat().st_size
        return kinds, raw

    def close(self) -> None:
        self.context.close()
        self.browser.close()


KIND_BY_SUFFIX = {
    ".html": "HTML",
    ".css": "CSS",
    ".js": "JS",
    ".json": "search index",
    ".woff": "fonts",
    ".woff2": "fonts",
    ".ttf": "fonts",
    ".otf": "fonts",
    ".png": "images",
    ".svg": "images",
    ".gif": "images",
    ".jpg": "images",
    ".webp": "images",
    ".xml": "other",
}

COMPRESSED_BY_HOSTS = {".html", ".css", ".js", ".json", ".svg", ".xml", ".map", ".txt"}


@functools.cache
def sent_bytes(file: Path) -> int:
    """What a web host sends for ``file``: gzip (level 6) for text, the file itself otherwise."""
    data = file.read_bytes()
    if file.suffix in COMPRESSED_BY_HOSTS:
        return len(gzip.compress(data, compresslevel=6, mtime=0))
    return len(data)


PAGE_REPORT = r"""() => {
  const short = s => s.replace(/\s+/g, " ").trim().slice(0, 100);
  const math = Array.from(document.querySelectorAll(".arithmatex"));
  const untypeset = math.filter(el => !el.querySelector("mjx-container"))
    .map(el => short(el.textContent));
  // TeX errors: a parse error becomes an merror node; an undefined macro (the noundefined
  // package) becomes red text holding the macro's name. Read MathJax's own trees, which also
  // give the TeX source for the message.
  const texErrors = [];
  for (const item of (window.MathJax && MathJax.startup && MathJax.startup.document
                      ? MathJax.startup.document.math : [])) {
    if (!item.root) continue;
    item.root.walkTree(node => {
      if (node.isKind("merror")) {
        const message = node.attributes.get("data-mjx-error") || "error";
        texErrors.push(`${message} in ${short(item.math)}`);
      } else if (node.isKind("mtext") && node.attributes.get("mathcolor") === "red") {
        const text = node.childNodes.map(c => c.getText ? c.getText() : "").join("");
        if (text.startsWith("\\")) texErrors.push(`undefined ${text} in ${short(item.math)}`);
      }
    });
  }
  if (document.querySelector("mjx-merror") && texErrors.length === 0)
    texErrors.push(short(document.querySelector("mjx-merror").textContent));
  const skip = "pre, code, script, style, textarea, noscript, mjx-container, .md-search";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement && n.parentElement.closest(skip)
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const tex = /\\\(|\\\)|\\\[|\\\]|\$\$|\$[^\s$][^$]*\$|\\[a-zA-Z]{2,}/;
  const rawTex = [];
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    const m = text.match(tex);
    if (m) rawTex.push(short(text.slice(Math.max(0, m.index - 30), m.index + 60)));
  }
  const images = Array.from(document.images).map(img => ({
    src: img.getAttribute("src"),
    loaded: img.complete && img.naturalWidth > 0,
    alt: (img.getAttribute("alt") || "").trim(),
  }));
  const switches = {};
  for (const a of document.querySelectorAll("a.md-select__link[hreflang]"))
    switches[a.getAttribute("hreflang")] = a.href;
  return {formulas: math.length, untypeset, texErrors, rawTex, images, switches};
}"""


def site_pages(site: Path) -> list[str]:
    """URL paths of every page of the book (both languages), e.g. "", "sgd/", "en/sgd/"."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        pages.append("" if rel == "." else rel + "/")
    return pages


def lang_of(path: str) -> str:
    """The language of a site path: "en/sgd/" -> "en", "sgd/" -> "zh"."""
    first = path.split("/", 1)[0]
    return first if first in LANGS and first != DEFAULT_LANG else DEFAULT_LANG


def counterpart(path: str, lang: str) -> str:
    """The same page in another language: "sgd/" -> "en/sgd/" and back."""
    first = path.split("/", 1)[0]
    bare = path.split("/", 1)[1] if first in LANGS and first != DEFAULT_LANG else path
    return bare if lang == DEFAULT_LANG else f"{lang}/{bare}"


@pytest.fixture(scope="module")
def browser(server: str, site: Path):
    pytest.importorskip("playwright.sync_api", reason="Playwright (the test extra) is missing")
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium: run `bash scripts/check_chromium.sh` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        session = Browser(playwright, executable, server, site)
        try:
            yield session
        finally:
            session.close()


class WeightReport:
    """A pytest plugin registered at run time: prints the heaviest pages after the run."""

    def __init__(self) -> None:
        self.visits: list[Visit] = []

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.visits:
            return
        heaviest = sorted(self.visits, key=lambda v: -v.weight)
        tr = terminalreporter
        tr.write_sep(
            "-", f"page weight: first load, text gzipped (limit {MAX_PAGE_BYTES / 1e6:.1f} MB)"
        )
        for v in heaviest[:5]:
            parts = ", ".join(
                f"{kind} {n / 1000:.0f}" for kind, n in sorted(v.bytes_by_type.items())
            )
            tr.write_line(
                f"{v.weight / 1000:6.0f} kB (uncompressed {v.raw_bytes / 1000:5.0f} kB)  "
                f"/{v.path}  [kB: {parts}]"
            )
        mean = sum(v.weight for v in self.visits) / len(self.visits)
        tr.write_line(f"{len(self.visits)} pages, mean {mean / 1000:.0f} kB")


@pytest.fixture(scope="module")
def visits(browser: Browser, site: Path, request) -> dict[str, Visit]:
    """Every page of both languages, visited once."""
    start = time.perf_counter()
    result = {path: browser.open(path) for path in site_pages(site)}
    report = WeightReport()
    report.visits = list(result.values())
    name = "page-weight-report"
    if request.config.pluginmanager.get_plugin(name) is None:
        request.config.pluginmanager.register(report, name)
    result_time = time.perf_counter() - start
    assert result, "no pages found in the built site"
    print(f"visited {len(result)} pages in {result_time:.1f} s")
    return result


def failures(visits: dict[str, Visit], describe) -> list[str]:
    out = []
    for path, visit in visits.items():
        for problem in describe(visit):
            out.append(f"/{path}: {problem}")
    return out


def shown(problems: list[str], what: str) -> str:
    return f"{len(problems)} {what}:\n" + "\n".join(problems[:40])


# ---------------------------------------------------------------------------------------------
# The checks


def test_every_page_of_both_languages_was_visited(visits: dict[str, Visit]):
    langs = {v.lang for v in visits.values()}
    assert langs == set(LANGS), f"visited pages of {sorted(langs)} only: {sorted(visits)}"
    for path, visit in visits.items():
        assert visit.requests and visit.requests[0] == "/" + path, (
            f"/{path}: the page itself was not loaded ({visit.requests[:3]})"
        )


def test_no_request_leaves_the_machine(visits: dict[str, Visit], browser: Browser):
    problems = failures(visits, lambda v: [f"tried to fetch {u}" for u in v.blocked])
    assert not problems, shown(problems, "request(s) to other hosts, blocked")
    assert not browser.blocked_anywhere, browser.blocked_anywhere


def test_no_console_errors_or_failed_requests(visits: dict[str, Visit]):
    problems = failures(visits, lambda v: v.errors + v.bad_responses)
    assert not problems, shown(problems, "console error(s), exception(s) or failed request(s)")


def test_every_formula_is_typeset(visits: dict[str, Visit]):
    def describe(v: Visit):
        r = v.report
        if r.get("mathjax", False) is None and r.get("formulas", 0) == 0:
            return []  # no formula, and mathjax.js loaded nothing
        if not r.get("mathjax", False):
            return ["MathJax did not start"]
        return (
            [f"formula not typeset: {t!r}" for t in r.get("untypeset", [])]
            + [f"TeX error: {t!r}" for t in r.get("texErrors", [])]
            + [f"raw TeX in the text: {t!r}" for t in r.get("rawTex", [])]
        )

    problems = failures(visits, describe)
    assert not problems, shown(problems, "formula problem(s)")
    assert sum(v.report.get("formulas", 0) for v in visits.values()) > 0, "no formula anywhere"


def test_every_image_loads_and_has_alt_text(visits: dict[str, Visit]):
    def describe(v: Visit):
        out = []
        for img in v.report.get("images", []):
            if not img["loaded"]:
                out.append(f"image did not load: {img['src']}")
            if not img["alt"]:
                out.append(f"image without alt text: {img['src']}")
        return out

    problems = failures(visits, describe)
    assert not problems, shown(problems, "image problem(s)")
    assert sum(len(v.report.get("images", [])) for v in visits.values()) > 0, "no image anywhere"


def test_language_switch_names_the_same_page(visits: dict[str, Visit], server: str):
    def describe(v: Visit):
        out = []
        for lang in LANGS:
            if lang == v.lang:
                continue
            href = v.report.get("switches", {}).get(lang)
            want = server + counterpart(v.path, lang)
            if href is None:
                out.append(f"no language switch to {lang}")
            elif href != want:
                out.append(f"the switch to {lang} goes to {href}, not {want}")
            elif counterpart(v.path, lang) not in visits:
                out.append(f"the switch to {lang} goes to {href}, which is not a page")
        return out

    problems = failures(visits, describe)
    assert not problems, shown(problems, "language switch problem(s)")


def chapter_page(visits: dict[str, Visit], lang: str) -> str:
    """A chapter page (not the home page) of ``lang``: sgd/ if there, else the first one."""
    pages = [p for p, v in visits.items() if v.lang == lang and p != counterpart("", lang)]
    preferred = counterpart("sgd/", lang)
    return preferred if preferred in pages else sorted(pages)[0]


@pytest.mark.parametrize("lang", LANGS)
def test_clicking_the_language_switch_lands_on_the_same_page(
    browser: Browser, visits: dict[str, Visit], server: str, lang: str
):
    other = next(x for x in LANGS if x != lang)
    path = chapter_page(visits, lang)
    page = browser.page
    page.goto(server + path, wait_until="load")
    page.hover(".md-header__option .md-select")
    link = page.locator(f'a.md-select__link[hreflang="{other}"]')
    with page.expect_navigation(wait_until="load"):
        link.click()
    assert page.url == server + counterpart(path, other), (
        f"/{path}: clicking {other} landed on {page.url}"
    )
    assert page.evaluate("document.documentElement.lang") == other


def expected_chapter(visits: dict[str, Visit], lang: str, candidates: list[str]) -> str:
    for candidate in candidates:
        path = counterpart(candidate, lang)
        if path in visits:
            return path
    raise AssertionError(f"none of {candidates} exists in the {lang} site: fix SEARCHES")


def source_of(path: str, lang: str) -> Path:
    bare = counterpart(path, DEFAULT_LANG).rstrip("/")
    return ROOT / "docs" / lang / ((bare or "index") + ".md")


def search(browser: Browser, server: str, lang: str, term: str) -> list[str]:
    """Type ``term`` into the search box of ``lang``'s home page; the result paths, in order."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if (lang, term) in browser.searches:
        return browser.searches[lang, term]
    page = browser.page
    page.goto(server + counterpart("", lang), wait_until="load")
    box = page.locator("input.md-search__input")
    box.click()
    page.keyboard.type(term, delay=20)
    # Chinese arrives through an input method, which ends with a key press: Material searches
    # on key-up, so finish like one.
    page.keyboard.press("End")
    try:
        page.wait_for_selector(".md-search-result__item", timeout=5000)
    except PlaywrightTimeout:  # no result at all: the assertion shows the empty list
        return []
    # Results appear while the worker still answers earlier prefixes of the term ("s", "sa",
    # ...): read them until two reads a quarter of a second apart agree.
    hrefs, previous = None, []
    for _ in range(20):
        page.wait_for_timeout(250)
        hrefs = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
        if hrefs and hrefs == previous:
            break
        previous = hrefs
    results = [urlsplit(h).path.lstrip("/") for h in hrefs]
    browser.searches[lang, term] = results
    return results


@pytest.mark.parametrize(
    "lang,term", [(lang, term) for lang in LANGS for term in SEARCHES[lang]], ids=str
)
def test_search_finds_the_chapter(
    browser: Browser, visits: dict[str, Visit], server: str, lang: str, term: str
):
    want = expected_chapter(visits, lang, SEARCHES[lang][term])
    source = source_of(want, lang)
    assert term.lower() in source.read_text(encoding="utf-8").lower(), (
        f"SEARCHES says {term!r} finds /{want}, but {source.relative_to(ROOT)} does not contain it"
    )
    results = search(browser, server, lang, term)
    assert want in results, f"searching {term!r} on the {lang} site: /{want} not among {results}"


# The search index loads only when a reader first uses search (scripts/hooks/search.py), so
# page visits no longer load it: test_site_search.py checks that each language's search loads, and
# holds, only that language's index.


def test_page_weight(visits: dict[str, Visit]):
    problems = [
        f"/{p}: {v.weight:,} B sent, {v.raw_bytes:,} B uncompressed ("
        + ", ".join(f"{k} {n:,}" for k, n in sorted(v.bytes_by_type.items()))
        + ")"
        for p, v in visits.items()
        if v.weight > MAX_PAGE_BYTES
    ]
    assert not problems, shown(problems, f"page(s) over {MAX_PAGE_BYTES:,} B on first load")
    assert all(v.weight > 10_000 for v in visits.values()), {p: v.weight for p, v in visits.items()}
