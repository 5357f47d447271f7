"""Leukaemia models (Michor 2005 CML, Stiehl 2015 AML), the shared lineage builder and the
leukaemia read-outs, checked against hand-derived closed forms, published slopes and
hand-made series."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from conftest import chain_model

import hemomodels as hm
from hemomodels.clinical import (
    AML_BLAST_THRESHOLD,
    blast_threshold_day,
    log_slope,
    takeover_time,
    therapy_periods,
    therapy_slopes,
)
from hemomodels.models._hierarchy import self_renewal_lineage
from hemomodels.result import Result

THERAPY_ON = hm.ParameterChange(0.0, {"imatinib": 1.0})


@pytest.fixture(scope="module")
def cml():
    return hm.models.michor2005()


@pytest.fixture(scope="module")
def aml():
    return hm.models.stiehl2015()


@pytest.fixture(scope="module")
def treated(cml):
    """Continuous imatinib from day 0, daily output."""
    return cml.simulate(400, doses=[THERAPY_ON], t_eval=np.arange(0.0, 401.0))


# ------------------------------------------------------------------- CML: therapy slopes


def test_first_phase_slope_matches_differentiated_cell_death_rate_and_tang2011(cml, treated):
    """Window days 20-120: after the first few days (terminal cells, d3 = 1/day, have
    followed) and before the progenitor phase. Michor 2005: slope ~ -d2 = -0.05/day; tolerance
    10 %. Tang 2011 (clinical, imatinib): -0.052 +/- 0.018/day; must lie within one SD."""
    slope = log_slope(treated, "bcr_abl_ratio", 20, 120)
    d2 = cml.parameter("d2").value
    assert slope == pytest.approx(-d2, rel=0.10)
    assert abs(slope - (-0.052)) <= 0.018


def test_second_phase_slope_matches_progenitor_death_rate_and_tang2011(cml, treated):
    """Window days 200-300 (progenitor washout). Expected ~ -d1 = -0.008/day within 15 %;
    Tang 2011: -0.0057 +/- 0.0038/day, within one SD."""
    slope = log_slope(treated, "bcr_abl_ratio", 200, 300)
    d1 = cml.parameter("d1").value
    assert slope == pytest.approx(-d1, rel=0.15)
    assert abs(slope - (-0.0057)) <= 0.0038


def test_second_phase_follows_d1_and_first_phase_does_not(cml):
    """Raising the progenitor death rate d1 from 0.008 to 0.012/day steepens the second
    slope by 50-100 % of that change (not all of it: within days 200-300 the growing stem
    cells, +0.005/day, already pull the other way) and leaves the first slope within 10 %:
    each phase reports one cell type's turnover."""
    t = np.arange(0.0, 301.0)
    base = cml.simulate(300, doses=[THERAPY_ON], t_eval=t)
    faster = cml.simulate(300, doses=[THERAPY_ON], t_eval=t, params={"d1": 0.012})
    change = log_slope(base, "bcr_abl_ratio", 200, 300) - log_slope(
        faster, "bcr_abl_ratio", 200, 300
    )
    assert 0.5 * 0.004 <= change <= 0.004
    assert log_slope(faster, "bcr_abl_ratio", 20, 120) == pytest.approx(
        log_slope(base, "bcr_abl_ratio", 20, 120), rel=0.10
    )


def test_normal_hierarchy_without_leukaemia_is_at_hand_derived_steady_state(cml):
    """x0 = x0*, x_{i+1} = rate_i x_i / d_{i+1} (set each linear equation to zero)."""
    p = cml.defaults
    x0 = p["x0_star"]
    x1 = p["a_x"] * x0 / p["d1"]
    x2 = p["b_x"] * x1 / p["d2"]
    x3 = p["c_x"] * x2 / p["d3"]
    y0 = {"x0": x0, "x1": x1, "x2": x2, "x3": x3}
    y0.update({f"{k}{i}": 0.0 for k in "yz" for i in range(4)})
    result = cml.simulate(2000, y0=y0, t_eval=[0.0, 1000.0, 2000.0])
    for name, value in (("x0", x0), ("x1", x1), ("x2", x2), ("x3", x3)):
        np.testing.assert_allclose(result[name], value, rtol=1e-6)
    np.testing.assert_allclose(result["bcr_abl_ratio"], 0.0, atol=1e-15)


