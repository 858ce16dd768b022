"""Stage 6b on the optimal face: whole parties among the least-harm flows, proven by the bound.

``least_harm``'s splittable flow (:mod:`._harm`, wave by wave in
:mod:`._waves`) is a least-cost flow of ``harm * W + arrival``. Every other
flow of that cost, and so every schedule as good in harm and then in
arrivals, differs from it by a circulation of zero reduced cost in its
residual network (complementary slackness): such a circulation stays within
one strongly connected component of the residual arcs whose reduced cost is
zero. So an arc of nonzero reduced cost, or one that joins two components,
has the same flow in every least-cost flow as in this one; the rest are
*free* (:func:`_fixed`). On ``bench_plan.py``'s first wave (50 posts) 6,715
of its 61,836 arcs are free.

A schedule with parties whole therefore has the least harm and arrivals
that any schedule could have if, and only if, it keeps every fixed arc's
flow and uses the free ones within their room. :func:`_solve_on` looks for
one with the whole-party MIP of :mod:`._parties`, its variables only on the
arcs of the face, and among them makes the egress least: the MIP over the
face is exact for the egress, every schedule of the least harm and arrivals
lying on it. Where parties whole cannot fill the room as the split flow
does, the face of harm alone (reduced costs of harm, ties in arrivals left
open) holds every schedule of the least harm: the MIP there makes the
arrivals least, then the egress. If neither holds a schedule, no schedule
has the splittable least harm, and the caller goes on to the MIP by windows
(:mod:`._windows`), which looks at every schedule.

The faces are far smaller than the network, and they fall apart: with the
arcs the flows agree to leave empty gone, posts on roads of their own share
nothing, and each part is a MIP of its own, the parts solved at once, one a
core. ``bench_plan.py``'s timeline cut to 10 posts of 100 staff has three
waves; the first wave's face leaves 659 of its 21,893 arcs free (3,686
variables for its 533 parties and plain supply, solved in 0.2 s), where the
MIP by windows found nothing in 10 s. At 50 posts the first wave's face
(6,715 of 61,836 arcs free) falls into ten parts, one a region, of about
3,500 variables each: 1 to 6 s each by SCIP (CBC took up to 53 s on one),
about 15 s in all on two cores, where the one model of 35,408 variables had
found nothing in 400 s. Each schedule found is priced again on the network
(the same cost as the split flow's, or it is not taken), and waves solved
apart must take no room in common, as :mod:`._windows` asks of its windows.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from evacplan.errors import SolverError
from evacplan.routing._arrays import _reachable
from evacplan.routing._clock import _FORKED_ARCS, _Clock, _fork_map, _within
from evacplan.routing._compile import _Net
from evacplan.routing._expand import _TEN
from evacplan.routing._harm import _harm_terms, _potentials, _weighted_costs
from evacplan.routing._movements import _Histories, _Parcel
from evacplan.routing._parties import (
    _MAX_CP_VARIABLES,
    _add_constraints,
    _add_variables,
    _Classes,
    _classes,
    _decode,
    _Exact,
    _levels,
    _lexicographic,
    _Mip,
    _nothing,
    _Reach,
    _row,
)
from evacplan.routing._windows import _taken, _union


@dataclass(frozen=True, slots=True)
class _LeastFlow:
    """A least-harm flow of some sources (a wave, or everyone), over its own network."""

    ten: _TEN
    flows: np.ndarray
    """Per arc of ``ten.graph()``, the people on it."""
    src_place: np.ndarray
    src_step: np.ndarray
    """The sources ``ten.src_node`` is indexed by: place and release step of each."""
    egress_low: int
    """A lower bound (step) on the egress of every schedule of its least harm and arrivals."""


def _costs(ten: _TEN, net: _Net, carry: int, arrivals: bool) -> np.ndarray | None:
    """Per arc of ``ten.graph()``: harm units, and with ``arrivals`` the weighted costs the
    least-harm flow was solved with (:func:`._harm._weighted_costs`: harm above every
    difference in arrivals); None where those did not fit (the flow was then least in
    another way)."""
    tails, heads, _ = ten.graph()
    units, arrival = _harm_terms(ten, net, tails.size)
    if not arrivals:
        return units
    costs, exact = _weighted_costs(units, arrival, carry, int(heads.max(initial=0)))
    return costs if exact else None


def _fixed(least: _LeastFlow, costs: np.ndarray) -> np.ndarray:
    """Per arc of ``least.ten`` (not the source's), the people every flow as cheap as
    ``least.flows`` puts on it, or -1 where such flows differ: the arc's reduced cost is zero
    and it joins two nodes of one component of zero-reduced-cost residual arcs."""
    ten, flows = least.ten, least.flows
    tails, heads, caps = ten.graph()
    size = ten.n_nodes + 2
    pi = _potentials(tails, heads, caps, costs, flows, size)
    tight = costs + pi[tails] - pi[heads] == 0
    forward, backward = tight & (flows < caps), tight & (flows > 0)
    rt = np.concatenate([tails[forward], heads[backward]])
    rh = np.concatenate([heads[forward], tails[backward]])
    graph = csr_matrix((np.ones(rt.size, dtype=np.int8), (rt, rh)), shape=(size, size))
    part = connected_components(graph, directed=True, connection="strong")[1]
    arcs = ten.tail.size  # (the source's arcs after them are the MIP's supplies)
    return np.where(tight & (part[tails] == part[heads]), -1, flows)[:arcs]


def _reach_on(
    ten: _TEN, classes: _Classes, node_of: dict[tuple[int, int], int], open_arc: np.ndarray
) -> _Reach:
    """Per class, its parties at each source node and the arcs of the face they can reach."""
    size = ten.n_nodes + 2
    reach = _Reach([], [], [])
    caps = np.where(open_arc, ten.cap, 0)
    for key in classes.keys:
        k = key[1]
        at: dict[int, int] = defaultdict(int)
        for place, p in classes.parcels[key]:
            at[node_of[(place, p.released)]] += p.count // k
        reach.units.append(at)
        reach.count.append(sum(at.values()))
        seen = np.zeros(size, dtype=bool)
        seen[_reachable(ten.tail, ten.head, caps, np.array(sorted(at)), size)] = True
        reach.arcs.append(np.flatnonzero(seen[ten.tail] & open_arc))
    return reach


def _held(mip: _Mip, classes: _Classes, fixed: np.ndarray) -> bool:
    """Rows keeping the people on each fixed arc that carries any; False if no party can
    reach one of them (then the face holds no schedule of whole parties)."""
    held: defaultdict[int, list[tuple[int, Any]]] = defaultdict(list)
    for c, xc in enumerate(mip.x):
        for a, var in xc.items():
            if fixed[a] > 0:
                held[a].append((classes.sizes[c], var))
    for a in np.flatnonzero(fixed > 0).tolist():
        if a not in held:
            return False
        _row(mip, held[a], int(fixed[a]), int(fixed[a]))
    return True


def _people_on(ten: _TEN, classes: _Classes, best: list[dict[int, int]]) -> np.ndarray:
    """Per arc of ``ten`` (not the source's), the people a whole-party flow puts on it."""
    people = np.zeros(ten.tail.size, dtype=np.int64)
    for c, values in enumerate(best):
        for a, v in values.items():
            people[a] += classes.sizes[c] * v
    return people


def _solve_on(
    net: _Net,
    least: _LeastFlow,
    parcels: list[tuple[int, _Parcel]],
    seconds: float,
    hist: _Histories,
    arrivals: bool,
) -> _Exact | None:
    """The best whole-party schedule on the face of ``least``: of harm and arrivals (the egress
    made least), or with ``arrivals`` False of harm alone (the arrivals, then the egress);
    None if the face holds none (see the module).

    Parts of the face that share no free or used arc (posts on roads of their own, after
    the arcs the flows agree to leave empty are gone) are solved apart, one a core at once
    (:func:`._clock._fork_map`): their figures add up, and the egress is the largest of
    theirs. ``bench_plan.py``'s first wave falls into ten, one a region, of about 3,500
    variables each.
    """
    deadline = time.perf_counter() + seconds
    ten = least.ten
    costs = _costs(ten, net, sum(p.count for _, p in parcels), arrivals)
    if costs is None:
        return None
    try:
        fixed = _fixed(least, costs)
    except SolverError:  # (the flow is not least for these costs: no face to look on)
        return None
    node_of = {
        (int(p), int(s)): int(n)
        for p, s, n in zip(least.src_place, least.src_step, ten.src_node, strict=True)
    }
    inner = (fixed != 0) & (ten.head != ten.sink)
    size = ten.n_nodes + 2
    graph = coo_matrix(
        (np.ones(int(inner.sum()), dtype=np.int8), (ten.tail[inner], ten.head[inner])),
        shape=(size, size),
    )
    label = connected_components(graph, directed=False)[1]
    part = np.where(fixed != 0, label[ten.tail], -1)
    by_part: defaultdict[int, list[tuple[int, _Parcel]]] = defaultdict(list)
    for place, p in parcels:
        by_part[int(label[node_of[(place, p.released)]])].append((place, p))
    parts = sorted(by_part.items(), key=lambda item: -len(item[1]))  # (the largest first)
    jobs = [
        (net, least, mine, part == c, fixed, costs, deadline, node_of, arrivals)
        for c, mine in parts
    ]
    answers = _fork_map(_solve_part, jobs, min(os.cpu_count() or 1, _WORKERS))
    if any(kind == "none" for kind, _ in answers):
        return None
    found: list[_Exact] = []
    for (_, mine), (kind, answer) in zip(parts, answers, strict=True):
        if kind != "found":
            return _nothing(answer)
        best, proven, egress, note = answer
        classes = _classes(mine, None)
        finished, used, hist = _decode(net, ten, ten.horizon, classes, best, False, hist)
        found.append(_Exact(finished, used, hist, proven, egress, note))
    return _union(found, hist)


_WORKERS = 4
"""At most this many parts of a face are solved at once (one a core)."""


def _solve_part(job: tuple[Any, ...]) -> tuple[str, Any]:
    """One part of :func:`_solve_on`'s face (the arcs ``inside``, its parcels) by the MIP, by
    ``deadline`` (:func:`time.perf_counter`): ("found", (flow per class and arc, proven,
    egress bound, note)), ("none", None) if the part holds no schedule, or ("nothing",
    why) if none was found in time."""
    from ortools.linear_solver import pywraplp

    net, least, parcels, inside, fixed, costs, deadline, node_of, arrivals = job
    started, seconds = time.perf_counter(), deadline - time.perf_counter()
    if seconds <= 0.05:
        return "nothing", "the time limit ended the search on the least-harm face"
    ten = least.ten
    fixed = np.where(inside, fixed, 0)
    classes = _classes(parcels, None)
    reach = _reach_on(ten, classes, node_of, fixed != 0)
    if reach.variables > _MAX_CP_VARIABLES:
        return "nothing", f"the least-harm face has {reach.variables:,} variables; not attempted"
    # SCIP first: on the faces' feasibility problems it is steadier than CBC (bench_plan.py's
    # first wave, ten regions: 26 s in all, the slowest 5.8 s, against CBC's 112 s and 53 s).
    solver = pywraplp.Solver.CreateSolver("SCIP") or pywraplp.Solver.CreateSolver("CBC")
    if solver is None:
        return "nothing", "no MIP solver (SCIP or CBC) in this OR-Tools"
    mip = _Mip(solver, solver.IntVar(0, ten.horizon + 1, "egress"))
    stopped = _add_variables(mip, net, ten, classes, reach, seconds, started)
    if stopped is not None:
        return "nothing", stopped.note
    _add_constraints(mip, ten, reach, False)
    if not _held(mip, classes, fixed):
        return "none", None
    n = ten.tail.size
    flows = np.where(inside, least.flows[:n], 0)
    levels = _levels(mip, net, "least_harm", (0, 0, 0), classes, ten)[2 if arrivals else 1 :]
    into_sink = ten.label >= 0
    least_arrivals = int(ten.label[into_sink] @ flows[into_sink])
    low = (least.egress_low,) if arrivals else (least_arrivals, least.egress_low)
    solved = _lexicographic(mip, levels, low, seconds, started)
    if solved.infeasible:
        return "none", None
    if not solved.found:
        return "nothing", solved.note or "no whole-party schedule found on the least-harm face"
    late = range(ten.late.start, ten.late.stop)
    if any(values.get(a, 0) for values in solved.best for a in late):
        return "none", None  # (someone would arrive after the horizon: no schedule)
    if costs[:n] @ _people_on(ten, classes, solved.best) != costs[:n] @ flows:
        return "nothing", "a schedule on the least-harm face costs more than its flow"
    return "found", (solved.best, solved.proven, solved.egress, solved.note)


def _on_faces(
    net: _Net, parcels: list[tuple[int, _Parcel]], leasts: list[_LeastFlow], seconds: float
) -> _Exact | None:
    """Every wave's best whole-party schedule on its faces (:func:`_solve_on`), as one; None
    unless each is proven and no two take room in common."""
    started = time.perf_counter()
    hist = _Histories()
    parts: list[_Exact] = []
    for least in leasts:
        sources = set(zip(least.src_place.tolist(), least.src_step.tolist(), strict=True))
        mine = [(place, p) for place, p in parcels if (place, p.released) in sources]
        found = None
        for arrivals in (True, False):
            left = seconds - (time.perf_counter() - started)
            found = _solve_on(net, least, mine, left, hist, arrivals) if left > 0.05 else None
            if found is not None:
                break
        if found is None or not found.proven or found.hist is None:
            return None
        parts.append(found)
    if sum(p.count for e in parts for p, _, _ in e.finished) != sum(p.count for _, p in parcels):
        return None  # (someone is in no wave's flow)
    rooms = [_taken(net, e.used) for e in parts]
    if sum(len(r) for r in rooms) != len(set().union(*rooms)):
        return None
    found = _union(parts, hist)
    found.face = True
    return found


def _exact_on_faces(
    net: _Net, parcels: list[tuple[int, _Parcel]], leasts: list[_LeastFlow], seconds: float
) -> _Exact | None:
    """:func:`_on_faces` in a forked worker, stopped when its ``seconds`` run out (a MIP solver
    keeps its limit only between the nodes of its search); None if it finds no proven
    schedule."""
    return _within(_Clock(seconds), _FORKED_ARCS, _on_faces, net, parcels, leasts, seconds)
