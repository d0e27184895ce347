"""The config schema (frozen, documented, no unknown keys) and `load_config(path)` with file:line errors."""
from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .yamlsource import YamlDocument, read_yaml

Lang = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Localized = dict[Lang, str]
LenientDate = Annotated[date, Field(strict=False)]


class Schema(BaseModel):
    """Base of every config section: immutable, strict types, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True)


class Period(Schema):
    """The observation period; both ends are included."""

    start: LenientDate = Field(examples=["2018-11-01"])
    """First day of the observation period (YYYY-MM-DD)."""
    end: LenientDate = Field(examples=["2019-11-30"])
    """Last day of the observation period (YYYY-MM-DD), included."""

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("period.end is before period.start")
        return self


class Inputs(Schema):
    """Input files, as paths relative to the config file."""

    listings: str = Field(examples=["../sample_inputs/listings.csv.gz"])
    """Listings seen in each crawl (CSV, optionally gzip-compressed): market, crawled_at, listing_id, vendor, title, category, price, currency, ships_from, ships_to."""
    feedback: str = Field(examples=["../sample_inputs/feedback.csv.gz"])
    """Buyer feedback seen in each crawl (CSV): market, crawled_at, feedback_id, listing_id, vendor, left_at, price, currency."""
    exchange_rates: str = Field(examples=["../sample_inputs/exchange_rates.csv"])
    """Daily exchange rates (CSV): date, currency, eur_rate (value of one unit in EUR)."""
    market_events: str = Field(examples=["../sample_inputs/market_events.csv"])
    """Market events (CSV): market, date, kind (launch, closure, exit_scam, seizure)."""
    survey: str = Field(examples=["../sample_inputs/survey.csv"])
    """Survey responses (CSV), one row per respondent."""
    codebook: str = Field(examples=["../sample_inputs/codebook.yaml"])
    """Survey codebook (YAML): question types, wording and answer labels per language, missing codes."""


class Category(Schema):
    """One canonical drug category of the taxonomy."""

    label: Localized = Field(examples=[{"fr": "Cannabis", "nl": "Cannabis"}])
    """The category's name in each language of the report."""
    match: list[str] = Field(min_length=1, examples=[["Drugs/Cannabis/*", "Drugs » Cannabis » *"]])
    """Raw category strings of the scrapes that belong here; `*` matches any text; case is ignored."""
    drug: bool = True
    """False for non-drug categories (fraud, digital goods): their listings are left out of every figure."""


class Thresholds(Schema):
    """Value thresholds for transactions, in EUR."""

    retail_eur: float = Field(default=200.0, gt=0, strict=False)
    """Transactions strictly below this value count as small retail sales."""
    wholesale_eur: float = Field(default=1000.0, gt=0, strict=False)
    """Transactions at or above this value count as wholesale."""
    placeholder_min_eur: float = Field(default=1.0, ge=0, strict=False)
    """Listing prices below this EUR value are placeholders ("do not buy" listings) and are left out of sales."""
    placeholder_max_eur: float = Field(default=20000.0, gt=0, strict=False)
    """Listing prices above this EUR value are placeholders and are left out of sales."""


class Migration(Schema):
    """How vendor migration after a market closure or seizure is measured."""

    weeks_before: int = Field(default=8, ge=1, le=52)
    """A vendor counts as active on the closed market if seen in this many weeks before its last crawl."""
    weeks_after: int = Field(default=12, ge=1, le=52)
    """A vendor counts as migrated if seen on another market within this many weeks after the event."""


class Disclosure(Schema):
    """Statistical disclosure control for survey figures."""

    threshold: int = Field(default=10, ge=1)
    """Counts, percentages, means and medians whose cell or base is from 1 to threshold - 1 are not shown."""
    indicative_base: int = Field(default=30, ge=1)
    """Percentages on a base below this are marked as indicative."""
    dominance_share: float = Field(default=0.9, gt=0, le=1, strict=False)
    """A sales-value cell is dominated when its two largest vendors make this share of it or more."""
    dominance_action: Literal["footnote", "suppress"] = "footnote"
    """What to do with a dominated cell: print it with a footnote, or do not show it."""


class CrossTab(Schema):
    """A survey cross-tabulation: the answers to one question within each answer group of another."""

    rows: str = Field(examples=["spending_eur"])
    """Question id whose answers (or brackets) form the rows: a single, scale or numeric question."""
    columns: str = Field(examples=["purpose"])
    """Question id whose answer groups form the columns: a single, scale or multi question."""


