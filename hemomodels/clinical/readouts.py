"""Read-outs of a whole cohort at once: one value per patient, for summaries of large trials.

A virtual trial of 10⁵–10⁶ patients keeps per-patient summaries, not trajectories. Each
read-out here is a small frozen dataclass, picklable (so it can travel to the workers of a
cluster, :func:`hemomodels.distributed.simulate_cohort`), that:

* is **called on a result** of :meth:`~hemomodels.Model.simulate_many` (or of
  :meth:`~hemomodels.Model.simulate`, as a cohort of one) and returns a 1-D
  :class:`numpy.ndarray`, one value per patient, computed for all patients at once;
* **checks itself against a model** (:meth:`Readout.check`) before any integration: the
  output must be one of the model's states or observables, and thresholds and units must
  fit, else a :class:`~hemomodels.ModelError` names the field, the value, the allowed range
  and the unit;
* has a ``name`` (the column of a summary table) and a ``unit(model)``.

Every read-out follows the rules of the single-patient read-outs it vectorises, and gives
their answers: :func:`~hemomodels.clinical.nadir`,
:func:`~hemomodels.clinical.time_below` (crossings interpolated between output
times), :func:`~hemomodels.clinical.neutropenia_grade` (CTCAE v5.0 thresholds
of ``hemomodels.clinical.GRADE_THRESHOLDS``, ``ctcae2017``) and
:func:`~hemomodels.clinical.engraftment_day` (the ASTCT consensus,
``kharfandabaja2021``). A series that is undefined (NaN) somewhere is refused, as there.

Examples
--------
>>> import hemomodels as hm
>>> from hemomodels.clinical.readouts import Nadir, NeutropeniaGrade
>>> model = hm.models.friberg2002()
>>> cohort = model.simulate_many(
...     {"slope": [5.0, 30.0]}, 504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
>>> Nadir("ANC")(cohort).round(2).tolist(), Nadir("ANC").unit(model)
([1.6, 0.02], '10^9 cells/L')
>>> NeutropeniaGrade()(cohort).tolist()
[1, 4]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .. import rules
from ..errors import invalid_value, number_text
from ..units import days_per
from .neutropenia import DEFAULT_LLN, GRADE_THRESHOLDS, _check_lln, neutropenia_grade
from .timeseries import _check_result, _defined, time_below_each
from .transplant import (
    ENGRAFTMENT_CONSECUTIVE_DAYS,
    ENGRAFTMENT_THRESHOLD,
    first_engrafted_days,
    on_days,
)

if TYPE_CHECKING:
    from ..model import Model
    from ..result import Result

__all__ = [
    "EngraftmentDay",
    "FinalValue",
    "Nadir",
    "NadirTime",
    "NeutropeniaGrade",
    "Readout",
    "TimeBelow",
]

#: Unit of the absolute neutrophil counts that CTCAE grades (:mod:`.neutropenia`).
ANC_UNIT = "10^9 cells/L"


@dataclass(frozen=True)
class Readout:
    """A read-out of one output (state or observable) of every patient of a cohort.

    Subclasses say what they read (:meth:`values`) and in which unit; this class checks the
    output against the model and hands every patient's series over as one array.

    Attributes
    ----------
    output : str
        Name of a state or observable of the model.

    Examples
    --------
    >>> import hemomodels as hm
    >>> Nadir("ANC").check(hm.models.friberg2002())  # known output: nothing to say
    >>> Nadir("PLT").check(hm.models.friberg2002())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: Friberg et al. 2002 ...: unknown state or observable 'PLT'...
    """

    output: str

    @property
    def name(self) -> str:
        """Column name of the read-out in a summary table."""
        raise NotImplementedError

    def unit(self, model: Model) -> str:
        """Unit of the read-out's values for ``model`` (default: the output's unit).

        Examples
        --------
        >>> import hemomodels as hm
        >>> FinalValue("ANC").unit(hm.models.friberg2002())
        '10^9 cells/L'
        """
        return model.units[self._checked_output(model)]

    def check(self, model: Model) -> None:
        """Refuse, with a :class:`~hemomodels.ModelError`, a read-out that cannot be taken of
        ``model`` (unknown output, threshold or unit out of range), before any integration.

        Examples
        --------
        >>> import hemomodels as hm
        >>> TimeBelow("ANC", 0.5).check(hm.models.friberg2002())
        """
        self._checked_output(model)

    def __call__(self, result: Result) -> np.ndarray:
        """One value per patient of ``result`` (a cohort, or one simulation as a cohort of
        one)."""
        result = _check_result(result)
        self.check(result.model)
        series = _defined(result, self.output, np.atleast_2d(result[self.output]))
        return self.values(result, series)

    def values(self, result: Result, series: np.ndarray) -> np.ndarray:
        """The read-out of every patient's ``series`` (shape ``(n_patients, n_t)``, on
        ``result.t``), already checked to be defined."""
        raise NotImplementedError

    def _checked_output(self, model: Model) -> str:
        names = (*model.state_names, *model.observable_names)
        return rules.name(
            self.output, "output", names, kind="state or observable", model=model.name
        )

    def _threshold(self, model: Model, threshold: float, *, positive: bool = False) -> float:
        """``threshold`` checked as a finite number (> 0 if ``positive``) in the output's
        unit."""
        return rules.number(
            threshold,
            "threshold",
            low=0.0 if positive else None,
            low_open=positive,
            unit=model.units[self._checked_output(model)],
            model=model.name,
        )


@dataclass(frozen=True)
class Nadir(Readout):
    """Lowest value of the output over the simulation
    (:func:`~hemomodels.clinical.nadir`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.friberg2002().simulate(504, doses=[hm.Dose(0, "Conc", 33.5)])
    >>> Nadir("ANC")(result).round(2).tolist(), Nadir("ANC").name
    ([0.75], 'ANC nadir')
    """

    @property
    def name(self) -> str:
        return f"{self.output} nadir"

    def values(self, result: Result, series: np.ndarray) -> np.ndarray:
        return series.min(axis=1)


@dataclass(frozen=True)
class NadirTime(Readout):
    """Time of the lowest value of the output (the first one if repeated), in the model's
    time unit (:func:`~hemomodels.clinical.nadir`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> NadirTime("ANC")(result).tolist(), NadirTime("ANC").unit(model)
    ([186.0], 'h')
    """

    @property
    def name(self) -> str:
        return f"{self.output} nadir time"

    def unit(self, model: Model) -> str:
        self.check(model)
        return model.time_unit

    def values(self, result: Result, series: np.ndarray) -> np.ndarray:
        return result.t[np.argmin(series, axis=1)]


@dataclass(frozen=True)
class FinalValue(Readout):
    """Value of the output at the last output time (as :meth:`hemomodels.Result.final`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.models.friberg2002 import at_baseline
    >>> cohort = hm.models.friberg2002().simulate_many(at_baseline({"Circ0": [4.0, 6.0]}), 24)
    >>> FinalValue("ANC")(cohort).tolist()
    [4.0, 6.0]
    """

    @property
    def name(self) -> str:
        return f"{self.output} at end"

    def values(self, result: Result, series: np.ndarray) -> np.ndarray:
        return series[:, -1].copy()


@dataclass(frozen=True)
class TimeBelow(Readout):
    """Total time the output spends below ``threshold``, in the model's time unit, crossings
    interpolated between output times (:func:`~hemomodels.clinical.time_below`).

    Attributes
    ----------
    output : str
        Name of a state or observable.
    threshold : float
        In the output's unit (a finite number).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> below = TimeBelow("ANC", 2.0)
    >>> (below(result) / 24).round(1).tolist(), below.name, below.unit(model)
    ([7.4], 'time ANC < 2', 'h')
    """

    threshold: float

    @property
    def name(self) -> str:
        given = self.threshold  # checked later, against the model's unit
        return f"time {self.output} < {number_text(given) if rules.is_number(given) else given}"

    def unit(self, model: Model) -> str:
        self.check(model)
        return model.time_unit

    def check(self, model: Model) -> None:
        self._threshold(model, self.threshold)

    def values(self, result: Result, series: np.ndarray) -> np.ndarray:
        return time_below_each(result.t, series, float(self.threshold))


@dataclass(frozen=True)
class NeutropeniaGrade(Readout):
    """CTCAE v5.0 grade (0–4) of the nadir of the absolute neutrophil count
    (:func:`~hemomodels.clinical.neutropenia_grade` of
    :func:`~hemomodels.clinical.nadir`; ``ctcae2017``).

    The output must be in 10^9 cells/L, the unit of the grade thresholds
    (``hemomodels.clinical.GRADE_THRESHOLDS``).

    Attributes
    ----------
    output : str
        The ANC state or observable (default ``"ANC"``).
    lower_limit_normal : float
        Laboratory lower limit of normal, 10^9 cells/L (>= 1.5): nadirs at or above it are
        grade 0.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> NeutropeniaGrade()(result).tolist(), NeutropeniaGrade().unit(model)
    ([3], 'CTCAE grade')
    """

    output: str = "ANC"
    lower_limit_normal: float = DEFAULT_LLN

    @property
    def name(self) -> str:
        return "neutropenia grade"

    def unit(self, model: Model) -> str:
        self.check(model)
        return "CTCAE grade"

    def check(self, model: Model) -> None:
        unit = model.units[self._checked_output(model)]
        if unit != ANC_UNIT:
            raise invalid_value(
                f"unit of output {self.output!r}",
                unit,
                f"{ANC_UNIT!r}, the unit of the CTCAE grade thresholds "
                f"{sorted(GRADE_THRESHOLDS.values())}",
                None,
                model=model.name,
            )
        _check_lln(self.lower_limit_normal)

    def values(self, result: Result, series: np.ndarray) -> np.ndarray:
        nadirs = series.min(axis=1)
        grades = neutropenia_grade(nadirs, lower_limit_normal=self.lower_limit_normal)
        return np.asarray(grades, dtype=int).reshape(nadirs.shape)


@dataclass(frozen=True)
class EngraftmentDay(Readout):
    """Day of engraftment: the first of ``days`` consecutive days with the output at or
    above ``threshold`` on or after the nadir, read once a day
    (:func:`~hemomodels.clinical.engraftment_day`, the ASTCT consensus of
    ``kharfandabaja2021``).

    NaN for a patient who never falls below the threshold (nothing to recover from) or has
    not engrafted by the end of the simulation. The model's time unit must be one that
    converts to days (:data:`hemomodels.units.TIME_UNITS`).

    Attributes
    ----------
    output : str
        The count read (default ``"ANC"``).
    threshold : float
        Level that counts as recovered (inclusive), in the output's unit, > 0; default
        0.5 (10^9 neutrophils/L).
    days : int
        Consecutive days required (>= 1; default 3).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.transplant_reconstitution()
    >>> EngraftmentDay()(model.simulate(30, t_eval=range(31))).tolist()
    [10.0]
    """

    output: str = "ANC"
    threshold: float = ENGRAFTMENT_THRESHOLD
    days: int = ENGRAFTMENT_CONSECUTIVE_DAYS

    @property
    def name(self) -> str:
        return f"{self.output} engraftment day"

    def unit(self, model: Model) -> str:
        self.check(model)
        return "day"

    def check(self, model: Model) -> None:
        self._threshold(model, self.threshold, positive=True)
        rules.integer(self.days, "days", low=1, unit="days", model=model.name)
        days_per(model.time_unit)

    def values(self, result: Result, series: np.ndarray) -> np.ndarray:
        days, daily = on_days(result.t, series, result.time_unit)
        first = first_engrafted_days(daily, float(self.threshold), int(self.days))
        return days[0] + first if days.size else first
