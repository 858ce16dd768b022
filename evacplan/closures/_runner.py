"""The cases a baseline needs, settled: by max flows, reused from a single closure, re-planned.

:func:`_settle` takes the closures (as :class:`_Entry` items, each the names
of what it closes and its links) and the cases (tuples of entry indices), and
settles each in the cheapest way that is still a proof (the order
:mod:`._analyze` explains): skipped when the baseline does not need its links,
by max flows (:mod:`._flows`), reused from a single closure's plan (pairs),
or re-planned by a :class:`_Runner`, here or on an executor, in batches.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any

from evacplan.closures._arguments import _fresh_id, _Inputs, _Item, _refs
from evacplan.closures._cases import _Context, _Job, _one, _Result, _run
from evacplan.closures._flows import _Figures, _Prefix
from evacplan.closures._footprint import _Groups, contingency_footprint, evacuation_footprint
from evacplan.contingency import ContingencyPlan
from evacplan.models import Scenario
from evacplan.routing import EvacuationPlan

_Settled = dict[tuple[int, ...], tuple[str, "_Result | None", str]]
"""Per case: how it was settled, its re-plan's result (if any), and the closure it reused."""


@dataclass(frozen=True, slots=True)
class _Settlement:
    """Every case settled: how, with what result, and the max flows' figures."""

    settled: _Settled
    figures: dict[tuple[int, ...], _Figures]
    solves: int
    """How many re-plans were made."""


def _settle(
    inp: _Inputs,
    baseline: ContingencyPlan | EvacuationPlan,
    context: _Context,
    entries: list[_Entry],
    combos: list[tuple[int, ...]],
    timing: dict[str, float],
) -> _Settlement:
    """Settle every case; the seconds each way took go into ``timing``."""
    started = time.perf_counter()
    groups = _Groups(inp.network, context.step)
    footprint = _footprint(baseline, groups, inp.at)
    settled: _Settled = {}
    for combo in combos:
        if not _union(entries, combo).links & footprint:
            settled[combo] = ("skipped", None, "")
    timing["skipped"] = time.perf_counter() - started
    flows_started = time.perf_counter()
    figures = _settle_by_flows(inp, baseline, entries, combos, settled)
    timing["max-flow"] = time.perf_counter() - flows_started
    runner = _Runner(inp, context, entries, groups)
    try:
        _solve(inp, runner, entries, combos, footprint, settled)
    finally:
        runner.close()
    timing["re-planned"] = runner.seconds
    return _Settlement(settled, figures, runner.solves)


def _footprint(
    baseline: ContingencyPlan | EvacuationPlan, groups: _Groups, at: float
) -> frozenset[int]:
    """The links the baseline enters from ``at`` on (and a Scenario's last-out ways out)."""
    if isinstance(baseline, ContingencyPlan):
        return contingency_footprint(baseline, groups, at)
    return evacuation_footprint(baseline, groups, at)


def _solve(
    inp: _Inputs,
    runner: _Runner,
    entries: list[_Entry],
    combos: list[tuple[int, ...]],
    footprint: frozenset[int],
    settled: _Settled,
) -> None:
    """Settle the cases the baseline needs: reused from a single closure's plan, or re-planned."""
    # Pairs first look at each member's own closure, where the baseline needs it.
    singles: dict[int, _Result] = {}
    if inp.k == 2:
        needed = sorted(
            {i for combo in combos if combo not in settled for i in combo}
            & {i for i, item in enumerate(entries) if item.links & footprint}
        )
        singles = dict(zip(needed, runner.solve([(i,) for i in needed]), strict=True))
        for combo in combos:
            if combo in settled:
                continue
            for i in combo:
                rest = _union(entries, tuple(j for j in combo if j != i)).links
                one = singles.get(i)
                if one is not None and not one.footprint & rest:
                    settled[combo] = ("reused", one, " + ".join(entries[i].names))
                    break
    todo = [combo for combo in combos if combo not in settled]
    for combo, result in zip(todo, runner.solve(todo), strict=True):
        settled[combo] = ("re-planned", result, "")


