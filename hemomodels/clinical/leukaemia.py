"""Leukaemia read-outs: exponential slopes of tumour markers, take-over times, blast threshold.

* :func:`log_slope` fits the rate of exponential decline (or growth) of a marker such as the
  BCR-ABL ratio over a time window, by least squares on the natural logarithm.
* :func:`takeover_time` finds when one population (e.g. imatinib-resistant cells) first
  outnumbers another (the sensitive cells).
* :data:`AML_BLAST_THRESHOLD` is the blast percentage at which the WHO classification
  diagnoses acute myeloid leukaemia; :func:`blast_threshold_day` finds when a simulated marrow
  passes it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import rules
from ..errors import ModelError, invalid_value
from ..units import days_per
from .timeseries import _check_result, _series, first_crossing

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "AML_BLAST_THRESHOLD",
    "MMR_LOG_REDUCTION",
    "major_molecular_response_day",
    "blast_threshold_day",
    "log_slope",
    "takeover_time",
    "therapy_periods",
    "therapy_slopes",
    "therapy_windows",
    "log_fit_line",
]

#: Major molecular response: a BCR-ABL1 ratio at least 3 logs (1,000-fold) below the
#: standardised baseline, i.e. ≤ 0.1 % on the International Scale (``branford2008``).
MMR_LOG_REDUCTION = 3.0

#: Fit windows (days after the start of therapy) for the two phases of decline of the BCR-ABL
#: ratio: after the terminal cells have followed (a few days) and before the bend, then in the
#: progenitor phase.
PHASE_WINDOWS = {"first phase": (20.0, 120.0), "second phase": (200.0, 300.0)}

#: Marrow (or blood) blast percentage from which the WHO classification (2001, kept in 2008)
#: diagnoses AML, lowered from 30 % in the earlier FAB classification (``vardiman2002``;
#: threshold verified in secondary summaries of the classification, not in its text). Some
#: genetically defined AML types are diagnosed at lower counts.
AML_BLAST_THRESHOLD = 20.0


def _window(t: np.ndarray, t_start: float, t_stop: float, model: str) -> np.ndarray:
    t_start = rules.number(t_start, "t_start", unit="model time unit", model=model)
    t_stop = rules.number(t_stop, "t_stop", unit="model time unit", model=model)
    if not t_start < t_stop:
        raise invalid_value(
            "fit window", (t_start, t_stop), "t_start < t_stop", "model time unit", model=model
        )
    inside = (t >= t_start) & (t <= t_stop)
    if np.count_nonzero(inside) < 2:
        raise invalid_value(
            "fit window",
            (t_start, t_stop),
            f"a window holding at least two output times (outputs span [{t[0]:g}, {t[-1]:g}])",
            "model time unit",
            model=model,
        )
    return inside


def log_slope(
    result: Result,
    variable: str,
    t_start: float,
    t_stop: float,
    *,
    patient: int | None = None,
) -> float:
    """Exponential rate of change of ``variable`` over ``[t_start, t_stop]``.

    The slope of the least-squares straight line through ``(t, ln value)`` at the output
    times inside the window: for ``value = A exp(k t)`` it returns ``k`` exactly. Negative
    for a decline; ``-ln 2 / slope`` is the halving time.

    Parameters
    ----------
    result : Result
        A simulation (or a cohort with ``patient``).
    variable : str
        State or observable, positive inside the window.
    t_start, t_stop : float
        Fit window, in the model's time unit; it must hold at least two output times.
    patient : int, optional
        Patient index for a cohort result.

    Returns
    -------
    float
        Slope of the natural logarithm, in 1/(model time unit).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.michor2005()
    >>> result = model.simulate(120, doses=[hm.ParameterChange(0, {"imatinib": 1})])
    >>> round(log_slope(result, "bcr_abl_ratio", 20, 120), 2)
    -0.05
    """
    t, values = _series(result, variable, patient)
    inside = _window(t, t_start, t_stop, result.model.name)
    window = values[inside]
    if not np.all(np.isfinite(window)) or np.any(window <= 0):
        raise invalid_value(
            f"values of {variable!r} in the fit window",
            float(np.min(window)),
            "positive, finite numbers (a logarithm is fitted)",
            result.units.get(variable),
            model=result.model.name,
        )
    slope, _ = np.polyfit(t[inside], np.log(window), 1)
    return float(slope)


def log_fit_line(
    result: Result,
    variable: str,
    t_start: float,
    t_stop: float,
    *,
    patient: int | None = None,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """End points ``((t_start, value), (t_stop, value))`` of the exponential fitted by
    :func:`log_slope` (least squares on ``ln value``), to draw the fit over the data.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.michor2005()
    >>> result = model.simulate(120, doses=[hm.ParameterChange(0, {"imatinib": 1})])
    >>> (t0, v0), (t1, v1) = log_fit_line(result, "bcr_abl_ratio", 20, 120)
    >>> round(float(np.log(v1 / v0) / (t1 - t0)), 2)
    -0.05
    """
    slope = log_slope(result, variable, t_start, t_stop, patient=patient)
    t, values = _series(result, variable, patient)
    inside = _window(t, t_start, t_stop, result.model.name)
    intercept = float(np.mean(np.log(values[inside]) - slope * t[inside]))
    return (
        (float(t_start), float(np.exp(intercept + slope * t_start))),
        (float(t_stop), float(np.exp(intercept + slope * t_stop))),
    )


def takeover_time(
    result: Result,
    challenger: str,
    incumbent: str,
    *,
    after: float = 0.0,
    patient: int | None = None,
) -> float | None:
    """First time after ``after`` at which ``challenger`` reaches ``incumbent``.

    For example the day imatinib-resistant leukaemic cells (``"z3"``) first outnumber the
    sensitive ones (``"y3"``). Between output points the crossing is interpolated linearly in
    ``ln(challenger / incumbent)`` where both are positive — exact for two exponentials — and
    in ``challenger - incumbent`` otherwise.

    Returns
    -------
    float or None
        The crossing time (model time unit), ``after`` itself if the challenger already leads
        there, or ``None`` if it never catches up within the simulation.

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.stiehl2015().simulate(1000, t_eval=range(1001))
    >>> round(takeover_time(result, "leukaemic_stem_cells", "stem_cells"))
    138
    """
    t, ahead = _series(result, challenger, patient)
    _, behind = _series(result, incumbent, patient)
    after = rules.number(after, "after", unit=_check_result(result).time_unit)
    difference = ahead - behind
    for i in range(t.size):
        if t[i] < after:
            continue
        if difference[i] >= 0:
            if i == 0 or t[i - 1] < after:
                return float(t[i])
            a0, a1, b0, b1 = ahead[i - 1], ahead[i], behind[i - 1], behind[i]
            if min(a0, a1, b0, b1) > 0:
                g0, g1 = math.log(a0 / b0), math.log(a1 / b1)
            else:
                g0, g1 = difference[i - 1], difference[i]
            fraction = -g0 / (g1 - g0) if g1 != g0 else 1.0
            return float(t[i - 1] + fraction * (t[i] - t[i - 1]))
    return None


def blast_threshold_day(
    result: Result,
    threshold: float = AML_BLAST_THRESHOLD,
    *,
    variable: str = "marrow_blasts",
    patient: int | None = None,
) -> float | None:
    """First day the marrow blast percentage reaches ``threshold`` (default: WHO 20 %).

    The day is counted from the start of the simulation, converted from the result's time
    unit to days. Returns ``None`` if the blasts do not reach the threshold within the
    simulation (or the marrow starts above it, in which case there is no upward crossing).

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.stiehl2015().simulate(1000, t_eval=range(1001))
    >>> round(blast_threshold_day(result))
    153
    """
    time = first_crossing(result, variable, threshold, direction="up", patient=patient)
    return None if time is None else time * days_per(result.time_unit)


def therapy_periods(
    result: Result, variable: str = "therapy", *, patient: int | None = None
) -> list[tuple[float, float]]:
    """Intervals ``(start, stop)`` during which ``variable`` (a 0/1 switch) is on (> 0.5).

    ``stop`` is the first output time at which it is off again, or the last output time if it
    stays on. Resolution: the output grid.

    Examples
    --------
    >>> import hemomodels as hm
    >>> on = hm.ParameterChange(0, {"imatinib": 1.0})
    >>> off = hm.ParameterChange(300, {"imatinib": 0.0})
    >>> result = hm.models.michor2005().simulate(400, doses=[on, off], t_eval=range(401))
    >>> therapy_periods(result)
    [(0.0, 300.0)]
    """
    t, values = _series(result, variable, patient)
    on = values > 0.5
    periods = []
    i = 0
    while i < t.size:
        if on[i]:
            j = i
            while j < t.size and on[j]:
                j += 1
            periods.append((float(t[i]), float(t[min(j, t.size - 1)])))
            i = j
        else:
            i += 1
    return periods


def therapy_slopes(
    result: Result,
    variable: str = "bcr_abl_ratio",
    *,
    switch: str = "therapy",
    windows: dict[str, tuple[float, float]] | None = None,
    patient: int | None = None,
) -> dict[str, float]:
    """Slopes of ``ln variable`` in the phases of the first therapy period, and after it.

    Each window in ``windows`` (default :data:`PHASE_WINDOWS`, in days after the start) is
    fitted with :func:`log_slope` if therapy lasts to its end and the output grid has two
    points in it; if therapy stops before the end of the simulation, the slope over the 50
    days after stopping is added as ``"after stopping"``.

    Returns
    -------
    dict of str to float
        Slopes in 1/(model time unit), by label.

    Examples
    --------
    >>> import hemomodels as hm
    >>> on = hm.ParameterChange(0, {"imatinib": 1.0})
    >>> off = hm.ParameterChange(300, {"imatinib": 0.0})
    >>> result = hm.models.michor2005().simulate(400, doses=[on, off], t_eval=range(401))
    >>> {phase: round(slope, 4) for phase, slope in therapy_slopes(result).items()}
    {'first phase': -0.0469, 'second phase': -0.0075, 'after stopping': 0.0866}
    """
    slopes = {}
    for label, (begin, end) in therapy_windows(
        result, switch=switch, windows=windows, patient=patient
    ).items():
        try:
            slopes[label] = log_slope(result, variable, begin, end, patient=patient)
        except ModelError:
            continue
    return slopes


def therapy_windows(
    result: Result,
    *,
    switch: str = "therapy",
    windows: dict[str, tuple[float, float]] | None = None,
    patient: int | None = None,
) -> dict[str, tuple[float, float]]:
    """Fit windows (absolute times, result's time unit) of :func:`therapy_slopes`: each of
    ``windows`` (days after the start of the first therapy period, converted to the result's
    time unit) that therapy lasts through, and the 50 days after stopping if the simulation
    covers them.

    Examples
    --------
    >>> import hemomodels as hm
    >>> on = hm.ParameterChange(10, {"imatinib": 1.0})
    >>> result = hm.models.michor2005().simulate(400, doses=[on], t_eval=range(401))
    >>> therapy_windows(result)
    {'first phase': (30.0, 130.0), 'second phase': (210.0, 310.0)}
    """
    windows = PHASE_WINDOWS if windows is None else windows
    windows = rules.mapping(windows, "windows")
    periods = therapy_periods(result, switch, patient=patient)
    if not periods:
        return {}
    per_day = 1 / days_per(result.time_unit)  # result time units in one day
    start, stop = periods[0]
    t_last = float(result.t[-1])
    ongoing = stop >= t_last
    found = {}
    for label, window in windows.items():
        if not isinstance(window, (tuple, list)) or len(window) != 2:
            raise invalid_value(f"windows[{label!r}]", window, "(first day, last day)", "day")
        begin = rules.number(window[0], f"windows[{label!r}] first day", unit="day")
        end = rules.number(window[1], f"windows[{label!r}] last day", unit="day")
        if start + end * per_day <= (t_last if ongoing else stop):
            found[label] = (start + begin * per_day, start + end * per_day)
    if not ongoing and stop + 50 * per_day <= t_last:
        found["after stopping"] = (stop, stop + 50 * per_day)
    return found


def major_molecular_response_day(
    result: Result,
    variable: str = "bcr_abl_ratio",
    *,
    baseline: float | None = None,
    patient: int | None = None,
) -> float | None:
    """First day the BCR-ABL ratio is 3 logs below its baseline: a major molecular response.

    On the International Scale the baseline is the standardised value of untreated
    patients (100 %) and MMR is a ratio ≤ 0.1 % (``branford2008``). A model's ratio is not on
    that scale, so the response is read as ``MMR_LOG_REDUCTION`` (3) logs below the
    ratio at the start of the simulation (or below ``baseline``), in days from the start.

    Returns
    -------
    float or None
        The interpolated day, or ``None`` if the ratio does not get there.

    Examples
    --------
    >>> import hemomodels as hm
    >>> on = hm.ParameterChange(0, {"imatinib": 1.0})
    >>> result = hm.models.michor2005().simulate(730, doses=[on], t_eval=range(731))
    >>> round(major_molecular_response_day(result))
    168
    """
    t, values = _series(result, variable, patient)
    start = (
        float(values[0])
        if baseline is None
        else rules.number(
            baseline, "baseline", low=0.0, low_open=True, unit=result.units.get(variable)
        )
    )
    if not start > 0:
        raise invalid_value(
            f"{variable!r} at the start", start, "> 0 (a baseline to fall from)", None
        )
    time = first_crossing(
        result, variable, start * 10.0**-MMR_LOG_REDUCTION, direction="down", patient=patient
    )
    return None if time is None else time * days_per(result.time_unit)
