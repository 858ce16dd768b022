"""The independent check: replay a plan's schedule against its network (``verify()``).

Written apart from the solver on purpose. It reads the network's links and
their (open, risk) timelines through :func:`evacplan.network.arc_schedules`,
and the plan's movements and figures; of the package it imports only the
records and a rounding constant, nothing of the solver stages, so a fault
there cannot hide itself here.
:meth:`~evacplan.routing.plan.EvacuationPlan.verify` calls it; it needs
only the fields of :class:`_Replayable`, so it does not import the plan.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from evacplan.models import Network, Place, ThreatEvent
from evacplan.network import ArcSchedule, arc_schedules, place_hazards
from evacplan.results import Party, Status
from evacplan.routing._arrays import _EPS
from evacplan.routing.records import Movement, RouteViolation, Stranded


class _Replayable(Protocol):
    """What the replay reads of a plan (an :class:`~evacplan.routing.plan.EvacuationPlan`)."""

    status: Status
    objective: str
    step_minutes: int
    movements: list[Movement]
    egress_minutes: int | None
    lower_bound_minutes: int | None
    risk_exposure: float
    hazard_per_hour: float
    harm: float
    hours_not_safe: float
    stranded: list[Stranded]
    standing_down: list[str]
    supply: dict[str, int]
    parties: tuple[Party, ...]
    safe: tuple[str, ...]
    deadline_minutes: float | None
    _network: Network | None
    _threats: tuple[ThreatEvent, ...]
    _households: dict[str, tuple[int, int]]


_LegOf = dict[tuple[str, str, str], tuple[ArcSchedule, int]]
"""Each direction of each link by (key, from, to): its schedule and transit steps."""
_Members = dict[tuple[str, str, int], list[ArcSchedule]]
"""The links of each group by (from, to, transit steps): parallel links act as one."""


@dataclass(slots=True)
class _Tally:
    """The replay's state: what it reads once of the plan, and what it sums as it goes.

    The movements add to ``load`` (people entering each link group at each
    minute), ``leaving`` (people leaving each place at each minute),
    ``plain_from`` (plain counts moved or stranded, by place) and
    ``party_seen`` (how often each party is moved, stranded or standing
    down); the checks after them read these sums.
    """

    plan: _Replayable
    net: Network
    step: int
    places: dict[str, Place]
    safe: set[str]
    parties: dict[str, Party]
    leg_of: _LegOf
    members: _Members
    found: list[RouteViolation] = field(default_factory=list)
    load: defaultdict[tuple[str, str, int, int], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    leaving: defaultdict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    plain_from: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    party_seen: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    last_arrival: int | None = None
    risk: float = 0.0
    """The risk exposure replayed so far: links entered, then waits."""

    def bad(self, rule: str, message: str) -> None:
        """Record a broken ``rule``."""
        self.found.append(RouteViolation(rule, message))


def _replay(plan: _Replayable) -> list[RouteViolation]:
    """Check a plan's schedule against its network (see :meth:`EvacuationPlan.verify`).

    Written apart from the solver on purpose: it reads the network's links
    and their (open, risk) timelines, and the movements, nothing else.
    """
    t = _start(plan)
    for mi, m in enumerate(plan.movements):
        _check_movement(t, mi, m)
    _check_stranded(t)
    _check_party_counts(t)
    _check_households(t)
    _check_supply(t)
    _check_capacity(t)
    _check_throughput(t)
    _add_waiting_risk(t)
    _check_totals(t)
    _check_bounds(t)
    return t.found


def _start(plan: _Replayable) -> _Tally:
    """The replay's state before any check: the network's places and legs, the safe places
    and the parties, nothing found or summed yet."""
    net = plan._network
    assert net is not None
    step = plan.step_minutes
    places = net.place_by_id
    safe = set(plan.safe)
    leg_of, members = _legs(net, plan._threats, step)
    parties = {p.id: p for p in plan.parties}
    return _Tally(plan, net, step, places, safe, parties, leg_of, members)


def _check_movement(t: _Tally, mi: int, m: Movement) -> None:
    """Check movement ``mi``: its stops, legs, deadline and parties; add it to the sums.

    A movement without stops, or with a link count that does not fit them,
    is reported and checked no further.
    """
    where = f"movement {mi} ({m.count} from {m.source if m.itinerary else '?'})"
    if m.count <= 0:
        t.bad("accounted", f"{where}: count {m.count} is not positive")
    if not m.itinerary:
        t.bad("route", f"{where}: empty itinerary")
        return
    if len(m.links) != len(m.itinerary) - 1:
        t.bad("route", f"{where}: {len(m.links)} links for {len(m.itinerary)} stops")
        return
    _check_stops(t, where, m)
    for i, key in enumerate(m.links):
        _check_leg(t, where, m, i, key)
    final = m.itinerary[-1]
    t.last_arrival = max(final.leave, t.last_arrival if t.last_arrival is not None else final.leave)
    deadline = t.plan.deadline_minutes
    if deadline is not None and final.leave > deadline:
        t.bad(
            "deadline",
            f"{where}: arrives at minute {final.leave}, after the deadline "
            f"(minute {deadline:g}); people who cannot make it are stranded",
        )
    if m.parties:
        _check_parties(t, where, m)
    else:
        t.plain_from[m.source] += m.count


def _check_stops(t: _Tally, where: str, m: Movement) -> None:
    """The ``route`` rule at each stop: a place, on a step, left no earlier than reached.

    No stop before the last is safe (safe places absorb); the last is safe
    and left when reached; the first is reached at the movement's release.
    """
    step = t.step
    for i, stop in enumerate(m.itinerary):
        if stop.place not in t.places:
            t.bad("route", f"{where}: stop {i} {stop.place!r} is not a place")
        for what, minute in (("arrives", stop.arrive), ("leaves", stop.leave)):
            if not isinstance(minute, int) or minute % step:
                t.bad(
                    "route",
                    f"{where}: stop {i} {what} at minute {minute}, not on a {step}-minute step",
                )
        if stop.leave < stop.arrive:
            t.bad(
                "route",
                f"{where}: stop {i} ({stop.place}) leaves at minute {stop.leave}, before it "
                f"arrives at minute {stop.arrive}",
            )
        if i < len(m.itinerary) - 1 and stop.place in t.safe:
            t.bad("route", f"{where}: passes through safe place {stop.place} (safe places absorb)")
    final = m.itinerary[-1]
    if final.place not in t.safe:
        t.bad("route", f"{where}: ends at {final.place}, which is not safe")
    if final.leave != final.arrive:
        t.bad("route", f"{where}: the last stop's arrival and departure differ ({final})")
    first = m.itinerary[0]
    released = max((t.parties[p].release_minute for p in m.parties if p in t.parties), default=0)
    if len(m.itinerary) > 1 and first.arrive != math.ceil(released / step - _EPS) * step:
        t.bad(
            "route",
            f"{where}: the first stop says it is at {first.place} from minute "
            f"{first.arrive}, but its release is minute {released:g}",
        )


def _check_leg(t: _Tally, where: str, m: Movement, i: int, key: str) -> None:
    """The ``route`` rule on leg ``i`` (by link ``key``); its people added to the sums.

    The leg follows a link between its stops, is entered on steps while open
    (over several steps only as ``m.spread`` says, each person once), and
    reaches the next stop when its last people arrive.
    """
    step = t.step
    here, there = m.itinerary[i], m.itinerary[i + 1]
    entry = t.leg_of.get((key, here.place, there.place))
    if entry is None:
        t.bad("route", f"{where}: no link {key!r} from {here.place} to {there.place}")
        return
    steps = entry[1]
    entries = m.spread.get(i, [(here.leave, m.count)])
    if m.spread.get(i) is not None and (
        sum(n for _, n in entries) != m.count
        or entries[0][0] != here.leave
        or any(n <= 0 for _, n in entries)
        or any(b[0] <= a[0] for a, b in zip(entries, entries[1:], strict=False))
    ):
        t.bad(
            "route",
            f"{where}: the {m.count} crossing {key} over several steps enter as "
            f"{entries}: not all of them, once each, from minute {here.leave} on",
        )
    group = t.members[(here.place, there.place, steps)]
    for minute, n in entries:
        if minute % step:
            t.bad("route", f"{where}: enters {key} at minute {minute}, not on a step")
        # Parallel links of equal transit act as one: a leg is open while any is;
        # a scheduled service only in the step of a departure.
        if not any(_open(s, minute, step) for s in group):
            closed = "link" if len(group) == 1 else "every parallel link of"
            t.bad("route", f"{where}: {closed} {key} is closed at minute {minute}")
        t.load[(here.place, there.place, steps, minute)] += n
        t.leaving[(here.place, minute)] += n
    arrive = entries[-1][0] + steps * step  # the party goes on when the last arrives
    if there.arrive != arrive:
        t.bad(
            "route",
            f"{where}: leaving {here.place} at minute {entries[-1][0]} by {key} "
            f"({steps} steps) arrives at minute {arrive}, not at {there.arrive}",
        )


def _check_parties(t: _Tally, where: str, m: Movement) -> None:
    """The ``accounted`` rule for a movement's parties: known, from its source, released, whole."""
    size = 0
    for pid in m.parties:
        t.party_seen[pid] += 1
        p = t.parties.get(pid)
        if p is None:
            t.bad("accounted", f"{where}: unknown party {pid!r}")
            continue
        size += p.size
        if p.location != m.source:
            t.bad("accounted", f"{where}: party {pid} is at {p.location}, not {m.source}")
        if m.departure_minute < p.release_minute and m.source not in t.safe:
            t.bad(
                "accounted",
                f"{where}: party {pid} leaves at minute "
                f"{m.departure_minute}, before its release at "
                f"{p.release_minute}",
            )
    if size != m.count:
        t.bad(
            "accounted",
            f"{where}: parties {m.parties} are {size} people, not "
            f"{m.count} (parties are never split)",
        )


