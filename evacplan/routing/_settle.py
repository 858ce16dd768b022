"""Stage 7: the status, bound and notes of a schedule with parties whole.

Takes the schedule the sweep and repair made (:mod:`._movements`,
:mod:`._repair`) as a :class:`_Draft`, its figures in the objective's order
(:func:`._parties._score`) and the splittable optimum's (:func:`_bound`,
from :mod:`._solve`). A schedule that meets the bound is proven; one that
misses it is handed to the whole-party MIP (:mod:`._parties`), whose
schedule replaces it when better, and whose proof (or why there is none) the
plan reports. :func:`_prove_whole` settles ``quickest``, ``safest`` and
``least_harm``; :func:`_prove_saved` settles ``most_saved``, tier by tier.
The front door (:mod:`._evacuate`) builds the plan from the :class:`_Verdict`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from evacplan.results import Party, Status
from evacplan.routing._arguments import _Inputs
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _Net
from evacplan.routing._findings import _per_tier, _short
from evacplan.routing._movements import _Histories, _Parcel
from evacplan.routing._on_face import _exact_on_faces, _LeastFlow
from evacplan.routing._parties import _Exact, _exact_parties, _score
from evacplan.routing._solve import _FlowResult
from evacplan.routing._unroll import _movements, _waiting_units
from evacplan.routing._windows import _exact_windows

_NAMES = {
    "quickest": ("egress time", "risk exposure", "arrivals"),
    "safest": ("risk exposure", "egress time", "arrivals"),
    "least_harm": ("harm", "arrivals", "egress time"),
}
"""Each order's figures, in the order they are made least."""

_MIP_SECONDS = 10.0
"""The whole-party MIP's time without a time limit. Under ``least_harm`` it goes first to the
least-harm faces (:mod:`._on_face`), the windows (:mod:`._windows`) getting what they leave:
where whole parties cannot meet the split harm the faces say so at once, and where they can,
the faces' models are the smaller and the quicker to solve (``bench_plan.py`` cut to 10
posts: 0.3 s on the faces, where the windows found nothing in 10 s)."""


@dataclass(slots=True)
class _Draft:
    """A schedule with parties whole: its histories, capacity used, who arrives, who not."""

    hist: _Histories
    used: dict[tuple[int, int], int]
    travelled: list[tuple[_Parcel, int, int]]
    stranded: list[tuple[_Parcel, str]]


@dataclass(slots=True)
class _Tiers:
    """``most_saved``'s tiers: quotas, counts, each party's tier and how to read a parcel's."""

    quota: np.ndarray
    counts: np.ndarray
    tier_of: list[int]
    priority_of: Callable[[int], int]
    key_of: Callable[[_Parcel], tuple[int, int, int]]
    cut_keys: set[tuple[int, int, int]]
    why: dict[tuple[int, int, int], str]


@dataclass(slots=True)
class _Verdict:
    """What settling found: the schedule (perhaps the MIP's), its status and egress bound
    (minutes), what the proof gains, and notes."""

    draft: _Draft
    status: Status
    lower: int | None
    proof: str = ""
    notes: list[str] = field(default_factory=list)


def _order(objective: str) -> str:
    """The order the flows and the whole-party MIP make their figures least in: an objective's
    own, and for ``most_saved``, once the counts are the most, ``least_harm``'s."""
    return "least_harm" if objective == "most_saved" else objective


def _lead(party_ids: list[str]) -> str:
    """What a note on a schedule short of its bound opens with: why, where parties are."""
    return "parties are never split: " if party_ids else ""


def _verb(names: tuple[str, ...]) -> str:
    """'is' for one figure named in the singular, else 'are'."""
    return "is" if len(names) == 1 and names[0] != "arrivals" else "are"


def _bound(net: _Net, result: _FlowResult, order: str) -> tuple[int, int, int]:
    """The splittable optimum's figures in ``order`` (see :func:`._parties._score`)."""
    assert result.horizon is not None
    if order == "least_harm":
        harm = result.risk_int + net.hazard_int * result.arrival_sum
        return (harm, result.arrival_sum, result.horizon)
    if order == "safest":
        return (result.risk_int, result.horizon, result.arrival_sum)
    return (result.horizon, result.risk_int, result.arrival_sum)


