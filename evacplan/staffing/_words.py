"""Words for messages: counts of people, people by id and name, lists in English.

Shared by the stages that talk: ``_conflicts`` (conflict messages),
``_explain`` (explanations), ``_verify`` (violation messages) and ``plan``
(reports). Imports nothing else from the package.
"""

from __future__ import annotations

from evacplan.models import StaffMember


def _people(k: int) -> str:
    return f"{k} {'person' if k == 1 else 'people'}"


def _names(members: list[StaffMember], limit: int = 6) -> str:
    ids = [m.id for m in members]
    if len(ids) > limit:
        return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"
    return ", ".join(ids)


def _describe(m: StaffMember) -> str:
    return f"{m.id} ({m.name})" if m.name else m.id


def _and(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _who_list(people: list[StaffMember], *, flags: bool = True, limit: int = 5) -> str:
    """``cap-04 (vulnerable, not a volunteer) and cap-05 (not a volunteer)``."""

    def one(m: StaffMember) -> str:
        if not flags:
            return m.id
        words = (["vulnerable"] if m.vulnerable else []) + (
            ["a volunteer"] if m.volunteer else ["not a volunteer"]
        )
        return f"{m.id} ({', '.join(words)})"

    shown = [one(m) for m in people[:limit]]
    if len(people) > limit:
        shown.append(f"{len(people) - limit} more")
    return _and(shown) if shown else "nobody"
