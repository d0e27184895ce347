"""The sample config built end to end: both languages, HTML and PDF, figures and manifest."""
from __future__ import annotations

import json
import re

import pytest

from report.build import TEMPLATES
from report.charts import CHART_TEXT, MARKET_CHARTS
from report.i18n import translations

from .conftest import LANGS
from .textcheck import formatted_tokens, numbers_in, prose

REQUIRED = ["vendors.total", "vendors.focus", "vendors.focus_share", "listings.focus_share", "transactions.count",
            "transactions.max_eur", "transactions.share_below_retail", "survey.respondents"]
SECTIONS = ["Context", "Objectives and methods", "Findings on vendors", "Findings on buyers", "Outlook",
            "Recommendations", "Methodological note"]


def squash(text: str) -> str:
    """Compare text across PDF line breaks and hyphenation."""
    return re.sub(r"[\s\u00ad\-‐]+", "", text)


def test_every_output_is_written(sample):
    names = sorted(str(p.relative_to(sample.folder)) for p in sample.folder.rglob("*") if p.is_file())
    assert names == sorted(["figures.json", "manifest.json", *(f"{lang}/report.{kind}" for lang in LANGS for kind in ("html", "pdf"))])


def test_required_figures_exist_overall_and_per_market(sample):
    figures = sample.figures()
    markets = [m for m in ("dream-market", "wall-street-market", "empire-market")]
    for figure_id in REQUIRED:
        assert figures[figure_id]["value"] is not None, figure_id
        if not figure_id.startswith("survey"):
            for market in markets:
                assert f"{figure_id}.{market}" in figures
    assert figures["survey.respondents"]["value"] == 99
    assert 0 < figures["vendors.focus_share"]["value"] < 0.05
    assert figures["vendors.focus_share"]["base"] == figures["vendors.total"]["value"]


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_has_every_section_and_finding(sample, lang):
    text = squash(sample.pdf_text(lang))
    catalog = translations(TEMPLATES / "locales", lang)
    for title in SECTIONS:
        translated = catalog.gettext(title)
        assert translated != title or lang == "en", f"'{title}' is not translated to {lang}"
        assert squash(translated) in text, f"section '{translated}' missing from the {lang} PDF"
    html = sample.html(lang)
    findings = re.findall(r'<article class="finding"[^>]*>\s*<h3[^>]*>(.*?)</h3>', html, re.S)
    assert len(findings) >= 12, f"{lang}: only {len(findings)} findings"
    for title in findings:
        plain = re.sub(r"<[^>]+>", "", title)
        assert squash(plain) in text, f"finding '{plain}' missing from the {lang} PDF"


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_in_the_text_is_a_computed_figure(sample, lang):
    text, _ids = prose(sample.html(lang))
    allowed = formatted_tokens(sample.figures(), lang) | {"95"}  # the confidence level is a method, not a figure
    stray = sorted(numbers_in(text) - allowed)
    assert not stray, f"{lang}: numbers in the text that are no figure: {stray[:20]}"


def test_every_language_states_the_same_figures(sample):
    ids = {lang: prose(sample.html(lang))[1] for lang in LANGS}
    for lang in LANGS:
        assert set(ids[lang]) == set(ids["fr"]), lang
    assert len(set(ids["fr"])) > 60


@pytest.mark.parametrize("lang", LANGS)
def test_numbers_follow_the_edition_conventions(sample, lang):
    text, _ = prose(sample.html(lang))
    vendors_total = sample.figures()["vendors.total"]["value"]
    assert vendors_total >= 1000
    thousands, rest = divmod(vendors_total, 1000)
    expected = {"fr": f"{thousands}\u202f{rest:03d}", "nl": f"{thousands}.{rest:03d}", "de": f"{thousands}.{rest:03d}"}[lang]
    assert expected in text
    assert {"fr": lambda: re.search(r"\d[\u00a0\u202f]%", text), "nl": lambda: re.search(r"\d%", text),
            "de": lambda: re.search(r"\d[\u00a0\u202f]%", text)}[lang]()


