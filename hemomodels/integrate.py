"""A simulation from time 0 to its end: pieces between events, solved by :mod:`.solver`.

Doses and parameter changes happen at event times; the solver stops at every event time and
restarts from the new state, so no event is ever stepped over. Values at an event time are
reported *after* it.

A cohort is integrated in blocks of :data:`COHORT_CHUNK` patients, each block one stacked
system (patient-major order, block-diagonal Jacobian passed to LSODA as a banded matrix). If
a block fails, its patients are integrated one by one, so that one hard patient neither sinks
the others nor goes unnamed: if that patient fails on their own too, the error says which.
Per-patient amounts, values and factors (:class:`~hemomodels.PerPatient`) are vectors with
one entry per patient of the block.

A cohort with state-triggered events (:class:`~hemomodels.When`) is integrated one patient at
a time (each crossing is located on that patient's own solution) and the patients' results are
stacked: the parameter stretches of the cohort are cut at every patient's break times.

Each piece between events is solved by the backend named in its
:class:`~hemomodels.solver.SolverOptions`: SciPy (:func:`~hemomodels.solver.solve`) or the
compiled backend (:func:`hemomodels.compiled.solve_piece`, every patient of a block on their
own); everything around the solve (events, infusions, checks, the trajectory) is shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .doses import Dose, Event, Infusion, ParameterChange, PerPatient, When, for_patient
from .errors import describe_unit, invalid_value
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
    parameters : tuple of Parameter
        The declared parameters (bounds, units), to check a value that a scale gives when it
        is applied; empty to skip that check.
    model_name : str
        For messages.
    """

    compiled: Any
    state_names: tuple[str, ...]
    parameter_names: tuple[str, ...]
    nonnegative: tuple[bool, ...]
    time_unit: str
    observable_names: tuple[str, ...] = ()
    parameters: tuple[Any, ...] = ()
    model_name: str = ""


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
    stopped_at : float or None
        When a :class:`~hemomodels.When` with ``stop=True`` ended the simulation (one
        patient): the arrays then hold only the output times up to it.
    """

    states: np.ndarray
    params: np.ndarray
    pieces: list[tuple[float, float, np.ndarray]]
    stats: SolverStats
    stopped_at: float | None = None


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


def _check_scaled(
    problem: Problem, name: str, value: float, time: float, what: str, patient: int | None
) -> None:
    """Refuse a parameter value that a scale gave, out of the parameter's bounds (checked
    when it is applied: the value in effect before it was not known in advance)."""
    if not problem.parameters:
        return
    parameter = problem.parameters[problem.parameter_names.index(name)]
    if parameter.contains(float(value)):
        return
    who = f" for patient {patient}" if patient is not None else ""
    raise invalid_value(
        f"parameter {name!r} scaled by {what} at t = {time:.6g} {problem.time_unit}{who}",
        float(value),
        parameter.bounds_text(),
        describe_unit(parameter.unit),
        model=problem.model_name or None,
        hint="The factor multiplies the value in effect at that time; the simulation stopped "
        "there.",
    )


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
    columns: Mapping[str, np.ndarray] | None = None,
) -> Trajectory:
    """Integrate from 0 to ``t_end`` and return the :class:`Trajectory` at ``t_eval``.

    ``y0`` has shape ``(n_states,)``, or ``(n_states, n_patients)`` for a cohort, with
    ``params`` of shape ``(n_params,)`` or ``(n_params, n_patients)``. ``columns`` holds a
    cohort's per-patient columns (one value per patient) read by the
    :class:`~hemomodels.PerPatient` values of ``events`` and ``conditions``. Raises
    :class:`~hemomodels.solver.SolverError` (for a cohort with the failing patient's index)
    if the solver fails, or :class:`DomainError` if a non-negative state goes below zero.
    A cohort with ``conditions`` is integrated one patient at a time.

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
    stats = SolverStats(options.method, backend=options.backend)
    timeline = (t_end, t_eval, events, options)
    columns = dict(columns or {})
    if n_patients is None:
        return _run(problem, y0, params, *timeline, None, stats, tuple(conditions))
    if conditions:
        return _one_by_one(problem, y0, params, timeline, stats, tuple(conditions), columns)
    blocks = []
    for first in range(0, n_patients, COHORT_CHUNK):
        count = min(COHORT_CHUNK, n_patients - first)
        block = slice(first, first + count)
        try:
            blocks.append(
                _run(
                    problem,
                    y0[:, block],
                    params[:, block],
                    *timeline,
                    count,
                    stats,
                    columns={name: values[block] for name, values in columns.items()},
                )
            )
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
                        problem,
                        y0[:, patient],
                        params[:, patient],
                        t_end,
                        t_eval,
                        _for_patient(events, columns, patient),
                        options,
                        None,
                        stats,
                    )
                except SolverError as single:
                    single.patient = patient
                    raise single from None
                singles.append(_as_block(alone))
            blocks.append(_concatenate(singles))
    return _concatenate(blocks)


