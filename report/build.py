"""`build(config) -> BuildResult`: the stages in order (config, load, compute, charts, render, pdf, write)."""
from __future__ import annotations

import functools
import json
import logging
import math
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypeVar

from .config import ReportConfig, load_config
from .i18n import Formatter
from .load import Inputs, Submit, load_inputs
from .market import aggregate_market, market_params
from .model import Figure, Statistics
from .outline import Plan, plan_report
from .pdf import ARCHIVAL, FetchLog, PdfAttachment, PdfLimits, html_to_pdf
from .render import RenderContext, render_html
from .progress import Progress, Silent
from .processes import build_tempdir, check_interrupted, handed_on, held_back, in_worker, owned, relog, worker_pool
from .resources import TEMPLATES, user_cache
from .theme import Theme, check_language, colour_notes, theme_of
from .survey import Disclosure, summarise_survey
from .write import write_edition_folder
from .config import custom_dir_files
from .provenance import manifest
from .cache import Cache, Record, captured, code_version, command_key, digest, file_digest, language_files, remember, unique

log = logging.getLogger("report")
T = TypeVar("T")

@dataclass(frozen=True)
class BuildResult:
    folder: Path
    timings: Mapping[str, float]
    warnings: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    fetched: Mapping[str, FetchLog] = field(default_factory=dict)  # per language: what the PDF layout asked for
    cache: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # per cached stage: (hits, misses)


