"""The front door: :func:`evacuate`, which runs the routing stages in order.

Arguments are checked (:mod:`._arguments`); :func:`_evacuate` is the
pipeline, one function per stage, passing named records along. The first
stages are in :mod:`._sources`: the network is compiled (:mod:`._compile`),
people become parcels by place and release step and are summed by source,
and the splittable optimum and its proof come from :mod:`._solve` (over
:mod:`._search`, :mod:`._expand`, :mod:`._maxflow`, :mod:`._objectives`).
Here, the flow becomes movements with parties whole (:func:`_schedule`:
:mod:`._movements`, :mod:`._repair`); the schedule is proven against the
splittable bound, by the MIP of :mod:`._parties` when it misses
(:func:`_prove_parties`, through :mod:`._settle`); and the findings (status,
bounds, bottlenecks, the stranded) make the
:class:`~evacplan.routing.plan.EvacuationPlan` (:func:`_plan`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from evacplan._time import in_clock
from evacplan.errors import SolverError
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.results import Party, Status
from evacplan.routing._arguments import _check, _Inputs
from evacplan.routing._arrays import _no_gc
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _risk_of, _saturated
from evacplan.routing._findings import _bottlenecks, _per_tier, _short, _stranded, _tier_words
from evacplan.routing._movements import _Histories, _in_queue_order, _Parcel, _sweep
from evacplan.routing._repair import _home, _improve, _repair
from evacplan.routing._round_trips import _back_later, _straight_back
from evacplan.routing._settle import _bound, _Draft, _have, _prove_saved, _prove_whole, _Tiers
from evacplan.routing._sources import (
    _by_source,
    _compile_run,
    _Flows,
    _flows,
    _People,
    _people,
    _Run,
    _Sources,
)
from evacplan.routing._sweep_plain import _plain_sweep
from evacplan.routing._unroll import _movements, _waiting_units
from evacplan.routing.columns import Movements, hours_not_safe
from evacplan.routing.plan import EvacuationPlan
from evacplan.routing.records import Bottleneck

__all__ = ["evacuate"]


def evacuate(
    network: Network | Scenario,
    supply: Mapping[str, int] | None = None,
    safe: Iterable[str] | None = None,
    *,
    parties: Iterable[Party] | None = None,
    step_minutes: int | None = None,
    threats: Iterable[ThreatEvent] | None = None,
    objective: str = "quickest",
    deadline: float | None = None,
    time_limit: float | None = None,
    max_memory: int | str | None = None,
    hazard_per_hour: float | None = None,
) -> EvacuationPlan:
    """Plan who moves when, by which route, until everyone is safe.

    Parameters
    ----------
    network
        A :class:`~evacplan.models.Network` (e.g. from
        :func:`~evacplan.io.read_tntp`) or a :class:`~evacplan.models.Scenario`.
    supply
        People to move, by place: ``{"3": 800}`` (a TNTP node number may be
        given as a number). Plain counts may be split across routes. With a
        Scenario and neither ``supply`` nor ``parties``, every staff member
        leaves with their dependants.
    safe
        The places that end an evacuation; by default the network's safe
        places (kind ``safe_haven`` or ``safe: true``).
    parties
        Parties that are never split (e.g. ``drawdown(...).parties``), each
        leaving its location from its ``release_minute``. Parties with
        ``relocate=False`` stand down at home and are listed, not moved.
    step_minutes
        Length of a time step, a whole number of minutes from 1 to 1440; by
        default the scenario's ``step_minutes``, else 5. A link of m minutes
        takes ``max(1, ceil(m / step))`` steps; a link of c people an hour
        admits ``floor(c * t / 60)`` by minute t, so nothing is lost to
        rounding (docs/routing.md, "Capacity").
    threats
        Threat events to apply instead of a Scenario's own (a Network has none);
        to add one, pass ``[*scenario.threats, extra]``.
    objective
        ``"quickest"``: the least egress time T*, then the least risk
        exposure, then the earliest arrivals. ``"least_harm"``: the least
        harm (risk exposure plus ``hazard_per_hour`` for each hour a person is
        released but not safe), then the earliest arrivals and egress.
        ``"safest"``: the least risk exposure with everyone safe by
        ``deadline``. ``"most_saved"``: the most people safe by ``deadline``,
        priority tier by tier (staff, priority 0, first), then the least harm;
        the rest are left behind (in ``stranded``, with why). The tie-breaks
        are in docs/routing.md, "Objectives".
    deadline
        Minutes from the start by which everyone must be safe (needed for
        ``safest``; for ``most_saved`` it defaults to the arrival of the last
        scheduled departure). If it cannot be met, the plan moves as many
        people as can be safe by then and lists the rest as stranded.
    time_limit
        Seconds for the whole solve. When it runs out, the stages still to
        run are skipped: a valid schedule with status ``feasible``, its proven
        bound and a note on what was not optimised. Without a limit the flows
        run to the end and the search for whole-party schedules gets 10 s.
    max_memory
        The most memory a time-expanded network may take, in bytes or as a
        size such as ``"6GiB"``; by default half of this machine's physical
        memory. A network estimated to need more is refused before it is
        built. It bounds the plan too (without ``max_memory``, 2 GiB): groups
        cut into more parties than it holds at about 3,000 bytes each (some
        700,000), or a plan bound to hold more movements than it holds at
        about 1,000 bytes each (some two million), are refused at once.
    hazard_per_hour
        The chance of harm each hour a person spends released but not yet
        safe (0 to 1): by default the scenario's ``hazard_per_hour``, or 0.002
        for a Network. ``least_harm`` and ``most_saved`` make harm least.

    Returns
    -------
    EvacuationPlan
        The schedule with its status, proof and figures; infeasibility is a
        status, with the people cut off and why, never an exception.

    Raises
    ------
    TooLargeError
        When a time-expanded network, a scenario's groups' parties, or the
        plan's movements would exceed ``max_memory``: it names the steps, arcs
        and people (or the group, or the movements) and what to change (a
        coarser step, an earlier deadline, a larger party size).
    ScenarioError
        Listing every problem with the arguments (unknown places, negative
        counts, an unknown objective, ``safest`` without a deadline, ...).

    Examples
    --------
    >>> from evacplan.io import read_tntp, tntp_path
    >>> net = read_tntp(tntp_path("SiouxFalls"))
    >>> route = evacuate(net, supply={"3": 800, "20": 400}, safe={"1", "13"}, step_minutes=1)
    >>> route.status, route.egress_minutes == route.lower_bound_minutes
    (<Status.OPTIMAL: 'optimal'>, True)
    >>> sum(m.count for m in route.movements)
    1200
    >>> route.movements[0].itinerary[0]
    Stop(place='20', arrive=0, leave=0)

    Parties are moved whole:

    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.results import Party
    >>> scenario = load_scenario(seed_path("tiny"))
    >>> plan = evacuate(scenario, parties=[Party("cap-04", 4, "residence"), Party("cap-05", 1, "embassy")])
    >>> [(m.parties, m.destination) for m in plan.movements]
    [(['cap-05'], 'haven'), (['cap-04'], 'haven')]
    """
    started = time.perf_counter()
    where = (network, supply, safe, parties, step_minutes, threats)
    inp = _check(*where, objective, deadline, time_limit, max_memory, hazard_per_hour)
    with _no_gc():
        return _evacuate(inp, started, _Clock(inp.time_limit))


@dataclass(slots=True)
class _Settled:
    """The whole-party schedule with its status, bounds (minutes), proof and notes."""

    draft: _Draft
    status: Status
    lower: int | None
    quickest: int | None
    proof: str
    notes: list[str]
    carried: int
    """People the sweep and the repair moved, before any schedule of the MIP's."""


