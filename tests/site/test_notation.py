"""One notation for the whole book (issue 11): the notation table and the chapters agree.

Read from the Markdown sources (no build needed):

- every chapter, in both languages, links the notation table in the same place (the paragraph
  right under its title), and so do the glossary and the home page;
- the notation page lists the same symbols in the same order in both languages;
- no chapter writes the learning rate or the momentum coefficient as alpha; the only alphas
  left are the sentences that say which sources write it so (``ALLOWED_ALPHA``, each of which
  must still be there);
- the update rules of chapters 2 to 8 use the table's symbols: eta for the learning rate, beta
  for momentum, m and v for Adam's moments, h for RMSProp's average;
- the other renamed symbols stay renamed: rho only where the table puts it, theta only for the
  averaged series, lambda for curvatures (weight decay is lambda_wd), and no page uses B for the
  inverse-Hessian approximation (Nocedal and Wright: B_k approximates the Hessian, H_k its
  inverse).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.hooks import numbering
from tests.support.markdown import DOCS

LANGS = ("en", "zh")
# the pages that are not chapters, as the numbering hook knows them (index, glossary, api, ...)
NOT_CHAPTERS = {Path(name).stem for name in numbering.NOT_CHAPTERS}
CHAPTERS = sorted(p.stem for p in (DOCS / "en").glob("*.md") if p.stem not in NOT_CHAPTERS)
# Chapters 2 to 8: the update rules and the schedules of the learning rate.
UPDATE_RULE_CHAPTERS = [
    "minibatch",
    "ewa",
    "momentum",
    "adaptive",
    "adam",
    "compare",
    "lr-schedules",
]

# The sentences that say which sources write the learning rate or the momentum coefficient as
# alpha. Each must be found exactly once on its page; nothing else may use alpha.
ALLOWED_ALPHA = {
    ("en", "momentum"): ["other texts write it $\\alpha$ or $\\mu$"],
    ("zh", "momentum"): ["另一些教材写作 $\\alpha$ 或 $\\mu$"],
    ("en", "adam"): ["writes the learning rate as $\\alpha$"],
    ("zh", "adam"): ["把学习率记作 $\\alpha$"],
    ("en", "lr-schedules"): [
        "write the learning rate as $\\alpha$ and its initial value as $\\alpha_0$"
    ],
    ("zh", "lr-schedules"): ["把学习率写作 $\\alpha$、初始学习率写作 $\\alpha_0$"],
}

# Where the notation table puts rho: AdaDelta, batch norm's running statistics, BFGS's rho_k,
# and the one sentence of chapter 4 that names CS231n's symbol for the momentum coefficient.
RHO_PAGES = {"adaptive", "batchnorm", "second-order", "momentum"}
THETA_PAGES = {"ewa", "ensembles"}  # theta_t: the series an average smooths

LINK = {"en": "[notation table](notation.md)", "zh": "[符号表](notation.md)"}
FENCE = re.compile(r"^[ \t]*(`{3,}).*?^[ \t]*\1[ \t]*$", re.S | re.M)
DISPLAY = re.compile(r"\$\$(.*?)\$\$", re.S)
INLINE = re.compile(r"(?<![$\\])\$(?!\$)([^$\n]+?)(?<!\\)\$")


FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n\n?", re.S)


def text(lang: str, slug: str) -> str:
    """The page's Markdown after its front matter (a description, say), if it has one."""
    return FRONT_MATTER.sub("", (DOCS / lang / f"{slug}.md").read_text(encoding="utf-8"))


def prose(lang: str, slug: str) -> str:
    """The page without its fenced code blocks (code keeps the package's names)."""
    return FENCE.sub("", text(lang, slug))


def formulas(lang: str, slug: str) -> list[str]:
    """Display and inline formulas of the page's prose, alt texts and captions included."""
    body = prose(lang, slug)
    display = DISPLAY.findall(body)
    return display + INLINE.findall(DISPLAY.sub("", body))


def table_rows(body: str) -> list[list[list[str]]]:
    """Every Markdown table of ``body`` as a list of rows of cells (header and rule dropped)."""
    tables, current = [], []
    for line in body.splitlines() + [""]:
        if line.startswith("|"):
            current.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current[2:])
            current = []
    return tables


# --- the table is linked from every chapter -------------------------------------------------


