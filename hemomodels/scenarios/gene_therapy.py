"""Gene-therapy scenarios: a course of autologous gene therapy as data, and the starts it gives.

The steps of autologous (the patient's own cells) gene therapy for sickle cell disease and
β-thalassaemia are: mobilisation and apheresis of CD34⁺ cells, gene addition with a
lentiviral vector (or gene editing) outside the body, conditioning chemotherapy that removes a
fraction of the patient's own stem cells, and reinfusion. :class:`GeneTherapyPlan` holds the
numbers of one such course; :func:`engraftment_start` turns it into the initial state of the
two-lineage chimerism model :func:`~hemomodels.models.transplant_chimerism`, in which the
**corrected** cells are the "donor" lineage and the patient's uncorrected cells — those
surviving the conditioning plus the untransduced cells of the product — are the "recipient"
lineage. The cells are the patient's own, so there is no immune kill in either direction.
:func:`untreated_start` and :func:`rbc_steady_state` give the red-cell model's states before
and long after therapy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import rules
from ..errors import ModelError
from ..model import Model
from ..models.gene_therapy_erythropoiesis import gene_therapy_erythropoiesis
from ..models.transplant_reconstitution import (
    STEADY_NEUTROPHILS,
    STEADY_PRECURSORS,
    STEADY_STEM,
    transplant_chimerism,
)
from ..result import Result

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GeneTherapyPlan",
    "check_fraction",
    "engraftment_start",
    "long_term_corrected_fraction",
    "rbc_steady_state",
    "simulate_plan",
    "untreated_start",
]


def check_fraction(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a fraction in [0, 1], else raise ModelError.

    Examples
    --------
    >>> check_fraction("transduction_efficiency", 0.4)
    0.4
    """
    return rules.fraction(value, name, unit="1")


@dataclass(frozen=True)
class GeneTherapyPlan:
    """One course of ex vivo gene therapy, as numbers.

    Attributes
    ----------
    cd34_dose : float
        CD34⁺ cells per kg in the infused product (>= 0). Default 11.5e6/kg, the median
        autologous blood stem-cell dose of ``ergene2007`` — **illustrative** here: that series
        was not gene therapy (the doses of the gene-therapy trials are not yet checked).
    transduction_efficiency : float
        Fraction of the product's stem cells carrying the corrected gene (gene addition) or
        the edit (gene editing), in [0, 1]. Default 0.5, illustrative.
    vector_copy_number : float
        Average vector copies per cell in the product (>= 0). **Data only, illustrative
        default 1.0**: it does not enter the models (more copies mean more globin per
        corrected cell, and more insertions). Published values are not yet checked.
    conditioning_intensity : float
        Fraction of the patient's stem and progenitor cells removed by the conditioning
        (myeloablative busulfan in the trials), in [0, 1]; 1 = myeloablative.
        Default 1.0.
    """

    cd34_dose: float = 11.5e6
    transduction_efficiency: float = 0.5
    vector_copy_number: float = 1.0
    conditioning_intensity: float = 1.0

    def table(self) -> pd.DataFrame:
        """The plan as a reader's table: each quantity in words with its value and unit.

        Examples
        --------
        >>> GeneTherapyPlan().table().loc["CD34⁺ dose", "value"]
        '1.15 × 10⁷ cells/kg'
        """
        import pandas as pd

        from ..text import human_number, quantity

        rows = {
            "CD34⁺ dose": quantity(self.cd34_dose, "cells/kg"),
            "Transduction efficiency": f"{human_number(100 * self.transduction_efficiency)} %",
            "Vector copy number": f"{human_number(self.vector_copy_number)} copies per cell",
            "Conditioning intensity": (
                f"{human_number(100 * self.conditioning_intensity)} % of stem cells removed"
            ),
        }
        return pd.DataFrame({"value": rows}).rename_axis("quantity")

    def __post_init__(self) -> None:
        cleaned = {
            "transduction_efficiency": check_fraction(
                "transduction_efficiency", self.transduction_efficiency
            ),
            "conditioning_intensity": check_fraction(
                "conditioning_intensity", self.conditioning_intensity
            ),
            "cd34_dose": rules.number(self.cd34_dose, "cd34_dose", low=0.0, unit="cells/kg"),
            "vector_copy_number": rules.number(
                self.vector_copy_number, "vector_copy_number", low=0.0, unit="copies/cell"
            ),
        }
        for name, value in cleaned.items():
            object.__setattr__(self, name, value)


def engraftment_start(
    plan: GeneTherapyPlan, steady_state: dict[str, float] | None = None
) -> dict[str, float]:
    """Initial state of :func:`~hemomodels.models.transplant_chimerism` after reinfusion.

    Corrected ("donor") stem cells: ``transduction_efficiency * cd34_dose``; uncorrected
    ("recipient") stem cells: the untransduced rest of the product plus the fraction
    ``1 - conditioning_intensity`` of the patient's own stem cells; the patient's precursors
    and neutrophils are reduced by the same fraction; the product is counted as stem and early
    progenitor cells only.

    Parameters
    ----------
    plan : GeneTherapyPlan
        The course of therapy.
    steady_state : dict, optional
        The patient's compartments before conditioning (cells/kg, keys ``stem_cells``,
        ``precursors``, ``neutrophils``); default the steady state of
        :func:`~hemomodels.models.transplant_reconstitution`.

    Returns
    -------
    dict
        Initial values by state name of the chimerism model (cells/kg).

    Examples
    --------
    >>> start = engraftment_start(GeneTherapyPlan(cd34_dose=1e7, transduction_efficiency=0.3))
    >>> start["donor_stem_cells"], start["recipient_stem_cells"]
    (3000000.0, 7000000.0)
    """

    if not isinstance(plan, GeneTherapyPlan):
        raise ModelError(
            f"engraftment_start needs a GeneTherapyPlan, got {type(plan).__name__}.",
            field="plan",
            value=plan,
        )
    steady = {
        "stem_cells": STEADY_STEM,
        "precursors": STEADY_PRECURSORS,
        "neutrophils": STEADY_NEUTROPHILS,
    }
    if steady_state is not None:
        given = rules.mapping(steady_state, "steady_state")
        if set(given) != set(steady):
            raise ModelError(
                f"steady_state has the keys {sorted(given)}; allowed: exactly "
                f"{', '.join(steady)} (cells/kg).",
                field="steady_state",
                value=steady_state,
            )
        steady = {
            name: rules.number(given[name], f"steady_state[{name!r}]", low=0.0, unit="cells/kg")
            for name in steady
        }
    surviving = 1 - plan.conditioning_intensity
    corrected = plan.transduction_efficiency * plan.cd34_dose
    start = {f"donor_{name}": 0.0 for name in steady}
    start |= {f"recipient_{name}": surviving * value for name, value in steady.items()}
    start["donor_stem_cells"] = corrected
    start["recipient_stem_cells"] += plan.cd34_dose - corrected
    return start


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


def simulate_plan(plan: GeneTherapyPlan, t_end: float = 730, model: Model | None = None) -> Result:
    """Simulate the chimerism model after reinfusion of ``plan``'s product (no immune kill).

    After myeloablative conditioning the blood holds no neutrophils at time 0, so the blood
    chimerism ``donor_chimerism`` is undefined (NaN) there.

    Examples
    --------
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
    >>> plan = GeneTherapyPlan(transduction_efficiency=0.5, conditioning_intensity=0.96)
    >>> round(long_term_corrected_fraction(plan), 3)
    0.483
    """
    return float(simulate_plan(plan, model=model)["donor_stem_fraction"][-1]) / 100
