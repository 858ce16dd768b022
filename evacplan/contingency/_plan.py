"""``plan()``, the front door: the drawdown and the evacuation over the scenario's timeline.

Checks the arguments (:mod:`._arguments`), cuts the timeline into stages
(:mod:`._stages`), draws the raised posts down at each stage with
:func:`evacplan.drawdown` (whoever has left is gone for good; whoever stays
is preferred again), releases each stage's newly departing parties after
the muster time, routes every release in one schedule with
:func:`evacplan.evacuate`, and checks each open post's last-out extraction
(:mod:`._lastout`). The result is a :class:`~.result.ContingencyPlan`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from evacplan._time import _whole
from evacplan.contingency._arguments import _check, _Inputs
from evacplan.contingency._lastout import _last_out
from evacplan.contingency._stages import _StageSpec, _timeline
from evacplan.contingency.records import Stage
from evacplan.contingency.result import ContingencyPlan, _unreached
from evacplan.models import Lift, Posture, Scenario, StaffMember
from evacplan.results import Party, Status
from evacplan.routing import EvacuationPlan, evacuate
from evacplan.routing._arguments import groups_fit
from evacplan.staffing import DrawdownPlan, drawdown


def plan(
    scenario: Scenario,
    *,
    indicators: Mapping[str, Any] | None = None,
    objective: str = "least_harm",
    deadline: Any = None,
    time_limit: float | None = None,
    workers: int = 1,
    seed: int = 0,
    hazard_per_hour: float | None = None,
) -> ContingencyPlan:
    """The contingency plan over the scenario's timeline: stages, departures, one schedule.

    Decision points fire in time order (``at``; ``on_threat`` at its threat's
    start; an indicator only when ``indicators`` names it with a time), and
    those firing at the same minute form one stage. At each stage the posts
    whose posture rises are drawn down with :func:`evacplan.drawdown`, the
    last stage as ``previous``: whoever has left is gone for good, whoever
    stays is preferred again. Each stage's newly departing parties (the
    dependants at reduced and above, then staff) are released at the stage's
    minute plus ``policy.muster_minutes``, and every release is routed in one
    schedule over the threat timeline with :func:`evacplan.evacuate`. Staff
    flagged ``last_out`` stay while their post still has a stage to run and
    leave with its last (unless a function still needs them). At every stage, each open post's retained staff must
    be able to get out within ``policy.last_out_minutes``
    (:attr:`ContingencyPlan.last_out`).

    Parameters
    ----------
    scenario
        The scenario, with its decision points and threats.
    indicators
        Indicator decision points that fire, with when: ``{"tehran-crowds": "36h"}``
        (minutes, durations or datetimes, as in scenario files).
    objective
        ``"least_harm"`` (the default: the least harm, counting link and
        threat risks and ``hazard_per_hour`` for every hour each person spends
        between their call-forward and safety, so nobody is held for days to
        shave a little risk), ``"quickest"``, ``"safest"`` (needs ``deadline``)
        or ``"most_saved"`` (the most people safe by ``deadline``, staff
        first, then groups by priority; :attr:`ContingencyPlan.left_behind`
        lists the rest), as in :func:`evacplan.evacuate`.
    deadline
        For ``safest``: when everyone must be safe; for ``most_saved``: by when
        (by default when the last scheduled departure arrives). Minutes, a
        duration or a datetime.
    time_limit
        Seconds for the whole call: each stage's drawdown gets its share of what is
        left (what it leaves unused goes on), the joint schedule the rest but a
        tenth kept for the last-out checks. A solve cut short says so (status
        ``feasible`` with its gap, and a note).
    workers, seed
        CP-SAT's search workers and random seed, as in :func:`evacplan.drawdown`.
    hazard_per_hour
        The chance of harm each hour a person spends released but not yet safe;
        by default the scenario's ``hazard_per_hour`` (0.002 unless it says).

    Returns
    -------
    ContingencyPlan
        Never None; ``infeasible`` (with the reasons) when a post cannot hold
        a posture. People who cannot be reached are listed (``left_behind``,
        the headline, ``notes``); the status is for everyone else.

    Raises
    ------
    ScenarioError
        For bad arguments ("invalid arguments to plan():"), every problem at once.
    TooLargeError
        When the scenario's groups are cut into more parties than the 2 GiB a
        plan may take holds (about 700,000), or a time-expanded network would
        exceed half this machine's memory.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> cp = plan(load_scenario(seed_path("tiny")))
    >>> [(s.minute, s.fired, s.postures["capital"].value) for s in cp.stages]
    [(1440, ('go-minimal',), 'minimal')]
    >>> cp.status, cp.evacuation.egress_minutes, cp.verify()
    (<Status.OPTIMAL: 'optimal'>, 1665, [])
    >>> cp.stages[0].retained
    {'capital': ['cap-01', 'cap-03']}
    """
    started = time.perf_counter()
    inp = _check(
        scenario, indicators, objective, deadline, time_limit, workers, seed, hazard_per_hour
    )
    specs, notes = _timeline(scenario, inp.indicators)
    stages, statuses = _draw_stages(scenario, specs, inp, started, notes)
    # Staff leave as the stages release them; groups when they are called forward.
    groups_fit(scenario)
    parties = [p for stage in stages for p in stage.parties] + scenario.group_parties()
    evacuation = evacuate(
        scenario,
        parties=parties,
        objective=inp.objective,
        deadline=inp.deadline,
        time_limit=_share(started, inp.time_limit, 1, keep=_LAST_OUT_SHARE),
        hazard_per_hour=inp.hazard,
    )
    statuses.append(evacuation.status)
    last_out = _last_out(scenario, stages, evacuation)
    return ContingencyPlan(
        status=_worst(statuses),
        scenario=scenario,
        stages=stages,
        evacuation=evacuation,
        last_out=last_out,
        indicators=dict(inp.indicators),
        notes=notes + _why(scenario, stages, evacuation),
        runtime_seconds=time.perf_counter() - started,
    )


@dataclass(slots=True)
class _Staffing:
    """Who each post holds and who has gone, carried from stage to stage."""

    retained: dict[str, list[str]]
    """Per post, the staff it holds now (all of them before its first drawdown)."""
    previous: dict[str, list[str]] = field(default_factory=dict)
    """Per post, the staff its last drawdown kept (preferred again at the next)."""
    departed: set[str] = field(default_factory=set)
    """Staff who have left."""
    dependants_gone: set[str] = field(default_factory=set)
    """Staff whose dependants have left."""

    def release(self, drawn: DrawdownPlan, held: set[str], minute: float) -> list[Party]:
        """The parties of ``drawn`` newly leaving the posts ``held``, released at ``minute``.

        A member who has gone is not released again; one whose dependants left
        at an earlier stage leaves alone.
        """
        released: list[Party] = []
        for party in drawn.parties:
            if party.post not in held:
                continue
            who = party.id.removesuffix("/dependants")
            if party.id.endswith("/dependants"):
                if who in self.dependants_gone:
                    continue
                size = party.size
            else:
                if who in self.departed:
                    continue
                self.departed.add(who)
                size = 1 if who in self.dependants_gone else party.size
            self.dependants_gone.add(who)
            released.append(replace(party, size=size, release_minute=minute))
        return released


def _draw_stages(
    scenario: Scenario, specs: list[_StageSpec], inp: _Inputs, started: float, notes: list[str]
) -> tuple[list[Stage], list[Status]]:
    """Each stage's drawdown of the posts it raises, and the parties it releases.

    A post that cannot hold its new posture keeps its staff as they were (said in
    ``notes``); the statuses are the drawdowns'.
    """
    muster = float(scenario.policy.muster_minutes)
    by_post = scenario.staff_by_post
    staffing = _Staffing({p.id: [m.id for m in by_post.get(p.id, [])] for p in scenario.posts})
    last_raise = {post: i for i, spec in enumerate(specs) for post in spec.raised}
    stages: list[Stage] = []
    statuses: list[Status] = []
    solves = sum(1 for spec in specs if spec.raised)  # drawdowns still to make
    for k, spec in enumerate(specs):
        plan_k = None
        released: list[Party] = []
        if spec.raised:
            sub = _stage_scenario(
                scenario,
                spec.raised,
                spec.postures,
                staffing.departed,
                last_raise,
                k,
                staffing.retained,
            )
            previous = staffing.previous
            plan_k = drawdown(
                sub,
                {p: spec.postures[p] for p in spec.raised},
                previous={p: previous[p] for p in spec.raised if p in previous} or None,
                time_limit=_share(started, inp.time_limit, solves + 1),
                workers=inp.workers,
                seed=inp.seed,
            )
            solves -= 1
            statuses.append(plan_k.status)
            held = {p for p in spec.raised if plan_k.post_status[p] is not Status.INFEASIBLE}
            for post in spec.raised:
                if post in held:
                    staffing.retained[post] = list(plan_k.retained[post])
                    previous[post] = list(plan_k.retained[post])
                else:
                    notes.append(
                        f"stage {k} ({scenario.clock(spec.minute)}): {post} cannot hold "
                        f"{spec.postures[post]}; its staff stay as they were (see the stage's "
                        "drawdown conflicts)"
                    )
            released = staffing.release(plan_k, held, spec.minute + muster)
        open_now = {
            p: list(ids)
            for p, ids in staffing.retained.items()
            if spec.postures[p] < Posture.SUSPENDED
        }
        stages.append(
            Stage(
                k,
                _whole(spec.minute),
                _moment(scenario, spec.minute),
                scenario.clock(spec.minute),
                spec.fired,
                dict(spec.postures),
                spec.raised,
                plan_k,
                open_now,
                tuple(released),
            )
        )
    return stages, statuses


def _why(scenario: Scenario, stages: list[Stage], evacuation: EvacuationPlan) -> list[str]:
    """The notes a plan owes its reader: who cannot be reached, where and why (each party or
    group), and every reason the plan is ``feasible`` rather than ``optimal``."""
    verb = "left behind" if evacuation.objective == "most_saved" else "cannot be reached"
    notes = [f"{verb}: {words}" for words in _unreached(scenario, evacuation)]
    for stage in stages:
        dd = stage.drawdown
        if dd is not None and dd.status is Status.FEASIBLE:
            open_levels = [str(level) for level in dd.levels if not level.proven]
            notes.append(
                f"stage {stage.index} ({stage.clock}): the drawdown is valid but not proven "
                "best (its time limit ran out): " + "; ".join(open_levels)
            )
    if evacuation.status is Status.FEASIBLE:
        notes += [f"the joint schedule: {n}" for n in evacuation.notes]
        if not evacuation.notes:
            notes.append("the joint schedule is valid but not proven best")
    return notes


_LAST_OUT_SHARE = 0.1
"""The part of plan()'s time limit kept for the last-out checks after the joint schedule
(measured: 0.24 s of a 3 s limit on a 12,837-person timeline)."""

_LEAST_SECONDS = 0.05
"""The least a solve is given, even when the time limit is spent (it then says so)."""


def _share(started: float, limit: float | None, ways: int, *, keep: float = 0.0) -> float | None:
    """A solve's part of what is left of plan()'s ``limit``: the time left, less ``keep`` of
    the limit, split ``ways`` (the solves still to come); time a solve leaves unused goes
    to the next."""
    if limit is None:
        return None
    left = limit * (1 - keep) - (time.perf_counter() - started)
    return max(_LEAST_SECONDS, left / max(1, ways))


def _replan(
    base: ContingencyPlan, scenario: Scenario, *, time_limit: float | None = None
) -> ContingencyPlan:
    """``base`` on a changed map (a closure, a new threat): a new joint schedule and last-out.

    The stages and their drawdowns are kept: who stays and who leaves does
    not depend on the network, and a threat that no decision point names
    fires none. Every release is routed again in one schedule over the
    changed ``scenario``, and each open post's last-out is checked again.
    For what-if analysis (:func:`evacplan.closures.analyze`); the changed
    scenario must differ from ``base.scenario`` only in its network and in
    threats that no decision point names.
    """
    started = time.perf_counter()
    ev = base.evacuation
    parties = [p for stage in base.stages for p in stage.parties] + scenario.group_parties()
    evacuation = evacuate(
        scenario,
        parties=parties,
        objective=ev.objective,
        deadline=ev.deadline_minutes,
        time_limit=time_limit,
        hazard_per_hour=ev.hazard_per_hour,
    )
    statuses = [s.drawdown.status for s in base.stages if s.drawdown is not None]
    owed = set(_why(scenario, base.stages, ev))  # the baseline's own: said again if still so
    return ContingencyPlan(
        status=_worst([*statuses, evacuation.status]),
        scenario=scenario,
        stages=base.stages,
        evacuation=evacuation,
        last_out=_last_out(scenario, base.stages, evacuation),
        indicators=dict(base.indicators),
        notes=[n for n in base.notes if n not in owed] + _why(scenario, base.stages, evacuation),
        runtime_seconds=time.perf_counter() - started,
    )


def _worst(statuses: list[Status]) -> Status:
    """The plan's status from its parts': infeasible, else feasible, else optimal."""
    if Status.INFEASIBLE in statuses:
        return Status.INFEASIBLE
    return Status.FEASIBLE if Status.FEASIBLE in statuses else Status.OPTIMAL


def _moment(scenario: Scenario, minute: float) -> datetime:
    """The moment ``minute`` minutes after the start, in the start's offset."""
    start = scenario.start if scenario.start.tzinfo else scenario.start.replace(tzinfo=UTC)
    return start + timedelta(minutes=minute)


