"""Read-outs of trajectories against series whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.clinical import first_crossing, nadir, recovery_time, time_below
from hemomodels.result import Result


def series_result(clearance, t, values) -> Result:
    """A Result holding a hand-made series as the 'drug' state of the clearance model."""
    t = np.asarray(t, dtype=float)
    values = np.asarray(values, dtype=float)[None, :]
    return Result.from_arrays(clearance, t, values, params={"elimination_rate": 0.3})


def test_v_shaped_series(clearance):
    # 10 at t=0 falling to 0 at t=10, back to 10 at t=20
    result = series_result(clearance, [0, 10, 20], [10, 0, 10])
    assert nadir(result, "drug") == (10.0, 0.0)
    assert first_crossing(result, "drug", 4.0) == pytest.approx(6.0)
    assert first_crossing(result, "drug", 4.0, direction="up") == pytest.approx(14.0)
    assert time_below(result, "drug", 4.0) == pytest.approx(8.0)
    assert recovery_time(result, "drug", 4.0) == pytest.approx(14.0)


def test_never_below_and_never_recovers(clearance):
    flat = series_result(clearance, [0, 1, 2], [5, 5, 5])
    assert first_crossing(flat, "drug", 4.0) is None
    assert time_below(flat, "drug", 4.0) == 0.0
    assert recovery_time(flat, "drug", 4.0) is None
    falling = series_result(clearance, [0, 1, 2], [5, 3, 1])
    assert recovery_time(falling, "drug", 4.0) is None
    assert time_below(falling, "drug", 4.0) == pytest.approx(1.5)


def test_dips_twice(clearance):
    result = series_result(clearance, [0, 1, 2, 3, 4], [5, 1, 5, 0, 5])
    assert first_crossing(result, "drug", 3.0) == pytest.approx(0.5)
    assert first_crossing(result, "drug", 3.0, after=1.0) == pytest.approx(2.4)
    assert time_below(result, "drug", 3.0) == pytest.approx(1.0 + 1.2)
    # recovery is counted after the deepest nadir (t = 3)
    assert recovery_time(result, "drug", 3.0) == pytest.approx(3.6)


def test_exponential_clearance_crossing_matches_closed_form(clearance):
    result = clearance.simulate(
        20,
        doses=[hm.Dose(0, "drug", 8.0)],
        t_eval=np.linspace(0, 20, 2001),
        rtol=1e-10,
        atol=1e-12,
    )
    # 8 exp(-0.3 t) = 2  <=>  t = ln(4)/0.3
    assert first_crossing(result, "drug", 2.0) == pytest.approx(np.log(4) / 0.3, abs=1e-4)


def test_cohort_needs_a_patient_index(clearance):
    cohort = clearance.simulate_many({"elimination_rate": [0.1, 0.2]}, 5)
    with pytest.raises(hm.ModelError, match="pass patient="):
        nadir(cohort, "drug")
    with pytest.raises(hm.ModelError, match=r"patient = 5 .*\[0, 1\]"):
        nadir(cohort, "drug", patient=5)
    assert nadir(cohort, "drug", patient=1)[0] == 0.0


def test_bad_threshold_is_rejected(clearance):
    result = clearance.simulate(5)
    with pytest.raises(hm.ModelError, match="threshold = nan"):
        time_below(result, "drug", float("nan"))


def test_peak_after_nadir(clearance):
    from hemomodels.clinical import peak_after_nadir

    result = series_result(clearance, [0, 1, 2, 3, 4], [5, 1, 7, 6, 2])
    assert peak_after_nadir(result, "drug") == (2.0, 7.0)
    falling = series_result(clearance, [0, 1, 2], [5, 3, 1])
    assert peak_after_nadir(falling, "drug") is None
