"""Locales and catalogs: Belgian number, money and date conventions from CLDR, complete catalogs in every language."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from report.theme import Theme
from report.i18n import Formatter, LOCALES, from_country, origin_name, translations, value_bracket_labels

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "templates" / "locales"
CATALOG_LANGS = sorted(path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
NNBSP, NBSP = "\u202f", "\u00a0"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_the_three_belgian_languages_have_a_catalog():
    assert {"fr", "nl", "de"} <= set(CATALOG_LANGS)


# --- numbers, percentages, money, dates -------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [("fr", f"1{NNBSP}234,5"), ("nl", "1.234,5"), ("de", "1.234,5")])
def test_number_uses_the_locale_separators(lang, expected):
    assert Formatter(lang).number(1234.5, 1) == expected


@pytest.mark.parametrize(("lang", "whole", "one_digit"), [
    ("fr", f"12{NBSP}%", f"12,3{NBSP}%"),
    ("nl", "12%", "12,3%"),
    ("de", f"12{NBSP}%", f"12,3{NBSP}%"),
])
def test_percent_follows_the_locale_pattern(lang, whole, one_digit):
    fmt = Formatter(lang)
    assert fmt.percent(0.1234) == whole
    assert fmt.percent(0.1234, 1) == one_digit


@pytest.mark.parametrize(("lang", "amount", "cents", "negative"), [
    ("fr", f"1{NNBSP}234{NBSP}€", f"1{NNBSP}234,50{NBSP}€", f"-1{NNBSP}234{NBSP}€"),
    ("nl", f"€{NBSP}1.234", f"€{NBSP}1.234,50", f"€{NBSP}-1.234"),
    ("de", f"1.234{NBSP}€", f"1.234,50{NBSP}€", f"-1.234{NBSP}€"),
])
def test_euro_sign_is_placed_by_the_locale(lang, amount, cents, negative):
    fmt = Formatter(lang)
    assert fmt.euro(1234.4) == amount  # no decimals unless asked
    assert fmt.euro(1234.5, 2) == cents
    assert fmt.euro(-1234) == negative


@pytest.mark.parametrize(("lang", "expected"), [("fr", f"50–100{NBSP}€"), ("nl", f"€{NBSP}50–100"), ("de", f"50–100{NBSP}€")])
def test_euro_range_carries_one_sign(lang, expected):
    assert Formatter(lang).euro_range(50, 100) == expected


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_chart_currency_and_separators_match_the_text(lang):
    fmt = Formatter(lang)
    d3 = fmt.d3_format_locale()
    prefix, suffix = d3["currency"]
    assert f"{prefix}{fmt.number(1234)}{suffix}" == fmt.euro(1234)
    assert fmt.number(1234.5, 1) == f"1{d3['thousands']}234{d3['decimal']}5"


@pytest.mark.parametrize(("lang", "long", "month"), [
    ("fr", "5\u00a0mars\u00a02019", "mars\u00a02019"),
    ("nl", "5\u00a0maart\u00a02019", "maart\u00a02019"),
    ("de", "5.\u00a0März\u00a02019", "März\u00a02019"),
])
def test_dates_are_written_in_the_edition_language(lang, long, month):
    fmt = Formatter(lang)
    assert fmt.date("2019-03-05") == long
    assert fmt.date(date(2019, 3, 5)) == long
    assert fmt.month("2019-03-05") == month


@pytest.mark.parametrize(("lang", "belgium", "worldwide", "last_bracket"), [
    ("fr", "Belgique", "monde entier", f"1{NNBSP}000{NBSP}€ ou plus"),
    ("nl", "België", "wereldwijd", f"€{NBSP}1.000 of meer"),
    ("de", "Belgien", "weltweit", f"1.000{NBSP}€ oder mehr"),
])
def test_countries_regions_and_brackets_in_words(lang, belgium, worldwide, last_bracket):
    fmt, gettext = Formatter(lang), translations(LOCALES_DIR, lang).gettext
    assert origin_name("BE", fmt, gettext) == belgium
    assert origin_name("WW", fmt, gettext) == worldwide
    assert value_bracket_labels(fmt, gettext)[-1] == last_bracket


# --- catalogs ----------------------------------------------------------------------------------------------

def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


TEMPLATE = {key(message): message for message in read_catalog(LOCALES_DIR / "messages.pot") if message.id}


def catalog_of(lang: str) -> Catalog:
    return read_catalog(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", LOCALES.get(lang, lang))


def forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_catalog_translates_every_message_of_the_template(lang):
    catalog = catalog_of(lang)
    assert not catalog.fuzzy, f"{lang}: the catalog header is marked fuzzy"
    missing, empty, fuzzy = [], [], []
    for msgid, template in TEMPLATE.items():
        message = catalog.get(template.id)
        if message is None:
            missing.append(msgid)
        elif not all(form.strip() for form in forms(message)):
            empty.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
    assert not missing, f"{lang}: not in the catalog (run scripts/update-catalogs.sh): {missing[:5]}"
    assert not empty, f"{lang}: untranslated: {empty[:5]}"
    assert not fuzzy, f"{lang}: fuzzy (never used at build time): {fuzzy[:5]}"


def test_the_template_holds_every_message_the_sources_have(tmp_path):
    """messages.pot is what scripts/update-catalogs.sh extracts today, so no new message skips the catalogs."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_",
                    "--no-location", "--omit-header", "--ignore-dirs=.* _* build tests sample_inputs", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    extracted = {key(message) for message in read_catalog(pot) if message.id}
    assert "Main points" in extracted  # the outline's titles are extracted too (babel.cfg [extractors])
    assert not extracted - set(TEMPLATE), f"run scripts/update-catalogs.sh: new {sorted(extracted - set(TEMPLATE))[:5]}"
    assert not set(TEMPLATE) - extracted, f"run scripts/update-catalogs.sh: gone {sorted(set(TEMPLATE) - extracted)[:5]}"


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_plural_rules_come_from_cldr(lang):
    catalog = catalog_of(lang)
    assert catalog.plural_forms == Catalog(locale=LOCALES.get(lang, lang)).plural_forms
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(forms(message)) == catalog.num_plurals, f"{lang}: {key(message)!r} has the wrong number of forms"


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Translations whose named placeholders differ from the msgid's, or with a stray `%` (write `%%`)."""
    problems = []
    for message in catalog:
        if not message.id or not any(forms(message)):
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = set().union(*(names(text) for text in ids))
        for form in forms(message):
            if not message.python_format:
                if names(form):
                    problems.append(f"{key(message)!r}: placeholders in a translation of a plain string")
                continue
            # a plural form may leave out the count ("un vendeur"), never add a name
            if names(form) != wanted and not (message.pluralizable and names(form) < wanted):
                problems.append(f"{key(message)!r}: {sorted(names(form))} instead of {sorted(wanted)}")
            try:
                form % {name: "x" for name in wanted}
            except (ValueError, TypeError, KeyError) as error:
                problems.append(f"{key(message)!r}: {error}")
    return problems


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_placeholders_are_kept(lang):
    problems = placeholder_problems(catalog_of(lang))
    assert not problems, f"{lang}: {problems[:5]}"


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_babel_finds_no_format_error(lang):
    errors = [(key(message), [str(error) for error in found]) for message, found in catalog_of(lang).check()]
    assert not errors, f"{lang}: {errors[:5]}"


