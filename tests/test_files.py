"""Saving and loading models and results (hemomodels.files): exact round trips of every
packaged model, of display forms, switches and odd numbers, of single runs, cohorts, parameter
changes and triggered events; hand-edited files checked as declarations; files that would run
code, use an unknown function or come in an unknown format refused; pickling."""

from __future__ import annotations

import json
import pickle
import sys

import numpy as np
import pytest
import sympy

import hemomodels as hm
from hemomodels.files import (
    load_model,
    load_result,
    model_from_dict,
    model_to_dict,
    save_model,
    save_result,
)

MODELS = hm.models.available()


def through_json(model: hm.Model) -> hm.Model:
    """The model after a trip through JSON text (standard JSON: no NaN or Infinity)."""
    text = json.dumps(model_to_dict(model), allow_nan=False)
    return model_from_dict(json.loads(text))


def assert_same_model(loaded: hm.Model, model: hm.Model) -> None:
    assert loaded.name == model.name
    assert loaded.states == model.states
    assert loaded.parameters == model.parameters
    assert loaded.observables == model.observables
    assert loaded.flows == model.flows
    assert loaded.rhs == model.rhs
    assert loaded.rhs_display == model.rhs_display
    assert loaded.observable_expressions == model.observable_expressions
    assert loaded.structure_key == model.structure_key
    assert dict(loaded.display_forms) == dict(model.display_forms)
    assert [sympy.srepr(e) for e in loaded.display_forms.values()] == [
        sympy.srepr(e) for e in model.display_forms.values()
    ]
    assert loaded.diagram_layout == model.diagram_layout
    for field in ("time_unit", "description", "reference", "max_time", "solve_symbolically"):
        assert getattr(loaded, field) == getattr(model, field), field


def assert_same_result(loaded: hm.Result, result: hm.Result) -> None:
    assert type(loaded) is hm.Result
    np.testing.assert_array_equal(loaded.t, result.t)
    np.testing.assert_array_equal(loaded.states, result.states)
    np.testing.assert_array_equal(loaded.observables, result.observables)
    assert loaded.states.shape == result.states.shape
    assert loaded.observables.shape == result.observables.shape
    assert len(loaded.pieces) == len(result.pieces)
    for (start, end, values), (start0, end0, values0) in zip(
        loaded.pieces, result.pieces, strict=True
    ):
        assert (start, end) == (start0, end0)
        assert values.shape == values0.shape
        np.testing.assert_array_equal(values, values0)
    assert loaded.solver == result.solver
    assert loaded.parameter_history().equals(result.parameter_history())
    assert loaded.to_frame().equals(result.to_frame())
    assert loaded.triggered_events().equals(result.triggered_events())
    assert loaded.units == result.units and loaded.time_unit == result.time_unit
    assert_same_model(loaded.model, result.model)


# ------------------------------------------------------------------------- models
@pytest.mark.parametrize("name", MODELS)
def test_every_packaged_model_comes_back_exactly_and_simulates_identically(name, tmp_path):
    model = hm.models.get(name)
    loaded = load_model(save_model(model, tmp_path / f"{name}.json"))
    assert_same_model(loaded, model)
    assert_same_model(through_json(model), model)
    assert model_to_dict(loaded) == model_to_dict(model)
    t_end = min(20.0, model.max_time)
    grid = np.linspace(0.0, t_end, 11)
    np.testing.assert_array_equal(
        loaded.simulate(t_end, t_eval=grid).states, model.simulate(t_end, t_eval=grid).states
    )


X = hm.State("x", "Cells", "cells", initial=2.0, latex="x", label="Cells")
Y = hm.State("y", "Deviation", "1", initial=-0.5, nonnegative=False)
RATE = hm.Parameter(
    "rate",
    0.5,
    "1/day",
    (0, 10),
    "Loss rate",
    "friberg2002",
    low_inclusive=False,
    basis="published",
)
SHIFT = hm.Parameter(
    "shift", -1.0, "1", (-float("inf"), float("inf")), "Shift", "friberg2002", note="any value"
)
SWITCH = hm.Parameter("switch_time", 5.0, "day", (0, 100), "Switch time", "friberg2002")


