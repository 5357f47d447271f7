"""Per-patient doses (PerPatient), relative parameter changes (scale), state-triggered events
in cohorts and the stop action of When.

Each cohort is checked against its patients simulated one by one with plain numbers, and the
relative changes and the stop against closed forms of exponential decay, dA/dt = -k A.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import hemomodels as hm
import hemomodels.integrate as integrate_module
import hemomodels.model as model_module
from hemomodels.models.friberg2002 import bolus_concentration
from hemomodels.sbml import consistency_errors, to_sbml

A0, K = 2.0, 0.5
TIGHT = {"rtol": 1e-11, "atol": 1e-13}


def decay() -> hm.Model:
    """dA/dt = -k A from A = 2: A(t) = 2 exp(-k t)."""
    amount = hm.State("A", "Drug amount", "mg", initial=A0)
    rate = hm.Parameter("k", K, "1/h", (0.0, 5.0), "Elimination rate", "friberg2002")
    return hm.Model(
        "Decay",
        states=[amount],
        parameters=[rate],
        flows=[hm.Flow(amount, None, rate.symbol * amount.symbol)],
        time_unit="h",
        reference="friberg2002",
    )


@pytest.fixture
def no_integration(monkeypatch):
    """Fail loudly if a case reaches the integrator: validation must come first."""

    def forbidden(*args, **kwargs):
        raise AssertionError("integration started before the input was validated")

    monkeypatch.setattr(model_module, "integrate", forbidden)


# --------------------------------------------------------------- per-patient amounts
def test_per_patient_doses_equal_single_runs_with_those_doses(monkeypatch):
    """Bolus, schedule, infusion and parameter change read per patient; blocks of two
    patients, so the columns are cut into blocks like the parameters."""
    monkeypatch.setattr(integrate_module, "COHORT_CHUNK", 2)
    table = pd.DataFrame(
        {
            "k": [0.3, 0.5, 1.0, 2.0, 0.1],
            "bolus": [1.0, 2.5, 0.0, 4.0, 0.5],
            "drip": [3.0, 0.0, 1.0, 2.0, 6.0],
            "k_late": [0.2, 1.5, 0.7, 0.05, 3.0],
        }
    )

    def doses(bolus, drip, k_late):
        return [
            hm.Dose(1.0, "A", bolus),
            hm.Schedule("A", bolus, start=2.0, every=1.5, count=3),
            hm.Infusion(0.5, 2.0, "A", drip),
            hm.ParameterChange(4.0, {"k": k_late}),
        ]

    t = np.linspace(0, 8, 81)
    per_patient = doses(hm.PerPatient("bolus"), hm.PerPatient("drip"), hm.PerPatient("k_late"))
    cohort = decay().simulate_many(table, 8.0, doses=per_patient, t_eval=t, **TIGHT)
    for patient, row in table.iterrows():
        alone = decay().simulate(
            8.0,
            params={"k": row["k"]},
            doses=doses(row["bolus"], row["drip"], row["k_late"]),
            t_eval=t,
            **TIGHT,
        )
        np.testing.assert_allclose(cohort["A"][patient], alone["A"], rtol=1e-8, atol=1e-12)
        mine = cohort.parameter_history().query("patient == @patient")
        assert mine["k"].tolist() == alone.parameter_history()["k"].tolist()


def test_a_per_patient_bolus_matches_the_closed_form():
    doses = {"dose_mg": [0.0, 1.0, 3.0]}
    t = np.linspace(0, 4, 9)
    cohort = decay().simulate_many(
        doses, 4.0, doses=hm.Dose(1.0, "A", hm.PerPatient("dose_mg")), t_eval=t, **TIGHT
    )
    for patient, dose in enumerate(doses["dose_mg"]):
        expected = A0 * np.exp(-K * t) + dose * np.exp(-K * (t - 1.0)) * (t >= 1.0)
        np.testing.assert_allclose(cohort["A"][patient], expected, rtol=1e-9)


def test_dose_by_body_surface_area():
    """75 mg/m² of docetaxel: each patient's bolus (µM) from their body-surface area."""
    patients = pd.DataFrame({"bsa_m2": [1.5, 1.8, 2.1], "Circ0": [4.0, 5.5, 7.0]})
    patients["dose_uM"] = [bolus_concentration(75.0 * bsa) for bsa in patients["bsa_m2"]]
    model = hm.models.friberg2002()
    dose = hm.Dose(0.0, "Conc", hm.PerPatient("dose_uM"))
    with pytest.raises(hm.ModelError, match="unknown parameter or state 'bsa_m2'"):
        model.simulate_many(patients, 240.0, doses=dose)  # read by nothing: refused
    table = patients.drop(columns="bsa_m2")
    t = np.linspace(0, 240, 25)
    cohort = model.simulate_many(table, 240.0, doses=dose, t_eval=t)
    for patient, row in patients.iterrows():
        alone = model.simulate(
            240.0,
            params={"Circ0": row["Circ0"]},
            doses=hm.Dose(0.0, "Conc", bolus_concentration(75.0 * row["bsa_m2"])),
            t_eval=t,
        )
        assert cohort["Conc"][patient, 0] == pytest.approx(row["dose_uM"])
        np.testing.assert_allclose(cohort["Conc"][patient], alone["Conc"], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(cohort["ANC"][patient], alone["ANC"], rtol=1e-6)


def test_a_per_patient_dose_of_a_failing_patient_names_that_patient():
    """dx/dt = x²: a dose of 2 at t = 0 blows up at t = 1/3; the block fails, its patients
    are integrated one by one with their own doses, and the failing one is named."""
    x = hm.State("x", "self-amplifying cells", "cells", 1.0)
    rate = hm.Parameter("rate", 1.0, "1/(cells*day)", (0, 10), "growth", "friberg2002")
    model = hm.Model("blow-up", states=[x], parameters=[rate], rhs={x: rate.symbol * x.symbol**2})
    table = {"rate": [0.1, 0.1], "extra": [0.0, 100.0]}
    with pytest.raises(hm.ModelError, match="for patient 1"):
        model.simulate_many(table, 0.5, doses=hm.Dose(0.0, "x", hm.PerPatient("extra")))
    fine = model.simulate_many(
        {"rate": [0.1], "extra": [0.5]}, 0.5, doses=hm.Dose(0.0, "x", hm.PerPatient("extra"))
    )
    assert fine["x"][0, -1] == pytest.approx(1.5 / (1 - 0.1 * 1.5 * 0.5), rel=1e-6)


def test_doses_given_as_a_generator_are_read_once():
    table = {"dose_mg": [1.0, 2.0]}
    doses = (hm.Dose(t, "A", hm.PerPatient("dose_mg")) for t in (1.0, 2.0))
    cohort = decay().simulate_many(table, 3.0, doses=doses, t_eval=[0.0, 3.0], **TIGHT)
    for patient, dose in enumerate(table["dose_mg"]):
        expected = A0 * math.exp(-3 * K) + dose * (math.exp(-2 * K) + math.exp(-K))
        assert cohort["A"][patient, -1] == pytest.approx(expected, rel=1e-9)


# ------------------------------------------------------------ relative parameter changes
def test_a_relative_change_halves_the_rate():
    """y = y0 exp(-k t1) exp(-k/2 (t - t1)) after k is halved at t1."""
    t1, t = 2.0, np.linspace(0, 10, 101)
    result = decay().simulate(
        10.0, doses=hm.ParameterChange(t1, scale={"k": 0.5}), t_eval=t, **TIGHT
    )
    expected = np.where(
        t < t1, A0 * np.exp(-K * t), A0 * np.exp(-K * t1) * np.exp(-K / 2 * (t - t1))
    )
    np.testing.assert_allclose(result["A"], expected, rtol=1e-9)
    history = result.parameter_history()
    assert history[["start", "end", "k"]].values.tolist() == [[0, t1, K], [t1, 10, K / 2]]


def test_relative_changes_compose_with_absolute_ones_in_order():
    doses = [
        hm.ParameterChange(1.0, {"k": 2.0}),
        hm.ParameterChange(1.0, scale={"k": 0.5}),  # after the set at the same time
        hm.ParameterChange(3.0, scale={"k": 4.0}),
    ]
    history = decay().simulate(5.0, doses=doses).parameter_history()
    assert history["k"].tolist() == [K, 1.0, 4.0]


def test_per_patient_factors_in_a_cohort_match_the_closed_form():
    factors = [0.5, 0.25, 2.0]
    t1, t = 2.0, np.linspace(0, 6, 61)
    cohort = decay().simulate_many(
        {"k": [0.5, 1.0, 0.2], "factor": factors},
        6.0,
        doses=hm.ParameterChange(t1, scale={"k": hm.PerPatient("factor")}),
        t_eval=t,
        **TIGHT,
    )
    for patient, (k, factor) in enumerate(zip([0.5, 1.0, 0.2], factors, strict=True)):
        expected = np.where(
            t < t1, A0 * np.exp(-k * t), A0 * np.exp(-k * t1) * np.exp(-k * factor * (t - t1))
        )
        np.testing.assert_allclose(cohort["A"][patient], expected, rtol=1e-9)
    after = cohort.parameter_history().query("start == @t1")
    np.testing.assert_allclose(after["k"], [0.25, 0.25, 0.4])


def test_a_when_scale_halves_the_rate_at_the_crossing():
    """A = 2 exp(-k t) falls to 0.5 at t1 = ln 4 / k; then A = 0.5 exp(-k/2 (t - t1))."""
    t = np.linspace(0, 10, 101)
    result = decay().simulate(
        10.0, doses=hm.When("A", below=0.5, scale={"k": 0.5}), t_eval=t, **TIGHT
    )
    t1 = math.log(4) / K
    expected = np.where(t < t1, A0 * np.exp(-K * t), 0.5 * np.exp(-K / 2 * (t - t1)))
    np.testing.assert_allclose(result["A"], expected, rtol=1e-7)
    history = result.parameter_history()
    assert history["k"].tolist() == [K, K / 2]
    assert history["start"].iloc[1] == pytest.approx(t1, rel=1e-8)
    assert result.triggered_events()["event"].tolist() == ["A below 0.5: scale k × 0.5"]


def test_a_scale_out_of_bounds_is_refused_before_integrating(no_integration):
    with pytest.raises(hm.ModelError) as error:
        decay().simulate(5.0, doses=[hm.ParameterChange(2.0, scale={"k": 20.0})])
    message = str(error.value)
    for piece in ["parameter 'k' scaled × 20 at t = 2 h", "= 10.0", "[0, 5]", "1/h"]:
        assert piece in message, message
    with pytest.raises(hm.ModelError, match="'k' scaled × 4 at t = 3 h for patient 1 = 6.0"):
        decay().simulate_many(
            {"k": [0.5, 1.5]}, 5.0, doses=[hm.ParameterChange(3.0, scale={"k": 4.0})]
        )
    with pytest.raises(hm.ModelError, match="for patient 2 = 6.0"):
        decay().simulate_many(
            {"f": [1.0, 2.0, 12.0]},
            5.0,
            doses=[hm.ParameterChange(3.0, scale={"k": hm.PerPatient("f")})],
        )


def test_a_when_scale_out_of_bounds_is_refused_when_it_fires():
    """The value in effect at a crossing is known only then: checked at the trigger."""
    crossing = math.log(4) / K
    with pytest.raises(hm.ModelError) as error:
        decay().simulate(10.0, doses=hm.When("A", below=0.5, scale={"k": 20.0}))
    message = str(error.value)
    for piece in ["parameter 'k' scaled by × 20", f"t = {crossing:.6g} h", "= 10.0", "[0, 5]"]:
        assert piece in message, message
    with pytest.raises(hm.ModelError, match=r"for patient 1 = 40\.0"):
        decay().simulate_many(
            {"k": [0.1, 2.0]}, 10.0, doses=hm.When("A", below=0.5, scale={"k": 20.0})
        )


def test_a_scheduled_scale_after_a_when_is_checked_when_applied():
    doses = [hm.When("A", below=1.5, set={"k": 4.0}), hm.ParameterChange(3.0, scale={"k": 2.0})]
    with pytest.raises(hm.ModelError, match=r"'k' scaled by × 2 at t = 3 h = 8\.0"):
        decay().simulate(5.0, doses=doses)


def test_relative_changes_export_to_sbml_and_run_alike_in_libroadrunner():
    roadrunner = pytest.importorskip("roadrunner")
    model = decay()
    doses = [
        hm.ParameterChange(1.0, scale={"k": 0.5}),
        hm.ParameterChange(2.0, {"k": 1.0}),
        hm.ParameterChange(2.0, scale={"k": 3.0}),
        hm.When("A", below=0.2, scale={"k": 0.1}),
    ]
    text = to_sbml(model, doses=doses)
    assert consistency_errors(text) == []
    assert "multiplied by 0.5" in text
    t = np.linspace(0, 6, 61)
    runner = roadrunner.RoadRunner(text)
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-12
    runner.timeCourseSelections = ["time", "A", "k"]
    theirs = runner.simulate(times=t)
    ours = model.simulate(6.0, doses=doses, t_eval=t, **TIGHT)
    fired = ours.triggered_events()["time"].tolist()
    away = np.all([np.abs(t - f) > 1e-3 for f in [1.0, 2.0, *fired]], axis=0)
    np.testing.assert_allclose(theirs[away, 1], ours["A"][away], rtol=1e-6)
    history = ours.parameter_history()
    assert history["k"].tolist() == pytest.approx([0.5, 0.25, 3.0, 0.3])
    assert theirs[-1, 2] == pytest.approx(0.3)


# ------------------------------------------------------------------ When in cohorts
def test_a_cohort_with_when_equals_its_patients_one_by_one():
    """Per-patient refills and per-patient new rates after the first crossing, and a
    scheduled halving: every patient's break times differ."""
    table = pd.DataFrame(
        {"k": [0.3, 0.5, 1.2, 0.02], "refill": [1.0, 0.4, 2.0, 1.0], "k_low": [0.1, 1.0, 0.6, 2]}
    )
    refill = hm.When("A", below=0.5, dose={"A": hm.PerPatient("refill")}, once=False)
    slower = hm.When("A", below=0.5, set={"k": hm.PerPatient("k_low")}, label="slow down")
    halve = hm.ParameterChange(6.0, scale={"k": 0.5})
    t = np.linspace(0, 10, 101)
    cohort = decay().simulate_many(table, 10.0, doses=[refill, slower, halve], t_eval=t, **TIGHT)
    fired = cohort.triggered_events()
    assert list(fired.columns) == ["patient", "time", "event"]
    history = cohort.parameter_history()
    for patient, row in table.iterrows():
        alone = decay().simulate(
            10.0,
            params={"k": row["k"]},
            doses=[
                hm.When("A", below=0.5, dose={"A": row["refill"]}, once=False),
                hm.When("A", below=0.5, set={"k": row["k_low"]}, label="slow down"),
                halve,
            ],
            t_eval=t,
            **TIGHT,
        )
        np.testing.assert_allclose(cohort["A"][patient], alone["A"], rtol=1e-12)
        mine = fired[fired["patient"] == patient]
        expected = alone.triggered_events()
        assert mine["time"].tolist() == expected["time"].tolist()
        assert mine["event"].tolist() == expected["event"].tolist()
        mine_history = history[history["patient"] == patient].drop(columns="patient")
        pd.testing.assert_frame_equal(
            mine_history.reset_index(drop=True), alone.parameter_history(), check_exact=True
        )
        one = cohort.patient(patient)
        assert one.params == alone.params
        pd.testing.assert_frame_equal(one.triggered_events(), expected)
        pd.testing.assert_frame_equal(one.parameter_history(), alone.parameter_history())
    assert (fired["patient"] == 3).sum() == 0  # k = 0.02: A stays above 0.5 for 10 h
    assert set(fired["patient"]) == {0, 1, 2}


# ------------------------------------------------------------------------------ stop
def test_stop_ends_the_simulation_at_the_closed_form_crossing():
    """A = 2 exp(-k t) reaches 0.5 at ln 4 / k = 2.77 h: the result stops there."""
    t = np.linspace(0, 10, 101)
    result = decay().simulate(10.0, doses=hm.When("A", below=0.5, stop=True), t_eval=t, **TIGHT)
    crossing = math.log(4) / K
    np.testing.assert_array_equal(result.t, t[t <= crossing])
    np.testing.assert_allclose(result["A"], A0 * np.exp(-K * result.t), rtol=1e-9)
    events = result.triggered_events()
    assert events["time"].tolist() == pytest.approx([crossing], rel=1e-8)
    assert events["event"].tolist() == ["A below 0.5: stop the simulation"]
    assert result.parameter_history()["end"].iloc[-1] == pytest.approx(crossing, rel=1e-8)


def test_stop_with_other_actions_skips_everything_after_it():
    stop = hm.When("A", below=0.5, set={"k": 0.1}, dose={"A": 1.0}, stop=True)
    later = [hm.Dose(4.0, "A", 1.0), hm.ParameterChange(4.5, {"k": 2.0})]
    result = decay().simulate(5.0, doses=[stop, *later], t_eval=[0.0, 1.0, 2.0, 4.0, 5.0])
    crossing = math.log(4) / K
    assert result.t.tolist() == [0.0, 1.0, 2.0]
    assert result.triggered_events()["event"].tolist() == [
        "A below 0.5: 1 into A; set k = 0.1; stop the simulation"
    ]
    history = result.parameter_history()
    assert history["k"].tolist() == [K, 0.1]  # the change at 4.5 h never happened
    assert history["end"].tolist() == pytest.approx([crossing, crossing], rel=1e-6)


def test_stop_at_time_zero_and_before_the_first_output():
    past = hm.When("A", below=3.0, dose={"A": 1.0}, stop=True)  # A starts at 2: fires at 0
    result = decay().simulate(5.0, doses=past, t_eval=[0.0, 1.0])
    assert result.t.tolist() == [0.0]
    assert result["A"].tolist() == [3.0]  # reported after the dose
    assert result.triggered_events()["time"].tolist() == [0.0]
    with pytest.raises(hm.ModelError, match="before the first output time"):
        decay().simulate(5.0, doses=hm.When("A", below=0.5, stop=True), t_eval=[3.0, 5.0])


def test_stop_is_refused_in_cohorts_and_in_sbml():
    stop = hm.When("A", below=0.5, stop=True)
    with pytest.raises(hm.ModelError, match="stop=True is not allowed in a cohort"):
        decay().simulate_many({"k": [0.4, 0.5]}, 5.0, doses=stop)
    with pytest.raises(hm.ModelError, match="stop=True cannot be exported to SBML"):
        to_sbml(decay(), doses=stop)


# ------------------------------------------------------------------------ bad input
BAD = [
    (
        "per-patient-in-simulate",
        lambda m: m.simulate(5, doses=hm.Dose(1.0, "A", hm.PerPatient("dose_mg"))),
        [
            "dose amount into 'A' = PerPatient(column='dose_mg')",
            "a finite number >= 0",
            "mg",
            "simulate_many",
        ],
    ),
    (
        "per-patient-parameter-in-simulate",
        lambda m: m.simulate(5, doses=hm.ParameterChange(1, {"k": hm.PerPatient("k2")})),
        ["parameter 'k' = PerPatient(column='k2')", "[0, 5]", "1/h"],
    ),
    (
        "per-patient-when-in-simulate",
        lambda m: m.simulate(5, doses=hm.When("A", below=1, dose={"A": hm.PerPatient("d")})),
        ["When dose['A'] = PerPatient(column='d')", ">= 0", "mg"],
    ),
    (
        "per-patient-column-missing",
        lambda m: m.simulate_many({"k": [0.1]}, 5, doses=hm.Dose(1, "A", hm.PerPatient("dose"))),
        ["unknown params_table column 'dose'", "Allowed params_table column names: k"],
    ),
    (
        "per-patient-column-typo",
        lambda m: m.simulate_many(
            {"dose_mg": [1.0]}, 5, doses=hm.Dose(1, "A", hm.PerPatient("dose_mgs"))
        ),
        ["unknown params_table column 'dose_mgs'", "did you mean 'dose_mg'"],
    ),
    (
        "per-patient-negative-amount",
        lambda m: m.simulate_many(
            {"dose_mg": [1.0, -1.0]}, 5, doses=hm.Dose(1, "A", hm.PerPatient("dose_mg"))
        ),
        [
            "dose amount into 'A' for patient 1 (params_table column 'dose_mg', row 1) = -1.0",
            "a finite number >= 0",
            "mg",
        ],
    ),
    (
        "per-patient-nan-amount",
        lambda m: m.simulate_many(
            pd.DataFrame({"dose_mg": [math.nan, 1.0]}),
            5,
            doses=hm.Schedule("A", hm.PerPatient("dose_mg"), start=0, every=1, count=2),
        ),
        ["for patient 0 (params_table column 'dose_mg', row 0) = nan", ">= 0", "mg"],
    ),
    (
        "per-patient-infinite-infusion",
        lambda m: m.simulate_many(
            {"drip": [1.0, math.inf]}, 5, doses=hm.Infusion(0, 1, "A", hm.PerPatient("drip"))
        ),
        ["infusion amount into 'A' for patient 1", "= inf", ">= 0", "mg"],
    ),
    (
        "per-patient-parameter-out-of-bounds",
        lambda m: m.simulate_many(
            {"k_new": [1.0, 7.0]}, 5, doses=hm.ParameterChange(1, {"k": hm.PerPatient("k_new")})
        ),
        ["parameter 'k' for patient 1 (params_table column 'k_new', row 1) = 7.0", "[0, 5]"],
    ),
    (
        "per-patient-when-set-out-of-bounds",
        lambda m: m.simulate_many(
            {"k_new": [-1.0, 1.0]},
            5,
            doses=hm.When("A", below=1, set={"k": hm.PerPatient("k_new")}),
        ),
        ["When set parameter 'k' for patient 0", "= -1.0", "[0, 5]", "1/h"],
    ),
    (
        "per-patient-negative-factor",
        lambda m: m.simulate_many(
            {"f": [0.5, -0.5]}, 5, doses=hm.ParameterChange(1, scale={"k": hm.PerPatient("f")})
        ),
        ["parameter change scale['k'] for patient 1", "'f', row 1) = -0.5", ">= 0"],
    ),
    (
        "per-patient-when-negative-dose",
        lambda m: m.simulate_many(
            {"d": [0.5, -0.5]}, 5, doses=hm.When("A", below=1, dose={"A": hm.PerPatient("d")})
        ),
        ["When dose['A'] for patient 1 (params_table column 'd', row 1) = -0.5", "mg"],
    ),
    (
        "per-patient-column-text",
        lambda m: m.simulate_many(
            {"dose_mg": ["high", "low"]}, 5, doses=hm.Dose(1, "A", hm.PerPatient("dose_mg"))
        ),
        ["params_table column 'dose_mg'", "'high'"],
    ),
    (
        "unreferenced-column-still-refused",
        lambda m: m.simulate_many(
            {"dose_mg": [1.0], "weight_kg": [70.0]},
            5,
            doses=hm.Dose(1, "A", hm.PerPatient("dose_mg")),
        ),
        ["unknown parameter or state 'weight_kg'", "hm.PerPatient"],
    ),
    (
        "scale-unknown-parameter",
        lambda m: m.simulate(5, doses=hm.ParameterChange(1, scale={"kk": 0.5})),
        ["unknown parameter 'kk'", "did you mean 'k'"],
    ),
    (
        "when-scale-unknown-parameter",
        lambda m: m.simulate(5, doses=hm.When("A", below=1, scale={"kk": 0.5})),
        ["unknown parameter 'kk'"],
    ),
    (
        "scale-negative-factor",
        lambda m: hm.ParameterChange(1, scale={"k": -0.5}),
        ["parameter change scale['k'] = -0.5", "a finite number >= 0", "dimensionless"],
    ),
    (
        "scale-nan-factor",
        lambda m: hm.When("A", below=1, scale={"k": math.nan}),
        ["When scale['k'] = nan", "a finite number >= 0"],
    ),
    (
        "set-and-scale-one-parameter",
        lambda m: hm.ParameterChange(1, {"k": 1.0}, scale={"k": 0.5}),
        ["both sets and scales ['k']", "not both"],
    ),
    (
        "when-set-and-scale-one-parameter",
        lambda m: hm.When("A", below=1, set={"k": 1.0}, scale={"k": 0.5}),
        ["both sets and scales ['k']"],
    ),
    ("when-stop-not-a-flag", lambda m: hm.When("A", below=1, stop=1), ["When stop = 1", "True"]),
    ("per-patient-column-not-text", lambda m: hm.PerPatient(3), ["PerPatient column = 3"]),
    (
        "per-patient-in-sbml",
        lambda m: to_sbml(m, doses=hm.Dose(1.0, "A", hm.PerPatient("dose_mg"))),
        ["dose amount into 'A' = PerPatient(column='dose_mg')", "simulate_many"],
    ),
    (
        "scale-out-of-bounds-in-sbml",
        lambda m: to_sbml(m, doses=hm.ParameterChange(1.0, scale={"k": 11.0})),
        ["'k' scaled × 11 at t = 1 h = 5.5", "[0, 5]"],
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_gives_one_clear_model_error(case, no_integration):
    _, call, expected = case
    with pytest.raises(hm.ModelError) as error:
        call(decay())
    message = str(error.value)
    for piece in expected:
        assert piece in message, f"{piece!r} missing from: {message}"


def test_bad_case_ids_are_unique():
    ids = [c[0] for c in BAD]
    assert len(ids) == len(set(ids))


def test_per_patient_helpers():
    assert hm.Dose(0, "A", hm.PerPatient("d")).amount == hm.PerPatient("d")
    with pytest.raises(hm.ModelError, match="per-patient amount"):
        _ = hm.Infusion(0, 1, "A", hm.PerPatient("drip")).rate
