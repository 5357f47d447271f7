"""Property-based tests (Hypothesis) over every model in ``hm.models.available()``.

Parameters are drawn around each model's defaults: every parameter is multiplied by a
log-uniform factor in [0.5, 2] and clipped to its declared bounds (a clipped value outside an
open bound falls back to the default), so the simulations stay meaningful. Horizons are short
(30 days, or 720 hours for models in hours).

The profile is chosen with ``HYPOTHESIS_PROFILE`` (registered in tests/conftest.py): "ci" (the
default: derandomized, a fixed number of examples, no example database) or "thorough" (ten
times more examples, randomized). With "ci" one run draws
``len(MODELS) * max_examples * PATIENTS`` parameter sets for the dynamics properties (2,000
for 10 models), plus the steady-state and conservation properties.

Tolerances (the solver runs at the engine's defaults, rtol 1e-8, atol 1e-10):

- non-negative states: every state >= -(1e-6 * its largest magnitude in the run + 1e-8);
- cohort = individual runs and coarse grid = dense grid: |difference| <= 1e-5 * the state's
  largest magnitude in the run + 1e-8 (the solver's error control differs between a stacked
  cohort and one patient, and between output grids, only at its tolerance level);
- steady states: ||f(x*)||_inf <= 1e-7 * ||J(x*)||_inf * ||x*||_inf (+1e-12), i.e. the residual
  is tiny next to the size of the individual production and loss terms;
- stability: a stable state's 1 % perturbation shrinks below half its size within five of the
  slowest time constants (linear theory: to e^-5 ~ 0.7 %); an unstable state's perturbation of
  1e-4 of the state's scale along the unstable eigenvector at least doubles within three of its
  time constants (linear theory: e^3 ~ 20 times).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import hemomodels as hm

MODELS = list(hm.models.available())
PATIENTS = 8
SMALL = 4  # models with at most this many states get the perturbed-simulation stability check


def build(name: str) -> hm.Model:
    return getattr(hm.models, name)()


def horizon(model: hm.Model) -> float:
    return 720.0 if model.time_unit == "h" else 30.0


def factors(n_parameters: int, n_sets: int):
    """``n_sets`` vectors of log-uniform factors in [0.5, 2], one per parameter."""
    factor = st.floats(-math.log(2.0), math.log(2.0)).map(math.exp)
    return st.lists(
        st.lists(factor, min_size=n_parameters, max_size=n_parameters),
        min_size=n_sets,
        max_size=n_sets,
    )


def parameter_sets(model: hm.Model, drawn: list[list[float]]) -> dict[str, np.ndarray]:
    """Defaults times the drawn factors, clipped to the bounds (columns of a cohort table)."""
    table = {}
    for j, parameter in enumerate(model.parameters):
        low, high = parameter.bounds
        column = []
        for row in drawn:
            value = float(np.clip(parameter.value * row[j], low, high))
            column.append(value if parameter.contains(value) else parameter.value)
        table[parameter.name] = np.array(column)
    return table


def scale(values: np.ndarray, axis) -> np.ndarray:
    return np.max(np.abs(values), axis=axis, keepdims=True)


# ------------------------------------------------------------------------------------------
# Non-negativity
# ------------------------------------------------------------------------------------------
# (This property found that the EPO extension's secretion went negative above
# B*(1 + 1/s); the secretion now has a floor at 0.)


@pytest.mark.parametrize("name", MODELS)
def test_states_are_never_negative(name):
    model = build(name)
    t_end = horizon(model)
    grid = np.linspace(0.0, t_end, 61)

    # no shrinking: a failure is reported with the example that found it
    @settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(factors(len(model.parameters), PATIENTS))
    def check(drawn):
        states = model.simulate_many(parameter_sets(model, drawn), t_end, t_eval=grid).states
        floor = -(1e-6 * scale(states, axis=2) + 1e-8)  # solver round-off
        worst = np.unravel_index(np.argmin(states - floor), states.shape)
        assert np.all(states >= floor), (
            f"{name}: {model.state_names[worst[1]]} = {states[worst]:.3g} at "
            f"t = {grid[worst[2]]:g} for patient {worst[0]}"
        )

    check()


# ------------------------------------------------------------------------------------------
# Dynamics: cohort = individual runs, grid independence, to_frame round trip
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_dynamics_properties(name):
    model = build(name)
    t_end = horizon(model)
    dense = np.linspace(0.0, t_end, 241)
    coarse = dense[::40]  # exactly the same times as 7 of the dense ones

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(factors(len(model.parameters), PATIENTS))
    def check(drawn):
        table = parameter_sets(model, drawn)
        cohort = model.simulate_many(table, t_end, t_eval=coarse)
        states = cohort.states  # (patients, states, times)
        size = scale(states, axis=2)

        # 1. a cohort equals its patients simulated one by one
        for i in (0, PATIENTS - 1):
            alone = model.simulate(
                t_end, params={k: float(v[i]) for k, v in table.items()}, t_eval=coarse
            )
            np.testing.assert_allclose(
                alone.states, states[i], rtol=0, atol=1e-5 * size[i].max() + 1e-8
            )
            gap = np.abs(alone.states - states[i])
            assert np.all(gap <= 1e-5 * size[i] + 1e-8), f"{name}: patient {i} differs"

        # 2. the result does not depend on how densely it is reported
        fine = model.simulate_many(table, t_end, t_eval=dense)
        gap = np.abs(fine.states[:, :, ::40] - states)
        assert np.all(gap <= 1e-5 * size + 1e-8), f"{name}: grid dependence {gap.max()}"

        # 3. to_frame round-trips: pivoting the tidy frame gives back the arrays
        frame = cohort.to_frame()
        assert list(frame.columns) == ["patient", "time", "variable", "value"]
        assert len(frame) == PATIENTS * len(cohort.names) * coarse.size
        for variable in cohort.names:
            wide = (
                frame[frame["variable"] == variable]
                .pivot(index="patient", columns="time", values="value")
                .to_numpy()
            )
            np.testing.assert_array_equal(wide, cohort[variable])
        np.testing.assert_array_equal(np.unique(frame["time"]), coarse)
        assert frame.attrs["units"] == {v: model.units[v] for v in cohort.names}
        single = model.simulate(t_end, params={k: float(v[0]) for k, v in table.items()})
        one = single.to_frame()
        back = one.pivot(index="time", columns="variable", values="value")
        for variable in single.names:
            np.testing.assert_array_equal(back[variable].to_numpy(), single[variable])

    check()


# ------------------------------------------------------------------------------------------
# Steady states: f(x*) = 0, and the reported stability agrees with a perturbed simulation
# ------------------------------------------------------------------------------------------
def _vectors(model: hm.Model, params: dict[str, float], steady) -> tuple[np.ndarray, ...]:
    p = np.array([params[name] for name in model.parameter_names])
    x = np.array([steady.values[name] for name in model.state_names])
    return p, x


@pytest.mark.parametrize("name", MODELS)
def test_steady_states_are_equilibria_with_matching_stability(name):
    model = build(name)
    checked = {"stable": 0, "unstable": 0}

    @settings(max_examples=max(5, settings().max_examples // 2))
    @given(factors(len(model.parameters), 1), st.integers(0, 2**32 - 1))
    def check(drawn, seed):
        params = {k: float(v[0]) for k, v in parameter_sets(model, drawn).items()}
        found = model.steady_states(params)
        typical = max([1.0] + [max(s.values.values()) for s in found])
        for steady in found:
            p, x = _vectors(model, params, steady)
            # feasible up to the root finder's round-off (the engine's own criterion)
            assert np.all(x >= -1e-9 * max(1.0, np.abs(x).max())), f"{name}: {steady}"
            residual = np.abs(model.compiled.rhs(0.0, x, p)).max()
            jac = np.asarray(model.compiled.jac(0.0, x, p), dtype=float)
            term_size = np.abs(jac).sum(axis=1).max() * np.abs(x).max()
            assert residual <= 1e-7 * term_size + 1e-12, f"{name}: f(x*) = {residual}"
            np.testing.assert_allclose(
                np.sort_complex(np.linalg.eigvals(jac)),
                np.sort_complex(np.asarray(steady.eigenvalues)),
                rtol=1e-6,
                atol=1e-9 * max(1.0, np.abs(steady.eigenvalues).max()),
            )
            if len(model.states) > SMALL:
                continue
            if steady.stability == "stable":
                _check_stable(model, params, x, jac, seed, typical)
                checked["stable"] += 1
            elif steady.stability == "unstable" and _check_unstable(model, params, x, jac, typical):
                checked["unstable"] += 1

    check()
    if len(model.states) <= SMALL:
        assert checked["stable"] + checked["unstable"] > 0, f"{name}: no stability checked"


def _check_stable(model, params, x, jac, seed, typical):
    slowest = np.abs(np.real(np.linalg.eigvals(jac))).min()
    t_end = min(model.max_time, 5.0 / slowest)
    u = np.random.default_rng(seed).choice([-1.0, 1.0], size=x.size)
    x = np.clip(x, 0.0, None)
    weight = np.where(x > 0, x, typical)  # a zero state can only be perturbed upwards
    start = x + 0.01 * weight * np.where(x > 0, u, 1.0)
    result = model.simulate(
        t_end, params=params, y0=dict(zip(model.state_names, start, strict=True)), t_eval=[0, t_end]
    )
    before = np.abs((start - x) / weight).max()
    after = np.abs((result.states[:, -1] - x) / weight).max()
    assert after < 0.5 * before, f"{model.name}: stable state {x} not approached"


def _check_unstable(model, params, x, jac, typical) -> bool:
    """Perturb along the unstable eigenvector (staying non-negative); False if impossible."""
    values, vectors = np.linalg.eig(jac)
    k = int(np.argmax(np.real(values)))
    if abs(np.imag(values[k])) > 1e-9 * abs(values[k]):
        return False
    rate = float(np.real(values[k]))
    t_end = 3.0 / rate
    if t_end > model.max_time:
        return False
    x = np.clip(x, 0.0, None)
    direction = np.real(vectors[:, k])
    direction /= np.abs(direction).max()
    epsilon = 1e-4 * typical
    for sign in (1.0, -1.0):
        start = x + sign * epsilon * direction
        if np.all(start >= 0):
            break
    else:
        return False
    result = model.simulate(
        t_end, params=params, y0=dict(zip(model.state_names, start, strict=True)), t_eval=[0, t_end]
    )
    grown = np.abs(result.states[:, -1] - x).max()
    assert grown > 2 * epsilon, f"{model.name}: unstable state {x} not left ({grown})"
    return True


# ------------------------------------------------------------------------------------------
# Conserved quantities
# ------------------------------------------------------------------------------------------
def conservation_laws(model: hm.Model, params: np.ndarray, seed: int = 0) -> np.ndarray:
    """Vectors c with c . f(x) = 0 at 4n random states (rows), found from the null space."""
    rng = np.random.default_rng(seed)
    n = len(model.states)
    steady = model.steady_states()
    typical = np.array(
        [
            max([1.0] + [s.values[name] for s in steady] + [model.states[i].initial])
            for i, name in enumerate(model.state_names)
        ]
    )
    xs = typical * np.exp(rng.uniform(-1, 1, size=(4 * n, n)))
    f = np.array([model.compiled.rhs(0.0, x, params) for x in xs])
    norms = np.abs(f).max(axis=0)
    g = f / np.where(norms > 0, norms, 1.0)
    _, singular, vt = np.linalg.svd(g)
    null = vt[singular < 1e-10 * singular.max()] if singular.max() > 0 else vt
    laws = null / np.where(norms > 0, norms, 1.0)
    return laws


def closed_cycle() -> hm.Model:
    """A closed transit cycle A1 -> A2 -> A3 -> A1 (no inflow, no outflow): the total is
    conserved by construction (an independent truth for the engine's flow bookkeeping)."""
    states = [hm.State(f"A{i}", f"compartment {i}", "cells", 100.0 * i) for i in (1, 2, 3)]
    rates = [
        hm.Parameter(f"k{i}", 0.3 * i, "1/day", (0.0, 10.0), f"rate out of A{i}", "friberg2002")
        for i in (1, 2, 3)
    ]
    flows = [
        hm.Flow(states[i], states[(i + 1) % 3], rates[i].symbol * states[i].symbol)
        for i in range(3)
    ]
    return hm.Model("closed cycle", states=states, parameters=rates, flows=flows)


def test_which_models_have_conservation_laws():
    """None of the package's models is closed: each has production or clearance (recorded
    here so that a model gaining a conservation law is noticed); the closed cycle has one."""
    with_laws = {}
    for name in MODELS:
        model = build(name)
        p = np.array([q.value for q in model.parameters])
        with_laws[name] = len(conservation_laws(model, p))
    with_laws = {name: count for name, count in with_laws.items() if count}
    assert with_laws == {}, f"models with linear conservation laws: {with_laws}"
    cycle = closed_cycle()
    laws = conservation_laws(cycle, np.array([0.3, 0.6, 0.9]))
    assert len(laws) == 1
    np.testing.assert_allclose(laws[0] / laws[0][0], [1.0, 1.0, 1.0], rtol=1e-8)


@settings(max_examples=settings().max_examples * 2)
@given(
    st.lists(st.floats(0.01, 10.0), min_size=3, max_size=3),
    st.lists(st.floats(0.0, 1e6), min_size=3, max_size=3),
)
def test_closed_cycle_conserves_its_total(rates, initial):
    """Total of a closed cycle constant to rtol 1e-7 (solver rtol 1e-8), any rates and start."""
    model = closed_cycle()
    y0 = dict(zip(model.state_names, initial, strict=True))
    result = model.simulate(30.0, params={"k1": rates[0], "k2": rates[1], "k3": rates[2]}, y0=y0)
    total = result.states.sum(axis=0)
    np.testing.assert_allclose(total, sum(initial), rtol=1e-7, atol=1e-6)


def test_parameter_sets_stay_within_bounds():
    for name in MODELS:
        model = build(name)
        extreme = [[0.5] * len(model.parameters), [2.0] * len(model.parameters)]
        table = parameter_sets(model, extreme)
        frame = pd.DataFrame(table)
        for parameter in model.parameters:
            assert all(parameter.contains(v) for v in frame[parameter.name])
