"""A plan as plain, stable data, and what changed between two of them, in words.

:func:`snapshot` reads a :class:`~evacplan.contingency.ContingencyPlan`'s
public records (status, egress, stages, accounting, movements, last-out
checks) into a JSON-friendly dict, one entry per party: the baseline the
pytest plugin's ``plan_snapshot`` stores beside a test. :func:`compare`
says what changed between two snapshots as a planner would (who moved to
another route, whose arrival changed and by how much, who is stranded
now); the plugin prints it when a snapshot differs and, for a ``what_if``
test, against the baseline plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from evacplan._time import _plural, clock, duration
from evacplan._validate import suggest
from evacplan.contingency import ContingencyPlan
from evacplan.errors import Problem, ScenarioError

__all__ = ["FIELDS", "compare", "snapshot"]


FIELDS = {
    "status": "the plan's status",
    "egress_minute": "when the last person is safe",
    "stages": "each stage's minute, tripwires, postures and retained staff",
    "last_out": "each post's last-out checks",
    "state": "each party's fate (safe, retained, standing_down, stranded)",
    "place": "where each party ends",
    "minute": "when each party arrives (or is released, or the last stage)",
    "route": "the places each party passes",
    "stage": "the stage that sends each party away",
}
"""What a snapshot holds, by the names ``ignore`` takes."""

_PARTY = ("people", "state", "place", "minute", "route", "stage")


def snapshot(plan: ContingencyPlan, ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The plan as plain data: its figures, stages, and every party's fate and route.

    ``ignore`` leaves out some of :data:`FIELDS` (e.g. ``["minute"]`` to
    keep routes and fates but not arrival times; ``arrivals``, ``routes`` and
    plurals like them are read as the part they name).

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> data = snapshot(plan(load_scenario(seed_path("tiny"))))
    >>> data["egress_minute"], data["parties"]["cap-02"]
    (1665, {'people': 3, 'state': 'safe', 'place': 'haven', 'minute': 1665, 'route': ['residence', 'embassy', 'border', 'haven'], 'stage': 0})
    """
    skip = _ignored(ignore)  # checked before the plan is read
    stage_of = {p.id: s.index for s in plan.stages for p in s.parties}
    routes = {
        pid: [s.place for s in m.itinerary] for m in plan.evacuation.movements for pid in m.parties
    }
    parties: dict[str, dict[str, Any]] = {}
    for r in plan.accounting():
        key = r.party or r.person
        if key in parties:
            parties[key]["people"] += 1
            continue
        route = list(r.route) if r.state == "retained" else routes.get(key, [])
        parties[key] = {
            "people": 1,
            "state": r.state,
            "place": r.place,
            "minute": _number(r.minute),
            "route": route,
            "stage": stage_of.get(key),
        }
    data: dict[str, Any] = {
        "scenario": plan.scenario.name,
        "status": str(plan.status),
        "egress_minute": _number(plan.evacuation.egress_minutes),
        "stages": [
            {
                "minute": _number(s.minute),
                "fired": list(s.fired),
                "postures": {post: str(p) for post, p in s.postures.items()},
                "retained": {post: list(ids) for post, ids in s.retained.items()},
            }
            for s in plan.stages
        ],
        "last_out": {
            post: [{"minute": c.minute, "ok": c.ok, "minutes": c.minutes} for c in checks]
            for post, checks in plan.last_out.items()
        },
        "parties": dict(sorted(parties.items())),
    }
    return _without(data, skip)


def _without(data: Mapping[str, Any], ignore: Iterable[str]) -> dict[str, Any]:
    """A snapshot without the :data:`FIELDS` named in ``ignore`` (checked)."""
    skip = _ignored(ignore)
    out = {k: v for k, v in data.items() if k not in skip}
    if isinstance(out.get("parties"), Mapping):
        out["parties"] = {
            key: {k: v for k, v in entry.items() if k not in skip}
            if isinstance(entry, Mapping)
            else entry
            for key, entry in out["parties"].items()
        }
    return out


