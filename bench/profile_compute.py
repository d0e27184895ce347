"""Profile load + compute of a config (no charts, no rendering) with cProfile; print the top lines by cumulative time.

    python bench/profile_compute.py [--config config/sample.yaml] [--top 40] [--sort cumulative|tottime]

Target (issue 14): load and compute of the sample under 0.5 s together. The first lines show where the time goes;
the wall time of each stage is printed first (the profiler's own overhead is in it).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/sample.yaml")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    args = parser.parse_args()
    started = time.perf_counter()
    from report.build import compute, configured
    from report.load import load_inputs

    imported = time.perf_counter()
    config, base = configured(ROOT / args.config)
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


if __name__ == "__main__":
    main()
