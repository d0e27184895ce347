"""Reading the rendered HTML back: the prose text, the figures it inserted, the numbers it states."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from report.i18n import Formatter

# Group separators are (narrow) no-break spaces, '.' or ','; a plain space separates two numbers.
NUMBER = re.compile(r"\d+(?:[\u00a0\u202f.,]\d+)*")
# Elements whose text is not prose: code, styles, charts, citations, labels ("Figure 3"), table headers, cover, and the
# charts' data tables (their numbers are the chart's own data: tests/test_chart_text.py checks each is drawn in it).
SKIP_TAGS = {"script", "style", "svg", "cite", "th", "title", "head"}
SKIP_CLASSES = {"label", "cover", "colophon", "toc", "references", "suggested-citation", "finding-ref",
                 "chart-data"}
VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr", "col", "area", "base", "embed", "param", "track"}


class _Prose(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []
        self.fig_ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-fig" in attributes:
            self.fig_ids.append(attributes["data-fig"])
        if tag in VOID:
            return
        classes = set((attributes.get("class") or "").split())
        skip = tag in SKIP_TAGS or bool(classes & SKIP_CLASSES) or (self.stack and self.stack[-1])
        self.stack.append(bool(skip))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def prose(html: str) -> tuple[str, list[str]]:
    """The readable text of a report (without charts, citations, labels, cover) and its data-fig ids."""
    parser = _Prose()
    parser.feed(html)
    return " ".join(parser.parts), parser.fig_ids


def numbers_in(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def formatted_tokens(figures: dict[str, dict], lang: str) -> set[str]:
    """Every number token that any figure can print as, in one language's conventions."""
    fmt = Formatter(lang)
    strings: list[str] = []
    for record in figures.values():
        # the public file: a hidden figure has no value (and none is printed); a bounded one prints its bound
        value, unit = record.get("value", record.get("bound_value")), record["unit"]
        if value is None:
            continue
        if unit == "date":
            strings += [fmt.date(value), fmt.month(value)]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            for digits in (0, 1, 2):
                strings.append(fmt.number(value, digits))
                strings.append(fmt.percent(abs(value), digits))
                strings.append(fmt.euro(value, digits))
        for key in ("ci95",):
            if record.get(key):
                strings += [fmt.percent(bound, digits) for bound in record[key] for digits in (0, 1)]
        if record.get("base") is not None:
            strings.append(fmt.number(record["base"]))
    tokens: set[str] = set()
    for string in strings:
        tokens |= numbers_in(string)
    return tokens
