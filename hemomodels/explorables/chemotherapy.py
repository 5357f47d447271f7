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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..clinical.neutropenia import GRADE_THRESHOLDS, neutropenia_grade, neutropenia_summary
from ..clinical.platelets import PLATELET_GRADE_THRESHOLDS, platelet_grade
from ..clinical.timeseries import nadir, peak_after_nadir
from ..global_sensitivity import sobol_indices
from ..model import Model
from ..models.friberg2002 import KLOFT2006_OMEGA2, friberg2002, regimen
from ..models.friberg_platelets import friberg_platelets
from ..result import Result
from ..scenarios.chemotherapy import (
    DAY,
    LABEL_GRADE4_PERCENT,
    gcsf_course,
    regimen_with_delay_rule,
)
from ..sensitivity import forward_sensitivities
from ..viz import interval_chart, sobol_chart
from ..widgets import Choice, Explorable, Panel, Slider, explore

__all__ = [
    "DELAY_RULE_OPTIONS",
    "cohort_toxicity",
    "dose_delay",
    "dose_schedule",
    "gcsf_support",
    "nadir_drivers",
    "nadir_drivers_chart",
    "nadir_rebound_table",
    "nadir_sensitivities",
    "patient_ranges",
    "one_dose",
    "two_lineages",
    "two_lineages_table",
    "virtual_trial_chart",
    "virtual_trial_table",
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


#: The dose slider of the single-infusion explorables (mg/m², one-hour infusion).
_ONE_DOSE = Slider(
    name="dose_mg_per_m2",
    low=25,
    high=150,
    step=25,
    value=100,
    label="Docetaxel dose, one-hour infusion",
    unit="mg/m²",
    format="{:g}",
)

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
            _ONE_DOSE,
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


#: The dose-delay rule's options in the dose-delay explorable.
DELAY_RULE_OPTIONS = {
    "Every dose on its planned day": False,
    "Postpone a dose a week while neutrophils are below 1.5 × 10⁹/L": True,
}


def _schedule_doses(model: Model, values: Mapping[str, Any]) -> list:
    """The schedule explorables' infusions: planned, or given by the dose-delay rule."""
    every, cycles = float(values["cycle_days"]), int(round(values["cycles"]))
    if not values.get("delay_rule"):
        return regimen(75, every_days=every, cycles=cycles)
    given, _ = regimen_with_delay_rule(model, 75, every_days=every, cycles=cycles, last_day=146)
    return given


def _schedule_explorable(
    model: Model, cycle_days: float, title: str, extra: Sequence[Choice] = ()
) -> Explorable:
    """Neutrophils over 147 days of 75 mg/m² infusions: cycle-length and number-of-doses
    sliders (starting at ``cycle_days``), and any ``extra`` controls."""
    return explore(
        model,
        [
            Slider(
                name="cycle_days",
                values=[7, 10, 14, 21],
                value=cycle_days,
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
            *extra,
        ],
        scenario=lambda v: {"doses": _schedule_doses(model, v)},
        t_end=147 * DAY,
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        n_time=148,
        summary=_lines(3),
        reference_lines=_GRADE_LINES,
        time_display=(1 / DAY, "day"),
        title=title,
        dose_label="Docetaxel infusion",
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
    return _schedule_explorable(model, 21, "Neutrophils under repeated 75 mg/m² doses")


def dose_delay(model: Model | None = None) -> Explorable:
    """The schedule explorable with the dose-delay rule as a choice
    (:func:`~hemomodels.scenarios.chemotherapy.regimen_with_delay_rule`), starting at 10-day
    cycles (illustrative: short enough for the rule to postpone doses).

    Examples
    --------
    >>> view = dose_delay()
    >>> view.values
    {'cycle_days': 10.0, 'cycles': 4.0, 'delay_rule': False}
    >>> view.summary_rows(view.run())["nadir"]
    'day 17.0, 0.24 × 10⁹/L (grade 4)'
    >>> view.summary_rows(view.run(delay_rule=True))["nadir"]
    'day 8.0, 0.45 × 10⁹/L (grade 4)'
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    rule = Choice(name="delay_rule", options=DELAY_RULE_OPTIONS, label="Dose-delay rule")
    return _schedule_explorable(
        model, 10, "75 mg/m² doses: on the planned days or by the dose-delay rule", [rule]
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


def two_lineages_table(result: Result) -> pd.DataFrame:
    """Nadir day, nadir count and CTCAE v5.0 grade of neutrophils and platelets.

    Parameters
    ----------
    result : Result
        A simulation of :func:`~hemomodels.models.friberg_platelets` (hours).

    Returns
    -------
    pandas.DataFrame
        One row per lineage: ``nadir day``, ``nadir (10⁹/L)`` and ``CTCAE grade``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg_platelets()
    >>> result = model.simulate(42 * 24, doses=regimen(100, cycles=1), t_eval=range(0, 1009, 3))
    >>> two_lineages_table(result).round(1)
                 nadir day  nadir (10⁹/L)  CTCAE grade
    Neutrophils        8.4            0.2            4
    Platelets         16.9          100.2            1
    """
    rows = {}
    for label, variable, grade in (
        ("Neutrophils", "ANC", neutropenia_grade),
        ("Platelets", "PLT", platelet_grade),
    ):
        when, low = nadir(result, variable)
        rows[label] = {
            "nadir day": when / DAY,
            "nadir (10⁹/L)": low,
            "CTCAE grade": int(grade(low)),
        }
    return pd.DataFrame(rows).T.astype({"CTCAE grade": int})


def _two_lineage_lines(result: Result) -> dict[str, str]:
    table = two_lineages_table(result)
    return {
        f"{label.lower()} nadir": f"day {row['nadir day']:.1f}, "
        f"{row['nadir (10⁹/L)']:.3g} × 10⁹/L (grade {int(row['CTCAE grade'])})"
        for label, row in table.iterrows()
    }


def two_lineages(model: Model | None = None) -> Explorable:
    """Neutrophils and platelets over four weeks (one cycle) after one docetaxel infusion;
    sliders for the dose and for how sensitive platelet precursors are (illustrative).

    The platelet axis stops at 300 × 10⁹/L: after its nadir the assembled platelet chain
    rebounds far above counts seen in patients, which the chart says in its note.

    Examples
    --------
    >>> view = two_lineages()
    >>> view.values
    {'dose_mg_per_m2': 100.0, 'platelet_sensitivity': 1.0}
    >>> view.summary_rows(view.run())["platelets nadir"]
    'day 17.0, 100 × 10⁹/L (grade 1)'
    """
    model = model or friberg_platelets(PATIENT_ESTIMATES)
    return explore(
        model,
        [
            _ONE_DOSE,
            Slider(
                name="platelet_sensitivity",
                values=[0.25, 0.5, 1.0, 2.0, 4.0],
                value=1.0,
                label="Platelet precursors' drug sensitivity, relative (illustrative)",
                unit="× neutrophil precursors'",
                format="{:g}",
            ),
        ],
        scenario=lambda v: {"doses": regimen(v["dose_mg_per_m2"], cycles=1)},
        t_end=28 * DAY,
        panels=[
            Panel(
                variables=["ANC"],
                log=False,
                domain=(0.0, 12.0),
                reference_lines={"grade 4 (0.5)": GRADE_THRESHOLDS[4]},
                title="Neutrophil count (10⁹/L)",
            ),
            Panel(
                variables=["PLT"],
                log=False,
                domain=(0.0, 300.0),
                # grades 2 and 4 only: three lines 25 apart would print their labels on top
                # of each other on a phone
                reference_lines={
                    f"grade {grade} ({PLATELET_GRADE_THRESHOLDS[grade]:g})": (
                        PLATELET_GRADE_THRESHOLDS[grade]
                    )
                    for grade in (2, 4)
                },
                title="Platelet count (10⁹/L)",
            ),
        ],
        steady_state=False,
        n_time=113,
        summary=_two_lineage_lines,
        time_display=(1 / DAY, "day"),
        title="Neutrophils and platelets after one dose",
        dose_label="Docetaxel infusion",
        note=(
            "Model limit: after its nadir the platelet chain rebounds to several times its "
            "baseline (about 700 × 10⁹/L by day 28 at 100 mg/m²), far above counts seen after "
            "chemotherapy, and leaves the chart; read the fall and its timing. The platelet "
            "drug sensitivity is an assumption: no published docetaxel platelet model."
        ),
    )


#: The states that start at each patient's own baseline count.
_CELLS = ("Prol", "Transit1", "Transit2", "Transit3", "Circ")
#: Standard normal quantile of the 95th percentile.
_Z95 = 1.6448536269514722


def patient_ranges(model: Model | None = None) -> dict[str, tuple[float, float]]:
    """The middle 90 % of the chapter's virtual patients: for each property with
    between-patient variability (Kloft 2006), its 5th and 95th percentiles
    (typical value × exp(∓1.645 ω)).

    Examples
    --------
    >>> {k: tuple(round(v, 1) for v in r) for k, r in patient_ranges().items()}
    {'Circ0': (3.4, 7.9), 'MTT': (67.0, 105.8), 'slope': (8.6, 28.1)}
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    ranges = {}
    for name, omega2 in KLOFT2006_OMEGA2.items():
        typical, spread = model.parameter(name).value, _Z95 * float(np.sqrt(omega2))
        ranges[name] = (typical * float(np.exp(-spread)), typical * float(np.exp(spread)))
    return ranges


def _first_cycle_nadir(result: Result) -> dict[str, np.ndarray]:
    anc = np.asarray(result["ANC"])
    return {
        "nadir count": anc.min(axis=1),
        "nadir day": np.asarray(result.t)[anc.argmin(axis=1)] / DAY,
    }


def nadir_drivers(
    samples: int = 1024, model: Model | None = None, *, client: Any = None
) -> pd.DataFrame:
    """Sobol indices of the first-cycle nadir (count and day) after 100 mg/m², over the
    middle 90 % of patients (:func:`patient_ranges`), each property uniform in its range.

    ``client`` runs the virtual patients of the design in chunks on a Dask cluster
    (``"local"``, a scheduler's address or a client; see
    :func:`~hemomodels.distributed.simulate_cohort`); the default runs them in this process.
    The indices are the same either way.

    Examples
    --------
    >>> table = nadir_drivers(samples=64)
    >>> sorted(set(table["read-out"]))
    ['nadir count', 'nadir day']
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    return sobol_indices(
        model,
        _first_cycle_nadir,
        patient_ranges(model),
        21 * DAY,
        samples=samples,
        seed=2006,
        initial_from={state: "Circ0" for state in _CELLS},
        doses=regimen(100, cycles=1),
        t_eval=np.arange(0.0, 21 * DAY + 1, 3.0),
        client=client,
    )


def nadir_drivers_chart(table: pd.DataFrame, model: Model | None = None):
    """Bar chart of :func:`nadir_drivers`, parameters named in words.

    Examples
    --------
    >>> chart = nadir_drivers_chart(nadir_drivers(samples=64))
    >>> len(chart.to_dict()["vconcat"])  # nadir count and nadir day
    2
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    labels = {name: model.parameter(name).label or name for name in model.parameter_names}
    return sobol_chart(
        table,
        labels,
        title="What decides the nadir? (100 mg/m²)",
        readout_titles={
            "nadir count": "Lowest neutrophil count",
            "nadir day": "Day of the lowest count",
        },
    )


def nadir_sensitivities(model: Model | None = None) -> pd.DataFrame:
    """Local, normalised sensitivities of the typical patient's neutrophil count at its
    nadir after 100 mg/m²: the percentage change of the count per percent change of each
    property (exact, from the variational equations).

    Examples
    --------
    >>> column = nadir_sensitivities().iloc[:, 0]
    >>> [round(value, 2) for value in column]  # baseline, MTT, feedback, drug potency
    [1.0, 2.7, 0.64, -2.73]
    """
    model = model or friberg2002(PATIENT_ESTIMATES)
    names = ("Circ0", "MTT", "gamma", "slope")
    times = np.arange(0.0, 21 * DAY + 1, 1.0)
    s = forward_sensitivities(
        model,
        21 * DAY,
        parameters=names,
        doses=regimen(100, cycles=1),
        t_eval=times,
        initial_sensitivities={(state, "Circ0"): 1.0 for state in _CELLS},
    )
    at = int(np.argmin(s.values["ANC"]))
    normalised = s.normalised("ANC").iloc[at]
    return pd.DataFrame(
        {"% change of the nadir count per % change": [float(normalised[n]) for n in names]},
        index=[model.parameter(n).label for n in names],
    )


def virtual_trial_chart(table: pd.DataFrame, *, label_regimen: str = "100 mg/m²"):
    """The fraction of patients reaching grade 4 in each arm of a
    :func:`~hemomodels.scenarios.chemotherapy.virtual_trial`, with its interval, and the
    label's figures (:data:`~hemomodels.scenarios.chemotherapy.LABEL_GRADE4_PERCENT`) beside
    the arm they were measured in (``label_regimen``; no other arm has a checked published
    rate).

    Examples
    --------
    >>> table = pd.DataFrame({"regimen": ["100 mg/m²"], "patients": [1000],
    ...     "grade 4 (%)": [80.0], "grade 4, low (%)": [77.4], "grade 4, high (%)": [82.4]})
    >>> len(virtual_trial_chart(table).to_dict()["layer"])  # interval, estimate, label
    3
    """
    patients = int(table["patients"].iloc[0])
    references = pd.DataFrame(
        [
            {"regimen": label_regimen, "source": f"Docetaxel label, {who}", "value": value}
            for who, value in LABEL_GRADE4_PERCENT.items()
        ]
    )
    return interval_chart(
        table,
        group="regimen",
        estimate="grade 4 (%)",
        low="grade 4, low (%)",
        high="grade 4, high (%)",
        value_title="Patients reaching grade 4 neutropenia (%)",
        title=f"Virtual trial, {patients:,} patients per arm, four 21-day cycles",
        references=references[references["regimen"].isin(table["regimen"])],
        reference_title="Published rate, 100 mg/m²",
    )


def virtual_trial_table(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`~hemomodels.scenarios.chemotherapy.virtual_trial` table as a reader reads it:
    percentages with their intervals in words, one row per arm.

    Examples
    --------
    >>> table = pd.DataFrame({"regimen": ["100 mg/m²"], "patients": [1000],
    ...     "grade 4 (%)": [80.04], "grade 4, low (%)": [77.4], "grade 4, high (%)": [82.46],
    ...     "grade 3 or 4 (%)": [95.0], "grade 3 or 4, low (%)": [93.5],
    ...     "grade 3 or 4, high (%)": [96.2], "median nadir (10⁹/L)": [0.21]})
    >>> virtual_trial_table(table).iloc[0, 0]
    '80.0 (77.4–82.5)'
    """

    def percent(label: str) -> pd.Series:
        return table.apply(
            lambda row: (
                f"{row[f'{label} (%)']:.1f} "
                f"({row[f'{label}, low (%)']:.1f}–{row[f'{label}, high (%)']:.1f})"
            ),
            axis=1,
        )

    return pd.DataFrame(
        {
            "Dose": table["regimen"],
            "Grade 4, % of patients (95 % interval)": percent("grade 4"),
            "Grade 3 or 4, % of patients (95 % interval)": percent("grade 3 or 4"),
            "Median nadir (10⁹/L)": table["median nadir (10⁹/L)"].round(2),
        }
    ).set_index("Dose")
