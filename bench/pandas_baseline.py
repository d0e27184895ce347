"""The core market aggregation in plain pandas, as a team without the report would write it.

    python bench/pandas_baseline.py DIR

DIR is a folder written by bench/generate_parquet.py: its config.yaml gives the period, the focus country,
the taxonomy and the inputs. The whole listings and feedback tables are read into DataFrames, normalised
(vendor names trimmed and lower-cased, raw categories mapped with fnmatch, drug listings in the period kept),
then: distinct vendors and listings per market and for the focus country, monthly distinct vendors per
market, category shares, origin combinations of focus vendors, feedback counted once per (market,
feedback_id) at its earliest crawl, each sale priced at the listing's latest crawl at or before left_at
(merge_asof), converted to EUR at that day's rate (merge_asof), and sales counted and summed by value bracket.

Prints one JSON line of headline numbers, named like the report's figures where they mean the same, to
eyeball against the report. A baseline for time and memory, not a reference implementation.
"""
from __future__ import annotations

import fnmatch
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

BRACKETS = [0, 10, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, np.inf]


def as_day(values: pd.Series) -> pd.Series:
    """Dates as datetime64[s], so merge_asof keys from Parquet and CSV have the same resolution."""
    return pd.to_datetime(values).astype("datetime64[s]")


def category_of(raw: str, taxonomy: dict) -> str | None:
    key = raw.strip().casefold()
    for category, spec in taxonomy.items():
        if any(fnmatch.fnmatchcase(key, pattern.casefold()) for pattern in spec["match"]):
            return category
    return None