@dataclass
class Stopwatch:
    timings: dict[str, float] = field(default_factory=dict)
    progress: Progress = field(default_factory=Silent)

    def lap(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - started
        return now

    def stage(self, name: str, run: Callable[..., T], *args: Any) -> T:
        """Run one stage and add its time to `name`; a Ctrl-C that Python dropped stops the build here."""
        check_interrupted()
        started = time.perf_counter()
        self.progress.started(name)
        result = run(*args)
        self.progress.finished(name, self.lap(name, started) - started)
        check_interrupted()
        return result

    def add(self, timings: Mapping[str, float], suffix: str) -> None:
        for stage, seconds in timings.items():
            self.timings[f"{stage}{suffix}"] = self.timings.get(f"{stage}{suffix}", 0.0) + seconds


def compute(config: ReportConfig, inputs: Inputs) -> Statistics:
    """Every statistic, once, for all languages; the inputs' warnings logged (every command sees them, and --strict
    fails on them in every command)."""
    rule = Disclosure(config.disclosure.threshold, config.disclosure.indicative_base, config.disclosure.attribute)
    crosstabs = [(spec.rows, spec.columns) for spec in config.crosstabs]
    # The survey is summarised (pandas, in Python) in a thread while DuckDB aggregates the scrapes, which it does
    # without holding Python's lock. Neither logs: the market's warnings are logged below, in the same order as ever.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="survey") as pool:
        summary = pool.submit(summarise_survey, inputs.survey, inputs.codebook, rule, crosstabs)
        market = aggregate_market(market_params(config, inputs))
        survey = summary.result()
    for warning in market.warnings:
        log.warning(warning)
    rules = [Figure("disclosure.threshold", config.disclosure.threshold, "count"),
             Figure("disclosure.indicative_base", config.disclosure.indicative_base, "count"),
             Figure("thresholds.retail_eur", config.thresholds.retail_eur, "eur"),
             Figure("thresholds.wholesale_eur", config.thresholds.wholesale_eur, "eur"),
             Figure("comparisons.level", config.comparisons.level, "share"),
             Figure("comparisons.stable_band", config.comparisons.stable_band, "share")]
    figures = market.figures.merged([*survey.figures.values(), *rules])
    return Statistics(figures=figures, market=market, survey=survey)


from .references import check_citations, project_library


def _meta(config: ReportConfig, lang: str, stats: Statistics) -> dict[str, Any]:
    fmt = Formatter(lang)
    return {
        "title": config.title[lang],
        "subtitle": config.subtitle.get(lang, ""),
        "authors": config.authors[lang],
        "organisation": config.organisation.get(lang, ""),
        "published": fmt.date(config.published),
        "published_iso": config.published.isoformat(),
        "edition": config.edition,
        "focus_country": config.focus_country,
        "focus_name": fmt.country(config.focus_country),
        "period_start": fmt.month(config.period.start),
        "period_end": fmt.month(config.period.end),
        "markets": list(stats.market.markets),
        "languages": list(config.languages),
        "indicative_base": config.disclosure.indicative_base,
        # publication matter (report/references.py, the back page): bibliography, fieldwork, credits, sample flag
        "library": project_library(config),
        "published_date": config.published,
        "sample": config.sample,
        "url": config.url,
        "fieldwork": config.fieldwork,
        "fieldwork_languages": [fmt.locale.languages.get(code, code) for code in config.fieldwork.languages],
        "credits": config.credits,
        "data_appendix": config.pdf.data_appendix,  # the PDF ends with every chart's data as tables
    }


def pdf_created(config: ReportConfig) -> str:
    """The PDF's creation date: the publication date, else SOURCE_DATE_EPOCH (reproducible builds), else the default."""
    import os
    from datetime import datetime, timezone

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if config.publication_date is None and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return config.published.isoformat()


def render_language(config: ReportConfig, stats: Statistics, plan: Plan, lang: str, formats: list[str],
                    bundle: str | None, theme: Theme = Theme(), attachments: tuple[PdfAttachment, ...] = (), *,
                    svg: bool | None = None, cache: Cache | None = None, charts_key: str | None = None,
                    drawn: Mapping[str, Any] | None = None, keep: dict[str, Any] | None = None
                    ) -> tuple[dict[str, bytes], dict[str, float], FetchLog]:
    """One edition: charts, HTML for screen and print, PDF. Runs in a worker process. The charts are `drawn` (by an
    earlier job), else come from `cache` under `charts_key` when they are there, else are drawn (with SVGs when
    `svg`, by default when a PDF is made); `keep` receives them."""
    watch = Stopwatch()
    files: dict[str, bytes] = {}
    fetched = FetchLog()
    started = time.perf_counter()
    charts = dict(drawn) if drawn is not None else _charts(config, stats, plan, lang, "pdf" in formats if svg is None else svg,
                                                           theme, cache, charts_key)
    if keep is not None:
        keep.update(charts)
    started = watch.lap("charts", started)
    meta = _meta(config, lang, stats)
    labels = {key: dict(cat.label) for key, cat in config.taxonomy.items()}
    if "html" in formats:
        context = RenderContext(lang, "html", stats, charts, meta, labels, plan=plan, theme=theme,
                                vega_bundle=bundle, css=theme.css("screen.css"), store=cache)
        files[f"{lang}/report.html"] = render_html(context).encode("utf-8")
    if "pdf" in formats:
        print_html = render_html(RenderContext(lang, "pdf", stats, charts, meta, labels, plan=plan, theme=theme, store=cache))
        started = watch.lap("render", started)
        limits = PdfLimits(config.limits.pdf_seconds, config.limits.pdf_memory_mb)
        files[f"{lang}/report.pdf"], fetched = html_to_pdf(print_html, theme.css("print.css"), created=pdf_created(config),
                                                           edition=f"{config.edition}/{lang}", limits=limits,
                                                           variant=config.pdf.variant, attachments=attachments)
        watch.lap("pdf", started)
    else:
        watch.lap("render", started)
    return files, watch.timings, fetched


def _charts(config: ReportConfig, stats: Statistics, plan: Plan, lang: str, svg: bool, theme: Theme,
            cache: Cache | None, key: str | None) -> dict[str, Any]:
    """One language's charts: from the cache (their warnings logged again), else drawn and kept there."""
    if cache is not None and key is not None:
        cached = cache.load("charts", key)
        if isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], dict):
            relog(cached[1])
            return cached[0]
    from .charts import make_charts  # imported here: workers load Altair while the main process computes

    with captured() as records:
        charts = make_charts(config, stats, lang, svg=svg, theme=theme, placed=plan.charts)
    if cache is not None and key is not None:
        cache.store("charts", key, (charts, unique(records)))
    return charts


