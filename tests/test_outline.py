"""The shared outline: findings follow the data, numbers follow placement, every language says the same thing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from report.build import TEMPLATES, compute, configured, validate
from report.errors import RenderError
from report.load import load_inputs
from report.outline import NEEDS, ChartRef, Finding, LeftOut, Node, OutlineSpec, Table, plan, plan_report, read_outline


def _stats(config_path: Path):
    config, base = configured(config_path)
    return compute(config, load_inputs(config, base))


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(getattr(node, "children", ()))


def _placed(report_plan):
    for section in report_plan.sections:
        yield from _walk(section.body)
        for finding in section.findings:
            if isinstance(finding, Finding):
                yield from _walk(finding.body)


def _edit(project: Path, change) -> Path:
    config_path = project / "config.yaml"
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    change(data)
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config_path


def test_the_outline_file_is_valid_and_every_need_is_known():
    outline = read_outline(TEMPLATES / "outline.yaml")
    needs = {need for section in outline.sections for finding in section.findings for need in finding.needs}
    assert needs <= set(NEEDS)
    assert [section.id for section in outline.sections][:2] == ["key-points", "context"]


def test_an_unknown_need_is_refused():
    with pytest.raises(ValueError, match="unknown need 'three_markets'"):
        Node(say="x", needs=["three_markets"])


def test_tables_and_charts_are_numbered_in_the_order_they_are_placed(project):
    report_plan = plan_report(TEMPLATES / "outline.yaml", _stats(project / "config.yaml"))
    placed = list(_placed(report_plan))
    tables = [node.number for node in placed if isinstance(node, Table)]
    charts = [node for node in placed if isinstance(node, ChartRef)]
    assert tables == list(range(1, len(tables) + 1))
    assert [chart.number for chart in charts] == list(range(1, len(charts) + 1))
    assert tuple(chart.id for chart in charts) == report_plan.charts


def test_a_condition_on_a_figure_that_was_not_computed_names_it(project):
    stats = _stats(project / "config.yaml")
    outline = OutlineSpec.model_validate({"sections": [{"id": "s", "title": "T", "prose": "vendors",
                                                        "body": [{"say": "intro", "when": "value('no.such.figure') > 1"}]}]})
    with pytest.raises(RenderError, match="no.such.figure"):
        plan(outline, stats, lambda chart_id: True)


def test_without_sales_the_sales_finding_is_left_out_with_its_reason(project):
    config_path = _edit(project, lambda data: (data["inputs"].pop("feedback"), data["inputs"].update(sales="none")))
    report_plan = plan_report(TEMPLATES / "outline.yaml", _stats(config_path))
    coverage = {finding: state for _, finding, state in report_plan.coverage()}
    assert coverage["wholesale"] == f"left out: {NEEDS['sales'][1]}"
    assert coverage["share"] == "shown"
    assert "transaction_values" not in report_plan.charts


def test_without_a_survey_there_is_no_buyers_section(project):
    config_path = _edit(project, lambda data: (data["inputs"].pop("survey"), data["inputs"].pop("codebook")))
    report_plan = plan_report(TEMPLATES / "outline.yaml", _stats(config_path))
    assert "buyers" not in [section.id for section in report_plan.sections]
    assert not [chart for chart in report_plan.charts if chart.startswith("survey.")]


def test_validate_renders_every_edition_and_reports_coverage(project):
    checked = validate(project / "config.yaml")
    rows = checked.plan.coverage()
    assert {finding for _, finding, _ in rows} >= {"share", "offer", "shipping", "origins", "wholesale", "migration"}
    assert all(state == "shown" or state.startswith("left out: ") for _, _, state in rows)


def test_a_template_error_names_the_prose_file_and_line(project, tmp_path):
    prose = project / "custom" / "prose" / "fr"
    prose.mkdir(parents=True)
    (prose / "vendors.html.j2").write_text('{% macro intro() %}\nOK {{ fig("no.such.figure") }}{% endmacro %}\n', encoding="utf-8")
    config_path = _edit(project, lambda data: data.update(custom_dir="custom"))
    with pytest.raises(RenderError) as caught:
        validate(config_path)
    assert "no.such.figure" in str(caught.value)
    assert re.search(r"prose/fr/vendors\.html\.j2:2", str(caught.value)), str(caught.value)


def test_a_project_fragment_replaces_the_shipped_one_and_an_unknown_question_fragment_is_reported(project):
    for lang in ("fr", "nl"):
        prose = project / "custom" / "prose" / lang
        prose.mkdir(parents=True)
        (prose / "vendors.html.j2").write_text("{% macro intro() %}Texte propre au projet.{% endmacro %}\n", encoding="utf-8")
        (prose / "survey.html.j2").write_text("{% macro q_no_such_question() %}Jamais utilisé.{% endmacro %}\n", encoding="utf-8")
    config_path = _edit(project, lambda data: data.update(custom_dir="custom"))
    checked = validate(config_path)
    assert any("q_no_such_question" in note for note in checked.notes)


def test_a_recommendation_is_placed_only_with_a_finding_it_rests_on(project):
    """Without sales, the wholesale finding is left out: the recommendation resting on it alone goes with it, the
    others name only findings this edition shows."""
    config_path = _edit(project, lambda data: data["inputs"].update(sales="none"))
    report_plan = plan_report(TEMPLATES / "outline.yaml", _stats(config_path))
    shown = {finding.id for section in report_plan.sections for finding in section.findings if isinstance(finding, Finding)}
    shown |= {section.id for section in report_plan.sections}
    placed = [node for node in _placed(report_plan) if hasattr(node, "rests_on")]
    names = {node.name for node in placed}
    assert "wholesale" not in shown and "supply_finance" not in names
    assert {"supply_monitoring", "supply_teams", "demand_evidence"} <= names
    assert all(set(node.rests_on) <= shown for node in placed)
