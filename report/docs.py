"""docs/configuration.md, generated from the config schema itself so it cannot drift."""
from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

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


def write_config_docs(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_docs(), encoding="utf-8")
