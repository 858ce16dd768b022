"""The independent check: replay a plan's schedule against its network (``verify()``).

Written apart from the solver on purpose. It reads the network's links and
their (open, risk) timelines through :func:`evacplan.network.arc_schedules`,
and the plan's public movements (as columns,
:class:`~evacplan.routing.columns.Movements`) and figures; of the package it
imports only the records, the columns and a rounding constant, nothing of
the solver stages, so a fault there cannot hide itself here.
:meth:`~evacplan.routing.plan.EvacuationPlan.verify` calls it; it needs
only the fields of :class:`_Replayable`, so it does not import the plan.
The movements' stops, legs and parties are checked by :mod:`._replay_moves`,
the links' capacity and the places' throughput by :mod:`._replay_links`,
each over all movements at once (NumPy); here, the driver, the accounting of
people and parties, and the figures.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from evacplan.network import place_hazards
from evacplan.results import Party, Status
from evacplan.routing._replay_links import (
    _capacity_problems,
    _Links,
    _taken,
    _throughput_problems,
    _tiers,
)
from evacplan.routing._replay_moves import _check_movements, _Replayable, _Tally
from evacplan.routing.columns import Movements
from evacplan.routing.records import RouteViolation

__all__ = ["_Replayable", "_replay", "_risk_shares"]


def _replay(plan: _Replayable) -> list[RouteViolation]:
    """Check a plan's schedule against its network (see :meth:`EvacuationPlan.verify`).

    Written apart from the solver on purpose: it reads the network's links
    and their (open, risk) timelines, and the movements, nothing else.
    """
    t = _start(plan)
    _check_movements(t)
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
    """The replay's state before any check: the network's places and links, the safe places,
    the parties and the movements as columns, nothing found or summed yet."""
    net = plan._network
    assert net is not None
    step = plan.step_minutes
    links = _Links.of(net, plan._threats, step)
    parties = {p.id: p for p in plan.parties}
    ms = Movements.of(plan.movements)
    return _Tally(plan, net, step, net.place_by_id, set(plan.safe), parties, links, ms)


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
    found, risk = _capacity_problems(t.links, t.enter_group, t.enter_minute, t.enter_people)
    t.found += [RouteViolation("capacity", words) for words in found]
    t.risk += risk


def _check_throughput(t: _Tally) -> None:
    """The ``throughput`` rule per place and minute."""
    # Throughput: at most so many leave a place in a step (the capacity rule of links).
    places = [t.places.get(p) for p in t.ms.place_names]
    found = _throughput_problems(places, t.step, t.leave_place, t.leave_minute, t.leave_people)
    t.found += [RouteViolation("throughput", words) for words in found]


def _add_waiting_risk(t: _Tally) -> None:
    """Add the risk of the waits to the replayed risk exposure."""
    # Waiting: risk_per_hour for the time at a threatened place, arrival (or release) to departure.
    t.risk += float(_waiting_risk(t.ms, place_hazards(t.net, t.plan._threats)).sum())


def _waiting_risk(ms: Movements, hazards: dict[str, list[Any]]) -> np.ndarray:
    """Per movement, the risk its people take waiting at threatened places (all of them)."""
    out = np.zeros(len(ms), dtype=np.float64)
    if not hazards:
        return out
    n_stops = np.diff(ms.stop_start)
    owner = np.repeat(np.arange(len(ms)), n_stops)
    before_last = np.ones(owner.size, dtype=bool)
    before_last[ms.stop_start[1:][n_stops > 0] - 1] = False
    # Members of a party crossing a leg over several steps wait for their entry and for the
    # last to arrive besides.
    s_owner, s_place, s_from, s_to, s_people = ms.spread_waits()
    who = np.concatenate([owner[before_last], s_owner])
    place = np.concatenate([ms.stop_place[before_last], s_place])
    start = np.concatenate([ms.stop_arrive[before_last], s_from])
    end = np.concatenate([ms.stop_leave[before_last], s_to])
    people = np.concatenate([ms.people[owner[before_last]], s_people])
    for p, name in enumerate(ms.place_names):
        for hazard in hazards.get(name, ()):
            at = np.flatnonzero(place == p)
            overlap = np.minimum(end[at], hazard.end) - np.maximum(start[at], hazard.start)
            risk = np.where(overlap > 0, hazard.per_hour * overlap / 60, 0.0)
            np.add.at(out, who[at], people[at] * risk)
    return out


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
    ms = t.ms
    n_stops = np.diff(ms.stop_start)
    arrival = np.where(n_stops > 0, ms.stop_arrive[np.maximum(ms.stop_start[1:] - 1, 0)], 0)
    n_parties = np.diff(ms.party_start)
    minutes = float((ms.people * arrival)[n_parties == 0].sum())
    known = [t.parties.get(p) for p in ms.party_names]
    size = np.array([0 if p is None else p.size for p in known] + [0], dtype=np.float64)
    release = np.array(
        [0 if p is None else p.release_minute for p in known] + [0], dtype=np.float64
    )
    owner = np.repeat(np.arange(len(ms)), n_parties)
    waited = np.maximum(0.0, arrival[owner] - release[ms.party])
    minutes += float(waited @ size[ms.party])
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


def _risk_shares(plan: _Replayable) -> list[float]:
    """Per movement, the risk exposure of each of its people (``verify()``'s sums, shared out).

    People entering a link group at a minute take its safest open links
    first (as :func:`_replay` counts them); each person of a movement
    entering then carries their average. Waiting risk is each person's own.
    Summed over movements and people, the plan's risk exposure. Read from
    the movements' columns: a group's tiers are worked out once a minute it
    is entered, not once a movement, and not at all where no link or threat
    carries risk.
    """
    net = plan._network
    assert net is not None
    step = plan.step_minutes
    ms = Movements.of(plan.movements)
    shares = np.zeros(len(ms), dtype=np.float64)
    if not plan._threats and not any(link.risk for link in net.links):
        return shares.tolist()
    links = _Links.of(net, plan._threats, step)
    owner, near = ms.leg_movement, ms.leg_stop
    if near.size:
        ends = np.stack([ms.leg_link, ms.stop_place[near], ms.stop_place[near + 1]], axis=1)
        kinds, kind = np.unique(ends, axis=0, return_inverse=True)
        names, places = ms.link_names, ms.place_names
        group = np.array(
            [links.leg_of[(names[k], places[a], places[b])] for k, a, b in kinds.tolist()],
            dtype=np.int64,
        )[kind.ravel()]
        # Who enters a link when: a leg at its stop's minute, or a spread leg by its entries.
        whole = np.ones(near.size, dtype=bool)
        whole[ms.spread_leg] = False
        legs = np.concatenate(
            [np.flatnonzero(whole), np.repeat(ms.spread_leg, np.diff(ms.spread_start))]
        )
        minute = np.concatenate([ms.stop_leave[near[whole]], ms.spread_minute])
        people = np.concatenate([ms.people[owner[whole]], ms.spread_people])
        order = np.lexsort((minute, group[legs]))
        legs, minute, people = legs[order], minute[order], people[order]
        g = group[legs]
        first = np.ones(order.size, dtype=bool)
        first[1:] = (g[1:] != g[:-1]) | (minute[1:] != minute[:-1])
        starts = np.flatnonzero(first)
        count = np.add.reduceat(people, starts)
        risk = np.array(
            [
                _taken(_tiers(links.members[gi], at, step), n)
                for gi, at, n in zip(
                    g[starts].tolist(), minute[starts].tolist(), count.tolist(), strict=True
                )
            ],
            dtype=np.float64,
        )
        each = np.repeat(risk / count, np.diff(np.append(starts, order.size)))
        mi = owner[legs]
        shares += np.bincount(mi, each * people / ms.people[mi], minlength=len(ms))
    hazards = place_hazards(net, plan._threats)
    if not hazards:
        return shares.tolist()
    names = ms.place_names
    risky = np.array([name in hazards for name in names], dtype=bool)
    stays = np.ones(ms.stop_place.size, dtype=bool)
    stays[ms.stop_start[1:] - 1] = False  # (the last stop is safety)
    at = np.flatnonzero(stays & risky[ms.stop_place])
    of = np.searchsorted(ms.stop_start, at, side="right") - 1
    for mi, p, start, end in zip(
        of.tolist(),
        ms.stop_place[at].tolist(),
        ms.stop_arrive[at].tolist(),
        ms.stop_leave[at].tolist(),
        strict=True,
    ):
        for hazard in hazards[names[p]]:
            shares[mi] += hazard.exposure(start, end)
    for mi, p, start, end, n in zip(*(c.tolist() for c in ms.spread_waits()), strict=True):
        for hazard in hazards.get(names[p], ()):  # a member's wait for the rest of the party
            shares[mi] += hazard.exposure(start, end) * n / int(ms.people[mi])
    return shares.tolist()
