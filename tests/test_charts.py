"""Charts: which can be drawn for each shape of data, numbers from placement, generic survey charts, suppression marks."""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report.build import TEMPLATES
from report.theme import Theme
from report.charts import _survey_source, chart_drawable, labels_for, make_charts, valid_spec
from report.config import load_config
from report.errors import RenderError
from report.i18n import Formatter
from report.model import Codebook, Figure, Figures, MarketEvent, MarketStats, Question, Statistics, SurveyFinding, SurveyStats, frozen_tables
from report.survey import Disclosure, summarise_survey

TINY = Path(__file__).parent / "fixtures" / "tiny" / "config.yaml"
THEME = Theme(TEMPLATES)
THRESHOLD = 3  # the tiny config's disclosure threshold


@pytest.fixture(scope="module")
def config():
    loaded, _ = load_config(TINY)
    assert loaded.disclosure.threshold == THRESHOLD
    return loaded


# --- hand-built statistics -------------------------------------------------------------------------------------------

def monthly(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(market, month, focus vendors) -> the monthly table the market stage makes."""
    return pd.DataFrame([{"market": market, "month": datetime.date.fromisoformat(month), "vendors_all": focus + 5,
                          "vendors_focus": focus, "listings_all": 3 * focus + 9, "listings_focus": 3 * focus,
                          "sales_focus": 0, "sales_all": 0} for market, month, focus in rows])


def market(tables: Mapping[str, pd.DataFrame] | None = None, markets: tuple[str, ...] = ("Alpha",)) -> MarketStats:
    defaults = {
        "monthly": monthly([("Alpha", "2019-01-01", 4)]),
        "categories": pd.DataFrame({"category": ["cannabis"], "listings_all": [10], "listings_focus": [2]}),
        "origins": pd.DataFrame({"combination": ["BE"], "n_origins": [1], "vendors": [4]}),
        "transaction_values": pd.DataFrame(columns=["focus", "bracket", "sales", "value_eur"]),
        "migration": pd.DataFrame(columns=["from_market", "to_market", "active", "new", "migrated", "migrated_focus"]),
    }
    return MarketStats(Figures(), frozen_tables({**defaults, **(tables or {})}), markets, ())


NO_SURVEY = SurveyStats(Figures(), frozen_tables({}), Codebook({}), 0)


def stats_with(market_stats: MarketStats | None = None, survey: SurveyStats = NO_SURVEY) -> Statistics:
    return Statistics(Figures(), market_stats or market(), survey)


def question(qid: str, kind: str = "single", codes: tuple[str, ...] = ("1", "2", "3"), **extra: Any) -> Question:
    text = {"fr": f"Question {qid} ?", "nl": f"Vraag {qid}?"}
    labels = {code: {"fr": f"réponse {code}", "nl": f"antwoord {code}"} for code in codes}
    if kind == "multi":
        return Question(qid, "multi", {code: f"{qid}_{code}" for code in codes}, text, labels, missing=("-99",), **extra)
    return Question(qid, kind, {"value": qid}, text, labels if kind != "numeric" else {}, missing=("-99",), **extra)  # type: ignore[arg-type]


def survey(questions: list[Question], columns: dict[str, list[str]], findings: tuple[SurveyFinding, ...] = ()) -> SurveyStats:
    frame = pd.DataFrame(columns, dtype=str)
    codebook = Codebook({q.id: q for q in questions}, findings)
    return summarise_survey(frame, codebook, Disclosure(THRESHOLD, 30))


def answers(**counts: int) -> list[str]:
    """Survey column values: `answers(**{"1": 5, "2": 0})` -> five "1"s."""
    return [code for code, count in counts.items() for _ in range(count)]


# --- market charts ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, drawable", [
    ([("Alpha", "2019-01-01", 4)], False),                                          # one market, one month
    ([("Alpha", "2019-01-01", 4), ("Beta", "2019-01-01", 2)], False),               # two markets, one month
    ([("Alpha", "2019-01-01", 4), ("Beta", "2019-02-01", 2)], False),               # two months, one point per line
    ([("Alpha", "2019-01-01", 4), ("Alpha", "2019-02-01", 5)], True),               # one market over two months
    ([("Alpha", "2019-01-01", 0), ("Alpha", "2019-02-01", 0)], False),              # no vendor of the focus country
])
def test_monthly_line_charts_need_two_months_of_one_market(rows, drawable):
    stats = stats_with(market({"monthly": monthly(rows)}))
    assert chart_drawable("vendors_monthly", stats) is drawable
    assert chart_drawable("listings_monthly", stats) is drawable


@pytest.mark.parametrize("categories, focus, drawable", [
    (["cannabis"], [3], False),
    (["cannabis", "cocaine"], [3, 0], True),
    (["cannabis", "cocaine"], [0, 0], False),  # focus country absent
])
def test_category_mix_needs_two_categories_and_the_focus_country(categories, focus, drawable):
    table = pd.DataFrame({"category": categories, "listings_all": [10] * len(categories), "listings_focus": focus})
    assert chart_drawable("category_mix", stats_with(market({"categories": table}))) is drawable


@pytest.mark.parametrize("combinations, drawable", [([], False), (["BE"], False), (["BE", "BE+NL"], True)])
def test_origin_combinations_need_two_bars(combinations, drawable):
    table = pd.DataFrame({"combination": combinations, "n_origins": [c.count("+") + 1 for c in combinations],
                          "vendors": [3] * len(combinations)})
    assert chart_drawable("origin_combinations", stats_with(market({"origins": table}))) is drawable


@pytest.mark.parametrize("rows, drawable", [
    ([], False),                                               # no sales source
    ([(False, 0, 5), (False, 2, 4)], False),                   # sales, none by focus-country vendors
    ([(True, 0, 5)], False),                                   # every sale in one bracket
    ([(True, 0, 5), (True, 3, 1), (False, 1, 9)], True),
])
def test_transaction_values_need_focus_sales_in_two_brackets(rows, drawable):
    table = pd.DataFrame([{"focus": f, "bracket": b, "sales": n, "value_eur": 40.0 * n} for f, b, n in rows],
                         columns=["focus", "bracket", "sales", "value_eur"])
    assert chart_drawable("transaction_values", stats_with(market({"transaction_values": table}))) is drawable


@pytest.mark.parametrize("chart_id, table, base", [
    ("category_mix", pd.DataFrame({"category": ["cannabis", "cocaine"], "listings_all": [30, 12], "listings_focus": [6, 3]}), 9),
    ("category_mix", pd.DataFrame({"category": ["cannabis", "cocaine"], "listings_all": [5, 4], "listings_focus": [60, 30]}), 9),
    ("transaction_values", pd.DataFrame({"focus": [True, True, False], "bracket": [0, 2, 1], "sales": [5, 4, 90],
                                         "value_eur": [200.0, 900.0, 5000.0]}), 9),
])
def test_share_charts_need_bases_at_the_disclosure_threshold(chart_id, table, base):
    """A chart of shares is left out when a group's base is under the threshold: the text gives counts ("3 of 9"),
    the bars and the chart's data table could only give the percentage."""
    tables = {"categories" if chart_id == "category_mix" else chart_id: table}
    for threshold, drawable in ((base + 1, False), (base, True)):
        stats = stats_with(market(tables))
        stats = stats.replace(figures=Figures([Figure("disclosure.threshold", threshold, "count")]))
        assert chart_drawable(chart_id, stats) is drawable, threshold


@pytest.mark.parametrize("routes, drawable", [(0, False), (1, False), (2, True)])
def test_vendor_migration_needs_two_routes(routes, drawable):
    table = pd.DataFrame([{"from_market": "Alpha", "to_market": f"M{i}", "active": 9, "new": 5, "migrated": 2, "migrated_focus": 0}
                          for i in range(routes)], columns=["from_market", "to_market", "active", "new", "migrated", "migrated_focus"])
    assert chart_drawable("vendor_migration", stats_with(market({"migration": table}))) is drawable


def test_market_charts_of_one_month_one_market_one_category_still_draw(config):
    """Placed anyway, degenerate market charts give a chart, never an exception."""
    stats = stats_with(market())
    placed = ["vendors_monthly", "listings_monthly", "category_mix", "origin_combinations", "transaction_values", "vendor_migration"]
    charts = make_charts(config, stats, "nl", True, THEME, placed)
    assert [charts[chart_id].number for chart_id in placed] == [1, 2, 3, 4, 5, 6]
    assert all(chart.svg and chart.svg.startswith("<svg") for chart in charts.values())
    for chart in charts.values():
        valid_spec(chart.spec)


def test_a_spec_vega_lite_would_refuse_is_caught():
    """The build skips Altair's schema check (for speed); valid_spec, which the tests run on every chart, is that check."""
    with pytest.raises(jsonschema.ValidationError):
        valid_spec({"mark": "bars", "data": {"values": []}})



FROM_US = {"fr": "des États-Unis", "nl": "uit de Verenigde Staten", "de": "Versandland Vereinigte Staaten"}


def test_event_labels_sit_above_the_plot_one_row_each(config):
    """Labels never overlap the data lines (they are above the plot area) nor each other (one row per market)."""
    months = [f"2019-{month:02d}-01" for month in range(1, 13)]
    rows = [(name, month, 5 + index) for name in ("Alpha", "Beta", "Gamma") for index, month in enumerate(months)]
    events = (MarketEvent("Alpha", datetime.date(2019, 3, 10), "closure"), MarketEvent("Beta", datetime.date(2019, 3, 20), "exit_scam"),
              MarketEvent("Beta", datetime.date(2019, 3, 28), "seizure"), MarketEvent("Gamma", datetime.date(2019, 11, 2), "seizure"))
    base = market({"monthly": monthly(rows)}, markets=("Alpha", "Beta", "Gamma"))
    stats = stats_with(MarketStats(base.figures, base.tables, base.markets, events))
    chart = make_charts(config, stats, "fr", True, THEME, ["vendors_monthly"])["vendors_monthly"]
    layers = chart.spec["layer"]
    datasets = chart.spec["datasets"]
    texts = [row for layer in layers if layer["mark"]["type"] == "text" for row in datasets[layer["data"]["name"]]]
    assert sorted(row["label"].replace("\u00a0", " ") for row in texts) == [
        "Alpha : fermeture", "Beta : escroquerie de sortie, saisie", "Gamma : saisie"]
    assert all(row["top"] < 0 for row in texts) and len({row["top"] for row in texts}) == len(texts)  # above, one row each
    gamma = next(row for row in texts if row["market"] == "Gamma")
    assert gamma["align"] == "right"  # late in the period: reads leftwards, inside the chart
    rules = [row for layer in layers if layer["mark"]["type"] == "rule" for row in datasets[layer["data"]["name"]]]
    assert len(rules) == 4
    for rule in rules:  # each rule stops under its own market's label
        label = next(row for row in texts if row["market"] == rule["market"])
        assert label["top"] < rule["top"] < 0
    assert chart.svg is not None and "escroquerie de sortie, saisie" in chart.svg


@pytest.mark.parametrize("lang", sorted(FROM_US))
def test_market_chart_titles_name_a_focus_country_with_its_article(config, lang):
    """The language's from_country macro writes the country: not "Vendeurs de États-Unis", "Verkopers uit Verenigde Staten"."""
    placed = ["vendors_monthly", "listings_monthly", "category_mix", "origin_combinations", "transaction_values"]
    charts = make_charts(config.model_copy(update={"focus_country": "US"}), stats_with(market()), lang, False, THEME, placed)
    assert all(FROM_US[lang] in chart.title and FROM_US[lang] in chart.alt for chart in charts.values()), \
        [(chart.title, chart.alt) for chart in charts.values()]
    legend = {row["group"] for data in charts["category_mix"].spec["datasets"].values() for row in data}
    assert any(FROM_US[lang] in group for group in legend), legend


# --- survey charts ---------------------------------------------------------------------------------------------------

def test_no_survey_draws_no_survey_chart():
    stats = stats_with()
    assert not chart_drawable("survey.anything", stats)
    assert not chart_drawable("survey.compare.a.b", stats)


def bars(stats: Statistics, chart_id: str) -> int:
    """How many bars the chart's published data draw (rows with a share)."""
    chart = make_charts(load_config(TINY)[0], stats, "fr", False, THEME, [chart_id])[chart_id]
    return sum(1 for row in data_of(chart.spec) if row.get("share") is not None)


def test_survey_charts_need_two_bars():
    questions = [question("alone"), question("two_shown"), question("free", "text"),
                 question("ticks", "multi", ("x", "y")), question("bracketed", "numeric", brackets=(
                     {"upper": 10, "label": {"fr": "moins de 10", "nl": "minder dan 10"}},
                     {"lower": 10, "label": {"fr": "10 ou plus", "nl": "10 of meer"}}))]
    columns = {  # 16 respondents
        "alone": answers(**{"1": 16}),                                      # 2 and 3 at 0 %: no bar, one bar left
        "two_shown": answers(**{"1": 8, "2": 8}),
        "free": ["text"] * 16,
        "ticks_x": answers(**{"1": 8, "0": 8}), "ticks_y": answers(**{"1": 1, "0": 15}),  # y: one tick, hidden
        "bracketed": [str(v) for v in [*range(1, 9), *range(11, 19)]],
    }
    stats = stats_with(survey=survey(questions, columns))
    assert chart_drawable("survey.alone", stats) is False
    assert chart_drawable("survey.two_shown", stats) is True
    assert chart_drawable("survey.free", stats) is False            # text questions have no chart
    assert chart_drawable("survey.ticks", stats) is False           # one option hidden: one bar left
    assert chart_drawable("survey.bracketed", stats) is True
    assert chart_drawable("survey.not_a_question", stats) is False
    for qid in ("alone", "two_shown", "ticks", "bracketed"):
        assert chart_drawable(f"survey.{qid}", stats) is (bars(stats, f"survey.{qid}") >= 2)


def test_compared_questions_need_the_same_answers():
    questions = [question("before"), question("after"), question("other", codes=("1", "2")), question("many", "multi", ("1", "2", "3"))]
    columns = {"before": answers(**{"1": 5, "2": 5, "3": 4}), "after": answers(**{"1": 4, "2": 4, "3": 6}),
               "other": answers(**{"1": 7, "2": 7}), **{f"many_{c}": answers(**{"1": 7, "0": 7}) for c in "123"}}
    stats = stats_with(survey=survey(questions, columns))
    assert chart_drawable("survey.compare.before.after", stats)
    assert not chart_drawable("survey.compare.before.other", stats)   # codes 1-3 against 1-2
    assert not chart_drawable("survey.compare.before.many", stats)    # single against multi
    assert not chart_drawable("survey.compare.before.before", stats)
    assert not chart_drawable("survey.compare.before.nothing", stats)


def sample_survey() -> SurveyStats:
    """20 respondents, 17 answered: code 1 by 12, code 2 by 2 (hidden), code 3 by 3 (hidden: it would give 2 away), code 4 by
    nobody (0 %); 18 answered the multi question, 2 of them ticked "resale" (hidden)."""
    q = question("trust", "scale", ("1", "2", "3", "4"))
    p = question("purpose", "multi", ("self", "friends", "resale"))
    columns = {"trust": answers(**{"1": 12, "2": 2, "3": 3}) + ["-99"] * 3,
               "purpose_self": answers(**{"1": 14, "0": 4, "-99": 2}), "purpose_friends": answers(**{"1": 9, "0": 9, "-99": 2}),
               "purpose_resale": answers(**{"1": 2, "0": 16, "-99": 2})}
    return survey([q, p], columns)


def data_of(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [row for values in spec["datasets"].values() for row in values]


def internal_numbers(stats: Statistics, qid: str, hidden: bool = True) -> list[str]:
    """The exact share, interval and count of a question's hidden (or bounded) answers, as JSON would write them."""
    table = stats.survey.tables[qid]
    rows = table[table.suppressed.astype(bool)] if hidden else table[table.bound.notna()]
    numbers = [float(row[column]) for _, row in rows.iterrows() for column in ("share", "ci_low", "ci_high")]
    return [json.dumps(number) for number in numbers if number not in (0.0, 1.0)]  # 0 and 1 are in any chart's axis


def test_a_hidden_answer_is_marked_and_absent_from_the_chart_data(config):
    stats = stats_with(survey=sample_survey())
    table = stats.survey.tables["trust"]
    hidden = table[table.suppressed.astype(bool)].key.tolist()
    assert hidden  # the premise: the disclosure rules hide some answer of this question
    for lang, word in (("fr", "masqué"), ("nl", "onderdrukt")):
        chart = make_charts(config, stats, lang, True, THEME, ["survey.trust"])["survey.trust"]
        rows = {row["key"]: row for row in data_of(chart.spec)}
        assert set(rows) == {"1", "2", "3", "4"}  # every answer keeps its row, hidden ones too
        for key in hidden:
            assert rows[key]["mark"] == word and rows[key]["status"] == "hidden"
            assert all(rows[key][field] is None for field in ("share", "ci_low", "ci_high", "count"))
        assert chart.svg is not None and chart.svg.count(f">{word}</text>") == len(hidden)
        assert "linearGradient" in chart.svg  # the hatched band behind a hidden answer
        for label in ("réponse 1", "réponse 2", "réponse 3", "réponse 4") if lang == "fr" else ("antwoord 1", "antwoord 4"):
            assert label in chart.svg
        published = json.dumps(chart.spec) + chart.svg + chart.alt + chart.source + chart.note
        for number in internal_numbers(stats, "trust"):
            assert number not in published
        assert word in chart.note and word in chart.alt


def test_a_bound_is_a_bar_to_its_bound_without_an_interval(config):
    stats = stats_with(survey=sample_survey())
    figures = stats.survey.figures
    above = [key for key in "1234" if getattr(figures[f"survey.trust.{key}.share"], "bound", None) == "above"]
    below = [key for key in "1234" if getattr(figures[f"survey.trust.{key}.share"], "bound", None) == "below"]
    assert above and below  # the premise: 12 of 17 is given as "more than", 0 of 17 as "less than"
    chart = make_charts(config, stats, "fr", True, THEME, ["survey.trust"])["survey.trust"]
    rows = {row["key"]: row for row in data_of(chart.spec)}
    fmt = Formatter("fr")
    for key in above:
        bound = figures[f"survey.trust.{key}.share"].bound_value
        assert rows[key]["share"] == bound and rows[key]["mark"] == f"> {fmt.percent(bound)}"
        assert rows[key]["ci_low"] is None and rows[key]["count"] is None
    for key in below:  # no bar: one to the bound would overstate the share
        bound = figures[f"survey.trust.{key}.share"].bound_value
        assert rows[key]["share"] is None and rows[key]["mark"] == f"< {fmt.percent(bound)}"
    assert chart.svg is not None and f"&gt; {fmt.percent(figures['survey.trust.' + above[0] + '.share'].bound_value)}" in chart.svg
    published = json.dumps(chart.spec) + chart.svg + chart.alt
    for number in internal_numbers(stats, "trust", hidden=False):
        assert number not in published
    assert "plus de" in chart.alt and "borne" in chart.note


def test_survey_source_uses_the_chart_base_and_title_the_question_text(config):
    stats = stats_with(survey=sample_survey())
    charts = make_charts(config, stats, "nl", False, THEME, ["survey.trust", "survey.purpose"])
    assert charts["survey.trust"].title == "Vraag trust?"
    assert "(17 van de 20 respondenten" in charts["survey.trust"].source   # 17 answered of 20
    assert "(18 van de 20 respondenten" in charts["survey.purpose"].source
    assert "17" in charts["survey.trust"].alt and "onderdrukt" in charts["survey.trust"].alt


def test_a_caption_gives_each_base_or_their_range(config):
    """Two questions: both bases; three or more: the range (never only the survey's total)."""
    questions = [question("a"), question("b"), question("c")]
    columns = {"a": answers(**{"1": 5, "2": 5, "3": 4}) + ["-99"] * 2, "b": answers(**{"1": 4, "2": 4, "3": 7}) + ["-99"],
               "c": answers(**{"1": 6, "2": 5, "3": 5})}
    stats = stats_with(survey=survey(questions, columns))
    t = labels_for(config, "fr", THEME)
    assert "(14 et 15 répondants sur 16 ont répondu)" in _survey_source(config, stats, t, ["a", "b"])
    assert "(14 à 16 répondants sur 16 ont répondu)" in _survey_source(config, stats, t, ["a", "b", "c"])
    nl = labels_for(config, "nl", THEME)
    assert "(14 tot 16 van de 16 respondenten" in _survey_source(config, stats, nl, ["c", "a", "b"])


def test_every_survey_chart_explains_its_whiskers(config):
    stats = stats_with(survey=sample_survey())
    for lang, words in (("fr", "intervalles de confiance à 95"), ("nl", "95%-betrouwbaarheidsintervallen")):
        chart = make_charts(config, stats, lang, False, THEME, ["survey.purpose"])["survey.purpose"]
        assert words in chart.note and "%%" not in chart.note


def dont_know_survey(dont_know: int) -> SurveyStats:
    """30 answered yes or no (27 yes, 3 no), `dont_know` said "don't know" (code 98), 2 gave no answer."""
    q = question("keep", "single", ("1", "2", "98"), dont_know=("98",))
    return survey([q], {"keep": answers(**{"1": 27, "2": 3, "98": dont_know, "-99": 2})})


def test_dont_know_answers_are_a_separate_bar_on_their_own_base(config):
    stats = stats_with(survey=dont_know_survey(6))
    chart = make_charts(config, stats, "fr", True, THEME, ["survey.keep"])["survey.keep"]
    rows = {row["key"]: row for row in data_of(chart.spec)}
    assert list(rows)[-1] == "dont_know" and rows["dont_know"]["label"] == "réponse 98"
    assert rows["dont_know"]["share"] == pytest.approx(6 / 36) and rows["dont_know"]["count"] == 6
    assert rows["dont_know"]["colour"] != rows["2"]["colour"]  # grey, apart from the answers
    assert "98" not in rows  # never one of the answers on the base of 30
    assert "(n\u00a0=\u00a036)" in chart.note and "(n\u00a0=\u00a030)" in chart.note  # all who answered; yes or no
    assert "réponse 98" in chart.alt and "réponse 98" in (chart.svg or "")


def test_a_small_dont_know_count_is_marked_and_hides_the_missing_count(config):
    stats = stats_with(survey=dont_know_survey(2))  # 2 < threshold 3
    figures = stats.survey.figures
    assert figures["survey.keep.dont_know"].suppressed and figures["survey.keep.dont_know.share"].suppressed
    assert figures["survey.keep.missing"].suppressed  # respondents - base - missing would give the 2 back
    chart = make_charts(config, stats, "fr", False, THEME, ["survey.keep"])["survey.keep"]
    rows = {row["key"]: row for row in data_of(chart.spec)}
    assert rows["dont_know"]["mark"] == "masqué" and rows["dont_know"]["share"] is None and rows["dont_know"]["count"] is None
    assert json.dumps(2 / 32) not in json.dumps(data_of(chart.spec))  # (the hatching stops are at sixty-fourths)
    none = stats_with(survey=dont_know_survey(0))
    rows = {row["key"]: row for row in data_of(make_charts(config, none, "fr", False, THEME, ["survey.keep"])["survey.keep"].spec)}
    assert rows["dont_know"]["share"] == 0 and rows["dont_know"]["mark"] == Formatter("fr").percent(0.0)


def test_numbers_follow_placement(config):
    stats = stats_with(market({"monthly": monthly([("Alpha", "2019-01-01", 4), ("Alpha", "2019-02-01", 6)])}),
                       survey=sample_survey())
    placed = ["survey.purpose", "vendors_monthly", "survey.trust"]
    charts = make_charts(config, stats, "fr", False, THEME, placed)
    assert list(charts) == placed
    assert [charts[chart_id].number for chart_id in placed] == [1, 2, 3]
    again = make_charts(config, stats, "fr", False, THEME, placed[::-1])
    assert [again[chart_id].number for chart_id in placed] == [3, 2, 1]
    assert make_charts(config, stats, "fr", False, THEME, []) == {}


def test_a_chart_placed_twice_or_unknown_is_an_error(config):
    stats = stats_with(survey=sample_survey())
    with pytest.raises(RenderError, match="placed twice"):
        make_charts(config, stats, "fr", False, THEME, ["survey.trust", "survey.trust"])
    with pytest.raises(RenderError, match="no such chart"):
        make_charts(config, stats, "fr", False, THEME, ["survey_spending"])


def test_compare_chart_names_its_series_by_the_question_texts(config):
    questions = [question("before"), question("after")]
    columns = {"before": answers(**{"1": 5, "2": 5, "3": 4}) + ["-99"], "after": answers(**{"1": 4, "2": 4, "3": 7})}
    findings = (SurveyFinding("change", ("before", "after"), {"fr": "Avant et après"}),)
    stats = stats_with(survey=survey(questions, columns, findings))
    assert chart_drawable("survey.compare.before.after", stats)
    chart = make_charts(config, stats, "fr", True, THEME, ["survey.compare.before.after"])["survey.compare.before.after"]
    assert chart.title == "Avant et après"  # the codebook finding's title; without one, a catalog title
    untitled = make_charts(config, stats, "nl", False, THEME, ["survey.compare.before.after"])["survey.compare.before.after"]
    assert untitled.title and untitled.title != "Avant et après"
    assert {row["series"] for row in data_of(chart.spec)} == {"Question before\u00a0?", "Question after\u00a0?"}
    assert "Question before" in (chart.svg or "") and "réponse 3" in (chart.svg or "")
    assert "14" in chart.source and "15" in chart.source  # each question's own base


QUESTION_IDS = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(lambda s: s not in ("compare",))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qid=QUESTION_IDS, kind=st.sampled_from(["single", "scale", "multi"]), counts=st.lists(st.integers(0, 12), min_size=2, max_size=5))
def test_any_question_id_gives_a_chart(config, qid, kind, counts):
    codes = tuple(str(index + 1) for index in range(len(counts)))
    q = question(qid, kind, codes)
    if kind == "multi":
        total = max(counts) + 1
        columns = {f"{qid}_{code}": answers(**{"1": n, "0": total - n}) for code, n in zip(codes, counts)}
    else:
        columns = {qid: answers(**dict(zip(codes, counts))) + ["-99"]}
    stats = stats_with(survey=survey([q], columns))
    chart_id = f"survey.{qid}"
    chart = make_charts(config, stats, "nl", False, THEME, [chart_id])[chart_id]
    assert chart.number == 1 and chart.title == f"Vraag {qid}?"
    rows = data_of(chart.spec)
    assert chart_drawable(chart_id, stats) is (sum(row["share"] is not None for row in rows) >= 2)
    table = stats.survey.tables[qid]
    assert [row["key"] for row in rows] == [str(key) for key in table.key]  # answers in order, then "other answers"
    figures = stats.survey.figures
    for row in rows:
        figure = figures[f"survey.{qid}.{row['key']}.share"]
        hidden = figure.suppressed and getattr(figure, "bound", None) is None
        assert (row["mark"] == "onderdrukt") is hidden
        if hidden or getattr(figure, "bound", None):
            assert row["ci_low"] is None and row["count"] is None


@pytest.mark.parametrize("top", [1, 2, 3, 7, 40])
def test_a_count_axis_labels_each_whole_number_once(top):
    """A monthly count of at most 2 vendors was labelled `0 1 1 2 2`: Vega's ticks fell between whole numbers."""
    import re

    import altair as alt
    import vl_convert

    from report.charts import _count_axis

    data = alt.Data(values=[{"m": "2024-01-01", "v": top}, {"m": "2024-02-01", "v": top}])
    spec = alt.Chart(data).mark_line().encode(x=alt.X("m:T"), y=alt.Y("v:Q", axis=_count_axis(top))).properties(height=180)
    svg = vl_convert.vegalite_to_svg(spec.to_dict())
    labels = re.findall(r"<text[^>]*>([0-9.,\u202f ]+)</text>", svg)
    numbers = [int(label.replace(",", "")) for label in labels if label.replace(",", "").isdigit()]
    assert numbers and len(numbers) == len(set(numbers)) and max(numbers) >= top
