"""The `report` command: arguments and logging; the one place that turns a ReportError into a message and exit code."""
from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Callable, NoReturn

from . import DISTRIBUTION, __version__
from .errors import ReportError


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="report", description="Bilingual briefs on online drug markets.")
    root.add_argument("--strict", action="store_true", help="treat warnings as errors")
    root.add_argument("--version", action="version", version=f"report {__version__} ({DISTRIBUTION})")
    commands = root.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the report editions of a config")
    build.add_argument("config", type=Path)
    build.add_argument("--lang", type=_list, default=None, help="languages, e.g. fr,nl (default: the config's)")
    build.add_argument("--format", type=_list, default=None, help="formats, e.g. html,pdf (default: the config's)")
    build.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build/)")
    build.add_argument("--timings", action="store_true", help="print the time each stage took")
    build.add_argument("--quiet", action="store_true", help="no progress display on the terminal (there is none "
                       "when standard error is not a terminal)")
    build.add_argument("--internal", type=Path, default=None, metavar="PATH",
                       help="also write every figure in full, hidden values included, to PATH (a file, or "
                       "figures.internal.json in a folder), which must be outside the publication folder: for the team only")
    build.add_argument("--no-cache", action="store_true", help="build everything again, reading nothing from the "
                       "cache (<out>/.cache/, which the build still refreshes)")
    _engine_options(build)
    validate = commands.add_parser("validate", help="check a config and its inputs without rendering")
    validate.add_argument("config", type=Path)
    _engine_options(validate)
    figures = commands.add_parser("figures", help="compute every figure and write them in full, hidden values "
                                  "included (no charts, no editions): an internal file for checks, benchmarks and "
                                  "comparing engines, not for publication")
    figures.add_argument("config", type=Path)
    figures.add_argument("--out", type=Path, default=Path("build/figures.internal.json"),
                         help="default: build/figures.internal.json")
    figures.add_argument("--timings", action="store_true", help="print the time each stage took")
    _engine_options(figures)
    verify = commands.add_parser("verify", help="check a built report against its manifest: inputs, config, "
                                 "templates, fonts, library versions and the output files")
    verify.add_argument("folder", type=Path, help="the folder of one edition, <out>/<edition>")
    verify.add_argument("--config", type=Path, default=None,
                        help="the config file, if not where the manifest says (its inputs are then checked)")
    new = commands.add_parser("new", help="write a new project folder: commented config, example inputs and their "
                              "README, a starter codebook, empty override folders (builds at once)")
    new.add_argument("folder", type=Path, help="the project folder to create (new or empty)")
    new.add_argument("--lang", type=_list, default=None, help="languages of the report, e.g. fr,nl (default: fr,nl)")
    new.add_argument("--focus-country", default="BE", help="ISO 3166 alpha-2 code of the country the report is about "
                     "(default: BE)")
    new.add_argument("--force", action="store_true", help="write into a folder that is not empty (files of the same "
                     "names are replaced)")
    export = commands.add_parser("export-templates", help="copy the shipped prose, catalogs, styles and page templates "
                                 "into a folder, laid out as a custom_dir, to edit")
    export.add_argument("folder", type=Path, help="where to copy them, e.g. custom (then set custom_dir: custom)")
    export.add_argument("--lang", type=_list, default=None, help="languages to copy (default: all the tool ships)")
    export.add_argument("--force", action="store_true", help="replace files that are already there")
    preview = commands.add_parser("preview", help="serve one language's HTML edition on 127.0.0.1, rebuilt and "
                                  "reloaded in the browser when a template, the config or an input changes")
    preview.add_argument("config", type=Path)
    preview.add_argument("--lang", default=None, help="the language to preview (default: the config's first)")
    preview.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    preview.add_argument("--quiet", action="store_true", help="print only the address, not each rebuild")
    docs = commands.add_parser("docs", help="write docs/configuration.md and docs/codebook.md from the config and codebook schemas")
    docs.add_argument("--out", type=Path, default=Path("docs/configuration.md"))
    docs.add_argument("--codebook-out", type=Path, default=Path("docs/codebook.md"))
    return root


def _engine_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--engine", choices=("duckdb", "spark"), default=None,
                         help="what aggregates the scrapes (default: the config's engine, else duckdb)")
    command.add_argument("--master", default=None, help="Spark master URL, e.g. local[*] or spark://host:7077 "
                         "(default: the config's spark.master)")


class _StrictHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def check(self) -> None:
        if self.count:
            raise ReportError(f"{self.count} warning(s) and --strict is set; nothing was written")

    def gate(self, strict: bool) -> Callable[[], None] | None:
        """With --strict, what a command runs before it writes anything: fail on the warnings so far."""
        return self.check if strict else None


def coverage_table(rows: list[tuple[str, str, str]]) -> str:
    """Each finding of the report: shown, or left out and why."""
    header = ("section", "finding", "in this edition")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(2)]
    lines = [f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]}"]
    lines += [f"{section:<{widths[0]}}  {finding:<{widths[1]}}  {state}" for section, finding, state in rows]
    return "\n".join(lines)


def _lays_out_pdf(args: argparse.Namespace) -> bool:
    """Whether a build will lay out PDFs, told before the config is checked: the formats asked for, else the config
    file's (read as plain YAML). In doubt, no: the build then starts the layouts' fork server itself, a bit later."""
    if args.format is not None:
        return "pdf" in args.format
    from .yamlsource import read_yaml

    try:
        data = read_yaml(Path(args.config)).data
    except Exception:  # noqa: BLE001 - the build says what is wrong with the config, with its line
        return False
    formats = data.get("formats", ["pdf"]) if isinstance(data, dict) else None
    return isinstance(formats, list) and "pdf" in formats


