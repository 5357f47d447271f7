"""Events: instantaneous additions (boluses) to a compartment, and parameter changes.

A :class:`Dose` adds ``amount`` (in the unit of the target compartment) to ``target`` at
``time``. A :class:`Schedule` is a repeated dose (``count`` doses ``every`` time units from
``start``). A :class:`ParameterChange` sets parameters to new values from ``time`` on (a
therapy started or stopped). The integrator stops at every event time and restarts from the
new state, so no event is ever stepped over. Values at an event time are reported *after* it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import rules
from .errors import ModelError, invalid_value

__all__ = ["Dose", "ParameterChange", "Schedule", "expand_doses"]

_TIME_UNIT = "model time unit"
_AMOUNT_UNIT = "unit of the target compartment"


def _target(field: str, value: object) -> None:
    if not isinstance(value, str):
        raise invalid_value(field, value, "a compartment name (str)", None)


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
        object.__setattr__(
            self, "time", rules.number(self.time, "dose time", low=0.0, unit=_TIME_UNIT)
        )
        object.__setattr__(
            self, "amount", rules.number(self.amount, "dose amount", low=0.0, unit=_AMOUNT_UNIT)
        )
        _target("dose target", self.target)


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
        _target("schedule target", self.target)
        numbers = {
            "amount": rules.number(self.amount, "schedule amount", low=0.0, unit=_AMOUNT_UNIT),
            "start": rules.number(self.start, "schedule start", low=0.0, unit=_TIME_UNIT),
            "every": rules.number(
                self.every, "schedule every", low=0.0, low_open=True, unit=_TIME_UNIT
            ),
            "count": rules.integer(self.count, "schedule count", low=1, unit="doses"),
        }
        for name, value in numbers.items():
            object.__setattr__(self, name, value)

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
        time = rules.number(self.time, "parameter change time", low=0.0, unit=_TIME_UNIT)
        if not isinstance(self.values, Mapping) or not self.values:
            raise invalid_value(
                "parameter change values",
                self.values,
                "a non-empty mapping of parameter names to numbers",
                None,
            )
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "values", rules.mapping(self.values, "parameter change values"))


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
