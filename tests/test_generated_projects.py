"""Generative test: random small projects of every shape build in every language and read as sentences.

Each example is a project written by tests/generated_projects.py (1-4 markets, 1-10 categories, 1-20 crawls,
feedback with or without ids / cumulative counters / no sales, multi-origin vendors or none, market events or none,
a survey with a random codebook or none). The build must not raise; each edition's text must show no `None`, `nan`,
template syntax or "not available" inside a sentence; every edition uses the same figure ids. Slow (about a minute):
deselect with `pytest -m 'not slow'`.

Exploring failures by hand: `python -m tests.test_generated_projects --explore 60` builds 60 projects, groups the
failures by error and prints the smallest shape of each.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings

from report.build import build
from tests.generated_projects import ProjectSpec, expected_figures, projects, write_project

# The editions every generated project is built in (the generator writes fr, nl and de labels).
LANGUAGES: tuple[str, ...] = ("fr", "nl", "de")
NOT_AVAILABLE = {"fr": "non disponible", "nl": "niet beschikbaar", "de": "nicht verfügbar"}
# Whole words a formatted figure never prints as; template syntax that escaped rendering.
LEAKS = (re.compile(r"\bNone\b"), re.compile(r"\bnan\b"), re.compile(r"\bNaN\b"), re.compile(r"\binf\b"),
         re.compile(r"\{\{"), re.compile(r"\}\}"), re.compile(r"\{%"), re.compile(r"\bUndefined\b"))
# French takes the singular after 0 and 1 (CLDR "one"): "1 jours", "0 ventes" are errors; words ending in s or x
# in the singular are not, nor the denominator of a count on a small base ("1/1 des vendeurs").
FRENCH_SINGULAR = re.compile(r"(?<![\d,./\u00a0\u202f])([01])[ \u00a0\u202f]([a-zàâçéèêëîïôûùüÿœæ]+[sx])\b")
FRENCH_INVARIANT = {"fois", "pays", "mois", "prix", "cas", "temps", "avis", "choix", "poids", "sens", "cours", "corps",
                    "repas", "taux", "colis", "accès", "succès", "procès", "progrès", "recours", "discours", "os", "bras",
                    "jus", "tas", "mas", "gros", "dos", "lieux", "voix", "croix", "paix", "noix", "héros", "refus", "abus",
                    # determiners: "1 sur 2 des annonces" counts out of a plural
                    "des", "les", "ces", "ses", "aux", "leurs", "nos", "vos"}
# French elides "de" and "que" before a vowel: "de octobre" is an error (month names are the words the text puts there).
FRENCH_ELISION = re.compile(r"\b(de|que|le|la) (avril|août|octobre)\b", re.IGNORECASE)
SKIPPED = {"script", "style", "svg", "head", "template"}
BLOCKS = {"p", "li", "td", "th", "dd", "dt", "figcaption", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
          "div", "section", "article", "header", "footer", "aside", "nav", "main", "figure", "table", "ul", "ol", "body"}
VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr", "col", "area", "base", "embed", "param", "track"}

# Deterministic unless asked otherwise (GENERATED_RANDOM=1 draws new examples). No shrinking: one build takes
# seconds; a failing example's shape is printed (note) instead.
DERANDOMIZE = os.environ.get("GENERATED_RANDOM") != "1"
COMMON = dict(deadline=None, derandomize=DERANDOMIZE, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=True)


class _Blocks(HTMLParser):
    """Text of each innermost block element (paragraph, list item, cell, heading), outside scripts and charts;
    and the data-fig ids of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, list[str]]] = []
        self.skipping = 0
        self.sups: list[bool] = []
        self.blocks: list[tuple[str, str]] = []
        self.fig_ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("data-fig"):
            self.fig_ids.add(str(attributes["data-fig"]))
        if tag in VOID:
            return
        if tag == "sup":  # a note's call number ("ventes¹") is no count of the sentence
            self.sups.append("note-call" in str(attributes.get("class") or "").split())
            self.skipping += self.sups[-1]
        if tag in SKIPPED:
            self.skipping += 1
        if tag in BLOCKS:
            self.stack.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "sup" and self.sups:
            self.skipping -= self.sups.pop()
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1
        if tag in BLOCKS:
            while self.stack:  # close up to the matching block (tolerates unclosed <p>, <li>)
                name, parts = self.stack.pop()
                text = " ".join("".join(parts).split())
                if text:
                    self.blocks.append((name, text))
                if name == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping and self.stack:
            self.stack[-1][1].append(data)


