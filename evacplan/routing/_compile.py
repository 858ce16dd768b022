"""Stage 1: a network and its threats compiled to integer arrays for one step length.

Takes a validated :class:`~evacplan.models.Network` with its threat events
(read through :func:`evacplan.network.arc_schedules`) and hands the later
stages a :class:`_Net`: link groups (parallel links of equal transit act as
one), and for each group its capacity-per-step and risk over spans of steps.
Every stage after this one works on these arrays, never on pydantic models.
Also here: the per-group capacity spans the repair and CCRP use, and the risk
exposure of a usage of the groups.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from evacplan.models import Network, ThreatEvent
from evacplan.network import ArcSchedule, arc_schedules
from evacplan.routing._arrays import _EPS, _FOREVER, _ceil_div


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

    def peak_capacity(self) -> np.ndarray:
        """Per group, the most people it admits in any one step (its tiers summed)."""
        key = self.k_group * (_FOREVER + 1) + self.k_from
        keys, inv = np.unique(key, return_inverse=True)
        span_cap = np.bincount(inv, weights=self.k_cap).astype(np.int64)
        group_cap = np.zeros(self.g_tail.size, dtype=np.int64)
        np.maximum.at(group_cap, keys // (_FOREVER + 1), span_cap)
        return group_cap

    def group_segments(self, g: int) -> list[tuple[int, int, int]]:
        """``(from, to, capacity)`` spans of group ``g`` (tiers summed)."""
        rows = np.flatnonzero(self.k_group == g)
        spans: dict[tuple[int, int], int] = defaultdict(int)
        for k in rows.tolist():
            spans[(int(self.k_from[k]), int(self.k_to[k]))] += int(self.k_cap[k])
        return sorted((a, b, c) for (a, b), c in spans.items())


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
