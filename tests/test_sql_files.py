"""The aggregation's SQL files (report/sql/): named, documented, bound the same way by both engines."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from report.engine import SQL, DuckEngine, Script, _dollar_names, bind, placeholders, statements
from report.errors import EngineError


def test_every_file_is_numbered_names_its_table_and_says_what_one_row_is():
    files = sorted(SQL.glob("*.sql"))
    assert len(files) == len(statements()) > 10
    for statement in statements().values():
        assert statement.text.startswith("-- One row: "), statement.path.name
        assert "?" not in statement.text.replace("'?'", ""), f"{statement.path.name}: named parameters only (:name)"


def test_every_sql_file_the_code_docs_and_tests_name_exists():
    root = SQL.parent.parent
    texts = [*root.glob("report/**/*.py"), *root.glob("docs/*.md"), root / "README.md", *root.glob("tests/*.py")]
    named = {name for path in texts for name in re.findall(r"\b\d{2}_\w+(?:\.\w+)?\.sql\b", path.read_text(encoding="utf-8"))}
    assert named and not {name for name in named if not (SQL / name).is_file()}


def test_named_placeholders_skip_casts_quoted_text_and_comments():
    sql = "-- at :not_this\nSELECT NULL::DATE, ':nor_this', x FROM t WHERE d BETWEEN :start AND :end AND c = :start"
    assert placeholders(sql) == ["start", "end"]
    assert _dollar_names(sql).endswith("BETWEEN $start AND $end AND c = $start")
    assert "NULL::DATE" in _dollar_names(sql) and "':nor_this'" in _dollar_names(sql)
    bound = bind(sql, {"start": date(2024, 1, 1), "end": date(2024, 2, 1)})
    assert "BETWEEN CAST('2024-01-01' AS DATE) AND CAST('2024-02-01' AS DATE)" in bound and ":not_this" in bound
    with pytest.raises(RuntimeError, match="end"):
        bind(sql, {"start": date(2024, 1, 1)})


def test_duckdb_runs_a_file_with_its_named_values_and_keeps_the_order(tmp_path: Path):
    with DuckEngine(tmp_path) as engine:
        engine.view("listings_in", "SELECT 'M' AS market, DATE '2024-01-05' AS crawled_at, 'l1' AS listing_id, "
                    "'Ven' AS vendor, 'weed' AS category, 10.0 AS price, ' eur ' AS currency, 'be' AS ships_from, "
                    "'' AS ships_to, NULL::BIGINT AS sold")
        script = Script(engine, {"trimmable": "^[ ]|[ ]$", "spaces": " ", "unused": 1})
        script.table("scraped")
        assert engine.rows("SELECT vendor_key, currency, ships_from FROM scraped") == [("ven", " eur ", "BE")]
        with pytest.raises(RuntimeError, match="no value for :focus"):
            script.table("focus_rows")
        with pytest.raises(RuntimeError, match="renumber"):
            script.table("scraped")  # 01 after 02: out of order


def test_an_engine_out_of_room_names_the_file_it_was_running(tmp_path: Path):
    """At 50M rows DuckDB may run out of its memory budget: the message says which table needed the room."""
    with DuckEngine(tmp_path, memory_mb=256) as engine:
        engine.view("listings_in", "SELECT 'M' AS market, DATE '2024-01-05' AS crawled_at, 'l' || i AS listing_id, "
                    "'v' || i AS vendor, 'weed' AS category, 10.0 AS price, 'eur' AS currency, 'be' AS ships_from, "
                    "repeat('x', 200) || i AS ships_to, NULL::BIGINT AS sold FROM range(3000000) t(i)")
        engine._con.execute("SET temp_directory = ''")  # no room to spill either
        script = Script(engine, {"trimmable": "^[ ]|[ ]$", "spaces": " "})
        with pytest.raises(EngineError, match=r"^report/sql/01_scraped\.sql: the aggregation ran out of room"):
            script.table("scraped")


SALE_CRAWLS = """SELECT market, listing_id, CAST(crawled_at AS DATE) AS crawled_at, price, currency, category FROM (VALUES
    ('M', 'l1', '2024-01-05', 10.0, 'EUR', 'cannabis'),
    ('M', 'l1', '2024-01-10', 12.0, NULL, 'cannabis'),
    ('N', 'l1', '2024-01-01', 99.0, 'USD', 'cocaine'),
    ('M', 'l4', '2024-01-01', 5.0, 'EUR', 'opioids'),
    ('M', 'l4', '2024-01-02', 6.0, 'GBP', NULL)
) AS t(market, listing_id, crawled_at, price, currency, category)"""

FEEDBACK = """SELECT market, listing_id, CAST(left_at AS DATE) AS left_at FROM (VALUES
    ('M', 'l1', '2024-01-03'), ('M', 'l1', '2024-01-05'), ('M', 'l1', '2024-01-07'), ('M', 'l1', '2024-01-07'),
    ('M', 'l1', '2024-01-12'), ('M', 'l2', '2024-01-08'), ('N', 'l1', '2024-01-20'), ('M', 'l4', '2024-01-09')
) AS t(market, listing_id, left_at)"""


@pytest.mark.parametrize("engine_name", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_a_sale_is_priced_at_the_listings_last_crawl_on_or_before_its_day(tmp_path: Path, engine_name: str):
    """13_sale_prices.sql: the last priced crawl on or before the day (that crawl's currency, even when it has none),
    else the first; a listing of the same id on another market is another listing; one row per listing and day."""
    from report.engine import SparkEngine

    with (DuckEngine(tmp_path) if engine_name == "duckdb" else SparkEngine("local[2]")) as engine:
        engine.create("sale_crawls", SALE_CRAWLS)
        engine.create("feedback", FEEDBACK)
        Script(engine, {}).table("sale_prices")
        rows = engine.rows("SELECT market, listing_id, CAST(left_at AS VARCHAR), price, currency, category "
                           "FROM sale_prices ORDER BY market, listing_id, left_at")
    assert rows == [
        ("M", "l1", "2024-01-03", 10.0, "EUR", "cannabis"),  # before the first crawl: the first crawl's price
        ("M", "l1", "2024-01-05", 10.0, "EUR", "cannabis"),  # crawled that day: that crawl
        ("M", "l1", "2024-01-07", 10.0, "EUR", "cannabis"),  # two feedbacks of one day: one row
        ("M", "l1", "2024-01-12", 12.0, None, "cannabis"),  # the last crawl's currency, not an earlier one's
        ("M", "l2", "2024-01-08", None, None, None),  # never priced
        ("M", "l4", "2024-01-09", 6.0, "GBP", "opioids"),  # no category at the last crawl: the first crawl's
        ("N", "l1", "2024-01-20", 99.0, "USD", "cocaine"),
    ]


@pytest.mark.slow
def test_pricing_two_million_crawls_fits_the_smallest_memory_budget(tmp_path: Path):
    """At 50M listing rows, sale prices ran out of DuckDB's default budget now and then: a join on a date condition
    held several hash tables of the crawls at once. The same ran out at 1.5M crawls and 256 MB every time; the window
    pass that replaced it needs no such room (2M crawls of 250,000 listings, 1M sales)."""
    with DuckEngine(tmp_path, threads=2, memory_mb=256) as engine:
        engine.create("sale_crawls", "SELECT 'Market ' || (i % 3) AS market, 'listing-' || (i // 8) AS listing_id, "
                      "DATE '2024-01-01' + CAST(i % 8 * 7 AS INTEGER) AS crawled_at, 10.0 + i % 5 AS price, "
                      "'EUR' AS currency, 'cannabis' AS category FROM range(2000000) t(i)")
        engine.create("feedback", "SELECT 'Market ' || (i % 3) AS market, 'listing-' || (i // 4) AS listing_id, "
                      "DATE '2024-01-03' + CAST(i % 4 * 11 AS INTEGER) AS left_at FROM range(1000000) t(i)")
        Script(engine, {}).table("sale_prices")
        assert engine.row("SELECT count(*), count(price) FROM sale_prices") == (1000000, 1000000)
