"""No silent wrong answers: one regression test for each problem found by trying the package
as a new modeller would (issue 13, repros 1-15). Each test fails on the code before the fix.

The truths are independent of the code under test: closed forms worked out by hand, the
same quantity computed two ways (days versus hours), or a declared property of Python
(tuples cannot be reordered).
"""

from __future__ import annotations

import math
import pickle
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pandas as pd
import pytest
import sympy

import hemomodels as hm
import hemomodels.solver as solver_module
import hemomodels.validation as validation_module
from hemomodels.clinical import (
    engraftment_day,
    first_crossing,
    nadir,
    neutropenia_summary,
    recovery_time,
    time_below,
)
from hemomodels.clinical.timeseries import below_threshold
from hemomodels.clinical.transplant import engraftment_summary, graft_failure
from hemomodels.models.friberg2002 import bolus_concentration
from hemomodels.result import Result


def _signed_guard(nonnegative: bool) -> hm.Model:
    """dv/dt = -k + 10 max(-v, 0) from v = 0: for v < 0 it is -k - 10 v, so v settles at
    -k/10 (by hand); the max is what repro 1 saw rewritten away."""
    v = hm.State("v", "a signed quantity", "1", 0.0, nonnegative=nonnegative)
    k = hm.Parameter("k", 1.0, "1/day", (0, 10), "drift", "friberg2002")
    return hm.Model(
        "guard",
        states=[v],
        parameters=[k],
        rhs={v: -k.symbol + 10 * sympy.Max(-v.symbol, 0)},
        observables=[hm.Observable("size", sympy.Abs(v.symbol), "1", "|v|")],
    )


# ------------------------------------------------------------------- 1. kept as written
def test_expressions_are_kept_as_written():
    v = hm.State("v", "v", "1", 0.0)
    assert hm.Observable("a", sympy.Abs(v.symbol), "1", "a").expression == sympy.Abs(v.symbol)
    assert sympy.sqrt(v.symbol**2) == sympy.Abs(v.symbol)  # the same function, not v
    guard = _signed_guard(nonnegative=False)
    assert guard.rhs[0].has(sympy.Max)
    result = guard.simulate(5.0, t_eval=[0.0, 5.0])
    # -k/10 + (k/10) exp(-10 t), by hand
    assert result["v"][-1] == pytest.approx(-0.1 + 0.1 * math.exp(-50), abs=1e-7)
    assert result["size"][-1] == pytest.approx(0.1, abs=1e-7)  # Abs is evaluated, not dropped


def test_a_non_negative_state_that_goes_negative_stops_the_simulation():
    with pytest.raises(hm.ModelError, match=r"state 'v' fell to -0\.\d+ at t = ") as error:
        _signed_guard(nonnegative=True).simulate(5.0)
    assert error.value.field == "state 'v'"
    with pytest.raises(hm.ModelError, match="initial value of 'v'"):
        _signed_guard(nonnegative=True).simulate(5.0, y0={"v": -1.0})
    # a signed state may start negative
    assert _signed_guard(nonnegative=False).simulate(1.0, y0={"v": -1.0})["v"][0] == -1.0


# ------------------------------------------------------- 2. parameters in effect, not declared
def test_parameter_change_at_time_zero_is_reported():
    model = hm.models.friberg2002()
    change = hm.ParameterChange(0, {"slope": 0.0})
    result = model.simulate(10, y0={"Conc": 1}, doses=[change])
    assert result.params["slope"] == 0.0
    assert np.all(result["drug_effect"] == 0.0)
    later = model.simulate(10, y0={"Conc": 1}, doses=[hm.ParameterChange(4, {"slope": 0.0})])
    history = later.parameter_history()
    assert history[["start", "end", "slope"]].values.tolist() == [[0, 4, 8.58], [4, 10, 0]]
    assert later.params["slope"] == 8.58
    # the drug effect follows the history: slope x concentration before, 0 after
    before = later.t < 4
    np.testing.assert_allclose(later["drug_effect"][before], 8.58 * later["Conc"][before])
    assert np.all(later["drug_effect"][~before] == 0.0)


