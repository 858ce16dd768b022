"""The map's pieces: :class:`Place` (where people are, where they go) and :class:`Link`
(a road, flight, sea lane or footpath between two places), as a scenario or a network
file writes them; :class:`~evacplan.models.Network` and
:class:`~evacplan.models.Scenario` hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, Strict, model_validator

from evacplan._streets import street_names
from evacplan._time import When
from evacplan.models._base import Flag, Id, Mode, PlaceKind, Risk, _Model
from evacplan.models._services import Departures


class Place(_Model):
    """A place on the map: a post, a residence, an airport, a border crossing, a haven."""

    id: Id
    kind: PlaceKind
    name: str | None = None
    region: str | None = None
    lat: Annotated[float, Strict(), Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Strict(), Field(ge=-180, le=180)] | None = None
    safe: Flag | None = None
    """Safe regardless of kind; a safe_haven is safe unless ``safe: false``."""
    throughput_per_hour: Annotated[float, Strict(), Field(gt=0)] | None = None
    """People who can pass through the place an hour (a gate, a processing centre, a
    checkpoint): at most so many leave it per step (the capacity rule of links); the
    rest queue there. Passing takes no extra step."""
    osm_id: Annotated[int, Strict(), Field(ge=1)] | None = None
    """The OpenStreetMap node the place is (a road junction read by
    :func:`evacplan.io.read_osm`); plans name such places by the streets through them."""

    @property
    def is_safe(self) -> bool:
        """Whether reaching this place ends a person's evacuation."""
        return self.safe if self.safe is not None else self.kind is PlaceKind.SAFE_HAVEN


class Link(_Model):
    """A road, flight, sea lane or footpath between two places.

    ``capacity_per_hour`` counts the people who may enter the link per hour;
    ``risk`` is the chance of harm per traversal (0..1). A link is usable from
    ``opens`` (when given) and until ``closes`` (when given); both are offsets
    from the scenario start or datetimes (one without a UTC offset is read in
    the start's offset).

    A scheduled service (a flight, a ferry, a convoy) gives ``departures`` and
    ``seats`` instead of ``capacity_per_hour``: it admits up to ``seats``
    people at each departure (its minute rounded down to the step) and
    nobody else. It runs one way, source to target, unless ``two_way: true``.
    """

    @model_validator(mode="before")
    @classmethod
    def _services_run_one_way(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("departures") is not None:
            return {"two_way": False, **data}
        return data

    id: Id | None = None
    source: Id
    target: Id
    minutes: Annotated[float, Strict(), Field(ge=0)]
    capacity_per_hour: Annotated[float, Strict(), Field(gt=0)] | None = None
    """People who may enter the link an hour (not given for a scheduled service)."""
    departures: Departures | None = None
    """When a scheduled service leaves: a list of times or ``{every, from, until}``."""
    seats: Annotated[int, Strict(), Field(ge=1)] | None = None
    """People one departure carries (with ``departures``)."""
    mode: Mode = Mode.ROAD
    risk: Risk = 0.0
    two_way: Flag = True
    opens: When | None = None
    closes: When | None = None
    name: str | None = None
    geometry: (
        Annotated[
            tuple[
                tuple[
                    Annotated[float, Strict(), Field(ge=-180, le=180)],
                    Annotated[float, Strict(), Field(ge=-90, le=90)],
                ],
                ...,
            ],
            Field(min_length=2),
        ]
        | None
    ) = None
    """The way's shape as ``[lon, lat]`` points from source to target (as read from
    OpenStreetMap by :func:`evacplan.io.read_osm`), for maps and GeoJSON; None: a straight
    line between the places."""

    @property
    def label(self) -> str:
        """The link's id, or ``source->target`` when it has none."""
        arrow = "<->" if self.two_way else "->"
        return self.id or f"{self.source}{arrow}{self.target}"

    @property
    def streets(self) -> frozenset[str]:
        """The streets the link is a stretch of, for threats that name ``streets``: its name,
        and each of a name that joins ways merged from OpenStreetMap with `` / ``.

        Examples
        --------
        >>> link = Link(source="a", target="b", minutes=1, capacity_per_hour=600.0,
        ...             name="Pont Sainte-Dévote / Tunnel Sainte-Dévote")
        >>> sorted(link.streets)
        ['Pont Sainte-Dévote', 'Pont Sainte-Dévote / Tunnel Sainte-Dévote', 'Tunnel Sainte-Dévote']
        """
        return street_names(self.name)
