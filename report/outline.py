"""The report's outline, shared by every language, resolved against the figures into a plan.

`templates/outline.yaml` says which sections and findings the report has, in which order, what each needs from
the data, which prose fragments, tables and charts each places, and under which conditions. `plan()` decides all
of that once, from the statistics alone, so every language edition says the same thing: the languages only turn
the plan's prose fragments into sentences (`templates/prose/<lang>/<section>.html.j2`). Tables and charts are
numbered here, in the order they are placed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Literal, Mapping, Sequence, Union

import jinja2
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import wording
from .errors import RenderError
from .model import Statistics, slug, too_few
from .yamlsource import read_yaml

N_ = lambda message: message  # noqa: E731 - marks strings for extraction into the catalogs


# ---------------------------------------------------------------------------------------------------------------
# What a finding can need from the data, and why it is left out when the data lack it (catalog messages).

def _value(stats: Statistics, figure_id: str) -> Any:
    figure = stats.figures.get(figure_id)
    return figure.value if figure is not None and figure.available else None


def _at_least(figure_id: str, minimum: float) -> Callable[[Statistics], bool]:
    return lambda stats: (_value(stats, figure_id) or 0) >= minimum


def _sales(stats: Statistics) -> bool:
    return _value(stats, "sales.source") not in (None, "none") and _value(stats, "transactions.all.count") is not None


def _migrations(stats: Statistics) -> bool:
    table = stats.market.tables.get("migration")
    return table is not None and len(table) > 0


NEEDS: Mapping[str, tuple[Callable[[Statistics], bool], str]] = {
    "two_markets": (_at_least("markets.count", 2), N_("only one market was crawled")),
    "two_months": (_at_least("months.count", 2), N_("the crawls cover less than two months")),
    "trend": (lambda stats: _value(stats, "vendors.focus.change") is not None,
              N_("no two months were crawled with the same coverage (same markets and categories)")),
    "ships_from": (lambda stats: (_value(stats, "ships_from.declared.share") or 0) > 0,
                   N_("the scrape does not record the country vendors ship from")),
    "focus_vendors": (_at_least("vendors.focus", 1), N_("no vendor declared shipping from the country of this report")),
    "two_categories": (_at_least("categories.count", 2), N_("the listings fall into fewer than two drug categories")),
    "shipping_declared": (_at_least("shipping.declared.count", 1),
                          N_("none of these vendors declared where they ship to")),
    "multi_origin": (_at_least("origins.multi.count", 1), N_("none of these vendors declared a second country of dispatch")),
    "sales": (_sales, N_("the scrape has no sales source (no buyer feedback and no sales counters)")),
    "focus_sales": (_at_least("transactions.count", 1), N_("no sale of these vendors could be priced")),
    "events": (_at_least("events.count", 1), N_("no market closed, was seized or ended in an exit scam during the period")),
    "migration": (_migrations, N_("no other market was crawled after the closure, seizure or exit scam")),
    "survey": (lambda stats: _value(stats, "survey.respondents") is not None, N_("no survey was part of this edition")),
}


# ---------------------------------------------------------------------------------------------------------------
# The outline file's schema.

class _Schema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _known_need(need: str) -> str:
    if need not in NEEDS:
        raise ValueError(f"unknown need '{need}' (known: {', '.join(NEEDS)})")
    return need


Need = Annotated[str, AfterValidator(_known_need)]  # a key of NEEDS, checked wherever the outline names one


class Node(_Schema):
    """One placed element: a prose fragment (`say`), a paragraph or list of nodes, a choice, a table or a chart."""

    say: str | None = None
    p: list[Node] | None = None
    ul: list[Node] | None = None
    group: list[Node] | None = None  # nodes run together, no wrapper (one list item, one sentence made of parts)
    choose: list[Node] | None = None
    table: str | None = None
    chart: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    when: str | None = None
    needs: list[Need] = Field(default_factory=list)
    each: str | None = None  # "markets as m": repeat for each item, binding a name the fragment receives
    # The findings (or sections) a fragment rests on: it names and links them ("see 3.2"), and is left out when none
    # of them is shown in this edition (a key message about a finding the data cannot support, a recommendation
    # whose evidence is missing). Ids of findings of the outline, `survey-<codebook finding>`, or section ids.
    rests_on: list[str] = Field(default_factory=list)
    optional: bool = False  # a fragment that no prose file need define (a hook for a project's own text)
    max: int | None = Field(default=None, ge=1)  # a list keeps at most this many items (after rests_on is resolved)

    @model_validator(mode="after")
    def _one_kind(self) -> Node:
        kinds = [k for k in ("say", "p", "ul", "group", "choose", "table", "chart") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a node is exactly one of say, p, ul, group, choose, table, chart (got {', '.join(kinds) or 'none'})")
        return self


class FindingSpec(_Schema):
    id: str
    topic: str  # what the finding measures, as a catalog message: used when it is left out
    needs: list[Need] = Field(default_factory=list)
    when: str | None = None  # an alternative finding: said only when this holds, silently omitted otherwise
    heading: list[Node]
    body: list[Node]


class SectionSpec(_Schema):
    id: str
    title: str
    prose: str
    needs: list[Need] = Field(default_factory=list)
    body: list[Node] = Field(default_factory=list)
    findings: list[FindingSpec] = Field(default_factory=list)
    survey_findings: bool = False  # the codebook's findings go here
    after: list[Node] = Field(default_factory=list)


class OutlineSpec(_Schema):
    sections: list[SectionSpec]


def read_outline(path: Path) -> OutlineSpec:
    document = read_yaml(path)
    try:
        return OutlineSpec.model_validate(document.data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(part for part in error["loc"] if not isinstance(part, str) or not part.startswith("function-"))
        raise RenderError(f"outline: {error['msg']}", where=str(document.located("", loc)).split(": ")[0]) from None


# ---------------------------------------------------------------------------------------------------------------
# The resolved plan: what each edition shows, decided once.

@dataclass(frozen=True)
class Say:
    """A prose fragment: the macro `name` of the section's prose file (the project's own prose first), called with `args`.

    When no prose file defines `name`, the first of `alternatives` that is defined is used; an `optional` fragment
    that nothing defines says nothing. `skip_if_defined` names a fragment whose presence makes this one unneeded
    (a project's own prose for a whole finding replaces the default sentence of each question).
    """
    prose: str
    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    alternatives: tuple[str, ...] = ()
    optional: bool = False
    skip_if_defined: tuple[str, ...] = ()
    rests_on: tuple[str, ...] = ()  # the findings or sections it names and links, those shown in this edition


@dataclass(frozen=True)
class Block:
    """A paragraph (`p`), a bulleted list (`ul`, one item `li` per child) or parts run together (`group`)."""
    kind: Literal["p", "ul", "li", "group"]
    children: tuple[Placed, ...]
    max: int | None = None  # a list: at most this many items


@dataclass(frozen=True)
class Table:
    name: str
    number: int
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartRef:
    id: str
    number: int


Placed = Union[Say, Block, Table, ChartRef]


@dataclass(frozen=True)
class Finding:
    id: str
    section: str
    heading: tuple[Placed, ...]
    body: tuple[Placed, ...]


@dataclass(frozen=True)
class LeftOut:
    """A finding the data cannot support: one sentence says what could not be measured and why."""
    id: str
    section: str
    topic: str
    reason: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: tuple[Placed, ...]
    findings: tuple[Finding | LeftOut, ...]
    after: tuple[Placed, ...] = ()

    def runs(self) -> list[Finding | tuple[LeftOut, ...]]:
        """The findings in order, consecutive ones left out for the same reason together (said in one sentence)."""
        runs: list[Finding | tuple[LeftOut, ...]] = []
        for finding in self.findings:
            last = runs[-1] if runs else None
            if isinstance(finding, LeftOut) and isinstance(last, tuple) and last[0].reason == finding.reason:
                runs[-1] = (*last, finding)
            else:
                runs.append((finding,) if isinstance(finding, LeftOut) else finding)
        return runs


@dataclass(frozen=True)
class Plan:
    sections: tuple[Section, ...]
    charts: tuple[str, ...]  # chart ids in the order they are placed (their numbers)

    def coverage(self) -> list[tuple[str, str, str]]:
        """(section, finding, "shown" or the reason it is left out) for every finding."""
        rows = []
        for section in self.sections:
            for finding in section.findings:
                rows.append((section.id, finding.id, "shown" if isinstance(finding, Finding) else f"left out: {finding.reason}"))
        return rows


class Decider:
    """Evaluates the outline's conditions (Jinja expressions over the figures), with language-neutral helpers only."""

    def __init__(self, stats: Statistics, extra: Mapping[str, Any]) -> None:
        self.stats = stats
        self.env = jinja2.Environment(undefined=jinja2.StrictUndefined)
        self.env.globals.update(condition_helpers(stats), **extra)
        self._compiled: dict[str, Any] = {}

    def holds(self, expression: str, scope: Mapping[str, Any]) -> bool:
        compiled = self._compiled.get(expression)
        if compiled is None:
            try:
                compiled = self._compiled[expression] = self.env.compile_expression(expression)
            except jinja2.TemplateSyntaxError as exc:
                raise RenderError(f"outline condition '{expression}': {exc.message}") from None
        try:
            return bool(compiled(**scope))
        except jinja2.UndefinedError as exc:
            raise RenderError(f"outline condition '{expression}': {exc.message}") from None

    def items(self, expression: str, scope: Mapping[str, Any]) -> tuple[str, list[Any]]:
        source, _, name = expression.partition(" as ")
        if not name.strip():
            raise RenderError(f"outline: each must read '<items> as <name>' (got '{expression}')")
        values = self.env.compile_expression(source.strip())(**scope)
        return name.strip(), list(values or ())


def condition_helpers(stats: Statistics) -> dict[str, Any]:
    """What a condition may use: figure values and the keyword helpers of `wording` (no language, no text)."""
    figures = stats.figures
    rule = wording.rule_of(figures)

    def figure(figure_id: str) -> Any:
        found = figures.get(figure_id)
        if found is None:
            raise RenderError(f"the outline uses figure '{figure_id}', which was not computed")
        return found

    def value(figure_id: str) -> Any:
        found = figure(figure_id)
        return found.value if found.available else None

    return {
        "value": value,
        "available": lambda figure_id: figure_id in figures and figures[figure_id].available,
        "portion": lambda figure_id: wording.portion(figure(figure_id)),
        "direction": lambda figure_id: wording.direction(figure(figure_id), rule),
        "counts_direction": lambda first, last: counts_direction(stats, first, last),
        "compare": lambda left, right, part_of=False: wording.compare(figure(left), figure(right), rule, part_of),
        "differences": lambda group, overall, kind=None: category_differences(stats, group, overall, kind),
        "is_zero": lambda figure_id: wording.is_zero(figure(figure_id)),
        # a share on a base under the disclosure threshold is printed as a count (3/6): sentences built around a
        # percentage test this first
        "small_base": lambda figure_id: too_few(figure(figure_id).base, _value(stats, "disclosure.threshold")),
        "markets": list(stats.market.markets),
        "market_slug": slug,
        "migration_events": lambda: migration_events(stats),
        "moved": lambda: moved(stats),
        "drawable": lambda chart_id: True,
    }


def counts_direction(stats: Statistics, first_id: str, last_id: str) -> str:
    """'up', 'down' or 'stable' from two counts (first and last month) by the build's rule; 'unknown' without both."""
    first, last = _value(stats, first_id), _value(stats, last_id)
    if not isinstance(first, (int, float)) or not isinstance(last, (int, float)):
        return "unknown"
    return wording.count_direction(int(first), int(last), wording.rule_of(stats.figures))


def category_differences(stats: Statistics, group: str, overall: str, kind: str | None = None,
                         limit: int = 3) -> list[str]:
    """The categories whose share of `group`'s listings (`categories.<group>.<key>.share`) differs significantly from
    their share of `overall`'s, largest gap first; `kind` keeps only 'higher' or 'lower' ones. The group's listings
    are among the overall ones: each is tested against the rest."""
    table = stats.market.tables.get("categories")
    keys = [] if table is None else [str(key) for key in table.category]
    figures = stats.figures
    pairs = [(key, figures[f"categories.{group}.{key}.share"], figures[f"categories.{overall}.{key}.share"])
             for key in keys if f"categories.{group}.{key}.share" in figures and f"categories.{overall}.{key}.share" in figures]
    found = wording.largest_differences(pairs, wording.rule_of(figures), part_of=True, limit=len(pairs))
    return [d.key for d in found if kind is None or d.kind == kind][:limit]


def migration_events(stats: Statistics) -> list[dict[str, Any]]:
    """Each shutdown with the markets its vendors were looked for on: figure-id prefixes for the prose."""
    table = stats.market.tables.get("migration")
    events: dict[str, dict[str, Any]] = {}
    for row in ([] if table is None else table.itertuples()):
        event = events.setdefault(row.from_market, {"market": row.from_market, "key": f"migration.{slug(row.from_market)}",
                                                    "routes": []})
        event["routes"].append({"to": row.to_market, "key": f"migration.{slug(row.from_market)}.{slug(row.to_market)}"})
    return list(events.values())


@dataclass(frozen=True)
class Moved:
    any: bool
    focus: bool


def moved(stats: Statistics) -> Moved:
    """Whether any vendor (any vendor from the focus country) reappeared on another market after a shutdown."""
    table = stats.market.tables.get("migration")
    if table is None or table.empty:
        return Moved(False, False)
    return Moved(bool((table.migrated > 0).any()), bool((table.migrated_focus > 0).any()))


@dataclass
class _Counter:
    tables: int = 0
    charts: list[str] = field(default_factory=list)


class Planner:
    def __init__(self, stats: Statistics, drawable: Callable[[str], bool], survey_nodes: Callable[[Any], list[Any]] | None = None
                 ) -> None:
        self.stats = stats
        self.drawable = drawable
        self.decider = Decider(stats, {"drawable": drawable})
        self.counter = _Counter()
        self.survey_nodes = survey_nodes

    def missing(self, needs: Iterable[str]) -> str | None:
        for need in needs:
            test, reason = NEEDS[need]
            if not test(self.stats):
                return reason
        return None

    def nodes(self, nodes: Sequence[Node], prose: str, scope: Mapping[str, Any]) -> tuple[Placed, ...]:
        placed: list[Placed] = []
        for node in nodes:
            if node.each:
                name, values = self.decider.items(node.each, scope)
                for item in values:
                    placed += self.node(node, prose, {**scope, name: item})
            else:
                placed += self.node(node, prose, scope)
        return tuple(placed)

    def node(self, node: Node, prose: str, scope: Mapping[str, Any]) -> list[Placed]:
        if self.missing(node.needs) or (node.when and not self.decider.holds(node.when, scope)):
            return []
        if node.say is not None:
            file, _, name = node.say.rpartition(".")
            return [Say(file or prose, name, {**scope, **node.args}, optional=node.optional, rests_on=tuple(node.rests_on))]
        if node.choose is not None:
            for option in node.choose:
                chosen = self.nodes([option], prose, scope)
                if chosen:
                    return list(chosen)
            return []
        if node.p is not None or node.group is not None:
            kind: Literal["p", "group"] = "p" if node.p is not None else "group"
            children = self.nodes(node.p if node.p is not None else node.group or [], prose, scope)
            return [Block(kind, children)] if children else []
        if node.ul is not None:
            children = self.nodes(node.ul, prose, scope)
            return [Block("ul", tuple(Block("li", (child,)) for child in children), node.max)] if children else []
        if node.table is not None:
            self.counter.tables += 1
            return [Table(node.table, self.counter.tables, {**scope, **node.args})]
        chart_id = str(node.chart)
        if not self.drawable(chart_id):
            return []
        self.counter.charts.append(chart_id)
        return [ChartRef(chart_id, len(self.counter.charts))]

    def finding(self, spec: FindingSpec, section: SectionSpec) -> Finding | LeftOut | None:
        if spec.when and not self.decider.holds(spec.when, {}):
            return None
        reason = self.missing(spec.needs)
        if reason is not None:
            return LeftOut(spec.id, section.id, spec.topic, reason)
        scope: dict[str, Any] = {}
        extra = Block("p", (Say(section.prose, f"extra_{spec.id.replace('-', '_')}", optional=True),))
        return Finding(spec.id, section.id, self.nodes(spec.heading, section.prose, scope),
                       (*self.nodes(spec.body, section.prose, scope), extra))

    def section(self, spec: SectionSpec) -> Section | None:
        if self.missing(spec.needs):
            return None
        body = self.nodes(spec.body, spec.prose, {})
        findings: list[Finding | LeftOut] = [found for finding in spec.findings
                                             if (found := self.finding(finding, spec)) is not None]
        if spec.survey_findings and self.survey_nodes is not None:
            findings += self.survey_nodes(self)
        extra = Say(spec.prose, "extra", optional=True)  # a project's own text at the end of a section
        return Section(spec.id, spec.title, body, tuple(findings), (*self.nodes(spec.after, spec.prose, {}), extra))


def plan(outline: OutlineSpec, stats: Statistics, drawable: Callable[[str], bool],
         survey_nodes: Callable[[Planner], list[Finding | LeftOut]] | None = None) -> Plan:
    """Decide, from the figures alone, every section, finding, fragment, table and chart of the report."""
    planner = Planner(stats, drawable, survey_nodes)
    sections = [section for spec in outline.sections if (section := planner.section(spec)) is not None]
    shown = {section.id for section in sections} | {finding.id for section in sections for finding in section.findings
                                                    if isinstance(finding, Finding)}
    sections = [_linked(section, shown) for section in sections]
    return Plan(tuple(sections), tuple(planner.counter.charts))


def _linked(section: Section, shown: set[str]) -> Section:
    """A section with its `rests_on` resolved: links to findings not shown dropped, fragments left with none left out."""
    def keep(node: Placed) -> Placed | None:
        if isinstance(node, Say):
            if not node.rests_on:
                return node
            linked = tuple(ref for ref in node.rests_on if ref in shown)
            return replace(node, rests_on=linked) if linked else None
        if isinstance(node, Block):
            children = tuple(kept for child in node.children if (kept := keep(child)) is not None)
            if node.kind == "li" and not children:
                return None
            children = children[: node.max] if node.max else children
            return replace(node, children=children) if children else None
        return node

    def nodes(placed: tuple[Placed, ...]) -> tuple[Placed, ...]:
        return tuple(kept for node in placed if (kept := keep(node)) is not None)

    findings = tuple(replace(f, heading=nodes(f.heading), body=nodes(f.body)) if isinstance(f, Finding) else f
                     for f in section.findings)
    return replace(section, body=nodes(section.body), findings=findings, after=nodes(section.after))


# ---------------------------------------------------------------------------------------------------------------
# The buyers' findings come from the codebook: its findings (or one per question), each question presented by type.

CHARTED_TYPES = ("single", "scale", "multi", "numeric")


def survey_findings(planner: Planner) -> list[Finding | LeftOut]:
    """One finding per codebook finding: a heading, a sentence per question (or the project's own prose), charts, tables."""
    survey = planner.stats.survey
    codebook = survey.codebook
    groups = list(getattr(codebook, "findings", ()) or ())
    if not groups:
        groups = [_OneQuestion(qid) for qid in codebook.questions]
    findings: list[Finding | LeftOut] = []
    for group in groups:
        qids = [qid for qid in group.questions if qid in codebook.questions]
        if not qids:
            continue
        scope = {"finding": group.id, "qids": qids}
        heading = (Say("survey", f"heading_{group.id}", scope, alternatives=("heading",)),)
        body: list[Placed] = [Say("survey", f"finding_{group.id}", scope, optional=True)]
        own_prose = Say("survey", f"finding_{group.id}", scope, optional=True)
        for qid in qids:
            body.append(Block("p", (Say("survey", f"q_{qid}", {"qid": qid}, optional=True),
                                    *_default_sentences(planner.stats, qid, (own_prose.name, f"q_{qid}")))))
        for chart_id in _charts(group, qids, codebook):
            if planner.drawable(chart_id):
                planner.counter.charts.append(chart_id)
                body.append(ChartRef(chart_id, len(planner.counter.charts)))
        for qid in getattr(group, "tables", ()) or ():
            if qid in survey.tables:
                planner.counter.tables += 1
                body.append(Table("survey", planner.counter.tables, {"qid": qid}))
        for name in survey.tables:  # cross-tabulations (config `crosstabs`) go with the finding of their rows question
            rows, _, columns = name.removeprefix("crosstab.").partition(".")
            if name.startswith("crosstab.") and rows in qids:
                planner.counter.tables += 1
                body.append(Table("crosstab", planner.counter.tables, {"rows_q": rows, "columns_q": columns}))
        findings.append(Finding(f"survey-{group.id}", "buyers", heading, tuple(body)))
    return findings


def _default_sentences(stats: Statistics, qid: str, own_prose: tuple[str, ...]) -> tuple[Say, ...]:
    """The sentences that present one question by its type, unless the project wrote its own (finding or question)."""
    question = stats.survey.codebook.questions[qid]
    args = {"qid": qid}
    skip = {"skip_if_defined": own_prose}

    def say(name: str) -> Say:
        return Say("survey", name, args, skip_if_defined=own_prose)

    if question.type == "text":
        return (say("text_answered") if (_value(stats, f"survey.{qid}.answered") or 0) > 0 else say("too_few"),)
    shown = ranked_codes(stats, qid)
    hidden = stats.survey.tables[qid].suppressed.any() if qid in stats.survey.tables else False
    prefix = f"survey.{qid}" + (".bracket" if question.type == "numeric" else "")
    counts = [int(_value(stats, f"{prefix}.{key}.count") or 0) for key in shown]
    ranked = sorted(counts, reverse=True)
    # An answer is "the most frequent" only if no hidden answer (all of them together, at most) could outnumber it.
    unseen = max(0, int(_value(stats, f"survey.{qid}.base") or 0) - sum(counts)) if question.type != "multi" else 0
    sentences: list[Say] = []
    if question.type == "numeric" and _value(stats, f"survey.{qid}.median") is not None:
        sentences.append(say("numeric_median"))
        if ranked and ranked[0] > 0 and ranked[0] >= unseen:
            sentences.append(say("numeric_top"))
    elif question.type == "multi" and ranked and ranked[0] > 0:
        sentences.append(say("multi_top"))
    elif ranked and ranked[0] > 0 and ranked[0] >= unseen:
        sentences.append(say("top"))
        if len(ranked) > 1 and ranked[1] > 0 and ranked[1] >= unseen:
            sentences.append(say("second"))
    elif ranked and ranked[0] > 0:
        sentences.append(say("shown_only"))
    if not sentences:
        return (say("too_few"),)
    if hidden:
        sentences.append(say("hidden"))
    threshold = _value(stats, "disclosure.threshold") or 1  # a count under the threshold is never printed
    if question.dont_know and (_value(stats, f"survey.{qid}.dont_know") or 0) >= threshold:
        sentences.append(say("dont_know"))
    return tuple(sentences)


def ranked_codes(stats: Statistics, qid: str) -> list[str]:
    """The answers of a question that are published (shown or given as a bound), most frequent first; never a
    don't-know or missing row."""
    table = stats.survey.tables.get(qid)
    if table is None:
        return []
    prefix = f"survey.{qid}" + (".bracket" if stats.survey.codebook.questions[qid].type == "numeric" else "")
    shown = [(stats.figures[f"{prefix}.{key}.share"].value, index, str(key)) for index, (key, kind) in
             enumerate(zip(table.key, table.kind))
             if kind == "answer" and f"{prefix}.{key}.share" in stats.figures and stats.figures[f"{prefix}.{key}.share"].available]
    return [key for share, index, key in sorted(shown, key=lambda row: (-float(row[0] or 0), row[1]))]


def _charts(group: Any, qids: list[str], codebook: Any) -> list[str]:
    """The chart ids a codebook finding asks for (`a+b`: two questions side by side); by default one per question."""
    chosen = getattr(group, "charts", None)
    if chosen is None:
        return [f"survey.{qid}" for qid in qids if codebook.questions[qid].type in CHARTED_TYPES]
    return [f"survey.compare.{item.replace('+', '.')}" if "+" in item else f"survey.{item}" for item in chosen]


@dataclass(frozen=True)
class _OneQuestion:
    """A question that the codebook does not group: its own finding."""
    id: str

    @property
    def questions(self) -> tuple[str, ...]:
        return (self.id,)


def plan_report(outline_path: Path, stats: Statistics) -> Plan:
    """The plan of one build: the outline resolved against the figures, charts placed where they can be drawn."""
    from .charts import chart_drawable  # Altair is not imported: it is imported on first use, by the workers

    return plan(read_outline(outline_path), stats, lambda chart_id: chart_drawable(chart_id, stats), survey_findings)


def extract_outline(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterable[tuple[int, str, str, list[str]]]:
    """Babel extractor (babel.cfg): the outline's section titles and finding topics are catalog messages."""
    import yaml

    data = yaml.safe_load(fileobj.read().decode("utf-8"))
    for section in data.get("sections", []):
        yield 0, "_", section["title"], []
        for finding in section.get("findings", []):
            yield 0, "_", finding["topic"], []
