"""docs/configuration.md is generated from the schema; it must not drift."""
from __future__ import annotations

from pathlib import Path

from report.config import ReportConfig
from report.codebook import CodebookSpec, QuestionSpec
from report.docs import codebook_docs, config_docs

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
CODEBOOK_DOC = DOC.parent / "codebook.md"


def test_configuration_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == config_docs(), "run `report docs` to regenerate docs/configuration.md"


def test_every_key_is_documented_with_a_meaning():
    text = config_docs()
    for name, field in ReportConfig.model_fields.items():
        assert f"| `{name}` |" in text
        assert field.description, f"config key {name} has no docstring"


def test_codebook_reference_is_up_to_date():
    assert CODEBOOK_DOC.read_text(encoding="utf-8") == codebook_docs(), "run `report docs` to regenerate docs/codebook.md"


def test_every_codebook_key_is_documented_with_a_meaning():
    text = codebook_docs()
    for prefix, model in (("", CodebookSpec), ("questions.<id>.", QuestionSpec)):
        for name, field in model.model_fields.items():
            assert f"| `{prefix}{name}` |" in text
            assert field.description, f"codebook key {name} has no docstring"
