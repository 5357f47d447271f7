"""Events: instantaneous additions (boluses) to a compartment, and parameter changes.

A :class:`Dose` adds ``amount`` (in the unit of the target compartment) to ``target`` at
``time``. A :class:`Schedule` is a repeated dose (``count`` doses ``every`` time units from
``start``). A :class:`ParameterChange` sets parameters to new values from ``time`` on (a
therapy started or stopped). The integrator stops at every event time and restarts from the
new state, so no event is ever stepped over. Values at an event time are reported *after* it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real

from .errors import ModelError, invalid_value

__all__ = ["Dose", "ParameterChange", "Schedule", "expand_doses"]


def _finite(field: str, value: object, allowed: str, unit: str, ok) -> float:
    if not isinstance(value, Real) or isinstance(value, bool):
        raise invalid_value(field, value, allowed, unit)
    value = float(value)
    if not math.isfinite(value) or not ok(value):
        raise invalid_value(field, value, allowed, unit)
    return value


@dataclass(frozen=True)
class Dose:
    """A bolus of ``amount`` added to compartment ``target`` at ``time``.

    Parameters
    ----------
    time : float
        When the dose is given, in the model's time unit (>= 0).
    target : str
        Name of the compartment (state) that receives the dose.
    amount : float
        Amount added, in the unit of the target compartment (>= 0).

    Examples
    --------
    >>> Dose(time=0.0, target="Conc", amount=33.5)
    Dose(time=0.0, target='Conc', amount=33.5)
    """

    time: float
    target: str
    amount: float

    def __post_init__(self) -> None:
        time = _finite(
            "dose time", self.time, "a finite number >= 0", "model time unit", lambda v: v >= 0
        )
        amount = _finite(
            "dose amount",
            self.amount,
            "a finite number >= 0",
            "unit of the target compartment",
            lambda v: v >= 0,
        )
        if not isinstance(self.target, str):
            raise invalid_value("dose target", self.target, "a compartment name (str)", None)
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True)
class Schedule:
    """A repeated dose: ``count`` boluses of ``amount`` into ``target``, ``every`` time units.

    Parameters
    ----------
    target : str
        Compartment that receives the doses.
    amount : float
        Amount per dose, in the unit of the target compartment (>= 0).
    start : float
        Time of the first dose (>= 0), in the model's time unit.
    every : float
        Interval between doses (> 0), in the model's time unit.
    count : int
        Number of doses (>= 1).

    Examples
    --------
    >>> [d.time for d in Schedule("Conc", 10.0, start=0, every=504, count=3).doses()]
    [0.0, 504.0, 1008.0]
    """

    target: str
    amount: float
    start: float
    every: float
    count: int

    def __post_init__(self) -> None:
        _finite(
            "schedule start",
            self.start,
            "a finite number >= 0",
            "model time unit",
            lambda v: v >= 0,
        )
        _finite(
            "schedule every", self.every, "a finite number > 0", "model time unit", lambda v: v > 0
        )
        if not isinstance(self.count, Integral) or isinstance(self.count, bool) or self.count < 1:
            raise invalid_value("schedule count", self.count, "an integer >= 1", "doses")
        _finite(
            "schedule amount",
            self.amount,
            "a finite number >= 0",
            "unit of the target compartment",
            lambda v: v >= 0,
        )
        if not isinstance(self.target, str):
            raise invalid_value("schedule target", self.target, "a compartment name (str)", None)

    def doses(self) -> tuple[Dose, ...]:
        """The individual doses of this schedule.

        Examples
        --------
        >>> Schedule("Conc", 2.0, start=1, every=7, count=2).doses()
        (Dose(time=1.0, target='Conc', amount=2.0), Dose(time=8.0, target='Conc', amount=2.0))
        """
        return tuple(
            Dose(self.start + k * self.every, self.target, self.amount) for k in range(self.count)
        )


@dataclass(frozen=True)
class ParameterChange:
    """Set parameters to new values from ``time`` on (e.g. start or stop a therapy).

    Parameters
    ----------
    time : float
        When the change happens, in the model's time unit (>= 0).
    values : mapping of str to float
        New parameter values (each checked against the parameter's bounds when simulated).

    Examples
    --------
    >>> ParameterChange(365.0, {"imatinib": 0.0}).values
    {'imatinib': 0.0}
    """

    time: float
    values: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        time = _finite(
            "parameter change time",
            self.time,
            "a finite number >= 0",
            "model time unit",
            lambda v: v >= 0,
        )
        if not isinstance(self.values, Mapping) or not self.values:
            raise invalid_value(
                "parameter change values",
                self.values,
                "a non-empty mapping of parameter names to numbers",
                None,
            )
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "values", dict(self.values))


Event = Dose | ParameterChange


def expand_doses(
    doses: Iterable[Dose | Schedule | ParameterChange] | Dose | Schedule | ParameterChange,
) -> tuple[Event, ...]:
    """Flatten doses, schedules and parameter changes into events sorted by time.

    Examples
    --------
    >>> events = expand_doses([ParameterChange(5.0, {"k": 0.0}),
    ...                        Schedule("Conc", 1.0, start=0, every=4, count=2)])
    >>> [(type(e).__name__, e.time) for e in events]
    [('Dose', 0.0), ('Dose', 4.0), ('ParameterChange', 5.0)]
    """
    if isinstance(doses, (Dose, Schedule, ParameterChange)):
        doses = (doses,)
    if isinstance(doses, (str, bytes)) or not isinstance(doses, Iterable):
        raise ModelError(
            f"doses = {doses!r} is not allowed; allowed: a Dose, a Schedule, a ParameterChange, "
            "or a list of them.",
            field="doses",
            value=doses,
        )
    flat: list[Event] = []
    for item in doses:
        if isinstance(item, Schedule):
            flat.extend(item.doses())
        elif isinstance(item, (Dose, ParameterChange)):
            flat.append(item)
        else:
            raise ModelError(
                f"doses contains {item!r}; allowed: hemomodels.Dose, hemomodels.Schedule or "
                "hemomodels.ParameterChange objects.",
                field="doses",
                value=item,
            )
    return tuple(sorted(flat, key=lambda d: d.time))