def test_normal_stem_cells_return_to_homeostasis_logistically(cml):
    """With λ(x0) = d0 + h (1 - x0/x0*), x0' = h x0 (1 - x0/x0*), whose solution is
    x0(t) = x0* / (1 + (x0*/x0(0) - 1) e^{-h t}) (derived by hand)."""
    p = cml.defaults
    t = np.linspace(0.0, 60.0, 13)
    start = 0.3 * p["x0_star"]
    result = cml.simulate(60, y0={"x0": start}, t_eval=t)
    exact = p["x0_star"] / (1 + (p["x0_star"] / start - 1) * np.exp(-p["h"] * t))
    np.testing.assert_allclose(result["x0"], exact, rtol=1e-6)


def test_stopping_therapy_brings_the_leukaemic_burden_back(cml):
    """Leukaemic stem cells are spared, so 200 days after stopping at day 365 the ratio is
    above its pre-treatment value (the stem cells kept growing at r_y - d0 > 0)."""
    t = np.arange(0.0, 566.0)
    off = hm.ParameterChange(365.0, {"imatinib": 0.0})
    result = cml.simulate(565, doses=[THERAPY_ON, off], t_eval=t, params={"u": 0.0})
    ratio = result["bcr_abl_ratio"]
    assert ratio[365] < ratio[0] / 1000
    assert ratio[565] > ratio[0]
    assert log_slope(result, "bcr_abl_ratio", 370, 420) > 0
    # stem cells grew throughout at the hand-derived rate r_y - d0
    p = cml.defaults
    expected = cml.states[4].initial * math.exp((p["r_y"] - p["d0"]) * 565)
    assert result["y0"][-1] == pytest.approx(expected, rel=1e-6)


def test_resistant_stem_cells_follow_the_hand_derived_solution(cml):
    """z0' = g_z z0 + r_y u y0(0) e^{g_y t}, z0(0) = 0, with g_z = r_z - d0 and
    g_y = r_y (1 - u) - d0, gives z0 = r_y u y0(0) (e^{g_z t} - e^{g_y t}) / (g_z - g_y)."""
    p = cml.defaults
    t = np.linspace(0.0, 1500.0, 16)
    result = cml.simulate(1500, doses=[THERAPY_ON], t_eval=t)
    g_z, g_y = p["r_z"] - p["d0"], p["r_y"] * (1 - p["u"]) - p["d0"]
    y00 = cml.states[4].initial
    exact = p["r_y"] * p["u"] * y00 * (np.exp(g_z * t) - np.exp(g_y * t)) / (g_z - g_y)
    # rtol 1e-5: the solver's relative error accumulates over 30-fold-growth periods
    np.testing.assert_allclose(result["z0"], exact, rtol=1e-5, atol=1e-12)


def test_resistance_takes_over_sooner_with_more_mutation_or_faster_growth(cml):
    t = np.arange(0.0, 3001.0)

    def takeover(**params):
        result = cml.simulate(3000, doses=[THERAPY_ON], t_eval=t, params=params)
        return takeover_time(result, "z3", "y3")

    base = takeover()
    assert base is not None and 100 < base < 3000
    assert takeover(u=4e-7) < base < takeover(u=4e-9)
    assert takeover(r_z=0.03) < base
    assert takeover(u=0.0) is None


def test_michor_rejects_invalid_therapy_switch(cml):
    with pytest.raises(hm.ModelError, match="imatinib"):
        cml.simulate(10, doses=[hm.ParameterChange(5.0, {"imatinib": 2.0})])


def test_michor_cohort_equals_single_runs(cml):
    table = {"d2": [0.04, 0.05, 0.06], "r_y": [0.006, 0.008, 0.01]}
    t = np.linspace(0.0, 400.0, 41)
    doses = [THERAPY_ON, hm.ParameterChange(300.0, {"imatinib": 0.0})]
    cohort = cml.simulate_many(table, 400, doses=doses, t_eval=t)
    for i in range(3):
        single = cml.simulate(
            400, params={k: v[i] for k, v in table.items()}, doses=doses, t_eval=t
        )
        np.testing.assert_allclose(
            cohort["bcr_abl_ratio"][i], single["bcr_abl_ratio"], rtol=1e-5, atol=1e-14
        )


# ------------------------------------------------------------------------- AML