@pytest.mark.parametrize("lang", LANGS)
def test_html_has_every_chart_interactive_and_offline(sample, lang):
    html = sample.html(lang)
    specs = re.findall(r'<script type="application/json" class="vega-spec" data-target="chart-([a-z0-9_.\-]+)">', html)
    assert set(MARKET_CHARTS) <= set(specs)  # the sample's data draw every market chart
    assert len(specs) == len(set(specs)) and any(spec.startswith("survey.") for spec in specs)
    assert "vegaEmbed" in html
    assert not re.search(r"<(script|link|img)[^>]*\s(src|href)=[\"']?(https?:)?//", html), "the HTML loads something from the network"


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_has_every_chart_with_caption(sample, lang):
    text = squash(sample.pdf_text(lang))
    catalog = translations(TEMPLATES / "locales", lang)
    html = sample.html(lang)
    charts = re.findall(r'data-target="chart-([a-z0-9_.\-]+)"', html)
    numbers = [int(n) for n in re.findall(r'<figcaption><span class="label">[^<]*?(\d+)\.</span>', html)]
    assert numbers == list(range(1, len(charts) + 1))  # numbered as placed
    for number in numbers:
        assert squash(f"{catalog.gettext('Figure')} {number}.") in text
    from pypdf import PdfReader

    reader = PdfReader(sample.pdf(lang))
    drawings = sum(len([x for x in (page.get("/Resources", {}).get("/XObject", {}) or {}).values()]) for page in reader.pages)
    assert drawings >= len(charts) - 1


def test_manifest_records_hashes_and_versions(sample):
    manifest = json.loads((sample.folder / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"listings", "feedback", "exchange_rates", "market_events", "survey", "codebook", "custom_dir",
                                       "references"}  # the project's bibliography is hashed like its inputs
    assert all(len(entry["sha256"]) == 64 for entry in manifest["inputs"].values())
    assert manifest["config"]["sha256"] and manifest["templates"] and manifest["fonts"]
    assert manifest["libraries"]["weasyprint"]
    assert set(manifest["outputs"]) == {"figures.json", *(f"{lang}/report.{kind}" for lang in LANGS for kind in ("html", "pdf"))}


@pytest.mark.slow
def test_shorter_period_recomputes_every_figure(sample, short):
    full, spring = sample.figures(), short.figures()
    assert spring["period.end"]["value"] == "2019-04-30"
    for figure_id in ("vendors.total", "vendors.focus", "transactions.count", "listings.total"):
        assert spring[figure_id]["value"] < full[figure_id]["value"], figure_id
    assert spring["survey.respondents"]["value"] == full["survey.respondents"]["value"]
    assert squash(short.pdf_text("fr")) != squash(sample.pdf_text("fr"))
    assert "empire-market" in " ".join(spring)  # every market seen in the period is reported


def test_chart_texts_are_translated():
    for lang in LANGS:
        catalog = translations(TEMPLATES / "locales", lang)
        for chart_id, (title, alt) in CHART_TEXT.items():
            assert catalog.gettext(title) != title, f"{lang}: chart title of {chart_id} untranslated"
            assert catalog.gettext(alt) != alt, f"{lang}: alt text of {chart_id} untranslated"


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_embeds_only_the_shipped_font_family(sample, lang):
    import subprocess

    listing = subprocess.run(["pdffonts", str(sample.pdf(lang))], capture_output=True, text=True, check=True).stdout
    fonts = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if line.strip()}
    assert fonts and all(name.startswith("Noto-Sans") for name in fonts), fonts  # charts included: no fallback font


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_a_region_as_a_table_row_label_starts_with_a_capital(sample, lang):
    """A region as a table's row label ("Non précisé", "Wereldwijd") is capitalised like the country names around it,
    though the same words stay lower-case inside a sentence."""
    from report.i18n import REGIONS

    gettext = translations(TEMPLATES / "locales", lang).gettext
    regions = {gettext(name).lower() for name in REGIONS.values()}
    page = (sample.folder / lang / "report.html").read_text(encoding="utf-8")
    labels = [label for label in re.findall(r'<th scope="row">([^<]+)</th>', page) if label.lower() in regions]
    assert labels and [label for label in labels if not label[:1].isupper()] == []
