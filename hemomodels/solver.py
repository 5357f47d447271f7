"""The solver boundary: integrate one piece of a simulation (between two events) with SciPy.

:func:`solve` takes a :class:`System` (the compiled right-hand side and Jacobian bound to a
parameter vector, for one patient or a stacked cohort), a start state, an output grid and
:class:`SolverOptions`, and returns the states on the grid. Every call adds its work to a
:class:`SolverStats` record (right-hand-side and Jacobian evaluations, steps, and any
fallback taken), which the simulation's :class:`~hemomodels.Result` keeps. A failure raises
:class:`SolverError` with the time the solver really reached; the model turns it into a
:class:`~hemomodels.ModelError`.

Methods
-------
``"LSODA"`` (default)
    ODEPACK's LSODA through :func:`scipy.integrate.odeint`: switches between non-stiff
    (Adams) and stiff (BDF) formulas and takes the model's analytic Jacobian. The
    right-hand side first runs on plain Python floats (fast, but a domain error such as the
    square root of a negative trial value raises); if that raises, the piece is rerun with
    the NumPy functions (fallback recorded as ``"float → NumPy"``). If LSODA fails, the piece
    is retried once with SciPy's ``"BDF"`` (recorded as ``"LSODA → BDF"``).
``"BDF"``, ``"Radau"``, ``"RK45"``, ``"RK23"``, ``"DOP853"``
    SciPy's :class:`~scipy.integrate.OdeSolver` classes, stepped here one step at a time
    (as :func:`scipy.integrate.solve_ivp` does) so that a work limit can stop them.

Work limit
----------
A piece that needs more than ``max_evaluations`` right-hand-side evaluations stops with a
:class:`SolverError`: an explicit method on a stiff problem, or a solution that runs away,
then fails within seconds instead of running for minutes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.integrate import BDF, DOP853, RK23, RK45, ODEintWarning, Radau, odeint, solve_ivp
from scipy.sparse import block_diag

__all__ = [
    "DEFAULT_MAX_EVALUATIONS",
    "METHODS",
    "SolverError",
    "SolverOptions",
    "SolverStats",
    "System",
    "solve",
    "solve_until",
]

METHODS = ("LSODA", "BDF", "Radau", "RK45", "RK23", "DOP853")
_STEPPERS = {"BDF": BDF, "Radau": Radau, "RK45": RK45, "RK23": RK23, "DOP853": DOP853}

#: Default largest number of right-hand-side evaluations per piece (per patient, or per
#: stacked block of patients). The package's own models need at most a few thousand.
DEFAULT_MAX_EVALUATIONS = 200_000

#: Maximum internal LSODA steps per output interval (odeint's ``mxstep``).
MAX_STEPS_PER_OUTPUT = 50_000


@dataclass(frozen=True)
class SolverOptions:
    """How to integrate: method, tolerances, the work limit and the backend.

    ``backend`` is the backend that runs (``"scipy"`` or ``"compiled"``, see
    :mod:`hemomodels.compiled`), already chosen: integrators other than
    :func:`hemomodels.integrate.integrate` ignore it.

    Examples
    --------
    >>> SolverOptions("LSODA", rtol=1e-8, atol=1e-10).method
    'LSODA'
    """

    method: str
    rtol: float
    atol: float
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS
    backend: str = "scipy"


@dataclass
class SolverStats:
    """Work done and fallbacks taken by the solver, as :class:`scipy.integrate.OdeResult`
    reports them (``nfev``, ``njev``), summed over every piece between events.

    Attributes
    ----------
    method : str
        The method asked for.
    n_rhs : int
        Right-hand-side evaluations (of the stacked system, for a cohort block).
    n_jac : int
        Jacobian evaluations.
    n_steps : int
        Accepted solver steps.
    n_pieces : int
        Pieces integrated (the simulation restarts at every event).
    fallbacks : list of str
        Every fallback taken, in words, e.g. ``"LSODA → BDF on [0, 504] h"``.
    triggered : list of (float, str)
        Every state-triggered event (:class:`~hemomodels.When`): its time and what it did.
    backend : str
        The backend that integrated: ``"scipy"`` or ``"compiled"`` (LSODA compiled by numba
        and numbalsoda, :mod:`hemomodels.compiled`; it counts right-hand-side evaluations
        only, so ``n_jac`` and ``n_steps`` stay 0, and any patient it handed back to SciPy is
        in ``fallbacks``).
    triggered_patients : list of int
        For a cohort, the patient of each entry of ``triggered`` (empty for one patient);
        filled by the integrator, not a constructor argument.

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.marciniak_czochra_2009().simulate(10.0)
    >>> stats = result.solver
    >>> stats.method, stats.n_pieces, stats.fallbacks, stats.n_rhs > 0
    ('LSODA', 1, [], True)
    >>> stats.backend in ("scipy", "compiled")  # "compiled" with the fast extra installed
    True
    """

    method: str
    n_rhs: int = 0
    n_jac: int = 0
    n_steps: int = 0
    n_pieces: int = 0
    fallbacks: list[str] = field(default_factory=list)
    triggered: list[tuple[float, str]] = field(default_factory=list)
    backend: str = "scipy"
    triggered_patients: list[int] = field(default_factory=list, init=False)

    @property
    def methods_used(self) -> list[str]:
        """The method asked for, followed by any other method a fallback used."""
        used = [self.method]
        for note in self.fallbacks:
            if "→" in note:
                other = note.split("→")[1].split()[0]
                if other in METHODS and other not in used:
                    used.append(other)
        return used


class SolverError(Exception):
    """The solver could not integrate a piece.

    Attributes
    ----------
    reached : float
        The last time the solver reached (model time unit).
    reason : str
        What went wrong, in words.
    patient : int or None
        For a cohort, the index of the patient that failed on their own, if known.
    """

    def __init__(self, reason: str, reached: float, patient: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reached = float(reached)
        self.patient = patient


class _WorkLimit(Exception):
    def __init__(self, reached: float) -> None:
        super().__init__(reached)
        self.reached = reached


class System:
    """Right-hand side and Jacobian of one patient, or of a cohort block stacked
    patient-major (patient 0's states, then patient 1's, …) with a block-diagonal Jacobian.

    Parameters
    ----------
    compiled : CompiledModel
        The model's compiled functions.
    params : numpy.ndarray
        Parameter vector ``(n_parameters,)``, or matrix ``(n_parameters, n_patients)``. The
        array is read at every call, so changing it in place changes the parameters in effect.
    n_states : int
        States per patient.
    n_patients : int or None
        Patients in a stacked block, or ``None`` for one patient.
    """

    def __init__(self, compiled: Any, params: np.ndarray, n_states: int, n_patients: int | None):
        self.compiled = compiled
        self.params = params
        self.n = n_states
        self.n_patients = n_patients
        #: Zero-order inputs (e.g. running infusions) added to ``dy/dt``: shape
        #: ``(n_states,)``, the same for every patient, or ``(n_states, n_patients)`` for a
        #: block whose patients differ; None when there are none.
        self.inputs: np.ndarray | None = None
        if n_patients is not None:
            rows, cols = np.meshgrid(np.arange(n_states), np.arange(n_states), indexing="ij")
            self._band_rows = (rows - cols + n_states - 1).ravel()
            self._band_cols = cols.ravel()

    def _unflatten(self, y: np.ndarray) -> np.ndarray:
        assert self.n_patients is not None  # only cohorts are flattened
        return y.reshape(self.n_patients, self.n).T

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        """``dy/dt`` on NumPy arrays (inf/nan where a function is undefined), inputs added."""
        if self.n_patients is None:
            derivative = self.compiled.rhs(t, y, self.params)
            return derivative if self.inputs is None else derivative + self.inputs
        derivative = self.compiled.rhs(t, self._unflatten(y), self.params)
        if self.inputs is not None:
            inputs = self.inputs if self.inputs.ndim == 2 else self.inputs[:, None]
            derivative = derivative + inputs
        return derivative.T.ravel()

    def jac(self, t: float, y: np.ndarray) -> Any:
        """Jacobian: dense for one patient, sparse block-diagonal for a cohort block."""
        if self.n_patients is None:
            return self.compiled.jac(t, y, self.params)
        blocks = np.moveaxis(self.compiled.jac(t, self._unflatten(y), self.params), -1, 0)
        return block_diag(list(blocks), format="csr")

    def jac_banded(self, t: float, y: np.ndarray) -> np.ndarray:
        """Block-diagonal Jacobian in LAPACK banded storage, ``band[i - j + mu, j]``."""
        n, n_patients = self.n, self.n_patients
        assert n_patients is not None  # banded storage is for cohorts only
        jac = self.compiled.jac(t, self._unflatten(y), self.params).reshape(n * n, n_patients)
        band = np.zeros((2 * n - 1, n_patients, n))
        band[self._band_rows, :, self._band_cols] = jac
        return band.reshape(2 * n - 1, n_patients * n)

    def float_functions(self) -> tuple[Callable, Callable] | None:
        """Right-hand side and Jacobian of one patient on Python floats (no NumPy scalar
        arithmetic, no allocation per call), or None for a cohort block. They raise on a
        domain error (e.g. a negative number to a fractional power) where :meth:`rhs` gives
        nan."""
        rhs, jac = self.compiled.rhs_scalar, self.compiled.jac_scalar
        if self.n_patients is not None or rhs is None or jac is None:
            return None
        p = self.params.tolist()
        if self.inputs is None:
            return (lambda t, y: rhs(t, y.tolist(), p)), (lambda t, y: jac(t, y.tolist(), p))
        inputs = self.inputs.tolist()

        def with_inputs(t: float, y: np.ndarray) -> list:
            return [a + b for a, b in zip(rhs(t, y.tolist(), p), inputs, strict=True)]

        return with_inputs, (lambda t, y: jac(t, y.tolist(), p))


def _counted(function: Callable, limit: int, counter: list) -> Callable:
    """``function`` that counts its calls in ``counter[0]``, remembers the last time in
    ``counter[1]`` and stops the solver once ``limit`` calls are exceeded."""

    def wrapped(t: float, y: np.ndarray) -> Any:
        counter[0] += 1
        counter[1] = t
        if counter[0] > limit:
            raise _WorkLimit(t)
        return function(t, y)

    return wrapped


def _work_limit_reason(method: str, limit: int) -> str:
    return (
        f"stopped after {limit:,} right-hand-side evaluations (the work limit "
        f"max_evaluations); the problem is probably stiff for {method} or the solution runs "
        "away. Use method='LSODA' or 'BDF' for stiff problems, or raise max_evaluations"
    )


def _odeint(system: System, rhs, jac, y, grid, options: SolverOptions, stats: SolverStats):
    """One odeint call. Returns the solution, or raises SolverError / the callback's error."""
    banded = system.n_patients is not None and jac is not None
    counter: list[float] = [0, float(grid[0])]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ODEintWarning)
        try:
            solution, info = odeint(
                _counted(rhs, options.max_evaluations, counter),
                y,
                grid,
                Dfun=jac,
                ml=system.n - 1 if banded else None,
                mu=system.n - 1 if banded else None,
                tfirst=True,
                rtol=options.rtol,
                atol=options.atol,
                full_output=True,
                mxstep=MAX_STEPS_PER_OUTPUT,
            )
        except _WorkLimit as stop:
            stats.n_rhs += int(counter[0])
            reason = _work_limit_reason("LSODA", options.max_evaluations)
            raise SolverError(reason, stop.reached) from None
    stats.n_rhs += int(counter[0])
    stats.n_jac += int(info["nje"][-1])
    stats.n_steps += int(info["nst"][-1])
    if info["message"] != "Integration successful.":
        raise SolverError(f"LSODA: {info['message']}", counter[1])
    if not np.all(np.isfinite(solution)):
        rows = np.flatnonzero(~np.all(np.isfinite(solution), axis=1))
        raise SolverError("non-finite values (the solution blew up)", grid[max(rows[0] - 1, 0)])
    return solution


