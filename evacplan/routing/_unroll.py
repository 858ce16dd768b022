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

from dataclasses import dataclass

import numpy as np

from evacplan.routing._arrays import _excl_cumsum, _ramp
from evacplan.routing._compile import _Net
from evacplan.routing._movements import _Histories, _Parcel
from evacplan.routing.columns import Movements, _offsets


def _waiting_units(net: _Net, movements: Movements) -> int:
    """Risk units of the time people spend at threatened places (``risk_per_hour``).

    From each stop's arrival (the release, on the first) to its departure; the
    last stop is safety, where nobody waits.
    """
    if not net.w_cost.size or not len(movements):
        return 0
    owner, _ = _ramp(np.diff(movements.stop_start))
    waits = movements.stop_leave > movements.stop_arrive
    waits[movements.stop_start[1:] - 1] = False  # the last stop: safe, nobody waits
    if not waits.any():
        return 0
    s = net.step
    place = movements.stop_place[waits]
    first = movements.stop_arrive[waits] // s
    last = movements.stop_leave[waits] // s - 1
    count = movements.people[owner[waits]]
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
        return _columns(net, hist, rows, legs, no.astype(bool), no.astype(bool), party_ids)
    rows = _merged(finished, len(party_ids))
    legs = _unrolled(hist, rows.head)
    kept = _without_round_trips(net, legs)
    looped = _give_back(hist, used, legs, kept, rows.count)
    out = _columns(net, hist, rows, legs, kept, looped, party_ids)
    for k in [k for k, v in used.items() if v == 0]:
        del used[k]
    return out


