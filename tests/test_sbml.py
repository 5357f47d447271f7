"""SBML export: valid documents that libroadrunner simulates like hemomodels.

Truths: libSBML's own consistency checks; trajectories computed by an independent simulator
(libroadrunner's CVODE on the exported SBML, rtol 1e-10) compared with hemomodels' LSODA
(rtol 1e-11); closed-form values for the formula printer (an observable evaluated by
libroadrunner along x(t) = t, against the same function written directly in NumPy); unit
definitions worked out by hand from the SBML rule (multiplier·10^scale·kind)^exponent.
"""

from __future__ import annotations

import libsbml
import numpy as np
import pytest
import roadrunner
import sympy

import hemomodels as hm
from hemomodels.models.friberg2002 import bolus_concentration
from hemomodels.sbml import consistency_errors, sbml_formula, to_sbml, unit_definition
from hemomodels.scenarios.chemotherapy import gcsf_course

#: Relative error allowed between the two simulators, with an absolute floor of FLOOR times
#: the largest magnitude of the variable over the run (models reach 1e12 cells, and
#: observables such as a deficit (baseline - x) cross zero).
RTOL = 1e-4
FLOOR = 1e-5


def roadrunner_run(text: str, names: list[str], t: np.ndarray) -> dict[str, np.ndarray]:
    runner = roadrunner.RoadRunner(text)
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-12
    runner.timeCourseSelections = ["time", *names]
    out = runner.simulate(times=t)
    assert np.allclose(out[:, 0], t, rtol=0, atol=1e-12)
    return {name: np.asarray(out[:, k + 1]) for k, name in enumerate(names)}


def max_relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.maximum(np.abs(b), FLOOR * np.max(np.abs(b)))
    scale = np.where(scale > 0, scale, 1.0)
    return float(np.max(np.abs(a - b) / scale))


def compare(model: hm.Model, t_end: float, n: int = 201, **kwargs) -> dict[str, float]:
    """Relative error of libroadrunner against hemomodels, for every state and observable."""
    t = np.linspace(0.0, t_end, n)
    text = to_sbml(model, **kwargs)
    assert consistency_errors(text) == []
    names = [*model.state_names, *model.observable_names]
    theirs = roadrunner_run(text, names, t)
    ours = model.simulate(t_end, t_eval=t, rtol=1e-11, atol=1e-12, **kwargs)
    return {name: max_relative_error(theirs[name], ours[name]) for name in names}


@pytest.mark.parametrize("name", hm.models.available())
def test_every_model_exports_valid_sbml_that_roadrunner_simulates_alike(name):
    """Every registered model, started away from its default state (70% of each default
    initial value, so that models starting at equilibrium move), integrated for 200 time
    units."""
    model = hm.models.get(name)
    y0 = {s.name: 0.7 * s.initial for s in model.states}
    errors = compare(model, 200.0, y0=y0)
    assert max(errors.values()) <= RTOL, errors


def test_friberg_doses_at_zero_and_later_are_initial_values_and_events():
    """200 mg docetaxel at t = 0 (folded into the initial Conc) and 100 mg at 300 h (an SBML
    event); output times include the event time (both report the value after the dose)."""
    model = hm.models.friberg2002()
    doses = [hm.Dose(0.0, "Conc", bolus_concentration(200)), hm.Dose(300.0, "Conc", 12.5)]
    text = to_sbml(model, doses=doses)
    document = libsbml.readSBMLFromString(text)
    assert document.getModel().getNumEvents() == 1
    assert document.getModel().getParameter("Conc").getValue() == pytest.approx(
        bolus_concentration(200), rel=1e-15
    )
    errors = compare(model, 600.0, n=301, doses=doses)
    assert max(errors.values()) <= RTOL, errors


def test_parameter_changes_become_events_on_non_constant_parameters():
    """G-CSF switched on and off (ParameterChange events) over four 21-day cycles of one-hour
    infusions."""
    model = hm.models.friberg2002(gcsf=True)
    doses = gcsf_course(1.0, 5.0)
    text = to_sbml(model, doses=doses)
    document = libsbml.readSBMLFromString(text)  # keep it alive: libSBML owns the children
    sbml = document.getModel()
    assert not sbml.getParameter("gcsf_rise").getConstant()
    assert sbml.getParameter("MTT").getConstant()
    # infusion rates switched at 7 times (start and end of each drip but the first start)
    # and G-CSF on and off in each of the 4 cycles
    assert sbml.getNumEvents() == 7 + 8
    errors = compare(model, 84 * 24.0, n=84 * 24 + 1, doses=doses)  # hourly: drip peaks
    assert max(errors.values()) <= RTOL, errors