def switching_model() -> hm.Model:
    """A model with Piecewise, Max, Min, exp, odd numbers and an observable in its rhs."""
    x, y, k, c = X.symbol, Y.symbol, RATE.symbol, SHIFT.symbol
    early = sympy.And(hm.TIME < SWITCH.symbol, sympy.Ne(x, 3))
    drive = sympy.Piecewise((sympy.Rational(1, 3), early), (sympy.pi / 10, True))
    signal = hm.Observable("signal", sympy.Max(x, 0) / (1 + x**2), "1", "Signal", latex="s")
    precise = sympy.Float("0.1", 40)  # more precise than a double
    with sympy.evaluate(False):  # the textbook's order
        shown_y = precise * sympy.exp(-hm.TIME) - 0.3 * y + 1e-300 * c
        shown_signal = sympy.Max(0, x) / (x**2 + 1)
    return hm.Model(
        "Switching",
        states=[X, Y],
        parameters=[RATE, SHIFT, SWITCH],
        observables=[signal],
        rhs={
            "x": drive * signal.symbol - sympy.Min(k, 1.25) * x,
            Y: -0.3 * y + precise * sympy.exp(-hm.TIME) + c * 1e-300,
        },
        flows=[hm.Flow(None, X, 1e-3 * k), hm.Flow(X, None, k * x / 7, "Loss")],
        display={Y: shown_y, "signal": shown_signal},
        time_unit="day",
        max_time=50.0,
        solve_symbolically=False,
    )


def test_switches_odd_numbers_and_display_forms_come_back_exactly(tmp_path):
    model = switching_model()
    document = model_to_dict(model)
    assert document["parameters"][1]["bounds"] == ["-inf", "inf"]
    loaded = load_model(save_model(model, tmp_path / "switching.json"))
    assert_same_model(loaded, model)
    precise = [n for n in sympy.preorder_traversal(loaded.rhs[1]) if isinstance(n, sympy.Float)]
    assert any(n._prec > 53 for n in precise)
    grid = np.linspace(0.0, 20.0, 41)
    np.testing.assert_array_equal(
        loaded.simulate(20.0, t_eval=grid).states, model.simulate(20.0, t_eval=grid).states
    )
    assert "Infinity" not in (tmp_path / "switching.json").read_text()


def test_a_display_form_with_an_unlisted_function_cannot_be_written():
    model = switching_model()
    with sympy.evaluate(False):  # gamma(2) = 1, so the form equals the simulated equation
        form = model.display_forms["y"] * sympy.gamma(sympy.Integer(2))
    odd = hm.Model(
        "Odd",
        states=[X, Y],
        parameters=[RATE, SHIFT, SWITCH],
        rhs=model._declared_rhs,
        flows=model.flows,
        observables=model.observables,
        display={"y": form},
    )
    with pytest.raises(hm.ModelError, match="display\\['y'\\]: gamma cannot be written"):
        model_to_dict(odd)


def test_a_hand_written_file_with_only_the_required_fields_loads(tmp_path):
    cells = {"fn": "Mul", "args": [{"integer": -1}, {"symbol": "death"}, {"symbol": "cells"}]}
    document = {
        "format": "hemomodels-model",
        "version": 1,
        "name": "Dying cells",
        "states": [{"name": "cells", "description": "Cells", "unit": "cells", "initial": 100}],
        "parameters": [
            {
                "name": "death",
                "value": 0.1,
                "unit": "1/day",
                "bounds": [0, "inf"],
                "description": "Death rate",
                "source": "friberg2002",
            }
        ],
        "rhs": {"cells": cells},
    }
    path = tmp_path / "dying.json"
    path.write_text(json.dumps(document))
    model = load_model(path)
    assert model.parameter("death").bounds == (0.0, float("inf"))
    assert model.time_unit == "day" and model.flows == ()
    result = model.simulate(10.0, t_eval=[0.0, 10.0])
    assert result["cells"][-1] == pytest.approx(100 * np.exp(-1.0), rel=1e-6)


