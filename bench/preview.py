"""Save-to-reload time of `report preview` on the sample.

    python bench/preview.py [--config config/sample.yaml] [--lang fr] [--runs 5]
                            [--file custom/prose/fr/objectives.html.j2] [--find "L'étude poursuit quatre objectifs"]

Copies the config, its custom_dir and references into a temporary project and the inputs,
starts `report preview` on it in a fresh process, waits for the first build, then `--runs` times: changes one
sentence of the prose file (the text after `--find` gets a new revision number), and measures from the save to
(a) the reload event on the page's event stream and (b) the new page served with the new sentence. What a browser
then spends parsing the page is not included. Prints each run, the median, and the preview's own build times.
Target (issue 14): under 1 s from saving a sentence to the reloaded page.
"""
from __future__ import annotations

import argparse
import http.client
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def project(config: Path, folder: Path) -> Path:
    """The config with its custom_dir and references copied next to it, and the folders it reaches with '..'."""
    target = folder / config.parent.name
    target.mkdir()
    copied = target / config.name
    shutil.copy(config, copied)
    text = config.read_text(encoding="utf-8")
    for name in re.findall(r"^(?:custom_dir|references):\s*(\S+)", text, flags=re.MULTILINE):
        source = config.parent / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target / name)
    for name in set(re.findall(r"\.\./([^/\s]+)/", text)):
        shutil.copytree(config.parent.parent / name, folder / name)  # a link out of the project is refused
    return copied


class Events(threading.Thread):
    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.connection = http.client.HTTPConnection(HOST, port, timeout=600)
        self.connection.request("GET", "/events")
        self.response = self.connection.getresponse()
        self.received: queue.Queue[tuple[float, int]] = queue.Queue()
        self.start()

    def run(self) -> None:
        try:
            for line in self.response:
                text = line.decode("utf-8").strip()
                if text.startswith("data:"):
                    self.received.put((time.perf_counter(), int(text[5:])))
        except (OSError, ValueError):
            return

    def until(self, generation: int, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while True:
            at, announced = self.received.get(timeout=max(0.1, deadline - time.monotonic()))
            if announced >= generation:
                return at


def page(port: int) -> str:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode("utf-8")
    finally:
        connection.close()


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_argument("--config", type=Path, default=ROOT / "config" / "sample.yaml")
    options.add_argument("--lang", default="fr")
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--file", default="custom/prose/fr/objectives.html.j2", help="relative to the config's folder")
    options.add_argument("--find", default="L'étude poursuit quatre objectifs", help="the sentence to change")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as scratch:
        config = project(args.config.resolve(), Path(scratch))
        prose = config.parent / args.file
        original = prose.read_text(encoding="utf-8")
        if args.find not in original:
            sys.exit(f"{prose}: no {args.find!r} to change")
        command = [str(Path(sys.executable).with_name("report")), "preview", str(config), "--lang", args.lang]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=scratch)
        lines: list[str] = []
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            port = int(re.search(r"127\.0\.0\.1:(\d+)", first).group(1))  # type: ignore[union-attr]
            threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()  # type: ignore[arg-type]
            events = Events(port)
            ready = events.until(1, 600)
            print(f"first build (process start to page): {ready - started:.2f} s")
            to_event, to_page = [], []
            for run in range(1, args.runs + 1):
                time.sleep(1.0)
                marker = f"{args.find} (révision {run})"
                staging = prose.with_name(prose.name + ".partial")
                staging.write_text(original.replace(args.find, marker, 1), encoding="utf-8")
                saved = time.perf_counter()
                staging.replace(prose)
                reloaded = events.until(1 + run, 120)
                served = page(port)
                done = time.perf_counter()
                if marker not in served:
                    sys.exit(f"run {run}: the page served after the reload event lacks the new sentence")
                to_event.append(reloaded - saved)
                to_page.append(done - saved)
                print(f"run {run}: save to reload event {to_event[-1]:.3f} s, to the new page served {to_page[-1]:.3f} s")
            print(f"median: save to reload event {statistics.median(to_event):.3f} s, to the new page served "
                  f"{statistics.median(to_page):.3f} s (target < 1 s)")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            print("the preview's own lines:")
            print("".join(f"  {line}" for line in [first, *lines]), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
