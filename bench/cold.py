"""Cold build of the sample against WeasyPrint's floor, measured in the same run.

    python bench/cold.py [--config config/sample.yaml] [--lang fr,nl] [--runs 1] [--also fr,nl,de]

(a) The cold build: `report build CONFIG --lang fr,nl --out TMP --timings` (HTML + PDF) in a fresh process from
    the command line; its wall time and the stage timings it prints.
(b) The floor: a fresh process that only imports WeasyPrint, lays out one edition's print HTML and writes the PDF
    (with the options the build uses: PDF/UA-1, tagged). The HTML and CSS are saved by a build run first
    (`--lang` first language, PDF only) that records what it hands to the layout.
Prints both, and their ratio (of the medians, and run by run). Target (issue 14): cold build <= 1.5 x floor. The machine's load shows in both.
(c) How busy the machine's cores were during the cold build (/proc/stat, on Linux): core-seconds busy against
    core-seconds available. Near 100 %, the build is bound by the work it does, not by how it is scheduled: only less
    work makes it faster. The count is the whole machine's, so another program's work shows in it.
(d) With --also, a second cold build with more languages in each run (the two in alternating order): what the added
    languages cost, in floors of the same run. Target (issue 14): each further language <= one floor / the cores.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(sys.executable).with_name("report")

# Run in a fresh process: the build of one edition's PDF, with the layout's input (print HTML and CSS) saved.
SAVE = """
import sys
from pathlib import Path
import report.build as build

out = Path(sys.argv[1])
real = build.html_to_pdf

def saving(html, css, **options):
    (out / "print.html").write_text(html, encoding="utf-8")
    (out / "print.css").write_text(css, encoding="utf-8")
    return real(html, css, **options)

build.html_to_pdf = saving  # the edition workers are forked from this process: they see it
build.build(sys.argv[2], languages=[sys.argv[3]], formats=["pdf"], out=out / "build")
"""

# The floor: import WeasyPrint, lay out, write. Nothing of the report is imported.
FLOOR = """
import sys, time
started = time.perf_counter()
import weasyprint
from weasyprint.text.fonts import FontConfiguration
folder, assets = sys.argv[1], sys.argv[2]
html = open(folder + "/print.html", encoding="utf-8").read()
css = open(folder + "/print.css", encoding="utf-8").read()
fonts = FontConfiguration()
document = weasyprint.HTML(string=html, base_url=assets).render(
    stylesheets=[weasyprint.CSS(string=css, base_url=assets, font_config=fonts)], font_config=fonts)
pages = len(document.pages)
document.write_pdf(folder + "/floor.pdf", pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True)
print(f"pages {pages}")
"""


def timed(command: list[str], **kwargs: object) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def cpu_ticks() -> tuple[int, int] | None:
    """The machine's busy and idle time so far, in clock ticks (all cores), or None where /proc/stat is missing."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    return sum(fields[:8]) - idle, idle


def stages(output: str) -> dict[str, float]:
    return {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^\s+(.+?)\s+([\d.]+) s$", output, re.M)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/sample.yaml")
    parser.add_argument("--lang", default="fr,nl")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--also", default=None, help="more languages built in the same runs, e.g. fr,nl,de")
    args = parser.parse_args()
    config = str((ROOT / args.config).resolve())
    first = args.lang.split(",")[0]
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        folder = Path(tmp)
        timed([sys.executable, "-c", SAVE, str(folder), config, first])
        assets = (ROOT / "report" / "assets").as_uri() + "/"
        builds, floors, timings, busy, more = [], [], [], [], []
        ticks = os.sysconf("SC_CLK_TCK")
        for run in range(args.runs):
            if args.also and run % 2:  # (d) before (a) in every other run: neither is always the first
                more.append(timed([str(REPORT), "build", config, "--lang", args.also, "--out", str(folder / f"also{run}")])[0])
            # (a) cold build from the command line, fresh process, HTML + PDF
            before = cpu_ticks()
            seconds, output = timed([str(REPORT), "build", config, "--lang", args.lang, "--out", str(folder / f"out{run}"),
                                     "--timings"])
            after = cpu_ticks()
            if before is not None and after is not None:
                used, idle = after[0] - before[0], after[1] - before[1]
                busy.append((used / ticks, (used + idle) / ticks))
            builds.append(seconds)
            timings.append(stages(output))
            if args.also and not run % 2:
                more.append(timed([str(REPORT), "build", config, "--lang", args.also, "--out", str(folder / f"also{run}")])[0])
            # (b) the floor, fresh process
            seconds, output = timed([sys.executable, "-c", FLOOR, str(folder), assets])
            floors.append(seconds)
            print(f"run {run + 1}: cold build {builds[-1]:.2f} s, floor {floors[-1]:.2f} s ({output.strip()}), "
                  f"ratio {builds[-1] / floors[-1]:.2f}")
        build, floor = statistics.median(builds), statistics.median(floors)
        print(f"cold build ({args.lang}, html+pdf): {build:.2f} s")
        print(f"WeasyPrint floor (one edition, {first}): {floor:.2f} s")
        print(f"ratio: {build / floor:.2f} (target <= 1.5)")
        # The host's speed can change between runs: a build against the floor measured right after it says more than
        # the two medians, which may come from different runs.
        paired = [b / f for b, f in zip(builds, floors)]
        print(f"ratio run by run: {', '.join(f'{r:.2f}' for r in paired)}; median {statistics.median(paired):.2f}")
        if more:
            added = len(set(args.also.split(",")) - set(args.lang.split(",")))
            extra, cores = statistics.median(more) - build, os.cpu_count() or 1
            print(f"cold build ({args.also}): {statistics.median(more):.2f} s (runs {', '.join(f'{s:.2f}' for s in more)}): "
                  f"{extra:+.2f} s for {added} more language(s) = {extra / floor:.2f} floors "
                  f"(target <= {added} / {cores} cores = {added / cores:.2f})")
            each = [(m - b) / f for m, b, f in zip(more, builds, floors)]
            print(f"  run by run: {', '.join(f'{e:+.2f}' for e in each)} floors; median {statistics.median(each):+.2f}")
        for run, (busy_s, available) in enumerate(busy, start=1):
            print(f"cores busy during cold build {run}: {busy_s:.1f} of {available:.1f} core-seconds ({busy_s / available:.0%}, "
                  f"{os.cpu_count()} cores)")
        print("stage timings of the last build (--timings):")
        for stage, seconds in timings[-1].items():
            print(f"  {stage:<24} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
