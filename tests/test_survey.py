"""The survey stage and its codebook: the schema's errors, declared codes, findings, crosstabs, no survey, no NaN."""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from report.codebook import check_crosstabs, read_codebook
from report.config import load_config
from report.errors import ConfigError, InputError
from report.load import load_inputs
from report.model import Codebook, Question
from report.survey import Disclosure, summarise_survey

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["fr", "nl"]

SINGLE = """\
questions:
  q1:
    type: single
    column: q1
    text: {fr: Question, nl: Vraag}
    labels:
      1: {fr: Oui, nl: Ja}
      2: {fr: Non, nl: Nee}
    missing: [-99]
"""


def codebook_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def codebook_error(tmp_path: Path, text: str, languages: list[str] = LANGS) -> str:
    with pytest.raises(ConfigError) as caught:
        read_codebook(codebook_file(tmp_path, text), languages)
    return str(caught.value)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def load(project: Path):
    config, base = load_config(project / "config.yaml")
    return config, load_inputs(config, base)


# -- the codebook's schema ------------------------------------------------------------------------------------

def test_the_sample_codebook_reads():
    codebook = read_codebook(ROOT / "sample_inputs" / "codebook.yaml", ["fr", "nl", "de"])
    placed = [qid for finding in codebook.findings for qid in finding.questions]
    assert sorted(placed) == sorted(codebook.questions) and len(codebook.findings) < len(codebook.questions)
    assert all(set(finding.title) == {"fr", "nl", "de"} for finding in codebook.findings)
    assert codebook.questions["purpose"].ticked == ("1",) and codebook.questions["purpose"].not_ticked == ("0",)
    assert codebook.questions["spending_eur"].brackets[2] == {"lower": 250, "upper": 1000,
                                                              "label": codebook.questions["spending_eur"].brackets[2]["label"]}


def test_an_unknown_key_names_file_line_and_the_key_meant(tmp_path):
    message = codebook_error(tmp_path, SINGLE.replace("    missing: [-99]", "    mising: [-99]"))
    assert "codebook.yaml:9:" in message and "unknown key 'mising'" in message and "did you mean 'missing'" in message


def test_an_unknown_key_in_a_bracket_is_hinted_from_the_bracket_keys(tmp_path):
    text = """\
    questions:
      age:
        type: numeric
        column: age
        text: {fr: Âge, nl: Leeftijd}
        brackets:
        - {upper: 25, label: {fr: jeune, nl: jong}}
        - {lowr: 25, label: {fr: moins jeune, nl: minder jong}}
    """
    message = codebook_error(tmp_path, text)
    assert "codebook.yaml:8:" in message and "did you mean 'lower'" in message


def test_an_unknown_question_type_is_refused_at_its_line(tmp_path):
    message = codebook_error(tmp_path, SINGLE.replace("type: single", "type: singel"))
    assert "codebook.yaml:3:" in message and "questions.q1.type" in message and "'single'" in message


def test_every_text_and_label_needs_every_language(tmp_path):
    message = codebook_error(tmp_path, SINGLE, ["fr", "nl", "de"])
    assert "questions.q1.text has no 'de' text" in message and "codebook.yaml:5:" in message
    assert "questions.q1.labels.1 has no 'de' text" in message and "codebook.yaml:7:" in message


def test_a_yaml_boolean_code_is_explained(tmp_path):
    message = codebook_error(tmp_path, SINGLE.replace("      2: {fr: Non", "      no: {fr: Non"))
    assert "codebook.yaml:8:" in message and "put it in quotes" in message


def test_a_question_id_that_cannot_be_part_of_a_figure_id_is_refused(tmp_path):
    message = codebook_error(tmp_path, SINGLE.replace("  q1:", "  q.1:"))
    assert "codebook.yaml:2:" in message and "'q.1'" in message and "figure ids" in message


BRACKETS = """\
questions:
  spend:
    type: numeric
    column: spend
    text: {fr: Dépenses, nl: Uitgaven}
    brackets:
    - {upper: 100, label: {fr: a, nl: a}}
    - {lower: LOW, upper: HIGH, label: {fr: b, nl: b}}
    - {lower: 500, label: {fr: c, nl: c}}
"""


@pytest.mark.parametrize("low, high, expected", [
    (50, 500, "below the end of the bracket before (100): brackets overlap or are out of order"),
    (100, 600, "below the end of the bracket before (600)"),
    (300, 200, "lower (300) must be below upper (200)"),
    (150, 500, "answers from 100 to 150 would fall in no bracket"),
])
def test_overlapping_unordered_or_gapped_brackets_are_refused(tmp_path, low, high, expected):
    message = codebook_error(tmp_path, BRACKETS.replace("LOW", str(low)).replace("HIGH", str(high)))
    assert expected in message and "codebook.yaml:" in message


