"""Stages 1 to 4 as :func:`._evacuate._evacuate` runs them, and the records they hand on.

The arguments (:class:`._arguments._Inputs`) are compiled for one step
(:mod:`._compile`) into a :class:`_Run`; supply and parties become parcels by
place and release step, each party with its priority tier and queue
(:class:`_People`); the parcels are summed by source, and the sources no route
leads from are cut off (:class:`_Sources`); the splittable optimum over the
others comes from :mod:`._solve`, with why anyone is left behind
(:class:`_Flows`; for ``most_saved``, each tier's quota first). The movements,
parties and findings that follow are :mod:`._evacuate`'s.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from evacplan.network import arcs
from evacplan.results import Party
from evacplan.routing._arguments import _Inputs
from evacplan.routing._arrays import _EPS, _FOREVER, _ceil_div
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _compile, _Net
from evacplan.routing._findings import _left_words
from evacplan.routing._fits import everyone_out_by, movements_fit, saved_by
from evacplan.routing._movements import _Parcel
from evacplan.routing._search import _Splittable
from evacplan.routing._settle import _order
from evacplan.routing._solve import _FlowResult, _solve_flows

_FLOW_SHARE = 0.65
"""The part of the time left that the flow stages may use; the rest is kept for turning the
flows into movements, parties whole (the sweep and the repair, which cannot be skipped), and
then for the whole-party MIP. Measured: on a 12,837-person timeline the sweep and repair
took about 0.75 s after flows cut off at 1.1 s."""

_BUILD_SECONDS_PER_PERSON = 9e-6
"""At least this much time a person moved is kept after the flows for building the
movements from them (measured: 0.6-0.9 s for 100,000 people on Chicago-Sketch)."""


_Key = tuple[int, int, int]
"""A source of people for the flows: (place, release step, priority tier)."""


@dataclass(slots=True)
class _Run:
    """What every stage reads: the cleaned arguments, the compiled network and the clock."""

    inp: _Inputs
    net: _Net
    order: str
    """The order the flows and the whole-party MIP make their figures least in."""
    hazard: float
    """Harm per hour not yet safe in the flows' costs (0 unless ``least_harm``)."""
    clock: _Clock

    @property
    def most_saved(self) -> bool:
        """Whether the objective is ``most_saved``."""
        return self.inp.objective == "most_saved"


@dataclass(slots=True)
class _People:
    """Who moves: the parcels, where they start, and each party's tier and queue."""

    moving: list[Party]
    standing_down: list[str]
    party_ids: list[str]
    finished: list[tuple[_Parcel, int, int]]
    """(parcel, place, step) of those safe all along, whenever they are released."""
    travelling: list[tuple[int, _Parcel]]
    """(place, parcel) of everyone else."""
    tier_of: list[int]
    """Per moving party, its priority tier under ``most_saved`` (else 0)."""
    queue_of: list[int]
    """Per moving party, its queue: higher priority first, the urgent first within it."""
    queued: bool
    """Whether the queues matter (more than one priority, or someone urgent)."""
    priority: dict[int, int]
    """Per tier, its priority."""

    def key_of(self, p: _Parcel) -> _Key:
        """The source a parcel leaves from."""
        return (p.origin, p.released, self.tier_of[p.party] if p.party >= 0 else 0)

    def priority_of(self, tier: int) -> int:
        """The priority of a tier."""
        return self.priority[tier]


@dataclass(slots=True)
class _Sources:
    """People by source, as the flows take them; the sources with no route at all."""

    keys: list[_Key]
    place: np.ndarray
    step: np.ndarray
    count: np.ndarray
    tier: np.ndarray
    cut_off: set[int]
    """Indices of the sources no route leads from to any safe place."""
    routable: list[int]
    """Indices of the others, in order."""
    cut_keys: set[_Key]
    initial: list[tuple[int, _Parcel]]
    """(place, copy of parcel) of the people who can leave, as released (the sweep splits
    the parcels themselves; the whole-party MIP starts again from these)."""


