"""Fuzzing the public API: arbitrary values for every argument of every public function.

For each (function, argument) pair, Hypothesis replaces that one argument of a valid call by
an arbitrary Python value — None, booleans, text, NaN, ±∞, huge and tiny floats, NumPy
scalars and arrays of the wrong shape, nested containers, SymPy symbols, plain objects —
and, to reach deeper, by near-valid values (known names with arbitrary values, lists of
arbitrary numbers). Every call runs under a time limit. The outcome must be one of:

* a :class:`hemomodels.ModelError` that names the argument (its name or its fields, e.g.
  ``parameter 'gamma'`` for ``params``), or
* a result that is finite and correctly labelled (every number finite, every array of the
  shape its names say).

Never another exception type, never a warning (overflow, a value silently changed), never
a hang.
"""

from __future__ import annotations

import math
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hemomodels as hm
from hemomodels import bibliography, clinical, cohorts, sweep, units, viz, widgets
from hemomodels.clinical import timeseries, transplant
from hemomodels.models.friberg2002 import bolus_concentration
from hemomodels.scenarios import gene_therapy
from hemomodels.scenarios import transplant as transplant_scenarios
from hemomodels.scenarios.anaemia import blood_loss_initial_state

# A warning (overflow, invalid value, a value silently changed by a library) is a failure.
pytestmark = pytest.mark.filterwarnings("error")

#: Longest a single fuzzed call may take (seconds).
TIME_LIMIT = 5.0
#: Examples per (function, argument) pair, as a multiple of the Hypothesis profile's
#: ``max_examples`` (25 by default, so 100 per pair; HYPOTHESIS_PROFILE=thorough: 1,000).
EXAMPLES_FACTOR = 4

MC = hm.models.marciniak_czochra_2009()
FRIBERG = hm.models.friberg2002()
TETSCHKE = hm.models.tetschke2018()
MICHOR = hm.models.michor2005()
TRANSPLANT = hm.models.transplant_reconstitution()
SINGLE = MC.simulate(10.0, y0={"neutrophils": 1e8}, t_eval=range(11))
COHORT = MC.simulate_many({"stem_self_renewal": [0.8, 0.9]}, 10.0, t_eval=range(11))
COURSE = FRIBERG.simulate(
    504, doses=[hm.Dose(0, "Conc", bolus_concentration(400))], t_eval=range(0, 505, 6)
)
GRAFT = TRANSPLANT.simulate(45, **transplant_scenarios.infusion("bone_marrow"), t_eval=range(46))
ANAEMIA = TETSCHKE.simulate(60, params={"production_capacity": 0.3}, t_eval=range(61))
CML = MICHOR.simulate(
    400,
    doses=[hm.ParameterChange(0, {"imatinib": 1.0}), hm.ParameterChange(300, {"imatinib": 0})],
    t_eval=range(401),
)
X = hm.State("x", "cells", "cells", 1.0)
RATE = hm.Parameter("rate", 0.1, "1/day", (0, 1), "rate", "friberg2002")

# ------------------------------------------------------------------------- the values
_ODD = [
    None,
    True,
    False,
    "",
    "1",
    "nan",
    "x",
    "stem_cells",
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    5e-324,
    -0.0,
    0,
    -1,
    10**30,
    np.float32(0.5),
    np.int64(3),
    np.bool_(True),
    np.float64("nan"),
    np.array(1.0),
    np.array([1.0, 2.0]),
    np.zeros((2, 2)),
    np.array(["a"]),
    np.array([], dtype=float),
    sympy.Symbol("x"),
    sympy.Symbol("stem_self_renewal", positive=True),
    object(),
    (1.0, 2.0),
    (1.0, 2.0, 3.0),
    [[1.0], [2.0, 3.0]],
    {"a": 1},
    b"bytes",
    1 + 2j,
]

ANYTHING = st.one_of(
    st.sampled_from(_ODD),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=6),
    st.lists(st.one_of(st.floats(allow_nan=True), st.integers(-5, 5), st.none()), max_size=4),
    st.dictionaries(st.text(max_size=4), st.floats(allow_nan=True), max_size=2),
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([np.float32(0.25), np.int64(2), np.float64(-1.5), True, None, "1.0"]),
)


