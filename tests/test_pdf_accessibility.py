"""The PDF editions are tagged PDF/UA-1, read with pikepdf (tests/pdfcheck.py): structure tree, the edition's
language, the title shown by the reader, every section in the outline, a specific alternative text on every figure,
header cells in every table; PDF/A-3b embeds the public figures and the manifest's provenance, the default nothing.

`.venv/bin/python scripts/pdf_structure.py <build folder>` prints the same facts, one line per edition."""
from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from report.build import build
from report.errors import RenderError
from report.pdf import PdfAttachment, html_to_pdf
from report.theme import Theme
from tests.conftest import LANGS, ROOT
from tests.pdfcheck import GENERIC_ALT, read_structure, plain

CREATED = "2019-12-16T00:00:00Z"
SVG = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="120" height="40" '
                       b'fill="#1b4f72"/><text x="5" y="80">A</text></svg>').decode("ascii")
# A page with what the report's print HTML has: cover, contents with page numbers, sections, a footnote, a chart
# figure, a table, a numbered list; and a <link rel=attachment>, which no variant may embed.
PAGE = f"""<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Klein rapport</title>
<link rel="attachment" href="data:text/plain;base64,aGk=" title="hostile.txt"></head><body class="mode-pdf">
<header class="cover"><p class="cover-kicker">Beleidsnota</p><h1 class="cover-title">Klein rapport</h1></header>
<nav class="toc"><h2 class="toc-title">Inhoud</h2><ol><li><a href="#een">Eerste deel</a></li><li><a href="#twee">Tweede deel</a></li></ol></nav>
<main><section id="een" class="section"><h2>Eerste deel</h2><p>Een zin met een noot<span class="footnote">De noot.</span>.</p>
<figure class="chart-figure"><figcaption><span class="label">Figuur 1.</span> Verkopers</figcaption>
<img class="chart" src="data:image/svg+xml;base64,{SVG}" alt="Staafdiagram van de verkopers per markt: Alfa 12, Beta 7."></figure>
</section><section id="twee" class="section"><h2>Tweede deel</h2><article class="finding"><h3>Een bevinding</h3>
<table class="data"><caption><span class="label">Tabel 1.</span> Verkopers per markt</caption>
<thead><tr><th scope="col">Markt</th><th scope="col" class="num">Verkopers</th></tr></thead>
<tbody><tr><th scope="row">Alfa</th><td class="num">12</td></tr><tr><th scope="row">Beta</th><td class="num">7</td></tr></tbody></table>
<ol><li>Eerst</li><li>Dan</li></ol></article></section></main></body></html>"""
ATTACHMENTS = (PdfAttachment("figures.json", "public figures", b'{"figures": []}\n'),
               PdfAttachment("manifest-provenance.json", "provenance", b'{"tool": {}}\n'))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Path]:
    """The page laid out in each variant, with the attachments offered to both."""
    folder = tmp_path_factory.mktemp("pdfua")
    files = {}
    for variant in ("pdf/ua-1", "pdf/a-3b"):
        pdf, _ = html_to_pdf(PAGE, Theme().css("print.css"), created=CREATED, edition="test/nl", variant=variant,
                             attachments=ATTACHMENTS)
        files[variant] = folder / (variant.replace("/", "-") + ".pdf")
        files[variant].write_bytes(pdf)
    return files


def test_a_small_page_is_tagged_pdf_ua(small):
    found = read_structure(small["pdf/ua-1"])
    assert found.tagged and found.marked
    assert found.lang == "nl"
    assert found.title == found.xmp_title == "Klein rapport" and found.display_doc_title
    assert found.ua_part == "1" and found.pdfa == ""
    assert [title for _, title in found.outline] == ["Klein rapport", "Inhoud", "Eerste deel", "Tweede deel", "Een bevinding"]
    assert found.figure_alts == ("Staafdiagram van de verkopers per markt: Alfa 12, Beta 7.",)
    assert [(table.th, table.td, table.td_with_headers) for table in found.tables] == [(4, 2, 2)]
    assert found.roles["/L"] == 2 and found.roles["/LI"] == 4 and found.roles["/Lbl"] == 4  # contents and the list
    assert found.attachments == ()  # neither the HTML's <link rel=attachment> nor the ones offered


def test_the_contents_leaders_are_not_text(small):
    """The dotted leaders are drawn (an artifact), not dots a screen reader reads out; the page numbers stay."""
    text = PdfReader(small["pdf/ua-1"]).pages[1].extract_text()
    assert "Eerste deel" in text and not re.search(r"\.{3}|…", text), text
    assert len(re.findall(r"\b3\b", text)) == 2, text  # both sections start on page 3


