"""Scrape aggregation in DuckDB: vendors, listings and sales per market, origin, category and month.

The one place that reads listings and feedback. pandas only receives the small aggregated tables.
No display strings and no locale here.
"""
from __future__ import annotations

import fnmatch
import re
import statistics
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .engine import Engine, make_engine
from .errors import InputError
from .i18n import REGIONS
from .model import VALUE_BRACKETS, Figure, Figures, MarketEvent, MarketStats, frozen_tables, slug
from .sources import ScrapeSource, register_table, trimmed

SHUTDOWN_KINDS = ("closure", "exit_scam", "seizure")
COUNTRY = re.compile(r"^[A-Z]{2}$")
NO_SALES = "no sales source"
NO_SHIPS_FROM = "no listing declares a ships-from: focus-country vendors cannot be identified"


@dataclass(frozen=True)
class MarketParams:
    """What the aggregation needs from the config, and nothing more."""

    sources: Mapping[str, tuple[ScrapeSource, ...]]  # listings, feedback (may be empty), exchange_rates
    sales: str  # "feedback": one feedback = one sale; "cumulative": sales between crawls from the listings' `sold`; "none"
    focus: str
    start: date
    end: date
    taxonomy: Mapping[str, tuple[str, ...]]  # category -> raw patterns
    non_drug: frozenset[str]
    retail_eur: float
    wholesale_eur: float
    placeholder_min_eur: float
    placeholder_max_eur: float
    weeks_before: int
    weeks_after: int
    events: tuple[MarketEvent, ...]
    dominance_share: float = 0.9
    dominance_action: str = "footnote"
    engine: str = "duckdb"
    spark_master: str = "local[*]"
    spark_memory: str = "4g"
    memory_mb: int = 1536
    compare_country: str | None = None  # compared with the focus country's cross-border origins; None: from the data
    rate_gap_days: int = 3  # a sale is priced with a rate published at most this many days before it


# Money is summed as DECIMAL: exact, so the sums do not depend on the order threads or Spark tasks add them in.
EUR = "DECIMAL(18, 4)"
#: A price beyond this (or not a number at all: NaN, infinity) is no price: such a sale has no value, like a placeholder.
ABSURD = "1e12"


def _category_map(engine: Engine, params: MarketParams) -> list[str]:
    """Map each distinct raw category string to a canonical category; return the unmapped ones."""
    raw = [row[0] for row in engine.rows("SELECT DISTINCT category FROM listings_in WHERE category IS NOT NULL")]
    rows, unmapped = [], []
    for text in sorted(raw):
        key = text.strip().casefold()  # the raw values are as written: the mapping trims them, once per value
        if not key:
            continue
        category = next(
            (cat for cat, patterns in params.taxonomy.items() if any(fnmatch.fnmatchcase(key, p.casefold()) for p in patterns)),
            None,
        )
        if category is None:
            unmapped.append(text.strip())
        else:
            rows.append((text, category, category not in params.non_drug))
    engine.put("category_map", pd.DataFrame(rows, columns=["raw", "category", "drug"]).astype({"raw": str, "category": str, "drug": bool}))
    return unmapped


def _build_tables(engine: Engine, params: MarketParams) -> None:
    """The typed, filtered scrape tables every figure is computed from: the export is read once, into `scraped`."""
    focus = params.focus
    # The few rows from the focus country first (a pass that reads little), so that `listings` is written once.
    engine.create(
        "focus_rows",
        """
        SELECT r.market, lower(r.vendor) AS vendor_key, r.listing_id
        FROM listings_in r JOIN category_map m ON r.category = m.raw
        WHERE upper(r.ships_from) = ? AND m.drug AND r.crawled_at BETWEEN ? AND ? AND r.vendor IS NOT NULL AND r.vendor <> ''
        """,
        focus, params.start, params.end,
    )
    engine.create("focus_vendors", "SELECT DISTINCT vendor_key FROM focus_rows")
    engine.create("focus_vendor_market", "SELECT DISTINCT market, vendor_key FROM focus_rows")
    engine.create("focus_listings", "SELECT DISTINCT market, listing_id FROM focus_rows")
    engine.create(
        "listings",
        """
        WITH l AS (
            SELECT r.market, r.crawled_at, r.listing_id, lower(r.vendor) AS vendor_key, m.category, r.price,
                   r.currency, coalesce(upper(r.ships_from), '?') AS ships_from, r.ships_to
            FROM listings_in r JOIN category_map m ON r.category = m.raw
            WHERE m.drug AND r.crawled_at BETWEEN ? AND ? AND r.vendor IS NOT NULL AND r.vendor <> ''
        )
        SELECT l.market, l.crawled_at, l.listing_id, l.vendor_key, l.category, l.price, l.currency, l.ships_from,
               CASE WHEN l.ships_from = ? THEN coalesce(l.ships_to, '') END AS ships_to,
               fvm.vendor_key IS NOT NULL AS focus_vendor, fl.listing_id IS NOT NULL AS focus_listing
        FROM l
        LEFT JOIN focus_vendor_market fvm ON l.market = fvm.market AND l.vendor_key = fvm.vendor_key
        LEFT JOIN focus_listings fl ON l.market = fl.market AND l.listing_id = fl.listing_id
        """,
        params.start, params.end, focus,
    )
    engine.create("first_seen", "SELECT market, vendor_key, min(crawled_at) AS first FROM listings GROUP BY market, vendor_key")
    _build_rates(engine, params)
    _build_sales(engine, params)


def _build_rates(engine: Engine, params: MarketParams) -> None:
    """The rate of each currency on every day, carried forward from the last published rate (rates are small)."""
    rates = engine.frame("SELECT date AS day, upper(currency) AS currency, eur_rate FROM rates_in WHERE date IS NOT NULL")
    rates["currency"] = rates["currency"].str.strip()
    if rates.empty:
        raise InputError("the exchange-rate table has no rows", where=str(params.sources["exchange_rates"][0].where))
    _check_rates(rates, params)
    rates["day"] = pd.to_datetime(rates["day"])
    last = max(rates["day"].max(), pd.Timestamp(params.end))
    days = pd.date_range(rates["day"].min(), last, freq="D")
    rates = rates.sort_values(["currency", "day", "eur_rate"]).drop_duplicates(["currency", "day"], keep="last")
    filled = [
        group.set_index("day")["eur_rate"].astype(float).reindex(days[days >= group["day"].min()])
        .ffill(limit=params.rate_gap_days)
        .rename_axis("day").reset_index().assign(currency=currency)
        for currency, group in rates.groupby("currency", sort=True)
    ]
    euro = pd.DataFrame({"day": days, "eur_rate": 1.0, "currency": "EUR"})
    table = pd.concat([*filled, euro], ignore_index=True)
    table = table.drop_duplicates(["currency", "day"], keep="first")  # a published EUR rate wins over the implied 1.0
    table["day"] = table["day"].dt.date
    engine.put("rates", table[["day", "currency", "eur_rate"]])


