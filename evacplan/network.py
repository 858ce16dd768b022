"""The road, air and sea network as a graph, and its state as threats unfold.

- :func:`to_graph`: a :class:`networkx.MultiDiGraph` of a network or scenario,
  one edge per direction of each link, with the link's attributes.
- :func:`state_at`: the same graph at a given minute, once link windows,
  threats and closures apply: closed links are gone, risks are raised.
- :func:`arc_schedules`: for solvers, each directed link's state as a
  piecewise-constant timeline of (open, risk), in minutes from the start.
- :func:`place_hazards`: the threats that make staying at a place risky
  (``risk_per_hour``), per place, with their windows in minutes.

Threat semantics: a threat is in force from ``at`` until ``until`` (or for
good). It touches a link named in its ``links``, every link with an end in
its ``places``, and every link with an end in one of its ``regions``. A link
it touches is closed (``closes: true``) and/or carries at least its ``risk``.
A threat with ``risk_per_hour`` makes staying at its places (and the places
of its regions) risky: a person there for h hours while it holds is exposed
to ``risk_per_hour * h``; several such threats at one place add up. Times
are taken to the whole minute.
A link is open from ``opens`` (if given) until ``closes`` (if given).

Examples
--------
>>> from evacplan.io import load_scenario, seed_path
>>> scenario = load_scenario(seed_path("tiny"))
>>> g = state_at(scenario, minute=12 * 60)
>>> g["embassy"]["airport"]["airport-road"]["risk"]
0.3
>>> g.has_edge("airport", "haven")     # the flight's window has closed
False
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from evacplan.models import Link, Mode, Network, Scenario, ThreatEvent

__all__ = [
    "Arc",
    "ArcSchedule",
    "PlaceHazard",
    "arc_schedules",
    "arcs",
    "place_hazards",
    "state_at",
    "to_graph",
]


@dataclass(frozen=True, slots=True)
class Arc:
    """One direction of a link, with its times resolved to minutes from the start."""

    link: int
    """Index of the link in ``network.links``."""
    key: str
    """The link's label (its id, or ``source->target``; ``#index`` added when two links share
    one), the edge key in graphs."""
    source: str
    target: str
    minutes: float
    capacity_per_hour: float
    risk: float
    mode: Mode
    opens: float | None
    closes: float | None
    departures: tuple[float, ...] = ()
    """A scheduled service's departure minutes (its ``capacity_per_hour`` is then 0)."""
    seats: int = 0
    """People each departure carries."""

    @property
    def scheduled(self) -> bool:
        """Whether the link carries people only at its departures."""
        return bool(self.departures)


@dataclass(frozen=True, slots=True)
class ArcSchedule:
    """A directed link's state over time: open or closed, and its risk, from each change point.

    ``minutes[i]`` is when the i-th state begins; it lasts until ``minutes[i + 1]``
    (the last for good). ``minutes[0]`` is always 0.
    """

    arc: Arc
    minutes: tuple[float, ...]
    open: tuple[bool, ...]
    risk: tuple[float, ...]

    def at(self, minute: float) -> tuple[bool, float]:
        """``(open, risk)`` at ``minute``.

        Examples
        --------
        >>> a = Arc(0, "x", "a", "b", 10, 60, 0.1, Mode.ROAD, None, 30)
        >>> s = ArcSchedule(a, (0, 30), (True, False), (0.1, 0.1))
        >>> s.at(29.9), s.at(30)
        ((True, 0.1), (False, 0.1))
        """
        i = max(0, bisect.bisect_right(self.minutes, minute) - 1)
        return self.open[i], self.risk[i]


def _network_and_threats(
    obj: Network | Scenario, threats: Iterable[ThreatEvent] | None
) -> tuple[Network, list[ThreatEvent]]:
    """The network of ``obj``, and the threats that apply: ``threats``, else a scenario's own."""
    if isinstance(obj, Scenario):
        return obj.network, list(obj.planned_threats if threats is None else threats)
    if isinstance(obj, Network):
        return obj, list(threats or ())
    raise TypeError(f"expected a Network or a Scenario, got {type(obj).__name__}")


