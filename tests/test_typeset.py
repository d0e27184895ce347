"""No line break inside a number or between a number and its unit; French spaces before : ; ! ? and inside « »."""
from __future__ import annotations

import html as html_module
import re
from dataclasses import replace
from pathlib import Path

import pytest

from report import build as stages
from report.charts import make_charts
from report.config import load_config
from report.errors import ConfigError
from report.i18n import Formatter, Typography, typeset
from report.load import load_inputs
from report.outline import plan_report
from report.render import RenderContext, render_html
from report.theme import Theme

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("fr", "nl", "de")
FRENCH = Typography.parse("narrow-before ;!? | nbsp-before : | nbsp-inside «»")
BREAKABLE = re.compile(r"[ \t\n]")


@pytest.mark.parametrize("lang", LANGS)
def test_formatted_numbers_hold_no_breakable_space(lang):
    fmt = Formatter(lang)
    outputs = [fmt.number(v) for v in (0, 7, 1234, 56789, 1234567)] + [fmt.number(1234.5, 1)]
    outputs += [fmt.percent(v) for v in (0, 0.05, 0.123, 1)] + [fmt.percent(0.1234, 1)]
    outputs += [fmt.euro(v) for v in (0, 50, 1000, 82134.5)] + [fmt.euro(12.5, 2), fmt.euro_range(500, 1000)]
    outputs += [fmt.date("2019-03-26"), fmt.month("2019-11-01")]
    for text in outputs:
        assert not BREAKABLE.search(text), f"{lang}: {text!r} can break"


def test_typeset_binds_units_and_bases_in_text_only():
    page = ('<p>12 % et 5 000 € ; € 5.000 ; n = 88 / 99</p>'
            '<script type="application/json">{"a": "n = 88 / 99; 12 %"}</script><div title="n = 1 / 2">x</div>')
    out = typeset(page)
    assert "<p>12\u00a0% et 5\u202f000\u00a0€ ; €\u00a05.000 ; n\u00a0=\u00a088\u00a0/\u00a099</p>" in out
    assert "5\u202f000\u00a0€" in typeset("<td>1 000 à 5 000 € ou plus</td>")  # a label typed with plain spaces
    assert '{"a": "n = 88 / 99; 12 %"}' in out and 'title="n = 1 / 2"' in out  # scripts and attributes untouched


def test_french_punctuation_spaces():
    page = ("<p>n = 88 / 99; plusieurs réponses : oui. Réponses manquantes: 17. Vraiment? «eBay» "
            "<strong>Vendeur</strong>: x &amp; y; https://example.org/?q=1 à 10:30</p>")
    out = typeset(page, FRENCH)
    assert "99\u202f; plusieurs réponses\u00a0: oui" in out
    assert "manquantes\u00a0: 17" in out and "Vraiment\u202f?" in out and "«\u00a0eBay\u00a0»" in out
    assert "</strong>\u00a0: x" in out and "&amp; y\u202f;" in out  # after a tag; an entity is not a semicolon
    assert "https://example.org/?q=1" in out and "10:30" in out
    assert typeset(page) == typeset(page, Typography())  # Dutch and German: no space before punctuation
    assert "manquantes: 17" in typeset(page)


def test_references_and_other_languages_keep_their_punctuation():
    page = ('<html lang="fr"><p>Titre: sous-titre</p><ul class="references"><li>Hidden wholesale: The drug <i>x</i>: y</li>'
            '</ul><p>Après: oui <span lang="en">Really?</span> non?</p></html>')
    out = typeset(page, FRENCH)
    assert "Titre\u00a0: sous" in out and "Après\u00a0: oui" in out and "non\u202f?" in out
    assert "Hidden wholesale: The drug <i>x</i>: y" in out and "Really?" in out


def test_the_first_of_the_month_is_an_ordinal_where_the_language_says_so():
    french = replace(FRENCH, first_day="er", months=("janvier", "mars"))
    assert "du 1er\u00a0mars\u00a02019 au 11\u00a0mars" in typeset("<p>du 1\u00a0mars\u00a02019 au 11\u00a0mars</p>", french)
    assert "1 mars" in typeset("<p>1 mars</p>", FRENCH)  # no rule, no change


def test_an_unknown_typography_rule_is_named():
    with pytest.raises(ConfigError, match="narrow-after"):
        Typography.parse("narrow-after ;")


@pytest.mark.slow
def test_the_sample_text_never_breaks_a_number_from_its_unit():
    config, base = load_config(ROOT / "config" / "sample.yaml")
    stats = stages.compute(config, load_inputs(config, base))
    plan = plan_report(stages.TEMPLATES / "outline.yaml", stats)
    labels = {key: dict(cat.label) for key, cat in config.taxonomy.items()}
    for lang in LANGS:
        charts = make_charts(config, stats, lang, svg=False, theme=Theme(), placed=plan.charts)
        html = render_html(RenderContext(lang, "html", stats, charts, stages._meta(config, lang, stats), labels, plan=plan))
        # the reference list keeps its titles' own punctuation (English titles in the French edition)
        body = re.sub(r"<script\b.*?</script>|<style\b.*?</style>|<ul class=\"references\">.*?</ul>", "", html, flags=re.S)
        inline = re.sub(r"</?(span|strong|em|a|cite|sup|sub)\b[^>]*>", "", body)
        text = html_module.unescape(re.sub(r"<[^>]+>", "\x00", inline))  # text runs across inline markup only
        for pattern in (r"\d[ \n]+(%|€|\d{3}\b)", r"€[ \n]+\d", r"\bn[ \n]+=", r"=[ \n]+\d", r"\d[ \n]+/[ \n]+\d"):
            assert not re.search(pattern, text), f"{lang}: {re.search(pattern, text).group(0)!r}"
        if lang == "fr":
            assert not re.search(r"\w[;:!?](\s|$)", text), re.search(r".{20}\w[;:!?](\s|$)", text)
            assert not re.search(r" [;:!?»]|« ", text), re.search(r".{20}( [;:!?»]|« )", text)
