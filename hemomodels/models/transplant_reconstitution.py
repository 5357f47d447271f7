"""Blood formation restarting after a stem-cell transplant (self-renewal feedback model).

The lineage is the three-compartment self-renewal model of Marciniak-Czochra et al. (2009), in
the form coded for Stiehl et al. (2015): stem cells and early progenitors in the marrow
(:math:`c_1`), committed precursors (:math:`c_2`) and neutrophils in the blood (:math:`c_3`),
with a feedback signal :math:`s = 1/(1 + k c_3)` that raises self-renewal while neutrophils
are scarce. A transplant is modelled as in reconstitution studies with this model: the
conditioning therapy leaves a (nearly) empty marrow and the infused CD34⁺ cells per kg are the
initial stem/early-progenitor compartment. The neutrophil count in the blood (ANC, 10⁹/L) is
:math:`c_3` divided by the blood volume per kg.

Two builders share the same lineage equations
(:func:`~hemomodels.models._hierarchy.self_renewal_lineage`):

* :func:`transplant_reconstitution`: one lineage, the graft's, refilling an empty marrow.
* :func:`transplant_chimerism`: the donor's and the recipient's lineages competing for one
  shared feedback signal (as in :func:`~hemomodels.models.stiehl2015`), with illustrative
  immune-kill rates: rejection (the recipient's immune system removing donor stem cells) and a
  graft-versus-host effect on the recipient's stem cells.

Provenance of the numbers. :math:`a_1`, :math:`p_1`, :math:`d_3` and the steady-state stem and
neutrophil numbers are those of the myelo (R) reproduction of Stiehl et al. (2015), checked
against that code. With the reproduction's precursor pool (2e9 cells/kg) neutrophils reach
0.5e9/L only after about 19 days even for 11.5e6 CD34⁺ cells/kg, against a published median
of 10 days for autologous blood stem cells (Ergene et al. 2007). This book therefore
*calibrates* one number: the steady-state precursor pool is set to 0.95e9 cells/kg, which
raises the derived precursor division rate :math:`p_2` 2.1-fold (the self-renewal fraction
:math:`a_2` and the feedback strength :math:`k` do not depend on it). Nothing else is fitted.

References
----------
Marciniak-Czochra A, Stiehl T, Ho AD, Jäger W, Wagner W (2009). *Stem Cells Dev*
18(3):377–385. (``marciniak2009``)

Stiehl T, Baran N, Ho AD, Marciniak-Czochra A (2015). *Cancer Res* 75(6). (``stiehl2015``)

Ergene U et al. (2007). Factors influencing engraftment in autologous peripheral hematopoetic
stem cell transplantation (PBSCT). *Transfus Apher Sci* 36:23–29. (``ergene2007``)
"""

from __future__ import annotations

from typing import Any

import sympy

from ..diagram import DiagramLayout
from ..model import Model
from ..spec import Observable, Parameter, State
from ._hierarchy import self_renewal_lineage
from ._registry import register
from .marciniak_czochra_2009 import lineage_parameters

__all__ = [
    "STEADY_NEUTROPHILS",
    "STEADY_PRECURSORS",
    "STEADY_STEM",
    "transplant_chimerism",
    "transplant_reconstitution",
]

#: Steady state (cells/kg): stem/early progenitors and neutrophils as in the myelo
#: reproduction; the precursor pool is this book's calibration (the reproduction uses 2e9).
STEADY_STEM, STEADY_PRECURSORS, STEADY_NEUTROPHILS = 1e7, 0.95e9, 4e8
#: Blood volume per kg implied by the reproduction's 0.5e9/L <-> 4e7 cells/kg.
_BLOOD_VOLUME = 0.08
#: Default infused dose: the median CD34+ dose of Ergene et al. 2007 (cells/kg).
DEFAULT_DOSE = 11.5e6

