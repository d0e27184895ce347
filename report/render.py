"""The Jinja environment and `render_html(context)`: one edition, one language, HTML for screen or for print."""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

import jinja2
from babel.lists import format_list
from markupsafe import Markup, escape

from . import wording
from .errors import RenderError
from .i18n import Formatter, bracket_label, origin_name, typeset, typography_of, value_bracket_labels
from .model import Chart, Figure, Statistics, slug, under_threshold
from .outline import (Block, ranked_codes, ChartRef, Placed, Plan, Say, Table, category_differences, counts_direction, migration_events,
                      moved)
from .theme import Theme
from .outline import LeftOut
from .references import Citer, Library, Store, suggested_citation
from .resources import user_cache

Mode = Literal["html", "pdf"]

# Text from the data or the config that templates show: no control or bidirectional-override characters (the
# load stage removes them from inputs; config text can still hold them), and no unbroken run long enough to
# overflow a page or to make the PDF layout crawl (WeasyPrint sizes `overflow-wrap: anywhere` table cells
# character by character: a 10,000-character word takes minutes). Zero-width characters and emoji stay.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
LONGEST_RUN = 120
_LONG_RUN = re.compile(r"\S{%d,}" % (LONGEST_RUN + 1))
# A table cell of the print edition with a word longer than this may break it anywhere (class "wrap-anywhere");
# other cells keep their words whole. A column is then at most as narrow as its longest word of 20 characters
# (about 33 mm), and WeasyPrint does not size every cell character by character (13 % of the sample's layout).
LONGEST_WHOLE_WORD = 20
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1\s*>", re.S)
_TAG = re.compile(r"<[^>]*>")
# where a line may break inside a cell's text: spaces and hyphens (not the no-break spaces of numbers and units)
_BREAKS = re.compile("[ \t\r\n\f\u00ad\u200b\u2010-]+")
_CLASS = re.compile(r"""\sclass\s*=\s*(["'])""")
# In <script type="application/json">, `<!--` and `<script` change how the HTML parser finds the end tag:
# JSON keeps <, > and & as \u escapes, so no data can open or close anything there.
_JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def safe_text(text: str) -> str:
    """Text as the report shows it: unsafe characters left out, an overlong run cut with an ellipsis."""
    text = UNSAFE_CHARACTERS.sub("", text)
    return _LONG_RUN.sub(lambda run: run.group(0)[: LONGEST_RUN - 1] + "\u2026", text)


def wrap_long_words(page: str) -> str:
    """The print page with each table cell that holds a word of over LONGEST_WHOLE_WORD characters marked
    "wrap-anywhere" (print.css lets such a cell break the word anywhere)."""
    import html as html_module

    def marked(cell: re.Match[str]) -> str:
        text = html_module.unescape(_TAG.sub(" ", cell.group(3)))
        if max(map(len, _BREAKS.split(text)), default=0) <= LONGEST_WHOLE_WORD:
            return cell.group(0)
        name, attributes = cell.group(1), cell.group(2)
        found = _CLASS.search(attributes)
        if found:
            at = found.end()
            attributes = f"{attributes[:at]}wrap-anywhere {attributes[at:]}"
        else:
            attributes = f' class="wrap-anywhere"{attributes}'
        return f"<{name}{attributes}>{cell.group(3)}</{name}>"

    return _CELL.sub(marked, page)


def _finalize(value: Any) -> Any:
    """Every `{{ value }}` a template prints: plain text is made safe; markup built by our helpers is left alone."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return safe_text(value)
    return value


@dataclass(frozen=True)
class RenderContext:
    """Everything one edition's templates may use."""

    lang: str
    mode: Mode
    stats: Statistics
    charts: Mapping[str, Chart]
    meta: Mapping[str, Any]  # title, subtitle, authors, organisation, published, focus country, period
    category_labels: Mapping[str, Mapping[str, str]]
    plan: Plan | None = None
    theme: Theme = field(default_factory=Theme)  # the shipped templates, with the project's own folder over them
    vega_bundle: str | None = None
    css: str = ""
    used: set[str] = field(default_factory=set)  # figure ids the text inserted, for checks
    store: Store | None = None  # the build's cache: rendered reference lists are kept there


