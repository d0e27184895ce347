"""The scrape aggregation on small hand-made projects of every shape, every figure computed by hand.

Each test writes a project (config and CSV inputs) into tmp_path and runs the market stage alone (no survey), except
the sample runs at the end, which compute every figure of the sample with another focus country.
"""
from __future__ import annotations

import os
import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

from report.config import load_config
from report.errors import ConfigError, InputError
from report.load import load_inputs
from report.market import NO_SALES, NO_SHIPS_FROM, aggregate_market, market_params
from report.model import VALUE_BRACKETS, Figures

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY = {
    "cannabis": {"label": {"fr": "Cannabis", "nl": "Cannabis"}, "match": ["Drugs/Cannabis*"]},
    "cocaine": {"label": {"fr": "Cocaïne", "nl": "Cocaïne"}, "match": ["Drugs/Cocaine"]},
}
LISTING_COLUMNS = ["market", "crawled_at", "listing_id", "vendor", "category", "price", "currency", "ships_from", "ships_to"]

# Every market figure a template may use, in every build (None with a reason when it cannot be computed).
FIXED_IDS = [
    "vendors.total", "vendors.focus", "vendors.focus_share", "listings.total", "listings.focus", "listings.focus_share",
    *(f"vendors.focus.{name}" for name in ("first_month", "last_month", "first", "last", "peak", "change")),
    *(f"categories.{who}.rank{rank}" for who in ("focus", "all") for rank in (1, 2, 3)),
    "shipping.declared.count", "shipping.abroad.count", "shipping.abroad.share", "shipping.restricted.count",
    "shipping.restricted.share", *(f"shipping.excluded.rank{rank}{count}" for rank in (1, 2, 3) for count in ("", ".count")),
    "origins.multi.count", "origins.multi.share", "origins.multi.partner", "origins.multi.partner.count",
    "origins.multi.partner.share",
    "transactions.count", "transactions.max_eur", "transactions.value_eur", "transactions.share_below_retail",
    "transactions.wholesale.count", "transactions.value_share_from_retail", "transactions.unpriced.count",
    "transactions.placeholder.count", "transactions.all.count", "transactions.all.wholesale.share",
    *(f"transactions.bracket{index}.{name}" for index in range(len(VALUE_BRACKETS)) for name in ("count", "share", "value_share")),
    "markets.count", "crawls.count", "period.start", "period.end", "sales.source", "months.count", "categories.count",
    "events.count", "ships_from.declared.share", "crawls.interval_days",
]
PER_MARKET_IDS = [
    "vendors.total", "vendors.focus", "vendors.focus_share", "listings.total", "listings.focus", "listings.focus_share",
    *(f"vendors.focus.{name}" for name in ("first_month", "last_month", "first", "last", "peak", "change")),
    "origins.multi.count", "origins.multi.partner.count", "origins.multi.partner.share",
    "transactions.count", "transactions.max_eur", "transactions.value_eur", "transactions.share_below_retail",
    "transactions.wholesale.count", "transactions.value_share_from_retail",
]


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def listing(market: str, crawled: str, listing_id: str, vendor: str, origin: str = "BE", category: str = "Drugs/Cannabis",
            price: float = 50, ships_to: str = "WW", **extra: Any) -> dict[str, Any]:
    return {"market": market, "crawled_at": crawled, "listing_id": listing_id, "vendor": vendor, "category": category,
            "price": price, "currency": "EUR", "ships_from": origin, "ships_to": ships_to, **extra}


