"""Build the book's figures: ``python -m scripts.figures [NAME ...] [--list] [--stale] [-j N]``.

Every figure is a function in a ``scripts/fig_<chapter>.py`` module, registered with the
:func:`figure` decorator under the file name it produces in ``docs/figures/``::

    @figure("sgd-zigzag.svg")
    def zigzag():
        fig, ax = plt.subplots()
        ...
        return fig          # saved here, deterministically and atomically

A function may instead take the output path as its argument and write the file itself
(animations do), returning None.

A figure is *stale* when its file is missing or when the content hash of what made it changed:
its script module, this file, the style below, the shared helpers in ``plotting.py``, every
source file of the ``optimizers`` package, and the matplotlib and numpy versions. The hashes
live in ``.cache/figures/``.
The MkDocs hook ``scripts/hooks/figures.py`` runs ``--stale`` before every build.

Languages: a figure with words (``plotting.words(en, zh)``) is drawn twice by the same function,
in Chinese to ``docs/figures/NAME`` (the registered name, shown on the Chinese pages) and in
English to ``docs/figures/en/NAME`` (the figures hook points the English pages there); a figure
without words is drawn once. SVG text stays text (``svg.fonttype: none``) with a font list that
starts with common Chinese system fonts, so the reader's browser draws it with the reader's own
fonts: no font is installed or embedded, and the files are smaller than with glyphs as paths.
matplotlib itself never uses those Chinese fonts, even on a machine that has one
(:func:`_layout_with_dejavu`): every machine lays the text out with DejaVu Sans, Chinese text
with the fallback glyph's width (about 1.15 em, a little wider than a real Chinese glyph's 1 em,
so tight boxes keep room), and the same code gives the same bytes whichever fonts are
installed. Only the "missing glyph" warnings for Chinese characters are silenced.

``--out DIR`` writes the figures into DIR instead and leaves ``docs/figures/`` and the hashes
alone (``tests/site/test_figures.py`` builds twice that way and compares the bytes).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import re
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "docs" / "figures"
STAMP_DIR = ROOT / ".cache" / "figures"
SCRIPTS = ROOT / "scripts"
PACKAGE = ROOT / "optimizers"
ENGLISH = "en"  # docs/figures/en/NAME: a figure's English variant

# One look for every figure (the colours: the Okabe–Ito cycle set in scripts/plotting.py); the
# fixed hash salt and the missing date make SVG output byte-identical from run to run.
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "svg.hashsalt": "optimization-for-deep-learning",
    # text stays text: the browser draws it with the reader's fonts (see the docstring)
    "svg.fonttype": "none",
    "font.family": ["sans-serif"],
    "font.sans-serif": [
        "PingFang SC",
        "Hiragino Sans GB",
        "Microsoft YaHei",
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "WenQuanYi Micro Hei",
        "DejaVu Sans",
    ],
    "image.cmap": "viridis",
}


def _layout_with_dejavu() -> None:
    """Hide the reader fonts of ``STYLE`` from matplotlib, so that it measures with DejaVu Sans.

    The list is written into each SVG for the reader's browser; if matplotlib found one of
    them here (say WenQuanYi Micro Hei, which the PDF build installs), it would lay out every
    label, Latin ones too, with that font, and a figure would depend on the machine's fonts.
    """
    from matplotlib import font_manager

    readers = set(STYLE["font.sans-serif"]) - {"DejaVu Sans"}
    manager = font_manager.fontManager
    manager.ttflist = [f for f in manager.ttflist if f.name not in readers]
    manager._findfont_cached.cache_clear()


_layout_with_dejavu()

METADATA = {
    ".svg": {"Date": None, "Creator": None},
    ".png": {"Software": None},
    ".pdf": {"CreationDate": None, "Producer": None, "Creator": None},
}


@dataclass(frozen=True)
class Figure:
    name: str  # the output file name, e.g. "sgd-zigzag.svg"
    module: str  # e.g. "scripts.fig_sgd"
    function: Callable

    @property
    def path(self) -> Path:
        return OUT_DIR / self.name

    @property
    def en_path(self) -> Path:
        """The English variant, made when the figure has words."""
        return OUT_DIR / ENGLISH / self.name

    @property
    def script(self) -> Path:
        return ROOT / (self.module.replace(".", "/") + ".py")


REGISTRY: dict[str, Figure] = {}


def figure(name: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as the maker of ``docs/figures/<name>``."""
    if Path(name).suffix not in (".svg", ".png", ".gif"):
        raise ValueError(f"figure {name!r}: the file must end in .svg, .png or .gif")

    def register(function: Callable) -> Callable:
        if name in REGISTRY and REGISTRY[name].function.__qualname__ != function.__qualname__:
            raise ValueError(f"figure {name!r} is registered twice")
        REGISTRY[name] = Figure(name, function.__module__, function)
        return function

    return register


