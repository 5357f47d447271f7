"""Explorables: one call gives live ipywidgets in a kernel and working sliders in static HTML.

:func:`explore` returns an :class:`Explorable`. Displayed in a live kernel (Jupyter, Binder)
it shows ipywidgets sliders that re-run :meth:`hemomodels.Model.simulate` and redraw an
Altair chart, with the stable steady state. Displayed while the book is built
(``HEMOMODELS_STATIC_HTML=1``), it shows the same chart as Vega-Lite with sliders bound to
parameters, over simulations precomputed on a grid of the controlled parameters, so moving
a slider changes the chart with no Python. No dead widget reaches the HTML.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .doses import Dose, Schedule
from .errors import ModelError, describe_unit, invalid_value, unknown_name
from .model import Model
from .spec import format_number
from .viz import _round, is_static, render_static_html, variable_color

__all__ = ["Control", "Explorable", "explore"]

#: Largest number of precomputed simulations behind one static explorable.
MAX_GRID = 343


@dataclass(frozen=True)
class Control:
    """A slider over one model parameter.

    Attributes
    ----------
    name : str
        Parameter name.
    low, high : float
        Slider range (inside the parameter's bounds), in the parameter's unit.
    log : bool
        Logarithmic slider (for parameters spanning orders of magnitude).
    points : int
        Grid points precomputed for the static HTML.
    """

    name: str
    low: float
    high: float
    log: bool
    points: int

    def grid(self) -> np.ndarray:
        """Values precomputed for the static HTML (evenly spaced, or in log10)."""
        if self.log:
            return np.logspace(math.log10(self.low), math.log10(self.high), self.points)
        return np.linspace(self.low, self.high, self.points)

    def slider_value(self, value: float) -> float:
        """Value in slider coordinates (log10 for a log slider)."""
        return math.log10(value) if self.log else value

    def step(self) -> float:
        """Distance between neighbouring grid points in slider coordinates."""
        low, high = self.slider_value(self.low), self.slider_value(self.high)
        return (high - low) / (self.points - 1)

    def nearest(self, value: float) -> float:
        """The grid value closest to ``value`` (in slider coordinates)."""
        grid = self.grid()
        position = np.argmin(
            np.abs([self.slider_value(g) - self.slider_value(value) for g in grid])
        )
        return float(grid[position])


def _control(model: Model, name: str, spec: Any, points: int) -> Control:
    parameter = model.parameter(name)
    if spec is None:
        low = parameter.value / 2 if parameter.value > 0 else parameter.bounds[0]
        high = (
            min(parameter.value * 2, parameter.bounds[1])
            if parameter.value > 0
            else parameter.bounds[1]
        )
        log = False
    else:
        if not isinstance(spec, Sequence) or len(spec) not in (2, 3):
            raise ModelError(
                f"{model.name}: control {name!r} = {spec!r} is not allowed; allowed: (low, high) "
                "or (low, high, 'log').",
                field=f"control {name!r}",
                value=spec,
            )
        low, high = float(spec[0]), float(spec[1])
        log = len(spec) == 3 and spec[2] == "log"
        if len(spec) == 3 and spec[2] not in ("log", "linear"):
            raise invalid_value(
                f"scale of control {name!r}", spec[2], "'log' or 'linear'", None, model=model.name
            )
    for label, value in (("low", low), ("high", high)):
        if not parameter.contains(value):
            raise invalid_value(
                f"{label} end of the slider for {name!r}",
                value,
                parameter.bounds_text(),
                parameter.unit,
                model=model.name,
            )
    if not low < high:
        raise invalid_value(
            f"slider range of {name!r}", (low, high), "low < high", parameter.unit, model=model.name
        )
    if log and low <= 0:
        raise invalid_value(
            f"low end of the log slider for {name!r}", low, "> 0", parameter.unit, model=model.name
        )
    return Control(name, low, high, log, points)


class Explorable:
    """A model with sliders: live ipywidgets in a kernel, bound Vega-Lite sliders in HTML.

    Build it with :func:`explore`. The pieces are usable on their own:
    :meth:`frame` (tidy simulation data for given slider values), :meth:`chart` (the live
    chart), :meth:`static_chart` (the precomputed, slider-bound chart) and :meth:`widget`.
    """

    def __init__(
        self,
        model: Model,
        controls: Sequence[Control],
        *,
        t_end: float,
        y0: Mapping[str, float] | None,
        doses: Sequence[Dose | Schedule],
        variables: Sequence[str],
        log_scale: bool,
        n_time: int,
        title: str | None,
    ) -> None:
        self.model = model
        self.controls = list(controls)
        self.t_end = t_end
        self.y0 = dict(y0) if y0 is not None else None
        self.doses = list(doses)
        self.variables = list(variables)
        self.log_scale = log_scale
        self.t_eval = np.linspace(0.0, t_end, n_time)
        self.title = title or model.name
        self.values = {c.name: model.parameter(c.name).value for c in self.controls}
        self._widget = None
        self.sliders: dict[str, Any] = {}
        self.current: pd.DataFrame | None = None
        # Validate everything now, before any reader moves a slider.
        self.frame()

    # ------------------------------------------------------------------ data
    def simulate(self, **values: float):
        """Simulate with the given control values (others at their defaults)."""
        return self.model.simulate(
            self.t_end,
            params={**self.values, **values},
            y0=self.y0,
            doses=self.doses,
            t_eval=self.t_eval,
        )

    def frame(self, **values: float) -> pd.DataFrame:
        """Tidy frame ``time, variable, value`` of the chart for the given control values."""
        frame = self.simulate(**values).to_frame(self.variables)
        frame["variable"] = frame["variable"].astype(str)
        return frame

    def steady_values(self, **values: float) -> dict[str, float]:
        """The stable steady state (by variable) at these control values, if there is one."""
        stable = [
            s
            for s in self.model.steady_states({**self.values, **values})
            if s.stability == "stable"
        ]
        if len(stable) != 1:
            return {}
        return {v: stable[0].values[v] for v in self.variables if v in stable[0].values}

    # ---------------------------------------------------------------- charts
    def _y_scale(self) -> alt.Scale:
        return alt.Scale(type="log") if self.log_scale else alt.Scale()

    def _color(self) -> alt.Color:
        return variable_color(self.variables)

    def _axis_title(self) -> str:
        return ", ".join(sorted({describe_unit(self.model.units[v]) for v in self.variables}))

    def _layers(self, lines: alt.Chart, rules: alt.Chart) -> alt.LayerChart:
        x = alt.X("time:Q", title=f"time ({self.model.time_unit})")
        y = alt.Y("value:Q", title=self._axis_title(), scale=self._y_scale())
        line_layer = lines.mark_line().encode(
            x=x, y=y, color=self._color(), tooltip=["variable:N", "time:Q", "value:Q"]
        )
        rule_layer = rules.mark_rule(strokeDash=[4, 4], opacity=0.7).encode(
            y=alt.Y("steady:Q", scale=self._y_scale()), color=self._color()
        )
        description = (
            f"{self.model.name}: {', '.join(self.variables)} over time; dashed "
            "lines mark the stable steady state"
        )
        return alt.layer(
            line_layer, rule_layer, title=self.title, description=description
        ).properties(width=480, height=300)

    def chart(self, **values: float) -> alt.LayerChart:
        """The chart for the given control values (a fresh simulation)."""
        frame = self.frame(**values)
        if self.log_scale:
            frame = frame[frame["value"] > 0]
        steady = pd.DataFrame(
            {
                "variable": list(self.steady_values(**values)),
                "steady": list(self.steady_values(**values).values()),
            }
        )
        return self._layers(alt.Chart(frame), alt.Chart(steady))

    def grid_table(self) -> pd.DataFrame:
        """Every combination of the controls' grid values (one row per simulation)."""
        grids = [c.grid() for c in self.controls]
        return pd.DataFrame(
            list(itertools.product(*grids)), columns=[c.name for c in self.controls]
        )

    def static_data(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Precomputed trajectories and stable steady states for the static chart.

        Trajectories have one row per grid point and variable, holding the values at
        ``self.t_eval`` as an array (times are recovered from the position, which keeps
        the page light).
        """
        table = self.grid_table()
        cohort = self.model.simulate_many(
            table.assign(**(self.y0 or {})), self.t_end, doses=self.doses, t_eval=self.t_eval
        )
        keys = {
            c.name: np.round([c.slider_value(v) for v in table[c.name]], 6) for c in self.controls
        }
        rows, steady_rows = [], []
        for patient in range(len(table)):
            key = {name: float(values[patient]) for name, values in keys.items()}
            for variable in self.variables:
                values = _round(cohort[variable][patient])
                # null, not a dropped point, where a log axis cannot show the value: the
                # chart recovers each time from the position in the array.
                shown = [float(v) if (v > 0 or not self.log_scale) else None for v in values]
                rows.append({**key, "variable": variable, "value": shown})
            steady = self.steady_values(**table.iloc[patient].to_dict())
            steady_rows += [
                {**key, "variable": v, "steady": float(_round(np.array([s]))[0])}
                for v, s in steady.items()
            ]
        return pd.DataFrame(rows), pd.DataFrame(steady_rows, columns=[*keys, "variable", "steady"])

    def static_chart(self) -> alt.LayerChart:
        """The chart with Vega-Lite sliders bound to the controls, over the precomputed grid."""
        trajectories, steady = self.static_data()
        params, conditions = [], []
        for control in self.controls:
            parameter = self.model.parameter(control.name)
            unit = describe_unit(parameter.unit)
            label = f"log10 {control.name} ({unit})" if control.log else f"{control.name} ({unit})"
            start = control.slider_value(control.nearest(self.values[control.name]))
            step = control.step()
            params.append(
                alt.param(
                    name=control.name,
                    value=round(start, 6),
                    bind=alt.binding_range(
                        min=round(control.slider_value(control.low), 6),
                        max=round(control.slider_value(control.high), 6),
                        step=step,
                        name=label + " ",
                    ),
                )
            )
            conditions.append(f"abs(datum.{control.name} - {control.name}) < {step / 2:.6g}")
        condition = " && ".join(conditions)
        dt = float(self.t_eval[1] - self.t_eval[0])
        lines = (
            alt.Chart(trajectories)
            .transform_filter(condition)
            .transform_flatten(["value"])
            .transform_window(position="row_number()", groupby=["variable"])
            .transform_calculate(time=f"(datum.position - 1) * {dt!r}")
        )
        rules = alt.Chart(steady).transform_filter(condition)
        return self._layers(lines, rules).add_params(*params)

    # ---------------------------------------------------------------- widgets
    def widget(self):
        """The live ipywidgets view: sliders, chart and steady state (built once)."""
        if self._widget is not None:
            return self._widget
        import ipywidgets as widgets
        from IPython.display import display

        output = widgets.Output()
        steady_html = widgets.HTML()

        def redraw() -> None:
            self.current = self.frame()
            steady = self.steady_values()
            steady_html.value = self._steady_html(steady)
            with output:
                output.clear_output(wait=True)
                display(self.chart())

        for control in self.controls:
            parameter = self.model.parameter(control.name)
            common = dict(
                value=self.values[control.name],
                min=control.slider_value(control.low),
                max=control.slider_value(control.high),
                description=control.name,
                continuous_update=False,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="420px"),
            )
            if control.log:
                common["min"], common["max"] = math.log10(control.low), math.log10(control.high)
                slider = widgets.FloatLogSlider(
                    base=10, step=control.step() / 10, readout_format=".3g", **common
                )
            else:
                slider = widgets.FloatSlider(
                    step=(control.high - control.low) / 100, readout_format=".4g", **common
                )
            slider.tooltip = f"{parameter.description} ({describe_unit(parameter.unit)})"

            def on_change(change, name=control.name) -> None:
                self.values[name] = float(change["new"])
                redraw()

            slider.observe(on_change, names="value")
            self.sliders[control.name] = slider
        redraw()
        self._widget = widgets.VBox([*self.sliders.values(), widgets.HBox([output, steady_html])])
        return self._widget

    def _steady_html(self, steady: Mapping[str, float]) -> str:
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
        text = (
            f"<Explorable {self.model.name}: sliders for "
            f"{', '.join(c.name for c in self.controls)}>"
        )
        if is_static():
            return {
                "text/html": render_static_html(self.static_chart().to_dict()),
                "text/plain": text,
            }
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {}
        return {**bundle, "text/plain": text}


def explore(
    model: Model,
    controls: Sequence[str] | Mapping[str, tuple | None],
    *,
    t_end: float,
    y0: Mapping[str, float] | None = None,
    doses: Sequence[Dose | Schedule] = (),
    variables: Sequence[str] | None = None,
    log_scale: bool = True,
    points: int | None = None,
    n_time: int = 81,
    title: str | None = None,
) -> Explorable:
    """Sliders over some parameters of ``model``, driving a time-course chart.

    Parameters
    ----------
    model : Model
        The model to explore.
    controls : sequence of str, or mapping of str to (low, high[, "log"])
        Parameters to put on sliders, optionally with their range (inside the parameter's
        bounds; default: half to twice the default value) and ``"log"`` for a logarithmic
        slider.
    t_end : float
        Simulated time span, in ``model.time_unit``.
    y0 : mapping, optional
        Initial values overriding the model's defaults.
    doses : sequence of Dose or Schedule, optional
        Doses given in every simulation.
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

    Returns
    -------
    Explorable
        Displays as live widgets in a kernel and as a self-contained chart in the book.
    """
    names = list(controls)
    if not names:
        raise ModelError(f"{model.name}: explore needs at least one control.", field="controls")
    if points is None:
        points = {1: 7, 2: 7, 3: 5}.get(len(names), 4)
    if not isinstance(points, int) or points < 2:
        raise invalid_value("points", points, "an integer >= 2", "grid points", model=model.name)
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
    variables = list(variables) if variables is not None else list(model.state_names)
    for variable in variables:
        if variable not in model.units:
            raise unknown_name("state or observable", variable, list(model.units), model=model.name)
    return Explorable(
        model,
        built,
        t_end=t_end,
        y0=y0,
        doses=list(doses),
        variables=variables,
        log_scale=log_scale,
        n_time=n_time,
        title=title,
    )
