"""A project's own folder over the installed tool's templates: prose, catalog strings, styles, cover, a new language;
`report export-templates`; what `report validate` says about them."""
from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml

from report.build import TEMPLATES, _meta, build, compute, configured, validate
from report.charts import make_charts
from report.cli import main
from report.errors import ConfigError
from report.load import load_inputs
from report.outline import plan_report
from report.render import RenderContext, render_html
from report.theme import Theme, contrast, export_templates, theme_of

from .conftest import ROOT

# A 1x1 PNG: the cover's logo.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d1c3a40000000049454e44ae426082")


def _edit(config_path: Path, change) -> Path:
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    change(data)
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config_path


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def html_of(config_path: Path, lang: str) -> str:
    """One edition's HTML as the build renders it (chart specs, no drawing)."""
    config, base = configured(config_path)
    stats = compute(config, load_inputs(config, base))
    plan = plan_report(TEMPLATES / "outline.yaml", stats)
    theme = theme_of(config, base)
    charts = make_charts(config, stats, lang, svg=False, theme=theme, placed=plan.charts)
    labels = {key: dict(cat.label) for key, cat in config.taxonomy.items()}
    return render_html(RenderContext(lang, "html", stats, charts, _meta(config, lang, stats), labels, plan=plan,
                                     theme=theme, vega_bundle="", css=theme.css("screen.css")))


@pytest.mark.slow
def test_a_prose_fragment_the_logo_and_the_colours_show_in_both_formats(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "config", project / "config")
    shutil.copytree(ROOT / "sample_inputs", project / "sample_inputs")
    custom = project / "config" / "custom"
    vendors = custom / "prose" / "fr" / "vendors.html.j2"
    vendors.write_text(vendors.read_text(encoding="utf-8") +
                       "{% macro wholesale_intro() %}Notre équipe lit le commerce de gros autrement.{% endmacro %}\n",
                       encoding="utf-8")
    (custom / "assets").mkdir()
    (custom / "assets" / "logo.png").write_bytes(PNG)
    config_path = _edit(project / "config" / "sample.yaml",
                        lambda data: data.update(cover={"logo": "assets/logo.png", "colours": {"accent": "#5a2a82"}}))
    folder = build(config_path, languages=["fr"], out=tmp_path / "out").folder
    html = (folder / "fr" / "report.html").read_text(encoding="utf-8")
    assert "Notre équipe lit le commerce de gros autrement." in html
    assert "L'«&nbsp;eBay de la drogue&nbsp;»" not in html  # the shipped sentence it replaces
    assert re.search(r'<img class="cover-logo" src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="[^"]+">', html)
    assert 'style="--accent: #5a2a82"' in html
    pdf = folder / "fr" / "report.pdf"
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Notre équipe lit le commerce de gros" in re.sub(r"\s+", " ", text)
    assert len(reader.pages[0].images) == 1  # the logo, on the cover
    assert b"0.352941 0.164706 0.509804" in b"".join(  # #5a2a82 as the cover's fill colour
        page.get_contents().get_data() for page in reader.pages[:1])


