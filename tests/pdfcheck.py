"""What a PDF tells a screen reader, read with pikepdf: tags, language, title, outline, the figures' alternative
text, the tables' header cells, attachments. Used by tests/test_pdf_accessibility.py and scripts/pdf_structure.py."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import pikepdf

HEADINGS = ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")
#: Alternative texts that name the kind of thing and nothing of what it shows (en, fr, nl, de).
GENERIC_ALT = frozenset({"", "figure", "chart", "image", "graph", "picture", "graphique", "diagramme", "figuur", "grafiek",
                         "afbeelding", "diagram", "abbildung", "grafik", "diagramm", "bild"})


@dataclass(frozen=True)
class TableTags:
    """One /Table structure element: its header and data cells."""

    th: int
    td: int
    th_with_id: int  # header cells a data cell can name in its /Headers
    th_with_scope: int  # header cells with a /Scope attribute (WeasyPrint 70 writes /Headers on the data cells instead)
    td_with_headers: int  # data cells whose /Headers all name header cells of this table


@dataclass(frozen=True)
class PdfStructure:
    """The accessibility-relevant facts of one PDF."""

    pages: int
    tagged: bool  # the catalog has a structure tree
    marked: bool  # MarkInfo /Marked true
    lang: str
    title: str  # the document information's /Title
    xmp_title: str  # dc:title in the XMP metadata
    display_doc_title: bool  # a reader shows the title, not the file name
    ua_part: str  # pdfuaid:part in the XMP ("1" for PDF/UA-1)
    pdfa: str  # pdfaid part and conformance ("3B"), empty when not PDF/A
    outline: tuple[tuple[int, str], ...]  # bookmarks: (depth, title), in order
    roles: Mapping[str, int]  # structure types and how many elements of each
    figure_alts: tuple[str, ...]  # the /Alt of every /Figure, in order ("" when it has none)
    tables: tuple[TableTags, ...]
    attachments: tuple[str, ...]  # embedded file names
    outside_tree: int  # marked content whose structure element is not in the tree (WeasyPrint's page margin boxes)

    @property
    def headings(self) -> int:
        return sum(self.roles.get(role, 0) for role in HEADINGS)

    def specific_alts(self) -> int:
        """Figures whose alternative text says something: not empty, not a generic word, and not shared with another."""
        counts = Counter(self.figure_alts)
        return sum(1 for alt in self.figure_alts if alt.strip().lower().rstrip(".") not in GENERIC_ALT and counts[alt] == 1)

    def summary(self) -> str:
        th = sum(table.th for table in self.tables)
        td = sum(table.td for table in self.tables)
        headed = sum(table.td_with_headers for table in self.tables)
        scoped = sum(table.th_with_scope for table in self.tables)
        level = " ".join(f"{role[1:]} {self.roles[role]}" for role in HEADINGS if self.roles.get(role))
        return (f"{'tagged' if self.tagged and self.marked else 'NOT TAGGED'}, /Lang {self.lang or '-'}, "
                f"PDF/UA-{self.ua_part or '?'}{', PDF/A-' + self.pdfa if self.pdfa else ''}, "
                f"title {'shown' if self.display_doc_title and self.title else 'MISSING'}; {self.pages} pages; "
                f"outline {len(self.outline)} entries; headings {self.headings} ({level}); "
                f"figures {len(self.figure_alts)} ({self.specific_alts()} with a specific /Alt); "
                f"tables {len(self.tables)} (TH {th}, TD {td}, TD with /Headers {headed}, TH with /Scope {scoped}); "
                f"lists {self.roles.get('/L', 0)} ({self.roles.get('/LI', 0)} items); links {self.roles.get('/Link', 0)}; "
                f"attachments {', '.join(self.attachments) or 'none'}; marked content outside the tree {self.outside_tree}")


def read_structure(path: Path) -> PdfStructure:
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        tree = root.get("/StructTreeRoot")
        elements = list(_elements(tree)) if tree is not None else []
        metadata = pdf.open_metadata()
        info = pdf.docinfo
        return PdfStructure(
            pages=len(pdf.pages),
            tagged=tree is not None,
            marked=bool(root.get("/MarkInfo", {}).get("/Marked", False)),
            lang=str(root.get("/Lang", "")),
            title=str(info.get("/Title", "")),
            xmp_title=str(metadata.get("dc:title", "")),
            display_doc_title=bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)),
            ua_part=str(metadata.get("pdfuaid:part", "")),
            pdfa=str(metadata.get("pdfaid:part", "")) + str(metadata.get("pdfaid:conformance", "")),
            outline=tuple(_outline(pdf)),
            roles=Counter(str(element.get("/S")) for element in elements),
            figure_alts=tuple(str(element.get("/Alt", "")) for element in elements if element.get("/S") == "/Figure"),
            tables=tuple(_table(element) for element in elements if element.get("/S") == "/Table"),
            attachments=tuple(sorted(str(name) for name in pdf.attachments)),
            outside_tree=_outside_tree(tree, elements) if tree is not None else 0,
        )


def _kids(element: Any) -> Iterator[Any]:
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid


def _elements(node: Any) -> Iterator[Any]:
    """Every structure element under `node`, depth first in document order."""
    for kid in _kids(node):
        yield kid
        yield from _elements(kid)


def _attribute(element: Any, name: str) -> Any:
    attributes = element.get("/A")
    for owner in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
        if isinstance(owner, pikepdf.Dictionary) and name in owner:
            return owner[name]
    return None


def _table(table: Any) -> TableTags:
    cells = [element for element in _elements(table) if element.get("/S") in ("/TH", "/TD")]
    headers = [cell for cell in cells if cell.get("/S") == "/TH"]
    ids = {bytes(cell["/ID"]) for cell in headers if "/ID" in cell}
    data = [cell for cell in cells if cell.get("/S") == "/TD"]

    def headed(cell: Any) -> bool:
        names = _attribute(cell, "/Headers")
        return names is not None and len(names) > 0 and all(bytes(name) in ids for name in names)

    return TableTags(th=len(headers), td=len(data), th_with_id=len(ids),
                     th_with_scope=sum(1 for cell in headers if _attribute(cell, "/Scope") is not None),
                     td_with_headers=sum(1 for cell in data if headed(cell)))


def _outline(pdf: pikepdf.Pdf) -> Iterator[tuple[int, str]]:
    with pdf.open_outline() as outline:
        def walk(items: Any, depth: int) -> Iterator[tuple[int, str]]:
            for item in items:
                yield depth, item.title
                yield from walk(item.children, depth + 1)

        yield from walk(outline.root, 0)


def _outside_tree(tree: Any, elements: list[Any]) -> int:
    """Marked-content sequences (ParentTree entries) whose structure element cannot be reached from the root."""
    reachable = {element.objgen for element in elements}
    nums = tree.get("/ParentTree", {}).get("/Nums", [])
    count = 0
    for index in range(1, len(nums), 2):
        entry = nums[index]
        if isinstance(entry, pikepdf.Array):
            count += sum(1 for element in entry if isinstance(element, pikepdf.Dictionary) and element.objgen not in reachable)
    return count


def plain(text: str) -> str:
    """Heading text as a bookmark shows it: tags dropped, entities and white space (incl. no-break spaces) normalised."""
    import html

    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\u00ad", "")
    return " ".join(text.split())
