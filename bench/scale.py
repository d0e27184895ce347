"""Scaling benchmark: the report's scrape aggregation at growing sizes, against a plain-pandas baseline.

    python bench/scale.py [--sizes 1e6,1e7,5e7] [--feedback-ratio 0.2] [--engine duckdb]
                          [--baseline | --no-baseline] [--baseline-limit-gb 20] [--runs 1] [--timeout 1800]

For each size N (listing rows; feedback rows = N x ratio) the data are generated once into bench/data/N/ and
reused while their generated.json matches. Then, each in a fresh process, the report runs
`report figures DIR/config.yaml --out OUT --engine ENGINE` (config check, input load, every aggregation) and
bench/pandas_baseline.py runs on the same folder. Wall time and peak resident memory are measured per child
(os.wait4's ru_maxrss); the baseline runs under an address-space limit (RLIMIT_AS), so a run that would need
more dies with a MemoryError, which the table reports instead of a number.

Targets (issue 14): 10M listings + 2M feedback in < 8 s and < 2048 MiB; the marginal cost per million rows from 10M
to 50M at most 1.3 x that from 1M to 10M (default memory budget). Earlier: 50M listings in < 4096 MiB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = Path(sys.executable)
DEFAULT_COMMAND = f"{PYTHON.with_name('report')} figures {{config}} --out {{out}} --engine {{engine}}"
HEADLINES = ("vendors.total", "vendors.focus", "listings.total", "listings.focus", "transactions.count",
             "transactions.value_eur")
OUT_OF_MEMORY = ("MemoryError", "bad_alloc", "Cannot allocate memory", "out of memory", "Out of Memory")


@dataclass(frozen=True)
class Run:
    """One child process: wall time, peak resident memory, and what went wrong if it failed."""

    seconds: float
    peak_mib: float
    failure: str | None
    stdout: str


def run(command: list[str], limit_gb: float | None = None, timeout: float = 1800) -> Run:
    """Run a command in a fresh process; with `limit_gb`, under that address-space limit; killed after `timeout` s.

    The timeout matters: under RLIMIT_AS pyarrow can fail to start its reader threads and wait for them forever.
    """
    def limit() -> None:
        size = int(limit_gb * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, preexec_fn=limit if limit_gb else None)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                child.kill()
                timed_out = True
                _, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        child.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    why = f"timed out (over {timeout:g} s)" if timed_out else failure(code, stderr, limit_gb)
    return Run(seconds, usage.ru_maxrss / 1024, why, stdout)


def failure(code: int, stderr: str, limit_gb: float | None) -> str | None:
    if code == 0:
        return None
    if code < 0:
        name = signal.Signals(-code).name
        return f"killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    if any(sign in stderr for sign in OUT_OF_MEMORY):
        return f"MemoryError (over {limit_gb:g} GB)" if limit_gb else "MemoryError"
    lines = stderr.strip().splitlines()
    return f"exit {code}: {lines[-1][:100] if lines else 'no message'}"


def dataset(listings: int, feedback: int, seed: int) -> Path:
    """bench/data/N/, generated unless a complete folder with the same arguments is there."""
    folder = BENCH / "data" / str(listings)
    marker = folder / "generated.json"
    wanted = {"listings": listings, "feedback": feedback, "seed": seed}
    if marker.is_file() and {k: v for k, v in json.loads(marker.read_text()).items() if k in wanted} == wanted:
        return folder
    print(f"generating {listings:,} listings and {feedback:,} feedback rows into {folder} ...", flush=True)
    done = run([str(PYTHON), str(BENCH / "generate_parquet.py"), "--listings", str(listings),
                "--feedback", str(feedback), "--out", str(folder), "--seed", str(seed)])
    if done.failure:
        raise SystemExit(f"the generator failed: {done.failure}")
    print(f"  generated in {done.seconds:.1f} s, peak {done.peak_mib:,.0f} MiB", flush=True)
    return folder


def figure_values(path: Path) -> dict[str, object]:
    """Figure id -> value from figures.json, whether it is a mapping or a list of {id, value} records."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if isinstance(data, dict) and "figures" in data:
        data = data["figures"]
    if isinstance(data, list):
        return {item.get("id"): item.get("value") for item in data if isinstance(item, dict)}
    if isinstance(data, dict):
        return {key: value.get("value") if isinstance(value, dict) else value for key, value in data.items()}
    return {}


def repeated(command: list[str], runs: int, timeout: float, limit_gb: float | None = None) -> Run:
    """Median time and highest peak over `runs` runs; the first failure ends the series."""
    results = []
    for _ in range(runs):
        results.append(run(command, limit_gb, timeout))
        if results[-1].failure:
            return results[-1]
    return Run(statistics.median(r.seconds for r in results), max(r.peak_mib for r in results), None, results[-1].stdout)


Row = tuple[int, int, str, Run]  # listing rows, feedback rows, what ran, how it went


