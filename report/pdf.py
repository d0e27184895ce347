"""HTML to PDF with WeasyPrint; fetching is locked down to the report's own packaged assets."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .errors import RenderError

log = logging.getLogger("report.pdf")

ASSETS = (Path(__file__).parent / "assets").resolve()


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
                path = Path(url[len("file://"):].split("?")[0]).resolve()
                if path.is_relative_to(ASSETS) and path.is_file():
                    self.served.append(url)
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})
            self.refused.append(url)
            log.warning("refused to fetch %r: a report may only use its packaged assets", url[:200])
            raise ValueError(f"refused to fetch {url[:200]!r}")

    return LockedFetcher()


def _mime(path: Path) -> str:
    return {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(path.suffix, "application/octet-stream")


def html_to_pdf(html: str, css: str, *, published: str) -> tuple[bytes, Any]:
    """Lay out print HTML as a PDF; the fetcher records what was asked for."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = locked_fetcher()
    fonts = FontConfiguration()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher)
        stylesheet = weasyprint.CSS(string=css, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher, font_config=fonts)
        pdf = document.write_pdf(stylesheets=[stylesheet], font_config=fonts, uncompressed_pdf=False,
                                 custom_metadata=True)
    except Exception as exc:  # WeasyPrint raises many kinds; any is a render failure of this edition
        raise RenderError(f"PDF layout failed: {exc}") from exc
    return pdf, fetcher
