"""Explorables: one call gives live ipywidgets in a kernel and working sliders in static HTML.

:func:`explore` returns an :class:`Explorable`. Displayed in a live kernel (Jupyter, Binder)
it shows ipywidgets sliders that re-run :meth:`hemomodels.Model.simulate` and redraw an
Altair chart, with the stable steady state. Displayed while the book is built
(``HEMOMODELS_STATIC_HTML=1``), it shows the same chart as Vega-Lite with sliders bound to
parameters, over simulations precomputed on a grid of the controlled values, so moving a
slider changes the chart with no Python. No dead widget reaches the HTML.

Sliders control model parameters directly, or scenario inputs (:class:`Input`, e.g. the
volume of blood lost or a drug dose) that a ``scenario`` function turns into parameters,
initial values and doses.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from .extras import missing_extra

try:
    import altair as alt
except ImportError as error:  # the charts extra is not installed
    raise missing_extra("altair", "hemomodels.widgets (explorables)", extra="widgets") from error

from . import rules
from .doses import Dose, Doses, Infusion, ParameterChange, Schedule
from .errors import ModelError, describe_unit, invalid_value
from .model import Model
from .result import Result
from .spec import format_number
from .viz import _round, is_static, render_static_html, variable_color

__all__ = ["Control", "Explorable", "Input", "explore"]

#: Largest number of precomputed simulations behind one static explorable.
MAX_GRID = 343
#: Most output times per simulation of an explorable (each page holds the whole grid).
MAX_TIME_POINTS = 2_000

Scenario = Callable[[dict[str, float]], Mapping[str, Any]]
Summary = Callable[[Result], Mapping[str, str]]
Overlay = Callable[[Result], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Input:
    """A slider that is not a model parameter: a scenario input such as a dose or a blood loss.

    A ``scenario`` function given to :func:`explore` turns the slider values into
    ``params``, ``y0`` and ``doses`` for :meth:`~hemomodels.Model.simulate`.

    Parameters
    ----------
    low, high : float
        Slider range.
    value : float
        Initial slider value.
    unit : str
        Unit of the value.
    description : str
        What the slider sets, in words.
    log : bool
        Logarithmic slider.

    Examples
    --------
    >>> dose = Input(0.0, 5.0, 2.0, "mg", "bolus")
    >>> dose.value, dose.log
    (2.0, False)
    """

    low: float
    high: float
    value: float
    unit: str
    description: str
    log: bool = False

    def __post_init__(self) -> None:
        for name in ("unit", "description"):
            if not isinstance(getattr(self, name), str):
                raise invalid_value(f"Input {name}", getattr(self, name), "text (str)", None)
        unit = describe_unit(self.unit)
        for name in ("low", "high", "value"):
            object.__setattr__(
                self, name, rules.number(getattr(self, name), f"Input {name}", unit=unit)
            )
        object.__setattr__(self, "log", rules.flag(self.log, "Input log"))


@dataclass(frozen=True)
class Control:
    """A slider: a model parameter or a scenario :class:`Input`.

    Attributes
    ----------
    name : str
        Parameter name, or the name of the scenario input.
    low, high : float
        Slider range, in ``unit``.
    log : bool
        Logarithmic slider (for values spanning orders of magnitude).
    points : int
        Grid points precomputed for the static HTML.
    unit, description : str
        Shown next to the slider.
    value : float
        Initial value.
    is_parameter : bool
        Whether the slider sets the model parameter ``name`` directly.

    Examples
    --------
    >>> from hemomodels.widgets import Control
    >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
    >>> control.log, control.points
    (True, 3)
    """

    name: str
    low: float
    high: float
    log: bool
    points: int
    unit: str
    description: str
    value: float
    is_parameter: bool

    def grid(self) -> np.ndarray:
        """Values precomputed for the static HTML (evenly spaced, or in log10).

        Examples
        --------
        >>> from hemomodels.widgets import Control
        >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
        >>> [float(v) for v in control.grid()]
        [1e-10, 1e-09, 1e-08]
        """
        if self.log:
            return np.logspace(math.log10(self.low), math.log10(self.high), self.points)
        return np.linspace(self.low, self.high, self.points)

    def slider_value(self, value: float) -> float:
        """Value in slider coordinates (log10 for a log slider).

        Examples
        --------
        >>> from hemomodels.widgets import Control
        >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
        >>> control.slider_value(1e-9)
        -9.0
        """
        return math.log10(value) if self.log else value

    def step(self) -> float:
        """Distance between neighbouring grid points in slider coordinates.

        Examples
        --------
        >>> from hemomodels.widgets import Control
        >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
        >>> control.step()
        1.0
        """
        low, high = self.slider_value(self.low), self.slider_value(self.high)
        return (high - low) / (self.points - 1)

    def nearest(self, value: float) -> float:
        """The grid value closest to ``value`` (in slider coordinates).

        Examples
        --------
        >>> from hemomodels.widgets import Control
        >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
        >>> control.nearest(2e-9)
        1e-09
        """
        return float(self.grid()[self._nearest_index(value)])

    def _nearest_index(self, value: float) -> int:
        distance = [abs(self.slider_value(g) - self.slider_value(value)) for g in self.grid()]
        return int(np.argmin(distance))

    def slider_range(self) -> tuple[float, float, float]:
        """``(min, max, step)`` of the HTML slider, as short decimals.

        Browsers step a range input in decimal arithmetic from ``min``; with a step such as
        0.15000000000000002 the last grid point would lie past ``max`` and be unreachable. So
        ``min`` and ``step`` are rounded to a decimal quantum (a millionth of the step) and
        ``max`` is exactly ``min + (points - 1) * step``.

        Examples
        --------
        >>> from hemomodels.widgets import Control
        >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
        >>> control.slider_range()
        (-10.0, -8.0, 1.0)
        """
        low = self.slider_value(self.low)
        step = self.step()
        quantum = 10.0 ** (math.floor(math.log10(step)) - 6)

        def snap(x: float) -> float:
            return float(f"{round(x / quantum) * quantum:.12g}")

        low, step = snap(low), snap(step)
        return low, snap(low + (self.points - 1) * step), step

    def position(self, value: float) -> float:
        """Slider position (from :meth:`slider_range`) of the grid point nearest ``value``.

        Examples
        --------
        >>> from hemomodels.widgets import Control
        >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
        >>> control.position(2e-9)
        -9.0
        """
        low, _, step = self.slider_range()
        return float(f"{low + self._nearest_index(value) * step:.12g}")

    def label(self) -> str:
        """Slider label with unit, e.g. ``"stem_self_renewal (dimensionless)"``.

        Examples
        --------
        >>> from hemomodels.widgets import Control
        >>> control = Control("k", 1e-10, 1e-8, True, 3, "kg/cell", "feedback", 1e-9, True)
        >>> control.label()
        'log10 k (kg/cell)'
        """
        unit = describe_unit(self.unit)
        return f"log10 {self.name} ({unit})" if self.log else f"{self.name} ({unit})"


def _range(model: Model, name: str, spec: Any) -> tuple[float, float, bool, float | None]:
    """``(low, high, log, initial)`` from ``(low, high[, scale[, initial]])``."""
    if not isinstance(spec, Sequence) or isinstance(spec, str) or len(spec) not in (2, 3, 4):
        raise ModelError(
            f"{model.name}: control {name!r} = {spec!r} is not allowed; allowed: (low, high), "
            "(low, high, 'log' or 'linear'), (low, high, scale, initial value) or a "
            "hemomodels.widgets.Input.",
            field=f"control {name!r}",
            value=spec,
        )
    if len(spec) >= 3:
        rules.choice(spec[2], f"scale of control {name!r}", ("log", "linear"), model=model.name)
    low, high = (
        rules.number(spec[i], f"{end} end of the slider for {name!r}", model=model.name)
        for i, end in ((0, "low"), (1, "high"))
    )
    initial = (
        rules.number(spec[3], f"initial value of the slider {name!r}", model=model.name)
        if len(spec) == 4
        else None
    )
    return low, high, len(spec) >= 3 and spec[2] == "log", initial


def _control(model: Model, name: str, spec: Any, points: int) -> Control:
    contains: Callable[[float], bool]
    if isinstance(spec, Input):
        if name in model.parameter_index or name in model.state_index:
            raise ModelError(
                f"{model.name}: the scenario input {name!r} has the name of a model parameter or "
                "state; give the input another name.",
                field=f"control {name!r}",
                value=name,
            )
        low, high, log, unit = spec.low, spec.high, spec.log, spec.unit
        value, description = spec.value, spec.description
        inside = low <= value <= high

        def contains(x: float) -> bool:
            return math.isfinite(x)

        allowed = "a finite number"
    else:
        parameter = model.parameter(name)
        unit, value, description = parameter.unit, parameter.value, parameter.description
        if spec is None:
            low = value / 2 if value > 0 else parameter.bounds[0]
            high = min(value * 2, parameter.bounds[1]) if value > 0 else parameter.bounds[1]
            log = False
        else:
            low, high, log, initial = _range(model, name, spec)
            value = value if initial is None else initial
        contains, allowed = parameter.contains, parameter.bounds_text()
        inside = low <= value <= high
    for end, number in (("low", low), ("high", high)):
        if not contains(number):
            raise invalid_value(
                f"{end} end of the slider for {name!r}", number, allowed, unit, model=model.name
            )
    if not low < high:
        raise invalid_value(
            f"slider range of {name!r}", (low, high), "low < high", unit, model=model.name
        )
    if not inside:
        raise invalid_value(
            f"initial value of the slider {name!r}",
            value,
            f"[{low:g}, {high:g}] (the slider range)",
            unit,
            model=model.name,
            hint="Widen the range, or give the initial value as (low, high, scale, initial).",
        )
    if log and low <= 0:
        raise invalid_value(
            f"low end of the log slider for {name!r}", low, "> 0", unit, model=model.name
        )
    return Control(
        name, low, high, log, points, unit, description, value, not isinstance(spec, Input)
    )


class Explorable:
    """A model with sliders: live ipywidgets in a kernel, bound Vega-Lite sliders in HTML.

    Build it with :func:`explore`. The pieces are usable on their own: :meth:`run` (the
    simulation for given slider values), :meth:`frame` (its tidy chart data), :meth:`chart`
    (the live chart), :meth:`static_chart` (the precomputed, slider-bound chart) and
    :meth:`widget`.

    Examples
    --------
    >>> import hemomodels as hm
    >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
    ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
    >>> view.values
    {'stem_self_renewal': 0.85}
    """

    def __init__(
        self,
        model: Model,
        controls: Sequence[Control],
        *,
        t_end: float,
        y0: Mapping[str, float] | None,
        doses: Sequence[Dose | Schedule | ParameterChange | Infusion],
        scenario: Scenario | None,
        variables: Sequence[str],
        log_scale: bool,
        n_time: int,
        title: str | None,
        note: str | None,
        summary: Summary | None,
        overlay: Overlay | None = None,
        reference_lines: Mapping[str, float],
        steady_state: bool,
        time_display: tuple[float, str] | None = None,
        y_domain: tuple[float, float] | None = None,
    ) -> None:
        self.model = model
        self.y_domain = y_domain
        self.time_factor, self.time_unit = time_display or (1.0, model.time_unit)
        self.controls = list(controls)
        self.t_end = t_end
        self.y0 = dict(y0) if y0 is not None else None
        self.doses = list(doses)
        self.scenario = scenario
        self.variables = list(variables)
        self.log_scale = log_scale
        self.t_eval = np.linspace(0.0, t_end, n_time)
        self.title = title or model.name
        self.note = note
        self.summary = summary
        self.overlay = overlay
        self.reference_lines = dict(reference_lines)
        self.show_steady_state = steady_state
        self.values = {c.name: c.value for c in self.controls}
        self._widget = None
        self._template: dict[str, Any] | None = None
        self._static_overlays = pd.DataFrame()
        self.sliders: dict[str, Any] = {}
        self.current: pd.DataFrame | None = None
        # Validate everything now, before any reader moves a slider.
        self.frame()

    # ------------------------------------------------------------------ data
    def simulate_kwargs(self, **values: float) -> dict[str, Any]:
        """Arguments of :meth:`Model.simulate` for these slider values (others as now).

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> view.simulate_kwargs(stem_self_renewal=0.9)["params"]
        {'stem_self_renewal': 0.9}
        """
        values = {**self.values, **values}
        params = {c.name: values[c.name] for c in self.controls if c.is_parameter}
        y0, doses = self.y0, list(self.doses)
        if self.scenario is not None:
            extra = dict(self.scenario(values))
            unknown = set(extra) - {"params", "y0", "doses"}
            if unknown:
                raise ModelError(
                    f"{self.model.name}: the scenario returned {sorted(unknown)}; allowed keys: "
                    "params, y0, doses.",
                    field="scenario",
                    value=sorted(unknown),
                )
            params.update(extra.get("params") or {})
            y0 = {**(y0 or {}), **(extra.get("y0") or {})} or None
            doses += list(extra.get("doses") or [])
        return {"params": params, "y0": y0, "doses": doses}

    def run(self, **values: float) -> Result:
        """Simulate with these slider values (the others at their current values).

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> round(float(view.run(stem_self_renewal=0.9)["feedback_signal"][-1]), 3)
        0.588
        """
        return self.model.simulate(self.t_end, t_eval=self.t_eval, **self.simulate_kwargs(**values))

    def frame(self, **values: float) -> pd.DataFrame:
        """Tidy frame ``time, variable, value`` of the chart for these slider values.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> view.frame().columns.tolist()
        ['time', 'variable', 'value']
        """
        frame = self.run(**values).to_frame(self.variables)
        frame["variable"] = frame["variable"].astype(str)
        return frame

    def steady_values(self, **values: float) -> dict[str, float]:
        """The stable steady state (by variable) at these slider values, if there is one.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> round(view.steady_values(stem_self_renewal=0.9)["neutrophils"] / 1e8, 3)
        4.571
        """
        if not self.show_steady_state:
            return {}
        params = self.simulate_kwargs(**values)["params"]
        stable = [s for s in self.model.steady_states(params) if s.stability == "stable"]
        if len(stable) != 1:
            return {}
        states = np.array([stable[0].values[name] for name in self.model.state_names])
        vector = np.array(
            [{**self.model.defaults, **params}[n] for n in self.model.parameter_names]
        )
        observed = self.model.compiled.observe(0.0, states, vector)
        everything = {
            **stable[0].values,
            **dict(zip(self.model.observable_names, map(float, observed), strict=True)),
        }
        return {v: everything[v] for v in self.variables}

    def summary_rows(self, result: Result) -> dict[str, str]:
        """The summary lines (label → text) for one simulation.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> view.summary_rows(view.run())  # no summary function given
        {}
        """
        return {str(k): str(v) for k, v in (self.summary(result) if self.summary else {}).items()}

    # ---------------------------------------------------------------- charts
    def _y_scale(self) -> alt.Scale:
        options: dict[str, Any] = {"type": "log"} if self.log_scale else {"zero": False}
        if self.y_domain is not None:
            options["domain"] = list(self.y_domain)
        return alt.Scale(**options)

    def _title(self) -> str | alt.TitleParams:
        """The chart title, with the note (e.g. where the model departs from the clinic)
        as wrapped subtitle lines on the chart itself."""
        if not self.note:
            return self.title
        lines, line = [], ""
        for word in self.note.split():
            if line and len(line) + 1 + len(word) > 80:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        return alt.TitleParams(
            self.title, subtitle=lines, subtitleColor="#8a3b00", subtitleFontSize=12
        )

    def _axis_title(self) -> str:
        return ", ".join(sorted({describe_unit(self.model.units[v]) for v in self.variables}))

    def _compose(
        self,
        lines: alt.Chart,
        rules: alt.Chart,
        texts: alt.Chart | None,
        n_lines: int = 1,
        overlays: alt.Chart | None = None,
    ) -> alt.LayerChart | alt.VConcatChart:
        x = alt.X("time:Q", title=f"time ({self.time_unit})")
        y = alt.Y("value:Q", title=self._axis_title(), scale=self._y_scale())
        layers = [
            lines.mark_line().encode(
                x=x,
                y=y,
                color=variable_color(self.variables),
                tooltip=[
                    "variable:N",
                    alt.Tooltip("time:Q", format=".1f"),
                    alt.Tooltip("value:Q", format=".4g"),
                ],
            ),
            rules.mark_rule(strokeDash=[4, 4], opacity=0.7, aria=False).encode(
                y=alt.Y("steady:Q", scale=self._y_scale()), color=variable_color(self.variables)
            ),
        ]
        if overlays is not None:
            layers.append(
                overlays.mark_line(color="#e07b00", strokeDash=[6, 4], strokeWidth=3).encode(
                    x="time:Q",
                    y=alt.Y("value:Q", scale=self._y_scale()),
                    detail="label:N",
                    tooltip=["label:N"],
                )
            )
        if self.reference_lines:
            references = alt.Chart(
                pd.DataFrame(
                    {
                        "label": list(self.reference_lines),
                        "level": list(self.reference_lines.values()),
                    }
                )
            )
            layers += [
                references.mark_rule(color="#555555", strokeDash=[1, 3], aria=False).encode(
                    y=alt.Y("level:Q", scale=self._y_scale())
                ),
                references.mark_text(align="left", dx=4, dy=-6, color="#333333", aria=False).encode(
                    x=alt.value(0), y=alt.Y("level:Q", scale=self._y_scale()), text="label:N"
                ),
            ]
        description = f"{self.model.name}: {', '.join(self.variables)} over time"
        if self.show_steady_state:
            description += "; dashed lines mark the stable steady state"
        # alt.layer returns a FacetChart only for layers with facet encodings (none here)
        chart = cast(
            alt.LayerChart,
            alt.layer(*layers, title=self._title(), description=description),
        ).properties(width=480, height=300)
        if texts is None:
            return chart
        table = (
            texts.mark_text(align="left", fontSize=13)
            .encode(
                y=alt.Y("label:N", axis=None, sort=None),
                x=alt.value(0),
                text=alt.Text("line:N"),
            )
            .properties(width=480, height=18 * max(1, n_lines))
        )
        return alt.vconcat(chart, table, description=description)

    def tables(self, **values: float) -> dict[str, list[dict[str, Any]]]:
        """Chart data for these slider values (a fresh simulation): the trajectories
        (``lines``: time in the displayed unit, variable, value), the stable steady state
        (``steady``) and the summary lines (``summary``). The full tidy frame of the
        simulation (model time unit, no values dropped) is kept in ``self.current``.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> sorted(view.tables())
        ['lines', 'overlay', 'steady', 'summary']
        """
        result = self.run(**values)
        self.current = result.to_frame(self.variables).assign(
            variable=lambda f: f["variable"].astype(str)
        )
        frame = self.current.assign(time=self.current["time"] * self.time_factor)
        if self.log_scale:
            frame = frame[frame["value"] > 0]
        steady = self.steady_values(**values)
        return {
            "lines": frame.to_dict("records"),
            "steady": [{"variable": k, "steady": v} for k, v in steady.items()],
            "summary": [
                {"label": k, "line": f"{k}: {v}"} for k, v in self.summary_rows(result).items()
            ],
            "overlay": self.overlay_rows(result),
        }

    def overlay_rows(self, result: Result) -> list[dict[str, Any]]:
        """The overlay lines (e.g. fitted slopes) for one simulation: rows with ``label``,
        ``time`` (in the displayed unit) and ``value``.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> view.overlay_rows(view.run())  # no overlay function given
        []
        """
        if self.overlay is None:
            return []
        return [
            {
                "label": str(row["label"]),
                "time": float(row["time"]) * self.time_factor,
                "value": float(row["value"]),
            }
            for row in self.overlay(result)
        ]

    def chart(self, **values: float) -> alt.LayerChart | alt.VConcatChart:
        """The chart for these slider values (a fresh simulation).

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> len(view.chart(stem_self_renewal=0.8).to_dict()["layer"])
        2
        """
        data = self.tables(**values)
        texts = alt.Chart(pd.DataFrame(data["summary"])) if self.summary else None
        overlays = (
            alt.Chart(pd.DataFrame(data["overlay"], columns=["label", "time", "value"]))
            if self.overlay
            else None
        )
        return self._compose(
            alt.Chart(pd.DataFrame(data["lines"])),
            alt.Chart(pd.DataFrame(data["steady"], columns=["variable", "steady"])),
            texts,
            len(data["summary"]),
            overlays,
        )

    def live_spec(self, **values: float) -> dict[str, Any]:
        """Vega-Lite spec of :meth:`chart` for these values, fast: the chart's structure is
        built and validated by Altair once, and only its data are replaced on each call.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> sorted(view.live_spec(stem_self_renewal=0.8)["datasets"])[:2]
        ['lines', 'overlay']
        """
        data = self.tables(**values)
        if self._template is None:
            texts = alt.Chart(alt.NamedData("summary")) if self.summary else None
            overlays = alt.Chart(alt.NamedData("overlay")) if self.overlay else None
            self._template = self._compose(
                alt.Chart(alt.NamedData("lines")),
                alt.Chart(alt.NamedData("steady")),
                texts,
                len(data["summary"]),
                overlays,
            ).to_dict()
        spec = dict(self._template)
        spec["datasets"] = {**self._template.get("datasets", {}), **data}
        return spec

    def grid_table(self) -> pd.DataFrame:
        """Every combination of the controls' grid values (one row per simulation).

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> view.grid_table()["stem_self_renewal"].tolist()
        [0.75, 0.85, 0.95]
        """
        grids = [c.grid() for c in self.controls]
        return pd.DataFrame(
            list(itertools.product(*grids)), columns=[c.name for c in self.controls]
        )

    def _grid_results(self, table: pd.DataFrame) -> list[Result]:
        if self.scenario is None:  # one cohort simulation for the whole grid
            cohort = self.model.simulate_many(
                table.assign(**(self.y0 or {})), self.t_end, doses=self.doses, t_eval=self.t_eval
            )
            return [cohort.patient(i) for i in range(len(table))]
        return [self.run(**row) for row in table.to_dict("records")]

    def static_data(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Precomputed trajectories, stable steady states and summary lines for the grid.

        Trajectories have one row per grid point and variable, holding the values at
        ``self.t_eval`` as an array (times are recovered from the position, which keeps the
        page light); values a log axis cannot show are null.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> trajectories, steady, summaries = view.static_data()
        >>> len(trajectories), len(steady)
        (9, 9)
        """
        table = self.grid_table()
        results = self._grid_results(table)
        keys = {c.name: [c.position(v) for v in table[c.name]] for c in self.controls}
        rows, steady_rows, summary_rows, overlay_rows = [], [], [], []
        for index, (values, result) in enumerate(
            zip(table.to_dict("records"), results, strict=True)
        ):
            key = {name: float(column[index]) for name, column in keys.items()}
            for variable in self.variables:
                shown = _round(result[variable])
                rows.append(
                    {
                        **key,
                        "variable": variable,
                        "value": [
                            float(v) if (v > 0 or not self.log_scale) else None for v in shown
                        ],
                    }
                )
            for variable, level in self.steady_values(**values).items():
                steady_rows.append(
                    {**key, "variable": variable, "steady": float(_round(np.array([level]))[0])}
                )
            for label, text in self.summary_rows(result).items():
                summary_rows.append({**key, "label": label, "line": f"{label}: {text}"})
            overlay_rows += [{**key, **row} for row in self.overlay_rows(result)]
        columns = [*keys]
        self._static_overlays = pd.DataFrame(
            overlay_rows, columns=[*columns, "label", "time", "value"]
        )
        return (
            pd.DataFrame(rows),
            pd.DataFrame(steady_rows, columns=[*columns, "variable", "steady"]),
            pd.DataFrame(summary_rows, columns=[*columns, "label", "line"]),
        )

    def static_chart(self) -> alt.LayerChart | alt.VConcatChart:
        """The chart with Vega-Lite sliders bound to the controls, over the precomputed grid.

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> [p["name"] for p in view.static_chart().to_dict()["params"]]
        ['stem_self_renewal']
        """
        trajectories, steady, summaries = self.static_data()
        params, conditions = [], []
        for control in self.controls:
            low, high, step = control.slider_range()
            params.append(
                alt.param(
                    name=control.name,
                    value=control.position(control.value),
                    bind=alt.binding_range(
                        min=low,
                        max=high,
                        step=step,
                        name=control.label() + " ",
                    ),
                )
            )
            conditions.append(f"abs(datum.{control.name} - {control.name}) < {step / 2:.6g}")
        condition = " && ".join(conditions)
        dt = float(self.t_eval[1] - self.t_eval[0]) * self.time_factor
        lines = (
            alt.Chart(trajectories)
            .transform_filter(condition)
            .transform_flatten(["value"])
            .transform_window(
                position="row_number()", groupby=[*(c.name for c in self.controls), "variable"]
            )
            .transform_calculate(time=f"(datum.position - 1) * {dt!r}")
        )
        rules = alt.Chart(steady).transform_filter(condition)
        texts = alt.Chart(summaries).transform_filter(condition) if self.summary else None
        n_lines = summaries["label"].nunique() if self.summary else 1
        overlays = (
            alt.Chart(self._static_overlays).transform_filter(condition) if self.overlay else None
        )
        return self._compose(lines, rules, texts, n_lines, overlays).add_params(*params)

    # ---------------------------------------------------------------- widgets
    def widget(self):
        """The live ipywidgets view: sliders, chart and steady state (built once).

        Examples
        --------
        >>> import hemomodels as hm
        >>> view = hm.widgets.explore(hm.models.marciniak_czochra_2009(),
        ...                           {"stem_self_renewal": (0.75, 0.95)}, t_end=10, points=3)
        >>> import contextlib, io
        >>> with contextlib.redirect_stdout(io.StringIO()):  # no notebook here to draw in
        ...     box = view.widget()
        >>> type(box).__name__, len(view.sliders)
        ('VBox', 1)
        """
        if self._widget is not None:
            return self._widget
        try:
            import ipywidgets as widgets
            from IPython.display import display
        except ImportError as error:  # the widgets extra is not installed
            raise missing_extra("ipywidgets", "live explorables") from error

        output = widgets.Output()
        steady_html = widgets.HTML()

        def redraw() -> None:
            spec = self.live_spec()
            steady_html.value = self._steady_html(self.steady_values())
            with output:
                output.clear_output(wait=True)
                renderer = alt.renderers.get()
                assert renderer is not None  # altair always has an active renderer
                bundle = renderer(spec)
                if isinstance(bundle, tuple):
                    display(bundle[0], metadata=bundle[1], raw=True)
                else:
                    display(bundle, raw=True)

        for control in self.controls:
            options = {
                "value": control.value,
                "min": control.slider_value(control.low),
                "max": control.slider_value(control.high),
                "description": control.name,
                "continuous_update": False,
                "style": {"description_width": "initial"},
                "layout": widgets.Layout(width="420px"),
            }
            if control.log:
                slider = widgets.FloatLogSlider(
                    base=10, step=control.step() / 10, readout_format=".3g", **options
                )
            else:
                slider = widgets.FloatSlider(
                    step=(control.high - control.low) / 100, readout_format=".4g", **options
                )
            slider.tooltip = f"{control.description} ({describe_unit(control.unit)})"

            def on_change(change, name=control.name) -> None:
                self.values[name] = float(change["new"])
                redraw()

            slider.observe(on_change, names="value")
            self.sliders[control.name] = slider
        redraw()
        self._widget = widgets.VBox([*self.sliders.values(), widgets.HBox([output, steady_html])])
        return self._widget

    def _steady_html(self, steady: Mapping[str, float]) -> str:
        if not self.show_steady_state:
            return ""
        if not steady:
            return "<p>No single stable steady state at these values.</p>"
        rows = "".join(
            f"<tr><td>{name}</td><td>{format_number(value)} "
            f"{describe_unit(self.model.units[name])}</td></tr>"
            for name, value in steady.items()
        )
        return f"<table><caption>Stable steady state</caption>{rows}</table>"

    # ---------------------------------------------------------------- display
    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        text = f"<Explorable {self.model.name}: sliders for {', '.join(self.values)}>"
        if is_static():
            return {
                "text/html": render_static_html(self.static_chart().to_dict()),
                "text/plain": text,
            }
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {}
        return {**bundle, "text/plain": text}