def test_top_codes_must_be_answers(tmp_path):
    message = codebook_error(tmp_path, SINGLE.replace("    missing: [-99]", "    top: [3]"))
    assert "questions.q1.top: '3' is not an answer code" in message and "codebook.yaml:9:" in message


def test_a_key_of_another_question_type_is_refused(tmp_path):
    message = codebook_error(tmp_path, SINGLE.replace("    missing: [-99]", "    ticked: ['x']"))
    assert "questions.q1.ticked: only multi questions" in message and "codebook.yaml:9:" in message


def test_a_code_cannot_be_both_an_answer_and_missing(tmp_path):
    message = codebook_error(tmp_path, SINGLE.replace("missing: [-99]", "missing: [-99, 2]"))
    assert "code(s) 2 are both in 'missing' and in 'labels'" in message


MULTI = """\
questions:
  q2:
    type: multi
    columns: {a: q2_a, b: q2_b}
    text: {fr: Question, nl: Vraag}
    labels:
      a: {fr: A, nl: A}
      b: {fr: B, nl: B}
"""


def test_a_multi_option_needs_a_label(tmp_path):
    message = codebook_error(tmp_path, MULTI.replace("      b: {fr: B, nl: B}\n", ""))
    assert "questions.q2.labels: option(s) without a label: b" in message


def test_ticked_and_not_ticked_cannot_share_a_code(tmp_path):
    message = codebook_error(tmp_path, MULTI + "    ticked: ['1', 'Yes']\n    not_ticked: ['0', 'Yes']\n")
    assert "code(s) Yes are both in 'ticked' and in 'not_ticked'" in message


# -- findings ------------------------------------------------------------------------------------------------

FINDINGS = SINGLE + MULTI.removeprefix("questions:\n") + """\
findings:
- {id: first, questions: [q2], title: {fr: Premier, nl: Eerste}}
"""


def test_without_findings_each_question_is_its_own_finding_in_codebook_order(tmp_path):
    codebook = read_codebook(codebook_file(tmp_path, SINGLE + MULTI.removeprefix("questions:\n")), LANGS)
    assert [(f.id, f.questions) for f in codebook.findings] == [("q1", ("q1",)), ("q2", ("q2",))]


def test_findings_group_questions_and_the_rest_follow(tmp_path):
    codebook = read_codebook(codebook_file(tmp_path, FINDINGS), LANGS)
    assert [(f.id, f.questions) for f in codebook.findings] == [("first", ("q2",)), ("q1", ("q1",))]
    assert codebook.findings[0].title == {"fr": "Premier", "nl": "Eerste"}


def test_a_finding_naming_an_unknown_question_says_which_was_meant(tmp_path):
    message = codebook_error(tmp_path, FINDINGS.replace("questions: [q2]", "questions: [q02]"))
    assert "findings[0].questions: 'q02' is not a question" in message and "did you mean" in message
    assert "codebook.yaml:18:" in message


def test_a_question_in_two_findings_is_refused(tmp_path):
    message = codebook_error(tmp_path, FINDINGS + "- {id: second, questions: [q1, q2]}\n")
    assert "findings[1].questions: 'q2' is already in finding 'first'" in message and "codebook.yaml:19:" in message


def test_a_finding_title_needs_every_language(tmp_path):
    message = codebook_error(tmp_path, FINDINGS, ["fr", "nl", "de"])
    assert "findings[0].title has no 'de' text" in message


# -- crosstabs -----------------------------------------------------------------------------------------------

def crosstab_codebook() -> Codebook:
    def question(qid: str, qtype: str) -> Question:
        return Question(id=qid, type=qtype, columns={"value": qid}, text={}, labels={"1": {}},  # type: ignore[arg-type]
                        brackets=({"label": {}},) if qtype == "numeric" else ())
    return Codebook({qid: question(qid, qtype) for qid, qtype in
                     (("spending", "numeric"), ("purpose", "multi"), ("comment", "text"), ("gender", "single"))})


def test_a_crosstab_naming_an_unknown_question_names_the_key_and_the_question_meant():
    with pytest.raises(ConfigError) as caught:
        check_crosstabs([("spendng", "purpose")], crosstab_codebook())
    assert "crosstabs[0].rows: 'spendng' is not a question" in str(caught.value)
    assert "did you mean 'spending'" in str(caught.value)


