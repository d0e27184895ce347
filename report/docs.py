"""docs/configuration.md and docs/codebook.md, generated from the schemas themselves so they cannot drift."""
from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .codebook import CodebookSpec
from .config import ReportConfig

HEADER = """# Configuration reference

Generated from the schema in `report/config.py` by `report docs`; do not edit by hand
(a test fails when this file is out of date). Paths are relative to the config file.
Unknown keys are errors.

| key | type | default | meaning | example |
|---|---|---|---|---|
"""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin is typing.Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + (" (optional)" if type(None) in args else "")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    return getattr(annotation, "__name__", str(annotation)).replace("date", "date (YYYY-MM-DD)")


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        value = value.model_dump() if isinstance(value, BaseModel) else value
        return "(see below)" if isinstance(value, dict) and value and all(isinstance(v, (int, float)) for v in value.values()) else f"`{json.dumps(value, default=str)}`"
    if field.default is PydanticUndefined:
        return "required"
    return f"`{json.dumps(field.default, default=str)}`"


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        example = f"`{json.dumps(field.examples[0], ensure_ascii=False)}`" if field.examples else ""
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {description} | {example} |")
        nested = _nested_model(field.annotation)
        if nested is not None:
            child_prefix = f"{key}.<id>." if typing.get_origin(field.annotation) is dict else f"{key}."
            rows += _rows(nested, child_prefix)
    return rows


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def config_docs() -> str:
    return HEADER + "\n".join(_rows(ReportConfig, "")) + "\n"


CODEBOOK_HEADER = """# Codebook reference

Generated from the schema in `report/codebook.py` by `report docs`; do not edit by hand
(a test fails when this file is out of date). The config names the codebook with `inputs.codebook`,
beside the survey it describes (`inputs.survey`); both are optional, and go together.

A codebook is a YAML file that describes the questionnaire: one entry per question under `questions`,
in questionnaire order, and optionally `findings`, which group the questions as the report presents them.
Unknown keys are errors (with the key you probably meant), and every error names the file and line.

- **Question types.** `single`: one answer code per respondent, each code labelled. `scale`: the same,
  with ordered codes (e.g. 1 = never ... 5 = very often); `top` names codes reported together
  ("often or very often"). `multi`: one column per option, holding a ticked or a not-ticked code
  (`ticked`, default `1`; `not_ticked`, default `0`); respondents are the base, so shares may sum past
  100 %. `numeric`: a number, summarised by its median and quartiles and counted in `brackets`.
  `text`: free text; only the number of answers is reported.
- **Missing answers.** A blank cell is always missing. `missing` lists further codes that mean no answer
  (e.g. `-99`, `"NA"`); `dont_know` lists "don't know" codes, counted apart. Percentages are valid
  percentages: missing and "don't know" answers are left out of the base, which is printed.
- **Every code is declared.** A survey cell that is not blank, not a missing or don't-know code and not
  an answer the codebook gives the question (a labelled code; for `multi`, a ticked or not-ticked code;
  for `numeric`, a number inside the brackets) stops the build with the file, line, column and value.
- **Languages.** Every question text, answer label, bracket label and finding title needs a text in
  every language of the report (`languages` in the config).
- **Brackets** of a numeric question go up without overlaps or gaps: each starts where the one before
  ends (`lower` is included, `upper` excluded); only the first may leave out `lower`, only the last `upper`.
- **Ids** of questions, answer codes, options and findings become part of figure ids
  (`survey.<question>.<code>.share`): letters, digits, `_` and `-` only. Quote codes YAML would read as
  something else (`"yes"`, `"1.10"`).
- **Findings.** Without `findings`, each question is its own finding, in codebook order. With it, the
  findings come in the order given, and questions no finding names follow as findings of their own.
  A question belongs to one finding at most.

Example:

```yaml
questions:
  buys_for:
    type: multi
    columns: {self: buys_self, friends: buys_friends}
    text: {fr: "Pour qui achetez-vous ?", nl: "Voor wie koopt u?"}
    labels:
      self: {fr: Pour moi-même, nl: Voor mezelf}
      friends: {fr: Pour des amis, nl: Voor vrienden}
    ticked: ["Yes"]
    not_ticked: ["No"]
    missing: [-99]
  spent_12m:
    type: numeric
    column: spent_12m
    unit: EUR
    text: {fr: "Combien avez-vous dépensé ?", nl: "Hoeveel hebt u uitgegeven?"}
    brackets:
    - {upper: 100, label: {fr: moins de 100 €, nl: minder dan 100 euro}}
    - {lower: 100, label: {fr: 100 € ou plus, nl: 100 euro of meer}}
findings:
- id: buying
  questions: [buys_for, spent_12m]
  title: {fr: "Pour qui achète-t-on ?", nl: "Voor wie wordt er gekocht?"}
```

Cross-tabulations are declared in the config (`crosstabs`, see configuration.md) and checked against the
codebook when the inputs are read: the rows must be a single, scale or numeric question (with brackets),
the columns a single, scale or multi question.

| key | type | default | meaning | example |
|---|---|---|---|---|
"""


def codebook_docs() -> str:
    return CODEBOOK_HEADER + "\n".join(_rows(CodebookSpec, "")) + "\n"


def write_config_docs(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_docs(), encoding="utf-8")


def write_codebook_docs(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(codebook_docs(), encoding="utf-8")
