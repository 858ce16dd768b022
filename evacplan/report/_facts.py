"""What a report says, as plain records read from a plan's public fields.

The first step of a page (:mod:`evacplan.report`): :func:`contingency_facts`,
:func:`evacuation_facts` and :func:`drawdown_facts` each read one kind of plan
(duck-typed: this module names no class of the solvers', which stand on a
floor above) and return a :class:`Facts`: the headline, the sections the plan
calls for in page order, and each section's content. :mod:`._page` renders
them; the tests read them too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from evacplan._time import _plural, duration
from evacplan.report._chance import simulation_facts
from evacplan.report._records import (
    CAPACITY_RULE,
    Arrivals,
    Bar,
    Behind,
    ClosureRow,
    Facts,
    GroupRow,
    Headline,
    Held,
    Leaves,
    Move,
    Post,
    StageRow,
    Stays,
)

# ----------------------------------------------------------------------------- words


def _change(minutes: int | None) -> str:
    """A change in when the last person is safe: ``+2 h 30``, ``-45 min``, ``none``, or blank.

    Examples
    --------
    >>> _change(150), _change(-45), _change(0), _change(None)
    ('+2 h 30', '-45 min', 'none', '')
    """
    if minutes is None:
        return ""
    return "none" if not minutes else duration(minutes, signed=True)


def _hours(minute: float) -> str:
    """``3 d 7 h 20 from the start``: as a planner says a span (:func:`evacplan._time.duration`).

    Examples
    --------
    >>> _hours(4760), _hours(95)
    ('3 d 7 h 20 from the start', '1 h 35 from the start')
    """
    return f"{duration(minute)} from the start"


def _when(minute: float | None, clock: Callable[[float], str] | None) -> str:
    """A minute as a reader wants it: clock time and hours from the start."""
    if minute is None:
        return ""
    if clock is None:
        return f"minute {minute:g} ({_hours(minute)})"
    return f"{clock(minute)} ({_hours(minute)})"


def _short(minute: float | None, clock: Callable[[float], str] | None) -> str:
    """A minute in a table cell: the clock time without its offset (the page states it
    once, in the assumptions), else the minute."""
    if minute is None:
        return ""
    if clock is None:
        return f"minute {minute:g}"
    words = clock(minute)
    head, _, offset = words.rpartition(" ")
    return head if head and offset[:1] in "+-" else words


_STATUS_WORDS = {
    "optimal": "proven best for its objectives",
    "feasible": "a valid plan, not proven best in every respect (the notes say where)",
    "infeasible": "a post cannot hold its posture: no plan meets every rule (see the notes)",
}


def _route(movement: Any) -> str:
    return " → ".join(s.place for s in movement.itinerary)


# ----------------------------------------------------------------------------- pieces


def _arrivals(ev: Any, quickest: Sequence[tuple[float, int]], clock: Any) -> Arrivals | None:
    """The arrivals section of an evacuation (None when nobody moves)."""
    curve = [(float(m), n) for m, n in ev.arrival_curve]
    if not curve:
        return None
    bound = ev.lower_bound_minutes
    words = (
        f"{_plural(curve[-1][1], 'person', 'people')} safe, the last at "
        f"{_when(ev.egress_minutes, clock)}."
    )
    if quickest:
        words += (
            " Alone on the roads, with nobody sharing them, they could all be safe by "
            f"{_when(quickest[-1][0], clock)}; the gap between the curves is what sharing "
            "the roads costs."
        )
    if bound is not None:
        words += f" No plan gets everyone out before {_when(bound, clock)} (proven)."
    deadline = ev.deadline_minutes if ev.objective == "most_saved" else None
    return Arrivals(curve, [(float(m), n) for m, n in quickest], bound, deadline, words)


def _moves(ev: Any, clock: Any, limit: int = 200) -> tuple[list[Move], int]:
    moves = sorted(ev.movements, key=lambda m: (m.departure_minute, m.source, m.arrival_minute))
    rows = [
        Move(
            m.count,
            ", ".join(m.parties[:4])
            + (f" and {len(m.parties) - 4} more" if len(m.parties) > 4 else ""),
            m.source,
            _short(m.departure_minute, clock),
            _route(m),
            m.destination,
            _short(m.arrival_minute, clock),
        )
        for m in moves[:limit]
    ]
    return rows, max(0, len(moves) - limit)


def _closures(analysis: Any, clock: Any) -> tuple[list[ClosureRow], str, dict[str, str]]:
    """The ranked closure table, its summary line, and the worst cases' links for the map."""
    worst = analysis.worst(len(analysis.cases))
    harmful = [c for c in worst if str(c.outcome) != "unaffected"]
    rows = []
    for i, c in enumerate(worst[:25], 1):
        rows.append(
            ClosureRow(
                i,
                " + ".join(c.closed),
                str(c.outcome),
                _short(c.egress_minutes, clock),
                _change(c.delay_minutes),
                c.stranded,
                ", ".join(f"{p}: {why}" for p, why in c.posts.items()),
            )
        )
    counts = analysis.counts
    words = (
        f"{_plural(len(analysis.cases), 'closure')} analysed from {_when(analysis.at, clock)}: "
        + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        + (f"; the {min(len(worst), 25)} worst are listed" if len(worst) > 25 else "")
        + "."
    )
    highlight: dict[str, str] = {}
    for i, c in enumerate(harmful[:3], 1):  # every link a case closes; its words once
        for j, link in enumerate(c.links):
            highlight.setdefault(link, "" if j else f"#{i} {c.outcome}")
    return rows, words, highlight