def _have(
    net: _Net,
    draft: _Draft,
    order: str,
    party_ids: list[str],
    bound: tuple[int, int, int] | None = None,
) -> tuple[int, int, int]:
    """A draft's figures in ``order``. Round trips in a flow become waits when movements are
    built, so it is scored without them; plain counts that follow the flow of ``bound``
    exactly meet it (round trips carry no risk there)."""
    if bound is not None and not party_ids and not net.w_cost.size:
        return bound
    used = dict(draft.used)
    trial = _movements(net, draft.hist, draft.travelled, party_ids, used)
    return _score(net, draft.travelled, used, order, _waiting_units(net, trial))


def _try(
    net: _Net, exact: _Exact | None, order: str, party_ids: list[str]
) -> tuple[_Draft, tuple[int, int, int]] | None:
    """The MIP's schedule as a draft, with its figures (None when it found none)."""
    if exact is None or exact.hist is None:
        return None
    draft = _Draft(exact.hist, exact.used, exact.finished, [])
    return draft, _have(net, draft, order, party_ids)


def _moved_only(
    initial: list[tuple[int, _Parcel]], travelled: list[tuple[_Parcel, int, int]]
) -> tuple[list[tuple[int, _Parcel]], bool]:
    """The parcels of ``initial`` that ``travelled`` moves (plain counts cut to what moved), and
    whether that is all of them."""
    parties = {p.party for p, _, _ in travelled if p.party >= 0}
    plain: dict[tuple[int, int], int] = defaultdict(int)
    for p, _, _ in travelled:
        if p.party < 0:
            plain[(p.origin, p.released)] += p.count
    chosen: list[tuple[int, _Parcel]] = []
    for place, p in initial:
        if p.party >= 0:
            if p.party in parties:
                chosen.append((place, p))
            continue
        count = min(p.count, plain[(p.origin, p.released)])
        plain[(p.origin, p.released)] -= count
        if count:
            chosen.append((place, replace(p, count=count)))
    everyone = sum(p.count for _, p in chosen) == sum(p.count for _, p in initial)
    return chosen, everyone


def _mip_horizon(
    inp: _Inputs, order: str, have: tuple[int, int, int], result: _FlowResult, deadline: int | None
) -> int:
    """How far the whole-party MIP looks. For quickest, no better schedule ends after the
    heuristic's egress; for safest, a less risky one may end as late as the deadline (or as
    far as a horizon past which no schedule has less risk, when one is known); for
    least_harm, one that waits longer may have less harm: the MIP's network then has an open
    end, and proves only when nobody would rather arrive after its horizon."""
    assert result.horizon is not None
    if order == "least_harm":
        horizon = max(have[2], result.horizon)
        return horizon if deadline is None else min(horizon, deadline)
    if inp.objective == "quickest" or deadline is None:
        return have[0]
    return result.reach or deadline


def _exact_whole(
    net: _Net,
    chosen: list[tuple[int, _Parcel]],
    order: str,
    horizon: int,
    seconds: float,
    bound: tuple[int, int, int],
    deadline: int | None,
    travelled: list[tuple[_Parcel, int, int]],
    least: tuple[_LeastFlow, ...] = (),
) -> _Exact | None:
    """The whole-party MIP's answer, window by window (:mod:`._windows`): for ``least_harm`` over
    the steps in which each window's parties move, else to ``horizon``. ``bound`` (the
    splittable optimum) is of everyone, so no window's MIP can use it: it is kept for a
    caller's one-model MIP (``_exact_parties``) to be swapped in, as the benchmarks do.
    For ``least_harm`` with its least-harm flows (``least``), first on their faces
    (:mod:`._on_face`): a schedule there is proven by the bound itself."""
    if order == "least_harm":
        if not least:
            return _exact_windows(net, chosen, travelled, seconds, deadline)
        started = time.perf_counter()
        on_face = _exact_on_faces(net, chosen, list(least), seconds)
        if on_face is not None:
            return on_face
        spent = time.perf_counter() - started
        found = _exact_windows(net, chosen, travelled, seconds - spent, deadline)
        if found.hist is None:
            found.note += f"; nor on the least-harm flows' faces in {spent:.1f} s"
        return found
    return _exact_windows(net, chosen, travelled, seconds, deadline, order, horizon)