def test_aml_without_leukaemia_keeps_the_normal_steady_state(aml):
    y0 = {"leukaemic_stem_cells": 0.0}
    result = aml.simulate(500, y0=y0, t_eval=[0.0, 250.0, 500.0])
    for name, value in (("stem_cells", 1e7), ("precursors", 2e9), ("neutrophils", 4e8)):
        np.testing.assert_allclose(result[name], value, rtol=1e-6)
    np.testing.assert_allclose(result["marrow_blasts"], 0.0, atol=1e-12)


def test_self_renewal_not_division_speed_drives_out_competition(aml):
    """Leukaemic stem cells as fit as normal ones (a1l = a1) never pass 20 % blasts even when
    dividing four times faster; a higher self-renewal fraction alone does, within 3000 days."""
    t = np.linspace(0.0, 3000.0, 601)
    a1 = aml.parameter("stem_self_renewal").value
    p1 = aml.parameter("stem_division_rate").value

    def day(a1l, p1l):
        result = aml.simulate(
            3000,
            params={"leukaemic_stem_self_renewal": a1l, "leukaemic_stem_division_rate": p1l},
            t_eval=t,
        )
        return blast_threshold_day(result)

    assert day(a1, 4 * p1) is None
    higher_self_renewal = day(a1 + 0.1, p1)
    assert higher_self_renewal is not None
    assert higher_self_renewal < 3000
    # and faster division speeds up a clone that already wins on self-renewal
    assert day(a1 + 0.1, 2 * p1) < higher_self_renewal


def test_leukaemia_ends_at_its_hand_derived_steady_state(aml):
    """When only the leukaemic lineage remains, l1' = 0 forces s = 1/(2 a1l), so
    l3* = (2 a1l - 1)/k_l (same argument as for the normal lineage)."""
    result = aml.simulate(20000, t_eval=[0.0, 20000.0])
    a1l = aml.parameter("leukaemic_stem_self_renewal").value
    k_l = aml.parameter("leukaemic_feedback_strength").value
    assert result["leukaemic_postmitotic"][-1] == pytest.approx((2 * a1l - 1) / k_l, rel=1e-3)
    assert result["feedback_signal"][-1] == pytest.approx(1 / (2 * a1l), rel=1e-3)
    assert result["stem_cells"][-1] < 1e-3 * 1e7


@pytest.mark.parametrize("value", [1.36, -0.1, float("nan")])
def test_invalid_leukaemic_self_renewal_is_rejected(aml, value):
    """The myelo reproduction's a1l = 1.6 x 0.85 = 1.36 is not a probability."""
    with pytest.raises(hm.ModelError, match="leukaemic_stem_self_renewal") as error:
        aml.simulate(10, params={"leukaemic_stem_self_renewal": value})
    assert "[0, 1]" in str(error.value)


def test_aml_cohort_equals_single_runs(aml):
    table = {"leukaemic_stem_self_renewal": [0.93, 0.96, 1.0]}
    t = np.linspace(0.0, 1600.0, 161)
    cohort = aml.simulate_many(table, 1600, t_eval=t)
    for i, a1l in enumerate(table["leukaemic_stem_self_renewal"]):
        single = aml.simulate(1600, params={"leukaemic_stem_self_renewal": a1l}, t_eval=t)
        np.testing.assert_allclose(
            cohort["marrow_blasts"][i], single["marrow_blasts"], rtol=1e-5, atol=1e-9
        )
        expected = blast_threshold_day(single)
        assert expected is not None
        assert blast_threshold_day(cohort, patient=i) == pytest.approx(expected, rel=1e-4)


def test_aml_blast_threshold_constant():
    assert AML_BLAST_THRESHOLD == 20.0


# --------------------------------------------------------------- shared lineage builder


def test_lineage_without_self_renewal_sends_every_daughter_downstream():
    """With s = 0 each division removes the parent and adds two cells downstream (derived
    by hand): c1' = -p1 c1, c2' = 2 p1 c1 - p2 c2, c3' = 2 p2 c2 - d c3."""
    cells = [hm.State(f"c{i}", f"compartment {i}", "cells", 0.0) for i in (1, 2, 3)]
    a1, a2, p1, p2, d = sympy.symbols("a1 a2 p1 p2 d", positive=True)
    c1, c2, c3 = (c.symbol for c in cells)
    rhs = self_renewal_lineage(cells, [a1, a2], [p1, p2], d, 0)
    assert sympy.simplify(rhs[cells[0]] + p1 * c1) == 0
    assert sympy.simplify(rhs[cells[1]] - (2 * p1 * c1 - p2 * c2)) == 0
    assert sympy.simplify(rhs[cells[2]] - (2 * p2 * c2 - d * c3)) == 0


