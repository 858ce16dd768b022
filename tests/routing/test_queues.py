"""People leave a place in the order they came, by priority first, and people passing through
before people at home there (docs/routing.md, "Queues").

Three pieces keep the rule where the flow and the re-routing of parties would
break it: trips from a place, a wait at the next and back again are
cancelled from a parties' flow (``_round_trips._there_waiting``); a party
brought back to a place takes its old place in the queue (``_Sweep.came``);
and the finished schedule gives parties of one size from one place their ways
out in queue order (``_movements._in_queue_order``). The differential batch
(``test_differential.py``) checks the rule on random cases; these check each
piece by hand and by property.
"""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evacplan.models import Network
from evacplan.results import Party
from evacplan.routing import _sweep_plain, evacuate
from evacplan.routing._compile import _compile, _Net
from evacplan.routing._movements import _Histories, _in_queue_order, _Parcel
from evacplan.routing._round_trips import _there_waiting

A, B, C, H = 0, 1, 2, 3


def test_a_trip_back_after_a_wait_is_cancelled() -> None:
    """Two go from a to b at step 0 (one step), b sends one of its own to h at step 3 and
    one back to a at steps 5 and 6: b holds 3, 2 and 1 person through those steps, so both
    trips back are cancelled (the two wait at a); b's own goes on to h."""
    tail, head, step, tau, amount = (
        [A, B, B, B],
        [B, H, A, A],
        [0, 3, 5, 6],
        [1, 1, 1, 1],
        [2, 1, 1, 1],
    )
    released = [(A, 0, 2), (B, 0, 1)]
    assert _there_waiting(tail, head, step, tau, amount, released) == [0, 1, 0, 0]


def test_a_trip_back_is_kept_when_the_place_runs_empty_between() -> None:
    """One goes from a to b at step 0 and on to h at step 2; one comes to b from c at step 2
    and goes to a at step 4. b is empty through step 2: the one who went back to a is not
    the one who came, and cancelling would leave b's departure to h without anyone."""
    tail, head, step, tau, amount = (
        [A, B, C, B],
        [B, H, B, A],
        [0, 2, 2, 4],
        [1, 1, 1, 1],
        [1, 1, 1, 1],
    )
    released = [(A, 0, 1), (C, 0, 1)]
    assert _there_waiting(tail, head, step, tau, amount, released) == [1, 1, 1, 1]


def test_a_trip_straight_back_is_cancelled_too() -> None:
    """Back at the very step of the arrival: no wait at b to check."""
    assert _there_waiting([A, B], [B, A], [0, 2], [2, 2], [3, 1], [(A, 0, 3)]) == [2, 0]


