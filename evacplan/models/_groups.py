"""The ``groups`` section of a scenario file: people who are not staff, moved in numbers.

Registered nationals, people eligible under a relocation scheme, third-country
nationals: each group waits at a place until it is called forward
(``release``) and travels in parties of ``party_size`` (families). The
structure is checked here; references and the rules that join keys (a party
no larger than its group, ids distinct from staff ids) in
:mod:`evacplan._validate`. :meth:`evacplan.models.Scenario.group_parties` cuts
them into the parties routing moves.

Examples
--------
>>> g = Group(id="nationals", location="hotel", count=5, category="national", party_size=2)
>>> g.parties
3
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from evacplan._time import When
from evacplan.models._base import GroupCategory, Id, _Model

__all__ = ["Group"]


class Group(_Model):
    """People who are not staff, at one place, called forward together."""

    id: Id
    location: Id
    """Where they wait to be called forward."""
    count: Annotated[int, Strict(), Field(ge=1)]
    """How many people."""
    category: GroupCategory
    release: When = 0
    """When they are called forward (may move from then on)."""
    priority: Annotated[int, Strict(), Field(ge=1)] = 1
    """Who is saved first when not everyone can be (1 first; staff come before every group)."""
    party_size: Annotated[int, Strict(), Field(ge=1)] = 1
    """People who travel together and are never split (a family); the last party may be
    smaller when ``count`` is not a multiple."""
    name: str | None = None

    @property
    def parties(self) -> int:
        """How many parties the group travels in."""
        return -(-self.count // self.party_size)