def test_cohort_parameter_history_has_one_row_per_patient_and_stretch():
    model = hm.models.friberg2002()
    cohort = model.simulate_many(
        {"slope": [1.0, 2.0]}, 10, doses=[hm.ParameterChange(5, {"gamma": 0.2})]
    )
    history = cohort.parameter_history()
    assert history[["patient", "start", "slope", "gamma"]].values.tolist() == [
        [0, 0, 1.0, 0.161],
        [0, 5, 1.0, 0.2],
        [1, 0, 2.0, 0.161],
        [1, 5, 2.0, 0.2],
    ]


# --------------------------------------------------------------- 3. time units of read-outs
def _friberg_course():
    model = hm.models.friberg2002()  # hours
    return model.simulate(
        24 * 40, doses=[hm.Dose(0, "Conc", bolus_concentration(400))], t_eval=range(0, 961, 6)
    )


def test_day_read_outs_convert_hours_to_days():
    hours = _friberg_course()
    days_model = hm.Model(
        "ANC in days",
        states=[hm.State("ANC", "ANC", "10^9 cells/L", 0.0)],
        parameters=[hm.Parameter("unused", 1.0, "1", (0, 2), "unused", "friberg2002")],
        rhs={},
        time_unit="day",
    )
    days = Result.from_arrays(days_model, hours.t / 24, hours["ANC"][None, :])
    assert engraftment_day(hours) == engraftment_day(days)
    assert engraftment_day(hours) is not None and engraftment_day(hours) < 40
    assert graft_failure(hours, "autologous_pbsc") == graft_failure(days, "autologous_pbsc")
    summary = engraftment_summary(hours, "autologous_pbsc")
    assert summary["graft_failure"] is False


def test_unknown_time_unit_is_refused_by_day_read_outs():
    model = hm.Model(
        "fortnights",
        states=[hm.State("ANC", "ANC", "10^9 cells/L", 1.0)],
        parameters=[hm.Parameter("unused", 1.0, "1", (0, 2), "unused", "friberg2002")],
        rhs={},
        time_unit="fortnight",
    )
    result = model.simulate(3.0)
    with pytest.raises(hm.ModelError, match="time unit 'fortnight'"):
        engraftment_day(result)


