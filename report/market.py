"""Scrape aggregation in DuckDB: vendors, listings and sales per market, origin, category and month.

The one place that reads listings and feedback. pandas only receives the small aggregated tables.
No display strings and no locale here.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import duckdb
import pandas as pd

from .errors import InputError
from .model import VALUE_BRACKETS, Figure, Figures, MarketEvent, MarketStats, frozen_tables, slug

SHUTDOWN_KINDS = ("closure", "exit_scam", "seizure")


@dataclass(frozen=True)
class MarketParams:
    """What the aggregation needs from the config, and nothing more."""

    listings: Path
    feedback: Path
    exchange_rates: Path
    feedback_columns: tuple[str, ...]
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


def _csv(path: Path) -> str:
    escaped = str(path).replace("'", "''")
    return f"read_csv('{escaped}', header=true, all_varchar=true, nullstr='\\N', quote='\"', escape='\"')"


def _query(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> Any:
    row = con.execute(sql, list(params)).fetchone()
    return None if row is None else row[0]


def _row(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> tuple[Any, ...]:
    """The one row of an aggregate query without GROUP BY, which SQL always returns."""
    row = con.execute(sql, list(params)).fetchone()
    if row is None:
        raise RuntimeError("an aggregate query returned no row")
    return row


def _check_parsable(con: duckdb.DuckDBPyConnection, path: Path, table: str, column: str, cast: str) -> None:
    """Name the first line whose value cannot be read as the column's type."""
    bad = con.execute(
        f"SELECT line, {column} FROM {table} WHERE nullif(trim({column}), '') IS NOT NULL "
        f"AND TRY_CAST(trim({column}) AS {cast}) IS NULL ORDER BY line LIMIT 1"
    ).fetchone()
    if bad:
        raise InputError(f"column {column}: '{bad[1]}' is not a valid {cast.lower()}", where=f"{path}:{bad[0]}")


def _load_raw(con: duckdb.DuckDBPyConnection, params: MarketParams) -> None:
    try:
        con.execute(f"CREATE TEMP TABLE raw_listings AS SELECT row_number() OVER () + 1 AS line, * FROM {_csv(params.listings)}")
        con.execute(f"CREATE TEMP TABLE raw_feedback AS SELECT row_number() OVER () + 1 AS line, * FROM {_csv(params.feedback)}")
        con.execute(f"CREATE TEMP TABLE raw_rates AS SELECT row_number() OVER () + 1 AS line, * FROM {_csv(params.exchange_rates)}")
    except duckdb.Error as exc:
        raise InputError(f"cannot read a scrape file: {str(exc).splitlines()[0]}") from None
    for path, table, column, cast in (
        (params.listings, "raw_listings", "crawled_at", "DATE"),
        (params.listings, "raw_listings", "price", "DOUBLE"),
        (params.feedback, "raw_feedback", "left_at", "DATE"),
        (params.exchange_rates, "raw_rates", "date", "DATE"),
        (params.exchange_rates, "raw_rates", "eur_rate", "DOUBLE"),
    ):
        _check_parsable(con, path, table, column, cast)
    if "price" in params.feedback_columns:
        _check_parsable(con, params.feedback, "raw_feedback", "price", "DOUBLE")


def _category_map(con: duckdb.DuckDBPyConnection, params: MarketParams) -> list[str]:
    """Map each distinct raw category string to a canonical category; return the unmapped ones."""
    raw = [row[0] for row in con.execute("SELECT DISTINCT category FROM raw_listings WHERE category IS NOT NULL").fetchall()]
    rows, unmapped = [], []
    for text in sorted(raw):
        key = text.strip().casefold()
        category = next(
            (cat for cat, patterns in params.taxonomy.items() if any(fnmatch.fnmatchcase(key, p.casefold()) for p in patterns)),
            None,
        )
        if category is None:
            unmapped.append(text)
        else:
            rows.append((text, category, category not in params.non_drug))
    con.execute("CREATE TEMP TABLE category_map (raw VARCHAR, category VARCHAR, drug BOOLEAN)")
    if rows:
        con.executemany("INSERT INTO category_map VALUES (?, ?, ?)", rows)
    return unmapped


