"""Reading and checking the input files against the contract; no statistics here."""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import logging
import re
import shutil
import tempfile
import weakref
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import pandas as pd

from .config import ReportConfig, Source
from .engine import FileSet
from .codebook import check_crosstabs, read_codebook
from .errors import ConfigError, InputError
from .model import Codebook, MarketEvent, Question
from .sources import ColumnRule, ScrapeSource, scrape_files

# Scrape tables are checked against their contract in the engine (sources.py), after the config's column mapping.
REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "listings": (), "feedback": (), "exchange_rates": (), "market_events": ("market", "date", "kind"), "survey": (),
}
SCRAPES = ("listings", "feedback", "exchange_rates")
MAY_BE_EMPTY = ("market_events",)  # a period without closures or seizures is no error
EVENT_KINDS = ("launch", "closure", "exit_scam", "seizure")
SPREADSHEET_SIGNATURES = {b"PK\x03\x04": "a zipped workbook (Excel .xlsx or OpenDocument .ods)",
                          b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)"}
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".numbers")
MB = 1_000_000
# Characters XML cannot hold (control characters other than tab and line ends, U+FFFE, U+FFFF) break the SVG of
# a chart (vl-convert aborts the process) and the PDF: they are left out of every input's text. Bidirectional
# overrides and the like are only a matter of display: the renderer drops those.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Text decoded with the wrong 8-bit encoding: UTF-8 read as cp1252 ("cafÃ©"), cp1252 read as latin-1 (C1 control
# characters) or read as mac_roman ("cafÈ"), mac_roman read as cp1252 ("cafŽ"). Never silently accepted.
MOJIBAKE = re.compile("[ÂÃ][\u0080-\u00bf]|[\u0080-\u009f]|[a-zß-ÿ][ÀÁÈÉÊËÌÍÎÏÒÓÔÙÚÛŽŒŠ‡ˆ˜‰]")
# Every match of MOJIBAKE holds one of these; searching for them first is ten times faster on mostly-ASCII text.
MOJIBAKE_MARKS = re.compile("[\u0080-\u00bfÀÁÈÉÊËÌÍÎÏÒÓÔÙÚÛŽŒŠ‡ˆ˜‰]")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

log = logging.getLogger("report.load")


@dataclass(frozen=True)
class Inputs:
    """Checked inputs: scrape files stay on disk for the engine; survey and events are read here."""

    scrapes: Mapping[str, tuple[ScrapeSource, ...]]  # listings, feedback, exchange_rates
    events: tuple[MarketEvent, ...]
    survey: pd.DataFrame | None  # None: no survey configured
    codebook: Codebook | None
    files: Mapping[str, Path]  # the files as the config names them (for the manifest), not their UTF-8 copies

    @property
    def listings(self) -> Path:
        """The (first) listings file as the engine reads it."""
        return self.scrapes["listings"][0].files.paths[0]


@dataclass(frozen=True)
class CsvFile:
    """One checked CSV input: its header, how many records it has, and a UTF-8 file the engine can read."""

    source: Path
    readable: Path
    columns: tuple[str, ...]
    rows: int
    unsafe_lines: tuple[int, ...] = ()  # lines whose control characters were left out
    delimiter: str = ","


@dataclass(frozen=True)
class CsvRules:
    """What one CSV input must look like and how to read it."""

    kind: str
    encoding: str = "utf-8"
    delimiter: str = ","
    max_bytes: int = 500 * MB
    period: tuple[str, date, date] | None = None  # (date column, start, end): some rows must fall inside


def _refuse_spreadsheet(path: Path, kind: str) -> None:
    """Workbooks are refused by name and signature only: never unpacked, so zip bombs and formulas stay shut."""
    with open(path, "rb") as handle:
        signature = handle.read(4)
    what = SPREADSHEET_SIGNATURES.get(signature)
    if what is None and path.suffix.lower() in SPREADSHEET_SUFFIXES:
        what = f"a spreadsheet ({path.suffix})"
    if what is not None:
        raise InputError(
            f"this is {what}, not a CSV file; the report reads scrapes as CSV or Parquet (and a survey as CSV or .xlsx "
            f"with its sheet named): open it in your spreadsheet program, save it as 'CSV UTF-8 (comma-separated)', "
            f"and point inputs.{kind} at the .csv file",
            where=str(path))


