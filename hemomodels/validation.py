"""Checks of user input, run before any integration starts.

Each function returns clean NumPy values or raises :class:`hemomodels.ModelError` with a
message naming the field, the value given, the allowed range and the unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .doses import Dose, Event, expand_doses
from .errors import ModelError, invalid_value, unknown_name

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = [
    "check_parameters",
    "check_initial",
    "check_time",
    "check_doses",
    "check_tolerance",
    "check_method",
    "check_cohort_table",
]

#: Largest number of output time points a simulation may return.
MAX_OUTPUT_POINTS = 1_000_000


def _as_float(field: str, value: Any, allowed: str, unit: str | None, model: str) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, Real) or isinstance(value, bool):
        raise invalid_value(
            field, value, allowed, unit, model=model, hint="Give a plain number (int or float)."
        )
    value = float(value)
    if not math.isfinite(value):
        raise invalid_value(field, value, allowed, unit, model=model)
    return value


def _check_mapping(field: str, values: Any, model: str) -> Mapping[str, Any]:
    if not isinstance(values, Mapping):
        raise ModelError(
            f"{model}: {field} = {values!r} is not allowed; allowed: a mapping of names to "
            "values, e.g. {'name': 1.0}.",
            field=field,
            value=values,
        )
    return values


def check_parameters(model: Model, params: Mapping[str, Any] | None) -> np.ndarray:
    """Parameter vector (in declaration order) from defaults overridden by ``params``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> vector = check_parameters(model, {"stem_self_renewal": 0.9})
    >>> float(vector[0]), len(vector)
    (0.9, 6)
    >>> check_parameters(model, {"stem_self_renewal": 2.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: ...'stem_self_renewal' = 2.0 is not allowed; allowed: [0, 1]...
    """
    values = np.array([p.value for p in model.parameters], dtype=float)
    if params is None:
        return values
    params = _check_mapping("params", params, model.name)
    index = model.parameter_index
    for name, value in params.items():
        if name not in index:
            raise unknown_name("parameter", name, index, model=model.name)
        parameter = model.parameters[index[name]]
        allowed = parameter.bounds_text()
        number = _as_float(f"parameter {name!r}", value, allowed, parameter.unit, model.name)
        if not parameter.contains(number):
            raise invalid_value(
                f"parameter {name!r}", number, allowed, parameter.unit, model=model.name
            )
        values[index[name]] = number
    return values


def check_initial(model: Model, y0: Mapping[str, Any] | Sequence[float] | None) -> np.ndarray:
    """Initial state vector from defaults overridden by ``y0`` (a mapping or a full vector).

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
        items = list(y0.items())
    elif isinstance(y0, (Sequence, np.ndarray)) and not isinstance(y0, (str, bytes)):
        if len(y0) != len(model.states):
            raise ModelError(
                f"{model.name}: y0 has {len(y0)} values; allowed: exactly {len(model.states)} "
                f"(one per state: {', '.join(model.state_names)}), or a mapping of state names.",
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
    index = model.state_index
    for name, value in items:
        if name not in index:
            raise unknown_name("state", name, index, model=model.name)
        state = model.states[index[name]]
        number = _as_float(
            f"initial value of {name!r}", value, "a finite number >= 0", state.unit, model.name
        )
        if number < 0:
            raise invalid_value(
                f"initial value of {name!r}",
                number,
                "a finite number >= 0",
                state.unit,
                model=model.name,
            )
        values[index[name]] = number
    return values


def check_time(
    model: Model, t_end: Any, t_eval: Any, n_default: int = 401
) -> tuple[float, np.ndarray]:
    """Validate ``t_end`` and the output grid ``t_eval`` (default: evenly spaced).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> t_end, grid = check_time(model, 10, [0, 5, 10])
    >>> t_end, grid.tolist()
    (10.0, [0.0, 5.0, 10.0])
    >>> check_time(model, 10, None)[1].size  # default grid
    401
    """
    unit = model.time_unit
    t_end = _as_float("t_end", t_end, "a finite number > 0", unit, model.name)
    if t_end <= 0:
        raise invalid_value("t_end", t_end, "a finite number > 0", unit, model=model.name)
    if t_end > model.max_time:
        raise invalid_value(
            "t_end",
            t_end,
            f"(0, {model.max_time:g}]",
            unit,
            model=model.name,
            hint="Such a long horizon is outside what the model was built for.",
        )
    if t_eval is None:
        return t_end, np.linspace(0.0, t_end, n_default)
    if isinstance(t_eval, (str, bytes)):
        raise invalid_value("t_eval", t_eval, "a 1-D array of times", unit, model=model.name)
    try:
        grid = np.asarray(t_eval, dtype=float)
    except (TypeError, ValueError):
        raise invalid_value(
            "t_eval", t_eval, "a 1-D array of finite times", unit, model=model.name
        ) from None
    if grid.ndim != 1 or grid.size == 0:
        raise invalid_value(
            "t_eval", t_eval, "a non-empty 1-D array of times", unit, model=model.name
        )
    if grid.size > MAX_OUTPUT_POINTS:
        raise invalid_value(
            "len(t_eval)", grid.size, f"at most {MAX_OUTPUT_POINTS}", "points", model=model.name
        )
    if not np.all(np.isfinite(grid)):
        raise invalid_value("t_eval", t_eval, "finite times", unit, model=model.name)
    if grid[0] < 0 or grid[-1] > t_end:
        raise invalid_value(
            "t_eval",
            f"[{grid[0]:g} … {grid[-1]:g}]",
            f"times within [0, t_end = {t_end:g}]",
            unit,
            model=model.name,
        )
    if np.any(np.diff(grid) <= 0):
        bad = int(np.argmax(np.diff(grid) <= 0))
        raise invalid_value(
            "t_eval",
            f"… {grid[bad]:g}, {grid[bad + 1]:g} … (at index {bad + 1})",
            "strictly increasing times",
            unit,
            model=model.name,
        )
    return t_end, grid


def check_doses(model: Model, doses: Any, t_end: float) -> tuple[Event, ...]:
    """Events sorted by time: doses into known compartments and parameter changes within
    bounds, all inside ``[0, t_end]``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_doses(model, hm.Dose(1.0, "stem_cells", 1e6), t_end=10.0)
    (Dose(time=1.0, target='stem_cells', amount=1000000.0),)
    """
    expanded = expand_doses(doses if doses is not None else ())
    index = model.state_index
    for event in expanded:
        if isinstance(event, Dose):
            if event.target not in index:
                raise unknown_name("dose target compartment", event.target, index, model=model.name)
            what = f"time of the dose into {event.target!r}"
        else:
            check_parameters(model, event.values)
            what = f"time of the parameter change {sorted(event.values)}"
        if event.time > t_end:
            raise invalid_value(
                what, event.time, f"[0, t_end = {t_end:g}]", model.time_unit, model=model.name
            )
    return expanded


def check_method(model: Model, method: Any) -> str:
    """The integration method must be one SciPy provides (see ``integrate.METHODS``).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_method(model, "BDF")
    'BDF'
    """
    from .integrate import METHODS

    if method not in METHODS:
        raise ModelError(
            f"{model.name}: method = {method!r} is not allowed; allowed: {', '.join(METHODS)}.",
            field="method",
            value=method,
            allowed=", ".join(METHODS),
        )
    return method


def check_tolerance(model: Model, name: str, value: Any) -> float:
    """Solver tolerances must be finite and in (0, 1).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> check_tolerance(model, "rtol", 1e-6)
    1e-06
    """
    number = _as_float(
        name,
        value,
        "a number in (0, 1)",
        "relative" if name == "rtol" else "state units",
        model.name,
    )
    if not 0 < number < 1:
        raise invalid_value(
            name,
            number,
            "a number in (0, 1)",
            "relative" if name == "rtol" else "state units",
            model=model.name,
        )
    return number


def check_cohort_table(model: Model, table: Any) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Parameter matrix ``(n_parameters, n_patients)`` and initial states ``(n_states, n)``.

    ``table`` is a :class:`pandas.DataFrame` (one row per patient) or a mapping of names to
    1-D arrays of equal length. Columns name parameters, or states for per-patient initial
    values; missing parameters take their defaults.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> params, y0, frame = check_cohort_table(model, {"stem_self_renewal": [0.8, 0.9]})
    >>> params.shape, y0.shape  # (parameters, patients), (states, patients)
    ((6, 2), (3, 2))
    >>> frame.index.name, len(frame)
    ('patient', 2)
    """
    import pandas as pd

    if isinstance(table, pd.DataFrame):
        columns = {str(c): table[c].to_numpy() for c in table.columns}
    elif isinstance(table, Mapping):
        columns = dict(table)
    else:
        raise ModelError(
            f"{model.name}: params_table of type {type(table).__name__} is not allowed; "
            "allowed: a pandas DataFrame (one row per patient) or a mapping of names to 1-D "
            "arrays of equal length.",
            field="params_table",
            value=type(table).__name__,
        )
    if not columns:
        raise ModelError(
            f"{model.name}: params_table has no columns; allowed: at least one parameter or "
            "state column.",
            field="params_table",
            value=table,
        )
    lengths = set()
    arrays: dict[str, np.ndarray] = {}
    for name, column in columns.items():
        if name not in model.parameter_index and name not in model.state_index:
            raise unknown_name(
                "parameter or state",
                name,
                [*model.parameter_names, *model.state_names],
                model=model.name,
            )
        try:
            array = np.asarray(column, dtype=float)
        except (TypeError, ValueError):
            raise ModelError(
                f"{model.name}: params_table column {name!r} holds non-numeric values; "
                "allowed: finite numbers.",
                field=f"params_table[{name!r}]",
                value=column,
            ) from None
        if array.ndim != 1 or array.size == 0:
            raise ModelError(
                f"{model.name}: params_table column {name!r} has shape {array.shape}; allowed: "
                "a non-empty 1-D array with one value per patient.",
                field=f"params_table[{name!r}]",
                value=array.shape,
            )
        lengths.add(array.size)
        arrays[name] = array
    if len(lengths) != 1:
        sizes = {name: a.size for name, a in arrays.items()}
        raise ModelError(
            f"{model.name}: params_table columns have different lengths {sizes}; allowed: one "
            "value per patient in every column.",
            field="params_table",
            value=sizes,
        )
    n_patients = lengths.pop()
    matrix = np.repeat(check_parameters(model, None)[:, None], n_patients, axis=1)
    initial = np.repeat(check_initial(model, None)[:, None], n_patients, axis=1)
    for name, array in arrays.items():
        if name in model.parameter_index:
            parameter = model.parameters[model.parameter_index[name]]
            ok = np.array([parameter.contains(float(v)) for v in array])
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
        else:
            state = model.states[model.state_index[name]]
            ok = np.isfinite(array) & (array >= 0)
            if not ok.all():
                patient = int(np.argmin(ok))
                raise invalid_value(
                    f"initial value of {name!r} for patient {patient}",
                    float(array[patient]),
                    "a finite number >= 0",
                    state.unit,
                    model=model.name,
                )
            initial[model.state_index[name]] = array
    frame = pd.DataFrame(matrix.T, columns=model.parameter_names)
    frame.index.name = "patient"
    return matrix, initial, frame
