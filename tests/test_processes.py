"""Ctrl-C and SIGKILL at random moments of a build: one line and exit 130 (or nothing, for SIGKILL), the previous output
byte-identical, no process of the build left, no temporary folder left after the next build, and that build's output
byte-identical to a clean one."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from report.processes import PREFIX, build_tempdir, sweep

from .conftest import ROOT

# --no-cache: every build does the whole work (from the cache, a rebuild would be over before the signal)
BUILD = [sys.executable, "-m", "report.cli", "build", str(ROOT / "config" / "sample.yaml"), "--lang", "fr", "--no-cache"]


def _start(out: Path, tmpdir: Path) -> subprocess.Popen:
    return subprocess.Popen([*BUILD, "--out", str(out)], cwd=ROOT, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "TMPDIR": str(tmpdir)},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _group_left(pgid: int, wait: float = 5.0) -> list[str]:
    deadline = time.monotonic() + wait
    while True:
        left = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_builds_interrupted_or_killed_at_random_moments_leave_nothing_behind(tmp_path):
    # short: the fork servers' sockets live under TMPDIR, and a socket path has at most 107 bytes
    tmpdir = Path(tempfile.mkdtemp(prefix="rp-", dir="/tmp"))
    try:
        _interrupt_and_kill(tmp_path, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _interrupt_and_kill(tmp_path: Path, tmpdir: Path) -> None:
    out = tmp_path / "out"
    started = time.monotonic()
    clean = _start(out, tmpdir)
    assert clean.wait(timeout=600) == 0, clean.stderr.read() if clean.stderr else ""
    took = time.monotonic() - started
    [edition] = [path for path in out.iterdir() if path.name != ".cache"]  # the build cache beside it
    before = _files(edition)
    assert not list(tmpdir.iterdir()), "a clean build leaves nothing in TMPDIR"

    # A random moment early, midway and late in a build, as fractions of the clean build's time on this machine,
    # so that every signal lands while the build runs (the last one a fifth early: a later build can be quicker):
    # Ctrl-C while it loads and computes, SIGKILL while the workers draw the charts (their processes must not
    # outlive it), Ctrl-C while the PDF is laid out and the output written.
    draw = random.Random(11)
    moments = [round(took * draw.uniform(low, low + 0.2), 2) for low in (0.1, 0.35, 0.6)]
    for moment, how in zip(moments, (signal.SIGINT, signal.SIGKILL, signal.SIGINT)):
        build = _start(out, tmpdir)
        time.sleep(moment)
        if how == signal.SIGINT:
            os.killpg(build.pid, signal.SIGINT)  # Ctrl-C reaches every process of the terminal's group
        else:
            os.kill(build.pid, signal.SIGKILL)
        _, err = build.communicate(timeout=120)
        if build.returncode == 0:
            continue  # finished before the signal: nothing to check but the output below
        if how == signal.SIGINT:
            assert build.returncode == 130, err
            assert err.strip() == "report: interrupted; the previous output is unchanged", err
        assert _group_left(build.pid) == [], f"processes left after {how.name} at {moment} s"
        assert _files(edition) == before, f"the output changed after {how.name} at {moment} s"

    again = _start(out, tmpdir)
    assert again.wait(timeout=600) == 0
    assert _files(edition) == before
    assert not list(tmpdir.iterdir()), "the next build removes what killed builds left"


def test_sweep_removes_the_folders_of_builds_that_are_gone_only(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f"{PREFIX}{gone.pid}-abc"
    alive = tmp_path / f"{PREFIX}{os.getpid()}-def"
    other = tmp_path / "weasyprint-xyz"
    for folder in (dead, alive, other):
        folder.mkdir()
    assert sweep(tmp_path) == [dead]
    assert alive.exists() and other.exists() and not dead.exists()


def test_the_build_tempdir_is_where_temporary_files_go_and_is_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    with build_tempdir() as folder:
        assert Path(tempfile.mkdtemp()).parent == folder and os.environ["TMPDIR"] == str(folder)
    assert not folder.exists() and os.environ["TMPDIR"] == str(tmp_path)


def _layout_of_many_pages() -> object:
    from report.pdf import html_to_pdf

    return html_to_pdf("<html><body>" + "<p>word " * 100_000 + "</body></html>", "", created="2020-01-01", edition="t/fr")


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text and "State:\tZ" not in text:
            found.append(int(status.parent.name))
    return found


@pytest.mark.slow
def test_a_killed_worker_stops_the_layout_it_asked_the_shared_fork_server_for():
    """The workers of a build lay out their PDFs in children of one fork server this process starts: such a child is
    not the worker's, yet it stops when the worker that asked for it is killed (a failed build kills its workers)."""
    from multiprocessing import forkserver

    from report.processes import worker_pool

    pool = worker_pool(1, pdf=True)
    try:
        pool.submit(_layout_of_many_pages)
        server = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
        deadline = time.monotonic() + 30
        while not (layouts := _children(server)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(layouts) == 1  # the worker's layout, a child of this process's server
        time.sleep(1)  # the worker has handed it the page (killed while writing it, the child says so on stderr)
        for worker in list(pool._processes.values()):  # type: ignore[attr-defined]
            worker.kill()
        deadline = time.monotonic() + 10
        while _children(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _children(server) == []
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# Three builds in one process (a long-lived one: tests, a preview session): the first with forked workers, which
# starts the PDF layouts' fork server; then, once this process has drawn a chart itself, two whose workers come from
# a fork server too. Each build's workers and layouts must write in that build's temporary folder.
THREE_BUILDS = """
import hashlib, sys, tempfile
from pathlib import Path
import report.build as build

def pdf(index):
    result = build.build(sys.argv[1], languages=["fr"], out=Path(sys.argv[2]) / str(index), cache=False)
    print(hashlib.sha256((result.folder / "fr" / "report.pdf").read_bytes()).hexdigest())

if __name__ == "__main__":
    pdf(0)
    from report.charts import warm_up
    warm_up(True)
    pdf(1)
    pdf(2)
"""


@pytest.mark.slow
def test_later_builds_in_the_same_process_lay_out_their_pdfs_like_the_first(tmp_path):
    """The fork servers a build starts outlive it in a long-lived process: a later build's workers and PDF layouts
    must not write in the first build's temporary folder, which is gone (they failed with FileNotFoundError)."""
    script = tmp_path / "three_builds.py"
    script.write_text(THREE_BUILDS, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(ROOT / "tests" / "fixtures" / "tiny" / "config.yaml"),
                           str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    digests = done.stdout.split()
    assert len(digests) == 3 and len(set(digests)) == 1


def _build_with_weasyprint_watched(tmp_path: Path, config: Path, *extra: str) -> tuple[subprocess.CompletedProcess, bool]:
    """`report build` with a stand-in for WeasyPrint first on the path, in every process of the build: importing it
    leaves a mark and fails. Returns the run and whether anything imported it."""
    shim = tmp_path / "shim" / "weasyprint"
    shim.mkdir(parents=True)
    mark = tmp_path / "imported"
    (shim / "__init__.py").write_text(f"open({str(mark)!r}, 'a').write('x')\nraise ImportError('WeasyPrint imported')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "shim"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "report.cli", "build", str(config), "--out", str(tmp_path / "out"),
                           "--no-cache", *extra], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return done, mark.exists()


@pytest.mark.slow
def test_an_html_only_build_never_imports_weasyprint(tmp_path):
    """Asked for on the command line (--format html) or by the config (formats: [html]), in any of its processes;
    the fork server for PDF layouts, which the command line starts early, is not started for it."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", project)
    done, imported = _build_with_weasyprint_watched(tmp_path / "asked", project / "config.yaml", "--format", "html")
    assert done.returncode == 0, done.stderr
    assert not imported
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "formats: [html]\n", encoding="utf-8")
    done, imported = _build_with_weasyprint_watched(tmp_path / "configured", config)
    assert done.returncode == 0, done.stderr
    assert not imported and (tmp_path / "configured" / "out" / "tiny" / "fr" / "report.html").is_file()
    done, imported = _build_with_weasyprint_watched(tmp_path / "pdf", config, "--format", "html,pdf")
    assert imported and done.returncode != 0  # the watch works: a PDF build does import it


LATE_CTRL_C = """
import os, signal, sys
from report import cli

class CtrlCDuringShutdown:
    def __del__(self):  # would run while Python tears its modules down, after the build has returned
        os.kill(os.getpid(), signal.SIGINT)

pressed = CtrlCDuringShutdown()
cli.main = lambda argv=None: int(sys.argv[1])
cli.run()
"""


@pytest.mark.parametrize("code", [0, 130])
def test_a_ctrl_c_while_python_shuts_down_leaves_the_builds_exit_code(code):
    # Python puts SIGINT back to its default action before it tears the modules down: had `run` let that teardown
    # happen with Ctrl-C still live, this process would end by the signal (-2) with nothing on standard error
    done = subprocess.run([sys.executable, "-c", LATE_CTRL_C, str(code)], cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), timeout=60)
    assert (done.returncode, done.stderr) == (code, "")
