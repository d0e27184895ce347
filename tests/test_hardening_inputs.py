"""Hardened input reading: one clear message naming file and line for each way an input can be wrong
(issue 4, "Inputs"). Everything runs on copies of the tiny project: no rendering."""
from __future__ import annotations

import gzip
import io
import logging
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from report.build import compute, load_and_compute
from report.config import load_config
from report.errors import InputError
from report.load import load_inputs

TINY = Path(__file__).parent / "fixtures" / "tiny"




def load(project: Path):
    config, base = load_config(project / "config.yaml")
    return config, load_inputs(config, base)


def input_error(project: Path) -> str:
    with pytest.raises(InputError) as caught:
        config, inputs = load(project)
        compute(config, inputs)  # the engine's own checks (numbers, dates, period) run here
    # A build checks the scrape files in its workers while the engine reads them: the message must be the same.
    config, base = load_config(project / "config.yaml")
    with ThreadPoolExecutor(max_workers=2) as pool, pytest.raises(InputError) as deferred:
        load_and_compute(config, base, defer=pool.submit)
    assert str(deferred.value) == str(caught.value)
    return str(caught.value)


def edit(path: Path, old: str, new: str, encoding: str = "utf-8") -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_bytes(text.replace(old, new, 1).encode(encoding))


def configure(project: Path, yaml_lines: str) -> None:
    with open(project / "config.yaml", "a", encoding="utf-8") as handle:
        handle.write(yaml_lines)


def vendors_total(project: Path) -> int:
    config, base = load_config(project / "config.yaml")
    total = compute(config, load_inputs(config, base)).figures["vendors.total"].value
    with ThreadPoolExecutor(max_workers=2) as pool:  # as a build reads them: checked beside the engine
        stats, _ = load_and_compute(config, base, defer=pool.submit)
    assert stats.figures["vendors.total"].value == total
    return total


# -- encoding ---------------------------------------------------------------------------------------------------

def test_undeclared_wrong_encoding_names_line_column_and_the_setting(project):
    edit(project / "listings.csv", "Dutchie,pills", "Dutchié,pills", encoding="cp1252")
    message = input_error(project)
    assert "listings.csv:5" in message and "column 34" in message and "0xe9" in message
    assert "inputs: {encoding: {listings: cp1252}}" in message


def test_declared_encoding_is_read_and_given_to_the_engine_as_utf8(project):
    edit(project / "listings.csv", "Dutchie,pills", "Dutchié,pills", encoding="cp1252")
    edit(project / "config.yaml", "  codebook: codebook.yaml", "  codebook: codebook.yaml\n  encoding: {listings: cp1252}")
    config, inputs = load(project)
    assert inputs.files["listings"] == project / "listings.csv"  # the manifest hashes the file as given
    assert "Dutchié" in inputs.listings.read_text(encoding="utf-8")
    assert compute(config, inputs).figures["vendors.total"].value == 4


def test_declared_utf16_survey_is_read(project):
    text = (project / "survey.csv").read_text(encoding="utf-8")
    (project / "survey.csv").write_bytes(text.encode("utf-16"))
    edit(project / "config.yaml", "  codebook: codebook.yaml", "  codebook: codebook.yaml\n  encoding: {survey: utf-16}")
    _config, inputs = load(project)
    assert len(inputs.survey) == 12


def test_a_byte_order_mark_is_fine(project):
    (project / "exchange_rates.csv").write_bytes(b"\xef\xbb\xbf" + (project / "exchange_rates.csv").read_bytes())
    assert vendors_total(project) == 4


# -- shape of the rows ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, fields", [
    ("Dutchie,pills,Drugs/MDMA,100,USD,NL,WW", "Dutchie,pills,Drugs/MDMA,1,5,USD,NL,WW", "11 fields"),
    ("Dutchie,pills,Drugs/MDMA,100,USD,NL,WW", "Dutchie,pills,Drugs/MDMA,100,USD,NL", "9 fields"),
])
def test_a_ragged_row_names_its_line(project, old, new, fields):
    edit(project / "listings.csv", old, new)
    message = input_error(project)
    assert "listings.csv:5:" in message and fields in message and "the header has 10" in message


