"""Explorables and tables of the gene-therapy chapter: corrected red cells, the cure threshold,
and autologous gene therapy next to allogeneic mixed chimerism.

Examples
--------
>>> from hemomodels.explorables import gene_therapy
>>> round(gene_therapy.rbc_steady_state(0.2)["corrected_rbc_percent"], 1)
68.2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import sympy

from ..clinical.gene_therapy import (
    FITZHUGH_THRESHOLD,
)
from ..errors import ModelError
from ..model import Model
from ..models.gene_therapy_erythropoiesis import gene_therapy_erythropoiesis
from ..models.transplant_reconstitution import transplant_chimerism
from ..result import Result
from ..scenarios.gene_therapy import (
    GeneTherapyPlan,
    engraftment_start,
    rbc_steady_state,
    untreated_start,
)
from ..scenarios.transplant import mixed_start
from ..widgets import Choice, Explorable, Slider, explore
from ._shared import CHIMERISM_VIEW

__all__ = [
    "ALLOGENEIC_REJECTION_RATE",
    "MIXED_START_PERCENT",
    "allogeneic_vs_autologous",
    "approach_table",
    "corrected_share_expression",
    "cure_threshold",
    "red_cell_chimerism",
]

#: Illustrative rejection rate (1/day) of the allogeneic scenario: not from the literature.
ALLOGENEIC_REJECTION_RATE = 0.002
#: Starting donor (or corrected) share of every compartment in the side-by-side comparison (%);
#: illustrative.
MIXED_START_PERCENT = 30.0
_THRESHOLD_LINE = {"20 % threshold (Fitzhugh 2017)": FITZHUGH_THRESHOLD}


def _rbc_lines(result: Result) -> dict[str, str]:
    params = dict(result.params)
    steady = rbc_steady_state(params.pop("corrected_stem_fraction"), result.model, **params)
    return {
        f"corrected red cells on day {result.t[-1]:.0f}": (
            f"{result['corrected_rbc_percent'][-1]:.1f} %"
        ),
        "corrected red cells at steady state (closed form)": (
            f"{steady['corrected_rbc_percent']:.1f} %"
        ),
        "Hb before therapy / on day 365": (
            f"{result['hb_concentration'][0]:.1f} / {result['hb_concentration'][-1]:.1f} g/dL"
        ),
    }


def red_cell_chimerism(model: Model | None = None) -> Explorable:
    """Corrected share of the circulating red cells in the first year after gene therapy:
    corrected stem-cell fraction and sickle red-cell lifespan sliders; starts from the
    untreated steady state.

    Examples
    --------
    >>> view = red_cell_chimerism()
    >>> view.values
    {'corrected_stem_fraction': 0.2, 'uncorrected_rbc_lifespan': 14.0}
    """
    model = model or gene_therapy_erythropoiesis()
    return explore(
        model,
        [
            Slider(
                name="corrected_stem_fraction",
                values=[0.05, 0.1, 0.2, 0.3, 0.4, 0.5],
                format="{:.0%}",
            ),
            Slider(
                name="uncorrected_rbc_lifespan",
                values=[10, 12, 14, 16, 18, 20],
                value=14,
                format="{:g}",
            ),
        ],
        scenario=lambda v: {
            "y0": untreated_start(model, uncorrected_rbc_lifespan=v["uncorrected_rbc_lifespan"])
        },
        t_end=365,
        variables=["corrected_rbc_percent", "corrected_stem_percent"],
        log_scale=False,
        n_time=74,
        summary=_rbc_lines,
        reference_lines=_THRESHOLD_LINE,
        time_display=(1 / 30, "month"),
        y_domain=(0, 100),
        title="Corrected red cells after gene therapy (sickle cell disease)",
        note=(
            "Haemoglobin (below) with a marrow capped at six times normal output: untreated, "
            "with all red cells living 14 days, 10.4 g/dL — just above the 6–10 g/dL of "
            "sickle cell anaemia; at 12 days or less it falls inside that range."
        ),
    )


def _plan(values: Mapping[str, float]) -> GeneTherapyPlan:
    return GeneTherapyPlan(
        transduction_efficiency=values["transduction_efficiency"] / 100,
        conditioning_intensity=values["conditioning_intensity"] / 100,
    )


def _cure_lines(result: Result) -> dict[str, str]:
    # The solver may leave round-off below 0 when nothing was corrected.
    stem = min(max(float(result["donor_stem_fraction"][-1]), 0.0), 100.0)
    red = rbc_steady_state(stem / 100)
    crosses = stem >= FITZHUGH_THRESHOLD
    return {
        "corrected stem cells (long term)": f"{stem:.1f} %",
        "corrected red cells at steady state (sickle lifespan 14 days)": (
            f"{red['corrected_rbc_percent']:.1f} %"
        ),
        "at or above the 20 % threshold (Fitzhugh 2017)": "yes" if crosses else "no",
    }


def cure_threshold(model: Model | None = None) -> Explorable:
    """Corrected share of stem cells and blood neutrophils over two years after autologous
    gene therapy: transduction efficiency and conditioning intensity sliders (%).

    Examples
    --------
    >>> view = cure_threshold()
    >>> view.summary_rows(view.run())["corrected stem cells (long term)"]
    '48.3 %'
    """
    model = model or transplant_chimerism()
    return explore(
        model,
        [
            Slider(
                name="transduction_efficiency",
                low=0,
                high=100,
                step=10,
                value=50,
                label="Product stem cells carrying the corrected gene",
                unit="%",
                format="{:g}",
            ),
            Slider(
                name="conditioning_intensity",
                values=[0, 25, 50, 75, 96],
                value=96,
                label="Patient's own marrow cells removed by conditioning",
                unit="%",
                format="{:g}",
            ),
        ],
        scenario=lambda v: {
            "y0": engraftment_start(_plan(v)),
            "params": {"rejection_rate": 0.0, "graft_versus_host_rate": 0.0},
        },
        **CHIMERISM_VIEW,
        summary=_cure_lines,
        reference_lines=_THRESHOLD_LINE,
        title="Corrected share of stem cells and neutrophils after gene therapy",
    )


_APPROACHES: dict[int, dict[str, Any]] = {
    0: {
        "name": "allogeneic transplant (mixed chimerism)",
        "rejection_rate": ALLOGENEIC_REJECTION_RATE,
        "donor needed": "yes, ideally an HLA-matched sibling",
        "immune rejection of the graft": "possible",
        "graft-versus-host disease": "possible (donor T cells)",
        "conditioning": "needed; reduced intensity possible, with immunosuppression",
        "cells made": "donor's normal red cells",
    },
    1: {
        "name": "autologous gene therapy",
        "rejection_rate": 0.0,
        "donor needed": "no, the patient's own cells",
        "immune rejection of the graft": "not expected (own cells)",
        "graft-versus-host disease": "none",
        "conditioning": "myeloablative (busulfan in the trials; not verified here)",
        "cells made": "corrected red cells (added or fetal globin)",
    },
}


def approach_table() -> pd.DataFrame:
    """Allogeneic transplant and autologous gene therapy side by side (one column each).

    Examples
    --------
    >>> approach_table().columns.tolist()
    ['allogeneic transplant (mixed chimerism)', 'autologous gene therapy']
    >>> approach_table().loc["donor needed", "autologous gene therapy"]
    "no, the patient's own cells"
    """
    rows = {
        a["name"]: {k: v for k, v in a.items() if k not in ("name", "rejection_rate")}
        for a in _APPROACHES.values()
    }
    return pd.DataFrame(rows)


def _approach_lines(result: Result) -> dict[str, str]:
    approach = _APPROACHES[0 if result.params["rejection_rate"] > 0 else 1]
    return {
        "approach": approach["name"],
        "donor needed": approach["donor needed"],
        "stem-cell share after two years": f"{result['donor_stem_fraction'][-1]:.1f} %",
        "blood (neutrophil) share after two years": f"{result['donor_chimerism'][-1]:.1f} %",
    }


def allogeneic_vs_autologous(model: Model | None = None) -> Explorable:
    """Donor (or corrected) share over two years from the same 30 % start: an allogeneic
    mixed chimera with an illustrative rejection rate, or autologous gene therapy (a choice).

    Examples
    --------
    >>> view = allogeneic_vs_autologous()
    >>> view.summary_rows(view.run(approach=1))["approach"]
    'autologous gene therapy'
    """
    model = model or transplant_chimerism()
    return explore(
        model,
        [
            Choice(
                name="approach",
                label="Approach",
                options={
                    "Allogeneic transplant (mixed chimerism)": 0,
                    "Autologous gene therapy": 1,
                },
            )
        ],
        scenario=lambda v: {
            "y0": mixed_start(model, MIXED_START_PERCENT),
            "params": {
                "rejection_rate": _APPROACHES[v["approach"]]["rejection_rate"],
                "graft_versus_host_rate": 0.0,
            },
        },
        **CHIMERISM_VIEW,
        summary=_approach_lines,
        reference_lines=_THRESHOLD_LINE,
        title="Allogeneic mixed chimerism or autologous gene therapy",
    )


def corrected_share_expression(model: Model | None = None) -> sympy.Expr:
    """Closed form of the corrected share of circulating red cells at steady state.

    SymPy solves the model's own equations (:meth:`~hemomodels.Model.steady_states`, method
    ``"symbolic"``); this returns ``x3C / (x3C + x3U)`` at the steady state with red cells,
    simplified. Display it with ``model.latex_of(...)``.

    Examples
    --------
    >>> for symbol in sorted(map(str, corrected_share_expression().free_symbols)):
    ...     print(symbol)
    corrected_stem_fraction
    rbc_lifespan
    uncorrected_effective_output
    uncorrected_rbc_lifespan
    """
    model = model or gene_therapy_erythropoiesis()
    found = [
        s
        for s in model.steady_states()
        if s.expressions is not None
        and s.values["corrected_hb_mass"] + s.values["uncorrected_hb_mass"] > 0
    ]
    if len(found) != 1:
        raise ModelError(
            f"{model.name}: no unique closed-form steady state with red cells.",
            field="steady_states",
            value=len(found),
        )
    expressions = found[0].expressions
    assert expressions is not None  # filtered above
    corrected = expressions["corrected_hb_mass"]
    uncorrected = expressions["uncorrected_hb_mass"]
    return sympy.factor(sympy.simplify(corrected / (corrected + uncorrected)))
