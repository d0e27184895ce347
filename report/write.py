"""The only code that writes under the output folder: everything goes to a staging folder, then moves into place."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from .errors import OutputError


def write_edition_folder(out: Path, edition: str, files: Mapping[str, bytes]) -> Path:
    """Write `files` (relative path -> bytes) as `<out>/<edition>/`, replacing the old folder only at the end."""
    target = out / edition
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{edition}-", dir=out))
    except OSError as exc:
        raise OutputError(f"cannot create the output folder ({exc.strerror})", where=str(out)) from None
    try:
        for relative, data in sorted(files.items()):
            path = staging / relative
            if path.exists():
                raise OutputError(f"{relative} written twice in one build", where=str(target))
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _swap_into_place(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write the report ({exc.strerror}); the previous output is unchanged", where=str(target)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _swap_into_place(staging: Path, target: Path) -> None:
    """Two renames: the old folder aside, the new one in; readers never see a half-written report."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".old-{target.name}-", dir=target.parent))
        os.rename(target, old / target.name)
    try:
        os.rename(staging, target)
    except OSError:
        if old is not None:
            os.rename(old / target.name, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