def test_the_placeholder_check_catches_a_dropped_name_and_a_stray_percent():
    catalog = Catalog(locale="de")
    catalog.add("Vendors from %(country)s", "Verkäufer", flags=("python-format",))
    catalog.add("%(share)s of sales", "%(share)s der Verkäufe (100 %)", flags=("python-format",))
    catalog.add("Vendors", "Verkäufer %(country)s")
    catalog.add("%(n)s sales", "%(n)s Verkäufe (100 %%)", flags=("python-format",))
    assert len(placeholder_problems(catalog)) == 3


# --- grammar comes from locale data, not from the language code ---------------------------------------------

def language_comparisons(source: str) -> list[int]:
    """Lines where Python compares a language (a name ending in `lang`) with a language code."""
    codes = {code for lang in LOCALES for code in (lang, LOCALES[lang])}

    def is_code(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return node.value in codes
        return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(is_code(item) for item in node.elts)

    def is_lang(node: ast.AST) -> bool:
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        return name.lower().endswith(("lang", "language", "locale"))

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(is_lang(side) for side in sides) and any(is_code(side) for side in sides):
                lines.append(node.lineno)
    return sorted(lines)


def test_no_python_code_branches_on_a_language_code():
    found = {path.name: language_comparisons(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "report").rglob("*.py"))}
    assert not {name: lines for name, lines in found.items() if lines}, "grammar and placement belong to locale data"


