"""Charts: which can be drawn for each shape of data, numbers from placement, generic survey charts, suppression marks."""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report.build import TEMPLATES
from report.theme import Theme
from report.charts import chart_drawable, make_charts
from report.config import load_config
from report.errors import RenderError
from report.i18n import Formatter
from report.model import Codebook, Figures, MarketStats, Question, Statistics, SurveyFinding, SurveyStats, frozen_tables
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



FROM_US = {"fr": "des États-Unis", "nl": "uit de Verenigde Staten", "de": "Versandland Vereinigte Staaten"}


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


def test_survey_charts_need_two_shown_answers():
    questions = [question("one_shown"), question("two_shown"), question("free", "text"),
                 question("ticks", "multi", ("x", "y")), question("bracketed", "numeric", brackets=(
                     {"upper": 10, "label": {"fr": "moins de 10", "nl": "minder dan 10"}},
                     {"lower": 10, "label": {"fr": "10 ou plus", "nl": "10 of meer"}}))]
    columns = {  # 16 respondents
        "one_shown": answers(**{"1": 10, "2": 1, "3": 5}),                  # 2 hidden, then 3 (it would give 2 away)
        "two_shown": answers(**{"1": 8, "2": 8}),                           # code 3 at 0 % is a category too
        "free": ["text"] * 16,
        "ticks_x": answers(**{"1": 8, "0": 8}), "ticks_y": answers(**{"1": 1, "0": 15}),  # y: one tick, hidden
        "bracketed": [str(v) for v in [*range(1, 9), *range(11, 19)]],
    }
    stats = stats_with(survey=survey(questions, columns))
    assert stats.survey.tables["one_shown"].suppressed.tolist() == [False, True, True]
    assert chart_drawable("survey.one_shown", stats) is False
    assert chart_drawable("survey.two_shown", stats) is True
    assert chart_drawable("survey.free", stats) is False            # text questions have no chart
    assert chart_drawable("survey.ticks", stats) is False           # one option hidden: one bar left
    assert chart_drawable("survey.bracketed", stats) is True
    assert chart_drawable("survey.not_a_question", stats) is False


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


def test_suppressed_answers_keep_their_row_marked_and_zero_is_a_bar(config):
    stats = stats_with(survey=sample_survey())
    table = stats.survey.tables["trust"]
    assert table.suppressed.tolist() == [False, True, True, False]  # the premise: 2 and 3 hidden, 4 shown at 0
    chart = make_charts(config, stats, "fr", True, THEME, ["survey.trust"])["survey.trust"]
    rows = {row["key"]: row for row in data_of(chart.spec)}
    assert set(rows) == {"1", "2", "3", "4"}
    for hidden in ("2", "3"):
        assert rows[hidden]["mark"] == "[c]"
        assert rows[hidden]["share"] is None and rows[hidden]["count"] is None and rows[hidden]["ci_low"] is None
    assert rows["4"]["share"] == 0 and rows["4"]["mark"] == Formatter("fr").percent(0.0)
    assert rows["1"]["mark"] == ""
    assert chart.svg is not None
    assert chart.svg.count(">[c]</text>") == 2 and f">{Formatter('fr').percent(0.0)}</text>" in chart.svg
    for label in ("réponse 1", "réponse 2", "réponse 3", "réponse 4"):
        assert label in chart.svg  # every answer on the axis, hidden ones too
    published = json.dumps(chart.spec) + chart.alt + chart.source
    assert '"count": 2' not in published and '"count": 3' not in published


def test_survey_source_uses_the_chart_base_and_title_the_question_text(config):
    stats = stats_with(survey=sample_survey())
    charts = make_charts(config, stats, "nl", False, THEME, ["survey.trust", "survey.purpose"])
    assert charts["survey.trust"].title == "Vraag trust?"
    assert "17" in charts["survey.trust"].source and "20" in charts["survey.trust"].source   # 17 answered of 20
    assert "18" in charts["survey.purpose"].source
    assert "17" in charts["survey.trust"].alt and "[c]" in charts["survey.trust"].alt


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
    shown = stats.survey.tables[qid].pipe(lambda t: t[~t.suppressed.astype(bool) & t.share.notna()])
    assert chart_drawable(chart_id, stats) is (len(shown) >= 2)
    chart = make_charts(config, stats, "nl", False, THEME, [chart_id])[chart_id]
    assert chart.number == 1 and chart.title == f"Vraag {qid}?"
    rows = data_of(chart.spec)
    assert len(rows) == len(codes)
    hidden = stats.survey.tables[qid].suppressed.astype(bool).tolist()
    assert [row["mark"] == "[c]" for row in rows] == hidden
