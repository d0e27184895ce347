"""Real-world exports mapped onto the contract by the config alone (issue 5, "Real-world exports").

Each test rewrites the tiny fixture's clean contract files the way a team's export looks (other column names,
one file per market, `;` and decimal commas, cp1252, text prices, flag columns, Excel, Parquet) and checks
that the build computes the same figures as from the clean files, or the hand-computed ones.
"""
from __future__ import annotations

import csv
import io
import logging
import shutil
from pathlib import Path

import pytest

from report.build import figures_only
from report.errors import InputError

TINY = Path(__file__).parent / "fixtures" / "tiny"


def figures(config: Path) -> dict[str, object]:
    stats, _ = figures_only(config, config.parent / "out" / "figures.json")
    return {figure_id: figure.as_json() for figure_id, figure in stats.figures.items()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, object]:
    """The figures of the tiny fixture's clean contract files."""
    folder = tmp_path_factory.mktemp("reference")
    for path in TINY.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return figures(folder / "config.yaml")


def rows(name: str) -> list[dict[str, str]]:
    with open(TINY / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, header: list[str], records: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8",
              newline: str = "\n", quoting: int = csv.QUOTE_MINIMAL) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(header)
    writer.writerows(records)
    path.write_bytes(buffer.getvalue().encode(encoding))


def set_input(project: Path, name: str, value: str) -> None:
    """Replace `  name: name.csv` in the project's config by `  name: value` (YAML flow style)."""
    config = project / "config.yaml"
    text = config.read_text(encoding="utf-8")
    old = f"  {name}: {name}.csv\n"
    assert old in text
    config.write_text(text.replace(old, f"  {name}: {value}\n"), encoding="utf-8")


def input_error(project: Path) -> str:
    with pytest.raises(InputError) as caught:
        figures(project / "config.yaml")
    return str(caught.value)


def decimal_comma(number: str) -> str:
    """`1200.5` as a Belgian export writes it: `1.200,5`."""
    whole, _, fraction = number.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return grouped + ("," + fraction if fraction else "")


def test_one_file_per_market_with_renamed_columns_semicolons_decimal_commas_and_old_encodings(project, reference):
    listings = rows("listings.csv")
    header = ["Vendeur", "Date du crawl", "Annonce", "Titre", "Rubrique", "Prix", "Devise", "Expédie de", "Expédie vers"]

    def record(row: dict[str, str]) -> list[str]:
        day = row["crawled_at"]
        return [row["vendor"], f"{day[8:10]}/{day[5:7]}/{day[:4]}", row["listing_id"], row["title"] + "\n(nouveau)",
                row["category"], decimal_comma(row["price"]), row["currency"], row["ships_from"], row["ships_to"]]

    columns = ("{vendor: Vendeur, crawled_at: {column: Date du crawl, format: '%d/%m/%Y'}, listing_id: Annonce, "
               "category: Rubrique, price: Prix, currency: Devise, ships_from: Expédie de, ships_to: Expédie vers, "
               "market: {value: MARKET}}")
    # Alpha: UTF-8 with a byte-order mark, as Excel saves it; Beta: cp1252, every field quoted, classic Mac line ends.
    # Both hold a line break inside a quoted title.
    alpha = [record(r) for r in listings if r["market"] == "Alpha Market"]
    beta = [record(r) for r in listings if r["market"] == "Beta Market"]
    write_csv(project / "alpha.csv", header, alpha, delimiter=";", encoding="utf-8-sig")
    write_csv(project / "beta.csv", header, beta, delimiter=";", encoding="cp1252", newline="\r", quoting=csv.QUOTE_ALL)
    set_input(project, "listings", "[{path: alpha.csv, delimiter: ';', decimal: ',', columns: " + columns.replace("MARKET", "Alpha Market") + "}, "
              "{path: beta.csv, delimiter: ';', decimal: ',', encoding: cp1252, columns: " + columns.replace("MARKET", "Beta Market") + "}]")
    assert figures(project / "config.yaml") == reference