class ReportConfig(Schema):
    """A report build: what to read, which period and country, which editions to write."""

    edition: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", examples=["cryptodrug-2019"])
    """Edition id: names the output folder and appears in the manifest (lower case, digits, `.`, `_`, `-`)."""
    title: Localized = Field(examples=[{"fr": "Les cryptomarchés et la Belgique", "nl": "Cryptomarkten en België"}])
    """The report title in each language."""
    subtitle: Localized = Field(default_factory=dict)
    """An optional subtitle in each language."""
    authors: dict[Lang, list[str]] = Field(examples=[{"fr": ["Équipe de recherche"], "nl": ["Onderzoeksteam"]}])
    """Authors (or team names) as printed on the cover, per language."""
    organisation: Localized = Field(default_factory=dict)
    """The publishing organisation per language, printed on the cover."""
    publication_date: LenientDate | None = Field(default=None, examples=["2019-12-15"])
    """Date printed on the report; defaults to the day after the period ends."""
    focus_country: str = Field(pattern=r"^[A-Z]{2}$", examples=["BE"])
    """ISO 3166 alpha-2 code of the country the report is about, as written in ships-from."""
    period: Period
    """The observation period."""
    languages: list[Lang] = Field(default=["fr", "nl"], min_length=1, examples=[["fr", "nl"]])
    """Editions to write, by language code; each needs templates/<lang>/ and a message catalog."""
    formats: list[Literal["html", "pdf"]] = Field(default=["html", "pdf"], min_length=1)
    """Output formats: `html` (interactive charts) and/or `pdf` (static vector charts)."""
    inputs: Inputs
    """The input files."""
    taxonomy: dict[str, Category] = Field(min_length=1)
    """Canonical drug categories, keyed by id, mapping the scrapes' raw category strings."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    """Transaction value thresholds."""
    migration: Migration = Field(default_factory=Migration)
    """Vendor migration measurement."""
    disclosure: Disclosure = Field(default_factory=Disclosure)
    """Disclosure control."""
    crosstabs: list[CrossTab] = Field(default_factory=list)
    """Survey cross-tabulations the report shows (column percentages, same disclosure control)."""

    @field_validator("languages")
    @classmethod
    def _distinct_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @model_validator(mode="after")
    def _every_language_has_text(self) -> ReportConfig:
        for lang in self.languages:
            if lang not in self.title:
                raise ValueError(f"title has no '{lang}' text, but '{lang}' is in languages")
            if lang not in self.authors:
                raise ValueError(f"authors has no '{lang}' entry, but '{lang}' is in languages")
            for key, category in self.taxonomy.items():
                if lang not in category.label:
                    raise ValueError(f"taxonomy.{key}.label has no '{lang}' text")
        return self

    @property
    def published(self) -> date:
        """The date printed on the report."""
        from datetime import timedelta

        return self.publication_date or (self.period.end + timedelta(days=1))


def _hint_unknown(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(sorted(allowed))})"


def _allowed_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """Field names of the schema section a key path points into."""
    current: Any = model
    for part in path:
        if isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            annotation = current.model_fields[part].annotation
            current = _inner_model(annotation)
        elif isinstance(current, type) and issubclass(current, BaseModel):
            return list(current.model_fields)
        else:
            current = current
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(args):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


_YAML_IMPLICIT = {
    bool: "YAML read it as true/false (yes, no, on, off are booleans): put it in quotes",
    float: "YAML read it as a number: put it in quotes",
    int: "YAML read it as a number: put it in quotes",
    date: "YAML read it as a date: put it in quotes",
}


def _describe(error: dict[str, Any], document: YamlDocument) -> str:
    loc = tuple(error["loc"])
    key = ".".join(str(part) for part in loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        parent = loc[:-1]
        message = f"unknown key '{loc[-1]}'" + _hint_unknown(str(loc[-1]), _allowed_keys(ReportConfig, parent))
    elif error["type"] == "missing":
        message = f"missing required key '{key}'"
    else:
        message = f"{key}: {error['msg']}"
        value = error.get("input")
        if error["type"] == "string_type" and type(value) in _YAML_IMPLICIT:
            message += f" (got {value!r}; {_YAML_IMPLICIT[type(value)]})"
    line = document.line_of(loc)
    return f"{document.where(loc)}: {message}" + (f"\n    {line.strip()}" if line else "")


def load_config(path: str | Path) -> tuple[ReportConfig, Path]:
    """Read and validate a config file; return it with the folder its relative paths start from."""
    source = Path(path)
    document = read_yaml(source)
    if not isinstance(document.data, dict):
        raise ConfigError("the config must be a mapping of keys to values", where=str(source))
    try:
        config = ReportConfig.model_validate(document.data)
    except ValidationError as exc:
        messages = [_describe(err, document) for err in exc.errors()]
        raise ConfigError("\n".join(messages[:10]) + (f"\n... and {len(messages) - 10} more" if len(messages) > 10 else "")) from None
    base = source.resolve().parent
    _check_input_paths(config, base, document)
    return config, base


_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _check_input_paths(config: ReportConfig, base: Path, document: YamlDocument) -> None:
    for name in Inputs.model_fields:
        value = getattr(config.inputs, name)
        where = document.where(("inputs", name))
        if _URL.match(value):
            raise ConfigError(f"inputs.{name} is a URL ({value}); inputs must be local files", where=where)


def resolve_input(config: ReportConfig, base: Path, name: str) -> Path:
    """The absolute path of one input file."""
    return (base / getattr(config.inputs, name)).resolve()
