"""Who of a plan is not safe in time, and the lines that name them.

:func:`unsafe` finds the parties stranded, or safe later than a span of their
call-forward or a moment; :func:`unsafe_lines` names them, a line for each
party safe too late and one for all stranded at a place for the same reason
(a closed muster point strands a group's fifty parties in one line). Both
``expect_all_safe`` and ``expect_survives`` (which leaves out whom the plan as
written strands already) write their messages with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evacplan._time import _plural
from evacplan.contingency import ContingencyPlan
from evacplan.models import Scenario
from evacplan.testing._snapshot import _party
from evacplan.testing._words import as_given, clock, read_time, route, since, span, written

__all__ = ["Unsafe", "unsafe", "unsafe_lines"]


@dataclass(frozen=True)
class Unsafe:
    """The parties of a plan not safe in time (each a detail row), and the words around them."""

    name: str
    limit: str
    total: int
    bad: list[dict[str, Any]]

    def head(self, bad: list[dict[str, Any]], also: str = "") -> str:
        people = sum(d["people"] for d in bad)
        return (
            f"{_plural(people, 'person', 'people')} of {self.total} sent away "
            f"are not safe {self.limit}{also}:"
        )


def unsafe(plan: ContingencyPlan, within: Any, by: Any) -> Unsafe:
    """Who of ``plan`` is stranded, or safe later than ``within`` their call-forward or ``by``."""
    sc = plan.scenario
    limit_span = None if within is None else read_time(within, "within", span=True, plan=plan)
    moment = None if by is None else read_time(by, "by", span=False, plan=plan)
    released = {p.id: float(p.release_minute) for p in plan.evacuation.parties}
    moved = {pid: m for m in plan.evacuation.movements for pid in m.parties}
    rows: dict[str, list[Any]] = {}
    for r in plan.accounting():
        if r.state in ("safe", "stranded") and r.party is not None:
            rows.setdefault(r.party, []).append(r)
    bad: list[dict[str, Any]] = []
    for party, people in rows.items():
        first = people[0]
        detail = {"party": party, "people": len(people), "place": first.place}
        if first.state == "stranded":
            bad.append(detail | {"state": "stranded", "reason": first.reason})
            continue
        arrive = float(first.minute or 0)
        start = released.get(party, 0.0)
        late = max(
            arrive - start - limit_span if limit_span is not None else float("-inf"),
            arrive - moment if moment is not None else float("-inf"),
        )
        if late > 0:
            m = moved.get(party)
            detail |= {"state": "late", "minute": arrive, "released": start}
            detail |= {"safe_at": clock(sc, arrive), "called_forward": clock(sc, start)}
            detail |= {"late_minutes": late, "late": span(late)}
            detail["route"] = route(sc, m.itinerary) if m is not None else first.place
            bad.append(detail)
    limit = (
        " and ".join(
            x
            for x in (
                f"within {span(limit_span)} of their call-forward"
                if limit_span is not None
                else "",
                f"by {written(sc, by, moment)}" if moment is not None else "",
            )
            if x
        )
        or "at all"
    )
    name = (
        "all_safe("
        + ", ".join(
            f"{k}={as_given(v)}" for k, v in (("within", within), ("by", by)) if v is not None
        )
        + ")"
    )
    return Unsafe(name, limit, sum(len(p) for p in rows.values()), bad)


def unsafe_lines(sc: Scenario, bad: list[dict[str, Any]]) -> list[str]:
    """A line for each party safe too late; one for all stranded at a place for one reason."""
    stranded: dict[tuple[str, str], list[dict[str, Any]]] = {}
    lines: list[str | tuple[str, str]] = []
    for d in bad:
        if d["state"] == "stranded":
            key = (d["place"], d["reason"])
            if key not in stranded:
                lines.append(key)  # the line's place, at its first party
            stranded.setdefault(key, []).append(d)
            continue
        lines.append(
            f"{_who(d)}: safe at {d['place']} {d['safe_at']}, "
            f"{since(sc, d['minute'], d['released'])}, {d['late']} late; route {d['route']}"
        )
    return [
        line
        if isinstance(line, str)
        else f"{_parties(stranded[line])}: STRANDED at {line[0]}: {line[1]}"
        for line in lines
    ]


def _who(row: dict[str, Any]) -> str:
    """A party of an unsafe row: its id, and its size when more than one."""
    return row["party"] if row["people"] <= 1 else _party(row["party"], row["people"])


def _parties(rows: list[dict[str, Any]]) -> str:
    """Parties in words: one as ``_party`` has it; many by their groups, else the first few."""
    if len(rows) == 1:
        return _who(rows[0])
    people = _plural(sum(d["people"] for d in rows), "person", "people")
    groups: dict[str, int] = {}
    for d in rows:
        stem, slash, rest = d["party"].partition("/")
        if slash and rest.isdigit():  # a group's party: nationals-1/12
            groups[stem] = groups.get(stem, 0) + 1
    if sum(groups.values()) == len(rows):
        each = ", ".join(f"{g} ({_plural(n, 'party', 'parties')})" for g, n in groups.items())
        return f"{each}; {people}"
    if len(rows) <= 3:
        return ", ".join(_who(d) for d in rows)
    shown = ", ".join(d["party"] for d in rows[:3])
    more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
    return f"{shown}{more} ({_plural(len(rows), 'party', 'parties')}, {people})"
