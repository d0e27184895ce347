"""Time the full sample build (2 languages x 2 formats) in fresh processes, stage by stage.

Usage: python bench/build_stages.py [--runs 3] [--config config/sample.yaml]
Prints each run's wall time, the stage timings the build reports, and peak memory. Target: < 6 s.
"""
from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(config: Path, out: Path) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "report.cli", "build", str(config), "--out", str(out), "--timings"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    stages = {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^\s+(.+?)\s+([\d.]+) s$", done.stdout, re.M)}
    return wall, stages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "sample.yaml")
    args = parser.parse_args()
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(1, args.runs + 1):
            wall, stages = one_run(args.config, Path(tmp) / f"run{run}")
            walls.append(wall)
            detail = "  ".join(f"{name}={seconds:.2f}s" for name, seconds in stages.items())
            print(f"run {run}: {wall:.2f} s wall   {detail}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"median wall time: {statistics.median(walls):.2f} s over {len(walls)} cold runs (target < 6 s)")
    print(f"peak resident memory of one build process: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
