"""Claims in the chapters' prose that are checked by an exact computation or by reading the pages.

Fast: no experiment is run. Each test names the page and the review finding (issue 11) it guards.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from tests.support.markdown import DOCS

LANGS = ("en", "zh")


def page(lang: str, slug: str) -> str:
    return (DOCS / lang / f"{slug}.md").read_text(encoding="utf-8")


def prose(lang: str, slug: str) -> str:
    """The page without its fenced code blocks (code and expected output are not prose)."""
    return re.sub(r"^```.*?^```", "", page(lang, slug), flags=re.S | re.M)


# --- sgd: the gap between the local and the global minimum (review ch01-07, A1) -------------


def quartic(x: Fraction) -> Fraction:
    """f(x) = x^4/4 + x^3/3 - x^2, exactly."""
    return x**4 / 4 + x**3 / 3 - x**2


def test_local_minimum_gap_is_nine_quarters():
    best, local = quartic(Fraction(-2)), quartic(Fraction(1))
    assert (best, local) == (Fraction(-8, 3), Fraction(-5, 12))
    assert local - best == Fraction(8, 3) - Fraction(5, 12) == Fraction(9, 4)


def test_local_minimum_gap_matches_the_library():
    from optimizers import landscapes

    f = landscapes.local_minimum_1d()
    gap = float(f.value([1.0])) - float(f.value([-2.0]))
    assert gap == pytest.approx(float(Fraction(9, 4)), abs=1e-12)


@pytest.mark.parametrize("lang", LANGS)
def test_sgd_page_states_the_gap_as_2_25(lang):
    text = page(lang, "sgd")
    assert "$8/3 - 5/12 = 9/4 = 2.25$" in text
    assert "3.08" not in text


# --- sgd: noise around the minimum is a stationary fluctuation, not a random walk (A5) ----


@pytest.mark.parametrize(
    "lang, wrong, right",
    [
        ("en", "settles into a random walk", "stationary fluctuation"),
        ("zh", "进入一种随机游走", "平稳波动"),
    ],
)
def test_sgd_noise_is_called_a_stationary_fluctuation(lang, wrong, right):
    text = prose(lang, "sgd")
    assert wrong not in text and right in text


# --- minibatch: the summary follows the chapter's measurements (A2) ------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_minibatch_summary_names_the_measured_best_size(lang):
    summary = prose(lang, "minibatch").split("## Summary" if lang == "en" else "## 小结")[1]
    summary = summary.split("\n## ")[0]
    assert "{{ first_low_b }}" in summary  # the measured winner, filled from the stored run
    assert "GPU" in summary  # where the usual 64 to 512 comes from


# --- momentum: the zig-zag, the stability limit, the noise factor (A3, A4, A6) -------------


def test_momentum_stability_limit_in_the_steep_direction():
    # x_{t+1} = (1 + a - eta*lam) x_t - a x_{t-1} is stable iff 0 < eta*lam < 2(1 + a)
    alpha, lam = Fraction(9, 10), Fraction(2)
    limit = 2 * (1 + alpha) / lam
    assert limit == 1 + alpha == Fraction(19, 10)
    import numpy as np

    for eta, stable in ((Fraction(189, 100), True), (Fraction(191, 100), False)):
        c = np.array([[float(1 + alpha - eta * lam), -float(alpha)], [1.0, 0.0]])
        assert bool(max(abs(np.linalg.eigvals(c))) < 1) is stable


@pytest.mark.parametrize("lang", LANGS)
def test_compare_states_momentum_limit(lang):
    assert "$\\eta < 1 + \\beta = 1.9$" in prose(lang, "compare")


def test_momentum_zigzag_numbers():
    assert Fraction(95, 100) / Fraction(1, 10) == Fraction(19, 2)  # 9.5 times smaller
    assert 1 - 2 * Fraction(1, 10) == Fraction(4, 5)  # SGD at 0.1: y factor 0.8 > 0


def test_momentum_zigzag_comes_from_the_learning_rate():
    """SGD at lr 0.95 flips y at every step, at 0.1 never; momentum (0.1, 0.9) only now and then."""
    import numpy as np

    from optimizers import SGD, Momentum, landscapes

    f = landscapes.ill_conditioned()

    def flips(optimizer):
        y = landscapes.trajectory(optimizer, f, start=None, steps=30)[:, 1]
        return int(np.sum(np.sign(y[1:]) != np.sign(y[:-1])))

    assert flips(SGD(lr=0.95)) == 30
    assert flips(SGD(lr=0.1)) == 0
    assert 0 < flips(Momentum(lr=0.1, momentum=0.9)) <= 5


@pytest.mark.parametrize("lang", LANGS)
def test_momentum_page_states_the_zigzag_numbers(lang):
    text = prose(lang, "momentum")
    assert "9.5" in text and "$1 - 2 \\times 0.1 = 0.8$" in text


def test_sgd_noise_factor_at_lr_half():
    """SGD lr 0.5 on curvature 2: eta*lam = 1, half the limit 2; the factor 1/(2 - eta*lam) = 1."""
    eta, lam = Fraction(1, 2), Fraction(2)
    assert eta * lam == 1 and 2 / lam == 2 * eta
    assert 1 / (2 - eta * lam) == 1
    # the noise floor of that coordinate is twice what the small-step value eta*sigma^2/4 gives
    assert (eta / (2 * (2 - eta * lam))) / (eta / 4) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_momentum_page_does_not_call_lr_half_near_the_limit(lang):
    text = prose(lang, "momentum")
    assert "close to its stability limit" not in text and "接近稳定性的极限" not in text
    assert "$1/(2 - \\eta\\lambda)$" in text


# --- compare: ten rules, six compared (A10) ---------------------------------------------------


@pytest.mark.parametrize("lang, ten", [("en", "ten update rules"), ("zh", "十种更新规则")])
def test_compare_counts_the_rules(lang, ten):
    text = prose(lang, "compare")
    assert ten in text and "six update rules" not in text and "六种更新规则" not in text


# --- ensembles, lr-schedules, landscape, second-order (review ch08-14, A2-A4, B2, B3) -------


@pytest.mark.parametrize("lang", LANGS)
def test_ensemble_bound_is_on_log_loss_not_calibration(lang):
    text = prose(lang, "ensembles")
    assert (
        "at least as well *calibrated*" not in text and "校准**（calibration）程度至少" not in text
    )


@pytest.mark.parametrize("lang", LANGS)
def test_ensembles_page_says_it_ranks_on_the_test_set(lang):
    assert "!!! warning" in page(lang, "ensembles") and "tuning.md" in page(lang, "ensembles")


@pytest.mark.parametrize("lang", LANGS)
def test_adam_decay_is_not_said_to_be_rare(lang):
    text = prose(lang, "lr-schedules")
    assert "is used with a decay less often" not in text and "配合\n衰减使用得较少" not in text
    assert "AdamW" in text


@pytest.mark.parametrize("lang", LANGS)
def test_cubic_is_not_called_a_saddle(lang):
    text = prose(lang, "landscape")
    assert (
        "what a saddle does in every dimension" not in text and "鞍点在任何维数下的行为" not in text
    )


@pytest.mark.parametrize("lang", LANGS)
def test_no_mnist_network_of_the_book(lang):
    text = prose(lang, "second-order")
    assert (
        "MNIST network of the book's experiments" not in text
        and "本书实验中那个用于 MNIST" not in text
    )


# --- references: sources 001 and 004 are credited (B7) -------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_references_credit_the_blog_and_the_ai_edu_tutorial(lang):
    text = page(lang, "references")
    assert "神经网络的优化之参数更新优化" in text  # source 001
    assert "网络优化" in text and "ai-edu" in text  # source 004


# --- lr-schedules and landscape: ratios stated in the prose (review ch08-14, C) -------------


def test_inverse_sqrt_still_falls_threefold_from_epoch_10_to_99():
    import math

    ratio = math.sqrt(100 / 11)  # k/sqrt(t + 1) at t = 10 against t = 99
    assert round(ratio) == 3 and 3.0 < ratio < 3.05


@pytest.mark.parametrize("lang", LANGS)
def test_lr_schedules_does_not_say_k_sqrt_t_hardly_moves(lang):
    text = prose(lang, "lr-schedules")
    assert "hardly moves" not in text and "之后几乎不动" not in text


def test_plateau_slope_ratios_are_7_6_and_13():
    import math

    slope = {x: 2 * x * math.exp(-(x**2)) for x in (2.0, 2.5, 3.0)}  # f = 1 - exp(-x^2)
    assert round(slope[2.0] / slope[2.5], 1) == 7.6
    assert round(slope[2.5] / slope[3.0]) == 13


@pytest.mark.parametrize("lang, stated", [("en", "7.6 to 13 times"), ("zh", "1/7.6 到 1/13")])
def test_landscape_states_the_slope_ratios(lang, stated):
    assert stated in prose(lang, "landscape")


# --- language: no fake italics on Chinese emphasis, one spelling of percentages --------------


@pytest.mark.parametrize("slug", sorted(p.stem for p in (DOCS / "zh").glob("*.md")))
def test_no_single_star_emphasis_on_chinese_text(slug):
    star = re.compile(r"(?<![*\\A-Za-z0-9_])\*(?![*\s])([^*\n$]+?)(?<![\s*])\*(?![*A-Za-z0-9_])")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    bad = [m.group(0) for m in star.finditer(prose("zh", slug)) if cjk.search(m.group(1))]
    assert not bad, f"zh/{slug}.md: use **bold** for emphasis in Chinese: {bad[:5]}"


@pytest.mark.parametrize("slug", sorted(p.stem for p in (DOCS / "zh").glob("*.md")))
def test_mini_batch_is_written_xiaopiliang_in_chinese_prose(slug):
    text = prose("zh", slug)
    text = re.sub(
        r"Mini-batch 梯度下降|\(mini-batch[^)]*\)|（\*\*小批量\*\*，\s*mini-batch）", "", text
    )
    text = re.sub(r"\|[^|\n]*mini-batch[^|\n]*\|", "|", text)  # the English column of tables
    text = re.sub(r"（mini-batch gradient descent）|#mini-batch[-\w]*", "", text)
    assert "mini-batch" not in text.lower(), f"zh/{slug}.md still writes mini-batch in prose"


# --- init: the all-0.1 start saturates tanh (review ch08-14, B1) ------------------------------


def test_all_weights_0_1_saturate_tanh_on_the_digits():
    """Every weight 0.1: a hidden unit sums all 64 pixels, so tanh starts near 1 for every image."""
    import numpy as np

    from optimizers.data import load_digits

    h = np.tanh(0.1 * load_digits().x_train.sum(axis=1))
    assert h.min() > 0.8 and h.mean() > 0.95 and h.std() < 0.03


# --- sgd: the derivation of the noise floor (review ch01-07, E3) -----------------------------


@pytest.mark.parametrize(
    ("eta", "lam"), [(Fraction(1, 2), Fraction(1, 10)), (Fraction(1, 2), Fraction(2))]
)
def test_noise_floor_is_the_fixed_point_of_the_variance_recursion(eta, lam):
    sigma2 = Fraction(3, 7)
    s2 = eta * sigma2 / (lam * (2 - eta * lam))  # the page's stationary variance
    assert (1 - eta * lam) ** 2 * s2 + eta**2 * sigma2 == s2  # the recursion leaves it unchanged
    assert lam / 2 * s2 == eta * sigma2 / (2 * (2 - eta * lam))  # the page's average loss
