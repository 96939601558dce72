"""The Chinese and English books are the same book: page for page, element for element.

Read from the Markdown sources (no build needed). For every page of ``docs/zh/`` there is one
of the same name in ``docs/en/`` and vice versa, and each pair has, in the same order:

- the section headings (count, order and level; the words differ),
- the display formulas (``$$ ... $$``; identical TeX after collapsing white space),
- the figures (image paths),
- the code blocks: same info string and the same code once ``#`` comments are removed
  (comments may be translated); an expected-output block and a ```` ```py ```` snippet include
  are compared exactly. A ```` ```text ```` / ```` ```markdown ```` block that is not expected
  output is prose in a box and may be translated: only its place is compared,
- the admonitions, folded (``???``) ones included, by type and nesting (titles differ),
- the content tabs, tables (rows x columns), numbered list items (exercises are numbered),
- the ``pytest-codeblocks`` markers.

Notebooks (jupytext ``.py`` files in ``notebooks/``) are compared cell by cell: the same
sequence of markdown and code cells, the code cells identical without comments, and the
elements above inside the markdown cells.

Inline formulas (``$...$``) are compared as sets: a formula that appears in one language only
fails; the same set used a different number of times only warns (a sentence may name
``$x$`` twice in one language and once in the other).

A failure names the page and the first difference, with line numbers in both files.
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import pytest

from tests.support.markdown import (
    DOCS,
    Page,
    first_difference,
    is_page,
    language_files,
    parse,
    parse_markdown,
)

PAIRED = sorted(p for p in language_files("zh") & language_files("en") if is_page(p))


def test_both_languages_have_the_same_files():
    zh, en = language_files("zh"), language_files("en")
    assert any(is_page(p) for p in zh), "docs/zh/ has no pages"
    only_zh = sorted(p.as_posix() for p in zh - en)
    only_en = sorted(p.as_posix() for p in en - zh)
    assert not only_zh and not only_en, (
        f"pages or files in one language only: docs/zh/ only: {only_zh}; docs/en/ only: {only_en}"
    )


@pytest.mark.parametrize("rel", PAIRED, ids=lambda p: p.as_posix())
def test_pages_have_the_same_structure(rel: Path):
    zh, en = parse(DOCS / "zh" / rel), parse(DOCS / "en" / rel)
    assert zh.elements, f"{rel}: found no headings, code or figures at all"
    difference = first_difference(zh, en)
    assert difference is None, f"{rel.as_posix()}: {difference}"


@pytest.mark.parametrize("rel", PAIRED, ids=lambda p: p.as_posix())
def test_pages_use_the_same_inline_formulas(rel: Path):
    zh, en = parse(DOCS / "zh" / rel), parse(DOCS / "en" / rel)
    only_zh = sorted(set(zh.inline_math) - set(en.inline_math))
    only_en = sorted(set(en.inline_math) - set(zh.inline_math))
    assert not only_zh and not only_en, (
        f"{rel.as_posix()}: inline formulas in one language only: zh only {only_zh}, "
        f"en only {only_en}"
    )
    if zh.inline_math != en.inline_math:
        counts = {
            tex: (zh.inline_math[tex], en.inline_math[tex])
            for tex in zh.inline_math
            if zh.inline_math[tex] != en.inline_math[tex]
        }
        warnings.warn(
            f"{rel.as_posix()}: the same inline formulas, used a different number of times "
            f"(zh, en): {counts}",
            stacklevel=1,
        )


@pytest.mark.parametrize("rel", PAIRED, ids=lambda p: p.as_posix())
def test_pages_state_the_same_experiment_numbers(rel: Path):
    """Every {{ number }} of a page appears as often in the other language."""
    zh, en = parse(DOCS / "zh" / rel), parse(DOCS / "en" / rel)
    assert zh.numbers == en.numbers, (
        f"{rel.as_posix()}: numbers in one language only or a different number of times: "
        f"zh only {dict(zh.numbers - en.numbers)}, en only {dict(en.numbers - zh.numbers)}"
    )


# The parser itself: small pages with a known answer, so a parser that finds nothing (and so
# "passes" every page) fails here.

SAMPLE = """\
# Title

Text with $x$ and $\\eta$ and `$not math$`, {{ acc:.1f }} and {{ acc }}.

## Section

$$
W \\leftarrow W - \\eta g
$$

![alt](../figures/a.svg){ loading=lazy }

```python
x = 1  # a comment
print("# not a comment")
```

<!--pytest-codeblocks:expected-output-->

```text
1
```

??? success "Answer"
    ### Inside

| a | b |
|---|---|
| 1 | 2 |

1. first
2. second
"""


def test_parser_finds_every_kind_of_element():
    page = Page(Path("sample.md"))
    parse_markdown(SAMPLE, page)
    kinds = [(e.kind, e.line) for e in page.elements]
    assert kinds == [
        ("h1 heading", 1),
        ("h2 heading", 5),
        ("formula", 7),
        ("figure", 11),
        ("code", 13),
        ("marker", 18),
        ("code", 20),
        ("admonition", 24),
        ("h3 heading", 25),
        ("table", 27),
        ("numbered item", 31),
        ("numbered item", 32),
    ]
    assert page.elements[2].key == "W \\leftarrow W - \\eta g"
    assert page.elements[3].key == "../figures/a.svg"
    assert page.elements[4].key == '```python\nx = 1\nprint("# not a comment")'
    assert page.elements[6].key == "```text (expected output)\n1"
    assert page.elements[9].key == "2x2"
    assert page.inline_math == Counter({"x": 1, "\\eta": 1})
    assert page.numbers == Counter({"acc": 2})


def test_translated_comments_match_but_changed_code_does_not():
    zh = Page(Path("zh.md"))
    en = Page(Path("en.md"))
    parse_markdown("```python\nx = 1  # 一个注释\n\n# 整行注释\ny = 2\n```\n", zh)
    parse_markdown("```python\nx = 1  # a comment\ny = 2\n```\n", en)
    assert first_difference(zh, en) is None
    other = Page(Path("en.md"))
    parse_markdown("```python\nx = 1  # a comment\ny = 3\n```\n", other)
    message = first_difference(zh, other)
    assert message is not None and "element 1" in message and "y = 3" in message


def test_a_missing_section_is_reported_with_its_place():
    zh, en = Page(Path("zh.md")), Page(Path("en.md"))
    parse_markdown("# 标题\n\n## 一\n\n## 二\n\n$$\na\n$$\n", zh)
    parse_markdown("# Title\n\n## One\n\n$$\na\n$$\n", en)
    message = first_difference(zh, en)
    assert message is not None
    assert "element 3" in message
    assert "line 5: h2 heading '## 二'" in message
    assert "line 5: formula '$$ a $$'" in message
