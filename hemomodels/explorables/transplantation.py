"""Explorables and tables of the transplantation chapter: graft dose and source, autologous
rescue, mixed chimerism, and neutrophil and platelet recovery in the three-lineage model.

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

from ..clinical.platelets import PLATELET_RECOVERY_THRESHOLD, platelet_recovery_day
from ..clinical.timeseries import time_below
from ..clinical.transplant import (
    ENGRAFTMENT_THRESHOLD,
    FULL_DONOR_CHIMERISM,
    GRAFT_SOURCES,
    engraftment_day,
    engraftment_summary,
)
from ..model import Model
from ..models.colijn_mackey2005 import colijn_mackey2005
from ..models.transplant_reconstitution import transplant_chimerism, transplant_reconstitution
from ..result import Result
from ..scenarios.transplant import (
    infusion,
    mixed_start,
    source_stem_fraction,
    three_lineage_graft,
    three_lineage_recovery,
)
from ..widgets import Choice, Explorable, Panel, Slider, explore
from ._shared import CHIMERISM_VIEW

__all__ = [
    "autologous_rescue",
    "engraftment_table",
    "graft_dose",
    "lineage_recovery",
    "lineage_recovery_table",
    "mixed_chimerism",
]

_SOURCES = list(GRAFT_SOURCES.values())

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
    """Neutrophils after a transplant: graft source (named choices) and dose relative to the
    source's typical dose (1/16 to 4 times).

    Examples
    --------
    >>> view = graft_dose()
    >>> view.summary_rows(view.run())
    {'engraftment': 'day 10', 'days with ANC < 0.5': '9.5'}
    """
    model = model or transplant_reconstitution()

    def graft(values: dict[str, Any]) -> dict:
        source = values["graft_source"]
        return infusion(source, values["dose_factor"] * source.typical_cd34_dose)

    return explore(
        model,
        [
            Choice(
                name="graft_source",
                label="Graft source",
                options={source.label[0].upper() + source.label[1:]: source for source in _SOURCES},
            ),
            Slider(
                name="dose_factor",
                values=[1 / 16, 1 / 4, 1 / 2, 1, 2, 4],
                value=1,
                label="CD34⁺ dose, relative to the source's typical dose",
                unit="",
                format=lambda factor: f"{factor:g}×" if factor >= 1 else f"1/{1 / factor:g}×",
            ),
        ],
        scenario=graft,
        t_end=40,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
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
        [
            Slider(
                name="surviving_fraction",
                values=[1e-9, 1e-7, 1e-5, 1e-3],
                value=1e-9,
                label="Share of each marrow compartment surviving",
                unit="",
            ),
            Slider(
                name="reinfused_dose",
                values=[0, 2.5e6, 5e6, 1e7, 2e7],
                value=1e7,
                label="Stored CD34⁺ cells given back on day 0",
                unit="cells/kg",
            ),
        ],
        scenario=lambda v: infusion(
            "autologous_pbsc", v["reinfused_dose"], residual=v["surviving_fraction"]
        ),
        t_end=60,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        n_time=121,
        summary=_rescue_lines,
        reference_lines=_ENGRAFTMENT_LINE,
        title="High-dose chemotherapy with and without rescue",
    )


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
        [
            Slider(
                name="donor_fraction",
                low=10,
                high=90,
                step=20,
                value=50,
                label="Donor share of every compartment at the start",
                unit="%",
                format="{:g}",
            ),
            Slider(name="rejection_rate", low=0.0, high=0.04, step=0.01, format="{:g}"),
            Slider(name="graft_versus_host_rate", low=0.0, high=0.04, step=0.01, format="{:g}"),
        ],
        scenario=lambda v: {"y0": mixed_start(model, v["donor_fraction"])},
        **CHIMERISM_VIEW,
        reference_lines={"full donor chimerism (95 %)": FULL_DONOR_CHIMERISM},
        title="Donor share of stem cells and blood neutrophils",
    )


#: Graft sources whose study gives both neutrophil and platelet medians and whose neutrophil
#: median the three-lineage model can be calibrated to (Champlin et al. 2000).
LINEAGE_SOURCES = ("allogeneic_pbsc", "bone_marrow")


def _short_label(source: str) -> str:
    return GRAFT_SOURCES[source].label.split(" (")[0].capitalize()


def lineage_recovery_table(sources: Sequence[str] = LINEAGE_SOURCES) -> pd.DataFrame:
    """Neutrophil and platelet recovery after a graft in the three-lineage model, next to the
    published medians.

    For each source the graft (a fraction of the normal stem-cell pool) is calibrated so that
    neutrophils engraft on the published median day
    (:func:`~hemomodels.scenarios.transplant.calibrated_stem_fraction`); platelet recovery
    (ASTCT: first of 3 days with platelets >= 20 x 10⁹/L) is then the model's prediction.

    Parameters
    ----------
    sources : sequence of str
        Keys of :data:`~hemomodels.clinical.GRAFT_SOURCES` with both published medians.

    Returns
    -------
    pandas.DataFrame
        One row per source (its label): graft size, neutrophil and platelet recovery days of
        the model and the published medians.

    Examples
    --------
    >>> table = lineage_recovery_table()
    >>> table["platelets, model (day)"].to_dict()
    {'Allogeneic mobilised peripheral blood': 10, 'Allogeneic bone marrow': 13}
    """
    rows = {}
    for key in sources:
        graft = GRAFT_SOURCES[key]
        result = three_lineage_recovery(key)
        neutrophils = engraftment_day(result, "ANC")
        platelets = platelet_recovery_day(result)
        rows[_short_label(key)] = {
            "graft (% of normal stem-cell pool)": 100 * source_stem_fraction(key),
            "neutrophils, model (day)": neutrophils,
            "neutrophils, published median (day)": graft.median_engraftment_day,
            "platelets, model (day)": platelets,
            "platelets, published median (day)": graft.median_platelet_recovery_day,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _lineage_lines(result: Result) -> dict[str, str]:
    neutrophils = engraftment_day(result, "ANC")
    platelets = platelet_recovery_day(result)
    return {
        "neutrophils engraft": "not by day 60" if neutrophils is None else f"day {neutrophils}",
        "platelets recover": "not by day 60" if platelets is None else f"day {platelets}",
    }


def lineage_recovery() -> Explorable:
    """Neutrophils and platelets after a transplant in the three-lineage model, for a graft of
    donor blood stem cells or of donor marrow (each sized so that neutrophils engraft on the
    published median day).

    Examples
    --------
    >>> view = lineage_recovery()
    >>> view.summary_rows(view.run())
    {'neutrophils engraft': 'day 14', 'platelets recover': 'day 10'}
    """
    options = {_short_label(key): key for key in LINEAGE_SOURCES}
    return explore(
        colijn_mackey2005(),
        [Choice(name="graft_source", label="Graft source", options=options)],
        scenario=lambda v: three_lineage_graft(source_stem_fraction(v["graft_source"])),
        t_end=30,
        panels=[
            Panel(
                variables=["ANC"],
                log=False,
                domain=(0.0, 6.0),
                reference_lines=_ENGRAFTMENT_LINE,
                title="Neutrophil count (10⁹/L)",
            ),
            Panel(
                variables=["platelet_count"],
                log=False,
                domain=(0.0, 400.0),
                reference_lines={"recovery (20)": PLATELET_RECOVERY_THRESHOLD},
                title="Platelet count (10⁹/L)",
            ),
        ],
        steady_state=False,
        n_time=161,
        summary=_lineage_lines,
        title="Neutrophils and platelets after a transplant",
        note=(
            "Model limit: the graft is sized so that neutrophils engraft on the published "
            "median day; platelets then recover days before neutrophils, whereas in patients "
            "they recover after them (Champlin et al. 2000: day 18 and 25). After day 30 the "
            "model's counts overshoot far above normal (by day 40 after blood stem cells about "
            "1,300 × 10⁹ platelets/L and 7 × 10⁹ neutrophils/L), which patients do not show."
        ),
    )
