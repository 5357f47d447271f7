"""The compiled backend (hemomodels.compiled: numba + numbalsoda's LSODA, one patient at a time)
against the SciPy backend.

The truth is the SciPy path at tight tolerance (rtol 1e-10): an independent integrator
(ODEPACK's LSODA through SciPy, with the analytic Jacobian, stacked cohorts) of the same
equations. `make test` installs the ``fast`` extra (requirements-dev.txt), so nothing here is
skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy

import hemomodels as hm
import hemomodels.compiled as compiled_module
from hemomodels.doses import for_patient, per_patient_columns
from hemomodels.models.friberg2002 import bolus_concentration

TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def _assert_agree(compiled: hm.Result, scipy: hm.Result, rtol: float = 1e-6) -> None:
    """Every state within ``rtol`` of the SciPy value, with floors of ``rtol`` x 1e-3 of the
    state's largest value and 100 x the absolute tolerance (1e-12): states that decay to
    round-off carry no relative digits."""
    assert compiled.solver.backend == "compiled"
    assert scipy.solver.backend == "scipy"
    reference = scipy.states
    scale = np.max(np.abs(reference), axis=-1, keepdims=True)
    allowed = rtol * np.abs(reference) + 1e-3 * rtol * scale + 100 * TIGHT["atol"]
    assert np.all(np.abs(compiled.states - reference) <= allowed)


def _both(run):
    """``run(backend)`` with the compiled and the SciPy backend."""
    return run("compiled"), run("scipy")


def _blow_up() -> hm.Model:
    """dx/dt = rate x² from x(0) = 1 blows up at t = 1 / rate (by hand)."""
    x = hm.State("x", "cells", "cells", 1.0)
    rate = hm.Parameter("rate", 1.0, "1/day", (0, 10), "growth", "friberg2002")
    return hm.Model("blow-up", states=[x], parameters=[rate], rhs={x: rate.symbol * x.symbol**2})


def test_the_fast_extra_is_installed():
    assert compiled_module.available()


# ------------------------------------------------------------------ every packaged model
@pytest.mark.parametrize("name", hm.models.available())
def test_every_model_agrees_with_scipy(name):
    """From half of every default initial value, the model's dynamics over 200 time units."""
    model = hm.models.get(name)
    y0 = {
        state: 0.5 * value for state, value in zip(model.state_names, _defaults(model), strict=True)
    }
    t_eval = np.linspace(0.0, 200.0, 41)
    compiled, scipy = _both(
        lambda backend: model.simulate(200.0, y0=y0, t_eval=t_eval, backend=backend, **TIGHT)
    )
    _assert_agree(compiled, scipy)


def _defaults(model: hm.Model) -> list[float]:
    return [float(v) for v in model.simulate(1.0, t_eval=[0.0], backend="scipy").states[:, 0]]


# ---------------------------------------------------------------------------- event types
FRIBERG_EVENTS = {
    "bolus": [hm.Dose(0.0, "Conc", bolus_concentration(200)), hm.Dose(100.5, "Conc", 3.0)],
    "schedule": hm.Schedule("Conc", bolus_concentration(100), 0.0, 168.0, 3),
    "infusion": [hm.Infusion(0.0, 1.0, "Conc", 5.0), hm.Infusion(200.0, 24.0, "Conc", 8.0)],
    "change of value": [hm.Dose(0.0, "Conc", 5.0), hm.ParameterChange(48.0, {"slope": 3.0})],
    "change by a factor": [
        hm.Dose(0.0, "Conc", 5.0),
        hm.ParameterChange(48.0, scale={"MTT": 1.5, "kel": 0.5}),
    ],
}


@pytest.mark.parametrize("events", FRIBERG_EVENTS.values(), ids=FRIBERG_EVENTS.keys())
def test_events_agree_with_scipy(events):
    model = hm.models.friberg2002()
    t_eval = np.linspace(0.0, 504.0, 85)
    compiled, scipy = _both(
        lambda backend: model.simulate(504.0, doses=events, t_eval=t_eval, backend=backend, **TIGHT)
    )
    _assert_agree(compiled, scipy)
    assert compiled.parameter_history().equals(scipy.parameter_history())


COHORT = {
    "MTT": [80.0, 90.0, 100.0],
    "slope": [5.0, 8.0, 12.0],
    "dose": [2.0, 4.0, 6.0],
    "feedback": [0.1, 0.15, 0.2],
}
COHORT_EVENTS = {
    "per-patient bolus": hm.Dose(0.0, "Conc", hm.PerPatient("dose")),
    "per-patient infusion": hm.Infusion(0.0, 2.0, "Conc", hm.PerPatient("dose")),
    "per-patient schedule and change": [
        hm.Schedule("Conc", hm.PerPatient("dose"), 0.0, 168.0, 2),
        hm.ParameterChange(100.0, values={"gamma": hm.PerPatient("feedback")}, scale={"kel": 0.5}),
    ],
}