def _check_stranded(t: _Tally) -> None:
    """The ``accounted`` rule for the stranded: parties whole; plain counts added to the sums."""
    for s in t.plan.stranded:
        if s.parties:
            size = 0
            for pid in s.parties:
                t.party_seen[pid] += 1
                size += t.parties[pid].size if pid in t.parties else 0
            if size != s.count:
                t.bad(
                    "accounted",
                    f"stranded at {s.place}: parties {s.parties} are {size} people, not {s.count}",
                )
        else:
            t.plain_from[s.place] += s.count


def _check_party_counts(t: _Tally) -> None:
    """The ``accounted`` rule per party: moved, stranded or standing down exactly once.

    A party that does not relocate stands down; a party the plan does not
    know is reported.
    """
    plan = t.plan
    for pid in plan.standing_down:
        t.party_seen[pid] += 1
    for pid, p in t.parties.items():
        expected = 1
        if t.party_seen.get(pid, 0) != expected:
            t.bad(
                "accounted",
                f"party {pid} appears {t.party_seen.get(pid, 0)} times (expected "
                "once: moved, stranded or standing down)",
            )
        if not p.relocate and pid not in plan.standing_down:
            t.bad("accounted", f"party {pid} does not relocate but is not standing down")
    for pid in t.party_seen:
        if pid not in t.parties:
            t.bad("accounted", f"unknown party {pid!r}")


