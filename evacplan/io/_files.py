"""YAML and JSON files in and out: strict parsing, each key's line, whole writes.

What every reader and writer of :mod:`evacplan.io` shares: :func:`_read_data`
parses a file into plain data (duplicate keys refused; a parser's complaint
turned into a :class:`~evacplan.errors.Problem` with its line),
:func:`_yaml_lines` maps each key path to its line for messages, and
:func:`_write_whole` writes a file all at once or not at all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from evacplan.errors import Problem, ScenarioError

_YAML = {".yaml", ".yml"}
_JSON = {".json"}


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that rejects duplicate keys instead of silently keeping the last."""


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        try:
            hash(key)
        except TypeError:
            continue
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]


_COLON_IN_VALUE = {
    "mapping values are not allowed here",  # name: Gate: north
    "expected ',' or '}', but got ':'",  # {name: Gate: north}
}
"""What PyYAML says of an unquoted ': ' inside a value."""


def _read_data(path: Path) -> Any:
    """Parse a YAML or JSON file into plain data, or raise ScenarioError."""
    suffix = path.suffix.lower()
    if suffix not in _YAML | _JSON:
        raise ScenarioError(
            [Problem("", f"unknown file type {suffix or '(none)'!r}: use .yaml, .yml or .json")],
            source=str(path),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem("", "no such file")], source=str(path)) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "is a folder, not a file")], source=str(path)) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(
            [Problem("", f"not UTF-8 text ({err.reason} at byte {err.start})")], source=str(path)
        ) from None
    except OSError as err:
        raise ScenarioError(
            [Problem("", f"cannot be read: {err.strerror}")], source=str(path)
        ) from None
    if not text.strip():
        raise ScenarioError([Problem("", "the file is empty")], source=str(path))
    if suffix in _JSON:
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as err:
            raise ScenarioError(
                [Problem(f"line {err.lineno}, column {err.colno}", f"invalid JSON: {err.msg}")],
                source=str(path),
            ) from None
        except ValueError as err:
            raise ScenarioError([Problem("", str(err))], source=str(path)) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = err.problem or err.context or "malformed YAML"
        if what in _COLON_IN_VALUE:
            what += (
                "; a ':' and a space inside a value (name: Gate: north) start a new key: "
                'quote this value (name: "Gate: north")'
            )
        raise ScenarioError([Problem(where, f"invalid YAML: {what}")], source=str(path)) from None
    except yaml.YAMLError as err:
        raise ScenarioError([Problem("", f"invalid YAML: {err}")], source=str(path)) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON: {name} is not a number a scenario may hold")


def _yaml_lines(path: Path) -> dict[str, int]:
    """Map each key path of a YAML file (``staff[3].post``) to its 1-based line."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, where: str) -> None:
        if where:
            lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value)
                here = f"{where}.{name}" if where else name
                lines.setdefault(here, key.start_mark.line + 1)
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{where}[{i}]")

    if root is not None:
        walk(root, "")
    return lines


def _write_whole(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` all at once or not at all (a temporary file renamed)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