def _evacuate(inp: _Inputs, started: float, clock: _Clock) -> EvacuationPlan:
    """Run the stages: compile, sources, flows, movements, parties, findings."""
    run = _compile_run(inp, clock)
    people = _people(run)
    sources = _by_source(run, people)
    flows = _flows(run, people, sources)
    draft = _schedule(run, people, sources, flows)
    settled = _prove_parties(run, people, sources, flows, draft)
    return _plan(run, people, flows, settled, started)


def _schedule(run: _Run, people: _People, sources: _Sources, flows: _Flows) -> _Draft:
    """Split the flow into movements with parties whole: the sweep, then the repair of the
    parties it could not place (stages 5 and 6a); who cannot be moved is stranded, with why."""
    draft = _Draft(_Histories(), {}, [], [])
    result = flows.result
    if result is None or result.horizon is None:
        draft.stranded += [
            (p, flows.why.get(people.key_of(p), "cannot reach safety"))
            for _, p in people.travelling
        ]
        return draft
    left = _sweep_flows(run, people, sources, flows, draft)
    _repair_parties(run, people, flows, draft, left)
    for _, p in people.travelling:
        if people.key_of(p) in sources.cut_keys:
            draft.stranded.append((p, flows.why[people.key_of(p)]))
    return draft


def _sweep_flows(
    run: _Run, people: _People, sources: _Sources, flows: _Flows, draft: _Draft
) -> list[tuple[_Parcel, int]]:
    """Move parcels along the flow into ``draft``, first come first served; return the
    parties left short of safety (plain supply left short is stranded)."""
    result = flows.result
    assert result is not None
    key_of, queued = people.key_of, people.queued
    # By priority in every queue, the urgent first within it.
    go = sorted(
        ((place, p) for place, p in people.travelling if key_of(p) not in sources.cut_keys),
        key=lambda x: people.queue_of[x[1].party] if x[1].party >= 0 else 1,
    )
    go = _as_sent(go, people, sources, flows, draft)
    # Trips straight back cancelled: people sent from a place and straight back would lose
    # their place in its queue to those who came after them.
    moves = _straight_back(run.net, result.move_group, result.move_step, result.move_flow)
    swept = None
    if not queued and all(p.party < 0 for _, p in go):  # plain counts: compiled, on a large flow
        swept = _plain_sweep(run.net, *moves, go, draft.hist, draft.used)
    else:  # and for parties, the trips back after a wait there
        moves = _back_later(run.net, *moves, [(u, p.reached, p.count) for u, p in go])
    flow = (run.net, *moves, go)
    draft.travelled, left = swept or _sweep(
        *flow,
        draft.hist,
        draft.used,
        people.queue_of if queued else None,
        # Groups' parties may board over consecutive departures; staff parties go
        # whole (under most_saved, any party may).
        spread=True if run.most_saved else [p.priority > 0 for p in people.moving],
        plain=1 if queued else 0,
    )
    for p, _ in left:
        if p.party < 0:
            draft.stranded.append((p, flows.why.get(key_of(p), _NO_ROOM)))
    return [(p, place) for p, place in left if p.party >= 0]


