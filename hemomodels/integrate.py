"""Integration with SciPy, restarting at every dose.

The default method, ``"LSODA"``, is ODEPACK's LSODA through :func:`scipy.integrate.odeint`:
it switches automatically between non-stiff (Adams) and stiff (BDF) formulas, so it is
stiff-safe, and it takes the model's analytic Jacobian. Any :func:`scipy.integrate.solve_ivp`
method (``"BDF"``, ``"Radau"``, ``"RK45"``, ``"DOP853"``, …) can be chosen instead.

A cohort is integrated as one system of ``n_patients × n_states`` equations, ordered
patient by patient, so its Jacobian is block diagonal and is passed to LSODA as a banded
matrix (bandwidth ``n_states - 1``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
from scipy.integrate import ODEintWarning, odeint, solve_ivp
from scipy.sparse import block_diag

from .doses import Dose, Event
from .errors import ModelError

__all__ = ["integrate", "METHODS"]

METHODS = ("LSODA", "BDF", "Radau", "RK45", "RK23", "DOP853")

#: Maximum internal steps per output interval for LSODA.
MAX_STEPS = 50_000

#: Patients per LSODA call in a cohort: keeps LSODA's work arrays in cache (measured
#: optimum 500-2,000 for 6 states).
COHORT_CHUNK = 1000


class _System:
    """Right-hand side and Jacobian of one patient or of a cohort (patient-major order)."""

    def __init__(self, compiled, params: np.ndarray, n_states: int, n_patients: int | None):
        self.compiled = compiled
        self.params = params
        self.n = n_states
        self.n_patients = n_patients
        if n_patients is not None:
            rows, cols = np.meshgrid(np.arange(n_states), np.arange(n_states), indexing="ij")
            self._band_rows = (rows - cols + n_states - 1).ravel()
            self._band_cols = cols.ravel()

    def _unflatten(self, y: np.ndarray) -> np.ndarray:
        assert self.n_patients is not None  # only cohorts are flattened
        return y.reshape(self.n_patients, self.n).T

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        if self.n_patients is None:
            return self.compiled.rhs(t, y, self.params)
        return self.compiled.rhs(t, self._unflatten(y), self.params).T.ravel()

    def jac(self, t: float, y: np.ndarray) -> np.ndarray:
        if self.n_patients is None:
            return self.compiled.jac(t, y, self.params)
        return block_diag(list(self._blocks(t, y)), format="csr")

    def fast(self) -> tuple[Callable, Callable] | None:
        """Right-hand side and Jacobian of one patient on Python floats (no NumPy scalar
        arithmetic, no allocation per call), or None for a cohort. They raise on a domain
        error (e.g. a negative number to a fractional power), where :meth:`rhs` gives nan."""
        rhs, jac = self.compiled.rhs_scalar, self.compiled.jac_scalar
        if self.n_patients is not None or rhs is None or jac is None:
            return None
        p = self.params.tolist()
        return (lambda t, y: rhs(t, y.tolist(), p)), (lambda t, y: jac(t, y.tolist(), p))

    def _blocks(self, t: float, y: np.ndarray) -> np.ndarray:
        jac = self.compiled.jac(t, self._unflatten(y), self.params)  # (n, n, patients)
        return np.moveaxis(jac, -1, 0)

    def jac_banded(self, t: float, y: np.ndarray) -> np.ndarray:
        """Block-diagonal Jacobian in LAPACK banded storage, ``band[i - j + mu, j]``."""
        n, n_patients = self.n, self.n_patients
        assert n_patients is not None  # banded storage is for cohorts only
        jac = self.compiled.jac(t, self._unflatten(y), self.params).reshape(n * n, n_patients)
        band = np.zeros((2 * n - 1, n_patients, n))
        band[self._band_rows, :, self._band_cols] = jac
        return band.reshape(2 * n - 1, n_patients * n)


def _lsoda(system: _System, y: np.ndarray, grid: np.ndarray, rtol: float, atol: float):
    banded = system.n_patients is not None
    fast = system.fast()
    if fast is not None:
        try:
            return _odeint(system, *fast, y, grid, rtol, atol, banded=False)
        except (ArithmeticError, ValueError):
            pass  # a domain error on floats: rerun with NumPy semantics (inf/nan) below
    if banded:
        return _odeint(system, system.rhs, system.jac_banded, y, grid, rtol, atol, banded=True)
    return _odeint(system, system.rhs, system.jac, y, grid, rtol, atol, banded=False)


def _odeint(system: _System, rhs, jac, y, grid, rtol, atol, *, banded: bool):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ODEintWarning)
        solution, info = odeint(
            rhs,
            y,
            grid,
            Dfun=jac,
            ml=system.n - 1 if banded else None,
            mu=system.n - 1 if banded else None,
            tfirst=True,
            rtol=rtol,
            atol=atol,
            full_output=True,
            mxstep=MAX_STEPS,
        )
    if info["message"] != "Integration successful." or not np.all(np.isfinite(solution)):
        # Retry the piece with SciPy's BDF: it either succeeds (LSODA can stumble on a
        # right-hand side that is undefined just past a trajectory, e.g. sqrt(x) when a trial
        # step takes x below 0) or says where it stopped, which odeint does not.
        return _ivp(system, y, grid, rtol, atol, "BDF")
    return solution, None, None


def _ivp(system: _System, y, grid, rtol, atol, method):
    options = {"jac": system.jac} if method in ("BDF", "Radau", "LSODA") else {}
    last = [float(grid[0])]

    def rhs(t, state):
        last[0] = t
        return system.rhs(t, state)

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            solution = solve_ivp(
                rhs,
                (grid[0], grid[-1]),
                y,
                method=method,
                t_eval=grid,
                rtol=rtol,
                atol=atol,
                **options,
            )
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:
            # e.g. "array must not contain infs or NaNs" from a Jacobian that became nan
            return None, last[0], f"{type(error).__name__}: {error}"
    if not solution.success or not np.all(np.isfinite(solution.y)):
        reached = float(solution.t[-1]) if solution.t.size else float(grid[0])
        return None, reached, solution.message
    return solution.y.T, None, None


def _segments(t_eval: np.ndarray, t_end: float, event_times: Sequence[float]):
    """Yield ``(start, stop, output_indices)`` pieces of ``[0, t_end]`` split at event times.

    Outputs at an event time belong to the piece that starts there, so they are reported after
    the event; an event at ``t_end`` gets a last, zero-length piece.
    """
    cuts = sorted({0.0, t_end, *event_times})
    event_at_end = t_end in event_times
    for start, stop in zip(cuts[:-1], cuts[1:], strict=True):
        closed = stop == t_end and not event_at_end
        inside = (t_eval >= start) & ((t_eval <= stop) if closed else (t_eval < stop))
        yield start, stop, np.flatnonzero(inside)
    if event_at_end:
        yield t_end, t_end, np.flatnonzero(t_eval == t_end)


def integrate(
    compiled,
    *,
    model_name: str,
    time_unit: str,
    state_names: Sequence[str],
    parameter_names: Sequence[str],
    y0: np.ndarray,
    params: np.ndarray,
    t_end: float,
    t_eval: np.ndarray,
    doses: Sequence[Event],
    rtol: float,
    atol: float,
    method: str = "LSODA",
    n_patients: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate from 0 to ``t_end``; return states and parameters in effect at ``t_eval``.

    States have shape ``(n_states, n_t)``, or ``(n_patients, n_states, n_t)`` for a cohort
    (``y0`` of shape ``(n_states, n_patients)``, ``params`` of shape ``(n_params, n)``).
    Parameters have shape ``(n_params, n_t)`` or ``(n_params, n_patients, n_t)``: they change
    over time only through :class:`~hemomodels.ParameterChange` events. Raises
    :class:`ModelError` naming the model and the time reached if the solver fails or produces
    non-finite values.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> y0 = np.array([1e7, 2e9, 4e8])  # the healthy steady state
    >>> states, params = integrate(model.compiled, model_name=model.name, time_unit="day",
    ...     state_names=model.state_names, parameter_names=model.parameter_names, y0=y0,
    ...     params=np.array(list(model.defaults.values())), t_end=10.0,
    ...     t_eval=np.array([0.0, 10.0]), doses=[], rtol=1e-8, atol=1e-10)
    >>> states.shape, params.shape  # (states, times), (parameters, times)
    ((3, 2), (6, 2))
    >>> round(float(states[2, -1]) / 1e8, 3)
    4.0
    """
    n = len(state_names)
    if n_patients is not None and n_patients > COHORT_CHUNK:
        pieces = [
            integrate(
                compiled,
                model_name=model_name,
                time_unit=time_unit,
                state_names=state_names,
                parameter_names=parameter_names,
                y0=y0[:, start : start + COHORT_CHUNK],
                params=np.asarray(params)[:, start : start + COHORT_CHUNK],
                t_end=t_end,
                t_eval=t_eval,
                doses=doses,
                rtol=rtol,
                atol=atol,
                method=method,
                n_patients=min(COHORT_CHUNK, n_patients - start),
            )
            for start in range(0, n_patients, COHORT_CHUNK)
        ]
        return (
            np.concatenate([p[0] for p in pieces]),
            np.concatenate([p[1] for p in pieces], axis=1),
        )
    params = np.array(params, dtype=float)  # a copy: parameter changes must not leak out
    system = _System(compiled, params, n, n_patients)
    index = {name: i for i, name in enumerate(state_names)}
    parameter_index = {name: i for i, name in enumerate(parameter_names)}
    by_time: dict[float, list[Event]] = {}
    for event in doses:
        by_time.setdefault(event.time, []).append(event)

    def apply(state: np.ndarray, time: float) -> np.ndarray:
        state = state.copy()
        for event in by_time.get(time, ()):
            if isinstance(event, Dose) and n_patients is None:
                state[index[event.target]] += event.amount
            elif isinstance(event, Dose):  # every patient's copy of the compartment
                state[index[event.target] :: n] += event.amount
            else:
                for name, value in event.values.items():
                    params[parameter_index[name]] = value
        return state

    flat = y0.T.ravel() if n_patients is not None else np.asarray(y0, dtype=float)
    out = np.empty((t_eval.size, flat.size))
    changes = any(not isinstance(event, Dose) for event in doses)
    params_out = (
        np.empty((*params.shape, t_eval.size))
        if changes  # otherwise constant: a read-only broadcast view, no 200 MB for a cohort
        else np.broadcast_to(params[..., None], (*params.shape, t_eval.size))
    )
    state = apply(flat, 0.0)
    step: Callable = (
        _lsoda if method == "LSODA" else (lambda s, y, g, r, a: _ivp(s, y, g, r, a, method))
    )
    for start, stop, indices in _segments(t_eval, t_end, list(by_time)):
        if start > 0:
            state = apply(state, start)
        grid = np.unique(np.concatenate(([start], t_eval[indices], [stop])))
        if grid.size > 1:
            solution, reached, message = step(system, state, grid, rtol, atol)
            if solution is None or not np.all(np.isfinite(solution)):
                reached = reached if reached is not None else start
                raise ModelError(
                    f"{model_name}: the solver ({method}) failed at t = {reached:g} {time_unit} "
                    f"while integrating [{start:g}, {stop:g}] {time_unit}: "
                    f"{message or 'non-finite values (the solution blew up)'}. "
                    "Check the parameter values, or loosen rtol/atol.",
                    field="simulation",
                    value=reached,
                )
        else:
            solution = state[None, :]
        positions = np.searchsorted(grid, t_eval[indices])
        out[indices] = solution[positions]
        if changes:
            params_out[..., indices] = params[..., None]
        state = solution[-1]
    if n_patients is None:
        return out.T, params_out
    return out.reshape(t_eval.size, n_patients, n).transpose(1, 2, 0), params_out
