"""Expectations of a contingency plan, as results: ``expect_*`` returns an :class:`Expectation`.

Each reads a :class:`~evacplan.contingency.ContingencyPlan`'s public
records (the accounting, stages, last-out checks, movements, ``verify()``)
and says whether a planner's expectation holds, who or what breaks it, and
why in words. The ``assert_*`` functions of :mod:`evacplan.testing` raise
that message; notebooks and reports tabulate the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evacplan._time import _plural, parse_when
from evacplan._validate import suggest
from evacplan.contingency import ContingencyPlan, plan
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Posture, Scenario
from evacplan.testing._edits import _check_staff, with_closure
from evacplan.testing._unsafe import unsafe, unsafe_lines
from evacplan.testing._words import as_given, clock, read_time, route, since, span, written

__all__ = [
    "Expectation",
    "expect_all_safe",
    "expect_departs",
    "expect_last_out",
    "expect_open",
    "expect_parties_whole",
    "expect_retained",
    "expect_safe",
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

    def text(self, limit: int | None = None, more: str = "") -> str:
        r"""The message in at most ``limit`` lines (all of it when ``None``).

        A long message keeps its first lines and ends ``... and N more``,
        followed by ``more`` (how to see them all, e.g. ``--verbose shows all``).

        Examples
        --------
        >>> e = Expectation("all_safe()", False, "3 are late:\na\nb\nc")
        >>> print(e.text(3, "--verbose shows all"))
        3 are late:
        a
        ... and 2 more; --verbose shows all
        """
        lines = self.message.splitlines() or [""]
        if limit is None or len(lines) <= limit:
            return "\n".join(lines)
        keep = max(limit - 1, 1)
        tail = f"... and {len(lines) - keep} more" + (f"; {more}" if more else "")
        return "\n".join([*lines[:keep], tail])

    def row(self) -> dict[str, Any]:
        """The result as a dict, for a table."""
        return {
            "expectation": self.name,
            "passed": self.passed,
            "offenders": ", ".join(self.offenders),
            "message": self.message,
        }


def expect_all_safe(plan: ContingencyPlan, within: Any = None, by: Any = None) -> Expectation:
    """Everyone sent away is safe: ``within`` a span of their call-forward, or ``by`` a time.

    ``within`` counts from each party's call-forward, its release: a stage's
    departures when the stage's muster time is up, a group when it is called
    forward (``"24h"``, minutes). ``by`` is a moment, counted from the
    scenario's start (minutes, a duration or a datetime). Retained staff and
    people standing down at home are not expected to move. Anyone stranded,
    or safe too late, is named with where they are, their route (each stop's
    time) and how late they are.

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> cp = plan(load_scenario(seed_path("tiny")))
    >>> bool(expect_all_safe(cp, within="3h")), bool(expect_all_safe(cp, within="2h"))
    (True, False)
    >>> print(expect_all_safe(cp, within="2h").message.splitlines()[1])  # doctest: +NORMALIZE_WHITESPACE
    cap-01/dependants: safe at haven Sat 4 Jan 09:40 +00:00, 2 h 40 after their
    call-forward (Sat 4 Jan 07:00 +00:00), 40 min late; route residence Sat 4 Jan 07:00
    -> embassy 07:10 -> border 09:10 -> haven 09:40
    """
    found = unsafe(plan, within, by)
    if not found.bad:
        return Expectation(
            found.name,
            True,
            f"all {_plural(found.total, 'person', 'people')} sent away are safe {found.limit}",
        )
    return Expectation(
        found.name,
        False,
        "\n".join([found.head(found.bad), *unsafe_lines(plan.scenario, found.bad)]),
        tuple(d["party"] for d in found.bad),
        tuple(found.bad),
    )


def _until(plan: ContingencyPlan, until: Any) -> tuple[float, str]:
    """``until`` as a minute and in words: a stage (its index, or the id of a decision point
    that fired it) or a time (minutes, a duration or a datetime)."""
    sc = plan.scenario
    stages = plan.stages
    if isinstance(until, int) and not isinstance(until, bool) and 0 <= until < len(stages):
        stage = stages[until]
        return stage.minute, f"stage {until} ({clock(sc, stage.minute)})"
    fired = {pid: s for s in stages for pid in s.fired}
    if isinstance(until, str) and until in fired:
        stage = fired[until]
        return stage.minute, f"stage {stage.index}, {until} ({clock(sc, stage.minute)})"
    if isinstance(until, int) and not isinstance(until, bool):
        minute = read_time(until, "until", span=False, plan=plan)
        return minute, written(sc, until, minute)
    try:
        minute = sc.minute(parse_when(until))
    except (ValueError, TypeError):
        known = [*map(str, range(len(stages))), *fired]
        raise ScenarioError(
            [
                Problem(
                    "until",
                    f"{until!r} is neither a stage (an index, or a decision point that fired "
                    f"one) nor a time{suggest(str(until), known)}",
                )
            ],
            source="invalid arguments to expect_open()",
        ) from None
    return minute, written(sc, until, minute)


def _posture_at(plan: ContingencyPlan, post: str, minute: float) -> tuple[Posture, int | None]:
    """The post's posture at ``minute`` and the last stage begun by then (None: none yet)."""
    posture, index = plan.scenario.post_by_id[post].posture, None
    for stage in plan.stages:
        if stage.minute <= minute:
            posture, index = stage.postures[post], stage.index
    return posture, index


