"""An independent time-expanded-network solver: the reference of the differential fuzzer.

Written apart from evacplan's solver on purpose, from the rules of
docs/routing.md alone, with OR-Tools' plain max flow and min-cost flow and no
code of ``evacplan.routing``: ``tests/routing/fuzz.py`` builds random small
cases, plans them with :func:`evacplan.routing.evacuate` and compares the
answers with this network's. Beside the networkx references of
``reference.py`` (hand-sized networks, exact fractions), it covers what
random cases need: two-way links, a place's throughput, scheduled services,
link windows, threats, releases and deadlines off the step boundaries, and
priority tiers.

A case is plain JSON-friendly data (:data:`Case`)::

    step: int
    hazard: float                      # hazard_per_hour
    places: [{"id", "kind", "region"?, "safe"?, "throughput_per_hour"?}]
    links: [{"id", "source", "target", "minutes", "risk",
             "capacity_per_hour"? | "departures": [minutes] and "seats",
             "two_way"?, "opens"?, "closes"?}]
    threats: [{"id", "at", "until"?, "places" | "links" | "regions",
               "risk"?, "risk_per_hour"?, "closes"?}]
    supply: {place: count}             # plain counts, released at minute 0
    parties: [[id, size, place, release_minute, priority]]   # or parties of one

How this network reads docs/routing.md:

* a link's state (open, risk) for the step from minute k*s is its state at
  minute k*s ("a link open at a step's first minute is open for that step");
* a link of m minutes takes ``max(1, ceil(m / s))`` steps; a two-way link is
  two directed links, each with the whole capacity;
* parallel directed links with the same ends and transit steps admit what one
  link of their open hourly rates summed admits, ``A((k+1)s) - A(ks)`` with
  ``A(t) = floor(c t / 60 + 1e-9)``, plus the seats of every departure d of an
  open service with ``floor(d / s) == k`` (the generator gives such links one
  risk, so which of them people take costs nothing);
* a place with a throughput (not safe) is split into its queue and its way
  out, joined at step k by an arc of the same rule's capacity; every link
  leaves from the way out;
* a source released at minute r is at its place from step ``ceil(r / s)``;
  its hours not yet safe count from r, its waiting risk from that step;
* waiting at a place through step k costs ``risk_per_hour`` times the
  minutes of the step inside each threat on it (its places or regions);
* a safe place absorbs everyone: an arc to the sink at each step, priced by
  the arrival minute.

:func:`replay` reads a plan's movements by the same rules, leg by leg.

Every risk in a case is a multiple of 0.01, every ``risk_per_hour`` and
hazard a multiple of 0.006 and every time a whole minute, so every cost is a
whole number of :data:`UNIT` and the flows are exact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ortools.graph.python import max_flow, min_cost_flow

Case = dict[str, Any]
"""A case as plain data: the module docstring lists its keys."""

UNIT = 1e-4
"""Every cost of a case is a whole number of these (risk, waiting risk, hazard a minute)."""


Node = tuple[Any, ...] | str


def admitted(per_hour: float, minute: int) -> int:
    """People a rate of ``per_hour`` admits by ``minute`` of the scenario (docs/routing.md)."""
    return math.floor(per_hour * minute / 60 + 1e-9)


def units(value: float) -> int:
    """``value`` in whole :data:`UNIT` (cases are built so that nothing is rounded)."""
    return round(value / UNIT)


def is_safe(place: dict[str, Any]) -> bool:
    """A safe haven (unless ``safe: false``) or a place marked ``safe: true``."""
    if place.get("safe") is not None:
        return bool(place["safe"])
    return place["kind"] == "safe_haven"


class Source(NamedTuple):
    """People released together: where, from which step, how many, when, which tier."""

    place: str
    step: int
    people: int
    release: int
    tier: int


class Arc(NamedTuple):
    """An arc of the network: capacity, risk in units, and the arrival minute at safety."""

    tail: Node
    head: Node
    capacity: int
    risk: int
    arrival: int | None


class Optimum(NamedTuple):
    """A least-cost flow's figures, in whole units and minutes."""

    people: int
    risk_units: int
    harm_units: int
    arrivals: int
    egress: int | None

    @property
    def risk(self) -> float:
        """Risk exposure."""
        return self.risk_units * UNIT

    @property
    def harm(self) -> float:
        """Risk exposure plus the hazard of the hours not yet safe."""
        return self.harm_units * UNIT


