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
from ..doses import ParameterChange, Schedule
from ..model import Model
from ..models.friberg2002 import bolus_concentration, friberg2002, regimen
from ..result import Result
from ..widgets import Explorable, Input, explore

__all__ = [
    "DAY",
    "cohort_toxicity",
    "docetaxel_schedule",
    "dose_schedule",
    "gcsf_course",
    "gcsf_support",
    "nadir_rebound_table",
    "one_dose",
]

#: Hours per day (the model's time unit is the hour).
DAY = 24.0

_GRADE_LINES = {"grade 4 (0.5)": GRADE_THRESHOLDS[4], "grade 3 (1.0)": GRADE_THRESHOLDS[3]}


def docetaxel_schedule(dose_mg: float, every_days: float, count: int) -> Schedule:
    """Intravenous docetaxel boluses of ``dose_mg`` every ``every_days`` days from day 0.

    Examples
    --------
    >>> [dose.time for dose in docetaxel_schedule(100, every_days=21, count=3).doses()]  # hours
    [0.0, 504.0, 1008.0]
    """
    return Schedule(
        "Conc", bolus_concentration(dose_mg), start=0.0, every=every_days * DAY, count=count
    )


def nadir_rebound_table(results: Mapping[str, Result], variable: str = "ANC") -> pd.DataFrame:
    """Nadir and rebound (day and count) of each labelled simulation, one row each.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002("docetaxel")
    >>> result = model.simulate(28 * 24, doses=docetaxel_schedule(200, 21, 1))
    >>> nadir_rebound_table({"200 mg": result}).round(2)
            nadir day  nadir (10^9/L)  rebound day  rebound (10^9/L)
    200 mg       7.63            0.75        19.74              6.42
    """
    rows = {}
    for label, result in results.items():
        (t_min, low), rebound = nadir(result, variable), peak_after_nadir(result, variable)
        t_max, high = rebound if rebound is not None else (np.nan, np.nan)
        rows[label] = {
            "nadir day": t_min / DAY,
            "nadir (10^9/L)": low,
            "rebound day": t_max / DAY,
            "rebound (10^9/L)": high,
        }
    return pd.DataFrame(rows).T


def _lines(grade: int):
    def summary(result: Result) -> dict[str, str]:
        s = neutropenia_summary(result, grade=grade)
        nadir_time, time_below = s["nadir_time"], s["time_below"]
        assert nadir_time is not None and time_below is not None  # always set
        return {
            "nadir": f"day {nadir_time / DAY:.1f}, {s['nadir']:.2f} x10^9/L "
            f"(grade {s['worst_grade']})",
            f"days below {s['threshold']:g} x10^9/L": f"{time_below / DAY:.1f}",
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
    'day 8.5, 0.22 x10^9/L (grade 4)'
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    return explore(
        model,
        {
            "dose_mg_per_m2": Input(25, 150, 100, "mg/m²", "Docetaxel dose (1-h infusion)"),
            "MTT": (60.0, 120.0),
            "gamma": (0.1, 0.4),
        },
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
    )


def dose_schedule(model: Model | None = None) -> Explorable:
    """Neutrophils under 2–6 infusions of 75 mg/m², 7–21 days apart (21 days is the label's
    cycle; shorter cycles are illustrative).

    Examples
    --------
    >>> view = dose_schedule()
    >>> view.values
    {'cycle_days': 21.0, 'cycles': 4.0}
    >>> view.summary_rows(view.run())["days below 1 x10^9/L"]
    '20.2'
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    return explore(
        model,
        {
            "cycle_days": Input(7, 21, 21, "day", "Days between doses"),
            "cycles": Input(2, 6, 4, "doses", "Number of doses"),
        },
        scenario=lambda v: {
            "doses": regimen(75, every_days=v["cycle_days"], cycles=int(round(v["cycles"])))
        },
        t_end=147 * DAY,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        points=5,
        n_time=148,
        summary=_lines(3),
        reference_lines=_GRADE_LINES,
        time_display=(1 / DAY, "day"),
        title="Neutrophils under repeated 75 mg/m² doses",
    )


def gcsf_course(rise: float, days: float, cycles: int = 4, every_days: float = 21.0) -> list:
    """100 mg/m² docetaxel every ``every_days`` days with G-CSF from day 1 of each cycle for
    ``days`` days (a :class:`ParameterChange` of ``gcsf_rise`` on and off).

    Examples
    --------
    >>> events = gcsf_course(rise=2.0, days=5, cycles=2)
    >>> [(e.time, e.values["gcsf_rise"]) for e in events if isinstance(e, ParameterChange)]
    [(24.0, 2.0), (144.0, 0.0), (528.0, 2.0), (648.0, 0.0)]
    """
    events: list = regimen(100, every_days=every_days, cycles=cycles)
    if rise > 0 and days > 0:
        for cycle in range(cycles):
            first = (every_days * cycle + 1) * DAY
            events += [
                ParameterChange(first, {"gcsf_rise": rise}),
                ParameterChange(first + days * DAY, {"gcsf_rise": 0.0}),
            ]
    return events


def gcsf_support(model: Model | None = None) -> Explorable:
    """Neutrophils under 100 mg/m² every 21 days with G-CSF of chosen size and duration.

    Examples
    --------
    >>> view = gcsf_support()
    >>> view.summary_rows(view.run())["nadir"]
    'day 7.0, 0.45 x10^9/L (grade 4)'
    """
    model = model or friberg2002(PATIENT_ESTIMATES, gcsf=True)
    return explore(
        model,
        {
            "G": Input(0, 2, 1, "1", "G-CSF rise over baseline (illustrative)"),
            "gcsf_days": Input(0, 10, 10, "day", "Days of G-CSF from day 1 of a cycle"),
        },
        scenario=lambda v: {"doses": gcsf_course(v["G"], v["gcsf_days"])},
        t_end=84 * DAY,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        points=5,
        n_time=169,
        summary=_lines(4),
        reference_lines=_GRADE_LINES,
        time_display=(1 / DAY, "day"),
        title="100 mg/m² every 21 days with G-CSF support",
    )


def cohort_toxicity(
    cohort: Result, dosing_days: list[float], variable: str = "ANC"
) -> dict[str, float]:
    """Fractions of a cohort reaching grade 4, grade 3 or worse, and with ANC below
    1.5×10^9/L on a dosing day (after day 0).

    Examples
    --------
    >>> import hemomodels as hm
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
        "below 1.5 x10^9/L on a dosing day": float(
            np.mean(on_dosing_day.min(axis=1) < GRADE_THRESHOLDS[2])
        ),
    }
