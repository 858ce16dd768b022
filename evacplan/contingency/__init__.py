"""Contingency plans over the timeline: stages, departures, one schedule, last-out.

:func:`plan` is the planner's main job. It joins the two solvers over the
scenario's timeline: decision points fire in time order and raise posts'
postures (they never fall); at each stage :func:`evacplan.drawdown` decides
who stays (whoever left is gone for good), the newly departing parties are
released after the muster time, and :func:`evacplan.evacuate` routes every
release in one schedule over the threat timeline. At every stage each open
post's retained staff must still be able to get out in time (last-out
extraction). :class:`ContingencyPlan` accounts for every person and checks
itself apart from the solvers (:meth:`ContingencyPlan.verify`).

The modules, in the order data flows through them
-------------------------------------------------
=================  ============================================================
``_plan``          :func:`plan`, the front door
``_arguments``     every problem with plan()'s arguments at once
``_stages``        the timeline cut into stages: what fires when, postures
``_lastout``       last-out extraction per stage and per threat on the way out
``_accounting``    where every person ends, one row each
``_verify``        the independent check behind ``verify()``
``records``        Stage, LastOut, PersonState, LeftBehind, PlanViolation
``result``         the result, :class:`ContingencyPlan`
=================  ============================================================
"""

from evacplan.contingency._plan import plan
from evacplan.contingency.records import LastOut, LeftBehind, PersonState, PlanViolation, Stage
from evacplan.contingency.result import ContingencyPlan

__all__ = [
    "ContingencyPlan",
    "LastOut",
    "LeftBehind",
    "PersonState",
    "PlanViolation",
    "Stage",
    "plan",
]