_ALIASES = {
    "arrival": "minute",
    "arrivals": "minute",
    "minutes": "minute",
    "routes": "route",
    "states": "state",
    "places": "place",
    "egress": "egress_minute",
    "egress_minutes": "egress_minute",
}
"""Other words for the parts of a snapshot that ``ignore`` takes."""


def _ignored(ignore: Iterable[str]) -> set[str]:
    names = [ignore] if isinstance(ignore, str) else list(ignore)
    names = [_ALIASES.get(n, n) if isinstance(n, str) else n for n in names]
    problems = [
        Problem(
            f"ignore[{i}]",
            f"{name!r} is not part of a plan snapshot{suggest(name, FIELDS)} "
            f"(its parts: {', '.join(FIELDS)})",
        )
        for i, name in enumerate(names)
        if name not in FIELDS
    ]
    if problems:
        raise ScenarioError(problems, source="invalid arguments to snapshot()")
    return set(names)


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def compare(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    limit: int = 40,
    start: datetime | None = None,
) -> list[str]:
    """What changed from ``old`` to ``new`` (two :func:`snapshot` dicts), one line each.

    Nothing changed: an empty list. Past ``limit`` lines, the rest are counted.
    With the scenario's ``start``, times are clock times (else minutes from the start, as a
    snapshot holds them).

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.testing import with_closure
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> before = snapshot(plan(tiny))
    >>> after = snapshot(plan(with_closure(tiny, "residence-embassy", at=0)))
    >>> for line in compare(before, after, start=tiny.start):
    ...     print(line)
    last person safe: Sat 4 Jan 09:45 +00:00 -> Sat 4 Jan 09:30 +00:00 (15 min sooner)
    cap-01/dependants (1 person): safe at haven -> stranded at residence
    cap-02 (and 2 dependants): safe at haven -> stranded at residence
    cap-04 (and 3 dependants): safe at haven -> stranded at residence
    """

    def at(value: Any) -> str:
        if value is None:
            return "nobody moves"
        return clock(start, value) if start is not None else f"minute {value}"

    lines: list[str] = []
    for key, words in (("scenario", "scenario"), ("status", "status")):
        if key in old and key in new and old[key] != new[key]:
            lines.append(f"{words}: {old[key]} -> {new[key]}")
    if "egress_minute" in old and "egress_minute" in new:
        a, b = old["egress_minute"], new["egress_minute"]
        if a != b:
            lines.append(f"last person safe: {at(a)} -> {at(b)}{_delta(a, b)}")
    lines += _stages(old.get("stages"), new.get("stages"), at)
    lines += _last_out(old.get("last_out"), new.get("last_out"), at)
    lines += _parties(old.get("parties", {}), new.get("parties", {}), at)
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more changes"]
    return lines


