"""MkDocs hook: number chapters, figures and display equations, and the references to them.

The text says "第 4 章" / "Chapter 4" everywhere, so the site shows the numbers too, all taken
from ONE source: the order of the chapters in ``mkdocs.yml``'s ``nav``. A chapter is a top-level
page of the nav that is not in ``NOT_CHAPTERS`` (the home page, the playground, the API
reference, the glossary, the notation and the references; the notebooks sit in a section).
Moving a chapter in the nav renumbers it, its figures, its equations and every numbered
reference to them; the prose's "[第 N 章](x.md)" links are checked by
``tests/site/test_numbering.py``, which names any that no longer match.

What the reader sees, in each language:

- the nav, the page title (``<title>``, header, footer links) and the search entry:
  "4 动量法与 Nesterov" / "4 Momentum and Nesterov";
- the chapter's heading: "第 4 章" / "Chapter 4" above the title (``.chapter-number``);
- every ``<figure>`` of a chapter: "图 4.2" / "Figure 4.2" before its caption, and an id,
  ``fig-<image file name without extension>`` (``fig-momentum-velocity``), to link to;
- every display formula (``$$ ... $$``) of a chapter: a number (4.3) at its right, a ``\\tag``
  that MathJax draws; an ``aligned`` block inside one display gets one number. Its id is the
  formula's label, or ``eq-4-3`` without one.

Authoring (the same in both languages, so the parity test sees identical TeX and figures):

- label a formula with ``\\label{eq-NAME}`` anywhere inside its ``$$ ... $$``; the hook removes
  the label from the TeX and gives the formula the id ``eq-NAME``. A figure needs no label: its
  id comes from its image file.
- refer to a figure or a formula with an ordinary Markdown link to its id, on the same page or
  another one. Empty link text gets the number with its word::

      [](#fig-momentum-velocity)        ->  图 4.2 / Figure 4.2
      [](#eq-momentum)                  ->  式 (4.1) / Equation (4.1)
      [](adam.md#eq-adam-update)        ->  式 (6.3) / Equation (6.3), linked to the Adam page

  Inside raw HTML, where Markdown is not read (a ``<figcaption>``), write the link as HTML:
  ``<a href="#fig-compare-four"></a>``. Link text with a ``#`` gets the number in place of the
  ``#``, for another wording::

      [左图 #](#fig-batchnorm-axes)      ->  左图 12.4
      [the update #](#eq-momentum)      ->  the update (4.1)

  A reference to an id that no chapter defines is a build warning (an error under --strict).

Why server-side: the numbers are in the HTML, so search, print, the PDF and a page read without
JavaScript show them; MathJax draws ``\\tag{4.3}`` as it is configured (no ``tags`` option).
Runs after mkdocs-static-i18n has translated the nav titles (``on_nav`` priority below its
-100); references are filled in ``on_page_context``, after every page of the language was
rendered (so a page can refer to a later one) and before the search plugin indexes the page.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re

from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.numbering")

# Top-level pages of the nav that are not chapters (names as in docs/<lang>/).
NOT_CHAPTERS = {
    "index.md",
    "playground.md",
    "api.md",
    "glossary.md",
    "notation.md",
    "references.md",
}

WORDS = {
    "zh": {"chapter": "第 {} 章", "fig": "图 {}", "eq": "式 {}"},
    "en": {"chapter": "Chapter {}", "fig": "Figure {}", "eq": "Equation {}"},
}

# Per language build (mkdocs-static-i18n runs one build per language, each with its own pages).
_chapter_of: dict[str, int] = {}  # page.file.src_uri -> chapter number
_targets: dict[str, dict[str, tuple[str, str]]] = {}  # page url -> id -> (kind, "4.2" | "(4.3)")

_H1 = re.compile(r"<h1\b[^>]*>")
_FIGURE = re.compile(r"<figure\b([^>]*)>(.*?)</figure>", re.S)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>")
_IMG_SRC = re.compile(r'<img\b[^>]*?\ssrc="(?:[^"]*/)?([^"/#?]+?)\.[A-Za-z0-9]+(?:[#?][^"]*)?"')
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)
_LABEL = re.compile(r"\\label\{([^}]*)\}")
_ID = re.compile(r'\sid="([^"]*)"')
_REF = re.compile(r'<a\b([^>]*?)\shref="([^"#]*)#((?:fig|eq)-[^"]+)"([^>]*)>(.*?)</a>', re.S)


def language(page: Page) -> str:
    url = page.url or ""
    return "en" if url.startswith("en/") else "zh"


def source_name(page: Page) -> str:
    """The page's file name inside its language folder: ``momentum.md``."""
    src = page.file.src_uri
    for lang in WORDS:
        if src.startswith(f"{lang}/"):
            return src[len(lang) + 1 :]
    return src


