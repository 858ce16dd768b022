"""Stage 5, its end: the sweep's histories unrolled into the columns of the plan's movements.

Takes the parcels that reached safety (:func:`._movements._sweep`, repaired
by :mod:`._repair`, or the whole-party MIP's, :mod:`._parties`) and the
shared :class:`~._movements._Histories` of their legs; :func:`_movements`
merges parcels with the same itinerary, unrolls the histories for all of
them at once (pointer jumping), turns round trips into waits, and hands
:mod:`._evacuate` (and :mod:`._settle`, which scores drafts) the
:class:`~evacplan.routing.columns.Movements` of the plan: NumPy columns, no
record per movement or stop. :func:`_waiting_units` prices their waits.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evacplan.routing._arrays import _FOREVER, _excl_cumsum, _ramp
from evacplan.routing._compile import _Net
from evacplan.routing._movements import _Histories, _Parcel
from evacplan.routing.columns import Movements, _offsets


def _waiting_units(net: _Net, movements: Movements) -> int:
    """Risk units of the time people spend at threatened places (``risk_per_hour``).

    From each stop's arrival (the release, on the first) to its departure; the
    last stop is safety, where nobody waits. Members of a party crossing a leg
    over several steps wait besides for their entry and for the last to arrive
    (:meth:`Movements.spread_waits`).
    """
    if not net.w_cost.size or not len(movements):
        return 0
    owner, _ = _ramp(np.diff(movements.stop_start))
    waits = movements.stop_leave > movements.stop_arrive
    waits[movements.stop_start[1:] - 1] = False  # the last stop: safe, nobody waits
    s = net.step
    _, place, start, end, people = movements.spread_waits()
    place = np.concatenate([movements.stop_place[waits], place])
    first = np.concatenate([movements.stop_arrive[waits], start]) // s
    last = np.concatenate([movements.stop_leave[waits], end]) // s - 1
    count = np.concatenate([movements.people[owner[waits]], people])
    if not place.size:
        return 0
    return int((net.wait_cost(place, first, last) * count).sum())


@dataclass(slots=True)
class _Rows:
    """Parcels that reached safety, merged: one row per (history, safe place, step, kind, release).

    Arrays of one entry per row: ``head`` the history's last entry, ``place``
    and ``step`` the arrival at safety, ``party`` 1 for parties and 0 for
    plain supply, ``release`` the release step, ``count`` the people; and one
    entry per party that reached safety: ``member`` the party, ``member_row``
    its row.
    """

    head: np.ndarray
    place: np.ndarray
    step: np.ndarray
    party: np.ndarray
    release: np.ndarray
    count: np.ndarray
    member: np.ndarray
    member_row: np.ndarray


@dataclass(slots=True)
class _Legs:
    """Every row's legs in one flat array, oldest first.

    Row ``r``'s legs are ``entry[start[r] : start[r] + depth[r]]`` (history
    entries), ``owner`` is each leg's row, and ``place``, ``step`` and
    ``group`` are each leg's departure.
    """

    entry: np.ndarray
    owner: np.ndarray
    start: np.ndarray
    depth: np.ndarray
    place: np.ndarray
    step: np.ndarray
    group: np.ndarray


def _movements(
    net: _Net,
    hist: _Histories,
    finished: list[tuple[_Parcel, int, int]],
    party_ids: list[str],
    used: dict[tuple[int, int], int],
) -> Movements:
    """Group parcels with the same itinerary into movements (round trips become waits).

    A round trip becomes a wait only where waiting carries no risk then: a trip
    that avoids a threatened place (``risk_per_hour``) is kept as it is.

    Itineraries are unrolled for all parcels at once with numpy (pointer
    jumping up the shared histories) into the columns of
    :class:`~evacplan.routing.columns.Movements`; no record is made per
    movement or stop. Only the rare itinerary that returns to a place is
    compared one by one, with the others that did.
    """
    if not finished:
        no = np.zeros(0, dtype=np.int64)
        rows = _Rows(no, no, no, no, no, no, no, no)
        legs = _Legs(no, no, no, no, no, no, no)
        return _columns(net, hist, rows, _kept(net, hist, legs, no.astype(bool), 0), party_ids)
    rows = _merged(finished, len(party_ids))
    legs = _unrolled(hist, rows.head)
    kept = _without_round_trips(net, legs)
    looped = _give_back(hist, used, legs, kept, rows.count)
    legs_kept = _kept(net, hist, legs, kept, rows.head.size)
    del legs, kept  # the legs dropped, and the copies kept, are not needed any more
    out = _columns(net, hist, rows, legs_kept, party_ids, looped)
    for k in [k for k, v in used.items() if v == 0]:
        del used[k]
    return out


def _merged(finished: list[tuple[_Parcel, int, int]], n_parties: int) -> _Rows:
    """Merge parcels with the same history, final place, arrival, kind and release."""
    fin_h = np.array([p.history for p, _, _ in finished], dtype=np.int64)
    fin_place = np.array([pl for _, pl, _ in finished], dtype=np.int64)
    fin_t = np.array([t for _, _, t in finished], dtype=np.int64)
    fin_party = np.array([p.party for p, _, _ in finished], dtype=np.int64)
    fin_count = np.array([p.count for p, _, _ in finished], dtype=np.int64)
    fin_release = np.array([p.released for p, _, _ in finished], dtype=np.int64)
    key = np.stack([fin_h, fin_place, fin_t, fin_party >= 0, fin_release], axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    counts = np.bincount(inv, weights=fin_count, minlength=uniq.shape[0]).astype(np.int64)
    is_party = fin_party >= 0
    head, place, step, party, release = uniq.reshape(-1, 5).T
    return _Rows(head, place, step, party, release, counts, fin_party[is_party], inv[is_party])


def _unrolled(hist: _Histories, heads: np.ndarray) -> _Legs:
    """Unroll each history, by pointer jumping from its last entry back to its first.

    Two passes over the rows still climbing (their depths, then their entries
    into one flat array, oldest first): the work is the legs', with no
    table of rows by depth.
    """
    parent = _column(hist.parent)
    depth = np.zeros(heads.size, dtype=np.int64)
    rows = np.flatnonzero(heads >= 0)
    cur = heads[rows]
    while rows.size:
        depth[rows] += 1
        cur = parent[cur]
        climbing = cur >= 0
        rows, cur = rows[climbing], cur[climbing]
    start = _excl_cumsum(depth)
    flat = np.empty(int(depth.sum()), dtype=np.int64)
    rows = np.flatnonzero(heads >= 0)
    cur, slot = heads[rows], start[rows] + depth[rows] - 1
    while cur.size:
        flat[slot] = cur
        cur, slot = parent[cur], slot - 1
        climbing = cur >= 0
        cur, slot = cur[climbing], slot[climbing]
    owner = np.repeat(np.arange(heads.size, dtype=np.int32), depth)
    return _Legs(
        flat,
        owner,
        start,
        depth,
        _column(hist.place)[flat].astype(np.int32),
        _column(hist.step)[flat],
        _column(hist.group)[flat].astype(np.int32),
    )


def _column(values: Sequence[int]) -> np.ndarray:
    """A history's column as an int64 array (without a copy when it is one already)."""
    return (
        np.frombuffer(values, dtype=np.int64)
        if isinstance(values, array)
        else np.asarray(values, dtype=np.int64)
    )


