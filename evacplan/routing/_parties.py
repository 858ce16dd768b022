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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evacplan.errors import SolverError, TooLargeError
from evacplan.routing import _mipmemo
from evacplan.routing._arrays import _reachable
from evacplan.routing._clock import _FORKED_ARCS, _Clock, _within
from evacplan.routing._compile import _Net, _risk_int_of
from evacplan.routing._expand import _TEN
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
    late: bool = False
    """Whether the model's best schedule uses its open end (someone would rather arrive after
    its horizon): then it holds no schedule (``hist`` is None), and a longer horizon may."""
    windows: int = 1
    """The windows solved apart whose schedules make this one (:mod:`._windows`)."""
    face: bool = False
    """Whether it was found among the least-harm flows (:mod:`._on_face`), wave by wave."""


def _nothing(note: str) -> _Exact:
    """No schedule from the whole-party model, and ``note`` saying why."""
    return _Exact([], {}, None, False, None, note)


@dataclass(slots=True)
class _Classes:
    """The parcels as classes of interchangeable parties, and the sources where they wait.

    A class is a key (priority tier, party size): plain supply counts as
    size 1, and the tier is 0 but under ``most_saved``. Each class is one
    integer commodity of the MIP.
    """

    keys: list[tuple[int, int]]
    """The classes, sorted."""
    sizes: list[int]
    """Per class, its party size."""
    parcels: dict[tuple[int, int], list[tuple[int, _Parcel]]]
    """Per class key, its (place, parcel)s."""
    sources: list[tuple[int, int]]
    """The (place, release step)s where anyone waits, sorted."""
    supply: dict[tuple[int, int], int]
    """People per source."""


@dataclass(slots=True)
class _Reach:
    """Per class, its parties at each source node and the arcs they can reach (its variables)."""

    units: list[dict[int, int]]
    """Per class, parties at each TEN node (the sources that can be safe by the horizon)."""
    count: list[int]
    """Per class, its parties in all."""
    arcs: list[np.ndarray]
    """Per class, the arcs reachable from its sources."""

    @property
    def variables(self) -> int:
        """The MIP's flow variables: one per class and reachable arc."""
        return sum(r.size for r in self.arcs)


