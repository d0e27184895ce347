"""Random small projects of every shape, for the generative test (tests/test_generated_projects.py).

`projects()` is a Hypothesis strategy of `ProjectSpec`: the shape of a project (markets, categories, crawl dates,
focus country, multi-origin vendors, sales source, market events, survey and codebook), every choice drawn by
Hypothesis so that a failing shape shrinks. Row-level detail (vendor names, prices, which listing a crawl sees) comes
from a `random.Random` seeded by a drawn integer, so a spec always writes the same files. `write_project(spec, root)`
writes a project laid out as a user would: <root>/config/config.yaml and <root>/inputs/*.

Nothing here knows the sample: names, codes, ids and labels are drawn. Drawn text never holds the tokens the test
looks for in the rendered text (`None`, `nan`, `{{`, "non disponible"...), so a finding is the tool's, not the data's.
"""
from __future__ import annotations

import csv
import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

# Editions built by the test and labels written by the generator. The generator always writes fr, nl and de labels;
# the test builds LANGUAGES (add "de" here once templates/de exists).
LABEL_LANGUAGES = ("fr", "nl", "de")

Sales = Literal["feedback", "feedback_noid", "cumulative", "none"]
Events = Literal["absent", "empty", "some"]
QuestionType = Literal["single", "multi", "numeric", "scale", "text"]
Oddity = Literal["normal", "all_missing", "small_base", "uniform"]

COUNTRIES = ("BE", "NL", "FR", "DE", "LU", "AT", "ES", "IT", "PL", "GB", "US", "CA", "CZ", "PT", "SE")
REGIONS = ("EU", "WW")
CURRENCIES = ("EUR", "USD", "BTC")
EVENT_KINDS = ("closure", "seizure", "exit_scam", "launch")
UNITS = ("years", "substances", "EUR")

# Word pieces for names and labels: accents, digits, '&', markup, apostrophes, non-Latin letters; none is or contains
# a token the test searches for.
WORDS = ("Été", "bière", "Straße", "œuvre", "l'Ange", "Ça", "Öl", "Łódź", "Ærø", "Ñandú", "Zürich", "Brœk", "R&D",
         "<b>x</b>", "<i>Gras</i>", "A&B", "4-Stars", "2049", "No.7", "Ψ", "Москва", "東京", "Dédé", "Kwaliteit",
         "Qualität", "Ĳs", "Groß", "Säule", "Fünf", "Élan", "Zwölf", "Übel", "Maître", "Noël", "Brünn", "Çà",
         "Öre", "Þorn", "Ève", "Jäger", "café", "déjà", "coöperatie", "naïef", "ruïne", "Rück", "Tür", "Hôtel")
MARKET_WORDS = ("Market", "Bazaar", "Marché", "Markt", "Shop", "Empire", "Hydra", "Silk", "Agora", "Nightmare", "Dream",
                "Wall", "Street", "Berlusconi", "Apollon", "Cannazon", "Versus", "Televend", "White House", "Monopoly")
VENDOR_WORDS = ("Dutch", "Belga", "Green", "Doc", "Kings", "Frosty", "Top", "Shop", "Pharma", "Cartel", "NA", "NULL",
                "Mr", "Mrs", "Big", "Euro", "Pure", "Lab", "Crew", "Vibes", "Boy", "Vlaams", "Wallon", "Brux")
CATEGORY_ROOTS = ("Drugs", "Drogues", "Drugs & Chemicals", "Produits", "Chemie", "Stoffe")
CATEGORY_SEPARATORS = ("/", " » ", " > ", " | ", " - ")
TEXT_ANSWERS = ("rien", "Très bien, merci", "<b>gras</b> & co", "geen idee", "Alles gut", "trop cher!",
                "<script>alert(1)</script>", "l'été 2019", "5 stars", "Ça dépend", "👍 top")
MISSING_CODES = ("-99", "-1", "NA", "n/a", ".", "999", "-9")


