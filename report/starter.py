"""`report new`: a project folder a team can build at once, and the check that its example inputs were replaced.

`new_project(folder, languages, focus_country)` writes a commented config, `inputs/` (the input contract in a
README and tiny example files, generated here from a seeded `random.Random`, so the same arguments always give
the same bytes), a starter codebook with one question of each type, and empty override folders under `custom/`.
The static text (config and codebook templates, READMEs, the per-language placeholders) is in the shipped
templates folder, under `starter/`.

`example_inputs_left(config_path, input_files)` names the inputs that are still byte for byte the examples
`report new` wrote (their sha256 are recorded in `inputs/.examples.json`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jinja2
import yaml
from babel import Locale

from .errors import ConfigError, OutputError
from .resources import TEMPLATES

STARTER = TEMPLATES / "starter"
EXAMPLES_RECORD = ".examples.json"
DEFAULT_LANGUAGES = ("fr", "nl")
DEFAULT_FOCUS = "BE"
FALLBACK_LANGUAGE = "en"  # texts.yaml entry used for a shipped language it has no text for
SEED = 20240101

# Codes Babel names that are not ISO 3166-1 countries (groupings, pseudo-locales, exceptional reservations).
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})
# Frequent declared origins on cryptomarkets, in order: the example's partner country is the first that is not the
# focus country, the other origins come from the rest.
FREQUENT_ORIGINS = ("NL", "DE", "GB", "FR", "ES", "US", "IT", "PL", "CZ", "AT")

# What an input still identical to its example must be replaced with, by input name.
REPLACE_WITH = {
    "listings": "your scrape's listings",
    "feedback": "your scrape's buyer feedback",
    "exchange_rates": "exchange rates covering your period",
    "market_events": "the timeline of the markets you crawled",
    "survey": "your survey's responses",
    "codebook": "the codebook of your questionnaire",
}


# ---------------------------------------------------------------- arguments

def shipped_languages() -> list[str]:
    """The languages this installation has prose for: the folders of templates/prose/."""
    return sorted(path.name for path in (TEMPLATES / "prose").iterdir() if path.is_dir())


def checked_languages(languages: Sequence[str]) -> tuple[str, ...]:
    shipped = shipped_languages()
    wanted = tuple(lang.strip().lower() for lang in languages if lang.strip())
    if not wanted:
        raise ConfigError(f"--lang: give at least one language ({', '.join(shipped)})")
    unknown = [lang for lang in wanted if lang not in shipped]
    if unknown:
        raise ConfigError(f"--lang: no prose for {', '.join(repr(lang) for lang in unknown)} in this version of the tool "
                          f"(it ships {', '.join(shipped)})")
    if len(set(wanted)) != len(wanted):
        raise ConfigError("--lang: a language is listed twice")
    return wanted


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, as far as CLDR names them (the report prints each country by its CLDR name)."""
    names: Mapping[str, str] = Locale.parse("en").territories
    return frozenset(str(code) for code in names if len(str(code)) == 2 and str(code).isalpha() and code not in NOT_COUNTRIES)


def checked_country(code: str) -> str:
    country = code.strip().upper()
    if country not in country_codes():
        raise ConfigError(f"--focus-country: '{code}' is not an ISO 3166 alpha-2 country code (e.g. BE, FR, NL, DE)")
    return country


# ---------------------------------------------------------------- the example data

PERIOD = (date(2024, 1, 1), date(2024, 4, 30))
FIRST_CRAWL = date(2024, 1, 3)
CRAWL_DAYS = 28


@dataclass(frozen=True)
class Market:
    name: str
    prefix: str  # of listing and feedback ids
    separator: str  # of its raw category paths
    currencies: tuple[str, ...]
    closes: date | None = None  # closure (the example's shutdown event); its crawls stop before it
    launched: date | None = None


MARKETS = (
    Market("Alpha Market", "AM", "/", ("BTC", "USD"), closes=date(2024, 3, 20)),
    Market("Beta Bazaar", "BB", " » ", ("EUR", "USD"), launched=date(2023, 9, 1)),
)