@pytest.mark.parametrize("events", COHORT_EVENTS.values(), ids=COHORT_EVENTS.keys())
def test_cohorts_agree_with_scipy_and_with_single_compiled_runs(events):
    model = hm.models.friberg2002()
    t_eval = np.linspace(0.0, 400.0, 41)
    read = {"MTT", "slope", *per_patient_columns(events)}
    table = {name: column for name, column in COHORT.items() if name in read}
    compiled, scipy = _both(
        lambda backend: model.simulate_many(
            table, 400.0, doses=events, t_eval=t_eval, backend=backend, **TIGHT
        )
    )
    _assert_agree(compiled, scipy)
    for patient in range(3):
        values = {name: column[patient] for name, column in COHORT.items()}
        alone = model.simulate(
            400.0,
            params={"MTT": values["MTT"], "slope": values["slope"]},
            doses=_for_one(events, values),
            t_eval=t_eval,
            backend="compiled",
            **TIGHT,
        )
        np.testing.assert_allclose(compiled.states[patient], alone.states, rtol=1e-12, atol=0)


def _for_one(events, values):
    items = events if isinstance(events, list) else [events]
    return [for_patient(item, values) for item in items]


# ---------------------------------------------------------------------------- selection
def test_a_when_falls_back_to_scipy_under_auto_and_is_refused_by_compiled():
    model = hm.models.friberg2002()
    rescue = hm.When("Circ", below=2.0, set={"kel": 1.0})
    doses = [hm.Dose(0.0, "Conc", bolus_concentration(200)), rescue]
    assert model.simulate(300.0, doses=doses).solver.backend == "scipy"
    with pytest.raises(hm.ModelError, match="When") as error:
        model.simulate(300.0, doses=doses, backend="compiled")
    assert error.value.field == "backend"


def test_other_methods_use_scipy_under_auto_and_are_refused_by_compiled():
    model = hm.models.marciniak_czochra_2009()
    assert model.simulate(10.0, method="BDF").solver.backend == "scipy"
    assert model.simulate(10.0).solver.backend == "compiled"
    with pytest.raises(hm.ModelError, match="'BDF'") as error:
        model.simulate(10.0, method="BDF", backend="compiled")
    assert error.value.field == "backend"


def test_without_the_extra_auto_uses_scipy_and_compiled_says_what_to_install(monkeypatch):
    monkeypatch.setattr(compiled_module, "available", lambda: False)
    model = hm.models.marciniak_czochra_2009()
    result = model.simulate(10.0)
    assert result.solver.backend == "scipy"
    for run in (
        lambda: model.simulate(10.0, backend="compiled"),
        lambda: model.simulate_many({"stem_self_renewal": [0.8]}, 10.0, backend="compiled"),
    ):
        with pytest.raises(hm.ModelError, match=r'pip install "hemomodels\[fast\]"') as error:
            run()
        assert error.value.field == "backend"


@pytest.mark.parametrize("bad", ["numba", "Compiled", None, 1])
def test_a_bad_backend_is_refused_naming_the_field_value_and_choices(bad):
    model = hm.models.marciniak_czochra_2009()
    with pytest.raises(hm.ModelError, match="backend") as error:
        model.simulate(10.0, backend=bad)
    assert error.value.field == "backend"
    for allowed in ("'auto'", "'scipy'", "'compiled'"):
        assert allowed in str(error.value)


# --------------------------------------------------------------------------- reliability
@pytest.mark.parametrize("t_eval", [None, [0.0, 2.0]])
def test_a_blow_up_gives_the_scipy_error(t_eval, capfd):
    """numbalsoda may report success across the singularity at t = 1 with a finite stale
    state: the checks hand the piece to SciPy, whose error is the one raised. LSODA's C++
    warnings are not printed."""
    model = _blow_up()
    errors = []
    for backend in ("compiled", "scipy"):
        with pytest.raises(hm.ModelError) as error:
            model.simulate(2.0, t_eval=t_eval, backend=backend)
        errors.append(error.value)
    assert str(errors[0]) == str(errors[1])
    assert 0.9 <= errors[0].value <= 1.0 + 1e-6
    assert "lsoda" not in capfd.readouterr().err.lower()


def test_a_blow_up_patient_of_a_cohort_is_named_as_by_scipy():
    model = _blow_up()
    table = {"rate": [0.1, 0.2, 0.3, 1.0, 0.1]}
    errors = []
    for backend in ("compiled", "scipy"):
        with pytest.raises(hm.ModelError) as error:
            model.simulate_many(table, 2.0, backend=backend)
        errors.append(error.value)
    assert errors[0].field == errors[1].field == "patient 3"
    assert str(errors[0]) == str(errors[1])


