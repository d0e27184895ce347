"""The output folder: replaced atomically, left intact by a killed or failed build, cleaned up by the next one;
clear messages when it cannot be written (issue 4, "Output")."""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

import report.write
from report.build import build
from report.errors import OutputError, RenderError
from report.pdf import PdfLimits, html_to_pdf
from report.write import write_edition_folder

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "config" / "sample.yaml"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith((".staging-", ".old-")))


@pytest.fixture
def previous(tmp_path) -> tuple[Path, dict[str, bytes]]:
    """An output folder holding a previous good report."""
    out = tmp_path / "out"
    write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"previous good output\n", "figures.json": b"{}\n"})
    return out, snapshot(out / "cryptodrug-2019")


def unshare_works(*flags: str) -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", *flags, "true"], capture_output=True).returncode == 0


# -- killed builds ----------------------------------------------------------------------------------------------

SLOW_WRITER = textwrap.dedent("""
    import os, sys, time
    import report.write
    real_fsync = os.fsync
    def slow_fsync(fd):  # the writer fsyncs each file: slow it so the kill lands while it writes
        time.sleep(0.5)
        real_fsync(fd)
    report.write.os = type(sys)("slow_os")
    report.write.os.__dict__.update(os.__dict__, fsync=slow_fsync)
    from report.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_a_build_killed_while_writing_leaves_the_previous_output_and_the_next_build_cleans_up(previous):
    out, before = previous
    command = [sys.executable, "-c", SLOW_WRITER, "build", str(SAMPLE), "--lang", "fr", "--format", "html", "--out", str(out)]
    child = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not any(out.glob(".staging-*/fr")) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert child.poll() is None, child.communicate()[1].decode()[-2000:]
        time.sleep(0.2)  # somewhere in the middle of writing the files
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the build and its worker processes
        child.wait()
    assert leftovers(out), "the kill should have left a staging folder"
    assert snapshot(out / "cryptodrug-2019") == before

    result = build(SAMPLE, languages=["fr"], formats=["html"], out=out)
    assert leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == [".cache", "cryptodrug-2019"]  # the build cache (report/cache.py)
    assert "fr/report.html" in result.files and (out / "cryptodrug-2019" / "fr" / "report.html").stat().st_size > 100_000


def test_a_build_killed_between_the_two_renames_gets_its_report_back(previous, monkeypatch):
    out, before = previous
    aside = out / ".old-cryptodrug-2019-x1y2z3"
    aside.mkdir()
    os.rename(out / "cryptodrug-2019", aside / "cryptodrug-2019")  # where the fallback swap had moved it
    monkeypatch.setattr(report.write, "_write_file", _disk_full)
    with pytest.raises(OutputError):
        write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"new"})
    assert snapshot(out / "cryptodrug-2019") == before and leftovers(out) == []


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_the_two_rename_fallback_swaps_too(previous, monkeypatch):
    out, _before = previous
    monkeypatch.setattr(report.write, "_exchange", lambda first, second: False)
    write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"new"})
    assert snapshot(out / "cryptodrug-2019") == {"fr/report.html": b"new"} and leftovers(out) == []


def test_leftovers_of_other_editions_are_not_touched(previous):
    out, _before = previous
    (out / ".staging-other-edition-abc").mkdir()
    write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"new"})
    assert leftovers(out) == [".staging-other-edition-abc"]


def test_a_second_writer_at_the_same_time_is_refused(previous):
    out, before = previous
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match="another build is writing"):
            write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"new"}, lock_wait=0.3)
    finally:
        os.close(fd)
    assert snapshot(out / "cryptodrug-2019") == before


def test_a_report_folder_is_readable_by_others(tmp_path):
    folder = write_edition_folder(tmp_path / "out", "e", {"fr/report.html": b"x"})
    assert folder.stat().st_mode & 0o755 == 0o755 and (folder / "fr" / "report.html").stat().st_mode & 0o644 == 0o644


# -- folders that cannot be written -----------------------------------------------------------------------------

def test_an_output_path_that_is_a_file_is_named(tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(OutputError) as caught:
        write_edition_folder(out, "tiny", {"a": b"1"})
    assert str(out) in str(caught.value) and "is not a folder" in str(caught.value)


def test_an_output_path_under_a_file_is_named(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="cannot create the output folder"):
        write_edition_folder(tmp_path / "file" / "out", "tiny", {"a": b"1"})


@pytest.mark.skipif(not unshare_works("-rm"), reason="needs unprivileged user and mount namespaces (unshare -rm)")
def test_a_read_only_output_folder_is_named(previous):
    out, before = previous
    script = (f"mount --bind {out} {out} && mount -o remount,bind,ro {out} && exec {sys.executable} -c "
              "'import sys; from pathlib import Path; from report.write import write_edition_folder; "
              f"write_edition_folder(Path(\"{out}\"), \"cryptodrug-2019\", {{\"fr/report.html\": b\"new\"}})'")
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "OutputError" in done.stderr and "read-only" in done.stderr and "previous output is unchanged" in done.stderr
    assert snapshot(out / "cryptodrug-2019") == before and leftovers(out) == []


def test_a_read_only_file_system_is_named_without_namespaces(previous, monkeypatch):
    out, before = previous

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(report.write.tempfile, "mkdtemp", read_only)
    with pytest.raises(OutputError, match=r"read-only\); the previous output is unchanged"):
        write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"new"})
    assert snapshot(out / "cryptodrug-2019") == before


def test_a_full_disk_is_named_and_leaves_nothing_behind(previous, monkeypatch):
    out, before = previous
    real_write = os.write

    def write(fd, data):
        if "/.staging-" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(OutputError) as caught:
        write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"new", "fr/report.pdf": b"%PDF"})
    monkeypatch.undo()
    assert "the disk is full" in str(caught.value) and "previous output is unchanged" in str(caught.value)
    assert snapshot(out / "cryptodrug-2019") == before and leftovers(out) == []


# -- the PDF child process --------------------------------------------------------------------------------------

BIG_HTML = "<html><body>" + "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>" * 4000 + "</body></html>"


def test_a_pdf_layout_over_the_time_limit_is_stopped_naming_the_edition():
    started = time.perf_counter()
    with pytest.raises(RenderError) as caught:
        html_to_pdf(BIG_HTML, "", created="2019-12-16", edition="cryptodrug-2019/nl", limits=PdfLimits(seconds=0.5))
    assert time.perf_counter() - started < 5
    assert str(caught.value).startswith("cryptodrug-2019/nl: PDF layout took longer than limits.pdf_seconds (0.5 s)")


def test_a_pdf_layout_over_the_memory_cap_is_stopped_naming_the_edition():
    # 60 MB more than the parent: enough to start, not enough for 4000 paragraphs. Depending on where the cap
    # bites, the child raises MemoryError or is killed by a signal; both name the edition and the setting.
    # Run in a fresh interpreter, as the command line does: a test process that has already started a chart
    # engine holds address space the child can reuse, and the cap would no longer bite where it does for users.
    script = textwrap.dedent("""
        from report.errors import RenderError
        from report.pdf import PdfLimits, html_to_pdf
        big = "<html><body>" + "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>" * 4000 + "</body></html>"
        try:
            html_to_pdf(big, "", created="2019-12-16", edition="cryptodrug-2019/fr", limits=PdfLimits(seconds=60, memory_mb=60))
        except RenderError as exc:
            print(exc)
        else:
            print("no error")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    message = done.stdout.strip()
    assert message.startswith("cryptodrug-2019/fr: PDF layout") and "limits.pdf_memory_mb" in message, (message, done.stderr[-500:])


def test_the_pdf_child_sets_the_creation_date_and_reports_what_it_fetched():
    from pypdf import PdfReader
    import io

    html = '<html><head><style>@import url("file:///etc/passwd");</style></head><body><p>x</p>' \
           '<img src="http://169.254.169.254/latest/meta-data/"><a href="javascript:alert(1)">js</a>' \
           '<a href="file:///etc/passwd">f</a><a href="https://example.org/">ok</a>' \
           '<link rel="attachment" href="file:///etc/passwd"></body></html>'
    pdf, fetched = html_to_pdf(html, "", created="2019-12-16T00:00:00Z", edition="e/fr")
    assert set(fetched.refused) == {"file:///etc/passwd", "http://169.254.169.254/latest/meta-data/"}
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata["/CreationDate"].startswith("D:20191216")
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    uris = [annot.get_object().get("/A", {}).get("/URI") for page in reader.pages for annot in page.get("/Annots", [])]
    assert uris == ["https://example.org/"]


# -- partial rebuilds, an edition path that is a file, --strict ---------------------------------------------------

def test_a_partial_rebuild_keeps_the_other_files_and_lists_them_in_the_manifest(previous, caplog):
    import hashlib
    import json

    out, before = previous
    folder = write_edition_folder(out, "cryptodrug-2019", {"nl/report.pdf": b"%PDF nl", "figures.json": b"{}\n"},
                                  manifest={"outputs": {}, "config": {}}, keep_others=True)
    files = snapshot(folder)
    assert files["fr/report.html"] == before["fr/report.html"] and files["nl/report.pdf"] == b"%PDF nl"
    manifest = json.loads(files["manifest.json"])
    assert manifest["outputs"] == {name: hashlib.sha256(data).hexdigest() for name, data in files.items() if name != "manifest.json"}
    assert manifest["kept_from_previous_build"] == ["fr/report.html"]
    assert not caplog.records  # same figures: nothing to warn about
    write_edition_folder(out, "cryptodrug-2019", {"nl/report.pdf": b"%PDF nl 2", "figures.json": b'{"other": 1}\n'},
                         manifest={"outputs": {}}, keep_others=True)
    assert any("whose figures differ" in record.getMessage() for record in caplog.records)
    full = write_edition_folder(out, "cryptodrug-2019", {"nl/report.pdf": b"x", "figures.json": b"{}\n"})
    assert sorted(snapshot(full)) == ["figures.json", "nl/report.pdf"]  # a full build drops what it no longer makes


def test_an_edition_path_that_is_a_file_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "tiny").write_text("my notes\n")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        write_edition_folder(out, "tiny", {"a": b"1"})
    assert (out / "tiny").read_text() == "my notes\n" and sorted(p.name for p in out.iterdir()) == ["tiny"]


