"""Where every person of the scenario ends: one row each, staff, every dependant, every
person of a group (``<group>/<k>/<j>``: person j of the group's party k).

Reads the stages' released parties and the joint schedule's movements,
stranded people and standing-down parties; anyone never released stays at
their post (a staff member retained, or a dependant with them). A party
``X`` carries staff member X and, unless their dependants left earlier as
``X/dependants``, the dependants too.
"""

from __future__ import annotations

from collections.abc import Mapping

from evacplan.contingency.records import LastOut, PersonState, Stage
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
