"""Cohort read-outs (hemomodels.clinical.readouts): closed forms, and the same answers as the
single-patient read-outs of hemomodels.clinical on every patient."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import sympy
from conftest import clearance_model
from scipy.optimize import brentq

import hemomodels as hm
from hemomodels.clinical import (
    engraftment_day,
    nadir,
    neutropenia_grade,
    neutropenia_summary,
    time_below,
)
from hemomodels.clinical.readouts import (
    EngraftmentDay,
    FinalValue,
    Nadir,
    NadirTime,
    NeutropeniaGrade,
    TimeBelow,
)

K1, K2, BASELINE = 0.5, 1.0, 2.0
#: Initial amounts of the dip model's first compartment, one per patient.
A0 = np.array([0.0, 0.4, 3.0, 5.0, 7.0])


def dip_model() -> hm.Model:
    """A count that dips and recovers: count = 2 - A2, where A1 -> A2 -> out is a Bateman
    chain with rates 0.5 and 1 per day (a0 in A1 at t = 0)."""
    a1 = hm.State("A1", "First compartment", "10^9 cells/L", initial=0.0)
    a2 = hm.State("A2", "Second compartment", "10^9 cells/L", initial=0.0)
    k1, k2 = (
        hm.Parameter(name, value, "1/day", (0.0, 10.0), name, "friberg2002")
        for name, value in (("k1", K1), ("k2", K2))
    )
    count = hm.Observable(
        "count", sympy.Float(BASELINE) - a2.symbol, "10^9 cells/L", "Count below baseline"
    )
    return hm.Model(
        "dip",
        states=[a1, a2],
        parameters=[k1, k2],
        flows=[
            hm.Flow(a1, a2, k1.symbol * a1.symbol),
            hm.Flow(a2, None, k2.symbol * a2.symbol),
        ],
        observables=[count],
        time_unit="day",
        reference="friberg2002",
    )


def dip_count(t: float, a0: float) -> float:
    """The dip model's count in closed form."""
    return BASELINE - a0 * K1 / (K2 - K1) * (math.exp(-K1 * t) - math.exp(-K2 * t))


#: Time of the lowest count (the peak of A2), the same for every a0.
NADIR_TIME = math.log(K2 / K1) / (K2 - K1)


@pytest.fixture(scope="module")
def dips() -> hm.Result:
    t = np.union1d(np.linspace(0.0, 30.0, 3001), [NADIR_TIME])  # the nadir is an output time
    return dip_model().simulate_many({"A1": A0}, 30.0, t_eval=t, rtol=1e-11, atol=1e-12)


@pytest.fixture(scope="module")
def docetaxel() -> hm.Result:
    model = hm.models.friberg2002()
    table = {"slope": [4.0, 8.0, 12.0, 20.0, 30.0], "MTT": [70.0, 90.0, 110.0, 90.0, 125.0]}
    doses = [hm.Dose(0.0, "Conc", 33.5)]
    return model.simulate_many(table, 504.0, doses=doses, t_eval=range(0, 505, 6))


def test_nadir_and_its_time_have_their_closed_form(dips):
    np.testing.assert_allclose(
        Nadir("count")(dips), [dip_count(NADIR_TIME, a0) for a0 in A0], rtol=1e-7
    )
    times = NadirTime("count")(dips)
    np.testing.assert_allclose(times[1:], NADIR_TIME)
    assert times[0] == 0.0  # a flat series: its first point


def test_time_below_has_its_closed_form(dips):
    threshold = 1.5
    expected = []
    for a0 in A0:
        if dip_count(NADIR_TIME, a0) >= threshold:
            expected.append(0.0)
            continue
        low = brentq(lambda t, a0=a0: dip_count(t, a0) - threshold, 0.0, NADIR_TIME)
        high = brentq(lambda t, a0=a0: dip_count(t, a0) - threshold, NADIR_TIME, 30.0)
        expected.append(high - low)
    # Crossings interpolated linearly on a 0.01-day grid: off by at most ~dt² f''/(8 f')
    np.testing.assert_allclose(TimeBelow("count", threshold)(dips), expected, atol=1e-4)


def test_clearance_spends_its_closed_form_time_below_a_threshold():
    """C = 5 exp(-k t) is below 1 from ln(5)/k on: for the rest of the 24 h."""
    rates = np.array([0.1, 0.2, 0.3])
    model = clearance_model()
    t = np.linspace(0.0, 24.0, 2401)
    cohort = model.simulate_many(
        {"elimination_rate": rates}, 24.0, doses=hm.Dose(0.0, "drug", 5.0), t_eval=t, rtol=1e-11
    )
    np.testing.assert_allclose(Nadir("drug")(cohort), 5 * np.exp(-rates * 24), rtol=1e-7)
    np.testing.assert_allclose(FinalValue("drug")(cohort), 5 * np.exp(-rates * 24), rtol=1e-7)
    np.testing.assert_allclose(NadirTime("drug")(cohort), 24.0)
    expected = np.maximum(24.0 - np.log(5.0) / rates, 0.0)
    np.testing.assert_allclose(TimeBelow("drug", 1.0)(cohort), expected, atol=1e-4)


def test_neutropenia_grade_is_the_ctcae_grade_of_the_closed_form_nadir(dips):
    nadirs = [dip_count(NADIR_TIME, a0) for a0 in A0]  # 2, 1.9, 1.25, 0.75, 0.25
    assert NeutropeniaGrade("count")(dips).tolist() == [0, 1, 2, 3, 4]
    assert NeutropeniaGrade("count")(dips).tolist() == neutropenia_grade(nadirs).tolist()


