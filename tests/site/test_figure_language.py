"""Every figure speaks its page's language (issue 12).

- A figure shown on a Chinese page carries no English word: the text of every SVG figure is read
  from its ``<text>`` elements (``svg.fonttype: none`` keeps text as text), and the words of a
  raster figure (PNG, GIF: its words are pixels) are the strings its script draws, caught while
  the figure is drawn in Chinese. Symbols, numbers, math, optimizer and method names are allowed
  (:data:`ALLOWED`, the one list of them).
- Chinese text never goes through mathtext (which has no Chinese glyphs and would draw boxes).
- Both variants of a figure come from the same script: ``docs/figures/en/NAME`` exists only for
  a registered figure whose function asked ``plotting.words`` for its strings.
- English pages show the English variant where one exists (the figures hook rewrites the URLs).

The SVG checks read ``docs/figures/`` as the last ``python -m scripts.figures`` (or the site
build's hook) left it; the raster figures are drawn here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"

# Latin words a Chinese figure may carry: optimizer and method names, initializations, layers,
# activation and math function names, the library's argument name ``lr``, units and markers.
ALLOWED = {
    *("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AdamW"),
    *("Nadam", "AMSGrad", "Newton", "L-BFGS", "BFGS", "Polyak", "EMA", "GOE", "GD"),
    *("BN", "ReLU", "tanh", "sigmoid", "He", "Xavier", "NaN"),
    *("exp", "ln", "log", "sqrt", "lr", "std", "Rosenbrock"),
}
WORD = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]")  # two letters or more (one is a symbol)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
SVG_NS = "{http://www.w3.org/2000/svg}"


def english_words(text: str) -> list[str]:
    """The words of ``text`` outside math (``$...$``) that are not in :data:`ALLOWED`."""
    text = re.sub(r"\$[^$]*\$", " ", text)
    return [w for w in WORD.findall(text) if w not in ALLOWED and w.rstrip("-") not in ALLOWED]


def test_english_words_rule():
    assert english_words("学习率") == []
    assert english_words("Adam, lr = 0.3") == []
    assert english_words(r"$\hat m_t / \sqrt{v_t}$ (m corrected)") == ["corrected"]
    assert english_words("L-BFGS 与 Newton") == []
    assert english_words("learning rate") == ["learning", "rate"]


def svg_texts(path: Path) -> list[str]:
    """The strings of an SVG figure: plain ``<text>``, and the source of each mathtext."""
    source = path.read_text(encoding="utf-8")
    maths = re.findall(r"<!--\s*(.*?)\s*-->", source, flags=re.S)
    texts = []
    for element in ET.fromstring(source).iter(f"{SVG_NS}text"):
        if element.find(f"{SVG_NS}tspan") is None:  # mathtext: one tspan per glyph
            texts.append("".join(element.itertext()))
    return texts + maths


def registered() -> dict:
    from scripts import figures

    return figures.discover()


def shown_on_pages(language: str) -> set[str]:
    """Figure names shown by the pages of one language (``docs/<language>/``)."""
    from tests.support.markdown import IMAGE_HTML, IMAGE_MD

    names = set()
    for page in sorted((DOCS / language).rglob("*")):
        if page.suffix not in (".md", ".py"):
            continue
        for line in page.read_text(encoding="utf-8").splitlines():
            for m in (*IMAGE_MD.finditer(line), *IMAGE_HTML.finditer(line)):
                if "figures/" in m["path"]:
                    names.add(m["path"].split("figures/")[-1].split("#")[0].split("?")[0])
    return names


def test_svg_figures_on_chinese_pages_have_no_english_words():
    shown = sorted(n for n in shown_on_pages("zh") if n.endswith(".svg"))
    assert shown, "no SVG figure on a Chinese page"
    missing = [n for n in shown if not (FIGURES / n).is_file()]
    if missing:
        pytest.skip(f"figures not built (python -m scripts.figures --stale): {missing[:3]}")
    problems = []
    for name in shown:
        source = (FIGURES / name).read_text(encoding="utf-8")
        assert "<text" in source or "<!--" in source or name, name
        for text in svg_texts(FIGURES / name):
            bad = english_words(text)
            if bad:
                problems.append(f"{name}: {text!r} has English {bad}")
    assert not problems, "English words in Chinese figures:\n" + "\n".join(problems)


def test_chinese_svg_text_is_text_and_never_mathtext():
    """Kept as text (the reader's fonts draw it); no Chinese character in a mathtext string."""
    problems = []
    for path in sorted(FIGURES.glob("*.svg")):
        source = path.read_text(encoding="utf-8")
        if 'id="glyph' in source or '<defs>\n  <path id="DejaVu' in source:
            problems.append(f"{path.name}: text drawn as glyph paths (svg.fonttype is not none)")
        for math in re.findall(r"<!--\s*(.*?)\s*-->", source, flags=re.S):
            if CJK.search(math):
                problems.append(f"{path.name}: Chinese inside mathtext {math!r} (drawn as boxes)")
        for family in re.findall(r"font-family: ([^;\"]+)", source):
            if not family.rstrip().endswith("sans-serif"):
                problems.append(f"{path.name}: font list {family!r} has no generic fallback")
                break
    assert not problems, "\n".join(problems)


def raster_words(name: str, lang: str) -> list[str]:
    """The strings a raster figure draws in ``lang``, caught from matplotlib while it draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from scripts import figures, plotting

    fig = registered()[name]
    seen: list[str] = []
    draw = Text.draw

    def recording(self, renderer):
        if self.get_visible() and self.get_text():
            seen.append(self.get_text())
        return draw(self, renderer)

    Text.draw = recording
    try:
        import tempfile

        with (
            plt.rc_context(figures.STYLE),
            figures._quiet_about_chinese_glyphs(),
            tempfile.TemporaryDirectory() as tmp,
        ):
            plotting.set_language(lang)
            figures._draw(fig, Path(tmp) / name)
    finally:
        Text.draw = draw
        plotting.set_language("zh")
    return seen


RASTERS = sorted(n for n in registered() if not n.endswith(".svg"))


@pytest.mark.parametrize("name", RASTERS)
def test_raster_figures_draw_no_english_words_in_chinese(name: str):
    drawn = raster_words(name, "zh")
    bad = sorted({w for text in drawn for w in english_words(text)})
    assert not bad, f"{name} draws English words in its Chinese variant: {bad}"
    # A raster's words are pixels drawn with matplotlib's own fonts, and the machine that draws
    # the figures need not have a Chinese one (DejaVu Sans draws boxes): no Chinese either.
    chinese = [t for t in drawn if CJK.search(t)]
    assert not chinese, f"{name} draws Chinese into pixels: {chinese}"


def test_english_variants_come_from_registered_scripts_with_words():
    """``docs/figures/en/NAME`` only for registered figures whose script declares words."""
    figures = registered()
    english = (
        sorted(p.name for p in (FIGURES / "en").glob("*")) if (FIGURES / "en").is_dir() else []
    )
    stray = [n for n in english if n not in figures]
    assert not stray, f"English variants no registered figure makes: {stray}"
    for name in english:
        script = figures[name].script.read_text(encoding="utf-8")
        assert "words(" in script, f"{name}: an English variant, but its script has no words()"
    from scripts.figures import languages

    for name, fig in figures.items():
        drawn = languages(fig)
        if drawn == ["zh", "en"]:
            assert fig.en_path.is_file(), f"{name}: drawn in English, but {fig.en_path} is missing"
        elif drawn == ["zh"]:
            assert not fig.en_path.exists(), f"{name}: has no words but an English variant"


def test_words_picks_the_language():
    from scripts import plotting

    try:
        plotting.set_language("en")
        assert not plotting.asked_for_words()
        assert plotting.words("learning rate", "学习率") == "learning rate"
        assert plotting.asked_for_words()
        plotting.set_language("zh")
        assert plotting.words("learning rate", "学习率") == "学习率"
        with pytest.raises(ValueError):
            plotting.set_language("fr")
    finally:
        plotting.set_language("zh")


@pytest.mark.slow
def test_english_pages_show_english_variants(site: Path):
    """In the built site: an English page names figures/en/NAME wherever that variant exists."""
    english = {p.name for p in (FIGURES / "en").glob("*")} if (FIGURES / "en").is_dir() else set()
    assert english, "no English figure variants: build the figures"
    problems, seen_en = [], 0
    for page in sorted((site / "en").rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        for prefix, name in re.findall(r'src="([^"]*?figures/(?:en/)?)([^"/#?]+)"', html):
            if prefix.endswith("en/"):
                seen_en += 1
                if not (site / "figures" / "en" / name).is_file():
                    problems.append(f"{page.relative_to(site)}: figures/en/{name} not in the site")
            elif name in english:
                problems.append(f"{page.relative_to(site)}: shows the Chinese {name}")
    for page in sorted(site.rglob("index.html")):
        if (site / "en") in page.parents:
            continue
        if re.search(r'src="[^"]*figures/en/', page.read_text(encoding="utf-8")):
            problems.append(f"{page.relative_to(site)}: a Chinese page shows an English figure")
    assert seen_en, "no English page shows an English variant"
    assert not problems, "\n".join(problems)
