"""Compiling a post: its rules over groups of interchangeable staff.

The first stage. ``_drawdown`` hands each post of the scenario, its posture
and the checked ``previous`` plan (a :class:`_Previous`, from ``_arguments``)
to :func:`_compile_post`, which returns a :class:`_PostProblem`: the post's
needed functions and its staff in :class:`_Group` records of people who are
interchangeable (same coverable functions, flags, preference penalty and
previous decision). ``_model`` turns that problem into a CP-SAT model;
``_explain`` uses :func:`_isolate` to ask what happens if one person is
decided the other way; ``_verify`` recomputes the preference level with
:func:`_penalty`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from evacplan.models import Post, Posture, Scenario, StaffMember


@dataclass(slots=True)
class _Group:
    """Interchangeable staff of one post: same coverable functions, flags and history."""

    members: list[int]  # indices into _PostProblem.members, in file order
    mask: tuple[bool, ...]  # can cover function j
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
    functions = [
        (r.function, r.skill, r.slots(posture)) for r in post.requirements if r.slots(posture) > 0
    ]
    position = {f: j for j, (f, _, _) in enumerate(functions)}
    masks: dict[tuple[str, ...], tuple[bool, ...]] = {}
    groups: dict[tuple[Any, ...], _Group] = {}
    for i, m in enumerate(members):
        mask = masks.get(m.skills)
        if mask is None:
            have = set(m.skills)
            mask = masks[m.skills] = tuple(skill in have for _, skill, _ in functions)
        prev: bool | None = None
        prev_functions: tuple[int, ...] = ()
        if previous is not None and m.id in previous.known:
            prev = m.id in previous.retained
            if prev:
                prev_functions = tuple(
                    sorted(position[f] for f in previous.functions.get(m.id, ()) if f in position)
                )
        key = (mask, m.must_remain, m.must_leave, _penalty(m), prev, prev_functions)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group([], mask, *key[1:])
        group.members.append(i)
    return _PostProblem(
        post=post,
        posture=posture,
        members=members,
        functions=functions,
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