def _as_sent(
    go: list[tuple[int, _Parcel]],
    people: _People,
    sources: _Sources,
    flows: _Flows,
    draft: _Draft,
) -> list[tuple[int, _Parcel]]:
    """``go`` with plain counts cut to what the flow sends from their source, the rest
    stranded at home in ``draft`` with why. Where a deadline lets fewer go than are there,
    the flow chooses whom; swept first come first served, people from another source could
    take the departures meant for them, and be stranded on the way (their risk so far
    counted for people who never reach safety)."""
    assert flows.result is not None
    sent = flows.result.src_out
    left = {sources.keys[i]: int(sent[j]) for j, i in enumerate(sources.routable)}
    kept = []
    for place, p in go:
        if p.party < 0:
            key = people.key_of(p)
            room = left.get(key, 0)
            if p.count > room:
                stay = p.split(p.count - room, p.reached)
                draft.stranded.append((stay, flows.why.get(key, _NO_ROOM)))
            left[key] = room - p.count
            if not p.count:
                continue
        kept.append((place, p))
    return kept


_NO_ROOM = "no room left on the routes out"
"""Why plain counts are left short of safety when the flows gave no other reason."""


def _repair_parties(
    run: _Run, people: _People, flows: _Flows, draft: _Draft, left: list[tuple[_Parcel, int]]
) -> None:
    """Route the parties the sweep left through the capacity left, into ``draft``; then
    re-route the parties furthest above their own best (in harm for ``least_harm``, else in
    risk exposure)."""
    net, result, key_of = run.net, flows.result, people.key_of
    assert result is not None and result.horizon is not None
    quota = flows.quota
    if quota is not None:
        # A tier already at its most safe by the deadline cannot gain a party: its rest
        # are left behind, for the reason the quotas give.
        moved = _per_tier(quota.size, draft.travelled, key_of)
        full = [(p, place) for p, place in left if moved[key_of(p)[2]] >= quota[key_of(p)[2]]]
        for p, _ in full:
            _home(p, draft.hist, draft.used)
        draft.stranded += [(p, flows.why[key_of(p)]) for p, _ in full]
        left = [x for x in left if moved[key_of(x[0])[2]] < quota[key_of(x[0])[2]]]
    if left:
        fixed, failed = _repair(
            net,
            left,
            draft.hist,
            draft.used,
            result.horizon,
            flows.deadline,
            run.order,
            result.reach,
            first=(lambda p: people.queue_of[p.party]) if people.queued else None,
            spread_any=run.most_saved,
            clock=run.clock if run.most_saved else None,  # (elsewhere: everyone, late or not)
        )
        draft.travelled += fixed
        draft.stranded += [(p, flows.why.get(key_of(p), reason)) for p, reason in failed]
    if people.moving:
        bound = _bound(net, result, run.order)
        alone = _Draft(draft.hist, draft.used, draft.travelled, [])
        if _have(net, alone, run.order, people.party_ids, bound) != bound:
            # Least harm re-routes by harm; the others by risk, by the deadline (safest) or
            # without delaying the egress (quickest: risk comes second there).
            by = flows.deadline
            if run.order == "quickest":
                by = max((arrive for _, _, arrive in draft.travelled), default=result.horizon)
            hazard = net.hazard_int if run.order == "least_harm" else 0
            _improve(
                net,
                draft.travelled,
                draft.hist,
                draft.used,
                result.horizon,
                by,
                run.clock,
                hazard=hazard,
            )


