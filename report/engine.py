"""Where the scrape aggregation runs: embedded DuckDB (the default) or Apache Spark.

The aggregation SQL is written once, in DuckDB's dialect: the tables are files of report/sql/ (`NN_table.sql`,
run in the order of NN by `Script`, with named parameters `:name`), a few small queries are inline with `?`
placeholders. DuckDB runs it as written; for Spark, SQLGlot binds the parameters as literals and transpiles the
statement to Spark SQL. Only reading the input files differs between the engines, so `register` is the one
engine-specific step. Both engines are driven through the same calls: register, create, rows, frame, close.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Literal, Mapping, Sequence

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
        """Told how many listing rows are coming, before any table is made (DuckDB picks where tables live, and how
        many threads its queries use)."""

    @abstractmethod
    def put(self, name: str, frame: pd.DataFrame) -> None:
        """A small table computed in Python (category map, daily rates) as table `name`."""

    @abstractmethod
    def create(self, name: str, sql: str, *params: Any, **named: Any) -> None:
        """Materialise a query as table `name` (kept for the rest of the build). Parameters are `?` placeholders
        (`params`, in order) or `:name` placeholders (`named`: the values of the names the query uses)."""

    @abstractmethod
    def view(self, name: str, sql: str) -> None:
        """Name a query without running it."""

    @abstractmethod
    def rows(self, sql: str, *params: Any, **named: Any) -> list[tuple[Any, ...]]:
        """The rows of a query."""

    @abstractmethod
    def frame(self, sql: str, *params: Any, **named: Any) -> pd.DataFrame:
        """The rows of a (small, aggregated) query as a DataFrame."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Forget table or view `name` (a table's memory or disk is freed)."""

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
        self._scratch, self._memory_mb, self._threads = scratch, memory_mb, threads
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
        # A CSV file is parsed again by every query that reads a view of it (the value checks, then the table made
        # from it): a small one is parsed once, into a table. Parquet is read by column, so it stays a view.
        kind = "TABLE" if files.format == "csv" and self._small(files) else "VIEW"
        try:
            with self._interruptible():  # parsing a large file is where a Ctrl-C most often lands
                self._con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS SELECT {columns} FROM {source}")
                described = self._con.execute(f"DESCRIBE {name}").fetchall()
        except self._duckdb.Error as exc:
            raise InputError(f"cannot read the file: {str(exc).splitlines()[0]}", where=str(files.paths[0])) from None
        return {str(row[0]): _kind(str(row[1])) for row in described}

    def _small(self, files: FileSet) -> bool:
        """Whether the files' text takes under a tenth of the memory budget (a gzipped file: ten times its size)."""
        size = sum(path.stat().st_size * (10 if path.suffix == ".gz" else 1) for path in files.paths)
        return size < self._memory_mb * 100_000

    ROW_BYTES = 130  # a listing row in an uncompressed in-memory table, as measured at 10M rows
    # Below this many listing rows a query runs as fast on one thread as on two or more (2 cores: the sample's 77
    # queries 1.7 s on one thread, 1.95 s on two; 1M rows: 4.4 s either way), and the other core is left to the
    # edition workers, which warm up meanwhile.
    ONE_THREAD_BELOW = 500_000

    def expect(self, rows: int) -> None:
        if self._threads is None and rows < self.ONE_THREAD_BELOW:
            self._con.execute("SET threads = 1")
        if rows * self.ROW_BYTES > self._memory_mb * 1_000_000:
            self._con.execute(f"ATTACH {_quoted(self._scratch / 'aggregation.duckdb')} AS scratch")
            self._con.execute("USE scratch")
            log.info("%d listing rows: DuckDB keeps its tables in a compressed scratch file", rows)

    def put(self, name: str, frame: pd.DataFrame) -> None:
        self._con.register(f"{name}_frame", frame)
        with self._interruptible():
            self._con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_frame")
        self._con.unregister(f"{name}_frame")

    def create(self, name: str, sql: str, *params: Any, **named: Any) -> None:
        self._run(f"CREATE OR REPLACE TABLE {name} AS {sql}", params, named)

    def view(self, name: str, sql: str) -> None:
        self._run(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}", ())

    def drop(self, name: str) -> None:
        kind = self._con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()
        self._run(f"DROP {'VIEW' if kind and kind[0][0] == 'VIEW' else 'TABLE'} IF EXISTS {name}", ())

    def rows(self, sql: str, *params: Any, **named: Any) -> list[tuple[Any, ...]]:
        with self._interruptible():
            return self._run(sql, params, named).fetchall()

    def frame(self, sql: str, *params: Any, **named: Any) -> pd.DataFrame:
        with self._interruptible():
            return self._run(sql, params, named).df()

    def _run(self, sql: str, params: Sequence[Any], named: Mapping[str, Any] | None = None) -> Any:
        values: list[Any] | dict[str, Any] = list(params)
        if named:  # DuckDB's own named parameters are $name
            values = {key: named[key] for key in placeholders(sql)}
            sql = _dollar_names(sql)
        try:
            with self._interruptible():
                return self._con.execute(sql, values)
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

    def create(self, name: str, sql: str, *params: Any, **named: Any) -> None:
        with _spark_errors(sql):
            frame = self._session.sql(transpile(sql, named or params)).persist()
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)

    def view(self, name: str, sql: str) -> None:
        self._session.sql(transpile(sql)).createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        self._session.table(name).unpersist()
        self._session.catalog.dropTempView(name)

    def rows(self, sql: str, *params: Any, **named: Any) -> list[tuple[Any, ...]]:
        with _spark_errors(sql):
            return [tuple(row) for row in self._session.sql(transpile(sql, named or params)).collect()]

    def frame(self, sql: str, *params: Any, **named: Any) -> pd.DataFrame:
        with _spark_errors(sql):
            result = self._session.sql(transpile(sql, named or params))
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


