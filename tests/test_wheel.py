"""The built wheel carries everything a build needs (issue 10, "Install").

The wheel is built from the checkout, installed with its dependencies (pinned by constraints.txt) into a fresh
virtual environment, and that environment's `report` builds the sample from a folder that is not the checkout,
without network: its figures and its HTML must be the checkout build's, byte for byte.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from babel.support import Translations

import report
from report.cli import main
from report.i18n import translations
from report.engine import SQL
from report.resources import ASSETS

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"  # the source of the shipped templates, whichever copy this process reads
LANGS = sorted(path.parent.parent.name for path in TEMPLATES.glob("locales/*/LC_MESSAGES/messages.po"))


def test_the_distribution_name_and_version_are_written_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == report.DISTRIBUTION != "report"
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "report.__version__"}


def test_version_option_names_the_version_and_the_distribution(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"report {report.__version__} ({report.DISTRIBUTION})"


def test_a_compiled_catalog_outside_the_installed_package_is_not_trusted(tmp_path):
    """A `.mo` left beside an edited `.po` (a checkout, a project's folder) would print yesterday's wording."""
    folder = tmp_path / "locales" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n"Language: fr\\n"\n\nmsgid "Price"\nmsgstr "Prix"\n',
                                        encoding="utf-8")
    (folder / "messages.mo").write_bytes(b"not a catalog")  # a stale or broken compiled copy
    assert translations(tmp_path / "locales", "fr").gettext("Price") == "Prix"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from the checkout, as a team would build it (build dependencies pinned too)."""
    out = tmp_path_factory.mktemp("dist")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--build-constraint",
                           str(ROOT / "constraints.txt"), "-w", str(out), str(ROOT)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"wheel built in {time.perf_counter() - started:.1f} s")
    [built] = out.glob("*.whl")
    assert built.name.startswith(f"{report.DISTRIBUTION.replace('-', '_')}-{report.__version__}-")
    return built


@pytest.mark.slow
def test_the_wheel_carries_templates_compiled_catalogs_and_fonts(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        shipped = {f"report/templates/{path.relative_to(TEMPLATES)}" for path in TEMPLATES.rglob("*")
                   if path.is_file() and path.suffix != ".mo" and "__pycache__" not in path.parts}
        assert {"report/templates/outline.yaml", "report/templates/screen.css", "report/templates/print.css"} <= shipped
        assert shipped <= names, sorted(shipped - names)
        for lang in LANGS:
            assert any(name.startswith(f"report/templates/prose/{lang}/") for name in names), lang
            with archive.open(f"report/templates/locales/{lang}/LC_MESSAGES/messages.mo") as handle:
                compiled = Translations(handle)
            from_po = translations(TEMPLATES / "locales", lang)
            assert compiled._catalog == from_po._catalog, lang
            assert [compiled.ngettext("a", "b", n) for n in range(4)] == [from_po.ngettext("a", "b", n) for n in range(4)]
        fonts = {f"report/assets/fonts/{path.name}" for path in (ASSETS / "fonts").iterdir() if path.is_file()}
        assert any(name.endswith(".ttf") for name in fonts) and fonts <= names, sorted(fonts - names)
        queries = {f"report/sql/{path.name}" for path in SQL.glob("*.sql")}  # the aggregation, one file per table
        assert len(queries) > 10 and queries <= names, sorted(queries - names)
        assert all(name.startswith(("report/", f"{wheel.name.split('-')[0]}-")) for name in names), \
            sorted(name for name in names if not name.startswith("report/"))


def _network_off() -> list[str]:
    """A prefix that runs a command without network, where unprivileged namespaces allow it."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn"]
    return []


@pytest.mark.slow
def test_the_installed_wheel_builds_the_sample_from_another_folder(wheel, tmp_path):
    work = tmp_path / "brief"  # config/ and sample_inputs/ side by side, as the config's relative paths expect
    shutil.copytree(ROOT / "config", work / "config")
    shutil.copytree(ROOT / "sample_inputs", work / "sample_inputs")
    build = ["build", "config/sample.yaml", "--lang", "fr", "--format", "html", "--out"]
    reference = subprocess.Popen([sys.executable, "-m", "report.cli", *build, str(tmp_path / "checkout")],
                                 cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    venv = tmp_path / "venv"
    fresh = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    # --no-compile: the .pyc files are written on first import instead (compiling every dependency ahead is
    # about a tenth of the install here and proves nothing about the wheel)
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", "-c", str(ROOT / "constraints.txt"),
                           str(wheel)],
                          capture_output=True, text=True, timeout=900, env=fresh)
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"fresh venv with the wheel and its dependencies in {time.perf_counter() - started:.1f} s")
    _, errors = reference.communicate(timeout=600)
    assert reference.returncode == 0, errors[-3000:]

    where = subprocess.run([str(python), "-c", "import report, report.resources as r; print(report.__file__); print(r.TEMPLATES)"],
                           cwd=work, env=fresh, capture_output=True, text=True, check=True).stdout.split("\n")
    assert all(Path(path).resolve().is_relative_to(venv.resolve()) for path in where[:2]), where
    version = subprocess.run([str(venv / "bin" / "report"), "--version"], env=fresh, capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"report {report.__version__} ({report.DISTRIBUTION})"

    # No network, and an empty cache: the chart JavaScript comes from the installed vl-convert.
    env = {**fresh, "REPORT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([*_network_off(), str(venv / "bin" / "report"), *build, str(tmp_path / "installed")],
                          cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "cache").glob("vega-bundle-*.js"))

    [edition] = [path.name for path in (tmp_path / "installed").iterdir() if not path.name.startswith(".")]  # not .cache
    installed, checkout = tmp_path / "installed" / edition, tmp_path / "checkout" / edition
    assert (installed / "figures.json").read_bytes() == (checkout / "figures.json").read_bytes()
    # The same text too: the wheel's compiled catalogs and copied prose say what the checkout's sources say.
    assert (installed / "fr" / "report.html").read_bytes() == (checkout / "fr" / "report.html").read_bytes()
    manifest = json.loads((installed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tool"]["version"] == report.__version__
