"""Data-dependent wording: when the trend reverses, both editions say the opposite."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from report.theme import Theme
from report import build as stages
from report.charts import make_charts
from report.outline import plan_report
from report.config import load_config
from report.load import load_inputs
from report.model import Figure
from report.render import RenderContext, render_html
from report.wording import (Rule, compare, count_direction, direction, fisher_p, largest_differences, poisson_counts_p,
                            portion, proportions_p, two_proportion_p)

ROOT = Path(__file__).resolve().parent.parent
WORDS = {  # (heading, sentence) that each edition must use for a rise and for a fall
    "fr": {"up": ("mais en hausse", "a augmenté au cours de la période"), "down": ("et en recul", "a diminué au cours de la période")},
    "nl": {"up": ("maar in opmars", "is in de loop van de periode gestegen"),
           "down": ("die afneemt", "is in de loop van de periode gedaald")},
    "de": {"up": ("mit steigender Tendenz", "ist im Beobachtungszeitraum gestiegen"),
           "down": ("mit sinkender Tendenz", "ist im Beobachtungszeitraum gesunken")},
}


@pytest.fixture(scope="module")
def sample_stats():
    config, base = load_config(ROOT / "config" / "sample.yaml")
    return config, stages.compute(config, load_inputs(config, base))


def with_trend(stats, first: int, last: int):
    figures = stats.figures
    for figure in (Figure("vendors.focus.first", first, "count"), Figure("vendors.focus.last", last, "count"),
                   Figure("vendors.focus.change", (last - first) / first, "change", base=first)):
        figures = figures.with_figure(figure)
    return replace(stats, figures=figures)


def finding_text(config, stats, lang: str) -> str:
    plan = plan_report(stages.TEMPLATES / "outline.yaml", stats)
    charts = make_charts(config, stats, lang, svg=False, theme=Theme(), placed=plan.charts)
    labels = {key: dict(cat.label) for key, cat in config.taxonomy.items()}
    html = render_html(RenderContext(lang, "html", stats, charts, stages._meta(config, lang, stats), labels,
                                                       plan=plan))
    article = re.search(r'<article class="finding" id="finding-share">(.*?)</article>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", article)


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_a_reversed_trend_reverses_the_wording(sample_stats, lang):
    config, stats = sample_stats
    rising = finding_text(config, with_trend(stats, 12, 30), lang)
    falling = finding_text(config, with_trend(stats, 30, 12), lang)
    for words, text, other in ((WORDS[lang]["up"], rising, WORDS[lang]["down"]), (WORDS[lang]["down"], falling, WORDS[lang]["up"])):
        for phrase in words:
            assert phrase in text
        for phrase in other:
            assert phrase not in text


def test_direction_and_portion_keywords():
    share = lambda value: Figure("x", value, "share")  # noqa: E731
    assert [portion(share(v)) for v in (0, 0.05, 0.3, 0.5, 0.7, 0.95, 1)] == [
        "none", "few", "minority", "half", "majority", "most", "all"]
    change = lambda value: Figure("x", value, "change")  # noqa: E731 - no base: only the band applies
    assert [direction(change(v)) for v in (-0.3, 0.01, 0.3)] == ["down", "stable", "up"]
    assert direction(Figure("x", None, "change")) == "unknown"
    assert portion(Figure("x", 0.7, "share", suppressed=True)) == "unknown"


# ---------------------------------------------------------------------------------------------------------------
# Differences are claimed only when a test at the configured level finds them.

def test_the_tests_match_their_textbook_values():
    # Fisher's tea-tasting table (3 of 4 against 1 of 4): two-sided p = 0.486 (R: fisher.test)
    assert fisher_p(3, 4, 1, 4) == pytest.approx(0.4857, abs=1e-4)
    # 9 then 10 vendors: given 19, 10 is binomial(19, 1/2): p = 1 (the most likely split)
    assert poisson_counts_p(9, 10) == pytest.approx(1.0)
    # 2 then 10: 2 * P(X >= 10 | n = 12) = 2 * 79 / 4096
    assert poisson_counts_p(2, 10) == pytest.approx(2 * 79 / 4096)
    # z-test: 60/100 against 40/100, z = 2.828, p = 0.00468
    assert two_proportion_p(60, 100, 40, 100) == pytest.approx(0.00468, abs=1e-5)
    # small expected cells go to Fisher's test, large ones to the z-test
    assert proportions_p(1, 12, 100, 1000) == fisher_p(1, 12, 100, 1000)
    assert proportions_p(60, 100, 40, 100) == two_proportion_p(60, 100, 40, 100)


def test_a_change_of_9_to_10_reads_stable():
    assert count_direction(9, 10) == "stable"
    assert direction(Figure("x", (10 - 9) / 9, "change", base=9)) == "stable"
    # +50 % on 12 is within chance too (p = 0.36); 12 to 30 is not
    assert count_direction(12, 18) == "stable"
    assert count_direction(12, 30) == "up" and count_direction(30, 12) == "down"
    # a large, significant change within the band still reads stable, as the method note says
    assert count_direction(100_000, 103_000) == "stable"
    assert count_direction(100_000, 103_000, Rule(band=0.01)) == "up"
    # from none to some: the test decides (0 to 2 is chance, 0 to 18 is not)
    assert count_direction(0, 2) == "stable" and count_direction(0, 18) == "up"


def share(value: float, base: int) -> Figure:
    return Figure("s", value, "share", base=base)


def test_significance_chooses_the_wording():
    # 13 % of 112 listings against 11 % of 11 026: not a difference; 26 % against 13 % is
    assert compare(share(15 / 112, 112), share(1216 / 11138, 11138), part_of=True) == "similar"
    assert compare(share(29 / 112, 112), share(1402 / 11138, 11138), part_of=True) == "higher"
    assert compare(share(5 / 112, 112), share(1725 / 11138, 11138), part_of=True) == "lower"
    # the level is the config's: a gap significant at 95 % need not be at 99.9 %
    gap = (share(11 / 112, 112), share(544 / 11138, 11138))
    assert compare(*gap, part_of=True) == "higher"
    assert compare(*gap, Rule(level=0.999), part_of=True) == "similar"
    assert compare(Figure("s", None, "share", base=3), share(0.5, 10)) == "unknown"


def test_the_largest_significant_difference_is_named_not_the_top_rank():
    overall = 11138
    pairs = [("cannabis", share(31 / 112, 112), share(3524 / overall, overall)),  # top rank, no difference
             ("cocaine", share(15 / 112, 112), share(1216 / overall, overall)),  # 13 % against 11 %: not named
             ("amphetamine", share(11 / 112, 112), share(544 / overall, overall)),  # 10 % against 5 %: named
             ("ecstasy", share(29 / 112, 112), share(1402 / overall, overall)),
             ("prescription", share(5 / 112, 112), share(1725 / overall, overall))]
    found = largest_differences(pairs, part_of=True)
    assert [(d.key, d.kind) for d in found] == [("ecstasy", "higher"), ("prescription", "lower"), ("amphetamine", "higher")]


def offer_text(config, stats, lang: str) -> str:
    plan = plan_report(stages.TEMPLATES / "outline.yaml", stats)
    charts = make_charts(config, stats, lang, svg=False, theme=Theme(), placed=plan.charts)
    labels = {key: dict(cat.label) for key, cat in config.taxonomy.items()}
    html = render_html(RenderContext(lang, "html", stats, charts, stages._meta(config, lang, stats), labels, plan=plan))
    article = re.search(r'<article class="finding" id="finding-offer">(.*?)</article>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", article.split("<figure")[0])


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_offer_names_the_significant_gaps_only(sample_stats, lang):
    from report.outline import category_differences

    config, stats = sample_stats
    labels = {key: cat.label[lang] for key, cat in config.taxonomy.items()}
    text = offer_text(config, stats, lang)
    sentences = [s for s in text.splitlines() if re.search("surreprés|sous-repr|oververtegenw|ondervertegenw"
                                                                       "|überrepräs|unterrepräs", s)]
    named = " ".join(sentences)
    different = category_differences(stats, "focus", "all")
    assert different and all(labels[key] in named for key in different)
    present = stats.market.tables["categories"].category.tolist()
    assert "cocaine" in present and "cocaine" not in different and labels["cocaine"] not in named


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_no_percentage_change_on_a_base_under_the_threshold(sample_stats, lang):
    config, stats = sample_stats
    text = finding_text(config, with_trend(stats, 1, 18), lang).split("<figure")[0]
    assert re.search(r"\b1\b", text) and "18" in text
    assert not re.search(r"1[\u202f\u00a0.]?700", text)  # +1 700 %
    assert re.search(WORDS[lang]["up"][1], text)


def test_every_market_share_and_change_carries_its_base(sample_stats):
    """The renderer gives counts instead of a percentage on a base under the threshold: it needs every base."""
    _, stats = sample_stats
    market = [f for f in stats.market.figures.values() if f.unit in ("share", "change") and f.value is not None]
    assert market and not [f.id for f in market if f.base is None]
