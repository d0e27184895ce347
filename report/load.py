"""Reading and checking the input files against the contract; no statistics here."""
from __future__ import annotations

import codecs
import collections
import contextlib
import csv
import glob
import gzip
import io
import itertools
import logging
import re
import shutil
import tempfile
import weakref
import zlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal, Mapping, TextIO

import pandas as pd

from .config import ReportConfig, Source, manifest_paths, project_root
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
# A screen for MOJIBAKE: a match wherever MOJIBAKE has one, found from the mark alone (every match of MOJIBAKE
# ends with its mark), so the search starts only at marks: ten times faster on text with many "»" or "µ". The
# message is then made from MOJIBAKE itself.
MOJIBAKE_SCREEN = re.compile("[\u0080-\u00bfÀÁÈÉÊËÌÍÎÏÒÓÔÙÚÛŽŒŠ‡ˆ˜‰](?:(?<=[\u0080-\u009f])|(?<=[ÂÃ][\u0080-\u00bf])"
                             "|(?<=[a-zß-ÿ][ÀÁÈÉÊËÌÍÎÏÒÓÔÙÚÛŽŒŠ‡ˆ˜‰]))")
# C1 control characters: cp1252 text read as latin-1, always a wrong declaration (no text holds them).
C1_CONTROLS = re.compile("[\u0080-\u009f]")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

if TYPE_CHECKING:
    from concurrent.futures import Future

log = logging.getLogger("report.load")


@dataclass(frozen=True)
class Inputs:
    """Checked inputs: scrape files stay on disk for the engine; survey and events are read here."""

    scrapes: Mapping[str, tuple[ScrapeSource, ...]]  # listings, feedback, exchange_rates
    events: tuple[MarketEvent, ...]
    survey: pd.DataFrame | None  # None: no survey configured
    codebook: Codebook | None
    files: Mapping[str, Path]  # the files as the config names them (for the manifest), not their UTF-8 copies
    deferred: Deferred | None = None  # checks still running (load_inputs with `defer`)

    @property
    def listings(self) -> Path:
        """The (first) listings file as the engine reads it."""
        return self.scrapes["listings"][0].files.paths[0]

    def confirmed(self) -> bool:
        """Whether these inputs are those a full check gives: always, unless some checks were deferred and one of
        them found what the build went on without seeing (a problem, or text to clean): then load again, in full."""
        return self.deferred is None or self.deferred.clean()


#: Runs a function elsewhere (a worker process): `submit(function, *args)` returns its Future.
Submit = Callable[..., "Future[Any]"]


@dataclass(frozen=True)
class Deferred:
    """The full checks of scrape CSV files a build went on without (load_inputs with `defer`). Such a file was only
    opened, its header read and a gzip unpacked (UTF-8 as declared, nothing to mend): the engine reads it while a
    worker reads it through check_csv. Each future gives the file's record count when the check found the file
    clean, with the header read, else None (check_csv says what is wrong, when the inputs are loaded again)."""

    sources: tuple[Checks, ...]

    def clean(self) -> bool:
        for checks in self.sources:
            found = [(columns, future.result()) for columns, future in checks]
            if any(scan is None or scan[0] != columns for columns, scan in found):
                return False
            if sum(scan[1] for _, scan in found if scan is not None) == 0:
                return False  # the source has no rows: check_csv's message
        return True

    def cancel(self) -> None:
        for checks in self.sources:
            for _, future in checks:
                future.cancel()


#: The deferred checks of one source's files: the header read of each file, and its check.
Checks = tuple[tuple[tuple[str, ...], "Future[Any]"], ...]


def clean_scan(path: Path, rules: CsvRules) -> tuple[tuple[str, ...], int] | None:
    """check_csv without copying (in a worker): the file's header and record count when it passes every check as
    it is, with no text to clean; None when it does not (a problem, or text the engine must not read as it is)."""
    try:
        checked = check_csv(path, rules, None, warn=False)
    except Exception:  # the message comes when the inputs are loaded again, in full
        return None
    return None if checked.rewritten else (checked.columns, checked.rows)


def deferrable(rules: CsvRules) -> bool:
    """Whether a file's checks can run beside the engine: UTF-8 as declared, and nothing to mend."""
    return codecs.lookup(rules.encoding).name == "utf-8" and rules.repair == "refuse"


