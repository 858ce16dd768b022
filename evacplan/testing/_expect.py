"""Expectations of a contingency plan, as results: ``expect_*`` returns an :class:`Expectation`.

Each reads a :class:`~evacplan.contingency.ContingencyPlan`'s public
records (the accounting, stages, last-out checks, movements, ``verify()``)
and says whether a planner's expectation holds, who or what breaks it, and
why in words. The ``assert_*`` functions of :mod:`evacplan.testing` raise
that message; notebooks and reports tabulate the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evacplan._time import _plural, parse_when
from evacplan._validate import suggest
from evacplan.contingency import ContingencyPlan, plan
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Posture, Scenario
from evacplan.testing._edits import _check_staff, with_closure
from evacplan.testing._snapshot import _party

__all__ = [
    "Expectation",
    "expect_all_safe",
    "expect_departs",
    "expect_open",
    "expect_parties_whole",
    "expect_retained",
    "expect_survives",
    "expect_verified",
]


@dataclass(frozen=True)
class Expectation:
    """Whether an expectation of a plan holds, and if not, what breaks it."""

    name: str
    """What was expected, e.g. ``all_safe(within=1440)``."""
    passed: bool
    message: str
    """In words: what holds, or everyone and everything that breaks it."""
    offenders: tuple[str, ...] = ()
    """The people, parties, posts or rules that break it."""
    details: tuple[dict[str, Any], ...] = field(default=())
    """One JSON-friendly dict per offender (where, minute, how late, route, ...)."""

    def __bool__(self) -> bool:
        return self.passed

    def row(self) -> dict[str, Any]:
        """The result as a dict, for a table."""
        return {
            "expectation": self.name,
            "passed": self.passed,
            "offenders": ", ".join(self.offenders),
            "message": self.message,
        }


def _minutes(value: Any, name: str, *, span: bool, plan: ContingencyPlan) -> float:
    """A time argument as minutes: a span (``within``) or a moment from the start (``by``)."""
    try:
        when = parse_when(value)
        if not span:
            return plan.scenario.minute(when)
        if not isinstance(when, (int, float)):
            raise ValueError(f"{value!r} is a moment, not a duration: use {name}=24h or minutes")
        return float(when)
    except ValueError as error:
        raise ScenarioError([Problem(name, str(error))], source="invalid expectation") from None


def expect_all_safe(plan: ContingencyPlan, within: Any = None, by: Any = None) -> Expectation:
    """Everyone sent away is safe: in time ``within`` the order that sent them, or ``by`` a time.

    ``within`` counts from the minute of the stage that sent each party away
    (``"24h"``, minutes); ``by`` from the scenario's start (minutes, a
    duration or a datetime). Retained staff and people standing down at
    home are not expected to move. Anyone stranded, or safe too late, is
    named with where they are, their route and how late they are.

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> cp = plan(load_scenario(seed_path("tiny")))
    >>> bool(expect_all_safe(cp, within="4h")), bool(expect_all_safe(cp, within="2h"))
    (True, False)
    >>> print(expect_all_safe(cp, within="2h").message.splitlines()[1])  # doctest: +NORMALIZE_WHITESPACE
    cap-01/dependants: safe at haven at minute 1660 (Sat 4 Jan 09:40 +00:00), 3.67 h after
    the order at minute 1440, 1.67 h late; route residence -> embassy -> border -> haven
    """
    span = None if within is None else _minutes(within, "within", span=True, plan=plan)
    moment = None if by is None else _minutes(by, "by", span=False, plan=plan)
    ordered = {p.id: stage.minute for stage in plan.stages for p in stage.parties}
    moved = {pid: m for m in plan.evacuation.movements for pid in m.parties}
    rows: dict[str, list[Any]] = {}
    for r in plan.accounting():
        if r.state in ("safe", "stranded") and r.party is not None:
            rows.setdefault(r.party, []).append(r)
    clock = plan.scenario.clock
    bad: list[tuple[str, dict[str, Any], str]] = []
    for party, people in rows.items():
        first = people[0]
        who = party if len(people) <= 1 else _party(party, len(people))
        if first.state == "stranded":
            words = f"{who}: STRANDED at {first.place}: {first.reason}"
            bad.append(
                (
                    party,
                    {
                        "party": party,
                        "people": len(people),
                        "state": "stranded",
                        "place": first.place,
                        "reason": first.reason,
                    },
                    words,
                )
            )
            continue
        arrive = float(first.minute or 0)
        order = ordered.get(party, 0.0)
        late = max(
            arrive - order - span if span is not None else float("-inf"),
            arrive - moment if moment is not None else float("-inf"),
        )
        if late > 0:
            m = moved.get(party)
            route = " -> ".join(s.place for s in m.itinerary) if m is not None else first.place
            words = (
                f"{who}: safe at {first.place} at minute {arrive:g} ({clock(arrive)}), "
                f"{_hours(arrive - order)} after the order at minute {order:g}, "
                f"{_hours(late)} late; route {route}"
            )
            bad.append(
                (
                    party,
                    {
                        "party": party,
                        "people": len(people),
                        "state": "late",
                        "place": first.place,
                        "minute": arrive,
                        "ordered": order,
                        "late_minutes": late,
                        "route": route,
                    },
                    words,
                )
            )
    limit = (
        " and ".join(
            x
            for x in (
                f"within {_hours(span)} of their order" if span is not None else "",
                f"by minute {moment:g} ({clock(moment)})" if moment is not None else "",
            )
            if x
        )
        or "at all"
    )
    name = (
        "all_safe("
        + ", ".join(f"{k}={_arg(v)}" for k, v in (("within", within), ("by", by)) if v is not None)
        + ")"
    )
    total = sum(len(p) for p in rows.values())
    if not bad:
        return Expectation(
            name, True, f"all {_plural(total, 'person', 'people')} sent away are safe {limit}"
        )
    people = sum(d["people"] for _, d, _ in bad)
    head = f"{_plural(people, 'person', 'people')} of {total} sent away are not safe {limit}:"
    return Expectation(
        name,
        False,
        "\n".join([head, *(w for _, _, w in bad)]),
        tuple(p for p, _, _ in bad),
        tuple(d for _, d, _ in bad),
    )


def _arg(value: Any) -> str:
    """A time argument as the caller wrote it; a datetime in ISO 8601, as in files."""
    return repr(value.isoformat() if isinstance(value, datetime) else value)


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.3g} h" if minutes >= 60 else f"{minutes:g} min"


def expect_open(plan: ContingencyPlan, post: str, posture: str | None = None) -> Expectation:
    """The post is still open at the end of the plan (at ``posture``, when given), and holds it:
    its last-out checks all pass."""
    known = {p.id for p in plan.scenario.posts}
    if post not in known:
        raise ScenarioError(
            [Problem("post", f"{post!r} is not a post{suggest(post, known)}")],
            source="invalid arguments to expect_open()",
        )
    final = (
        plan.stages[-1].postures[post] if plan.stages else plan.scenario.post_by_id[post].posture
    )
    name = f"open({post!r}" + (f", posture={posture!r})" if posture else ")")
    problems = []
    if final >= Posture.SUSPENDED:
        problems.append(f"{post} is suspended (closed) by the end of the plan")
    elif posture is not None and str(final) != posture:
        problems.append(f"{post} ends at {final}, not {posture}")
    stage = next(
        (
            s
            for s in plan.stages
            if post in s.raised
            and s.drawdown is not None
            and s.drawdown.post_status[post] == "infeasible"
        ),
        None,
    )
    if stage is not None:
        problems.append(
            f"{post} cannot hold {stage.postures[post]} at stage {stage.index} "
            f"(minute {stage.minute:g}): see that stage's drawdown conflicts"
        )
    problems += [
        f"last-out breach at minute {c.minute}: {c.cause}"
        for c in plan.last_out.get(post, [])
        if not c.ok
    ]
    if not problems:
        checks = plan.last_out.get(post, [])
        kept = (
            plan.stages[-1].retained.get(post, [])
            if plan.stages
            else [m.id for m in plan.scenario.staff_by_post.get(post, [])]  # nobody drawn down
        )
        return Expectation(
            name,
            True,
            f"{post} stays open at {final} with {_plural(len(kept), 'person', 'people')}"
            f" ({', '.join(kept)}); "
            + (
                "its last-out check passes"
                if len(checks) == 1
                else f"its {len(checks)} last-out checks pass"
                if checks
                else "no last-out check was made (no stage drew it down)"
            ),
        )
    return Expectation(name, False, "\n".join(problems), (post,))


def expect_retained(plan: ContingencyPlan, *staff_ids: str) -> Expectation:
    """These staff are retained at the end of the plan (they stay at their post)."""
    _check_staff(plan.scenario, staff_ids, "expect_retained")
    states = {r.person: r for r in plan.accounting()}
    bad = [(sid, states[sid]) for sid in staff_ids if states[sid].state != "retained"]
    name = f"retained({', '.join(map(repr, staff_ids))})"
    if not bad:
        verb = "stays" if len(staff_ids) == 1 else "stay"
        return Expectation(name, True, f"{', '.join(staff_ids)} {verb} at their post")
    lines = [
        f"{sid} is not retained: {r.state} at {r.place}"
        + (f" (minute {r.minute:g})" if r.minute is not None else "")
        + (f": {r.reason}" if r.reason else "")
        for sid, r in bad
    ]
    head = f"{len(bad)} of {len(staff_ids)} not retained:"
    return Expectation(name, False, "\n".join([head, *lines]), tuple(s for s, _ in bad))


def expect_departs(plan: ContingencyPlan, *staff_ids: str, by: Any = None) -> Expectation:
    """These staff leave and are safe (``by`` a time from the start, when given)."""
    _check_staff(plan.scenario, staff_ids, "expect_departs")
    moment = None if by is None else _minutes(by, "by", span=False, plan=plan)
    states = {r.person: r for r in plan.accounting()}
    lines, bad = [], []
    for sid in staff_ids:
        r = states[sid]
        if r.state != "safe":
            lines.append(
                f"{sid} does not leave: {r.state} at {r.place}"
                + (f": {r.reason}" if r.reason else "")
            )
            bad.append(sid)
        elif moment is not None and r.minute is not None and r.minute > moment:
            lines.append(
                f"{sid} is safe at {r.place} only at minute {r.minute:g} "
                f"({plan.scenario.clock(r.minute)}), {_hours(r.minute - moment)} after minute {moment:g}"
            )
            bad.append(sid)
    name = f"departs({', '.join(map(repr, staff_ids))}" + (
        f", by={_arg(by)})" if by is not None else ")"
    )
    if not bad:
        return Expectation(
            name,
            True,
            f"{', '.join(staff_ids)} leave and are safe"
            + (f" by minute {moment:g}" if moment is not None else ""),
        )
    head = f"{len(bad)} of {len(staff_ids)} not safe" + (
        f" by minute {moment:g}:" if moment is not None else ":"
    )
    return Expectation(name, False, "\n".join([head, *lines]), tuple(bad))


def expect_parties_whole(plan: ContingencyPlan) -> Expectation:
    """Every party that moves travels in one movement (a staff member with their dependants)."""
    seen: dict[str, int] = {}
    for m in plan.evacuation.movements:
        for pid in m.parties:
            seen[pid] = seen.get(pid, 0) + 1
    split = sorted(p for p, n in seen.items() if n > 1)
    if not split:
        return Expectation(
            "parties_whole()", True, f"all {_plural(len(seen), 'party', 'parties')} travel whole"
        )
    return Expectation(
        "parties_whole()", False, "split across movements: " + ", ".join(split), tuple(split)
    )


def expect_verified(plan: ContingencyPlan) -> Expectation:
    """``plan.verify()`` finds nothing wrong (every problem listed otherwise)."""
    found = plan.verify()
    if not found:
        return Expectation("verified()", True, "verify() finds nothing wrong")
    return Expectation(
        "verified()",
        False,
        "\n".join(str(v) for v in found),
        tuple(sorted({v.rule for v in found})),
    )


def expect_survives(
    scenario: Scenario,
    close: Any,
    at: Any = 0,
    within: Any = None,
    *,
    until: Any = None,
    **options: Any,
) -> Expectation:
    """The plan survives closing ``close`` from ``at`` (until ``until``, else for good): nobody
    stranded, no post lost, and (with ``within``) everyone sent away safe within that span of
    their order.

    The scenario is planned again with the closure (:func:`~evacplan.testing.with_closure`
    and :func:`evacplan.plan`, with ``options``); the message says what the closure breaks.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> bool(expect_survives(tiny, close=["airport"], at="30h"))
    True
    >>> print(expect_survives(tiny, close=["crossing"], at="30h").message)
    closing crossing from minute 1800 breaks the plan:
    capital: last-out breach at minute 1800: no way out for 2 from capital; closed then: closure; threats in force: road-risk
    """
    ids = [close] if isinstance(close, str) else list(close)
    changed = with_closure(scenario, *ids, at=at, until=until)
    cp = plan(changed, **options)
    closure = changed.threats[-1]
    what = f"closing {', '.join(ids)} from minute {changed.minute(closure.at):g}" + (
        f" to minute {changed.minute(closure.until):g}" if closure.until is not None else ""
    )
    name = (
        f"survives(close={ids!r}, at={_arg(at)}"
        + (f", until={_arg(until)}" if until is not None else "")
        + (f", within={_arg(within)})" if within is not None else ")")
    )
    lines, offenders = [], []
    for post in (p.id for p in scenario.posts):
        held = expect_open(cp, post)
        if not held.passed and any(c for c in cp.last_out.get(post, []) if not c.ok):
            lines += [f"{post}: {line}" for line in held.message.splitlines()]
            offenders.append(post)
    safe = expect_all_safe(cp, within=within)
    if not safe.passed:
        lines += safe.message.splitlines()
        offenders += list(safe.offenders)
    if not lines:
        return Expectation(name, True, f"{what}: everyone still gets out and every post holds")
    return Expectation(
        name, False, "\n".join([f"{what} breaks the plan:", *lines]), tuple(offenders)
    )