# ----------------------------------------------------------------- 4. immutable names
def test_names_cannot_be_reordered_behind_the_model():
    model = hm.models.marciniak_czochra_2009()
    with pytest.raises(AttributeError):
        model.parameter_names.reverse()  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        model.state_index["stem_cells"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        model.units["stem_cells"] = "mg"  # type: ignore[index]
    defaults = model.defaults
    defaults["stem_self_renewal"] = 0.1
    assert model.defaults["stem_self_renewal"] == 0.85
    result = model.simulate(1.0, y0={"neutrophils": 1.0})
    assert result["neutrophils"][0] == 1.0


# ------------------------------------------------------ 5. solver failures name the time
def test_huge_rate_gives_a_model_error_not_a_raw_error():
    x = hm.State("x", "cells", "cells", 1.0)
    rate = hm.Parameter("rate", 1.0, "1/day", (0, math.inf), "growth", "friberg2002")
    model = hm.Model("fast", states=[x], parameters=[rate], rhs={x: rate.symbol * x.symbol})
    with pytest.raises(hm.ModelError, match="the solver") as error:
        model.simulate(10.0, params={"rate": 1e200})
    assert error.value.field == "simulation"


@pytest.mark.parametrize("method", ["LSODA", "BDF", "Radau"])
@pytest.mark.parametrize("t_eval", [None, [0.0, 2.0]])
def test_solver_failure_reports_the_time_really_reached(method, t_eval):
    """dx/dt = x^2 from x(0) = 1 blows up at t = 1 (by hand); every method must say so, also
    when no output time lies between the start and the failure."""
    x = hm.State("x", "cells", "cells", 1.0)
    rate = hm.Parameter("rate", 1.0, "1/day", (0, 10), "growth", "friberg2002")
    model = hm.Model("blow-up", states=[x], parameters=[rate], rhs={x: rate.symbol * x.symbol**2})
    with pytest.raises(hm.ModelError) as error:
        model.simulate(2.0, method=method, t_eval=t_eval)
    assert 0.9 <= error.value.value <= 1.0 + 1e-6


@pytest.mark.parametrize("name", hm.models.available())
def test_every_model_solves_to_its_max_time(name):
    model = hm.models.get(name)
    assert math.isfinite(model.max_time)
    result = model.simulate(model.max_time, t_eval=[0.0, model.max_time])
    assert np.all(np.isfinite(result.states))
    with pytest.raises(hm.ModelError, match="max_time"):
        model.simulate(model.max_time * 1.5)


def test_michor_horizon_is_where_cell_numbers_stay_finite_and_bounded():
    model = hm.models.michor2005()
    result = model.simulate(model.max_time, t_eval=[0.0, model.max_time], method="BDF")
    assert result.states.max() < 1e40  # finite, not the 1e90 of a 10^5-day run


# --------------------------------------------------------------------- 6. work limit
def test_explicit_method_on_a_stiff_problem_stops_at_the_work_limit():
    model = hm.models.friberg2002()
    with pytest.raises(hm.ModelError, match="5,000 right-hand-side evaluations") as error:
        model.simulate(
            504,
            params={"MTT": 1e-3},
            doses=[hm.Dose(0, "Conc", 30)],
            method="RK45",
            max_evaluations=5000,
        )
    assert 0 < error.value.value < 504  # stopped early, at a real time
    with pytest.raises(hm.ModelError, match="max_evaluations"):
        model.simulate(504, max_evaluations=10)


# ------------------------------------------------------------- 7. schedules checked first
def test_schedule_window_is_checked_before_its_doses_are_built(monkeypatch):
    def forbidden(self):
        raise AssertionError("doses built before the schedule's window was checked")

    monkeypatch.setattr(hm.Schedule, "doses", forbidden)
    with pytest.raises(hm.ModelError, match="last dose of the schedule"):
        hm.models.friberg2002().simulate(10, doses=hm.Schedule("Conc", 0.1, 0, 1, 10**7))


def test_too_many_events_are_refused():
    doses = hm.Schedule("Conc", 0.1, 0, 0.001, validation_module.MAX_EVENTS + 1)
    with pytest.raises(hm.ModelError, match="number of events"):
        hm.models.friberg2002().simulate(1000, doses=doses)


# ------------------------------------------------------------------------- 8. pickling
def _simulate_pickled(blob: bytes) -> float:
    model = pickle.loads(blob)
    return float(model.simulate(10.0, t_eval=[0.0, 10.0])["neutrophils"][-1])


def test_models_and_results_pickle_and_work_in_other_processes():
    model = hm.models.marciniak_czochra_2009()
    result = model.simulate(10.0, y0={"neutrophils": 1e8}, t_eval=[0.0, 10.0])
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        again.simulate(10.0, y0={"neutrophils": 1e8}, t_eval=[0.0, 10.0]).states, result.states
    )
    copy = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(copy["neutrophils"], result["neutrophils"])
    assert copy.parameter_history().equals(result.parameter_history())
    blob = pickle.dumps(hm.models.marciniak_czochra_2009())
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        values = list(pool.map(_simulate_pickled, [blob, blob]))
    assert values == [_simulate_pickled(blob)] * 2


# ------------------------------------------------------------- 9. declarations checked
X = hm.State("x", "cells", "cells", 1.0)
RATE = hm.Parameter("rate", 0.1, "1/day", (0, 1), "rate", "friberg2002")


