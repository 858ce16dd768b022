"""Last-out extraction at every stage: can each open post's retained staff still get out?

For each stage and each post still open, the retained staff leave the post's
place at the stage's minute, as one party, with the capacity the joint
schedule leaves free (:func:`evacplan.routing.extraction`); the check is
repeated at every later threat event (before the next stage) that closes or
raises the risk of a link on the way out found. A way out longer than
``policy.last_out_minutes``, or none at all, is a breach, reported with its
cause: the closures and threats in force then. Nothing is "fixed".
"""

from __future__ import annotations

from evacplan.contingency.records import LastOut, Stage
from evacplan.models import Posture, Scenario, ThreatEvent
from evacplan.network import arcs
from evacplan.routing import EvacuationPlan, Extractor


def _last_out(
    scenario: Scenario, stages: list[Stage], schedule: EvacuationPlan
) -> dict[str, list[LastOut]]:
    """Per post, its last-out checks in time order."""
    limit = float(scenario.policy.last_out_minutes)
    places = {p.id: p.place for p in scenario.posts}
    touched = {t.id: _touched(scenario, t) for t in scenario.threats}
    out: dict[str, list[LastOut]] = {p.id: [] for p in scenario.posts}
    ways = Extractor(scenario, step_minutes=schedule.step_minutes, busy=schedule)
    for i, stage in enumerate(stages):
        until = stages[i + 1].minute if i + 1 < len(stages) else float("inf")
        for post, people in stage.retained.items():
            if not people or stage.postures[post] >= Posture.SUSPENDED:
                continue
            check = _check(ways, post, places[post], len(people), stage.minute)
            out[post].append(_judged(scenario, check, limit, "stage"))
            for threat in sorted(scenario.threats, key=lambda t: scenario.minute(t.at)):
                at = scenario.minute(threat.at)
                if not stage.minute < at < until or not (threat.closes or threat.risk):
                    continue
                if touched[threat.id] & set(check.links):
                    again = _check(ways, post, places[post], len(people), at)
                    out[post].append(_judged(scenario, again, limit, f"threat {threat.id}"))
    return out


def _check(ways: Extractor, post: str, place: str, people: int, minute: float) -> LastOut:
    way = ways(place, people, minute)
    return LastOut(
        post, way.minute, people, way.minutes, tuple(way.itinerary), tuple(way.links), True, ""
    )


def _judged(scenario: Scenario, check: LastOut, limit: float, trigger: str) -> LastOut:
    """The check with its verdict against ``limit`` and, for a breach, its cause."""
    ok = check.minutes is not None and check.minutes <= limit
    cause = "" if ok else _cause(scenario, check, limit)
    return LastOut(
        check.post,
        check.minute,
        check.people,
        check.minutes,
        check.itinerary,
        check.links,
        ok,
        cause,
        trigger,
    )


def _cause(scenario: Scenario, check: LastOut, limit: float) -> str:
    """Why a last-out check fails: too slow or impossible, with the threats in force then."""
    now = [
        t
        for t in scenario.threats
        if scenario.minute(t.at) <= check.minute
        and (t.until is None or scenario.minute(t.until) > check.minute)
    ]
    closing = [t.id for t in now if t.closes]
    risky = [t.id for t in now if t.risk and not t.closes]
    words = (
        f"no way out for {check.people} from {check.post}"
        if check.minutes is None
        else f"{check.minutes} min to safety, over the {limit:g}-minute limit"
    )
    if closing:
        words += f"; closed then: {', '.join(closing)}"
    if risky:
        words += f"; threats in force: {', '.join(risky)}"
    if not closing and check.minutes is None:
        words += "; the evacuation's traffic leaves no room on the ways out"
    return words


def _touched(scenario: Scenario, threat: ThreatEvent) -> set[str]:
    """The keys of the links a threat touches (by id, an end place, or an end's region)."""
    region = {p.id: p.region for p in scenario.places}
    keys = set()
    for arc in arcs(scenario):
        link = scenario.links[arc.link]
        ends = (link.source, link.target)
        if (
            (link.id is not None and link.id in threat.links)
            or any(e in threat.places for e in ends)
            or any(region.get(e) in threat.regions for e in ends if region.get(e))
        ):
            keys.add(arc.key)
    return keys
