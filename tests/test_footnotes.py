"""Footnotes in the HTML edition: numbered calls, a notes list per section, back links; the PDF keeps its floats."""
from __future__ import annotations

import re

import pytest

from report.errors import RenderError
from report.render import NoteLabels, number_footnotes

LABELS = NoteLabels("Notes", "Note %(number)s", "Back to the text (note %(number)s)")


def test_a_note_becomes_a_numbered_call_and_an_item_with_a_back_link() -> None:
    page = ('<body><section id="a"><h2>A</h2><p>Sold <span class="fig">12</span> items'
            '<span class="footnote">Counted <em>once</em>.</span>.</p></section></body>')
    out = number_footnotes(page, LABELS)
    assert 'class="footnote"' not in out
    assert ('items<sup class="note-call"><a href="#note-1" id="note-ref-1" aria-label="Note 1">1</a></sup>.</p>'
            in out)
    item = re.search(r'<li id="note-1">(.*?)</li>', out).group(1)
    assert item.startswith("Counted <em>once</em>.")
    assert 'href="#note-ref-1"' in item and 'aria-label="Back to the text (note 1)"' in item
    # the list closes the section the note was read in
    assert out.index('<div class="notes">') < out.index("</section>")


def test_no_space_before_the_call_and_none_between_it_and_punctuation() -> None:
    out = number_footnotes('<section><p>living in Belgium <span class="footnote">x</span> . They</p></section>', LABELS)
    assert "Belgium<sup" in out and "</sup>. They" in out


def test_nested_markup_stays_inside_the_note_and_numbering_runs_through_the_page() -> None:
    page = ('<section><p>a<span class="footnote">one <span class="fig"><span>2</span></span> three</span> b</p></section>'
            '<section><p>c<span class="other footnote x">four</span></p><section><p>d</p></section></section>')
    out = number_footnotes(page, LABELS)
    assert re.search(r'<li id="note-1">one <span class="fig"><span>2</span></span> three <a', out)
    assert "</sup> b</p>" in out
    assert '<ol class="notes-list" start="2">' in out and '<li id="note-2">four <a' in out
    # the second list comes after the nested section, at the end of its top-level section
    assert out.index("<p>d</p>") < out.index('<li id="note-2">')


def test_scripts_and_other_spans_are_left_alone() -> None:
    page = ('<section><p><span class="footnotes-like">x</span></p></section>'
            '<script>var s = "<span class=\\"footnote\\">no</span>";</script>')
    assert number_footnotes(page, LABELS) == page


def test_a_note_outside_any_section_is_listed_before_the_end_of_the_body() -> None:
    out = number_footnotes('<body><header><p>t<span class="footnote">n</span></p></header></body>', LABELS)
    assert out.index('<li id="note-1">') < out.index("</body>")


def test_an_unclosed_note_is_an_error() -> None:
    with pytest.raises(RenderError):
        number_footnotes('<p>a<span class="footnote">never closed</p>', LABELS)


def test_sample_html_has_numbered_notes_in_every_language(sample) -> None:
    for lang in ("fr", "nl", "de"):
        html = sample.html(lang)
        calls = re.findall(r'<sup class="note-call"><a href="#note-(\d+)" id="note-ref-\1" aria-label="([^"]+)">\1</a></sup>', html)
        assert calls and [int(number) for number, _ in calls] == list(range(1, len(calls) + 1))
        assert 'class="footnote"' not in html
        assert all(f'<li id="note-{number}">' in html for number, _ in calls)
        assert not re.search(r"</sup>\s+[.,;:]", html), "a space between a note call and the punctuation after it"
        word = {"fr": "Note", "nl": "Noot", "de": "Anmerkung"}[lang]  # the call's name in the edition's language
        assert all(name == f"{word} {number}" for number, name in calls), calls
