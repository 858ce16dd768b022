"""The answer of :func:`~evacplan.uncertainty.simulate`: how sure a plan is.

:class:`Simulation` holds every run's clearance time, every party's arrival
and what held people up, as NumPy arrays (one row per run), and reads them
as a planner asks: how likely is everyone out by Friday
(:meth:`Simulation.p_safe_by`), in what time are we out in nine runs of ten
(:attr:`Simulation.egress_quantiles`), who is most often late
(:meth:`Simulation.party_odds`), which roads and flights hold people up
(:meth:`Simulation.binding`); as text (:meth:`Simulation.summary`), pandas
(:meth:`Simulation.to_frame`) and a figure (:meth:`Simulation.plot`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from evacplan._time import _plural, clock, duration, parse_when
from evacplan._time import percent as _pct
from evacplan.errors import MissingExtraError, Problem, ScenarioError

__all__ = ["Binding", "PartyOdds", "Simulation"]

QUANTILES = (50, 90, 95)


@dataclass(frozen=True, slots=True)
class PartyOdds:
    """One party's odds over the runs (:meth:`Simulation.party_odds`)."""

    party: str
    people: int
    planned: float
    """The plan's arrival at safety, minutes from the start."""
    p_on_time: float
    """The share of runs (in which it came) that it is safe by ``planned + slack``."""
    p95: float
    """Its 95th-percentile arrival (``inf`` when it is not safe in more than one run in 20)."""
    p_not_safe: float
    """The share of runs (in which it came) that it never reaches safety."""

    def __str__(self) -> str:
        return self.words()

    def words(self, start: datetime | None = None) -> str:
        """In words, times as clock times from ``start`` when it is given.

        Examples
        --------
        >>> print(PartyOdds("cap-02", 3, 600, 0.82, 690, 0.0))
        cap-02 (3 people): on time in 82% of runs; in 95 of 100 safe by minute 690 (planned minute 600, 1 h 30 later)
        """

        def at(m: float) -> str:
            return clock(start, m) if start is not None else f"minute {m:g}"

        planned = at(self.planned)
        if start is not None and planned.rsplit(" ", 2)[0] == at(self.p95).rsplit(" ", 2)[0]:
            planned = planned.rsplit(" ", 2)[1]  # the same day: the time alone
        p95 = (
            "never safe in more than 5 runs of 100"
            if math.isinf(self.p95)
            else f"in 95 of 100 safe by {at(self.p95)} (planned {planned}, "
            f"{duration(self.p95 - self.planned)} later)"
        )
        return (
            f"{self.party} ({_plural(self.people, 'person', 'people')}): on time in "
            f"{_pct(self.p_on_time)} of runs; {p95}"
        )


@dataclass(frozen=True, slots=True)
class Binding:
    """A link or scheduled service that held people up, over the runs (:meth:`Simulation.binding`)."""

    link: str
    source: str
    target: str
    service: bool
    """A scheduled service (a flight, a ferry): its room is its seats at each departure."""
    share: float
    """The share of runs in which someone queued for room on it (or missed a departure)."""
    missed: float
    """People who came too late for their planned slot on it (a departure, for a service), a
    run on average; on a road most of them find room at once."""
    waited_hours: float
    """Person-hours spent queueing for it, a run on average."""
    stuck: float
    """People still queued for it when the simulated time ends, a run on average."""

    def __str__(self) -> str:
        out = (
            f"{self.link} ({self.source} -> {self.target}): holds people up in "
            f"{_pct(self.share)} of runs; "
            + (f"{self.missed:.1f} people a run miss their departure, " if self.service else "")
            + f"{_person_time(self.waited_hours * 60)} queueing a run on average"
        )
        if self.stuck:
            out += f", {self.stuck:.1f} never get through"
        return out


