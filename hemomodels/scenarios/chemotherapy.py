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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import rules
from ..clinical.readouts import Nadir, NeutropeniaGrade
from ..cohorts import lognormal_cohort
from ..distributed import simulate_cohort
from ..doses import Infusion, ParameterChange, Schedule
from ..models.friberg2002 import (
    KLOFT2006_OMEGA2,
    at_baseline,
    bolus_concentration,
    friberg2002,
    infusion,
    regimen,
)

if TYPE_CHECKING:
    from ..model import Model

__all__ = [
    "ANC_TO_TREAT",
    "DAY",
    "LABEL_GRADE4_PERCENT",
    "TRIAL_ATOL",
    "TRIAL_REGIMENS",
    "TRIAL_RTOL",
    "docetaxel_schedule",
    "gcsf_course",
    "regimen_with_delay_rule",
    "virtual_trial",
]

#: The neutrophil count (10⁹/L) a patient needs on a dosing day to be given the next cycle,
#: as the docetaxel label's rule (1,500 cells/mm³) and the usual dose-delay rule have it.
ANC_TO_TREAT = 1.5

#: Hours per day (the model's time unit is the hour).
DAY = 24.0

#: Grade-4 neutropenia (ANC < 0.5 × 10⁹/L) reported by the docetaxel label for 100 mg/m²
#: every three weeks, % of patients, by population (``taxotere``, Table 4).
LABEL_GRADE4_PERCENT: dict[str, float] = {
    "all 2,045 patients": 75.4,
    "965 with breast cancer": 85.9,
}

#: Relative and absolute tolerances of the virtual trial (counts in 10⁹/L).
TRIAL_RTOL, TRIAL_ATOL = 1e-6, 1e-9

#: The virtual trial's arms: the label's two doses, each given every 21 days four times, by
#: dose.
TRIAL_REGIMENS: dict[str, list[Infusion]] = {
    "100 mg/m²": regimen(100, every_days=21, cycles=4),
    "75 mg/m²": regimen(75, every_days=21, cycles=4),
}


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


def virtual_trial(
    regimens: Mapping[str, Sequence[Any]] | None = None,
    *,
    patients: int = 100_000,
    days: float = 98.0,
    seed: int = 2006,
    confidence: float = 0.95,
    rtol: float = TRIAL_RTOL,
    atol: float = TRIAL_ATOL,
    client: Any = None,
    chunk_size: int = 10_000,
    **options: Any,
) -> pd.DataFrame:
    """A virtual trial: the same virtual patients given each regimen, and the fraction of
    them who reach grade 4 (and grade 3 or 4) neutropenia, with exact confidence intervals.

    The patients are drawn with the Kloft 2006 between-patient variability
    (:data:`~hemomodels.models.friberg2002.KLOFT2006_OMEGA2`), each starting at his or her
    own baseline count; every regimen is simulated for all of them through
    :func:`~hemomodels.distributed.simulate_cohort`, which keeps only each patient's nadir
    and CTCAE grade (:class:`~hemomodels.clinical.NeutropeniaGrade`, read on a grid
    of four points a day).

    Parameters
    ----------
    regimens : mapping of str to doses, optional
        Regimens by name (default :data:`TRIAL_REGIMENS`: 100 and 75 mg/m², four 21-day
        cycles).
    patients : int
        Virtual patients per regimen (10–10,000,000).
    days : float
        Follow-up from the first dose, days (1–365).
    seed : int
        Seed of the virtual patients (the same patients receive every regimen).
    confidence : float
        Level of the Clopper–Pearson intervals (0.5–0.999).
    rtol, atol : float
        Solver tolerances (default :data:`TRIAL_RTOL`, :data:`TRIAL_ATOL`: looser than a
        single simulation's, and still within 1e-4 of the cell counts at rtol 1e-10, as
        ``make bench`` measures for the chapter's cohort).
    client : None, "local", str or distributed.Client
        Where to run (see :func:`~hemomodels.distributed.simulate_cohort`): ``None`` in this
        process, ``"local"`` on an embedded Dask cluster, an address or a client for a cluster.
    chunk_size : int
        Patients per task.
    **options
        Passed on to :func:`~hemomodels.distributed.simulate_cohort` (e.g. ``backend``).

    Returns
    -------
    pandas.DataFrame
        One row per regimen: patients, patients with grade 4, the percentage with grade 4
        and its interval (%), the percentage with grade 3 or 4 and its interval (%), and the
        median nadir (10⁹/L).

    References
    ----------
    Kloft et al. 2006 (``kloft2006``) for the variability; CTCAE v5.0 (``ctcae2017``) for the
    grades; Clopper and Pearson's exact binomial interval as computed by
    :meth:`scipy.stats.BinomTestResult.proportion_ci`.

    Examples
    --------
    One cycle of each label dose, 500 patients:

    >>> arms = {f"{dose} mg/m²": regimen(dose, cycles=1) for dose in (100, 75)}
    >>> table = virtual_trial(arms, patients=500, days=21)
    >>> table[["regimen", "grade 4 (%)", "grade 4, low (%)", "grade 4, high (%)"]].round(1)
         regimen  grade 4 (%)  grade 4, low (%)  grade 4, high (%)
    0  100 mg/m²         83.8              80.3               86.9
    1   75 mg/m²         55.2              50.7               59.6
    """
    regimens = TRIAL_REGIMENS if regimens is None else rules.mapping(regimens, "regimens")
    n = rules.integer(patients, "patients", low=10, high=10_000_000, unit="patients")
    horizon = rules.number(days, "days", low=1.0, high=365.0, unit="day")
    level = rules.number(confidence, "confidence", low=0.5, high=0.999, unit="1")
    model = friberg2002("docetaxel_kloft2006")
    drawn = lognormal_cohort(model, omega2=KLOFT2006_OMEGA2, n=n, seed=seed)
    table = pd.DataFrame(at_baseline({name: drawn[name].to_numpy() for name in drawn.columns}))
    t_eval = np.linspace(0.0, horizon * DAY, int(round(horizon * 4)) + 1)
    readouts = [Nadir("ANC"), NeutropeniaGrade("ANC")]
    rows = []
    for name, doses in regimens.items():
        summary = simulate_cohort(
            model,
            table,
            horizon * DAY,
            readouts=readouts,
            doses=doses,
            t_eval=t_eval,
            rtol=rtol,
            atol=atol,
            client=client,
            chunk_size=chunk_size,
            **options,
        )
        grades = summary[readouts[1].name].to_numpy()
        rows.append(
            {
                "regimen": name,
                "patients": n,
                **_percent_with("grade 4", int(np.sum(grades == 4)), n, level),
                **_percent_with("grade 3 or 4", int(np.sum(grades >= 3)), n, level),
                "median nadir (10⁹/L)": float(np.median(summary[readouts[0].name])),
            }
        )
    return pd.DataFrame(rows)


def _percent_with(label: str, count: int, n: int, level: float) -> dict[str, float]:
    """Count, percentage and exact (Clopper–Pearson) interval of ``count`` out of ``n``."""
    from scipy.stats import binomtest

    interval = binomtest(count, n).proportion_ci(confidence_level=level, method="exact")
    return {
        f"{label} (patients)": count,
        f"{label} (%)": 100.0 * count / n,
        f"{label}, low (%)": 100.0 * interval.low,
        f"{label}, high (%)": 100.0 * interval.high,
    }