def arcs(network: Network | Scenario) -> list[Arc]:
    """Every link of ``network`` as directed arcs (a two-way link gives two).

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> [a.key for a in arcs(load_scenario(seed_path("tiny")))][:3]
    ['residence-embassy', 'residence-embassy', 'airport-road']
    """
    net, _ = _network_and_threats(network, ())
    cached = _ARCS.get(id(net))
    if cached is not None and cached[0] is net:
        return list(cached[1])
    labels = Counter(link.label for link in net.links)
    out: list[Arc] = []
    for i, link in enumerate(net.links):
        key = link.label if labels[link.label] == 1 else f"{link.label}#{i}"
        opens = None if link.opens is None else net.minute(link.opens)
        closes = None if link.closes is None else net.minute(link.closes)
        departures = net.departures(link)
        ends = [(link.source, link.target)]
        if link.two_way:
            ends.append((link.target, link.source))
        for source, target in ends:
            out.append(
                Arc(
                    i,
                    key,
                    source,
                    target,
                    float(link.minutes),
                    float(link.capacity_per_hour or 0.0),
                    float(link.risk),
                    link.mode,
                    opens,
                    closes,
                    departures,
                    link.seats or 0,
                )
            )
    _ARCS[id(net)] = (net, tuple(out))
    while len(_ARCS) > 4:  # the networks of the last few calls (re-plans reuse one network)
        try:
            _ARCS.pop(next(iter(_ARCS)))
        except (KeyError, RuntimeError, StopIteration):  # another thread got there first
            break
    return out


_ARCS: dict[int, tuple[Network, tuple[Arc, ...]]] = {}
"""Arcs by network (frozen, so its arcs never change), the network kept so its id stays its own."""


@dataclass(frozen=True, slots=True)
class PlaceHazard:
    """Staying at ``place`` from minute ``start`` until ``end`` costs ``per_hour`` risk an hour."""

    place: str
    start: int
    end: float
    """A whole minute, or ``inf`` for a threat without ``until``."""
    per_hour: float
    threat: str

    def exposure(self, arrive: float, leave: float) -> float:
        """The risk of one person here from ``arrive`` until ``leave`` (minutes).

        Examples
        --------
        >>> PlaceHazard("airport", 60, math.inf, 0.01, "shelling").exposure(0, 90)
        0.005
        """
        overlap = min(leave, self.end) - max(arrive, self.start)
        return self.per_hour * overlap / 60 if overlap > 0 else 0.0


def place_hazards(
    network: Network | Scenario, threats: Sequence[ThreatEvent] | None = None
) -> dict[str, list[PlaceHazard]]:
    """Per place, the threats that make staying there risky (``risk_per_hour``).

    A threat's places and the places in its regions; its window from ``at``
    until ``until`` (or for good), to the whole minute.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.models import ThreatEvent
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> shelling = ThreatEvent(id="shelling", at=60, places=("airport",), risk_per_hour=0.01)
    >>> place_hazards(tiny, [shelling])
    {'airport': [PlaceHazard(place='airport', start=60, end=inf, per_hour=0.01, threat='shelling')]}
    """
    net, events = _network_and_threats(network, threats)
    out: dict[str, list[PlaceHazard]] = {}
    for t in events:
        if not t.risk_per_hour or t.closes:
            continue
        start = round(net.minute(t.at))
        end = math.inf if t.until is None else round(net.minute(t.until))
        for place in net.places:
            if place.id in t.places or (place.region is not None and place.region in t.regions):
                out.setdefault(place.id, []).append(
                    PlaceHazard(place.id, start, end, float(t.risk_per_hour), t.id)
                )
    return out


def _touches(threat: ThreatEvent, link: Link, regions: dict[str, str | None]) -> bool:
    if (link.id if link.id is not None else link.label) in threat.links:
        return True
    if threat.streets and not link.streets.isdisjoint(threat.streets):
        return True
    ends = (link.source, link.target)
    if any(end in threat.places for end in ends):
        return True
    return any(regions.get(end) in threat.regions for end in ends if regions.get(end) is not None)


def _touched_links(net: Network, threat: ThreatEvent, regions: dict[str, str | None]) -> set[int]:
    """Indices of the links ``threat`` touches (as :func:`_touches` judges each)."""
    if not threat.places and not threat.regions:
        named, streets = set(threat.links), set(threat.streets)
        return {
            i
            for i, link in enumerate(net.links)
            if (link.id if link.id is not None else link.label) in named
            or not link.streets.isdisjoint(streets)
        }
    return {i for i, link in enumerate(net.links) if _touches(threat, link, regions)}