def test_prices_as_text_with_currency_and_thousands_separators(project, reference):
    listings = rows("listings.csv")
    signs = {"USD": "$", "EUR": "EUR ", "BTC": "BTC "}
    for row in listings:
        amount = float(row["price"])
        row["price"] = f"Purchase price: {signs[row['currency']]}{amount:,.2f}" if amount >= 1 else f"Purchase price: BTC {amount}"
    write_csv(project / "export.csv", ["market", "crawled_at", "listing_id", "vendor", "title", "category", "price",
                                       "ships_from", "ships_to"],
              [[r[c] for c in ("market", "crawled_at", "listing_id", "vendor", "title", "category", "price", "ships_from",
                               "ships_to")] for r in listings])
    assert "Purchase price: EUR 1,200.00" in (project / "export.csv").read_text(encoding="utf-8")
    set_input(project, "listings", "{path: export.csv, columns: {price: {column: price, parse: amount}, "
              "currency: {column: price, parse: currency}}}")
    assert figures(project / "config.yaml") == reference


def test_ships_to_as_a_list_with_another_separator(project, reference):
    listings = rows("listings.csv")
    for row in listings:
        row["ships_to"] = row["ships_to"].replace(", ", " | ")
    fields = list(listings[0])
    write_csv(project / "export.csv", fields, [[r[f] for f in fields] for r in listings])
    set_input(project, "listings", "{path: export.csv, columns: {ships_to: {column: ships_to, separator: ' | '}}}")
    assert figures(project / "config.yaml") == reference


def test_ships_to_as_one_true_false_column_per_country(project, tmp_path):
    """Flag columns cannot say 'not to GB': the reference is the clean file with the exclusions left out."""
    listings = rows("listings.csv")
    countries = ["BE", "NL", "EU", "WW", "DE"]
    for row in listings:
        row["ships_to"] = ", ".join(d.strip() for d in row["ships_to"].split(",") if not d.strip().startswith("!"))
    fields = list(listings[0])
    write_csv(project / "clean.csv", fields, [[r[f] for f in fields] for r in listings])
    flags = [f for f in fields if f != "ships_to"] + [f"ships_to_{c}" for c in countries]
    truth = {True: "TRUE", False: "FALSE"}
    write_csv(project / "export.csv", flags,
              [[r[f] for f in fields if f != "ships_to"]
               + [truth[c in [d.strip() for d in r["ships_to"].split(",")]] for c in countries] for r in listings])
    set_input(project, "listings", "clean.csv")
    clean = figures(project / "config.yaml")
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  listings: clean.csv", "  listings: {path: export.csv, columns: {ships_to: {flags: 'ships_to_{country}'}}}"),
        encoding="utf-8")
    flagged = figures(config)
    assert flagged == clean and flagged["shipping.abroad.count"]["value"] == 1  # BelgaBoy: NL and WW


def test_cumulative_sales_counts_become_sales_between_crawls(project):
    """Hand-computed: A1 (BelgaBoy, BE) 10 -> 13 sold between 7 and 14 January: 3 sales at 60 EUR; A3 (Dutchie)
    5 -> 7: 2 sales at 100 USD; A2 8 -> 6 (the counter went back): no sale; a single crawl says nothing."""
    listings = rows("listings.csv")
    sold = {("A1", "2019-01-07"): "10 sold since Nov 14, 2015", ("A1", "2019-01-14"): "13 sold since Nov 14, 2015",
            ("A2", "2019-01-07"): "8 sold since Dec 1, 2018", ("A3", "2019-01-07"): "5 sold since Jan 2, 2019",
            ("B1", "2019-02-11"): "1,204 sold since Oct 3, 2017"}
    extra = [dict(listings[2], crawled_at="2019-01-14"), dict(listings[3], crawled_at="2019-01-14")]
    sold.update({("A2", "2019-01-14"): "6 sold since Dec 1, 2018", ("A3", "2019-01-14"): "7 sold since Jan 2, 2019"})
    fields = [*listings[0], "Sales"]
    write_csv(project / "export.csv", fields,
              [[*r.values(), sold.get((r["listing_id"], r["crawled_at"]), "")] for r in [*listings, *extra]])
    set_input(project, "listings", "{path: export.csv, columns: {sold: {column: Sales, parse: count}}}")
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  feedback: feedback.csv\n", "  sales: cumulative\n"),
                      encoding="utf-8")
    found = figures(config)
    assert found["transactions.count"]["value"] == 3
    assert found["transactions.value_eur"]["value"] == 180.0
    assert found["transactions.max_eur"]["value"] == 60.0
    assert found["transactions.all.count"]["value"] == 5
    assert found["monthly.alpha-market.2019-01.sales_focus"]["value"] == 3


