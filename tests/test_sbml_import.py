"""SBML import: files written by an independent tool (Antimony) simulate as libroadrunner
simulates them, the package's own exports come back unchanged, and what cannot be imported is
refused in one error that lists it.

Truths: libroadrunner 2.10 (CVODE, rtol 1e-10) on the same SBML text; the original packaged
model (for the round trip through :func:`hemomodels.sbml.to_sbml`); closed forms for a
reversible reaction (steady state k_f A = k_b B) and for a constant-rate rule.
"""

from __future__ import annotations

import antimony
import libsbml
import numpy as np
import pytest
import roadrunner
import sympy

import hemomodels as hm
from hemomodels.models.friberg2002 import bolus_concentration

#: Output times avoid the event times 5 and any When crossing being reported on both sides:
#: the package reports values just after an event at its time, libroadrunner just before.
TIMES = np.linspace(0.0, 30.0, 241) + 0.0625


def sbml_of(source: str) -> str:
    """The SBML that Antimony writes for an Antimony model."""
    antimony.clearPreviousLoads()
    assert antimony.loadAntimonyString(source) >= 0, antimony.getLastError()
    return antimony.getSBMLString(antimony.getMainModuleName())


def roadrunner_run(text: str, selections: dict[str, str], t: np.ndarray) -> dict[str, np.ndarray]:
    runner = roadrunner.RoadRunner(text)
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-12
    runner.timeCourseSelections = ["time", *selections.values()]
    out = runner.simulate(times=np.concatenate([[0.0], t]))
    return {name: np.asarray(out[1:, k + 1]) for k, name in enumerate(selections)}


def relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = np.maximum(np.abs(theirs), 1e-6 * np.max(np.abs(theirs)) + 1e-300)
    return float(np.max(np.abs(ours - theirs) / scale))


CELLS = """
function hill(x, K, n)
  x^n / (K^n + x^n)
end
model cells
  compartment marrow = 2.5
  compartment blood = 5
  species S in marrow = 10
  species D in blood = 0
  substanceOnly species A in blood = 3
  J1: S -> D; k1 * S * marrow
  J2: D -> ; kd * D * blood
  J3: -> S; marrow * vmax * (1 - hill(D, K, 2))
  J4: A -> ; k4 * A
  k1 = 0.3; kd = 0.1; vmax = 1.2; K = 2; k4 = 0.05
  total := S * marrow + D * blood
  signal' = 0.1 * (D - signal) + piecewise(0.05, time < 10, 0)
  signal = 0
  A0 = 2 * k4 + 2.9
  A = A0
  at time > 5: S = S + 4, vmax = 0.6
  at (D > 2.5): k4 = 0.2
end
"""


def test_an_antimony_model_simulates_as_libroadrunner_simulates_it():
    """Two compartments of different sizes, species as concentrations and as amounts, a
    function definition, an initial assignment, an assignment rule, a rate rule with a
    piecewise term, a timed event (dose and parameter change) and a state-triggered event."""
    text = sbml_of(CELLS)
    model, doses, notes = hm.from_sbml(text)
    assert model.state_names == ("signal", "S", "D", "A")
    kinds = sorted(type(d).__name__ for d in doses)
    assert kinds == ["Dose", "ParameterChange", "When"]
    assert any("A0" in note for note in notes)
    ours = model.simulate(30.25, t_eval=TIMES, doses=doses, rtol=1e-11, atol=1e-12)
    theirs = roadrunner_run(
        text, {"S": "[S]", "D": "[D]", "A": "A", "signal": "signal", "total": "total"}, TIMES
    )
    for name, values in theirs.items():
        assert relative_error(ours[name], values) < 1e-6, name
    assert len(ours.triggered_events()) == 1  # D rises above 2.5 once


def test_concentrations_divide_reaction_rates_by_the_compartment_size():
    model, _, _ = hm.from_sbml(sbml_of(CELLS))
    equations = dict(zip(model.state_names, model.rhs_display, strict=True))
    marrow, blood = model.parameter("marrow").symbol, model.parameter("blood").symbol
    j1, j2, j3, j4 = sympy.symbols("J1 J2 J3 J4", real=True)
    assert sympy.simplify(equations["S"] - (j3 - j1) / marrow) == 0  # a concentration
    assert sympy.simplify(equations["D"] - (j1 - j2) / blood) == 0  # J4 makes A2 D, below
    assert sympy.simplify(equations["A"] + j4) == 0  # an amount: no division