def _lsoda(system: System, y, grid, options: SolverOptions, stats: SolverStats, where: str):
    floats = system.float_functions()
    if floats is not None:
        try:
            return _odeint(system, *floats, y, grid, options, stats)
        except (ArithmeticError, ValueError) as error:
            # a domain error on Python floats: rerun with NumPy semantics (inf/nan) below
            stats.fallbacks.append(f"float → NumPy functions on {where} ({type(error).__name__})")
    jac = system.jac_banded if system.n_patients is not None else system.jac
    try:
        return _odeint(system, system.rhs, jac, y, grid, options, stats)
    except SolverError as error:
        # LSODA can stumble where the right-hand side is undefined just past the solution
        # (e.g. sqrt(x) when a trial step takes x below 0); BDF either succeeds or says where
        # it stopped, which odeint does not.
        stats.fallbacks.append(f"LSODA → BDF on {where} (LSODA: {error.reason})")
        return _step(system, y, grid, options, stats, "BDF")


def _step(system: System, y, grid, options: SolverOptions, stats: SolverStats, method: str):
    """Integrate with one of SciPy's OdeSolver classes, step by step, filling the grid."""
    counter: list[float] = [0, float(grid[0])]
    fun = _counted(system.rhs, options.max_evaluations, counter)
    extra = {"jac": system.jac} if method in ("BDF", "Radau") else {}
    out = np.empty((grid.size, np.size(y)))
    out[0] = y
    filled = 1
    solver = None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            solver = _STEPPERS[method](
                fun, grid[0], y, grid[-1], rtol=options.rtol, atol=options.atol, **extra
            )
            while solver.status == "running":
                previous = solver.t
                message = solver.step()
                if solver.status == "failed":
                    raise SolverError(f"{method}: {message}", previous)
                stats.n_steps += 1
                if not np.all(np.isfinite(solver.y)):
                    raise SolverError("non-finite values (the solution blew up)", previous)
                stop = np.searchsorted(grid, solver.t, side="right")
                if stop > filled:
                    dense = solver.dense_output()
                    out[filled:stop] = dense(grid[filled:stop]).T
                    filled = stop
    except _WorkLimit as limit:
        reason = _work_limit_reason(method, options.max_evaluations)
        raise SolverError(reason, limit.reached) from None
    except (ArithmeticError, ValueError, RuntimeError, np.linalg.LinAlgError) as error:
        # e.g. "Factor is exactly singular" from a Newton iteration, or a Jacobian with nan
        reached = solver.t if solver is not None else grid[0]
        raise SolverError(f"{method}: {type(error).__name__}: {error}", reached) from None
    finally:
        stats.n_rhs += int(counter[0])
        if solver is not None:
            stats.n_jac += int(getattr(solver, "njev", 0))
    out[-1] = solver.y
    return out


