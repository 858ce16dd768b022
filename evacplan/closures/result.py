"""The result of :func:`~evacplan.closures.analyze`: one :class:`ClosureCase` per closure.

:class:`ClosureAnalysis` holds the baseline and the cases, worst first, and
derives what a planner reads: a JSON-friendly table (one dict per case), a
pandas DataFrame (pandas is an optional extra), the worst cases, a summary
in words where equal outcomes are grouped ("these 12 closures change
nothing"), and an HTML table for notebooks.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from evacplan._time import _plural, duration
from evacplan.contingency import ContingencyPlan
from evacplan.results import Status
from evacplan.routing import EvacuationPlan
from evacplan.routing._words import _figure

__all__ = ["ClosureAnalysis", "ClosureCase", "Outcome"]


class Outcome(StrEnum):
    """What a closure does to the plan, worst first."""

    INFEASIBLE = "infeasible"
    """A post can no longer hold its posture: its retained staff cannot get out in time."""
    STRANDED = "stranded"
    """More people than in the baseline cannot reach safety."""
    DELAYED = "delayed"
    """Everyone still gets out, the last of them later than in the baseline."""
    REROUTED = "rerouted"
    """Everyone still gets out, the last of them no later, but some by another route or at
    another time, some perhaps later (see the case's ``rerouted``, ``harm_change`` and
    ``hours_change``)."""
    UNAFFECTED = "unaffected"
    """No party's route or arrival changes."""

    @property
    def rank(self) -> int:
        """0 for the worst outcome, 4 for none."""
        return list(Outcome).index(self)


