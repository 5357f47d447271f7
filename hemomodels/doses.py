"""Events: boluses, zero-order infusions, parameter changes, and events triggered by the state.

A :class:`Dose` adds ``amount`` (in the unit of the target compartment) to ``target`` at
``time``. A :class:`Schedule` is a repeated dose (``count`` doses ``every`` time units from
``start``). An :class:`Infusion` adds ``amount`` at a constant rate over ``duration`` (a drip).
A :class:`ParameterChange` sets parameters to new values from ``time`` on (a therapy started
or stopped). The integrator stops at every event time (and at the start and end of every
infusion) and restarts from the new state, so no event is ever stepped over. Values at an
event time are reported *after* it.

A :class:`When` is triggered by the state instead of the clock: when a state or observable
falls below (or rises above) a threshold, it gives doses and/or sets parameters. The crossing
time is located by SciPy's event location on the solver's dense output, and the simulation
restarts exactly there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import rules
from .errors import ModelError, invalid_value

__all__ = [
    "Dose",
    "Doses",
    "Infusion",
    "ParameterChange",
    "Schedule",
    "When",
    "expand_doses",
    "split_conditions",
    "infusion_inputs",
]

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


@dataclass(frozen=True)
class Infusion:
    """A zero-order infusion: ``amount`` into ``target`` at a constant rate over
    ``duration``, from ``start`` (e.g. a drug given as a one-hour intravenous drip).

    The target gains ``amount / duration`` per time unit between ``start`` and
    ``start + duration``; infusions into the same compartment add up. An infusion that runs
    past the end of a simulation is simply cut there.

    Parameters
    ----------
    start : float
        When the infusion starts, in the model's time unit (>= 0).
    duration : float
        How long it runs (> 0), in the model's time unit.
    target : str
        Compartment (state) that receives it.
    amount : float
        Total amount given, in the unit of the target compartment (>= 0).

    Examples
    --------
    >>> drip = Infusion(start=0.0, duration=1.0, target="Conc", amount=30.0)
    >>> drip.rate, drip.end
    (30.0, 1.0)
    """

    start: float
    duration: float
    target: str
    amount: float

    def __post_init__(self) -> None:
        _target("infusion target", self.target)
        numbers = {
            "start": rules.number(self.start, "infusion start", low=0.0, unit=_TIME_UNIT),
            "duration": rules.number(
                self.duration, "infusion duration", low=0.0, low_open=True, unit=_TIME_UNIT
            ),
            "amount": rules.number(self.amount, "infusion amount", low=0.0, unit=_AMOUNT_UNIT),
        }
        for name, value in numbers.items():
            object.__setattr__(self, name, value)

    @property
    def end(self) -> float:
        """When the infusion stops (model time unit)."""
        return self.start + self.duration

    @property
    def rate(self) -> float:
        """Amount per time unit while it runs."""
        return self.amount / self.duration

    @property
    def time(self) -> float:
        """The start, so infusions sort with the other events."""
        return self.start


@dataclass(frozen=True)
class When:
    """Act when ``variable`` falls below ``below`` (or rises above ``above``).

    The action is doses (``dose``: amounts added to compartments) and/or parameter changes
    (``set``: new values). A variable already past the threshold at time 0 triggers at
    time 0. After triggering, the event is spent if ``once``; otherwise it re-arms when the
    variable crosses back, and triggers again at the next crossing.

    Parameters
    ----------
    variable : str
        A state or observable of the model.
    below, above : float
        The threshold, in the variable's unit: give exactly one (``below`` triggers on a fall,
        ``above`` on a rise).
    dose : mapping of str to float, optional
        Amount added to each named compartment (>= 0, the compartment's unit).
    set : mapping of str to float, optional
        New parameter values (checked against the parameters' bounds when simulated).
    once : bool
        Trigger at most once (default) or at every crossing.
    label : str
        What the event is, in words (e.g. ``"transfusion"``), for the record of triggered
        events.

    Examples
    --------
    >>> transfusion = When("hemoglobin", below=7.0, dose={"red_cells": 0.5}, once=False,
    ...                    label="transfusion")
    >>> transfusion.direction
    'below'
    """

    variable: str
    below: float | None = None
    above: float | None = None
    dose: Mapping[str, float] = field(default_factory=dict)
    set: Mapping[str, float] = field(default_factory=dict)
    once: bool = True
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.variable, str):
            raise invalid_value("When variable", self.variable, "a state or observable name", None)
        if (self.below is None) == (self.above is None):
            raise ModelError(
                f"When({self.variable!r}): below = {self.below!r}, above = {self.above!r} is not "
                "allowed; allowed: exactly one of below or above.",
                field="When threshold",
                value=(self.below, self.above),
            )
        side = "below" if self.below is not None else "above"
        object.__setattr__(
            self, side, rules.number(getattr(self, side), f"When {side}", unit="variable's unit")
        )
        doses = rules.mapping(self.dose, "When dose")
        doses = {
            name: rules.number(amount, f"When dose[{name!r}]", low=0.0, unit=_AMOUNT_UNIT)
            for name, amount in doses.items()
        }
        values = rules.mapping(self.set, "When set")
        if not doses and not values:
            raise ModelError(
                f"When({self.variable!r}) does nothing; allowed: a dose, a set of parameter "
                "values, or both.",
                field="When action",
                value=None,
            )
        object.__setattr__(self, "dose", doses)
        object.__setattr__(self, "set", values)
        object.__setattr__(self, "once", rules.flag(self.once, "When once"))
        if not isinstance(self.label, str):
            raise invalid_value("When label", self.label, "a text (str)", None)

    @property
    def direction(self) -> str:
        """``"below"`` or ``"above"``."""
        return "below" if self.below is not None else "above"

    @property
    def threshold(self) -> float:
        """The threshold, in the variable's unit."""
        return float(self.below if self.below is not None else self.above)  # type: ignore[arg-type]

    def describe(self) -> str:
        """The event in words.

        Examples
        --------
        >>> When("ANC", below=0.5, set={"gcsf_rise": 1.0}).describe()
        'ANC below 0.5: set gcsf_rise = 1'
        """
        actions = [f"{amount:g} into {target}" for target, amount in self.dose.items()]
        actions += [f"set {name} = {value:g}" for name, value in self.set.items()]
        head = f"{self.label} (" if self.label else ""
        tail = ")" if self.label else ""
        return f"{head}{self.variable} {self.direction} {self.threshold:g}{tail}: " + "; ".join(
            actions
        )


Event = Dose | ParameterChange | Infusion
#: What a ``doses=`` argument accepts: one event or schedule, or an iterable of them.
Doses = (
    Dose
    | Schedule
    | ParameterChange
    | Infusion
    | When
    | Iterable[Dose | Schedule | ParameterChange | Infusion | When]
)


def split_conditions(doses: Any) -> tuple[Any, tuple[When, ...]]:
    """Separate the state-triggered events (:class:`When`) from the scheduled ones.

    Examples
    --------
    >>> refill = When("A", below=1, dose={"A": 1})
    >>> scheduled, conditions = split_conditions([Dose(0, "A", 1.0), refill])
    >>> len(scheduled), len(conditions)
    (1, 1)
    """
    if isinstance(doses, When):
        return (), (doses,)
    if isinstance(doses, (list, tuple)):
        conditions = tuple(item for item in doses if isinstance(item, When))
        if conditions:
            return [item for item in doses if not isinstance(item, When)], conditions
    return doses, ()


def infusion_inputs(events: Iterable[Event], time: float) -> dict[str, float]:
    """Total rate of the infusions running at ``time`` (start <= time < end), by target.

    Examples
    --------
    >>> infusion_inputs([Infusion(0, 2, "Conc", 4.0), Infusion(1, 1, "Conc", 1.0)], 1.0)
    {'Conc': 3.0}
    """
    rates: dict[str, float] = {}
    for event in events:
        if isinstance(event, Infusion) and event.start <= time < event.end:
            rates[event.target] = rates.get(event.target, 0.0) + event.rate
    return rates


def expand_doses(doses: Doses) -> tuple[Event, ...]:
    """Flatten doses, schedules, infusions and parameter changes into events sorted by time.

    Examples
    --------
    >>> events = expand_doses([ParameterChange(5.0, {"k": 0.0}),
    ...                        Schedule("Conc", 1.0, start=0, every=4, count=2)])
    >>> [(type(e).__name__, e.time) for e in events]
    [('Dose', 0.0), ('Dose', 4.0), ('ParameterChange', 5.0)]
    """
    if isinstance(doses, (Dose, Schedule, ParameterChange, Infusion)):
        doses = (doses,)
    if isinstance(doses, (str, bytes)) or not isinstance(doses, Iterable):
        raise ModelError(
            f"doses = {doses!r} is not allowed; allowed: a Dose, a Schedule, an Infusion, a "
            "ParameterChange, or a list of them.",
            field="doses",
            value=doses,
        )
    flat: list[Event] = []
    for item in doses:
        if isinstance(item, Schedule):
            flat.extend(item.doses())
        elif isinstance(item, (Dose, ParameterChange, Infusion)):
            flat.append(item)
        else:
            raise ModelError(
                f"doses contains {item!r}; allowed: hemomodels.Dose, hemomodels.Schedule, "
                "hemomodels.Infusion or hemomodels.ParameterChange objects.",
                field="doses",
                value=item,
            )
    return tuple(sorted(flat, key=lambda d: d.time))
