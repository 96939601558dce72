"""The animations have controls and respect reduced motion (docs/assets/javascripts/animation.js).

Each GIF figure becomes a player: its frames, decoded in the page from the GIF itself, on a
canvas, with previous / play-pause / next buttons and a slider. The tests check, on both pages
with an animation in both languages, that the player decoded every frame of the file and that
each frame is the picture Pillow decodes (so the decoder is right, disposal included); that
play, pause and the steps do what they say; and that a reader who prefers reduced motion gets a
still player on the last frame until they press play.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.site.test_browser import Browser, find_chromium, server  # noqa: F401 (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAGES = ["compare/", "landscape/", "en/compare/", "en/landscape/"]
FIGURES = Path(__file__).resolve().parents[2] / "docs" / "figures"


def gif_frames(path: Path) -> list[np.ndarray]:
    """Every frame of a GIF as Pillow composes it, RGBA."""
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        return [np.asarray(f.convert("RGBA")) for f in ImageSequence.Iterator(image)]


STATE = """() => { const p = document.querySelector(".animation");
  return p && {frames: +p.dataset.frames, frame: +p.dataset.frame, playing: p.dataset.playing,
               src: p.querySelector("img").getAttribute("src"),
               gifShown: p.querySelector("img").getBoundingClientRect().height > 0,
               labels: Array.from(p.querySelectorAll("button"),
                                  b => b.getAttribute("aria-label"))}; }"""

PIXELS = """() => { const c = document.querySelector(".animation canvas");
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height);
  return {width: c.width, height: c.height, data: Array.from(d.data)}; }"""


def open_player(browser: Browser, path: str):
    visit = browser.open(path)
    assert not visit.errors, visit.errors
    browser.page.wait_for_selector(".animation canvas", timeout=10_000)
    return browser.page.evaluate(STATE)


def canvas(browser: Browser) -> np.ndarray:
    p = browser.page.evaluate(PIXELS)
    return np.array(p["data"], dtype=np.uint8).reshape(p["height"], p["width"], 4)


def same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal where either is opaque (a transparent pixel's colour does not matter)."""
    seen = (a[..., 3] > 0) | (b[..., 3] > 0)
    return a.shape == b.shape and np.array_equal(a[seen], b[seen])


@pytest.fixture(scope="module")
def browsers(server: str, site: Path):  # noqa: F811
    """Two readers: one who lets things move, one who asks for reduced motion."""
    pytest.importorskip("playwright.sync_api", reason="Playwright (the test extra) is missing")
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium: run `bash scripts/check_chromium.sh` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        both = {
            "moving": Browser(playwright, executable, server, site),
            "still": Browser(playwright, executable, server, site, reduced_motion="reduce"),
        }
        try:
            yield both
        finally:
            for b in both.values():
                b.close()


@pytest.fixture
def browser(browsers) -> Browser:
    return browsers["moving"]


@pytest.fixture
def still_browser(browsers) -> Browser:
    return browsers["still"]


@pytest.mark.parametrize("path", PAGES)
def test_player_shows_every_frame_of_the_gif(browser: Browser, path: str):
    state = open_player(browser, path)
    name = state["src"].split("figures/")[1]
    frames = gif_frames(FIGURES / name)
    assert state["frames"] == len(frames) > 10
    assert not state["gifShown"], "the GIF still shows beside its player"
    assert state["labels"] == (
        ["上一帧", "暂停", "下一帧"]
        if not path.startswith("en/")
        else ["Previous frame", "Pause", "Next frame"]
    )
    toggle = browser.page.locator(".animation__toggle")
    toggle.click()  # pause
    for k in (1, 2, len(frames) // 2, len(frames)):
        browser.page.locator(".animation__slider").fill(str(k))
        assert browser.page.evaluate(STATE)["frame"] == k
        assert same_picture(canvas(browser), frames[k - 1]), f"{name}: frame {k} differs"


@pytest.mark.parametrize("path", ["compare/", "en/landscape/"])
def test_play_pause_and_step(browser: Browser, path: str):
    state = open_player(browser, path)
    assert state["playing"] == "true"
    page = browser.page
    page.wait_for_function(
        "f => +document.querySelector('.animation').dataset.frame > f", arg=state["frame"]
    )
    page.locator(".animation__toggle").click()
    paused = page.evaluate(STATE)
    assert paused["playing"] == "false"
    page.wait_for_timeout(600)
    assert page.evaluate(STATE)["frame"] == paused["frame"], "the animation moved while paused"
    page.locator(".animation__forward").click()
    assert page.evaluate(STATE)["frame"] == paused["frame"] % paused["frames"] + 1
    page.locator(".animation__back").click()
    page.locator(".animation__back").click()
    assert page.evaluate(STATE)["frame"] == (paused["frame"] - 2) % paused["frames"] + 1
    page.locator(".animation__toggle").click()
    assert page.evaluate(STATE)["playing"] == "true"


@pytest.mark.parametrize("path", ["landscape/", "en/compare/"])
def test_reduced_motion_keeps_it_still(still_browser: Browser, path: str):
    state = open_player(still_browser, path)
    assert state["playing"] == "false"
    # a still player shows the last frame: the whole result
    assert state["frame"] == state["frames"]
    still_browser.page.wait_for_timeout(600)
    assert still_browser.page.evaluate(STATE)["frame"] == state["frames"]
    still_browser.page.locator(".animation__toggle").click()
    assert still_browser.page.evaluate(STATE)["playing"] == "true"