@dataclass(frozen=True)
class CategorySpec:
    id: str
    raw: tuple[str, ...]  # raw category strings of the scrape that map here
    labels: dict[str, str]
    drug: bool = True


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    type: QuestionType
    codes: tuple[str, ...] = ()  # single/scale answer codes, multi option keys
    cuts: tuple[int, ...] = ()  # numeric: bracket bounds
    missing: tuple[str, ...] = ()
    dont_know: str | None = None
    oddity: Oddity = "normal"
    ticked: tuple[str, str] | None = None  # multi: (ticked, not ticked) codes when not 1/0
    unit: str | None = None
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> lang -> label
    text: dict[str, str] = field(default_factory=dict)

    def columns(self) -> list[str]:
        if self.type == "multi":
            return [f"{self.id}_{key}" for key in self.codes]
        return [self.id]


@dataclass(frozen=True)
class SurveySpec:
    respondents: int
    questions: tuple[QuestionSpec, ...]
    group_same: tuple[str, str, str] | None  # (question, group question, group code): the group answers alike
    crosstab: tuple[str, str] | None
    findings: tuple[tuple[str, tuple[str, ...]], ...]  # codebook `findings:` groups; () = none written


@dataclass(frozen=True)
class ProjectSpec:
    seed: int
    markets: tuple[str, ...]
    categories: tuple[CategorySpec, ...]
    period: tuple[date, date]
    crawls: dict[str, tuple[date, ...]]  # market -> crawl dates
    focus_country: str
    focus_in_data: bool
    multi_origin: bool
    ships_from_declared: bool
    vendors: int
    sales: Sales
    events: Events
    event_rows: tuple[tuple[str, date, str], ...]
    survey: SurveySpec | None
    retail_eur: float | None
    compare_country: str | None

    def describe(self) -> str:
        """A one-line shape, for failure reports."""
        crawls = sum(len(days) for days in self.crawls.values())
        parts = [f"markets={len(self.markets)}", f"categories={len(self.categories)}", f"crawls={crawls}",
                 f"months={len({(d.year, d.month) for days in self.crawls.values() for d in days})}",
                 f"vendors={self.vendors}", f"focus={self.focus_country}{'' if self.focus_in_data else '(absent)'}",
                 f"multi_origin={self.multi_origin}", f"ships_from={'yes' if self.ships_from_declared else 'none'}",
                 f"sales={self.sales}", f"events={self.events}:{len(self.event_rows)}"]
        if self.retail_eur is not None:
            parts.append(f"retail_eur={self.retail_eur:g}")
        if self.compare_country:
            parts.append(f"compare_country={self.compare_country}")
        if self.survey is None:
            parts.append("survey=none")
        else:
            kinds = ",".join(f"{q.type}{'/' + q.oddity if q.oddity != 'normal' else ''}" for q in self.survey.questions)
            parts.append(f"survey={self.survey.respondents}resp[{kinds}]")
            if self.survey.crosstab:
                parts.append(f"crosstab={self.survey.crosstab}")
            if self.survey.group_same:
                parts.append("group_same")
            if self.survey.findings:
                parts.append(f"findings={len(self.survey.findings)}")
        return " ".join(parts)

    def __repr__(self) -> str:  # Hypothesis prints the failing example: its shape, not every label
        return f"ProjectSpec<seed={self.seed} {self.describe()}>"

    def size(self) -> int:
        """A rough size, to keep the smallest example of a failure."""
        questions = len(self.survey.questions) if self.survey else 0
        return (len(self.markets) + len(self.categories) + sum(len(d) for d in self.crawls.values()) + self.vendors
                + questions + len(self.event_rows) + (self.survey.respondents // 10 if self.survey else 0))


# ---------------------------------------------------------------- strategies

def _words(pool: tuple[str, ...], low: int = 1, high: int = 3) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pool), min_size=low, max_size=high).map(" ".join)


def labels() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({lang: _words(WORDS, 1, 3) for lang in LABEL_LANGUAGES})