_CALIBRATED_NOTE = (
    "Calibrated by this book, not measured: computed from the steady state (10⁷, 0.95 × 10⁹ "
    "and 4 × 10⁸ cells/kg), whose precursor pool of 0.95 × 10⁹ cells/kg (the myelo "
    "reproduction uses 2 × 10⁹) was chosen so that 11.5 × 10⁶ CD34⁺ cells/kg infused into an "
    "empty marrow give neutrophil engraftment (the first of 3 days with an ANC of at least "
    "0.5 × 10⁹/L) on day 10, the median of Ergene et al. 2007 after autologous blood stem cells."
)
_DERIVED_NOTE = (
    "Computed from the steady state (10⁷, 0.95 × 10⁹ and 4 × 10⁸ cells/kg); the same value as "
    "with the reproduction's precursor pool, on which it does not depend."
)
_ILLUSTRATIVE_KILL = (
    "Illustrative, not from the literature: a first-order immune kill rate chosen to show the "
    "mechanism; no published estimate is used."
)


def _lineage_parameters() -> list[Parameter]:
    """The lineage's parameters (shared with :func:`marciniak_czochra_2009`) at this book's
    calibrated steady state, plus the blood volume that turns neutrophils into the ANC."""
    derived_note = {"note": _DERIVED_NOTE, "basis": "computed"}
    parameters = lineage_parameters(
        (STEADY_STEM, STEADY_PRECURSORS, STEADY_NEUTROPHILS),
        overrides={
            "precursor_self_renewal": derived_note,
            "precursor_division_rate": {
                "note": _CALIBRATED_NOTE,
                "source": "ergene2007",
                "basis": "calibrated",
            },
            "feedback_strength": derived_note,
        },
    )
    blood_volume = Parameter(
        "blood_volume",
        _BLOOD_VOLUME,
        "L/kg",
        (0.03, 0.15),
        "Blood volume per kg body weight (converts neutrophils per kg to the ANC)",
        "stiehl2015",
        latex="V_b",
        # audit trail: a code comment of radivot/myelo demo/stiehl15fig3.R
        note=(
            "Implied by the myelo reproduction, which equates 0.5 × 10⁹ neutrophils/L with "
            "4 × 10⁷ cells/kg; for comparison, the anaemia chapter's reference man has 5.98 L "
            "of blood for 76.6 kg, 0.078 L/kg."
        ),
        low_inclusive=False,
        label="Blood volume",
        basis="computed",
    )
    return [*parameters, blood_volume]


def _lineage_states(prefix: str, label: str, tag: str, initial: tuple[float, float, float]):
    names = ("stem_cells", "precursors", "neutrophils")
    descriptions = (
        "stem cells and early progenitors (marrow)",
        "committed progenitors and precursors (marrow)",
        "neutrophils (blood)",
    )
    shorts = ("stem cells", "progenitors and precursors", "neutrophils")
    return [
        State(
            f"{prefix}{name}",
            f"{label}{description}",
            "cells/kg",
            initial=value,
            latex=f"c_{i + 1}{tag}",
            label=f"{label}{short}".capitalize(),
        )
        for i, (name, description, short, value) in enumerate(
            zip(names, descriptions, shorts, initial, strict=True)
        )
    ]