def _check_size(path: Path, max_bytes: int) -> None:
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"the file is {size / MB:.0f} MB, over limits.max_input_mb ({max_bytes // MB}); "
                         "raise the limit in the config if the file is right", where=str(path))


def _open_binary(path: Path) -> gzip.GzipFile | io.BufferedReader:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _encoding_hint(kind: str, encoding: str) -> str:
    if codecs.lookup(encoding).name == "utf-8":
        return (f"save the file as UTF-8, or declare its encoding in the config, "
                f"e.g. inputs: {{encoding: {{{kind}: cp1252}}}}")
    return f"check inputs.encoding.{kind} ('{encoding}') in the config"


class TextStream:
    """A CSV input's text, decoded block by block (a scrape can be larger than memory), with line numbers.

    Stops with a message naming the line at the first byte the declared encoding cannot read, at the first sign
    that the text was decoded with the wrong encoding, or past the size limit. Records the lines holding
    characters XML cannot hold (and leaves those characters out), and turns classic Mac line ends into \\n.
    """

    BLOCK = 1 << 24

    def __init__(self, path: Path, rules: CsvRules) -> None:
        self.path, self.rules = path, rules
        self.encoding = "utf-8-sig" if codecs.lookup(rules.encoding).name == "utf-8" else rules.encoding  # a BOM is fine
        self.unsafe_lines: list[int] = []
        self.cr_only = False

    def blocks(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        line, size, first = 1, 0, True
        try:
            with _open_binary(self.path) as handle:
                while True:
                    raw = handle.read(min(self.BLOCK, self.rules.max_bytes + 1 - size))
                    size += len(raw)
                    if size > self.rules.max_bytes:
                        raise InputError(f"the file's text is over limits.max_input_mb ({self.rules.max_bytes // MB} MB) "
                                         "once decompressed; raise the limit in the config if the file is right",
                                         where=str(self.path))
                    try:
                        text = decoder.decode(raw, final=not raw)
                    except UnicodeDecodeError as exc:
                        raise self._undecodable(exc, line) from None
                    if first:
                        self.cr_only = "\r" in text and "\r\n" not in text and text.count("\r") > text.count("\n")
                        first = False
                    if self.cr_only:
                        text = text.replace("\r", "\n")  # the engines want \n
                    self._check(text, line)
                    yield UNSAFE_CHARACTERS.sub("", text)
                    line += text.count("\n")
                    if not raw:
                        return
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputError(f"not a readable gzip file ({exc or 'truncated'})", where=str(self.path)) from None

    def lines(self) -> Iterator[str]:
        """The text line by line, line ends kept (for the csv module, which joins quoted line breaks itself)."""
        rest = ""
        for block in self.blocks():
            parts = (rest + block).splitlines(keepends=True)
            rest = parts.pop() if parts and not parts[-1].endswith(("\n", "\r")) else ""
            yield from parts
        if rest:
            yield rest

    def _undecodable(self, exc: UnicodeDecodeError, line: int) -> InputError:
        before = exc.object[: exc.start].decode(self.encoding.removesuffix("-sig"), errors="replace")
        column = len(before) - before.rfind("\n")
        return InputError(f"byte 0x{exc.object[exc.start]:02x} at column {column} is not valid {self.rules.encoding} text; "
                          + _encoding_hint(self.rules.kind, self.rules.encoding), where=f"{self.path}:{line + before.count(chr(10))}")

    def _check(self, text: str, line: int) -> None:
        found = next((hit for mark in MOJIBAKE_MARKS.finditer(text)
                      if (hit := MOJIBAKE.search(text, max(0, mark.start() - 1), mark.end() + 1))), None)
        if found is not None:
            seen = text[max(0, found.start() - 12): found.end() + 12].replace("\n", " ")
            raise InputError(f"'{seen}' looks like text decoded with the wrong encoding (read as {self.rules.encoding}); "
                             f"declare the file's real encoding in the config (utf-8, cp1252, latin-1, mac_roman...)"
                             f"{'' if self.rules.kind in ('market_events', 'survey') else ', e.g. inputs.' + self.rules.kind + '.encoding'}",
                             where=f"{self.path}:{line + text.count(chr(10), 0, found.start())}")
        position = 0
        for match in UNSAFE_CHARACTERS.finditer(text):
            line += text.count("\n", position, match.start())
            position = match.start()
            if not self.unsafe_lines or self.unsafe_lines[-1] != line:
                self.unsafe_lines.append(line)


def _header(path: Path, row: list[str] | None, kind: str) -> tuple[str, ...]:
    if not row:
        raise InputError("the file is empty (no header row)", where=str(path))
    columns = tuple(name.strip() for name in row)
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise InputError(f"duplicate column name(s): {', '.join(duplicates)}", where=f"{path}:1")
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (the {kind} file needs: {', '.join(REQUIRED_COLUMNS[kind])})",
            where=f"{path}:1",
        )
    return columns