def _keyed(names: list[str]) -> st.SearchStrategy:
    """Mappings of known names to arbitrary values."""
    return st.dictionaries(st.sampled_from(names), st.one_of(NUMBERS, ANYTHING), max_size=3)


def _events(targets: list[str], parameters: list[str]) -> st.SearchStrategy:
    dose = st.builds(
        lambda t, target, amount: hm.Dose(t, target, amount),
        st.floats(0, 20),
        st.sampled_from(targets),
        st.floats(0, 1e9),
    )
    change = st.builds(
        lambda t, values: hm.ParameterChange(t, values),
        st.floats(0, 20),
        st.dictionaries(st.sampled_from(parameters), st.floats(0, 2), min_size=1, max_size=2),
    )
    schedule = st.builds(
        lambda target, amount, every, count: hm.Schedule(target, amount, 0.0, every, count),
        st.sampled_from(targets),
        st.floats(0, 1e6),
        st.floats(0.5, 20),
        st.integers(1, 30),
    )
    return st.lists(st.one_of(dose, change, schedule, ANYTHING), max_size=3)


# ------------------------------------------------------------------------- the targets
@dataclass
class Target:
    """A public function, a valid call, and the words that name each argument."""

    name: str
    call: Callable[..., Any]
    valid: dict[str, Any]
    names: dict[str, tuple[str, ...]]
    strategies: dict[str, st.SearchStrategy] = field(default_factory=dict)

    def strategy(self, argument: str) -> st.SearchStrategy:
        near = self.strategies.get(argument)
        return ANYTHING if near is None else st.one_of(ANYTHING, near)


MC_PARAMS = list(MC.parameter_names)
MC_STATES = list(MC.state_names)
PARAMS = {"params": _keyed(MC_PARAMS)}
TIMES = st.lists(st.one_of(st.floats(-1, 12), st.just(math.nan)), max_size=5)
RESULT = ("result",)
VARIABLE = ("variable", "state or observable")
PATIENT = ("patient",)
THRESHOLD = ("threshold",)


def _simulation_names() -> dict[str, tuple[str, ...]]:
    return {
        "t_end": ("t_end",),
        "params": ("param",),
        "y0": ("y0", "initial value", "state"),
        "doses": ("dose", "schedule", "parameter change", "events", "parameter"),
        "t_eval": ("t_eval",),
        "rtol": ("rtol",),
        "atol": ("atol",),
        "method": ("method",),
        "max_evaluations": ("max_evaluations",),
    }


SIMULATION_STRATEGIES = {
    "params": _keyed(MC_PARAMS),
    "y0": st.one_of(_keyed(MC_STATES), st.lists(NUMBERS, min_size=3, max_size=3)),
    "doses": _events(MC_STATES, MC_PARAMS),
    "t_eval": TIMES,
    "t_end": NUMBERS,
    "method": st.sampled_from(["LSODA", "BDF", "RK45", "lsoda", "Euler"]),
    "max_evaluations": st.integers(-10, 10**6),
}

