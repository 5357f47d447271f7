"""Stem-cell transplantation: graft sources, engraftment day and graft failure.

Definitions follow the consensus of the American Society for Transplantation and Cellular
Therapy (``kharfandabaja2021``; its Table 1 read as reproduced in the 2024 EBMT/ASTCT/CIBMTR/
APBMT harmonisation, PMC11161398):

* **neutrophil recovery (engraftment)**: the first of 3 consecutive days with an absolute
  neutrophil count (ANC) >= 500/µL (0.5 x 10⁹/L) after the post-transplant nadir;
* **platelet recovery**: the first of 3 consecutive days with platelets >= 20,000/µL without
  platelet transfusion for 7 days — not computed by this package, whose transplant models have
  no platelets (:func:`engraftment_day` with ``threshold=20`` on a platelet variable would
  ignore the transfusion condition);
* **primary graft failure**: no ANC >= 0.5 x 10⁹/L by day +30 (peripheral blood stem cells or
  bone marrow) or by day +42 (cord blood);
* **full donor chimerism**: > 95 % donor cells.

Daily values. Clinics measure the ANC once a day; a simulation gives a continuous trajectory.
:func:`daily_values` reads the trajectory at the integer days 0, 1, 2, … up to its last time
by linear interpolation between output times, so pass a ``t_eval`` that contains the integer
days (e.g. ``range(61)``) to read the simulated values themselves. A result whose time unit
is not days (e.g. hours) is converted to days first (:mod:`hemomodels.units`).

Threshold rule (as everywhere in :mod:`hemomodels.clinical`): engraftment is a recovery, so a
series that never falls below the threshold has no engraftment day (``None``) and, having
had no aplasia, no graft failure either.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import rules
from ..errors import invalid_value
from ..units import days_per
from .timeseries import _check_result, _series, time_below

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "ENGRAFTMENT_CONSECUTIVE_DAYS",
    "ENGRAFTMENT_THRESHOLD",
    "FULL_DONOR_CHIMERISM",
    "GRAFT_SOURCES",
    "GraftSource",
    "daily_values",
    "engraftment_day",
    "engraftment_summary",
    "first_engrafted_days",
    "graft_failure",
    "graft_source",
    "on_days",
]

#: ANC threshold of neutrophil engraftment, 10⁹ cells/L (500/µL; ``kharfandabaja2021``).
ENGRAFTMENT_THRESHOLD = 0.5
#: Consecutive days at or above the threshold required (``kharfandabaja2021``).
ENGRAFTMENT_CONSECUTIVE_DAYS = 3
#: Full donor chimerism: more than this percentage of donor cells (``kharfandabaja2021``).
FULL_DONOR_CHIMERISM = 95.0


@dataclass(frozen=True)
class GraftSource:
    """A source of haematopoietic stem cells for transplantation, with cited figures.

    Attributes
    ----------
    name : str
        Key in :data:`GRAFT_SOURCES`.
    label : str
        Readable name.
    donor : str
        ``"autologous"`` (the patient's own cells) or ``"allogeneic"`` (a donor's).
    typical_cd34_dose : float
        CD34⁺ cells per kg of recipient body weight used as this source's typical dose.
    dose_note : str
        Where ``typical_cd34_dose`` comes from (cited, or flagged as illustrative).
    median_engraftment_day : float
        Published median day of neutrophil recovery (ANC >= 0.5 x 10⁹/L).
    engraftment_source : str
        ``references.bib`` key of ``median_engraftment_day``.
    graft_failure_day : int
        Day by which the ANC must have recovered, else primary graft failure
        (``kharfandabaja2021``).
    calibrated_lag : float
        Days after infusion before the infused cells start to divide in the model. **Calibrated
        by this book** (not measured) so that the model's engraftment day at
        ``typical_cd34_dose`` equals ``median_engraftment_day``; it lumps together everything
        the model leaves out (graft composition, homing, drugs given after the transplant,
        differences between patients).
    median_platelet_recovery_day : float or None
        Published median day of platelet recovery (platelets >= 20 x 10⁹/L), from the same
        study as ``median_engraftment_day``; ``None`` where no verified figure was found.
    composition : str
        What the graft contains and how it is collected, in words, with its sources.
    """

    name: str
    label: str
    donor: str
    typical_cd34_dose: float
    dose_note: str
    median_engraftment_day: float
    engraftment_source: str
    graft_failure_day: int
    calibrated_lag: float
    composition: str
    median_platelet_recovery_day: float | None = None


GRAFT_SOURCES: dict[str, GraftSource] = {
    source.name: source
    for source in (
        GraftSource(
            name="autologous_pbsc",
            label="autologous mobilised peripheral blood",
            donor="autologous",
            typical_cd34_dose=11.5e6,
            dose_note="the median CD34⁺ dose of 91 autologous blood stem-cell transplants",
            median_engraftment_day=10,
            engraftment_source="ergene2007",
            graft_failure_day=30,
            calibrated_lag=0.0,
            composition=(
                "the patient's own CD34+ cells collected by apheresis after mobilisation with "
                "G-CSF or chemotherapy plus growth factor, frozen and given back after "
                "high-dose chemotherapy (ergene2007)"
            ),
            median_platelet_recovery_day=13,
        ),
        GraftSource(
            name="allogeneic_pbsc",
            label="allogeneic mobilised peripheral blood (HLA-identical sibling)",
            donor="allogeneic",
            typical_cd34_dose=5e6,
            dose_note=(
                "illustrative, not from the literature: the study of the engraftment day does "
                "not give the dose in its abstract; more than 3.8 × 10⁶/kg improved engraftment "
                "from unrelated donors after myeloablative conditioning (Pulsipher et al. 2009)"
            ),
            median_engraftment_day=14,
            engraftment_source="champlin2000",
            graft_failure_day=30,
            calibrated_lag=3.0,
            composition=(
                "a donor's cells collected by apheresis after G-CSF mobilisation, not T-cell "
                "depleted; more chronic GVHD than with marrow (champlin2000)"
            ),
            median_platelet_recovery_day=18,
        ),
        GraftSource(
            name="bone_marrow",
            label="allogeneic bone marrow (HLA-identical sibling)",
            donor="allogeneic",
            typical_cd34_dose=3e6,
            dose_note="illustrative, not from the literature: the study of the engraftment day "
            "does not give the dose in its abstract",
            median_engraftment_day=19,
            engraftment_source="champlin2000",
            graft_failure_day=30,
            calibrated_lag=7.0,
            composition=(
                "marrow aspirated from the donor's pelvic bones under anaesthesia, about "
                "1.1-1.3 L (lysak2021); not T-cell depleted (champlin2000)"
            ),
            median_platelet_recovery_day=25,
        ),
        GraftSource(
            name="cord_blood",
            label="two umbilical cord blood units",
            donor="allogeneic",
            typical_cd34_dose=2e5,
            dose_note=(
                "illustrative, not from the literature: the study reports a median of "
                "3.5 × 10⁷ nucleated cells/kg (all cell types), not the CD34⁺ dose"
            ),
            median_engraftment_day=23,
            engraftment_source="barker2005",
            graft_failure_day=42,
            calibrated_lag=7.0,
            composition=(
                "two partially HLA-matched cord blood units after myeloablative conditioning, "
                "median 3.5e7 nucleated cells/kg (barker2005)"
            ),
        ),
    )
}


def graft_source(name: str | GraftSource) -> GraftSource:
    """The :class:`GraftSource` called ``name`` (a GraftSource is returned unchanged).

    Raises
    ------
    ModelError
        If ``name`` is not a key of :data:`GRAFT_SOURCES`; the message lists the valid ones.

    Examples
    --------
    >>> graft_source("cord_blood").median_engraftment_day
    23
    """
    if isinstance(name, GraftSource):
        return name
    return GRAFT_SOURCES[rules.choice(name, "graft source", GRAFT_SOURCES)]


def daily_values(
    result: Result, variable: str = "ANC", *, patient: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The trajectory read once a day: days 0, 1, 2, … up to the last simulated time.

    Values at integer days are linearly interpolated between output times (exact if the
    output times include the integer days).

    Returns
    -------
    (days, values) : tuple of numpy.ndarray
        Integer days (converted from the result's time unit) and the variable's values on
        them.

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.friberg2002().simulate(96, t_eval=range(0, 97, 12))  # hours
    >>> daily_values(result)[0].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    t, values = _series(result, variable, patient)
    return on_days(t, values, _check_result(result).time_unit)


def on_days(t: np.ndarray, values: np.ndarray, time_unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Series read once a day (:func:`daily_values` on arrays, for many patients at once).

    Parameters
    ----------
    t : numpy.ndarray
        Output times, shape ``(n_t,)``, in ``time_unit``.
    values : numpy.ndarray
        One series ``(n_t,)`` or one per patient ``(n_patients, n_t)``.
    time_unit : str
        Unit of ``t``, one of :data:`hemomodels.units.TIME_UNITS`.

    Returns
    -------
    (days, daily) : tuple of numpy.ndarray
        The integer days from the first to the last output time, and the values on them
        (linearly interpolated), shape ``(n_days,)`` or ``(n_patients, n_days)``.

    Examples
    --------
    >>> days, daily = on_days(np.array([0.0, 48.0]), np.array([[0.0, 2.0]]), "h")
    >>> days.tolist(), daily.tolist()
    ([0.0, 1.0, 2.0], [[0.0, 1.0, 2.0]])
    """
    t = t * days_per(time_unit)
    days = np.arange(math.ceil(t[0]), math.floor(t[-1]) + 1, dtype=float)
    if values.ndim == 1:
        return days, np.interp(days, t, values)
    daily = np.empty((values.shape[0], days.size))
    for patient, series in enumerate(values):
        daily[patient] = np.interp(days, t, series)
    return days, daily