@dataclass(slots=True)
class _Flows:
    """The splittable optimum (None when nobody can be routed) and its reasons."""

    result: _FlowResult | None
    deadline: int | None
    """The deadline as a step."""
    quota: np.ndarray | None
    """For ``most_saved``, per tier, the most of its people safe by the deadline."""
    counts: np.ndarray | None
    """For ``most_saved``, per tier, its people who can be routed."""
    why: dict[_Key, str]
    """Per source, why anyone from it is left behind."""


def _compile_run(inp: _Inputs, clock: _Clock) -> _Run:
    """Compile the network and threats for one step (stage 1)."""
    # Harm weighs each step not yet safe; the other objectives leave it out of their costs.
    order = _order(inp.objective)
    hazard = inp.hazard if order == "least_harm" else 0.0
    net = _compile(inp.network, inp.threats, inp.step, set(inp.safe), hazard)
    net.max_memory = inp.max_memory
    return _Run(inp, net, order, hazard, clock)


def _people(run: _Run) -> _People:
    """Turn supply and parties into parcels by place and release step, each party ranked.

    Parties that do not relocate stand down; parcels that start at a safe
    place are finished at once.
    """
    inp, net, s = run.inp, run.net, run.inp.step
    index = {p: i for i, p in enumerate(net.ids)}
    moving = [p for p in inp.parties if p.relocate]
    parcels: list[tuple[int, _Parcel]] = []
    for where, count in inp.supply.items():
        if count:
            parcels.append((index[where], _Parcel(count, -1, -1, 0, index[where], 0)))
    for i, party in enumerate(moving):
        r = _ceil_div(float(party.release_minute), s)
        at = index[party.location]
        parcels.append((at, _Parcel(int(party.size), -1, i, r, at, r)))

    finished: list[tuple[_Parcel, int, int]] = []
    travelling: list[tuple[int, _Parcel]] = []
    for place, p in parcels:
        if net.safe[place]:
            finished.append((p, place, 0))  # safe all along, whenever they are released
        else:
            travelling.append((place, p))

    ranks = {pr: i for i, pr in enumerate(sorted({p.priority for p in moving} | {0}))}
    return _People(
        moving=moving,
        standing_down=[p.id for p in inp.parties if not p.relocate],
        party_ids=[p.id for p in moving],
        finished=finished,
        travelling=travelling,
        tier_of=[ranks[p.priority] if run.most_saved else 0 for p in moving],
        # Queues, whatever the objective: higher priority first (staff and their dependants,
        # then groups by priority), the urgent first within it. The flow fixes how many leave
        # a place when; this only says who, so it costs the objective nothing.
        queue_of=[2 * ranks[p.priority] + (not p.urgent) for p in moving],
        queued=len(ranks) > 1 or any(p.urgent for p in moving),
        priority={i: pr for pr, i in ranks.items()},
    )


def _by_source(run: _Run, people: _People) -> _Sources:
    """Sum the travelling people by source (place, release step, and for ``most_saved``
    priority tier); a source with no route to any safe place is cut off."""
    src: dict[_Key, int] = defaultdict(int)
    for _, p in people.travelling:
        src[people.key_of(p)] += p.count
    keys = sorted(src)
    place = np.array([k[0] for k in keys], dtype=np.int64)
    step = np.array([k[1] for k in keys], dtype=np.int64)
    count = np.array([src[k] for k in keys], dtype=np.int64)
    sp = _Splittable(run.net, place, step, count) if keys else None
    cut_off: set[int] = set()
    if sp is not None:
        for i, (at, _, _) in enumerate(keys):
            if sp.to_safe[at] >= _FOREVER:
                cut_off.add(i)
    cut_keys = {keys[i] for i in cut_off}
    return _Sources(
        keys=keys,
        place=place,
        step=step,
        count=count,
        tier=np.array([k[2] for k in keys], dtype=np.int64),
        cut_off=cut_off,
        routable=[i for i in range(len(keys)) if i not in cut_off],
        cut_keys=cut_keys,
        initial=[
            (at, replace(p)) for at, p in people.travelling if people.key_of(p) not in cut_keys
        ],
    )