def _declare(**changes):
    arguments = {
        "states": [X],
        "parameters": [RATE],
        "rhs": {X: -RATE.symbol * X.symbol},
        **changes,
    }
    name = arguments.pop("name", "m")
    return hm.Model(name, **arguments)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"max_time": math.nan}, "max_time"),
        ({"max_time": -1}, "max_time"),
        ({"name": None}, "name"),
        ({"time_unit": 123}, "time_unit"),
        ({"rhs": [-X.symbol]}, "rhs"),
        ({"rhs": {X: "x"}}, "rhs['x']"),
        ({"rhs": {X: sympy.Heaviside(X.symbol)}}, "∂(d x/dt)/∂x"),
        ({"rhs": {X: sympy.sign(X.symbol - 1)}}, "∂(d x/dt)/∂x"),
        ({"rhs": {X: sympy.gamma(X.symbol)}}, "d x/dt"),
        ({"rhs": {X: sympy.Function("g")(X.symbol)}}, "d x/dt"),
        ({"rhs": {X: sympy.oo * X.symbol}}, "d x/dt"),
        ({"states": X}, "states"),
        ({"solve_symbolically": "yes"}, "solve_symbolically"),
    ],
)
def test_a_model_is_checked_when_it_is_declared(changes, field):
    with pytest.raises(hm.ModelError) as error:
        _declare(**changes)
    assert error.value.field == field


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: hm.Parameter("r", 0.1, "1/day", (0, 1, 2), "r", "friberg2002"), "bounds"),
        (lambda: hm.Parameter("r", "0.1", "1/day", (0, 1), "r", "friberg2002"), "default"),
        (lambda: hm.Parameter("r", 0.1, 1, (0, 1), "r", "friberg2002"), "unit"),
        (lambda: hm.State("s", "s", "cells", np.nan), "initial"),
        (lambda: hm.Flow(X, X, RATE.symbol * X.symbol, "to itself"), "flow"),
        (lambda: hm.Observable("o", "x + 1", "1", "text"), "expression"),
    ],
)
def test_declarations_name_the_field(build, field):
    with pytest.raises(hm.ModelError) as error:
        build()
    assert field in error.value.field


def test_heaviside_of_a_parameter_only_is_allowed():
    """A switch on a parameter has a zero derivative with respect to the states."""
    model = _declare(rhs={X: -RATE.symbol * X.symbol * sympy.Heaviside(RATE.symbol - 0.05)})
    result = model.simulate(10.0, t_eval=[0.0, 10.0])
    assert result["x"][-1] == pytest.approx(math.exp(-1.0), rel=1e-6)


# ------------------------------------------------------------------- 10. one number rule
def test_numpy_numbers_are_accepted_everywhere():
    course = _friberg_course()
    assert engraftment_day(course, threshold=np.float32(0.5)) == engraftment_day(course)
    assert engraftment_day(course, consecutive=np.int64(3)) == engraftment_day(course)
    assert time_below(course, "ANC", np.int64(1)) == time_below(course, "ANC", 1.0)
    cohort = hm.models.marciniak_czochra_2009().simulate_many(
        {"stem_self_renewal": np.array([0.8, 0.9], dtype=np.float32)}, 10.0
    )
    assert nadir(cohort, "neutrophils", patient=np.int64(1)) == nadir(
        cohort, "neutrophils", patient=1
    )


@pytest.mark.parametrize("bad", [[True, False], ["0.8", "0.9"], np.array([True, False])])
def test_cohort_tables_follow_the_same_number_rule(bad):
    with pytest.raises(hm.ModelError, match="params_table column 'stem_self_renewal'"):
        hm.models.marciniak_czochra_2009().simulate_many({"stem_self_renewal": bad}, 10.0)
    with pytest.raises(hm.ModelError, match="stem_self_renewal"):
        hm.models.marciniak_czochra_2009().simulate(10.0, params={"stem_self_renewal": bad[0]})


def test_patient_index_must_be_an_integer():
    cohort = hm.models.marciniak_czochra_2009().simulate_many(
        {"stem_self_renewal": [0.8, 0.9]}, 5.0
    )
    for bad in (True, 0.0, "0"):
        with pytest.raises(hm.ModelError) as error:
            nadir(cohort, "neutrophils", patient=bad)
        assert error.value.field == "patient"