def _prove_whole(
    net: _Net,
    inp: _Inputs,
    result: _FlowResult,
    draft: _Draft,
    have: tuple[int, int, int],
    initial: list[tuple[int, _Parcel]],
    moving: list[Party],
    party_ids: list[str],
    lower: int | None,
    quickest: int | None,
    clock: _Clock,
) -> _Verdict:
    """A schedule that misses the splittable bound (``quickest``, ``safest``, ``least_harm``):
    the whole-party MIP's, when better, and what is proven of it."""
    s = net.step
    order = inp.objective
    bound = _bound(net, result, order)
    deadline = None if inp.deadline is None else int(inp.deadline // s)
    horizon = _mip_horizon(inp, order, have, result, deadline)
    seconds = clock.left() if inp.time_limit is not None else _MIP_SECONDS
    # The MIP moves the people this schedule moves; with others stranded, which ones go was
    # a choice it does not revisit, so it proves nothing then. Nor when the groups' parties
    # cross over consecutive departures (spread), which it does not model.
    chosen, everyone = _moved_only(initial, draft.travelled)
    spread = bool(draft.hist.spread)
    least = result.least if everyone else ()
    exact = (
        _exact_whole(net, chosen, order, horizon, seconds, bound, deadline, draft.travelled, least)
        if result.proven == 3 and seconds > 0 and not spread
        else None
    )
    better = _try(net, exact, order, party_ids)
    if better is not None and better[1] <= have:
        better[0].stranded = draft.stranded
        draft, have = better
    # The MIP moves each party at one step per link; a party larger than some link ever
    # admits in a step may cross it over several (and a group's party as room allows), so
    # the MIP's own bound does not cover that, and only meeting the splittable bound proves
    # the schedule.
    wide = max((int(p.size) for p in moving), default=0) > net.narrowest()
    narrow = wide or bool(draft.hist.spread)
    proven = everyone and exact is not None and exact.proven and exact.hist is not None
    if proven and exact is not None and exact.face and have[0] != bound[0]:
        proven = False  # (a schedule on the faces has the split harm, or it proves nothing)
    if result.reach is not None and have[0] != bound[0]:
        proven = False  # the MIP looked only as far as the least risk needs
    names = _NAMES[order]
    if proven and (not narrow or have == bound):
        assert exact is not None
        what = "waves" if exact.face else "windows of parties"
        apart = f", {exact.windows} {what} solved apart" if exact.windows > 1 else ""
        why = (
            f"; with parties whole, a MIP proves the schedule best ({', '.join(names)} in turn"
            f"{apart})"
        )
        if exact.face:  # (on the least-harm flows' faces: see ._on_face)
            waves = f" ({exact.windows} waves solved apart)" if exact.windows > 1 else ""
            why = (
                "; with parties kept whole it still has the least harm above, and a MIP among "
                f"the schedules of that harm proves its {names[1]} and {names[2]} best{waves}"
            )
        return _Verdict(draft, Status.OPTIMAL, have[names.index("egress time")] * s, why)
    met = min(next((i for i in range(3) if have[i] != bound[i]), 3), result.proven)
    if order != "quickest" and met < names.index("egress time"):
        # The flow's bound is on the egress of the best schedules by the first figures, which
        # this one is not: only the quickest egress bounds every schedule (of as many people).
        floor = None if result.floor is None else result.floor * s
        lower = floor if floor is not None or quickest is None else quickest
    elif not narrow and order == "quickest" and exact is not None and exact.lower is not None:
        lower = None if lower is None else max(lower, exact.lower * s)
    why_not = f" ({exact.note})" if exact is not None and exact.note else ""
    if exact is None and seconds <= 0:
        why_not = " (the time limit ran out before the whole-party model could run)"
    if result.proven < 3:
        why_not = f" ({result.unproven})"
    elif narrow:
        why_not = (
            " (parties larger than a link admits in one step cross it over several steps, "
            "which the whole-party MIP does not model)"
            if wide
            else " (the parties of groups cross links over consecutive departures as room "
            "allows, which the whole-party MIP does not model)"
        )
    lead = _lead(party_ids) if result.proven == 3 else ""
    if met:
        best, rest = " and ".join(names[:met]), " and ".join(names[met:])
        note = (
            f"{lead}the {best} "
            + ("meets its bound" if met == 1 else "meet their bounds")
            + f", so no plan does better there; its {rest} {_verb(names[met:])} not proven best"
        )
    elif order == "least_harm" and result.proven:
        gap = (have[0] - bound[0]) / net.risk_scale
        note = (
            f"its harm is not proven best: with parties whole, it is at most {gap:.3g} above "
            "the least any schedule could have"
        )
    else:
        note = (
            f"{lead}the schedule is valid but not proven best; no schedule finishes before "
            f"minute {lower}"
        )
    return _Verdict(draft, Status.FEASIBLE, lower, "", [note + why_not])


def _prove_saved(
    net: _Net,
    inp: _Inputs,
    result: _FlowResult,
    draft: _Draft,
    have: tuple[int, int, int],
    initial: list[tuple[int, _Parcel]],
    party_ids: list[str],
    tiers: _Tiers,
    lower: int | None,
    clock: _Clock,
) -> _Verdict:
    """A ``most_saved`` schedule below its bound: the whole-party MIP's, when it saves more
    (tier by tier) or as many with less harm, and what is proven of it."""
    quota, key_of = tiers.quota, tiers.key_of
    assert inp.deadline is not None
    deadline = int(inp.deadline // net.step)
    bound = _bound(net, result, "least_harm")
    moved = _per_tier(quota.size, draft.travelled, key_of)
    seconds = clock.left() if inp.time_limit is not None else _MIP_SECONDS
    mine = (*(-int(q) for q in quota), *bound)
    exact = (
        _exact_parties(net, initial, "most_saved", deadline, seconds, mine, tiers.tier_of)
        if result.proven == 3 and seconds > 0 and all(p.party >= 0 for _, p in initial)
        else None  # (plain counts are whole here: the MIP's answer is for parties)
    )
    better = _try(net, exact, "least_harm", party_ids)
    if better is not None:
        got = _per_tier(quota.size, better[0].travelled, key_of)
        if (*(-got), *better[1]) <= (*(-moved), *have):
            gone = {p.party for p, _, _ in better[0].travelled}
            better[0].stranded = [(p, r) for p, r in draft.stranded if key_of(p) in tiers.cut_keys]
            better[0].stranded += [
                (p, tiers.why.get(key_of(p), "not safe by the deadline with the party whole"))
                for _, p in initial
                if p.party not in gone
            ]
            draft, have, moved = better[0], better[1], got
    short = _short(quota, moved, tiers.priority_of)
    # The MIP moves each party at one step per link and gate, but here a party may cross as
    # room allows: its schedule is a better plan, not a proof.
    if have == bound and result.proven == 3 and not short:
        return _Verdict(draft, Status.OPTIMAL, lower)
    unproven = f" ({result.unproven})" if result.proven < 3 else ""
    if short:
        note = (
            f"{_lead(party_ids)}{short} are safe by the deadline; the plan is valid but "
            "its counts are not proven best"
        )
        return _Verdict(draft, Status.FEASIBLE, None, "", [note + unproven])
    names = _NAMES["least_harm"]
    met = min(next((i for i in range(3) if have[i] != bound[i]), 3), result.proven)
    unmet = names[met:]
    note = (
        f"{_lead(party_ids)}the counts safe by the deadline are the most"
        + (f", and the {names[0]} meets its bound" if met else "")
        + f"; its {' and '.join(unmet)} {_verb(unmet)} not proven best"
    )
    return _Verdict(draft, Status.FEASIBLE, lower, "", [note + unproven])
