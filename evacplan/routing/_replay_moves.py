"""The replay's side of the movements: stops, legs and parties checked, all movements at once.

Part of the independent check behind ``verify()`` (:mod:`._replay`), written
apart from the solver: it reads the plan's public movements as columns
(:class:`~evacplan.routing.columns.Movements`; a list of records is turned
into columns first) and the network's links through :mod:`._replay_links`.
:func:`_check_movements` reports every broken rule of each movement (in
movement order, as one would find them one by one) and adds the movements to
the :class:`_Tally`: the people entering each link group and leaving each
place at each minute, plain counts by place, how often each party moves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from evacplan.models import Network, Place, ThreatEvent
from evacplan.results import Party, Status
from evacplan.routing._arrays import _EPS
from evacplan.routing._replay_links import _Links
from evacplan.routing.columns import Movements
from evacplan.routing.records import Movement, RouteViolation, Stop, Stranded


class _Replayable(Protocol):
    """What the replay reads of a plan (an :class:`~evacplan.routing.plan.EvacuationPlan`)."""

    status: Status
    objective: str
    step_minutes: int
    movements: Any  # a sequence of Movement: Movements, or a list made by hand
    egress_minutes: int | None
    lower_bound_minutes: int | None
    risk_exposure: float
    hazard_per_hour: float
    harm: float
    hours_not_safe: float
    stranded: list[Stranded]
    standing_down: list[str]
    supply: dict[str, int]
    parties: tuple[Party, ...]
    safe: tuple[str, ...]
    deadline_minutes: float | None
    _network: Network | None
    _threats: tuple[ThreatEvent, ...]
    _households: dict[str, tuple[int, int]]


_Found = tuple[int, int, int, int, str, str]
"""A broken rule of a movement: (movement, check, part, entry) to order it, rule, message."""


@dataclass(slots=True)
class _Tally:
    """The replay's state: what it reads once of the plan, and what it sums as it goes.

    The movements add the people entering link group ``enter_group`` at
    ``enter_minute`` (``enter_people``), leaving place ``leave_place`` (an
    index into ``ms.place_names``) at ``leave_minute`` (``leave_people``),
    ``plain_from`` (plain counts moved or stranded, by place) and
    ``party_seen`` (how often each party is moved, stranded or standing
    down); the checks after them read these sums.
    """

    plan: _Replayable
    net: Network
    step: int
    places: dict[str, Place]
    safe: set[str]
    parties: dict[str, Party]
    links: _Links
    ms: Movements
    found: list[RouteViolation] = field(default_factory=list)
    enter_group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    enter_minute: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    enter_people: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    leave_place: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    leave_minute: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    leave_people: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    plain_from: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    party_seen: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    last_arrival: int | None = None
    risk: float = 0.0
    """The risk exposure replayed so far: links entered, then waits."""

    def bad(self, rule: str, message: str) -> None:
        """Record a broken ``rule``."""
        self.found.append(RouteViolation(rule, message))


@dataclass(slots=True)
class _Shape:
    """Where each stop, leg and party of the columns belongs: its movement and position."""

    n_stops: np.ndarray
    n_legs: np.ndarray
    valid: np.ndarray
    """Movements with stops and one link fewer than stops (the others are checked no further)."""
    stop_of: np.ndarray
    stop_pos: np.ndarray
    leg_of: np.ndarray
    leg_pos: np.ndarray
    party_of: np.ndarray
    first: np.ndarray
    last: np.ndarray

    @classmethod
    def of(cls, ms: Movements) -> _Shape:
        n_stops, n_legs = np.diff(ms.stop_start), np.diff(ms.leg_start)
        index = np.arange(len(ms), dtype=np.int32)  # (a stop's movement and place in it:
        stop_of = np.repeat(index, n_stops)  # 32 bits hold them, and halve millions of stops)
        leg_of = np.repeat(index, n_legs)
        return cls(
            n_stops=n_stops,
            n_legs=n_legs,
            valid=(n_stops > 0) & (n_legs == n_stops - 1),
            stop_of=stop_of,
            stop_pos=(np.arange(stop_of.size) - ms.stop_start[stop_of]).astype(np.int32),
            leg_of=leg_of,
            leg_pos=(np.arange(leg_of.size) - ms.leg_start[leg_of]).astype(np.int32),
            party_of=np.repeat(np.arange(len(ms)), np.diff(ms.party_start)),
            first=ms.stop_start[:-1],
            last=np.maximum(ms.stop_start[1:] - 1, 0),
        )


def _check_movements(t: _Tally) -> None:
    """Check every movement: its stops, legs, deadline and parties; add them to the sums.

    A movement without stops, or with a link count that does not fit them,
    is reported and checked no further.
    """
    ms, sh = t.ms, _Shape.of(t.ms)
    found: list[_Found] = []
    words = _Words(ms, sh)
    for mi in np.flatnonzero(ms.people <= 0).tolist():
        found.append(
            (mi, 0, 0, 0, "accounted", f"{words(mi)}: count {ms.people[mi]} is not positive")
        )
    for mi in np.flatnonzero(~sh.valid).tolist():
        said = (
            "empty itinerary"
            if not sh.n_stops[mi]
            else f"{sh.n_legs[mi]} links for {sh.n_stops[mi]} stops"
        )
        found.append((mi, 1, 0, 0, "route", f"{words(mi)}: {said}"))
    found += _stop_problems(t, sh, words)
    found += _leg_problems(t, sh, words)
    valid = np.flatnonzero(sh.valid)
    arrival = ms.stop_leave[sh.last[valid]]
    if valid.size:
        t.last_arrival = arrival.max().item()
    deadline = t.plan.deadline_minutes
    if deadline is not None:
        for mi, at in zip(*(x[arrival > deadline].tolist() for x in (valid, arrival)), strict=True):
            found.append(
                (
                    mi,
                    7,
                    0,
                    0,
                    "deadline",
                    f"{words(mi)}: arrives at minute {at}, after the deadline "
                    f"(minute {deadline:g}); people who cannot make it are stranded",
                )
            )
    found += _party_problems(t, sh, words)
    found.sort(key=lambda f: f[:4])
    t.found += [RouteViolation(rule, message) for *_, rule, message in found]


class _Words:
    """How a movement is named in messages: ``movement 3 (12 from kbl)``."""

    def __init__(self, ms: Movements, sh: _Shape) -> None:
        self.ms, self.sh = ms, sh

    def __call__(self, mi: int) -> str:
        ms = self.ms
        source = ms.place_names[ms.stop_place[self.sh.first[mi]]] if self.sh.n_stops[mi] else "?"
        return f"movement {mi} ({ms.people[mi]} from {source})"


def _released(t: _Tally, sh: _Shape) -> np.ndarray:
    """Per movement, the latest release of its known parties (0 without any)."""
    ms = t.ms
    release = np.array(
        [t.parties[p].release_minute if p in t.parties else 0 for p in ms.party_names] or [0],
        dtype=np.float64,
    )
    out = np.zeros(len(ms), dtype=np.float64)
    np.maximum.at(out, sh.party_of, release[ms.party])
    return out


def _stop_problems(t: _Tally, sh: _Shape, words: _Words) -> list[_Found]:
    """The ``route`` rule at each stop: a place, on a step, left no earlier than reached.

    No stop before the last is safe (safe places absorb); the last is safe
    and left when reached; the first is reached at the movement's release.
    """
    ms, step = t.ms, t.step
    names = ms.place_names
    is_place = np.array([p in t.places for p in names] + [False])
    is_safe = np.array([p in t.safe for p in names] + [False])
    stops = _where(sh.valid[sh.stop_of])
    owner, pos, place = sh.stop_of[stops], sh.stop_pos[stops], ms.stop_place[stops]
    arrive, leave = ms.stop_arrive[stops], ms.stop_leave[stops]
    last = pos == sh.n_stops[owner] - 1
    out: list[_Found] = []

    def add(mask: np.ndarray, kind: int, said: Any) -> None:
        for k in np.flatnonzero(mask).tolist():
            mi, i = int(owner[k]), int(pos[k])
            out.append((mi, 2, i, kind, "route", f"{words(mi)}: {said(k, i)}"))

    add(~is_place[place], 0, lambda k, i: f"stop {i} {names[place[k]]!r} is not a place")
    for kind, what, minute in ((1, "arrives", arrive), (2, "leaves", leave)):
        add(
            minute % step != 0,
            kind,
            lambda k, i, what=what, minute=minute: (
                f"stop {i} {what} at minute {minute[k].item()}, not on a {step}-minute step"
            ),
        )
    add(
        leave < arrive,
        3,
        lambda k, i: (
            f"stop {i} ({names[place[k]]}) leaves at minute {leave[k].item()}, before it "
            f"arrives at minute {arrive[k].item()}"
        ),
    )
    add(
        ~last & is_safe[place],
        4,
        lambda k, i: f"passes through safe place {names[place[k]]} (safe places absorb)",
    )
    add(last & ~is_safe[place], 5, lambda k, i: f"ends at {names[place[k]]}, which is not safe")
    add(
        last & (leave != arrive),
        6,
        lambda k, i: (
            "the last stop's arrival and departure differ "
            f"({Stop(names[place[k]], arrive[k].item(), leave[k].item())})"
        ),
    )
    released = _released(t, sh)
    due = np.ceil(released[owner] / step - _EPS) * step
    add(
        (pos == 0) & (sh.n_stops[owner] > 1) & (arrive != due),
        7,
        lambda k, i: (
            f"the first stop says it is at {names[place[k]]} from minute "
            f"{arrive[k].item()}, but its release is minute {released[owner[k]]:g}"
        ),
    )
    # Stops before the last stop their movement's first checks (as when read in order).
    return [(mi, 2 if kind < 5 else kind - 2, i, kind, r, m) for mi, _, i, kind, r, m in out]


def _leg_problems(t: _Tally, sh: _Shape, words: _Words) -> list[_Found]:
    """The ``route`` rule on each leg; its people added to the sums.

    A leg follows a link between its stops, is entered on steps while open
    (over several steps only as the movement's spread says, each person
    once), and reaches the next stop when its last people arrive.
    """
    ms, links, step = t.ms, t.links, t.step
    legs = np.flatnonzero(sh.valid[sh.leg_of])
    owner, pos = sh.leg_of[legs], sh.leg_pos[legs]
    here = ms.stop_start[owner] + pos
    group = _groups(t, ms.leg_link[legs], ms.stop_place[here], ms.stop_place[here + 1])
    out: list[_Found] = []
    for k in np.flatnonzero(group < 0).tolist():
        mi, i, h = int(owner[k]), int(pos[k]), int(here[k])
        key, names = ms.link_names[ms.leg_link[legs[k]]], ms.place_names
        out.append(
            (
                mi,
                6,
                i,
                0,
                "route",
                f"{words(mi)}: no link {key!r} from {names[ms.stop_place[h]]} "
                f"to {names[ms.stop_place[h + 1]]}",
            )
        )
    found = _where(group >= 0)
    legs, owner, pos, here, group = (x[found] for x in (legs, owner, pos, here, group))
    entry_leg, minute, people, spread_bad = _entries(t, legs, owner, here)
    for k in spread_bad:
        out.append(_spread_words(t, words, legs, owner, pos, here, k))
    e_owner, e_pos, e_group = owner[entry_leg], pos[entry_leg], group[entry_leg]
    link = ms.leg_link[legs[entry_leg]]
    for k in np.flatnonzero(minute % step != 0).tolist():
        mi = int(e_owner[k])
        said = f"enters {ms.link_names[link[k]]} at minute {minute[k].item()}, not on a step"
        out.append((mi, 6, int(e_pos[k]), 2 + 2 * k, "route", f"{words(mi)}: {said}"))
    is_open = np.zeros(minute.size, dtype=bool)
    by_group = np.argsort(e_group, kind="stable")
    cuts = np.flatnonzero(np.diff(e_group[by_group])) + 1
    for at in np.split(by_group, cuts) if by_group.size else ():
        is_open[at] = links.open_at(int(e_group[at[0]]), minute[at])
    for k in np.flatnonzero(~is_open).tolist():
        mi = int(e_owner[k])
        closed = "link" if len(links.members[e_group[k]]) == 1 else "every parallel link of"
        said = f"{closed} {ms.link_names[link[k]]} is closed at minute {minute[k].item()}"
        out.append((mi, 6, int(e_pos[k]), 3 + 2 * k, "route", f"{words(mi)}: {said}"))
    t.enter_group, t.enter_minute, t.enter_people = e_group, minute, people
    t.leave_place, t.leave_minute = ms.stop_place[here[entry_leg]], minute
    t.leave_people = people
    # The party goes on when the last arrives.
    steps = np.array([s for _, _, s in links.groups] + [0], dtype=np.int64)[group]
    has = np.zeros(legs.size, dtype=bool)
    has[entry_leg] = True
    last_minute = np.zeros(legs.size, dtype=minute.dtype)
    last_minute[entry_leg] = minute  # entries are in order: the last one stays
    reach = last_minute + steps * step
    late = has & (ms.stop_arrive[here + 1] != reach)
    for k in np.flatnonzero(late).tolist():
        mi, h = int(owner[k]), int(here[k])
        names = ms.place_names
        out.append(
            (
                mi,
                6,
                int(pos[k]),
                1 << 40,
                "route",
                f"{words(mi)}: leaving {names[ms.stop_place[h]]} at minute "
                f"{last_minute[k].item()} by {ms.link_names[ms.leg_link[legs[k]]]} "
                f"({steps[k]} steps) arrives at minute {reach[k].item()}, "
                f"not at {ms.stop_arrive[h + 1].item()}",
            )
        )
    return out


def _where(mask: np.ndarray) -> slice | np.ndarray:
    """The entries ``mask`` holds, to index with: all of them as a slice (views, not copies:
    a million people's plan has millions of stops), else their positions."""
    return slice(None) if mask.all() else np.flatnonzero(mask)


def _groups(t: _Tally, link: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per leg (link, from, to as indices of the columns' names), its link group (-1: none)."""
    out = np.full(link.size, -1, dtype=np.int64)
    if not link.size:
        return out
    ms = t.ms
    n_places = len(ms.place_names) + 1
    code = (link.astype(np.int64) * n_places + u) * n_places + v  # one number per triple
    uniq, inv = np.unique(code, return_inverse=True)
    triples = zip(
        (uniq // (n_places * n_places)).tolist(),
        (uniq // n_places % n_places).tolist(),
        (uniq % n_places).tolist(),
        strict=True,
    )
    found = [
        t.links.leg_of.get((ms.link_names[a], ms.place_names[b], ms.place_names[c]), -1)
        for a, b, c in triples
    ]
    return np.array(found, dtype=np.int64)[inv.ravel()]


def _entries(
    t: _Tally, legs: np.ndarray, owner: np.ndarray, here: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Who enters each leg when: (leg, minute, people) in order, and the legs whose spread
    is not all of the movement's people, once each, from the stop's minute on.

    A leg not spread is entered by everyone at the stop's minute.
    """
    ms = t.ms
    at = np.searchsorted(ms.spread_leg, legs)
    spread = (at < ms.spread_leg.size) & (
        ms.spread_leg[np.minimum(at, max(ms.spread_leg.size - 1, 0))] == legs
        if ms.spread_leg.size
        else np.zeros(legs.size, dtype=bool)
    )
    plain = np.flatnonzero(~spread)
    e_leg = [plain]
    e_minute = [ms.stop_leave[here[plain]]]
    e_people = [ms.people[owner[plain]]]
    bad: list[int] = []
    for k in np.flatnonzero(spread).tolist():
        a, b = int(ms.spread_start[at[k]]), int(ms.spread_start[at[k] + 1])
        minutes, people = ms.spread_minute[a:b], ms.spread_people[a:b]
        if (
            people.sum() != ms.people[owner[k]]
            or not minutes.size
            or minutes[0] != ms.stop_leave[here[k]]
            or (people <= 0).any()
            or (np.diff(minutes) <= 0).any()
        ):
            bad.append(k)
        e_leg.append(np.full(b - a, k, dtype=np.int64))
        e_minute.append(minutes.astype(ms.stop_leave.dtype))
        e_people.append(people)
    if len(e_leg) == 1:  # nobody spread: one entry per leg, in order
        return plain, e_minute[0], e_people[0], bad
    leg = np.concatenate(e_leg)
    order = np.argsort(leg, kind="stable")
    return leg[order], np.concatenate(e_minute)[order], np.concatenate(e_people)[order], bad


def _spread_words(
    t: _Tally,
    words: _Words,
    legs: np.ndarray,
    owner: np.ndarray,
    pos: np.ndarray,
    here: np.ndarray,
    k: int,
) -> _Found:
    """The broken ``route`` rule of leg ``k``'s spread, in words."""
    ms = t.ms
    mi = int(owner[k])
    m: Movement = ms[mi]
    i = int(pos[k])
    return (
        mi,
        6,
        i,
        1,
        "route",
        f"{words(mi)}: the {m.count} crossing {m.links[i]} over several steps enter as "
        f"{m.spread[i]}: not all of them, once each, from minute "
        f"{ms.stop_leave[here[k]].item()} on",
    )


def _party_problems(t: _Tally, sh: _Shape, words: _Words) -> list[_Found]:
    """The ``accounted`` rule for the movements' parties: known, from the movement's source,
    released, whole; plain counts and the parties seen added to the sums."""
    ms = t.ms
    names = ms.place_names
    valid = sh.valid
    source = ms.stop_place[sh.first]
    departure = ms.stop_leave[sh.first]
    plain = np.flatnonzero(valid & (np.diff(ms.party_start) == 0))
    by_place = np.bincount(source[plain], weights=ms.people[plain], minlength=len(names))
    for q in np.flatnonzero(by_place).tolist():
        t.plain_from[names[q]] += int(by_place[q])
    out: list[_Found] = []
    sizes = {pid: p.size for pid, p in t.parties.items()}
    size = np.zeros(len(ms), dtype=np.int64)
    for j, (mi, k) in enumerate(zip(sh.party_of.tolist(), ms.party.tolist(), strict=True)):
        if not valid[mi]:
            continue
        pid = ms.party_names[k]
        t.party_seen[pid] += 1
        p = t.parties.get(pid)
        if p is None:
            out.append((mi, 8, j, 0, "accounted", f"{words(mi)}: unknown party {pid!r}"))
            continue
        size[mi] += sizes[pid]
        where = names[source[mi]]
        if p.location != where:
            said = f"party {pid} is at {p.location}, not {where}"
            out.append((mi, 8, j, 1, "accounted", f"{words(mi)}: {said}"))
        if departure[mi] < p.release_minute and where not in t.safe:
            said = (
                f"party {pid} leaves at minute {departure[mi].item()}, before its release at "
                f"{p.release_minute}"
            )
            out.append((mi, 8, j, 2, "accounted", f"{words(mi)}: {said}"))
    split = valid & (np.diff(ms.party_start) > 0) & (size != ms.people)
    for mi in np.flatnonzero(split).tolist():
        a, b = ms.party_start[mi], ms.party_start[mi + 1]
        listed = [ms.party_names[k] for k in ms.party[a:b].tolist()]
        out.append(
            (
                mi,
                9,
                0,
                0,
                "accounted",
                f"{words(mi)}: parties {listed} are {size[mi]} people, not "
                f"{ms.people[mi]} (parties are never split)",
            )
        )
    return out
