"""Neutrophils and platelets after one cytotoxic drug: the Friberg model for two lineages.

Friberg et al. (2002) separated *system* parameters (baseline, transit time and the feedback
:math:`(\\mathrm{Circ_0}/\\mathrm{Circ})^{\\gamma}` acting on proliferating precursors that
mature through three transit compartments) from the drug, which enters only through its
potency; the same structure has since been applied to platelets. Platelet models of this type
add a separate loss of circulating platelets, because platelets live longer in the blood than
their precursors take to mature (Pérez-Ruixo et al. 2016 estimate such a platelet model).

This module puts a platelet chain of that type next to the chapter's docetaxel neutrophil
model (:func:`~hemomodels.models.friberg2002`), both driven by the same plasma concentration.
No published platelet parameter set for docetaxel was found, so the platelet chain is
assembled from platelet kinetics measured elsewhere:

========================  ===========================================================
baseline count            healthy volunteers, 237 × 10⁹/L (Harker et al. 2000)
mean transit time         megakaryocyte maturation, 7 days (Colijn & Mackey 2005)
platelet lifespan         ¹¹¹In-labelled autologous platelets, 205 h (Harker et al. 2000)
feedback exponent         0.621, platelet model for oxaliplatin (Pérez-Ruixo et al. 2016)
drug potency              docetaxel's neutrophil slope × a relative sensitivity
                          (illustrative, 1 by default)
========================  ===========================================================

The relative sensitivity is **not** a published value: how strongly docetaxel hits
megakaryocyte precursors compared with neutrophil precursors is an assumption, so the depth
of the platelet fall is illustrative. Its *timing* follows from the platelet kinetics alone.
Circulating platelets leave at the constant rate 1/lifespan (an exponential lifespan with the
measured mean; real platelet survival is closer to a fixed lifespan).

Time is in hours, counts in 10⁹ cells/L (marrow compartments in platelets-to-be per litre of
blood), the drug in µM.

References
----------
Friberg LE et al. (2002). *J Clin Oncol* 20(24):4713–4721. (``friberg2002``)

Harker LA et al. (2000). *Blood* 95(8):2514–2522. (``harker2000``)

Colijn C, Mackey MC (2005). *J Theor Biol* 237(2):133–146. (``colijn2005b``)

Pérez-Ruixo C et al. (2016). *AAPS J* 18(1). (``perezruixo2016``)
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from .. import rules
from ..diagram import DiagramLayout
from ..model import Model
from ..spec import Observable, Parameter, State
from ._registry import register
from .friberg2002 import friberg2002

__all__ = ["PLATELET_STATES", "friberg_platelets", "platelet_baseline"]

#: The platelet chain's compartments, from the marrow to the blood.
PLATELET_STATES = (
    "PlateletProl",
    "PlateletTransit1",
    "PlateletTransit2",
    "PlateletTransit3",
    "Platelets",
)

_PLATELET_PARAMETERS = (
    Parameter(
        "PLT0",
        237.0,
        "10^9 cells/L",
        (1.0, 1000.0),
        "Baseline platelet count before treatment",
        "harker2000",
        latex=r"\mathrm{PLT}_0",
        note="Mean of healthy volunteers (237 ± 41 × 10⁹/L, Harker et al. 2000, abstract).",
        basis="published",
        label="Baseline platelet count",
    ),
    Parameter(
        "MTT_platelets",
        168.0,
        "h",
        (24.0, 720.0),
        "Mean transit time from proliferating megakaryocyte precursors to the blood",
        "colijn2005b",
        latex=r"\mathrm{MTT}_P",
        note=(
            "The megakaryocyte maturation time of Colijn and Mackey 2005 (7 days, as coded in "
            "the myelo R package) used as the Friberg mean transit time; not a Friberg-model "
            "estimate for platelets."
        ),
        basis="published",
        low_inclusive=False,
        label="Platelet mean transit time",
    ),
    Parameter(
        "platelet_lifespan",
        205.0,
        "h",
        (24.0, 480.0),
        "Mean lifespan of a platelet in the blood",
        "harker2000",
        latex=r"T_P",
        note=(
            "Autologous ¹¹¹In-labelled platelets in healthy volunteers, 205 ± 18 h (Harker et "
            "al. 2000, abstract); used as the mean of an exponential lifespan."
        ),
        basis="published",
        low_inclusive=False,
        label="Platelet lifespan",
    ),
    Parameter(
        "gamma_platelets",
        0.621,
        "1",
        (0.0, 1.5),
        "Feedback exponent of the platelet lineage",
        "perezruixo2016",
        latex=r"\gamma_P",
        note=(
            "Estimated for platelets after oxaliplatin and surgery (Pérez-Ruixo et al. 2016, "
            "abstract); reused here for another drug."
        ),
        basis="published",
        label="Platelet feedback exponent",
    ),
    Parameter(
        "platelet_sensitivity",
        1.0,
        "1",
        (0.0, 5.0),
        "Drug potency on platelet precursors relative to neutrophil precursors",
        "friberg2002",
        latex=r"\rho_P",
        note=(
            "Illustrative, not from the literature: no published docetaxel platelet model was "
            "found, so megakaryocyte precursors are assumed as sensitive as neutrophil "
            "precursors (1)."
        ),
        basis="illustrative",
        label="Relative drug sensitivity of platelet precursors",
    ),
)


def platelet_baseline(params: Mapping[str, float] | None = None) -> dict[str, float]:
    """The platelet chain at its pre-treatment steady state.

    Circulating platelets sit at ``PLT0``; each marrow compartment holds what keeps them
    there, :math:`\\mathrm{PLT}_0\\,\\mathrm{MTT}_P / (4 T_P)` (inflow to the blood
    :math:`k_{tr,P}\\,\\mathrm{Transit}_3` equals the loss :math:`\\mathrm{PLT}_0/T_P`).

    Parameters
    ----------
    params : mapping, optional
        Values of ``PLT0``, ``MTT_platelets`` and ``platelet_lifespan`` (defaults otherwise).

    Returns
    -------
    dict
        Initial value of each of :data:`PLATELET_STATES` (10⁹ cells/L).

    Examples
    --------
    >>> state = platelet_baseline()
    >>> round(state["PlateletProl"], 2), state["Platelets"]
    (48.56, 237.0)
    """
    values = {p.name: p.value for p in _PLATELET_PARAMETERS}
    for name, value in rules.mapping(params or {}, "params").items():
        if name in values:
            values[name] = rules.number(value, name, low=0.0, low_open=True)
    marrow = values["PLT0"] * values["MTT_platelets"] / (4 * values["platelet_lifespan"])
    return {**{name: marrow for name in PLATELET_STATES[:-1]}, "Platelets": values["PLT0"]}


@register
def friberg_platelets(drug: str = "docetaxel_kloft2006") -> Model:
    """Build the two-lineage Friberg model: neutrophils and platelets after one drug.

    Parameters
    ----------
    drug : {"docetaxel_kloft2006", "docetaxel"}
        Which docetaxel estimates of :func:`~hemomodels.models.friberg2002` drive the
        neutrophil chain (and, times the relative sensitivity, the platelet chain).

    Returns
    -------
    Model
        The states of :func:`~hemomodels.models.friberg2002` (neutrophil chain and ``Conc``)
        plus :data:`~hemomodels.models.friberg_platelets.PLATELET_STATES`; observables
        ``ANC`` and ``PLT`` (10⁹ cells/L). Time in hours. The platelet chain starts at
        :func:`~hemomodels.models.friberg_platelets.platelet_baseline`.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.models.friberg2002 import regimen
    >>> model = hm.models.friberg_platelets()
    >>> result = model.simulate(42 * 24, doses=regimen(100, cycles=1), t_eval=range(0, 1009, 6))
    >>> day = {v: float(result.t[result[v].argmin()]) / 24 for v in ("ANC", "PLT")}
    >>> day["PLT"] > day["ANC"]  # the platelet nadir comes later
    True
    """
    drug = rules.choice(
        drug, "drug", ("docetaxel_kloft2006", "docetaxel"), model="Friberg platelets"
    )
    base = friberg2002(drug)
    start = platelet_baseline()
    words = {
        "PlateletProl": (
            "Proliferating megakaryocyte precursors",
            "Proliferating megakaryocyte precursors",
            r"\mathrm{Prol}_P",
        ),
        "Platelets": ("Platelets in the blood", "Blood platelets", r"\mathrm{PLT}"),
    }
    for i in (1, 2, 3):
        words[f"PlateletTransit{i}"] = (
            f"Maturing megakaryocytes, transit stage {i}",
            f"Maturing megakaryocytes, stage {i}",
            rf"\mathrm{{Transit}}_{{P,{i}}}",
        )
    chain = [
        State(
            name,
            words[name][0],
            "10^9 cells/L",
            initial=start[name],
            latex=words[name][2],
            label=words[name][1],
        )
        for name in PLATELET_STATES
    ]
    p = {parameter.name: parameter.symbol for parameter in _PLATELET_PARAMETERS}
    conc = base.state_symbols[base.state_index["Conc"]]
    slope = base.parameter("slope").symbol
    transit = Observable(
        "ktr_platelets",
        4 / p["MTT_platelets"],
        "1/h",
        "Platelet-lineage transit rate constant 4/MTT",
        latex=r"k_{tr,P}",
        label="Platelet transit rate",
    )
    effect = Observable(
        "platelet_drug_effect",
        p["platelet_sensitivity"] * slope * conc,
        "1",
        "Fractional reduction of megakaryocyte-precursor proliferation by the drug",
        latex=r"E_P",
        label="Drug effect on platelet precursors",
    )
    feedback = Observable(
        "platelet_feedback",
        (p["PLT0"] / chain[-1].symbol) ** p["gamma_platelets"],
        "1",
        "Feedback factor on megakaryocyte-precursor proliferation",
        latex=r"F_P",
        label="Platelet feedback factor",
    )
    count = Observable(
        "PLT",
        chain[-1].symbol,
        "10^9 cells/L",
        "Platelet count (= Platelets)",
        latex=r"\mathrm{PLT}",
        label="Platelet count",
    )
    k = transit.symbol
    prol, *transits, platelets = (s.symbol for s in chain)
    with sympy.evaluate(False):
        platelet_rhs = {
            prol: sympy.Mul(k, prol, 1 - effect.symbol, feedback.symbol) - k * prol,
            transits[0]: k * prol - k * transits[0],
            transits[1]: k * transits[0] - k * transits[1],
            transits[2]: k * transits[1] - k * transits[2],
            platelets: k * transits[2] - platelets / p["platelet_lifespan"],
        }
    rhs = dict(zip(base.state_symbols, base.rhs_display, strict=True)) | platelet_rhs
    display = {**base.display_forms, **{s.name: platelet_rhs[s.symbol] for s in chain}}
    display[effect.name] = effect.expression
    neutrophil_chain = ("Prol", "Transit1", "Transit2", "Transit3", "Circ")
    return Model(
        f"Friberg model for neutrophils and platelets ({base.name.split('(')[1].rstrip(')')})",
        states=[*base.states, *chain],
        parameters=[*base.parameters, *_PLATELET_PARAMETERS],
        rhs=rhs,
        observables=[*base.observables, transit, effect, feedback, count],
        time_unit="h",
        description=(
            "Docetaxel in plasma slowing the proliferation of neutrophil and megakaryocyte "
            "precursors; each lineage a Friberg chain with its own feedback."
        ),
        reference="friberg2002",
        solve_symbolically=False,
        max_time=1e5,
        display=display,
        diagram_layout=DiagramLayout(
            groups=(
                ("Neutrophil lineage", neutrophil_chain),
                ("Platelet lineage", PLATELET_STATES),
            ),
            direction="LR",
        ),
    )