def page_blocks(html: str) -> tuple[list[tuple[str, str]], set[str]]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    while parser.stack:
        parser.handle_endtag(parser.stack[-1][0])
    return parser.blocks, parser.fig_ids


def text_problems(html: str, lang: str) -> tuple[list[str], set[str]]:
    """What a reader should never see in one edition's HTML, and the figure ids it uses."""
    blocks, fig_ids = page_blocks(html)
    problems = []
    phrase = NOT_AVAILABLE[lang]
    for tag, text in blocks:
        for leak in LEAKS:
            found = leak.search(text)
            if found:
                problems.append(f"{lang}: {found.group(0)!r} in <{tag}>: {_around(text, found.start())}")
        if lang == "fr":
            for found in FRENCH_SINGULAR.finditer(text):
                if found.group(2).casefold() not in FRENCH_INVARIANT:
                    problems.append(f"{lang}: plural after {found.group(1)} in <{tag}>: {_around(text, found.start())}")
            for found in FRENCH_ELISION.finditer(text):
                problems.append(f"{lang}: no elision in '{found.group(0)}' in <{tag}>: {_around(text, found.start())}")
        at = text.casefold().find(phrase)
        if at >= 0 and re.search(r"\w", text.casefold().replace(phrase, "")):
            problems.append(f"{lang}: {phrase!r} inside a sentence <{tag}>: {_around(text, at)}")
    return problems, fig_ids


def _around(text: str, at: int, width: int = 70) -> str:
    return "…" + text[max(0, at - width):at + width] + "…"


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} in figures.json")