def _check_rates(rates: pd.DataFrame, params: MarketParams) -> None:
    """A rate is a positive, finite number: zero, a negative rate or NaN would turn prices into nonsense."""
    import numpy as np

    values = rates["eur_rate"].astype(float)
    bad = rates[rates["currency"].notna() & ~(np.isfinite(values) & (values > 0))]  # NaN and blanks are no rate
    if not bad.empty:
        row = bad.iloc[0]
        raise InputError(f"the rate of {row['currency']} on {pd.Timestamp(row['day']).date()} is {row['eur_rate']}: "
                         f"an exchange rate must be a positive number ({len(bad)} such row(s))",
                         where=str(params.sources["exchange_rates"][0].where))


FEEDBACK_COLUMNS = ("market", "crawled_at", "feedback_id", "listing_id", "vendor", "left_at", "price", "currency", "text", "rating")


def _sales_source(engine: Engine, params: MarketParams) -> str:
    """Feedback rows as given, sales between crawls from the listings' cumulative sales counts, or no rows."""
    if params.sales == "none":
        return ("SELECT NULL::VARCHAR AS market, NULL::DATE AS crawled_at, NULL::VARCHAR AS feedback_id, "
                "NULL::VARCHAR AS listing_id, NULL::VARCHAR AS vendor, NULL::DATE AS left_at, NULL::DOUBLE AS price, "
                "NULL::VARCHAR AS currency, NULL::VARCHAR AS text, NULL::VARCHAR AS rating FROM listings_in WHERE 1 = 0")
    if params.sales == "cumulative":
        if not engine.scalar("SELECT count(*) FROM (SELECT sold FROM listings_in WHERE sold IS NOT NULL LIMIT 1)"):
            raise InputError("inputs.sales is cumulative, but no listing has a sold count (map the export's column to "
                             "`sold`, or set inputs.sales: none)", where=params.sources["listings"][0].where)
        engine.create(
            "sold_counts",
            """
            SELECT market, listing_id, any_value(vendor) AS vendor, crawled_at, max(sold) AS sold
            FROM listings_in WHERE sold IS NOT NULL GROUP BY market, listing_id, crawled_at
            """,
        )
        return """
            SELECT market, crawled_at, concat(listing_id, '#', CAST(crawled_at AS VARCHAR), '#', CAST(n AS VARCHAR)) AS feedback_id,
                   listing_id, vendor, crawled_at AS left_at, NULL::DOUBLE AS price, NULL::VARCHAR AS currency,
                   NULL::VARCHAR AS text, NULL::VARCHAR AS rating
            FROM (
                SELECT *, unnest(generate_series(1, sold - before)) AS n
                FROM (SELECT *, lag(sold) OVER (PARTITION BY market, listing_id ORDER BY crawled_at) AS before FROM sold_counts)
                WHERE sold > before
            )
        """
    return f"SELECT {', '.join(FEEDBACK_COLUMNS)} FROM feedback_in"


def _build_sales(engine: Engine, params: MarketParams) -> None:
    """One row per sale: feedback counted once, priced at the listing's price at that date, in EUR."""
    # A feedback seen in several crawls is one sale: the copy from the earliest crawl wins, and among copies of one
    # crawl the order of their contents decides, so both engines keep the same copy whatever order they read in.
    # Without a feedback_id, every row is a sale: rows alike (same listing, date, text and rating) within one crawl
    # are numbered 1, 2, ..., and only the n-th such row of one crawl and the n-th of another are the same sale.
    # So the sales of one kind are as many as the crawl that shows the most of them shows, never fewer.
    same = "PARTITION BY market, feedback_id, " + ", ".join(
        f"CASE WHEN feedback_id IS NULL THEN {column} END" for column in ("listing_id", "left_at", "text", "rating", "copy_n"))
    engine.create(
        "feedback",
        f"""
        SELECT * FROM (
            SELECT market, listing_id, lower(vendor) AS vendor_key, left_at, price AS paid,
                   nullif(upper({trimmed('currency')}), '') AS paid_currency
            FROM (SELECT *, row_number() OVER (
                      PARTITION BY market, crawled_at, feedback_id, listing_id, left_at, text, rating
                      ORDER BY price, currency, lower(vendor)) AS copy_n
                  FROM ({_sales_source(engine, params)}))
            QUALIFY row_number() OVER (
                {same} ORDER BY crawled_at, price, currency, listing_id, lower(vendor), left_at) = 1
        ) WHERE left_at BETWEEN ? AND ?
        """,
        params.start, params.end,
    )
    # Feedback on a listing no crawl caught stays in (as a sale with no price); feedback on non-drug listings goes.
    engine.create("non_drug_listings", "SELECT DISTINCT r.market, r.listing_id FROM listings_in r "
                  "JOIN category_map m ON r.category = m.raw WHERE NOT m.drug")
    # The price of a sale is the listing's price at its last crawl on or before the feedback, else at its first
    # crawl. A listing seen twice in one crawl takes the lowest price, currency and category of that crawl.
    # Written as a join on the listing plus a date condition (Spark has no ASOF JOIN).
    # A crawl that shows no price does not hide the last one known.
    engine.create(
        "crawl_dates",
        """
        WITH priced AS (
            SELECT l.market, l.listing_id, l.crawled_at FROM listings l
            JOIN (SELECT DISTINCT market, listing_id FROM feedback) f ON l.market = f.market AND l.listing_id = f.listing_id
            WHERE l.price IS NOT NULL
        ), sale_days AS (  -- the last crawl depends on the listing and the day only: one lookup per listing and day
            SELECT DISTINCT market, listing_id, left_at FROM feedback
        ), last_crawl AS (
            SELECT d.market, d.listing_id, d.left_at, max(p.crawled_at) AS before
            FROM sale_days d JOIN priced p ON d.market = p.market AND d.listing_id = p.listing_id AND p.crawled_at <= d.left_at
            GROUP BY d.market, d.listing_id, d.left_at
        ), first_crawl AS (
            SELECT market, listing_id, min(crawled_at) AS after FROM priced GROUP BY market, listing_id
        )
        SELECT d.market, d.listing_id, d.left_at, lc.before, fc.after
        FROM sale_days d
        LEFT JOIN last_crawl lc ON d.market = lc.market AND d.listing_id = lc.listing_id AND d.left_at = lc.left_at
        LEFT JOIN first_crawl fc ON d.market = fc.market AND d.listing_id = fc.listing_id
        """,
    )
    engine.create(
        "price_history",
        f"""
        SELECT l.market, l.listing_id, l.crawled_at, min(l.price) AS price,
               min(nullif(upper({trimmed('l.currency')}), '')) AS currency, min(l.category) AS category
        FROM listings l
        JOIN (SELECT market, listing_id, before AS day FROM crawl_dates WHERE before IS NOT NULL
              UNION SELECT market, listing_id, after FROM crawl_dates WHERE after IS NOT NULL) d
          ON l.market = d.market AND l.listing_id = d.listing_id AND l.crawled_at = d.day
        WHERE l.price IS NOT NULL
        GROUP BY l.market, l.listing_id, l.crawled_at
        """,
    )
    engine.create(
        "sales",
        f"""
        WITH priced AS (
            SELECT f.*, coalesce(before.price, after.price) AS list_price,
                   CASE WHEN before.price IS NOT NULL THEN before.currency ELSE after.currency END AS list_currency,
                   coalesce(before.category, after.category) AS category
            FROM feedback f
            LEFT JOIN crawl_dates lc ON f.market = lc.market AND f.listing_id = lc.listing_id AND f.left_at = lc.left_at
            LEFT JOIN price_history before
              ON f.market = before.market AND f.listing_id = before.listing_id AND lc.before = before.crawled_at
            LEFT JOIN price_history after
              ON f.market = after.market AND f.listing_id = after.listing_id AND lc.after = after.crawled_at
        ), amounts AS (
            SELECT *, CASE WHEN paid IS NOT NULL THEN paid ELSE list_price END AS amount,
                   CASE WHEN paid IS NOT NULL THEN paid_currency ELSE list_currency END AS amount_currency
            FROM priced
        )
        SELECT a.market, a.listing_id, a.vendor_key, a.left_at, a.category,
               CASE WHEN a.amount * r.eur_rate BETWEEN -{ABSURD} AND {ABSURD} THEN CAST(a.amount * r.eur_rate AS {EUR}) END AS eur,
               a.amount IS NOT NULL AND r.eur_rate IS NULL AS unrated,
               a.amount IS NOT NULL AND NOT (a.amount BETWEEN -{ABSURD} AND {ABSURD}) AS absurd,
               a.amount_currency AS currency, fv.vendor_key IS NOT NULL AS focus
        FROM amounts a
        LEFT JOIN rates r ON r.currency = a.amount_currency AND r.day = a.left_at
        LEFT JOIN focus_vendors fv ON a.vendor_key = fv.vendor_key
        LEFT JOIN non_drug_listings n ON a.market = n.market AND a.listing_id = n.listing_id
        WHERE n.listing_id IS NULL
        """,
    )
    engine.create(
        "valid_sales",
        f"SELECT * FROM sales WHERE eur IS NOT NULL AND eur BETWEEN CAST(? AS {EUR}) AND CAST(? AS {EUR})",
        params.placeholder_min_eur, params.placeholder_max_eur,
    )


