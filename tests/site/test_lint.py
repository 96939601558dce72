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