def test_parquet_folder_with_typed_columns(project, reference):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from datetime import date

    for name, dates, numbers in (("listings", ["crawled_at"], ["price"]), ("feedback", ["crawled_at", "left_at"], ["price"])):
        records = rows(f"{name}.csv")
        folder = project / name
        folder.mkdir()
        columns = {}
        for field in records[0]:
            values = [r[field] for r in records]
            if field in dates:
                columns[field] = pa.array([date.fromisoformat(v) for v in values], pa.date32())
            elif field in numbers:
                columns[field] = pa.array([float(v) if v else None for v in values], pa.float64())
            else:
                columns[field] = pa.array([v if v else None for v in values], pa.string())
        table = pa.table(columns)
        half = len(records) // 2
        pq.write_table(table.slice(0, half), folder / "part-0.parquet")
        pq.write_table(table.slice(half), folder / "part-1.parquet")
        set_input(project, name, name)
    assert figures(project / "config.yaml") == reference


def test_survey_from_an_excel_sheet(project, reference):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Exported from the survey tool"])
    sheet = book.create_sheet("Réponses")
    with open(TINY / "survey.csv", encoding="utf-8", newline="") as handle:
        for index, row in enumerate(csv.reader(handle)):
            sheet.append([int(v) if index and v.lstrip("-").isdigit() else v for v in row])  # numbers as Excel numbers
    book.save(project / "survey.xlsx")
    set_input(project, "survey", "{path: survey.xlsx, sheet: Réponses}")
    assert figures(project / "config.yaml") == reference

    set_input_text = (project / "config.yaml").read_text(encoding="utf-8").replace("sheet: Réponses", "sheet: Responses")
    (project / "config.yaml").write_text(set_input_text, encoding="utf-8")
    message = input_error(project)
    assert "survey.xlsx" in message and "no sheet 'Responses'" in message and "Notes, Réponses" in message


def test_a_cp1252_file_read_as_utf8_names_the_line_and_the_fix(project):
    text = (project / "listings.csv").read_text(encoding="utf-8").replace("Germ,", "Gérm,")
    (project / "listings.csv").write_bytes(text.encode("cp1252"))
    message = input_error(project)
    assert "listings.csv:8" in message and "not valid utf-8" in message and "encoding" in message and "cp1252" in message


@pytest.mark.parametrize("written, declared", [("mac_roman", "cp1252"), ("cp1252", "mac_roman"), ("utf-8", "cp1252"),
                                               ("cp1252", "latin-1")])
def test_a_wrong_8_bit_encoding_is_an_error_not_mojibake(project, written, declared):
    text = (project / "listings.csv").read_text(encoding="utf-8").replace("Germ,", "Gérmé Café Ça,")
    if declared == "latin-1":
        text = text.replace("Gérmé", "Gérmé “quoted”")  # curly quotes: bytes 0x93/0x94 in cp1252, controls in latin-1
    (project / "listings.csv").write_bytes(text.encode(written))
    set_input(project, "listings", f"{{path: listings.csv, encoding: {declared}}}")
    message = input_error(project)
    assert "listings.csv:8" in message and "wrong encoding" in message and "inputs.listings.encoding" in message


def test_a_date_in_another_layout_names_the_line_and_the_format(project):
    text = (project / "listings.csv").read_text(encoding="utf-8").replace("2019-02-11,B2", "11/02/2019,B2")
    (project / "listings.csv").write_text(text, encoding="utf-8")
    message = input_error(project)
    assert "listings.csv:8" in message and "'11/02/2019' is not a date" in message and "format" in message


def test_a_mapped_column_missing_from_the_file_is_named_with_the_config_key(project):
    set_input(project, "listings", "{path: listings.csv, columns: {vendor: Seller}}")
    message = input_error(project)
    assert "listings.csv:1" in message and "no column 'Seller'" in message and "inputs.listings.columns.vendor" in message


def test_a_mac_roman_export_declared_as_such_reads_the_same(project, reference):
    text = (project / "listings.csv").read_text(encoding="utf-8").replace(",pills,", ",pilules été,")
    (project / "listings.csv").write_bytes(text.replace("\n", "\r").encode("mac_roman"))  # an old Mac export
    set_input(project, "listings", "{path: listings.csv, encoding: mac_roman}")
    assert figures(project / "config.yaml") == reference


# Real exports as they come (issue 9): garbled text, placeholders, one file per crawl, ids from several columns.