def _in_period(value: str, start: date, end: date) -> bool | None:
    """Whether an ISO date falls in the period; None when it is no ISO date (the engine judges those)."""
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return start <= day <= end


def check_csv(path: Path, rules: CsvRules, scratch: Path) -> CsvFile:
    """One pass over a CSV input: encoding, header, the same number of fields on every line, some rows.

    A file that is not UTF-8, or that holds control characters, is copied to `scratch` as clean UTF-8, so the
    engine, pandas and the renderers only ever see text they can show.
    """
    if not path.is_file():
        raise InputError("file not found" if not path.exists() else "a folder, where a CSV file is expected", where=str(path))
    _refuse_spreadsheet(path, rules.kind)
    _check_size(path, rules.max_bytes)
    copy_to = scratch / f"{rules.kind}-{len(list(scratch.iterdir()))}.csv"
    recode = codecs.lookup(rules.encoding).name != "utf-8"
    columns, rows, dated, unsafe = _scan(path, rules, copy_to, recode)
    if unsafe:
        log.warning("%s: %d line(s) hold control characters (first: line %d); those characters are left out",
                    path, len(unsafe), unsafe[0])
    if rows == 0 and rules.kind not in MAY_BE_EMPTY:
        raise InputError("the file has a header but no rows", where=str(path))
    if rules.period and rows and dated == 0:
        column, start, end = rules.period
        raise InputError(f"no row has a {column} between {start} and {end} (check period in the config)", where=str(path))
    readable = copy_to if copy_to.exists() else path
    return CsvFile(source=path, readable=readable, columns=columns, rows=rows, unsafe_lines=tuple(unsafe), delimiter=rules.delimiter)


def _scan(path: Path, rules: CsvRules, copy_to: Path, recode: bool) -> tuple[tuple[str, ...], int, int | None, list[int]]:
    """Read the file once, streaming; then write a clean UTF-8 copy when it is in another encoding, held characters
    XML cannot hold, or ended its lines with a bare CR (a second pass, only for those files)."""
    stream = TextStream(path, rules)
    parsed = _parse(path, rules, stream.lines())
    if recode or stream.unsafe_lines or stream.cr_only:
        with open(copy_to, "w", encoding="utf-8", newline="") as copy:
            for block in TextStream(path, rules).blocks():
                copy.write(block.removeprefix("\ufeff"))
    return (*parsed, stream.unsafe_lines)


def _parse(path: Path, rules: CsvRules, lines: Iterable[str]) -> tuple[tuple[str, ...], int, int | None]:
    """Header, record count, and whether some record falls in the period (None: dates the engine must judge)."""
    reader = csv.reader(lines, strict=True, delimiter=rules.delimiter)
    rows, dated, undated, last_line = 0, 0, 0, 0
    try:
        columns = _header(path, next(reader, None), rules.kind)
        date_index = columns.index(rules.period[0]) if rules.period else None
        width = len(columns)
        last_line = reader.line_num
        for row in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if len(row) != width:
                if not row:
                    continue  # a blank line; the engine skips it too
                raise InputError(
                    f"{len(row)} fields where the header has {width} "
                    f"({'a comma inside an unquoted value, or an extra separator' if len(row) > width else 'a missing field or a line cut short'}?)",
                    where=f"{path}:{first_line}")
            rows += 1
            if date_index is not None and not dated and rules.period:  # one record inside is enough
                inside = _in_period(row[date_index], rules.period[1], rules.period[2])
                dated += inside is True
                undated += inside is None
    except csv.Error as exc:
        raise InputError(f"cannot read the CSV: {exc}", where=f"{path}:{reader.line_num}") from None
    return columns, rows, (None if (undated and not dated) or date_index is None else dated)


