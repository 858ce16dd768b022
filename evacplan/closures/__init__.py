"""What breaks the plan: N-1 and N-2 closure analysis (:func:`analyze`).

Every link or place (or every pair) closed from a moment, the plan made
again, each case ranked by harm, as power-system engineers run security
analysis. Modules, in the order data flows:

- :mod:`._analyze`: :func:`analyze`, the front door: the baseline, the cases
  settled without a solve, the rest re-planned (on an executor if given);
- :mod:`._arguments`: every problem with the arguments at once, the
  closures resolved to links;
- :mod:`._footprint`: the links a plan enters from a minute on (what a
  closure must miss for the plan to stand);
- :mod:`._flows`: cases settled by max flows over the baseline's
  time-expanded network (the most people safe by every step), without a
  re-plan;
- :mod:`._cases`: one closure re-planned, the work an executor runs;
- :mod:`.result`: :class:`ClosureAnalysis` and :class:`ClosureCase`.
"""

from evacplan.closures._analyze import analyze
from evacplan.closures.result import ClosureAnalysis, ClosureCase, Outcome

__all__ = ["ClosureAnalysis", "ClosureCase", "Outcome", "analyze"]