def test_there_are_fourteen_chapters():
    assert len(CHAPTERS) == 14, CHAPTERS


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", CHAPTERS)
def test_chapter_links_the_notation_table_under_its_title(lang, slug):
    lines = text(lang, slug).splitlines()
    assert lines[0].startswith("# ") and lines[1] == "", f"{lang}/{slug}.md: no title line"
    assert LINK[lang] in lines[2], (
        f"{lang}/{slug}.md: the paragraph under the title must link the notation table "
        f"({LINK[lang]}); found {lines[2]!r}"
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", ["index", "glossary"])
def test_home_page_and_glossary_link_the_notation_table(lang, slug):
    assert "(notation.md)" in text(lang, slug)


# --- the notation page: the same symbols in both languages ------------------------------------


def symbols(lang: str) -> list[str]:
    tables = table_rows(text(lang, "notation"))
    assert len(tables) >= 2, f"{lang}/notation.md: expected the symbol table and the sources table"
    return [row[0] for row in tables[0]]


def test_notation_page_lists_the_same_symbols_in_both_languages():
    en, zh = symbols("en"), symbols("zh")
    assert len(en) >= 30, f"only {len(en)} symbols: is the table parsed?"
    assert en == zh, f"symbols differ: en only {set(en) - set(zh)}, zh only {set(zh) - set(en)}"


def test_notation_page_gives_the_same_book_symbols_for_the_sources_table():
    def column(lang):
        return [INLINE.findall(row[1]) for row in table_rows(text(lang, "notation"))[1]]

    assert column("en") == column("zh")


@pytest.mark.parametrize("lang", LANGS)
def test_every_symbol_row_names_a_chapter_and_a_code_name(lang):
    for row in table_rows(text(lang, "notation"))[0]:
        assert len(row) == 4, f"{lang}/notation.md: row {row[0]} has {len(row)} cells"
        assert re.search(r"\]\([\w-]+\.md\)", row[2]), f"{lang}: {row[0]} links no chapter"
        assert row[3], f"{lang}: {row[0]} has no code name (write – for none)"


def row_for(meaning: str) -> str:
    """The symbol cell of the English row whose meaning starts with ``meaning``."""
    for row in table_rows(text("en", "notation"))[0]:
        if row[1].startswith(meaning):
            return row[0]
    raise AssertionError(f"notation.md has no row for {meaning!r}")


def test_the_table_defines_the_symbols_the_rules_use():
    assert row_for("the learning rate") == "$\\eta$"
    assert "momentum's coefficient" in next(
        row[1] for row in table_rows(text("en", "notation"))[0] if row[0] == "$\\beta$"
    )
    assert row_for("Adam's decay coefficients of $m$ and of $v$") == "$\\beta_1$, $\\beta_2$"
    assert row_for("momentum's velocity; from [ch. 6](adam.md) on, Adam's second moment") == "$v$"
    assert row_for("AdaGrad's sum and RMSProp's average") == "$h$"


# --- no alpha for the learning rate or the momentum coefficient -----------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", CHAPTERS)
def test_no_alpha_outside_the_sentences_about_the_sources(lang, slug):
    body = prose(lang, slug)
    for sentence in ALLOWED_ALPHA.get((lang, slug), []):
        assert body.count(sentence) == 1, (
            f"{lang}/{slug}.md: the allowed sentence {sentence!r} is gone or repeated; "
            "update ALLOWED_ALPHA"
        )
        body = body.replace(sentence, "")
    found = [line.strip() for line in body.splitlines() if "\\alpha" in line or "α" in line]
    assert not found, (
        f"{lang}/{slug}.md: alpha is neither the learning rate (eta) nor the momentum "
        f"coefficient (beta) in this book: {found[:3]}"
    )


# --- the update rules of chapters 2 to 8 use the table's symbols -----------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", UPDATE_RULE_CHAPTERS)
def test_parameter_updates_take_the_learning_rate_eta(lang, slug):
    """Every formula that moves the parameters by a learning rate scales it with eta."""
    for formula in DISPLAY.findall(prose(lang, slug)):
        for update in re.findall(r"W \\leftarrow [^,\\]*(?:\\[a-z]+[^,\\]*)*", formula):
            if "\\Delta W" in update or "+ v" in update:  # AdaDelta; momentum's W <- W + v
                continue
            assert "\\eta" in update, f"{lang}/{slug}.md: an update without eta: {update!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_momentum_keeps_its_velocity_v_and_its_coefficient_beta(lang):
    display = DISPLAY.findall(prose(lang, "momentum"))
    assert "v \\leftarrow \\beta v - \\eta \\frac{\\partial L}{\\partial W}" in display[0]
    assert all("\\rho" not in f for f in display), "form (c) now writes beta as well"


@pytest.mark.parametrize("lang", LANGS)
def test_rmsprop_and_adam_use_h_m_and_v(lang):
    rmsprop = [f for f in DISPLAY.findall(prose(lang, "adaptive")) if "(1 - \\beta)" in f]
    assert rmsprop and "h \\leftarrow \\beta\\, h + (1 - \\beta)" in rmsprop[0]
    adam = DISPLAY.findall(prose(lang, "adam"))[0]
    assert "m \\leftarrow \\beta_1 m" in adam and "v \\leftarrow \\beta_2 v" in adam


# --- the other symbols that used to mean two things ------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", CHAPTERS)
def test_rho_theta_and_lambda_keep_one_meaning(lang, slug):
    maths = formulas(lang, slug)
    if slug not in RHO_PAGES:
        assert not any("\\rho" in f for f in maths), f"{lang}/{slug}.md uses rho"
    if slug not in THETA_PAGES:
        assert not any(re.search(r"\\theta(?![a-z])", f) for f in maths), (
            f"{lang}/{slug}.md uses theta: the rotation angle is varphi"
        )
    weight_decay = re.compile(
        r"\\lambda(?!_)\s*W|\\frac\{\\lambda\}\{2\}\s*(?:\\\||\\lVert|\\sum|W)|\\eta\s*\\lambda(?!_)\s*W"
    )
    bad = [f for f in maths if weight_decay.search(f)]
    assert not bad, f"{lang}/{slug}.md: weight decay is lambda_wd, lambda is a curvature: {bad}"


INVERSE_AS_B = [
    # the secant condition of the inverse
    re.compile(r"B_\{?k\+1\}?\s*\\mathbf\{y\}_k\s*=\s*\\mathbf\{s\}_k"),
    re.compile(r"-\s*B_\{?k\}?\s*\\nabla"),  # step -B grad f
    re.compile(r"B_0\s*=\s*\\gamma"),  # L-BFGS's first inverse guess
    re.compile(r"B\s*(\\,)?\s*\\nabla f"),  # two-loop result B grad f
    re.compile(r"B_\{?k\+1\}?\s*=\s*\\left\(I - \\rho"),  # BFGS update of the inverse
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", CHAPTERS)
def test_no_page_uses_b_for_the_inverse_hessian(lang, slug):
    for f in formulas(lang, slug):
        for pattern in INVERSE_AS_B:
            assert not pattern.search(f), (
                f"{lang}/{slug}.md: {f!r} uses B for the inverse-Hessian approximation; "
                "Nocedal and Wright write H_k (B_k approximates the Hessian itself)"
            )
    words = {"en": r"approximation \$B\$? of the \*?inverse", "zh": r"逆的近似 \$B\$"}[lang]
    assert not re.search(words, prose(lang, slug))


@pytest.mark.parametrize("lang", LANGS)
def test_bfgs_updates_h_k(lang):
    maths = formulas(lang, "second-order")
    assert any("H_{k+1} = \\left(I - \\rho_k" in f for f in maths)
    assert any("H_{k+1} \\mathbf{y}_k = \\mathbf{s}_k" in f for f in maths)


# --- the tests above can fail --------------------------------------------------------------


def test_the_checks_catch_the_old_notation():
    assert INLINE.findall("with $\\alpha = 0.9$ and $x$") == ["\\alpha = 0.9", "x"]
    old = "B_{k+1} = \\left(I - \\rho_k \\mathbf{s}_k \\mathbf{y}_k^\\top\\right) B_k"
    assert any(p.search(old) for p in INVERSE_AS_B)
    assert any(p.search("\\mathbf{d} = -B_k \\nabla f") for p in INVERSE_AS_B)
    assert not any(p.search("B_{k+1} \\mathbf{s}_k = \\mathbf{y}_k") for p in INVERSE_AS_B)
    assert table_rows("| a | b |\n|---|---|\n| $x$ | 1 |\n\ntext\n") == [[["$x$", "1"]]]
    assert FENCE.sub("", "a\n```python\nalpha = 1\n```\nb\n") == "a\n\nb\n"
