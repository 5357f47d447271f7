"""Explorables and read-outs of the chemotherapy chapter (Friberg et al. 2002, docetaxel).

The chapter's patient is the Friberg model with the Kloft 2006 docetaxel estimates, dosed as
the label doses: mg/m² of body-surface area (1.8 m²) as a one-hour infusion. The model runs
in hours; charts and printed figures are in days.

Examples
--------
>>> from hemomodels.explorables import chemotherapy
>>> view = chemotherapy.one_dose()
>>> sorted(view.values)
['MTT', 'dose_mg_per_m2', 'gamma']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..clinical.neutropenia import GRADE_THRESHOLDS, neutropenia_summary
from ..clinical.timeseries import nadir, peak_after_nadir
from ..model import Model
from ..models.friberg2002 import friberg2002, regimen
from ..result import Result
from ..scenarios.chemotherapy import DAY, gcsf_course
from ..widgets import Explorable, Slider, explore

__all__ = [
    "cohort_toxicity",
    "dose_schedule",
    "gcsf_support",
    "nadir_rebound_table",
    "one_dose",
]


_GRADE_LINES = {"grade 4 (0.5)": GRADE_THRESHOLDS[4], "grade 3 (1.0)": GRADE_THRESHOLDS[3]}


def nadir_rebound_table(results: Mapping[str, Result], variable: str = "ANC") -> pd.DataFrame:
    """Nadir and rebound (day and count) of each labelled simulation, one row each.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.scenarios.chemotherapy import docetaxel_schedule
    >>> model = hm.models.friberg2002("docetaxel")
    >>> result = model.simulate(28 * 24, doses=docetaxel_schedule(200, 21, 1))
    >>> nadir_rebound_table({"200 mg": result}).round(2)
            nadir day  nadir (10⁹/L)  rebound day  rebound (10⁹/L)
    200 mg       7.63           0.75        19.74             6.42
    """
    rows = {}
    for label, result in results.items():
        (t_min, low), rebound = nadir(result, variable), peak_after_nadir(result, variable)
        t_max, high = rebound if rebound is not None else (np.nan, np.nan)
        rows[label] = {
            "nadir day": t_min / DAY,
            "nadir (10⁹/L)": low,
            "rebound day": t_max / DAY,
            "rebound (10⁹/L)": high,
        }
    return pd.DataFrame(rows).T


def _lines(grade: int):
    def summary(result: Result) -> dict[str, str]:
        s = neutropenia_summary(result, grade=grade)
        nadir_time, time_below = s["nadir_time"], s["time_below"]
        assert nadir_time is not None and time_below is not None  # always set
        return {
            "nadir": f"day {nadir_time / DAY:.1f}, {s['nadir']:.2f} × 10⁹/L "
            f"(grade {s['worst_grade']})",
            f"days below {s['threshold']:g} × 10⁹/L": f"{time_below / DAY:.1f}",
        }

    return summary


#: The chapter's patient: the Friberg model with the Kloft 2006 docetaxel estimates.
PATIENT_ESTIMATES = "docetaxel_kloft2006"


def one_dose(model: Model | None = None) -> Explorable:
    """Neutrophils over four weeks after one docetaxel infusion; dose, MTT and gamma sliders.

    Examples
    --------
    >>> view = one_dose()
    >>> view.values
    {'dose_mg_per_m2': 100.0, 'MTT': 84.2, 'gamma': 0.145}
    >>> view.summary_rows(view.run())["nadir"]
    'day 8.5, 0.22 × 10⁹/L (grade 4)'
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    mtt, gamma = model.parameter("MTT").value, model.parameter("gamma").value
    return explore(
        model,
        [
            Slider(
                name="dose_mg_per_m2",
                low=25,
                high=150,
                step=25,
                value=100,
                label="Docetaxel dose, one-hour infusion",
                unit="mg/m²",
                format="{:g}",
            ),
            # the grids hold the model's own values (84.2 h and 0.145 for the chapter's patient)
            Slider(name="MTT", values=sorted({60.0, 72.0, mtt, 100.0, 120.0}), format="{:g}"),
            Slider(name="gamma", values=sorted({0.1, gamma, 0.2, 0.3, 0.4}), format="{:g}"),
        ],
        scenario=lambda v: {"doses": regimen(v["dose_mg_per_m2"], cycles=1)},
        t_end=28 * DAY,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        n_time=113,
        summary=_lines(4),
        reference_lines={"grade 4 (0.5)": GRADE_THRESHOLDS[4]},
        time_display=(1 / DAY, "day"),
        title="Neutrophils after one dose",
        dose_label="Docetaxel infusion",
        # the strongest feedback overshoots far higher; the axis keeps the clinical range
        y_domain=(0.0, 15.0),
    )