@dataclass(frozen=True)
class ClosureCase:
    """One closure (a link, a place, or several together) applied at minute ``at``."""

    closed: tuple[str, ...]
    """What is closed: link labels (the id, or ``source->target`` for a link without
    one) and place ids."""
    links: tuple[str, ...]
    """The labels of every link the closure closes (a place closes every link at it)."""
    outcome: Outcome
    status: Status
    """The status of the case's plan (the baseline's when nothing was solved)."""
    egress_minutes: int | None
    """When the last person who gets out is safe."""
    delay_minutes: int | None
    """``egress_minutes`` minus the baseline's (None when either is missing)."""
    lower_bound_minutes: int | None
    """The case's proven lower bound on the egress."""
    stranded: int
    """People stranded beyond the baseline's (those are on
    :attr:`ClosureAnalysis.baseline_stranded`)."""
    stranded_by_category: dict[str, int]
    """Those people by category (staff categories, ``dependant``, a group's category such as
    ``national``, or ``people`` for plain counts)."""
    stranded_who: tuple[str, ...]
    """Their parties, or ``"<n> at <place>"`` for plain counts."""
    posts: dict[str, str]
    """Posts that can no longer hold their posture, with the breach in words."""
    risk_exposure: float
    proof: str
    """Why the outcome holds, in words."""
    method: str
    """How the case was settled: ``"skipped"`` (the baseline's schedule does not use the
    closed links: no solve), ``"max-flow"`` (max flows over the baseline's time-expanded
    network give its figures: see :func:`~evacplan.closures.analyze`), ``"reused"``
    (another case's plan does not use them either), or ``"re-planned"``."""
    seconds: float
    """Solver time spent on this case (0 when skipped or reused; its max flows' when
    settled by them)."""
    harm: float = 0.0
    """The case's plan's harm (see :attr:`~evacplan.routing.EvacuationPlan.harm`)."""
    harm_change: float = 0.0
    """How much more harm the people who get out either way come to (summed over them);
    the stranded are counted in ``stranded``, never as harm saved."""
    hours_change: float = 0.0
    """How many more person-hours not yet safe those people spend."""
    rerouted: int = 0
    """People who get out either way whose route or arrival changes (for a case settled
    by max flows, those whose route enters a closed link after it closes: every plan of
    the case changes theirs, and a re-plan may change others' too)."""
    plan: ContingencyPlan | EvacuationPlan | None = field(default=None, repr=False)
    """The case's plan, when ``analyze(..., keep_plans=True)``; for skipped cases the
    baseline."""

    @property
    def sort_key(self) -> tuple[Any, ...]:
        """Worst first: posts lost, then people stranded, then the harm and person-hours it
        adds (a closure that lowers them adds none), then the delay, then the closed ids."""
        return (
            -len(self.posts),
            -self.stranded,
            -max(0.0, round(self.harm_change, 9)),
            -max(0.0, round(self.hours_change, 6)),
            -max(0, self.delay_minutes or 0),
            self.outcome.rank,
            self.closed,
        )

    def effect(self) -> str:
        """What the closure does, in words: posts lost, people stranded, re-routed, the harm
        and person-hours it adds, the delay ("no change" when there is none)."""
        parts = [f"{p} cannot hold: {why}" for p, why in self.posts.items()]
        if self.stranded:
            kinds = ", ".join(
                f"{v:,} {k}"
                for k, v in sorted(self.stranded_by_category.items())
                if k != "people"  # (plain counts: the total says it)
            )
            parts.append(
                f"{_plural(self.stranded, 'more person', 'more people')} stranded"
                + (f" ({kinds})" if kinds else "")
            )
        if self.rerouted:
            parts.append(f"{_plural(self.rerouted, 'person', 'people')} re-routed")
        # With people stranded, the rest may get out sooner for want of them on the roads:
        # that is no gain, and is not worded as one.
        floor = 0.0 if self.stranded else -float("inf")
        harm, hours = max(self.harm_change, floor), max(self.hours_change, floor)
        whose = " for those who still get out" if self.stranded else ""
        if abs(harm) > 1e-9:
            parts.append(f"harm {_change(harm, 3)}{whose}")
        if abs(hours) > 1e-6:
            shown = f"{hours:+,.0f}" if abs(hours) >= 100 else f"{hours:+.3g}"
            parts.append(f"{shown} person-hours not yet safe{whose}")
        delay = max(self.delay_minutes or 0, int(floor) if self.stranded else -(10**9))
        if delay:
            later = "later" if delay > 0 else "sooner"
            parts.append(f"the last person safe {duration(abs(delay))} {later}")
        return "; ".join(parts) or "no change"

    def row(self) -> dict[str, Any]:
        """The case as a JSON-friendly dict (a row of :meth:`ClosureAnalysis.table`)."""
        return {
            "closed": list(self.closed),
            "outcome": str(self.outcome),
            "status": str(self.status),
            "egress_minutes": self.egress_minutes,
            "delay_minutes": self.delay_minutes,
            "lower_bound_minutes": self.lower_bound_minutes,
            "stranded": self.stranded,
            "stranded_by_category": dict(self.stranded_by_category),
            "stranded_who": list(self.stranded_who),
            "posts": dict(self.posts),
            "rerouted": self.rerouted,
            "harm_change": self.harm_change,
            "hours_change": self.hours_change,
            "harm": self.harm,
            "risk_exposure": self.risk_exposure,
            "links": list(self.links),
            "method": self.method,
            "seconds": round(self.seconds, 3),
            "proof": self.proof,
        }

    def __str__(self) -> str:
        return f"{' + '.join(self.closed)}: {self.outcome} ({self.effect()})"