def _prove_parties(
    run: _Run, people: _People, sources: _Sources, flows: _Flows, draft: _Draft
) -> _Settled:
    """Settle the whole-party schedule's status, egress bound and proof against the
    splittable optimum, by the MIP of :mod:`._parties` where it misses (stages 6b and 7)."""
    inp, result, s = run.inp, flows.result, run.inp.step
    settled = _Settled(
        draft=draft,
        status=Status.OPTIMAL,  # nobody to move, or nobody can be safe (in time)
        lower=None if result is None or result.lower is None else result.lower * s,
        quickest=None if result is None or result.quickest is None else result.quickest * s,
        proof=(
            "nobody to move"
            if not people.travelling
            else (result.proof if result is not None else "nobody can reach safety")
        ),
        notes=[],
        carried=sum(p.count for p, _, _ in draft.travelled),
    )
    short_of_quota = _quota_proof(run, people, flows, settled)
    # Whoever cannot be reached is stranded, with why; the status is for everyone else.
    if people.travelling and result is not None and result.horizon is not None:
        if not run.most_saved and settled.carried < result.target:
            settled.status = Status.FEASIBLE
            settled.lower = None  # the bound is for as many as the routes carry, and fewer go
            settled.notes.append(
                f"parties are never split: the routes out could carry {result.target:,} of the "
                f"people, and this schedule moves {settled.carried:,} of them with their parties "
                "whole; the others are stranded, and no bound is proven for the schedule"
            )
        else:
            _against_bound(run, people, sources, flows, settled, short_of_quota)
    reach = None if result is None else result.reach
    if reach is not None and flows.deadline is not None and reach < flows.deadline:
        settled.notes.append(
            f"the deadline (minute {inp.deadline:g}) is later than can matter: by minute "
            f"{reach * s} the risk exposure is already the least any schedule could have, "
            "so the plan looks no further"
        )
    return settled


