"""The records a report is made of: the headline, the rows of its tables, its facts.

Plain data: :mod:`._facts` fills them from a plan, :mod:`._page` renders them,
the tests read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the timeline, or a point event (a marker) when ``end`` is None.

    ``row`` is its row's label (``"post baghdad"``), ``start`` and ``end`` minutes from
    the scenario's start, ``kind`` one of ``_timeline.KINDS``, ``label`` short text on or
    beside it ("" for none).
    """

    row: str
    start: float
    end: float | None
    kind: str
    label: str = ""


SECTIONS = (
    "headline",
    "timeline",
    "map",
    "posts",
    "groups",
    "movements",
    "arrivals",
    "closures",
    "simulation",
    "left-behind",
    "assumptions",
)
"""Every section a page can have, in page order (a page has those it has content for)."""

CAPACITY_RULE = (
    "A link admits, by each minute since it opened, the whole number of people its hourly "
    "rate allows by then (rate x minutes / 60, rounded down), less those already admitted; "
    "nothing is lost to rounding from one step to the next. A place with a throughput lets "
    "people through its gate by the same rule; a scheduled service takes at most its seats "
    "on each departure."
)


@dataclass(frozen=True, slots=True)
class Headline:
    """The top of the page: what the plan is, its status, the figures, the proof."""

    title: str
    kind: str
    status: str
    status_words: str
    last_safe: str | None
    """When the last person is safe: clock time and hours from the start (None: nobody moves)."""
    figures: list[tuple[str, str]]
    """(label, value) pairs: people moved, retained, standing down, stranded, left behind."""
    proof: str
    notes: list[str] = field(default_factory=list)
    description: str = ""


@dataclass(frozen=True, slots=True)
class Stays:
    """One person who stays at a post: what they cover and why."""

    staff: str
    name: str
    covers: str
    reason: str


@dataclass(frozen=True, slots=True)
class Leaves:
    """One party that leaves a post: when, by which route, arriving when (or why not)."""

    party: str
    people: int
    stage: str
    leaves: str
    route: str
    arrives: str
    state: str
    """``safe``, ``stranded``, ``left behind`` or ``stands down at home``."""


@dataclass(frozen=True, slots=True)
class Held:
    """Who holds a post from a stage on (or from the start): its posture then, who stays."""

    stage: str
    """The stage's index, or ``"start"``."""
    when: str
    posture: str
    staff: list[tuple[str, str, str]]
    """(staff id, name, the functions they cover) of each who stays."""
    words: str
    """The row in words: ``"2 stay"``, ``"all 6 staff: nobody is drawn down yet"``,
    ``"nobody: the post closes; the 2 who held it leave"``."""


@dataclass(frozen=True, slots=True)
class Post:
    """A post's part of the page: its postures over time, who held it, who stays, who leaves."""

    id: str
    name: str
    postures: str
    stays: list[Stays]
    """Who stays at the end, or, for a post that closes, who held it last (and why)."""
    leaves: list[Leaves]
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    """(rule, message) of each rule in a set that cannot all hold."""
    held: list[Held] = field(default_factory=list)
    """Who held the post at each posture over the stages, in time order."""
    closed: str = ""
    """For a post that closes: its last posture open and when it closed, in words
    (``"minimal until it closed Tue 25 Apr 09:00"``); "" for a post that stays open."""


@dataclass(frozen=True, slots=True)
class StageRow:
    """One stage of a contingency plan, for the table under the timeline."""

    index: int
    when: str
    fired: str
    postures: str
    released: int


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A group of people who are not staff, summed (its parties are many)."""

    id: str
    people: int
    category: str
    priority: int
    location: str
    called: str
    safe: int
    last_safe: str
    not_safe: int


@dataclass(frozen=True, slots=True)
class Move:
    """A row of the movements table (an evacuation plan without posts)."""

    people: int
    who: str
    source: str
    leaves: str
    route: str
    destination: str
    arrives: str


@dataclass(frozen=True, slots=True)
class Behind:
    """People left behind (or stranded), with where and why."""

    who: str
    people: int
    category: str
    priority: int
    place: str
    reason: str


@dataclass(frozen=True, slots=True)
class ClosureRow:
    """One closure case of an analysis, worst first."""

    rank: int
    closed: str
    outcome: str
    egress: str
    change: str
    stranded: int
    posts: str


@dataclass(frozen=True, slots=True)
class Arrivals:
    """The arrival curve, the quickest possible one, the proven bound and the deadline."""

    curve: list[tuple[float, int]]
    quickest: list[tuple[float, int]]
    bound: float | None
    deadline: float | None
    words: str


@dataclass(frozen=True, slots=True)
class Odds:
    """A party's odds over simulated runs (a row of the simulation section)."""

    party: str
    people: int
    on_time: str
    """The share of runs it is safe by its planned arrival plus the slack."""
    p95: str
    """Its 95th-percentile arrival, as a clock time (or ``never``)."""
    planned: str
    never: str = "0%"
    """The share of runs in which it never reaches safety."""


@dataclass(frozen=True, slots=True)
class Holdup:
    """A link or service that held people up over simulated runs."""

    link: str
    route: str
    share: str
    """The share of runs in which it held someone up."""
    queueing: str
    """Person-time queueing for it, a run on average."""
    missed: str
    """People a run who missed a departure on it (services only; empty otherwise)."""
    stuck: str = ""
    """People a run who never got through it (empty: none)."""


@dataclass
class SimulationFacts:
    """How sure the plan is: the runs of a simulation, as the page shows them."""

    words: list[str]
    """The summary's opening lines: what was drawn, the plan, the clearance times."""
    egress: list[float]
    """Each run's clearance time in minutes (runs with someone never safe left out)."""
    never: int
    """Runs in which someone never reaches safety."""
    planned: float
    q95: float | None
    step: int = 1
    """The plan's step (minutes): the chart's bins are whole steps."""
    odds: list[Odds] = field(default_factory=list)
    holdups: list[Holdup] = field(default_factory=list)


@dataclass
class Facts:
    """Everything one page says; ``sections`` lists those it has, in page order."""

    headline: Headline
    sections: list[str]
    bars: list[Bar] = field(default_factory=list)
    stages: list[StageRow] = field(default_factory=list)
    timeline_end: float | None = None
    map: dict[str, Any] = field(default_factory=dict)
    """The keyword arguments of :func:`._charts.map_svg` (network first)."""
    map_words: str = ""
    close_up: tuple[float, float, float, float] | None = None
    """The posts' area, ``(west, east, south, north)``, drawn again when the map dwarfs it."""
    posts: list[Post] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    moves_more: int = 0
    arrivals: Arrivals | None = None
    closures: list[ClosureRow] = field(default_factory=list)
    closures_words: str = ""
    simulation: SimulationFacts | None = None
    behind: list[Behind] = field(default_factory=list)
    behind_words: str = ""
    assumptions: list[tuple[str, str]] = field(default_factory=list)
    clock: Callable[[float], str] | None = None
