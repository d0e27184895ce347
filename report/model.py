"""The frozen records passed between stages: figures, statistics, the rendered edition."""
from __future__ import annotations

import datetime
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace

from typing import Any, Iterable, Literal, Mapping

import pandas as pd

VALUE_BRACKETS = (0, 50, 100, 200, 500, 1000)  # EUR lower bounds of the transaction value distribution

def slug(name: str) -> str:
    """`Wall Street Market` -> `wall-street-market`, for figure ids.

    Accents are dropped (`Öre` -> `ore`); a name that holds anything but letters a-z, digits and single spaces
    also gets a short hash of the name, so two names that read alike (`Öre X`, `Ore X`, `Ore-X`) keep apart ids.
    """
    folded = name.casefold()
    plain = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    readable = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    if re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", folded):
        return readable
    return f"{readable}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}".lstrip("-")


Unit = Literal["count", "share", "eur", "change", "number", "years", "date", "key"]


def under_threshold(base: int | None, threshold: int) -> bool:
    """The disclosure rule: a base of 1 to threshold - 1 is small enough to point at individuals. No percentage of it
    is given, and a published base of that size is withheld. A base of 0 points at nobody."""
    return base is not None and 0 < base < threshold


def too_few(base: int | None, threshold: int | None) -> bool:
    """Whether no percentage may be drawn or built on: the base is under the threshold, or there is none (0, or not
    known). A sentence built around a percentage then gives way to one with counts; a chart of shares is left out."""
    return bool(threshold) and (not base or under_threshold(base, int(threshold or 0)))


@dataclass(frozen=True)
class Figure:
    """One number (or date, or category key) the report states, with its base and unit.

    `value` is None when the figure cannot be computed from the data; the report then says so.
    Shares are fractions (0.25), never percentages.
    """

    id: str
    value: float | int | str | None
    unit: Unit
    base: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False
    reason: str | None = None
    note: str | None = None  # e.g. "dominance": shown, with a footnote saying why it needs care
    bound: Literal["above", "below"] | None = None  # published only as "more than / less than bound_value"
    bound_value: float | None = None  # in the figure's unit (a fraction for shares)
    countable: bool = True  # a share of its base's members (value x base of them); False: a share of a sum (sales value)

    @property
    def available(self) -> bool:
        """A value the report can state: computed, shown, and a number when it is one (NaN is no value)."""
        return self.value is not None and not self.suppressed and not (isinstance(self.value, float) and math.isnan(self.value))

    @property
    def public(self) -> bool:
        """Whether the exact value may be published (not hidden, not given as a bound only)."""
        return self.available and self.bound is None

    def public_base(self, threshold: int) -> int | None:
        """The base, unless it is small enough (1 to threshold - 1) to point at individuals."""
        return None if under_threshold(self.base, threshold) else self.base

    def as_json(self, public: bool = False, threshold: int = 10) -> dict[str, Any]:
        """The full record (internal), or what may be published: a hidden figure keeps its id, unit, the flag and
        the reason in words; a bounded one its bound; neither a value, an interval nor a small base."""
        if public and (self.suppressed or self.bound is not None):
            record: dict[str, Any] = {"id": self.id, "unit": self.unit}
            if self.bound is not None:
                record.update(bound=self.bound, bound_value=self.bound_value)
            record["suppressed"] = self.suppressed
            if self.reason:
                record["reason"] = self.reason
            return record
        base = self.public_base(threshold) if public else self.base
        value = self.value
        if public and self.id.endswith(".base") and self.unit == "count" and isinstance(value, int) and under_threshold(value, threshold):
            value = None
        record = {"id": self.id, "value": value, "base": base, "unit": self.unit}
        if self.ci_low is not None and not (public and base is None and self.base is not None):
            record["ci95"] = [self.ci_low, self.ci_high]
        record["suppressed"] = self.suppressed
        if self.reason:
            record["reason"] = self.reason
        if self.note:
            record["note"] = self.note
        if self.bound is not None:
            record.update(bound=self.bound, bound_value=self.bound_value)
        return record


class ReadOnlyMap(Mapping[str, Any]):
    """A read-only mapping that, unlike MappingProxyType, can be sent to worker processes."""

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self):  # type: ignore[override]
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Figures(ReadOnlyMap):
    """An immutable, ordered collection of figures keyed by id; an id computed twice is a bug."""

    def __init__(self, figures: Iterable[Figure] = ()) -> None:
        items: dict[str, Figure] = {}
        for figure in figures:
            if figure.id in items:
                raise ValueError(f"figure {figure.id} computed twice")
            items[figure.id] = figure
        super().__init__(items)

    def __getitem__(self, key: str) -> Figure:
        figure: Figure = self._items[key]
        return figure

    def merged(self, other: Iterable[Figure]) -> Figures:
        return Figures([*self._items.values(), *other])

    def with_figure(self, figure: Figure) -> Figures:
        return Figures({**self._items, figure.id: figure}.values())


