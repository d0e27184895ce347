"""Hardened config reading: every message names file:line:column and shows the line (issue 4, "Config")."""
from __future__ import annotations

import os
import re
import shutil
import time
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from report.cli import main
from report.config import INPUT_FILES, Inputs, Limits, ReportConfig, load_config
from report.errors import ConfigError

TINY = Path(__file__).parent / "fixtures" / "tiny"




def config_error(config: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    return str(caught.value)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Every str field of the schema, written so that YAML reads it as something else.
IMPLICIT = [
    ("edition: tiny", "edition: 1.10", "got 1.1", "config.yaml:1:1"),
    ("title: {fr: Petit, nl: Klein}", "title: {fr: Petit, nl: no}", "got False", "config.yaml:2:"),
    ("authors: {fr: [Test], nl: [Test]}", "authors: {fr: [2019-01-01], nl: [Test]}", "got datetime.date(2019, 1, 1)", "config.yaml:3:"),
    ("focus_country: BE", "focus_country: NO", "got False", "config.yaml:4:"),
    ("edition: tiny", "edition: tiny\ncompare_country: NO", "got False", "config.yaml:2:"),
    ("listings: listings.csv", "listings: 2019-01-01", "YAML read it as a date", "config.yaml:7:"),
    ("codebook: codebook.yaml", "codebook: on", "got True", "config.yaml:12:"),
    ('match: ["Drugs/Cocaine"]', "match: [yes]", "got True", "config.yaml:15:"),
    ("cannabis: {label: {fr: Cannabis,", "cannabis: {label: {fr: 1.10,", "got 1.1", "config.yaml:14:"),
    ("edition: tiny", "edition: tiny\nsubtitle: {fr: off, nl: x}", "got False", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\norganisation: {fr: 2019-12-01 10:00:00, nl: x}", "date and time", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nlanguages: [fr, no]", "got False", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nformats: [html, off]", "got False", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncrosstabs: [{rows: q1, columns: 1.10}]", "got 1.1", "config.yaml:2:"),
    ("  codebook: codebook.yaml", "  codebook: codebook.yaml\n  encoding: {listings: 1252}", "got 1252", "config.yaml:13:"),
    ("listings: listings.csv", "listings: {path: 2019-01-01}", "YAML read it as a date", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, encoding: 1252}", "got 1252", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, delimiter: 1}", "got 1", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, decimal: 1}", "got 1", "config.yaml:7:"),
    ("listings: listings.csv", "listings: [{path: listings.csv, columns: {vendor: no}}]", "got False", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {vendor: {column: no}}}", "got False", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {market: {value: off}}}", "got False", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {price: {column: p, parse: no}}}", "got False", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {crawled_at: {column: d, format: 2019}}}", "got 2019", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {ships_to: {column: s, separator: 1}}}", "got 1", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {ships_to: {flags: on}}}", "got True", "config.yaml:7:"),
    ("survey: survey.csv", "survey: {path: survey.csv, sheet: 2019-01-01}", "YAML read it as a date", "config.yaml:11:"),
    ("  codebook: codebook.yaml", "  codebook: codebook.yaml\n  sales: on", "got True", "config.yaml:13:"),
    ("edition: tiny", "edition: tiny\nengine: off", "got False", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nspark: {master: 1.10}", "got 1.1", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nspark: {driver_memory: 4}", "got 4", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncustom_dir: 2019", "got 2019", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncover: {logo: 2019}", "got 2019", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nurl: 2019", "got 2019", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nreferences: 2019", "got 2019", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncitation_style: 1.0", "got 1.0", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncredits: {contact: no}", "got False", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncredits: {funders: {fr: [2019-01-01]}}", "got datetime.date(2019, 1, 1)", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncredits: {partners: {fr: [on]}}", "got True", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncredits: {acknowledgements: {fr: yes}}", "got True", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nfieldwork: {recruitment: {fr: 1.5}}", "got 1.5", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nfieldwork: {tool: 3}", "got 3", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\nfieldwork: {languages: [no]}", "got False", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncover: {colours: {accent: 0x1b4f72}}", "got 1789810", "config.yaml:2:"),
    ("edition: tiny", "edition: tiny\ncover: {colours: {text: 12}}", "got 12", "config.yaml:2:"),
    ("listings: listings.csv", "listings: {path: listings.csv, missing: [N/A, off]}", "got False", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {listing_id: {columns: [vendor, no]}}}", "got False", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {listing_id: {columns: [a, b], join: 1}}}", "got 1", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {category: {first_of: [category, on]}}}", "got True", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, columns: {sold: {column: t, parse: count, pattern: 1}}}", "got 1", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, from_filename: {crawled_at: {pattern: 1}}}", "got 1", "config.yaml:7:"),
    ("listings: listings.csv", "listings: {path: listings.csv, from_filename: {crawled_at: {pattern: x, format: 2019}}}", "got 2019", "config.yaml:7:"),
]


