"""Times in scenario files: offsets from the scenario start, or datetimes.

An offset is a number of minutes (``90``), or a duration string: ``"96h"``,
``"2d"``, ``"1d12h"``, ``"90m"``, ``"1h30m"`` or ISO 8601 ``"PT96H"``.
A datetime is ISO 8601 (``"2020-01-07T12:00:00+00:00"``); a naive one is
read as UTC. Offsets are stored as minutes (int when whole).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

MAX_STEP_MINUTES = 24 * 60
"""The longest time step, a day: ``step_minutes`` is a whole number from 1 to this."""

_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1, "min": 1, "s": 1 / 60}
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*(w|d|h|min|m|s)\s*)+$", re.IGNORECASE)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|min|m|s)", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)


def _whole(minutes: float) -> int | float:
    return int(minutes) if float(minutes).is_integer() else minutes


def parse_when(value: Any) -> int | float | datetime:
    """Read an offset or a datetime as written in a scenario file.

    Examples
    --------
    >>> parse_when("96h"), parse_when("1d12h"), parse_when("PT90M"), parse_when(15)
    (5760, 2160, 90, 15)
    >>> parse_when("2020-01-07T12:00:00Z")
    datetime.datetime(2020, 1, 7, 12, 0, tzinfo=datetime.timezone.utc)
    """
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not a time: give minutes, a duration like '96h', or a datetime"
        )
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number of minutes")
        if value < 0:
            raise ValueError(f"offset {value!r} is negative: times are counted from the start")
        return _whole(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        if _DURATION.match(text):
            return _whole(sum(float(n) * _UNIT_MINUTES[u.lower()] for n, u in _PART.findall(text)))
        iso = _ISO_DURATION.match(text)
        if iso and text.upper() != "P" and any(iso.groupdict().values()):
            parts = {k: float(v) if v else 0.0 for k, v in iso.groupdict().items()}
            return _whole(parts["d"] * 1440 + parts["h"] * 60 + parts["m"] + parts["s"] / 60)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not a time: give minutes (90), a duration ('96h', '1d12h', "
                "'PT96H') or an ISO 8601 datetime"
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ValueError(f"{value!r} is not a time: give minutes, a duration like '96h', or a datetime")


def minutes_after(start: datetime | None, when: int | float | datetime) -> float:
    """Minutes from ``start`` to ``when`` (an offset is returned as it is).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> minutes_after(datetime(2020, 1, 3, tzinfo=UTC), datetime(2020, 1, 4, tzinfo=UTC))
    1440.0
    """
    if not isinstance(when, datetime):
        return float(when)
    if start is None:
        raise ValueError("a datetime needs the scenario's start to be placed in time")
    begin = start if start.tzinfo else start.replace(tzinfo=UTC)
    return (when - begin).total_seconds() / 60.0


def _dump_when(value: int | float | datetime) -> int | float | str:
    return value.isoformat() if isinstance(value, datetime) else value


When = Annotated[
    int | float | datetime,
    BeforeValidator(parse_when),
    PlainSerializer(_dump_when, return_type=int | float | str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*(w|d|h|min|m|s)\s*)+$"},
                {"type": "string", "pattern": r"^P"},
                {"type": "string", "format": "date-time"},
            ],
            "description": "minutes from the start (90), a duration ('96h', '1d12h', 'PT96H'), "
            "or an ISO 8601 datetime",
        }
    ),
]
"""An offset in minutes from the start, or a datetime (as a pydantic field type)."""