def write_rows(path: Path, records: list[dict[str, str]], *, delimiter: str = ",", encoding: str = "utf-8") -> None:
    fields = list(records[0])
    write_csv(path, fields, [[r[f] for f in fields] for r in records], delimiter=delimiter, encoding=encoding)


def with_vendor(project: Path, old: str, new: str) -> None:
    records = rows("listings.csv")
    for row in records:
        row["vendor"] = row["vendor"].replace(old, new)
    write_rows(project / "listings.csv", records)


def test_text_garbled_before_saving_is_refused_unless_the_source_says_repair_or_accept(project, tmp_path, caplog):
    """'DÃ¼tchie' in a UTF-8 file is UTF-8 read as cp1252 by the scraper before it saved the file: the file's
    encoding is right, its text is not. Refused by default; `repair: ftfy` gives the figures of the clean name."""
    clean = tmp_path / "clean"
    shutil.copytree(project, clean)
    with_vendor(clean, "Dutchie", "Dütchie")
    expected = figures(clean / "config.yaml")
    with_vendor(project, "Dutchie", "DÃ¼tchie")
    message = input_error(project)
    assert "listings.csv:5" in message and "wrong encoding" in message and "inputs.listings.repair: ftfy" in message

    set_input(project, "listings", "{path: listings.csv, repair: ftfy}")
    with caplog.at_level(logging.WARNING, logger="report"):
        assert figures(project / "config.yaml") == expected
    assert "inputs.listings: 1 field(s) held text garbled before the file was saved" in caplog.text
    assert "repaired with ftfy" in caplog.text

    caplog.clear()
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("repair: ftfy", "repair: accept"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="report"):
        kept = figures(config)
    assert "1 field(s)" in caplog.text and "kept as written" in caplog.text
    assert kept["vendors.total"] == expected["vendors.total"]


@pytest.mark.parametrize("written, declared, word", [("utf-8", "cp1252", "Gérmé Café"), ("mac_roman", "cp1252", "Gérmé Café"),
                                                     ("cp1252", "latin-1", "Gérmé “quoted”")])
def test_repair_does_not_excuse_a_wrong_encoding_declaration(project, written, declared, word):
    """UTF-8 declared cp1252 would look like garbled text ftfy repairs: the file is UTF-8, and that is said."""
    text = (project / "listings.csv").read_text(encoding="utf-8").replace("Germ,", word + ",")
    (project / "listings.csv").write_bytes(text.encode(written))
    set_input(project, "listings", f"{{path: listings.csv, encoding: {declared}, repair: ftfy}}")
    message = input_error(project)
    assert "listings.csv:8" in message
    assert ("declare encoding: utf-8" if written == "utf-8" else "wrong encoding") in message


def test_placeholder_strings_declared_missing_are_read_as_empty(project, tmp_path):
    records = rows("listings.csv")
    records[3]["ships_from"], records[4]["price"] = "", ""
    clean = tmp_path / "clean"
    shutil.copytree(project, clean)
    write_rows(clean / "listings.csv", records)
    expected = figures(clean / "config.yaml")
    records[3]["ships_from"], records[4]["price"] = "null", " #NAME? "
    write_rows(project / "listings.csv", records)
    message = input_error(project)
    assert "listings.csv:6" in message and "'#NAME?' is not a valid number" in message
    set_input(project, "listings", "{path: listings.csv, missing: ['null', 'N/A', '#NAME?']}")
    assert figures(project / "config.yaml") == expected


def split_by_crawl(project: Path, folder: str) -> None:
    """One listings file per crawl date, the date only in the file name (listings_20190107.csv), no crawled_at."""
    (project / folder).mkdir()
    by_day: dict[str, list[dict[str, str]]] = {}
    for row in rows("listings.csv"):
        by_day.setdefault(row.pop("crawled_at").replace("-", ""), []).append(row)
    for day, records in by_day.items():
        write_rows(project / folder / f"listings_{day}.csv", records)
    (project / folder / "notes.md").write_text("not a CSV file", encoding="utf-8")


