"""Locales, message catalogs and the number/date formatting used by templates and charts.

The locale is always an argument; the process locale is never touched.
"""
from __future__ import annotations

import datetime
import io
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol
from babel.support import Translations

from .errors import ConfigError
from .model import VALUE_BRACKETS

#: Each edition's language is printed with its Belgian conventions.
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "de": "de_BE", "en": "en_BE"}

#: Every amount in the report is in euros (prices are converted with the exchange-rate table).
CURRENCY = "EUR"


def locale_for(lang: str) -> Locale:
    """The Babel locale of an edition language (`fr` -> `fr_BE`)."""
    try:
        return Locale.parse(LOCALES.get(lang, lang))
    except (ValueError, LookupError):
        raise ConfigError(f"no locale data for language '{lang}'") from None


@lru_cache(maxsize=None)
def translations(locales_dir: Path, lang: str) -> Translations:
    """The catalog `<locales_dir>/<lang>/LC_MESSAGES/messages.po`, compiled in memory.

    An installed wheel carries the shipped catalogs compiled too (`messages.mo` beside each `.po`, made when the wheel
    was built from that `.po`); those are loaded as they are. A `.mo` anywhere else (a checkout, a project's own
    folder) is not trusted: it may be older than the `.po` it was compiled from, which stays the source.
    """
    from .resources import PACKAGE

    po_path = locales_dir / lang / "LC_MESSAGES" / "messages.po"
    mo_path = po_path.with_suffix(".mo")
    if mo_path.is_file() and mo_path.resolve().is_relative_to(PACKAGE / "templates"):
        with mo_path.open("rb") as handle:
            return Translations(handle)
    if not po_path.is_file():
        raise ConfigError(f"no message catalog for language '{lang}'", where=str(po_path))
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES.get(lang, lang))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


class Formatter:
    """Numbers, percentages, money and dates in one edition's conventions."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = locale_for(lang)

    # Every string below is bound: no line may break inside a number, nor between a number and its sign or unit
    # (`5 000 €`, `12 %`, `26 mars 2019`): CLDR's spaces become no-break spaces (French thousands keep U+202F).

    def number(self, value: float | int | str, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return bind(format_decimal(value, format=pattern, locale=self.locale))

    def percent(self, share: float, digits: int = 0) -> str:
        base = self.locale.percent_formats[None].pattern
        pattern = base.replace("#,##0", "#,##0" + ("." + "0" * digits if digits else ""), 1)
        return bind(format_percent(share, format=pattern, locale=self.locale))

    def euro(self, value: float, digits: int = 0) -> str:
        """An amount with the sign where CLDR puts it: `1 234 €` (fr_BE), `€ 1.234` (nl_BE), `1.234 €` (de_BE)."""
        return bind(format_currency(value, CURRENCY, format=self._currency_pattern(digits), locale=self.locale,
                                    currency_digits=False))

    def euro_range(self, low: float, high: float) -> str:
        """A bracket with one sign, placed as in `euro`: `50–100 €` (fr_BE), `€ 50–100` (nl_BE)."""
        prefix, suffix = self.currency_affixes()
        return bind(f"{prefix}{self.number(low)}\u2013{self.number(high)}{suffix}")

    def currency_affixes(self) -> tuple[str, str]:
        """What the locale writes before and after a positive euro amount (CLDR's standard currency pattern)."""
        pattern = self.locale.currency_formats["standard"]
        symbol = get_currency_symbol(CURRENCY, locale=self.locale)
        return pattern.prefix[0].replace("\u00a4", symbol), pattern.suffix[0].replace("\u00a4", symbol)

    def _currency_pattern(self, digits: int) -> str:
        """The locale's standard currency pattern with `digits` decimals instead of the currency's two."""
        fraction = "." + "0" * digits if digits else ""
        return re.sub(r"\.0+", fraction, self.locale.currency_formats["standard"].pattern)

    def date(self, value: datetime.date | str) -> str:
        return bind(format_date(_as_date(value), format="long", locale=self.locale))

    def month(self, value: datetime.date | str) -> str:
        return bind(format_date(_as_date(value), format="MMMM y", locale=self.locale))

    def month_short(self, value: datetime.date | str) -> str:
        return format_date(_as_date(value), format="MMM y", locale=self.locale)

    def country(self, code: str) -> str:
        return self.locale.territories.get(code, code)

    def d3_format_locale(self) -> dict[str, object]:
        """The same separators for Vega charts, so chart numbers match the text."""
        symbols = self.locale.number_symbols.get("latn", self.locale.number_symbols)
        percent = "\u202f%" if " " in self.percent(0.5).replace("\u202f", " ").replace("\u00a0", " ") else "%"
        return {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": list(self.currency_affixes()),
            "percent": percent,
        }

    def d3_time_locale(self) -> dict[str, object]:
        months = [format_date(date(2001, m, 1), "MMMM", locale=self.locale) for m in range(1, 13)]
        short = [format_date(date(2001, m, 1), "MMM", locale=self.locale).rstrip(".") for m in range(1, 13)]
        days = [format_date(date(2001, 1, d), "EEEE", locale=self.locale) for d in (7, 1, 2, 3, 4, 5, 6)]
        short_days = [format_date(date(2001, 1, d), "EEE", locale=self.locale) for d in (7, 1, 2, 3, 4, 5, 6)]
        return {"dateTime": "%A %e %B %Y", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
                "days": days, "shortDays": short_days, "months": months, "shortMonths": short}


def bind(text: str) -> str:
    """`text` with its breakable spaces made no-break (U+00A0); narrow no-break spaces (U+202F) stay as they are."""
    return text.replace(" ", "\u00a0")


# ---------------------------------------------------------------------------------------------------------------
# Typesetting the rendered page: what no template should have to remember.

_RAW = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>)", re.S | re.I)
_SPACE = "[ \u00a0\u202f]"
_UNIT_AFTER = re.compile(r"(?<=\d) (?=%|€|‰)")  # `12 %`, `5 000 €`
_UNIT_BEFORE = re.compile(r"(?<=€) (?=\d)")  # `€ 5.000`
_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")  # `5 000` typed in data (codebook labels) with a plain space
_EQUALS = re.compile(r"\b([nN]) = ")  # `n = 88`, `n = répondants ayant répondu`
_SLASH = re.compile(r"(?<=\d) / (?=\d)")  # `88 / 99`
@dataclass(frozen=True)
class Typography:
    """Spaces a language prints around punctuation, from its word helpers (`prose/<lang>/_words.html.j2`, macro
    `typography`, e.g. French `narrow-before ;!? | nbsp-before : | nbsp-inside «»`); none by default."""

    narrow_before: str = ""  # a narrow no-break space (U+202F) before these marks
    nbsp_before: str = ""  # a no-break space (U+00A0) before these
    nbsp_inside: str = ""  # an opening and a closing mark with a no-break space inside (`« texte »`)
    first_day: str = ""  # the ordinal ending of day 1 in a date (`1er mars`), written after the 1
    months: tuple[str, ...] = ()  # the language's month names, where `first_day` looks for dates

    @classmethod
    def parse(cls, text: str) -> Typography:
        fields = {"narrow-before": "narrow_before", "nbsp-before": "nbsp_before", "nbsp-inside": "nbsp_inside",
                  "first-day": "first_day"}
        found: dict[str, Any] = {}
        for part in text.split("|"):
            name, _, marks = part.strip().partition(" ")
            if name in fields:
                found[fields[name]] = "".join(marks.split())
            elif name:
                raise ConfigError(f"typography: unknown rule '{name}' (known: {', '.join(fields)})")
        return cls(**found)


