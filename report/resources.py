"""Where the tool's own files are: the templates, prose, catalogs and styles it ships.

An installed wheel carries them inside the package (`report/templates/`, copied there when the wheel is built,
with the catalogs compiled); a checkout or an editable install reads the repository's top-level `templates/`,
which stays their source.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _templates() -> Path:
    bundled = PACKAGE / "templates"
    if (bundled / "outline.yaml").is_file():
        return bundled
    return PACKAGE.parent / "templates"


TEMPLATES = _templates()
ASSETS = PACKAGE / "assets"