def frozen_tables(tables: Mapping[str, pd.DataFrame]) -> Mapping[str, pd.DataFrame]:
    """Tables are handed on read-only: a copy each, behind a read-only mapping."""
    return ReadOnlyMap({name: table.copy() for name, table in tables.items()})


@dataclass(frozen=True)
class MarketEvent:
    market: str
    date: datetime.date
    kind: str


@dataclass(frozen=True)
class MarketStats:
    """Scrape aggregates: figures and small tables, language-neutral."""

    figures: Figures
    tables: Mapping[str, pd.DataFrame]
    markets: tuple[str, ...]
    events: tuple[MarketEvent, ...]
    warnings: tuple[str, ...] = ()


QuestionType = Literal["single", "multi", "numeric", "scale", "text"]
# Which question types a cross-tabulation can put in its rows (answers or brackets) and in its columns (groups).
CROSSTAB_ROW_TYPES: tuple[QuestionType, ...] = ("single", "scale", "numeric")
CROSSTAB_COLUMN_TYPES: tuple[QuestionType, ...] = ("single", "scale", "multi")


@dataclass(frozen=True)
class Question:
    """One codebook question."""

    id: str
    type: QuestionType
    columns: Mapping[str, str]  # option key (or "value") -> survey column
    text: Mapping[str, str]
    labels: Mapping[str, Mapping[str, str]]  # code/option -> lang -> label
    missing: tuple[str, ...] = ()
    dont_know: tuple[str, ...] = ()
    top: tuple[str, ...] = ()
    unit: str | None = None
    brackets: tuple[Mapping[str, Any], ...] = ()
    ticked: tuple[str, ...] = ("1",)  # multi: the codes of a ticked option
    not_ticked: tuple[str, ...] = ("0",)  # multi: the codes of an option left unticked

    def is_missing(self, value: str) -> bool:
        """A blank cell or one of the question's missing codes."""
        return value == "" or value in self.missing

    def accepts(self, value: str) -> bool:
        """Whether a (stripped) cell can be an answer to this question: blank, a missing or don't-know code, an
        answer code (single, scale), a ticked or not-ticked code (multi); numeric and text answers are any text."""
        if self.is_missing(value) or value in self.dont_know:
            return True
        if self.type in ("single", "scale"):
            return value in self.labels
        if self.type == "multi":
            return value in self.ticked or value in self.not_ticked
        return True


@dataclass(frozen=True)
class SurveyFinding:
    """Questions the report presents together, in order, under one finding."""

    id: str
    questions: tuple[str, ...]
    title: Mapping[str, str] = field(default_factory=dict)  # lang -> heading; empty: the report chooses one
    charts: tuple[str, ...] | None = None  # question ids, or `a+b` for two side by side; None: one per question
    tables: tuple[str, ...] = ()  # questions also shown as a table


@dataclass(frozen=True)
class Codebook:
    """The questionnaire: its questions in order and how they are grouped into findings.

    Without findings given, each question is its own finding, in codebook order.
    """

    questions: Mapping[str, Question]
    findings: tuple[SurveyFinding, ...] = ()

    def __post_init__(self) -> None:
        if not self.findings:
            object.__setattr__(self, "findings", tuple(SurveyFinding(qid, (qid,)) for qid in self.questions))


@dataclass(frozen=True)
class SurveyStats:
    """Survey figures and one table per question, language-neutral (labels stay in the codebook)."""

    figures: Figures
    tables: Mapping[str, pd.DataFrame]
    codebook: Codebook
    respondents: int
    suppression_log: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Statistics:
    """Everything computed once for all languages."""

    figures: Figures
    market: MarketStats
    survey: SurveyStats

    def replace(self, **changes: Any) -> Statistics:
        return replace(self, **changes)


@dataclass(frozen=True)
class ChartTable:
    """A chart's data as a table, in the chart's language: what a reader who cannot see the chart reads instead.

    `columns` are the header cells; each row's first cell names the row (a month, an answer, a market) and the others
    are already formatted in the edition's conventions (a hidden value is the chart's own mark, e.g. "masqué").
    `numeric` says which columns hold numbers (right-aligned)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Chart:
    """One chart in one language: the Vega-Lite spec for HTML and an SVG for PDF."""

    id: str
    number: int
    title: str
    alt: str
    source: str
    spec: Mapping[str, Any]
    svg: str | None = None
    note: str = ""  # a caption line: what the marks mean (intervals, hidden answers, bounds, "don't know")
    table: ChartTable | None = None  # the chart's data, shown under the chart in HTML and in the PDF's appendix


@dataclass(frozen=True)
class Edition:
    """One rendered language edition."""

    lang: str
    html: str | None = None
    pdf: bytes | None = None
    figure_values: Mapping[str, str] = field(default_factory=dict)