def engraftment_day(
    result: Result,
    variable: str = "ANC",
    *,
    threshold: float = ENGRAFTMENT_THRESHOLD,
    consecutive: int = ENGRAFTMENT_CONSECUTIVE_DAYS,
    patient: int | None = None,
) -> int | None:
    """Day of engraftment: the first of ``consecutive`` days at or above ``threshold``.

    Follows the ASTCT consensus (``kharfandabaja2021``): the first of 3 consecutive days with
    ANC >= 0.5 x 10⁹/L after the post-transplant nadir. The trajectory is read at integer
    days (:func:`daily_values`); only days from the nadir day (the lowest daily value, first
    if repeated) on are considered, and all ``consecutive`` days must lie inside the
    simulation.

    Parameters
    ----------
    result : Result
        A simulation (or a cohort with ``patient``) in days, with the ANC as ``variable``.
    variable : str
        State or observable to read (10⁹ cells/L for the ANC).
    threshold : float
        Level that counts as recovered (inclusive), in the variable's unit.
    consecutive : int
        Number of consecutive days required (>= 1).
    patient : int, optional
        Patient index of a cohort result.

    Returns
    -------
    int or None
        The engraftment day, or ``None`` if the count never stays at or above the threshold
        for ``consecutive`` days within the simulation.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.transplant_reconstitution()
    >>> engraftment_day(model.simulate(30, t_eval=range(31)))
    10
    """
    result = _check_result(result)
    unit = result.units.get(variable) if isinstance(variable, str) else None
    threshold = rules.number(threshold, "threshold", low=0.0, low_open=True, unit=unit)
    consecutive = rules.integer(consecutive, "consecutive", low=1, unit="days")
    days, values = daily_values(result, variable, patient=patient)
    first = first_engrafted_day(values, threshold=threshold, consecutive=consecutive)
    return None if first is None else int(days[0]) + first


