"""What a plan reports beside its movements: bottlenecks, and who is stranded or left behind, why.

:mod:`._evacuate` calls these once the movements are settled: the arcs of a
proof's min cut (or the entries a ``safest`` plan fills) become
:class:`~evacplan.routing.records.Bottleneck` records naming the link, the
scheduled service (by its departures) or the place (its throughput); parcels
that could not go become :class:`~evacplan.routing.records.Stranded`
records, merged by place and reason; and ``most_saved`` says in words how
many of a priority tier the routes out carry by the deadline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from evacplan._time import _plural
from evacplan.routing._compile import _Net
from evacplan.routing._movements import _Parcel
from evacplan.routing.records import Bottleneck, Stranded


def _bottlenecks(net: _Net, entries: Iterable[tuple[int, int, int]]) -> list[Bottleneck]:
    """(group, step, people) entries as one Bottleneck per link group or place, largest first.

    A group ``-1 - p`` is place p's throughput; a scheduled service is named
    by its departures in those steps.
    """
    by_group: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for g, t, c in entries:
        by_group[g].append((t, c))
    out = []
    s = net.step
    for g, items in by_group.items():
        items.sort()
        capacity = sum(c for _, c in items)
        minutes = tuple(t * s for t, _ in items)
        if g < 0:
            place = net.ids[-1 - g]
            out.append(Bottleneck(place, place, place, capacity, minutes, kind="place"))
            continue
        ends = (net.g_key[g], net.ids[int(net.g_tail[g])], net.ids[int(net.g_head[g])])
        if net.g_departures[g]:
            steps = {t for t, _ in items}
            leaving = tuple(
                int(d) if float(d).is_integer() else d
                for d in net.g_departures[g]
                if int(d // s) in steps
            )
            out.append(Bottleneck(*ends, capacity, leaving, kind="service"))  # type: ignore[arg-type]
            continue
        out.append(Bottleneck(*ends, capacity, minutes))
    out.sort(key=lambda b: (-b.capacity, b.link))
    return out


def _tier_words(priority: int) -> str:
    return "staff and their dependants" if priority == 0 else f"priority {priority}"


def _left_words(saved: int, count: int, priority: int, first: bool, deadline: float) -> str:
    """Why people of one priority are left behind by ``most_saved``, in words.

    Examples
    --------
    >>> _left_words(2, 5, 1, False, 150)
    'by the deadline (minute 150) the routes out carry 2 of the 5 people of priority 1, once those of higher priority are out'
    """
    who = _tier_words(priority)
    carry = (
        f"have room for none of the {_plural(count, 'person', 'people')} of {who}"
        if not saved
        else f"carry {saved:,} of the {_plural(count, 'person', 'people')} of {who}"
    )
    after = "" if first else ", once those of higher priority are out"
    return f"by the deadline (minute {deadline:g}) the routes out {carry}{after}"


def _stranded(net: _Net, items: list[tuple[_Parcel, str]], party_ids: list[str]) -> list[Stranded]:
    merged: dict[tuple[int, str], list[Any]] = {}
    for p, reason in items:
        key = (p.origin, reason)
        entry = merged.setdefault(key, [0, []])
        entry[0] += p.count
        if p.party >= 0:
            entry[1].append(party_ids[p.party])
    return [
        Stranded(net.ids[place], count, reason, sorted(parties))
        for (place, reason), (count, parties) in sorted(merged.items())
    ]


def _per_tier(
    tiers: int,
    finished: list[tuple[_Parcel, int, int]],
    key_of: Callable[[_Parcel], tuple[int, int, int]],
) -> np.ndarray:
    """People safe per priority tier (``key_of`` gives a parcel's source key, tier last)."""
    out = np.zeros(tiers, dtype=np.int64)
    for p, _, _ in finished:
        out[key_of(p)[2]] += p.count
    return out


def _short(quota: np.ndarray, moved: np.ndarray, priority_of: Callable[[int], int]) -> str:
    """Which tiers have fewer safe than their splittable most, in words ('' when none)."""
    return "; ".join(
        f"{int(quota[k] - moved[k])} fewer of {_tier_words(priority_of(k))} than the "
        f"splittable most ({int(quota[k])})"
        for k in range(quota.size)
        if moved[k] < quota[k]
    )