def _time_display(model: Model, value: Any) -> tuple[float, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not isinstance(value[1], str)
        or not rules.is_number(value[0])
        or not math.isfinite(value[0])
        or value[0] <= 0
    ):
        raise invalid_value(
            "time_display",
            value,
            "a (factor > 0, unit name) tuple such as (1 / 24, 'day')",
            None,
            model=model.name,
        )
    return float(value[0]), value[1]


def _y_domain(model: Model, y_domain: Any) -> tuple[float, float] | None:
    if y_domain is None:
        return None
    if (
        not isinstance(y_domain, (tuple, list))
        or len(y_domain) != 2
        or not all(rules.is_number(v) for v in y_domain)
    ):
        raise invalid_value("y_domain", y_domain, "(low, high) numbers", None, model=model.name)
    low, high = float(y_domain[0]), float(y_domain[1])
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise invalid_value(
            "y_domain", y_domain, "finite numbers with low < high", None, model=model.name
        )
    return low, high


def explore(
    model: Model,
    controls: Sequence[str] | Mapping[str, tuple | Input | None],
    *,
    t_end: float,
    scenario: Scenario | None = None,
    y0: Mapping[str, float] | None = None,
    doses: Doses = (),
    variables: Sequence[str] | None = None,
    log_scale: bool = True,
    points: int | None = None,
    n_time: int = 81,
    title: str | None = None,
    note: str | None = None,
    summary: Summary | None = None,
    overlay: Overlay | None = None,
    reference_lines: Mapping[str, float] | None = None,
    steady_state: bool = True,
    time_display: tuple[float, str] | None = None,
    y_domain: tuple[float, float] | None = None,
) -> Explorable:
    """Sliders driving a time-course chart of ``model``.

    Parameters
    ----------
    model : Model
        The model to explore.
    controls : sequence of str, or mapping of str to a range, Input or None
        Parameters to put on sliders, optionally with their range
        ``(low, high[, "log" | "linear"[, initial]])`` (inside the parameter's bounds;
        default: half to twice the default value; the initial value defaults to the
        parameter's default and must lie in the range); or named :class:`Input` sliders for
        a ``scenario``.
    t_end : float
        Simulated time span, in ``model.time_unit``.
    scenario : callable, optional
        ``scenario(values) -> {"params": ..., "y0": ..., "doses": ...}`` turning the slider
        values (a dict by control name) into simulation arguments. Needed for :class:`Input`
        sliders; parameter sliders are applied without it.
    y0 : mapping, optional
        Initial values overriding the model's defaults (the scenario's ``y0`` wins).
    doses : sequence of Dose or Schedule, optional
        Doses given in every simulation (the scenario's doses are added).
    variables : sequence of str, optional
        States/observables to draw (default: all states).
    log_scale : bool, default True
        Logarithmic value axis.
    points : int, optional
        Grid points per slider for the static HTML (default 7 for one or two sliders, 5 for
        three, 4 for more). The live widget is not limited to the grid.
    n_time : int
        Output times per simulation.
    title : str, optional
        Chart title.
    note : str, optional
        A sentence printed under the title, on the chart itself: where the model departs
        from the clinic it illustrates, so that no reader misses it.
    overlay : callable, optional
        ``overlay(result) -> [{"label": ..., "time": ..., "value": ...}, ...]``: extra dashed
        lines drawn over the trajectories (e.g. fitted slopes), time in ``model.time_unit``.
    summary : callable, optional
        ``summary(result) -> {label: text}``: lines printed under the chart (e.g. the nadir).
    reference_lines : mapping of str to float, optional
        Labelled horizontal lines (e.g. a transfusion threshold), in the variables' unit.
    steady_state : bool, default True
        Draw the stable steady state as dashed lines (and list it in the live view).
    time_display : (float, str), optional
        Factor and unit for the time axis only, e.g. ``(1 / 24, "day")`` for a model in
        hours; ``t_end``, doses and the scenario stay in ``model.time_unit``.
    y_domain : (float, float), optional
        Fixed value-axis range, e.g. ``(0, 100)`` for a percentage. Without it the axis
        rescales to the data, so a flat line that moves looks unchanged but for the labels.

    Returns
    -------
    Explorable
        Displays as live widgets in a kernel and as a self-contained chart in the book.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> view = hm.widgets.explore(model, {"stem_self_renewal": (0.75, 0.95)}, t_end=60)
    >>> view.frame(stem_self_renewal=0.9).columns.tolist()
    ['time', 'variable', 'value']
    """
    from .validation import check_doses, check_initial, check_time

    rules.instance(model, "model", Model)
    t_end, _ = check_time(model, t_end, None)
    if y0 is not None:
        y0 = dict(zip(model.state_names, map(float, check_initial(model, y0)), strict=True))
    doses = list(check_doses(model, doses, t_end))
    if isinstance(controls, (str, bytes)) or not isinstance(controls, (Sequence, Mapping)):
        raise invalid_value(
            "controls",
            controls,
            "a list of parameter names, or a mapping of names to ranges",
            None,
            model=model.name,
        )
    names = list(controls)
    if not names:
        raise ModelError(f"{model.name}: explore needs at least one control.", field="controls")
    for name in names:
        if not isinstance(name, str):
            raise invalid_value("control name", name, "a name (str)", None, model=model.name)
    if points is None:
        points = {1: 7, 2: 7, 3: 5}.get(len(names), 4)
    points = rules.integer(points, "points", low=2, unit="grid points", model=model.name)
    n_time = rules.integer(
        n_time, "n_time", low=2, high=MAX_TIME_POINTS, unit="time points", model=model.name
    )
    log_scale = rules.flag(log_scale, "log_scale", model=model.name)
    steady_state = rules.flag(steady_state, "steady_state", model=model.name)
    for name, text in (("title", title), ("note", note)):
        if text is not None and not isinstance(text, str):
            raise invalid_value(name, text, "text (str) or None", None, model=model.name)
    for name, function in (("scenario", scenario), ("summary", summary), ("overlay", overlay)):
        if function is not None and not callable(function):
            raise invalid_value(name, function, "a function or None", None, model=model.name)
    if points ** len(names) > MAX_GRID:
        raise invalid_value(
            "points ** number of controls",
            points ** len(names),
            f"at most {MAX_GRID}",
            "simulations",
            model=model.name,
            hint="Use fewer points or fewer sliders.",
        )
    specs = controls if isinstance(controls, Mapping) else dict.fromkeys(names)
    built = [_control(model, name, specs[name], points) for name in names]
    if scenario is None and any(not c.is_parameter for c in built):
        raise ModelError(
            f"{model.name}: Input sliders "
            f"({', '.join(c.name for c in built if not c.is_parameter)}) need a scenario "
            "function that turns them into params, y0 or doses.",
            field="scenario",
            value=None,
        )
    variables = (
        list(model.state_names)
        if variables is None
        else rules.names(
            variables,
            "variables",
            list(model.units),
            kind="state or observable",
            model=model.name,
        )
    )
    if reference_lines is not None:
        reference_lines = {
            label: rules.number(value, f"reference line {label!r}", model=model.name)
            for label, value in rules.mapping(reference_lines, "reference_lines").items()
        }
    return Explorable(
        model,
        built,
        t_end=t_end,
        y0=y0,
        doses=list(doses),
        scenario=scenario,
        variables=variables,
        log_scale=log_scale,
        n_time=n_time,
        title=title,
        note=note,
        summary=summary,
        overlay=overlay,
        reference_lines=reference_lines or {},
        steady_state=steady_state,
        time_display=_time_display(model, time_display),
        y_domain=_y_domain(model, y_domain),
    )