def typography_of(env: Any, lang: str) -> Typography:
    """The spacing rules of a language: the `typography` macro of its `prose/<lang>/_words.html.j2`, if it has one."""
    import jinja2

    try:
        macro = getattr(env.get_template(f"prose/{lang}/_words.html.j2").module, "typography", None)
    except jinja2.TemplateNotFound:
        return Typography()
    if macro is None:
        return Typography()
    months = tuple(str(name) for name in locale_for(lang).months["format"]["wide"].values())
    return replace(Typography.parse(str(macro())), months=months)


def typeset(page: str, typography: Typography = Typography()) -> str:
    """The page's text nodes (not tags, attributes, scripts or styles) set for print: no line break between a number
    and its unit or in `n = 88 / 99`, and the language's spaces around punctuation (French: `manquantes : 17`,
    `n = 88 / 99 ;`, `« texte »`), even where a template or a catalog string forgot them."""
    import html as html_module

    parts = _RAW.split(page)
    before = ""  # the last character of the text before this node: a colon right after a tag needs to know
    kept = _Kept()
    for index in range(0, len(parts), 2):
        if index:
            kept.tag(parts[index - 1])
        text = parts[index]
        if not text or kept.inside:
            continue
        plain = original = html_module.unescape(text)
        plain = _UNIT_AFTER.sub("\u00a0", plain)
        plain = _UNIT_BEFORE.sub("\u00a0", plain)
        plain = _THOUSANDS.sub("\u202f", plain)
        plain = _EQUALS.sub("\\1\u00a0=\u00a0", plain)
        plain = _SLASH.sub("\u00a0/\u00a0", plain)
        plain = _punctuation(plain, before, typography)
        if typography.first_day and typography.months:
            plain = re.sub(r"\b1(?=[ \u00a0](" + "|".join(map(re.escape, typography.months)) + r")\b)",
                           "1" + typography.first_day, plain)
        if plain.strip():
            before = plain[-1]
        if plain != original:  # text it does not change keeps its escaping as the templates wrote it
            parts[index] = html_module.escape(plain, quote=False)
    return "".join(parts)


_OPENING = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>")
_CLOSING = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
# Text left as it is: an element in another language (`lang` attribute), marked `no-typeset`, or the reference list
# (citation styles set their own punctuation, and titles keep their language's).
_KEEP = re.compile(r"""class="[^"]*\b(no-typeset|references)\b""")
_LANG = re.compile(r'\slang="([^"]*)"')


