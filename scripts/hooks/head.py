"""MkDocs hook: what search engines and link previews read in ``<head>``, robots.txt, and a
404 page in each language.

Every page (both languages) gets, before ``</head>``:

- ``hreflang`` alternates zh, en and x-default (the Chinese page: Chinese is the default
  language), absolute URLs from ``site_url``. Material already writes the canonical link.
- its own ``<meta name="description">`` in its language, replacing Material's site-wide one:
  the front matter's ``description:`` if there is one, else the opening prose of the page
  (plain text: no markup; pointers such as "Symbols used here are listed in..." are skipped,
  and so are sentences holding a formula), cut at a sentence end, a Chinese punctuation mark
  or a word, about 150 characters (110 in Chinese).
- Open Graph and Twitter card tags; the image is the page's first raster figure (link
  previews do not show SVG, which is what the chapters' figures are) or the site's card.

The home pages' language selector links, which mkdocs-static-i18n gives as the language roots
(written from the site's path: ``/optimization-for-deep-learning/en/``), become relative like
every other page's, so a copy served from another path (a test server, a preview) works too.

Material's language selector fetches ``sitemap.xml`` next to the ``href`` of every
``<link rel="alternate">`` it finds when the page starts (it expects links to language roots,
``extra.alternate``); for a page's alternates that is ``<page>/sitemap.xml``, a 404 on the
published site and a request to the published host from a local copy. mkdocs-static-i18n's
alternates (relative, no x-default) are therefore removed, and the hreflang links written here
are kept away from that scan: a tiny inline script after them turns their ``rel`` into
``x-alternate`` until the page has started and restores it right after, so the HTML keeps
standard ``rel="alternate"`` links and the rendered page keeps them too. Material reads the
links only when the page starts (this site does not use instant navigation).

mkdocs-static-i18n builds the theme's 404 page once per language into the same ``404.html``
(the last language wins, with the language links of the last page built). Here the Chinese
one stays ``404.html`` and the English one becomes ``en/404.html``; the language links of each
go to the other's 404 page. A host serves the root ``404.html`` for any missing address, so
that page sends a reader whose address is under ``/en/`` to the English one. Links on a 404
page are root-relative (Material builds it with the site path as base), so they work at any
depth. ``overrides/404.html`` holds the pages' text.
"""

from __future__ import annotations

import copy
import html
import json
import posixpath
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from mkdocs.plugins import event_priority

OG_LOCALE = {"zh": "zh_CN", "en": "en_US"}
SITE_IMAGE = "assets/images/social-card.png"  # overrides/assets/images/social-card.png
MAX_CHARS = {"zh": 110, "en": 155}  # what a search result shows, about
MIN_WEIGHT = 60  # a paragraph shorter than this (CJK characters count twice) is a pointer

I18N_ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="[^"]*">\s*')
DESCRIPTION = re.compile(r'<meta name="description" content="[^"]*">\s*')
CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
CJK_STOP = "；，、："
STYLE_OR_SCRIPT = re.compile(r"<(style|script)\b.*?</\1>", re.S)
RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")

# Hide the hreflang links from Material's start-up scan (see the module docstring).
GUARD = (
    "<script>(function(){var l=document.querySelectorAll('link[rel=alternate][hreflang]');"
    "l.forEach(function(e){e.rel='x-alternate'});"
    "document.addEventListener('DOMContentLoaded',function(){setTimeout(function(){"
    "l.forEach(function(e){e.rel='alternate'})})})})();</script>"
)

_404: dict[str, str] = {}  # language -> the 404 page built for it


# ---------------------------------------------------------------------------------------------
# Languages (from mkdocs-static-i18n's configuration)


def languages(config) -> list[tuple[str, str, bool]]:
    """(locale, path of its home under the site, default?) for every built language."""
    plugin = config.plugins.get("i18n")
    if plugin is None:
        return [(config.theme["language"], "", True)]
    return [
        (lang.locale, lang.link.strip("/") + "/" if lang.link.strip("/") else "", lang.default)
        for lang in plugin.config.languages
        if lang.build
    ]


def default_language(config) -> str:
    return next(locale for locale, _, default in languages(config) if default)


def site_url(config) -> str:
    url = config.site_url or "/"
    return url if url.endswith("/") else url + "/"


def absolute(config, path: str) -> str:
    return urljoin(site_url(config), path)


# ---------------------------------------------------------------------------------------------
# Descriptions


MATH = "\x00"  # stands for a formula in the text, so that its sentence can be left out
SENTENCE = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z0-9])")


def plain_text(element) -> str:
    """The text of an element, spaces collapsed; a formula becomes MATH, footnote marks and
    permalinks go."""
    for junk in element.select(".headerlink, sup, script, style"):
        junk.decompose()
    for math in element.select(".arithmatex"):
        math.replace_with(MATH)
    text = re.sub(r"\$[^$]+\$", MATH, element.get_text())  # notebook Markdown keeps its TeX
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ([,.;:!?)])", r"\1", text)


