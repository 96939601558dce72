"""Site search in a real browser, both languages (``scripts/hooks/search.py``).

A reader types a term into Material's search box (key by key, then a key press as an input
method ends with one) on the home page of each language, and the chapter whose subject it is
comes FIRST, above the notebooks and the back matter that use the term:

- Chinese: 动量, 鞍点, 学习率 and 批归一化 (the book writes 批量归一化; search_words.txt lists
  the synonym). Material 9.8's worker used to search 动量 as 动 and 学习率 as 学习, so the
  notebook "动手：SGD 的学习率" and the home page ranked first.
- English: momentum, saddle, learning rate and batch normalization.

Every title and excerpt the results show is clean text: no markup fragments ("ark>动手", "<p",
"&lt;"), no notebook prompts ("In [1]:"), no copy-button labels ("Copied!"), no raw TeX
("\\(", "$y$", "\\frac"). The same is checked on every entry of both indexes, shown or not.

The index and the search worker load on first use: opening a page requests neither; focusing
the search box and typing loads the page's own language's index and the results appear. The
bytes a web host sends for the home page, with and without the index, are printed.

Reuses test_browser's server, browser and Browser (the same Chromium set-up, offline).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.site.test_browser import (  # noqa: F401 (server and browser are fixtures)
    LANGS,
    Browser,
    browser,
    counterpart,
    sent_bytes,
    server,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# What a reader types, and the chapter that must come first (paths without /en/).
FIRST: dict[str, dict[str, str]] = {
    "zh": {
        "动量": "momentum/",
        "鞍点": "landscape/",
        "学习率": "lr-schedules/",
        "批归一化": "batchnorm/",
    },
    "en": {
        "momentum": "momentum/",
        "saddle": "landscape/",
        "learning rate": "lr-schedules/",
        "batch normalization": "batchnorm/",
    },
}
CASES = [(lang, term) for lang in LANGS for term in FIRST[lang]]

# What must not show in a result: markup, prompts, copy labels, raw TeX. Markup and TeX are
# looked for outside code only (code may show "x_<split>" or "\\n").
PROSE_ONLY = {"markup", "raw TeX"}
DIRT = {
    "markup": re.compile(r"</?[A-Za-z][\w-]*(?=[\s/>])"),
    "broken highlight or entity": re.compile(r"ark>|</?m(?:a|ar)?\b|&(?:[a-z]+|#\d+|#x[0-9a-f]+);"),
    "notebook prompt": re.compile(r"\b(?:In|Out)[\s\xa0]*\[[\d\s\xa0]*\]:"),
    "copy label": re.compile(r"Copied!|Copy to clipboard|已复制|复制代码"),
    "raw TeX": re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\$[^\s$<][^$<]*\$|\\[a-zA-Z]{2,}|\\[,;!]"),
}

# Each result: its link, title and excerpt as shown, and the excerpt without code.
RESULTS = """() => Array.from(document.querySelectorAll(".md-search-result__link")).map(a => {
  const text = el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll("pre, code").forEach(c => c.remove());
    return [el.textContent, copy.textContent];
  };
  const title = a.querySelector("h1, h2");
  const excerpts = Array.from(a.querySelectorAll("p")).map(text);
  return {
    href: a.href,
    title: title ? title.textContent : "",
    text: excerpts.map(e => e[0]).join(" "),
    prose: excerpts.map(e => e[1]).join(" "),
  };
})"""
CODE = re.compile(r"<(pre|code)\b[^>]*>.*?</\1>", re.S)


def dirt(text: str, prose: str | None = None) -> list[str]:
    """What should not be in a shown ``text``; markup and TeX are looked for in ``prose``."""
    prose = text if prose is None else prose
    return [
        f"{kind}: {m.group(0)!r}"
        for kind, rx in DIRT.items()
        for m in rx.finditer(prose if kind in PROSE_ONLY else text)
    ]


def home(lang: str) -> str:
    return counterpart("", lang)


def type_query(browser: Browser, term: str) -> list[dict]:  # noqa: F811
    """Type ``term`` into the search box of the open page, as a reader; the results shown."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.page
    page.locator("input.md-search__input").click()
    page.keyboard.type(term, delay=20)
    page.keyboard.press("End")  # an input method ends with a key press; Material reads key-up
    try:
        page.wait_for_selector(".md-search-result__item", timeout=8000)
    except PlaywrightTimeout:
        return []
    # Results of earlier prefixes ("m", "mo", ...) may still arrive: read until two reads a
    # quarter of a second apart agree.
    results, previous = [], None
    for _ in range(24):
        page.wait_for_timeout(250)
        results = page.evaluate(RESULTS)
        if results and results == previous:
            break
        previous = results
    return results


def path_of(href: str, lang: str) -> str:
    """A result's page, without the language prefix and the anchor: "momentum/"."""
    path = urlsplit(href).path.lstrip("/")
    return counterpart(path, "zh") if lang != "zh" else path


