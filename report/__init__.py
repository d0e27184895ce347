"""Bilingual findings-and-recommendations briefs on online drug markets."""
from __future__ import annotations

#: The one place the version is written: pyproject.toml reads it (dynamic version), the manifest and `report --version` print it.
__version__ = "0.1.0"

#: The name the tool is installed under (`pip install drugmarket-brief`); pyproject.toml's [project] name, which
#: `report` could not be (taken on PyPI). The import package and the command are `report`.
DISTRIBUTION = "drugmarket-brief"