def test_a_ragged_row_after_a_multiline_field_names_the_line_it_starts_on(project):
    edit(project / "feedback.csv", "f2,A1,BelgaBoy,2019-01-15,,", 'f2,A1,"Belga\nBoy",2019-01-15,,')
    edit(project / "feedback.csv", "f3,A2,belgaboy,2019-01-08,,", "f3,A2,belgaboy,2019-01-08,,,")
    assert "feedback.csv:6:" in input_error(project)


def test_an_unterminated_quote_is_named(project):
    edit(project / "exchange_rates.csv", "2019-01-08,BTC,3500", '2019-01-08,"BTC,3500')
    message = input_error(project)
    assert "exchange_rates.csv:" in message and "cannot read the CSV" in message


@pytest.mark.parametrize("value", ["<5", '"1,5"', "N/A", "12 EUR"])
def test_text_in_a_numeric_scrape_column_names_the_line(project, value):
    edit(project / "listings.csv", "Dutchie,pills,Drugs/MDMA,100,", f"Dutchie,pills,Drugs/MDMA,{value},")
    message = input_error(project)
    assert "listings.csv:5" in message and "price" in message and "not a valid number" in message


@pytest.mark.parametrize("value, hint", [("N/A", "missing codes (-99)"), ("<5", "missing codes"), ('"1,5"', "decimals with a point")])
def test_text_in_a_numeric_survey_column_names_file_line_and_what_to_write(project, value, hint):
    edit(project / "survey.csv", "R04,1,1,0,80,1", f"R04,1,1,0,{value},1")
    message = input_error(project)
    assert "survey.csv:5" in message and "column q3" in message and hint in message


def test_duplicate_column_names_are_refused(project):
    edit(project / "feedback.csv", "market,crawled_at,feedback_id", "market,crawled_at,market")
    assert "feedback.csv:1" in input_error(project) and "duplicate column name(s): market" in input_error(project)


def test_duplicate_respondent_ids_are_refused(project):
    edit(project / "survey.csv", "R05,", "R04,")
    message = input_error(project)
    assert "survey.csv:6" in message and "respondent_id 'R04' appears twice" in message


@pytest.mark.parametrize("name", ["listings.csv", "feedback.csv", "exchange_rates.csv", "survey.csv"])
def test_a_header_only_file_is_refused(project, name):
    path = project / name
    path.write_text(path.read_text().splitlines()[0] + "\n")
    message = input_error(project)
    assert name in message and ("header but no" in message)


def test_an_empty_file_is_refused(project):
    (project / "exchange_rates.csv").write_text("")
    assert "exchange_rates.csv: the file is empty" in input_error(project)


def test_a_header_only_events_file_is_a_period_without_events(project):
    (project / "market_events.csv").write_text("market,date,kind\n")
    _config, inputs = load(project)
    assert inputs.events == ()


def test_no_feedback_in_the_period_is_refused(project):
    edit(project / "config.yaml", "period: {start: 2019-01-01, end: 2019-03-31}", "period: {start: 2019-02-13, end: 2019-02-17}")
    message = input_error(project)
    assert "feedback.csv" in message and "no row has a left_at between 2019-02-13 and 2019-02-17" in message


def test_no_listings_in_the_period_is_refused(project):
    edit(project / "config.yaml", "period: {start: 2019-01-01, end: 2019-03-31}", "period: {start: 2019-06-01, end: 2019-06-30}")
    edit(project / "feedback.csv", "f8,A1,BelgaBoy,2019-04-02", "f8,A1,BelgaBoy,2019-06-02")
    assert "listings.csv: no listings between 2019-06-01 and 2019-06-30" in input_error(project)


# -- spreadsheets, sizes, compression ---------------------------------------------------------------------------