class Inserter:
    """Template functions that insert figures: every number in the text goes through here."""

    def __init__(self, context: RenderContext, fmt: Formatter, gettext: Callable[[str], str]) -> None:
        self.context, self.fmt, self.gettext = context, fmt, gettext
        self.figures = context.stats.figures

    def figure(self, figure_id: str) -> Figure:
        try:
            return self.figures[figure_id]
        except KeyError:
            raise RenderError(f"the template uses figure '{figure_id}', which was not computed") from None

    def format(self, figure: Figure, style: str | None = None, digits: int | None = None) -> str:
        value = figure.value
        if value is None:  # fig() says "not available" instead of formatting a missing value
            raise RenderError(f"figure '{figure.id}' has no value to format")
        unit = style or figure.unit
        if unit == "count":
            return self.fmt.number(value, digits or 0)
        if unit in ("share", "change"):
            share = abs(float(value))
            if digits is None:
                digits = 1 if 0 < share < 0.01 else 0
            return self.fmt.percent(share, digits)
        if unit == "eur":
            return self.fmt.euro(float(value), digits or 0)
        if unit in ("number", "years"):
            if digits is None:
                digits = 0 if float(value).is_integer() else 1
            return self.fmt.number(float(value), digits)
        if unit == "date":
            return self.fmt.date(str(value))
        if unit == "month":
            return self.fmt.month(str(value))
        return str(value)

    def fig(self, figure_id: str, style: str | None = None, digits: int | None = None, short: bool = False) -> Markup:
        """A figure as the text may state it: exact, a bound, counts instead of a percentage on a small base, or the
        word for a hidden figure (`short`: the one-word form for a table cell)."""
        figure = self.figure(figure_id)
        self.context.used.add(figure_id)
        if figure.suppressed:
            return Markup('<span class="fig fig-suppressed" data-fig="{}">{}</span>').format(
                figure_id, self.gettext("hidden") if short else self.gettext("not shown (statistical confidentiality)"))
        if figure.value is None:
            return Markup('<span class="fig fig-missing" data-fig="{}">{}</span>').format(figure_id, self.gettext("not available"))
        if figure.bound is not None and figure.bound_value is not None:
            return self._bound(figure)
        if figure.unit in ("share", "change") and style is None and self.small_base(figure_id):
            if not figure.countable:  # a share of a sum (sales value) on so few items: no percentage, and no counts
                return Markup('<span class="fig fig-small-base" data-fig="{}">{}</span>').format(
                    figure_id, self.gettext("too few") if short else self.gettext("not given (too few to give a share)"))
            return self._counts(figure)
        shown = Markup('<span class="fig" data-fig="{}">{}</span>').format(figure_id, self.format(figure, style, digits))
        if figure.unit == "share" and figure_id.startswith("survey.") and figure.base is not None \
                and figure.base < self.context.meta.get("indicative_base", 0):
            shown += Markup(' <span class="indicative">({})</span>').format(self.gettext("indicative"))
        if figure.note == "dominance":
            shown += Markup('<span class="footnote">{}</span>').format(self.gettext(
                "Two vendors account for nearly all of this value: it describes them more than the market as a whole."))
        return shown

    def _bound(self, figure: Figure) -> Markup:
        """`plus de 90 %` / `moins de 10 %`: all that may be said of a figure published as a bound."""
        assert figure.bound_value is not None
        amount = self.fmt.percent(figure.bound_value) if figure.unit == "share" else self.fmt.number(figure.bound_value)
        words = self.gettext("more than %(amount)s") if figure.bound == "above" else self.gettext("less than %(amount)s")
        return Markup('<span class="fig fig-bound fig-bound-{}" data-fig="{}">{}</span>').format(
            figure.bound, figure.id, words % {"amount": amount})

    def _counts(self, figure: Figure) -> Markup:
        """No percentage on a base under the disclosure threshold: `2 sur 3`, or for a change `de 1 à 18`."""
        assert figure.base is not None and figure.value is not None
        if figure.unit == "change":
            last = round(figure.base * (1 + float(figure.value)))
            text = self.gettext("from %(first)s to %(last)s") % {"first": self.fmt.number(figure.base),
                                                                  "last": self.fmt.number(last)}
        else:
            count = round(float(figure.value) * figure.base)
            text = self.gettext("%(count)s of %(base)s") % {"count": self.fmt.number(count), "base": self.fmt.number(figure.base)}
        return Markup('<span class="fig fig-counts" data-fig="{}">{}</span>').format(figure.id, text)

    def base(self, figure_id: str) -> Markup:
        """`n = 87 / 99`: the base of a figure over all respondents, in the edition's number format."""
        figure = self.figure(figure_id)
        total = self.figures["survey.respondents"].value
        if total is None:
            raise RenderError("the number of survey respondents was not computed")
        self.context.used.update({figure_id, "survey.respondents"})
        if self.small_base(figure_id) or self._base_hidden(figure_id):
            return Markup('<span class="base base-small">{}</span>').format(
                self.gettext("fewer respondents than the publication threshold"))
        return Markup('<span class="base" data-fig="{}">n\u00a0=\u00a0{}\u00a0/\u00a0{}</span>').format(
            figure_id, self.fmt.number(figure.base or 0), self.fmt.number(total))

    def _base_hidden(self, figure_id: str) -> bool:
        """Whether the base figure a figure is a share of (`survey.q.base` for `survey.q.2.share`) is hidden."""
        parts = figure_id.split(".")
        for end in range(len(parts) - 1, 0, -1):
            base = self.figures.get(".".join(parts[:end]) + ".base")
            if base is not None:
                return base.suppressed
        return False

    def ci(self, figure_id: str) -> Markup:
        """The 95 % interval of a share, as `[12 – 30 %]` in the edition's format."""
        figure = self.figure(figure_id)
        if not figure.public or figure.ci_low is None or figure.ci_high is None:
            return Markup("–")
        return Markup('<span class="ci" data-fig="{}">{}\u2013{}</span>').format(
            figure_id, self.fmt.percent(figure.ci_low), self.fmt.percent(figure.ci_high))

    def value(self, figure_id: str) -> Any:
        figure = self.figure(figure_id)
        return figure.value if figure.available else None

    def available(self, figure_id: str) -> bool:
        return figure_id in self.figures and self.figures[figure_id].available

    def small_base(self, figure_id: str) -> bool:
        """Whether a figure rests on a base under the disclosure threshold: no percentage of it is given."""
        threshold = self.value("disclosure.threshold") if "disclosure.threshold" in self.figures else None
        return threshold is not None and under_threshold(self.figure(figure_id).base, int(threshold))

    def direction(self, figure_id: str) -> str:
        return wording.direction(self.figure(figure_id), wording.rule_of(self.figures))

    def portion(self, figure_id: str) -> str:
        return wording.portion(self.figure(figure_id))

    def compare(self, left: str, right: str, part_of: bool = False) -> str:
        return wording.compare(self.figure(left), self.figure(right), wording.rule_of(self.figures), part_of)

    def is_zero(self, figure_id: str) -> bool:
        return wording.is_zero(self.figure(figure_id))

    def plural(self, figure_id: str, one: str, other: str, **forms: str) -> str:
        """The word that agrees with a count, by the locale's plural rules (CLDR): `one`, `other`, or a named form."""
        value = self.value(figure_id)
        if value is None:
            return other
        form = self.fmt.locale.plural_form(abs(value) if isinstance(value, (int, float)) else 0)
        return forms.get(form, one if form == "one" else other)

    def top_codes(self, qid: str) -> list[str]:
        """A question's answers (codes, options or brackets) that can be shown, largest share first."""
        return ranked_codes(self.context.stats, qid)

    def hidden_codes(self, qid: str) -> list[str]:
        """Answers whose share disclosure control hides (named, so the reader knows they exist)."""
        table = self.context.stats.survey.tables.get(qid)
        if table is None:
            return []
        return [str(key) for key, hidden, kind in zip(table.key, table.suppressed, table.kind) if hidden and kind == "answer"]


