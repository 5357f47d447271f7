"""Explorables of the marrow-failure chapter, on the three-lineage model of Colijn & Mackey:
the three counts after a loss of stem cells, an immune attack on the stem cells with and
without treatment, and cyclical neutropenia near the onset of oscillation.

Examples
--------
>>> from hemomodels.explorables import marrow_failure
>>> marrow_failure.stem_cell_loss_view().values
{'remaining_percent': 10.0}
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..clinical.marrow_failure import (
    SEVERE_ANC,
    SEVERE_PLATELETS,
    SEVERE_RETICULOCYTES,
    VERY_SEVERE_ANC,
    aplastic_anaemia_severity,
)
from ..errors import ModelError
from ..model import Model
from ..models.colijn_mackey2005 import colijn_mackey2005, normal_state
from ..result import Result
from ..scenarios.marrow_failure import (
    NORMAL_STEM_DEATH_RATE,
    immune_attack,
    stem_cell_loss,
)
from ..stability import stability_boundary
from ..units import reader_unit
from ..viz import points_chart
from ..widgets import Choice, Explorable, Panel, Slider, explore

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "blood_counts",
    "severity_table",
    "cyclical_neutropenia",
    "immune_attack_view",
    "lineage_falls",
    "onset_by_stages",
    "onset_table",
    "stem_cell_loss_view",
]

_RELATIVE = [
    "neutrophils_percent_of_normal",
    "platelets_percent_of_normal",
    "red_cells_percent_of_normal",
]


def lineage_falls(result: Result) -> dict[str, str]:
    """Day each count first falls below half of normal (or "never").

    Examples
    --------
    >>> from hemomodels.models.colijn_mackey2005 import colijn_mackey2005
    >>> from hemomodels.scenarios.marrow_failure import stem_cell_loss
    >>> result = colijn_mackey2005(4).simulate(60, y0=stem_cell_loss(10, 4), t_eval=range(61))
    >>> lineage_falls(result)["red cells below half of normal"]
    'never'
    """
    lines = {}
    for name, words in zip(_RELATIVE, ("neutrophils", "platelets", "red cells"), strict=True):
        below = np.flatnonzero(np.asarray(result[name]) < 50)
        lines[f"{words} below half of normal"] = (
            f"from day {result.t[below[0]]:.0f}" if below.size else "never"
        )
    return lines


def stem_cell_loss_view(model: Model | None = None) -> Explorable:
    """The three blood counts (% of normal) over 120 days after an acute loss of stem cells;
    slider: stem cells left (1–100 % of normal).

    Examples
    --------
    >>> view = stem_cell_loss_view()
    >>> view.summary_rows(view.run())["neutrophils below half of normal"]
    'from day 4'
    """
    model = model or colijn_mackey2005()
    stages = sum(name.startswith("cycling_stem_cells_") for name in model.state_names)
    return explore(
        model,
        [
            Slider(
                name="remaining_percent",
                values=[1, 5, 10, 25, 50, 75, 100],
                value=10,
                label="Stem cells left after the loss",
                unit="% of normal",
                format="{:g} %",
            )
        ],
        scenario=lambda v: {"y0": stem_cell_loss(v["remaining_percent"], stages)},
        t_end=120,
        variables=_RELATIVE,
        log_scale=False,
        y_domain=(0.0, 600.0),
        steady_state=False,
        n_time=241,
        summary=lineage_falls,
        reference_lines={"normal (100 %)": 100.0},
        title="Three blood counts after a sudden loss of stem cells",
        note=(
            "Model limit: the rebound far above normal is this model's; after marrow injury "
            "counts usually return without such a large overshoot."
        ),
    )


_SEVERITY_COUNTS = ("ANC", "platelet_count", "reticulocytes")


def _counts(result: Result, name: str) -> np.ndarray:
    """A blood count of a simulation, with the solver's round-off below zero read as zero
    (the engine stops any run whose non-negative states fall further below zero)."""
    return np.maximum(np.asarray(result[name], dtype=float), 0.0)


def blood_counts(result: Result, day: int = 0) -> pd.DataFrame:
    """The blood counts of a simulation on one output time, labelled with their units.

    Examples
    --------
    >>> result = colijn_mackey2005(2).simulate(1)
    >>> blood_counts(result).loc["Platelet count", "value"]
    '278'
    """
    names = ("ANC", "platelet_count", "red_cell_count", "reticulocytes")
    model = result.model
    return pd.DataFrame(
        {
            "value": [f"{float(result[n][day]):.3g}" for n in names],
            "unit": [reader_unit(model.units[n]) for n in names],
        },
        index=pd.Index([model.labels[n] for n in names], name="count"),
    )


def severity_table(result: Result, days: list[int]) -> pd.DataFrame:
    """Neutrophils, platelets, reticulocytes and the severity of aplastic anaemia (for a
    hypocellular marrow) on the given days of a daily simulation.

    Examples
    --------
    >>> result = colijn_mackey2005(2).simulate(10, t_eval=range(11))
    >>> severity_table(result, [0, 10])["severity (hypocellular marrow)"].tolist()
    ['not severe', 'not severe']
    """
    model = result.model
    counts = {name: _counts(result, name)[days] for name in _SEVERITY_COUNTS}
    table = pd.DataFrame(
        {
            f"{model.labels[name]} ({reader_unit(model.units[name])})": values.round(2)
            for name, values in counts.items()
        },
        index=pd.Index(days, name="day"),
    )
    table["severity (hypocellular marrow)"] = aplastic_anaemia_severity(
        *counts.values(), hypocellular_marrow=True
    )
    return table


def _severity_lines(result: Result) -> dict[str, str]:
    t = np.asarray(result.t)
    last = t >= t[-1] - 30
    lowest = {name: float(np.min(_counts(result, name)[last])) for name in _SEVERITY_COUNTS}
    severity = aplastic_anaemia_severity(
        lowest["ANC"],
        lowest["platelet_count"],
        lowest["reticulocytes"],
        hypocellular_marrow=True,
    )
    return {
        "lowest neutrophil count": f"{np.min(_counts(result, 'ANC')):.2f} × 10⁹/L",
        "lowest platelet count": f"{np.min(_counts(result, 'platelet_count')):.0f} × 10⁹/L",
        "severity in the last month (if the marrow is hypocellular)": severity,
    }


def immune_attack_view(model: Model | None = None) -> Explorable:
    """Counts over one year of an immune attack that raises the death rate of dividing stem
    cells; slider: that death rate; choice: no treatment, or immunosuppression that ends the
    attack on day 120.

    Examples
    --------
    >>> view = immune_attack_view()
    >>> view.values
    {'death_rate': 0.245, 'treatment': 'none'}
    """
    model = model or colijn_mackey2005()
    return explore(
        model,
        [
            Slider(
                name="death_rate",
                values=[NORMAL_STEM_DEATH_RATE, 0.1, 0.13, 0.17, 0.2, 0.245, 0.27],
                value=0.245,
                label="Death rate of dividing stem cells during the attack γₛ",
                unit="per day",
                format="{:g}",
            ),
            Choice(
                name="treatment",
                label="Treatment",
                options={
                    "None": "none",
                    "Immunosuppression from day 120 (attack ends)": "immunosuppression",
                },
            ),
        ],
        scenario=lambda v: {"doses": immune_attack(v["death_rate"], v["treatment"])},
        t_end=365,
        panels=[
            Panel(
                variables=["ANC"],
                reference_lines={
                    "severe (0.5)": SEVERE_ANC,
                    "very severe (0.2)": VERY_SEVERE_ANC,
                },
                domain=(0.01, 50.0),
            ),
            Panel(
                variables=["platelet_count", "reticulocytes"],
                reference_lines={
                    "platelets, severe (20)": SEVERE_PLATELETS,
                    "reticulocytes, severe (60)": SEVERE_RETICULOCYTES["automated"],
                },
                domain=(1.0, 3000.0),
            ),
        ],
        steady_state=False,
        n_time=366,
        summary=_severity_lines,
        dose_markers=False,
        title="An immune attack on the stem cells",
        note=(
            "Illustration: the attack is drawn as a higher death rate of dividing stem cells, "
            "a modelling choice of this book, not a published model of aplastic anaemia."
        ),
    )


def _cycle_lines(result: Result) -> dict[str, str]:
    t = np.asarray(result.t)
    late = t >= t[-1] - 150
    anc = np.asarray(result["ANC"])[late]
    peaks = np.flatnonzero((anc[1:-1] > anc[:-2]) & (anc[1:-1] >= anc[2:])) + 1
    swing = (anc.max() - anc.min()) / anc.mean()
    if peaks.size < 3 or swing < 0.01:
        period = "no lasting cycle"
    else:
        period = f"{np.mean(np.diff(t[late][peaks])):.1f} days"
    return {
        "period in the last 150 days": period,
        "neutrophil count in the last 150 days": f"{anc.min():.2f}–{anc.max():.2f} × 10⁹/L",
    }


def cyclical_neutropenia(model: Model | None = None) -> Explorable:
    """The neutrophil count over 400 days after a small disturbance, for stem-cell death
    rates around the onset of oscillation (about 0.129 per day with 8 stages per delay).

    Examples
    --------
    >>> view = cyclical_neutropenia()
    >>> view.summary_rows(view.run())["period in the last 150 days"]
    '20.8 days'
    """
    model = model or colijn_mackey2005()
    stages = sum(name.startswith("cycling_stem_cells_") for name in model.state_names)

    def kicked(values: dict[str, Any]) -> dict:
        params = {"stem_apoptosis": values["stem_apoptosis"]}
        state = normal_state(stages, params)
        state["stem_cells"] *= 0.98  # a small disturbance of the resting stem cells
        return {"params": params, "y0": state}

    return explore(
        model,
        [
            Slider(
                name="stem_apoptosis",
                values=[0.1, 0.12, 0.125, 0.13, 0.135, 0.14],
                value=0.135,
                format="{:g}",
            )
        ],
        scenario=kicked,
        t_end=400,
        variables=["ANC"],
        log_scale=False,
        y_domain=(0.0, 12.0),
        steady_state=False,
        n_time=801,
        summary=_cycle_lines,
        title="Neutrophils near the onset of oscillation",
    )


def onset_table(stages: tuple[int, ...] = (1, 2, 4, 8, 16)) -> pd.DataFrame:
    """Onset of oscillation for each number of stages per delay: the stem-cell death rate at
    which the normal state loses stability, and the period of the oscillation that begins.

    Examples
    --------
    >>> onset_table((1, 8))["period (days)"].round(1).tolist()
    [19.6, 19.0]
    """
    rows = []
    for n in stages:
        onset = stability_boundary(
            colijn_mackey2005(n), "stem_apoptosis", 0.07, 0.23, functools.partial(normal_state, n)
        )
        if onset is None or onset.period is None:
            raise ModelError(
                f"no oscillatory onset found with {n} stages per delay",
                field="stages",
                value=n,
            )
        rows.append({"stages": n, "onset (per day)": onset.value, "period (days)": onset.period})
    return pd.DataFrame(rows)


def onset_by_stages(stages: tuple[int, ...] = (1, 2, 4, 8, 16)) -> alt.VConcatChart:
    """Chart of :func:`onset_table`: onset and period against the number of stages.

    Examples
    --------
    >>> len(onset_by_stages((1, 2)).to_dict()["vconcat"])
    2
    """
    return points_chart(
        onset_table(stages),
        "stages",
        [
            ("onset (per day)", "Stem-cell death rate at onset (per day)"),
            ("period (days)", "Period at onset (days)"),
        ],
        x_title="Stages per delay",
        title="Onset of oscillation and its period, by stages per delay",
    )