def identifiers() -> st.SearchStrategy[str]:
    """Question and category ids: a letter, then letters, digits, underscores."""
    return st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=1).flatmap(
        lambda head: st.text(alphabet=string.ascii_lowercase + string.digits + "_", max_size=10).map(lambda t: head + t))


def market_names() -> st.SearchStrategy[str]:
    return st.tuples(st.lists(st.sampled_from(WORDS + MARKET_WORDS), min_size=1, max_size=3),
                     st.sampled_from(MARKET_WORDS)).map(lambda t: " ".join([*t[0], t[1]]))


def _unique(strategy: st.SearchStrategy[str], low: int, high: int) -> st.SearchStrategy[list[str]]:
    return st.lists(strategy, min_size=low, max_size=high, unique_by=lambda s: s.strip().casefold())


@st.composite
def categories(draw: st.DrawFn) -> tuple[CategorySpec, ...]:
    count = draw(st.integers(1, 10))
    ids = draw(st.lists(identifiers(), min_size=count, max_size=count, unique=True))
    raws = draw(_unique(st.tuples(st.sampled_from(CATEGORY_ROOTS), st.sampled_from(CATEGORY_SEPARATORS),
                                  _words(WORDS + ("Cannabis", "Cocaïne", "Speed", "LSD", "Hasch"), 1, 2))
                        .map(lambda t: f"{t[0]}{t[1]}{t[2]}"), count, count))
    specs = []
    for index, (cid, raw) in enumerate(zip(ids, raws)):
        drug = index == 0 or draw(st.integers(0, 9)) > 0  # about one category in ten is non-drug, never the first
        specs.append(CategorySpec(id=cid, raw=(raw,), labels=draw(labels()), drug=drug))
    return tuple(specs)


@st.composite
def questions(draw: st.DrawFn, qid: str, respondents: int) -> QuestionSpec:
    qtype: QuestionType = draw(st.sampled_from(("single", "multi", "numeric", "scale", "text")))
    missing = tuple(draw(st.lists(st.sampled_from(MISSING_CODES), max_size=2, unique=True)))
    oddity: Oddity = draw(st.sampled_from(("normal", "normal", "normal", "all_missing", "small_base", "uniform")))
    text = draw(labels())
    codes: tuple[str, ...] = ()
    cuts: tuple[int, ...] = ()
    dont_know = None
    ticked = None
    unit = None
    if qtype in ("single", "scale"):
        size = draw(st.integers(2, 6))
        if qtype == "scale":
            codes = tuple(str(i) for i in range(1, size + 1))
        else:
            codes = tuple(str(c) for c in sorted(draw(st.lists(st.integers(0, 60), min_size=size, max_size=size, unique=True))))
        if draw(st.booleans()):
            dont_know = "98"
        missing = tuple(m for m in missing if m not in codes)
    elif qtype == "multi":
        codes = tuple(draw(st.lists(identifiers(), min_size=1, max_size=5, unique=True)))
        if draw(st.integers(0, 3)) == 0:
            ticked = draw(st.sampled_from((("Yes", "No"), ("2", "1"), ("x", "-"), ("Oui", "Non"))))
        missing = tuple(m for m in missing if ticked is None or m not in ticked)
    elif qtype == "numeric":
        cuts = tuple(sorted(draw(st.lists(st.integers(1, 500), min_size=1, max_size=4, unique=True))))
        unit = draw(st.sampled_from(UNITS))
        missing = tuple(m for m in missing if not m.lstrip("-").isdigit() or int(m) < 0)
        if draw(st.integers(0, 3)) == 0:
            dont_know = "-98"
    answer_labels = {code: draw(labels()) for code in codes}
    if dont_know and qtype in ("single", "scale"):
        answer_labels[dont_know] = {"fr": "Ne sait pas", "nl": "Weet niet", "de": "Weiß nicht"}
    return QuestionSpec(id=qid, type=qtype, codes=codes, cuts=cuts, missing=missing, dont_know=dont_know,
                        oddity=oddity, ticked=ticked, unit=unit, labels=answer_labels, text=text)


