"""Altair charts from the statistics, labelled in one language: a Vega-Lite spec (HTML) and an SVG (PDF)."""
from __future__ import annotations

import html
import importlib.util
import json
import math
import re
import sys
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Sequence

import pandas as pd
import vl_convert
from babel.lists import format_list

from .errors import RenderError
from .i18n import Formatter, bracket_label, origin_name, value_bracket_labels
from .model import Chart, ChartTable, Codebook, Figure, Question, Statistics, too_few, under_threshold

if TYPE_CHECKING:
    import altair as alt

    from .config import ReportConfig
    from .theme import Theme


def _on_first_use(name: str) -> ModuleType:
    """A module imported when one of its names is first used (importlib's LazyLoader): the build's own process asks
    this module only what a chart would show (chart_drawable), and never draws one, so it never pays for Altair."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if not TYPE_CHECKING:
    alt = _on_first_use("altair")

FONT = "Noto Sans"
FONTS_DIR = Path(__file__).parent / "assets" / "fonts"
MARKET_COLOURS = ["#1b6ca8", "#d1495b", "#2e8b57", "#edae49", "#6a4c93"]
WIDTH = 440
MONTHLY_HEIGHT = 180
EVENT_ROW = 11  # pixels between the rows of event labels above a monthly chart
EVENT_ALIGN: tuple[tuple[Literal["left", "right"], int], ...] = (("left", 3), ("right", -3))  # label side, offset from its rule
N_ = lambda message: message  # noqa: E731 - marks strings for extraction
# Encoding channels are given as Altair objects (alt.X("date:T"), alt.Y2Value(...)), never as shorthand text or
# dicts: Altair makes those into objects with from_dict, which indexes its whole schema at each call (~15 ms).
EVENT_KINDS = {"launch": N_("launch"), "closure": N_("closure"), "exit_scam": N_("exit scam"), "seizure": N_("seizure")}


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """vl-convert draws chart text with the report's own font files."""
    vl_convert.register_font_directory(str(FONTS_DIR))


def warm_up(svg: bool) -> None:
    """What a process's first chart would otherwise pay for, done ahead (a build's workers do it while the figures are
    computed): Altair is imported with this module, and with `svg` vl-convert's JavaScript engine starts (0.8 s)."""
    if svg:
        register_fonts()
        vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{"x": 1}]},
                                    "encoding": {"x": {"field": "x", "type": "quantitative"}}})


def engine_started() -> bool:
    """Whether this process has started vl-convert's JavaScript engine, whose threads do not survive a fork."""
    return register_fonts.cache_info().currsize > 0


@dataclass(frozen=True)
class Labels:
    """What charts need to say things in one language."""

    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]
    fmt: Formatter
    from_country: str  # the focus country as the catalog's %(from_country)s (i18n.from_country)
    category: Callable[[str], str]

    def answer(self, question: Question, key: str) -> str:
        """An answer code, option or bracket (merged brackets too) in the edition's language."""
        if question.type == "numeric":
            return bracket_label(question, key, self.fmt.lang)
        label = question.labels.get(key, {})
        return label.get(self.fmt.lang, key)

    def question(self, question: Question) -> str:
        return question.text.get(self.fmt.lang, question.id)


def _theme() -> dict[str, Any]:
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelFont": FONT, "titleFont": FONT, "titleFontSize": 10, "titleFontWeight": "normal",
                 "gridColor": "#e3e3e3", "domainColor": "#888", "tickColor": "#888", "labelLimit": _on_phone(130, 220),
                 "labelFontSize": _on_phone(9, 10), "labelLineHeight": _on_phone(10, 12), "aria": False},
        "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 10, "titleFontSize": 10, "orient": "bottom",
                   "titleFontWeight": "normal", "labelLimit": _on_phone(300, 260),
                   "columns": _on_phone(1, 0), "aria": False},
        "title": {"font": FONT, "fontSize": 12},
        # Vega's own ARIA labels are English, from field names: the chart's `description` (its alt text) names it instead.
        "mark": {"aria": False},
        "aria": False,
        "text": {"font": FONT},
    }


# Phones: a chart is as wide as its column (`width: "container"`), and on a narrow screen its labels wrap and shrink. The
# test is Vega's containerSize(), which has no value where there is no container (vl-convert's SVG for the PDF).
NARROW = "(isFinite(containerSize()[0]) && containerSize()[0] < 480)"


def _on_phone(phone: Any, wide: Any) -> alt.ExprRef:
    """A property whose value is `phone` on a narrow screen and `wide` elsewhere (PDF included)."""
    return alt.ExprRef(f"{NARROW} ? {json.dumps(phone)} : {json.dumps(wide)}")


def _lines(text: str, width: int, most: int = 3) -> list[str]:
    """A label on lines of about `width` characters, broken at spaces and after dashes (`500–` / `1 000 €`)."""
    lines: list[str] = []
    for piece in re.split(r"(?<=[ \u2013])", text.strip()):
        if lines and len(lines[-1]) + len(piece.rstrip()) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    lines = [line.strip() for line in lines if line.strip()] or [text]
    return lines if len(lines) <= most else [*lines[:most - 1], " ".join(lines[most - 1:])]


def _wrapped(labels: Sequence[str], width: int, wide: str = "datum.label", most: int = 3) -> str:
    """A labelExpr: on a phone, each label on lines of about `width` characters (Vega cannot wrap by itself)."""
    lookup = json.dumps({label: _lines(label, width, most) for label in dict.fromkeys(labels)}, ensure_ascii=False)
    return f"{NARROW} ? ({lookup}[datum.label] || datum.label) : {wide}"


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    # Altair's check of the spec against the Vega-Lite schema takes two fifths of the charts' time (a quarter of a
    # second a chart); the tests check every chart of the sample, of generated projects and of the tests' hand-made
    # statistics instead (valid_spec).
    spec = chart.to_dict(validate=False)
    # The theme's config is the same for every chart: made once, it replaces the one Altair puts first (chart.configure
    # would copy the whole chart to add it, for each chart).
    spec["config"] = json.loads(_config())
    spec.pop("$schema", None)
    return _fit_width(spec)


@lru_cache(maxsize=None)
def _config() -> str:
    """The charts' config (the theme's, over Altair's default), as JSON."""
    return json.dumps(alt.Chart().configure(**_theme()).to_dict(validate=False)["config"])


def valid_spec(spec: Mapping[str, Any]) -> None:
    """Raises jsonschema's ValidationError if `spec` is no valid Vega-Lite (the schema Altair ships)."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    validate_jsonschema(dict(spec), load_schema(), raise_error=True)


def _fit_width(spec: dict[str, Any]) -> dict[str, Any]:
    """The HTML spec fills its container; the printed width stays in `usermeta.printWidth` for `to_svg`."""
    if isinstance(spec.get("width"), (int, float)):
        spec["usermeta"] = {**spec.get("usermeta", {}), "printWidth": spec["width"]}
        spec["width"] = "container"
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def print_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as the PDF draws it: its fixed printed width, sized to its content."""
    fixed = json.loads(json.dumps(spec))
    width = fixed.get("usermeta", {}).get("printWidth")
    if fixed.get("width") == "container" and width is not None:
        fixed["width"] = width
        fixed.pop("autosize", None)
    return fixed


def _market_scale(markets: tuple[str, ...]) -> alt.Scale:
    return alt.Scale(domain=list(markets), range=MARKET_COLOURS[: len(markets)])


def _monthly_frame(stats: Statistics, column: str) -> pd.DataFrame:
    """One row per market and month observed: the month (ISO date of its first day) and the column's value."""
    monthly = stats.market.tables["monthly"][["market", "month", column]].copy()
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m-%d")
    return monthly.sort_values(["month"], kind="stable").reset_index(drop=True)


def _events_in(stats: Statistics, monthly: pd.DataFrame) -> list[Any]:
    """The market events within the months a monthly chart shows."""
    if monthly.empty:
        return []
    return [e for e in stats.market.events if str(monthly["month"].min()) <= e.date.isoformat() <= str(monthly["month"].max())]


def _count_axis(top: float, **options: Any) -> alt.Axis:
    """An axis of counts up to `top`: whole numbers only. Below ten, Vega's own ticks fall between them (a count of
    at most 2 was labelled `0 1 1 2 2`): then one tick a unit. (Vega ignores tickMinStep here.)"""
    if 0 < top < 10:
        options["tickCount"] = max(1, math.ceil(top))
    return alt.Axis(format=",d", **options)