def expect_open(
    plan: ContingencyPlan, post: str, posture: str | None = None, until: Any = None
) -> Expectation:
    """The post is open and holds: not suspended, at ``posture`` when given, every stage's
    drawdown able to hold it and its last-out checks passing; to the end of the plan, or
    ``until`` a moment (a stage, by its index or a decision point that fired it, or a time).

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario
    >>> cp = plan(load_scenario("tests/contingency/khartoum-2023.yaml"))
    >>> bool(expect_open(cp, "khartoum", "minimal")), bool(expect_open(cp, "khartoum", "minimal", until=2))
    (False, True)
    >>> print(expect_open(cp, "khartoum", "minimal", until=2).message)
    khartoum stays open at minimal until stage 2 (Tue 25 Apr 09:00 +02:00) with 7 people (khr-01, khr-02, khr-05, khr-08, khr-11, khr-12, khr-22); its 2 last-out checks by then pass
    """
    sc = plan.scenario
    known = {p.id for p in sc.posts}
    if post not in known:
        raise ScenarioError(
            [Problem("post", f"{post!r} is not a post{suggest(post, known)}")],
            source="invalid arguments to expect_open()",
        )
    end, when = (float("inf"), "the end of the plan") if until is None else _until(plan, until)
    moment = end if until is None else end - 1e-9  # until a stage: up to its start
    final, index = _posture_at(plan, post, moment)
    name = (
        f"open({post!r}"
        + (f", posture={posture!r}" if posture else "")
        + (f", until={as_given(until)})" if until is not None else ")")
    )
    problems = []
    if final >= Posture.SUSPENDED:
        problems.append(f"{post} is suspended (closed) by {when}")
    elif posture is not None and str(final) != posture:
        problems.append(f"{post} is at {final} by {when}, not {posture}")
    stage = next(
        (
            s
            for s in plan.stages
            if s.minute <= moment
            and post in s.raised
            and s.drawdown is not None
            and s.drawdown.post_status[post] == "infeasible"
        ),
        None,
    )
    if stage is not None:
        problems.append(
            f"{post} cannot hold {stage.postures[post]} at stage {stage.index} "
            f"({clock(sc, stage.minute)}): see that stage's drawdown conflicts"
        )
    checks = [c for c in plan.last_out.get(post, []) if c.minute <= moment]
    problems += [
        f"{post} has a last-out breach at {clock(sc, c.minute)}: {c.cause}"
        for c in checks
        if not c.ok
    ]
    if problems:
        return Expectation(name, False, "\n".join(problems), (post,))
    kept = (
        plan.stages[index].retained.get(post, [])
        if index is not None
        else [m.id for m in sc.staff_by_post.get(post, [])]  # nobody drawn down yet
    )
    return Expectation(
        name,
        True,
        f"{post} stays open at {final}"
        + (f" until {when}" if until is not None else "")
        + f" with {_plural(len(kept), 'person', 'people')} ({', '.join(kept)}); "
        + (
            "its last-out check passes"
            if len(checks) == 1
            else f"its {len(checks)} last-out checks {'by then ' if until is not None else ''}pass"
            if checks
            else "no last-out check was made (no stage drew it down)"
        ),
    )