@dataclass(frozen=True)
class ClosureAnalysis:
    """Every closure re-planned and ranked by harm (:func:`~evacplan.closures.analyze`).

    Attributes
    ----------
    baseline
        The baseline schedule (an :class:`~evacplan.routing.EvacuationPlan`): for a
        Scenario, its contingency plan's joint schedule (the whole plan is
        ``baseline_plan``).
    baseline_plan
        What each case is compared with: the ContingencyPlan for a Scenario, else the
        EvacuationPlan.
    cases
        One :class:`ClosureCase` per closure, worst first.
    at
        The minute the closures apply from.
    k
        How many items each case closes together.
    """

    baseline: EvacuationPlan
    baseline_plan: ContingencyPlan | EvacuationPlan
    cases: list[ClosureCase]
    at: float
    k: int
    baseline_stranded: int = 0
    """People the baseline itself cannot bring to safety (no case counts them again)."""
    solves: int = 0
    """Plans made for the cases: the re-planned ones, and for pairs the single closures
    whose plans were tried for reuse."""
    runtime_seconds: float = 0.0
    timing: dict[str, float] = field(default_factory=dict)
    """Seconds by how cases were settled: ``baseline``, ``skipped``, ``max-flow``,
    ``re-planned``, and ``wall`` for the whole call."""

    # ------------------------------------------------------------------ figures

    def table(self) -> list[dict[str, Any]]:
        """One JSON-friendly dict per case, worst first.

        Examples
        --------
        >>> from evacplan.closures import analyze
        >>> from evacplan.io import load_scenario, seed_path
        >>> tiny = load_scenario(seed_path("tiny")).network
        >>> rows = analyze(tiny, supply={"embassy": 30}, step_minutes=5).table()
        >>> [(r["closed"], r["outcome"], r["delay_minutes"]) for r in rows][:2]
        [(['airport-road'], 'delayed', 45), (['flight'], 'delayed', 45)]
        """
        return [case.row() for case in self.cases]

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (``pip install evacplan[tables]``)."""
        try:
            import pandas as pd
        except ImportError as error:  # pragma: no cover - pandas is in the test extra
            raise ImportError(
                "ClosureAnalysis.to_pandas() needs pandas: pip install 'evacplan[tables]'"
            ) from error
        rows = self.table()
        for row in rows:
            row["closed"] = " + ".join(row["closed"])
            row["links"] = ", ".join(row["links"])
            row["stranded_who"] = ", ".join(row["stranded_who"])
            row["posts"] = "; ".join(f"{k}: {v}" for k, v in row["posts"].items())
            row["stranded_by_category"] = ", ".join(
                f"{k}: {v}" for k, v in row["stranded_by_category"].items()
            )
        return pd.DataFrame(rows)

    def worst(self, n: int = 5) -> list[ClosureCase]:
        """The ``n`` most harmful cases (those that change something), worst first."""
        return [c for c in self.cases if c.outcome is not Outcome.UNAFFECTED][:n]

    @property
    def counts(self) -> dict[str, int]:
        """How many cases had each outcome."""
        return {str(o): sum(1 for c in self.cases if c.outcome is o) for o in Outcome}

    def groups(self) -> list[tuple[tuple[Any, ...], list[ClosureCase]]]:
        """Cases with equal effects together, worst first: ((outcome, egress, stranded,
        posts, effect in words), cases)."""
        by: dict[tuple[Any, ...], list[ClosureCase]] = defaultdict(list)
        for case in self.cases:
            key = (
                case.outcome,
                case.egress_minutes,
                case.stranded,
                tuple(sorted(case.posts)),
                case.effect(),
            )
            by[key].append(case)
        return sorted(by.items(), key=lambda item: item[1][0].sort_key)

    # ------------------------------------------------------------------ words

    def summary(self, limit: int = 10) -> str:
        """The analysis in a few lines: counts by outcome, then equal outcomes grouped."""
        base = self.baseline
        n = len(self.cases)
        what = {1: "closure", 2: "pair of closures"}.get(self.k, f"set of {self.k} closures")
        plural = {1: "closures", 2: "pairs of closures"}.get(self.k, f"sets of {self.k} closures")
        lines = [
            f"Closure analysis: {n:,} {what if n == 1 else plural} from minute {self.at:g}; "
            f"baseline egress {_egress(base.egress_minutes)}, {base.status}, "
            f"harm {_figure(base.harm)}"
            + (
                f", {_plural(self.baseline_stranded, 'person', 'people')} stranded (not "
                "counted again in the cases)"
                if self.baseline_stranded
                else ""
            ),
            "  "
            + ", ".join(f"{v} {k}" for k, v in self.counts.items() if v)
            + f"; {self._timing_words()}",
        ]
        for (outcome, *_, effect), cases in self.groups()[:limit]:
            names = [" + ".join(c.closed) for c in cases]
            shown = ", ".join(names[:8]) + (
                f", ... ({len(names) - 8} more)" if len(names) > 8 else ""
            )
            count = f"{len(cases)} {what if len(cases) == 1 else plural}"
            lines.append(f"  {outcome}: {count}: {effect}: {shown}")
        if len(self.groups()) > limit:
            lines.append(f"  ... {len(self.groups()) - limit} more groups")
        return "\n".join(lines)

    def _timing_words(self) -> str:
        t = self.timing
        by = {
            m: sum(1 for c in self.cases if c.method == m)
            for m in ("skipped", "max-flow", "reused", "re-planned")
        }
        extra = self.solves - by["re-planned"]
        flows = f"{by['max-flow']} settled by max flows, " if by["max-flow"] else ""
        return (
            f"{by['skipped']} skipped without a solve, {flows}{by['reused']} reused, "
            f"{by['re-planned']} re-planned"
            + (f" (and {extra} single closures planned for the pairs)" if extra > 0 else "")
            + f"; {t.get('wall', self.runtime_seconds):.1f} s"
        )

    def __str__(self) -> str:
        return self.summary(limit=50)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(
            f"<div>{esc(line.strip())}</div>" for line in self.summary().splitlines()[:2]
        )
        rows = []
        for (outcome, egress, stranded, posts, _), cases in self.groups():
            names = ", ".join(" + ".join(c.closed) for c in cases)
            case = cases[0]
            delay = case.delay_minutes
            rows.append(
                f"<tr><td>{esc(str(outcome))}</td><td>{len(cases)}</td>"
                f"<td>{stranded:,}</td><td>{esc(', '.join(posts))}</td>"
                f"<td>{_change(case.harm_change, 3)}</td><td>{_change(case.hours_change, 4)}</td>"
                f"<td>{case.rerouted:,}</td>"
                f"<td>{'' if egress is None else duration(egress)}</td>"
                f"<td>{'' if not delay else duration(delay, signed=True)}</td>"
                f"<td>{esc(names)}</td></tr>"
            )
        return (
            f"<div class='evacplan-closures'>{head}<table><thead><tr><th scope='col'>outcome</th>"
            "<th scope='col'>cases</th><th scope='col'>more stranded</th>"
            "<th scope='col'>posts lost</th><th scope='col'>harm added</th>"
            "<th scope='col'>person-hours added</th><th scope='col'>re-routed</th>"
            "<th scope='col'>last safe, from the start</th><th scope='col'>change</th>"
            "<th scope='col'>closed</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )

    def to_json(self) -> str:
        """The analysis as JSON: the baseline's figures and the table."""
        base = self.baseline
        return json.dumps(
            {
                "at": self.at,
                "k": self.k,
                "baseline": {
                    "status": str(base.status),
                    "egress_minutes": base.egress_minutes,
                    "stranded": _stranded(base),
                    "harm": base.harm,
                    "hours_not_safe": base.hours_not_safe,
                },
                "counts": self.counts,
                "solves": self.solves,
                "timing": {k: round(v, 3) for k, v in self.timing.items()},
                "cases": self.table(),
            },
            indent=2,
        )


def _egress(minutes: int | None) -> str:
    """The last person safe, from the start: ``8 d 2 h 30 (11,670 min)``, or ``none``."""
    return "none" if minutes is None else f"{duration(minutes)} ({minutes:,} min)"


def _stranded(plan: EvacuationPlan) -> int:
    return sum(s.count for s in plan.stranded)


def _change(x: float, digits: int) -> str:
    """A change for reading, signed: ``digits`` significant digits, and from 1,000 on
    thousands separated with no exponent (``+3,260`` where ``:+.3g`` wrote ``+3.26e+03``).

    >>> _change(3259.6, 3), _change(-0.008671, 3), _change(1627521.4, 4)
    ('+3,260', '-0.00867', '+1,627,521')
    """
    return ("-" if x < 0 else "+") + _figure(abs(x), digits)