# Quoted text and comments, where no placeholder is: re.split with this pattern puts them in the odd parts.
_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*)")
# A named placeholder: a colon and a name, not part of a cast (`x::DATE`).
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def placeholders(sql: str) -> list[str]:
    """The names of the `:name` placeholders of a statement, each once, in order."""
    parts = _QUOTED.split(sql)
    return list(dict.fromkeys(name for part in parts[::2] for name in _NAMED.findall(part)))


def _dollar_names(sql: str) -> str:
    """`:name` placeholders as DuckDB writes them, `$name`."""
    parts = _QUOTED.split(sql)
    return "".join(_NAMED.sub(r"$\1", part) if index % 2 == 0 else part for index, part in enumerate(parts))


def bind(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> str:
    """The statement with its placeholders outside quoted text replaced by their values as SQL literals: each `?`
    in order (`params` a sequence), or each `:name` (`params` a mapping)."""
    parts = _QUOTED.split(sql)  # odd parts are quoted text and comments
    if isinstance(params, Mapping):
        missing = [name for name in placeholders(sql) if name not in params]
        if missing:
            raise RuntimeError(f"no value for the parameter(s) {', '.join(missing)}")
        return "".join(_NAMED.sub(lambda m: _literal(params[m.group(1)]).sql(dialect="duckdb"), part) if index % 2 == 0
                       else part for index, part in enumerate(parts))
    values = iter(params)
    for index in range(0, len(parts), 2):
        pieces = parts[index].split("?")
        parts[index] = pieces[0] + "".join(_literal(next(values)).sql(dialect="duckdb") + piece for piece in pieces[1:])
    if next(values, _END) is not _END:
        raise RuntimeError("more parameters than placeholders")
    return "".join(parts)


_END = object()


def transpile(sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> str:
    """DuckDB SQL with `?` or `:name` placeholders to Spark SQL with the values bound as literals."""
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


SQL = Path(__file__).with_name("sql")


@dataclass(frozen=True)
class Statement:
    """One file of report/sql/: `NN_table.sql` makes table `table`, `NN_table.variant.sql` one variant of it."""

    path: Path
    number: int
    table: str
    variant: str | None
    text: str


@functools.lru_cache(maxsize=None)
def statements() -> Mapping[tuple[str, str | None], Statement]:
    """Every statement of report/sql/, by table and variant, in the order of their numbers."""
    found: dict[tuple[str, str | None], Statement] = {}
    for path in sorted(SQL.glob("*.sql")):
        match = re.fullmatch(r"(\d+)_(\w+)(?:\.(\w+))?\.sql", path.name)
        if match is None:
            raise RuntimeError(f"{path}: an aggregation file is named NN_table.sql or NN_table.variant.sql")
        number, table, variant = int(match[1]), match[2], match[3]
        found[(table, variant)] = Statement(path, number, table, variant, path.read_text(encoding="utf-8"))
    return found


class Script:
    """Runs the files of report/sql/ in the order of their numbers, each with the named values it uses."""

    def __init__(self, engine: Engine, values: Mapping[str, Any]) -> None:
        self.engine, self.values, self._last = engine, dict(values), 0

    def _next(self, table: str, variant: str | None) -> Statement:
        statement = statements()[(table, variant)]
        if statement.number < self._last:
            raise RuntimeError(f"{statement.path.name} runs after a file numbered {self._last}: renumber report/sql/")
        self._last = statement.number
        return statement

    def _values(self, statement: Statement) -> dict[str, Any]:
        missing = [name for name in placeholders(statement.text) if name not in self.values]
        if missing:
            raise RuntimeError(f"{statement.path.name}: no value for :{', :'.join(missing)}")
        return {name: self.values[name] for name in placeholders(statement.text)}

    @contextmanager
    def _running(self, statement: Statement) -> Iterator[None]:
        """An engine error (out of memory or disk) names the file it happened in: which table needs the room."""
        try:
            yield
        except EngineError as exc:
            raise EngineError(f"report/sql/{statement.path.name}: {exc}") from None

    def table(self, table: str, *, keep: bool = True) -> None:
        """Make the table of `NN_table.sql`; with keep=False only name it (a view, its values bound as literals),
        so that each query reads what it needs of it."""
        statement = self._next(table, None)
        with self._running(statement):
            if keep:
                self.engine.create(table, statement.text, **self._values(statement))
            else:
                self.engine.view(table, bind(statement.text, self._values(statement)))

    def view(self, table: str, variant: str) -> None:
        """Name the query of `NN_table.variant.sql` (which takes no parameters) as view `table`."""
        statement = self._next(table, variant)
        with self._running(statement):
            self.engine.view(table, statement.text)

    def frame(self, table: str) -> pd.DataFrame:
        """The rows of `NN_table.sql` (a small result table) as a DataFrame."""
        statement = self._next(table, None)
        with self._running(statement):
            return self.engine.frame(statement.text, **self._values(statement))

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """The rows of `NN_table.sql` (a small result table)."""
        statement = self._next(table, None)
        with self._running(statement):
            return self.engine.rows(statement.text, **self._values(statement))
