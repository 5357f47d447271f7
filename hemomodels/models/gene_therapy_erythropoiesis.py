"""Corrected and uncorrected red cells after gene therapy, on Tetschke's erythropoiesis model.

**This is the book's extension of a published model, not a published model.** The marrow part
— EPO-responsive progenitors :math:`x_1`, precursors :math:`x_2` and the EPO-type feedback
:math:`F` on the relative haemoglobin (Hb) deficit — is :func:`~hemomodels.models.tetschke2018`
with all its parameters; its equations are taken from that model object, not retyped. What is
new is that the precursors' outflow feeds **two** circulating red-cell compartments:

* corrected red cells :math:`x_3^C`, made by the fraction :math:`f` of stem cells that carry
  the corrected gene, living Tetschke's normal lifespan :math:`L` (120 days);
* uncorrected red cells :math:`x_3^U`, made by the rest, living the disease lifespan
  :math:`L_U` (about 2 weeks for sickle cells without fetal Hb, ``franco1998``), of which only
  the fraction :math:`\\varepsilon` reaches the blood (:math:`\\varepsilon = 1` for sickle cell
  disease; :math:`\\varepsilon < 1` stands for the ineffective erythropoiesis of
  β-thalassaemia, an illustrative value).

Each red-cell equation is Tetschke's red-cell equation with the precursor outflow scaled by the
compartment's share and its own lifespan; the feedback sees the total Hb mass
:math:`x_3^C + x_3^U`. At a steady state the precursor outflow cancels in the ratio, so the
corrected share of the circulating red cells is
:math:`f L / (f L + (1-f)\\,\\varepsilon L_U)` whatever the feedback does — the two-population
formula used here to read the threshold of Fitzhugh et al. 2017 (our simplification, not
that paper's equation).

References
----------
Tetschke M et al. (2018). *Processes* 6(9):157. (``tetschke2018``)
Franco RS et al. (1998). *J Clin Invest* 101(12):2730–2740. (``franco1998``)
Fitzhugh CD et al. (2017). *Blood* 130(17):1946–1948. (``fitzhugh2017``)
"""

from __future__ import annotations

import sympy

from ..model import Model
from ..spec import Observable, Parameter, State
from ._registry import register
from .tetschke2018 import tetschke2018

__all__ = ["gene_therapy_erythropoiesis"]