class _Kept:
    """Follows the open elements through the page, to know when text is inside one to leave untouched."""

    def __init__(self) -> None:
        self.open: list[str] = []
        self.kept_at: int | None = None  # depth of the outermost element whose text is kept
        self.page_lang: str | None = None  # the first `lang` seen (the <html> element's): the page's language

    @property
    def inside(self) -> bool:
        return self.kept_at is not None

    def tag(self, tag: str) -> None:
        closing = _CLOSING.match(tag)
        if closing:
            name = closing.group(1).lower()
            if name in self.open:
                while self.open and self.open.pop() != name:
                    pass
            if self.kept_at is not None and len(self.open) < self.kept_at:
                self.kept_at = None
            return
        opening = _OPENING.match(tag)
        if opening is None or tag.endswith("/>") or opening.group(1).lower() in _VOID:
            return
        self.open.append(opening.group(1).lower())
        attributes = opening.group(2)
        lang = _LANG.search(attributes)
        if lang and self.page_lang is None:
            self.page_lang = lang.group(1)
        elif self.kept_at is None and (_KEEP.search(attributes) or (lang and lang.group(1) != self.page_lang)):
            self.kept_at = len(self.open)


def _punctuation(text: str, before: str, typography: Typography) -> str:
    """A mark that ends a word (followed by a space, a closing bracket or the node's end) gets its space before."""
    for marks, space in ((typography.narrow_before, "\u202f"), (typography.nbsp_before, "\u00a0")):
        if not marks:
            continue
        pattern = re.compile(r"(?:(?<=\S)|^)" + _SPACE + r"?([" + re.escape(marks) + r"])(?=\s|$|[,.)\]»\u00a0\u202f])")

        def spaced(match: re.Match[str], space: str = space) -> str:
            at_start = match.start() == 0 and match.group(0) == match.group(1)
            return match.group(1) if at_start and (not before or before.isspace()) else space + match.group(1)

        text = pattern.sub(spaced, text)
    if len(typography.nbsp_inside) == 2:
        opening, closing = (re.escape(mark) for mark in typography.nbsp_inside)
        text = re.sub(opening + _SPACE + "?", typography.nbsp_inside[0] + "\u00a0", text)
        text = re.sub(_SPACE + "?" + closing, "\u00a0" + typography.nbsp_inside[1], text)
    return text


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def value_bracket_labels(fmt: Formatter, gettext: Callable[[str], str]) -> list[str]:
    """`0–50 €`, `50–100 €`, ..., `1 000 € or more` in the edition's number format."""
    labels = []
    for index, lower in enumerate(VALUE_BRACKETS):
        if index + 1 < len(VALUE_BRACKETS):
            labels.append(fmt.euro_range(lower, VALUE_BRACKETS[index + 1]))
        else:
            labels.append(gettext("%(amount)s or more") % {"amount": fmt.euro(lower)})
    return labels


N_ = lambda message: message  # noqa: E731 - marks strings for extraction
REGIONS = {"EU": N_("European Union"), "WW": N_("worldwide"), "?": N_("undeclared")}


def origin_name(code: str, fmt: Formatter, gettext: Callable[[str], str]) -> str:
    """A declared ships-from in words: a country name, or a region (EU, worldwide, undeclared)."""
    return gettext(REGIONS[code]) if code in REGIONS else fmt.country(code)


@lru_cache(maxsize=None)
def from_country(templates: Path | tuple[Path, ...], lang: str, name: str) -> str:
    """The country where the catalog's English says "from <country>" (`%(from_country)s`), in the form the language's
    messages need there: the `from_country` macro of the language's `prose/<lang>/_words.html.j2`, so the grammar
    (French "des États-Unis", Dutch "uit de Verenigde Staten") stays with the language's other word helpers.
    `templates` is the templates folder, or folders searched in order (the tool's, then a project's own)."""
    import jinja2

    roots = (templates,) if isinstance(templates, Path) else templates
    where = roots[0] / "prose" / lang / "_words.html.j2"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(root) for root in roots]), undefined=jinja2.StrictUndefined)
    try:
        macro = getattr(env.get_template(f"prose/{lang}/_words.html.j2").module, "from_country", None)
    except jinja2.TemplateNotFound:
        raise ConfigError(f"no word helpers for language '{lang}'", where=str(where)) from None
    if macro is None:
        raise ConfigError(f"the word helpers of language '{lang}' define no from_country(name) macro", where=str(where))
    return str(macro(name)).strip()


def bracket_label(question: Any, key: str, lang: str) -> str:
    """The label of a bracket, or of brackets merged for disclosure control (`2+3` -> "A or B")."""
    from babel.lists import format_list

    labels = [question.brackets[int(part)]["label"][lang] for part in key.split("+")]
    return labels[0] if len(labels) == 1 else format_list(labels, style="or", locale=Formatter(lang).locale)