def _build_tables(con: duckdb.DuckDBPyConnection, params: MarketParams) -> None:
    con.execute(
        """
        CREATE TEMP TABLE listings AS
        SELECT trim(r.market) AS market, CAST(trim(r.crawled_at) AS DATE) AS crawled_at,
               trim(r.listing_id) AS listing_id, lower(trim(r.vendor)) AS vendor_key,
               m.category, TRY_CAST(trim(r.price) AS DOUBLE) AS price, upper(trim(r.currency)) AS currency,
               coalesce(nullif(upper(trim(r.ships_from)), ''), '?') AS ships_from, coalesce(r.ships_to, '') AS ships_to
        FROM raw_listings r JOIN category_map m ON r.category = m.raw
        WHERE m.drug AND CAST(trim(r.crawled_at) AS DATE) BETWEEN ? AND ?
        """,
        [params.start, params.end],
    )
    con.execute("CREATE TEMP TABLE focus_vendors AS SELECT DISTINCT vendor_key FROM listings WHERE ships_from = ?", [params.focus])
    con.execute(
        "CREATE TEMP TABLE focus_vendor_market AS SELECT DISTINCT market, vendor_key FROM listings WHERE ships_from = ?",
        [params.focus],
    )
    con.execute(
        "CREATE TEMP TABLE focus_listings AS SELECT DISTINCT market, listing_id FROM listings WHERE ships_from = ?",
        [params.focus],
    )
    con.execute(
        """
        CREATE TEMP TABLE rates AS
        SELECT CAST(trim(date) AS DATE) AS day, upper(trim(currency)) AS currency, CAST(trim(eur_rate) AS DOUBLE) AS eur_rate
        FROM raw_rates
        UNION ALL SELECT DISTINCT CAST(trim(date) AS DATE), 'EUR', 1.0 FROM raw_rates
        """
    )
    _build_sales(con, params)


def _build_sales(con: duckdb.DuckDBPyConnection, params: MarketParams) -> None:
    """One row per sale: feedback counted once, priced at the listing's price at that date, in EUR."""
    has = set(params.feedback_columns)
    fid = "trim(feedback_id)" if "feedback_id" in has else "concat_ws('|', listing_id, vendor, left_at)"
    price = "TRY_CAST(trim(price) AS DOUBLE)" if "price" in has else "NULL::DOUBLE"
    currency = "nullif(upper(trim(currency)), '')" if "currency" in has else "NULL::VARCHAR"
    order = "crawled_at" if "crawled_at" in has else "line"
    # Feedback on a listing no crawl caught stays in (as a sale with no price); feedback on non-drug listings goes.
    con.execute(
        """
        CREATE TEMP TABLE non_drug_listings AS
        SELECT DISTINCT trim(r.market) AS market, trim(r.listing_id) AS listing_id
        FROM raw_listings r JOIN category_map m ON r.category = m.raw WHERE NOT m.drug
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE feedback AS
        SELECT trim(market) AS market, trim(listing_id) AS listing_id, lower(trim(vendor)) AS vendor_key,
               CAST(trim(left_at) AS DATE) AS left_at, {price} AS paid, {currency} AS paid_currency
        FROM raw_feedback
        QUALIFY row_number() OVER (PARTITION BY trim(market), {fid} ORDER BY {order}, line) = 1
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE sales AS
        WITH priced AS (
            SELECT f.*, coalesce(before.price, after.price) AS list_price,
                   coalesce(before.currency, after.currency) AS list_currency,
                   coalesce(before.category, after.category) AS category
            FROM feedback f
            ASOF LEFT JOIN (SELECT * FROM listings) before
              ON f.market = before.market AND f.listing_id = before.listing_id AND f.left_at >= before.crawled_at
            LEFT JOIN (
                SELECT market, listing_id, arg_min(price, crawled_at) AS price,
                       arg_min(currency, crawled_at) AS currency, arg_min(category, crawled_at) AS category
                FROM listings GROUP BY ALL
            ) after ON f.market = after.market AND f.listing_id = after.listing_id
            WHERE f.left_at BETWEEN ? AND ?
        ), in_eur AS (
            SELECT p.*, coalesce(p.paid, p.list_price) AS amount,
                   coalesce(p.paid_currency, p.list_currency) AS amount_currency
            FROM priced p
        )
        SELECT e.market, e.listing_id, e.vendor_key, e.left_at, e.category,
               e.amount * r.eur_rate AS eur,
               e.vendor_key IN (SELECT vendor_key FROM focus_vendors) AS focus
        FROM in_eur e
        ASOF LEFT JOIN rates r ON r.currency = e.amount_currency AND e.left_at >= r.day
        WHERE (e.market, e.listing_id) NOT IN (SELECT (market, listing_id) FROM non_drug_listings)
        """,
        [params.start, params.end],
    )
    con.execute(
        "CREATE TEMP TABLE valid_sales AS SELECT * FROM sales WHERE eur IS NOT NULL AND eur BETWEEN ? AND ?",
        [params.placeholder_min_eur, params.placeholder_max_eur],
    )