def _share(part: float | None, whole: float | None) -> float | None:
    return None if not whole or part is None else part / whole


def _vendor_figures(engine: Engine, markets: list[str], listings: Mapping[str, int]) -> list[Figure]:
    """Vendors and listings, all and from the focus country, per market and overall: vendors from `first_seen`
    (one row per market and vendor), listings as counted with their categories."""
    per_market = {row[0]: (row[1], listings[row[0]]) for row in engine.rows(
        "SELECT market, count(*) FROM first_seen GROUP BY market")}
    focus_vendors = dict(engine.rows("SELECT market, count(*) FROM focus_vendor_market GROUP BY market"))
    focus_listings = dict(engine.rows("SELECT market, count(*) FROM focus_listings GROUP BY market"))
    counts: dict[str | None, tuple[int, int, int, int]] = {market: (int(per_market[market][0]), int(focus_vendors.get(market, 0)),
                       int(per_market[market][1]), int(focus_listings.get(market, 0))) for market in markets}
    # Overall: a vendor on several markets is one vendor; a listing id belongs to one market, so listings add up.
    counts[None] = (int(engine.scalar("SELECT count(DISTINCT vendor_key) FROM first_seen")),
                    int(engine.scalar("SELECT count(*) FROM focus_vendors")),
                    sum(c[2] for c in counts.values()), sum(c[3] for c in counts.values()))
    figures: list[Figure] = []
    for market in [None, *markets]:
        suffix = "" if market is None else f".{slug(market)}"
        total, focus, listings_total, listings_focus = counts[market]
        figures += [
            Figure(f"vendors.total{suffix}", total, "count"),
            Figure(f"vendors.focus{suffix}", focus, "count", base=total),
            Figure(f"vendors.focus_share{suffix}", _share(focus, total), "share", base=total),
            Figure(f"listings.total{suffix}", listings_total, "count"),
            Figure(f"listings.focus{suffix}", listings_focus, "count", base=listings_total),
            Figure(f"listings.focus_share{suffix}", _share(listings_focus, listings_total), "share", base=listings_total),
        ]
    return figures


def _monthly(engine: Engine) -> pd.DataFrame:
    # Distinct vendors and listings are made distinct first, then counted: one pass each, where several
    # count(DISTINCT ...) FILTER columns would make Spark expand every row once per column.
    return engine.frame(
        """
        WITH months AS (
            SELECT market, CAST(date_trunc('month', crawled_at) AS DATE) AS month, vendor_key, listing_id, focus_vendor, focus_listing
            FROM listings
        ), v AS (
            SELECT market, month, count(*) AS vendors_all, count(*) FILTER (WHERE focus) AS vendors_focus
            FROM (SELECT market, month, vendor_key, bool_or(focus_vendor) AS focus FROM months GROUP BY market, month, vendor_key)
            GROUP BY market, month
        ), l AS (
            SELECT market, month, count(*) AS listings_all, count(*) FILTER (WHERE focus) AS listings_focus
            FROM (SELECT market, month, listing_id, bool_or(focus_listing) AS focus FROM months GROUP BY market, month, listing_id)
            GROUP BY market, month
        ), s AS (
            SELECT market, CAST(date_trunc('month', left_at) AS DATE) AS month, count(*) FILTER (WHERE focus) AS sales_focus,
                   count(*) AS sales_all
            FROM valid_sales GROUP BY market, CAST(date_trunc('month', left_at) AS DATE)
        )
        SELECT v.market, v.month, v.vendors_all, v.vendors_focus, l.listings_all, l.listings_focus,
               coalesce(s.sales_focus, 0) AS sales_focus, coalesce(s.sales_all, 0) AS sales_all
        FROM v JOIN l ON v.market = l.market AND v.month = l.month
        LEFT JOIN s ON v.market = s.market AND v.month = s.month
        ORDER BY v.month, v.market
        """,
    )