@dataclass(slots=True)
class _Mip:
    """The MIP as it is built: the solver, its variables, and the terms of its constraints
    and objective levels."""

    solver: Any
    """The pywraplp solver (CBC, else SCIP)."""
    egress: Any
    """The last arrival step, an integer variable."""
    x: list[dict[int, Any]] = field(default_factory=list)
    """Per class and reachable arc, the parties of its size on the arc."""
    into: defaultdict[tuple[int, int], list[Any]] = field(default_factory=lambda: defaultdict(list))
    """Per (class, node), the variables of the arcs into it (the sink's excepted)."""
    out: defaultdict[tuple[int, int], list[Any]] = field(default_factory=lambda: defaultdict(list))
    """Per (class, node), the variables of the arcs out of it."""
    on_arc: defaultdict[int, list[tuple[int, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """Per arc whose capacity binds (moves and gates), (party size, variable) of each class."""
    arrive_at: defaultdict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    """Per arrival step, the variables of the arcs into the sink then."""
    arrivals: list[tuple[int, Any]] = field(default_factory=list)
    """(party size x arrival step, variable) of each arc into the sink."""
    risks: list[tuple[int, Any]] = field(default_factory=list)
    """(party size x risk units, variable) of each arc with risk."""


@dataclass(slots=True)
class _Solved:
    """What the objective levels reached: the best flow found, and how far it is proven."""

    found: bool
    proven: bool
    best: list[dict[int, int]]
    """Per class, the parties on each arc in the last solution found."""
    egress: int | None
    """A lower bound on the egress step, once its level is solved."""
    note: str
    infeasible: bool = False
    """Whether the first level proved that no schedule ends by the horizon."""


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
        return _nothing(f"the whole-party model found nothing in {seconds:.1f} s")
    _mipmemo.keep(done[1])
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
) -> tuple[_Exact | None, dict[bytes, Any]]:
    """:func:`_solve_parties`' answer in a box (so that None is an answer, not a timeout),
    with the MIP answers it added to the memo (:mod:`._mipmemo`), for the parent to keep."""
    return (
        _solve_parties(net, parcels, objective, horizon, seconds, bound, tiers, open_end=open_end),
        _mipmemo.taken(),
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
    hist: _Histories | None = None,
    only: tuple[str, ...] | None = None,
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
    returned but why (with ``late`` set). None when no whole-party schedule ends
    by ``horizon`` (someone cannot be safe by it). The parties' legs are recorded in
    ``hist`` when given (windows solved apart share one), else in new histories.
    With ``only``, just the levels of those names are made least, in order
    (``bound`` holds theirs alone; :mod:`._windows` solves the egress apart).
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
    classes = _classes(parcels, tiers)
    ten = _expanded(net, classes, horizon, open_end)
    if isinstance(ten, _Exact):
        return ten
    if (ten.src_node < 0).any() and not saving:
        return None  # someone cannot be safe by the horizon: nothing to improve on
    reach = _reach(ten, classes)
    refused = _refused(reach.variables, seconds)
    if refused is not None:
        return refused
    extra = (objective, bound, only, horizon, open_end, net.hazard_int)
    key = _mipmemo.fingerprint(ten, reach, classes, _arc_risks(net, ten), *extra)
    kept = _mipmemo.recall(key, reach.arcs)  # the same model solved before (a closure elsewhere)
    if kept is not None:
        solved = _Solved(**kept)
    else:
        solver = pywraplp.Solver.CreateSolver("CBC") or pywraplp.Solver.CreateSolver("SCIP")
        if solver is None:
            return _nothing("no MIP solver (CBC or SCIP) in this OR-Tools")
        mip = _Mip(solver, solver.IntVar(0, horizon + open_end, "egress"))  # (late: horizon+1)
        stopped = _add_variables(mip, net, ten, classes, reach, seconds, started)
        if stopped is not None:
            return stopped
        _add_constraints(mip, ten, reach, saving)
        levels = _levels(mip, net, objective, bound, classes, ten)
        if only is not None:
            levels = [level for level in levels if level[0] in only]
        solved = _lexicographic(mip, levels, bound, seconds, started)
        _mipmemo.remember(key, solved)
    if solved.infeasible:
        return None  # no whole-party schedule ends by the horizon
    if not solved.found:
        return _nothing(solved.note or "no whole-party schedule found")
    late = range(ten.late.start, ten.late.stop)
    if any(values.get(a, 0) for values in solved.best for a in late):
        past = _nothing(
            "a whole-party schedule with less harm may end after minute "
            f"{horizon * net.step}, past what the whole-party model looked at"
        )
        past.late = True
        return past
    finished, used, hist = _decode(net, ten, horizon, classes, solved.best, saving, hist)
    return _Exact(finished, used, hist, solved.proven, solved.egress, solved.note)


def _classes(parcels: list[tuple[int, _Parcel]], tiers: list[int] | None) -> _Classes:
    """The parcels by class (priority tier, party size), and the people at each source."""
    by_size: dict[tuple[int, int], list[tuple[int, _Parcel]]] = defaultdict(list)
    supply: dict[tuple[int, int], int] = defaultdict(int)
    for place, p in parcels:
        tier = tiers[p.party] if tiers is not None and p.party >= 0 else 0
        by_size[(tier, p.count if p.party >= 0 else 1)].append((place, p))
        supply[(place, p.released)] += p.count
    keys = sorted(by_size)
    return _Classes(keys, [k for _, k in keys], by_size, sorted(supply), supply)


def _expanded(net: _Net, classes: _Classes, horizon: int, open_end: bool) -> _TEN | _Exact:
    """The TEN to ``horizon`` from the classes' sources, or why it is not built (too large)."""
    where = classes.sources
    src_place = np.array([w[0] for w in where], dtype=np.int64)
    src_step = np.array([w[1] for w in where], dtype=np.int64)
    src_count = np.array([classes.supply[w] for w in where], dtype=np.int64)
    sp = _Splittable(net, src_place, src_step, src_count)
    try:
        return sp.ten(horizon, open_end=open_end)
    except TooLargeError as err:
        return _nothing(f"the whole-party model is not attempted: {err}")


def _reach(ten: _TEN, classes: _Classes) -> _Reach:
    """Per class, its parties at each source node and the arcs reachable from them."""
    node_of = {w: int(ten.src_node[i]) for i, w in enumerate(classes.sources)}
    size = ten.n_nodes + 2
    reach = _Reach([], [], [])
    for key in classes.keys:
        k = key[1]
        at: dict[int, int] = defaultdict(int)
        for place, p in classes.parcels[key]:
            if node_of[(place, p.released)] >= 0:  # (most_saved: others cannot be safe in time)
                at[node_of[(place, p.released)]] += p.count // k
        reach.units.append(at)
        reach.count.append(sum(at.values()))
        seen = np.zeros(size, dtype=bool)
        seen[_reachable(ten.tail, ten.head, ten.cap, np.array(sorted(at)), size)] = True
        reach.arcs.append(np.flatnonzero(seen[ten.tail]))
    return reach


def _refused(total_vars: int, seconds: float) -> _Exact | None:
    """Why a model of ``total_vars`` variables is not attempted in ``seconds``, or None.

    Too many variables, or more than half the time to build it.
    """
    if total_vars > _MAX_CP_VARIABLES:
        return _nothing(f"the whole-party model has {total_vars} variables; not attempted")
    building = total_vars * _BUILD_SECONDS_PER_VARIABLE
    if building > seconds / 2:
        return _nothing(
            f"the whole-party model ({total_vars:,} variables) would take about {building:.1f} s "
            f"to build, more than half of its {seconds:.1f} s (a time_limit sets them); "
            "not attempted"
        )
    return None


def _arc_risks(net: _Net, ten: _TEN) -> np.ndarray:
    """Per arc of the TEN, the risk units one person pays on it (moves, waits, late arcs)."""
    risk_of = np.zeros(ten.tail.size, dtype=np.int64)
    risk_of[ten.moves] = net.k_risk_int[ten.m_tpl]
    risk_of[: ten.n_hold] = ten.h_cost
    if ten.late_risk is not None:
        risk_of[ten.late] = ten.late_risk
    return risk_of


def _add_variables(
    mip: _Mip,
    net: _Net,
    ten: _TEN,
    classes: _Classes,
    reach: _Reach,
    seconds: float,
    started: float,
) -> _Exact | None:
    """A variable per class and reachable arc, filed by node, arc, arrival and risk.

    Returns why the model is given up when half of ``seconds`` since
    ``started`` has gone before it is built, else None.
    """
    total_vars = reach.variables
    limited = np.zeros(ten.tail.size, dtype=bool)  # arcs whose capacity binds: moves and gates
    limited[ten.moves] = True
    limited[ten.gates] = True
    risk_of = _arc_risks(net, ten)
    labels = ten.label
    for c, reached in enumerate(reach.arcs):
        k = classes.sizes[c]
        xc: dict[int, Any] = {}
        for n_built, a in enumerate(reached.tolist()):
            if n_built % 20_000 == 0 and time.perf_counter() - started > seconds / 2:
                return _nothing(
                    f"the whole-party model ({total_vars} variables) could not be built in "
                    "half the time limit; not attempted"
                )
            var = mip.solver.IntVar(0, reach.count[c], "")
            xc[a] = var
            mip.out[(c, int(ten.tail[a]))].append(var)
            head = int(ten.head[a])
            if head == ten.sink:
                mip.arrivals.append((k * int(labels[a]), var))
                mip.arrive_at[int(labels[a])].append(var)
            else:
                mip.into[(c, head)].append(var)
            if limited[a]:
                mip.on_arc[a].append((k, var))
            if risk_of[a]:
                mip.risks.append((k * int(risk_of[a]), var))
        mip.x.append(xc)
    return None


def _add_constraints(mip: _Mip, ten: _TEN, reach: _Reach, saving: bool) -> None:
    """Flow conservation per class and node, capacities, and the egress over every arrival.

    Rows are set coefficient by coefficient (:func:`_row`): pywraplp's ``Sum`` and ``Add``
    built the same rows several times slower (0.5 s of a founding-seed re-plan's 3 s).
    """
    for (c, node), outs in mip.out.items():
        have = reach.units[c].get(node, 0)
        terms = [(1, v) for v in outs] + [(-1, v) for v in mip.into.get((c, node), [])]
        if saving:  # parties may stay (left behind): at most the parties there leave
            _row(mip, terms, None, have)
            _row(mip, terms, 0, None)
        else:
            _row(mip, terms, have, have)
    for (c, node), ins in mip.into.items():
        if (c, node) not in mip.out:
            _row(mip, [(1, v) for v in ins], 0, 0)
    for a, terms in mip.on_arc.items():
        _row(mip, terms, None, int(ten.cap[a]))
    everyone = sum(reach.count)
    for step, vars_ in mip.arrive_at.items():
        someone = mip.solver.BoolVar("")
        _row(mip, [(1, v) for v in vars_] + [(-everyone, someone)], None, 0)
        _row(mip, [(1, mip.egress), (-step, someone)], 0, None)


def _row(mip: _Mip, terms: list[tuple[int, Any]], low: int | None, high: int | None) -> None:
    """The row ``low <= sum(w * v for w, v in terms) <= high`` (None: no bound that side)."""
    model = mip.solver
    inf = model.infinity()
    row = model.Constraint(-inf if low is None else low, inf if high is None else high)
    coefficients: dict[Any, int] = {}
    for w, v in terms:
        coefficients[v] = coefficients.get(v, 0) + w
    for v, w in coefficients.items():
        row.SetCoefficient(v, w)


def _levels(
    mip: _Mip,
    net: _Net,
    objective: str,
    bound: tuple[int, ...],
    classes: _Classes,
    ten: _TEN,
) -> list[tuple[str, Any]]:
    """The objective's levels in order, each (name, expression to minimise).

    A level with no terms is the number 0.
    """
    model = mip.solver
    risk_expr = model.Sum([w * v for w, v in mip.risks]) if mip.risks else 0
    arrival_expr = model.Sum([w * v for w, v in mip.arrivals])
    stages = [("egress", mip.egress), ("risk", risk_expr), ("arrival", arrival_expr)]
    if objective == "safest":
        stages = [stages[1], stages[0], stages[2]]
    elif objective in ("least_harm", "most_saved"):
        harm_expr = risk_expr + net.hazard_int * arrival_expr if net.hazard_int else risk_expr
        stages = [("harm", harm_expr), stages[2], stages[0]]
    if objective == "most_saved":
        # First the most people safe, tier by tier (minimised as their negative).
        n_tiers = len(bound) - 3
        saved: list[list[tuple[int, Any]]] = [[] for _ in range(n_tiers)]
        for c, xc in enumerate(mip.x):
            tier, k = classes.keys[c]
            saved[tier] += [(-k, var) for a, var in xc.items() if int(ten.head[a]) == ten.sink]
        stages = [
            (f"priority tier {t}", model.Sum([w * v for w, v in terms]) if terms else 0)
            for t, terms in enumerate(saved)
        ] + stages
    return stages


def _lexicographic(
    mip: _Mip,
    levels: list[tuple[str, Any]],
    bound: tuple[int, ...],
    seconds: float,
    started: float,
) -> _Solved:
    """Minimise each level in turn, fixing its value before the next, until ``seconds`` run out.

    ``bound`` holds each level's splittable optimum: a valid lower bound
    while the levels before it match theirs.
    """
    from ortools.linear_solver import pywraplp

    model = mip.solver
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
    solved = _Solved(found=False, proven=True, best=[], egress=None, note="")
    matched = True  # every stage so far at its splittable bound
    for (name, expr), low in zip(levels, bound, strict=True):
        if isinstance(expr, int):
            matched = matched and low == 0
            continue
        if matched:
            model.Add(expr >= low)
        remaining = seconds - (time.perf_counter() - started)
        if remaining <= 0.05:
            solved.proven = False
            solved.note = f"the time limit ended the whole-party search before the {name} stage"
            break
        model.SetTimeLimit(max(1, int(remaining * 1000)))
        model.Minimize(expr)
        status = model.Solve(params)
        if status not in (model.OPTIMAL, model.FEASIBLE):
            solved.proven = False
            solved.infeasible = status == model.INFEASIBLE and not solved.found
            solved.note = f"no whole-party schedule found in time ({name} stage)"
            break
        solved.found = True
        solved.best = [{a: round(var.solution_value()) for a, var in xc.items()} for xc in mip.x]
        value = round(model.Objective().Value())
        # Objectives are whole numbers: a best bound within 1 of the value proves it.
        floor = math.ceil(model.Objective().BestBound() - 1e-6)
        if name == "egress":
            solved.egress = max(floor, low if matched else 0)
        if not (value == low and matched) and floor < value:
            solved.proven = False
            solved.note = f"the time limit cut the whole-party search short ({name} stage)"
        matched = matched and value == low
        model.Add(expr <= value)
    return solved


def _decode(
    net: _Net,
    ten: _TEN,
    horizon: int,
    classes: _Classes,
    best: list[dict[int, int]],
    saving: bool,
    hist: _Histories | None = None,
) -> tuple[list[tuple[_Parcel, int, int]], dict[tuple[int, int], int], _Histories]:
    """The parties' movements from the flow ``best``: (finished parcels, capacity used, histories).

    Each class's integer flow moves its parties whole, first come, first served;
    their legs go into ``hist`` when given.
    """
    is_move = np.zeros(ten.tail.size, dtype=bool)
    is_move[ten.moves] = True
    finished: list[tuple[_Parcel, int, int]] = []
    used: dict[tuple[int, int], int] = {}
    hist = _Histories() if hist is None else hist
    for c, values in enumerate(best):
        k = classes.sizes[c]
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
        start = [
            (place, _Parcel(p.count, -1, p.party, p.released, p.origin, p.released))
            for place, p in classes.parcels[classes.keys[c]]
        ]
        done, left = _sweep(
            net, uniq // (horizon + 2), uniq % (horizon + 2), per_step, start, hist, used
        )
        if left and not saving:
            raise SolverError("a whole-party flow did not decompose into whole parties")
        finished += done
    return finished, used, hist


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
    arrivals = sum(p.count * t for p, _, t in finished)
    if objective == "least_harm":
        return (risk + net.hazard_int * arrivals, arrivals, egress)
    return (risk, egress, arrivals) if objective == "safest" else (egress, risk, arrivals)