TARGETS = [
    Target(
        "Model.simulate",
        lambda **k: MC.simulate(**k),
        {"t_end": 10.0},
        _simulation_names(),
        SIMULATION_STRATEGIES,
    ),
    Target(
        "Model.simulate_many",
        lambda **k: MC.simulate_many(**k),
        {"params_table": {"stem_self_renewal": [0.8, 0.9]}, "t_end": 10.0},
        {
            **{k: v for k, v in _simulation_names().items() if k not in ("params", "y0")},
            "params_table": ("params_table", "parameter", "patient"),
        },
        {
            **SIMULATION_STRATEGIES,
            "params_table": st.dictionaries(
                st.sampled_from([*MC_PARAMS, *MC_STATES]),
                st.lists(NUMBERS, min_size=1, max_size=3),
                max_size=2,
            ),
        },
    ),
    Target(
        "Model.steady_states",
        lambda **k: MC.steady_states(**k),
        {},
        {"params": ("param",), "method": ("method",), "guesses": ("guess", "y0", "state")},
        {**PARAMS, "guesses": st.lists(_keyed(MC_STATES), max_size=2)},
    ),
    Target(
        "Model.steady_state_frame",
        lambda **k: MC.steady_state_frame(**k),
        {},
        {"params": ("param",)},
        PARAMS,
    ),
    Target(
        "Model.steady_state_latex",
        lambda **k: MC.steady_state_latex(**k),
        {"steady_state": MC.steady_states()[-1]},
        {"steady_state": ("steady",)},
    ),
    Target(
        "Model.parameter",
        lambda **k: MC.parameter(**k),
        {"name": "stem_self_renewal"},
        {"name": ("name", "parameter")},
    ),
    Target("Model.latex", lambda **k: MC.latex(**k), {}, {"observables": ("observables",)}),
    Target(
        "Model.to_sbml",
        lambda **k: MC.to_sbml(**k),
        {},
        {
            "doses": ("dose", "schedule", "parameter"),
            "params": ("param",),
            "y0": ("y0", "initial value", "state"),
        },
        {
            "doses": _events(MC_STATES, MC_PARAMS),
            "params": _keyed(MC_PARAMS),
            "y0": _keyed(MC_STATES),
        },
    ),
    Target(
        "Result[...]",
        lambda **k: SINGLE[k["name"]],
        {"name": "neutrophils"},
        {"name": VARIABLE},
    ),
    Target("Result.to_frame", lambda **k: SINGLE.to_frame(**k), {}, {"variables": ("variable",)}),
    Target(
        "Result.patient", lambda **k: COHORT.patient(**k), {"index": 1}, {"index": ("patient",)}
    ),
    Target(
        "State",
        lambda **k: hm.State(**k),
        {"name": "s", "description": "cells", "unit": "cells", "initial": 1.0},
        {
            "name": ("state name",),
            "description": ("description",),
            "unit": ("unit",),
            "initial": ("initial",),
            "latex": ("latex",),
            "nonnegative": ("nonnegative",),
        },
    ),
    Target(
        "Parameter",
        lambda **k: hm.Parameter(**k),
        {
            "name": "r",
            "value": 0.5,
            "unit": "1/day",
            "bounds": (0, 1),
            "description": "rate",
            "source": "friberg2002",
        },
        {
            "name": ("parameter name",),
            "value": ("default value", "parameter 'r'"),
            "unit": ("unit",),
            "bounds": ("bounds", "default value", "parameter 'r'"),
            "description": ("description",),
            "source": ("source",),
            "latex": ("latex",),
            "note": ("note",),
            "low_inclusive": ("low_inclusive", "parameter 'r'"),
        },
        {"bounds": st.tuples(NUMBERS, NUMBERS), "value": NUMBERS},
    ),
    Target(
        "Observable",
        lambda **k: hm.Observable(**k),
        {"name": "o", "expression": X.symbol + 1, "unit": "cells", "description": "o"},
        {
            "name": ("observable name",),
            "expression": ("expression",),
            "unit": ("unit",),
            "description": ("description",),
            "latex": ("latex",),
        },
    ),
    Target(
        "Flow",
        lambda **k: hm.Flow(**k),
        {"source": X, "target": None, "rate": RATE.symbol * X.symbol},
        {
            "source": ("source", "flow"),
            "target": ("target", "flow"),
            "rate": ("expression", "flow"),
            "description": ("description", "flow"),
        },
    ),
    Target(
        "Model",
        lambda **k: hm.Model(**k),
        {"name": "m", "states": [X], "parameters": [RATE], "rhs": {X: -RATE.symbol * X.symbol}},
        {
            "name": ("name",),
            "states": ("state",),
            "parameters": ("parameter",),
            "rhs": ("rhs", "compartment", "d x/dt", "undeclared"),
            "flows": ("flow",),
            "observables": ("observable",),
            "time_unit": ("time_unit",),
            "description": ("description",),
            "reference": ("reference",),
            "solve_symbolically": ("solve_symbolically",),
            "max_time": ("max_time",),
        },
        {"max_time": NUMBERS},
    ),
    Target(
        "Dose",
        lambda **k: hm.Dose(**k),
        {"time": 1.0, "target": "x", "amount": 1.0},
        {"time": ("dose time",), "target": ("dose target",), "amount": ("dose amount",)},
        {"time": NUMBERS, "amount": NUMBERS},
    ),
    Target(
        "Schedule",
        lambda **k: hm.Schedule(**k),
        {"target": "x", "amount": 1.0, "start": 0.0, "every": 1.0, "count": 2},
        {
            "target": ("schedule target",),
            "amount": ("schedule amount",),
            "start": ("schedule start",),
            "every": ("schedule every",),
            "count": ("schedule count",),
        },
        {"count": NUMBERS, "every": NUMBERS},
    ),
    Target(
        "ParameterChange",
        lambda **k: hm.ParameterChange(**k),
        {"time": 1.0, "values": {"rate": 0.2}},
        {"time": ("parameter change time",), "values": ("parameter change values",)},
    ),
    # clinical read-outs
    Target(
        "clinical.nadir",
        clinical.nadir,
        {"result": SINGLE, "variable": "neutrophils"},
        {"result": RESULT, "variable": VARIABLE, "patient": PATIENT},
    ),
    Target(
        "clinical.nadir (cohort)",
        clinical.nadir,
        {"result": COHORT, "variable": "neutrophils", "patient": 1},
        {"patient": PATIENT},
        {"patient": NUMBERS},
    ),
    Target(
        "clinical.first_crossing",
        clinical.first_crossing,
        {"result": COURSE, "variable": "ANC", "threshold": 2.0},
        {
            "result": RESULT,
            "variable": VARIABLE,
            "threshold": THRESHOLD,
            "direction": ("direction",),
            "after": ("after",),
            "patient": PATIENT,
        },
        {"threshold": NUMBERS, "after": NUMBERS},
    ),
    *(
        Target(
            f"clinical.{read_out.__name__}",
            read_out,
            {"result": COURSE, "variable": "ANC", "threshold": 2.0},
            {"result": RESULT, "variable": VARIABLE, "threshold": THRESHOLD, "patient": PATIENT},
            {"threshold": NUMBERS},
        )
        for read_out in (clinical.time_below, clinical.recovery_time, timeseries.below_threshold)
    ),
    Target(
        "clinical.peak_after_nadir",
        clinical.peak_after_nadir,
        {"result": COURSE, "variable": "ANC"},
        {"result": RESULT, "variable": VARIABLE, "patient": PATIENT},
    ),
    Target(
        "clinical.neutropenia_grade",
        clinical.neutropenia_grade,
        {"anc": 0.7},
        {"anc": ("anc",), "lower_limit_normal": ("lower_limit_normal",)},
        {"anc": st.one_of(NUMBERS, st.lists(NUMBERS, max_size=3)), "lower_limit_normal": NUMBERS},
    ),
    Target(
        "clinical.neutropenia_summary",
        clinical.neutropenia_summary,
        {"result": COURSE},
        {
            "result": RESULT,
            "variable": VARIABLE,
            "patient": PATIENT,
            "grade": ("grade",),
            "lower_limit_normal": ("lower_limit_normal",),
        },
        {"grade": NUMBERS},
    ),
    Target(
        "clinical.classify_anaemia",
        clinical.classify_anaemia,
        {"hb_g_dl": 11.0},
        {"hb_g_dl": ("hb_g_dl",), "group": ("group",)},
        {"hb_g_dl": NUMBERS},
    ),
    Target(
        "clinical.time_to_transfusion",
        clinical.time_to_transfusion,
        {"result": ANAEMIA},
        {"result": RESULT, "threshold": THRESHOLD, "variable": VARIABLE, "patient": PATIENT},
        {"threshold": NUMBERS},
    ),
    Target(
        "scenarios.blood_loss_initial_state",
        blood_loss_initial_state,
        {"model": TETSCHKE, "volume_lost_l": 0.5},
        {
            "model": ("model",),
            "volume_lost_l": ("volume of blood lost",),
            "params": ("param",),
        },
        {"volume_lost_l": NUMBERS, "params": _keyed(list(TETSCHKE.parameter_names))},
    ),
    Target(
        "clinical.engraftment_day",
        clinical.engraftment_day,
        {"result": GRAFT},
        {
            "result": RESULT,
            "variable": VARIABLE,
            "threshold": THRESHOLD,
            "consecutive": ("consecutive",),
            "patient": PATIENT,
        },
        {"threshold": NUMBERS, "consecutive": NUMBERS},
    ),
    Target(
        "clinical.first_engrafted_day",
        clinical.first_engrafted_day,
        {"daily_counts": [0.0, 0.2, 0.6, 0.7, 0.8]},
        {
            "daily_counts": ("daily_counts",),
            "threshold": THRESHOLD,
            "consecutive": ("consecutive",),
        },
        {"daily_counts": st.lists(NUMBERS, max_size=6)},
    ),
    Target(
        "clinical.graft_source",
        clinical.graft_source,
        {"name": "cord_blood"},
        {"name": ("graft source",)},
    ),
    Target(
        "scenarios.infusion",
        transplant_scenarios.infusion,
        {"source": "bone_marrow"},
        {
            "source": ("graft source",),
            "cd34_dose": ("cd34",),
            "residual": ("residual",),
            "target": ("target",),
            "steady_state": ("steady_state",),
        },
        {"cd34_dose": NUMBERS, "residual": NUMBERS},
    ),
    Target(
        "clinical.daily_values",
        transplant.daily_values,
        {"result": COURSE},
        {"result": RESULT, "variable": VARIABLE, "patient": PATIENT},
    ),
    Target(
        "clinical.graft_failure",
        transplant.graft_failure,
        {"result": GRAFT, "source": "bone_marrow"},
        {"result": RESULT, "source": ("graft source",), "variable": VARIABLE, "patient": PATIENT},
    ),
    Target(
        "clinical.engraftment_summary",
        clinical.engraftment_summary,
        {"result": GRAFT, "source": "bone_marrow"},
        {"result": RESULT, "source": ("graft source",), "variable": VARIABLE, "patient": PATIENT},
    ),
    Target(
        "clinical.log_slope",
        clinical.log_slope,
        {"result": CML, "variable": "bcr_abl_ratio", "t_start": 20, "t_stop": 120},
        {
            "result": RESULT,
            "variable": VARIABLE,
            "t_start": ("t_start", "fit window"),
            "t_stop": ("t_stop", "fit window"),
            "patient": PATIENT,
        },
        {"t_start": NUMBERS, "t_stop": NUMBERS},
    ),
    Target(
        "clinical.takeover_time",
        clinical.takeover_time,
        {"result": CML, "challenger": "z3", "incumbent": "y3"},
        {
            "result": RESULT,
            "challenger": VARIABLE,
            "incumbent": VARIABLE,
            "after": ("after",),
            "patient": PATIENT,
        },
        {"after": NUMBERS},
    ),
    Target(
        "clinical.therapy_slopes",
        clinical.therapy_slopes,
        {"result": CML},
        {
            "result": RESULT,
            "variable": VARIABLE,
            "switch": VARIABLE,
            "windows": ("windows",),
            "patient": PATIENT,
        },
        {"windows": st.dictionaries(st.text(max_size=3), st.tuples(NUMBERS, NUMBERS), max_size=2)},
    ),
    Target(
        "scenarios.GeneTherapyPlan",
        gene_therapy.GeneTherapyPlan,
        {},
        {
            "cd34_dose": ("cd34_dose",),
            "transduction_efficiency": ("transduction_efficiency",),
            "vector_copy_number": ("vector_copy_number",),
            "conditioning_intensity": ("conditioning_intensity",),
        },
        {"cd34_dose": NUMBERS, "transduction_efficiency": NUMBERS},
    ),
    Target(
        "scenarios.engraftment_start",
        gene_therapy.engraftment_start,
        {"plan": gene_therapy.GeneTherapyPlan()},
        {"plan": ("plan",), "steady_state": ("steady_state",)},
        {"steady_state": _keyed(["stem_cells", "precursors", "neutrophils"])},
    ),
    # cohorts, sweeps, models
    Target(
        "cohorts.lognormal_cohort",
        cohorts.lognormal_cohort,
        {"model": FRIBERG, "omega2": {"MTT": 0.04}, "n": 5, "seed": 1},
        {
            "model": ("model",),
            "omega2": ("omega2", "parameter"),
            "cv": ("cv", "parameter"),
            "n": ("n =", "n ="),
            "seed": ("seed",),
            "typical": ("typical", "parameter"),
        },
        {
            "omega2": _keyed(list(FRIBERG.parameter_names)),
            "typical": _keyed(list(FRIBERG.parameter_names)),
            "n": NUMBERS,
        },
    ),
    Target(
        "cohorts.cv_to_omega2", cohorts.cv_to_omega2, {"cv": 0.3}, {"cv": ("cv",)}, {"cv": NUMBERS}
    ),
    Target(
        "cohorts.omega2_to_cv",
        cohorts.omega2_to_cv,
        {"omega2": 0.1},
        {"omega2": ("omega2",)},
        {"omega2": NUMBERS},
    ),
    Target(
        "sweep.steady_state_sweep",
        sweep.steady_state_sweep,
        {"model": MC, "parameter": "feedback_strength", "values": [1e-9, 2e-9]},
        {
            "model": ("model",),
            "parameter": ("parameter", "name"),
            "values": ("values", "parameter"),
            "params": ("param",),
        },
        {"values": st.lists(NUMBERS, max_size=3), "params": _keyed(MC_PARAMS)},
    ),
    Target("models.get", hm.models.get, {"name": "friberg2002"}, {"name": ("model",)}),
    Target(
        "models.friberg2002",
        hm.models.friberg2002,
        {},
        {"drug": ("drug",), "gcsf": ("gcsf",)},
    ),
    Target(
        "models.bolus_concentration",
        bolus_concentration,
        {"dose_mg": 200.0},
        {"dose_mg": ("dose_mg",), "drug": ("drug",), "central_volume": ("central_volume",)},
        {"dose_mg": NUMBERS, "central_volume": NUMBERS},
    ),
    # display
    Target(
        "viz.timecourse_chart",
        viz.timecourse_chart,
        {"result": SINGLE},
        {
            "result": RESULT,
            "variables": ("variable",),
            "log_scale": ("log_scale",),
            "title": ("title",),
            "max_points": ("max_points",),
            "width": ("width",),
            "height": ("height",),
        },
    ),
    Target(
        "viz.cohort_band_chart",
        viz.cohort_band_chart,
        {"result": COHORT, "variable": "neutrophils"},
        {
            "result": RESULT,
            "variable": VARIABLE,
            "lower": ("quantiles", "lower"),
            "upper": ("quantiles", "upper"),
            "time_factor": ("time_factor",),
            "time_unit": ("time_unit",),
            "reference_lines": ("reference",),
            "title": ("title",),
            "max_points": ("max_points",),
            "width": ("width",),
            "height": ("height",),
        },
        {"lower": NUMBERS, "upper": NUMBERS, "time_factor": NUMBERS},
    ),
    Target(
        "widgets.explore",
        widgets.explore,
        {"model": MC, "controls": ["stem_self_renewal"], "t_end": 10.0, "n_time": 5},
        {
            "model": ("model",),
            "controls": ("control", "slider", "parameter", "choice"),
            "t_end": ("t_end",),
            "y0": ("y0", "initial value", "state"),
            "doses": ("dose", "schedule", "parameter change", "events"),
            "variables": ("variable",),
            "log_scale": ("log_scale",),
            "n_time": ("n_time",),
            "title": ("title",),
            "reference_lines": ("reference",),
            "steady_state": ("steady_state",),
            "time_display": ("time_display",),
            "y_domain": ("y_domain",),
            "dose_markers": ("dose_markers",),
        },
        {
            "controls": st.one_of(
                st.lists(st.sampled_from(MC_PARAMS), max_size=2),
                st.lists(
                    st.sampled_from(
                        [
                            widgets.Slider(name="stem_self_renewal", low=0.5, high=0.9, step=0.1),
                            widgets.Slider(name="stem_self_renewal", low=0.5, high=1.5, step=0.5),
                            widgets.Slider(name="stem_self_renewal", low=0.2, high=0.4, step=0.1),
                            widgets.Slider(
                                name="blood_lost",
                                low=0,
                                high=1,
                                step=0.5,
                                value=0,
                                label="Blood lost",
                                unit="L",
                            ),
                        ]
                    ),
                    max_size=2,
                ),
            ),
            "t_end": NUMBERS,
        },
    ),
    Target(
        "widgets.Slider",
        widgets.Slider,
        {"name": "stem_self_renewal", "low": 0.5, "high": 0.9, "step": 0.1},
        {
            "name": ("name",),
            "low": ("low", "range"),
            "high": ("high", "range"),
            "value": ("start",),
            "step": ("step",),
            "values": ("values",),
            "points": ("points", "one of step"),
            "log": ("log",),
            "label": ("label",),
            "unit": ("unit",),
            "format": ("format",),
        },
        {"low": NUMBERS, "high": NUMBERS, "step": NUMBERS, "points": st.integers(-2, 50)},
    ),
    Target(
        "widgets.Choice",
        widgets.Choice,
        {"name": "source", "label": "Graft source", "options": {"Marrow": 1, "Blood": 2}},
        {
            "name": ("name",),
            "label": ("label",),
            "options": ("option",),
            "value": ("value", "option"),
        },
    ),
    Target(
        "bibliography.format_reference",
        bibliography.format_reference,
        {"key": "friberg2002"},
        {"key": ("key",)},
    ),
    Target("units.days_per", units.days_per, {"unit": "h"}, {"unit": ("time unit",)}),
]