def measure(args: argparse.Namespace) -> list[Row]:
    """Each size: data generated once, then the report and (optionally) the baseline in fresh processes."""
    rows: list[Row] = []
    for listings in [int(float(s)) for s in args.sizes.split(",") if s.strip()]:
        feedback = round(listings * args.feedback_ratio)
        folder = dataset(listings, feedback, args.seed)
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "figures.json"
            command = shlex.split(args.command.format(config=folder / "config.yaml", out=out, engine=args.engine))
            print(f"running {args.engine} on {listings:,} listings ...", flush=True)
            rows.append((listings, feedback, args.engine, repeated(command, args.runs, args.timeout)))
            report_figures = figure_values(out)
        if args.baseline:
            print(f"running pandas on {listings:,} listings ...", flush=True)
            pandas = repeated([str(PYTHON), str(BENCH / "pandas_baseline.py"), str(folder)], args.runs,
                              args.timeout, args.baseline_limit_gb)
            rows.append((listings, feedback, "pandas", pandas))
            if not pandas.failure and report_figures:
                baseline = json.loads(pandas.stdout.strip().splitlines()[-1])
                print("  " + "  ".join(f"{key}: {report_figures.get(key)} vs {baseline.get(key)}" for key in HEADLINES))
    return rows


def print_table(rows: list[Row], engine_name: str) -> list[float]:
    """The results table; returns the engine's marginal seconds per million rows, size after size."""
    print(f"{'listings':>12} {'feedback':>11}  {'run':<8} {'seconds':>8} {'peak MiB':>9} {'s/M rows':>9} "
          f"{'marginal':>9}  pandas/{engine_name}")
    previous: dict[str, tuple[float, Run]] = {}
    marginals: list[float] = []
    for listings, feedback, name, result in rows:
        million = (listings + feedback) / 1e6
        if result.failure:
            print(f"{listings:>12,} {feedback:>11,}  {name:<8} {result.failure} after {result.seconds:.0f} s, "
                  f"peak {result.peak_mib:,.0f} MiB")
            continue
        marginal = ""
        if name in previous:
            before_million, before = previous[name]
            cost = (result.seconds - before.seconds) / (million - before_million)
            marginal = f"{cost:.2f}"
            if name == engine_name:
                marginals.append(cost)
        previous[name] = (million, result)
        ratio = ""
        if name == "pandas":
            engine = next(r for n, _, e, r in rows if n == listings and e == engine_name)
            if not engine.failure:
                ratio = f"{result.seconds / engine.seconds:.1f}x time, {result.peak_mib / engine.peak_mib:.1f}x memory"
        print(f"{listings:>12,} {feedback:>11,}  {name:<8} {result.seconds:>8.1f} {result.peak_mib:>9,.0f} "
              f"{result.seconds / million:>9.2f} {marginal:>9}  {ratio}")
    print("(s/M rows: seconds per million listing + feedback rows; marginal: the same between this size and the "
          "previous one, without the fixed start-up cost)")
    return marginals


def print_targets(rows: list[Row], engine_name: str, marginals: list[float]) -> None:
    measured = {(n, f): r for n, f, e, r in rows if e == engine_name}
    ten = measured.get((10_000_000, 2_000_000))
    fifty = next((r for (n, _), r in measured.items() if n == 50_000_000), None)
    print("targets:")
    if ten is None:
        print("  10M listings + 2M feedback: not measured (needs size 1e7 and --feedback-ratio 0.2)")
    elif ten.failure:
        print(f"  10M listings + 2M feedback: {ten.failure}")
    else:
        print(f"  10M listings + 2M feedback: {ten.seconds:.1f} s < 8 s {verdict(ten.seconds < 8)}, "
              f"{ten.peak_mib:,.0f} MiB < 2048 MiB {verdict(ten.peak_mib < 2048)}")
    if fifty is None:
        print("  50M listings: not measured (needs size 5e7)")
    elif fifty.failure:
        print(f"  50M listings: {fifty.failure}")
    else:
        print(f"  50M listings: {fifty.peak_mib:,.0f} MiB < 4096 MiB {verdict(fifty.peak_mib < 4096)} "
              f"({fifty.seconds:.1f} s)")
    if marginals:
        growth = marginals[-1] / marginals[0] if marginals[0] > 0 else float("inf")
        print(f"  linear in rows: marginal s/M rows {' -> '.join(f'{m:.2f}' for m in marginals)} "
              f"(last / first {growth:.2f} <= 1.3 {verdict(growth <= 1.3)})")
    else:
        print("  linear in rows: not measured (needs two sizes or more)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,1e7,5e7", help="listing rows, comma-separated (default 1e6,1e7,5e7)")
    parser.add_argument("--feedback-ratio", type=float, default=0.2, help="feedback rows per listing row")
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                        help="also run bench/pandas_baseline.py (default: yes)")
    parser.add_argument("--baseline-limit-gb", type=float, default=20.0, help="address-space limit of the baseline")
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (median time, highest peak)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed (default 1800)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--command", default=DEFAULT_COMMAND,
                        help="the report's command, with {config}, {out} and {engine} (default: %(default)s)")
    args = parser.parse_args()
    rows = measure(args)
    print()
    marginals = print_table(rows, args.engine)
    print()
    print_targets(rows, args.engine, marginals)


def verdict(holds: bool) -> str:
    return "OK" if holds else "MISSED"


if __name__ == "__main__":
    main()
