"""The optimizer playground (issue 13) in headless Chromium, on the session's build, offline.

Reuses the harness of ``test_browser.py`` (the local server, one routed Chromium, ``Browser.open``
recording requests, console errors and the page weight). Checked here:

- the page's JavaScript (``docs/assets/playground/optim.js``) reproduces the package: the
  vectors of ``scripts/playground_vectors.py`` (every rule, five landscapes, two hyperparameter
  sets, 200 steps, three schedules, runs that diverge), written at test time into a temporary
  directory, are recomputed in the browser; every point and value must agree to a relative
  1e-12 (the worst difference per rule is printed; it is 0 when every number is bit-equal) and
  a diverging run must stop at the same step;
- ``/playground/`` and ``/en/playground/`` load with no console error and no request leaving the
  machine, and weigh less than 1 MB as a web host sends them (text gzipped);
- driving the controls (tick a rule, move the lr slider, click the plot, pick a landscape)
  changes the paths; the guided experiments on the page come out as the page says;
- three chapters embed a small playground, and it runs and responds;
- no autoplay, reduced motion respected, usable at 390 px, dark mode, keyboard.
"""

from __future__ import annotations

import json
import math

import pytest

from scripts import playground_vectors
from tests.site.test_browser import Browser, browser, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MAX_PLAYGROUND_BYTES = 1_000_000
RELATIVE = 1e-12
PAGES = ["playground/", "en/playground/"]
CHAPTERS = {"sgd": "sgd-lr", "momentum": "momentum-beta", "adam": "adam-bias"}


# ---------------------------------------------------------------------------------------------
# helpers


class Errors:
    """Console errors and uncaught exceptions of the tab while a test drives it."""

    def __init__(self, page) -> None:
        self.page = page
        self.items: list[str] = []
        self._console = lambda m: m.type == "error" and self.items.append(f"console: {m.text}")
        self._error = lambda e: self.items.append(f"uncaught: {e}")
        page.on("console", self._console)
        page.on("pageerror", self._error)

    def close(self) -> None:
        self.page.remove_listener("console", self._console)
        self.page.remove_listener("pageerror", self._error)


@pytest.fixture
def tab(browser: Browser):  # noqa: F811
    """The browser's tab, reset to a desktop viewport and light, moving media; errors recorded."""
    page = browser.page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")
    errors = Errors(page)
    yield page
    browser.wait_until_quiet()  # nothing of this page still loading when the next one opens
    errors.close()
    page.goto("about:blank")
    assert not errors.items, errors.items


def load(page, server: str, path: str) -> None:  # noqa: F811
    page.goto(server + path, wait_until="load")
    page.wait_for_function("window.OptPlayground && OptPlayground.instances.length > 0")


def snapshot(page, index: int = 0) -> dict:
    return page.evaluate("(i) => OptPlayground.instances[i].snapshot()", index)


def set_range(page, selector: str, value: float) -> None:
    """Move a range input as a reader does (the value, then an input event)."""
    page.eval_on_selector(
        selector,
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        value,
    )


def relative(a: float, b: float) -> float:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


# ---------------------------------------------------------------------------------------------
# the numbers


RUN_CASES = """(cases) => cases.map((c) => {
  const r = OptCore.run(c.rule, c.hyper, c.landscape, c.start, c.steps,
                        {schedule: c.schedule || "none", records: false});
  return {path: r.path, values: r.values, divergedAt: r.divergedAt};
})"""