CASES = [(target, argument) for target in TARGETS for argument in target.names]


# ------------------------------------------------------------------------- the checks
class _TooSlow(Exception):
    pass


def _alarm(signum, frame):
    raise _TooSlow(f"a fuzzed call took longer than {TIME_LIMIT} s")


def _check_finite(value: Any, where: str) -> None:
    """Every number in ``value`` is finite and every labelled array has its labelled shape."""
    if value is None or isinstance(value, (str, bool, np.bool_, sympy.Basic, alt.TopLevelMixin)):
        return
    if isinstance(value, hm.Result):
        assert np.all(np.isfinite(value.states)), f"{where}: non-finite states"
        assert value.states.shape[-2] == len(value.model.state_names), where
        assert value.observables.shape[-2] == len(value.model.observable_names), where
        assert value.t.size == value.states.shape[-1], where
        assert not np.any(np.isinf(value.observables)), f"{where}: infinite observables"
        return
    if isinstance(value, (int, float, np.number)):
        assert math.isfinite(float(value)), f"{where}: {value!r} is not finite"
        return
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iuf":
            assert np.all(np.isfinite(value)), f"{where}: non-finite array"
        return
    if isinstance(value, pd.DataFrame):
        numeric = value.select_dtypes("number")
        assert np.all(np.isfinite(numeric.to_numpy(dtype=float))), f"{where}: non-finite frame"
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite(item, f"{where}[{key!r}]")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_finite(item, f"{where}[{index}]")
        return
    # other objects: dataclasses of results (Episode, SteadyState, GeneTherapyPlan, …)
    for name, item in vars(value).items() if hasattr(value, "__dict__") else ():
        _check_finite(item, f"{where}.{name}")


@pytest.mark.parametrize("target, argument", CASES, ids=[f"{t.name}:{a}" for t, a in CASES])
def test_public_api_answers_any_value_with_a_result_or_a_named_error(target, argument):
    @settings(
        max_examples=EXAMPLES_FACTOR * settings().max_examples,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(value=target.strategy(argument))
    def run(value):
        arguments = {**target.valid, argument: value}
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
        try:
            outcome = target.call(**arguments)
        except hm.ModelError as error:
            text = f"{error} {error.field}".lower()
            assert error.field, f"{target.name}({argument}={value!r}): no field in {error}"
            assert any(word.lower() in text for word in target.names[argument]), (
                f"{target.name}({argument}={value!r}): the error does not name {argument!r}: "
                f"{error}"
            )
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _check_finite(outcome, f"{target.name}({argument}={value!r})")

    run()
