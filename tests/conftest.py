"""Shared test set-up.

The tests come in three kinds, one folder each: ``unit/`` (the library, against formulas and
reference implementations), ``chapters/`` (what each chapter claims about its experiments, read
from the stored results of ``scripts/exp_*.py``) and ``site/`` (the pages, the build, the
figures, the notebooks, the browser). Shared helpers live in ``tests/support/``.

Page code blocks: pytest-codeblocks collects the blocks of both languages, but
``site/test_parity.py`` proves that each Chinese block is the English one with translated
comments (and the same expected output), so the Chinese copies are deselected; pass
``--both-languages`` to run them too.

Under CI (the environment variable CI is set) a skipped test is a failure: the reference
checks against torch and the browser checks must run there, not silently skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The whole site, built once per test session with `mkdocs build --strict`."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log[-5000:]}"
    warnings = [line for line in log.splitlines() if line.startswith("WARNING")]
    assert not warnings, "\n".join(warnings)
    return out


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--both-languages",
        action="store_true",
        help="also run the code blocks of docs/zh/ (identical to docs/en/ by the parity test)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--both-languages"):
        return
    zh = ROOT / "docs" / "zh"
    keep, drop = [], []
    for item in items:
        path = Path(str(item.path))
        (drop if path.suffix == ".md" and path.is_relative_to(zh) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        names = ", ".join(sorted({r.nodeid for r in skipped})[:10])
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped, which CI does not allow: {names}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
