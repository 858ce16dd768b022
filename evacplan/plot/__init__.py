"""Maps of a network on a longitude/latitude plot, with matplotlib.

- :func:`plot_network`: places as markers by kind, links as lines coloured by
  risk, closed links greyed out, optionally at a given minute once link
  windows and threats apply.
- :func:`plot_routes`: an evacuation plan's routes on top, as wide as their loads.
- :func:`risk_scale`: one risk colour scale (and colour bar) for several maps,
  such as panels at other minutes or under other threats.
- :func:`place_positions`: the ``(lon, lat)`` of every place that has
  coordinates, for drawing more on the same axes (routes, labels).

matplotlib is an optional dependency (``pip install evacplan[plot]``); it is
imported only when a function here is called, so ``import evacplan.plot``
works without it.

Every link line :func:`plot_network` draws is a :class:`~matplotlib.lines.Line2D`
in ``ax.lines`` whose ``gid`` is ``"link:<key>"``, ``<key>`` being the key of
the link's arcs in :func:`evacplan.network.arcs` (its id, or ``source->target``).
Every kind of place is one scatter collection in ``ax.collections`` whose
``gid`` is ``"places:<kind>"``. Every label is an annotation in ``ax.texts``
whose ``gid`` is ``"label:<place id>"`` (``"route-label:<place id>"`` for
:func:`plot_routes`, ``"gate:<place id>"`` for a gate's rate, and
``"service:<key>"`` for the scheduled services between two places, one label
for them all), placed whenever the figure is drawn (so after any change of
limits or size): names first, then routes', gates' and services' labels, each
in turn takes the first spot by its marker (right, left, above, below, the
diagonals; then further out, with a leader line; then in a smaller font) clear
of the labels placed before it, of the other markers, the axes' other texts,
the legend and the axes' edges; else the least crowded spot that covers no
other label, by its marker if it can.
"""

from evacplan.plot._maps import place_positions, plot_network, risk_scale
from evacplan.plot._routes import plot_routes

__all__ = ["place_positions", "plot_network", "plot_routes", "risk_scale"]
