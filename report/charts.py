"""Altair charts from the statistics, labelled in one language: a Vega-Lite spec (HTML) and an SVG (PDF)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import altair as alt
import pandas as pd
import vl_convert

from .i18n import Formatter, bracket_label, origin_name, translations, value_bracket_labels
from .model import Chart, Codebook, Statistics

if TYPE_CHECKING:
    from .config import ReportConfig

FONT = "Noto Sans"
FONTS_DIR = Path(__file__).parent / "assets" / "fonts"
MARKET_COLOURS = ["#1b6ca8", "#d1495b", "#2e8b57", "#edae49", "#6a4c93"]
WIDTH = 440
N_ = lambda message: message  # noqa: E731 - marks strings for extraction
EVENT_KINDS = {"launch": N_("launch"), "closure": N_("closure"), "exit_scam": N_("exit scam"), "seizure": N_("seizure")}


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """vl-convert draws chart text with the report's own font files."""
    vl_convert.register_font_directory(str(FONTS_DIR))


def engine_started() -> bool:
    """Whether this process has started vl-convert's JavaScript engine, whose threads do not survive a fork."""
    return register_fonts.cache_info().currsize > 0


@dataclass(frozen=True)
class Labels:
    """What charts need to say things in one language."""

    gettext: Callable[[str], str]
    fmt: Formatter
    focus_name: str
    category: Callable[[str], str]
    codebook: Codebook

    def answer(self, question: str, key: str) -> str:
        labels = self.codebook.questions[question].labels
        return labels[key][self.fmt.lang] if key in labels else key


def _theme() -> dict[str, Any]:
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 10, "titleFontSize": 10, "titleFontWeight": "normal",
                 "gridColor": "#e3e3e3", "domainColor": "#888", "tickColor": "#888", "labelLimit": 220},
        "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 10, "titleFontSize": 10, "orient": "bottom",
                   "titleFontWeight": "normal", "labelLimit": 260},
        "title": {"font": FONT, "fontSize": 12},
        "text": {"font": FONT},
    }


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.configure(**_theme()).to_dict()
    spec.pop("$schema", None)
    return spec


def _market_scale(markets: tuple[str, ...]) -> alt.Scale:
    return alt.Scale(domain=list(markets), range=MARKET_COLOURS[: len(markets)])


def _monthly(stats: Statistics, t: Labels, column: str, y_title: str) -> alt.TopLevelMixin:
    monthly = stats.market.tables["monthly"][["market", "month", column]].copy()
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m-%d")
    base = alt.Chart(monthly).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-40, tickCount="month")),
        y=alt.Y(f"{column}:Q", title=y_title, axis=alt.Axis(format=",d")),
        color=alt.Color("market:N", title=None, scale=_market_scale(stats.market.markets)),
        tooltip=[alt.Tooltip("market:N", title=t.gettext("Market")), alt.Tooltip("month:T", title=t.gettext("Month"), format="%B %Y"),
                 alt.Tooltip(f"{column}:Q", title=y_title, format=",d")],
    )
    lines = base.mark_line(point=True, strokeWidth=2)
    event_rows: list[dict[str, str | None]] = (
        [{"date": e.date.isoformat(), "market": e.market, "kind": t.gettext(EVENT_KINDS[e.kind]),
          "label": t.gettext("%(market)s: %(event)s") % {"market": e.market, "event": t.gettext(EVENT_KINDS[e.kind])}}
         for e in stats.market.events if str(monthly["month"].min()) <= e.date.isoformat() <= str(monthly["month"].max())]
        or [{"date": None, "label": "", "market": "", "kind": ""}]
    )
    events = pd.DataFrame(event_rows).dropna()
    if events.empty:
        return lines.properties(width=WIDTH, height=180)
    rules = alt.Chart(events).mark_rule(strokeDash=[4, 3], color="#555").encode(
        x="date:T", tooltip=[alt.Tooltip("label:N", title=t.gettext("Event")), alt.Tooltip("date:T", title=t.gettext("Date"), format="%d %B %Y")]
    )
    # Printed charts have no tooltips: name the events beside their lines, one label per market (a market's
    # exit scam and seizure days apart would otherwise print on top of each other).
    named = events.groupby("market", sort=False).agg(date=("date", "min"), kinds=("kind", ", ".join)).reset_index()
    named["label"] = [t.gettext("%(market)s: %(event)s") % {"market": row.market, "event": row.kinds} for row in named.itertuples()]
    labels = alt.Chart(named).mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-2, fontSize=8, color="#444").encode(
        x="date:T", y=alt.value(0), text="label:N")
    return alt.layer(lines, rules, labels).properties(width=WIDTH, height=180)


