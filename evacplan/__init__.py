"""evacplan: plan an embassy's crisis posture.

Draw a post's staffing down to the minimum that keeps it open, and get
everyone else out, by the safest quick routes, to a safe haven.

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

from evacplan import closures
from evacplan.closures import ClosureAnalysis
from evacplan.contingency import ContingencyPlan, plan
from evacplan.errors import (
    EvacplanError,
    Problem,
    ScenarioError,
    ScenarioWarning,
    SolverError,
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
    "VerificationError",
    "closures",
    "drawdown",
    "evacuate",
    "plan",
]

__version__ = "0.1.0"
