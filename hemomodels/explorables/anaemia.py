"""Explorables of the anaemia chapter: blood loss, haemolysis, marrow failure, EPO therapy.

Each function returns a :class:`~hemomodels.widgets.Explorable` over the Tetschke et al. 2018
model (or its EPO extension), with the chapter's slider ranges, scenario and printed summary.

Examples
--------
>>> from hemomodels.explorables import anaemia
>>> view = anaemia.blood_loss()
>>> sorted(view.values)
['blood_lost']
"""

from __future__ import annotations

import numpy as np

from ..clinical.anaemia import (
    RESTRICTIVE_TRANSFUSION_THRESHOLD,
    WHO_ANAEMIA_THRESHOLDS,
    classify_anaemia,
    time_to_transfusion,
)
from ..clinical.timeseries import first_crossing, nadir
from ..model import Model
from ..models.tetschke2018 import tetschke2018
from ..models.tetschke2018_epo import tetschke2018_epo
from ..result import Result
from ..scenarios.anaemia import blood_loss_initial_state, epo_therapy_scenario, transfusion_rule
from ..widgets import Choice, Explorable, Slider, explore

__all__ = [
    "blood_loss",
    "epo_therapy",
    "haemolysis",
    "marrow_failure",
    "severity_text",
]

#: The WHO cut-off line drawn on every haemoglobin chart (adult men, g/dL).
_WHO_LINE = {"WHO anaemia cut-off, men": WHO_ANAEMIA_THRESHOLDS["men"][0]}


def severity_text(hb_g_dl: float, group: str = "men") -> str:
    """WHO severity in words, e.g. ``"moderate anaemia"`` or ``"no anaemia"``.

    Examples
    --------
    >>> severity_text(9.5)
    'moderate anaemia'
    >>> severity_text(14.0, "women")
    'no anaemia'
    """
    severity = classify_anaemia(hb_g_dl, group)
    return "no anaemia" if severity == "none" else f"{severity} anaemia"


def _normal_hb(result: Result) -> float:
    """Healthy Hb concentration (g/dL) of the simulated patient."""
    return result.params["baseline_hb_mass"] / (10 * result.params["blood_volume"])


def blood_loss_summary(result: Result) -> dict[str, str]:
    """Lowest Hb with its WHO class, when half the deficit is back, production at day 10."""
    _, lowest = nadir(result, "hb_concentration")
    normal = _normal_hb(result)
    if normal - lowest < 1e-3:
        back_text = "no deficit"
    else:
        halfway = lowest + 0.5 * (normal - lowest)
        back = first_crossing(result, "hb_concentration", halfway, direction="up")
        back_text = f"not within {result.t[-1]:.0f} days" if back is None else f"day {back:.0f}"
    production = np.interp(10, result.t, result["rbc_production"])
    return {
        "lowest Hb": f"{lowest:.1f} g/dL ({severity_text(lowest)}, WHO, men)",
        "half of the deficit back": back_text,
        "production at day 10": f"{production:.1f} g/day",
    }


def blood_loss(model: Model | None = None) -> Explorable:
    """Haemoglobin after losing 0–2.5 L of whole blood at day 0 (plasma replaced).

    Examples
    --------
    >>> view = blood_loss()
    >>> view.values
    {'blood_lost': 0.5}
    >>> view.summary_rows(view.run())["lowest Hb"]
    '13.6 g/dL (no anaemia, WHO, men)'
    """
    model = model or tetschke2018()
    return explore(
        model,
        [
            Slider(
                name="blood_lost",
                low=0.0,
                high=2.5,
                step=0.25,
                value=0.5,
                label="Whole blood lost on day 0",
                unit="L",
            )
        ],
        t_end=120,
        scenario=lambda values: {"y0": blood_loss_initial_state(model, values["blood_lost"])},
        variables=["hb_concentration"],
        log_scale=False,
        title="Haemoglobin after losing blood",
        summary=blood_loss_summary,
        reference_lines=_WHO_LINE,
    )


def _haemolysis_summary(model: Model):
    def summary(result: Result) -> dict[str, str]:
        production = result["rbc_production"]
        lines = {
            "red-cell production, day 0 → end": f"{production[0]:.1f} → {production[-1]:.1f} g/day"
        }
        stable = [s for s in model.steady_states(result.params) if s.stability == "stable"]
        if stable:
            hb = stable[0].values["hb_mass"] / (10 * result.params["blood_volume"])
            lines["steady-state Hb"] = f"{hb:.1f} g/dL ({severity_text(hb)})"
        else:
            lines["steady-state Hb"] = "no stable steady state: Hb oscillates"
        return lines

    return summary


