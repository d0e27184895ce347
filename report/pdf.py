"""HTML to PDF with WeasyPrint; fetching is locked down to the report's own packaged assets."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .errors import RenderError

ASSETS = (Path(__file__).parent / "assets").resolve()


class LockedFetcher:
    """Serve data: URIs and files under the packaged assets; refuse everything else loudly."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self.served: list[str] = []

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        import weasyprint

        if url.startswith("data:"):
            return weasyprint.default_url_fetcher(url, *args, **kwargs)
        if url.startswith("file://"):
            path = Path(url[len("file://"):]).resolve()
            if path.is_relative_to(ASSETS) and path.is_file():
                self.served.append(url)
                return {"string": path.read_bytes(), "mime_type": _mime(path), "redirected_url": url}
        self.refused.append(url)
        raise ValueError(f"refused to fetch {url!r}: reports may only use their packaged assets")


def _mime(path: Path) -> str:
    return {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(path.suffix, "application/octet-stream")


def html_to_pdf(html: str, css: str, *, published: str) -> tuple[bytes, LockedFetcher]:
    """Lay out print HTML as a PDF; the fetcher records what was asked for."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = LockedFetcher()
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
