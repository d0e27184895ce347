"""Bad configs and inputs: one clear message naming file and line (or key/column), a non-zero exit."""
from __future__ import annotations

import re
from pathlib import Path


from report.cli import main

TINY = Path(__file__).parent / "fixtures" / "tiny"




def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_config_validates(project, capsys):
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 0, err


def test_unknown_key_names_line_and_suggests(project, capsys):
    edit(project / "config.yaml", "focus_country: BE", "focus_contry: BE")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 2
    assert "config.yaml:4:" in err and "unknown key 'focus_contry'" in err and "did you mean 'focus_country'" in err
    assert "Traceback" not in err


def test_missing_key_is_named(project, capsys):
    edit(project / "config.yaml", "focus_country: BE\n", "")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 2 and "missing required key 'focus_country'" in err


def test_yaml_implicit_boolean_gets_a_hint(project, capsys):
    edit(project / "config.yaml", "focus_country: BE", "focus_country: no")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 2 and "config.yaml:4:" in err and "put it in quotes" in err


def test_duplicate_key_is_refused(project, capsys):
    edit(project / "config.yaml", "focus_country: BE", "focus_country: BE\nfocus_country: NL")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 2 and "duplicate key 'focus_country'" in err and "config.yaml:5:" in err


def test_python_tags_are_refused(project, capsys):
    edit(project / "config.yaml", "edition: tiny", "edition: !!python/object/apply:os.system ['true']")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 2 and "config.yaml:1:" in err


def test_yaml_syntax_error_names_line(project, capsys):
    edit(project / "config.yaml", "title: {fr: Petit, nl: Klein}", "title: {fr: Petit, nl: Klein")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 2 and "invalid YAML" in err and "config.yaml:" in err


def test_missing_input_file_is_named(project, capsys):
    (project / "feedback.csv").unlink()
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 3 and "feedback.csv" in err and "file not found" in err


def test_missing_column_is_named(project, capsys):
    edit(project / "listings.csv", ",vendor,", ",seller,")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 3 and "listings.csv:1" in err and "vendor" in err


def test_a_scrape_without_ships_from_validates_and_says_what_it_cannot_measure(project, capsys):
    edit(project / "listings.csv", "ships_from,", "origin,")
    code = main(["validate", str(project / "config.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    for finding in ("share", "offer", "shipping", "origins", "wholesale"):
        assert re.search(rf"vendors\s+{finding}\s+left out: the scrape does not record the country vendors ship from", out), out


def test_text_in_a_numeric_column_names_the_line(project, capsys):
    edit(project / "listings.csv", "Dutchie,pills,Drugs/MDMA,100,", "Dutchie,pills,Drugs/MDMA,N/A,")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 3 and "listings.csv:5" in err and "'N/A'" in err


def test_url_input_is_refused(project, capsys):
    edit(project / "config.yaml", "listings: listings.csv", "listings: http://example.org/listings.csv")
    code, err = run(capsys, "validate", str(project / "config.yaml"))
    assert code == 2 and "URL" in err


def test_failed_build_leaves_previous_output_untouched(project, tmp_path, capsys):
    out = tmp_path / "out"
    previous = out / "tiny" / "fr" / "report.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous good output")
    edit(project / "config.yaml", "focus_country: BE", "focus_contry: BE")
    code, _ = run(capsys, "build", str(project / "config.yaml"), "--out", str(out))
    assert code == 2
    assert previous.read_text() == "previous good output"
    assert sorted(p.name for p in out.iterdir()) == ["tiny"]


def test_a_prose_folder_that_does_not_exist_is_named(project, capsys):
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "custom_dir: our-custom\n", encoding="utf-8")
    code, err = run(capsys, "validate", str(config))
    assert code == 2 and "config.yaml:" in err and "custom_dir: no folder" in err and "our-custom" in err