def discover() -> dict[str, Figure]:
    """Import every ``scripts/fig_*.py`` module so that its figures register themselves."""
    for script in sorted(SCRIPTS.glob("fig_*.py")):
        importlib.import_module(f"scripts.{script.stem}")
    return dict(sorted(REGISTRY.items()))


def fingerprint(fig: Figure) -> str:
    """Content hash of everything the figure depends on (no timestamps)."""
    import matplotlib

    from scripts.results import hash_files, library_hash, script_closure

    # the script and every script module it imports (its experiments, plotting, ...)
    files = [Path(__file__), SCRIPTS / "plotting.py", *script_closure(fig.script)]
    return hash_files(files, library_hash(), fig.name, f"matplotlib {matplotlib.__version__}")


def _stamp_path(fig: Figure) -> Path:
    return STAMP_DIR / (fig.name + ".json")


def is_stale(fig: Figure) -> bool:
    stamp = _stamp_path(fig)
    if not fig.path.exists() or not stamp.exists():
        return True
    try:
        recorded = json.loads(stamp.read_text())
        if "en" in recorded["languages"] and not fig.en_path.exists():
            return True
        return recorded["fingerprint"] != fingerprint(fig)
    except (ValueError, KeyError, TypeError):
        return True


def languages(fig: Figure) -> list[str]:
    """The languages the figure was last drawn in (["zh"] or ["zh", "en"]), from its stamp."""
    try:
        return json.loads(_stamp_path(fig).read_text())["languages"]
    except (OSError, ValueError, KeyError):
        return []


def _atomic_target(path: Path) -> Path:
    """A temporary name beside ``path`` that keeps its suffix (writers pick the format by it)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


_FONT_FAMILY = re.compile(rb"font-family: ([^;\"]+)")


def _generic_fallback(svg: bytes) -> bytes:
    """End every SVG font list with ``sans-serif`` (mathtext names only 'DejaVu Sans')."""
    return _FONT_FAMILY.sub(
        lambda m: m[0] if m[1].rstrip().endswith(b"sans-serif") else m[0] + b", sans-serif", svg
    )


def save(fig, path: Path) -> None:
    """Save a matplotlib figure deterministically; write to a temporary file, then rename."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _atomic_target(path)
    try:
        fig.savefig(tmp, format=path.suffix[1:], metadata=METADATA.get(path.suffix))
        if path.suffix == ".svg":
            tmp.write_bytes(_generic_fallback(tmp.read_bytes()))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        plt.close(fig)


