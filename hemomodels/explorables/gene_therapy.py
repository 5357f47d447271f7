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

import numpy as np
import pandas as pd
import sympy

from ..clinical.gene_therapy import (
    FITZHUGH_THRESHOLD,
    GeneTherapyPlan,
    check_fraction,
    engraftment_start,
)
from ..errors import ModelError
from ..model import Model
from ..models.gene_therapy_erythropoiesis import gene_therapy_erythropoiesis
from ..models.transplant_reconstitution import transplant_chimerism
from ..result import Result
from ..widgets import Explorable, Input, explore
from .transplantation import CHIMERISM_VIEW, mixed_start

__all__ = [
    "ALLOGENEIC_REJECTION_RATE",
    "MIXED_START_PERCENT",
    "allogeneic_vs_autologous",
    "approach_table",
    "corrected_share_expression",
    "cure_threshold",
    "long_term_corrected_fraction",
    "rbc_steady_state",
    "red_cell_chimerism",
    "simulate_plan",
    "untreated_start",
]

#: Illustrative rejection rate (1/day) of the allogeneic scenario: not from the literature.
ALLOGENEIC_REJECTION_RATE = 0.002
#: Starting donor (or corrected) share of every compartment in the side-by-side comparison (%);
#: illustrative.
MIXED_START_PERCENT = 30.0
_THRESHOLD_LINE = {"20 % threshold (Fitzhugh 2017)": FITZHUGH_THRESHOLD}


def _positive_steady_state(model: Model, params: Mapping[str, float]) -> dict[str, Any]:
    """The steady state with circulating red cells (there is exactly one), by variable."""
    found = [
        s
        for s in model.steady_states(params)
        if s.values["corrected_hb_mass"] + s.values["uncorrected_hb_mass"] > 0
    ]
    if len(found) != 1:
        raise ModelError(
            f"{model.name}: expected one steady state with red cells, found {len(found)}.",
            field="params",
            value=dict(params),
        )
    values = found[0].values
    total = values["corrected_hb_mass"] + values["uncorrected_hb_mass"]
    volume = {**model.defaults, **params}["blood_volume"]
    return {
        **values,
        "hb_mass": total,
        "hb_concentration": total / (10 * volume),
        "corrected_rbc_percent": 100 * values["corrected_hb_mass"] / total,
        "stability": found[0].stability,
    }


def rbc_steady_state(
    corrected_stem_fraction: float,
    model: Model | None = None,
    **params: float,
) -> dict[str, Any]:
    """Steady state of :func:`~hemomodels.models.gene_therapy_erythropoiesis` for a corrected
    stem-cell fraction (in [0, 1]) and other parameters.

    Returns
    -------
    dict
        States, ``hb_mass`` (g), ``hb_concentration`` (g/dL), ``corrected_rbc_percent`` (%)
        and ``stability`` (``"stable"`` or ``"unstable"``). The values come from the model's
        closed-form (SymPy) steady state.

    Examples
    --------
    >>> steady = rbc_steady_state(0.2)
    >>> round(steady["corrected_rbc_percent"], 1), round(steady["hb_concentration"], 2)
    (68.2, 12.16)
    >>> steady["stability"]
    'stable'
    """
    model = model or gene_therapy_erythropoiesis()
    fraction = check_fraction("corrected_stem_fraction", corrected_stem_fraction)
    return _positive_steady_state(model, {**params, "corrected_stem_fraction": fraction})


