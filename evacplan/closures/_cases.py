"""One closure re-planned: the work an executor runs, a batch of cases at a time.

:func:`_run` takes a :class:`_Context` (the subject, the minute, the step,
the options, and a Scenario's baseline plan: sent once per batch) and the batch's :class:`_Job`
list, and for each job adds the closure to the threats as one threat that
closes its links and places from ``at``, re-plans (a Scenario's plan with
:func:`evacplan.contingency._plan._replan`, which keeps the stages; a
Network's with :func:`evacplan.evacuate`) and returns a small
:class:`_Result`: the figures :mod:`._analyze` compares with the baseline,
and the links the new plan uses from ``at`` on (so that a pair of closures
can reuse a single closure's plan). Module-level and picklable, so that a
process pool or a Dask cluster can run it; deterministic, so that the
result does not depend on where it ran.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from evacplan.closures._footprint import _Groups, contingency_footprint, evacuation_footprint
from evacplan.contingency import ContingencyPlan
from evacplan.contingency._plan import _replan
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.results import Status
from evacplan.routing import EvacuationPlan, evacuate


@dataclass(frozen=True)
class _Context:
    """What every case of an analysis shares."""

    subject: Scenario | Network
    baseline: ContingencyPlan | None
    """A Scenario's baseline plan, whose stages each case keeps (None for a Network)."""
    step: int
    at: float
    options: dict[str, Any]
    keep_plans: bool


@dataclass(frozen=True, slots=True)
class _Job:
    """A closure to re-plan: link references and places for the threat, and its links."""

    key: int
    links: tuple[str, ...]
    """Link ids (or labels, for links without one)."""
    places: tuple[str, ...]
    threat_id: str
    """The id of the closure's threat (it names what is closed, in words a breach cites)."""


@dataclass
class _Result:
    """A re-planned closure's figures, small enough to send back from a worker."""

    key: int
    status: Status
    egress: int | None
    lower: int | None
    stranded: int
    by_category: dict[str, int]
    who: tuple[str, ...]
    breaches: dict[str, str]
    """Post: the first failing last-out check's cause, for every post with one."""
    risk: float
    harm: float
    proof: str
    footprint: frozenset[int]
    seconds: float
    fates: _Fates = field(default_factory=dict, repr=False)
    """Each party's (and plain count's) people, route, arrival, harm and hours
    (:meth:`~evacplan.routing.EvacuationPlan.harm_by_party`)."""
    plan: ContingencyPlan | EvacuationPlan | None = field(default=None, repr=False)


def _run(context: _Context, jobs: list[_Job]) -> list[_Result]:
    """Re-plan each job's closure; results in the order of ``jobs``."""
    network = context.subject.network if isinstance(context.subject, Scenario) else context.subject
    groups = _Groups(network, context.step)
    return [_one(context, job, groups) for job in jobs]


def _schedule(plan: ContingencyPlan | EvacuationPlan) -> EvacuationPlan:
    return plan.evacuation if isinstance(plan, ContingencyPlan) else plan


def _one(context: _Context, job: _Job, groups: _Groups) -> _Result:
    started = time.perf_counter()
    threat = ThreatEvent(
        id=job.threat_id,
        at=context.at,
        links=job.links,
        places=job.places,
        closes=True,
        description="closure under analysis",
    )
    subject = context.subject
    plan: ContingencyPlan | EvacuationPlan
    if isinstance(subject, Scenario):
        assert context.baseline is not None
        changed = subject.replace(threats=[*subject.threats, threat])
        plan = _replan(context.baseline, changed, time_limit=context.options.get("time_limit"))
        footprint = contingency_footprint(plan, groups, context.at)
    else:
        options = dict(context.options)
        options["threats"] = [*(options.get("threats") or ()), threat]
        plan = evacuate(subject, **options)
        footprint = evacuation_footprint(plan, groups, context.at)
    ev = _schedule(plan)
    fates = ev.harm_by_party()
    by_category, who = _stranded(plan)
    breaches: dict[str, str] = {}
    if isinstance(plan, ContingencyPlan):
        for check in plan.breaches:
            breaches.setdefault(check.post, check.cause or str(check))
    return _Result(
        key=job.key,
        status=plan.status,
        egress=ev.egress_minutes,
        lower=ev.lower_bound_minutes,
        stranded=sum(s.count for s in ev.stranded),
        by_category=by_category,
        who=who,
        breaches=breaches,
        risk=float(ev.risk_exposure),
        harm=float(ev.harm),
        proof=ev.proof,
        footprint=footprint,
        seconds=time.perf_counter() - started,
        fates=fates,
        plan=plan if context.keep_plans else None,
    )


