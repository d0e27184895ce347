"""Generate the synthetic sample inputs of the report (scrapes, rates, events, survey, codebook).

The data imitate a Belgian CRYPTODRUG-style study: weekly crawls of Dream Market, Wall Street
Market and Empire Market from November 2018 to November 2019, a daily exchange-rate table, the
market timeline, and an online survey of 99 Belgian buyers with its codebook. Nothing here is real:
vendors, listings and respondents are drawn from a seeded simulation, so the files are the same
byte for byte on every run.

Run from the repository root:

    python tools/generate_sample.py [--out sample_inputs] [--seed 20191130]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml

# --- The market timeline --------------------------------------------------------------------------

DREAM = "Dream Market"
WSM = "Wall Street Market"
EMPIRE = "Empire Market"
MARKETS = (DREAM, WSM, EMPIRE)
ID_PREFIX = {DREAM: "DM", WSM: "WSM", EMPIRE: "EM"}

PERIOD_START = date(2018, 11, 1)
PERIOD_END = date(2019, 11, 30)
FIRST_CRAWL = date(2018, 11, 5)  # crawls run every Monday
DREAM_CLOSURE = date(2019, 3, 26)  # closure announced; the crawler stopped the day before
WSM_EXIT_SCAM = date(2019, 4, 23)
WSM_SEIZURE = date(2019, 5, 3)
EMPIRE_LAUNCH = date(2018, 2, 1)
LAST_CRAWL = {DREAM: date(2019, 3, 25), WSM: date(2019, 4, 29), EMPIRE: date(2019, 11, 25)}

MARKET_EVENTS = (
    (EMPIRE, EMPIRE_LAUNCH, "launch"),
    (DREAM, DREAM_CLOSURE, "closure"),
    (WSM, WSM_EXIT_SCAM, "exit_scam"),
    (WSM, WSM_SEIZURE, "seizure"),
)

# Vendors active on each market at a crawl (anchor dates, linear in between).
VENDOR_TARGETS = {
    DREAM: (("2018-11-05", 900), ("2019-01-28", 930), ("2019-03-25", 480)),
    WSM: (("2018-11-05", 330), ("2019-03-25", 420), ("2019-04-08", 640), ("2019-04-29", 720)),
    EMPIRE: (("2018-11-05", 60), ("2019-03-25", 120), ("2019-04-29", 300),
             ("2019-06-24", 760), ("2019-11-25", 1000)),
}
# Buyer demand per market (multiplies every listing's weekly sales rate).
DEMAND = {
    DREAM: (("2018-11-05", 1.0), ("2019-01-28", 1.0), ("2019-03-25", 0.55)),
    WSM: (("2018-11-05", 0.9), ("2019-03-25", 1.0), ("2019-04-08", 1.5), ("2019-04-22", 1.4),
          ("2019-04-29", 0.6)),
    EMPIRE: (("2018-11-05", 0.6), ("2019-03-25", 0.7), ("2019-05-13", 1.3), ("2019-11-25", 1.4)),
}
WEEKLY_EXIT = 0.03  # share of a market's vendors that stop each week
DREAM_DECLINE_FROM = date(2019, 2, 1)
DREAM_DECLINE_EXIT = 0.08
BE_EXIT_FACTOR = 0.5  # Belgian vendors stay longer: their number grows steadily over the period
MIGRATION_P = {  # (from, to): (probability for Belgian vendors, for the others)
    (DREAM, WSM): (0.6, 0.33),
    (DREAM, EMPIRE): (0.3, 0.12),
    (WSM, EMPIRE): (0.7, 0.45),
}
SAME_NAME_P = 0.6  # migrants keeping their name up to case and surrounding spaces
MULTIHOME_P = {WSM: 0.12, EMPIRE: 0.04}  # new vendors who already sell on another market

# --- Rates -------------------------------------------------------------------------------------------

RATES_FROM = date(2018, 10, 1)
RATES_TO = date(2019, 12, 31)
BTC_EUR = (("2018-10-01", 5700), ("2018-11-10", 5650), ("2018-11-20", 4000), ("2018-11-25", 3400),
           ("2018-12-15", 2950), ("2018-12-31", 3250), ("2019-01-31", 3050), ("2019-02-28", 3350),
           ("2019-03-31", 3650), ("2019-04-10", 4600), ("2019-05-15", 7000), ("2019-06-01", 7600),
           ("2019-06-26", 11300), ("2019-07-15", 9500), ("2019-08-15", 9200), ("2019-09-20", 8900),
           ("2019-09-26", 7400), ("2019-10-24", 6800), ("2019-10-28", 8500), ("2019-11-30", 6900),
           ("2019-12-31", 6450))
USD_EUR = (("2018-10-01", 0.862), ("2018-11-15", 0.884), ("2019-01-15", 0.874), ("2019-03-01", 0.880),
           ("2019-05-01", 0.892), ("2019-06-30", 0.879), ("2019-09-01", 0.910), ("2019-10-31", 0.897),
           ("2019-12-31", 0.891))

# --- Offer: products, categories, origins ------------------------------------------------------------

# Global listing mix (percent) by product; Belgian vendors follow their own mixes.
MIX = {
    "global": dict(weed=20, hash=8, edibles=2, cocaine=11, speed=5, meth=4, mdma_pills=7,
                   mdma_crystal=5, benzos=9, rx_other=6, heroin=3, oxy=2, lsd=4, mushrooms=3,
                   ketamine=3, nps=3, other_drug=1.5, fraud=2, digital=1.5),
    "be_classic": dict(weed=12, hash=6, cocaine=12, speed=14, meth=1, mdma_pills=16, mdma_crystal=12,
                       benzos=3, rx_other=3, heroin=2, lsd=5, mushrooms=2, ketamine=7, nps=4,
                       other_drug=1),
    "be_empire": dict(weed=22, hash=10, edibles=1, cocaine=21, speed=5, meth=1, mdma_pills=6,
                      mdma_crystal=5, benzos=3, rx_other=2, heroin=14, oxy=1, lsd=2, mushrooms=2,
                      ketamine=3, nps=1, other_drug=1),
}

# Chance that a listing is the vendor's first / first-or-second speciality, per mix. Belgian
# vendors on Empire are few, so their offer follows the group mix more closely.
PROFILE_LOYALTY = {"global": (0.6, 0.9), "be_classic": (0.6, 0.9), "be_empire": (0.2, 0.4)}

CATEGORY_PATH = {  # product -> raw category string as each market's crawler exports it
    "weed": ("Drugs/Cannabis/Weed", "Drugs » Cannabis » Buds & Flowers",
             "Drugs & Chemicals > Cannabis & Hashish > Buds & Flowers"),
    "hash": ("Drugs/Cannabis/Hash", "Drugs » Cannabis » Hash",
             "Drugs & Chemicals > Cannabis & Hashish > Hash"),
    "edibles": ("Drugs/Cannabis/Edibles", "Drugs » Cannabis » Edibles",
                "Drugs & Chemicals > Cannabis & Hashish > Edibles"),
    "cocaine": ("Drugs/Stimulants/Cocaine", "Drugs » Stimulants » Cocaine",
                "Drugs & Chemicals > Stimulants > Cocaine"),
    "speed": ("Drugs/Stimulants/Speed", "Drugs » Stimulants » Amphetamine",
              "Drugs & Chemicals > Stimulants > Speed"),
    "meth": ("Drugs/Stimulants/Meth", "Drugs » Stimulants » Meth",
             "Drugs & Chemicals > Stimulants > Meth"),
    "mdma_pills": ("Drugs/Ecstasy/Pills", "Drugs » Ecstasy » Pills",
                   "Drugs & Chemicals > Ecstasy > Pills"),
    "mdma_crystal": ("Drugs/Ecstasy/MDMA", "Drugs » Ecstasy » MDMA",
                     "Drugs & Chemicals > Ecstasy > MDMA"),
    "benzos": ("Drugs/Benzos", "Drugs » Benzos", "Drugs & Chemicals > Benzos > Pills"),
    "rx_other": ("Drugs/Prescription", "Drugs » Prescription", "Drugs & Chemicals > Prescription"),
    "heroin": ("Drugs/Opioids/Heroin", "Drugs » Opioids » Heroin",
               "Drugs & Chemicals > Opioids > Heroin"),
    "oxy": ("Drugs/Opioids/Oxycodone", "Drugs » Opioids » Pills",
            "Drugs & Chemicals > Opioids > Oxycodone"),
    "lsd": ("Drugs/Psychedelics/LSD", "Drugs » Psychedelics » LSD",
            "Drugs & Chemicals > Psychedelics > LSD"),
    "mushrooms": ("Drugs/Psychedelics/Shrooms", "Drugs » Psychedelics » Mushrooms",
                  "Drugs & Chemicals > Psychedelics > Mushrooms"),
    "ketamine": ("Drugs/Dissociatives/Ketamine", "Drugs » Dissociatives » Ketamine",
                 "Drugs & Chemicals > Dissociatives > Ketamine"),
    "nps": ("Drugs/RCs", "Drugs » Research Chemicals", "Drugs & Chemicals > RC"),
    "other_drug": ("Drugs/Other", "Drugs » Other", "Drugs & Chemicals > Others"),
    "fraud": ("Digital Goods/Fraud", "Fraud » Accounts & Bank Drops",
              "Fraud > Personal Information & Scans"),
    "digital": ("Digital Goods/Software", "Digital Products » Software", "Digital Products > E-Books"),
}


@dataclass(frozen=True)
class Product:
    """A kind of offer: unit, price per unit in EUR, quantity options and title words."""

    unit: str  # g | pills | tabs | item
    eur_per_unit: float
    quantities: tuple[float, ...]
    names: tuple[str, ...]
    templates: tuple[str, ...]
    purity: tuple[int, int] | None = None


_WEED_T = ("{e} {q} {n} {e}", "{q} {n} - Top Shelf", "{n} {q} | {tag}", "{q} {n} Indoor ★",
           "{n} ({q}) {tag}", "{q} of {n} {e}")
_POWDER_T = ("{e} {q} {n} {p}% pure {e}", "{q} {n} {p}% | {tag}", "{n} {q} - uncut", "{q} {n} ★ {tag}",
             "{e}{e} {n} {q} {e}{e}", "{q} {n} ({p}%)")
_PILL_T = ("{q} {n}", "{e} {q} {n} {e}", "{n} x {qn} | {tag}", "{q} {n} ✔ {tag}")

PRODUCTS = {
    "weed": Product("g", 9.0, (1, 2, 3.5, 5, 7, 10, 14, 28, 50, 100, 250, 500, 1000),
                    ("Amnesia Haze", "OG Kush", "White Widow", "Super Lemon Haze", "Girl Scout Cookies",
                     "Gorilla Glue #4", "Gelato", "Northern Lights", "Critical Kush", "Jack Herer",
                     "Purple Haze", "Wedding Cake"), _WEED_T),
    "hash": Product("g", 8.0, (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
                    ("Moroccan Caramello", "Afghan Black", "Dry Sift Hash", "Lebanese Gold", "Charas",
                     "Ice-o-lator", "Polm", "Super Pollen", "Temple Ball", "Bubble Hash"), _WEED_T),
    "edibles": Product("item", 12.0, (1, 2, 5, 10, 20),
                       ("THC Gummies 200mg", "Space Brownie 100mg", "Cannabis Chocolate 150mg"),
                       _PILL_T),
    "cocaine": Product("g", 75.0, (0.5, 1, 2, 3.5, 5, 7, 10, 14, 28, 50, 100, 250, 500, 1000),
                       ("Peruvian Flake", "Bolivian Cocaine", "Colombian Coke", "Fishscale Cocaine",
                        "Cocaine HCL", "Coke"), _POWDER_T, (78, 96)),
    "speed": Product("g", 7.0, (5, 10, 25, 50, 100, 250, 500, 1000),
                     ("Amphetamine Paste", "Speed", "Pep", "Amfetamine", "Amphetamine Sulphate",
                      "Speed Paste"), _POWDER_T, (40, 80)),
    "meth": Product("g", 55.0, (0.5, 1, 3.5, 7, 14, 28, 56, 112, 448),
                    ("Crystal Meth", "Meth Shards", "Ice", "Methamphetamine"), _POWDER_T, (85, 99)),
    "mdma_pills": Product("pills", 5.5, (5, 10, 20, 25, 50, 100, 200, 500, 1000, 5000),
                          ("Tesla 250mg MDMA pills", "Red Bull XTC 230mg", "Blue Punisher 280mg",
                           "Philipp Plein 300mg", "Superman XTC 220mg", "Rolex 250mg", "Domino 200mg",
                           "Heineken 220mg", "Pink Cobra 260mg"), _PILL_T),
    "mdma_crystal": Product("g", 28.0, (0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
                            ("MDMA crystal", "MDMA champagne", "MDMA Rocks", "Dutch MDMA",
                             "MDMA brown crystal"), _POWDER_T, (78, 90)),
    "benzos": Product("pills", 1.6, (10, 20, 30, 50, 100, 200, 500, 1000),
                      ("Xanax 2mg bars", "Valium 10mg Roche", "Alprazolam 1mg Pfizer", "Diazepam 10mg",
                       "Klonopin 2mg", "Lorazepam 2.5mg", "Rivotril 2mg"), _PILL_T),
    "rx_other": Product("pills", 2.2, (10, 20, 30, 60, 100, 250, 500),
                        ("Modafinil 200mg", "Viagra 100mg", "Adderall 30mg", "Ritalin 10mg",
                         "Tramadol 50mg", "Cialis 20mg", "Pregabalin 300mg", "Zopiclone 7.5mg"),
                        _PILL_T),
    "heroin": Product("g", 70.0, (0.25, 0.5, 1, 2, 3.5, 5, 10, 25, 50, 100),
                      ("Afghan #4 Heroin", "Brown Heroin", "Heroin No.3", "China White", "Black Tar"),
                      _POWDER_T, (40, 75)),
    "oxy": Product("pills", 16.0, (10, 20, 50, 100, 200),
                   ("Oxycodone 30mg M30", "OxyContin 80mg", "Oxycodone 10mg", "Percocet 10/325"),
                   _PILL_T),
    "lsd": Product("tabs", 8.0, (1, 5, 10, 25, 50, 100, 250, 500, 1000),
                   ("LSD 150ug blotters", "LSD 200µg Hofmann tabs", "LSD 100mcg", "LSD gel tabs 250ug"),
                   _PILL_T),
    "mushrooms": Product("g", 7.0, (3.5, 5, 10, 14, 28, 56, 100, 250),
                         ("Golden Teacher Mushrooms", "Psilocybe Cubensis B+", "Magic Truffles",
                          "Penis Envy shrooms"), _WEED_T),
    "ketamine": Product("g", 28.0, (0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500),
                        ("Ketamine shards", "Ketamine needles S-isomer", "Keta crystal", "Ketamine powder"),
                        _POWDER_T, (90, 99)),
    "nps": Product("g", 11.0, (0.5, 1, 5, 10, 25, 50, 100),
                   ("2C-B HCl", "3-MMC crystal", "4-FA", "4-MMC", "2-FDCK", "DMT"), _POWDER_T, (95, 99)),
    "other_drug": Product("item", 15.0, (1, 2, 3, 5, 10),
                          ("Kratom 100g", "Poppers 25ml", "Nitrous oxide cartridges", "Salvia 20x"),
                          _PILL_T),
    "fraud": Product("item", 35.0, (1, 5, 10),
                     ("Fullz EU with DOB", "Hacked PayPal account", "CC dump + PIN", "Fake ID template",
                      "Bank drop EU"), ("{n}", "{n} - {tag}", "{e} {n} {e}")),
    "digital": Product("item", 8.0, (1, 5, 10),
                       ("Netflix account 1 year", "Spotify Premium lifetime", "Carding guide 2019",
                        "VPN premium 1 year", "Windows 10 Pro key"), ("{n}", "{n} - {tag}", "{e} {n}")),
}

EMOJI = ("🔥", "★", "✅", "💎", "❄️", "⚡", "🌿", "💊", "🍄", "✔", "🇳🇱", "🚀", "👑")
TAGS = ("free shipping", "Stealth", "Escrow", "FE ok", "EU to EU", "tracked", "best price", "NDD",
        "TOP QUALITY", "bulk deal")
ORIGIN_TAGS = {"NL": "NL stock", "BE": "BE stock", "DE": "from DE", "GB": "UK NDD", "US": "USA domestic",
               "AU": "AUS domestic", "FR": "envoi de France", "ES": "from Spain"}

# Hostile strings planted in a few titles: (market, Belgian vendor?, title).
HOSTILE_TITLES = (
    (WSM, True, "5g MDMA <img src=http://169.254.169.254/>"),
    (EMPIRE, False, "{{ 7*7 }} 1g Cocaine 90%"),
    (DREAM, False, "<script>alert(1)</script> 10x XTC Tesla"),
    (EMPIRE, True, '<a href="javascript:alert(document.cookie)">1g Ketamine</a>'),
    (DREAM, True, "1g Cocaine \u202enaivuréP 90% ★"),
    (WSM, False, "file:///etc/passwd 10g Hash"),
    (EMPIRE, False, "10g Weed " + "W" * 10000),
)
PLACEHOLDER_TITLES = ("DO NOT BUY - vacation", "Custom order listing", "RESERVED - do not order",
                      "Holiday mode, don't buy", "Private listing for regular buyer")

ORIGIN_WEIGHTS = dict(US=24, GB=12, DE=12, NL=11, AU=5, CA=4, FR=3, ES=2.5, PL=2, IT=1.5, CN=2, IN=2,
                      SE=1, AT=1, CZ=0.8, CH=0.6, PT=0.5, DK=0.5, BE=0.8, EU=4, WW=5)
ORIGIN_WEIGHTS[""] = 4  # undeclared
EUROPE = {"GB", "DE", "NL", "FR", "ES", "PL", "IT", "SE", "AT", "CZ", "CH", "PT", "DK", "BE", "EU"}
BE_ORIGIN_MODES = (  # (mode, origins, weight): most multi-origin Belgians pair BE with NL
    ("single", ("BE",), 51), ("multi", ("NL", "BE"), 18), ("move", ("NL", "BE"), 10),
    ("move", ("BE", "DE"), 14), ("multi", ("BE", "NL", "DE"), 4), ("multi", ("BE", "FR"), 3),
)
OTHER_MULTI = (("NL", "DE"), ("US", "CA"), ("GB", "NL"), ("DE", "AT"), ("NL", "ES"), ("EU", "NL"),
               ("CN", "US"), ("DE", "PL"))
SHIPS_TO = {  # origin -> ((ships_to, weight), ...)
    "BE": (("BE", 8), ("BE, NL", 6), ("EU", 22), ("EU, WW", 10), ("WW", 14), ("WW, !US, !AU, !GB", 12),
           ("EU, !NL", 9), ("BE, NL, DE, FR", 10), ("WW, !US, !CA, !AU", 6), ("EU, !GB, !NL", 3)),
    "US": (("US", 60), ("US, CA", 15), ("WW", 15), ("WW, !AU", 10)),
    "GB": (("GB", 40), ("WW", 30), ("EU, GB", 15), ("WW, !US, !AU", 15)),
    "DE": (("EU", 40), ("DE, AT, CH", 15), ("WW", 20), ("EU, WW", 10), ("DE", 15)),
    "NL": (("EU", 40), ("WW, !US, !AU, !CA", 20), ("WW", 25), ("EU, WW", 15)),
    "AU": (("AU", 90), ("WW", 10)),
    "CA": (("CA", 70), ("CA, US", 30)),
    "CN": (("WW", 70), ("WW, !AU", 30)),
    "IN": (("WW", 70), ("WW, !AU", 30)),
    "EU": (("EU", 60), ("EU, WW", 40)),
    "WW": (("WW", 100),),
    "": (("WW", 80), ("", 20)),
    "*": (("EU", 50), ("WW", 30), ("EU, WW", 20)),
}

# --- Vendor names --------------------------------------------------------------------------------------

ADJECTIVES = ("Green", "Golden", "Royal", "Silent", "Happy", "Dark", "Crystal", "Frosty", "Magic", "Lucky",
              "Big", "Little", "Top", "Pure", "Euro", "Super", "Mega", "Blue", "Red", "Black", "White",
              "Purple", "Holy", "Wild", "Cosmic", "Secret", "Fast", "Stealth", "Rapid", "Local", "Nordic",
              "Alpine", "Urban", "Mister", "Doctor", "Captain", "King", "Queen", "Lord", "Sir", "Old",
              "New", "Smart", "Fresh", "Prime", "Elite", "Quality", "Trusty", "Honest", "Chill", "Sunny",
              "Stoned", "Lazy", "Mad", "Tiny", "Grand", "Iron", "Silver", "Jolly", "Noble", "Mystic")
NOUNS = ("Masters", "Beauty", "Gear", "Pharma", "Farmer", "Chemist", "Dragon", "Tiger", "Panda", "Bear",
         "Wolf", "Fox", "Owl", "Monkey", "Rabbit", "Lab", "Labs", "Garden", "Grower", "Bros", "Connect",
         "Plug", "Express", "Market", "Shop", "Store", "Dealer", "Supply", "Candy", "Vibes", "Cloud",
         "Leaf", "Bud", "Kush", "Haze", "Snow", "Flake", "Rocket", "Pills", "Doc", "Apotheek", "Meds",
         "Factory", "Kitchen", "Brothers", "Family", "Society", "Club", "Crew", "Cartel", "Kingdom",
         "Castle", "House", "Corner", "Street", "Harbor", "Port", "Island", "Valley", "Forest", "Ocean",
         "Station", "Depot", "Stash", "Box", "Vault", "Mart", "Traders", "Wizard", "Alchemist")
DRUG_WORDS = ("xanax", "coke", "mdma", "molly", "keta", "speed", "weed", "hash", "oxy", "benzo", "acid",
              "shroom", "pill", "dope", "crystal", "ganja", "lsd", "xtc", "pep", "candy")
DRUG_TAILS = ("king", "queen", "lord", "god", "master", "man", "boss", "guy", "shop", "world", "land",
              "4u", "express", "direct", "doctor", "hub")
LOCAL_WORDS = {"NL": ("Dutch", "Amsterdam", "Holland", "Orange"), "BE": ("Belgian", "Brussels", "Antwerp",
               "Flemish", "Gent", "Liege"), "GB": ("British", "London", "Brit"), "DE": ("German", "Berlin",
               "Bavarian"), "US": ("American", "Cali", "Texas"), "AU": ("Aussie", "Sydney"),
               "FR": ("French", "Paris"), "CA": ("Canuck", "Toronto")}
RENAME_SUFFIXES = ("NL", "EU", "_official", "2", "Reborn", "Back", "Official", "_v2", "Team", "Store")

# Named vendors planted on purpose (origins, markets in order: (market, week, name shown)).
SHOWCASE = (
    dict(handle="DutchMasters", mode="multi", origins=("NL", "BE"), ships_to="EU, WW",
         profile=("mdma_pills", "speed"), path=((DREAM, 0, "DutchMasters"), (WSM, 21, "dutchmasters "),
                                                (EMPIRE, 26, "DutchMasters"))),
    dict(handle="belgianbeauty", mode="single", origins=("BE",), ships_to="WW, !US, !AU, !GB",
         profile=("mdma_crystal", "cocaine"), path=((DREAM, 0, "belgianbeauty"),
                                                    (WSM, 22, "BelgianBeauty"), (EMPIRE, 27, "belgianbeauty"))),
    dict(handle="TopGearUK", mode="single", origins=("GB",), ships_to="GB", profile=("cocaine", "weed"),
         path=((DREAM, 0, "TopGearUK"), (WSM, 0, "TopGearUK"), (EMPIRE, 27, "topgearuk"))),
    dict(handle="xanaxking", mode="single", origins=("US",), ships_to="US", profile=("benzos", "rx_other"),
         path=((DREAM, 0, "xanaxking"),)),
    dict(handle="NA", mode="single", origins=("DE",), ships_to="EU", profile=("speed", "hash"),
         path=((DREAM, 0, "NA"), (WSM, 21, "NA"))),
    dict(handle="None", mode="single", origins=("NL",), ships_to="EU, WW", profile=("weed", "mdma_pills"),
         path=((WSM, 0, "None"), (EMPIRE, 26, "None"))),
    dict(handle="NULL", mode="single", origins=("US",), ships_to="US, CA", profile=("lsd", "mushrooms"),
         path=((EMPIRE, 0, "NULL"),)),
    dict(handle="FlemishFarmer", mode="move", origins=("BE", "DE"), ships_to="EU, !NL",
         profile=("weed", "speed"), switch="2019-03-04",
         path=((DREAM, 0, "FlemishFarmer"), (WSM, 21, "FlemishFarmerDE"), (EMPIRE, 27, "flemishfarmer"))),
    dict(handle="LiegeLabs", mode="move", origins=("BE", "DE"), ships_to="WW, !US, !CA, !AU",
         profile=("speed", "mdma_crystal"), switch="2019-07-01",
         path=((DREAM, 0, "LiegeLabs"), (EMPIRE, 22, "liegelabs"))),
    dict(handle="AntwerpConnect", mode="move", origins=("NL", "BE"), ships_to="BE, NL, DE, FR",
         profile=("cocaine", "mdma_pills"), switch="2019-02-11",
         path=((WSM, 0, "AntwerpConnect"), (EMPIRE, 26, " AntwerpConnect"))),
)

# Weekly sales rate of a listing: SALES_BASE * vendor scale * demand * (price / 25 EUR) ** SALES_ELASTICITY
SALES_BASE = 1.6
SALES_ELASTICITY = -0.75
FEEDBACK_SEEN_P = (0.85, 0.55, 0.25)  # seen in the 1st, 2nd, 3rd crawl after it was left
FEEDBACK_PRICE_P = 0.25  # share of feedback rows that show the price paid
MISSING_PRICE_P = 0.004
PLACEHOLDER_P = 0.004
BE_MAX_EUR = 800.0  # Belgian vendors sold nothing above 1,000 EUR; headroom for price and BTC moves


# --- Small helpers ---------------------------------------------------------------------------------------

def rng_for(seed: int, part: str) -> np.random.Generator:
    """An independent generator per output part, so editing one part leaves the others unchanged."""
    return np.random.default_rng([seed, zlib.crc32(part.encode())])


def week_date(week: int) -> date:
    return FIRST_CRAWL + timedelta(days=7 * week)


def last_week(market: str) -> int:
    return (LAST_CRAWL[market] - FIRST_CRAWL).days // 7


def week_of(day: date) -> int:
    return (day - FIRST_CRAWL).days // 7


def interpolate(anchors: tuple[tuple[str, float], ...], day: date) -> float:
    xs = [date.fromisoformat(d).toordinal() for d, _ in anchors]
    return float(np.interp(day.toordinal(), xs, [v for _, v in anchors]))


def pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def pick_pair(rng: np.random.Generator, pairs: tuple[tuple[str, float], ...]) -> str:
    return pick(rng, dict(pairs))


def normalise(name: str) -> str:
    return name.strip().casefold()


# --- Exchange rates ----------------------------------------------------------------------------------

def exchange_rates(rng: np.random.Generator) -> pd.DataFrame:
    """Daily EUR value of 1 USD and 1 BTC: the anchor path times autocorrelated noise."""
    days = [RATES_FROM + timedelta(days=i) for i in range((RATES_TO - RATES_FROM).days + 1)]
    rows = []
    for currency, anchors, sd, digits in (("BTC", BTC_EUR, 0.02, 2), ("USD", USD_EUR, 0.0015, 6)):
        noise = 0.0
        for day in days:
            noise = 0.85 * noise + rng.normal(0, sd)
            value = interpolate(anchors, day) * float(np.exp(noise))
            rows.append((day.isoformat(), currency, f"{value:.{digits}f}"))
    return pd.DataFrame(rows, columns=["date", "currency", "eur_rate"]).sort_values(["date", "currency"])


def rate_lookup(rates: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(c, d): float(v) for d, c, v in rates.itertuples(index=False)}


def market_events() -> pd.DataFrame:
    rows = [(m, d.isoformat(), k) for m, d, k in MARKET_EVENTS]
    return pd.DataFrame(rows, columns=["market", "date", "kind"]).sort_values(["date", "market"])


# --- Vendors: actors (people) and their accounts on markets ---------------------------------------

@dataclass
class Actor:
    """A vendor as a person: keeps origin, offer and size across the markets it sells on."""

    actor_id: int
    handle: str
    origin_mode: str  # single | multi | move
    origins: tuple[str, ...]
    switch: date | None
    ships_to: str
    profile: tuple[str, str]
    scale: float
    wholesale: bool
    price_factor: float
    decimal_comma: bool
    pinned: bool = False
    names: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)

    @property
    def is_be(self) -> bool:
        return "BE" in self.origins


@dataclass
class Account:
    """An actor's shop on one market, open from week `start` to week `end` (inclusive)."""

    market: str
    actor: Actor
    name: str
    start: int
    end: int
    mix: str
    profile: tuple[str, str]
    currency: str


