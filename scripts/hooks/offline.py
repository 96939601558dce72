"""MkDocs hook: remove what would make a page reach for the network or a missing file.

- mkdocs-jupyter writes an empty ``<script src="">`` (a request for the page itself).

(The ``<link rel="alternate" hreflang>`` tags of mkdocs-static-i18n, which made Material's
language selector fetch ``<page>/sitemap.xml``, are replaced by ``scripts/hooks/head.py``.)
Material's repository link would ask the GitHub API for stars and forks:
``overrides/partials/source.html`` renders the link without that.
"""

from __future__ import annotations

import re

EMPTY_SCRIPT = re.compile(r'<script src="">\s*</script>\s*')


def on_post_page(output: str, page, config) -> str:
    return EMPTY_SCRIPT.sub("", output)
