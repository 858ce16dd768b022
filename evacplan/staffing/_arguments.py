"""Checking drawdown()'s arguments: postures, the previous plan, the solver options.

The gate before the first stage. ``_drawdown`` calls :func:`_check_options`
(time limit, workers, seed), :func:`_resolve_postures` (one posture, a
``{post id: posture}`` mapping or None, into a posture per post) and
:func:`_resolve_previous` (a :class:`~evacplan.staffing.plan.DrawdownPlan`, a
mapping or a list of staff ids, into the
:class:`~evacplan.staffing._compile._Previous` that ``_compile`` reads).
Every problem found is collected and raised at once as one
:class:`~evacplan.errors.ScenarioError` (:func:`_bad`), each with its path.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from evacplan.errors import Problem, ScenarioError
from evacplan.models import Posture, Scenario
from evacplan.staffing._compile import _Previous
from evacplan.staffing.plan import DrawdownPlan


def _bad(problems: list[Problem]) -> ScenarioError:
    return ScenarioError(problems, source="invalid arguments to drawdown()")


_POSTURE_NAMES = ", ".join(p.value for p in Posture)


def _posture(value: Any, path: str, problems: list[Problem]) -> Posture | None:
    if isinstance(value, Posture):
        return value
    if isinstance(value, str):
        try:
            return Posture(value.strip().lower())
        except ValueError:
            near = difflib.get_close_matches(value, [p.value for p in Posture], n=1, cutoff=0.5)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.append(Problem(path, f"{value!r} is not a posture{hint} ({_POSTURE_NAMES})"))
            return None
    problems.append(
        Problem(path, f"a posture is one of {_POSTURE_NAMES} (got {type(value).__name__})")
    )
    return None


def _unknown(value: Any, what: str, known: Iterable[str]) -> str:
    hint = ""
    if isinstance(value, str):
        near = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"{value!r} is not {what}{hint}"


def _resolve_postures(scenario: Scenario, posture: Any) -> dict[str, Posture]:
    problems: list[Problem] = []
    result = dict(scenario.postures())
    if posture is None:
        return result
    if isinstance(posture, (str, Posture)):
        one = _posture(posture, "posture", problems)
        if problems:
            raise _bad(problems)
        assert one is not None
        return {p: one for p in result}
    if not isinstance(posture, Mapping):
        raise _bad(
            [
                Problem(
                    "posture",
                    "give a posture name, a {post id: posture} mapping, or None "
                    f"(got {type(posture).__name__})",
                )
            ]
        )
    for key, value in posture.items():
        path = f"posture[{key!r}]"
        if key not in result:
            problems.append(Problem(path, _unknown(key, "a post", result)))
            continue
        chosen = _posture(value, path, problems)
        if chosen is not None:
            result[key] = chosen
    if problems:
        raise _bad(problems)
    return result


def _resolve_previous(scenario: Scenario, previous: Any) -> _Previous | None:
    if previous is None:
        return None
    staff = scenario.staff_by_id
    problems: list[Problem] = []
    if isinstance(previous, DrawdownPlan):
        known: set[str] = set()
        retained: set[str] = set()
        for ids in previous.retained.values():
            retained.update(ids)
            known.update(ids)
        for ids in previous.departing.values():
            known.update(ids)
        for sid in sorted(known):
            if sid not in staff:
                problems.append(Problem("previous", _unknown(sid, "a staff member", staff)))
        if problems:
            raise _bad(problems)
        return _Previous(frozenset(known), frozenset(retained), previous.assignments)
    if isinstance(previous, (str, bytes)):
        raise _bad(
            [
                Problem(
                    "previous",
                    "give a DrawdownPlan, a {post id: [staff ids]} mapping or a list of staff ids",
                )
            ]
        )
    if isinstance(previous, Mapping):
        known_ids: set[str] = set()
        kept: set[str] = set()
        for post_id, ids in previous.items():
            if post_id not in scenario.post_by_id:
                problems.append(
                    Problem(
                        f"previous[{post_id!r}]", _unknown(post_id, "a post", scenario.post_by_id)
                    )
                )
                continue
            known_ids.update(m.id for m in scenario.staff_by_post[post_id])
            if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
                problems.append(Problem(f"previous[{post_id!r}]", "give a list of staff ids"))
                continue
            for k, sid in enumerate(ids):
                path = f"previous[{post_id!r}][{k}]"
                if sid not in staff:
                    problems.append(Problem(path, _unknown(sid, "a staff member", staff)))
                elif staff[sid].post != post_id:
                    problems.append(
                        Problem(
                            path, f"{sid!r} is on the staff of {staff[sid].post!r}, not {post_id!r}"
                        )
                    )
                else:
                    kept.add(sid)
        if problems:
            raise _bad(problems)
        return _Previous(frozenset(known_ids), frozenset(kept), {})
    if not isinstance(previous, Iterable):
        raise _bad(
            [
                Problem(
                    "previous",
                    "give a DrawdownPlan, a {post id: [staff ids]} mapping or a list of staff ids "
                    f"(got {type(previous).__name__})",
                )
            ]
        )
    kept = set()
    for k, sid in enumerate(previous):
        if sid not in staff:
            problems.append(Problem(f"previous[{k}]", _unknown(sid, "a staff member", staff)))
        else:
            kept.add(sid)
    if problems:
        raise _bad(problems)
    return _Previous(frozenset(staff), frozenset(kept), {})


def _check_options(time_limit: Any, workers: Any, seed: Any) -> None:
    problems = []
    if time_limit is not None and (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, (int, float))
        or not math.isfinite(time_limit)
        or time_limit <= 0
    ):
        problems.append(
            Problem(
                "time_limit", f"must be a positive number of seconds or None (got {time_limit!r})"
            )
        )
    problems += _search_problems(workers, seed)
    if problems:
        raise _bad(problems)


def _search_problems(workers: Any, seed: Any) -> list[Problem]:
    """What is wrong with CP-SAT's ``workers`` and ``seed`` arguments (also for plan())."""
    problems = []
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        problems.append(Problem("workers", f"must be a whole number >= 1 (got {workers!r})"))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        problems.append(
            Problem("seed", f"must be a whole number from 0 to 2**31 - 1 (got {seed!r})")
        )
    return problems
