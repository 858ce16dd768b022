"""Stage 1: a network and its threats compiled to integer arrays for one step length.

Takes a validated :class:`~evacplan.models.Network` with its threat events
(read through :func:`evacplan.network.arc_schedules`) and hands the later
stages a :class:`_Net`: link groups (parallel links of equal transit act as
one), and for each group its capacity and risk over spans of steps. The
capacity rule (people admitted by each minute, nothing lost to rounding)
lives here: :func:`_admitted`, :meth:`_Net.capacity`.
Every stage after this one works on these arrays, never on pydantic models.
Also here: the per-group capacity spans the repair and CCRP use, and the risk
exposure of a usage of the groups.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evacplan.models import Network, ThreatEvent
from evacplan.network import ArcSchedule, PlaceHazard, arc_schedules, place_hazards
from evacplan.routing._arrays import _EPS, _FOREVER, _ceil_div

_NONE = np.zeros(0, dtype=np.int64)


def _admitted(rate: Any, minute: Any) -> Any:
    """A(t): the people a link of ``rate`` per hour admits by minute ``t`` of the scenario.

    The capacity rule of ``docs/routing.md``: ``floor(rate * t / 60 + 1e-9)``,
    counted from the scenario start, so that step k admits ``A((k + 1) s) - A(k s)``
    and nothing is lost to rounding: 100/h at 5-minute steps admits 8 or 9 a
    step and 100 an hour. Works on numbers and on numpy arrays alike.
    """
    return np.floor(rate * minute / 60 + _EPS)


def _admits(rate: float, step: int, k: int) -> int:
    """People a link (or parallel links) of ``rate`` per hour admit at step ``k``.

    :func:`_admitted` for one step, in plain floats (the same arithmetic, so the
    same result), for the loops that ask one step at a time.
    """
    t0 = k * step
    return math.floor(rate * (t0 + step) / 60 + _EPS) - math.floor(rate * t0 / 60 + _EPS)


def _most_admitted(rate: Any, step: int) -> Any:
    """The most people a link of ``rate`` per hour admits in any one step (numbers or arrays)."""
    return np.ceil(rate * step / 60 - _EPS)


@dataclass(slots=True)
class _Net:
    """A network compiled to integer arrays for one step length.

    Directed links with the same ends and transit steps form one *group*
    (parallel links act as one: their hourly capacities add up). A group's
    state over time is cut into *spans* of steps in which the same links are
    open at the same risks; a span has one *template* (a row of the ``k_``
    arrays) per risk *tier*, safest first, so that people entering together
    take the safest links first.

    Capacity per step follows :func:`_admitted`. A template's ``k_rate`` is
    the hourly capacity of its tier and every safer one; the people the
    first i tiers admit at a step are the least of what the cumulative rates
    of tiers i, i + 1, ... would admit on their own (so that a safer tier
    never loses a person to rounding in a riskier one), and a tier gets the
    difference from the tiers before it (:meth:`capacity`). The last tier's
    capacity is the span's total: exactly what one link of the summed rate
    admits.
    """

    step: int
    ids: list[str]
    safe: np.ndarray
    g_tail: np.ndarray
    g_head: np.ndarray
    g_tau: np.ndarray
    g_key: list[str]
    g_street: list[str | None]
    """Per group, the street it is a stretch of (an OpenStreetMap road with a name), or None:
    words name streets, not their stretches' generated ids."""
    g_members: list[list[str]]
    g_departures: list[tuple[float, ...]]
    """Per group, the departure minutes of its scheduled services (empty: none)."""
    k_group: np.ndarray
    k_from: np.ndarray
    k_to: np.ndarray
    k_rate: np.ndarray
    """People per hour of the template's tier and every safer tier of its span."""
    k_first: np.ndarray
    """The row of the first (safest) tier of the template's span."""
    k_last: np.ndarray
    """The row of the last (riskiest) tier of the template's span: its rate is the span's total."""
    k_risk: np.ndarray
    k_risk_int: np.ndarray
    k_key: np.ndarray
    """The safest open link of a template's tier: the one people entering then are said to take."""
    risk_scale: int
    """Risk units per unit of risk: ``60 * 10**k`` so that link risks and a minute of
    waiting risk (``risk_per_hour / 60``) are whole numbers."""
    last_change: int
    closed: list[str]
    """Links closed for the whole scenario (by their window or a threat)."""
    w_place: np.ndarray = field(default_factory=lambda: _NONE)
    """Waiting risk pieces: place, first step, last step, risk units a person pays a step."""
    w_from: np.ndarray = field(default_factory=lambda: _NONE)
    w_to: np.ndarray = field(default_factory=lambda: _NONE)
    w_cost: np.ndarray = field(default_factory=lambda: _NONE)
    p_rate: np.ndarray = field(default_factory=lambda: _NONE)
    """Per place, the people an hour who may leave it (``throughput_per_hour``; 0: no limit)."""
    max_memory: float = math.inf
    """Bytes a time-expanded network of this network may take (see :func:`._expand._expand`)."""
    hazard: float = 0.0
    """The chance of harm each hour a person is released but not yet safe (``hazard_per_hour``)."""
    hazard_int: int = 0
    """Risk units a person pays for each step not yet safe: ``hazard`` in the units of
    ``risk_scale`` (a whole number: the scale is chosen so)."""

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def risky(self) -> bool:
        return bool(self.k_risk_int.any()) or bool(self.w_cost.any())

    def wait_pieces(self) -> list[tuple[int, int, int, int]]:
        """The waiting-risk pieces: (place, first step, last step, risk units a person pays a step)."""
        return list(
            zip(
                self.w_place.tolist(),
                self.w_from.tolist(),
                self.w_to.tolist(),
                self.w_cost.tolist(),
                strict=True,
            )
        )

    def wait_cost(
        self, places: np.ndarray, first: np.ndarray, last: np.ndarray | None = None
    ) -> np.ndarray:
        """Risk units one person pays staying at ``places`` through steps ``first..last``.

        Arrays of equal length; ``last`` defaults to ``first`` (one step each).
        An empty span (``last < first``) costs nothing.
        """
        last = first if last is None else last
        cost = np.zeros(np.shape(places), dtype=np.int64)
        for p, a, b, c in self.wait_pieces():
            span = np.minimum(last, b) - np.maximum(first, a) + 1
            cost += c * np.maximum(span, 0) * (places == p)
        return cost

    def capacity(self, rows: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """People template ``rows`` admit at ``steps`` (arrays of equal length)."""
        t0 = steps * self.step
        t1 = t0 + self.step

        def admits(r: np.ndarray, mask: Any = slice(None)) -> np.ndarray:
            rate = self.k_rate[r]
            return _admitted(rate, t1[mask]) - _admitted(rate, t0[mask])

        upto = admits(rows)  # the tiers up to this one, the least of what each later rate admits
        last = self.k_last[rows]
        for offset in range(1, int((self.k_last - self.k_first).max(initial=0)) + 1):
            upto = np.minimum(upto, admits(np.minimum(rows + offset, last)))
        before = np.zeros(rows.size)
        has = rows > self.k_first[rows]
        if has.any():
            before[has] = np.minimum(admits(rows[has] - 1, has), upto[has])
        return (upto - before).astype(np.int64)

    @property
    def gated(self) -> bool:
        """Whether any place limits how many leave it per step."""
        return bool(self.p_rate.any())

    def throughput(self, places: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """People who may leave ``places`` at ``steps`` (arrays of equal length; gated places).

        The capacity rule of links, from the place's ``throughput_per_hour``.
        """
        rate = self.p_rate[places]
        t0 = steps * self.step
        return (_admitted(rate, t0 + self.step) - _admitted(rate, t0)).astype(np.int64)

    def span_firsts(self) -> np.ndarray:
        """The first (safest) template of every span, in (group, first step) order."""
        return np.flatnonzero(self.k_first == np.arange(self.k_first.size))

    def span_rows(self, groups: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """For entries into ``groups`` at ``steps``: the first template of the span then, or -1."""
        first_row = self.span_firsts()
        starts = self.k_group[first_row] * (_FOREVER + 1) + self.k_from[first_row]
        at = np.searchsorted(starts, groups * (_FOREVER + 1) + steps, side="right") - 1
        row = first_row[np.maximum(at, 0)]
        ok = (at >= 0) & (self.k_group[row] == groups) & (self.k_to[row] >= steps)
        return np.where(ok, row, -1)

    def leg_keys(self, groups: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """For legs entering ``groups`` at ``steps``: the key of the safest link open then."""
        return self.k_key[np.maximum(self.span_rows(groups, steps), 0)]

    def peak_capacity(self) -> np.ndarray:
        """Per group, the most people it can admit in any one step (all its tiers)."""
        most = _most_admitted(self.k_rate[self.k_last], self.step).astype(np.int64)
        group_cap = np.zeros(self.g_tail.size, dtype=np.int64)
        np.maximum.at(group_cap, self.k_group, most)
        return group_cap

    def narrowest(self) -> int:
        """The fewest people some link group or gated place lets through in its best step.

        A party larger than this may have to cross over several steps, which
        the whole-party MIP does not model. A link that never admits anyone
        (closed from the start) holds nobody back and does not count.
        """
        peak = self.peak_capacity()
        links = int(peak[peak > 0].min(initial=1 << 40))
        gates = self.p_rate[self.p_rate > 0]
        if not gates.size:
            return links
        return min(links, int(_most_admitted(gates, self.step).min()))

    def group_segments(self, g: int) -> list[tuple[int, int, float]]:
        """``(from, to, people per hour)`` spans of group ``g`` (all tiers)."""
        rows = np.flatnonzero(self.k_group == g)
        return sorted(
            {
                (int(self.k_from[k]), int(self.k_to[k]), float(self.k_rate[self.k_last[k]]))
                for k in rows
            }
        )


def _wait_pieces(
    hazards: Iterable[PlaceHazard], index: Mapping[str, int], step: int, scale: int
) -> tuple[list[tuple[int, int, int, int]], int]:
    """Waiting risk as (place, first step, last step, units a step) pieces; the last step it changes.

    A person pays ``per_hour * scale`` units for each minute at a place while a
    hazard holds: a step wholly inside its window costs ``step`` minutes' worth,
    the steps where it begins and ends the minutes of the window in them.
    """
    pieces: list[tuple[int, int, int, int]] = []
    last = 0
    for h in hazards:
        rate = round(h.per_hour * scale)
        if not rate or h.place not in index:
            continue
        p, k0 = index[h.place], h.start // step
        if math.isinf(h.end):
            pieces.append((p, k0, k0, rate * ((k0 + 1) * step - h.start)))
            pieces.append((p, k0 + 1, _FOREVER, rate * step))
            last = max(last, k0 + 1)
            continue
        end = int(h.end)
        k1 = (end - 1) // step
        if end <= h.start:
            continue
        if k0 == k1:
            pieces.append((p, k0, k0, rate * (end - h.start)))
        else:
            pieces.append((p, k0, k0, rate * ((k0 + 1) * step - h.start)))
            if k1 - 1 >= k0 + 1:
                pieces.append((p, k0 + 1, k1 - 1, rate * step))
            pieces.append((p, k1, k1, rate * (end - k1 * step)))
        last = max(last, k1 + 1)
    return [x for x in pieces if x[3]], last


def _risk_scale(risks: Iterable[float]) -> int:
    """The least power of ten (up to a million) that makes every risk a whole number."""
    values = [r for r in set(risks) if r]
    for exp in range(7):
        scale = 10**exp
        if all(abs(r * scale - round(r * scale)) < 1e-7 for r in values):
            return scale
    return 10**6


def _services(departures: Sequence[float], step: int) -> dict[int, int]:
    """A scheduled service's departures per step (a departure's minute rounded down to the step)."""
    out: dict[int, int] = {}
    for minute in departures:
        k = int(minute // step)
        out[k] = out.get(k, 0) + 1
    return out


def _state(
    sched: ArcSchedule, services: Mapping[int, int], k: int, step: int
) -> tuple[bool, float, float]:
    """(open, risk, people per hour) of a directed link from step ``k`` on.

    A scheduled service is open only at the steps it leaves, with the rate
    that admits exactly its seats in that one step under the capacity rule
    (``60 * seats * departures / step`` per hour: the rule's floors then differ
    by exactly the seats, and add to any parallel link's rate without loss).
    """
    is_open, risk = sched.at(k * step)
    if not sched.arc.scheduled:
        return is_open, risk, sched.arc.capacity_per_hour
    leaving = services.get(k, 0)
    return is_open and leaving > 0, risk, 60 * sched.arc.seats * leaving / step


def _compile(
    net: Network,
    threats: Sequence[ThreatEvent],
    step: int,
    safe: set[str],
    hazard: float = 0.0,
) -> _Net:
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

    rows: list[tuple[int, int, int, float, float, int, int]] = []
    keys: list[str] = []
    g_tail: list[int] = []
    g_head: list[int] = []
    g_tau: list[int] = []
    g_key: list[str] = []
    g_street: list[str | None] = []
    junctions = net.junctions
    g_members: list[list[str]] = []
    g_departures: list[tuple[float, ...]] = []
    closed: list[str] = []
    last_change = 0
    for gi, ((u, v, tau), members) in enumerate(groups.items()):
        g_tail.append(u)
        g_head.append(v)
        g_tau.append(tau)
        g_key.append(members[0].arc.key)
        link = net.links[members[0].arc.link]
        g_street.append(link.name if {link.source, link.target} & junctions else None)
        g_members.append([m.arc.key for m in members])
        g_departures.append(tuple(sorted(d for m in members for d in m.arc.departures)))
        if len(members) == 1 and len(members[0].minutes) == 1 and not members[0].arc.scheduled:
            only = members[0]
            if only.open[0]:
                row = len(rows)  # one tier: the template is its span's first and last
                rows.append((gi, 0, _FOREVER, only.arc.capacity_per_hour, only.risk[0], row, row))
                keys.append(only.arc.key)
            elif only.arc.key not in closed:
                closed.append(only.arc.key)
            continue
        services = [_services(s.arc.departures, step) for s in members]
        bounds = sorted(
            {_ceil_div(m, step) for s in members for m in s.minutes}
            | {k + d for per in services for k in per for d in (0, 1)}
        )
        last_change = max(last_change, bounds[-1])
        ever_open = False
        for bi, b in enumerate(bounds):
            end = bounds[bi + 1] - 1 if bi + 1 < len(bounds) else _FOREVER
            states = [_state(s, services[j], b, step) + (j,) for j, s in enumerate(members)]
            open_caps = sorted((risk, j, cap) for is_open, risk, cap, j in states if is_open)
            ever_open = ever_open or bool(open_caps)
            first_row = len(rows)
            cum = 0.0
            i = 0
            while i < len(open_caps):
                risk, first = open_caps[i][0], open_caps[i][1]
                while i < len(open_caps) and open_caps[i][0] == risk:
                    cum += open_caps[i][2]
                    i += 1
                rows.append((gi, b, end, cum, risk, first_row, -1))
                keys.append(members[first].arc.key)
            for r in range(first_row, len(rows)):
                rows[r] = (*rows[r][:6], len(rows) - 1)
        if not ever_open:
            closed.extend(m.arc.key for m in members if m.arc.key not in closed)
    hazards = [h for per in place_hazards(net, threats).values() for h in per]
    scale = _risk_scale([*(r[4] for r in rows), *(h.per_hour for h in hazards), hazard])
    pieces, wait_change = _wait_pieces(hazards, index, step, scale)
    w = np.array(pieces, dtype=np.int64).reshape(-1, 4)
    k = np.array(rows, dtype=np.float64).reshape(-1, 7)
    return _Net(
        step=step,
        ids=ids,
        safe=is_safe,
        g_tail=np.array(g_tail, dtype=np.int64),
        g_head=np.array(g_head, dtype=np.int64),
        g_tau=np.array(g_tau, dtype=np.int64),
        g_key=g_key,
        g_street=g_street,
        g_members=g_members,
        g_departures=g_departures,
        k_group=k[:, 0].astype(np.int64),
        k_from=k[:, 1].astype(np.int64),
        k_to=k[:, 2].astype(np.int64),
        k_rate=np.array([r[3] for r in rows], dtype=np.float64),
        k_first=k[:, 5].astype(np.int64),
        k_last=k[:, 6].astype(np.int64),
        k_risk=np.array([r[4] for r in rows], dtype=np.float64),
        k_risk_int=np.rint(k[:, 4] * scale * 60).astype(np.int64),
        k_key=np.asarray(keys, dtype=object),
        risk_scale=scale * 60,
        last_change=max(last_change, wait_change),
        closed=closed,
        w_place=w[:, 0],
        w_from=w[:, 1],
        w_to=w[:, 2],
        w_cost=w[:, 3],
        p_rate=np.array([p.throughput_per_hour or 0.0 for p in net.places], dtype=np.float64),
        hazard=hazard,
        hazard_int=round(hazard * scale) * step,
    )


def _capacity_spans(net: _Net) -> list[list[tuple[int, int, float]]]:
    """Per link group, its ``(first step, last step, people per hour)`` spans (all tiers).

    A step's capacity within a span is :func:`_admits` of its rate.
    """
    spans: list[list[tuple[int, int, float]]] = [[] for _ in range(net.g_tail.size)]
    for k in net.span_firsts().tolist():
        spans[int(net.k_group[k])].append(
            (int(net.k_from[k]), int(net.k_to[k]), float(net.k_rate[net.k_last[k]]))
        )
    return spans


def _saturated(net: _Net, used: Mapping[tuple[int, int], int]) -> list[tuple[int, int, int]]:
    """(group, step, people) of the entries that fill a link group to its capacity then.

    A place whose throughput they fill is an entry ``(-1 - place, step, people)``.
    """
    spans = _capacity_spans(net)
    out = []
    leaving: dict[tuple[int, int], int] = {}
    gated = net.gated
    for (g, k), n in used.items():
        rate = next((r for a, b, r in spans[g] if a <= k <= b), 0.0)
        if n > 0 and n >= _admits(rate, net.step, k):
            out.append((g, k, n))
        u = int(net.g_tail[g])
        if gated and net.p_rate[u]:
            leaving[(u, k)] = leaving.get((u, k), 0) + n
    for (u, k), n in leaving.items():
        if n > 0 and n >= _admits(float(net.p_rate[u]), net.step, k):
            out.append((-1 - u, k, n))
    return out


def _risk_int_of(net: _Net, used: Mapping[tuple[int, int], int]) -> int:
    return round(_risk_of(net, used) * net.risk_scale)


def _risk_of(net: _Net, used: Mapping[tuple[int, int], int]) -> float:
    """Risk exposure of people entering groups at steps, the safest tier first."""
    if not net.risky or not used:
        return 0.0
    entries = np.array(list(used), dtype=np.int64).reshape(-1, 2)
    left = np.array(list(used.values()), dtype=np.int64)
    groups, steps = entries[:, 0], entries[:, 1]
    row = net.span_rows(groups, steps)
    last = np.where(row >= 0, net.k_last[np.maximum(row, 0)], -1)
    total = 0.0
    while True:
        live = (row >= 0) & (row <= last) & (left > 0)
        if not live.any():
            return total
        idx = np.flatnonzero(live)
        take = np.minimum(net.capacity(row[idx], steps[idx]), left[idx])
        total += float((take * net.k_risk[row[idx]]).sum())
        left[idx] -= take
        row[idx] += 1