def make_project(root: Path, listings: list[dict[str, Any]], *, feedback: list[dict[str, Any]] | None = None,
                 feedback_header: list[str] | None = None, events: list[tuple[str, str, str]] | None = None,
                 listing_header: list[str] = LISTING_COLUMNS, **config: Any) -> Path:
    """A project folder with its config; only listings and exchange rates are always written."""
    root.mkdir(parents=True, exist_ok=True)
    write_csv(root / "listings.csv", listings, listing_header)
    write_csv(root / "rates.csv", [{"date": "2019-01-01", "currency": "USD", "eur_rate": 0.9}], ["date", "currency", "eur_rate"])
    inputs: dict[str, Any] = {"listings": "listings.csv", "exchange_rates": "rates.csv"}
    if feedback is not None:
        write_csv(root / "feedback.csv", feedback, feedback_header or list(feedback[0]))
        inputs["feedback"] = "feedback.csv"
    if events is not None:
        write_csv(root / "events.csv", [{"market": m, "date": d, "kind": k} for m, d, k in events], ["market", "date", "kind"])
        inputs["market_events"] = "events.csv"
    document = {"edition": "shape", "title": {"fr": "T", "nl": "T"}, "authors": {"fr": ["A"], "nl": ["A"]},
                "focus_country": "BE", "period": {"start": "2019-01-01", "end": "2019-03-31"}, "inputs": inputs,
                "taxonomy": TAXONOMY}
    for key, value in config.items():
        if key in ("sales",):
            inputs[key] = value
        else:
            document[key] = value
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def market_figures(config_path: Path) -> Figures:
    config, base = load_config(config_path)
    return aggregate_market(market_params(config, load_inputs(config, base))).figures


def value(figures: Figures, figure_id: str) -> Any:
    return figures[figure_id].value


def assert_every_id(figures: Figures, markets: list[str]) -> None:
    missing = [f for f in FIXED_IDS if f not in figures]
    missing += [f"{f}.{m}" for m in markets for f in PER_MARKET_IDS if f"{f}.{m}" not in figures]
    assert not missing
    unexplained = [f.id for f in figures.values() if f.value is None and not f.reason]
    assert not unexplained, f"a figure without a value must say why: {unexplained[:5]}"


# ---------------------------------------------------------------- focus country and origins

def two_markets(focus_vendors: bool = True) -> list[dict[str, Any]]:
    """Alpha (Jan, Mar) and Beta (Jan, Mar): belga (BE) on both, dutch (NL), germ (DE)."""
    rows = []
    for day in ("2019-01-07", "2019-03-04"):
        if focus_vendors:
            rows.append(listing("Alpha", day, "A1", "belga", "BE", "Drugs/Cocaine", ships_to="BE, NL"))
            rows.append(listing("Beta", day, "B1", "Belga", "BE", "Drugs/Cocaine", ships_to="WW, !US"))
        rows += [listing("Alpha", day, "A2", "dutch", "NL"), listing("Alpha", day, "A3", "germ", "DE", "Drugs/Cocaine"),
                 listing("Beta", day, "B2", "dutch", "NL")]
    return rows


def test_focus_country_without_vendors_gives_zero_counts_and_no_shares_or_ranks(tmp_path):
    figures = market_figures(make_project(tmp_path / "p", two_markets(), focus_country="LU"))
    assert_every_id(figures, ["alpha", "beta"])
    assert value(figures, "vendors.total") == 3 and value(figures, "vendors.focus") == 0
    assert value(figures, "vendors.focus_share") == 0.0
    assert value(figures, "listings.focus") == 0
    # Nothing to rank, nothing to divide by: None with the reason, never a category or a 0 %.
    assert value(figures, "categories.focus.rank1") is None
    assert figures["categories.focus.rank1"].reason == "no category with listings from the focus country"
    assert value(figures, "categories.focus.cannabis.share") is None
    assert value(figures, "origins.multi.count") == 0 and value(figures, "origins.multi.share") is None
    assert value(figures, "origins.multi.partner") is None
    assert value(figures, "shipping.declared.count") == 0 and value(figures, "shipping.abroad.share") is None
    assert value(figures, "vendors.focus.first") == 0 and value(figures, "vendors.focus.change") is None
    assert figures["vendors.focus.change"].reason == "no focus-country vendor in the first month"


