"""Network files: a map on its own (places and links, no posts), in YAML or JSON.

What ``evacplan import-osm`` writes and ``evacplan validate`` and
``evacplan evacuate`` read: ``name``, ``places`` and ``links`` as in a
scenario, validated the same way (every problem with its path and line).
A network read from OpenStreetMap keeps the data's credit in ``source``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from evacplan.errors import Problem, ScenarioError
from evacplan.io._files import _JSON, _YAML, _read_data, _write_whole, _yaml_lines
from evacplan.models import Network

__all__ = ["is_network_file", "load_network", "save_network"]


def is_network_file(path: str | os.PathLike[str]) -> bool:
    """Whether a YAML or JSON file holds a network on its own (places, no posts).

    False for anything else (a scenario, a file that cannot be read): loading
    it as a scenario then says what is wrong.
    """
    path = Path(path)
    if path.suffix.lower() not in _YAML | _JSON:
        return False
    try:
        data = _read_data(path)
    except ScenarioError:
        return False
    return isinstance(data, dict) and "places" in data and "posts" not in data


def load_network(path: str | os.PathLike[str]) -> Network:
    """Load and validate a network file (YAML or JSON, chosen by extension).

    Raises
    ------
    ScenarioError
        Listing every problem with its path and, in YAML, its line.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from evacplan.models import Link, Place
    >>> net = Network(places=[Place(id="a", kind="residence"), Place(id="b", kind="border")],
    ...               links=[Link(source="a", target="b", minutes=12.5, capacity_per_hour=600.0)])
    >>> out = save_network(net, pathlib.Path(tempfile.mkdtemp()) / "roads.yaml")
    >>> load_network(out) == net
    True
    """
    path = Path(path)
    data = _read_data(path)
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem("", "a network file holds a mapping with places and links")],
            source=str(path),
        )
    data = {k: v for k, v in data.items() if k != "source"}
    try:
        return Network.model_validate(data)
    except ScenarioError as err:
        lines = _yaml_lines(path) if path.suffix.lower() in _YAML else None
        raise err.with_source(str(path), lines) from None


def save_network(
    network: Network, path: str | os.PathLike[str], *, source: str | None = None
) -> Path:
    """Write a network file (YAML or JSON, by extension), all at once or not at all.

    ``source`` (such as the OpenStreetMap credit) is written first, as the
    file's ``source`` key, which :func:`load_network` reads past.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _YAML | _JSON:
        raise ScenarioError(
            [Problem("", f"unknown file type {suffix or '(none)'!r}: use .yaml, .yml or .json")],
            source=str(path),
        )
    body: dict[str, Any] = network.model_dump(mode="json", exclude_defaults=True)
    data = ({"source": source} if source else {}) | body
    if suffix in _JSON:
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return _write_whole(path, text)