def test_lineage_with_half_self_renewal_keeps_stem_cells_constant():
    """a1 s = 1/2 is an asymmetric division on average: stem cells do not change."""
    cells = [hm.State(f"c{i}", f"compartment {i}", "cells", 0.0) for i in (1, 2)]
    p, d = sympy.symbols("p d", positive=True)
    rhs = self_renewal_lineage(cells, [sympy.Rational(1, 2)], [p], d, 1)
    assert rhs[cells[0]] == 0
    assert sympy.simplify(rhs[cells[1]] - (p * cells[0].symbol - d * cells[1].symbol)) == 0


def test_lineage_builder_rejects_mismatched_lengths():
    cells = [hm.State(f"c{i}", f"compartment {i}", "cells", 0.0) for i in (1, 2, 3)]
    with pytest.raises(hm.ModelError, match="self-renewal"):
        self_renewal_lineage(cells, [0.5], [1.0, 1.0], 1.0, 1.0)


# ------------------------------------------------------------ helpers on hand-made series


def _series_result(t: np.ndarray, *series: np.ndarray) -> Result:
    """A Result of the conftest chain model holding arbitrary hand-made series."""
    model = chain_model(len(series))
    observables = np.zeros((len(model.observables), t.size))
    return Result.from_arrays(model, t, np.vstack(series), observables)


def test_log_slope_recovers_an_exact_exponential():
    t = np.linspace(0.0, 100.0, 51)
    result = _series_result(t, 3.0 * np.exp(-0.037 * t))
    assert log_slope(result, "A1", 10, 90) == pytest.approx(-0.037, rel=1e-10)


def test_log_slope_uses_only_the_window():
    """Two phases: slope -0.05 until day 50, then -0.008; each window sees its own."""
    t = np.linspace(0.0, 200.0, 201)
    values = np.where(t <= 50, np.exp(-0.05 * t), np.exp(-0.05 * 50 - 0.008 * (t - 50)))
    result = _series_result(t, values)
    assert log_slope(result, "A1", 0, 50) == pytest.approx(-0.05, rel=1e-10)
    assert log_slope(result, "A1", 50, 200) == pytest.approx(-0.008, rel=1e-10)


def test_log_slope_rejects_bad_windows_and_values():
    t = np.linspace(0.0, 10.0, 11)
    result = _series_result(t, np.exp(-t))
    with pytest.raises(hm.ModelError, match="fit window"):
        log_slope(result, "A1", 5, 5)
    with pytest.raises(hm.ModelError, match="fit window"):
        log_slope(result, "A1", 20, 30)
    with pytest.raises(hm.ModelError, match="positive"):
        log_slope(_series_result(t, t - 5), "A1", 0, 10)


def test_takeover_time_of_two_exponentials_is_exact():
    """e^{0.1 t} reaches 100 e^{0.02 t} at t = ln(100)/0.08, interpolated exactly in log."""
    t = np.linspace(0.0, 100.0, 11)
    result = _series_result(t, np.exp(0.1 * t), 100 * np.exp(0.02 * t))
    assert takeover_time(result, "A1", "A2") == pytest.approx(math.log(100) / 0.08, rel=1e-12)
    assert takeover_time(result, "A2", "A1") == 0.0
    assert takeover_time(result, "A2", "A1", after=30.0) == 30.0  # still ahead at day 30
    assert takeover_time(result, "A2", "A1", after=60.0) is None


def test_takeover_time_from_zero_interpolates_linearly():
    t = np.array([0.0, 1.0, 2.0])
    result = _series_result(t, np.array([0.0, 0.0, 8.0]), np.array([4.0, 4.0, 4.0]))
    assert takeover_time(result, "A1", "A2") == pytest.approx(1.5)