def _for_patient(items: Sequence[Any], columns: Mapping[str, np.ndarray], patient: int) -> list:
    """Events (or conditions) with every per-patient value replaced by this patient's."""
    if not columns:
        return list(items)
    values = {name: float(array[patient]) for name, array in columns.items()}
    return [for_patient(item, values) for item in items]


def _one_by_one(
    problem: Problem,
    y0: np.ndarray,
    params: np.ndarray,
    timeline: tuple[float, np.ndarray, Sequence[Event], SolverOptions],
    stats: SolverStats,
    conditions: tuple[When, ...],
    columns: Mapping[str, np.ndarray],
) -> Trajectory:
    """A cohort with state-triggered events: each patient integrated on their own (their
    crossings located on their own solution), the results stacked."""
    t_end, t_eval, events, options = timeline
    singles = []
    for patient in range(params.shape[1]):
        try:
            singles.append(
                _run(
                    problem,
                    y0[:, patient],
                    params[:, patient],
                    t_end,
                    t_eval,
                    _for_patient(events, columns, patient),
                    options,
                    None,
                    stats,
                    tuple(_for_patient(conditions, columns, patient)),
                    patient=patient,
                )
            )
        except SolverError as error:
            error.patient = patient
            raise
    return _stack(singles)


def _in_effect(pieces: Sequence[tuple[float, float, np.ndarray]], time: float) -> np.ndarray:
    """The parameters of the last stretch starting at or before ``time``."""
    current = pieces[0][2]
    for start, _, values in pieces:
        if start <= time:
            current = values
    return current


def _stack(singles: list[Trajectory]) -> Trajectory:
    """One-patient trajectories as one cohort trajectory. The cohort's stretches of constant
    parameters start at every start of any patient's stretch (the union of their break
    times); in each, every patient's column holds the parameters in effect for them."""
    starts = sorted({start for single in singles for start, _, _ in single.pieces})
    last = max(end for single in singles for _, end, _ in single.pieces)
    pieces: list[tuple[float, float, np.ndarray]] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else last
        matrix = np.stack([_in_effect(single.pieces, start) for single in singles], axis=1)
        if pieces and np.array_equal(pieces[-1][2], matrix):
            pieces[-1] = (pieces[-1][0], end, pieces[-1][2])
        else:
            pieces.append((start, end, matrix))
    return Trajectory(
        np.stack([single.states for single in singles]),
        np.stack([single.params for single in singles], axis=1),
        pieces,
        singles[0].stats,
    )


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
    params = [b.params for b in blocks]
    if not any(p.flags.writeable for p in params):  # constant: broadcast, not copied
        first = np.concatenate([p[..., :1] for p in params], axis=1)
        joined = np.broadcast_to(first, (*first.shape[:-1], params[0].shape[-1]))
    else:
        joined = np.concatenate(params, axis=1)
    pieces = [
        (start, end, np.concatenate([b.pieces[k][2] for b in blocks], axis=1))
        for k, (start, end, _) in enumerate(blocks[0].pieces)
    ]
    return Trajectory(
        np.concatenate([b.states for b in blocks]),
        joined,
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
    *,
    columns: Mapping[str, np.ndarray] | None = None,
    patient: int | None = None,
) -> Trajectory:
    """Integrate one patient, or one stacked block of ``n_patients`` (``columns``: the
    block's per-patient values, by column; ``patient``: the index in a cohort of a patient
    integrated on their own, for the record of triggered events and for messages)."""
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
    block = dict(columns or {})
    per_patient_inputs = any(isinstance(i.amount, PerPatient) for i in infusions)

    def value(number: Any) -> Any:
        """A number, or the block's vector of per-patient values."""
        return block[number.column] if isinstance(number, PerPatient) else number

    def apply(state: np.ndarray, time: float) -> np.ndarray:
        state = state.copy()
        for event in by_time.get(time, ()):
            if isinstance(event, Dose):  # every patient's copy of the compartment
                state[index[event.target] :: n] += value(event.amount)
            elif isinstance(event, ParameterChange):
                for name, new in event.values.items():
                    params[parameter_index[name]] = value(new)
                for name, factor in event.scale.items():
                    scaled = params[parameter_index[name]] * value(factor)
                    if conditions:  # a When may have changed it: checked now (else before)
                        _check_scaled(problem, name, scaled, time, f"× {factor:g}", patient)
                    params[parameter_index[name]] = scaled
        # infusions running from this time on (summed afresh: no round-off builds up)
        inputs = np.zeros((n, n_patients or 1) if per_patient_inputs else n)
        for infusion in infusions:
            if infusion.start <= time < infusion.end:
                inputs[index[infusion.target]] += value(infusion.amount) / infusion.duration
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
        _Watch(problem, system, conditions, options, stats, index, parameter_index, patient)
        if conditions
        else None
    )
    if watch is not None:
        state = watch.at_start(state)
    segments = list(_segments(t_eval, t_end, list(by_time)))
    if watch is not None and watch.stopped is not None:  # stopped at time 0
        pieces.append((0.0, 0.0, params.copy()))
        segments = []
        at_zero = np.flatnonzero(t_eval <= 0.0)
        out[at_zero] = state
        params_out[..., at_zero] = params[..., None]
    for start, stop, indices in segments:
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
            solution = watch.piece(state, grid, pieces)  # shorter if a When stopped it
            reached = grid[: len(solution)]
            _check_domain(solution, reached, positive, n, state_names, options, time_unit)
        elif grid.size > 1:
            solution = _solve(system, state, grid, options, stats, where=where)
            _check_domain(solution, grid, positive, n, state_names, options, time_unit)
        else:
            solution = state[None, :]
        if watch is not None and watch.stopped is not None:
            indices = indices[t_eval[indices] <= watch.stopped]
            pieces[-1] = (pieces[-1][0], watch.stopped, pieces[-1][2])
        positions = np.searchsorted(grid, t_eval[indices])
        out[indices] = solution[positions]
        if changes and watch is None:
            params_out[..., indices] = params[..., None]
        elif watch is not None:
            watch.fill_parameters(t_eval, indices, params_out, pieces)
        state = solution[-1]
        if watch is not None and watch.stopped is not None:
            break
    if watch is not None and watch.stopped is not None:
        kept = int(np.searchsorted(t_eval, watch.stopped, side="right"))
        return Trajectory(out[:kept].T, params_out[..., :kept], pieces, stats, watch.stopped)
    if n_patients is None:
        return Trajectory(out.T, params_out, pieces, stats)
    states = out.reshape(t_eval.size, n_patients, n).transpose(1, 2, 0)
    return Trajectory(states, params_out, pieces, stats)