TREND = ("first_month", "last_month", "first", "last", "peak", "change")


def _coverage(engine: Engine) -> pd.DataFrame:
    """What each crawl covered: one row per market, crawl date and drug category with listings in it."""
    frame = engine.frame("SELECT market, crawled_at, category FROM listings GROUP BY market, crawled_at, category")
    frame["crawled_at"] = pd.to_datetime(frame["crawled_at"])
    frame["month"] = frame["crawled_at"].dt.to_period("M").dt.to_timestamp()
    return frame


def _uncovered(coverage: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, markets: list[str],
               events: tuple[MarketEvent, ...]) -> str | None:
    """Why two months cannot be compared (None when they can): the same markets and, in each, the same drug
    categories must have been crawled. A market missing from one month only because it had not launched yet, or
    had shut down (by the market events), does not change what was crawled."""
    def crawled(month: pd.Timestamp) -> dict[str, frozenset[str]]:
        rows = coverage[coverage.month == month]
        return {str(m): frozenset(group.category) for m, group in rows[rows.market.isin(markets)].groupby("market")}

    before, after = crawled(first), crawled(last)
    month_end = (last + pd.offsets.MonthEnd(0)).date()
    for market in sorted(set(before) | set(after)):
        if market in before and market in after:
            if before[market] != after[market]:
                return f"the drug categories crawled on {market} differ between {first:%Y-%m} and {last:%Y-%m}"
        elif market in before:
            if not any(e.market == market and e.kind in SHUTDOWN_KINDS and e.date <= month_end for e in events):
                return f"{market} was crawled in {first:%Y-%m} but not in {last:%Y-%m}, and no shutdown explains it"
        elif not any(e.market == market and e.kind == "launch" and e.date >= first.date() for e in events):
            return f"{market} was crawled in {last:%Y-%m} but not in {first:%Y-%m}, and no launch explains it"
    return None


def _trend_figures(monthly: pd.DataFrame, markets: list[str], coverage: pd.DataFrame,
                   events: tuple[MarketEvent, ...]) -> list[Figure]:
    """First and last observed month per market and overall; the change tells growth from decline. Only months
    with the same crawl coverage are compared: otherwise every trend figure is None, with the reason."""
    figures: list[Figure] = []
    overall = monthly.groupby("month", as_index=False)[["vendors_focus", "vendors_all"]].sum()
    groups: list[tuple[str, list[str], pd.DataFrame]] = [("", markets, overall)] + [
        (f".{slug(m)}", [m], monthly[monthly.market == m]) for m in markets
    ]
    for suffix, scope, frame in groups:
        frame = frame.sort_values("month")
        reason = "fewer than two months observed" if len(frame) < 2 else None
        if reason is None:
            first, last = frame.iloc[0], frame.iloc[-1]
            reason = _uncovered(coverage, pd.Timestamp(first.month), pd.Timestamp(last.month), scope, events)
        if reason is not None:
            figures += [Figure(f"vendors.focus.{name}{suffix}", None, "date" if name.endswith("month") else
                               "change" if name == "change" else "count", reason=reason) for name in TREND]
            continue
        change = _share(float(last.vendors_focus - first.vendors_focus), float(first.vendors_focus))
        figures += [
            Figure(f"vendors.focus.first_month{suffix}", f"{first.month:%Y-%m-%d}", "date"),
            Figure(f"vendors.focus.last_month{suffix}", f"{last.month:%Y-%m-%d}", "date"),
            Figure(f"vendors.focus.first{suffix}", int(first.vendors_focus), "count"),
            Figure(f"vendors.focus.last{suffix}", int(last.vendors_focus), "count"),
            Figure(f"vendors.focus.peak{suffix}", int(frame.vendors_focus.max()), "count"),
            Figure(f"vendors.focus.change{suffix}", change, "change", base=int(first.vendors_focus),
                   reason=None if change is not None else "no focus-country vendor in the first month"),
        ]
    return figures


def _monthly_figures(monthly: pd.DataFrame) -> list[Figure]:
    """The series the monthly charts draw, one figure per market, month and measure."""
    figures = []
    for row in monthly.itertuples():
        key = f"monthly.{slug(row.market)}.{row.month:%Y-%m}"
        figures += [Figure(f"{key}.vendors_focus", int(row.vendors_focus), "count"),
                    Figure(f"{key}.listings_focus", int(row.listings_focus), "count"),
                    Figure(f"{key}.sales_focus", int(row.sales_focus), "count")]
    return figures


def _bracket_figures(distribution: pd.DataFrame) -> list[Figure]:
    """Sales and sales value of focus vendors per value bracket, as shares."""
    focus = distribution[distribution.focus.astype(bool)]
    sales, value = int(focus.sales.sum()), float(focus.value_eur.sum())
    no_sales = None if sales else "no priced sale by focus-country vendors"
    figures = []
    for index in range(len(VALUE_BRACKETS)):
        row = focus[focus.bracket == index]
        count = int(row.sales.sum())
        figures += [Figure(f"transactions.bracket{index}.count", count, "count", base=sales),
                    Figure(f"transactions.bracket{index}.share", _share(count, sales), "share", base=sales, reason=no_sales),
                    Figure(f"transactions.bracket{index}.value_share", _share(float(row.value_eur.sum()), value), "share",
                           base=sales, reason=no_sales or (None if value else "the focus-country vendors' sales add up to 0 EUR"))]
    return figures


def _categories(engine: Engine) -> tuple[pd.DataFrame, dict[str, int], tuple[int, int]]:
    """Listings per category (all and focus) and, from the same pass, distinct listings per market and how many
    listings declare a ships-from in some crawl (of all listings)."""
    by_market = engine.frame(
        """
        WITH per_category AS (
            SELECT market, listing_id, category, bool_or(focus_listing) AS focus, count(*) AS crawls,
                   max(CASE WHEN ships_from <> '?' THEN 1 ELSE 0 END) AS declared
            FROM listings GROUP BY market, listing_id, category
        ), per_listing AS (  -- a listing recategorised between crawls counts under its most frequent category
            SELECT *, max(declared) OVER (PARTITION BY market, listing_id) AS declared_any FROM per_category
            QUALIFY row_number() OVER (PARTITION BY market, listing_id ORDER BY crawls DESC, category) = 1
        )
        SELECT market, category, count(*) AS listings_all, count(*) FILTER (WHERE focus) AS listings_focus,
               count(*) FILTER (WHERE declared_any = 1) AS listings_declared
        FROM per_listing GROUP BY market, category ORDER BY market, category
        """,
    )
    table = (by_market.groupby("category", as_index=False)[["listings_all", "listings_focus"]].sum()
             .sort_values(["listings_all", "category"], ascending=[False, True], kind="stable").reset_index(drop=True))
    declared = (int(by_market.listings_declared.sum()), int(by_market.listings_all.sum()))
    return table, {str(market): int(count) for market, count in by_market.groupby("market").listings_all.sum().items()}, declared


