"""Bad input gives one clear ModelError before any integration starts.

Each case is data: a call on the HSC model (or on Dose/Schedule), and the pieces the message
must contain — the field, the value given, the allowed range and the unit.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import hemomodels as hm
import hemomodels.model as model_module

MC = hm.models.marciniak_czochra_2009

# (id, call taking the model, substrings that must all appear in the message)
CASES = [
    # parameters
    (
        "param-typo",
        lambda m: m.simulate(10, params={"stem_self_renewl": 0.9}),
        ["unknown parameter 'stem_self_renewl'", "did you mean 'stem_self_renewal'"],
    ),
    (
        "param-above-bounds",
        lambda m: m.simulate(10, params={"stem_self_renewal": 1.2}),
        ["parameter 'stem_self_renewal'", "1.2", "[0, 1]", "dimensionless"],
    ),
    (
        "param-below-bounds",
        lambda m: m.simulate(10, params={"stem_self_renewal": -0.1}),
        ["parameter 'stem_self_renewal'", "-0.1", "[0, 1]"],
    ),
    (
        "param-zero-rate",
        lambda m: m.simulate(10, params={"stem_division_rate": 0}),
        ["parameter 'stem_division_rate' = 0 ", "(0, 5]", "1/day"],
    ),
    (
        "param-nan",
        lambda m: m.simulate(10, params={"neutrophil_clearance": math.nan}),
        ["parameter 'neutrophil_clearance'", "nan", "(0, 20]", "1/day"],
    ),
    (
        "param-inf",
        lambda m: m.simulate(10, params={"feedback_strength": math.inf}),
        ["parameter 'feedback_strength'", "inf", "(0, 1e-06]", "kg/cell"],
    ),
    (
        "param-string",
        lambda m: m.simulate(10, params={"stem_self_renewal": "0.9"}),
        ["parameter 'stem_self_renewal'", "'0.9'", "[0, 1]", "Give a number"],
    ),
    (
        "param-bool",
        lambda m: m.simulate(10, params={"stem_self_renewal": True}),
        ["parameter 'stem_self_renewal'", "True", "[0, 1]"],
    ),
    ("params-not-mapping", lambda m: m.simulate(10, params=[0.9]), ["params", "[0.9]", "mapping"]),
    (
        "steady-states-bad-param",
        lambda m: m.steady_states({"stem_self_renewal": 2.0}),
        ["parameter 'stem_self_renewal'", "2.0", "[0, 1]"],
    ),
    # initial values
    (
        "y0-unknown-state",
        lambda m: m.simulate(10, y0={"stem_cell": 1.0}),
        ["unknown state 'stem_cell'", "did you mean 'stem_cells'"],
    ),
    (
        "y0-negative",
        lambda m: m.simulate(10, y0={"neutrophils": -5.0}),
        ["initial value of 'neutrophils'", "-5.0", ">= 0", "cells/kg"],
    ),
    (
        "y0-nan",
        lambda m: m.simulate(10, y0={"precursors": math.nan}),
        ["initial value of 'precursors'", "nan", ">= 0", "cells/kg"],
    ),
    (
        "y0-wrong-length",
        lambda m: m.simulate(10, y0=[1.0, 2.0]),
        ["y0 has 2 values", "exactly 3", "stem_cells, precursors, neutrophils"],
    ),
    ("y0-wrong-type", lambda m: m.simulate(10, y0=5.0), ["y0 = 5.0", "mapping of state names"]),
    # time
    ("t-end-zero", lambda m: m.simulate(0), ["t_end = 0 ", "> 0", "day"]),
    ("t-end-negative", lambda m: m.simulate(-3), ["t_end = -3 ", "> 0", "day"]),
    ("t-end-nan", lambda m: m.simulate(math.nan), ["t_end", "nan", "> 0", "day"]),
    ("t-end-inf", lambda m: m.simulate(math.inf), ["t_end", "inf", "> 0", "day"]),
    ("t-end-string", lambda m: m.simulate("10"), ["t_end", "'10'", "> 0", "day"]),
    ("t-end-huge", lambda m: m.simulate(1e9), ["t_end", "1000000000.0", "(0, 100000]", "day"]),
    (
        "t-eval-decreasing",
        lambda m: m.simulate(10, t_eval=[0, 5, 3]),
        ["t_eval", "5, 3", "strictly increasing", "day"],
    ),
    (
        "t-eval-repeated",
        lambda m: m.simulate(10, t_eval=[0, 5, 5]),
        ["t_eval", "strictly increasing", "day"],
    ),
    (
        "t-eval-negative",
        lambda m: m.simulate(10, t_eval=[-1, 5]),
        ["t_eval", "-1", "within [0, t_end = 10]", "day"],
    ),
    (
        "t-eval-beyond-end",
        lambda m: m.simulate(10, t_eval=[0, 11]),
        ["t_eval", "11", "within [0, t_end = 10]", "day"],
    ),
    ("t-eval-empty", lambda m: m.simulate(10, t_eval=[]), ["t_eval", "non-empty 1-D array", "day"]),
    (
        "t-eval-2d",
        lambda m: m.simulate(10, t_eval=[[0, 1], [2, 3]]),
        ["t_eval", "non-empty 1-D array", "day"],
    ),
    (
        "t-eval-nan",
        lambda m: m.simulate(10, t_eval=[0, math.nan]),
        ["t_eval", "finite times", "day"],
    ),
    # doses
    (
        "dose-unknown-target",
        lambda m: m.simulate(10, doses=[hm.Dose(1, "stem", 1e5)]),
        ["unknown dose target compartment 'stem'", "did you mean 'stem_cells'"],
    ),
    (
        "dose-after-end",
        lambda m: m.simulate(10, doses=[hm.Dose(12, "stem_cells", 1e5)]),
        ["time of the dose into 'stem_cells'", "12.0", "[0, t_end = 10]", "day"],
    ),
    (
        "schedule-past-end",
        lambda m: m.simulate(10, doses=hm.Schedule("stem_cells", 1e5, start=0, every=4, count=4)),
        ["last dose of the schedule into 'stem_cells'", "12.0", "[0, t_end = 10]"],
    ),
    (
        "dose-negative-amount",
        lambda m: hm.Dose(1, "stem_cells", -1e5),
        ["dose amount", "-100000.0", ">= 0", "unit of the target compartment"],
    ),
    (
        "dose-negative-time",
        lambda m: hm.Dose(-1, "stem_cells", 1e5),
        ["dose time = -1 ", ">= 0", "model time unit"],
    ),
    (
        "dose-nan-amount",
        lambda m: hm.Dose(1, "stem_cells", math.nan),
        ["dose amount", "nan", ">= 0"],
    ),
    (
        "schedule-zero-interval",
        lambda m: hm.Schedule("stem_cells", 1e5, start=0, every=0, count=3),
        ["schedule every", "0", "> 0", "model time unit"],
    ),
    (
        "schedule-zero-count",
        lambda m: hm.Schedule("stem_cells", 1e5, start=0, every=1, count=0),
        ["schedule count", "0", "integer >= 1", "doses"],
    ),
    (
        "doses-not-doses",
        lambda m: m.simulate(10, doses=[(1, "stem_cells", 1e5)]),
        ["doses contains", "hemomodels.Dose"],
    ),
    # solver settings
    ("rtol-zero", lambda m: m.simulate(10, rtol=0), ["rtol = 0 ", "[2.22e-14, 1)", "relative"]),
    ("atol-negative", lambda m: m.simulate(10, atol=-1e-9), ["atol", "-1e-09", "(0, 1)"]),
    (
        "method-unknown",
        lambda m: m.simulate(10, method="Euler"),
        ["method = 'Euler'", "'LSODA', 'BDF'"],
    ),
    # cohorts
    (
        "cohort-unknown-column",
        lambda m: m.simulate_many({"stem_renewal": [0.8]}, 10),
        ["unknown parameter or state 'stem_renewal'", "did you mean"],
    ),
    (
        "cohort-unequal-lengths",
        lambda m: m.simulate_many(
            {"stem_self_renewal": [0.8, 0.9], "stem_division_rate": [0.1]}, 10
        ),
        ["different lengths", "stem_self_renewal", "one value per patient"],
    ),
    (
        "cohort-out-of-bounds",
        lambda m: m.simulate_many(pd.DataFrame({"stem_self_renewal": [0.8, 1.5]}), 10),
        ["parameter 'stem_self_renewal' of patient 1", "1.5", "[0, 1]", "dimensionless"],
    ),
    (
        "cohort-negative-initial",
        lambda m: m.simulate_many({"stem_cells": [1e5, -1.0]}, 10),
        ["initial value of 'stem_cells' for patient 1", "-1.0", ">= 0", "cells/kg"],
    ),
    (
        "cohort-non-numeric",
        lambda m: m.simulate_many({"stem_self_renewal": ["high"]}, 10),
        ["column 'stem_self_renewal'", "['high']", "number", "booleans and text"],
    ),
    (
        "cohort-empty-column",
        lambda m: m.simulate_many({"stem_self_renewal": []}, 10),
        ["column 'stem_self_renewal'", "at least 1"],
    ),
    (
        "cohort-2d-column",
        lambda m: m.simulate_many({"stem_self_renewal": [[0.8, 0.9]]}, 10),
        ["column 'stem_self_renewal'", "[[0.8, 0.9]]", "1-D series"],
    ),
    ("cohort-no-columns", lambda m: m.simulate_many({}, 10), ["no columns"]),
    (
        "cohort-wrong-type",
        lambda m: m.simulate_many([0.8, 0.9], 10),
        ["params_table of type list", "pandas DataFrame"],
    ),
    (
        "cohort-nan",
        lambda m: m.simulate_many({"feedback_strength": [1e-9, math.nan]}, 10),
        ["parameter 'feedback_strength' of patient 1", "nan", "(0, 1e-06]", "kg/cell"],
    ),
    # explorables
    (
        "explore-range-outside-bounds",
        lambda m: hm.widgets.explore(
            m, [hm.widgets.Slider(name="stem_self_renewal", low=0.5, high=1.2, step=0.1)], t_end=10
        ),
        ["high end of the slider for 'stem_self_renewal'", "1.2", "[0, 1]", "dimensionless"],
    ),
    (
        "explore-unknown-control",
        lambda m: hm.widgets.explore(m, ["self_renewal"], t_end=10),
        ["unknown parameter 'self_renewal'", "did you mean"],
    ),
    (
        "explore-too-many-points",
        lambda m: hm.widgets.explore(
            m,
            [
                hm.widgets.Slider(name=name, low=low, high=high, points=10, value=value)
                for name, low, high, value in [
                    ("stem_self_renewal", 0.5, 0.95, 0.5),
                    ("stem_division_rate", 0.05, 0.5, 0.05),
                    ("feedback_strength", 1e-9, 1e-8, 1e-9),
                ]
            ],
            t_end=10,
        ),
        ["number of control combinations", "1000", "at most 343", "simulations"],
    ),
    (
        "explore-bad-t-end",
        lambda m: hm.widgets.explore(m, ["stem_self_renewal"], t_end=-1),
        ["t_end = -1 ", "> 0", "day"],
    ),
]


@pytest.fixture(autouse=True)
def no_integration(monkeypatch):
    """Fail loudly if any case reaches the integrator: validation must come first."""

    def forbidden(*args, **kwargs):
        raise AssertionError("integration started before the input was validated")

    monkeypatch.setattr(model_module, "integrate", forbidden)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_clear_model_error(case):
    _, call, expected = case
    with pytest.raises(hm.ModelError) as error:
        call(MC())
    message = str(error.value)
    for piece in expected:
        assert piece in message, f"{piece!r} missing from: {message}"
    assert isinstance(error.value, ValueError)


def test_model_error_carries_structured_fields():
    with pytest.raises(hm.ModelError) as error:
        MC().simulate(10, params={"stem_self_renewal": 1.5})
    assert error.value.field == "parameter 'stem_self_renewal'"
    assert error.value.value == 1.5
    assert error.value.allowed == "[0, 1]"
    assert error.value.unit == "1"


@pytest.mark.parametrize(
    "build, expected",
    [
        (
            lambda: hm.Parameter("rate", 2.0, "1/day", (0, 1), "r", "friberg2002"),
            ["default value 2.0", "[0, 1]", "1/day"],
        ),
        (lambda: hm.Parameter("rate", 0.5, "1/day", (0, 1), "r", ""), ["has no source"]),
        (
            lambda: hm.Parameter("rate", 0.5, "1/day", (1, 0), "r", "friberg2002"),
            ["bounds = (1, 0)", "low < high"],
        ),
        (lambda: hm.State("2cells", "bad name", "cells", 0.0), ["'2cells'", "identifier"]),
        (
            lambda: hm.State("cells", "negative start", "cells", -1.0),
            ["initial = -1.0", ">= 0", "cells"],
        ),
    ],
)
def test_bad_declarations_are_rejected(build, expected):
    with pytest.raises(hm.ModelError) as error:
        build()
    for piece in expected:
        assert piece in str(error.value)


def test_undeclared_symbol_in_rhs_is_rejected():
    import sympy

    x = hm.State("x", "cells", "cells", 1.0)
    rate = hm.Parameter("rate", 0.1, "1/day", (0, 1), "r", "friberg2002")
    with pytest.raises(hm.ModelError, match="undeclared symbols ghost"):
        hm.Model(
            "bad",
            states=[x],
            parameters=[rate],
            rhs={x: -rate.symbol * x.symbol * sympy.Symbol("ghost")},
        )


def test_duplicate_names_are_rejected():
    x = hm.State("x", "cells", "cells", 1.0)
    clash = hm.Parameter("x", 0.1, "1/day", (0, 1), "r", "friberg2002")
    with pytest.raises(hm.ModelError, match="repeated: x"):
        hm.Model("bad", states=[x], parameters=[clash], rhs={x: -x.symbol})


def test_a_bad_cohort_row_is_refused_before_any_patient_is_simulated():
    """A failing cohort row means no result at all, not a partial one: the autouse fixture
    turns any integration into an AssertionError, so only a ModelError raised before the
    first patient is simulated passes."""
    with pytest.raises(hm.ModelError, match="parameter 'stem_self_renewal' of patient 2"):
        MC().simulate_many({"stem_self_renewal": [0.8, 0.9, 7.0]}, 10)
