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

from ..doses import ParameterChange, Schedule
from ..models.friberg2002 import bolus_concentration, regimen

__all__ = ["DAY", "docetaxel_schedule", "gcsf_course"]

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