def _read_text(csv_file: CsvFile) -> io.StringIO:
    """A checked (small) CSV file's text."""
    raw = csv_file.readable.read_bytes()
    if csv_file.readable.suffix == ".gz":
        raw = gzip.decompress(raw)
    return io.StringIO(raw.decode("utf-8-sig"), newline="")


def read_events(csv_file: CsvFile) -> tuple[MarketEvent, ...]:
    path = csv_file.source
    events = []
    with _read_text(csv_file) as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            line = reader.line_num
            kind = row["kind"].strip()
            if kind not in EVENT_KINDS:
                raise InputError(f"kind '{kind}' is not one of {', '.join(EVENT_KINDS)}", where=f"{path}:{line}")
            try:
                day = date.fromisoformat(row["date"].strip())
            except ValueError:
                raise InputError(f"date '{row['date']}' is not YYYY-MM-DD", where=f"{path}:{line}") from None
            events.append(MarketEvent(market=row["market"].strip(), date=day, kind=kind))
    return tuple(sorted(events, key=lambda e: (e.date, e.market, e.kind)))


def read_survey(csv_file: CsvFile, codebook: Codebook) -> pd.DataFrame:
    """Survey responses as text; the codebook decides what is a code and what is missing."""
    path = csv_file.source
    needed = {column for q in codebook.questions.values() for column in q.columns.values()}
    missing = sorted(needed - set(csv_file.columns))
    if missing:
        raise InputError(f"missing column(s) named in the codebook: {', '.join(missing)}", where=f"{path}:1")
    with _read_text(csv_file) as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False, na_filter=False, sep=csv_file.delimiter)
    return checked_survey(frame, codebook, str(path), header_rows=1)


