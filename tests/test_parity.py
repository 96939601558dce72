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

import io
import re
import tokenize
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LANGS = ("zh", "en")
NOTEBOOK_DIR = "notebooks"  # mkdocs.yml: mkdocs-jupyter renders notebooks/*.py

# Fences whose content is prose in a box: translated, so only their place is compared.
PROSE_FENCES = {"text", "markdown", "md", ""}
# Fences whose content is compared exactly (nothing in them is a comment).
EXACT_FENCES = {"py", "json", "latex", "tex"}

FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,}|~{3,})(?P<info>[^`]*)$")
HEADING = re.compile(r"^\s*(?P<hashes>#{1,6})(?:\s+|$)")
ADMONITION = re.compile(r"^(?P<indent>\s*)(?P<marker>!!!|\?\?\?\+?)\s*(?P<type>[\w-]+)")
TAB = re.compile(r"^(?P<indent>\s*)===\+?\s+\"")
ORDERED_ITEM = re.compile(r"^(?P<indent>\s*)\d+[.)]\s+\S")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
MARKER = re.compile(r"<!--\s*pytest-codeblocks:(?P<name>[\w-]+)\s*-->")
IMAGE_MD = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?(?P<path>[^)\s>]+)")
IMAGE_HTML = re.compile(r"<img\b[^>]*\bsrc=[\"'](?P<path>[^\"']+)[\"']")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
INLINE_MATH = re.compile(
    r"(?<![\\$])\$(?![\s$])((?:\\.|[^\\$])+?)(?<![\s\\])\$(?!\$)|\\\((.+?)\\\)"
)


@dataclass(frozen=True)
class Element:
    """One structural element of a page: what must match (kind, key) and where it is."""

    kind: str
    key: str
    line: int
    source: str

    def describe(self) -> str:
        text = self.source.strip()
        if len(text) > 70:
            text = text[:67] + "..."
        return f"line {self.line}: {self.kind} {text!r}"


@dataclass
class Page:
    """What parity compares: the ordered elements and the inline formulas of one page."""

    path: Path
    elements: list[Element] = field(default_factory=list)
    inline_math: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        counts = Counter(e.kind for e in self.elements)
        return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def _clean_lines(lines) -> str:
    """Lines without trailing blanks, without empty lines, joined."""
    return "\n".join(s.rstrip() for s in lines if s.strip())


def strip_python_comments(code: str) -> str:
    """Python code without its ``#`` comments (strings, docstrings included, are kept)."""
    lines = code.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):  # not complete Python: cut comments by hand
        return strip_hash_comments(code)
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    return _clean_lines(lines)


def strip_hash_comments(code: str) -> str:
    """Shell-style code without ``#`` comments (a ``#`` at the start or after white space)."""
    return _clean_lines(re.sub(r"(^|\s)#.*$", "", line) for line in code.splitlines())


def code_key(info: str, body: list[str], expected_output: bool) -> str:
    language = info.split()[0] if info.split() else ""
    code = "\n".join(body)
    if expected_output or language in EXACT_FENCES:
        content = _clean_lines(body)
    elif language in PROSE_FENCES:
        content = "(prose, may be translated)"
    elif language in {"python", "python3", "pycon", "ipython"}:
        content = strip_python_comments(code)
    else:
        content = strip_hash_comments(code)
    return f"```{info}" + (" (expected output)" if expected_output else "") + "\n" + content


def _normalize_tex(tex: str) -> str:
    return " ".join(tex.split())


def parse_markdown(text: str, page: Page, first_line: int = 1) -> None:
    """Append the elements and inline formulas of Markdown ``text`` to ``page``."""
    lines = text.splitlines()
    i = 0
    pending_output = False  # an expected-output marker was the last thing seen
    table: list[int] = []  # line indices of the table being read

    def close_table() -> None:
        if table:
            rows = [lines[k] for k in table if not TABLE_RULE.match(lines[k])]
            cols = max(len(r.strip().strip("|").split("|")) for r in rows) if rows else 0
            page.elements.append(
                Element("table", f"{len(rows)}x{cols}", first_line + table[0], lines[table[0]])
            )
            table.clear()

    while i < len(lines):
        line = lines[i]
        number = first_line + i
        if TABLE_ROW.match(line):
            table.append(i)
            i += 1
            continue
        close_table()

        fence = FENCE.match(line)
        if fence:
            ticks, info, indent = fence["ticks"], fence["info"].strip(), len(fence["indent"])
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(ticks):
                body.append(lines[i][indent:])
                i += 1
            key = code_key(info, body, pending_output)
            page.elements.append(Element("code", key, number, line))
            pending_output = False
            i += 1
            continue

        if "<!--" in line:
            # A comment may span lines; only the pytest-codeblocks markers in it count.
            chunk, j = line, i
            while "-->" not in chunk[chunk.index("<!--") :] and j + 1 < len(lines):
                j += 1
                chunk += "\n" + lines[j]
            for m in MARKER.finditer(chunk):
                page.elements.append(Element("marker", m["name"], number, m.group(0)))
                pending_output = m["name"] == "expected-output"
            rest = re.sub(r"<!--.*?(-->|$)", "", chunk, flags=re.S)
            if not rest.strip():
                i = j + 1
                continue
            line = rest

        stripped = line.strip()
        if stripped.startswith("$$"):
            block, j = [stripped], i
            if not (len(stripped) > 4 and stripped.endswith("$$")):  # not a one-line $$...$$
                while j + 1 < len(lines):
                    j += 1
                    block.append(lines[j].strip())
                    if block[-1].endswith("$$"):
                        break
            tex = " ".join(block)
            page.elements.append(
                Element("formula", _normalize_tex(tex.strip("$")), number, tex.strip())
            )
            i = j + 1
            continue

        if stripped:
            pending_output = False
        heading = HEADING.match(line)
        admonition = ADMONITION.match(line)
        if heading:
            level = len(heading["hashes"])
            page.elements.append(Element(f"h{level} heading", f"h{level}", number, line))
        elif admonition:
            key = f"{len(admonition['indent'])}:{admonition['marker']} {admonition['type']}"
            page.elements.append(Element("admonition", key, number, line))
        elif TAB.match(line):
            page.elements.append(Element("tab", f"{len(TAB.match(line)['indent'])}", number, line))
        elif ORDERED_ITEM.match(line):
            indent = len(ORDERED_ITEM.match(line)["indent"])
            page.elements.append(Element("numbered item", str(indent), number, line))

        for m in sorted(
            [*IMAGE_MD.finditer(line), *IMAGE_HTML.finditer(line)], key=lambda m: m.start()
        ):
            page.elements.append(Element("figure", m["path"], number, m["path"]))
        for m in INLINE_MATH.finditer(CODE_SPAN.sub("", line)):
            page.inline_math[_normalize_tex(m[1] or m[2])] += 1
        i += 1
    close_table()


def parse_notebook(path: Path, page: Page) -> None:
    """Cells of a jupytext notebook: markdown cells parsed as Markdown, code cells as code."""
    import jupytext

    text = path.read_text(encoding="utf-8")
    notebook = jupytext.reads(text, fmt="py:percent")
    # Line numbers: find each cell's source in the file (jupytext does not keep them).
    offset = 0
    for cell in notebook.cells:
        first = cell.source.splitlines()[0] if cell.source.strip() else ""
        probe = ("# " + first) if cell.cell_type == "markdown" else first
        found = text.find(probe, offset) if probe else -1
        line = text.count("\n", 0, found) + 1 if found >= 0 else 0
        if found >= 0:
            offset = found + len(probe)
        page.elements.append(Element(f"{cell.cell_type} cell", cell.cell_type, line, first))
        if cell.cell_type == "markdown":
            parse_markdown(cell.source, page, first_line=line)
        elif cell.cell_type == "code":
            key = "python\n" + strip_python_comments(cell.source)
            page.elements.append(Element("code", key, line, first))


def parse(path: Path) -> Page:
    page = Page(path)
    if path.suffix == ".py" and path.parent.name == NOTEBOOK_DIR:
        parse_notebook(path, page)
    else:
        parse_markdown(path.read_text(encoding="utf-8"), page)
    return page


def language_files(lang: str) -> set[Path]:
    root = DOCS / lang
    return {
        p.relative_to(root)
        for p in root.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in p.parts)
    }


def is_page(rel: Path) -> bool:
    return rel.suffix == ".md" or (rel.suffix == ".py" and rel.parent.name == NOTEBOOK_DIR)


def first_difference(zh: Page, en: Page) -> str | None:
    """A readable account of the first element where the two pages differ, or None."""
    a, b = zh.elements, en.elements
    for k in range(max(len(a), len(b))):
        x = a[k] if k < len(a) else None
        y = b[k] if k < len(b) else None
        if x is not None and y is not None and (x.kind, x.key) == (y.kind, y.key):
            continue
        where = f"after {a[k - 1].describe()} (zh)" if k else "at the start"
        lines = [f"the pages differ at element {k + 1}, {where}:"]
        for lang, e, p in (("zh", x, zh), ("en", y, en)):
            rel = p.path.relative_to(ROOT) if p.path.is_relative_to(ROOT) else p.path
            lines.append(f"  {lang} {rel}: " + (e.describe() if e else "nothing (the page ends)"))
        if x is not None and y is not None and x.kind == y.kind and x.kind in ("code", "formula"):
            lines.append("  zh content: " + repr(x.key[:300]))
            lines.append("  en content: " + repr(y.key[:300]))
        lines.append(f"  zh has {zh.summary()}")
        lines.append(f"  en has {en.summary()}")
        return "\n".join(lines)
    return None


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


# The parser itself: small pages with a known answer, so a parser that finds nothing (and so
# "passes" every page) fails here.

SAMPLE = """\
# Title

Text with $x$ and $\\eta$ and `$not math$`.

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