def test_no_focus_vendor_with_two_origins_is_no_crash(tmp_path):
    # Regression: "'DataFrame' object has no attribute 'vendors'" when no focus vendor declared two origins.
    figures = market_figures(make_project(tmp_path / "p", two_markets()))
    assert_every_id(figures, ["alpha", "beta"])
    assert value(figures, "vendors.focus") == 1
    assert value(figures, "origins.multi.count") == 0
    assert value(figures, "origins.multi.share") == 0.0
    assert value(figures, "origins.multi.partner") is None
    assert figures["origins.multi.partner"].reason == "no focus-country vendor declares several origins"
    assert value(figures, "origins.multi.partner.share.alpha") is None
    # Categories: cocaine is the focus vendor's only one; two categories overall, so no third rank.
    assert value(figures, "categories.focus.rank1") == "cocaine" and value(figures, "categories.focus.rank2") is None
    assert (value(figures, "categories.all.rank1"), value(figures, "categories.all.rank2")) == ("cocaine", "cannabis")  # 3, 2
    assert figures["categories.all.rank3"].reason == "fewer than 3 categories with listings"
    # belga ships abroad from both markets; on Beta it excludes the US.
    assert value(figures, "shipping.abroad.share") == 1.0 and value(figures, "shipping.excluded.rank1") == "US"
    assert value(figures, "shipping.excluded.rank2") is None


def multi_origin() -> list[dict[str, Any]]:
    """Four BE vendors with a second origin: two DE, one FR, one the EU region; one BE vendor alone."""
    day = "2019-01-07"
    rows = [listing("Alpha", day, "A0", "solo", "BE")]
    for index, (vendor, other) in enumerate((("v1", "DE"), ("v2", "DE"), ("v3", "FR"), ("v4", "EU"))):
        rows += [listing("Alpha", day, f"A{index}a", vendor, "BE"), listing("Alpha", day, f"A{index}b", vendor, other)]
    return rows


def test_partner_country_is_the_other_country_most_multi_origin_vendors_declare(tmp_path):
    figures = market_figures(make_project(tmp_path / "p", multi_origin()))
    assert value(figures, "origins.multi.count") == 4
    assert value(figures, "origins.multi.share") == pytest.approx(4 / 5)
    assert value(figures, "origins.multi.partner") == "DE"  # DE 2, FR 1; EU is a region, not a country
    assert value(figures, "origins.multi.partner.count") == 2
    assert value(figures, "origins.multi.partner.share") == pytest.approx(2 / 4)
    assert value(figures, "origins.multi.partner.share.alpha") == pytest.approx(2 / 4)


def test_partner_country_from_the_config(tmp_path):
    figures = market_figures(make_project(tmp_path / "p", multi_origin(), compare_country="FR"))
    assert value(figures, "origins.multi.partner") == "FR"
    assert value(figures, "origins.multi.partner.count") == 1
    assert value(figures, "origins.multi.partner.share") == pytest.approx(1 / 4)


def test_partner_is_none_when_the_second_origins_are_regions(tmp_path):
    day = "2019-01-07"
    rows = [listing("Alpha", day, "A1", "v1", "BE"), listing("Alpha", day, "A2", "v1", "WW")]
    figures = market_figures(make_project(tmp_path / "p", rows))
    assert value(figures, "origins.multi.count") == 1
    assert value(figures, "origins.multi.partner") is None
    assert figures["origins.multi.partner.share"].reason == "the multi-origin vendors declare no other country (only regions)"


def test_compare_country_must_differ_from_the_focus_country(tmp_path):
    with pytest.raises(ConfigError, match="compare_country is the focus_country"):
        load_config(make_project(tmp_path / "p", multi_origin(), compare_country="BE"))


# ---------------------------------------------------------------- listings-only, one of everything

