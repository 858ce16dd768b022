"""The independent check behind :meth:`ContingencyPlan.verify`, apart from every solver.

It re-checks each stage's drawdown (:meth:`DrawdownPlan.verify`) and the
joint schedule (:meth:`EvacuationPlan.verify`), then, from the records alone:
postures only rise; nobody who left is retained later; every release is its
stage's minute plus the muster time; the schedule moves exactly the parties
the stages release and the groups' parties; every person of the scenario
(staff, dependants, the people of groups) is accounted for once, in a party
whose size matches; and each last-out verdict matches its minutes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from evacplan._time import duration
from evacplan.contingency.records import LastOut, PersonState, PlanViolation, Stage
from evacplan.models import Posture, Scenario
from evacplan.results import Party
from evacplan.routing import EvacuationPlan


class _Checkable(Protocol):
    """What the check reads of a plan (a :class:`~.result.ContingencyPlan`)."""

    @property
    def scenario(self) -> Scenario: ...
    @property
    def stages(self) -> list[Stage]: ...
    @property
    def evacuation(self) -> EvacuationPlan: ...
    @property
    def last_out(self) -> dict[str, list[LastOut]]: ...

    def accounting(self) -> list[PersonState]: ...


@dataclass(slots=True)
class _Audit:
    """The plan under check, the parties of its groups, and the violations found so far."""

    cp: _Checkable
    groups: list[Party]
    found: list[PlanViolation] = field(default_factory=list)

    def bad(self, rule: str, message: str) -> None:
        """Record a violation of ``rule``."""
        self.found.append(PlanViolation(rule, message))


def _verify(cp: _Checkable) -> list[PlanViolation]:
    """Every violation of the plan, section by section in the order of the module docstring."""
    audit = _Audit(cp, cp.scenario.group_parties())
    _solvers(audit)
    _timeline(audit)
    _releases(audit)
    _schedule(audit)
    rows = cp.accounting()
    _everyone_once(audit, rows)
    _party_sizes(audit, rows)
    _retained_where_open(audit, rows)
    _last_out(audit)
    return audit.found


def _solvers(audit: _Audit) -> None:
    """Each stage's drawdown and the joint schedule pass their own solvers' checks."""
    for stage in audit.cp.stages:
        if stage.drawdown is not None:
            for v in stage.drawdown.verify():
                audit.bad("drawdown", f"stage {stage.index}: {v}")
    for rv in audit.cp.evacuation.verify():
        audit.bad("schedule", str(rv))


def _timeline(audit: _Audit) -> None:
    """Postures only rise; stages in time order."""
    scenario = audit.cp.scenario
    before = {p.id: p.posture for p in scenario.posts}
    last_minute = -1.0
    for stage in audit.cp.stages:
        if stage.minute < last_minute:
            audit.bad(
                "timeline", f"stage {stage.index} at {scenario.clock(stage.minute)} is out of order"
            )
        last_minute = stage.minute
        for post, posture in stage.postures.items():
            if posture < before.get(post, posture):
                audit.bad(
                    "monotone",
                    f"stage {stage.index}: {post} falls from {before[post]} to {posture}",
                )
            before[post] = posture


def _releases(audit: _Audit) -> None:
    """Nobody who left is retained later; releases after the muster time."""
    muster = float(audit.cp.scenario.policy.muster_minutes)
    gone: dict[str, int] = {}
    for stage in audit.cp.stages:
        for post, ids in stage.retained.items():
            for sid in ids:
                if sid in gone:
                    audit.bad(
                        "monotone",
                        f"stage {stage.index}: {sid} of {post} is retained after leaving at "
                        f"stage {gone[sid]}",
                    )
        for party in stage.parties:
            if abs(party.release_minute - (stage.minute + muster)) > 1e-9:
                audit.bad(
                    "release",
                    f"stage {stage.index}: party {party.id} is released at minute "
                    f"{party.release_minute:g}, not {stage.minute + muster:g} (the stage's "
                    f"minute plus {muster:g} minutes' muster)",
                )
            if not party.id.endswith("/dependants"):
                gone.setdefault(party.id, stage.index)


def _schedule(audit: _Audit) -> None:
    """The schedule moves exactly the released parties, and every group's, as released."""
    cp, groups = audit.cp, audit.groups
    released = Counter(p.id for stage in cp.stages for p in stage.parties)
    released.update(p.id for p in groups)
    for pid, n in released.items():
        if n > 1:
            audit.bad("accounted", f"party {pid} is released {n} times")
    scheduled = Counter(p.id for p in cp.evacuation.parties)
    if scheduled != released:
        missing = sorted(set(released) - set(scheduled))
        extra = sorted(set(scheduled) - set(released))
        audit.bad(
            "accounted",
            "the schedule's parties differ from the stages' releases"
            + (f"; not scheduled: {', '.join(missing[:5])}" if missing else "")
            + (f"; never released: {', '.join(extra[:5])}" if extra else ""),
        )

    ours = {p.id: p for stage in cp.stages for p in stage.parties} | {p.id: p for p in groups}
    for p in cp.evacuation.parties:
        mine = ours.get(p.id)
        if mine is not None and mine != p:
            audit.bad(
                "accounted",
                f"party {p.id} is scheduled as {p} but its stage releases {mine}",
            )