@dataclass(frozen=True)
class Category:
    id: str
    paths: tuple[str, str]  # the raw category path on each market (its parts, joined by the market's separator)
    match: tuple[str, ...]  # the taxonomy's patterns for them
    products: tuple[str, ...]
    unit: str
    sizes: tuple[tuple[float, float], ...]  # (quantity, EUR per unit), smallest first
    drug: bool = True


CATEGORIES = (
    Category("cannabis", ("Drugs/Cannabis/Weed", "Drugs/Cannabis/Buds"), ("drugs/cannabis/*", "drugs » cannabis » *"),
             ("Amnesia Haze", "Lemon Kush", "Moroccan Hash", "Super Skunk"), "g",
             ((5, 9.0), (10, 8.5), (25, 7.5), (100, 6.0), (500, 4.2))),
    Category("cocaine", ("Drugs/Stimulants/Cocaine", "Drugs/Stimulants/Cocaine"), ("*cocaine",),
             ("Cocaine 90%", "Peruvian flake", "Cocaine HQ"), "g", ((1, 70.0), (2, 66.0), (5, 60.0), (25, 46.0))),
    Category("ecstasy", ("Drugs/Ecstasy/MDMA", "Drugs/Ecstasy/Pills"), ("*ecstasy*",),
             ("MDMA crystal", "XTC pills 200mg", "Blue Punisher"), "x", ((10, 4.0), (25, 3.5), (100, 2.6), (1000, 1.3))),
    Category("amphetamine", ("Drugs/Stimulants/Speed", "Drugs/Stimulants/Amphetamine"), ("*speed", "*amphetamine"),
             ("Speed paste", "Amphetamine sulphate"), "g", ((5, 12.0), (10, 10.0), (50, 7.5), (250, 5.0))),
    Category("psychedelics", ("Drugs/Psychedelics/LSD", "Drugs/Psychedelics/Mushrooms"), ("*psychedelics*",),
             ("LSD 150ug", "Golden Teacher", "LSD blotter"), "x", ((5, 8.0), (10, 7.0), (50, 5.0))),
    Category("non_drug", ("Digital/Guides", "Digital/Fraud"), ("digital*",),
             ("Stealth shipping guide", "Bank drop tutorial"), "x", ((1, 25.0),), drug=False),
)

FIRST_WORDS = ("Green", "Frosty", "Silver", "Lucky", "Royal", "Night", "Happy", "Golden", "Blue", "Swift", "Quiet",
               "Polar", "Red", "Cosmic", "Honest", "Noble", "Sunny", "Stealth", "Prime", "Wild")
SECOND_WORDS = ("Leaf", "Fox", "Lab", "Store", "Crew", "Express", "Garden", "Harbour", "Owl", "Pharmacy", "Market",
                "Supply", "Bros", "Post", "Corner", "Delivery", "Factory", "Farm", "Club", "Depot")
REMARKS = ("Delivery took longer than announced.", "Good quality, fair price.", "I worry about scams.",
           "Prefer buying from friends.", "Stealth packaging was excellent.", "Prices went up this year.")


@dataclass(frozen=True)
class Vendor:
    name: str
    origins: tuple[str, ...]  # declared ships-from, one listing (at least) per origin
    windows: Mapping[str, tuple[int, int]]  # market -> (first, last) index of its crawls the vendor is active in
    ships_to: tuple[tuple[str, ...], ...]  # the ships-to lists it picks from
    sells: tuple[str, ...] = ()  # category ids (empty: drawn)
    renamed: str | None = None  # the name on the second market, when it changed case or spacing
    steady: bool = False  # listed in every crawl of its markets (keeps every category crawled every month)


@dataclass(frozen=True)
class Example:
    """The example inputs as rows, before they are written."""

    listings: list[dict[str, Any]]
    feedback: list[dict[str, Any]]
    rates: list[dict[str, Any]]
    events: list[dict[str, Any]]
    survey: list[dict[str, Any]]
    partner: str


def crawl_days(market: Market) -> list[date]:
    days, day = [], FIRST_CRAWL
    while day <= PERIOD[1]:
        if market.closes is None or day < market.closes:
            days.append(day)
        day += timedelta(days=CRAWL_DAYS)
    return days


def partner_country(focus: str) -> str:
    return next(code for code in FREQUENT_ORIGINS if code != focus)


def _names(rng: random.Random, count: int) -> list[str]:
    pairs = [(a, b) for a in FIRST_WORDS for b in SECOND_WORDS]
    return [a + b for a, b in rng.sample(pairs, count)]