@pytest.mark.slow
def test_builds_of_different_languages_at_the_same_time_keep_each_others_files(tmp_path):
    """fr and nl built at once into one edition: both end up in it, and `report verify` passes."""
    from report.cli import main

    out = tmp_path / "out"
    command = [sys.executable, "-m", "report.cli", "build", str(SAMPLE), "--format", "html", "--out", str(out), "--lang"]
    builds = [subprocess.Popen([*command, lang], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for lang in ("fr", "nl")]
    for process in builds:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    folder = out / "cryptodrug-2019"
    assert {"fr/report.html", "nl/report.html", "figures.json", "manifest.json"} <= set(snapshot(folder))
    assert main(["verify", str(folder)]) == 0


def test_strict_fails_before_anything_is_written(tmp_path, capsys):
    """A warning under --strict: exit non-zero and the output folder as it was (here: never created)."""
    from report.cli import main

    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", project)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace('match: ["Drugs/MDMA"]', 'match: ["Drugs/NoSuch"]'),
                      encoding="utf-8")  # a raw category no longer mapped: a warning
    out = tmp_path / "figures.json"
    assert main(["--strict", "figures", str(config), "--out", str(out)]) != 0
    assert "--strict is set; nothing was written" in capsys.readouterr().err and not out.exists()
    assert main(["figures", str(config), "--out", str(out)]) == 0 and out.exists()


@pytest.mark.slow
@pytest.mark.skipif(not unshare_works("-rm"), reason="needs user and mount namespaces (unshare -rm)")
def test_a_full_scratch_disk_is_a_message_and_the_previous_output_stays(tmp_path):
    out = tmp_path / "out"
    write_edition_folder(out, "cryptodrug-2019", {"fr/report.html": b"previous\n"})
    before = snapshot(out / "cryptodrug-2019")
    small = tempfile.mkdtemp(prefix="rs-", dir="/tmp")  # short: sockets live under TMPDIR (at most 107 bytes)
    script = (f"mount -t tmpfs -o size=300k tmpfs {small} && "
              f"TMPDIR={small} {sys.executable} -m report.cli build {SAMPLE} --lang fr --out {out}")
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "No space left on device" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert snapshot(out / "cryptodrug-2019") == before
