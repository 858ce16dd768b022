"""The front door: :func:`evacuate`, which runs the routing stages in order.

Arguments are checked (:mod:`._arguments`); the network is compiled
(:mod:`._compile`); people become parcels by place and release step; the
splittable optimum and its proof come from :mod:`._solve` (over
:mod:`._search`, :mod:`._expand`, :mod:`._maxflow`, :mod:`._objectives`);
the flow becomes movements with parties whole (:mod:`._movements`,
:mod:`._repair`, and the MIP of :mod:`._parties` when the bound is missed);
the status, bounds, bottlenecks and stranded people are settled here, and
the result is an :class:`~evacplan.routing.plan.EvacuationPlan`.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np

from evacplan._time import in_clock
from evacplan.errors import SolverError
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.network import arcs
from evacplan.results import Party, Status
from evacplan.routing._arguments import _check, _Inputs
from evacplan.routing._arrays import _EPS, _FOREVER, _ceil_div, _no_gc
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _compile, _risk_of, _saturated
from evacplan.routing._findings import (
    _bottlenecks,
    _left_words,
    _per_tier,
    _short,
    _stranded,
    _tier_words,
)
from evacplan.routing._movements import (
    _Histories,
    _movements,
    _Parcel,
    _sweep,
    _waiting_units,
)
from evacplan.routing._repair import _improve, _repair
from evacplan.routing._search import _Splittable
from evacplan.routing._settle import (
    _bound,
    _Draft,
    _have,
    _order,
    _prove_saved,
    _prove_whole,
    _Tiers,
)
from evacplan.routing._solve import _FlowResult, _solve_flows
from evacplan.routing.plan import EvacuationPlan, hours_not_safe

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
        takes ``max(1, ceil(m / step))`` steps. Nothing is lost to rounding: a
        link of c people an hour admits ``floor(c * t / 60)`` people by minute
        t of the scenario, so a step admits the difference between its end
        and its start (100 an hour at 5-minute steps: 8 or 9 a step, 100 an
        hour; parallel links of equal transit add their hourly capacities).
    threats
        Threat events to apply instead of a Scenario's own (a Network has none);
        to add one, pass ``[*scenario.threats, extra]``.
    objective
        ``"quickest"``: the least egress time T*, then the least risk
        exposure, then the earliest arrivals. ``"least_harm"``: the least
        harm (risk exposure plus ``hazard_per_hour`` for every hour each
        person spends between release and safety), then the earliest
        arrivals, then the earliest egress; proven over every horizon, so a
        plan waits for a safer road only when the wait costs less than the
        risk it saves. ``"safest"``: the least risk
        exposure with everyone safe by ``deadline``, then the earliest egress,
        then the earliest arrivals. ``"most_saved"``: the most people safe by
        ``deadline``, priority tier by tier (parties' ``priority``: staff 0
        first, then groups 1, 2, ...), then the least harm; whoever is not safe
        by then is listed as left behind (in ``stranded``), with why.
    deadline
        Minutes from the start by which everyone must be safe (needed for
        ``safest``; for ``most_saved`` it defaults to the arrival of the last
        scheduled departure). If it cannot be met, the plan moves as many
        people as can be safe by then and lists the rest as stranded.
    time_limit
        Seconds for the whole solve, flow stages included. When it runs out,
        the stages still to run are skipped: the plan is a valid schedule
        with status ``feasible``, its proven bound and a note on what was
        not optimised (a min-cost flow that is still running is abandoned).
        Turning the schedule into movements comes after, in time linear in
        its size. Without a limit the flows run to the end and the search
        for whole-party schedules gets 10 s.
    max_memory
        The most memory a time-expanded network may take, in bytes or as a
        size such as ``"6GiB"`` or ``"512M"``; by default half of this
        machine's physical memory. A network estimated to need more is
        refused before it is built, with a :class:`~evacplan.errors.SolverError`
        that names its steps, arcs and people and what to change (a coarser
        step, an earlier deadline).
    hazard_per_hour
        The chance of harm each hour a person spends released but not yet
        safe, waiting or travelling (0 to 1): by default the scenario's
        ``hazard_per_hour``, or 0.002 for a Network. Every plan reports its
        ``harm`` with it; ``least_harm`` and ``most_saved`` make it least.

    Returns
    -------
    EvacuationPlan
        The schedule with its status, proof and figures; infeasibility is a
        status, with the people cut off and why, never an exception.

    Raises
    ------
    SolverError
        When a time-expanded network would exceed ``max_memory``.
    ScenarioError
        Listing every problem with the arguments: unknown places in
        ``supply``, ``safe`` or parties, negative counts, an unknown
        objective, ``safest`` without a deadline, no safe places, a bad
        ``max_memory``, a step that is not a whole number of minutes from 1
        to 1440.

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
    inp = _check(
        network,
        supply,
        safe,
        parties,
        step_minutes,
        threats,
        objective,
        deadline,
        time_limit,
        max_memory,
        hazard_per_hour,
    )
    with _no_gc():
        return _evacuate(inp, started, _Clock(inp.time_limit))


_FLOW_SHARE = 0.65
"""The part of the time left that the flow stages may use; the rest is kept for turning the
flows into movements, parties whole (the sweep and the repair, which cannot be skipped), and
then for the whole-party MIP. Measured: on a 12,837-person timeline the sweep and repair
took about 0.75 s after flows cut off at 1.1 s."""

_BUILD_SECONDS_PER_PERSON = 9e-6
"""At least this much time a person moved is kept after the flows for building the
movements from them (measured: 0.6-0.9 s for 100,000 people on Chicago-Sketch)."""


def _evacuate(inp: _Inputs, started: float, clock: _Clock) -> EvacuationPlan:
    # Harm weighs each step not yet safe; the other objectives leave it out of their costs.
    order = _order(inp.objective)
    hazard = inp.hazard if order == "least_harm" else 0.0
    net = _compile(inp.network, inp.threats, inp.step, set(inp.safe), hazard)
    net.max_memory = inp.max_memory
    index = {p: i for i, p in enumerate(net.ids)}
    s = inp.step
    notes: list[str] = []

    moving = [p for p in inp.parties if p.relocate]
    standing_down = [p.id for p in inp.parties if not p.relocate]
    party_ids = [p.id for p in moving]
    parcels: list[tuple[int, _Parcel]] = []
    for where, count in inp.supply.items():
        if count:
            parcels.append((index[where], [count, -1, -1, 0, index[where], 0]))
    for i, party in enumerate(moving):
        r = _ceil_div(float(party.release_minute), s)
        at = index[party.location]
        parcels.append((at, [int(party.size), -1, i, r, at, r]))

    finished: list[tuple[_Parcel, int, int]] = []
    stranded: list[tuple[_Parcel, str]] = []
    travelling: list[tuple[int, _Parcel]] = []
    for place, p in parcels:
        if net.safe[place]:
            finished.append((p, place, 0))  # safe all along, whenever they are released
        else:
            travelling.append((place, p))

    # Sources: people by (place, release step, and for most_saved priority tier); those with
    # no route at all are cut off.
    most_saved = inp.objective == "most_saved"
    ranks = {pr: i for i, pr in enumerate(sorted({p.priority for p in moving} | {0}))}
    tier_of = [ranks[p.priority] if most_saved else 0 for p in moving]
    # Queues, whatever the objective: higher priority first (staff and their dependants,
    # then groups by priority), the urgent first within it. The flow fixes how many leave a
    # place when; this only says who, so it costs the objective nothing.
    queue_of = [2 * ranks[p.priority] + (not p.urgent) for p in moving]
    queued = len(ranks) > 1 or any(p.urgent for p in moving)

    def key_of(p: _Parcel) -> tuple[int, int, int]:
        return (p[4], p[5], tier_of[p[2]] if p[2] >= 0 else 0)

    src: dict[tuple[int, int, int], int] = defaultdict(int)
    for _, p in travelling:
        src[key_of(p)] += p[0]
    keys = sorted(src)
    src_place = np.array([k[0] for k in keys], dtype=np.int64)
    src_step = np.array([k[1] for k in keys], dtype=np.int64)
    src_count = np.array([src[k] for k in keys], dtype=np.int64)
    src_tier = np.array([k[2] for k in keys], dtype=np.int64)
    sp = _Splittable(net, src_place, src_step, src_count) if keys else None
    cut_off: set[int] = set()
    if sp is not None:
        for i, (place, _, _) in enumerate(keys):
            if sp.to_safe[place] >= _FOREVER:
                cut_off.add(i)
    routable = [i for i in range(len(keys)) if i not in cut_off]

    result: _FlowResult | None = None
    dl_step = None if inp.deadline is None else math.floor(inp.deadline / s + _EPS)
    if routable:
        sub = _Splittable(net, src_place[routable], src_step[routable], src_count[routable])
        keep = _BUILD_SECONDS_PER_PERSON * int(src_count.sum())

    # Reasons, per source key, for anyone left behind.
    why: dict[tuple[int, int, int], str] = {}
    priority_of = {i: pr for pr, i in ranks.items()}.__getitem__  # a tier's priority

    ends = [(a.key, a.source, a.target) for a in arcs(inp.network)] if cut_off else []
    quota = counts = None
    if routable and most_saved:
        assert dl_step is not None  # most_saved always has one (a default when not given)
        quota = sub.set_tiers(src_tier[routable], dl_step)
        counts = np.bincount(
            src_tier[routable], weights=src_count[routable], minlength=quota.size
        ).astype(np.int64)
        for i in routable:
            k = int(src_tier[i])
            if quota[k] < counts[k]:
                why[keys[i]] = _left_words(
                    int(quota[k]), int(counts[k]), priority_of(k), k == 0, inp.deadline or 0
                )
    for i in cut_off:
        cut = net.ids[keys[i][0]]
        near = {key for key, u, v in ends if cut in (u, v)}
        closed = [k for k in net.closed if k in near]
        cause = (
            f" ({'link' if len(closed) == 1 else 'links'} {', '.join(closed)} "
            f"{'is' if len(closed) == 1 else 'are'} closed for the whole scenario)"
            if closed
            else ""
        )
        why[keys[i]] = "no route to any safe place" + cause
    if routable and (quota is None or quota.sum() > 0):
        result = _solve_flows(sub, order, dl_step, clock.part(_FLOW_SHARE, keep=keep))
    if result is not None:
        for j, i in enumerate(routable):
            if j in result.reasons:
                why[keys[i]] = result.reasons[j]

    # Split the flow into movements, parties whole.
    hist = _Histories()
    used: dict[tuple[int, int], int] = {}
    travelled: list[tuple[_Parcel, int, int]] = []
    cut_keys = {keys[i] for i in cut_off}
    initial = [(place, list(p)) for place, p in travelling if key_of(p) not in cut_keys]
    if result is not None and result.horizon is not None:
        # By priority in every queue, the urgent first within it.
        go = sorted(
            ((place, p) for place, p in travelling if key_of(p) not in cut_keys),
            key=lambda x: queue_of[x[1][2]] if x[1][2] >= 0 else 1,
        )
        travelled, left = _sweep(
            net,
            result.move_group,
            result.move_step,
            result.move_flow,
            go,
            hist,
            used,
            queue_of if queued else None,
            # Groups' parties may board over consecutive departures; staff parties go
            # whole (under most_saved, any party may).
            spread=True if most_saved else [p.priority > 0 for p in moving],
            plain=1 if queued else 0,
        )
        for p, _ in left:
            if p[2] < 0:
                stranded.append((p, why.get(key_of(p), "no room left on the routes out")))
        left = [(p, place) for p, place in left if p[2] >= 0]
        if quota is not None:
            # A tier already at its most safe by the deadline cannot gain a party: its rest
            # are left behind, for the reason the quotas give.
            moved = _per_tier(quota.size, travelled, key_of)
            full = [(p, place) for p, place in left if moved[key_of(p)[2]] >= quota[key_of(p)[2]]]
            stranded += [(p, why[key_of(p)]) for p, _ in full]
            left = [x for x in left if moved[key_of(x[0])[2]] < quota[key_of(x[0])[2]]]
        if left:
            fixed, failed = _repair(
                net,
                left,
                hist,
                used,
                result.horizon,
                dl_step,
                order,
                result.reach,
                first=(lambda p: queue_of[p[2]]) if queued else None,
                spread_any=most_saved,
                clock=clock if most_saved else None,  # (elsewhere: everyone, late or not)
            )
            travelled += fixed
            stranded += [(p, why.get(key_of(p), reason)) for p, reason in failed]
        if order == "least_harm" and moving:
            bound = _bound(net, result, order)
            if _have(net, _Draft(hist, used, travelled, []), order, party_ids, bound) != bound:
                _improve(net, travelled, hist, used, result.horizon, dl_step, clock)
        for _, p in travelling:
            if key_of(p) in cut_keys:
                stranded.append((p, why[key_of(p)]))
    else:
        stranded += [(p, why.get(key_of(p), "cannot reach safety")) for _, p in travelling]

    # Status and bounds.
    quickest = None if result is None or result.quickest is None else result.quickest * s
    lower = None if result is None or result.lower is None else result.lower * s
    proof = (
        "nobody to move"
        if not travelling
        else (result.proof if result is not None else "nobody can reach safety")
    )
    short_of_quota = ""
    if quota is not None:
        assert counts is not None
        tiers = ", ".join(
            f"{_tier_words(priority_of(k))} {int(quota[k])} of {int(counts[k])}"
            for k in range(quota.size)
            if counts[k]
        )
        proof = (
            f"by the deadline (minute {inp.deadline:g}) max flows tier by tier carry at most: "
            f"{tiers}; " + (proof if quota.sum() else "nobody can be safe by then")
        )
        moved = _per_tier(quota.size, travelled, key_of)
        short_of_quota = _short(quota, moved, priority_of)
    # Whoever cannot be reached is stranded, with why; the status is for everyone else.
    carried = sum(p[0] for p, _, _ in travelled)
    if not travelling or result is None or result.horizon is None:
        status = Status.OPTIMAL  # nobody to move, or nobody can be safe (in time)
    elif not most_saved and carried < result.target:
        status = Status.FEASIBLE
        lower = None  # the bound is for as many as the routes carry, and fewer go
        notes.append(
            f"parties are never split: the routes out could carry {result.target} of the "
            f"people, and this schedule moves {carried} of them with their parties whole; "
            "the others are stranded, and no bound is proven for the schedule"
        )
    else:
        draft = _Draft(hist, used, travelled, stranded)
        bound = _bound(net, result, order)
        have = _have(net, draft, order, party_ids, bound)
        if have == bound and result.proven == 3 and not short_of_quota:
            status = Status.OPTIMAL
        else:
            if most_saved:
                assert quota is not None and counts is not None
                by_tier = _Tiers(quota, counts, tier_of, priority_of, key_of, cut_keys, why)
                verdict = _prove_saved(
                    net, inp, result, draft, have, initial, party_ids, by_tier, lower, clock
                )
            else:
                verdict = _prove_whole(
                    net,
                    inp,
                    result,
                    draft,
                    have,
                    initial,
                    moving,
                    party_ids,
                    lower,
                    quickest,
                    clock,
                )
            hist, used, travelled = verdict.draft.hist, verdict.draft.used, verdict.draft.travelled
            stranded = verdict.draft.stranded
            status, lower = verdict.status, verdict.lower
            proof += verdict.proof
            notes += verdict.notes
    reach = None if result is None else result.reach
    if reach is not None and dl_step is not None and reach < dl_step:
        notes.append(
            f"the deadline (minute {inp.deadline:g}) is later than can matter: by minute "
            f"{reach * s} the risk exposure is already the least any schedule could have, "
            "so the plan looks no further"
        )
    finished += travelled

    movements = _movements(net, hist, finished, party_ids, used)
    egress = max((m.arrival_minute for m in movements), default=None if stranded else 0)
    risk = _risk_of(net, used) + _waiting_units(net, movements) / net.risk_scale
    hours = hours_not_safe(movements, moving)
    harm_low = None
    if result is not None and result.harm_low is not None and result.target == carried:
        released = sum(
            p[0] * float(moving[p[2]].release_minute) for p, _, _ in travelled if p[2] >= 0
        )
        harm_low = result.harm_low / net.risk_scale - hazard * released / 60
    if not travelling or result is None or result.horizon is None:
        lower = egress
        if finished:
            proof = "everyone starts at a safe place"
    if status is Status.OPTIMAL and lower != egress and inp.objective == "quickest":
        raise SolverError(f"a plan proven optimal must end at its bound ({egress} vs {lower})")

    if inp.objective == "safest":
        bottlenecks = _bottlenecks(net, _saturated(net, used))
        said = (
            "links this plan fills to capacity"
            if bottlenecks
            else "no link this plan uses is full: its routes' travel times set the egress"
        )
    else:
        bottlenecks = _bottlenecks(net, result.cut if result is not None else [])
        said = (
            "a minimum cut: together they admit too few people for anyone to finish sooner"
            if bottlenecks
            else "nobody moves"
            if not movements
            else "no link's capacity holds anyone back: the egress is the farthest people's "
            "travel time"
            if result is not None and result.distance
            else "no link runs full in the proof's min cut: link windows and closures set the egress"
        )

    # Where the network has a clock (a scenario's start), reasons and notes say clock times.
    start = getattr(inp.network, "start", None)
    stranded_out = [
        replace(x, reason=in_clock(start, x.reason)) for x in _stranded(net, stranded, party_ids)
    ]
    notes = [in_clock(start, n) for n in notes]
    proof = in_clock(start, proof)
    return EvacuationPlan(
        status=status,
        objective=inp.objective,
        step_minutes=s,
        movements=movements,
        egress_minutes=egress,
        lower_bound_minutes=lower,
        quickest_minutes=quickest,
        deadline_minutes=inp.deadline,
        risk_exposure=risk,
        bottlenecks=bottlenecks,
        stranded=stranded_out,
        standing_down=standing_down,
        supply=dict(inp.supply),
        parties=tuple(inp.parties),
        safe=tuple(inp.safe),
        proof=proof,
        notes=notes,
        runtime_seconds=time.perf_counter() - started,
        bottlenecks_why=said,
        hazard_per_hour=inp.hazard,
        harm=risk + inp.hazard * hours,
        hours_not_safe=hours,
        harm_lower_bound=(
            risk + inp.hazard * hours
            if status is Status.OPTIMAL and order == "least_harm"
            else harm_low
        ),
        network_name=inp.network.name,
        _network=inp.network,
        _threats=inp.threats,
        _households=inp.households,
    )