@register
def transplant_reconstitution() -> Model:
    """Build the one-lineage model of neutrophil recovery after a stem-cell transplant.

    Returns
    -------
    Model
        States ``stem_cells``, ``precursors``, ``neutrophils`` (cells/kg), time in days;
        observables ``feedback_signal`` and ``ANC`` (10⁹ cells/L). By default the marrow is
        empty and 11.5e6 CD34⁺ cells/kg (the median dose of Ergene et al. 2007) have been
        infused into the stem compartment; neutrophils then reach 0.5e9/L on day 9.5. The
        stable steady state is (1e7, 0.95e9, 4e8) cells/kg, an ANC of 5e9/L.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.transplant_reconstitution()
    >>> result = model.simulate(30, t_eval=range(31))
    >>> int(next(day for day, anc in zip(result.t, result["ANC"]) if anc >= 0.5))
    10
    """
    stem, precursors, neutrophils = _lineage_states("", "", "", (DEFAULT_DOSE, 0.0, 0.0))
    parameters = _lineage_parameters()
    p = {parameter.name: parameter for parameter in parameters}
    signal = Observable(
        "feedback_signal",
        1 / (1 + p["feedback_strength"].symbol * neutrophils.symbol),
        "1",
        "Feedback signal from mature cells (1 with no neutrophils)",
        latex="s",
        label="Feedback signal",
    )
    anc = Observable(
        "ANC",
        neutrophils.symbol / (p["blood_volume"].symbol * 10**9),
        "10^9 cells/L",
        "Absolute neutrophil count in the blood",
        latex=r"\mathrm{ANC}",
        label="Neutrophil count",
    )
    lineage: dict[str, Any] = {
        "states": [stem, precursors, neutrophils],
        "self_renewal": [p["stem_self_renewal"], p["precursor_self_renewal"]],
        "division_rates": [p["stem_division_rate"], p["precursor_division_rate"]],
        "clearance": p["neutrophil_clearance"],
        "signal": signal,
    }
    with sympy.evaluate(False):
        shown_signal = 1 / (1 + p["feedback_strength"].symbol * neutrophils.symbol)
    return Model(
        "Transplant reconstitution (Marciniak-Czochra/Stiehl self-renewal model)",
        states=[stem, precursors, neutrophils],
        parameters=parameters,
        rhs=self_renewal_lineage(**lineage),
        display={**self_renewal_lineage(**lineage, display=True), signal: shown_signal},
        observables=[signal, anc],
        time_unit="day",
        description=(
            "Infused stem and early progenitor cells refill an empty marrow under self-renewal "
            "feedback from blood neutrophils; the precursor division rate is calibrated to the "
            "median neutrophil engraftment after autologous blood stem-cell transplants."
        ),
        reference="marciniak2009",
        max_time=1e5,
    )


