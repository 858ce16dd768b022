"""What-if edits of a scenario: pure functions that return a new, fully checked Scenario.

Each takes a :class:`~evacplan.models.Scenario` and returns a changed copy
through :meth:`~evacplan.models.Scenario.replace` (so every rule and
cross-reference is checked again); the original is never touched. Unknown
ids are refused with the nearest valid one, as files are.
"""

from __future__ import annotations

from typing import Any

from evacplan._time import parse_when
from evacplan._validate import suggest
from evacplan.closures._arguments import _fresh_id, _names, _refs
from evacplan.errors import Problem, ScenarioError
from evacplan.models import DecisionPoint, Posture, Scenario, ThreatEvent

__all__ = ["with_closure", "with_indicator", "with_posture", "with_unavailable", "without_threats"]


def _refuse(where: str, problems: list[Problem]) -> None:
    if problems:
        raise ScenarioError(problems, source=f"invalid arguments to {where}()")


def _check_staff(scenario: Scenario, staff_ids: tuple[str, ...], where: str) -> None:
    """Refuse unknown staff ids (with the nearest valid one), or none at all."""
    known = scenario.staff_by_id
    problems = [
        Problem(f"staff_ids[{i}]", f"{sid!r} is not a staff member{suggest(sid, known)}")
        for i, sid in enumerate(staff_ids)
        if sid not in known
    ]
    if not staff_ids:
        problems.append(Problem("staff_ids", "name at least one staff member"))
    _refuse(where, problems)


def with_unavailable(scenario: Scenario, *staff_ids: str) -> Scenario:
    """The scenario with these staff unavailable for duty (ill, away): they cover no function.

    They are flagged ``must_leave`` (and no longer ``must_remain``,
    ``volunteer`` or ``last_out``), so they leave with the first departures
    from their post, and are never counted to hold it open.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> with_unavailable(tiny, "cap-01").staff_by_id["cap-01"].must_leave
    True
    """
    _check_staff(scenario, staff_ids, "with_unavailable")
    off = {"must_leave": True, "must_remain": False, "volunteer": False, "last_out": False}
    staff = [m.model_copy(update=off) if m.id in staff_ids else m for m in scenario.staff]
    return scenario.replace(staff=staff)


def with_closure(scenario: Scenario, *ids: str, at: Any = 0, until: Any = None) -> Scenario:
    """The scenario with links and places closed from ``at`` (until ``until``, else for good).

    ``ids`` are link ids (or ``source->target`` labels of links without one)
    and place ids; a closed place closes every link at it. Times are
    minutes, durations (``"96h"``) or datetimes, as in scenario files.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> closed = with_closure(tiny, "crossing", at="30h")
    >>> closed.threats[-1].links, closed.threats[-1].at, closed.threats[-1].closes
    (('crossing',), 1800, True)
    """
    links, places = _names(scenario.network)
    problems: list[Problem] = []
    link_ids: list[str] = []
    place_ids: list[str] = []
    for i, name in enumerate(ids):
        if name in places:
            place_ids.append(name)
        elif name in links:
            link_ids += _refs(scenario.network, links[name])
        else:
            problems.append(
                Problem(
                    f"ids[{i}]",
                    f"{name!r} is not a link or a place{suggest(name, [*links, *places])}",
                )
            )
    if not ids:
        problems.append(Problem("ids", "name at least one link or place to close"))
    times: dict[str, Any] = {}
    for key, value in (("at", at), ("until", until)):
        if value is None:
            continue
        try:
            times[key] = parse_when(value)
        except ValueError as error:
            problems.append(Problem(key, str(error)))
    _refuse("with_closure", problems)
    stem = "-".join(ids) + "-closed"  # named in messages: "closed then: residence-embassy-closed"
    threat = ThreatEvent(
        id=_fresh_id({t.id for t in scenario.threats}, stem if len(stem) <= 48 else "closure"),
        links=tuple(dict.fromkeys(link_ids)),
        places=tuple(place_ids),
        closes=True,
        description="closed for a what-if test: " + ", ".join(ids),
        **times,
    )
    return scenario.replace(threats=[*scenario.threats, threat])


