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
from typing import Protocol

from evacplan.models import Network, ThreatEvent
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


def _replay(plan: _Replayable) -> list[RouteViolation]:
    """Check a plan's schedule against its network (see :meth:`EvacuationPlan.verify`).

    Written apart from the solver on purpose: it reads the network's links
    and their (open, risk) timelines, and the movements, nothing else.
    """
    net = plan._network
    assert net is not None
    step = plan.step_minutes
    found: list[RouteViolation] = []

    def bad(rule: str, message: str) -> None:
        found.append(RouteViolation(rule, message))

    places = net.place_by_id
    safe = set(plan.safe)
    leg_of, members = _legs(net, plan._threats, step)

    load: dict[tuple[str, str, int, int], int] = defaultdict(int)
    leaving: dict[tuple[str, int], int] = defaultdict(int)
    plain_from: dict[str, int] = defaultdict(int)
    party_seen: dict[str, int] = defaultdict(int)
    parties = {p.id: p for p in plan.parties}
    last_arrival = None
    for mi, m in enumerate(plan.movements):
        where = f"movement {mi} ({m.count} from {m.source if m.itinerary else '?'})"
        if m.count <= 0:
            bad("accounted", f"{where}: count {m.count} is not positive")
        if not m.itinerary:
            bad("route", f"{where}: empty itinerary")
            continue
        if len(m.links) != len(m.itinerary) - 1:
            bad("route", f"{where}: {len(m.links)} links for {len(m.itinerary)} stops")
            continue
        for i, stop in enumerate(m.itinerary):
            if stop.place not in places:
                bad("route", f"{where}: stop {i} {stop.place!r} is not a place")
            for what, minute in (("arrives", stop.arrive), ("leaves", stop.leave)):
                if not isinstance(minute, int) or minute % step:
                    bad(
                        "route",
                        f"{where}: stop {i} {what} at minute {minute}, not on a {step}-minute step",
                    )
            if stop.leave < stop.arrive:
                bad(
                    "route",
                    f"{where}: stop {i} ({stop.place}) leaves at minute {stop.leave}, before it "
                    f"arrives at minute {stop.arrive}",
                )
            if i < len(m.itinerary) - 1 and stop.place in safe:
                bad(
                    "route", f"{where}: passes through safe place {stop.place} (safe places absorb)"
                )
        final = m.itinerary[-1]
        if final.place not in safe:
            bad("route", f"{where}: ends at {final.place}, which is not safe")
        if final.leave != final.arrive:
            bad("route", f"{where}: the last stop's arrival and departure differ ({final})")
        first = m.itinerary[0]
        released = max((parties[p].release_minute for p in m.parties if p in parties), default=0)
        if len(m.itinerary) > 1 and first.arrive != math.ceil(released / step - _EPS) * step:
            bad(
                "route",
                f"{where}: the first stop says it is at {first.place} from minute "
                f"{first.arrive}, but its release is minute {released:g}",
            )
        for i, key in enumerate(m.links):
            here, there = m.itinerary[i], m.itinerary[i + 1]
            entry = leg_of.get((key, here.place, there.place))
            if entry is None:
                bad("route", f"{where}: no link {key!r} from {here.place} to {there.place}")
                continue
            sched, steps = entry
            entries = m.spread.get(i, [(here.leave, m.count)])
            if m.spread.get(i) is not None and (
                sum(n for _, n in entries) != m.count
                or entries[0][0] != here.leave
                or any(n <= 0 for _, n in entries)
                or any(b[0] <= a[0] for a, b in zip(entries, entries[1:], strict=False))
            ):
                bad(
                    "route",
                    f"{where}: the {m.count} crossing {key} over several steps enter as "
                    f"{entries}: not all of them, once each, from minute {here.leave} on",
                )
            for minute, n in entries:
                if minute % step:
                    bad("route", f"{where}: enters {key} at minute {minute}, not on a step")
                # Parallel links of equal transit act as one: a leg is open while any is;
                # a scheduled service only in the step of a departure.
                if not any(
                    _open(m, minute, step) for m in members[(here.place, there.place, steps)]
                ):
                    closed = (
                        "link"
                        if len(members[(here.place, there.place, steps)]) == 1
                        else ("every parallel link of")
                    )
                    bad("route", f"{where}: {closed} {key} is closed at minute {minute}")
                load[(here.place, there.place, steps, minute)] += n
                leaving[(here.place, minute)] += n
            arrive = entries[-1][0] + steps * step  # the party goes on when the last arrives
            if there.arrive != arrive:
                bad(
                    "route",
                    f"{where}: leaving {here.place} at minute {entries[-1][0]} by {key} "
                    f"({steps} steps) arrives at minute {arrive}, not at {there.arrive}",
                )
        last_arrival = max(final.leave, last_arrival if last_arrival is not None else final.leave)
        if plan.deadline_minutes is not None and final.leave > plan.deadline_minutes:
            bad(
                "deadline",
                f"{where}: arrives at minute {final.leave}, after the deadline "
                f"(minute {plan.deadline_minutes:g}); people who cannot make it are stranded",
            )
        if m.parties:
            size = 0
            for pid in m.parties:
                party_seen[pid] += 1
                p = parties.get(pid)
                if p is None:
                    bad("accounted", f"{where}: unknown party {pid!r}")
                    continue
                size += p.size
                if p.location != m.source:
                    bad("accounted", f"{where}: party {pid} is at {p.location}, not {m.source}")
                if m.departure_minute < p.release_minute and m.source not in safe:
                    bad(
                        "accounted",
                        f"{where}: party {pid} leaves at minute "
                        f"{m.departure_minute}, before its release at "
                        f"{p.release_minute}",
                    )
            if size != m.count:
                bad(
                    "accounted",
                    f"{where}: parties {m.parties} are {size} people, not "
                    f"{m.count} (parties are never split)",
                )
        else:
            plain_from[m.source] += m.count
    for s in plan.stranded:
        if s.parties:
            size = 0
            for pid in s.parties:
                party_seen[pid] += 1
                size += parties[pid].size if pid in parties else 0
            if size != s.count:
                bad(
                    "accounted",
                    f"stranded at {s.place}: parties {s.parties} are {size} people, not {s.count}",
                )
        else:
            plain_from[s.place] += s.count
    for pid in plan.standing_down:
        party_seen[pid] += 1
    for pid, p in parties.items():
        expected = 1
        if party_seen.get(pid, 0) != expected:
            bad(
                "accounted",
                f"party {pid} appears {party_seen.get(pid, 0)} times (expected "
                "once: moved, stranded or standing down)",
            )
        if not p.relocate and pid not in plan.standing_down:
            bad("accounted", f"party {pid} does not relocate but is not standing down")
    for pid in party_seen:
        if pid not in parties:
            bad("accounted", f"unknown party {pid!r}")
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
            bad(
                "accounted",
                f"parties {listed} account for {carried} people, but {who} and their "
                f"dependants are {size}: someone is moved twice",
            )
    for place in set(plan.supply) | set(plain_from):
        if plan.supply.get(place, 0) != plain_from.get(place, 0):
            bad(
                "accounted",
                f"supply at {place}: {plan.supply.get(place, 0)} people, but the "
                f"plan moves or strands {plain_from.get(place, 0)}",
            )

    risk = 0.0
    for (u, v, steps, minute), count in load.items():
        tiers = _tiers(members[(u, v, steps)], minute, step)
        admits = sum(c for _, c in tiers)
        if count > admits:
            bad(
                "capacity",
                f"{count} people enter {u} -> {v} at minute {minute}; its links "
                f"admit {admits} in the {step}-minute step from then",
            )
        risk += _taken(tiers, count)

    # Throughput: at most so many leave a place in a step (the capacity rule of links).
    for (place, minute), count in sorted(leaving.items()):
        rate = places[place].throughput_per_hour if place in places else None
        if rate is None:
            continue
        lets = _admitted(rate, minute + step) - _admitted(rate, minute)
        if count > lets:
            bad(
                "throughput",
                f"{count} people leave {place} at minute {minute}; its throughput "
                f"({rate:g} an hour) lets {lets} through in the {step}-minute step from then",
            )

    # Waiting: risk_per_hour for the time at a threatened place, arrival (or release) to departure.
    hazards = place_hazards(net, plan._threats)
    for m in plan.movements:
        for stop in m.itinerary[:-1]:
            for hazard in hazards.get(stop.place, ()):
                risk += m.count * hazard.exposure(stop.arrive, stop.leave)

    if last_arrival is None and not plan.stranded:
        last_arrival = 0  # nobody to move
    if plan.egress_minutes != last_arrival:
        bad(
            "figures",
            f"egress is reported as {plan.egress_minutes} but the last arrival is {last_arrival}",
        )
    if abs(risk - plan.risk_exposure) > 1e-6 * max(1.0, risk):
        bad("figures", f"risk exposure is reported as {plan.risk_exposure} but replays as {risk}")
    # Hours not yet safe: from each person's release (plain counts: minute 0) to safety.
    minutes = 0.0
    for m in plan.movements:
        arrival = m.itinerary[-1].arrive if m.itinerary else 0
        if m.parties:
            minutes += sum(
                parties[p].size * max(0.0, arrival - parties[p].release_minute)
                for p in m.parties
                if p in parties
            )
        else:
            minutes += m.count * arrival
    hours = minutes / 60
    if abs(hours - plan.hours_not_safe) > 1e-6 * max(1.0, hours):
        bad(
            "figures",
            f"hours not yet safe are reported as {plan.hours_not_safe:g} but replay as {hours:g}",
        )
    harm = risk + plan.hazard_per_hour * hours
    if abs(harm - plan.harm) > 1e-6 * max(1.0, harm):
        bad(
            "figures",
            f"harm is reported as {plan.harm:g} but replays as {harm:g} (risk exposure {risk:g} "
            f"+ {plan.hazard_per_hour:g} an hour x {hours:g} person-hours not yet safe)",
        )
    if plan.status is Status.OPTIMAL and plan.egress_minutes != plan.lower_bound_minutes:
        bad(
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
        bad(
            "figures",
            f"the lower bound {plan.lower_bound_minutes} exceeds the egress {plan.egress_minutes}",
        )
    return found


def _legs(
    net: Network, threats: tuple[ThreatEvent, ...], step: int
) -> tuple[
    dict[tuple[str, str, str], tuple[ArcSchedule, int]],
    dict[tuple[str, str, int], list[ArcSchedule]],
]:
    """Each direction of each link by (key, from, to), with its transit steps; and the links of
    each group (the same ends and transit steps: parallel links act as one)."""
    leg_of: dict[tuple[str, str, str], tuple[ArcSchedule, int]] = {}
    members: dict[tuple[str, str, int], list[ArcSchedule]] = defaultdict(list)
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