def _ranks(prefix: str, table: pd.DataFrame, column: str, what: str) -> list[Figure]:
    """The three categories with the most listings in `column` (ties by key); a rank no category fills is None."""
    held = table[table[column] > 0].sort_values([column, "category"], ascending=[False, True]).category.tolist()
    return [Figure(f"{prefix}.rank{rank}", held[rank - 1], "key") if rank <= len(held) else
            Figure(f"{prefix}.rank{rank}", None, "key", reason=f"fewer than {rank} categories {what}" if held else f"no category {what}")
            for rank in (1, 2, 3)]


def _category_figures(table: pd.DataFrame) -> list[Figure]:
    all_total, focus_total = int(table.listings_all.sum()), int(table.listings_focus.sum())
    no_focus = None if focus_total else "no listing from the focus country"
    figures = []
    for row in table.itertuples():
        figures += [
            Figure(f"categories.all.{row.category}.share", _share(row.listings_all, all_total), "share", base=all_total),
            Figure(f"categories.focus.{row.category}.share", _share(row.listings_focus, focus_total), "share",
                   base=focus_total, reason=no_focus),
        ]
    figures += _ranks("categories.focus", table, "listings_focus", "with listings from the focus country")
    figures += _ranks("categories.all", table, "listings_all", "with listings")
    figures.append(Figure("categories.count", int((table.listings_all > 0).sum()), "count"))
    return figures


def _origins(engine: Engine) -> pd.DataFrame:
    """Focus vendors' declared origins over the period, as sorted combinations (`BE+NL`)."""
    return engine.frame(
        """
        WITH v AS (
            -- not string_agg(... ORDER BY ...): Spark 4.0 fails on LISTAGG WITHIN GROUP with DISTINCT (ClassCastException)
            SELECT l.vendor_key, array_to_string(list_sort(list(DISTINCT l.ships_from)), '+') AS combination,
                   count(DISTINCT l.ships_from) AS n_origins
            FROM listings l JOIN focus_vendors f ON l.vendor_key = f.vendor_key GROUP BY l.vendor_key
        )
        SELECT combination, n_origins, count(*) AS vendors
        FROM v GROUP BY combination, n_origins ORDER BY vendors DESC, combination
        """,
    )


def _partner(multi: pd.DataFrame, focus: str, configured: str | None) -> tuple[str | None, str | None]:
    """The country the focus country's cross-border origins are compared with, or None and why: the configured one,
    else the other country (not a region) that most multi-origin vendors declare (ties by code)."""
    if configured is not None:
        return configured, None
    counts: dict[str, int] = {}
    for row in multi.itertuples():
        for code in str(row.combination).split("+"):
            if code != focus and code not in REGIONS and COUNTRY.match(code):
                counts[code] = counts.get(code, 0) + int(row.vendors)
    if not counts:
        return None, ("no focus-country vendor declares several origins" if multi.empty
                      else "the multi-origin vendors declare no other country (only regions)")
    return min(counts, key=lambda code: (-counts[code], code)), None


def _origin_figures(engine: Engine, origins: pd.DataFrame, params: MarketParams, markets: list[str]) -> list[Figure]:
    focus_total = int(origins.vendors.sum())
    multi = origins[origins.n_origins > 1]
    multi_n = int(multi.vendors.sum())
    partner, why = _partner(multi, params.focus, params.compare_country)
    with_partner = None if partner is None else sum(
        int(row.vendors) for row in multi.itertuples() if partner in str(row.combination).split("+"))
    no_multi = None if multi_n else "no focus-country vendor declares several origins"
    figures = [Figure(f"origins.combination.{row.combination}.count", int(row.vendors), "count", base=focus_total)
               for row in origins.itertuples()]
    figures += [
        Figure("origins.multi.count", multi_n, "count", base=focus_total),
        Figure("origins.multi.share", _share(multi_n, focus_total), "share", base=focus_total,
               reason=None if focus_total else "no vendor from the focus country"),
        Figure("origins.multi.partner", partner, "key", reason=why),
        Figure("origins.multi.partner.count", with_partner, "count", base=multi_n, reason=why),
        Figure("origins.multi.partner.share", None if with_partner is None else _share(with_partner, multi_n), "share",
               base=multi_n, reason=why or no_multi),
    ]
    for market in markets:
        row = engine.row(
            """
            WITH v AS (SELECT vendor_key, count(DISTINCT ships_from) AS origins,
                              max(CASE WHEN ships_from = ? THEN 1 ELSE 0 END) AS partner
                       FROM listings WHERE market = ? AND focus_vendor GROUP BY vendor_key)
            SELECT count(*) FILTER (WHERE origins > 1), count(*) FILTER (WHERE origins > 1 AND partner = 1)
            FROM v
            """,
            partner or "", market,
        )
        suffix, multi_market = f".{slug(market)}", int(row[0])
        count = None if partner is None else int(row[1])
        figures += [
            Figure(f"origins.multi.count{suffix}", multi_market, "count"),
            Figure(f"origins.multi.partner.count{suffix}", count, "count", base=multi_market, reason=why),
            Figure(f"origins.multi.partner.share{suffix}", None if count is None else _share(count, multi_market), "share",
                   base=multi_market, reason=why or (None if multi_market else "no multi-origin vendor on this market")),
        ]
    return figures


def _origin_shares(engine: Engine) -> tuple[pd.DataFrame, list[Figure]]:
    """Distinct vendors by declared ships-from over all vendors; regions (EU, WW, undeclared) are their own
    categories and a vendor with several origins counts under each."""
    table = engine.frame(
        """
        SELECT ships_from AS origin, count(DISTINCT vendor_key) AS vendors
        FROM listings GROUP BY ships_from ORDER BY vendors DESC, origin
        """,
    )
    total = int(engine.scalar("SELECT count(DISTINCT vendor_key) FROM listings"))
    multi = int(engine.scalar("SELECT count(*) FROM (SELECT vendor_key FROM listings GROUP BY vendor_key HAVING count(DISTINCT ships_from) > 1)"))
    table["share"] = [_share(int(vendors), total) for vendors in table.vendors]
    figures: list[Figure] = []
    for row in table.itertuples():
        figures += [Figure(f"origins.all.{row.origin}.count", int(row.vendors), "count", base=total),
                    Figure(f"origins.all.{row.origin}.share", float(row.share), "share", base=total)]
    figures += [Figure("origins.all.multi.count", multi, "count", base=total),
                Figure("origins.all.multi.share", _share(multi, total), "share", base=total)]
    return table, figures