def test_a_glob_of_one_file_per_crawl_with_the_date_in_the_file_name(project, reference):
    split_by_crawl(project, "exports")
    assert len(list((project / "exports").glob("*.csv"))) == 6
    from_name = "from_filename: {crawled_at: {pattern: '_(\\d{8})\\.csv$', format: '%Y%m%d'}}"
    set_input(project, "listings", "{path: exports/listings_*.csv, " + from_name + "}")
    assert figures(project / "config.yaml") == reference
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("exports/listings_*.csv", "exports"), encoding="utf-8")
    assert figures(config) == reference  # a folder of CSV files: the same

    config.write_text(config.read_text(encoding="utf-8").replace("path: exports,", "path: exports/crawl_*.csv,"), encoding="utf-8")
    message = input_error(project)
    assert "inputs.listings: no file matches 'exports/crawl_*.csv'" in message


def test_a_file_whose_name_lacks_the_value_or_a_column_is_named(project):
    split_by_crawl(project, "exports")
    from_name = "from_filename: {crawled_at: {pattern: '_(\\d{8})\\.csv$', format: '%Y%m%d'}}"
    set_input(project, "listings", "{path: exports/listings_*.csv, " + from_name + "}")
    (project / "exports" / "listings_20190211.csv").rename(project / "exports" / "listings_latest.csv")
    message = input_error(project)
    assert "listings_latest.csv" in message and "inputs.listings.from_filename.crawled_at.pattern" in message

    (project / "exports" / "listings_latest.csv").rename(project / "exports" / "listings_20190211.csv")
    records = list(csv.DictReader(open(project / "exports" / "listings_20190114.csv", encoding="utf-8")))
    for row in records:
        del row["vendor"]
    write_rows(project / "exports" / "listings_20190114.csv", records)
    message = input_error(project)
    assert "listings_20190114.csv:1" in message and "no column 'vendor'" in message


def test_a_listing_id_from_several_columns_and_a_category_from_the_first_non_empty(project, reference):
    listings = rows("listings.csv")
    export = []
    for index, row in enumerate(listings):
        record = {k: v for k, v in row.items() if k not in ("listing_id", "category")}
        record |= {"shop": row["listing_id"][0], "item": row["listing_id"][1:]}
        record |= ({"subcategory": row["category"], "section": "Drugs"} if index % 2
                   else {"subcategory": "", "section": row["category"]})
        export.append(record)
    write_rows(project / "export.csv", export)
    feedback = rows("feedback.csv")
    for row in feedback:
        row["listing_id"] = f"{row['listing_id'][0]}/{row['listing_id'][1:]}"
    write_rows(project / "feedback.csv", feedback)
    set_input(project, "listings", "{path: export.csv, columns: {listing_id: {columns: [shop, item], join: /}, "
              "category: {first_of: [subcategory, section]}}}")
    assert figures(project / "config.yaml") == reference


def test_a_sales_count_next_to_its_pattern_not_the_vendors_digits(project):
    """The hand-computed case of test_cumulative_sales_counts_become_sales_between_crawls, with the counter written
    after a vendor name holding digits ("Shop99: 13 sold"): the first digits in the text would say 99 every time."""
    listings = rows("listings.csv")
    sold = {("A1", "2019-01-07"): 10, ("A1", "2019-01-14"): 13, ("A2", "2019-01-07"): 8, ("A3", "2019-01-07"): 5,
            ("B1", "2019-02-11"): 1204, ("A2", "2019-01-14"): 6, ("A3", "2019-01-14"): 7}
    extra = [dict(listings[2], crawled_at="2019-01-14"), dict(listings[3], crawled_at="2019-01-14")]
    fields = [*listings[0], "Sales"]
    write_csv(project / "export.csv", fields,
              [[*r.values(), f"Shop99 (level 4): {sold[(r['listing_id'], r['crawled_at'])]:,} sold since 2015"
                if (r["listing_id"], r["crawled_at"]) in sold else ""] for r in [*listings, *extra]])
    set_input(project, "listings", "{path: export.csv, columns: {sold: {column: Sales, parse: count, pattern: '([0-9][0-9,]*) sold'}}}")
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  feedback: feedback.csv\n", "  sales: cumulative\n"),
                      encoding="utf-8")
    found = figures(config)
    assert found["transactions.count"]["value"] == 3
    assert found["transactions.value_eur"]["value"] == 180.0
    assert found["transactions.all.count"]["value"] == 5

    text = (project / "export.csv").read_text(encoding="utf-8").replace("Shop99 (level 4): 8 sold", "Shop99 (level 4): eight sold")
    (project / "export.csv").write_text(text, encoding="utf-8")
    message = input_error(project)
    assert "export.csv:4" in message and "is not a count (after the pattern '([0-9][0-9,]*) sold')" in message


