"""MkDocs hook: the home pages' download links to the book's PDF point at the published site.

The PDFs are printed from the built site afterwards (``make pdf``, ``scripts/pdf.py``), so they
are not there while MkDocs builds: a relative link to them would fail ``mkdocs build --strict``
and the link checker whenever they are not built. A home page writes the link as ``pdf:zh`` or
``pdf:en`` (``[…](pdf:zh)``), and this hook turns it into the PDF's address under ``site_url``
(which a fork or a Pages subpath sets with BOOK_SITE_URL): the file ``make pdf`` writes into the
published site. Without a site_url the link stays relative and strict mode says so.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `mkdocs` command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

from scripts.pdf import LANGS, pdf_name  # noqa: E402 (names only; printing runs apart)

LINK = re.compile(r"\]\(pdf:(" + "|".join(LANGS) + r")\)")


def on_page_markdown(markdown: str, page, config, files) -> str:
    base = config.site_url or ""
    return LINK.sub(lambda m: f"]({base}pdf/{pdf_name(m[1])})", markdown)
