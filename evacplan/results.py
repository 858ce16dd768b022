"""What solver results share: their status, and the parties that travel."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Party", "Status"]


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
    Party(id='cap-02', size=3, location='residence', post='capital', release_minute=0, relocate=True, priority=0)
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