def first_engrafted_day(
    daily_counts: Sequence[float] | np.ndarray,
    *,
    threshold: float = ENGRAFTMENT_THRESHOLD,
    consecutive: int = ENGRAFTMENT_CONSECUTIVE_DAYS,
) -> int | None:
    """Engraftment in a series of daily counts (day 0 first), as a clinician would read it.

    The first of ``consecutive`` days at or above ``threshold`` on or after the lowest count
    (the nadir; the first one if repeated), or ``None`` if there is none or if the counts
    never fall below the threshold (no aplasia, nothing to recover from).

    Examples
    --------
    >>> first_engrafted_day([0.0, 0.1, 0.3, 0.6, 0.7, 0.4, 0.6, 0.9, 1.4, 2.0])
    6
    """
    threshold = rules.number(threshold, "threshold", low=0.0, low_open=True, unit="10^9 cells/L")
    consecutive = rules.integer(consecutive, "consecutive", low=1, unit="days")
    values = rules.series(daily_counts, "daily_counts", low=0.0, unit="10^9 cells/L")
    first = first_engrafted_days(values[None, :], threshold, consecutive)[0]
    return None if np.isnan(first) else int(first)


def first_engrafted_days(daily: np.ndarray, threshold: float, consecutive: int) -> np.ndarray:
    """:func:`first_engrafted_day` of each row of daily counts, for many patients at once.

    Parameters
    ----------
    daily : numpy.ndarray
        Daily counts, shape ``(n_patients, n_days)``, day 0 first, checked (finite, >= 0).
    threshold : float
        Level that counts as recovered (inclusive), in the counts' unit.
    consecutive : int
        Number of consecutive days required (>= 1).

    Returns
    -------
    numpy.ndarray
        The index of each row's engraftment day, NaN where there is none (never below the
        threshold, or no ``consecutive`` days at or above it on or after the nadir).

    Examples
    --------
    >>> daily = np.array([[0.0, 0.6, 0.7, 0.8], [1.0, 1.0, 1.0, 1.0], [0.0, 0.6, 0.1, 0.7]])
    >>> first_engrafted_days(daily, 0.5, 2).tolist()
    [1.0, nan, nan]
    """
    n_patients, n_days = daily.shape
    first = np.full(n_patients, np.nan)
    if n_days < consecutive:
        return first
    above = daily >= threshold
    lasting = np.lib.stride_tricks.sliding_window_view(above, consecutive, axis=1).all(axis=2)
    after_nadir = np.arange(lasting.shape[1]) >= np.argmin(daily, axis=1)[:, None]
    candidates = lasting & after_nadir
    found = candidates.any(axis=1) & (daily.min(axis=1) < threshold)
    first[found] = np.argmax(candidates[found], axis=1)
    return first


