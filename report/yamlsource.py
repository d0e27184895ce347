"""Safe YAML reading that remembers where every key was written, for file:line error messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

Location = tuple[int, int]  # 1-based line, column
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML data plus the line and column of every key path."""

    path: Path
    data: Any
    marks: dict[KeyPath, Location] = field(default_factory=dict)
    lines: tuple[str, ...] = ()

    def where(self, keypath: KeyPath) -> str:
        """`file:line:column` for the deepest known prefix of a key path."""
        for end in range(len(keypath), -1, -1):
            mark = self.marks.get(tuple(keypath[:end]))
            if mark:
                return f"{self.path}:{mark[0]}:{mark[1]}"
        return str(self.path)

    def line_of(self, keypath: KeyPath) -> str:
        """The source line a key path was written on, for showing to the user."""
        for end in range(len(keypath), -1, -1):
            mark = self.marks.get(tuple(keypath[:end]))
            if mark and 0 < mark[0] <= len(self.lines):
                return self.lines[mark[0] - 1].rstrip()
        return ""


def _node_location(node: yaml.Node) -> Location:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _collect_marks(node: yaml.Node, path: KeyPath, marks: dict[KeyPath, Location], source: Path) -> None:
    marks.setdefault(path, _node_location(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line, col = _node_location(key_node)
                raise ConfigError(
                    f"duplicate key '{key}' (first written on line {seen[key][0]}); YAML would silently keep the last one",
                    where=f"{source}:{line}:{col}",
                )
            seen[key] = _node_location(key_node)
            marks[path + (key,)] = seen[key]
            _collect_marks(value_node, path + (key,), marks, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_marks(item, path + (index,), marks, source)


def read_yaml(path: Path, *, max_bytes: int = 1_000_000) -> YamlDocument:
    """Read one YAML document safely: no python tags, no duplicate keys, no alias bombs."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", where=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read file ({exc.strerror})", where=str(path)) from None
    if len(raw) > max_bytes:
        raise ConfigError(f"file is larger than {max_bytes} bytes", where=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not valid UTF-8 (byte {exc.start})", where=str(path)) from None
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"invalid YAML: {exc.problem or exc.context}", where=where) from None
    if not nodes or nodes[0] is None:
        raise ConfigError("the file is empty", where=str(path))
    if len(nodes) > 1:
        raise ConfigError("the file holds several YAML documents ('---'); write one", where=str(path))
    _refuse_aliases(nodes[0], path)
    marks: dict[KeyPath, Location] = {}
    _collect_marks(nodes[0], (), marks, path)
    try:
        data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"invalid YAML: {exc.problem}", where=where) from None
    return YamlDocument(path=path, data=data, marks=marks, lines=tuple(text.splitlines()))


def _refuse_aliases(root: yaml.Node, path: Path) -> None:
    """Configs have no use for anchors and aliases; refusing them stops 'billion laughs' at once."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            line, col = _node_location(node)
            raise ConfigError("YAML aliases (*name) are not allowed in this file", where=f"{path}:{line}:{col}")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
