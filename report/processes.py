"""The build's own processes and temporary files: the pool of edition workers (and the fork servers they start),
the relay of their warnings to the build's process, children that die with their parent, one temporary folder
per build that goes with it, and the leftovers of killed builds removed by the next one.

Every process a build starts (edition workers, fork servers, PDF layouts) asks the kernel to kill it when its
parent dies (PR_SET_PDEATHSIG), and ignores Ctrl-C: the build's own process handles that, once. Temporary files
(WeasyPrint's fonts, CSV copies, DuckDB's spill) go to `<TMPDIR>/report-<pid>-<random>/`, removed when the build
ends; a build killed outright leaves it behind, and the next build removes every such folder whose process is gone.
"""
from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

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


class _Collector(logging.Handler):
    """Keeps a worker's warnings so the main process can log them (and --strict can count them)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def in_worker(function: Any, *args: Any) -> tuple[Any, list[tuple[str, int, str]]]:
    """Run a stage in a worker process, returning its result and the warnings it logged or raised."""
    import warnings

    root = logging.getLogger()
    collector, inherited = _Collector(), root.handlers[:]
    root.handlers[:] = [collector]  # the main process prints them once, after this returns
    try:
        with warnings.catch_warnings(record=True) as raised:
            warnings.simplefilter("default")
            result = function(*args)
        return result, collector.records + [
            (PY_WARNINGS, logging.WARNING, f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})") for w in raised]
    finally:
        root.handlers[:] = inherited


PY_WARNINGS = "py.warnings"


class _Hold(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def held_back() -> Iterator[list[logging.LogRecord]]:
    """What is logged inside the block is held back instead of handled (shown, counted by --strict, captured):
    the caller hands the records on with `handed_on`, or drops them."""
    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger) and logger.handlers)]
    saved = [(logger, logger.handlers[:]) for logger in loggers]
    hold = _Hold()
    for logger in loggers:  # the root, and any logger that does not pass its records on to it, hold them
        logger.handlers[:] = [hold] if logger is loggers[0] or not logger.propagate else []
    try:
        yield hold.records
    finally:
        for logger, handlers in saved:
            logger.handlers[:] = handlers


def handed_on(records: Iterable[logging.LogRecord]) -> None:
    """Records held back by `held_back`, handled now, as they would have been when they were logged."""
    for record in records:
        logging.getLogger(record.name).handle(record)


def relog(records: Iterable[tuple[str, int, str]]) -> None:
    """Log (or warn, for Python warnings) in the main process what a worker logged."""
    import warnings

    for name, level, message in records:
        if name == PY_WARNINGS:
            warnings.warn(f"in a worker: {message}", RuntimeWarning, stacklevel=2)
        else:
            logging.getLogger(name).log(level, "%s", message)


def worker_pool(workers: int, pdf: bool = True, warm: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """Worker processes for the editions; `pdf`: they will lay out PDFs (else they never import WeasyPrint); `warm`:
    what each worker does first (imports, engines to start), while this process goes on.

    Forked when this process has not started vl-convert's JavaScript engine (the command line never does): the
    workers then start with every library imported, and share one fork server for their PDF layouts, started here
    first. Otherwise (a caller that drew charts itself) from a fork server, since a forked child would inherit the
    engine's threads half-dead and hang at its first chart; each worker then starts a fork server of its own.
    """
    context: multiprocessing.context.BaseContext
    charts = sys.modules.get("report.charts")
    shared = False
    if charts is not None and charts.engine_started():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["report._child", "report.build"])
    else:
        context = multiprocessing.get_context("fork")
        shared = pdf and _layout_server()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_setup,
                               initargs=(pdf, warm, shared, tempfile.gettempdir()))


LAYOUT_PRELOAD = ["report._child", "report.pdf", "weasyprint", "weasyprint.text.fonts"]


def start_layout_server() -> None:
    """The PDF layouts' fork server, started first thing by the command line: it imports WeasyPrint while this
    process imports the rest (one core is idle then), instead of while the build computes. Its socket goes in a
    folder named like the build's, which the next build sweeps if this one is killed."""
    _own_multiprocessing_tempdir(Path(tempfile.gettempdir()))
    _layout_server()


def _layout_server() -> bool:
    """Start the fork server PDF layouts come from, with WeasyPrint imported (in a process of its own, while this
    one goes on): True when it runs. Workers forked from this process then share it, instead of each importing
    WeasyPrint into a server of its own (a second of work each, while the build computes). A server this process
    already runs (an earlier build of a long-lived process) is kept."""
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(LAYOUT_PRELOAD)
    try:
        forkserver.ensure_running()
    except OSError:  # e.g. a full TMPDIR: workers try again, and the PDF layout says why it cannot
        return False
    return True


@contextlib.contextmanager
def owned(pool: ProcessPoolExecutor) -> Iterator[ProcessPoolExecutor]:
    """The pool, shut down at the end; on an error or Ctrl-C its workers are killed at once instead of finishing
    the editions nobody will write."""
    try:
        yield pool
    except BaseException:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        # Python 3.11's exit handler wakes the pool's manager thread without the lock that thread closes its wake-up
        # pipe under: if both happen at once, "Exception ignored ... Bad file descriptor" follows the build's message.
        # The manager ends quickly once the workers are dead; waiting for it closes the pipe before exit.
        manager = getattr(pool, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(timeout=5)
        raise
    pool.shutdown(wait=True)


def _worker_setup(pdf: bool = True, warm: Callable[[], None] | None = None, shared: bool = False,
                  temporary: str | None = None) -> None:
    """Workers run in UTC: vl-convert draws dates in the process's time zone, and a report must not depend on it.
    Their temporary files go to `temporary`, the build's folder: a worker that comes from a fork server started by
    an earlier build of the same process would otherwise inherit that build's folder, gone since.

    A worker of a build with PDFs lays them out in children of a fork server, with WeasyPrint imported: the one the
    build's process started (`shared`), else one it starts at once, while it draws charts. Then it does `warm`.
    """
    from multiprocessing import forkserver

    quiet_child()  # dies with the build, leaves Ctrl-C to it
    use_tempdir(temporary)
    os.environ["TZ"] = "UTC"
    time.tzset()
    server = forkserver._forkserver  # type: ignore[attr-defined]
    if shared:
        # The build's process started the server and watches it; multiprocessing's own check (waitpid) works only
        # in the process that started it: here, the inherited address is used as it is.
        server.ensure_running = lambda: None  # type: ignore[method-assign]
    else:
        # A worker forked from a process that already had a fork server inherits its handle to it (not this
        # process's child): forget it, so that the worker starts its own.
        for name in ("_forkserver_pid", "_forkserver_address", "_forkserver_alive_fd"):
            setattr(server, name, None)
        if pdf:
            _layout_server()  # if it cannot start (a full TMPDIR), the PDF layout says why, naming the edition
    if warm is not None:
        warm()


def use_tempdir(folder: str | None) -> None:
    """This process's temporary files go to `folder` (the build's), when given: a process that comes from a fork server
    started by an earlier build of the same process would otherwise inherit that build's folder, gone since."""
    if folder is not None:
        os.environ["TMPDIR"] = tempfile.tempdir = folder
