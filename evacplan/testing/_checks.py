"""Run a scenario's ``checks:`` section: each check's expectation on its plan.

Takes the validated :class:`~evacplan.models.Check` entries of a Scenario,
plans the scenario once for each what-if the checks ask for (staff
unavailable, indicators fired) with :func:`evacplan.plan`, and hands each
check to its ``expect_*`` function in :mod:`._expect`. ``evacplan check``
prints the results; the pytest plugin turns each check into a test item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evacplan._validate import suggest
from evacplan.contingency import ContingencyPlan, plan
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Check, Scenario
from evacplan.testing._edits import with_unavailable, without_threats
from evacplan.testing._expect import (
    Expectation,
    expect_all_safe,
    expect_departs,
    expect_last_out,
    expect_open,
    expect_parties_whole,
    expect_retained,
    expect_safe,
    expect_survives,
    expect_verified,
)
from evacplan.testing._robust import expect_robust

__all__ = ["CheckResult", "Plans", "run_check", "run_checks"]


@dataclass(frozen=True)
class CheckResult:
    """A check of the scenario file and what became of it."""

    check: Check
    expectation: Expectation

    @property
    def id(self) -> str:
        """The check's id."""
        return self.check.id

    @property
    def passed(self) -> bool:
        """Whether the expectation holds."""
        return self.expectation.passed

    def __bool__(self) -> bool:
        return self.passed

    def report(self, limit: int | None = 10, more: str = "--verbose shows all") -> str:
        """``PASS id: message`` in one line, or ``FAIL id: ...`` in at most ``limit`` lines
        (all when ``None``), the message's further lines indented."""
        if self.passed:
            first = (self.expectation.message.splitlines() or [""])[0]
            return f"PASS {self.id}: {first}"
        first, *rest = self.expectation.text(limit, more).splitlines()
        return "\n".join([f"FAIL {self.id}: {first}", *(f"     {line}" for line in rest)])

    def as_dict(self) -> dict[str, Any]:
        """The result as plain data (``evacplan check --json``): id, description, passed,
        expectation, message (in full), offenders and their details."""
        e = self.expectation
        return {
            "id": self.id,
            "description": self.check.description,
            "passed": self.passed,
            "expectation": e.name,
            "message": e.message,
            "offenders": list(e.offenders),
            "details": [dict(d) for d in e.details],
        }


class Plans:
    """The plans a scenario's checks need, each made once: one per what-if.

    Parameters
    ----------
    scenario
        The scenario as written.
    **options
        Passed to :func:`evacplan.plan` (``time_limit``, ``objective``, ...).
    """

    def __init__(self, scenario: Scenario, **options: Any) -> None:
        self.scenario = scenario
        self.options = options
        self._plans: dict[tuple[Any, ...], ContingencyPlan] = {}

    def __len__(self) -> int:
        return len(self._plans)

    def scenario_for(self, check: Check) -> Scenario:
        """The scenario the check is made on: with its unavailable staff and lifted threats,
        when it names any."""
        scenario = self.scenario
        if check.unavailable:
            scenario = with_unavailable(scenario, *check.unavailable)
        if check.what_if is not None and check.what_if.lift:
            scenario = without_threats(scenario, *check.what_if.lift)
        return scenario

    def options_for(self, check: Check) -> dict[str, Any]:
        """The plan() options of the check: ours, with the check's indicators fired too, and
        its objective, deadline and hazard where it names them."""
        fired = {**(self.options.get("indicators") or {}), **check.indicators}
        options = {**self.options, "indicators": fired}
        for name in ("objective", "deadline", "hazard_per_hour"):
            if getattr(check, name) is not None:
                options[name] = getattr(check, name)
        return options

    def plan_for(self, check: Check) -> ContingencyPlan:
        """The plan the check reads: the scenario under the check's what-if, planned once."""
        key = (
            tuple(sorted(check.unavailable)),
            tuple(sorted(check.what_if.lift)) if check.what_if is not None else (),
            tuple(sorted(check.indicators.items())),
            check.objective,
            str(check.deadline),
            check.hazard_per_hour,
        )
        if key not in self._plans:
            self._plans[key] = plan(self.scenario_for(check), **self.options_for(check))
        return self._plans[key]


def run_check(scenario: Scenario, check: Check, *, plans: Plans | None = None) -> CheckResult:
    """Make one check of ``scenario`` (planning it, or reading the plan ``plans`` holds).

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.models import Check
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> print(run_check(tiny, Check(id="head-stays", retained=["cap-01"])).report())
    PASS head-stays: cap-01 stays at their post
    >>> print(run_check(tiny, Check(id="deputy-stays", retained=["cap-02"])).report())
    FAIL deputy-stays: 1 of 1 not retained:
         cap-02 is not retained: safe at haven (Sat 4 Jan 09:45 +00:00)
    """
    plans = plans if plans is not None else Plans(scenario)
    if check.survives is not None:
        s = check.survives
        result = expect_survives(
            plans.scenario_for(check),
            close=list(s.close),
            at=s.at,
            until=s.until,
            within=s.all_safe_within,
            baseline=plans.plan_for(check),  # the plan the closure is set beside, made once
            **plans.options_for(check),
        )
        return CheckResult(check, result)
    cp = plans.plan_for(check)
    kind = check.expectation
    if check.robust is not None:
        r = check.robust
        result = expect_robust(
            cp,
            r.p,
            r.all_safe_by,
            runs=r.runs,
            seed=r.seed,
            travel_factor=r.travel_factor,
            late=r.late,
            no_show=r.no_show,
            policy=r.policy,
        )
    elif kind == "all_safe":
        result = expect_all_safe(cp, within=check.all_safe_within, by=check.all_safe_by)
    elif kind == "open":
        posture = None if check.posture is None else str(check.posture)
        result = expect_open(cp, str(check.open), posture, until=check.until)
    elif kind == "retained":
        result = expect_retained(cp, *(check.retained or ()))
    elif kind == "departs":
        result = expect_departs(cp, *(check.departs or ()), by=check.by, within=check.within)
    elif kind == "safe":
        result = expect_safe(cp, *(check.safe or ()), by=check.by, within=check.within)
    elif kind == "last_out":
        result = expect_last_out(cp, *(check.last_out or ()))
    elif kind == "parties_whole":
        result = expect_parties_whole(cp)
    else:
        result = expect_verified(cp)
    return CheckResult(check, result)


def run_checks(
    scenario: Scenario, *, only: list[str] | tuple[str, ...] | None = None, **options: Any
) -> list[CheckResult]:
    """Make the scenario file's checks (or ``only`` those ids), in file order.

    The scenario is planned once for each what-if the checks ask for;
    ``options`` go to :func:`evacplan.plan`.

    Raises
    ------
    ScenarioError
        If ``only`` names a check the scenario does not have.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> founding = load_scenario(seed_path("uk-iraq-iran-2020"))
    >>> results = run_checks(founding, only=["ambassadors-stay"])
    >>> print(results[0].report())
    PASS ambassadors-stay: bgd-001, thr-001 stay at their post
    """
    checks = {c.id: c for c in scenario.checks}
    wanted = list(checks) if only is None else list(only)
    unknown = [
        Problem(f"only[{i}]", f"{cid!r} is not a check of the scenario{suggest(cid, checks)}")
        for i, cid in enumerate(wanted)
        if cid not in checks
    ]
    if unknown:
        raise ScenarioError(unknown, source="invalid arguments to run_checks()")
    plans = Plans(scenario, **options)
    return [run_check(scenario, checks[cid], plans=plans) for cid in wanted]
