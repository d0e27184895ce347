"""Publication matter: citations, the reference list, links from key messages and recommendations to findings,
the suggested citation and the sample-data notice."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from report.config import load_config
from report.errors import RenderError
from report.references import Citer, check_citations, csl_html, load_library, project_library, suggested_citation
from report.resources import TEMPLATES

ROOT = Path(__file__).resolve().parents[1]


def _library(tmp_path: Path):
    entries = [
        {"id": "zeta2010", "type": "book", "author": [{"family": "Zeta", "given": "Ann"}], "issued": {"date-parts": [[2010]]},
         "title": "Last by name", "publisher": "P"},
        {"id": "alpha2019", "type": "book", "author": [{"family": "Alpha", "given": "Bo"}], "issued": {"date-parts": [[2019]]},
         "title": "First by name", "publisher": "P"},
        {"id": "mid2015", "type": "book", "author": [{"family": "Mid", "given": "Cy"}], "issued": {"date-parts": [[2015]]},
         "title": "Never cited", "publisher": "P"},
        {"id": "org2016", "type": "report", "author": [{"literal": "EMCDDA"}], "issued": {"date-parts": [[2016]]},
         "title": "Org", "by_language": {"fr": {"author": [{"literal": "OEDT"}]}}},
    ]
    path = tmp_path / "refs.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return load_library([path])


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_reference_list_holds_only_cited_works_in_apa_order(tmp_path: Path, lang: str) -> None:
    citer = Citer(_library(tmp_path), lang)
    page = f"<p>{citer.cite('zeta2010')} {citer.cite('alpha2019', page=12)} {citer.cite('org2016')}</p>{citer.references()}"
    html = citer.finish(page)
    listed = re.findall(r'<li id="ref-([^"]+)">', html)
    assert listed == ["alpha2019", "org2016", "zeta2010"]  # APA: by author, whatever the order of citation
    assert "mid2015" not in html and "Never cited" not in html
    assert "(Zeta, 2010)" in html and "(Alpha, 2019, p. 12)" in html
    assert ("(OEDT, 2016)" if lang == "fr" else "(EMCDDA, 2016)") in html
    assert "\ue000" not in html  # every placeholder replaced


def test_a_page_cited_alike_reuses_the_rendered_references_and_an_edited_bibliography_does_not(tmp_path: Path) -> None:
    """The screen and print pages of an edition cite alike: citeproc-py renders once. An edited .bib file, or other
    works, render anew in the same process."""
    bib = tmp_path / "more.bib"
    bib.write_text("@book{kappa2001, author={Kappa, Dee}, title={First title}, year={2001}, publisher={P}}\n", encoding="utf-8")

    def rendered() -> str:
        citer = Citer(load_library([tmp_path / "refs.json", bib]), "nl")
        return citer.finish(f"<p>{citer.cite('kappa2001')} {citer.cite('alpha2019')}</p>{citer.references()}")

    _library(tmp_path)
    first = rendered()
    assert "First title" in first and rendered() == first
    bib.write_text(bib.read_text(encoding="utf-8").replace("First title", "Second title"), encoding="utf-8")
    again = rendered()
    assert "Second title" in again and "First title" not in again


def test_unknown_key_is_an_error_naming_the_prose_file_and_line(tmp_path: Path) -> None:
    prose = tmp_path / "prose" / "fr"
    prose.mkdir(parents=True)
    (prose / "context.html.j2").write_text('{% macro a() %}Texte.{% endmacro %}\n\n{% macro b() %}Voir {{ cite("alpha2019", "nokey1999") }}.{% endmacro %}\n',
                                           encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        check_citations(_library(tmp_path), [tmp_path / "prose"], ["fr"])
    assert "nokey1999" in caught.value.message
    assert caught.value.where == f"{prose / 'context.html.j2'}:3"
    with pytest.raises(RenderError, match="nokey1999"):
        Citer(_library(tmp_path), "fr").cite("nokey1999")


def test_shipped_and_sample_prose_cite_only_known_works() -> None:
    config, _ = load_config(ROOT / "config" / "sample.yaml")
    check_citations(project_library(config), [TEMPLATES / "prose", ROOT / "config" / "custom" / "prose"], ["fr", "nl", "de"])
    shipped = load_library([TEMPLATES / "references.json"])
    check_citations(shipped, [TEMPLATES / "prose"], ["fr", "nl", "de"])  # the tool's own prose needs no project file


def test_suggested_citation_holds_title_year_and_organisation(tmp_path: Path) -> None:
    text = str(suggested_citation(_library(tmp_path), "nl", authors=["Team X"], title="Cryptomarkten", subtitle="Bevindingen",
                                  organisation="Observatorium", published=date(2019, 12, 16), edition="e1",
                                  url="https://example.org/e1"))
    assert "Cryptomarkten" in text and "2019" in text and "Observatorium" in text and "Team X" in text
    assert '<a href="https://example.org/e1">' in text


def test_csl_output_is_escaped_once() -> None:
    assert str(csl_html("A &amp; B <i>C & D</i> <script>x</script>")) == "A &amp; B <i>C &amp; D</i> &lt;script&gt;x&lt;/script&gt;"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_sample_links_references_and_cover(sample, lang: str) -> None:
    html = sample.html(lang)
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = re.findall(r'class="finding-ref" href="#([^"]+)"', html)
    assert links and all(link in ids for link in links)
    recommendations = html[html.index('id="recommendations"'):html.index('id="method-note"')]
    assert 'class="finding-ref"' in recommendations
    listed = re.findall(r'<li id="ref-([^"]+)"', html)
    cited = set(" ".join(re.findall(r'<cite class="citation" data-refs="([^"]+)"', html)).split())
    assert listed and set(listed) == cited
    assert "données d'exemple" not in html.split('class="cover-sample"')[0].lower()
    assert 'class="cover-sample"' in html  # the sample config says sample: true
    about = html[html.index('id="about"'):]
    assert "2019" in about and "suggested-citation" in about


def test_a_later_build_takes_the_rendered_references_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    """Another process (a preview's next build) finds the citations and reference list in the build's cache; a
    cache read with --no-cache renders them again."""
    from report import references
    from report.cache import Cache

    library = _library(tmp_path)

    def page(store: Cache) -> str:
        citer = Citer(library, "fr", store)
        return citer.finish(f"<p>{citer.cite('zeta2010')}</p>{citer.references()}")

    first = page(Cache(tmp_path / "cache"))
    monkeypatch.setattr(references, "_RENDERED", {})  # as in a new process
    monkeypatch.setattr(Citer, "_render", lambda self: pytest.fail("rendered again"))
    assert page(Cache(tmp_path / "cache")) == first
    monkeypatch.setattr(references, "_RENDERED", {})
    with pytest.raises(pytest.fail.Exception, match="rendered again"):
        page(Cache(tmp_path / "cache", read=False))


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_compiled_style_look_ups_render_what_citeproc_renders_by_itself(lang: str, monkeypatch) -> None:
    """The sample's bibliography, every work cited (with a page, and several at once): the look-ups citeproc-py makes
    compiled and kept (references._compiled_lookups) give the same citations and list as its own look-ups."""
    from citeproc.model import CitationStylesElement

    config, _ = load_config(ROOT / "config" / "sample.yaml")
    library = project_library(config)
    keys = sorted(library.origin)
    assert len(keys) >= 5

    def rendered() -> tuple:
        citer = Citer(library, lang)
        for index, key in enumerate(keys):
            citer.cite(key, page=index + 3 if index % 2 else None)
        citer.cite(*keys[:3])
        return citer._render()

    fast = rendered()
    monkeypatch.setattr(CitationStylesElement, "xpath_search", lambda element, expression:
                        element.xpath(expression, namespaces=element.nsmap))
    assert rendered() == fast
    assert len(fast[0]) == len(keys) + 1 and fast[1].count("<li ") == len(keys)
