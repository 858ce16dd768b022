"""Compiling posts: their rules over groups of interchangeable staff, and their lifts.

The first stage. ``_drawdown`` hands each post of the scenario, its posture
and the checked ``previous`` plan (a :class:`_Previous`, from ``_arguments``)
to :func:`_compile_post`, which returns a :class:`_PostProblem`: the post's
needed functions and its staff in :class:`_Group` records of people who are
interchangeable (same coverable functions, the same functions barred to them
by a requirement's ``categories`` alone, flags, preference penalty and previous
decision). :func:`_clusters` then joins the open posts that share
an extraction lift (union-find, so a post under two lifts joins them both)
into :class:`_Cluster` records with their seat limits (:class:`_Lift`); a
post under no shared lift is a cluster of its own. ``_model`` turns a
cluster into one CP-SAT model; ``_explain`` uses :func:`_isolate` to ask
what happens if one person is decided the other way; ``_verify`` recomputes
the preference level with :func:`_penalty`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from evacplan.models import Category, Post, Posture, Scenario, StaffMember


@dataclass(slots=True)
class _Group:
    """Interchangeable staff of one post: same coverable functions, flags and history."""

    members: list[int]  # indices into _PostProblem.members, in file order
    mask: tuple[bool, ...]  # can cover function j: has its skill, and is of a category it admits
    skilled: tuple[bool, ...]  # has the skill of function j (whatever its categories)
    must_remain: bool
    must_leave: bool
    penalty: int  # (not volunteer) + vulnerable
    prev: bool | None  # retained in the previous plan; None when it did not decide
    prev_functions: tuple[int, ...]  # functions (indices) covered in the previous plan


@dataclass(slots=True)
class _PostProblem:
    """One post at one posture, compiled: its staff, the functions it needs, the groups."""

    post: Post
    posture: Posture
    members: list[StaffMember]
    functions: list[tuple[str, str, int]]  # (function, skill, slots), slots > 0
    categories: list[tuple[Category, ...]]  # who may fill function j (rule categories); (): any
    capacity: int  # max functions per person
    groups: list[_Group]
    has_previous: bool


@dataclass(frozen=True, slots=True)
class _Previous:
    """The previous plan as compiled: who it decided, who it kept, what each covered."""

    known: frozenset[str]
    retained: frozenset[str]
    functions: Mapping[str, tuple[str, ...]]


def _penalty(member: StaffMember) -> int:
    """A person's cost under the preference level: (not a volunteer) + vulnerable."""
    return (not member.volunteer) + member.vulnerable


def _compile_post(
    scenario: Scenario, post: Post, posture: Posture, previous: _Previous | None
) -> _PostProblem:
    members = scenario.staff_by_post[post.id]
    needed = [r for r in post.requirements if r.slots(posture) > 0]
    functions = [(r.function, r.skill, r.slots(posture)) for r in needed]
    position = {f: j for j, (f, _, _) in enumerate(functions)}
    masks: dict[tuple[tuple[str, ...], Category], tuple[tuple[bool, ...], tuple[bool, ...]]] = {}
    groups: dict[tuple[Any, ...], _Group] = {}
    for i, m in enumerate(members):
        masked = masks.get((m.skills, m.category))
        if masked is None:
            have = set(m.skills)
            skilled = tuple(r.skill in have for r in needed)
            mask = tuple(s and r.admits(m.category) for s, r in zip(skilled, needed, strict=True))
            masked = masks[m.skills, m.category] = (mask, skilled)
        mask, skilled = masked
        prev: bool | None = None
        prev_functions: tuple[int, ...] = ()
        if previous is not None and m.id in previous.known:
            prev = m.id in previous.retained
            if prev:
                prev_functions = tuple(
                    sorted(position[f] for f in previous.functions.get(m.id, ()) if f in position)
                )
        key = (mask, skilled, m.must_remain, m.must_leave, _penalty(m), prev, prev_functions)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group([], *key)
        group.members.append(i)
    return _PostProblem(
        post=post,
        posture=posture,
        members=members,
        functions=functions,
        categories=[r.categories for r in needed],
        capacity=scenario.policy.max_functions_per_person,
        groups=list(groups.values()),
        has_previous=previous is not None,
    )


def _isolate(problem: _PostProblem, member: int) -> tuple[_PostProblem, int]:
    """The same problem with ``member`` alone in a group of their own (last)."""
    groups = []
    alone = None
    for g in problem.groups:
        if member in g.members:
            alone = replace(g, members=[member])
            rest = [i for i in g.members if i != member]
            if rest:
                groups.append(replace(g, members=rest))
        else:
            groups.append(g)
    assert alone is not None
    groups.append(alone)
    return replace(problem, groups=groups), len(groups) - 1


@dataclass(frozen=True, slots=True)
class _Lift:
    """Seats that the retained staff of some posts of a cluster must fit in, together."""

    id: str | None  # the shared lift's id (policy.extraction); None for a post's own seats
    posts: tuple[int, ...]  # indices into _Cluster.problems, open posts only
    seats: int


@dataclass(slots=True)
class _Cluster:
    """Posts solved as one model: open posts coupled by shared lifts, or one post alone."""

    problems: list[_PostProblem]  # in scenario order
    lifts: list[_Lift] = field(default_factory=list)  # own seats first, then shared lifts


def _clusters(scenario: Scenario, problems: Mapping[str, _PostProblem]) -> list[_Cluster]:
    """The posts grouped by the shared lifts over them (union-find), in scenario order.

    Only open posts are coupled: a suspended post retains nobody, so it takes
    no seat and forms a cluster of its own.
    """
    parent = {post_id: post_id for post_id in problems}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    shared = []
    for lift in scenario.policy.extraction:
        on = [pid for pid in dict.fromkeys(lift.posts) if problems[pid].posture.is_open]
        if on:
            shared.append((lift, on))
            for pid in on[1:]:
                parent[find(pid)] = find(on[0])
    roots: dict[str, list[str]] = {}
    for post_id in problems:
        roots.setdefault(find(post_id), []).append(post_id)
    clusters = {root: _Cluster([problems[pid] for pid in ids]) for root, ids in roots.items()}
    index = {pid: k for ids in roots.values() for k, pid in enumerate(ids)}
    for post_id, p in problems.items():
        if p.posture.is_open and p.post.extraction_seats is not None:
            own = _Lift(None, (index[post_id],), p.post.extraction_seats)
            clusters[find(post_id)].lifts.append(own)
    for lift, on in shared:
        seats = _Lift(lift.id, tuple(sorted(index[pid] for pid in on)), lift.seats)
        clusters[find(on[0])].lifts.append(seats)
    return list(clusters.values())