def _warm_charts(svg: bool) -> None:
    from .charts import warm_up

    warm_up(svg)


def _vega_bundle() -> str:
    """The Vega, Vega-Lite and vega-embed JavaScript, inlined so the HTML works offline.

    Assembling it takes vl-convert about two seconds, and the result only changes with vl-convert's
    version, so it is kept in the user's cache folder (REPORT_CACHE_DIR, else ~/.cache/report).
    """
    import os

    import vl_convert

    from .charts import register_fonts

    register_fonts()  # marks the engine as started in this process
    version = metadata.version("vl-convert-python")
    cache = user_cache()
    cached = cache / f"vega-bundle-{version}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    # The stub marks `snippet` as required, but the function defaults it to None (the default snippet).
    bundle = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    try:
        cache.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(bundle, encoding="utf-8")
        partial.replace(cached)
    except OSError as exc:  # a read-only home is no reason to fail the build
        log.info("cannot cache the chart JavaScript in %s: %s", cache, exc)
    return bundle


def pdf_attachments(config_path: Path, config: ReportConfig, inputs: Inputs, stats: Statistics
                    ) -> tuple[PdfAttachment, ...]:
    """What a PDF/A-3b edition embeds (nothing in any other variant): the public figures.json, and the manifest's
    provenance (tool, libraries, config, inputs, templates, fonts, engine, suppressions) without its `outputs`,
    whose hashes include the PDF's own."""
    if config.pdf.variant != ARCHIVAL:
        return ()
    record = {key: item for key, item in manifest(config_path, config, inputs, stats, {}).items() if key != "outputs"}
    record["engine"] = {"name": config.engine, "spark_master": config.spark.master if config.engine == "spark" else None}
    provenance = (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return (PdfAttachment("figures.json", "Every published figure of the brief (public: hidden values left out)",
                          figures_json(stats, public=True, threshold=config.disclosure.threshold)),
            PdfAttachment("manifest-provenance.json", "What the build was made from: the manifest without the "
                          "hashes of its outputs, this PDF among them", provenance))


def figures_json(stats: Statistics, public: bool = False, threshold: int = 10) -> bytes:
    """Every figure: the full records (for the team), or what may be published (`public`): see Figure.as_json."""
    records = [_finite(figure.as_json(public, threshold)) for figure in stats.figures.values()]
    return (json.dumps({"figures": records}, ensure_ascii=False, indent=1, sort_keys=False, allow_nan=False) + "\n").encode("utf-8")


def _finite(record: Any) -> Any:
    """JSON has no NaN or infinity: a number that is not one (a mean of no answers) is written as null."""
    if isinstance(record, float) and not math.isfinite(record):
        return None
    if isinstance(record, dict):
        return {key: _finite(value) for key, value in record.items()}
    if isinstance(record, (list, tuple)):
        return [_finite(value) for value in record]
    return record


def build(config_path: str | Path, *, languages: list[str] | None = None, formats: list[str] | None = None,
          out: str | Path = "build", engine: str | None = None, spark_master: str | None = None,
          internal: str | Path | None = None, before_write: Callable[[], None] | None = None,
          cache: bool = True, progress: Progress | None = None, cache_dir: str | Path | None = None) -> BuildResult:
    """Build every edition of one config into `<out>/<edition>/`; with `internal`, also the full figures file there
    (a path outside the publication folder: it holds what disclosure control hides). Every temporary file of the
    build and of the processes it starts goes into one folder, removed at the end (report/processes.py).
    `before_write` runs when everything is made and nothing written: it may still stop the build.
    A build of some of the config's languages or formats keeps the edition's other files.
    Figures, charts and editions whose sources did not change come from `<out>/.cache/` (report/cache.py);
    `cache=False` reads nothing from it (a cold build, which still refreshes it); `cache_dir` puts it elsewhere (the
    preview keeps it between sessions). `progress` hears of each stage and edition (report/progress.py)."""
    with build_tempdir():
        return _build(config_path, languages, formats, out, engine, spark_master, internal, before_write, cache,
                      progress or Silent(), cache_dir)


@dataclass(frozen=True)
class Keys:
    """The cache keys of one build (report/cache.py): what each stage's output is made from, hashed."""

    figures: str
    charts: Mapping[tuple[str, bool], str]  # (language, with SVGs) -> key
    editions: Mapping[tuple[str, str], str]  # (language, format) -> key


def cache_keys(config_path: Path, config: ReportConfig, base: Path, theme: Theme, languages: Sequence[str],
               formats: Sequence[str]) -> Keys:
    """Figures: the code, the normalised config and the inputs' contents (the project's templates aside). Charts:
    the figures and one language's catalogs and styles. Editions: the charts and every template, prose file,
    catalog and style of that language, the PDF's date and attachments."""
    from .config import input_files

    code, settings = code_version(), config.model_dump_json()
    custom = custom_dir_files(config, base)
    inputs = {name: file_digest(path) for name, path in sorted(input_files(config, base).items()) if name not in custom}
    figures = digest("figures", code, settings, inputs)
    roots = (theme.shipped, theme.custom)
    extra = {name: file_digest(path) for name, path in sorted(custom.items()) if name != "custom_dir"}
    charts, editions = {}, {}
    for lang in languages:
        for svg in (False, True):
            charts[lang, svg] = digest("charts", figures, lang, svg, language_files(lang, roots, prose=False))
        own = language_files(lang, roots, prose=True)
        for fmt in formats:
            pdf = [pdf_created(config), config.pdf.variant] if fmt == "pdf" else []
            editions[lang, fmt] = digest("edition", figures, lang, fmt, own, extra, pdf)
    return Keys(figures, charts, editions)


def _figures(config: ReportConfig, base: Path, store: Cache, key: str, watch: Stopwatch, defer: Submit | None = None
             ) -> tuple[Statistics, Mapping[str, Path]]:
    """The statistics and the input files the manifest names: from the cache (the warnings loading and computing
    gave logged again), else loaded and computed and kept there."""
    cached = store.load("figures", key)
    if isinstance(cached, tuple) and len(cached) == 3 and isinstance(cached[0], Statistics):
        stats, files, records = cached
        relog(records)
        return stats, files
    with captured() as records:
        stats, files = load_and_compute(config, base, watch, defer)
    store.store("figures", key, (stats, dict(files), unique(records)))
    return stats, files


def load_and_compute(config: ReportConfig, base: Path, watch: Stopwatch | None = None, defer: Submit | None = None
                     ) -> tuple[Statistics, Mapping[str, Path]]:
    """The inputs loaded and checked, every statistic computed; the input files the manifest names.

    With `defer` (a worker pool's submit), the scrape files' full checks run in the workers while the engine
    already reads the files (load_inputs). If a check then finds what the engine must not read as it was (a problem,
    or text to clean), what was computed is dropped with its warnings, and the inputs are loaded and computed again,
    one after the other: the messages and warnings are those of a build without `defer`, in the same order.
    """
    watch = watch or Stopwatch()
    if defer is not None:
        inputs: Inputs | None = None
        with held_back() as held:
            try:
                inputs = watch.stage("load", load_inputs, config, base, defer)
                stats = watch.stage("compute", compute, config, inputs)
                confirmed = watch.stage("checks", inputs.confirmed)
            except Exception:  # said again below, by the inputs checked first
                confirmed = False
        if confirmed and inputs is not None:
            handed_on(held)
            return stats, inputs.files
        if inputs is not None and inputs.deferred is not None:
            inputs.deferred.cancel()
        log.info("an input needed its full check first: loading the inputs again")
    inputs = watch.stage("load", load_inputs, config, base)
    stats = watch.stage("compute", compute, config, inputs)
    return stats, inputs.files


def _plan(stats: Statistics, store: Cache, figures: str) -> Plan:
    """The report's plan (what goes where), from the figures and the outline: from the cache, else made and kept."""
    outline = TEMPLATES / "outline.yaml"
    key = digest("plan", figures, file_digest(outline))
    cached = store.load("plan", key)
    if isinstance(cached, Plan):
        return cached
    plan = plan_report(outline, stats)
    store.store("plan", key, plan)
    return plan


def _build(config_path: str | Path, languages: list[str] | None, formats: list[str] | None, out: str | Path,
           engine: str | None, spark_master: str | None, internal: str | Path | None,
           before_write: Callable[[], None] | None, cache: bool = True, progress: Progress | None = None,
           cache_dir: str | Path | None = None) -> BuildResult:
    watch = Stopwatch(progress=progress or Silent())
    requested = (languages, formats)
    config, base = watch.stage("config", configured, config_path, engine, spark_master)
    internal_path = internal_figures_path(internal, Path(out) / config.edition) if internal is not None else None
    languages = _subset(languages, config.languages, "language")
    formats = _subset(formats, config.formats, "format")
    theme = theme_of(config, base)
    for lang in languages:
        check_language(theme, lang)
    store = Cache(Path(cache_dir), read=cache) if cache_dir is not None else Cache.of(Path(out), read=cache)
    with captured() as warned:
        keys = watch.stage("hash", cache_keys, Path(config_path), config, base, theme, languages, formats)
        cached = {(lang, fmt): _edition_entry(store, key) for (lang, fmt), key in keys.editions.items()}
        to_render = {lang: [fmt for fmt in formats if cached[lang, fmt] is None] for lang in languages}
        pdf = any("pdf" in missing for missing in to_render.values())  # else the workers never import WeasyPrint
        jobs = sum(len(missing) for missing in to_render.values())  # at most: a language's formats split when its charts are cached
        drawn = [lang for lang, missing in to_render.items()
                 if missing and not store.has("charts", keys.charts[lang, "pdf" in missing])]
        warm = functools.partial(_warm_charts, pdf) if drawn else None
        with owned(worker_pool(max(1, min(2, jobs)), pdf=pdf, warm=warm)) as pool:
            html = any("html" in missing for missing in to_render.values())
            # submitted now, the first job starts the workers: they get ready while this process computes
            bundle = pool.submit(_vega_bundle) if html else None  # assembled while this process computes
            if jobs and not html:
                pool.submit(int)
            stats, input_paths = _figures(config, base, store, keys.figures, watch, defer=pool.submit)
            plan = watch.stage("plan", _plan, stats, store, keys.figures) if any(to_render.values()) else None
            inputs = Inputs(scrapes={}, events=(), survey=None, codebook=None, files=input_paths)  # the manifest's names
            attachments = pdf_attachments(Path(config_path), config, inputs, stats) if "pdf" in formats else ()
            files, fetched = watch.stage("editions", render_editions, pool, config, stats, plan, languages, formats, bundle,
                                         watch, theme, attachments, store, keys, cached)
        files["figures.json"] = figures_json(stats, public=True, threshold=config.disclosure.threshold)
        record = manifest(Path(config_path), config, inputs, stats, files)
        record["engine"] = {"name": config.engine, "spark_master": config.spark.master if config.engine == "spark" else None}
        if before_write is not None:
            before_write()  # e.g. --strict with warnings: fail while the previous output is untouched
        partial = set(languages) != set(config.languages) or set(formats) != set(config.formats)
        folder = watch.stage("write", functools.partial(write_edition_folder, manifest=record, keep_others=partial),
                             Path(out), config.edition, files)
        if internal_path is not None:
            _write_atomically(internal_path, figures_json(stats))
    from .config import input_files

    remember(Path(out), command_key(Path(config_path), *requested, engine, spark_master), Path(config_path),
             input_files(config, base), folder.resolve(), unique(warned))
    written = tuple(sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()))
    return BuildResult(folder, dict(watch.timings), stats.market.warnings, written, fetched, store.summary())


