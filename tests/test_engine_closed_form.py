"""The engine against closed-form solutions: linear chains, clearance and doses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import chain_model

import hemomodels as hm

RTOL = 1e-7


def chain_solution(t: np.ndarray, a0: float, k1: float, k2: float) -> tuple[np.ndarray, ...]:
    """Bateman solution of A1 -> A2 -> out with distinct rates."""
    a1 = a0 * np.exp(-k1 * t)
    a2 = a0 * k1 / (k2 - k1) * (np.exp(-k1 * t) - np.exp(-k2 * t))
    return a1, a2


def test_two_compartment_chain_matches_bateman_solution():
    model = chain_model(2)
    result = model.simulate(20.0, params={"k1": 0.4, "k2": 1.1}, rtol=1e-10, atol=1e-12)
    a1, a2 = chain_solution(result.t, 100.0, 0.4, 1.1)
    np.testing.assert_allclose(result["A1"], a1, rtol=RTOL, atol=1e-8)
    np.testing.assert_allclose(result["A2"], a2, rtol=RTOL, atol=1e-8)


def test_equal_rate_chain_is_erlang():
    """With equal rates k, compartment n holds a0 (kt)^(n-1)/(n-1)! e^(-kt)."""
    model = chain_model(4)
    k = 0.7
    result = model.simulate(15.0, params={f"k{i}": k for i in range(1, 5)}, rtol=1e-10, atol=1e-12)
    for n in range(1, 5):
        expected = 100.0 * (k * result.t) ** (n - 1) / math.factorial(n - 1) * np.exp(-k * result.t)
        np.testing.assert_allclose(result[f"A{n}"], expected, rtol=RTOL, atol=1e-8)


def test_observable_is_evaluated_on_the_trajectory(chain):
    result = chain.simulate(10.0)
    np.testing.assert_allclose(result["total"], result["A1"] + result["A2"] + result["A3"])
    # the total only decreases (cells only leave through the last compartment)
    assert np.all(np.diff(result["total"]) <= 1e-9)


def test_clearance_after_single_dose(clearance):
    result = clearance.simulate(24.0, doses=[hm.Dose(0.0, "drug", 5.0)], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(result["drug"], 5.0 * np.exp(-0.3 * result.t), rtol=RTOL)


def test_dose_later_is_zero_before_and_exponential_after(clearance):
    t = np.linspace(0, 24, 97)
    result = clearance.simulate(
        24.0, doses=hm.Dose(6.0, "drug", 2.0), t_eval=t, rtol=1e-10, atol=1e-12
    )
    expected = np.where(t >= 6.0, 2.0 * np.exp(-0.3 * (t - 6.0)), 0.0)
    np.testing.assert_allclose(result["drug"], expected, rtol=RTOL, atol=1e-12)


def test_repeated_schedule_superposes_doses(clearance):
    schedule = hm.Schedule("drug", amount=3.0, start=1.0, every=4.0, count=5)
    t = np.linspace(0, 30, 301)
    result = clearance.simulate(30.0, doses=schedule, t_eval=t, rtol=1e-10, atol=1e-12)
    expected = sum(
        np.where(t >= tj, 3.0 * np.exp(-0.3 * (t - tj)), 0.0) for tj in [1.0, 5.0, 9.0, 13.0, 17.0]
    )
    np.testing.assert_allclose(result["drug"], expected, rtol=RTOL, atol=1e-12)


def test_dose_between_coarse_output_points_is_not_stepped_over(clearance):
    """Only two output times, far apart: the dose at t = 50 must still be given."""
    result = clearance.simulate(
        100.0,
        doses=hm.Dose(50.0, "drug", 1.0),
        t_eval=[0.0, 100.0],
        params={"elimination_rate": 0.01},
        rtol=1e-10,
        atol=1e-14,
    )
    np.testing.assert_allclose(result["drug"], [0.0, math.exp(-0.5)], rtol=RTOL)


def test_value_at_dose_time_is_after_the_dose(clearance):
    result = clearance.simulate(10.0, doses=[hm.Dose(4.0, "drug", 1.5)], t_eval=[3.0, 4.0, 5.0])
    assert result["drug"][0] == 0.0
    assert result["drug"][1] == pytest.approx(1.5)
    assert result["drug"][2] == pytest.approx(1.5 * math.exp(-0.3), rel=1e-6)


def test_dose_at_t_end_is_reported(clearance):
    result = clearance.simulate(
        10.0,
        doses=[hm.Dose(0.0, "drug", 1.0), hm.Dose(10.0, "drug", 1.0)],
        t_eval=[0.0, 10.0],
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(result["drug"], [1.0, 1.0 + math.exp(-3.0)], rtol=RTOL)


def test_simultaneous_doses_add_up(clearance):
    result = clearance.simulate(
        1.0, doses=[hm.Dose(0.0, "drug", 1.0), hm.Dose(0.0, "drug", 2.0)], t_eval=[0.0]
    )
    assert result["drug"][0] == pytest.approx(3.0)


@pytest.mark.parametrize("method", ["BDF", "Radau", "RK45", "DOP853"])
def test_solve_ivp_methods_agree_with_lsoda(method, mc2009):
    y0 = {"stem_cells": 1e6, "precursors": 1e8, "neutrophils": 1e7}
    reference = mc2009.simulate(60.0, y0=y0, rtol=1e-10, atol=1e-6)
    other = mc2009.simulate(60.0, y0=y0, rtol=1e-10, atol=1e-6, method=method)
    for name in mc2009.state_names:
        np.testing.assert_allclose(other[name], reference[name], rtol=1e-6)


def test_solver_failure_names_model_and_time():
    """dx/dt = x^2 from x(0) = 1 blows up at t = 1: a clear error, not garbage."""
    x = hm.State("x", "blows up", "cells", initial=1.0)
    rate = hm.Parameter("rate", 1.0, "1/(cells day)", (0.0, 10.0), "growth", "friberg2002")
    model = hm.Model(
        "blow-up",
        states=[x],
        parameters=[rate],
        rhs={x: rate.symbol * x.symbol**2},
        reference="friberg2002",
    )
    with pytest.raises(
        hm.ModelError, match=r"blow-up: the solver \(LSODA\) failed at t = (0\.9\d*|1) day"
    ):
        model.simulate(2.0)


def test_parameter_change_switches_the_rate_at_its_time():
    """Clearance at k1 until t = 5, then k2: C(t) = C0 e^(-k1 t), then C(5) e^(-k2 (t - 5));
    the observed elimination flux k C jumps with k."""
    drug = hm.State("drug", "Drug amount", "mg", initial=4.0)
    rate = hm.Parameter("rate", 0.3, "1/h", (0.0, 10.0), "elimination", "friberg2002")
    flux = hm.Observable("flux", rate.symbol * drug.symbol, "mg/h", "elimination flux")
    model = hm.Model(
        "switch",
        states=[drug],
        parameters=[rate],
        observables=[flux],
        flows=[hm.Flow(drug, None, flux.symbol)],
        time_unit="h",
        reference="friberg2002",
    )
    t = np.linspace(0, 12, 121)
    result = model.simulate(
        12.0, doses=[hm.ParameterChange(5.0, {"rate": 1.1})], t_eval=t, rtol=1e-10, atol=1e-12
    )
    expected = np.where(t < 5, 4.0 * np.exp(-0.3 * t), 4.0 * np.exp(-1.5) * np.exp(-1.1 * (t - 5)))
    np.testing.assert_allclose(result["drug"], expected, rtol=RTOL)
    np.testing.assert_allclose(result["flux"], np.where(t < 5, 0.3, 1.1) * expected, rtol=RTOL)
    assert result.params == {"rate": 0.3}
    # the same change in a cohort, for every patient
    cohort = model.simulate_many(
        {"rate": [0.3, 0.6]},
        12.0,
        doses=[hm.ParameterChange(5.0, {"rate": 1.1})],
        t_eval=t,
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(cohort["drug"][0], expected, rtol=1e-6)
    assert cohort["flux"][1][-1] == pytest.approx(1.1 * cohort["drug"][1][-1])


def test_parameter_change_is_validated(clearance):
    with pytest.raises(hm.ModelError, match="unknown parameter 'elimination'"):
        clearance.simulate(10, doses=[hm.ParameterChange(1.0, {"elimination": 0.2})])
    with pytest.raises(hm.ModelError, match=r"parameter 'elimination_rate' = 20.0 .*\(0, 10\]"):
        clearance.simulate(10, doses=[hm.ParameterChange(1.0, {"elimination_rate": 20.0})])
    with pytest.raises(hm.ModelError, match=r"parameter change \['elimination_rate'\]"):
        clearance.simulate(10, doses=[hm.ParameterChange(11.0, {"elimination_rate": 0.2})])
    with pytest.raises(hm.ModelError, match="non-empty mapping"):
        hm.ParameterChange(1.0, {})


def test_a_dose_enters_only_its_target_compartment(chain):
    """A bolus into the middle of a chain leaves the other compartments untouched at that
    instant, for one patient and for every patient of a cohort."""
    empty = {"A1": 0.0, "A2": 0.0, "A3": 0.0}
    result = chain.simulate(2.0, y0=empty, doses=[hm.Dose(1.0, "A2", 5.0)], t_eval=[1.0])
    np.testing.assert_array_equal(result.states[:, 0], [0.0, 5.0, 0.0])
    cohort = chain.simulate_many(
        {"k1": [0.3, 0.4], **{k: [0.0, 0.0] for k in empty}},
        2.0,
        doses=[hm.Dose(1.0, "A2", 5.0)],
        t_eval=[1.0],
    )
    np.testing.assert_array_equal(cohort.states[:, :, 0], [[0.0, 5.0, 0.0]] * 2)


def test_domain_error_gives_a_model_error_not_a_math_error():
    """dx/dt = -sqrt(x) empties in finite time (x = (1 - t/2)^2 until t = 2) and is undefined
    for x < 0, where solver trial steps go. Nothing but a correct answer or a ModelError
    naming the model and the time reached may come out (no ValueError from math or LAPACK)."""
    x = hm.State("x", "amount", "cells", initial=1.0)
    rate = hm.Parameter("rate", 1.0, "1/day", (0.0, 10.0), "rate", "friberg2002")
    half = hm.Parameter("exponent", 0.5, "1", (0.0, 1.0), "power", "friberg2002")
    model = hm.Model(
        "square-root decay",
        states=[x],
        parameters=[rate, half],
        rhs={x: -rate.symbol * x.symbol**half.symbol},
        reference="friberg2002",
    )
    early = model.simulate(1.0, t_eval=np.linspace(0, 1.0, 11), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(early["x"], (1 - early.t / 2) ** 2, rtol=1e-6)
    with pytest.raises(hm.ModelError, match=r"square-root decay: the solver \(LSODA\) failed"):
        model.simulate(4.0, t_eval=[0.0, 4.0])
