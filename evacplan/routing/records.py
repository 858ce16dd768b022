"""The records an evacuation plan is made of: stops, movements, stranded people, bottlenecks.

Plain frozen data, with no solver behind them: :mod:`._movements` and
:mod:`._evacuate` build them, :class:`~evacplan.routing.plan.EvacuationPlan`
holds them, :mod:`._replay` checks them, and plots and reports read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from evacplan._time import _plural, clock

__all__ = ["Bottleneck", "Movement", "RouteViolation", "Stop", "Stranded", "wait_words"]


class Stop(NamedTuple):
    """A place on an itinerary: the minute people are there and the minute they leave.

    On the first stop, ``arrive`` is the party's release (when it may move); on
    the last, both are the arrival at a safe place. ``leave - arrive`` is a
    wait at the place. ``minute`` is ``leave``, the name of old.

    Examples
    --------
    >>> stop = Stop("airport", 30, 600)
    >>> stop.wait, stop.minute
    (570, 600)
    >>> str(stop)
    'airport@30-600 (waits 9 h 30)'
    """

    place: str
    arrive: int
    leave: int

    @property
    def minute(self) -> int:
        """When people leave (on the last stop, the arrival at safety)."""
        return self.leave

    @property
    def wait(self) -> int:
        """Minutes spent waiting here."""
        return self.leave - self.arrive

    def __str__(self) -> str:
        if not self.wait:
            return f"{self.place}@{self.leave}"
        return f"{self.place}@{self.arrive}-{self.leave} ({wait_words(self.wait)})"


def wait_words(minutes: float) -> str:
    """A wait in words: ``'waits 45 min'``, ``'waits 9 h 30'``, ``'waits 2 h'``.

    Examples
    --------
    >>> wait_words(45), wait_words(570), wait_words(120)
    ('waits 45 min', 'waits 9 h 30', 'waits 2 h')
    """
    h, m = divmod(int(round(minutes)), 60)
    if not h:
        return f"waits {m} min"
    return f"waits {h} h" + (f" {m:02d}" if m else "")


@dataclass(frozen=True, slots=True)
class Movement:
    """People who travel together along one itinerary.

    Examples
    --------
    >>> m = Movement(3, [Stop("a", 0, 0), Stop("b", 10, 10)], parties=["cap-02"], links=["a-b"])
    >>> m.source, m.destination, m.departure_minute, m.arrival_minute
    ('a', 'b', 0, 10)
    >>> print(m)
    3 people (cap-02): a@0 -> b@10
    """

    count: int
    """How many people."""
    itinerary: list[Stop]
    """Where they are, from when, and when they leave; the last stop is their arrival at a
    safe place."""
    parties: list[str] = field(default_factory=list)
    """The ids of the parties moving together (empty for plain supply)."""
    links: list[str] = field(default_factory=list)
    """The link taken on each leg (``len(itinerary) - 1`` keys, as in
    :func:`evacplan.network.arcs`); parallel links with equal transit act as one."""
    spread: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    """Legs a party crosses over several steps, by leg index: ``[(minute, people), ...]``,
    the members entering the link at each minute (the first at the stop's minute).

    People cross a link together, at one step. A party larger than the link
    ever admits in one step is not stranded by it: its members enter as the
    link has room, over consecutive steps, and the party goes on together from
    the far end once the last has arrived (the next stop's minute). Legs not
    listed are entered by everyone at the stop's minute.
    """

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
        return self.itinerary[0].leave

    @property
    def arrival_minute(self) -> int:
        """When it reaches safety."""
        return self.itinerary[-1].leave

    def __str__(self) -> str:
        who = _plural(self.count, "person", "people")
        if self.parties:
            shown = ", ".join(self.parties[:4]) + (", ..." if len(self.parties) > 4 else "")
            who += f" ({shown})"
        return f"{who}: " + " -> ".join(str(s) for s in self.itinerary)


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
        who = _plural(self.count, "person", "people")
        if self.parties:
            who += f" ({', '.join(self.parties)})"
        return f"{who} at {self.place}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """A link, a scheduled service or a place whose capacity limits how quickly everyone gets out.

    For ``quickest``, the arcs of a minimum cut of the network expanded to one
    step before the egress time: together they admit fewer people than must
    cross, which is why nobody can finish sooner. ``minutes`` are the entry
    minutes at which the link is in the cut; more capacity then would help.
    ``kind`` says what limits: ``"link"`` (people an hour), ``"service"`` (a
    scheduled link: ``minutes`` are its departures, ``capacity`` their seats)
    or ``"place"`` (a place's ``throughput_per_hour``: ``link``, ``source``
    and ``target`` are the place).

    Examples
    --------
    >>> str(Bottleneck("a-b", "a", "b", 30, (0, 5, 10)))
    'a-b (a -> b): 30 people in 3 steps, minutes 0-10'
    >>> str(Bottleneck("rch-1", "kbl", "bzn", 400, (125, 485), kind="service"))
    'rch-1 (kbl -> bzn): 400 seats on 2 departures, at minutes 125, 485'
    >>> str(Bottleneck("abbey-gate", "abbey-gate", "abbey-gate", 60, (0, 15), kind="place"))
    'abbey-gate (throughput): 60 people in 2 steps, minutes 0-15'
    """

    link: str
    source: str
    target: str
    capacity: int
    """People the link (or service, or place) admits over those minutes."""
    minutes: tuple[int, ...]
    kind: str = "link"

    def __str__(self) -> str:
        return self.words()

    def words(self, start: datetime | None = None) -> str:
        """In words, its minutes as clock times from ``start`` when it is given.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> b = Bottleneck("a-b", "a", "b", 30, (0, 5, 10))
        >>> b.words(datetime(2020, 1, 3, 6, 0, tzinfo=timezone.utc))
        'a-b (a -> b): 30 people in 3 steps, Fri 3 Jan 06:00 +00:00 to 06:10'
        """

        def at(m: float) -> str:
            return clock(start, m) if start is not None else f"{m:g}"

        if self.kind == "service":
            shown = ", ".join(at(m) for m in self.minutes[:6])
            more = f" and {len(self.minutes) - 6} more" if len(self.minutes) > 6 else ""
            plural = "s" if len(self.minutes) > 1 else ""
            return (
                f"{self.link} ({self.source} -> {self.target}): "
                f"{_plural(self.capacity, 'seat')} on {_plural(len(self.minutes), 'departure')}, "
                + (f"at {shown}{more}" if start is not None else f"at minute{plural} {shown}{more}")
            )
        first, last = self.minutes[0], self.minutes[-1]
        if start is not None:
            end = clock(start, last)
            day, hour, _ = end.rsplit(" ", 2)
            same_day = day == clock(start, first).rsplit(" ", 2)[0]
            span = at(first) + (
                "" if len(self.minutes) == 1 else f" to {hour if same_day else end}"
            )
        else:
            span = f"minute {first}" if len(self.minutes) == 1 else f"minutes {first}-{last}"
        steps = len(self.minutes)
        what = (
            f"{self.link} (throughput)"
            if self.kind == "place"
            else f"{self.link} ({self.source} -> {self.target})"
        )
        return (
            f"{what}: {_plural(self.capacity, 'person', 'people')} in "
            f"{_plural(steps, 'step')}, {span}"
        )


@dataclass(frozen=True, slots=True)
class RouteViolation:
    """A rule an evacuation plan breaks, found by :meth:`EvacuationPlan.verify`."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"