def test_the_work_limit_applies_to_the_compiled_backend():
    model = hm.models.friberg2002()
    doses = hm.Dose(0.0, "Conc", bolus_concentration(200))
    with pytest.raises(hm.ModelError, match="max_evaluations"):
        model.simulate(504.0, doses=doses, max_evaluations=100, backend="compiled")


def test_a_patient_failing_the_checks_is_rescued_by_scipy(monkeypatch):
    """Pretend the compiled solve of patient 1 failed its checks: that patient is integrated
    again by SciPy (recorded), and the cohort still equals the SciPy cohort."""
    real = compiled_module._kernel

    class Flagging:
        def __init__(self, kernel):
            self.rhs, self.info, self._driver = kernel.rhs, kernel.info, kernel.driver

        @property
        def driver(self):
            driver = self._driver

            class Driver:
                def solve_all(self, *args):
                    driver.solve_all(*args)
                    args[-1][1] = False

                solve_serial = solve_all

            return Driver()

    monkeypatch.setattr(compiled_module, "_kernel", lambda model: Flagging(real(model)))
    model = hm.models.friberg2002()
    doses = hm.Dose(0.0, "Conc", 5.0)
    table = {"MTT": [80.0, 90.0, 100.0]}
    compiled, scipy = _both(
        lambda backend: model.simulate_many(table, 300.0, doses=doses, backend=backend, **TIGHT)
    )
    assert any("compiled → SciPy for patient 1" in note for note in compiled.solver.fallbacks)
    _assert_agree(compiled, scipy)


# ---------------------------------------------------------------------------------- cache
_WARM_UP = """
import json, sympy, hemomodels as hm
x = hm.State("x", "cells", "cells", 1.0)
k = hm.Parameter("k", 0.5, "1/day", (0, 10), "decay", "friberg2002")
rhs = {x: -k.symbol * x.symbol ** POWER}
model = hm.Model("decay", states=[x], parameters=[k], rhs=rhs)
info = hm.compiled.warm_up(model)
result = model.simulate(2.0, t_eval=[0.0, 2.0])
print(json.dumps({"key": info.key, "path": str(info.path), "from_disk": info.from_disk,
                  "backend": result.solver.backend, "x": float(result.states[0, -1])}))
"""


def _warm_up_in_a_fresh_process(cache, power: int) -> dict:
    environment = {**os.environ, compiled_module.CACHE_ENVIRONMENT_VARIABLE: str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _WARM_UP.replace("POWER", str(power))],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_generated_code_is_cached_on_disk_by_model_structure(tmp_path):
    first = _warm_up_in_a_fresh_process(tmp_path, 1)
    assert not first["from_disk"] and first["backend"] == "compiled"
    path = tmp_path / os.path.basename(first["path"])
    assert path.is_file() and "def rhs(t, u, du, p):" in path.read_text()
    again = _warm_up_in_a_fresh_process(tmp_path, 1)
    assert again["from_disk"] and again["key"] == first["key"]
    assert again["x"] == pytest.approx(np.exp(-1.0), rel=1e-6)  # x(2) = e^(-0.5 * 2)
    changed = _warm_up_in_a_fresh_process(tmp_path, 2)
    assert changed["key"] != first["key"]
    assert changed["x"] == pytest.approx(0.5, rel=1e-6)  # dx/dt = -x²/2: x(2) = 1 / (1 + 1)
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, no temporary file left


def test_import_hemomodels_does_not_import_numba():
    code = "import sys, hemomodels as hm; hm.models.friberg2002(); print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False"


def test_piecewise_min_max_and_heaviside_compile():
    """The functions of the declaration language in one right-hand side, against SciPy."""
    x = hm.State("x", "cells", "cells", 2.0)
    k = hm.Parameter("k", 0.5, "1/day", (0, 10), "rate", "friberg2002")
    t = hm.TIME
    rhs = (
        -k.symbol * sympy.Min(x.symbol, 1.5)
        + sympy.Piecewise((0.1, t < 1), (0.05, True))
        + 0.01 * sympy.Heaviside(t - 2) * sympy.sqrt(sympy.Abs(x.symbol))
        + 0.01 * sympy.Max(sympy.log(x.symbol + 1), sympy.exp(-t))
    )
    model = hm.Model("functions", states=[x], parameters=[k], rhs={x: rhs})
    compiled, scipy = _both(
        lambda backend: model.simulate(5.0, t_eval=np.linspace(0, 5, 11), backend=backend, **TIGHT)
    )
    _assert_agree(compiled, scipy)
