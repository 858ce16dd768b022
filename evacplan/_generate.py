"""Generated scenarios of many posts and staff, for benchmarks and tests.

The mix is meant to look like a foreign ministry's network of posts: every
post has a head of mission, secure communications and security functions,
and a random selection of others; staff come in job families (diplomats,
military, locally engaged, contractors) with a main skill and sometimes one
or two more; a few must remain or must leave, some volunteer, some are
vulnerable, many travel with dependants. Every post can be drawn down to
``minimal`` (a core of staff covers its minimal functions), so benchmarks
measure proofs, not infeasibility. With ``lifts``, blocks of neighbouring
posts share emergency lifts whose seats fit the posts' minimal staffing,
exactly for every third lift and with a few seats to spare for the others.

Examples
--------
>>> s = generate_scenario(posts=2, staff_per_post=10, seed=1)
>>> len(s.posts), len(s.staff)
(2, 20)
>>> generate_scenario(posts=2, staff_per_post=10, seed=1) == s
True
>>> [(x.id, len(x.posts)) for x in generate_scenario(posts=5, lifts=2).policy.extraction]
[('lift-00', 2), ('lift-01', 3)]
"""

from __future__ import annotations

import random
from typing import Any, NamedTuple

from evacplan.models import Network, Scenario
from evacplan.results import Party

__all__ = ["generate_scenario"]

# function, skill, {posture: minimum} (before scaling), always present
_FUNCTIONS: tuple[tuple[str, str, tuple[int, int, int], bool], ...] = (
    ("head-of-mission", "leadership", (1, 1, 1), True),
    ("deputy", "leadership", (1, 1, 0), False),
    ("secure-comms", "crypto", (3, 2, 1), True),
    ("security", "security", (4, 3, 2), True),
    ("consular", "consular", (4, 2, 1), False),
    ("political", "political", (3, 1, 0), False),
    ("defence-liaison", "military-liaison", (2, 1, 1), False),
    ("medical", "medical", (1, 1, 0), False),
    ("it-support", "it", (2, 1, 0), False),
    ("logistics", "logistics", (2, 1, 1), False),
    ("transport", "driving", (3, 2, 1), False),
    ("interpreting", "language", (2, 1, 1), False),
)

# category, weight, skills to draw from (main skill first by weight), dependants range
_FAMILIES: tuple[tuple[str, float, tuple[str, ...], tuple[int, int]], ...] = (
    ("diplomat", 0.35, ("political", "consular", "leadership", "language", "crypto"), (0, 4)),
    ("military", 0.15, ("security", "crypto", "military-liaison", "medical"), (0, 0)),
    ("locally_engaged", 0.35, ("driving", "language", "logistics", "consular", "it"), (0, 5)),
    ("contractor", 0.15, ("it", "security", "medical", "logistics"), (0, 1)),
)

_CATEGORY_OF_SKILL = {
    "leadership": "diplomat",
    "political": "diplomat",
    "consular": "diplomat",
    "language": "locally_engaged",
    "crypto": "military",
    "security": "military",
    "military-liaison": "military",
    "medical": "contractor",
    "it": "contractor",
    "logistics": "locally_engaged",
    "driving": "locally_engaged",
}


