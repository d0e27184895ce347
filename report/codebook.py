"""The survey codebook: its schema (frozen, documented, no unknown keys) and `read_codebook` with file:line errors."""
from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, Mapping, Sequence

from pydantic import BeforeValidator, Field, ValidationError

from pydantic import BaseModel

from .config import Localized, Schema, _describe, _hint_unknown, _implicit_hint, _inner_model
from .errors import ConfigError
from .model import CROSSTAB_COLUMN_TYPES, CROSSTAB_ROW_TYPES, Codebook, Question, SurveyFinding
from .yamlsource import KeyPath, YamlDocument, read_yaml

IDENTIFIER = r"^[A-Za-z0-9_-]+$"  # becomes part of figure ids (`survey.<question>.<code>.share`): no dots, no spaces
MAX_ERRORS = 10


def _code_text(value: Any) -> Any:
    """Codes are text; YAML reads `1` as a number, which is fine, but `yes` or `1.10` would not round-trip."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"a code must be text{_implicit_hint(value)}")
    return str(value) if isinstance(value, int) else value


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return value


Code = Annotated[str, BeforeValidator(_code_text), Field(min_length=1)]
AnswerCode = Annotated[str, BeforeValidator(_code_text), Field(pattern=IDENTIFIER)]
Identifier = Annotated[str, Field(pattern=IDENTIFIER)]
Number = Annotated[float, BeforeValidator(_number), Field(strict=False)]


class Bracket(Schema):
    """One bracket of a numeric question: the answers from `lower` (included) up to `upper` (excluded)."""

    lower: Number | None = Field(default=None, examples=[25])
    """Lowest value of the bracket, included; leave it out in the first bracket to take every lower value."""
    upper: Number | None = Field(default=None, examples=[30])
    """First value above the bracket, excluded; leave it out in the last bracket to take every higher value."""
    label: Localized = Field(examples=[{"fr": "25 à 29 ans", "nl": "25 tot 29 jaar"}])
    """The bracket's name in each language of the report."""


class QuestionSpec(Schema):
    """One question of the questionnaire, keyed by its id (letters, digits, `_`, `-`)."""

    type: Literal["single", "multi", "numeric", "scale", "text"] = Field(examples=["single"])
    """`single` (one answer code), `scale` (one ordered answer code), `multi` (one column per option, ticked or not), `numeric` (a number, shown by brackets), `text` (free text: only the number of answers is reported)."""
    column: str | None = Field(default=None, examples=["gender"])
    """The survey column holding the answer (every type but `multi`)."""
    columns: dict[AnswerCode, str] | None = Field(default=None, examples=[{"self": "purpose_self", "friends": "purpose_friends"}])
    """`multi` only: option key -> the survey column that says whether the option was ticked."""
    text: Localized = Field(examples=[{"fr": "Quel est votre genre ?", "nl": "Wat is uw gender?"}])
    """The question's wording in each language of the report."""
    labels: dict[AnswerCode, Localized] = Field(default_factory=dict, examples=[{"1": {"fr": "Homme", "nl": "Man"}}])
    """Answer code (`single`, `scale`) or option key (`multi`) -> its label in each language; every code found in the survey must be here (or be a missing or don't-know code)."""
    missing: list[Code] = Field(default_factory=list, examples=[[-99, "NA"]])
    """Codes that mean no answer (besides a blank cell, always missing): left out of every base."""
    dont_know: list[Code] = Field(default_factory=list, examples=[[98]])
    """`single`, `scale`, `numeric`: codes that mean "don't know": counted apart and left out of the base of the percentages."""
    top: list[AnswerCode] = Field(default_factory=list, examples=[[4, 5]])
    """`single`, `scale`: answer codes reported together as one share (e.g. the top two of a scale); each must be a label's code."""
    ticked: list[Code] = Field(default_factory=lambda: ["1"], min_length=1, examples=[["1", "Yes"]])
    """`multi`: the codes of a ticked option. A value that is neither a ticked, a not-ticked nor a missing code is an input error."""
    not_ticked: list[Code] = Field(default_factory=lambda: ["0"], min_length=1, examples=[["0", "No"]])
    """`multi`: the codes of an option left unticked."""
    unit: str | None = Field(default=None, examples=["EUR", "years"])
    """`numeric`: the unit of the answers; `EUR` shows bracket bounds as amounts in euros."""
    brackets: list[Bracket] = Field(default_factory=list)
    """`numeric`: the brackets answers are counted in, in increasing order, without overlaps or gaps; every answer must fall in one."""


