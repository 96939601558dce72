"""MkDocs hook: join Chinese lines that the Markdown source breaks for readability.

A paragraph written over several source lines keeps its line breaks in the HTML; a browser
shows a break between two Latin words as a space, which is right, but between two Chinese
characters it also shows a space, which is wrong (“梯度 下降”). This hook removes a line
break (and the indentation after it) when the characters on both sides are CJK characters or
CJK punctuation, outside ``<pre>`` blocks, so the source can stay wrapped.
"""

from __future__ import annotations

import re

CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u201c\u201d\u2018\u2019"
BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")
PRE = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>|<script\b.*?</script>)", re.S)


def join_cjk_lines(html: str) -> str:
    parts = PRE.split(html)
    # Even indices are outside <pre>/<code>/<script>; odd ones are those blocks themselves.
    return "".join(part if i % 2 else BREAK.sub("", part) for i, part in enumerate(parts))


def on_page_content(html: str, page, config, files) -> str:
    return join_cjk_lines(html)
