"""Forward sensitivities against finite differences and closed forms; fits that recover known
parameters, with intervals that cover at the nominal rate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import hemomodels as hm
from hemomodels.fitting import fit
from hemomodels.models.friberg2002 import regimen
from hemomodels.sensitivity import forward_sensitivities

CELLS = ("Prol", "Transit1", "Transit2", "Transit3", "Circ")


def decay_model() -> hm.Model:
    amount = hm.State("A", "Drug amount", "mg", initial=2.0)
    rate = hm.Parameter("k", 0.5, "1/h", (0.01, 5), "Elimination rate", "friberg2002")
    start = hm.Parameter("A0", 2.0, "mg", (0.1, 20), "Initial amount", "friberg2002")
    return hm.Model(
        "Decay",
        states=[amount],
        parameters=[rate, start],
        flows=[hm.Flow(amount, None, rate.symbol * amount.symbol)],
        time_unit="h",
        reference="friberg2002",
    )


def test_sensitivities_of_exponential_decay_match_the_closed_form():
    t = np.linspace(0, 10, 21)
    s = forward_sensitivities(
        decay_model(),
        10.0,
        params={"k": 0.3, "A0": 1.5},
        y0={"A": 1.5},
        initial_sensitivities={("A", "A0"): 1.0},
        t_eval=t,
    )
    np.testing.assert_allclose(s.derivative("A", "k"), -1.5 * t * np.exp(-0.3 * t), atol=1e-7)
    np.testing.assert_allclose(s.derivative("A", "A0"), np.exp(-0.3 * t), atol=1e-7)
    # normalised: d log A / d log k = -k t
    np.testing.assert_allclose(s.normalised("A")["k"], -0.3 * t, atol=1e-6)


@pytest.fixture(scope="module")
def friberg():
    return hm.models.friberg2002("docetaxel_kloft2006")


def test_friberg_sensitivities_match_central_differences(friberg):
    doses = regimen(100, cycles=2)
    t = np.arange(0, 42 * 24 + 1, 12.0)
    s = forward_sensitivities(
        friberg,
        42 * 24,
        doses=doses,
        t_eval=t,
        initial_sensitivities={(c, "Circ0"): 1.0 for c in CELLS},
        rtol=1e-10,
        atol=1e-12,
    )
    base = dict(friberg.defaults)
    for name in friberg.parameter_names:
        step = 1e-5 * base[name]

        def anc(value, name=name):
            p = base | {name: value}
            return friberg.simulate(
                42 * 24,
                params=p,
                y0={c: p["Circ0"] for c in CELLS},
                doses=doses,
                t_eval=t,
                rtol=1e-12,
                atol=1e-14,
            )["ANC"]

        difference = (anc(base[name] + step) - anc(base[name] - step)) / (2 * step)
        exact = s.derivative("ANC", name)
        assert np.max(np.abs(exact - difference)) < 1e-5 * np.max(np.abs(difference)), name


def test_a_parameter_change_of_a_differentiated_parameter_is_refused(friberg):
    with pytest.raises(hm.ModelError, match="ParameterChange"):
        forward_sensitivities(
            friberg, 48.0, parameters=["slope"], doses=[hm.ParameterChange(1.0, {"slope": 1.0})]
        )
    with pytest.raises(hm.ModelError, match="did you mean 'slope'"):
        forward_sensitivities(friberg, 48.0, parameters=["slop"])


def test_wald_and_profile_intervals_cover_at_the_nominal_rate():
    """100 synthetic data sets (known noise): 95 % intervals must cover 90-99 of them."""
    model = decay_model()
    t = np.array([0.5, 1, 2, 3, 4, 6, 8, 12.0])
    truth, sd = {"k": 0.3, "A0": 2.0}, 0.05
    rng = np.random.default_rng(20261202)
    wald = dict.fromkeys(truth, 0)
    profile = dict.fromkeys(truth, 0)
    for _ in range(100):
        y = truth["A0"] * np.exp(-truth["k"] * t) + rng.normal(0, sd, t.size)
        data = pd.DataFrame({"time": t, "variable": "A", "value": y, "sd": sd})
        result = fit(
            model, data, ["k", "A0"], params={"k": 0.5, "A0": 1.0}, initial_from={"A": "A0"}
        )
        for name, value in truth.items():
            low, high = result.intervals[name]
            wald[name] += low <= value <= high
            low, high = result.profile(name)
            profile[name] += low <= value <= high
    for counts in (wald, profile):
        assert all(90 <= hits <= 99 for hits in counts.values()), (wald, profile)


def test_friberg_fit_recovers_the_system_parameters_from_noisy_counts(friberg):
    """Three patients' ANC over two cycles, 10 % proportional noise: the estimates of MTT,
    gamma and slope lie within their 95 % profile intervals, and those are narrow."""
    truth = {"MTT": 84.2, "gamma": 0.145, "slope": 15.57}
    rng = np.random.default_rng(7)
    days = np.array([0, 4, 7, 8, 10, 14, 18, 21, 25, 28, 29, 32, 35, 39, 42.0])
    rows = []
    doses = {}
    for patient, dose in enumerate((75, 100, 125)):
        doses[patient] = regimen(dose, cycles=2)
        anc = friberg.simulate(42 * 24, doses=doses[patient], t_eval=days * 24)["ANC"]
        noisy = anc * (1 + 0.1 * rng.standard_normal(days.size))
        rows.append(
            pd.DataFrame(
                {
                    "time": days * 24,
                    "variable": "ANC",
                    "value": noisy,
                    "sd": 0.1 * anc,
                    "patient": patient,
                }
            )
        )
    data = pd.concat(rows, ignore_index=True)
    start = {"MTT": 120.0, "gamma": 0.3, "slope": 8.0}
    result = fit(friberg, data, list(truth), params=start, doses=doses, starts=3, seed=1)
    assert result.success
    for name, value in truth.items():
        low, high = result.profile(name)
        assert low <= value <= high, (name, low, value, high)
        assert high / low < 1.5, (name, low, high)
    # the residuals are the data minus the fitted model, weighted by sd
    r = result.residuals
    np.testing.assert_allclose(r["residual"], (r["prediction"] - r["value"]) / r["sd"])
    assert abs(result.rss - float((r["residual"] ** 2).sum())) < 1e-9 * result.rss


def test_estimated_noise_gives_t_intervals():
    model = decay_model()
    t = np.linspace(0.5, 12, 10)
    rng = np.random.default_rng(3)
    y = 2.0 * np.exp(-0.3 * t) + rng.normal(0, 0.05, t.size)
    result = fit(
        model,
        pd.DataFrame({"time": t, "variable": "A", "value": y}),
        ["k"],
        params={"A0": 2.0},
        initial_from={"A": "A0"},
    )
    assert result.sigma == pytest.approx(math.sqrt(result.rss / (10 - 1)))
    assert 0.02 < result.sigma < 0.1


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (pd.DataFrame({"time": [1.0], "value": [1.0]}), "variable"),
        (pd.DataFrame({"time": [1.0], "variable": ["B"], "value": [1.0]}), "observable .B."),
        (pd.DataFrame({"time": [-1.0], "variable": ["A"], "value": [1.0]}), "data time"),
        (pd.DataFrame({"time": [1.0], "variable": ["A"], "value": [np.nan]}), "data value"),
        (pd.DataFrame({"time": [1.0], "variable": ["A"], "value": [1.0], "sd": [0.0]}), "sd"),
    ],
)
def test_bad_data_is_refused_before_fitting(data, match):
    with pytest.raises(hm.ModelError, match=match):
        fit(decay_model(), data, ["k"])


def test_predict_is_the_model_at_the_estimates():
    model = decay_model()
    t = np.array([1.0, 2.0, 4.0, 8.0])
    data = pd.DataFrame({"time": t, "variable": "A", "value": 2 * np.exp(-0.3 * t), "sd": 0.01})
    result = fit(model, data, ["k"], params={"A0": 2.0}, initial_from={"A": "A0"})
    grid = np.linspace(0, 8, 9)
    predicted = result.predict(grid)
    expected = 2.0 * np.exp(-result.estimates["k"] * grid)
    np.testing.assert_allclose(predicted["value"], expected, rtol=1e-6)
    assert set(predicted.columns) == {"patient", "time", "variable", "value"}


def test_a_published_data_set_donors_after_a_blood_donation():
    """Falz et al. 2014 (10 donors, mean haemoglobin mass weekly for four weeks after 500 mL):
    fitting the EPO feedback gain of the Tetschke model to these means gives an interval that
    contains the population estimate Tetschke et al. 2018 fitted to other donors (0.46 per
    day), and the fitted model's full recovery lies within Pottgiesser et al. 2008's 36 ± 11
    days."""
    from hemomodels.datasets import falz2014_baseline, falz2014_donation
    from hemomodels.scenarios.anaemia import blood_loss_initial_state

    model = hm.models.tetschke2018()
    data = falz2014_donation()
    before, _ = falz2014_baseline()
    baseline = {"baseline_hb_mass": before}
    start = blood_loss_initial_state(model, 0.0, params=baseline)
    start["hb_mass"] = float(data["value"].iloc[0])  # measured just after the donation
    later = data[data["time"] > 0][["time", "variable", "value"]]
    result = fit(model, later, ["epo_feedback_gain"], params=baseline, y0=start)
    published = model.parameter("epo_feedback_gain").value
    assert published == 0.46
    low, high = result.profile("epo_feedback_gain")
    assert low < published < high
    wald_low, wald_high = result.intervals["epo_feedback_gain"]
    assert wald_low < published < wald_high
    course = model.simulate(
        80.0, params={**baseline, **result.estimates}, y0=start, t_eval=np.arange(81.0)
    )
    back = np.argmax(course["hb_mass"] >= before)  # the day the loss is fully regained
    assert 25 <= back <= 47


def test_sensitivities_of_a_model_with_a_switch_match_finite_differences():
    """The Tetschke model caps the feedback with Min: its sensitivity system's Jacobian holds
    the derivative of a switch (zero but at the switch); the sensitivities still match central
    finite differences after a blood loss that engages the feedback."""
    from hemomodels.scenarios.anaemia import blood_loss_initial_state

    model = hm.models.tetschke2018()
    start = blood_loss_initial_state(model, 1.5)
    t = np.arange(0.0, 61.0, 5.0)
    names = ["epo_feedback_gain", "rbc_lifespan", "max_erythroid_expansion"]
    exact = forward_sensitivities(model, 60.0, parameters=names, y0=start, t_eval=t)
    for name in names:
        value = model.parameter(name).value
        step = 1e-5 * value

        def hb(shift: float, name: str = name, value: float = value) -> np.ndarray:
            run = model.simulate(
                60.0, params={name: value + shift}, y0=start, t_eval=t, rtol=1e-12, atol=1e-10
            )
            return run["hb_mass"]

        difference = (hb(step) - hb(-step)) / (2 * step)
        scale = np.max(np.abs(difference))
        np.testing.assert_allclose(exact.derivative("hb_mass", name), difference, atol=1e-4 * scale)
