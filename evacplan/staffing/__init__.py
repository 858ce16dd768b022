"""Staffing: who stays at each post to keep it open at a posture, and who leaves.

:func:`drawdown` decides, post by post, the smallest staff that keeps each
post open at its posture, with CP-SAT, and proves it. The result, a
:class:`DrawdownPlan`, says who stays and which function each covers, who
leaves in which party, how good the plan is proven to be, why each person
stays or goes (:meth:`DrawdownPlan.explain`), which rules conflict when no
plan exists (:attr:`DrawdownPlan.conflicts`), and can check itself against
the scenario without the solver (:meth:`DrawdownPlan.verify`).

Rules
-----
Every rule has a stable id; explanations, conflicts, violations and tests
use these ids.

``cover``
    Every function slot of an open post's posture is covered by a retained
    person with the function's skill; a function needing *k* slots needs *k*
    different people.
``categories``
    A function whose requirement names ``categories`` (e.g. ``[diplomat,
    military]`` for post security) is covered only by staff of those
    categories; without ``categories`` any may cover it.
``max-functions``
    A person covers at most ``policy.max_functions_per_person`` functions
    (default 1).
``must-remain``
    A ``must_remain`` person stays while the post is open.
``must-leave``
    A ``must_leave`` person leaves while the post is open.
``min-retained``
    An open post keeps at least ``min_retained`` people.
``extraction-seats``
    An open post with ``extraction_seats`` (its own emergency lift) keeps at
    most that many staff; the open posts under a lift of
    ``policy.extraction`` (shared by several posts) keep at most its
    ``seats`` staff together. Seats count staff, not their dependants.
``closed-post``
    At ``suspended`` the post closes and everyone leaves (``must_remain``
    no longer applies).
``dependants-leave``
    At ``reduced`` and above, dependants leave: a retained person's
    dependants leave as their own party, ``"<staff id>/dependants"``. A
    departing person always travels with their dependants as one party.
``accounted``
    Every staff member and every dependant is accounted for exactly once:
    retained, or in exactly one departing party (locally engaged staff who
    do not relocate stand down at home: ``Party(relocate=False)``).

:meth:`DrawdownPlan.verify` also checks three properties of the result
(``objective``: the reported level values are those of the plan;
``fewest-retained``: the headcount matches an independent min-cost-flow
optimum when ``max_functions_per_person`` is 1; ``conflict``: each reported
conflict is infeasible and irreducible).

Objective
---------
Lexicographic, each level proven optimal (or bounded, under a time limit)
before it is fixed and the next is optimised:

1. ``retained``: people retained.
2. ``preference``: retained non-volunteers plus retained vulnerable people
   (prefer volunteers, release the vulnerable).
3. ``changes``: people whose stay-or-leave decision differs from
   ``previous`` (0 without one).
4. ``reassigned``: duties (person, function) of the previous plan dropped by
   people who still stay (0 without a previous plan that had covers).

Every level is a sum over posts, and only a shared lift joins posts: the
solver works post by post, but solves the open posts under shared lifts
(joined transitively: a post under two lifts joins both lifts' posts) as
one model, each level summed over them. A lift only caps headcounts, which
every other rule bounds from below and the first level minimises: when a
plan exists, each coupled post's levels are those it would have alone. The
seats decide whether a plan exists and, in :meth:`DrawdownPlan.explain`,
why nobody more can stay. Within a post, staff who are interchangeable
(they can cover the same functions, and have the same flags and the same
previous decision) are grouped and the model counts how many of each group
stay; this removes the symmetry that makes a model of individuals slow to
prove. Within a group, the people who come first in the staff list stay.

At ``normal`` the plan is the leanest staffing that meets the normal
requirements; retained staff's dependants stay with them.

The package
-----------
One module per stage, in the order the data flows:

``_drawdown``
    :func:`drawdown` itself, the front door: checks the arguments, then
    compiles and solves post by post (the posts sharing a lift together).
``_arguments``
    every problem with :func:`drawdown`'s arguments, at once.
``_compile``
    each post's rules over groups of interchangeable staff (``_PostProblem``),
    and the posts joined by shared lifts (``_Cluster``).
``_model``
    a cluster's CP-SAT counting model: the rules as constraints, the levels
    as expressions.
``_solve``
    the lexicographic levels, each proven before it is fixed; the counts
    decoded into people.
``_conflicts``
    an irreducible set of rules when a post (or cluster) has no plan.
``plan``
    :class:`DrawdownPlan`, the result, built from the solved posts.
``_explain``
    why a person stays or leaves (:meth:`DrawdownPlan.explain`), by
    re-solving with them decided the other way.
``_verify``
    the independent checks of :meth:`DrawdownPlan.verify` (no CP-SAT).
``_oracles``
    the independent optima those checks compare against: networkx flows,
    and a small MIP (CBC) for conflicts that name extraction seats.

Beside them, ``rules`` holds the rule ids, the levels and the small records
every stage uses (:class:`Rule`, :class:`Level`, :class:`Conflict`,
:class:`Violation`, :class:`UnknownStaffError`), and ``_words`` the English
of the messages.

Examples
--------
>>> from evacplan.io import load_scenario, seed_path
>>> plan = drawdown(load_scenario(seed_path("tiny")), "minimal")
>>> plan.status
<Status.OPTIMAL: 'optimal'>
>>> plan.retained, plan.covers
({'capital': ['cap-01', 'cap-03']}, {'cap-01': 'head-of-mission', 'cap-03': 'secure-comms'})
>>> plan.verify()
[]
"""

from __future__ import annotations

from evacplan.staffing._drawdown import drawdown
from evacplan.staffing.plan import DrawdownPlan
from evacplan.staffing.rules import (
    LEVELS,
    RULES,
    Conflict,
    Level,
    Rule,
    UnknownStaffError,
    Violation,
)

__all__ = [
    "LEVELS",
    "RULES",
    "Conflict",
    "DrawdownPlan",
    "Level",
    "Rule",
    "UnknownStaffError",
    "Violation",
    "drawdown",
]
