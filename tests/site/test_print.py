"""Printing a page, and the references a printed page relies on.

Browser checks (test_browser's harness: the session's build served on 127.0.0.1, one headless
Chromium, nothing leaving the machine), on a handful of pages of both languages, with print media
emulated at the width of the text on A4 paper (210 mm less 15 mm margins, 680 CSS px) after the
page heard "beforeprint", as when a reader prints:

- only the text is printed: no header, tabs, sidebars, "back to top" button, copy buttons or
  footer but its licence line, and the text takes the whole width of the paper;
- a reader in the dark scheme prints dark text on white, with figures not inverted;
- nothing is wider than the paper: no element of the article sticks out past its right edge, and
  every display formula lies within its box (docs/assets/stylesheets/print.css, with extra.css);
- an external link is followed by its address on paper, unless its text already is the address
  (a reference shown as its DOI or arXiv number);
- answers: every answer of a chapter is printed unfolded by default; after the reader ticks
  "打印时隐藏答案 / Hide answers when printing" (docs/assets/javascripts/print.js) none is, the
  choice holds on the next page and in the other language, the checkbox itself is never
  printed, and the folded answers fold again after printing.

Without a browser: both languages' reference lists link every work to the same address, shown as
text (``arXiv:1412.6980``, ``doi:10.1137/1011036`` or the publisher's address), so that a printed
page carries the identifier itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.site.test_browser import (  # noqa: F401 (server and browser are fixtures)
    Browser,
    browser,
    server,
)

ROOT = Path(__file__).resolve().parents[2]
PAPER_WIDTH = 680  # A4 (794 CSS px) less two 15 mm margins (2 x 57 px)
# Pages with exercises, wide formulas, figures, a notebook, the references (a wide table),
# the API reference (inline code that wraps) and the playground (its readout table).
PAGES = [
    "adam/",
    "en/adam/",
    "en/second-order/",
    "landscape/",
    "en/references/",
    "api/",
    "notebooks/compare-lab/",
    "en/playground/",
]

# On paper: what is shown of the site's chrome, and what sticks out of the page.
PRINTED = r"""() => {
  const page = document.documentElement.clientWidth, out = [];
  const shown = el =>
    el && getComputedStyle(el).display !== "none" && el.getClientRects().length > 0;
  for (const sel of [".md-header", ".md-tabs", ".md-sidebar--primary", ".md-sidebar--secondary",
                     ".md-footer__inner", ".md-top", ".print-answers", ".md-code__nav"])
    if (shown(document.querySelector(sel))) out.push(`${sel} is printed`);
  // the footer's licence line, where the site has one, is printed
  const licence = document.querySelector(".md-copyright__highlight");
  if (licence && !shown(licence)) out.push("the licence line is not printed");
  const article = document.querySelector("article").getBoundingClientRect();
  if (article.width < 0.9 * page)
    out.push(`the text is ${Math.round(article.width)} px of ${page}`);
  const short = el => el.textContent.replace(/\s+/g, " ").trim().slice(0, 50);
  for (const el of document.querySelectorAll("article *")) {
    if (el.closest("mjx-assistive-mml")) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > page + 1) {
      const name = `${el.tagName.toLowerCase()}.${el.className}`;
      out.push(`${name} ends at ${Math.round(r.right)} px: ${short(el)}`);
      if (out.length > 10) break;
    }
  }
  for (const c of document.querySelectorAll('mjx-container[display="true"]')) {
    const m = c.querySelector("mjx-math").getBoundingClientRect(), b = c.getBoundingClientRect();
    if (m.left < b.left - 1 || m.right > b.right + 1)
      out.push(`formula ${Math.round(m.width)} px in a box of ${Math.round(b.width)}: ${short(c)}`);
  }
  return out;
}"""

ANSWERS = r"""() => Array.from(document.querySelectorAll("details[data-answer]")).map(d => ({
  open: d.open,
  shown: getComputedStyle(d).display !== "none" && d.getBoundingClientRect().height > 0,
  body: Array.from(d.children).filter(c => c.tagName !== "SUMMARY")
    .some(c => c.getBoundingClientRect().height > 0),
}))"""

AFTER = r"""(a) => getComputedStyle(a, "::after").content"""

# Lightness (0 black, 1 white) of the text and of a code block's background; figures inverted.
COLOURS = r"""() => {
  const light = c => {
    const [r, g, b] = c.match(/[\d.]+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  };
  const p = document.querySelector("article p"), code = document.querySelector("article pre code");
  return {
    text: light(getComputedStyle(p).color),
    code: light(getComputedStyle(code).backgroundColor),
    figures: Array.from(document.querySelectorAll('article img[src*="figures/"]'))
      .map(img => getComputedStyle(img).filter.includes("invert")),
  };
}"""


def print_view(session: Browser) -> None:
    """As when a reader prints: "beforeprint", then print media at the paper's width."""
    session.page.set_viewport_size({"width": PAPER_WIDTH, "height": 1000})
    session.page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    session.page.emulate_media(media="print")


def screen_view(session: Browser) -> None:
    session.page.emulate_media(media="screen")
    session.page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    session.page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def clean_choice(browser: Browser):  # noqa: F811
    """No remembered choice before and after a test."""
    browser.page.evaluate("localStorage.removeItem('print.hideAnswers')")
    yield
    browser.page.evaluate("localStorage.removeItem('print.hideAnswers')")
    screen_view(browser)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_only_the_text_is_printed_and_nothing_is_wider_than_the_paper(browser: Browser, path):  # noqa: F811
    visit = browser.open(path)
    assert not visit.errors, visit.errors
    print_view(browser)
    try:
        problems = browser.page.evaluate(PRINTED)
    finally:
        screen_view(browser)
    assert not problems, f"/{path} on paper:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.browser
def test_external_links_show_their_address_on_paper(browser: Browser):  # noqa: F811
    browser.open("en/momentum/")
    print_view(browser)
    try:
        link = browser.page.locator('article a[href^="https://github.com/oreilly-japan"]').first
        after = link.evaluate(AFTER)
        internal = browser.page.locator('article a[href="../sgd/"]').first.evaluate(AFTER)
    finally:
        screen_view(browser)
    assert "https://github.com/oreilly-japan/deep-learning-from-scratch" in after, after
    assert internal in ("none", "normal", ""), f"an internal link shows {internal!r}"

    browser.open("en/references/")
    print_view(browser)
    try:
        arxiv = browser.page.locator('article a[href="https://arxiv.org/abs/1412.6980"]')
        text, after = arxiv.inner_text(), arxiv.evaluate(AFTER)
    finally:
        screen_view(browser)
    assert text == "arXiv:1412.6980"
    assert after in ("none", "normal", ""), f"the address is written twice: {after!r}"


@pytest.mark.slow
@pytest.mark.browser
def test_answers_print_unfolded_or_not_at_all(browser: Browser, clean_choice):  # noqa: F811
    browser.open("en/adam/")
    page = browser.page
    box = page.locator(".print-answers input[type=checkbox]")
    assert box.count() == 1
    assert page.locator(".print-answers").inner_text().strip() == "Hide answers when printing"
    answers = page.evaluate(ANSWERS)
    assert len(answers) >= 3 and not any(a["open"] for a in answers), answers

    # by default: every answer printed, unfolded
    print_view(browser)
    printed = page.evaluate(ANSWERS)
    checkbox_printed = page.locator(".print-answers").is_visible()
    screen_view(browser)
    assert all(a["open"] and a["shown"] and a["body"] for a in printed), printed
    assert not checkbox_printed
    assert not any(a["open"] for a in page.evaluate(ANSWERS)), "answers stay unfolded"

    # ticked: no answer printed, here, on the next page and in the other language
    box.check()
    for path in ("en/adam/", "en/momentum/", "adam/"):
        if path != "en/adam/":
            browser.open(path)
            assert page.locator(".print-answers input").is_checked(), path
        print_view(browser)
        printed = page.evaluate(ANSWERS)
        screen_view(browser)
        assert printed and not any(a["shown"] for a in printed), (path, printed)
    assert page.locator(".print-answers").inner_text().strip() == "打印时隐藏答案"

    # unticked again: answers printed
    page.locator(".print-answers input").uncheck()
    print_view(browser)
    printed = page.evaluate(ANSWERS)
    screen_view(browser)
    assert all(a["shown"] and a["body"] for a in printed), printed


# --- the references, as text -----------------------------------------------------------------

ROW = re.compile(r"^\| .* \| \*(?P<title>[^*]+)\* \| (?P<source>.*) \|$")
LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)")
# Works without an address we could verify (a Soviet journal of 1983, a technical report, and a
# DOI no stored source confirmed); everything else links.
UNLINKED = {
    "A method for solving the convex programming problem with convergence rate O(1/k²)",
    "Statistics of Critical Points of Gaussian Fields on Large-Dimensional Spaces",
    "Efficient Estimations from a Slowly Convergent Robbins-Monro Process",
}