def test_an_unevaluated_display_form_keeps_its_written_order():
    model = hm.models.marciniak_czochra_2009()
    assert model.display_forms  # the textbook's order, built with sympy.evaluate(False)
    for name, form in through_json(model).display_forms.items():
        assert sympy.srepr(form) == sympy.srepr(model.display_forms[name])
        assert model.latex_of(form) == model.latex_of(model.display_forms[name])


def test_a_hand_edited_parameter_value_is_loaded_and_used(tmp_path):
    path = save_model(hm.models.marciniak_czochra_2009(), tmp_path / "model.json")
    document = json.loads(path.read_text())
    document["parameters"][0]["value"] = 0.9
    path.write_text(json.dumps(document))
    loaded = load_model(path)
    assert loaded.defaults["stem_self_renewal"] == 0.9
    expected = hm.models.marciniak_czochra_2009().simulate(
        10.0, params={"stem_self_renewal": 0.9}, t_eval=[0.0, 10.0]
    )
    np.testing.assert_array_equal(loaded.simulate(10.0, t_eval=[0.0, 10.0]).states, expected.states)


def test_a_hand_edited_value_outside_its_bounds_is_refused_naming_the_parameter(tmp_path):
    path = save_model(hm.models.marciniak_czochra_2009(), tmp_path / "model.json")
    document = json.loads(path.read_text())
    document["parameters"][0]["value"] = 1.5
    path.write_text(json.dumps(document))
    with pytest.raises(hm.ModelError, match="parameter 'stem_self_renewal'.*outside") as error:
        load_model(path)
    assert error.value.field == "parameter 'stem_self_renewal'"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["parameters"][0].update(vlaue=1.0), "unknown field.*'vlaue'"),
        (lambda d: d["states"][0].pop("unit"), "unit are missing"),
        (lambda d: d["states"][0].update(initial="1e7"), "initial"),
        (lambda d: d["rhs"].update(nowhere={"integer": 1}), "unknown compartment 'nowhere'"),
        (lambda d: d.update(time_unit=3), "time_unit"),
    ],
)
def test_other_hand_edits_are_checked_as_declarations(change, message):
    document = model_to_dict(hm.models.marciniak_czochra_2009())
    change(document)
    with pytest.raises(hm.ModelError, match=message):
        model_from_dict(document)


def test_an_undeclared_symbol_in_a_file_is_refused():
    document = model_to_dict(hm.models.friberg2002())
    document["flows"][0]["rate"] = {"fn": "Mul", "args": [{"symbol": "ktr"}, {"symbol": "Q"}]}
    with pytest.raises(hm.ModelError, match="unknown symbol 'Q'"):
        model_from_dict(document)


CODE = "__import__('pathlib').Path('{marker}').write_text('ran')"


@pytest.mark.parametrize(
    "tree",
    [
        CODE,  # Python text
        "ktr * Prol",  # a formula as text: never parsed
        {"fn": "__import__", "args": [{"integer": 1}]},
        {"fn": "gamma", "args": [{"symbol": "ktr"}]},
        {"fn": "Function", "args": []},
        {"fn": "Mul", "args": CODE},
        {"float": CODE},
        {"integer": 1.5},
        {"symbol": "ktr", "fn": "exp"},
        42,
    ],
    ids=str,
)
def test_code_text_and_unlisted_functions_in_a_file_are_refused(tree, tmp_path):
    marker = tmp_path / "ran.txt"
    document = model_to_dict(hm.models.friberg2002())
    text = json.dumps(tree).replace("{marker}", str(marker).replace("\\", "/"))
    document["flows"][0]["rate"] = json.loads(text)
    with pytest.raises(hm.ModelError, match="flows\\[0\\] rate") as error:
        model_from_dict(document)
    assert not marker.exists()  # nothing ran
    if isinstance(tree, dict) and tree.get("fn") in ("__import__", "gamma", "Function"):
        assert f"function '{tree['fn']}' is not allowed" in str(error.value)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("format", "sbml", "format = 'sbml' is not allowed"),
        ("format", None, "format = None"),
        ("version", 2, "version = 2 .* not supported"),
        ("version", "1", "version = '1'"),
    ],
)
def test_an_unknown_format_or_version_is_refused(field, value, message, tmp_path):
    document = model_to_dict(hm.models.friberg2002())
    document[field] = value
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    with pytest.raises(hm.ModelError, match=message):
        load_model(path)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("name = 'friberg'\n")
    with pytest.raises(hm.ModelError, match="not a JSON file"):
        load_model(path)
    with pytest.raises(hm.ModelError, match="model document = \\[\\]"):
        model_from_dict([])