def weight(text: str) -> int:
    return len(text) + len(CJK.findall(text))


def shorten(text: str, lang: str) -> str:
    """At most MAX_CHARS characters: cut at the end of a sentence in the second half, else at
    a Chinese punctuation mark or a space, with an ellipsis."""
    limit = MAX_CHARS.get(lang, 155)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    sentence_end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "), cut.rfind("。"))
    if sentence_end >= limit // 2:
        return cut[: sentence_end + 1]
    ellipsis = "……" if lang == "zh" else "…"
    stop = max(cut[:limit].rfind(p) for p in CJK_STOP)
    if stop >= limit // 2:  # Chinese: before the comma, colon... in the second half
        return cut[:stop] + ellipsis
    space = cut.rfind(" ")
    head = cut[:space] if space >= limit // 2 else cut[: limit - 1]
    return head.rstrip(" ,;:—-") + ellipsis


def first_paragraph(content: str, enough: int) -> str:
    """The opening prose of a page's HTML body, as plain text ('' if none).

    Paragraphs in boxes, lists, tables and figures, short pointers ("Symbols used here are
    listed in...") and download links are skipped; sentences holding a formula are left out
    (a description cannot show TeX, and a sentence without its formula reads wrong). Sentences
    are taken in order until there are ``enough`` characters.
    """
    content = STYLE_OR_SCRIPT.sub("", content)  # a notebook page starts with 600 kB of CSS
    taken: list[str] = []
    for size in (20_000, 300_000):  # parsing is slow: the opening is enough, mostly
        taken = sentences(content[:size], enough)
        if sum(map(len, taken)) >= enough or size >= len(content):
            break
    joined = ""
    for sentence in taken:
        cjk = CJK.match(sentence[:1]) or CJK.match(joined[-1:])
        joined += sentence if not joined or cjk else " " + sentence
    return joined


def sentences(content: str, enough: int) -> list[str]:
    """The formula-free sentences of the opening paragraphs of ``content`` (HTML)."""
    soup = BeautifulSoup(content, "html.parser")
    taken: list[str] = []
    for p in soup.find_all("p"):
        if _inside_skipped(p) or p.select_one("a[download]"):  # a download link: a pointer
            continue
        text = plain_text(p)
        if weight(text.replace(MATH, "")) < MIN_WEIGHT:
            continue
        taken += [s.strip() for s in SENTENCE.split(text) if s.strip() and MATH not in s]
        if sum(map(len, taken)) >= enough:
            break
    return taken


def _inside_skipped(p) -> bool:
    for parent in p.parents:
        if parent.name in ("figure", "table", "blockquote", "li", "details", "pre"):
            return True
        classes = parent.get("class") or []
        if {"admonition", "jp-CodeCell", "md-source-file"} & set(classes):
            return True
    return False


def description(page, lang: str, body: str) -> str:
    meta = page.meta.get("description") if page.meta else None
    if isinstance(meta, str) and meta.strip():
        return meta.strip()
    text = first_paragraph(body, MAX_CHARS.get(lang, 155))
    return shorten(text, lang) if text else ""


def first_raster_image(page, config, body: str) -> str | None:
    for src in re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', body):
        if src.startswith("data:") or not src.lower().endswith(RASTER):
            continue
        return urljoin(absolute(config, page.url), src)
    return None


# ---------------------------------------------------------------------------------------------
# Pages


def alternates(page, config) -> dict[str, str]:
    """hreflang -> absolute URL of this page in that language, x-default included."""
    out = {}
    files = getattr(page.file, "alternates", {}) or {}
    for locale, _home, _default in languages(config):
        file = files.get(locale)
        if file is None and locale == config.theme["language"]:
            file = page.file
        if file is not None:
            out[locale] = absolute(config, file.url)
    default = default_language(config)
    if default in out:
        out["x-default"] = out[default]
    return out


def head_tags(page, config, body: str) -> str:
    """The tags for this page; ``body`` is its article (the text the reader sees)."""
    lang = config.theme["language"]
    url = absolute(config, page.url)
    site_name = config.site_name
    is_home = page.url in {home for _, home, _ in languages(config)}  # of either language
    title = site_name if is_home else f"{page.title} - {site_name}"
    desc = description(page, lang, body) or config.site_description or ""
    image = first_raster_image(page, config, body) or absolute(config, SITE_IMAGE)
    e = html.escape
    tags = [f'<meta name="description" content="{e(desc)}">']
    for hreflang, href in alternates(page, config).items():
        tags.append(f'<link rel="alternate" hreflang="{hreflang}" href="{e(href)}">')
    tags.append(GUARD)
    og = {
        "og:type": "website" if is_home else "article",
        "og:site_name": site_name,
        "og:title": title,
        "og:description": desc,
        "og:url": url,
        "og:image": image,
        "og:locale": OG_LOCALE.get(lang, lang),
    }
    tags += [f'<meta property="{k}" content="{e(v)}">' for k, v in og.items()]
    for other, _home, _default in languages(config):
        if other != lang:
            locale = OG_LOCALE.get(other, other)
            tags.append(f'<meta property="og:locale:alternate" content="{locale}">')
    card = "summary_large_image" if image.endswith(SITE_IMAGE) else "summary"
    twitter = {
        "twitter:card": card,
        "twitter:title": title,
        "twitter:description": desc,
        "twitter:image": image,
    }
    tags += [f'<meta name="{k}" content="{e(v)}">' for k, v in twitter.items()]
    return "\n    ".join(tags) + "\n  "


