"""Profile load + compute of a config (no charts, no rendering) with cProfile; print the top lines by cumulative time.

    python bench/profile_compute.py [--config config/sample.yaml] [--top 40] [--sort cumulative|tottime] [--repeat 5]

Target (issue 14): load and compute of the sample under 0.5 s together. The first lines show where the time goes;
the wall time of each stage is printed first (the profiler's own overhead is in it). With --repeat N, load and
compute first run N times without the profiler in this process (the first run pays the imports of the engine) and
their medians are printed: the machine may be shared, a single run says little. They are measured twice: checking
each input before the engine reads it, and as a build does, checking the scrape files in two worker processes
while the engine reads them (build.load_and_compute with `defer`).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/sample.yaml")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--repeat", type=int, default=0, help="unprofiled runs first, their medians printed")
    args = parser.parse_args()
    started = time.perf_counter()
    from report.build import compute, configured
    from report.load import load_inputs

    imported = time.perf_counter()
    config, base = configured(ROOT / args.config)
    if args.repeat:
        _medians(config, base, args.repeat)
    profile = cProfile.Profile()
    profile.enable()
    loading = time.perf_counter()
    inputs = load_inputs(config, base)
    computing = time.perf_counter()
    compute(config, inputs)
    done = time.perf_counter()
    profile.disable()
    print(f"imports {imported - started:.2f} s, load {computing - loading:.2f} s, compute {done - computing:.2f} s "
          f"(load + compute {done - loading:.2f} s, profiled)")
    text = io.StringIO()
    pstats.Stats(profile, stream=text).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(text.getvalue())


def _medians(config: object, base: Path, runs: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from report.build import compute, load_and_compute
    from report.load import load_inputs

    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(abs, range(2)))  # the workers started, as a build's are by then
        totals = []
        for _ in range(runs):
            started = time.perf_counter()
            load_and_compute(config, base, defer=pool.submit)  # type: ignore[arg-type]
            totals.append(time.perf_counter() - started)
    print(f"{runs} runs as a build does (checks in 2 workers beside the engine): load + compute "
          f"{statistics.median(totals):.2f} s (median; from {min(totals):.2f} to {max(totals):.2f} s)")
    loads, computes = [], []
    for _ in range(runs):
        started = time.perf_counter()
        inputs = load_inputs(config, base)  # type: ignore[arg-type]
        loaded = time.perf_counter()
        compute(config, inputs)  # type: ignore[arg-type]
        loads.append(loaded - started)
        computes.append(time.perf_counter() - loaded)
    totals = [a + b for a, b in zip(loads, computes)]
    print(f"{runs} runs checking first, without the profiler: load {statistics.median(loads):.2f} s, compute "
          f"{statistics.median(computes):.2f} s, load + compute {statistics.median(totals):.2f} s (medians; "
          f"load + compute from {min(totals):.2f} to {max(totals):.2f} s)")


if __name__ == "__main__":
    main()