def opened_csv(path: Path, rules: CsvRules, scratch: Path) -> CsvFile:
    """What the engine needs of a CSV file before its full check (clean_scan) ends: its header, and a gzip
    unpacked into `scratch` (its byte-order mark left out, as check_csv leaves it out), so the engine reads the text
    check_csv would give it when the file is clean. Its record count is not known yet (0)."""
    _openable(path, rules)
    readable = path
    if path.suffix == ".gz":
        readable = _copy_path(scratch, rules.kind)
        _unpack(path, readable, rules.max_bytes)
    with open(readable, encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle, delimiter=rules.delimiter), None)
    return CsvFile(source=path, readable=readable, columns=_header(path, header, rules.kind, rules.required), rows=0,
                   delimiter=rules.delimiter)


def _unpack(path: Path, copy_to: Path, max_bytes: int) -> None:
    """A gzip's bytes as they are, but a leading UTF-8 byte-order mark, stopping past `max_bytes` (check_csv names
    that)."""
    size = 0
    try:
        with gzip.open(path, "rb") as packed, open(copy_to, "wb") as copy:
            block = packed.read(TextStream.BLOCK)
            copy.write(block.removeprefix(codecs.BOM_UTF8))
            while block:
                size += len(block)
                if size > max_bytes:
                    raise InputError("over the size limit once decompressed", where=str(path))
                block = packed.read(TextStream.BLOCK)
                copy.write(block)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"not a readable gzip file ({exc or 'truncated'})", where=str(path)) from None


@dataclass(frozen=True)
class CsvFile:
    """One checked CSV input: its header, how many records it has, and a UTF-8 file the engine can read."""

    source: Path
    readable: Path
    columns: tuple[str, ...]
    rows: int
    unsafe_lines: tuple[int, ...] = ()  # lines whose control characters were left out
    delimiter: str = ","
    garbled: int = 0  # fields garbled before the file was saved (repaired or kept, per the source's `repair`)
    garbled_line: int | None = None  # the first line holding one
    rewritten: bool = False  # the engine reads text that differs from the file's (recoded, cleaned, line ends, mended)


@dataclass(frozen=True)
class CsvRules:
    """What one CSV input must look like and how to read it."""

    kind: str
    encoding: str = "utf-8"
    delimiter: str = ","
    max_bytes: int = 500 * MB
    period: tuple[str, date, date] | None = None  # (date column, start, end): some rows must fall inside
    repair: str = "refuse"  # text garbled before the file was saved: refuse, ftfy (repair) or accept (keep)
    empty_ok: bool = False  # a header without rows is fine (one file of several)
    required: tuple[str, ...] | None = None  # columns the header must hold (default: REQUIRED_COLUMNS of the kind)


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
        # With `repair`, mojibake is judged field by field (Mender); a file that is valid UTF-8 but declared in an
        # 8-bit encoding is still a wrong declaration, so its bytes are also decoded as UTF-8 on the way.
        self.utf8 = (codecs.getincrementaldecoder("utf-8")() if rules.repair != "refuse" and codecs.lookup(rules.encoding).name != "utf-8"
                     else None)
        self.first_non_ascii: int | None = None

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
                    unsafe = self._check(text, line)
                    self._check_utf8(raw, text, line)
                    yield UNSAFE_CHARACTERS.sub("", text) if unsafe else text
                    line += text.count("\n")
                    if not raw:
                        return
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputError(f"not a readable gzip file ({exc or 'truncated'})", where=str(self.path)) from None

    def lines(self, copy: TextIO | None = None) -> Iterator[str]:
        """The text line by line, line ends kept (for the csv module, which joins quoted line breaks itself); the
        text is also written to `copy` when given. Lines are cut in C (a StringIO per block of whole lines), as
        str.splitlines cuts them: a block holding one of the Unicode line separators splitlines also cuts at is
        cut by splitlines."""
        return itertools.chain.from_iterable(map(_line_iterator, self._whole_lines(copy)))

    def _whole_lines(self, copy: TextIO | None) -> Iterator[str]:
        rest = ""
        for block in self.blocks():
            if copy is not None:
                copy.write(block.removeprefix("\ufeff"))
            text = rest + block
            cut = text.rfind("\n") + 1
            rest = text[cut:]
            if cut:
                yield text[:cut]
        if rest:
            yield rest

    def _undecodable(self, exc: UnicodeDecodeError, line: int) -> InputError:
        before = exc.object[: exc.start].decode(self.encoding.removesuffix("-sig"), errors="replace")
        column = len(before) - before.rfind("\n")
        return InputError(f"byte 0x{exc.object[exc.start]:02x} at column {column} is not valid {self.rules.encoding} text; "
                          + _encoding_hint(self.rules.kind, self.rules.encoding), where=f"{self.path}:{line + before.count(chr(10))}")

    def _check_utf8(self, raw: bytes, text: str, line: int) -> None:
        if self.utf8 is None:
            return
        try:
            self.utf8.decode(raw, final=not raw)
        except UnicodeDecodeError:
            self.utf8 = None  # not UTF-8: the declared 8-bit encoding may well be right
            return
        if self.first_non_ascii is None and not text.isascii():
            first = next(index for index, char in enumerate(text) if ord(char) > 127)
            self.first_non_ascii = line + text.count("\n", 0, first)
        if not raw and self.first_non_ascii is not None:
            raise InputError(f"the file is UTF-8 text, but its encoding is declared as {self.rules.encoding}; declare "
                             "encoding: utf-8 (repair mends text garbled before the file was saved, not a wrong encoding)",
                             where=f"{self.path}:{self.first_non_ascii}")

    def _check(self, text: str, line: int) -> bool:
        """Refuse mojibake; record the lines holding characters XML cannot hold (True when there are some)."""
        found: re.Match[str] | None = None
        if self.rules.repair == "refuse":
            if MOJIBAKE_SCREEN.search(text):
                found = next((hit for mark in MOJIBAKE_MARKS.finditer(text)
                              if (hit := MOJIBAKE.search(text, max(0, mark.start() - 1), mark.end() + 1))), None)
        else:
            found = C1_CONTROLS.search(text)
        if found is not None:
            seen = text[max(0, found.start() - 12): found.end() + 12].replace("\n", " ")
            raise _wrong_encoding(seen, self.rules, f"{self.path}:{line + text.count(chr(10), 0, found.start())}")
        position, unsafe = 0, False
        for match in UNSAFE_CHARACTERS.finditer(text):
            line += text.count("\n", position, match.start())
            position, unsafe = match.start(), True
            if not self.unsafe_lines or self.unsafe_lines[-1] != line:
                self.unsafe_lines.append(line)
        return unsafe