def expect_retained(plan: ContingencyPlan, *staff_ids: str) -> Expectation:
    """These staff are retained at the end of the plan (they stay at their post)."""
    _check_staff(plan.scenario, staff_ids, "expect_retained")
    sc = plan.scenario
    states = {r.person: r for r in plan.accounting()}
    bad = [(sid, states[sid]) for sid in staff_ids if states[sid].state != "retained"]
    name = f"retained({', '.join(map(repr, staff_ids))})"
    if not bad:
        verb = "stays" if len(staff_ids) == 1 else "stay"
        return Expectation(name, True, f"{', '.join(staff_ids)} {verb} at their post")
    lines = [
        f"{sid} is not retained: {r.state} at {r.place}"
        + (f" ({clock(sc, r.minute)})" if r.minute is not None else "")
        + (f": {r.reason}" if r.reason else "")
        for sid, r in bad
    ]
    head = f"{len(bad)} of {len(staff_ids)} not retained:"
    return Expectation(name, False, "\n".join([head, *lines]), tuple(s for s, _ in bad))


def _journeys(
    plan: ContingencyPlan, staff_ids: tuple[str, ...], where: str
) -> dict[str, tuple[Any, Any, float]]:
    """Each staff member's accounting row, movement (None if they do not move) and release."""
    _check_staff(plan.scenario, staff_ids, where)
    states = {r.person: r for r in plan.accounting()}
    moved = {pid: m for m in plan.evacuation.movements for pid in m.parties}
    released = {p.id: float(p.release_minute) for p in plan.evacuation.parties}
    out = {}
    for sid in staff_ids:
        r = states[sid]
        party = r.party or sid
        out[sid] = (r, moved.get(party), released.get(party, 0.0))
    return out


def _timed(
    plan: ContingencyPlan,
    what: str,
    staff_ids: tuple[str, ...],
    by: Any,
    within: Any,
) -> Expectation:
    """``departs`` (when they leave their first place) or ``safe`` (when they arrive), by a
    moment and within a span of their call-forward."""
    sc = plan.scenario
    leaving = what == "departs"
    moment = None if by is None else read_time(by, "by", span=False, plan=plan)
    limit = None if within is None else read_time(within, "within", span=True, plan=plan)
    lines, bad = [], []
    details: list[dict[str, Any]] = []
    for sid, (r, m, start) in _journeys(plan, staff_ids, f"expect_{what}").items():
        if m is None or r.state not in ("safe", "stranded"):
            lines.append(
                f"{sid} does not leave: {r.state.replace('_', ' ')} at {r.place}"
                + (f": {r.reason}" if r.reason else "")
            )
            bad.append(sid)
            details.append({"staff": sid, "state": r.state, "place": r.place})
            continue
        if r.state == "stranded" and not leaving:
            lines.append(f"{sid} is STRANDED at {r.place}: {r.reason}")
            bad.append(sid)
            details.append(
                {"staff": sid, "state": "stranded", "place": r.place, "reason": r.reason}
            )
            continue
        minute = float(m.departure_minute if leaving else m.arrival_minute)
        verb = f"leaves {m.source}" if leaving else f"is safe at {m.destination}"
        late = max(
            minute - moment if moment is not None else float("-inf"),
            minute - start - limit if limit is not None else float("-inf"),
        )
        if late > 0:
            way = route(sc, m.itinerary)
            lines.append(
                f"{sid} {verb} {clock(sc, minute)}, {since(sc, minute, start)}, "
                f"{span(late)} late; route {way}"
            )
            bad.append(sid)
            details.append(
                {"staff": sid, "state": "late", "minute": minute, "released": start}
                | {"when": clock(sc, minute), "called_forward": clock(sc, start)}
                | {"late_minutes": late, "late": span(late), "route": way}
            )
    bounds = [
        *([f"by {written(sc, by, moment)}"] if moment is not None else []),
        *([f"within {span(limit)} of their call-forward"] if limit is not None else []),
    ]
    args = [f"{k}={as_given(v)}" for k, v in (("by", by), ("within", within)) if v is not None]
    name = f"{what}({', '.join([*map(repr, staff_ids), *args])})"
    when = "".join(f" {b}" for b in bounds)
    if not bad:
        one = len(staff_ids) == 1
        done = ("leaves" if one else "leave") if leaving else ("is safe" if one else "are safe")
        return Expectation(name, True, f"{', '.join(staff_ids)} {done}{when}")
    one = len(bad) == 1
    done = (
        ("does not leave" if one else "do not leave")
        if leaving
        else ("is not safe" if one else "are not safe")
    )
    head = f"{len(bad)} of {len(staff_ids)} {done}{when}:"
    return Expectation(name, False, "\n".join([head, *lines]), tuple(bad), tuple(details))