def test_overrides_are_listed_and_stale_ones_reported(project, capsys, caplog):
    custom = project / "custom"
    _write(custom / "prose" / "fr" / "vendors.html.j2",
           "{% macro intro() %}Notre introduction.{% endmacro %}\n"
           "{% macro extra_no_such_finding() %}Jamais utilisé.{% endmacro %}\n"
           "{% macro removed_fragment() %}Plus dans l'outil.{% endmacro %}\n"
           "{% macro _helper() %}aide{% endmacro %}\n")
    _write(custom / "prose" / "fr" / "old_section.html.j2", "{% macro intro() %}Ancien.{% endmacro %}\n")
    _write(custom / "locales" / "fr" / "LC_MESSAGES" / "messages.po",
           'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
           'msgid "Contents"\nmsgstr "Sommaire de l\'équipe"\n\nmsgid "A string the tool dropped"\nmsgstr "Vieux"\n')
    _write(custom / "extra.css", ".cover-title { font-style: italic; }\n")
    config_path = _edit(project / "config.yaml", lambda data: data.update(custom_dir="custom"))
    checked = validate(config_path)
    assert "prose/fr/vendors.html.j2: replaces intro; adds extra_no_such_finding, removed_fragment" in checked.overrides
    assert "locales/fr/LC_MESSAGES/messages.po: 2 strings over the shipped catalog" in checked.overrides
    assert "extra.css: added after the styles" in checked.overrides
    notes = "\n".join(checked.notes)
    assert "'extra_no_such_finding' does not exist in the installed version's vendors.html.j2 (no finding of that name)" in notes
    assert "'removed_fragment' does not exist" in notes
    assert "_helper" not in notes and "'intro'" not in notes
    assert "no prose file old_section.html.j2" in notes
    assert "'A string the tool dropped' is not one the installed version uses" in notes
    assert "'Contents'" not in notes
    html = html_of(config_path, "fr")
    assert "Notre introduction." in html and "Sommaire de l'équipe" in html and "font-style: italic" in html
    assert "Sommaire de l'équipe" not in html_of(config_path, "nl")  # the French catalog only
    assert main(["validate", str(config_path)]) == 0
    out = capsys.readouterr()
    assert "the project's own files (custom_dir custom)" in out.out
    assert any("removed_fragment" in record.getMessage() for record in caplog.records if record.levelname == "WARNING")


def test_an_extra_paragraph_for_a_finding_that_exists_is_no_stale_override(project):
    _write(project / "custom" / "prose" / "fr" / "vendors.html.j2",
           "{% macro extra_share() %}Un paragraphe de l'équipe.{% endmacro %}\n{% macro extra() %}Fin.{% endmacro %}\n")
    checked = validate(_edit(project / "config.yaml", lambda data: data.update(custom_dir="custom")))
    assert not [note for note in checked.notes if "vendors.html.j2" in note]


def test_the_project_catalog_goes_over_the_shipped_one_string_by_string(tmp_path):
    _write(tmp_path / "locales" / "nl" / "LC_MESSAGES" / "messages.po",
           'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Contents"\nmsgstr "Onze inhoud"\n')
    shipped, custom = Theme().catalog("nl"), Theme(custom=tmp_path).catalog("nl")
    assert custom.gettext("Contents") == "Onze inhoud" != shipped.gettext("Contents")
    assert custom.gettext("Evidence brief") == shipped.gettext("Evidence brief") != "Evidence brief"
    assert custom.ngettext("%(count)s vendor", "%(count)s vendors", 2) == shipped.ngettext("%(count)s vendor", "%(count)s vendors", 2)


