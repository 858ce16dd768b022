"""A plan's movements as columns: NumPy arrays, with a :class:`Movement` built on demand.

:class:`Movements` is what :attr:`EvacuationPlan.movements
<evacplan.routing.plan.EvacuationPlan.movements>` holds when
:func:`~evacplan.routing.evacuate` made the plan: a sequence of
:class:`~evacplan.routing.records.Movement` (index it, take its length,
iterate, compare it with a list) whose records are made only when asked
for, over a few flat arrays that hold them all. A million people on a city's
roads make some 400,000 movements and millions of stops; as arrays they
take a few hundred megabytes instead of gigabytes of Python objects.

The columns are public and documented, for code that reads every movement:
:mod:`._movements` builds them, the independent check (:mod:`._replay`)
reads them, and so may a planner's own analysis (pandas, NumPy). A list of
records made by hand becomes columns through :meth:`Movements.of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from evacplan.results import Party
from evacplan.routing.records import Movement, Stop

__all__ = ["Movements", "hours_not_safe"]


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """``[0, s0, s0 + s1, ...]``: where each run of ``sizes`` starts, and the end."""
    out = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out


@dataclass(frozen=True, eq=False)
class Movements(Sequence[Movement]):
    """Movements as columns: one row per movement, per stop, per leg, per party, per spread entry.

    Movement ``i`` has stops ``stop_start[i]`` to ``stop_start[i + 1]`` (its
    last is the arrival at safety), legs ``leg_start[i]`` to
    ``leg_start[i + 1]`` (one fewer than its stops: leg ``j`` goes from stop
    ``j`` to stop ``j + 1``), and parties ``party_start[i]`` to
    ``party_start[i + 1]`` (sorted by id; none for plain supply). Places,
    links and parties are indices into the name tables ``place_names``,
    ``link_names`` and ``party_names``. A leg crossed over several steps
    (:attr:`Movement.spread`) is listed in ``spread_leg`` (global leg
    indices, ascending), its entries ``spread_start[k]`` to
    ``spread_start[k + 1]`` of ``spread_minute`` and ``spread_people``.

    Examples
    --------
    >>> from evacplan.routing.records import Movement, Stop
    >>> ms = Movements.of([Movement(3, [Stop("a", 0, 5), Stop("b", 15, 15)], links=["a-b"])])
    >>> len(ms), ms.people.tolist(), ms.arrival_minute.tolist()
    (1, [3], [15])
    >>> print(ms[0])
    3 people: a@0-5 (waits 5 min) -> b@15
    >>> ms == [Movement(3, [Stop("a", 0, 5), Stop("b", 15, 15)], links=["a-b"])]
    True
    """

    place_names: tuple[str, ...]
    """The places' ids; ``stop_place`` indexes them."""
    link_names: tuple[str, ...]
    """The links' keys (a name may repeat); ``leg_link`` indexes them."""
    party_names: tuple[str, ...]
    """The parties' ids; ``party`` indexes them."""
    people: np.ndarray
    """Per movement, how many people (:attr:`Movement.count`)."""
    stop_start: np.ndarray
    """Per movement and one more, where its stops start (the last entry: how many stops)."""
    stop_place: np.ndarray
    """Per stop, its place."""
    stop_arrive: np.ndarray
    """Per stop, the minute people are there (the release on a first stop)."""
    stop_leave: np.ndarray
    """Per stop, the minute they leave (on a last stop, the arrival at safety)."""
    leg_start: np.ndarray
    """Per movement and one more, where its legs start."""
    leg_link: np.ndarray
    """Per leg, the link taken."""
    party_start: np.ndarray
    """Per movement and one more, where its parties start."""
    party: np.ndarray
    """The movements' parties, movement by movement."""
    spread_leg: np.ndarray
    """The legs crossed over several steps (global leg indices, ascending)."""
    spread_start: np.ndarray
    """Per spread leg and one more, where its entries start."""
    spread_minute: np.ndarray
    """Per entry, the minute its people enter the link."""
    spread_people: np.ndarray
    """Per entry, how many people enter then."""

    # ----------------------------------------------------------------- building

    @classmethod
    def of(cls, movements: Iterable[Movement]) -> Movements:
        """Columns of ``movements`` (records made by hand, or another sequence).

        Minutes that are not all whole numbers are kept as they are (floats),
        so that a check can still see them.
        """
        if isinstance(movements, Movements):
            return movements
        ms = list(movements)
        places: dict[str, int] = {}
        links: dict[str, int] = {}
        parties: dict[str, int] = {}
        stops = [s for m in ms for s in m.itinerary]
        arrive = [s.arrive for s in stops]
        leave = [s.leave for s in stops]
        exact = all(type(x) is int for x in arrive + leave)
        leg_start = _offsets(np.array([len(m.links) for m in ms], dtype=np.int64))
        spread = [
            (leg_start[k] + i, m.spread[i]) for k, m in enumerate(ms) for i in sorted(m.spread)
        ]
        entries = [e for _, es in spread for e in es]
        places_of = [places.setdefault(s.place, len(places)) for s in stops]
        links_of = [links.setdefault(key, len(links)) for m in ms for key in m.links]
        parties_of = [parties.setdefault(p, len(parties)) for m in ms for p in m.parties]
        return cls(
            place_names=tuple(places),
            link_names=tuple(links),
            party_names=tuple(parties),
            people=np.array([m.count for m in ms], dtype=np.int64),
            stop_start=_offsets(np.array([len(m.itinerary) for m in ms], dtype=np.int64)),
            stop_place=np.array(places_of, dtype=np.int64),
            stop_arrive=np.array(arrive, dtype=np.int64 if exact else np.float64),
            stop_leave=np.array(leave, dtype=np.int64 if exact else np.float64),
            leg_start=leg_start,
            leg_link=np.array(links_of, dtype=np.int64),
            party_start=_offsets(np.array([len(m.parties) for m in ms], dtype=np.int64)),
            party=np.array(parties_of, dtype=np.int64),
            spread_leg=np.array([leg for leg, _ in spread], dtype=np.int64),
            spread_start=_offsets(np.array([len(es) for _, es in spread], dtype=np.int64)),
            spread_minute=np.array([t for t, _ in entries], dtype=np.int64),
            spread_people=np.array([n for _, n in entries], dtype=np.int64),
        )

    # ---------------------------------------------------------- per movement

    @property
    def departure_minute(self) -> np.ndarray:
        """Per movement, when it leaves its source (:attr:`Movement.departure_minute`)."""
        return self.stop_leave[self.stop_start[:-1]]

    @property
    def arrival_minute(self) -> np.ndarray:
        """Per movement, when it reaches safety (:attr:`Movement.arrival_minute`)."""
        return self.stop_leave[self.stop_start[1:] - 1]

    @property
    def source(self) -> np.ndarray:
        """Per movement, the place it starts from (an index into ``place_names``)."""
        return self.stop_place[self.stop_start[:-1]]

    @property
    def destination(self) -> np.ndarray:
        """Per movement, the safe place it reaches (an index into ``place_names``)."""
        return self.stop_place[self.stop_start[1:] - 1]

    def routes(self) -> list[str]:
        """Per movement, its stops and links: ``"a -[road]-> b -[flight]-> h"``.

        Examples
        --------
        >>> from evacplan.routing.records import Movement, Stop
        >>> m = Movement(2, [Stop("a", 0, 0), Stop("b", 9, 9), Stop("h", 20, 20)], links=["ab", "bh"])
        >>> Movements.of([m, m]).routes()
        ['a -[ab]-> b -[bh]-> h', 'a -[ab]-> b -[bh]-> h']
        """
        places, links = self.place_names, self.link_names
        stop_place, stop_start = self.stop_place.tolist(), self.stop_start.tolist()
        leg_link, leg_start = self.leg_link.tolist(), self.leg_start.tolist()
        written: dict[tuple[tuple[int, ...], tuple[int, ...]], str] = {}
        out = []
        for i in range(len(self)):
            way = (
                tuple(stop_place[stop_start[i] : stop_start[i + 1]]),
                tuple(leg_link[leg_start[i] : leg_start[i + 1]]),
            )
            if way not in written:  # (movements share few routes: each is written once)
                stops, legs = way
                written[way] = places[stops[0]] + "".join(
                    f" -[{links[k]}]-> {places[p]}" for k, p in zip(legs, stops[1:], strict=True)
                )
            out.append(written[way])
        return out

    # --------------------------------------------------------------- per leg

    @property
    def leg_movement(self) -> np.ndarray:
        """Per leg, its movement."""
        return np.repeat(np.arange(len(self)), np.diff(self.leg_start))

    @property
    def leg_stop(self) -> np.ndarray:
        """Per leg, the stop it leaves from (the next stop is where it arrives).

        Examples
        --------
        >>> from evacplan.routing.records import Movement, Stop
        >>> a = Movement(2, [Stop("a", 0, 0), Stop("b", 9, 9), Stop("h", 20, 20)], links=["ab", "bh"])
        >>> b = Movement(1, [Stop("b", 0, 3), Stop("h", 14, 14)], links=["bh"])
        >>> ms = Movements.of([a, b])
        >>> ms.leg_movement.tolist(), ms.leg_stop.tolist()
        ([0, 0, 1], [0, 1, 3])
        """
        owner = self.leg_movement
        return self.stop_start[owner] + (np.arange(self.leg_link.size) - self.leg_start[owner])

    # -------------------------------------------------------------- sequence

    def spread_waits(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The waits of a party's members while it crosses a leg over several steps, beyond
        their stops' own: ``(movement, place, from minute, to minute, people)``.

        A member entering the link after the stop's minute waits at the stop's
        place until then; one arriving before the last waits at the far place
        until the party's arrival (the next stop's minute; not at the last stop,
        which is safety). Waits of no time are left out.

        Examples
        --------
        >>> from evacplan.routing.records import Movement, Stop
        >>> m = Movement(3, [Stop("a", 0, 0), Stop("b", 20, 30), Stop("h", 40, 40)],
        ...              links=["ab", "bh"], spread={0: [(0, 2), (10, 1)]})
        >>> [c.tolist() for c in Movements.of([m]).spread_waits()]
        [[0, 0], [0, 1], [0, 10], [10, 20], [1, 2]]
        """
        legs = self.spread_leg.astype(np.int64)
        owner = np.searchsorted(self.leg_start, legs, side="right") - 1
        near = self.stop_start[owner] + (legs - self.leg_start[owner])
        entry = np.repeat(np.arange(legs.size), np.diff(self.spread_start))
        minute, people = self.spread_minute.astype(np.int64), self.spread_people
        arrive = self.stop_arrive[near + 1]
        transit = arrive - minute[self.spread_start[1:] - 1]  # the last to enter arrives then
        at_far = (near + 1 < self.stop_start[owner + 1] - 1)[entry]
        columns = (
            np.concatenate([owner[entry], owner[entry][at_far]]),
            np.concatenate(
                [self.stop_place[near][entry], self.stop_place[near + 1][entry][at_far]]
            ),
            np.concatenate([self.stop_leave[near][entry], (minute + transit[entry])[at_far]]),
            np.concatenate([minute, arrive[entry][at_far]]),
            np.concatenate([people, people[at_far]]),
        )
        waits = columns[3] > columns[2]
        return tuple(c[waits] for c in columns)  # type: ignore[return-value]

    def __len__(self) -> int:
        return int(self.people.size)

    @overload
    def __getitem__(self, i: int) -> Movement: ...

    @overload
    def __getitem__(self, i: slice) -> list[Movement]: ...

    def __getitem__(self, i: int | slice) -> Movement | list[Movement]:
        if isinstance(i, slice):
            return [self._record(k) for k in range(*i.indices(len(self)))]
        n = len(self)
        k = i + n if i < 0 else i
        if not 0 <= k < n:
            raise IndexError(f"movement {i} of {n}")
        return self._record(k)

    def __iter__(self) -> Iterator[Movement]:
        return (self._record(k) for k in range(len(self)))

    def _record(self, i: int) -> Movement:
        """Movement ``i`` as a record."""
        a, b = int(self.stop_start[i]), int(self.stop_start[i + 1])
        names = self.place_names
        stops = [
            Stop(names[p], arrive, leave)
            for p, arrive, leave in zip(
                self.stop_place[a:b].tolist(),
                self.stop_arrive[a:b].tolist(),
                self.stop_leave[a:b].tolist(),
                strict=True,
            )
        ]
        la, lb = int(self.leg_start[i]), int(self.leg_start[i + 1])
        links = [self.link_names[k] for k in self.leg_link[la:lb].tolist()]
        pa, pb = int(self.party_start[i]), int(self.party_start[i + 1])
        parties = [self.party_names[k] for k in self.party[pa:pb].tolist()]
        spread: dict[int, list[tuple[int, int]]] = {}
        first, last = np.searchsorted(self.spread_leg, [la, lb]).tolist()
        for k in range(first, last):
            ea, eb = int(self.spread_start[k]), int(self.spread_start[k + 1])
            spread[int(self.spread_leg[k]) - la] = list(
                zip(
                    self.spread_minute[ea:eb].tolist(),
                    self.spread_people[ea:eb].tolist(),
                    strict=True,
                )
            )
        return Movement(int(self.people[i]), stops, parties, links, spread)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Movements: {len(self)} movements, {int(self.people.sum())} people>"

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)


def hours_not_safe(movements: Sequence[Movement], parties: Iterable[Party]) -> float:
    """Person-hours from each person's release to their arrival at safety (plain counts are
    released at minute 0; people who start safe count none)."""
    ms = Movements.of(movements)
    release = {p.id: (p.size, float(p.release_minute)) for p in parties}
    size = np.array([release.get(n, (0, 0.0))[0] for n in ms.party_names] or [0], dtype=np.float64)
    at = np.array([release.get(n, (0, 0.0))[1] for n in ms.party_names] or [0], dtype=np.float64)
    arrival = ms.arrival_minute
    n_parties = np.diff(ms.party_start)
    owner = np.repeat(np.arange(len(ms)), n_parties)
    minutes = float((ms.people * arrival)[n_parties == 0].sum())
    minutes += float(np.maximum(0.0, arrival[owner] - at[ms.party]) @ size[ms.party])
    return minutes / 60
