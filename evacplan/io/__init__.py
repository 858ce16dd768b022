"""Reading and writing scenarios and networks.

- :func:`load_scenario` / :func:`save_scenario`: scenario files in YAML or
  JSON (by extension), read with safe loading only; :func:`save_plan`
  archives a plan as JSON.
- :func:`scenario_json_schema`: the JSON Schema of a scenario file, for
  editors and other tools.
- :func:`read_tntp`: a road network in the TNTP format of the public
  TransportationNetworks collection.
- :func:`load_network` / :func:`save_network`: a network on its own (places
  and links, no posts), as ``evacplan import-osm`` writes it.
- :func:`read_osm`: a road or footpath network from an OpenStreetMap extract
  (``.osm``, ``.osm.bz2``, ``.osm.pbf``), offline (the ``osm`` extra).
- :func:`seed_path` / :func:`tntp_path` / :func:`osm_path`: files that ship
  with evacplan.

Every reader raises :class:`~evacplan.errors.ScenarioError` listing every
problem with its place in the file, never a bare parser traceback. A valid
scenario with a likely mistake loads with a
:class:`~evacplan.errors.ScenarioWarning` for each, naming its path.

Modules, in the order data flows: ``_files`` (YAML and JSON parsing, lines,
whole writes), ``_bundled`` (shipped files), ``_scenarios``, ``_networks``, ``_tntp``,
``_roads`` (what an OSM way is worth: filters, speeds, capacities),
``_osm_graph`` (an osmnx graph made into a network) and ``_osm`` (reading the file).
"""

from __future__ import annotations

from evacplan.io._bundled import osm_path, seed_path, tntp_path
from evacplan.io._networks import is_network_file, load_network, save_network
from evacplan.io._osm import OSM_CREDIT, read_osm
from evacplan.io._scenarios import (
    likely_mistakes,
    load_scenario,
    save_plan,
    save_scenario,
    scenario_json_schema,
)
from evacplan.io._tntp import read_tntp

__all__ = [
    "OSM_CREDIT",
    "is_network_file",
    "likely_mistakes",
    "load_network",
    "load_scenario",
    "osm_path",
    "read_osm",
    "read_tntp",
    "save_network",
    "save_plan",
    "save_scenario",
    "scenario_json_schema",
    "seed_path",
    "tntp_path",
]