def references(lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    rows = []
    for line in (ROOT / "docs" / lang / "references.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows.append((m["title"], [(x["text"], x["url"]) for x in LINK.finditer(m["source"])]))
    return rows


def test_references_link_each_work_with_its_identifier_as_text():
    zh, en = references("zh"), references("en")
    assert len(en) >= 40, f"only {len(en)} references found: is the parser working?"
    assert zh == en, "the two languages' references differ in their works or links"
    problems = []
    for title, links in en:
        if title in UNLINKED:
            if links:
                problems.append(f"{title}: linked now, take it off UNLINKED")
            continue
        if not links:
            problems.append(f"{title}: no link")
        for text, url in links:
            if text.startswith("arXiv:"):
                ok = url == "https://arxiv.org/abs/" + text.removeprefix("arXiv:")
                ok = ok and re.fullmatch(r"\d{4}\.\d{4,5}", text.removeprefix("arXiv:"))
            elif text.startswith("doi:"):
                ok = url == "https://doi.org/" + quote(text.removeprefix("doi:"), safe="/;:-._")
            else:  # a publisher's page, shown as its address
                ok = url.startswith("https://") and text in url
            if not ok:
                problems.append(f"{title}: [{text}]({url}) does not show its address")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.browser
def test_dark_scheme_prints_dark_on_white(browser: Browser):  # noqa: F811
    page = browser.page
    browser.open("momentum/")
    # colours are read at once, without Material's colour transitions (paper has none)
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    # the dark scheme, as Material sets it when the reader chooses it (the next page load
    # restores the scheme Material remembers)
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    on_screen = page.evaluate(COLOURS)
    print_view(browser)
    try:
        colours = page.evaluate(COLOURS)
    finally:
        screen_view(browser)
    assert on_screen["text"] > 0.7 and all(on_screen["figures"]), "not the dark scheme"
    assert colours["text"] < 0.3, f"text of lightness {colours['text']:.2f} on paper"
    assert colours["code"] > 0.9, f"code blocks on a background of lightness {colours['code']:.2f}"
    assert colours["figures"] and not any(colours["figures"]), "a figure is inverted on paper"