def _shipping(engine: Engine, focus: str) -> tuple[pd.DataFrame, list[Figure]]:
    """Where focus vendors ship to: abroad or domestic only, and which destinations they exclude."""
    engine.create(
        "focus_destinations",
        f"""
        SELECT DISTINCT vendor_key, upper({trimmed('dest')}) AS dest
        FROM (SELECT vendor_key, unnest(string_split(ships_to, ',')) AS dest FROM listings
              WHERE ships_from = ?)
        WHERE {trimmed('dest')} <> ''
        """,
        focus,
    )
    row = engine.row(
        """
        WITH v AS (SELECT vendor_key,
                          bool_or(dest NOT LIKE '!%' AND dest <> ?) AS abroad,
                          bool_or(dest LIKE '!%') AS restricted
                   FROM focus_destinations GROUP BY vendor_key)
        SELECT count(*), count(*) FILTER (WHERE abroad), count(*) FILTER (WHERE restricted) FROM v
        """,
        focus,
    )
    declared, abroad, restricted = (int(value) for value in row)
    excluded = engine.frame(
        """
        SELECT substr(dest, 2) AS country, count(DISTINCT vendor_key) AS vendors
        FROM focus_destinations WHERE dest LIKE '!%' GROUP BY substr(dest, 2) ORDER BY vendors DESC, country
        """,
    )
    none_declared = None if declared else "no focus-country vendor declares where it ships to"
    figures = [
        Figure("shipping.declared.count", declared, "count"),
        Figure("shipping.abroad.count", abroad, "count", base=declared),
        Figure("shipping.abroad.share", _share(abroad, declared), "share", base=declared, reason=none_declared),
        Figure("shipping.restricted.count", restricted, "count", base=declared),
        Figure("shipping.restricted.share", _share(restricted, declared), "share", base=declared, reason=none_declared),
    ]
    rows = list(excluded.head(3).itertuples())
    for rank in (1, 2, 3):
        if rank <= len(rows):
            figures.append(Figure(f"shipping.excluded.rank{rank}", rows[rank - 1].country, "key"))
            figures.append(Figure(f"shipping.excluded.rank{rank}.count", int(rows[rank - 1].vendors), "count", base=restricted))
        else:
            reason = f"fewer than {rank} destinations excluded" if rows else "no destination excluded"
            figures.append(Figure(f"shipping.excluded.rank{rank}", None, "key", reason=reason))
            figures.append(Figure(f"shipping.excluded.rank{rank}.count", None, "count", base=restricted, reason=reason))
    return excluded, figures


def _transactions(engine: Engine, params: MarketParams, markets: list[str]) -> tuple[pd.DataFrame, list[Figure]]:
    figures: list[Figure] = []
    retail = params.retail_eur
    for market in [None, *markets]:
        where, args, suffix = ("", [], "") if market is None else (" AND market = ?", [market], f".{slug(market)}")
        row = engine.row(
            f"""
            SELECT count(*), max(eur), sum(eur), count(*) FILTER (WHERE eur < ?),
                   count(*) FILTER (WHERE eur >= ?), coalesce(sum(eur) FILTER (WHERE eur >= ?), 0)
            FROM valid_sales WHERE focus {where}
            """,
            retail,
            params.wholesale_eur,
            retail,
            *args,
        )
        count, max_eur, total, below, wholesale, value_large = row
        total, value_large = (None if v is None else float(v) for v in (total, value_large))  # exact DECIMAL sums
        count = int(count)
        no_sales = None if count else "no priced sale by focus-country vendors"
        unpriced = int(engine.scalar(f"SELECT count(*) FROM sales WHERE focus AND eur IS NULL {where}", *args))
        placeholder = int(
            engine.scalar(f"SELECT count(*) FROM sales WHERE focus AND eur IS NOT NULL {where}", *args)
        ) - count
        figures += [
            Figure(f"transactions.count{suffix}", count, "count"),
            Figure(f"transactions.max_eur{suffix}", None if max_eur is None else round(float(max_eur), 2), "eur", base=count,
                   reason=no_sales),
            Figure(f"transactions.value_eur{suffix}", None if total is None else round(float(total), 2), "eur", base=count,
                   reason=no_sales),
            Figure(f"transactions.share_below_retail{suffix}", _share(below, count), "share", base=count, reason=no_sales),
            Figure(f"transactions.wholesale.count{suffix}", int(wholesale), "count", base=count),
            Figure(f"transactions.value_share_from_retail{suffix}", _share(value_large, total), "share", base=count,
                   reason=no_sales if no_sales else (None if total else "the focus-country vendors' sales add up to 0 EUR")),
            Figure(f"transactions.unpriced.count{suffix}", unpriced, "count"),
            Figure(f"transactions.placeholder.count{suffix}", placeholder, "count"),
        ]
    all_row = engine.row("SELECT count(*), count(*) FILTER (WHERE eur >= ?) FROM valid_sales", params.wholesale_eur)
    figures += [
        Figure("transactions.all.count", int(all_row[0]), "count"),
        Figure("transactions.all.wholesale.share", _share(all_row[1], all_row[0]), "share", base=int(all_row[0]),
               reason=None if all_row[0] else "no priced sale"),
    ]
    bracket = "CASE " + " ".join(f"WHEN eur >= {lower} THEN {index}" for index, lower in reversed(list(enumerate(VALUE_BRACKETS)))) + " END"
    distribution = engine.frame(
        f"""
        SELECT focus, {bracket} AS bracket, count(*) AS sales, sum(eur) AS value_eur
        FROM valid_sales GROUP BY focus, {bracket} ORDER BY focus, bracket
        """,
    )
    return distribution, figures


def _dominance(engine: Engine, params: MarketParams, markets: list[str]) -> dict[str, float]:
    """Share of each sales-value cell made by its two largest vendors, keyed by the figure ids of the cell."""
    bracket = "CASE " + " ".join(f"WHEN eur >= {lower} THEN {index}" for index, lower in reversed(list(enumerate(VALUE_BRACKETS)))) + " END"
    cells = engine.rows(
        f"""
        WITH v AS (SELECT market, {bracket} AS bracket, vendor_key, eur FROM valid_sales WHERE focus),
        by_cell AS (
            SELECT market AS cell_market, NULL::INTEGER AS cell_bracket, vendor_key, sum(eur) AS value FROM v GROUP BY market, vendor_key
            UNION ALL SELECT NULL::VARCHAR, NULL::INTEGER, vendor_key, sum(eur) FROM v GROUP BY vendor_key
            UNION ALL SELECT NULL::VARCHAR, bracket, vendor_key, sum(eur) FROM v GROUP BY bracket, vendor_key
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY cell_market, cell_bracket ORDER BY value DESC, vendor_key) AS rank FROM by_cell
        )
        SELECT cell_market, cell_bracket,
               CAST(sum(CASE WHEN rank <= 2 THEN value ELSE 0 END) AS DOUBLE) / CAST(sum(value) AS DOUBLE) AS top2
        FROM ranked GROUP BY cell_market, cell_bracket HAVING sum(value) > 0
        """
    )
    shares: dict[str, float] = {}
    for market, bracket_index, top2 in cells:
        if bracket_index is not None:
            shares[f"transactions.bracket{bracket_index}.value_share"] = float(top2)
            continue
        suffix = "" if market is None else f".{slug(market)}"
        shares[f"transactions.value_eur{suffix}"] = float(top2)
        shares[f"transactions.value_share_from_retail{suffix}"] = float(top2)
    return shares