def _stage_scenario(
    scenario: Scenario,
    raised: tuple[str, ...],
    postures: Mapping[str, Posture],
    departed: set[str],
    last_raise: Mapping[str, int],
    k: int,
    retained: Mapping[str, list[str]],
) -> Scenario:
    """The scenario a stage draws down: its raised posts and the staff still there.

    Staff who have left are gone (nobody returns). A ``last_out`` member
    stays while their post has a later stage to run; at its last stage they
    are free to go (and do, unless a function still needs them). A shared
    lift keeps the seats its other posts' retained staff do not take.
    """
    staff: list[StaffMember] = []
    for member in scenario.staff:
        if member.post not in raised or member.id in departed:
            continue
        if member.last_out and last_raise.get(member.post, k) > k:
            member = member.model_copy(update={"must_remain": True, "must_leave": False})
        staff.append(member)
    lifts = []
    for lift in scenario.policy.extraction:
        inside = tuple(p for p in lift.posts if p in raised)
        if inside:
            taken = sum(len(retained.get(p, [])) for p in lift.posts if p not in raised)
            lifts.append(Lift(id=lift.id, posts=inside, seats=max(0, lift.seats - taken)))
    return scenario.replace(
        posts=[p for p in scenario.posts if p.id in raised],
        staff=staff,
        decision_points=(),
        policy=scenario.policy.model_copy(update={"extraction": tuple(lifts)}),
        checks=(),  # they judge the whole plan, and may name posts and staff left out here
    )


__all__ = ["plan"]