def test_engraftment_day_is_the_first_day_back_above_the_threshold(dips):
    threshold = 1.5
    days = EngraftmentDay("count", threshold=threshold, days=3)(dips)
    for a0, day in zip(A0, days, strict=True):
        if dip_count(NADIR_TIME, a0) >= threshold:
            assert math.isnan(day)  # never below: nothing to recover from
            continue
        recovered = brentq(lambda t, a0=a0: dip_count(t, a0) - threshold, NADIR_TIME, 30.0)
        assert day == math.ceil(recovered)


def test_readouts_equal_the_single_patient_readouts_on_every_patient(docetaxel):
    for patient in range(docetaxel.n_patients):
        time, value = nadir(docetaxel, "ANC", patient=patient)
        assert Nadir("ANC")(docetaxel)[patient] == value
        assert NadirTime("ANC")(docetaxel)[patient] == time
        assert FinalValue("ANC")(docetaxel)[patient] == docetaxel["ANC"][patient, -1]
        grade = neutropenia_summary(docetaxel, patient=patient)["worst_grade"]
        assert NeutropeniaGrade()(docetaxel)[patient] == grade
        for threshold in (0.5, 1.0, 2.0):
            expected = time_below(docetaxel, "ANC", threshold, patient=patient)
            assert TimeBelow("ANC", threshold)(docetaxel)[patient] == pytest.approx(expected)
            alone = _time_below_by_loop(docetaxel.t, docetaxel["ANC"][patient], threshold)
            assert TimeBelow("ANC", threshold)(docetaxel)[patient] == pytest.approx(alone)


def _time_below_by_loop(t, values, threshold):
    """Time below a threshold, interval by interval (an independent implementation)."""
    total = 0.0
    for i in range(t.size - 1):
        v0, v1 = values[i], values[i + 1]
        if v0 < threshold and v1 < threshold:
            total += t[i + 1] - t[i]
        elif v0 < threshold or v1 < threshold:
            crossing = t[i] + (threshold - v0) / (v1 - v0) * (t[i + 1] - t[i])
            total += crossing - t[i] if v0 < threshold else t[i + 1] - crossing
    return total


def test_engraftment_day_equals_the_single_patient_engraftment_day():
    model = hm.models.transplant_reconstitution()
    cohort = model.simulate_many({"stem_cells": [1e2, 1e4, 1e5, 1.15e7]}, 40, t_eval=range(41))
    days = EngraftmentDay()(cohort)
    for patient, day in enumerate(days):
        expected = engraftment_day(cohort, patient=patient)
        assert (math.isnan(day) and expected is None) or day == expected


def test_a_single_simulation_is_a_cohort_of_one(docetaxel):
    one = docetaxel.patient(3)
    for readout in (Nadir("ANC"), NadirTime("ANC"), TimeBelow("ANC", 1.0), NeutropeniaGrade()):
        assert readout(one).shape == (1,)
        assert readout(one)[0] == readout(docetaxel)[3]


def test_readouts_pickle_and_name_their_columns_and_units():
    model = hm.models.friberg2002()
    readouts = [
        Nadir("ANC"),
        NadirTime("ANC"),
        FinalValue("ANC"),
        TimeBelow("ANC", 0.5),
        NeutropeniaGrade(),
        EngraftmentDay(),
    ]
    assert [pickle.loads(pickle.dumps(r)) for r in readouts] == readouts
    assert [r.name for r in readouts] == [
        "ANC nadir",
        "ANC nadir time",
        "ANC at end",
        "time ANC < 0.5",
        "neutropenia grade",
        "ANC engraftment day",
    ]
    units = [r.unit(model) for r in readouts]
    assert units == ["10^9 cells/L", "h", "10^9 cells/L", "h", "CTCAE grade", "day"]


@pytest.mark.parametrize(
    "readout, field, match",
    [
        (Nadir("PLT"), "state or observable name", "unknown state or observable 'PLT'"),
        (TimeBelow("ANC", "low"), "threshold", "threshold = 'low'.*10\\^9 cells/L"),
        (TimeBelow("ANC", math.inf), "threshold", "threshold = inf"),
        (EngraftmentDay(threshold=0.0), "threshold", "threshold = 0.0.*> 0"),
        (EngraftmentDay(days=0), "days", "days = 0.*>= 1"),
        (NeutropeniaGrade("Conc"), "unit of output 'Conc'", "'µM'.*'10\\^9 cells/L'"),
        (NeutropeniaGrade(lower_limit_normal=1.0), "lower_limit_normal", ">= 1.5"),
    ],
)
def test_bad_readouts_are_refused_by_the_model(readout, field, match):
    with pytest.raises(hm.ModelError, match=match) as error:
        readout.check(hm.models.friberg2002())
    assert error.value.field == field


def test_an_undefined_series_is_refused_naming_the_patient():
    model = clearance_model()
    t = np.array([0.0, 1.0, 2.0])
    result = hm.Result.from_arrays(model, t, np.array([[1.0, 0.5, 0.25]]))
    result.states[0, 1] = np.nan
    with pytest.raises(
        hm.ModelError, match="'drug' is undefined \\(NaN\\) for patient 0 from t = 1"
    ):
        Nadir("drug")(result)
