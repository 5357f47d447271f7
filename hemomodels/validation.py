"""Checks of the inputs of a simulation, run before any integration starts.

Each function applies the package's input rules (:mod:`hemomodels.rules`) to one argument of
:meth:`~hemomodels.Model.simulate` or :meth:`~hemomodels.Model.simulate_many` and returns
clean NumPy values, or raises :class:`hemomodels.ModelError` naming the field, the value
given, the allowed range and the unit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from . import rules
from .doses import (
    Dose,
    Event,
    Infusion,
    ParameterChange,
    PerPatient,
    Schedule,
    When,
    expand_doses,
)
from .errors import ModelError, describe_unit, invalid_value, number_text, unknown_name

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model
    from .spec import Parameter

__all__ = [
    "MAX_EVENTS",
    "MAX_OUTPUT_POINTS",
    "MIN_RTOL",
    "TIME_ROUND_OFF",
    "check_backend",
    "check_cohort_columns",
    "check_cohort_table",
    "check_conditions",
    "check_doses",
    "check_initial",
    "check_max_evaluations",
    "check_method",
    "check_output_size",
    "check_parameters",
    "check_time",
    "check_tolerance",
]

#: Largest number of output time points a simulation may return.
MAX_OUTPUT_POINTS = 1_000_000
#: Largest number of events (doses and parameter changes) in one simulation.
MAX_EVENTS = 10_000
#: Smallest relative tolerance: SciPy's solvers raise any smaller one to 100 machine epsilons.
MIN_RTOL = 100 * float(np.finfo(float).eps)
#: Relative round-off allowed between the last output time and ``t_end`` (e.g.
#: ``numpy.arange(0, 0.35, 0.1)`` ends at 0.30000000000000004 for ``t_end = 0.3``).
TIME_ROUND_OFF = 1e-12


def check_parameters(model: Model, params: Mapping[str, Any] | None) -> np.ndarray:
    """Parameter vector (in declaration order) from defaults overridden by ``params``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> vector = check_parameters(model, {"stem_self_renewal": np.float32(0.875)})
    >>> float(vector[0]), len(vector)
    (0.875, 6)
    >>> check_parameters(model, {"stem_self_renewal": 2.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: ...'stem_self_renewal' = 2.0 is not allowed; allowed: [0, 1]...
    """
    values = np.array([p.value for p in model.parameters], dtype=float)
    if params is None:
        return values
    index = model.parameter_index
    for name, value in rules.mapping(params, "params", model=model.name).items():
        if name not in index:
            raise unknown_name("parameter", name, model.parameter_names, model=model.name)
        parameter = model.parameters[index[name]]
        field = f"parameter {name!r}"
        number = rules.number(
            value,
            field,
            unit=describe_unit(parameter.unit),
            model=model.name,
            allowed=parameter.bounds_text(),
        )
        if not parameter.contains(number):
            raise invalid_value(
                field, value, parameter.bounds_text(), parameter.unit, model=model.name
            )
        values[index[name]] = number
    return values


def _initial_value(model: Model, name: str, value: Any, field: str) -> float:
    state = model.states[model.state_index[name]]
    return rules.number(
        value,
        f"{field} of {name!r}",
        low=0.0 if state.nonnegative else None,
        unit=describe_unit(state.unit),
        model=model.name,
    )


def check_initial(
    model: Model, y0: Mapping[str, Any] | Sequence[float] | None, *, field: str = "initial value"
) -> np.ndarray:
    """Initial state vector from defaults overridden by ``y0`` (a mapping or a full vector).

    Values of states declared non-negative must be >= 0.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_initial(model, {"stem_cells": 0.0}).tolist()
    [0.0, 2000000000.0, 400000000.0]
    """
    values = np.array([s.initial for s in model.states], dtype=float)
    if y0 is None:
        return values
    if isinstance(y0, Mapping):
        items = list(rules.mapping(y0, "y0", model=model.name).items())
    elif isinstance(y0, (Sequence, np.ndarray)) and not isinstance(y0, (str, bytes)):
        flat = isinstance(y0, np.ndarray) and y0.ndim == 1
        flat = flat or (
            not isinstance(y0, np.ndarray)
            and not any(isinstance(v, (Sequence, np.ndarray, Mapping)) for v in y0)
        )
        if not flat or len(y0) != len(model.states):
            size = f"{len(y0)} values" if flat else "nested values"
            raise ModelError(
                f"{model.name}: y0 has {size}; allowed: exactly "
                f"{len(model.states)} values (one per state: {', '.join(model.state_names)}), "
                "or a mapping of state names.",
                field="y0",
                value=y0,
            )
        items = list(zip(model.state_names, y0, strict=True))
    else:
        raise ModelError(
            f"{model.name}: y0 = {y0!r} is not allowed; allowed: a mapping of state names to "
            "values or a sequence with one value per state.",
            field="y0",
            value=y0,
        )
    for name, value in items:
        if name not in model.state_index:
            raise unknown_name("state", name, model.state_names, model=model.name)
        values[model.state_index[name]] = _initial_value(model, name, value, field)
    return values


def check_time(
    model: Model, t_end: Any, t_eval: Any, n_default: int = 401
) -> tuple[float, np.ndarray]:
    """Validate ``t_end`` and the output grid ``t_eval`` (default: evenly spaced).

    A last output time above ``t_end`` by round-off only (relative :data:`TIME_ROUND_OFF`)
    is kept as given, and the simulation runs to it.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> t_end, grid = check_time(model, 10, [0, 5, 10])
    >>> t_end, grid.tolist()
    (10.0, [0.0, 5.0, 10.0])
    >>> check_time(model, 10, None)[1].size  # default grid
    401
    >>> check_time(model, 0.3, np.arange(0, 0.35, 0.1))[0]  # round-off above t_end
    0.30000000000000004
    """
    unit = model.time_unit
    t_end = rules.number(t_end, "t_end", low=0.0, low_open=True, unit=unit, model=model.name)
    if t_end > model.max_time:
        raise invalid_value(
            "t_end",
            t_end,
            f"(0, {number_text(model.max_time)}]",
            unit,
            model=model.name,
            hint="The model's max_time is the longest horizon it was built and tested for.",
        )
    if t_eval is None:
        grid = np.linspace(0.0, t_end, n_default)
        if not np.all(np.diff(grid) > 0):
            raise invalid_value(
                "t_end",
                t_end,
                f"a time long enough for {n_default} distinct output times",
                unit,
                model=model.name,
            )
        return t_end, grid
    allowed = "a non-empty 1-D array of finite times"
    if isinstance(t_eval, (str, bytes, Mapping)) or not isinstance(t_eval, (Sequence, np.ndarray)):
        raise invalid_value("t_eval", t_eval, allowed, unit, model=model.name)
    if not isinstance(t_eval, np.ndarray) and any(not rules.is_number(x) for x in t_eval):
        nested = any(
            isinstance(x, (Sequence, np.ndarray)) and not isinstance(x, (str, bytes))
            for x in t_eval
        )
        hint = None if nested else "Times are numbers; booleans and text are not."
        raise invalid_value("t_eval", t_eval, allowed, unit, model=model.name, hint=hint)
    grid = np.asarray(t_eval)
    if grid.dtype.kind not in "iuf" or grid.ndim != 1 or grid.size == 0:
        raise invalid_value("t_eval", t_eval, allowed, unit, model=model.name)
    grid = grid.astype(float)
    if grid.size > MAX_OUTPUT_POINTS:
        raise invalid_value(
            "len(t_eval)", grid.size, f"at most {MAX_OUTPUT_POINTS}", "points", model=model.name
        )
    if not np.all(np.isfinite(grid)):
        raise invalid_value("t_eval", t_eval, "finite times", unit, model=model.name)
    last = float(grid[-1])
    if grid[0] < 0 or last > t_end * (1 + TIME_ROUND_OFF):
        raise invalid_value(
            "t_eval",
            f"[{number_text(grid[0])} … {number_text(last)}]",
            f"times within [0, t_end = {number_text(t_end)}]",
            unit,
            model=model.name,
        )
    if np.any(np.diff(grid) <= 0):
        bad = int(np.argmax(np.diff(grid) <= 0))
        raise invalid_value(
            "t_eval",
            f"… {number_text(grid[bad])}, {number_text(grid[bad + 1])} … (at index {bad + 1})",
            "strictly increasing times",
            unit,
            model=model.name,
        )
    return max(t_end, last), grid


def _inside(parameter: Parameter, values: Any) -> np.ndarray:
    """Whether each value is finite and within the parameter's bounds (as
    :meth:`~hemomodels.Parameter.contains`, for arrays)."""
    values = np.atleast_1d(np.asarray(values, dtype=float))
    low, high = parameter.bounds
    with np.errstate(invalid="ignore"):
        above = values >= low if parameter.low_inclusive else values > low
        return np.isfinite(values) & above & (values <= high)


def _nonnegative(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values >= 0)


_PER_PATIENT_HINT = (
    "A PerPatient value is read from a column of the cohort table, one value per patient: "
    "use simulate_many(params_table, ...) with that column, or give the number itself."
)


class _PerPatientValues:
    """The cohort table's columns named by :class:`~hemomodels.PerPatient` values (``None``
    for one patient, who has no table), each checked once per use by the rule a number in
    its place meets, naming the patient (row) and column of a failing value."""

    def __init__(self, model: Model, columns: Mapping[str, np.ndarray] | None) -> None:
        self.model = model
        self.columns = columns
        self.checked: set[tuple[str, str]] = set()

    def check(
        self,
        value: PerPatient,
        field: str,
        allowed: str,
        unit: str,
        ok: Callable[[np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """The column's values, after checking every patient's value with ``ok``."""
        model = self.model
        if self.columns is None:
            raise invalid_value(
                field, value, allowed, unit, model=model.name, hint=_PER_PATIENT_HINT
            )
        if value.column not in self.columns:
            raise unknown_name(
                "params_table column", value.column, list(self.columns), model=model.name
            )
        values = self.columns[value.column]
        if (field, value.column) not in self.checked:
            good = ok(values)
            if not good.all():
                patient = int(np.argmin(good))
                raise invalid_value(
                    f"{field} for patient {patient} (params_table column {value.column!r}, "
                    f"row {patient})",
                    float(values[patient]),
                    allowed,
                    unit,
                    model=model.name,
                )
            self.checked.add((field, value.column))
        return values

    def amount(self, value: Any, field: str, target: str) -> Any:
        """An amount into ``target``: >= 0 for every patient (a number was checked when its
        event was made)."""
        if not isinstance(value, PerPatient):
            return value
        state = self.model.states[self.model.state_index[target]]
        return self.check(
            value, field, "a finite number >= 0", describe_unit(state.unit), _nonnegative
        )

    def factor(self, value: Any, field: str) -> Any:
        """A factor of a parameter: >= 0 for every patient."""
        if not isinstance(value, PerPatient):
            return value
        return self.check(value, field, "a finite number >= 0", "dimensionless", _nonnegative)

    def parameters(self, values: Mapping[str, Any], field: str) -> dict[str, Any]:
        """New parameter values: known parameters, within their bounds (every patient)."""
        model = self.model
        numbers = {k: v for k, v in values.items() if not isinstance(v, PerPatient)}
        vector = check_parameters(model, numbers)
        result: dict[str, Any] = {}
        for name, value in values.items():
            if name not in model.parameter_index:
                raise unknown_name("parameter", name, model.parameter_names, model=model.name)
            parameter = model.parameters[model.parameter_index[name]]
            if isinstance(value, PerPatient):
                result[name] = self.check(
                    value,
                    f"{field} {name!r}",
                    parameter.bounds_text(),
                    parameter.unit,
                    partial(_inside, parameter),
                )
            else:
                result[name] = float(vector[model.parameter_index[name]])
        return result

    def factors(self, factors: Mapping[str, Any], field: str) -> dict[str, Any]:
        """Factors of known parameters, >= 0 (every patient)."""
        model = self.model
        for name in factors:
            if name not in model.parameter_index:
                raise unknown_name("parameter", name, model.parameter_names, model=model.name)
        return {name: self.factor(f, f"{field}[{name!r}]") for name, f in factors.items()}


def _check_scaled_values(
    model: Model,
    events: Sequence[Event],
    params: np.ndarray,
    lookup: _PerPatientValues,
    unknown: Collection[str] = (),
) -> None:
    """Walk the parameter changes in time order from ``params`` (a vector, or a matrix with
    one column per patient) and check that every scaled value is within its parameter's
    bounds for every patient. Parameters in ``unknown`` (set or scaled by a
    :class:`~hemomodels.When`, whose time is not known in advance) are checked when each
    change is applied instead."""
    if not any(isinstance(event, ParameterChange) and event.scale for event in events):
        return
    current = np.array(params, dtype=float)
    cohort = current.ndim == 2
    for event in events:
        if not isinstance(event, ParameterChange):
            continue
        values = lookup.parameters(event.values, "parameter")
        for name, value in values.items():
            current[model.parameter_index[name]] = value
        factors = lookup.factors(event.scale, "parameter change scale")
        for name, factor in factors.items():
            if name in unknown:
                continue
            row = model.parameter_index[name]
            scaled = current[row] * factor
            current[row] = scaled
            parameter = model.parameters[row]
            good = _inside(parameter, scaled)
            if good.all():
                continue
            patient = int(np.argmin(good))
            shown_factor = float(np.broadcast_to(factor, good.shape)[patient])
            who = f" for patient {patient}" if cohort else ""
            raise invalid_value(
                f"parameter {name!r} scaled × {shown_factor:g} at t = {event.time:g} "
                f"{model.time_unit}{who}",
                float(np.atleast_1d(scaled)[patient]),
                parameter.bounds_text(),
                parameter.unit,
                model=model.name,
                hint="The factor multiplies the value in effect at that time.",
            )


def check_doses(
    model: Model,
    doses: Any,
    t_end: float,
    *,
    params: np.ndarray | None = None,
    columns: Mapping[str, np.ndarray] | None = None,
    set_by_conditions: Collection[str] = (),
) -> tuple[Event, ...]:
    """Events sorted by time: doses into known compartments and parameter changes within
    bounds, all inside ``[0, t_end]``, at most :data:`MAX_EVENTS` of them.

    Schedules are checked before their doses are built.

    Parameters
    ----------
    model : Model
        The model simulated.
    doses : Dose, Schedule, ParameterChange, Infusion or list of them
        What the caller gave (without the :class:`~hemomodels.When` events:
        see ``hemomodels.doses.split_conditions``).
    t_end : float
        End of the simulation.
    params : numpy.ndarray, optional
        Parameters at time 0: a vector, or a matrix ``(n_parameters, n_patients)`` for a
        cohort. If given, the value every ``ParameterChange.scale`` factor gives (the factor
        times the value in effect then) is checked against the parameter's bounds, for every
        patient.
    columns : mapping of str to numpy.ndarray, optional
        A cohort's per-patient columns (:func:`check_cohort_columns`). Every
        :class:`~hemomodels.PerPatient` value is checked for every patient; without
        ``columns`` (one patient) a ``PerPatient`` is refused.
    set_by_conditions : collection of str
        Parameters that a :class:`~hemomodels.When` sets or scales: the value a later scale
        gives them depends on when (and whether) it fires, so it is checked when applied.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_doses(model, hm.Dose(1.0, "stem_cells", 1e6), t_end=10.0)
    (Dose(time=1.0, target='stem_cells', amount=1000000.0),)
    >>> halve = hm.ParameterChange(1.0, scale={"stem_self_renewal": 2.0})
    >>> check_doses(model, halve, 10.0, params=check_parameters(model, None))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: ...'stem_self_renewal' scaled × 2 at t = 1 day = 1.7 is not...
    """
    items = doses if doses is not None else ()
    if isinstance(items, (Dose, Schedule, ParameterChange, Infusion)):
        items = (items,)
    try:
        if isinstance(items, (str, bytes, Mapping)):
            raise TypeError
        items = tuple(items)
    except TypeError:  # not iterable (a number, a 0-d array, …)
        raise ModelError(
            f"{model.name}: doses = {doses!r} is not allowed; allowed: a Dose, a Schedule, an "
            "Infusion, a ParameterChange, or a list of them.",
            field="doses",
            value=doses,
        ) from None
    unit = model.time_unit
    total = 0
    for item in items:
        if isinstance(item, Schedule):
            last = item.start + (item.count - 1) * item.every
            if last > t_end:
                raise invalid_value(
                    f"last dose of the schedule into {item.target!r} (dose {item.count} at "
                    f"start + (count - 1) × every)",
                    last,
                    f"[0, t_end = {number_text(t_end)}]",
                    unit,
                    model=model.name,
                    hint="Lower count, or simulate longer.",
                )
            total += item.count
        else:
            total += 1
        if total > MAX_EVENTS:
            raise invalid_value(
                "number of events (doses and parameter changes)",
                total,
                f"at most {MAX_EVENTS:,}",
                "events",
                model=model.name,
            )
    expanded = expand_doses(items)
    lookup = _PerPatientValues(model, columns)
    for event in expanded:
        if isinstance(event, (Dose, Infusion)):
            kind = "dose" if isinstance(event, Dose) else "infusion"
            if event.target not in model.state_index:
                raise unknown_name(
                    f"{kind} target compartment",
                    event.target,
                    model.state_names,
                    model=model.name,
                )
            lookup.amount(event.amount, f"{kind} amount into {event.target!r}", event.target)
            what = f"{'time' if kind == 'dose' else 'start'} of the {kind} into {event.target!r}"
        else:
            lookup.parameters(event.values, "parameter")
            lookup.factors(event.scale, "parameter change scale")
            what = f"time of the parameter change {sorted(event.names)}"
        if event.time > t_end:
            raise invalid_value(
                what, event.time, f"[0, t_end = {number_text(t_end)}]", unit, model=model.name
            )
    if params is not None:
        _check_scaled_values(model, expanded, params, lookup, set_by_conditions)
    return expanded


def check_conditions(
    model: Model,
    conditions: Sequence[When],
    *,
    columns: Mapping[str, np.ndarray] | None = None,
) -> tuple[When, ...]:
    """State-triggered events whose variable, dose targets and parameters belong to
    ``model`` (values within the parameters' bounds, amounts and factors >= 0).

    :class:`~hemomodels.PerPatient` values are checked for every patient of ``columns`` (a
    cohort's per-patient columns), and refused without them. The value a ``scale`` gives is
    known only when the event fires, and is checked then.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_conditions(model, [hm.When("neutrophil", below=1e8, dose={"stem_cells": 1e6})])
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: ...unknown state or observable 'neutrophil'...
    """
    known = [*model.state_names, *model.observable_names]
    lookup = _PerPatientValues(model, columns)
    for condition in conditions:
        rules.name(
            condition.variable, "When variable", known, kind="state or observable", model=model.name
        )
        for target, amount in condition.dose.items():
            if target not in model.state_index:
                raise unknown_name(
                    "When dose target compartment", target, model.state_names, model=model.name
                )
            lookup.amount(amount, f"When dose[{target!r}]", target)
        lookup.parameters(condition.set, "When set parameter")
        lookup.factors(condition.scale, "When scale")
    if len(conditions) > MAX_EVENTS:
        raise invalid_value(
            "number of state-triggered events",
            len(conditions),
            f"at most {MAX_EVENTS:,}",
            "events",
            model=model.name,
        )
    return tuple(conditions)


def check_method(model: Model, method: Any) -> str:
    """The integration method must be one SciPy provides (see ``solver.METHODS``).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_method(model, "BDF")
    'BDF'
    """
    from .solver import METHODS

    return rules.choice(method, "method", METHODS, model=model.name)


def check_backend(model: Model, backend: Any) -> str:
    """The backend must be ``"auto"``, ``"scipy"`` or ``"compiled"`` (see
    :mod:`hemomodels.compiled`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_backend(model, "scipy")
    'scipy'
    """
    from .compiled import BACKENDS

    return rules.choice(backend, "backend", BACKENDS, model=model.name)


def check_tolerance(model: Model, name: str, value: Any) -> float:
    """Solver tolerances must be finite and below 1; ``rtol`` at least
    :data:`MIN_RTOL` (SciPy would silently raise a smaller one to it), ``atol`` above 0.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_tolerance(model, "rtol", 1e-6)
    1e-06
    """
    return rules.number(
        value,
        name,
        low=MIN_RTOL if name == "rtol" else 0.0,
        high=1.0,
        low_open=name != "rtol",
        high_open=True,
        unit="relative" if name == "rtol" else "state units",
        model=model.name,
    )


def check_max_evaluations(model: Model, value: Any) -> int:
    """The work limit: right-hand-side evaluations per piece, an integer >= 100.

    Examples
    --------
    >>> import hemomodels as hm
    >>> check_max_evaluations(hm.models.marciniak_czochra_2009(), 10_000)
    10000
    """
    return rules.integer(value, "max_evaluations", low=100, unit="evaluations", model=model.name)


def _memory_bytes() -> float:
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # not on this platform: no limit
        return float("inf")


def check_output_size(model: Model, n_patients: int, n_times: int) -> None:
    """Refuse a simulation whose output cannot fit in this machine's memory.

    The output holds every state, observable and parameter at every output time, for every
    patient, as 8-byte floats.

    Examples
    --------
    >>> import hemomodels as hm
    >>> check_output_size(hm.models.marciniak_czochra_2009(), 10, 401)
    """
    per_patient = len(model.states) + len(model.observables) + len(model.parameters)
    size = float(n_patients) * per_patient * n_times * 8
    if size > 0.5 * _memory_bytes():
        raise invalid_value(
            "output size (patients × variables × times × 8 bytes)",
            f"{n_patients:,} × {per_patient} × {n_times:,} × 8 = {size / 2**30:.3g} GiB",
            f"at most half this machine's memory ({_memory_bytes() / 2**30:.3g} GiB)",
            "bytes",
            model=model.name,
            hint="Simulate fewer patients at a time, or fewer output times.",
        )


def _table_columns(model: Model, table: Any) -> dict[str, Any]:
    """The columns of a cohort table by name (a DataFrame or a mapping), not yet checked."""
    import pandas as pd

    if isinstance(table, pd.DataFrame):
        for column in table.columns:
            if not isinstance(column, str):
                raise ModelError(
                    f"{model.name}: params_table has the column {column!r}; allowed: column "
                    "names (str) of parameters or states.",
                    field="params_table",
                    value=column,
                )
        return {c: table[c].to_numpy() for c in table.columns}
    if isinstance(table, Mapping):
        return rules.mapping(table, "params_table", model=model.name)
    raise ModelError(
        f"{model.name}: params_table of type {type(table).__name__} is not allowed; "
        "allowed: a pandas DataFrame (one row per patient) or a mapping of names to 1-D "
        "arrays of equal length.",
        field="params_table",
        value=type(table).__name__,
    )


def _table_series(model: Model, name: str, column: Any) -> np.ndarray:
    return rules.series(
        column,
        f"params_table column {name!r}",
        model=model.name,
        unit="one value per patient",
        finite=False,  # a NaN or ∞ is reported later with the patient it belongs to
    )


def check_cohort_table(
    model: Model, table: Any, *, referenced: Collection[str] = ()
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Parameter matrix ``(n_parameters, n_patients)`` and initial states ``(n_states, n)``.

    ``table`` is a :class:`pandas.DataFrame` (one row per patient) or a mapping of names to
    1-D arrays of equal length. Columns name parameters, or states for per-patient initial
    values; missing parameters take their defaults. A column named in ``referenced`` (by a
    :class:`~hemomodels.PerPatient` value of the doses, read with
    :func:`check_cohort_columns`) may have any name; any other column is refused. Values
    follow the package's number rules: booleans and text are refused.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> params, y0, frame = check_cohort_table(model, {"stem_self_renewal": [0.8, 0.9]})
    >>> params.shape, y0.shape  # (parameters, patients), (states, patients)
    ((6, 2), (3, 2))
    >>> frame.index.name, len(frame)
    ('patient', 2)
    >>> table = {"stem_self_renewal": [0.8, 0.9], "dose": [1e6, 2e6]}
    >>> check_cohort_table(model, table, referenced=["dose"])[0].shape
    (6, 2)
    """
    import pandas as pd

    columns = _table_columns(model, table)
    if not columns:
        raise ModelError(
            f"{model.name}: params_table has no columns; allowed: at least one parameter or "
            "state column.",
            field="params_table",
            value=table,
        )
    arrays: dict[str, np.ndarray] = {}
    for name, column in columns.items():
        known = name in model.parameter_index or name in model.state_index
        if not known and name not in referenced:
            error = unknown_name(
                "parameter or state",
                name,
                [*model.parameter_names, *model.state_names],
                model=model.name,
            )
            raise ModelError(
                f"{error} A column that the doses read with hm.PerPatient is allowed too.",
                field=error.field,
                value=error.value,
                allowed=error.allowed,
            )
        arrays[name] = _table_series(model, name, column)
    sizes = {name: a.size for name, a in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise ModelError(
            f"{model.name}: params_table columns have different lengths {sizes}; allowed: one "
            "value per patient in every column.",
            field="params_table",
            value=sizes,
        )
    n_patients = next(iter(sizes.values()))
    matrix = np.repeat(check_parameters(model, None)[:, None], n_patients, axis=1)
    initial = np.repeat(check_initial(model, None)[:, None], n_patients, axis=1)
    for name, array in arrays.items():
        if name in model.parameter_index:
            parameter = model.parameters[model.parameter_index[name]]
            ok = _inside(parameter, array)
            if not ok.all():
                patient = int(np.argmin(ok))
                raise invalid_value(
                    f"parameter {name!r} of patient {patient}",
                    float(array[patient]),
                    parameter.bounds_text(),
                    parameter.unit,
                    model=model.name,
                )
            matrix[model.parameter_index[name]] = array
        elif name in model.state_index:
            state = model.states[model.state_index[name]]
            ok = np.isfinite(array) & ((array >= 0) if state.nonnegative else True)
            if not ok.all():
                patient = int(np.argmin(ok))
                raise invalid_value(
                    f"initial value of {name!r} for patient {patient}",
                    float(array[patient]),
                    "a finite number >= 0" if state.nonnegative else "a finite number",
                    state.unit,
                    model=model.name,
                )
            initial[model.state_index[name]] = array
    frame = pd.DataFrame(matrix.T, columns=list(model.parameter_names))
    frame.index.name = "patient"
    return matrix, initial, frame


def check_cohort_columns(model: Model, table: Any, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The columns ``names`` of a cohort table (those :class:`~hemomodels.PerPatient` values
    read), one value per patient. A missing column is refused, listing the table's columns;
    the values themselves are checked where they are used (:func:`check_doses`,
    :func:`check_conditions`), naming the patient and column of a bad one.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_cohort_columns(model, {"dose": [1e6, 2e6]}, ["dose"])["dose"].tolist()
    [1000000.0, 2000000.0]
    >>> check_cohort_columns(model, {"dose": [1e6, 2e6]}, ["doses"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: ...unknown params_table column 'doses'; did you mean 'dose'?...
    """
    columns = _table_columns(model, table)
    result = {}
    for name in names:
        if name not in columns:
            error = unknown_name("params_table column", name, list(columns), model=model.name)
            raise ModelError(
                f"{error} A PerPatient value in the doses reads column {name!r}: add it to "
                "the table (one value per patient).",
                field="params_table",
                value=name,
                allowed=error.allowed,
            )
        result[name] = _table_series(model, name, columns[name])
    return result
