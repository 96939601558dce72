"""The book on a phone: every page of both languages at 390 x 844, in the light and the dark scheme.

The harness is test_browser.py's (the session's build, served on 127.0.0.1, one headless
Chromium, every request routed and nothing leaving the machine); here the context is a touch
screen of 390 x 844 CSS pixels whose reader prefers the light or the dark colour scheme (one
browser per scheme: Material remembers a scheme once a page has chosen it). Each page is loaded
once per scheme and checked:

- no display formula is clipped: a formula (``mjx-container``) wider than its box sits in a box
  that scrolls sideways (``overflow-x: auto``), starts at the box's left edge (so all of it can be
  scrolled to), lies within the screen, is not cut at the top or bottom, and the box shows a scroll
  cue (the shadow backgrounds of extra.css); a formula that fits must lie within the screen,
- every figure opens full size on a tap (docs/assets/javascripts/reading.js): a dialog over the
  whole screen shows the same picture with the same alt text at its own size at least (and no
  smaller than in the page), and Escape closes it. All figures in the light scheme; in the dark
  one the first ``DARK_FIGURES`` of each page (the code path is the same; the scheme is what
  differs, and the next check covers it on every figure),
- no page is wider than the phone (a wider page is zoomed out as a whole),
- the figures follow the scheme: with the dark scheme the page is Material's slate and every
  drawn figure (``figures/``) is inverted, in the page and enlarged; with the light one none is,
- printing (print media, after the page heard "beforeprint", as narrow as the phone): every
  display formula within its box and every figure within the page (light scheme only),
- the page weight of the first load on a phone stays under test_browser's ``MAX_PAGE_BYTES``
  (text gzipped, as a web host sends it).

The display formulas that still scroll at this width are printed at the end of the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.site.test_browser import (  # noqa: F401 (server is a fixture)
    CHROMIUM_FLAGS,
    MAX_PAGE_BYTES,
    SLOW_PAGE_SECONDS,
    Browser,
    Visit,
    find_chromium,
    server,
    site_pages,
)

WIDTH, HEIGHT = 390, 844
SCHEMES = ("light", "dark")
DARK_FIGURES = 1  # figures tapped per page in the dark scheme (all of them in the light one)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


class Phone(Browser):
    """test_browser's Browser on a 390 x 844 touch screen with a preferred colour scheme."""

    def __init__(self, playwright, executable: str, base: str, site: Path, scheme: str) -> None:
        super().__init__(
            playwright,
            executable,
            base,
            site,
            viewport={"width": WIDTH, "height": HEIGHT},
            is_mobile=True,
            has_touch=True,
            color_scheme=scheme,
        )


# Every display formula: its width, its box (the nearest element that clips sideways), and the
# problems a reader would meet. Read with every box scrolled to its start.
FORMULAS = r"""() => {
  const problems = [], scrolling = [];
  const vw = document.documentElement.clientWidth;
  const short = el => el.textContent.replace(/\s+/g, " ").trim().slice(0, 60);
  for (const container of document.querySelectorAll('mjx-container[display="true"]')) {
    const math = container.querySelector("mjx-math");
    if (!math) continue;
    const m = math.getBoundingClientRect();
    let box = null;
    for (let e = container; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== "visible") { box = e; break; }
    }
    const where = short(container);
    if (box === null) {
      if (m.left < -1 || m.right > vw + 1) problems.push(`runs off the screen: ${where}`);
      continue;
    }
    box.scrollLeft = 0;
    const b = box.getBoundingClientRect(), style = getComputedStyle(box);
    if (b.left < -1 || b.right > vw + 1) {
      const edges = `${Math.round(b.left)}..${Math.round(b.right)}`;
      problems.push(`its box runs off the screen (${edges}): ${where}`);
    }
    const wider = m.left < b.left - 1 || m.right > b.right + 1;
    if (wider) {
      if (!["auto", "scroll"].includes(style.overflowX))
        problems.push(`clipped (overflow-x: ${style.overflowX}): ${where}`);
      else if (box.scrollWidth <= box.clientWidth)
        problems.push(`wider than its box, which does not scroll: ${where}`);
      if (m.left < b.left - 1)
        problems.push(`starts left of its box, out of reach of scrolling: ${where}`);
      if (!/gradient/.test(style.backgroundImage) || !/local/.test(style.backgroundAttachment))
        problems.push(`scrolls without a cue (no scroll shadow): ${where}`);
      scrolling.push(`${Math.round(m.width)} px in ${Math.round(box.clientWidth)}: ${where}`);
    }
    if (style.overflowY !== "visible" && (m.top < b.top - 1 || m.bottom > b.bottom + 1))
      problems.push(`cut at the top or bottom: ${where}`);
  }
  return {problems, scrolling,
          count: document.querySelectorAll('mjx-container[display="true"]').length,
          pageWidth: document.documentElement.scrollWidth, screen: innerWidth};
}"""