@st.composite
def walks(draw: st.DrawFn) -> tuple[list[list[int]], list[tuple[int, int, int]]]:
    """A flow made by people walking at random between a, b and c (h is safe): the
    departures (tail, head, step, tau, people), each pair of places with its own transit,
    and where and when each walker was released."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    tau = {(u, v): rng.randint(1, 3) for u in (A, B, C) for v in (A, B, C, H) if u != v}
    moves: defaultdict[tuple[int, int, int], int] = defaultdict(int)
    released = []
    for _ in range(draw(st.integers(1, 12))):
        at, now = rng.choice([A, B, C]), rng.randint(0, 5)
        released.append((at, now, 1))
        while at != H and now < 20:
            now += rng.randint(0, 3)
            to = rng.choice([v for v in (A, B, C, H) if v != at])
            moves[(at, to, now)] += 1
            now, at = now + tau[(at, to)], to
    rows = [[u, v, k, tau[(u, v)], n] for (u, v, k), n in moves.items()]
    return rows, released


def held(rows: list[list[int]], released: list[tuple[int, int, int]]) -> dict[int, np.ndarray]:
    """What each place holds after each step 0..40 (released, arrived, not yet left)."""
    out = {p: np.zeros(41, dtype=np.int64) for p in (A, B, C)}
    for place, when, people in released:
        out[place][when:] += people
    for u, v, k, tau, n in rows:
        out[u][k:] -= n
        if v != H:
            out[v][k + tau :] += n
    return out


@settings(max_examples=300, deadline=None)
@given(walks())
def test_trips_back_cancelled_leave_a_flow_with_every_arrival(
    flow: tuple[list[list[int]], list[tuple[int, int, int]]],
) -> None:
    """After the cancelling every place holds no one less than nobody at every step (so the
    flow still carries everyone), what reaches h is unchanged, each departure carries no
    more than before, and each trip cancelled is matched by one back."""
    rows, released = flow
    tail, head, step, tau, amount = ([r[c] for r in rows] for c in range(5))
    left = _there_waiting(tail, head, step, tau, amount, released)
    after = [[*r[:4], n] for r, n in zip(rows, left, strict=True)]
    assert all(0 <= n <= r[4] for r, n in zip(rows, left, strict=True))
    assert all((h >= 0).all() for h in held(after, released).values())
    assert [r for r in rows if r[1] == H] == [r for r in after if r[1] == H]
    cancelled: defaultdict[tuple[int, int], int] = defaultdict(int)
    for r, n in zip(rows, left, strict=True):
        cancelled[(r[0], r[1])] += r[4] - n
    assert all(n == cancelled.get((v, u)) for (u, v), n in cancelled.items() if n)


def _line() -> _Net:
    """a -> h by one road."""
    net = Network(
        places=[{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}],
        links=[{"id": "r", "source": "a", "target": "h", "minutes": 5, "capacity_per_hour": 60}],
    )
    return _compile(net, [], 5, {"h"})


def test_ways_out_go_in_queue_order() -> None:
    """x came first (step 0), y at step 1, z (of two) at step 0; y was given the way at
    step 2 and x the one at step 4, and w of the first tier was left behind though it came
    at step 3: x takes step 2, w step 4, y is left behind (for the reason w had); z, of
    another size, keeps its way."""
    net, hist = _line(), _Histories()
    r = 0  # the road's link group
    way = {k: hist.add(0, k, r, -1) for k in (2, 4, 5)}
    x, y, z, w = (
        _Parcel(n, -1, i, k, 0, k) for i, (n, k) in enumerate([(1, 0), (1, 1), (2, 0), (1, 3)])
    )
    x.history, y.history, z.history = way[4], way[2], way[5]
    travelled = [(x, 1, 5), (y, 1, 3), (z, 1, 6)]
    stranded = [(w, "no room left on the routes out")]
    _in_queue_order(travelled, stranded, hist, [1, 1, 1, 0], lambda p: None, net)
    assert [(p.party, hist.legs(p.history), arrive) for p, _, arrive in travelled] == [
        (3, [(0, 4, r)], 5),
        (0, [(0, 2, r)], 3),
        (2, [(0, 5, r)], 6),
    ]
    assert [(p.party, p.history, why) for p, why in stranded] == [
        (1, -1, "no room left on the routes out")
    ]


@pytest.mark.parametrize("how", ["parcels", "compiled", "parties"])
def test_people_passing_through_go_before_people_at_home(
    how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Harbour people reach old town (1 a minute) on their way to the camp (1 a minute from
    old town), where old town's own three are waiting to go: first come, first served they
    waited at old town for them; now they go on as they come, and old town's people wait at
    home. The same flow: egress 5, arrivals 1 to 5 (15 person-minutes). By the parcel walk,
    the compiled sweep, and with everyone in parties of one."""
    net = Network(
        places=[
            {"id": "harbour", "kind": "residence"},
            {"id": "old-town", "kind": "residence"},
            {"id": "camp", "kind": "safe_haven"},
        ],
        links=[
            {"source": "harbour", "target": "old-town", "minutes": 1, "capacity_per_hour": 60},
            {"source": "old-town", "target": "camp", "minutes": 1, "capacity_per_hour": 60},
        ],
    )
    if how == "compiled":
        monkeypatch.setattr(_sweep_plain, "MIN_DEPARTURES", 0)
    if how == "parties":
        parties = [Party(f"h{i}", 1, "harbour") for i in range(2)]
        parties += [Party(f"o{i}", 1, "old-town") for i in range(3)]
        plan = evacuate(net, parties=parties, step_minutes=1)
    else:
        plan = evacuate(net, supply={"harbour": 2, "old-town": 3}, step_minutes=1)
    assert plan.verify() == []
    assert plan.egress_minutes == 5 and plan.arrival_sum_minutes == 15
    for m in plan.movements:
        if m.source == "harbour":  # straight through old town, whenever they left home
            assert m.itinerary[1].leave == m.itinerary[1].arrive, m
    at_home = sum(
        (m.itinerary[0].leave - m.itinerary[0].arrive) * m.count
        for m in plan.movements
        if m.source == "old-town"
    )
    # The first goes at once; the other two let the harbour's two by, and go at 3 and 4.
    assert at_home == 0 + 3 + 4
