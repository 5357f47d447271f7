"""Jacobian, steady states, cohorts, compilation cache and display of models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sympy
from conftest import chain_model

import hemomodels as hm
from hemomodels.compile import compile_count

RNG = np.random.default_rng(20261125)


def random_parameters(model: hm.Model, rng: np.random.Generator, spread: float = 0.2) -> dict:
    """Parameters scattered around their defaults, kept inside the bounds."""
    values = {}
    for p in model.parameters:
        low, high = p.bounds
        value = p.value * float(np.exp(rng.normal(0, spread)))
        values[p.name] = float(np.clip(value, low + 1e-12 * (high - low), high))
    return values


def finite_difference_jacobian(f, y: np.ndarray, relative_step: float = 1e-6) -> np.ndarray:
    """Central differences of f at y, column by column."""
    jac = np.empty((y.size, y.size))
    for j in range(y.size):
        h = relative_step * max(abs(y[j]), 1.0)
        up, down = y.copy(), y.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (f(up) - f(down)) / (2 * h)
    return jac


# ------------------------------------------------------------------------------ Jacobian


@pytest.mark.parametrize("seed", range(5))
def test_compiled_jacobian_matches_finite_differences(seed, mc2009):
    rng = np.random.default_rng(seed)
    values = random_parameters(mc2009, rng)
    p = np.array([values[name] for name in mc2009.parameter_names])
    y = np.array([1e7, 2e9, 4e8]) * np.exp(rng.normal(0, 0.5, 3))
    numeric = finite_difference_jacobian(lambda x: mc2009.compiled.rhs(0.0, x, p), y)
    analytic = mc2009.compiled.jac(0.0, y, p)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9 * np.abs(numeric).max())


def test_symbolic_jacobian_equals_compiled_one(mc2009):
    jacobian = mc2009.jacobian()
    assert jacobian.shape == (3, 3)
    values = random_parameters(mc2009, RNG)
    y = np.array([3e6, 1e9, 2e8])
    substitutions = {
        **dict(zip(mc2009.state_symbols, y, strict=True)),
        **{p.symbol: values[p.name] for p in mc2009.parameters},
    }
    symbolic = np.array(jacobian.subs(substitutions), dtype=float)
    p = np.array([values[name] for name in mc2009.parameter_names])
    np.testing.assert_allclose(mc2009.compiled.jac(0.0, y, p), symbolic, rtol=1e-10)


# -------------------------------------------------------------------------- steady states


def test_mc2009_positive_steady_state_has_hand_derived_closed_form(mc2009):
    """At the positive equilibrium the signal is 1/(2 a1), so c3* = (2 a1 - 1)/k (derived by
    hand from the stem-cell equation), and c2*, c1* follow from the other two equations."""
    for _ in range(10):
        values = random_parameters(mc2009, RNG, spread=0.05)
        values["precursor_self_renewal"] = min(
            values["precursor_self_renewal"], values["stem_self_renewal"] - 0.01
        )
        a1, p1 = values["stem_self_renewal"], values["stem_division_rate"]
        a2, p2 = values["precursor_self_renewal"], values["precursor_division_rate"]
        d3, k = values["neutrophil_clearance"], values["feedback_strength"]
        c3 = (2 * a1 - 1) / k
        c2 = d3 * c3 / ((2 - a2 / a1) * p2)
        c1 = p2 * c2 * (1 - a2 / a1) / p1
        positive = [s for s in mc2009.steady_states(values) if s.values["stem_cells"] > 0]
        assert len(positive) == 1
        found = positive[0].values
        np.testing.assert_allclose(
            [found["stem_cells"], found["precursors"], found["neutrophils"]],
            [c1, c2, c3],
            rtol=1e-9,
        )
        assert positive[0].stability == "stable"
        assert positive[0].method == "symbolic"


def test_every_steady_state_is_a_root_of_the_rhs(mc2009):
    values = random_parameters(mc2009, RNG, spread=0.05)
    p = np.array([values[n] for n in mc2009.parameter_names])
    states = mc2009.steady_states(values)
    assert len(states) >= 2
    for steady in states:
        y = np.array(list(steady.values.values()))
        scale = 1 + np.max(np.abs(mc2009.compiled.rhs(0.0, y * 1.01 + 1, p)))
        assert np.max(np.abs(mc2009.compiled.rhs(0.0, y, p))) <= 1e-9 * scale


def test_reported_stability_matches_perturbed_simulation(mc2009):
    """A perturbed stable state returns to it; a perturbed unstable one moves away."""
    for steady in mc2009.steady_states():
        y = np.array(list(steady.values.values()))
        start = y * 1.05 + np.array([1e3, 1e5, 1e4])
        # the slowest eigenvalue of the positive state is ~1e-4/day: integrate long enough
        result = mc2009.simulate(1e5, y0=start, t_eval=[0.0, 1e5], rtol=1e-10, atol=1e-3)
        end = result.states[:, -1]
        distance_start = np.max(np.abs(start - y) / (np.abs(y) + 1e6))
        distance_end = np.max(np.abs(end - y) / (np.abs(y) + 1e6))
        if steady.stability == "stable":
            assert distance_end < 1e-3 * distance_start
        else:
            assert distance_end > distance_start


def test_numeric_steady_states_agree_with_symbolic(mc2009):
    numeric = hm.Model(
        "numeric copy",
        states=mc2009.states,
        parameters=mc2009.parameters,
        rhs={s: f for s, f in zip(mc2009.states, mc2009.rhs, strict=True)},
        solve_symbolically=False,
        reference=mc2009.reference,
    )
    symbolic_stable = [s for s in mc2009.steady_states() if s.stability == "stable"][0]
    found = numeric.steady_states(
        method="numeric", guesses=[{"stem_cells": 9e6, "precursors": 1.9e9, "neutrophils": 3.9e8}]
    )
    stable = [s for s in found if s.stability == "stable"]
    assert stable and stable[0].method == "numeric"
    for name, value in symbolic_stable.values.items():
        assert stable[0].values[name] == pytest.approx(value, rel=1e-6)
    assert stable[0].expressions is None


def test_stability_classification_of_known_eigenvalues():
    from hemomodels.steady import classify_stability

    assert classify_stability(np.array([-1.0, -0.1 + 2j, -0.1 - 2j])) == "stable"
    assert classify_stability(np.array([-1.0, 0.01])) == "unstable"
    assert classify_stability(np.array([-1.0, 0.0])) == "marginal"


def test_steady_state_frame_and_latex(mc2009):
    frame = mc2009.steady_state_frame()
    assert list(frame.index) == [
        "all compartments empty",
        "empty: stem cells",
        "all compartments positive",
    ]
    assert list(frame["stability"]) == ["unstable", "unstable", "stable"]
    positive = mc2009.steady_states()[-1]
    latex = mc2009.steady_state_latex(positive)
    assert r"c_3^{*} &= \frac{2 a_1 - 1}{k}" in latex


# ----------------------------------------------------------------------------- cohorts


def test_cohort_equals_individual_runs(mc2009):
    table = pd.DataFrame([random_parameters(mc2009, RNG, spread=0.05) for _ in range(6)])
    table["precursor_self_renewal"] = np.minimum(
        table["precursor_self_renewal"], table["stem_self_renewal"] - 0.01
    )
    y0 = {"stem_cells": 1e5, "precursors": 0.0, "neutrophils": 0.0}
    cohort = mc2009.simulate_many(table.assign(**y0), 60.0, rtol=1e-9, atol=1e-3)
    assert cohort.is_cohort and cohort.n_patients == 6
    for patient, row in table.iterrows():
        single = mc2009.simulate(60.0, params=row.to_dict(), y0=y0, rtol=1e-9, atol=1e-3)
        for name in [*mc2009.state_names, "feedback_signal"]:
            np.testing.assert_allclose(cohort[name][patient], single[name], rtol=1e-6, atol=1e-2)


def test_cohort_with_doses_equals_individual_runs(clearance):
    rates = np.array([0.05, 0.3, 1.2, 4.0])
    schedule = hm.Schedule("drug", 2.0, start=0.0, every=6.0, count=3)
    cohort = clearance.simulate_many(
        {"elimination_rate": rates}, 24.0, doses=[schedule], rtol=1e-10, atol=1e-12
    )
    for i, rate in enumerate(rates):
        t = cohort.t
        expected = sum(
            np.where(t >= tj, 2.0 * np.exp(-rate * (t - tj)), 0.0) for tj in (0.0, 6.0, 12.0)
        )
        np.testing.assert_allclose(cohort["drug"][i], expected, rtol=1e-6, atol=1e-10)


def test_cohort_frame_has_patient_column(chain):
    cohort = chain.simulate_many({"k1": [0.3, 0.6]}, 5.0, t_eval=[0.0, 5.0])
    frame = cohort.to_frame()
    assert list(frame.columns) == ["patient", "time", "variable", "value"]
    assert len(frame) == 2 * 2 * 4  # patients x times x (3 states + 1 observable)
    assert isinstance(cohort.params, pd.DataFrame) and list(cohort.params["k1"]) == [0.3, 0.6]


# ----------------------------------------------------------------------------- results


def test_to_frame_round_trips_to_arrays(chain):
    result = chain.simulate(8.0, t_eval=np.linspace(0, 8, 17))
    frame = result.to_frame()
    assert frame.attrs["units"] == {"A1": "cells", "A2": "cells", "A3": "cells", "total": "cells"}
    assert frame.attrs["time_unit"] == "day"
    wide = frame.pivot(index="time", columns="variable", values="value")
    for name in result.names:
        np.testing.assert_array_equal(wide[name].to_numpy(), result[name])
    np.testing.assert_array_equal(wide.index.to_numpy(), result.t)


def test_result_rejects_unknown_variable_with_suggestion(chain):
    result = chain.simulate(1.0)
    with pytest.raises(hm.ModelError, match="did you mean 'total'"):
        result["totl"]


# ------------------------------------------------------------------------- compilation


def test_model_is_compiled_once_and_reused():
    model = chain_model(5)
    model.simulate(1.0)
    count = compile_count()
    for k in (0.1, 0.2, 0.3):
        model.simulate(1.0, params={"k1": k})
    chain_model(5).simulate(1.0)  # a fresh but identical model shares the compiled code
    model.simulate_many({"k2": [0.5, 0.6]}, 1.0)
    assert compile_count() == count


def test_generated_code_uses_common_subexpressions(mc2009):
    source = mc2009.compiled.source
    assert "_cse0" in source
    assert source.count("def ") == 3


# ----------------------------------------------------------------------------- display


def test_equations_are_sympy_equalities_for_every_state(mc2009):
    equations = mc2009.equations
    assert [eq.lhs for eq in equations] == [
        sympy.Derivative(s, hm.TIME) for s in mc2009.state_symbols
    ]
    # the displayed equations are exactly the simulated right-hand side
    y, p = np.array([2e6, 5e8, 1e8]), np.array([p.value for p in mc2009.parameters])
    numeric = [
        float(
            eq.rhs.subs(
                {
                    **dict(zip(mc2009.state_symbols, y, strict=True)),
                    **dict(zip(mc2009.parameter_symbols, p, strict=True)),
                }
            )
        )
        for eq in equations
    ]
    np.testing.assert_allclose(mc2009.compiled.rhs(0.0, y, p), numeric, rtol=1e-12)


def test_latex_shows_signal_and_every_derivative(mc2009):
    latex = mc2009.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert r"s &= \frac{1}{1 + k c_3}" in latex  # the display form: textbook order
    for symbol in ("c_1", "c_2", "c_3"):
        assert rf"\frac{{d {symbol}}}{{d t}}" in latex


def test_printed_model_lists_units_bounds_and_sources(mc2009):
    text = str(mc2009)
    for parameter in mc2009.parameters:
        assert parameter.name in text and parameter.source in text
        assert parameter.bounds_text() in text
    assert "cells/kg" in text and "Equations" in text
    markdown = mc2009._repr_markdown_()
    assert "| stem_self_renewal |" in markdown and "$$\n\\begin{aligned}" in markdown


def test_available_models_build_and_cite_known_references():
    from pathlib import Path

    bib = (Path(__file__).resolve().parents[1] / "references.bib").read_text(encoding="utf-8")
    keys = set(__import__("re").findall(r"@\w+\{([^,]+),", bib))
    names = hm.models.available()
    assert "marciniak_czochra_2009" in names
    for name in names:
        model = hm.models.get(name)
        assert model.reference in keys
        for parameter in model.parameters:
            assert parameter.source in keys, (name, parameter.name)
            assert parameter.unit and parameter.description
            low, high = parameter.bounds
            assert low < high


def test_mc2009_defaults_reproduce_the_chosen_steady_state(mc2009):
    """The myelo reproduction of Stiehl et al. 2015 chose 1e7, 2e9, 4e8 cells/kg as the
    steady state; the derived parameters must make it exact, and the initial state."""
    stable = [s for s in mc2009.steady_states() if s.stability == "stable"]
    assert len(stable) == 1
    np.testing.assert_allclose(list(stable[0].values.values()), [1e7, 2e9, 4e8], rtol=1e-9)
    result = mc2009.simulate(100.0, t_eval=[0.0, 100.0])
    np.testing.assert_allclose(result.states[:, -1], [1e7, 2e9, 4e8], rtol=1e-7)


@pytest.mark.parametrize("name", hm.models.available())
def test_scalar_fast_path_equals_the_numpy_functions(name):
    """The single-patient right-hand side and Jacobian on Python floats equal the NumPy
    (cohort) versions, for every model in the package."""
    model = hm.models.get(name)
    rng = np.random.default_rng(7)
    p = np.array([prm.value for prm in model.parameters])
    for _ in range(3):
        y = np.array([s.initial for s in model.states]) * rng.uniform(0.5, 1.5, len(model.states))
        y = y + rng.uniform(0.1, 1.0, len(model.states))  # no exact zeros
        compiled = model.compiled
        np.testing.assert_allclose(
            compiled.rhs_scalar(0.0, y.tolist(), p.tolist()),
            compiled.rhs(0.0, y, p),
            rtol=1e-12,
            atol=1e-300,
        )
        np.testing.assert_allclose(
            compiled.jac_scalar(0.0, y.tolist(), p.tolist()),
            compiled.jac(0.0, y, p),
            rtol=1e-12,
            atol=1e-300,
        )


def test_scalar_path_raises_on_a_domain_error_instead_of_going_complex():
    x = hm.State("x", "amount", "cells", initial=1.0)
    exponent = hm.Parameter("exponent", 0.5, "1", (0.0, 1.0), "power", "friberg2002")
    model = hm.Model(
        "power",
        states=[x],
        parameters=[exponent],
        rhs={x: -(x.symbol**exponent.symbol)},
        reference="friberg2002",
    )
    with pytest.raises(ValueError):
        model.compiled.rhs_scalar(0.0, [-1.0], [0.5])
    with np.errstate(invalid="ignore"):
        assert np.isnan(model.compiled.rhs(0.0, np.array([-1.0]), np.array([0.5]))[0])
