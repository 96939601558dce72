"""Execute the book's notebooks once per content hash: ``python -m scripts.notebooks [--stale]``.

The notebooks are stored as jupytext percent-format files (``docs/<lang>/notebooks/*.py``:
readable diffs, no outputs). A reader should nevertheless see what they print and draw, on the
page and in the downloadable ``.ipynb``. So each notebook is executed once per content hash of
its source, the ``optimizers`` package and the numpy version, and the executed notebook is
kept in ``.cache/notebooks/<lang>/notebooks/<name>.ipynb`` (``$BOOK_CACHE`` if set). The site
shows that file (``scripts/hooks/notebooks.py`` points mkdocs-jupyter at it and offers it for
download), and ``tests/site/test_notebooks.py`` checks it: a notebook that fails to run fails
the tests.

The build hook runs ``--stale`` (after the figures) before every build; a warm build executes
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
TIMEOUT = 600  # seconds per cell


def sources() -> list[Path]:
    return sorted(DOCS.glob("*/notebooks/*.py"))


def cache_dir() -> Path:
    from scripts.results import cache_root

    return cache_root() / "notebooks"


def fingerprint(src: Path) -> str:
    from scripts.results import hash_files, library_hash

    return hash_files([Path(__file__), src], library_hash())


def executed_path(src: Path) -> Path:
    """Where the executed notebook of ``docs/<lang>/notebooks/<name>.py`` is kept."""
    lang = src.parent.parent.name
    return cache_dir() / lang / "notebooks" / (src.stem + ".ipynb")


def is_stale(src: Path) -> bool:
    target = executed_path(src)
    try:
        stored = json.loads(target.read_text(encoding="utf-8"))
        return stored["metadata"]["book"]["fingerprint"] != fingerprint(src)
    except (OSError, ValueError, KeyError):
        return True


def execute(src: Path) -> tuple[Path, float]:
    """Run one notebook in a fresh kernel (cells fail loudly) and store it with its outputs."""
    import jupytext
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    start = time.perf_counter()
    notebook = jupytext.read(src)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    workdir = executed_path(src).parent
    workdir.mkdir(parents=True, exist_ok=True)
    # One BLAS thread in the kernel, as for the figures: the matrices are small, and two
    # notebooks run side by side.
    env_backup = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend, so plots are kept
    # IPC sockets in a private folder, not TCP on loopback: nothing listens on a port, and the
    # kernel has no "running over TCP without encryption" warning to print
    sockets = tempfile.mkdtemp(prefix="book-kernel-")
    try:
        manager = KernelManager(
            kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel")
        )
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(ROOT)}},
        )
        client.execute()  # raises CellExecutionError naming the cell on any error
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
        for k, v in env_backup.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    notebook.metadata["book"] = {"fingerprint": fingerprint(src), "source": src.name}
    target = executed_path(src)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.ipynb")
    try:
        jupytext.write(notebook, tmp, fmt="ipynb")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target, time.perf_counter() - start


def ensure(src: Path) -> Path:
    """The executed notebook of ``src``, executing it first if it is stale."""
    if is_stale(src):
        execute(src)
    return executed_path(src)


def run(stale_only: bool = True, jobs: int = 2, quiet: bool = False) -> int:
    todo = [s for s in sources() if not stale_only or is_stale(s)]
    if not todo:
        return 0
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for src, (_, seconds) in zip(todo, pool.map(execute, todo), strict=True):
            if not quiet:
                rel = src.relative_to(DOCS).as_posix()
                print(f"notebook {rel} executed in {seconds:.1f} s", file=sys.stderr)
    if not quiet:
        print(
            f"notebooks: executed {len(todo)} in {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
    return len(todo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.notebooks", description=__doc__[:70])
    parser.add_argument("--stale", action="store_true", help="only notebooks whose hash changed")
    parser.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    run(stale_only=args.stale, jobs=args.jobs, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
