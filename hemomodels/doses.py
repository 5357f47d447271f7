"""Events: boluses, zero-order infusions, parameter changes, and events triggered by the state.

A :class:`Dose` adds ``amount`` (in the unit of the target compartment) to ``target`` at
``time``. A :class:`Schedule` is a repeated dose (``count`` doses ``every`` time units from
``start``). An :class:`Infusion` adds ``amount`` at a constant rate over ``duration`` (a drip).
A :class:`ParameterChange` sets parameters to new values, or multiplies them by factors, from
``time`` on (a therapy started or stopped, a dose reduction). The integrator stops at every
event time (and at the start and end of every infusion) and restarts from the new state, so
no event is ever stepped over. Values at an event time are reported *after* it.

A :class:`When` is triggered by the state instead of the clock: when a state or observable
falls below (or rises above) a threshold, it gives doses, sets or scales parameters, or stops
the simulation. The crossing time is located by SciPy's event location on the solver's dense
output, and the simulation restarts exactly there.

In a cohort (:meth:`~hemomodels.Model.simulate_many`) an amount, a parameter value or a
factor can differ between patients: :class:`PerPatient` reads it from a column of the
cohort table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import rules
from .errors import ModelError, invalid_value

__all__ = [
    "Dose",
    "Doses",
    "Infusion",
    "ParameterChange",
    "PerPatient",
    "Schedule",
    "When",
    "expand_doses",
    "for_patient",
    "per_patient_columns",
    "split_conditions",
    "infusion_inputs",
]

_TIME_UNIT = "model time unit"
_AMOUNT_UNIT = "unit of the target compartment"
_FACTOR_UNIT = "1"


def _target(field: str, value: object) -> None:
    if not isinstance(value, str):
        raise invalid_value(field, value, "a compartment name (str)", None)


@dataclass(frozen=True)
class PerPatient:
    """A value that differs between the patients of a cohort, read from ``column`` of the
    table given to :meth:`~hemomodels.Model.simulate_many` (one value per patient, i.e. per
    row), e.g. a dose scaled to each patient's body-surface area.

    The name says what the value is — one per patient — rather than where it is kept: ``amount
    = PerPatient("dose_uM")`` reads as "the amount, per patient, from the ``dose_uM``
    column", where a name such as ``Column`` would not say that each patient gets their own.

    It may stand for ``Dose.amount``, ``Schedule.amount``, ``Infusion.amount``, an amount of
    ``When.dose``, a value of ``ParameterChange.values`` or ``When.set``, and a factor of
    ``ParameterChange.scale`` or ``When.scale``. Each patient's value is checked, before any
    integration, by the rule a number in its place meets (an amount or a factor is a finite
    number >= 0, a parameter value lies within the parameter's bounds); a failing value raises
    a :class:`~hemomodels.ModelError` naming the patient (row) and the column. The column may
    have a name the model does not know (it is then read only by the doses), or be a
    parameter or state column. Other unknown columns of the table are refused as before (they
    would otherwise be silently ignored): leave out columns nothing reads, such as the
    body-surface area a dose column was computed from. :meth:`~hemomodels.Model.simulate`
    (one patient, no table) refuses a ``PerPatient``: give the number itself there.

    Parameters
    ----------
    column : str
        Name of the column of the cohort table holding the values.

    Examples
    --------
    Dose by body-surface area: 50 µM per m², each patient's dose in its own column.

    >>> import hemomodels as hm
    >>> bsa_m2 = [1.6, 2.0]  # each patient's body-surface area
    >>> table = {"dose_uM": [50.0 * area for area in bsa_m2]}
    >>> dose = hm.Dose(0.0, "Conc", amount=hm.PerPatient("dose_uM"))
    >>> cohort = hm.models.friberg2002().simulate_many(table, 1.0, doses=dose, t_eval=[0, 1])
    >>> cohort["Conc"][:, 0].tolist()  # reported after the dose
    [80.0, 100.0]
    """

    column: str

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column:
            raise invalid_value(
                "PerPatient column", self.column, "the name (str) of a cohort-table column", None
            )


#: A number, or one number per patient of a cohort (:class:`PerPatient`).
Amount = float | PerPatient


def _amount(value: Any, field: str, unit: str = _AMOUNT_UNIT) -> float | PerPatient:
    """A number >= 0, or a :class:`PerPatient` (its values are checked when simulated)."""
    if isinstance(value, PerPatient):
        return value
    return rules.number(value, field, low=0.0, unit=unit)


def _values(value: Any, field: str) -> dict[str, Any]:
    """Parameter values by name: numbers or :class:`PerPatient` (checked against the
    parameters' bounds when simulated)."""
    return rules.mapping(value, field)


def _factors(value: Any, field: str) -> dict[str, float | PerPatient]:
    """Factors by parameter name: numbers >= 0 or :class:`PerPatient`."""
    return {
        name: _amount(factor, f"{field}[{name!r}]", _FACTOR_UNIT)
        for name, factor in rules.mapping(value, field).items()
    }


def _text(value: Any) -> str:
    """A number as ``%g``, a :class:`PerPatient` as its column."""
    if isinstance(value, PerPatient):
        return f"{value.column} (per patient)"
    return f"{value:g}"


@dataclass(frozen=True)
class Dose:
    """A bolus of ``amount`` added to compartment ``target`` at ``time``.

    Parameters
    ----------
    time : float
        When the dose is given, in the model's time unit (>= 0).
    target : str
        Name of the compartment (state) that receives the dose.
    amount : float or PerPatient
        Amount added, in the unit of the target compartment (>= 0); in a cohort, a
        :class:`PerPatient` column gives each patient their own amount.

    Examples
    --------
    >>> Dose(time=0.0, target="Conc", amount=33.5)
    Dose(time=0.0, target='Conc', amount=33.5)
    >>> Dose(0.0, "Conc", PerPatient("dose_uM")).amount
    PerPatient(column='dose_uM')
    """

    time: float
    target: str
    amount: float | PerPatient

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "time", rules.number(self.time, "dose time", low=0.0, unit=_TIME_UNIT)
        )
        object.__setattr__(self, "amount", _amount(self.amount, "dose amount"))
        _target("dose target", self.target)


@dataclass(frozen=True)
class Schedule:
    """A repeated dose: ``count`` boluses of ``amount`` into ``target``, ``every`` time units.

    Parameters
    ----------
    target : str
        Compartment that receives the doses.
    amount : float or PerPatient
        Amount per dose, in the unit of the target compartment (>= 0), or a
        :class:`PerPatient` column (in a cohort).
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
    amount: float | PerPatient
    start: float
    every: float
    count: int

    def __post_init__(self) -> None:
        _target("schedule target", self.target)
        numbers: dict[str, Any] = {
            "amount": _amount(self.amount, "schedule amount"),
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
    """Change parameters from ``time`` on (e.g. start or stop a therapy, reduce a dose):
    set them to new values, multiply them by factors, or both (for different parameters).

    Parameters
    ----------
    time : float
        When the change happens, in the model's time unit (>= 0).
    values : mapping of str to float or PerPatient
        New (absolute) parameter values.
    scale : mapping of str to float or PerPatient
        Factors (finite numbers >= 0, dimensionless): the parameter's value in effect at
        ``time`` (after earlier changes, and after those listed before this one at the same
        time) is multiplied by its factor, e.g. ``{"kel": 0.5}`` halves ``kel``.

    Notes
    -----
    Give ``values``, ``scale`` or both, but not the same parameter in both. Every resulting
    value is checked against the parameter's bounds (for every patient of a cohort) before
    the integration starts: the value in effect at each time follows from the schedule. Only
    when a :class:`When` also changes a scaled parameter is the product known no earlier than
    the change itself; it is checked then, and a value out of bounds stops the simulation with
    a :class:`~hemomodels.ModelError` naming the parameter, the patient and the time.
    ``result.parameter_history()`` shows the resulting absolute values.

    Examples
    --------
    >>> ParameterChange(365.0, {"imatinib": 0.0}).values
    {'imatinib': 0.0}
    >>> ParameterChange(24.0, scale={"kel": 0.5}).scale
    {'kel': 0.5}
    """

    time: float
    values: Mapping[str, float | PerPatient] = field(default_factory=dict)
    scale: Mapping[str, float | PerPatient] = field(default_factory=dict)

    def __post_init__(self) -> None:
        time = rules.number(self.time, "parameter change time", low=0.0, unit=_TIME_UNIT)
        if not isinstance(self.values, Mapping) or (not self.values and not self.scale):
            raise invalid_value(
                "parameter change values",
                self.values,
                "a non-empty mapping of parameter names to numbers (or factors in scale=)",
                None,
            )
        values = _values(self.values, "parameter change values")
        factors = _factors(self.scale, "parameter change scale")
        both = sorted(set(values) & set(factors))
        if both:
            raise ModelError(
                f"ParameterChange at t = {time:g} both sets and scales {both}; allowed: each "
                "parameter in values or in scale, not both.",
                field="parameter change scale",
                value=both,
            )
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "scale", factors)

    @property
    def names(self) -> list[str]:
        """The parameters this change sets or scales.

        Examples
        --------
        >>> ParameterChange(1.0, {"a": 1.0}, scale={"b": 2.0}).names
        ['a', 'b']
        """
        return [*self.values, *self.scale]


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
    amount : float or PerPatient
        Total amount given, in the unit of the target compartment (>= 0), or a
        :class:`PerPatient` column (in a cohort).

    Examples
    --------
    >>> drip = Infusion(start=0.0, duration=1.0, target="Conc", amount=30.0)
    >>> drip.rate, drip.end
    (30.0, 1.0)
    """

    start: float
    duration: float
    target: str
    amount: float | PerPatient

    def __post_init__(self) -> None:
        _target("infusion target", self.target)
        numbers: dict[str, Any] = {
            "start": rules.number(self.start, "infusion start", low=0.0, unit=_TIME_UNIT),
            "duration": rules.number(
                self.duration, "infusion duration", low=0.0, low_open=True, unit=_TIME_UNIT
            ),
            "amount": _amount(self.amount, "infusion amount"),
        }
        for name, value in numbers.items():
            object.__setattr__(self, name, value)

    @property
    def end(self) -> float:
        """When the infusion stops (model time unit)."""
        return self.start + self.duration

    @property
    def rate(self) -> float:
        """Amount per time unit while it runs (an infusion with a :class:`PerPatient`
        amount has one rate per patient: ``for_patient`` gives one patient's infusion)."""
        if isinstance(self.amount, PerPatient):
            raise ModelError(
                f"the infusion into {self.target!r} has the per-patient amount "
                f"{self.amount!r}, so no single rate; allowed: Infusion.rate of a numeric "
                "amount (for_patient gives one patient's infusion).",
                field="infusion amount",
                value=self.amount,
            )
        return self.amount / self.duration

    @property
    def time(self) -> float:
        """The start, so infusions sort with the other events."""
        return self.start


@dataclass(frozen=True)
class When:
    """Act when ``variable`` falls below ``below`` (or rises above ``above``).

    The action is doses (``dose``: amounts added to compartments), parameter changes (``set``:
    new absolute values; ``scale``: the values in effect multiplied by factors), stopping the
    simulation (``stop``), or several of these. A variable already past the threshold at time
    0 triggers at time 0. After triggering, the event is spent if ``once``; otherwise it
    re-arms when the variable crosses back, and triggers again at the next crossing.

    Parameters
    ----------
    variable : str
        A state or observable of the model.
    below, above : float
        The threshold, in the variable's unit: give exactly one (``below`` triggers on a fall,
        ``above`` on a rise).
    dose : mapping of str to float or PerPatient, optional
        Amount added to each named compartment (>= 0, the compartment's unit).
    set : mapping of str to float or PerPatient, optional
        New parameter values (checked against the parameters' bounds before simulating).
    once : bool
        Trigger at most once (default) or at every crossing.
    label : str
        What the event is, in words (e.g. ``"transfusion"``), for the record of triggered
        events.
    scale : mapping of str to float or PerPatient, optional
        Factors (finite numbers >= 0): each named parameter's value in effect at the crossing
        is multiplied by its factor. The product is known only then, so it is checked against
        the parameter's bounds at the crossing: a value out of bounds stops the simulation
        with a :class:`~hemomodels.ModelError` naming the parameter, the patient and the time.
        A parameter may be in ``set`` or in ``scale``, not both.
    stop : bool
        End the simulation at the crossing (after the other actions). The result then holds
        only the output times up to the crossing (``result.t`` is shorter; the crossing is in
        ``result.triggered_events()``). Only for one patient (:meth:`~hemomodels.Model.simulate`):
        a cohort refuses it, since its patients share one time axis.

    Notes
    -----
    :class:`PerPatient` amounts, values and factors are read from the cohort table, one per
    patient, and checked before simulating.

    Examples
    --------
    >>> transfusion = When("hemoglobin", below=7.0, dose={"red_cells": 0.5}, once=False,
    ...                    label="transfusion")
    >>> transfusion.direction
    'below'
    >>> When("ANC", below=0.5, scale={"slope": 0.75}, stop=True).describe()
    'ANC below 0.5: scale slope × 0.75; stop the simulation'
    """

    variable: str
    below: float | None = None
    above: float | None = None
    dose: Mapping[str, float | PerPatient] = field(default_factory=dict)
    set: Mapping[str, float | PerPatient] = field(default_factory=dict)
    once: bool = True
    label: str = ""
    scale: Mapping[str, float | PerPatient] = field(default_factory=dict)
    stop: bool = False

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
        doses = {
            name: _amount(amount, f"When dose[{name!r}]")
            for name, amount in rules.mapping(self.dose, "When dose").items()
        }
        values = _values(self.set, "When set")
        factors = _factors(self.scale, "When scale")
        stop = rules.flag(self.stop, "When stop")
        if not doses and not values and not factors and not stop:
            raise ModelError(
                f"When({self.variable!r}) does nothing; allowed: a dose, a set of parameter "
                "values, a scale of parameters, stop=True, or several of these.",
                field="When action",
                value=None,
            )
        both = sorted(set(values) & set(factors))
        if both:
            raise ModelError(
                f"When({self.variable!r}) both sets and scales {both}; allowed: each "
                "parameter in set or in scale, not both.",
                field="When scale",
                value=both,
            )
        object.__setattr__(self, "dose", doses)
        object.__setattr__(self, "set", values)
        object.__setattr__(self, "scale", factors)
        object.__setattr__(self, "stop", stop)
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
        actions = [f"{_text(amount)} into {target}" for target, amount in self.dose.items()]
        actions += [f"set {name} = {_text(value)}" for name, value in self.set.items()]
        actions += [f"scale {name} × {_text(factor)}" for name, factor in self.scale.items()]
        actions += ["stop the simulation"] if self.stop else []
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


def _items(doses: Any) -> list[Any]:
    """The events and schedules in ``doses`` (one of them, or a list or tuple of them);
    anything else is left for :func:`hemomodels.validation.check_doses` to refuse."""
    if isinstance(doses, (Dose, Schedule, ParameterChange, Infusion, When)):
        return [doses]
    if isinstance(doses, (list, tuple)):
        return list(doses)
    return []


def _per_patient_fields(item: Any) -> list[PerPatient]:
    if isinstance(item, (Dose, Schedule, Infusion)):
        values: list[Any] = [item.amount]
    elif isinstance(item, ParameterChange):
        values = [*item.values.values(), *item.scale.values()]
    elif isinstance(item, When):
        values = [*item.dose.values(), *item.set.values(), *item.scale.values()]
    else:
        values = []
    return [value for value in values if isinstance(value, PerPatient)]


def per_patient_columns(doses: Any) -> tuple[str, ...]:
    """Columns of the cohort table that the :class:`PerPatient` values in ``doses`` name, in
    order of first use (``doses`` as for :meth:`~hemomodels.Model.simulate_many`).

    Examples
    --------
    >>> per_patient_columns([Dose(0, "Conc", PerPatient("dose_uM")),
    ...                      ParameterChange(5, scale={"kel": PerPatient("kel_factor")})])
    ('dose_uM', 'kel_factor')
    """
    columns = [value.column for item in _items(doses) for value in _per_patient_fields(item)]
    return tuple(dict.fromkeys(columns))


def for_patient(event: Any, values: Mapping[str, float]) -> Any:
    """``event`` with every :class:`PerPatient` replaced by one patient's value
    (``values``: column name → that patient's value); events without one are returned as
    they are.

    Examples
    --------
    >>> for_patient(Dose(0.0, "Conc", PerPatient("dose_uM")), {"dose_uM": 80.0})
    Dose(time=0.0, target='Conc', amount=80.0)
    """

    def one(value: Any) -> Any:
        return values[value.column] if isinstance(value, PerPatient) else value

    def each(mapping: Mapping[str, Any]) -> dict[str, Any]:
        return {name: one(value) for name, value in mapping.items()}

    if not _per_patient_fields(event):
        return event
    if isinstance(event, (Dose, Schedule, Infusion)):
        return replace(event, amount=one(event.amount))
    if isinstance(event, ParameterChange):
        return replace(event, values=each(event.values), scale=each(event.scale))
    return replace(event, dose=each(event.dose), set=each(event.set), scale=each(event.scale))
