"""Red-cell production under EPO-type feedback (Tetschke et al. 2018).

A minimal model of human erythropoiesis fitted to total-haemoglobin-mass data of 29 healthy
men after one blood donation. Three compartments, all measured in grams of haemoglobin
(Hb) equivalents: EPO-responsive progenitors (:math:`x_1`), precursors that no longer respond
to EPO (:math:`x_2`) and circulating red cells, measured as the total Hb mass
(:math:`x_3`). EPO is not a state: its effect is a linear feedback
:math:`F = \\gamma (B - x_3)/B` on the progenitors' net growth, proportional to the relative
Hb deficit.

The published equations (Tetschke 2018, Eq. 1–3, as transcribed in nlmixr2lib) are

.. math::

   x_1' = \\beta (X_0 - k_1 x_1) + F x_1, \\quad
   x_2' = \\beta (k_1 x_1 - k_2 x_2), \\quad
   x_3' = \\beta (k_2 x_2 - \\alpha x_3),

with :math:`X_0 = \\alpha B`. Three things are added for the book. The first two equal the
published model at their default values; the third is a labelled extension that changes the
model only for deficits far beyond the one blood donation it was fitted to:

* ``rbc_lifespan`` (:math:`L`, :math:`\\alpha = 1/L`) is separated from the *reference*
  lifespan ``reference_rbc_lifespan`` (:math:`L_0`) that sets the constant supply
  :math:`X_0 = c\\,B/L_0`. Shortening :math:`L` (haemolysis) therefore shortens red-cell
  survival without also raising the supply from upstream, which the identity
  :math:`X_0 = \\alpha B` would do.
* ``production_capacity`` (:math:`c`, default 1) multiplies everything the progenitor
  compartment produces — the constant supply and the EPO-driven expansion :math:`F x_1`. It
  is the chapter's device for marrow failure (aplastic anaemia, chemotherapy), not a fitted
  value.
* ``max_erythroid_expansion`` (:math:`E`, default 6) caps the EPO-driven expansion
  :math:`c F` at :math:`\\beta k_1 (1 - 1/E)`, so that the marrow's steady red-cell output can
  rise at most :math:`E`-fold. Without it the linear feedback lets progenitors grow without
  bound as the relative deficit approaches :math:`\\beta k_1/\\gamma` (about 28 %): the marrow
  would compensate any haemolysis, however short the red-cell lifespan. Measured maxima:
  2–3 times normal with oral or stored iron and 4–8 times with the iron of haemolysis
  (Hillman & Henderson 1969, ``hillman1969iron``), a plasma iron turnover of 3–6 times normal
  in marrow hyperfunction (Bothwell et al. 1957, ``bothwell1957``). At the one-donation loss
  Tetschke fitted, the cap is never reached.

The blood volume that turns the Hb mass into a concentration is not part of the published
model. It is set to :math:`B / [\\mathrm{Hb}]_0` with :math:`[\\mathrm{Hb}]_0 = 14.8` g/dL, the
mean of a cohort measured by the same CO-rebreathing method as Tetschke's Hb masses
(Falz et al. 2014, ``falz2014``), so that the healthy subject has a typical adult
concentration (dividing :math:`B` = 885 g by a Nadler blood volume of 5.25 L would give an
implausible 16.9 g/dL, because that formula comes from a different measurement method).

References
----------
Tetschke M, Lilienthal P, Pottgiesser T, Fischer T, Schalk E, Sager S (2018). Mathematical
modeling of RBC count dynamics after blood loss. *Processes* 6(9):157. (``tetschke2018``)
"""

from __future__ import annotations

import sympy

from ..model import Model
from ..spec import Observable, Parameter, State
from ._registry import register

__all__ = ["HEALTHY_HB_CONCENTRATION", "tetschke2018"]

# Audit trail: the values were read in nlmixr2lib (Tetschke_2018_erythropoiesis.R).
_CODE_NOTE = (
    "From the nlmixr2lib implementation, which cites {} of the paper; not yet checked against "
    "the paper."
)
_SCENARIO_NOTE = (
    "Scenario input, not from the literature: the chapter's device for marrow failure; 1 "
    "reproduces the published model."
)
#: Healthy Hb mass of Tetschke's example subject (g, Table 1 via nlmixr2lib).
_HEALTHY_HB_MASS = 885.42
#: Mean Hb concentration (g/dL) of a cohort measured by CO-rebreathing (Falz et al. 2014).
HEALTHY_HB_CONCENTRATION = 14.8
#: Blood volume (L) making the healthy subject's concentration that of the cohort: B / [Hb]0.
_BLOOD_VOLUME_L = _HEALTHY_HB_MASS / (10 * HEALTHY_HB_CONCENTRATION)