def _check_households(t: _Tally) -> None:
    """The ``accounted`` rule per household: nobody moved twice."""
    plan = t.plan
    # A person's own party and their dependants' party together hold that household at most.
    household: dict[str, list[Party]] = defaultdict(list)
    for p in plan.parties:
        household[p.id.removesuffix("/dependants")].append(p)
    for who, mine in household.items():
        if who not in plan._households:
            continue
        size, dependants = plan._households[who]
        carried = sum(p.size for p in mine)
        limit = dependants if all(p.id.endswith("/dependants") for p in mine) else size
        if carried > limit:
            listed = ", ".join(f"{p.id} ({p.size})" for p in mine)
            t.bad(
                "accounted",
                f"parties {listed} account for {carried} people, but {who} and their "
                f"dependants are {size}: someone is moved twice",
            )


def _check_supply(t: _Tally) -> None:
    """The ``accounted`` rule per place: its plain supply is moved or stranded, all of it."""
    supply = t.plan.supply
    for place in set(supply) | set(t.plain_from):
        if supply.get(place, 0) != t.plain_from.get(place, 0):
            t.bad(
                "accounted",
                f"supply at {place}: {supply.get(place, 0)} people, but the "
                f"plan moves or strands {t.plain_from.get(place, 0)}",
            )


def _check_capacity(t: _Tally) -> None:
    """The ``capacity`` rule per link group and minute; the risk of the links entered."""
    step = t.step
    for (u, v, steps, minute), count in t.load.items():
        tiers = _tiers(t.members[(u, v, steps)], minute, step)
        admits = sum(c for _, c in tiers)
        if count > admits:
            t.bad(
                "capacity",
                f"{count} people enter {u} -> {v} at minute {minute}; its links "
                f"admit {admits} in the {step}-minute step from then",
            )
        t.risk += _taken(tiers, count)


