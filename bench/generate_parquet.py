"""Generate a large synthetic scrape as folders of Parquet partitions, for the scaling benchmark.

    python bench/generate_parquet.py --listings 10000000 --feedback 2000000 --out bench/data/10000000 [--seed 1]

Writes into the output folder:
  listings/part-XXXX.parquet   one row per listing per weekly crawl (exactly --listings rows)
  feedback/part-XXXX.parquet   one row per feedback per crawl that saw it (exactly --feedback rows)
  exchange_rates.csv           daily EUR value of 1 BTC and 1 USD (the report adds EUR itself, as in the sample)
  market_events.csv, survey.csv, codebook.yaml   copies of the sample's
  config.yaml                  config/sample.yaml with edition `bench`, HTML only, and the inputs above
  generated.json               the arguments, written last: a folder without it is incomplete

Five markets crawled every Monday from 2018-10-29 (one crawl before the period) to 2019-11-25, about one
vendor per 100 listing rows, ~1 % of them shipping from BE (some from BE and NL, or moving between them),
listings that live for several crawls with a stable listing_id and a price that moves a little, raw
category paths from the sample generator (so config/sample.yaml maps them, fraud and digital goods onto its
non-drug category), and feedback on those listings, each seen in 1 to 3 crawls. Products, category paths,
origins, shipping policies and rate anchors come from tools/generate_sample.py.

Everything is vectorised and written batch by batch (about a million listing rows at a time), so memory stays
well under 1 GB whatever the size. The same arguments give the same rows.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import generate_sample as sample  # noqa: E402  (the sample's products, category paths, origins and rates)

EPOCH = date(1970, 1, 1)
FIRST_CRAWL = date(2018, 10, 29)  # a Monday, one week before the period starts
LAST_CRAWL = date(2019, 11, 25)
WEEKS = (LAST_CRAWL - FIRST_CRAWL).days // 7 + 1
RATES_FROM, RATES_TO = sample.RATES_FROM, sample.RATES_TO

ROWS_PER_VENDOR = 100
LISTINGS_PER_BATCH = 200_000  # listing entities per batch: about a million rows
ROWS_PER_FILE = 2_000_000
SECOND_MARKET_P = 0.15  # vendors who also sell on a second market
ON_SECOND_P = 0.4  # share of such a vendor's listings on the second market
MEAN_LIFETIME_WEEKS = 8
CRAWL_MISS_P = 0.08  # a crawl misses a listing that is online
PROFILE_P = 0.5  # share of a vendor's listings in its speciality
PLACEHOLDER_P = 0.003
MISSING_PRICE_P = 0.003
FEEDBACK_SIGHTINGS_P = (0.5, 0.3, 0.2)  # a feedback is seen in 1, 2 or 3 weekly crawls
FEEDBACK_PRICE_P = 0.25
TITLES_PER_PRODUCT = 48
CURRENCIES = ("USD", "BTC", "EUR")


@dataclass(frozen=True)
class Market:
    name: str
    prefix: str
    last_crawl: date
    vendor_share: float  # share of vendors whose main market this is
    currencies: tuple[float, float, float]  # probability of a listing in USD, BTC, EUR
    style: int  # which of the three raw category wordings of the sample its crawler exports

    @property
    def last_week(self) -> int:
        return (self.last_crawl - FIRST_CRAWL).days // 7


MARKETS = (
    Market("Dream Market", "DM", date(2019, 3, 25), 0.25, (0.08, 0.92, 0.0), 0),
    Market("Wall Street Market", "WSM", date(2019, 4, 29), 0.15, (0.6, 0.0, 0.4), 1),
    Market("Empire Market", "EM", LAST_CRAWL, 0.30, (1.0, 0.0, 0.0), 2),
    Market("Berlusconi Market", "BM", date(2019, 11, 4), 0.15, (0.5, 0.0, 0.5), 1),
    Market("Cryptonia Market", "CM", LAST_CRAWL, 0.15, (0.5, 0.5, 0.0), 0),
)
MARKET_LAST_WEEK = np.array([m.last_week for m in MARKETS])
MARKET_STYLE = np.array([m.style for m in MARKETS])
MARKET_CURRENCY_CDF = np.cumsum([m.currencies for m in MARKETS], axis=1)

PRODUCTS = tuple(sample.PRODUCTS)
ORIGINS = tuple({**sample.ORIGIN_WEIGHTS, "BE": 1.0})  # "" is undeclared (written as null)
ORIGIN_WEIGHTS = np.array([{**sample.ORIGIN_WEIGHTS, "BE": 1.0}[o] for o in ORIGINS])
SHIPS_TO = tuple(dict.fromkeys(text for options in sample.SHIPS_TO.values() for text, _ in options))


def cdf(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return np.cumsum(w) / w.sum()


def draw(rng: np.random.Generator, cumulative: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn with the probabilities whose cumulative sums are `cumulative`."""
    return np.minimum(np.searchsorted(cumulative, rng.random(n), side="right"), len(cumulative) - 1)