def solve(
    system: System,
    y0: np.ndarray,
    grid: np.ndarray,
    options: SolverOptions,
    stats: SolverStats,
    *,
    where: str = "",
) -> np.ndarray:
    """States at every time of ``grid`` (shape ``(grid.size, y0.size)``), from ``y0`` at
    ``grid[0]``.

    Parameters
    ----------
    system : System
        What to integrate.
    y0 : numpy.ndarray
        State at ``grid[0]`` (stacked patient-major for a cohort block).
    grid : numpy.ndarray
        Increasing output times; the first is the start, the last the end of the piece.
    options : SolverOptions
        Method, tolerances, work limit.
    stats : SolverStats
        Updated in place with the work done and any fallback.
    where : str
        The piece in words (e.g. ``"[0, 504] h"``), for the fallback notes.

    Raises
    ------
    SolverError
        If the method (and, for LSODA, its BDF retry) fails; ``reached`` is the last time
        reached.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> system = System(model.compiled, np.array(list(model.defaults.values())), 3, None)
    >>> stats = SolverStats("LSODA")
    >>> states = solve(system, np.array([1e7, 2e9, 4e8]), np.array([0.0, 5.0, 10.0]),
    ...                SolverOptions("LSODA", 1e-8, 1e-10), stats)
    >>> states.shape, round(float(states[-1, 2]) / 1e8, 3)
    ((3, 3), 4.0)
    """
    stats.n_pieces += 1
    if options.method == "LSODA":
        return _lsoda(system, y0, grid, options, stats, where)
    return _step(system, y0, grid, options, stats, options.method)