@pytest.mark.parametrize("rows, columns, key", [("purpose", "gender", "crosstabs[0].rows"),
                                                ("gender", "comment", "crosstabs[0].columns")])
def test_a_crosstab_of_types_that_cannot_be_crossed_is_refused(rows, columns, key):
    with pytest.raises(ConfigError) as caught:
        check_crosstabs([(rows, columns)], crosstab_codebook())
    assert key in str(caught.value)


def test_crosstabs_are_checked_when_the_inputs_are_loaded(project):
    edit(project / "config.yaml", "disclosure:", "crosstabs: [{rows: q33, columns: q2}]\ndisclosure:")
    with pytest.raises(ConfigError) as caught:
        load(project)
    assert "crosstabs[0].rows: 'q33'" in str(caught.value) and "did you mean 'q3'" in str(caught.value)


# -- codes in the survey -------------------------------------------------------------------------------------

def test_multi_response_coded_yes_no_is_an_input_error_not_zero_percent(project):
    """Issue 9: a multi option coded Yes/No was read as never ticked (a 95 % share reported as 0 %)."""
    edit(project / "survey.csv", "R01,1,1,0,", "R01,1,Yes,No,")
    with pytest.raises(InputError) as caught:
        load(project)
    message = str(caught.value)
    assert "survey.csv:2" in message and "column q2_a" in message and "'Yes'" in message
    assert "ticked code (1)" in message


def test_declared_ticked_codes_are_counted(tmp_path):
    text = MULTI + "    ticked: [\"Yes\"]\n    not_ticked: [\"No\"]\n"
    codebook = read_codebook(codebook_file(tmp_path, text), LANGS)
    frame = pd.DataFrame({"q2_a": ["Yes"] * 19 + ["No"], "q2_b": ["No"] * 20})
    figures = summarise_survey(frame, codebook, Disclosure(threshold=1)).figures
    assert figures["survey.q2.a.share"].value == pytest.approx(0.95)
    assert figures["survey.q2.b.share"].value == 0.0


def test_a_single_choice_code_not_in_the_labels_names_file_line_column_and_value(project):
    edit(project / "survey.csv", "R06,2,", "R06,7,")
    with pytest.raises(InputError) as caught:
        load(project)
    message = str(caught.value)
    assert "survey.csv:7" in message and "column q1" in message and "'7'" in message


def test_a_number_outside_every_bracket_is_an_input_error(project):
    edit(project / "codebook.yaml", "- {upper: 100,", "- {lower: 0, upper: 100,")
    edit(project / "survey.csv", "R12,NA,,,10,", "R12,NA,,,-5,")
    with pytest.raises(InputError) as caught:
        load(project)
    assert "survey.csv:13" in str(caught.value) and "none of the brackets" in str(caught.value)


# -- no survey, no answers -----------------------------------------------------------------------------------

def test_no_survey_gives_empty_statistics_and_says_why():
    stats = summarise_survey(None, None, Disclosure())
    assert stats.respondents == 0 and not stats.tables and not stats.codebook.questions
    assert stats.figures["survey.respondents"].value is None
    assert stats.figures["survey.respondents"].reason == "no survey"


def test_a_project_without_survey_loads_without_one(project):
    edit(project / "config.yaml", "  survey: survey.csv\n  codebook: codebook.yaml\n", "")
    config, inputs = load(project)
    assert inputs.survey is None and inputs.codebook is None
    assert "survey" not in inputs.files and "codebook" not in inputs.files


def test_a_question_nobody_answered_gives_null_figures_never_nan(project):
    config, inputs = load(project)
    blank = inputs.survey.assign(**{column: "" for column in inputs.survey.columns if column != "respondent_id"})
    stats = summarise_survey(blank, inputs.codebook, Disclosure(threshold=3), [("q3", "q2"), ("q4", "q1")])
    for figure in stats.figures.values():
        for number in (figure.value, figure.ci_low, figure.ci_high):
            assert not (isinstance(number, float) and math.isnan(number)), figure
    assert stats.figures["survey.q1.1.share"].value is None
    assert stats.figures["survey.q3.median"].value is None and stats.figures["survey.q3.median"].reason == "no answers"


def test_the_documented_example_is_a_valid_codebook(tmp_path):
    text = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    codebook = read_codebook(codebook_file(tmp_path, example), LANGS)
    assert codebook.questions["buys_for"].ticked == ("Yes",)
    assert [finding.id for finding in codebook.findings] == ["buying"]
