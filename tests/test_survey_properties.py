"""Property tests of the survey statistics: percentages, suppression and intervals hold for any answers."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from report.model import Codebook, Question
from report.survey import Disclosure, summarise_survey, wilson

CODES = ["1", "2", "3", "4", "5"]
SINGLE = Question(id="q", type="single", columns={"value": "q"}, text={"fr": "q", "nl": "q"},
                  labels={code: {"fr": code, "nl": code} for code in CODES + ["98"]}, missing=("-99", "NA"), dont_know=("98",))
answers = st.lists(st.sampled_from(CODES + ["98", "-99", "NA", ""]), min_size=1, max_size=150)


def stats_for(values: list[str], threshold: int = 10):
    frame = pd.DataFrame({"q": values})
    return summarise_survey(frame, Codebook({"q": SINGLE}), Disclosure(threshold=threshold))


@settings(max_examples=200, deadline=None)
@given(answers)
def test_single_choice_percentages_sum_to_100(values):
    table = stats_for(values).tables["q"]
    table = table[table.kind == "answer"]  # the merged "other answers" row repeats answers already counted
    base = int(table["count"].sum())
    if base:
        assert abs(table["share"].sum() - 1.0) < 1e-9
        rounded = sum(round(share * 100) for share in table["share"])
        assert abs(rounded - 100) <= len(table)  # whole percents: off by at most rounding, one per row


@settings(max_examples=300, deadline=None)
@given(answers, st.integers(min_value=2, max_value=12))
def test_no_suppressed_cell_can_be_recovered_from_the_totals(values, threshold):
    stats = stats_for(values, threshold)
    table = stats.tables["q"]
    hidden = table[table.suppressed]
    # The base is printed; a single hidden cell would be base minus the shown cells, unless the largest answer is
    # given only as a bound.
    assert len(hidden) != 1 or table.bound.notna().any()
    for row in hidden.itertuples():
        assert not stats.figures[f"survey.q.{row.key}.share"].public
        assert not stats.figures[f"survey.q.{row.key}.count"].public
    # Every cell from 1 to threshold - 1 is hidden.
    small = table[(table["count"] > 0) & (table["count"] < threshold)]
    assert small.suppressed.all()


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.data())
def test_every_interval_contains_its_estimate(n, data):
    successes = data.draw(st.integers(min_value=0, max_value=n))
    low, high = wilson(successes, n)
    assert 0.0 <= low <= successes / n <= high <= 1.0


@settings(max_examples=100, deadline=None)
@given(answers)
def test_missing_codes_are_never_answers(values):
    figures = stats_for(values, threshold=1).figures
    valid = [v for v in values if v in CODES]
    assert figures["survey.q.base"].value == len(valid)
    assert figures["survey.q.missing"].value == sum(v in ("-99", "NA", "") for v in values)
    assert figures["survey.q.dont_know"].value == values.count("98")


codes = st.text(alphabet="abcXYZ019-", min_size=1, max_size=4).filter(lambda code: code not in ("-99", "NA"))


@settings(max_examples=100, deadline=None)
@given(st.lists(codes, min_size=1, max_size=3, unique=True), st.data())
def test_multi_shares_count_the_declared_ticked_codes(ticked, data):
    not_ticked = data.draw(st.lists(codes.filter(lambda code: code not in ticked), min_size=1, max_size=3, unique=True))
    values = data.draw(st.lists(st.sampled_from([*ticked, *not_ticked, "", "-99"]), min_size=1, max_size=80))
    question = Question(id="m", type="multi", columns={"a": "m_a"}, text={}, labels={"a": {}}, missing=("-99",),
                        ticked=tuple(ticked), not_ticked=tuple(not_ticked))
    figures = summarise_survey(pd.DataFrame({"m_a": values}), Codebook({"m": question}), Disclosure(threshold=1)).figures
    answered = [value for value in values if value not in ("", "-99")]
    assert figures["survey.m.base"].value == len(answered)
    expected = sum(value in ticked for value in answered) / len(answered) if answered else None
    assert figures["survey.m.a.share"].value == (pytest.approx(expected) if answered else None)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["", "-99", "NA", "98", "1", "2"]), min_size=1, max_size=40), st.integers(min_value=1, max_value=12))
def test_no_figure_is_nan_however_few_the_answers(values, threshold):
    numeric = Question(id="n", type="numeric", columns={"value": "n"}, text={}, labels={}, missing=("-99", "NA"),
                       dont_know=("98",), brackets=({"upper": 10, "label": {}}, {"lower": 10, "label": {}}))
    frame = pd.DataFrame({"q": values, "n": values})
    codebook = Codebook({"q": SINGLE, "n": numeric})
    stats = summarise_survey(frame, codebook, Disclosure(threshold=threshold), [("n", "q")])
    for figure in stats.figures.values():
        for number in (figure.value, figure.ci_low, figure.ci_high):
            assert not (isinstance(number, float) and math.isnan(number)), figure