@pytest.fixture(scope="module")
def searches(browser: Browser, server: str) -> dict[tuple[str, str], dict]:  # noqa: F811
    """Each term typed on a freshly loaded home page: requests before and after, and results."""
    out = {}
    for lang, term in CASES:
        visit = browser.open(home(lang))
        requests: list[str] = []

        def listener(request, requests=requests) -> None:
            requests.append(urlsplit(request.url).path)

        browser.page.on("request", listener)
        try:
            results = type_query(browser, term)
        finally:
            browser.page.remove_listener("request", listener)
        out[lang, term] = {"load": visit, "after": requests, "results": results}
    return out


@pytest.mark.parametrize("lang,term", CASES, ids=str)
def test_the_chapter_comes_first(searches, lang: str, term: str):
    results = searches[lang, term]["results"]
    pages = [path_of(r["href"], lang) for r in results]
    assert pages, f"searching {term!r} on the {lang} home page found nothing"
    want = FIRST[lang][term]
    first = pages[0].split("#", 1)[0]
    order = list(dict.fromkeys(p.split("#", 1)[0] for p in pages))
    assert first == want, f"searching {term!r} ({lang}): /{want} should come first: {order[:8]}"


@pytest.mark.parametrize("lang,term", CASES, ids=str)
def test_results_show_clean_text(searches, lang: str, term: str):
    results = searches[lang, term]["results"]
    assert results, f"searching {term!r} ({lang}) found nothing"
    problems = [
        f"{path_of(r['href'], lang)} {field}: {d}"
        for r in results
        for field, prose in (("title", "title"), ("text", "prose"))
        for d in dirt(r[field], r[prose])
    ]
    assert not problems, f"{len(problems)} problem(s) in the results for {term!r}:\n" + "\n".join(
        problems[:30]
    )


@pytest.mark.parametrize("lang", LANGS)
def test_every_index_entry_is_clean_text(site: Path, lang: str):
    index = site / ("" if lang == "zh" else f"{lang}/") / "search" / "search_index.json"
    docs = json.loads(index.read_text(encoding="utf-8"))["docs"]
    problems = []
    locations = [d["location"] for d in docs]
    duplicates = sorted({loc for loc in locations if locations.count(loc) > 1})
    assert not duplicates, f"entries sharing a location (their highlights mix up): {duplicates}"
    for doc in docs:
        # What the reader sees: the text with its tags rendered, entities decoded.
        for field in ("title", "text"):
            shown = html.unescape(re.sub(r"<[^>]*>", " ", doc[field]))
            prose = html.unescape(re.sub(r"<[^>]*>", " ", CODE.sub(" ", doc[field])))
            if field == "title" and "¶" in shown:
                problems.append(f"{doc['location']} title: permalink sign '¶'")
            problems += [f"{doc['location']} {field}: {d}" for d in dirt(shown, prose)]
    assert not problems, f"{len(problems)} problem(s) in {index.name} ({lang}):\n" + "\n".join(
        problems[:30]
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_index_loads_on_first_use(searches, browser: Browser, lang: str):  # noqa: F811
    term = next(iter(FIRST[lang]))
    record = searches[lang, term]
    loaded = [p for p in record["load"].requests if "search_index" in p or "/workers/" in p]
    assert not loaded, f"opening /{home(lang)} requested {loaded} before any search"
    own = "/" + home(lang) + "search/search_index.json"
    assert own in record["after"], f"searching on /{home(lang)} did not load {own}"
    assert record["results"], f"the first search on /{home(lang)} showed no results"
    # Bytes a web host sends for the home page, and what the index would have added.
    kinds, _ = browser.weigh(record["load"].requests)
    page = sum(kinds.values())
    index = sent_bytes(browser.site / own.lstrip("/"))
    raw = (browser.site / own.lstrip("/")).stat().st_size
    print(
        f"/{home(lang)}: {page / 1000:.0f} kB sent on load (gzip); the search index "
        f"({raw / 1000:.0f} kB raw, {index / 1000:.0f} kB gzip) now loads on first search"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_searches_its_own_index(searches, site: Path, lang: str):
    """The index a search loads holds only the reader's language (scripts/hooks/search.py
    splits the one mkdocs-static-i18n writes)."""
    loaded = {
        path
        for (lang_, _), record in searches.items()
        if lang_ == lang
        for path in record["after"]
        if path.endswith("search_index.json")
    }
    assert loaded == {"/" + home(lang) + "search/search_index.json"}, loaded
    docs = json.loads((site / home(lang) / "search" / "search_index.json").read_text("utf-8"))
    if lang == "zh":  # the English entries are those under en/
        others = [d["location"] for d in docs["docs"] if d["location"].startswith("en/")]
    else:  # locations are relative to /en/: a Chinese entry shows by its Chinese title
        others = [d["location"] for d in docs["docs"] if re.search(r"[\u4e00-\u9fff]", d["title"])]
    assert not others, f"the {lang} index also holds other languages' entries: {others[:5]}"
    assert len(docs["docs"]) > 50, "the index is almost empty"
