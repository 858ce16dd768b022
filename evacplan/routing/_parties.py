"""Stage 6b: whole parties, exactly: a MIP over the time-expanded network, with its proof.

When the flow's schedule with parties whole (:mod:`._movements`,
:mod:`._repair`) misses the splittable bound of :mod:`._solve`,
:func:`_exact_parties` solves the lexicographic objective with parties never
split (one integer commodity per party size over the TEN of :mod:`._expand`;
CBC through OR-Tools), and either proves the schedule best or reports what
it could prove. :func:`_score` gives any schedule's objective in the same
order, so the front door can compare.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from evacplan.errors import SolverError, TooLargeError
from evacplan.routing._arrays import _reachable
from evacplan.routing._clock import _FORKED_ARCS, _Clock, _within
from evacplan.routing._compile import _Net, _risk_int_of
from evacplan.routing._movements import _Histories, _Parcel, _sweep
from evacplan.routing._search import _Splittable

_BUILD_SECONDS_PER_VARIABLE = 40e-6
"""Building the MIP through pywraplp takes about this long per variable, constraints included
(measured: the founding plan's 139,671 variables in 5.6 s). A model that would take more than
half the time left is not started: it could not be solved in the rest."""
_MAX_CP_VARIABLES = 300_000
"""Above this many variables the whole-party MIP is skipped (the plan says so)."""


@dataclass(slots=True)
class _Exact:
    """What the whole-party MIP found: a schedule, and what it proved."""

    finished: list[tuple[_Parcel, int, int]]
    used: dict[tuple[int, int], int]
    hist: _Histories | None
    proven: bool
    lower: int | None
    note: str


def _exact_parties(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    objective: str,
    horizon: int,
    seconds: float,
    bound: tuple[int, ...],
    tiers: list[int] | None = None,
    *,
    open_end: bool = False,
) -> _Exact | None:
    """:func:`_solve_parties` in a forked worker, stopped when its ``seconds`` run out.

    CBC keeps to its time limit only between the nodes of its search, and
    the first LP of a large model can take many times the limit: the worker
    (:func:`._clock._within`) makes the limit hold.
    """
    done = _within(
        _Clock(seconds),
        _FORKED_ARCS,
        _boxed,
        net,
        parcels,
        objective,
        horizon,
        seconds,
        bound,
        tiers,
        open_end,
    )
    if done is None:
        return _Exact(
            [], {}, None, False, None, f"the whole-party model found nothing in {seconds:.1f} s"
        )
    return done[0]


def _boxed(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    objective: str,
    horizon: int,
    seconds: float,
    bound: tuple[int, ...],
    tiers: list[int] | None,
    open_end: bool,
) -> tuple[_Exact | None]:
    """:func:`_solve_parties`' answer in a box (so that None is an answer, not a timeout)."""
    return (
        _solve_parties(net, parcels, objective, horizon, seconds, bound, tiers, open_end=open_end),
    )


def _solve_parties(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    objective: str,
    horizon: int,
    seconds: float,
    bound: tuple[int, ...],
    tiers: list[int] | None = None,
    *,
    open_end: bool = False,
) -> _Exact | None:
    """The lexicographic optimum with whole parties, by a MIP over the TEN to ``horizon``.

    One integer commodity per party size (plain supply counts as size 1),
    with supplies at every place and release step where such parties wait:
    x[c, arc] parties of size c use the arc, and the people on a move arc,
    summed over sizes, stay within its capacity. Parties of one size are
    interchangeable, so an integer flow of a commodity splits into whole
    parties, and no symmetry is left to break. Stages: ``quickest``
    minimises the egress step, then the risk, then the sum of arrival steps;
    ``safest`` the risk first; ``least_harm`` the harm (risk, and
    ``net.hazard_int`` a step until each arrival), then the arrivals, then
    the egress. ``most_saved`` (with ``tiers``: per party, its
    priority tier) lets parties stay where they are and first maximises the
    people safe by ``horizon`` tier by tier (one commodity per tier and size),
    then the harm, arrivals and egress of those saved; its ``bound`` starts
    with each tier's splittable most, negated. Each stage's value is fixed
    before the next. With ``open_end`` (``least_harm``), the network has the
    late arcs of :func:`._expand._expand`: a solution that uses none is best
    over every horizon; one that uses any is no schedule, and nothing is
    returned but why.
    ``bound`` is the splittable optimum in the same order: a stage's part of
    it is a valid lower bound while the stages before it match theirs; a
    stage that meets it is proven exactly, otherwise by the MIP's best bound
    (within 1 of the whole-number value). CBC (SCIP if absent) solves it,
    single-threaded and deterministic: on these flow models its LP
    relaxation makes it several times faster than CP-SAT (measured on the
    founding scenario: 1.2-2.9 s against 5-25 s).
    """
    from ortools.linear_solver import pywraplp

    started = time.perf_counter()
    saving = objective == "most_saved"
    by_size: dict[tuple[int, int], list[tuple[int, _Parcel]]] = defaultdict(list)
    supply: dict[tuple[int, int], int] = defaultdict(int)
    for place, p in parcels:
        tier = tiers[p[2]] if tiers is not None and p[2] >= 0 else 0
        by_size[(tier, p[0] if p[2] >= 0 else 1)].append((place, p))
        supply[(place, p[5])] += p[0]
    classes = sorted(by_size)
    sizes = [k for _, k in classes]
    where = sorted(supply)
    src_place = np.array([w[0] for w in where], dtype=np.int64)
    src_step = np.array([w[1] for w in where], dtype=np.int64)
    src_count = np.array([supply[w] for w in where], dtype=np.int64)
    sp = _Splittable(net, src_place, src_step, src_count)
    try:
        ten = sp.ten(horizon, open_end=open_end)
    except TooLargeError as err:
        return _Exact([], {}, None, False, None, f"the whole-party model is not attempted: {err}")
    if (ten.src_node < 0).any() and not saving:
        return None  # someone cannot be safe by the horizon: nothing to improve on
    node_of = {w: int(ten.src_node[i]) for i, w in enumerate(where)}
    n_arcs = ten.tail.size
    size = ten.n_nodes + 2
    moves = ten.moves
    late = range(ten.late.start, ten.late.stop)
    is_move = np.zeros(n_arcs, dtype=bool)
    is_move[moves] = True
    limited = is_move.copy()  # arcs whose capacity binds: moves and places' gates
    limited[ten.gates] = True
    units: list[dict[int, int]] = []
    count: list[int] = []
    reach = []
    for key in classes:
        k = key[1]
        at: dict[int, int] = defaultdict(int)
        for place, p in by_size[key]:
            if node_of[(place, p[5])] >= 0:  # (most_saved: others cannot be safe in time)
                at[node_of[(place, p[5])]] += p[0] // k
        units.append(at)
        count.append(sum(at.values()))
        seen = np.zeros(size, dtype=bool)
        seen[_reachable(ten.tail, ten.head, ten.cap, np.array(sorted(at)), size)] = True
        reach.append(np.flatnonzero(seen[ten.tail]))
    total_vars = sum(r.size for r in reach)
    if total_vars > _MAX_CP_VARIABLES:
        return _Exact(
            [],
            {},
            None,
            False,
            None,
            f"the whole-party model has {total_vars} variables; not attempted",
        )

    building = total_vars * _BUILD_SECONDS_PER_VARIABLE
    if building > seconds / 2:
        return _Exact(
            [],
            {},
            None,
            False,
            None,
            f"the whole-party model ({total_vars:,} variables) would take about {building:.1f} s "
            f"to build, more than half of its {seconds:.1f} s (a time_limit sets them); "
            "not attempted",
        )

    model = pywraplp.Solver.CreateSolver("CBC") or pywraplp.Solver.CreateSolver("SCIP")
    if model is None:
        return _Exact([], {}, None, False, None, "no MIP solver (CBC or SCIP) in this OR-Tools")
    x: list[dict[int, Any]] = []
    into: dict[tuple[int, int], list[Any]] = defaultdict(list)
    out: dict[tuple[int, int], list[Any]] = defaultdict(list)
    on_arc: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    arrivals: list[tuple[int, Any]] = []
    risks: list[tuple[int, Any]] = []
    last_arrival = model.IntVar(0, horizon, "egress")
    labels = ten.label
    risk_of = np.zeros(n_arcs, dtype=np.int64)
    risk_of[moves] = net.k_risk_int[ten.m_tpl]
    risk_of[: ten.n_hold] = ten.h_cost
    if ten.late_risk is not None:
        risk_of[ten.late] = ten.late_risk
    arrive_at: dict[int, list[Any]] = defaultdict(list)
    for c, reached in enumerate(reach):
        k = sizes[c]
        xc: dict[int, Any] = {}
        for n_built, a in enumerate(reached.tolist()):
            if n_built % 20_000 == 0 and time.perf_counter() - started > seconds / 2:
                return _Exact(
                    [],
                    {},
                    None,
                    False,
                    None,
                    f"the whole-party model ({total_vars} variables) could not be built in "
                    "half the time limit; not attempted",
                )
            var = model.IntVar(0, count[c], "")
            xc[a] = var
            out[(c, int(ten.tail[a]))].append(var)
            head = int(ten.head[a])
            if head == ten.sink:
                arrivals.append((k * int(labels[a]), var))
                arrive_at[int(labels[a])].append(var)
            else:
                into[(c, head)].append(var)
            if limited[a]:
                on_arc[a].append((k, var))
            if risk_of[a]:
                risks.append((k * int(risk_of[a]), var))
        x.append(xc)
    for (c, node), outs in out.items():
        leaving = model.Sum(outs) - model.Sum(into.get((c, node), []))
        if saving:  # parties may stay (left behind): at most the parties there leave
            model.Add(leaving <= units[c].get(node, 0))
            model.Add(leaving >= 0)
        else:
            model.Add(leaving == units[c].get(node, 0))
    for (c, node), ins in into.items():
        if (c, node) not in out:
            model.Add(model.Sum(ins) == 0)
    for a, terms in on_arc.items():
        model.Add(model.Sum([w * v for w, v in terms]) <= int(ten.cap[a]))
    everyone = sum(count)
    for step, vars_ in arrive_at.items():
        someone = model.BoolVar("")
        model.Add(model.Sum(vars_) <= everyone * someone)
        model.Add(last_arrival >= step * someone)
    risk_expr = model.Sum([w * v for w, v in risks]) if risks else 0
    arrival_expr = model.Sum([w * v for w, v in arrivals])
    stages = [("egress", last_arrival), ("risk", risk_expr), ("arrival", arrival_expr)]
    if objective == "safest":
        stages = [stages[1], stages[0], stages[2]]
    elif objective in ("least_harm", "most_saved"):
        harm_expr = risk_expr + net.hazard_int * arrival_expr if net.hazard_int else risk_expr
        stages = [("harm", harm_expr), stages[2], stages[0]]
    if saving:  # first the most people safe, tier by tier (minimised as their negative)
        n_tiers = len(bound) - 3
        saved: list[list[tuple[int, Any]]] = [[] for _ in range(n_tiers)]
        for c, xc in enumerate(x):
            tier, k = classes[c]
            saved[tier] += [(-k, var) for a, var in xc.items() if int(ten.head[a]) == ten.sink]
        stages = [
            (f"priority tier {t}", model.Sum([w * v for w, v in terms]) if terms else 0)
            for t, terms in enumerate(saved)
        ] + stages

    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
    proven = True
    found = False
    best: list[dict[int, int]] = []
    bound_egress: int | None = None
    note = ""
    matched = True  # every stage so far at its splittable bound
    for (name, expr), low in zip(stages, bound, strict=True):
        if isinstance(expr, int):
            matched = matched and low == 0
            continue
        if matched:
            model.Add(expr >= low)
        remaining = seconds - (time.perf_counter() - started)
        if remaining <= 0.05:
            proven = False
            note = f"the time limit ended the whole-party search before the {name} stage"
            break
        model.SetTimeLimit(max(1, int(remaining * 1000)))
        model.Minimize(expr)
        status = model.Solve(params)
        if status not in (model.OPTIMAL, model.FEASIBLE):
            proven = False
            note = f"no whole-party schedule found in time ({name} stage)"
            break
        found = True
        best = [{a: round(var.solution_value()) for a, var in xc.items()} for xc in x]
        value = round(model.Objective().Value())
        # Objectives are whole numbers: a best bound within 1 of the value proves it.
        floor = math.ceil(model.Objective().BestBound() - 1e-6)
        if name == "egress":
            bound_egress = max(floor, low if matched else 0)
        if not (value == low and matched) and floor < value:
            proven = False
            note = f"the time limit cut the whole-party search short ({name} stage)"
        matched = matched and value == low
        model.Add(expr <= value)
    if not found:
        return _Exact([], {}, None, False, None, note or "no whole-party schedule found")
    if any(values.get(a, 0) for values in best for a in late):
        return _Exact(
            [],
            {},
            None,
            False,
            None,
            "a whole-party schedule with less harm may end after minute "
            f"{horizon * net.step}, past what the whole-party model looked at",
        )

    # Decode: each class's integer flow moves its parties whole, first come, first served.
    finished: list[tuple[_Parcel, int, int]] = []
    used: dict[tuple[int, int], int] = {}
    hist = _Histories()
    for c, values in enumerate(best):
        k = sizes[c]
        rows = [(a, f) for a, f in values.items() if is_move[a] and f > 0]
        if not rows:
            continue
        arcs = np.array([a for a, _ in rows], dtype=np.int64)
        amount = np.array([f * k for _, f in rows], dtype=np.int64)
        tpl = ten.m_tpl[arcs - ten.n_hold]
        g = net.k_group[tpl]
        st_ = ten.m_step[arcs - ten.n_hold]
        key = g * (horizon + 2) + st_
        uniq, inv = np.unique(key, return_inverse=True)
        per_step = np.bincount(inv, weights=amount).astype(np.int64)
        start = [(place, [p[0], -1, p[2], p[5], p[4], p[5]]) for place, p in by_size[classes[c]]]
        done, left = _sweep(
            net, uniq // (horizon + 2), uniq % (horizon + 2), per_step, start, hist, used
        )
        if left and not saving:
            raise SolverError("a whole-party flow did not decompose into whole parties")
        finished += done
    return _Exact(finished, used, hist, proven, bound_egress, note)


def _score(
    net: _Net,
    finished: list[tuple[_Parcel, int, int]],
    used: dict[tuple[int, int], int],
    objective: str,
    waiting: int = 0,
) -> tuple[int, int, int]:
    """A schedule's objective, lexicographic: (egress, risk, arrivals) for ``quickest``,
    (risk, egress, arrivals) for ``safest``, (harm, arrivals, egress) for ``least_harm``.

    ``waiting`` is the risk units of its waits (:func:`._movements._waiting_units`);
    arrivals are steps, and harm is in risk units counted from minute 0.
    """
    egress = max((t for _, _, t in finished), default=0)
    risk = _risk_int_of(net, used) + waiting
    arrivals = sum(p[0] * t for p, _, t in finished)
    if objective == "least_harm":
        return (risk + net.hazard_int * arrivals, arrivals, egress)
    return (risk, egress, arrivals) if objective == "safest" else (egress, risk, arrivals)