@dataclass(frozen=True)
class EditionEntry:
    """One language's file in one format as the cache keeps it, with what making it logged and fetched."""

    data: bytes
    warnings: tuple[Record, ...]
    fetched: FetchLog


def _edition_entry(store: Cache, key: str) -> EditionEntry | None:
    entry = store.load("editions", key)
    return entry if isinstance(entry, EditionEntry) else None


@dataclass(frozen=True)
class _Job:
    """One worker job of render_editions: some formats of one language."""

    order: int  # submission order: of two failures, the first submitted is reported
    lang: str
    part: tuple[str, ...]
    svg: bool  # its charts are those with SVGs (the language has a PDF to lay out): drawn once for both formats
    pdf_after: bool = False  # its charts then go to a job of their own that lays out the PDF
    carried: tuple[Record, ...] = ()  # warnings of the job that drew this one's charts


def render_editions(pool: ProcessPoolExecutor, config: ReportConfig, stats: Statistics, plan: Plan | None,
                    languages: list[str], formats: list[str], bundle: Future[str] | None, watch: Stopwatch,
                    theme: Theme = Theme(), attachments: tuple[PdfAttachment, ...] = (), store: Cache | None = None,
                    keys: Keys | None = None, cached: Mapping[tuple[str, str], EditionEntry | None] | None = None
                    ) -> tuple[dict[str, bytes], dict[str, FetchLog]]:
    """Every language edition not in `cached`, in worker processes; the workers' warnings are logged here, with those
    of the cached editions, once per language.

    A language's charts are drawn once, in a job that also renders its HTML; its PDF is then laid out in a job of its
    own, in whichever worker is free (the PDF is most of the time: with three languages on two cores, no core waits
    for another's last edition). A language whose charts are cached gets one job per format at once."""
    cached = cached or {}
    script = bundle.result() if bundle else None
    pending: dict[Future[Any], _Job] = {}

    def submit(job: _Job, drawn: Mapping[str, Any] | None = None) -> None:
        charts_key = keys.charts[job.lang, job.svg] if keys is not None else None
        pending[pool.submit(in_worker, _edition_job, config, stats, plan, job.lang, list(job.part), script, theme,
                            attachments, job.svg, store, charts_key, drawn, job.pdf_after)] = job

    for lang in languages:
        missing = tuple(fmt for fmt in formats if cached.get((lang, fmt)) is None)
        if not missing:
            continue
        assert plan is not None, "a build that renders an edition plans the report first"
        charts_key = keys.charts[lang, "pdf" in missing] if keys is not None else None
        parts: list[tuple[tuple[str, ...], bool]]
        if store is not None and charts_key is not None and store.has("charts", charts_key):
            parts = [((fmt,), False) for fmt in missing]
        elif "pdf" in missing and len(missing) > 1:
            parts = [(tuple(fmt for fmt in missing if fmt != "pdf"), True)]
        else:
            parts = [(missing, False)]
        for part, pdf_after in parts:
            submit(_Job(len(pending), lang, part, "pdf" in missing, pdf_after))
    files: dict[str, bytes] = {}
    fetched: dict[str, FetchLog] = {lang: FetchLog() for lang in languages}
    warnings: dict[str, list[Record]] = {lang: [] for lang in languages}
    for (lang, fmt), entry in cached.items():
        if entry is not None:
            files[_edition_name(lang, fmt)] = entry.data
            warnings[lang] += entry.warnings
            fetched[lang] = entry.fetched if fmt == "pdf" else fetched[lang]
    failed: list[tuple[int, BaseException]] = []
    submitted = len(pending)
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=lambda f: pending[f].order):
            job = pending.pop(future)
            try:
                ((edition_files, timings, job_fetched), counts, drawn), worker_warnings = future.result()
            except BaseException as exc:  # noqa: BLE001 -- raised below, once every job has ended
                failed.append((job.order, exc))
                continue
            if job.pdf_after and not failed:
                submit(_Job(submitted, job.lang, ("pdf",), True, carried=tuple(worker_warnings)), drawn)
                submitted += 1
            made = (*job.carried, *worker_warnings)
            files.update(edition_files)
            warnings[job.lang] += made
            fetched[job.lang] = job_fetched if "pdf" in job.part else fetched[job.lang]
            watch.add(timings, " (worker)")
            for fmt in job.part:
                watch.progress.done(_edition_name(job.lang, fmt))
            if store is not None:
                store.merge(counts)
                for fmt in job.part:
                    if keys is not None:
                        store.store("editions", keys.editions[job.lang, fmt],
                                    EditionEntry(edition_files[_edition_name(job.lang, fmt)], made,
                                                 job_fetched if fmt == "pdf" else FetchLog()))
    if failed:
        raise min(failed, key=lambda pair: pair[0])[1]
    for lang in languages:
        relog(unique(warnings[lang]))
    return files, fetched


