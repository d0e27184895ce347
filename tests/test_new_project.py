"""`report new`: the project folder it writes validates, builds at once in every chosen language, and says which
example inputs are still in place."""
from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml

from report.cli import main
from report.codebook import QuestionSpec, read_codebook
from report.config import ReportConfig, input_files, load_config
from report.resources import TEMPLATES
from report.sources import CONTRACT, OPTIONAL
from report.starter import example_inputs_left, partner_country, starter_text

CUSTOM_DIR_LANDED = "custom_dir" in ReportConfig.model_fields
needs_custom_dir = pytest.mark.skipif(not CUSTOM_DIR_LANDED, reason="the config schema has no custom_dir key yet")
INPUTS = ("listings.csv", "feedback.csv", "exchange_rates.csv", "market_events.csv", "survey.csv", "codebook.yaml")


def new(folder: Path, *args: str) -> int:
    return main(["new", str(folder), *args])


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("new") / "brief"
    assert new(folder) == 0
    return folder


def test_writes_the_project_layout(project: Path) -> None:
    names = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert names == sorted(["config.yaml", ".gitignore", "inputs/README.md", "inputs/.examples.json",
                            *(f"inputs/{name}" for name in INPUTS), "custom/README.md", "custom/assets/README.md",
                            "custom/locales/README.md", "custom/prose/fr/README.md", "custom/prose/nl/README.md"])
    assert "build/" in (project / ".gitignore").read_text(encoding="utf-8").splitlines()
    size = sum(p.stat().st_size for p in (project / "inputs").iterdir())
    assert size < 100_000, f"the example inputs should stay small, they take {size} bytes"


def test_config_is_commented_and_set_from_the_arguments(project: Path) -> None:
    text = (project / "config.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["languages"] == ["fr", "nl"] and data["focus_country"] == "BE"
    assert data["custom_dir"] == "custom"
    assert data["title"] == {"fr": "Titre du rapport (à remplacer)", "nl": "Titel van het rapport (te vervangen)"}
    for key in ("edition", "title", "authors", "focus_country", "period", "languages", "custom_dir", "inputs", "taxonomy"):
        line = next(i for i, line in enumerate(text.splitlines()) if line.startswith(f"{key}:"))
        assert text.splitlines()[line - 1].startswith("#"), f"{key} has no comment above it"
    assert all(value.startswith("inputs/") for value in data["inputs"].values())


@needs_custom_dir
def test_config_validates_and_every_raw_category_is_mapped(project: Path) -> None:
    config, base = load_config(project / "config.yaml")
    raw = {row["category"] for row in rows(project / "inputs" / "listings.csv")}
    patterns = [re.compile("^" + re.escape(p.lower()).replace(r"\*", ".*") + "$") for c in config.taxonomy.values() for p in c.match]
    assert all(any(p.match(category.lower()) for p in patterns) for category in raw), raw
    dates = [row["crawled_at"] for row in rows(project / "inputs" / "listings.csv")]
    assert config.period.start.isoformat() <= min(dates) and max(dates) <= config.period.end.isoformat()


def test_codebook_has_one_question_of_each_type_in_every_language(project: Path) -> None:
    codebook = read_codebook(project / "inputs" / "codebook.yaml", ["fr", "nl"])
    types = typing.get_args(QuestionSpec.model_fields["type"].annotation)
    assert sorted(q.type for q in codebook.questions.values()) == sorted(types)
    assert codebook.findings and {qid for f in codebook.findings for qid in f.questions} == set(codebook.questions)
    sample = yaml.safe_load((Path(__file__).parent.parent / "sample_inputs" / "codebook.yaml").read_text(encoding="utf-8"))
    assert not set(codebook.questions) & set(sample["questions"]), "the starter codebook reuses the sample's ids"


def test_example_inputs_follow_the_contract(project: Path) -> None:
    for name in ("listings", "feedback", "exchange_rates"):
        found = rows(project / "inputs" / f"{name}.csv")
        required = set(CONTRACT[name]) - OPTIONAL[name]
        assert required <= set(found[0]), name
    listings = rows(project / "inputs" / "listings.csv")
    origins = {row["ships_from"] for row in listings}
    assert {"BE", partner_country("BE"), "EU", "WW", ""} <= origins
    assert len({(row["market"]) for row in listings}) == 2
    assert 100 <= len({(row["market"], row["listing_id"]) for row in listings}) <= 200
    months = {row["crawled_at"][:7] for row in listings}
    assert len(months) == 4
    assert 200 <= len(rows(project / "inputs" / "feedback.csv")) <= 600
    survey = rows(project / "inputs" / "survey.csv")
    assert len(survey) == 40 and len({row["respondent_id"] for row in survey}) == 40
    events = rows(project / "inputs" / "market_events.csv")
    assert {row["market"] for row in events} == {row["market"] for row in listings}


def test_same_arguments_write_the_same_bytes(tmp_path: Path, project: Path) -> None:
    again = tmp_path / "brief"
    assert new(again) == 0
    for path in sorted(p for p in project.rglob("*") if p.is_file()):
        assert (again / path.relative_to(project)).read_bytes() == path.read_bytes(), path


def test_a_folder_that_is_not_empty_is_refused_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert new(tmp_path) != 0
    assert "is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert new(tmp_path, "--force") == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "config.yaml").is_file()


@pytest.mark.parametrize("args, message", [
    (["--lang", "fr,xx"], "--lang: no prose for 'xx'"),
    (["--lang", "fr,fr"], "--lang: a language is listed twice"),
    (["--focus-country", "EU"], "--focus-country: 'EU' is not an ISO 3166 alpha-2 country code"),
    (["--focus-country", "BEL"], "--focus-country: 'BEL' is not an ISO 3166 alpha-2 country code"),
])
def test_bad_arguments_get_one_message_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         args: list[str], message: str) -> None:
    assert new(tmp_path / "brief", *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "brief").exists()