@st.composite
def surveys(draw: st.DrawFn) -> SurveySpec:
    respondents = draw(st.sampled_from((1, 4, 9, 12, 25, 40, 60)))
    count = draw(st.integers(1, 8))
    ids = draw(st.lists(identifiers().filter(lambda i: i != "respondent_id"), min_size=count, max_size=count, unique=True))
    specs: list[QuestionSpec] = []
    columns: set[str] = {"respondent_id"}
    for qid in ids:
        question = draw(questions(qid, respondents))
        if columns & set(question.columns()):  # a multi option column named like another question: skip it
            continue
        columns |= set(question.columns())
        specs.append(question)
    if not specs:
        specs.append(QuestionSpec(id="q" + ids[0], type="text", text=draw(labels())))
    categorical = [q.id for q in specs if q.type in ("single", "scale")]
    group_same = None
    if len(categorical) >= 2 and draw(st.booleans()):
        target, group = draw(st.permutations(categorical))[:2]
        group_question = next(q for q in specs if q.id == group)
        group_same = (target, group, draw(st.sampled_from(group_question.codes)))
    crosstab = None
    rows = [q.id for q in specs if q.type in ("single", "scale", "numeric")]
    cols = [q.id for q in specs if q.type in ("single", "scale", "multi")]
    if rows and cols and draw(st.booleans()):
        row, col = draw(st.sampled_from(rows)), draw(st.sampled_from(cols))
        if row != col:
            crosstab = (row, col)
    findings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if len(specs) >= 2 and draw(st.booleans()):
        order = draw(st.permutations([q.id for q in specs]))
        cut = draw(st.integers(1, len(order) - 1))
        findings = (("f_" + order[0], tuple(order[:cut])), ("g_" + order[cut], tuple(order[cut:])))
    return SurveySpec(respondents=respondents, questions=tuple(specs), group_same=group_same, crosstab=crosstab,
                      findings=findings)


@st.composite
def projects(draw: st.DrawFn) -> ProjectSpec:
    markets = tuple(name.strip() for name in draw(_unique(market_names(), 1, 4)))
    start = draw(st.dates(date(2014, 1, 1), date(2023, 12, 31)))
    length = draw(st.sampled_from((0, 6, 27, 45, 90, 180, 364, 400)))
    end = start + timedelta(days=length)
    days = (end - start).days + 1
    crawl_count = draw(st.integers(1, min(20, days)))
    offsets = sorted(draw(st.lists(st.integers(0, days - 1), min_size=crawl_count, max_size=crawl_count, unique=True)))
    all_crawls = [start + timedelta(days=o) for o in offsets]
    crawls: dict[str, tuple[date, ...]] = {}
    for market in markets:
        chosen = draw(st.lists(st.sampled_from(all_crawls), min_size=1, max_size=len(all_crawls), unique=True))
        crawls[market] = tuple(sorted(chosen))
    focus = draw(st.sampled_from(COUNTRIES))
    focus_in_data = draw(st.integers(0, 4)) > 0
    ships_from_declared = draw(st.integers(0, 7)) > 0
    multi_origin = draw(st.booleans())
    sales: Sales = draw(st.sampled_from(("feedback", "feedback_noid", "cumulative", "none")))
    events: Events = draw(st.sampled_from(("absent", "empty", "some", "some")))
    event_rows: tuple[tuple[str, date, str], ...] = ()
    if events == "some":
        count = draw(st.integers(1, 3))
        event_rows = tuple(sorted(
            (draw(st.sampled_from(markets)), start + timedelta(days=draw(st.integers(0, days - 1))),
             draw(st.sampled_from(EVENT_KINDS))) for _ in range(count)))
    survey = draw(st.none() | surveys())
    retail = draw(st.sampled_from((None, None, 250.0, 50.0)))
    compare = draw(st.none() | st.sampled_from(COUNTRIES).filter(lambda c: c != focus)) if draw(st.booleans()) else None
    return ProjectSpec(
        seed=draw(st.integers(0, 2**32 - 1)), markets=markets, categories=draw(categories()), period=(start, end),
        crawls=crawls, focus_country=focus,
        focus_in_data=(focus_in_data or multi_origin) and ships_from_declared,
        multi_origin=multi_origin and ships_from_declared, ships_from_declared=ships_from_declared,
        vendors=draw(st.integers(1, 15)), sales=sales, events=events, event_rows=event_rows, survey=survey,
        retail_eur=retail, compare_country=compare)