def solve_until(
    system: System,
    y0: np.ndarray,
    grid: np.ndarray,
    options: SolverOptions,
    stats: SolverStats,
    crossings: Sequence[tuple[Callable[[float, np.ndarray], float], int]],
) -> tuple[np.ndarray, float | None, np.ndarray | None, int | None]:
    """Integrate one patient over ``grid`` until the first zero crossing of an event function.

    Uses :func:`scipy.integrate.solve_ivp` with the same method and tolerances, and its event
    location (a root of the event function on the step's dense output).

    Parameters
    ----------
    system, y0, grid, options, stats
        As for :func:`solve` (one patient only).
    crossings : list of (function, direction)
        Event functions ``g(t, y)`` and the direction of the crossing that counts
        (``-1``: from positive to negative, ``+1``: from negative to positive).

    Returns
    -------
    (states, time, state, which)
        States at the grid times before the crossing (rows), and the crossing's time, state and
        index in ``crossings`` — the last three ``None`` when nothing crossed.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> system = System(model.compiled, np.array(list(model.defaults.values())), 3, None)
    >>> below = (lambda t, y: y[2] - 3e8, -1)  # neutrophils below 3e8
    >>> states, when, _, which = solve_until(system, np.array([1e7, 2e9, 1e8]),
    ...     np.array([0.0, 5.0, 10.0]), SolverOptions("LSODA", 1e-8, 1e-10),
    ...     SolverStats("LSODA"), [below])
    >>> which is None  # they start below 3e8 and rise: no downward crossing
    True
    """
    assert system.n_patients is None  # state events are located one patient at a time
    functions = []
    for function, direction in crossings:

        def event(t, y, function=function):
            return function(t, y)

        event.terminal = True  # type: ignore[attr-defined]
        event.direction = direction  # type: ignore[attr-defined]
        functions.append(event)
    counter: list[float] = [0, float(grid[0])]
    extra = {"jac": system.jac} if options.method in ("LSODA", "BDF", "Radau") else {}
    stats.n_pieces += 1
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            solution = solve_ivp(
                _counted(system.rhs, options.max_evaluations, counter),
                (float(grid[0]), float(grid[-1])),
                y0,
                method=options.method,
                t_eval=grid,
                events=functions or None,
                rtol=options.rtol,
                atol=options.atol,
                **extra,
            )
    except _WorkLimit as limit:
        stats.n_rhs += int(counter[0])
        reason = _work_limit_reason(options.method, options.max_evaluations)
        raise SolverError(reason, limit.reached) from None
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:
        stats.n_rhs += int(counter[0])
        reason = f"{options.method}: {type(error).__name__}: {error}"
        raise SolverError(reason, counter[1]) from None
    stats.n_rhs += int(counter[0])
    stats.n_jac += int(solution.njev)
    if solution.status == -1:
        raise SolverError(f"{options.method}: {solution.message}", counter[1])
    states = solution.y.T
    if not np.all(np.isfinite(states)):
        raise SolverError("non-finite values (the solution blew up)", counter[1])
    if solution.status == 1:
        for which, times in enumerate(solution.t_events):
            if len(times):
                return states, float(times[0]), solution.y_events[which][0].copy(), which
    return states, None, None, None