class FindingSpec(Schema):
    """Questions the report presents together under one finding."""

    id: Identifier = Field(examples=["profile"])
    """The finding's id (letters, digits, `_`, `-`), unique in the codebook."""
    questions: list[Identifier] = Field(min_length=1, examples=[["gender", "age", "occupation"]])
    """Question ids, in the order the finding presents them; a question belongs to one finding at most."""
    title: Localized = Field(default_factory=dict, examples=[{"fr": "Le profil des répondants", "nl": "Profiel van de respondenten"}])
    """The finding's heading in each language of the report (optional: without it the report chooses one)."""
    charts: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(\+[A-Za-z0-9_-]+)?$")]] | None = Field(
        default=None, examples=[["reasons", "rating_offline+rating_online"]])
    """The charts the finding shows, in order: a question id (its answers with 95 % intervals), or two ids joined by `+` (their answers side by side; both questions need the same answer codes). Default: one chart per single, scale, multi or numeric question; `[]` for none. A chart with fewer than two answers to show is left out."""
    tables: list[Identifier] = Field(default_factory=list, examples=[["purpose"]])
    """Questions whose answers the finding also shows as a table (counts, shares, 95 % intervals, missing and "don't know")."""


class CodebookSpec(Schema):
    """A survey codebook: the questions, in questionnaire order, and how the report groups them."""

    questions: dict[Identifier, QuestionSpec] = Field(min_length=1)
    """The questions by id, in questionnaire order."""
    findings: list[FindingSpec] | None = None
    """Findings that group questions, in report order. Without it, each question is its own finding, in codebook order; questions no finding names follow as findings of their own."""


Problem = tuple[str, KeyPath]


def read_codebook(path: Path, languages: Sequence[str]) -> Codebook:
    """Read and check a codebook file against the schema and the report's languages."""
    document = read_yaml(path)
    if not isinstance(document.data, dict):
        raise ConfigError("a codebook must be a mapping with a 'questions' mapping", where=str(path))
    try:
        spec = CodebookSpec.model_validate(document.data)
    except ValidationError as exc:
        raise _joined([_describe_error(error, document) for error in exc.errors()]) from None
    problems = [*_language_problems(spec, languages), *_question_problems(spec), *_finding_problems(spec)]
    if problems:
        raise _joined([str(document.located(message, keypath)) for message, keypath in problems])
    return _codebook(spec)


def _joined(messages: list[str]) -> ConfigError:
    more = f"\n... and {len(messages) - MAX_ERRORS} more" if len(messages) > MAX_ERRORS else ""
    return ConfigError("\n".join(messages[:MAX_ERRORS]) + more)


