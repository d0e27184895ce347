"""The HTML edition in a real browser: Debian's Chromium driven by Playwright, offline, at a desktop and a phone width.

For each language at 1280 px and 390 px: the page loads from file:// without a single network request and without a
console error, every placed chart draws, the contents and note links lead where they say, nothing makes the page
wider than the screen, and axe-core (vendored in tests/vendor/) finds no serious or critical violation.

`python -m tests.test_browser [BUILT_FOLDER]` prints axe's summary for every edition (building the sample first when
no folder is given).
"""
from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from .conftest import LANGS

pytestmark = pytest.mark.slow  # a real browser: deselect with -m 'not slow'

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM = next((path for path in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if path and Path(path).exists()), None)
# No network at all: no DNS (every host resolves to nothing), no background services, no QUIC.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
         "--host-resolver-rules=MAP * ~NOTFOUND"]
WIDTHS = (1280, 390)
LOCAL = ("file:", "data:", "blob:", "about:")
TIMEOUT_MS = 60_000  # a launch or a wait that takes longer fails the test instead of hanging it
SEVERE = ("critical", "serious")

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extras install it
    sync_playwright = None  # type: ignore[assignment]

needs_browser = pytest.mark.skipif(CHROMIUM is None or sync_playwright is None,
                                   reason="chromium or Playwright is missing (scripts/setup.sh installs both)")


