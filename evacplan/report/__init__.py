"""The plan a minister reads: one self-contained HTML page (``to_html``).

A plan's page is built in three steps, one module each:

- ``_facts``: what the page says, as plain records, read from a plan's public
  fields (the headline, the per-post tables, who is left behind, the
  assumptions, the timeline's bars);
- ``_charts``: the pictures, as inline SVG drawn by matplotlib (the timeline,
  the map, the arrival curve), in a colour-blind-safe palette;
- ``_page``: the Jinja2 templates (``templates/``, autoescaped: scenario text is
  user input) that put them together with the stylesheet (screen and A4 print).

The package stands below the solvers (floor 5 of ARCHITECTURE.md): it names no
class of theirs and reads plans by their public fields, so that
``ContingencyPlan.to_html``, ``EvacuationPlan.to_html`` and
``DrawdownPlan.to_html`` can call it.
"""
