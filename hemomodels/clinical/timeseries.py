"""Read-outs of one trajectory: nadir, threshold crossings, time spent below a threshold.

All functions take a single-simulation :class:`~hemomodels.Result` (or a cohort result and
a ``patient`` index) and the name of a state or observable. Crossing times are linearly
interpolated between output points, so they do not depend on the grid more than the
trajectory itself does; pass a fine ``t_eval`` for precise answers. Times are in the
result's time unit unless a function's name or documentation says days.

One rule for every read-out of a threshold (here, in :mod:`.neutropenia` and
:mod:`.transplant`):

* a value **below** the threshold is ``< threshold``; at or above it counts as recovered;
* the **onset** is the first time the series is below the threshold: the first output time
  if it starts below, otherwise the interpolated downward crossing;
* the **recovery** is the first time at or after the nadir (the lowest point, the first one
  if repeated) at which the series is back at or above the threshold;
* a series that **never falls below** the threshold has no onset and no recovery (both
  ``None``) and spends no time below it; one that has not recovered by the end of the
  simulation has an onset but no recovery.

NaN rule: an observable is NaN where its expression is undefined (e.g. a fraction of two
empty compartments, 0/0). A read-out of a series that holds NaN raises a
:class:`~hemomodels.ModelError` naming the variable and the first time it is undefined,
rather than returning an answer that silently skips those times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .. import rules
from ..errors import ModelError, invalid_value, number_text

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "Episode",
    "below_threshold",
    "first_crossing",
    "nadir",
    "peak_after_nadir",
    "recovery_time",
    "time_below",
    "time_below_each",
]


def _check_result(result: object) -> Result:
    from ..result import Result

    if not isinstance(result, Result):
        raise invalid_value(
            "result", result, "a hemomodels.Result from model.simulate or simulate_many", None
        )
    return result


def _series(result: Result, variable: str, patient: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Times and values of one patient's ``variable``, checked to be defined (no NaN)."""
    result, variable = _variable(result, variable)
    model = result.model.name
    values = result[variable]
    if result.is_cohort:
        if patient is None:
            raise ModelError(
                f"{model}: this is a cohort of {result.n_patients} patients; allowed: pass "
                "patient=<index> to read one patient.",
                field="patient",
                value=None,
            )
        last = result.n_patients - 1
        index = rules.integer(
            patient, "patient", low=0, high=last, model=model, allowed=f"an index in [0, {last}]"
        )
        values = values[index]
    elif patient is not None:
        raise ModelError(
            f"{model}: patient = {patient!r} is not allowed for a single simulation; allowed: "
            "None (patient is for cohort results of simulate_many).",
            field="patient",
            value=patient,
        )
    return result.t, _defined(result, variable, values)


def _defined(result: Result, variable: str, values: np.ndarray) -> np.ndarray:
    """``values`` of ``variable`` (one series, or one row per patient) as floats, refused
    with a :class:`~hemomodels.ModelError` if any is undefined (NaN)."""
    values = np.asarray(values, dtype=float)
    undefined = np.isnan(values)
    if not undefined.any():
        return values
    who = ""
    if values.ndim == 2:
        patient = int(np.flatnonzero(undefined.any(axis=1))[0])
        who, undefined = f" for patient {patient}", undefined[patient]
    times = np.flatnonzero(undefined)
    when = number_text(result.t[times[0]])
    raise ModelError(
        f"{result.model.name}: {variable!r} is undefined (NaN){who} from t = {when} "
        f"{result.time_unit} ({times.size} of {undefined.size} output times), e.g. a fraction "
        "of compartments that are all empty (0/0); read-outs need a defined series.",
        field=f"values of {variable!r}",
        value=float("nan"),
    )


def _variable(result: object, variable: object) -> tuple[Result, str]:
    """The result and the name of one of its states or observables, both checked."""
    checked = _check_result(result)
    name = rules.name(
        variable, "variable", checked.names, kind="state or observable", model=checked.model.name
    )
    return checked, name


def _threshold(result: Result, variable: str, threshold: float, *, low: float | None = None):
    result, variable = _variable(result, variable)
    return rules.number(
        threshold,
        "threshold",
        low=low,
        low_open=low is not None,
        unit=result.units[variable],
        model=result.model.name,
    )


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