def chapters(nav) -> list[Page]:
    """The chapters, in the order of the nav: its top-level pages that are not NOT_CHAPTERS."""
    return [
        item
        for item in nav.items
        if isinstance(item, Page) and source_name(item) not in NOT_CHAPTERS
    ]


@event_priority(-150)  # after mkdocs-static-i18n (-100) has translated the titles
def on_nav(nav, config, files, **kwargs):
    _chapter_of.clear()
    _targets.clear()
    for number, page in enumerate(chapters(nav), start=1):
        _chapter_of[page.file.src_uri] = number
        page.title = f"{number} {page.title}"
    return nav


def _add_tag(tex: str, tag: str) -> str:
    """``tex`` with ``\\tag{tag}`` at its end, outside any environment, inside the display."""
    return f"{tex.rstrip()}\n\\tag{{{tag}}}\n"


def on_page_content(html_text: str, page: Page, config, files, **kwargs) -> str:
    number = _chapter_of.get(page.file.src_uri)
    if number is None:
        return html_text
    words = WORDS[language(page)]
    targets: dict[str, tuple[str, str]] = {}
    anchors = page.present_anchor_ids if page.present_anchor_ids is not None else set()

    def new_id(wanted: str, fallback: str) -> str:
        chosen = wanted if wanted not in targets and wanted not in anchors else fallback
        anchors.add(chosen)
        return chosen

    html_text = _H1.sub(
        lambda m: f'{m[0]}<span class="chapter-number">{words["chapter"].format(number)}</span> ',
        html_text,
        count=1,
    )

    figures = 0

    def figure(m: re.Match) -> str:
        nonlocal figures
        figures += 1
        label = f"{number}.{figures}"
        attrs, body = m[1], m[2]
        given = _ID.search(attrs)
        if given:
            fid = given[1]
        else:
            src = _IMG_SRC.search(body)
            fid = new_id(f"fig-{src[1]}" if src else "", f"fig-{number}-{figures}")
            attrs = f' id="{fid}"{attrs}'
        targets[fid] = ("fig", label)
        tag = f'<span class="figure-number">{words["fig"].format(label)}</span>'
        if _FIGCAPTION.search(body):
            body = _FIGCAPTION.sub(lambda c: f"{c[0]}{tag} ", body, count=1)
        else:
            body = f"{body}<figcaption>{tag}</figcaption>"
        return f"<figure{attrs}>{body}</figure>"

    html_text = _FIGURE.sub(figure, html_text)

    equations = 0

    def display(m: re.Match) -> str:
        nonlocal equations
        equations += 1
        label = f"{number}.{equations}"
        tex = m[1]
        names = _LABEL.findall(tex)
        if len(names) > 1:
            log.warning(f"{page.file.src_uri}: a formula has more than one \\label: {names}")
        if names and not names[0].startswith("eq-"):
            log.warning(
                f"{page.file.src_uri}: \\label{{{names[0]}}} should start with 'eq-' "
                f"(\\label{{eq-{names[0]}}}), the id it gets and links use"
            )
        tex = _LABEL.sub("", tex)
        if names and (names[0] in targets or names[0] in anchors):
            log.warning(f"{page.file.src_uri}: \\label{{{names[0]}}} is used twice")
        eid = new_id(names[0] if names else f"eq-{number}-{equations}", f"eq-{number}-{equations}")
        targets[eid] = ("eq", f"({label})")
        return f'<div class="arithmatex" id="{eid}">\\[{_add_tag(tex, label)}\\]</div>'

    html_text = _DISPLAY.sub(display, html_text)
    _targets[_url_key(page.url)] = targets
    return html_text


def _url_key(url: str) -> str:
    return posixpath.normpath("/" + (url or "")).rstrip("/") or "/"


@event_priority(60)  # before the search plugin (0) reads page.content
def on_page_context(context, page: Page, config, nav, **kwargs):
    if not page.content or "#fig-" not in page.content and "#eq-" not in page.content:
        return context
    words = WORDS[language(page)]

    def reference(m: re.Match) -> str:
        before, path, anchor, after, text = m[1], m[2], m[3], m[4], m[5]
        # Relative to the page's directory (use_directory_urls: its URL ends with "/").
        here = posixpath.dirname("/" + (page.url or ""))
        target = _url_key(posixpath.join(here, path) if path else page.url)
        found = _targets.get(target, {}).get(anchor)
        if found is None:
            log.warning(
                f"{page.file.src_uri}: a link to '{path}#{anchor}' names no numbered figure or "
                "formula (a figure's id is fig-<image name>, a formula's its \\label{eq-...})"
            )
            return m[0]
        kind, label = found
        stripped = text.strip()
        if not stripped:
            text = html.escape(words[kind].format(label), quote=False)
        elif "#" in stripped:
            text = text.replace("#", label)
        else:
            return m[0]
        css = "" if "class=" in before + after else ' class="numref"'
        return f'<a{before} href="{path}#{anchor}"{css}{after}>{text}</a>'

    page.content = _REF.sub(reference, page.content)
    return context
