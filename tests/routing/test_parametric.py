"""F(t) by one parametric push-relabel (``_parametric``) is one max flow per step: checked
against OR-Tools at every t on random networks, with its min cut, its warm start from a
probe's max flow, and whole plans made through it against the divide and conquer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.routing import _express, _objectives, _parametric, _search, evacuate
from evacplan.routing._express import BASE, express_graph
from evacplan.routing._maxflow import _flows_by_step, _flows_of, _solve_max_flow
from tests.routing.test_maxflow import _network
from tests.routing.test_property import instances

pytestmark = pytest.mark.skipif(not _parametric.AVAILABLE, reason="Numba is not installed")


def _every_step_a_max_flow(
    ten: Any, arcs: tuple[np.ndarray, ...], t_lo: int, values: np.ndarray, cut: tuple[Any, int]
) -> None:
    """``values`` is OR-Tools' max flow over the ``arcs`` (tails, heads, capacities, labels) at
    every t from ``t_lo``; ``cut`` (a source side, or None; and ``below``) is a min cut at the
    greatest t short of ``below`` people, None exactly when no t is."""
    tails, heads, caps, labels = arcs
    side, below = cut
    into = heads == ten.sink
    for t in range(t_lo, ten.horizon + 1):
        open_ = ~into | (labels <= t)
        one = _solve_max_flow(tails[open_], heads[open_], caps[open_], ten.source, ten.sink)
        assert values[t - t_lo] == one.optimal_flow(), t
    short_of = np.flatnonzero(values < below)
    assert (side is None) == (short_of.size == 0)
    if side is not None:  # the cut at the greatest t short of ``below``: capacity F(t)
        t = t_lo + int(short_of[-1])
        assert side[ten.source] and not side[ten.sink]
        crossing = (~into | (labels <= t)) & side[tails] & ~side[heads]
        assert int(caps[crossing].sum()) == values[t - t_lo]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 30), st.integers(0, 3))
def test_every_step_is_a_max_flow_and_the_cut_a_min_cut(case: Any, extra: int, short: int) -> None:
    ten, tails, heads, caps, labels = _network(case, extra)
    into = heads == ten.sink
    if not into.any() or not (tails == ten.source).any():
        return
    t_lo = int(labels[into].min())
    total = int(caps[tails == ten.source].sum())
    below = max(total - short, 0)
    values, side = _parametric._parametric_flows(
        tails, heads, caps, labels, ten.sink, ten.source, t_lo, ten.horizon, cut_below=below
    )
    _every_step_a_max_flow(ten, (tails, heads, caps, labels), t_lo, values, (side, below))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 20))
def test_going_on_from_a_max_flow_gives_the_same(case: Any, extra: int) -> None:
    """A run stopped at the horizon's max flow (a probe's) and lowered later: the same F."""
    ten, tails, heads, caps, labels = _network(case, extra)
    into = heads == ten.sink
    if not into.any():
        return
    t_lo = int(labels[into].min())
    fresh, _ = _parametric._parametric_flows(
        tails, heads, caps, labels, ten.sink, ten.source, t_lo, ten.horizon
    )
    run = _parametric._Run.start(tails, heads, caps, labels, ten.sink, ten.source)
    run.lower(ten.horizon, ten.horizon)
    assert run.value() == fresh[-1]
    warm, _ = _flows_by_step(
        tails, heads, caps, labels, (ten.sink, ten.source), (t_lo, ten.horizon), warm=run
    )
    assert warm.tolist() == fresh.tolist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 30), st.integers(0, 3))
def test_raising_t_gives_every_steps_max_flow_and_a_min_cut(
    case: Any, extra: int, short: int
) -> None:
    """F(t) by raising t over the reversed network, with express waits (every TEN taken as
    long): at every t the max flow OR-Tools finds over the plain network, and the cut at
    the greatest t short of ``below`` a min cut of the plain network at that t."""
    ten, *_ = _network(case, extra)
    tails, heads, caps = ten.graph()
    g = express_graph(ten, 0)
    into = heads == ten.sink
    if not into.any() or not (tails == ten.source).any():
        return
    t_lo = int(g.label[g.head == ten.sink].min())
    below = max(int(caps[tails == ten.source].sum()) - short, 0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_parametric, "MIN_ARCS", 0)
        values, side = _flows_by_step(
            g.tail, g.head, g.cap, g.label, (ten.sink, ten.source), (t_lo, ten.horizon),
            cut_below=below, rising=True,
        )  # fmt: skip
    labels = g.label[: tails.size]
    _every_step_a_max_flow(ten, (tails, heads, caps, labels), t_lo, values, (side, below))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 60))
def test_express_waits_change_no_max_flow_and_fold_back_into_a_flow(case: Any, extra: int) -> None:
    """With express arcs the max flow is the plain network's; folded back onto the waits it
    is a flow of the plain network (within every capacity, conserved at every copy)."""
    ten, *_ = _network(case, extra)
    tails, heads, caps = ten.graph()
    g = express_graph(ten, 0)
    assert g.tail[: tails.size].tolist() == tails.tolist() and g.n_base == tails.size
    assert (g.span >= BASE).all() and (g.span <= ten.n_hold).all()
    plain = _solve_max_flow(tails, heads, caps, ten.source, ten.sink)
    fast = _solve_max_flow(g.tail, g.head, g.cap, ten.source, ten.sink)
    assert fast.optimal_flow() == plain.optimal_flow()
    flows = g.fold(_flows_of(fast, g.tail.size))
    assert ((flows >= 0) & (flows <= caps)).all()
    balance = np.bincount(heads, flows, ten.n_nodes + 2) - np.bincount(
        tails, flows, ten.n_nodes + 2
    )
    assert not balance[: ten.n_nodes].any()
    assert balance[ten.sink] == fast.optimal_flow() == -balance[ten.source]


def test_express_arcs_skip_four_sixteen_and_sixty_four_waits() -> None:
    """One place over 70 steps: its 69 waits get express arcs of span 4 from every fourth
    copy that has four waits after it (17), of 16 from copies 0, 16, 32 and 48, of 64 from
    copy 0; a short network (more places than steps) gets none."""
    from evacplan.routing._expand import _TEN

    k = 69
    tail = np.append(np.arange(k), k)
    head = np.append(np.arange(1, k + 1), k + 1)
    z = np.zeros(0, dtype=np.int64)
    ten = _TEN(
        horizon=70, n_nodes=k + 1, tail=tail, head=head, cap=np.full(k + 1, 5),
        label=np.append(np.full(k, -1), 70), n_hold=k, m_tpl=z, m_step=z,
        src_node=np.array([0]), src_cap=np.array([5]), ready=np.zeros(k + 3, dtype=np.int64),
        h_cost=np.zeros(k), gate_place=z, gate_step=z,
    )  # fmt: skip
    g = express_graph(ten, 1)
    spans = {int(s): g.tail[g.n_base :][g.span == s].tolist() for s in np.unique(g.span)}
    assert spans == {4: list(range(0, 65, 4)), 16: [0, 16, 32, 48], 64: [0]}
    assert (g.head[g.n_base :] == g.tail[g.n_base :] + g.span).all()
    assert express_graph(ten, 70).tail.size == tail.size + 1


def test_a_cut_off_crowd_keeps_its_excess() -> None:
    """Five people, a road for two: F is 2 at every step, and the cut is the road."""
    tail, head = np.array([0, 1, 2]), np.array([1, 2, 3])
    cap, label = np.array([5, 2, 9]), np.array([-1, -1, 1])
    values, side = _parametric._parametric_flows(tail, head, cap, label, 3, 0, 0, 3, cut_below=5)
    assert values.tolist() == [0, 2, 2, 2]
    assert side is not None and side.tolist() == [True, True, False, False]


def _plans(case: Any, patch: pytest.MonkeyPatch, long: bool | None) -> tuple[Any, Any]:
    net, supply, safe, step = case
    if long is not None:  # every network taken as long (or as short), in both plans
        for module in (_express, _objectives, _search):
            patch.setattr(module, "long", lambda ten, places: long)
    divided = evacuate(net, supply, safe, step_minutes=step)
    patch.setattr(_parametric, "MIN_ARCS", 0)
    pushed = evacuate(net, supply, safe, step_minutes=step)
    return divided, pushed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.sampled_from([None, True, False]))
def test_plans_through_it_match_the_divide_and_conquer(case: Any, long: bool | None) -> None:
    """Every network through the push-relabel (probes, F(t), the bottleneck cut): the same
    egress, bound, arrivals and bottlenecks as by the divide and conquer, and it verifies.
    (Both name the min cut nearest the sources, which is unique.) Taken as long, probes
    are OR-Tools' over express waits and F(t) is found by raising t; as short, by lowering."""
    with pytest.MonkeyPatch.context() as patch:
        divided, pushed = _plans(case, patch, long)
    assert pushed.verify() == []
    assert pushed.status == divided.status
    assert pushed.egress_minutes == divided.egress_minutes
    assert pushed.lower_bound_minutes == divided.lower_bound_minutes
    assert pushed.hours_not_safe == pytest.approx(divided.hours_not_safe)
    assert pushed.stranded == divided.stranded
    cut = [(b.link, b.capacity, b.minutes) for b in pushed.bottlenecks]
    assert cut == [(b.link, b.capacity, b.minutes) for b in divided.bottlenecks]


