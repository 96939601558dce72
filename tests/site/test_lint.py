"""Code quality as part of ``make test``: ruff lint and ruff format over the Python code.

The rules and the line length are in ``pyproject.toml`` ([tool.ruff]); ``make format`` fixes
most of what these tests report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ["optimizers", "scripts", "tests"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    pytest.importorskip("ruff", reason="ruff (the test extra) is missing")
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_check():
    result = ruff("check", "--no-fix", "--output-format", "concise")
    assert result.returncode == 0, (
        f"ruff check found problems (`make format` fixes many):\n{result.stdout[-6000:]}"
        f"{result.stderr[-2000:]}"
    )


def test_ruff_format():
    result = ruff("format", "--check")
    assert result.returncode == 0, (
        f"files ruff would reformat (run `make format`):\n{result.stdout[-6000:]}"
        f"{result.stderr[-2000:]}"
    )
    assert "already formatted" in result.stdout, result.stdout


def test_test_files_have_unique_names():
    """pytest imports test files by their base name (no packages here): two test_x.py in
    different folders stop the whole collection with "import file mismatch"."""
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if path.name in seen:
            clashes.append(f"{seen[path.name].relative_to(ROOT)} and {path.relative_to(ROOT)}")
        seen[path.name] = path
    assert not clashes, clashes