def test_other_languages_and_country(tmp_path: Path) -> None:
    folder = tmp_path / "brief"
    assert new(folder, "--lang", "nl,de", "--focus-country", "fr") == 0
    config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    assert config["languages"] == ["nl", "de"] and config["focus_country"] == "FR"
    assert config["title"]["de"] == "Titel des Berichts (bitte ersetzen)"
    assert {c["label"]["de"] for c in config["taxonomy"].values()} >= {"Kokain"}
    read_codebook(folder / "inputs" / "codebook.yaml", ["nl", "de"])
    assert sorted(p.name for p in (folder / "custom" / "prose").iterdir()) == ["de", "nl"]
    origins = {row["ships_from"] for row in rows(folder / "inputs" / "listings.csv")}
    assert {"FR", partner_country("FR")} <= origins


def test_a_language_without_starter_texts_gets_the_english_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from report import starter

    monkeypatch.setattr(starter, "shipped_languages", lambda: ["fr", "xy"])
    folder = tmp_path / "brief"
    starter.new_project(folder, ["fr", "xy"], "BE")
    config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    assert config["title"]["xy"] == "Report title (replace me)"
    read_codebook(folder / "inputs" / "codebook.yaml", ["fr", "xy"])


def test_example_inputs_left_names_each_file_still_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "brief"
    assert new(folder) == 0
    inputs = {name.split(".")[0]: folder / "inputs" / name for name in INPUTS}
    messages = example_inputs_left(folder / "config.yaml", inputs)
    assert len(messages) == len(INPUTS)
    assert ("inputs/listings.csv is still the example file written by `report new`: replace it with your scrape's "
            "listings first") in messages
    (folder / "inputs" / "listings.csv").write_text("market,crawled_at\n", encoding="utf-8")
    left = example_inputs_left(folder / "config.yaml", inputs)
    assert len(left) == len(INPUTS) - 1 and not any("listings.csv" in m for m in left)
    (folder / "inputs" / ".examples.json").unlink()
    assert example_inputs_left(folder / "config.yaml", inputs) == []


@needs_custom_dir
def test_example_inputs_left_takes_the_configs_input_files(project: Path) -> None:
    config, base = load_config(project / "config.yaml")
    messages = example_inputs_left(project / "config.yaml", input_files(config, base))
    assert sorted(m.split(" ")[0] for m in messages) == sorted(f"inputs/{name}" for name in INPUTS)


def test_starter_texts_have_every_language_the_tool_ships() -> None:
    texts = yaml.safe_load((TEMPLATES / "starter" / "texts.yaml").read_text(encoding="utf-8"))
    shipped = sorted(p.name for p in (TEMPLATES / "prose").iterdir() if p.is_dir())
    missing = [(key, lang) for key, entry in texts.items() for lang in ["en", *shipped] if lang not in entry]
    assert not missing, f"texts.yaml has no text for {missing[:5]}"


# ---------------------------------------------------------------- built end to end