def test_the_language_check_catches_a_branch():
    assert language_comparisons('x = "€ " if self.lang == "nl" else " €"\nif lang in ("fr", "de"): pass\n') == [1, 2]
    assert language_comparisons('if lang in finding.title: pass\n') == []


# --- the focus country inside catalog messages (%(from_country)s) -------------------------------------------------

#: What each language prints for "from <country>" in a caption, chart title or alt text: French contracts the
#: preposition with the article, Dutch needs the article after uit/vanuit, German names the country after "Versandland".
FROM_COUNTRY = {
    "US": {"fr": "des États-Unis", "nl": "uit de Verenigde Staten", "de": "Versandland Vereinigte Staaten"},
    "GB": {"fr": "du Royaume-Uni", "nl": "uit het Verenigd Koninkrijk", "de": "Versandland Vereinigtes Königreich"},
    "NL": {"fr": "des Pays-Bas", "nl": "uit Nederland", "de": "Versandland Niederlande"},
    "BE": {"fr": "de Belgique", "nl": "uit België", "de": "Versandland Belgien"},
}
TEMPLATES_DIR = LOCALES_DIR.parent


def focus_messages(lang: str, country: str) -> list[str]:
    """Every catalog message that names the focus country, filled in as the charts and tables fill it."""
    gettext = translations(LOCALES_DIR, lang).gettext
    return [gettext(message_id) % {"from_country": country, "market": "M"} for message_id in TEMPLATE
            if "%(from_country)s" in message_id]


def misnamed(lang: str, code: str, country: str) -> list[str]:
    return [text for text in focus_messages(lang, country) if FROM_COUNTRY[code][lang] not in text]


@pytest.mark.parametrize("code", sorted(FROM_COUNTRY))
@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_captions_and_chart_titles_name_the_focus_country_with_its_article(lang, code):
    assert len(focus_messages(lang, "X")) >= 10  # table captions and headers, chart titles, alt texts, a legend
    country = from_country(TEMPLATES_DIR, lang, Formatter(lang).country(code))
    assert not misnamed(lang, code, country), f"{lang}/{code}: {misnamed(lang, code, country)[:3]}"


def test_the_focus_country_check_catches_a_bare_name():
    """The bare CLDR name, as these messages had it: "Vendeurs de États-Unis", "Verkopers uit Verenigde Staten"."""
    for lang, bare in {"fr": "de États-Unis", "nl": "Verenigde Staten"}.items():
        assert misnamed(lang, "US", bare)


@pytest.fixture(scope="module")
def tiny_statistics():
    from report.build import compute
    from report.config import load_config
    from report.load import load_inputs

    config, base = load_config(ROOT / "tests" / "fixtures" / "tiny" / "config.yaml")
    return config, compute(config, load_inputs(config, base))


@pytest.mark.parametrize("lang", ["fr", "nl"])  # the tiny project's codebook has French and Dutch labels
def test_table_captions_take_the_phrase_from_the_language(tiny_statistics, lang):
    from report.build import TEMPLATES, _meta
    from report.charts import make_charts
    from report.outline import plan_report
    from report.render import RenderContext, render_html

    config, stats = tiny_statistics
    config = config.model_copy(update={"focus_country": "US"})
    plan = plan_report(TEMPLATES / "outline.yaml", stats)
    charts = make_charts(config, stats, lang, svg=False, theme=Theme(), placed=plan.charts)
    page = render_html(RenderContext(lang, "html", stats, charts, _meta(config, lang, stats), {}, plan=plan,
                                                vega_bundle=""))
    captions = [re.sub(r"<[^>]+>", "", caption) for caption in re.findall(r"<caption>(.*?)</caption>", page, re.S)]
    naming = [caption for caption in captions if Formatter(lang).country("US") in caption]
    assert naming and all(FROM_COUNTRY["US"][lang] in caption for caption in naming), captions


def test_upper_first_capitalises_a_sentence_that_starts_with_a_figure():
    from markupsafe import Markup

    from report.render import upper_first

    assert upper_first(Markup('<span class="fig">plus de 90&nbsp;%</span> des')) == Markup('<span class="fig">Plus de 90&nbsp;%</span> des')
    assert upper_first(Markup("94&nbsp;% des")) == Markup("94&nbsp;% des")
    assert upper_first("<b>x</b>") == Markup("&lt;B&gt;x&lt;/b&gt;")  # plain text stays escaped text
