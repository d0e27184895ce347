"""The build cache (report/cache.py): reused stages give the same bytes, an edit redoes only what it touches, a damaged
entry is a miss, --no-cache reads nothing, and an unchanged rebuild from the command line does nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from report import cache as cache_module
from report.build import build, cache_keys, configured
from report.cache import FOLDER, Cache
from report.cli import main
from report.theme import theme_of
from report.verify import verify

SENTENCE = "Une phrase de l'équipe sur les vendeurs."


def _project(project: Path, sentence: str = SENTENCE) -> Path:
    """The tiny project with its own French prose (one sentence of the vendors' introduction)."""
    prose = project / "custom" / "prose" / "fr"
    prose.mkdir(parents=True, exist_ok=True)
    (prose / "vendors.html.j2").write_text("{% macro intro() %}<p>" + sentence + "</p>{% endmacro %}\n", encoding="utf-8")
    config = project / "config.yaml"
    if "custom_dir:" not in config.read_text(encoding="utf-8"):
        with config.open("a", encoding="utf-8") as handle:
            handle.write("custom_dir: custom\n")
    return config


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def _keys(config_path: Path):
    config, base = configured(config_path)
    return cache_keys(config_path, config, base, theme_of(config, base), list(config.languages), list(config.formats))


def test_an_entry_that_cannot_be_read_is_a_miss(tmp_path):
    store = Cache(tmp_path / FOLDER)
    store.store("figures", "k1", {"value": 1})
    assert store.load("figures", "k1") == {"value": 1}
    assert store.load("figures", "k2") is None  # another key
    path = store.path("figures", "k1")
    for damage in (b"", b"not a pickle", path.read_bytes()[:10]):
        path.write_bytes(damage)
        assert store.load("figures", "k1") is None
    store.path("charts", "k1").parent.mkdir()
    store.path("charts", "k1").write_bytes(store.path("figures", "k1").read_bytes())
    store.store("figures", "k1", {"value": 2})
    assert store.load("figures", "k1") == {"value": 2} and store.load("charts", "k1") is None  # another stage
    assert Cache(tmp_path / FOLDER, read=False).load("figures", "k1") is None
    assert store.summary() == {"figures": (2, 4), "charts": (0, 1)}
    assert sorted(path.name for path in (tmp_path / FOLDER).rglob("*")) == ["charts", "figures", "k1.pickle", "k1.pickle"]


def test_keys_follow_what_each_stage_reads(project):
    config = _project(project)
    before = _keys(config)
    _project(project, "Une autre phrase.")
    prose = _keys(config)
    assert prose.figures == before.figures and prose.charts == before.charts  # prose is neither figures nor charts
    assert prose.editions["nl", "html"] == before.editions["nl", "html"]
    assert prose.editions["nl", "pdf"] == before.editions["nl", "pdf"]
    assert prose.editions["fr", "html"] != before.editions["fr", "html"]
    assert prose.editions["fr", "pdf"] != before.editions["fr", "pdf"]
    listings = project / "listings.csv"
    lines = listings.read_text(encoding="utf-8").splitlines(keepends=True)
    listings.write_text("".join(lines[:-1]), encoding="utf-8")  # one listing fewer
    data = _keys(config)
    assert data.figures != prose.figures
    assert set(data.charts.values()).isdisjoint(prose.charts.values())
    assert set(data.editions.values()).isdisjoint(prose.editions.values())


@pytest.mark.slow
def test_cached_build_is_byte_identical_and_an_edit_redoes_one_language(project, tmp_path):
    config = _project(project)
    out = tmp_path / "out"
    cold = build(config, formats=["html"], out=out)
    assert cold.cache == {"figures": (0, 1), "plan": (0, 1), "charts": (0, 2), "editions": (0, 2)}
    warm = build(config, formats=["html"], out=out)
    assert warm.cache == {"figures": (1, 0), "editions": (2, 0)}
    assert (out / FOLDER).is_dir() and not (warm.folder / FOLDER).exists()
    assert verify(warm.folder) == []  # the cache is not part of the edition
    uncached = build(config, formats=["html"], out=tmp_path / "uncached", cache=False)
    assert uncached.cache == {"figures": (0, 1), "plan": (0, 1), "charts": (0, 2), "editions": (0, 2)}
    assert _files(warm.folder) == _files(uncached.folder)

    nl_before = (warm.folder / "nl" / "report.html").read_bytes()
    _project(project, "Une phrase revue par l'équipe.")
    edited = build(config, formats=["html"], out=out)
    assert edited.cache == {"figures": (1, 0), "plan": (1, 0), "charts": (1, 0), "editions": (1, 1)}  # nl reused; fr charts reused
    fr = (edited.folder / "fr" / "report.html").read_text(encoding="utf-8")
    assert "Une phrase revue par l'équipe." in fr and SENTENCE not in fr
    assert (edited.folder / "nl" / "report.html").read_bytes() == nl_before
    fresh = build(config, formats=["html"], out=tmp_path / "fresh", cache=False)
    assert _files(edited.folder) == _files(fresh.folder)


@pytest.mark.slow
def test_an_input_change_computes_the_figures_again(project, tmp_path):
    config = _project(project)
    out = tmp_path / "out"
    first = _files(build(config, formats=["html"], out=out).folder)
    listings = project / "listings.csv"
    lines = listings.read_text(encoding="utf-8").splitlines(keepends=True)
    listings.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")  # half the listings
    second = build(config, formats=["html"], out=out)
    assert second.cache["figures"] == (0, 1) and second.cache["editions"] == (0, 2)
    assert _files(second.folder)["figures.json"] != first["figures.json"]


@pytest.mark.slow
def test_a_damaged_entry_is_a_miss(project, tmp_path):
    config = _project(project)
    out = tmp_path / "out"
    first = _files(build(config, formats=["html"], out=out).folder)
    entries = sorted((out / FOLDER).rglob("*.pickle"))
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2] if number % 2 else b"not a pickle")
    again = build(config, formats=["html"], out=out)
    assert again.cache["figures"] == (0, 1) and again.cache["editions"] == (0, 2)
    assert _files(again.folder) == first
    assert build(config, formats=["html"], out=out).cache == {"figures": (1, 0), "editions": (2, 0)}  # rewritten