def build_and_check(spec: ProjectSpec, root: Path, formats: list[str],
                    languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """Write the project, build it (raises on a build error) and return what its text gets wrong."""
    config = write_project(spec, root / "project", languages)
    result = build(config, formats=formats, out=root / "out", internal=root / "internal.json")
    internal = {record["id"]: record for record in
                json.loads((root / "internal.json").read_text(encoding="utf-8"))["figures"]}
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    for lang in languages:
        html = (result.folder / lang / "report.html").read_text(encoding="utf-8")
        found, ids[lang] = text_problems(html, lang)
        problems += found
        problems += [f"{lang}: {problem}" for problem in small_base_percentages(html, internal)]
        if "pdf" in formats:
            pdf = result.folder / lang / "report.pdf"
            if not pdf.is_file() or pdf.stat().st_size < 1000:
                problems.append(f"{lang}: no PDF")
    first = languages[0]
    for lang in languages[1:]:
        if ids[lang] != ids[first]:
            problems.append(f"figure ids differ: only in {first}: {sorted(ids[first] - ids[lang])[:8]}; "
                            f"only in {lang}: {sorted(ids[lang] - ids[first])[:8]}")
    try:
        records = json.loads((result.folder / "figures.json").read_text(encoding="utf-8"), parse_constant=_no_constants)
    except ValueError as exc:
        return [*problems, str(exc)]
    figures = {record["id"]: record.get("value") for record in records["figures"]}
    figures |= {f"{record['id']}#base": record["base"] for record in records["figures"] if record.get("base") is not None}
    html = (result.folder / languages[0] / "report.html").read_text(encoding="utf-8")
    problems += heading_contradictions(html, figures)
    problems += repeated_totals(html)
    problems += invalid_charts(html)
    for figure_id, value in expected_figures(spec).items():
        if figures.get(figure_id, "absent") != value:
            problems.append(f"figure {figure_id} = {figures.get(figure_id, 'absent')!r}, the data say {value!r}")
    return problems


def small_base_percentages(html: str, internal: dict[str, dict]) -> list[str]:
    """Percentages printed for a share whose base is under the disclosure threshold (the text owes counts there)."""
    threshold = internal["disclosure.threshold"]["value"]
    problems = []
    for figure_id, text in re.findall(r'<span class="fig[^"]*" data-fig="([^"]+)">([^<]*)</span>', html):
        record = internal.get(figure_id, {})
        base = record.get("base")
        if record.get("unit") == "share" and base and 0 < base < threshold and "%" in text:
            problems.append(f"{figure_id} printed as {text!r} on a base of {base}")
    return problems


def _cells(row: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def repeated_totals(html: str) -> list[str]:
    """Tables whose total row only repeats their one row (e.g. "all markets" under the only market)."""
    problems = []
    for table in re.findall(r"<table\b.*?</table>", html, re.S):
        body, foot = re.search(r"<tbody>(.*?)</tbody>", table, re.S), re.search(r"<tfoot>(.*?)</tfoot>", table, re.S)
        rows = re.findall(r"<tr\b.*?</tr>", body.group(1), re.S) if body else []
        if len(rows) != 1 or foot is None:
            continue
        only = _cells(rows[0])
        if only and any(_cells(total) == only for total in re.findall(r"<tr\b.*?</tr>", foot.group(1), re.S)):
            caption = re.search(r"<caption>(.*?)</caption>", table, re.S)
            problems.append(f"a total row repeats the only row of table "
                            f"'{' '.join(re.sub(r'<[^>]+>', ' ', caption.group(1)).split())[:80] if caption else '?'}'")
    return problems


def invalid_charts(html: str) -> list[str]:
    """The charts whose Vega-Lite spec the schema refuses (the build itself does not check them)."""
    import jsonschema

    from report.charts import valid_spec

    problems = []
    for target, spec in re.findall(r'<script type="application/json" class="vega-spec" data-target="([^"]+)">(.*?)</script>',
                                   html, re.S):
        try:
            valid_spec(json.loads(spec))
        except jsonschema.ValidationError as exc:
            problems.append(f"{target}: not valid Vega-Lite: {exc.message[:200]}")
    return problems


# What each data-chosen heading claims, checked against figures.json (not against the outline's own conditions):
# the heading's fragment name -> a test on the figures that must hold when it is chosen.
STABLE = 0.05
def _trend(f: dict) -> str:
    """The trend by the rule the build states in its figures: a change beyond the band and significant at the level
    (report/wording.py), computed here from figures.json's change and its base (the first count)."""
    from report import wording
    from report.model import Figure

    change = f.get("vendors.focus.change")
    if change is None:
        return "unknown"
    rule = wording.Rule(level=f.get("comparisons.level") or wording.LEVEL, band=f.get("comparisons.stable_band") or STABLE)
    return wording.direction(Figure("vendors.focus.change", change, "share", base=f.get("vendors.focus.change#base")), rule)


HEADING_CLAIMS: dict[str, Callable[[dict], bool]] = {
    "heading_rising": lambda f: _trend(f) == "up",
    "heading_falling": lambda f: _trend(f) == "down",
    # the public file leaves out a base under 10: the test on it cannot be redone, and few counts read as stable
    "heading_stable": lambda f: _trend(f) == "stable" or (f.get("vendors.focus.change") is not None
                                                          and f.get("vendors.focus.change#base") is None),
    "heading_limited": lambda f: (f.get("vendors.focus_share") or 0) < 0.1,
    "heading_marked": lambda f: (f.get("vendors.focus_share") or 0) >= 0.1,
    "shipping_heading_restricted": lambda f: (f.get("shipping.restricted.count") or 0) > 0
                                              and (f.get("shipping.abroad.share") or 0) > 0.5,
    "shipping_heading_abroad": lambda f: f.get("shipping.restricted.count") == 0 and (f.get("shipping.abroad.share") or 0) > 0.5,
    "shipping_heading_domestic": lambda f: (f.get("shipping.abroad.share") or 0) <= 0.5,
    "origins_heading_none": lambda f: f.get("origins.multi.count") == 0,
    "origins_heading_multi": lambda f: (f.get("origins.multi.count") or 0) > 0,
    "origins_heading_partner": lambda f: (f.get("origins.multi.partner.share") or 0) > 0.5,
    "wholesale_heading_retail_only": lambda f: f.get("transactions.wholesale.count") == 0
                                                and (f.get("transactions.share_below_retail") or 0) > 0.5,
    "wholesale_heading_mostly_retail": lambda f: (f.get("transactions.share_below_retail") or 0) > 0.5,
    "wholesale_heading_mixed": lambda f: (f.get("transactions.share_below_retail") or 0) <= 0.5,
    "migration_heading_moved": lambda f: any(v for k, v in f.items() if k.startswith("migration.") and k.endswith(".count")
                                             and k.count(".") == 3 and isinstance(v, int)),
}


def heading_contradictions(html: str, figures: dict) -> list[str]:
    """Each data-chosen heading (its fragments in data-branch) against what figures.json says."""
    problems = []
    for branch in re.findall(r'<h3 data-branch="([^"]*)"', html):
        for name in branch.split():
            claim = HEADING_CLAIMS.get(name)
            if claim is not None and not claim(figures):
                problems.append(f"heading '{name}' contradicts the figures")
    return problems


def _run(spec: ProjectSpec, formats: list[str]) -> None:
    note(spec.describe())
    with tempfile.TemporaryDirectory(prefix="generated-") as tmp:
        problems = build_and_check(spec, Path(tmp), formats)
    assert not problems, f"{spec.describe()}\n" + "\n".join(problems[:20])


@pytest.mark.slow
@settings(max_examples=10, **COMMON)
@given(spec=projects())
def test_generated_projects_build_html_in_every_language(spec: ProjectSpec) -> None:
    _run(spec, ["html"])


@pytest.mark.slow
@settings(max_examples=2, **COMMON)
@given(spec=projects())
def test_generated_projects_build_pdf(spec: ProjectSpec) -> None:
    _run(spec, ["html", "pdf"])


def test_text_checker_finds_what_it_looks_for() -> None:
    """The checks above can fail: leaks and a "not available" inside a sentence are found, a bare cell is not."""
    html = ("<html><head><title>None</title></head><body><p>Il y a <span data-fig='a'>non disponible</span> vendeurs.</p>"
            "<p>Une collecte tous les 1 jours, 1 fois par mois, 1,5 grammes, 0 vente, d'avril à août.</p><li>Collecte de octobre</li>"
            "<table><tr><td>non disponible</td><td>nan</td></tr></table><p>{{ x }}</p>"
            "<script>var None = NaN;</script><svg><text>None</text></svg></body></html>")
    problems, ids = text_problems(html, "fr")
    assert ids == {"a"}
    assert any("inside a sentence <p>" in p for p in problems)
    assert any("'nan' in <td>" in p for p in problems)
    assert any("'{{' in <p>" in p for p in problems)
    assert not any("<td>: …non disponible" in p for p in problems)
    assert any("plural after 1 in <p>: …Une collecte tous les 1 jours" in p for p in problems)
    assert any("no elision in 'de octobre' in <li>" in p for p in problems)
    assert len(problems) == 6, problems  # '{{', '}}', 'nan', the sentence, '1 jours', 'de octobre'; not head, script, svg


def test_small_base_checker_finds_a_percentage_on_a_small_base() -> None:
    internal = {"disclosure.threshold": {"value": 10}, "a": {"unit": "share", "base": 7}, "b": {"unit": "share", "base": 12}}
    html = ('<p><span class="fig" data-fig="a">85,7 %</span> <span class="fig fig-counts" data-fig="a">6 sur 7</span> '
            '<span class="fig" data-fig="b">50 %</span></p>')
    assert small_base_percentages(html, internal) == ["a printed as '85,7 %' on a base of 7"]


def test_total_checker_finds_a_total_row_that_repeats_the_only_row() -> None:
    one = ("<table class='data'><caption>Table 1. By market</caption><tbody><tr><th>Alpha</th><td>19</td><td>10,5 %</td></tr>"
           "</tbody><tfoot><tr><th>All markets</th><td>19</td><td>10,5 %</td></tr></tfoot></table>")
    assert repeated_totals(one) == ["a total row repeats the only row of table 'Table 1. By market'"]
    two = one.replace("</tbody>", "<tr><th>Beta</th><td>3</td><td>1,0 %</td></tr></tbody>")
    assert repeated_totals(two) == []
    assert repeated_totals(one.replace("<tfoot><tr><th>All markets</th><td>19</td>", "<tfoot><tr><th>Other</th><td>2</td>")) == []


def test_heading_checker_finds_a_heading_its_figures_contradict() -> None:
    rising = '<h3 data-branch="heading_limited heading_rising">x</h3>'
    assert heading_contradictions(rising, {"vendors.focus.change": 1.5, "vendors.focus.change#base": 20, "vendors.focus_share": 0.05}) == []
    assert heading_contradictions(rising, {"vendors.focus.change": 0.01, "vendors.focus.change#base": 20, "vendors.focus_share": 0.05}) == [
        "heading 'heading_rising' contradicts the figures"]
    assert heading_contradictions('<h3 data-branch="origins_heading_multi">x</h3>', {"origins.multi.count": 0}) == [
        "heading 'origins_heading_multi' contradicts the figures"]


# ---------------------------------------------------------------- exploring failures by hand

def signatures(exc: BaseException) -> list[str]:
    """An error's kind and the report/ line it came from (from a worker's traceback too), without drawn names or
    paths; a config error listing several keys gives one signature per key."""
    text = "".join(traceback.format_exception(exc))
    frames = re.findall(r'File "[^"]*/(report/[^"]+)", line (\d+), in (\w+)', text)
    where = f"{frames[-1][0]}:{frames[-1][1]} in {frames[-1][2]}" if frames else "?"
    lines = [line for line in str(exc).splitlines() if line.strip() and not line.startswith(" ")] or [""]
    found = []
    for line in lines:
        line = re.sub(r"/\S*/generated-[^/]+/\S*?(:\d+)*:? ", "", line)  # the generated file's path and line
        line = re.sub(r"'([^']*)'", lambda m: m.group(0) if re.fullmatch(r"[\w.\[\]]+", m.group(1)) else "'…'", line)
        found.append(f"{type(exc).__name__} at {where}: {line[:200]}")
    return found


def problem_signature(problem: str) -> str:
    return re.sub(r"^(\w\w): ", "", problem).split(":")[0][:120]


def accepted_by_the_old_schema(spec: ProjectSpec) -> bool:
    """Shapes the config schema took before optional inputs (events and survey given, a sales source, no
    compare_country): explores what comes after the config while optional inputs are being added."""
    return (spec.events != "absent" and spec.survey is not None and spec.sales != "none"
            and spec.compare_country is None)


def explore(examples: int, old_schema: bool = False) -> dict[str, tuple[ProjectSpec, list[str]]]:
    """Build `examples` projects; return each distinct failure with its smallest shape and a few of its texts."""
    found: dict[str, tuple[ProjectSpec, list[str]]] = {}

    def record(key: str, spec: ProjectSpec, detail: str) -> None:
        smallest, details = found.get(key, (spec, []))
        if detail not in details and len(details) < 4:
            details.append(detail)
        found[key] = (spec if spec.size() < smallest.size() else smallest, details)

    @settings(max_examples=examples, **COMMON)
    @given(spec=projects().filter(accepted_by_the_old_schema) if old_schema else projects())
    def run(spec: ProjectSpec) -> None:
        for languages in [LANGUAGES, *[(lang,) for lang in LANGUAGES]]:
            tag = "" if languages == LANGUAGES else f"[{languages[0]} alone] "
            with tempfile.TemporaryDirectory(prefix="generated-") as tmp:
                try:
                    problems = build_and_check(spec, Path(tmp), ["html"], languages)
                except Exception as exc:  # noqa: BLE001 - every failure is recorded
                    detail = "".join(traceback.format_exception_only(exc)).strip()[:600]
                    for key in signatures(exc):
                        record(tag + key, spec, detail)
                    continue
            for problem in problems:
                record(tag + problem_signature(problem), spec, problem[:400])
            if languages == LANGUAGES:
                return  # every edition built: no need to build them one by one

    run()
    keep = Path(os.environ.get("GENERATED_KEEP", tempfile.gettempdir())) / "generated-failures"
    for index, (key, (spec, details)) in enumerate(sorted(found.items())):
        folder = keep / f"{index:02d}"
        shutil.rmtree(folder, ignore_errors=True)
        write_project(spec, folder, LANGUAGES)
        print(f"\n## {key}\n- smallest shape: {spec.describe()}\n- project: {folder}/config/config.yaml", file=sys.stderr)
        for detail in details:
            print(f"- {detail}", file=sys.stderr)
    return found


if __name__ == "__main__":
    count = int(sys.argv[sys.argv.index("--explore") + 1]) if "--explore" in sys.argv else 30
    explore(count, old_schema="--old-schema" in sys.argv)