def zip_bomb(path: Path, megabytes: int = 64) -> None:
    """A workbook-shaped zip whose one member inflates to `megabytes` of zeros (about 1000:1)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * 1_000_000
            for _ in range(megabytes):
                member.write(block)


def formula_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml",
                         '<worksheet><sheetData><row><c><f>HYPERLINK("http://169.254.169.254/","x")</f></c>'
                         '<c><f>cmd|\' /C calc\'!A0</f></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("maker, name", [(zip_bomb, "listings.xlsx"), (formula_workbook, "listings.xlsx"),
                                         (zip_bomb, "listings.csv"), (formula_workbook, "listings.ods")])
def test_a_workbook_is_refused_unopened_with_one_message(project, monkeypatch, maker, name):
    maker(project / name)
    if name != "listings.csv":
        edit(project / "config.yaml", "listings: listings.csv", f"listings: {name}")

    def unpacked(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(zipfile, "ZipFile", unpacked)
    started = time.perf_counter()
    message = input_error(project)
    assert time.perf_counter() - started < 1.0
    assert name in message and "not a CSV file" in message and "CSV UTF-8" in message and "inputs.listings" in message


def test_an_old_excel_file_is_refused(project):
    (project / "survey.csv").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    message = input_error(project)
    assert "survey.csv" in message and "Excel 97-2003" in message


def test_a_file_over_the_size_limit_is_refused(project):
    configure(project, "limits: {max_input_mb: 1}\n")
    rows = "".join(f"Alpha Market,2019-01-07,X{i},v{i},t,Drugs/Cocaine,50,EUR,BE,BE\n" for i in range(25_000))
    with open(project / "listings.csv", "a", encoding="utf-8") as handle:
        handle.write(rows)
    message = input_error(project)
    assert "listings.csv" in message and "over limits.max_input_mb (1)" in message


def test_a_gzip_bomb_stops_at_the_size_limit(project):
    configure(project, "limits: {max_input_mb: 1}\n")
    header = (project / "feedback.csv").read_bytes()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as packed:
        packed.write(header)
        for _ in range(50):
            packed.write(b"Alpha Market,2019-01-14,f9,A1,BelgaBoy,2019-01-10,,\n" * 20_000)
    (project / "feedback.csv.gz").write_bytes(buffer.getvalue())
    edit(project / "config.yaml", "feedback: feedback.csv", "feedback: feedback.csv.gz")
    assert (project / "feedback.csv.gz").stat().st_size < 1_000_000
    message = input_error(project)
    assert "feedback.csv.gz" in message and "once decompressed" in message


def test_a_truncated_gzip_file_is_named(project):
    packed = gzip.compress((project / "listings.csv").read_bytes() * 50)
    (project / "listings.csv.gz").write_bytes(packed[: len(packed) // 2])
    edit(project / "config.yaml", "listings: listings.csv", "listings: listings.csv.gz")
    message = input_error(project)
    assert "listings.csv.gz" in message and "not a readable gzip file" in message


# -- names that look like missing values, characters that do not belong in names ------------------------------

@pytest.mark.parametrize("name", ["NA", "NULL", "None", "null", "N/A", "NaN", "nan", "-"])
def test_vendor_names_that_look_like_missing_values_stay_names(project, name):
    # belgaboy, dutchie, germ and the fourth vendor, whatever it is called (see test_tiny_fixture)
    edit(project / "listings.csv", "B3,NA,hash", f"B3,{name},hash")
    assert vendors_total(project) == 4


def test_control_characters_are_left_out_with_a_warning(project, caplog):
    edit(project / "listings.csv", "B3,NA,hash", "B3,N\x00A,ha\x07sh")
    with caplog.at_level(logging.WARNING, logger="report"):
        config, inputs = load(project)
    assert "\x00" not in inputs.listings.read_text(encoding="utf-8") and inputs.files["listings"] == project / "listings.csv"
    assert any("listings.csv: 1 line(s) hold control characters" in r.getMessage() and "line 9" in r.getMessage() for r in caplog.records)
    assert compute(config, inputs).figures["vendors.total"].value == 4  # "N\0A" is the vendor NA once cleaned