def _monthly(stats: Statistics, t: Labels, column: str, y_title: str) -> alt.TopLevelMixin:
    monthly = _monthly_frame(stats, column)
    base = alt.Chart(monthly).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-40, tickCount="month")),
        y=alt.Y(f"{column}:Q", title=y_title, axis=_count_axis(float(monthly[column].max() if len(monthly) else 0))),
        color=alt.Color("market:N", title=None, scale=_market_scale(stats.market.markets)),
        tooltip=[alt.Tooltip("market:N", title=t.gettext("Market")), alt.Tooltip("month:T", title=t.gettext("Month"), format="%B %Y"),
                 alt.Tooltip(f"{column}:Q", title=y_title, format=",d")],
    )
    lines = base.mark_line(point=True, strokeWidth=2)
    event_rows: list[dict[str, str | None]] = (
        [{"date": e.date.isoformat(), "market": e.market, "kind": t.gettext(EVENT_KINDS[e.kind]),
          "label": t.gettext("%(market)s: %(event)s") % {"market": e.market, "event": t.gettext(EVENT_KINDS[e.kind])}}
         for e in _events_in(stats, monthly)]
        or [{"date": None, "label": "", "market": "", "kind": ""}]
    )
    events = pd.DataFrame(event_rows).dropna()
    if events.empty:
        return lines.properties(width=WIDTH, height=MONTHLY_HEIGHT)
    # Printed charts have no tooltips: name the events above the plot, one label per market (a market's exit scam and
    # seizure days apart would otherwise print on top of each other), each on its own row so that no label crosses a
    # data line or another label; its dashed rule runs from the label down through the plot.
    named = events.groupby("market", sort=False).agg(date=("date", "min"), kinds=("kind", ", ".join)).reset_index()
    first, last = pd.Timestamp(monthly["month"].min()), pd.Timestamp(monthly["month"].max())
    span = max((last - first).days, 1)
    # A label late in the period reads leftwards, inside the chart. Rows from the top: leftward labels, latest first,
    # then rightward ones, earliest first: a rule stops under its own label, so few rules run through other labels.
    named["late"] = [(pd.Timestamp(date) - first).days / span > 0.55 for date in named.date]
    named["order"] = [-(pd.Timestamp(date) - first).days if late else span + (pd.Timestamp(date) - first).days
                      for date, late in zip(named.date, named.late)]
    named = named.sort_values("order", kind="stable").reset_index(drop=True)
    named["label"] = [t.gettext("%(market)s: %(event)s") % {"market": row.market, "event": row.kinds} for row in named.itertuples()]
    named["top"] = [-EVENT_ROW * (len(named) - index) for index in range(len(named))]  # pixels above the plot area
    named["align"] = ["right" if late else "left" for late in named.late]
    named = named[["market", "date", "label", "top", "align"]]
    events = events.merge(named[["market", "top"]], on="market")
    events["top"] = events["top"] + EVENT_ROW // 2  # a rule stops under its label, never through another market's
    rules = alt.Chart(events).mark_rule(strokeDash=[4, 3], color="#555").encode(
        x=alt.X("date:T"), y=alt.Y("top:Q", scale=None), y2=alt.Y2Value(MONTHLY_HEIGHT),
        tooltip=[alt.Tooltip("label:N", title=t.gettext("Event")), alt.Tooltip("date:T", title=t.gettext("Date"), format="%d %B %Y")]
    )
    labels = [alt.Chart(named[named["align"] == align]).mark_text(align=align, baseline="middle", dx=dx, fontSize=_on_phone(7, 8),
                                                                 color="#444", limit=_event_limit(align))
              .encode(x=alt.X("date:T"), y=alt.Y("top:Q", scale=None), text=alt.Text("label:N"))
              for align, dx in EVENT_ALIGN if (named["align"] == align).any()]
    return alt.layer(lines, rules, *labels).properties(width=WIDTH, height=MONTHLY_HEIGHT)


def _event_limit(align: str) -> alt.ExprRef:
    """On a phone, an event label stops (with an ellipsis) at the plot's edge instead of running out of the chart: it
    is whole in the tooltip, the alt text and the data table. Elsewhere (PDF included) labels are never shortened."""
    room = "width - scale('x', datum.date)" if align == "left" else "scale('x', datum.date)"
    return alt.ExprRef(f"{NARROW} ? max(40, {room} - 8) : 0")


