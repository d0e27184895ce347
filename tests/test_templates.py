"""The prose templates: no hard-coded numbers, the same structure in every language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANGS = ("fr", "nl")
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
ALLOWED = re.compile(r"<cite>.*?</cite>|<[^>]+>", re.S)  # years in citations; attributes and tag names


def prose_of(template: Path) -> str:
    return ALLOWED.sub(" ", JINJA.sub(" ", template.read_text(encoding="utf-8")))


@pytest.mark.parametrize("lang", LANGS)
def test_no_digit_is_typed_in_the_prose(lang):
    for template in sorted((TEMPLATES / lang).glob("*.j2")):
        digits = re.findall(r"[^\s]*\d[^\s]*", prose_of(template))
        assert not digits, f"{template.name}: hard-coded number(s) {digits[:5]}; insert figures with fig()"


def test_languages_have_the_same_templates():
    names = {lang: sorted(p.name for p in (TEMPLATES / lang).glob("*.j2")) for lang in LANGS}
    assert names["fr"] == names["nl"]


def test_the_checker_catches_a_typed_number(tmp_path):
    template = tmp_path / "x.html.j2"
    template.write_text("<p>Les ventes ont augmenté de 35 % {{ fig('a') }} <cite>(Martin, 2014)</cite></p>")
    assert re.findall(r"[^\s]*\d[^\s]*", prose_of(template)) == ["35"]