def test_local_parameters_shadow_global_ones():
    """A kinetic-law parameter with the id of a global one is used in its reaction only."""
    document = libsbml.readSBMLFromString(sbml_of(CELLS))
    law = document.getModel().getReaction("J4").getKineticLaw()
    local = law.createLocalParameter()
    local.setId("k4")
    local.setValue(0.07)
    text = libsbml.writeSBMLToString(document)
    model, doses, _ = hm.from_sbml(text)
    assert model.parameter("J4_k4").value == 0.07
    ours = model.simulate(30.25, t_eval=TIMES, doses=doses, rtol=1e-11, atol=1e-12)
    theirs = roadrunner_run(text, {"A": "A", "D": "[D]"}, TIMES)
    for name, values in theirs.items():
        assert relative_error(ours[name], values) < 1e-6, name


@pytest.mark.parametrize("name", hm.models.available())
def test_every_packaged_model_comes_back_from_its_sbml_export(name):
    """Export then import: the same states, parameters (values, units, bounds, sources) and
    trajectories, with a dose and a state-triggered event on the way."""
    original = getattr(hm.models, name)()
    imported, doses, notes = hm.from_sbml(original.to_sbml())
    assert notes == ()
    assert imported.state_names == original.state_names
    # libSBML writes numbers to 15 significant digits: values come back to that precision
    assert [{**vars(p), "value": 0} for p in imported.parameters] == [
        {**vars(p), "value": 0} for p in original.parameters
    ]
    assert [p.value for p in imported.parameters] == pytest.approx(
        [p.value for p in original.parameters], rel=1e-14
    )
    assert [{**vars(s), "initial": 0} for s in imported.states] == [
        {**vars(s), "initial": 0} for s in original.states
    ]
    assert [s.initial for s in imported.states] == pytest.approx(
        [s.initial for s in original.states], rel=1e-14
    )
    assert imported.time_unit == original.time_unit
    assert imported.reference == original.reference
    t = np.linspace(0.0, min(100.0, original.max_time), 101)
    ours = imported.simulate(t[-1], t_eval=t, rtol=1e-10, atol=1e-12)
    theirs = original.simulate(t[-1], t_eval=t, rtol=1e-10, atol=1e-12)
    for state in original.state_names:
        assert relative_error(ours[state], theirs[state]) < 1e-6, state
    for observable in original.observable_names:
        assert relative_error(ours[observable], theirs[observable]) < 1e-6, observable


def test_doses_and_events_come_back_from_an_export():
    model = hm.models.friberg2002()
    events = [
        hm.Dose(0.0, "Conc", bolus_concentration(100.0)),
        hm.Schedule("Conc", bolus_concentration(100.0), start=504.0, every=504.0, count=1),
        hm.ParameterChange(300.0, {"slope": 10.0}),
        hm.When("Circ", below=1.0, set={"gamma": 0.3}, label="low count"),
    ]
    imported, doses, _ = hm.from_sbml(model.to_sbml(doses=events[1:]))
    assert sorted(type(d).__name__ for d in doses) == ["Dose", "ParameterChange", "When"]
    t = np.linspace(0.0, 1000.0, 201) + 0.5
    first = hm.Dose(0.0, "Conc", bolus_concentration(100.0))
    ours = imported.simulate(1000.5, t_eval=t, doses=[first, *doses], rtol=1e-10, atol=1e-12)
    theirs = model.simulate(1000.5, t_eval=t, doses=events, rtol=1e-10, atol=1e-12)
    assert relative_error(ours["Circ"], theirs["Circ"]) < 1e-6
    assert ours.triggered_events()["time"].tolist() == pytest.approx(
        theirs.triggered_events()["time"].tolist(), rel=1e-6
    )
    (when,) = [d for d in doses if isinstance(d, hm.When)]
    assert when.once and when.set == {"gamma": 0.3} and when.label == "low count"


def test_an_imported_model_uses_the_whole_package():
    """A reversible reaction A <-> B: the steady state k_f A = k_b B with A + B conserved."""
    text = sbml_of(
        """
        model reversible
          compartment cell = 1
          species A in cell = 3; species B in cell = 1
          R: A -> B; kf * A - kb * B
          kf = 0.2; kb = 0.6
        end
        """
    )
    model, _, _ = hm.from_sbml(text, bounds={"kf": (0.0, 1.0), "kb": (0.0, 1.0)})
    result = model.simulate(200.0, t_eval=[200.0])
    assert result["A"][-1] == pytest.approx(4 * 0.6 / 0.8, rel=1e-6)
    cohort = model.simulate_many({"kf": [0.2, 0.6]}, 200.0, t_eval=[200.0])
    assert cohort["A"][:, -1] == pytest.approx([3.0, 2.0], rel=1e-6)
    assert "kf" in model.latex()
    with pytest.raises(hm.ModelError, match="kf"):
        model.simulate(1.0, params={"kf": 2.0})  # outside the bounds given at import


UNSUPPORTED = """
model awkward
  compartment C = 1
  species X in C = 1; species Y in C = 1
  R: X -> ; k * delay(X, 2)
  C' = 0.01
  k = 0.1
  at 2 after time > 5: X = X + 1
  at time > 8: Y = 0.5
end
"""


