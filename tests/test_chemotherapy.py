"""Friberg 2002 myelosuppression, neutropenia grades, virtual cohorts and their charts.

Truths used here are derived by hand (linear transit chain, steady state, mass balance of the
PK), taken from the literature dossier (nadir and rebound days), or computed with NumPy
directly from simulated arrays (quantiles, log-normal statistics).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.clinical import (
    first_crossing,
    nadir,
    neutropenia_grade,
    neutropenia_summary,
    recovery_time,
    time_below,
)
from hemomodels.cohorts import cv_to_omega2, lognormal_cohort, omega2_to_cv
from hemomodels.models.friberg2002 import DRUGS, bolus_concentration
from hemomodels.scenarios import chemotherapy as plans
from hemomodels.viz import cohort_band_chart

CELLS = ["Prol", "Transit1", "Transit2", "Transit3", "Circ"]
DAY = 24.0
#: 200 mg docetaxel into V1 = 7.4 L (0.808 mg/µmol), the dossier's reproduction scenario.
C0_200MG = 200 / 0.808 / 7.4


@pytest.fixture(scope="module")
def docetaxel():
    return hm.models.friberg2002()


@pytest.fixture(scope="module")
def bruno():
    return hm.models.friberg2002_bruno1996()


def single_dose(model, amount=C0_200MG, days=35, **params):
    t = np.linspace(0, days * DAY, days * 48 + 1)  # every 30 min
    return model.simulate(
        days * DAY, params=params or None, doses=[hm.Dose(0.0, "Conc", amount)], t_eval=t
    )


# ------------------------------------------------------------------ structure and closed forms
def test_transit_chain_without_input_matches_the_poisson_sum(docetaxel):
    """Feedback off (gamma = 0) and proliferation off (E = slope*Conc = 1 held constant):
    the five cell compartments are a linear chain with one rate k = 4/MTT. Starting from c
    in every compartment, compartment j (0 = Prol) holds c e^{-kt} sum_{m<=j} (kt)^m / m!."""
    mtt, c = 100.0, 3.0
    k = 4 / mtt
    params = {"MTT": mtt, "gamma": 0.0, "slope": 1.0, "kel": 1e-12, "Circ0": c}
    y0 = {**dict.fromkeys(CELLS, c), "Conc": 1.0}
    t = np.linspace(0, 500, 101)
    result = docetaxel.simulate(500, params=params, y0=y0, t_eval=t, rtol=1e-10, atol=1e-12)
    for j, name in enumerate(CELLS):
        expected = c * np.exp(-k * t) * sum((k * t) ** m / math.factorial(m) for m in range(j + 1))
        np.testing.assert_allclose(result[name], expected, rtol=1e-6, atol=1e-9)


def test_mean_transit_time_is_the_mean_of_the_erlang_entry_time(docetaxel):
    """Cells leaving Prol at time 0 enter the blood after four exponential steps of rate
    4/MTT: the inflow k*Transit3 is an Erlang(4, k) density with mean 4/k = MTT."""
    mtt = 88.7
    params = {"MTT": mtt, "gamma": 0.0, "slope": 1.0, "kel": 1e-12}
    y0 = {"Prol": 1.0, "Transit1": 0.0, "Transit2": 0.0, "Transit3": 0.0, "Circ": 1.0}
    y0["Conc"] = 1.0
    t = np.linspace(0, 40 * mtt, 40001)
    result = docetaxel.simulate(t[-1], params=params, y0=y0, t_eval=t, rtol=1e-10, atol=1e-14)
    inflow = (4 / mtt) * result["Transit3"]
    assert np.trapezoid(inflow, t) == pytest.approx(1.0, rel=1e-5)
    assert np.trapezoid(t * inflow, t) == pytest.approx(mtt, rel=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_baseline_is_a_steady_state_for_random_parameters(docetaxel, seed):
    rng = np.random.default_rng(seed)
    params = {}
    for p in docetaxel.parameters:
        low, high = p.bounds
        params[p.name] = float(rng.uniform(max(low, 1e-3), high))
    y0 = {**dict.fromkeys(CELLS, params["Circ0"]), "Conc": 0.0}
    result = docetaxel.simulate(2000, params=params, y0=y0, t_eval=[0, 500, 2000])
    for name in CELLS:
        np.testing.assert_allclose(result[name], params["Circ0"], rtol=1e-9)
    np.testing.assert_allclose(result["feedback"], 1.0, rtol=1e-9)


def test_equations_come_from_the_declaration(docetaxel):
    text = docetaxel.latex()
    assert r"k_{tr} &= \frac{4}{\mathrm{MTT}}" in text
    assert r"\left(\frac{\mathrm{Circ}_0}{\mathrm{Circ}}\right)^{\gamma}" in text
    assert docetaxel.time_unit == "h"
    assert set(docetaxel.state_names) == {*CELLS, "Conc"}
    assert docetaxel.parameter("MTT").value == 88.7 and docetaxel.parameter("gamma").value == 0.161


# ----------------------------------------------------------------------------- PK
def test_one_compartment_pk_is_exponential_and_keeps_bruno_auc(docetaxel, bruno):
    t = np.linspace(0, 2000, 200001)
    one = docetaxel.simulate(
        2000, doses=[hm.Dose(0, "Conc", 10.0)], t_eval=t, rtol=1e-10, atol=1e-14
    )
    np.testing.assert_allclose(
        one["Conc"][:2000], 10.0 * np.exp(-5.2 * t[:2000]), rtol=1e-6, atol=1e-10
    )
    three = bruno.simulate(2000, doses=[hm.Dose(0, "Conc", 10.0)], t_eval=t, rtol=1e-10, atol=1e-14)
    # mass balance: elimination only from the centre, so AUC of Conc = C(0) / k10.
    # Trapezoid error on this grid <= (h * 7.5/h)^2 / 12 ~ 5e-4 (fastest rate k10+k12+k13).
    assert np.trapezoid(three["Conc"], t) == pytest.approx(10.0 / 5.2, rel=1e-3)
    assert np.trapezoid(one["Conc"], t) == pytest.approx(10.0 / 5.2, rel=1e-3)


def test_a_dose_enters_only_its_target_compartment(bruno):
    result = bruno.simulate(10, doses=[hm.Dose(0, "Conc", 5.0)], t_eval=[0.0, 10.0])
    assert result["Conc"][0] == pytest.approx(5.0)
    assert result["Periph1"][0] == 0.0 and result["Periph2"][0] == 0.0


def test_bolus_concentration_uses_the_dossier_conversion():
    assert bolus_concentration(200) == pytest.approx(200 / 0.808 / 7.4)
    assert bolus_concentration(200, central_volume=10) == pytest.approx(200 / 0.808 / 10)
    with pytest.raises(hm.ModelError, match="dose_mg"):
        bolus_concentration(-1)
    with pytest.raises(hm.ModelError, match="central_volume"):
        bolus_concentration(100, central_volume=0)


# ----------------------------------------------------------------- published outcomes
def test_docetaxel_nadir_and_rebound_bruno_pk(bruno):
    """Source: radivot/myelo friberg02Demo.R reads 'nadir at 7 days and repeak at 20 days'
    off Fig. 4 (docetaxel) of Friberg 2002; the dossier's own integration of the same
    equations gives nadir 0.75e9/L on day 7.7 and a peak of 6.4e9/L on day 19.8.
    Tolerances: +-1.5 days around the figure readings (eyeballed), +-0.05e9/L on the depth."""
    result = single_dose(bruno)
    day, depth = nadir(result, "ANC")
    assert 5.5 <= day / DAY <= 8.5
    assert depth == pytest.approx(0.75, abs=0.05)
    after = result.t > day
    peak = int(np.argmax(np.where(after, result["ANC"], -np.inf)))
    assert 18.5 <= result.t[peak] / DAY <= 21.5
    assert result["ANC"][peak] == pytest.approx(6.4, abs=0.2)


def test_docetaxel_nadir_one_compartment_pk_is_in_the_reported_window(docetaxel, bruno):
    """The one-compartment PK keeps the central AUC, so the nadir stays in the window of
    the figure reading (day 7 +- 1.5) and within 10 % of the three-compartment depth."""
    one = single_dose(docetaxel)
    three = single_dose(bruno)
    day, depth = nadir(one, "ANC")
    assert 5.5 <= day / DAY <= 8.5
    assert depth == pytest.approx(nadir(three, "ANC")[1], rel=0.1)


def test_nadir_is_delayed_by_longer_transit_and_deepens_with_dose(docetaxel):
    short = nadir(single_dose(docetaxel, MTT=60.0), "ANC")
    long = nadir(single_dose(docetaxel, MTT=120.0), "ANC")
    assert short[0] < long[0]
    low = nadir(single_dose(docetaxel, amount=C0_200MG / 2), "ANC")[1]
    assert low > nadir(single_dose(docetaxel), "ANC")[1]


def test_paclitaxel_values_and_unknown_drug():
    model = hm.models.friberg2002("paclitaxel")
    assert model.parameter("MTT").value == 124.0 and model.parameter("slope").value == 28.9
    assert "WBC" in model.observable_names
    with pytest.raises(hm.ModelError, match="docetaxel.*paclitaxel"):
        hm.models.friberg2002("cisplatin")
    with pytest.raises(hm.ModelError, match="gcsf"):
        hm.models.friberg2002(gcsf="yes")
    assert set(DRUGS) == {"docetaxel", "docetaxel_kloft2006", "paclitaxel"}


# ----------------------------------------------------------------------------- G-CSF
def test_gcsf_off_is_the_published_model(docetaxel):
    supported = hm.models.friberg2002(gcsf=True)
    plain = single_dose(docetaxel, days=28)
    same = single_dose(supported, days=28)
    np.testing.assert_allclose(same["ANC"], plain["ANC"], rtol=1e-7)


def test_gcsf_from_day_one_shortens_severe_neutropenia():
    model = hm.models.friberg2002(gcsf=True)
    t = np.linspace(0, 28 * DAY, 28 * 24 + 1)
    dose = hm.Dose(0, "Conc", C0_200MG)
    plain = model.simulate(28 * DAY, doses=[dose], t_eval=t)
    on = [
        dose,
        hm.ParameterChange(1 * DAY, {"gcsf_rise": 1.0}),
        hm.ParameterChange(11 * DAY, {"gcsf_rise": 0.0}),
    ]
    supported = model.simulate(28 * DAY, doses=on, t_eval=t)
    assert time_below(supported, "ANC", 1.0) < time_below(plain, "ANC", 1.0)
    assert nadir(supported, "ANC")[1] > nadir(plain, "ANC")[1]


# ---------------------------------------------------------------------------- bad inputs
def test_bad_inputs_raise_clear_errors(docetaxel):
    with pytest.raises(hm.ModelError, match="dose amount"):
        hm.Dose(0, "Conc", -1.0)
    with pytest.raises(hm.ModelError, match="MTT"):
        docetaxel.simulate(100, params={"MTT": 0.0})
    with pytest.raises(hm.ModelError, match="gamma"):
        docetaxel.simulate(100, params={"gamma": 1.5})
    with pytest.raises(hm.ModelError, match="kel"):
        docetaxel.simulate(100, params={"kel": -1.0})


# ------------------------------------------------------------------------- neutropenia
def test_grades_at_the_ctcae_boundaries():
    anc = [2.5, 2.0, 1.9999, 1.5, 1.4999, 1.0, 0.9999, 0.5, 0.4999, 0.0]
    assert neutropenia_grade(anc).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert neutropenia_grade(1.8, lower_limit_normal=1.5) == 0
    assert neutropenia_grade(0.3) == 4 and isinstance(neutropenia_grade(0.3), int)
    with pytest.raises(hm.ModelError, match="anc"):
        neutropenia_grade(-0.1)
    with pytest.raises(hm.ModelError, match="lower_limit_normal"):
        neutropenia_grade(1.0, lower_limit_normal=1.0)


def test_neutropenia_summary_reuses_the_timeseries_helpers(docetaxel):
    result = single_dose(docetaxel)
    summary = neutropenia_summary(result, grade=3)
    assert (summary["nadir_time"], summary["nadir"]) == nadir(result, "ANC")
    assert summary["worst_grade"] == 3  # nadir 0.75e9/L
    assert summary["onset"] == first_crossing(result, "ANC", 1.0)
    assert summary["time_below"] == time_below(result, "ANC", 1.0)
    assert summary["recovery"] == recovery_time(result, "ANC", 1.0)
    assert summary["onset"] < summary["nadir_time"] < summary["recovery"]
    with pytest.raises(hm.ModelError, match="grade"):
        neutropenia_summary(result, grade=1)


# ----------------------------------------------------------------------------- cohorts
def test_cohort_is_reproducible_and_log_normal(docetaxel):
    omega2 = {"MTT": 0.0296, "slope": 0.176}
    a = lognormal_cohort(docetaxel, omega2=omega2, cv={"gamma": 0.3}, n=20000, seed=7)
    b = lognormal_cohort(docetaxel, omega2=omega2, cv={"gamma": 0.3}, n=20000, seed=7)
    c = lognormal_cohort(docetaxel, omega2=omega2, cv={"gamma": 0.3}, n=20000, seed=8)
    assert a.equals(b) and not a.equals(c)
    expected = {**omega2, "gamma": math.log(1 + 0.3**2)}
    for name, variance in expected.items():
        logs = np.log(a[name] / docetaxel.parameter(name).value)
        # SE of the median of log ~ 1.25 omega / sqrt(n) <= 0.004: tolerance 0.02 (5 SE)
        assert np.median(logs) == pytest.approx(0.0, abs=0.02)
        # SE of the variance ~ omega^2 sqrt(2/n) = 1 %: tolerance 5 %
        assert np.var(logs) == pytest.approx(variance, rel=0.05)
    assert a.index.name == "patient" and len(a) == 20000
    assert omega2_to_cv(cv_to_omega2(0.3)) == pytest.approx(0.3)


def test_cohort_rejects_bad_specifications(docetaxel):
    with pytest.raises(hm.ModelError, match="unknown parameter 'mtt'"):
        lognormal_cohort(docetaxel, omega2={"mtt": 0.1}, n=3)
    with pytest.raises(hm.ModelError, match="omega2\\['MTT'\\]"):
        lognormal_cohort(docetaxel, omega2={"MTT": -0.1}, n=3)
    with pytest.raises(hm.ModelError, match="both"):
        lognormal_cohort(docetaxel, omega2={"MTT": 0.1}, cv={"MTT": 0.1}, n=3)
    with pytest.raises(hm.ModelError, match="n = 0"):
        lognormal_cohort(docetaxel, omega2={"MTT": 0.1}, n=0)
    with pytest.raises(hm.ModelError, match="at least one"):
        lognormal_cohort(docetaxel, n=3)
    with pytest.raises(hm.ModelError, match="outside its bounds"):
        lognormal_cohort(docetaxel, omega2={"gamma": 9.0}, n=1000, seed=1)


def test_cohort_simulation_equals_individual_simulations(docetaxel):
    table = lognormal_cohort(
        docetaxel, omega2={"MTT": 0.0296, "slope": 0.176}, cv={"gamma": 0.3}, n=6, seed=3
    )
    t = np.linspace(0, 28 * DAY, 113)
    dose = [hm.Dose(0, "Conc", C0_200MG)]
    cohort = docetaxel.simulate_many(table, 28 * DAY, doses=dose, t_eval=t)
    for i, row in enumerate(table.to_dict("records")):
        alone = docetaxel.simulate(28 * DAY, params=row, doses=dose, t_eval=t)
        np.testing.assert_allclose(cohort["ANC"][i], alone["ANC"], rtol=1e-5, atol=1e-8)


def test_cohort_band_chart_holds_the_quantiles(docetaxel):
    table = lognormal_cohort(docetaxel, omega2={"MTT": 0.0296, "slope": 0.176}, n=40, seed=2)
    t = np.linspace(0, 28 * DAY, 57)
    cohort = docetaxel.simulate_many(
        table, 28 * DAY, doses=[hm.Dose(0, "Conc", C0_200MG)], t_eval=t
    )
    chart = cohort_band_chart(
        cohort, "ANC", time_factor=1 / DAY, time_unit="day", reference_lines={"grade 4": 0.5}
    )
    spec = chart.to_dict()
    data = next(iter(spec["datasets"].values()))
    times = [row["time"] for row in data]
    np.testing.assert_allclose(times, t / DAY, rtol=1e-5)
    low, middle, high = np.quantile(cohort["ANC"], [0.05, 0.5, 0.95], axis=0)
    np.testing.assert_allclose([r["median"] for r in data], middle, rtol=1e-3)
    np.testing.assert_allclose([r["lower"] for r in data], low, rtol=1e-3)
    np.testing.assert_allclose([r["upper"] for r in data], high, rtol=1e-3)
    assert "Time (days)" in str(spec)
    with pytest.raises(hm.ModelError, match="cohort"):
        cohort_band_chart(single_dose(docetaxel, days=2), "ANC")
    with pytest.raises(hm.ModelError, match="quantiles"):
        cohort_band_chart(cohort, "ANC", lower=0.6)


# ---------------------------------------------------------------------- explorable time axis
def test_explore_time_display_rescales_only_the_axis(docetaxel, monkeypatch):
    def scenario(values):
        return {"doses": [hm.Dose(0, "Conc", bolus_concentration(values["dose_mg"]))]}

    view = hm.widgets.explore(
        docetaxel,
        [
            hm.widgets.Slider(
                name="dose_mg", values=[50, 150, 250], value=250, label="Dose", unit="mg"
            )
        ],
        t_end=28 * DAY,
        scenario=lambda v: scenario({"dose_mg": v["dose_mg"] - 50}),
        variables=["ANC"],
        log_scale=False,
        steady_state=False,
        n_time=29,
        time_display=(1 / DAY, "day"),
    )
    spec = view.chart().to_dict()
    panel = spec["vconcat"][0]["layer"][0]
    assert panel["encoding"]["x"]["title"] == "Time (days)"
    assert panel["encoding"]["x"]["scale"]["domain"] == [0, pytest.approx(28.0)]
    assert "* 1.0" in str(panel["transform"])  # one day between stored points
    assert spec["datasets"]["markers"][0]["time"] == 0.0
    direct = docetaxel.simulate(
        28 * DAY, doses=scenario({"dose_mg": 200})["doses"], t_eval=view.t_eval
    )
    np.testing.assert_allclose(view.run()["ANC"], direct["ANC"])
    with pytest.raises(hm.ModelError, match="time_display"):
        hm.widgets.explore(docetaxel, ["MTT"], t_end=10, time_display=(0, "day"))


# ------------------------------------------------------------ the chapter's explorables
def test_one_dose_explorable_equals_direct_simulation_and_prints_the_nadir(docetaxel):
    from hemomodels.explorables import chemotherapy as chemo

    view = chemo.one_dose(docetaxel)
    result = view.run(dose_mg_per_m2=75, MTT=100.0, gamma=0.2)
    # 75 mg/m² x 1.8 m² over one hour, by hand: 135 mg / 0.808 mg/µmol / 7.4 L in 1 h
    direct = docetaxel.simulate(
        28 * 24,
        params={"MTT": 100.0, "gamma": 0.2},
        t_eval=view.t_eval,
        doses=[hm.Infusion(0.0, 1.0, "Conc", 135 / 0.808 / 7.4)],
    )
    np.testing.assert_allclose(result["ANC"], direct["ANC"], rtol=1e-10)
    day, low = hm.clinical.nadir(direct, "ANC")
    assert view.summary_rows(result)["nadir"].startswith(f"day {day / 24:.1f}, {low:.2f}")


def test_schedule_and_gcsf_explorables_give_the_doses_they_say(docetaxel):
    from hemomodels.explorables import chemotherapy as chemo

    schedule = plans.docetaxel_schedule(200, 21, 3)
    assert [d.time / 24 for d in schedule.doses()] == [0.0, 21.0, 42.0]
    events = plans.gcsf_course(1.0, 5, cycles=2, every_days=14)
    changes = [
        (e.time / 24, e.values["gcsf_rise"]) for e in events if isinstance(e, hm.ParameterChange)
    ]
    assert changes == [(1.0, 1.0), (6.0, 0.0), (15.0, 1.0), (20.0, 0.0)]
    drips = [e for e in plans.gcsf_course(0.0, 5) if isinstance(e, hm.Infusion)]
    assert [(d.start / 24, d.duration) for d in drips] == [(0, 1), (21, 1), (42, 1), (63, 1)]
    assert len(plans.gcsf_course(0.0, 5)) == 4  # no G-CSF: the four infusions only
    assert sorted(chemo.dose_schedule(docetaxel).values) == ["cycle_days", "cycles"]
    view = chemo.dose_delay(docetaxel)
    assert sorted(view.values) == ["cycle_days", "cycles", "delay_rule"]
    planned = view.simulate_kwargs(cycle_days=7, cycles=4, delay_rule=False)["doses"]
    assert [d.start / 24 for d in planned] == [0, 7, 14, 21]
    ruled = view.simulate_kwargs(cycle_days=7, cycles=4, delay_rule=True)["doses"]
    chosen, _ = plans.regimen_with_delay_rule(docetaxel, 75, every_days=7, cycles=4, last_day=146)
    assert ruled == chosen and [d.start / 24 for d in ruled][1] > 7


def test_cohort_toxicity_counts_patients(docetaxel):
    from hemomodels.explorables import chemotherapy as chemo

    # two patients, one with a strong drug effect: only that one reaches grade 4
    cohort = docetaxel.simulate_many(
        {"slope": [0.5, 20.0]},
        28 * 24,
        doses=[plans.docetaxel_schedule(200, 14, 2)],
    )
    deep = cohort["ANC"].min(axis=1)
    assert deep[0] > 0.5 > deep[1]
    fractions = chemo.cohort_toxicity(cohort, dosing_days=[14])
    assert fractions["grade 4 at least once"] == 0.5
    table = chemo.nadir_rebound_table({"weak": chemo_single(docetaxel, 0.5)})
    assert list(table.columns) == ["nadir day", "nadir (10⁹/L)", "rebound day", "rebound (10⁹/L)"]


def chemo_single(model, slope):
    return model.simulate(
        28 * 24, params={"slope": slope}, doses=[hm.Dose(0.0, "Conc", bolus_concentration(200))]
    )


@pytest.mark.parametrize("every_days", [7, 10, 14, 21])
def test_the_dose_delay_rule_treats_only_patients_whose_count_has_recovered(every_days):
    """One simulation with the infusions the rule chose reproduces every decision: on each
    day a dose was given the count (just before it) is at least 1.5 × 10⁹/L, on each day a
    dose was postponed it is below; no dose comes sooner than the planned spacing after the
    previous one, and a postponement is one week."""
    model = hm.models.friberg2002("docetaxel_kloft2006")
    doses, decisions = plans.regimen_with_delay_rule(
        model, 75, every_days=every_days, cycles=5, last_day=146
    )
    days = np.array([drip.start / 24 for drip in doses])
    assert np.all(np.diff(days) >= every_days)
    check_times = decisions["day checked"].to_numpy() * 24
    just_before = check_times - 1e-6  # hours: before a dose given at the check
    before = model.simulate(float(check_times.max()) + 1, doses=doses, t_eval=just_before)["ANC"]
    given = decisions["decision"].to_numpy() == "given"
    assert np.all(before[given] >= plans.ANC_TO_TREAT)
    assert np.all(before[~given] < plans.ANC_TO_TREAT)
    assert sorted(decisions.loc[given, "day checked"]) == pytest.approx(days[1:].tolist())
    for cycle, rows in decisions.groupby("cycle"):
        assert np.all(np.diff(rows["day checked"].to_numpy()) == 7.0), cycle
    if every_days == 21:  # the label's cycle: the count has recovered every time
        assert given.all()


def test_the_dose_delay_rule_checks_its_inputs():
    model = hm.models.friberg2002("docetaxel_kloft2006")
    with pytest.raises(hm.ModelError, match="anc_to_treat"):
        plans.regimen_with_delay_rule(model, 75, anc_to_treat=0.0)
    with pytest.raises(hm.ModelError, match="delay_days"):
        plans.regimen_with_delay_rule(model, 75, delay_days=-7)


@pytest.fixture(scope="module")
def small_trial():
    return plans.virtual_trial(patients=3000, seed=7)


def test_the_virtual_trial_counts_the_patients_of_a_direct_cohort_simulation(small_trial):
    """Each arm's counts equal the same patients simulated at once by simulate_many at a far
    tighter tolerance and graded here from the ANC threshold (an independent path): the
    trial's looser tolerance changes no patient's grade. The median nadir agrees to 1e-5."""
    from hemomodels.models.friberg2002 import KLOFT2006_OMEGA2, at_baseline

    model = hm.models.friberg2002("docetaxel_kloft2006")
    drawn = lognormal_cohort(model, omega2=KLOFT2006_OMEGA2, n=3000, seed=7)
    table = at_baseline({name: drawn[name].to_numpy() for name in drawn.columns})
    t_eval = np.linspace(0.0, 98 * DAY, 98 * 4 + 1)
    for row, doses in zip(small_trial.itertuples(), plans.TRIAL_REGIMENS.values(), strict=True):
        worst = model.simulate_many(
            table, 98 * DAY, doses=doses, t_eval=t_eval, rtol=1e-10, atol=1e-13
        )["ANC"].min(1)
        assert small_trial.loc[row.Index, "grade 4 (patients)"] == int(np.sum(worst < 0.5))
        assert small_trial.loc[row.Index, "grade 3 or 4 (patients)"] == int(np.sum(worst < 1.0))
        assert small_trial.loc[row.Index, "median nadir (10⁹/L)"] == pytest.approx(
            np.median(worst), rel=1e-5
        )


def test_the_virtual_trial_intervals_are_exact_binomial_intervals(small_trial):
    """Clopper-Pearson by its definition: at the lower end, k or more successes have
    probability 2.5 %; at the upper end, k or fewer."""
    from scipy.stats import binom

    for _, row in small_trial.iterrows():
        k, n = row["grade 4 (patients)"], row["patients"]
        low, high = row["grade 4, low (%)"] / 100, row["grade 4, high (%)"] / 100
        assert binom.sf(k - 1, n, low) == pytest.approx(0.025, rel=1e-6)
        assert binom.cdf(k, n, high) == pytest.approx(0.025, rel=1e-6)
        assert low < k / n < high


def test_the_label_dose_arm_matches_the_label(small_trial):
    """100 mg/m² every 3 weeks: the label reports grade 4 in 75.4 % of 2,045 patients and in
    85.9 % of 965 with breast cancer (``taxotere``); the virtual arm lies between them, and
    the lower dose gives fewer grade-4 patients."""
    by_arm = small_trial.set_index("regimen")["grade 4 (%)"]
    label = plans.LABEL_GRADE4_PERCENT
    assert min(label.values()) < by_arm["100 mg/m²"] < max(label.values())
    assert by_arm["75 mg/m²"] < by_arm["100 mg/m²"] - 10


@pytest.mark.parametrize(
    "argument, message",
    [({"patients": 5}, "patients"), ({"days": 0}, "days"), ({"confidence": 1.0}, "confidence")],
)
def test_the_virtual_trial_checks_its_inputs_before_simulating(argument, message, monkeypatch):
    monkeypatch.setattr(plans, "simulate_cohort", lambda *a, **k: pytest.fail("simulated"))
    with pytest.raises(hm.ModelError, match=message):
        plans.virtual_trial(**argument)
