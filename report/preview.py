"""`report preview CONFIG`: the HTML edition of one language, served on 127.0.0.1 and rebuilt when a file it is made
from changes (the tool's templates, the project's custom_dir, the config, codebook and inputs).

The build goes into a private temporary folder (the published edition is never touched) through the ordinary
`build()`, HTML and one language only. The served page carries a small inline script (added when it is served,
never written to a file) that listens to server-sent events on `/events` and reloads when a new build, or a build
error, is ready. A failed build shows its message (a template's file and line, a config key) in a banner over the
last good page; the next good build replaces it.
"""
from __future__ import annotations

import html
import http.server
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .errors import ReportError

log = logging.getLogger("report")

HOST = "127.0.0.1"  # the only address the preview listens on: the page holds hidden-value-free but unpublished text
KEEPALIVE_SECONDS = 10.0
IGNORED_NAME = re.compile(r"(^\.|~$|\.sw[a-p]$|^4913$|\.tmp$)")  # editors' swap, backup and probe files


@dataclass(frozen=True)
class Page:
    """What the server serves now: the last good edition, the last build's error (None after a good build), and a
    number that grows with every build, good or not (the open page reloads when it differs from its own)."""

    html: bytes | None
    error: str | None
    generation: int


class State:
    """The current page, shared by the build loop and the server's threads; event streams wait on it."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._page = Page(None, None, 0)
        self._closed = False

    @property
    def page(self) -> Page:
        with self._changed:
            return self._page

    @property
    def closed(self) -> bool:
        with self._changed:
            return self._closed

    def publish(self, html_bytes: bytes | None, error: str | None) -> Page:
        """A finished build: its page (or None on an error, keeping the last good one) and its error."""
        with self._changed:
            kept = html_bytes if html_bytes is not None else self._page.html
            self._page = Page(kept, error, self._page.generation + 1)
            self._changed.notify_all()
            return self._page

    def wait_newer(self, generation: int, timeout: float) -> Page:
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._page.generation != generation, timeout)
            return self._page

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()


RELOAD_SCRIPT = """<script id="report-preview-reload">
(function () {
  var generation = %(generation)d, key = "report-preview-scroll";
  var saved = sessionStorage.getItem(key);
  if (saved !== null) { sessionStorage.removeItem(key); window.addEventListener("load", function () { window.scrollTo(0, +saved); }); }
  var events = new EventSource("/events");
  events.onmessage = function (event) {
    if (+event.data !== generation) { events.close(); sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
  };
})();
</script>
"""

ERROR_BANNER = """<div id="report-preview-error" role="alert" style="position:sticky;top:0;z-index:2147483647;margin:0;
padding:0.75em 1em;background:#8b0000;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;
border-bottom:3px solid #000"><strong>The preview could not be rebuilt; below is the last good page.</strong>
%(message)s</div>
"""

EMPTY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>report preview</title></head>
<body><p>%(message)s</p></body></html>
"""


def served(page: Page) -> bytes:
    """The page as the browser gets it: the edition with the reload script, and the error banner over it."""
    if page.html is None:
        body = "No page has been built yet." if page.error else "Building the first page..."
        document = EMPTY_PAGE % {"message": body}
    else:
        document = page.html.decode("utf-8")
    if page.error is not None:
        banner = ERROR_BANNER % {"message": html.escape(page.error)}
        document = _insert_after_body(document, banner)
    script = RELOAD_SCRIPT % {"generation": page.generation}
    at = document.lower().rfind("</body>")
    document = document[:at] + script + document[at:] if at >= 0 else document + script
    return document.encode("utf-8")


def _insert_after_body(document: str, fragment: str) -> str:
    opening = re.search(r"<body\b[^>]*>", document, flags=re.IGNORECASE)
    if opening is None:
        return fragment + document
    return document[:opening.end()] + fragment + document[opening.end():]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if not self._local_host():
            self.send_error(403, "the preview answers only to 127.0.0.1 and localhost")
            return
        path = self.path.split("?", 1)[0]
        state = self.server.state
        if path in ("/", "/index.html", "/report.html"):
            self._send(200, "text/html; charset=utf-8", served(state.page))
        elif path == "/status":
            page = state.page
            status = {"generation": page.generation, "error": page.error, "built": page.html is not None}
            self._send(200, "application/json", json.dumps(status).encode("utf-8"))
        elif path == "/events":
            self._stream(state)
        else:
            self.send_error(404)

    def _local_host(self) -> bool:
        """A page of another site cannot reach the preview through a name that resolves to 127.0.0.1 (DNS
        rebinding): only the loopback names are answered."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        return host in ("", HOST, "localhost")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, state: State) -> None:
        """Server-sent events: the current build number at once, then each new one; a comment keeps it open."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        page = state.page
        try:
            self._event(f"retry: 500\ndata: {page.generation}\n\n")
            while not state.closed:
                newer = state.wait_newer(page.generation, KEEPALIVE_SECONDS)
                if state.closed:
                    return
                self._event(f"data: {newer.generation}\n\n" if newer.generation != page.generation else ": alive\n\n")
                page = newer
        except (BrokenPipeError, ConnectionResetError, OSError):
            return

    def _event(self, text: str) -> None:
        self.wfile.write(text.encode("utf-8"))
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        return


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # an open event stream does not keep the process alive

    def __init__(self, state: State, port: int) -> None:
        self.state = state
        super().__init__((HOST, port), _Handler)


def start_server(state: State, port: int = 0) -> tuple[PreviewServer, threading.Thread]:
    """The HTTP server on 127.0.0.1 (a free port with 0), answering in a thread of its own."""
    try:
        server = PreviewServer(state, port)
    except OSError as exc:
        raise ReportError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}); choose another --port") from None
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="report-preview",
                              daemon=True)
    thread.start()
    return server, thread


