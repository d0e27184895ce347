"""Hostile text from the scrape reaches the report as literal text (or is safely dropped), never as markup,
template code or a request; the layout holds (issue 4, "Hostile text").

Scraped text reaches the report through market names (vendor names and titles are only counted), so the
hostile strings go into market names of a copy of the sample inputs (and into a vendor name, for good measure).
"""
from __future__ import annotations

import collections
import dataclasses
import gzip
import html.parser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from report.build import TEMPLATES, _meta, build, compute, render_language
from report.theme import Theme
from report.charts import make_charts
from report.outline import plan_report
from report.config import load_config
from report.errors import RenderError
from report.load import load_inputs
from report.model import Figures, MarketEvent, slug
from report.pdf import ASSETS, html_to_pdf
from report.render import LONGEST_RUN, RenderContext, render_html, safe_text

from .conftest import LANGS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "config" / "sample.yaml"
pytestmark = pytest.mark.slow  # builds the whole sample with hostile names, HTML and PDF in every language

# (case, market name it goes into, what must show, what must not show in the HTML)
CASES = {
    "img": ("Dream Market", "<img src=http://169.254.169.254/>"),
    "link": ("Dream Market", "<link rel=attachment href=file:///etc/passwd>"),
    "style": ("Dream Market", "<style>@import url(http://169.254.169.254/x.css);</style>"),
    "template": ("Wall Street Market", "{{ 7*7 }} {{ ''.__class__ }}"),
    "javascript": ("Wall Street Market", '<a href="javascript:alert(1)">js</a>'),
    "file": ("Wall Street Market", "<a href='file:///etc/passwd'>f</a> <!--<script>"),
    "rlo": ("Empire Market", "\u202eevil\u202c"),
    "zero-width": ("Empire Market", "Z\u200bW\u200dJ"),
    "nul": ("Empire Market", "N\x00UL"),
    "emoji": ("Empire Market", "\U0001F344\U0001F48A"),
}
MARKETS = {market: " ".join(text for m, text in CASES.values() if m == market) for market in ("Dream Market", "Wall Street Market", "Empire Market")}
HOSTILE_VENDOR = "<img src=http://169.254.169.254/v>{{ 7*7 }}\x00"
INVISIBLE = re.compile("[\u200b\u200c\u200d\u00ad\\s\\-‐]+")


def csv_quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def rename_markets(data: bytes) -> bytes:
    for old, new in MARKETS.items():
        data = data.replace(b"\n" + old.encode() + b",", b"\n" + csv_quoted(new).encode() + b",")
    return data.replace(b",xanaxgod,", b"," + csv_quoted(HOSTILE_VENDOR).encode() + b",")


def hostile_copy(project: Path) -> Path:
    """The sample project with hostile market and vendor names."""
    (project / "config").mkdir(parents=True)
    shutil.copy(SAMPLE, project / "config" / "sample.yaml")
    shutil.copytree(SAMPLE.parent / "custom", project / "config" / "custom")
    shutil.copy(SAMPLE.parent / "references.json", project / "config" / "references.json")
    shutil.copytree(ROOT / "sample_inputs", project / "sample_inputs")
    for name in ("listings.csv.gz", "feedback.csv.gz"):
        path = project / "sample_inputs" / name
        path.write_bytes(gzip.compress(rename_markets(gzip.decompress(path.read_bytes())), compresslevel=1))
    events = project / "sample_inputs" / "market_events.csv"
    events.write_bytes(rename_markets(events.read_bytes()))
    return project / "config" / "sample.yaml"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile project built once: both languages, HTML and PDF."""
    config = hostile_copy(tmp_path_factory.mktemp("hostile"))
    result = build(config, out=config.parent.parent / "out")
    return config, result


def squash(text: str) -> str:
    return INVISIBLE.sub("", text)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def shown(text: str) -> str:
    """What the report may show of a hostile string: the renderer's safe text."""
    return safe_text(text.replace("\x00", ""))


# -- the built report, case by case -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", CASES)
def test_hostile_text_is_literal_in_the_html(hostile, case, lang):
    _config, result = hostile
    page = (result.folder / lang / "report.html").read_text(encoding="utf-8")
    _market, text = CASES[case]
    assert str(escape(shown(text))) in page
    if "<" in text:
        assert text not in page and text.replace('"', "&#34;").replace("'", "&#39;") not in page
    for dropped in "\x00\u202e\u202c":
        assert dropped not in page
    if case == "template":
        assert "{{ 7*7 }}" in page and "{{ &#39;&#39;.__class__ }}" in page and "<class" not in page


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", CASES)
def test_hostile_text_is_literal_in_the_pdf(hostile, case, lang):
    _config, result = hostile
    _market, text = CASES[case]
    assert squash(shown(text)) in squash(pdf_text(result.folder / lang / "report.pdf"))


