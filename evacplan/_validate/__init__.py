"""Turn every fault in a scenario or network into a Problem with its path.

Two passes run on every input, and both always run, so one error lists every
problem at once: pydantic's structural checks (types, ranges, unknown keys),
translated into plain words (:mod:`._words`); and the cross-reference checks
(:mod:`._references`), which read the raw input tolerantly (a wrongly typed
entry is skipped, not a crash).
"""

from evacplan._validate._references import reference_problems
from evacplan._validate._words import (
    EXPECTATIONS,
    as_mapping,
    path_of,
    pydantic_problems,
    sort_problems,
    suggest,
)

__all__ = [
    "EXPECTATIONS",
    "as_mapping",
    "path_of",
    "pydantic_problems",
    "reference_problems",
    "sort_problems",
    "suggest",
]
