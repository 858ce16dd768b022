"""``evacplan import-osm``: an OpenStreetMap extract written as a network file."""

from __future__ import annotations

import argparse
from pathlib import Path

from evacplan._time import _plural
from evacplan.errors import Problem, ScenarioError

_OPTIONS = "invalid options to evacplan import-osm"


def _bbox(text: str | None) -> tuple[float, ...] | None:
    """``S,W,N,E`` as four numbers, or a clear error."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        box = tuple(float(p) for p in parts)
    except ValueError:
        box = ()
    if len(box) != 4:
        raise ScenarioError(
            [
                Problem(
                    "--bbox", f"{text!r} is not four numbers S,W,N,E (e.g. 43.72,7.40,43.75,7.44)"
                )
            ],
            source=_OPTIONS,
        )
    return box


def _cmd_import_osm(args: argparse.Namespace) -> int:
    from evacplan.io import OSM_CREDIT, read_osm, save_network

    net = read_osm(
        args.file,
        network_type=args.network_type,
        bbox=_bbox(args.bbox),
        people_per_vehicle=args.people_per_vehicle,
    )
    out = save_network(net, args.output, source=f"{Path(args.file).name}: {OSM_CREDIT} (ODbL 1.0)")
    two_way = sum(link.two_way for link in net.links)
    print(
        f"wrote {out}: {_plural(len(net.places), 'place')}, {_plural(len(net.links), 'link')} "
        f"({two_way} two-way) of the {args.network_type} network; roads {OSM_CREDIT} (ODbL 1.0)"
    )
    return 0
