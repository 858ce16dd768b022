"""Last-out extraction: can a post's retained staff still get out, and how soon?

:func:`extraction` routes one party (a post's retained staff) from a place,
leaving at a minute, to the nearest safe place by earliest arrival, on the
network as its threats and windows make it over time, with the capacity
that a schedule already uses taken away (a busy :class:`EvacuationPlan`).
It reuses the repair's search over link capacity (:mod:`._repair`), so a
party wider than a link crosses it over several steps, as in every plan.
The contingency layer (:mod:`evacplan.contingency`) asks it at every stage
and every threat that touches a post's way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from evacplan._validate import suggest
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.routing._arrays import _ceil_div
from evacplan.routing._compile import _compile, _Net
from evacplan.routing._repair import _Room
from evacplan.routing.records import Movement, Stop


class _Busy(Protocol):
    """A schedule whose use of the links is taken away first (an EvacuationPlan's movements).

    A protocol, so that :mod:`.plan` may import this module (``quickest_curve``).
    """

    @property
    def movements(self) -> Sequence[Movement]: ...


@dataclass(frozen=True, slots=True)
class Extraction:
    """A party's earliest way from a place to safety, or why there is none.

    Examples
    --------
    >>> str(Extraction("embassy", 60, 4, 165, [Stop("embassy", 60, 60), Stop("haven", 165, 165)],
    ...                ["road"]))
    '4 people from embassy at minute 60: safe at haven by minute 165 (105 min)'
    """

    place: str
    minute: int
    """When the party leaves (the step on or after the minute asked)."""
    size: int
    arrival: int | None
    """When the last of them is safe; None when no way out exists."""
    itinerary: list[Stop]
    links: list[str]

    @property
    def minutes(self) -> int | None:
        """How long the way out takes, from leaving to safety (None: no way out)."""
        return None if self.arrival is None else self.arrival - self.minute

    @property
    def destination(self) -> str | None:
        return self.itinerary[-1].place if self.itinerary else None

    def __str__(self) -> str:
        who = f"{self.size} {'person' if self.size == 1 else 'people'}"
        if self.arrival is None:
            return f"{who} from {self.place} at minute {self.minute}: no way out"
        return (
            f"{who} from {self.place} at minute {self.minute}: safe at {self.destination} "
            f"by minute {self.arrival} ({self.minutes} min)"
        )


def extraction(
    network: Network | Scenario,
    place: str,
    size: int,
    minute: float,
    *,
    threats: Sequence[ThreatEvent] | None = None,
    step_minutes: int | None = None,
    busy: _Busy | None = None,
    horizon_minutes: float | None = None,
) -> Extraction:
    """The earliest way to safety for ``size`` people leaving ``place`` at ``minute``.

    Parameters
    ----------
    network
        A Network, or a Scenario (its network and, unless ``threats`` is
        given, its threats).
    place
        Where the party starts.
    size
        People in the party (never split; a party wider than a link crosses
        it over consecutive steps).
    minute
        When it leaves (rounded up to the next step).
    threats
        Threat events to apply (default: the scenario's own).
    step_minutes
        The time step (default: the scenario's, else 5).
    busy
        A schedule on the same network whose use of the links is taken away
        first: the party gets only the capacity it leaves free.
    horizon_minutes
        How far to search, in minutes after ``minute`` (default: two days
        past the last change of the network).

    Returns
    -------
    Extraction
        The itinerary and arrival, or no arrival when nothing gets out.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> way = extraction(tiny, "embassy", 2, 60)
    >>> way.minutes, [s.place for s in way.itinerary]
    (90, ['embassy', 'airport', 'haven'])
    """
    return Extractor(network, threats=threats, step_minutes=step_minutes, busy=busy)(
        place, size, minute, horizon_minutes=horizon_minutes
    )


class Extractor:
    """:func:`extraction` for many parties on one network and schedule, compiled once.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> ways = Extractor(load_scenario(seed_path("tiny")))
    >>> [ways("embassy", 2, minute).minutes for minute in (60, 200)]
    [90, 150]
    """

    def __init__(
        self,
        network: Network | Scenario,
        *,
        threats: Sequence[ThreatEvent] | None = None,
        step_minutes: int | None = None,
        busy: _Busy | None = None,
    ) -> None:
        if isinstance(network, Scenario):
            model = network.network
            events = tuple(network.planned_threats if threats is None else threats)
            step = step_minutes or network.step_minutes
        else:
            model, events, step = network, tuple(threats or ()), step_minutes or 5
        self.places = model.place_by_id
        self.step = step
        self.net = _compile(model, events, step, {p.id for p in model.safe_places()})
        self.room = _Room(self.net)
        self.used = _usage(self.net, busy) if busy is not None else {}
        self.index = {p: i for i, p in enumerate(self.net.ids)}

    def __call__(
        self, place: str, size: int, minute: float, *, horizon_minutes: float | None = None
    ) -> Extraction:
        """The earliest way out for ``size`` people leaving ``place`` at ``minute``."""
        if place not in self.places:
            raise ScenarioError(
                [Problem("place", f"{place!r} is not a place{suggest(place, self.places)}")],
                source="invalid arguments to extraction()",
            )
        net, step = self.net, self.step
        start = _ceil_div(float(minute), step)
        horizon = (
            _ceil_div(float(horizon_minutes), step)
            if horizon_minutes is not None
            else net.last_change + _ceil_div(2 * 24 * 60, step)
        )
        at = self.index[place]
        if net.safe[at]:
            here = Stop(place, start * step, start * step)
            return Extraction(place, start * step, size, start * step, [here], [])
        found = self.room.route(at, start, size, self.used, start + horizon)
        if found is None:
            return Extraction(place, start * step, size, None, [], [])
        legs, dest, arrive = found
        stops: list[Stop] = []
        links: list[str] = []
        reached = start
        for u, t, g, entries in legs:
            stops.append(Stop(net.ids[u], reached * step, t * step))
            links.append(str(net.leg_keys(np.array([g]), np.array([t]))[0]))
            last = entries[-1][0] if entries else t
            reached = last + int(net.g_tau[g])
        stops.append(Stop(net.ids[dest], arrive * step, arrive * step))
        return Extraction(place, start * step, size, arrive * step, stops, links)


def _usage(net: _Net, plan: _Busy) -> dict[tuple[int, int], int]:
    """People a plan sends into each link group at each step."""
    group: dict[tuple[int, int, str], int] = {}
    for g, keys in enumerate(net.g_members):
        for key in keys:
            group[(int(net.g_tail[g]), int(net.g_head[g]), key)] = g
    index = {p: i for i, p in enumerate(net.ids)}
    used: dict[tuple[int, int], int] = {}
    for m in plan.movements:
        for i, key in enumerate(m.links):
            here, there = m.itinerary[i], m.itinerary[i + 1]
            taken = group.get((index[here.place], index[there.place], key))
            if taken is None:
                continue  # a link of another step's grouping: not on this network
            for minute, n in m.spread.get(i, [(here.leave, m.count)]):
                k = minute // net.step
                used[(taken, k)] = used.get((taken, k), 0) + n
    return used