def _edition_name(lang: str, fmt: str) -> str:
    return f"{lang}/report.{fmt}"


def _edition_job(config: ReportConfig, stats: Statistics, plan: Plan, lang: str, formats: list[str],
                 bundle: str | None, theme: Theme, attachments: tuple[PdfAttachment, ...], svg: bool,
                 store: Cache | None, charts_key: str | None, drawn: Mapping[str, Any] | None = None,
                 give_charts: bool = False
                 ) -> tuple[tuple[dict[str, bytes], dict[str, float], FetchLog], dict[str, tuple[int, int]],
                            dict[str, Any] | None]:
    """render_language in a worker, with the counts of the cache lookups it made, and its charts when `give_charts`
    (for the job that lays out the PDF)."""
    if store is not None:
        store = Cache(store.root, store.read)  # this job's own counts
    charts: dict[str, Any] = {}
    result = render_language(config, stats, plan, lang, formats, bundle, theme, attachments, svg=svg, cache=store,
                             charts_key=charts_key, drawn=drawn, keep=charts)
    return result, store.summary() if store is not None else {}, charts if give_charts else None


def configured(config_path: str | Path, engine: str | None = None, spark_master: str | None = None
               ) -> tuple[ReportConfig, Path]:
    """The config, with the command line's engine choice over the file's."""
    config, base = load_config(config_path)
    if engine is not None:
        config = config.model_copy(update={"engine": engine})
    if spark_master is not None:
        config = config.model_copy(update={"spark": config.spark.model_copy(update={"master": spark_master})})
    return config, base


