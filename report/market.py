"""Scrape aggregation in DuckDB (or Spark): vendors, listings and sales per market, origin, category and month.

The one place that reads listings and feedback. The tables are the SQL files of report/sql/, run in their order
(engine.Script); the figures read them with a few small queries here. pandas only receives the small aggregated
tables. No display strings and no locale here.
"""
from __future__ import annotations

import fnmatch
import math
import re
import statistics
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .engine import Engine, Script, make_engine
from .errors import InputError
from .i18n import REGIONS
from .model import VALUE_BRACKETS, Figure, Figures, MarketEvent, MarketStats, frozen_tables, slug
from .sources import TRIMMED, ScrapeSource, register_table

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


#: A price beyond this (or not a number at all: NaN, infinity) is no price: such a sale has no value, like a placeholder
#: (the bound written in report/sql/14_sales.sql, said in a warning).
ABSURD = "1e12"
#: Text with something to trim at either end (the test before a trim: most values have nothing to trim).
TRIMMABLE = f"^[{TRIMMED}]|[{TRIMMED}]$"


def _category_map(engine: Engine, params: MarketParams, raw: list[str]) -> list[str]:
    """Map each distinct raw category string to a canonical category; return the unmapped ones."""
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


def _script_values(params: MarketParams) -> dict[str, Any]:
    """The named parameters of the files of report/sql/."""
    return {"start": params.start, "end": params.end, "focus": params.focus,
            "min_eur": params.placeholder_min_eur, "max_eur": params.placeholder_max_eur,
            "trimmable": TRIMMABLE, "spaces": TRIMMED}


@dataclass(frozen=True)
class Read:
    """What the one pass over the listings export tells besides the tables: unmapped categories, vendorless rows."""

    unmapped: tuple[str, ...]
    blank_vendors: int


def _build_tables(script: Script, params: MarketParams) -> Read:
    """The typed, filtered scrape tables every figure is computed from: the export is read once, into `scraped`,
    which is dropped once the tables that need it are made."""
    engine = script.engine
    # A CSV export is parsed again by every query that reads it: it is read once, into a table. Parquet is read by
    # column, so each query reads only the columns it needs, which costs less than writing all of them once.
    script.table("scraped", keep=any(source.files.format == "csv" for source in params.sources["listings"]))
    # The raw categories and the rows of the period without a vendor, in one pass.
    scan = engine.rows("SELECT category, sum(CASE WHEN (vendor_key IS NULL OR vendor_key = '') AND crawled_at BETWEEN ? AND ? "
                       "THEN 1 ELSE 0 END) FROM scraped GROUP BY category", params.start, params.end)
    unmapped = _category_map(engine, params, [category for category, _ in scan if category is not None])
    blank = sum(int(count or 0) for _, count in scan)
    # The few rows from the focus country first (a pass that reads little), so that `listings` is written once.
    for table in ("focus_rows", "focus_vendors", "focus_vendor_market", "focus_listings", "listings", "first_seen",
                  "non_drug_listings"):
        script.table(table)
    _build_rates(engine, params)
    if params.sales == "cumulative":
        if not engine.scalar("SELECT count(*) FROM (SELECT sold FROM scraped WHERE sold IS NOT NULL LIMIT 1)"):
            raise InputError("inputs.sales is cumulative, but no listing has a sold count (map the export's column to "
                             "`sold`, or set inputs.sales: none)", where=params.sources["listings"][0].where)
        script.table("sold_counts")
    engine.drop("scraped")  # a table or a view
    _build_sales(script, params)
    return Read(tuple(unmapped), blank)


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


def _build_sales(script: Script, params: MarketParams) -> None:
    """One row per sale: feedback counted once, priced at the listing's price at that date, in EUR."""
    script.view("sales_in", params.sales)  # feedback rows as given, sales between crawls (cumulative), or no rows
    for table in ("feedback", "sale_crawls", "sale_prices", "sales"):
        script.table(table)
    bounds = list(VALUE_BRACKETS)
    script.engine.put("value_brackets", pd.DataFrame({"bracket": range(len(bounds)), "lower_eur": bounds,
                                                      "upper_eur": [*map(float, bounds[1:]), math.inf]}))
    script.table("valid_sales")


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


