"""How sure a plan is: the plan run many times under delays, late arrivals and closures.

A plan proven optimal on paper meets roads slower than estimated, families
who reach the muster late and checkpoints that close. :func:`simulate` runs
an evacuation or contingency plan many times, each run drawing its own
uncertainty, and answers how likely everyone is out by a time and who is
most often late. The model is in ``docs/uncertainty.md``. Modules, in the
order data flows:

- :mod:`._simulate`: :func:`simulate`, the front door: arguments checked,
  the plan compiled once, runs in batches here or on an executor;
- :mod:`._arguments`: every problem with the arguments at once;
- :mod:`._course`: the plan as units, their planned slots and the link
  groups' room per step;
- :mod:`._draws`: one run's travel factors, late and absent people and
  closures, from its own seed;
- :mod:`._follow`: one run as people follow the plan (queues, seats,
  throughputs);
- :mod:`._replan`: one run re-planned at each closure (``policy="replan"``);
- :mod:`.result`: :class:`Simulation`, :class:`PartyOdds`, :class:`Binding`.
"""

from evacplan.uncertainty._simulate import simulate
from evacplan.uncertainty.result import Binding, PartyOdds, Simulation

__all__ = ["Binding", "PartyOdds", "Simulation", "simulate"]
