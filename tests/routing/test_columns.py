"""A plan's movements are columns that behave as a list of ``Movement``, and stay small."""

from __future__ import annotations

import dataclasses
import gc
import pickle
import tracemalloc

import numpy as np
import pytest

from evacplan.io import load_scenario, read_tntp, seed_path, tntp_path
from evacplan.results import Party
from evacplan.routing import EvacuationPlan, Movement, Movements, Stop, evacuate
from tests.routing.helpers import checked, network


@pytest.fixture(scope="module")
def tiny_plan() -> EvacuationPlan:
    """The tiny seed, with a party and plain supply from two places."""
    tiny = load_scenario(seed_path("tiny"))
    parties = [Party("p", 2, "embassy"), Party("q", 3, "residence", release_minute=7)]
    return checked(evacuate(tiny, supply={"embassy": 10, "residence": 4}, parties=parties))


def test_movements_read_as_a_list_of_records(tiny_plan: EvacuationPlan) -> None:
    """Index (from either end), slice, iterate, compare with a list, print: as a list does."""
    ms = tiny_plan.movements
    assert isinstance(ms, Movements)
    records = list(ms)
    assert len(ms) == len(records) >= 2
    assert all(isinstance(m, Movement) for m in records)
    assert ms[0] == records[0] and ms[-1] == records[-1]
    assert ms[1:] == records[1:]
    assert ms == records and records == ms and ms != records[:-1]
    assert [str(m) for m in ms] == [str(m) for m in records]
    with pytest.raises(IndexError):
        ms[len(ms)]
    parties = sorted(p for m in ms for p in m.parties)
    assert parties == ["p", "q"]


def test_columns_say_what_the_records_say(tiny_plan: EvacuationPlan) -> None:
    """Per movement: people, departure, arrival, source and destination, as the records."""
    ms = tiny_plan.movements
    assert isinstance(ms, Movements)
    assert ms.people.tolist() == [m.count for m in ms]
    assert ms.departure_minute.tolist() == [m.departure_minute for m in ms]
    assert ms.arrival_minute.tolist() == [m.arrival_minute for m in ms]
    assert [ms.place_names[i] for i in ms.source] == [m.source for m in ms]
    assert [ms.place_names[i] for i in ms.destination] == [m.destination for m in ms]
    again = Movements.of(list(ms))
    assert again == ms and again.people.tolist() == ms.people.tolist()


def test_a_plan_pickles_with_its_columns(tiny_plan: EvacuationPlan) -> None:
    """A plan sent to another process (closures' executors) keeps its movements."""
    back = pickle.loads(pickle.dumps(tiny_plan))
    assert back.movements == tiny_plan.movements and back.verify() == []


def test_spread_legs_survive_the_columns() -> None:
    """A party wider than a road's step crosses over several steps: the spread reads back."""
    net = network(
        [{"id": "road", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 60}],
        ["s", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, parties=[Party("big", 3, "s")], step_minutes=1))
    (m,) = plan.movements
    assert m.spread == {0: [(0, 1), (1, 1), (2, 1)]}
    assert Movements.of([m]) == [m]


def test_verify_reads_columns_and_records_alike(tiny_plan: EvacuationPlan) -> None:
    """The same schedule, as columns or as a list made by hand, replays the same."""
    records = dataclasses.replace(tiny_plan, movements=list(tiny_plan.movements))
    assert records.verify() == tiny_plan.verify() == []
    first = tiny_plan.movements[0]
    late = Movement(first.count, [*first.itinerary[:-1], Stop("haven", 999, 999)], [], first.links)
    broken = [late, *tiny_plan.movements[1:]]
    as_records = dataclasses.replace(tiny_plan, movements=broken)
    as_columns = dataclasses.replace(tiny_plan, movements=Movements.of(broken))
    assert as_records.verify() == as_columns.verify() != []


def test_the_movements_of_100k_people_take_little_memory() -> None:
    """Chicago-Sketch, 100,000 people at 1-minute steps: the movements hold under 8 MiB.

    As Python records (before issue 26) they held 15.5 MiB; as columns, 3-4 MiB.
    """
    net = read_tntp(tntp_path("ChicagoSketch"))
    rng = np.random.default_rng(1)  # the demand of benchmarks/bench_routing.py
    ids = [p.id for p in net.places]
    sources = rng.choice(ids, 30, replace=False).tolist()
    others = [i for i in ids if i not in set(sources)]
    safe = set(rng.choice(others, 5, replace=False).tolist())
    supply = dict(zip(sources, rng.multinomial(100_000, np.ones(30) / 30).tolist(), strict=True))
    gc.collect()
    tracemalloc.start()
    try:
        plan = evacuate(net, supply=supply, safe=safe, step_minutes=1)
        gc.collect()
        with_movements = tracemalloc.get_traced_memory()[0]
        n = len(plan.movements)
        plan.movements = []
        gc.collect()
        held = with_movements - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert n > 10_000
    assert held < 8 * 2**20, f"{n} movements hold {held / 2**20:.1f} MiB"
