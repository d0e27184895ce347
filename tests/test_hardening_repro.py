"""Reproducible, verifiable, warning-free builds (issue 4, "Output": reproducible, `report verify`, no warnings)."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import report.provenance
from report.build import build, compute, figures_json, pdf_created
from report.processes import in_worker, relog
from report.provenance import manifest
from report.cli import main
from report.config import load_config
from report.load import load_inputs
from report.verify import verify
from report.write import write_edition_folder

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "config" / "sample.yaml"
TINY = Path(__file__).parent / "fixtures" / "tiny"


# -- byte-identical builds --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_build_in_other_conditions_is_byte_identical(sample, tmp_path):
    """The session's sample build against one run in a child process with another hash seed, time zone, locale,
    working directory and (necessarily) another time."""
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    env = {**os.environ, "PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati", "LC_ALL": "C", "LANG": "C"}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-m", "report.cli", "build", str(SAMPLE), "--lang", "nl", "--out", str(tmp_path / "out")],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    again = tmp_path / "out" / "cryptodrug-2019"
    for name in ("nl/report.html", "nl/report.pdf", "figures.json"):
        assert (again / name).read_bytes() == (sample.folder / name).read_bytes(), f"{name} differs"
    recorded = {json.loads((folder / "manifest.json").read_text())["outputs"].get("nl/report.pdf") for folder in (again, sample.folder)}
    assert len(recorded) == 1


def test_the_pdf_date_comes_from_the_config_else_source_date_epoch(monkeypatch):
    tiny, _base = load_config(TINY / "config.yaml")
    assert tiny.publication_date is None
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert pdf_created(tiny) == "2019-04-01"  # the day after the period
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1577836800")
    assert pdf_created(tiny) == "2020-01-01T00:00:00Z"
    sample, _base = load_config(SAMPLE)
    assert pdf_created(sample) == "2019-12-16"  # a publication date wins


# -- report verify ----------------------------------------------------------------------------------------------

@pytest.fixture
def built(tmp_path) -> Path:
    """A report folder of the tiny project, written as `build` writes it (rendering aside: tiny cannot be rendered)."""
    project = tmp_path / "project"
    shutil.copytree(TINY, project)
    config, base = load_config(project / "config.yaml")
    inputs = load_inputs(config, base)
    stats = compute(config, inputs)
    files = {"fr/report.html": b"<html>fr</html>", "nl/report.pdf": b"%PDF-1.7 nl", "figures.json": figures_json(stats)}
    files["manifest.json"] = json.dumps(manifest(project / "config.yaml", config, inputs, stats, files), indent=1).encode()
    return write_edition_folder(tmp_path / "out", config.edition, files)


def test_verify_finds_nothing_to_report_in_a_fresh_build(built, capsys):
    assert verify(built) == []
    assert main(["verify", str(built)]) == 0
    assert "everything matches the manifest" in capsys.readouterr().out


def test_verify_names_each_changed_input_config_and_output(built, capsys):
    project = built.parent.parent / "project"
    with open(project / "market_events.csv", "a") as handle:
        handle.write("Beta Market,2019-03-01,seizure\n")
    with open(project / "config.yaml", "a") as handle:
        handle.write("# edited\n")
    (project / "survey.csv").unlink()
    (built / "fr" / "report.html").write_bytes(b"<html>tampered</html>")
    (built / "nl" / "report.pdf").unlink()
    (built / "extra.txt").write_text("?")
    differences = verify(built)
    assert any(line.startswith("inputs.market_events ") and "changed" in line for line in differences)
    assert any(line.startswith("inputs.survey ") and line.endswith("missing") for line in differences)
    assert any(line.startswith("config ") and "changed" in line for line in differences)
    assert {"outputs: fr/report.html changed", "outputs: nl/report.pdf missing", "outputs: extra.txt is not in the manifest"} <= set(differences)
    assert len(differences) == 6, differences
    assert main(["verify", str(built)]) == 1
    captured = capsys.readouterr()
    assert "outputs: fr/report.html changed" in captured.out and "6 difference(s)" in captured.err


def test_verify_names_changed_templates_fonts_and_libraries(built, tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(report.provenance.TEMPLATES, templates)
    (templates / "print.css").write_text((templates / "print.css").read_text() + "\n/* edited */\n")
    (templates / "new.html.j2").write_text("{{ x }}")
    monkeypatch.setattr(report.provenance, "TEMPLATES", templates)
    fonts = next((report.provenance.ASSETS / "fonts").iterdir()).name
    monkeypatch.setattr(report.provenance, "ASSETS", tmp_path / "no-assets")
    real_version = report.provenance.metadata.version
    monkeypatch.setattr(report.provenance.metadata, "version", lambda name: "999" if name == "weasyprint" else real_version(name))
    differences = verify(built)
    assert "templates: print.css changed" in differences and "templates: new.html.j2 is not in the manifest" in differences
    assert f"fonts: {fonts} missing" in differences
    assert any(line.startswith("libraries.weasyprint: 999 now") for line in differences)


def test_verify_with_a_moved_config_checks_the_inputs_it_names(built, tmp_path):
    project = built.parent.parent / "project"
    moved = tmp_path / "moved"
    shutil.move(project, moved)
    assert any(line.endswith("missing") for line in verify(built))
    assert verify(built, moved / "config.yaml") == []


def test_verify_a_folder_without_manifest_is_an_input_error(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 3
    assert "no manifest.json here" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text("{not json")
    assert main(["verify", str(tmp_path)]) == 3


# -- no warnings ------------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.filterwarnings("error")
def test_a_clean_sample_build_logs_no_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")  # a worker's warnings are raised again here (processes.relog), so they fail too
        result = build(SAMPLE, languages=["fr"], out=tmp_path)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert result.warnings == () and result.fetched["fr"].refused == ()


def test_warnings_logged_in_a_worker_reach_the_main_process(caplog):
    def stage(value: int) -> int:
        logging.getLogger("report.pdf").warning("refused to fetch %r", "http://x/")
        logging.getLogger("report.pdf").info("not kept")
        return value * 2

    result, records = in_worker(stage, 21)
    assert result == 42 and records == [("report.pdf", logging.WARNING, "refused to fetch 'http://x/'")]
    with caplog.at_level(logging.WARNING):
        relog(records)
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("report.pdf", "refused to fetch 'http://x/'")]


def test_python_warnings_raised_in_a_worker_are_raised_again_in_the_main_process():
    def stage() -> str:
        warnings.warn("deprecated thing", DeprecationWarning)
        return "done"

    result, records = in_worker(stage)
    assert result == "done" and len(records) == 1 and "DeprecationWarning: deprecated thing" in records[0][2]
    with pytest.warns(RuntimeWarning, match="in a worker: DeprecationWarning: deprecated thing"):
        relog(records)


@pytest.mark.parametrize("key, value, problem", [
    ("inputs", "oops", "'inputs' should map each input"),
    ("outputs", {"fr/report.html": 5}, "'outputs' should map names to text"),
    ("config", [], "'config' should be a mapping"),
    ("tool", 5, "'tool' should be a mapping"),
])
def test_verify_a_manifest_with_values_of_the_wrong_type_is_an_input_error(built, capsys, key, value, problem):
    manifest = json.loads((built / "manifest.json").read_text())
    manifest[key] = value
    (built / "manifest.json").write_text(json.dumps(manifest))
    code = main(["verify", str(built)])
    err = capsys.readouterr().err
    assert code == 3 and problem in err and "manifest.json" in err and "Traceback" not in err


def _strict_json(data: bytes):
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(data, parse_constant=refuse)


def test_every_json_output_parses_strictly(built):
    for path in sorted(built.rglob("*.json")):
        assert _strict_json(path.read_bytes()), path


def test_a_figure_that_is_not_a_number_is_written_as_null_and_is_not_available():
    from report.build import figures_json
    from report.model import Figure, Figures, Statistics

    nan = Figure("survey.q.mean", float("nan"), "number", base=0)
    stats = Statistics(figures=Figures([nan, Figure("x", float("inf"), "number")]), market=None, survey=None)
    records = {record["id"]: record for record in _strict_json(figures_json(stats))["figures"]}
    assert records["survey.q.mean"]["value"] is None and records["x"]["value"] is None
    assert not nan.available