def _merged(finished: list[tuple[_Parcel, int, int]], n_parties: int) -> _Rows:
    """Merge parcels with the same history, final place, arrival, kind and release."""
    fin_h = np.array([p[1] for p, _, _ in finished], dtype=np.int64)
    fin_place = np.array([pl for _, pl, _ in finished], dtype=np.int64)
    fin_t = np.array([t for _, _, t in finished], dtype=np.int64)
    fin_party = np.array([p[2] for p, _, _ in finished], dtype=np.int64)
    fin_count = np.array([p[0] for p, _, _ in finished], dtype=np.int64)
    fin_release = np.array([p[5] for p, _, _ in finished], dtype=np.int64)
    key = np.stack([fin_h, fin_place, fin_t, fin_party >= 0, fin_release], axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    counts = np.bincount(inv, weights=fin_count, minlength=uniq.shape[0]).astype(np.int64)
    is_party = fin_party >= 0
    head, place, step, party, release = uniq.reshape(-1, 5).T
    return _Rows(head, place, step, party, release, counts, fin_party[is_party], inv[is_party])


def _unrolled(hist: _Histories, heads: np.ndarray) -> _Legs:
    """Unroll each history, by pointer jumping from its last entry back to its first."""
    parent = np.asarray(hist.parent, dtype=np.int64)
    cols = []  # the entries of every row at one depth, newest first
    cur = heads.copy()
    while (cur >= 0).any():
        cols.append(cur)
        cur = np.where(cur >= 0, parent[np.maximum(cur, 0)], -1)
    depth = np.zeros(heads.size, dtype=np.int64)
    for c in cols:
        depth += c >= 0
    owner, rank = _ramp(depth)
    if cols:
        mat = np.stack(cols, axis=1)  # row r: its legs, newest first
        flat = mat[owner, depth[owner] - 1 - rank]  # oldest first
    else:
        flat = np.zeros(0, dtype=np.int64)
    h_place = np.asarray(hist.place, dtype=np.int64)
    h_step = np.asarray(hist.step, dtype=np.int64)
    h_group = np.asarray(hist.group, dtype=np.int64)
    return _Legs(
        flat, owner, _excl_cumsum(depth), depth, h_place[flat], h_step[flat], h_group[flat]
    )


def _without_round_trips(net: _Net, legs: _Legs) -> np.ndarray:
    """Which legs stay: a round trip back to a place becomes a wait there.

    From each place kept, jump to the last departure from it (the arrival
    there is unchanged, the trip is dropped), unless waiting there instead
    would cost risk.
    """
    size = legs.entry.size
    idx = np.arange(size, dtype=np.int64)
    order = np.lexsort((idx, legs.place, legs.owner))
    last_of = np.empty(size, dtype=np.int64)
    if size:
        so, sp_ = legs.owner[order], legs.place[order]
        end = np.ones(size, dtype=bool)
        end[:-1] = (so[1:] != so[:-1]) | (sp_[1:] != sp_[:-1])
        group_end = np.flatnonzero(end)
        group_of = np.cumsum(np.concatenate([[0], end[:-1]]))
        last_of[order] = order[group_end[group_of]]
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
    """Give back the room of the legs dropped; returns which rows lost a round trip."""
    looped = np.zeros(legs.depth.size, dtype=bool)
    if legs.entry.size and not kept.all():
        gone = ~kept
        looped[legs.owner[gone]] = True
        for h, g, t, n in zip(
            legs.entry[gone].tolist(),
            legs.group[gone].tolist(),
            legs.step[gone].tolist(),
            counts[legs.owner[gone]].tolist(),
            strict=True,
        ):
            for k, m in hist.spread.get(h, [(t, n)]):
                used[(g, k)] -= m
    return looped


def _columns(
    net: _Net,
    hist: _Histories,
    rows: _Rows,
    legs: _Legs,
    kept: np.ndarray,
    looped: np.ndarray,
    party_ids: list[str],
) -> Movements:
    """The movements' columns: a movement per row of the legs kept (rows whose round trips
    made them alike merge), by departure, source, arrival and parties."""
    s = net.step
    k_depth = np.bincount(legs.owner[kept], minlength=rows.head.size).astype(np.int64)
    k_start = _excl_cumsum(k_depth)
    k_place, k_step, k_group = legs.place[kept], legs.step[kept], legs.group[kept]
    k_entry = legs.entry[kept]
    spread = np.zeros(k_entry.size, dtype=bool)
    if hist.spread:
        spread = np.isin(k_entry, np.fromiter(hist.spread, dtype=np.int64))
    # Each leg's arrival at its far end: its (last) entry plus the transit.
    reach = (k_step + net.g_tau[k_group]) * s
    for j in np.flatnonzero(spread).tolist():
        reach[j] = (hist.spread[int(k_entry[j])][-1][0] + int(net.g_tau[k_group[j]])) * s
    content = np.stack([k_place, k_step, k_group], axis=1)
    rep = _alike(rows, looped, k_start, k_depth, content, spread)
    chosen = np.flatnonzero(rep == np.arange(rep.size))  # each movement's row
    where = np.empty(rep.size, dtype=np.int64)
    where[chosen] = np.arange(chosen.size)
    mover = where[rep[rows.member_row]]  # each party's movement
    rank = _name_rank(party_ids)
    by = np.lexsort((rank[rows.member], mover))
    mover, member = mover[by], rows.member[by]
    first = np.minimum(k_start[chosen], max(k_place.size - 1, 0))
    has_legs = k_depth[chosen] > 0
    order = np.lexsort(
        (
            _list_rank(mover, rank[member], chosen.size),
            rows.step[chosen],
            _name_rank(net.ids)[
                np.where(has_legs, k_place[first] if k_place.size else 0, rows.place[chosen])
            ],
            np.where(has_legs, k_step[first] if k_place.size else 0, rows.step[chosen]),
        )
    )
    chosen = chosen[order]
    where[chosen] = np.arange(chosen.size)
    mover = where[rep[rows.member_row[by]]]
    by = np.lexsort((rank[member], mover))
    mover, member = mover[by], member[by]
    # Stops: the legs kept, then the arrival at safety.
    depth = k_depth[chosen]
    owner, pos = _ramp(depth + 1)
    final = pos == depth[owner]
    end = rows.step[chosen][owner] * s
    if k_place.size:
        leg = np.minimum(k_start[chosen][owner] + pos, k_place.size - 1)
        place = np.where(final, rows.place[chosen][owner], k_place[leg])
        leave = np.where(final, end, k_step[leg] * s)
        before = reach[np.maximum(leg - 1, 0)]
    else:
        place, leave, before = rows.place[chosen][owner], end, end
    arrive = np.where(final, end, np.where(pos == 0, rows.release[chosen][owner] * s, before))
    # Legs, and those a party crossed over several steps.
    l_owner, l_pos = _ramp(depth)
    old = k_start[chosen][l_owner] + l_pos
    link = np.maximum(net.span_rows(k_group[old], k_step[old]), 0)
    spread_leg = np.flatnonzero(spread[old])
    entries = [hist.spread[h] for h in k_entry[old[spread_leg]].tolist()]
    return Movements(
        place_names=tuple(net.ids),
        link_names=tuple(net.k_key.tolist()),
        party_names=tuple(party_ids),
        people=np.bincount(where[rep], weights=rows.count, minlength=chosen.size).astype(np.int64),
        stop_start=_offsets(depth + 1),
        stop_place=place.astype(np.int32),
        stop_arrive=arrive,
        stop_leave=leave,
        leg_start=_offsets(depth),
        leg_link=link.astype(np.int32),
        party_start=_offsets(np.bincount(mover, minlength=chosen.size)),
        party=member.astype(np.int32),
        spread_leg=spread_leg,
        spread_start=_offsets(np.array([len(e) for e in entries], dtype=np.int64)),
        spread_minute=np.array([k * s for e in entries for k, _ in e], dtype=np.int64),
        spread_people=np.array([n for e in entries for _, n in e], dtype=np.int64),
    )


def _alike(
    rows: _Rows,
    looped: np.ndarray,
    k_start: np.ndarray,
    k_depth: np.ndarray,
    content: np.ndarray,
    spread: np.ndarray,
) -> np.ndarray:
    """Per row, the first row with the same movement: rows that lost a round trip and now
    share their legs (``content``), end, kind and release merge; a party's spread never does."""
    rep = np.arange(rows.head.size, dtype=np.int64)
    alone = np.zeros(rep.size, dtype=bool)
    if spread.any():
        alone[np.repeat(rep, k_depth)[spread]] = True
    seen: dict[tuple[bytes, int, int, int, int], int] = {}
    for r in np.flatnonzero(looped & ~alone).tolist():
        a, b = int(k_start[r]), int(k_start[r] + k_depth[r])
        sig = (
            content[a:b].tobytes(),
            int(rows.place[r]),
            int(rows.step[r]),
            int(rows.party[r]),
            int(rows.release[r]),
        )
        rep[r] = seen.setdefault(sig, r)
    return rep


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
