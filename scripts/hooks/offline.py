"""MkDocs hook: remove what would make a page reach for the network or a missing file.

- ``<link rel="alternate" hreflang=...>`` tags written by mkdocs-static-i18n make Material's
  language selector fetch ``<page>/sitemap.xml``, which does not exist (a 404 on every page);
  the selector's own links already point at the same page in the other language.
- mkdocs-jupyter writes an empty ``<script src="">`` (a request for the page itself).
"""

from __future__ import annotations

import re

ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="[^"]*">\s*')
EMPTY_SCRIPT = re.compile(r'<script src="">\s*</script>\s*')


def on_post_page(output: str, page, config) -> str:
    return EMPTY_SCRIPT.sub("", ALTERNATE.sub("", output))
