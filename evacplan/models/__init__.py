"""Domain models: places, links, networks, posts, staff, threats, scenarios.

Models are pydantic v2, frozen, and reject unknown keys. A :class:`Scenario`
or :class:`Network` checks every cross-reference when it is built and raises
one :class:`~evacplan.errors.ScenarioError` listing every problem, each with
its path in the file. Solvers compile validated models into plain arrays and
never touch these objects in their hot loops.

The id and number types, the enums and the base model are in
:mod:`evacplan.models._base`; the ``checks`` section's models in
:mod:`evacplan.models._checks`.

Examples
--------
>>> net = Network(
...     places=[{"id": "post", "kind": "post"}, {"id": "haven", "kind": "safe_haven"}],
...     links=[{"source": "post", "target": "haven", "minutes": 30, "capacity_per_hour": 120}],
... )
>>> [p.id for p in net.safe_places()]
['haven']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
)

from evacplan._time import MAX_STEP_MINUTES, When, clock, minutes_after, route_words
from evacplan._validate import (
    as_mapping,
    pydantic_problems,
    reference_problems,
    sort_problems,
    suggest,
)
from evacplan.errors import Problem, ScenarioError
from evacplan.models._base import (
    Category,
    Count,
    Flag,
    GroupCategory,
    Id,
    LinkRef,
    Mode,
    PlaceKind,
    Posture,
    Risk,
    _Model,
)
from evacplan.models._checks import Check, Robust, Survives
from evacplan.models._groups import Group
from evacplan.models._map import Link, Place
from evacplan.models._services import Every, departure_minutes
from evacplan.models._uncertainty import Uncertainty
from evacplan.results import DEFAULT_HAZARD_PER_HOUR, Party

__all__ = [
    "Category",
    "Check",
    "DecisionPoint",
    "Every",
    "Group",
    "GroupCategory",
    "Lift",
    "Link",
    "Mode",
    "Network",
    "Place",
    "PlaceKind",
    "Policy",
    "Post",
    "Posture",
    "Requirement",
    "Scenario",
    "StaffMember",
    "Robust",
    "Survives",
    "Uncertainty",
    "ThreatEvent",
]


class Requirement(_Model):
    """An essential function of a post: the skill it needs, how many per posture, and who may fill it.

    Examples
    --------
    >>> guard = Requirement(function="post-security", skill="security",
    ...                     minimum={"minimal": 1}, categories=["diplomat", "military"])
    >>> guard.slots("minimal"), guard.admits("military"), guard.admits("locally_engaged")
    (1, True, False)
    """

    function: Id
    skill: Annotated[str, StringConstraints(min_length=1)]
    minimum: dict[Posture, Count] = Field(default_factory=dict)
    """People needed at each posture; a posture not named needs none."""
    categories: tuple[Category, ...] = ()
    """The staff categories that may fill the function (rule ``categories``); empty: any.
    E.g. ``[diplomat, military]`` for a post's security, which must not rest on locally
    engaged staff who stand down at home when the post closes."""

    def slots(self, posture: Posture | str) -> int:
        """People this function needs at ``posture`` (0 when suspended)."""
        posture = Posture(posture)
        return 0 if posture is Posture.SUSPENDED else self.minimum.get(posture, 0)

    def admits(self, category: Category | str) -> bool:
        """Whether staff of ``category`` may fill the function (any may, without ``categories``)."""
        return not self.categories or Category(category) in self.categories


class Post(_Model):
    """An embassy or consulate: where it is, its posture, and its essential functions."""

    id: Id
    name: str
    place: Id
    posture: Posture = Posture.NORMAL
    min_retained: Count = 2
    requirements: tuple[Requirement, ...] = ()
    extraction_seats: Count | None = None
    """Seats of the post's own emergency lift (e.g. a helicopter from the compound): the
    retained staff must fit in them (rule ``extraction-seats``). None: no such limit."""


class StaffMember(_Model):
    """A member of a post's staff, who travels with their dependants as one party."""

    id: Id
    post: Id
    skills: tuple[Annotated[str, StringConstraints(min_length=1)], ...] = ()
    category: Category
    dependants: Count = 0
    location: Id
    name: str | None = None
    must_remain: Flag = False
    must_leave: Flag = False
    volunteer: Flag = False
    vulnerable: Flag = False
    relocate: Flag | None = None
    """Moved to a safe haven when departing; default true, false for locally engaged staff."""
    last_out: Flag = False
    """One of a team that stays while its post still has departures to run (an evacuation
    or planning team) and leaves with the last of them (see :func:`evacplan.plan`)."""

    @property
    def party_size(self) -> int:
        """The staff member and their dependants."""
        return 1 + self.dependants