def load_listings(folder: Path, taxonomy: dict, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drug listings crawled in the period, and the (market, listing_id) of non-drug listings."""
    listings = pd.read_parquet(folder)
    listings["vendor"] = listings["vendor"].str.strip().str.lower()
    listings["crawled_at"] = as_day(listings["crawled_at"])
    listings["ships_from"] = listings["ships_from"].str.strip().str.upper().fillna("?")
    mapping = {raw: category_of(raw, taxonomy) for raw in listings["category"].dropna().unique()}
    listings["category"] = listings["category"].map(mapping)
    drug = [key for key, spec in taxonomy.items() if spec.get("drug", True)]
    non_drug = listings.loc[listings["category"].notna() & ~listings["category"].isin(drug), ["market", "listing_id"]]
    keep = listings["category"].isin(drug) & listings["crawled_at"].between(start, end)
    return listings[keep], non_drug.drop_duplicates()


def market_figures(listings: pd.DataFrame, focus: str) -> dict:
    """Vendors and listings per market and focus country, monthly vendors, categories, focus origins."""
    focus_rows = listings[listings["ships_from"] == focus]
    per_market = listings.groupby("market").agg(vendors=("vendor", "nunique"), listings=("listing_id", "nunique"))
    focus_market = focus_rows.groupby("market").agg(vendors=("vendor", "nunique"), listings=("listing_id", "nunique"))
    month = listings["crawled_at"].dt.to_period("M")
    monthly = listings.groupby(["market", month])["vendor"].nunique()
    focus_monthly = focus_rows.groupby(["market", focus_rows["crawled_at"].dt.to_period("M")])["vendor"].nunique()
    categories = listings.drop_duplicates(["market", "listing_id"])["category"].value_counts(normalize=True)
    focus_vendors = focus_rows["vendor"].unique()
    origins = (listings[listings["vendor"].isin(focus_vendors)].groupby("vendor")["ships_from"]
               .agg(lambda s: "+".join(sorted(s.unique()))).value_counts())
    return {
        "vendors.total": listings["vendor"].nunique(),
        "vendors.focus": len(focus_vendors),
        "listings.total": len(listings.drop_duplicates(["market", "listing_id"])),
        "listings.focus": len(focus_rows.drop_duplicates(["market", "listing_id"])),
        "markets": len(per_market),
        "focus_markets": len(focus_market),
        "monthly_rows": len(monthly) + len(focus_monthly),
        "categories": len(categories),
        "origins.multi.count": int(origins[origins.index.str.contains("+", regex=False)].sum()),
    }


def priced_sales(feedback: pd.DataFrame, listings: pd.DataFrame, non_drug: pd.DataFrame, rates: pd.DataFrame,
                 start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """One row per feedback left in the period, priced in EUR (paid price if shown, else the listing's)."""
    for column in ("crawled_at", "left_at"):
        feedback[column] = as_day(feedback[column])
    feedback = feedback.sort_values("crawled_at", kind="stable").drop_duplicates(["market", "feedback_id"])
    feedback = feedback[feedback["left_at"].between(start, end)].copy()
    feedback["vendor"] = feedback["vendor"].str.strip().str.lower()
    feedback = feedback.merge(non_drug, on=["market", "listing_id"], how="left", indicator=True)
    feedback = feedback[feedback["_merge"] == "left_only"].drop(columns="_merge")

    prices = (listings[["market", "listing_id", "crawled_at", "price", "currency"]]
              .rename(columns={"crawled_at": "list_crawled_at", "price": "list_price", "currency": "list_currency"})
              .sort_values("list_crawled_at"))
    sales = pd.merge_asof(feedback.sort_values("left_at"), prices, left_on="left_at", right_on="list_crawled_at",
                          by=["market", "listing_id"], direction="backward")
    unpriced = sales["list_price"].isna()
    later = pd.merge_asof(sales.loc[unpriced, ["market", "listing_id", "left_at"]], prices, left_on="left_at",
                          right_on="list_crawled_at", by=["market", "listing_id"], direction="forward")
    sales.loc[unpriced, ["list_price", "list_currency"]] = later[["list_price", "list_currency"]].to_numpy()
    sales["amount"] = sales["price"].fillna(sales["list_price"])
    sales["amount_currency"] = sales["currency"].fillna(sales["list_currency"])

    sales = pd.merge_asof(sales.sort_values("left_at"), rates, left_on="left_at", right_on="date",
                          left_by="amount_currency", right_by="currency", direction="backward", suffixes=("", "_rate"))
    sales["eur"] = sales["amount"] * sales["eur_rate"]
    return sales


def read_rates(path: Path) -> pd.DataFrame:
    rates = pd.read_csv(path)
    rates["date"] = as_day(rates["date"])
    rates["currency"] = rates["currency"].str.strip().str.upper()
    euro = pd.DataFrame({"date": rates["date"].unique(), "currency": "EUR", "eur_rate": 1.0})
    return pd.concat([rates, euro]).sort_values("date")


def main() -> None:
    started = time.perf_counter()
    folder = Path(sys.argv[1])
    config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    inputs, focus = config["inputs"], config["focus_country"]
    start, end = pd.Timestamp(config["period"]["start"]), pd.Timestamp(config["period"]["end"])
    thresholds = config.get("thresholds", {})
    low, high = thresholds.get("placeholder_min_eur", 1.0), thresholds.get("placeholder_max_eur", 20000.0)

    listings, non_drug = load_listings(folder / inputs["listings"], config["taxonomy"], start, end)
    figures = {"listing_rows": len(listings)}
    figures.update(market_figures(listings, focus))
    focus_vendors = listings.loc[listings["ships_from"] == focus, "vendor"].unique()

    feedback = pd.read_parquet(folder / inputs["feedback"])
    figures["feedback_rows"] = len(feedback)
    sales = priced_sales(feedback, listings, non_drug, read_rates(folder / inputs["exchange_rates"]), start, end)
    valid = sales[sales["eur"].between(low, high)].copy()
    valid["focus"] = valid["vendor"].isin(focus_vendors)
    valid["bracket"] = pd.cut(valid["eur"], BRACKETS, right=False)
    by_bracket = valid.groupby(["focus", "bracket"], observed=False)["eur"].agg(["count", "sum"])
    focus_sales = by_bracket.loc[True]
    figures.update({
        "sales.count": len(sales),
        "sales.valid.count": int(by_bracket["count"].sum()),
        "sales.valid.value_eur": round(float(by_bracket["sum"].sum()), 2),
        "transactions.count": int(focus_sales["count"].sum()),
        "transactions.value_eur": round(float(focus_sales["sum"].sum()), 2),
        "transactions.brackets": [int(c) for c in focus_sales["count"]],
        "seconds": round(time.perf_counter() - started, 2),
    })
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
