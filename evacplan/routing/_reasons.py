"""Why, in words: who is cut off and by which links, and why nobody can finish sooner.

:func:`_cut_off` gives each source no horizon brings out its reason;
:func:`_closing_links` names the links that close people in (or, when none
does, the ones on their way out that close at all); :func:`_distance_words`
says why the farthest people set the egress; :func:`_harm_words` why a
least-harm schedule has the least harm. :mod:`._solve` puts them into its
proofs and its reasons for anyone cut off.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evacplan.routing._arrays import _FOREVER, _reachable
from evacplan.routing._expand import _TEN
from evacplan.routing._harm import _Harmless
from evacplan.routing._search import _Splittable
from evacplan.routing._waves import _Waves


def _cut_off(
    sp: _Splittable, ten_inf: _TEN, solver: Any
) -> tuple[list[tuple[int, int, int]], dict[int, str]]:
    """The cut that keeps people in for good, and each source's reason, from a max flow
    (``solver``) over ``ten_inf``, the network from its last change on (``sp.infinite()``)."""
    tails, heads, caps = ten_inf.graph()
    live = np.zeros(ten_inf.n_nodes + 2, dtype=bool)
    # Nodes with a path to the sink: reachability along the arcs reversed.
    live[_reachable(heads, tails, caps, ten_inf.sink, ten_inf.n_nodes + 2)] = True
    reasons = {}
    for i in range(sp.src_count.size):
        node = int(ten_inf.src_node[i])
        closing, cut = _closing_links(sp, int(sp.src_place[i]), int(sp.src_step[i]))
        also = f": {closing}" if closing else ""
        if node >= 0 and live[node]:
            reasons[i] = "the routes out close before everyone can use them" + also
        elif cut:
            reasons[i] = f"cut off when {closing}"
        else:
            reasons[i] = "every route to safety is closed before it can be used" + also
    return sp.cut_of(ten_inf, solver), reasons


def _closing_links(sp: _Splittable, place: int, step: int) -> tuple[str, bool]:
    """The links that close people at ``place`` in from ``step`` on, in words, and whether they
    cut the place off (else they are the links on its way out that close at all).

    The places reachable from ``place`` by links still open at some step from
    ``step`` on, towards safety; the links out of them that close before
    ``step`` cut it off ("omdurman-bridge closes at minute 120"; the
    stretches of an OpenStreetMap street, once by its name: "8th Street
    closes at minute 20"; for people called forward after it closed, from
    when they may leave). Only what
    closes is named, never a link that opens later or stays open; and every
    one of them (a table that has no room shortens the words, not this).
    """
    net = sp.net
    s = net.step
    last = np.full(net.g_tail.size, -1, dtype=np.int64)
    np.maximum.at(last, net.k_group, net.k_to)
    seen, todo = {place}, [place]
    cut: list[int] = []
    closing: list[int] = []
    slow: list[str] = []
    while todo:
        u = todo.pop()
        rate = float(net.p_rate[u]) if net.gated else 0.0
        if rate and rate * s / 60 < 1:  # a slow gate lets nobody out at some steps
            slow.append(f"{net.ids[u]} lets {rate:g} an hour through: nobody at some steps")
        for g in np.flatnonzero(net.g_tail == u).tolist():
            v = int(net.g_head[g])
            if sp.to_safe[v] >= _FOREVER or last[g] < 0:
                continue
            if last[g] < step:
                cut.append(g)
                continue
            if last[g] < _FOREVER:
                closing.append(g)
            if v not in seen:
                seen.add(v)
                todo.append(v)
    chosen = cut or closing
    words: dict[str, str] = {}
    for g in sorted(chosen, key=lambda g: (int(last[g]), net.g_key[g])):
        key = net.g_street[g] or net.g_key[g]  # (a street's stretches: its first to close)
        if key not in words:
            words[key] = (
                f"{key}'s last departure leaves at minute {net.g_departures[g][-1]:g}"
                if net.g_departures[g]
                else f"{key} closes at minute {(int(last[g]) + 1) * s}"
            )
    named = [*words.values(), *slow]  # all of them: tables shorten, the record does not
    if cut and step:  # (it closed before they were called forward: say from when they were)
        return " and ".join(named) + f"; they may leave only from minute {step * s}", True
    return (" and " if cut else "; ").join(named), bool(cut)


def _distance_words(sp: _Splittable, i: int) -> str:
    """Why nobody can finish sooner when the farthest source decides it."""
    s = sp.net.step
    place = sp.net.ids[int(sp.src_place[i])]
    away = int(sp.to_safe[sp.src_place[i]]) * s
    release = int(sp.src_step[i]) * s
    if release:
        return (
            f"people at {place} may leave from minute {release} and are {away} minutes "
            "from the nearest safe place"
        )
    return f"people at {place} are {away} minutes from the nearest safe place"


def _harm_words(sp: _Splittable, found: _Harmless, quickest: int, complete: bool) -> str:
    """Why the least-harm schedule has the least harm, in words."""
    s = sp.net.step
    end = found.horizons[-1] * s
    if found.proven == 0:
        return found.unproven
    words = (
        f"no schedule has less harm: a min-cost flow over the network expanded to minute {end}, "
        "open-ended (anyone may still arrive later, at the least risk their place allows), "
        "has nobody arrive late"
    )
    if len(found.horizons) > 1:
        tried = ", ".join(str(h * s) for h in found.horizons[:-1])
        words += f" (to minute {tried} some would rather have arrived later)"
    if found.proven == 3 and complete:
        egress = found.egress_low * s
        words += "; none with that harm and those arrivals ends sooner" + (
            "" if found.egress_low > quickest else f" (minute {egress} is the quickest egress)"
        )
    return words


def _waves_words(sp: _Splittable, waves: _Waves, quickest: int) -> str:
    """Why schedules planned wave by wave have the least harm together, in words."""
    s = sp.net.step
    each = "; ".join(
        f"released from minute {first * s}, over the network expanded to minute "
        f"{found.horizons[-1] * s}"
        for first, found in zip(waves.first, waves.found, strict=True)
    )
    words = (
        f"no schedule has less harm: the people were released in {len(waves.found)} waves, "
        f"each planned alone by a min-cost flow ({each}; open-ended: anyone may still "
        "arrive later, and nobody does); alone, a wave has the least harm anyone could give it, "
        "and together the waves' schedules fit the room on every link and gate at every step"
    )
    if waves.proven == 3:
        egress = waves.egress_low * s
        words += "; none with that harm and those arrivals ends sooner" + (
            "" if waves.egress_low > quickest else f" (minute {egress} is the quickest egress)"
        )
    return words
