"""Provenance: hashes of everything a build reads (config, inputs, templates, fonts), the versions of what runs it,
and the manifest a build writes with them, which `report verify` later recomputes and compares."""
from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

from . import __version__
from .cache import file_digest
from .config import ReportConfig, custom_dir_files
from .load import Inputs
from .model import Statistics
from .resources import ASSETS, TEMPLATES

LIBRARIES = ("jinja2", "weasyprint", "pandas", "altair", "vl-convert-python", "babel", "duckdb", "pydantic", "pyyaml",
             "sqlglot", "pyspark", "openpyxl")


def _sha256(path: Path) -> str | None:
    """A file's hash, or a folder's (of its files' names and hashes); None when it is gone (only `report verify`
    meets that). Read in blocks: a scrape can be larger than memory."""
    if path.is_dir():
        digest = hashlib.sha256()
        for part in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{part.relative_to(path)}\0{_sha256(part)}\n".encode())
        return digest.hexdigest()
    # cache.file_digest: the same hash, and a large input the build's cache key already hashed is not read again
    return file_digest(path)


def sources(config_path: Path, input_files: Mapping[str, Path]) -> dict[str, Any]:
    """Hashes of everything a build reads (config, inputs, templates, fonts) and the versions of what runs it."""
    def tree(root: Path) -> dict[str, str | None]:
        return {str(p.relative_to(root)): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}

    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "tool": {"name": "report", "version": __version__, "python": platform.python_version()},
        "libraries": versions,
        "config": {"path": str(config_path.resolve()), "sha256": _sha256(config_path)},
        "inputs": {name: {"path": str(path), "sha256": _sha256(path)} for name, path in sorted(input_files.items())},
        "templates": tree(TEMPLATES),
        "fonts": tree(ASSETS / "fonts"),
    }


def manifest(config_path: Path, config: ReportConfig, inputs: Inputs, stats: Statistics, files: Mapping[str, bytes]
             ) -> dict[str, Any]:
    """What this build was made from, so a later `report verify` can tell what changed."""
    return {
        **sources(config_path, {**inputs.files, **custom_dir_files(config, config_path.resolve().parent)}),
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        "suppression_log": [{"figure": entry["figure"], "reason": entry["reason"]} for entry in stats.survey.suppression_log],
        "warnings": list(stats.market.warnings),
    }
