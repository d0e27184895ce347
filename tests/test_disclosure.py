"""Disclosure control as published: public and internal figure records, bounds, merged answers, fig()'s rules."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from report.build import figures_json, internal_figures_path
from report.errors import ConfigError
from report.model import too_few, under_threshold
from report.i18n import Formatter
from report.model import Codebook, Figure, Figures, Question, Statistics
from report.outline import _default_sentences, ranked_codes
from report.render import Inserter, RenderContext
from report.survey import Disclosure, summarise_survey
from report.theme import Theme

CODES = ["1", "2", "3"]
SINGLE = Question("q", "single", {"value": "q"}, {"fr": "q"}, {c: {"fr": f"r{c}", "nl": f"r{c}", "de": f"r{c}"} for c in CODES})


def survey(counts: dict[str, int], rule: Disclosure = Disclosure()) -> Statistics:
    values = [code for code, n in counts.items() for _ in range(n)]
    stats = summarise_survey(pd.DataFrame({"q": values}), Codebook({"q": SINGLE}), rule)
    return Statistics(stats.figures, None, stats)  # type: ignore[arg-type]


def public_records(stats: Statistics) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads(figures_json(stats, public=True))["figures"]}


def test_a_hidden_answer_is_published_without_value_interval_or_count_and_its_reason_has_no_number():
    stats = survey({"1": 85, "2": 2, "3": 0})
    hidden = public_records(stats)["survey.q.2.share"]
    assert set(hidden) == {"id", "unit", "suppressed", "reason"} and hidden["suppressed"] is True
    assert not re.search(r"\d", hidden["reason"])
    internal = {r["id"]: r for r in json.loads(figures_json(stats))["figures"]}
    assert internal["survey.q.2.share"]["value"] == pytest.approx(2 / 87) and internal["survey.q.2.share"]["ci95"]


def test_the_lead_answer_is_a_bound_instead_of_being_hidden():
    stats = survey({"1": 85, "2": 2, "3": 0})
    lead = stats.figures["survey.q.1.share"]
    assert (lead.bound, lead.bound_value) == ("above", 0.95) and not lead.suppressed and not lead.public
    record = public_records(stats)["survey.q.1.share"]
    assert record["bound"] == "above" and record["bound_value"] == 0.95 and "value" not in record and "ci95" not in record
    assert stats.figures["survey.q.1.count"].suppressed  # its count would give the hidden answer back


def test_small_answers_that_reach_the_threshold_together_are_merged_and_shown_exactly():
    stats = survey({"1": 60, "2": 6, "3": 5})
    table = stats.survey.tables["q"]
    other = table[table.kind == "merged"].iloc[0]
    assert (other.key, other["count"], other.merged) == ("other", 11, "2|3")
    assert stats.figures["survey.q.other.share"].public and stats.figures["survey.q.1.share"].public


def test_everyone_in_a_small_group_giving_one_answer_is_a_bound_or_hidden():
    bounded = survey({"1": 12})
    assert bounded.figures["survey.q.1.share"].bound == "above"
    assert 11 / 12 > bounded.figures["survey.q.1.share"].bound_value  # type: ignore[operator]
    assert bounded.figures["survey.q.2.share"].bound == "below"
    hidden = survey({"1": 12}, Disclosure(attribute="suppress"))
    assert hidden.figures["survey.q.1.share"].suppressed and hidden.figures["survey.q.2.share"].suppressed


def test_internal_figures_never_go_inside_the_publication_folder(tmp_path: Path):
    publication = tmp_path / "out" / "edition"
    with pytest.raises(ConfigError, match="publication folder"):
        internal_figures_path(publication / "figures.internal.json", publication)
    (tmp_path / "team").mkdir()
    assert internal_figures_path(tmp_path / "team", publication) == tmp_path / "team" / "figures.internal.json"


def inserter(figures: list[Figure], lang: str = "fr") -> Inserter:
    stats = Statistics(Figures([*figures, Figure("disclosure.threshold", 10, "count")]), None, None)  # type: ignore[arg-type]
    context = RenderContext(lang, "html", stats, {}, {"indicative_base": 30}, {})
    return Inserter(context, Formatter(lang), Theme().catalog(lang).gettext)


@pytest.mark.parametrize("lang, words", [("fr", "plus de 90"), ("nl", "meer dan 90"), ("de", "mehr als 90")])
def test_a_bound_is_printed_as_more_than(lang, words):
    shown = str(inserter([Figure("s", 0.97, "share", base=80, bound="above", bound_value=0.9)], lang).fig("s"))
    assert words in shown and "97" not in shown


def test_no_percentage_on_a_base_under_the_threshold():
    insert = inserter([Figure("share", 2 / 3, "share", base=3), Figure("change", 17.0, "change", base=1)])
    assert "2 sur 3" in str(insert.fig("share")) and "%" not in str(insert.fig("share"))
    assert "de 1 à 18" in str(insert.fig("change")) and "%" not in str(insert.fig("change"))


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_a_share_of_sales_value_on_a_small_base_is_neither_a_percentage_nor_counts(lang):
    """"5 of 7" would read as five of the seven sales: a share of a sum on a small base is not given at all."""
    insert = inserter([Figure("v", 5.3 / 7, "share", base=7, countable=False)], lang)
    for shown in (str(insert.fig("v")), str(insert.fig("v", digits=1, short=True))):
        assert "fig-small-base" in shown and "%" not in shown and not any(digit in shown for digit in "0123456789"), shown


def test_a_hidden_figure_never_reads_too_few_answers():
    shown = str(inserter([Figure("h", 0.3, "share", base=87, suppressed=True, reason="x")]).fig("h"))
    assert "trop peu" not in shown and "secret statistique" in shown and "30" not in shown


def test_report_figures_writes_an_internal_file_by_default():
    done = subprocess.run([sys.executable, "-m", "report.cli", "figures", "--help"], capture_output=True, text=True, check=True)
    assert "figures.internal.json" in done.stdout


def test_build_refuses_an_internal_path_inside_the_publication_folder(tmp_path: Path):
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "report.cli", "build", str(root / "config" / "sample.yaml"), "--out",
                           str(tmp_path), "--internal", str(tmp_path / "cryptodrug-2019" / "all.json")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "publication folder" in done.stderr
    assert not (tmp_path / "cryptodrug-2019").exists()


def test_only_answers_are_ranked_never_the_merged_or_dont_know_rows():
    # One published answer, two small ones merged into "other answers", many "don't know": the text names the
    # answer and no "second most frequent" one (the merged row once ranked second, and the sentence then asked for
    # an answer that does not exist).
    question = Question("q", "single", {"value": "q"}, {"fr": "q"},
                        {c: {"fr": f"r{c}"} for c in [*CODES, "98"]}, dont_know=("98",))
    values = ["1"] * 50 + ["2"] * 5 + ["3"] * 6 + ["98"] * 20
    summary = summarise_survey(pd.DataFrame({"q": values}), Codebook({"q": question}), Disclosure())
    stats = Statistics(summary.figures, None, summary)  # type: ignore[arg-type]
    assert "merged" in set(summary.tables["q"].kind)
    assert ranked_codes(stats, "q") == ["1"]
    said = [say.name for say in _default_sentences(stats, "q", ())]
    assert said[0] == "top" and "second" not in said


def test_one_rule_says_which_bases_are_too_small_for_a_percentage():
    """under_threshold: a published base of 1 to threshold - 1 is withheld (0 points at nobody). too_few: no percentage
    is drawn or built on such a base, nor on none at all; without a threshold, any base will do."""
    assert [under_threshold(base, 10) for base in (None, 0, 1, 9, 10, 11)] == [False, False, True, True, False, False]
    assert [too_few(base, 10) for base in (None, 0, 1, 9, 10, 11)] == [True, True, True, True, False, False]
    assert [too_few(base, threshold) for base, threshold in ((5, None), (0, 0), (None, 0), (3, 1))] == [False] * 4