def _monthly(script: Script) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per market and month; and per month over all markets, each vendor counted once."""
    return script.frame("monthly"), script.frame("monthly_overall")


TREND = ("first_month", "last_month", "first", "last", "peak", "change")


def _coverage(script: Script) -> pd.DataFrame:
    """What each crawl covered: one row per market, crawl date and drug category with listings in it."""
    frame = script.frame("coverage")
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
                   events: tuple[MarketEvent, ...], overall: pd.DataFrame) -> list[Figure]:
    """First and last observed month per market and overall (`overall`: a vendor on several markets counted once);
    the change tells growth from decline. Only months with the same crawl coverage are compared: otherwise every
    trend figure is None, with the reason."""
    figures: list[Figure] = []
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
                           base=sales, countable=False, reason=no_sales or (None if value else "the focus-country vendors' sales add up to 0 EUR"))]
    return figures


def _categories(script: Script) -> tuple[pd.DataFrame, dict[str, int], tuple[int, int]]:
    """Listings per category (all and focus) and, from the same pass, distinct listings per market and how many
    listings declare a ships-from in some crawl (of all listings)."""
    by_market = script.frame("categories")
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


def _origins(script: Script) -> pd.DataFrame:
    """Focus vendors' declared origins over the period, as sorted combinations (`BE+NL`)."""
    return script.frame("origins")


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


def _origin_shares(script: Script) -> tuple[pd.DataFrame, list[Figure]]:
    """Distinct vendors by declared ships-from over all vendors; regions (EU, WW, undeclared) are their own
    categories and a vendor with several origins counts under each."""
    table = script.frame("origin_shares")
    engine = script.engine
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


def _shipping(script: Script, focus: str) -> tuple[pd.DataFrame, list[Figure]]:
    """Where focus vendors ship to: abroad or domestic only, and which destinations they exclude."""
    engine = script.engine
    script.table("focus_destinations")
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
    excluded = script.frame("excluded_destinations")
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


def _transactions(script: Script, params: MarketParams, markets: list[str]) -> tuple[pd.DataFrame, list[Figure]]:
    engine = script.engine
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
                   countable=False, reason=no_sales if no_sales else (None if total else "the focus-country vendors' sales add up to 0 EUR")),
            Figure(f"transactions.unpriced.count{suffix}", unpriced, "count"),
            Figure(f"transactions.placeholder.count{suffix}", placeholder, "count"),
        ]
    all_row = engine.row("SELECT count(*), count(*) FILTER (WHERE eur >= ?) FROM valid_sales", params.wholesale_eur)
    figures += [
        Figure("transactions.all.count", int(all_row[0]), "count"),
        Figure("transactions.all.wholesale.share", _share(all_row[1], all_row[0]), "share", base=int(all_row[0]),
               reason=None if all_row[0] else "no priced sale"),
    ]
    distribution = script.frame("transaction_values")
    return distribution, figures


def _dominance(script: Script) -> dict[str, float]:
    """Share of each sales-value cell made by its two largest vendors, keyed by the figure ids of the cell."""
    cells = script.rows("dominance")
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
    script = Script(engine, _script_values(params))
    read = _build_tables(script, params)
    if not engine.scalar("SELECT count(*) FROM listings"):
        raise InputError(f"no listings between {params.start} and {params.end} (check period)",
                         where=params.sources["listings"][0].where)
    markets = [r[0] for r in engine.rows("SELECT market FROM listings GROUP BY market ORDER BY min(crawled_at), market")]
    monthly, monthly_overall = _monthly(script)
    coverage = _coverage(script)
    categories, listings_per_market, declared = _categories(script)
    origins = _origins(script)
    excluded, shipping_figures = _shipping(script, params.focus)
    distribution, transaction_figures = _transactions(script, params, markets)
    migration, migration_figures = _migration(engine, params, markets)
    dominance = _dominance(script)
    origin_shares, origin_share_figures = _origin_shares(script)
    crawls = script.frame("crawls")
    figures = [
        *_vendor_figures(engine, markets, listings_per_market),
        *_trend_figures(monthly, markets, coverage, params.events, monthly_overall),
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
    warnings = tuple(f"category '{text}' is not in the taxonomy; its listings are left out" for text in dict.fromkeys(read.unmapped)) \
        + _input_warnings(engine, params, read.blank_vendors)
    events = tuple(e for e in params.events if e.market in markets)
    return MarketStats(Figures(figures), frozen_tables(tables), tuple(markets), events, warnings)


def _input_warnings(engine: Engine, params: MarketParams, blank: int) -> tuple[str, ...]:
    """Rows the figures leave out, said once each: listings without a vendor (`blank`, counted while the export was
    read), sales without a usable rate or price."""
    warnings = []
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