def _vendors(rng: random.Random, focus: str, partner: str) -> list[Vendor]:
    """Vendors of every origin the report looks at: the focus country (growing over the period, some also declaring
    the partner country, some moving to the other market after the closure), the partner, other countries, regions.
    Steady vendors cover every drug category in every crawl, so that months can be compared."""
    alpha, beta = (len(crawl_days(m)) - 1 for m in MARKETS)
    closure_index = next(i for i, day in enumerate(crawl_days(MARKETS[1])) if day > MARKETS[0].closes)  # type: ignore[operator]
    others = [code for code in FREQUENT_ORIGINS if code not in (focus, partner)]
    local = ((focus,), (focus, partner), ("EU",), ("EU", f"!{partner}"), ("WW", "!US"))
    wide = (("EU",), ("WW",), ("EU", focus, partner), ("WW", "!US", "!AU"), (focus, partner, "DE", "FR"))
    names = iter(_names(rng, 40))
    A, B = MARKETS[0].name, MARKETS[1].name
    both = {A: (0, alpha), B: (0, beta)}
    migrated = {A: (0, alpha), B: (closure_index, beta)}

    def vendor(origins: tuple[str, ...], windows: dict[str, tuple[int, int]], ships: tuple[tuple[str, ...], ...],
               sells: tuple[str, ...] = (), renamed: bool = False, steady: bool = False) -> Vendor:
        name = next(names)
        return Vendor(name, origins, windows, ships, sells, name.lower() if renamed else None, steady)

    vendors = [
        # the focus country: three in the first month, six in the last; two also declare the partner country,
        # two leave Alpha Market for Beta Bazaar after its closure
        vendor((focus,), {B: (0, beta)}, local, ("cannabis", "cocaine")),
        vendor((focus, partner), migrated, local, ("ecstasy",), renamed=True),
        vendor((focus, partner), {B: (0, beta)}, local, ("cannabis", "amphetamine")),
        vendor((focus,), {B: (2, beta)}, local),
        vendor((focus,), {A: (1, alpha), B: (closure_index, beta)}, local),
        vendor((focus,), {B: (beta, beta)}, local),
    ]
    drugs = [c.id for c in CATEGORIES if c.drug]
    for index in range(8):  # the partner country: the steady majority, on both markets
        if index < 3:
            vendors.append(vendor((partner,), both, wide, tuple(drugs[index * 2:index * 2 + 2]) or (drugs[0],), steady=True))
        else:
            vendors.append(vendor((partner,), {B: (0, beta)} if index < 6 else migrated, wide, renamed=index == 7))
    for index in range(12):  # other countries, on one market or both; some leave Alpha Market for good at its closure
        code = others[index % len(others)]
        windows = ({A: (0, alpha)} if index % 4 == 0 else {B: (rng.randint(0, 2), beta)} if index % 4 == 1
                   else migrated if index % 4 == 2 else both)
        vendors.append(vendor((code,), windows, wide))
    vendors += [vendor(("EU",), both, wide), vendor(("EU",), {B: (1, beta)}, wide),
                vendor(("WW",), both, wide, ("non_drug", "psychedelics")),
                vendor(("",), {A: (0, alpha)}, wide), vendor(("",), {B: (0, beta)}, wide, ("non_drug",))]
    return vendors


def _rates(rng: random.Random) -> tuple[list[dict[str, Any]], dict[tuple[date, str], float]]:
    rows, table = [], {}
    btc, usd = 38000.0, 0.915
    day, last = PERIOD[0] - timedelta(days=31), PERIOD[1] + timedelta(days=14)
    while day <= last:
        btc = round(btc * rng.uniform(0.975, 1.03), 2)
        usd = round(min(0.94, max(0.89, usd + rng.uniform(-0.003, 0.003))), 6)
        for currency, rate in (("BTC", btc), ("USD", usd)):
            shown = f"{rate:.2f}" if currency == "BTC" else f"{rate:.6f}"
            rows.append({"date": day.isoformat(), "currency": currency, "eur_rate": shown})
            table[(day, currency)] = rate
        day += timedelta(days=1)
    return rows, table


