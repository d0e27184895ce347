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
from report.wording import direction, portion

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
    rising = finding_text(config, with_trend(stats, 12, 18), lang)
    falling = finding_text(config, with_trend(stats, 18, 12), lang)
    for words, text, other in ((WORDS[lang]["up"], rising, WORDS[lang]["down"]), (WORDS[lang]["down"], falling, WORDS[lang]["up"])):
        for phrase in words:
            assert phrase in text
        for phrase in other:
            assert phrase not in text


def test_direction_and_portion_keywords():
    share = lambda value: Figure("x", value, "share")  # noqa: E731
    assert [portion(share(v)) for v in (0, 0.05, 0.3, 0.5, 0.7, 0.95, 1)] == [
        "none", "few", "minority", "half", "majority", "most", "all"]
    change = lambda value: Figure("x", value, "change")  # noqa: E731
    assert [direction(change(v)) for v in (-0.3, 0.01, 0.3)] == ["down", "stable", "up"]
    assert direction(Figure("x", None, "change")) == "unknown"
    assert portion(Figure("x", 0.7, "share", suppressed=True)) == "unknown"
