"""Explorables and tables of the transplantation chapter: graft dose and source, autologous
rescue, mixed chimerism.

Examples
--------
>>> from hemomodels.explorables import transplantation
>>> sorted(transplantation.graft_dose().values)
['dose_factor', 'graft_source']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..clinical.timeseries import time_below
from ..clinical.transplant import (
    ENGRAFTMENT_THRESHOLD,
    FULL_DONOR_CHIMERISM,
    GRAFT_SOURCES,
    engraftment_day,
    engraftment_summary,
    infusion,
)
from ..model import Model
from ..models.transplant_reconstitution import transplant_chimerism, transplant_reconstitution
from ..result import Result
from ..widgets import Explorable, Input, explore

__all__ = [
    "CHIMERISM_VIEW",
    "autologous_rescue",
    "engraftment_table",
    "graft_dose",
    "mixed_chimerism",
    "mixed_start",
]

_SOURCES = list(GRAFT_SOURCES.values())

#: Chart settings shared by every two-year chimerism explorable (here and in gene therapy):
#: donor share of stem cells and of blood neutrophils, in %, on a fixed 0-100 axis, by month.
CHIMERISM_VIEW: dict[str, Any] = {
    "t_end": 730,
    "variables": ["donor_stem_fraction", "donor_chimerism"],
    "log_scale": False,
    "steady_state": False,
    "n_time": 74,
    "time_display": (1 / 30, "month of 30 days"),
    "y_domain": (0, 100),
}
_ENGRAFTMENT_LINE = {"engraftment (0.5)": ENGRAFTMENT_THRESHOLD}


def engraftment_table(
    model: Model | None = None, factors: Sequence[float] = (0.25, 1, 4), t_end: float = 60
) -> pd.DataFrame:
    """Engraftment day of each graft source at multiples of its typical CD34⁺ dose, next to
    the published median (one row per source).

    Examples
    --------
    >>> table = engraftment_table()
    >>> table["model, 1 x typical dose"].tolist()  # days
    [10, 14, 19, 23]
    """
    model = model or transplant_reconstitution()
    t = np.linspace(0, t_end, int(t_end * 100) + 1)
    rows = []
    for source in _SOURCES:
        row: dict = {"source": source.label, "published median": source.median_engraftment_day}
        for factor in factors:
            result = model.simulate(
                t_end, t_eval=t, **infusion(source, factor * source.typical_cd34_dose)
            )
            row[f"model, {factor:g} x typical dose"] = engraftment_day(result)
        rows.append(row)
    return pd.DataFrame(rows).set_index("source")


def _graft_lines(result: Result) -> dict[str, str]:
    day = engraftment_day(result)
    below = time_below(result, "ANC", ENGRAFTMENT_THRESHOLD)
    return {
        "engraftment": f"day {day}" if day is not None else f"not within {result.t[-1]:.0f} days",
        "days with ANC < 0.5": f"{below:.1f}",
    }


def graft_dose(model: Model | None = None) -> Explorable:
    """Neutrophils after a transplant: graft source (0–3) and dose relative to its typical
    dose (1/16 to 4 times, log slider).

    Examples
    --------
    >>> view = graft_dose()
    >>> view.summary_rows(view.run())
    {'engraftment': 'day 10', 'days with ANC < 0.5': '9.5'}
    """
    model = model or transplant_reconstitution()

    def graft(values: dict[str, float]) -> dict:
        source = _SOURCES[int(round(values["graft_source"]))]
        return infusion(source, values["dose_factor"] * source.typical_cd34_dose)

    return explore(
        model,
        {
            "graft_source": Input(
                0, 3, 0, "1", "0 autologous blood, 1 allogeneic blood, 2 marrow, 3 cord blood"
            ),
            "dose_factor": Input(
                1 / 16, 4, 1, "1", "CD34+ dose relative to the source's typical dose", log=True
            ),
        },
        scenario=graft,
        t_end=40,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        points=4,
        n_time=161,
        summary=_graft_lines,
        reference_lines=_ENGRAFTMENT_LINE,
        title="Neutrophils after a transplant",
        note=(
            "Model limit: this deterministic model regrows from any graft, however small "
            "(100 cells per kg engraft on day 27); real small grafts are delayed or fail, "
            "through chance, rejection and marrow damage, which it leaves out."
        ),
    )


def _rescue_lines(result: Result) -> dict[str, str]:
    summary = engraftment_summary(result, "autologous_pbsc")
    day = summary["engraftment_day"]
    return {
        "engraftment": f"day {day}" if day is not None else f"not within {result.t[-1]:.0f} days",
        "graft failure (no engraftment by day +30)": "yes" if summary["graft_failure"] else "no",
        "days with ANC < 0.5": f"{summary['days_below']:.1f}",
    }


def autologous_rescue(model: Model | None = None) -> Explorable:
    """High-dose therapy leaving a fraction of the marrow, with stored cells given back.

    Examples
    --------
    >>> view = autologous_rescue()
    >>> view.summary_rows(view.run())["graft failure (no engraftment by day +30)"]
    'no'
    """
    model = model or transplant_reconstitution()
    return explore(
        model,
        {
            "surviving_fraction": Input(
                1e-9, 1e-3, 1e-9, "1", "Fraction of each marrow compartment surviving", log=True
            ),
            "reinfused_dose": Input(0, 20e6, 10e6, "cells/kg", "Stored CD34+ cells given back"),
        },
        scenario=lambda v: infusion(
            "autologous_pbsc", v["reinfused_dose"], residual=v["surviving_fraction"]
        ),
        t_end=60,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        points=5,
        n_time=121,
        summary=_rescue_lines,
        reference_lines=_ENGRAFTMENT_LINE,
        title="High-dose chemotherapy with and without rescue",
    )


def mixed_start(model: Model, donor_percent: float) -> dict[str, float]:
    """Initial state with ``donor_percent`` of every compartment of donor origin, the total
    at the reconstitution model's steady state.

    Examples
    --------
    >>> import hemomodels as hm
    >>> start = mixed_start(hm.models.transplant_chimerism(), donor_percent=25)
    >>> donor, recipient = start["donor_stem_cells"], start["recipient_stem_cells"]
    >>> round(donor / (donor + recipient), 2)
    0.25
    """
    (healthy,) = [s for s in transplant_reconstitution().steady_states() if s.stability == "stable"]
    steady = healthy.values
    fraction = donor_percent / 100
    start = {f"donor_{k}": fraction * v for k, v in steady.items()}
    start |= {f"recipient_{k}": (1 - fraction) * v for k, v in steady.items()}
    unknown = set(start) - set(model.state_names)
    if unknown:
        raise ValueError(f"mixed_start: {model.name} has no states {sorted(unknown)}")
    return start


def mixed_chimerism(model: Model | None = None) -> Explorable:
    """Donor share of stem cells and blood neutrophils over two years: starting donor share,
    rejection rate and graft-versus-host rate sliders.

    Examples
    --------
    >>> view = mixed_chimerism()
    >>> view.values
    {'donor_fraction': 50.0, 'rejection_rate': 0.0, 'graft_versus_host_rate': 0.0}
    """
    model = model or transplant_chimerism()
    return explore(
        model,
        {
            "donor_fraction": Input(
                10, 90, 50, "%", "Donor share of every compartment at the start"
            ),
            "rejection_rate": (0.0, 0.04),
            "graft_versus_host_rate": (0.0, 0.04),
        },
        scenario=lambda v: {"y0": mixed_start(model, v["donor_fraction"])},
        **CHIMERISM_VIEW,
        points=5,
        reference_lines={"full donor chimerism (95 %)": FULL_DONOR_CHIMERISM},
        title="Donor share of stem cells and blood neutrophils",
    )
