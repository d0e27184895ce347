"""What the build's parts cost against WeasyPrint's floor, and the best any schedule of them could do on this machine.

    python bench/budget.py [--config config/sample.yaml] [--lang fr,nl,de] [--runs 3]

Measured, each the median of --runs:
(a) the floor, as bench/cold.py measures it: a fresh process that imports WeasyPrint, lays out the first language's
    print HTML and writes the PDF;
(b) the start of a build: a fresh process importing report.build (what the command line does before any work);
(c) in this process, once warm: load + compute; then for each language its charts (specs and SVGs), the HTML
    edition's rendering, the print HTML's rendering, and the PDF layout (in the layout server's child, WeasyPrint
    already imported, as a build lays it out).

From these, lower bounds that leave out everything a real build adds (a worker's first chart, vl-convert starting in
each worker, the input checks, passing the figures between processes, writing the files):
- a cold build of the first two languages: at least its work divided by the cores, and at least its longest chain
  (start, load + compute, then one language's charts, print HTML and layout);
- each further language: at least its work divided by the cores;
- a rebuild after one sentence: at least the start, the print HTML and the layout of that language.
Each is printed in floors, beside the target of issue 14 (cold <= 1.5, a further language <= 1 / cores, a rebuild
<= 0.5 x the cold build). A bound over its target means no scheduling can meet the target: only less work can.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cold import FLOOR, ROOT, SAVE, timed  # noqa: E402  (bench/cold.py: the same floor, measured the same way)

PARTS = ("charts", "html", "print", "layout")  # what one language costs, in the order a build does it


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def fresh(code: str, *args: str) -> float:
    return timed([sys.executable, "-c", code, *args])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/sample.yaml")
    parser.add_argument("--lang", default="fr,nl,de")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config_path = (ROOT / args.config).resolve()
    languages = args.lang.split(",")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-budget-") as tmp:
        folder = Path(tmp)
        timed([sys.executable, "-c", SAVE, str(folder), str(config_path), languages[0]])
        assets = (ROOT / "report" / "assets").as_uri() + "/"
        floor = median_of(args.runs, lambda: fresh(FLOOR, str(folder), assets))
    start = median_of(args.runs, lambda: fresh("import report.build"))
    compute, costs = measure_in_process(config_path, languages, args.runs)

    print(f"floor (one {languages[0]} edition, fresh process): {floor:.2f} s; {cores} cores")
    print(f"start (fresh process, import report.build): {start:.2f} s = {start / floor:.2f} floors")
    print(f"load + compute (warm): {compute:.2f} s = {compute / floor:.2f} floors")
    print(f"{'language':<9}{'charts':>8}{'html':>8}{'print':>8}{'layout':>8}{'work':>8}  (s; work in floors)")
    for lang, cost in costs.items():
        work = sum(cost.values())
        print(f"{lang:<9}" + "".join(f"{cost[part]:>8.2f}" for part in PARTS) + f"{work:>8.2f}  ({work / floor:.2f})")

    first_two = [costs[lang] for lang in languages[:2]]
    chain = start + compute + max(c["charts"] + c["print"] + c["layout"] for c in first_two)
    work = start + compute + sum(sum(c.values()) for c in first_two)
    cold = max(chain, work / cores)
    print(f"cold build of {','.join(languages[:2])}: at least {cold:.2f} s = {cold / floor:.2f} floors "
          f"(work / cores {work / cores / floor:.2f}, longest chain {chain / floor:.2f}); target <= 1.5")
    for lang in languages[2:]:
        extra = sum(costs[lang].values()) / cores
        print(f"a further language ({lang}): at least {extra / floor:.2f} floors; target <= {1 / cores:.2f}")
    first = costs[languages[0]]
    rebuild = start + first["print"] + first["layout"]
    print(f"rebuild after one {languages[0]} sentence: at least {rebuild:.2f} s = {rebuild / floor:.2f} floors; "
          f"a cold build meeting its target (<= 1.5 floors) would leave it <= 0.75")



def measure_in_process(config_path: Path, languages: list[str], runs: int) -> tuple[float, dict[str, dict[str, float]]]:
    """Load + compute, and each language's parts, measured in this process once warm (medians of `runs`)."""
    from report.build import _vega_bundle, compute, configured, render_language
    from report.load import load_inputs
    from report.outline import plan_report
    from report.processes import start_layout_server
    from report.resources import TEMPLATES
    from report.theme import theme_of

    start_layout_server()  # the layout's child comes with WeasyPrint imported, as in a build
    config, base = configured(config_path)

    def load_compute() -> float:
        started = time.perf_counter()
        compute(config, load_inputs(config, base))
        return time.perf_counter() - started

    load_compute()  # the engine's imports
    seconds = median_of(runs, load_compute)
    stats = compute(config, load_inputs(config, base))
    plan = plan_report(TEMPLATES / "outline.yaml", stats)
    theme, bundle = theme_of(config, base), _vega_bundle()
    costs: dict[str, dict[str, float]] = {}
    for lang in languages:
        samples: dict[str, list[float]] = {part: [] for part in PARTS}
        for _ in range(runs + (1 if not costs else 0)):  # the process's first charts pay for Altair's first use
            drawn: dict[str, object] = {}
            _, html, _ = render_language(config, stats, plan, lang, ["html"], bundle, theme, svg=True, keep=drawn)
            _, pdf, _ = render_language(config, stats, plan, lang, ["pdf"], None, theme, drawn=drawn)
            for part, value in (("charts", html["charts"]), ("html", html["render"]), ("print", pdf["render"]),
                                ("layout", pdf["pdf"])):
                samples[part].append(value)
        if not costs:
            samples = {part: values[1:] for part, values in samples.items()}
        costs[lang] = {part: statistics.median(values) for part, values in samples.items()}
    return seconds, costs


if __name__ == "__main__":
    main()
