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
from ..widgets import Explorable, explore

__all__ = ["DEPLETED_MARROW", "marrow_recovery"]

#: An emptied marrow with 10^5 stem cells per kg left (or given), and nothing downstream.
DEPLETED_MARROW = {"stem_cells": 1e5, "precursors": 0.0, "neutrophils": 0.0}


def marrow_recovery(model: Model | None = None) -> Explorable:
    """Recovery from :data:`DEPLETED_MARROW` over 120 days; sliders for the stem cells'
    self-renewal fraction and division rate and for the feedback strength (log scale,
    a quarter to four times the default).

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
        {
            "stem_self_renewal": (0.55, 0.95),
            "stem_division_rate": (0.05, 0.25),
            "feedback_strength": (k / 4, k * 4, "log"),
        },
        t_end=120,
        y0=DEPLETED_MARROW,
        note=(
            "The published parameters are a teaching model, slower than the clinic: after a "
            "graft of 5 million cells per kg they reach a neutrophil count of 0.5 × 10⁹/L on "
            "day 22, while they were tuned to about 15 days (see the table at the end)."
        ),
    )