def test_javascript_reproduces_the_library(tab, server: str, tmp_path):  # noqa: F811
    vectors = json.loads(playground_vectors.write(tmp_path / "vectors.json").read_text())
    cases = vectors["cases"]
    rules = {c["rule"] for c in cases}
    assert set(playground_vectors.RULES) <= rules and len(playground_vectors.RULES) == 10
    assert {c["landscape"] for c in cases} >= {"valley", "rotated", "rosenbrock", "saddle"}
    assert any(c["diverged_at"] for c in cases) and any(c["schedule"] for c in cases)
    load(tab, server, "en/playground/")
    results = tab.evaluate(RUN_CASES, cases)

    worst: dict[str, float] = {}
    bit_equal = total = 0
    problems = []
    for c, r in zip(cases, results, strict=True):
        name = f"{c['rule']} on {c['landscape']} {c['hyper']} schedule={c['schedule']}"
        if r["divergedAt"] != c["diverged_at"]:
            problems.append(f"{name}: JS diverged at {r['divergedAt']}, Python {c['diverged_at']}")
        if len(r["path"]) != len(c["path"]):
            problems.append(f"{name}: {len(r['path'])} points in JS, {len(c['path'])} in Python")
            continue
        key = c["rule"] + (f" ({c['schedule']})" if c["schedule"] else "")
        numbers = [
            (a, b)
            for p, q in zip(r["path"], c["path"], strict=True)
            for a, b in zip(p, q, strict=True)
        ] + list(zip(r["values"], c["values"], strict=True))
        for a, b in numbers:
            d = relative(float(a), float(b))
            worst[key] = max(worst.get(key, 0.0), d)
            bit_equal += float(a).hex() == float(b).hex() or d == 0.0
            total += 1
            if d > RELATIVE:
                problems.append(f"{name}: {a!r} in JS, {b!r} in Python (relative {d:.2e})")
                break
    print(f"\nplayground vectors: {len(cases)} cases, {bit_equal} of {total} numbers bit-equal")
    for key in sorted(worst):
        print(f"  worst relative difference {key:28s} {worst[key]:.1e}")
    assert not problems, "\n".join(problems[:20])


def test_hyperparameter_limits_follow_the_library(tab, server: str):  # noqa: F811
    load(tab, server, "en/playground/")
    messages = tab.evaluate(
        """() => [["SGD", {lr: 0}], ["Adam", {beta1: 1}], ["RMSProp", {eps: -1}],
                  ["AdamW", {weight_decay: -0.1}]].map(([rule, h]) => {
          try { OptCore.makeOptimizer(rule, h); return null; } catch (e) { return e.message; }
        })"""
    )
    assert messages == [
        "SGD: lr must be a positive finite number, got 0",
        "Adam: beta1 must be in [0, 1), got 1",
        "RMSProp: eps must be a positive finite number, got -1",
        "AdamW: weight_decay must be a non-negative finite number, got -0.1",
    ]
    # the sliders cannot reach a value outside the limits
    ranges = tab.evaluate(
        """() => Array.from(document.querySelectorAll('.opg input[type=range][data-hyper]'))
                  .map(el => [el.dataset.hyper, Number(el.min), Number(el.max)])"""
    )
    for name, lo, hi in ranges:
        if name == "lr":
            assert 10**lo > 0
        elif name in ("momentum", "beta1", "beta2", "decay_rate", "rho"):
            assert 0 <= lo and hi < 1, (name, lo, hi)


# ---------------------------------------------------------------------------------------------
# the pages


@pytest.mark.parametrize("path", PAGES)
def test_playground_loads_offline_without_errors_and_is_light(browser: Browser, path: str):  # noqa: F811
    browser.page.goto("about:blank")
    visit = browser.open(path)
    assert not visit.blocked, visit.blocked
    assert not visit.errors and not visit.bad_responses, visit.errors + visit.bad_responses
    assert "/assets/playground/optim.js" in " ".join(visit.requests)
    state = snapshot(browser.page)
    assert state["preset"] == "full" and len(state["paths"]) == 3, state["rules"]
    print(f"\n/{path}: {visit.weight:,} B sent (gzipped text), {visit.raw_bytes:,} B uncompressed")
    assert visit.weight < MAX_PLAYGROUND_BYTES, visit.bytes_by_type


def test_the_page_speaks_its_language(tab, server: str):  # noqa: F811
    load(tab, server, "playground/")
    assert tab.locator(".opg-playback button").first.inner_text().endswith("播放")
    load(tab, server, "en/playground/")
    assert tab.locator(".opg-playback button").first.inner_text().endswith("Play")