def _flows(run: _Run, people: _People, sources: _Sources) -> _Flows:
    """Solve the splittable optimum over the routable sources, with why anyone is left
    behind (stages 3 and 4, through :mod:`._solve`); for ``most_saved``, tier quotas first."""
    inp, routable = run.inp, sources.routable
    deadline = None if inp.deadline is None else math.floor(inp.deadline / inp.step + _EPS)
    flows = _Flows(result=None, deadline=deadline, quota=None, counts=None, why={})
    if not routable:
        _cut_off_reasons(run, sources, flows.why)
        return flows
    sub = _Splittable(
        run.net, sources.place[routable], sources.step[routable], sources.count[routable]
    )
    keep = _BUILD_SECONDS_PER_PERSON * int(sources.count.sum())
    _movements_fit(run, people, sources)
    if run.most_saved:
        _tier_quotas(run, people, sources, sub, flows)
    _cut_off_reasons(run, sources, flows.why)
    if flows.quota is None or flows.quota.sum() > 0:
        clock = run.clock.part(_FLOW_SHARE, keep=keep)
        flows.result = _solve_flows(sub, run.order, deadline, clock)
        for j, i in enumerate(routable):
            if j in flows.result.reasons:
                flows.why[sources.keys[i]] = flows.result.reasons[j]
    return flows


def _movements_fit(run: _Run, people: _People, sources: _Sources) -> None:
    """Refuse plain supply whose plan would hold more movements than it may take memory for
    (:func:`._fits.movements_fit`), where everyone routable is sure to be moved: without a
    deadline, or (plain supply alone) with one no earlier than a schedule found to have
    everyone out; under an earlier deadline, as many as some schedule has safe by then."""
    inp = run.inp
    cut = {sources.keys[i][0] for i in sources.cut_off}
    index = {p: i for i, p in enumerate(run.net.ids)}
    plain = {index[p]: c for p, c in inp.supply.items() if index[p] not in cut}
    budget = inp.max_memory if inp.memory_given else None
    if inp.deadline is not None:
        if people.moving:
            return
        by = everyone_out_by(run.net, plain)
        if by is None or inp.deadline < by:
            moved = saved_by(run.net, plain, inp.deadline)
            movements_fit(run.net, plain, budget, (moved, inp.deadline))
            return
    movements_fit(run.net, plain, budget)


def _tier_quotas(
    run: _Run, people: _People, sources: _Sources, sub: _Splittable, flows: _Flows
) -> None:
    """Set ``most_saved``'s quotas (the most of each tier safe by the deadline, tier by tier)
    and the counts they are short of, with why the rest of a tier is left behind."""
    assert flows.deadline is not None  # most_saved always has one (a default when not given)
    routable = sources.routable
    quota = sub.set_tiers(sources.tier[routable], flows.deadline)
    counts = np.bincount(
        sources.tier[routable], weights=sources.count[routable], minlength=quota.size
    ).astype(np.int64)
    for i in routable:
        k = int(sources.tier[i])
        if quota[k] < counts[k]:
            flows.why[sources.keys[i]] = _left_words(
                int(quota[k]), int(counts[k]), people.priority_of(k), k == 0, run.inp.deadline or 0
            )
    flows.quota, flows.counts = quota, counts


def _cut_off_reasons(run: _Run, sources: _Sources, why: dict[_Key, str]) -> None:
    """Say why each cut-off source has no route: the links closed for the whole scenario
    next to its place, if any."""
    if not sources.cut_off:
        return
    net = run.net
    ends = [(a.key, a.source, a.target) for a in arcs(run.inp.network)]
    for i in sources.cut_off:
        cut = net.ids[sources.keys[i][0]]
        near = {key for key, u, v in ends if cut in (u, v)}
        closed = [k for k in net.closed if k in near]
        cause = (
            f" ({'link' if len(closed) == 1 else 'links'} {', '.join(closed)} "
            f"{'is' if len(closed) == 1 else 'are'} closed for the whole scenario)"
            if closed
            else ""
        )
        why[sources.keys[i]] = "no route to any safe place" + cause
