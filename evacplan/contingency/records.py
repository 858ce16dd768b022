"""The records a contingency plan is made of: stages, last-out checks, people's fates, faults.

Plain frozen data: :mod:`._plan` builds them, :class:`~.result.ContingencyPlan`
holds them, :mod:`._verify` checks them, reports read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from evacplan._time import duration
from evacplan.models import Posture
from evacplan.results import Party
from evacplan.routing import Stop

if TYPE_CHECKING:
    from evacplan.staffing import DrawdownPlan

__all__ = ["LastOut", "LeftBehind", "PersonState", "PlanViolation", "Stage"]


@dataclass(frozen=True, slots=True)
class Stage:
    """A moment of the timeline: what fired, every post's posture, who it sends away."""

    index: int
    minute: int | float
    """Minutes from the start: an int (a float only for a time the file gives in seconds)."""
    when: datetime
    """The moment of ``minute``, in the scenario start's offset."""
    clock: str
    """The wall-clock time of ``minute`` in words, in the scenario start's offset."""
    fired: tuple[str, ...]
    """The decision points that fired (empty for the postures the file declares)."""
    postures: dict[str, Posture]
    raised: tuple[str, ...]
    """The posts whose posture rose at this stage (the others keep what they had)."""
    drawdown: DrawdownPlan | None
    """The drawdown of the raised posts (None when no post rose)."""
    retained: dict[str, list[str]]
    """Every open post's staff who stay after this stage."""
    parties: tuple[Party, ...]
    """The parties it releases (``release_minute``: the stage's minute plus the muster
    time), including those who stand down at home (``relocate`` false)."""

    def __str__(self) -> str:
        what = ", ".join(self.fired) if self.fired else "the postures the scenario declares"
        return f"stage {self.index} at {self.clock}: {what}"


@dataclass(frozen=True, slots=True)
class LastOut:
    """Whether a post's retained staff can get out, leaving the post at ``minute``.

    On the network as it stands then, with the capacity the joint schedule
    leaves free; ``ok`` when they are safe within the policy's limit.
    """

    post: str
    minute: int
    people: int
    minutes: int | None
    """From leaving to the last of them safe; None when there is no way out."""
    itinerary: tuple[Stop, ...]
    links: tuple[str, ...]
    ok: bool
    cause: str
    """Why it breaches the limit, or what prompted the check, in words."""
    trigger: str = "stage"
    """What prompted the check: ``"stage"``, or ``"threat <id>"``."""
    clock: str = ""
    """The wall-clock time of ``minute`` in the scenario start's offset."""
    route: str = ""
    """The way out in words, road junctions given as the streets taken (empty: the
    itinerary's places)."""

    def __str__(self) -> str:
        when = self.clock or f"minute {self.minute}"
        if self.minutes is None:
            return f"{self.post} at {when}: no way out for {self.people} ({self.cause})"
        route = (
            f"({self.route})"
            if self.route
            else "via " + " -> ".join(s.place for s in self.itinerary)
        )
        verdict = "ok" if self.ok else f"BREACH ({self.cause})"
        return (
            f"{self.post} at {when}: {self.people} out in {duration(self.minutes)} "
            f"{route}: {verdict}"
        )


@dataclass(frozen=True, slots=True)
class PersonState:
    """Where one person of the scenario ends: retained, safe, standing down or stranded."""

    person: str
    """A staff id, or ``<staff id>/dependant-<n>`` (n from 1)."""
    state: str
    """``retained``, ``safe``, ``standing_down`` or ``stranded``."""
    minute: float | None
    """When they reach that state: the last stage's minute (retained), the arrival
    (safe), the release (standing down), or the release (stranded)."""
    place: str
    reason: str = ""
    party: str | None = None
    post: str | None = None
    route: tuple[str, ...] = ()
    """For retained staff: the places of their post's latest last-out route."""


@dataclass(frozen=True, slots=True)
class PlanViolation:
    """A fault :meth:`~.result.ContingencyPlan.verify` finds, under its rule."""

    rule: str
    message: str
    details: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True, slots=True)
class LeftBehind:
    """People the plan cannot bring to safety, together: one staff party, or the people of
    one group stranded at one place for one reason."""

    who: str
    """A staff party's id (``cap-02``, ``cap-01/dependants``), or a group's id."""
    count: int
    category: str
    """The staff member's category, ``dependant``, or the group's category."""
    priority: int
    """0 for staff and their dependants (they come first), else the group's priority."""
    place: str
    """Where they are left."""
    reason: str

    def __str__(self) -> str:
        people = f"{self.count} {'person' if self.count == 1 else 'people'}"
        return (
            f"{self.who}: {people} ({self.category}, priority {self.priority}) "
            f"left at {self.place}: {self.reason}"
        )
