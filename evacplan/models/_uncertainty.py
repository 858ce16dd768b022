"""The ``uncertainty`` section of a scenario file: how far its times may stray.

Read by :func:`evacplan.uncertainty.simulate` when the call does not say
otherwise: a triangular factor on travel times (for every link, and by mode,
region or link, the most specific first), the parties that come late, and
those that never come. Shares may be written ``0.05`` or ``5%``.

Examples
--------
>>> u = Uncertainty.model_validate(
...     {"travel_factor": [0.9, 1, 1.5], "modes": {"air": [1, 1, 1.2]}, "late": ["5%", "2h"]}
... )
>>> u.travel_factor, u.modes["air"], u.late
((0.9, 1.0, 1.5), (1.0, 1.0, 1.2), (0.05, '2h'))
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict

from evacplan._time import Written
from evacplan.models._base import LinkRef, Mode, _Model

__all__ = ["Factor", "Share", "Uncertainty"]


def _percent(value: Any) -> Any:
    """``"5%"`` as 0.05; anything else as it is (a number is checked as a share)."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            try:
                return float(text[:-1]) / 100
            except ValueError:
                pass
        raise ValueError(f"{value!r} is not a share: give 0.05 or '5%'")
    return value


Share = Annotated[float, BeforeValidator(_percent), Strict(), Field(ge=0.0, le=1.0)]
"""A share from 0 to 1, or a percentage written ``5%``."""


def _ordered(value: tuple[float, float, float]) -> tuple[float, float, float]:
    low, mode, high = value
    if not low <= mode <= high:
        raise ValueError(f"needs low <= mode <= high (got {low:g}, {mode:g}, {high:g})")
    return value


Positive = Annotated[float, Strict(), Field(gt=0)]
Factor = Annotated[tuple[Positive, Positive, Positive], AfterValidator(_ordered)]
"""``[low, mode, high]`` of a triangular factor on travel times (``[1, 1, 1]``: none)."""


class Uncertainty(_Model):
    """How far a scenario's times may stray, for :func:`evacplan.uncertainty.simulate`."""

    travel_factor: Factor | None = None
    """For every link not named below."""
    modes: dict[Mode, Factor] = Field(default_factory=dict)
    """By a link's mode (``road``, ``air``, ...)."""
    regions: dict[str, Factor] = Field(default_factory=dict)
    """By the region of the place a link leaves."""
    links: dict[LinkRef, Factor] = Field(default_factory=dict)
    """By link id (or label); the most specific: a link's own beats its region's, which
    beats its mode's."""
    late: tuple[Share, Written] | None = None
    """``[share, up_to]``: that share of parties reaches its first place late, by a uniform
    time up to ``up_to``."""
    no_show: Share | None = None
    """The share of parties that never come."""
