"""The only code that writes under the output folder: everything goes to a staging folder, then moves into place.

A build killed at any moment leaves the previous `<out>/<edition>/` as it was; the leftovers it may leave
(`.staging-<edition>-*`, `.old-<edition>-*`) are removed, or put back, by the next build of that edition.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from .errors import OutputError

_RENAME_EXCHANGE = 2  # linux/fs.h: swap two paths in one atomic step


def write_edition_folder(out: Path, edition: str, files: Mapping[str, bytes]) -> Path:
    """Write `files` (relative path -> bytes) as `<out>/<edition>/`, replacing the old folder only at the end."""
    target = out / edition
    _make_folder(out)
    with _locked(out):
        _clean_leftovers(out, edition)
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
def _locked(out: Path) -> Iterator[None]:
    """One writer at a time per output folder, so cleaning leftovers never touches a live build's staging.

    The lock is on the folder itself (no lock file); a killed build's lock goes with its process.
    """
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise _output_error(exc, out, "cannot open the output folder") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputError("another build is writing into this folder; wait for it to finish", where=str(out)) from None
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