@register
def transplant_chimerism() -> Model:
    """Build the two-lineage model of donor and recipient blood formation after a transplant.

    Donor cells :math:`c_i^D` and the recipient's surviving cells :math:`c_i^R` follow the same
    lineage equations with the same parameters and answer to one shared signal
    :math:`s = 1/(1 + k (c_3^D + c_3^R))`. Two illustrative first-order kill rates act on the
    stem compartments: ``rejection_rate`` :math:`\\gamma` on donor stem cells (host versus
    graft) and ``graft_versus_host_rate`` :math:`\\eta` on recipient stem cells. Because both
    stem compartments see the same signal, :math:`\\frac{d}{dt}\\ln(c_1^D/c_1^R) = \\eta -
    \\gamma` exactly: without immune kill the ratio of donor to recipient stem cells never
    changes (stable mixed chimerism); otherwise it changes exponentially.

    Returns
    -------
    Model
        States ``donor_stem_cells``, ``donor_precursors``, ``donor_neutrophils``,
        ``recipient_stem_cells``, ``recipient_precursors``, ``recipient_neutrophils``
        (cells/kg), time in days; observables ``feedback_signal``, ``ANC`` (10⁹/L, both
        origins), ``donor_chimerism`` (% donor among blood neutrophils) and
        ``donor_stem_fraction`` (% donor among stem cells). By default both lineages hold half
        of the steady state and there is no immune kill.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.transplant_chimerism()
    >>> result = model.simulate(100, t_eval=[0.0, 100.0])
    >>> [round(float(x), 6) for x in result["donor_chimerism"]]
    [50.0, 50.0]
    """
    half = (STEADY_STEM / 2, STEADY_PRECURSORS / 2, STEADY_NEUTROPHILS / 2)
    donor = _lineage_states("donor_", "Donor ", "^{D}", half)
    recipient = _lineage_states("recipient_", "Recipient ", "^{R}", half)
    parameters = _lineage_parameters()
    p = {parameter.name: parameter for parameter in parameters}
    rejection = Parameter(
        "rejection_rate",
        0.0,
        "1/day",
        (0.0, 1.0),
        "Rate at which the recipient's immune system kills donor stem cells (rejection)",
        "kharfandabaja2021",
        latex=r"\gamma",
        note=_ILLUSTRATIVE_KILL,
        label="Rejection rate",
        basis="illustrative",
    )
    graft_versus_host = Parameter(
        "graft_versus_host_rate",
        0.0,
        "1/day",
        (0.0, 1.0),
        "Rate at which donor immune cells kill the recipient's stem cells",
        "kharfandabaja2021",
        latex=r"\eta",
        note=_ILLUSTRATIVE_KILL,
        label="Graft-versus-host kill rate",
        basis="illustrative",
    )
    c3_donor, c3_recipient = donor[2].symbol, recipient[2].symbol
    signal = Observable(
        "feedback_signal",
        1 / (1 + p["feedback_strength"].symbol * (c3_donor + c3_recipient)),
        "1",
        "Feedback signal shared by donor and recipient cells (1 with no neutrophils)",
        latex="s",
        label="Feedback signal",
    )
    anc = Observable(
        "ANC",
        (c3_donor + c3_recipient) / (p["blood_volume"].symbol * 10**9),
        "10^9 cells/L",
        "Absolute neutrophil count in the blood (donor and recipient)",
        latex=r"\mathrm{ANC}",
        label="Neutrophil count",
    )
    chimerism = Observable(
        "donor_chimerism",
        100 * c3_donor / (c3_donor + c3_recipient),
        "%",
        "Donor cells as a percentage of blood neutrophils (myeloid chimerism)",
        latex=r"\chi",
        label="Donor share of blood neutrophils",
    )
    stem_fraction = Observable(
        "donor_stem_fraction",
        100 * donor[0].symbol / (donor[0].symbol + recipient[0].symbol),
        "%",
        "Donor cells as a percentage of the stem and early progenitor cells",
        latex=r"\chi_1",
        label="Donor share of stem cells",
    )
    lineage: dict[str, Any] = {
        "self_renewal": [p["stem_self_renewal"], p["precursor_self_renewal"]],
        "division_rates": [p["stem_division_rate"], p["precursor_division_rate"]],
        "clearance": p["neutrophil_clearance"],
        "signal": signal,
    }
    kills = {donor[0]: rejection.symbol, recipient[0]: graft_versus_host.symbol}
    forms = []
    for display in (False, True):
        rhs = {
            **self_renewal_lineage(donor, **lineage, display=display),
            **self_renewal_lineage(recipient, **lineage, display=display),
        }
        with sympy.evaluate(not display):
            for stem, kill in kills.items():
                rhs[stem] = rhs[stem] - kill * stem.symbol
            shown_signal = 1 / (1 + p["feedback_strength"].symbol * (c3_donor + c3_recipient))
        forms.append(rhs)
    rhs, shown = forms
    return Model(
        "Transplant chimerism (donor and recipient lineages, shared feedback)",
        states=[*donor, *recipient],
        parameters=[*parameters, rejection, graft_versus_host],
        rhs=rhs,
        display={**shown, signal: shown_signal},
        observables=[signal, anc, chimerism, stem_fraction],
        time_unit="day",
        description=(
            "Donor and recipient lineages of the self-renewal feedback model share one "
            "signal; illustrative immune-kill rates remove donor (rejection) or recipient "
            "(graft-versus-host) stem cells."
        ),
        reference="stiehl2015",
        max_time=1e5,
        diagram_layout=DiagramLayout(
            groups=[
                ("Donor", tuple(s.name for s in donor)),
                ("Recipient", tuple(s.name for s in recipient)),
            ]
        ),
    )