def _price(eur: float, currency: str, day: date, rates: Mapping[tuple[date, str], float]) -> str:
    if currency == "EUR":
        return f"{eur:.2f}"
    amount = eur / rates[(day, currency)]
    return f"{amount:.6f}" if currency == "BTC" else f"{amount:.2f}"


@dataclass(frozen=True)
class Listing:
    market: Market
    id: str
    vendor: str
    origin: str
    category: Category
    title: str
    eur: float
    currency: str
    ships_to: str
    crawls: tuple[date, ...]


def _listings(rng: random.Random, vendors: list[Vendor]) -> list[Listing]:
    listings: list[Listing] = []
    drugs = [c for c in CATEGORIES if c.drug]
    for m_index, market in enumerate(MARKETS):
        days = crawl_days(market)
        counter = 0
        for vendor in vendors:
            if market.name not in vendor.windows:
                continue
            first, last = vendor.windows[market.name]
            sells = [c for c in CATEGORIES if c.id in vendor.sells] or [rng.choice(drugs)]
            name = vendor.renamed if vendor.renamed and m_index == 1 else vendor.name
            offers = [(origin, category) for origin in vendor.origins for category in sells]
            offers += [(rng.choice(vendor.origins), rng.choice(sells)) for _ in range(rng.randint(0, 2))]
            for origin, category in offers:
                counter += 1
                quantity, unit_eur = rng.choices(category.sizes, weights=[8, 5, 3, 2, 1][:len(category.sizes)])[0]
                start = first if vendor.steady or counter % 3 else rng.randint(first, last)
                seen = tuple(day for index, day in enumerate(days)
                             if start <= index <= last and (index == start or vendor.steady or rng.random() < 0.9))
                amount = f"{quantity:g} {category.unit}" if category.unit == "g" else f"{quantity:g}x"
                product = rng.choice(category.products)
                listings.append(Listing(market, f"{market.prefix}-{counter:04d}", name, origin, category,
                                        f"{amount} {product}" if category.drug else product,
                                        round(quantity * unit_eur * rng.uniform(0.9, 1.1), 2), rng.choice(market.currencies),
                                        ", ".join(rng.choice(vendor.ships_to)), seen))
    return listings


def _listing_rows(listings: list[Listing], rates: Mapping[tuple[date, str], float]) -> list[dict[str, Any]]:
    rows = []
    for listing in listings:
        sep = listing.market.separator
        path = listing.category.paths[MARKETS.index(listing.market)].replace("/", sep)
        for day in listing.crawls:
            rows.append({"market": listing.market.name, "crawled_at": day.isoformat(), "listing_id": listing.id,
                         "vendor": listing.vendor, "title": listing.title, "category": path,
                         "price": _price(listing.eur, listing.currency, day, rates), "currency": listing.currency,
                         "ships_from": listing.origin, "ships_to": listing.ships_to})
    return rows


