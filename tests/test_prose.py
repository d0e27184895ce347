"""Prose fragments: every language says the same things (same files, macros, parameters); the outline finds every
fragment it places; numbers come from figures, never typed. Fast: templates are parsed, nothing is built."""
from __future__ import annotations

import ast
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import jinja2
import pytest
import yaml
from jinja2 import nodes

ROOT = Path(__file__).resolve().parent.parent
PROSE = ROOT / "templates" / "prose"
OUTLINE = ROOT / "templates" / "outline.yaml"
MODEL = "fr"  # the reference language: its fragments are the ones the others follow
LANGS = sorted(path.name for path in PROSE.iterdir() if path.is_dir())
OTHER_LANGS = [lang for lang in LANGS if lang != MODEL]

# The survey file's fragments named after the codebook (a project writes them in its own prose folder).
DYNAMIC = re.compile(r"^(heading|finding|q|extra)_")
# The default sentences of the survey findings, one per question type and branch (report/outline.py says them).
SURVEY_DEFAULTS = {"heading", "top", "second", "multi_top", "numeric_median", "numeric_top", "shown_only", "hidden",
                   "dont_know", "too_few", "text_answered"}

ENV = jinja2.Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def public_files(lang: str) -> list[str]:
    """The prose files the outline names; `_*.html.j2` files hold a language's own words (articles, prepositions)."""
    return sorted(path.name for path in (PROSE / lang).glob("*.html.j2") if not path.name.startswith("_"))


@cache
def parsed(lang: str, name: str) -> nodes.Template:
    path = PROSE / lang / name
    try:
        return ENV.parse(path.read_text(encoding="utf-8"), name=name, filename=str(path))
    except jinja2.TemplateSyntaxError as error:
        pytest.fail(f"{path}:{error.lineno}: {error.message}")


@cache
def macros(lang: str, name: str) -> dict[str, tuple[tuple[str, ...], int]]:
    """Each macro defined in a prose file: its parameter names and how many of them have a default."""
    return {macro.name: (tuple(arg.name for arg in macro.args), len(macro.defaults))
            for macro in parsed(lang, name).find_all(nodes.Macro)}


def clear_caches() -> None:
    parsed.cache_clear()
    macros.cache_clear()


# --- every language has the model's files, macros and parameters ---------------------------------------------

def test_the_model_language_has_prose():
    assert MODEL in LANGS and public_files(MODEL)


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_same_prose_files_as_the_model(lang):
    assert public_files(lang) == public_files(MODEL), f"templates/prose/{lang}/ differs from templates/prose/{MODEL}/"


def macro_problems(lang: str) -> list[str]:
    """Macros of the model's files missing in a language, added, or with other parameters."""
    problems = []
    for name in public_files(MODEL):
        if not (PROSE / lang / name).exists():
            continue  # reported by test_same_prose_files_as_the_model
        model, theirs = macros(MODEL, name), macros(lang, name)
        problems += [f"{name}: missing macro {macro}{model[macro][0]}" for macro in sorted(set(model) - set(theirs))]
        problems += [f"{name}: macro {macro} not in {MODEL}" for macro in sorted(set(theirs) - set(model))]
        problems += [f"{name}: {macro}{theirs[macro]} instead of {macro}{model[macro]}"
                     for macro in sorted(set(model) & set(theirs)) if model[macro] != theirs[macro]]
    return problems


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_same_macros_with_the_same_parameters(lang):
    problems = macro_problems(lang)
    assert not problems, f"templates/prose/{lang}: " + "; ".join(problems)


def test_the_macro_check_catches_a_missing_macro_and_other_parameters(tmp_path, monkeypatch):
    for lang, text in ((MODEL, "{% macro a(m) %}A{% endmacro %}{% macro b() %}B{% endmacro %}{% macro c(x, y=1) %}{% endmacro %}"),
                       ("xx", "{% macro a() %}A{% endmacro %}{% macro c(x, y) %}{% endmacro %}{% macro d() %}{% endmacro %}")):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "t.html.j2").write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PROSE", tmp_path)
    clear_caches()
    try:
        assert macro_problems("xx") == ["t.html.j2: missing macro b()", "t.html.j2: macro d not in fr",
                                        "t.html.j2: a((), 0) instead of a(('m',), 0)",
                                        "t.html.j2: c(('x', 'y'), 0) instead of c(('x', 'y'), 1)"]
    finally:
        clear_caches()


# --- the outline finds what it says --------------------------------------------------------------------------

def says(node: Any) -> Iterator[str]:
    """Every `say:` name under an outline node (paragraphs, lists, groups, choices, headings, bodies)."""
    if isinstance(node, dict):
        if isinstance(node.get("say"), str):
            yield node["say"]
        for value in node.values():
            yield from says(value)
    elif isinstance(node, list):
        for item in node:
            yield from says(item)


