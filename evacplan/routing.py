"""Evacuation routing: who moves when, by which route, until everyone is safe.

:func:`evacuate` plans the movement of people (plain counts, or parties that
are never split) from where they are to safe places over a network whose links
have travel times and capacities, and may close, open in windows (scheduled
flights) or grow riskier as threats unfold. The plan is exact where exactness
is tractable, and says so with a proof; :meth:`EvacuationPlan.verify` replays
it independently of the solver.

How it works
------------
Time is cut into steps (see "Routing semantics" in DESIGN.md). A
*time-expanded network* (TEN) has a copy of each place for each step; moving
along a link is an arc from ``(u, t)`` to ``(v, t + transit)`` with the link's
capacity per step, waiting is an arc ``(v, t) -> (v, t + 1)``, and arrivals at
a safe place flow to one sink. The TEN is built with numpy arrays; copies of a
place that no source can reach in time, or from which no safe place can be
reached by the horizon, are pruned with static shortest-path bounds.

- The quickest egress T* is the least horizon whose TEN carries everyone to
  safety: OR-Tools max flows, searched upward from a proven lower bound, and
  proven by the max flow one step earlier falling short (its min cut names
  the bottleneck links).
- Secondary objectives: with no risk anywhere, a flow that minimises the sum
  of arrival times is an *earliest-arrival* flow, which maximises the people
  safe by every step at once (the flows into nested sets of sink arcs form a
  polymatroid). It is computed exactly from the max-flow values F(t) of every
  step, found by divide and conquer over nested min cuts, then one max flow
  with per-step arrival quotas. With risks, an OR-Tools min-cost flow with the
  cost ``risk * (T + 1) + arrival step`` per person is exactly lexicographic:
  a simple cycle of the residual network changes the arrival sum by at most T.
- The flow is split into movements by a sweep in time that keeps people in
  first-come, first-served queues at each place. Parties ride whole; if the
  sweep cannot place a party, it is rerouted through the capacity left, and a
  MIP over the TEN (one integer commodity per party size; CBC through
  OR-Tools) finds the best schedule with parties whole and proves it, or
  reports the gap to the splittable bound.

The search for T* starts from cut bounds (each source's narrowest static cut,
the safe places' entries) and distances, so a few max flows suffice. On this
project's 2-core machine, Chicago-Sketch (933 nodes, 2,950 links) with
100,000 people and 1-minute steps is solved, proven and verified in about
3 s; with risks on its links (the min-cost flow path) it takes about 20 s.
See ``benchmarks/bench_routing.py``.

Examples
--------
>>> from evacplan.io import read_tntp, tntp_path
>>> plan = evacuate(read_tntp(tntp_path("SiouxFalls")), supply={"3": 800, "20": 400},
...                 safe={"1", "13"}, step_minutes=1)
>>> plan.status, plan.egress_minutes, plan.lower_bound_minutes
(<Status.OPTIMAL: 'optimal'>, 17, 17)
>>> plan.verify()
[]
"""

from __future__ import annotations

import gc
import heapq
import html
import math
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from evacplan._validate import suggest
from evacplan.errors import (
    Problem,
    ScenarioError,
    SolverError,
    VerificationError,
)
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.network import ArcSchedule, arc_schedules, arcs
from evacplan.results import Party, Status

__all__ = [
    "Bottleneck",
    "EvacuationPlan",
    "Movement",
    "RouteViolation",
    "Stop",
    "Stranded",
    "evacuate",
]

_OBJECTIVES = ("quickest", "safest")
_FOREVER = 1 << 40
"""A step later than any horizon (open-ended windows, unreachable places)."""
_EPS = 1e-9


# ----------------------------------------------------------------------------- results


class Stop(NamedTuple):
    """A place on an itinerary and the minute people leave it.

    On the last stop of an itinerary, ``minute`` is the arrival at a safe place.

    Examples
    --------
    >>> Stop("3", 0)
    Stop(place='3', minute=0)
    """

    place: str
    minute: int


@dataclass(frozen=True, slots=True)
class Movement:
    """People who travel together along one itinerary.

    Examples
    --------
    >>> m = Movement(3, [Stop("a", 0), Stop("b", 10)], parties=["cap-02"], links=["a-b"])
    >>> m.source, m.destination, m.departure_minute, m.arrival_minute
    ('a', 'b', 0, 10)
    """

    count: int
    """How many people."""
    itinerary: list[Stop]
    """Where they are and when they leave; the last stop is their arrival at a safe place."""
    parties: list[str] = field(default_factory=list)
    """The ids of the parties moving together (empty for plain supply)."""
    links: list[str] = field(default_factory=list)
    """The link taken on each leg (``len(itinerary) - 1`` keys, as in
    :func:`evacplan.network.arcs`); parallel links with equal transit act as one."""

    @property
    def source(self) -> str:
        """Where the movement starts."""
        return self.itinerary[0].place

    @property
    def destination(self) -> str:
        """The safe place it reaches."""
        return self.itinerary[-1].place

    @property
    def departure_minute(self) -> int:
        """When it leaves its source."""
        return self.itinerary[0].minute

    @property
    def arrival_minute(self) -> int:
        """When it reaches safety."""
        return self.itinerary[-1].minute

    def __str__(self) -> str:
        who = f"{self.count} " + ("person" if self.count == 1 else "people")
        if self.parties:
            shown = ", ".join(self.parties[:4]) + (", ..." if len(self.parties) > 4 else "")
            who += f" ({shown})"
        return f"{who}: " + " -> ".join(f"{s.place}@{s.minute}" for s in self.itinerary)


@dataclass(frozen=True, slots=True)
class Stranded:
    """People who cannot be brought to safety, and why.

    Examples
    --------
    >>> str(Stranded("x", 4, "no route to any safe place"))
    '4 people at x: no route to any safe place'
    """

    place: str
    count: int
    reason: str
    parties: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        who = f"{self.count} " + ("person" if self.count == 1 else "people")
        if self.parties:
            who += f" ({', '.join(self.parties)})"
        return f"{who} at {self.place}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """A link whose capacity limits how quickly everyone gets out.

    The links of a minimum cut of the network expanded to one step before the
    egress time: together they admit fewer people than must cross, which is
    why nobody can finish sooner. ``minutes`` are the entry minutes at which
    the link is in the cut; more capacity then would help.

    Examples
    --------
    >>> str(Bottleneck("a-b", "a", "b", 30, (0, 5, 10)))
    'a-b (a -> b): 30 people in 3 steps, minutes 0-10'
    """

    link: str
    source: str
    target: str
    capacity: int
    """People the link admits over those minutes."""
    minutes: tuple[int, ...]

    def __str__(self) -> str:
        span = (
            f"minute {self.minutes[0]}"
            if len(self.minutes) == 1
            else f"minutes {self.minutes[0]}-{self.minutes[-1]}"
        )
        steps = len(self.minutes)
        return (
            f"{self.link} ({self.source} -> {self.target}): {self.capacity} people in "
            f"{steps} step{'s' if steps != 1 else ''}, {span}"
        )


@dataclass(frozen=True, slots=True)
class RouteViolation:
    """A rule an evacuation plan breaks, found by :meth:`EvacuationPlan.verify`."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(eq=False)