def test_deeply_nested_trees_are_refused_without_crashing():
    tree: dict = {"symbol": "ktr"}
    for _ in range(sys.getrecursionlimit() + 10):
        tree = {"fn": "exp", "args": [tree]}
    document = model_to_dict(hm.models.friberg2002())
    document["flows"][0]["rate"] = tree
    with pytest.raises(hm.ModelError, match="nested too deeply"):
        model_from_dict(document)


# ------------------------------------------------------------------------ results
def test_a_single_run_comes_back_exactly(tmp_path):
    result = hm.models.marciniak_czochra_2009().simulate(30.0, y0={"neutrophils": 1e8})
    table, metadata = save_result(result, tmp_path / "run.csv")
    assert (table.name, metadata.name) == ("run.csv", "run.json")
    assert table.read_text().splitlines()[0] == "time,variable,value"
    loaded = load_result(table)
    assert_same_result(loaded, result)
    assert loaded.params == result.params and loaded.final() == result.final()
    assert_same_result(load_result(str(metadata)), result)  # the metadata's path works too


def test_a_cohort_comes_back_exactly(tmp_path):
    model = hm.models.michor2005()
    change = hm.ParameterChange(300, {"imatinib": 0.0})
    cohort = model.simulate_many({"imatinib": [0.0, 1.0, 0.5]}, 400, doses=[change])
    table, metadata = save_result(cohort, tmp_path / "cohort.csv")
    assert table.read_text().splitlines()[0] == "patient,time,variable,value"
    assert json.loads(metadata.read_text())["n_patients"] == 3
    loaded = load_result(table)
    assert_same_result(loaded, cohort)
    assert loaded.is_cohort and loaded.n_patients == 3
    assert loaded.params.equals(cohort.params)
    assert_same_result(loaded.patient(2), cohort.patient(2))
    for name, values in cohort.final().items():
        np.testing.assert_array_equal(loaded.final()[name], values)


def test_parameter_changes_and_a_triggered_event_come_back_exactly(tmp_path):
    stop = hm.When("ANC", below=2.0, set={"slope": 0.0}, label="stop the drug")
    restart = hm.ParameterChange(300, {"slope": 1.0})
    result = hm.models.friberg2002().simulate(500, y0={"Conc": 20}, doses=[stop, restart])
    assert len(result.triggered_events()) == 1 and len(result.pieces) >= 3
    save_result(result, tmp_path / "events.csv")
    loaded = load_result(tmp_path / "events.csv")
    assert_same_result(loaded, result)
    assert loaded.triggered_events()["event"].tolist() == [
        "stop the drug (ANC below 2): set slope = 0"
    ]
    metadata = json.loads((tmp_path / "events.json").read_text())
    assert metadata["solver"]["triggered"][0]["event"].startswith("stop the drug")


def test_a_cohort_with_triggered_events_comes_back_exactly(tmp_path):
    stop = hm.When("ANC", below=2.0, set={"slope": 0.0}, label="stop the drug")
    cohort = hm.models.friberg2002().simulate_many({"Conc": [20, 0, 30]}, 500, doses=[stop])
    assert sorted(cohort.triggered_events()["patient"]) == [0, 2]
    save_result(cohort, tmp_path / "cohort.csv")
    loaded = load_result(tmp_path / "cohort.csv")
    assert_same_result(loaded, cohort)
    assert loaded.patient(2).triggered_events().equals(cohort.patient(2).triggered_events())


