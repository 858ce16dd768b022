"""Words for messages: counts of people, people by id and name, categories, lists in English.

Shared by the stages that talk: ``_conflicts`` (conflict messages),
``_explain`` (explanations), ``_verify`` (violation messages) and ``plan``
(reports). Imports nothing else from the package.
"""

from __future__ import annotations

from collections.abc import Iterable

from evacplan.models import Category, StaffMember

# A category as a noun, or as a word that needs "member" after it.
_CATEGORY_WORDS = {
    Category.DIPLOMAT: ("diplomat", False),
    Category.LOCALLY_ENGAGED: ("locally engaged", True),
    Category.MILITARY: ("military", True),
    Category.CONTRACTOR: ("contractor", False),
}


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


def _categories(categories: Iterable[Category]) -> str:
    """Who may fill a function, without an article: ``diplomat or military member``.

    Categories come in their enum's order; a run of words that are not nouns shares one
    ``member`` (``locally engaged or military member``).
    """
    chosen = [c for c in Category if c in set(categories)]
    words = []
    for k, c in enumerate(chosen):
        word, adjective = _CATEGORY_WORDS[c]
        last_of_run = k + 1 == len(chosen) or not _CATEGORY_WORDS[chosen[k + 1]][1]
        words.append(word + (" member" if adjective and last_of_run else ""))
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]


def _is_category(m: StaffMember) -> str:
    """A staff member's category after "is": ``a diplomat``, ``locally engaged``."""
    word, adjective = _CATEGORY_WORDS[m.category]
    return word if adjective else f"a {word}"


def _who_is(members: list[StaffMember], limit: int = 6) -> str:
    """People with their category: ``kht-07 (locally engaged) and kht-09 (contractor)``."""
    shown = [f"{m.id} ({_CATEGORY_WORDS[m.category][0]})" for m in members[:limit]]
    if len(members) > limit:
        shown.append(f"{len(members) - limit} more")
    return _and(shown) if shown else "nobody"
