"""`report preview`: the server (127.0.0.1 only, the page with its reload script, server-sent events), the watch loop
(a change rebuilds, an error keeps the last good page and names the file and line), and the command driven end to
end on the tiny fixture (slow: real builds)."""
from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from watchfiles import Change

from report.errors import RenderError
from report.preview import HOST, Page, Preview, State, _reason, served, start_server

TINY = Path(__file__).parent / "fixtures" / "tiny"
PROSE = "{% macro context() %}\n<p>{text}</p>\n{% endmacro %}\n"
BROKEN = "{% macro context() %}\n<p>{{ unclosed </p>\n{% endmacro %}\n"
SCRIPT_ID = "report-preview-reload"
BANNER_ID = "report-preview-error"


def _project(tmp_path: Path, text: str) -> tuple[Path, Path]:
    """The tiny fixture with a custom_dir whose French prose replaces the context fragment."""
    project = tmp_path / "project"
    shutil.copytree(TINY, project)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "custom_dir: custom\n", encoding="utf-8")
    prose = project / "custom" / "prose" / "fr" / "context.html.j2"
    prose.parent.mkdir(parents=True)
    _write(prose, PROSE.replace("{text}", text))
    return config, prose


def _write(path: Path, text: str) -> None:
    staging = path.with_name(path.name + ".partial")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)  # as many editors save