def _without_round_trips(net: _Net, legs: _Legs) -> np.ndarray:
    """Which legs stay: a round trip back to a place becomes a wait there.

    From each place kept, jump to the last departure from it (the arrival
    there is unchanged, the trip is dropped), unless waiting there instead
    would cost risk.
    """
    size = legs.entry.size
    last_of = np.empty(size, dtype=np.int64)
    if size:
        # Legs of one row from one place are neighbours in this order, oldest first.
        order = np.argsort(legs.owner.astype(np.int64) * len(net.ids) + legs.place, kind="stable")
        key = legs.owner[order].astype(np.int64) * len(net.ids) + legs.place[order]
        end = np.ones(size, dtype=bool)
        end[:-1] = key[1:] != key[:-1]
        del key
        group_end = np.flatnonzero(end)
        last_of[order] = order[np.repeat(group_end, np.diff(group_end, prepend=-1))]
        del order, end, group_end
    kept = np.zeros(size, dtype=bool)
    cur = legs.start[legs.depth > 0]
    stop_at = (legs.start + legs.depth)[legs.depth > 0]
    while cur.size:
        nxt = last_of[cur]
        if net.w_cost.size:
            # Staying instead of the round trip must not cost waiting risk the trip avoided.
            costly = net.wait_cost(legs.place[cur], legs.step[cur], legs.step[nxt] - 1) > 0
            nxt = np.where(costly, cur, nxt)
        kept[nxt] = True
        cur = nxt + 1
        alive = cur < stop_at
        cur, stop_at = cur[alive], stop_at[alive]
    return kept