# -------------------------------------------------------------------------- 11. NaN rule
def _ratio_model() -> hm.Model:
    a = hm.State("a", "cells a", "cells", 0.0)
    b = hm.State("b", "cells b", "cells", 0.0)
    rate = hm.Parameter("rate", 0.1, "1/day", (0, 1), "rate", "friberg2002")
    share = hm.Observable("share", a.symbol / (a.symbol + b.symbol), "1", "share of a")
    return hm.Model(
        "ratio",
        states=[a, b],
        parameters=[rate],
        rhs={a: -rate.symbol * a.symbol, b: -rate.symbol * b.symbol},
        observables=[share],
    )


def test_undefined_observables_are_nan_without_warnings_and_read_outs_refuse_them():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = _ratio_model().simulate(5.0)
    assert np.all(np.isnan(result["share"]))  # 0/0: undefined, not silently 0
    for read_out in (
        lambda: nadir(result, "share"),
        lambda: time_below(result, "share", 0.5),
        lambda: first_crossing(result, "share", 0.5),
    ):
        with pytest.raises(hm.ModelError, match=r"'share' is undefined \(NaN\) from t = 0"):
            read_out()
    defined = _ratio_model().simulate(5.0, y0={"a": 1.0, "b": 3.0})
    np.testing.assert_allclose(defined["share"], 0.25)  # a/(a+b) stays 1/4, by hand


# ---------------------------------------------------------------- 12. one threshold rule
def _anc(values) -> Result:
    model = hm.Model(
        "daily ANC",
        states=[hm.State("ANC", "ANC", "10^9 cells/L", 0.0)],
        parameters=[hm.Parameter("unused", 1.0, "1", (0, 2), "unused", "friberg2002")],
        rhs={},
    )
    values = np.asarray(values, dtype=float)
    return Result.from_arrays(model, np.arange(values.size), values[None, :])


@pytest.mark.parametrize(
    "values, onset, recovery, engrafted",
    [
        ([0.1, 0.2, 0.6, 0.7, 0.8, 0.9], 0.0, 1.75, 2),  # starts below
        ([1.0, 0.9, 0.8, 0.9, 1.0, 1.2], None, None, None),  # never below 0.5
        ([1.0, 0.6, 0.2, 0.3, 0.3, 0.4], 1.25, None, None),  # never recovers
        ([1.0, 0.4, 0.1, 0.6, 0.4, 0.7, 0.9, 1.0], 5 / 6, 2.8, 5),  # dips twice
    ],
)
def test_one_rule_for_onset_recovery_and_engraftment(values, onset, recovery, engrafted):
    result = _anc(values)
    episode = below_threshold(result, "ANC", 0.5)
    summary = neutropenia_summary(result, grade=4)
    assert episode.onset == pytest.approx(onset) if onset is not None else episode.onset is None
    assert summary["onset"] == episode.onset
    assert recovery_time(result, "ANC", 0.5) == episode.recovery == summary["recovery"]
    if recovery is None:
        assert episode.recovery is None
    else:
        assert episode.recovery == pytest.approx(recovery)
    assert engraftment_day(result) == engrafted
    if onset is None:
        assert summary["time_below"] == 0.0
        assert graft_failure(_anc(values + [1.0] * 40), "bone_marrow") is False


# ------------------------------------------------------------ 13. round-off in t_eval
def test_output_times_a_round_off_past_t_end_are_accepted():
    model = hm.Model(
        "decay",
        states=[X],
        parameters=[RATE],
        flows=[hm.Flow(X, None, RATE.symbol * X.symbol)],
    )
    grid = np.arange(0, 0.35, 0.1)
    result = model.simulate(0.3, t_eval=grid, rtol=1e-12, atol=1e-14)
    assert result.t[-1] == 0.30000000000000004  # kept as given, integrated to it
    np.testing.assert_allclose(result["x"], np.exp(-0.1 * grid), rtol=1e-10)
    with pytest.raises(hm.ModelError, match=r"t_end = 0\.3\]"):
        model.simulate(0.3, t_eval=[0.0, 0.31])


# --------------------------------------------------------------------------- 14. smaller
def test_a_t_end_too_short_for_distinct_output_times_is_refused():
    with pytest.raises(hm.ModelError, match="401 distinct output times"):
        hm.models.marciniak_czochra_2009().simulate(5e-324)