def test_one_market_one_category_one_crawl_no_feedback_no_events(tmp_path):
    rows = [listing("Solo", "2019-02-04", "S1", "belga", "BE", ships_to="BE"), listing("Solo", "2019-02-04", "S2", "x", "NL"),
            listing("Solo", "2019-02-04", "S3", "y", "")]
    figures = market_figures(make_project(tmp_path / "p", rows))
    assert_every_id(figures, ["solo"])
    assert value(figures, "sales.source") == "none"
    for figure_id in ("transactions.count", "transactions.share_below_retail", "transactions.all.count",
                      "transactions.bracket0.share", "transactions.count.solo"):
        assert value(figures, figure_id) is None and figures[figure_id].reason == NO_SALES, figure_id
    assert (value(figures, "markets.count"), value(figures, "crawls.count"), value(figures, "months.count")) == (1, 1, 1)
    assert value(figures, "categories.count") == 1
    assert value(figures, "categories.all.rank1") == "cannabis" and value(figures, "categories.all.rank2") is None
    assert value(figures, "events.count") == 0
    assert value(figures, "crawls.interval_days") is None
    assert figures["vendors.focus.change"].reason == "fewer than two months observed"
    assert value(figures, "vendors.focus.first_month") is None
    assert value(figures, "ships_from.declared.share") == pytest.approx(2 / 3)  # S3 declares none
    assert value(figures, "vendors.focus") == 1
    assert value(figures, "shipping.abroad.share") == 0.0  # belga ships to BE only


def test_without_a_ships_from_column_focus_figures_are_not_measured(tmp_path):
    header = [c for c in LISTING_COLUMNS if c not in ("ships_from", "ships_to")]
    figures = market_figures(make_project(tmp_path / "p", two_markets(), listing_header=header))
    assert_every_id(figures, ["alpha", "beta"])
    assert value(figures, "ships_from.declared.share") == 0.0
    assert value(figures, "vendors.total") == 3  # belga (Belga on Beta is the same vendor), dutch, germ
    for figure_id in ("vendors.focus", "vendors.focus_share", "listings.focus", "vendors.focus.change", "origins.multi.count",
                      "shipping.declared.count", "categories.focus.rank1", "vendors.focus.alpha"):
        assert value(figures, figure_id) is None and figures[figure_id].reason == NO_SHIPS_FROM, figure_id
    assert value(figures, "origins.all.?.share") == 1.0


# ---------------------------------------------------------------- sales

FEEDBACK_HEADER = ["market", "crawled_at", "listing_id", "vendor", "left_at"]


def feedback(crawled: str, listing_id: str, left: str, **extra: Any) -> dict[str, Any]:
    return {"market": "Alpha", "crawled_at": crawled, "listing_id": listing_id, "vendor": "belga", "left_at": left, **extra}


def priced_listings() -> list[dict[str, Any]]:
    return [listing("Alpha", day, lid, "belga", "BE", price=price)
            for day in ("2019-01-07", "2019-01-14", "2019-01-21", "2019-01-28") for lid, price in (("L1", 40), ("L2", 300), ("L3", 60))]


def test_feedback_without_ids_counts_every_row_of_a_crawl_as_a_sale(tmp_path):
    # Regression: rows were deduplicated on (listing, vendor, date), so two sales of L1 on 10 January became one.
    rows = [
        # crawl of 14 January: L1 twice on the 10th (two sales), L1 on the 12th, L2 on the 11th: 4 sales
        feedback("2019-01-14", "L1", "2019-01-10"), feedback("2019-01-14", "L1", "2019-01-10"),
        feedback("2019-01-14", "L1", "2019-01-12"), feedback("2019-01-14", "L2", "2019-01-11"),
        # crawl of 21 January: the same four again, and L2 on the 18th, L1 twice on the 19th: 3 more
        feedback("2019-01-21", "L1", "2019-01-10"), feedback("2019-01-21", "L1", "2019-01-10"),
        feedback("2019-01-21", "L1", "2019-01-12"), feedback("2019-01-21", "L2", "2019-01-11"),
        feedback("2019-01-21", "L2", "2019-01-18"), feedback("2019-01-21", "L1", "2019-01-19"),
        feedback("2019-01-21", "L1", "2019-01-19"),
        # crawl of 28 January: L1 on the 10th once only (the other copy no longer shown), L3 on the 25th: 1 more
        feedback("2019-01-28", "L1", "2019-01-10"), feedback("2019-01-28", "L3", "2019-01-25"),
    ]
    figures = market_figures(make_project(tmp_path / "p", priced_listings(), feedback=rows, feedback_header=FEEDBACK_HEADER))
    assert value(figures, "sales.source") == "feedback"
    assert value(figures, "transactions.count") == 8
    assert value(figures, "transactions.all.count") == 8
    # L1 at 40 EUR: 10th x2, 12th, 19th x2 = 5; L2 at 300 EUR: 11th, 18th = 2; L3 at 60 EUR: 1.
    assert value(figures, "transactions.value_eur") == pytest.approx(5 * 40 + 2 * 300 + 60)
    assert value(figures, "transactions.share_below_retail") == pytest.approx(6 / 8)