@dataclass
class Loaded:
    """One edition open in the browser at one width, with what it asked the network and the console."""

    lang: str
    width: int
    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.lang} {self.width}px"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or sync_playwright is None:
        pytest.skip("chromium or Playwright is missing (scripts/setup.sh installs both)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=TIMEOUT_MS)
        yield launched
        launched.close()


def open_edition(browser: Any, html: Path, lang: str, width: int) -> Loaded:
    """The page loaded at `width`, every chart drawn, every data toggle opened (so that its table is checked too)."""
    context = browser.new_context(viewport={"width": width, "height": 860}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    loaded = Loaded(lang, width, page)
    page.on("request", lambda request: None if request.url.startswith(LOCAL) else loaded.requests.append(request.url))
    page.on("console", lambda message: loaded.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: loaded.errors.append(str(error)))
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_function("""() => [...document.querySelectorAll('script.vega-spec')].every(spec => {
        const target = document.getElementById(spec.dataset.target);
        return target && (target.querySelector('svg') || target.textContent.trim());
    })""")
    page.evaluate("() => document.querySelectorAll('details').forEach(details => { details.open = true; })")
    page.wait_for_timeout(300)  # the tables' scroll cues follow a ResizeObserver
    return loaded


@pytest.fixture(scope="module", params=[(lang, width) for lang in LANGS for width in WIDTHS],
                ids=[f"{lang}-{width}" for lang in LANGS for width in WIDTHS])
def edition(request, browser, sample) -> Iterator[Loaded]:
    lang, width = request.param
    loaded = open_edition(browser, sample.folder / lang / "report.html", lang, width)
    yield loaded
    loaded.page.context.close()


@needs_browser
def test_offline_without_console_errors(edition: Loaded) -> None:
    assert edition.requests == [], f"{edition.name}: network requests {edition.requests[:5]}"
    assert edition.errors == [], f"{edition.name}: console errors {edition.errors[:5]}"


@needs_browser
def test_every_placed_chart_draws_within_its_column(edition: Loaded, sample) -> None:
    placed = re.findall(r'data-target="chart-([a-z0-9_.\-]+)"', sample.html(edition.lang))
    charts = edition.page.evaluate("""() => [...document.querySelectorAll('div.chart')].map(chart => {
        const svg = chart.querySelector('svg'), column = chart.closest('figure').clientWidth;
        return {id: chart.id.replace(/^chart-/, ''), marks: svg ? svg.querySelectorAll('path, rect, line, text').length : 0,
                fits: svg ? svg.getBoundingClientRect().width <= column + 1 : false,
                name: chart.getAttribute('aria-label') || ''};
    })""")
    assert placed and [chart["id"] for chart in charts] == placed
    assert [chart["id"] for chart in charts if chart["marks"] < 3] == [], f"{edition.name}: charts not drawn"
    assert [chart["id"] for chart in charts if not chart["fits"]] == [], f"{edition.name}: charts wider than the column"
    assert all(chart["name"].strip() for chart in charts), "every chart is named by its alt text"


@needs_browser
def test_charts_are_drawn_again_when_the_window_narrows(edition: Loaded) -> None:
    """A desktop window made phone-narrow (or a phone turned): each chart is drawn anew at the column's width, not
    merely scaled down (its text would shrink with it), and the page stays within the window."""
    if edition.width <= 600:
        pytest.skip("from a desktop width only")
    page = edition.page
    page.set_viewport_size({"width": 390, "height": 860})
    try:
        page.wait_for_timeout(1200)  # Vega's resize listener, the page's 200 ms debounce
        drawn = page.evaluate("""() => [...document.querySelectorAll('div.chart svg')].map(svg => ({
            id: svg.closest('div.chart').id, width: Number(svg.getAttribute('width')),
            column: svg.closest('figure').clientWidth}))""")
        assert drawn and [chart["id"] for chart in drawn if chart["width"] > chart["column"] + 1] == [], drawn
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    finally:
        page.set_viewport_size({"width": edition.width, "height": 860})
        page.wait_for_timeout(1200)


@needs_browser
def test_each_drawn_chart_is_one_image_named_by_its_alt_text(edition: Loaded) -> None:
    """Vega makes its container an English "visualization" document; a screen reader must meet one image instead,
    named in the edition's language by the alt text written from the data, with the drawing itself hidden."""
    charts = edition.page.evaluate("""() => [...document.querySelectorAll('div.chart')].map(chart => ({
        id: chart.id, role: chart.getAttribute('role'), roledescription: chart.getAttribute('aria-roledescription'),
        label: chart.getAttribute('aria-label') || '', spec: JSON.parse(document.querySelector(
            'script.vega-spec[data-target="' + chart.id + '"]').textContent).description || '',
        hidden: (chart.querySelector('svg') || {getAttribute: () => null}).getAttribute('aria-hidden')}))""")
    assert charts
    for chart in charts:
        assert chart["role"] == "img" and chart["roledescription"] is None, chart
        assert chart["label"] and chart["label"] == chart["spec"] and chart["hidden"] == "true", chart


@needs_browser
def test_no_chart_text_is_cut_at_the_edge(edition: Loaded) -> None:
    """A label, legend or note that runs past the chart's edge is cut off by the SVG: the reader loses words."""
    cut = edition.page.evaluate("""() => [...document.querySelectorAll('div.chart svg')].flatMap(svg => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].filter(text => { const r = text.getBoundingClientRect();
            return r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1); })
          .map(text => svg.closest('div.chart').id + ': ' + text.textContent); })""")
    assert cut == [], f"{edition.name}: chart text cut at the edge {cut}"


@needs_browser
def test_nothing_makes_the_page_wider_than_the_screen(edition: Loaded) -> None:
    width = edition.page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{edition.name}: the page is {width[0]} px wide in a {width[1]} px window"
    # a table wider than the column scrolls in its own box, which says so and can be reached with the keyboard
    blocks = edition.page.evaluate("""() => [...document.querySelectorAll('.table-block')].filter(
        block => block.scrollWidth > block.clientWidth + 1).map(block => ({
            focusable: block.tabIndex === 0, named: !!block.getAttribute('aria-labelledby'),
            hint: !!(block.nextElementSibling && block.nextElementSibling.classList.contains('scroll-hint')),
            sticky: getComputedStyle(block.querySelector('tbody th') || block).position}))""")
    assert all(block["focusable"] and block["named"] and block["hint"] for block in blocks), blocks
    assert all(block["sticky"] == "sticky" for block in blocks), blocks


def _in_view(page: Any, element_id: str) -> bool:
    return page.evaluate("""id => { const target = document.getElementById(id);
        if (!target || location.hash !== '#' + id) return false;
        const box = target.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight && box.top >= -2; }""", element_id)


@needs_browser
def test_contents_and_note_links_lead_to_their_targets(edition: Loaded) -> None:
    page = edition.page
    missing = page.evaluate("""() => [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href').slice(1))
        .filter(id => !document.getElementById(decodeURIComponent(id)))""")
    assert missing == [], f"{edition.name}: links to nothing {missing[:5]}"
    contents = page.locator("nav.toc a")
    assert contents.count() >= 3
    for index in range(contents.count()):
        link = contents.nth(index)
        target = link.get_attribute("href")[1:]
        link.click()
        assert _in_view(page, target), f"{edition.name}: the contents link to #{target} does not show it"
    calls = page.locator("sup.note-call a")
    assert calls.count() >= 1, f"{edition.name}: no numbered note"
    for index in range(calls.count()):
        call = calls.nth(index)
        note, call_id = call.get_attribute("href")[1:], call.get_attribute("id")
        assert call.get_attribute("aria-label") and call.inner_text().strip() == str(index + 1)
        call.click()
        assert _in_view(page, note), f"{edition.name}: note call {index + 1} does not show its note"
        page.locator(f"#{note} a.note-back").click()
        assert _in_view(page, call_id), f"{edition.name}: the back link of note {index + 1} does not return to the text"


def axe_summary(page: Any) -> dict[str, Any]:
    """axe-core run on the page as it is: violations counted by impact, with the rules that found them."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    impacts: Counter[str] = Counter()
    rules: dict[str, list[str]] = {}
    for violation in result["violations"]:
        impacts[violation["impact"]] += len(violation["nodes"])
        rules.setdefault(violation["impact"], []).append(f"{violation['id']} ({len(violation['nodes'])})")
    return {"version": result["testEngine"]["version"], "impacts": impacts, "rules": rules,
            "passes": len(result.get("passes", [])), "violations": result["violations"]}


def summary_line(name: str, summary: dict[str, Any]) -> str:
    counts = ", ".join(f"{summary['impacts'].get(impact, 0)} {impact}" for impact in ("critical", "serious", "moderate", "minor"))
    rules = "; ".join(f"{impact}: {', '.join(found)}" for impact, found in summary["rules"].items())
    return f"axe-core {summary['version']} {name}: {counts}" + (f" [{rules}]" if rules else "")


@needs_browser
def test_axe_finds_no_serious_or_critical_violation(edition: Loaded, capsys) -> None:
    summary = axe_summary(edition.page)
    with capsys.disabled():
        print("\n" + summary_line(edition.name, summary))
    severe = [(violation["id"], violation["help"], [node["target"] for node in violation["nodes"][:3]])
              for violation in summary["violations"] if violation["impact"] in SEVERE]
    assert severe == [], f"{edition.name}: {severe}"


def main(argv: list[str]) -> int:
    """Print axe's summary of every edition of a built report (the sample, built here, when none is given)."""
    import tempfile

    from report.build import build

    if CHROMIUM is None or sync_playwright is None:
        print("chromium or Playwright is missing (scripts/setup.sh installs both)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(argv[0]) if argv else build(Path(__file__).resolve().parent.parent / "config" / "sample.yaml",
                                                  out=Path(scratch), formats=["html"]).folder
        severe = 0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=TIMEOUT_MS)
            for lang in sorted(path.parent.name for path in folder.glob("*/report.html")):
                for width in WIDTHS:
                    loaded = open_edition(browser, folder / lang / "report.html", lang, width)
                    summary = axe_summary(loaded.page)
                    severe += sum(summary["impacts"].get(impact, 0) for impact in SEVERE)
                    print(summary_line(loaded.name, summary))
                    loaded.page.context.close()
            browser.close()
    return 1 if severe else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
