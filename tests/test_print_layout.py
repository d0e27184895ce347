"""The PDF's layout keeps to the page: no word of any page (tables included) reaches past the right edge of the text
area that templates/print.css's @page margins leave, in languages whose table headings are long compound words."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from report.build import build
from report.cli import main
from report.pdf import layout_pdf
from report.resources import TEMPLATES

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
POINTS_PER_MM = 72 / 25.4
TOLERANCE = 0.5  # points: glyph boxes may round past the edge by a hair


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    x1: float
    page_width: float
    text: str


def right_margin() -> float:
    """The right margin of the pages after the cover, in points, as print.css's @page rule sets it."""
    css = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    rule = re.search(r"@page\s*\{[^}]*?\bmargin:\s*([^;]+);", css)
    assert rule is not None, "print.css has an @page rule with a margin"
    sides = [float(value.removesuffix("mm")) for value in rule.group(1).split()]
    right = {1: sides[0], 2: sides[1], 3: sides[1], 4: sides[1]}[len(sides)]
    return right * POINTS_PER_MM


def words(pdf: Path) -> list[Word]:
    """Every word's box, in points, read with `pdftotext -bbox`."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found: list[Word] = []
    page, width = 0, 0.0
    for line in out.splitlines():
        if (start := re.search(r'<page width="([\d.]+)"', line)) is not None:
            page, width = page + 1, float(start.group(1))
        elif (word := re.search(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line)):
            found.append(Word(page, float(word.group(1)), float(word.group(2)), width, word.group(3)))
    return found


def past_the_margin(pdf: Path) -> list[str]:
    """Words (page, how far past, text) that reach past the right margin; the cover (page 1) has its own margins."""
    margin = right_margin()
    return [f"page {w.page}: {w.text!r} {w.x1 - (w.page_width - margin):.1f} pt past the margin" for w in words(pdf)
            if w.page > 1 and w.x1 > w.page_width - margin + TOLERANCE]


def lay_out(tmp_path: Path, body: str) -> Path:
    """`body` after a cover page, laid out with the shipped print.css."""
    html = f'<html lang="nl"><body><div class="cover">.</div><main>{body}</main></body></html>'
    pdf, _ = layout_pdf(html, (TEMPLATES / "print.css").read_text(encoding="utf-8"), created="2024-01-01T00:00:00")
    path = tmp_path / "table.pdf"
    path.write_bytes(pdf)
    return path


def table(headings: list[str], rows: list[str]) -> str:
    """A data table as tables.html.j2 writes one: a row heading, then numbers' columns."""
    head = "".join(f'<th scope="col" class="num">{heading}</th>' for heading in headings)
    cells = "".join(f'<td class="num">{index},{index}%</td>' for index in range(len(headings)))
    body = "".join(f'<tr><th scope="row">{row}</th>{cells}</tr>' for row in rows)
    return (f'<div class="table-block"><table class="data"><caption>.</caption><thead><tr><th scope="col">Markt</th>'
            f'{head}</tr></thead><tbody>{body}</tbody></table></div>')


@needs_pdftotext
def test_long_headings_wrap_within_the_text_area(tmp_path: Path) -> None:
    headings = ["Alle verkopers", "Verkopers uit Bosnië en Herzegovina", "Aandeel van alle verkopers",
                "Aandeel van alle advertenties"]
    pdf = lay_out(tmp_path, table(headings, ["Dream Market", "Alle markten (verkopers één keer geteld)"]))
    assert past_the_margin(pdf) == []
    found = Counter(w.text for w in words(pdf))
    broken = {word for word, count in Counter(" ".join(headings).split()).items() if found[word] < count}
    assert not broken, f"headings that fit once wrapped at spaces have broken words: {sorted(broken)}"


@needs_pdftotext
def test_compounds_too_wide_for_their_column_are_hyphenated(tmp_path: Path) -> None:
    compounds = ["Verkopersaandeel", "Advertentieaandeel", "Betrouwbaarheidsinterval", "Transactiewaarde", "Verkoopaantallen"]
    pdf = lay_out(tmp_path, table(compounds, ["Alle markten"]))
    assert past_the_margin(pdf) == []
    found = [w.text for w in words(pdf)]
    broken = [text for text in found if any(c.startswith(text.rstrip("\u2010")) and text != c for c in compounds)]
    assert broken, "the compounds do not fit side by side whole"
    assert all(text.endswith("\u2010") for text in broken), f"a compound broken without a hyphen: {broken}"