def arc_schedules(
    network: Network | Scenario, threats: Sequence[ThreatEvent] | None = None
) -> list[ArcSchedule]:
    """Each directed link's (open, risk) timeline once windows and threats apply.

    Parameters
    ----------
    network
        A Network, or a Scenario (whose threats apply unless ``threats`` is given).
    threats
        Threat events to apply instead of the scenario's.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> road = arc_schedules(load_scenario(seed_path("tiny")))[2]
    >>> road.arc.key, road.minutes, road.open, road.risk
    ('airport-road', (0.0, 720.0, 2880.0), (True, True, False), (0.1, 0.3, 0.3))
    """
    net, events = _network_and_threats(network, threats)
    regions = {p.id: p.region for p in net.places}
    timed = [
        (t, net.minute(t.at), math.inf if t.until is None else net.minute(t.until)) for t in events
    ]
    touched = [_touched_links(net, t, regions) for t, _, _ in timed]
    out = []
    for arc in arcs(net):
        mine = [timed[i] for i, links in enumerate(touched) if arc.link in links]
        if not mine and arc.opens is None and arc.closes is None:
            out.append(ArcSchedule(arc, (0.0,), (True,), (arc.risk,)))  # open all along
            continue
        points = {0.0}
        points.update(p for p in (arc.opens, arc.closes) if p is not None)
        for _, a, u in mine:
            points.update(p for p in (a, u) if math.isfinite(p))
        minutes: list[float] = []
        opens: list[bool] = []
        risks: list[float] = []
        for m in sorted(p for p in points if p >= 0):
            is_open = (arc.opens is None or m >= arc.opens) and (
                arc.closes is None or m < arc.closes
            )
            risk = arc.risk
            for t, a, u in mine:
                if a <= m < u:
                    is_open = is_open and not t.closes
                    if t.risk is not None:
                        risk = max(risk, t.risk)
            if minutes and opens[-1] == is_open and risks[-1] == risk:
                continue
            minutes.append(m)
            opens.append(is_open)
            risks.append(risk)
        out.append(ArcSchedule(arc, tuple(minutes), tuple(opens), tuple(risks)))
    return out


def to_graph(network: Network | Scenario) -> nx.MultiDiGraph:
    """The network as a MultiDiGraph: places as nodes, each direction of each link as an edge.

    Nodes carry the place's attributes (``kind``, ``name``, ``region``,
    ``lat``, ``lon``, ``safe``, ``throughput_per_hour``); edges, keyed by the link's label, carry
    ``minutes``, ``capacity_per_hour`` (0 for a scheduled service),
    ``departures`` (minutes from the start; empty unless scheduled), ``seats``,
    ``risk``, ``mode``, ``opens``, ``closes`` (minutes from the start, or None)
    and ``link`` (its index).

    Examples
    --------
    >>> from evacplan.io import read_tntp, tntp_path
    >>> g = to_graph(read_tntp(tntp_path("SiouxFalls")))
    >>> g.number_of_nodes(), g.number_of_edges()
    (24, 76)
    """
    net, _ = _network_and_threats(network, ())
    graph = nx.MultiDiGraph(name=net.name or "")
    for place in net.places:
        graph.add_node(
            place.id,
            kind=str(place.kind),
            name=place.name,
            region=place.region,
            lat=place.lat,
            lon=place.lon,
            safe=place.is_safe,
            throughput_per_hour=place.throughput_per_hour,
        )
    for arc in arcs(net):
        graph.add_edge(arc.source, arc.target, key=arc.key, **_edge_attrs(arc, arc.risk))
    return graph


def _edge_attrs(arc: Arc, risk: float) -> dict[str, object]:
    return {
        "link": arc.link,
        "minutes": arc.minutes,
        "capacity_per_hour": arc.capacity_per_hour,
        "departures": arc.departures,
        "seats": arc.seats,
        "risk": risk,
        "mode": str(arc.mode),
        "opens": arc.opens,
        "closes": arc.closes,
    }


def state_at(
    network: Network | Scenario, minute: float, threats: Sequence[ThreatEvent] | None = None
) -> nx.MultiDiGraph:
    """The graph at ``minute``: only links open then, each with its risk then.

    Parameters
    ----------
    network
        A Network, or a Scenario whose threats apply unless ``threats`` is given.
    minute
        Minutes from the start.
    threats
        Threat events to apply instead of the scenario's.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> g = state_at(load_scenario(seed_path("tiny")), minute=48 * 60)
    >>> sorted(g.neighbors("embassy"))      # the airport has closed
    ['border', 'residence']
    """
    net, _ = _network_and_threats(network, ())
    graph = to_graph(net)
    graph.remove_edges_from(list(graph.edges(keys=True)))
    graph.graph["minute"] = minute
    for schedule in arc_schedules(network, threats):
        is_open, risk = schedule.at(minute)
        if is_open:
            arc = schedule.arc
            graph.add_edge(arc.source, arc.target, key=arc.key, **_edge_attrs(arc, risk))
    return graph
