"""MkDocs hook: search that finds whole Chinese words, shows clean results, and loads on first use.

What it does, and why:

1. **One index per language.** mkdocs-static-i18n builds one ``search/search_index.json`` with
   the pages of both languages, and an English reader searching "momentum" also got the Chinese
   chapter. After the whole site is built, the Chinese entries stay in the root index, the
   English ones go to ``en/search/search_index.json`` (locations relative to ``/en/``), and each
   English page's ``base`` in Material's ``__config`` becomes the English root: Material looks
   for the index at ``<base>/search/search_index.json`` and resolves result locations from it.

2. **Whole Chinese words.** Material indexes Chinese text split into words by jieba (zero-width
   spaces between the words). Two things made 动量 match as 动:
   - Material 9.8's search worker segments a Chinese query against the words of the index, but
     its loop never tries the whole query (``j < query.length``) nor a word that ends on the
     query's last character, so 动量 became 动 and 学习率 became 学习; both were then searched
     as prefixes (动手 ranked first). ``patch_worker`` replaces that function in the built
     worker with a forward longest match that includes the last character (and fails the build
     if a new Material version changes the code, so the patch cannot silently go stale).
   - jieba cuts some of the book's terms into pieces, one of them a single character (学习/率,
     动量/法, 超/参数). Short glossary terms (up to four characters) cut like that, and the
     words of ``search_words.txt``, are added to jieba's dictionary, so the index holds 学习率
     and a query for it finds it (prefix search still finds 学习率衰减 from 学习率).
   - What a reader may type that the book spells differently (批归一化 for 批量归一化) is listed
     as a synonym in ``search_words.txt`` and rewritten in the query before it reaches the
     worker (``search_lazy.js``).

3. **Chapters first.** Each index entry gets a ``boost`` that Material's worker passes to lunr:
   chapter pages 1, the notebooks and the back matter (home, glossary, notation, references,
   playground, API reference) 0.5, so a chapter's own term finds the chapter before the
   notebook that uses it.

4. **Clean result text.** Notebook pages had two entries at the same location, which made
   Material highlight one entry's title with the other's positions ("ark>动手…"); they are
   merged into one. Notebook prompts ("In [1]:"), copy-button labels ("Copied!"), the second
   copy of each code cell and the permalink sign "¶" are removed, and math is turned into
   readable text: the TeX without delimiters, Greek letters and common operators as Unicode
   (\\beta -> β, \\sqrt -> √), other commands and braces dropped. Readable text keeps sentences
   whole in the excerpts (dropping the math would leave holes such as "step size  times") and
   keeps symbols such as β searchable.

5. **The index loads on first use.** ``search_lazy.js`` is put inline into every page's
   ``<head>``, before Material's bundle. It holds back the request for ``search_index.json``
   and the start of the search worker until the reader turns to search (focus or click on the
   search box, or the "/", "s", "f" keys); the first query still works, because Material sends
   the box's current text once the worker is ready.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `mkdocs` command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

from scripts.hooks.numbering import NOT_CHAPTERS  # noqa: E402

LANG = "en"  # the non-default language, built into site/en/
CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)
HERE = Path(__file__).resolve().parent
WORDS_FILE = HERE / "search_words.txt"
LAZY_SCRIPT = HERE / "search_lazy.js"
GLOSSARY = Path("zh") / "glossary.md"  # under docs_dir

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
MAX_GLOSSARY_WORD = 4  # longer terms stay in pieces, so their parts remain searchable

# Boost of an index entry by page (location without "#..."); anything else is 1.
NOTEBOOK_BOOST = 0.5
# The pages that are not chapters (the home page, glossary, API...), as their addresses.
BACK_MATTER = {"" if n == "index.md" else n.removesuffix(".md") + "/" for n in NOT_CHAPTERS}
BACK_MATTER_BOOST = 0.5


# ---------------------------------------------------------------------------------------------
# Words and synonyms


def read_words(path: Path = WORDS_FILE) -> tuple[list[str], dict[str, str]]:
    """Words for jieba and synonyms (what a reader types -> what the book writes)."""
    words, synonyms = [], {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" in line:
            typed, book = (part.strip() for part in line.split("=", 1))
            if not typed or not book or typed in book:
                raise PluginError(f"{path.name}: bad synonym line {raw!r}")
            synonyms[typed] = book
        else:
            words.append(line)
    return words, synonyms


def glossary_words(docs_dir: Path) -> list[str]:
    """Short Chinese terms of the glossary that jieba would cut into pieces with a single
    character among them (学习/率, 动量/法): they become words of the index."""
    import jieba

    path = docs_dir / GLOSSARY
    if not path.is_file():
        return []
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or set(cells[0]) <= set("-: "):
            continue
        for term in HAN.findall(cells[0]):
            if 2 <= len(term) <= MAX_GLOSSARY_WORD:
                pieces = list(jieba.cut(term))
                if len(pieces) > 1 and min(len(p) for p in pieces) == 1:
                    words.append(term)
    return words


_words_loaded: set[str] = set()
_script: list[str] = []  # the lazy loader of this build, read once


def on_config(config, **kwargs):
    _script.clear()  # search_words.txt or search_lazy.js may have changed (mkdocs serve)
    try:
        import jieba
    except ImportError:  # Material then indexes Chinese without segmentation
        return config
    jieba.setLogLevel(60)  # no "Building prefix dict..." chatter on the build's output
    words, _ = read_words()
    for word in words + glossary_words(Path(config["docs_dir"])):
        if word not in _words_loaded:
            jieba.add_word(word)
            _words_loaded.add(word)
    return config


# ---------------------------------------------------------------------------------------------
# The lazy loader, put inline into every page's <head>


def lazy_script() -> str:
    """search_lazy.js with the synonyms filled in, without its comments and indentation."""
    _, synonyms = read_words()
    lines = LAZY_SCRIPT.read_text(encoding="utf-8").splitlines()
    code = "\n".join(line.strip() for line in lines if not line.strip().startswith("//"))
    return code.replace("__SEARCH_SYNONYMS__", json.dumps(synonyms, ensure_ascii=False))


def inject(output: str) -> str:
    if 'id="search_lazy"' in output or "</head>" not in output:
        return output
    if not _script:
        _script.append(lazy_script())
    tag = f'<script id="search_lazy">\n{_script[0]}\n</script>\n'
    return output.replace("</head>", tag + "</head>", 1)


def on_post_page(output: str, page, config, **kwargs) -> str:
    return inject(output)


@event_priority(100)  # before head.py keeps the 404 page's output to write it per language
def on_post_template(output: str, template_name: str, config, **kwargs) -> str:
    return inject(output) if template_name == "404.html" else output


# ---------------------------------------------------------------------------------------------
# Cleaning the index

PROMPT = re.compile(r"(?:In|Out)[\s\xa0]*\[[^\]\n]{0,6}\]:[\s\xa0]*")
COPY_LABEL = re.compile(r"(?:Copied!|Copy to clipboard|已复制)[\s\xa0]*")
PERMALINK = re.compile(r"[\s\u200b]*¶[\s\u200b]*")
# \(...\) and \[...\] as pymdownx.arithmatex writes them; $$...$$ and $...$ in notebooks.
MATH = re.compile(
    r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$|\$([^\s$<](?:[^$<\n]*?[^\s$<])?)\$", re.S
)
PRE = re.compile(r"<pre>(.*?)</pre>", re.S)

SYMBOLS = {
    **{
        name: chr(code)
        for name, code in {
            "alpha": 0x3B1, "beta": 0x3B2, "gamma": 0x3B3, "delta": 0x3B4, "epsilon": 0x3B5,
            "varepsilon": 0x3B5, "zeta": 0x3B6, "eta": 0x3B7, "theta": 0x3B8, "iota": 0x3B9,
            "kappa": 0x3BA, "lambda": 0x3BB, "mu": 0x3BC, "nu": 0x3BD, "xi": 0x3BE,
            "pi": 0x3C0, "rho": 0x3C1, "sigma": 0x3C3, "tau": 0x3C4, "phi": 0x3C6,
            "varphi": 0x3C6, "chi": 0x3C7, "psi": 0x3C8, "omega": 0x3C9, "Gamma": 0x393,
            "Delta": 0x394, "Theta": 0x398, "Lambda": 0x39B, "Sigma": 0x3A3, "Phi": 0x3A6,
            "Psi": 0x3A8, "Omega": 0x3A9,
        }.items()
    },  # fmt: skip
    "nabla": "∇", "partial": "∂", "sqrt": "√", "sum": "∑", "prod": "∏", "infty": "∞",
    "approx": "≈", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠",
    "pm": "±", "times": "×", "cdot": "·", "odot": "⊙", "in": "∈", "to": "→",
    "rightarrow": "→", "leftarrow": "←", "gets": "←", "dots": "…", "ldots": "…", "cdots": "…",
    "top": "ᵀ", "star": "*", "ell": "ℓ", "mid": "|", "lVert": "‖", "rVert": "‖", "|": "‖",
    "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋", "ln": "ln", "log": "log",
    "exp": "exp", "max": "max", "min": "min", "arg": "arg", "sin": "sin", "cos": "cos",
}  # fmt: skip
ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}
SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "\\"}


def tex_to_text(tex: str) -> str:
    """A formula as readable text: ``\\hat m_t = \\frac{m_t}{1 - \\beta_1^t}`` ->
    ``m_t = m_t/(1 - β_1^t)``. No backslash, dollar sign or brace is left."""
    s = tex
    s = re.sub(r"\\(?:begin|end)\{[a-z*]+\}|\\(?:left|right|[bB]ig+[lr]?)(?![A-Za-z])", " ", s)
    # Accents become combining marks: \hat m -> m̂, \bar{x} -> x̄
    s = re.sub(
        r"\\(hat|tilde|bar)\s*(?:\{(\w)\}|(\w))",
        lambda m: (m[2] or m[3]) + ACCENTS[m[1]],
        s,
    )
    for _ in range(4):  # nested fractions, innermost first
        s = re.sub(
            r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}",
            lambda m: f"{wrap(m[1])}/{wrap(m[2])}",
            s,
        )
        s = re.sub(r"\\sqrt\{([^{}]*)\}", lambda m: "√" + wrap(m[1]), s)
    # Commands whose argument is simply shown: \text{...}, \mathbf{x}, \hat{m}, ...
    s = re.sub(r"\\(?:text|math[a-z]+|operatorname|boldsymbol|hat|tilde|bar|vec|overline)\b", "", s)
    s = re.sub(
        r"\\([A-Za-z]+|.)",
        lambda m: " " if m[1] in SPACING else SYMBOLS.get(m[1], m[1] if not m[1].isalpha() else ""),
        s,
    )
    s = re.sub(r"([_^])\{([^{}]*)\}", lambda m: m[1] + (m[2] if m[2].isalnum() else f"({m[2]})"), s)
    s = s.replace("{", "").replace("}", "").replace("&", " ")
    return re.sub(r"\s+", " ", s).strip()


def wrap(s: str) -> str:
    s = s.strip()
    return s if re.fullmatch(r"[\w.\\\u0300-\u036f]+", s) else f"({s})"


def math_to_text(text: str) -> str:
    def replace(m: re.Match) -> str:
        tex = html.unescape(next(g for g in m.groups() if g is not None))
        return html.escape(tex_to_text(tex.replace("\u200b", "")), quote=False)

    return MATH.sub(replace, text)


def drop_code_copies(text: str) -> str:
    """Notebook cells come with a second, plain copy of their code after the ``<pre>``."""
    out, pos = [], 0
    for m in PRE.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos : m.end()])
        pos = m.end()
        code = html.unescape(m[1]).split()
        if not code:
            continue
        rest = list(re.finditer(r"\S+", text[pos:]))
        if len(rest) >= len(code) and [html.unescape(r[0]) for r in rest[: len(code)]] == code:
            pos += rest[len(code) - 1].end()
    out.append(text[pos:])
    return "".join(out)


def clean_text(text: str) -> str:
    text = drop_code_copies(text)
    text = PROMPT.sub("", text)
    text = COPY_LABEL.sub("", text)
    text = math_to_text(text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def clean_title(title: str) -> str:
    return math_to_text(PERMALINK.sub("", title)).strip()


def page_of(location: str) -> str:
    return location.split("#", 1)[0]


def boost_of(location: str, lang_prefix: str = "") -> float:
    page = page_of(location)[len(lang_prefix) :]
    if page.startswith("notebooks/"):
        return NOTEBOOK_BOOST
    if page in BACK_MATTER:
        return BACK_MATTER_BOOST
    return 1.0


def clean_docs(docs: list[dict]) -> list[dict]:
    """Clean the entries' texts, merge the entries of one heading, and set their boosts.

    A page's first entry (the article, at the page's address) holds what comes before the
    first heading. In a notebook the title heading comes after a cell, so it got an entry of
    its own, at the same address (which broke the highlighting) or at an anchor, with the same
    title: it is merged into the article, its text first, so that the result shows the
    notebook's introduction rather than its first code cell."""
    merged: dict[str, dict] = {}
    previous = None  # the entry before this one, when it is a page's article
    for doc in docs:
        doc = {**doc, "title": clean_title(doc["title"]), "text": clean_text(doc["text"])}
        location = doc["location"]
        if (
            previous is not None
            and page_of(location) == previous["location"]
            and (location == previous["location"] or doc["title"] == previous["title"])
        ):  # the article's own title heading
            previous["text"] = f"{doc['text']} {previous['text']}".strip()
        elif location in merged:  # another entry at the same address
            merged[location]["text"] = f"{merged[location]['text']} {doc['text']}".strip()
        else:
            merged[location] = doc
        previous = doc if "#" not in location and merged.get(location) is doc else None
    out = []
    for doc in merged.values():
        prefix = f"{LANG}/" if doc["location"].startswith(f"{LANG}/") else ""
        boost = boost_of(doc["location"], prefix)
        if boost != 1.0:
            doc["boost"] = boost
        else:
            doc.pop("boost", None)
        out.append(doc)
    return out


