"""Ex vivo gene therapy for haemoglobinopathies: the pipeline as data, cited cure thresholds.

The steps of autologous (the patient's own cells) gene therapy for sickle cell disease and
β-thalassaemia are: mobilisation and apheresis of CD34⁺ cells, gene addition with a
lentiviral vector (or gene editing) outside the body, conditioning chemotherapy that removes a
fraction of the patient's own stem cells, and reinfusion. :class:`GeneTherapyPlan` holds the
numbers of one such course; :func:`engraftment_start` turns it into the initial state of the
two-lineage chimerism model :func:`~hemomodels.models.transplant_chimerism`, in which the
**corrected** cells are the "donor" lineage and the patient's uncorrected cells — those
surviving the conditioning plus the untransduced cells of the product — are the "recipient"
lineage. The cells are the patient's own, so there is no immune kill in either direction.

Cited thresholds
----------------
* :data:`FITZHUGH_THRESHOLD`: at least 20 % donor myeloid chimerism reverses the sickle
  phenotype after allogeneic transplantation (``fitzhugh2017``, key points of the paper).
* :data:`TRANSFUSION_INDEPENDENCE_HB`: transfusion independence in β-thalassaemia, the
  primary end point of ``locatelli2022`` (first page of the paper) — a weighted mean Hb of at
  least 9 g/dL without red-cell transfusions for at least 12 months.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import rules
from ..errors import ModelError

__all__ = [
    "FITZHUGH_THRESHOLD",
    "TRANSFUSION_INDEPENDENCE_HB",
    "TRANSFUSION_INDEPENDENCE_MONTHS",
    "GeneTherapyPlan",
    "check_fraction",
    "engraftment_start",
]

#: Donor myeloid chimerism (%) needed to reverse the sickle phenotype (``fitzhugh2017``).
FITZHUGH_THRESHOLD = 20.0
#: Weighted mean Hb (g/dL) without transfusion defining transfusion independence
#: (``locatelli2022``).
TRANSFUSION_INDEPENDENCE_HB = 9.0
#: Months without transfusion at that Hb required for transfusion independence
#: (``locatelli2022``).
TRANSFUSION_INDEPENDENCE_MONTHS = 12


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
    from ..models.transplant_reconstitution import (
        STEADY_NEUTROPHILS,
        STEADY_PRECURSORS,
        STEADY_STEM,
    )

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
