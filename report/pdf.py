"""HTML to PDF with WeasyPrint, in a child process with a time limit and a memory cap; fetching is locked down
to the report's own packaged assets."""
from __future__ import annotations

import dataclasses
import errno
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import RenderError

log = logging.getLogger("report.pdf")

ASSETS = (Path(__file__).parent / "assets").resolve()
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")
# A net under the print stylesheet: a word longer than its line breaks instead of running off the page, in
# elements the stylesheet does not cover. `break-word` rather than `anywhere`: it leaves table-cell sizing alone,
# which WeasyPrint does character by character for `anywhere` (a 10,000-character word then takes minutes).
SAFETY_CSS = "html { overflow-wrap: break-word; }"
#: What the PDF prints for a character its fonts cannot draw (a Chinese vendor name, an emoji).
REPLACEMENT = "\ufffd"


@lru_cache(maxsize=1)
def drawable() -> frozenset[int]:
    """The characters the shipped fonts draw (the four Noto Sans styles cover the same set)."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(ASSETS / "fonts" / "NotoSans-Regular.ttf").getBestCmap())


def replace_undrawable(html: str) -> tuple[str, str]:
    """`html` with every visible character the shipped fonts cannot draw replaced by U+FFFD, so that the PDF never
    falls back to a font of the machine it was built on (nor prints empty boxes); and those characters, for the
    build's warning. Spaces and format characters (zero-width spaces, soft hyphens) are left to the layout."""
    covered = drawable()
    missing = {char for char in set(html) if ord(char) not in covered and unicodedata.category(char)[0] in "LNPSM"}
    if not missing:
        return html, ""
    return html.translate({ord(char): REPLACEMENT for char in missing}), "".join(sorted(missing))


def _only_shipped_fonts() -> None:
    """Fontconfig sees the shipped fonts alone: a PDF embeds the same fonts whatever the machine has installed."""
    conf = Path(tempfile.gettempdir()) / f"report-fonts-{os.getpid()}.conf"
    if not conf.exists():
        conf.write_text(f"<?xml version='1.0'?>\n<fontconfig><dir>{ASSETS / 'fonts'}</dir>"
                        f"<cachedir>{tempfile.gettempdir()}</cachedir></fontconfig>\n", encoding="utf-8")
    os.environ["FONTCONFIG_FILE"] = str(conf)


@dataclass(frozen=True)
class FetchLog:
    """What the layout asked the fetcher for: `served` packaged assets, and `refused` everything else; and the
    characters it printed as U+FFFD because the shipped fonts cannot draw them (`undrawable`)."""

    served: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    undrawable: str = ""


@dataclass(frozen=True)
class PdfAttachment:
    """A file a PDF/A-3b edition embeds (`name` as the reader's attachment list shows it, `description` beside it)."""

    name: str
    description: str
    data: bytes


#: The PDF variants a config may ask for (config `pdf.variant`); only the archival one embeds files.
VARIANTS = ("pdf/ua-1", "pdf/a-3b")
ARCHIVAL = "pdf/a-3b"


@dataclass(frozen=True)
class PdfLimits:
    """How long one edition's layout may take and how much address space it may add (see config `limits`)."""

    seconds: float = 300.0
    memory_mb: int = 2048


def locked_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves data: URIs and packaged assets, and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LockedFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(url[len("file://"):].split("?")[0].split("#")[0]).resolve()
                if path.is_relative_to(ASSETS) and path.is_file():
                    self.served.append(url)
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:200]!r}")

        def log(self) -> FetchLog:
            return FetchLog(tuple(self.served), tuple(self.refused))

    return LockedFetcher()