def expect_departs(
    plan: ContingencyPlan, *staff_ids: str, by: Any = None, within: Any = None
) -> Expectation:
    """These staff leave: they set out from their first place ``by`` a moment (from the
    start) and ``within`` a span of their call-forward, when given.

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> cp = plan(load_scenario(seed_path("tiny")))
    >>> print(expect_departs(cp, "cap-05", by="25h").message)
    cap-05 leaves by 25h after the start (Sat 4 Jan 07:00 +00:00)
    >>> print(expect_departs(cp, "cap-05", by="24h").message)  # doctest: +NORMALIZE_WHITESPACE
    1 of 1 does not leave by 24h after the start (Sat 4 Jan 06:00 +00:00):
    cap-05 leaves embassy Sat 4 Jan 07:00 +00:00, on their call-forward
    (Sat 4 Jan 07:00 +00:00), 1 h late; route embassy Sat 4 Jan 07:00 -> border 09:00
    -> haven 09:30
    """
    return _timed(plan, "departs", staff_ids, by, within)


def expect_safe(
    plan: ContingencyPlan, *staff_ids: str, by: Any = None, within: Any = None
) -> Expectation:
    """These staff leave and are safe ``by`` a moment (from the start) and ``within`` a span
    of their call-forward, when given.

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> cp = plan(load_scenario(seed_path("tiny")))
    >>> bool(expect_safe(cp, "cap-05", within="3h")), bool(expect_safe(cp, "cap-05", by="26h"))
    (True, False)
    """
    return _timed(plan, "safe", staff_ids, by, within)