def test_feedback_text_and_rating_tell_sales_apart_across_crawls(tmp_path):
    rows = [feedback("2019-01-14", "L1", "2019-01-10", text="great", rating="5"),
            feedback("2019-01-21", "L1", "2019-01-10", text="great", rating="5"),  # the same feedback seen again
            feedback("2019-01-21", "L1", "2019-01-10", text="fast", rating="5"),
            feedback("2019-01-28", "L1", "2019-01-10", text="fast", rating="4")]  # same text, another rating
    header = [*FEEDBACK_HEADER, "text", "rating"]
    figures = market_figures(make_project(tmp_path / "p", priced_listings(), feedback=rows, feedback_header=header))
    assert value(figures, "transactions.count") == 3
    # Without text and rating, rows are told apart by listing and day only: the crawl of the 21st shows two.
    plain = market_figures(make_project(tmp_path / "q", priced_listings(), feedback=rows, feedback_header=FEEDBACK_HEADER))
    assert value(plain, "transactions.count") == 2


def test_feedback_ids_still_count_a_feedback_once(tmp_path):
    rows = [feedback("2019-01-14", "L1", "2019-01-10", feedback_id="f1"), feedback("2019-01-21", "L1", "2019-01-10", feedback_id="f1"),
            feedback("2019-01-21", "L1", "2019-01-10", feedback_id="f2")]
    figures = market_figures(make_project(tmp_path / "p", priced_listings(), feedback=rows,
                                          feedback_header=[*FEEDBACK_HEADER, "feedback_id"]))
    assert value(figures, "transactions.count") == 2


def test_cumulative_sales_are_the_increase_between_crawls(tmp_path):
    sold = {("2019-01-07", "L1"): 5, ("2019-01-14", "L1"): 8, ("2019-01-21", "L1"): 8, ("2019-01-28", "L1"): 9,
            ("2019-01-07", "L2"): 0, ("2019-01-14", "L2"): 2}
    rows = [dict(row, sold=sold[(row["crawled_at"], row["listing_id"])]) for row in priced_listings()
            if (row["crawled_at"], row["listing_id"]) in sold]
    figures = market_figures(make_project(tmp_path / "p", rows, listing_header=[*LISTING_COLUMNS, "sold"], sales="cumulative"))
    assert value(figures, "sales.source") == "cumulative"
    assert value(figures, "transactions.count") == 3 + 1 + 2  # L1: +3, +0, +1; L2: +2 (the first crawl counts none)
    assert value(figures, "transactions.value_eur") == pytest.approx(4 * 40 + 2 * 300)


def test_cumulative_sales_need_a_sold_count(tmp_path):
    with pytest.raises(InputError, match="no listing has a sold count"):
        market_figures(make_project(tmp_path / "p", priced_listings(), sales="cumulative"))


