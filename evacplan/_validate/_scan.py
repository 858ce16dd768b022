"""The primitives of the cross-reference pass: a scan of a scenario's raw input and the ids
each section defines.

:mod:`._references` walks the sections with these: a section read
tolerantly (``_items``: a wrongly typed entry skipped), its ids collected
(``_ids``, duplicates reported), references looked up with a suggestion
(``_ref``, ``_refs``), and the scan's state (``_Scan``: the raw data, the
start, what each section defines in ``_Known``, the problems found).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from evacplan._time import parse_when
from evacplan._validate._words import suggest
from evacplan.errors import Problem


def _usable(data: Mapping[str, Any], section: str, *, required: bool = False) -> bool:
    """Whether references into a section can be checked: it is a list (an absent optional one
    is empty). References into a missing or malformed section are not reported one by one:
    the section's own problem says it all."""
    if section not in data:
        return not required
    return isinstance(data[section], (list, tuple))


def _items(data: Mapping[str, Any], section: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(section)
    if not isinstance(value, (list, tuple)):
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, BaseModel):
            item = item.model_dump()
        if isinstance(item, Mapping):
            out.append((i, item))
    return out


def _ids(
    items: list[tuple[int, Mapping[str, Any]]],
    section: str,
    key: str,
    what: str,
    problems: list[Problem],
) -> dict[str, int]:
    """The ids of a section, reporting duplicates."""
    seen: dict[str, int] = {}
    for i, item in items:
        value = item.get(key)
        if not isinstance(value, str):
            continue
        if value in seen:
            problems.append(
                Problem(
                    f"{section}[{i}].{key}",
                    f"duplicate {what} id {value!r} (first at {section}[{seen[value]}])",
                )
            )
        else:
            seen[value] = i
    return seen


def _labels(links: list[tuple[int, Mapping[str, Any]]]) -> dict[str, int]:
    """The labels that name links without an id: ``source->target`` (``<->`` two-way)."""
    out: dict[str, int] = {}
    for i, link in links:
        if link.get("id") is None and isinstance(link.get("source"), str):
            one_way = link.get("two_way") is False or (
                link.get("departures") is not None and link.get("two_way") is not True
            )
            arrow = "->" if one_way else "<->"
            out.setdefault(f"{link['source']}{arrow}{link.get('target')}", i)
    return out


def _ref(
    value: Any,
    valid: Mapping[str, Any] | set[str] | None,
    path: str,
    what: str,
    problems: list[Problem],
) -> None:
    """Report ``value`` unless it is in ``valid`` (None: the section it points to is itself broken)."""
    if valid is not None and isinstance(value, str) and value not in valid:
        problems.append(Problem(path, f"{value!r} is not {what}{suggest(value, valid)}"))


def _refs(
    values: Any,
    valid: Mapping[str, Any] | set[str] | None,
    path: str,
    what: str,
    problems: list[Problem],
) -> None:
    if isinstance(values, (list, tuple)):
        for j, value in enumerate(values):
            _ref(value, valid, f"{path}[{j}]", what, problems)


def _start(data: Mapping[str, Any]) -> Any:
    start = data.get("start")
    if isinstance(start, str):
        try:
            moment = parse_when(start)
        except ValueError:
            return None
        return moment if hasattr(moment, "tzinfo") else None
    return start if hasattr(start, "tzinfo") else None


@dataclass(slots=True)
class _Known:
    """The ids each section defines, for the references into it: None where the section is
    missing or malformed (its own problem says it all)."""

    places: dict[str, int] | None = None
    regions: set[str] | None = None
    links: dict[str, int] | None = None
    """Link ids and the labels of links without one."""
    streets: set[str] | None = None
    """The links' names."""
    posts: dict[str, int] | None = None
    staff: dict[str, int] | None = None
    threats: dict[str, int] | None = None


@dataclass(slots=True)
class _Scan:
    """One pass over a scenario's raw input: what it reads, what it has learned, what it found."""

    data: Mapping[str, Any]
    root: str
    """The model being checked: ``Scenario``, ``Network``, or ``Threats`` (a network's alone)."""
    start: Any
    """The start as a datetime, or None when there is none that can be read."""
    known: _Known = field(default_factory=_Known)
    problems: list[Problem] = field(default_factory=list)