def _share_id(codebook: Any, qid: str, key: str) -> str:
    return f"survey.{qid}" + (".bracket" if codebook.questions[qid].type == "numeric" else "") + f".{key}.share"


def _answer_label(codebook: Any, qid: str, key: str, lang: str) -> str:
    question = codebook.questions[qid]
    if question.type == "numeric":
        return bracket_label(question, key, lang)
    return str(question.labels[key][lang])


class PlanRenderer:
    """Turns the plan's placed nodes into one language's HTML: prose fragments, paragraphs, lists, tables, charts."""

    def __init__(self, env: jinja2.Environment, context: RenderContext, chart: Callable[[str, int], Markup]) -> None:
        self.env, self.context, self.chart = env, context, chart
        self.numbers = reference_numbers(context.plan)
        self._modules: dict[str, list[Any]] = {}
        self.tables = env.get_template("tables.html.j2").make_module({"meta": context.meta, "stats": context.stats})

    def modules(self, prose: str) -> list[Any]:
        """The project's prose file (when it has one) before the shipped one: the first that defines a fragment wins."""
        if prose not in self._modules:
            names = ([f"project/{self.context.lang}/{prose}.html.j2"] if self.context.theme.prose else []) + \
                    [f"prose/{self.context.lang}/{prose}.html.j2"]
            modules = []
            for name in names:
                try:
                    modules.append(self.env.get_template(name).make_module({"meta": self.context.meta, "lang": self.context.lang}))
                except jinja2.TemplateNotFound:
                    continue
            if not modules:
                raise RenderError(f"no prose file '{prose}' for language '{self.context.lang}'",
                                  where=f"templates/prose/{self.context.lang}/{prose}.html.j2")
            self._modules[prose] = modules
        return self._modules[prose]

    def macro(self, prose: str, name: str) -> Any:
        for module in self.modules(prose):
            found = getattr(module, name, None)
            if found is not None:
                return found
        return None

    def say(self, say: Say) -> Markup:
        if any(self.macro(say.prose, name) is not None for name in say.skip_if_defined):
            return Markup("")
        for name in (say.name, *say.alternatives):
            macro = self.macro(say.prose, name)
            if macro is not None:
                args = {key: value for key, value in say.args.items() if key in macro.arguments}
                text = Markup(str(macro(**args)).strip("\n"))
                return self.rests_on(text, say.rests_on) if say.rests_on and text.strip() else text
        if say.optional:
            return Markup("")
        raise RenderError(f"prose fragment '{say.name}' is not defined",
                          where=f"templates/prose/{self.context.lang}/{say.prose}.html.j2")

    def rests_on(self, text: Markup, refs: tuple[str, ...]) -> Markup:
        """A fragment followed by the findings it rests on, linked: "(see 3.2 and 3.5)"; in print, with their pages."""
        gettext = self.context.theme.catalog(self.context.lang).gettext
        links = [Markup('<a class="finding-ref" href="#{}" data-page="{}">{}</a>').format(
            ref if ref not in self.numbers.findings else f"finding-{ref}", gettext("p."), self.numbers.label(ref))
            for ref in refs if self.numbers.label(ref)]
        if not links:
            return text
        listed = Markup(format_list([str(link) for link in links], locale=self.context.lang))
        note = Markup(' <span class="rests-on">({})</span>').format(Markup(gettext("see %(findings)s")) % {"findings": listed})
        # inside the paragraph or list item the fragment ends with, so the note reads as part of it
        for closing in ("</li>", "</p>"):
            if text.rstrip().endswith(closing):
                body = text.rstrip()[: -len(closing)]
                return _before_stop(Markup(body), note) + Markup(closing)
        if text.rstrip().endswith(("</ol>", "</ul>", "</div>")):  # a whole list: the note as a paragraph under it
            return text + Markup('\n<p class="rests-on">{}</p>').format(note.striptags() and Markup(str(note).strip()))
        return _before_stop(text, note)

    def render(self, node: Placed) -> Markup:
        if isinstance(node, Say):
            return self.say(node)
        if isinstance(node, ChartRef):
            return self.chart(node.id, node.number)
        if isinstance(node, Table):
            macro = getattr(self.tables, node.name, None)
            if macro is None:
                raise RenderError(f"the outline places table '{node.name}', which tables.html.j2 does not define")
            args = {key: value for key, value in node.args.items() if key in macro.arguments}
            return Markup(str(macro(number=node.number, **args)))
        parts = [self.render(child) for child in node.children]
        parts = [part for part in parts if str(part).strip()]
        if node.kind == "group":
            return Markup("").join(parts)
        if node.kind == "li":
            return Markup("<li>{}</li>").format(Markup("").join(parts))
        if node.kind == "ul":
            return Markup("<ul>\n{}\n</ul>").format(Markup("\n").join(parts)) if parts else Markup("")
        text = Markup(" ").join(parts)
        return Markup("<p>{}</p>").format(text) if text else Markup("")

    @staticmethod
    def branches(nodes: Any) -> str:
        """The fragments a heading is made of (`heading_limited heading_rising`): which branch the data chose."""
        names: list[str] = []
        for node in nodes:
            names += [node.name] if isinstance(node, Say) else PlanRenderer.branches(getattr(node, "children", ())).split()
        return " ".join(names)

    def inline(self, nodes: Any) -> Markup:
        """Nodes run together on one line (a heading made of parts)."""
        return Markup("").join(self.render(node) for node in nodes)

    def many(self, nodes: Any) -> Markup:
        return Markup("\n").join(part for part in (self.render(node) for node in nodes) if str(part).strip())