def _flag_dominance(figures: list[Figure], shares: dict[str, float], params: MarketParams) -> list[Figure]:
    """Footnote or hide value cells that two vendors dominate, as the config says."""
    flagged = []
    for figure in figures:
        top2 = shares.get(figure.id)
        if top2 is not None and top2 >= params.dominance_share and figure.value is not None:
            reason = f"dominance: two vendors make {top2:.0%} of the value"
            if params.dominance_action == "suppress":
                figure = replace(figure, suppressed=True, reason=reason)
            else:
                figure = replace(figure, note="dominance", reason=reason)
        flagged.append(figure)
    return flagged


def _migration(engine: Engine, params: MarketParams, markets: list[str]) -> tuple[pd.DataFrame, list[Figure]]:
    """Vendors active on a market before it closed and new on another market after, by normalised name."""
    rows, figures = [], []
    shutdowns = _shutdowns(params, markets)
    first_events: dict[str, MarketEvent] = {}
    for event in shutdowns:
        first_events.setdefault(event.market, event)  # the first shutdown event is when vendors start to leave
    for event in first_events.values():
        final = [e for e in shutdowns if e.market == event.market][-1]
        last_crawl = engine.scalar("SELECT max(crawled_at) FROM listings WHERE market = ? AND crawled_at <= ?", event.market, event.date)
        if last_crawl is None:
            continue
        active_sql = "SELECT DISTINCT vendor_key FROM listings WHERE market = ? AND crawled_at BETWEEN ? AND ?"
        window_start = pd.Timestamp(last_crawl) - pd.Timedelta(weeks=params.weeks_before)
        window_end = pd.Timestamp(event.date) + pd.Timedelta(weeks=params.weeks_after)
        active = int(engine.scalar(f"SELECT count(*) FROM ({active_sql})", event.market, window_start.date(), last_crawl))
        figures.append(Figure(f"migration.{slug(event.market)}.active", active, "count"))
        figures.append(Figure(f"migration.{slug(event.market)}.date", event.date.isoformat(), "date"))
        figures.append(Figure(f"migration.{slug(event.market)}.kind", event.kind, "key"))
        figures.append(Figure(f"migration.{slug(event.market)}.final_date", final.date.isoformat(), "date"))
        figures.append(Figure(f"migration.{slug(event.market)}.final_kind", final.kind, "key"))
        for target in markets:
            alive_after = engine.scalar("SELECT count(*) FROM listings WHERE market = ? AND crawled_at > ?", target, event.date)
            if target == event.market or not alive_after:
                continue
            counts = engine.row(
                f"""
                WITH first_seen AS (SELECT vendor_key, first FROM first_seen WHERE market = ?),
                     new AS (SELECT vendor_key FROM first_seen WHERE first > ? AND first <= ?),
                     active AS ({active_sql})
                SELECT (SELECT count(*) FROM new),
                       (SELECT count(*) FROM new WHERE vendor_key IN (SELECT vendor_key FROM active)),
                       (SELECT count(*) FROM new WHERE vendor_key IN (SELECT vendor_key FROM active)
                                              AND vendor_key IN (SELECT vendor_key FROM focus_vendors))
                """,
                target,
                event.date,
                window_end.date(),
                event.market,
                window_start.date(),
                last_crawl,
            )
            new, migrated, migrated_focus = (int(v) for v in counts)
            key = f"migration.{slug(event.market)}.{slug(target)}"
            figures += [
                Figure(f"{key}.count", migrated, "count", base=active),
                Figure(f"{key}.new_vendors", new, "count"),
                Figure(f"{key}.share_of_new", _share(migrated, new), "share", base=new,
                       reason=None if new else "no new vendor on this market after the shutdown"),
                Figure(f"{key}.focus.count", migrated_focus, "count", base=migrated),
            ]
            rows.append({"from_market": event.market, "to_market": target, "active": active, "new": new,
                         "migrated": migrated, "migrated_focus": migrated_focus})
    return pd.DataFrame(rows, columns=["from_market", "to_market", "active", "new", "migrated", "migrated_focus"]), figures


# Figures about the focus country's vendors (they need a declared ships-from) and figures about sales.
FOCUS_FIGURES = re.compile(r"^(vendors\.focus|listings\.focus|categories\.focus\.|origins\.(combination|multi)\.|shipping\."
                           r"|transactions\.(?!all\.)|migration\..*\.focus\.count$|monthly\..*_focus$)")
SALES_FIGURES = re.compile(r"^(transactions\.|monthly\..*\.sales_focus$)")


def _unmeasured(figures: list[Figure], ids: re.Pattern[str], reason: str) -> list[Figure]:
    """The figures the data cannot measure, whatever was computed for them: None, with the reason."""
    return [replace(f, value=None, reason=reason, note=None) if ids.match(f.id) else f for f in figures]


def _crawl_figures(coverage: pd.DataFrame) -> list[Figure]:
    """Calendar months with a crawl, and the median number of days between consecutive crawls of a market."""
    crawls = coverage[["market", "crawled_at"]].drop_duplicates().sort_values(["market", "crawled_at"])
    gaps = [int(days) for _, dates in crawls.groupby("market").crawled_at for days in dates.diff().dt.days.dropna()]
    return [Figure("months.count", int(coverage.month.nunique()), "count"),
            Figure("crawls.interval_days", float(statistics.median(gaps)) if gaps else None, "number",
                   reason=None if gaps else "no market was crawled twice")]


def _shutdowns(params: MarketParams, markets: list[str]) -> list[MarketEvent]:
    """Closures, exit scams and seizures of crawled markets in the period, in date order."""
    return [e for e in params.events if e.kind in SHUTDOWN_KINDS and e.market in markets and params.start <= e.date <= params.end]


def aggregate_market(params: MarketParams) -> MarketStats:
    """Run every scrape aggregation in one engine session (DuckDB in a scratch folder, or Spark)."""
    with tempfile.TemporaryDirectory(prefix="report-engine-") as scratch:
        with make_engine(params.engine, Path(scratch), master=params.spark_master, memory_mb=params.memory_mb,
                         driver_memory=params.spark_memory) as engine:
            return _aggregate(engine, params)