def test_unsupported_constructs_are_listed_in_one_error():
    with pytest.raises(hm.ModelError) as caught:
        hm.from_sbml(sbml_of(UNSUPPORTED))
    message = str(caught.value)
    for expected in ("delay", "compartment 'C'", "a delay (not supported)", "'Y'"):
        assert expected in message, expected


def test_an_algebraic_rule_is_refused():
    document = libsbml.readSBMLFromString(
        sbml_of("model m\n compartment C = 1; species X in C = 1; k = 1\nend")
    )
    rule = document.getModel().createAlgebraicRule()
    rule.setMath(libsbml.parseL3Formula("k - 1"))
    with pytest.raises(hm.ModelError, match="algebraic rule"):
        hm.from_sbml(libsbml.writeSBMLToString(document))


def test_bad_sources_are_refused_clearly(tmp_path):
    with pytest.raises(hm.ModelError, match="neither SBML text nor an existing file"):
        hm.from_sbml(tmp_path / "missing.xml")
    broken = tmp_path / "broken.xml"
    broken.write_text("<sbml><model>")
    with pytest.raises(hm.ModelError, match="cannot be read"):
        hm.from_sbml(broken)
    with pytest.raises(hm.ModelError, match="not parameters of the model: nope"):
        hm.from_sbml(hm.models.friberg2002().to_sbml(), bounds={"nope": (0, 1)})


def test_a_file_path_reads_like_the_text(tmp_path):
    path = tmp_path / "friberg.xml"
    path.write_text(hm.models.friberg2002().to_sbml())
    assert hm.from_sbml(path).model.rhs == hm.from_sbml(path.read_text()).model.rhs


def test_an_event_whose_trigger_already_holds_at_time_zero_is_refused():
    """SBML's initialValue="true" (Antimony's default) means a trigger true from the start
    does not fire at time 0; the package's When would fire, so the import refuses it."""
    text = sbml_of(
        "model m\n compartment C = 1; species X in C = 10\n R: X -> ; k * X\n k = 0.1\n"
        " at (X > 5): k = 0.2\nend"
    )
    with pytest.raises(hm.ModelError, match="true at time 0"):
        hm.from_sbml(text)


def test_rules_and_reactions_may_use_assignment_rules_listed_anywhere():
    """A kinetic law and a rate rule that use assignment-rule variables (k_eff := 2 k,
    a := J / 2, using a reaction's rate), simulated as libroadrunner simulates them."""
    text = sbml_of(
        """
        model derived
          compartment C = 1
          species X in C = 5
          R: X -> ; k_eff * X
          k_eff := 2 * k
          a := R / 2
          z' = -a
          z = 10
          k = 0.05
        end
        """
    )
    model, _, _ = hm.from_sbml(text)
    ours = model.simulate(30.25, t_eval=TIMES, rtol=1e-11, atol=1e-12)
    theirs = roadrunner_run(text, {"X": "[X]", "z": "z", "a": "a"}, TIMES)
    for name, values in theirs.items():
        assert relative_error(ours[name], values) < 1e-6, name


def test_a_flag_that_does_not_start_at_zero_is_not_read_as_once_only():
    """`x < 4 && fired == 0` with fired = 1 at the start never fires in SBML: it must not be
    imported as an event that fires once."""
    text = sbml_of(
        """
        model flagged
          compartment C = 1
          species X in C = 5
          R: X -> ; k * X
          k = 0.1; fired = 1
          at (X < 4 && fired == 0), t0 = false: X = X + 2, fired = 1
        end
        """
    )
    with pytest.raises(hm.ModelError, match="trigger"):
        hm.from_sbml(text)


def test_bounds_given_to_the_import_win_and_bad_ones_are_refused():
    text = hm.models.friberg2002().to_sbml()
    model = hm.from_sbml(text, bounds={"kel": (1.0, 10.0)}).model
    assert model.parameter("kel").bounds == (1.0, 10.0)
    with pytest.raises(hm.ModelError, match=r"bounds\['kel'\]"):
        hm.from_sbml(text, bounds={"kel": 5})
    with pytest.raises(hm.ModelError) as caught:
        hm.from_sbml(text, bounds={"kel": (10.0, 20.0)})  # the file's 5.2 is outside
    assert "kel" in str(caught.value) and "not parameters" not in str(caught.value)


def test_an_event_whose_assignments_are_all_refused_is_listed_with_the_others():
    text = sbml_of(
        """
        model halving
          compartment C = 1
          species X in C = 10
          R: X -> ; k * X
          k = 0.1
          at (X < 5), t0 = false: X = X / 2
        end
        """
    )
    with pytest.raises(hm.ModelError, match="depends on the state"):
        hm.from_sbml(text)
