"""A plan's routes on a map: :func:`plot_routes`, over what :func:`~._maps.plot_network` drew."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from evacplan.models import Network, Scenario
from evacplan.network import _network_and_threats, arcs
from evacplan.plot._labels import _label
from evacplan.plot._maps import _RADIUS, _hours, _shape, place_positions

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class _Routed(Protocol):
    """What :func:`plot_routes` reads of a plan (an EvacuationPlan): its movements.

    A protocol, not the class: plot stands below routing (reports draw plans, and the
    plans render reports), so it names no class of routing's.
    """

    @property
    def movements(self) -> Sequence[Any]: ...


def plot_routes(
    plan: _Routed,
    network: Network | Scenario,
    ax: Axes | None = None,
    *,
    color: str = "#7209b7",
    max_width: float = 6.0,
    annotate: bool = True,
    legend: bool = True,
) -> Axes:
    """Draw an evacuation plan's routes on a longitude/latitude plot.

    Every leg people travel is one straight line from place to place, as wide
    as the number of people who travel it (the busiest leg is ``max_width``
    points wide). With ``annotate``, each safe place reached is labelled with
    the people who reach it and when the last of them arrives. Legs touching
    a place without coordinates are skipped. Draw the network first with
    :func:`plot_network` on the same axes for context.

    Parameters
    ----------
    plan
        An :class:`~evacplan.routing.EvacuationPlan`.
    network
        The Network or Scenario the plan was made for (for the coordinates).
    ax
        Axes to draw on; a new figure is made when None.
    color, max_width
        The routes' colour and the width of the busiest leg, in points.
    annotate, legend
        Label the safe places reached; add the routes to the legend.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on; each leg is a line in ``ax.lines`` with ``gid``
        ``"route:<from>-><to>"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.plot import plot_network
    >>> from evacplan.routing import evacuate
    >>> scenario = load_scenario(seed_path("tiny"))
    >>> plan = evacuate(scenario, supply={"residence": 6})
    >>> ax = plot_routes(plan, scenario, ax=plot_network(scenario, legend=False))
    >>> sorted(line.get_gid() for line in ax.lines if line.get_gid().startswith("route:"))
    ['route:airport->haven', 'route:embassy->airport', 'route:residence->embassy']
    >>> plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    pos = place_positions(network)
    net = _network_and_threats(network, ())[0]
    shapes = {a.key: net.links[a.link] for a in arcs(net) if net.links[a.link].geometry}
    load: dict[tuple[str, str], int] = {}
    lines: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    reached: dict[str, list[int]] = {}
    for m in plan.movements:
        stops = m.itinerary
        for i, (a, b) in enumerate(zip(stops, stops[1:], strict=False)):
            if a.place != b.place:
                load[(a.place, b.place)] = load.get((a.place, b.place), 0) + m.count
                road = shapes.get(m.links[i]) if i < len(m.links) else None
                if road is not None and (a.place, b.place) not in lines:
                    xs, ys = _shape(road, pos)
                    forward = (road.source, road.target) == (a.place, b.place)
                    lines[(a.place, b.place)] = (xs, ys) if forward else (xs[::-1], ys[::-1])
        entry = reached.setdefault(m.destination, [0, 0])
        entry[0] += m.count
        entry[1] = max(entry[1], m.arrival_minute)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6))
    top = max(load.values(), default=1)
    for (u, v), n in sorted(load.items(), key=lambda kv: kv[1]):
        if u in pos and v in pos:
            (x1, y1), (x2, y2) = pos[u], pos[v]
            xs, ys = lines.get((u, v), ([x1, x2], [y1, y2]))
            width = 0.8 + (max_width - 0.8) * n / top
            (line,) = ax.plot(xs, ys, color=color, lw=width, alpha=0.75, zorder=3)
            line.set(solid_capstyle="round", gid=f"route:{u}->{v}")
    if annotate:
        kinds = {p.id: p.kind for p in _network_and_threats(network, ())[0].places}
        for place, (people, last) in sorted(reached.items()):
            if place in pos:
                text, gid = f"{people} safe by {_hours(last)}", f"route-label:{place}"
                radius = _RADIUS[kinds[place]]
                _label(ax, text, place, pos[place], radius, gid, rank=1, color=color)
    if legend:
        old = ax.get_legend()
        handles = list(old.legend_handles) if old is not None else []
        label = f"routes (width: people, up to {top})"
        handles.append(Line2D([], [], color=color, lw=3, label=label))
        ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.85)
    return ax
