"""``expect_robust``: the plan holds up when run many times under uncertainty.

The check behind a scenario file's ``robust:`` (``evacplan check``, the
pytest plugin) and :func:`evacplan.testing.assert_robust`: the plan is run
by :func:`evacplan.uncertainty.simulate`, and everyone who comes must be
safe by a time in at least a share of the runs. The message says how often
they are, and, when it fails, who is most often late and what holds people
up.
"""

from __future__ import annotations

from typing import Any

from evacplan.contingency import ContingencyPlan
from evacplan.testing._expect import Expectation
from evacplan.testing._words import as_given, read_time, written

__all__ = ["expect_robust"]


def expect_robust(plan: ContingencyPlan, p: float, all_safe_by: Any, **options: Any) -> Expectation:
    """Everyone who comes is safe by ``all_safe_by`` (from the start) in at least a share ``p``
    of runs of the plan under uncertainty (``options`` go to
    :func:`evacplan.uncertainty.simulate`: ``runs``, ``seed``, ``travel_factor``, ``late``,
    ``no_show``, ``closures``).

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> cp = plan(load_scenario(seed_path("tiny")))
    >>> e = expect_robust(cp, 0.9, "30h", runs=200, travel_factor=(1, 1, 1.5))
    >>> bool(e), e.message.splitlines()[0]
    (True, 'everyone who came is safe by 30h after the start (Sat 4 Jan 12:00 +00:00) in 100% of 200 runs (at least 90% needed)')
    """
    from evacplan.uncertainty import simulate
    from evacplan.uncertainty.result import _pct

    by = read_time(all_safe_by, "all_safe_by", span=False, plan=plan)
    sim = simulate(plan, **options)
    share = sim.p_safe_by(by)
    passed = share >= p - 1e-12
    name = f"robust(p={p:g}, all_safe_by={as_given(all_safe_by)})"
    head = (
        f"everyone who came is safe by {written(plan.scenario, all_safe_by, by)} in "
        f"{_pct(share)} of {sim.runs} runs"
        + (", re-planned at each closure and dead end" if sim.policy == "replan" else "")
        + f" (at least {_pct(p)} needed)"
    )
    if passed:
        return Expectation(name, True, head)
    lines = [head, *sim.summary().splitlines()[1:]]
    late = tuple(o.party for o in sim.party_odds() if o.p_on_time < 1)
    return Expectation(name, False, "\n".join(lines), late)