def dose_schedule(model: Model | None = None) -> Explorable:
    """Neutrophils under 2–6 infusions of 75 mg/m², 7–21 days apart (21 days is the label's
    cycle; shorter cycles are illustrative).

    Examples
    --------
    >>> view = dose_schedule()
    >>> view.values
    {'cycle_days': 21.0, 'cycles': 4.0}
    >>> view.summary_rows(view.run())["days below 1 × 10⁹/L"]
    '20.2'
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    return explore(
        model,
        [
            Slider(
                name="cycle_days",
                values=[7, 10, 14, 21],
                value=21,
                label="Days between doses",
                unit="days",
                format="{:g}",
            ),
            Slider(
                name="cycles",
                low=2,
                high=6,
                step=1,
                value=4,
                label="Number of doses",
                unit="",
                format="{:g}",
            ),
        ],
        scenario=lambda v: {
            "doses": regimen(75, every_days=v["cycle_days"], cycles=int(round(v["cycles"])))
        },
        t_end=147 * DAY,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        n_time=148,
        summary=_lines(3),
        reference_lines=_GRADE_LINES,
        time_display=(1 / DAY, "day"),
        title="Neutrophils under repeated 75 mg/m² doses",
        dose_label="Docetaxel infusion",
    )


def gcsf_support(model: Model | None = None) -> Explorable:
    """Neutrophils under 100 mg/m² every 21 days with G-CSF of chosen size and duration.

    Examples
    --------
    >>> view = gcsf_support()
    >>> view.summary_rows(view.run())["nadir"]
    'day 7.0, 0.45 × 10⁹/L (grade 4)'
    """
    model = model or friberg2002(PATIENT_ESTIMATES, gcsf=True)
    return explore(
        model,
        [
            Slider(
                name="G",
                low=0,
                high=2,
                step=0.5,
                value=1,
                label="G-CSF rise over baseline G (illustrative)",
                unit="",
                format="{:g}",
            ),
            Slider(
                name="gcsf_days",
                values=[0, 3, 5, 7, 10],
                value=10,
                label="Days of G-CSF from day 1 of each cycle",
                unit="days",
                format="{:g}",
            ),
        ],
        scenario=lambda v: {"doses": gcsf_course(v["G"], v["gcsf_days"])},
        t_end=84 * DAY,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        n_time=169,
        summary=_lines(4),
        reference_lines=_GRADE_LINES,
        time_display=(1 / DAY, "day"),
        title="100 mg/m² every 21 days with G-CSF support",
        dose_label="Docetaxel infusion",
    )


def cohort_toxicity(
    cohort: Result, dosing_days: list[float], variable: str = "ANC"
) -> dict[str, float]:
    """Fractions of a cohort reaching grade 4, grade 3 or worse, and with ANC below
    1.5×10^9/L on a dosing day (after day 0).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.scenarios.chemotherapy import docetaxel_schedule
    >>> model = hm.models.friberg2002("docetaxel")
    >>> cohort = model.simulate_many({"gamma": [0.161, 0.3]}, 42 * 24,
    ...                              doses=docetaxel_schedule(200, 21, 2))
    >>> list(cohort_toxicity(cohort, dosing_days=[21]).values())  # fractions of patients
    [0.0, 1.0, 0.0]
    """
    anc = np.atleast_2d(cohort[variable])
    worst = anc.min(axis=1)
    on_dosing_day = np.array(
        [[np.interp(d * DAY, cohort.t, row) for d in dosing_days] for row in anc]
    )
    return {
        "grade 4 at least once": float(np.mean(worst < GRADE_THRESHOLDS[4])),
        "grade 3 or worse": float(np.mean(worst < GRADE_THRESHOLDS[3])),
        "below 1.5 × 10⁹/L on a dosing day": float(
            np.mean(on_dosing_day.min(axis=1) < GRADE_THRESHOLDS[2])
        ),
    }
