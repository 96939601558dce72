"""The book's experiments, computed once and stored: figures, pages, notebooks and tests read them.

An *experiment* is a function in a ``scripts/exp_<chapter>.py`` module that returns plain results
(numbers, arrays, a training ``History``, trained networks) and draws nothing. Decorated with
:func:`experiment`, its result is stored on disk under a content hash of

- the experiment's module (the whole file: helpers and constants count too),
- this file and every source file of the ``optimizers`` package,
- the numpy version, and
- the function's name and its arguments,

so that one cold build computes each experiment once, whichever process asks first, and every
later reader (a figure worker, the page numbers, the chapter tests, the next build) loads it.
A stale or missing result is recomputed, never silently reused: change a line of the module or
of the library and the hash changes. The results live in ``.cache/experiments/`` (or in
``$BOOK_CACHE/experiments/``); deleting that folder is always safe.

*Page numbers.* A number that a page states about an experiment (in prose, a table or an alt
text) is written on the page as ``{{ name }}`` or ``{{ name:.2f }}`` and filled in at build time
from the page's numbers (``scripts/hooks/numbers.py``). A function decorated with
``@numbers("lr-schedules")`` in the chapter's experiment module returns them as a dict of
name -> number (or short string). They are stored in ``.cache/numbers/<page>.json`` by
``python -m scripts.figures`` (the build hook runs it), under the same kind of content hash, so
the numbers a reader's build prints come from the very run that drew the figures beside them.

Every computation and every load is logged, one line each, to stderr and to
``.cache/experiments/log.txt`` (``python -m scripts.results --log`` summarises it), which shows
that a cold build plus the test suite computes each experiment once.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import inspect
import json
import os
import pickle
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
PACKAGE = ROOT / "optimizers"


def cache_root() -> Path:
    """``$BOOK_CACHE`` if set (a scratch folder for a diagnostic run), else ``.cache``."""
    return Path(os.environ.get("BOOK_CACHE") or ROOT / ".cache")


def experiments_dir() -> Path:
    return cache_root() / "experiments"


def numbers_dir() -> Path:
    return cache_root() / "numbers"


# A content hash is made of per-file digests. Each file's digest is kept for the life of the
# process while the file's size and modification time stay the same, so a long-lived process
# (``mkdocs serve`` runs the numbers hook in-process) sees an edit, and hashing the same
# files again costs a stat call per file.
_FILES: dict[Path, tuple[tuple[int, int], bytes, list[str]]] = {}

IMPORT = re.compile(
    r"^\s*(?:from\s+scripts\.(\w+)\s+import|from\s+scripts\s+import\s+([\w, ]+)"
    r"|import\s+scripts\.(\w+))",
    re.M,
)


def _file(path: Path) -> tuple[bytes, list[str]]:
    """(digest of the file's name and bytes, the ``scripts`` modules it imports)."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _FILES.get(path)
    if known is None or known[0] != stamp:
        data = path.read_bytes()
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        imports = []
        for m in IMPORT.finditer(data.decode("utf-8", errors="replace")):
            imports += [m[1] or m[3]] if (m[1] or m[3]) else [n.strip() for n in m[2].split(",")]
        digest = hashlib.sha256(name.encode() + b"\0" + data).digest()
        known = _FILES[path] = (stamp, digest, [n for n in imports if n])
    return known[1], known[2]


def hash_files(paths, *extra: str) -> str:
    """Content hash of ``paths`` (names and bytes, in sorted order) and the strings ``extra``."""
    h = hashlib.sha256()
    for p in sorted({Path(p).resolve() for p in paths}):
        h.update(_file(p)[0])
    for text in extra:
        h.update(b"\0" + text.encode())
    return h.hexdigest()


def library_hash() -> str:
    """Hash of the optimizers package, this file and the numpy version."""
    import numpy

    files = [*PACKAGE.rglob("*.py"), Path(__file__)]
    return hash_files(files, f"numpy {numpy.__version__}")


def script_closure(path: Path) -> list[Path]:
    """``path`` and every ``scripts/*.py`` module it imports, directly or not (sorted)."""
    seen: set[Path] = set()
    todo = [path.resolve()]
    while todo:
        p = todo.pop()
        if p in seen or not p.exists():
            continue
        seen.add(p)
        todo.extend(SCRIPTS / f"{n}.py" for n in _file(p)[1])
    return sorted(seen)


def module_hash(module: str) -> str:
    """Content hash of one experiment module, the script modules it imports, and the library."""
    path = ROOT / (module.replace(".", "/") + ".py")
    return hash_files(script_closure(path), library_hash())


def _log(event: str, name: str, seconds: float | None = None) -> None:
    line = f"{event} {name}" + (f" in {seconds:.1f} s" if seconds is not None else "")
    if event == "computed" and not os.environ.get("BOOK_QUIET"):
        print(f"experiment {line}", file=sys.stderr, flush=True)
    try:
        log = experiments_dir() / "log.txt"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid={os.getpid()} {line}\n")
    except OSError:
        pass


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _Lock:
    """An exclusive lock file, so two processes asking for one experiment compute it once."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(self.path, "a+")  # noqa: SIM115
        try:
            import fcntl

            fcntl.flock(self.file, fcntl.LOCK_EX)
        except ImportError:  # Windows: no lock; at worst both processes compute
            pass
        return self

    def __exit__(self, *exc):
        self.file.close()  # closing releases the lock


def _describe(function: Callable, args: tuple, kwargs: dict) -> str:
    """``module.function(arg, key=value)``: the readable name of one call, also hashed."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in sorted(kwargs.items())]
    short = function.__module__.removeprefix("scripts.")
    return f"{short}.{function.__qualname__}({', '.join(parts)})"


def experiment(function: Callable) -> Callable:
    """Store ``function``'s result on disk under a content hash; compute it at most once.

    The arguments must have a stable ``repr`` (numbers, strings, tuples): they are part of the
    key. Within one process a result is also kept in memory, and the same object is returned
    to every caller: treat it as read-only.
    """
    memory: dict[str, object] = {}
    signature = inspect.signature(function)

    @functools.wraps(function)
    def stored(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        name = _describe(function, bound.args, bound.kwargs)
        key = hashlib.sha256(f"{module_hash(function.__module__)}|{name}".encode()).hexdigest()
        if key in memory:
            return memory[key]
        path = experiments_dir() / f"{key[:32]}.pkl"
        with _Lock(path.with_suffix(".lock")):
            if path.exists():
                try:
                    result = pickle.loads(path.read_bytes())
                except Exception:  # a damaged file: compute again
                    result = None
                else:
                    _log("loaded", name)
                    memory[key] = result
                    return result
            start = time.perf_counter()
            result = function(*bound.args, **bound.kwargs)
            _write_atomic(path, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            _log("computed", name, time.perf_counter() - start)
        memory[key] = result
        return result

    return stored


# ------------------------------------------------------------------------- page numbers


@dataclass(frozen=True)
class Numbers:
    page: str  # the page's file name without .md, e.g. "lr-schedules"
    module: str  # e.g. "scripts.exp_lr_schedules"
    function: Callable

    @property
    def path(self) -> Path:
        return numbers_dir() / f"{self.page}.json"


NUMBERS: dict[str, Numbers] = {}


def numbers(page: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as the source of ``{{ name }}`` numbers on ``page``."""

    def register(function: Callable) -> Callable:
        if page in NUMBERS and NUMBERS[page].function.__qualname__ != function.__qualname__:
            raise ValueError(f"page {page!r} has two @numbers functions")
        NUMBERS[page] = Numbers(page, function.__module__, function)
        return function

    return register


def discover() -> dict[str, Numbers]:
    """Import every ``scripts/exp_*.py`` so that its @numbers functions register."""
    for script in sorted(SCRIPTS.glob("exp_*.py")):
        importlib.import_module(f"scripts.{script.stem}")
    return dict(sorted(NUMBERS.items()))


def _check_value(page: str, name: str, value):
    import numpy as np

    if isinstance(value, bool | np.bool_):
        raise TypeError(f"numbers of {page!r}: {name} is a bool; give a number or a string")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and not np.isfinite(value):
        raise ValueError(f"numbers of {page!r}: {name} is {value}")
    if not isinstance(value, int | float | str):
        raise TypeError(f"numbers of {page!r}: {name} is a {type(value).__name__}")
    return value


def is_stale(entry: Numbers) -> bool:
    try:
        stored = json.loads(entry.path.read_text(encoding="utf-8"))
        return stored["fingerprint"] != module_hash(entry.module)
    except (OSError, ValueError, KeyError):
        return True


def write_numbers(entry: Numbers) -> dict:
    """Compute one page's numbers (loading its experiments) and store them as JSON."""
    values = entry.function()
    if not isinstance(values, dict) or not values:
        raise TypeError(f"@numbers({entry.page!r}) must return a non-empty dict")
    clean = {k: _check_value(entry.page, k, v) for k, v in values.items()}
    payload = {"fingerprint": module_hash(entry.module), "module": entry.module, "values": clean}
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True)
    _write_atomic(entry.path, text.encode())
    return clean


def page_numbers(page: str) -> dict:
    """The stored numbers of ``page`` (computed first if stale); ``{}`` for a page without."""
    entries = discover()
    if page not in entries:
        return {}
    entry = entries[page]
    if is_stale(entry):
        return write_numbers(entry)
    return json.loads(entry.path.read_text(encoding="utf-8"))["values"]


def refresh(pages: list[str] | None = None, quiet: bool = False) -> list[str]:
    """Recompute the stored numbers of every stale page (or of ``pages``). Returns the pages."""
    entries = discover()
    todo = [p for p in (pages or entries) if pages or is_stale(entries[p])]
    for page in todo:
        start = time.perf_counter()
        write_numbers(entries[page])
        if not quiet:
            print(f"numbers: {page} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return todo


def log_summary(path: Path | None = None) -> str:
    """How often each experiment was computed and loaded, from the log."""
    path = path or experiments_dir() / "log.txt"
    computed, loaded = Counter(), Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4:
            continue
        event, rest = parts[2], parts[3]
        name = rest.rsplit(" in ", 1)[0] if event == "computed" else rest
        (computed if event == "computed" else loaded)[name] += 1
    names = sorted(set(computed) | set(loaded))
    rows = [f"{computed[n]:3d} computed {loaded[n]:4d} loaded  {n}" for n in names]
    twice = [n for n in names if computed[n] > 1]
    rows.append(
        f"{len(names)} experiments, {sum(computed.values())} computations, "
        f"{sum(loaded.values())} loads; computed more than once: {len(twice)}"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.results", description=__doc__[:60])
    parser.add_argument("--log", action="store_true", help="summarise the experiment log")
    parser.add_argument("--numbers", nargs="*", metavar="PAGE", help="print pages' numbers")
    args = parser.parse_args(argv)
    if args.log:
        print(log_summary())
        return 0
    entries = discover()
    for page in args.numbers or entries:
        print(f"# {page}")
        for k, v in page_numbers(page).items():
            print(f"{k} = {v!r}")
    return 0


if __name__ == "__main__":
    from scripts.results import main as _main

    raise SystemExit(_main())