def nadir(result: Result, variable: str, *, patient: int | None = None) -> tuple[float, float]:
    """Time and value of the lowest point of ``variable`` (first one if repeated).

    Returns
    -------
    (time, value) : tuple of float
        In the result's time unit and the variable's unit.

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


def first_crossing(
    result: Result,
    variable: str,
    threshold: float,
    *,
    direction: str = "down",
    after: float = 0.0,
    patient: int | None = None,
) -> float | None:
    """First time at or after ``after`` at which ``variable`` crosses ``threshold``.

    Parameters
    ----------
    direction : {"down", "up"}
        ``"down"``: from at or above the threshold to below it; ``"up"``: back to at or above.
    after : float
        Ignore crossings before this time (result's time unit).

    Returns
    -------
    float or None
        The interpolated crossing time, or ``None`` if it never happens in the simulation. A
        series that is already below (for ``"down"``) at its first output time has not
        crossed there; ``below_threshold`` reports that onset.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()  # time in hours
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> round(first_crossing(result, "ANC", 2.0) / 24, 1)  # days to ANC < 2 x 10^9/L
    4.2
    """
    result = _check_result(result)
    direction = rules.choice(direction, "direction", ("down", "up"), model=result.model.name)
    threshold = _threshold(result, variable, threshold)
    after = rules.number(after, "after", unit=result.time_unit, model=result.model.name)
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
    threshold = _threshold(_check_result(result), variable, threshold)
    t, values = _series(result, variable, patient)
    return float(time_below_each(t, values, threshold))


def time_below_each(t: np.ndarray, values: np.ndarray, threshold: float) -> np.ndarray:
    """Time below ``threshold`` of each series: :func:`time_below` on arrays, for many
    patients at once.

    Between two output times the series is taken as linear, so an interval with both ends
    below counts whole and one with one end below counts up to the interpolated crossing.

    Parameters
    ----------
    t : numpy.ndarray
        Output times, shape ``(n_t,)``.
    values : numpy.ndarray
        One series ``(n_t,)`` or one per patient ``(n_patients, n_t)``, defined (no NaN).
    threshold : float
        In the unit of ``values``.

    Returns
    -------
    float or numpy.ndarray
        Total time below, in the unit of ``t``: one value per series.

    Examples
    --------
    >>> t = np.array([0.0, 1.0, 2.0])
    >>> time_below_each(t, np.array([[2.0, 0.0, 2.0], [0.0, 0.0, 0.0]]), 1.0).tolist()
    [1.0, 2.0]
    """
    start, end = values[..., :-1], values[..., 1:]
    starts_below, ends_below = start < threshold, end < threshold
    with np.errstate(divide="ignore", invalid="ignore"):  # used only where the ends differ
        crossing = (threshold - start) / (end - start)  # fraction of the interval
    share = np.where(
        starts_below & ends_below,
        1.0,
        np.where(starts_below, crossing, np.where(ends_below, 1.0 - crossing, 0.0)),
    )
    return np.sum(share * np.diff(t), axis=-1)


@dataclass(frozen=True)
class Episode:
    """A series read against a threshold, by the module's one rule.

    Attributes
    ----------
    threshold : float
        The threshold, in the variable's unit.
    onset : float or None
        First time below the threshold (the first output time if the series starts below);
        ``None`` if it never falls below.
    nadir_time : float
        Time of the lowest point (the first one if repeated).
    nadir : float
        Value at the lowest point.
    recovery : float or None
        First time at or after the nadir back at or above the threshold; ``None`` if the
        series never falls below it or has not recovered by the end.
    time_below : float
        Total time below the threshold.
    """

    threshold: float
    onset: float | None
    nadir_time: float
    nadir: float
    recovery: float | None
    time_below: float


def below_threshold(
    result: Result, variable: str, threshold: float, *, patient: int | None = None
) -> Episode:
    """Onset, nadir, recovery and time below ``threshold`` of one series (the one rule of
    this module).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> episode = below_threshold(result, "ANC", 1.0)
    >>> [round(x / 24, 1) for x in (episode.onset, episode.nadir_time, episode.recovery)]
    [5.9, 7.8, 9.5]
    """
    result = _check_result(result)
    threshold = _threshold(result, variable, threshold)
    t, values = _series(result, variable, patient)
    index = int(np.argmin(values))
    lowest, at = float(values[index]), float(t[index])
    if lowest >= threshold:
        return Episode(threshold, None, at, lowest, None, 0.0)
    if values[0] < threshold:
        onset: float | None = float(t[0])
    else:
        onset = _crossings(t, values, threshold, downward=True)[0]
    after_nadir = [c for c in _crossings(t, values, threshold, downward=False) if c >= at]
    recovery = after_nadir[0] if after_nadir else None
    return Episode(
        threshold,
        onset,
        at,
        lowest,
        recovery,
        time_below(result, variable, threshold, patient=patient),
    )


def recovery_time(
    result: Result, variable: str, threshold: float, *, patient: int | None = None
) -> float | None:
    """First time after the nadir at which ``variable`` is back at or above ``threshold``.

    Returns ``None`` if the series never falls below the threshold (nothing to recover from)
    or has not recovered by the end of the simulation (see the module's rule).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> round(recovery_time(result, "ANC", 2.0) / 24, 1)  # day back at 2 x 10^9/L
    11.6
    """
    return below_threshold(result, variable, threshold, patient=patient).recovery


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