@dataclass(frozen=True)
class Validation:
    config: ReportConfig
    inputs: Inputs
    plan: Plan
    notes: tuple[str, ...] = ()  # what the editor should know: unused project fragments and the like
    overrides: tuple[str, ...] = ()  # what the project's custom_dir replaces or adds, one line each


def validate(config_path: str | Path, engine: str | None = None) -> Validation:
    """Check config and inputs, compute every figure and render every edition's text (no charts drawn, no layout):
    a template error or a figure used but not computed fails here, with the template's file and line."""
    config, base = configured(config_path, engine)
    theme = theme_of(config, base)
    for lang in config.languages:
        check_language(theme, lang)
    # every cite() of every prose file, whichever branch the data take, names a work of the bibliography
    check_citations(project_library(config), [TEMPLATES / "prose", *([theme.prose] if theme.prose else [])], config.languages)
    inputs = load_inputs(config, base)
    stats = compute(config, inputs)
    plan = plan_report(TEMPLATES / "outline.yaml", stats)
    from .charts import make_charts

    for lang in config.languages:
        charts = make_charts(config, stats, lang, svg=False, theme=theme, placed=plan.charts)
        labels = {key: dict(cat.label) for key, cat in config.taxonomy.items()}
        render_html(RenderContext(lang, "html", stats, charts, _meta(config, lang, stats), labels, plan=plan, theme=theme))
    from .config import input_files
    from .starter import example_inputs_left

    notes = (example_inputs_left(config_path, input_files(config, base)) + unused_fragments(theme.prose, stats, config.languages)
             + theme.stale(finding for _, finding, _ in plan.coverage()) + colour_notes(theme))
    return Validation(config, inputs, plan, tuple(notes), tuple(theme.overrides()))