# The figures: images of the page's text, except one that opts out as a control of its own
# (data-zoom="off", e.g. a frame of an animation player; see reading.js).
FIGURE_SELECTOR = 'article img:not([data-zoom="off"] img, img[data-zoom="off"])'
FIGURE_JS = f"const FIGURE = '{FIGURE_SELECTOR}';"

# The figures of the page, and whether each drawn figure (figures/) is inverted (dark scheme).
FIGURES = r"""() => { FIGURE_JS return {
  scheme: document.body.getAttribute("data-md-color-scheme"),
  figures: Array.from(document.querySelectorAll(FIGURE)).map(img => ({
    src: img.getAttribute("src").slice(0, 80),
    linked: !!img.closest("a.figure-zoom__link"),
    drawn: /figures\//.test(img.src),
    file: decodeURIComponent(new URL(img.currentSrc || img.src).pathname)
            .split("/figures/")[1] || null,
    width: img.getBoundingClientRect().width,
    inverted: getComputedStyle(img).filter.includes("invert"),
  })),
  animations: Array.from(document.querySelectorAll(".animation")).map(p => ({
    file: decodeURIComponent(new URL(p.querySelector("img").src).pathname).split("/figures/")[1],
    width: p.querySelector("canvas").getBoundingClientRect().width,
  })),
}; }""".replace("FIGURE_JS", FIGURE_JS)

ZOOMED = r"""(index) => { FIGURE_JS
  const img = document.querySelectorAll(FIGURE)[index];
  const dialog = document.querySelector("dialog.figure-zoom");
  if (!dialog || !dialog.open) return {open: false};
  const big = dialog.querySelector("img");
  const d = dialog.getBoundingClientRect(), r = big.getBoundingClientRect();
  return {
    open: true,
    loaded: big.complete && big.naturalWidth > 0,
    same: big.src === img.currentSrc || big.src === img.src,
    alt: big.alt === img.alt && big.alt.trim().length > 0,
    covers: d.left <= 1 && d.top <= 1 && d.width >= innerWidth - 1 && d.height >= innerHeight - 1,
    width: r.width, natural: big.naturalWidth, inline: img.getBoundingClientRect().width,
    inverted: getComputedStyle(big).filter.includes("invert"),
    inlineInverted: getComputedStyle(img).filter.includes("invert"),
  };
}""".replace("FIGURE_JS", FIGURE_JS)


# On paper: every display formula within its box and every figure within the page, once the page
# has heard "beforeprint" (as when a reader prints; reading.js then records the formulas' widths).
PRINTED = r"""() => {
  const out = [];
  const page = document.documentElement.clientWidth;
  const short = el => el.textContent.replace(/\s+/g, " ").trim().slice(0, 60);
  for (const c of document.querySelectorAll('mjx-container[display="true"]')) {
    const m = c.querySelector("mjx-math").getBoundingClientRect(), b = c.getBoundingClientRect();
    if (m.left < b.left - 1 || m.right > b.right + 1 || b.right > page + 1)
      out.push(`formula ${Math.round(m.width)} px wide in ${Math.round(b.width)}: ${short(c)}`);
  }
  for (const img of document.querySelectorAll("article img")) {
    const r = img.getBoundingClientRect();
    if (r.width > 0 && r.right > page + 1)
      out.push(`figure past the page: ${img.getAttribute("src")}`);
  }
  return out;
}"""


def printed(page) -> list[str]:
    """What sticks out of the page when it is printed (on paper as narrow as the phone)."""
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    try:
        return page.evaluate(PRINTED)
    finally:
        page.emulate_media(media="screen")
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")


@dataclass
class PhoneVisit:
    visit: Visit
    formulas: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    zoom_problems: list[str] = field(default_factory=list)
    tapped: int = 0
    printed: list[str] = field(default_factory=list)


