"""Files that ship with evacplan: the seed scenarios, the TNTP networks, the OSM extracts."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evacplan.errors import Problem, ScenarioError

# Seed scenarios live in the repository's seeds/ folder, beside the package.
_SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


def seed_path(name: str) -> Path:
    """The path of a seed scenario in the repository's ``seeds/`` folder (``"tiny"``, ``"uk-iraq-iran-2020"``).

    Examples
    --------
    >>> seed_path("tiny").name
    'tiny.yaml'
    """
    root = _SEEDS
    path = root / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in root.glob("*.yaml"))
        raise ScenarioError([Problem("", f"no seed scenario {name!r}; seeds: {', '.join(known)}")])
    return path


def tntp_path(name: str) -> Path:
    """The path of a TNTP network that ships with evacplan (``"SiouxFalls"``, ``"Anaheim"``, ``"ChicagoSketch"``).

    Examples
    --------
    >>> tntp_path("SiouxFalls").name
    'SiouxFalls_net.tntp'
    """
    path = Path(str(resources.files("evacplan") / "data" / "tntp" / f"{name}_net.tntp"))
    if not path.exists():
        raise ScenarioError(
            [Problem("", f"no bundled TNTP network {name!r}: SiouxFalls, Anaheim, ChicagoSketch")]
        )
    return path


def osm_path(name: str) -> Path:
    """The path of an OpenStreetMap extract that ships with evacplan (``"West-Oakland"``, ``"monaco"``).

    Data © OpenStreetMap contributors, under the Open Database License 1.0
    (see ``evacplan/data/osm/README.md``).

    Examples
    --------
    >>> osm_path("monaco").name
    'monaco.osm.pbf'
    """
    root = Path(str(resources.files("evacplan") / "data" / "osm"))
    found = sorted(root.glob(f"{name}.osm*"))
    if not found:
        known = sorted(p.name.split(".osm")[0] for p in root.glob("*.osm*"))
        raise ScenarioError(
            [Problem("", f"no bundled OpenStreetMap extract {name!r}: {', '.join(known)}")]
        )
    return found[0]