class Elements(html.parser.HTMLParser):
    """The elements of a page and their attributes (script and style contents are data, as in a browser)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: collections.Counter[str] = collections.Counter()
        self.urls: list[str] = []  # what a browser would load (a link to follow is not loaded)
        self.links: list[str] = []  # <a href>: followed only when the reader clicks
        self.styles: list[str] = []
        self._in_style = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        if tag == "a":
            self.links += [value or "" for name, value in attrs if name == "href"]
        self.urls += [value or "" for name, value in attrs
                      if name in ("src", "action", "srcset", "data", "poster") or (name == "href" and tag != "a")]
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in_style = False


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_html_has_the_same_elements_as_the_clean_report_and_loads_nothing(hostile, sample, lang):
    _config, result = hostile
    page = Elements((result.folder / lang / "report.html").read_text(encoding="utf-8"))
    clean = Elements(sample.html(lang))
    assert page.tags == clean.tags
    assert all(url.startswith(("#", "data:")) for url in page.urls), [u for u in page.urls if not u.startswith(("#", "data:"))]
    # the links are the clean report's (the bibliography's DOIs, the config's address): the data added none
    assert sorted(page.links) == sorted(clean.links) and all(link.startswith(("#", "https://")) for link in page.links)
    assert not any("@import" in css or re.search(r"url\((?!['\"]?(data:|#))", css) for css in page.styles)


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_layout_fetched_only_packaged_assets(hostile, lang):
    _config, result = hostile
    fetched = result.fetched[lang]
    assert fetched.refused == ()
    assert fetched.served and all(url.startswith(ASSETS.as_uri() + "/") for url in fetched.served)


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_embeds_no_file_script_or_unsafe_link(hostile, lang):
    from pypdf import PdfReader

    _config, result = hostile
    reader = PdfReader(result.folder / lang / "report.pdf")
    names = reader.trailer["/Root"].get("/Names", {})
    assert "/EmbeddedFiles" not in names and "/JavaScript" not in names
    assert "/OpenAction" not in reader.trailer["/Root"] and "/AA" not in reader.trailer["/Root"]
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            action = annotation.get("/A", {})
            assert annotation.get("/Subtype") != "/FileAttachment"
            assert action.get("/S") not in ("/JavaScript", "/Launch", "/ImportData", "/SubmitForm")
            uri = str(action.get("/URI", ""))
            assert not uri.lower().startswith(("javascript:", "file:", "data:")), uri


@pytest.mark.parametrize("lang", LANGS)
def test_no_word_of_the_hostile_pdf_leaves_its_page(hostile, lang):
    _config, result = hostile
    assert words_outside_the_page(result.folder / lang / "report.pdf") == []


def words_outside_the_page(pdf: Path) -> list[str]:
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    outside = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S):
        width, height = float(page.group(1)), float(page.group(2))
        for word in re.finditer(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', page.group(3)):
            x0, y0, x1, y1 = map(float, word.groups()[:4])
            if x0 < -0.5 or y0 < -0.5 or x1 > width + 0.5 or y1 > height + 0.5:
                outside.append(word.group(5)[:40])
    return outside


def unshare_works() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not unshare_works(), reason="needs unprivileged user and network namespaces (unshare -rn)")
def test_the_hostile_build_needs_no_network_at_all(hostile, tmp_path):
    config, _result = hostile
    command = ["unshare", "-rn", sys.executable, "-m", "report.cli", "build", str(config), "--lang", "nl", "--format", "pdf",
               "--out", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "refused to fetch" not in done.stderr
    assert squash(shown(CASES["img"][1])) in squash(pdf_text(tmp_path / "cryptodrug-2019" / "nl" / "report.pdf"))


# -- render level: the 10,000-character word, random text -------------------------------------------------------

@pytest.fixture(scope="module")
def sample_stats():
    config, base = load_config(SAMPLE)
    return config, compute(config, load_inputs(config, base))


def renamed(stats, old: str, new: str):
    """The statistics with one market renamed everywhere (names, events, tables, figure ids)."""
    old_slug, new_slug = slug(old), slug(new)

    def figure_id(figure_id: str) -> str:
        return ".".join(new_slug if part == old_slug else part for part in figure_id.split("."))

    def figures(items):
        return Figures(dataclasses.replace(f, id=figure_id(f.id), value=new if f.value == old else f.value) for f in items.values())

    tables = {name: table.replace({old: new}) for name, table in stats.market.tables.items()}
    market = dataclasses.replace(
        stats.market, figures=figures(stats.market.figures), tables=tables,
        markets=tuple(new if m == old else m for m in stats.market.markets),
        events=tuple(MarketEvent(new if e.market == old else e.market, e.date, e.kind) for e in stats.market.events))
    return stats.replace(figures=figures(stats.figures), market=market)


TINY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'


def render(config, stats, lang: str, mode: str) -> str:
    plan = plan_report(TEMPLATES / "outline.yaml", stats)
    charts = make_charts(config, stats, lang, svg=False, theme=Theme(), placed=plan.charts)
    if mode == "pdf":
        charts = {key: dataclasses.replace(chart, svg=TINY_SVG) for key, chart in charts.items()}
    labels = {key: dict(cat.label) for key, cat in config.taxonomy.items()}
    context = RenderContext(lang, mode, stats, charts, _meta(config, lang, stats), labels, plan=plan, vega_bundle="",
                            css=Theme().css("screen.css") if mode == "html" else "")
    return render_html(context)


def to_pdf(page: str, tmp_path: Path, name: str) -> Path:
    pdf, fetched = html_to_pdf(page, Theme().css("print.css"), created="2019-12-16", edition=f"test/{name}")
    assert fetched.refused == ()
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return path


@pytest.mark.parametrize("lang", LANGS)
def test_a_10000_character_market_name_is_cut_and_the_layout_holds(sample_stats, lang, tmp_path):
    config, stats = sample_stats
    long_name = "Long" + "W" * 9996
    stats = renamed(stats, "Empire Market", long_name)
    page = render(config, stats, lang, "html")
    cut = long_name[: LONGEST_RUN - 1] + "\u2026"
    assert cut in page and "W" * LONGEST_RUN not in page.split("<script", 1)[0]
    if CHROMIUM:
        scroll, client = page_widths(page, tmp_path)
        assert scroll <= client, f"the page scrolls sideways: {scroll} px of content in {client} px"
    pdf = to_pdf(render(config, stats, lang, "pdf"), tmp_path, lang)
    assert squash(cut) in squash(pdf_text(pdf))
    assert words_outside_the_page(pdf) == []


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def page_widths(page: str, tmp_path: Path) -> tuple[int, int]:
    """The page's content width and window width in a narrow headless Chromium, once loaded."""
    probe = ("<script>addEventListener('load', () => { const e = document.documentElement; "
             "document.body.setAttribute('data-widths', e.scrollWidth + ' ' + e.clientWidth); });</script>")
    path = tmp_path / "page.html"
    path.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=400,900",
                          "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'chromium'}",
                          "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120).stdout
    scroll, client = re.search(r'data-widths="(\d+) (\d+)"', dom).groups()
    return int(scroll), int(client)