@dataclass(frozen=True, eq=False)
class Simulation:
    """Runs of a plan under uncertainty: clearance times, each party's arrivals, what binds.

    Minutes count from the scenario's start. A run's ``egress`` is the minute
    the last person who came is safe: ``inf`` when someone never is (a link
    closed for good on their way, a last departure missed, or still queued
    when the simulated time ends: ``horizon_minutes``). People who never come
    (``no_show``) are counted apart, not as late.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.routing import evacuate
    >>> from evacplan.uncertainty import simulate
    >>> net = load_scenario(seed_path("tiny")).network
    >>> plan = evacuate(net, supply={"embassy": 30}, step_minutes=5)
    >>> sim = simulate(plan, runs=200, seed=1, travel_factor=(1, 1, 1.5))
    >>> plan.egress_minutes, sim.egress_quantiles
    (115, {50: 135.0, 90: 145.0, 95: 150.0})
    >>> sim.p_safe_by("2h"), sim.p_safe_by(150)
    (0.0, 0.965)
    """

    runs: int
    seed: int
    policy: str
    planned_egress: float
    """The plan's own egress (minutes)."""
    step_minutes: int
    horizon_minutes: float
    """How far each run is simulated: who is not safe by then counts as never safe."""
    settings: dict[str, Any]
    """The uncertainty simulated: travel_factor, late, no_show, closures."""
    egress: np.ndarray
    """Per run, the minute everyone who came is safe (``inf``: someone never is)."""
    no_show: np.ndarray
    """Per run, people who never came."""
    not_safe: np.ndarray
    """Per run, people who came and never reached safety."""
    party_ids: tuple[str, ...]
    party_people: np.ndarray
    planned_arrival: np.ndarray
    """Per party, the plan's arrival minute."""
    party_arrival: np.ndarray
    """Runs x parties: the minute each party is safe (``nan``: it never came; ``inf``: never safe)."""
    closures: tuple[str, ...]
    closed: np.ndarray
    """Runs x closures: whether each closure happened in each run."""
    links: tuple[tuple[str, str, str, bool], ...]
    """Per link group: (name, from, to, scheduled service)."""
    waited: np.ndarray
    """Runs x link groups: person-minutes spent queueing for room."""
    missed: np.ndarray
    """Runs x link groups: people who missed their planned slot."""
    stuck: np.ndarray
    """Runs x link groups: people still queued when the simulated time ends."""
    replans: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Per run, how many times the people not yet safe were re-planned (``policy="replan"``:
    at each closure that happens and each dead end, such as a last departure missed)."""
    start: datetime | None = None
    plan_stranded: int = 0
    """People the plan itself cannot bring to safety (not simulated)."""
    seconds: float = 0.0
    _arrivals: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)
    _why: list[tuple[tuple[str, int], ...]] = field(default_factory=list, repr=False)

    # ---------------------------------------------------------------- figures

    @property
    def egress_quantiles(self) -> dict[int, float]:
        """The clearance time that 50, 90 and 95 runs in 100 meet: ``{50: m, 90: m, 95: m}``
        (minutes; ``inf`` where runs leave someone behind)."""
        return {q: self.quantile(q / 100) for q in QUANTILES}

    def quantile(self, q: float) -> float:
        """The least clearance time that a share ``q`` of runs meets (minutes, on the step grid).

        Examples
        --------
        >>> import numpy as np
        >>> from evacplan.uncertainty.result import Simulation
        >>> Simulation._of(np.array([60, 70, 80, 90.0])).quantile(0.5)
        70.0
        """
        if not 0 < q <= 1:
            raise ScenarioError([Problem("q", f"must be above 0 and at most 1 (got {q!r})")])
        ordered = np.sort(self.egress)
        return float(ordered[max(0, math.ceil(q * ordered.size - 1e-9) - 1)])

    def p_safe_by(self, when: Any) -> float:
        """The share of runs in which everyone who came is safe by ``when``.

        ``when`` is a moment as in a scenario file: minutes from the start, a
        duration from the start (``"120h"``) or a datetime.
        """
        return float(np.mean(self.egress <= self._minute(when, "when")))

    def share_safe_by(self, when: Any) -> float:
        """The share of everyone who came that is safe by ``when``, averaged over the runs."""
        minute = self._minute(when, "when")
        shares = []
        for (at, people), lost in zip(self._arrivals, self.not_safe.tolist(), strict=True):
            total = int(people.sum()) + int(lost)
            shares.append(float(people[at <= minute].sum()) / total if total else 1.0)
        return float(np.mean(shares)) if shares else 1.0

    def _minute(self, when: Any, name: str) -> float:
        try:
            value = parse_when(when)
        except ValueError as error:
            raise ScenarioError([Problem(name, str(error))], source="invalid time") from None
        if isinstance(value, datetime):
            if self.start is None:
                raise ScenarioError(
                    [Problem(name, "a datetime needs a scenario with a start; give minutes")],
                    source="invalid time",
                )
            return (value - self.start).total_seconds() / 60
        return float(value)

    def compare(self, other: Simulation, times: Any = ()) -> str:
        """This simulation beside another of the same plan (another policy, say), as a table
        in words: the share of runs with everyone safe by the plan's time, by ``times``
        (moments as in a scenario file) and 24 h after the plan, the clearance times, the runs
        that leave someone behind. Run both with the same seed and the difference is what the
        other policy is worth.

        Examples
        --------
        >>> import numpy as np
        >>> a = Simulation._of(np.array([60.0, 70.0, np.inf, 80.0]))
        >>> b = Simulation._of(np.array([60.0, 70.0, 95.0, 80.0]))
        >>> print(a.compare(b, times=[90]))
                                                 follow  follow
        everyone safe by 1 h after the start        25%     25%
        everyone safe by 1 h 30 after the start     75%     75%
        everyone safe by 25 h after the start       75%    100%
        everyone safe in 50 runs of 100 by       1 h 10  1 h 10
        everyone safe in 90 runs of 100 by        never  1 h 35
        everyone safe in 95 runs of 100 by        never  1 h 35
        runs with someone never safe                  1       0
        """
        plan = self.planned_egress
        moments = [plan, *(self._minute(t, "times") for t in times), plan + 1440]
        rows: list[tuple[str, str, str]] = []
        for m in moments:
            words = f"everyone safe by {self._at(m)}"
            rows.append((words, _pct(self.p_safe_by(m)), _pct(other.p_safe_by(m))))
        for k in QUANTILES:
            rows.append(
                (
                    f"everyone safe in {k} runs of 100 by",
                    self._at(self.quantile(k / 100), short=True),
                    other._at(other.quantile(k / 100), short=True),
                )
            )
        rows.append(
            (
                "runs with someone never safe",
                str(int(np.isinf(self.egress).sum())),
                str(int(np.isinf(other.egress).sum())),
            )
        )
        width = max(len(r[0]) for r in rows)
        cols = [max(len(self.policy), *(len(r[1]) for r in rows))]
        cols.append(max(len(other.policy), *(len(r[2]) for r in rows)))
        head = f"{'':<{width}}  {self.policy:>{cols[0]}}  {other.policy:>{cols[1]}}"
        lines = [head] + [f"{a:<{width}}  {b:>{cols[0]}}  {c:>{cols[1]}}" for a, b, c in rows]
        return "\n".join(lines)

    def why_not_safe(self) -> list[tuple[str, float, float]]:
        """Why people never reach safety: ``(reason, share of runs, people in such a run on
        average)``, the most frequent first.

        Examples
        --------
        >>> import numpy as np
        >>> sim = Simulation._of(np.array([60.0, np.inf]))
        >>> sim._why.extend([(), (("waiting at a for ferry (to b): it does not open again", 3),)])
        >>> sim.why_not_safe()
        [('waiting at a for ferry (to b): it does not open again', 0.5, 3.0)]
        """
        found: dict[str, list[int]] = {}
        for run in self._why:
            for reason, people in run:
                found.setdefault(reason, []).append(people)
        out = [(r, len(n) / max(1, self.runs), float(np.mean(n))) for r, n in found.items()]
        return sorted(out, key=lambda x: (-x[1], -x[2], x[0]))

    def party_odds(self, slack: Any = 60) -> list[PartyOdds]:
        """Per party, the share of runs it is safe by its planned arrival plus ``slack`` (minutes
        or a duration like ``"2h"``), and its 95th-percentile arrival; least likely first."""
        pad = self._minute(slack, "slack")
        out = []
        for k, pid in enumerate(self.party_ids):
            col = self.party_arrival[:, k]
            came = col[~np.isnan(col)]
            if not came.size:
                continue
            ordered = np.sort(came)
            p95 = float(ordered[max(0, math.ceil(0.95 * ordered.size - 1e-9) - 1)])
            out.append(
                PartyOdds(
                    party=pid,
                    people=int(self.party_people[k]),
                    planned=float(self.planned_arrival[k]),
                    p_on_time=float(np.mean(came <= self.planned_arrival[k] + pad)),
                    p95=p95,
                    p_not_safe=float(np.mean(np.isinf(came))),
                )
            )
        out.sort(key=lambda o: (o.p_on_time, -o.p95, o.party))
        return out

    def binding(self) -> list[Binding]:
        """The links and services that held people up (only those that did): the most
        person-time queueing first (and people who never got through)."""
        services = np.array([s for *_, s in self.links] or [False], dtype=bool)[: len(self.links)]
        held = (self.waited > 0) | (self.stuck > 0) | ((self.missed > 0) & services)
        out = []
        for g, (name, u, v, service) in enumerate(self.links):
            share = float(held[:, g].mean()) if self.runs else 0.0
            if not share:
                continue
            out.append(
                Binding(
                    link=name,
                    source=u,
                    target=v,
                    service=service,
                    share=share,
                    missed=float(self.missed[:, g].mean()),
                    waited_hours=float(self.waited[:, g].mean()) / 60,
                    stuck=float(self.stuck[:, g].mean()),
                )
            )
        out.sort(key=lambda b: (-(b.waited_hours + b.stuck), -b.share, b.link))
        return out

    # ------------------------------------------------------------------ words

    def summary(self, slack: Any = 60, limit: int = 5) -> str:
        """The simulation in a planner's words: what was drawn, the clearance times, who is most
        often late, what holds people up.

        Examples
        --------
        >>> import numpy as np
        >>> print(Simulation._of(np.array([60, 70, 80, 90.0])).summary())
        4 runs of the plan (follow, seed 0): nothing uncertain.
        Planned: everyone safe by 1 h after the start.
        Simulated: everyone who came is safe by 1 h 10 after the start in 50 runs of 100 (10 min after the plan); by 1 h 30 in 90 and 95.
        Everyone safe by the plan's own time in 25% of runs; within 24 h of it in 100%.
        """
        q = self.egress_quantiles
        plan = self.planned_egress
        lines = [
            f"{_plural(self.runs, 'run')} of the plan ({self.policy}, seed {self.seed}): "
            f"{self._drawn()}.",
            f"Planned: everyone safe by {self._at(plan)}.",
        ]
        shown: list[str] = []
        never_in = [str(k) for k, v in q.items() if math.isinf(v)]
        same: dict[float, list[str]] = {}  # percentiles that share a time are said once
        for k, v in q.items():
            if not math.isinf(v):
                same.setdefault(v, []).append(str(k))
        for v, ks in same.items():
            which = " and ".join([", ".join(ks[:-1]), ks[-1]] if len(ks) > 1 else ks)
            if not shown:
                shown.append(f"by {self._at(v)} in {which} runs of 100 ({_after(v - plan)})")
            else:
                shown.append(f"by {self._at(v, short=True)} in {which}")
        if never_in:
            shown.append(f"not at any time in {' or '.join(never_in)} (someone is left behind)")
        if math.isinf(q[50]):
            lines.append("Simulated: in half the runs or more, someone never reaches safety.")
        else:
            lines.append("Simulated: everyone who came is safe " + "; ".join(shown) + ".")
        lost = np.isinf(self.egress)
        if lost.any():
            lines.append(
                f"In {_pct(float(lost.mean()))} of runs someone never reaches safety "
                f"({self.not_safe[lost].mean():.1f} people in such a run, on average)."
            )
            for reason, share, people in self.why_not_safe()[:3]:
                lines.append(f"  {reason} (in {_pct(share)} of runs, {people:.1f} people)")
        lines.append(
            f"Everyone safe by the plan's own time in {_pct(self.p_safe_by(plan))} of runs; "
            f"within 24 h of it in {_pct(self.p_safe_by(plan + 1440))}."
        )
        if self.no_show.any():
            lines.append(f"People who never came: {self.no_show.mean():.1f} a run on average.")
        if self.replans.any():
            lines.append(
                f"Re-planned from where people were at each closure or dead end: in "
                f"{_pct(float(np.mean(self.replans > 0)))} of runs, "
                f"{_plural(int(self.replans.sum()), 're-plan')} in all."
            )
        if self.plan_stranded:
            lines.append(
                f"Not simulated: {_plural(self.plan_stranded, 'person', 'people')} the plan "
                "itself cannot bring to safety."
            )
        odds = self.party_odds(slack)
        lost = sorted((o for o in odds if o.p_not_safe), key=lambda o: (-o.p_not_safe, o.party))
        if lost:
            lines.append(
                "Never safe in some runs: "
                + ", ".join(f"{o.party} ({_pct(o.p_not_safe)} of runs)" for o in lost[:limit])
                + (f" and {len(lost) - limit} more parties" if len(lost) > limit else "")
                + "."
            )
        late = [o for o in odds if o.p_on_time < 1 and not o.p_not_safe][:limit]
        if late:
            pad = duration(self._minute(slack, "slack"))
            lines.append(f"Most often late (more than {pad} after their planned arrival):")
            lines += [f"  {o.words(self.start)}" for o in late]
        binds = self.binding()[:limit]
        if binds:
            lines.append("What holds people up:")
            lines += [f"  {b}" for b in binds]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _at(self, minute: float, short: bool = False) -> str:
        """A minute as a clock time (its day left out when ``short``), else from the start."""
        if math.isinf(minute):
            return "never" if short else "never (someone is left behind)"
        if self.start is None:
            return duration(minute) + ("" if short else " after the start")
        words = clock(self.start, minute)
        return words.rsplit(" ", 2)[1] if short else words

    def _drawn(self) -> str:
        s = self.settings
        parts = []
        low, mode, high = s["travel_factor"]
        special = [
            f"{what} {name}: triangular({a:g}, {b:g}, {c:g})"
            for key, what in (("links", "link"), ("regions", "region"), ("modes", "mode"))
            for name, (a, b, c) in s.get(key, {}).items()
        ]
        if (low, mode, high) != (1, 1, 1) or special:
            parts.append(
                f"travel times x triangular({low:g}, {mode:g}, {high:g}) per link"
                + (f" ({', '.join(special)})" if special else "")
            )
        share, up_to = s["late"]
        if share and up_to:
            parts.append(f"{share:.0%} of parties late by up to {duration(up_to)}")
        if s["no_show"]:
            parts.append(f"{s['no_show']:.0%} of parties never come")
        for name, p in zip(self.closures, s["closure_p"], strict=True):
            parts.append(f"{name} with probability {p:.0%}")
        return "; ".join(parts) if parts else "nothing uncertain"

    # ----------------------------------------------------------------- output

    def to_frame(self, by: str = "run") -> Any:
        """A pandas DataFrame: one row per run (``by="run"``) or per party (``by="party"``)."""
        try:
            import pandas as pd
        except ImportError as error:  # pragma: no cover - pandas is in the test extra
            raise MissingExtraError(
                "Simulation.to_frame() needs pandas: pip install 'evacplan[tables]'"
            ) from error
        if by == "run":
            data: dict[str, Any] = {
                "run": np.arange(self.runs),
                "egress_minutes": self.egress,
                "not_safe": self.not_safe,
                "no_show": self.no_show,
            }
            if self.policy == "replan":
                data["replans"] = self.replans
            for k, name in enumerate(self.closures):
                data[f"closed:{name}"] = self.closed[:, k]
            return pd.DataFrame(data).set_index("run")
        if by == "party":
            frame = pd.DataFrame([_row(o) for o in self.party_odds()]).set_index("party")
            if self.start is not None and len(frame):
                frame["planned_at"] = [clock(self.start, m) for m in frame["planned"]]
                frame["p95_at"] = [
                    "never" if math.isinf(m) else clock(self.start, m) for m in frame["p95"]
                ]
            return frame
        raise ScenarioError([Problem("by", f"must be 'run' or 'party' (got {by!r})")])

    def plot(self, ax: Any = None) -> Any:
        """The distribution of clearance times over the runs, with the plan's egress marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        finite = self.egress[np.isfinite(self.egress)]
        if finite.size:
            # bins on the step grid (a whole number of steps each), so no bin is a comb tooth
            step = max(1, self.step_minutes)
            span = max(step, float(finite.max() - finite.min()))
            width = step * max(1, math.ceil(span / step / 40))
            first = math.floor(finite.min() / width) * width
            edges = np.arange(first, finite.max() + width + 1e-9, width) - width / 2
            ax.hist(finite / 60, bins=edges / 60, color="#4C72B0", alpha=0.8, label="runs")
        ax.axvline(self.planned_egress / 60, color="#C44E52", lw=2, label="the plan")
        q95 = self.quantile(0.95)
        if math.isfinite(q95):
            ax.axvline(q95 / 60, color="#555555", ls="--", lw=1.2, label="95 runs in 100")
        never = int(np.isinf(self.egress).sum())
        title = f"Everyone safe: {self.runs} runs"
        if never:
            title += f" ({never} with someone never safe, not drawn)"
        ax.set(title=title, xlabel="hours from the start", ylabel="runs")
        ax.legend(frameon=False)
        return ax

    @classmethod
    def _of(cls, egress: np.ndarray) -> Simulation:
        """A simulation of bare clearance times (for examples and tests)."""
        n = egress.size
        return cls(
            runs=n,
            seed=0,
            policy="follow",
            planned_egress=float(egress.min()) if n else 0.0,
            step_minutes=1,
            horizon_minutes=float("inf"),
            settings={"travel_factor": (1, 1, 1), "late": (0, 0), "no_show": 0, "closure_p": ()},
            egress=egress,
            no_show=np.zeros(n),
            not_safe=np.zeros(n),
            party_ids=(),
            party_people=np.zeros(0),
            planned_arrival=np.zeros(0),
            party_arrival=np.zeros((n, 0)),
            closures=(),
            closed=np.zeros((n, 0), dtype=bool),
            links=(),
            waited=np.zeros((n, 0)),
            missed=np.zeros((n, 0)),
            stuck=np.zeros((n, 0)),
        )


def _after(minutes: float) -> str:
    """``1 h 45 after the plan``, ``as planned``, ``10 min before the plan``."""
    if not minutes:
        return "as planned"
    return f"{duration(abs(minutes))} {'after' if minutes > 0 else 'before'} the plan"


def _person_time(minutes: float) -> str:
    """``12 person-minutes``, ``3.4 person-hours``.

    Examples
    --------
    >>> _person_time(0.4), _person_time(1.2), _person_time(12), _person_time(204)
    ('under a person-minute', '1 person-minute', '12 person-minutes', '3.4 person-hours')
    """
    if minutes < 1:
        return "under a person-minute"
    if minutes < 60:
        whole = round(minutes)
        return f"{whole} person-minute" + ("" if whole == 1 else "s")
    return f"{minutes / 60:.1f} person-hours"


def _row(o: PartyOdds) -> dict[str, Any]:
    return {name: getattr(o, name) for name in PartyOdds.__slots__}