def _mime(path: Path) -> str:
    return {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(path.suffix, "application/octet-stream")


def layout_pdf(html: str, css: str, *, created: str, variant: str = "pdf/ua-1",
               attachments: tuple[PdfAttachment, ...] = ()) -> tuple[bytes, FetchLog]:
    """Lay out print HTML as a tagged PDF of `variant` in this process; the fetcher records what was asked for.
    `attachments` are embedded in the archival variant only (an attachment is content no reader's eye checks)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    html, missing = replace_undrawable(html)
    fetcher = locked_fetcher()
    _only_shipped_fonts()
    fonts = FontConfiguration()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        stylesheets = [weasyprint.CSS(string=text, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher, font_config=fonts)
                       for text in (SAFETY_CSS, css)]
        document = weasyprint.HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=stylesheets, font_config=fonts)
        document.metadata.created = document.metadata.modified = created
        document.metadata.attachments = []  # a report embeds no files, whatever its HTML asks for
        for page in document.pages:
            page.links[:] = [link for link in page.links if link[0] != "external" or link[1].startswith(SAFE_LINK_SCHEMES)]
        pdf = document.write_pdf(**_variant_options(document, variant, attachments, created, fetcher))
    except MemoryError:
        raise
    except Exception as exc:  # WeasyPrint raises many kinds; any is a render failure of this edition
        raise RenderError(f"PDF layout failed: {exc}") from exc
    finally:
        # WeasyPrint copies the fonts to a temporary folder it removes only when the configuration is collected,
        # which a child process that exits never does.
        folder = getattr(fonts, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return pdf, dataclasses.replace(fetcher.log(), undrawable=missing)


def html_to_pdf(html: str, css: str, *, created: str, edition: str, limits: PdfLimits = PdfLimits(),
                variant: str = "pdf/ua-1", attachments: tuple[PdfAttachment, ...] = ()) -> tuple[bytes, FetchLog]:
    """Lay out print HTML as a tagged PDF (`variant`: config `pdf.variant`) in a child process that is killed after
    `limits.seconds` and may not grow its address space by more than `limits.memory_mb`; refused fetches are logged
    here, in the caller. `attachments` are embedded in the archival variant only."""
    # forkserver, not fork: the caller has usually just drawn charts with vl-convert, whose JavaScript engine
    # threads a forked child would inherit half-dead (locks held and never released).
    context = multiprocessing.get_context("forkserver")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_layout_child, args=(send, html, css, created, limits.memory_mb, variant, attachments,
                                                        tempfile.gettempdir()), daemon=True, name=f"pdf {edition}")
    child.start()
    send.close()
    try:
        if not receive.poll(limits.seconds):
            raise RenderError(f"PDF layout took longer than limits.pdf_seconds ({limits.seconds:g} s) and was stopped",
                              where=edition)
        try:
            outcome, payload, fetched = receive.recv()
        except EOFError:
            child.join()
            raise RenderError(f"PDF layout stopped without a result ({_exit_reason(child.exitcode)}); "
                              f"if the memory cap was reached, raise limits.pdf_memory_mb ({limits.memory_mb})",
                              where=edition) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if outcome == "memory":
        raise RenderError(f"PDF layout needed more memory than limits.pdf_memory_mb ({limits.memory_mb} MB)", where=edition)
    if outcome == "error":
        raise RenderError(payload, where=edition)
    for url in fetched.refused:
        log.warning("%s: refused to fetch %r: a report may only use its packaged assets", edition, url[:200])
    if fetched.undrawable:
        shown = " ".join(fetched.undrawable[:12]) + (" ..." if len(fetched.undrawable) > 12 else "")
        log.warning("%s: %d character(s) the report's font cannot draw are printed as \ufffd in the PDF: %s",
                    edition, len(fetched.undrawable), shown)
    return payload, fetched


def _variant_options(document: Any, variant: str, attachments: tuple[PdfAttachment, ...], created: str,
                     fetcher: Any) -> dict[str, Any]:
    """write_pdf's options for `variant`: PDF/UA-1 (tagged: structure tree, /Lang, /Alt, DisplayDocTitle), or
    PDF/A-3b, tagged as well and identified as PDF/UA-1 too, with `attachments` embedded."""
    if variant not in VARIANTS:
        raise RenderError(f"unknown PDF variant {variant!r} (pdf.variant: one of {', '.join(VARIANTS)})")
    options: dict[str, Any] = {"uncompressed_pdf": False, "custom_metadata": True, "pdf_variant": variant,
                               "pdf_tags": True}
    if variant == ARCHIVAL:
        import weasyprint

        document.metadata = _universal_metadata(document.metadata)
        when = _as_datetime(created)
        options["attachments"] = [weasyprint.Attachment(string=item.data, url_fetcher=fetcher, name=item.name,
                                                        description=item.description, created=when, modified=when,
                                                        relationship="Supplement") for item in attachments]
    return options


def _as_datetime(created: str) -> Any:
    """The PDF's creation date as a datetime, for the attachments' dates (reproducible, like the PDF's own)."""
    from datetime import date, datetime

    try:
        return datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return datetime.combine(date.fromisoformat(created[:10]), datetime.min.time())


def _universal_metadata(metadata: Any) -> Any:
    """`metadata` (WeasyPrint's DocumentMetadata) whose XMP also says pdfuaid:part 1: WeasyPrint writes one
    identification, that of the variant asked for, and PDF/A-3b takes the PDF/UA-1 tagging as well."""
    from weasyprint.pdf.metadata import NS, DocumentMetadata

    class UniversalMetadata(DocumentMetadata):  # type: ignore[misc]
        """XMP metadata that identifies the file as PDF/UA-1 besides the PDF/A part WeasyPrint writes."""

        def generate_rdf_metadata(self, variant: str, version: int, conformance: str | None) -> bytes:
            from xml.etree.ElementTree import fromstring, tostring

            rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
            first = rdf.find(f"{{{NS['rdf']}}}Description")
            if variant != "ua" and first is not None:
                first.attrib[f"{{{NS['pdfuaid']}}}part"] = "1"
            return bytes(tostring(rdf, encoding="utf-8"))

    return UniversalMetadata(**vars(metadata))


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _layout_child(send: Any, html: str, css: str, created: str, memory_mb: int, variant: str = "pdf/ua-1",
                  attachments: tuple[PdfAttachment, ...] = (), temporary: str | None = None) -> None:
    """Runs in the child: cap the address space, lay out, send back ('ok', pdf, log) or the failure. Its temporary
    files go to `temporary`, the build's folder: the fork server it comes from may have been started by an earlier
    build of the same process, whose folder is gone."""
    from .processes import quiet_child, use_tempdir

    quiet_child()
    _die_with_requester()
    use_tempdir(temporary)
    try:
        import weasyprint.text.fonts  # noqa: F401 - loaded before the cap, so the cap only meets the layout

        _cap_address_space(memory_mb)
        pdf, fetched = layout_pdf(html, css, created=created, variant=variant, attachments=attachments)
        send.send(("ok", pdf, fetched))
    except MemoryError:
        send.send(("memory", None, None))
    except RenderError as exc:
        if isinstance(exc.__cause__, MemoryError) or getattr(exc.__cause__, "errno", None) == errno.ENOMEM or _near_cap():
            send.send(("memory", None, None))
            return
        send.send(("error", exc.message, None))
    except BaseException as exc:  # noqa: BLE001 - the parent turns it into a RenderError naming the edition
        if _near_cap():  # C extensions report a failed allocation in many ways (SystemError, ValueError...)
            send.send(("memory", None, None))
            return
        send.send(("error", f"PDF layout failed: {type(exc).__name__}: {exc}", None))
    finally:
        send.close()


def _die_with_requester() -> None:
    """The layout's parent is the fork server (often one a whole build shares), not the worker that asked for it:
    when that worker dies (a failed or interrupted build kills its workers), the layout stops too."""
    import threading

    requester = multiprocessing.parent_process()
    if requester is None:
        return

    def watch() -> None:
        requester.join()
        os._exit(1)

    threading.Thread(target=watch, name="requester", daemon=True).start()


def _mapped_bytes() -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmPeak:")) * 1024
    except (OSError, StopIteration, ValueError):
        return None


def _near_cap(margin_mb: int = 16) -> bool:
    """Whether this process's address space came within `margin_mb` of its RLIMIT_AS cap."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    peak = _mapped_bytes()
    return soft != resource.RLIM_INFINITY and peak is not None and peak >= soft - margin_mb * 1024 * 1024


def _cap_address_space(extra_mb: int) -> None:
    """RLIMIT_AS at what the process has mapped now plus `extra_mb`: the layout's own growth is what is capped."""
    try:
        status = Path("/proc/self/status").read_text()
        mapped_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return  # no /proc: leave the limit to the time limit alone
    cap = mapped_kb * 1024 + extra_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