def _feedback_rows(rng: random.Random, listings: list[Listing], rates: Mapping[tuple[date, str], float]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    counters = {market.name: 0 for market in MARKETS}
    for listing in listings:
        days = crawl_days(listing.market)
        for previous, crawled in zip(listing.crawls, listing.crawls[1:]):
            wholesale = listing.eur >= 1000
            for _ in range(rng.choices((0, 1, 2, 3), weights=(7, 3, 0, 0) if wholesale else (3, 3, 3, 2))[0]):
                counters[listing.market.name] += 1
                left = previous + timedelta(days=rng.randint(1, (crawled - previous).days))
                paid = rng.random() < 0.3
                row = {"market": listing.market.name, "crawled_at": crawled.isoformat(),
                       "feedback_id": f"{listing.market.prefix}-FB-{counters[listing.market.name]:05d}",
                       "listing_id": listing.id, "vendor": listing.vendor, "left_at": left.isoformat(),
                       "price": _price(listing.eur, listing.currency, left, rates) if paid else "",
                       "currency": listing.currency if paid else ""}
                rows.append(row)
                later = [day for day in days if day > crawled]
                if later and rng.random() < 0.3:  # seen again in the next crawl: counted once
                    rows.append({**row, "crawled_at": later[0].isoformat()})
    return sorted(rows, key=lambda r: (r["market"], r["feedback_id"], r["crawled_at"]))


def _answers(rng: random.Random, counts: Mapping[str, int]) -> list[str]:
    """Answers in fixed numbers (so that the example's shares are publishable), in a drawn order."""
    answers = [answer for answer, count in counts.items() for _ in range(count)]
    rng.shuffle(answers)
    return answers


# How many of the respondents give each answer ("" blank, -99 refused). Most cells reach the disclosure threshold
# of 10; a few stay below it, to show what the report does with them.
RESPONDENTS = 40
MAIN_SOURCE = {"1": 20, "3": 12, "2": 5, "4": 1, "-99": 1, "": 1}
PAYMENT = {"ticked": 36, "-99": 1, "": 3}  # of those who answered: bitcoin 33, monero 15, other 4 ticked
LAST_ORDER = {"low": 11, "mid": 15, "high": 11, "": 3}
SATISFACTION = {"4": 13, "5": 10, "3": 10, "2": 3, "1": 1, "98": 1, "": 2}


def _survey_rows(rng: random.Random) -> list[dict[str, Any]]:
    source, payment = _answers(rng, MAIN_SOURCE), _answers(rng, PAYMENT)
    order, satisfaction = _answers(rng, LAST_ORDER), _answers(rng, SATISFACTION)
    answered = [index for index, state in enumerate(payment) if state == "ticked"]
    ticked = {option: set(rng.sample(answered, count)) for option, count in (("bitcoin", 33), ("monero", 15), ("other", 4))}
    amounts = {"low": (10, 49), "mid": (50, 199), "high": (200, 900), "": None}
    rows = []
    for index in range(RESPONDENTS):
        row: dict[str, Any] = {"respondent_id": f"R{index + 1:02d}", "main_source": source[index]}
        for option in ("bitcoin", "monero", "other"):
            row[f"payment_{option}"] = int(index in ticked[option]) if payment[index] == "ticked" else payment[index]
        bounds = amounts[order[index]]
        row["last_order_eur"] = rng.randint(*bounds) if bounds else ""
        row["satisfaction"] = satisfaction[index]
        row["remarks"] = rng.choice(REMARKS) if rng.random() < 0.25 else ""
        rows.append(row)
    return rows


def example_data(focus: str) -> Example:
    """The example inputs for a focus country: the same focus country always gives the same rows."""
    rng = random.Random(SEED)  # the same draws for every focus country: only the codes differ
    partner = partner_country(focus)
    rate_rows, rates = _rates(rng)
    listings = _listings(rng, _vendors(rng, focus, partner))
    events = [{"market": MARKETS[1].name, "date": MARKETS[1].launched.isoformat(), "kind": "launch"},  # type: ignore[union-attr]
              {"market": MARKETS[0].name, "date": MARKETS[0].closes.isoformat(), "kind": "closure"}]  # type: ignore[union-attr]
    return Example(_listing_rows(listings, rates), _feedback_rows(rng, listings, rates), rate_rows, events,
                   _survey_rows(rng), partner)


def csv_text(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# ---------------------------------------------------------------- the project folder

@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    texts = yaml.safe_load((STARTER / "texts.yaml").read_text(encoding="utf-8"))
    return {str(key): {str(lang): str(value) for lang, value in entry.items()} for key, entry in texts.items()}


def starter_text(key: str, lang: str) -> str:
    """A starter text in a language, or in English when texts.yaml has none for it."""
    entry = _texts()[key]
    return entry.get(lang, entry[FALLBACK_LANGUAGE])


def _quoted(value: Any) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML), keeping accents readable."""
    return json.dumps(value, ensure_ascii=False)


def _environment(languages: Sequence[str]) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(STARTER)), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=True)
    env.filters["q"] = _quoted
    env.globals["text"] = lambda key, lang: _quoted(starter_text(key, lang))
    env.globals["localized"] = lambda key: "{" + ", ".join(f"{lang}: {_quoted(starter_text(key, lang))}"
                                                           for lang in languages) + "}"
    return env


def _edition(folder: Path) -> str:
    edition = re.sub(r"[^a-z0-9._-]+", "-", folder.resolve().name.lower()).strip("-._")
    return f"{edition or 'brief'}-{PERIOD[0]:%Y}"


def project_files(folder: Path, languages: Sequence[str], focus: str) -> dict[str, str]:
    """Every file of a new project, by path relative to its folder, with its text."""
    env = _environment(languages)
    example = example_data(focus)
    taxonomy = [{"id": c.id, "match": list(c.match), "drug": c.drug} for c in CATEGORIES]
    config = env.get_template("config.yaml.j2").render(
        config_name="config.yaml", edition=_edition(folder), languages=list(languages), shipped=shipped_languages(),
        focus_country=focus, partner_country=example.partner, period_start=PERIOD[0].isoformat(),
        period_end=PERIOD[1].isoformat(), publication_date=(PERIOD[1] + timedelta(days=31)).isoformat(), taxonomy=taxonomy)
    inputs = {
        "inputs/listings.csv": csv_text(example.listings),
        "inputs/feedback.csv": csv_text(example.feedback),
        "inputs/exchange_rates.csv": csv_text(example.rates),
        "inputs/market_events.csv": csv_text(example.events),
        "inputs/survey.csv": csv_text(example.survey),
        "inputs/codebook.yaml": env.get_template("codebook.yaml.j2").render(),
    }
    files = {"config.yaml": config, ".gitignore": (STARTER / "gitignore").read_text(encoding="utf-8"),
             "inputs/README.md": (STARTER / "inputs" / "README.md").read_text(encoding="utf-8"), **inputs,
             "custom/README.md": (STARTER / "custom" / "README.md").read_text(encoding="utf-8"),
             "custom/assets/README.md": (STARTER / "custom" / "assets.md").read_text(encoding="utf-8"),
             "custom/locales/README.md": (STARTER / "custom" / "locales.md").read_text(encoding="utf-8")}
    for lang in languages:
        sentence = starter_text("readme.prose_example", lang).format(fig='{{ fig("survey.main_source.1.share") }}',
                                                                      base='{{ base("survey.main_source.1.share") }}')
        files[f"custom/prose/{lang}/README.md"] = env.get_template("custom/prose.md.j2").render(lang=lang, example=sentence)
    record = {"written_by": "report new", "note": "sha256 of the example inputs; `report validate` says which are still "
              "unchanged. Delete this file once every example is replaced.",
              "files": {Path(name).name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in inputs.items()}}
    files[f"inputs/{EXAMPLES_RECORD}"] = json.dumps(record, indent=2, sort_keys=True) + "\n"
    return files


def new_project(folder: Path, languages: Sequence[str] = DEFAULT_LANGUAGES, focus_country: str = DEFAULT_FOCUS,
                force: bool = False) -> list[Path]:
    """Write a new project into `folder` (created, or empty; with `force`, files of the same names are replaced and
    other files are left alone). Returns the files written."""
    langs = checked_languages(languages)
    focus = checked_country(focus_country)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise OutputError(f"{folder} is not empty: `report new` writes a project into a new or empty folder "
                          "(--force writes its files there anyway, replacing files of the same names)")
    files = project_files(folder, langs, focus)
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


# ---------------------------------------------------------------- `report validate`: examples left in place

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(folder: Path) -> Mapping[str, str]:
    try:
        data = json.loads((folder / EXAMPLES_RECORD).read_text(encoding="utf-8"))
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def example_inputs_left(config_path: str | Path, input_files: Mapping[str, Path] | Iterable[Path]) -> list[str]:
    """One message per input file that is still, byte for byte, the example `report new` wrote.

    `input_files` is what `report.config.input_files(config, base)` returns (input name -> file), or just paths.
    A file counts as an example when the `.examples.json` beside it records its name with the same sha256, so
    a project without that record, or with its inputs elsewhere, gets no message."""
    base = Path(config_path).resolve().parent
    items = input_files.items() if isinstance(input_files, Mapping) else ((Path(p).stem, p) for p in input_files)
    messages = []
    for label, path in items:
        path = Path(path)
        if not path.is_file():
            continue
        recorded = _record(path.parent).get(path.name)
        if recorded is None or recorded != _sha256(path):
            continue
        shown = path.resolve().relative_to(base) if path.resolve().is_relative_to(base) else path
        what = REPLACE_WITH.get(re.split(r"[\[:]", str(label), maxsplit=1)[0], "your own data")
        messages.append(f"{shown.as_posix()} is still the example file written by `report new`: replace it with {what} first")
    return messages