@dataclass
class Replay:
    """A plan's movements read by the reference: what breaks a rule, and its figures."""

    problems: list[str] = field(default_factory=list)
    risk: float = 0.0
    harm: float = 0.0
    arrivals: int = 0


class TEN:
    """The time-expanded network of a case, expanded afresh to each horizon asked for.

    Parameters
    ----------
    case
        The case (:data:`Case`).

    Examples
    --------
    >>> ten = TEN({"step": 5, "hazard": 0.06, "supply": {"a": 10}, "threats": [],
    ...     "places": [{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}],
    ...     "links": [{"id": "r", "source": "a", "target": "h", "minutes": 10,
    ...                "capacity_per_hour": 10}]})
    >>> ten.least_horizon(10, 0, 100) * 5  # ten by minute 65 (docs/routing.md)
    65
    """

    def __init__(self, case: Case) -> None:
        self.case = case
        self.step = step = int(case["step"])
        self.places = [p["id"] for p in case["places"]]
        self.safe = {p["id"] for p in case["places"] if is_safe(p)}
        self.gates = {
            p["id"]: p["throughput_per_hour"]
            for p in case["places"]
            if p.get("throughput_per_hour") and not is_safe(p)
        }
        self.region = {p["id"]: p.get("region") for p in case["places"]}
        self.threats: list[dict[str, Any]] = case.get("threats", [])
        self.hazard = units(case.get("hazard", 0.06) / 60)  # units a minute
        if "parties" in case:
            self.sources = [
                Source(place, math.ceil(release / step), size, release, priority)
                for (_id, size, place, release, priority) in case["parties"]
            ]
        else:
            self.sources = [Source(p, 0, n, 0, 0) for p, n in case["supply"].items()]
        self.total = sum(s.people for s in self.sources)
        self.tiers = sorted({s.tier for s in self.sources})
        self.groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        for link in case["links"]:
            tau = max(1, math.ceil(link["minutes"] / step - 1e-9))
            service = link.get("departures") is not None
            ends = [(link["source"], link["target"])]
            if link.get("two_way", not service):
                ends.append((link["target"], link["source"]))
            for u, v in ends:
                self.groups.setdefault((u, v, tau), []).append(link)
        self._rooms: dict[tuple[str, str, int, int], tuple[int, int]] = {}
        self._waits: dict[tuple[str, int], int] = {}
        self._reach: dict[int, tuple[int, int]] = {}
        self._flows: dict[tuple[int, tuple[tuple[int, int], ...] | None], int] = {}
        self._arcs: tuple[int, list[Arc]] = (-1, [])
        self._optima: dict[tuple[Any, ...], Optimum | None] = {}

    # -- states at a minute -------------------------------------------------------------

    def _touches(self, threat: dict[str, Any], places: tuple[str, ...]) -> bool:
        regions = threat.get("regions", ())
        return any(
            p in threat.get("places", ()) or (self.region.get(p) or "\0") in regions for p in places
        )

    def _threats_on(self, link: dict[str, Any], minute: int) -> list[dict[str, Any]]:
        return [
            t
            for t in self.threats
            if t["at"] <= minute
            and (t.get("until") is None or minute < t["until"])
            and (
                link["id"] in t.get("links", ())
                or self._touches(t, (link["source"], link["target"]))
            )
        ]

    def link_open(self, link: dict[str, Any], minute: int) -> bool:
        """Whether ``link`` admits people entering at ``minute`` (its window, closing threats)."""
        if link.get("opens") is not None and minute < link["opens"]:
            return False
        if link.get("closes") is not None and minute >= link["closes"]:
            return False
        return not any(t.get("closes") for t in self._threats_on(link, minute))

    def link_risk(self, link: dict[str, Any], minute: int) -> float:
        """The risk of entering ``link`` at ``minute``: its own, raised by threats holding."""
        risks = [t["risk"] for t in self._threats_on(link, minute) if t.get("risk") is not None]
        return max([link.get("risk", 0.0), *risks])

    def waiting_risk(self, place: str, begin: int, end: int) -> float:
        """``risk_per_hour`` of the threats on ``place`` over minutes ``begin`` to ``end``."""
        total = 0.0
        for t in self.threats:
            if not t.get("risk_per_hour") or t.get("closes") or not self._touches(t, (place,)):
                continue
            until = end if t.get("until") is None else t["until"]
            overlap = min(end, until) - max(begin, t["at"])
            if overlap > 0:
                total += t["risk_per_hour"] * overlap / 60
        return total

    def room(self, links: list[dict[str, Any]], k: int) -> tuple[int, int]:
        """(people admitted, risk in units) of parallel directed ``links`` in step ``k``."""
        begin, end = k * self.step, (k + 1) * self.step
        usable = [lk for lk in links if self.link_open(lk, begin)]
        if not usable:
            return 0, 0
        rate = sum(lk.get("capacity_per_hour") or 0 for lk in usable)
        seats = sum(
            lk["seats"] * sum(1 for d in lk["departures"] if math.floor(d / self.step) == k)
            for lk in usable
            if lk.get("departures") is not None
        )
        risks = {units(self.link_risk(lk, begin)) for lk in usable}
        assert len(risks) == 1, "the generator gives parallel links one risk"
        return admitted(rate, end) - admitted(rate, begin) + seats, risks.pop()

    def gate_room(self, place: str, k: int) -> int:
        """People who may leave ``place`` (a throughput) in step ``k``."""
        rate = self.gates[place]
        return admitted(rate, (k + 1) * self.step) - admitted(rate, k * self.step)

    # -- the network to a horizon -------------------------------------------------------

    def arcs(self, horizon: int) -> list[Arc]:
        """The arcs of the network whose arrivals are at steps up to ``horizon``."""
        if self._arcs[0] != horizon:
            self._arcs = horizon, self._expand(horizon)
        return self._arcs[1]

    def _expand(self, horizon: int) -> list[Arc]:
        s, everyone = self.step, self.total  # waits and arrivals: room for everyone
        out = []
        for v in self.places:
            if v in self.safe:
                out += [Arc((v, k), "T", everyone, 0, k * s) for k in range(horizon + 1)]
                continue
            out += [
                Arc(
                    (v, k),
                    (v, k + 1),
                    everyone,
                    self._wait(v, k),
                    None,
                )
                for k in range(horizon)
            ]
            if v in self.gates:
                for k in range(horizon + 1):
                    if (room := self.gate_room(v, k)) > 0:
                        out.append(Arc((v, k), ("OUT", v, k), room, 0, None))
        for (u, v, tau), links in self.groups.items():
            if u in self.safe:
                continue  # leaving a safe place never helps
            for k in range(horizon - tau + 1):
                if (u, v, tau, k) not in self._rooms:
                    self._rooms[(u, v, tau, k)] = self.room(links, k)
                room, risk = self._rooms[(u, v, tau, k)]
                if room > 0:
                    tail = ("OUT", u, k) if u in self.gates else (u, k)
                    out.append(Arc(tail, (v, k + tau), room, risk, None))
        return out

    def _wait(self, place: str, k: int) -> int:
        """Units of risk one person takes waiting at ``place`` through step ``k`` (cached)."""
        if (place, k) not in self._waits:
            minute = k * self.step
            self._waits[(place, k)] = units(self.waiting_risk(place, minute, minute + self.step))
        return self._waits[(place, k)]

    def _sources(
        self, horizon: int, caps: dict[int, int] | None
    ) -> list[tuple[Source | None, Arc]]:
        """The arcs from the source through each tier to each release (free of cost)."""
        out: list[tuple[Source | None, Arc]] = []
        for tier in self.tiers:
            cap = sum(s.people for s in self.sources if s.tier == tier)
            cap = cap if caps is None else caps.get(tier, 0)
            out.append((None, Arc("S", ("TIER", tier), cap, 0, None)))
        for src in self.sources:
            if src.step <= horizon:
                head = "T" if src.place in self.safe else (src.place, src.step)
                out.append((src, Arc(("TIER", src.tier), head, src.people, 0, None)))
        return out

    def max_flow(self, horizon: int, caps: dict[int, int] | None = None) -> int:
        """The most people safe by step ``horizon`` (at most ``caps`` of each tier)."""
        key = (horizon, None if caps is None else tuple(sorted(caps.items())))
        if horizon < 0:
            return 0
        if key in self._flows:
            return self._flows[key]
        arcs = self.arcs(horizon) + [arc for _, arc in self._sources(horizon, caps)]
        index: dict[Node, int] = {"S": 0, "T": 1}
        solver = max_flow.SimpleMaxFlow()
        for arc in arcs:
            tail = index.setdefault(arc.tail, len(index))
            head = index.setdefault(arc.head, len(index))
            solver.add_arc_with_capacity(tail, head, arc.capacity)
        assert solver.solve(0, 1) == solver.OPTIMAL
        self._flows[key] = int(solver.optimal_flow())
        return self._flows[key]

    def tier_max(self, horizon: int) -> dict[int, int]:
        """The most people of each tier safe by step ``horizon``, tier by tier."""
        caps: dict[int, int] = {}
        got = 0
        for tier in self.tiers:
            caps[tier] = sum(s.people for s in self.sources if s.tier == tier)
            flow = self.max_flow(horizon, caps)
            caps[tier], got = flow - got, flow
        return caps

    def least_horizon(
        self, people: int, low: int, high: int, caps: dict[int, int] | None = None
    ) -> int:
        """The least step in ``[low, high]`` by which ``people`` can be safe (bisection)."""
        while low < high:
            mid = (low + high) // 2
            if self.max_flow(mid, caps) >= people:
                high = mid
            else:
                low = mid + 1
        return low

    def reachable(self, settled: int) -> tuple[int, int]:
        """(people who can ever be safe, a horizon that carries them all).

        ``settled`` is a step after which nothing changes (windows, threats,
        departures, releases). From there on the network repeats itself, so
        when a stretch longer than any way to safety and any rate's period
        carries nobody more, nobody more can ever be carried.
        """
        stretch = (
            12 * len(self.places)
            + sum(tau for _, _, tau in self.groups)
            + 12
            + sum(math.ceil(60 / g) for g in self.gates.values())
        )
        horizon = max(settled, 1)
        while settled not in self._reach:
            now = self.max_flow(horizon)
            if now == self.max_flow(horizon + stretch):
                self._reach[settled] = now, horizon
            horizon += stretch
        return self._reach[settled]

    def min_cost(
        self, horizon: int, people: int, first: str, caps: dict[int, int] | None = None
    ) -> Optimum | None:
        """The least ``first`` (``"risk"`` or ``"harm"``), then the least sum of arrival
        minutes, over flows of ``people`` safe by step ``horizon``; None if there is none.

        Both figures are one weighted cost: the weight on ``first`` is more than
        any flow's arrival sum, so the order is exact.
        """
        key = (horizon, people, first, None if caps is None else tuple(sorted(caps.items())))
        if key not in self._optima:
            self._optima[key] = self._min_cost(horizon, people, first, caps)
        return self._optima[key]

    def _min_cost(
        self, horizon: int, people: int, first: str, caps: dict[int, int] | None
    ) -> Optimum | None:
        arcs = self.arcs(horizon)
        sources = self._sources(horizon, caps)
        weight = people * horizon * self.step + 1
        hazard = self.hazard if first == "harm" else 0
        solver = min_cost_flow.SimpleMinCostFlow()
        index: dict[Node, int] = {"S": 0, "T": 1}
        for arc in arcs:
            minute = arc.arrival or 0
            solver.add_arc_with_capacity_and_unit_cost(
                index.setdefault(arc.tail, len(index)),
                index.setdefault(arc.head, len(index)),
                arc.capacity,
                (arc.risk + hazard * minute) * weight + minute,
            )
        for src, arc in sources:
            # Hours not yet safe count from the release (none for people already safe).
            release = 0 if src is None or src.place in self.safe else src.release
            solver.add_arc_with_capacity_and_unit_cost(
                index.setdefault(arc.tail, len(index)),
                index.setdefault(arc.head, len(index)),
                arc.capacity,
                -hazard * release * weight,
            )
        solver.set_node_supply(0, people)
        solver.set_node_supply(1, -people)
        status = solver.solve()
        if status == solver.INFEASIBLE:
            return None
        assert status == solver.OPTIMAL, f"min-cost flow status {status}"
        flows = [solver.flow(i) for i in range(len(arcs) + len(sources))]
        risk = sum(f * a.risk for f, a in zip(flows, arcs, strict=False))
        arrivals = sum(f * (a.arrival or 0) for f, a in zip(flows, arcs, strict=False))
        released = sum(
            f * src.release
            for f, (src, _) in zip(flows[len(arcs) :], sources, strict=True)
            if src is not None and src.place not in self.safe
        )
        last = [a.arrival for f, a in zip(flows, arcs, strict=False) if f and a.arrival is not None]
        return Optimum(
            people=people,
            risk_units=risk,
            harm_units=risk + self.hazard * (arrivals - released),
            arrivals=arrivals,
            egress=max(last, default=None),
        )