def _aggregate(engine: Engine, params: MarketParams) -> MarketStats:
    for table, sources in params.sources.items():
        if sources:
            register_table(engine, table, list(sources))
    engine.expect(sum(source.rows if source.rows is not None else int(engine.scalar(f"SELECT count(*) FROM src_listings_{index}"))
                      for index, source in enumerate(params.sources["listings"])))
    unmapped = _category_map(engine, params)
    _build_tables(engine, params)
    if not engine.scalar("SELECT count(*) FROM listings"):
        raise InputError(f"no listings between {params.start} and {params.end} (check period)",
                         where=params.sources["listings"][0].where)
    markets = [r[0] for r in engine.rows("SELECT market FROM listings GROUP BY market ORDER BY min(crawled_at), market")]
    monthly = _monthly(engine)
    coverage = _coverage(engine)
    categories, listings_per_market, declared = _categories(engine)
    origins = _origins(engine)
    excluded, shipping_figures = _shipping(engine, params.focus)
    distribution, transaction_figures = _transactions(engine, params, markets)
    migration, migration_figures = _migration(engine, params, markets)
    dominance = _dominance(engine, params, markets)
    origin_shares, origin_share_figures = _origin_shares(engine)
    crawls = engine.frame("SELECT market, count(DISTINCT crawled_at) AS crawls, min(crawled_at) AS first, max(crawled_at) AS last "
                          "FROM listings GROUP BY market ORDER BY first, market")
    figures = [
        *_vendor_figures(engine, markets, listings_per_market),
        *_trend_figures(monthly, markets, coverage, params.events),
        *_monthly_figures(monthly),
        *_bracket_figures(distribution),
        *_category_figures(categories),
        *_origin_figures(engine, origins, params, markets),
        *shipping_figures,
        *origin_share_figures,
        *transaction_figures,
        *migration_figures,
        Figure("markets.count", len(markets), "count"),
        Figure("crawls.count", int(crawls.crawls.sum()), "count"),
        Figure("period.start", params.start.isoformat(), "date"),
        Figure("period.end", params.end.isoformat(), "date"),
        *_crawl_figures(coverage),
        Figure("events.count", len(_shutdowns(params, markets)), "count"),
        # the window in which a vendor counts as active on a market before it closed (migration.<market>.active)
        Figure("migration.weeks_before", params.weeks_before, "count"),
        Figure("sales.source", params.sales, "key"),
        # sales left without a value: no exchange rate recent enough, or a price that is no amount
        Figure("sales.unrated.count", int(engine.scalar("SELECT count(*) FROM sales WHERE unrated")), "count"),
        Figure("sales.absurd.count", int(engine.scalar("SELECT count(*) FROM sales WHERE absurd")), "count"),
        Figure("thresholds.rate_gap_days", params.rate_gap_days, "count"),
        Figure("ships_from.declared.share", _share(*declared), "share", base=declared[1]),
    ]
    figures = _flag_dominance(figures, dominance, params)
    if not declared[0]:
        figures = _unmeasured(figures, FOCUS_FIGURES, NO_SHIPS_FROM)
    if params.sales == "none":
        figures = _unmeasured(figures, SALES_FIGURES, NO_SALES)
    tables = {
        "monthly": monthly,
        "categories": categories,
        "origins": origins,
        "origin_shares": origin_shares,
        "excluded_destinations": excluded,
        "transaction_values": distribution,
        "migration": migration,
        "crawls": crawls,
    }
    warnings = tuple(f"category '{text}' is not in the taxonomy; its listings are left out" for text in dict.fromkeys(unmapped)) \
        + _input_warnings(engine, params)
    events = tuple(e for e in params.events if e.market in markets)
    return MarketStats(Figures(figures), frozen_tables(tables), tuple(markets), events, warnings)


def _input_warnings(engine: Engine, params: MarketParams) -> tuple[str, ...]:
    """Rows the figures leave out, said once each: listings without a vendor, sales without a usable rate or price."""
    warnings = []
    blank = int(engine.scalar("SELECT count(*) FROM listings_in WHERE (vendor IS NULL OR vendor = '') "
                              "AND crawled_at BETWEEN ? AND ?", params.start, params.end))
    if blank:
        warnings.append(f"{blank} listing row(s) of the period have no vendor name ({_where(params, 'listings')}); "
                        "they are left out of every count")
    unrated = engine.rows("SELECT currency, count(*) FROM sales WHERE unrated GROUP BY currency ORDER BY currency")
    if unrated:
        counts = ", ".join(f"{count} in {currency}" for currency, count in unrated)
        warnings.append(f"{sum(c for _, c in unrated)} sale(s) have no exchange rate published within "
                        f"{params.rate_gap_days} day(s) before them ({counts}; {_where(params, 'exchange_rates')}): "
                        "they have no value and are left out of the value figures (thresholds.rate_gap_days)")
    absurd = int(engine.scalar("SELECT count(*) FROM sales WHERE absurd"))
    if absurd:
        warnings.append(f"{absurd} sale(s) have a price that is no amount (not a number, infinite or over "
                        f"{float(ABSURD):,.0f}; {_where(params, 'listings', 'feedback')}): they have no value and are "
                        "left out of the value figures")
    return tuple(warnings)


def _where(params: MarketParams, *names: str) -> str:
    return ", ".join(str(source.where) for name in names for source in params.sources.get(name, ()))


def market_params(config: Any, inputs: Any) -> MarketParams:
    """The aggregation's parameters from the config and checked inputs."""
    return MarketParams(
        sources=inputs.scrapes,
        sales=config.inputs.sales_source,
        focus=config.focus_country,
        start=config.period.start,
        end=config.period.end,
        taxonomy={key: tuple(cat.match) for key, cat in config.taxonomy.items()},
        non_drug=frozenset(key for key, cat in config.taxonomy.items() if not cat.drug),
        retail_eur=config.thresholds.retail_eur,
        wholesale_eur=config.thresholds.wholesale_eur,
        placeholder_min_eur=config.thresholds.placeholder_min_eur,
        placeholder_max_eur=config.thresholds.placeholder_max_eur,
        rate_gap_days=config.thresholds.rate_gap_days,
        weeks_before=config.migration.weeks_before,
        weeks_after=config.migration.weeks_after,
        events=inputs.events,
        dominance_share=config.disclosure.dominance_share,
        dominance_action=config.disclosure.dominance_action,
        engine=config.engine,
        spark_master=config.spark.master,
        spark_memory=config.spark.driver_memory,
        memory_mb=config.limits.engine_memory_mb,
        compare_country=config.compare_country,
    )
