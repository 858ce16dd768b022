"""The drawdown's rules by id, its objective levels, and the small records that name them.

Every other module of :mod:`evacplan.staffing` speaks of rules by the ids in
:data:`RULES`: ``_compile`` and ``_model`` turn them into constraints,
``_conflicts`` reports an irreducible set of them as :class:`Conflict`
records, ``_verify`` reports a broken one as a :class:`Violation`, and
``plan`` reports each objective level of :data:`LEVELS` as a :class:`Level`.
:class:`UnknownStaffError` is what the plan raises for a staff id that is not
in the scenario. This module imports nothing else from the package.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from evacplan.errors import EvacplanError

__all__ = ["LEVELS", "RULES", "Conflict", "Level", "Rule", "UnknownStaffError", "Violation"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A drawdown rule: its stable id and what it says.

    Examples
    --------
    >>> RULES["cover"].text
    'every function slot is covered by a retained person with the skill'
    """

    id: str
    text: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("cover", "every function slot is covered by a retained person with the skill"),
        Rule(
            "categories",
            "a function that names categories is covered only by staff of those categories",
        ),
        Rule("max-functions", "a person covers at most max_functions_per_person functions"),
        Rule("must-remain", "must_remain staff stay while the post is open"),
        Rule("must-leave", "must_leave staff leave while the post is open"),
        Rule("min-retained", "an open post keeps at least min_retained people"),
        Rule(
            "extraction-seats",
            "an open post keeps no more staff than its own extraction lift seats, and the open "
            "posts sharing a lift keep no more, together, than it seats",
        ),
        Rule("closed-post", "at suspended the post closes and everyone leaves"),
        Rule("dependants-leave", "at reduced and above, dependants leave"),
        Rule("accounted", "every staff member and dependant is accounted for exactly once"),
        Rule("objective", "the reported objective values are those of the plan"),
        Rule("fewest-retained", "no plan retains fewer people (independent min-cost flow)"),
        Rule("conflict", "a reported conflict is infeasible and irreducible"),
    )
}
"""Every rule and check by id."""

LEVELS: tuple[tuple[str, str], ...] = (
    ("retained", "people retained"),
    ("preference", "retained non-volunteers plus retained vulnerable people"),
    ("changes", "people whose stay-or-leave decision differs from the previous plan"),
    ("reassigned", "previous duties dropped by people who still stay"),
)
"""The objective levels, in order: (name, what is counted)."""


@dataclass(frozen=True, slots=True)
class Level:
    """One level of the lexicographic objective: its value in the plan and its proven bound.

    ``bound`` is a proven lower bound on ``value`` given the levels before it;
    the level is proven optimal when they are equal. Both are None for an
    infeasible plan.
    """

    name: str
    description: str
    value: int | None
    bound: int | None

    @property
    def proven(self) -> bool:
        """Whether the value is proven optimal (given the levels before it)."""
        return self.value is not None and self.value == self.bound

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.name}: none"
        proof = "proven" if self.proven else f"bound {self.bound}"
        return f"{self.name} {self.value} ({proof})"


@dataclass(frozen=True, slots=True)
class Conflict:
    """One rule, as applied at one post, in a set of rules that cannot all hold.

    ``subject`` is the function (``cover``) or staff member (``must-remain``,
    ``must-leave``) the rule is about, the lift's id for a lift shared by
    several posts (``extraction-seats``; ``post`` is then the first of its
    open posts, and the message names them all), or None for a rule of the
    whole post (a post's own ``extraction_seats`` among them).
    """

    rule: str
    post: str
    subject: str | None
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule a plan breaks, found by :meth:`DrawdownPlan.verify`.

    ``post`` is None for a rule of the whole plan, or of a lift shared by
    several posts (``extraction-seats``, with the lift's id as ``subject``).
    """

    rule: str
    post: str | None
    subject: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.post}: " if self.post else ""
        return f"[{self.rule}] {where}{self.message}"


class UnknownStaffError(EvacplanError, KeyError):
    """A staff id that is not in the scenario."""

    def __init__(self, staff_id: object, known: Iterable[str]) -> None:
        self.staff_id = staff_id
        hint = ""
        if isinstance(staff_id, str):
            near = difflib.get_close_matches(staff_id, list(known), n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]!r}?" if near else ""
        super().__init__(f"{staff_id!r} is not a staff member of this scenario{hint}")

    def __str__(self) -> str:
        return str(self.args[0])