def graft_failure(
    result: Result,
    source: str | GraftSource,
    variable: str = "ANC",
    *,
    patient: int | None = None,
) -> bool:
    """Primary graft failure: no engraftment by the source's cited day (+30, or +42 for cord).

    Raises
    ------
    ModelError
        If the simulation ends before the failure day plus the days needed to confirm a
        recovery on it, so that the answer is not known.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.scenarios.transplant import infusion
    >>> model = hm.models.transplant_reconstitution()
    >>> course = model.simulate(45, **infusion("bone_marrow"), t_eval=range(46))
    >>> graft_failure(course, "bone_marrow")
    False
    """
    graft = graft_source(source)
    days, values = daily_values(result, variable, patient=patient)
    if values.min() >= ENGRAFTMENT_THRESHOLD:
        return False  # never aplastic: nothing failed to recover
    day = engraftment_day(result, variable, patient=patient)
    if day is not None and day <= graft.graft_failure_day:
        return False
    needed = graft.graft_failure_day + ENGRAFTMENT_CONSECUTIVE_DAYS - 1
    if days[-1] < needed:
        raise invalid_value(
            "simulation length",
            float(days[-1]),
            f">= {needed} (day +{graft.graft_failure_day} plus "
            f"{ENGRAFTMENT_CONSECUTIVE_DAYS - 1} days to confirm)",
            "day",
            hint="Simulate longer to decide whether the graft failed.",
        )
    return True


def engraftment_summary(
    result: Result,
    source: str | GraftSource,
    variable: str = "ANC",
    *,
    patient: int | None = None,
) -> dict[str, Any]:
    """Engraftment day, graft failure and time below the engraftment threshold.

    Returns
    -------
    dict
        ``engraftment_day`` (int or None), ``graft_failure`` (bool), ``days_below`` (total
        time with the ANC below 0.5 x 10⁹/L, interpolated; the window of highest infection
        risk) and the source's ``median_engraftment_day`` for comparison.

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.transplant_reconstitution().simulate(30, t_eval=range(31))
    >>> summary = engraftment_summary(result, "cord_blood")
    >>> summary["engraftment_day"], summary["graft_failure"], summary["median_engraftment_day"]
    (10, False, 23)
    """
    graft = graft_source(source)
    return {
        "engraftment_day": engraftment_day(result, variable, patient=patient),
        "graft_failure": graft_failure(result, graft, variable, patient=patient),
        "days_below": time_below(result, variable, ENGRAFTMENT_THRESHOLD, patient=patient),
        "median_engraftment_day": graft.median_engraftment_day,
    }