def _delta(a: Any, b: Any) -> str:
    """`` (15 min sooner)``, `` (2 h 30 later)``."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a != b:
        return f" ({duration(abs(b - a))} {'later' if b > a else 'sooner'})"
    return ""


def _stages(old: Any, new: Any, at: Callable[[Any], str]) -> list[str]:
    if old is None or new is None or old == new:
        return []
    lines = []
    if len(old) != len(new):
        lines.append(f"stages: {len(old)} -> {len(new)}")
    for i, (a, b) in enumerate(zip(old, new, strict=False)):
        where = f"stage {i} ({at(b['minute'])})"
        if a["minute"] != b["minute"]:
            lines.append(f"stage {i}: {at(a['minute'])} -> {at(b['minute'])}")
        for post in sorted(set(a["postures"]) | set(b["postures"])):
            pa, pb = a["postures"].get(post), b["postures"].get(post)
            if pa != pb:
                lines.append(f"{where}: {post} {pa} -> {pb}")
        for post in sorted(set(a["retained"]) | set(b["retained"])):
            ra, rb = set(a["retained"].get(post, [])), set(b["retained"].get(post, []))
            if ra != rb:
                change = [f"+{x}" for x in sorted(rb - ra)] + [f"-{x}" for x in sorted(ra - rb)]
                lines.append(
                    f"{where}: {post} retains {len(ra)} -> {len(rb)} ({', '.join(change)})"
                )
    return lines


def _last_out(old: Any, new: Any, at: Callable[[Any], str]) -> list[str]:
    if old is None or new is None or old == new:
        return []
    lines = []
    for post in sorted(set(old) | set(new)):
        a = {c["minute"]: c for c in old.get(post, [])}
        b = {c["minute"]: c for c in new.get(post, [])}
        for minute in sorted(set(a) | set(b)):
            ca, cb = a.get(minute), b.get(minute)
            if ca is None or cb is None:
                lines.append(
                    f"last-out {post} at {at(minute)}: "
                    + ("new check" if ca is None else "no longer checked")
                    + ("" if cb is None else (": ok" if cb["ok"] else ": BREACH"))
                )
            elif ca["ok"] != cb["ok"]:
                lines.append(
                    f"last-out {post} at {at(minute)}: "
                    + ("ok -> BREACH" if ca["ok"] else "BREACH -> ok")
                )
            elif ca["minutes"] != cb["minutes"]:
                lines.append(
                    f"last-out {post} at {at(minute)}: out in {_span(ca['minutes'])} -> "
                    f"{_span(cb['minutes'])}"
                )
    return lines


def _span(minutes: Any) -> str:
    return "no way out" if minutes is None else duration(minutes)


def _parties(old: Mapping[str, Any], new: Mapping[str, Any], at: Callable[[Any], str]) -> list[str]:
    lines = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if a is None or b is None:
            gone = b is None
            entry: Mapping[str, Any] = a if gone else b  # type: ignore[assignment]
            lines.append(
                f"{key}: {'no longer in the plan' if gone else 'new in the plan'} ({_fate(entry)})"
            )
            continue
        who = _party(key, b.get("people", 1))
        who += f" ({b['state']})" if b.get("state") == "retained" else ""
        parts = []
        if a.get("state") != b.get("state") or a.get("place") != b.get("place"):
            parts.append(f"{_fate(a)} -> {_fate(b)}")
        moving = b.get("state") in ("safe", "retained")
        if a.get("route") != b.get("route") and "route" in a and "route" in b and moving:
            parts.append(f"route {_route(a)} became {_route(b)}")
        if a.get("minute") != b.get("minute") and a.get("state") == b.get("state") == "safe":
            parts.append(
                f"arrives {at(a['minute'])} -> {at(b['minute'])}{_delta(a['minute'], b['minute'])}"
            )
        if a.get("stage") != b.get("stage"):
            parts.append(f"sent away: {_stage(a.get('stage'))} -> {_stage(b.get('stage'))}")
        if a.get("people") != b.get("people"):
            parts.append(f"people {a.get('people')} -> {b.get('people')}")
        if parts:
            lines.append(f"{who}: {'; '.join(parts)}")
    return lines


def _party(party: str, people: int) -> str:
    """A party in words: ``cap-02 (and 2 dependants)``, ``cap-01/dependants (1 person)``,
    ``nationals/3 (4 people)`` (a group's party: its id has a slash)."""
    if "/" in party:  # a staff member's dependants, or a group's party
        return f"{party} ({_plural(people, 'person', 'people')})"
    return party if people <= 1 else f"{party} (and {_plural(people - 1, 'dependant')})"


def _stage(index: Any) -> str:
    return "never" if index is None else f"at stage {index}"


def _route(entry: Mapping[str, Any]) -> str:
    return " -> ".join(entry["route"]) or (
        "no way out" if entry.get("state") == "retained" else "none"
    )


def _fate(entry: Mapping[str, Any]) -> str:
    state = str(entry.get("state", "?")).replace("_", " ")
    place = entry.get("place")
    return f"{state} at {place}" if place else state
