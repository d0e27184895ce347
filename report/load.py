"""Reading and checking the input files against the contract; no statistics here."""
from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .config import ReportConfig, resolve_input
from .errors import ConfigError, InputError
from .model import Codebook, MarketEvent, Question
from .yamlsource import read_yaml

REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "listings": ("market", "crawled_at", "listing_id", "vendor", "title", "category", "price", "currency", "ships_from", "ships_to"),
    "feedback": ("market", "listing_id", "vendor", "left_at"),
    "exchange_rates": ("date", "currency", "eur_rate"),
    "market_events": ("market", "date", "kind"),
}
EVENT_KINDS = ("launch", "closure", "exit_scam", "seizure")
QUESTION_TYPES = ("single", "multi", "numeric", "scale", "text")


@dataclass(frozen=True)
class Inputs:
    """Checked inputs: scrape files stay on disk for the engine; survey and events are read here."""

    listings: Path
    feedback: Path
    exchange_rates: Path
    feedback_columns: tuple[str, ...]
    events: tuple[MarketEvent, ...]
    survey: pd.DataFrame
    codebook: Codebook
    files: Mapping[str, Path]


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    try:
        return io.StringIO(raw.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            "not valid UTF-8 (save the file as UTF-8)", where=f"{path}:{line}"
        ) from None


def read_header(path: Path) -> tuple[str, ...]:
    """The header row of a CSV file (plain or gzip)."""
    if not path.is_file():
        raise InputError("file not found", where=str(path))
    with _open_text(path) as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InputError("the file is empty (no header row)", where=str(path))
    columns = tuple(name.strip() for name in header)
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise InputError(f"duplicate column name(s): {', '.join(duplicates)}", where=f"{path}:1")
    return columns


def _require_columns(path: Path, kind: str) -> tuple[str, ...]:
    columns = read_header(path)
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (the {kind} file needs: {', '.join(REQUIRED_COLUMNS[kind])})",
            where=f"{path}:1",
        )
    return columns


def read_events(path: Path) -> tuple[MarketEvent, ...]:
    _require_columns(path, "market_events")
    events = []
    with _open_text(path) as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            kind = row["kind"].strip()
            if kind not in EVENT_KINDS:
                raise InputError(f"kind '{kind}' is not one of {', '.join(EVENT_KINDS)}", where=f"{path}:{line}")
            try:
                day = date.fromisoformat(row["date"].strip())
            except ValueError:
                raise InputError(f"date '{row['date']}' is not YYYY-MM-DD", where=f"{path}:{line}") from None
            events.append(MarketEvent(market=row["market"].strip(), date=day, kind=kind))
    return tuple(sorted(events, key=lambda e: (e.date, e.market, e.kind)))


def read_survey(path: Path, codebook: Codebook) -> pd.DataFrame:
    """Survey responses as text; the codebook decides what is a code and what is missing."""
    if not path.is_file():
        raise InputError("file not found", where=str(path))
    columns = read_header(path)
    needed = {column for q in codebook.questions.values() for column in q.columns.values()}
    missing = sorted(needed - set(columns))
    if missing:
        raise InputError(f"missing column(s) named in the codebook: {', '.join(missing)}", where=f"{path}:1")
    with _open_text(path) as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False, na_filter=False)
    if frame.empty:
        raise InputError("the survey has a header but no respondents", where=str(path))
    if "respondent_id" in frame.columns:
        repeated = frame["respondent_id"].duplicated(keep="first")
        if repeated.any():
            line = int(repeated.to_numpy().nonzero()[0][0]) + 2
            raise InputError(f"respondent_id '{frame['respondent_id'][line - 2]}' appears twice", where=f"{path}:{line}")
    return frame.apply(lambda column: column.str.strip())


def _localized(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError("expected a mapping of language code to text", where=where)
    return {str(k): v for k, v in value.items()}


def read_codebook(path: Path, languages: list[str]) -> Codebook:
    document = read_yaml(path)
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
        raise ConfigError("a codebook needs a 'questions' mapping", where=str(path))
    questions = {}
    for qid, spec in data["questions"].items():
        where = document.where(("questions", qid))
        questions[qid] = _question(str(qid), spec, where, languages, document)
    return Codebook(questions=questions)


def _question(qid: str, spec: Any, where: str, languages: list[str], document: Any) -> Question:
    if not isinstance(spec, dict):
        raise ConfigError(f"question '{qid}' must be a mapping", where=where)
    qtype = spec.get("type")
    if qtype not in QUESTION_TYPES:
        raise ConfigError(f"question '{qid}': type must be one of {', '.join(QUESTION_TYPES)}", where=where)
    if qtype == "multi":
        columns = spec.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise ConfigError(f"multi question '{qid}' needs 'columns' (option: column)", where=where)
        columns = {str(k): str(v) for k, v in columns.items()}
    else:
        if "column" not in spec:
            raise ConfigError(f"question '{qid}' needs 'column'", where=where)
        columns = {"value": str(spec["column"])}
    text = _localized(spec.get("text", {}), document.where(("questions", qid, "text")))
    labels = {
        str(code): _localized(label, document.where(("questions", qid, "labels", code)))
        for code, label in (spec.get("labels") or {}).items()
    }
    for lang in languages:
        if lang not in text:
            raise ConfigError(f"question '{qid}' has no '{lang}' wording", where=where)
        for code, label in labels.items():
            if lang not in label:
                raise ConfigError(f"question '{qid}', answer {code}: no '{lang}' label", where=where)
    brackets = tuple(spec.get("brackets") or ())
    return Question(
        id=qid,
        type=qtype,
        columns=columns,
        text=text,
        labels=labels,
        missing=tuple(str(code) for code in spec.get("missing") or ()),
        dont_know=tuple(str(code) for code in spec.get("dont_know") or ()),
        top=tuple(str(code) for code in spec.get("top") or ()),
        unit=spec.get("unit"),
        brackets=brackets,
    )


def load_inputs(config: ReportConfig, base: Path) -> Inputs:
    """Check every input file against the contract and read the small ones."""
    files = {name: resolve_input(config, base, name) for name in type(config.inputs).model_fields}
    _require_columns(files["listings"], "listings")
    feedback_columns = _require_columns(files["feedback"], "feedback")
    _require_columns(files["exchange_rates"], "exchange_rates")
    codebook = read_codebook(files["codebook"], config.languages)
    return Inputs(
        listings=files["listings"],
        feedback=files["feedback"],
        exchange_rates=files["exchange_rates"],
        feedback_columns=feedback_columns,
        events=read_events(files["market_events"]),
        survey=read_survey(files["survey"], codebook),
        codebook=codebook,
        files=files,
    )