def _check_throughput(t: _Tally) -> None:
    """The ``throughput`` rule per place and minute."""
    step = t.step
    # Throughput: at most so many leave a place in a step (the capacity rule of links).
    for (place, minute), count in sorted(t.leaving.items()):
        rate = t.places[place].throughput_per_hour if place in t.places else None
        if rate is None:
            continue
        lets = _admitted(rate, minute + step) - _admitted(rate, minute)
        if count > lets:
            t.bad(
                "throughput",
                f"{count} people leave {place} at minute {minute}; its throughput "
                f"({rate:g} an hour) lets {lets} through in the {step}-minute step from then",
            )


def _add_waiting_risk(t: _Tally) -> None:
    """Add the risk of the waits to the replayed risk exposure."""
    # Waiting: risk_per_hour for the time at a threatened place, arrival (or release) to departure.
    hazards = place_hazards(t.net, t.plan._threats)
    for m in t.plan.movements:
        for stop in m.itinerary[:-1]:
            for hazard in hazards.get(stop.place, ()):
                t.risk += m.count * hazard.exposure(stop.arrive, stop.leave)


def _check_totals(t: _Tally) -> None:
    """The ``figures`` rule for the totals: egress, risk exposure, hours not yet safe, harm."""
    plan = t.plan
    last_arrival = t.last_arrival
    if last_arrival is None and not plan.stranded:
        last_arrival = 0  # nobody to move
    if plan.egress_minutes != last_arrival:
        t.bad(
            "figures",
            f"egress is reported as {plan.egress_minutes} but the last arrival is {last_arrival}",
        )
    risk = t.risk
    if abs(risk - plan.risk_exposure) > 1e-6 * max(1.0, risk):
        t.bad("figures", f"risk exposure is reported as {plan.risk_exposure} but replays as {risk}")
    hours = _hours_not_safe(t)
    if abs(hours - plan.hours_not_safe) > 1e-6 * max(1.0, hours):
        t.bad(
            "figures",
            f"hours not yet safe are reported as {plan.hours_not_safe:g} but replay as {hours:g}",
        )
    harm = risk + plan.hazard_per_hour * hours
    if abs(harm - plan.harm) > 1e-6 * max(1.0, harm):
        t.bad(
            "figures",
            f"harm is reported as {plan.harm:g} but replays as {harm:g} (risk exposure {risk:g} "
            f"+ {plan.hazard_per_hour:g} an hour x {hours:g} person-hours not yet safe)",
        )


def _hours_not_safe(t: _Tally) -> float:
    """Person-hours not yet safe, replayed: from each person's release to their arrival.

    Plain counts are released at minute 0.
    """
    minutes = 0.0
    for m in t.plan.movements:
        arrival = m.itinerary[-1].arrive if m.itinerary else 0
        if m.parties:
            minutes += sum(
                t.parties[p].size * max(0.0, arrival - t.parties[p].release_minute)
                for p in m.parties
                if p in t.parties
            )
        else:
            minutes += m.count * arrival
    return minutes / 60


def _check_bounds(t: _Tally) -> None:
    """The ``figures`` rule for the lower bound: met when optimal, never above the egress."""
    plan = t.plan
    if plan.status is Status.OPTIMAL and plan.egress_minutes != plan.lower_bound_minutes:
        t.bad(
            "figures",
            f"an optimal plan's egress ({plan.egress_minutes}) must equal its lower "
            f"bound ({plan.lower_bound_minutes})",
        )
    if (
        plan.lower_bound_minutes is not None
        and plan.egress_minutes is not None
        and plan.lower_bound_minutes > plan.egress_minutes
        and plan.status is not Status.INFEASIBLE
    ):
        t.bad(
            "figures",
            f"the lower bound {plan.lower_bound_minutes} exceeds the egress {plan.egress_minutes}",
        )


def _legs(net: Network, threats: tuple[ThreatEvent, ...], step: int) -> tuple[_LegOf, _Members]:
    """Each direction of each link by (key, from, to), with its transit steps; and the links of
    each group (the same ends and transit steps: parallel links act as one)."""
    leg_of: _LegOf = {}
    members: _Members = defaultdict(list)
    for sched in arc_schedules(net, threats):
        a = sched.arc
        steps = max(1, math.ceil(a.minutes / step - _EPS))
        leg_of[(a.key, a.source, a.target)] = (sched, steps)
        members[(a.source, a.target, steps)].append(sched)
    return leg_of, members


