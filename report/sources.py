"""A team's scrape export mapped onto the contract, inside the engine: renames, constants, parsed text.

Every input table (listings, feedback, exchange rates) is one or more sources (a CSV file, a Parquet file, or
a folder or glob of such files stacked together), each with its own column mapping. Each source becomes one SELECT that
yields the contract's columns, typed; the sources of a table are stacked with UNION ALL into a view the
aggregation reads (`listings_in`, `feedback_in`, `rates_in`). Nothing is loaded into Python.
"""
from __future__ import annotations

import functools
import glob
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from .engine import Engine, FileSet, Kind
from .errors import InputError

# "code": text with few distinct values (category, currency), passed through as written; whoever uses it trims it,
# on the distinct values or the few rows that need it, which saves a trim of every row of a large scrape.
Target = Literal["text", "code", "date", "number", "count"]

CONTRACT: Mapping[str, Mapping[str, Target]] = {
    "listings": {"market": "text", "crawled_at": "date", "listing_id": "text", "vendor": "text", "category": "code",
                 "price": "number", "currency": "code", "ships_from": "text", "ships_to": "text", "sold": "count"},
    "feedback": {"market": "text", "crawled_at": "date", "feedback_id": "text", "listing_id": "text", "vendor": "text",
                 "left_at": "date", "price": "number", "currency": "code", "text": "text", "rating": "text"},
    "exchange_rates": {"date": "date", "currency": "code", "eur_rate": "number"},
}
# Without ships_from, the focus country's vendors cannot be identified (the report says so); without text and rating,
# feedback without ids is told apart by listing and date only.
OPTIONAL: Mapping[str, frozenset[str]] = {
    "listings": frozenset({"sold", "ships_from", "ships_to"}),
    "feedback": frozenset({"crawled_at", "feedback_id", "price", "currency", "text", "rating"}),
    "exchange_rates": frozenset(),
}
VIEWS = {"listings": "listings_in", "feedback": "feedback_in", "exchange_rates": "rates_in"}
TRUE_WORDS = ("true", "t", "1", "yes", "y", "x", "oui", "ja", "vrai", "waar")
# What is trimmed from text values, written out: each engine's bare trim() strips a different set (DuckDB also
# no-break spaces, Spark only spaces), and an escape such as \v in a Spark literal reads as the letter v.
TRIMMED = " \t\u00a0\u202f"
SPACES = " \u00a0\u202f"  # thousands separators: space, no-break space, narrow no-break space (French)
CURRENCY_SIGNS = (("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("฿", "BTC"), ("₿", "BTC"), ("ɱ", "XMR"))


FILE_INDEX = "__file"  # the column a source of several files gets: which of its files a row comes from (0, 1, ...)


@dataclass(frozen=True)
class ColumnRule:
    """How one contract column is made: from a source column, a constant, per-country flag columns, several
    columns (joined, or the first non-empty one), or a value per file (taken from the file's name)."""

    column: str | None = None
    value: Any = None
    parse: Literal["amount", "currency", "count"] | None = None
    format: str | None = None  # strftime codes of a text date, e.g. %d/%m/%Y
    separator: str | None = None  # a list column's separator, e.g. ";" or " | "
    flags: str | None = None  # pattern of true/false columns, one per country: ships_to_{country}
    columns: tuple[str, ...] = ()  # joined with `join`
    join: str = "|"
    first_of: tuple[str, ...] = ()  # the first non-empty of these
    pattern: str | None = None  # a regular expression whose one group holds the number (parse: count or amount)
    file_values: tuple[str, ...] | None = None  # one value per file of the source, in the order of its files

    @property
    def named(self) -> str | None:
        """The one file column this is read from, if it is one."""
        return self.column


@dataclass(frozen=True)
class ScrapeSource:
    """One checked source of an input table, with the config key it was declared under (for messages)."""

    files: FileSet
    key: str  # e.g. inputs.listings[1]
    origin: Path  # the file or folder as the config names it (files may be a UTF-8 copy of it)
    decimal: str = "."
    columns: Mapping[str, ColumnRule] = field(default_factory=dict)
    rows: int | None = None  # known for a CSV file (counted when it was checked); Parquet keeps it in its metadata
    missing: tuple[str, ...] = ()  # placeholder texts read as missing (NULL) in every column
    originals: tuple[Path, ...] = ()  # the files as found (files.paths may be UTF-8 copies of them), same order
    partial: Mapping[str, Path] = field(default_factory=dict)  # column -> the first file of the source without it

    @property
    def where(self) -> str:
        return str(self.origin)

    @property
    def header(self) -> str:
        """Where the column names are: line 1 of a CSV file, or the Parquet file's schema."""
        first = self.originals[0] if self.originals else self.origin
        return f"{first}:1" if self.files.format == "csv" else str(first)


def trimmed(sql: str) -> str:
    """SQL trimming spaces, tabs and no-break spaces (only those) from both ends, the same on every engine.
    The test before the trim is there for speed: most values have nothing to trim, and a test of the first and last
    character is cheaper (five times cheaper than a pattern test at 10M rows; substring(x, -1, 1) is the last
    character on both engines). The two tests are joined by greatest(), not OR: DuckDB runs an OR of them far slower
    on a table (7 columns of 1.9M rows: 1.0 s with the trims, against 1.6-2.9 s), and as fast on Parquet, whose
    dictionaries it tests once per distinct value with either (a sum of the two tests loses that)."""
    ends = ", ".join(f"'{char}'" for char in TRIMMED)
    return (f"CASE WHEN greatest(substring({sql}, 1, 1) IN ({ends}), substring({sql}, -1, 1) IN ({ends})) "
            f"THEN trim({sql}, '{TRIMMED}') ELSE {sql} END")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _number_text(text: str, decimal: str, amount: bool) -> str:
    """SQL turning number text into a DOUBLE (NULL when it is no number): `1 234,5` with a decimal comma,
    `1,126.19` in an amount with a decimal point. A plain number column never loses a separator silently."""
    if amount:
        text = f"regexp_extract({text}, '[0-9][0-9.,{SPACES}]*[0-9]|[0-9]', 0)"
    if decimal == ",":
        text = f"replace(regexp_replace({text}, '[.{SPACES}]', '', 'g'), ',', '.')"
    elif amount:
        text = f"regexp_replace({text}, '[,{SPACES}]', '', 'g')"
    return f"TRY_CAST(nullif({text}, '') AS DOUBLE)"


def _matched(text: str, rule: ColumnRule) -> str:
    """The text of the pattern's group (NULL when the pattern is not found), or the whole text without a pattern."""
    if rule.pattern is None:
        return text
    return f"nullif(regexp_extract({text}, {_text(rule.pattern)}, 1), '')"


def _currency_text(text: str) -> str:
    signs = " ".join(f"WHEN strpos({text}, {_text(sign)}) > 0 THEN {_text(code)}" for sign, code in CURRENCY_SIGNS)
    return (f"CASE WHEN regexp_matches({text}, '\\b[A-Z]{{3}}\\b') THEN regexp_extract({text}, '\\b([A-Z]{{3}})\\b', 1) "
            f"{signs} END")


class SourceSql:
    """Builds the SELECT of one source after its columns are known."""

    def __init__(self, table: str, source: ScrapeSource, columns: Mapping[str, Kind]) -> None:
        self.table, self.source, self.columns = table, source, columns
        # values to verify: (contract column, SQL of the trimmed text, SQL typing a text given as its argument)
        self.checks: list[tuple[str, str, Callable[[str], str]]] = []

    def _lookup(self, wanted: str) -> str | None:
        """The file's column of that name, exactly or up to case and surrounding spaces."""
        if wanted in self.columns:
            return wanted
        loose = {name.strip().casefold(): name for name in self.columns}
        return loose.get(wanted.strip().casefold())

    def _find(self, wanted: str, key: str) -> str:
        found = self._lookup(wanted)
        if found is not None and found.strip() in self.source.partial:
            raise InputError(f"no column '{wanted}' (needed for {key}), which other files of {self.source.key} have",
                             where=f"{self.source.partial[found.strip()]}:1")
        if found is not None:
            return found
        raise InputError(f"no column '{wanted}' (needed for {key}); the file's columns are: {', '.join(self.columns)}",
                         where=self.source.header)

    def expression(self, name: str, target: Target) -> str:
        rule = self.source.columns.get(name)
        key = f"{self.source.key}.columns.{name}"
        if rule is None:
            if self._lookup(name) is None:
                if name in OPTIONAL[self.table]:
                    return self._null(target)
                raise InputError(
                    f"missing column '{name}' (the {self.table} contract needs: "
                    f"{', '.join(c for c in CONTRACT[self.table] if c not in OPTIONAL[self.table])}); "
                    f"map one of the file's columns to it with {key}, or give a constant with {key}.value",
                    where=self.source.header)
            rule = ColumnRule(column=name)
        if rule.value is not None:
            return self._constant(rule.value, target)
        if rule.flags is not None:
            return self._flags(rule.flags, key)
        text, kind = self._raw(rule, key)
        return self._typed(name, text, kind, target, rule)

    def _raw(self, rule: ColumnRule, key: str) -> tuple[str, Kind]:
        """The SQL of the value before typing, and its kind: a file column as it is, or text made of several."""
        if rule.file_values is not None:
            cases = " ".join(f"WHEN {index} THEN {_text(value)}" for index, value in enumerate(rule.file_values))
            return f"CASE {FILE_INDEX} {cases} END", "text"
        if rule.columns:
            parts = ", ".join(f"coalesce({self._cell(self._find(c, key))}, '')" for c in rule.columns)
            return f"concat_ws({_text(rule.join)}, {parts})", "text"
        if rule.first_of:
            return f"coalesce({', '.join(self._cell(self._find(c, key)) for c in rule.first_of)})", "text"
        assert rule.column is not None
        column = self._find(rule.column, key)
        kind = self.columns[column]
        return (self._missing(_ident(column)) if kind == "text" else _ident(column)), kind

    def _missing(self, ref: str) -> str:
        """A text column with the source's placeholder texts (`missing`) as NULL."""
        if not self.source.missing:
            return ref
        return f"CASE WHEN {trimmed(ref)} IN ({', '.join(_text(m) for m in self.source.missing)}) THEN NULL ELSE {ref} END"

    def _cell(self, column: str) -> str:
        """One file column as trimmed text, NULL when empty or missing (a part of a column made of several)."""
        ref = _ident(column)
        if self.columns[column] != "text":
            return f"CAST({ref} AS VARCHAR)"
        return f"nullif({trimmed(self._missing(ref))}, '')"

    @staticmethod
    def _null(target: Target) -> str:
        return {"text": "NULL::VARCHAR", "code": "NULL::VARCHAR", "date": "NULL::DATE", "number": "NULL::DOUBLE", "count": "NULL::BIGINT"}[target]

    @staticmethod
    def _constant(value: Any, target: Target) -> str:
        cast = {"text": "VARCHAR", "code": "VARCHAR", "date": "DATE", "number": "DOUBLE", "count": "BIGINT"}[target]
        return f"CAST({_text(value)} AS {cast})"

    def _flags(self, pattern: str, key: str) -> str:
        regex = re.compile("^" + re.escape(pattern).replace(re.escape("{country}"), "(?P<country>[A-Za-z]{2,3})") + "$")
        found = [(name, match["country"].upper()) for name in self.columns if (match := regex.match(name))]
        if not found:
            raise InputError(f"no column matches {key}.flags '{pattern}'; the file's columns are: "
                             f"{', '.join(self.columns)}", where=self.source.header)
        cases = ", ".join(f"CASE WHEN {self._truthy(name)} THEN {_text(country)} END" for name, country in sorted(found))
        return f"concat_ws(',', {cases})"

    def _truthy(self, column: str) -> str:
        kind, ref = self.columns[column], _ident(column)
        if kind == "number":
            return f"coalesce({ref} <> 0, false)"
        if kind == "other":  # BOOLEAN in Parquet
            return f"coalesce(CAST({ref} AS BOOLEAN), false)"
        return f"coalesce(lower({trimmed(ref)}) IN ({', '.join(_text(w) for w in TRUE_WORDS)}), false)"

    def _typed(self, name: str, ref: str, kind: Kind, target: Target, rule: ColumnRule) -> str:
        if kind != "text":
            if target in ("text", "code"):
                return f"CAST({ref} AS VARCHAR)"
            if target == "date" and kind in ("date", "text"):
                return f"CAST({ref} AS DATE)"
            if target in ("number", "count") and kind == "number" and rule.parse is None:
                return f"CAST({ref} AS {'DOUBLE' if target == 'number' else 'BIGINT'})"
            ref = f"CAST({ref} AS VARCHAR)"
        if target == "code" and rule.parse is None and rule.separator is None:
            return ref
        text = f"nullif({trimmed(ref)}, '')"
        if rule.parse == "currency":
            return _currency_text(text)
        if target in ("text", "code"):
            if rule.separator:
                return f"replace({text}, {_text(rule.separator)}, ',')"
            return text
        self.checks.append((name, text, functools.partial(self._parsed, target=target, rule=rule)))
        return self._parsed(text, target, rule)

    def _parsed(self, text: str, target: Target, rule: ColumnRule) -> str:
        """SQL reading trimmed text (`text`, NULL when empty) as a date, count or number: NULL when it is none."""
        if target == "date":
            if rule.format:
                return f"CAST(try_strptime({text}, {_text(rule.format)}) AS DATE)"
            return f"coalesce(TRY_CAST({text} AS DATE), CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE))"
        if target == "count" or rule.parse == "count":
            return f"TRY_CAST(nullif(regexp_replace(regexp_extract({_matched(text, rule)}, '[0-9][0-9.,]*', 0), '[.,]', '', 'g'), '') AS BIGINT)"
        return _number_text(_matched(text, rule), self.source.decimal, amount=rule.parse == "amount")

    def select(self, view: str) -> str:
        parts = [f"{self.expression(name, target)} AS {name}" for name, target in CONTRACT[self.table].items()]
        return f"SELECT {', '.join(parts)} FROM {view}"


def register_table(engine: Engine, table: str, sources: list[ScrapeSource]) -> None:
    """Stack the sources of one input table into its contract view, after checking every value parses."""
    selects = []
    for index, source in enumerate(sources):
        raw = f"src_{table}_{index}"
        columns = engine.register(raw, source.files)
        columns.pop(FILE_INDEX, None)
        builder = SourceSql(table, source, columns)
        select = builder.select(raw)
        _check_values(engine, builder, raw, source)
        selects.append(select)
    engine.view(VIEWS[table], " UNION ALL ".join(selects))


def _check_values(engine: Engine, builder: SourceSql, raw: str, source: ScrapeSource) -> None:
    """Name the first value of each column that cannot be read as its type (one scan for all columns). Each column's
    text is trimmed once, in a subquery, then tested: three times faster than trimming it in every test."""
    if not builder.checks:
        return
    texts = ", ".join(f"{text} AS __text{index}" for index, (_, text, _) in enumerate(builder.checks))
    file = FILE_INDEX if source.files.tagged else "0"
    bad = " OR ".join(f"(__text{index} IS NOT NULL AND {typed(f'__text{index}')} IS NULL)"
                      for index, (_, _, typed) in enumerate(builder.checks))
    values = ", ".join(f"CASE WHEN __text{index} IS NOT NULL AND {typed(f'__text{index}')} IS NULL THEN __text{index} END"
                       for index, (_, _, typed) in enumerate(builder.checks))
    row = engine.rows(f"SELECT {values}, __file_index FROM (SELECT {texts}, {file} AS __file_index FROM {raw}) AS texts "
                      f"WHERE {bad} LIMIT 1")
    if not row:
        return
    *found, index = row[0]
    for (name, _, _), value in zip(builder.checks, found):
        if value is None:
            continue
        target = CONTRACT[builder.table][name]
        rule = source.columns.get(name, ColumnRule(column=name))
        what = f"column {rule.column}" if rule.column else f"{source.key}.columns.{name}"
        raise InputError(f"{what}: '{value}' is not {_what(target, rule, source.decimal)}",
                         where=_locate(engine, source, int(index or 0), rule.column, str(value)))


def _what(target: Target, rule: ColumnRule, decimal: str) -> str:
    if target == "date":
        return (f"a date in the format {rule.format}" if rule.format
                else "a date (YYYY-MM-DD; for other layouts give the column's format, e.g. format: '%d/%m/%Y')")
    found = f" (after the pattern '{rule.pattern}')" if rule.pattern else ""
    if target == "count" or rule.parse == "count":
        return "a count" + found
    if rule.parse == "amount":
        return "an amount" + found
    hint = ("; numbers written 1.234,5 need decimal: ',' in the source's config, and text around the number "
            "needs parse: amount") if decimal == "." else ""
    return f"a valid number{hint}"


def _locate(engine: Engine, source: ScrapeSource, index: int, column: str | None, value: str) -> str:
    """file:line of a bad value in a CSV file read by DuckDB; otherwise the file (Parquet has no lines)."""
    origin = source.originals[index] if index < len(source.originals) else source.origin
    if source.files.format != "csv" or column is None or engine.name != "duckdb":
        return str(origin)
    path = source.files.paths[index]
    engine.rows("SET preserve_insertion_order = true")  # row_number() OVER () must follow the file
    escaped = str(path).replace("'", "''")
    delimiter = source.files.delimiter.replace("'", "''")
    line = engine.scalar(
        f"SELECT line FROM (SELECT row_number() OVER () + 1 AS line, {_ident(column)} AS v FROM read_csv('{escaped}', "
        f"header=true, all_varchar=true, comment='', delim='{delimiter}', quote='\"', escape='\"')) WHERE {trimmed('v')} = ? ORDER BY line LIMIT 1",
        value)
    return f"{origin}:{_physical_line(path, int(line), source.files.delimiter)}" if line else str(origin)


def _physical_line(path: Path, record_line: int, delimiter: str) -> int:
    """The line of the file where the record DuckDB counts as line `record_line` (header = 1) starts: they differ
    once a quoted field before it holds line breaks. Read only on the way to an error message."""
    import csv
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:  # type: ignore[operator]
        reader = csv.reader(handle, delimiter=delimiter or ",", quotechar='"', doublequote=True)
        started = 1
        for number, _ in enumerate(reader, start=1):
            if number == record_line:
                return started
            started = reader.line_num + 1
    return record_line


PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")


def _suffix_format(path: Path) -> Literal["csv", "parquet"] | None:
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return "csv" if name.endswith(CSV_SUFFIXES) else None


def scrape_files(base: Path, written: str, key: str) -> tuple[tuple[Path, ...], Literal["csv", "parquet"]]:
    """The files of one source, sorted by path: one file, a folder (of Parquet partitions, else of CSV files; hidden
    files left out), or a glob (`exports/category_*.csv`, `**` for subfolders) of files of one format."""
    if glob.has_magic(written):
        paths = tuple((base / found).resolve() for found in sorted(glob.glob(written, root_dir=base, recursive=True))
                      if (base / found).is_file())
        if not paths:
            raise InputError(f"{key}: no file matches '{written}'", where=str(base / written))
        formats = {_suffix_format(path) or "csv" for path in paths}
        if len(formats) > 1:
            raise InputError(f"{key}: '{written}' matches both CSV and Parquet files; one source holds files of one format",
                             where=str(base / written))
        return paths, formats.pop()  # type: ignore[return-value]
    path = (base / written).resolve()
    if not path.exists():
        raise InputError("file not found", where=str(path))
    if not path.is_dir():
        return (path,), _suffix_format(path) or "csv"
    inside = sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
    for form in ("parquet", "csv"):
        paths = tuple(p for p in inside if _suffix_format(p) == form)
        if paths:
            return paths, form  # type: ignore[return-value]
    raise InputError("the folder holds no .parquet or .csv files", where=str(path))
