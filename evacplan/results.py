"""What solver results share: their status, and the parties that travel."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DEFAULT_HAZARD_PER_HOUR", "Party", "Status"]

DEFAULT_HAZARD_PER_HOUR = 0.002
"""The chance of harm each hour a person spends released but not yet safe, unless a scenario
or a call says otherwise: 0.2% an hour, about 4.7% a day.

Chosen so that nobody is held for days to shave a few percent of risk: a day of waiting
weighs as much as a road of risk 0.048, so the plan waits a day only to avoid more risk
than that, and three days (0.144) only for a road as dangerous as the founding seed's
worst. ``docs/routing.md`` works an example."""


class Status(StrEnum):
    """How good a plan is known to be.

    Examples
    --------
    >>> Status.OPTIMAL == "optimal"
    True
    """

    OPTIMAL = "optimal"
    """Proven best: the objective equals its proven bound."""
    FEASIBLE = "feasible"
    """A valid plan, but a time limit cut the proof short (see its gap)."""
    INFEASIBLE = "infeasible"
    """No plan satisfies every rule; the result says which rules conflict, or who is cut off."""


@dataclass(frozen=True, slots=True)
class Party:
    """People who travel together and are never split: a staff member and dependants.

    Drawdown plans produce parties; routing moves them whole.

    Examples
    --------
    >>> Party("cap-02", size=3, location="residence", post="capital")
    Party(id='cap-02', size=3, location='residence', post='capital', release_minute=0, relocate=True, priority=0, urgent=False)
    """

    id: str
    """The staff member's id; for dependants leaving without their staff member,
    the staff member's id followed by ``"/dependants"``."""
    size: int
    """People in the party (the staff member, if leaving, and their dependants)."""
    location: str
    """The place the party starts from."""
    post: str | None = None
    release_minute: float = 0
    """The minute from which the party may move."""
    relocate: bool = True
    """Whether the party is moved to a safe haven (False: stands down at home)."""
    priority: int = 0
    """Who is saved first when not everyone can be (objective ``most_saved``): 0, staff
    and their dependants, first; then groups by their ``priority`` (1, 2, ...)."""
    urgent: bool = False
    """Goes first in every queue it shares with parties that are not urgent (a staff member
    flagged ``must_leave``, such as a medical case, and their dependants)."""
