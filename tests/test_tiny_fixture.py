"""A tiny project whose every figure was computed by hand (see the comments), asserted exactly."""
from __future__ import annotations

from pathlib import Path

import pytest

from report.build import compute
from report.config import load_config
from report.load import load_inputs

TINY = Path(__file__).parent / "fixtures" / "tiny" / "config.yaml"


@pytest.fixture(scope="module")
def figures():
    config, base = load_config(TINY)
    return compute(config, load_inputs(config, base)).figures


def value(figures, figure_id):
    return figures[figure_id].value


def test_vendors_are_names_trimmed_and_case_folded_across_markets(figures):
    # belgaboy (BelgaBoy, "belgaboy ", BELGABOY), dutchie, germ, "NA" (a name, not a missing value).
    # "Other" sells only fraud guides (not a drug category); "Early" is before the period.
    assert value(figures, "vendors.total") == 4
    assert value(figures, "vendors.focus") == 1
    assert value(figures, "vendors.focus_share") == pytest.approx(1 / 4)
    assert value(figures, "vendors.total.alpha-market") == 2
    assert value(figures, "vendors.total.beta-market") == 3
    assert value(figures, "vendors.focus_share.beta-market") == pytest.approx(1 / 3)


def test_listings_are_market_and_id_pairs(figures):
    # A1 (seen twice), A2, A3, B1, B2, B3; focus listings A1 and B1.
    assert value(figures, "listings.total") == 6
    assert value(figures, "listings.focus") == 2
    assert value(figures, "listings.focus_share") == pytest.approx(2 / 6)


def test_sales_are_deduplicated_priced_at_the_time_and_converted(figures):
    # f1 50 EUR (crawl of 7 Jan; f1 seen twice), f2 60 EUR (crawl of 14 Jan), f3 0.01 BTC x 3500 = 35 EUR
    # (rate of 8 Jan), f4 1200 EUR, f7 150 EUR paid price; f8 is after the period.
    assert value(figures, "transactions.count") == 5
    assert value(figures, "transactions.max_eur") == pytest.approx(1200)
    assert value(figures, "transactions.value_eur") == pytest.approx(50 + 60 + 35 + 1200 + 150)
    assert value(figures, "transactions.share_below_retail") == pytest.approx(4 / 5)
    assert value(figures, "transactions.wholesale.count") == 1
    assert value(figures, "transactions.value_share_from_retail") == pytest.approx(1200 / 1495)
    # Non-focus: f5 100 USD x 0.9 = 90 EUR; f6 left before B2 was first crawled, priced at its first crawl.
    assert value(figures, "transactions.all.count") == 7


def test_multi_origin_and_shipping_restrictions(figures):
    assert value(figures, "origins.combination.BE+NL.count") == 1
    assert value(figures, "origins.multi.share") == pytest.approx(1.0)
    assert value(figures, "shipping.abroad.share") == pytest.approx(1.0)
    assert value(figures, "shipping.restricted.count") == 1
    assert value(figures, "shipping.excluded.rank1") == "US"


def test_migration_after_closure(figures):
    # Alpha closes 1 Feb: active before = belgaboy, dutchie; new on Beta after = belgaboy, germ, na.
    assert value(figures, "migration.alpha-market.active") == 2
    assert value(figures, "migration.alpha-market.beta-market.count") == 1
    assert value(figures, "migration.alpha-market.beta-market.share_of_new") == pytest.approx(1 / 3)


def test_single_choice_valid_percent_excludes_missing_and_dont_know(figures):
    # q1: five 1, three 2, one 98 (don't know), -99, blank and NA missing.
    assert value(figures, "survey.respondents") == 12
    assert value(figures, "survey.q1.base") == 8
    assert value(figures, "survey.q1.missing") == 3
    assert value(figures, "survey.q1.dont_know") == 1
    assert value(figures, "survey.q1.1.share") == pytest.approx(5 / 8)
    low, high = figures["survey.q1.1.share"].ci_low, figures["survey.q1.1.share"].ci_high
    assert (round(low, 4), round(high, 4)) == (0.3057, 0.8632)  # Wilson, z = 1.96


def test_multi_response_base_is_respondents_who_answered(figures):
    assert value(figures, "survey.q2.base") == 10
    assert value(figures, "survey.q2.a.share") == pytest.approx(0.6)
    assert figures["survey.q2.b.share"].suppressed  # 2 answers, threshold 3