class ThreatEvent(_Model):
    """At ``at`` (until ``until``), raise the risk of, or close, regions, places, links or streets.

    A place's threat applies to every link that touches it; a region's to
    every link touching a place in that region; a link's to that link, by id;
    a street's to every link of that ``name`` (an OpenStreetMap street's, or
    one given by hand).
    """

    id: Id
    at: When
    until: When | None = None
    description: str | None = None
    regions: tuple[str, ...] = ()
    places: tuple[Id, ...] = ()
    links: tuple[LinkRef, ...] = ()
    """Links by id, or by label (``source->target``, ``source<->target``) when they have none."""
    streets: tuple[Annotated[str, StringConstraints(min_length=1)], ...] = ()
    """Links by name: every link whose ``name`` is one of these (``Wood Street``)."""
    risk: Risk | None = None
    """Risk per traversal from ``at``: links it touches carry at least this."""
    risk_per_hour: Annotated[float, Strict(), Field(ge=0)] | None = None
    """The chance of harm per hour spent at a place it affects (its places, and the places
    in its regions) while the threat holds; only on a threat of places or regions, and
    not on one that closes."""
    closes: Flag = False
    probability: Annotated[float, Strict(), Field(gt=0, le=1)] | None = None
    """How likely it is, when it may not happen at all: plans are made without a threat of
    probability under 1 (it is not expected), and :func:`evacplan.uncertainty.simulate`
    makes it happen in that share of runs. None (or 1): it will happen."""

    @property
    def certain(self) -> bool:
        """Whether plans count on it (no ``probability``, or 1)."""
        return self.probability is None or self.probability >= 1


class DecisionPoint(_Model):
    """A tripwire: move posts to a posture at a time, when a threat begins, or on an indicator."""

    id: Id
    posture: Posture
    posts: tuple[Id, ...] = ()
    """The posts it moves; empty means every post."""
    at: When | None = None
    on_threat: Id | None = None
    indicator: str | None = None
    """What the tripwire watches, in words (e.g. 'attack on coalition forces')."""
    description: str | None = None


class Lift(_Model):
    """An emergency lift shared by several posts: their retained staff together fit its seats."""

    id: Id
    posts: tuple[Id, ...]
    seats: Count


class Policy(_Model):
    """Rules of the ministry that apply to every post."""

    max_functions_per_person: Annotated[int, Strict(), Field(ge=1)] = 1
    relocate_locally_engaged: Flag = False
    """Whether departing locally engaged staff are moved to a safe haven by default."""
    muster_minutes: Annotated[float, Strict(), Field(ge=0, le=10080)] = 60
    """Minutes from a decision to the departure of the people it sends away (to gather)."""
    last_out_minutes: Annotated[float, Strict(), Field(gt=0)] = 720
    """The longest a post's retained staff may need to reach safety (last-out extraction)."""
    extraction: tuple[Lift, ...] = ()
    """Emergency lifts shared by several posts (rule ``extraction-seats``)."""


def _validated(cls: type[BaseModel], data: Mapping[str, Any], self: BaseModel | None) -> None:
    """Validate ``data`` as ``cls`` (into ``self``), collecting every problem at once."""
    problems = []
    try:
        if self is None:
            cls.__pydantic_validator__.validate_python(data)
        else:
            cls.__pydantic_validator__.validate_python(data, self_instance=self)
    except ValidationError as err:
        problems.extend(pydantic_problems(err, cls))
    problems.extend(reference_problems(data, cls.__name__))
    if problems:
        raise ScenarioError(sort_problems(problems))