def test_an_output_too_large_for_memory_is_refused_before_integrating(monkeypatch):
    monkeypatch.setattr(validation_module, "_memory_bytes", lambda: 1e6)
    with pytest.raises(hm.ModelError, match="output size") as error:
        hm.models.marciniak_czochra_2009().simulate_many({"stem_self_renewal": [0.8] * 100}, 10)
    assert "GiB" in str(error.value)


def test_a_sympy_symbol_as_a_parameter_key_is_explained():
    model = hm.models.marciniak_czochra_2009()
    key = model.parameter("stem_self_renewal").symbol
    with pytest.raises(hm.ModelError, match=r"Use the name 'stem_self_renewal' \(a str\)"):
        model.simulate(10, params={key: 0.9})


def test_failing_cohort_names_the_patient():
    x = hm.State("x", "cells", "cells", 1.0)
    rate = hm.Parameter("rate", 0.1, "1/day", (0, 10), "growth", "friberg2002")
    model = hm.Model("blow-up", states=[x], parameters=[rate], rhs={x: rate.symbol * x.symbol**2})
    with pytest.raises(hm.ModelError, match=r"for patient 3 \(rate=1\)") as error:
        model.simulate_many({"rate": [0.1, 0.2, 0.3, 1.0, 0.1]}, 2.0)
    assert error.value.field == "patient 3"


def test_final_values_are_plain_floats():
    final = hm.models.marciniak_czochra_2009().simulate(1.0).final()
    assert all(type(value) is float for value in final.values())


# ---------------------------------------------------------------- 15. a realistic cohort
def _realistic_table(n: int, first: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    draws = {
        "MTT": 88.7 * np.exp(rng.normal(0, 0.2, 10_000)),
        "gamma": 0.161 * np.exp(rng.normal(0, 0.2, 10_000)),
        "slope": 8.58 * np.exp(rng.normal(0, 0.4, 10_000)),
    }
    return {name: values[first : first + n] for name, values in draws.items()}


def test_a_hard_block_of_patients_is_integrated_one_by_one(monkeypatch):
    """Make every stacked block fail: each patient is then integrated alone, the fallback is
    recorded, and the cohort equals the single simulations (SciPy's stacked blocks: the
    compiled backend has none)."""
    real = solver_module.solve

    def fail_when_stacked(system, *args, **kwargs):
        if system.n_patients is not None:
            raise solver_module.SolverError("forced failure of the stacked block", 12.0)
        return real(system, *args, **kwargs)

    monkeypatch.setattr(hm.integrate, "solve", fail_when_stacked)
    model = hm.models.friberg2002()
    table = _realistic_table(4)
    doses = hm.Schedule("Conc", bolus_concentration(200), 0, 336, 2)
    cohort = model.simulate_many(table, 700, doses=doses, t_eval=range(0, 701, 20), backend="scipy")
    assert any("integrated one by one" in note for note in cohort.solver.fallbacks)
    for patient in range(4):
        alone = model.simulate(
            700,
            params={name: values[patient] for name, values in table.items()},
            doses=doses,
            t_eval=range(0, 701, 20),
            backend="scipy",
        )
        np.testing.assert_allclose(cohort.states[patient], alone.states, rtol=1e-6, atol=1e-8)


def test_the_realistic_cohort_of_the_report_completes():
    """The block of patients 6000-6999 of the 10,000-patient cohort of repro 15, which
    crashed with SciPy's raw "Factor is exactly singular" at rtol 1e-6: it completes with
    finite, positive counts."""
    model = hm.models.friberg2002()
    table = _realistic_table(1000, first=6000)
    cohort = model.simulate_many(
        pd.DataFrame(table),
        1680,
        doses=hm.Schedule("Conc", bolus_concentration(200), 0, 336, 5),
        t_eval=np.linspace(0, 1680, 141),
        rtol=1e-6,
        atol=1e-9,
    )
    assert np.all(np.isfinite(cohort.states))
    assert cohort["ANC"].min() > 0