def _give_back(
    hist: _Histories,
    used: dict[tuple[int, int], int],
    legs: _Legs,
    kept: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Give back the room of the legs dropped; returns which rows lost a round trip.

    The room is summed per (group, step) first: millions of legs dropped on a
    large plan give back room at far fewer (group, step).
    """
    looped = np.zeros(legs.depth.size, dtype=bool)
    if not legs.entry.size or kept.all():
        return looped
    gone = np.flatnonzero(~kept)
    looped[legs.owner[gone]] = True
    if hist.spread:
        spread = np.isin(legs.entry[gone], np.fromiter(hist.spread, dtype=np.int64))
        for h, g in zip(
            legs.entry[gone[spread]].tolist(), legs.group[gone[spread]].tolist(), strict=True
        ):
            for k, m in hist.spread[h]:
                used[(g, k)] -= m
        gone = gone[~spread]
    key = legs.group[gone].astype(np.int64) * (_FOREVER + 1) + legs.step[gone]
    keys, at = np.unique(key, return_inverse=True)
    room = np.bincount(at.ravel(), weights=counts[legs.owner[gone]], minlength=keys.size)
    for k, n in zip(keys.tolist(), room.astype(np.int64).tolist(), strict=True):
        used[divmod(k, _FOREVER + 1)] -= n
    return looped


@dataclass(slots=True)
class _Kept:
    """The legs kept (round trips dropped), row by row: row ``r``'s are ``start[r]`` to
    ``start[r] + depth[r]``. Per leg: its departure (``place``, ``step``, ``group``), its
    history ``entry``, whether a party ``spread`` over it, the minute it ``reach``-es the far
    end, and the ``link`` taken (an index into the network's link keys)."""

    start: np.ndarray
    depth: np.ndarray
    place: np.ndarray
    step: np.ndarray
    group: np.ndarray
    entry: np.ndarray
    spread: np.ndarray
    reach: np.ndarray
    link: np.ndarray


def _kept(net: _Net, hist: _Histories, legs: _Legs, kept: np.ndarray, n_rows: int) -> _Kept:
    """The legs ``kept`` of ``legs``, with their arrivals and links."""
    s = net.step
    depth = np.bincount(legs.owner[kept], minlength=n_rows).astype(np.int64)
    step, group, entry = legs.step[kept], legs.group[kept], legs.entry[kept]
    spread = np.zeros(entry.size, dtype=bool)
    if hist.spread:
        spread = np.isin(entry, np.fromiter(hist.spread, dtype=np.int64))
    # Each leg's arrival at its far end: its (last) entry plus the transit.
    reach = (step + net.g_tau[group]) * s
    for j in np.flatnonzero(spread).tolist():
        reach[j] = (hist.spread[int(entry[j])][-1][0] + int(net.g_tau[group[j]])) * s
    link = np.zeros(entry.size, dtype=np.int32)
    for a in range(0, entry.size, _CHUNK):  # in pieces: span_rows makes a few temporaries
        rows = net.span_rows(group[a : a + _CHUNK].astype(np.int64), step[a : a + _CHUNK])
        link[a : a + _CHUNK] = np.maximum(rows, 0)
    return _Kept(
        _excl_cumsum(depth), depth, legs.place[kept], step, group, entry, spread, reach, link
    )


_CHUNK = 1 << 20


def _columns(
    net: _Net,
    hist: _Histories,
    rows: _Rows,
    k: _Kept,
    party_ids: list[str],
    looped: np.ndarray | None = None,
) -> Movements:
    """The movements' columns: a movement per row of the legs kept (rows whose round trips
    made them alike merge, ``looped`` saying which lost one), by departure, source, arrival
    and parties."""
    s = net.step
    rep = _alike(rows, looped, k)
    chosen = np.flatnonzero(rep == np.arange(rep.size))  # each movement's row
    where = np.empty(rep.size, dtype=np.int64)
    where[chosen] = np.arange(chosen.size)
    mover = where[rep[rows.member_row]]  # each party's movement
    rank = _name_rank(party_ids)
    by = np.lexsort((rank[rows.member], mover))
    mover, member = mover[by], rows.member[by]
    first = np.minimum(k.start[chosen], max(k.place.size - 1, 0))
    has_legs = k.depth[chosen] > 0
    order = np.lexsort(
        (
            _list_rank(mover, rank[member], chosen.size),
            rows.step[chosen],
            _name_rank(net.ids)[
                np.where(has_legs, k.place[first] if k.place.size else 0, rows.place[chosen])
            ],
            np.where(has_legs, k.step[first] if k.place.size else 0, rows.step[chosen]),
        )
    )
    chosen = chosen[order]
    where[chosen] = np.arange(chosen.size)
    mover = where[rep[rows.member_row[by]]]
    by = np.lexsort((rank[member], mover))
    mover, member = mover[by], member[by]
    # Stops: the legs kept, then the arrival at safety (a movement has a stop more than legs).
    depth = k.depth[chosen]
    stop_start, leg_start = _offsets(depth + 1), _offsets(depth)
    n_legs = int(leg_start[-1])
    old = np.repeat(k.start[chosen] - leg_start[:-1], depth) + np.arange(n_legs)
    at = np.repeat(np.arange(chosen.size), depth) + np.arange(n_legs)  # each leg's stop
    place = np.empty(int(stop_start[-1]), dtype=np.int32)
    leave = np.empty(place.size, dtype=np.int64)
    arrive = np.empty(place.size, dtype=np.int64)
    place[at] = k.place[old]
    leave[at] = k.step[old] * s
    arrive[at] = k.reach[old - 1]  # from the leg before (the first's is set below)
    del at
    starts = stop_start[:-1][depth > 0]
    arrive[starts] = rows.release[chosen][depth > 0] * s
    end = stop_start[1:] - 1
    place[end] = rows.place[chosen]
    leave[end] = arrive[end] = rows.step[chosen] * s
    # Legs, and those a party crossed over several steps.
    spread_leg = np.flatnonzero(k.spread[old])
    entries = [hist.spread[h] for h in k.entry[old[spread_leg]].tolist()]
    return Movements(
        place_names=tuple(net.ids),
        link_names=tuple(net.k_key.tolist()),
        party_names=tuple(party_ids),
        people=np.bincount(where[rep], weights=rows.count, minlength=chosen.size).astype(np.int64),
        stop_start=stop_start,
        stop_place=place,
        stop_arrive=arrive,
        stop_leave=leave,
        leg_start=leg_start,
        leg_link=k.link[old],
        party_start=_offsets(np.bincount(mover, minlength=chosen.size)),
        party=member.astype(np.int32),
        spread_leg=spread_leg,
        spread_start=_offsets(np.array([len(e) for e in entries], dtype=np.int64)),
        spread_minute=np.array([t * s for e in entries for t, _ in e], dtype=np.int64),
        spread_people=np.array([n for e in entries for _, n in e], dtype=np.int64),
    )


def _alike(rows: _Rows, looped: np.ndarray | None, k: _Kept) -> np.ndarray:
    """Per row, the first row with the same movement: rows that lost a round trip and now
    share their legs, end, kind and release merge; a party's spread never does.

    Rows are grouped by a hash of their legs with NumPy, and the rows of a group
    compared exactly (in Python only where a group has several).
    """
    rep = np.arange(rows.head.size, dtype=np.int64)
    if looped is None or not looped.any():
        return rep
    owner = np.repeat(rep, k.depth)
    alone = np.zeros(rep.size, dtype=bool)
    if k.spread.any():
        alone[owner[k.spread]] = True
    with np.errstate(over="ignore"):
        pos = (np.arange(owner.size) - k.start[owner]).astype(np.uint64)
        leg = (
            k.place.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
            + k.step.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
            + k.group.astype(np.uint64) * np.uint64(0x165667B19E3779F9)
        ) * (pos * np.uint64(0xD6E8FEB86659FD93) + np.uint64(0x27D4EB2F165667C5))
        digest = np.zeros(rep.size, dtype=np.uint64)
        np.add.at(digest, owner, leg)
    who = np.flatnonzero(looped & ~alone)
    if who.size < 2:
        return rep
    fields = [rows.release[who], rows.party[who], rows.step[who], rows.place[who]]
    order = who[np.lexsort((who, *fields, k.depth[who], digest[who]))]
    same = np.zeros(order.size, dtype=bool)  # as the row before it, by hash and ends
    for col in (digest, k.depth, rows.place, rows.step, rows.party, rows.release):
        same[1:] |= col[order[1:]] != col[order[:-1]]
    same = ~same
    same[0] = False
    for run in np.split(order, np.flatnonzero(~same)[1:]):
        if run.size > 1:
            _merge_run(run, k, rep)
    return rep


def _merge_run(run: np.ndarray, k: _Kept, rep: np.ndarray) -> None:
    """Point each row of ``run`` (same hash and ends, by row) at the first with its legs."""
    seen: dict[tuple[bytes, bytes, bytes], int] = {}
    for r in run.tolist():
        a, b = int(k.start[r]), int(k.start[r] + k.depth[r])
        sig = (k.place[a:b].tobytes(), k.step[a:b].tobytes(), k.group[a:b].tobytes())
        rep[r] = seen.setdefault(sig, r)


def _name_rank(names: list[str]) -> np.ndarray:
    """Each name's place in the sorted names (as Python sorts strings)."""
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return rank


def _list_rank(owner: np.ndarray, item: np.ndarray, n: int) -> np.ndarray:
    """Per owner, the rank of its list of items (grouped by owner, in order) among all
    ``n`` owners' lists, as Python compares lists (an empty list first)."""
    out = np.zeros(n, dtype=np.int64)
    if not owner.size:
        return out
    cuts = np.flatnonzero(np.diff(owner)) + 1
    lists = {
        int(o[0]): tuple(i.tolist())
        for o, i in zip(np.split(owner, cuts), np.split(item, cuts), strict=True)
    }
    ranks = {v: k + 1 for k, v in enumerate(sorted(set(lists.values())))}
    for o, v in lists.items():
        out[o] = ranks[v]
    return out