def test_the_worker_turns_a_pdf_timeout_into_an_error_naming_the_edition(sample_stats):
    config, stats = sample_stats
    config = config.model_copy(update={"limits": config.limits.model_copy(update={"pdf_seconds": 0.01})})
    with pytest.raises(RenderError, match=r"^cryptodrug-2019/fr: PDF layout took longer than limits.pdf_seconds \(0.01 s\)"):
        render_language(config, stats, plan_report(TEMPLATES / "outline.yaml", stats), "fr", ["pdf"], None)


HOSTILE_ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cc", "Cf"),
                                 include_characters="<>&\"'{}%#/\\:;=!-\u202e\u200b\u200d\x00", exclude_characters="\r")
HOSTILE_TEXT = st.text(HOSTILE_ALPHABET, min_size=1, max_size=40)


def market_name(text: str) -> str:
    """A market name built from random text: trimmed like the engine does, and with its own slug."""
    return "Zq " + text.strip()


def elements_outside_scripts(page: str) -> collections.Counter[str]:
    return Elements(page).tags


@pytest.fixture(scope="module")
def baseline_tags(sample_stats):
    config, stats = sample_stats
    stats = renamed(stats, "Wall Street Market", market_name("plain"))
    return {lang: elements_outside_scripts(render(config, stats, lang, "html")) for lang in LANGS}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=HOSTILE_TEXT, lang=st.sampled_from(LANGS))
@example(text="</script><img src=x onerror=alert(1)>", lang="fr")
@example(text="<!--<script>", lang="nl")
@example(text="{{ 7*7 }}{% include 'layout.html.j2' %}", lang="fr")
def test_random_market_names_come_out_literal_in_the_html(sample_stats, baseline_tags, text, lang):
    config, stats = sample_stats
    name = market_name(text)
    page = render(config, renamed(stats, "Wall Street Market", name), lang, "html")
    assert str(escape(safe_text(name))) in page
    assert elements_outside_scripts(page) == baseline_tags[lang]


def printable(text: str) -> str:
    return "".join(ch for ch in safe_text(text) if ch.isprintable() and not ch.isspace() and ch not in "\u200b\u200d-\u00ad")


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.text(st.one_of(st.characters(codec="ascii", categories=("L", "N", "P", "S", "Cc")),
                              st.sampled_from(["é", "€", "ß", "\u202e", "\u200b", "\x00", "\t"])), min_size=1, max_size=30),
       lang=st.sampled_from(LANGS))
@example(text="<b>bold</b> {{ 7*7 }} \u202eevil", lang="fr")
def test_random_market_names_come_out_literal_in_the_pdf(sample_stats, tmp_path, text, lang):
    config, stats = sample_stats
    name = market_name(text)
    stats = renamed(stats, "Wall Street Market", name)
    pdf = to_pdf(render(config, stats, lang, "pdf"), tmp_path, f"random-{lang}")
    assert printable(name) in squash(pdf_text(pdf))