def test_undefined_observables_come_back_as_nan(tmp_path):
    model = switching_model()
    states = np.array([[1.0, 2.0], [0.0, 0.5]])
    made = hm.Result.from_arrays(model, [0.0, 1.0], states, observables=np.array([[np.nan, 1.0]]))
    save_result(made, tmp_path / "made.csv")
    loaded = load_result(tmp_path / "made.csv")
    np.testing.assert_array_equal(loaded.observables, made.observables)  # NaN equals NaN here
    assert loaded.solver.method == "none"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda lines: lines[:-1], "number"),
        (lambda lines: [lines[0].replace("value", "amount"), *lines[1:]], "columns"),
        (lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], "same times"),
        (lambda lines: [lines[0], lines[1].replace(",1", ",one"), *lines[2:]], "could not"),
    ],
)
def test_a_damaged_table_is_refused(edit, message, tmp_path):
    result = hm.models.marciniak_czochra_2009().simulate(10.0, t_eval=[0.0, 5.0, 10.0])
    table, _ = save_result(result, tmp_path / "run.csv")
    table.write_text("\n".join(edit(table.read_text().splitlines())) + "\n")
    with pytest.raises(hm.ModelError, match=message):
        load_result(table)


def test_result_metadata_is_checked(tmp_path):
    result = hm.models.marciniak_czochra_2009().simulate(10.0, t_eval=[0.0, 10.0])
    table, metadata = save_result(result, tmp_path / "run.csv")
    saved = json.loads(metadata.read_text())
    for change, message in [
        ({"format": "hemomodels-model"}, "format = 'hemomodels-model'"),
        ({"version": 99}, "version = 99"),
        ({"units": {}}, "units"),
    ]:
        metadata.write_text(json.dumps(saved | change))
        with pytest.raises(hm.ModelError, match=message):
            load_result(table)
    pieces = json.loads(json.dumps(saved["pieces"]))
    pieces[0]["parameters"]["stem_self_renewal"] = 2.0
    metadata.write_text(json.dumps(saved | {"pieces": pieces}))
    with pytest.raises(hm.ModelError, match="parameter 'stem_self_renewal' = 2.0 is outside"):
        load_result(table)
    with pytest.raises(hm.ModelError, match="path of the table"):
        save_result(result, tmp_path / "run.json")


# ----------------------------------------------------------------------- pickling
@pytest.mark.parametrize("name", MODELS)
def test_every_packaged_model_pickles_and_simulates_identically(name):
    model = hm.models.get(name)
    again = pickle.loads(pickle.dumps(model))
    assert_same_model(again, model)
    t_end = min(20.0, model.max_time)
    np.testing.assert_array_equal(again.simulate(t_end).states, model.simulate(t_end).states)
    assert model_to_dict(again) == model_to_dict(model)


def test_a_cohort_result_pickles():
    model = hm.models.marciniak_czochra_2009()
    cohort = model.simulate_many({"stem_self_renewal": [0.8, 0.9]}, 20.0)
    assert_same_result(pickle.loads(pickle.dumps(cohort)), cohort)


def test_a_model_with_switches_and_unevaluated_forms_pickles_exactly():
    model = switching_model()
    again = pickle.loads(pickle.dumps(model))
    assert_same_model(again, model)
    grid = np.linspace(0.0, 20.0, 41)
    np.testing.assert_array_equal(
        again.simulate(20.0, t_eval=grid).states, model.simulate(20.0, t_eval=grid).states
    )


def test_a_missing_file_is_named_in_the_error(tmp_path):
    with pytest.raises(hm.ModelError, match="missing.json: no such file"):
        load_model(tmp_path / "missing.json")
    with pytest.raises(hm.ModelError, match="gone.json: no such file"):
        load_result(tmp_path / "gone.csv")
    result = hm.models.friberg2002().simulate(10.0, t_eval=[0.0, 10.0])
    table, _ = save_result(result, tmp_path / "run.csv")
    table.unlink()
    with pytest.raises(hm.ModelError, match="run.csv: no such file"):
        load_result(tmp_path / "run.json")