@register
def gene_therapy_erythropoiesis() -> Model:
    """Build Tetschke's erythropoiesis model with corrected and uncorrected red cells.

    Returns
    -------
    Model
        States ``progenitors``, ``precursors`` (g Hb equivalents, shared by both origins),
        ``corrected_hb_mass`` and ``uncorrected_hb_mass`` (g), time in days. Observables:
        ``epo_feedback`` (1/day), ``hb_mass`` (total, g), ``hb_concentration`` (g/dL),
        ``rbc_production`` (g/day), ``corrected_rbc_percent`` (% of circulating Hb mass in
        corrected red cells) and ``corrected_stem_percent`` (:math:`100 f`). Parameters are
        those of :func:`tetschke2018` plus ``corrected_stem_fraction`` :math:`f`,
        ``uncorrected_rbc_lifespan`` :math:`L_U` and ``uncorrected_effective_output``
        :math:`\\varepsilon`. Defaults: 20 % corrected stem cells, sickle lifespan 14 days.

    Examples
    --------
    >>> from hemomodels.models import gene_therapy_erythropoiesis
    >>> model = gene_therapy_erythropoiesis()
    >>> (steady,) = [s for s in model.steady_states() if s.stability == "stable"]
    >>> v = steady.values
    >>> round(100 * v["corrected_hb_mass"] / (v["corrected_hb_mass"] + v["uncorrected_hb_mass"]), 1)
    68.2
    """
    base = tetschke2018()
    progenitors, precursors, hb_mass = base.states
    p = {prm.name: prm for prm in base.parameters}
    x2, x3 = precursors.symbol, hb_mass.symbol
    lifespan = p["rbc_lifespan"]

    corrected = State(
        "corrected_hb_mass",
        "Circulating red cells made by corrected stem cells, as Hb mass",
        "g",
        initial=0.0,
        latex="x_3^{C}",
        label="Corrected red cells (Hb mass)",
    )
    uncorrected = State(
        "uncorrected_hb_mass",
        "Circulating red cells made by uncorrected stem cells, as Hb mass",
        "g",
        initial=hb_mass.initial,
        latex="x_3^{U}",
        label="Uncorrected red cells (Hb mass)",
    )
    fraction = Parameter(
        "corrected_stem_fraction",
        0.2,
        "1",
        (0.0, 1.0),
        "Fraction of erythroid output coming from corrected stem cells (stem-cell chimerism)",
        "fitzhugh2017",
        latex="f",
        note=(
            "Scenario input; the default 0.2 is the 20 % donor myeloid chimerism threshold of "
            "Fitzhugh et al. 2017 (key points of the paper)."
        ),
        label="Corrected share of stem cells",
        basis="scenario",
    )
    sickle_lifespan = Parameter(
        "uncorrected_rbc_lifespan",
        14.0,
        "day",
        (2.0, 200.0),
        "Lifespan of red cells made by uncorrected stem cells (sickle cells: about 2 weeks)",
        "franco1998",
        latex="L_U",
        note=(
            "Franco et al. 1998 (abstract): sickle cells without fetal haemoglobin survive "
            "about 2 weeks (biotin label); cells rich in fetal haemoglobin live 6–8 weeks (not "
            "modelled separately)."
        ),
        label="Lifespan of uncorrected red cells",
        basis="published",
    )
    effective = Parameter(
        "uncorrected_effective_output",
        1.0,
        "1",
        (0.0, 1.0),
        "Fraction of uncorrected precursor output that reaches the blood (1 sickle cell "
        "disease; < 1 ineffective erythropoiesis of beta-thalassaemia)",
        "locatelli2022",
        latex=r"\varepsilon",
        note=(
            "Illustrative: the trial cited does not estimate it; 1 for sickle cell disease, "
            "below 1 for the ineffective erythropoiesis of β-thalassaemia."
        ),
        label="Effective output of uncorrected precursors",
        basis="illustrative",
    )

    f, eps = fraction.symbol, effective.symbol
    total = corrected.symbol + uncorrected.symbol
    on_total = {x3: total}
    old = {o.name: o for o in base.observables}
    feedback = Observable(
        "epo_feedback",
        old["epo_feedback"].expression.xreplace(on_total),
        old["epo_feedback"].unit,
        old["epo_feedback"].description + "; total Hb mass of both origins",
        latex="F",
        label="EPO feedback",
    )
    total_mass = Observable(
        "hb_mass",
        total,
        "g",
        "Total circulating Hb mass (both origins)",
        latex="x_3",
        label="Haemoglobin mass",
    )
    concentration = Observable(
        "hb_concentration",
        old["hb_concentration"].expression.xreplace(on_total),
        "g/dL",
        old["hb_concentration"].description,
        latex=r"\mathrm{Hb}",
        label="Haemoglobin",
    )
    corrected_percent = Observable(
        "corrected_rbc_percent",
        100 * corrected.symbol / total,
        "%",
        "Corrected red cells as a percentage of circulating Hb mass",
        latex=r"\rho",
        label="Corrected share of red cells",
    )
    stem_percent = Observable(
        "corrected_stem_percent",
        100 * f,
        "%",
        "Corrected stem cells as a percentage of all stem cells (input)",
        latex=r"\chi",
        label="Corrected share of stem cells",
    )
    # Tetschke's own right-hand sides (with F and the other symbols as displayed there).
    rhs = dict(zip(base.states, base.rhs_display, strict=True))
    red_cells = rhs[hb_mass]
    origins = {
        corrected: {x2: f * x2, x3: corrected.symbol},
        uncorrected: {
            x2: (1 - f) * eps * x2,
            x3: uncorrected.symbol,
            lifespan.symbol: sickle_lifespan.symbol,
        },
    }
    # the same substitutions, unevaluated, in Tetschke's display form keep the textbook order
    with sympy.evaluate(False):
        shares = {corrected: f * x2, uncorrected: (1 - f) * eps * x2}
        shown = {
            progenitors: base.display_forms["progenitors"],
            precursors: base.display_forms["precursors"],
            **{
                state: base.display_forms["hb_mass"].xreplace({**changes, x2: shares[state]})
                for state, changes in origins.items()
            },
        }
    return Model(
        "Gene therapy: corrected and uncorrected red cells (Tetschke 2018 extension)",
        states=[progenitors, precursors, corrected, uncorrected],
        parameters=[*base.parameters, fraction, sickle_lifespan, effective],
        rhs={
            progenitors: rhs[progenitors],
            precursors: rhs[precursors],
            **{state: red_cells.xreplace(changes) for state, changes in origins.items()},
        },
        display=shown,
        observables=[
            feedback,
            total_mass,
            concentration,
            *[o for o in base.observables if o.name == "rbc_production"],
            corrected_percent,
            stem_percent,
        ],
        time_unit="day",
        description=(
            "Tetschke 2018 erythropoiesis whose precursors feed two red-cell populations: "
            "corrected (normal lifespan) and uncorrected (disease lifespan), in proportion to "
            "the corrected stem-cell fraction; the EPO-type feedback sees their total."
        ),
        reference="tetschke2018",
        max_time=1e5,
    )
