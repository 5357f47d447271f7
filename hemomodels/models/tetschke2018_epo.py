"""Tetschke et al. 2018 with an explicit plasma-EPO compartment, for EPO therapy scenarios.

**This is the chapter's extension of a published model, not a published model.** The
three compartments and all their parameters are those of :func:`tetschke2018`. What is new is
a fourth state, the plasma EPO level :math:`E` relative to that of a healthy person at a
normal Hb mass (:math:`E = 1`), which

* is secreted by the kidney at a rate that rises with the relative Hb deficit,
  :math:`k_E\\,\\kappa\\,(1 + s\\,(B - x_3)/B)`, where :math:`\\kappa` is the kidney's EPO
  production capacity (1 healthy, < 1 chronic kidney disease) and :math:`s` how steeply
  secretion rises with the deficit;
* is cleared with first-order rate :math:`k_E = \\ln 2 / t_{1/2}`, with :math:`t_{1/2}` the
  plasma half-life of intravenous epoetin alfa (4–13 h in patients with chronic renal
  failure, Epogen prescribing information as quoted in drug monographs);
* drives the progenitors through :math:`F = \\gamma (E - 1)/s`.

When EPO is cleared much faster than red cells change (hours against weeks) and
:math:`\\kappa = 1`, :math:`E` follows :math:`1 + s (B - x_3)/B` and :math:`F` becomes
Tetschke's :math:`\\gamma (B - x_3)/B`: the published model is the fast-EPO limit of this one.
:math:`\\kappa` and :math:`s` are illustrative coupling constants, not from the literature.
Doses of epoetin are added to ``epo`` in the same relative unit; converting them to IU/kg
would need a pharmacokinetic model (e.g. Yan et al. 2012) whose units were not confirmed.

References
----------
Tetschke M et al. (2018). *Processes* 6(9):157. (``tetschke2018``)
Amgen. EPOGEN (epoetin alfa) prescribing information. (``epogen_label``)
"""

from __future__ import annotations

import sympy

from ..model import Model
from ..spec import Observable, Parameter, State
from ._registry import register
from .tetschke2018 import tetschke2018

__all__ = ["tetschke2018_epo"]

_ILLUSTRATIVE = (
    "Illustrative, not from the literature: a coupling constant of the chapter's EPO extension."
)


@register
def tetschke2018_epo() -> Model:
    """Build the Tetschke 2018 model extended with a plasma-EPO compartment.

    Returns
    -------
    Model
        States ``progenitors``, ``precursors``, ``hb_mass`` (g) and ``epo`` (plasma EPO
        relative to normal, dimensionless); time in days. Observables as in
        :func:`tetschke2018` (with ``epo_feedback`` now computed from ``epo``). With a
        healthy kidney the steady state is that of :func:`tetschke2018` with ``epo`` = 1.

    Examples
    --------
    >>> from hemomodels.models import tetschke2018_epo
    >>> model = tetschke2018_epo()
    >>> [round(s.values["epo"], 6) for s in model.steady_states() if s.stability == "stable"]
    [1.0]
    """
    base = tetschke2018()
    progenitors, precursors, hb_mass = base.states
    epo = State(
        "epo",
        "Plasma EPO, relative to a healthy person at normal Hb mass (1 = normal)",
        "1",
        initial=1.0,
        latex="E",
        label="Plasma EPO (relative to normal)",
    )
    half_life = Parameter(
        "epo_half_life",
        8.0,
        "h",
        (0.01, 48.0),
        "Plasma half-life of EPO (intravenous epoetin alfa: 4-13 h in chronic renal failure)",
        "epogen_label",
        latex=r"t_{1/2}",
        # audit trail: the range was read in an epoetin-alfa drug monograph quoting the label
        note=(
            "Chosen inside the 4–13 h range of the Epogen label (intravenous epoetin alfa in "
            "chronic renal failure), as quoted in drug monographs; not yet checked against the "
            "label."
        ),
        low_inclusive=False,
        label="EPO half-life",
        basis="illustrative",
    )
    kidney = Parameter(
        "kidney_epo_capacity",
        1.0,
        "1",
        (0.0, 1.0),
        "Kidney EPO production capacity (1 healthy; < 1 chronic kidney disease)",
        "tetschke2018",
        latex=r"\kappa",
        note="Scenario input, not from the literature (1 healthy, below 1 in chronic kidney "
        "disease); 1 with a fast EPO half-life reproduces Tetschke et al. 2018.",
        label="Kidney EPO capacity",
        basis="scenario",
    )
    steepness = Parameter(
        "epo_deficit_response",
        1.0,
        "1",
        (0.05, 100.0),
        "Relative rise of kidney EPO secretion per unit relative Hb deficit",
        "tetschke2018",
        latex="s",
        note=_ILLUSTRATIVE,
        low_inclusive=False,
        label="EPO response to the Hb deficit",
        basis="illustrative",
    )
    p = {prm.name: prm.symbol for prm in base.parameters}
    x1, x2, x3, e = progenitors.symbol, precursors.symbol, hb_mass.symbol, epo.symbol
    b, beta, g, c = (
        p["baseline_hb_mass"],
        p["maturation_amplification"],
        p["epo_feedback_gain"],
        p["production_capacity"],
    )
    k1, k2 = 1 / p["epo_phase_duration"], 1 / p["precursor_phase_duration"]
    alpha = 1 / p["rbc_lifespan"]
    supply = c * b / p["reference_rbc_lifespan"]
    clearance = sympy.log(2) * 24 / half_life.symbol  # 1/day from a half-life in hours
    s = steepness.symbol

    feedback = Observable(
        "epo_feedback",
        g * (e - 1) / s,
        "1/day",
        "EPO effect F on progenitor growth (positive when EPO is above normal)",
        latex="F",
        label="EPO feedback",
    )
    others = [o for o in base.observables if o.name != "epo_feedback"]
    f = feedback.symbol
    with sympy.evaluate(False):
        # Tetschke's progenitor equation (its own display form) without the ceiling
        shown = {
            progenitors: base.display_forms["progenitors"].args[0] + c * f * x1,
            epo: (24 * sympy.log(2) / half_life.symbol)
            * (kidney.symbol * sympy.Max(0, 1 + s * (b - x3) / b) - e),
        }
    unchanged = {name: base.display_forms[name] for name in ("precursors", "hb_mass")}
    return Model(
        "Tetschke et al. 2018 with a plasma-EPO compartment (chapter extension)",
        states=[progenitors, precursors, hb_mass, epo],
        parameters=[*base.parameters, half_life, kidney, steepness],
        rhs={
            progenitors: beta * (supply - k1 * x1) + c * f * x1,
            precursors: beta * (k1 * x1 - k2 * x2),
            hb_mass: beta * (k2 * x2 - alpha * x3),
            # secretion cannot be negative: it stops when Hb mass exceeds B (1 + 1/s)
            epo: clearance * (kidney.symbol * sympy.Max(0, 1 + s * (b - x3) / b) - e),
        },
        observables=[feedback, *others],
        display={**unchanged, **shown},
        time_unit="day",
        description=(
            "Tetschke 2018 erythropoiesis with plasma EPO as a state: kidney secretion, "
            "first-order clearance and epoetin doses."
        ),
        reference="tetschke2018",
        max_time=1e5,
    )