def _share(part: float | None, whole: float | None) -> float | None:
    return None if not whole or part is None else part / whole


def _vendor_figures(con: duckdb.DuckDBPyConnection, markets: list[str], focus_filter: str) -> list[Figure]:
    figures: list[Figure] = []
    for market in [None, *markets]:
        where, args, suffix = ("", [], "") if market is None else ("WHERE market = ?", [market], f".{slug(market)}")
        total = int(_scalar(con, f"SELECT count(DISTINCT vendor_key) FROM listings {where}", *args))
        focus_table = "focus_vendors" if market is None else "focus_vendor_market"
        focus = int(
            _scalar(
                con,
                f"SELECT count(DISTINCT vendor_key) FROM {focus_table} {where}",
                *args,
            )
        )
        listings_total = int(_scalar(con, f"SELECT count(DISTINCT (market, listing_id)) FROM listings {where}", *args))
        listings_focus = int(_scalar(con, f"SELECT count(*) FROM focus_listings {where}", *args))
        figures += [
            Figure(f"vendors.total{suffix}", total, "count"),
            Figure(f"vendors.focus{suffix}", focus, "count", base=total),
            Figure(f"vendors.focus_share{suffix}", _share(focus, total), "share", base=total),
            Figure(f"listings.total{suffix}", listings_total, "count"),
            Figure(f"listings.focus{suffix}", listings_focus, "count", base=listings_total),
            Figure(f"listings.focus_share{suffix}", _share(listings_focus, listings_total), "share", base=listings_total),
        ]
    return figures