def vendors_monthly(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _monthly(stats, t, "vendors_focus", t.gettext("Vendors"))


def listings_monthly(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _monthly(stats, t, "listings_focus", t.gettext("Listings"))


def category_mix(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    table = stats.market.tables["categories"]
    rows = []
    for group, column in ((t.gettext("Vendors shipping from %(country)s") % {"country": t.focus_name}, "listings_focus"),
                          (t.gettext("All vendors"), "listings_all")):
        total = table[column].sum()
        for row in table.itertuples():
            rows.append({"category": t.category(row.category), "group": group,
                         "share": (getattr(row, column) / total) if total else 0.0})
    data = pd.DataFrame(rows)
    groups = list(dict.fromkeys(data.group))
    order = [t.category(c) for c in table.category]
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("category:N", title=None, sort=order),
        yOffset=alt.YOffset("group:N", sort=groups),
        x=alt.X("share:Q", title=t.gettext("Share of listings"), axis=alt.Axis(format=".0%")),
        color=alt.Color("group:N", title=None, sort=groups, scale=alt.Scale(domain=groups, range=["#d1495b", "#9aa5b1"])),
        tooltip=[alt.Tooltip("category:N", title=t.gettext("Category")), alt.Tooltip("group:N", title=t.gettext("Group")),
                 alt.Tooltip("share:Q", title=t.gettext("Share of listings"), format=".1%")],
    ).properties(width=WIDTH - 120, height=alt.Step(9))


def origin_combinations(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    table = stats.market.tables["origins"].copy()
    table["label"] = table.combination.map(lambda combo: " + ".join(origin_name(code, t.fmt, t.gettext) for code in combo.split("+")))
    table = table.head(10)
    return alt.Chart(table).mark_bar(color="#1b6ca8").encode(
        y=alt.Y("label:N", title=None, sort=list(table.label)),
        x=alt.X("vendors:Q", title=t.gettext("Vendors"), axis=alt.Axis(format=",d", tickMinStep=1)),
        tooltip=[alt.Tooltip("label:N", title=t.gettext("Ships from")), alt.Tooltip("vendors:Q", title=t.gettext("Vendors"), format=",d")],
    ).properties(width=WIDTH - 120, height=alt.Step(20))


def transaction_values(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    table = stats.market.tables["transaction_values"]
    focus = table[table.focus]
    labels = value_bracket_labels(t.fmt, t.gettext)
    rows = []
    measures = [t.gettext("Share of sales"), t.gettext("Share of sales value")]
    for measure, column in zip(measures, ("sales", "value_eur")):
        total = focus[column].sum()
        for index, label in enumerate(labels):
            value = focus.loc[focus.bracket == index, column].sum()
            rows.append({"bracket": label, "measure": measure, "share": float(value / total) if total else 0.0})
    data = pd.DataFrame(rows)
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("bracket:N", title=t.gettext("Transaction value"), sort=labels, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("measure:N", sort=measures),
        y=alt.Y("share:Q", title=None, axis=alt.Axis(format=".0%")),
        color=alt.Color("measure:N", title=None, sort=measures, scale=alt.Scale(domain=measures, range=["#1b6ca8", "#edae49"])),
        tooltip=[alt.Tooltip("bracket:N", title=t.gettext("Transaction value")), alt.Tooltip("measure:N", title=t.gettext("Measure")),
                 alt.Tooltip("share:Q", title=t.gettext("Share"), format=".1%")],
    ).properties(width=WIDTH, height=200)


def vendor_migration(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    table = stats.market.tables["migration"]
    rows = []
    kinds = [t.gettext("Came from the closed market"), t.gettext("Other new vendors")]
    for row in table.itertuples():
        route = t.gettext("%(from)s to %(to)s") % {"from": row.from_market, "to": row.to_market}
        rows.append({"route": route, "kind": t.gettext("Came from the closed market"), "vendors": int(row.migrated), "order": 0})
        rows.append({"route": route, "kind": t.gettext("Other new vendors"), "vendors": int(row.new - row.migrated), "order": 1})
    data = pd.DataFrame(rows, columns=["route", "kind", "vendors", "order"])
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("route:N", title=None),
        x=alt.X("vendors:Q", title=t.gettext("New vendors after the closure"), axis=alt.Axis(format=",d")),
        color=alt.Color("kind:N", title=None, sort=kinds, scale=alt.Scale(domain=kinds, range=["#d1495b", "#c9d1d9"])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("route:N", title=t.gettext("Route")), alt.Tooltip("kind:N", title=t.gettext("Vendors")),
                 alt.Tooltip("vendors:Q", title=t.gettext("Number"), format=",d")],
    ).properties(width=WIDTH - 140, height=alt.Step(22))


def _survey_bars(stats: Statistics, t: Labels, question: str, labels: Callable[[str], str] | None = None) -> alt.TopLevelMixin:
    """Valid percentages with 95 % Wilson intervals; suppressed cells are left out, never drawn."""
    table = stats.survey.tables[question]
    shown = table[(table.kind == "answer") & ~table.suppressed].copy()
    shown["label"] = labels_for(shown.key, t, question) if labels is None else [labels(k) for k in shown.key]
    order = list(shown.label)
    base = alt.Chart(shown).encode(y=alt.Y("label:N", title=None, sort=order))
    bars = base.mark_bar(color="#2e8b57").encode(
        x=alt.X("share:Q", title=t.gettext("Share of respondents who answered"), axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("label:N", title=t.gettext("Answer")), alt.Tooltip("share:Q", title=t.gettext("Share"), format=".1%"),
                 alt.Tooltip("ci_low:Q", title=t.gettext("95% CI, lower"), format=".1%"),
                 alt.Tooltip("ci_high:Q", title=t.gettext("95% CI, upper"), format=".1%"),
                 alt.Tooltip("count:Q", title="n", format=",d")],
    )
    errors = base.mark_errorbar(color="#333", ticks=True).encode(
        x=alt.X("ci_low:Q", title=t.gettext("Share of respondents who answered")), x2="ci_high:Q")
    return alt.layer(bars, errors).properties(width=WIDTH - 160, height=alt.Step(20))


def labels_for(keys: pd.Series, t: Labels, question: str) -> list[str]:
    return [t.answer(question, key) for key in keys]


def _numeric_bracket_labels(stats: Statistics, t: Labels, question: str) -> Callable[[str], str]:
    return lambda key: bracket_label(stats.survey.codebook.questions[question], key, t.fmt.lang)


def survey_spending(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _survey_bars(stats, t, "spending_eur", _numeric_bracket_labels(stats, t, "spending_eur"))


def survey_reasons(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _survey_bars(stats, t, "reasons")


def survey_discovery(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _survey_bars(stats, t, "discovery")


def survey_ratings(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    rows = []
    channels = [t.gettext("Offline purchases"), t.gettext("Cryptomarket purchases")]
    for question, name in zip(("rating_offline", "rating_online"), channels):
        table = stats.survey.tables[question]
        for row in table[(table.kind == "answer")].itertuples():
            if not row.suppressed:
                rows.append({"point": t.answer(question, row.key), "order": int(row.key), "channel": name, "share": row.share,
                             "ci_low": row.ci_low, "ci_high": row.ci_high})
    data = pd.DataFrame(rows)
    order = list(dict.fromkeys(data.sort_values("order").point))
    base = alt.Chart(data).encode(
        x=alt.X("point:N", title=None, sort=order, axis=alt.Axis(labelAngle=0, labelLimit=90)),
        xOffset=alt.XOffset("channel:N", sort=channels),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("share:Q", title=t.gettext("Share of respondents who answered"), axis=alt.Axis(format=".0%")),
        color=alt.Color("channel:N", title=None, sort=channels,
                        scale=alt.Scale(domain=channels, range=["#9aa5b1", "#1b6ca8"])),
        tooltip=[alt.Tooltip("channel:N", title=t.gettext("Purchases")), alt.Tooltip("point:N", title=t.gettext("Rating")),
                 alt.Tooltip("share:Q", title=t.gettext("Share"), format=".1%"),
                 alt.Tooltip("ci_low:Q", title=t.gettext("95% CI, lower"), format=".1%"),
                 alt.Tooltip("ci_high:Q", title=t.gettext("95% CI, upper"), format=".1%")],
    )
    errors = base.mark_rule(color="#333").encode(y=alt.Y("ci_low:Q", title=t.gettext("Share of respondents who answered")), y2="ci_high:Q")
    return alt.layer(bars, errors).properties(width=WIDTH, height=180)


def survey_harm_info(stats: Statistics, t: Labels) -> alt.TopLevelMixin:
    return _survey_bars(stats, t, "harm_info")


#: Chart id -> builder, in the order charts appear in the report.
CHARTS: Mapping[str, Callable[[Statistics, Labels], alt.TopLevelMixin]] = {
    "vendors_monthly": vendors_monthly,
    "listings_monthly": listings_monthly,
    "category_mix": category_mix,
    "origin_combinations": origin_combinations,
    "transaction_values": transaction_values,
    "vendor_migration": vendor_migration,
    "survey_spending": survey_spending,
    "survey_discovery": survey_discovery,
    "survey_harm_info": survey_harm_info,
    "survey_reasons": survey_reasons,
    "survey_ratings": survey_ratings,
}


def chart_spec(chart_id: str, stats: Statistics, t: Labels) -> dict[str, Any]:
    """The Vega-Lite spec of one chart in one language."""
    return _finish(CHARTS[chart_id](stats, t))


def to_svg(spec: Mapping[str, Any], fmt: Formatter) -> str:
    """Static vector rendering for the PDF, with the edition's number and date formats."""
    register_fonts()
    return vl_convert.vegalite_to_svg(
        json.loads(json.dumps(spec)), format_locale=fmt.d3_format_locale(), time_format_locale=fmt.d3_time_locale()
    )


def build_chart(chart_id: str, number: int, stats: Statistics, t: Labels, *, title: str, alt_text: str, source: str, svg: bool) -> Chart:
    spec = chart_spec(chart_id, stats, t)
    return Chart(id=chart_id, number=number, title=title, alt=alt_text, source=source, spec=spec,
                 svg=to_svg(spec, t.fmt) if svg else None)


# Chart titles, alternative texts and sources are fixed strings: they live in the message catalogs.
CHART_TEXT: Mapping[str, tuple[str, str, str]] = {
    "vendors_monthly": (N_("Vendors shipping from %(country)s per month, by market"),
                        N_("Line chart of the number of vendors shipping from %(country)s each month on each market, with market closures and seizures marked."), "scrape"),
    "listings_monthly": (N_("Listings shipped from %(country)s per month, by market"),
                         N_("Line chart of the number of listings shipped from %(country)s each month on each market, with market closures and seizures marked."), "scrape"),
    "category_mix": (N_("Offer by drug category: vendors shipping from %(country)s and all vendors"),
                     N_("Bar chart comparing the share of listings in each drug category for vendors shipping from %(country)s and for all vendors."), "scrape"),
    "origin_combinations": (N_("Countries shipped from by vendors who declared %(country)s"),
                            N_("Bar chart of the combinations of countries of dispatch declared by vendors who shipped from %(country)s at least once."), "scrape"),
    "transaction_values": (N_("Sales of vendors shipping from %(country)s by transaction value"),
                           N_("Bar chart of the share of sales and the share of sales value in each transaction value bracket, for vendors shipping from %(country)s."), "scrape"),
    "vendor_migration": (N_("New vendors on the remaining markets after a closure or seizure"),
                         N_("Bar chart of the vendors new on each market after another market closed, split into vendors seen on the closed market and other new vendors."), "scrape"),
    "survey_spending": (N_("Amount spent on cryptomarkets in the last twelve months"),
                        N_("Bar chart of the share of respondents in each spending bracket, with 95%% confidence intervals."), "survey"),
    "survey_discovery": (N_("How respondents first heard of cryptomarkets"),
                         N_("Bar chart of the share of respondents by first source of information about cryptomarkets, with 95%% confidence intervals."), "survey"),
    "survey_harm_info": (N_("Where respondents find harm-reduction information"),
                         N_("Bar chart of the share of respondents naming each source of harm-reduction information, with 95%% confidence intervals; several answers possible."), "survey"),
    "survey_reasons": (N_("Reasons for buying on cryptomarkets"),
                       N_("Bar chart of the share of respondents naming each reason, with 95%% confidence intervals; several answers possible."), "survey"),
    "survey_ratings": (N_("Rating of offline and cryptomarket purchases"),
                       N_("Grouped bar chart comparing how respondents rate their offline purchases and their cryptomarket purchases, from very negative to very positive."), "survey"),
}


def make_charts(config: ReportConfig, stats: Statistics, lang: str, svg: bool, locales: Path) -> dict[str, Chart]:
    """Every chart of one edition, labelled in its language."""
    catalog = translations(locales, lang)
    fmt = Formatter(lang)
    focus = fmt.country(config.focus_country)
    labels = Labels(gettext=catalog.gettext, fmt=fmt, focus_name=focus,
                    category=lambda key: config.taxonomy[key].label[lang] if key in config.taxonomy else key,
                    codebook=stats.survey.codebook)
    sources = {
        "scrape": catalog.gettext("web scraping of %(markets)s, %(start)s to %(end)s") % {
            "markets": ", ".join(stats.market.markets), "start": fmt.month(config.period.start), "end": fmt.month(config.period.end)},
        "survey": catalog.gettext("online survey of cryptomarket buyers (%(n)s respondents); answers given by fewer than %(k)s respondents are not shown") % {
            "n": fmt.number(stats.survey.respondents), "k": fmt.number(config.disclosure.threshold)},
    }
    charts = {}
    for number, chart_id in enumerate(CHARTS, start=1):
        title, alt_text, source = CHART_TEXT[chart_id]
        charts[chart_id] = build_chart(
            chart_id, number, stats, labels,
            title=catalog.gettext(title) % {"country": focus},
            alt_text=catalog.gettext(alt_text) % {"country": focus},
            source=sources[source], svg=svg,
        )
    return charts