@register
def tetschke2018() -> Model:
    """Build the three-compartment erythropoiesis model with EPO-type feedback.

    Returns
    -------
    Model
        States ``progenitors``, ``precursors``, ``hb_mass`` (g of Hb), time in days.
        Observables: ``epo_feedback`` (the feedback :math:`F`, 1/day), ``hb_concentration``
        (g/dL, Hb mass over blood volume) and ``rbc_production`` (g Hb/day, the outflow of
        the precursor compartment, a stand-in for reticulocyte production). At the default
        parameters the healthy steady state is ``hb_mass`` = 885.42 g and it is stable.

    Examples
    --------
    >>> from hemomodels.models import tetschke2018
    >>> model = tetschke2018()
    >>> [round(s.values["hb_mass"], 2) for s in model.steady_states()
    ...  if s.stability == "stable"]
    [885.42]
    """
    progenitors = State(
        "progenitors",
        "EPO-responsive erythroid progenitors (marrow), in g Hb equivalents",
        "g",
        initial=_HEALTHY_HB_MASS / 120 * 8,
        latex="x_1",
        label="EPO-responsive progenitors",
    )
    precursors = State(
        "precursors",
        "Erythroid precursors no longer responding to EPO (marrow), in g Hb equivalents",
        "g",
        initial=_HEALTHY_HB_MASS / 120 * 6,
        latex="x_2",
        label="Erythroid precursors",
    )
    hb_mass = State(
        "hb_mass",
        "Circulating red cells, as total haemoglobin mass",
        "g",
        initial=_HEALTHY_HB_MASS,
        latex="x_3",
        label="Haemoglobin mass",
    )

    baseline = Parameter(
        "baseline_hb_mass",
        _HEALTHY_HB_MASS,
        "g",
        (100.0, 2000.0),
        "Healthy (set-point) total haemoglobin mass; the feedback vanishes here",
        "tetschke2018",
        latex="B",
        note=_CODE_NOTE.format("Table 1 (example subject; the population mean is about 870 g)"),
        low_inclusive=False,
        label="Healthy haemoglobin mass",
        basis="published",
    )
    epo_phase = Parameter(
        "epo_phase_duration",
        8.0,
        "day",
        (1.0, 30.0),
        "Duration of the EPO-dependent progenitor phase (k1 = 1/duration)",
        "tetschke2018",
        latex="T_1",
        note=_CODE_NOTE.format("Table 1"),
        label="Duration of the EPO-dependent phase",
        basis="published",
    )
    late_phase = Parameter(
        "precursor_phase_duration",
        6.0,
        "day",
        (1.0, 30.0),
        "Duration of the EPO-independent precursor phase (k2 = 1/duration)",
        "tetschke2018",
        latex="T_2",
        note=_CODE_NOTE.format("Table 1"),
        label="Duration of the precursor phase",
        basis="published",
    )
    lifespan = Parameter(
        "rbc_lifespan",
        120.0,
        "day",
        (5.0, 200.0),
        "Red-cell lifespan (removal rate alpha = 1/lifespan)",
        "tetschke2018",
        latex="L",
        note=_CODE_NOTE.format("Table 1 (removal rate α = 1/120 per day)"),
        label="Red-cell lifespan",
        basis="published",
    )
    reference_lifespan = Parameter(
        "reference_rbc_lifespan",
        120.0,
        "day",
        (5.0, 200.0),
        "Healthy lifespan that sets the constant progenitor supply X0 = c B / L0 "
        "(Tetschke's X0 = alpha B at the healthy steady state)",
        "tetschke2018",
        latex="L_0",
        note=_CODE_NOTE.format("Eq. 3 (supply X₀ = αB with α = 1/120 per day)"),
        label="Healthy red-cell lifespan",
        basis="published",
    )
    amplification = Parameter(
        "maturation_amplification",
        1.02,
        "1",
        (0.05, 10.0),
        "Cell maturation amplification factor (scales every maturation rate)",
        "tetschke2018",
        latex=r"\beta",
        note=_CODE_NOTE.format("Section 4.2 (population estimate; between-subject variance 0.294)"),
        label="Maturation amplification",
        basis="published",
    )
    gain = Parameter(
        "epo_feedback_gain",
        0.46,
        "1/day",
        (0.0, 10.0),
        "EPO feedback gain: progenitor net growth per unit relative Hb deficit",
        "tetschke2018",
        latex=r"\gamma",
        note=_CODE_NOTE.format("Section 4.2 (population estimate; between-subject variance 0.346)")
        + " The paper calls it dimensionless; it is per day here because F adds to a rate.",
        label="EPO feedback gain",
        basis="published",
    )
    capacity = Parameter(
        "production_capacity",
        1.0,
        "1",
        (0.0, 1.0),
        "Fraction of normal progenitor production capacity (1 healthy; < 1 marrow failure)",
        "tetschke2018",
        latex="c",
        note=_SCENARIO_NOTE,
        low_inclusive=False,
        label="Marrow production capacity",
        basis="scenario",
    )
    blood_volume = Parameter(
        "blood_volume",
        _BLOOD_VOLUME_L,
        "L",
        (1.0, 10.0),
        "Total blood volume, assumed constant (converts Hb mass to concentration)",
        "falz2014",
        latex="V",
        note=(
            "Computed: B/[Hb]₀ = 885.42 g / 14.8 g/dL, with [Hb]₀ the mean of a cohort measured "
            "by CO-rebreathing, the method of Tetschke's haemoglobin masses (Falz et al. 2014, "
            "abstract: 948 g, 6.39 L, 9.16 mmol/L = 14.8 g/dL)."
        ),
        low_inclusive=False,
        label="Blood volume",
        basis="computed",
    )
    expansion = Parameter(
        "max_erythroid_expansion",
        6.0,
        "1",
        (1.0, 1000.0),
        "Largest factor by which the marrow can raise red-cell production above normal",
        "hillman1969iron",
        latex="E",
        note=(
            "The book's extension, chosen inside two measured ranges: production 4–8 times "
            "normal with the iron of haemolysis and 2–3 times with oral or stored iron "
            "(Hillman and Henderson 1969, abstract); plasma iron turnover 3–6 times normal "
            "(Bothwell et al. 1957, abstract). A large value (e.g. 1000) gives the published, "
            "uncapped model."
        ),
        label="Maximal erythroid expansion",
        basis="illustrative",
    )

    x1, x2, x3 = progenitors.symbol, precursors.symbol, hb_mass.symbol
    b, beta, g = baseline.symbol, amplification.symbol, gain.symbol
    k1, k2 = 1 / epo_phase.symbol, 1 / late_phase.symbol
    alpha, c = 1 / lifespan.symbol, capacity.symbol
    supply = c * b / reference_lifespan.symbol
    ceiling = beta * k1 * (1 - 1 / expansion.symbol)

    feedback = Observable(
        "epo_feedback",
        g * (b - x3) / b,
        "1/day",
        "EPO-type feedback F on progenitor growth (positive when Hb mass is below baseline)",
        latex="F",
        label="EPO feedback",
    )
    concentration = Observable(
        "hb_concentration",
        x3 / (10 * blood_volume.symbol),
        "g/dL",
        "Haemoglobin concentration: Hb mass over blood volume (1 L = 10 dL)",
        latex=r"\mathrm{Hb}",
        label="Haemoglobin",
    )
    production = Observable(
        "rbc_production",
        beta * k2 * x2,
        "g/day",
        "New red cells entering the blood (precursor outflow), a proxy for reticulocyte production",
        latex="P",
        label="Red-cell production",
    )
    f = feedback.symbol
    with sympy.evaluate(False):
        shown = {
            progenitors: beta * (c * b / reference_lifespan.symbol - x1 / epo_phase.symbol)
            + sympy.Min(c * f, beta * (1 - 1 / expansion.symbol) / epo_phase.symbol) * x1,
            precursors: beta * (x1 / epo_phase.symbol - x2 / late_phase.symbol),
            hb_mass: beta * (x2 / late_phase.symbol - x3 / lifespan.symbol),
        }

    return Model(
        "Tetschke et al. 2018 (erythropoiesis with EPO feedback)",
        states=[progenitors, precursors, hb_mass],
        parameters=[
            baseline,
            epo_phase,
            late_phase,
            lifespan,
            reference_lifespan,
            amplification,
            gain,
            capacity,
            blood_volume,
            expansion,
        ],
        rhs={
            progenitors: beta * (supply - k1 * x1) + sympy.Min(c * f, ceiling) * x1,
            precursors: beta * (k1 * x1 - k2 * x2),
            hb_mass: beta * (k2 * x2 - alpha * x3),
        },
        observables=[feedback, concentration, production],
        display=shown,
        time_unit="day",
        description=(
            "Progenitors, precursors and circulating red cells (as Hb mass) with a feedback "
            "on the Hb deficit standing in for EPO."
        ),
        reference="tetschke2018",
        max_time=1e5,
    )