def vendors_monthly(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _monthly(stats, t, "vendors_focus", t.gettext("Vendors"))


def listings_monthly(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _monthly(stats, t, "listings_focus", t.gettext("Listings"))


def _category_groups(t: Labels) -> list[tuple[str, str]]:
    """The two groups of the category chart: (name in the edition's language, listings column)."""
    return [(t.gettext("Vendors shipping %(from_country)s") % {"from_country": t.from_country}, "listings_focus"),
            (t.gettext("All vendors"), "listings_all")]


def _category_frame(stats: Statistics, t: Labels) -> pd.DataFrame:
    """One row per category and group: its share of the group's listings."""
    table = stats.market.tables["categories"]
    rows = []
    for group, column in _category_groups(t):
        total = table[column].sum()
        for row in table.itertuples():
            rows.append({"category": t.category(row.category), "group": group,
                         "share": float(getattr(row, column) / total) if total else 0.0})
    return pd.DataFrame(rows, columns=["category", "group", "share"])


def category_mix(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    table = stats.market.tables["categories"]
    data = _category_frame(stats, t)
    groups = list(dict.fromkeys(data.group))
    order = [t.category(c) for c in table.category]
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("category:N", title=None, sort=order, axis=alt.Axis(labelExpr=_wrapped(order, 22, most=2))),
        yOffset=alt.YOffset("group:N", sort=groups),
        x=alt.X("share:Q", title=t.gettext("Share of listings"), axis=alt.Axis(format=".0%")),
        color=alt.Color("group:N", title=None, sort=groups, scale=alt.Scale(domain=groups, range=["#d1495b", "#9aa5b1"])),
        tooltip=[alt.Tooltip("category:N", title=t.gettext("Category")), alt.Tooltip("group:N", title=t.gettext("Group")),
                 alt.Tooltip("share:Q", title=t.gettext("Share of listings"), format=".1%")],
    ).properties(width=WIDTH - 120, height=alt.Step(9))


ORIGIN_BARS = 10  # the most frequent combinations drawn


def _origin_frame(stats: Statistics, t: Labels) -> pd.DataFrame:
    """The combinations drawn (the most frequent first), each named in the edition's language."""
    table = stats.market.tables["origins"].copy()
    table["label"] = table.combination.map(lambda combo: " + ".join(origin_name(code, t.fmt, t.gettext) for code in combo.split("+")))
    return table.head(ORIGIN_BARS)


def origin_combinations(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    table = _origin_frame(stats, t)
    return alt.Chart(table).mark_bar(color="#1b6ca8").encode(
        y=alt.Y("label:N", title=None, sort=list(table.label), axis=alt.Axis(labelExpr=_wrapped(list(table.label), 22, most=2))),
        x=alt.X("vendors:Q", title=t.gettext("Vendors"), axis=_count_axis(float(table.vendors.max() if len(table) else 0))),
        tooltip=[alt.Tooltip("label:N", title=t.gettext("Ships from")), alt.Tooltip("vendors:Q", title=t.gettext("Vendors"), format=",d")],
    ).properties(width=WIDTH - 120, height=alt.Step(20))


def _transaction_measures(t: Labels) -> list[str]:
    return [t.gettext("Share of sales"), t.gettext("Share of sales value")]


def _transaction_frame(stats: Statistics, t: Labels) -> pd.DataFrame:
    """One row per value bracket and measure: the bracket's share of the focus country's sales, or of their value."""
    table = stats.market.tables["transaction_values"]
    focus = table[table.focus.astype(bool)]
    rows = []
    for measure, column in zip(_transaction_measures(t), ("sales", "value_eur")):
        total = focus[column].sum()
        for index, label in enumerate(value_bracket_labels(t.fmt, t.gettext)):
            value = focus.loc[focus.bracket == index, column].sum()
            rows.append({"bracket": label, "measure": measure, "share": float(value / total) if total else 0.0})
    return pd.DataFrame(rows, columns=["bracket", "measure", "share"])


def transaction_values(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    labels = value_bracket_labels(t.fmt, t.gettext)
    measures = _transaction_measures(t)
    data = _transaction_frame(stats, t)
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("bracket:N", title=t.gettext("Transaction value"), sort=labels,
                axis=alt.Axis(labelAngle=0, labelExpr=_wrapped(labels, 8))),
        xOffset=alt.XOffset("measure:N", sort=measures),
        y=alt.Y("share:Q", title=None, axis=alt.Axis(format=".0%")),
        color=alt.Color("measure:N", title=None, sort=measures, scale=alt.Scale(domain=measures, range=["#1b6ca8", "#edae49"])),
        tooltip=[alt.Tooltip("bracket:N", title=t.gettext("Transaction value")), alt.Tooltip("measure:N", title=t.gettext("Measure")),
                 alt.Tooltip("share:Q", title=t.gettext("Share"), format=".1%")],
    ).properties(width=WIDTH, height=200)


def _migration_kinds(t: Labels) -> list[str]:
    return [t.gettext("Came from the closed market"), t.gettext("Other new vendors")]


def _route(t: Labels, row: Any, start: bool = False) -> str:
    """A route in words; `start`: at the start of a sentence or a table row ("von A zu B" -> "Von A zu B")."""
    route = t.gettext("%(from)s to %(to)s") % {"from": row.from_market, "to": row.to_market}
    return route[:1].upper() + route[1:] if start else route


def _migration_frame(stats: Statistics, t: Labels) -> pd.DataFrame:
    """Two rows per route (closed market to remaining market): new vendors from the closed market, other new vendors."""
    rows = []
    came, other = _migration_kinds(t)
    for row in stats.market.tables["migration"].itertuples():
        route = _route(t, row)
        rows.append({"route": route, "kind": came, "vendors": int(row.migrated), "order": 0})
        rows.append({"route": route, "kind": other, "vendors": int(row.new - row.migrated), "order": 1})
    return pd.DataFrame(rows, columns=["route", "kind", "vendors", "order"])


def vendor_migration(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    kinds = _migration_kinds(t)
    data = _migration_frame(stats, t)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("route:N", title=None, axis=alt.Axis(labelExpr=_wrapped(list(data.route), 20, most=2))),
        x=alt.X("vendors:Q", title=t.gettext("New vendors after the closure"),
                axis=_count_axis(float(data.groupby("route").vendors.sum().max() if len(data) else 0))),
        color=alt.Color("kind:N", title=None, sort=kinds, scale=alt.Scale(domain=kinds, range=["#d1495b", "#c9d1d9"])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("route:N", title=t.gettext("Route")), alt.Tooltip("kind:N", title=t.gettext("Vendors")),
                 alt.Tooltip("vendors:Q", title=t.gettext("Number"), format=",d")],
    ).properties(width=WIDTH - 140, height=alt.Step(22))


# ---------------------------------------------------------------------------------------------------------------------
# Survey charts: one per codebook question (`survey.<qid>`), or two questions with the same answers side by side
# (`survey.compare.<qid1>.<qid2>`). Suppressed answers keep their row, marked, with nothing drawn that could give them away.

SURVEY_TYPES = ("single", "scale", "multi", "numeric")
SURVEY = "survey."
COMPARE = "survey.compare."
SUPPRESSED_MARK = N_("suppressed")  # printed in the row of a hidden answer, on a hatched band: never an empty slot
BOUND_MARKS = {"above": N_("> %(value)s"), "below": N_("< %(value)s")}  # a share published only as a bound
BOUND_WORDS = {"above": N_("more than %(value)s"), "below": N_("less than %(value)s")}
OTHER_ANSWERS = N_("Other answers")
SHOWN_COLOUR = "#2e8b57"
BOUND_COLOUR = "#93c6a8"  # a bar drawn to a bound, lighter than an exact one: its end is not the value
DONT_KNOW_COLOUR = "#9aa5b1"
COMPARE_COLOURS = ["#9aa5b1", "#1b6ca8"]
MARK_COLOUR = "#555"
# Vertical hatching as a gradient with hard stops (Vega-Lite has no pattern fill): the band behind a hidden answer.
HATCH = {"gradient": "linear", "x1": 0, "y1": 0, "x2": 1, "y2": 0,
         "stops": [{"offset": (i + j) / 64, "color": colour} for i in range(0, 64, 2)
                   for j, colour in ((0, "#f4f4f4"), (1, "#f4f4f4"), (1, "#e0e0e0"), (2, "#e0e0e0"))]}
HATCH_VERTICAL = {**HATCH, "x2": 0, "y2": 1}


@dataclass(frozen=True)
class Answer:
    """One row of a survey chart as it may be published: exact (share, interval, count), a bound, or hidden."""

    key: str
    kind: str  # "answer", "merged" (other answers together), "dont_know"
    status: str  # "shown", "bound", "hidden", "none" (a base of 0: no share at all)
    share: float | None = None  # exact share, or the bound's value
    ci_low: float | None = None
    ci_high: float | None = None
    count: int | None = None
    bound: str | None = None  # "above" / "below"
    reason: str | None = None  # why hidden (the figure's reason, for the note)


def _question(stats: Statistics, qid: str) -> Question | None:
    question = stats.survey.codebook.questions.get(qid)
    return question if question is not None and question.type in SURVEY_TYPES else None


def _answer_rows(stats: Statistics, qid: str) -> pd.DataFrame:
    """The question's answer rows (codes, options or brackets, and merged "other answers"), in codebook order."""
    table = stats.survey.tables.get(qid) if stats.survey.respondents else None
    if table is None:
        return pd.DataFrame(columns=["key", "kind", "count", "share", "ci_low", "ci_high", "suppressed"])
    return table[table.kind.isin(("answer", "merged"))]


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _public(figure: Figure | None) -> bool:
    """Whether a figure's exact value may be published (Figure.public once the disclosure stage has it)."""
    if figure is None:
        return False
    public = getattr(figure, "public", None)
    return bool(public) if public is not None else figure.available and getattr(figure, "bound", None) is None


def _answer(stats: Statistics, prefix: str, key: str, kind: str) -> Answer:
    """An answer as its published figures allow: only public values, a bound's value, or nothing."""
    figures = stats.survey.figures
    share = figures.get(f"{prefix}.{key}.share")
    count = figures.get(f"{prefix}.{key}" if kind == "dont_know" else f"{prefix}.{key}.count")
    bound = getattr(share, "bound", None) if share is not None else None
    if bound is not None and _number(getattr(share, "bound_value", None)) is not None:
        return Answer(key, kind, "bound", share=_number(getattr(share, "bound_value")), bound=str(bound))
    if share is not None and _public(share) and _number(share.value) is not None:
        return Answer(key, kind, "shown", share=_number(share.value), ci_low=_number(share.ci_low), ci_high=_number(share.ci_high),
                      count=int(count.value) if _public(count) and count is not None and count.value is not None else None)
    if share is not None and not share.suppressed and share.value is None:
        return Answer(key, kind, "none")
    return Answer(key, kind, "hidden", reason=share.reason if share is not None else None)


def _answers(stats: Statistics, qid: str, dont_know: bool = True) -> list[Answer]:
    """The chart rows of a question: its answers in codebook order, then "don't know" apart (codebook `dont_know`)."""
    question = stats.survey.codebook.questions[qid]
    prefix = f"survey.{qid}" + (".bracket" if question.type == "numeric" else "")
    table = _answer_rows(stats, qid)  # two columns of it (itertuples would make a class per call: slow, for 15 rows)
    rows = [_answer(stats, prefix, str(key), str(kind)) for key, kind in zip(table["key"], table["kind"])]
    if rows and dont_know and question.dont_know and f"survey.{qid}.dont_know.share" in stats.survey.figures:
        rows.append(_answer(stats, f"survey.{qid}", "dont_know", "dont_know"))
    return rows


def _label(t: Labels, question: Question, answer: Answer) -> str:
    if answer.kind == "dont_know":
        return t.answer(question, question.dont_know[0])
    if answer.kind == "merged":
        return t.gettext(OTHER_ANSWERS)
    return t.answer(question, answer.key)


def _mark(t: Labels, answer: Answer) -> str:
    """The text printed in an answer's row besides (or instead of) its bar."""
    if answer.status == "hidden":
        return t.gettext(SUPPRESSED_MARK)
    if answer.status == "bound" and answer.share is not None and answer.bound in BOUND_MARKS:
        return t.gettext(BOUND_MARKS[answer.bound]) % {"value": t.fmt.percent(answer.share)}
    return t.fmt.percent(0.0) if answer.status == "shown" and answer.share == 0 else ""


def _answer_frame(stats: Statistics, t: Labels, qid: str) -> pd.DataFrame:
    """One row per answer: label, what may be drawn (share, interval, count), its colour and the text printed in its row.

    A hidden answer keeps only its label, its mark and its hatched band: the published spec holds nothing that gives it
    away. A lower bound is a lighter bar to the bound, with "> 90 %" and no interval; an upper bound ("< 10 %") has no
    bar (a bar to the bound would overstate it), only its mark.
    """
    question = stats.survey.codebook.questions[qid]
    records = []
    for answer in _answers(stats, qid):
        colour = DONT_KNOW_COLOUR if answer.kind == "dont_know" else BOUND_COLOUR if answer.status == "bound" else SHOWN_COLOUR
        mark = _mark(t, answer)
        drawn = None if answer.bound == "below" else answer.share
        records.append({"key": answer.key, "label": _label(t, question, answer), "status": answer.status,
                        "bound": answer.bound, "share": drawn, "ci_low": answer.ci_low, "ci_high": answer.ci_high, "count": answer.count,
                        "colour": colour, "mark": mark, "shown": mark or (t.fmt.percent(answer.share) if answer.share is not None else ""),
                        "mark_at": answer.ci_high if answer.ci_high is not None else drawn or 0.0})
    return pd.DataFrame(records, columns=["key", "label", "status", "bound", "share", "ci_low", "ci_high", "count", "colour", "mark",
                                          "shown", "mark_at"])


def _tooltips(t: Labels, answer_title: str, *extra: alt.Tooltip) -> list[alt.Tooltip]:
    return [alt.Tooltip("label:N", title=answer_title), *extra, alt.Tooltip("shown:N", title=t.gettext("Share")),
            alt.Tooltip("ci_low:Q", title=t.gettext("95% CI, lower"), format=".1%"),
            alt.Tooltip("ci_high:Q", title=t.gettext("95% CI, upper"), format=".1%"),
            alt.Tooltip("count:Q", title=t.gettext("Respondents"), format=",d")]


def survey_bars(stats: Statistics, t: Labels, qid: str) -> alt.TopLevelMixin:
    """Valid percentages with 95 % Wilson intervals, one bar per answer in codebook order, "don't know" apart in grey;
    a hidden answer is a hatched band with "suppressed" on it, a bound a lighter bar with "> 90 %"."""
    data = _answer_frame(stats, t, qid)
    order = list(dict.fromkeys(data.label))
    axis_title = t.gettext("Share of respondents who answered")
    x_scale = alt.Scale(domain=[0, 1])
    axis = alt.Axis(labelExpr=_wrapped(order, 24, most=2))
    base = alt.Chart().encode(y=alt.Y("label:N", title=None, sort=order, scale=alt.Scale(domain=order), axis=axis))
    band = base.transform_filter("datum.status == 'hidden'").mark_bar(color=HATCH).encode(
        x=alt.X(datum=0, title=axis_title, scale=x_scale), x2=alt.X2(datum=1))
    drawn = base.transform_filter("isValid(datum.share)")
    bars = drawn.mark_bar().encode(
        x=alt.X("share:Q", title=axis_title, axis=alt.Axis(format=".0%"), scale=x_scale),
        color=alt.Color("colour:N", scale=None, legend=None),
        tooltip=_tooltips(t, t.gettext("Answer")),
    )
    errors = drawn.transform_filter("isValid(datum.ci_low)").mark_errorbar(color="#333", ticks=True).encode(
        x=alt.X("ci_low:Q", title=axis_title), x2=alt.X2("ci_high:Q"))
    hidden = base.transform_filter("datum.status == 'hidden'").mark_text(
        align="left", dx=4, fontSize=9, fontStyle="italic", color=MARK_COLOUR).encode(x=alt.X(datum=0, scale=x_scale), text=alt.Text("mark:N"))
    marks = base.transform_filter("datum.mark != '' && datum.status != 'hidden'").mark_text(
        align="left", dx=3, fontSize=9, color="#333").encode(x=alt.X("mark_at:Q", title=axis_title), text=alt.Text("mark:N"))
    return _layered(data, band, bars, errors, hidden, marks).properties(width=WIDTH - 160, height=alt.Step(20))


def _layered(data: pd.DataFrame, *layers: alt.Chart) -> alt.LayerChart | alt.FacetChart:
    """Layers drawn from one table, given once: the same spec as each layer holding the table, without Altair
    comparing the layers by printing the table for each (a third of a survey chart's time)."""
    return alt.layer(*layers, data=data)


def _series_name(text: str) -> str:
    """A question's text as a legend entry, wrapped to lines the legend splits (Vega cannot wrap by itself).

    A space before closing punctuation (French ` ?`) is kept with its word, never left alone on a line.
    """
    text = re.sub(r"\s+([?!:;»])", "\u00a0\\1", text.strip())
    return "\n".join(textwrap.wrap(text, 70)) or text


def _compare_top(data: pd.DataFrame) -> float:
    """The top of a comparison chart's axis: past every bar, interval and bound drawn (published values only)."""
    tops = [value for column in ("share", "ci_high") for value in data[column].dropna().astype(float)]
    return min(1.0, math.ceil((max(tops, default=0.0) + 0.04) * 10) / 10) or 0.1


def survey_compare(stats: Statistics, t: Labels, first: str, second: str) -> alt.TopLevelMixin:
    """Two questions with the same answers: grouped bars, one colour per question, named by its text."""
    questions = stats.survey.codebook.questions
    series = [_series_name(t.question(questions[qid])) for qid in (first, second)]
    frames = [_answer_frame(stats, t, qid).assign(series=name) for qid, name in zip((first, second), series)]
    data = pd.concat(frames, ignore_index=True)
    order = list(dict.fromkeys([*frames[0].label, *frames[1].label]))
    axis_title = t.gettext("Share of respondents who answered")
    y_scale = alt.Scale(domain=[0, _compare_top(data)])
    base = alt.Chart().encode(
        x=alt.X("label:N", title=None, sort=order, scale=alt.Scale(domain=order),
                axis=alt.Axis(labelAngle=0, labelLimit=90, labelExpr="split(datum.label, ' ')", labelFontSize=_on_phone(8, 10))),
        xOffset=alt.XOffset("series:N", sort=series, scale=alt.Scale(domain=series)),
    )
    band = base.transform_filter("datum.status == 'hidden'").mark_bar(color=HATCH_VERTICAL).encode(
        y=alt.Y(datum=0, title=axis_title, scale=y_scale), y2=alt.Y2(datum=y_scale.domain[1]))  # type: ignore[index]
    drawn = base.transform_filter("isValid(datum.share)")
    bars = drawn.mark_bar().encode(
        y=alt.Y("share:Q", title=axis_title, axis=alt.Axis(format=".0%"), scale=y_scale),
        color=alt.Color("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=COMPARE_COLOURS),
                        legend=alt.Legend(labelExpr=_wrapped(series, 44, "split(datum.label, '\\n')", most=4), direction="vertical",
                                          labelLimit=_on_phone(320, WIDTH))),
        opacity=alt.OpacityValue(1.0, condition={"test": "datum.status == 'bound'", "value": 0.55}),
        tooltip=_tooltips(t, t.gettext("Answer"), alt.Tooltip("series:N", title=t.gettext("Question"))),
    )
    errors = drawn.transform_filter("isValid(datum.ci_low)").mark_rule(color="#333").encode(
        y=alt.Y("ci_low:Q", title=axis_title), y2=alt.Y2("ci_high:Q"))
    hidden = base.transform_filter("datum.status == 'hidden'").mark_text(
        angle=270, align="left", baseline="middle", dx=4, fontSize=8, fontStyle="italic", color=MARK_COLOUR).encode(
        y=alt.Y(datum=0, scale=y_scale), text=alt.Text("mark:N"))
    marks = base.transform_filter("datum.mark != '' && datum.status != 'hidden'").mark_text(
        baseline="bottom", dy=-2, fontSize=8, color="#333").encode(y=alt.Y("mark_at:Q", title=axis_title), text=alt.Text("mark:N"))
    return _layered(data, band, bars, errors, hidden, marks).properties(width=WIDTH, height=180)


def compared_questions(chart_id: str, codebook: Codebook) -> tuple[str, str] | None:
    """The two question ids of `survey.compare.<qid1>.<qid2>` (ids may hold dots: the split that names two questions)."""
    if not chart_id.startswith(COMPARE) or chart_id[len(SURVEY):] in codebook.questions:
        return None
    rest = chart_id[len(COMPARE):]
    for index, char in enumerate(rest):
        if char == "." and rest[:index] in codebook.questions and rest[index + 1:] in codebook.questions:
            return rest[:index], rest[index + 1:]
    return None


def _answer_keys(question: Question) -> tuple[str, ...]:
    if question.type == "multi":
        return tuple(question.columns)
    return tuple(code for code in question.labels if code not in question.dont_know)


def comparable(first: Question, second: Question) -> bool:
    """Two questions can share a chart when they are of one kind (choice or multi) and have the same answers."""
    kinds = {q.type == "multi" for q in (first, second)}
    plain = all(q.type in ("single", "scale", "multi") for q in (first, second))
    return plain and len(kinds) == 1 and first.id != second.id and _answer_keys(first) == _answer_keys(second)


# ---------------------------------------------------------------------------------------------------------------------
# Which charts exist and which can be drawn.

#: Market chart id -> builder, in the order the report usually places them.
MARKET_CHARTS: Mapping[str, Callable[[Statistics, Labels], alt.TopLevelMixin]] = {
    "vendors_monthly": vendors_monthly,
    "listings_monthly": listings_monthly,
    "category_mix": category_mix,
    "origin_combinations": origin_combinations,
    "transaction_values": transaction_values,
    "vendor_migration": vendor_migration,
}


def _table(stats: Statistics, name: str) -> pd.DataFrame:
    table = stats.market.tables.get(name)
    return table if table is not None else pd.DataFrame()


def _monthly_drawable(stats: Statistics, column: str) -> bool:
    """Some market has two months or more, and the focus country appears at all."""
    monthly = _table(stats, "monthly")
    if monthly.empty or column not in monthly:
        return False
    return bool(monthly[column].sum() > 0 and monthly.groupby("market").month.nunique().max() >= 2)


def _shares_publishable(stats: Statistics, *bases: int) -> bool:
    """Whether a chart may draw shares of these bases: none is under the disclosure threshold. The text gives a share
    of a smaller base as counts ("3 of 5"); a chart's bars and its data table could only give the percentage."""
    threshold = stats.figures.get("disclosure.threshold")
    return threshold is None or threshold.value is None or not any(too_few(base, int(threshold.value)) for base in bases)


def _categories_drawable(stats: Statistics) -> bool:
    table = _table(stats, "categories")
    if table.empty:
        return False
    focus, everyone = int(table.listings_focus.sum()), int(table.listings_all.sum())
    return bool(int((table.listings_all > 0).sum()) >= 2 and focus > 0 and _shares_publishable(stats, focus, everyone))


def _origins_drawable(stats: Statistics) -> bool:
    table = _table(stats, "origins")
    return bool(not table.empty and int((table.vendors > 0).sum()) >= 2)


def _transactions_drawable(stats: Statistics) -> bool:
    """Focus-country sales in two value brackets or more (all sales in one bracket is a sentence, not a chart), and
    as many as a published share needs."""
    table = _table(stats, "transaction_values")
    if table.empty:
        return False
    focus = table[table.focus.astype(bool) & (table.sales > 0)]
    return bool(focus.bracket.nunique() >= 2 and _shares_publishable(stats, int(focus.sales.sum())))


def _migration_drawable(stats: Statistics) -> bool:
    table = _table(stats, "migration")
    return bool(not table.empty and int((table.new > 0).sum()) >= 2)


MARKET_DRAWABLE: Mapping[str, Callable[[Statistics], bool]] = {
    "vendors_monthly": lambda stats: _monthly_drawable(stats, "vendors_focus"),
    "listings_monthly": lambda stats: _monthly_drawable(stats, "listings_focus"),
    "category_mix": _categories_drawable,
    "origin_combinations": _origins_drawable,
    "transaction_values": _transactions_drawable,
    "vendor_migration": _migration_drawable,
}


def _question_drawable(stats: Statistics, qid: str) -> bool:
    """Two bars or more: answers (exact or bound), and "don't know" when it is shown apart."""
    if _question(stats, qid) is None:
        return False
    dont_know = [a for a in _answers(stats, qid) if a.kind == "dont_know" and a.status == "shown" and a.share]
    return len(_drawn(stats, qid)) + len(dont_know) >= 2


def chart_drawable(chart_id: str, stats: Statistics) -> bool:
    """Whether the chart would show at least two points or categories, and no share of a base under the disclosure
    threshold (else the report says it in a sentence)."""
    if chart_id in MARKET_DRAWABLE:
        return MARKET_DRAWABLE[chart_id](stats)
    codebook = stats.survey.codebook
    pair = compared_questions(chart_id, codebook)
    if pair is not None:
        first, second = (codebook.questions[qid] for qid in pair)
        return comparable(first, second) and all(_question_drawable(stats, qid) for qid in pair)
    return chart_id.startswith(SURVEY) and _question_drawable(stats, chart_id[len(SURVEY):])


def chart_ids(stats: Statistics) -> list[str]:
    """Every single-source chart id these statistics could have, market charts first, then the codebook's questions."""
    survey = [f"{SURVEY}{qid}" for qid, question in stats.survey.codebook.questions.items() if question.type in SURVEY_TYPES]
    return [*MARKET_CHARTS, *survey]


def _builder(chart_id: str, stats: Statistics) -> Callable[[Statistics, Labels], alt.TopLevelMixin]:
    """The function that draws a chart id; an id that names no chart is a bug in whatever placed it."""
    if chart_id in MARKET_CHARTS:
        return MARKET_CHARTS[chart_id]
    pair = compared_questions(chart_id, stats.survey.codebook)
    if pair is not None:
        return lambda s, t: survey_compare(s, t, *pair)
    qid = chart_id[len(SURVEY):]
    if chart_id.startswith(SURVEY) and _question(stats, qid) is not None:
        return lambda s, t: survey_bars(s, t, qid)
    raise RenderError(f"chart '{chart_id}' is placed, but there is no such chart (market charts: "
                      f"{', '.join(MARKET_CHARTS)}; survey charts: survey.<question> for a single, scale, multi or "
                      "numeric question of the codebook, survey.compare.<question>.<question>)")


def chart_spec(chart_id: str, stats: Statistics, t: Labels) -> dict[str, Any]:
    """The Vega-Lite spec of one chart in one language.

    Without Altair's debug mode, which checks every part of a chart against the schema as it is made (valid_spec
    checks the whole spec in the tests instead)."""
    from altair.utils.schemapi import debug_mode

    with debug_mode(False):
        return _finish(_builder(chart_id, stats)(stats, t))


def to_svg(spec: Mapping[str, Any], fmt: Formatter) -> str:
    """Static vector rendering for the PDF, with the edition's number and date formats."""
    register_fonts()
    svg = vl_convert.vegalite_to_svg(print_spec(spec), format_locale=fmt.d3_format_locale(), time_format_locale=fmt.d3_time_locale())
    return _svg_named(svg, str(spec.get("description", "")))


def _svg_named(svg: str, description: str) -> str:
    """The SVG named by the chart's description, in the edition's language; Vega's English role description of its root
    group ("group mark container") goes (every other mark and guide is aria-hidden by the theme)."""
    svg = svg.replace(' role="graphics-object" aria-roledescription="group mark container"', ' aria-hidden="true"')
    if description:
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(description, quote=True)}" ', 1)
    return svg


# ---------------------------------------------------------------------------------------------------------------------
# Titles, alternative texts and sources.

#: Market chart titles and alternative texts are fixed strings: they live in the message catalogs.
CHART_TEXT: Mapping[str, tuple[str, str]] = {
    "vendors_monthly": (N_("Vendors shipping %(from_country)s per month, by market"),
                        N_("Line chart of the number of vendors shipping %(from_country)s each month on each market, with market closures and seizures marked.")),
    "listings_monthly": (N_("Listings shipped %(from_country)s per month, by market"),
                         N_("Line chart of the number of listings shipped %(from_country)s each month on each market, with market closures and seizures marked.")),
    "category_mix": (N_("Offer by drug category: vendors shipping %(from_country)s and all vendors"),
                     N_("Bar chart comparing the share of listings in each drug category for vendors shipping %(from_country)s and for all vendors.")),
    "origin_combinations": (N_("Countries of dispatch declared by vendors shipping %(from_country)s"),
                            N_("Bar chart of the combinations of countries of dispatch declared by vendors who shipped %(from_country)s at least once.")),
    "transaction_values": (N_("Sales of vendors shipping %(from_country)s by transaction value"),
                           N_("Bar chart of the share of sales and the share of sales value in each transaction value bracket, for vendors shipping %(from_country)s.")),
    "vendor_migration": (N_("New vendors on the remaining markets after a closure or seizure"),
                         N_("Bar chart of the vendors new on each market after another market closed, split into vendors seen on the closed market and other new vendors.")),
}
#: With one market, the monthly charts name it instead of speaking of "each market".
ONE_MARKET_TEXT: Mapping[str, tuple[str, str]] = {
    "vendors_monthly": (N_("Vendors shipping %(from_country)s per month on %(market)s"),
                        N_("Line chart of the number of vendors shipping %(from_country)s each month on %(market)s, with market closures and seizures marked.")),
    "listings_monthly": (N_("Listings shipped %(from_country)s per month on %(market)s"),
                         N_("Line chart of the number of listings shipped %(from_country)s each month on %(market)s, with market closures and seizures marked.")),
}
BARS_ALT = N_("Bar chart of the answers to this question, with 95%% confidence intervals: the most frequent answer is "
              "%(top)s (%(top_share)s), the least frequent %(bottom)s (%(bottom_share)s).")
BARS_ALT_HIDDEN = N_("Bar chart of the answers to this question, with 95%% confidence intervals: the most frequent answer is "
                     "%(top)s (%(top_share)s); of the answers shown, the least frequent is %(bottom)s (%(bottom_share)s).")
BARS_ALT_ONE = N_("Bar chart of the answers to this question: the only answer drawn besides those who do not know is "
                  "%(top)s (%(top_share)s).")
MULTI_ALT = N_("Several answers were possible, so the shares may add up to more than %(whole)s.")
COMPARE_TITLE = N_("Answers to two questions with the same answer options")
COMPARE_ALT = N_("Grouped bar chart comparing the answers to two questions with the same answer options, with 95%% "
                 "confidence intervals. The most frequent answer to “%(first)s” is %(first_top)s (%(first_share)s); "
                 "to “%(second)s”, it is %(second_top)s (%(second_share)s).")


@dataclass(frozen=True)
class ChartText:
    title: str
    alt: str
    source: str
    note: str = ""  # what the marks mean: intervals, hidden answers, bounds, "don't know" (one caption line)


INTERVAL_NOTE = N_("Black lines: 95%% confidence intervals (Wilson method), the range of plausible values given the "
                   "size of the sample.")
HIDDEN_NOTE = N_("“%(mark)s”: fewer than %(k)s respondents gave this answer, or it would let a reader work such an answer "
                 "out (statistical confidentiality).")
OTHER_NOTE = N_("“%(other)s” puts together the answers marked “%(mark)s”.")
OTHER_LIST_NOTE = N_("“%(other)s”: %(answers)s together.")
BOUND_NOTE = N_("“%(example)s”: the share is given only as a bound, so that no respondent's answer can be worked out.")
BOUND_BAR_NOTE = N_("A lighter bar stops at its bound, not at the exact share.")
DONT_KNOW_NOTE = N_("The grey bar “%(label)s” is a share of everyone who answered, “%(label)s” included (%(n)s); the other "
                    "shares leave these answers out (%(base)s).")


def _base(stats: Statistics, qid: str, threshold: int) -> int | None:
    """Respondents who validly answered the question (the chart's base, not all respondents), when it may be published
    (a base of 1 to threshold - 1 is not)."""
    figure = stats.survey.figures.get(f"survey.{qid}.base")
    if figure is None or not _public(figure) or figure.value is None or under_threshold(int(figure.value), threshold):
        return None
    return int(figure.value)


def _bases_in_words(t: Labels, bases: Sequence[int]) -> str:
    """One base, two ("84 and 79"), or the range of three or more ("69 to 88")."""
    distinct = list(dict.fromkeys(bases))
    if len(distinct) <= 2:
        return format_list([t.fmt.number(base) for base in distinct], locale=t.fmt.locale)
    return t.gettext("%(low)s to %(high)s") % {"low": t.fmt.number(min(distinct)), "high": t.fmt.number(max(distinct))}


def _survey_source(config: ReportConfig, stats: Statistics, t: Labels, qids: Sequence[str]) -> str:
    bases = [base for base in (_base(stats, qid, config.disclosure.threshold) for qid in qids) if base is not None]
    if not bases:
        return t.gettext("online survey of cryptomarket buyers")
    return t.ngettext(
        "online survey of cryptomarket buyers (%(n)s of %(total)s respondent answered)",
        "online survey of cryptomarket buyers (%(n)s of %(total)s respondents answered)",
        max(bases),  # the verb agrees with those who answered ("69 and 88 ... answered": plural)
    ) % {"n": _bases_in_words(t, bases), "total": t.fmt.number(stats.survey.respondents)}


def _in_words(t: Labels, answer: Answer) -> str:
    """An answer's share as the alt text says it: "45 %", "more than 90 %"."""
    if answer.share is None:
        return ""
    if answer.status == "bound" and answer.bound in BOUND_WORDS:
        return t.gettext(BOUND_WORDS[answer.bound]) % {"value": t.fmt.percent(answer.share)}
    return t.fmt.percent(answer.share)


def _drawn(stats: Statistics, qid: str) -> list[Answer]:
    """The answers drawn as bars (exact, or a lower bound), "don't know" aside."""
    return [a for a in _answers(stats, qid, dont_know=False)
            if (a.status == "shown" or a.bound == "above") and a.share is not None]


def _extremes(stats: Statistics, t: Labels, qid: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """The most and the least frequent drawn answer, each as (label, share in words)."""
    question = stats.survey.codebook.questions[qid]
    ranked = sorted(_drawn(stats, qid), key=lambda a: -(a.share or 0.0))
    if not ranked:
        return ("", ""), ("", "")
    top, bottom = ranked[0], ranked[-1]
    return (_label(t, question, top), _in_words(t, top)), (_label(t, question, bottom), _in_words(t, bottom))


def _hidden_count(stats: Statistics, qids: Sequence[str]) -> int:
    return sum(1 for qid in qids for answer in _answers(stats, qid) if answer.status == "hidden")


def _hidden_sentence(stats: Statistics, t: Labels, qids: Sequence[str]) -> str:
    hidden = _hidden_count(stats, qids)
    if not hidden:
        return ""
    return " " + t.ngettext("%(n)s answer is marked “%(mark)s”: it is not published (statistical confidentiality).",
                            "%(n)s answers are marked “%(mark)s”: they are not published (statistical confidentiality).",
                            hidden) % {"n": t.fmt.number(hidden), "mark": t.gettext(SUPPRESSED_MARK)}


def _note(config: ReportConfig, stats: Statistics, t: Labels, qids: Sequence[str]) -> str:
    """The caption line that says what the chart's marks mean: each kind of mark it has, once."""
    answers = [answer for qid in qids for answer in _answers(stats, qid)]
    lines = []
    if any(answer.ci_low is not None for answer in answers):
        lines.append(t.gettext(INTERVAL_NOTE) % {})
    if any(answer.status == "hidden" for answer in answers):
        lines.append(t.gettext(HIDDEN_NOTE) % {"mark": t.gettext(SUPPRESSED_MARK), "k": t.fmt.number(config.disclosure.threshold)})
    lines += list(dict.fromkeys(_other_note(stats, t, qid) for qid in qids))
    bounds = [answer for answer in answers if answer.status == "bound"]
    if bounds:
        lines.append(t.gettext(BOUND_NOTE) % {"example": _mark(t, bounds[0])})
    if any(answer.bound == "above" for answer in bounds):
        lines.append(t.gettext(BOUND_BAR_NOTE))
    for qid in qids:
        lines.append(_dont_know_note(config, stats, t, qid))
    return " ".join(line for line in lines if line)


def _other_note(stats: Statistics, t: Labels, qid: str) -> str:
    """What "other answers" holds: the hidden answers (the usual case), else its answers named."""
    question = stats.survey.codebook.questions[qid]
    rows = _answer_rows(stats, qid)
    merged = rows[rows.kind == "merged"] if "merged" in rows else rows.iloc[0:0]
    answers = {a.key: a for a in _answers(stats, qid, dont_know=False)}
    if merged.empty or answers.get(str(merged.iloc[0].key), Answer("", "", "hidden")).status == "hidden":
        return ""
    keys = [key for key in str(merged.iloc[0].merged or "").split("|") if key]
    other = t.gettext(OTHER_ANSWERS)
    if set(keys) == {key for key, a in answers.items() if a.status == "hidden"}:
        return t.gettext(OTHER_NOTE) % {"other": other, "mark": t.gettext(SUPPRESSED_MARK)}
    quoted = [t.gettext("“%(text)s”") % {"text": t.answer(question, key)} for key in keys]
    return t.gettext(OTHER_LIST_NOTE) % {"other": other, "answers": format_list(quoted, locale=t.fmt.locale)}


def _dont_know_note(config: ReportConfig, stats: Statistics, t: Labels, qid: str) -> str:
    question = stats.survey.codebook.questions[qid]
    shown = [a for a in _answers(stats, qid) if a.kind == "dont_know" and a.status == "shown" and a.share]
    share = stats.survey.figures.get(f"survey.{qid}.dont_know.share")
    base = _base(stats, qid, config.disclosure.threshold)
    if not shown or share is None or share.base is None or base is None:
        return ""
    return t.gettext(DONT_KNOW_NOTE) % {"label": t.answer(question, question.dont_know[0]),
                                        "n": f"n\u00a0=\u00a0{t.fmt.number(share.base)}", "base": f"n\u00a0=\u00a0{t.fmt.number(base)}"}


def _bars_text(config: ReportConfig, stats: Statistics, t: Labels, qid: str) -> ChartText:
    question = stats.survey.codebook.questions[qid]
    (top, top_share), (bottom, bottom_share) = _extremes(stats, t, qid)
    base = _base(stats, qid, config.disclosure.threshold)
    hidden = _hidden_count(stats, [qid]) > 0
    one = len(_drawn(stats, qid)) < 2  # one bar besides "don't know": it is the most and the least frequent
    alt_text = t.gettext(BARS_ALT_ONE if one else BARS_ALT_HIDDEN if hidden else BARS_ALT) % {
        "top": top, "top_share": top_share, "bottom": bottom, "bottom_share": bottom_share}
    if base is not None:
        alt_text += " " + t.ngettext("%(n)s respondent answered.", "%(n)s respondents answered.", base) % {"n": t.fmt.number(base)}
    if question.type == "multi":
        alt_text += " " + t.gettext(MULTI_ALT) % {"whole": t.fmt.percent(1.0)}
    alt_text += _hidden_sentence(stats, t, [qid])
    dont_know = _dont_know_note(config, stats, t, qid)
    alt_text += " " + dont_know if dont_know else ""
    return ChartText(t.question(question), alt_text, _survey_source(config, stats, t, [qid]), _note(config, stats, t, [qid]))


def _finding_title(codebook: Codebook, qids: Sequence[str], lang: str) -> str | None:
    """The title of a codebook finding that groups exactly these questions, when it has one in this language."""
    for finding in codebook.findings:
        if tuple(finding.questions) == tuple(qids) and finding.title.get(lang):
            return finding.title[lang]
    return None


def _compare_text(config: ReportConfig, stats: Statistics, t: Labels, first: str, second: str) -> ChartText:
    questions = stats.survey.codebook.questions
    (first_top, first_share), _ = _extremes(stats, t, first)
    (second_top, second_share), _ = _extremes(stats, t, second)
    alt_text = t.gettext(COMPARE_ALT) % {
        "first": t.question(questions[first]), "first_top": first_top, "first_share": first_share,
        "second": t.question(questions[second]), "second_top": second_top, "second_share": second_share}
    bases = [base for base in (_base(stats, qid, config.disclosure.threshold) for qid in (first, second)) if base is not None]
    if bases:
        alt_text += " " + t.ngettext("%(n)s respondent answered.", "%(n)s respondents answered.", max(bases)) % {
            "n": _bases_in_words(t, bases)}
    alt_text += _hidden_sentence(stats, t, [first, second])
    title = _finding_title(stats.survey.codebook, [first, second], t.fmt.lang) or t.gettext(COMPARE_TITLE)
    return ChartText(title, alt_text, _survey_source(config, stats, t, [first, second]), _note(config, stats, t, [first, second]))


def _market_text(config: ReportConfig, stats: Statistics, t: Labels, chart_id: str) -> ChartText:
    names = list(stats.market.markets)
    title, alt_text = ONE_MARKET_TEXT.get(chart_id, CHART_TEXT[chart_id]) if len(names) == 1 else CHART_TEXT[chart_id]
    markets = format_list(names, locale=t.fmt.locale) if names else ""
    source = t.gettext("web scraping of %(markets)s, %(start)s to %(end)s") % {
        "markets": markets, "start": t.fmt.month(config.period.start), "end": t.fmt.month(config.period.end)}
    values = {"from_country": t.from_country, "market": names[0] if names else ""}
    return ChartText(t.gettext(title) % values, t.gettext(alt_text) % values + " " + MARKET_VALUES[chart_id](stats, t), source)


def chart_text(config: ReportConfig, stats: Statistics, t: Labels, chart_id: str) -> ChartText:
    """Title, alternative text and source line of one chart, in the edition's language."""
    if chart_id in CHART_TEXT:
        return _market_text(config, stats, t, chart_id)
    pair = compared_questions(chart_id, stats.survey.codebook)
    if pair is not None:
        return _compare_text(config, stats, t, *pair)
    return _bars_text(config, stats, t, chart_id[len(SURVEY):])


# ---------------------------------------------------------------------------------------------------------------------
# Main values in words (the alternative text) and the data as a table, from the frames the charts draw.

NO_VALUE = "\u2013"  # a table cell with nothing to show: no observation that month, no interval for a bound
MONTHLY_SERIES = N_("%(market)s: %(first)s in %(first_month)s, %(last)s in %(last_month)s.")
MONTHLY_SINGLE = N_("%(market)s: %(first)s in %(first_month)s.")
MONTHLY_EVENTS = N_("Marked events: %(events)s.")
CATEGORY_GROUP = N_("%(group)s: the largest category is %(top)s (%(top_share)s), the smallest %(bottom)s (%(bottom_share)s).")
ORIGINS_VALUES = N_("The most frequent is %(top)s (%(top_n)s), the least frequent shown %(bottom)s (%(bottom_n)s).")
TRANSACTION_MEASURE = N_("%(measure)s: highest for %(top)s (%(top_share)s), lowest for %(bottom)s (%(bottom_share)s).")
MIGRATION_ROUTE = N_("%(route)s: %(migrated)s of %(new)s new vendors came from the closed market.")


def _vendors(t: Labels, n: int) -> str:
    return t.ngettext("%(n)s vendor", "%(n)s vendors", n) % {"n": t.fmt.number(n)}


def _monthly_alt(stats: Statistics, t: Labels, column: str) -> str:
    """Each market's first and last month with their values, and the events marked."""
    monthly = _monthly_frame(stats, column)
    sentences = []
    for market in dict.fromkeys(monthly.market):
        rows = monthly[monthly.market == market]
        first, last = rows.iloc[0], rows.iloc[-1]
        values = {"market": market, "first": t.fmt.number(int(first[column])), "first_month": t.fmt.month(first.month),
                  "last": t.fmt.number(int(last[column])), "last_month": t.fmt.month(last.month)}
        sentences.append(t.gettext(MONTHLY_SERIES if len(rows) > 1 else MONTHLY_SINGLE) % values)
    events = [_event_label(t, e) for e in _events_in(stats, monthly)]
    if events:
        sentences.append(t.gettext(MONTHLY_EVENTS) % {"events": format_list(events, locale=t.fmt.locale)})
    return " ".join(sentences)


def _event_label(t: Labels, event: Any) -> str:
    return t.gettext("%(market)s: %(event)s") % {"market": event.market, "event": t.gettext(EVENT_KINDS[event.kind])} + \
        f" ({t.fmt.date(event.date)})"


#: A monthly table's column: a market's count (each language writes the measure as it should: German keeps its capital).
MONTHLY_COLUMNS: Mapping[str, str] = {"vendors_focus": N_("%(market)s: vendors"), "listings_focus": N_("%(market)s: listings")}


def _monthly_table(stats: Statistics, t: Labels, column: str) -> ChartTable:
    """One row per month, one column per market (the chart's lines), then the events of the month."""
    monthly = _monthly_frame(stats, column)
    markets = list(dict.fromkeys(monthly.market))
    events = _events_in(stats, monthly)
    values = {(row.market, row.month): int(getattr(row, column)) for row in monthly.itertuples()}
    rows = []
    for month in sorted(set(monthly.month)):
        cells = [t.fmt.month(month), *(t.fmt.number(values[market, month]) if (market, month) in values else NO_VALUE
                                       for market in markets)]
        if events:
            cells.append("; ".join(_event_label(t, e) for e in events if e.date.isoformat()[:7] == month[:7]) or NO_VALUE)
        rows.append(tuple(cells))
    columns = (t.gettext("Month"), *(t.gettext(MONTHLY_COLUMNS[column]) % {"market": market} for market in markets),
               *((t.gettext("Events"),) if events else ()))
    return ChartTable(columns, tuple(rows), (False, *(True for _ in markets), *((False,) if events else ())))


def _ranked(frame: pd.DataFrame, value: str) -> tuple[Any, Any]:
    """The rows with the largest and the smallest value (the first listed on a tie)."""
    ordered = frame.reset_index(drop=True)
    return ordered.loc[ordered[value].idxmax()], ordered.loc[ordered[value].idxmin()]


def _category_alt(stats: Statistics, t: Labels) -> str:
    data = _category_frame(stats, t)
    table = stats.market.tables["categories"]
    sentences = []
    for group, column in _category_groups(t):
        top, bottom = _ranked(data[data.group == group], "share")
        sentences.append(t.gettext(CATEGORY_GROUP) % {
            "group": group, "top": top.category, "top_share": t.fmt.percent(top.share, 1),
            "bottom": bottom.category, "bottom_share": t.fmt.percent(bottom.share, 1)})
    focus, total = int(table.listings_focus.sum()), int(table.listings_all.sum())
    sentences.append(t.gettext("Shares of %(focus)s and %(all)s listings.") % {
        "focus": t.fmt.number(focus), "all": t.fmt.number(total)})
    return " ".join(sentences)


def _category_table(stats: Statistics, t: Labels) -> ChartTable:
    data = _category_frame(stats, t)
    groups = [group for group, _ in _category_groups(t)]
    shares = {(row.category, row.group): float(row.share) for row in data.itertuples()}
    rows = tuple((category, *(t.fmt.percent(shares[category, group], 1) for group in groups))
                 for category in dict.fromkeys(data.category))
    columns = (t.gettext("Category"), *(t.gettext("%(group)s: share of listings") % {"group": group} for group in groups))
    return ChartTable(columns, rows, (False, True, True))


def _origins_alt(stats: Statistics, t: Labels) -> str:
    table = _origin_frame(stats, t)
    top, bottom = _ranked(table, "vendors")
    total = int(stats.market.tables["origins"].vendors.sum())
    return t.gettext(ORIGINS_VALUES) % {"top": top.label, "top_n": _vendors(t, int(top.vendors)), "bottom": bottom.label,
                                        "bottom_n": _vendors(t, int(bottom.vendors))} + " " + \
        t.ngettext("%(n)s vendor in all.", "%(n)s vendors in all.", total) % {"n": t.fmt.number(total)}


def _origins_table(stats: Statistics, t: Labels) -> ChartTable:
    table = _origin_frame(stats, t)
    rows = tuple((str(row.label), t.fmt.number(int(row.vendors))) for row in table.itertuples())
    return ChartTable((t.gettext("Ships from"), t.gettext("Vendors")), rows, (False, True))


def _transactions_alt(stats: Statistics, t: Labels) -> str:
    data = _transaction_frame(stats, t)
    sentences = []
    for measure in _transaction_measures(t):
        top, bottom = _ranked(data[data.measure == measure], "share")
        sentences.append(t.gettext(TRANSACTION_MEASURE) % {
            "measure": measure, "top": top.bracket, "top_share": t.fmt.percent(top.share, 1),
            "bottom": bottom.bracket, "bottom_share": t.fmt.percent(bottom.share, 1)})
    table = stats.market.tables["transaction_values"]
    sales = int(table[table.focus.astype(bool)].sales.sum())
    sentences.append(t.ngettext("Based on %(n)s sale.", "Based on %(n)s sales.", sales) % {"n": t.fmt.number(sales)})
    return " ".join(sentences)


def _transactions_table(stats: Statistics, t: Labels) -> ChartTable:
    data = _transaction_frame(stats, t)
    measures = _transaction_measures(t)
    shares = {(row.bracket, row.measure): float(row.share) for row in data.itertuples()}
    rows = tuple((bracket, *(t.fmt.percent(shares[bracket, measure], 1) for measure in measures))
                 for bracket in value_bracket_labels(t.fmt, t.gettext))
    return ChartTable((t.gettext("Transaction value"), *measures), rows, (False, True, True))


def _migration_alt(stats: Statistics, t: Labels) -> str:
    return " ".join(t.gettext(MIGRATION_ROUTE) % {"route": _route(t, row, start=True), "migrated": t.fmt.number(int(row.migrated)),
                                                  "new": t.fmt.number(int(row.new))}
                    for row in stats.market.tables["migration"].itertuples())


def _migration_table(stats: Statistics, t: Labels) -> ChartTable:
    came, other = _migration_kinds(t)
    rows = tuple((_route(t, row, start=True), t.fmt.number(int(row.migrated)), t.fmt.number(int(row.new - row.migrated)),
                  t.fmt.number(int(row.new))) for row in stats.market.tables["migration"].itertuples())
    return ChartTable((t.gettext("Route"), came, other, t.gettext("New vendors after the closure")), rows, (False, True, True, True))


MARKET_VALUES: Mapping[str, Callable[[Statistics, Labels], str]] = {
    "vendors_monthly": lambda stats, t: _monthly_alt(stats, t, "vendors_focus"),
    "listings_monthly": lambda stats, t: _monthly_alt(stats, t, "listings_focus"),
    "category_mix": _category_alt,
    "origin_combinations": _origins_alt,
    "transaction_values": _transactions_alt,
    "vendor_migration": _migration_alt,
}
MARKET_TABLES: Mapping[str, Callable[[Statistics, Labels], ChartTable]] = {
    "vendors_monthly": lambda stats, t: _monthly_table(stats, t, "vendors_focus"),
    "listings_monthly": lambda stats, t: _monthly_table(stats, t, "listings_focus"),
    "category_mix": _category_table,
    "origin_combinations": _origins_table,
    "transaction_values": _transactions_table,
    "vendor_migration": _migration_table,
}


def _interval(t: Labels, answer: Answer) -> str:
    if answer.ci_low is None or answer.ci_high is None:
        return NO_VALUE
    return f"{t.fmt.percent(answer.ci_low)}\u2013{t.fmt.percent(answer.ci_high)}"


def _share_cell(t: Labels, answer: Answer) -> str:
    """An answer's share as the chart shows it: exact, its bound ("> 90 %"), or the hidden mark."""
    if answer.status in ("hidden", "bound"):
        return _mark(t, answer)
    return t.fmt.percent(answer.share) if answer.share is not None else NO_VALUE


def _survey_table(config: ReportConfig, stats: Statistics, t: Labels, qid: str) -> ChartTable:
    """Answer, share, 95 % interval and number of respondents; a hidden answer shows only its mark; the base last."""
    question = stats.survey.codebook.questions[qid]
    rows = [(_label(t, question, a), _share_cell(t, a), _interval(t, a),
             t.fmt.number(a.count) if a.count is not None and a.status == "shown" else NO_VALUE) for a in _answers(stats, qid)]
    base = _base(stats, qid, config.disclosure.threshold)
    if base is not None:
        rows.append((t.gettext("Respondents who answered"), NO_VALUE, NO_VALUE, t.fmt.number(base)))
    columns = (t.gettext("Answer"), t.gettext("Share"), t.gettext("95%% confidence interval") % {}, t.gettext("Respondents"))
    return ChartTable(columns, tuple(rows), (False, True, True, True))


def _compare_table(config: ReportConfig, stats: Statistics, t: Labels, first: str, second: str) -> ChartTable:
    """One row per answer, one column per question: the share with its 95 % interval, as the chart shows it."""
    questions = stats.survey.codebook.questions
    cells: dict[str, list[str]] = {}
    for position, qid in enumerate((first, second)):
        for answer in _answers(stats, qid):
            shown = _share_cell(t, answer)
            if answer.status == "shown" and answer.ci_low is not None:
                shown = f"{shown} ({_interval(t, answer)})"
            cells.setdefault(_label(t, questions[qid], answer), [NO_VALUE, NO_VALUE])[position] = shown
    rows = [(label, *values) for label, values in cells.items()]
    bases = [_base(stats, qid, config.disclosure.threshold) for qid in (first, second)]
    if all(base is not None for base in bases):
        rows.append((t.gettext("Respondents who answered"), *(t.fmt.number(base or 0) for base in bases)))
    columns = (t.gettext("Answer"), *(t.gettext("%(question)s (share, 95%% confidence interval)") % {
        "question": t.question(questions[qid])} for qid in (first, second)))
    return ChartTable(columns, tuple(rows), (False, True, True))


def chart_table(config: ReportConfig, stats: Statistics, t: Labels, chart_id: str) -> ChartTable:
    """The chart's data as a table in the edition's language: only what the chart itself shows."""
    if chart_id in MARKET_TABLES:
        return MARKET_TABLES[chart_id](stats, t)
    pair = compared_questions(chart_id, stats.survey.codebook)
    if pair is not None:
        return _compare_table(config, stats, t, *pair)
    return _survey_table(config, stats, t, chart_id[len(SURVEY):])


# ---------------------------------------------------------------------------------------------------------------------
# One edition's charts.

def labels_for(config: ReportConfig, lang: str, theme: Theme) -> Labels:
    """Catalog, formats and names of one edition language, for every chart of it (the focus country as the language's
    word helpers write it)."""
    catalog = theme.catalog(lang)
    fmt = Formatter(lang)
    return Labels(gettext=catalog.gettext, ngettext=catalog.ngettext, fmt=fmt,
                  from_country=theme.from_country(lang, fmt.country(config.focus_country)),
                  category=lambda key: config.taxonomy[key].label.get(lang, key) if key in config.taxonomy else key)


def build_chart(config: ReportConfig, stats: Statistics, t: Labels, chart_id: str, number: int, svg: bool) -> Chart:
    spec = chart_spec(chart_id, stats, t)
    text = chart_text(config, stats, t, chart_id)
    spec["description"] = text.alt  # Vega's own accessible name for the chart
    return Chart(id=chart_id, number=number, title=text.title, alt=text.alt, source=text.source, spec=spec,
                 svg=to_svg(spec, t.fmt) if svg else None, note=text.note, table=chart_table(config, stats, t, chart_id))


def make_charts(config: ReportConfig, stats: Statistics, lang: str, svg: bool, theme: Theme,
                placed: Sequence[str]) -> dict[str, Chart]:
    """The charts `placed` (in the order the outline placed them, numbered 1..n), labelled in one language.

    Whoever places a chart checks `chart_drawable` first; a chart placed anyway is drawn as the data allow.
    """
    repeated = sorted({chart_id for chart_id in placed if list(placed).count(chart_id) > 1})
    if repeated:
        raise RenderError(f"chart {', '.join(repeated)} placed twice: each chart has one place and one number")
    t = labels_for(config, lang, theme)
    return {chart_id: build_chart(config, stats, t, chart_id, number, svg) for number, chart_id in enumerate(placed, start=1)}