def expect_last_out(plan: ContingencyPlan, *staff_ids: str) -> Expectation:
    """These staff are among the last out of their post: retained to the end of the plan, or
    leaving with their post's last departures (the last stage that sends any of its staff
    away).

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario
    >>> cp = plan(load_scenario("tests/contingency/khartoum-2023.yaml"))
    >>> bool(expect_last_out(cp, "khr-01")), bool(expect_last_out(cp, "khr-03"))
    (True, False)
    """
    sc = plan.scenario
    _check_staff(sc, staff_ids, "expect_last_out")
    staff = sc.staff_by_id
    leaves = {p.id: stage for stage in plan.stages for p in stage.parties if p.post is not None}
    last: dict[str, Any] = {}
    for pid, stage in leaves.items():
        post = staff[pid.removesuffix("/dependants")].post
        if not pid.endswith("/dependants") and (post not in last or stage.index > last[post].index):
            last[post] = stage
    lines, bad = [], []
    for sid in staff_ids:
        post = staff[sid].post
        mine, final = leaves.get(sid), last.get(post)
        if mine is None or final is None or mine.index == final.index:
            continue
        lines.append(
            f"{sid} leaves {post} at stage {mine.index} ({clock(sc, mine.minute)}), before its "
            f"last departures at stage {final.index} ({clock(sc, final.minute)})"
        )
        bad.append(sid)
    name = f"last_out({', '.join(map(repr, staff_ids))})"
    if not bad:
        return Expectation(name, True, f"{', '.join(staff_ids)} among the last out of their post")
    return Expectation(
        name,
        False,
        "\n".join([f"{len(bad)} of {len(staff_ids)} not among the last out:", *lines]),
        tuple(bad),
    )


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
    baseline: ContingencyPlan | None = None,
    **options: Any,
) -> Expectation:
    """The plan survives closing ``close`` from ``at`` (until ``until``, else for good): it
    strands nobody the plan as written gets out, breaks no post that holds in it (no new
    last-out breach, no posture it can no longer hold), and (with ``within``) everyone sent
    away is safe within that span of their call-forward.

    The scenario is planned again with the closure (:func:`~evacplan.testing.with_closure`
    and :func:`evacplan.plan`, with ``options``) and set beside ``baseline``, the plan as
    written (made here when not given); the message says what the closure breaks.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> bool(expect_survives(tiny, close=["airport"], at="30h"))
    True
    >>> print(expect_survives(tiny, close=["crossing"], at="30h").message)
    closing crossing from 30h after the start (Sat 4 Jan 12:00 +00:00) breaks the plan:
    capital: last-out breach at Sat 4 Jan 12:00 +00:00: no way out for 2 from capital; closed then: crossing-closed; threats in force: road-risk
    """
    ids = [close] if isinstance(close, str) else list(close)
    changed = with_closure(scenario, *ids, at=at, until=until)
    cp = plan(changed, **options)
    base = baseline if baseline is not None else plan(scenario, **options)
    closure = changed.threats[-1]
    what = f"closing {', '.join(ids)} from {written(changed, at, changed.minute(closure.at))}" + (
        f" to {written(changed, until, changed.minute(closure.until))}"
        if closure.until is not None
        else ""
    )
    name = (
        f"survives(close={ids!r}, at={as_given(at)}"
        + (f", until={as_given(until)}" if until is not None else "")
        + (f", within={as_given(within)})" if within is not None else ")")
    )
    lines, offenders = [], []
    for post in (p.id for p in scenario.posts):
        broken = _post_breaks(cp, base, post)
        lines += [f"{post}: {line}" for line in broken]
        offenders += [post] if broken else []
    was_stranded = {r.person for r in base.accounting() if r.state == "stranded"}
    found = unsafe(cp, within, None)
    whose = {r.person: r.party for r in cp.accounting()}
    before = {whose[p] for p in was_stranded if p in whose}
    new = [d for d in found.bad if d["state"] != "stranded" or d["party"] not in before]
    if new:
        already = sum(d["people"] for d in found.bad) - sum(d["people"] for d in new)
        also = f" ({already} more cut off in the plan as written too)" if already else ""
        lines += [found.head(new, also), *unsafe_lines(changed, new)]
        offenders += [d["party"] for d in new]
    if not lines:
        return Expectation(name, True, f"{what}: everyone still gets out and every post holds")
    return Expectation(
        name, False, "\n".join([f"{what} breaks the plan:", *lines]), tuple(offenders)
    )


def _post_breaks(cp: ContingencyPlan, base: ContingencyPlan, post: str) -> list[str]:
    """What ``cp`` breaks at ``post`` that ``base`` does not: a stage's posture it cannot hold,
    a last-out breach where the plan as written has none at that time."""
    sc = cp.scenario
    failed = {
        s.index
        for s in base.stages
        if s.drawdown is not None and s.drawdown.post_status.get(post) == "infeasible"
    }
    out = [
        f"cannot hold {s.postures[post]} at stage {s.index} ({clock(sc, s.minute)}): "
        "see that stage's drawdown conflicts"
        for s in cp.stages
        if s.drawdown is not None
        and s.drawdown.post_status.get(post) == "infeasible"
        and s.index not in failed
    ]
    breached = {c.minute for c in base.last_out.get(post, []) if not c.ok}
    out += [
        f"last-out breach at {clock(sc, c.minute)}: {c.cause}"
        for c in cp.last_out.get(post, [])
        if not c.ok and c.minute not in breached
    ]
    return out