class _Checked(_Model):
    """A top-level model whose constructor checks cross-references and raises ScenarioError."""

    def __init__(self, /, **data: Any) -> None:
        _validated(type(self), data, self)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        if isinstance(obj, cls):
            return obj
        return cls(**as_mapping(obj, cls.__name__))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy, with its derived lookups (``staff_by_id`` and the like) rebuilt on demand.

        Like pydantic's, this does not check ``update``; :meth:`replace` does.
        """
        copy = super().model_copy(update=update, deep=deep)
        for name, member in vars(type(self)).items():
            if isinstance(member, cached_property):
                copy.__dict__.pop(name, None)
        return copy

    def replace(self, **changes: Any) -> Any:
        """A new, fully checked copy with some fields changed.

        Raises
        ------
        ScenarioError
            If the changed model breaks a rule or a cross-reference.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> tiny = load_scenario(seed_path("tiny"))
        >>> fewer = tiny.replace(staff=tiny.staff[:2])
        >>> sorted(fewer.staff_by_id)
        ['cap-01', 'cap-02']
        >>> tiny.replace(posts=[tiny.posts[0].model_copy(update={"place": "nowhere"})])
        Traceback (most recent call last):
        ...
        evacplan.errors.ScenarioError: invalid scenario: 1 problem
          posts[0].place: 'nowhere' is not a place
        """
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self)(**{**fields, **changes})


class Network(_Checked):
    """Places and the links between them, as routing sees them.

    Parameters
    ----------
    places, links
        The map. Every link's ends must be places.
    start
        The datetime that offsets count from (needed only when link times are datetimes).
    name
        A label for reports.
    """

    name: str | None = None
    start: datetime | None = None
    places: tuple[Place, ...] = ()
    links: tuple[Link, ...] = ()

    @cached_property
    def place_by_id(self) -> dict[str, Place]:
        """Places by id."""
        return {p.id: p for p in self.places}

    def safe_places(self) -> list[Place]:
        """The places that end an evacuation."""
        return [p for p in self.places if p.is_safe]

    def minute(self, when: int | float | datetime) -> float:
        """Minutes from the start to ``when``."""
        return minutes_after(self.start, when)

    def departures(self, link: Link) -> tuple[float, ...]:
        """The minutes (from the start) at which a scheduled ``link`` leaves, sorted; () if none."""
        return departure_minutes(link.departures, self.minute)

    @cached_property
    def junctions(self) -> frozenset[str]:
        """Places that are OpenStreetMap road junctions with no name: routes name the
        streets through them instead (see :meth:`route_words`)."""
        return frozenset(p.id for p in self.places if p.osm_id is not None and not p.name)

    @cached_property
    def _streets(self) -> dict[str, str | None]:
        return {link.id: link.name for link in self.links if link.id}

    def route_words(
        self, start: datetime | None, stops: Any, links: Iterable[str] = (), *, times: bool = True
    ) -> str:
        """An itinerary in words (:func:`evacplan._time.route_words`), road junctions
        given as the streets taken (``links``: the key of each leg's link).

        Examples
        --------
        >>> from evacplan.routing.records import Stop
        >>> net = Network(
        ...     places=[Place(id="a", kind="post"), Place(id="n1", kind="waypoint", osm_id=1),
        ...             Place(id="b", kind="border", safe=True)],
        ...     links=[Link(id="a-n1", source="a", target="n1", minutes=1, capacity_per_hour=60.0,
        ...                 name="Quai Antoine"),
        ...            Link(id="n1-b", source="n1", target="b", minutes=1, capacity_per_hour=60.0)])
        >>> net.route_words(None, [Stop("a", 0, 0), Stop("n1", 1, 1), Stop("b", 2, 2)],
        ...                 ["a-n1", "n1-b"])
        'a@0 -> via Quai Antoine -> b@2'
        """
        keys = list(links)
        if not self.junctions:
            return route_words(start, stops, times=times)
        streets = [self._streets.get(k) for k in keys] if keys else None
        return route_words(start, stops, junctions=self.junctions, streets=streets, times=times)


class Scenario(_Checked):
    """A crisis scenario: the map, the posts and their staff, threats and decision points.

    Build one from a file with :func:`evacplan.io.load_scenario`; building one
    from Python objects runs the same checks. Times given as datetimes without
    a UTC offset are read in the offset of ``start`` (a start without one is UTC).

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> local = tiny.replace(start=datetime(2020, 1, 3, 9, 0, tzinfo=timezone(timedelta(hours=3))))
    >>> local.minute(datetime(2020, 1, 3, 13, 0))  # 13:00 at the start's +03:00
    240.0
    """

    name: Annotated[str, StringConstraints(min_length=1)]
    start: datetime
    description: str | None = None
    step_minutes: Annotated[int, Strict(), Field(ge=1, le=MAX_STEP_MINUTES)] = 5
    hazard_per_hour: Risk = DEFAULT_HAZARD_PER_HOUR
    """The chance of harm each hour a person spends released but not yet safe, waiting or
    travelling (0 to 1); plans count it in their ``harm`` beside link and threat risks.
    The default, 0.002, is explained in ``docs/routing.md``."""
    places: tuple[Place, ...]
    links: tuple[Link, ...] = ()
    posts: tuple[Post, ...]
    staff: tuple[StaffMember, ...] = ()
    threats: tuple[ThreatEvent, ...] = ()
    decision_points: tuple[DecisionPoint, ...] = ()
    policy: Policy = Policy()
    groups: tuple[Group, ...] = ()
    """People who are not staff (nationals, eligible persons), moved in parties."""
    checks: tuple[Check, ...] = ()
    """What the planner expects of the plan (:mod:`evacplan.testing` runs them)."""
    uncertainty: Uncertainty | None = None
    """How far its times may stray (:func:`evacplan.uncertainty.simulate` reads it)."""

    @cached_property
    def planned_threats(self) -> tuple[ThreatEvent, ...]:
        """The threats plans count on: all but those with a ``probability`` under 1."""
        return tuple(t for t in self.threats if t.certain)

    @cached_property
    def network(self) -> Network:
        """The scenario's places and links as a :class:`Network` (threats not applied)."""
        return Network.model_construct(
            name=self.name, start=self.start, places=self.places, links=self.links
        )

    @cached_property
    def place_by_id(self) -> dict[str, Place]:
        """Places by id."""
        return {p.id: p for p in self.places}

    @cached_property
    def post_by_id(self) -> dict[str, Post]:
        """Posts by id."""
        return {p.id: p for p in self.posts}

    @cached_property
    def staff_by_id(self) -> dict[str, StaffMember]:
        """Staff by id."""
        return {s.id: s for s in self.staff}

    @cached_property
    def staff_by_post(self) -> dict[str, list[StaffMember]]:
        """Each post's staff, in file order (every post present, even with no staff)."""
        out: dict[str, list[StaffMember]] = {p.id: [] for p in self.posts}
        for member in self.staff:
            out[member.post].append(member)
        return out

    def relocates(self, member: StaffMember) -> bool:
        """Whether ``member``, when departing, is moved to a safe haven."""
        if member.relocate is not None:
            return member.relocate
        if member.category is Category.LOCALLY_ENGAGED:
            return self.policy.relocate_locally_engaged
        return True

    def minute(self, when: int | float | datetime) -> float:
        """Minutes from the scenario start to ``when`` (an offset or a datetime)."""
        return minutes_after(self.start, when)

    def clock(self, minute: float) -> str:
        """The wall-clock time of ``minute`` from the start, in the start's UTC offset.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> load_scenario(seed_path("tiny")).clock(90)
        'Fri 3 Jan 07:30 +00:00'
        """
        return clock(self.start, minute)

    def decision_minute(self, point: DecisionPoint) -> float | None:
        """When a decision point fires: its time, or its threat's start; None if on an indicator only."""
        times = []
        if point.at is not None:
            times.append(self.minute(point.at))
        if point.on_threat is not None:
            threat = next(t for t in self.threats if t.id == point.on_threat)
            times.append(self.minute(threat.at))
        return min(times) if times else None

    def postures(
        self, *, at: float | None = None, indicators: Iterable[str] = ()
    ) -> dict[str, Posture]:
        """Each post's posture under the decision points.

        A timed tripwire (``at`` or ``on_threat``) fires at its minute; a
        tripwire on an indicator alone is contingent and fires only when its id
        is in ``indicators``. With ``at`` (minutes from the start), only those
        that have fired by then count; with ``at=None``, every timed tripwire
        of the timeline counts, so each post gets the highest posture the
        timeline reaches: the posture to plan for. A decision point never
        lowers a post's posture.

        Parameters
        ----------
        at
            Minutes from the start, or None for the whole timeline.
        indicators
            Ids of indicator-only decision points that have fired.

        Raises
        ------
        ScenarioError
            If ``indicators`` names something that is not a decision point.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> s = load_scenario(seed_path("tiny"))
        >>> s.postures(at=0)["capital"], s.postures()["capital"]
        (<Posture.NORMAL: 'normal'>, <Posture.MINIMAL: 'minimal'>)
        """
        fired_ids = set(indicators)
        known = {point.id for point in self.decision_points}
        unknown = sorted(fired_ids - known)
        if unknown:
            raise ScenarioError(
                [
                    Problem("indicators", f"{i!r} is not a decision point{suggest(i, known)}")
                    for i in unknown
                ]
            )
        result = {post.id: post.posture for post in self.posts}
        for point in self.decision_points:
            fired = self.decision_minute(point)
            if fired is None and point.id not in fired_ids:
                continue
            if at is not None and fired is not None and fired > at:
                continue
            for post_id in point.posts or tuple(result):
                result[post_id] = max(result[post_id], point.posture)
        return result

    def parties(self) -> Iterator[tuple[StaffMember, int]]:
        """Every staff member with the size of their party (them and their dependants)."""
        for member in self.staff:
            yield member, member.party_size

    def group_parties(self) -> list[Party]:
        """Every group cut into its parties: ``<group>/<k>`` of ``party_size`` people (k from 1;
        the last smaller when the count is not a multiple), released when called forward.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> tiny = load_scenario(seed_path("tiny"))
        >>> fam = {"id": "nationals", "location": "residence", "count": 5,
        ...        "category": "national", "party_size": 2, "release": "26h"}
        >>> [(p.id, p.size, p.release_minute) for p in tiny.replace(groups=[fam]).group_parties()]
        [('nationals/1', 2, 1560.0), ('nationals/2', 2, 1560.0), ('nationals/3', 1, 1560.0)]
        """
        out = []
        for g in self.groups:
            release = self.minute(g.release)
            for k in range(g.parties):
                size = min(g.party_size, g.count - k * g.party_size)
                out.append(
                    Party(f"{g.id}/{k + 1}", size, g.location, None, release, priority=g.priority)
                )
        return out
