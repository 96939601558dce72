"""MkDocs hook: put a wheel of the book's library on the site, for the notebooks to install.

A downloaded notebook has to run in a fresh Jupyter or Colab, where the book's ``optimizers``
package is not installed (and ``pip install optimizers`` installs an unrelated project of that
name from the package index). So every build writes the library as a wheel,
``optimization_for_deep_learning-<version>-py3-none-any.whl``, to ``<site>/assets/wheels/``
(one copy for both languages), and each notebook's first code cell installs it from
``<site_url>assets/wheels/`` (``wheel_url``; the cell is written by ``scripts/hooks/notebooks.py``).

The wheel is built offline (``pip wheel --no-deps --no-build-isolation --no-index``, about 1 s)
from a copy of the sources, so that no ``build/`` or ``*.egg-info`` folder lands in the
repository, and kept in ``.cache/wheels/<hash>/`` under a hash of ``optimizers/*.py``,
``pyproject.toml`` and ``README.md`` (the wheel's description): a warm build only copies it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `mkdocs` command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

from scripts.results import cache_root, hash_files  # noqa: E402

FOLDER = "assets/wheels"  # on the site


def project() -> tuple[str, str]:
    """The distribution's name and version, from ``pyproject.toml``."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return meta["name"], meta["version"]


def wheel_name() -> str:
    """The wheel's file name (the distribution name normalized as in the wheel spec)."""
    name, version = project()
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-py3-none-any.whl"


def wheel_url(site_url: str | None) -> str:
    """Where the published site serves the wheel: an absolute URL, as ``pip`` needs."""
    base = site_url or "/"
    return urljoin(base if base.endswith("/") else base + "/", f"{FOLDER}/{wheel_name()}")


def _inputs() -> list[Path]:
    return [
        *sorted((ROOT / "optimizers").glob("*.py")),
        ROOT / "pyproject.toml",
        ROOT / "README.md",
    ]


def ensure_wheel() -> Path:
    """The wheel of the library as it is on disk, built first if the cache has none."""
    folder = cache_root() / "wheels" / hash_files(_inputs())[:16]
    target = folder / wheel_name()
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="book-wheel-") as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        shutil.copytree(
            ROOT / "optimizers", src / "optimizers", ignore=shutil.ignore_patterns("__pycache__")
        )
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, src / name)
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"]
        command += ["--no-deps", "--no-build-isolation", "--no-index", "-w", str(out), str(src)]
        result = subprocess.run(command, capture_output=True, text=True)
        built = out / wheel_name()
        if result.returncode or not built.is_file():
            raise SystemExit(f"building the wheel failed:\n{result.stdout}{result.stderr}")
        folder.mkdir(parents=True, exist_ok=True)
        tmp_target = folder / f".{os.getpid()}.tmp"
        shutil.copyfile(built, tmp_target)
        os.replace(tmp_target, target)  # atomic: builds running side by side each see a whole file
    return target


def on_post_build(config, **kwargs) -> None:
    """Copy the wheel to ``<site>/assets/wheels/`` (both language builds; the second skips)."""
    wheel = ensure_wheel()
    target = Path(config["site_dir"]) / FOLDER / wheel.name
    if target.is_file() and target.read_bytes() == wheel.read_bytes():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wheel, target)
