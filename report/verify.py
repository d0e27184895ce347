"""`report verify DIR`: recompute what a build's manifest records and name every difference."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

from .config import input_files, load_config
from .errors import InputError
from .provenance import sources

MANIFEST = "manifest.json"


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no {MANIFEST} here: give the folder of one edition (<out>/<edition>)", where=str(folder)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the manifest ({exc})", where=str(path)) from None
    if not isinstance(manifest, dict) or not {"config", "inputs", "outputs"} <= set(manifest):
        raise InputError("not a report manifest (no config, inputs or outputs)", where=str(path))
    for problem in _shape_problems(manifest):
        raise InputError(f"not a report manifest: {problem}", where=str(path))
    return manifest


#: What each part of a manifest holds: a mapping of names to text (hashes), or to {path, sha256} records.
_TEXT_MAPS = ("outputs", "templates", "fonts", "libraries")


def _shape_problems(manifest: Mapping[str, Any]) -> list[str]:
    """Values of the wrong type, named by key: a hand-edited or damaged manifest is an input error, not a crash."""
    problems = []
    config = manifest.get("config")
    if not isinstance(config, dict) or not isinstance(config.get("path"), str):
        problems.append("'config' should be a mapping with a text 'path'")
    inputs = manifest.get("inputs")
    if not isinstance(inputs, dict) or not all(isinstance(entry, dict) and isinstance(entry.get("path"), str)
                                               for entry in inputs.values()):
        problems.append("'inputs' should map each input to a mapping with a text 'path'")
    for key in _TEXT_MAPS:
        value = manifest.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(item, (str, type(None))) for item in value.values()):
            problems.append(f"'{key}' should map names to text")
    if not isinstance(manifest.get("tool", {}), dict):
        problems.append("'tool' should be a mapping")
    return problems


def verify(folder: Path, config: Path | None = None) -> list[str]:
    """Every difference between the manifest in `folder` and the files and libraries as they are now.

    The config and inputs are found where the manifest says, unless `config` names the config file
    (for a report folder moved to another machine): then the inputs are the ones that config names.
    """
    recorded = read_manifest(folder)
    if config is None:
        config_path = Path(recorded["config"]["path"])
        inputs = {name: Path(entry["path"]) for name, entry in recorded["inputs"].items()}
    else:
        loaded, base = load_config(config)
        config_path, inputs = config, input_files(loaded, base)
    current = sources(config_path, inputs)
    differences = [
        *_versions(recorded, current),
        *_file(f"config {config_path}", recorded["config"].get("sha256"), current["config"]["sha256"]),
        *(line for name, entry in sorted(recorded["inputs"].items())
          for line in _file(f"inputs.{name} {entry['path']}", entry.get("sha256"), current["inputs"].get(name, {}).get("sha256"))),
        *_tree("templates", recorded.get("templates", {}), current["templates"]),
        *_tree("fonts", recorded.get("fonts", {}), current["fonts"]),
        *_tree("outputs", recorded["outputs"], _outputs(folder)),
    ]
    return differences


def _outputs(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MANIFEST}


def _file(what: str, recorded: str | None, now: str | None) -> list[str]:
    if now is None:
        return [f"{what}: missing"]
    if recorded != now:
        return [f"{what}: changed (sha256 {now[:12]}, manifest {str(recorded)[:12]})"]
    return []


def _tree(what: str, recorded: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    lines = []
    for name in sorted(set(recorded) | set(now)):
        if name not in now:
            lines.append(f"{what}: {name} missing")
        elif name not in recorded:
            lines.append(f"{what}: {name} is not in the manifest")
        elif recorded[name] != now[name]:
            lines.append(f"{what}: {name} changed")
    return lines


def _versions(recorded: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    lines = []
    for key in ("version", "python"):
        was, is_ = recorded.get("tool", {}).get(key), now["tool"][key]
        if was != is_:
            lines.append(f"tool.{key}: {is_} now, {was} in the manifest")
    for name in sorted(set(recorded.get("libraries", {})) | set(now["libraries"])):
        was, is_ = recorded.get("libraries", {}).get(name), now["libraries"].get(name)
        if was != is_:
            lines.append(f"libraries.{name}: {is_} now, {was} in the manifest")
    return lines
