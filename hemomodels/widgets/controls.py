"""Controls of an explorable: small, frozen, keyword-only value objects.

A :class:`Slider` moves over a grid of numbers (a model parameter, or a scenario input such as
the volume of blood lost); a :class:`Choice` offers named options (e.g. the graft source).
:func:`bind` checks a control against a model and returns a :class:`BoundControl`: the grid of
values, the text shown for each value, the reader's label and the starting position. The same
grid serves the book's static page and the live widgets, so both offer exactly the same
values, and every value the text mentions can be put on the grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import rules
from ..errors import ModelError, invalid_value
from ..model import Model
from ..spec import format_number
from ..text import human_number, symbol_text
from ..units import reader_unit

__all__ = ["BoundControl", "Choice", "Control", "Slider", "bind"]

#: Most values on one slider (each is precomputed for the book's static page).
MAX_POINTS = 41


def _check_text(owner: str, name: str, value: Any, *, optional: bool = True) -> None:
    if (optional and value is None) or isinstance(value, str):
        return
    raise invalid_value(
        f"{owner} {name}", value, "text (str)" + (" or None" if optional else ""), None
    )


def _check_name(owner: str, name: Any) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise invalid_value(f"{owner} name", name, "a parameter or input name (str)", None)


@dataclass(frozen=True, kw_only=True)
class Slider:
    """A slider over numbers: a model parameter, or a scenario input.

    Give the grid of values as ``step`` (evenly spaced from ``low`` to ``high``), as explicit
    ``values``, or as a number of ``points`` (evenly spaced, or evenly in log10 with
    ``log=True``). The starting ``value`` must lie on the grid, so that the value a chapter's
    text discusses is one the reader can select.

    Parameters
    ----------
    name : str
        A model parameter, or the name of a scenario input (then ``label`` and ``unit`` are
        required, and the explorable needs a ``scenario`` function).
    low, high : float
        Ends of the slider (inside a parameter's bounds), in its unit.
    value : float, optional
        Starting value (default: the parameter's default value).
    step : float, optional
        Distance between neighbouring values.
    values : sequence of float, optional
        The values themselves, increasing (``low`` and ``high`` are then their ends).
    points : int, optional
        Number of values (default 7 when neither ``step`` nor ``values`` is given).
    log : bool, default False
        Space ``points`` values evenly in log10.
    label : str, optional
        Reader's label (default: the parameter's label and symbol, e.g.
        "Stem-cell self-renewal a₁").
    unit : str, optional
        Unit shown with the label (default: the parameter's unit, written for readers).
    format : str or callable, optional
        How values are shown: a Python format such as ``"{:.2f}"``, ``"{:g}×"`` or
        ``"{:.0%}"``, or a function of the value (default:
        :func:`~hemomodels.text.human_number`, e.g. "1.75 × 10⁻⁹").

    Examples
    --------
    >>> Slider(name="stem_self_renewal", low=0.45, high=0.95, step=0.05).name
    'stem_self_renewal'
    """

    name: str
    low: float | None = None
    high: float | None = None
    value: float | None = None
    step: float | None = None
    values: Sequence[float] | None = None
    points: int | None = None
    log: bool = False
    label: str | None = None
    unit: str | None = None
    format: str | Callable[[float], str] | None = None

    def __post_init__(self) -> None:
        _check_name("slider", self.name)
        for name in ("label", "unit"):
            _check_text("slider", name, getattr(self, name))
        if self.format is not None and not (isinstance(self.format, str) or callable(self.format)):
            raise invalid_value(
                f"slider {self.name!r} format", self.format, "a format string or a function", None
            )
        given = [n for n in ("step", "values", "points") if getattr(self, n) is not None]
        if len(given) > 1:
            raise ModelError(
                f"slider {self.name!r}: give one of step, values or points (got "
                f"{', '.join(given)}).",
                field=f"slider {self.name!r}",
                value=given,
            )
        object.__setattr__(self, "log", rules.flag(self.log, f"slider {self.name!r} log"))
        if self.values is not None:
            grid = rules.series(self.values, f"slider {self.name!r} values")
            if len(grid) < 2 or np.any(np.diff(grid) <= 0):
                raise invalid_value(
                    f"slider {self.name!r} values", self.values, "at least two, increasing", None
                )
            object.__setattr__(self, "values", tuple(float(v) for v in grid))
            object.__setattr__(self, "low", self.values[0])
            object.__setattr__(self, "high", self.values[-1])
        if self.low is None or self.high is None:
            raise ModelError(
                f"slider {self.name!r} needs low and high (or values).",
                field=f"slider {self.name!r}",
                value=(self.low, self.high),
            )
        low = rules.number(self.low, f"low end of slider {self.name!r}")
        high = rules.number(self.high, f"high end of slider {self.name!r}")
        if not low < high:
            raise invalid_value(f"slider {self.name!r} range", (low, high), "low < high", None)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if self.value is not None:
            object.__setattr__(
                self, "value", rules.number(self.value, f"start of slider {self.name!r}")
            )
        if self.step is not None:
            step = rules.number(self.step, f"slider {self.name!r} step", low=0.0)
            if step <= 0:
                raise invalid_value(f"slider {self.name!r} step", step, "> 0", None)
            object.__setattr__(self, "step", step)
        if self.points is not None:
            object.__setattr__(
                self,
                "points",
                rules.integer(self.points, f"slider {self.name!r} points", low=2, high=MAX_POINTS),
            )
        if self.log and low <= 0:
            raise invalid_value(f"low end of the log slider {self.name!r}", low, "> 0", None)

    def grid(self) -> np.ndarray:
        """The values the slider offers.

        Examples
        --------
        >>> Slider(name="a", low=0.5, high=0.9, step=0.1).grid().round(2).tolist()
        [0.5, 0.6, 0.7, 0.8, 0.9]
        >>> Slider(name="k", low=1.0, high=100.0, points=3, log=True).grid().tolist()
        [1.0, 10.0, 100.0]
        """
        assert self.low is not None and self.high is not None  # checked in __post_init__
        if self.values is not None:
            return np.array(self.values, dtype=float)
        if self.step is not None:
            count = (self.high - self.low) / self.step
            if abs(count - round(count)) > 1e-6 * max(1.0, count):
                raise invalid_value(
                    f"slider {self.name!r} step",
                    self.step,
                    f"a step that divides the range {format_number(self.low)} to "
                    f"{format_number(self.high)} evenly",
                    None,
                )
            n = int(round(count)) + 1
            if n > MAX_POINTS:
                raise invalid_value(
                    f"slider {self.name!r} step", self.step, f"at most {MAX_POINTS} values", None
                )
            return np.array([float(f"{self.low + i * self.step:.12g}") for i in range(n)])
        n = self.points or 7
        if self.log:
            return np.logspace(math.log10(self.low), math.log10(self.high), n)
        return np.linspace(self.low, self.high, n)


@dataclass(frozen=True, kw_only=True)
class Choice:
    """Named options: a scenario input (or a parameter) that takes one of a few values.

    Parameters
    ----------
    name : str
        A model parameter, or the name of a scenario input.
    options : mapping of str to object
        Option text shown to the reader → value passed on (a number for a parameter; any
        value for a scenario input, e.g. a key of a table of graft sources).
    value : str, optional
        Text of the starting option (default: the first).
    label : str
        Reader's label, e.g. "Graft source".

    Examples
    --------
    >>> source = Choice(name="source", label="Graft source",
    ...                 options={"Bone marrow": "marrow", "Cord blood": "cord"})
    >>> source.start
    'Bone marrow'
    """

    name: str
    options: Mapping[str, Any]
    label: str
    value: str | None = None

    def __post_init__(self) -> None:
        _check_name("choice", self.name)
        _check_text("choice", "label", self.label, optional=False)
        if not isinstance(self.options, Mapping) or len(self.options) < 2:
            raise invalid_value(
                f"choice {self.name!r} options", self.options, "a mapping of at least two", None
            )
        for text in self.options:
            _check_text("choice", "option", text, optional=False)
        object.__setattr__(self, "options", dict(self.options))
        if self.value is not None:
            rules.name(self.value, f"choice {self.name!r} value", list(self.options), kind="option")

    @property
    def start(self) -> str:
        """Text of the starting option."""
        return self.value if self.value is not None else next(iter(self.options))


Control = Slider | Choice


@dataclass(frozen=True)
class BoundControl:
    """A control checked against a model: what the explorable needs to draw and run it.

    Attributes
    ----------
    name : str
        Parameter or scenario-input name.
    label : str
        Reader's label with the unit, e.g. "Stem-cell division rate p₁ (1/day)".
    values : tuple
        The values offered, in order (numbers, or a :class:`Choice`'s option values).
    texts : tuple of str
        What the reader sees for each value.
    start : int
        Position of the starting value.
    is_parameter : bool
        Whether the control sets the model parameter ``name`` directly.
    kind : {"slider", "choice"}
        How it is drawn.
    """

    name: str
    label: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]
    start: int
    is_parameter: bool
    kind: str = field(default="slider")

    @property
    def start_value(self) -> Any:
        """The starting value."""
        return self.values[self.start]


def _format(value: float, pattern: str | Callable[[float], str] | None) -> str:
    if pattern is None:
        return human_number(value)
    if callable(pattern):
        return str(pattern(value))
    try:
        return pattern.format(value)
    except (ValueError, IndexError, KeyError) as error:
        raise invalid_value(
            "slider format", pattern, "a Python format such as '{:.2f}' or '{:g}×'", None
        ) from error


def _parameter_label(model: Model, name: str) -> str:
    parameter = model.parameter(name)
    symbol = symbol_text(parameter.latex)
    label = parameter.display_label
    return f"{label} {symbol}" if symbol and symbol not in label else label


def _with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def bind(model: Model, control: Control | str) -> BoundControl:
    """Check ``control`` against ``model`` and resolve its grid, texts and label.

    A plain parameter name gives a slider from half to twice the default (inside the bounds).

    Raises
    ------
    ModelError
        For a range outside a parameter's bounds, a starting value that is not on the grid,
        a scenario input named like a parameter or state, or one without label and unit.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> bound = bind(model, Slider(name="stem_self_renewal", low=0.45, high=0.95, step=0.05))
    >>> bound.label, bound.texts[bound.start]
    ('Stem-cell self-renewal a₁', '0.85')
    """
    rules.instance(model, "model", Model)
    if isinstance(control, str):
        default = model.parameter(control)
        low, high = default.bounds
        value = default.value
        lo = max(low, value / 2) if value > 0 else low
        hi = min(high, value * 2) if value > 0 else high
        control = Slider(name=control, low=lo, high=hi, values=sorted({lo, value, hi}))
    if isinstance(control, Choice):
        return _bind_choice(model, control)
    if not isinstance(control, Slider):
        raise invalid_value("control", control, "a Slider, a Choice or a parameter name", None)
    return _bind_slider(model, control)


def _bind_choice(model: Model, choice: Choice) -> BoundControl:
    is_parameter = choice.name in model.parameter_index
    if is_parameter:
        parameter = model.parameter(choice.name)
        for text, value in choice.options.items():
            if not parameter.contains(value):
                raise invalid_value(
                    f"option {text!r} of {choice.name!r}",
                    value,
                    parameter.bounds_text(),
                    parameter.unit,
                    model=model.name,
                )
    elif choice.name in model.state_index:
        raise ModelError(
            f"{model.name}: the choice {choice.name!r} has the name of a state; give it another "
            "name.",
            field=f"control {choice.name!r}",
            value=choice.name,
        )
    texts = tuple(choice.options)
    return BoundControl(
        choice.name,
        choice.label,
        tuple(choice.options.values()),
        texts,
        texts.index(choice.start),
        is_parameter,
        "choice",
    )


def _bind_slider(model: Model, slider: Slider) -> BoundControl:
    is_parameter = slider.name in model.parameter_index
    if is_parameter:
        parameter = model.parameter(slider.name)
        unit = reader_unit(parameter.unit) if slider.unit is None else slider.unit
        label = slider.label or _parameter_label(model, slider.name)
        start = parameter.value if slider.value is None else slider.value
        for end, number in (("low", slider.low), ("high", slider.high)):
            assert number is not None
            if not parameter.contains(number):
                raise invalid_value(
                    f"{end} end of the slider for {slider.name!r}",
                    number,
                    parameter.bounds_text(),
                    parameter.unit,
                    model=model.name,
                )
    else:
        if slider.name in model.state_index:
            raise ModelError(
                f"{model.name}: the scenario input {slider.name!r} has the name of a model "
                "state; give the input another name.",
                field=f"control {slider.name!r}",
                value=slider.name,
            )
        if slider.label is None or slider.unit is None or slider.value is None:
            raise ModelError(
                f"{model.name}: {slider.name!r} is not a parameter of the model, so as a "
                "scenario input it needs label=, unit= ('' if it has none) and value=.",
                field=f"control {slider.name!r}",
                value=slider.name,
            )
        label, unit, start = slider.label, slider.unit, slider.value
    grid = slider.grid()
    position = int(np.argmin(np.abs(grid - start)))
    if not math.isclose(grid[position], start, rel_tol=1e-9, abs_tol=1e-12):
        raise invalid_value(
            f"starting value of the slider {slider.name!r}",
            start,
            "a value on the slider's grid ("
            + ", ".join(format_number(float(v)) for v in grid[:12])
            + (" …" if len(grid) > 12 else "")
            + ")",
            unit or None,
            model=model.name,
            hint="Choose step=, values= or points= so the grid contains it.",
        )
    texts = tuple(_format(float(v), slider.format) for v in grid)
    return BoundControl(
        slider.name,
        _with_unit(label, unit),
        tuple(float(v) for v in grid),
        texts,
        position,
        is_parameter,
    )