def test_controls_change_the_path(tab, server: str):  # noqa: F811
    load(tab, server, "en/playground/")
    before = snapshot(tab)
    assert before["rules"] == ["SGD", "Momentum", "Adam"] and before["k"] == before["steps"]

    # tick a rule: its path appears
    tab.locator("label.opg-rule", has_text="Nesterov").click()
    after = snapshot(tab)
    assert "Nesterov" in after["paths"] and after["paths"]["SGD"] == before["paths"]["SGD"]

    # choose SGD's settings and move its lr slider with the keyboard
    tab.select_option(".opg select[id$='-edit']", "SGD")
    slider = tab.locator("input[data-hyper='lr']")
    slider.focus()
    for _ in range(5):
        tab.keyboard.press("ArrowLeft")
    moved = snapshot(tab)
    assert moved["hyper"]["SGD"]["lr"] < 0.95
    assert moved["paths"]["SGD"] != after["paths"]["SGD"]
    assert moved["paths"]["Adam"] == after["paths"]["Adam"]

    # click the contour plot: a new start for every path
    box = tab.locator("canvas.opg-plot").bounding_box()
    tab.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    clicked = snapshot(tab)
    assert clicked["start"][0] > 0 and clicked["start"][1] > 0, clicked["start"]
    for rule in clicked["paths"]:
        assert clicked["paths"][rule][0] == clicked["start"]
        assert clicked["paths"][rule] != moved["paths"][rule]

    # the arrow keys on the focused plot move the start too
    tab.locator("canvas.opg-plot").focus()
    tab.keyboard.press("ArrowDown")
    assert snapshot(tab)["start"][1] < clicked["start"][1]

    # another landscape
    tab.select_option(".opg select[id$='-land']", "rosenbrock")
    rosen = snapshot(tab)
    assert rosen["landscape"] == "rosenbrock" and rosen["start"] == [-1.2, 1.0]


def test_playback_and_no_autoplay(tab, server: str):  # noqa: F811
    load(tab, server, "en/playground/")
    tab.wait_for_timeout(300)
    state = snapshot(tab)
    assert state["k"] == state["steps"], "the playground must not move by itself"
    tab.locator(".opg-playback button").first.click()  # Play: from step 0
    tab.wait_for_timeout(200)
    k = snapshot(tab)["k"]
    assert 0 < k < state["steps"]
    tab.locator(".opg-playback button").first.click()  # Pause
    k = snapshot(tab)["k"]
    tab.wait_for_timeout(200)
    assert snapshot(tab)["k"] == k
    tab.get_by_role("button", name="Step forward").click()
    assert snapshot(tab)["k"] == k + 1
    set_range(tab, ".opg-scrub", 3)
    assert snapshot(tab)["k"] == 3
    assert "step 3 of 200" in tab.locator(".opg-stepout").inner_text()
    # the readout shows the numbers of step 3
    assert tab.locator(".opg-readout tbody tr").count() == 3


def test_reduced_motion_shows_the_whole_path_at_once(tab, server: str):  # noqa: F811
    tab.emulate_media(reduced_motion="reduce")
    load(tab, server, "en/playground/")
    set_range(tab, ".opg-scrub", 0)
    tab.locator(".opg-playback button").first.click()
    state = snapshot(tab)
    assert state["k"] == state["steps"]
    assert tab.evaluate("OptPlayground.instances[0].timer") is None


def test_usable_at_390_px_and_in_dark_mode(tab, server: str):  # noqa: F811
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.emulate_media(color_scheme="dark")
    load(tab, server, "playground/")
    tab.evaluate("localStorage.clear()")  # no palette remembered from an earlier page
    tab.reload(wait_until="load")
    tab.wait_for_function("window.OptPlayground && OptPlayground.instances.length > 0")
    assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    # nothing sticks out (the readout's table scrolls inside its own box)
    overflow = tab.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('.opg, .opg *'))"
        ".filter(e => !e.parentElement.closest('.opg-table-wrap'))"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert overflow <= 390, f"the playground reaches {overflow} px on a 390 px screen"
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    width = tab.evaluate("document.querySelector('canvas.opg-plot').getBoundingClientRect().width")
    assert 200 <= width <= 390
    # the drawing reads the dark palette: the contour colour is light on dark
    fg = tab.evaluate(
        "getComputedStyle(document.querySelector('.opg'))"
        ".getPropertyValue('--md-default-fg-color').trim()"
    )
    assert fg and fg not in ("rgba(0, 0, 0, 0.87)", "#000"), fg
    # every control can be reached with the keyboard (nothing has tabindex -1 or is hidden)
    assert tab.locator(".opg input:visible, .opg select:visible, .opg button:visible").count() > 10


# ---------------------------------------------------------------------------------------------
# the guided experiments, as the page states them (and as its Python block prints them)