# Line ends str.splitlines knows besides \n and \r that are left in the text (the others are UNSAFE_CHARACTERS or
# C1 controls, refused): a block holding one is cut by splitlines, so lines stay what they always were.
SPLITLINES_ONLY = re.compile("[\u2028\u2029]")


def _line_iterator(text: str) -> Iterator[str]:
    if SPLITLINES_ONLY.search(text):
        return iter(text.splitlines(keepends=True))
    return iter(io.StringIO(text, newline=""))


def _wrong_encoding(seen: str, rules: CsvRules, where: str) -> InputError:
    return InputError(f"'{seen}' looks like text decoded with the wrong encoding (read as {rules.encoding}); "
                      f"declare the file's real encoding in the config (utf-8, cp1252, latin-1, mac_roman...), e.g. "
                      f"inputs.{rules.kind}.encoding; if the text was already garbled when the file was saved, "
                      f"say so with inputs.{rules.kind}.repair: ftfy (or accept)", where=where)


class Mender:
    """Text garbled before the file was saved (`repair: ftfy | accept`), judged field by field: a field that is not
    plain ASCII is what ftfy makes of it. What still looks garbled after ftfy is no garbling ftfy knows (UTF-8 read
    as an 8-bit encoding) but a wrong encoding declaration, refused as without `repair`."""

    def __init__(self, path: Path, rules: CsvRules) -> None:
        from ftfy import TextFixerConfig

        self.path, self.rules = path, rules
        # Only the encoding repairs: quotes, HTML entities, widths, ligatures and line breaks stay as written.
        self.config = TextFixerConfig(unescape_html=False, remove_terminal_escapes=False, uncurl_quotes=False,
                                      fix_latin_ligatures=False, fix_character_width=False, fix_line_breaks=False,
                                      remove_control_chars=False, normalization=None, explain=False)
        self.fields = 0
        self.first_line: int | None = None

    def row(self, row: list[str], line: int) -> list[str]:
        from ftfy import fix_text

        mended = []
        for value in row:
            fixed = value if value.isascii() else fix_text(value, self.config)
            if (found := MOJIBAKE.search(fixed)) is not None:
                seen = fixed[max(0, found.start() - 12): found.end() + 12].replace("\n", " ")
                raise _wrong_encoding(seen, self.rules, f"{self.path}:{line}")
            if fixed != value:
                self.fields += 1
                self.first_line = self.first_line or line
            mended.append(fixed if self.rules.repair == "ftfy" else value)
        return mended