def _build_command(args: argparse.Namespace, strict: _StrictHandler) -> None:
    """`report build`: first the fast path (report/cache.py: nothing changed since this command last built this
    output, found without importing the heavy libraries), else the build, reusing the cache's unchanged stages."""
    import time

    from .cache import command_key, up_to_date

    started = time.perf_counter()
    key = command_key(args.config, args.lang, args.format, args.engine, args.master)
    unchanged = None if args.no_cache or args.internal else up_to_date(args.config, args.out, key)
    if unchanged is not None:
        from .processes import relog

        relog(unchanged.warnings)  # the previous build's warnings, as it logged them
        if args.strict:
            strict.check()
        print(f"{unchanged.folder}: up to date, nothing changed since the last build: {', '.join(unchanged.files)}")
        if args.timings:
            print(f"  {'check':<8} {time.perf_counter() - started:6.2f} s (cache: nothing to do)")
        return
    if _lays_out_pdf(args):
        from .processes import start_layout_server

        start_layout_server()
    from .build import build
    from .progress import for_terminal

    progress = for_terminal(sys.stderr, args.quiet)
    try:
        result = build(args.config, languages=args.lang, formats=args.format, out=args.out, engine=args.engine,
                       spark_master=args.master, internal=args.internal, before_write=strict.gate(args.strict),
                       cache=not args.no_cache, progress=progress)
    finally:
        progress.close()
    print(f"wrote {result.folder}: {', '.join(result.files)}")
    if args.timings:
        for stage, seconds in result.timings.items():
            print(f"  {stage:<8} {seconds:6.2f} s")
        for stage, (hits, misses) in result.cache.items():
            print(f"  cache {stage:<8} {hits} hit(s), {misses} miss(es)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .processes import handle_interrupts

    handle_interrupts()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    strict = _StrictHandler()
    logging.getLogger("report").addHandler(strict)
    try:
        if args.command == "build":
            _build_command(args, strict)
        elif args.command == "validate":
            from .build import validate

            checked = validate(args.config, args.engine)
            for note in checked.notes:
                logging.getLogger("report").warning(note)
            if args.strict:
                strict.check()
            config = checked.config
            print(f"{args.config}: valid (edition {config.edition}, {config.period.start} to {config.period.end}; "
                  f"editions rendered: {', '.join(config.languages)})")
            print(coverage_table(checked.plan.coverage()))
            if checked.overrides:
                print(f"\nthe project's own files (custom_dir {config.custom_dir}), over the installed tool's:")
                print("\n".join(f"  {line}" for line in checked.overrides))
        elif args.command == "figures":
            from .build import figures_only

            stats, timings = figures_only(args.config, args.out, args.engine, args.master, strict.gate(args.strict))
            print(f"wrote {args.out}: {len(stats.figures)} figures")
            if args.timings:
                for stage, seconds in timings.items():
                    print(f"  {stage:<8} {seconds:6.2f} s")
        elif args.command == "verify":
            from .verify import verify

            differences = verify(args.folder, args.config)
            for line in differences:
                print(line)
            if differences:
                print(f"report: {args.folder}: {len(differences)} difference(s) from the manifest", file=sys.stderr)
                return 1
            print(f"{args.folder}: everything matches the manifest")
        elif args.command == "new":
            from .starter import DEFAULT_LANGUAGES, new_project

            languages = DEFAULT_LANGUAGES if args.lang is None else args.lang
            written = new_project(args.folder, languages, args.focus_country, force=args.force)
            print(f"wrote {len(written)} files into {args.folder}; next: report build {args.folder / 'config.yaml'} "
                  f"--out {args.folder / 'build'}, then replace the example inputs (see {args.folder / 'inputs' / 'README.md'})")
        elif args.command == "export-templates":
            from .theme import export_templates

            written = export_templates(args.folder, args.lang, force=args.force)
            print(f"wrote {len(written)} files into {args.folder} (see {args.folder / 'README.md'}); set custom_dir to "
                  "this folder in the config, then keep only the files you change")
        elif args.command == "preview":
            from .preview import preview

            try:
                preview(args.config, args.lang, args.port, args.quiet)
            except KeyboardInterrupt:
                print("report: preview stopped; the published output is unchanged", file=sys.stderr)
                return 130
        elif args.command == "docs":
            from .docs import write_codebook_docs, write_config_docs

            write_config_docs(args.out)
            write_codebook_docs(args.codebook_out)
            print(f"wrote {args.out} and {args.codebook_out}")
    except ReportError as exc:
        print(f"report: {exc.category}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("report: interrupted; the previous output is unchanged", file=sys.stderr)
        return 130
    except OSError as exc:  # the machine, not the inputs: a full disk, a folder that cannot be read
        what = exc.strerror or str(exc)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"report: system error: {what}{where}; the previous output is unchanged", file=sys.stderr)
        return 7
    return 0


def run() -> NoReturn:
    """The `report` command as a process: `main`, then exit with its code, without Python's own teardown.

    When `main` returns, the work is done or cleanly stopped, and every output file is closed. Python's teardown
    would then spend 0.25-0.4 s on garbage collections over every imported module (pandas, Altair, DuckDB), with
    SIGINT back at its default action: a Ctrl-C landing there ended the process by the signal, with no message and
    no exit code of ours. So a Ctrl-C from here on is ignored, the exit handlers run (logging's, multiprocessing's
    removal of its folder), the standard streams are flushed, and the process ends."""
    try:
        code = main()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    atexit._run_exitfuncs()  # what an ordinary exit would run first (not the modules' teardown after it)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a reader that went away (`report build ... | head`): nothing more to tell it
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