@st.composite
def _crowded(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """A random network whose arcs go from lower nodes to higher (as in time), node 0 the
    source, the last the sink, each arc into the sink labelled with the first t it counts
    at; more people than room, so that a max preflow leaves many holding excess."""
    n = draw(st.integers(4, 9))
    pairs = [(i, j) for i in range(n - 1) for j in range(i + 1, n) if (i, j) != (0, n - 1)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=3, max_size=22))
    tail = np.array([i for i, _ in chosen], dtype=np.int64)
    head = np.array([j for _, j in chosen], dtype=np.int64)
    cap = np.array(draw(st.lists(st.integers(1, 4), min_size=tail.size, max_size=tail.size)))
    label = np.where(
        head == n - 1, draw(st.lists(st.integers(1, 3), min_size=tail.size, max_size=tail.size)), -1
    )
    return tail, head, cap.astype(np.int64), label.astype(np.int64)


def _held_upstream(tail: np.ndarray, head: np.ndarray, cap: np.ndarray, sink: int) -> Any:
    """A run at a max preflow unlike the push-relabel's: OR-Tools' max flow, with what the
    source could not send held at the nodes it would go to (none of which has a way to the
    sink, else the flow were not the most)."""
    run = _parametric._Run.start(tail, head, cap, np.full(tail.size, -1), sink, 0)
    flow = _solve_max_flow(tail, head, cap, 0, sink)
    net = run.net
    for arc in np.flatnonzero(tail != 0).tolist():
        carried = flow.flow(arc)
        net.res[net.pos[arc]] -= carried
        net.res[net.rev[net.pos[arc]]] += carried
        run.excess[tail[arc]] -= carried
        run.excess[head[arc]] += carried
    return run


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_crowded(), st.data())
def test_another_way_is_found_exactly_when_the_max_flow_stands(
    network: tuple[np.ndarray, ...], data: st.DataObject
) -> None:
    """At a max preflow at some t (the push-relabel's, or one holding excess far upstream),
    :meth:`_Run.reroutes` of some arcs is True exactly when the network without them has as
    great a max flow at t (OR-Tools), with no limit on its searches; with a limit of one
    node, True only then too; and the run's state is left as it was."""
    tail, head, cap, label = network
    sink = int(max(tail.max(), head.max()))
    into = head == sink
    inner = np.flatnonzero(~into & (tail != 0))
    if not into.any() or not inner.size:
        return
    t = data.draw(st.integers(1, 3), label="t")
    if data.draw(st.booleans(), label="pushed"):
        run = _parametric._Run.start(tail, head, cap, label, sink, 0)
        run.lower(3, t)
    else:  # the arcs into the sink after t left out
        keep = ~into | (label <= t)
        tail, head, cap, label = tail[keep], head[keep], cap[keep], label[keep]
        into = head == sink
        inner = np.flatnonzero(~into & (tail != 0))
        if not inner.size:
            return
        run = _held_upstream(tail, head, cap, sink)
    carrying = inner[run.net.res[run.net.rev[run.net.pos[inner]]] > 0]
    pool = carrying if carrying.size and data.draw(st.booleans(), label="carrying") else inner
    picked = data.draw(st.lists(st.sampled_from(pool.tolist()), min_size=1, max_size=3))
    arcs = np.unique(np.array(picked, dtype=np.int64))
    state = (run.net.res.copy(), run.excess.copy(), run.label.copy())
    found = run.reroutes(arcs, _parametric._Search.over(run, limit=tail.size + 9))
    narrow = run.reroutes(arcs, _parametric._Search.over(run, limit=1))
    for before, after in zip(state, (run.net.res, run.excess, run.label), strict=True):
        assert after.tolist() == before.tolist()
    open_ = ~into | (label <= t)
    whole = _solve_max_flow(tail[open_], head[open_], cap[open_], 0, sink)
    shut = open_.copy()
    shut[arcs] = False
    without = _solve_max_flow(tail[shut], head[shut], cap[shut], 0, sink)
    assert run.value() == whole.optimal_flow()
    assert found == (without.optimal_flow() == whole.optimal_flow())
    assert found or not narrow


def test_another_way_from_people_held_upstream() -> None:
    """a and w each have one person for v's one place to safety, and w's is taken: closing
    w-v, a's person can go instead, though w's cannot go another way (the search from the
    closed arc's tail finds nothing; a is found searching back from v)."""
    tail, head, cap = np.array([0, 0, 1, 2, 3]), np.array([1, 2, 3, 3, 4]), np.ones(5, dtype=int)
    run = _held_upstream(tail, head, cap, 4)
    w_v = 3 if run.net.res[run.net.rev[run.net.pos[3]]] else 2
    assert run.excess.tolist() == [0, int(w_v == 3), int(w_v == 2), 0, 1]
    assert run.reroutes(np.array([w_v]), _parametric._Search.over(run, limit=9))
    assert not run.reroutes(np.array([4]), _parametric._Search.over(run, limit=9))