def with_indicator(scenario: Scenario, point: str, at: Any) -> Scenario:
    """The scenario with an indicator decision point firing at ``at``.

    The point keeps its posture and posts and now fires at a time, as if the
    indicator had been seen then (``plan(indicators=...)`` does the same for
    one call).

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> founding = load_scenario(seed_path("uk-iraq-iran-2020"))
    >>> fired = with_indicator(founding, "tehran-crowds", "36h")
    >>> [p.at for p in fired.decision_points if p.id == "tehran-crowds"]
    [2160]
    """
    watched = {p.id: p for p in scenario.decision_points if p.indicator is not None}
    problems = []
    if point not in watched:
        known = {p.id for p in scenario.decision_points}
        what = (
            "is a decision point with no indicator (it fires on its own time)"
            if point in known
            else "is not a decision point on an indicator" + suggest(point, watched or known)
        )
        problems.append(Problem("point", f"{point!r} {what}"))
    try:
        when = parse_when(at)
    except ValueError as error:
        problems.append(Problem("at", str(error)))
    _refuse("with_indicator", problems)
    points = [
        p.model_copy(update={"at": when, "on_threat": None}) if p.id == point else p
        for p in scenario.decision_points
    ]
    return scenario.replace(decision_points=points)


def with_posture(scenario: Scenario, posts: str | list[str], posture: str, at: Any = 0) -> Scenario:
    """The scenario with ``posts`` moved to ``posture`` at ``at`` (a new decision point).

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> point = with_posture(tiny, "capital", "suspended", at="36h").decision_points[-1]
    >>> point.posts, str(point.posture), point.at
    (('capital',), 'suspended', 2160)
    """
    names = [posts] if isinstance(posts, str) else list(posts)
    known = {p.id for p in scenario.posts}
    problems = [
        Problem(f"posts[{i}]", f"{p!r} is not a post{suggest(p, known)}")
        for i, p in enumerate(names)
        if p not in known
    ]
    if posture not in {str(p) for p in Posture}:
        problems.append(
            Problem(
                "posture",
                f"{posture!r} is not a posture{suggest(posture, [str(p) for p in Posture])}",
            )
        )
    try:
        when = parse_when(at)
    except ValueError as error:
        problems.append(Problem("at", str(error)))
    _refuse("with_posture", problems)
    point = DecisionPoint(
        id=_fresh_id({p.id for p in scenario.decision_points}, f"what-if-{posture}"),
        posture=Posture(posture),
        posts=tuple(names),
        at=when,
        description="a what-if posture change",
    )
    return scenario.replace(decision_points=[*scenario.decision_points, point])


def without_threats(scenario: Scenario, *threat_ids: str) -> Scenario:
    """The scenario with these threats lifted: what if the ceasefire holds?

    The threats are gone with everything they did (closures, risk). A
    decision point that fires only when a lifted threat begins is gone too
    (nothing sets it off); one that also has a time of its own keeps it. The
    scenario's checks that lift them no longer name them.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> [t.id for t in without_threats(tiny, "airport-closes").threats]
    ['road-risk']
    >>> without_threats(tiny, "airport-close")
    Traceback (most recent call last):
    ...
    evacplan.errors.ScenarioError: invalid arguments to without_threats(): 1 problem
      threat_ids[0]: 'airport-close' is not a threat; did you mean 'airport-closes'?
    """
    known = {t.id for t in scenario.threats}
    problems = [
        Problem(f"threat_ids[{i}]", f"{tid!r} is not a threat{suggest(tid, known)}")
        for i, tid in enumerate(threat_ids)
        if tid not in known
    ]
    if not threat_ids:
        problems.append(Problem("threat_ids", "name at least one threat to lift"))
    _refuse("without_threats", problems)
    lifted = set(threat_ids)
    points = []
    for point in scenario.decision_points:
        if point.on_threat in lifted:
            if point.at is None and point.indicator is None:
                continue  # it fires on the lifted threat alone
            point = point.model_copy(update={"on_threat": None})
        points.append(point)
    # A check that lifts the same threats lifts nothing more here.
    checks = [
        c
        if c.what_if is None or not lifted & set(c.what_if.lift)
        else c.model_copy(
            update={
                "what_if": c.what_if.model_copy(
                    update={"lift": tuple(t for t in c.what_if.lift if t not in lifted)}
                )
            }
        )
        for c in scenario.checks
    ]
    return scenario.replace(
        threats=[t for t in scenario.threats if t.id not in lifted],
        decision_points=points,
        checks=checks,
    )