def _monthly(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _query(
        con,
        """
        WITH l AS (
            SELECT market, date_trunc('month', crawled_at)::DATE AS month, vendor_key, listing_id,
                   vendor_key IN (SELECT vendor_key FROM focus_vendor_market f WHERE f.market = listings.market) AS focus_vendor,
                   (market, listing_id) IN (SELECT (market, listing_id) FROM focus_listings) AS focus_listing
            FROM listings
        ), s AS (
            SELECT market, date_trunc('month', left_at)::DATE AS month, count(*) FILTER (WHERE focus) AS sales_focus,
                   count(*) AS sales_all
            FROM valid_sales GROUP BY ALL
        )
        SELECT l.market, l.month,
               count(DISTINCT l.vendor_key) AS vendors_all,
               count(DISTINCT l.vendor_key) FILTER (WHERE focus_vendor) AS vendors_focus,
               count(DISTINCT l.listing_id) AS listings_all,
               count(DISTINCT l.listing_id) FILTER (WHERE focus_listing) AS listings_focus,
               any_value(coalesce(s.sales_focus, 0)) AS sales_focus,
               any_value(coalesce(s.sales_all, 0)) AS sales_all
        FROM l LEFT JOIN s ON l.market = s.market AND l.month = s.month
        GROUP BY ALL ORDER BY l.month, l.market
        """,
    )


def _trend_figures(monthly: pd.DataFrame, markets: list[str]) -> list[Figure]:
    """First and last observed month per market and overall; the change tells growth from decline."""
    figures: list[Figure] = []
    overall = monthly.groupby("month", as_index=False)[["vendors_focus", "vendors_all"]].sum()
    groups: list[tuple[str, pd.DataFrame]] = [("", overall)] + [
        (f".{slug(m)}", monthly[monthly.market == m]) for m in markets
    ]
    for suffix, frame in groups:
        frame = frame.sort_values("month")
        if len(frame) < 2:
            figures.append(Figure(f"vendors.focus.change{suffix}", None, "change", reason="fewer than two months observed"))
            continue
        first, last = frame.iloc[0], frame.iloc[-1]
        figures += [
            Figure(f"vendors.focus.first_month{suffix}", f"{first.month:%Y-%m-%d}", "date"),
            Figure(f"vendors.focus.last_month{suffix}", f"{last.month:%Y-%m-%d}", "date"),
            Figure(f"vendors.focus.first{suffix}", int(first.vendors_focus), "count"),
            Figure(f"vendors.focus.last{suffix}", int(last.vendors_focus), "count"),
            Figure(f"vendors.focus.peak{suffix}", int(frame.vendors_focus.max()), "count"),
            Figure(
                f"vendors.focus.change{suffix}",
                _share(float(last.vendors_focus - first.vendors_focus), float(first.vendors_focus)),
                "change",
                base=int(first.vendors_focus),
            ),
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
    focus = distribution[distribution.focus]
    sales, value = int(focus.sales.sum()), float(focus.value_eur.sum())
    figures = []
    for index in range(len(VALUE_BRACKETS)):
        row = focus[focus.bracket == index]
        count = int(row.sales.sum())
        figures += [Figure(f"transactions.bracket{index}.count", count, "count", base=sales),
                    Figure(f"transactions.bracket{index}.share", _share(count, sales), "share", base=sales),
                    Figure(f"transactions.bracket{index}.value_share", _share(float(row.value_eur.sum()), value), "share", base=sales)]
    return figures


def _categories(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _query(
        con,
        """
        WITH per_listing AS (
            SELECT market, listing_id, mode(category) AS category,
                   (market, listing_id) IN (SELECT (market, listing_id) FROM focus_listings) AS focus
            FROM listings GROUP BY market, listing_id
        )
        SELECT category, count(*) AS listings_all, count(*) FILTER (WHERE focus) AS listings_focus
        FROM per_listing GROUP BY category ORDER BY listings_all DESC, category
        """,
    )


def _category_figures(table: pd.DataFrame) -> list[Figure]:
    all_total, focus_total = int(table.listings_all.sum()), int(table.listings_focus.sum())
    figures = []
    for row in table.itertuples():
        figures += [
            Figure(f"categories.all.{row.category}.share", _share(row.listings_all, all_total), "share", base=all_total),
            Figure(f"categories.focus.{row.category}.share", _share(row.listings_focus, focus_total), "share", base=focus_total),
        ]
    ranked = table.sort_values(["listings_focus", "category"], ascending=[False, True]).category.tolist()
    for rank, category in enumerate(ranked[:3], start=1):
        figures.append(Figure(f"categories.focus.rank{rank}", category, "key"))
    ranked_all = table.sort_values(["listings_all", "category"], ascending=[False, True]).category.tolist()
    for rank, category in enumerate(ranked_all[:3], start=1):
        figures.append(Figure(f"categories.all.rank{rank}", category, "key"))
    return figures


def _origins(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Focus vendors' declared origins over the period, as sorted combinations (`BE+NL`)."""
    return _query(
        con,
        """
        WITH v AS (
            SELECT vendor_key, list_sort(list(DISTINCT ships_from)) AS origins
            FROM listings WHERE vendor_key IN (SELECT vendor_key FROM focus_vendors) GROUP BY vendor_key
        )
        SELECT array_to_string(origins, '+') AS combination, len(origins) AS n_origins, count(*) AS vendors
        FROM v GROUP BY ALL ORDER BY vendors DESC, combination
        """,
    )


def _origin_figures(con: duckdb.DuckDBPyConnection, origins: pd.DataFrame, focus: str, markets: list[str]) -> list[Figure]:
    focus_total = int(origins.vendors.sum())
    multi = origins[origins.n_origins > 1]
    multi_n = int(multi.vendors.sum())
    with_nl = int(multi[multi.combination.str.split("+").apply(lambda parts: "NL" in parts)].vendors.sum())
    figures = [Figure(f"origins.combination.{row.combination}.count", int(row.vendors), "count", base=focus_total)
               for row in origins.itertuples()]
    figures += [
        Figure("origins.multi.count", multi_n, "count", base=focus_total),
        Figure("origins.multi.share", _share(multi_n, focus_total), "share", base=focus_total),
        Figure("origins.multi.with_nl.count", with_nl, "count", base=multi_n),
        Figure("origins.multi.with_nl.share", _share(with_nl, multi_n), "share", base=multi_n),
    ]
    for market in markets:
        row = _row(
            con,
            """
            WITH v AS (SELECT vendor_key, list(DISTINCT ships_from) AS o FROM listings
                       WHERE market = ? AND vendor_key IN (SELECT vendor_key FROM focus_vendor_market WHERE market = ?)
                       GROUP BY vendor_key)
            SELECT count(*) FILTER (WHERE len(o) > 1), count(*) FILTER (WHERE len(o) > 1 AND list_contains(o, 'NL'))
            FROM v
            """,
            market,
            market,
        )
        suffix = f".{slug(market)}"
        figures += [
            Figure(f"origins.multi.count{suffix}", int(row[0]), "count"),
            Figure(f"origins.multi.with_nl.share{suffix}", _share(row[1], row[0]), "share", base=int(row[0])),
        ]
    return figures


def _origin_shares(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, list[Figure]]:
    """Distinct vendors by declared ships-from over all vendors; regions (EU, WW, undeclared) are their own
    categories and a vendor with several origins counts under each."""
    table = _query(
        con,
        """
        SELECT ships_from AS origin, count(DISTINCT vendor_key) AS vendors,
               count(DISTINCT vendor_key) / (SELECT count(DISTINCT vendor_key) FROM listings) AS share
        FROM listings GROUP BY ships_from ORDER BY vendors DESC, origin
        """,
    )
    total = int(_scalar(con, "SELECT count(DISTINCT vendor_key) FROM listings"))
    multi = int(_scalar(con, "SELECT count(*) FROM (SELECT vendor_key FROM listings GROUP BY ALL HAVING count(DISTINCT ships_from) > 1)"))
    figures: list[Figure] = []
    for row in table.itertuples():
        figures += [Figure(f"origins.all.{row.origin}.count", int(row.vendors), "count", base=total),
                    Figure(f"origins.all.{row.origin}.share", float(row.share), "share", base=total)]
    figures += [Figure("origins.all.multi.count", multi, "count", base=total),
                Figure("origins.all.multi.share", _share(multi, total), "share", base=total)]
    return table, figures


def _shipping(con: duckdb.DuckDBPyConnection, focus: str) -> tuple[pd.DataFrame, list[Figure]]:
    """Where focus vendors ship to: abroad or domestic only, and which destinations they exclude."""
    con.execute(
        """
        CREATE TEMP TABLE focus_destinations AS
        SELECT DISTINCT vendor_key, upper(trim(dest)) AS dest
        FROM (SELECT vendor_key, unnest(string_split(ships_to, ',')) AS dest FROM listings
              WHERE ships_from = ?)
        WHERE trim(dest) <> ''
        """,
        [focus],
    )
    row = _row(
        con,
        """
        WITH v AS (SELECT vendor_key,
                          bool_or(NOT starts_with(dest, '!') AND dest <> ?) AS abroad,
                          bool_or(starts_with(dest, '!')) AS restricted
                   FROM focus_destinations GROUP BY vendor_key)
        SELECT count(*), count(*) FILTER (WHERE abroad), count(*) FILTER (WHERE restricted) FROM v
        """,
        focus,
    )
    declared, abroad, restricted = (int(value) for value in row)
    excluded = _query(
        con,
        """
        SELECT substr(dest, 2) AS country, count(DISTINCT vendor_key) AS vendors
        FROM focus_destinations WHERE starts_with(dest, '!') GROUP BY ALL ORDER BY vendors DESC, country
        """,
    )
    figures = [
        Figure("shipping.declared.count", declared, "count"),
        Figure("shipping.abroad.count", abroad, "count", base=declared),
        Figure("shipping.abroad.share", _share(abroad, declared), "share", base=declared),
        Figure("shipping.restricted.count", restricted, "count", base=declared),
        Figure("shipping.restricted.share", _share(restricted, declared), "share", base=declared),
    ]
    for rank, row in enumerate(excluded.head(3).itertuples(), start=1):
        figures.append(Figure(f"shipping.excluded.rank{rank}", row.country, "key"))
        figures.append(Figure(f"shipping.excluded.rank{rank}.count", int(row.vendors), "count", base=restricted))
    return excluded, figures


def _transactions(con: duckdb.DuckDBPyConnection, params: MarketParams, markets: list[str]) -> tuple[pd.DataFrame, list[Figure]]:
    figures: list[Figure] = []
    retail = params.retail_eur
    retail_id = f"{retail:g}"
    for market in [None, *markets]:
        where, args, suffix = ("", [], "") if market is None else (" AND market = ?", [market], f".{slug(market)}")
        row = _row(
            con,
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
        count = int(count)
        unpriced = int(_scalar(con, f"SELECT count(*) FROM sales WHERE focus AND eur IS NULL {where}", *args))
        placeholder = int(
            _scalar(con, f"SELECT count(*) FROM sales WHERE focus AND eur IS NOT NULL {where}", *args)
        ) - count
        figures += [
            Figure(f"transactions.count{suffix}", count, "count"),
            Figure(f"transactions.max_eur{suffix}", None if max_eur is None else round(float(max_eur), 2), "eur", base=count),
            Figure(f"transactions.value_eur{suffix}", None if total is None else round(float(total), 2), "eur", base=count),
            Figure(f"transactions.share_below_{retail_id}_eur{suffix}", _share(below, count), "share", base=count),
            Figure(f"transactions.wholesale.count{suffix}", int(wholesale), "count", base=count),
            Figure(f"transactions.value_share_from_{retail_id}_eur{suffix}", _share(value_large, total), "share", base=count),
            Figure(f"transactions.unpriced.count{suffix}", unpriced, "count"),
            Figure(f"transactions.placeholder.count{suffix}", placeholder, "count"),
        ]
    all_row = _row(con, "SELECT count(*), count(*) FILTER (WHERE eur >= ?) FROM valid_sales", params.wholesale_eur)
    figures += [
        Figure("transactions.all.count", int(all_row[0]), "count"),
        Figure("transactions.all.wholesale.share", _share(all_row[1], all_row[0]), "share", base=int(all_row[0])),
    ]
    bracket = "CASE " + " ".join(f"WHEN eur >= {lower} THEN {index}" for index, lower in reversed(list(enumerate(VALUE_BRACKETS)))) + " END"
    distribution = _query(
        con,
        f"""
        SELECT focus, {bracket} AS bracket, count(*) AS sales, sum(eur) AS value_eur
        FROM valid_sales GROUP BY ALL ORDER BY focus, bracket
        """,
    )
    return distribution, figures


def _dominance(con: duckdb.DuckDBPyConnection, params: MarketParams, markets: list[str]) -> dict[str, float]:
    """Share of each sales-value cell made by its two largest vendors, keyed by the figure ids of the cell."""
    bracket = "CASE " + " ".join(f"WHEN eur >= {lower} THEN {index}" for index, lower in reversed(list(enumerate(VALUE_BRACKETS)))) + " END"
    cells = con.execute(
        f"""
        WITH v AS (SELECT market, {bracket} AS bracket, vendor_key, eur FROM valid_sales WHERE focus),
        by_cell AS (
            SELECT market AS cell_market, NULL::INTEGER AS cell_bracket, vendor_key, sum(eur) AS value FROM v GROUP BY ALL
            UNION ALL SELECT NULL, NULL, vendor_key, sum(eur) FROM v GROUP BY ALL
            UNION ALL SELECT NULL, bracket, vendor_key, sum(eur) FROM v GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY cell_market, cell_bracket ORDER BY value DESC, vendor_key) AS rank FROM by_cell
        )
        SELECT cell_market, cell_bracket, sum(value) FILTER (WHERE rank <= 2) / sum(value) AS top2
        FROM ranked GROUP BY ALL HAVING sum(value) > 0
        """
    ).fetchall()
    retail_id = f"{params.retail_eur:g}"
    shares: dict[str, float] = {}
    for market, bracket_index, top2 in cells:
        if bracket_index is not None:
            shares[f"transactions.bracket{bracket_index}.value_share"] = float(top2)
            continue
        suffix = "" if market is None else f".{slug(market)}"
        shares[f"transactions.value_eur{suffix}"] = float(top2)
        shares[f"transactions.value_share_from_{retail_id}_eur{suffix}"] = float(top2)
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


def _migration(con: duckdb.DuckDBPyConnection, params: MarketParams, markets: list[str]) -> tuple[pd.DataFrame, list[Figure]]:
    """Vendors active on a market before it closed and new on another market after, by normalised name."""
    rows, figures = [], []
    shutdowns = [e for e in params.events if e.kind in SHUTDOWN_KINDS and e.market in markets and params.start <= e.date <= params.end]
    first_events: dict[str, MarketEvent] = {}
    for event in shutdowns:
        first_events.setdefault(event.market, event)  # the first shutdown event is when vendors start to leave
    for event in first_events.values():
        final = [e for e in shutdowns if e.market == event.market][-1]
        last_crawl = _scalar(con, "SELECT max(crawled_at) FROM listings WHERE market = ? AND crawled_at <= ?", event.market, event.date)
        if last_crawl is None:
            continue
        active_sql = "SELECT DISTINCT vendor_key FROM listings WHERE market = ? AND crawled_at BETWEEN ? AND ?"
        window_start = pd.Timestamp(last_crawl) - pd.Timedelta(weeks=params.weeks_before)
        window_end = pd.Timestamp(event.date) + pd.Timedelta(weeks=params.weeks_after)
        active = int(_scalar(con, f"SELECT count(*) FROM ({active_sql})", event.market, window_start.date(), last_crawl))
        figures.append(Figure(f"migration.{slug(event.market)}.active", active, "count"))
        figures.append(Figure(f"migration.{slug(event.market)}.date", event.date.isoformat(), "date"))
        figures.append(Figure(f"migration.{slug(event.market)}.kind", event.kind, "key"))
        figures.append(Figure(f"migration.{slug(event.market)}.final_date", final.date.isoformat(), "date"))
        figures.append(Figure(f"migration.{slug(event.market)}.final_kind", final.kind, "key"))
        for target in markets:
            alive_after = _scalar(con, "SELECT count(*) FROM listings WHERE market = ? AND crawled_at > ?", target, event.date)
            if target == event.market or not alive_after:
                continue
            counts = _row(
                con,
                f"""
                WITH first_seen AS (SELECT vendor_key, min(crawled_at) AS first FROM listings WHERE market = ? GROUP BY ALL),
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
                Figure(f"{key}.share_of_new", _share(migrated, new), "share", base=new),
                Figure(f"{key}.focus.count", migrated_focus, "count", base=migrated),
            ]
            rows.append({"from_market": event.market, "to_market": target, "active": active, "new": new,
                         "migrated": migrated, "migrated_focus": migrated_focus})
    return pd.DataFrame(rows, columns=["from_market", "to_market", "active", "new", "migrated", "migrated_focus"]), figures


def aggregate_market(params: MarketParams) -> MarketStats:
    """Run every scrape aggregation in one embedded DuckDB session."""
    con = duckdb.connect(":memory:", config={"threads": 1})  # one thread: float sums in a fixed order, byte-identical output
    try:
        _load_raw(con, params)
        unmapped = _category_map(con, params)
        _build_tables(con, params)
        if not _scalar(con, "SELECT count(*) FROM listings"):
            raise InputError(f"no listings between {params.start} and {params.end} (check period)", where=str(params.listings))
        markets = [r[0] for r in con.execute("SELECT market FROM listings GROUP BY market ORDER BY min(crawled_at), market").fetchall()]
        monthly = _monthly(con)
        categories = _categories(con)
        origins = _origins(con)
        excluded, shipping_figures = _shipping(con, params.focus)
        distribution, transaction_figures = _transactions(con, params, markets)
        migration, migration_figures = _migration(con, params, markets)
        dominance = _dominance(con, params, markets)
        origin_shares, origin_share_figures = _origin_shares(con)
        crawls = _query(con, "SELECT market, count(DISTINCT crawled_at) AS crawls, min(crawled_at) AS first, max(crawled_at) AS last FROM listings GROUP BY ALL ORDER BY first")
        figures = [
            *_vendor_figures(con, markets, params.focus),
            *_trend_figures(monthly, markets),
            *_monthly_figures(monthly),
            *_bracket_figures(distribution),
            *_category_figures(categories),
            *_origin_figures(con, origins, params.focus, markets),
            *shipping_figures,
            *origin_share_figures,
            *transaction_figures,
            *migration_figures,
            Figure("markets.count", len(markets), "count"),
            Figure("crawls.count", int(crawls.crawls.sum()), "count"),
            Figure("period.start", params.start.isoformat(), "date"),
            Figure("period.end", params.end.isoformat(), "date"),
        ]
        figures = _flag_dominance(figures, dominance, params)
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
    finally:
        con.close()
    warnings = tuple(f"category '{text}' is not in the taxonomy; its listings are left out" for text in unmapped)
    events = tuple(e for e in params.events if e.market in markets)
    return MarketStats(Figures(figures), frozen_tables(tables), tuple(markets), events, warnings)


def market_params(config: Any, inputs: Any) -> MarketParams:
    """The aggregation's parameters from the config and checked inputs."""
    return MarketParams(
        listings=inputs.listings,
        feedback=inputs.feedback,
        exchange_rates=inputs.exchange_rates,
        feedback_columns=inputs.feedback_columns,
        focus=config.focus_country,
        start=config.period.start,
        end=config.period.end,
        taxonomy={key: tuple(cat.match) for key, cat in config.taxonomy.items()},
        non_drug=frozenset(key for key, cat in config.taxonomy.items() if not cat.drug),
        retail_eur=config.thresholds.retail_eur,
        wholesale_eur=config.thresholds.wholesale_eur,
        placeholder_min_eur=config.thresholds.placeholder_min_eur,
        placeholder_max_eur=config.thresholds.placeholder_max_eur,
        weeks_before=config.migration.weeks_before,
        weeks_after=config.migration.weeks_after,
        events=inputs.events,
        dominance_share=config.disclosure.dominance_share,
        dominance_action=config.disclosure.dominance_action,
    )

