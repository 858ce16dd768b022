"""The result of :func:`evacplan.plan`: :class:`ContingencyPlan`, the timeline in one object.

It holds the stages (:class:`~.records.Stage`), the joint schedule (an
:class:`~evacplan.routing.EvacuationPlan`) and the last-out checks, and
derives what a planner reads: the accounting (one row per person), the
summary and the timeline in words, the HTML page (``to_html``, drawn by
:mod:`evacplan.report`) and notebook tables, JSON for the archive, and
:meth:`ContingencyPlan.verify` (:mod:`._verify`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from evacplan._time import _plural, duration
from evacplan.contingency._accounting import _accounting, _left_behind, _unreached
from evacplan.contingency._verify import _verify
from evacplan.contingency.records import LastOut, LeftBehind, PersonState, PlanViolation, Stage
from evacplan.errors import VerificationError
from evacplan.models import Scenario
from evacplan.results import Party, Status
from evacplan.routing import EvacuationPlan

__all__ = ["ContingencyPlan"]


@dataclass(frozen=True)
class ContingencyPlan:
    """A contingency plan: the drawdown and the evacuation over the scenario's timeline.

    Attributes
    ----------
    status
        ``optimal`` when every stage's drawdown and the joint schedule are
        proven; ``feasible`` when a proof falls short (``notes`` says why);
        ``infeasible`` when a post cannot hold a posture (see the stages'
        conflicts). Whoever cannot be reached does not change it: they are
        named first in the summary, in ``notes`` and in ``left_behind``.
    stages
        In time order.
    evacuation
        The one schedule that moves every stage's releases.
    last_out
        Per post, its last-out checks (:class:`~.records.LastOut`) in time order.
    """

    status: Status
    scenario: Scenario
    stages: list[Stage]
    evacuation: EvacuationPlan
    last_out: dict[str, list[LastOut]]
    indicators: dict[str, float]
    notes: list[str] = field(default_factory=list)
    runtime_seconds: float = 0.0

    # ------------------------------------------------------------------ figures

    def accounting(self) -> list[PersonState]:
        """Where every person ends: one row per staff member and per dependant.

        Examples
        --------
        >>> from evacplan import plan
        >>> from evacplan.io import load_scenario, seed_path
        >>> rows = plan(load_scenario(seed_path("tiny"))).accounting()
        >>> sorted({r.state for r in rows}), len(rows)
        (['retained', 'safe', 'standing_down'], 12)
        """
        return _accounting(self.scenario, self.stages, self.evacuation, self.last_out)

    @property
    def left_behind(self) -> list[LeftBehind]:
        """Who the plan cannot bring to safety: staff first (priority 0), then groups by
        priority, each with how many, where and why (empty when everyone is safe or stays).

        Examples
        --------
        >>> from evacplan import plan
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.testing import with_closure
        >>> tiny = load_scenario(seed_path("tiny"))
        >>> behind = plan(with_closure(tiny, "residence-embassy", at="25h")).left_behind
        >>> [(r.who, r.count, r.category, r.priority, r.place) for r in behind]  # doctest: +NORMALIZE_WHITESPACE
        [('cap-01/dependants', 1, 'dependant', 0, 'residence'),
         ('cap-02', 1, 'diplomat', 0, 'residence'), ('cap-02', 2, 'dependant', 0, 'residence'),
         ('cap-04', 1, 'diplomat', 0, 'residence'), ('cap-04', 3, 'dependant', 0, 'residence')]
        >>> print(behind[0].reason)
        cut off when residence-embassy closes at Sat 4 Jan 07:00 +00:00; they may leave only from Sat 4 Jan 07:00 +00:00
        """
        return _left_behind(self.scenario, self.accounting())

    @property
    def breaches(self) -> list[LastOut]:
        """The last-out checks that fail, in time order."""
        return sorted(
            (c for checks in self.last_out.values() for c in checks if not c.ok),
            key=lambda c: (c.minute, c.post),
        )

    def verify(self, *, strict: bool = False) -> list[PlanViolation]:
        """Re-check the plan apart from the solvers: stages, schedule, monotonicity, accounting.

        Rules: ``drawdown`` and ``schedule`` (each stage's drawdown and the
        joint schedule, by their own ``verify()``), ``timeline`` and
        ``monotone`` (postures only rise; nobody who left is retained later),
        ``release`` (the muster time), ``accounted`` (every person once, in
        a party of the right size; the schedule moves exactly the releases),
        ``last-out`` (each verdict matches the policy's limit).

        Examples
        --------
        >>> from evacplan import plan
        >>> from evacplan.io import load_scenario, seed_path
        >>> plan(load_scenario(seed_path("tiny"))).verify()
        []
        """
        found = _verify(self)
        if strict and found:
            raise VerificationError([str(v) for v in found], "contingency plan")
        return found

    # ------------------------------------------------------------------ words

    def unreached(self) -> list[str]:
        """Who cannot be reached (or, under ``most_saved``, is left behind), where and why:
        one sentence per party or group at a place, with clock times, largest first.

        Examples
        --------
        >>> from evacplan import plan
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.testing import with_closure
        >>> tiny = load_scenario(seed_path("tiny"))
        >>> cp = plan(with_closure(tiny, "residence-embassy", at="25h"))
        >>> print(cp.unreached()[0])
        cap-04 and family (4 people) at residence, cut off when residence-embassy closes at Sat 4 Jan 07:00 +00:00; they may leave only from Sat 4 Jan 07:00 +00:00
        """
        return _unreached(self.scenario, self.evacuation)

    def unreached_words(self) -> str:
        """The headline about who cannot be reached: how many, and the largest party or group
        with where and why ("" when everyone can be)."""
        found = self.unreached()
        if not found:
            return ""
        count = sum(s.count for s in self.evacuation.stranded)
        left = "is left behind" if count == 1 else "are left behind"
        verb = left if self.evacuation.objective == "most_saved" else "cannot be reached"
        more = len(found) - 1
        return f"{_plural(count, 'person', 'people')} {verb}: {found[0]}" + (
            f"; and {_plural(more, 'more party', 'more parties')} (see notes)" if more else ""
        )

    def summary(self) -> str:
        """A few lines: status (and who cannot be reached), stages, people by fate, the harm,
        the egress and its proof, breaches."""
        sc = self.scenario
        rows = self.accounting()
        fates = {
            s: sum(1 for r in rows if r.state == s)
            for s in ("retained", "safe", "standing_down", "stranded")
        }
        ev = self.evacuation
        saving = ev.objective == "most_saved"
        unreached = self.unreached_words()
        lines = [
            f"Contingency plan ({sc.name}): {self.status}"
            + (f"; {unreached}" if unreached else ""),
            f"  stages: {len(self.stages)}; people: {len(rows):,} ({fates['safe']:,} safe"
            + (f" by {sc.clock(ev.deadline_minutes)}" if saving and ev.deadline_minutes else "")
            + f", {fates['retained']:,} retained, {fates['standing_down']:,} standing down, "
            f"{fates['stranded']:,} {'left behind' if saving else 'stranded'})",
        ]
        if ev.egress_minutes is not None and ev.movements:
            lines.append(
                f"  last person safe: {sc.clock(ev.egress_minutes)}, "
                f"{duration(ev.egress_minutes)} after the start; "
                f"schedule {ev.status}, " + ev.bound_words()
            )
        if ev.movements:
            lines.append(f"  harm: {ev.harm_words()}")
        behind = _left_behind(sc, rows)  # the rows above: one accounting, not two
        if behind:
            by: dict[str, int] = {}
            for r in behind:
                by[r.category] = by.get(r.category, 0) + r.count
            lines.append(
                f"  left behind: {_plural(sum(by.values()), 'person', 'people')} ("
                + ", ".join(f"{k} {n}" for k, n in by.items())
                + "; see left_behind)"
            )
        breaches = self.breaches
        checked = sum(len(checks) for checks in self.last_out.values())
        lines.append(
            "  last-out: "
            + (
                f"{_plural(len(breaches), 'breach', 'breaches')} in {_plural(checked, 'check')}"
                if breaches
                else f"every open post can get its staff out in time ({_plural(checked, 'check')})"
                if checked
                else "not checked: no stage fired, so nobody has been drawn down"
            )
        )
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(f"  planned in {self.runtime_seconds:.2f} s")
        return "\n".join(lines)

    def __repr__(self) -> str:
        egress = self.evacuation.egress_minutes
        return (
            f"<ContingencyPlan {self.scenario.name!r} {self.status.value}: "
            f"{_plural(len(self.stages), 'stage')}, "
            + (
                "nobody moves"
                if egress is None
                else f"last person safe {self.scenario.clock(egress)}"
            )
            + (
                f", {_plural(len(self.breaches), 'last-out breach', 'last-out breaches')}"
                if self.breaches
                else ""
            )
            + ">"
        )

    def __str__(self) -> str:
        """The timeline in words: stage by stage, who stays, who leaves when and how.

        Parties that travel the same route at the same times share a line; every
        time is a clock time in the scenario start's offset.
        """
        lines = [self.summary(), ""]
        moved = {pid: m for m in self.evacuation.movements for pid in m.parties}
        stranded = {pid: s for s in self.evacuation.stranded for pid in s.parties}
        for stage in self.stages:
            lines.append(
                f"Stage {stage.index}: {stage.clock}, {duration(stage.minute)} after the start"
            )
            lines.append(
                "  fired: "
                + (", ".join(stage.fired) if stage.fired else "the scenario's own postures")
            )
            for post in stage.raised:
                kept = stage.retained.get(post, [])
                lines.append(
                    f"  {post} -> {stage.postures[post]}: {len(kept)} stay"
                    + (f" ({', '.join(kept)})" if kept else "")
                )
            lines += self._parties_text(stage.parties, moved, stranded)
            for checks in self.last_out.values():
                for c in checks:
                    if stage.minute <= c.minute < _next(self.stages, stage.index):
                        lines.append(
                            f"  last-out {c}" + (f" [{c.trigger}]" if c.trigger != "stage" else "")
                        )
            lines.append("")
        lines += self._groups_text(moved, stranded)
        return "\n".join(lines).rstrip()

    def _parties_text(
        self, parties: tuple[Party, ...], moved: dict[str, Any], stranded: dict[str, Any]
    ) -> list[str]:
        """A stage's parties in lines: those on the same itinerary together (who, how many,
        the route with its clock times), those standing down together, each stranded party
        with why."""
        sc = self.scenario
        routes: dict[tuple[Any, ...], list[Party]] = {}
        home: list[Party] = []
        lines: list[str] = []
        for party in parties:
            if not party.relocate:
                home.append(party)
            elif party.id in moved:
                m = moved[party.id]
                key = tuple((x.place, x.arrive, x.leave) for x in m.itinerary)
                routes.setdefault(key, []).append(party)
            elif party.id in stranded:
                lines.append(
                    f"    {party.id} ({_plural(party.size, 'person', 'people')}) "
                    f"{self._cut_word}: {stranded[party.id].reason}"
                )
        out = []
        for group in sorted(routes.values(), key=lambda g: moved[g[0].id].departure_minute):
            m = moved[group[0].id]
            people = sum(p.size for p in group)
            out.append(
                f"    {', '.join(p.id for p in group)} ({_plural(people, 'person', 'people')}): "
                f"safe at {m.destination} {sc.clock(m.arrival_minute)}; "
                f"{sc.network.route_words(sc.start, m.itinerary, m.links)}"
            )
        if home:
            people = sum(p.size for p in home)
            out.append(
                f"    {', '.join(p.id for p in home)} ({_plural(people, 'person', 'people')}) "
                + ("stands" if len(home) == 1 else "stand")
                + " down at home"
            )
        return out + lines

    @property
    def _cut_word(self) -> str:
        """How the text names people not moved to safety: left behind by the deadline of
        ``most_saved`` (its headline), else stranded."""
        return "LEFT BEHIND" if self.evacuation.objective == "most_saved" else "STRANDED"

    def _groups_text(self, moved: dict[str, Any], stranded: dict[str, Any]) -> list[str]:
        """Each group in a few lines: when called, how many safe where and by when, by which
        routes, and who is stranded (its parties are many: they are summed, not listed)."""
        sc = self.scenario
        if not sc.groups:
            return []
        lines = ["Groups (not staff), moved when called forward:"]
        parties: dict[str, list[Party]] = {}
        for party in sc.group_parties():
            parties.setdefault(party.id.rsplit("/", 1)[0], []).append(party)
        for g in sc.groups:
            mine = parties.get(g.id, [])
            release = sc.minute(g.release)
            lines.append(
                f"  {g.id} ({_plural(g.count, 'person', 'people')}, {g.category}, priority "
                f"{g.priority}, in {_plural(len(mine), 'party', 'parties')}) from {g.location}, "
                f"called forward {sc.clock(release)}"
            )
            safe = [(p, moved[p.id]) for p in mine if p.id in moved]
            if safe:
                last = max(m.arrival_minute for _, m in safe)
                places = sorted({m.destination for _, m in safe})
                lines.append(
                    f"    {_plural(sum(p.size for p, _ in safe), 'person', 'people')} safe at "
                    f"{', '.join(places)} by {sc.clock(last)}"
                )
                routes: dict[str, int] = {}
                for p, m in safe:
                    way = sc.network.route_words(None, m.itinerary, m.links, times=False)
                    routes[way] = routes.get(way, 0) + p.size
                lines += [
                    f"    via {way}: {n}" for way, n in sorted(routes.items(), key=lambda x: -x[1])
                ]
            cut = [p for p in mine if p.id in stranded]
            if cut:
                reasons = sorted({stranded[p.id].reason for p in cut})
                lines.append(
                    f"    {_plural(sum(p.size for p in cut), 'person', 'people')} {self._cut_word}: "
                    + "; ".join(reasons)
                )
        lines.append("")
        return lines

    def to_geojson(self, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The plan for GIS tools: an RFC 7946 ``FeatureCollection`` (lon, lat), written to
        ``path`` as JSON when given.

        As :meth:`EvacuationPlan.to_geojson`, with clock times, and each post's point
        naming the post and who is retained there at the last stage.

        Examples
        --------
        >>> from evacplan import plan
        >>> from evacplan.io import load_scenario, seed_path
        >>> fc = plan(load_scenario(seed_path("tiny"))).to_geojson()
        >>> post = next(f for f in fc["features"] if f["properties"].get("posts"))
        >>> post["properties"]["posts"], post["properties"]["retained"]
        (['capital'], ['cap-01', 'cap-03'])
        """
        from evacplan.report._geojson import feature_collection, save

        sc = self.scenario
        last = self.stages[-1].retained if self.stages else {}
        extra: dict[str, dict[str, Any]] = {}
        for post in sc.posts:
            here = extra.setdefault(post.place, {"posts": [], "retained": []})
            here["posts"].append(post.id)
            here["retained"] += last.get(post.id, [])
        out = feature_collection(
            sc.network,
            self.evacuation.movements,
            start=sc.start,
            extra=extra,
            name=sc.name,
            stranded=self.evacuation.stranded,
        )
        if path is not None:
            save(out, path)
        return out

    def to_html(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        closures: Any = None,
        simulation: Any = None,
    ) -> str:
        """The plan as one self-contained HTML page a minister can read, mail and print.

        Inline CSS and SVG only (no script, nothing fetched: it opens offline and on an
        air-gapped network), printable to A4 with a page per section. Sections, each
        only where it has content: the headline (status, when the last person is safe,
        who is moved, retained, standing down, stranded or left behind, the proof), a
        timeline (threats, decision points, postures, each stage's departures, the
        last-out checks), a map (places, routes with their load, closed and risky links),
        each post (who stays, covering what and why; who leaves, when, by which route,
        safe when), groups, the arrival curve against the quickest possible, the closure
        analysis, who is left behind and why, and the assumptions.

        Parameters
        ----------
        path
            Where to write the page (whole or not at all); None writes nothing.
        closures
            A :class:`~evacplan.closures.ClosureAnalysis` of this plan: adds the ranked
            closures and marks the worst on the map.
        simulation
            A :class:`~evacplan.uncertainty.Simulation` of this plan: adds how sure it is
            (the clearance times of the runs, who is least often on time, what binds).

        Returns
        -------
        str
            The page.

        Raises
        ------
        EvacplanError
            If ``path`` cannot be written (its folder is missing, say).

        Examples
        --------
        >>> from evacplan import plan
        >>> from evacplan.io import load_scenario, seed_path
        >>> page = plan(load_scenario(seed_path("tiny"))).to_html()
        >>> page.startswith("<!DOCTYPE html>"), "<script" in page
        (True, False)
        """
        from evacplan import report

        facts = report.contingency_facts(
            self,
            quickest=self.evacuation.quickest_curve(),
            closures=closures,
            simulation=simulation,
        )
        return report.page(facts, path)

    def _repr_html_(self) -> str:
        from evacplan import report

        return report.fragment(report.contingency_facts(self))

    def to_json(self) -> str:
        """The plan as JSON (stages, schedule, last-out checks, accounting), for the archive.

        Examples
        --------
        >>> import json
        >>> from evacplan import plan
        >>> from evacplan.io import load_scenario, seed_path
        >>> data = json.loads(plan(load_scenario(seed_path("tiny"))).to_json())
        >>> sorted(data)[:4], data["status"]
        (['accounting', 'evacuation', 'indicators', 'last_out'], 'optimal')
        """
        ev = self.evacuation
        data: dict[str, Any] = {
            "scenario": self.scenario.name,
            "status": str(self.status),
            "indicators": self.indicators,
            "stages": [
                {
                    "index": s.index,
                    "minute": s.minute,
                    "datetime": s.when.isoformat(),
                    "clock": s.clock,
                    "fired": list(s.fired),
                    "postures": {k: str(v) for k, v in s.postures.items()},
                    "raised": list(s.raised),
                    "retained": s.retained,
                    "parties": [
                        {
                            "id": p.id,
                            "size": p.size,
                            "location": p.location,
                            "post": p.post,
                            "release_minute": p.release_minute,
                            "relocate": p.relocate,
                        }
                        for p in s.parties
                    ],
                }
                for s in self.stages
            ],
            "evacuation": {
                "status": str(ev.status),
                "egress_minutes": ev.egress_minutes,
                "lower_bound_minutes": ev.lower_bound_minutes,
                "risk_exposure": ev.risk_exposure,
                "movements": [
                    {
                        "count": m.count,
                        "parties": m.parties,
                        "links": m.links,
                        "itinerary": [[s.place, s.arrive, s.leave] for s in m.itinerary],
                    }
                    for m in ev.movements
                ],
                "stranded": [
                    {"place": s.place, "count": s.count, "reason": s.reason, "parties": s.parties}
                    for s in ev.stranded
                ],
            },
            "last_out": {
                post: [
                    {
                        "minute": c.minute,
                        "people": c.people,
                        "minutes": c.minutes,
                        "route": [s.place for s in c.itinerary],
                        "ok": c.ok,
                        "cause": c.cause,
                        "trigger": c.trigger,
                    }
                    for c in checks
                ]
                for post, checks in self.last_out.items()
            },
            "accounting": [
                {
                    "person": r.person,
                    "state": r.state,
                    "minute": r.minute,
                    "place": r.place,
                    "reason": r.reason,
                    "party": r.party,
                    "route": list(r.route),
                }
                for r in self.accounting()
            ],
            "notes": self.notes,
        }
        return json.dumps(data, indent=2)


def _next(stages: list[Stage], index: int) -> float:
    return stages[index + 1].minute if index + 1 < len(stages) else float("inf")