# ---------------------------------------------------------------- writing the files

@dataclass(frozen=True)
class Vendor:
    name: str
    origins: tuple[str, ...]  # one origin, or several (multi-origin), '' = undeclared


def _vendors(spec: ProjectSpec, rng: random.Random) -> list[Vendor]:
    others = [c for c in COUNTRIES if c != spec.focus_country]
    names: list[str] = []
    while len(names) < spec.vendors:
        name = rng.choice(VENDOR_WORDS) + rng.choice(("", str(rng.randint(1, 999)), rng.choice(VENDOR_WORDS)))
        if rng.random() < 0.2:
            name = rng.choice((name.lower(), name.upper(), f" {name} "))  # the same vendor, written otherwise
        if name.strip().casefold() not in {n.strip().casefold() for n in names}:
            names.append(name)
    vendors = []
    for index, name in enumerate(names):
        if not spec.ships_from_declared:
            origins: tuple[str, ...] = ("",)
        elif spec.multi_origin and index == 0:
            origins = (spec.focus_country, rng.choice(others + list(REGIONS)))
        elif spec.multi_origin and index == 1:
            origins = (spec.focus_country, rng.choice(others))
        elif spec.focus_in_data and index in (0, 2):
            origins = (spec.focus_country,)
        elif spec.multi_origin and rng.random() < 0.2:
            origins = tuple(rng.sample(others, 2))
        else:
            origins = (rng.choice(others + list(REGIONS) + [""]),)
        vendors.append(Vendor(name, origins))
    return vendors


def _ships_to(spec: ProjectSpec, rng: random.Random) -> str:
    choices = ["", "WW", "EU", f"{spec.focus_country}", "EU, WW", f"WW, !{spec.focus_country}", "WW, !US, !AU",
               f"{spec.focus_country}, NL, DE", f"EU, !{rng.choice(COUNTRIES)}"]
    return rng.choice(choices)