@pytest.mark.slow
def test_a_language_the_tool_does_not_ship_is_added_with_text_only(project):
    """English, from the project's own prose and catalog: the build writes it like a shipped language."""
    custom = project / "custom"
    shutil.copytree(TEMPLATES / "prose" / "fr", custom / "prose" / "en")
    for path in (custom / "prose" / "en").glob("*.j2"):
        path.write_text(path.read_text(encoding="utf-8").replace("prose/fr/", "prose/en/"), encoding="utf-8")
    _write(custom / "locales" / "en" / "LC_MESSAGES" / "messages.po",
           'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
           'msgid "Contents"\nmsgstr "Contents of this brief"\n')

    def english(data):
        data.update(custom_dir="custom", languages=["fr", "en"])
        for key in ("title", "authors"):
            data[key]["en"] = copy.deepcopy(data[key]["fr"])
        for category in data["taxonomy"].values():
            category["label"]["en"] = category["label"]["fr"]
        codebook = yaml.safe_load((project / "codebook.yaml").read_text(encoding="utf-8"))
        _add_english(codebook)
        (project / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")

    config_path = _edit(project / "config.yaml", english)
    checked = validate(config_path)
    assert "prose/en/vendors.html.j2: a language of the project's own" in checked.overrides
    assert "locales/en/LC_MESSAGES/messages.po: 1 strings over the shipped catalog" not in checked.overrides
    assert any(line.startswith("locales/en/LC_MESSAGES/messages.po: 1 a new language's catalog") for line in checked.overrides)
    html = html_of(config_path, "en")
    assert '<html lang="en"' in html and "Contents of this brief" in html


def _add_english(node):
    """Every {fr: ...} label of a codebook gets the same text under `en`."""
    if isinstance(node, dict):
        if "fr" in node and "en" not in node and all(isinstance(key, str) and len(key) == 2 for key in node):
            node["en"] = copy.deepcopy(node["fr"])
        for value in node.values():
            _add_english(value)
    elif isinstance(node, list):
        for value in node:
            _add_english(value)


def test_a_language_without_prose_is_refused_with_the_way_to_add_it(project):
    def italian(data):
        data["languages"] = ["it"]
        for key in ("title", "authors"):
            data[key]["it"] = copy.deepcopy(data[key]["fr"])
        for category in data["taxonomy"].values():
            category["label"]["it"] = category["label"]["fr"]

    with pytest.raises(ConfigError) as caught:
        validate(_edit(project / "config.yaml", italian))
    assert "no prose for language 'it'" in str(caught.value) and "custom_dir" in str(caught.value)


@pytest.mark.parametrize("logo, content, message", [
    ("assets/logo.png", b"GIF89a not a png", "is not a PNG, JPEG or SVG image"),
    ("assets/missing.png", None, "no file"),
    ("../../outside.png", PNG, "outside custom_dir"),
])
def test_a_bad_logo_is_named_with_its_key(project, logo, content, message, capsys):
    (project / "custom" / "assets").mkdir(parents=True)
    if content is not None:
        target = (project / "custom" / logo).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    config_path = _edit(project / "config.yaml", lambda data: data.update(custom_dir="custom", cover={"logo": logo}))
    assert main(["validate", str(config_path)]) == 2
    err = capsys.readouterr().err
    assert "config.yaml:" in err and "cover.logo" in err and message in err


def test_a_logo_needs_the_custom_dir(project, capsys):
    config_path = _edit(project / "config.yaml", lambda data: data.update(cover={"logo": "logo.png"}))
    assert main(["validate", str(config_path)]) == 2
    assert "cover.logo needs custom_dir" in capsys.readouterr().err


def test_a_pale_accent_is_reported_as_unreadable():
    from report.theme import colour_notes

    notes = colour_notes(Theme(colours=(("accent", "#9ad0f5"), ("ink", "#222222"))))
    assert any("cover.colours.accent #9ad0f5: contrast 1.7:1" in note for note in notes)
    assert not any("cover.colours.text" in note for note in notes)
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0 and contrast("#777777", "#777777") == 1.0


@pytest.mark.slow
def test_exported_templates_used_as_they_are_change_nothing(project, tmp_path):
    before = html_of(project / "config.yaml", "nl")
    written = export_templates(project / "custom")
    assert (project / "custom" / "prose" / "nl" / "vendors.html.j2") in written
    assert not (project / "custom" / "prose" / "nl" / "_words.html.j2").exists()
    after = html_of(_edit(project / "config.yaml", lambda data: data.update(custom_dir="custom")), "nl")
    assert after == before
    assert not [note for note in validate(project / "config.yaml").notes if "installed version" in note]


def test_export_never_overwrites_a_teams_edits_unless_forced(tmp_path, capsys):
    assert main(["export-templates", str(tmp_path / "t"), "--lang", "nl"]) == 0
    edited = tmp_path / "t" / "prose" / "nl" / "outlook.html.j2"
    edited.write_text("{% macro closing() %}Onze tekst.{% endmacro %}\n", encoding="utf-8")
    assert main(["export-templates", str(tmp_path / "t"), "--lang", "nl"]) == 2
    assert "would be overwritten" in capsys.readouterr().err and "Onze tekst" in edited.read_text(encoding="utf-8")
    assert not (tmp_path / "t" / "prose" / "fr").exists()
    assert main(["export-templates", str(tmp_path / "t"), "--lang", "nl", "--force"]) == 0
    assert "Onze tekst" not in edited.read_text(encoding="utf-8")
    assert main(["export-templates", str(tmp_path / "u"), "--lang", "xx"]) == 2
