"""evacplan: plan an embassy's crisis posture.

Draw a post's staffing down to the minimum that keeps it open, and get
everyone else out, by the safest quick routes, to a safe haven.

Examples
--------
>>> import evacplan
>>> from evacplan.io import load_scenario, seed_path
>>> scenario = load_scenario(seed_path("tiny"))
>>> scenario.name
'tiny'
"""

from evacplan.errors import EvacplanError, Problem, ScenarioError, SolverError
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

__all__ = [
    "Category",
    "DecisionPoint",
    "EvacplanError",
    "Link",
    "Mode",
    "Network",
    "Place",
    "PlaceKind",
    "Policy",
    "Post",
    "Posture",
    "Problem",
    "Requirement",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "StaffMember",
    "ThreatEvent",
]

__version__ = "0.1.0"
