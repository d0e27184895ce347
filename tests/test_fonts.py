"""A PDF embeds the shipped fonts only, whatever the text and whatever the machine has installed: characters they
cannot draw (Chinese, emoji) are printed as U+FFFD and named in a warning."""
from __future__ import annotations

import logging
import re

from pypdf import PdfReader

from report.pdf import html_to_pdf, replace_undrawable
from report.theme import Theme


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def test_text_the_fonts_cannot_draw_is_replaced_and_only_shipped_fonts_are_embedded(tmp_path, caplog):
    html = "<html><body><p>Vendeur 中文店 😀 « fiable » 5\u202f000\u00a0€ long\u200bword</p></body></html>"
    with caplog.at_level(logging.WARNING, logger="report.pdf"):
        pdf, fetched = html_to_pdf(html, Theme().css("print.css"), created="2019-12-16T00:00:00Z", edition="test/fr")
    (tmp_path / "t.pdf").write_bytes(pdf)
    reader = PdfReader(tmp_path / "t.pdf")
    assert _fonts(reader) and all(re.fullmatch(r"/[A-Z]{6}\+Noto-?Sans.*", name) for name in _fonts(reader)), _fonts(reader)
    text = reader.pages[0].extract_text()
    assert "Vendeur \ufffd\ufffd\ufffd \ufffd « fiable »" in text and "中" not in text
    assert fetched.undrawable == "".join(sorted("中文店😀"))
    assert any("4 character(s) the report's font cannot draw" in record.getMessage() for record in caplog.records)


def test_spaces_and_format_characters_are_left_to_the_layout():
    text = "a\u00a0b\u202fc\u200bd\u00ade\u2009f"
    assert replace_undrawable(text) == (text, "")
