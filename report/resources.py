"""Where the tool's own files are: the templates, prose, catalogs and styles it ships.

An installed wheel carries them inside the package (`report/templates/`, copied there when the wheel is built,
with the catalogs compiled); a checkout or an editable install reads the repository's top-level `templates/`,
which stays their source.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _templates() -> Path:
    bundled = PACKAGE / "templates"
    if (bundled / "outline.yaml").is_file():
        return bundled
    return PACKAGE.parent / "templates"


TEMPLATES = _templates()
ASSETS = PACKAGE / "assets"


def user_cache() -> Path:
    """The user's cache folder for what only changes with the tool's or a library's version (the chart JavaScript,
    compiled templates): REPORT_CACHE_DIR, else $XDG_CACHE_HOME/report, else ~/.cache/report. It may not exist."""
    chosen = os.environ.get("REPORT_CACHE_DIR")
    return Path(chosen) if chosen else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "report"
