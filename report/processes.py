"""The build's own processes and temporary files: children that die with their parent, one temporary folder per
build that goes with it, and the leftovers of killed builds removed by the next one.

Every process a build starts (edition workers, fork servers, PDF layouts) asks the kernel to kill it when its
parent dies (PR_SET_PDEATHSIG), and ignores Ctrl-C: the build's own process handles that, once. Temporary files
(WeasyPrint's fonts, CSV copies, DuckDB's spill) go to `<TMPDIR>/report-<pid>-<random>/`, removed when the build
ends; a build killed outright leaves it behind, and the next build removes every such folder whose process is gone.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Iterator

PREFIX = "report-"
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child process: be killed when the parent goes, whatever way it goes (Linux; elsewhere nothing)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def quiet_child() -> None:
    """What every child of a build does first: die with its parent, leave Ctrl-C to the build's own process."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(root: Path) -> list[Path]:
    """Remove the temporary folders of builds whose process is gone; return them."""
    removed = []
    for folder in root.glob(f"{PREFIX}*-*"):
        pid = folder.name[len(PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _own_multiprocessing_tempdir(root: Path) -> None:
    """multiprocessing keeps a folder of its own for the life of the process (the fork servers' sockets): name it
    like the build's, so that a process killed outright leaves nothing the next build's sweep does not remove."""
    from multiprocessing import process, util

    config = process.current_process()._config  # type: ignore[attr-defined]
    if config.get("tempdir") is None:
        folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-mp-", dir=root)
        config["tempdir"] = folder
        util.Finalize(None, shutil.rmtree, args=[folder], kwargs={"ignore_errors": True}, exitpriority=-100)


@contextlib.contextmanager
def build_tempdir() -> Iterator[Path]:
    """A temporary folder that this build and every process it starts write into (TMPDIR and tempfile's default
    point at it), removed at the end; leftovers of killed builds are swept first."""
    root = Path(tempfile.gettempdir())
    sweep(root)
    _own_multiprocessing_tempdir(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=root))
    saved_env, saved_default = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = str(folder), str(folder)
    try:
        yield folder
    finally:
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        tempfile.tempdir = saved_default
        shutil.rmtree(folder, ignore_errors=True)


_interrupted = False


def on_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C in the build's own process: remembered, then raised. Python drops an exception raised while it runs
    some internal callbacks (an import lock's, a weak reference's); the build then stops at its next stage
    (`check_interrupted`), before anything is written."""
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def check_interrupted() -> None:
    if _interrupted:
        raise KeyboardInterrupt


def handle_interrupts() -> None:
    """Called by the command line (not by a library caller, whose signals are its own)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_interrupt)
