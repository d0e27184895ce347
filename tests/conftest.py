"""Shared fixtures: the sample configs built end to end once per test session."""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from report.build import build

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("fr", "nl", "de")


@dataclass(frozen=True)
class Built:
    folder: Path

    def html(self, lang: str) -> str:
        return (self.folder / lang / "report.html").read_text(encoding="utf-8")

    def pdf(self, lang: str) -> Path:
        return self.folder / lang / "report.pdf"

    def pdf_text(self, lang: str) -> str:
        return subprocess.run(["pdftotext", "-layout", str(self.pdf(lang)), "-"], capture_output=True, text=True, check=True).stdout

    def figures(self) -> dict[str, dict]:
        records = json.loads((self.folder / "figures.json").read_text(encoding="utf-8"))["figures"]
        return {record["id"]: record for record in records}


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("sample")
    return Built(build(ROOT / "config" / "sample.yaml", out=out).folder)


@pytest.fixture(scope="session")
def short(tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("short")
    return Built(build(ROOT / "config" / "sample-short.yaml", out=out).folder)


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the tiny project (config and inputs in one folder) that a test may break."""
    target = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", target)
    return target


def pdftotext_available() -> bool:
    return shutil.which("pdftotext") is not None


def pytest_collection_modifyitems(config, items) -> None:
    """A test that reads a full build of the sample (the `sample` or `short` fixture, half a minute) is slow."""
    for item in items:
        if {"sample", "short"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
