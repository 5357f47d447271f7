"""Explorable of the HSC-biology chapter: marrow recovery under self-renewal feedback.

Examples
--------
>>> from hemomodels.explorables import hsc
>>> sorted(hsc.marrow_recovery().values)
['feedback_strength', 'stem_division_rate', 'stem_self_renewal']
"""

from __future__ import annotations

from ..model import Model
from ..models.marciniak_czochra_2009 import marciniak_czochra_2009
from ..widgets import Explorable, Slider, explore

__all__ = ["DEPLETED_MARROW", "marrow_recovery"]

#: An emptied marrow with 10^5 stem cells per kg left (or given), and nothing downstream.
DEPLETED_MARROW = {"stem_cells": 1e5, "precursors": 0.0, "neutrophils": 0.0}


def marrow_recovery(model: Model | None = None) -> Explorable:
    """Recovery from :data:`DEPLETED_MARROW` over 120 days; sliders for the stem cells'
    self-renewal fraction (0.45–0.95, so below one half too) and division rate (halved,
    published, doubled) and for the feedback strength (a quarter to four times the default).

    Examples
    --------
    >>> view = marrow_recovery()
    >>> sorted(view.values)
    ['feedback_strength', 'stem_division_rate', 'stem_self_renewal']
    >>> round(float(view.run()["neutrophils"][-1]) / 1e8, 2)  # 10^8 cells/kg on day 120
    3.99
    """
    model = model or marciniak_czochra_2009()
    k = model.parameter("feedback_strength").value
    return explore(
        model,
        [
            Slider(name="stem_self_renewal", low=0.45, high=0.95, step=0.05, format="{:.2f}"),
            Slider(name="stem_division_rate", values=[0.05, 0.1, 0.2], format="{:.2f}"),
            Slider(
                name="feedback_strength",
                values=[k / 4, k / 2, k, 2 * k, 4 * k],
                label="Feedback strength k, relative to the published value",
                unit="",
                format=lambda value: f"{value / k:g}×",
            ),
        ],
        t_end=120,
        y0=DEPLETED_MARROW,
        title="Recovery of an emptied marrow",
        note=(
            "The published parameters are a teaching model, slower than the clinic: after a "
            "graft of 5 million cells per kg they reach a neutrophil count of 0.5 × 10⁹/L on "
            "day 22, while they were tuned to about 15 days (see the table at the end)."
        ),
    )
