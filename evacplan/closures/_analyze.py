"""``analyze()``, the front door: every closure (or pair) re-planned and ranked by harm.

Checks the arguments (:mod:`._arguments`), plans the baseline, and settles
each case in the cheapest way that is still a proof:

1. **skipped**: the baseline enters none of the closed links from ``at`` on
   (:mod:`._footprint`), so it is still a valid plan with them closed; and
   closing links never makes a better plan possible. The baseline stands.
2. **max-flow** (:mod:`._flows`; a Network's plain counts over links without
   risk, ``quickest`` or ``least_harm``): max flows over the baseline's
   time-expanded network with the case's arcs closed give F(t), the most
   people safe by each step, and with it the case's egress, person-hours and
   harm, when everyone still gets out (by twice the baseline's egress);
3. **reused** (pairs): a single closure's plan enters none of the other
   item's links from ``at`` on: by the same argument, it stands for the pair.
4. **re-planned** (:mod:`._cases`), on the executor if one is given, in
   batches; results are put back in case order, so they do not depend on
   the executor.

The result is a :class:`~.result.ClosureAnalysis`, worst case first.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from evacplan.closures._arguments import _check, _Inputs
from evacplan.closures._cases import (
    _Context,
    _Fates,
    _impact,
    _Result,
    _schedule,
    _stranded,
)
from evacplan.closures._flows import _Figures
from evacplan.closures._runner import _Entry, _merge, _settle, _union
from evacplan.closures.result import ClosureAnalysis, ClosureCase, Outcome
from evacplan.contingency import ContingencyPlan, plan
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.results import Party, Status
from evacplan.routing import EvacuationPlan, evacuate

__all__ = ["analyze"]


def analyze(
    subject: Scenario | Network,
    *,
    supply: Mapping[str, int] | None = None,
    safe: Iterable[str] | None = None,
    parties: Iterable[Party] | None = None,
    step_minutes: int | None = None,
    threats: Iterable[ThreatEvent] | None = None,
    closures: str | Iterable[str | tuple[str, ...]] = "links",
    k: int = 1,
    at: Any = 0,
    indicators: Mapping[str, Any] | None = None,
    objective: str | None = None,
    deadline: Any = None,
    hazard_per_hour: float | None = None,
    time_limit: float | None = None,
    executor: Any = None,
    progress: bool = False,
    keep_plans: bool = False,
) -> ClosureAnalysis:
    """Close each link or place (or each pair) from minute ``at``, re-plan, and rank the harm.

    Power-system engineers call it N-1 (and N-2) security analysis. Each
    case adds one threat that closes its links and places from ``at`` (a
    closed place closes every link at it; people already on a link finish
    crossing it, and nobody may enter it from then on) and re-plans:

    - for a Scenario, its contingency plan (:func:`evacplan.plan`) with the
      same stages: the joint schedule and every last-out check again;
    - for a Network, :func:`evacplan.evacuate` with ``supply``, ``safe``,
      ``parties``, ``step_minutes`` and ``threats``.

    Cases are settled in the cheapest way that is still a proof
    (:attr:`ClosureCase.method`): ``skipped`` when the baseline does not need
    the closed links from ``at`` on (closing links never makes a better plan
    possible); ``reused`` when a pair's single closure's plan does not need the
    other; ``max-flow`` for a Network's plain counts over links without risk
    (the most people safe by every minute, over the baseline's time-expanded
    network, give the egress, stranded, hours and harm a re-plan would; no
    plan of its own); else ``re-planned``.

    Parameters
    ----------
    subject
        A :class:`~evacplan.models.Scenario` or a :class:`~evacplan.models.Network`.
    supply, safe, parties, step_minutes, threats
        For a Network: as for :func:`evacplan.evacuate`.
    closures
        ``"links"`` (every link), ``"places"`` (every place, safe ones
        included), a kind of place (``"airport"``, ``"border"``, ...), or a
        list of ids: a link's id (or ``source->target`` for a link without
        one, as in TNTP files), a place id, or a tuple of ids closed together.
    k
        1: every closure on its own; 2: every pair of them.
    at
        When the closures begin: minutes from the start, a duration
        (``"96h"``) or a datetime, as in scenario files.
    indicators, objective, deadline, hazard_per_hour
        As for :func:`evacplan.plan` (a Scenario) or :func:`evacplan.evacuate`
        (a Network; ``deadline`` in minutes). The objective defaults to theirs:
        ``least_harm`` for a Scenario, ``quickest`` for a Network.
    time_limit
        Seconds for each plan (the baseline's and each case's). With a limit,
        plans may stop short of a proof, and where the clock falls may
        change them: results are reproducible only without one.
    executor
        Any :class:`concurrent.futures.Executor` (a ``ProcessPoolExecutor``,
        or a Dask cluster's ``Client(...).get_executor()``) to run the
        re-plans on, in batches; by default they run here, one by one.
    progress
        Show a progress bar of the re-plans (tqdm).
    keep_plans
        Keep each case's plan on :attr:`ClosureCase.plan` (then no case is settled
        by max flows: each one the baseline needs is re-planned).

    Returns
    -------
    ClosureAnalysis
        The baseline and one case per closure, worst first.

    Raises
    ------
    ScenarioError
        Every problem with the arguments at once ("invalid arguments to
        analyze():"): unknown ids with the nearest valid one, a bad ``k`` or
        ``at``, arguments that do not fit the subject.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny")).network
    >>> result = analyze(tiny, supply={"embassy": 30}, step_minutes=5)
    >>> result.baseline.egress_minutes
    115
    >>> [(c.closed, str(c.outcome), c.egress_minutes, c.method) for c in result.cases[:3]]
    [(('airport-road',), 'delayed', 160, 're-planned'), (('flight',), 'delayed', 160, 're-planned'), (('crossing',), 'unaffected', 115, 'skipped')]
    >>> print(result.cases[2].proof)  # doctest: +ELLIPSIS
    the baseline's schedule enters none of these links from minute 0 on: closing them leaves it valid...
    """
    started = time.perf_counter()
    route: dict[str, Any] = {"supply": supply, "safe": safe, "parties": parties, "threats": threats}
    planning: dict[str, Any] = {"objective": objective, "deadline": deadline}
    planning["hazard_per_hour"] = hazard_per_hour
    route["step_minutes"] = step_minutes
    planning["indicators"] = indicators
    inp = _check(
        subject, closures, k, at, executor, progress, keep_plans, time_limit, route, planning
    )
    baseline = _baseline(inp)
    return _analysis(inp, baseline, started, {"baseline": time.perf_counter() - started})


def _analysis(
    inp: _Inputs,
    baseline: ContingencyPlan | EvacuationPlan,
    started: float,
    timing: dict[str, float],
) -> ClosureAnalysis:
    """Every case settled, compared with the baseline and ranked, worst first."""
    schedule = _schedule(baseline)
    context = _Context(
        subject=inp.subject,
        baseline=baseline if isinstance(baseline, ContingencyPlan) else None,
        step=schedule.step_minutes,
        at=inp.at,
        options={k: v for k, v in inp.plan_options.items() if k != "indicators"},
        keep_plans=inp.keep_plans,
    )
    entries = [_merge(items) for items in inp.items]
    combos: list[tuple[int, ...]] = (
        [(i,) for i in range(len(entries))]
        if inp.k == 1
        else list(itertools.combinations(range(len(entries)), inp.k))
    )
    done = _settle(inp, baseline, context, entries, combos, timing)
    base = _Base.of(baseline, inp.at)
    cases = [
        _case(inp, base, entries, combo, *done.settled[combo], done.figures.get(combo))
        for combo in combos
    ]
    cases.sort(key=lambda c: c.sort_key)
    timing["wall"] = time.perf_counter() - started
    return ClosureAnalysis(
        baseline=schedule,
        baseline_plan=baseline,
        cases=cases,
        baseline_stranded=base.stranded,
        at=inp.at,
        k=inp.k,
        solves=done.solves,
        runtime_seconds=timing["wall"],
        timing=timing,
    )


def _baseline(inp: _Inputs) -> ContingencyPlan | EvacuationPlan:
    options = inp.plan_options
    if isinstance(inp.subject, Scenario):
        return plan(
            inp.subject,
            indicators=options["indicators"],
            objective=options["objective"],
            deadline=options["deadline"],
            time_limit=options["time_limit"],
            hazard_per_hour=options["hazard_per_hour"],
        )
    return evacuate(inp.subject, **options)


@dataclass(frozen=True)
class _Base:
    """The baseline's figures every case is compared with, read once."""

    plan: ContingencyPlan | EvacuationPlan
    schedule: EvacuationPlan
    stranded: int
    by_category: dict[str, int]
    who: tuple[str, ...]
    breached: frozenset[str]
    """Posts whose last-out already fails in the baseline."""
    proof: str
    """Why a case the baseline does not need leaves it standing, in words."""
    fates: _Fates
    """Each party's people, route, arrival, harm and hours (for what a case changes)."""

    @classmethod
    def of(cls, plan: ContingencyPlan | EvacuationPlan, at: float) -> _Base:
        schedule = _schedule(plan)
        by, who = _stranded(plan)
        breached = (
            frozenset(c.post for c in plan.breaches)
            if isinstance(plan, ContingencyPlan)
            else frozenset()
        )
        scenario = isinstance(plan, ContingencyPlan)
        verdict = (
            "it stays the best plan"
            if schedule.status is Status.OPTIMAL
            else f"it stays as good as it was ({schedule.status})"
        )
        return cls(
            plan=plan,
            schedule=schedule,
            stranded=sum(s.count for s in schedule.stranded),
            by_category=by,
            who=who,
            breached=breached,
            fates=schedule.harm_by_party(),
            proof=(
                f"the baseline's schedule enters none of these links from minute {at:g} on"
                + (" and no last-out way out needs them" if scenario else "")
                + ": closing them leaves it valid, and closing links never makes a better "
                f"plan possible, so {verdict}"
            ),
        )


def _case(
    inp: _Inputs,
    base: _Base,
    entries: list[_Entry],
    combo: tuple[int, ...],
    method: str,
    result: _Result | None,
    via: str,
    figures: _Figures | None = None,
) -> ClosureCase:
    schedule = base.schedule
    parties = {p.id for p in schedule.parties}
    closed = _union(entries, combo).names
    links = tuple(sorted({inp.network.links[j].label for i in combo for j in entries[i].links}))
    at = f"{inp.at:g}"
    if result is None:
        return _unsolved(inp, base, closed, links, method, figures)
    posts = {p: why for p, why in result.breaches.items() if p not in base.breached}
    # What changes for those who get out either way: a closure that strands people never
    # reads as a gain because the stranded no longer count.
    change = _impact(base.fates, result.fates, parties)
    more = max(0, result.stranded - base.stranded)
    if posts:
        outcome = Outcome.INFEASIBLE
    elif more:
        outcome = Outcome.STRANDED
    elif change.delay is not None and change.delay > 0:
        outcome = Outcome.DELAYED
    elif change.rerouted or abs(change.harm) > 1e-9:
        outcome = Outcome.REROUTED
    else:
        outcome = Outcome.UNAFFECTED
    by_category = {
        k: n - base.by_category.get(k, 0)
        for k, n in result.by_category.items()
        if n > base.by_category.get(k, 0)
    }
    if method == "reused":
        proof = (
            f"as closing {via} alone: that plan enters none of the other links from minute "
            f"{at} on, and closing more links never makes a better plan possible. "
            f"That plan: {result.proof}"
        )
    else:
        proof = f"re-planned: {result.proof}"
    return ClosureCase(
        closed=closed,
        links=links,
        outcome=outcome,
        status=result.status,
        egress_minutes=result.egress,
        delay_minutes=change.delay,
        lower_bound_minutes=result.lower,
        stranded=more,
        stranded_by_category=by_category,
        stranded_who=_beyond(result.who, base.who),
        posts=posts,
        risk_exposure=result.risk,
        harm=result.harm,
        harm_change=change.harm,
        hours_change=change.hours,
        rerouted=change.rerouted,
        proof=proof,
        method=method,
        seconds=result.seconds if method == "re-planned" else 0.0,
        plan=result.plan,
    )


def _unsolved(
    inp: _Inputs,
    base: _Base,
    closed: tuple[str, ...],
    links: tuple[str, ...],
    method: str,
    figures: _Figures | None,
) -> ClosureCase:
    """A case settled without a plan of its own: skipped (the baseline stands), or by max
    flows (the egress, person-hours and harm of the case's own flows)."""
    schedule = base.schedule
    egress, lower = schedule.egress_minutes, schedule.lower_bound_minutes
    change = figures or _Figures(0.0, 0.0, True, 0, 0.0)
    proof, outcome = base.proof, Outcome.UNAFFECTED
    if figures is not None:
        # (max flows settle only a baseline whose egress is proven, when it changes)
        lower = figures.egress if figures.egress != egress else lower
        egress = figures.egress
        proof = figures.proof(inp.at, egress)
        outcome = (
            Outcome.STRANDED
            if figures.stranded
            else Outcome.DELAYED
            if figures.delay > 0
            else Outcome.REROUTED
        )
    stranded = sum(n for _, n in change.stranded)
    return ClosureCase(
        closed=closed,
        links=links,
        outcome=outcome,
        status=base.plan.status,
        egress_minutes=egress,
        delay_minutes=change.delay if egress is not None else None,
        lower_bound_minutes=lower,
        stranded=stranded,
        stranded_by_category={"people": stranded} if stranded else {},
        stranded_who=tuple(f"{n} at {place}" for place, n in change.stranded),
        posts={},
        risk_exposure=float(schedule.risk_exposure),
        harm=schedule.harm if figures is None else figures.harm,
        harm_change=change.harm_change,
        hours_change=change.hours_change,
        rerouted=change.forced,
        proof=proof,
        method=method,
        seconds=change.seconds,
        plan=base.plan if inp.keep_plans else None,
    )


def _beyond(who: tuple[str, ...], base: tuple[str, ...]) -> tuple[str, ...]:
    """The stranded of a case that the baseline does not strand: parties by id, plain counts
    (``"<n> at <place>"``) by how many more at the place."""
    out = [w for w in who if w not in base and " at " not in w]
    had: dict[str, int] = {}
    for w in base:
        if " at " in w:
            n, _, place = w.partition(" at ")
            had[place] = had.get(place, 0) + int(n)
    for w in who:
        if " at " in w:
            n, _, place = w.partition(" at ")
            extra = int(n) - had.get(place, 0)
            if extra > 0:
                out.append(f"{extra} at {place}")
    return tuple(out)
