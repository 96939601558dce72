"""Figures: reproducible to the byte, all used, all made by a registered figure script.

Reproducible: the session's site build (``site`` fixture) ran the figure hook, so
``docs/figures/`` holds every figure, built by an earlier process (on a fresh clone, as in CI,
the hook built them all a moment ago). This test builds every figure once more with
``python -m scripts.figures --out DIR`` in a new process, in reverse order (so each worker
process makes the figures in a different sequence than before: a figure that depends on a
global random state or on what was drawn before it shows up), and compares the bytes. One
extra build rather than two keeps the cost at one full figure build (``-j 2``).

Used and registered: every image a page of either language shows from ``figures/`` is made by
a registered figure; every registered figure is shown by some page; every
``scripts/fig_*.py`` registers at least one figure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.support.markdown import IMAGE_HTML, IMAGE_MD

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"

pytestmark = pytest.mark.slow


def run_figures(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
    return subprocess.run(
        [sys.executable, "-m", "scripts.figures", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def list_figures() -> dict[str, tuple[str, str]]:
    """Registered figures, name -> (module, "ok" or "stale"): ``scripts.figures --list``."""
    result = run_figures("--list")
    assert result.returncode == 0, f"scripts.figures --list failed:\n{result.stderr[-3000:]}"
    figures = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            figures[parts[0]] = (parts[1], parts[2])
    assert figures, f"no figure registered:\n{result.stdout}"
    return figures


@pytest.fixture(scope="module")
def registry() -> dict[str, str]:
    """Registered figures, name -> module (no build needed)."""
    return {name: module for name, (module, _) in list_figures().items()}


def page_images() -> list[tuple[Path, int, str]]:
    """(page, line, image path as written) for every image of every page of both languages."""
    found = []
    for page in sorted(DOCS.rglob("*")):
        if page.suffix not in (".md", ".py") or FIGURES in page.parents:
            continue
        if "assets" in page.relative_to(DOCS).parts:
            continue
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for m in (*IMAGE_MD.finditer(line), *IMAGE_HTML.finditer(line)):
                found.append((page, number, m["path"]))
    return found


def first_difference(a: bytes, b: bytes) -> str:
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    text = ""
    if a[:5] == b"<?xml" or a.lstrip().startswith(b"<svg"):
        line = a[:n].count(b"\n")
        la = a.splitlines()[line] if line < len(a.splitlines()) else b""
        lb = b.splitlines()[line] if line < len(b.splitlines()) else b""
        text = f"; line {line + 1}: {la[:120]!r} vs {lb[:120]!r}"
    return f"{len(a):,} vs {len(b):,} bytes, first difference at byte {n:,}{text}"


def test_figures_rebuild_byte_identical(site: Path, registry: dict[str, str], tmp_path: Path):
    # The site build ran the figure hook: docs/figures/ is up to date.
    stale = [name for name, (_, state) in list_figures().items() if state != "ok"]
    assert not stale, f"figures still stale after the site build: {stale}"
    out = tmp_path / "rebuild"
    names = sorted(registry, reverse=True)
    result = run_figures("--out", str(out), "-j", "2", "-q", *names)
    assert result.returncode == 0, f"rebuilding the figures failed:\n{result.stderr[-5000:]}"
    problems = []
    # every figure, and the English variant (en/NAME) of every figure with words
    english = (
        sorted(f"en/{p.name}" for p in (out / "en").glob("*")) if (out / "en").is_dir() else []
    )
    built_en = sorted(f"en/{p.name}" for p in (FIGURES / "en").glob("*") if p.name in registry)
    if english != built_en:
        problems.append(f"English variants differ: rebuild {english}, docs/figures {built_en}")
    for name in [*sorted(registry), *english]:
        old, new = FIGURES / name, out / name
        if not new.is_file():
            problems.append(f"{name}: the rebuild wrote no file")
        elif not old.is_file():
            problems.append(f"{name}: not in docs/figures/ after the site build")
        elif old.read_bytes() != new.read_bytes():
            problems.append(
                f"{name} ({registry[name.removeprefix('en/')]}): "
                + first_difference(old.read_bytes(), new.read_bytes())
            )
    assert not problems, (
        "figures that differ between two builds (a random seed not fixed, a date, or state "
        "left by another figure; or a stale figure: `make figures`):\n" + "\n".join(problems)
    )
    others = sorted(p.name for p in out.iterdir() if p.name not in registry and p.name != "en")
    others += [n for n in english if n.removeprefix("en/") not in registry]
    assert not others, f"the rebuild wrote files no figure is registered for: {others}"


def test_every_image_on_a_page_exists_and_is_a_registered_figure(registry: dict[str, str]):
    images = page_images()
    assert images, "no page shows an image: is the image pattern right?"
    problems = []
    for page, line, ref in images:
        where = f"{page.relative_to(ROOT)}:{line}"
        if re.match(r"^([a-z]+:|//)", ref):
            problems.append(f"{where}: {ref!r} is not a file of the book (figures are local)")
            continue
        target = (page.parent / ref.split("#")[0].split("?")[0]).resolve()
        if FIGURES.resolve() in target.parents:
            name = target.relative_to(FIGURES.resolve()).as_posix()
            if name not in registry:
                close = [n for n in registry if n.split(".")[0] == name.split(".")[0]]
                hint = f" (did you mean {close[0]}?)" if close else ""
                problems.append(f"{where}: {ref!r}: no registered figure makes {name}{hint}")
        elif not target.is_file():
            problems.append(f"{where}: {ref!r} names no file")
    assert not problems, "\n".join(problems)


def test_every_registered_figure_is_shown_by_a_page(registry: dict[str, str]):
    shown = set()
    for page, _, ref in page_images():
        target = (page.parent / ref).resolve()
        if FIGURES.resolve() in target.parents:
            shown.add(target.relative_to(FIGURES.resolve()).as_posix())
    orphans = sorted(set(registry) - shown)
    assert not orphans, "registered figures that no page shows (orphans): " + ", ".join(
        f"{n} ({registry[n]})" for n in orphans
    )
    leftovers = sorted(p.name for p in FIGURES.iterdir() if p.is_file() and p.name not in registry)
    leftovers += sorted(f"en/{p.name}" for p in FIGURES.glob("en/*") if p.name not in registry)
    if leftovers:  # e.g. a renamed figure's old file: harmless, not in a fresh clone
        warnings.warn(f"docs/figures/ holds files no figure makes: {leftovers}", stacklevel=1)


def test_every_figure_script_makes_figures(registry: dict[str, str]):
    scripts = sorted(p.stem for p in (ROOT / "scripts").glob("fig_*.py"))
    assert scripts, "no scripts/fig_*.py"
    modules = {m.rsplit(".", 1)[-1] for m in registry.values()}
    idle = [s for s in scripts if s not in modules]
    assert not idle, f"figure scripts that register no figure: {idle}"
    strays = sorted({m for m in registry.values() if not m.startswith("scripts.fig_")})
    assert not strays, f"figures registered outside scripts/fig_*.py: {strays}"


def test_out_option_leaves_docs_figures_and_stamps_alone(
    site: Path, registry: dict[str, str], tmp_path: Path
):
    """``--out`` must not touch docs/figures/ or the hashes (the check above relies on it)."""
    name = min(registry)
    before = (FIGURES / name).stat().st_mtime_ns
    stamps = ROOT / ".cache" / "figures"
    stamp_times = {p: p.stat().st_mtime_ns for p in stamps.glob("*.json")}
    result = run_figures("--out", str(tmp_path), "-q", name)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / name).is_file()
    assert (FIGURES / name).stat().st_mtime_ns == before
    assert {p: p.stat().st_mtime_ns for p in stamps.glob("*.json")} == stamp_times
    bad = run_figures("--out", str(tmp_path), "--stale")
    assert bad.returncode == 2 and "--out" in bad.stderr
