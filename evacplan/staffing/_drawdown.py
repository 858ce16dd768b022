"""The drawdown() function: check the arguments, then compile and solve cluster by cluster.

The front of the flow of data: :func:`drawdown` checks its arguments with
``_arguments``, compiles each post with ``_compile`` and joins the posts
that share extraction lifts into clusters, solves each cluster with
``_solve`` (which asks ``_conflicts`` about an infeasible one), and hands
the problems and results to :class:`~evacplan.staffing.plan.DrawdownPlan`,
which decodes them into people. ``evacplan.staffing`` (and so ``evacplan``)
re-exports :func:`drawdown`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from evacplan.errors import Problem
from evacplan.models import Posture, Scenario
from evacplan.staffing._arguments import (
    _bad,
    _check_options,
    _resolve_postures,
    _resolve_previous,
)
from evacplan.staffing._compile import _Cluster, _clusters, _compile_post, _PostProblem
from evacplan.staffing._solve import _PostResult, _solve_cluster
from evacplan.staffing.plan import DrawdownPlan

__all__ = ["drawdown"]


def drawdown(
    scenario: Scenario,
    posture: Posture | str | Mapping[str, Posture | str] | None = None,
    *,
    previous: DrawdownPlan | Mapping[str, Iterable[str]] | Iterable[str] | None = None,
    time_limit: float | None = None,
    workers: int = 1,
    seed: int = 0,
) -> DrawdownPlan:
    """Decide who stays at each post and who leaves, with a proof of optimality.

    Parameters
    ----------
    scenario
        The scenario: posts, their requirements, and their staff.
    posture
        One posture for every post (``"minimal"``), a ``{post id: posture}``
        mapping (posts not named take their default), or None: each post's
        posture under the scenario's decision points, else its current one
        (:meth:`~evacplan.models.Scenario.postures`).
    previous
        A plan to stay close to when re-planning (objective levels 3 and 4):
        a :class:`DrawdownPlan` (its retained and departing staff count as
        decided, and its covers as duties); a ``{post id: [retained staff
        ids]}`` mapping (every staff member of the named posts counts as
        decided); or the retained staff ids (every staff member counts).
        A change is a decided person whose stay-or-leave decision differs.
    time_limit
        Seconds for the whole solve; when it cuts a proof short the plan is
        ``feasible`` and each level reports its bound. A first plan for every
        post is always found. None (the default): prove everything.
    workers
        CP-SAT search workers per model (a post, or the posts sharing a lift).
        One (the default) is deterministic.
    seed
        CP-SAT's random seed.

    Returns
    -------
    DrawdownPlan
        ``optimal``, ``feasible`` or ``infeasible`` (with its
        :attr:`~DrawdownPlan.conflicts`); never None.

    Raises
    ------
    ScenarioError
        For a bad argument: an unknown post or posture, a ``previous`` naming
        unknown staff, a non-positive time limit; every problem at once.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> scenario = load_scenario(seed_path("tiny"))
    >>> plan = drawdown(scenario, {"capital": "reduced"})
    >>> plan.retained["capital"], [str(level) for level in plan.levels[:2]]
    (['cap-01', 'cap-02', 'cap-03'], ['retained 3 (proven)', 'preference 1 (proven)'])
    >>> drawdown(scenario, "suspended").departing["capital"][:3]
    ['cap-01', 'cap-02', 'cap-03']

    A post whose own emergency lift seats fewer than its posture needs has no
    plan, and the rules that cannot all hold name the seats:

    >>> one_seat = scenario.posts[0].model_copy(update={"extraction_seats": 1})
    >>> plan = drawdown(scenario.replace(posts=[one_seat]), "minimal")
    >>> plan.status, [c.rule for c in plan.conflicts]
    (<Status.INFEASIBLE: 'infeasible'>, ['cover', 'extraction-seats', 'must-remain'])
    """
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        raise _bad([Problem("scenario", f"expected a Scenario (got {type(scenario).__name__})")])
    _check_options(time_limit, workers, seed)
    postures = _resolve_postures(scenario, posture)
    prev = _resolve_previous(scenario, previous)
    deadline = None if time_limit is None else started + float(time_limit)
    problems: dict[str, _PostProblem] = {
        post.id: _compile_post(scenario, post, postures[post.id], prev) for post in scenario.posts
    }
    solved: dict[str, tuple[_Cluster, _PostResult]] = {}
    for c in _clusters(scenario, problems):
        answers = _solve_cluster(c, workers=workers, seed=seed, deadline=deadline)
        for p, r in zip(c.problems, answers, strict=True):
            solved[p.post.id] = (c, r)
    return DrawdownPlan._build(
        scenario,
        postures,
        problems,
        {post_id: solved[post_id][1] for post_id in problems},
        prev,
        clusters={post_id: solved[post_id][0] for post_id in problems},
        runtime=time.perf_counter() - started,
        seed=seed,
        workers=workers,
        time_limit=time_limit,
    )