def build(config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "report.cli", "--strict", "build", str(config), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@needs_custom_dir
@pytest.mark.parametrize("args, langs, focus", [([], ["fr", "nl"], "BE"),
                                                (["--lang", "nl,de", "--focus-country", "FR"], ["nl", "de"], "FR")])
def test_a_new_project_builds_at_once(tmp_path: Path, args: list[str], langs: list[str], focus: str) -> None:
    folder = tmp_path / "brief"
    assert new(folder, *args) == 0
    for lang in langs:  # the override example of each prose README, used as its README says
        readme = (folder / "custom" / "prose" / lang / "README.md").read_text(encoding="utf-8")
        example = re.search(r"```jinja\n(.*?)```", readme, re.S)
        assert example is not None, lang
        (folder / "custom" / "prose" / lang / "survey.html.j2").write_text(example.group(1), encoding="utf-8")
    done = build(folder / "config.yaml", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "WARNING" not in done.stderr, done.stderr
    edition = next(path for path in (tmp_path / "out").iterdir() if not path.name.startswith("."))  # not .cache
    figures = json.loads((edition / "figures.json").read_text(encoding="utf-8"))["figures"]
    value = {figure["id"]: figure.get("value") for figure in figures}
    assert value["vendors.focus"] and value["vendors.focus"] >= 3, "the example has vendors from the focus country"
    assert value["vendors.focus.change"] is not None and value["vendors.focus.change"] > 0
    assert value["survey.respondents"] == 40
    outline = yaml.safe_load((TEMPLATES / "outline.yaml").read_text(encoding="utf-8"))
    sections = [section["id"] for section in outline["sections"]]
    for lang in langs:
        html = (edition / lang / "report.html").read_text(encoding="utf-8")
        assert (edition / lang / "report.pdf").read_bytes().startswith(b"%PDF")
        found = re.findall(r'<section id="([^"]+)"', html)
        assert [s for s in found if s in sections] == sections, lang
        headings = re.findall(r'<h3 data-branch="[^"]*">', html)
        assert len(headings) >= 8, f"{lang}: every vendors and buyers finding has its heading"
        assert not re.search(r"\b0 (vendeurs|verkopers|Verkäufer)\b", html), lang
        own = starter_text("readme.prose_example", lang).split("{fig}")[1].split("(")[0].strip()
        assert own in html, f"{lang}: the README's override example does not show"


@pytest.mark.slow
def test_a_one_market_project_speaks_of_its_market_not_of_all_markets(tmp_path: Path) -> None:
    """The starter project cut down to its first market: no total row repeating the market's row, and the sentences
    and notes that compare with "all markets" say "this market" in every language."""
    from babel.messages.pofile import read_po

    from report.build import build
    from tests.test_generated_projects import repeated_totals

    folder = tmp_path / "one"
    assert new(folder, "--lang", "fr,nl,de", "--focus-country", "FR") == 0
    inputs = folder / "inputs"
    for name in ("listings.csv", "feedback.csv"):
        rows = list(csv.DictReader((inputs / name).open(encoding="utf-8")))
        first = rows[0]["market"]
        with (inputs / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(row for row in rows if row["market"] == first)
    result = build(folder / "config.yaml", formats=["html"], out=tmp_path / "out")
    all_markets = "All vendors of all markets, each counted once: %(total)s."
    by_market = "Vendors shipping %(from_country)s per month, by market"  # a chart title, in the text and the appendix
    for lang, this_market in (("fr", "sur ce marché et tous vendeurs confondus"), ("nl", "over alle verkopers van deze markt"),
                              ("de", "Bei allen Verkäufern dieses Marktes"), ("fr", "des annonces du cryptomarché"),
                              ("de", "der Inserate des Kryptomarkts"), ("fr", f"par mois sur {first}"),
                              ("nl", f"per maand op {first}"), ("de", f"pro Monat auf {first}"),
                              ("fr", f"expédiées de France sur {first}"), ("fr", "des vendeurs du même marché :"),
                              ("nl", "alle verkopers op dezelfde markt:"), ("de", "Verkäufern desselben Marktes:"),
                              ("fr", "(web scraping) d'un cryptomarché"), ("nl", "op één cryptomarkt"),
                              ("de", "(Web-Scraping) eines Kryptomarkts"),
                              # 7 sales by focus-country vendors: no column of sales-value shares, and why
                              ("fr", "Trop peu de ventes pour donner la part"), ("nl", "Te weinig verkopen om het aandeel"),
                              ("de", "Zu wenige Verkäufe, um den Anteil"),
                              # one country excluded from delivery: no plural "the countries most often excluded are"
                              ("fr", "Un seul pays figure parmi les exclusions, chez 1 vendeur : les États-Unis."),
                              ("nl", "Slechts één land wordt uitgesloten, door 1 verkoper: de Verenigde Staten."),
                              ("de", "Nur ein Land wird ausgeschlossen, und zwar von 1 Verkäufer: die Vereinigten Staaten."),
                              # every one of the 7 sales under the retail threshold: not "7 sur 7 de leurs ventes"
                              ("fr", "Toutes leurs ventes ( 7 ) portent sur moins de"),
                              ("nl", "Bij al hun verkopen ( 7 ) ging het om minder dan"),
                              ("de", "Alle ihre Verkäufe ( 7 ) haben einen Wert von weniger als")):
        page = (result.folder / lang / "report.html").read_text(encoding="utf-8")
        text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))
        with (TEMPLATES / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po)
        shown = catalog[all_markets].string.split("%(total)s")[0].strip()
        per_market = catalog[by_market].string.split("%(from_country)s")[1].strip()  # ", par marché", ", nach Markt"
        assert repeated_totals(page) == [], lang
        assert shown not in text, f"{lang}: {shown!r}"
        assert per_market not in text, f"{lang}: {per_market!r}"
        assert this_market in text, (lang, this_market)
