"""MkDocs hook: give each language its own search index.

mkdocs-static-i18n builds one ``search/search_index.json`` with the pages of both languages,
and every page loads it, so an English reader searching "momentum" also got the Chinese
chapter. After the whole site is built, this hook keeps the Chinese entries in the root index,
writes the English ones to ``en/search/search_index.json`` (locations relative to ``/en/``),
and points each English page's search at it: Material looks for the index at
``<config.base>/search/search_index.json`` and resolves result locations against the same
``base``, so the English pages' ``base`` becomes the English root.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from mkdocs.plugins import event_priority

LANG = "en"  # the non-default language, built into site/en/
CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def split_index(site: Path) -> None:
    index_path = site / "search" / "search_index.json"
    if not index_path.is_file() or not (site / LANG).is_dir():
        return
    index = json.loads(index_path.read_text(encoding="utf-8"))
    prefix = f"{LANG}/"
    own = [d for d in index["docs"] if not d["location"].startswith(prefix)]
    other = [
        {**d, "location": d["location"][len(prefix) :]}
        for d in index["docs"]
        if d["location"].startswith(prefix)
    ]
    target = site / LANG / "search" / "search_index.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({**index, "docs": other}, ensure_ascii=False), encoding="utf-8")
    index_path.write_text(json.dumps({**index, "docs": own}, ensure_ascii=False), encoding="utf-8")

    root = site / LANG
    for page in root.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        match = CONFIG.search(html)
        if not match:
            continue
        config = json.loads(match[2])
        config["base"] = Path(os.path.relpath(root, page.parent)).as_posix()
        new = json.dumps(config, ensure_ascii=False)
        page.write_text(html[: match.start(2)] + new + html[match.end(2) :], encoding="utf-8")


@event_priority(-100)  # after mkdocs-static-i18n has built every language and the index
def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    if site.name != LANG:  # the default language's build is the last to finish
        split_index(site)