def _quota_proof(run: _Run, people: _People, flows: _Flows, settled: _Settled) -> str:
    """For ``most_saved``, put the tiers' quotas in front of the proof; return which tiers
    the schedule leaves short of them, in words ('' when none, or without quotas)."""
    quota, counts = flows.quota, flows.counts
    if quota is None:
        return ""
    assert counts is not None
    tiers = ", ".join(
        f"{_tier_words(people.priority_of(k))} {int(quota[k]):,} of {int(counts[k]):,}"
        for k in range(quota.size)
        if counts[k]
    )
    settled.proof = (
        f"by the deadline (minute {run.inp.deadline:g}) max flows tier by tier carry at most: "
        f"{tiers}; " + (settled.proof if quota.sum() else "nobody can be safe by then")
    )
    moved = _per_tier(quota.size, settled.draft.travelled, people.key_of)
    return _short(quota, moved, people.priority_of)


def _against_bound(
    run: _Run,
    people: _People,
    sources: _Sources,
    flows: _Flows,
    settled: _Settled,
    short_of_quota: str,
) -> None:
    """Prove the schedule optimal when it meets the splittable bound; else let
    :mod:`._settle` try the whole-party MIP and take its verdict."""
    net, inp, result, draft = run.net, run.inp, flows.result, settled.draft
    ids, initial, lower = people.party_ids, sources.initial, settled.lower
    assert result is not None
    bound = _bound(net, result, run.order)
    have = _have(net, draft, run.order, ids, bound)
    if have == bound and result.proven == 3 and not short_of_quota:
        return  # optimal
    if run.most_saved:
        assert flows.quota is not None and flows.counts is not None
        by_tier = _Tiers(
            quota=flows.quota,
            counts=flows.counts,
            tier_of=people.tier_of,
            priority_of=people.priority_of,
            key_of=people.key_of,
            cut_keys=sources.cut_keys,
            why=flows.why,
        )
        verdict = _prove_saved(
            net, inp, result, draft, have, initial, ids, by_tier, lower, run.clock
        )
    else:
        verdict = _prove_whole(
            net,
            inp,
            result,
            draft,
            have,
            initial,
            people.moving,
            ids,
            lower,
            settled.quickest,
            run.clock,
        )
    settled.draft = verdict.draft
    settled.status, settled.lower = verdict.status, verdict.lower
    settled.proof += verdict.proof
    settled.notes += verdict.notes