def unused_fragments(prose: Path | None, stats: Statistics, languages: Sequence[str]) -> list[str]:
    """Project fragments written for a question or codebook finding that does not exist: they are never used."""
    import re

    if prose is None:
        return []
    questions = set(stats.survey.codebook.questions)
    findings = {finding.id for finding in getattr(stats.survey.codebook, "findings", ()) or ()} | questions
    notes = []
    for lang in languages:
        path = prose / lang / "survey.html.j2"
        if not path.is_file():
            continue
        for name in re.findall(r"{%-?\s*macro\s+(\w+)\s*\(", path.read_text(encoding="utf-8")):
            kind, _, key = name.partition("_")
            if (kind == "q" and key not in questions) or (kind in ("finding", "heading") and key not in findings):
                notes.append(f"{path}: fragment '{name}' names a {'question' if kind == 'q' else 'finding'} "
                             f"that the codebook does not have; it is not used")
    return notes


def figures_only(config_path: str | Path, out: Path, engine: str | None = None, spark_master: str | None = None,
                 before_write: Callable[[], None] | None = None) -> tuple[Statistics, dict[str, float]]:
    """Compute every figure and write figures.json alone (atomically): no charts, no rendering."""
    watch = Stopwatch()
    config, base = watch.stage("config", configured, config_path, engine, spark_master)
    inputs = watch.stage("load", load_inputs, config, base)
    stats = watch.stage("compute", compute, config, inputs)
    if before_write is not None:
        before_write()
    _write_atomically(out, figures_json(stats))
    return stats, dict(watch.timings)