def test_parameters_carry_values_units_bounds_and_sources():
    model = hm.models.friberg2002()
    text = to_sbml(model, params={"MTT": 100.0})
    document = libsbml.readSBMLFromString(text)
    sbml = document.getModel()
    mtt = sbml.getParameter("MTT")
    assert mtt.getValue() == 100.0
    notes = mtt.getNotesString()
    assert "bounds: (0, 1000]" in notes and "friberg2002" in notes
    definition = sbml.getUnitDefinition(mtt.getUnits())
    unit = definition.getUnit(0)
    # h = 3600 s
    assert libsbml.UnitKind_toString(unit.getKind()) == "second"
    assert unit.getMultiplier() * 10 ** unit.getScale() == 3600.0
    assert sbml.getTimeUnits() == mtt.getUnits()
    # states and observables: rate rules and assignment rules
    assert sbml.getRateRuleByVariable("Circ") is not None
    assert sbml.getAssignmentRuleByVariable("ANC") is not None


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("1/day", [("second", -1, 0, 86400.0)]),
        ("10^9 cells/L", [("item", 1, 9, 1.0), ("litre", -1, 0, 1.0)]),
        ("µM", [("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0)]),
        ("1/µM", [("mole", -1, -6, 1.0), ("litre", 1, 0, 1.0)]),
        ("g/dL", [("gram", 1, 0, 1.0), ("litre", -1, -1, 1.0)]),
        ("kg/cell", [("kilogram", 1, 0, 1.0), ("item", -1, 0, 1.0)]),
        ("%", [("dimensionless", 1, 0, 0.01)]),
        ("1", [("dimensionless", 1, 0, 1.0)]),
        ("furlongs/fortnight", None),
    ],
)
def test_unit_strings_translate_to_sbml_units(unit, expected):
    assert unit_definition(unit) == expected


def test_an_untranslatable_unit_is_kept_in_notes_and_annotation():
    x = hm.State("x", "distance", "furlongs", initial=1.0)
    k = hm.Parameter("k", 0.5, "1/day", (0, 1), "rate", "friberg2002")
    model = hm.Model("odd units", states=[x], parameters=[k], rhs={x: -k.symbol * x.symbol})
    text = to_sbml(model)
    assert consistency_errors(text) == []
    document = libsbml.readSBMLFromString(text)
    element = document.getModel().getParameter("x")
    assert not element.isSetUnits()
    assert "furlongs" in element.getNotesString()
    assert 'unit="furlongs"' in element.getAnnotationString()


def test_formula_printer_powers_logs_piecewise_min_max():
    """An observable of x(t) = t evaluated by libroadrunner equals the same function written
    in NumPy: powers with negative and fractional exponents, ln, exp, Piecewise, Min, Max,
    Abs, Mod (floored) and the time symbol."""
    x = hm.State("x", "clock", "1", initial=0.0)
    a = hm.Parameter("a", 1.5, "1", (0, 10), "constant", "friberg2002")
    X, A, t = x.symbol, a.symbol, hm.TIME
    expression = (
        X ** (-2 * A) * (1 + X) ** sympy.Rational(1, 3)
        + sympy.log(1 + X) * sympy.exp(-X / A)
        + sympy.Piecewise((X**2, X < 1), (sympy.Max(X, A), X < 3), (sympy.Min(t, 4), True))
        + sympy.Abs(X - 2)
        + sympy.Mod(X, A)
        - X ** sympy.Rational(1, 2)
    )
    obs = hm.Observable("f", expression, "1", "test function")
    model = hm.Model(
        "printer", states=[x], parameters=[a], rhs={x: sympy.Integer(1)}, observables=[obs]
    )
    times = np.linspace(0.25, 5.0, 20)
    value = roadrunner_run(to_sbml(model), ["f"], np.concatenate(([0.0], times)))["f"][1:]
    s, p = times, 1.5
    numpy_value = (
        s ** (-2 * p) * np.cbrt(1 + s)
        + np.log1p(s) * np.exp(-s / p)
        + np.where(s < 1, s**2, np.where(s < 3, np.maximum(s, p), np.minimum(s, 4)))
        + np.abs(s - 2)
        + np.mod(s, p)
        - np.sqrt(s)
    )
    np.testing.assert_allclose(value, numpy_value, rtol=1e-8)
    assert sbml_formula(X**-1) == "1 / (x)"


def test_bad_inputs_raise_model_error_before_export():
    model = hm.models.friberg2002()
    with pytest.raises(hm.ModelError, match="MTT"):
        to_sbml(model, params={"MTT": -1.0})
    with pytest.raises(hm.ModelError, match="Nowhere"):
        to_sbml(model, doses=[hm.Dose(1.0, "Nowhere", 1.0)])
    with pytest.raises(hm.ModelError, match="besselj"):
        sbml_formula(sympy.besselj(0, sympy.Symbol("x")))


def test_model_method_is_the_module_function():
    model = hm.models.marciniak_czochra_2009()
    assert model.to_sbml() == to_sbml(model)