def tap_figures(phone: Phone, limit: int | None) -> tuple[list[str], int]:
    """Tap figures of the loaded page one by one; what went wrong, and how many were tapped."""
    page = phone.page
    images = page.locator(FIGURE_SELECTOR)
    count = images.count() if limit is None else min(limit, images.count())
    problems = []
    for i in range(count):
        img = images.nth(i)
        src = (img.get_attribute("src") or "")[:60]
        try:
            img.tap()
            page.wait_for_function(
                """() => { const d = document.querySelector("dialog.figure-zoom");
                  const im = d && d.open && d.querySelector("img");
                  return im && im.complete && im.naturalWidth > 0 && im.style.width; }""",
                timeout=SLOW_PAGE_SECONDS * 1000,
            )
        except Exception as e:  # noqa: BLE001 (any failure is the finding)
            problems.append(f"{src}: a tap did not open it full size ({type(e).__name__})")
            page.keyboard.press("Escape")
            continue
        z = page.evaluate(ZOOMED, i)
        if not (z["open"] and z["loaded"] and z["same"]):
            problems.append(f"{src}: the dialog does not show this figure: {z}")
        if not z["alt"]:
            problems.append(f"{src}: the enlarged figure lost its alt text")
        if not z["covers"]:
            problems.append(f"{src}: the dialog does not cover the screen")
        if z["width"] < min(z["natural"], WIDTH) - 1 or z["width"] < z["inline"] - 1:
            problems.append(
                f"{src}: shown {z['width']:.0f} px wide, its own size is {z['natural']} px "
                f"and the page shows it {z['inline']:.0f} px wide"
            )
        if z["inverted"] != z["inlineInverted"]:
            problems.append(f"{src}: the enlarged figure does not follow the scheme of the page")
        page.keyboard.press("Escape")
        try:
            page.wait_for_function(
                "() => !document.querySelector('dialog.figure-zoom[open]')", timeout=2000
            )
        except Exception:  # noqa: BLE001
            problems.append(f"{src}: Escape did not close the enlarged figure")
    return problems, count


def visit_all(executable: str, base: str, site: Path) -> dict[str, dict[str, PhoneVisit]]:
    """Every page of both languages, per scheme, loaded once on the phone and checked."""
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    result: dict[str, dict[str, PhoneVisit]] = {}
    with sync_playwright() as playwright:
        for scheme in SCHEMES:
            phone = Phone(playwright, executable, base, site, scheme)
            try:
                visits = {}
                for path in site_pages(site):
                    visit = PhoneVisit(phone.open(path))
                    if not visit.visit.errors:
                        visit.formulas = phone.page.evaluate(FORMULAS)
                        visit.figures = phone.page.evaluate(FIGURES)
                        limit = None if scheme == "light" else DARK_FIGURES
                        visit.zoom_problems, visit.tapped = tap_figures(phone, limit)
                        if scheme == "light":
                            visit.printed = printed(phone.page)
                    visits[path] = visit
                result[scheme] = visits
            finally:
                phone.close()
    pages = len(site_pages(site))
    print(f"phone: {pages} pages x {len(SCHEMES)} schemes in {time.perf_counter() - start:.1f} s")
    return result


@pytest.fixture(scope="module")
def phone_visits(server: str, site: Path) -> dict[str, dict[str, PhoneVisit]]:  # noqa: F811
    pytest.importorskip("playwright.sync_api", reason="Playwright (the test extra) is missing")
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium: run `bash scripts/check_chromium.sh` (make test does)")
    return visit_all(executable, server, site)


def problems_of(visits: dict[str, PhoneVisit], describe) -> list[str]:
    return [f"/{path}: {p}" for path, v in visits.items() for p in describe(v)]


def shown(problems: list[str], what: str) -> str:
    return f"{len(problems)} {what}:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_pages_load_on_a_phone(phone_visits, scheme: str):
    visits = phone_visits[scheme]
    problems = problems_of(visits, lambda v: v.visit.errors + v.visit.bad_responses)
    problems += problems_of(visits, lambda v: [f"tried to fetch {u}" for u in v.visit.blocked])
    assert not problems, shown(problems, "page(s) that did not load cleanly")
    assert {"", "en/"} <= set(visits), sorted(visits)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_display_formula_is_clipped(phone_visits, scheme: str):
    visits = phone_visits[scheme]
    problems = problems_of(visits, lambda v: v.formulas.get("problems", []))
    assert not problems, shown(problems, f"display formula(s) clipped at {WIDTH} px")
    total = sum(v.formulas.get("count", 0) for v in visits.values())
    assert total > 0, "no display formula anywhere"
    if scheme == SCHEMES[0]:
        scrolling = problems_of(visits, lambda v: v.formulas.get("scrolling", []))
        print(f"{len(scrolling)} of {total} display formulas scroll at {WIDTH} px:")
        print("\n".join(scrolling))