def test_the_archival_variant_embeds_the_attachments_and_stays_tagged(small):
    found = read_structure(small["pdf/a-3b"])
    assert found.pdfa == "3B" and found.ua_part == "1"
    assert found.tagged and found.marked and found.lang == "nl" and found.display_doc_title
    assert found.attachments == ("figures.json", "manifest-provenance.json")
    import pikepdf

    with pikepdf.open(small["pdf/a-3b"]) as pdf:
        assert pdf.attachments["figures.json"].get_file().read_bytes() == ATTACHMENTS[0].data
        # associated files of the document (WeasyPrint 70 lists each file specification twice in /AF)
        related = {spec.objgen: str(spec.get("/AFRelationship")) for spec in pdf.Root.AF}
        assert sorted(related.values()) == ["/Supplement", "/Supplement"]


def test_an_unknown_variant_is_an_error():
    with pytest.raises(RenderError, match="unknown PDF variant 'pdf/x-4'"):
        html_to_pdf(PAGE, "", created=CREATED, edition="test/nl", variant="pdf/x-4")


# The sample, built once per session (tests/conftest.py): these tests are slow.

def _headings(html: str) -> list[str]:
    """The section and finding headings of an HTML edition, as text."""
    found = re.findall(r'<section id="[^"]+" class="section [^"]*">\s*<h2[^>]*>(.*?)</h2>', html, re.S)
    found += re.findall(r'<article class="finding"[^>]*>\s*<h3[^>]*>(.*?)</h3>', html, re.S)
    return [plain(heading) for heading in found]


@pytest.mark.parametrize("lang", LANGS)
def test_each_sample_edition_is_tagged_pdf_ua(sample, lang):
    found = read_structure(sample.pdf(lang))
    assert found.tagged and found.marked
    assert found.lang == lang
    title = plain(re.search(r"<title>(.*?)</title>", sample.html(lang), re.S).group(1))
    assert found.title == found.xmp_title == title and found.display_doc_title
    assert found.ua_part == "1" and found.attachments == ()
    outline = {plain(text) for _, text in found.outline}
    headings = _headings(sample.html(lang))
    assert len(headings) > 10 and not [heading for heading in headings if heading not in outline]
    appendix = Theme().catalog(lang).gettext("Appendix: data of the figures")
    assert (found.outline[-1][0], plain(found.outline[-1][1])) == (1, plain(appendix))  # the last entry under the title
    assert found.roles["/H1"] == 1 and found.roles["/H2"] > 5 and found.roles["/H3"] > 5


@pytest.mark.parametrize("lang", LANGS)
def test_every_sample_figure_has_a_specific_alt_text(sample, lang):
    found = read_structure(sample.pdf(lang))
    charts = sample.html(lang).count('class="chart-figure"')
    assert charts > 5 and len(found.figure_alts) == charts
    for alt in found.figure_alts:
        assert alt.strip().lower() not in GENERIC_ALT and len(alt.split()) >= 8 and re.search(r"\d", alt), alt
    assert found.specific_alts() == charts  # none empty, generic or shared


@pytest.mark.parametrize("lang", LANGS)
def test_every_sample_table_has_header_cells_that_its_data_cells_name(sample, lang):
    found = read_structure(sample.pdf(lang))
    # the report's tables and the appendix's one per chart (a table running over a page break is two /Table)
    assert len(found.tables) >= sample.html(lang).count('<table class="data')
    for table in found.tables:
        assert table.th > 0 and table.th_with_id == table.th
        assert table.td_with_headers == table.td  # WeasyPrint 70 links cells by /Headers, it writes no /Scope


@pytest.mark.slow
def test_the_archival_variant_of_a_project_embeds_its_public_figures_and_provenance(tmp_path):
    """pdf.variant pdf/a-3b: the public figures.json of the build and the manifest without its outputs; and
    pdf.data_appendix false leaves the appendix out."""
    import pikepdf

    project = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", project)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "pdf: {variant: pdf/a-3b, data_appendix: false}\n", encoding="utf-8")
    folder = build(config, languages=["fr"], formats=["pdf"], out=tmp_path / "out").folder
    found = read_structure(folder / "fr" / "report.pdf")
    assert found.pdfa == "3B" and found.ua_part == "1" and found.tagged
    assert found.attachments == ("figures.json", "manifest-provenance.json")
    appendix = Theme().catalog("fr").gettext("Appendix: data of the figures")
    assert plain(appendix) not in {plain(title) for _, title in found.outline} and len(found.outline) > 5
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    with pikepdf.open(folder / "fr" / "report.pdf") as pdf:
        figures = pdf.attachments["figures.json"].get_file().read_bytes()
        provenance = json.loads(pdf.attachments["manifest-provenance.json"].get_file().read_bytes())
    assert figures == (folder / "figures.json").read_bytes()
    assert "outputs" not in provenance
    assert {key: provenance[key] for key in ("tool", "config", "inputs", "templates", "fonts", "engine")} == \
        {key: manifest[key] for key in ("tool", "config", "inputs", "templates", "fonts", "engine")}
    assert manifest["outputs"]["fr/report.pdf"]  # the PDF's own hash is in the manifest beside it