def _assumptions(ev: Any, extra: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    rows = [
        ("Time step", f"{ev.step_minutes} minutes: people move, wait and arrive on the step."),
        ("Capacity rule", CAPACITY_RULE),
        (
            "Objective",
            ev.objective
            + (f", deadline minute {ev.deadline_minutes:g}" if ev.deadline_minutes else ""),
        ),
        ("What the proof covers", ev.proof or "nothing is proven"),
    ]
    rows += [("Note", n) for n in ev.notes]
    return [*extra, *rows]


def _harm_figures(ev: Any) -> list[tuple[str, str]]:
    """The harm, and the person-hours not yet safe it counts at the plan's hazard."""
    if not ev.movements:
        return []
    return [
        ("harm", f"{ev.harm:.3g}"),
        (
            f"person-hours not yet safe (each a {ev.hazard_per_hour * 100:g}% chance of harm)",
            f"{ev.hours_not_safe:,.0f}",
        ),
    ]


def _headline_counts(states: dict[str, int], saving: bool) -> list[tuple[str, str]]:
    names = [
        ("safe", "moved to safety"),
        ("retained", "retained at posts"),
        ("standing_down", "standing down at home"),
        ("stranded", "left behind" if saving else "stranded"),
    ]
    return [(label, f"{states.get(key, 0):,}") for key, label in names]


# ----------------------------------------------------------------------------- plans


def contingency_facts(
    cp: Any,
    *,
    quickest: Sequence[tuple[float, int]] = (),
    closures: Any = None,
    simulation: Any = None,
) -> Facts:
    """The facts of a contingency plan (:func:`evacplan.plan`'s result).

    ``quickest`` is its evacuation's ``quickest_curve()``; ``closures`` a
    :class:`~evacplan.closures.ClosureAnalysis` of it, or None; ``simulation`` a
    :class:`~evacplan.uncertainty.Simulation` of it, or None.
    """
    sc = cp.scenario
    ev = cp.evacuation
    clock = sc.clock
    rows = cp.accounting()
    states: dict[str, int] = {}
    for r in rows:
        states[r.state] = states.get(r.state, 0) + 1
    saving = ev.objective == "most_saved"
    status = str(cp.status)
    unreached = cp.unreached_words()
    head = Headline(
        title=sc.name,
        kind="Contingency plan",
        status=status,
        status_words=_STATUS_WORDS.get(status, "") + (f". {unreached}" if unreached else ""),
        last_safe=_when(ev.egress_minutes, clock) if ev.movements else None,
        figures=[("people in the scenario", f"{len(rows):,}"), ("stages", str(len(cp.stages)))]
        + _headline_counts(states, saving)
        + _harm_figures(ev),
        proof=ev.proof,
        notes=list(cp.notes),
        description=sc.description or "",
    )
    facts = Facts(headline=head, sections=["headline"], clock=clock)
    _timeline(facts, cp)
    facts.map = {
        "network": sc,
        "plan": ev if ev.movements else None,
        "closed": _closed_links(sc),
    }
    facts.map_words = (
        "Places by kind; links coloured by their risk at the start; the routes the plan "
        "uses, as wide as the people on them; links that a threat closes, dashed, with when."
    )
    facts.close_up = _close_up(sc.network, {p.place for p in sc.posts})
    facts.sections.append("map")
    facts.posts = _posts(cp, clock)
    if facts.posts:
        facts.sections.append("posts")
    facts.groups = _groups(cp, clock)
    if facts.groups:
        facts.sections.append("groups")
    facts.arrivals = _arrivals(ev, quickest, clock)
    if facts.arrivals is not None:
        facts.sections.append("arrivals")
    if closures is not None and closures.cases:
        facts.closures, facts.closures_words, highlight = _closures(closures, clock)
        facts.map["highlight"] = highlight
        facts.sections.append("closures")
    if simulation is not None:
        facts.simulation = simulation_facts(simulation, clock)
        facts.sections.append("simulation")
    facts.behind = [
        Behind(b.who, b.count, b.category, b.priority, b.place, b.reason) for b in cp.left_behind
    ]
    if facts.behind:
        n = sum(b.people for b in facts.behind)
        facts.behind_words = (
            f"{_plural(n, 'person', 'people')} cannot be brought to safety"
            + (f" by the deadline ({_when(ev.deadline_minutes, clock)})" if saving else "")
            + ": staff first (priority 0), then groups by priority."
        )
        facts.sections.append("left-behind")
    policy = sc.policy
    facts.assumptions = _assumptions(
        ev,
        [
            (
                "Start",
                f"{clock(0)}: every time is in this offset (tables leave it out), and hours "
                "count from here.",
            ),
            (
                "Muster time",
                f"{duration(policy.muster_minutes)}: people released at a stage can leave that "
                "long after it.",
            ),
            (
                "Last-out limit",
                f"{duration(policy.last_out_minutes)}: the staff who stay at an open post must be "
                "able to get out within it, with the capacity the plan leaves free.",
            ),
            (
                "Drawdown",
                "At each stage, the fewest staff that keep every open post at its posture, "
                "proven by CP-SAT unless a stage says otherwise; nobody who left returns.",
            ),
        ],
    )
    facts.sections.append("assumptions")
    return facts


def _close_up(network: Any, posts: set[str]) -> tuple[float, float, float, float] | None:
    """The posts' own area, ``(west, east, south, north)``, when the whole map dwarfs it
    (a long flight out, say, squeezes the city into a corner); else None.

    The whole map dwarfs the posts' area when it is five times as wide as every place within
    about 150 km (1.5 degrees) of a post; the close-up then holds every place within about
    50 km (half a degree) of a post, so that a city's places stand apart.
    """
    at = {p.id: (p.lon, p.lat) for p in network.places if p.lat is not None and p.lon is not None}
    homes = [at[p] for p in posts if p in at]
    if not homes or len(at) < 3:
        return None
    xs, ys = [x for x, _ in at.values()], [y for _, y in at.values()]
    whole = max(max(xs) - min(xs), max(ys) - min(ys))

    def area(degrees: float) -> tuple[list[float], list[float], float]:
        near = [xy for xy in at.values() if min(math.dist(xy, h) for h in homes) <= degrees]
        nx, ny = [x for x, _ in near], [y for _, y in near]
        return nx, ny, max(max(nx) - min(nx), max(ny) - min(ny), 0.05)

    if whole < 5 * area(1.5)[2]:
        return None
    nx, ny, part = area(0.5)
    pad = 0.2 * part
    return (min(nx) - pad, max(nx) + pad, min(ny) - pad, max(ny) + pad)


def _closed_links(sc: Any) -> dict[str, str]:
    """Links a threat closes (named, or touching a closed place or region), with from when
    (and until when). A link's own opening window is its timetable, not drawn as a closure."""
    closed: dict[str, str] = {}
    region = {p.id: p.region for p in sc.network.places}
    for t in sc.planned_threats:
        if not t.closes:
            continue
        words = f"closed {_short(sc.minute(t.at), sc.clock)}"
        if t.until is not None:
            words += f" to {_short(sc.minute(t.until), sc.clock)}"
        places = set(t.places) | {p for p, r in region.items() if r is not None and r in t.regions}
        said = False  # the words once a threat; its other links are drawn alike
        refs = {str(x) for x in t.links}
        for link in sc.network.links:
            named = link.label in refs or link.id in refs
            named = named or not link.streets.isdisjoint(t.streets)
            if (named or link.source in places or link.target in places) and (
                link.label not in closed
            ):
                closed[link.label] = "" if said else words
                said = True
    return closed


def _timeline(facts: Facts, cp: Any) -> None:
    """The Gantt bars: threats, decision points and postures per post, departures, last-out."""
    sc = cp.scenario
    ev = cp.evacuation
    bars: list[Bar] = []
    end = float(max([ev.egress_minutes or 0, *(s.minute for s in cp.stages)]))
    for t in sc.threats:
        end = max(end, sc.minute(t.at), sc.minute(t.until) if t.until is not None else 0)
    facts.timeline_end = end * 1.04 + 60
    for t in sc.threats:
        # A threat lasts until its end, or for good (to the chart's edge).
        stop = sc.minute(t.until) if t.until is not None else facts.timeline_end
        kind = "closure" if t.closes else "threat"
        label = f"threat: {t.id}" + ("" if t.certain else f" (may happen: {t.probability:.0%})")
        bars.append(Bar(label, sc.minute(t.at), stop, kind, t.description or ""))
    for stage in cp.stages:
        for dp in stage.fired:
            bars.append(Bar("decisions", stage.minute, None, "decision", dp))
        facts.stages.append(
            StageRow(
                stage.index,
                _when(stage.minute, sc.clock),
                ", ".join(stage.fired) or "the postures the scenario declares",
                ", ".join(f"{p} {stage.postures[p]}" for p in stage.raised) or "no change",
                sum(p.size for p in stage.parties),
            )
        )
    for post in sc.posts:
        changes: list[tuple[float, str]] = [(0.0, str(post.posture))]
        for stage in cp.stages:
            p = str(stage.postures.get(post.id, changes[-1][1]))
            if p != changes[-1][1]:
                changes.append((stage.minute, p))
        for i, (at, p) in enumerate(changes):
            until = changes[i + 1][0] if i + 1 < len(changes) else facts.timeline_end
            bars.append(Bar(f"post {post.id}", at, until, f"posture:{p}", p))
    for stage in cp.stages:
        ids = {p.id for p in stage.parties}
        moves = [m for m in ev.movements if ids.intersection(m.parties)]
        bars += _span(f"stage {stage.index} departures", moves, sum(m.count for m in moves))
    # Groups are called forward on their own: most of the people may be theirs.
    of = {p.id: (p.id.rsplit("/", 1)[0], p.size) for p in sc.group_parties()}
    for g in sc.groups:
        mine = [
            (m, of[x][1]) for m in ev.movements for x in m.parties if of.get(x, ("",))[0] == g.id
        ]
        bars += _span(f"group {g.id}", [m for m, _ in mine], sum(n for _, n in mine))
    for post, checks in cp.last_out.items():
        for c in checks:
            kind = "last-out" if c.ok else "breach"
            label = duration(c.minutes) if c.minutes is not None else "no way out"
            bars.append(Bar(f"last-out {post}", c.minute, None, kind, label))
    if ev.objective == "most_saved" and ev.deadline_minutes:
        bars.append(Bar("decisions", ev.deadline_minutes, None, "deadline", "deadline"))
    facts.bars = bars
    facts.sections.append("timeline")


def _posts(cp: Any, clock: Any) -> list[Post]:
    sc = cp.scenario
    ev = cp.evacuation
    moved = {pid: m for m in ev.movements for pid in m.parties}
    stranded = {pid: s for s in ev.stranded for pid in s.parties}
    saving = ev.objective == "most_saved"
    out = []
    for post in sc.posts:
        history = [f"{post.posture} at the start"]
        leaves: list[Leaves] = []
        conflicts: list[tuple[str, str]] = []
        for stage in cp.stages:
            if post.id in stage.raised:
                history.append(
                    f"{stage.postures[post.id]} from {stage.clock} (stage {stage.index})"
                )
            d = stage.drawdown
            if d is not None and post.id in stage.raised:
                conflicts += [(c.rule, c.message) for c in d.conflicts if c.post == post.id]
            for party in stage.parties:
                if party.post != post.id:
                    continue
                m = moved.get(party.id)
                label = str(stage.index)
                if not party.relocate:
                    leaves.append(
                        Leaves(party.id, party.size, label, "", "", "", "stands down at home")
                    )
                elif m is not None:
                    leaves.append(
                        Leaves(
                            party.id,
                            party.size,
                            label,
                            _short(m.departure_minute, clock),
                            _route(m),
                            _short(m.arrival_minute, clock),
                            "safe",
                        )
                    )
                else:
                    why = stranded[party.id].reason if party.id in stranded else ""
                    leaves.append(
                        Leaves(
                            party.id,
                            party.size,
                            label,
                            "",
                            why,
                            "",
                            "left behind" if saving else "stranded",
                        )
                    )
        held, stays, closed = _held(cp, post, clock)
        out.append(
            Post(
                post.id,
                post.name or post.id,
                "; ".join(history),
                stays,
                leaves,
                conflicts,
                held,
                closed,
            )
        )
    return out


def _held(cp: Any, post: Any, clock: Any) -> tuple[list[Held], list[Stays], str]:
    """Who held ``post`` at the start and from each stage that raised its posture (a row each);
    who holds it at the end, with why (for a post that closes, who held it last); and, for a
    post that closes, its last posture open and when it closed ("" if it stays open)."""
    sc = cp.scenario
    rows: list[Held] = []
    raised = [s for s in cp.stages if post.id in s.raised]
    # Who holds the post so far: the drawdown that decided it (None: nobody was drawn down).
    holders: tuple[Any, list[str]] = (None, [s.id for s in sc.staff if s.post == post.id])
    last_open, closed = str(post.posture), ""
    if not raised or raised[0].minute > 0:  # the declared posture holds from the start
        n = len(holders[1])
        words = f"all {n} staff: nobody is drawn down yet" if n else "nobody: the post has no staff"
        if last_open == "suspended":
            words, holders, closed = (
                "nobody: the post is closed",
                (None, []),
                "closed from the start",
            )
        rows.append(Held("start", _short(0, clock), last_open, [], words))
    for stage in raised:
        posture, when, dd = (
            str(stage.postures[post.id]),
            _short(stage.minute, clock),
            stage.drawdown,
        )
        if posture == "suspended":
            n = len(holders[1])
            who = f"; the {n} who held it {'leaves' if n == 1 else 'leave'}" if n else ""
            rows.append(Held(str(stage.index), when, posture, [], f"nobody: the post closes{who}"))
            closed = f"{last_open} until it closed {when}"
            break
        kept = list(stage.retained.get(post.id, []))
        staff = [
            (
                sid,
                sc.staff_by_id[sid].name or "",
                ", ".join(dd.assignments.get(sid, ())) if dd else "",
            )
            for sid in kept
        ]
        if kept:
            words = f"{len(kept)} {'stays' if len(kept) == 1 else 'stay'}"
        elif dd is not None and any(c.post == post.id for c in dd.conflicts):
            words = f"nobody: no plan holds it at {posture} (the rules below cannot all hold)"
        else:
            words = "nobody"
        rows.append(Held(str(stage.index), when, posture, staff, words))
        holders, last_open = (dd, kept), posture
    dd, kept = holders
    if not raised and cp.stages:  # never drawn down: whoever the plan keeps there at the end
        kept = list(cp.stages[-1].retained.get(post.id, kept))
    reason = "The post keeps its declared posture; nobody was drawn down."
    stays = [
        _kept(dd, sid) if dd is not None else Stays(sid, sc.staff_by_id[sid].name or "", "", reason)
        for sid in kept
    ]
    return rows, stays, closed


def _kept(dd: Any, sid: str) -> Stays:
    """Someone a drawdown keeps: the functions they cover and why (its explanation)."""
    covers = ", ".join(dd.assignments.get(sid, ())) or "(keeps the post's minimum)"
    return Stays(sid, dd.scenario.staff_by_id[sid].name or "", covers, dd.explain(sid))


def _span(label: str, moves: list[Any], people: int) -> list[Bar]:
    """A bar from the first departure of ``moves`` to their last arrival (none without any)."""
    if not moves:
        return []
    first, last = min(m.departure_minute for m in moves), max(m.arrival_minute for m in moves)
    return [Bar(label, first, last, "departures", _plural(people, "person", "people"))]


def _groups(cp: Any, clock: Any) -> list[GroupRow]:
    sc = cp.scenario
    if not sc.groups:
        return []
    ev = cp.evacuation
    moved = {pid: m for m in ev.movements for pid in m.parties}
    parties: dict[str, list[Any]] = {}
    for party in sc.group_parties():
        parties.setdefault(party.id.rsplit("/", 1)[0], []).append(party)
    rows = []
    for g in sc.groups:
        mine = parties.get(g.id, [])
        safe = [(p, moved[p.id]) for p in mine if p.id in moved]
        last = max((m.arrival_minute for _, m in safe), default=None)
        n_safe = sum(p.size for p, _ in safe)
        rows.append(
            GroupRow(
                g.id,
                g.count,
                g.category,
                g.priority,
                g.location,
                _short(sc.minute(g.release), clock),
                n_safe,
                _short(last, clock),
                g.count - n_safe,
            )
        )
    return rows