class EvacuationPlan:
    """Who moves when, by which route, until everyone is safe; with its proof.

    Built by :func:`evacuate`; never built by hand.

    Attributes
    ----------
    status
        ``optimal``: the schedule is proven best for its objective (for
        ``quickest``: the egress time equals its lower bound, and no schedule
        that fast has less risk exposure or earlier arrivals). ``feasible``:
        a valid schedule, with the gap to the bound (parties that could not
        be proven, or a time limit). ``infeasible``: some people cannot be
        brought to safety (see ``stranded``); the schedule moves the rest.
    movements
        The schedule: groups of people with their itinerary.
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
        they enter it.
    bottlenecks
        The links of a minimum cut that proves nobody can finish sooner.
    stranded
        People who cannot reach safety, with the reason (never silently dropped).
    standing_down
        Parties that do not relocate (``Party.relocate`` false): accounted for,
        not moved.
    """

    status: Status
    objective: str
    step_minutes: int
    movements: list[Movement]
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
    seed: int = 0
    network_name: str | None = None
    _network: Network | None = field(default=None, repr=False)
    _threats: tuple[ThreatEvent, ...] = field(default=(), repr=False)

    # -------------------------------------------------------------- derived figures

    @property
    def people(self) -> int:
        """People moved to safety by the schedule."""
        return sum(m.count for m in self.movements)

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
        >>> plan = evacuate(load_scenario(seed_path("tiny")), supply={"embassy": 10})
        >>> plan.arrival_curve[-1]
        (95, 10)
        """
        if self.egress_minutes is None:
            return []
        step = self.step_minutes
        last = self.egress_minutes // step
        per_step = np.zeros(last + 1, dtype=np.int64)
        for m in self.movements:
            per_step[m.arrival_minute // step] += m.count
        safe_by = np.cumsum(per_step)
        return [(k * step, int(safe_by[k])) for k in range(last + 1)]

    @property
    def arrival_sum_minutes(self) -> int:
        """The sum over people of their arrival minute (the tie-break objective)."""
        return sum(m.count * m.arrival_minute for m in self.movements)

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
        - ``figures``: the egress time, risk exposure and stranded counts
          recomputed from the schedule equal the reported ones; an optimal
          plan's egress equals its lower bound.

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
        """A few lines: status, egress and its proof, people, risk, bottlenecks.

        Examples
        --------
        >>> from evacplan.io import read_tntp, tntp_path
        >>> plan = evacuate(read_tntp(tntp_path("SiouxFalls")), supply={"3": 800, "20": 400},
        ...                 safe={"1", "13"}, step_minutes=1)
        >>> print(plan.summary().splitlines()[0])
        Evacuation plan (quickest, SiouxFalls): optimal
        """
        lines = [
            f"Evacuation plan ({self.objective}"
            + (f", {self.network_name}" if self.network_name else "")
            + f"): {self.status}"
        ]
        total = self.people + sum(s.count for s in self.stranded)
        lines.append(
            f"  people: {total} to move, {self.people} reach safety"
            + (f", {sum(s.count for s in self.stranded)} stranded" if self.stranded else "")
            + (
                f"; {len(self.standing_down)} parties stand down at home"
                if self.standing_down
                else ""
            )
        )
        if self.egress_minutes is not None:
            lines.append(
                f"  egress: everyone moved is safe by minute {self.egress_minutes} "
                f"({_hours(self.egress_minutes)}); lower bound {self.lower_bound_minutes}"
                + (f", gap {self.gap_minutes} min" if self.gap_minutes else "")
            )
        if self.objective == "safest" and self.quickest_minutes is not None:
            lines.append(f"  quickest possible egress (any risk): minute {self.quickest_minutes}")
        if self.deadline_minutes is not None:
            lines.append(f"  deadline: minute {_fmt_num(self.deadline_minutes)}")
        lines.append(f"  risk exposure: {self.risk_exposure:.4g} (sum over people of link risks)")
        lines.append(f"  proof: {self.proof}")
        if self.bottlenecks:
            lines.append("  bottlenecks:")
            lines += [f"    {b}" for b in self.bottlenecks[:8]]
            if len(self.bottlenecks) > 8:
                lines.append(f"    ... and {len(self.bottlenecks) - 8} more")
        if self.stranded:
            lines.append("  stranded:")
            lines += [f"    {s}" for s in self.stranded]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(f"  solved in {self.runtime_seconds:.2f} s; step {self.step_minutes} min")
        return "\n".join(lines)

    def __str__(self) -> str:
        lines = [self.summary()]
        if self.movements:
            shown = sorted(self.movements, key=lambda m: (-m.count, m.departure_minute))[:20]
            shown.sort(key=lambda m: (m.departure_minute, m.source, m.arrival_minute))
            lines.append(
                f"  schedule ({len(self.movements)} movements"
                + (", the 20 largest" if len(self.movements) > 20 else "")
                + "):"
            )
            lines += [f"    {_short_movement(m)}" for m in shown]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{m.count}</td><td>{esc(', '.join(m.parties[:6]))}</td>"
            f"<td>{esc(m.source)}</td><td>{m.departure_minute}</td>"
            f"<td>{esc(m.destination)}</td><td>{m.arrival_minute}</td>"
            f"<td>{esc(' → '.join(s.place for s in m.itinerary))}</td></tr>"
            for m in sorted(self.movements, key=lambda m: (m.departure_minute, m.source))[:50]
        )
        more = (
            f"<p>... and {len(self.movements) - 50} more movements</p>"
            if len(self.movements) > 50
            else ""
        )
        head = "".join(f"<div>{esc(line.strip())}</div>" for line in self.summary().splitlines())
        return (
            f"<div class='evacplan-route'>{head}"
            "<table><thead><tr><th>people</th><th>parties</th><th>from</th><th>leaves</th>"
            "<th>to</th><th>arrives</th><th>route</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{more}</div>"
        )


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Its passes over a heap growing by a million stops cost more than the work.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _hours(minutes: float) -> str:
    h, m = divmod(int(minutes), 60)
    return f"{h}h{m:02d}" if h else f"{m} min"


def _short_movement(m: Movement) -> str:
    who = f"{m.count:>6} "
    if m.parties:
        who += "[" + ", ".join(m.parties[:3]) + (", ..." if len(m.parties) > 3 else "") + "] "
    stops = m.itinerary
    path: list[Stop | None] = [*stops[:4], None, *stops[-3:]] if len(stops) > 8 else list(stops)
    text = " -> ".join("..." if s is None else f"{s.place}@{s.minute}" for s in path)
    return who + text


# ------------------------------------------------------------------- compiled network


@dataclass(slots=True)
class _Net:
    """A network compiled to integer arrays for one step length.

    Directed links with the same ends and transit steps form one *group*
    (parallel links act as one). A group's state over time is cut into
    *templates*: a span of steps with a capacity per step and a risk. Where
    open parallel links carry different risks, a group has one template per
    risk *tier*, safest first, so that people entering together take the
    safest links first; the tiers' capacities add up to the group's.
    """

    step: int
    ids: list[str]
    safe: np.ndarray
    g_tail: np.ndarray
    g_head: np.ndarray
    g_tau: np.ndarray
    g_key: list[str]
    g_members: list[list[str]]
    k_group: np.ndarray
    k_from: np.ndarray
    k_to: np.ndarray
    k_cap: np.ndarray
    k_risk: np.ndarray
    k_risk_int: np.ndarray
    k_key: np.ndarray
    """The safest open link of a template's tier: the one people entering then are said to take."""
    risk_scale: int
    last_change: int
    narrow: list[str]
    """Links that admit nobody in one step (capacity below 60 / step per hour)."""
    closed: list[str]
    """Links closed for the whole scenario (by their window or a threat)."""

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def risky(self) -> bool:
        return bool(self.k_risk_int.size) and bool(self.k_risk_int.any())

    def leg_keys(self, groups: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """For legs entering ``groups`` at ``steps``: the key of the safest link open then."""
        span = self.k_group * (_FOREVER + 1) + self.k_from
        firsts, first_row = np.unique(span, return_index=True)
        at = np.searchsorted(firsts, groups * (_FOREVER + 1) + steps, side="right") - 1
        return self.k_key[first_row[np.maximum(at, 0)]]

    def group_segments(self, g: int) -> list[tuple[int, int, int]]:
        """``(from, to, capacity)`` spans of group ``g`` (tiers summed)."""
        rows = np.flatnonzero(self.k_group == g)
        spans: dict[tuple[int, int], int] = defaultdict(int)
        for k in rows.tolist():
            spans[(int(self.k_from[k]), int(self.k_to[k]))] += int(self.k_cap[k])
        return sorted((a, b, c) for (a, b), c in spans.items())


def _ceil_div(minutes: float, step: int) -> int:
    return math.ceil(minutes / step - _EPS)


def _risk_scale(risks: Iterable[float]) -> int:
    """The least power of ten (up to a million) that makes every risk a whole number."""
    values = [r for r in set(risks) if r]
    for exp in range(7):
        scale = 10**exp
        if all(abs(r * scale - round(r * scale)) < 1e-7 for r in values):
            return scale
    return 10**6


def _compile(net: Network, threats: Sequence[ThreatEvent], step: int, safe: set[str]) -> _Net:
    ids = [p.id for p in net.places]
    index = {p: i for i, p in enumerate(ids)}
    is_safe = np.zeros(len(ids), dtype=bool)
    is_safe[[index[s] for s in safe]] = True
    groups: dict[tuple[int, int, int], list[ArcSchedule]] = {}
    for sched in arc_schedules(net, threats):
        a = sched.arc
        u, v = index[a.source], index[a.target]
        if is_safe[u]:
            continue  # a safe place absorbs: nobody leaves it
        tau = max(1, _ceil_div(a.minutes, step))
        groups.setdefault((u, v, tau), []).append(sched)

    rows: list[tuple[int, int, int, int, float]] = []
    keys: list[str] = []
    g_tail: list[int] = []
    g_head: list[int] = []
    g_tau: list[int] = []
    g_key: list[str] = []
    g_members: list[list[str]] = []
    narrow: list[str] = []
    closed: list[str] = []
    last_change = 0
    for gi, ((u, v, tau), members) in enumerate(groups.items()):
        g_tail.append(u)
        g_head.append(v)
        g_tau.append(tau)
        g_key.append(members[0].arc.key)
        g_members.append([m.arc.key for m in members])
        bounds = sorted({_ceil_div(m, step) for s in members for m in s.minutes})
        last_change = max(last_change, bounds[-1])
        best = 0
        ever_open = False
        for bi, b in enumerate(bounds):
            end = bounds[bi + 1] - 1 if bi + 1 < len(bounds) else _FOREVER
            states = [(s.at(b * step), s.arc.capacity_per_hour, j) for j, s in enumerate(members)]
            open_caps = sorted((risk, j, cap) for (is_open, risk), cap, j in states if is_open)
            ever_open = ever_open or bool(open_caps)
            cum, given = 0.0, 0
            i = 0
            while i < len(open_caps):
                risk, first = open_caps[i][0], open_caps[i][1]
                while i < len(open_caps) and open_caps[i][0] == risk:
                    cum += open_caps[i][2]
                    i += 1
                now = math.floor(cum * step / 60 + _EPS)
                if now > given:
                    rows.append((gi, b, end, now - given, risk))
                    keys.append(members[first].arc.key)
                given = now
            best = max(best, given)
        if best == 0:
            shut = closed if not ever_open else narrow
            shut.extend(m.arc.key for m in members if m.arc.key not in shut)
    scale = _risk_scale(r[4] for r in rows)
    k = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return _Net(
        step=step,
        ids=ids,
        safe=is_safe,
        g_tail=np.array(g_tail, dtype=np.int64),
        g_head=np.array(g_head, dtype=np.int64),
        g_tau=np.array(g_tau, dtype=np.int64),
        g_key=g_key,
        g_members=g_members,
        k_group=k[:, 0].astype(np.int64),
        k_from=k[:, 1].astype(np.int64),
        k_to=k[:, 2].astype(np.int64),
        k_cap=k[:, 3].astype(np.int64),
        k_risk=k[:, 4].copy(),
        k_risk_int=np.rint(k[:, 4] * scale).astype(np.int64),
        k_key=np.asarray(keys, dtype=object),
        risk_scale=scale,
        last_change=last_change,
        narrow=narrow,
        closed=closed,
    )


def _dijkstra(
    n: int, tails: np.ndarray, heads: np.ndarray, weights: np.ndarray, starts: Mapping[int, int]
) -> np.ndarray:
    """Least total weight from any start (with its initial label) to each node."""
    order = np.argsort(tails, kind="stable")
    ptr = np.searchsorted(tails[order], np.arange(n + 1)).tolist()
    head_l = heads[order].tolist()
    w_l = weights[order].tolist()
    dist = [_FOREVER] * n
    heap = []
    for s, d0 in starts.items():
        if d0 < dist[s]:
            dist[s] = d0
            heap.append((d0, s))
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for j in range(ptr[u], ptr[u + 1]):
            nd = d + w_l[j]
            v = head_l[j]
            if nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return np.array(dist, dtype=np.int64)


# ----------------------------------------------------------------- time expansion


@dataclass(slots=True)
class _TEN:
    """A time-expanded network to a horizon, as flat arrays.

    Nodes ``0..n_nodes-1`` are copies of places at steps; ``n_nodes`` is the
    sink (every arrival at a safe place) and ``n_nodes + 1`` the source.
    Arcs: the first ``n_hold`` wait one step; the next ``m_tpl.size`` are
    moves, each from one template at one departure step (any after them lead
    into a timeless tail). ``label`` is an arc's arrival step
    when it enters the sink, else -1.
    """

    horizon: int
    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    label: np.ndarray
    n_hold: int
    m_tpl: np.ndarray
    m_step: np.ndarray
    src_node: np.ndarray
    src_cap: np.ndarray
    ready: np.ndarray
    """For each node (and the sink and source, last): the earliest step anyone there could be
    safe (its step plus its place's distance to safety)."""

    @property
    def sink(self) -> int:
        return self.n_nodes

    @property
    def source(self) -> int:
        return self.n_nodes + 1

    def graph(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arcs including the source's, as (tail, head, capacity)."""
        ok = self.src_node >= 0
        tails = np.concatenate([self.tail, np.full(int(ok.sum()), self.source, dtype=np.int64)])
        heads = np.concatenate([self.head, self.src_node[ok]])
        caps = np.concatenate([self.cap, self.src_cap[ok]])
        return tails, heads, caps


def _excl_cumsum(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(counts.size, dtype=np.int64)
    if counts.size > 1:
        np.cumsum(counts[:-1], out=out[1:])
    return out


def _ramp(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts c_i: the owner i of each of sum(c) items and its rank 0..c_i-1."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    rank = np.arange(owner.size, dtype=np.int64) - np.repeat(_excl_cumsum(counts), counts)
    return owner, rank


def _expand(
    net: _Net,
    early: np.ndarray,
    to_safe: np.ndarray,
    horizon: int,
    src_place: np.ndarray,
    src_step: np.ndarray,
    src_count: np.ndarray,
    *,
    tail_from: int | None = None,
) -> _TEN:
    """The TEN to ``horizon``, without copies no source reaches or that cannot reach safety.

    With ``tail_from``, every place's copy at that step also leads into a
    timeless copy of the network as it stands from then on, with unbounded
    capacity: the flow into the sink is then what any horizon could carry.
    """
    n = net.n
    lo = early
    hi = horizon - to_safe
    valid = (~net.safe) & (lo <= hi) & (lo < _FOREVER)
    cnt = np.where(valid, hi - lo + 1, 0)
    off = _excl_cumsum(cnt)
    n_nodes = int(cnt.sum())
    tail_base = n_nodes
    if tail_from is not None:
        n_nodes += n
    sink = n_nodes
    total = int(src_count.sum())

    h_place, h_rank = _ramp(np.maximum(cnt - 1, 0))
    h_tail = off[h_place] + h_rank

    kg = net.k_group
    u, v, tau = net.g_tail[kg], net.g_head[kg], net.g_tau[kg]
    a = np.maximum(net.k_from, lo[u])
    b = np.minimum(net.k_to, horizon - tau - to_safe[v])
    ok = valid[u] & (a <= b)
    m_tpl, m_rank = _ramp(np.where(ok, b - a + 1, 0))
    m_step = a[m_tpl] + m_rank
    mu, mv = u[m_tpl], v[m_tpl]
    arrive = m_step + tau[m_tpl]
    to_sink = net.safe[mv]
    m_tail = off[mu] + (m_step - lo[mu])
    m_head = np.where(to_sink, sink, off[mv] + (arrive - lo[mv]))

    tails = [h_tail, m_tail]
    heads = [h_tail + 1, m_head]
    caps = [np.full(h_tail.size, total, dtype=np.int64), net.k_cap[m_tpl]]
    labels = [np.full(h_tail.size, -1, dtype=np.int64), np.where(to_sink, arrive, -1)]
    if tail_from is not None:
        # Copies at tail_from feed the timeless network; its open links are unbounded.
        at = valid & (lo <= tail_from) & (tail_from <= hi)
        places = np.flatnonzero(at)
        final = (net.k_to >= _FOREVER) & (net.k_from <= tail_from)
        fg = np.unique(kg[final])
        fu, fv = net.g_tail[fg], net.g_head[fg]
        tails += [off[places] + (tail_from - lo[places]), tail_base + fu]
        heads += [tail_base + places, np.where(net.safe[fv], sink, tail_base + fv)]
        caps += [
            np.full(places.size, total, dtype=np.int64),
            np.full(fg.size, total, dtype=np.int64),
        ]
        labels += [np.full(places.size, -1, dtype=np.int64), np.where(net.safe[fv], tail_from, -1)]
    src_ok = valid[src_place] & (lo[src_place] <= src_step) & (src_step <= hi[src_place])
    src_node = np.where(src_ok, off[src_place] + (src_step - lo[src_place]), -1)
    node_place, node_rank = _ramp(cnt)
    ready = np.full(n_nodes + 2, -_FOREVER, dtype=np.int64)
    ready[: node_place.size] = lo[node_place] + node_rank + to_safe[node_place]
    if tail_from is not None:
        ready[tail_base : tail_base + n] = tail_from + np.minimum(to_safe, _FOREVER)
    return _TEN(
        horizon=horizon,
        n_nodes=n_nodes,
        tail=np.concatenate(tails),
        head=np.concatenate(heads),
        cap=np.concatenate(caps),
        label=np.concatenate(labels),
        n_hold=h_tail.size,
        m_tpl=m_tpl,
        m_step=m_step,
        src_node=src_node.astype(np.int64),
        src_cap=src_count.astype(np.int64),
        ready=ready,
    )


def _solve_max_flow(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, source: int, sink: int
) -> max_flow.SimpleMaxFlow:
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64)
    )
    status = solver.solve(source, sink)
    if status != solver.OPTIMAL:
        raise SolverError(f"OR-Tools max flow failed with status {status}")
    return solver


def _prefix_flows(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    label: np.ndarray,
    sink: int,
    source: int,
    t_lo: int,
    t_hi: int,
    ready: np.ndarray | None = None,
    keep_cuts: bool = False,
) -> tuple[np.ndarray, dict[int, Any]]:
    """F(t), the max flow from the source into sink arcs labelled <= t, for t_lo <= t <= t_hi.

    Divide and conquer over nested min cuts: sink sets grow with t, so for
    t below the middle some min cut contains the middle's source side A
    (contract A into the source), and for t above it some min cut lies inside
    A (contract the rest into the sink). Each level of the recursion splits the
    nodes between its two halves, so the work is about log2(t_hi - t_lo) max
    flows over the whole network. A range whose bounds are equal is constant.

    ``ready`` gives each node the earliest step anyone there could be safe:
    nodes not ready by the middle cannot reach its sinks and are left out of
    its max flow; they count on the source side (no arc leads from them to a
    node ready sooner, so the cut is unchanged) and go to the upper half.

    With ``keep_cuts``, also returns for each t the pieces of a min cut's
    source side (see :func:`_cut_side`).
    """
    size = max(sink, source) + 1
    values = np.full(t_hi - t_lo + 1, -1, dtype=np.int64)
    cuts: dict[int, Any] = {}
    mark = np.zeros(size, dtype=bool)
    in_a = np.zeros(size, dtype=bool)
    local = np.full(size, -1, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    always = -_FOREVER
    # (arcs..., constant arcs from the source to the sink, range, F just outside it, fixed)
    stack: list[tuple[Any, ...]] = [
        (tail, head, cap, label, empty, empty, t_lo, t_hi, 0, None, None)
    ]
    while stack:
        tl, hd, cp, lb, c_lab, c_cap, a, b, f_left, f_right, fixed = stack.pop()
        if f_right is not None and f_left == f_right:
            values[a - t_lo : b - t_lo + 1] = f_left
            continue
        mid = (a + b) // 2
        if ready is not None:
            late_t, late_h = ready[tl] > mid, ready[hd] > mid
            act = ~late_h & ((hd != sink) | (lb <= mid))
        else:
            act = (hd != sink) | (lb <= mid)
        at, ah, ac = tl[act], hd[act], cp[act]
        const_mid = int(c_cap[c_lab <= mid].sum())
        if not (at == source).any() or not (ah == sink).any():
            # Nothing can flow: the source side is what the source reaches.
            value, side = 0, None
        else:
            mark[at] = True
            mark[ah] = True
            mark[source] = True
            mark[sink] = True
            nodes = np.flatnonzero(mark)
            mark[nodes] = False
            local[nodes] = np.arange(nodes.size)
            solver = _solve_max_flow(local[at], local[ah], ac, int(local[source]), int(local[sink]))
            value = int(solver.optimal_flow())
            side = nodes[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)]
        if side is None:
            side = _reachable(at, ah, ac, source, size)
        values[mid - t_lo] = value + const_mid
        if keep_cuts:
            cuts[mid] = (side, fixed)
        if a == b:
            continue
        in_a[side] = True
        in_a[source] = True
        ta, ha = in_a[tl], in_a[hd]
        if ready is not None:
            ta |= late_t
            ha |= late_h
        to_sink = hd == sink
        f_mid = int(values[mid - t_lo])
        if a <= mid - 1:
            keep = ~ta & ~ha & (~to_sink | (lb <= mid - 1))
            into = ta & ~ha & ~to_sink
            const = ta & to_sink & (lb <= mid - 1)
            new_tail = np.where(into, source, tl)
            sel = keep | into
            stack.append(
                (
                    new_tail[sel],
                    hd[sel],
                    cp[sel],
                    lb[sel],
                    np.concatenate([c_lab, lb[const]]),
                    np.concatenate([c_cap, cp[const]]),
                    a,
                    mid - 1,
                    f_left,
                    f_mid,
                    (side, fixed) if keep_cuts else None,
                )
            )
        if mid + 1 <= b:
            inner = ta & (ha | to_sink)
            out = ta & ~ha & ~to_sink
            const = out & (tl == source)
            out &= ~const
            new_head = np.where(out, sink, hd)
            new_lab = np.where(out, always, lb)
            sel = inner | out
            stack.append(
                (
                    tl[sel],
                    new_head[sel],
                    cp[sel],
                    new_lab[sel],
                    np.concatenate([c_lab, np.full(int(const.sum()), always)]),
                    np.concatenate([c_cap, cp[const]]),
                    mid + 1,
                    b,
                    f_mid,
                    f_right,
                    fixed,
                )
            )
        in_a[side] = False
        in_a[source] = False
    return values, cuts


def _reachable(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, start: Any, size: int
) -> np.ndarray:
    """Nodes reachable from ``start`` (a node or an array of nodes) by arcs with room."""
    ok = caps > 0
    t, h = tails[ok], heads[ok]
    order = np.argsort(t, kind="stable")
    ts, hs = t[order], h[order]
    ptr = np.searchsorted(ts, np.arange(size + 1))
    seen = np.zeros(size, dtype=bool)
    frontier = np.unique(np.atleast_1d(np.asarray(start, dtype=np.int64)))
    seen[frontier] = True
    while frontier.size:
        begin = ptr[frontier]
        owner, rank = _ramp(ptr[frontier + 1] - begin)
        nxt = hs[begin[owner] + rank]
        nxt = np.unique(nxt[~seen[nxt]])
        seen[nxt] = True
        frontier = nxt
    return np.flatnonzero(seen)


def _cut_side(piece: Any, size: int) -> np.ndarray:
    """The source side of a min cut recorded by :func:`_prefix_flows`, as a mask."""
    side = np.zeros(size, dtype=bool)
    while piece is not None:
        nodes, piece = piece
        side[nodes] = True
    return side


def _flows_of(solver: Any, n_arcs: int) -> np.ndarray:
    return np.asarray(solver.flows(np.arange(n_arcs, dtype=np.int32)), dtype=np.int64)


def _min_cost_flow(ten: _TEN, net: _Net, weight: int) -> tuple[np.ndarray, int]:
    """Most people to safety by the horizon, then least ``risk * weight + arrival step``.

    Returns the flow on every arc of ``ten.graph()`` and the people carried.
    """
    tails, heads, caps = ten.graph()
    n_moves = ten.m_tpl.size
    costs = np.zeros(tails.size, dtype=np.int64)
    moves = slice(ten.n_hold, ten.n_hold + n_moves)
    lab = ten.label[moves]
    costs[moves] = net.k_risk_int[ten.m_tpl] * weight + np.where(lab >= 0, lab, 0)
    top = int(np.abs(costs).max(initial=0))
    if top and math.log2(top + 1) + math.log2(ten.n_nodes + 3) >= 62:
        raise SolverError("risk costs too large for OR-Tools' min-cost flow; use fewer decimals")
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    total = int(caps[tails == ten.source].sum())
    solver.set_nodes_supplies(
        np.array([ten.source, ten.sink], dtype=np.int32), np.array([total, -total], dtype=np.int64)
    )
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise SolverError(f"OR-Tools min-cost flow failed with status {status}")
    return _flows_of(solver, tails.size), int(solver.maximum_flow())


def _earliest_arrival(
    ten: _TEN, target: int, expand: Any, net: _Net
) -> tuple[int, np.ndarray, _TEN, np.ndarray, list[tuple[int, int, int]]]:
    """An earliest-arrival flow of ``target`` people: the most people safe by every step.

    ``ten`` reaches a horizon by which ``target`` people can be safe; the
    least such horizon T is found on the way, and the flow is computed on
    ``expand(T)``. Returns T, F(t) for every t up to T (from the least
    arrival step), the TEN to T, the flow on every arc of its ``graph()``, and
    the move arcs (group, step, capacity) of a min cut proving F(T - 1) < target.
    """
    tails, heads, caps = ten.graph()
    labels = np.concatenate([ten.label, np.full(tails.size - ten.label.size, -1, dtype=np.int64)])
    t_lo = int(labels[heads == ten.sink].min())
    values, cuts = _prefix_flows(
        tails, heads, caps, labels, ten.sink, ten.source, t_lo, ten.horizon, ten.ready, True
    )
    if values[-1] < target:
        raise SolverError(f"the horizon carries {values[-1]} of {target} people")
    least = t_lo + int(np.argmax(values >= target))
    cut: list[tuple[int, int, int]] = []
    if least - 1 in cuts:
        side = _cut_side(cuts[least - 1], ten.n_nodes + 2) | (ten.ready > least - 1)
        side[ten.source] = True
        moves = slice(ten.n_hold, ten.n_hold + ten.m_tpl.size)
        lab = ten.label[moves]
        crossing = side[ten.tail[moves]] & ~side[ten.head[moves]] & (lab <= least - 1)
        crossing |= side[ten.tail[moves]] & ~side[ten.head[moves]] & (lab < 0)
        src_ok = ten.src_node >= 0
        src_cut = ~side[ten.src_node[src_ok]]
        capacity = int(ten.cap[moves][crossing].sum()) + int(ten.src_cap[src_ok][src_cut].sum())
        if capacity == values[least - 1 - t_lo]:  # a min cut indeed: it certifies F(T - 1)
            tpl = ten.m_tpl[crossing]
            cut = list(
                zip(
                    net.k_group[tpl].tolist(),
                    ten.m_step[crossing].tolist(),
                    net.k_cap[tpl].tolist(),
                    strict=True,
                )
            )
        del cuts
    values = values[: least - t_lo + 1]
    if least != ten.horizon:
        ten = expand(least)
        tails, heads, caps = ten.graph()
        labels = np.concatenate(
            [ten.label, np.full(tails.size - ten.label.size, -1, dtype=np.int64)]
        )
    into_sink = heads == ten.sink
    quota = np.diff(values, prepend=0)
    quota[-1] = target - values[-2] if values.size > 1 else target
    layers = np.flatnonzero(quota)
    layer_node = np.full(values.size, -1, dtype=np.int64)
    layer_node[layers] = ten.n_nodes + 2 + np.arange(layers.size)
    heads2 = np.where(into_sink, layer_node[np.clip(labels - t_lo, 0, values.size - 1)], heads)
    # Arrivals at a step with no quota cannot happen in an earliest-arrival flow.
    usable = ~into_sink | (heads2 >= 0)
    solver = _solve_max_flow(
        np.concatenate([tails[usable], layer_node[layers]]),
        np.concatenate([heads2[usable], np.full(layers.size, ten.sink, dtype=np.int64)]),
        np.concatenate([caps[usable], quota[layers]]),
        ten.source,
        ten.sink,
    )
    if solver.optimal_flow() != target:
        raise SolverError(f"arrival quotas carry {solver.optimal_flow()} of {target} people")
    flows = np.zeros(tails.size, dtype=np.int64)
    flows[usable] = _flows_of(solver, int(usable.sum()))
    return least, values, ten, flows, cut


@dataclass(slots=True)
class _FlowResult:
    """A splittable schedule as flows per (group, departure step), with its proof."""

    target: int
    horizon: int | None
    quickest: int | None
    lower: int | None
    move_group: np.ndarray
    move_step: np.ndarray
    move_flow: np.ndarray
    src_out: np.ndarray
    risk_int: int
    arrival_sum: int
    proof: str
    cut: list[tuple[int, int, int]]
    reasons: dict[int, str]


class _Splittable:
    """Quickest-transshipment machinery for one compiled network and its sources."""

    def __init__(
        self, net: _Net, src_place: np.ndarray, src_step: np.ndarray, src_count: np.ndarray
    ) -> None:
        self.net = net
        self.src_place, self.src_step, self.src_count = src_place, src_step, src_count
        used = np.zeros(net.g_tail.size, dtype=bool)
        used[net.k_group] = True
        gt, gh, gw = net.g_tail[used], net.g_head[used], net.g_tau[used]
        starts: dict[int, int] = {}
        for p, s in zip(src_place.tolist(), src_step.tolist(), strict=True):
            starts[p] = min(starts.get(p, _FOREVER), s)
        self.early = _dijkstra(net.n, gt, gh, gw, starts)
        self.to_safe = _dijkstra(net.n, gh, gt, gw, {int(s): 0 for s in np.flatnonzero(net.safe)})
        self.values: dict[int, int] = {}
        self.short: tuple[int, _TEN, Any] | None = None
        self.probes = 0
        self.time_varying = bool((net.k_to < _FOREVER).any() or (net.k_from > 0).any())

    def ten(self, horizon: int) -> _TEN:
        return _expand(
            self.net,
            self.early,
            self.to_safe,
            horizon,
            self.src_place,
            self.src_step,
            self.src_count,
        )

    def flow_value(self, horizon: int) -> int:
        """F(horizon): the most people safe by ``horizon``; the proof of a shortfall is kept."""
        if horizon in self.values:
            return self.values[horizon]
        ten = self.ten(horizon)
        tails, heads, caps = ten.graph()
        solver = _solve_max_flow(tails, heads, caps, ten.source, ten.sink)
        value = int(solver.optimal_flow())
        self.values[horizon] = value
        self.probes += 1
        if value < int(self.src_count.sum()) and (self.short is None or self.short[0] < horizon):
            self.short = (horizon, ten, solver)
        return value

    def slope(self) -> int:
        """People per step the network carries at most (a static max flow, windows ignored)."""
        net = self.net
        key = net.k_group * (_FOREVER + 1) + net.k_from
        keys, inv = np.unique(key, return_inverse=True)
        span_cap = np.bincount(inv, weights=net.k_cap).astype(np.int64)
        group_cap = np.zeros(net.g_tail.size, dtype=np.int64)
        np.maximum.at(group_cap, keys // (_FOREVER + 1), span_cap)
        n = net.n
        src, snk = n, n + 1
        places = np.unique(self.src_place)
        safe = np.flatnonzero(net.safe)
        big = int(self.src_count.sum()) + 1
        tails = np.concatenate([net.g_tail, np.full(places.size, src), safe])
        heads = np.concatenate([net.g_head, places, np.full(safe.size, snk)])
        caps = np.concatenate([group_cap, np.full(places.size + safe.size, big)])
        return max(1, int(_solve_max_flow(tails, heads, caps, src, snk).optimal_flow()))

    def cut_bound(self) -> tuple[int, str]:
        """A lower bound on T* from cuts, and why: each source's narrowest cut, the safe places.

        If c people a step can cross a cut around a place, the q people there
        released at step r or later cross it by step r + ceil(q / c) - 1 at
        the earliest, then still need the way from the cut to safety; and
        people reach safety at most C a step, from the earliest arrival on.
        """
        net = self.net
        s = net.step
        key = net.k_group * (_FOREVER + 1) + net.k_from
        keys, inv = np.unique(key, return_inverse=True)
        span_cap = np.bincount(inv, weights=net.k_cap).astype(np.int64)
        group_cap = np.zeros(net.g_tail.size, dtype=np.int64)
        np.maximum.at(group_cap, keys // (_FOREVER + 1), span_cap)
        total = int(self.src_count.sum())
        earliest = int((self.src_step + self.to_safe[self.src_place]).min())
        into_safe = int(group_cap[net.safe[net.g_head]].sum())
        bound, words = 0, ""
        if into_safe:
            bound = earliest + -(-total // into_safe) - 1
            words = (
                f"the links into safe places admit {into_safe} people a step, and the "
                f"first can arrive at minute {earliest * s}"
            )
        n = net.n
        snk = n
        safe = np.flatnonzero(net.safe)
        tails = np.concatenate([net.g_tail, safe])
        heads = np.concatenate([net.g_head, np.full(safe.size, snk)])
        caps = np.concatenate([group_cap, np.full(safe.size, int(group_cap.sum()) + 1)])
        after = net.g_tau + self.to_safe[net.g_head]
        released: dict[int, dict[int, int]] = defaultdict(dict)
        for p, r, q in zip(
            self.src_place.tolist(), self.src_step.tolist(), self.src_count.tolist(), strict=True
        ):
            released[p][r] = released[p].get(r, 0) + q
        for place, by_step in released.items():
            solver = _solve_max_flow(tails, heads, caps, place, snk)
            c = int(solver.optimal_flow())
            if c <= 0:
                continue
            side = np.zeros(n + 1, dtype=bool)
            side[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)] = True
            crossing = side[net.g_tail] & ~side[net.g_head] & (group_cap > 0)
            rest = int(after[crossing].min()) if crossing.any() else 0
            if rest >= _FOREVER:
                continue
            later = 0
            for r in sorted(by_step, reverse=True):
                later += by_step[r]
                value = r + -(-later // c) - 1 + rest
                if value > bound:
                    bound = value
                    names = sorted({net.g_key[g] for g in np.flatnonzero(crossing).tolist()})
                    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
                    words = (
                        f"the {later} people at {net.ids[place]}"
                        + (f" released from minute {r * s}" if r else "")
                        + f" cross links admitting {c} a step ({shown}), then need "
                        f"{rest * s} more minutes"
                    )
        return bound, words

    def infinite(self) -> tuple[int, _TEN, Any]:
        """The most people any horizon could bring to safety, with its max flow."""
        start = int(max(self.net.last_change, int(self.src_step.max(initial=0))))
        reach = self.to_safe[self.to_safe < _FOREVER]
        ten = _expand(
            self.net,
            self.early,
            self.to_safe,
            start + int(reach.max(initial=0)) + 1,
            self.src_place,
            self.src_step,
            self.src_count,
            tail_from=start,
        )
        tails, heads, caps = ten.graph()
        solver = _solve_max_flow(tails, heads, caps, ten.source, ten.sink)
        return int(solver.optimal_flow()), ten, solver

    def least_horizon(
        self, target: int, start: int, limit: int | None = None, *, exact: bool = True
    ) -> int | None:
        """The least horizon t >= start with F(t) >= target (None if above ``limit``).

        Probes upward from ``start`` (F(start - 1) < target must be known),
        each step sized by the people still short over the observed rate
        (a tenth more, and at least half as much again as the last step). With ``exact=False``, returns the
        first horizon found that suffices (the divide and conquer of
        :func:`_prefix_flows` then finds the least).
        """
        lo, t = start - 1, start
        rate: float | None = None
        prev: tuple[int, int] | None = None
        grow = 0
        while True:
            if limit is not None and t > limit:
                t = limit
            value = self.flow_value(t)
            if value >= target:
                hi = t
                break
            lo = t
            if limit is not None and t >= limit:
                return None
            if prev is not None and value > prev[1]:
                rate = (value - prev[1]) / (t - prev[0])
            elif rate is None:
                rate = float(self.slope())
            prev = (t, value)
            # Aim a tenth past the estimate; grow at least half as much again as last
            # time, so that a flat tail is crossed in few probes. A horizon too far
            # only enlarges the network the divide and conquer works on.
            grow = max(
                math.ceil((target - value) / max(rate, 1e-9) * 1.1), math.ceil(grow * 1.5), 1
            )
            t += grow
        if not exact:
            return hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.flow_value(mid) >= target:
                hi = mid
            else:
                lo = mid
        return hi

    def arc_flows(self, ten: _TEN, flows: np.ndarray) -> tuple[np.ndarray, ...]:
        """Aggregate move flows per (group, step); the source arcs' flows."""
        moves = flows[ten.n_hold : ten.n_hold + ten.m_tpl.size]
        pos = moves > 0
        g = self.net.k_group[ten.m_tpl[pos]]
        st = ten.m_step[pos]
        key = g * (ten.horizon + 2) + st
        keys, inv = np.unique(key, return_inverse=True)
        amount = np.bincount(inv, weights=moves[pos]).astype(np.int64)
        src_flows = np.zeros(self.src_count.size, dtype=np.int64)
        ok = np.flatnonzero(ten.src_node >= 0)
        src_flows[ok] = flows[flows.size - ok.size :]
        risk = int((moves[pos] * self.net.k_risk_int[ten.m_tpl[pos]]).sum())
        lab = ten.label[ten.n_hold : ten.n_hold + ten.m_tpl.size][pos]
        arrivals = int((moves[pos] * np.where(lab >= 0, lab, 0)).sum())
        return (
            keys // (ten.horizon + 2),
            keys % (ten.horizon + 2),
            amount,
            src_flows,
            np.array([risk, arrivals]),
        )

    def cut_of(self, ten: _TEN, solver: Any) -> list[tuple[int, int, int]]:
        """Move arcs crossing the source side of a min cut: (group, step, capacity)."""
        side = np.zeros(ten.n_nodes + 2, dtype=bool)
        side[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)] = True
        moves = slice(ten.n_hold, ten.n_hold + ten.m_tpl.size)
        crossing = side[ten.tail[moves]] & ~side[ten.head[moves]]
        tpl = ten.m_tpl[crossing]
        return list(
            zip(
                self.net.k_group[tpl].tolist(),
                ten.m_step[crossing].tolist(),
                self.net.k_cap[tpl].tolist(),
                strict=True,
            )
        )


def _window_words(net: _Net, g: int) -> str:
    """When a link can be used, in words: 'closes at minute 2880', 'open minutes 0-115'."""
    spans = [(a, b) for a, b, c in net.group_segments(g) if c > 0]
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    s = net.step
    if not merged:
        return "never open"
    if len(merged) == 1 and merged[0][0] == 0 and merged[0][1] < _FOREVER:
        return f"closed from minute {(merged[0][1] + 1) * s}"
    if len(merged) == 1 and merged[0][1] >= _FOREVER:
        return f"open from minute {merged[0][0] * s}"
    return "open minutes " + ", ".join(
        f"{a * s}-" + ("" if b >= _FOREVER else f"{(b + 1) * s}") for a, b in merged
    )


def _closing_links(sp: _Splittable, place: int, limit: int = 4) -> str:
    """Links with windows or closures on the way from ``place`` to safety, in words."""
    net = sp.net
    limited = set(net.k_group[(net.k_to < _FOREVER) | (net.k_from > 0)].tolist())
    seen, todo = {place}, [place]
    found: list[tuple[str, str]] = []
    while todo:
        u = todo.pop()
        for g in np.flatnonzero(net.g_tail == u).tolist():
            v = int(net.g_head[g])
            if sp.to_safe[v] >= _FOREVER:
                continue
            if g in limited and net.g_key[g] not in [k for k, _ in found]:
                found.append((net.g_key[g], _window_words(net, g)))
            if v not in seen:
                seen.add(v)
                todo.append(v)
    if not found:
        return ""
    text = "; ".join(f"{k} ({w})" for k, w in found[:limit])
    return text + ("; ..." if len(found) > limit else "")


def _distance_words(sp: _Splittable, i: int) -> str:
    """Why nobody can finish sooner when the farthest source decides it."""
    s = sp.net.step
    place = sp.net.ids[int(sp.src_place[i])]
    away = int(sp.to_safe[sp.src_place[i]]) * s
    release = int(sp.src_step[i]) * s
    if release:
        return (
            f"people at {place} may leave from minute {release} and are {away} minutes "
            "from the nearest safe place"
        )
    return f"people at {place} are {away} minutes from the nearest safe place"


def _solve_flows(sp: _Splittable, objective: str, deadline: int | None) -> _FlowResult:
    """The splittable optimum for ``objective``, with its proof (see the module notes)."""
    net = sp.net
    s = net.step
    total = int(sp.src_count.sum())
    reasons: dict[int, str] = {}
    reach = sp.src_step + sp.to_safe[sp.src_place]
    far_src = int(np.argmax(reach))
    far, near = int(reach.max()), int(reach.min())
    exact = net.risky  # a min-cost flow needs the least horizon; the D&C finds it itself
    target = total
    proof_cut: list[tuple[int, int, int]] = []
    complete = True

    # 1. A horizon by which everyone who can get out at all is safe.
    limit = None
    if sp.time_varying:
        limit = (
            max(net.last_change, int(sp.src_step.max()))
            + int(sp.to_safe[sp.to_safe < _FOREVER].max(initial=0))
            + 1
        )
    by_cut, cut_words = sp.cut_bound()
    start = max(far, by_cut)
    hi = sp.least_horizon(total, start, limit, exact=exact)
    if hi is None:
        reachable, ten_inf, solver = sp.infinite()
        if reachable < total:
            complete = False
            target = reachable
            tails, heads, caps = ten_inf.graph()
            live = np.zeros(ten_inf.n_nodes + 2, dtype=bool)
            # Nodes with a path to the sink: reachability along the arcs reversed.
            live[_reachable(heads, tails, caps, ten_inf.sink, ten_inf.n_nodes + 2)] = True
            proof_cut = sp.cut_of(ten_inf, solver)
            for i in range(sp.src_count.size):
                node = int(ten_inf.src_node[i])
                closing = _closing_links(sp, int(sp.src_place[i]))
                reasons[i] = (
                    "every route to safety is closed before it can be used"
                    if node < 0 or not live[node]
                    else "the routes out close before everyone can use them"
                ) + (f": {closing}" if closing else "")
            hi = sp.least_horizon(target, near, None, exact=exact) if target else None
        else:
            assert limit is not None
            hi = sp.least_horizon(total, limit + 1, None, exact=exact)
    quickest = hi if exact else None

    # 2. A deadline may leave room for fewer people.
    if deadline is not None and (hi is None or hi > deadline):
        by_deadline = sp.flow_value(deadline) if deadline >= near else 0
        if by_deadline >= target:
            hi = deadline
        else:
            if hi is not None and not exact:
                quickest = sp.least_horizon(target, deadline + 1, None, exact=True)
            when = (
                "nobody can get out at any time"
                if quickest is None
                else f"everyone who can get out could be safe by minute {quickest * s}"
            )
            for i in range(sp.src_count.size):
                reasons.setdefault(
                    i, f"cannot reach safety by the deadline (minute {deadline * s}); " + when
                )
            complete = False
            target = by_deadline
            hi = sp.least_horizon(target, near, deadline, exact=exact) if target else None

    empty = np.zeros(0, dtype=np.int64)
    if hi is None or target == 0:
        return _FlowResult(
            0,
            None,
            quickest,
            None,
            empty,
            empty,
            empty,
            np.zeros(sp.src_count.size, dtype=np.int64),
            0,
            0,
            "nobody can reach safety",
            proof_cut,
            reasons,
        )

    # 3. The schedule for the objective.
    if not net.risky:
        horizon, values, ten, flows, ea_cut = _earliest_arrival(sp.ten(hi), target, sp.ten, net)
        if complete:
            quickest = horizon
        t_lo = horizon - values.size + 1
        before = int(values[-2]) if values.size > 1 else 0
        if t_lo > horizon - 1:
            before = 0
        sp.values.setdefault(horizon - 1, before)
        tail = "; the schedule is an earliest-arrival flow (the most people safe by every minute)"
    else:
        horizon = hi
        tail = ""
        ea_cut = []
    lower: int | None = horizon

    # 4. Why nobody can be faster.
    if horizon == 0:
        proof = "everyone starts at a safe place"
    elif horizon == start and complete and horizon - 1 not in sp.values:
        proof = f"no schedule ends sooner: {cut_words}"
        if horizon == far:
            proof = _distance_words(sp, far_src)
    elif horizon == far and complete:
        proof = _distance_words(sp, far_src)
    else:
        short = sp.values.get(horizon - 1)
        if short is None:
            short = sp.flow_value(horizon - 1)
        proof = (
            f"a max flow over the network expanded to minute {(horizon - 1) * s} brings "
            f"only {short} of {target} people to safety"
        )
    if complete and horizon - 1 >= far and horizon > 0:
        if not net.risky and ea_cut:
            proof_cut = ea_cut
        else:
            if sp.short is None or sp.short[0] != horizon - 1:
                sp.values.pop(horizon - 1, None)  # probe it for the bottleneck cut
                sp.flow_value(horizon - 1)
            if sp.short is not None and sp.short[0] == horizon - 1:
                proof_cut = sp.cut_of(sp.short[1], sp.short[2])
    proof += tail

    if net.risky and objective == "safest":
        assert deadline is not None
        ten = sp.ten(deadline)
        flows, carried = _min_cost_flow(ten, net, deadline + 1)
        parts = sp.arc_flows(ten, flows)
        best_risk = int(parts[4][0])
        if complete:
            lo, top = horizon - 1, deadline
            chosen = (ten, flows, parts)
            while top - lo > 1:
                mid = (lo + top) // 2
                ten_m = sp.ten(mid)
                flows_m, carried_m = _min_cost_flow(ten_m, net, mid + 1)
                parts_m = sp.arc_flows(ten_m, flows_m)
                if carried_m == target and int(parts_m[4][0]) == best_risk:
                    top, chosen = mid, (ten_m, flows_m, parts_m)
                else:
                    lo = mid
            ten, flows, parts = chosen
            proof = "the least risk exposure by the deadline comes from a min-cost flow; " + (
                f"no schedule at all finishes sooner: {proof}"
                if top == horizon
                else f"none with that exposure finishes sooner (a min-cost flow to minute "
                f"{(top - 1) * s} cannot match it)"
            )
            horizon = lower = top
        else:
            lower = None
            target = carried
            arrive = parts[1] + net.g_tau[parts[0]]
            horizon = int(arrive[net.safe[net.g_head[parts[0]]]].max(initial=0))
    elif net.risky:
        ten = sp.ten(horizon)
        flows, carried = _min_cost_flow(ten, net, horizon + 1)
        if carried != target:
            raise SolverError(f"min-cost flow carries {carried} of {target} people")
        proof += (
            "; among schedules that fast, a min-cost flow gives the least risk "
            "exposure, then the earliest arrivals"
        )
        parts = sp.arc_flows(ten, flows)
    else:
        parts = sp.arc_flows(ten, flows)
    groups, steps, amounts, src_out, totals = parts
    return _FlowResult(
        target,
        horizon,
        quickest,
        lower,
        groups,
        steps,
        amounts,
        src_out,
        int(totals[0]),
        int(totals[1]),
        proof,
        proof_cut,
        reasons,
    )


# --------------------------------------------------------------- flows to movements


class _Histories:
    """Itinerary prefixes shared by parcels: each entry is a leg and the entry before it.

    A leg is (place, departure step, group). Parcels that leave together from
    the same history share the new entry, so equal itineraries are equal ids.
    """

    __slots__ = ("group", "parent", "place", "step")

    def __init__(self) -> None:
        self.place: list[int] = []
        self.step: list[int] = []
        self.group: list[int] = []
        self.parent: list[int] = []

    def add(self, place: int, step: int, group: int, parent: int) -> int:
        self.place.append(place)
        self.step.append(step)
        self.group.append(group)
        self.parent.append(parent)
        return len(self.place) - 1

    def legs(self, h: int) -> list[tuple[int, int, int]]:
        out = []
        while h >= 0:
            out.append((self.place[h], self.step[h], self.group[h]))
            h = self.parent[h]
        out.reverse()
        return out


# A parcel is [count, history, party index (-1: plain supply), step it reached its place,
#              origin place, release step]: people who have travelled together so far.
_Parcel = list


def _sweep(
    net: _Net,
    groups: np.ndarray,
    steps: np.ndarray,
    amounts: np.ndarray,
    start: list[tuple[int, _Parcel]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
) -> tuple[list[tuple[_Parcel, int, int]], list[tuple[_Parcel, int]]]:
    """Walk the flow forward in time, moving parcels first come, first served.

    Plain supply splits to fill a departure exactly; a party goes whole or
    waits. Returns the parcels that reached safety (parcel, place, step) and
    those left short of it (parcel, place).
    """
    tails, heads, taus = net.g_tail[groups], net.g_head[groups], net.g_tau[groups]
    order = np.lexsort((groups, heads, tails, steps))
    events = zip(
        steps[order].tolist(),
        tails[order].tolist(),
        heads[order].tolist(),
        groups[order].tolist(),
        taus[order].tolist(),
        amounts[order].tolist(),
        strict=True,
    )
    safe = net.safe.tolist()
    queues: dict[int, deque[_Parcel]] = defaultdict(deque)
    pending: dict[int, list[tuple[int, _Parcel]]] = defaultdict(list)
    for place, parcel in start:
        pending[parcel[3]].append((place, parcel))
    finished: list[tuple[_Parcel, int, int]] = []
    h_place, h_step, h_group, h_parent = hist.place, hist.step, hist.group, hist.parent

    def arrive_until(t: int) -> None:
        for when in sorted(k for k in pending if k <= t):
            for place, parcel in pending.pop(when):
                if safe[place]:
                    finished.append((parcel, place, when))
                else:
                    queues[place].append(parcel)

    now = -1
    for t, u, v, g, tau, amount in events:
        if t != now:
            arrive_until(t)
            now = t
        q = queues[u]
        moved: list[_Parcel] = []
        rest: list[_Parcel] = []
        while amount > 0 and q:
            p = q.popleft()
            if p[2] < 0:
                if p[0] > amount:
                    moved.append([amount, p[1], -1, t, p[4], p[5]])
                    p[0] -= amount
                    rest.append(p)
                    amount = 0
                    break
                moved.append(p)
                amount -= p[0]
            elif p[0] <= amount:
                moved.append(p)
                amount -= p[0]
            else:
                rest.append(p)  # a party too big for what is left: it waits
        if rest:
            q.extendleft(reversed(rest))
        if not moved:
            continue
        out = 0
        new: dict[int, int] = {}
        later = pending[t + tau]
        for p in moved:
            h = new.get(p[1])
            if h is None:
                h = len(h_place)
                h_place.append(u)
                h_step.append(t)
                h_group.append(g)
                h_parent.append(p[1])
                new[p[1]] = h
            p[1] = h
            p[3] = t + tau
            out += p[0]
            later.append((v, p))
        used[(g, t)] = used.get((g, t), 0) + out
    arrive_until(_FOREVER)
    left = [(p, place) for place, q in queues.items() for p in q]
    return finished, left


def _capacity_spans(net: _Net) -> list[list[tuple[int, int, int]]]:
    """Per link group, its capacity as ``(first step, last step, people per step)`` spans."""
    spans: list[list[tuple[int, int, int]]] = [[] for _ in range(net.g_tail.size)]
    key = net.k_group * (_FOREVER + 1) + net.k_from
    keys, inv = np.unique(key, return_inverse=True)
    caps = np.bincount(inv, weights=net.k_cap).astype(np.int64)
    ends = np.zeros(keys.size, dtype=np.int64)
    np.maximum.at(ends, inv, net.k_to)
    for k, c, e in zip(keys.tolist(), caps.tolist(), ends.tolist(), strict=True):
        spans[k // (_FOREVER + 1)].append((k % (_FOREVER + 1), e, c))
    return spans


class _Room:
    """Capacity per group and step, for routing parcels through what is left."""

    def __init__(self, net: _Net) -> None:
        self.net = net
        self.spans = _capacity_spans(net)
        self.out: list[list[int]] = [[] for _ in range(net.n)]
        for g, u in enumerate(net.g_tail.tolist()):
            if self.spans[g]:
                self.out[u].append(g)

    def max_cap(self, g: int) -> int:
        return max((c for _, _, c in self.spans[g]), default=0)

    def slot(
        self, g: int, t: int, size: int, used: dict[tuple[int, int], int], limit: int
    ) -> int | None:
        """The first step >= t, up to ``limit``, at which ``size`` people fit on group g."""
        for a, b, c in self.spans[g]:
            if b < t or c < size:
                continue
            k = max(a, t)
            while k <= min(b, limit):
                if used.get((g, k), 0) + size <= c:
                    return k
                k += 1
        return None

    def route(
        self, start: int, at: int, size: int, used: dict[tuple[int, int], int], limit: int
    ) -> tuple[list[tuple[int, int, int]], int, int] | None:
        """Earliest arrival at safety for ``size`` people from ``start`` at step ``at``."""
        net = self.net
        best = {start: at}
        prev: dict[int, tuple[int, int, int]] = {}
        heap = [(at, start)]
        while heap:
            a, u = heapq.heappop(heap)
            if a > best[u]:
                continue
            if net.safe[u]:
                legs = []
                v = u
                while v != start:
                    legs.append(prev[v])
                    v = prev[v][0]
                legs.reverse()
                return legs, u, a
            for g in self.out[u]:
                t = self.slot(g, a, size, used, limit)
                if t is None:
                    continue
                v = int(net.g_head[g])
                arrive = t + int(net.g_tau[g])
                if arrive < best.get(v, _FOREVER):
                    best[v] = arrive
                    prev[v] = (u, t, g)
                    heapq.heappush(heap, (arrive, v))
        return None


def _repair(
    net: _Net,
    left: list[tuple[_Parcel, int]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
    horizon: int,
) -> tuple[list[tuple[_Parcel, int, int]], list[tuple[_Parcel, str]]]:
    """Route parcels the sweep could not place through the capacity left, biggest first."""
    room = _Room(net)
    limit = (
        max(horizon, net.last_change, max((p[5] for p, _ in left), default=0))
        + (net.n + 1) * int(net.g_tau.max(initial=1))
        + 1
    )
    done: list[tuple[_Parcel, int, int]] = []
    failed: list[tuple[_Parcel, str]] = []
    for p, place in sorted(left, key=lambda x: (-x[0][0], x[0][2], x[1])):
        found = room.route(place, p[3], p[0], used, limit)
        if found is None:
            # Give back what it used and try again from where it started.
            for _, t, g in hist.legs(p[1]):
                used[(g, t)] -= p[0]
            p[1], p[3] = -1, p[5]
            found = room.route(p[4], p[5], p[0], used, limit)
        if found is None:
            widest = max((room.max_cap(g) for g in range(net.g_tail.size)), default=0)
            if p[0] > widest:
                why = (
                    f"a party of {p[0]} is larger than any link admits in one step "
                    f"({widest}); parties are never split"
                )
            else:
                why = f"no route with room for a party of {p[0]} at any time"
            failed.append((p, why))
            continue
        legs, dest, arrive = found
        for u, t, g in legs:
            used[(g, t)] = used.get((g, t), 0) + p[0]
            p[1] = hist.add(u, t, g, p[1])
        p[3] = arrive
        done.append((p, dest, arrive))
    return done, failed


def _unloop(
    legs: list[tuple[int, int, int]],
) -> tuple[tuple[tuple[int, int, int], ...], list[tuple[int, int, int]]]:
    """Replace a round trip back to a place by waiting there: (kept legs, removed legs).

    A flow may send people around a cycle instead of waiting; the arrival is
    the same, and the cycle only takes capacity and adds risk.
    """
    out: list[tuple[int, int, int]] = []
    pos: dict[int, int] = {}
    removed: list[tuple[int, int, int]] = []
    for leg in legs:
        j = pos.get(leg[0])
        if j is not None:
            for x in out[j:]:
                del pos[x[0]]
            removed += out[j:]
            del out[j:]
        pos[leg[0]] = len(out)
        out.append(leg)
    return tuple(out), removed


def _movements(
    net: _Net,
    hist: _Histories,
    finished: list[tuple[_Parcel, int, int]],
    party_ids: list[str],
    used: dict[tuple[int, int], int],
) -> list[Movement]:
    """Group parcels with the same itinerary into movements (round trips become waits).

    Itineraries are unrolled for all parcels at once with numpy (pointer
    jumping up the shared histories); only the rare itinerary that returns
    to a place is handled one by one.
    """
    s = net.step
    if not finished:
        return []
    parent = np.asarray(hist.parent, dtype=np.int64)
    h_place = np.asarray(hist.place, dtype=np.int64)
    h_step = np.asarray(hist.step, dtype=np.int64)
    h_group = np.asarray(hist.group, dtype=np.int64)

    # Merge parcels with the same history, final place, arrival and kind.
    fin_h = np.array([p[1] for p, _, _ in finished], dtype=np.int64)
    fin_place = np.array([pl for _, pl, _ in finished], dtype=np.int64)
    fin_t = np.array([t for _, _, t in finished], dtype=np.int64)
    fin_party = np.array([p[2] for p, _, _ in finished], dtype=np.int64)
    fin_count = np.array([p[0] for p, _, _ in finished], dtype=np.int64)
    key = np.stack([fin_h, fin_place, fin_t, fin_party >= 0], axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    counts = np.bincount(inv, weights=fin_count, minlength=uniq.shape[0]).astype(np.int64)
    members: list[list[str]] = [[] for _ in range(uniq.shape[0])]
    for i in np.flatnonzero(fin_party >= 0).tolist():
        members[inv[i]].append(party_ids[fin_party[i]])

    # Unroll each history: columns of ids from the last leg back to the first.
    heads = uniq[:, 0]
    cols = []
    cur = heads.copy()
    while (cur >= 0).any():
        cols.append(cur)
        cur = np.where(cur >= 0, parent[np.maximum(cur, 0)], -1)
    depth = np.zeros(heads.size, dtype=np.int64)
    for c in cols:
        depth += c >= 0
    if cols:
        mat = np.stack(cols, axis=1)  # row r: its legs, newest first
        owner, rank = _ramp(depth)
        flat = mat[owner, depth[owner] - 1 - rank]  # oldest first
    else:
        flat = np.zeros(0, dtype=np.int64)
    f_place, f_step, f_group = h_place[flat], h_step[flat], h_group[flat]
    starts = _excl_cumsum(depth)

    # A round trip back to a place becomes a wait there: from each place kept, jump to
    # the last departure from it (the arrival there is unchanged, the trip is dropped).
    rows = heads.size
    owner = np.repeat(np.arange(rows, dtype=np.int64), depth)
    idx = np.arange(flat.size, dtype=np.int64)
    order = np.lexsort((idx, f_place, owner))
    last_of = np.empty(flat.size, dtype=np.int64)
    if flat.size:
        so, sp_ = owner[order], f_place[order]
        end = np.ones(flat.size, dtype=bool)
        end[:-1] = (so[1:] != so[:-1]) | (sp_[1:] != sp_[:-1])
        group_end = np.flatnonzero(end)
        group_of = np.cumsum(np.concatenate([[0], end[:-1]]))
        last_of[order] = order[group_end[group_of]]
    kept = np.zeros(flat.size, dtype=bool)
    ends = starts + depth
    cur = starts[depth > 0]
    stop_at = ends[depth > 0]
    while cur.size:
        nxt = last_of[cur]
        kept[nxt] = True
        cur = nxt + 1
        alive = cur < stop_at
        cur, stop_at = cur[alive], stop_at[alive]
    looped = np.zeros(rows, dtype=bool)
    if flat.size and not kept.all():
        gone = ~kept
        looped[owner[gone]] = True
        g_gone = f_group[gone]
        t_gone = f_step[gone]
        n_gone = counts[owner[gone]]
        for (g, t), n in zip(
            zip(g_gone.tolist(), t_gone.tolist(), strict=True), n_gone.tolist(), strict=True
        ):
            used[(g, t)] -= n
    k_owner = owner[kept]
    k_depth = np.bincount(k_owner, minlength=rows).astype(np.int64)
    k_start = _excl_cumsum(k_depth)
    k_place, k_step, k_group = f_place[kept], f_step[kept], f_group[kept]
    content = np.stack([k_place, k_step, k_group], axis=1) if kept.any() else None

    names = np.asarray(net.ids, dtype=object)
    place_l = names[k_place].tolist()
    minute_l = (k_step * s).tolist()
    link_l = net.leg_keys(k_group, k_step).tolist()
    final_place = names[uniq[:, 1]].tolist()
    final_minute = (uniq[:, 2] * s).tolist()
    is_party = uniq[:, 3].tolist()
    count_l = counts.tolist()
    new_stop = tuple.__new__
    out: list[Movement] = []
    merged: dict[tuple[Any, ...], int] = {}
    for r in range(rows):
        a, b = int(k_start[r]), int(k_start[r] + k_depth[r])
        final = new_stop(Stop, (final_place[r], final_minute[r]))
        if looped[r]:
            assert content is not None
            sig = (content[a:b].tobytes(), final, is_party[r])
            if sig in merged:
                m = out[merged[sig]]
                out[merged[sig]] = Movement(
                    m.count + count_l[r], m.itinerary, sorted(m.parties + members[r]), m.links
                )
                continue
            merged[sig] = len(out)
        stops = list(map(new_stop, repeat(Stop), zip(place_l[a:b], minute_l[a:b], strict=True)))
        stops.append(final)
        out.append(
            Movement(count_l[r], stops, sorted(members[r]) if members[r] else [], link_l[a:b])
        )
    out.sort(key=lambda m: (m.departure_minute, m.source, m.arrival_minute, m.parties))
    for k in [k for k, v in used.items() if v == 0]:
        del used[k]
    return out


# ------------------------------------------------------------------- whole parties

_MAX_CP_VARIABLES = 300_000
"""Above this many variables the whole-party MIP is skipped (the plan says so)."""


@dataclass(slots=True)
class _Exact:
    """What the whole-party MIP found: a schedule, and what it proved."""

    finished: list[tuple[_Parcel, int, int]]
    used: dict[tuple[int, int], int]
    hist: _Histories | None
    proven: bool
    lower: int | None
    note: str


def _exact_parties(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    objective: str,
    horizon: int,
    seconds: float,
    bound: tuple[int, int, int],
) -> _Exact | None:
    """The lexicographic optimum with whole parties, by a MIP over the TEN to ``horizon``.

    One integer commodity per party size (plain supply counts as size 1),
    with supplies at every place and release step where such parties wait:
    x[c, arc] parties of size c use the arc, and the people on a move arc,
    summed over sizes, stay within its capacity. Parties of one size are
    interchangeable, so an integer flow of a commodity splits into whole
    parties, and no symmetry is left to break. Stages: ``quickest``
    minimises the egress step, then the risk, then the sum of arrival steps;
    ``safest`` the risk first. Each stage's value is fixed before the next.
    ``bound`` is the splittable optimum in the same order: a stage's part of
    it is a valid lower bound while the stages before it match theirs; a
    stage that meets it is proven exactly, otherwise by the MIP's best bound
    (within 1 of the whole-number value). CBC (SCIP if absent) solves it,
    single-threaded and deterministic: on these flow models its LP
    relaxation makes it several times faster than CP-SAT (measured on the
    founding scenario: 1.2-2.9 s against 5-25 s).
    """
    from ortools.linear_solver import pywraplp

    started = time.perf_counter()
    by_size: dict[int, list[tuple[int, _Parcel]]] = defaultdict(list)
    supply: dict[tuple[int, int], int] = defaultdict(int)
    for place, p in parcels:
        by_size[p[0] if p[2] >= 0 else 1].append((place, p))
        supply[(place, p[5])] += p[0]
    sizes = sorted(by_size)
    where = sorted(supply)
    src_place = np.array([w[0] for w in where], dtype=np.int64)
    src_step = np.array([w[1] for w in where], dtype=np.int64)
    src_count = np.array([supply[w] for w in where], dtype=np.int64)
    sp = _Splittable(net, src_place, src_step, src_count)
    ten = _expand(net, sp.early, sp.to_safe, horizon, src_place, src_step, src_count)
    if (ten.src_node < 0).any():
        return None  # someone cannot be safe by the horizon: nothing to improve on
    node_of = {w: int(ten.src_node[i]) for i, w in enumerate(where)}
    n_arcs = ten.tail.size
    size = ten.n_nodes + 2
    moves = slice(ten.n_hold, ten.n_hold + ten.m_tpl.size)
    is_move = np.zeros(n_arcs, dtype=bool)
    is_move[moves] = True
    units: list[dict[int, int]] = []
    count: list[int] = []
    reach = []
    for k in sizes:
        at: dict[int, int] = defaultdict(int)
        for place, p in by_size[k]:
            at[node_of[(place, p[5])]] += p[0] // k
        units.append(at)
        count.append(sum(at.values()))
        seen = np.zeros(size, dtype=bool)
        seen[_reachable(ten.tail, ten.head, ten.cap, np.array(sorted(at)), size)] = True
        reach.append(np.flatnonzero(seen[ten.tail]))
    total_vars = sum(r.size for r in reach)
    if total_vars > _MAX_CP_VARIABLES:
        return _Exact(
            [],
            {},
            None,
            False,
            None,
            f"the whole-party model has {total_vars} variables; not attempted",
        )

    model = pywraplp.Solver.CreateSolver("CBC") or pywraplp.Solver.CreateSolver("SCIP")
    if model is None:
        return _Exact([], {}, None, False, None, "no MIP solver (CBC or SCIP) in this OR-Tools")
    x: list[dict[int, Any]] = []
    into: dict[tuple[int, int], list[Any]] = defaultdict(list)
    out: dict[tuple[int, int], list[Any]] = defaultdict(list)
    on_arc: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    arrivals: list[tuple[int, Any]] = []
    risks: list[tuple[int, Any]] = []
    last_arrival = model.IntVar(0, horizon, "egress")
    labels = ten.label
    risk_of = np.zeros(n_arcs, dtype=np.int64)
    risk_of[moves] = net.k_risk_int[ten.m_tpl]
    arrive_at: dict[int, list[Any]] = defaultdict(list)
    for c, reached in enumerate(reach):
        k = sizes[c]
        xc: dict[int, Any] = {}
        for a in reached.tolist():
            var = model.IntVar(0, count[c], "")
            xc[a] = var
            out[(c, int(ten.tail[a]))].append(var)
            head = int(ten.head[a])
            if head == ten.sink:
                arrivals.append((k * int(labels[a]), var))
                arrive_at[int(labels[a])].append(var)
            else:
                into[(c, head)].append(var)
            if is_move[a]:
                on_arc[a].append((k, var))
                if risk_of[a]:
                    risks.append((k * int(risk_of[a]), var))
        x.append(xc)
    for (c, node), outs in out.items():
        model.Add(model.Sum(outs) - model.Sum(into.get((c, node), [])) == units[c].get(node, 0))
    for (c, node), ins in into.items():
        if (c, node) not in out:
            model.Add(model.Sum(ins) == 0)
    for a, terms in on_arc.items():
        model.Add(model.Sum([w * v for w, v in terms]) <= int(ten.cap[a]))
    everyone = sum(count)
    for step, vars_ in arrive_at.items():
        someone = model.BoolVar("")
        model.Add(model.Sum(vars_) <= everyone * someone)
        model.Add(last_arrival >= step * someone)
    risk_expr = model.Sum([w * v for w, v in risks]) if risks else 0
    arrival_expr = model.Sum([w * v for w, v in arrivals])
    stages = [("egress", last_arrival), ("risk", risk_expr), ("arrival", arrival_expr)]
    if objective == "safest":
        stages = [stages[1], stages[0], stages[2]]

    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
    proven = True
    found = False
    best: list[dict[int, int]] = []
    bound_egress: int | None = None
    note = ""
    matched = True  # every stage so far at its splittable bound
    for (name, expr), low in zip(stages, bound, strict=True):
        if isinstance(expr, int):
            matched = matched and low == 0
            continue
        if matched:
            model.Add(expr >= low)
        remaining = seconds - (time.perf_counter() - started)
        if remaining <= 0.05:
            proven = False
            note = f"the time limit ended the whole-party search before the {name} stage"
            break
        model.SetTimeLimit(max(1, int(remaining * 1000)))
        model.Minimize(expr)
        status = model.Solve(params)
        if status not in (model.OPTIMAL, model.FEASIBLE):
            proven = False
            note = f"no whole-party schedule found in time ({name} stage)"
            break
        found = True
        best = [{a: round(var.solution_value()) for a, var in xc.items()} for xc in x]
        value = round(model.Objective().Value())
        # Objectives are whole numbers: a best bound within 1 of the value proves it.
        floor = math.ceil(model.Objective().BestBound() - 1e-6)
        if name == "egress":
            bound_egress = max(floor, low if matched else 0)
        if not (value == low and matched) and floor < value:
            proven = False
            note = f"the time limit cut the whole-party search short ({name} stage)"
        matched = matched and value == low
        model.Add(expr <= value)
    if not found:
        return _Exact([], {}, None, False, None, note or "no whole-party schedule found")

    # Decode: each class's integer flow moves its parties whole, first come, first served.
    finished: list[tuple[_Parcel, int, int]] = []
    used: dict[tuple[int, int], int] = {}
    hist = _Histories()
    for c, values in enumerate(best):
        k = sizes[c]
        rows = [(a, f) for a, f in values.items() if is_move[a] and f > 0]
        if not rows:
            continue
        arcs = np.array([a for a, _ in rows], dtype=np.int64)
        amount = np.array([f * k for _, f in rows], dtype=np.int64)
        tpl = ten.m_tpl[arcs - ten.n_hold]
        g = net.k_group[tpl]
        st_ = ten.m_step[arcs - ten.n_hold]
        key = g * (horizon + 2) + st_
        uniq, inv = np.unique(key, return_inverse=True)
        per_step = np.bincount(inv, weights=amount).astype(np.int64)
        start = [(place, [p[0], -1, p[2], p[5], p[4], p[5]]) for place, p in by_size[k]]
        done, left = _sweep(
            net, uniq // (horizon + 2), uniq % (horizon + 2), per_step, start, hist, used
        )
        if left:
            raise SolverError("a whole-party flow did not decompose into whole parties")
        finished += done
    return _Exact(finished, used, hist, proven, bound_egress, note)


def _score(
    net: _Net,
    finished: list[tuple[_Parcel, int, int]],
    used: dict[tuple[int, int], int],
    objective: str,
) -> tuple[int, int, int]:
    """A schedule's objective, lexicographic: (egress, risk, arrivals) or (risk, egress, arrivals)."""
    egress = max((t for _, _, t in finished), default=0)
    risk = _risk_int_of(net, used)
    arrivals = sum(p[0] * t for p, _, t in finished)
    return (risk, egress, arrivals) if objective == "safest" else (egress, risk, arrivals)


# ----------------------------------------------------------------------- front door


@dataclass(slots=True)
class _Inputs:
    network: Network
    threats: tuple[ThreatEvent, ...]
    step: int
    supply: dict[str, int]
    safe: list[str]
    parties: list[Party]
    objective: str
    deadline: float | None
    time_limit: float | None


def _whole(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if (
        isinstance(value, (float, np.floating))
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    return float(value) if math.isfinite(value) else None


def _check(
    network: Any,
    supply: Any,
    safe: Any,
    parties: Any,
    step_minutes: Any,
    threats: Any,
    objective: Any,
    deadline: Any,
    time_limit: Any,
) -> _Inputs:
    """Every problem with the arguments at once, as one ScenarioError."""
    problems: list[Problem] = []
    if isinstance(network, Scenario):
        net = network.network
        scenario: Scenario | None = network
    elif isinstance(network, Network):
        net, scenario = network, None
    else:
        raise ScenarioError(
            [Problem("network", f"expected a Network or a Scenario, got {type(network).__name__}")]
        )
    places = net.place_by_id

    if step_minutes is None:
        step_minutes = scenario.step_minutes if scenario is not None else 5
    step = _whole(step_minutes)
    if step is None or step <= 0:
        problems.append(
            Problem(
                "step_minutes", f"must be a whole number of minutes above 0 (got {step_minutes!r})"
            )
        )
        step = 1

    if objective not in _OBJECTIVES:
        problems.append(
            Problem(
                "objective",
                f"{objective!r} is not an objective; use "
                "'quickest' or 'safest'" + suggest(objective, _OBJECTIVES),
            )
        )
    dl = None
    if deadline is not None:
        dl = _number(deadline)
        if dl is None or dl < 0:
            problems.append(
                Problem("deadline", f"must be minutes from the start, 0 or more (got {deadline!r})")
            )
            dl = None
    elif objective == "safest":
        problems.append(
            Problem(
                "deadline",
                "objective 'safest' needs a deadline (minutes from "
                "the start by which everyone must be safe)",
            )
        )
    tl = None
    if time_limit is not None:
        tl = _number(time_limit)
        if tl is None or tl <= 0:
            problems.append(Problem("time_limit", f"must be seconds above 0 (got {time_limit!r})"))
            tl = None

    if threats is None:
        threat_list = tuple(scenario.threats) if scenario is not None else ()
    else:
        threat_list = tuple(threats) if isinstance(threats, Iterable) else ()
        if not isinstance(threats, Iterable) or isinstance(threats, (str, bytes)):
            problems.append(Problem("threats", "must be a list of ThreatEvent"))
            threat_list = ()
        for i, t in enumerate(threat_list):
            if not isinstance(t, ThreatEvent):
                problems.append(
                    Problem(f"threats[{i}]", f"expected a ThreatEvent, got {type(t).__name__}")
                )
        threat_list = tuple(t for t in threat_list if isinstance(t, ThreatEvent))

    plain: dict[str, int] = {}
    if supply is not None:
        if not isinstance(supply, Mapping):
            problems.append(Problem("supply", "must map places to counts, e.g. {'3': 800}"))
        else:
            for key, count in supply.items():
                where = f"supply[{key!r}]"
                if key not in places and isinstance(key, int) and str(key) in places:
                    key = str(key)  # TNTP node numbers written as numbers
                if key not in places:
                    problems.append(
                        Problem(where, f"{key!r} is not a place" + suggest(str(key), places))
                    )
                n = _whole(count)
                if n is None:
                    problems.append(Problem(where, f"{count!r} is not a whole number of people"))
                elif n < 0:
                    problems.append(Problem(where, f"{n} people: a count cannot be negative"))
                elif key in places:
                    plain[key] = plain.get(key, 0) + n

    party_list: list[Party] = []
    if parties is not None:
        if not isinstance(parties, Iterable) or isinstance(parties, (str, bytes, Mapping)):
            problems.append(Problem("parties", "must be a list of Party"))
        else:
            seen: set[str] = set()
            for i, p in enumerate(parties):
                where = f"parties[{i}]"
                if not isinstance(p, Party):
                    problems.append(Problem(where, f"expected a Party, got {type(p).__name__}"))
                    continue
                ok = True
                if p.id in seen:
                    problems.append(Problem(f"{where}.id", f"party {p.id!r} appears twice"))
                    ok = False
                seen.add(p.id)
                size = _whole(p.size)
                if size is None or size < 1:
                    problems.append(
                        Problem(f"{where}.size", f"must be 1 or more people (got {p.size!r})")
                    )
                    ok = False
                if p.location not in places:
                    problems.append(
                        Problem(
                            f"{where}.location",
                            f"{p.location!r} is not a place" + suggest(p.location, places),
                        )
                    )
                    ok = False
                release = _number(p.release_minute)
                if release is None or release < 0:
                    problems.append(
                        Problem(
                            f"{where}.release_minute",
                            f"must be minutes from the start, 0 or more (got {p.release_minute!r})",
                        )
                    )
                    ok = False
                if ok:
                    party_list.append(p)
    elif supply is None:
        if scenario is None:
            problems.append(
                Problem("supply", "nothing to evacuate: give supply={place: count} or parties")
            )
        else:
            # Everyone in the scenario leaves: each staff member with their dependants.
            party_list = [
                Party(m.id, m.party_size, m.location, m.post, relocate=scenario.relocates(m))
                for m in scenario.staff
            ]

    if safe is None:
        safe_list = [p.id for p in net.safe_places()]
        if not safe_list:
            problems.append(
                Problem(
                    "safe",
                    "no safe places: name them with safe={...} or mark "
                    "places safe (kind safe_haven or safe: true)",
                )
            )
    else:
        items = (
            [safe] if isinstance(safe, str) else list(safe) if isinstance(safe, Iterable) else None
        )
        if items is None:
            problems.append(Problem("safe", "must be a set of place ids"))
            items = []
        safe_list = []
        for s in items:
            if s not in places and isinstance(s, int) and str(s) in places:
                s = str(s)
            if s not in places:
                problems.append(
                    Problem(f"safe[{s!r}]", f"{s!r} is not a place" + suggest(str(s), places))
                )
            elif s not in safe_list:
                safe_list.append(s)
        if not items:
            problems.append(Problem("safe", "no safe places: name at least one"))
    if problems:
        raise ScenarioError(problems)
    return _Inputs(net, threat_list, step, plain, safe_list, party_list, objective, dl, tl)


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
        Length of a time step; by default the scenario's ``step_minutes``,
        else 5. A link of m minutes takes ``max(1, ceil(m / step))`` steps and
        admits ``floor(capacity_per_hour * step / 60)`` people per step.
    threats
        Threat events to apply instead of a Scenario's own (a Network has none);
        to add one, pass ``[*scenario.threats, extra]``.
    objective
        ``"quickest"``: the least egress time T*, then the least risk
        exposure, then the earliest arrivals. ``"safest"``: the least risk
        exposure with everyone safe by ``deadline``, then the earliest egress,
        then the earliest arrivals.
    deadline
        Minutes from the start by which everyone must be safe (needed for
        ``safest``). If it cannot be met, the plan moves as many people as can
        be safe by then and lists the rest as stranded.
    time_limit
        Seconds for the search for unsplittable party schedules (default 10);
        the flow computations always run to the end.

    Returns
    -------
    EvacuationPlan
        The schedule with its status, proof and figures; infeasibility is a
        status, with the people cut off and why, never an exception.

    Raises
    ------
    ScenarioError
        Listing every problem with the arguments: unknown places in
        ``supply``, ``safe`` or parties, negative counts, an unknown
        objective, ``safest`` without a deadline, no safe places, a step of
        0 or less.

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
    Stop(place='20', minute=0)

    Parties are moved whole:

    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.results import Party
    >>> scenario = load_scenario(seed_path("tiny"))
    >>> plan = evacuate(scenario, parties=[Party("cap-04", 4, "residence"), Party("cap-05", 1, "embassy")])
    >>> [(m.parties, m.destination) for m in plan.movements]
    [(['cap-05'], 'haven'), (['cap-04'], 'haven')]
    """
    with _no_gc():
        return _evacuate(
            network, supply, safe, parties, step_minutes, threats, objective, deadline, time_limit
        )


def _evacuate(
    network: Any,
    supply: Any,
    safe: Any,
    parties: Any,
    step_minutes: Any,
    threats: Any,
    objective: Any,
    deadline: Any,
    time_limit: Any,
) -> EvacuationPlan:
    started = time.perf_counter()
    inp = _check(
        network, supply, safe, parties, step_minutes, threats, objective, deadline, time_limit
    )
    net = _compile(inp.network, inp.threats, inp.step, set(inp.safe))
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

    # Sources: people by (place, release step); those with no route at all are cut off.
    src: dict[tuple[int, int], int] = defaultdict(int)
    for place, p in travelling:
        src[(place, p[5])] += p[0]
    keys = sorted(src)
    src_place = np.array([k[0] for k in keys], dtype=np.int64)
    src_step = np.array([k[1] for k in keys], dtype=np.int64)
    src_count = np.array([src[k] for k in keys], dtype=np.int64)
    sp = _Splittable(net, src_place, src_step, src_count) if keys else None
    cut_off: set[int] = set()
    if sp is not None:
        for i, (place, _) in enumerate(keys):
            if sp.to_safe[place] >= _FOREVER:
                cut_off.add(i)
    routable = [i for i in range(len(keys)) if i not in cut_off]

    result: _FlowResult | None = None
    if routable:
        sub = _Splittable(net, src_place[routable], src_step[routable], src_count[routable])
        dl_step = None if inp.deadline is None else math.floor(inp.deadline / s + _EPS)
        result = _solve_flows(sub, inp.objective, dl_step)

    # Reasons, per source key, for anyone left behind.
    why: dict[tuple[int, int], str] = {}
    for i in cut_off:
        place = keys[i][0]
        near = _keys_near(inp.network, net.ids[place])
        narrow = [k for k in net.narrow if k in near]
        closed = [k for k in net.closed if k in near]
        causes = []
        if closed:
            causes.append(f"links {', '.join(closed[:4])} are closed for the whole scenario")
        if narrow:
            causes.append(f"links {', '.join(narrow[:4])} admit nobody in a {s}-minute step")
        why[keys[i]] = "no route to any safe place" + (f" ({'; '.join(causes)})" if causes else "")
    if result is not None:
        for j, i in enumerate(routable):
            if j in result.reasons:
                why[keys[i]] = result.reasons[j]

    # Split the flow into movements, parties whole.
    hist = _Histories()
    used: dict[tuple[int, int], int] = {}
    travelled: list[tuple[_Parcel, int, int]] = []
    cut_keys = {keys[i] for i in cut_off}
    initial = [(place, list(p)) for place, p in travelling if (place, p[5]) not in cut_keys]
    if result is not None and result.horizon is not None:
        go = [(place, p) for place, p in travelling if (place, p[5]) not in cut_keys]
        travelled, left = _sweep(
            net, result.move_group, result.move_step, result.move_flow, go, hist, used
        )
        for p, _ in left:
            if p[2] < 0:
                stranded.append((p, why.get((p[4], p[5]), "no room left on the routes out")))
        left = [(p, place) for p, place in left if p[2] >= 0]
        if left:
            fixed, failed = _repair(net, left, hist, used, result.horizon)
            travelled += fixed
            stranded += [(p, why.get((p[4], p[5]), reason)) for p, reason in failed]
            if failed:
                result.lower = None  # the bound was for everyone, and some cannot go
        for place, p in travelling:
            if (place, p[5]) in cut_keys:
                stranded.append((p, why[(place, p[5])]))
    else:
        stranded += [(p, why.get((place, p[5]), "cannot reach safety")) for place, p in travelling]

    # Status and bounds.
    quickest = None if result is None or result.quickest is None else result.quickest * s
    lower = None if result is None or result.lower is None else result.lower * s
    proof = (
        "nobody to move"
        if not travelling
        else (result.proof if result is not None else "nobody can reach safety")
    )
    if stranded:
        status = Status.INFEASIBLE
    elif not travelling:
        status = Status.OPTIMAL
    else:
        assert result is not None and result.horizon is not None
        bound = (
            (result.risk_int, result.horizon, result.arrival_sum)
            if inp.objective == "safest"
            else (result.horizon, result.risk_int, result.arrival_sum)
        )
        if moving:
            # Round trips in the flow become waits when movements are built: score without them.
            trial_used = dict(used)
            _movements(net, hist, travelled, party_ids, trial_used)
            have = _score(net, travelled, trial_used, inp.objective)
        else:
            have = bound  # plain counts follow the flow exactly (round trips carry no risk)
        if have == bound:
            status = Status.OPTIMAL
        else:
            status = Status.FEASIBLE
            # To the heuristic's egress: for safest, a schedule that reaches the splittable
            # bounds there is still proven best (they hold for any horizon up to the deadline).
            horizon = have[1] if inp.objective == "safest" else have[0]
            seconds = inp.time_limit if inp.time_limit is not None else 10.0
            exact = _exact_parties(net, initial, inp.objective, horizon, seconds, bound)
            if exact is not None and exact.hist is not None:
                score = _score(net, exact.finished, exact.used, inp.objective)
                if score <= have:
                    hist, used, travelled = exact.hist, exact.used, exact.finished
                    have = score
            if exact is not None and exact.proven and exact.hist is not None:
                status = Status.OPTIMAL
                lower = (have[1] if inp.objective == "safest" else have[0]) * s
                proof += (
                    "; with parties whole, a MIP proves the schedule best "
                    "(egress, risk exposure, arrivals in turn)"
                )
            else:
                if exact is not None and exact.lower is not None and lower is not None:
                    lower = max(lower, exact.lower * s)
                why_not = f" ({exact.note})" if exact is not None and exact.note else ""
                ends = (have[1] if inp.objective == "safest" else have[0]) * s
                if inp.objective == "quickest" and ends == lower:
                    notes.append(
                        "parties are never split: the egress time meets its lower bound, so "
                        "no plan is quicker; its risk exposure and arrivals are not proven "
                        "best" + why_not
                    )
                else:
                    notes.append(
                        "parties are never split: the schedule is valid but not proven "
                        f"best; no schedule finishes before minute {lower}" + why_not
                    )
    finished += travelled

    movements = _movements(net, hist, finished, party_ids, used)
    egress = max((m.arrival_minute for m in movements), default=None if stranded else 0)
    risk = _risk_of(net, used)
    if not travelling:
        lower = egress
        if finished:
            proof = "everyone starts at a safe place"
    if status is Status.OPTIMAL and lower != egress and inp.objective == "quickest":
        raise SolverError(f"a plan proven optimal must end at its bound ({egress} vs {lower})")

    bottlenecks = []
    if result is not None and result.cut:
        by_group: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for g, t, c in result.cut:
            by_group[g].append((t, c))
        for g, items in by_group.items():
            items.sort()
            bottlenecks.append(
                Bottleneck(
                    net.g_key[g],
                    net.ids[int(net.g_tail[g])],
                    net.ids[int(net.g_head[g])],
                    sum(c for _, c in items),
                    tuple(t * s for t, _ in items),
                )
            )
        bottlenecks.sort(key=lambda b: (-b.capacity, b.link))

    stranded_out = _stranded(net, stranded, party_ids)
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
        network_name=inp.network.name,
        _network=inp.network,
        _threats=inp.threats,
    )


def _keys_near(network: Network, place: str) -> set[str]:
    """Keys of links that touch ``place``."""
    return {arc.key for arc in arcs(network) if place in (arc.source, arc.target)}


def _risk_int_of(net: _Net, used: Mapping[tuple[int, int], int]) -> int:
    return round(_risk_of(net, used) * net.risk_scale)


def _risk_of(net: _Net, used: Mapping[tuple[int, int], int]) -> float:
    """Risk exposure of people entering groups at steps, the safest tier first."""
    if not net.risky or not used:
        return 0.0
    tiers: dict[int, list[tuple[int, int, int, float]]] = defaultdict(list)
    for k in range(net.k_group.size):
        tiers[int(net.k_group[k])].append(
            (int(net.k_from[k]), int(net.k_to[k]), int(net.k_cap[k]), float(net.k_risk[k]))
        )
    total = 0.0
    for (g, t), count in used.items():
        rows = sorted((r, c) for a, b, c, r in tiers[g] if a <= t <= b)
        for r, c in rows:
            take = min(c, count)
            total += take * r
            count -= take
            if count <= 0:
                break
    return total


def _stranded(net: _Net, items: list[tuple[_Parcel, str]], party_ids: list[str]) -> list[Stranded]:
    merged: dict[tuple[int, str], list[Any]] = {}
    for p, reason in items:
        key = (p[4], reason)
        entry = merged.setdefault(key, [0, []])
        entry[0] += p[0]
        if p[2] >= 0:
            entry[1].append(party_ids[p[2]])
    return [
        Stranded(net.ids[place], count, reason, sorted(parties))
        for (place, reason), (count, parties) in sorted(merged.items())
    ]


# ------------------------------------------------------------------ independent replay


def _replay(plan: EvacuationPlan) -> list[RouteViolation]:
    """Check a plan's schedule against its network (see :meth:`EvacuationPlan.verify`).

    Written apart from the solver on purpose: it reads the network's links
    and their (open, risk) timelines, and the movements, nothing else.
    """
    net = plan._network
    assert net is not None
    step = plan.step_minutes
    found: list[RouteViolation] = []

    def bad(rule: str, message: str) -> None:
        found.append(RouteViolation(rule, message))

    places = net.place_by_id
    safe = set(plan.safe)
    # Each direction of each link, by (key, from, to); its group: same ends, same transit steps.
    leg_of: dict[tuple[str, str, str], tuple[ArcSchedule, int]] = {}
    members: dict[tuple[str, str, int], list[ArcSchedule]] = defaultdict(list)
    for sched in arc_schedules(net, plan._threats):
        a = sched.arc
        steps = max(1, math.ceil(a.minutes / step - _EPS))
        leg_of[(a.key, a.source, a.target)] = (sched, steps)
        members[(a.source, a.target, steps)].append(sched)

    load: dict[tuple[str, str, int, int], int] = defaultdict(int)
    plain_from: dict[str, int] = defaultdict(int)
    party_seen: dict[str, int] = defaultdict(int)
    parties = {p.id: p for p in plan.parties}
    last_arrival = None
    for mi, m in enumerate(plan.movements):
        where = f"movement {mi} ({m.count} from {m.source if m.itinerary else '?'})"
        if m.count <= 0:
            bad("accounted", f"{where}: count {m.count} is not positive")
        if not m.itinerary:
            bad("route", f"{where}: empty itinerary")
            continue
        if len(m.links) != len(m.itinerary) - 1:
            bad("route", f"{where}: {len(m.links)} links for {len(m.itinerary)} stops")
            continue
        for i, stop in enumerate(m.itinerary):
            if stop.place not in places:
                bad("route", f"{where}: stop {i} {stop.place!r} is not a place")
            if not isinstance(stop.minute, int) or stop.minute % step:
                bad(
                    "route",
                    f"{where}: stop {i} minute {stop.minute} is not on a {step}-minute step",
                )
            if i < len(m.itinerary) - 1 and stop.place in safe:
                bad(
                    "route", f"{where}: passes through safe place {stop.place} (safe places absorb)"
                )
        final = m.itinerary[-1]
        if final.place not in safe:
            bad("route", f"{where}: ends at {final.place}, which is not safe")
        for i, key in enumerate(m.links):
            here, there = m.itinerary[i], m.itinerary[i + 1]
            entry = leg_of.get((key, here.place, there.place))
            if entry is None:
                bad("route", f"{where}: no link {key!r} from {here.place} to {there.place}")
                continue
            sched, steps = entry
            is_open, _ = sched.at(here.minute)
            if not is_open:
                bad("route", f"{where}: link {key} is closed at minute {here.minute}")
            arrive = here.minute + steps * step
            last = i + 1 == len(m.links)
            if (last and there.minute != arrive) or (not last and there.minute < arrive):
                bad(
                    "route",
                    f"{where}: leaving {here.place} at minute {here.minute} by {key} "
                    f"({steps} steps) arrives at minute {arrive}, not "
                    f"{'at' if last else 'by'} {there.minute}",
                )
            load[(here.place, there.place, steps, here.minute)] += m.count
        last_arrival = max(final.minute, last_arrival if last_arrival is not None else final.minute)
        if m.parties:
            size = 0
            for pid in m.parties:
                party_seen[pid] += 1
                p = parties.get(pid)
                if p is None:
                    bad("accounted", f"{where}: unknown party {pid!r}")
                    continue
                size += p.size
                if p.location != m.source:
                    bad("accounted", f"{where}: party {pid} is at {p.location}, not {m.source}")
                if m.departure_minute < p.release_minute and m.source not in safe:
                    bad(
                        "accounted",
                        f"{where}: party {pid} leaves at minute "
                        f"{m.departure_minute}, before its release at "
                        f"{p.release_minute}",
                    )
            if size != m.count:
                bad(
                    "accounted",
                    f"{where}: parties {m.parties} are {size} people, not "
                    f"{m.count} (parties are never split)",
                )
        else:
            plain_from[m.source] += m.count
    for s in plan.stranded:
        if s.parties:
            size = 0
            for pid in s.parties:
                party_seen[pid] += 1
                size += parties[pid].size if pid in parties else 0
            if size != s.count:
                bad(
                    "accounted",
                    f"stranded at {s.place}: parties {s.parties} are {size} people, not {s.count}",
                )
        else:
            plain_from[s.place] += s.count
    for pid in plan.standing_down:
        party_seen[pid] += 1
    for pid, p in parties.items():
        expected = 1
        if party_seen.get(pid, 0) != expected:
            bad(
                "accounted",
                f"party {pid} appears {party_seen.get(pid, 0)} times (expected "
                "once: moved, stranded or standing down)",
            )
        if not p.relocate and pid not in plan.standing_down:
            bad("accounted", f"party {pid} does not relocate but is not standing down")
    for pid in party_seen:
        if pid not in parties:
            bad("accounted", f"unknown party {pid!r}")
    for place in set(plan.supply) | set(plain_from):
        if plan.supply.get(place, 0) != plain_from.get(place, 0):
            bad(
                "accounted",
                f"supply at {place}: {plan.supply.get(place, 0)} people, but the "
                f"plan moves or strands {plain_from.get(place, 0)}",
            )

    risk = 0.0
    for (u, v, steps, minute), count in load.items():
        open_links = sorted(
            (risk_, s.arc.capacity_per_hour)
            for s in members[(u, v, steps)]
            for is_open, risk_ in [s.at(minute)]
            if is_open
        )
        admits = math.floor(sum(c for _, c in open_links) * step / 60 + _EPS)
        if count > admits:
            bad(
                "capacity",
                f"{count} people enter {u} -> {v} at minute {minute}; its links "
                f"admit {admits} per step",
            )
        # People entering together take the safest open links first.
        taken, cum = 0, 0.0
        for r, c in open_links:
            cum += c
            room = math.floor(cum * step / 60 + _EPS) - taken
            n = min(room, count - taken)
            risk += n * r
            taken += n
            if taken >= count:
                break

    if last_arrival is None and not plan.stranded:
        last_arrival = 0  # nobody to move
    if plan.egress_minutes != last_arrival:
        bad(
            "figures",
            f"egress is reported as {plan.egress_minutes} but the last arrival is {last_arrival}",
        )
    if abs(risk - plan.risk_exposure) > 1e-6 * max(1.0, risk):
        bad("figures", f"risk exposure is reported as {plan.risk_exposure} but replays as {risk}")
    if plan.status is Status.OPTIMAL and plan.egress_minutes != plan.lower_bound_minutes:
        bad(
            "figures",
            f"an optimal plan's egress ({plan.egress_minutes}) must equal its lower "
            f"bound ({plan.lower_bound_minutes})",
        )
    if (
        plan.lower_bound_minutes is not None
        and plan.egress_minutes is not None
        and plan.lower_bound_minutes > plan.egress_minutes
        and plan.status is not Status.INFEASIBLE
    ):
        bad(
            "figures",
            f"the lower bound {plan.lower_bound_minutes} exceeds the egress {plan.egress_minutes}",
        )
    if plan.stranded and plan.status is not Status.INFEASIBLE:
        bad("figures", f"{len(plan.stranded)} groups are stranded but the status is {plan.status}")
    return found