def _settle_by_flows(
    inp: _Inputs,
    baseline: ContingencyPlan | EvacuationPlan,
    entries: list[_Entry],
    combos: list[tuple[int, ...]],
    settled: _Settled,
) -> dict[tuple[int, ...], _Figures]:
    """Settle the cases max flows prove (:mod:`._flows`); their figures, by case."""
    prefix = _Prefix.build(inp, baseline)
    figures: dict[tuple[int, ...], _Figures] = {}
    if prefix is None:
        return figures
    todo = [combo for combo in combos if combo not in settled]
    prefix.prepare([_union(entries, combo).links for combo in todo])
    for combo in todo:
        found = prefix.settle(_union(entries, combo).links)
        if found is not None:
            figures[combo] = found
            settled[combo] = ("max-flow", None, "")
    return figures


@dataclass(frozen=True, slots=True)
class _Entry:
    """An entry of the closures list: the names of what it closes, and their links."""

    names: tuple[str, ...]
    links: frozenset[int]


def _merge(items: tuple[_Item, ...]) -> _Entry:
    return _Entry(tuple(i.name for i in items), frozenset().union(*(i.links for i in items)))


def _union(entries: list[_Entry], combo: tuple[int, ...]) -> _Entry:
    return _Entry(
        tuple(name for i in combo for name in entries[i].names),
        frozenset().union(*(entries[i].links for i in combo)),
    )


class _Runner:
    """Re-plans closures here or on the executor, in batches, with a progress bar."""

    def __init__(
        self, inp: _Inputs, context: _Context, entries: list[_Entry], groups: _Groups
    ) -> None:
        self.inp = inp
        self.groups = groups
        """The baseline's link groups, for the re-plans run here (a worker makes its own)."""
        self.context = context
        self.entries = entries
        self.seconds = 0.0
        self.solves = 0
        subject = inp.subject
        threats = subject.threats if isinstance(subject, Scenario) else inp.plan_options["threats"]
        self.taken = {t.id for t in threats or ()}
        """Threat ids the closures' own must not repeat."""
        self.bar: Any = None
        if inp.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=0, desc="closures re-planned", unit="case")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def _job(self, key: int, combo: tuple[int, ...]) -> _Job:
        links: set[str] = set()
        places: list[str] = []
        for i in combo:
            for item in self.inp.items[i]:
                if item.place is not None:
                    places.append(item.place)
                else:
                    links.update(_refs(self.inp.network, item.links))
        names = "+".join(name for i in combo for name in self.entries[i].names)
        slug = re.sub(r"[^A-Za-z0-9_.:]+", "-", names.replace("<->", "~").replace("->", ">"))
        slug = slug.strip("-")[:60] or "links"
        threat_id = _fresh_id(self.taken, f"closing-{slug}")
        return _Job(key, tuple(sorted(links)), tuple(dict.fromkeys(places)), threat_id)

    def solve(self, combos: list[tuple[int, ...]]) -> list[_Result]:
        """Each combo's closure re-planned, in the order given."""
        if not combos:
            return []
        jobs = [self._job(n, combo) for n, combo in enumerate(combos)]
        if self.bar is not None:
            self.bar.total += len(jobs)
            self.bar.refresh()
        results: list[_Result] = []
        if self.inp.executor is None:
            for job in jobs:
                results.append(_one(self.context, job, self.groups))
                self._tick(results[-1:])
        else:
            # Enough batches that the last ones finish close together; few enough that
            # sending each its context (the network, a Scenario's baseline) stays cheap.
            size = max(1, min(64, math.ceil(len(jobs) / 32)))
            batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
            futures = [self.inp.executor.submit(_run, self.context, b) for b in batches]
            for future in futures:
                done = future.result()
                self._tick(done)
                results += done
        results.sort(key=lambda r: r.key)
        return results

    def _tick(self, done: list[_Result]) -> None:
        self.seconds += sum(r.seconds for r in done)
        self.solves += len(done)
        if self.bar is not None:
            self.bar.update(len(done))
