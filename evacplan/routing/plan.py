"""The result of :func:`~evacplan.routing.evacuate`: the schedule, its proof and figures.

:class:`EvacuationPlan` is what the front door (:mod:`._evacuate`) hands
back: the movements (:mod:`.records`), the egress time and its proven bound,
risk exposure, bottlenecks and the people stranded, with the derived figures
(arrival curve, and the quickest possible one), the check (:meth:`EvacuationPlan.verify`, which delegates to
the solver-independent replay in :mod:`._replay`) and the words a planner
reads (summary, text, the HTML page and notebook tables through
:mod:`evacplan.report`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evacplan._time import _plural, clock, duration
from evacplan.errors import Problem, ScenarioError, SolverError, VerificationError
from evacplan.models import Network, ThreatEvent
from evacplan.results import DEFAULT_HAZARD_PER_HOUR, Party, Status
from evacplan.routing._arrays import _no_gc
from evacplan.routing._replay import _replay
from evacplan.routing._words import _figure, _fmt_num, _short_movement, _who
from evacplan.routing.columns import Movements
from evacplan.routing.records import Bottleneck, Movement, RouteViolation, Stranded

__all__ = ["EvacuationPlan"]


@dataclass(eq=False)
class EvacuationPlan:
    """Who moves when, by which route, until everyone is safe; with its proof.

    Built by :func:`~evacplan.routing.evacuate`; never built by hand.

    Attributes
    ----------
    status
        ``optimal``: the schedule is proven best for its objective (for
        ``quickest``: the egress time equals its lower bound, and no schedule
        that fast has less risk exposure or earlier arrivals). ``feasible``:
        a valid schedule, with the gap to the bound (parties that could not
        be proven, or a time limit; ``notes`` says which). Both are for the
        people who can be moved: whoever cannot be reached is in ``stranded``
        with why, and named on the summary's first line.
    movements
        The schedule: groups of people with their itinerary. A sequence of
        :class:`~evacplan.routing.records.Movement` (made when read), over the
        columns of :class:`~evacplan.routing.columns.Movements` for code that
        reads them all.
    egress_minutes
        The minute the last person reaches safety (None when nobody can).
    lower_bound_minutes
        A proven lower bound on the egress time: for ``quickest``, no schedule
        finishes earlier; for ``safest``, no schedule with the least risk
        exposure finishes earlier. Equal to ``egress_minutes`` when optimal.
    quickest_minutes
        The quickest possible egress for plain (splittable) counts, T*; for
        ``safest``, reported beside the safest schedule's egress.
    risk_exposure
        The sum over people of the risk of each link they enter, at the minute
        they enter it, and of ``risk_per_hour`` for the hours they spend at a
        threatened place (see ``docs/routing.md``).
    bottlenecks
        For ``quickest``, the links of a minimum cut that proves nobody can
        finish sooner; for ``safest``, the links this schedule fills to
        capacity (more room there would let its least risky routes carry
        people sooner).
    bottlenecks_why
        What ``bottlenecks`` are, or why there are none, in words.
    stranded
        People who cannot reach safety, with the reason (never silently dropped).
    standing_down
        Parties that do not relocate (``Party.relocate`` false): accounted for,
        not moved.
    """

    status: Status
    objective: str
    step_minutes: int
    movements: Sequence[Movement]
    egress_minutes: int | None
    lower_bound_minutes: int | None
    quickest_minutes: int | None
    deadline_minutes: float | None
    risk_exposure: float
    bottlenecks: list[Bottleneck]
    stranded: list[Stranded]
    standing_down: list[str]
    supply: dict[str, int]
    parties: tuple[Party, ...]
    safe: tuple[str, ...]
    proof: str
    notes: list[str]
    runtime_seconds: float
    bottlenecks_why: str = ""
    hazard_per_hour: float = DEFAULT_HAZARD_PER_HOUR
    """The chance of harm each hour a person spends released but not yet safe."""
    harm: float = 0.0
    """``risk_exposure`` plus ``hazard_per_hour`` times ``hours_not_safe``: what
    ``least_harm`` makes least (see ``docs/routing.md``)."""
    hours_not_safe: float = 0.0
    """Person-hours from each person's release (their call-forward) to their arrival at
    safety; plain counts are released at minute 0."""
    harm_lower_bound: float | None = None
    """For ``least_harm``: a proven lower bound on the harm of every schedule (equal to
    ``harm`` when optimal); None when not known."""
    seed: int = 0
    network_name: str | None = None
    _network: Network | None = field(default=None, repr=False)
    _threats: tuple[ThreatEvent, ...] = field(default=(), repr=False)
    _households: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    """Staff id: (party size, dependants), when planned from a Scenario (for ``verify()``)."""

    # -------------------------------------------------------------- derived figures

    @property
    def network(self) -> Network | None:
        """The network the plan was made on (None for a plan built by hand)."""
        return self._network

    @property
    def threats(self) -> tuple[ThreatEvent, ...]:
        """The threat events it was made under."""
        return self._threats

    @property
    def people(self) -> int:
        """People moved to safety by the schedule."""
        return int(Movements.of(self.movements).people.sum())

    @property
    def gap_minutes(self) -> int | None:
        """Egress time minus its proven lower bound (0 when optimal)."""
        if self.egress_minutes is None or self.lower_bound_minutes is None:
            return None
        return self.egress_minutes - self.lower_bound_minutes

    @property
    def arrival_curve(self) -> list[tuple[int, int]]:
        """People safe by each step's minute, from minute 0 to the egress time.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> plan = evacuate(load_scenario(seed_path("tiny")), supply={"embassy": 10})
        >>> plan.arrival_curve[-1]
        (95, 10)
        """
        if self.egress_minutes is None:
            return []
        step = self.step_minutes
        last = self.egress_minutes // step
        ms = Movements.of(self.movements)
        per_step = np.bincount(
            ms.arrival_minute // step, weights=ms.people, minlength=last + 1
        ).astype(np.int64)
        safe_by = np.cumsum(per_step)
        return [(k * step, int(safe_by[k])) for k in range(last + 1)]

    def quickest_curve(self) -> list[tuple[int, int]]:
        """People who could be safe by each minute if nobody shared a road: the curve the
        plan's :attr:`arrival_curve` is measured against.

        Each party the plan moves (or each person of plain supply) is given its
        earliest arrival alone on the network, leaving when it is ready, under
        the same threats, windows and departures (:func:`~evacplan.routing.extraction`
        with nothing else moving); the curve counts those arrivals. The gap
        between the two curves is what sharing the roads costs.

        Returns
        -------
        list of (minute, people)
            Each minute at which someone could arrive, with the people who could be
            safe by then; empty when the plan was not made on a network it holds.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> plan = evacuate(load_scenario(seed_path("tiny")), supply={"embassy": 10})
        >>> plan.quickest_curve()   # all ten could be at the haven by minute 90 ...
        [(90, 10)]
        >>> plan.arrival_curve[-1]  # ... and are by minute 95, sharing the road
        (95, 10)
        """
        from evacplan.routing._lastout import Extractor

        if self._network is None:
            return []
        ways = Extractor(self._network, threats=self._threats, step_minutes=self.step_minutes)
        ready: list[tuple[str, int, float, int]] = []  # (place, party size, minute, people)
        sizes = {p.id: p for p in self.parties}
        for m in self.movements:
            if m.parties:
                ready += [
                    (sizes[p].location, sizes[p].size, sizes[p].release_minute, sizes[p].size)
                    for p in m.parties
                    if p in sizes
                ]
            else:
                ready.append((m.source, 1, m.itinerary[0].arrive, m.count))
        arrivals: dict[int, int] = {}
        known: dict[tuple[str, int, float], int | None] = {}
        for place, size, minute, people in ready:
            key = (place, size, minute)
            if key not in known:
                known[key] = ways(place, size, minute).arrival
            at = known[key]
            if at is not None:
                arrivals[at] = arrivals.get(at, 0) + people
        total, curve = 0, []
        for at in sorted(arrivals):
            total += arrivals[at]
            curve.append((at, total))
        return curve

    def harm_by_party(self) -> dict[str, tuple[int, str, int, float, float]]:
        """Each party's fate in figures: people, route, arrival minute, and harm and hours not
        yet safe for each of its people. Plain counts are keyed by movement,
        ``"<n> from <place> via <route> at <arrival>"`` (their people are interchangeable;
        a second movement of the same is keyed with ``" #2"`` after it, and so on).

        The route is its stops and links (``"a -[road]-> b"``); a person's harm is
        the risk exposure of their movement (people entering a link together
        share its tiers' risk, as :meth:`verify` counts it) and
        ``hazard_per_hour`` for their hours not yet safe. Over every party and
        person, the harm adds up to :attr:`harm`. For comparing plans (what a
        closure changes, :func:`evacplan.closures.analyze`).

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> from evacplan.results import Party
        >>> plan = evacuate(load_scenario(seed_path("tiny")), parties=[Party("p", 2, "embassy")])
        >>> people, route, arrival, harm, hours = plan.harm_by_party()["p"]
        >>> people, route, arrival, round(hours, 2)
        (2, 'embassy -[airport-road]-> airport -[flight]-> haven', 90, 1.5)
        """
        if self._network is None:
            return {}
        from evacplan.routing._replay import _risk_shares

        ms = Movements.of(self.movements)
        shares = _risk_shares(self)
        release = {p.id: float(p.release_minute) for p in self.parties}
        sizes = {p.id: p.size for p in self.parties}
        party, party_start, names = ms.party.tolist(), ms.party_start.tolist(), ms.party_names
        source = [ms.place_names[p] for p in ms.source.tolist()]
        out: dict[str, tuple[int, str, int, float, float]] = {}
        repeats: dict[str, int] = {}
        for i, (count, arrival, risk, route) in enumerate(
            zip(ms.people.tolist(), ms.arrival_minute.tolist(), shares, ms.routes(), strict=True)
        ):
            members = [names[k] for k in party[party_start[i] : party_start[i + 1]]]
            for pid in members:
                hours = max(0.0, arrival - release[pid]) / 60
                harm = risk + self.hazard_per_hour * hours
                out[pid] = (sizes[pid], route, arrival, harm, hours)
            if not members:
                hours = arrival / 60
                key = f"{count} from {source[i]} via {route} at {arrival}"
                repeats[key] = repeats.get(key, 0) + 1
                if repeats[key] > 1:  # an identical movement: kept, not written over
                    key += f" #{repeats[key]}"
                out[key] = (count, route, arrival, risk + self.hazard_per_hour * hours, hours)
        return out

    @property
    def arrival_sum_minutes(self) -> int:
        """The sum over people of their arrival minute (the tie-break objective)."""
        ms = Movements.of(self.movements)
        return int(ms.people @ ms.arrival_minute)

    # ------------------------------------------------------------------- checking

    def verify(self, *, strict: bool = False) -> list[RouteViolation]:
        """Replay the schedule against the network, independently of the solver.

        Reads only the network (its links and, through
        :func:`evacplan.network.arc_schedules`, their windows and threats) and
        the movements; shares no data structure with the solver. Checks, each
        under its rule id:

        - ``route``: each leg follows a link from one stop to the next, leaves
          on a step boundary while the link is open, and arrives (after the
          link's transit steps) no later than the next stop's minute; the last
          stop is a safe place reached exactly then; no stop before it is safe.
        - ``capacity``: the people entering parallel links of equal transit
          at each minute are no more than they admit together.
        - ``accounted``: every person of the supply and every party is moved
          from their own place no earlier than their release, stranded, or
          standing down, exactly once; a party is never split.
        - ``deadline``: with a deadline, every movement is safe by it (who
          cannot be is listed as stranded).
        - ``figures``: the egress time, risk exposure and stranded counts
          recomputed from the schedule equal the reported ones; an optimal
          plan's egress equals its lower bound, and no plan's lower bound
          exceeds its egress.

        Parameters
        ----------
        strict
            Raise :class:`~evacplan.errors.VerificationError` (an ``AssertionError``)
            listing every violation instead of returning them.

        Returns
        -------
        list of RouteViolation
            Empty when the schedule keeps every rule.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> evacuate(load_scenario(seed_path("tiny")), supply={"residence": 12}).verify()
        []
        """
        if self._network is None:
            raise SolverError("this plan carries no network to verify against")
        with _no_gc():
            found = _replay(self)
        if strict and found:
            raise VerificationError(found, "schedule")
        return found

    # ------------------------------------------------------------------ reporting

    def summary(self) -> str:
        """A few lines: status, egress and its proof, the model it holds for, people, risk, bottlenecks.

        Examples
        --------
        >>> from evacplan.io import read_tntp, tntp_path
        >>> from evacplan.routing import evacuate
        >>> plan = evacuate(read_tntp(tntp_path("SiouxFalls")), supply={"3": 800, "20": 400},
        ...                 safe={"1", "13"}, step_minutes=1)
        >>> print(plan.summary().splitlines()[0])
        Evacuation plan (quickest, SiouxFalls): optimal

        The proof holds for the time-step model, and the summary says so:

        >>> print(next(line for line in plan.summary().splitlines() if "model:" in line))
          model: 1-minute steps, departures on step boundaries, travel times rounded up to whole steps; proven optimal for that model
        """
        saving = self.objective == "most_saved"
        lines = [
            f"Evacuation plan ({self.objective}"
            + (f", {self.network_name}" if self.network_name else "")
            + f"): {self.status}"
            + (f"; {self.unreached_words()}" if self.stranded else "")
        ]
        total = self.people + sum(s.count for s in self.stranded)
        lost = "left behind" if saving else "stranded"
        lines.append(
            f"  people: {total:,} to move, {self.people:,} "
            + ("safe by the deadline" if saving else "reach safety")
            + (f", {sum(s.count for s in self.stranded):,} {lost}" if self.stranded else "")
            + (
                f"; {_plural(len(self.standing_down), 'party', 'parties')} "
                + ("stands" if len(self.standing_down) == 1 else "stand")
                + " down at home"
                if self.standing_down
                else ""
            )
        )
        if self.egress_minutes is not None:
            lines.append(
                f"  egress: everyone moved is safe by {self._when(self.egress_minutes)} "
                f"({duration(self.egress_minutes)} after the start); " + self.bound_words()
            )
        if self.objective == "safest" and self.quickest_minutes is not None:
            lines.append(
                f"  quickest possible egress (any risk): {self._when(self.quickest_minutes)}"
            )
        if self.deadline_minutes is not None:
            lines.append(
                f"  deadline: {self._when(self.deadline_minutes)} "
                f"({duration(self.deadline_minutes)} after the start)"
            )
        lines.append(f"  harm: {self.harm_words()}")
        lines.append(
            f"  risk exposure: {_figure(self.risk_exposure)} (summed over people: the risk of each "
            "link entered, and risk_per_hour for time at threatened places)"
        )
        lines.append(f"  proof: {self.proof}")
        lines.append(f"  model: {self._model_words()}")
        if self.bottlenecks:
            lines.append(f"  bottlenecks ({self.bottlenecks_why}):")
            start = self._network.start if self._network is not None else None
            lines += [f"    {b.words(start)}" for b in self.bottlenecks[:8]]
            if len(self.bottlenecks) > 8:
                lines.append(f"    ... and {len(self.bottlenecks) - 8} more")
        elif self.bottlenecks_why:
            lines.append(f"  bottlenecks: none; {self.bottlenecks_why}")
        if self.stranded:
            lines.append(f"  {lost}:")
            lines += [f"    {s}" for s in self.stranded]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(f"  solved in {self.runtime_seconds:.2f} s; step {self.step_minutes} min")
        return "\n".join(lines)

    def unreached_words(self, limit: int = 1) -> str:
        """Who cannot be reached, where and why, in a few words (the headline's).

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> from evacplan.models import ThreatEvent
        >>> shut = ThreatEvent(id="shut", at=0, places=["airport"], closes=True)
        >>> plan = evacuate(load_scenario(seed_path("tiny")), supply={"airport": 2}, threats=[shut])
        >>> plan.unreached_words()
        '2 people cannot be reached: at airport, no route to any safe place (links airport-road, flight are closed for the whole scenario)'
        """
        if not self.stranded:
            return ""
        count = sum(s.count for s in self.stranded)
        left = "is left behind" if count == 1 else "are left behind"
        verb = left if self.objective == "most_saved" else "cannot be reached"
        alone = len(self.stranded) == 1 and not self.stranded[0].parties
        ranked = sorted(self.stranded, key=lambda s: -s.count)
        shown = [
            ("" if alone else f"{_who(s)} ") + f"at {s.place}, {s.reason}" for s in ranked[:limit]
        ]
        rest = ranked[limit:]
        more = f"; and {sum(s.count for s in rest):,} more (see stranded)"
        return (
            f"{_plural(count, 'person', 'people')} {verb}: "
            + "; ".join(shown)
            + (more if rest else "")
        )

    def bound_words(self) -> str:
        """What the egress's lower bound says, in words: ``lower bound 4760`` (with the gap);
        for ``least_harm``, whose egress is not what it makes least, when the quickest
        schedule could end (at more harm).

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> tiny = load_scenario(seed_path("tiny"))
        >>> evacuate(tiny, supply={"embassy": 10}).bound_words()
        'no schedule ends sooner'
        >>> evacuate(tiny, supply={"embassy": 10}, objective="least_harm").bound_words()
        'the quickest schedule could end at Fri 3 Jan 07:35 +00:00, at more harm'
        """
        low = self.lower_bound_minutes
        if low is None:
            return "no proven bound"
        if self.objective == "least_harm" and self.quickest_minutes is not None:
            if self.quickest_minutes < (self.egress_minutes or 0):
                return (
                    f"the quickest schedule could end at {self._when(self.quickest_minutes)}, "
                    "at more harm"
                )
            return "no schedule ends sooner"
        if not self.gap_minutes:
            return "no schedule ends sooner"
        return f"no schedule ends before {self._when(low)} (gap {duration(self.gap_minutes)})"

    def harm_words(self) -> str:
        """The harm in words: what it adds up, and the hazard it counts an hour at.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> plan = evacuate(load_scenario(seed_path("tiny")), supply={"embassy": 10})
        >>> plan.harm_words()
        '1.031 = risk exposure 1 + 15.42 person-hours not yet safe x 0.002, counting each hour not yet safe as a 0.2% chance of harm'
        """
        digits = 4
        low = self.harm_lower_bound if self.harm_lower_bound is not None else self.harm
        close = self.harm - low > 1e-9 * max(1.0, self.harm)
        while close and digits < 10 and _figure(low, digits) == _figure(self.harm, digits):
            digits += 1  # enough to tell the two apart
        words = (
            f"{_figure(self.harm, digits)} = risk exposure {_figure(self.risk_exposure)} + "
            f"{_figure(self.hours_not_safe)} person-hours not yet safe x "
            f"{self.hazard_per_hour:g}, counting each hour not yet safe as a "
            f"{self.hazard_per_hour * 100:g}% chance of harm"
        )
        if close:
            words += f"; no schedule has less than {_figure(low, digits)}"
        return words

    def _when(self, minute: float) -> str:
        """The clock time of ``minute`` when the start is known, else ``minute 95``."""
        when = clock(self._network.start if self._network is not None else None, minute)
        return when or f"minute {_fmt_num(minute)}"

    def _model_words(self) -> str:
        """What the proof covers: the time-step model, not continuous time."""
        words = (
            f"{self.step_minutes}-minute steps, departures on step boundaries, "
            "travel times rounded up to whole steps"
        )
        if self.status == Status.OPTIMAL:
            return words + "; proven optimal for that model"
        return words + "; figures and bounds are for that model"

    def __str__(self) -> str:
        lines = [self.summary()]
        if self.movements:
            shown = sorted(self.movements, key=lambda m: (-m.count, m.departure_minute))[:20]
            shown.sort(key=lambda m: (m.departure_minute, m.source, m.arrival_minute))
            lines.append(
                f"  schedule ({_plural(len(self.movements), 'movement')}"
                + (", the 20 largest" if len(self.movements) > 20 else "")
                + "):"
            )
            start = self._network.start if self._network is not None else None
            lines += [f"    {_short_movement(m, start, self._network)}" for m in shown]
        return "\n".join(lines)

    def to_geojson(self, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The plan for GIS tools: an RFC 7946 ``FeatureCollection`` (see
        :mod:`evacplan.report._geojson`), written to ``path`` as JSON when given.

        A line per link used (each direction apart, along the road's shape) with
        ``people``, ``first_use``/``last_use`` and ``risk``; a point per place with its
        ``kind`` and who leaves and arrives there. A plan built by hand holds no network
        to draw: :class:`~evacplan.errors.ScenarioError`.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> tiny = load_scenario(seed_path("tiny"))
        >>> fc = evacuate(tiny, {"residence": 20}, {"haven"}).to_geojson()
        >>> fc["type"], sorted({f["geometry"]["type"] for f in fc["features"]})
        ('FeatureCollection', ['LineString', 'Point'])
        """
        from evacplan.report._geojson import feature_collection, save

        net = self._network
        if net is None:
            raise ScenarioError(
                [Problem("network", "a plan built by hand holds none")], "to_geojson()"
            )
        out = feature_collection(
            net, self.movements, start=net.start, name=self.network_name, stranded=self.stranded
        )
        if path is not None:
            save(out, path)
        return out

    def to_html(self, path: str | os.PathLike[str] | None = None, *, simulation: Any = None) -> str:
        """The plan as one self-contained HTML page (inline CSS and SVG, no script).

        The headline (status, egress, people moved and stranded, the proof), the map
        of the routes with their load (when the plan holds its network), the
        movements by departure, the arrival curve against :meth:`quickest_curve`,
        who is stranded and why, and the assumptions. Times are minutes from the
        start: a network has no clock (a contingency plan's page has one).

        Parameters
        ----------
        path
            Where to write the page (whole or not at all); None writes nothing.
        simulation
            A :class:`~evacplan.uncertainty.Simulation` of this plan: adds how sure it is.

        Returns
        -------
        str
            The page.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> from evacplan.routing import evacuate
        >>> page = evacuate(load_scenario(seed_path("tiny")), supply={"embassy": 10}).to_html()
        >>> '<section id="movements"' in page, "minute 95 (1 h 35 from the start)" in page
        (True, True)
        """
        from evacplan import report

        facts = report.evacuation_facts(self, quickest=self.quickest_curve(), simulation=simulation)
        return report.page(facts, path)

    def _repr_html_(self) -> str:
        from evacplan import report

        return report.fragment(report.evacuation_facts(self))