def read_survey_workbook(path: Path, sheet: str | None, codebook: Codebook, max_bytes: int) -> pd.DataFrame:
    """Survey responses from one sheet of an Excel workbook, every cell as text; rows are named by sheet row."""
    if not path.is_file():
        raise InputError("file not found", where=str(path))
    _check_size(path, max_bytes)
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or disguised file
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})", where=str(path)) from None
    try:
        if sheet is None or sheet not in book.sheetnames:
            what = "name the sheet that holds the responses with inputs.survey.sheet" if sheet is None else f"no sheet '{sheet}'"
            raise InputError(f"{what}; the workbook's sheets are: {', '.join(book.sheetnames)}", where=str(path))
        rows = [[_cell_text(value) for value in row] for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()  # formatted but empty rows at the bottom of a sheet
    if not rows:
        raise InputError("the sheet is empty (no header row)", where=f"{path} [{sheet}]")
    header = [name.strip() for name in rows[0]]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    frame = pd.DataFrame([row[:width] + [""] * (width - len(row)) for row in rows[1:]], columns=header[:width], dtype=str)
    where = f"{path} [{sheet}]"
    for column in frame.columns:
        _check_unsafe(frame[column], where)
    columns = list(frame.columns)
    duplicates = sorted({name for name in columns if columns.count(name) > 1 or not name})
    if duplicates:
        raise InputError(f"duplicate or empty column name(s) in the header row: {', '.join(repr(d) for d in duplicates)}",
                         where=f"{where}:1")
    needed = {column for q in codebook.questions.values() for column in q.columns.values()}
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise InputError(f"missing column(s) named in the codebook: {', '.join(missing)}", where=f"{where}:1")
    return checked_survey(frame, codebook, where, header_rows=1)


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV export would hold: whole numbers without '.0', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


def _check_unsafe(values: pd.Series, where: str) -> None:
    for index, value in values.items():
        if UNSAFE_CHARACTERS.search(value):
            raise InputError("a cell holds control characters", where=f"{where}:{int(index) + 2}")


def checked_survey(frame: pd.DataFrame, codebook: Codebook, where: str, header_rows: int) -> pd.DataFrame:
    """Responses as stripped text: respondents are unique and numeric answers are numbers or declared codes."""
    path = where
    if frame.empty:
        raise InputError("the survey has a header but no respondents", where=str(path))
    frame = frame.apply(lambda column: column.str.strip())
    if "respondent_id" in frame.columns:
        repeated = frame["respondent_id"].duplicated(keep="first")
        if repeated.any():
            line = int(repeated.to_numpy().nonzero()[0][0]) + header_rows + 1
            raise InputError(f"respondent_id '{frame['respondent_id'][line - 2]}' appears twice", where=f"{path}:{line}")
    for question in codebook.questions.values():
        if question.type == "numeric":
            _check_numbers(frame, question, path)
        _check_codes(frame, question, path, header_rows)
    return frame


def _check_codes(frame: pd.DataFrame, question: Question, path: str, header_rows: int) -> None:
    """Every answer is a code the codebook gives the question (a multi option: ticked, not ticked or missing);
    an undeclared code would otherwise be read as some other answer ("Yes" as not ticked)."""
    found = [(index, column, value) for column in question.columns.values()
             for index, value in frame[column][~frame[column].map(question.accepts)].head(1).items()]
    if not found:
        return
    index, column, value = min(found, key=lambda hit: int(hit[0]))
    missing = ", ".join(question.missing) or "none declared"
    if question.type == "multi":
        what = (f"neither a ticked code ({', '.join(question.ticked)}), a not-ticked code "
                f"({', '.join(question.not_ticked)}) nor a missing code ({missing})")
        fix = "declare it under the question's ticked, not_ticked or missing codes in the codebook"
    else:
        answers = ", ".join(question.labels)
        what = f"not an answer code ({answers}) nor a missing code ({missing})"
        fix = "add it to the question's labels or missing codes in the codebook"
    raise InputError(f"column {column}: '{value}' is {what} of question '{question.id}'; {fix}",
                     where=f"{path}:{int(index) + header_rows + 1}")


def _check_numbers(frame: pd.DataFrame, question: Question, path: str) -> None:
    """Answers to a numeric question are numbers, empty, or one of its missing / don't-know codes."""
    column = question.columns["value"]
    values = frame[column]
    given = values[(values != "") & ~values.isin(question.missing) & ~values.isin(question.dont_know)]
    numbers = pd.to_numeric(given, errors="coerce")
    if numbers.isna().any():
        index = numbers.index[numbers.isna()][0]
        bad = values[index]
        codes = ", ".join([*question.missing, *question.dont_know]) or "none declared"
        hint = ("write decimals with a point (1.5)" if bad.replace(",", "", 1).strip().isdigit()
                else f"leave the cell empty or use one of the question's missing codes ({codes})")
        raise InputError(f"column {column}: '{bad}' is not a number; {hint}", where=f"{path}:{int(index) + 2}")
    if question.brackets:
        lowest, highest = question.brackets[0].get("lower"), question.brackets[-1].get("upper")
        outside = numbers[(numbers < (lowest if lowest is not None else -float("inf")))
                          | (numbers >= (highest if highest is not None else float("inf")))]
        if len(outside):
            index = outside.index[0]
            raise InputError(f"column {column}: {values[index]} falls in none of the brackets of question '{question.id}' "
                             f"(from {lowest if lowest is not None else 'any value'} to below "
                             f"{highest if highest is not None else 'any value'}); widen the brackets in the codebook "
                             "or declare it a missing code", where=f"{path}:{int(index) + 2}")


def _rules(config: ReportConfig, kind: str, source: Source) -> CsvRules:
    # Some feedback must fall in the period; only checked when the date column has its contract name.
    period = (("left_at", config.period.start, config.period.end)
              if kind == "feedback" and "left_at" not in source.columns else None)
    return CsvRules(kind=kind, encoding=source.encoding, delimiter=source.delimiter,
                    max_bytes=config.limits.max_input_mb * MB, period=period)


def _single(config: ReportConfig, base: Path, name: str) -> tuple[Source, Path]:
    (_, source), = config.inputs.sources(name)
    return source, (base / source.path).resolve()


def load_inputs(config: ReportConfig, base: Path) -> Inputs:
    """Check every input file against the contract and read the small ones."""
    scratch = Path(tempfile.mkdtemp(prefix="report-inputs-"))
    try:
        inputs = _checked_inputs(config, base, scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    weakref.finalize(inputs, shutil.rmtree, scratch, ignore_errors=True)  # the UTF-8 copies live as long as Inputs
    return inputs


def _scrape_sources(config: ReportConfig, base: Path, name: str, scratch: Path) -> tuple[list[ScrapeSource], dict[str, Path]]:
    """The sources of one scrape input: CSV files checked (and copied as clean UTF-8 when needed), Parquet as is."""
    sources, files = [], {}
    for key, source in config.inputs.sources(name):
        path = (base / source.path).resolve()
        if not path.exists():
            raise InputError("file not found", where=str(path))
        fileset, rows = scrape_files(path), None
        if fileset.format == "csv":
            checked = check_csv(path, _rules(config, name, source), scratch)
            fileset, rows = FileSet((checked.readable,), "csv", source.delimiter), checked.rows
        sources.append(ScrapeSource(fileset, key, path, source.decimal, _column_rules(source), rows))
        files[key.removeprefix("inputs.")] = path
    return sources, files


def _column_rules(source: Source) -> dict[str, ColumnRule]:
    return {name: ColumnRule(column=spec.column, value=spec.value, parse=spec.parse, format=spec.format,
                             separator=spec.separator, flags=spec.flags)
            for name, spec in source.column_maps().items()}


def _survey_inputs(config: ReportConfig, base: Path, scratch: Path) -> tuple[pd.DataFrame | None, Codebook | None, dict[str, Path]]:
    """The codebook (checked with the crosstabs that use it) and the survey it describes; None for both without one."""
    crosstabs = [(spec.rows, spec.columns) for spec in config.crosstabs]
    if config.inputs.codebook is None or config.inputs.survey is None:
        if crosstabs:
            raise ConfigError("crosstabs are configured, but there is no survey: give inputs.survey and inputs.codebook, "
                              "or remove crosstabs")
        return None, None, {}
    codebook_path = (base / config.inputs.codebook).resolve()
    if not codebook_path.is_file():
        raise InputError("file not found", where=str(codebook_path))
    _check_size(codebook_path, config.limits.max_input_mb * MB)
    codebook = read_codebook(codebook_path, config.languages)
    check_crosstabs(crosstabs, codebook)
    survey_source, survey_path = _single(config, base, "survey")
    if survey_path.suffix.lower() in XLSX_SUFFIXES:
        survey = read_survey_workbook(survey_path, survey_source.sheet, codebook, config.limits.max_input_mb * MB)
    else:
        if survey_source.sheet is not None:
            raise InputError("inputs.survey.sheet is set, but the survey is not an .xlsx workbook", where=str(survey_path))
        survey = read_survey(check_csv(survey_path, _rules(config, "survey", survey_source), scratch), codebook)
    return survey, codebook, {"survey": survey_path, "codebook": codebook_path}


def _checked_inputs(config: ReportConfig, base: Path, scratch: Path) -> Inputs:
    scrapes: dict[str, tuple[ScrapeSource, ...]] = {}
    files: dict[str, Path] = {}
    for name in SCRAPES:
        sources, found = _scrape_sources(config, base, name, scratch)
        scrapes[name] = tuple(sources)
        files.update(found)
    events_source, events_path = _single(config, base, "market_events")
    events = read_events(check_csv(events_path, _rules(config, "market_events", events_source), scratch))
    survey, codebook, survey_files = _survey_inputs(config, base, scratch)
    files.update({"market_events": events_path, **survey_files})
    return Inputs(scrapes=scrapes, events=events, survey=survey, codebook=codebook, files=files)
