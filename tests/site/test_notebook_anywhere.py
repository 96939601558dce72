"""A downloaded notebook runs outside the repository, with the library installed by its first cell.

The site is built with ``BOOK_SITE_URL`` pointing at a local ``http.server`` that serves that very
build, so the install cell's wheel URL (``<site_url>assets/wheels/...``) points at this server.
One notebook's ``.ipynb`` is downloaded from the server and executed with the kernel of a fresh
virtual environment (``python -m venv``, no system or project packages) that holds only what
Jupyter needs to run a kernel (nbclient, ipykernel): the book's library can only come from the
notebook's first code cell, which installs the site's wheel (numpy and matplotlib come from the
package index as its dependencies, so this test needs the index or pip's cache).

The other checks here need no virtual environment: the download links carry the ``download``
attribute, the install cell speaks the notebook's language, and where ``optimizers`` can be
imported (the repository's own run) the cell does not call pip.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scripts import notebooks
from scripts.hooks import wheel
from scripts.local_site import QuietHandler, serve

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "sgd-lab"
# the line of the notebook's first output that the fresh run must reproduce
EXPECTED = re.compile(r"lr = 0\.99: distance to the minimum after 30 steps = (\S+)")

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


REQUESTS: list[str] = []  # the paths the server was asked for


class RecordingHandler(QuietHandler):
    def log_request(self, code="-", size="-") -> None:
        REQUESTS.append(self.path)


@pytest.fixture(scope="module")
def served_site(tmp_path_factory) -> tuple[str, Path]:
    """The site built for http://127.0.0.1:<port>/ and served there (one server per module)."""
    out = tmp_path_factory.mktemp("anywhere-site")
    with serve(out, RecordingHandler) as base:  # the address first: the build links to it
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "BOOK_SITE_URL": base}
        command = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "--site-dir",
            str(out),
        ]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, (
            f"mkdocs build failed:\n{(result.stdout + result.stderr)[-5000:]}"
        )
        yield base, out


def download(base: str, lang: str) -> dict:
    prefix = "" if lang == "zh" else f"{lang}/"
    url = f"{base}{prefix}notebooks/{NOTEBOOK}/{NOTEBOOK}.ipynb"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def code_cells(notebook: dict) -> list[str]:
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in notebook["cells"]
        if c["cell_type"] == "code"
    ]


def printed(notebook: dict) -> str:
    return "".join(
        "".join(o.get("text", ""))
        for c in notebook["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if o["output_type"] == "stream"
    )


def test_the_site_serves_the_wheel(served_site):
    base, _ = served_site
    url = wheel.wheel_url(base)
    assert url == f"{base}assets/wheels/{wheel.wheel_name()}"
    assert wheel.wheel_name().startswith("optimization_for_deep_learning-")
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.read(4) == b"PK\x03\x04", "the wheel is not a zip file"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_install_cell_comes_first_in_the_notebooks_language(served_site, lang: str):
    base, site = served_site
    nb = download(base, lang)
    first = code_cells(nb)[0]
    assert f'%pip install -q "{wheel.wheel_url(base)}" matplotlib' in first
    comment = "".join(line for line in first.splitlines() if line.startswith("#"))
    has_cjk = bool(re.search(r"[\u4e00-\u9fff]", comment))
    assert has_cjk == (lang == "zh"), f"the {lang} install cell's comment: {comment!r}"
    # the notebook's own cells follow, with the outputs of the repository's run
    assert EXPECTED.search(printed(nb))
    # and the page links its download with the download attribute
    prefix = "" if lang == "zh" else f"{lang}/"
    html = (site / prefix / "notebooks" / NOTEBOOK / "index.html").read_text(encoding="utf-8")
    links = re.findall(r"<a [^>]*href=\"[^\"]*\.ipynb\"[^>]*>", html)
    assert links and all(re.search(r"\bdownload\b", link) for link in links), links


def test_install_cell_does_not_call_pip_where_the_library_is_installed(served_site):
    """The repository's own run: ``import optimizers`` works, so the cell installs nothing."""
    from IPython.core.inputtransformer2 import TransformerManager

    first = code_cells(download(served_site[0], "en"))[0]
    python = TransformerManager().transform_cell(first)
    calls = []

    class Shell:
        def run_line_magic(self, name, line):
            calls.append((name, line))

    exec(compile(python, "install-cell", "exec"), {"get_ipython": lambda: Shell()})
    assert not calls
    # where the import fails, the same code calls %pip with the wheel's URL
    exec(
        compile(python.replace("import optimizers", "import optimizers_not_here"), "c", "exec"),
        {"get_ipython": lambda: Shell()},
    )
    assert calls and calls[0][0] == "pip" and wheel.wheel_url(served_site[0]) in calls[0][1]


RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(nb, sys.argv[2])
"""


def test_downloaded_notebook_runs_in_a_fresh_venv(served_site, tmp_path: Path):
    base, _ = served_site
    start = time.perf_counter()
    work = tmp_path / "work"  # the kernel's folder: nothing of the repository is importable
    work.mkdir()
    source = work / f"{NOTEBOOK}.ipynb"
    source.write_text(json.dumps(download(base, "en")), encoding="utf-8")

    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND")
    }
    env.update(
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),  # no user kernelspec takes over
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        OPENBLAS_NUM_THREADS="1",
    )

    def run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        if check:
            assert result.returncode == 0, f"{command}:\n{(result.stdout + result.stderr)[-4000:]}"
        return result

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    run(python, "-m", "pip", "install", "-q", "nbclient", "ipykernel")
    setup = time.perf_counter() - start

    missing = run(python, "-c", "import optimizers", check=False)
    del REQUESTS[:]
    assert missing.returncode != 0 and "No module named 'optimizers'" in missing.stderr

    executed = work / "executed.ipynb"
    (work / "runner.py").write_text(RUNNER, encoding="utf-8")
    run(python, str(work / "runner.py"), str(source), str(executed), str(work))
    total = time.perf_counter() - start
    print(
        f"\nfresh venv set up in {setup:.1f} s; notebook installed and ran in {total - setup:.1f} s"
    )

    nb = json.loads(executed.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    fresh = EXPECTED.search(printed(nb))
    stored = EXPECTED.search(printed(json.loads(notebooks.ensure(repo_source()).read_text())))
    assert fresh, printed(nb)[-2000:]
    assert fresh[1] == stored[1], "the fresh run printed another number than the book's run"
    assert any("image/png" in o.get("data", {}) for o in outputs), "the plot was not drawn"

    # the library came from the site's wheel, into the fresh environment
    where = run(
        python,
        "-c",
        "import optimizers, importlib.metadata as m; "
        "print(optimizers.__file__); print(m.version('optimization-for-deep-learning'))",
    )
    path, version = where.stdout.split()
    assert Path(path).is_relative_to(venv), path
    assert version == wheel.project()[1]
    assert f"/assets/wheels/{wheel.wheel_name()}" in REQUESTS, REQUESTS


def repo_source() -> Path:
    return ROOT / "docs" / "en" / "notebooks" / f"{NOTEBOOK}.py"
