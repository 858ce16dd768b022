"""Where every person of the scenario ends: one row each, staff, every dependant, every
person of a group (``<group>/<k>/<j>``: person j of the group's party k); and from
those rows, who is left behind (``_left_behind``) and who cannot be reached, in words
(``_unreached``).

Reads the stages' released parties and the joint schedule's movements,
stranded people and standing-down parties; anyone never released stays at
their post (a staff member retained, or a dependant with them). A party
``X`` carries staff member X and, unless their dependants left earlier as
``X/dependants``, the dependants too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evacplan._time import _plural
from evacplan.contingency.records import LastOut, LeftBehind, PersonState, Stage
from evacplan.models import Scenario
from evacplan.results import Party
from evacplan.routing import EvacuationPlan


def _accounting(
    scenario: Scenario,
    stages: list[Stage],
    schedule: EvacuationPlan,
    last_out: Mapping[str, list[LastOut]] | None = None,
) -> list[PersonState]:
    """One :class:`PersonState` per person, in the scenario's staff order.

    Retained staff carry their post's latest last-out route (from ``last_out``).
    """
    routes = {
        post: tuple(s.place for s in checks[-1].itinerary)
        for post, checks in (last_out or {}).items()
        if checks
    }
    released: dict[str, Party] = {p.id: p for stage in stages for p in stage.parties}
    arrived = {
        pid: (m.arrival_minute, m.destination) for m in schedule.movements for pid in m.parties
    }
    stranded = {pid: (s.place, s.reason) for s in schedule.stranded for pid in s.parties}
    home = set(schedule.standing_down)
    last = stages[-1].minute if stages else 0.0
    posts = {p.id: p for p in scenario.posts}
    rows: list[PersonState] = []

    def fate(person: str, party: Party, member_post: str | None) -> PersonState:
        if party.id in home:
            return PersonState(
                person,
                "standing_down",
                party.release_minute,
                party.location,
                "stands down at home (does not relocate)",
                party.id,
                member_post,
            )
        if party.id in stranded:
            place, reason = stranded[party.id]
            return PersonState(
                person, "stranded", party.release_minute, place, reason, party.id, member_post
            )
        if party.id in arrived:
            minute, place = arrived[party.id]
            return PersonState(person, "safe", minute, place, "", party.id, member_post)
        return PersonState(
            person,
            "stranded",
            party.release_minute,
            party.location,
            "released but neither moved nor stranded by the schedule",
            party.id,
            member_post,
        )

    for member in scenario.staff:
        own = released.get(member.id)
        theirs = released.get(f"{member.id}/dependants")
        post_place = posts[member.post].place if member.post in posts else member.location
        if own is None:
            route = routes.get(member.post, ())
            rows.append(
                PersonState(member.id, "retained", last, post_place, "", None, member.post, route)
            )
        else:
            rows.append(fate(member.id, own, member.post))
        for n in range(1, member.dependants + 1):
            person = f"{member.id}/dependant-{n}"
            carrier = (
                theirs if theirs is not None else own if own is not None and own.size > 1 else None
            )
            if carrier is None:
                rows.append(
                    PersonState(
                        person,
                        "retained",
                        last,
                        member.location,
                        f"stays with {member.id}",
                        None,
                        member.post,
                    )
                )
            else:
                rows.append(fate(person, carrier, member.post))
    for party in scenario.group_parties():
        rows += [fate(f"{party.id}/{j}", party, None) for j in range(1, party.size + 1)]
    return rows


def _left_behind(scenario: Scenario, rows: list[PersonState]) -> list[LeftBehind]:
    """:attr:`ContingencyPlan.left_behind`, from the plan's accounting ``rows``."""
    staff = scenario.staff_by_id
    groups = {g.id: g for g in scenario.groups}
    found: dict[tuple[str, str, str, str], list[Any]] = {}
    for row in rows:
        if row.state != "stranded":
            continue
        party = row.party or row.person
        group = groups.get(party.rsplit("/", 1)[0]) if row.post is None else None
        if group is not None:
            key = (group.id, row.place, row.reason, "")
            category, priority = str(group.category), group.priority
        else:
            member = staff.get(row.person)  # a dependant is not a staff member
            category = str(member.category) if member is not None else "dependant"
            key = (party, row.place, row.reason, category)
            priority = 0
        entry = found.setdefault(key, [0, category, priority])
        entry[0] += 1
    records = [
        LeftBehind(key[0], n, category, priority, key[1], key[2])
        for key, (n, category, priority) in found.items()
    ]
    return sorted(records, key=lambda r: (r.priority, r.who, r.place, r.category == "dependant"))


def _unreached(scenario: Scenario, ev: EvacuationPlan) -> list[str]:
    """:meth:`ContingencyPlan.unreached`: each stranded record in words (its reason says clock
    times: the schedule of a scenario writes them so)."""
    staff = scenario.staff_by_id
    sizes = {p.id: p.size for p in ev.parties}
    groups: dict[tuple[str, str, str], int] = {}
    out: list[tuple[int, str]] = []
    for s in ev.stranded:
        reason = s.reason  # in clock times already: the scenario's schedule says them
        for pid in s.parties or [""]:
            base = pid.removesuffix("/dependants")
            if pid and base in staff:
                size = sizes.get(pid, 0)
                who = (
                    f"{base}'s dependants"
                    if pid.endswith("/dependants")
                    else f"{pid} and family"
                    if staff[base].dependants and size != 1
                    else pid
                )
                out.append((size, f"{who}{_people(size)} at {s.place}, {reason}"))
            else:  # a group's parties, or plain counts: summed by group and place
                key = (pid.rsplit("/", 1)[0] if pid else "", s.place, reason)
                groups[key] = groups.get(key, 0) + (sizes.get(pid, 0) if pid else s.count)
    for (group, place, reason), n in groups.items():
        who = f"{group}{_people(n)}" if group else _plural(n, "person", "people")
        out.append((n, f"{who} at {place}, {reason}"))
    return [words for _, words in sorted(out, key=lambda x: -x[0])]


def _people(n: int) -> str:
    return f" ({_plural(n, 'person', 'people')})" if n else ""
