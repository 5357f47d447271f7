"""State-triggered events (When): event times against closed forms, the restart exactly at
the event, re-arming, time-0 triggering, refusals, and the SBML export run by libroadrunner."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.sbml import consistency_errors, to_sbml


def decay() -> hm.Model:
    amount = hm.State("A", "Drug amount", "mg", initial=2.0)
    rate = hm.Parameter("k", 0.5, "1/h", (0.0, 5), "Elimination rate", "friberg2002")
    return hm.Model(
        "Decay",
        states=[amount],
        parameters=[rate],
        flows=[hm.Flow(amount, None, rate.symbol * amount.symbol)],
        observables=[hm.Observable("double", 2 * amount.symbol, "mg", "Twice the amount")],
        time_unit="h",
        reference="friberg2002",
    )


REFILL = hm.When("A", below=0.5, dose={"A": 1.0}, once=False, label="refill")


def test_repeated_refills_happen_at_the_closed_form_times():
    """A = 2 e^{-kt} reaches 0.5 at ln 4 / k; each refill to 1.5 lasts ln 3 / k."""
    result = decay().simulate(10.0, doses=[REFILL], t_eval=np.linspace(0, 10, 201))
    times = [t for t, _ in result.solver.triggered]
    expected = [math.log(4) / 0.5 + i * math.log(3) / 0.5 for i in range(4)]
    np.testing.assert_allclose(times, expected, rtol=1e-7)
    # between refills the amount is the closed form restarted at 1.5
    t = result.t
    after_last = t > expected[-1]
    np.testing.assert_allclose(
        result["A"][after_last], 1.5 * np.exp(-0.5 * (t[after_last] - expected[-1])), rtol=1e-6
    )
    frame = result.triggered_events()
    assert list(frame.columns) == ["time", "event"]
    assert frame["event"].str.contains("refill").all()


def test_once_sets_a_parameter_and_the_history_records_it():
    result = decay().simulate(
        10.0, doses=hm.When("A", below=0.5, set={"k": 0.0}), t_eval=np.linspace(0, 10, 11)
    )
    assert len(result.solver.triggered) == 1
    np.testing.assert_allclose(result["A"][-3:], 0.5, rtol=1e-6)
    history = result.parameter_history()
    assert history["k"].tolist() == [0.5, 0.0]
    assert history["start"].iloc[1] == pytest.approx(math.log(4) / 0.5, rel=1e-7)


def test_an_observable_can_trigger_and_a_start_past_the_threshold_fires_at_zero():
    rise = hm.When("double", above=3.0, dose={"A": 1.0})
    result = decay().simulate(1.0, y0={"A": 2.0}, doses=[rise], t_eval=[0.0, 1.0])
    assert result.solver.triggered[0][0] == 0.0
    assert result["A"][0] == pytest.approx(3.0)  # reported after the dose
    assert result["A"][-1] == pytest.approx(3.0 * math.exp(-0.5), rel=1e-6)


def test_scheduled_doses_and_conditions_together():
    doses = [hm.Dose(1.0, "A", 0.2), REFILL]
    result = decay().simulate(6.0, doses=doses, t_eval=np.linspace(0, 6, 61))
    a1 = 2 * math.exp(-0.5) + 0.2
    first = 1.0 + math.log(a1 / 0.5) / 0.5
    assert result.solver.triggered[0][0] == pytest.approx(first, rel=1e-7)


@pytest.mark.parametrize(
    ("when", "match"),
    [
        (hm.When("B", below=1.0, dose={"A": 1.0}), "unknown state or observable 'B'"),
        (hm.When("A", below=1.0, dose={"B": 1.0}), "When dose target"),
        (hm.When("A", below=1.0, set={"k": 9.0}), "'k' = 9.0 is not allowed"),
    ],
)
def test_conditions_are_checked_before_integrating(when, match):
    with pytest.raises(hm.ModelError, match=match):
        decay().simulate(1.0, doses=[when])


def test_bad_conditions_are_refused_when_declared():
    with pytest.raises(hm.ModelError, match="exactly one of below or above"):
        hm.When("A", below=1.0, above=2.0, dose={"A": 1.0})
    with pytest.raises(hm.ModelError, match="does nothing"):
        hm.When("A", below=1.0)
    with pytest.raises(hm.ModelError, match="When dose"):
        hm.When("A", below=1.0, dose={"A": -1.0})


def test_a_cohort_with_conditions_equals_its_patients_one_by_one():
    t = np.linspace(0, 8, 81)
    cohort = decay().simulate_many({"k": [0.4, 0.5, 0.05]}, 8.0, doses=[REFILL], t_eval=t)
    fired = cohort.triggered_events()
    for patient, k in enumerate([0.4, 0.5, 0.05]):
        alone = decay().simulate(8.0, params={"k": k}, doses=[REFILL], t_eval=t)
        np.testing.assert_allclose(cohort["A"][patient], alone["A"], rtol=1e-12)
        mine = fired[fired["patient"] == patient]
        assert mine["time"].tolist() == alone.triggered_events()["time"].tolist()
    assert (fired["patient"] == 2).sum() == 0  # k = 0.05: A stays above 0.5 until t = 8


def test_cohorts_refuse_a_stop():
    with pytest.raises(hm.ModelError, match="stop=True is not allowed in a cohort"):
        decay().simulate_many({"k": [0.4, 0.5]}, 5.0, doses=[hm.When("A", below=1, stop=True)])


@pytest.mark.parametrize(
    "when",
    [REFILL, hm.When("A", below=0.5, set={"k": 0.1}), hm.When("double", above=3.0, dose={"A": 1})],
)
def test_sbml_export_of_conditions_runs_alike_in_libroadrunner(when):
    roadrunner = pytest.importorskip("roadrunner")
    model = decay()
    text = to_sbml(model, doses=[when])
    assert consistency_errors(text) == []
    t = np.linspace(0, 10, 201)
    runner = roadrunner.RoadRunner(text)
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-12
    runner.timeCourseSelections = ["time", "A"]
    theirs = runner.simulate(times=t)[:, 1]
    ours = model.simulate(10.0, doses=[when], t_eval=t, rtol=1e-11, atol=1e-12)["A"]
    # outputs right at an event time may differ by which side is reported: compare elsewhere
    fired = [time for time, _ in model.simulate(10.0, doses=[when]).solver.triggered]
    away = np.all([np.abs(t - f) > 1e-3 for f in fired], axis=0) if fired else np.ones_like(t, bool)
    np.testing.assert_allclose(theirs[away], ours[away], rtol=1e-5, atol=1e-8)


def test_a_repeated_event_without_a_dose_fires_once_per_crossing():
    """x'' = -x from x = 1: x falls through 0 at π/2 + 2πk. An event that only sets a
    parameter leaves x on its threshold, so it must re-arm only when x crosses back (a
    regression: it once re-fired at the same instant tens of thousands of times)."""
    position = hm.State("x", "Position", "m", initial=1.0, nonnegative=False)
    velocity = hm.State("v", "Velocity", "m/s", initial=0.0, nonnegative=False)
    counter = hm.Parameter("marker", 0.0, "1", (0.0, 1.0), "Unused marker", "friberg2002")
    model = hm.Model(
        "Oscillator",
        states=[position, velocity],
        parameters=[counter],
        rhs={position: velocity.symbol, velocity: -position.symbol},
        time_unit="s",
        reference="friberg2002",
    )
    event = hm.When("x", below=0.0, set={"marker": 1.0}, once=False)
    result = model.simulate(20.0, doses=event, rtol=1e-10, atol=1e-12)
    times = result.triggered_events()["time"].to_numpy()
    expected = math.pi / 2 + 2 * math.pi * np.arange(3)
    np.testing.assert_allclose(times, expected, rtol=1e-6)


def test_a_scale_after_a_condition_set_the_parameter_is_checked_when_applied():
    """k is 0.5 until A falls below 1 (t1 = 2 ln 2), then 0.1, and ×40 = 4 at t = 3: allowed
    (within [0, 5]) although ×40 of the starting 0.5 would not be. Closed form for A(5)."""
    model = decay()
    lowered = hm.When("A", below=1.0, set={"k": 0.1})
    result = model.simulate(
        5.0,
        doses=[lowered, hm.ParameterChange(3.0, scale={"k": 40.0})],
        t_eval=[5.0],
        rtol=1e-10,
        atol=1e-12,
    )
    t1 = 2 * math.log(2)
    expected = math.exp(-0.1 * (3.0 - t1)) * math.exp(-4.0 * 2.0)
    assert result["A"][-1] == pytest.approx(expected, rel=1e-6)
    too_far = [lowered, hm.ParameterChange(3.0, scale={"k": 80.0})]  # 0.1 × 80 = 8 > 5
    with pytest.raises(hm.ModelError, match="'k'"):
        model.simulate(5.0, doses=too_far)
