"""Gene therapy: corrected and uncorrected red cells, the ex vivo pipeline, explorables.

Independent truths used here:

* the steady-state corrected share of the circulating red cells, derived by hand. At a steady
  state each red-cell equation balances production and removal,
  ``f * k2 * x2 = x3C / L`` and ``(1 - f) * eps * k2 * x2 = x3U / L_U``, so the precursor
  outflow ``k2 * x2`` (whatever the feedback makes it) cancels in the ratio:
  ``x3C / (x3C + x3U) = f L / (f L + (1 - f) eps L_U)`` — with eps = 1 the dossier's
  ``f T_d / (f T_d + (1 - f) T_s)`` (§6, our simplification, not Fitzhugh's equation);
* the published Tetschke 2018 steady state (Hb mass 885.42 g, dossier §3a) for f = 1;
* the invariance of the corrected/uncorrected stem-cell ratio without immune kill,
  d/dt ln(c1_D / c1_R) = eta - gamma (derived by hand in test_transplantation.py), which gives
  the long-term corrected stem fraction ``eta_t D / (D + (1 - kappa) S)`` of an autologous
  product of D cells/kg with transduction efficiency eta_t into a marrow of S stem cells/kg
  of which the fraction kappa was removed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import hemomodels as hm
from hemomodels.clinical.gene_therapy import FITZHUGH_THRESHOLD, TRANSFUSION_INDEPENDENCE_HB
from hemomodels.explorables import gene_therapy
from hemomodels.models.transplant_reconstitution import STEADY_STEM
from hemomodels.scenarios import gene_therapy as plans
from hemomodels.scenarios.gene_therapy import GeneTherapyPlan, check_fraction, engraftment_start
from hemomodels.scenarios.transplant import mixed_start

MODEL = hm.models.gene_therapy_erythropoiesis()


def hand_fraction(f: float, lifespan: float, uncorrected: float, effective: float = 1.0) -> float:
    """Corrected share of circulating red cells at steady state (derived by hand, above)."""
    return f * lifespan / (f * lifespan + (1 - f) * effective * uncorrected)


def model_fraction(f: float, **params: float) -> float:
    return plans.rbc_steady_state(f, MODEL, **params)["corrected_rbc_percent"] / 100


# ----------------------------------------------------------- steady state against closed form
@settings(max_examples=60, deadline=None)
@given(
    f=st.floats(0.01, 0.99),
    lifespan=st.floats(5.0, 200.0),
    uncorrected=st.floats(2.0, 200.0),
    effective=st.floats(0.05, 1.0),
)
def test_steady_fraction_equals_closed_form(f, lifespan, uncorrected, effective):
    got = model_fraction(
        f,
        rbc_lifespan=lifespan,
        uncorrected_rbc_lifespan=uncorrected,
        uncorrected_effective_output=effective,
    )
    assert got == pytest.approx(hand_fraction(f, lifespan, uncorrected, effective), rel=1e-9)


@pytest.mark.parametrize("f", [0.05, 0.2, 0.5, 0.9])
def test_equal_lifespans_give_stem_fraction(f):
    assert model_fraction(f, uncorrected_rbc_lifespan=120.0) == pytest.approx(f, rel=1e-9)


def test_sympy_closed_form_equals_hand_derivation():
    p = {prm.name: prm.symbol for prm in MODEL.parameters}
    f, eps = p["corrected_stem_fraction"], p["uncorrected_effective_output"]
    lifespan, uncorrected = p["rbc_lifespan"], p["uncorrected_rbc_lifespan"]
    hand = f * lifespan / (f * lifespan + (1 - f) * eps * uncorrected)
    derived = gene_therapy.corrected_share_expression(MODEL)
    assert sympy.simplify(derived - hand) == 0


def test_steady_state_is_symbolic_and_displayable():
    (steady,) = [
        s
        for s in MODEL.steady_states()
        if s.values["corrected_hb_mass"] + s.values["uncorrected_hb_mass"] > 0
    ]
    assert steady.method == "symbolic"
    assert "x_3^{C}" in MODEL.steady_state_latex(steady)


def test_all_corrected_is_tetschke_published_steady_state():
    steady = plans.rbc_steady_state(1.0, MODEL)
    assert steady["uncorrected_hb_mass"] == pytest.approx(0.0, abs=1e-9)
    assert steady["hb_mass"] == pytest.approx(885.42, rel=1e-9)  # Tetschke 2018 B


def test_healthy_uncorrected_cells_are_tetschke_too():
    steady = plans.rbc_steady_state(0.0, MODEL, uncorrected_rbc_lifespan=120.0)
    assert steady["hb_mass"] == pytest.approx(885.42, rel=1e-9)


def test_epo_feedback_raises_output_when_hb_is_low():
    """Short-lived sickle cells lower Hb; the feedback raises red-cell production above the
    healthy output B / L = 885.42 / 120 g/day (by hand)."""
    steady = plans.rbc_steady_state(0.2, MODEL)
    assert steady["hb_mass"] < 885.42
    params = {**MODEL.defaults}
    production = (
        params["maturation_amplification"]
        * steady["precursors"]
        / params["precursor_phase_duration"]
    )
    assert production > 1.5 * 885.42 / 120


# --------------------------------------------------------------------- Fitzhugh scenario
def test_fitzhugh_threshold_gives_majority_of_corrected_red_cells():
    """20 % corrected stem cells, normal 120 d vs sickle 14 d (Franco 1998: about 2 weeks):
    by hand 24 / (24 + 11.2) = 68.18 %; with the 10-20 d range 60.0-75.0 %."""
    assert model_fraction(0.2) == pytest.approx(24 / 35.2, abs=1e-6)
    assert model_fraction(0.2) == pytest.approx(0.6818, abs=1e-4)
    for days, expected in ((10.0, 0.75), (20.0, 0.60)):
        assert model_fraction(0.2, uncorrected_rbc_lifespan=days) == pytest.approx(
            expected, abs=1e-6
        )
    assert FITZHUGH_THRESHOLD == 20.0


def test_simulation_reaches_closed_form():
    start = plans.untreated_start(MODEL)
    result = MODEL.simulate(3000, y0=start, t_eval=[0.0, 3000.0])
    assert result["corrected_rbc_percent"][0] == pytest.approx(0.0, abs=1e-12)
    assert result["corrected_rbc_percent"][-1] == pytest.approx(
        100 * hand_fraction(0.2, 120, 14), abs=1e-3
    )


# ------------------------------------------------------------------------- pipeline
def test_no_transduction_no_correction():
    plan = GeneTherapyPlan(transduction_efficiency=0.0)
    assert plans.long_term_corrected_fraction(plan) == pytest.approx(0.0, abs=1e-12)
    result = plans.simulate_plan(plan)
    assert np.all(np.abs(result["donor_stem_cells"]) < 1e-9)
    assert plans.rbc_steady_state(0.0, MODEL)["corrected_hb_mass"] == 0.0


@pytest.mark.parametrize(
    ("efficiency", "conditioning", "dose"),
    [(0.5, 1.0, 11.5e6), (0.3, 0.5, 5e6), (0.8, 0.0, 2e7), (1.0, 0.9, 1e6)],
)
def test_long_term_fraction_by_hand(efficiency, conditioning, dose):
    plan = GeneTherapyPlan(
        cd34_dose=dose, transduction_efficiency=efficiency, conditioning_intensity=conditioning
    )
    by_hand = efficiency * dose / (dose + (1 - conditioning) * STEADY_STEM)
    assert plans.long_term_corrected_fraction(plan) == pytest.approx(by_hand, rel=1e-6)


def test_myeloablative_fraction_is_transduction_efficiency():
    plan = GeneTherapyPlan(transduction_efficiency=0.37, conditioning_intensity=1.0)
    assert plans.long_term_corrected_fraction(plan) == pytest.approx(0.37, rel=1e-6)


def test_engraftment_start_counts_cells():
    start = engraftment_start(
        GeneTherapyPlan(cd34_dose=1e7, transduction_efficiency=0.25, conditioning_intensity=0.6)
    )
    assert start["donor_stem_cells"] == pytest.approx(2.5e6)
    assert start["recipient_stem_cells"] == pytest.approx(7.5e6 + 0.4 * STEADY_STEM)
    assert start["donor_precursors"] == 0.0


# --------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("transduction_efficiency", 1.5),
        ("transduction_efficiency", -0.1),
        ("conditioning_intensity", 2.0),
        ("conditioning_intensity", float("nan")),
    ],
)
def test_fractions_outside_unit_interval_rejected(field, value):
    with pytest.raises(hm.ModelError) as error:
        GeneTherapyPlan(**{field: value})
    message = str(error.value)
    assert field in message and "[0, 1]" in message and "dimensionless" in message
    assert error.value.field == field


def test_negative_dose_and_copy_number_rejected():
    with pytest.raises(hm.ModelError, match="cd34_dose.*>= 0.*cells/kg"):
        GeneTherapyPlan(cd34_dose=-1.0)
    with pytest.raises(hm.ModelError, match="vector_copy_number"):
        GeneTherapyPlan(vector_copy_number=-0.5)


def test_bad_fractions_rejected_by_model_and_helpers():
    with pytest.raises(hm.ModelError, match="corrected_stem_fraction.*\\[0, 1\\]"):
        plans.rbc_steady_state(1.2, MODEL)
    with pytest.raises(hm.ModelError, match="corrected_stem_fraction"):
        MODEL.simulate(10, params={"corrected_stem_fraction": -0.2})
    with pytest.raises(hm.ModelError, match="uncorrected_effective_output"):
        MODEL.simulate(10, params={"uncorrected_effective_output": 1.1})
    with pytest.raises(hm.ModelError):
        check_fraction("f", True)
    with pytest.raises(hm.ModelError, match="GeneTherapyPlan"):
        engraftment_start({"transduction_efficiency": 0.5})


# -------------------------------------------------------------------------- explorables
def test_red_cell_explorable_equals_direct_simulation():
    view = gene_therapy.red_cell_chimerism(MODEL)
    values = {"corrected_stem_fraction": 0.3875, "uncorrected_rbc_lifespan": 12.5}
    result = view.run(**values)
    direct = MODEL.simulate(
        365,
        params=values,
        y0=plans.untreated_start(MODEL, uncorrected_rbc_lifespan=12.5),
        t_eval=view.t_eval,
    )
    np.testing.assert_allclose(
        result["corrected_rbc_percent"], direct["corrected_rbc_percent"], rtol=1e-12
    )
    lines = view.summary_rows(result)
    closed = 100 * hand_fraction(0.3875, 120, 12.5)
    assert lines["corrected red cells at steady state (closed form)"] == f"{closed:.1f} %"


def test_cure_threshold_explorable_equals_direct_simulation():
    chimerism = hm.models.transplant_chimerism()
    view = gene_therapy.cure_threshold(chimerism)
    result = view.run(transduction_efficiency=25, conditioning_intensity=48)
    plan = GeneTherapyPlan(transduction_efficiency=0.25, conditioning_intensity=0.48)
    direct = chimerism.simulate(
        730,
        y0=engraftment_start(plan),
        params={"rejection_rate": 0.0, "graft_versus_host_rate": 0.0},
        t_eval=view.t_eval,
    )
    np.testing.assert_allclose(result["donor_chimerism"], direct["donor_chimerism"], rtol=1e-12)
    by_hand = 100 * 0.25 * 11.5e6 / (11.5e6 + 0.52 * STEADY_STEM)
    lines = view.summary_rows(result)
    assert lines["corrected stem cells (long term)"] == f"{by_hand:.1f} %"
    assert lines["at or above the 20 % threshold (Fitzhugh 2017)"] == (
        "yes" if by_hand >= 20 else "no"
    )


def test_allogeneic_vs_autologous():
    chimerism = hm.models.transplant_chimerism()
    view = gene_therapy.allogeneic_vs_autologous(chimerism)
    start = mixed_start(chimerism, gene_therapy.MIXED_START_PERCENT)
    allo, auto = view.run(approach=0), view.run(approach=1)
    direct = chimerism.simulate(
        730,
        y0=start,
        params={"rejection_rate": gene_therapy.ALLOGENEIC_REJECTION_RATE},
        t_eval=view.t_eval,
    )
    np.testing.assert_allclose(allo["donor_stem_fraction"], direct["donor_stem_fraction"])
    # by hand: the donor/recipient stem ratio falls as exp(-gamma t)
    ratio = 30 / 70 * math.exp(-gene_therapy.ALLOGENEIC_REJECTION_RATE * 730)
    assert allo["donor_stem_fraction"][-1] == pytest.approx(100 * ratio / (1 + ratio), rel=1e-5)
    assert auto["donor_stem_fraction"][-1] == pytest.approx(30.0, rel=1e-6)
    table = gene_therapy.approach_table()
    assert table.shape == (5, 2)


def test_explorable_grids_are_small():
    for view in (
        gene_therapy.red_cell_chimerism(MODEL),
        gene_therapy.cure_threshold(),
        gene_therapy.allogeneic_vs_autologous(),
    ):
        assert len(view.grid().points) <= 125


def test_cited_thresholds():
    assert TRANSFUSION_INDEPENDENCE_HB == 9.0  # Locatelli 2022 primary end point
    assert "gene_therapy_erythropoiesis" in hm.models.available()