def outline_says() -> list[tuple[str, str]]:
    """(prose file, fragment) for every fragment the outline places."""
    outline = yaml.safe_load(OUTLINE.read_text(encoding="utf-8"))
    return sorted({(f"{section['prose']}.html.j2", name) for section in outline["sections"]
                   for name in says({key: value for key, value in section.items() if key != "prose"})})


@cache
def survey_defaults_in_code() -> frozenset[str]:
    """Fragment names report/outline.py says by default: `say("top")` and `alternatives=("heading",)`."""
    tree = ast.parse((ROOT / "report" / "outline.py").read_text(encoding="utf-8"))
    names = set()
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        if isinstance(call.func, ast.Name) and call.func.id == "say" and call.args \
                and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            names.add(call.args[0].value)
        for keyword in call.keywords:
            if keyword.arg == "alternatives" and isinstance(keyword.value, ast.Tuple):
                names |= {item.value for item in keyword.value.elts if isinstance(item, ast.Constant)}
    return frozenset(names)


def test_the_outline_says_something_in_each_section():
    files = {name for name, _ in outline_says()}
    assert {"vendors.html.j2", "survey.html.j2", "method_note.html.j2"} <= files


def test_the_code_says_the_documented_survey_defaults():
    assert survey_defaults_in_code() == SURVEY_DEFAULTS, "report/outline.py changed its default sentences: update SURVEY_DEFAULTS"


@pytest.mark.parametrize("lang", LANGS)
def test_every_fragment_the_outline_places_exists(lang):
    wanted = [(name, say) for name, say in outline_says() if not DYNAMIC.match(say)]
    wanted += [("survey.html.j2", say) for say in sorted(SURVEY_DEFAULTS | survey_defaults_in_code())]
    # `file.fragment`: a fragment of another prose file (publication.fieldwork in the method note)
    wanted = [(f"{say.rpartition('.')[0]}.html.j2", say.rpartition(".")[2]) if "." in say else (name, say) for name, say in wanted]
    missing = [f"{name}: {say}" for name, say in wanted
               if not (PROSE / lang / name).exists() or say not in macros(lang, name)]
    assert not missing, f"templates/prose/{lang}: not defined: {missing}"


# --- numbers come from figures -------------------------------------------------------------------------------

CITATION = re.compile(r"<cite>.*?</cite>", re.S)  # years of publication are references, not results
TAG_OR_ENTITY = re.compile(r"<[^>]*>|&#?\w+;")
# The confidence level is the method's constant (report/survey.py, Z95), as in the catalog's "95%% confidence interval".
CONFIDENCE_LEVEL = re.compile(r"95(\s|\u00a0|\u202f|&nbsp;|-)?%")
DIGIT = re.compile(r"\d+")


def typed_text(lang: str, name: str) -> Iterator[tuple[int, str]]:
    """The text a prose file writes itself, with its line: template data and sentence-like string literals."""
    source = (PROSE / lang / name).read_text(encoding="utf-8")
    for lineno, kind, value in ENV.lex(source):
        if kind == "data":
            yield lineno, value
    for const in parsed(lang, name).find_all(nodes.Const):
        if isinstance(const.value, str) and " " in const.value.strip():  # a phrase, not a figure id like "rank1"
            yield const.lineno, const.value


def blank(pattern: re.Pattern[str], text: str) -> str:
    """Text with the pattern's matches blanked out, keeping line breaks so digits keep their line."""
    return pattern.sub(lambda match: "\n" * match.group().count("\n") or " ", text)


def typed_digits(lang: str, name: str) -> list[str]:
    found = []
    for lineno, text in typed_text(lang, name):
        for pattern in (CITATION, CONFIDENCE_LEVEL, TAG_OR_ENTITY):
            text = blank(pattern, text)
        found += [f"{name}:{lineno + text[:digit.start()].count(chr(10))}: "
                  f"{text[max(0, digit.start() - 25):digit.end() + 15].strip()!r}" for digit in DIGIT.finditer(text)]
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_no_number_is_typed_in_a_fragment(lang):
    typed = [hit for name in sorted((PROSE / lang).glob("*.html.j2")) for hit in typed_digits(lang, name.name)]
    assert not typed, f"templates/prose/{lang}: digits typed (use fig()): {typed[:5]}"


def test_the_digit_check_catches_a_typed_number(tmp_path, monkeypatch):
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "t.html.j2").write_text(
        '{% macro a() %}<h3>Titre</h3> 95 % IC <cite>(Martin, 2014)</cite> {{ fig("categories.focus.rank1") }}{% endmacro %}\n'
        '{% macro b() %}{{ plural("n", "1 vendeur", "vendeurs") }} sur 12 marchés\n'
        '<p>de 2014 à 2019</p>{% endmacro %}\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PROSE", tmp_path)
    clear_caches()
    try:
        assert sorted(hit.split(":")[1] for hit in typed_digits("xx", "t.html.j2")) == ["2", "2", "3", "3"]
    finally:
        clear_caches()
