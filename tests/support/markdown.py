"""Reading the book's Markdown pages and notebooks: one parser for every test that needs one.

``parse(path)`` gives a page's structural elements in order (headings, display formulas, figures,
code blocks, admonitions, tabs, tables, numbered items, pytest-codeblocks markers and ``{{ }}``
numbers) and its inline formulas; ``tests/site/test_parity.py`` compares them between the two
languages, ``tests/site/test_docs.py`` checks the fences, ``tests/site/test_figures.py`` the images.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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
MARKER = re.compile(r"<!--\s*pytest(?:-codeblocks:|\.mark\.)(?P<name>[\w-]+)[^>]*?\s*-->")
# An experiment's number, filled in at build time (scripts/hooks/numbers.py).
NUMBER = re.compile(r"\{\{\s*(?P<name>[A-Za-z_]\w*)\s*(?::(?P<spec>[^{}]*?))?\s*\}\}")
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
    numbers: Counter = field(default_factory=Counter)  # {{ name }} placeholders in the prose

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
        for m in NUMBER.finditer(line):
            page.numbers[m["name"]] += 1
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


def fences(path: Path):
    """Yield (line number, info string, body lines) for every fenced block of a page."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, ticks, info = i + 1, m["ticks"], m["info"].strip()
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(ticks):
            body.append(lines[i][len(m["indent"]) :])
            i += 1
        yield start, info, body
        i += 1


def code_block(page: Path, marker: str) -> tuple[str, list[str]]:
    """The source of the first ``python`` block of ``page`` that contains ``marker``, and the
    lines of the ``text`` block right after it (its output, expected or shown; [] if none)."""
    blocks = list(fences(page))
    for k, (_, info, body) in enumerate(blocks):
        source = "\n".join(body)
        if info == "python" and marker in source:
            following = blocks[k + 1] if k + 1 < len(blocks) else (0, "", [])
            return source, following[2] if following[1] == "text" else []
    raise AssertionError(f"no python block of {page.name} contains {marker!r}")


def assert_block_runs(source: str, *settings: str) -> None:
    """A page's block whose output or numbers come from a stored experiment must still run it
    that way: each of the experiment's ``settings`` (as written in code) is in the block."""
    for setting in settings:
        assert setting in source, f"the page's block no longer contains {setting!r}"