def mix_cdf(mix: str) -> np.ndarray:
    return cdf([sample.MIX[mix].get(p, 0.0) for p in PRODUCTS])


def nullable_strings(values: tuple[str, ...]) -> pa.Array:
    return pa.array([v or None for v in values], pa.string())


def date_array(days: np.ndarray) -> pa.Array:
    """Days since 1970-01-01 as a date32 column."""
    return pa.array(days.astype(np.int32), pa.date32())


def week_days(week: np.ndarray) -> np.ndarray:
    return (FIRST_CRAWL - EPOCH).days + 7 * week


# --- Fixed tables: titles, category paths, rates -----------------------------------------------------------

@dataclass(frozen=True)
class Catalogue:
    """Title pool per product (with its quantity's EUR price) and raw category path per product and wording."""

    titles: pa.Array  # product * TITLES_PER_PRODUCT + k
    title_eur: np.ndarray
    categories: pa.Array  # product * 3 + style


def catalogue(rng: np.random.Generator) -> Catalogue:
    titles, prices = [], []
    for key in PRODUCTS:
        product = sample.PRODUCTS[key]
        qs = np.array(product.quantities, dtype=float)
        for q in qs[draw(rng, cdf(qs ** -0.45), TITLES_PER_PRODUCT)]:
            amount = f"{q:g}g" if product.unit == "g" else f"{q:g}x"
            name, emoji, tag = (str(rng.choice(x)) for x in (product.names, sample.EMOJI, sample.TAGS))
            form = int(rng.integers(4))
            titles.append((f"{amount} {name}", f"{emoji} {amount} {name} {emoji}", f"{name} {amount} | {tag}",
                           f"{amount} {name} ★")[form])
            prices.append(product.eur_per_unit * q ** 0.85)
    paths = [sample.CATEGORY_PATH[key][style] for key in PRODUCTS for style in range(3)]
    return Catalogue(pa.array(titles, pa.string()), np.array(prices), pa.array(paths, pa.string()))


def check_taxonomy(paths: list[str]) -> None:
    """Every raw category path must map onto config/sample.yaml's taxonomy, as the report requires."""
    taxonomy = yaml.safe_load((ROOT / "config" / "sample.yaml").read_text(encoding="utf-8"))["taxonomy"]
    patterns = [p.casefold() for category in taxonomy.values() for p in category["match"]]
    unmapped = [p for p in paths if not any(fnmatch.fnmatchcase(p.strip().casefold(), x) for x in patterns)]
    if unmapped:
        raise SystemExit(f"category paths outside the taxonomy of config/sample.yaml: {unmapped}")