def _everyone_once(audit: _Audit, rows: list[PersonState]) -> None:
    """Every person of the scenario (staff, dependants, the people of groups) exactly once,
    in a known state."""
    scenario = audit.cp.scenario
    seen = Counter(r.person for r in rows)
    expected = (
        {m.id for m in scenario.staff}
        | {f"{m.id}/dependant-{n}" for m in scenario.staff for n in range(1, m.dependants + 1)}
        | {f"{p.id}/{j}" for p in audit.groups for j in range(1, p.size + 1)}
    )
    for person, n in seen.items():
        if n > 1:
            audit.bad("accounted", f"{person} is accounted for {n} times")
        if person not in expected:
            audit.bad("accounted", f"{person} is not a person of the scenario")
    for person in sorted(expected - set(seen)):
        audit.bad("accounted", f"{person} is not accounted for")
    states = {"retained", "safe", "standing_down", "stranded"}
    for r in rows:
        if r.state not in states:
            audit.bad("accounted", f"{r.person} ends in an unknown state {r.state!r}")


def _party_sizes(audit: _Audit, rows: list[PersonState]) -> None:
    """Each party released carries as many of the scenario's people as its size."""
    carried = Counter(r.party for r in rows if r.party is not None)
    for party in [*(p for stage in audit.cp.stages for p in stage.parties), *audit.groups]:
        if carried.get(party.id, 0) != party.size:
            audit.bad(
                "accounted",
                f"party {party.id} has {party.size} people but carries "
                f"{carried.get(party.id, 0)} of the scenario's",
            )


def _retained_where_open(audit: _Audit, rows: list[PersonState]) -> None:
    """Nobody ends retained at a post the last stage suspends."""
    cp, staff = audit.cp, audit.cp.scenario.staff_by_id
    for r in rows:
        if r.state == "retained" and "/dependant-" not in r.person:
            member = staff[r.person]
            final = cp.stages[-1].postures.get(member.post) if cp.stages else None
            if final is not None and final >= Posture.SUSPENDED:
                audit.bad("accounted", f"{r.person} is retained at a suspended post {member.post}")


def _last_out(audit: _Audit) -> None:
    """Each last-out verdict matches its minutes against the policy's limit."""
    scenario = audit.cp.scenario
    limit = float(scenario.policy.last_out_minutes)
    for post, checks in audit.cp.last_out.items():
        for c in checks:
            ok = c.minutes is not None and c.minutes <= limit
            if ok != c.ok:
                audit.bad(
                    "last-out",
                    f"{post} at {scenario.clock(c.minute)}: "
                    + ("no way out" if c.minutes is None else duration(c.minutes))
                    + f" is judged {'ok' if c.ok else 'a breach'} against the "
                    f"{duration(limit)} limit",
                )
