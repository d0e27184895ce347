"""Where the scrape aggregation runs: embedded DuckDB (the default) or Apache Spark.

The aggregation SQL is written once, in DuckDB's dialect, with `?` placeholders. DuckDB runs it as written;
for Spark, SQLGlot binds the parameters as literals and transpiles the statement to Spark SQL. Only reading
the input files differs between the engines, so `register` is the one engine-specific step. Both engines
are driven through the same five calls: register, create, rows, frame, close.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

import pandas as pd

from .errors import EngineError, InputError

log = logging.getLogger("report.engine")

Kind = Literal["text", "number", "date", "other"]


@dataclass(frozen=True)
class FileSet:
    """Files of one input read as one table: a CSV file, a Parquet file, or a folder of Parquet partitions."""

    paths: tuple[Path, ...]
    format: Literal["csv", "parquet"]
    delimiter: str = ","
    tagged: bool = False  # the table gets a column __file: the index in `paths` of the file each row comes from


def _kind(type_name: str) -> Kind:
    name = type_name.upper()
    if name.startswith(("VARCHAR", "STRING", "CHAR", "TEXT")):
        return "text"
    if name.startswith(("DATE", "TIMESTAMP")):
        return "date"
    if name.startswith(("DOUBLE", "FLOAT", "DECIMAL", "INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT",
                        "UINTEGER", "USMALLINT", "UTINYINT", "REAL", "LONG", "SHORT", "BYTE")):
        return "number"
    return "other"


class Engine(ABC):
    """A SQL engine holding the scrape tables of one build."""

    name: str

    @abstractmethod
    def register(self, name: str, files: FileSet) -> dict[str, Kind]:
        """Expose input files as view `name`; return its columns and their kinds. Text files are read as text."""

    def expect(self, rows: int) -> None:
        """Told how many listing rows are coming, before any table is made (DuckDB picks where tables live)."""

    @abstractmethod
    def put(self, name: str, frame: pd.DataFrame) -> None:
        """A small table computed in Python (category map, daily rates) as table `name`."""

    @abstractmethod
    def create(self, name: str, sql: str, *params: Any) -> None:
        """Materialise a query as table `name` (kept for the rest of the build)."""

    @abstractmethod
    def view(self, name: str, sql: str) -> None:
        """Name a query without running it."""

    @abstractmethod
    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """The rows of a query."""

    @abstractmethod
    def frame(self, sql: str, *params: Any) -> pd.DataFrame:
        """The rows of a (small, aggregated) query as a DataFrame."""

    @abstractmethod
    def close(self) -> None:
        """Release the engine."""

    def scalar(self, sql: str, *params: Any) -> Any:
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None

    def row(self, sql: str, *params: Any) -> tuple[Any, ...]:
        """The one row of an aggregate query without GROUP BY, which SQL always returns."""
        rows = self.rows(sql, *params)
        if len(rows) != 1:
            raise RuntimeError(f"an aggregate query returned {len(rows)} rows")
        return rows[0]

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class DuckEngine(Engine):
    """Embedded DuckDB over the input files, out of core: tables spill to a scratch folder beyond the memory limit."""

    name = "duckdb"

    def __init__(self, scratch: Path, *, threads: int | None = None, memory_mb: int = 1536) -> None:
        import duckdb

        self._duckdb = duckdb
        # An in-memory database to start with: its tables are evicted to temp_directory beyond memory_limit, and it
        # skips the compression a database file does on every write (a third of the time at 10M rows). `expect`
        # moves to a database file when the tables would not fit: compressed, they spill far less (50M rows: 30 %
        # faster).
        self._scratch, self._memory_mb = scratch, memory_mb
        self._con = duckdb.connect(":memory:", config={
            "threads": threads or min(os.cpu_count() or 1, 4),
            "memory_limit": f"{memory_mb}MB",
            "temp_directory": str(scratch / "spill"),
            "preserve_insertion_order": False,  # no query relies on scan order; dropping it saves memory
        })

    def register(self, name: str, files: FileSet) -> dict[str, Kind]:
        listing = ", ".join(_quoted(p) for p in files.paths)
        named = ", filename='__path'" if files.tagged else ""
        if files.format == "parquet":
            source = f"read_parquet([{listing}], union_by_name=true{named})"
        else:
            delimiter = files.delimiter.replace("'", "''")
            # comment='': DuckDB's sniffer may otherwise take '#' for a comment mark and drop rows (" #NAME? ").
            source = (f"read_csv([{listing}], header=true, all_varchar=true, nullstr='\\N', quote='\"', escape='\"', "
                      f"comment='', delim='{delimiter}', union_by_name=true{named})")
        columns = "*"
        if files.tagged:  # which file a row comes from, as its index in files.paths
            cases = " ".join(f"WHEN {_quoted(p)} THEN {index}" for index, p in enumerate(files.paths))
            columns = f"* EXCLUDE (__path), CASE __path {cases} END AS __file"
        try:
            self._con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {columns} FROM {source}")
            described = self._con.execute(f"DESCRIBE {name}").fetchall()
        except self._duckdb.Error as exc:
            raise InputError(f"cannot read the file: {str(exc).splitlines()[0]}", where=str(files.paths[0])) from None
        return {str(row[0]): _kind(str(row[1])) for row in described}

    ROW_BYTES = 130  # a listing row in an uncompressed in-memory table, as measured at 10M rows

    def expect(self, rows: int) -> None:
        if rows * self.ROW_BYTES > self._memory_mb * 1_000_000:
            self._con.execute(f"ATTACH {_quoted(self._scratch / 'aggregation.duckdb')} AS scratch")
            self._con.execute("USE scratch")
            log.info("%d listing rows: DuckDB keeps its tables in a compressed scratch file", rows)

    def put(self, name: str, frame: pd.DataFrame) -> None:
        self._con.register(f"{name}_frame", frame)
        self._con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_frame")
        self._con.unregister(f"{name}_frame")

    def create(self, name: str, sql: str, *params: Any) -> None:
        self._run(f"CREATE OR REPLACE TABLE {name} AS {sql}", params)

    def view(self, name: str, sql: str) -> None:
        self._run(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}", ())

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self._interruptible():
            return self._run(sql, params).fetchall()

    def frame(self, sql: str, *params: Any) -> pd.DataFrame:
        with self._interruptible():
            return self._run(sql, params).df()

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        try:
            with self._interruptible():
                return self._con.execute(sql, list(params))
        except (self._duckdb.ConversionException, self._duckdb.InvalidInputException) as exc:
            raise InputError(f"a scrape file holds a value the aggregation cannot read: {str(exc).splitlines()[0]}") from None
        except (self._duckdb.IOException, self._duckdb.OutOfMemoryException) as exc:
            # the scratch folder's disk is full, or the memory budget and the disk together are not enough
            raise EngineError(f"the aggregation ran out of room ({str(exc).splitlines()[0][:300]}); free disk space in "
                              f"{self._scratch} (TMPDIR) or raise limits.engine_memory_mb") from None

    @contextlib.contextmanager
    def _interruptible(self) -> Iterator[None]:
        """DuckDB turns Ctrl-C into an error of its own ("Query interrupted"); it is a Ctrl-C."""
        try:
            yield
        except self._duckdb.InterruptException:
            raise KeyboardInterrupt from None
        except RuntimeError as exc:
            if "interrupted" in str(exc).lower():
                raise KeyboardInterrupt from None
            raise

    def close(self) -> None:
        self._con.close()


class SparkEngine(Engine):
    """Apache Spark: the same SQL, transpiled by SQLGlot; `master` is local[*] or a cluster URL."""

    name = "spark"

    def __init__(self, master: str = "local[*]", *, driver_memory: str = "4g", app_name: str = "report") -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError("engine 'spark' needs pyspark: pip install -c constraints.txt -e '.[spark]' (and Java 17)") from None
        builder = SparkSession.builder.master(master).appName(app_name)
        if master.startswith("local"):  # no network needed: a machine whose host name does not resolve works too
            builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        try:
            self._session = self._start(builder, driver_memory)
        except Exception as exc:  # most often: no Java, or a cluster that does not answer
            raise EngineError(f"could not start Spark on {master}: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__} "
                              "(Java 17 is needed: `java -version`)") from None
        self._session.sparkContext.setLogLevel("ERROR")
        self._cached: list[Any] = []

    @staticmethod
    def _start(builder: Any, driver_memory: str) -> Any:
        return (
            builder
            .config("spark.driver.memory", driver_memory)  # in local mode the driver runs every task
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")  # dates never shift with the machine's zone
            .config("spark.sql.ansi.enabled", "true")  # a bad cast is an error, as in DuckDB, never a silent NULL
            .config("spark.sql.shuffle.partitions", str(max(2, os.cpu_count() or 2)))
            .getOrCreate()
        )

    def register(self, name: str, files: FileSet) -> dict[str, Kind]:
        paths = [str(p) for p in files.paths]
        if files.tagged:  # one read per file, each with its index in files.paths, stacked by column name
            from functools import reduce

            from pyspark.sql.functions import lit

            parts = [self._read([path], files).withColumn("__file", lit(index)) for index, path in enumerate(paths)]
            frame = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), parts)
        else:
            frame = self._read(paths, files)
        frame.createOrReplaceTempView(name)
        return {field.name: _kind(field.dataType.simpleString()) for field in frame.schema.fields}

    def _read(self, paths: list[str], files: FileSet) -> Any:
        reader = self._session.read
        if files.format == "parquet":
            return reader.option("mergeSchema", "true").parquet(*paths)
        return (reader.option("header", True).option("sep", files.delimiter).option("quote", '"')
                .option("escape", '"').option("multiLine", True).option("nullValue", "\\N")
                .option("encoding", "UTF-8").csv(paths))

    def put(self, name: str, frame: pd.DataFrame) -> None:
        records = [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]
        types = {"object": "STRING", "bool": "BOOLEAN", "float64": "DOUBLE", "int64": "BIGINT"}
        schema = ", ".join(f"{column} {types.get(str(frame[column].dtype), 'STRING')}" for column in frame.columns)
        if "day" in frame.columns:
            schema = schema.replace("day STRING", "day DATE")
        table = self._session.createDataFrame(records, schema=schema).persist()
        self._cached.append(table)
        table.createOrReplaceTempView(name)

    def create(self, name: str, sql: str, *params: Any) -> None:
        with _spark_errors(sql):
            frame = self._session.sql(transpile(sql, params)).persist()
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)

    def view(self, name: str, sql: str) -> None:
        self._session.sql(transpile(sql)).createOrReplaceTempView(name)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with _spark_errors(sql):
            return [tuple(row) for row in self._session.sql(transpile(sql, params)).collect()]

    def frame(self, sql: str, *params: Any) -> pd.DataFrame:
        with _spark_errors(sql):
            result = self._session.sql(transpile(sql, params))
            frame = pd.DataFrame([tuple(row) for row in result.collect()], columns=result.columns)
        for column in frame.columns:  # the types DuckDB's .df() gives: datetime64 for dates, floats for decimals
            values = frame[column].dropna()
            if len(values) and isinstance(values.iloc[0], date):
                frame[column] = pd.to_datetime(frame[column])
            elif len(values) and isinstance(values.iloc[0], Decimal):
                frame[column] = frame[column].astype(float)
        return frame

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._session.catalog.clearCache()


@contextmanager
def _spark_errors(sql: str) -> Iterator[None]:
    """A failed Spark query as one message (its first line, and the statement), not a Java stack trace."""
    try:
        yield
    except Exception as exc:
        if type(exc).__module__.startswith(("pyspark", "py4j")):
            lines = [line.strip().lstrip(": ") for line in str(exc).splitlines() if line.strip()]
            first = next((line for line in lines if ("Exception" in line or "Error" in line)
                          and not line.startswith(("An error occurred", "py4j"))), lines[0] if lines else type(exc).__name__)
            if "OutOfMemoryError" in first:
                first += " (give Spark more memory: spark.driver_memory in the config)"
            statement = " ".join(sql.split())[:300]
            raise EngineError(f"Spark could not run the aggregation: {first[:500]} (statement: {statement})") from None
        raise


def _literal(value: Any) -> Any:
    from sqlglot import exp

    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(repr(value))
    if isinstance(value, date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    return exp.Literal.string(str(value))


def bind(sql: str, params: Sequence[Any]) -> str:
    """The statement with each `?` outside quoted text replaced, in order, by its value as a SQL literal."""
    parts = re.split(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")", sql)  # odd parts are quoted text
    values = iter(params)
    for index in range(0, len(parts), 2):
        pieces = parts[index].split("?")
        parts[index] = pieces[0] + "".join(_literal(next(values)).sql(dialect="duckdb") + piece for piece in pieces[1:])
    if next(values, _END) is not _END:
        raise RuntimeError("more parameters than placeholders")
    return "".join(parts)


_END = object()


def transpile(sql: str, params: Sequence[Any] = ()) -> str:
    """DuckDB SQL with `?` placeholders to Spark SQL with the values bound as literals."""
    import sqlglot
    from sqlglot import exp

    def spark_only(node: exp.Expression) -> exp.Expression:
        # DuckDB's try_strptime has no Spark twin in SQLGlot: try_to_timestamp with the format in Java's notation.
        if isinstance(node, exp.Anonymous) and node.name.lower() == "try_strptime":
            text, fmt = node.expressions
            java = exp.StrToTime(this=exp.column("x"), format=fmt).sql(dialect="spark").split(", ", 1)[1][:-1]
            return exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[text, sqlglot.parse_one(java, read="spark")])
        return node

    tree = sqlglot.parse_one(bind(sql, params), read="duckdb").transform(spark_only)
    return tree.sql(dialect="spark")


def make_engine(name: str, scratch: Path, *, master: str = "local[*]", memory_mb: int = 1536,
                driver_memory: str = "4g") -> Engine:
    if name == "spark":
        return SparkEngine(master, driver_memory=driver_memory)
    return DuckEngine(scratch, memory_mb=memory_mb)
