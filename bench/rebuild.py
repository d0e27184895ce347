"""Rebuilds of the sample from the command line, against its cold build, in the same run.

    python bench/rebuild.py [--config config/sample.yaml] [--lang fr,nl] [--runs 3]

The project (the config's folder and the inputs beside it) is copied to a temporary folder, so its prose can be
edited. Each build is `report build CONFIG --lang LANGS --out OUT --timings` in a fresh process; wall times:
(a) cold: an empty output folder (no cache);
(b) nothing changed: the same command again (the fast path of report/cache.py);
(c) one sentence: one word added to the first paragraph of the first language's project prose (custom_dir), then
    the same command: that language's editions are laid out again, figures, charts and the other languages come
    from the cache.
Targets (issue 14): (b) under 0.5 s; (c) at most 0.5 x (a). The machine's load shows in all three.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(sys.executable).with_name("report")


def run(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout


def copy_project(config: Path, into: Path) -> Path:
    """The config's folder, and the inputs folder beside it (`../sample_inputs` in this checkout), copied under `into`."""
    folder = config.resolve().parent
    shutil.copytree(folder, into / folder.name)
    if (folder.parent / "sample_inputs").is_dir():
        shutil.copytree(folder.parent / "sample_inputs", into / "sample_inputs")
    return into / folder.name / config.name


def edit_one_sentence(project: Path, lang: str, word: str) -> Path:
    """Add one word after the first paragraph opening of the project's first prose file of `lang`."""
    files = sorted((project / "custom" / "prose" / lang).glob("*.html.j2"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        if "<p>" in text:
            path.write_text(text.replace("<p>", f"<p>{word} ", 1), encoding="utf-8")
            return path
    sys.exit(f"no paragraph to edit in {project / 'custom' / 'prose' / lang}: the bench needs the project's own prose")


def cache_lines(stdout: str) -> str:
    return "; ".join(line.strip() for line in stdout.splitlines() if line.strip().startswith("cache "))


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--config", type=Path, default=ROOT / "config" / "sample.yaml")
    options.add_argument("--lang", default="fr,nl")
    options.add_argument("--runs", type=int, default=3)
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rebuild-") as scratch:
        config = copy_project(args.config, Path(scratch))
        out = Path(scratch) / "out"
        command = [str(REPORT), "build", str(config), "--lang", args.lang, "--out", str(out), "--timings"]
        cold, printed = run(command)
        print(f"cold build ({args.lang}, HTML + PDF): {cold:.2f} s")
        print("\n".join(f"    {line}" for line in printed.splitlines()[1:]))
        unchanged = [run(command) for _ in range(args.runs)]
        if "up to date" not in unchanged[0][1]:
            sys.exit(f"the rebuild with nothing changed built something:\n{unchanged[0][1]}")
        still = statistics.median(seconds for seconds, _ in unchanged)
        print(f"nothing changed: {still:.2f} s (median of {args.runs}; target < 0.5 s)")
        lang = args.lang.split(",")[0]
        edits = []
        for number in range(args.runs):
            edited = edit_one_sentence(config.parent, lang, f"Édition{number}")
            seconds, printed = run(command)
            edits.append(seconds)
            print(f"    one sentence of {edited.relative_to(config.parent)}: {seconds:.2f} s ({cache_lines(printed)})")
        sentence = statistics.median(edits)
        print(f"one sentence ({lang}): {sentence:.2f} s (median of {args.runs}), {sentence / cold:.2f} x the cold build "
              f"(target <= 0.5)")
        print("\n".join(f"    {line}" for line in printed.splitlines()[1:] if not line.strip().startswith("cache ")))
        if re.search(r"cache editions \d+ hit", printed) is None:
            print("    (no cache line printed: was the build cached?)")


if __name__ == "__main__":
    main()