@pytest.mark.slow
@needs_pdftotext
def test_a_new_projects_pdf_stays_within_the_text_area(tmp_path: Path) -> None:
    """Dutch and German (long headings in Table 1, the markets' overview), as `report new` writes the project."""
    folder = tmp_path / "brief"
    assert main(["new", str(folder), "--lang", "nl,de", "--focus-country", "FR"]) == 0
    result = build(folder / "config.yaml", out=tmp_path / "out", formats=["pdf"])
    for lang in ("nl", "de"):
        pdf = result.folder / lang / "report.pdf"
        assert past_the_margin(pdf) == [], lang


def appendix_table(columns: list[str], rows: list[list[str]]) -> str:
    """A chart's data table in the PDF appendix, as the shipped tables.html.j2 macro writes it."""
    from types import SimpleNamespace

    from report.model import ChartTable, slug
    from report.render import environment
    from report.theme import Theme

    table = ChartTable(columns=tuple(columns), rows=tuple(tuple(row) for row in rows),
                       numeric=(False, *(True for _ in columns[1:])))
    env = environment(Theme(TEMPLATES), "nl")
    env.filters["slug"] = slug  # as render_html registers it
    macro = env.get_template("tables.html.j2").module.chart_data  # type: ignore[attr-defined]
    return f'<section class="appendix-data">{macro(SimpleNamespace(number=9, title="Titel", table=table))}</section>'


@needs_pdftotext
def test_appendix_headings_keep_their_words_whole_but_a_hostile_name_still_breaks(tmp_path: Path) -> None:
    """The appendix's headings may break anywhere (a 60-character market name must not widen the table past the page),
    but a heading of ordinary words keeps them whole: "Respondenten", not "Respondente" and "n"."""
    columns = ["Antwoord", "Aandeel", "95%-betrouwbaarheids\u00adinterval", "Respondenten"]
    answers = [["Professionele diensten (preventie, hulpverlening)", "15%", "9%\u201325%", "11"]]
    pdf = lay_out(tmp_path, appendix_table(columns, answers))
    assert past_the_margin(pdf) == []
    assert "Respondenten" in [w.text for w in words(pdf)]
    hostile = "M" * 60
    pdf = lay_out(tmp_path, appendix_table(["Maand", hostile, f"{hostile}b", f"{hostile}c"], [["mei 2019", "1", "2", "3"]]))
    assert past_the_margin(pdf) == []


def test_cells_with_a_word_over_twenty_characters_may_break_it_anywhere() -> None:
    from report.render import wrap_long_words

    page = ('<table class="data"><tr><th scope="row">Dream Market</th><td class="num">1\u202f234,5</td>'
            '<td>Verkäuferinnen und Verkäufer</td><td>AAAAAAAAAAAAAAAAAAAAA</td>'
            '<th scope="row" class="x">vendor&#95;name&#95;of&#95;thirty&#95;chars</th><td>a-b-c-' + "d" * 20 + '</td></tr></table>')
    marked = wrap_long_words(page)
    assert '<td class="wrap-anywhere">AAAAAAAAAAAAAAAAAAAAA</td>' in marked  # 21 characters
    assert '<th scope="row" class="wrap-anywhere x">vendor&#95;name' in marked  # entities count as the characters they are
    assert '<td>Verkäuferinnen und Verkäufer</td>' in marked and '<td class="num">1\u202f234,5</td>' in marked
    assert '<td>a-b-c-' in marked  # a hyphen is a break: its longest word has 20 characters
    assert marked.count("wrap-anywhere") == 2


@needs_pdftotext
def test_a_table_of_long_unbroken_words_stays_within_the_text_area(tmp_path: Path) -> None:
    """Cells keep their words whole unless a word is over 20 characters: a table of 60-character names (a hostile
    scrape) then keeps to the page, as the print edition marks them; unmarked, it would not."""
    from report.render import wrap_long_words

    name = "X" * 60
    row = "".join(f"<td>{name}{index}</td>" for index in range(4))
    body = (f'<div class="table-block"><table class="data"><caption>.</caption><thead><tr><th scope="col">Markt</th>'
            f'{"".join(f"<th scope=col>{i}</th>" for i in range(4))}</tr></thead>'
            f'<tbody><tr><th scope="row">{name}</th>{row}</tr></tbody></table></div>')
    assert past_the_margin(lay_out(tmp_path, wrap_long_words(body))) == []
    assert past_the_margin(lay_out(tmp_path, body)) != []
