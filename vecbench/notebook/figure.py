"""The figures the notebook API returns: matplotlib Figures that Jupyter shows inline.

A ``matplotlib.figure.Figure`` built without pyplot (as the report builds
its own, on the Agg renderer, touching no global state) shows in Jupyter
only as its text repr unless ``%matplotlib inline`` registered a formatter.
``InlineFigure`` is a Figure that also renders itself as PNG
(``_repr_png_``), so a cell ending in ``result.plot()`` shows the plot with
no setup and no backend chosen.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from vecbench.show import plots


class InlineFigure(Figure):
    """A Figure that IPython displays as a PNG image."""

    def _repr_png_(self) -> bytes:
        return plots.png(self)


def time_vs_size(label: str, records: list[dict[str, Any]], subtitle: str = "") -> InlineFigure:
    """The report's time-vs-size plot of ``records`` (run-record shaped), as an InlineFigure."""
    return plots.draw_time_vs_size(InlineFigure(figsize=plots.FIGSIZE), label, records, subtitle)