def test_sales_default_to_feedback_when_given_and_none_otherwise(tmp_path):
    rows = [feedback("2019-01-14", "L1", "2019-01-10")]
    with_feedback, _ = load_config(make_project(tmp_path / "p", priced_listings(), feedback=rows, feedback_header=FEEDBACK_HEADER))
    assert with_feedback.inputs.sales_source == "feedback"
    without, _ = load_config(make_project(tmp_path / "q", priced_listings()))
    assert without.inputs.sales_source == "none"
    turned_off = make_project(tmp_path / "r", priced_listings(), feedback=rows, feedback_header=FEEDBACK_HEADER, sales="none")
    figures = market_figures(turned_off)
    assert value(figures, "sales.source") == "none" and value(figures, "transactions.count") is None


def test_survey_and_codebook_go_together(tmp_path):
    path = make_project(tmp_path / "p", priced_listings())
    document = yaml.safe_load(path.read_text())
    document["inputs"]["survey"] = "survey.csv"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError, match="inputs.survey is given without inputs.codebook"):
        load_config(path)


# ---------------------------------------------------------------- crawls, months, events and trends

def crawled(market: str, day: str, categories: tuple[str, ...], vendors: tuple[str, ...]) -> list[dict[str, Any]]:
    return [listing(market, day, f"{market}-{vendor}-{cat}", vendor, "BE" if vendor.startswith("be") else "NL", cat)
            for vendor in vendors for cat in categories]


BOTH = ("Drugs/Cannabis", "Drugs/Cocaine")


def test_crawl_interval_months_and_events(tmp_path):
    rows = [*crawled("Alpha", "2019-01-07", BOTH, ("be1", "nl1")), *crawled("Alpha", "2019-01-14", BOTH, ("be1",)),
            *crawled("Alpha", "2019-01-28", BOTH, ("be1",)), *crawled("Beta", "2019-01-07", BOTH, ("nl2",)),
            *crawled("Beta", "2019-01-10", BOTH, ("nl2",)), *crawled("Alpha", "2019-03-04", BOTH, ("be1", "be2"))]
    events = [("Beta", "2019-02-01", "seizure"), ("Beta", "2018-06-01", "launch"), ("Beta", "2019-02-10", "exit_scam"),
              ("Gamma", "2019-02-01", "closure"), ("Alpha", "2019-05-01", "closure")]  # Gamma not crawled, May after the period
    figures = market_figures(make_project(tmp_path / "p", rows, events=events))
    assert value(figures, "crawls.interval_days") == 10.5  # gaps 7, 14, 35 days (Alpha) and 3 (Beta): median of 3, 7, 14, 35
    assert value(figures, "months.count") == 2
    assert value(figures, "events.count") == 2
    assert value(figures, "categories.count") == 2
    # Beta stops after its seizure, so January (Alpha, Beta) and March (Alpha) compare: 1 -> 2 BE vendors.
    assert value(figures, "vendors.focus.first") == 1 and value(figures, "vendors.focus.last") == 2
    assert value(figures, "vendors.focus.change") == pytest.approx(1.0)
    assert value(figures, "vendors.focus.change.alpha") == pytest.approx(1.0)


def test_the_overall_trend_counts_a_vendor_on_two_markets_once(tmp_path):
    """be1 sells on Alpha and Beta in both months, be2 joins Beta in March: 1 focus vendor, then 2; per market,
    Alpha 1 -> 1 and Beta 1 -> 2 (adding the markets up would say 2 -> 3)."""
    rows = [*crawled("Alpha", "2019-01-07", BOTH, ("be1", "nl1")), *crawled("Beta", "2019-01-08", BOTH, ("be1",)),
            *crawled("Alpha", "2019-03-04", BOTH, ("be1", "nl1")), *crawled("Beta", "2019-03-05", BOTH, ("be1", "be2"))]
    figures = market_figures(make_project(tmp_path / "p", rows))
    assert value(figures, "vendors.focus.first") == 1 and value(figures, "vendors.focus.last") == 2
    assert value(figures, "vendors.focus.peak") == 2
    assert value(figures, "vendors.focus.change") == pytest.approx(1.0)
    assert value(figures, "vendors.focus.first.alpha") == 1 and value(figures, "vendors.focus.last.alpha") == 1
    assert value(figures, "vendors.focus.first.beta") == 1 and value(figures, "vendors.focus.last.beta") == 2