def _price(currency: str, rng: random.Random) -> float:
    euros = rng.choice((rng.uniform(5, 150), rng.uniform(150, 900), rng.uniform(900, 3000), rng.uniform(1, 30)))
    if currency == "BTC":
        return round(euros / 5000, 6)
    if currency == "USD":
        return round(euros / 0.9, 2)
    return round(euros, 2)


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def write_project(spec: ProjectSpec, root: Path, languages: tuple[str, ...]) -> Path:
    """Write the project under `root` and return its config file."""
    rng = random.Random(spec.seed)
    inputs = root / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    (root / "config").mkdir(parents=True, exist_ok=True)
    vendors = _vendors(spec, rng)
    listings, feedback = _scrape(spec, vendors, rng)
    _write_csv(inputs / "listings.csv", listings)
    if spec.sales in ("feedback", "feedback_noid"):
        _write_csv(inputs / "feedback.csv", feedback)
    _write_csv(inputs / "exchange_rates.csv", _rates(spec, rng))
    if spec.events != "absent":
        _write_csv(inputs / "market_events.csv", [{"market": m, "date": d.isoformat(), "kind": k} for m, d, k in spec.event_rows],
                   header=["market", "date", "kind"])
    if spec.survey is not None:
        rows, header = _survey_rows(spec.survey, rng)
        _write_csv(inputs / "survey.csv", rows, header=header)
        (inputs / "codebook.yaml").write_text(yaml.safe_dump(_codebook(spec.survey), allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")
    config = root / "config" / "config.yaml"
    config.write_text(yaml.safe_dump(_config(spec, languages), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config


def _write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> None:
    names = header or list(rows[0])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _scrape(spec: ProjectSpec, vendors: list[Vendor], rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    listings: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []
    counter = 0
    for m_index, market in enumerate(spec.markets):
        crawls = spec.crawls[market]
        present = [v for v in vendors if rng.random() < 0.8] or vendors[:1]
        if m_index == 0:
            present = vendors  # every vendor (so the focus and multi-origin ones) sells on the first market
        for vendor in present:
            for origin in vendor.origins:
                for _ in range(rng.randint(1, 2)):
                    counter += 1
                    listing = f"L{m_index}-{counter:05d}"
                    # the first listing is a drug (a scrape without any is an input error, not a shape)
                    category = spec.categories[0] if counter == 1 else rng.choice(spec.categories)
                    currency = rng.choice(CURRENCIES)
                    price = _price(currency, rng)
                    ships_to = _ships_to(spec, rng)
                    seen = [d for d in crawls if rng.random() < 0.85] or [crawls[0]]
                    sold = rng.randint(0, 20)
                    previous = spec.period[0] - timedelta(days=7)
                    for crawled in seen:
                        row = {"market": market, "crawled_at": crawled.isoformat(), "listing_id": listing,
                               "vendor": vendor.name, "title": f"{rng.choice(WORDS)} {rng.randint(1, 10)}g",
                               "category": rng.choice(category.raw), "price": "" if rng.random() < 0.03 else price,
                               "currency": currency, "ships_from": origin, "ships_to": ships_to}
                        if spec.sales == "cumulative":
                            sold += rng.choice((0, 0, 1, 2, 5))
                            row["sold"] = sold
                        listings.append(row)
                        if spec.sales in ("feedback", "feedback_noid"):
                            later = [d for d in crawls if d > crawled]
                            feedback += _feedback(spec, market, listing, vendor.name, previous, crawled,
                                                  later[0] if later else None, rng, counter)
                        previous = crawled
    start, end = spec.period
    in_period = [row for row in feedback if start.isoformat() <= row["left_at"] <= end.isoformat()]
    if spec.sales in ("feedback", "feedback_noid") and not in_period:  # at least one sale in the period
        row = listings[0]
        day = date.fromisoformat(row["crawled_at"])
        feedback.append(_feedback_row(spec, row["market"], "F-0", row["listing_id"], row["vendor"], day, day, None, ""))
    return listings, feedback


def _feedback(spec: ProjectSpec, market: str, listing: str, vendor: str, previous: date, crawled: date,
              next_crawl: date | None, rng: random.Random, counter: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(rng.choice((0, 0, 1, 2, 3))):
        left = max(previous + timedelta(days=1), crawled - timedelta(days=rng.randint(0, 14)))
        left = min(left, crawled)
        feedback_id = f"F-{counter}-{crawled.isoformat()}-{n}"
        price = "" if rng.random() < 0.7 else _price("EUR", rng)
        rows.append(_feedback_row(spec, market, feedback_id, listing, vendor, crawled, left, price, "EUR" if price else ""))
        if next_crawl is not None and rng.random() < 0.5:  # seen again in the market's next crawl
            rows.append(_feedback_row(spec, market, feedback_id, listing, vendor, next_crawl, left,
                                      price, "EUR" if price else ""))
    return rows


def _feedback_row(spec: ProjectSpec, market: str, feedback_id: str, listing: str, vendor: str, crawled: date,
                  left: date, price: Any, currency: str) -> dict[str, Any]:
    row: dict[str, Any] = {"market": market, "crawled_at": crawled.isoformat()}
    if spec.sales == "feedback":
        row["feedback_id"] = feedback_id
    row.update({"listing_id": listing, "vendor": vendor, "left_at": left.isoformat(),
                "price": "" if price is None else price, "currency": currency})
    return row


def _rates(spec: ProjectSpec, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    btc = rng.uniform(3000, 9000)
    for day in _dates(spec.period[0] - timedelta(days=40), spec.period[1] + timedelta(days=40)):
        btc *= rng.uniform(0.97, 1.03)
        rows.append({"date": day.isoformat(), "currency": "BTC", "eur_rate": round(btc, 2)})
        rows.append({"date": day.isoformat(), "currency": "USD", "eur_rate": round(rng.uniform(0.85, 0.95), 6)})
    return rows


# ---------------------------------------------------------------- survey and codebook

def _answer(question: QuestionSpec, rng: random.Random, index: int) -> dict[str, str]:
    """One respondent's cells for one question."""
    columns = question.columns()
    blank = {c: "" for c in columns}
    missing_code = rng.choice(question.missing) if question.missing else ""
    if question.oddity == "all_missing":
        return {c: (missing_code if rng.random() < 0.5 else "") for c in columns}
    if question.oddity == "small_base" and index >= 6:
        return blank
    if rng.random() < 0.1:
        return blank
    if question.missing and rng.random() < 0.05:
        return {c: missing_code for c in columns}
    uniform = question.oddity == "uniform"
    if question.type in ("single", "scale"):
        if question.dont_know and rng.random() < 0.08 and not uniform:
            return {columns[0]: question.dont_know}
        return {columns[0]: question.codes[0] if uniform else rng.choice(question.codes)}
    if question.type == "multi":
        yes, no = question.ticked or ("1", "0")
        return {c: yes if uniform or rng.random() < 0.5 else no for c in columns}
    if question.type == "numeric":
        if question.dont_know and rng.random() < 0.05 and not uniform:
            return {columns[0]: question.dont_know}
        value = question.cuts[0] if uniform else rng.randint(0, question.cuts[-1] * 2)
        return {columns[0]: str(value)}
    return {columns[0]: "" if rng.random() < 0.6 else rng.choice(TEXT_ANSWERS)}


def _survey_rows(survey: SurveySpec, rng: random.Random) -> tuple[list[dict[str, str]], list[str]]:
    header = ["respondent_id"] + [c for q in survey.questions for c in q.columns()]
    rows = []
    width = len(str(survey.respondents))
    for index in range(survey.respondents):
        row = {"respondent_id": f"R{index + 1:0{width}d}"}
        for question in survey.questions:
            row.update(_answer(question, rng, index))
        rows.append(row)
    if survey.group_same:
        target, group, code = survey.group_same
        fixed = next(q for q in survey.questions if q.id == target).codes[-1]
        for row in rows:
            if row[group] == code:
                row[target] = fixed
    return rows, header


def _code(value: str) -> Any:
    """Codes as YAML writes them in a hand-made codebook: integers unquoted."""
    return int(value) if value.lstrip("-").isdigit() else value


def _question_yaml(question: QuestionSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": question.type}
    if question.type == "multi":
        entry["columns"] = {key: column for key, column in zip(question.codes, question.columns())}
    else:
        entry["column"] = question.id
    entry["text"] = question.text
    if question.unit:
        entry["unit"] = question.unit
    if question.labels:
        entry["labels"] = {_code(code): label for code, label in question.labels.items()}
    if question.type == "numeric":
        brackets: list[dict[str, Any]] = []
        bounds = [None, *question.cuts, None]
        for lower, upper in zip(bounds, bounds[1:]):
            bracket: dict[str, Any] = {}
            if lower is not None:
                bracket["lower"] = lower
            if upper is not None:
                bracket["upper"] = upper
            bracket["label"] = {lang: _bracket_label(lower, upper, lang) for lang in LABEL_LANGUAGES}
            brackets.append(bracket)
        entry["brackets"] = brackets
    if question.type == "scale":
        entry["top"] = [_code(question.codes[-1])]
    if question.type == "multi" and question.ticked:
        entry["ticked"] = [question.ticked[0]]
        entry["not_ticked"] = [question.ticked[1]]
    if question.missing:
        entry["missing"] = [_code(code) for code in question.missing]
    if question.dont_know:
        entry["dont_know"] = [_code(question.dont_know)]
    return entry


def _bracket_label(lower: int | None, upper: int | None, lang: str) -> str:
    words = {"fr": ("moins de", "et plus"), "nl": ("minder dan", "en meer"), "de": ("unter", "und mehr")}[lang]
    if lower is None:
        return f"{words[0]} {upper}"
    if upper is None:
        return f"{lower} {words[1]}"
    return f"{lower}–{upper - 1}"


def _codebook(survey: SurveySpec) -> dict[str, Any]:
    document: dict[str, Any] = {"questions": {q.id: _question_yaml(q) for q in survey.questions}}
    if survey.findings:
        document["findings"] = [{"id": fid, "questions": list(qids)} for fid, qids in survey.findings]
    return document


# ---------------------------------------------------------------- config

def _config(spec: ProjectSpec, languages: tuple[str, ...]) -> dict[str, Any]:
    inputs: dict[str, Any] = {"listings": "../inputs/listings.csv", "exchange_rates": "../inputs/exchange_rates.csv"}
    if spec.sales in ("feedback", "feedback_noid"):
        inputs["feedback"] = "../inputs/feedback.csv"
    if spec.sales in ("cumulative", "none"):
        inputs["sales"] = spec.sales
    if spec.events != "absent":
        inputs["market_events"] = "../inputs/market_events.csv"
    if spec.survey is not None:
        inputs["survey"] = "../inputs/survey.csv"
        inputs["codebook"] = "../inputs/codebook.yaml"
    config: dict[str, Any] = {
        "edition": f"gen-{spec.seed}",
        "title": {"fr": "Rapport « généré » & testé", "nl": "Gegenereerd rapport", "de": "Erzeugter Bericht"},
        "authors": {lang: ["Équipe <b>test</b>"] for lang in LABEL_LANGUAGES},
        "focus_country": spec.focus_country,
        "period": {"start": spec.period[0].isoformat(), "end": spec.period[1].isoformat()},
        "languages": list(languages),
        "formats": ["html", "pdf"],
        "inputs": inputs,
        "taxonomy": {c.id: {"label": c.labels, "match": list(c.raw), **({} if c.drug else {"drug": False})}
                     for c in spec.categories},
    }
    if spec.compare_country:
        config["compare_country"] = spec.compare_country
    if spec.retail_eur is not None:
        config["thresholds"] = {"retail_eur": spec.retail_eur}
    if spec.survey is not None and spec.survey.crosstab:
        config["crosstabs"] = [{"rows": spec.survey.crosstab[0], "columns": spec.survey.crosstab[1]}]
    return config


# ---------------------------------------------------------------- what the figures must say

def expected_figures(spec: ProjectSpec) -> dict[str, Any]:
    """Figures the data fix exactly (replaying the seeded rows write_project wrote): markets, categories and
    calendar months with drug listings, market events in the period on crawled markets, the sales source."""
    rng = random.Random(spec.seed)
    listings, _ = _scrape(spec, _vendors(spec, rng), rng)
    drug = {raw.casefold() for c in spec.categories if c.drug for raw in c.raw}
    category_of = {raw.casefold(): c.id for c in spec.categories for raw in c.raw}
    rows = [row for row in listings if row["category"].casefold() in drug]
    markets = {row["market"] for row in rows}
    start, end = spec.period
    events = [e for e in spec.event_rows if e[2] != "launch" and start <= e[1] <= end and e[0] in markets]
    return {
        "markets.count": len(markets),
        "categories.count": len({category_of[row["category"].casefold()] for row in rows}),
        "months.count": len({row["crawled_at"][:7] for row in rows}),
        "events.count": len(events),
        "sales.source": "feedback" if spec.sales == "feedback_noid" else spec.sales,
    }
