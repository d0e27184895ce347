"""Charts' text alternatives: alt text from the data, the data as a table, Vega's own labels, in every edition language."""
from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from report.build import TEMPLATES, compute, configured
from report.charts import NO_VALUE, SUPPRESSED_MARK, _lines, labels_for, make_charts, print_spec, to_svg, valid_spec
from report.load import load_inputs
from report.model import Chart, Statistics
from report.outline import plan_report
from report.theme import Theme, theme_of

from .test_charts import THEME, answers, config, market, monthly, question, stats_with, survey  # noqa: F401 - config is a fixture

LANGS = ("fr", "nl", "de")
SAMPLE = TEMPLATES.parent / "config" / "sample.yaml"
ENGLISH_ARIA = ("mark container", "axis", "legend", "Tooltip", "titled", "scale with", "visualization")


def data_fields(spec: Any) -> set[str]:
    """Every field name of the records a spec draws (the raw names a reader must never see)."""
    fields: set[str] = set()
    for records in (spec.get("datasets") or {}).values():
        for record in records:
            fields.update(record)
    return fields


def cells(chart: Chart) -> list[str]:
    assert chart.table is not None, chart.id
    return [*chart.table.columns, *(cell for row in chart.table.rows for cell in row)]


def raw_names_in(text: str, fields: set[str]) -> list[str]:
    return [name for name in fields if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]


# --- fast: hand-built statistics ---------------------------------------------------------------------------------------

def test_a_hidden_answer_is_only_its_mark_in_the_table(config):
    stats = stats_with(survey=survey([question("q1", "single")], {"q1": answers(**{"1": 14, "2": 1, "3": 12})}))
    chart = make_charts(config, stats, "fr", svg=False, theme=THEME, placed=["survey.q1"])["survey.q1"]
    assert chart.table is not None and chart.table.columns[0] == "Réponse"
    rows = {row[0]: row[1:] for row in chart.table.rows}
    mark = labels_for(config, "fr", THEME).gettext(SUPPRESSED_MARK)
    assert rows["réponse 2"] == (mark, NO_VALUE, NO_VALUE)  # no share, interval nor count for the hidden answer
    assert rows["réponse 1"][2] == "14"
    assert "14" in chart.alt or "52" in chart.alt  # the top answer's share (14 of 27) is named
    assert mark in chart.alt and chart.spec["description"] == chart.alt


def test_a_monthly_alt_text_names_each_series_first_and_last_month(config):
    stats = stats_with(market({"monthly": monthly([("Alpha", "2019-01-01", 4), ("Alpha", "2019-02-01", 7), ("Alpha", "2019-03-01", 12),
                                                   ("Beta", "2019-02-01", 3)])}, markets=("Alpha", "Beta")))
    for lang, month in (("fr", "janvier 2019"), ("nl", "januari 2019"), ("de", "Januar 2019")):
        chart = make_charts(config, stats, lang, svg=False, theme=THEME, placed=["vendors_monthly"])["vendors_monthly"]
        alt = chart.alt.replace("\u00a0", " ")
        assert month in alt and "4" in alt and "12" in alt and "Beta" in alt, alt
        assert chart.table is not None and len(chart.table.rows) == 3
        assert chart.table.rows[0][1:] == ("4", NO_VALUE)  # Beta not observed in January


def test_labels_wrap_on_phones_at_spaces_and_dashes():
    assert _lines("500\u20131\u202f000\u00a0€", 8) == ["500\u2013", "1\u202f000\u00a0€"]
    assert _lines("Par des forums sur le web visible (clear web)", 24, most=2) == ["Par des forums sur le", "web visible (clear web)"]


def test_the_html_spec_fills_its_container_and_the_pdf_keeps_its_width(config):
    stats = stats_with(market({"monthly": monthly([("Alpha", "2019-01-01", 4), ("Alpha", "2019-02-01", 7)])}))
    chart = make_charts(config, stats, "fr", svg=False, theme=THEME, placed=["vendors_monthly"])["vendors_monthly"]
    assert chart.spec["width"] == "container" and chart.spec["autosize"]["type"] == "fit-x"
    printed = print_spec(chart.spec)
    assert isinstance(printed["width"], int) and "autosize" not in printed


# --- slow: the sample in every language ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_charts() -> tuple[Statistics, dict[str, dict[str, Chart]]]:
    config, base = configured(SAMPLE)
    stats = compute(config, load_inputs(config, base))
    plan = plan_report(TEMPLATES / "outline.yaml", stats)
    theme: Theme = theme_of(config, base)
    return stats, {lang: make_charts(config, stats, lang, svg=False, theme=theme, placed=plan.charts) for lang in LANGS}


