"""Linear stability along a parameter: where a steady state stops being stable, and how.

A steady state is stable while every eigenvalue of the Jacobian there has a negative real
part. Following one steady state as a parameter changes, the eigenvalue with the largest real
part (the *leading mode*) tells how the state is lost when that real part crosses zero: a
complex pair crossing (a Hopf bifurcation) starts an oscillation whose period near the
crossing is :math:`2\\pi/|\\mathrm{Im}\\,\\lambda|`; a real eigenvalue crossing (a saddle-node or
transcritical bifurcation) means the state vanishes or exchanges stability with another.
The Jacobian is the model's own (derived once by SymPy, compiled to NumPy).

Examples
--------
>>> import hemomodels as hm
>>> from hemomodels.models.colijn_mackey2005 import normal_state
>>> model = hm.models.colijn_mackey2005(stages=8)
>>> mode = leading_mode(model, normal_state(8))
>>> mode.growth_rate < 0  # the normal state is stable
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import brentq

from . import rules
from .errors import ModelError

if TYPE_CHECKING:
    from .model import Model

__all__ = ["LeadingMode", "StabilityBoundary", "leading_mode", "stability_boundary"]

StateAt = Callable[[Mapping[str, float]], Mapping[str, float]]


@dataclass(frozen=True)
class LeadingMode:
    """The eigenvalue of the Jacobian with the largest real part, at one state.

    Attributes
    ----------
    eigenvalue : complex
        The eigenvalue (1/time unit of the model).
    growth_rate : float
        Its real part: negative when small disturbances die out (1/time unit).
    period : float or None
        :math:`2\\pi/|\\mathrm{Im}\\,\\lambda|` for an oscillating mode (time unit), ``None``
        for a real eigenvalue.
    """

    eigenvalue: complex
    growth_rate: float
    period: float | None


@dataclass(frozen=True)
class StabilityBoundary:
    """Where a steady state followed along one parameter loses its stability.

    Attributes
    ----------
    parameter : str
        The parameter varied.
    value : float
        Its value at the boundary, in the parameter's unit.
    kind : {"oscillation", "real"}
        ``"oscillation"`` when a complex pair crosses (a Hopf bifurcation: an oscillation of
        about ``period`` begins), ``"real"`` when a real eigenvalue crosses.
    period : float or None
        Period of the oscillation that begins (time unit of the model), or ``None``.
    """

    parameter: str
    value: float
    kind: str
    period: float | None


def leading_mode(
    model: Model, state: Mapping[str, float], params: Mapping[str, float] | None = None
) -> LeadingMode:
    """The leading eigenvalue of ``model``'s Jacobian at ``state``.

    Parameters
    ----------
    model : Model
        Any model.
    state : mapping
        A value for every state, by name (usually a steady state).
    params : mapping, optional
        Parameter values by name (defaults otherwise), checked against their bounds.

    Returns
    -------
    LeadingMode

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> stable = [s for s in model.steady_states() if s.stability == "stable"][0]
    >>> leading_mode(model, stable.values).growth_rate < 0
    True
    """
    from .validation import check_initial, check_parameters

    given = rules.mapping(state, "state", model=model.name)
    missing = [name for name in model.state_names if name not in given]
    if missing:
        raise ModelError(
            f"{model.name}: state has no value for {', '.join(missing)}; allowed: a value for "
            "every state, by name.",
            field="state",
            value=missing,
        )
    values = check_initial(model, given, field="state")
    vector = check_parameters(model, params)
    jacobian = np.asarray(model.compiled.jac(0.0, values, vector), dtype=float)
    if not np.all(np.isfinite(jacobian)):
        raise ModelError(
            f"{model.name}: the Jacobian at this state is not finite, so its stability "
            "cannot be computed.",
            field="state",
        )
    eigenvalues = np.linalg.eigvals(jacobian)
    leading = complex(eigenvalues[int(np.argmax(eigenvalues.real))])
    frequency = abs(leading.imag)
    period = 2 * math.pi / frequency if frequency > 1e-9 * max(1.0, abs(leading)) else None
    return LeadingMode(leading, leading.real, period)


def stability_boundary(
    model: Model,
    parameter: str,
    low: float,
    high: float,
    state_at: StateAt,
    *,
    params: Mapping[str, float] | None = None,
    points: int = 41,
) -> StabilityBoundary | None:
    """The first value of ``parameter`` in ``[low, high]`` where the steady state turns unstable.

    The steady state is followed with ``state_at`` (parameter values → state values), the
    leading mode computed on ``points`` evenly spaced values, and the first sign change of its
    growth rate refined with :func:`scipy.optimize.brentq`.

    Parameters
    ----------
    model : Model
        Any model.
    parameter : str
        Name of the parameter to vary.
    low, high : float
        The range searched, inside the parameter's declared bounds (its unit).
    state_at : callable
        Returns the steady state (values by state name) for a mapping of parameter values.
    params : mapping, optional
        Values of the other parameters (defaults otherwise).
    points : int, default 41
        Grid points before refinement (at least 2).

    Returns
    -------
    StabilityBoundary or None
        ``None`` if the state is stable on the whole range or unstable at ``low``.

    Raises
    ------
    ModelError
        For an unknown parameter, a range outside its bounds or ``low >= high``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.models.colijn_mackey2005 import normal_state
    >>> model = hm.models.colijn_mackey2005(stages=8)
    >>> hopf = stability_boundary(model, "stem_apoptosis", 0.07, 0.2,
    ...                           lambda p: normal_state(8, p))
    >>> hopf.kind, round(hopf.value, 3), round(hopf.period, 1)
    ('oscillation', 0.129, 19.0)
    """
    name = rules.name(
        parameter, "parameter", model.parameter_names, kind="parameter", model=model.name
    )
    declared = model.parameter(name)
    given = dict(rules.mapping(params, "params", model=model.name)) if params else {}
    low = rules.number(low, "low", unit=declared.unit, model=model.name)
    high = rules.number(high, "high", unit=declared.unit, model=model.name)
    for value, field in ((low, "low"), (high, "high")):
        if not declared.contains(value):
            raise ModelError(
                f"{model.name}: {field} = {value!r} is outside the bounds of {name} "
                f"({declared.bounds_text()} {declared.unit}).",
                field=field,
                value=value,
            )
    if not low < high:
        raise ModelError(
            f"{model.name}: low = {low!r} must be below high = {high!r} ({declared.unit}).",
            field="low",
            value=low,
        )
    points = rules.integer(points, "points", low=2, unit="1", model=model.name)

    def growth(value: float) -> float:
        values = {**given, name: value}
        return leading_mode(model, state_at(values), values).growth_rate

    grid = np.linspace(low, high, points)
    rates = [growth(float(v)) for v in grid]
    if rates[0] >= 0:
        return None
    for left, right, rate in zip(grid[:-1], grid[1:], rates[1:], strict=True):
        if rate >= 0:
            value = float(brentq(growth, float(left), float(right), xtol=1e-10))
            values = {**given, name: value}
            mode = leading_mode(model, state_at(values), values)
            kind = "oscillation" if mode.period is not None else "real"
            return StabilityBoundary(name, value, kind, mode.period)
    return None