def _tiers(scheds: list[ArcSchedule], minute: int, step: int) -> list[tuple[float, int]]:
    """(risk, people) each risk tier of a group's links admits in the step from ``minute``."""
    open_links = sorted(
        (risk, s.arc.capacity_per_hour, s.arc.seats * _leaving(s, minute, step))
        for s in scheds
        for is_open, risk in [s.at(minute)]
        if is_open and _open(s, minute, step)
    )
    return _tier_capacities(open_links, minute, step)


def _taken(tiers: list[tuple[float, int]], count: int) -> float:
    """The risk ``count`` people entering together take: the safest open links first."""
    left, risk = count, 0.0
    for r, c in tiers:
        n = min(c, left)
        risk += n * r
        left -= n
    return risk


def _admitted(per_hour: float, minute: int) -> int:
    """People a link of ``per_hour`` admits by ``minute`` of the scenario (the rule of docs/routing.md)."""
    return math.floor(per_hour * minute / 60 + _EPS)


def _leaving(sched: ArcSchedule, minute: int, step: int) -> int:
    """Departures of a scheduled service in the step from ``minute`` (each rounded down to its step)."""
    return sum(1 for d in sched.arc.departures if math.floor(d / step) * step == minute)


def _open(sched: ArcSchedule, minute: int, step: int) -> bool:
    """Whether a directed link takes people in the step from ``minute``."""
    if not sched.at(minute)[0]:
        return False
    return not sched.arc.scheduled or _leaving(sched, minute, step) > 0


def _tier_capacities(
    open_links: list[tuple[float, float, int]], minute: int, step: int
) -> list[tuple[float, int]]:
    """(risk, people) each risk tier of parallel open links admits in the step from ``minute``.

    ``open_links`` are (risk, people per hour, seats leaving in the step),
    sorted by risk. Together the links admit what one link of their summed
    rate would, plus every seat leaving. The safest tiers go first: the
    people the first i tiers admit are the least of what the tiers i, i + 1,
    ... with every safer one would admit on their own.
    """
    rates: list[tuple[float, float, int]] = []  # (risk, rate and seats of this tier and safer)
    total, seats = 0.0, 0
    for r, c, n in open_links:
        total += c
        seats += n
        if rates and rates[-1][0] == r:
            rates[-1] = (r, total, seats)
        else:
            rates.append((r, total, seats))
    alone = [_admitted(c, minute + step) - _admitted(c, minute) + n for _, c, n in rates]
    out: list[tuple[float, int]] = []
    before = 0
    for i, (r, _, _) in enumerate(rates):
        upto = min(alone[i:])
        out.append((r, upto - before))
        before = upto
    return out


def _risk_shares(plan: _Replayable) -> list[float]:
    """Per movement, the risk exposure of each of its people (``verify()``'s sums, shared out).

    People entering a link group at a minute take its safest open links
    first (as :func:`_replay` counts them); each person of a movement
    entering then carries their average. Waiting risk is each person's own.
    Summed over movements and people, the plan's risk exposure.
    """
    net = plan._network
    assert net is not None
    step = plan.step_minutes
    leg_of, members = _legs(net, plan._threats, step)
    entering: dict[tuple[str, str, int, int], list[tuple[int, int]]] = defaultdict(list)
    for mi, m in enumerate(plan.movements):
        for i, key in enumerate(m.links):
            here, there = m.itinerary[i].place, m.itinerary[i + 1].place
            steps = leg_of[(key, here, there)][1]
            for minute, n in m.spread.get(i, [(m.itinerary[i].leave, m.count)]):
                entering[(here, there, steps, minute)].append((mi, n))
    shares = [0.0] * len(plan.movements)
    for (u, v, steps, minute), who in entering.items():
        count = sum(n for _, n in who)
        risk = _taken(_tiers(members[(u, v, steps)], minute, step), count)
        for mi, n in who:
            shares[mi] += risk / count * n / plan.movements[mi].count
    hazards = place_hazards(net, plan._threats)
    for mi, m in enumerate(plan.movements):
        for stop in m.itinerary[:-1]:
            for hazard in hazards.get(stop.place, ()):
                shares[mi] += hazard.exposure(stop.arrive, stop.leave)
    return shares