@pytest.mark.parametrize("old, new, got, where", IMPLICIT, ids=[case[1].split(":")[0].split("\n")[-1] for case in IMPLICIT])
def test_yaml_implicit_types_get_the_quote_hint_in_every_text_field(project, old, new, got, where):
    edit(project / "config.yaml", old, new)
    message = config_error(project / "config.yaml")
    assert where in message and got in message and "put it in quotes" in message, message
    assert new.splitlines()[-1].strip() in message  # the offending line is shown


def test_every_text_field_of_the_schema_is_covered_by_the_implicit_type_cases():
    def holds_text(annotation) -> bool:
        return annotation is str or any(holds_text(arg) for arg in typing.get_args(annotation))

    def section(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        return next((found for arg in typing.get_args(annotation) if (found := section(arg))), None)

    def text_fields(model, prefix=""):
        for name, field in model.model_fields.items():
            nested = section(field.annotation)
            if nested is not None:
                yield from text_fields(nested, f"{prefix}{name}.")
            elif holds_text(field.annotation):
                yield f"{prefix}{name}"

    covered = {"edition", "title", "authors", "focus_country", "inputs.listings", "inputs.codebook", "taxonomy.match",
               "taxonomy.label", "subtitle", "organisation", "languages", "crosstabs.rows", "crosstabs.columns",
               "inputs.encoding", "inputs.feedback", "inputs.exchange_rates", "inputs.market_events", "inputs.survey",
               "inputs.listings.path", "inputs.listings.encoding", "inputs.listings.delimiter", "inputs.listings.decimal",
               "inputs.listings.columns", "inputs.listings.columns.column", "inputs.listings.columns.value",
               "inputs.listings.columns.parse", "inputs.listings.columns.format", "inputs.listings.columns.separator",
               "inputs.listings.columns.flags", "inputs.listings.sheet", "inputs.sales", "engine", "spark.master",
               "spark.driver_memory", "compare_country", "custom_dir", "cover.logo", "cover.colours.accent", "cover.colours.text",
               "url", "references", "citation_style", "credits.contact", "credits.funders", "credits.partners",
               "credits.acknowledgements", "fieldwork.recruitment", "fieldwork.tool", "fieldwork.languages", "inputs.listings.missing", "inputs.listings.columns.columns",
               "inputs.listings.columns.join", "inputs.listings.columns.first_of", "inputs.listings.columns.pattern",
               "inputs.listings.from_filename.pattern", "inputs.listings.from_filename.format"}
    # every scrape input and the survey share one Source model: its cases are written for inputs.listings
    fields = {re.sub(r"^inputs\.(feedback|exchange_rates|market_events|survey)\.", "inputs.listings.", name)
              for name in text_fields(ReportConfig)}
    assert fields <= covered, "a new text field: add a case to IMPLICIT"


def test_a_non_text_mapping_key_is_named_with_the_hint(project):
    edit(project / "config.yaml", "title: {fr: Petit, nl: Klein}", "title: {fr: Petit, nl: Klein, no: Nee}")
    message = config_error(project / "config.yaml")
    assert "config.yaml:2:" in message and "a key is not text" in message and "put it in quotes" in message


def test_a_year_is_not_taken_for_seconds_since_1970(project):
    edit(project / "config.yaml", "period: {start: 2019-01-01", "period: {start: 2019")
    message = config_error(project / "config.yaml")
    assert "config.yaml:5:" in message and "write the date as YYYY-MM-DD (got 2019)" in message


def test_syntax_error_shows_the_line_and_a_caret(project):
    edit(project / "config.yaml", "focus_country: BE", "focus_country: [BE")
    message = config_error(project / "config.yaml")
    assert "invalid YAML" in message and "config.yaml:5:" in message
    assert "\n    period: {start: 2019-01-01, end: 2019-03-31}\n" in message and message.rstrip().endswith("^")


def test_billion_laughs_is_refused_at_once(project):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join(f"*{previous}" for _ in range(9)) + "]")
    (project / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    message = config_error(project / "config.yaml")
    assert time.perf_counter() - started < 1.0
    assert "aliases" in message and "config.yaml:1:" in message


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_config_is_refused(project, text):
    (project / "config.yaml").write_text(text, encoding="utf-8")
    assert "the file is empty" in config_error(project / "config.yaml")


def test_several_documents_are_refused_naming_the_second(project):
    second = len((project / "config.yaml").read_text(encoding="utf-8").splitlines()) + 1
    with open(project / "config.yaml", "a", encoding="utf-8") as handle:
        handle.write("---\nedition: other\n")
    message = config_error(project / "config.yaml")
    assert "several YAML documents" in message and f"config.yaml:{second}:" in message


def test_python_tags_are_refused_with_the_reason(project):
    edit(project / "config.yaml", "edition: tiny", "edition: !!python/object/apply:os.system ['touch pwned']")
    message = config_error(project / "config.yaml")
    assert "config.yaml:1:10" in message and "python tags are not allowed" in message
    assert not (project / "pwned").exists() and not Path("pwned").exists()


@pytest.mark.parametrize("value", ["../../outside.csv", "/etc/passwd", "sub/../../../outside.csv"])
def test_input_paths_outside_the_project_are_refused(tmp_path, value):
    # project = the folder that holds the config's folder: tmp/project/config/config.yaml -> tmp/project
    project = tmp_path / "project"
    shutil.copytree(TINY, project / "config")
    (tmp_path / "outside.csv").write_text("x\n")
    edit(project / "config" / "config.yaml", "listings: listings.csv", f"listings: {value}")
    message = config_error(project / "config" / "config.yaml")
    assert "config.yaml:7:3" in message and "outside the project folder" in message and str(project) in message


def test_a_sibling_folder_of_the_config_folder_is_inside_the_project(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(TINY, project / "data")
    (project / "config").mkdir()
    config = project / "config" / "config.yaml"
    config.write_text((project / "data" / "config.yaml").read_text().replace(": listings.csv", ": ../data/listings.csv"))
    loaded, base = load_config(config)
    assert loaded.inputs.listings == "../data/listings.csv" and base == project / "config"


def test_a_symbolic_link_out_of_the_project_is_refused(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(TINY, project / "config")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "listings.csv").write_text((TINY / "listings.csv").read_text())
    os.symlink(tmp_path / "secret", project / "config" / "linked")
    edit(project / "config" / "config.yaml", "listings: listings.csv", "listings: linked/listings.csv")
    assert "outside the project folder" in config_error(project / "config" / "config.yaml")


@pytest.mark.parametrize("value", ["https://example.org/l.csv", "file:///etc/passwd", "FTP://host/x", "data:text/csv,a"])
def test_url_inputs_are_refused(project, value):
    edit(project / "config.yaml", "listings: listings.csv", f"listings: '{value}'")
    message = config_error(project / "config.yaml")
    assert "is a URL" in message and "config.yaml:7:3" in message


def test_the_path_rule_is_documented_in_the_schema():
    doc = " ".join((Inputs.__doc__ or "").split())
    assert "folder that holds the config file's folder" in doc and "URLs are refused" in doc
    assert set(INPUT_FILES) <= set(Inputs.model_fields)


def test_unknown_encoding_and_out_of_range_limits_are_named(project):
    edit(project / "config.yaml", "  codebook: codebook.yaml", "  codebook: codebook.yaml\n  encoding: {listings: klingon}")
    assert "unknown encoding 'klingon'" in config_error(project / "config.yaml")
    edit(project / "config.yaml", "  encoding: {listings: klingon}", "  encoding: {listngs: cp1252}")
    assert "config.yaml:13:" in config_error(project / "config.yaml")
    edit(project / "config.yaml", "  encoding: {listngs: cp1252}", "")
    with open(project / "config.yaml", "a", encoding="utf-8") as handle:
        handle.write("limits: {max_input_mb: 0, pdf_secnds: 5}\n")
    message = config_error(project / "config.yaml")
    assert "limits.max_input_mb" in message and "did you mean 'pdf_seconds'" in message


def test_limits_have_documented_defaults():
    limits = Limits()
    assert (limits.max_input_mb, limits.pdf_seconds, limits.pdf_memory_mb) == (5000, 300.0, 2048)
    assert all(field.description for field in Limits.model_fields.values())


def test_cli_prints_the_line_and_exits_2_without_traceback(project, capsys):
    edit(project / "config.yaml", "focus_country: BE", "focus_country: no")
    assert main(["validate", str(project / "config.yaml")]) == 2
    err = capsys.readouterr().err
    assert "config.yaml:4:1" in err and "    focus_country: no" in err and "Traceback" not in err


def test_an_unquoted_colour_read_as_a_yaml_comment_is_named(project, capsys):
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "cover:\n  colours:\n    accent: #1b4f72\n", encoding="utf-8")
    assert main(["validate", str(config)]) == 2
    err = capsys.readouterr().err
    assert "cover.colours.accent" in err and 'quote it: "#1b4f72"' in err


@pytest.mark.parametrize("old, new, message, where", [
    ("{fr: Cocaïne,", '{fr: "Coca\\udc80ne",', "U+DC80", "config.yaml:15:"),
    ("{fr: Cocaïne,", '{fr: "Coca\\x00ne",', "U+0000", "config.yaml:15:"),
    ("{fr: Cocaïne,", '{fr: "Coca\\x1bne",', "U+001B", "config.yaml:15:"),
    ("{fr: Cocaïne,", '{fr: "Coca\\u202ene",', "U+202E", "config.yaml:15:"),
    ("end: 2019-03-31", "end: 2019-02-30", "2019-02-30 is not a date (day is out of range for month)", "config.yaml:5:"),
    ("start: 2019-01-01", "start: 0000-00-00", "0000-00-00 is not a date", "config.yaml:5:"),
])
def test_unprintable_text_and_impossible_dates_in_the_config_are_named(project, old, new, message, where):
    edit(project / "config.yaml", old, new)
    error = config_error(project / "config.yaml")
    assert message in error and where in error


def test_a_raw_nul_byte_in_the_config_is_named_with_its_line(project):
    config = project / "config.yaml"
    config.write_bytes(config.read_bytes() + b"# a comment \x00 with a NUL\n")
    error = config_error(config)
    assert "U+0000" in error and re.search(r"config\.yaml:\d+:13", error) and "\x00" not in error, error


def test_an_impossible_date_in_the_codebook_is_named(project):
    edit(project / "codebook.yaml", "questions:", "fielded: 2019-13-01\nquestions:")
    with pytest.raises(ConfigError) as caught:
        main_validate(project)
    assert "2019-13-01 is not a date" in str(caught.value) and "codebook.yaml:" in str(caught.value)


def main_validate(project: Path) -> None:
    from report.build import validate

    validate(project / "config.yaml")