def _header(path: Path, row: list[str] | None, kind: str, required: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if not row:
        raise InputError("the file is empty (no header row)", where=str(path))
    columns = tuple(name.strip() for name in row)
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise InputError(f"duplicate column name(s): {', '.join(duplicates)}", where=f"{path}:1")
    required = REQUIRED_COLUMNS[kind] if required is None else required
    missing = [name for name in required if name not in columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (the {kind} file needs: {', '.join(required)})",
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


def check_csv(path: Path, rules: CsvRules, scratch: Path | None, warn: bool = True) -> CsvFile:
    """One pass over a CSV input: encoding, header, the same number of fields on every line, some rows.

    A file that is not UTF-8, or that holds control characters, is copied to `scratch` as clean UTF-8, so the
    engine, pandas and the renderers only ever see text they can show. Without `scratch`, the checks only: nothing
    is copied, and `readable` is the file itself. Without `warn`, not a word is logged.
    """
    _openable(path, rules)
    copy_to = _copy_path(scratch, rules.kind) if scratch is not None else None
    recode = codecs.lookup(rules.encoding).name != "utf-8"
    columns, rows, dated, unsafe, mender, rewritten = _scan(path, rules, copy_to, recode)
    if unsafe and warn:
        log.warning("%s: %d line(s) hold control characters (first: line %d); those characters are left out",
                    path, len(unsafe), unsafe[0])
    if rows == 0 and rules.kind not in MAY_BE_EMPTY and not rules.empty_ok:
        raise InputError("the file has a header but no rows", where=str(path))
    if rules.period and rows and dated == 0:
        column, start, end = rules.period
        raise InputError(f"no row has a {column} between {start} and {end} (check period in the config)", where=str(path))
    readable = copy_to if copy_to is not None and copy_to.exists() else path
    return CsvFile(source=path, readable=readable, columns=columns, rows=rows, unsafe_lines=tuple(unsafe), delimiter=rules.delimiter,
                   garbled=mender.fields if mender else 0, garbled_line=mender.first_line if mender else None,
                   rewritten=rewritten)


def _copy_path(scratch: Path, kind: str) -> Path:
    """Where the engine's UTF-8 copy of an input goes: a new name in the scratch folder."""
    return scratch / f"{kind}-{len(list(scratch.iterdir()))}.csv"


def _openable(path: Path, rules: CsvRules) -> None:
    """A file (not a folder or a workbook) within the size limit."""
    if not path.is_file():
        raise InputError("file not found" if not path.exists() else "a folder, where a CSV file is expected", where=str(path))
    _refuse_spreadsheet(path, rules.kind)
    _check_size(path, rules.max_bytes)


def _scan(path: Path, rules: CsvRules, copy_to: Path | None,
          recode: bool) -> tuple[tuple[str, ...], int, int | None, list[int], Mender | None, bool]:
    """Read the file once, streaming; then write a clean UTF-8 copy when it is in another encoding, held characters
    XML cannot hold, ended its lines with a bare CR, or held garbled text that ftfy repairs (a second pass, only for
    those files). The last value tells whether the copy's text differs from the file's (beyond a gzip's unpacking
    and a byte-order mark)."""
    stream = TextStream(path, rules)
    mender = Mender(path, rules) if rules.repair != "refuse" else None
    # A gzipped file is copied as plain text on the way: the engine reads it several times, and parses plain text
    # in parallel, five times faster than it decompresses.
    unpacked = path.suffix == ".gz" and copy_to is not None
    copying: contextlib.AbstractContextManager[TextIO | None] = (
        open(copy_to, "w", encoding="utf-8", newline="") if unpacked and copy_to is not None else contextlib.nullcontext())
    with copying as copy:
        parsed = _parse(path, rules, stream.lines(copy), mender)
    mended = mender is not None and mender.fields > 0 and rules.repair == "ftfy"
    rewritten = mended or recode or bool(stream.unsafe_lines) or stream.cr_only
    if copy_to is not None and mended:
        _write_mended(path, rules, copy_to)
    elif copy_to is not None and rewritten and not unpacked:
        with open(copy_to, "w", encoding="utf-8", newline="") as copy:
            for block in TextStream(path, rules).blocks():
                copy.write(block.removeprefix("\ufeff"))
    return (*parsed, stream.unsafe_lines, mender, rewritten)


def _write_mended(path: Path, rules: CsvRules, copy_to: Path) -> None:
    """The UTF-8 copy of a file with its garbled fields repaired by ftfy (written record by record)."""
    mender = Mender(path, rules)
    lines = (line.removeprefix("\ufeff") for line in TextStream(path, rules).lines())
    reader = csv.reader(lines, strict=True, delimiter=rules.delimiter)
    with open(copy_to, "w", encoding="utf-8", newline="") as copy:
        writer = csv.writer(copy, delimiter=rules.delimiter, lineterminator="\n")
        for row in reader:
            writer.writerow(mender.row(row, reader.line_num))


def _parse(path: Path, rules: CsvRules, lines: Iterable[str], mender: Mender | None = None,
           fast: bool = True) -> tuple[tuple[str, ...], int, int | None]:
    """Header, record count, and whether some record falls in the period (None: dates the engine must judge).

    `fast`: once a record has told what it can (inside the period, nothing to mend), the other records' widths are
    counted in C; a file with a record of the wrong width, or any error past that point, is read again record by
    record, so the message is the one that names its first problem."""
    reader = csv.reader(lines, strict=True, delimiter=rules.delimiter)
    rows, dated, undated, last_line = 0, 0, 0, 0
    try:
        header = next(reader, None)
        columns = _header(path, mender.row(header, 1) if mender and header else header, rules.kind, rules.required)
        date_index = columns.index(rules.period[0]) if rules.period else None
        width = len(columns)
        last_line = reader.line_num
        for row in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if len(row) != width:
                if not row:
                    continue  # a blank line; the engine skips it too
                raise _field_count(path, len(row), width, first_line)
            rows += 1
            if mender is not None:
                mender.row(row, first_line)
            if date_index is not None and not dated and rules.period:  # one record inside is enough
                inside = _in_period(row[date_index], rules.period[1], rules.period[2])
                dated += inside is True
                undated += inside is None
            if fast and mender is None and (dated or date_index is None):
                break  # nothing left to look at in a record but its width: the rest is counted in C
        if fast:
            widths = _widths(reader)
            if widths is None or set(widths) - {width, 0}:
                return _parse(path, rules, TextStream(path, rules).lines(), mender, fast=False)
            rows += widths[width]
    except csv.Error as exc:
        raise InputError(f"cannot read the CSV: {exc}", where=f"{path}:{reader.line_num}") from None
    return columns, rows, (None if (undated and not dated) or date_index is None else dated)


def _field_count(path: Path, found: int, width: int, line: int) -> InputError:
    return InputError(
        f"{found} fields where the header has {width} "
        f"({'a comma inside an unquoted value, or an extra separator' if found > width else 'a missing field or a line cut short'}?)",
        where=f"{path}:{line}")


def _widths(reader: Iterator[list[str]]) -> collections.Counter[int] | None:
    """How many records have each number of fields; None when the rest of the file cannot be read."""
    try:
        return collections.Counter(map(len, reader))
    except (csv.Error, InputError):
        return None


def _read_text(csv_file: CsvFile) -> io.StringIO:
    """A checked (small) CSV file's text."""
    raw = csv_file.readable.read_bytes()
    if csv_file.readable.suffix == ".gz":
        raw = gzip.decompress(raw)
    return io.StringIO(raw.decode("utf-8-sig"), newline="")


def read_events(csv_file: CsvFile, source: Source | None = None) -> tuple[MarketEvent, ...]:
    """Market events; the source's `columns` map market, date and kind (a column, a constant, a date format)."""
    path = csv_file.source
    maps = source.column_maps() if source else {}
    missing = set(source.missing) if source else set()
    events = []
    if source is not None:
        _warn_garbled("inputs.market_events", source.repair, [csv_file])
    with _read_text(csv_file) as handle:
        reader = csv.DictReader(handle, delimiter=csv_file.delimiter)
        for row in reader:
            line = reader.line_num
            value = {name: _event_value(row, name, maps, missing) for name in REQUIRED_COLUMNS["market_events"]}
            kind = value["kind"]
            if kind not in EVENT_KINDS:
                raise InputError(f"kind '{kind}' is not one of {', '.join(EVENT_KINDS)}", where=f"{path}:{line}")
            day = _event_date(value["date"], maps["date"].format if "date" in maps else None, f"{path}:{line}")
            events.append(MarketEvent(market=value["market"], date=day, kind=kind))
    return tuple(sorted(events, key=lambda e: (e.date, e.market, e.kind)))


def _event_value(row: Mapping[str, str], name: str, maps: Mapping[str, Any], missing: set[str]) -> str:
    spec = maps.get(name)
    if spec is not None and spec.value is not None:
        return str(spec.value)
    text = (row.get(spec.column if spec is not None and spec.column else name) or "").strip()
    return "" if text in missing else text


def _event_date(text: str, layout: str | None, where: str) -> date:
    from datetime import datetime

    try:
        return datetime.strptime(text, layout).date() if layout else date.fromisoformat(text)
    except ValueError:
        raise InputError(f"date '{text}' is not {'in the format ' + layout if layout else 'YYYY-MM-DD'}", where=where) from None


def read_survey(csv_file: CsvFile, codebook: Codebook, source: Source | None = None) -> pd.DataFrame:
    """Survey responses as text; the codebook decides what is a code and what is missing."""
    path = csv_file.source
    needed = {column for q in codebook.questions.values() for column in q.columns.values()}
    missing = sorted(needed - set(_survey_names(csv_file.columns, source, f"{path}:1")))
    if missing:
        raise InputError(f"missing column(s) named in the codebook: {', '.join(missing)}", where=f"{path}:1")
    if source is not None:
        _warn_garbled("inputs.survey", source.repair, [csv_file])
    with _read_text(csv_file) as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False, na_filter=False, sep=csv_file.delimiter)
    return checked_survey(_as_codebook(frame, source, f"{path}:1"), codebook, str(path), header_rows=1)


def _survey_names(columns: Iterable[str], source: Source | None, where: str) -> list[str]:
    """The file's column names as the codebook names them: the source's `columns` map a codebook name to the file's."""
    if source is None or not source.columns:
        return list(columns)
    renames: dict[str, str] = {}
    for name, spec in source.column_maps().items():
        if spec.column is None:
            raise InputError(f"inputs.survey.columns.{name}: a survey column can only be renamed (codebook name: file's column)",
                             where=where)
        renames[spec.column] = name
    names = [renames.get(column, column) for column in columns]
    absent = sorted(set(renames) - set(columns))
    if absent:
        raise InputError(f"no column {', '.join(absent)} (named in inputs.survey.columns); the file's columns are: "
                         f"{', '.join(columns)}", where=where)
    return names


def _as_codebook(frame: pd.DataFrame, source: Source | None, where: str) -> pd.DataFrame:
    """Responses with the codebook's column names, and the source's `missing` placeholders as empty answers."""
    frame = frame.set_axis(_survey_names(list(frame.columns), source, where), axis=1)
    if source is not None and source.missing:
        frame = frame.mask(frame.apply(lambda column: column.str.strip()).isin(source.missing), "")
    return frame


def read_survey_workbook(path: Path, sheet: str | None, codebook: Codebook, max_bytes: int,
                         source: Source | None = None, max_cells: int = 5_000_000) -> pd.DataFrame:
    """Survey responses from one sheet of an Excel workbook, every cell as text; rows are named by sheet row."""
    if not path.is_file():
        raise InputError("file not found", where=str(path))
    _check_size(path, max_bytes)
    _check_unzipped_size(path, max_bytes)
    rows = _sheet_rows(path, sheet, max_cells)
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
    frame = _as_codebook(frame, source, f"{where}:1")
    needed = {column for q in codebook.questions.values() for column in q.columns.values()}
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise InputError(f"missing column(s) named in the codebook: {', '.join(missing)}", where=f"{where}:1")
    return checked_survey(frame, codebook, where, header_rows=1)


def _check_unzipped_size(path: Path, max_bytes: int) -> None:
    """A workbook is a zip of XML files: refuse one whose parts unzip to more than `max_bytes` together, or that
    compresses better than any real sheet does (a zip bomb), before anything is decompressed."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook ({exc})", where=str(path)) from None
    unzipped = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts) or 1
    if unzipped > max_bytes:
        raise InputError(f"the workbook unzips to {unzipped:,} bytes, more than limits.max_input_mb allows "
                         f"({max_bytes:,}); export the responses sheet as CSV, or raise the limit", where=str(path))
    if unzipped > 10 * MB and unzipped / packed > WORKBOOK_RATIO:
        raise InputError(f"the workbook unzips {unzipped / packed:,.0f} times larger than it is ({unzipped:,} bytes): "
                         "no real sheet compresses that well; it is refused as a zip bomb", where=str(path))


#: Real survey sheets compress 5 to 20 times; a zip bomb thousands of times.
WORKBOOK_RATIO = 200


def _sheet_rows(path: Path, sheet: str | None, max_cells: int) -> list[list[str]]:
    """Every row of the sheet as text, whatever its <dimension> record says; a formula without a cached value, an
    XML part with entity declarations, more cells than `max_cells` are input errors naming the file and cell."""
    from openpyxl import load_workbook

    where = f"{path} [{sheet}]"
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged, disguised or hostile file
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})", where=str(path)) from None
    try:
        if sheet is None or sheet not in book.sheetnames:
            what = "name the sheet that holds the responses with inputs.survey.sheet" if sheet is None else f"no sheet '{sheet}'"
            raise InputError(f"{what}; the workbook's sheets are: {', '.join(book.sheetnames)}", where=str(path))
        values, cells = book[sheet], formulas[sheet]
        values.reset_dimensions()  # a <dimension> record written too small would cut rows off
        cells.reset_dimensions()
        rows: list[list[str]] = []
        count = 0
        for value_row, cell_row in zip(values.iter_rows(), cells.iter_rows()):
            count += len(value_row)
            if count > max_cells:
                raise InputError(f"the sheet has more than {max_cells:,} cells; no survey has that many", where=where)
            for value, cell in zip(value_row, cell_row):
                if value.value is None and isinstance(cell.value, str) and cell.value.startswith("="):
                    raise InputError(f"cell {cell.coordinate} holds the formula {cell.value[:80]!r} without a saved "
                                     "value (the file was written by a program that does not calculate); open and save "
                                     "it in a spreadsheet program, or export the sheet as CSV", where=where)
            rows.append([_cell_text(value.value) for value in value_row])
        return rows
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"the sheet cannot be read ({type(exc).__name__}: {str(exc)[:200]})", where=where) from None
    finally:
        book.close()
        formulas.close()


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


def _rules(config: ReportConfig, kind: str, source: Source, *, files: int = 1) -> CsvRules:
    # Some feedback must fall in the period; only checked when the date column has its contract name, in one file.
    period = (("left_at", config.period.start, config.period.end)
              if kind == "feedback" and "left_at" not in source.columns and files == 1 else None)
    required = None
    if kind == "market_events":  # the events' columns under the names the file gives them
        maps = source.column_maps()
        required = tuple(maps[name].column or name if name in maps else name for name in REQUIRED_COLUMNS[kind]
                         if name not in maps or maps[name].column is not None)
    return CsvRules(kind=kind, encoding=source.encoding, delimiter=source.delimiter,
                    max_bytes=config.limits.max_input_mb * MB, period=period, repair=source.repair,
                    empty_ok=files > 1, required=required)


def _single(config: ReportConfig, base: Path, name: str) -> tuple[Source, Path]:
    (_, source), = config.inputs.sources(name)
    return source, (base / source.path).resolve()


def load_inputs(config: ReportConfig, base: Path, defer: Submit | None = None) -> Inputs:
    """Check every input file against the contract and read the small ones.

    With `defer`, the scrape CSV files that can be (deferrable) are only opened here, and their full checks run
    through `defer` while the caller goes on: the caller must then ask `confirmed()` before it trusts what it made
    of them, and load again without `defer` when they are not (which then says what is wrong)."""
    scratch = Path(tempfile.mkdtemp(prefix="report-inputs-"))
    checks: list[Checks] = []
    try:
        inputs = _checked_inputs(config, base, scratch, defer, checks)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        Deferred(tuple(checks)).cancel()
        raise
    if checks:
        inputs = replace(inputs, deferred=Deferred(tuple(checks)))
    weakref.finalize(inputs, shutil.rmtree, scratch, ignore_errors=True)  # the UTF-8 copies live as long as Inputs
    return inputs


def _scrape_sources(config: ReportConfig, base: Path, name: str, scratch: Path, defer: Submit | None = None,
                    checks: list[Checks] | None = None
                    ) -> tuple[list[ScrapeSource], dict[str, Path]]:
    """The sources of one scrape input: CSV files checked (and copied as clean UTF-8 when needed), Parquet as is;
    the files of a folder or glob stacked into one source. With `defer`, a source whose files are all deferrable is
    only opened, its checks submitted and added to `checks`."""
    sources, files = [], {}
    for key, source in config.inputs.sources(name):
        paths, form = _source_files(base, source, key)
        origin = (base / source.path).resolve() if len(paths) > 1 or paths[0] != (base / source.path).resolve() else paths[0]
        tagged = len(paths) > 1 or bool(source.from_filename)
        rows: int | None = None
        partial: dict[str, Path] = {}
        if form == "csv":
            rules = _rules(config, name, source, files=len(paths))
            if defer is not None and checks is not None and deferrable(rules):
                checked = [opened_csv(path, rules, scratch) for path in paths]
                checks.append(tuple((c.columns, defer(clean_scan, c.source, rules)) for c in checked))
            else:
                checked = [check_csv(path, rules, scratch) for path in paths]
                rows = sum(c.rows for c in checked)
                if rows == 0:
                    raise InputError(f"{key}: the files have a header but no rows", where=str(origin))
                _warn_garbled(key, source.repair, checked)
            partial = _partial_columns(checked)
            fileset = FileSet(tuple(c.readable for c in checked), "csv", source.delimiter, tagged)
        else:
            fileset = FileSet(paths, "parquet", tagged=tagged)
        column_rules = _column_rules(source, paths, key)
        sources.append(ScrapeSource(fileset, key, origin, source.decimal, column_rules, rows, tuple(source.missing), paths, partial))
        files.update(manifest_paths(key, source, base))
    return sources, files


def _source_files(base: Path, source: Source, key: str) -> tuple[tuple[Path, ...], Literal["csv", "parquet"]]:
    """The files of a source, each inside the project (a glob may match a link that leads out of it)."""
    paths, form = scrape_files(base, source.path, key)
    root = project_root(base)
    for path in paths:
        if not path.is_relative_to(root):
            raise InputError(f"{key} ({source.path}) matches {path}, outside the project folder {root}", where=str(path))
    return paths, form


def _partial_columns(checked: list[CsvFile]) -> dict[str, Path]:
    """Columns that some files of a source have and others lack, with the first file that lacks each."""
    every = {name for c in checked for name in c.columns}
    return {name: next(c.source for c in checked if name not in c.columns)
            for name in sorted(every) if any(name not in c.columns for c in checked)}


def _warn_garbled(key: str, repair: str, checked: list[CsvFile]) -> None:
    count = sum(c.garbled for c in checked)
    if not count:
        return
    first = next(c for c in checked if c.garbled)
    done = "repaired with ftfy" if repair == "ftfy" else "kept as written (repair: accept)"
    log.warning("%s: %d field(s) held text garbled before the file was saved (first: %s:%d); %s",
                key, count, first.source, first.garbled_line or 1, done)


def _column_rules(source: Source, paths: tuple[Path, ...] = (), key: str = "") -> dict[str, ColumnRule]:
    rules = {name: ColumnRule(column=spec.column, value=spec.value, parse=spec.parse, format=spec.format,
                              separator=spec.separator, flags=spec.flags, columns=tuple(spec.columns or ()),
                              join=spec.join, first_of=tuple(spec.first_of or ()), pattern=spec.pattern)
             for name, spec in source.column_maps().items()}
    for name, spec in source.from_filename.items():
        values = []
        for path in paths:
            found = re.search(spec.pattern, path.name)
            if found is None:
                raise InputError(f"the file name does not match {key}.from_filename.{name}.pattern '{spec.pattern}'",
                                 where=str(path))
            values.append(found.group(1))
        rules[name] = ColumnRule(file_values=tuple(values), format=spec.format)
    return rules


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
        survey = read_survey_workbook(survey_path, survey_source.sheet, codebook, config.limits.max_input_mb * MB, survey_source)
    else:
        if survey_source.sheet is not None:
            raise InputError("inputs.survey.sheet is set, but the survey is not an .xlsx workbook", where=str(survey_path))
        survey = read_survey(check_csv(survey_path, _rules(config, "survey", survey_source), scratch), codebook, survey_source)
    return survey, codebook, {"survey": survey_path, "codebook": codebook_path}


def _checked_inputs(config: ReportConfig, base: Path, scratch: Path, defer: Submit | None = None,
                    checks: list[Checks] | None = None) -> Inputs:
    scrapes: dict[str, tuple[ScrapeSource, ...]] = {}
    files: dict[str, Path] = {}
    for name in SCRAPES:
        if name == "feedback" and config.inputs.sales_source != "feedback":
            scrapes[name] = ()  # sales from the listings' counters, or none: feedback is not read
            continue
        sources, found = _scrape_sources(config, base, name, scratch, defer, checks)
        scrapes[name] = tuple(sources)
        files.update(found)
    events: tuple[MarketEvent, ...] = ()
    if config.inputs.market_events is not None:  # optional: without it, no migration findings
        events_source, events_path = _single(config, base, "market_events")
        events = read_events(check_csv(events_path, _rules(config, "market_events", events_source), scratch), events_source)
        files["market_events"] = events_path
    survey, codebook, survey_files = _survey_inputs(config, base, scratch)
    files.update(survey_files)
    return Inputs(scrapes=scrapes, events=events, survey=survey, codebook=codebook, files=files)