@pytest.mark.slow
def test_no_cache_reads_nothing(project, tmp_path, monkeypatch, capsys):
    config = _project(project)
    out = tmp_path / "out"
    assert main(["build", str(config), "--format", "html", "--out", str(out)]) == 0
    capsys.readouterr()

    def refuse(self, stage, key):
        raise AssertionError(f"--no-cache read the {stage} entry {key}")

    monkeypatch.setattr(Cache, "_read", refuse)
    assert main(["build", str(config), "--format", "html", "--out", str(out), "--no-cache", "--timings"]) == 0
    printed = capsys.readouterr().out
    assert "wrote " in printed and "cache editions 0 hit(s), 2 miss(es)" in printed


def test_an_unchanged_rebuild_does_nothing(project, tmp_path, capsys):
    config = _project(project)
    out = tmp_path / "out"
    command = ["build", str(config), "--format", "html", "--lang", "fr", "--out", str(out)]
    assert main(command) == 0
    assert "wrote " in capsys.readouterr().out
    assert main(command) == 0
    assert "up to date, nothing changed" in capsys.readouterr().out
    page = out / "tiny" / "fr" / "report.html"
    original = page.read_bytes()
    page.write_bytes(original + b"<!-- edited by hand -->")  # the folder is not as the build left it: build
    assert main(command) == 0
    assert "wrote " in capsys.readouterr().out and page.read_bytes() == original
    # a warning of the previous build is logged again, and --strict fails on it as the build did
    key = cache_module.command_key(config, ["fr"], ["html"], None, None)
    record = Cache.of(out)._read("builds", key)
    assert isinstance(record, str)
    Cache.of(out).store("builds", key, record.replace('"warnings": []', '"warnings": [["report", 30, "a warning"]]'))
    assert main(["--strict", *command]) != 0
    assert "--strict" in capsys.readouterr().err


@pytest.mark.slow
def test_cached_pdf_is_byte_identical(project, tmp_path):
    config = _project(project)
    out = tmp_path / "out"
    build(config, languages=["fr"], out=out)
    _project(project, "Une phrase revue par l'équipe.")
    edited = build(config, languages=["fr"], out=out)
    assert edited.cache == {"figures": (1, 0), "plan": (1, 0), "charts": (2, 0), "editions": (0, 2)}  # html and pdf laid out apart
    fresh = build(config, languages=["fr"], out=tmp_path / "fresh", cache=False)
    assert _files(edited.folder) == _files(fresh.folder)


def test_compiled_templates_are_reused_across_processes_until_their_source_changes(tmp_path: Path) -> None:
    """Templates compile once (kept in memory and in the user's cache folder, like __pycache__); an edited template
    compiles again, in the same process as in a new one."""
    import jinja2

    from report.render import CompiledTemplates

    source, folder = tmp_path / "templates", tmp_path / "compiled"
    source.mkdir()
    folder.mkdir()
    (source / "page.j2").write_text("one {{ x }}", encoding="utf-8")
    compiled: list[str] = []

    def render(cache: CompiledTemplates) -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(source), bytecode_cache=cache)
        real = env.compile
        env.compile = lambda *args, **kwargs: compiled.append(args[1] if len(args) > 1 else "?") or real(*args, **kwargs)  # type: ignore[method-assign]
        return env.get_template("page.j2").render(x=1)

    here = CompiledTemplates(folder)
    assert render(here) == "one 1" and len(compiled) == 1
    assert render(here) == "one 1" and render(CompiledTemplates(folder)) == "one 1"  # another process: from the folder
    assert len(compiled) == 1 and any(folder.iterdir())
    (source / "page.j2").write_text("two {{ x }}", encoding="utf-8")
    assert render(here) == "two 1" and len(compiled) == 2
    assert render(CompiledTemplates(folder)) == "two 1" and len(compiled) == 2
    assert render(CompiledTemplates(None)) == "two 1" and len(compiled) == 3  # no folder (unwritable): memory only
