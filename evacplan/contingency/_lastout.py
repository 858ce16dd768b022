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

from collections.abc import Callable
from functools import cache

from evacplan._time import duration
from evacplan.contingency.records import LastOut, Stage
from evacplan.models import Posture, Scenario, ThreatEvent
from evacplan.network import _touches, arcs
from evacplan.routing import EvacuationPlan, Extractor


def _last_out(
    scenario: Scenario, stages: list[Stage], schedule: EvacuationPlan
) -> dict[str, list[LastOut]]:
    """Per post, its last-out checks in time order."""
    limit = float(scenario.policy.last_out_minutes)
    touched = {t.id: _touched(scenario, t) for t in scenario.planned_threats}
    timed = sorted(
        ((scenario.minute(t.at), t) for t in scenario.planned_threats if t.closes or t.risk),
        key=lambda pair: pair[0],
    )
    out: dict[str, list[LastOut]] = {p.id: [] for p in scenario.posts}
    ways = Extractor(scenario, step_minutes=schedule.step_minutes, busy=schedule)
    # The same ways on empty roads, for a breach's cause (made on the first breach).
    bare = cache(lambda: Extractor(scenario, step_minutes=schedule.step_minutes))

    for i, stage in enumerate(stages):
        until = stages[i + 1].minute if i + 1 < len(stages) else float("inf")
        for post, people in stage.retained.items():
            if not people or stage.postures[post] >= Posture.SUSPENDED:
                continue
            check = _check(scenario, ways, bare, limit, post, len(people), stage.minute, "stage")
            out[post].append(check)
            for at, threat in timed:
                if stage.minute < at < until and touched[threat.id] & set(check.links):
                    trigger = f"threat {threat.id}"
                    check = _check(scenario, ways, bare, limit, post, len(people), at, trigger)
                    out[post].append(check)
    return out


def _check(
    scenario: Scenario,
    ways: Extractor,
    bare: Callable[[], Extractor],
    limit: float,
    post: str,
    people: int,
    minute: float,
    trigger: str,
) -> LastOut:
    """The post's way out leaving at ``minute``, judged against ``limit`` (a breach's cause).

    ``ways`` finds it through the room the joint schedule leaves; on a breach, ``bare()``
    finds it on empty roads, and if that is in time the cause says the plan's own traffic
    holds the staff back (the seats and roads they need are given to people leaving).
    """
    place = scenario.post_by_id[post].place
    way = ways(place, people, minute)
    ok = way.minutes is not None and way.minutes <= limit
    cause = "" if ok else _cause(scenario, post, people, way.minute, way.minutes, limit)
    if not ok:
        free = bare()(place, people, minute)
        if free.minutes is not None and free.minutes <= limit:
            cause += (
                f"; on empty roads they would be out in {duration(free.minutes)} (via "
                f"{' -> '.join(stop.place for stop in free.itinerary[1:])}): the evacuation's own traffic takes that "
                "room"
            )
    return LastOut(
        post,
        way.minute,
        people,
        way.minutes,
        tuple(way.itinerary),
        tuple(way.links),
        ok,
        cause,
        trigger,
        scenario.clock(way.minute),
        scenario.network.route_words(None, way.itinerary, way.links, times=False)
        if scenario.network.junctions
        else "",
    )


def _cause(
    scenario: Scenario, post: str, people: int, minute: int, minutes: int | None, limit: float
) -> str:
    """Why a last-out check fails: too slow or impossible, with the threats in force then."""
    now = [
        t
        for t in scenario.planned_threats
        if scenario.minute(t.at) <= minute
        and (t.until is None or scenario.minute(t.until) > minute)
    ]
    closing = [t.id for t in now if t.closes]
    risky = [t.id for t in now if t.risk and not t.closes]
    words = (
        f"no way out for {people} from {post}"
        if minutes is None
        else f"{duration(minutes)} to safety, over the {duration(limit)} limit"
    )
    if closing:
        words += f"; closed then: {', '.join(closing)}"
    if risky:
        words += f"; threats in force: {', '.join(risky)}"
    return words


def _touched(scenario: Scenario, threat: ThreatEvent) -> set[str]:
    """The keys of the links a threat touches (by id, an end place, or an end's region)."""
    region = {p.id: p.region for p in scenario.places}
    return {arc.key for arc in arcs(scenario) if _touches(threat, scenario.links[arc.link], region)}