def haemolysis(model: Model | None = None) -> Explorable:
    """Haemoglobin over a year when the red-cell lifespan is shortened to 10–120 days.

    Examples
    --------
    >>> view = haemolysis()
    >>> view.summary_rows(view.run(rbc_lifespan=120.0))["steady-state Hb"]
    '14.8 g/dL (no anaemia)'
    """
    model = model or tetschke2018()
    return explore(
        model,
        [
            Slider(
                name="rbc_lifespan",
                values=[10, 12, 14, 16, 20, 30, 40, 60, 80, 100, 120],
                value=120,
                format="{:g}",
            )
        ],
        t_end=365,
        variables=["hb_concentration"],
        log_scale=False,
        title="Shortened red-cell lifespan",
        summary=_haemolysis_summary(model),
        reference_lines=_WHO_LINE,
    )


def marrow_failure_summary(result: Result) -> dict[str, str]:
    """When Hb first falls below the restrictive transfusion threshold, how many units were
    given (if transfusions are on), and Hb after the run."""
    fired = result.triggered_events()
    time = float(fired["time"].iloc[0]) if len(fired) else time_to_transfusion(result)
    final = result["hb_concentration"][-1]
    return {
        "Hb below 7.0 g/dL": "not within a year" if time is None else f"from day {time:.0f}",
        "units of red cells given": f"{len(fired)}",
        f"Hb after {result.t[-1]:.0f} days": f"{final:.1f} g/dL ({severity_text(final)})",
    }


def marrow_failure(model: Model | None = None) -> Explorable:
    """Haemoglobin over a year when production capacity falls to 5–100 % of normal, with or
    without a unit of red cells whenever Hb falls below 7 g/dL.

    Examples
    --------
    >>> view = marrow_failure()  # starts at a tenth of normal production
    >>> view.summary_rows(view.run())["Hb below 7.0 g/dL"]
    'from day 120'
    """
    model = model or tetschke2018()
    rule = transfusion_rule(model)
    return explore(
        model,
        [
            Slider(
                name="production_capacity",
                values=[0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
                value=0.1,
                label="Marrow production capacity c, share of normal",
                format="{:.0%}",
            ),
            Choice(
                name="transfusions",
                label="Transfusions",
                options={"None": False, "One unit whenever Hb falls below 7 g/dL": True},
            ),
        ],
        scenario=lambda v: {"doses": [rule] if v["transfusions"] else []},
        t_end=365,
        variables=["hb_concentration"],
        log_scale=False,
        title="Reduced production capacity",
        summary=marrow_failure_summary,
        reference_lines={
            "transfusion threshold (restrictive)": RESTRICTIVE_TRANSFUSION_THRESHOLD,
            **_WHO_LINE,
        },
    )


def epo_summary(result: Result) -> dict[str, str]:
    """Hb before treatment with its WHO class, and the rise after 1 and 8 weeks."""
    hb = result["hb_concentration"]
    week_1 = round(float(np.interp(7, result.t, hb) - hb[0]), 2) + 0.0  # no "-0.00"
    week_8 = round(float(np.interp(56, result.t, hb) - hb[0]), 2) + 0.0
    return {
        "Hb before treatment": f"{hb[0]:.1f} g/dL ({severity_text(hb[0])})",
        "rise after 1 week / 8 weeks": f"{week_1:.2f} / {week_8:.2f} g/dL",
    }


def epo_therapy(model: Model | None = None) -> Explorable:
    """EPO injections three times a week for 24 weeks in chronic kidney disease.

    Examples
    --------
    >>> view = epo_therapy()
    >>> view.values
    {'epo_dose': 0.5, 'kidney_epo_capacity': 0.6}
    >>> view.summary_rows(view.run())["Hb before treatment"]
    '9.2 g/dL (moderate anaemia)'
    """
    model = model or tetschke2018_epo()
    return explore(
        model,
        [
            Slider(
                name="epo_dose",
                low=0.0,
                high=1.0,
                step=0.25,
                value=0.5,
                label="Dose per injection, in multiples of the normal plasma EPO level",
                unit="",
                format="{:g}×",
            ),
            Slider(
                name="kidney_epo_capacity",
                low=0.3,
                high=0.9,
                step=0.1,
                value=0.6,
                label="Kidney EPO capacity, share of healthy",
                format="{:.0%}",
            ),
        ],
        t_end=168,
        scenario=epo_therapy_scenario(model),
        variables=["hb_concentration"],
        log_scale=False,
        dose_markers=False,
        title="EPO injections three times a week",
        summary=epo_summary,
        steady_state=False,
        reference_lines=_WHO_LINE,
    )
