"""Unit-testing contingency plans: assertions, their ``expect_*`` twins, what-if edits, the
checks written in a scenario file, and plans as comparable data.

Planners test their plans as engineers test code::

    from evacplan import plan
    from evacplan.testing import assert_all_safe, assert_open, with_unavailable

    def test_baghdad_holds_without_its_deputy(founding):
        cp = plan(with_unavailable(founding, "bgd-002"))
        assert_open(cp, "baghdad", posture="minimal")
        assert_all_safe(cp, within="24h")

Each ``assert_*`` raises :class:`AssertionError` with a message a planner
reads at once (who, where, why); each ``expect_*`` returns an
:class:`Expectation` instead, for notebooks and reports. With pytest, the
plugin :mod:`evacplan.pytest_plugin` (installed with evacplan) adds the
``evacplan`` marker and the fixtures ``evacplan_scenario``, ``evacplan_plan``,
``what_if`` and ``plan_snapshot``, and collects the checks of scenario files.
Modules:

- :mod:`._edits`: ``with_unavailable``, ``with_closure``, ``with_indicator``,
  ``with_posture``, ``without_threats``: a new, fully checked Scenario each;
- :mod:`._words`: times and routes as a planner reads them (clock times, spans);
- :mod:`._expect`: the expectations, read from a plan's public records;
- :mod:`._robust`: ``expect_robust``, the plan run many times under uncertainty
  (:func:`evacplan.uncertainty.simulate`);
- :mod:`._snapshot`: ``snapshot`` (a plan as plain data) and ``compare`` (what changed
  between two, in words), behind the plugin's ``plan_snapshot`` and what-if reports;
- :mod:`._checks`: ``run_checks``, the ``checks:`` section of a scenario file made
  (``evacplan check FILE`` and the pytest plugin's items use it).
"""

from __future__ import annotations

from typing import Any

from evacplan.contingency import ContingencyPlan
from evacplan.testing._checks import CheckResult, Plans, run_check, run_checks
from evacplan.testing._edits import (
    with_closure,
    with_indicator,
    with_posture,
    with_unavailable,
    without_threats,
)
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
from evacplan.testing._snapshot import FIELDS as SNAPSHOT_FIELDS
from evacplan.testing._snapshot import compare, snapshot

__all__ = [
    "CheckResult",
    "Expectation",
    "Plans",
    "SNAPSHOT_FIELDS",
    "assert_all_safe",
    "assert_departs",
    "assert_last_out",
    "assert_open",
    "assert_parties_whole",
    "assert_retained",
    "assert_robust",
    "assert_safe",
    "assert_survives",
    "assert_verified",
    "compare",
    "expect_all_safe",
    "expect_departs",
    "expect_last_out",
    "expect_open",
    "expect_parties_whole",
    "expect_retained",
    "expect_robust",
    "expect_safe",
    "expect_survives",
    "expect_verified",
    "run_check",
    "run_checks",
    "snapshot",
    "with_closure",
    "with_indicator",
    "with_posture",
    "with_unavailable",
    "without_threats",
]


MESSAGE_LINES: int | None = 10
"""The most lines an ``assert_*`` failure shows (``None``: all). The pytest plugin sets
it from pytest's verbosity: all with ``-vv``."""

MORE = ""
"""What a shortened failure says after ``... and N more`` (empty: that the ``expect_*``
function's message has all; the pytest plugin says ``pytest -vv shows all``)."""


def _hold(result: Expectation) -> None:
    __tracebackhide__ = True  # pytest shows the test's line, not this one
    if not result.passed:
        more = MORE
        if more == "":
            function = f"expect_{result.name.split('(')[0]}"
            more = f"{function}(...).message has all"
        raise AssertionError(f"expected {result.name}: {result.text(MESSAGE_LINES, more)}")


def assert_all_safe(plan: ContingencyPlan, within: Any = None, by: Any = None) -> None:
    """Everyone sent away is safe in time (see :func:`expect_all_safe`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_all_safe(plan, within=within, by=by))


def assert_open(
    plan: ContingencyPlan, post: str, posture: str | None = None, until: Any = None
) -> None:
    """The post stays open and holds (see :func:`expect_open`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_open(plan, post, posture, until=until))


def assert_retained(plan: ContingencyPlan, *staff_ids: str) -> None:
    """These staff stay (see :func:`expect_retained`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_retained(plan, *staff_ids))


def assert_departs(
    plan: ContingencyPlan, *staff_ids: str, by: Any = None, within: Any = None
) -> None:
    """These staff set out in time (see :func:`expect_departs`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_departs(plan, *staff_ids, by=by, within=within))


def assert_safe(plan: ContingencyPlan, *staff_ids: str, by: Any = None, within: Any = None) -> None:
    """These staff are safe in time (see :func:`expect_safe`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_safe(plan, *staff_ids, by=by, within=within))


def assert_last_out(plan: ContingencyPlan, *staff_ids: str) -> None:
    """These staff are among the last out (see :func:`expect_last_out`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_last_out(plan, *staff_ids))


def assert_parties_whole(plan: ContingencyPlan) -> None:
    """No party is split (see :func:`expect_parties_whole`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_parties_whole(plan))


def assert_verified(plan: ContingencyPlan) -> None:
    """``plan.verify()`` finds nothing (see :func:`expect_verified`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_verified(plan))


def assert_survives(
    scenario: Any, close: Any, at: Any = 0, within: Any = None, *, until: Any = None, **options: Any
) -> None:
    """The plan survives the closure (see :func:`expect_survives`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_survives(scenario, close, at=at, within=within, until=until, **options))


def assert_robust(plan: ContingencyPlan, p: float, all_safe_by: Any, **options: Any) -> None:
    """The plan holds up under uncertainty (see :func:`expect_robust`), else AssertionError."""
    __tracebackhide__ = True
    _hold(expect_robust(plan, p, all_safe_by, **options))
