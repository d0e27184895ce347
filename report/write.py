"""The only code that writes under the output folder: everything goes to a staging folder, then moves into place.

A build killed at any moment leaves the previous `<out>/<edition>/` as it was; the leftovers it may leave
(`.staging-<edition>-*`, `.old-<edition>-*`) are removed, or put back, by the next build of that edition.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

from .errors import OutputError

_RENAME_EXCHANGE = 2  # linux/fs.h: swap two paths in one atomic step
log = logging.getLogger("report.write")


def write_edition_folder(out: Path, edition: str, files: Mapping[str, bytes], *, manifest: Mapping[str, Any] | None = None,
                         keep_others: bool = False, lock_wait: float = 600.0) -> Path:
    """Write `files` (relative path -> bytes) as `<out>/<edition>/`, replacing the old folder only at the end.

    With `keep_others` (a build of some languages or formats), the files of the old folder this build does not
    write are kept, so that the new folder holds both. With `manifest`, it is written as `manifest.json`, its
    `outputs` listing every file of the new folder (kept ones too). Reading the old folder and swapping in the new
    one happen under the output folder's lock: two builds of different subsets each keep the other's files.
    """
    target = out / edition
    _make_folder(out)
    with _locked(out, lock_wait):
        _clean_leftovers(out, edition)
        if target.exists() and not target.is_dir():
            raise OutputError(f"{target} exists and is not a folder; move it away or choose another --out", where=str(target))
        kept = _kept(target, files) if keep_others else {}
        files = {**files, **kept}
        if manifest is not None:
            files["manifest.json"] = _manifest_bytes(manifest, files, kept)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".staging-{edition}-", dir=out))
            staging.chmod(0o755)  # mkdtemp makes it private; a report folder is meant to be read
        except OSError as exc:
            raise _output_error(exc, out, "cannot write in the output folder") from None
        try:
            for relative, data in sorted(files.items()):
                _write_file(staging, relative, data, target)
            _fsync_tree(staging)
            _swap_into_place(staging, target)
        except OSError as exc:
            raise _output_error(exc, target, "cannot write the report") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # after a swap this is the old folder, or nothing
    return target


MANIFEST = "manifest.json"


def _kept(target: Path, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The old folder's files this build does not write (its manifest aside); a warning when they were built from
    other figures than this build's."""
    if not target.is_dir():
        return {}
    kept = {str(path.relative_to(target)): path.read_bytes() for path in sorted(target.rglob("*"))
            if path.is_file() and str(path.relative_to(target)) not in files and path.name != MANIFEST}
    old_figures = target / "figures.json"
    if kept and "figures.json" in files and old_figures.is_file() and old_figures.read_bytes() != files["figures.json"]:
        log.warning("%s: kept %s from the previous build, whose figures differ from this build's; build those "
                    "languages and formats again for one consistent edition", target, ", ".join(sorted(kept)))
    return kept


def _manifest_bytes(manifest: Mapping[str, Any], files: Mapping[str, bytes], kept: Mapping[str, bytes]) -> bytes:
    record = dict(manifest)
    record["outputs"] = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items()) if name != MANIFEST}
    if kept:
        record["kept_from_previous_build"] = sorted(kept)
    return (json.dumps(record, indent=1, sort_keys=True) + "\n").encode()


def _make_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError("the output path exists and is not a folder; choose another --out", where=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc, out, "cannot create the output folder") from None


def _output_error(exc: OSError, where: Path, doing: str) -> OutputError:
    hints = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
             errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
             errno.EPERM: "permission denied"}
    reason = hints.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"{doing} ({reason}); the previous output is unchanged", where=str(where))


@contextmanager
def _locked(out: Path, wait: float) -> Iterator[None]:
    """One writer at a time per output folder, so cleaning leftovers never touches a live build's staging, and a
    build that keeps the other files of an edition reads them after any other writer is done. A writer waits up to
    `wait` seconds for the one before it (writing takes seconds), then gives up.

    The lock is on the folder itself (no lock file); a killed build's lock goes with its process.
    """
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise _output_error(exc, out, "cannot open the output folder") from None
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise OutputError(f"another build is writing into this folder (waited {wait:g} s); wait for it to finish",
                                  where=str(out)) from None
            time.sleep(0.1)
    try:
        yield
    finally:
        os.close(fd)


def _leftovers(out: Path, edition: str) -> Iterator[Path]:
    for prefix in (f".staging-{edition}-", f".old-{edition}-"):
        yield from sorted(path for path in out.glob(prefix + "*") if path.is_dir())


def _clean_leftovers(out: Path, edition: str) -> None:
    """Remove what a killed build left behind; if it died between the two renames of a swap, put the old report back."""
    target = out / edition
    for path in _leftovers(out, edition):
        aside = path / edition
        if path.name.startswith(".old-") and aside.is_dir() and not target.exists():
            os.rename(aside, target)
        shutil.rmtree(path, ignore_errors=True)


def _write_file(staging: Path, relative: str, data: bytes, target: Path) -> None:
    path = staging / relative
    if path.exists():
        raise OutputError(f"{relative} written twice in one build", where=str(target))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in [*sorted(p for p in folder.rglob("*") if p.is_dir()), folder]:
        _fsync_folder(path)


def _fsync_folder(folder: Path) -> None:
    """Make a folder's entries (new files, renames) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_into_place(staging: Path, target: Path) -> None:
    """Readers never see a half-written report: one atomic exchange where the system has it, else two renames."""
    if not target.exists():
        os.rename(staging, target)
    elif not _exchange(staging, target):
        old = Path(tempfile.mkdtemp(prefix=f".old-{target.name}-", dir=target.parent))
        os.rename(target, old / target.name)
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(old / target.name, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    _fsync_folder(target.parent)


def _exchange(first: Path, second: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): afterwards `first` holds the old report, `second` the new one."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD = -100
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # no such call, or a file system without exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(second))