@dataclass(frozen=True)
class Numbers:
    """Section and finding numbers as the page shows them (CSS counters): section 3, its second finding 3.2."""
    sections: Mapping[str, int]
    findings: Mapping[str, str]

    def label(self, ref: str) -> str:
        return self.findings.get(ref) or (str(self.sections[ref]) if ref in self.sections else "")


def reference_numbers(plan: Plan | None) -> Numbers:
    sections: dict[str, int] = {}
    findings: dict[str, str] = {}
    for number, section in enumerate(plan.sections if plan else (), 1):
        sections[section.id] = number
        shown = [finding for finding in section.findings if not isinstance(finding, LeftOut)]
        findings.update({finding.id: f"{number}.{index}" for index, finding in enumerate(shown, 1)})
    return Numbers(sections, findings)


def _chart_markup(context: RenderContext, gettext: Callable[[str], str],
                  env: jinja2.Environment | None = None) -> Callable[..., Markup]:
    tables: list[Any] = []  # the tables module, made on first use (its macros use the globals set after this)

    def data_toggle(item: Chart) -> Markup:
        """Under an HTML chart: its data as a table, in a disclosure widget closed by default."""
        if item.table is None or env is None:
            return Markup("")
        if not tables:
            tables.append(env.get_template("tables.html.j2").make_module({"meta": context.meta, "stats": context.stats}))
        macro = getattr(tables[0], "chart_data", None)
        if macro is None:
            return Markup("")
        return Markup('<details class="chart-data-toggle"><summary>{}</summary><div class="table-block">{}</div></details>').format(
            gettext("Data of figure %(number)s") % {"number": item.number}, Markup(str(macro(item)).strip()))

    def chart(chart_id: str, number: int | None = None) -> Markup:
        try:
            item = context.charts[chart_id]
        except KeyError:
            raise RenderError(f"the template places chart '{chart_id}', which was not made") from None
        if number is not None and number != item.number:
            item = replace(item, number=number)
        note = Markup('<span class="source chart-note">{}</span>').format(safe_text(item.note)) if item.note else Markup("")
        caption = Markup('<figcaption><span class="label">{} {}.</span> {}<span class="source">{}</span>{}</figcaption>').format(
            gettext("Figure"), item.number if number is None else number, safe_text(item.title),
            safe_text(gettext("Source: %(source)s") % {"source": item.source}), note)
        if context.mode == "pdf":
            data = base64.b64encode((item.svg or "").encode("utf-8")).decode("ascii")
            body = Markup('<img class="chart" src="data:image/svg+xml;base64,{}" alt="{}">').format(data, safe_text(item.alt))
        else:
            spec = json.dumps(item.spec, ensure_ascii=True, sort_keys=True).translate(_JSON_IN_HTML)
            body = Markup('<div class="chart" id="chart-{0}" role="img" aria-label="{1}"></div>'
                          '<script type="application/json" class="vega-spec" data-target="chart-{0}">{2}</script>').format(
                chart_id, safe_text(item.alt), Markup(spec)) + data_toggle(item)
        return Markup('<figure class="chart-figure" id="fig-{}">{}{}</figure>').format(chart_id, caption, body)

    return chart