# ---------------------------------------------------------------------------------------------
# The search worker: Chinese query segmentation

# Material 9.8.1's segmenter (minified): tries slices query[i:j] with j < query.length only.
SEGMENT = re.compile(
    r"function (\w+)\((\w),(\w)\)\{let \w=new Set,\w=new Uint16Array\(\w\.length\);"
    r"for\(let \w=0;\w<\w\.length;\w\+\+\)for\(let \w=\w\+1;\w<\w\.length;\w\+\+\).*?"
    r'return \w\.has\(""\)\?new Set\(\[\w\]\):\w\}'
)
# Forward longest match against the index's words, the whole query and its last character
# included; a character that starts no word is kept alone (searched as a prefix: 归 -> 归一化).
SEGMENT_FIXED = (
    "function {name}(t,e){{const r=new Set;for(let i=0;i<t.length;){{let n=1;"
    "for(let o=t.length;o>i;o--)if(t.slice(i,o)in e){{n=o-i;break}}"
    "r.add(t.slice(i,i+n));i+=n}}return r}}"
)


def patch_worker(site: Path) -> None:
    workers = sorted((site / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
    if not workers:
        return
    for worker in workers:
        code = worker.read_text(encoding="utf-8")
        if "/*segment-fixed*/" in code:
            continue
        match = SEGMENT.search(code)
        if not match:
            raise PluginError(
                f"{worker.name}: Material's Chinese query segmenter was not found; "
                "scripts/hooks/search.py must be updated for this version of Material"
            )
        fixed = "/*segment-fixed*/" + SEGMENT_FIXED.format(name=match[1])
        worker.write_text(code[: match.start()] + fixed + code[match.end() :], encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# One index per language


def split_index(site: Path) -> None:
    index_path = site / "search" / "search_index.json"
    if not index_path.is_file():
        return
    index = json.loads(index_path.read_text(encoding="utf-8"))
    docs = clean_docs(index["docs"])
    if not (site / LANG).is_dir():
        index_path.write_text(json.dumps({**index, "docs": docs}, ensure_ascii=False), "utf-8")
        return
    prefix = f"{LANG}/"
    own = [d for d in docs if not d["location"].startswith(prefix)]
    other = [
        {**d, "location": d["location"][len(prefix) :]}
        for d in docs
        if d["location"].startswith(prefix)
    ]
    target = site / LANG / "search" / "search_index.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({**index, "docs": other}, ensure_ascii=False), encoding="utf-8")
    index_path.write_text(json.dumps({**index, "docs": own}, ensure_ascii=False), encoding="utf-8")

    root = site / LANG
    for page in root.rglob("*.html"):
        html_text = page.read_text(encoding="utf-8")
        match = CONFIG.search(html_text)
        if not match:
            continue
        config = json.loads(match[2])
        config["base"] = Path(os.path.relpath(root, page.parent)).as_posix()
        new = json.dumps(config, ensure_ascii=False)
        page.write_text(
            html_text[: match.start(2)] + new + html_text[match.end(2) :], encoding="utf-8"
        )


@event_priority(-100)  # after mkdocs-static-i18n has built every language and the index
def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    if site.name != LANG:  # the default language's build is the last to finish
        split_index(site)
        patch_worker(site)
