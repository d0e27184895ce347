"""Safe YAML reading that remembers where every key was written, for file:line error messages."""
from __future__ import annotations

import functools
import re
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

    def located(self, message: str, keypath: KeyPath) -> ConfigError:
        """An error at `file:line:column` of a key path, with the line it was written on."""
        line = self.line_of(keypath)
        return ConfigError(message + (f"\n    {line.strip()}" if line else ""), where=self.where(keypath))


def _excerpt(lines: list[str], line: int, column: int) -> str:
    """The offending source line with a caret under the column (both 1-based)."""
    if not 0 < line <= len(lines):
        return ""
    text = UNSAFE.sub("\ufffd", lines[line - 1].rstrip())  # shown, not sent to the terminal as it is
    return f"\n    {text}\n    {' ' * (column - 1)}^"


def _error_at(message: str, path: Path, line: int, column: int, lines: list[str]) -> ConfigError:
    return ConfigError(message + _excerpt(lines, line, column), where=f"{path}:{line}:{column}")


def _node_location(node: yaml.Node) -> Location:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _key_value(node: yaml.Node) -> Any:
    """A mapping key as the loaded data will have it (`no` -> False, `1.10` -> 1.1), to find its line again."""
    if isinstance(node, yaml.ScalarNode) and not node.style:  # plain: None (Python parser) or '' (libyaml)
        return _plain_value(node.value) if node.value else node.value
    return node.value


@functools.lru_cache(maxsize=4096)
def _plain_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _collect_marks(node: yaml.Node, path: KeyPath, marks: dict[KeyPath, Location], source: Path, lines: list[str]) -> None:
    marks.setdefault(path, _node_location(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line, col = _node_location(key_node)
                raise _error_at(
                    f"duplicate key '{key}' (first written on line {seen[key][0]}); YAML would silently keep the last one",
                    source, line, col, lines)
            seen[key] = _node_location(key_node)
            marks[path + (key,)] = seen[key]
            loaded = _key_value(key_node)
            if isinstance(loaded, (str, int)) and loaded != key:  # bool is an int: `no: x` is found as False
                marks.setdefault(path + (loaded,), seen[key])
            _collect_marks(value_node, path + (key,), marks, source, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_marks(item, path + (index,), marks, source, lines)


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
    lines = text.splitlines()
    fast = _fast_compose(text)
    if fast is not None:
        return _document(path, text, lines, fast, yaml.CSafeLoader)
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, path, lines) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not accept at all (NUL, other controls)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise _error_at(f"the file holds the control character U+{exc.character:04X}, which a config cannot hold",
                        path, line, column, lines) from None
    return _document(path, text, lines, nodes, yaml.SafeLoader)


def _fast_compose(text: str) -> list[yaml.Node] | None:
    """The documents of a file libyaml reads (ten times faster than the Python parser); None when it cannot, or
    the file holds a character the Python reader refuses: the Python parser then says what is wrong, as always."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    try:
        return list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError:
        return None


def _document(path: Path, text: str, lines: list[str], nodes: list[yaml.Node], loader: type) -> YamlDocument:
    """The checked document of the composed nodes, its data constructed from the nodes (the text is parsed once)."""
    if not nodes or nodes[0] is None:
        raise ConfigError("the file is empty", where=str(path))
    if len(nodes) > 1:
        line = nodes[1].start_mark.line + 1
        line = next((n for n in range(line, 0, -1) if lines[n - 1].startswith("---")), line)  # the '---' itself
        raise ConfigError(f"the file holds several YAML documents (the second starts on line {line}); write one",
                          where=f"{path}:{line}")
    _refuse_aliases(nodes[0], path, lines)
    _check_scalars(nodes[0], path, lines)
    marks: dict[KeyPath, Location] = {}
    _collect_marks(nodes[0], (), marks, path, lines)
    try:
        data = loader("").construct_document(nodes[0])  # a safe loader's constructor: plain values only
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, path, lines) from None
    return YamlDocument(path=path, data=data, marks=marks, lines=tuple(lines))


def _yaml_error(exc: yaml.MarkedYAMLError, path: Path, lines: list[str]) -> ConfigError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "cannot be read"
    if "python/" in str(problem) or "python/" in str(exc):
        problem = f"{problem} (python tags are not allowed: a config holds plain values only)"
    if mark is None:
        return ConfigError(f"invalid YAML: {problem}", where=str(path))
    return _error_at(f"invalid YAML: {problem}", path, mark.line + 1, mark.column + 1, lines)


def _refuse_aliases(root: yaml.Node, path: Path, lines: list[str]) -> None:
    """Configs have no use for anchors and aliases; refusing them stops 'billion laughs' at once."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            line, col = _node_location(node)
            raise _error_at("YAML anchors and aliases (&name, *name) are not allowed in this file (this one is used more than once)", path, line, col, lines)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


#: Characters no text of a config or codebook may hold, written as YAML escapes ("\\x00", "\\udc80"): controls
#: other than tab and line breaks, bidirectional overrides, lone surrogates, non-characters.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _check_scalars(root: yaml.Node, path: Path, lines: list[str]) -> None:
    """Every scalar is text a report can print and, when YAML reads it as a date, a real date."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.ScalarNode):
            found = UNSAFE.search(node.value)
            if found:
                line, col = _node_location(node)
                raise _error_at(f"the text holds the character U+{ord(found.group()):04X} (a control character, "
                                "a direction override or half a surrogate pair), which a report cannot print",
                                path, line, col, lines)
            if node.tag == TIMESTAMP:
                try:
                    yaml.SafeLoader("").construct_yaml_timestamp(node)
                except ValueError as exc:
                    line, col = _node_location(node)
                    raise _error_at(f"{node.value} is not a date ({exc})", path, line, col, lines) from None