def _migrations(stats: Statistics) -> list[dict[str, str]]:
    """Each measured displacement: closed market, receiving market, and the figure-id prefixes."""
    table = stats.market.tables["migration"]
    return [{"from": row.from_market, "to": row.to_market, "event": f"migration.{slug(row.from_market)}",
             "key": f"migration.{slug(row.from_market)}.{slug(row.to_market)}"} for row in table.itertuples()]


_OPTIONS: dict[str, Any] = dict(autoescape=True, undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"],
                                trim_blocks=True, lstrip_blocks=True, finalize=_finalize)


def environment(theme: Theme, lang: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=theme.loader(), bytecode_cache=_compiled(), **_OPTIONS)
    env.install_gettext_translations(theme.catalog(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once: kept in this process (an edition renders for the screen and for print) and in a
    folder across builds, like Python's __pycache__. Jinja finds a template's code by its name and file and
    recompiles it when its source changed (a checksum of the source is stored with the code)."""

    def __init__(self, folder: Path | None) -> None:
        self._memory: dict[str, bytes] = {}
        self._files = jinja2.FileSystemBytecodeCache(str(folder)) if folder is not None else None

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        kept = self._memory.get(bucket.key)
        if kept is not None:
            bucket.bytecode_from_string(kept)
        if bucket.code is None and self._files is not None:
            self._files.load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._memory[bucket.key] = bucket.bytecode_to_string()
        if self._files is not None:
            try:
                self._files.dump_bytecode(bucket)
            except OSError:  # a full or read-only cache folder only costs the next build its compile time
                self._files = None


@functools.lru_cache(maxsize=1)
def _compiled() -> CompiledTemplates:
    """The compiled templates of this process, and their folder in the user's cache: one per Jinja version and set of
    environment options (they change the code a template compiles to)."""
    tag = hashlib.sha256(repr((jinja2.__version__, sorted((k, getattr(v, "__qualname__", v)) for k, v in _OPTIONS.items())))
                         .encode()).hexdigest()[:12]
    folder = user_cache() / f"templates-{tag}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return CompiledTemplates(None)
    return CompiledTemplates(folder)


def render_html(context: RenderContext) -> str:
    """Render one edition's HTML; `context.mode` says whether it is for the screen or for print."""
    theme = context.theme
    env = environment(theme, context.lang)
    fmt = Formatter(context.lang)
    gettext = theme.catalog(context.lang).gettext
    insert = Inserter(context, fmt, gettext)
    labels = context.category_labels
    codebook = context.stats.survey.codebook

    def quote(text: str) -> Markup:
        """Text in the language's quotation marks (a catalog entry: « » in French, „ “ in German)."""
        return Markup(gettext("\u201c%(text)s\u201d")) % {"text": _finalize(text)}

    env.globals.update(
        fig=insert.fig, ci=insert.ci, value=insert.value, available=insert.available, small_base=insert.small_base,
        base=insert.base,
        direction=insert.direction, portion=insert.portion, compare=insert.compare, is_zero=insert.is_zero,
        cat=lambda key: labels[key][context.lang] if key in labels else key,
        country=fmt.country,
        origin=lambda code: origin_name(code, fmt, gettext),
        answer=lambda q, code: codebook.questions[q].labels[str(code)][context.lang],
        question=lambda q: codebook.questions[q].text[context.lang],
        chart=_chart_markup(context, gettext, env),
        plural=insert.plural, top_codes=insert.top_codes, hidden_codes=insert.hidden_codes,
        share_id=lambda q, key: _share_id(codebook, q, key),
        answer_label=lambda q, key: _answer_label(codebook, q, str(key), context.lang),
        quote=quote,
        top_answers=lambda q, k: [Markup("{} ({})").format(quote(_answer_label(codebook, q, key, context.lang)),
                                                           insert.fig(_share_id(codebook, q, key)))
                                  for key in insert.top_codes(q)[:k]],
        hidden_answers=lambda q: [quote(_answer_label(codebook, q, key, context.lang)) for key in insert.hidden_codes(q)],
        numeric_style=lambda q: "eur" if (codebook.questions[q].unit or "").upper() == "EUR" else "number",
        finding_title=lambda fid: next((dict(f.title).get(context.lang, "") for f in getattr(codebook, "findings", ()) or ()
                                        if f.id == fid), ""),
        and_list=lambda items: Markup(format_list([str(escape(_finalize(item))) for item in items], locale=fmt.locale)),
        or_list=lambda items: Markup(format_list([str(escape(_finalize(item))) for item in items], style="or",
                                                 locale=fmt.locale)),
        moved=lambda: moved(context.stats), migration_events=lambda: migration_events(context.stats),
        focus=context.meta.get("focus_name", ""),
        # the focus country as the catalog's %(from_country)s: the language's from_country macro writes it
        focus_from=theme.from_country(context.lang, fmt.country(str(context.meta.get("focus_country", "")))),
        top_origins=lambda k: [Markup("{} ({})").format(origin_name(str(code), fmt, gettext), insert.fig(f"origins.all.{code}.share", digits=1))
                               for code in context.stats.market.tables["origin_shares"].origin.head(k)
                               if insert.available(f"origins.all.{code}.share")],
        excluded=lambda: [Markup("{} ({})").format(fmt.country(str(insert.value(f"shipping.excluded.rank{rank}"))),
                                                   insert.fig(f"shipping.excluded.rank{rank}.count"))
                          for rank in (1, 2, 3) if insert.available(f"shipping.excluded.rank{rank}")],
        month=fmt.month, date=fmt.date,
        bracket_label=lambda q, key: bracket_label(codebook.questions[q], str(key), context.lang),
        migrations=lambda: _migrations(context.stats),
        value_brackets=lambda: value_bracket_labels(fmt, gettext),
        market_slug=slug,
        counts_direction=lambda first, last: counts_direction(context.stats, first, last),
        differences=lambda group, overall, kind=None: category_differences(context.stats, group, overall, kind),
    )
    env.filters.update(upper_first=upper_first, gettext=gettext, cssstring=escape_css_string, slug=slug, num=fmt.number, pct=fmt.percent, eur=fmt.euro, date=fmt.date, month=fmt.month)
    try:
        template = env.get_template("layout.html.j2")
        plan = PlanRenderer(env, context, env.globals["chart"])  # type: ignore[arg-type]
        # A fragment may call another by name, the project's own first: a hook a project can fill in.
        env.globals["fragment"] = lambda file, name, **args: plan.say(Say(file, name, args, optional=True))
        citer = _publication_globals(env, context)
        page = template.render(ctx=context, theme=theme, meta=context.meta, lang=context.lang, mode=context.mode,
                               stats=context.stats, fmt=fmt, plan=context.plan, placed=plan.many, inline=plan.inline,
                               branches=plan.branches)
        page = citer.finish(page)
        if context.mode == "html":
            page = number_footnotes(page, NoteLabels(gettext("Notes"), gettext("Note %(number)s"),
                                                     gettext("Back to the text (note %(number)s)")))
        page = typeset(page, typography_of(env, context.lang))
        return page if context.mode == "html" else wrap_long_words(page)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template not found: {exc.name}", where=_template_where(exc) or str(theme.shipped)) from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template error: {exc.message}", where=_template_where(exc) or str(theme.shipped)) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template syntax error: {exc.message}", where=f"{exc.filename}:{exc.lineno}") from None
    except RenderError as exc:
        if exc.where is None:
            exc.where = _template_where(exc)
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        where = _template_where(exc)
        if where is None:
            raise  # not from a template: a bug, with its traceback
        raise RenderError(f"template error: {type(exc).__name__}: {exc}", where=where) from None


def _publication_globals(env: jinja2.Environment, context: RenderContext) -> Citer:
    """cite(), references() and suggested_citation() for the templates: one Citer per rendered page."""
    library = context.meta.get("library") or Library()
    citer = Citer(library, context.lang, context.store)
    meta = context.meta

    def citation() -> Markup:
        return suggested_citation(library, context.lang, authors=meta.get("authors", ()), title=meta.get("title", ""),
                                  subtitle=meta.get("subtitle", ""), organisation=meta.get("organisation", ""),
                                  published=meta["published_date"], edition=meta.get("edition", ""), url=meta.get("url"))

    env.globals.update(cite=citer.cite, references=citer.references, suggested_citation=citation)
    return citer


def _template_where(exc: BaseException) -> str | None:
    """`file:line` of the innermost template frame the error passed through (Jinja maps frames to template lines)."""
    where = None
    trace = exc.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html")):
            where = f"{filename}:{trace.tb_lineno}"
        trace = trace.tb_next
    return where


@dataclass(frozen=True)
class NoteLabels:
    """The words of numbered notes in one language (catalog entries)."""

    title: str  # the heading of a notes list: "Notes"
    call: str  # the accessible name of a note call: "Note %(number)s"
    back: str  # the accessible name of the link back to the call: "Back to the text (note %(number)s)"


# Tags and what the HTML parser treats as opaque (scripts, styles, comments): a footnote is found by its tags only.
_TOKENS = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->"
                     r"|<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\"[^\"]*\"|'[^']*'|[^>\"'])*)>", re.S | re.I)