def replay(ten: TEN, movements: Iterable[Any]) -> Replay:
    """A plan's ``movements`` (evacplan's ``Movement`` records, read as plain data) checked
    leg by leg against ``ten``'s windows, rooms and gates, with its figures summed.

    Each leg must leave at a step boundary by a link that runs that way, arrive
    after the link's transit, find the link open and, with every other leg
    entering the same links in the same step, find room; the last stop must be
    safe. A movement carries its parties' people, each party in one movement.
    A leg it crosses over several steps (``Movement.spread``) is entered by all
    of them, once each, from the stop's minute on, in order, each entry on a
    step, open and in room, and reaches the next stop with its last people
    (docs/routing.md, "People"); each person waits at a place from their own
    arrival until they leave, and is safe when the party's last stop says.
    """
    s = ten.step
    links = {lk["id"]: lk for lk in ten.case["links"]}
    parties = {p[0]: p for p in ten.case.get("parties", ())}
    used: Counter[tuple[str, str, int, int]] = Counter()
    left: Counter[tuple[str, int]] = Counter()
    seen: Counter[str] = Counter()
    out = Replay()
    hours = 0.0
    for m in movements:
        stops = m.itinerary
        come = [(stops[0].arrive, m.count)]
        for i, (here, there) in enumerate(zip(stops, stops[1:], strict=False)):
            link = links[m.links[i]]
            tau = max(1, math.ceil(link["minutes"] / s - 1e-9))
            way = (here.place, there.place, tau)
            entries = [tuple(e) for e in m.spread.get(i, [(here.leave, m.count)])]
            out.problems += _entries_problems(link, here.leave, m.count, entries)
            if link not in (group := ten.groups.get(way, [link])):
                out.problems.append(f"{link['id']} entered {way} at minute {here.leave}")
            if there.arrive != entries[-1][0] + tau * s:
                out.problems.append(f"{link['id']} left at {entries[-1][0]}, in at {there.arrive}")
            for minute, n in entries:  # parallel links act as one: one of them open
                k = minute // s
                if minute % s or not any(ten.link_open(lk, k * s) for lk in group):
                    out.problems.append(
                        f"{link['id']} entered at minute {minute}, closed or off step"
                    )
                used[(*way, k)] += n
                if here.place in ten.gates:
                    left[(here.place, k)] += n
                out.risk += n * ten.link_risk(link, k * s)
            out.risk += _waited(ten, here.place, come, entries)
            come = [(minute + tau * s, n) for minute, n in entries]
        if stops[-1].place not in ten.safe:
            out.problems.append(f"ends at {stops[-1].place}, not safe")
        out.arrivals += m.count * stops[-1].arrive
        seen.update(m.parties)
        starts = [(p[1], p[3]) for p in map(parties.get, m.parties) if p] if parties else []
        if parties and sum(n for n, _ in starts) != m.count:
            out.problems.append(f"parties {m.parties} moved as {m.count} people")
        starts = starts or [(m.count, 0)]
        hours += sum(n * (stops[-1].arrive - r) for n, r in starts) / 60
    out.problems += [f"party {pid} split over {n} movements" for pid, n in seen.items() if n > 1]
    for (u, v, tau, k), n in used.items():
        if n > (room := ten.room(ten.groups.get((u, v, tau), []), k)[0]):
            out.problems.append(f"{u}->{v} (transit {tau}) step {k}: {n} entered, room {room}")
    for (u, k), n in left.items():
        if n > ten.gate_room(u, k):
            out.problems.append(f"gate {u} step {k}: {n} left, room {ten.gate_room(u, k)}")
    out.harm = out.risk + ten.case.get("hazard", 0.06) * hours
    return out


def _entries_problems(
    link: dict[str, Any], leave: int, count: int, entries: list[tuple[int, int]]
) -> list[str]:
    """What is wrong with the entries of a leg: all ``count`` people, once each, from the
    stop's minute ``leave`` on, in order."""
    minutes = [minute for minute, _ in entries]
    if (
        sum(n for _, n in entries) != count
        or minutes[0] != leave
        or any(n <= 0 for _, n in entries)
        or any(b <= a for a, b in zip(minutes, minutes[1:], strict=False))
    ):
        return [f"{link['id']}: {count} people leaving at {leave} enter as {entries}"]
    return []


def _waited(ten: TEN, place: str, come: list[tuple[int, int]], go: list[tuple[int, int]]) -> float:
    """The waiting risk at ``place`` of people coming as ``come`` and going as ``go``
    (``[(minute, people)]``): each person's, from their own arrival until they leave."""
    events = sorted([(t, n) for t, n in come] + [(t, -n) for t, n in go])
    total, there = 0.0, 0
    for (t, n), (later, _) in zip(events, events[1:], strict=False):
        there += n
        if there > 0 and later > t:
            total += there * ten.waiting_risk(place, t, later)
    return total
