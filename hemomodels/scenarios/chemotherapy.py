"""Chemotherapy scenarios: docetaxel schedules and G-CSF courses for the Friberg model (hours).

The published model's own dosing helpers (``hemomodels.models.friberg2002.regimen``,
mg/m² infusions) live with the model, whose pharmacokinetics they use.

Examples
--------
>>> from hemomodels.scenarios.chemotherapy import DAY, gcsf_course
>>> DAY
24.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from .. import rules
from ..doses import Infusion, ParameterChange, Schedule
from ..models.friberg2002 import bolus_concentration, infusion, regimen

if TYPE_CHECKING:
    from ..model import Model

__all__ = [
    "ANC_TO_TREAT",
    "DAY",
    "docetaxel_schedule",
    "gcsf_course",
    "regimen_with_delay_rule",
]

#: The neutrophil count (10⁹/L) a patient needs on a dosing day to be given the next cycle,
#: as the docetaxel label's rule (1,500 cells/mm³) and the usual dose-delay rule have it.
ANC_TO_TREAT = 1.5

#: Hours per day (the model's time unit is the hour).
DAY = 24.0


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


def gcsf_course(rise: float, days: float, cycles: int = 4, every_days: float = 21.0) -> list:
    """100 mg/m² docetaxel every ``every_days`` days with G-CSF from day 1 of each cycle for
    ``days`` days (a :class:`~hemomodels.ParameterChange` of ``gcsf_rise`` on and off).

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


def regimen_with_delay_rule(
    model: Model,
    dose_mg_per_m2: float,
    *,
    every_days: float = 21.0,
    cycles: int = 4,
    anc_to_treat: float = ANC_TO_TREAT,
    delay_days: float = 7.0,
    last_day: float | None = None,
    params: Mapping[str, float] | None = None,
) -> tuple[list[Infusion], pd.DataFrame]:
    """Cycles given by the dose-delay rule: on each planned dosing day the neutrophil count is
    checked, and the cycle is postponed by ``delay_days`` (and checked again) while it is below
    ``anc_to_treat``; later cycles keep their spacing from the last dose given.

    The rule is a check on the dosing day, not a crossing, so it is not a
    :class:`~hemomodels.When`: each check simulates the patient up to that day with the doses
    given so far (a few short simulations per cycle).

    Parameters
    ----------
    model : Model
        A Friberg model (:func:`hemomodels.models.friberg2002`), with the observable ``ANC``.
    dose_mg_per_m2 : float
        Dose of every cycle, mg/m² (a one-hour infusion, as in
        :func:`~hemomodels.models.friberg2002.regimen`).
    every_days : float
        Planned days from one dose to the next (> 0).
    cycles : int
        Cycles planned (1–100).
    anc_to_treat : float
        Count needed to treat, 10⁹/L (> 0); default :data:`ANC_TO_TREAT`.
    delay_days : float
        Postponement when the count is too low, days (> 0).
    last_day : float, optional
        Cycles that would start after this day are not given (default: no limit).
    params : mapping, optional
        The patient's parameter values.

    Returns
    -------
    (infusions, decisions)
        The infusions given (pass them as ``doses``) and one row per check: cycle, planned
        day, day of the check, count on that day and the decision.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002("docetaxel_kloft2006")
    >>> doses, decisions = regimen_with_delay_rule(model, 75, every_days=10, cycles=3)
    >>> [drip.start / 24 for drip in doses]  # days: each cycle waits a week for recovery
    [0.0, 17.0, 34.0]
    >>> decisions["decision"].tolist()
    ['postponed', 'given', 'postponed', 'given']
    """
    every = rules.number(every_days, "every_days", low=0.0, low_open=True, unit="day")
    count = rules.integer(cycles, "cycles", low=1, high=100, unit="cycles")
    needed = rules.number(anc_to_treat, "anc_to_treat", low=0.0, low_open=True, unit="10⁹/L")
    delay = rules.number(delay_days, "delay_days", low=0.0, low_open=True, unit="day")
    horizon = float("inf") if last_day is None else rules.number(last_day, "last_day", low=0.0)
    given = [infusion(dose_mg_per_m2)]
    rows = []
    for cycle in range(2, count + 1):
        planned = day = given[-1].start / DAY + every
        while day <= horizon:
            check = model.simulate(day * DAY, params=params, doses=given, t_eval=[day * DAY])
            count_then = float(check["ANC"][-1])
            treat = count_then >= needed
            rows.append(
                {
                    "cycle": cycle,
                    "planned day": planned,
                    "day checked": day,
                    "neutrophils (10⁹/L)": count_then,
                    "decision": "given" if treat else "postponed",
                }
            )
            if treat:
                given.append(infusion(dose_mg_per_m2, start_h=day * DAY))
                break
            day += delay
        else:
            break
    columns = ["cycle", "planned day", "day checked", "neutrophils (10⁹/L)", "decision"]
    return given, pd.DataFrame(rows, columns=columns)