def test_no_trend_when_a_market_stops_being_crawled_without_an_event(tmp_path):
    rows = [*crawled("Alpha", "2019-01-07", BOTH, ("be1",)), *crawled("Beta", "2019-01-07", BOTH, ("nl2",)),
            *crawled("Alpha", "2019-03-04", BOTH, ("be1", "be2"))]
    figures = market_figures(make_project(tmp_path / "p", rows))
    assert value(figures, "vendors.focus.change") is None
    assert figures["vendors.focus.first"].reason == "Beta was crawled in 2019-01 but not in 2019-03, and no shutdown explains it"
    assert value(figures, "vendors.focus.change.alpha") == pytest.approx(1.0)  # Alpha alone was crawled alike


def test_no_trend_when_other_categories_were_crawled(tmp_path):
    rows = [*crawled("Alpha", "2019-01-07", BOTH, ("be1",)), *crawled("Alpha", "2019-03-04", ("Drugs/Cannabis",), ("be1", "be2"))]
    figures = market_figures(make_project(tmp_path / "p", rows))
    for suffix in ("", ".alpha"):
        assert value(figures, f"vendors.focus.change{suffix}") is None
        assert figures[f"vendors.focus.last_month{suffix}"].reason == \
            "the drug categories crawled on Alpha differ between 2019-01 and 2019-03"


# ---------------------------------------------------------------- the sample with another focus country

@pytest.fixture(scope="module")
def sample_inputs():
    config, base = load_config(ROOT / "config" / "sample.yaml")
    return config, load_inputs(config, base)


@pytest.mark.parametrize("focus", ["FR", "LU", "WW"])
def test_sample_with_another_focus_country_computes_every_figure(sample_inputs, focus):
    from report.build import compute

    config, inputs = sample_inputs
    stats = compute(config.model_copy(update={"focus_country": focus}), inputs)
    assert_every_id(stats.market.figures, ["dream-market", "wall-street-market", "empire-market"])
    if focus == "LU":
        assert stats.figures["vendors.focus"].value == 0
        assert stats.figures["transactions.count"].value == 0


# -- exchange rates, blank vendors, prices that are no amount (issue 12) ---------------------------------------------

def _stats(config_path: Path):
    config, base = load_config(config_path)
    return aggregate_market(market_params(config, load_inputs(config, base)))


def _rates(root: Path, rows: list[tuple[str, str, str]]) -> None:
    write_csv(root / "rates.csv", [{"date": d, "currency": c, "eur_rate": r} for d, c, r in rows], ["date", "currency", "eur_rate"])


@pytest.mark.parametrize("rate", ["0", "-0.9", "NaN", "inf"])
def test_a_rate_that_is_not_a_positive_number_is_an_input_error(tmp_path, rate):
    config = make_project(tmp_path, two_markets())
    _rates(tmp_path, [("2019-01-01", "USD", "0.9"), ("2019-01-02", "USD", rate)])
    with pytest.raises(InputError) as caught:
        _stats(config)
    assert "rates.csv" in str(caught.value) and "USD on 2019-01-02" in str(caught.value) and "positive number" in str(caught.value)


def _usd_sales(days: list[str]) -> list[dict[str, Any]]:
    return [{"market": "Alpha", "crawled_at": "2019-03-25", "feedback_id": f"f{i}", "listing_id": "a1", "vendor": "be1",
             "left_at": day, "price": 100, "currency": "USD"} for i, day in enumerate(days)]


