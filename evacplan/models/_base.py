"""The building blocks of every model: id and number types, the enums, and the base model.

:mod:`evacplan.models` builds the scenario's sections from these; the
``checks`` section (:mod:`evacplan.models._checks`) shares them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

__all__ = [
    "Category",
    "Count",
    "Flag",
    "GroupCategory",
    "Id",
    "LinkRef",
    "Mode",
    "PlaceKind",
    "Posture",
    "Risk",
]

Id = Annotated[str, StringConstraints(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")]
"""A slug: letters, digits, '-', '_', '.', ':'; no spaces."""

LinkRef = Annotated[
    str, StringConstraints(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:<>\-]*$")
]
"""A link named by its id, or by its label ``source->target`` (``source<->target`` two-way)
when it has no id, as the links of TNTP files."""

# Numbers and flags are strict: `true` is not a capacity, and "yes" is not a flag.
Risk = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
Count = Annotated[int, Strict(), Field(ge=0)]
Flag = Annotated[bool, Strict()]


class PlaceKind(StrEnum):
    """What a place is for."""

    POST = "post"
    RESIDENCE = "residence"
    ASSEMBLY = "assembly"
    AIRPORT = "airport"
    BORDER = "border"
    PORT = "port"
    SAFE_HAVEN = "safe_haven"
    WAYPOINT = "waypoint"


class Mode(StrEnum):
    """How people travel a link."""

    ROAD = "road"
    AIR = "air"
    SEA = "sea"
    WALK = "walk"


class Category(StrEnum):
    """A staff member's employment category."""

    DIPLOMAT = "diplomat"
    LOCALLY_ENGAGED = "locally_engaged"
    MILITARY = "military"
    CONTRACTOR = "contractor"


class GroupCategory(StrEnum):
    """Who the people of a group (not staff) are."""

    NATIONAL = "national"
    """The sending country's nationals (registered citizens)."""
    ELIGIBLE = "eligible"
    """Others the government has made eligible (e.g. under a relocation scheme)."""
    THIRD_COUNTRY = "third_country"
    """Nationals of other countries, evacuated on their behalf."""
    OTHER = "other"


_POSTURE_RANK = {"normal": 0, "reduced": 1, "minimal": 2, "suspended": 3}


class Posture(StrEnum):
    """A post's crisis posture, ordered: normal < reduced < minimal < suspended.

    Examples
    --------
    >>> Posture.REDUCED < Posture.MINIMAL < Posture.SUSPENDED
    True
    >>> max(Posture.MINIMAL, Posture.REDUCED)
    <Posture.MINIMAL: 'minimal'>
    """

    NORMAL = "normal"
    """Business as usual."""
    REDUCED = "reduced"
    """Authorised departure: dependants and non-essential staff may leave."""
    MINIMAL = "minimal"
    """Ordered departure: all but the staff the essential functions need leave."""
    SUSPENDED = "suspended"
    """Everyone leaves; the post closes."""

    @property
    def rank(self) -> int:
        """Position in the order of postures (0 for normal)."""
        return _POSTURE_RANK[self.value]

    @property
    def is_open(self) -> bool:
        """Whether a post at this posture stays open."""
        return self is not Posture.SUSPENDED

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Posture):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Posture):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Posture):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Posture):
            return NotImplemented
        return self.rank >= other.rank


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