def relative_switches(output: str, page, config) -> str:
    """The language selector links of a home page, relative like every other page's.

    mkdocs-static-i18n gives the home pages the languages' links (``/``, ``/en/``), which
    Material writes from the site's path (``/optimization-for-deep-learning/en/``): right on the
    published site, wrong wherever the site is served from another path (a local copy, a
    preview)."""
    site_path = urlsplit(site_url(config)).path
    here = page.url if page.url.endswith("/") else posixpath.dirname(page.url)

    def relative(m: re.Match) -> str:
        target = m[2][len(site_path) :]
        rel = posixpath.relpath(target or ".", here or ".")
        rel = "./" if rel == "." else rel + ("/" if target.endswith("/") or not target else "")
        return m[1] + rel + m[3]

    pattern = re.compile(
        rf'(<a href=")({re.escape(site_path)}[^"]*)(" hreflang="[\w-]+" class="md-select__link">)'
    )
    return pattern.sub(relative, output)


@event_priority(-50)  # after the other hooks have written the page
def on_post_page(output: str, page, config) -> str:
    output = relative_switches(output, page, config)
    output = I18N_ALTERNATE.sub("", output)
    output = DESCRIPTION.sub("", output, count=1)
    # The article as rendered (a notebook page's cells are not in page.content).
    start = output.find("<article")
    body = output[start : output.find("</article>", start)] if start >= 0 else page.content
    return output.replace("</head>", head_tags(page, config, body or "") + "</head>", 1)


# ---------------------------------------------------------------------------------------------
# The 404 pages and robots.txt


def not_found_path(home: str) -> str:
    return home + "404.html"


_saved_alternate: list = []


def _set_alternate(config, value) -> None:
    # mkdocs-static-i18n sets both the item and, per page, the attribute (an instance
    # attribute that shadows the item for templates): set both.
    config.extra["alternate"] = value
    if "alternate" in vars(config.extra):
        config.extra.alternate = value


def on_template_context(context, template_name: str, config):
    """The 404 page's language links go to the other languages' 404 pages."""
    if template_name != "404.html":
        return context
    links = {locale: not_found_path(home) for locale, home, _ in languages(config)}
    current = getattr(config.extra, "alternate", None) or config.extra.get("alternate") or []
    alternate = copy.deepcopy(current)
    for alt in alternate:
        if alt.get("lang") in links:
            alt["link"] = links[alt["lang"]]
    _saved_alternate[:] = [current]
    _set_alternate(config, alternate)
    return context


def on_post_template(output: str, template_name: str, config) -> str:
    """Finish the 404 page of this language; on_post_build writes it where it belongs."""
    if template_name != "404.html":
        return output
    if _saved_alternate:
        _set_alternate(config, _saved_alternate.pop())
    lang = config.theme["language"]
    base = urlsplit(site_url(config)).path
    homes = {locale: home for locale, home, _ in languages(config)}
    desc = config.site_description or ""
    extra = [
        '<meta name="robots" content="noindex">',
        f'<meta name="description" content="{html.escape(desc)}">',
    ]
    if lang == default_language(config):
        # A host serves this page for every missing address: send readers of the other
        # languages to their own 404 page.
        others = {base + home: base + not_found_path(home) for home in homes.values() if home}
        extra.append(
            "<script>(function(){var m=" + json.dumps(others) + ";"
            "for(var p in m){if(location.pathname.indexOf(p)===0){location.replace(m[p]);"
            "return}}})();</script>"
        )
    else:
        # Search looks for the index under the language's own root.
        def rebase(m: re.Match) -> str:
            data = json.loads(m[2])
            data["base"] = base + homes[lang]
            return m[1] + json.dumps(data, ensure_ascii=False) + m[3]

        output = CONFIG.sub(rebase, output, count=1)
    output = I18N_ALTERNATE.sub("", output)
    output = DESCRIPTION.sub("", output, count=1)
    output = output.replace("</head>", "\n    ".join(extra) + "\n  </head>", 1)
    _404[lang] = output
    return output


@event_priority(-200)  # after mkdocs-static-i18n's other-language builds and search.py
def on_post_build(config, **kwargs) -> None:
    site = Path(config.site_dir)
    homes = {locale: home for locale, home, _ in languages(config)}
    for lang, output in _404.items():
        target = site / not_found_path(homes.get(lang, ""))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(output, encoding="utf-8")
    (site / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\n\nSitemap: {absolute(config, 'sitemap.xml')}\n",
        encoding="utf-8",
    )
