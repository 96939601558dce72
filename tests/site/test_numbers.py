"""The experiments layer and the pages' numbers (``scripts/results.py``, ``hooks/numbers.py``).

- an experiment is computed once and then loaded, under a key that changes with its arguments;
- every ``{{ name }}`` of every page, in both languages, is filled from that page's stored
  numbers, and every ``@numbers`` function belongs to a page that uses it;
- the hook formats with the placeholder's spec, and refuses an unknown name or a stale store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from scripts import results
from scripts.hooks import numbers as hook
from tests.support.markdown import DOCS

PAGES = sorted(p.stem for p in (DOCS / "en").glob("*.md"))


def placeholders(page: str) -> dict[str, set[str]]:
    return {
        lang: {
            m["name"] for m in hook.PLACEHOLDER.finditer((DOCS / lang / f"{page}.md").read_text())
        }
        for lang in ("en", "zh")
    }


def test_an_experiment_is_computed_once_then_loaded(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("BOOK_CACHE", str(tmp_path))
    calls = []

    def run(lr: float, steps: int = 3) -> dict:
        calls.append((lr, steps))
        return {"lr": lr, "steps": steps}

    first = results.experiment(run)
    assert first(0.1) == {"lr": 0.1, "steps": 3} and first(0.1, steps=3) == first(0.1)
    assert calls == [(0.1, 3)]  # the default argument is part of the same key
    again = results.experiment(run)  # as in another process: nothing in memory
    assert again(0.1) == {"lr": 0.1, "steps": 3} and calls == [(0.1, 3)]
    assert again(0.2)["lr"] == 0.2 and calls == [(0.1, 3), (0.2, 3)]
    log = (tmp_path / "experiments" / "log.txt").read_text()
    assert log.count(" computed ") == 2 and log.count(" loaded ") == 1
    assert "computations" in results.log_summary(tmp_path / "experiments" / "log.txt")


def test_an_edited_file_changes_the_hash_in_the_same_process(tmp_path: Path):
    """``mkdocs serve`` checks the stored numbers in one long-lived process: an edit must show."""
    module = tmp_path / "module.py"
    module.write_text("a = 1\n")
    first = results.hash_files([module], "extra")
    assert results.hash_files([module], "extra") == first
    assert results.hash_files([module], "other") != first
    module.write_text("a = 22\n")
    assert results.hash_files([module], "extra") != first


def test_render_formats_and_rejects_unknown_names():
    values = {"acc": 0.97543, "n": 1940, "best": "0.2"}
    text = "{{ acc:.1% }}, {{acc}}, {{ n:, }} and {{ best }}"
    assert hook.render(text, values, "p") == "97.5%, 0.97543, 1,940 and 0.2"
    with pytest.raises(PluginError, match="no number 'missing'"):
        hook.render("{{ missing }}", values, "p")
    assert hook.render("$\\frac{a}{b}$ and {not a placeholder}", values, "p").startswith("$")


def test_a_stale_store_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("BOOK_CACHE", str(tmp_path))
    store = tmp_path / "numbers" / "lr-schedules.json"
    store.parent.mkdir(parents=True)
    payload = {"fingerprint": "old", "module": "scripts.exp_lr_schedules", "values": {"x": 1}}
    store.write_text(json.dumps(payload))
    with pytest.raises(PluginError, match="stale"):
        hook.load("lr-schedules")
    with pytest.raises(PluginError, match="does not exist"):
        hook.load("sgd")


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if any(placeholders(p).values())])
def test_every_number_on_a_page_is_stored(page: str):
    values = results.page_numbers(page)  # loaded (the build stored them), computed if stale
    for lang, names in placeholders(page).items():
        assert names <= set(values), f"{lang}/{page}.md: no stored {sorted(names - set(values))}"
        text = (DOCS / lang / f"{page}.md").read_text(encoding="utf-8")
        assert "{{" not in hook.render(text, values, page)


def test_every_numbers_function_belongs_to_a_page_that_uses_it():
    registered = set(results.discover())
    used = {p for p in PAGES if any(placeholders(p).values())}
    assert registered == used, (
        f"@numbers without placeholders: {sorted(registered - used)}; "
        f"placeholders without @numbers: {sorted(used - registered)}"
    )
