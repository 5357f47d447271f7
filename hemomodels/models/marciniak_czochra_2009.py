"""Stem-cell self-renewal under feedback from mature cells (Marciniak-Czochra et al. 2009).

Three compartments of one lineage (granulocytes/neutrophils): stem cells and early
progenitors in the marrow (:math:`c_1`), committed precursors (:math:`c_2`) and mature
neutrophils in the blood (:math:`c_3`). A dividing cell of compartment *i* (rate
:math:`p_i`) leaves two daughters; each daughter self-renews with probability
:math:`a_i s` and otherwise moves downstream. The signal :math:`s = 1/(1 + k c_3)` falls as
mature cells accumulate, so a deficit of mature cells raises self-renewal — the feedback the
2009 paper showed is needed for efficient repopulation.

The equations are those of the model as coded for Stiehl et al. (2015), which builds on the
2009 paper. The parameter values are the ones of a third-party reproduction of Stiehl et al.
(the R package *myelo* by T. Radivoyevitch): they were checked against that code, not
against the paper's tables, and two of them (``precursor_self_renewal``,
``precursor_division_rate``) and the feedback strength follow from its chosen steady state
(1e7, 2e9 and 4e8 cells/kg). Treat them as illustrative.

References
----------
Marciniak-Czochra A, Stiehl T, Ho AD, Jäger W, Wagner W (2009). Modeling of asymmetric cell
division in hematopoietic stem cells — regulation of self-renewal is essential for efficient
repopulation. *Stem Cells Dev* 18(3):377–385. (``marciniak2009``)

Stiehl T, Baran N, Ho AD, Marciniak-Czochra A (2015). Cell division patterns in acute myeloid
leukemia stem-like cells determine clinical course. *Cancer Res* 75(6). (``stiehl2015``)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sympy

from ..model import Model
from ..spec import Observable, Parameter, State
from ._hierarchy import self_renewal_lineage
from ._registry import register

__all__ = ["derived_parameters", "lineage_parameters", "marciniak_czochra_2009"]

# Audit trail: values read in radivot/myelo (R package by T. Radivoyevitch), the script that
# reproduces Stiehl et al. 2015 Fig. 3 (demo/stiehl15fig3.R).
_VALUES_NOTE = (
    "From the myelo R package's reproduction of Stiehl et al. 2015, which cites the paper; "
    "not yet checked against the paper."
)
_DERIVED_NOTE = (
    "Computed so that 10⁷, 2 × 10⁹ and 4 × 10⁸ cells/kg (the steady state chosen in the "
    "myelo reproduction) are the model's steady state; not a measured value."
)

# The reproduction's chosen steady state (cells/kg) and measured-style rates.
_STEADY_STEM, _STEADY_PRECURSORS, _STEADY_NEUTROPHILS = 1e7, 2e9, 4e8
_STEM_SELF_RENEWAL, _STEM_DIVISION_RATE, _NEUTROPHIL_CLEARANCE = 0.85, 0.1, 2.3


def derived_parameters(
    stem: float = _STEADY_STEM,
    precursors: float = _STEADY_PRECURSORS,
    neutrophils: float = _STEADY_NEUTROPHILS,
) -> dict[str, float]:
    """Precursor self-renewal, precursor division rate and feedback strength that make the
    given cell numbers (cells/kg) the positive steady state, with the reproduction's
    :math:`a_1`, :math:`p_1` and :math:`d_3`.

    At a positive steady state the stem-cell equation forces :math:`s^* = 1/(2 a_1)`, so
    :math:`k = (2 a_1 - 1)/c_3^*`. With :math:`a_1 s^* = 1/2` the other two equations give
    :math:`p_2 c_2^* (1 - a_2/a_1) = p_1 c_1^*` and :math:`p_2 c_2^* (2 - a_2/a_1) = d_3 c_3^*`,
    hence :math:`p_2 = (d_3 c_3^* - p_1 c_1^*)/c_2^*` and
    :math:`a_2 = a_1 (1 - p_1 c_1^* / (p_2 c_2^*))`.

    Examples
    --------
    >>> round(derived_parameters()["precursor_division_rate"], 4)
    0.4595
    """
    outflow = _NEUTROPHIL_CLEARANCE * neutrophils
    influx = _STEM_DIVISION_RATE * stem
    division_rate = (outflow - influx) / precursors
    return {
        "precursor_self_renewal": _STEM_SELF_RENEWAL * (1 - influx / (division_rate * precursors)),
        "precursor_division_rate": division_rate,
        "feedback_strength": (2 * _STEM_SELF_RENEWAL - 1) / neutrophils,
    }


def lineage_parameters(
    steady_state: tuple[float, float, float] = (
        _STEADY_STEM,
        _STEADY_PRECURSORS,
        _STEADY_NEUTROPHILS,
    ),
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Parameter]:
    """The six parameters of the lineage: :math:`a_1, p_1, a_2, p_2, d_3, k`.

    :math:`a_2`, :math:`p_2` and :math:`k` are derived (:func:`derived_parameters`) so that
    ``steady_state`` (cells/kg) is the positive steady state. ``overrides`` changes fields of
    named parameters (e.g. a calibrated value's ``note`` and ``source``), so that models built
    on this lineage reuse its declarations instead of copying them.

    Examples
    --------
    >>> [p.name for p in lineage_parameters()][:2]
    ['stem_self_renewal', 'stem_division_rate']
    """
    derived = derived_parameters(*steady_state)
    parameters = [
        Parameter(
            "stem_self_renewal",
            _STEM_SELF_RENEWAL,
            "1",
            (0.0, 1.0),
            "Maximal fraction of stem-cell daughters that self-renew (at s = 1)",
            "stiehl2015",
            latex="a_1",
            note=_VALUES_NOTE,
            label="Stem-cell self-renewal",
            basis="published",
        ),
        Parameter(
            "stem_division_rate",
            _STEM_DIVISION_RATE,
            "1/day",
            (0.0, 5.0),
            "Division rate of stem cells and early progenitors",
            "stiehl2015",
            latex="p_1",
            note=_VALUES_NOTE,
            low_inclusive=False,
            label="Stem-cell division rate",
            basis="published",
        ),
        Parameter(
            "precursor_self_renewal",
            derived["precursor_self_renewal"],
            "1",
            (0.0, 1.0),
            "Maximal fraction of precursor daughters that stay precursors (at s = 1)",
            "stiehl2015",
            latex="a_2",
            note=_DERIVED_NOTE,
            label="Precursor self-renewal",
            basis="computed",
        ),
        Parameter(
            "precursor_division_rate",
            derived["precursor_division_rate"],
            "1/day",
            (0.0, 10.0),
            "Division rate of committed precursors",
            "stiehl2015",
            latex="p_2",
            note=_DERIVED_NOTE,
            low_inclusive=False,
            label="Precursor division rate",
            basis="computed",
        ),
        Parameter(
            "neutrophil_clearance",
            _NEUTROPHIL_CLEARANCE,
            "1/day",
            (0.0, 20.0),
            "Clearance rate of blood neutrophils (half-life ln 2 / 2.3 ≈ 7 h)",
            "stiehl2015",
            latex="d_3",
            note=_VALUES_NOTE,
            low_inclusive=False,
            label="Neutrophil clearance rate",
            basis="published",
        ),
        Parameter(
            "feedback_strength",
            derived["feedback_strength"],
            "kg/cell",
            (0.0, 1e-6),
            "Strength of the feedback of mature cells on self-renewal",
            "stiehl2015",
            latex="k",
            note=_DERIVED_NOTE,
            low_inclusive=False,
            label="Feedback strength",
            basis="computed",
        ),
    ]
    changes = dict(overrides or {})
    return [replace(p, **changes[p.name]) if p.name in changes else p for p in parameters]


@register
def marciniak_czochra_2009() -> Model:
    """Build the three-compartment self-renewal feedback model of haematopoiesis.

    Returns
    -------
    Model
        States ``stem_cells``, ``precursors``, ``neutrophils`` (cells/kg body weight), time in
        days, observable ``feedback_signal``. At the default parameters the positive steady
        state is (1e7, 2e9, 4e8) cells/kg and it is stable.

    Examples
    --------
    >>> from hemomodels.models import marciniak_czochra_2009
    >>> model = marciniak_czochra_2009()
    >>> [round(s.values["neutrophils"] / 1e8, 3) for s in model.steady_states()
    ...  if s.stability == "stable"]
    [4.0]
    """
    stem = State(
        "stem_cells",
        "Haematopoietic stem cells and early progenitors (marrow)",
        "cells/kg",
        initial=_STEADY_STEM,
        latex="c_1",
        label="Stem cells",
    )
    precursors = State(
        "precursors",
        "Committed progenitors and precursors (marrow)",
        "cells/kg",
        initial=_STEADY_PRECURSORS,
        latex="c_2",
        label="Progenitors and precursors",
    )
    neutrophils = State(
        "neutrophils",
        "Mature neutrophils (blood)",
        "cells/kg",
        initial=_STEADY_NEUTROPHILS,
        latex="c_3",
        label="Neutrophils",
    )

    parameters = lineage_parameters()
    (
        stem_self_renewal,
        stem_division_rate,
        precursor_self_renewal,
        precursor_division_rate,
        neutrophil_clearance,
        feedback_strength,
    ) = parameters

    signal = Observable(
        "feedback_signal",
        1 / (1 + feedback_strength.symbol * neutrophils.symbol),
        "1",
        "Feedback signal from mature cells (1 with no neutrophils)",
        latex="s",
        label="Feedback signal",
    )

    lineage: dict[str, Any] = {
        "states": [stem, precursors, neutrophils],
        "self_renewal": [stem_self_renewal, precursor_self_renewal],
        "division_rates": [stem_division_rate, precursor_division_rate],
        "clearance": neutrophil_clearance,
        "signal": signal,
    }
    with sympy.evaluate(False):
        shown_signal = 1 / (1 + feedback_strength.symbol * neutrophils.symbol)
    return Model(
        "Marciniak-Czochra et al. 2009 (self-renewal feedback)",
        states=[stem, precursors, neutrophils],
        parameters=parameters,
        rhs=self_renewal_lineage(**lineage),
        observables=[signal],
        time_unit="day",
        description="Stem-cell self-renewal regulated by feedback from mature neutrophils.",
        reference="marciniak2009",
        max_time=1e5,
        display={**self_renewal_lineage(**lineage, display=True), signal: shown_signal},
    )