_FOOTNOTE = re.compile(r"""\sclass\s*=\s*(?:"[^"]*\bfootnote\b[^"]*"|'[^']*\bfootnote\b[^']*')""", re.I)
_SPACE_BEFORE_STOP = re.compile(r"\s+(?=[.,;:!?)\]\u2026])")


@dataclass
class _Notes:
    """Numbered notes collected while the page is read: the text of each, waiting for the end of its section."""

    labels: NoteLabels
    count: int = 0
    pending: list[tuple[int, str]] = field(default_factory=list)

    def call(self, text: str) -> str:
        self.count += 1
        self.pending.append((self.count, text))
        name = escape(self.labels.call % {"number": self.count})
        return (f'<sup class="note-call"><a href="#note-{self.count}" id="note-ref-{self.count}" '
                f'aria-label="{name}">{self.count}</a></sup>')

    def flush(self) -> str:
        """The notes list of the notes read since the last one (empty when there are none)."""
        if not self.pending:
            return ""
        first = self.pending[0][0]
        items = "".join(
            f'<li id="note-{number}">{text} <a class="note-back" href="#note-ref-{number}" '
            f'aria-label="{escape(self.labels.back % {"number": number})}">\u21a9\ufe0e</a></li>\n'
            for number, text in self.pending)
        self.pending = []
        return (f'<div class="notes"><h3 class="notes-title" id="notes-{first}">{escape(self.labels.title)}</h3>\n'
                f'<ol class="notes-list" start="{first}">\n{items}</ol></div>\n')