def untreated_start(model: Model, **params: float) -> dict[str, float]:
    """Initial state: the untreated patient's steady state (no corrected cells).

    Examples
    --------
    >>> import hemomodels as hm
    >>> start = untreated_start(hm.models.gene_therapy_erythropoiesis())
    >>> start["corrected_hb_mass"], round(start["uncorrected_hb_mass"], 1)
    (0.0, 619.8)
    """
    steady = rbc_steady_state(0.0, model, **params)
    return {name: steady[name] for name in model.state_names}


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
        {
            "corrected_stem_fraction": (0.05, 0.5, "linear", 0.2),
            "uncorrected_rbc_lifespan": (10.0, 20.0, "linear", 14.0),
        },
        scenario=lambda v: {
            "y0": untreated_start(model, uncorrected_rbc_lifespan=v["uncorrected_rbc_lifespan"])
        },
        t_end=365,
        variables=["corrected_rbc_percent", "corrected_stem_percent"],
        log_scale=False,
        points=5,
        n_time=74,
        summary=_rbc_lines,
        reference_lines=_THRESHOLD_LINE,
        time_display=(1 / 30, "month of 30 days"),
        y_domain=(0, 100),
        title="Corrected red cells after gene therapy (sickle cell disease)",
        note=(
            "Haemoglobin (below) with a marrow capped at six times normal output: untreated, "
            "with all red cells living 14 days, 10.4 g/dL — just above the 6–10 g/dL of "
            "sickle cell anaemia; at 12 days or less it falls inside that range."
        ),
    )


def simulate_plan(plan: GeneTherapyPlan, t_end: float = 730, model: Model | None = None) -> Result:
    """Simulate the chimerism model after reinfusion of ``plan``'s product (no immune kill).

    After myeloablative conditioning the blood holds no neutrophils at time 0, so the blood
    chimerism ``donor_chimerism`` is undefined (NaN) there.

    Examples
    --------
    >>> from hemomodels.clinical.gene_therapy import GeneTherapyPlan
    >>> plan = GeneTherapyPlan(transduction_efficiency=0.5, conditioning_intensity=0.96)
    >>> result = simulate_plan(plan)
    >>> round(float(result["donor_stem_fraction"][-1]), 1)  # % after two years
    48.3
    """
    model = model or transplant_chimerism()
    with np.errstate(invalid="ignore"):
        return model.simulate(
            t_end,
            y0=engraftment_start(plan),
            params={"rejection_rate": 0.0, "graft_versus_host_rate": 0.0},
            t_eval=[0.0, t_end],
        )


def long_term_corrected_fraction(plan: GeneTherapyPlan, model: Model | None = None) -> float:
    """Corrected share of the stem cells two years after reinfusion (simulated; fraction).

    Examples
    --------
    >>> from hemomodels.clinical.gene_therapy import GeneTherapyPlan
    >>> plan = GeneTherapyPlan(transduction_efficiency=0.5, conditioning_intensity=0.96)
    >>> round(long_term_corrected_fraction(plan), 3)
    0.483
    """
    return float(simulate_plan(plan, model=model)["donor_stem_fraction"][-1]) / 100


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
        {
            "transduction_efficiency": Input(
                0, 100, 50, "%", "Product stem cells carrying the corrected gene"
            ),
            "conditioning_intensity": Input(
                0, 96, 96, "%", "Patient's own marrow cells removed by conditioning"
            ),
        },
        scenario=lambda v: {
            "y0": engraftment_start(_plan(v)),
            "params": {"rejection_rate": 0.0, "graft_versus_host_rate": 0.0},
        },
        **CHIMERISM_VIEW,
        points=5,
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
    """Donor (or corrected) share over two years from the same 30 % start: 0 an allogeneic
    mixed chimera with an illustrative rejection rate, 1 autologous gene therapy.

    Examples
    --------
    >>> view = allogeneic_vs_autologous()
    >>> view.summary_rows(view.run(approach=1))["approach"]
    'autologous gene therapy'
    """
    model = model or transplant_chimerism()
    return explore(
        model,
        {
            "approach": Input(
                0, 1, 0, "1", "0 allogeneic mixed chimerism, 1 autologous gene therapy"
            ),
        },
        scenario=lambda v: {
            "y0": mixed_start(model, MIXED_START_PERCENT),
            "params": {
                "rejection_rate": _APPROACHES[int(round(v["approach"]))]["rejection_rate"],
                "graft_versus_host_rate": 0.0,
            },
        },
        **CHIMERISM_VIEW,
        points=2,
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
