"""Every notebook of the book (jupytext percent-format .py files) runs without error."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "docs").glob("*/notebooks/*.py"))


def test_notebooks_exist_in_both_languages():
    names = {lang: {p.name for p in NOTEBOOKS if p.parts[-3] == lang} for lang in ("zh", "en")}
    assert names["zh"], "no notebooks found"
    assert names["zh"] == names["en"], f"notebooks differ between languages: {names}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_executes(path: Path, tmp_path: Path):
    notebook = jupytext.read(path)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError naming the cell on any error
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs, f"{path.name} produced no output"