def _solve(
    system: System,
    y0: np.ndarray,
    grid: np.ndarray,
    options: SolverOptions,
    stats: SolverStats,
    *,
    where: str,
) -> np.ndarray:
    """One piece between events, by the backend of ``options``: the one point where the
    compiled backend (:mod:`hemomodels.compiled`, imported only when it runs) plugs in."""
    if options.backend == "compiled":
        from .compiled import solve_piece

        return solve_piece(system, y0, grid, options, stats, where=where)
    return solve(system, y0, grid, options, stats, where=where)


class _Watch:
    """State-triggered events (:class:`~hemomodels.When`) of one patient: which are armed,
    their event functions, and the integration of a piece that stops at every crossing."""

    def __init__(
        self, problem, system, conditions, options, stats, index, parameter_index, patient=None
    ) -> None:
        self.problem, self.system, self.conditions = problem, system, conditions
        self.options, self.stats = options, stats
        self.index, self.parameter_index = index, parameter_index
        self.patient = patient
        #: When a condition with ``stop=True`` ended the simulation, else None.
        self.stopped: float | None = None
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
        for name, factor in condition.scale.items():
            scaled = self.system.params[self.parameter_index[name]] * factor
            what = f"× {factor:g} of When({condition.describe()})"
            _check_scaled(self.problem, name, scaled, t, what, self.patient)
            self.system.params[self.parameter_index[name]] = scaled
        if condition.stop:
            self.stopped = t
        self.armed[which] = False
        self.stats.triggered.append((t, condition.describe()))
        if self.patient is not None:
            self.stats.triggered_patients.append(self.patient)
        return y

    def _rearm(self, t: float, before: np.ndarray | None, after: np.ndarray) -> None:
        """Re-arm each spent repeatable condition that a jump of the state (a dose) moved back
        to the safe side. Without a jump a variable that has just crossed sits on its
        threshold (to root-finding accuracy, on either side), so it re-arms only when it
        crosses back."""
        for number, condition in enumerate(self.conditions):
            if self.armed[number] or condition.once:
                continue
            excess = self._excess(number, t, after)
            moved = before is None or excess > self._excess(number, t, before)
            self.armed[number] = moved and excess > 0

    def at_start(self, y: np.ndarray) -> np.ndarray:
        """Trigger at time 0 every condition whose variable starts past its threshold (up to
        one that stops the simulation)."""
        for which in range(len(self.conditions)):
            if self.armed[which] and self._excess(which, 0.0, y) < 0:
                y = self._fire(which, 0.0, y)
                if self.stopped is not None:
                    break
        return y

    def piece(self, y: np.ndarray, grid: np.ndarray, pieces: list) -> np.ndarray:
        """States on ``grid`` (one piece between scheduled events, ``grid[0]`` its start),
        stopping and restarting at every crossing; values at a crossing time are reported
        after its action. A condition that stops the simulation ends the piece there: only
        the rows of the grid times up to the crossing are returned."""
        out = np.empty((grid.size, y.size))
        t0, filled = float(grid[0]), 0
        self._rearm(t0, None, y)  # a scheduled dose may have moved a variable back
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
                self._rearm(when, crossed, state)
                if self.conditions[who].set or self.conditions[who].scale:
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
            if self.stopped is not None:
                return out[:filled]
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