def test_no_page_scrolls_sideways(phone_visits):
    """A page wider than the phone is zoomed out as a whole (or scrolls sideways)."""

    def describe(v: PhoneVisit):
        f = v.formulas
        if f.get("pageWidth", 0) > WIDTH or f.get("screen", WIDTH) != WIDTH:
            return [f"the page is {f.get('pageWidth')} px wide on a {WIDTH} px screen"]
        return []

    problems = problems_of(phone_visits[SCHEMES[0]], describe)
    assert not problems, shown(problems, "page(s) wider than the phone")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_figure_opens_full_size(phone_visits, scheme: str):
    visits = phone_visits[scheme]

    def describe(v: PhoneVisit):
        out = list(v.zoom_problems)
        out += [
            f"{f['src']}: not a link to its full size"
            for f in v.figures.get("figures", [])
            if not f["linked"]
        ]
        return out

    problems = problems_of(visits, describe)
    assert not problems, shown(problems, f"figure problem(s) at {WIDTH} px ({scheme})")
    assert sum(v.tapped for v in visits.values()) > 0, "no figure anywhere"


def test_figure_text_is_readable(phone_visits):
    """No word of a figure is under 9 px: each is shown at least at its readable width.

    The readable width is computed from the figure file itself (its smallest label and its
    width, scripts/hooks/figures.py), not taken from the page; in a column narrower than that
    the figure scrolls sideways in its frame. An animation is measured on its player's canvas.
    """
    from scripts.figures import OUT_DIR
    from scripts.hooks.figures import MIN_TEXT_PX, readable_width

    def describe(v: PhoneVisit):
        out = []
        for f in v.figures.get("figures", []) + v.figures.get("animations", []):
            if not f.get("drawn", True) or not f["file"]:
                continue
            need = readable_width(OUT_DIR / f["file"])
            if need is None:
                continue
            if f["width"] < need - 0.5:
                out.append(
                    f"{f['file']}: shown {f['width']:.0f} px wide, its words need {need} px "
                    f"to be {MIN_TEXT_PX} px tall"
                )
        return out

    visits = phone_visits[SCHEMES[0]]
    problems = problems_of(visits, describe)
    assert not problems, shown(problems, f"figure(s) with text under {MIN_TEXT_PX} px at {WIDTH}")
    checked = sum(
        1 for v in visits.values() for f in v.figures.get("figures", []) if f["drawn"] and f["file"]
    )
    players = sum(len(v.figures.get("animations", [])) for v in visits.values())
    assert checked > 100, f"only {checked} drawn figures were measured"
    assert players == 4, f"{players} animation players (2 per language expected)"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_figures_follow_the_scheme(phone_visits, scheme: str):
    want = {"light": "default", "dark": "slate"}[scheme]

    def describe(v: PhoneVisit):
        out = []
        if v.figures.get("scheme") != want:
            out.append(f"the page is in the {v.figures.get('scheme')!r} scheme, not {want!r}")
        for f in v.figures.get("figures", []):
            if f["drawn"] and f["inverted"] != (scheme == "dark"):
                out.append(f"{f['src']}: {'not ' if scheme == 'dark' else ''}inverted")
        return out

    problems = problems_of(phone_visits[scheme], describe)
    assert not problems, shown(problems, f"page(s) not following the {scheme} scheme")


def test_printing_keeps_formulas_and_figures_within_the_page(phone_visits):
    problems = problems_of(phone_visits[SCHEMES[0]], lambda v: v.printed)
    assert not problems, shown(problems, "formula(s) or figure(s) wider than the printed page")


def test_page_weight_on_a_phone(phone_visits):
    visits = phone_visits[SCHEMES[0]]
    problems = [
        f"/{p}: {v.visit.weight:,} B sent, {v.visit.raw_bytes:,} B uncompressed"
        for p, v in visits.items()
        if v.visit.weight > MAX_PAGE_BYTES
    ]
    assert not problems, shown(problems, f"page(s) over {MAX_PAGE_BYTES:,} B on a phone")
    heaviest = max(visits.items(), key=lambda item: item[1].visit.weight)
    print(f"heaviest on a phone: /{heaviest[0]} {heaviest[1].visit.weight / 1000:.0f} kB")