def test_sales_without_a_recent_rate_are_counted_without_value_and_said(tmp_path):
    listings = [listing("Alpha", day, "a1", "be1") for day in ("2019-01-07", "2019-02-04", "2019-03-04")]
    config = make_project(tmp_path, listings, feedback=_usd_sales(["2019-01-02", "2019-01-03", "2019-02-10", "2019-03-10"]))
    _rates(tmp_path, [("2019-01-01", "USD", "0.9")])  # rates for the first days only
    stats = _stats(config)
    assert value(stats.figures, "transactions.count") == 2 and value(stats.figures, "sales.unrated.count") == 2
    [said] = [w for w in stats.warnings if "exchange rate" in w]
    assert said.startswith("2 sale(s) have no exchange rate published within 3 day(s)") and "2 in USD" in said and "rates.csv" in said
    relaxed = make_project(tmp_path / "relaxed", listings, feedback=_usd_sales(["2019-01-02", "2019-01-03", "2019-02-10", "2019-03-10"]),
                           thresholds={"rate_gap_days": 31})
    _rates(tmp_path / "relaxed", [("2019-01-01", "USD", "0.9"), ("2019-02-01", "USD", "0.9"), ("2019-03-01", "USD", "0.9")])
    assert not [w for w in _stats(relaxed).warnings if "exchange rate" in w]


def test_listings_without_a_vendor_name_are_left_out_and_said(tmp_path):
    rows = two_markets() + [listing("Alpha", "2019-01-07", "x1", ""), listing("Alpha", "2019-01-07", "x2", "   ")]
    config = make_project(tmp_path, rows)
    stats = _stats(config)
    reference = _stats(make_project(tmp_path / "without", two_markets()))
    for figure_id in ("vendors.total", "vendors.focus", "listings.total"):
        assert value(stats.figures, figure_id) == value(reference.figures, figure_id), figure_id
    assert any(w.startswith("2 listing row(s) of the period have no vendor name") for w in stats.warnings)


@pytest.mark.parametrize("price", ["1e308", "inf", "NaN", "1e15"])
def test_a_price_that_is_no_amount_is_a_sale_without_value_not_a_crash(tmp_path, price):
    listings = [listing("Alpha", day, "a1", "be1") for day in ("2019-01-07", "2019-02-04")]
    sales = _usd_sales(["2019-01-08", "2019-01-09"])
    sales[1]["price"] = price
    config = make_project(tmp_path, listings, feedback=sales)
    _rates(tmp_path, [(f"2019-01-{d:02d}", "USD", "0.9") for d in range(1, 31)])
    stats = _stats(config)
    assert value(stats.figures, "transactions.count") == 1 and value(stats.figures, "sales.absurd.count") == 1
    assert any("1 sale(s) have a price that is no amount" in w and "feedback.csv" in w for w in stats.warnings)


def test_the_method_note_says_how_many_sales_have_no_value(tmp_path):
    from tests.test_custom_dir import html_of

    listings = [listing("Alpha", day, "a1", "be1") for day in ("2019-01-07", "2019-02-04", "2019-03-04")]
    config = make_project(tmp_path, listings, feedback=_usd_sales(["2019-01-02", "2019-01-03", "2019-02-10", "2019-03-10"]))
    _rates(tmp_path, [("2019-01-01", "USD", "0.9")])
    import re

    text = " ".join(re.sub(r"<[^>]+>", "", html_of(config, "fr")).split())
    import html

    text = re.sub(r"[\u00a0\u202f\u2009]", " ", html.unescape(text))
    assert "2 ventes n'ont pas de taux de change publié dans les 3 jours qui précèdent la vente." in text, text[-3000:]
    assert "vor dem Verkauf" not in text


def test_duckdb_runs_a_small_scrape_on_one_thread_and_a_large_one_on_the_cores(tmp_path):
    """Small inputs: one thread is as fast and leaves the other core to the edition workers; a thread count the
    caller chose is kept."""
    from report.engine import DuckEngine

    def threads_after(rows: int, **options: int) -> int:
        with DuckEngine(tmp_path, **options) as engine:
            engine.expect(rows)
            return int(engine.scalar("SELECT current_setting('threads')"))

    cores = min(os.cpu_count() or 1, 4)
    assert threads_after(30_000) == 1
    assert threads_after(DuckEngine.ONE_THREAD_BELOW) == cores
    assert threads_after(30_000, threads=3) == 3