def number_footnotes(page: str, labels: NoteLabels) -> str:
    """The page's inline footnotes (`<span class="footnote">...</span>`, the PDF floats them) as numbered notes for
    the screen: a superscript link at the call, the note's text in a list at the end of its top-level section (or
    of the page), with a link back. The call sticks to the word before it, and no space is left before punctuation
    after it. Markup inside a note (figures, emphasis, nested spans) is kept as it is."""
    notes = _Notes(labels)
    out: list[str] = []
    cursor = 0  # the page up to here is in `out`
    sections = 0  # depth of open <section> elements
    inside: tuple[int, int] | None = None  # in a footnote: where its text starts, and the depth of open spans
    for token in _TOKENS.finditer(page):
        closing, name = token.group(1), (token.group(2) or "").lower()
        if not name:
            continue  # script, style or comment
        if inside is not None:
            start, depth = inside
            if name == "span" and not token.group(3).rstrip().endswith("/"):
                depth += 1 if not closing else -1
            if depth:
                inside = (start, depth)
                continue
            out.append(notes.call(page[start:token.start()].strip()))
            inside, cursor = None, token.end()
            space = _SPACE_BEFORE_STOP.match(page, cursor)
            cursor = space.end() if space else cursor
        elif name == "span" and not closing and _FOOTNOTE.search(token.group(3)):
            out.append(page[cursor:token.start()].rstrip())
            inside, cursor = (token.end(), 1), token.end()
        elif name == "section":
            sections += -1 if closing else 1
            if closing and sections == 0 and notes.pending:
                out += [page[cursor:token.start()], notes.flush()]
                cursor = token.start()
        elif name == "body" and closing and notes.pending:
            out += [page[cursor:token.start()], notes.flush()]
            cursor = token.start()
    if inside is not None:
        raise RenderError("a footnote (<span class=\"footnote\">) is not closed")
    out.append(page[cursor:])
    return "".join(out) + notes.flush()