def url_of(server: PreviewServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"


Builder = Callable[[Path, str, Path], bytes]


def build_html(config_path: Path, lang: str, out: Path) -> bytes:
    """One language's HTML edition, built by the ordinary build into `out`; its bytes. The build's cache is kept
    between preview sessions (preview_cache), so the first page of the next session comes as fast as a rebuild."""
    from .build import build

    result = build(config_path, languages=[lang], formats=["html"], out=out, cache_dir=preview_cache(config_path))
    return (result.folder / lang / "report.html").read_bytes()


def preview_cache(config_path: Path) -> Path:
    """The preview's build cache for one config: in the user's cache folder (REPORT_CACHE_DIR, else ~/.cache/report),
    never in the project or the published output. Sessions of the same config share it (its writes are atomic)."""
    import hashlib

    from .resources import user_cache

    return user_cache() / "preview" / hashlib.sha256(str(config_path.resolve()).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Targets:
    """What a preview watches: folders (everything under them) and single files."""

    folders: tuple[Path, ...]
    files: tuple[Path, ...]

    def roots(self) -> list[Path]:
        """The folders to ask the system about: a single file's folder, since editors often save by replacing it."""
        roots = {folder for folder in self.folders if folder.is_dir()}
        roots |= {file.parent for file in self.files if file.parent.is_dir()}
        return sorted(roots)

    def concerns(self, path: Path) -> bool:
        if IGNORED_NAME.search(path.name):
            return False
        return path in self.files or any(folder == path or folder in path.parents for folder in self.folders)


def watch_targets(config_path: Path, before: Targets | None = None) -> Targets:
    """The tool's templates, the config, and what the config names (inputs, codebook, custom_dir, references);
    when the config cannot be read, what it named before."""
    from .config import input_files, load_config
    from .resources import TEMPLATES

    paths: list[Path] = [TEMPLATES.resolve(), config_path.resolve()]
    try:
        config, base = load_config(config_path)
        paths += [path.resolve() for path in input_files(config, base).values()]
    except ReportError:
        if before is not None:
            paths += [*before.folders, *before.files]
    folders = tuple(dict.fromkeys(path for path in paths if path.is_dir()))
    files = tuple(dict.fromkeys(path for path in paths if not path.is_dir()))
    return Targets(folders, files)


def default_language(config_path: Path) -> str:
    from .config import load_config

    config, _ = load_config(config_path)
    return config.languages[0]


class Preview:
    """The build loop: build, publish, wait for a change, build again."""

    def __init__(self, config_path: Path, lang: str | None, out: Path, state: State, builder: Builder = build_html,
                 say: Callable[[str], None] = print) -> None:
        self.config_path, self.lang, self.out, self.state = config_path, lang, out, state
        self.builder, self.say = builder, say

    def rebuild(self, reason: str = "") -> Page:
        started = time.perf_counter()
        try:
            lang = self.lang or default_language(self.config_path)
            page = self.state.publish(self.builder(self.config_path, lang, self.out), None)
            self.say(f"built {lang} in {time.perf_counter() - started:.2f} s{reason}")
        except ReportError as exc:
            page = self.state.publish(None, f"{exc.category}: {exc}")
            self.say(f"build failed{reason}: {exc.category}: {exc}")
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug of the tool: shown on the page, the preview keeps running
            log.debug("preview build failed", exc_info=True)
            page = self.state.publish(None, f"internal error: {type(exc).__name__}: {exc}")
            self.say(f"build failed{reason}: internal error: {type(exc).__name__}: {exc}")
        return page

    def run(self, stop: threading.Event | None = None) -> None:
        """Build, then rebuild on every change until `stop` is set (or Ctrl-C)."""
        import watchfiles

        from .processes import check_interrupted

        self.rebuild()
        check_interrupted()
        targets = watch_targets(self.config_path)
        out = self.out.resolve()
        while stop is None or not stop.is_set():
            current = targets

            def relevant(change: watchfiles.Change, path: str) -> bool:
                where = Path(path)
                return out not in where.parents and current.concerns(where)

            # woken every half second with no changes: a Ctrl-C that Python dropped during a build stops it then
            for changes in watchfiles.watch(*targets.roots(), watch_filter=relevant, debounce=400, step=30,
                                            stop_event=stop, yield_on_timeout=True, rust_timeout=500):
                check_interrupted()
                if not changes:
                    continue
                self.rebuild(_reason(changes))
                targets = watch_targets(self.config_path, targets)
                if targets.roots() != current.roots():
                    break  # the config now names other folders: watch those
            else:
                return


def _reason(changes: Iterable[tuple[object, str]]) -> str:
    """The changed files' names, for the line a rebuild prints; not a file that came and went within the change (a
    temporary copy that `sed -i` or an editor saves and renames over the real file)."""
    changes = list(changes)
    seen = {kind: {path for change, path in changes if getattr(change, "name", None) == kind} for kind in ("added", "deleted")}
    passing = seen["added"] & seen["deleted"]
    names = sorted({Path(path).name for _, path in changes if path not in passing})
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f" ({shown} changed)" if shown else ""


def preview(config_path: Path, lang: str | None = None, port: int = 0, quiet: bool = False) -> None:
    """`report preview`: serve until Ctrl-C (a KeyboardInterrupt, which the command line turns into exit 130)."""
    if not config_path.is_file():
        from .errors import ConfigError

        raise ConfigError("no such config file", where=str(config_path))
    _stop_on_terminate()
    state = State()
    server, thread = start_server(state, port)
    # named like a build's temporary folder (report/processes.py): if this process is killed, the next build removes it
    out = Path(tempfile.mkdtemp(prefix=f"report-{os.getpid()}-preview-"))
    say: Callable[[str], None] = (lambda line: None) if quiet else (lambda line: print(line, flush=True))
    print(f"preview of {config_path} at {url_of(server)} (Ctrl-C to stop)", flush=True)
    try:
        Preview(config_path, lang, out, state, build_html, say).run()
    finally:
        state.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)
        shutil.rmtree(out, ignore_errors=True)
        sys.stdout.flush()


def _stop_on_terminate() -> None:
    """A SIGTERM (a terminal closed, a process manager) stops the preview like Ctrl-C: its temporary build goes."""
    import signal

    from .processes import on_interrupt

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, on_interrupt)