def _plan(
    run: _Run, people: _People, flows: _Flows, settled: _Settled, started: float
) -> EvacuationPlan:
    """Turn the settled schedule into the plan: movements, egress, risk and harm, bounds,
    bottlenecks and the stranded, in clock times where the network has a clock."""
    inp, net, result, draft = run.inp, run.net, flows.result, settled.draft
    _in_queue_order(
        draft.travelled,
        draft.stranded,
        draft.hist,
        people.queue_of if people.queued else None,
        lambda p: flows.why.get(people.key_of(p)),
        net,
    )
    finished = people.finished + draft.travelled
    movements = _movements(net, draft.hist, finished, people.party_ids, draft.used)
    egress = (
        int(movements.arrival_minute.max()) if len(movements) else None if draft.stranded else 0
    )
    risk = _risk_of(net, draft.used) + _waiting_units(net, movements) / net.risk_scale
    hours = hours_not_safe(movements, people.moving)
    harm_low = _harm_low(run, people, flows, settled)
    lower, proof = settled.lower, settled.proof
    if not people.travelling or result is None or result.horizon is None:
        lower = egress
        if finished:
            proof = "everyone starts at a safe place"
    status = settled.status
    if lower is not None and egress is not None and lower > egress:
        # The bound is the egress of the splittable optimum's schedules; a plan of whole
        # parties that misses that optimum (or saves fewer) may end sooner, and then only
        # the quickest egress bounds it (or its own, when it saves fewer than that counts).
        quickest = settled.quickest
        lower = quickest if quickest is not None and quickest <= egress else egress
    if status is Status.OPTIMAL and lower != egress and inp.objective == "quickest":
        raise SolverError(f"a plan proven optimal must end at its bound ({egress} vs {lower})")
    bottlenecks, said = _bottlenecks_said(run, flows, draft, movements)

    # Where the network has a clock (a scenario's start), reasons and notes say clock times.
    start = getattr(inp.network, "start", None)
    stranded = [
        replace(x, reason=in_clock(start, x.reason))
        for x in _stranded(net, draft.stranded, people.party_ids)
    ]
    harm = risk + inp.hazard * hours
    return EvacuationPlan(
        status=status,
        objective=inp.objective,
        step_minutes=inp.step,
        movements=movements,
        egress_minutes=egress,
        lower_bound_minutes=lower,
        quickest_minutes=settled.quickest,
        deadline_minutes=inp.deadline,
        risk_exposure=risk,
        bottlenecks=bottlenecks,
        stranded=stranded,
        standing_down=people.standing_down,
        supply=dict(inp.supply),
        parties=tuple(inp.parties),
        safe=tuple(inp.safe),
        proof=in_clock(start, proof),
        notes=[in_clock(start, n) for n in settled.notes],
        runtime_seconds=time.perf_counter() - started,
        bottlenecks_why=said,
        hazard_per_hour=inp.hazard,
        harm=harm,
        hours_not_safe=hours,
        harm_lower_bound=(
            harm if status is Status.OPTIMAL and run.order == "least_harm" else harm_low
        ),
        network_name=inp.network.name,
        _network=inp.network,
        _threats=inp.threats,
        _households=inp.households,
    )


def _harm_low(run: _Run, people: _People, flows: _Flows, settled: _Settled) -> float | None:
    """The flows' lower bound on harm, from each person's release (None without one, or when
    fewer people go than the routes carry)."""
    result = flows.result
    if result is None or result.harm_low is None or result.target != settled.carried:
        return None
    released = sum(
        p.count * float(people.moving[p.party].release_minute)
        for p, _, _ in settled.draft.travelled
        if p.party >= 0
    )
    return result.harm_low / run.net.risk_scale - run.hazard * released / 60


def _bottlenecks_said(
    run: _Run, flows: _Flows, draft: _Draft, movements: Movements
) -> tuple[list[Bottleneck], str]:
    """The plan's bottlenecks and what they are: for ``safest`` the links it fills, else the
    proof's minimum cut."""
    net, result = run.net, flows.result
    if run.inp.objective == "safest":
        bottlenecks = _bottlenecks(net, _saturated(net, draft.used))
        said = (
            "links this plan fills to capacity"
            if bottlenecks
            else "no link this plan uses is full: its routes' travel times set the egress"
        )
        return bottlenecks, said
    bottlenecks = _bottlenecks(net, result.cut if result is not None else [])
    said = (
        "a minimum cut: together they admit too few people for anyone to finish sooner"
        if bottlenecks
        else "nobody moves"
        if not movements
        else "no link's capacity holds anyone back: the egress is the farthest people's travel time"
        if result is not None and result.distance
        else "no link runs full in the proof's min cut: link windows and closures set the egress"
    )
    return bottlenecks, said