def exchange_rates(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Daily EUR value of 1 BTC and 1 USD from RATES_FROM: the sample's anchor path times autocorrelated noise."""
    days = np.arange((RATES_TO - RATES_FROM).days + 1)
    rates = {}
    for currency, anchors, sd in (("BTC", sample.BTC_EUR, 0.02), ("USD", sample.USD_EUR, 0.0015)):
        xs = [(date.fromisoformat(d) - RATES_FROM).days for d, _ in anchors]
        shocks, noise = rng.normal(0, sd, len(days)), np.zeros(len(days))
        for i in range(1, len(days)):
            noise[i] = 0.85 * noise[i - 1] + shocks[i]
        rates[currency] = np.interp(days, xs, [v for _, v in anchors]) * np.exp(noise)
    rates["BTC"], rates["USD"] = rates["BTC"].round(2), rates["USD"].round(6)
    return rates


def write_rates(path: Path, rates: dict[str, np.ndarray]) -> None:
    lines = ["date,currency,eur_rate"]
    for i in range(len(rates["BTC"])):
        day = (RATES_FROM + timedelta(days=i)).isoformat()
        lines += [f"{day},BTC,{rates['BTC'][i]:.2f}", f"{day},USD,{rates['USD'][i]:.6f}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- Vendors ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vendors:
    """One entry per vendor (a person): markets, active weeks, origins, shipping policy, offer and size."""

    names: pa.Array  # the name on the main market (0..V-1), then on the second market (V..2V-1)
    main: np.ndarray
    second: np.ndarray  # -1: one market only
    first_week: np.ndarray
    last_week: np.ndarray
    origins: np.ndarray  # (V, 3) origin indices; columns beyond n_origins repeat the first
    n_origins: np.ndarray
    moves: np.ndarray  # True: ships from origins[1] from switch_week on; else each listing picks one origin
    switch_week: np.ndarray
    ships_to: np.ndarray
    is_be: np.ndarray
    profile: np.ndarray
    price_factor: np.ndarray
    cdf: np.ndarray  # who a new listing belongs to: big vendors have more listings

    def __len__(self) -> int:
        return len(self.main)


def vendor_names(rng: np.random.Generator, origins: np.ndarray) -> list[str]:
    """`GoldenPanda4711`, `belgianharbor88`...: words then the vendor number, so no two fold to the same key."""
    n = len(origins)
    adjectives, nouns = np.array(sample.ADJECTIVES), np.array(sample.NOUNS)
    first = adjectives[rng.integers(len(adjectives), size=n)].astype(object)
    local = np.array([sample.LOCAL_WORDS.get(ORIGINS[o], ("",))[0] for o in origins], dtype=object)
    use_local = (local != "") & (rng.random(n) < 0.2)
    first[use_local] = local[use_local]
    second = nouns[rng.integers(len(nouns), size=n)].astype(object)
    lower = rng.random(n) < 0.3
    return [(f + s).lower() + str(i) if low else f + s + str(i)
            for i, (f, s, low) in enumerate(zip(first, second, lower))]


def make_vendors(rng: np.random.Generator, count: int) -> Vendors:
    main = draw(rng, cdf([m.vendor_share for m in MARKETS]), count)
    second = np.where(rng.random(count) < SECOND_MARKET_P,
                      (main + rng.integers(1, len(MARKETS), size=count)) % len(MARKETS), -1)
    first_week = np.where(rng.random(count) < 0.4, 0, rng.integers(0, WEEKS, size=count))
    last_week = np.minimum(first_week + rng.geometric(1 / 30, size=count), WEEKS - 1)

    origin = draw(rng, cdf(ORIGIN_WEIGHTS), count)
    origins = np.repeat(origin[:, None], 3, axis=1)
    n_origins, moves = np.ones(count, dtype=int), np.zeros(count, dtype=bool)
    be = np.flatnonzero(origin == ORIGINS.index("BE"))
    modes = sample.BE_ORIGIN_MODES
    for i, k in zip(be, draw(rng, cdf([w for *_, w in modes]), len(be))):
        mode, codes, _ = modes[k]
        origins[i, : len(codes)] = [ORIGINS.index(c) for c in codes]
        n_origins[i], moves[i] = len(codes), mode == "move"
    others = np.flatnonzero((origin != ORIGINS.index("BE")) & (rng.random(count) < 0.03))
    for i in others:
        codes = sample.OTHER_MULTI[int(rng.integers(len(sample.OTHER_MULTI)))]
        origins[i, :2] = [ORIGINS.index(c) for c in codes]
        n_origins[i], moves[i] = 2, rng.random() < 0.4
    switch_week = rng.integers(5, 45, size=count)

    last_origin = origins[np.arange(count), n_origins - 1]
    ships_to = np.zeros(count, dtype=int)
    for o in np.unique(last_origin):
        options = sample.SHIPS_TO.get(ORIGINS[o], sample.SHIPS_TO["*"])
        who = np.flatnonzero(last_origin == o)
        picked = draw(rng, cdf([w for _, w in options]), len(who))
        ships_to[who] = [SHIPS_TO.index(options[k][0]) for k in picked]

    is_be = (origins == ORIGINS.index("BE")).any(axis=1)
    profile = np.where(is_be, draw(rng, mix_cdf("be_classic"), count), draw(rng, mix_cdf("global"), count))
    names = vendor_names(rng, origin)
    variant = draw(rng, cdf((6, 2, 1, 1)), count)  # same name elsewhere up to case and spaces
    elsewhere = [(n, n.lower(), n + " ", " " + n)[k] for n, k in zip(names, variant)]
    return Vendors(
        names=pa.array(names + elsewhere, pa.string()), main=main, second=second, first_week=first_week,
        last_week=last_week, origins=origins, n_origins=n_origins, moves=moves, switch_week=switch_week,
        ships_to=ships_to, is_be=is_be, profile=profile, price_factor=rng.lognormal(0, 0.15, count),
        cdf=cdf(rng.lognormal(-0.3, 0.9, count)))


# --- One batch of listings and their feedback ------------------------------------------------------------------

@dataclass(frozen=True)
class Batch:
    """Listing entities (one per listing_id) and their rows (one per crawl that saw the listing)."""

    listing_ids: pa.Array
    market: np.ndarray
    vendor_names: pa.Array  # Vendors.names
    vendor_name: np.ndarray  # per listing: index into vendor_names
    row_listing: np.ndarray  # per row: index of its listing entity
    row_week: np.ndarray
    row_price: np.ndarray  # in the listing's currency; NaN when the crawler could not read it
    row_currency: np.ndarray
    row_eur: np.ndarray  # the row's price in EUR, for drawing sales


def make_batch(rng: np.random.Generator, vendors: Vendors, first_key: int, max_rows: int,
               rates: dict[str, np.ndarray], cat: Catalogue) -> tuple[Batch, pa.Table]:
    n = LISTINGS_PER_BATCH
    v = draw(rng, vendors.cdf, n)
    on_second = (vendors.second[v] >= 0) & (rng.random(n) < ON_SECOND_P)
    market = np.where(on_second, vendors.second[v], vendors.main[v])
    lo = vendors.first_week[v]
    hi = np.minimum(vendors.last_week[v], MARKET_LAST_WEEK[market])
    closed = lo > hi  # the vendor's active weeks all fall after the market's last crawl: any crawl of it
    lo, hi = np.where(closed, 0, lo), np.where(closed, MARKET_LAST_WEEK[market], hi)
    start = lo + (rng.random(n) * (hi - lo + 1)).astype(int)
    end = np.minimum(start + rng.geometric(1 / MEAN_LIFETIME_WEEKS, size=n) - 1, hi)

    product = np.where(rng.random(n) < PROFILE_P, vendors.profile[v],
                       np.where(vendors.is_be[v], draw(rng, mix_cdf("be_classic"), n), draw(rng, mix_cdf("global"), n)))
    title = product * TITLES_PER_PRODUCT + rng.integers(TITLES_PER_PRODUCT, size=n)
    category = product * 3 + MARKET_STYLE[market]
    currency = (rng.random(n)[:, None] >= MARKET_CURRENCY_CDF[market]).sum(axis=1)
    origin_slot = (rng.random(n) * vendors.n_origins[v]).astype(int)
    eur = cat.title_eur[title] * vendors.price_factor[v] * rng.lognormal(0, 0.1, n)
    placeholder = rng.random(n) < PLACEHOLDER_P  # "do not buy" listings at 99999 in any currency
    eur[placeholder] = 99999.0
    usd_at_start = rates["USD"][week_days(start) - (RATES_FROM - EPOCH).days]

    # Rows: every crawl from start to end, less the crawls that missed the listing, cut at max_rows.
    lengths = end - start + 1
    listing = np.repeat(np.arange(n), lengths)
    week = start[listing] + np.arange(len(listing)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    seen = rng.random(len(listing)) >= CRAWL_MISS_P
    listing, week = listing[seen][:max_rows], week[seen][:max_rows]
    order = np.lexsort((market[listing], week))  # by crawl week, then market, as scrape dumps come
    listing, week = listing[order], week[order]

    rv = v[listing]
    moved = vendors.moves[rv] & (week >= vendors.switch_week[rv])
    slot = np.where(vendors.moves[rv], moved.astype(int), origin_slot[listing])
    origin = vendors.origins[rv, slot]
    row_currency = currency[listing]
    row_eur = eur[listing] * rng.lognormal(0, 0.02, len(listing))
    day = week_days(week) - (RATES_FROM - EPOCH).days
    price = np.select([row_currency == 1, row_currency == 0],
                      [(row_eur / rates["BTC"][day]).round(6), (row_eur / usd_at_start[listing]).round(2)],
                      row_eur.round(2))
    price[placeholder[listing]] = 99999.0
    price[rng.random(len(listing)) < MISSING_PRICE_P] = np.nan

    keys = pa.array(first_key + np.arange(n))
    prefixes = pc.take(pa.array([m.prefix for m in MARKETS]), pa.array(market))
    listing_ids = pc.binary_join_element_wise(prefixes, pc.utf8_lpad(pc.cast(keys, pa.string()), 9, "0"), "-")
    name = v + len(vendors) * on_second
    rows = pa.array(listing)
    table = pa.table({
        "market": pc.take(pa.array([m.name for m in MARKETS]), pa.array(market[listing])),
        "crawled_at": date_array(week_days(week)),
        "listing_id": pc.take(listing_ids, rows),
        "vendor": pc.take(vendors.names, pa.array(name[listing])),
        "title": pc.take(cat.titles, pa.array(title[listing])),
        "category": pc.take(cat.categories, pa.array(category[listing])),
        "price": pa.array(price, pa.float64(), from_pandas=True),
        "currency": pc.take(pa.array(CURRENCIES), pa.array(row_currency)),
        "ships_from": pc.take(nullable_strings(ORIGINS), pa.array(origin)),
        "ships_to": pc.take(nullable_strings(SHIPS_TO), pa.array(vendors.ships_to[rv])),
    })
    batch = Batch(listing_ids, market, vendors.names, name, listing, week, price, row_currency, row_eur)
    return batch, table


def feedback_table(rng: np.random.Generator, batch: Batch, first_id: int, count: int) -> tuple[pa.Table, int]:
    """`count` feedback rows on the batch's listings, and how many feedback ids they used.

    A sale is left in the 7 days after a crawl saw the listing (cheap listings sell more) and shows up in the
    next 1 to 3 crawls of its market; a sale no crawl saw (the market closed) has no row.
    """
    weights = np.where(np.isnan(batch.row_price) | (batch.row_eur > 50000), 0.0, batch.row_eur ** -0.5)
    sales_cdf = cdf(weights)
    pieces, used, have = [], 0, 0
    while have < count:
        n = int((count - have) / 1.7 * 1.1) + 10
        row = draw(rng, sales_cdf, n)
        left_day = week_days(batch.row_week[row]) + rng.integers(0, 7, size=n)
        sightings = draw(rng, cdf(FEEDBACK_SIGHTINGS_P), n) + 1
        sale = np.repeat(np.arange(n), sightings)
        seen_week = batch.row_week[row[sale]] + np.arange(len(sale)) - np.repeat(np.cumsum(sightings) - sightings, sightings) + 1
        kept = seen_week <= MARKET_LAST_WEEK[batch.market[batch.row_listing[row[sale]]]]
        sale = sale[kept]
        pieces.append((row[sale], left_day[sale], used + sale, seen_week[kept]))
        used, have = used + n, have + len(sale)
    row, left_day, number, seen_week = (np.concatenate(column)[:count] for column in zip(*pieces))
    order = np.argsort(seen_week, kind="stable")
    row, left_day, number, seen_week = row[order], left_day[order], number[order], seen_week[order]

    listing = batch.row_listing[row]
    shown = rng.random(count) < FEEDBACK_PRICE_P
    prefixes = pc.take(pa.array([m.prefix + "-FB" for m in MARKETS]), pa.array(batch.market[listing]))
    ids = pc.utf8_lpad(pc.cast(pa.array(first_id + number), pa.string()), 10, "0")
    table = pa.table({
        "market": pc.take(pa.array([m.name for m in MARKETS]), pa.array(batch.market[listing])),
        "crawled_at": date_array(week_days(seen_week)),
        "feedback_id": pc.binary_join_element_wise(prefixes, ids, "-"),
        "listing_id": pc.take(batch.listing_ids, pa.array(listing)),
        "vendor": pc.take(batch.vendor_names, pa.array(batch.vendor_name[listing])),
        "left_at": date_array(left_day),
        "price": pa.array(np.where(shown, batch.row_price[row], np.nan), pa.float64(), from_pandas=True),
        "currency": pc.take(pa.array(CURRENCIES), pa.array(batch.row_currency[row], mask=~shown)),
    })
    return table, used


# --- Writing ---------------------------------------------------------------------------------------------------

class PartWriter:
    """Writes tables into folder/part-0000.parquet, part-0001.parquet... of at most `rows_per_file` rows each."""

    def __init__(self, folder: Path, rows_per_file: int) -> None:
        self.folder, self.rows_per_file = folder, rows_per_file
        self.files, self.rows, self.writer = 0, 0, None

    def write(self, table: pa.Table) -> None:
        while table.num_rows:
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.folder / f"part-{self.files:04d}.parquet", table.schema)
                self.files, self.rows = self.files + 1, 0
            head = table.slice(0, self.rows_per_file - self.rows)
            self.writer.write_table(head)
            self.rows += head.num_rows
            table = table.slice(head.num_rows)
            if self.rows == self.rows_per_file:
                self.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def write_config(out: Path) -> None:
    """config/sample.yaml with edition `bench`, HTML only, and the generated inputs."""
    config = yaml.safe_load((ROOT / "config" / "sample.yaml").read_text(encoding="utf-8"))
    config.update(edition="bench", formats=["html"])
    for key in ("references", "custom_dir"):  # the sample project's own prose and bibliography: not needed here
        config.pop(key, None)
    config["inputs"] = {"listings": "listings", "feedback": "feedback", "exchange_rates": "exchange_rates.csv",
                        "market_events": "market_events.csv", "survey": "survey.csv", "codebook": "codebook.yaml"}
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=4096)
    (out / "config.yaml").write_text("# Written by bench/generate_parquet.py.\n" + text, encoding="utf-8")


def generate(out: Path, n_listings: int, n_feedback: int, seed: int, rows_per_file: int = ROWS_PER_FILE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "generated.json").unlink(missing_ok=True)
    for name in ("listings", "feedback"):
        (out / name).mkdir(exist_ok=True)
        for old in (out / name).glob("part-*.parquet"):
            old.unlink()
    cat = catalogue(np.random.default_rng([seed, 3]))
    check_taxonomy(cat.categories.to_pylist())
    rates = exchange_rates(np.random.default_rng([seed, 2]))
    vendors = make_vendors(np.random.default_rng([seed, 0]), max(20, n_listings // ROWS_PER_VENDOR))
    listings, feedback = PartWriter(out / "listings", rows_per_file), PartWriter(out / "feedback", rows_per_file)
    rows = feedback_rows = next_key = next_feedback = number = 0
    while rows < n_listings:
        rng = np.random.default_rng([seed, 1, number])
        batch, table = make_batch(rng, vendors, next_key, n_listings - rows, rates, cat)
        listings.write(table)
        rows, next_key, number = rows + table.num_rows, next_key + LISTINGS_PER_BATCH, number + 1
        quota = round(n_feedback * rows / n_listings) - feedback_rows
        if quota > 0:
            table, used = feedback_table(rng, batch, next_feedback, quota)
            feedback.write(table)
            feedback_rows, next_feedback = feedback_rows + table.num_rows, next_feedback + used
    listings.close()
    feedback.close()
    write_rates(out / "exchange_rates.csv", rates)
    for name in ("market_events.csv", "survey.csv", "codebook.yaml"):
        shutil.copyfile(ROOT / "sample_inputs" / name, out / name)
    write_config(out)
    done = {"listings": n_listings, "feedback": n_feedback, "seed": seed, "rows_per_file": rows_per_file}
    (out / "generated.json").write_text(json.dumps(done) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=lambda s: int(float(s)), required=True, help="listing rows, e.g. 1e7")
    parser.add_argument("--feedback", type=lambda s: int(float(s)), required=True, help="feedback rows, e.g. 2e6")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows-per-file", type=int, default=ROWS_PER_FILE)
    args = parser.parse_args()
    started = time.perf_counter()
    generate(args.out, args.listings, args.feedback, args.seed, args.rows_per_file)
    print(f"wrote {args.listings:,} listing and {args.feedback:,} feedback rows to {args.out} "
          f"in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