def hidden_values(stats: Statistics, lang: str) -> dict[str, list[str]]:
    """Each hidden survey answer's question id -> the ways its true share and count would be written."""
    from report.i18n import Formatter

    fmt = Formatter(lang)
    hidden: dict[str, list[str]] = {}
    for figure_id, figure in stats.survey.figures.items():
        if figure_id.endswith(".share") and figure.suppressed and figure.value is not None:
            count = stats.survey.figures.get(figure_id[: -len(".share")] + ".count")
            qid = figure_id.split(".")[1]
            hidden.setdefault(qid, []).append(fmt.percent(float(figure.value)))
            if count is not None and count.value is not None:
                hidden[qid].append(str(int(count.value)))
    return hidden


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_sample_chart_has_a_readable_table_and_an_alt_text_from_its_data(sample_charts, lang):
    stats, by_lang = sample_charts
    charts = by_lang[lang]
    for chart in charts.values():
        valid_spec(chart.spec)  # Vega-Lite's schema, which the build itself does not check
    assert charts
    hidden = hidden_values(stats, lang)
    for chart_id, chart in charts.items():
        table = chart.table
        assert table is not None and table.rows, chart_id
        assert all(len(row) == len(table.columns) == len(table.numeric) for row in table.rows), chart_id
        fields = data_fields(chart.spec) | {column for frame in stats.market.tables.values() for column in frame.columns}
        assert not raw_names_in(" | ".join(cells(chart)), fields), (chart_id, raw_names_in(" | ".join(cells(chart)), fields))
        # the alt text is the chart's own: it names values of its table (numbers with their labels), never a bare "Figure"
        numbers = [cell for row in table.rows for cell, numeric in zip(row, table.numeric) if numeric and re.search(r"\d", cell)]
        assert any(number in chart.alt for number in numbers), (chart_id, chart.alt)
        assert any(row[0] in chart.alt for row in table.rows), (chart_id, chart.alt)
        assert chart.spec["description"] == chart.alt
        # a hidden answer's row holds its mark and nothing else
        mark_rows = [row for row in table.rows if any(cell == labels_for_mark(lang) for cell in row[1:])]
        for row in mark_rows:
            assert set(row[1:]) <= {labels_for_mark(lang), NO_VALUE} or chart_id.startswith("survey.compare."), row
        if chart_id.startswith("survey.") and not chart_id.startswith("survey.compare."):
            qid = chart_id[len("survey."):]
            for row in mark_rows:
                assert not set(row[1:]) & set(hidden.get(qid, [])), row


def drawn_tokens(chart: Chart, lang: str) -> set[str]:
    """Every way a number the chart's spec draws (its data records) can be written in the edition's conventions."""
    from report.i18n import Formatter

    from .textcheck import NUMBER

    def numeric(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    fmt = Formatter(lang)
    values: list[float] = []
    for records in (chart.spec.get("datasets") or {}).values():
        values += [value for record in records for value in record.values() if numeric(value)]
        # a stacked bar's length: the sum of its parts, grouped by any label field
        for field in {key for record in records for key, value in record.items() if isinstance(value, str)}:
            sums: dict[str, dict[str, float]] = {}
            for record in records:
                for key, value in record.items():
                    if numeric(value) and isinstance(record.get(field), str):
                        group = sums.setdefault(record[field], {})
                        group[key] = group.get(key, 0) + value
            values += [total for group in sums.values() for total in group.values()]
    tokens: set[str] = set()
    for value in values:
        for digits in (0, 1):
            tokens |= set(NUMBER.findall(fmt.number(value, digits) + " " + fmt.percent(abs(value), digits)))
    return tokens


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_number_in_a_chart_table_is_drawn_in_its_chart(sample_charts, lang):
    """The tables give the charts' own data: no number a reader of the chart could not read off it (or its tooltip)."""
    from .textcheck import NUMBER

    from report.build import figures_json

    from .textcheck import formatted_tokens

    stats, by_lang = sample_charts
    published = formatted_tokens({r["id"]: r for r in json.loads(figures_json(stats, public=True))["figures"]}, lang)
    for chart_id, chart in by_lang[lang].items():
        assert chart.table is not None
        numbers = {token for row in chart.table.rows for cell, numeric in zip(row, chart.table.numeric) if numeric
                   for token in NUMBER.findall(cell)}
        stray = numbers - drawn_tokens(chart, lang) - published  # the base is a published figure (in the caption)
        assert not stray, (chart_id, sorted(stray)[:10])


def labels_for_mark(lang: str) -> str:
    from report.i18n import translations

    return translations(TEMPLATES / "locales", lang).gettext(SUPPRESSED_MARK)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_vega_labels_are_in_the_edition_language(sample_charts, lang):
    """The printed SVG is named by the alt text; Vega's own English descriptions and raw field names are gone."""
    from report.i18n import Formatter

    stats, by_lang = sample_charts
    for chart_id, chart in by_lang[lang].items():
        svg = to_svg(chart.spec, Formatter(lang))
        labels = [html.unescape(value) for value in re.findall(r'aria-(?:label|roledescription|description)="([^"]*)"', svg)]
        assert labels and labels[0] == chart.alt, chart_id
        english = [label for label in labels if any(word in label for word in ENGLISH_ARIA)]
        assert not english, (chart_id, english[:3])
        tooltips = json.dumps(chart.spec, ensure_ascii=False)
        titles = re.findall(r'"tooltip": \[(.*?)\]', tooltips)
        assert all('"title"' in part for part in titles), chart_id  # every tooltip line has a readable title
