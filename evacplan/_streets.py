"""Street names, as threats name them (``streets:``): shared by the models and their checks."""

from __future__ import annotations


def street_names(name: object) -> frozenset[str]:
    """A link's ``name`` and the names it joins with `` / `` (none for no name).

    Examples
    --------
    >>> sorted(street_names("Pont Sainte-Dévote / Tunnel Sainte-Dévote"))
    ['Pont Sainte-Dévote', 'Pont Sainte-Dévote / Tunnel Sainte-Dévote', 'Tunnel Sainte-Dévote']
    >>> street_names(None)
    frozenset()
    """
    if not isinstance(name, str) or not name:
        return frozenset()
    return frozenset({name, *(part.strip() for part in name.split(" / ") if part.strip())})