def generate_scenario(
    posts: int = 100,
    staff_per_post: int = 100,
    *,
    seed: int = 0,
    max_functions_per_person: int = 1,
    lifts: int = 0,
    name: str | None = None,
) -> Scenario:
    """A seeded scenario of ``posts`` posts with ``staff_per_post`` staff each.

    Requirements grow with the post: a post of ``n`` staff needs about
    ``n / 50`` times the base numbers of each function (at least the base).
    The same arguments always give the same scenario.

    Parameters
    ----------
    posts, staff_per_post
        Size of the network; ``staff_per_post`` must be at least 10.
    seed
        Seed of the generator.
    max_functions_per_person
        The scenario's policy.
    lifts
        Emergency lifts shared by blocks of neighbouring posts (as even as
        can be; ``policy.extraction``), at most ``posts``. Each seats the
        fewest staff its posts keep at ``minimal`` with one function a person
        (so any plan at minimal fits), exactly for every third lift (``lift-00``,
        ``lift-03``, ...: full at the optimum) and with one to two seats a post
        to spare for the others. Every fifth post under a lift also has an
        ``extraction_seats`` of its own, with none to two to spare. The posts
        and staff are those of the same call without lifts.
    name
        The scenario's name (default ``generated-<posts>x<staff_per_post>``).

    Examples
    --------
    >>> s = generate_scenario(posts=4, staff_per_post=10, seed=3, lifts=2)
    >>> [(x.id, x.posts, x.seats) for x in s.policy.extraction]
    [('lift-00', ('post-000', 'post-001'), 15), ('lift-01', ('post-002', 'post-003'), 18)]
    """
    if staff_per_post < 10:
        raise ValueError("staff_per_post must be at least 10")
    if not 0 <= lifts <= posts:
        raise ValueError("lifts must be from 0 to the number of posts")
    rng = random.Random(seed)
    scale = max(1, staff_per_post // 50)
    places: list[dict[str, Any]] = [{"id": "haven", "kind": "safe_haven"}]
    links: list[dict[str, Any]] = []
    post_rows: list[dict[str, Any]] = []
    staff: list[dict[str, Any]] = []
    need: list[int] = []
    for k in range(posts):
        pid = f"post-{k:03d}"
        places += _post_places(pid)
        links += _post_links(pid, rng)
        post = _post(k, pid, scale, rng)
        post_rows.append(post.row)
        # The fewest staff at minimal with one function a person: the core covers it exactly.
        need.append(max(post.row["min_retained"], len(post.core)))
        staff += [_staff_member(pid, i, post.core, rng) for i in range(staff_per_post)]
    return Scenario.model_validate(
        {
            "name": name or f"generated-{posts}x{staff_per_post}",
            "start": "2020-01-03T06:00:00+00:00",
            "places": places,
            "links": links,
            "posts": post_rows,
            "staff": staff,
            "policy": {
                "max_functions_per_person": max_functions_per_person,
                "extraction": _lifts(post_rows, need, lifts, seed),
            },
        }
    )


class _Post(NamedTuple):
    """A generated post's row, and the skills of its core: one a member, covering minimal."""

    row: dict[str, Any]
    core: tuple[str, ...]


class _Job(NamedTuple):
    """A staff member's category and skills, main skill first."""

    category: str
    skills: list[str]


def _post_places(pid: str) -> list[dict[str, Any]]:
    """The embassy and the residence of post ``pid``."""
    return [
        {"id": f"{pid}-embassy", "kind": "post", "region": pid},
        {"id": f"{pid}-residence", "kind": "residence", "region": pid},
    ]


def _post_links(pid: str, rng: random.Random) -> list[dict[str, Any]]:
    """Post ``pid``'s road from residence to embassy, and its risky road to the haven."""
    return [
        {
            "source": f"{pid}-residence",
            "target": f"{pid}-embassy",
            "minutes": 15,
            "capacity_per_hour": 120,
        },
        {
            "source": f"{pid}-embassy",
            "target": "haven",
            "minutes": 240,
            "capacity_per_hour": 300,
            "risk": round(rng.uniform(0, 0.2), 3),
        },
    ]


def _post(k: int, pid: str, scale: int, rng: random.Random) -> _Post:
    """Post number ``k``: the always-present functions and a random selection of others,
    their minimums ``scale`` times the base (the head of mission's never scaled)."""
    chosen = [f for f in _FUNCTIONS if f[3] or rng.random() < 0.6]
    requirements = []
    core: list[str] = []  # one skill per core member: they cover minimal exactly
    for function, skill, (normal, reduced, minimal), _ in chosen:
        mult = 1 if function == "head-of-mission" else scale
        minimum = {"normal": normal * mult, "reduced": reduced * mult}
        if minimal:
            minimum["minimal"] = minimal * mult
        requirements.append({"function": function, "skill": skill, "minimum": minimum})
        core += [skill] * (minimal * mult)
    row = {
        "id": pid,
        "name": f"Post {k}",
        "place": f"{pid}-embassy",
        "min_retained": rng.choice((2, 2, 3)),
        "requirements": requirements,
    }
    return _Post(row, tuple(core))


def _job(i: int, core: tuple[str, ...], rng: random.Random) -> _Job:
    """The job of a post's ``i``-th member: a core skill alone, or drawn from a job family."""
    if i < len(core):
        main = core[i]
        category = _CATEGORY_OF_SKILL[main]
        extra: list[str] = []
    else:
        family = rng.choices(_FAMILIES, weights=[f[1] for f in _FAMILIES])[0]
        category, pool = family[0], family[2]
        main = rng.choice(pool)
        extra = rng.sample(pool, k=rng.choice((0, 0, 1, 1, 2)))
    return _Job(category, list(dict.fromkeys([main, *extra])))


def _staff_member(pid: str, i: int, core: tuple[str, ...], rng: random.Random) -> dict[str, Any]:
    """The ``i``-th member of post ``pid``: job, dependants, location and flags."""
    job = _job(i, core, rng)
    low, high = next(f[3] for f in _FAMILIES if f[0] == job.category)
    row: dict[str, Any] = {
        "id": f"{pid}-s{i:04d}",
        "post": pid,
        "category": job.category,
        "skills": job.skills,
        "dependants": rng.randint(low, high),
        "location": f"{pid}-residence" if rng.random() < 0.7 else f"{pid}-embassy",
    }
    if i == 0:
        row["must_remain"] = True
    elif i >= len(core) and rng.random() < 0.02:
        row["must_leave"] = True
    if rng.random() < 0.25:
        row["volunteer"] = True
    if i and rng.random() < 0.1:
        row["vulnerable"] = True
    return row


def _lifts(
    post_rows: list[dict[str, Any]], need: list[int], lifts: int, seed: int
) -> list[dict[str, Any]]:
    """Shared lifts over blocks of posts, seated for minimal; some posts' own seats too.

    A generator of its own, so that the posts and staff do not depend on ``lifts``.
    """
    rng = random.Random(f"lifts-{seed}")
    rows = []
    start = 0
    for k in range(lifts):
        block = range(start, start + (len(post_rows) - start) // (lifts - k))
        start = block.stop
        spare = 0 if k % 3 == 0 else sum(rng.randint(1, 2) for _ in block)
        ids = tuple(post_rows[i]["id"] for i in block)
        rows.append(
            {"id": f"lift-{k:02d}", "posts": ids, "seats": sum(need[i] for i in block) + spare}
        )
        for i in block:
            if i % 5 == 4:
                post_rows[i]["extraction_seats"] = need[i] + rng.randint(0, 2)
    return rows


def generate_airlift(days: float, seed: int = 1) -> tuple[Network, list[Party]]:
    """A seeded airlift over ``days``: its network and parties, people and flights scaling
    with the days (50,000 people and 300 flights over 14 days).

    Twenty districts reach two of three gates each (throughput 90 to 150 an hour); the
    gates lead airside; flights of 100 to 200 seats leave at random minutes after the
    first six hours for one of two havens. Families of 1 to 5 are called forward over
    the first two thirds of the horizon, with priority 1 to 3. For benchmarks
    (``benchmarks/bench_airlift.py``) and tests of long horizons and time limits.

    Examples
    --------
    >>> net, parties = generate_airlift(1)
    >>> len(net.places), sum(p.size for p in parties), sum(1 for link in net.links if link.seats)
    (26, 3571, 21)
    """

    rng = random.Random(seed)
    minutes = int(days * 24 * 60)
    people = int(50_000 * days / 14)
    flights = int(300 * days / 14)
    places: list[dict[str, Any]] = [
        {"id": "airside", "kind": "airport"},
        {"id": "haven-a", "kind": "safe_haven"},
        {"id": "haven-b", "kind": "safe_haven"},
    ]
    links: list[dict[str, Any]] = []
    gates = [("gate-north", 120), ("gate-east", 90), ("gate-south", 150)]
    for gate, per_hour in gates:
        places.append({"id": gate, "kind": "waypoint", "throughput_per_hour": per_hour})
        links.append(
            {
                "id": f"{gate}-in",
                "source": gate,
                "target": "airside",
                "minutes": 20,
                "capacity_per_hour": 2000,
                "two_way": False,
            }
        )
    for d in range(20):
        district = f"district-{d:02d}"
        places.append({"id": district, "kind": "assembly"})
        for gate, _ in rng.sample(gates, 2):
            links.append(
                {
                    "id": f"{district}-{gate}",
                    "source": district,
                    "target": gate,
                    "minutes": rng.choice([30, 45, 60, 90]),
                    "capacity_per_hour": 600,
                    "two_way": False,
                }
            )
    # Flights spread over the horizon after the first six hours, to either haven.
    times = sorted(rng.randrange(360, minutes - 240) for _ in range(flights))
    for i, t in enumerate(times):
        links.append(
            {
                "id": f"flight-{i:03d}",
                "source": "airside",
                "target": "haven-a" if i % 3 else "haven-b",
                "minutes": 180 if i % 3 else 240,
                "mode": "air",
                "seats": rng.choice([100, 150, 200]),
                "departures": [t],
            }
        )
    net = Network(name=f"airlift-{days:g}d", places=places, links=links)
    parties = []
    left = people
    k = 0
    while left > 0:
        size = min(left, rng.choice([1, 2, 3, 4, 5]))
        district = f"district-{rng.randrange(20):02d}"
        release = rng.randrange(0, int(minutes * 2 / 3))
        priority = rng.choice([1, 2, 2, 3])
        parties.append(Party(f"p{k}", size, district, release_minute=release, priority=priority))
        left -= size
        k += 1
    return net, parties