def test_guided_experiments_come_out_as_the_page_says(tab, server: str):  # noqa: F811
    load(tab, server, "en/playground/")
    tab.select_option(".opg select[id$='-edit']", "Momentum")
    set_range(tab, "input[data-hyper='momentum']", 0.99)
    s = snapshot(tab)
    path = s["paths"]["Momentum"]
    assert s["hyper"]["Momentum"] == {"lr": 0.1, "momentum": 0.99}
    assert round(max(p[0] for p in path), 2) == 5.99
    f = path[-1][0] ** 2 / 20 + path[-1][1] ** 2
    assert 0.45 < f < 0.55
    set_range(tab, "input[data-hyper='momentum']", 0.5)
    assert max(p[0] for p in snapshot(tab)["paths"]["Momentum"]) < 0

    tab.select_option(".opg select[id$='-edit']", "SGD")
    set_range(tab, "input[data-hyper='lr']", 0)  # 10**0 = 1.0
    y = [p[1] for p in snapshot(tab)["paths"]["SGD"][-4:]]
    assert y in ([2.0, -2.0, 2.0, -2.0], [-2.0, 2.0, -2.0, 2.0]), y
    set_range(tab, "input[data-hyper='lr']", math.log10(1.05))
    end = snapshot(tab)["paths"]["SGD"][-1]
    assert 1e16 < end[0] ** 2 / 20 + end[1] ** 2 < 1e18

    tab.select_option(".opg select[id$='-land']", "rosenbrock")
    tab.select_option(".opg select[id$='-edit']", "SGD")
    set_range(tab, "input[data-hyper='lr']", -2)  # 0.01
    s = snapshot(tab)
    assert s["divergedAt"]["SGD"] == 8 and "step 8" in s["message"], s["message"]

    tab.select_option(".opg select[id$='-land']", "local1d")
    s = snapshot(tab)
    assert s["hyper"]["Momentum"] == {"lr": 0.01, "momentum": 0.9}
    assert round(s["paths"]["Momentum"][-1][0], 2) == -2.0
    assert round(s["paths"]["SGD"][-1][0], 2) == 1.0
    tab.select_option(".opg select[id$='-edit']", "Momentum")
    set_range(tab, "input[data-hyper='momentum']", 0.8)
    assert round(snapshot(tab)["paths"]["Momentum"][-1][0], 2) == 1.0

    ends = {}
    for land in ("valley", "rotated"):
        tab.select_option(".opg select[id$='-land']", land)
        s = snapshot(tab)
        f = tab.evaluate(
            "([land, paths]) => Object.fromEntries(Object.entries(paths)"
            ".map(([r, p]) => [r, OptCore.LANDSCAPES[land].value(p[p.length - 1])]))",
            [land, s["paths"]],
        )
        ends[land] = f
    assert f"{ends['valley']['Adam']:.0e}" == "3e-07"
    assert f"{ends['rotated']['Adam']:.0e}" == "7e-03"
    for rule in ("SGD", "Momentum"):
        assert f"{ends['valley'][rule]:.0e}" == f"{ends['rotated'][rule]:.0e}"


# ---------------------------------------------------------------------------------------------
# the chapters' small playgrounds


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_chapter_embeds_a_small_playground_that_runs(
    browser: Browser,  # noqa: F811
    chapter: str,
    lang: str,
):
    path = f"{chapter}/" if lang == "zh" else f"en/{chapter}/"
    browser.page.goto("about:blank")
    visit = browser.open(path)
    assert not visit.errors and not visit.bad_responses and not visit.blocked, visit.errors
    state = snapshot(browser.page)
    assert state["preset"] == CHAPTERS[chapter]
    assert state["paths"] and all(len(p) == state["steps"] + 1 for p in state["paths"].values())
    assert browser.page.locator(".opg canvas.opg-plot").is_visible()


def test_chapter_figures_respond(tab, server: str):  # noqa: F811
    load(tab, server, "en/sgd/")
    set_range(tab, "input[data-hyper='lr']", math.log10(1.05))
    values = tab.evaluate(
        "() => { const s = OptPlayground.instances[0].snapshot();"
        " return s.paths.SGD.map(p => OptCore.LANDSCAPES.valley.value(p)); }"
    )
    assert values[-1] > values[0] * 100, "above 2/lambda_max the loss must climb"

    load(tab, server, "en/momentum/")
    set_range(tab, "input[data-hyper='momentum']", 0.99)
    assert round(max(p[0] for p in snapshot(tab)["paths"]["Momentum"]), 2) == 5.99

    load(tab, server, "en/adam/")
    set_range(tab, ".opg-scrub", 1)

    def first_step() -> list[float]:
        return json.loads(tab.locator(".opg-readout td[data-step]").get_attribute("data-step"))

    on = first_step()
    assert [round(abs(v), 4) for v in on] == [0.1, 0.1], on
    tab.locator(".opg input[type=checkbox]").uncheck()
    set_range(tab, ".opg-scrub", 1)
    off = first_step()
    assert [round(abs(v), 3) for v in off] == [0.316, 0.316], off