def test_market_events_and_survey_in_the_source_form(project, reference):
    """Events and survey from a Belgian spreadsheet: `;`, cp1252, their own column names, a date layout, N/A."""
    write_csv(project / "events.csv", ["Marché", "Jour", "Événement"], [["Alpha Market", "01/02/2019", "closure"]],
              delimiter=";", encoding="cp1252")
    set_input(project, "market_events", "{path: events.csv, delimiter: ';', encoding: cp1252, columns: "
              "{market: Marché, date: {column: Jour, format: '%d/%m/%Y'}, kind: Événement}}")
    with open(TINY / "survey.csv", encoding="utf-8", newline="") as handle:
        header, *answers = list(csv.reader(handle))
    answers = [[("N/A" if value == "" else value) for value in row] for row in answers]
    write_csv(project / "answers.csv", [f"Vraag {name}" if name != "respondent_id" else name for name in header], answers,
              delimiter=";", encoding="cp1252")
    renames = ", ".join(f"{name}: Vraag {name}" for name in header if name != "respondent_id")
    set_input(project, "survey", "{path: answers.csv, delimiter: ';', encoding: cp1252, missing: [N/A], columns: {" + renames + "}}")
    assert figures(project / "config.yaml") == reference


def _survey_workbook(project: Path, formulas: bool = False) -> Path:
    """The tiny survey as one sheet `Responses`; with `formulas`, its second data row's second cell is a formula
    written without a saved value (as libraries that do not calculate write them)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    with open(TINY / "survey.csv", encoding="utf-8", newline="") as handle:
        for index, row in enumerate(csv.reader(handle)):
            sheet.append([int(v) if index and v.lstrip("-").isdigit() else v for v in row])
    if formulas:
        sheet["B3"] = "=1+1"
    book.save(project / "survey.xlsx")
    set_input(project, "survey", "{path: survey.xlsx, sheet: Responses}")
    return project / "survey.xlsx"


def _rewrite_part(path: Path, part: str, change) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    contents[part] = change(contents[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def test_a_formula_without_a_saved_value_names_its_cell(project):
    _survey_workbook(project, formulas=True)
    message = input_error(project)
    assert "survey.xlsx [Responses]" in message and "cell B3" in message and "'=1+1'" in message and "without a saved value" in message


def test_a_sheet_whose_dimension_record_is_too_small_is_read_whole(project, reference):
    import re

    path = _survey_workbook(project)
    _rewrite_part(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:C3"', xml))
    assert figures(project / "config.yaml") == reference


def test_a_zip_bomb_workbook_is_refused_before_it_is_unzipped(project):
    import zipfile

    path = _survey_workbook(project)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", b" " * (40 * 1_000_000))  # 40 MB of spaces pack into about 40 KB
    message = input_error(project)
    assert "survey.xlsx" in message and "zip bomb" in message


def test_a_workbook_larger_unzipped_than_the_limit_is_refused(project):
    _survey_workbook(project)
    (project / "config.yaml").write_text((project / "config.yaml").read_text(encoding="utf-8") + "limits: {max_input_mb: 1}\n",
                                         encoding="utf-8")
    import zipfile

    with zipfile.ZipFile(project / "survey.xlsx", "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/padding.xml", b"x" * 600_000)  # stored: the file itself stays under the limit too
        archive.writestr("xl/padding2.xml", b"x" * 500_000, compress_type=zipfile.ZIP_DEFLATED)
    message = input_error(project)
    assert "survey.xlsx" in message and "unzips to" in message and "limits.max_input_mb" in message


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    b'<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
])
def test_entity_declarations_in_a_sheet_are_an_input_error(project, doctype):
    path = _survey_workbook(project)
    _rewrite_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<worksheet", doctype + b"<worksheet", 1))
    message = input_error(project)
    assert "survey.xlsx" in message and ("cannot be read" in message or "not a readable" in message)


def test_an_error_after_quoted_line_breaks_names_the_physical_line(project):
    lines = (project / "listings.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("1g coke", '"1g\ncoke\nof the week"')  # one record on three lines
    lines[8] = lines[8].replace("2019-0", "20x9-0", 1)
    (project / "listings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    physical = next(number for number, line in enumerate((project / "listings.csv").read_text(encoding="utf-8").splitlines(), 1)
                    if "20x9" in line)
    message = input_error(project)
    assert physical == 11 and f"listings.csv:{physical}:" in message and "'20x9-" in message