def _describe_error(error: Mapping[str, Any], document: YamlDocument) -> str:
    """One schema error at file:line, with a "did you mean" for unknown keys (config.py's wording otherwise)."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        hint = _hint_unknown(str(loc[-1]), _allowed_keys(loc[:-1]))
        return str(document.located(f"unknown key '{loc[-1]}'{hint}", loc))
    if loc and loc[-1] == "[key]":
        mapping = ".".join(str(part) for part in loc[:-2])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch":
            message = "use letters, digits, '_' and '-' only (it becomes part of figure ids)"
        return str(document.located(f"{mapping}: key {error.get('input')!r}: {message}", loc[:-1]))
    if error["type"] == "string_pattern_mismatch" and loc and loc[0] in ("questions", "findings"):
        key = ".".join(str(part) for part in loc)
        return str(document.located(f"{key}: '{error.get('input')}': use letters, digits, '_' and '-' only "
                                    "(it becomes part of figure ids)", loc))
    return _describe(error, document)


def _allowed_keys(path: KeyPath) -> list[str]:
    """The keys allowed where a key path points: fields are followed, mapping keys and list positions skipped."""
    model: Any = CodebookSpec
    skip = False
    for part in path:
        if skip or not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            skip = False
            continue
        annotation = model.model_fields[part].annotation
        model, skip = _inner_model(annotation), _holds_many(annotation)
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _holds_many(annotation: Any) -> bool:
    """A list or mapping (optional or not): the next part of a key path is a position or a key, not a field."""
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_holds_many(arg) for arg in typing.get_args(annotation))
    return False


def _language_problems(spec: CodebookSpec, languages: Sequence[str]) -> Iterable[Problem]:
    """Every text the report may print exists in every language it is written in."""
    def missing(texts: Mapping[str, str], what: str, keypath: KeyPath) -> Iterable[Problem]:
        for lang in languages:
            if lang not in texts:
                yield (f"{what} has no '{lang}' text, but '{lang}' is one of the report's languages", keypath)

    for qid, question in spec.questions.items():
        yield from missing(question.text, f"questions.{qid}.text", ("questions", qid, "text"))
        for code, label in question.labels.items():
            yield from missing(label, f"questions.{qid}.labels.{code}", ("questions", qid, "labels", code))
        for index, bracket in enumerate(question.brackets):
            yield from missing(bracket.label, f"questions.{qid}.brackets[{index}].label", ("questions", qid, "brackets", index))
    for index, finding in enumerate(spec.findings or ()):
        if finding.title:
            yield from missing(finding.title, f"findings[{index}].title", ("findings", index, "title"))


ONLY_FOR: Mapping[str, tuple[str, ...]] = {
    "column": ("single", "numeric", "scale", "text"), "columns": ("multi",), "labels": ("single", "scale", "multi"),
    "top": ("single", "scale"), "dont_know": ("single", "scale", "numeric"), "ticked": ("multi",), "not_ticked": ("multi",), "unit": ("numeric",),
    "brackets": ("numeric",),
}


def _question_problems(spec: CodebookSpec) -> Iterable[Problem]:
    used: dict[str, str] = {}
    for qid, question in spec.questions.items():
        at: KeyPath = ("questions", qid)
        for key, types in ONLY_FOR.items():
            if key in question.model_fields_set and question.type not in types:
                yield (f"questions.{qid}.{key}: only {' and '.join(types)} questions have '{key}' "
                       f"(this one is {question.type})", (*at, key))
        yield from _shape_problems(qid, question)
        yield from _code_problems(qid, question)
        yield from _bracket_problems(qid, question)
        for column in ([question.column] if question.column else []) + list((question.columns or {}).values()):
            if column in used:
                yield (f"questions.{qid}: column '{column}' is already read by question '{used[column]}'", at)
            used.setdefault(column, qid)


def _shape_problems(qid: str, question: QuestionSpec) -> Iterable[Problem]:
    at: KeyPath = ("questions", qid)
    if question.type == "multi":
        if not question.columns:
            yield (f"questions.{qid}: a multi question needs 'columns' (option: survey column)", at)
        elif set(question.labels) != set(question.columns):
            unlabelled = [key for key in question.columns if key not in question.labels]
            unknown = [key for key in question.labels if key not in question.columns]
            what = (f"option(s) without a label: {', '.join(unlabelled)}" if unlabelled
                    else f"label(s) for no option in 'columns': {', '.join(unknown)}")
            yield (f"questions.{qid}.labels: {what}", (*at, "labels"))
    elif question.column is None:
        yield (f"questions.{qid}: a {question.type} question needs 'column' (the survey column of its answers)", at)
    if question.type in ("single", "scale") and not question.labels:
        yield (f"questions.{qid}: a {question.type} question needs 'labels' (answer code: text per language)", at)


def _code_problems(qid: str, question: QuestionSpec) -> Iterable[Problem]:
    at: KeyPath = ("questions", qid)
    answers = set(question.labels) - set(question.dont_know) if question.type != "multi" else set()
    groups = {"missing": question.missing, "dont_know": question.dont_know}
    if question.type == "multi":
        groups.update(ticked=question.ticked, not_ticked=question.not_ticked)
    else:
        groups["labels"] = sorted(answers)
    names = list(groups)
    for first, name in enumerate(names):
        for other in names[first + 1:]:
            shared = [code for code in groups[name] if code in groups[other]]
            if shared:
                yield (f"questions.{qid}: code(s) {', '.join(shared)} are both in '{name}' and in '{other}'", (*at, other))
    for code in question.top:
        if code not in answers:
            hint = _did_you_mean(code, sorted(answers))
            yield (f"questions.{qid}.top: '{code}' is not an answer code of the question{hint}", (*at, "top"))


def _bracket_problems(qid: str, question: QuestionSpec) -> Iterable[Problem]:
    """Brackets go up without overlaps or gaps, so every number falls in exactly one."""
    brackets = question.brackets
    last = len(brackets) - 1
    for index, bracket in enumerate(brackets):
        at: KeyPath = ("questions", qid, "brackets", index)
        name = f"questions.{qid}.brackets[{index}]"
        if bracket.lower is not None and bracket.upper is not None and bracket.lower >= bracket.upper:
            yield (f"{name}: lower ({bracket.lower:g}) must be below upper ({bracket.upper:g})", at)
        if bracket.lower is None and index > 0:
            yield (f"{name}: only the first bracket may leave out 'lower'", at)
        if bracket.upper is None and index < last:
            yield (f"{name}: only the last bracket may leave out 'upper'", at)
        previous = brackets[index - 1].upper if index > 0 else None
        if previous is not None and bracket.lower is not None:
            if bracket.lower < previous:
                yield (f"{name}: starts at {bracket.lower:g}, below the end of the bracket before ({previous:g}): "
                       "brackets overlap or are out of order", at)
            elif bracket.lower > previous:
                yield (f"{name}: starts at {bracket.lower:g}, but the bracket before ends at {previous:g}: "
                       f"answers from {previous:g} to {bracket.lower:g} would fall in no bracket", at)


def _finding_problems(spec: CodebookSpec) -> Iterable[Problem]:
    seen_ids: set[str] = set()
    placed: dict[str, str] = {}
    known = list(spec.questions)
    for index, finding in enumerate(spec.findings or ()):
        at: KeyPath = ("findings", index)
        if finding.id in seen_ids:
            yield (f"findings[{index}].id: '{finding.id}' names two findings", (*at, "id"))
        seen_ids.add(finding.id)
        for position, qid in enumerate(finding.questions):
            where: KeyPath = (*at, "questions", position)
            if qid not in spec.questions:
                yield (f"findings[{index}].questions: '{qid}' is not a question of the codebook{_did_you_mean(qid, known)}", where)
            elif qid in placed:
                yield (f"findings[{index}].questions: '{qid}' is already in finding '{placed[qid]}'", where)
            else:
                placed[qid] = finding.id
        for kind, items in (("charts", [part for chart in finding.charts or () for part in chart.split("+")]),
                            ("tables", finding.tables)):
            for position, qid in enumerate(items):
                if qid not in finding.questions:
                    yield (f"findings[{index}].{kind}: '{qid}' is not one of this finding's questions"
                           f"{_did_you_mean(qid, finding.questions)}", (*at, kind, position))


def _did_you_mean(name: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(allowed), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _codebook(spec: CodebookSpec) -> Codebook:
    questions = {qid: _question(qid, question) for qid, question in spec.questions.items()}
    findings = [SurveyFinding(f.id, tuple(f.questions), dict(f.title), None if f.charts is None else tuple(f.charts), tuple(f.tables))
                for f in spec.findings or ()]
    placed = {qid for finding in findings for qid in finding.questions}
    findings += [SurveyFinding(qid, (qid,)) for qid in questions if qid not in placed and spec.findings is not None]
    return Codebook(questions=questions, findings=tuple(findings))


def _whole(value: float) -> float | int:
    """A bound as written: `250` stays an int (it appears in figure ids and values)."""
    return int(value) if float(value).is_integer() else value


def _question(qid: str, spec: QuestionSpec) -> Question:
    columns = dict(spec.columns or {}) if spec.type == "multi" else {"value": str(spec.column)}
    brackets = tuple({**({"lower": _whole(b.lower)} if b.lower is not None else {}),
                      **({"upper": _whole(b.upper)} if b.upper is not None else {}),
                      "label": dict(b.label)} for b in spec.brackets)
    return Question(id=qid, type=spec.type, columns=columns, text=dict(spec.text),
                    labels={code: dict(label) for code, label in spec.labels.items()},
                    missing=tuple(spec.missing), dont_know=tuple(spec.dont_know), top=tuple(spec.top),
                    unit=spec.unit, brackets=brackets, ticked=tuple(spec.ticked), not_ticked=tuple(spec.not_ticked))


def check_crosstabs(crosstabs: Sequence[tuple[str, str]], codebook: Codebook) -> None:
    """Each configured cross-tabulation names two questions of the codebook whose types can be crossed."""
    problems = []
    known = list(codebook.questions)
    for index, (rows, columns) in enumerate(crosstabs):
        for side, qid, types in (("rows", rows, CROSSTAB_ROW_TYPES), ("columns", columns, CROSSTAB_COLUMN_TYPES)):
            question = codebook.questions.get(qid)
            if question is None:
                problems.append(f"crosstabs[{index}].{side}: '{qid}' is not a question of the codebook{_did_you_mean(qid, known)}")
            elif question.type not in types:
                problems.append(f"crosstabs[{index}].{side}: '{qid}' is a {question.type} question; "
                                f"{side} must be a {', '.join(types[:-1])} or {types[-1]} question")
            elif side == "rows" and question.type == "numeric" and not question.brackets:
                problems.append(f"crosstabs[{index}].rows: numeric question '{qid}' has no brackets to make rows of")
    if problems:
        raise _joined(problems)
