"""Bad input across the rest of the public API gives one clear ModelError.

tests/test_validation.py covers simulate, simulate_many, Dose, Schedule and explore; this
catalogue covers everything else a reader calls: the clinical read-outs (hm.clinical), virtual
cohorts (hm.cohorts), steady-state sweeps (hm.sweep), steady states, Result, ParameterChange,
huge time spans and a solver failure provoked on purpose. Each case is data: a call on a small
set of prepared simulations, and the pieces the message must contain (the field, the value
given, the allowed range and the unit). A ModelError is a ValueError, and a call that raises
returns nothing, so nothing half-computed can reach the caller.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

import hemomodels as hm
from hemomodels import clinical
from hemomodels.scenarios import transplant as transplant_scenarios


@pytest.fixture(scope="module")
def ctx():
    """A few short simulations the clinical helpers read (built once for the module)."""
    mc = hm.models.marciniak_czochra_2009()
    reconstitution = hm.models.transplant_reconstitution()
    stiehl = hm.models.stiehl2015()
    tetschke = hm.models.tetschke2018()
    return SimpleNamespace(
        mc=mc,
        result=mc.simulate(30, t_eval=range(31)),
        cohort=mc.simulate_many({"stem_self_renewal": [0.8, 0.9]}, 30),
        transplant=reconstitution.simulate(30, t_eval=range(31)),
        aml=stiehl.simulate(30),
        anaemia=tetschke.simulate(30),
    )


def blow_up_model() -> hm.Model:
    """dx/dt = r x^2 from x(0) = 1: the exact solution 1/(1 - r t) blows up at t = 1/r."""
    x = hm.State("x", "self-amplifying cells", "cells", 1.0)
    rate = hm.Parameter(
        "rate",
        1.0,
        "1/(cells*day)",
        (0, 10),
        "self-amplifying growth (illustrative)",
        "friberg2002",
    )
    return hm.Model("blow-up", states=[x], parameters=[rate], rhs={x: rate.symbol * x.symbol**2})


CELLS = "cells/kg"
ANC = "10^9 cells/L"

# (id, call taking the prepared simulations, substrings that must all appear in the message)
CASES = [
    # --- clinical time-series helpers (hm.clinical.timeseries)
    (
        "nadir-unknown-variable",
        lambda c: clinical.nadir(c.result, "neutrophil"),
        ["unknown state or observable 'neutrophil'", "did you mean 'neutrophils'"],
    ),
    (
        "nadir-not-a-result",
        lambda c: clinical.nadir([1.0, 2.0], "neutrophils"),
        ["result = [1.0, 2.0]", "hemomodels.Result"],
    ),
    (
        "nadir-cohort-without-patient",
        lambda c: clinical.nadir(c.cohort, "neutrophils"),
        ["cohort of 2 patients", "patient=<index>"],
    ),
    (
        "nadir-patient-out-of-range",
        lambda c: clinical.nadir(c.cohort, "neutrophils", patient=5),
        ["patient = 5", "an index in [0, 1]", "dimensionless"],
    ),
    (
        "nadir-patient-negative",
        lambda c: clinical.nadir(c.cohort, "neutrophils", patient=-1),
        ["patient = -1", "an index in [0, 1]"],
    ),
    (
        "nadir-patient-fraction",
        lambda c: clinical.nadir(c.cohort, "neutrophils", patient=0.5),
        ["patient = 0.5", "an index in [0, 1]"],
    ),
    (
        "first-crossing-nan-threshold",
        lambda c: clinical.first_crossing(c.result, "neutrophils", math.nan),
        ["threshold = nan", "a finite number", CELLS],
    ),
    (
        "first-crossing-text-threshold",
        lambda c: clinical.first_crossing(c.result, "neutrophils", "1e8"),
        ["threshold = '1e8'", "a finite number", CELLS],
    ),
    (
        "first-crossing-direction",
        lambda c: clinical.first_crossing(c.result, "neutrophils", 1e8, direction="sideways"),
        ["direction = 'sideways'", "one of 'down', 'up'"],
    ),
    (
        "time-below-infinite-threshold",
        lambda c: clinical.time_below(c.result, "neutrophils", math.inf),
        ["threshold = inf", "a finite number", CELLS],
    ),
    (
        "recovery-time-nan",
        lambda c: clinical.recovery_time(c.result, "neutrophils", math.nan),
        ["threshold = nan", "a finite number", CELLS],
    ),
    (
        "peak-after-nadir-unknown",
        lambda c: clinical.peak_after_nadir(c.result, "platelets"),
        ["unknown state or observable 'platelets'", "Allowed state or observable names"],
    ),
    # --- neutropenia (CTCAE)
    (
        "neutropenia-grade-negative",
        lambda c: clinical.neutropenia_grade(-1.0),
        ["anc = -1.0", "a finite number >= 0", ANC],
    ),
    (
        "neutropenia-grade-nan",
        lambda c: clinical.neutropenia_grade([1.0, math.nan]),
        ["anc = [1.0, nan]", "finite numbers >= 0", ANC],
    ),
    (
        "neutropenia-grade-text",
        lambda c: clinical.neutropenia_grade("1.2"),
        ["anc = '1.2'", "finite numbers >= 0", ANC],
    ),
    (
        "neutropenia-grade-lln-too-low",
        lambda c: clinical.neutropenia_grade(1.0, lower_limit_normal=1.0),
        ["lower_limit_normal = 1.0", "a finite number >= 1.5", ANC],
    ),
    (
        "neutropenia-summary-grade",
        lambda c: clinical.neutropenia_summary(c.result, "neutrophils", grade=5),
        ["grade = 5", "one of 2, 3, 4", "CTCAE grade"],
    ),
    # --- anaemia (WHO thresholds)
    (
        "classify-anaemia-negative",
        lambda c: clinical.classify_anaemia(-1.0),
        ["hb_g_dl = -1.0", "a finite number > 0", "g/dL"],
    ),
    (
        "classify-anaemia-nan",
        lambda c: clinical.classify_anaemia(math.nan),
        ["hb_g_dl = nan", "a finite number > 0", "g/dL"],
    ),
    (
        "classify-anaemia-text",
        lambda c: clinical.classify_anaemia("12"),
        ["hb_g_dl = '12'", "a finite number > 0", "g/dL"],
    ),
    (
        "classify-anaemia-group",
        lambda c: clinical.classify_anaemia(12.0, group="adults"),
        ["group = 'adults' is not allowed", "men", "women"],
    ),
    (
        "time-to-transfusion-nan",
        lambda c: clinical.time_to_transfusion(c.anaemia, math.nan),
        ["threshold = nan", "a finite number > 0", "g/dL"],
    ),
    (
        "time-to-transfusion-variable",
        lambda c: clinical.time_to_transfusion(c.anaemia, 7.0, variable="hb"),
        ["unknown state or observable 'hb'", "hb_concentration"],
    ),
    # --- leukaemia read-outs
    (
        "blast-threshold-nan",
        lambda c: clinical.blast_threshold_day(c.aml, math.nan),
        ["threshold = nan", "a finite number", "%"],
    ),
    (
        "log-slope-reversed-window",
        lambda c: clinical.log_slope(c.result, "neutrophils", 20, 10),
        ["fit window = (20.0, 10.0)", "t_start < t_stop", "model time unit"],
    ),
    (
        "takeover-unknown-population",
        lambda c: clinical.takeover_time(c.aml, "blasts", "neutrophils"),
        ["unknown state or observable 'blasts'", "leukaemic_stem_cells"],
    ),
    # --- transplantation
    (
        "engraftment-threshold-negative",
        lambda c: clinical.engraftment_day(c.transplant, threshold=-0.5),
        ["threshold = -0.5", "a finite number > 0", ANC],
    ),
    (
        "engraftment-threshold-text",
        lambda c: clinical.engraftment_day(c.transplant, threshold="0.5"),
        ["threshold = '0.5'", "a finite number > 0", ANC],
    ),
    (
        "engraftment-consecutive-zero",
        lambda c: clinical.engraftment_day(c.transplant, consecutive=0),
        ["consecutive = 0", "an integer >= 1", "days"],
    ),
    (
        "engraftment-consecutive-fraction",
        lambda c: clinical.engraftment_day(c.transplant, consecutive=2.5),
        ["consecutive = 2.5", "an integer >= 1", "days"],
    ),
    (
        "first-engrafted-negative-count",
        lambda c: clinical.first_engrafted_day([0.1, -0.2, 0.6]),
        ["daily_counts = [0.1, -0.2, 0.6]", "finite number >= 0", ANC],
    ),
    (
        "first-engrafted-nan-count",
        lambda c: clinical.first_engrafted_day([math.nan, 0.6]),
        ["daily_counts = [nan, 0.6]", "finite number >= 0", ANC],
    ),
    (
        "first-engrafted-2d",
        lambda c: clinical.first_engrafted_day([[0.1, 0.6]]),
        ["daily_counts = [[0.1, 0.6]]", "1-D series", ANC],
    ),
    (
        "first-engrafted-threshold-zero",
        lambda c: clinical.first_engrafted_day([0.1, 0.6], threshold=0),
        ["threshold = 0", "a finite number > 0", ANC],
    ),
    (
        "graft-source-unknown",
        lambda c: clinical.graft_source("cord"),
        ["graft source = 'cord'", "cord_blood", "bone_marrow"],
    ),
    (
        "graft-source-number",
        lambda c: clinical.graft_source(3),
        ["graft source = 3", "autologous_pbsc"],
    ),
    (
        "infusion-negative-dose",
        lambda c: transplant_scenarios.infusion("cord_blood", -1.0),
        ["CD34+ cell dose = -1.0", "a finite number >= 0", "cells/kg"],
    ),
    (
        "infusion-residual-above-one",
        lambda c: transplant_scenarios.infusion("cord_blood", 2e5, residual=2.0),
        ["residual = 2.0", "[0, 1]", "fraction of the steady state"],
    ),
    # --- virtual cohorts (hm.cohorts)
    (
        "cohort-negative-cv",
        lambda c: hm.cohorts.lognormal_cohort(c.mc, cv={"stem_division_rate": -0.3}, n=10),
        ["cv['stem_division_rate'] = -0.3", "a finite number >= 0", "fraction"],
    ),
    (
        "cohort-negative-omega2",
        lambda c: hm.cohorts.lognormal_cohort(c.mc, omega2={"stem_division_rate": -0.1}, n=10),
        ["omega2['stem_division_rate'] = -0.1", "[0, 700]", "variance of log"],
    ),
    (
        "cohort-unknown-parameter",
        lambda c: hm.cohorts.lognormal_cohort(c.mc, cv={"stem_divisionrate": 0.3}, n=10),
        ["unknown parameter 'stem_divisionrate'", "did you mean 'stem_division_rate'"],
    ),
    (
        "cohort-zero-patients",
        lambda c: hm.cohorts.lognormal_cohort(c.mc, cv={"stem_division_rate": 0.3}, n=0),
        ["n = 0", "an integer in [1, 10000000]", "patients"],
    ),
    (
        "cohort-fractional-patients",
        lambda c: hm.cohorts.lognormal_cohort(c.mc, cv={"stem_division_rate": 0.3}, n=2.5),
        ["n = 2.5", "an integer in [1, 10000000]", "patients"],
    ),
    (
        "cohort-text-seed",
        lambda c: hm.cohorts.lognormal_cohort(c.mc, cv={"stem_division_rate": 0.3}, n=10, seed="x"),
        ["seed = 'x'", "None or an integer >= 0"],
    ),
    (
        "cohort-typical-outside-bounds",
        lambda c: hm.cohorts.lognormal_cohort(
            c.mc, cv={"stem_division_rate": 0.3}, n=10, typical={"stem_self_renewal": 3.0}
        ),
        ["typical['stem_self_renewal'] = 3.0", "[0, 1]", "dimensionless"],
    ),
    (
        "cohort-draws-outside-bounds",
        lambda c: hm.cohorts.lognormal_cohort(c.mc, cv={"stem_self_renewal": 3.0}, n=200, seed=1),
        ["draws of 'stem_self_renewal' fall outside its bounds [0, 1]", "Reduce the variability"],
    ),
    (
        "cohort-both-omega2-and-cv",
        lambda c: hm.cohorts.lognormal_cohort(
            c.mc, omega2={"stem_division_rate": 0.1}, cv={"stem_division_rate": 0.1}, n=10
        ),
        ["'stem_division_rate' is given in both omega2 and cv", "one of them"],
    ),
    (
        "cv-to-omega2-negative",
        lambda c: hm.cohorts.cv_to_omega2(-0.3),
        ["cv = -0.3", "a finite number >= 0", "fraction"],
    ),
    (
        "omega2-to-cv-negative",
        lambda c: hm.cohorts.omega2_to_cv(-1.0),
        ["omega2 = -1.0", "[0, 700]", "variance of log(parameter)"],
    ),
    # --- steady states and sweeps
    (
        "steady-states-method",
        lambda c: c.mc.steady_states(method="newton"),
        ["method = 'newton'", "'auto', 'symbolic', 'numeric'"],
    ),
    (
        "steady-state-frame-outside-bounds",
        lambda c: c.mc.steady_state_frame({"stem_self_renewal": 3.0}),
        ["parameter 'stem_self_renewal' = 3.0", "[0, 1]", "dimensionless"],
    ),
    (
        "steady-state-latex-not-steady-state",
        lambda c: c.mc.steady_state_latex({"stem_cells": 1.0}),
        ["steady = {'stem_cells': 1.0}", "a SteadyState from model.steady_states()"],
    ),
    (
        "sweep-unknown-parameter",
        lambda c: hm.sweep.steady_state_sweep(c.mc, "stem_renewal", [0.5]),
        ["unknown parameter 'stem_renewal'", "did you mean 'stem_self_renewal'"],
    ),
    (
        "sweep-value-outside-bounds",
        lambda c: hm.sweep.steady_state_sweep(c.mc, "stem_self_renewal", [0.5, 2.0]),
        ["parameter 'stem_self_renewal' = 2.0", "[0, 1]", "dimensionless"],
    ),
    (
        "sweep-empty",
        lambda c: hm.sweep.steady_state_sweep(c.mc, "stem_self_renewal", []),
        ["values = []", "[0, 1]", "dimensionless"],
    ),
    (
        "sweep-nested",
        lambda c: hm.sweep.steady_state_sweep(c.mc, "stem_self_renewal", [[0.5, 0.6]]),
        ["values = [[0.5, 0.6]]", "1-D sequence of numbers in [0, 1]", "dimensionless"],
    ),
    (
        "sweep-text-values",
        lambda c: hm.sweep.steady_state_sweep(c.mc, "stem_self_renewal", ["high"]),
        ["values = ['high']", "1-D sequence of numbers in [0, 1]"],
    ),
    # --- Result
    (
        "result-getitem-typo",
        lambda c: c.result["neutrophil"],
        ["unknown state or observable 'neutrophil'", "did you mean 'neutrophils'"],
    ),
    (
        "result-getitem-index",
        lambda c: c.result[0],
        ["variable = 0 ", "name (str) of a state or observable", "stem_cells, precursors"],
    ),
    (
        "result-getitem-list",
        lambda c: c.result[["neutrophils"]],
        ["variable = ['neutrophils']", "name (str)", "stem_cells, precursors, neutrophils"],
    ),
    (
        "result-to-frame-unknown",
        lambda c: c.result.to_frame(["platelets"]),
        ["unknown state or observable 'platelets'"],
    ),
    (
        "result-to-frame-string",
        lambda c: c.result.to_frame("neutrophils"),
        [
            "variables = 'neutrophils'",
            "a non-empty list of state or observable names",
            "write ['neutrophils']",
        ],
    ),
    # --- ParameterChange
    (
        "parameter-change-unknown",
        lambda c: c.mc.simulate(10, doses=[hm.ParameterChange(5, {"stem_renewal": 0.5})]),
        ["unknown parameter 'stem_renewal'", "did you mean 'stem_self_renewal'"],
    ),
    (
        "parameter-change-outside-bounds",
        lambda c: c.mc.simulate(10, doses=[hm.ParameterChange(5, {"stem_self_renewal": 1.5})]),
        ["parameter 'stem_self_renewal' = 1.5", "[0, 1]", "dimensionless"],
    ),
    (
        "parameter-change-nan",
        lambda c: c.mc.simulate(10, doses=[hm.ParameterChange(5, {"stem_self_renewal": math.nan})]),
        ["parameter 'stem_self_renewal' = nan", "[0, 1]", "dimensionless"],
    ),
    (
        "parameter-change-negative-time",
        lambda c: hm.ParameterChange(-1, {"stem_self_renewal": 0.5}),
        ["parameter change time = -1 ", "a finite number >= 0", "model time unit"],
    ),
    (
        "parameter-change-after-end",
        lambda c: c.mc.simulate(10, doses=[hm.ParameterChange(50, {"stem_self_renewal": 0.5})]),
        ["time of the parameter change", "50.0", "[0, t_end = 10]", "day"],
    ),
    (
        "parameter-change-empty",
        lambda c: hm.ParameterChange(5, {}),
        ["parameter change values = {}", "a non-empty mapping of parameter names to numbers"],
    ),
    # --- Schedule fields checked when the schedule is made, like Dose
    (
        "schedule-negative-amount",
        lambda c: hm.Schedule("stem_cells", -1.0, start=0, every=1, count=2),
        ["schedule amount = -1.0", "a finite number >= 0", "unit of the target compartment"],
    ),
    (
        "schedule-infinite-amount",
        lambda c: hm.Schedule("stem_cells", math.inf, start=0, every=1, count=2),
        ["schedule amount = inf", "a finite number >= 0", "unit of the target compartment"],
    ),
    (
        "schedule-target-number",
        lambda c: hm.Schedule(3, 1.0, start=0, every=1, count=2),
        ["schedule target = 3", "a compartment name (str)"],
    ),
    # --- huge spans and grids
    (
        "simulate-huge-span",
        lambda c: c.mc.simulate(1e7),
        ["t_end = 10000000.0", "(0, 100000]", "day"],
    ),
    (
        "simulate-many-huge-span",
        lambda c: c.mc.simulate_many({"stem_self_renewal": [0.8, 0.9]}, 1e7),
        ["t_end = 10000000.0", "(0, 100000]", "day"],
    ),
    (
        "simulate-huge-output-grid",
        lambda c: c.mc.simulate(10, t_eval=np.linspace(0, 10, 2_000_000)),
        ["len(t_eval) = 2000000", "at most 1000000", "points"],
    ),
    (
        "explore-huge-span",
        lambda c: hm.widgets.explore(c.mc, ["stem_self_renewal"], t_end=1e7),
        ["t_end = 10000000.0", "(0, 100000]", "day"],
    ),
    (
        "explore-one-time-point",
        lambda c: hm.widgets.explore(c.mc, ["stem_self_renewal"], t_end=10, n_time=1),
        ["n_time = 1", "an integer in [2, 2000]", "time points"],
    ),
    # --- a solver failure provoked on purpose: dx/dt = x^2 blows up at t = 1 day
    (
        "solver-failure-blow-up",
        lambda c: blow_up_model().simulate(2.0),
        ["blow-up: the solver (LSODA) failed at t = ", "[0, 2] day", "loosen rtol/atol"],
    ),
    (
        "solver-failure-blow-up-cohort",
        lambda c: blow_up_model().simulate_many({"rate": [0.1, 1.0]}, 2.0),
        ["the solver (LSODA) failed for patient 1 (rate=1) at t = ", "[0, 2] day"],
    ),
    (
        "solver-failure-blow-up-bdf",
        lambda c: blow_up_model().simulate(2.0, method="BDF"),
        ["the solver (BDF) failed at t = ", "[0, 2] day"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_clear_model_error(case, ctx):
    _, call, expected = case
    reference = ctx.mc.simulate(5.0, t_eval=[0.0, 5.0]).states
    with pytest.raises(hm.ModelError) as error:
        call(ctx)
    # a failed call leaves the shared models as they were: same answer as before
    np.testing.assert_array_equal(ctx.mc.simulate(5.0, t_eval=[0.0, 5.0]).states, reference)
    message = str(error.value)
    for piece in expected:
        assert piece in message, f"{piece!r} missing from: {message}"
    assert isinstance(error.value, ValueError)
    assert error.value.field, f"no field named in: {message}"


def test_catalogue_ids_are_unique():
    duplicates = sorted({c[0] for c in CASES if [d[0] for d in CASES].count(c[0]) > 1})
    assert not duplicates, duplicates


def test_solver_failure_reports_where_it_failed():
    """The blow-up time of dx/dt = r x^2, x(0) = 1 is 1/r (1 day for r = 1, by hand)."""
    with pytest.raises(hm.ModelError) as error:
        blow_up_model().simulate(2.0)
    assert error.value.field == "simulation"
    assert 0.9 <= error.value.value <= 1.0  # the solver stops just before the pole


def test_solver_failure_is_not_a_partial_result():
    """Before the pole the same model integrates fine and matches 1/(1 - r t) (rtol 1e-5)."""
    result = blow_up_model().simulate(0.5, t_eval=[0.0, 0.25, 0.5], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result["x"], 1 / (1 - np.array([0.0, 0.25, 0.5])), rtol=1e-5)


def test_overlapping_doses_are_allowed_and_add_up(ctx):
    """Overlapping schedules are legitimate (e.g. two drugs into one compartment): doses at
    the same time add up. Two overlapping schedules of 1e4 cells/kg equal one of 2e4, and a
    single Dose on top of a schedule time adds its amount (rtol 1e-9, same solver path)."""
    model = ctx.mc
    schedule = hm.Schedule("stem_cells", 1e4, start=2, every=3, count=3)
    twice = model.simulate(12, doses=[schedule, schedule], t_eval=range(13))
    double = model.simulate(
        12, doses=[hm.Schedule("stem_cells", 2e4, start=2, every=3, count=3)], t_eval=range(13)
    )
    np.testing.assert_allclose(twice.states, double.states, rtol=1e-9)
    extra = model.simulate(12, doses=[schedule, hm.Dose(5, "stem_cells", 1e4)], t_eval=range(13))
    by_hand = model.simulate(
        12,
        doses=[hm.Dose(2, "stem_cells", 1e4), hm.Dose(5, "stem_cells", 2e4)]
        + [hm.Dose(8, "stem_cells", 1e4)],
        t_eval=range(13),
    )
    np.testing.assert_allclose(extra.states, by_hand.states, rtol=1e-9)