def _before_stop(text: Markup, note: Markup) -> Markup:
    """The note inside the sentence: "… entre elles (voir 4.1)." rather than after its full stop."""
    body = text.rstrip()
    if body.endswith(".") and not body.endswith(".."):
        return Markup(body[:-1]) + note + Markup(".")
    return Markup(body) + note


def upper_first(value: Any) -> Markup:
    """A sentence that starts with an inserted figure: its first letter upper-case, whatever markup comes before it
    ("plus de 90 %" -> "Plus de 90 %"; digits stay as they are)."""
    text = str(value if isinstance(value, Markup) else escape(_finalize(value)))
    found = re.search(r"(?:^|>)((?:[^<\w&]|&[#\w]+;)*)(\w)", text)  # entities (&nbsp;) are no letters
    if found is None or not found.group(2).isalpha():
        return Markup(text)
    return Markup(text[:found.start(2)] + found.group(2).upper() + text[found.end(2):])


def escape_css_string(text: str) -> str:
    """Text placed inside a CSS string (running header, page labels): all but letters, digits and ` .,-:` as
    CSS escapes, so nothing can end the string or the <style> element (no HTML escaping: <style> shows it as is)."""
    # An escape is ended by a space, which the CSS parser then consumes: without it, a real space after an escaped
    # character (`« généré »`) would vanish from the running header.
    return "".join(ch if ch.isalnum() or ch in " .,-:" else f"\\{ord(ch):06x} " for ch in safe_text(str(text)))
