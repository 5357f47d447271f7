"""Read-outs of one trajectory: nadir, threshold crossings, time spent below a threshold.

All functions take a single-simulation :class:`~hemomodels.Result` (or a cohort result and
a ``patient`` index) and the name of a state or observable. Crossing times are linearly
interpolated between output points, so they do not depend on the grid more than the
trajectory itself does; pass a fine ``t_eval`` for precise answers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelError, invalid_value

if TYPE_CHECKING:
    from ..result import Result

__all__ = ["first_crossing", "nadir", "peak_after_nadir", "recovery_time", "time_below"]


def _series(result: Result, variable: str, patient: int | None) -> tuple[np.ndarray, np.ndarray]:
    from ..result import Result

    if not isinstance(result, Result):
        raise invalid_value(
            "result", result, "a hemomodels.Result from model.simulate or simulate_many", None
        )
    values = result[variable]
    if result.is_cohort:
        if patient is None:
            raise ModelError(
                f"{result.model.name}: this is a cohort of {result.n_patients} patients; "
                "allowed: pass patient=<index> to read one patient.",
                field="patient",
                value=None,
            )
        if not isinstance(patient, int) or not 0 <= patient < result.n_patients:
            raise invalid_value(
                "patient",
                patient,
                f"an index in [0, {result.n_patients - 1}]",
                None,
                model=result.model.name,
            )
        values = values[patient]
    return result.t, np.asarray(values, dtype=float)


def _check_threshold(result: Result, variable: str, threshold: float) -> float:
    if not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
        raise invalid_value(
            "threshold",
            threshold,
            "a finite number",
            result.units.get(variable),
            model=result.model.name,
        )
    return float(threshold)


def nadir(result: Result, variable: str, *, patient: int | None = None) -> tuple[float, float]:
    """Time and value of the lowest point of ``variable`` (first one if repeated).

    Returns
    -------
    (time, value) : tuple of float
        In the model's time unit and the variable's unit.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> result = model.simulate(10, y0={"stem_cells": 1e5, "precursors": 1e6, "neutrophils": 1e7})
    >>> nadir(result, "neutrophils")[0] > 0
    True
    """
    t, values = _series(result, variable, patient)
    index = int(np.argmin(values))
    return float(t[index]), float(values[index])


def _crossings(t: np.ndarray, values: np.ndarray, threshold: float, downward: bool) -> list[float]:
    """Interpolated times where the series crosses ``threshold`` in one direction."""
    below = values < threshold
    changes = np.flatnonzero(below[1:] != below[:-1])
    times = []
    for i in changes:
        going_down = bool(below[i + 1])
        if going_down != downward:
            continue
        v0, v1 = values[i], values[i + 1]
        fraction = (threshold - v0) / (v1 - v0) if v1 != v0 else 0.0
        times.append(float(t[i] + fraction * (t[i + 1] - t[i])))
    return times


def first_crossing(
    result: Result,
    variable: str,
    threshold: float,
    *,
    direction: str = "down",
    after: float = 0.0,
    patient: int | None = None,
) -> float | None:
    """First time after ``after`` at which ``variable`` crosses ``threshold``.

    Parameters
    ----------
    direction : {"down", "up"}
        ``"down"``: from at or above the threshold to below it; ``"up"``: back to at or above.
    after : float
        Ignore crossings before this time.

    Returns
    -------
    float or None
        The interpolated crossing time, or ``None`` if it never happens in the simulation.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()  # time in hours
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> round(first_crossing(result, "ANC", 2.0) / 24, 1)  # days to ANC < 2 x 10^9/L
    4.2
    """
    if direction not in ("down", "up"):
        raise invalid_value("direction", direction, "'down' or 'up'", None)
    threshold = _check_threshold(result, variable, threshold)
    t, values = _series(result, variable, patient)
    for time in _crossings(t, values, threshold, downward=direction == "down"):
        if time >= after:
            return time
    return None


def time_below(
    result: Result, variable: str, threshold: float, *, patient: int | None = None
) -> float:
    """Total time ``variable`` spends below ``threshold`` (interpolated at the crossings).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> round(time_below(result, "ANC", 2.0) / 24, 1)  # days
    7.4
    """
    threshold = _check_threshold(result, variable, threshold)
    t, values = _series(result, variable, patient)
    total = 0.0
    for i in range(t.size - 1):
        v0, v1 = values[i], values[i + 1]
        width = t[i + 1] - t[i]
        if v0 < threshold and v1 < threshold:
            total += width
        elif v0 < threshold or v1 < threshold:
            fraction = (threshold - v0) / (v1 - v0)
            total += width * (fraction if v0 < threshold else 1 - fraction)
    return float(total)


def recovery_time(
    result: Result, variable: str, threshold: float, *, patient: int | None = None
) -> float | None:
    """First time after the nadir at which ``variable`` is back at or above ``threshold``.

    Returns ``None`` if the nadir is not below the threshold (nothing to recover from) or if
    the variable has not recovered by the end of the simulation.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> round(recovery_time(result, "ANC", 2.0) / 24, 1)  # day back at 2 x 10^9/L
    11.6
    """
    threshold = _check_threshold(result, variable, threshold)
    time_of_nadir, lowest = nadir(result, variable, patient=patient)
    if lowest >= threshold:
        return None
    return first_crossing(
        result, variable, threshold, direction="up", after=time_of_nadir, patient=patient
    )


def peak_after_nadir(
    result: Result, variable: str, *, patient: int | None = None
) -> tuple[float, float] | None:
    """Time and value of the highest point after the nadir (the rebound), or ``None`` if the
    nadir is the last output point.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> time, value = peak_after_nadir(result, "ANC")
    >>> round(time / 24, 1), round(value, 2)  # the rebound above baseline
    (19.8, 6.42)
    """
    t, values = _series(result, variable, patient)
    time_of_nadir, _ = nadir(result, variable, patient=patient)
    after = t > time_of_nadir
    if not after.any():
        return None
    index = int(np.argmax(np.where(after, values, -np.inf)))
    return float(t[index]), float(values[index])
