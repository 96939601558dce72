"""Figures for every reader: a colour-blind-safe palette, and backgrounds that follow the scheme.

- The palette (``scripts/plotting.py``): matplotlib's colour cycle and the optimizers' colours
  are Okabe–Ito colours, the optimizers' colours and path markers are all different, and every
  figure module imports ``scripts.plotting`` (which sets the cycle and the transparent
  background), so a figure built on its own gets them too.
- A figure built now has a transparent background (no white box in the dark scheme).
- The stylesheet inverts the figures' lightness in Material's dark (slate) scheme, names Chinese
  system fonts, and sets Chinese emphasis upright.
- In a browser (the session's site build): on a Chinese and an English page, a figure's margin
  (its background as the reader sees it) is light in the light scheme and dark in the dark one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site.test_browser import server  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
CSS = ROOT / "docs" / "assets" / "stylesheets" / "extra.css"

OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"}


def test_colour_cycle_and_optimizer_colours_are_okabe_ito():
    import matplotlib
    from matplotlib.colors import to_hex

    from scripts import plotting

    cycle = [to_hex(c).upper() for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == [c.upper() for c in plotting.CYCLE]
    # C0..C6 are Okabe–Ito; C7 stays a neutral grey
    assert set(cycle[:7]) <= OKABE_ITO, cycle
    r, g, b = matplotlib.colors.to_rgb(cycle[7])
    assert r == g == b, f"C7 should be a grey, not {cycle[7]}"
    colours = [to_hex(c).upper() for c in plotting.COLORS.values()]
    assert set(colours) <= OKABE_ITO, colours
    assert len(set(colours)) == len(colours), "two optimizers share a colour"
    assert set(plotting.MARKERS) == set(plotting.COLORS)
    assert len(set(plotting.MARKERS.values())) == len(plotting.MARKERS), "two share a marker"
    assert plotting.optimizer_of("Adam, lr = 0.3") == "Adam"
    assert plotting.optimizer_of("GD, lr = 0.95") is None


def test_every_figure_module_imports_the_plotting_style():
    missing = [
        script.name
        for script in sorted(SCRIPTS.glob("fig_*.py"))
        if not re.search(
            r"^from scripts\.plotting import|^import scripts\.plotting", script.read_text(), re.M
        )
    ]
    assert not missing, f"figure modules that do not import scripts.plotting (palette): {missing}"


def test_a_figure_has_a_transparent_background(tmp_path: Path):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.figures", "-q", "--out", str(tmp_path), "sgd-zigzag.svg"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    svg = (tmp_path / "sgd-zigzag.svg").read_text()
    background = re.search(r'<g id="patch_1">\s*<path d="[^"]*"\s*style="([^"]*)"', svg)
    assert background, "no figure background patch found in the SVG"
    assert "fill: none" in background[1], f"opaque figure background: {background[1]}"


def test_stylesheet_dark_scheme_fonts_and_chinese_emphasis():
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    dark = re.search(
        r'\[data-md-color-scheme="slate"\][^{]*img\[src\*="figures/"\]\s*{([^}]*)}', css
    )
    assert dark and "invert(" in dark[1], "no dark-scheme filter for the figures"
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC"):
        assert f'"{font}"' in css, f"{font} missing from the font stack"
    assert not re.search(r"@import|url\(\s*['\"]?https?:", css), (
        "a font or style fetched from a host"
    )
    emphasis = re.search(r'html\[lang\^="zh"\]\s*\.md-typeset em\s*{([^}]*)}', css)
    assert emphasis and "font-style: normal" in emphasis[1] and "font-weight" in emphasis[1]


# ------------------------------------------------------------------------------ in a browser

# pages with figures near the top, one per language (paths as in the site)
FIGURE_PAGES = ("sgd/", "en/sgd/")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figure_backgrounds_follow_the_colour_scheme(server: str, site: Path, scheme: str):  # noqa: F811
    pytest.importorskip("playwright.sync_api", reason="Playwright (the test extra) is missing")
    from tests.site.test_browser import Browser, find_chromium

    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium: run `bash scripts/check_chromium.sh` (make test does)")
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as playwright:
        session = Browser(playwright, executable, server, site, color_scheme=scheme)
        try:
            page = session.page
            for path in FIGURE_PAGES:
                page.goto(server + path, wait_until="load")
                found = page.evaluate(
                    """(scheme) => {
                      const s = document.body.getAttribute("data-md-color-scheme");
                      const img = [...document.querySelectorAll('.md-typeset img[src*="figures/"]')]
                        .find(i => i.src.endsWith(".svg"));
                      if (!img) return {s, img: null};
                      img.loading = "eager";
                      img.scrollIntoView();
                      return {s, img: img.getAttribute("src"),
                              filter: getComputedStyle(img).filter};
                    }""",
                    scheme,
                )
                want = "slate" if scheme == "dark" else "default"
                if found["s"] != want:
                    problems.append(f"{path}: scheme {found['s']!r}, expected {want!r}")
                if not found["img"]:
                    problems.append(f"{path}: no SVG figure found")
                    continue
                image = page.locator(f'.md-typeset img[src="{found["img"]}"]').first
                page.wait_for_function(
                    "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
                )
                # the ink: dark on the light page, inverted to light on the dark one
                inverted = "invert" in (found["filter"] or "")
                if inverted != (scheme == "dark"):
                    problems.append(
                        f"{path}: figure filter {found['filter']!r} in the {scheme} scheme"
                    )
                shot = image.screenshot()
                luminance = border_luminance(shot)
                ok = luminance < 0.3 if scheme == "dark" else luminance > 0.85
                if not ok:
                    problems.append(
                        f"{path} {found['img']}: the figure's margin has luminance "
                        f"{luminance:.2f} in the {scheme} scheme (filter {found['filter']!r})"
                    )
        finally:
            session.close()
    assert not problems, "\n".join(problems)


def border_luminance(png: bytes) -> float:
    """Median relative luminance (0..1) of the outermost 3 pixels around a PNG screenshot.

    A figure's margin is its background (ticks and labels sit inside a padding), so the median
    of the ring is the background the reader sees, whatever a corner happens to hold.
    """
    import io

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) / 255.0
    ring = np.concatenate(
        [
            pixels[:3].reshape(-1, 3),
            pixels[-3:].reshape(-1, 3),
            pixels[:, :3].reshape(-1, 3),
            pixels[:, -3:].reshape(-1, 3),
        ]
    )
    return float(np.median(ring @ np.array([0.2126, 0.7152, 0.0722])))