def test_numeric_median_quartiles_and_merged_brackets(figures):
    # 10 valid values: 10, 50, 80, 99.5, 120, 250, 300, 1000, 2000, 5000 (-99 and blank missing).
    assert value(figures, "survey.q3.median") == pytest.approx(185)
    assert value(figures, "survey.q3.q1") == pytest.approx(84.875)
    assert value(figures, "survey.q3.q3") == pytest.approx(825)
    # Brackets hold 4, 1, 2, 2, 1 answers; with threshold 3, bracket 1 merges with its smaller neighbour
    # (bracket 2: 2 answers, against 4 in bracket 0), then bracket 3 with bracket 4: 4 | 3 | 3, nothing hidden.
    assert value(figures, "survey.q3.bracket.0.share") == pytest.approx(0.4)
    assert value(figures, "survey.q3.bracket.1+2.count") == 3
    assert value(figures, "survey.q3.bracket.3+4.count") == 3
    assert "survey.q3.bracket.1.count" not in figures
    assert value(figures, "survey.q3.at_least.100.share") == pytest.approx(0.6)
    assert value(figures, "survey.q3.at_least.1000.share") == pytest.approx(0.3)
    # 250 falls inside the merged 100-1000 bracket: that share cannot be given.
    assert not figures["survey.q3.at_least.250.share"].available


def test_secondary_suppression_protects_a_lone_small_cell(figures):
    # q4: 5 x 1, 4 x 2, 2 x 3; 3 is primary-suppressed, 2 is hidden too so 11 - 5 - 4 cannot give it away.
    assert not figures["survey.q4.1.count"].suppressed
    assert figures["survey.q4.3.count"].suppressed
    assert figures["survey.q4.2.count"].suppressed


def test_dominated_value_cells_are_flagged(figures):
    # Every focus sale in the tiny project is belgaboy's: the two largest vendors make 100 % of each value cell.
    assert figures["transactions.value_eur"].note == "dominance"
    assert figures["transactions.value_eur.beta-market"].note == "dominance"
    assert not figures["transactions.value_eur"].suppressed  # the default action is a footnote


def test_dominance_can_suppress_instead(tmp_path):
    import shutil

    project = tmp_path / "tiny"
    shutil.copytree(TINY.parent, project)
    config_file = project / "config.yaml"
    config_file.write_text(config_file.read_text().replace("disclosure: {threshold: 3}",
                                                           "disclosure: {threshold: 3, dominance_action: suppress}"))
    config, base = load_config(config_file)
    figures = compute(config, load_inputs(config, base)).figures
    assert figures["transactions.value_eur"].suppressed
    assert "dominance" in figures["transactions.value_eur"].reason
    assert figures["transactions.count"].available  # counts are not value cells


def test_crosstab_merges_small_brackets_before_suppressing(tmp_path):
    """q3 spending brackets within q2 groups, threshold 2 (cells of 1 are hidden).

    Group a (R01, R02, R04, R05, R07, R09; R07's spending is missing): brackets 0,1,0,3,0 -> 3 x b0, 1 x b1, 1 x b3.
    Group b (R02, R03): b1, b2. Small cells: b1 (a, b), b2 (b), b3 (a). b1 merges with b2 (its smaller neighbour
    overall: 2 answers against 4 in b0), then 1+2 (1 in group a) with b3: rows 0 | 1+2+3 | 4.
    """
    import shutil

    project = tmp_path / "tiny"
    shutil.copytree(TINY.parent, project)
    config_file = project / "config.yaml"
    config_file.write_text(config_file.read_text().replace("disclosure: {threshold: 3}",
                                                           "disclosure: {threshold: 2}\ncrosstabs: [{rows: q3, columns: q2}]"))
    config, base = load_config(config_file)
    stats = compute(config, load_inputs(config, base))
    table = stats.survey.tables["crosstab.q3.q2"]
    assert table.key.unique().tolist() == ["0", "1+2+3", "4"]
    shares = {(row.group, row.key): (row.count, row.share) for row in table.itertuples()}
    assert shares[("a", "0")] == (3, pytest.approx(3 / 5))
    assert shares[("a", "1+2+3")] == (2, pytest.approx(2 / 5))
    assert shares[("b", "1+2+3")] == (2, pytest.approx(1.0))
    assert not table.suppressed.any()
    assert stats.figures["survey.crosstab.q3.q2.a.base"].value == 5
