"""evacplan: plan an embassy's crisis posture.

Draw a post's staffing down to the minimum that keeps it open, and get
everyone else out, by the safest quick routes, to a safe haven.

The names here are loaded when first used (PEP 562), so that importing a
light module (``evacplan.models``, ``evacplan.errors``, the pytest plugin)
does not load the solvers and OR-Tools.

Examples
--------
>>> import evacplan
>>> from evacplan.io import load_scenario, seed_path
>>> scenario = load_scenario(seed_path("tiny"))
>>> plan = evacplan.drawdown(scenario, posture="minimal")
>>> plan.status, plan.retained["capital"]
(<Status.OPTIMAL: 'optimal'>, ['cap-01', 'cap-03'])
>>> route = evacplan.evacuate(scenario, parties=plan.parties)
>>> route.status, route.egress_minutes, route.lower_bound_minutes
(<Status.OPTIMAL: 'optimal'>, 105, 105)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evacplan import closures, uncertainty
    from evacplan.closures import ClosureAnalysis
    from evacplan.contingency import ContingencyPlan, plan
    from evacplan.errors import (
        EvacplanError,
        Problem,
        ScenarioError,
        ScenarioWarning,
        SolverError,
        TooLargeError,
        VerificationError,
    )
    from evacplan.models import (
        Category,
        DecisionPoint,
        Link,
        Mode,
        Network,
        Place,
        PlaceKind,
        Policy,
        Post,
        Posture,
        Requirement,
        Scenario,
        StaffMember,
        ThreatEvent,
    )
    from evacplan.results import Party, Status
    from evacplan.routing import EvacuationPlan, Movement, Stop, evacuate
    from evacplan.staffing import DrawdownPlan, drawdown

_EXPORTS = {
    "Category": "evacplan.models",
    "ClosureAnalysis": "evacplan.closures",
    "ContingencyPlan": "evacplan.contingency",
    "DecisionPoint": "evacplan.models",
    "DrawdownPlan": "evacplan.staffing",
    "EvacplanError": "evacplan.errors",
    "EvacuationPlan": "evacplan.routing",
    "Link": "evacplan.models",
    "Mode": "evacplan.models",
    "Movement": "evacplan.routing",
    "Network": "evacplan.models",
    "Party": "evacplan.results",
    "Place": "evacplan.models",
    "PlaceKind": "evacplan.models",
    "Policy": "evacplan.models",
    "Post": "evacplan.models",
    "Posture": "evacplan.models",
    "Problem": "evacplan.errors",
    "Requirement": "evacplan.models",
    "Scenario": "evacplan.models",
    "ScenarioError": "evacplan.errors",
    "ScenarioWarning": "evacplan.errors",
    "SolverError": "evacplan.errors",
    "StaffMember": "evacplan.models",
    "Status": "evacplan.results",
    "Stop": "evacplan.routing",
    "ThreatEvent": "evacplan.models",
    "TooLargeError": "evacplan.errors",
    "VerificationError": "evacplan.errors",
    "closures": "evacplan.closures",
    "drawdown": "evacplan.staffing",
    "evacuate": "evacplan.routing",
    "plan": "evacplan.contingency",
    "uncertainty": "evacplan.uncertainty",
}
"""Each public name and the module it comes from (a subpackage stands for itself)."""

__all__ = [
    "Category",
    "ClosureAnalysis",
    "ContingencyPlan",
    "DecisionPoint",
    "DrawdownPlan",
    "EvacplanError",
    "EvacuationPlan",
    "Link",
    "Mode",
    "Movement",
    "Network",
    "Party",
    "Place",
    "PlaceKind",
    "Policy",
    "Post",
    "Posture",
    "Problem",
    "Requirement",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "SolverError",
    "StaffMember",
    "Status",
    "Stop",
    "ThreatEvent",
    "TooLargeError",
    "VerificationError",
    "closures",
    "drawdown",
    "evacuate",
    "plan",
    "uncertainty",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evacplan' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    value = loaded if module == f"evacplan.{name}" else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
