"""Faults in plain words: pydantic's errors with their paths, suggestions, the file's order.

Takes a pydantic ValidationError and the model class it came from, and gives
:class:`~evacplan.errors.Problem` objects whose paths are the file's
(``staff[3].post``) and whose words a planner reads; sorts problems in the
order the file lists its sections; and suggests the nearest valid value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from evacplan._time import MAX_STEP_MINUTES
from evacplan.errors import Problem, ScenarioError

_SECTIONS = (
    "name",
    "description",
    "start",
    "step_minutes",
    "places",
    "links",
    "posts",
    "staff",
    "threats",
    "decision_points",
    "policy",
    "groups",
    "checks",
)

EXPECTATIONS = (
    "all_safe_within",
    "all_safe_by",
    "open",
    "retained",
    "departs",
    "safe",
    "last_out",
    "parties_whole",
    "verified",
    "survives",
    "robust",
)
"""The keys that make a check's expectation (``all_safe_within`` and ``all_safe_by`` may
go together: they are one expectation, everyone safe in time)."""

_ENUM_WORDS = {
    "kind": "place kind",
    "mode": "mode",
    "category": "category",
    "categories": "category",
    "posture": "posture",
    "minimum": "posture",
}

# Fields whose every fault (type or range) is one rule, said in these words.
_RULE_WORDS = {
    "step_minutes": "must be a whole number of minutes greater than 0 "
    f"and at most {MAX_STEP_MINUTES}, a day",
}


def as_mapping(obj: Any, what: str) -> dict[str, Any]:
    """Return ``obj`` as a dict with string keys, or raise ScenarioError naming the fault."""
    if isinstance(obj, BaseModel):
        obj = obj.model_dump()
    if not isinstance(obj, Mapping):
        kind = "nothing" if obj is None else f"a {type(obj).__name__}"
        raise ScenarioError(
            [Problem("", f"a {what.lower()} must be a mapping of keys to values, not {kind}")]
        )
    bad = [k for k in obj if not isinstance(k, str)]
    if bad:
        raise ScenarioError([Problem("", f"key {k!r} is not a string") for k in bad])
    return dict(obj)


def path_of(loc: Iterable[str | int]) -> str:
    """``('staff', 3, 'post')`` -> ``staff[3].post``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def suggest(value: Any, candidates: Iterable[str], *, cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the nearest candidate, or ``""``.

    ``cutoff`` is difflib's: how alike (0 to 1) a candidate must be to be offered.
    """
    if not isinstance(value, str):
        return ""
    candidates = list(candidates)
    near = difflib.get_close_matches(value, candidates, n=1, cutoff=cutoff)
    if not near:
        near = [c for c in candidates if c.lower() == value.lower()]
    return f"; did you mean {near[0]!r}?" if near else ""


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class whose keys are expected at ``loc`` below ``model`` (for suggestions).

    Follows the field types (``staff`` -> ``tuple[StaffMember, ...]`` ->
    StaffMember), so this module needs no import of the models that call it.
    """
    for part in loc:
        if not isinstance(part, str):
            continue  # a list index: the same model's items
        field = model.model_fields.get(part)
        inner = None if field is None else _model_in(field.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The first pydantic model inside a type (``tuple[Place, ...]``, ``Post | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""What a key of a scenario file looks like: anything else is text cut from a value."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def pydantic_problems(err: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Translate pydantic's errors on ``model`` into Problems with file paths and plain words."""
    problems = []
    for e in err.errors(include_url=False):
        # A tagged union's branch ("<timetable>") is how pydantic chose, not a key in the file.
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("<")))
        kind, value = e["type"], e.get("input")
        if kind == "extra_forbidden":
            key = loc[-1]
            at = _model_at(model, loc[:-1])
            hint = suggest(key, at.model_fields) if at else ""
            if not hint and value is None and not _KEY.fullmatch(str(key)):
                # {name: Camp (north, near the airport)}: the ', ' ended the value, and the
                # rest became a key with no value. (Which key held the value is not in the
                # error: the example names none, where "name:" misled under "description:".)
                hint = (
                    ": it looks like the end of the value before it, cut at an unquoted ',': "
                    f'quote the value it was cut from ("..., {key}")'
                )
            problems.append(Problem(path_of(loc), f"unknown key {key!r}{hint}"))
            continue
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            field = next((p for p in reversed(loc[:-1]) if isinstance(p, str)), "")
            word = _ENUM_WORDS.get(field, "key")
            problems.append(Problem(path_of(loc), _enum_message(value, word, e)))
            continue
        if kind == "missing":
            problems.append(Problem(path_of(loc), "required key is missing"))
            continue
        if kind == "too_short":
            least = (e.get("ctx") or {}).get("min_length", 1)
            problems.append(Problem(path_of(loc), f"needs at least {least}: the list is empty"))
            continue
        if kind == "enum":
            field = next((p for p in reversed(loc) if isinstance(p, str)), "")
            problems.append(
                Problem(path_of(loc), _enum_message(value, _ENUM_WORDS.get(field, "value"), e))
            )
            continue
        if kind == "string_pattern_mismatch":
            problems.append(
                Problem(
                    path_of(loc),
                    f"{_describe(value)} is not a valid id: use letters, digits, '-', '_', '.' or ':' "
                    "and no spaces",
                )
            )
            continue
        if kind in ("model_type", "dict_type", "model_attributes_type"):
            what = "an entry" if loc and isinstance(loc[-1], int) else "this"
            message = f"{what} is a mapping of keys, e.g. {{id: x, name: Y}} or indented 'key: value' lines"
            problems.append(Problem(path_of(loc), f"{message} (got {_describe(value)})"))
            continue
        if kind in _LIST_TYPES:  # pydantic says "a valid tuple"; a planner wrote one value
            problems.append(Problem(path_of(loc), _list_message(loc, value)))
            continue
        if loc and loc[-1] in _RULE_WORDS:
            problems.append(Problem(path_of(loc), _rule_message(_RULE_WORDS[str(loc[-1])], value)))
            continue
        if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
            whole = kind.startswith("int")
            rule = "should be a whole number" if whole else "should be a number"
            problems.append(Problem(path_of(loc), _rule_message(rule, value)))
            continue
        message = e["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        else:
            message = message.replace("should be a valid ", "should be a ", 1)
            message = message.removeprefix("Input ")  # "should be a number (got 'north')"
            message = message[0].lower() + message[1:] + f" (got {_describe(value)})"
        problems.append(Problem(path_of(loc), message))
    return problems


_LIST_TYPES = {"list_type", "tuple_type", "set_type", "frozen_set_type"}
_LIST_EXAMPLES = {"skills": "[consular, crypto]", "functions": "[consular, crypto]"}


def _list_message(loc: tuple[Any, ...], value: Any) -> str:
    """A list where one value was written: how to write it, with this key's example."""
    key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        plain = isinstance(value, str) and re.fullmatch(r"[\w.:-]+", value)
        one = f"[{value}]" if plain else None
        how = f"; for one, write {key}: {one}" if one else ""
        example = _LIST_EXAMPLES.get(key, "[a, b]")
        return f"{key or 'this'} is a list, e.g. {example}{how} (got {_describe(value)})"
    return f"{key or 'this'} is a list in [ ] or one '- ' item per line (got {_describe(value)})"


def _rule_message(rule: str, value: Any) -> str:
    """``rule`` with what was written, and how to write it when that is plain."""
    if value is None:
        got = "nothing"
    elif isinstance(value, bool):
        got = f"{str(value).lower()}, a flag"
    elif isinstance(value, str) and _is_number(value):
        got = f"{_describe(value)}, a string; write the number without quotes"
    elif isinstance(value, float) and value.is_integer():
        got = f"{value!r}; write {int(value)}"
    else:
        got = _describe(value)
    return f"{rule} (got {got})"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _enum_message(value: Any, word: str, e: Any) -> str:
    expected = (e.get("ctx") or {}).get("expected", "")
    options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",") if o.strip()]
    hint = suggest(value, options)
    return f"{_describe(value)} is not a {word}{hint}" + ("" if hint else f" (expected {expected})")


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Order problems as they appear in a file: by section, then index, then key."""

    def key(p: Problem) -> tuple[Any, ...]:
        head = p.path.split("[")[0].split(".")[0]
        section = _SECTIONS.index(head) if head in _SECTIONS else len(_SECTIONS)
        parts: list[Any] = []
        for chunk in p.path.replace("]", "").replace("[", ".").split(".")[1:]:
            digits = chunk.isascii() and chunk.isdigit()  # not "²", which isdigit() accepts
            parts.append((0, int(chunk), "") if digits else (1, 0, chunk))
        return (section, parts)

    seen: set[Problem] = set()
    unique = [p for p in problems if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]
    return sorted(unique, key=key)