def build_one(name: str, out_dir: Path | None = None) -> tuple[str, float]:
    """Make one figure (in this process) and record its fingerprint. Returns (name, seconds).

    With ``out_dir`` the file goes there instead of ``docs/figures/`` and no fingerprint is
    recorded (the figure in ``docs/figures/`` is as stale or fresh as it was).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scripts import plotting

    figures = discover()
    fig = figures[name]
    base = OUT_DIR if out_dir is None else Path(out_dir)
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    drawn = []
    # One BLAS thread: the figures' matrices are small, ``-j 2`` already uses both cores, and
    # oversubscribed BLAS threads made training figures up to 20 times slower under load.
    with plt.rc_context(STYLE), threadpool_limits(1), _quiet_about_chinese_glyphs():
        for lang in plotting.LANGUAGES:  # Chinese first: it tells whether the figure has words
            plotting.set_language(lang)
            target = base / fig.name if lang == "zh" else base / ENGLISH / fig.name
            _draw(fig, target)
            drawn.append(lang)
            if not plotting.asked_for_words():
                (base / ENGLISH / fig.name).unlink(missing_ok=True)  # it lost its words
                break
        plotting.set_language("zh")
    if out_dir is not None:
        return name, time.perf_counter() - start
    STAMP_DIR.mkdir(parents=True, exist_ok=True)
    stamp = _stamp_path(fig)
    tmp = _atomic_target(stamp)
    record = {"fingerprint": fingerprint(fig), "script": fig.module, "languages": drawn}
    tmp.write_text(json.dumps(record))
    os.replace(tmp, stamp)
    return name, time.perf_counter() - start


def _draw(fig: Figure, target: Path) -> None:
    """Run the figure's function once and write its file to ``target`` (atomically)."""
    if fig.function.__code__.co_argcount == 1:
        tmp = _atomic_target(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            fig.function(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        result = fig.function()
        if result is None:
            raise RuntimeError(f"figure {fig.name}: the function returned no matplotlib figure")
        save(result, target)


class _quiet_about_chinese_glyphs:
    """Silence what a machine without a Chinese font says about Chinese text, and nothing else.

    matplotlib warns once per missing Chinese glyph, ideograph or full-width punctuation (it
    measures it with the fallback glyph; the browser draws it with the reader's font), and logs
    each Chinese font family of the list that it cannot find.
    """

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings(
            "ignore",
            message=r"Glyph \d+ \(\\N\{(CJK|FULLWIDTH|IDEOGRAPHIC) ",
            category=UserWarning,
        )
        self._filter = _MissingFontFilter()
        logging.getLogger("matplotlib.font_manager").addFilter(self._filter)
        return self

    def __exit__(self, *exc):
        logging.getLogger("matplotlib.font_manager").removeFilter(self._filter)
        return self._warnings.__exit__(*exc)


class _MissingFontFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(f"'{font}' not found" in message for font in STYLE["font.sans-serif"])


def build(
    names: list[str], jobs: int = 1, progress: bool = True, out_dir: Path | None = None
) -> dict[str, float]:
    """Build the named figures, ``jobs`` at a time, with a progress bar. Returns seconds each.

    ``out_dir``: write the files there instead of ``docs/figures/`` (see :func:`build_one`).
    """
    from tqdm import tqdm

    timings: dict[str, float] = {}
    bar = tqdm(total=len(names), desc="figures", unit="fig", disable=None if progress else True)
    failures = []
    try:
        if jobs <= 1 or len(names) <= 1:
            for name in names:
                bar.set_postfix_str(name)
                try:
                    timings[name] = build_one(name, out_dir)[1]
                except Exception:
                    failures.append((name, traceback.format_exc()))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(build_one, name, out_dir): name for name in names}
                for future in as_completed(futures):
                    name = futures[future]
                    try:
                        timings[name] = future.result()[1]
                    except Exception:
                        failures.append((name, traceback.format_exc()))
                    bar.set_postfix_str(name)
                    bar.update()
    finally:
        bar.close()
    if failures:
        for name, tb in failures:
            print(f"\nfigure {name} failed:\n{tb}", file=sys.stderr)
        raise SystemExit(f"{len(failures)} figure(s) failed: {', '.join(n for n, _ in failures)}")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.figures", description=__doc__.split("\n")[0]
    )
    parser.add_argument("names", nargs="*", help="figure file names (default: all)")
    parser.add_argument("--list", action="store_true", help="list figures and whether stale")
    parser.add_argument("--stale", action="store_true", help="build only stale figures")
    parser.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write the figures into DIR (not docs/figures/; the hashes are left alone)",
    )
    args = parser.parse_args(argv)
    if args.out is not None and (args.stale or args.list):
        parser.error("--out builds figures afresh: it cannot be combined with --stale or --list")

    figures = discover()
    unknown = [n for n in args.names if n not in figures]
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)} (see --list)")
    if args.list:
        for name, fig in figures.items():
            state = "stale" if is_stale(fig) else "ok"
            print(f"{name:40s} {fig.module:28s} {state}")
        return 0
    names = args.names or list(figures)
    if args.stale:
        names = [n for n in names if is_stale(figures[n])]
    if not names:
        if args.stale:
            _refresh_numbers(args.quiet)
        if not args.quiet:
            print("figures: nothing to do")
        return 0
    start = time.perf_counter()
    timings = build(names, jobs=args.jobs, progress=not args.quiet, out_dir=args.out)
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:5]
    print(
        f"figures: built {len(timings)} in {time.perf_counter() - start:.1f} s; slowest: "
        + ", ".join(f"{n} {s:.1f} s" for n, s in slowest)
    )
    if args.out is None and (args.stale or not args.names):
        _refresh_numbers(args.quiet)
    return 0


def _refresh_numbers(quiet: bool) -> None:
    """After the figures (whose workers stored the experiments): the pages' stale numbers."""
    from scripts import results

    results.refresh(quiet=quiet)


if __name__ == "__main__":
    # Run the copy imported as ``scripts.figures``: the figure modules register into that
    # module's REGISTRY (``from scripts.figures import figure``), not into ``__main__``'s.
    from scripts.figures import main as _main

    raise SystemExit(_main())