def test_therapy_periods_and_slopes_on_a_hand_made_course():
    """Switch on from day 10 to day 400 (output every day); ratio e^{-0.05 (t-10)} during
    therapy, then growing at +0.02/day: the phase windows see -0.05 and 'after stopping'
    sees +0.02."""
    t = np.arange(0.0, 501.0)
    switch = ((t >= 10) & (t < 400)).astype(float)
    ratio = np.where(
        t < 10,
        1.0,
        np.where(t < 400, np.exp(-0.05 * (t - 10)), np.exp(-0.05 * 390 + 0.02 * (t - 400))),
    )
    result = _series_result(t, switch, ratio)
    assert therapy_periods(result, "A1") == [(10.0, 400.0)]
    slopes = therapy_slopes(result, "A2", switch="A1")
    assert slopes["first phase"] == pytest.approx(-0.05, rel=1e-10)
    assert slopes["second phase"] == pytest.approx(-0.05, rel=1e-10)
    assert slopes["after stopping"] == pytest.approx(0.02, rel=1e-10)
    assert therapy_periods(_series_result(t, np.zeros_like(t), ratio), "A1") == []


def test_therapy_slopes_of_the_model_match_the_direct_fit(cml, treated):
    slopes = therapy_slopes(treated)
    assert slopes["first phase"] == pytest.approx(log_slope(treated, "bcr_abl_ratio", 20, 120))
    assert "after stopping" not in slopes


# --------------------------------------------------------------- the chapter's explorables
def test_imatinib_course_switches_on_and_off():
    from hemomodels.scenarios.leukaemia import imatinib_course

    on, off = imatinib_course(30, 400)
    assert (on.time, on.values, off.time, off.values) == (
        30.0,
        {"imatinib": 1.0},
        400.0,
        {"imatinib": 0.0},
    )
    assert len(imatinib_course(30, 5 * 365)) == 1  # a stop at the horizon means never
    assert [e.time for e in imatinib_course(300, 100)] == [300.0, 300.0]


def test_leukaemia_explorables_equal_direct_simulations(cml, aml):
    from hemomodels.explorables import leukaemia
    from hemomodels.scenarios.leukaemia import imatinib_course

    view = leukaemia.imatinib_on_off(cml)
    result = view.run(start_day=90, stop_day=720)
    direct = cml.simulate(
        5 * 365,
        params={"u": 0.0},
        t_eval=view.t_eval,
        doses=imatinib_course(90, 720),
    )
    np.testing.assert_allclose(result["bcr_abl_ratio"], direct["bcr_abl_ratio"], rtol=1e-10)
    assert set(view.summary_rows(result)) == {
        "slope of ln R, first phase",
        "slope of ln R, second phase",
        "slope of ln R, after stopping",
        "major molecular response",
    }
    # the response is read 3 logs below the untreated ratio, 1/3 (Michor's steady state)
    reached = np.flatnonzero(direct["bcr_abl_ratio"] <= (1 / 3) * 1e-3)
    month = view.summary_rows(result)["major molecular response"]
    assert reached.size and month.startswith("month ")
    assert abs(float(month.split()[1]) - direct.t[reached[0]] / (365.25 / 12)) < 0.5
    resistant = leukaemia.resistance(cml)
    run = resistant.run(u=4e-7, r_z=0.04)
    day = takeover_time(run, "z3", "y3")
    assert resistant.summary_rows(run)["resistant cells dominate"].startswith(f"day {day:.0f}")
    competition = leukaemia.aml_competition(aml)
    run = competition.run(leukaemic_stem_self_renewal=1.0, leukaemic_stem_division_rate=0.1)
    day = blast_threshold_day(run)
    assert competition.summary_rows(run)["blasts reach 20 %"] == f"day {day:.0f}"


def test_fitted_phase_lines_are_drawn_with_the_printed_slopes(cml):
    from hemomodels.clinical import therapy_slopes
    from hemomodels.explorables import leukaemia

    view = leukaemia.imatinib_on_off(cml)
    result = view.run(start_day=0, stop_day=5 * 365)
    rows = leukaemia.fitted_slope_lines(result)
    slopes = therapy_slopes(result)
    for label, slope in slopes.items():
        (t0, v0), (t1, v1) = [
            (r["time"], r["value"]) for r in rows if r["label"] == f"fit, {label}"
        ]
        assert math.log(v1 / v0) / (t1 - t0) == pytest.approx(slope, rel=1e-9)
    live = view.chart(start_day=0, stop_day=5 * 365).to_dict()
    assert len(live["datasets"]["overlay"]) == 2 * len(slopes)
    overlay = view.grid().points["0-4"].overlay  # start on day 0, never stop
    assert overlay and all(row["label"].startswith("fit, ") for row in overlay)