_Fates = dict[str, tuple[int, str, int, float, float]]


@dataclass(frozen=True, slots=True)
class _Impact:
    """What a closure changes for the people who get out with it and without it."""

    rerouted: int
    """People whose route or arrival changes."""
    harm: float
    """The change in their harm (summed over them)."""
    hours: float
    """The change in their person-hours not yet safe."""
    delay: int | None
    """The change in when the last of them is safe (minutes; None when nobody is)."""


def _impact(base: _Fates, case: _Fates, parties: set[str]) -> _Impact:
    """Compare two plans' fates (:meth:`~evacplan.routing.EvacuationPlan.harm_by_party`)
    over the people moved in both: parties one by one, plain counts place by place (their
    people are interchangeable: the moved of both plans' counts, at the average of each)."""
    rerouted, harm, hours = 0, 0.0, 0.0
    last = [-1, -1]
    for pid in parties & base.keys() & case.keys():
        size, route, arrival, b_harm, b_hours = base[pid]
        _, c_route, c_arrival, c_harm, c_hours = case[pid]
        if (route, arrival) != (c_route, c_arrival):
            rerouted += size
        harm += size * (c_harm - b_harm)
        hours += size * (c_hours - b_hours)
        last = [max(last[0], arrival), max(last[1], c_arrival)]
    plain: dict[str, list[dict[tuple[str, int], tuple[int, float, float]]]] = {}
    for i, fates in enumerate((base, case)):
        for key, (n, route, arrival, h, t) in fates.items():
            if key not in parties:
                # Movements of a place's count by one route and arrival add up (each person's
                # harm and hours as the people-weighted mean of theirs).
                per = plain.setdefault(route.split(" ", 1)[0], [{}, {}])[i]
                had, had_h, had_t = per.get((route, arrival), (0, 0.0, 0.0))
                per[(route, arrival)] = (
                    had + n,
                    (had * had_h + n * h) / (had + n),
                    (had * had_t + n * t) / (had + n),
                )
    for b, c in plain.values():
        b_n, c_n = sum(v[0] for v in b.values()), sum(v[0] for v in c.values())
        both = min(b_n, c_n)
        if not both:
            continue
        kept = sum(min(n, c.get(k, (0, 0.0, 0.0))[0]) for k, (n, _, _) in b.items())
        rerouted += both - min(kept, both)
        harm += both * (_mean(c, 1) - _mean(b, 1))
        hours += both * (_mean(c, 2) - _mean(b, 2))
        last = [max(last[0], *(a for _, a in b)), max(last[1], *(a for _, a in c))]
    delay = None if min(last) < 0 else last[1] - last[0]
    return _Impact(rerouted, harm, hours, delay)


def _mean(fates: dict[tuple[str, int], tuple[int, float, float]], i: int) -> float:
    """The people-weighted mean of field ``i`` (1: harm, 2: hours) of plain counts' fates."""
    people = sum(v[0] for v in fates.values())
    return sum(v[0] * v[i] for v in fates.values()) / people


def _stranded(plan: ContingencyPlan | EvacuationPlan) -> tuple[dict[str, int], tuple[str, ...]]:
    """Stranded people by category, and who: party ids, or ``"<n> at <place>"``."""
    ev = _schedule(plan)
    who: list[str] = []
    by: dict[str, int] = {}
    if isinstance(plan, ContingencyPlan):
        for record in plan.left_behind:  # its categories: staff's, dependant, the group's
            by[record.category] = by.get(record.category, 0) + record.count
    for s in ev.stranded:
        if s.parties:
            who += s.parties
            if not isinstance(plan, ContingencyPlan):
                by["party"] = by.get("party", 0) + s.count
        else:
            who.append(f"{s.count} at {s.place}")
            by["people"] = by.get("people", 0) + s.count
    return dict(sorted(by.items())), tuple(who)
