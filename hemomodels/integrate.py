"""A simulation from time 0 to its end: pieces between events, solved by :mod:`.solver`.

Doses and parameter changes happen at event times; the solver stops at every event time and
restarts from the new state, so no event is ever stepped over. Values at an event time are
reported *after* it.

A cohort is integrated in blocks of :data:`COHORT_CHUNK` patients, each block one stacked
system (patient-major order, block-diagonal Jacobian passed to LSODA as a banded matrix). If
a block fails, its patients are integrated one by one, so that one hard patient neither sinks
the others nor goes unnamed: if that patient fails on their own too, the error says which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .doses import Dose, Event, Infusion, ParameterChange, When, infusion_inputs
from .solver import SolverError, SolverOptions, SolverStats, System, solve, solve_until

__all__ = ["COHORT_CHUNK", "DomainError", "Problem", "Trajectory", "integrate"]

#: Patients per stacked block of a cohort: keeps LSODA's work arrays in cache (measured
#: optimum 500-2,000 for 6 states).
COHORT_CHUNK = 1000

#: A piece between events shorter than this fraction of ``max(1, |end|)`` time units (two
#: doses a round-off apart, or a whole simulation of 1e-250 days) is advanced by one explicit
#: Euler step instead of a solver call: over such a span its error, of order
#: ``(length)² · |J| · |f|``, is far below any tolerance, while the solvers' step-size
#: arithmetic can overflow there.
TINY_PIECE = 1e-12


class DomainError(SolverError):
    """A state declared non-negative fell below zero by more than the solver tolerance."""

    def __init__(self, reason: str, reached: float, state: str, value: float, patient=None):
        super().__init__(reason, reached, patient)
        self.state = state
        self.value = value


@dataclass(frozen=True)
class Problem:
    """What is integrated: a model's compiled functions and the facts about its states.

    Attributes
    ----------
    compiled : CompiledModel
        Right-hand side, Jacobian and observables.
    state_names : tuple of str
        State names in state-vector order.
    parameter_names : tuple of str
        Parameter names in parameter-vector order.
    nonnegative : tuple of bool
        Whether each state is declared non-negative (checked after every piece).
    time_unit : str
        For messages.
    observable_names : tuple of str
        Observable names in the order of ``compiled.observe`` (for state-triggered events).
    """

    compiled: Any
    state_names: tuple[str, ...]
    parameter_names: tuple[str, ...]
    nonnegative: tuple[bool, ...]
    time_unit: str
    observable_names: tuple[str, ...] = ()


@dataclass
class Trajectory:
    """What :func:`integrate` returns.

    Attributes
    ----------
    states : numpy.ndarray
        ``(n_states, n_t)``, or ``(n_patients, n_states, n_t)`` for a cohort.
    params : numpy.ndarray
        Parameters in effect at each output time: ``(n_params, n_t)`` or
        ``(n_params, n_patients, n_t)``.
    pieces : list of (float, float, numpy.ndarray)
        ``(start, end, parameters)`` of every stretch with constant parameters: the
        parameter vector (or matrix, for a cohort) in effect from ``start`` to ``end``.
    stats : SolverStats
        Work done and fallbacks taken.
    """

    states: np.ndarray
    params: np.ndarray
    pieces: list[tuple[float, float, np.ndarray]]
    stats: SolverStats


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


def _domain_tolerance(values: np.ndarray, options: SolverOptions) -> np.ndarray:
    """How far below zero a non-negative state may dip by round-off: a thousand times the
    absolute tolerance plus a millionth of the largest value it takes in the piece."""
    return 1e3 * options.atol + 1e-6 * np.max(np.abs(values), axis=0)


def _check_domain(
    solution: np.ndarray,
    grid: np.ndarray,
    nonnegative: np.ndarray,
    n_states: int,
    names: Sequence[str],
    options: SolverOptions,
    time_unit: str,
) -> None:
    """Raise :class:`DomainError` if a non-negative state went below zero."""
    if not nonnegative.any():
        return
    columns = np.flatnonzero(np.tile(nonnegative, solution.shape[1] // n_states))
    values = solution[:, columns]
    below = values < -_domain_tolerance(values, options)
    if not below.any():
        return
    row, column = np.argwhere(below)[0]
    index = int(columns[column])
    name = names[index % n_states]
    value = float(values[row, column])
    patient = index // n_states if solution.shape[1] > n_states else None
    reason = (
        f"state {name!r} fell to {value:.6g} at t = {grid[row]:.6g} {time_unit}, below zero, "
        "but it is declared non-negative (State(..., nonnegative=True)); the model or its "
        "parameters let it go negative. Declare nonnegative=False if it may be negative"
    )
    raise DomainError(reason, float(grid[row]), name, value, patient)


def integrate(
    problem: Problem,
    *,
    y0: np.ndarray,
    params: np.ndarray,
    t_end: float,
    t_eval: np.ndarray,
    events: Sequence[Event],
    options: SolverOptions,
    n_patients: int | None = None,
    conditions: Sequence[When] = (),
) -> Trajectory:
    """Integrate from 0 to ``t_end`` and return the :class:`Trajectory` at ``t_eval``.

    ``y0`` has shape ``(n_states,)``, or ``(n_states, n_patients)`` for a cohort, with
    ``params`` of shape ``(n_params,)`` or ``(n_params, n_patients)``. Raises
    :class:`~hemomodels.solver.SolverError` (for a cohort with the failing patient's index)
    if the solver fails, or :class:`DomainError` if a non-negative state goes below zero.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.solver import SolverOptions
    >>> model = hm.models.marciniak_czochra_2009()
    >>> problem = Problem(model.compiled, model.state_names, model.parameter_names,
    ...                   (True,) * 3, "day")
    >>> run = integrate(problem, y0=np.array([1e7, 2e9, 4e8]),
    ...     params=np.array(list(model.defaults.values())), t_end=10.0,
    ...     t_eval=np.array([0.0, 10.0]), events=[], options=SolverOptions("LSODA", 1e-8, 1e-10))
    >>> run.states.shape, run.params.shape  # (states, times), (parameters, times)
    ((3, 2), (6, 2))
    >>> round(float(run.states[2, -1]) / 1e8, 3)
    4.0
    """
    stats = SolverStats(options.method)
    timeline = (t_end, t_eval, events, options)
    if n_patients is None:
        return _run(problem, y0, params, *timeline, None, stats, tuple(conditions))
    if conditions:
        raise SolverError("state-triggered events are simulated one patient at a time", 0.0)
    blocks = []
    for first in range(0, n_patients, COHORT_CHUNK):
        count = min(COHORT_CHUNK, n_patients - first)
        block = slice(first, first + count)
        try:
            blocks.append(_run(problem, y0[:, block], params[:, block], *timeline, count, stats))
        except SolverError as error:
            if count == 1:
                error.patient = first
                raise
            stats.fallbacks.append(
                f"patients {first}–{first + count - 1} integrated one by one (the stacked "
                f"block failed at t = {error.reached:.6g} {problem.time_unit}: {error.reason})"
            )
            singles = []
            for patient in range(first, first + count):
                try:  # one patient on their own: the fast float path
                    alone = _run(
                        problem, y0[:, patient], params[:, patient], *timeline, None, stats
                    )
                except SolverError as single:
                    single.patient = patient
                    raise single from None
                singles.append(_as_block(alone))
            blocks.append(_concatenate(singles))
    return _concatenate(blocks)


def _as_block(single: Trajectory) -> Trajectory:
    """A one-patient trajectory in the shapes of a cohort block of one patient."""
    return Trajectory(
        single.states[None],
        single.params[:, None],
        [(start, end, values[:, None]) for start, end, values in single.pieces],
        single.stats,
    )


def _concatenate(blocks: list[Trajectory]) -> Trajectory:
    if len(blocks) == 1:
        return blocks[0]
    pieces = [
        (start, end, np.concatenate([b.pieces[k][2] for b in blocks], axis=1))
        for k, (start, end, _) in enumerate(blocks[0].pieces)
    ]
    return Trajectory(
        np.concatenate([b.states for b in blocks]),
        np.concatenate([b.params for b in blocks], axis=1),
        pieces,
        blocks[0].stats,
    )


def _run(
    problem: Problem,
    y0: np.ndarray,
    params: np.ndarray,
    t_end: float,
    t_eval: np.ndarray,
    events: Sequence[Event],
    options: SolverOptions,
    n_patients: int | None,
    stats: SolverStats,
    conditions: tuple[When, ...] = (),
) -> Trajectory:
    state_names, time_unit = problem.state_names, problem.time_unit
    n = len(state_names)
    params = np.array(params, dtype=float)  # a copy: parameter changes must not leak out
    system = System(problem.compiled, params, n, n_patients)
    index = {name: i for i, name in enumerate(state_names)}
    parameter_index = {name: i for i, name in enumerate(problem.parameter_names)}
    positive = np.asarray(problem.nonnegative, dtype=bool)
    by_time: dict[float, list[Event]] = {}
    infusions = [event for event in events if isinstance(event, Infusion)]
    for event in events:
        by_time.setdefault(event.time, []).append(event)
    for infusion in infusions:  # an infusion's end is an event time too (unless after t_end)
        if infusion.end <= t_end:
            by_time.setdefault(infusion.end, [])

    def apply(state: np.ndarray, time: float) -> np.ndarray:
        state = state.copy()
        for event in by_time.get(time, ()):
            if isinstance(event, Dose):  # every patient's copy of the compartment
                state[index[event.target] :: n] += event.amount
            elif isinstance(event, ParameterChange):
                for name, value in event.values.items():
                    params[parameter_index[name]] = value
        # infusions running from this time on (summed afresh: no round-off builds up)
        inputs = np.zeros(n)
        for target, rate in infusion_inputs(infusions, time).items():
            inputs[index[target]] = rate
        system.inputs = inputs if inputs.any() else None
        return state

    flat = y0.T.ravel() if n_patients is not None else np.asarray(y0, dtype=float)
    out = np.empty((t_eval.size, flat.size))
    changes = conditions or any(isinstance(event, ParameterChange) for event in events)
    params_out = (
        np.empty((*params.shape, t_eval.size))
        if changes  # otherwise constant: a read-only broadcast view, no 200 MB for a cohort
        else np.broadcast_to(params[..., None], (*params.shape, t_eval.size))
    )
    pieces: list[tuple[float, float, np.ndarray]] = []
    state = apply(flat, 0.0)
    watch = (
        _Watch(problem, system, conditions, options, stats, index, parameter_index)
        if conditions
        else None
    )
    if watch is not None:
        state = watch.at_start(state)
    for start, stop, indices in _segments(t_eval, t_end, list(by_time)):
        if start > 0:
            state = apply(state, start)
        if not pieces or not np.array_equal(pieces[-1][2], params):
            pieces.append((start, stop, params.copy()))
        else:
            pieces[-1] = (pieces[-1][0], stop, pieces[-1][2])
        grid = np.unique(np.concatenate(([start], t_eval[indices], [stop])))
        where = f"[{start:.6g}, {stop:.6g}] {time_unit}"
        if grid.size > 1 and stop - start <= TINY_PIECE * max(1.0, abs(stop)):
            slope = np.asarray(system.rhs(start, state), dtype=float)
            stats.n_rhs += 1
            solution = state[None, :] + (grid - start)[:, None] * slope[None, :]
            if not np.all(np.isfinite(solution)):
                raise SolverError("non-finite values (the solution blew up)", start)
        elif grid.size > 1 and watch is not None:
            solution = watch.piece(state, grid, pieces)
            _check_domain(solution, grid, positive, n, state_names, options, time_unit)
        elif grid.size > 1:
            solution = solve(system, state, grid, options, stats, where=where)
            _check_domain(solution, grid, positive, n, state_names, options, time_unit)
        else:
            solution = state[None, :]
        positions = np.searchsorted(grid, t_eval[indices])
        out[indices] = solution[positions]
        if changes and watch is None:
            params_out[..., indices] = params[..., None]
        elif watch is not None:
            watch.fill_parameters(t_eval, indices, params_out, pieces)
        state = solution[-1]
    if n_patients is None:
        return Trajectory(out.T, params_out, pieces, stats)
    states = out.reshape(t_eval.size, n_patients, n).transpose(1, 2, 0)
    return Trajectory(states, params_out, pieces, stats)


class _Watch:
    """State-triggered events (:class:`~hemomodels.When`) of one patient: which are armed,
    their event functions, and the integration of a piece that stops at every crossing."""

    def __init__(self, problem, system, conditions, options, stats, index, parameter_index):
        self.problem, self.system, self.conditions = problem, system, conditions
        self.options, self.stats = options, stats
        self.index, self.parameter_index = index, parameter_index
        self.armed = [True] * len(conditions)
        observables = list(problem.observable_names)
        self.readers = []
        for condition in conditions:
            if condition.variable in index:
                i = index[condition.variable]
                self.readers.append(lambda t, y, i=i: y[i])
            else:
                k = observables.index(condition.variable)
                self.readers.append(
                    lambda t, y, k=k: float(problem.compiled.observe(t, y, system.params)[k])
                )

    def _excess(self, which: int, t: float, y: np.ndarray) -> float:
        """Variable minus threshold, signed so that triggering is a fall through zero."""
        condition = self.conditions[which]
        value = self.readers[which](t, y) - condition.threshold
        return value if condition.direction == "below" else -value

    def _function(self, which: int) -> Callable[[float, np.ndarray], float]:
        def excess(t: float, y: np.ndarray) -> float:
            return self._excess(which, t, y)

        return excess

    def _fire(self, which: int, t: float, y: np.ndarray) -> np.ndarray:
        condition = self.conditions[which]
        y = y.copy()
        for target, amount in condition.dose.items():
            y[self.index[target]] += amount
        for name, value in condition.set.items():
            self.system.params[self.parameter_index[name]] = value
        self.armed[which] = False
        self.stats.triggered.append((t, condition.describe()))
        return y

    def at_start(self, y: np.ndarray) -> np.ndarray:
        """Trigger at time 0 every condition whose variable starts past its threshold."""
        for which in range(len(self.conditions)):
            if self.armed[which] and self._excess(which, 0.0, y) < 0:
                y = self._fire(which, 0.0, y)
        return y

    def piece(self, y: np.ndarray, grid: np.ndarray, pieces: list) -> np.ndarray:
        """States on ``grid`` (one piece between scheduled events, ``grid[0]`` its start),
        stopping and restarting at every crossing; values at a crossing time are reported
        after its action."""
        out = np.empty((grid.size, y.size))
        t0, filled = float(grid[0]), 0
        while True:
            later = grid[filled:]
            times = later if later.size and later[0] == t0 else np.concatenate(([t0], later))
            skip = times.size - later.size  # 1 when the restart time is not a grid time
            if times.size < 2:
                out[filled:] = y
                return out
            crossings: list[tuple[Callable[[float, np.ndarray], float], int]] = []
            owners: list[tuple[int, bool]] = []
            for number, condition in enumerate(self.conditions):
                if not self.armed[number] and not condition.once:
                    # back on the safe side (e.g. after a dose jumped it there): re-arm
                    self.armed[number] = self._excess(number, t0, y) > 0
                if self.armed[number]:
                    crossings.append((self._function(number), -1))
                    owners.append((number, True))
                elif not condition.once:  # re-arm when the variable crosses back
                    crossings.append((self._function(number), 1))
                    owners.append((number, False))
            states, when, crossed, first = solve_until(
                self.system, y, times, self.options, self.stats, crossings
            )
            reached = states[skip:]
            out[filled : filled + len(reached)] = reached
            filled += len(reached)
            if when is None or crossed is None or first is None:
                return out
            state: np.ndarray = crossed
            who, fire = owners[first]
            if fire:
                state = self._fire(who, when, state)
                if self.conditions[who].set:
                    begin, end, values = pieces[-1]
                    pieces[-1] = (begin, when, values)
                    pieces.append((when, end, self.system.params.copy()))
            else:
                self.armed[who] = True
            # a grid time equal to the crossing is reported after the action
            if filled and grid[filled - 1] == when:
                out[filled - 1] = state
            elif filled < grid.size and grid[filled] == when:
                out[filled] = state
                filled += 1
            if filled >= grid.size:
                return out
            t0, y = when, state

    def fill_parameters(self, t_eval, indices, params_out, pieces) -> None:
        """Parameters in effect at each output time of the piece (after any change made by a
        condition)."""
        for position in indices:
            t = t_eval[position]
            current = pieces[0][2]
            for start, _, values in pieces:
                if start <= t:
                    current = values
            params_out[..., position] = current
