"""Every notebook of the book (jupytext percent-format .py files) runs, and shows its results.

The notebooks are executed once per content hash by ``scripts/notebooks.py`` (the build hook
does it before a build, so in ``make test`` the session's site build has usually just done it);
these tests read the executed notebooks, executing a stale one first. A cell that raises fails
the execution, naming the cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import notebooks

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = notebooks.sources()


def test_notebooks_exist_in_both_languages():
    names = {lang: {p.name for p in NOTEBOOKS if p.parts[-3] == lang} for lang in ("zh", "en")}
    assert names["zh"], "no notebooks found"
    assert names["zh"] == names["en"], f"notebooks differ between languages: {names}"


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_runs_and_keeps_its_outputs(path: Path):
    executed = json.loads(notebooks.ensure(path).read_text(encoding="utf-8"))
    assert executed["metadata"]["book"]["fingerprint"] == notebooks.fingerprint(path)
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert any(o["output_type"] == "stream" for o in outputs), f"{path.name} printed nothing"
    # the plots are kept (as PNG): the site shows them and the download carries them
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} kept no plot"


def test_a_changed_notebook_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The store is keyed by content: editing a notebook's source makes it stale."""
    monkeypatch.setenv("BOOK_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "docs" / "en" / "notebooks" / "tiny.py"
    src.parent.mkdir(parents=True)
    src.write_text('# %%\nprint("hello")\n', encoding="utf-8")
    assert notebooks.is_stale(src)
    target = notebooks.ensure(src)
    assert not notebooks.is_stale(src)
    cells = json.loads(target.read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[0]["outputs"][0]["text"]) == "hello\n"
    src.write_text('# %%\nprint("changed")\n', encoding="utf-8")
    assert notebooks.is_stale(src)