def _get(port: int, path: str, host: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host} if host else {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


class Events:
    """An open /events stream; each `data:` line lands in a queue."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.connection.request("GET", "/events")
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"
        self.received: queue.Queue[int] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.response:
                text = line.decode("utf-8").strip()
                if text.startswith("data:"):
                    self.received.put(int(text[5:]))
        except (OSError, ValueError):
            return

    def next(self, timeout: float) -> int:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def server() -> Iterator[tuple[State, int]]:
    state = State()
    running, thread = start_server(state, 0)
    yield state, running.server_address[1]
    state.close()
    running.shutdown()
    running.server_close()


def test_the_served_page_carries_the_reload_script_and_the_error_over_the_last_good_page() -> None:
    edition = b"<!DOCTYPE html><html><head></head><body class=\"report\"><main>Le texte</main></body></html>"
    good = served(Page(edition, None, 3)).decode("utf-8")
    assert SCRIPT_ID in good and "var generation = 3" in good and BANNER_ID not in good
    assert good.index("Le texte") < good.index(SCRIPT_ID) < good.index("</body>")
    broken = served(Page(edition, "render error: x.html.j2:2: <bad>", 4)).decode("utf-8")
    assert re.search(r'<body class="report"><div id="report-preview-error"', broken)
    assert "x.html.j2:2: &lt;bad&gt;" in broken and "Le texte" in broken
    first = served(Page(None, "config error: config.yaml:3: no", 1)).decode("utf-8")
    assert "config.yaml:3: no" in first and SCRIPT_ID in first


def test_the_server_listens_on_127_0_0_1_only(server: tuple[State, int]) -> None:
    state, port = server
    running, _ = start_server(State(), 0)
    try:
        assert running.socket.getsockname()[0] == "127.0.0.1"
    finally:
        running.server_close()
    assert _listening_addresses(port) == {"127.0.0.1"}
    # a page of another site that resolves its own name to 127.0.0.1 is not answered
    assert _get(port, "/", host=f"attacker.example:{port}")[0] == 403
    assert _get(port, "/", host=f"localhost:{port}")[0] == 200
    assert _get(port, "/../config.yaml")[0] == 404


def test_events_announce_each_build_and_the_page_follows(server: tuple[State, int]) -> None:
    state, port = server
    state.publish(b"<html><body>un</body></html>", None)
    events = Events(port)
    try:
        assert events.next(5) == 1  # the current build at once: a page older than it reloads
        state.publish(None, "render error: a.html.j2:7: oops")
        assert events.next(5) == 2
        status, page = _get(port, "/")
        assert status == 200 and "a.html.j2:7: oops" in page and "un" in page
        assert json.loads(_get(port, "/status")[1]) == {"generation": 2, "error": "render error: a.html.j2:7: oops",
                                                        "built": True}
        state.publish(b"<html><body>deux</body></html>", None)
        assert events.next(5) == 3
        page = _get(port, "/")[1]
        assert "deux" in page and BANNER_ID not in page
    finally:
        events.close()


def test_a_saved_template_rebuilds_and_an_error_keeps_the_last_good_page(tmp_path: Path) -> None:
    """The watch loop with a stand-in for the build (the prose file's text, or its error): fast."""
    config, prose = _project(tmp_path, "Version un.")

    def builder(config_path: Path, lang: str, out: Path) -> bytes:
        text = prose.read_text(encoding="utf-8")
        if "{{ unclosed" in text:
            raise RenderError("template syntax error: unexpected end", where=f"{prose}:2")
        return f"<html><body>{lang}: {text}</body></html>".encode("utf-8")

    state, stop, lines = State(), threading.Event(), []
    loop = Preview(config, "fr", tmp_path / "out", state, builder, lines.append)
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    try:
        page = _wait(state, 1)
        assert page.html is not None and b"fr: " in page.html and b"Version un." in page.html
        time.sleep(0.5)  # the watch is set up after the first build
        _write(prose, PROSE.replace("{text}", "Version deux."))
        page = _wait(state, 2)
        assert page.error is None and page.html is not None and b"Version deux." in page.html
        _write(prose, BROKEN)
        page = _wait(state, 3)
        assert page.error is not None and f"{prose}:2" in page.error
        assert page.html is not None and b"Version deux." in page.html  # the last good page stays
        _write(prose, PROSE.replace("{text}", "Version trois."))
        page = _wait(state, 4)
        assert page.error is None and page.html is not None and b"Version trois." in page.html
        (tmp_path / "unrelated.txt").write_text("not watched", encoding="utf-8")
        (prose.parent / ".context.html.j2.swp").write_text("an editor's swap file", encoding="utf-8")
        time.sleep(1.0)
        assert state.page.generation == 4
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert "context.html.j2" in lines[1] and "changed" in lines[1] and "failed" in lines[2]


def _wait(state: State, generation: int, timeout: float = 60) -> Page:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = state.wait_newer(generation - 1, 0.5)
        if page.generation >= generation:
            assert page.generation == generation, f"more builds than changes: {page}"
            return page
    raise AssertionError(f"no build {generation} within {timeout} s: {state.page}")


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port` (Linux /proc)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)) if width == 8 else address)
    return found


@pytest.mark.slow
def test_report_preview_end_to_end(tmp_path: Path) -> None:
    """The command on the tiny fixture: edit, break, fix a prose template; the page follows; Ctrl-C stops it."""
    config, prose = _project(tmp_path, "Première version.")
    command = [sys.executable, "-m", "report.cli", "preview", str(config), "--lang", "fr"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert match, first
        port = int(match.group(1))
        assert _listening_addresses(port) == {"127.0.0.1"}
        events = Events(port)
        _expect(events, 1)
        page = _get(port, "/")[1]
        assert "Première version." in page and SCRIPT_ID in page
        time.sleep(0.5)
        _write(prose, PROSE.replace("{text}", "Deuxième version."))
        _expect(events, 2)
        page = _get(port, "/")[1]
        assert "Deuxième version." in page and "Première version." not in page and BANNER_ID not in page
        _write(prose, BROKEN)
        _expect(events, 3)
        page = _get(port, "/")[1]
        assert BANNER_ID in page and f"{prose}:2" in page and "template syntax error" in page
        assert "Deuxième version." in page  # the last good page, under the error
        _write(prose, PROSE.replace("{text}", "Troisième version."))
        _expect(events, 4)
        page = _get(port, "/")[1]
        assert "Troisième version." in page and BANNER_ID not in page
        events.close()
        # the private build is not the published one, and the files carry no preview script
        built = list(tmp_path.glob("report-*-preview-*/tiny/fr/report.html"))
        assert len(built) == 1 and SCRIPT_ID not in built[0].read_text(encoding="utf-8")
        assert not (tmp_path / "build").exists() and not (config.parent / "build").exists()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert err.strip().splitlines() == ["report: preview stopped; the published output is unchanged"]
    assert not list(tmp_path.glob("report-*-preview-*"))  # its temporary build went with it


def _expect(events: Events, generation: int, timeout: float = 120) -> None:
    """The build numbers announced reach `generation` and not beyond: each edit is one build (0, before the first
    build ends, is skipped)."""
    announced = events.next(timeout)
    while announced < generation and (announced == 0 or announced == generation - 1):
        announced = events.next(timeout)
    assert announced == generation


@pytest.mark.slow
def test_the_next_preview_session_starts_from_the_last_sessions_cache(tmp_path: Path, monkeypatch) -> None:
    """Each session builds into a temporary folder of its own, but the build's cache is kept in the user's cache
    folder, per config: the next session's first page reuses it (figures and edition), and none of it lands in the
    project or the session's folder."""
    from report.build import build
    from report.cache import FOLDER
    from report.preview import build_html, preview_cache

    monkeypatch.setenv("REPORT_CACHE_DIR", str(tmp_path / "user-cache"))
    config, _ = _project(tmp_path, "Première version.")
    first = build_html(config, "fr", tmp_path / "session1")
    kept = preview_cache(config)
    assert kept.is_relative_to(tmp_path / "user-cache") and (kept / "editions").is_dir()
    assert not (tmp_path / "session1" / FOLDER / "editions").exists() and not list(config.parent.rglob(FOLDER))
    again = build(config, languages=["fr"], formats=["html"], out=tmp_path / "session2", cache_dir=kept)
    assert again.cache == {"figures": (1, 0), "editions": (1, 0)}
    assert (again.folder / "fr" / "report.html").read_bytes() == first
    assert preview_cache(config) != preview_cache(tmp_path / "other.yaml")


def test_the_rebuild_line_names_the_files_changed_not_a_temporary_copy_renamed_over_one():
    folder = "/p/custom/prose/de"
    saved_by_sed = [(Change.added, f"{folder}/sedzjPgGM"), (Change.modified, f"{folder}/sedzjPgGM"),
                    (Change.deleted, f"{folder}/sedzjPgGM"), (Change.added, f"{folder}/survey.html.j2")]
    assert _reason(saved_by_sed) == " (survey.html.j2 changed)"
    removed = [(Change.deleted, f"{folder}/survey.html.j2"), (Change.modified, "/p/config.yaml")]
    assert _reason(removed) == " (config.yaml, survey.html.j2 changed)"
    assert _reason([]) == ""