class World:
    """All actors and accounts, built market by market in calendar order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.actors: list[Actor] = []
        self.used_names: set[str] = set()  # normalised; used for membership tests only
        self.accounts: list[Account] = []

    # names ---------------------------------------------------------------------------------------------
    def unique(self, name: str) -> str:
        while normalise(name) in self.used_names:
            name = f"{name}{int(self.rng.integers(2, 99))}"
        self.used_names.add(normalise(name))
        return name

    def new_handle(self, origin: str) -> str:
        r = self.rng
        style = r.random()
        if origin in LOCAL_WORDS and style < 0.2:
            name = str(r.choice(LOCAL_WORDS[origin])) + str(r.choice(NOUNS))
        elif style < 0.35:
            name = str(r.choice(DRUG_WORDS)) + str(r.choice(DRUG_TAILS))
        else:
            name = str(r.choice(ADJECTIVES)) + str(r.choice(NOUNS))
        look = r.random()
        if look < 0.3:
            name = name.lower()
        elif look < 0.38:
            name = name[:1].lower() + name[1:]
        tail = r.random()
        if tail < 0.12 and origin in ORIGIN_TAGS:
            name += {"GB": "UK"}.get(origin, origin)
        elif tail < 0.25:
            name += str(r.choice(("420", "710", "247", "365", "99", "69", "2019", "x", "_", "1")))
        return self.unique(name)

    def variant(self, handle: str) -> str:
        """The handle on another market: same up to case and spaces, or a new name."""
        r = self.rng
        if r.random() < SAME_NAME_P:
            forms = (handle, handle, handle.lower(), handle + " ", handle.lower() + " ", " " + handle,
                     handle.upper(), handle[:1].upper() + handle[1:])
            return forms[int(r.integers(len(forms)))]
        k = r.random()
        if k < 0.6:
            new = handle.strip() + str(r.choice(RENAME_SUFFIXES))
        elif k < 0.8:
            new = str(r.choice(("The", "Real", "Mr", "Official"))) + handle.strip()
        else:
            new = handle.strip() + "_" + str(int(r.integers(10, 99)))
        return self.unique(new)

    # actors --------------------------------------------------------------------------------------------
    def new_actor(self) -> Actor:
        r = self.rng
        origin = pick(r, ORIGIN_WEIGHTS)
        mode, origins = "single", (origin,)
        if origin == "BE":
            i = int(r.choice(len(BE_ORIGIN_MODES), p=_weights(BE_ORIGIN_MODES)))
            mode, origins = BE_ORIGIN_MODES[i][0], BE_ORIGIN_MODES[i][1]
        elif r.random() < 0.03:
            mode = "multi" if r.random() < 0.6 else "move"
            origins = OTHER_MULTI[int(r.integers(len(OTHER_MULTI)))]
        switch = date(2018, 12, 1) + timedelta(days=int(r.integers(0, 210))) if mode == "move" else None
        mix = "be_classic" if "BE" in origins else "global"
        actor = Actor(
            actor_id=len(self.actors), handle=self.new_handle(origins[0]), origin_mode=mode,
            origins=origins, switch=switch, ships_to=pick_pair(r, SHIPS_TO.get(origins[-1], SHIPS_TO["*"])),
            profile=(pick(r, MIX[mix]), pick(r, MIX[mix])), scale=float(r.lognormal(-0.3, 0.9)),
            wholesale=("BE" not in origins and r.random() < 0.12), price_factor=float(r.lognormal(0, 0.15)),
            decimal_comma=r.random() < (0.5 if origins[0] in EUROPE else 0.1))
        self.actors.append(actor)
        return actor

    def showcase_actor(self, spec: dict) -> Actor:
        actor = self.new_actor()
        self.used_names.discard(normalise(actor.handle))
        actor.handle = spec["handle"]
        actor.origin_mode, actor.origins = spec["mode"], spec["origins"]
        actor.switch = date.fromisoformat(spec["switch"]) if "switch" in spec else None
        actor.ships_to, actor.profile, actor.pinned = spec["ships_to"], spec["profile"], True
        actor.wholesale, actor.scale = False, max(actor.scale, 1.5)
        for market, _, name in spec["path"]:
            actor.names[market] = name
            self.used_names.add(normalise(name))
        return actor

    # accounts ------------------------------------------------------------------------------------------
    def open_account(self, actor: Actor, market: str, week: int) -> Account:
        r = self.rng
        if market in actor.names:
            name = actor.names[market]
        elif not actor.accounts:
            name = actor.handle
        else:
            name = self.variant(actor.handle)
        mix, profile = ("be_classic" if actor.is_be else "global"), actor.profile
        if market == EMPIRE and actor.is_be:
            mix, profile = "be_empire", (pick(r, MIX["be_empire"]), pick(r, MIX["be_empire"]))
        currency = {DREAM: "BTC" if r.random() < 0.92 else "USD",
                    WSM: "EUR" if actor.origins[0] in EUROPE and r.random() < 0.6 else "USD",
                    EMPIRE: "USD"}[market]
        account = Account(market, actor, name, week, last_week(market), mix, profile, currency)
        actor.accounts[market] = account
        self.accounts.append(account)
        return account


def _weights(options: tuple) -> np.ndarray:
    w = np.array([o[-1] for o in options], dtype=float)
    return w / w.sum()


def exit_hazard(market: str, week: int) -> float:
    if market == DREAM and week_date(week) >= DREAM_DECLINE_FROM:
        return DREAM_DECLINE_EXIT
    return WEEKLY_EXIT


def simulate_market(world: World, market: str, forced: dict[int, list[Actor]],
                    borrow_pool: Callable[[int], list[Actor]]) -> None:
    """Weekly births and deaths of vendor accounts so that the active count follows the target."""
    rng, active = world.rng, []
    for week in range(last_week(market) + 1):
        hazard = np.array([exit_hazard(market, week) * (BE_EXIT_FACTOR if a.actor.is_be else 1.0)
                           for a in active])
        leave = rng.random(len(active)) < hazard
        for account, gone in zip(active, leave):
            if gone and not account.actor.pinned:
                account.end = week - 1
        active = [a for a, gone in zip(active, leave) if not gone or a.actor.pinned]
        for actor in forced.get(week, []):
            if market not in actor.accounts:
                active.append(world.open_account(actor, market, week))
        need = round(interpolate(VENDOR_TARGETS[market], week_date(week))) - len(active)
        for _ in range(max(0, need)):
            active.append(world.open_account(borrow_or_new(world, market, week, borrow_pool), market, week))


def borrow_or_new(world: World, market: str, week: int, borrow_pool: Callable[[int], list[Actor]]) -> Actor:
    if world.rng.random() < MULTIHOME_P.get(market, 0.0):
        pool = [a for a in borrow_pool(week) if market not in a.accounts]
        if pool:
            return pool[int(world.rng.integers(len(pool)))]
    return world.new_actor()


def active_on(world: World, market: str, week: int) -> list[Actor]:
    return [a.actor for a in world.accounts if a.market == market and a.start <= week <= a.end]


def migrants(world: World, source: str, target: str, seen_from: date,
             weeks: tuple[int, ...], week_p: tuple[float, ...]) -> dict[int, list[Actor]]:
    """Vendors seen on `source` since `seen_from` who open a shop on `target` in one of `weeks`."""
    p_be, p_other = MIGRATION_P[(source, target)]
    start = week_of(seen_from)
    movers: dict[int, list[Actor]] = {}
    for account in world.accounts:
        actor = account.actor
        if account.market != source or account.end < start or target in actor.accounts or actor.pinned:
            continue
        if world.rng.random() < (p_be if actor.is_be else p_other):
            week = weeks[int(world.rng.choice(len(weeks), p=np.array(week_p) / sum(week_p)))]
            movers.setdefault(week, []).append(actor)
    return movers


def merge(*forced: dict[int, list[Actor]]) -> dict[int, list[Actor]]:
    out: dict[int, list[Actor]] = {}
    for f in forced:
        for week, actors in f.items():
            out.setdefault(week, []).extend(actors)
    return out


def build_world(seed: int) -> World:
    """Dream first, then Wall Street (fed by Dream's closure), then Empire (fed by both)."""
    world = World(rng_for(seed, "vendors"))
    showcase: dict[str, dict[int, list[Actor]]] = {m: {} for m in MARKETS}
    for spec in SHOWCASE:
        actor = world.showcase_actor(spec)
        for market, week, _ in spec["path"]:
            showcase[market].setdefault(week, []).append(actor)
    after_dream = week_of(DREAM_CLOSURE) + 1
    after_wsm = week_of(WSM_SEIZURE) + 1
    simulate_market(world, DREAM, showcase[DREAM], lambda w: [])
    to_wsm = migrants(world, DREAM, WSM, DREAM_DECLINE_FROM, tuple(range(after_dream, after_dream + 4)),
                      (0.4, 0.3, 0.2, 0.1))
    simulate_market(world, WSM, merge(showcase[WSM], to_wsm), lambda w: active_on(world, DREAM, w))
    to_empire_1 = migrants(world, DREAM, EMPIRE, DREAM_DECLINE_FROM,
                           tuple(range(after_dream, after_dream + 6)), (0.3, 0.25, 0.15, 0.1, 0.1, 0.1))
    to_empire_2 = migrants(world, WSM, EMPIRE, DREAM_CLOSURE, tuple(range(after_wsm, after_wsm + 8)),
                           (0.25, 0.2, 0.15, 0.1, 0.1, 0.08, 0.07, 0.05))
    simulate_market(world, EMPIRE, merge(showcase[EMPIRE], to_empire_1, to_empire_2),
                    lambda w: active_on(world, DREAM, w) + active_on(world, WSM, w))
    return world


# --- Listings --------------------------------------------------------------------------------------------

@dataclass
class Listing:
    """One offer of an account, alive from week `start` to `end`; its price is fixed in EUR terms."""

    account: Account
    listing_id: str
    product: str
    title: str
    ships_from: str
    ships_to: str
    start: int
    end: int
    eur: float
    fiat: float  # fixed price in USD/EUR listings; unused for BTC listings
    placeholder: str = ""  # "" | "high" | "low"
    change_week: int = 10**6
    change_factor: float = 1.0


def quantity_text(q: float, unit: str, comma: bool, rng: np.random.Generator) -> str:
    number = f"{q:g}".replace(".", ",") if comma else f"{q:g}"
    if unit == "g":
        if q >= 1000 and rng.random() < 0.7:
            return f"{q / 1000:g}{str(rng.choice(('kg', ' KG', ' Kilo')))}"
        return number + str(rng.choice(("g", " G", " gram", "G", " Gr")))
    if unit in ("pills", "tabs", "item"):
        form = int(rng.integers(4))
        return (f"{number}x", f"{number} x", f"{number} {unit}", f"x{number}")[form]
    return number


def choose_quantity(rng: np.random.Generator, product: Product, actor: Actor) -> float:
    qs = np.array(product.quantities, dtype=float)
    w = qs ** (0.25 if actor.wholesale else -0.4 if actor.is_be else -0.45)
    if actor.is_be:
        w = np.where(unit_price(product, qs, actor) < BE_MAX_EUR, w, 0.0)
    return float(qs[int(rng.choice(len(qs), p=w / w.sum()))])


def unit_price(product: Product, q: np.ndarray | float, actor: Actor) -> np.ndarray | float:
    """Bulk discount: price grows as quantity ** 0.85."""
    return product.eur_per_unit * np.power(q, 0.85) * actor.price_factor


def make_title(rng: np.random.Generator, product: Product, q: float, actor: Actor, origin: str) -> str:
    qtext = quantity_text(q, product.unit, actor.decimal_comma, rng)
    purity = product.purity or (80, 95)
    tag = ORIGIN_TAGS.get(origin, "") if rng.random() < 0.35 else ""
    return str(rng.choice(product.templates)).format(
        q=qtext, qn=f"{q:g}", n=str(rng.choice(product.names)), e=str(rng.choice(EMOJI)),
        p=int(rng.integers(purity[0], purity[1] + 1)), tag=tag or str(rng.choice(TAGS))).strip()


def origin_at(actor: Actor, day: date, rng: np.random.Generator) -> str:
    if actor.origin_mode == "multi":
        return actor.origins[int(rng.integers(len(actor.origins)))]
    if actor.origin_mode == "move" and actor.switch is not None and day >= actor.switch:
        return actor.origins[1]
    return actor.origins[0]


def ships_to_text(actor: Actor, rng: np.random.Generator) -> str:
    """Vendor-wide policy; a few listings list the same places in another order."""
    parts = [p for p in actor.ships_to.split(", ") if p]
    if len(parts) > 1 and rng.random() < 0.1:
        parts = [parts[i] for i in rng.permutation(len(parts))]
    return ", ".join(parts)


def pick_product(rng: np.random.Generator, account: Account) -> str:
    """Mostly the vendor's two specialities, sometimes anything from the vendor's group mix."""
    first, second = PROFILE_LOYALTY[account.mix]
    u = rng.random()
    if u < first:
        return account.profile[0]
    if u < second:
        return account.profile[1]
    return pick(rng, MIX[account.mix])


def new_listing(rng: np.random.Generator, account: Account, start: int, end: int,
                rates: dict[tuple[str, str], float]) -> Listing:
    actor = account.actor
    key = pick_product(rng, account)
    product = PRODUCTS[key]
    q = choose_quantity(rng, product, actor)
    eur = float(unit_price(product, q, actor)) * float(rng.lognormal(0, 0.08))
    if actor.is_be:
        eur = min(eur, BE_MAX_EUR)
    origin = origin_at(actor, week_date(start), rng)
    listing = Listing(account, "", key, make_title(rng, product, q, actor, origin), origin,
                      ships_to_text(actor, rng), start, end, round(eur, 2), 0.0)
    listing.fiat = fiat_price(account.currency, eur, week_date(start), rates)
    if rng.random() < 0.1 and end - start > 2:
        listing.change_week = int(rng.integers(start + 1, end + 1))
        listing.change_factor = float(rng.uniform(0.85, 1.1))
    return listing


def fiat_price(currency: str, eur: float, day: date, rates: dict[tuple[str, str], float]) -> float:
    if currency == "USD":
        return round(eur / rates[("USD", day.isoformat())], 2)
    return round(eur, 2)


def account_listings(rng: np.random.Generator, account: Account,
                     rates: dict[tuple[str, str], float]) -> list[Listing]:
    """A few parallel slots; each slot is a run of listings living a few weeks to months."""
    slots = 1 + int(rng.poisson(min(account.actor.scale, 6.0) * 0.5))
    out = []
    for slot in range(slots):
        week = account.start + (0 if slot == 0 else int(rng.integers(0, 4)))
        while week <= account.end:
            end = min(account.end, week + int(rng.geometric(1 / 12)) - 1)
            out.append(new_listing(rng, account, week, end, rates))
            week = end + 1 + int(rng.integers(0, 3))
    return out


def plant_specials(rng: np.random.Generator, listings: list[Listing]) -> None:
    """Hostile titles and placeholder prices on a few chosen listings."""
    taken: set[int] = set()
    for market, be, title in HOSTILE_TITLES:
        pool = [i for i, x in enumerate(listings) if x.account.market == market
                and x.account.actor.is_be == be and i not in taken and x.end - x.start >= 2]
        i = pool[int(rng.integers(len(pool)))]
        listings[i].title = title
        taken.add(i)
    for i, x in enumerate(listings):
        if i in taken or rng.random() >= PLACEHOLDER_P or x.account.actor.is_be:
            continue
        x.placeholder = "high" if rng.random() < 0.5 else "low"
        x.title = str(rng.choice(PLACEHOLDER_TITLES))
    be = [x for i, x in enumerate(listings) if x.account.actor.is_be and x.account.market == WSM
          and i not in taken]
    holiday = be[int(rng.integers(len(be)))]  # one Belgian "do not buy" listing, never sold
    holiday.placeholder, holiday.title = "high", PLACEHOLDER_TITLES[0]


def assign_ids(rng: np.random.Generator, listings: list[Listing]) -> None:
    for market in MARKETS:
        own = [x for x in listings if x.account.market == market]
        for x, n in zip(own, rng.permutation(len(own)) + 1):
            x.listing_id = f"{ID_PREFIX[market]}-{int(n):06d}"


def build_listings(world: World, rates: dict[tuple[str, str], float], seed: int) -> list[Listing]:
    rng = rng_for(seed, "listings")
    listings = [x for account in world.accounts for x in account_listings(rng, account, rates)]
    plant_specials(rng, listings)
    assign_ids(rng, listings)
    return listings


def price_at(listing: Listing, day: date, rates: dict[tuple[str, str], float]) -> tuple[str, str]:
    """The displayed (price, currency) on a given day, formatted as the crawler writes it."""
    if listing.placeholder:
        return ("99999.00" if listing.placeholder == "high" else "0.01"), "USD"
    factor = listing.change_factor if week_of(day) >= listing.change_week else 1.0
    currency = listing.account.currency
    if currency == "BTC":
        return f"{listing.eur * factor / rates[('BTC', day.isoformat())]:.6f}", "BTC"
    return f"{listing.fiat * factor:.2f}", currency


def crawl_coverage(seed: int) -> dict[tuple[str, int], float]:
    rng = rng_for(seed, "coverage")
    return {(m, w): float(rng.uniform(0.85, 0.95)) for m in MARKETS for w in range(last_week(m) + 1)}


def listing_rows(listings: list[Listing], rates: dict[tuple[str, str], float], seed: int) -> pd.DataFrame:
    rng, coverage = rng_for(seed, "listing_rows"), crawl_coverage(seed)
    rows = []
    for x in listings:
        a = x.account
        for week in range(x.start, x.end + 1):
            if rng.random() >= coverage[(a.market, week)]:
                continue
            day = week_date(week)
            price, currency = price_at(x, day, rates)
            if rng.random() < MISSING_PRICE_P:
                price, currency = "", (currency if rng.random() < 0.7 else "")
            category = CATEGORY_PATH[x.product][MARKETS.index(a.market)]
            rows.append((a.market, day.isoformat(), x.listing_id, a.name, x.title, category, price,
                         currency, x.ships_from, x.ships_to))
    columns = ["market", "crawled_at", "listing_id", "vendor", "title", "category", "price", "currency",
               "ships_from", "ships_to"]
    return pd.DataFrame(rows, columns=columns).sort_values(["market", "listing_id", "crawled_at"])


# --- Feedback ----------------------------------------------------------------------------------------------

def weekly_sales_rate(x: Listing, week: int) -> float:
    if x.placeholder:
        return 0.0 if x.placeholder == "high" else 0.1
    demand = interpolate(DEMAND[x.account.market], week_date(week))
    rate = SALES_BASE * x.account.actor.scale * demand * (max(x.eur, 1.0) / 25.0) ** SALES_ELASTICITY
    return min(rate, 5.0)


def feedback_rows(listings: list[Listing], rates: dict[tuple[str, str], float], seed: int) -> pd.DataFrame:
    rng = rng_for(seed, "feedback")
    sales: dict[str, list[tuple]] = {m: [] for m in MARKETS}
    for x in listings:
        for sale in sales_of(rng, x, rates):
            sales[x.account.market].append(sale)
    rows = []
    for market in MARKETS:
        numbers = rng.permutation(len(sales[market])) + 1
        for (x, left, price, currency, seen), n in zip(sales[market], numbers):
            fid = f"{ID_PREFIX[market]}-FB-{int(n):07d}"
            rows.extend((market, s, fid, x.listing_id, x.account.name, left, price, currency) for s in seen)
    columns = ["market", "crawled_at", "feedback_id", "listing_id", "vendor", "left_at", "price", "currency"]
    return pd.DataFrame(rows, columns=columns).sort_values(["market", "feedback_id", "crawled_at"])


def sales_of(rng: np.random.Generator, x: Listing, rates: dict[tuple[str, str], float]) -> list[tuple]:
    """Sales during each week of the listing; each is seen in up to three later crawls."""
    out = []
    last = last_week(x.account.market)
    for week in range(x.start, x.end + 1):
        for _ in range(int(rng.poisson(weekly_sales_rate(x, week)))):
            left = week_date(week) + timedelta(days=int(rng.integers(0, 7)))
            price, currency = price_at(x, left, rates) if rng.random() < FEEDBACK_PRICE_P else ("", "")
            seen = [week_date(week + k).isoformat() for k, p in enumerate(FEEDBACK_SEEN_P, 1)
                    if week + k <= last and rng.random() < p]
            if seen:
                out.append((x, left.isoformat(), price, currency, seen))
    return out


# --- Survey of Belgian buyers ------------------------------------------------------------------------------

N_RESPONDENTS = 99
N_QUITTERS = 5  # respondents who leave the questionnaire halfway or later
MISSING = (-99, "NA")
DONT_KNOW = 98


def _opts(*rows: tuple) -> tuple[tuple, ...]:
    return rows


SCALE_FREQ = _opts((1, "Jamais", "Nooit", "Nie"), (2, "Rarement", "Zelden", "Selten"),
                   (3, "Parfois", "Soms", "Manchmal"), (4, "Souvent", "Vaak", "Oft"),
                   (5, "Très souvent", "Heel vaak", "Sehr oft"))
SCALE_RATING = _opts((1, "Très négatif", "Zeer negatief", "Sehr negativ"),
                     (2, "Plutôt négatif", "Eerder negatief", "Eher negativ"),
                     (3, "Raisonnable", "Redelijk", "Annehmbar"), (4, "Plutôt positif", "Eerder positief", "Eher positiv"),
                     (5, "Très positif", "Zeer positief", "Sehr positiv"))
SCALE_RISK = _opts((1, "Très faible", "Zeer klein", "Sehr gering"), (2, "Faible", "Klein", "Gering"),
                   (3, "Moyen", "Gemiddeld", "Mittel"), (4, "Élevé", "Groot", "Hoch"),
                   (5, "Très élevé", "Zeer groot", "Sehr hoch"))
YES_NO = _opts((1, "Oui", "Ja", "Ja"), (2, "Non", "Nee", "Nein"))
YES_NO_DK = YES_NO + ((DONT_KNOW, "Je ne sais pas", "Weet ik niet", "Weiß nicht"),)

# Each question: id, type, (fr, nl, de) wording, options as (code or key, fr, nl, de) and the share of valid
# answers (single, scale) or of respondents ticking the option (multi). Numeric questions carry
# brackets as (lower, upper, fr, nl, de) and the values to draw from per bracket. German follows Belgian usage
# (the German-speaking Community): formal "Sie", euro amounts as "1.000 €".
QUESTIONS: tuple[dict, ...] = (
    dict(id="gender", type="single",
         text=("Quel est votre genre ?", "Wat is uw gender?", "Welches Geschlecht haben Sie?"),
         options=_opts((1, "Homme", "Man", "Mann"), (2, "Femme", "Vrouw", "Frau"), (3, "Autre", "Anders", "Anderes")),
         shares=(0.975, 0.025, 0.0)),
    dict(id="age", type="numeric", unit="years",
         text=("Quel âge avez-vous ?", "Hoe oud bent u?", "Wie alt sind Sie?"),
         brackets=((None, 25, "moins de 25 ans", "jonger dan 25 jaar", "unter 25 Jahren"),
                   (25, 30, "25 à 29 ans", "25 tot 29 jaar", "25 bis 29 Jahre"),
                   (30, 40, "30 à 39 ans", "30 tot 39 jaar", "30 bis 39 Jahre"),
                   (40, None, "40 ans et plus", "40 jaar en ouder", "40 Jahre und älter")),
         values=(tuple(range(18, 25)), tuple(range(25, 30)), tuple(range(30, 40)), tuple(range(40, 53))),
         shares=(0.45, 0.33, 0.17, 0.05)),
    dict(id="occupation", type="single",
         text=("Quelle est votre situation professionnelle actuelle ?", "Wat is uw huidige beroepssituatie?",
               "Wie ist Ihre derzeitige berufliche Situation?"),
         options=_opts((1, "Travail à temps plein", "Voltijds aan het werk", "Vollzeitbeschäftigt"),
                       (2, "Travail à temps partiel", "Deeltijds aan het werk", "Teilzeitbeschäftigt"),
                       (3, "Aux études", "Student", "Im Studium"), (4, "Sans emploi", "Werkzoekend", "Arbeitsuchend"),
                       (5, "Autre", "Andere", "Andere Situation")),
         shares=(0.48, 0.08, 0.35, 0.05, 0.04)),
    dict(id="used_before", type="single",
         text=("Aviez-vous déjà consommé des drogues illégales avant votre premier achat sur un cryptomarché ?",
               "Gebruikte u al illegale drugs vóór uw eerste aankoop op een cryptomarkt?",
               "Hatten Sie vor Ihrem ersten Kauf auf einem Kryptomarkt bereits illegale Drogen konsumiert?"),
         options=YES_NO, shares=(0.93, 0.07)),
    dict(id="substances_12m", type="multi",
         text=("Quelles drogues avez-vous consommées au cours des 12 derniers mois ? "
               "(plusieurs réponses possibles)",
               "Welke drugs hebt u de voorbije 12 maanden gebruikt? (meerdere antwoorden mogelijk)",
               "Welche Drogen haben Sie in den letzten 12 Monaten konsumiert? (Mehrfachnennungen möglich)"),
         options=_opts(("cannabis", "Cannabis", "Cannabis", "Cannabis"),
                       ("ecstasy", "Ecstasy / MDMA", "Xtc / MDMA", "Ecstasy / MDMA"),
                       ("cocaine", "Cocaïne", "Cocaïne", "Kokain"),
                       ("amphetamine", "Amphétamine (speed)", "Amfetamine (speed)", "Amphetamin (Speed)"),
                       ("lsd", "LSD", "LSD", "LSD"),
                       ("mushrooms", "Champignons ou truffes hallucinogènes", "Paddo's of truffels",
                        "Halluzinogene Pilze oder Trüffel"),
                       ("ketamine", "Kétamine", "Ketamine", "Ketamin"),
                       ("nps", "Nouvelles substances psychoactives (NSP)", "Nieuwe psychoactieve middelen (NPS)",
                        "Neue psychoaktive Substanzen (NPS)"),
                       ("benzodiazepines", "Benzodiazépines sans prescription", "Benzodiazepines zonder voorschrift",
                        "Benzodiazepine ohne ärztliche Verschreibung"),
                       ("opioids", "Opioïdes (héroïne, oxycodone…)", "Opioïden (heroïne, oxycodon…)",
                        "Opioide (Heroin, Oxycodon…)")),
         shares=(0.85, 0.88, 0.45, 0.40, 0.35, 0.25, 0.35, 0.15, 0.12, 0.05)),
    dict(id="new_substances", type="numeric", unit="substances",
         text=("Combien de substances avez-vous consommées pour la première fois depuis votre premier achat "
               "sur un cryptomarché ?",
               "Hoeveel middelen hebt u voor het eerst gebruikt sinds uw eerste aankoop op een cryptomarkt?",
               "Wie viele Substanzen haben Sie seit Ihrem ersten Kauf auf einem Kryptomarkt zum ersten Mal konsumiert?"),
         brackets=((None, 1, "aucune", "geen", "keine"), (1, 3, "1 ou 2", "1 of 2", "1 oder 2"),
                   (3, 6, "3 à 5", "3 tot 5", "3 bis 5"), (6, None, "6 ou plus", "6 of meer", "6 oder mehr")),
         values=((0,), (1, 2), (3, 4, 5), (6, 7, 8, 10)), shares=(0.18, 0.40, 0.36, 0.06)),
    dict(id="orders_12m", type="single",
         text=("Combien de fois avez-vous commandé sur un cryptomarché au cours des 12 derniers mois ?",
               "Hoe vaak hebt u de voorbije 12 maanden iets besteld op een cryptomarkt?",
               "Wie oft haben Sie in den letzten 12 Monaten auf einem Kryptomarkt bestellt?"),
         options=_opts((1, "Une fois", "Eén keer", "Einmal"), (2, "2 à 5 fois", "2 tot 5 keer", "2- bis 5-mal"),
                       (3, "6 à 12 fois", "6 tot 12 keer", "6- bis 12-mal"),
                       (4, "Plus de 12 fois", "Meer dan 12 keer", "Mehr als 12-mal")),
         shares=(0.15, 0.55, 0.20, 0.10)),
    dict(id="purpose", type="multi",
         text=("Pour qui avez-vous acheté sur les cryptomarchés ? (plusieurs réponses possibles)",
               "Voor wie hebt u op cryptomarkten gekocht? (meerdere antwoorden mogelijk)",
               "Für wen haben Sie auf Kryptomärkten gekauft? (Mehrfachnennungen möglich)"),
         options=_opts(("self", "Pour moi-même", "Voor mezelf", "Für mich selbst"),
                       ("friends", "Pour des amis ou des connaissances", "Voor vrienden of kennissen",
                        "Für Freunde oder Bekannte"),
                       ("clients", "Pour des clients (revente)", "Voor klanten (doorverkoop)",
                        "Für Kunden (Weiterverkauf)")),
         shares=(0.96, 0.55, 0.06)),
    dict(id="spending_eur", type="numeric", unit="EUR",
         text=("Combien avez-vous dépensé au total sur les cryptomarchés au cours des 12 derniers mois "
               "(en euros) ?",
               "Hoeveel hebt u de voorbije 12 maanden in totaal uitgegeven op cryptomarkten (in euro)?",
               "Wie viel haben Sie in den letzten 12 Monaten insgesamt auf Kryptomärkten ausgegeben (in Euro)?"),
         brackets=((None, 100, "moins de 100 €", "minder dan 100 euro", "unter 100 €"),
                   (100, 250, "100 à 250 €", "100 tot 250 euro", "100 bis 250 €"),
                   (250, 1000, "250 à 1 000 €", "250 tot 1.000 euro", "250 bis 1.000 €"),
                   (1000, 5000, "1 000 à 5 000 €", "1.000 tot 5.000 euro", "1.000 bis 5.000 €"),
                   (5000, None, "plus de 5 000 €", "meer dan 5.000 euro", "über 5.000 €")),
         values=((20, 30, 40, 50, 60, 75, 80, 90), (100, 120, 150, 180, 200, 220, 240),
                 (250, 300, 350, 400, 500, 600, 750, 800, 900), (1000, 1200, 1500, 2000, 2500, 3000, 4000),
                 (5000, 6000, 8000)),
         shares=(0.12, 0.33, 0.35, 0.17, 0.03)),
    dict(id="discovery", type="single",
         text=("Comment avez-vous découvert les cryptomarchés ?", "Hoe hebt u cryptomarkten leren kennen?",
               "Wie haben Sie Kryptomärkte kennengelernt?"),
         options=_opts((1, "Par des forums sur le web visible (clear web)", "Via fora op het clearweb",
                        "Über Foren im sichtbaren Web (Clearweb)"),
                       (2, "Par les médias (presse, télévision)", "Via de media (kranten, televisie)",
                        "Über die Medien (Presse, Fernsehen)"),
                       (3, "Par des forums sur le darknet", "Via fora op het darkweb", "Über Foren im Darknet"),
                       (4, "Par les réseaux sociaux", "Via sociale media", "Über soziale Netzwerke"),
                       (5, "Par des amis ou des connaissances (hors ligne)", "Via vrienden of kennissen (offline)",
                        "Über Freunde oder Bekannte (offline)")),
         shares=(0.45, 0.17, 0.12, 0.05, 0.21)),
    dict(id="forum_participation", type="scale", top=(4, 5),
         text=("À quelle fréquence participez-vous activement aux discussions sur des forums consacrés "
               "aux cryptomarchés ?",
               "Hoe vaak neemt u actief deel aan discussies op fora over cryptomarkten?",
               "Wie oft beteiligen Sie sich aktiv an Diskussionen in Foren über Kryptomärkte?"),
         options=SCALE_FREQ, shares=(0.45, 0.30, 0.15, 0.07, 0.03)),
    dict(id="harm_info", type="multi",
         text=("Où trouvez-vous des informations de réduction des risques sur les produits que vous "
               "consommez ? (plusieurs réponses possibles)",
               "Waar vindt u informatie over schadebeperking bij de middelen die u gebruikt? "
               "(meerdere antwoorden mogelijk)",
               "Wo finden Sie Informationen zur Schadensminderung für die Substanzen, die Sie konsumieren? "
               "(Mehrfachnennungen möglich)"),
         options=_opts(("clearweb_forums", "Forums sur le web visible", "Fora op het clearweb",
                        "In Foren im sichtbaren Web"),
                       ("darkweb_forums", "Forums sur le darknet", "Fora op het darkweb", "In Foren im Darknet"),
                       ("vendors", "Auprès des vendeurs", "Bij de verkopers", "Bei den Verkäufern"),
                       ("friends", "Amis ou connaissances", "Vrienden of kennissen", "Bei Freunden oder Bekannten"),
                       ("professionals", "Services professionnels (prévention, aide)",
                        "Professionele diensten (preventie, hulpverlening)",
                        "Bei Fachdiensten (Prävention, Hilfe)")),
         shares=(0.52, 0.38, 0.15, 0.40, 0.10)),
    dict(id="reasons", type="multi",
         text=("Quelles sont les principales raisons pour lesquelles vous achetez sur les cryptomarchés ? "
               "(plusieurs réponses possibles)",
               "Waarom koopt u vooral op cryptomarkten? (meerdere antwoorden mogelijk)",
               "Aus welchen Gründen kaufen Sie vor allem auf Kryptomärkten? (Mehrfachnennungen möglich)"),
         options=_opts(("range", "Le large choix de produits", "Het ruime aanbod", "Das große Angebot"),
                       ("quality", "La qualité des produits", "De kwaliteit van de producten",
                        "Die Qualität der Produkte"),
                       ("price", "Les prix", "De prijzen", "Die Preise"),
                       ("availability", "Des produits difficiles à trouver ailleurs",
                        "Producten die elders moeilijk te vinden zijn", "Anderswo schwer erhältliche Produkte"),
                       ("safety", "Plus sûr qu'un achat dans la rue", "Veiliger dan kopen op straat",
                        "Sicherer als ein Kauf auf der Straße"),
                       ("convenience", "La facilité (livraison à domicile)", "Het gemak (levering aan huis)",
                        "Die Bequemlichkeit (Lieferung nach Hause)")),
         shares=(0.60, 0.55, 0.45, 0.40, 0.25, 0.30)),
    dict(id="rating_offline", type="scale", top=(4, 5),
         text=("Dans l'ensemble, comment évaluez-vous vos achats de drogues hors ligne (dans la rue, "
               "via des connaissances) ?",
               "Hoe beoordeelt u, alles samen, uw offline aankopen van drugs (op straat, via kennissen)?",
               "Wie beurteilen Sie insgesamt Ihre Drogenkäufe offline (auf der Straße, über Bekannte)?"),
         options=SCALE_RATING, shares=(0.10, 0.39, 0.30, 0.16, 0.05)),
    dict(id="rating_online", type="scale", top=(4, 5),
         text=("Dans l'ensemble, comment évaluez-vous vos achats sur les cryptomarchés ?",
               "Hoe beoordeelt u, alles samen, uw aankopen op cryptomarkten?",
               "Wie beurteilen Sie insgesamt Ihre Käufe auf Kryptomärkten?"),
         options=SCALE_RATING, shares=(0.04, 0.12, 0.24, 0.40, 0.20)),
    dict(id="vendor_choice", type="multi",
         text=("Sur quels critères choisissez-vous un vendeur ? (plusieurs réponses possibles)",
               "Op basis van welke criteria kiest u een verkoper? (meerdere antwoorden mogelijk)",
               "Nach welchen Kriterien wählen Sie einen Verkäufer aus? (Mehrfachnennungen möglich)"),
         options=_opts(("transactions", "Le nombre de transactions réussies", "Het aantal geslaagde transacties",
                        "Die Zahl der erfolgreichen Transaktionen"),
                       ("reputation", "Le score de réputation", "De reputatiescore", "Die Bewertungspunktzahl"),
                       ("reviews", "Le contenu des évaluations", "Wat er in de beoordelingen staat",
                        "Der Inhalt der Bewertungen"),
                       ("same_country", "Un vendeur du même pays ou de la même région",
                        "Een verkoper uit hetzelfde land of dezelfde regio",
                        "Ein Verkäufer aus demselben Land oder derselben Region"),
                       ("description", "Une description professionnelle des produits",
                        "Een professionele productbeschrijving", "Eine professionelle Produktbeschreibung"),
                       ("specialisation", "La spécialisation dans certains produits",
                        "Specialisatie in bepaalde producten", "Die Spezialisierung auf bestimmte Produkte")),
         shares=(0.65, 0.60, 0.50, 0.35, 0.25, 0.20)),
    dict(id="risk_police", type="scale", top=(4, 5),
         text=("Comment évaluez-vous le risque d'être repéré par la police lors d'un achat sur un "
               "cryptomarché ?",
               "Hoe groot schat u de kans in dat de politie u op het spoor komt bij een aankoop op een "
               "cryptomarkt?",
               "Wie schätzen Sie das Risiko ein, bei einem Kauf auf einem Kryptomarkt von der Polizei entdeckt "
               "zu werden?"),
         options=SCALE_RISK, shares=(0.35, 0.38, 0.15, 0.08, 0.04)),
    dict(id="risk_scam", type="scale", top=(4, 5),
         text=("Comment évaluez-vous le risque de perdre votre argent ou de ne pas recevoir votre commande ?",
               "Hoe groot schat u het risico in dat u uw geld kwijt bent of uw bestelling niet ontvangt?",
               "Wie schätzen Sie das Risiko ein, Ihr Geld zu verlieren oder Ihre Bestellung nicht zu erhalten?"),
         options=SCALE_RISK, shares=(0.10, 0.25, 0.35, 0.22, 0.08)),
    dict(id="opsec", type="multi",
         text=("Quelles mesures de sécurité opérationnelle prenez-vous lors de vos achats ? "
               "(plusieurs réponses possibles)",
               "Welke maatregelen voor operationele veiligheid neemt u bij uw aankopen? "
               "(meerdere antwoorden mogelijk)",
               "Welche Maßnahmen zur operativen Sicherheit treffen Sie bei Ihren Käufen? "
               "(Mehrfachnennungen möglich)"),
         options=_opts(("tor", "Le navigateur Tor", "De Tor-browser", "Der Tor-Browser"),
                       ("pgp", "Le chiffrement PGP", "PGP-versleuteling", "Die PGP-Verschlüsselung"),
                       ("vpn", "Un VPN", "Een vpn", "Ein VPN"),
                       ("tails", "Le système Tails", "Het besturingssysteem Tails", "Das Betriebssystem Tails"),
                       ("mixer", "Un mixeur de bitcoins (tumbler)", "Een bitcoinmixer (tumbler)",
                        "Ein Bitcoin-Mixer (Tumbler)"),
                       ("none", "Aucune de ces mesures", "Geen van deze maatregelen", "Keine dieser Maßnahmen")),
         shares=(0.60, 0.40, 0.30, 0.08, 0.12, 0.15)),
    dict(id="bought_after_shock", type="single", dont_know=True,
         text=("Avez-vous encore acheté sur un cryptomarché après les fermetures et les escroqueries de "
               "sortie du printemps 2019 ?",
               "Hebt u na de sluitingen en exitscams van het voorjaar van 2019 nog op een cryptomarkt gekocht?",
               "Haben Sie nach den Schließungen und Exit-Scams im Frühjahr 2019 noch auf einem Kryptomarkt "
               "gekauft?"),
         options=YES_NO_DK, shares=(0.62, 0.25, 0.13)),
    dict(id="will_continue", type="single", dont_know=True,
         text=("Pensez-vous continuer à acheter sur les cryptomarchés à l'avenir ?",
               "Denkt u in de toekomst op cryptomarkten te blijven kopen?",
               "Werden Sie Ihrer Meinung nach auch in Zukunft auf Kryptomärkten kaufen?"),
         options=YES_NO_DK, shares=(0.80, 0.07, 0.13)),
    dict(id="comment", type="text",
         text=("Souhaitez-vous ajouter un commentaire ?", "Wilt u nog iets kwijt?",
               "Möchten Sie noch etwas hinzufügen?")),
)

# How the report groups the questions into findings, in report order, with each finding's heading
# (fr, nl, de). The sample's brief follows the CRYPTODRUG structure of buyer findings, then the outlook.
FINDINGS: tuple[tuple[str, tuple[str, ...], tuple[str, str, str]], ...] = (
    ("profile", ("gender", "age", "occupation"),
     ("Le profil des répondants", "Profiel van de respondenten", "Profil der Befragten")),
    ("careers", ("used_before", "substances_12m", "new_substances", "orders_12m"),
     ("Parcours de consommation", "Gebruikstrajecten", "Konsumverläufe")),
    ("purpose", ("purpose", "spending_eur"),
     ("Pour qui et pour combien achète-t-on ?", "Voor wie en voor hoeveel wordt er gekocht?",
      "Für wen und für wie viel wird gekauft?")),
    ("discovery", ("discovery",),
     ("Comment les acheteurs découvrent les cryptomarchés", "Hoe kopers cryptomarkten leren kennen",
      "Wie Käufer Kryptomärkte entdecken")),
    ("forums", ("forum_participation", "harm_info"),
     ("Forums et informations de réduction des risques", "Fora en informatie over schadebeperking",
      "Foren und Informationen zur Schadensminderung")),
    ("reasons", ("reasons", "rating_online", "rating_offline"),
     ("Pourquoi acheter sur un cryptomarché ?", "Waarom kopen op een cryptomarkt?",
      "Warum auf einem Kryptomarkt kaufen?")),
    ("vendor_choice", ("vendor_choice",),
     ("Comment choisir un vendeur", "Hoe kiezen kopers een verkoper?", "Wie Käufer einen Verkäufer wählen")),
    ("risks", ("risk_police", "risk_scam"),
     ("La perception des risques", "Risicoperceptie", "Die Wahrnehmung der Risiken")),
    ("opsec", ("opsec",), ("Sécurité opérationnelle", "Operationele veiligheid", "Operative Sicherheit")),
    ("outlook", ("bought_after_shock", "will_continue", "comment"), ("Perspectives", "Vooruitzichten", "Ausblick")),
)

COMMENTS = (
    "Merci pour cette enquête, enfin quelqu'un qui s'y intéresse.",
    "Goed initiatief! Meer info over drugtesten a.u.b.",
    "<b>html</b> test",
    "{{ template }}",
    "Les vendeurs belges sont souvent plus fiables.",
    "Prijzen zijn gestegen sinds Dream gesloten is.",
    "Ik koop enkel voor mezelf en een paar vrienden",
    "Quid de l'anonymat de ce questionnaire ?",
    "Testing services should be on the dark web too",
    "Pas de commentaire",
)


def allocate(rng: np.random.Generator, n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Indices 0..k-1 in exact proportions (largest remainder), shuffled."""
    raw = np.array(shares, dtype=float) / sum(shares) * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def answer_status(rng: np.random.Generator, position: int, dropped: np.ndarray) -> np.ndarray:
    """Per respondent: 'valid', 'blank', '-99' or 'NA'; blanks grow in later questions."""
    blank_rate = 0.05 + 0.15 * position / (len(QUESTIONS) - 1)
    u = rng.random(N_RESPONDENTS)
    status = np.where(u < blank_rate, "blank", np.where(u < blank_rate + 0.02, "-99",
                      np.where(u < blank_rate + 0.03, "NA", "valid")))
    return np.where(dropped <= position, "blank", status).astype(object)


def missing_text(status: str) -> str:
    return "" if status in ("blank", "valid") else status


def single_columns(rng: np.random.Generator, q: dict, status: np.ndarray) -> dict[str, list[str]]:
    valid = np.flatnonzero(status == "valid")
    codes = [str(o[0]) for o in q["options"]]
    values = [missing_text(s) for s in status]
    for i, k in zip(valid, allocate(rng, len(valid), q["shares"])):
        values[i] = codes[k]
    return {q["id"]: values}


def numeric_columns(rng: np.random.Generator, q: dict, status: np.ndarray) -> dict[str, list[str]]:
    valid = np.flatnonzero(status == "valid")
    values = [missing_text(s) for s in status]
    for i, k in zip(valid, allocate(rng, len(valid), q["shares"])):
        values[i] = str(int(rng.choice(q["values"][k])))
    return {q["id"]: values}


def multi_columns(rng: np.random.Generator, q: dict, status: np.ndarray) -> dict[str, list[str]]:
    """One 0/1 column per option; all blank when skipped, all -99 when refused."""
    valid = np.flatnonzero(status == "valid")
    ticks = np.zeros((N_RESPONDENTS, len(q["options"])), dtype=int)
    for j, share in enumerate(q["shares"]):
        chosen = valid[allocate(rng, len(valid), (share, 1 - share)) == 0]
        ticks[chosen, j] = 1
    keys = [o[0] for o in q["options"]]
    if "none" in keys:  # "none of these" excludes the other measures
        none = ticks[:, keys.index("none")] == 1
        ticks[none, :] = 0
        ticks[none, keys.index("none")] = 1
    for i in valid:
        if ticks[i].sum() == 0:
            ticks[i, int(np.argmax(q["shares"]))] = 1
    return {f"{q['id']}_{key}": [str(ticks[i, j]) if status[i] == "valid" else
                                 ("-99" if status[i] == "-99" else "") for i in range(N_RESPONDENTS)]
            for j, key in enumerate(keys)}


def text_columns(rng: np.random.Generator, q: dict, status: np.ndarray) -> dict[str, list[str]]:
    values = [""] * N_RESPONDENTS
    for i, comment in zip(rng.choice(N_RESPONDENTS, len(COMMENTS), replace=False), COMMENTS):
        values[int(i)] = comment
    return {q["id"]: values}


def link_clients_to_spending(df: pd.DataFrame) -> None:
    """Half of the respondents buying for clients get budgets of 1,000-5,000 EUR (swapped with others)."""
    spend = pd.to_numeric(df["spending_eur"], errors="coerce")
    buyers = df.index[df["purpose_clients"] == "1"]
    clients = [i for i in buyers[: (len(buyers) + 1) // 2] if 0 <= spend[i] < 1000]
    donors = df.index[spend.between(1000, 4999) & (df["purpose_clients"] != "1")]
    for c, d in zip(clients, donors):
        df.loc[[c, d], "spending_eur"] = df.loc[[d, c], "spending_eur"].to_numpy()


def survey(seed: int) -> pd.DataFrame:
    rng = rng_for(seed, "survey")
    dropped = np.full(N_RESPONDENTS, len(QUESTIONS))
    quitters = rng.choice(N_RESPONDENTS, N_QUITTERS, replace=False)
    dropped[quitters] = rng.integers(len(QUESTIONS) // 2, len(QUESTIONS), size=N_QUITTERS)
    columns: dict[str, list[str]] = {"respondent_id": [f"R{i + 1:03d}" for i in range(N_RESPONDENTS)]}
    makers = dict(single=single_columns, scale=single_columns, numeric=numeric_columns,
                  multi=multi_columns, text=text_columns)
    for position, q in enumerate(QUESTIONS):
        columns.update(makers[q["type"]](rng, q, answer_status(rng, position, dropped)))
    df = pd.DataFrame(columns)
    link_clients_to_spending(df)
    return df


# --- Codebook ----------------------------------------------------------------------------------------------

class Quoted(str):
    """A string the YAML dump always quotes (so that "NA" reads as text to every reader)."""


class Flow(dict):
    """A mapping written on one line: `{fr: ..., nl: ...}`."""


class FlowList(list):
    """A list written on one line: `[-99, "NA"]`."""


yaml.SafeDumper.add_representer(Quoted, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style='"'))
yaml.SafeDumper.add_representer(Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", m,
                                                                       flow_style=True))
yaml.SafeDumper.add_representer(FlowList, lambda d, x: d.represent_sequence("tag:yaml.org,2002:seq", x,
                                                                            flow_style=True))


def lang(fr: str, nl: str, de: str) -> Flow:
    return Flow(fr=fr, nl=nl, de=de)


def codebook_entry(q: dict) -> dict:
    entry: dict = {"type": q["type"]}
    if q["type"] == "multi":
        entry["columns"] = {o[0]: f"{q['id']}_{o[0]}" for o in q["options"]}
    else:
        entry["column"] = q["id"]
    entry["text"] = lang(*q["text"])
    if "unit" in q:
        entry["unit"] = q["unit"]
    if "options" in q:
        entry["labels"] = {o[0]: lang(*o[1:]) for o in q["options"]}
    if "brackets" in q:
        entry["brackets"] = [bracket_entry(*b) for b in q["brackets"]]
    if q["type"] == "scale":
        entry["top"] = FlowList(q["top"])
    entry["missing"] = FlowList([MISSING[0], Quoted(MISSING[1])])
    if q.get("dont_know"):
        entry["dont_know"] = FlowList([DONT_KNOW])
    return entry


def bracket_entry(lower: int | None, upper: int | None, fr: str, nl: str, de: str) -> Flow:
    entry = Flow()
    if lower is not None:
        entry["lower"] = lower
    if upper is not None:
        entry["upper"] = upper
    entry["label"] = lang(fr, nl, de)
    return entry


def finding_entry(finding_id: str, questions: tuple[str, ...], title: tuple[str, str, str]) -> dict:
    entry = {"id": finding_id, "questions": FlowList(questions), "title": lang(*title)}
    charts, tables = PRESENTATION.get(finding_id, ((), ()))
    entry["charts"] = FlowList(charts)
    if tables:
        entry["tables"] = FlowList(tables)
    return entry


# The charts and tables each finding shows (the rest is said in sentences), as in the CRYPTODRUG summary.
PRESENTATION: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "purpose": (("spending_eur",), ("purpose",)),
    "discovery": (("discovery",), ()),
    "forums": (("harm_info",), ()),
    "reasons": (("reasons", "rating_offline+rating_online"), ()),
    "vendor_choice": ((), ("vendor_choice",)),
    "outlook": (("will_continue",), ()),  # its "don't know" answers shown apart
}


CODEBOOK_HEADER = """\
# Codebook of survey.csv (synthetic sample, generated by tools/generate_sample.py; do not edit by hand).
# One entry per question, in questionnaire order. Blank cells are always missing; `missing` lists the
# extra missing codes, `dont_know` the "don't know" code. Brackets are half-open: lower <= x < upper.
# Multi-response columns hold 1 (ticked) or 0 (not ticked). `findings` groups the questions as the report
# presents them. The schema is documented in docs/codebook.md.
"""


def codebook_text() -> str:
    body = {"questions": {q["id"]: codebook_entry(q) for q in QUESTIONS},
            "findings": [finding_entry(*finding) for finding in FINDINGS]}
    dumped = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)
    return CODEBOOK_HEADER + dumped


# --- Writing -----------------------------------------------------------------------------------------------

def csv_text(df: pd.DataFrame) -> str:
    buffer = io.StringIO()
    df.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def write_gzip(path: Path, text: str) -> None:
    """gzip without a name or timestamp in the header, so the bytes depend on the content only."""
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                              compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))


def write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def generate(out: Path, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rates = exchange_rates(rng_for(seed, "rates"))
    lookup = rate_lookup(rates)
    world = build_world(seed)
    listings = build_listings(world, lookup, seed)
    write_gzip(out / "listings.csv.gz", csv_text(listing_rows(listings, lookup, seed)))
    write_gzip(out / "feedback.csv.gz", csv_text(feedback_rows(listings, lookup, seed)))
    write_text(out / "exchange_rates.csv", csv_text(rates))
    write_text(out / "market_events.csv", csv_text(market_events()))
    write_text(out / "survey.csv", csv_text(survey(seed)))
    write_text(out / "codebook.yaml", codebook_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "sample_inputs")
    parser.add_argument("--seed", type=int, default=20191130)
    args = parser.parse_args()
    generate(args.out, args.seed)


if __name__ == "__main__":
    main()
