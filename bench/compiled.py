"""Benchmarks of the compiled backend (hemomodels.compiled: numba + numbalsoda's LSODA, each
patient on their own) against libroadrunner, called by ``bench/run.py``.

Nothing runs at import. Every function takes ``bench``, the helpers and settings of
``bench/run.py`` passed by name: ``record`` stores and prints a row,
``median_time`` times a callable, ``roadrunner_for`` builds a libroadrunner simulator of a model
and its doses, ``relative_error`` compares trajectories, and ``T_END``, ``N_OUT``, ``RTOL``,
``ATOL`` and ``COHORT_OMEGA2`` set the benchmark cohort. :func:`run_all` runs them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

import hemomodels as hm
from hemomodels.cohorts import lognormal_cohort
from hemomodels.models.friberg2002 import (
    KLOFT2006_OMEGA2,
    at_baseline,
    bolus_concentration,
    regimen,
)

CELLS = ("Prol", "Transit1", "Transit2", "Transit3", "Circ")
ACCURACY_TARGET = 1e-4
DAY = 24.0  # h


def _roadrunner_loop(runner, table, n_out: int, t_end: float) -> tuple[float, np.ndarray]:
    """Seconds for libroadrunner to simulate every row of ``table`` one after the other, and
    its states ``(patients, states, times)``."""
    columns, values = list(table.columns), table.to_numpy()
    states = None
    start = time.perf_counter()
    for i in range(len(values)):
        runner.reset()
        for name, value in zip(columns, values[i], strict=True):
            runner[name] = value
        out = runner.simulate(0, t_end, n_out)[:, 1:].T
        if states is None:
            states = np.empty((len(values), *out.shape))
        states[i] = out
    assert states is not None
    return time.perf_counter() - start, states


def _cell_error(bench, model, table, doses, t, result, picks, t_end: float) -> float:
    """Largest relative error of the cell compartments of ``result`` for the patients
    ``picks``, against the SciPy backend at rtol 1e-10."""
    cells = [model.state_index[c] for c in CELLS]
    worst = 0.0
    for i in picks:
        row = table.iloc[i]
        exact = model.simulate(
            t_end,
            params={k: v for k, v in row.items() if k in model.parameter_names},
            y0={k: v for k, v in row.items() if k in model.state_names},
            doses=doses,
            t_eval=t,
            rtol=1e-10,
            atol=1e-12,
            backend="scipy",
        ).states[cells]
        worst = max(worst, bench.relative_error(result.states[i][cells], exact))
    return worst


# ------------------------------------------------------------------------------ benchmarks
def single_simulation(bench: SimpleNamespace, repeats: int) -> None:
    """(a) One Friberg simulation of 504 h, compiled backend versus libroadrunner."""
    model = hm.models.friberg2002()
    doses = [hm.Dose(0.0, "Conc", bolus_concentration(200))]
    t = np.linspace(0.0, bench.T_END, bench.N_OUT)
    tolerances = {"rtol": bench.RTOL, "atol": bench.ATOL}

    def ours():
        return model.simulate(bench.T_END, doses=doses, t_eval=t, backend="compiled", **tolerances)

    runner = bench.roadrunner_for(model, doses, bench.RTOL, bench.ATOL)

    def theirs():
        runner.reset()
        return runner.simulate(0, bench.T_END, bench.N_OUT)

    mine, ref = bench.median_time(ours, repeats), bench.median_time(theirs, repeats)
    bench.record(
        "compiled: single simulation, friberg2002 504 h (ms)", mine * 1e3, ref * 1e3, "ms", ""
    )


def cohort(bench: SimpleNamespace, n: int, reference_subset: int) -> None:
    """(b) The benchmark cohort (as ``cohort()`` of run.py) by the compiled backend: time
    versus the libroadrunner loop, accuracy of the cell counts, and the floor (the compiled
    right-hand side alone, evaluated as often as LSODA needed)."""
    model = hm.models.friberg2002()
    doses = [hm.Dose(0.0, "Conc", bolus_concentration(200))]
    t_end, rtol, atol = bench.T_END, bench.RTOL, bench.ATOL
    t = np.linspace(0.0, t_end, bench.N_OUT)
    table = lognormal_cohort(model, omega2=bench.COHORT_OMEGA2, n=n, seed=2002)
    options = {"doses": doses, "t_eval": t, "rtol": rtol, "atol": atol, "backend": "compiled"}
    model.simulate_many(table.iloc[:10], t_end, **options)  # warm-up
    start = time.perf_counter()
    result = model.simulate_many(table, t_end, **options)
    mine = time.perf_counter() - start
    runner = bench.roadrunner_for(model, doses, rtol, atol)
    ref, _ = _roadrunner_loop(runner, table, t.size, t_end)
    bench.record(f"compiled: cohort of {n} patients (s)", mine, ref, "s", "")
    picks = np.linspace(0, n - 1, reference_subset).astype(int)
    error = _cell_error(bench, model, table, doses, t, result, picks, t_end)
    bench.record(
        f"  compiled: max rel. error of cell counts vs rtol 1e-10, {reference_subset} patients",
        error,
        None,
        "1",
        f"<= {ACCURACY_TARGET:g}",
    )
    floor = _rhs_floor(model, result, table)
    note = f"floor {floor:.3g} s: {result.solver.n_rhs / n:.0f} evaluations per patient"
    bench.record(
        "  compiled: cohort time / floor (right-hand side alone) (ratio)",
        mine / floor,
        None,
        "1",
        "<= 4",
        note=note,
    )
    solver = _solver_alone(model, table, options)
    bench.record(
        "  compiled: LSODA alone (no engine around it) / floor (ratio)",
        solver / floor,
        None,
        "1",
        "(informative)",
        note=f"LSODA alone {solver:.3g} s",
    )


def _solver_alone(model, table, options) -> float:
    """Seconds of the compiled LSODA solve of the cohort's one piece (the bolus is at time 0),
    without the checks, the output assembly and the observables around it."""
    from hemomodels.compiled import solve_piece
    from hemomodels.solver import SolverOptions, SolverStats, System

    n = len(table)
    params = np.array([model.defaults[name] for name in model.parameter_names])[:, None]
    params = np.repeat(params, n, axis=1)
    for j, name in enumerate(model.parameter_names):
        if name in table:
            params[j] = table[name].to_numpy()
    y0 = model.simulate(1.0, t_eval=[0.0], doses=options["doses"]).states[:, 0]
    system = System(model.compiled, params, len(y0), n)
    solver = SolverOptions("LSODA", options["rtol"], options["atol"], backend="compiled")
    start = time.perf_counter()
    solve_piece(system, np.tile(y0, n), options["t_eval"], solver, SolverStats("LSODA"))
    return time.perf_counter() - start


def _rhs_floor(model, result, table) -> float:
    """Seconds to evaluate the compiled right-hand side as often as LSODA did for the cohort
    (the same count for every patient, on the same threads), the rest of the work left out."""
    import numba

    from hemomodels.compiled import _kernel

    kernel = _kernel(model.compiled)
    call = kernel.driver.call_rhs
    n = len(table)
    count = max(1, round(result.solver.n_rhs / n))
    states = np.ascontiguousarray(result.states[:, :, 0])
    width = len(model.parameter_names) + len(model.state_names) + 3
    params = np.zeros((n, width))
    for j, name in enumerate(model.parameter_names):
        params[:, j] = table[name] if name in table else model.defaults[name]
    params[:, -1] = np.inf  # no work limit

    @numba.njit(parallel=True)
    def evaluate(address, u, p, count):
        total = 0.0
        for i in numba.prange(u.shape[0]):
            du = np.empty(u.shape[1])
            for k in range(count):
                call(address, 0.1 * k, u[i].ctypes.data, du.ctypes.data, p[i].ctypes.data)
            total += du[0]
        return total

    evaluate(kernel.rhs.address, states[:2], params[:2].copy(), 2)  # compile
    start = time.perf_counter()
    evaluate(kernel.rhs.address, states, params, count)
    return time.perf_counter() - start


def chemotherapy_cohort(bench: SimpleNamespace, n: int, reference_subset: int) -> None:
    """(c) The chemotherapy chapter's cohort (docetaxel, Kloft 2006 variability, 100 mg/m²
    every 21 days four times, 98 days, four outputs a day), compiled backend at the loosest
    tolerance whose cell counts meet the accuracy target, versus the libroadrunner loop at the
    same tolerance."""
    model = hm.models.friberg2002("docetaxel_kloft2006")
    doses = regimen(100, every_days=21, cycles=4)
    horizon = 98 * DAY
    t = np.linspace(0.0, horizon, 98 * 4 + 1)
    drawn = lognormal_cohort(model, omega2=KLOFT2006_OMEGA2, n=n, seed=2006)
    table = type(drawn)(at_baseline({c: drawn[c].to_numpy() for c in drawn.columns}))
    picks = np.linspace(0, n - 1, reference_subset).astype(int)
    for rtol in (1e-6, 1e-7, 1e-8, 1e-9):
        atol = rtol * 1e-3
        run = dict(doses=doses, t_eval=t, rtol=rtol, atol=atol, backend="compiled")
        model.simulate_many(table.iloc[:10], horizon, **run)  # warm-up
        start = time.perf_counter()
        result = model.simulate_many(table, horizon, **run)
        mine = time.perf_counter() - start
        error = _cell_error(bench, model, table, doses, t, result, picks, horizon)
        if error <= ACCURACY_TARGET:
            break
    runner = bench.roadrunner_for(model, doses, rtol, atol)
    ref, theirs = _roadrunner_loop(runner, table, t.size, horizon)
    cells = [model.state_index[c] for c in CELLS]
    their_error = max(
        bench.relative_error(theirs[i][cells], result.states[i][cells]) for i in picks
    )
    bench.record(
        f"compiled: chemotherapy cohort, {n} patients x 98 days, rtol {rtol:g} (s)",
        mine,
        ref,
        "s",
        ">= 5x",
        note=f"cell error vs rtol 1e-10: {error:.2g}; roadrunner vs compiled {their_error:.2g}",
    )


_WARM_UP = (
    "import time; start = time.perf_counter(); import hemomodels as hm; "
    "model = hm.models.friberg2002(); info = hm.compiled.warm_up(model); "
    "model.simulate(504.0, backend='compiled'); "
    "print(time.perf_counter() - start, info.from_disk)"
)


def warm_up(bench: SimpleNamespace) -> None:
    """(d) A fresh process's import, code generation and compilation (empty cache) and first
    simulation, then the same in a second fresh process that loads from the cache."""
    with tempfile.TemporaryDirectory(prefix="hemomodels-bench-cache-") as cache:
        environment = {**os.environ, "HEMOMODELS_CACHE_DIR": cache}
        for label in ("cold", "cached"):
            done = subprocess.run(
                [sys.executable, "-c", _WARM_UP],
                env=environment,
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            seconds, from_disk = done.stdout.split()
            bench.record(
                f"compiled: warm-up in a fresh process, {label} (s)",
                float(seconds),
                None,
                "s",
                "",
                note=json.dumps({"from_disk": from_disk == "True"}),
            )


def run_all(bench: SimpleNamespace, quick: bool) -> None:
    """Every benchmark of the compiled backend (fewer repeats and patients if ``quick``)."""
    single_simulation(bench, 50 if quick else 300)
    cohort(bench, 1000 if quick else 10_000, 5 if quick else 20)
    chemotherapy_cohort(bench, 200 if quick else 1000, 5 if quick else 10)
    warm_up(bench)