INTERNAL_NAME = "figures.internal.json"


def internal_figures_path(path: str | Path, publication: Path) -> Path:
    """Where `--internal` writes the full figures: a file, or `figures.internal.json` in a folder; never inside the
    publication folder (it holds every hidden value)."""
    from .errors import ConfigError

    target = Path(path)
    if target.is_dir() or str(path).endswith(("/", "\\")):
        target = target / INTERNAL_NAME
    resolved, folder = target.resolve(), publication.resolve()
    if resolved == folder or folder in resolved.parents:
        raise ConfigError(f"--internal {path}: the full figures hold every hidden value and cannot go inside the "
                          f"publication folder {publication}; choose a path outside it")
    return target


def _write_atomically(out: Path, data: bytes) -> None:
    from .errors import OutputError

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = out.with_name(f".{out.name}.tmp")
        staging.write_bytes(data)
        staging.replace(out)
    except OSError as exc:
        raise OutputError(f"cannot write the figures file ({exc.strerror or exc})", where=str(out)) from None


def _subset(requested: list[str] | None, configured: Sequence[str], what: str) -> list[str]:
    from .errors import ConfigError

    if not requested:
        return list(configured)
    unknown = [item for item in requested if item not in configured]
    if unknown:
        raise ConfigError(f"{what} {', '.join(unknown)} not in the config (configured: {', '.join(configured)})")
    return requested
