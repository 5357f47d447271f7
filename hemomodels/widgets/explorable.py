"""The explorable specification (:class:`Explorable`) and its checked constructor
(:func:`explore`).

An :class:`Explorable` is frozen: a model, its controls and what to draw. Pure functions turn
it into numbers (:mod:`~hemomodels.widgets.data`), a chart
(:mod:`~hemomodels.widgets.charts`) and the book's static HTML
(:mod:`~hemomodels.widgets.html`); :class:`~hemomodels.widgets.live.LiveView` is the one
stateful piece, the ipywidgets view in a kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .. import rules
from ..doses import Doses
from ..errors import ModelError, invalid_value
from ..model import Model
from ..result import Result
from ..viz import is_static
from .controls import BoundControl, Control, bind

__all__ = ["MAX_GRID", "MAX_TIME_POINTS", "Explorable", "Panel", "explore"]

#: Largest number of precomputed simulations behind one explorable.
MAX_GRID = 343
#: Most output times per simulation of an explorable (each page holds the whole grid).
MAX_TIME_POINTS = 2_000

Scenario = Callable[[dict[str, Any]], Mapping[str, Any]]
Summary = Callable[[Result], Mapping[str, str]]
Overlay = Callable[[Result], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class Panel:
    """One panel of an explorable's chart: variables that share a value axis.

    Parameters
    ----------
    variables : sequence of str
        States or observables drawn in this panel (one unit).
    log : bool, default True
        Logarithmic value axis.
    domain : (float, float), optional
        Fixed value-axis range (default: the range over every slider position).
    reference_lines : mapping of str to float, optional
        Labelled horizontal lines (e.g. a transfusion threshold), in the panel's unit.
    title : str, optional
        Value-axis title (default: the variable's label and unit, or the unit).

    Examples
    --------
    >>> Panel(variables=["ANC"], log=False, reference_lines={"grade 4": 0.5}).variables
    ('ANC',)
    """

    variables: Sequence[str]
    log: bool = True
    domain: tuple[float, float] | None = None
    reference_lines: Mapping[str, float] = field(default_factory=dict)
    title: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.variables, str) or not isinstance(self.variables, Sequence):
            raise invalid_value("panel variables", self.variables, "a list of names", None)
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "log", rules.flag(self.log, "panel log"))
        if self.domain is not None:
            object.__setattr__(self, "domain", _domain(self.domain))
        lines = rules.mapping(self.reference_lines, "reference_lines")
        object.__setattr__(
            self,
            "reference_lines",
            {
                str(label): rules.number(level, f"reference line {label!r}")
                for label, level in lines.items()
            },
        )
        if self.title is not None and not isinstance(self.title, str):
            raise invalid_value("panel title", self.title, "text (str) or None", None)


def _domain(value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(rules.is_number(v) for v in value)
    ):
        raise invalid_value("y_domain", value, "(low, high) numbers", None)
    low, high = float(value[0]), float(value[1])
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise invalid_value("y_domain", value, "finite numbers with low < high", None)
    return low, high


@dataclass(frozen=True, eq=False)
class Explorable:
    """A model with controls: live ipywidgets in a kernel, working controls in the static book.

    Build it with :func:`explore`. It is a frozen description; the pieces are pure functions
    you can call on their own: :meth:`run` (one simulation), :meth:`frame` (its tidy table),
    :meth:`grid` (every combination the controls offer), :meth:`chart` (an Altair chart),
    :meth:`static_html` (the book's page fragment) and :meth:`widget` (the live view).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> view.values
    {'stem_self_renewal': 0.85}
    """

    model: Model
    controls: tuple[BoundControl, ...]
    panels: tuple[Panel, ...]
    t_end: float
    t_eval: np.ndarray
    y0: Mapping[str, float] | None
    doses: tuple[Any, ...]
    scenario: Scenario | None
    title: str
    note: str | None
    summary: Summary | None
    overlay: Overlay | None
    steady_state: bool
    time_factor: float
    time_unit: str
    dose_markers: bool
    dose_label: str | None
    description: str

    # ------------------------------------------------------------------ structure
    @property
    def values(self) -> dict[str, Any]:
        """Starting value of every control, by name (a new dict at every call)."""
        return {c.name: c.start_value for c in self.controls}

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """Every variable drawn, panel by panel."""
        return tuple(v for panel in self.panels for v in panel.variables)

    @cached_property
    def panel_of(self) -> dict[str, int]:
        """Panel index of every variable drawn."""
        return {v: i for i, panel in enumerate(self.panels) for v in panel.variables}

    # ------------------------------------------------------------------ numbers
    def run(self, **values: Any) -> Result:
        """Simulate with these control values (the others at their starting values).

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> round(float(view.run(stem_self_renewal=0.95)["feedback_signal"][-1]), 3)
        0.588
        """
        from .data import run

        return run(self, values)

    def simulate_kwargs(self, **values: Any) -> dict[str, Any]:
        """``params``, ``y0`` and ``doses`` of :meth:`Model.simulate` for these values.

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> view.simulate_kwargs(stem_self_renewal=0.95)["params"]
        {'stem_self_renewal': 0.95}
        """
        from .data import simulation_arguments

        return simulation_arguments(self, values)

    def frame(self, **values: Any) -> pd.DataFrame:
        """Tidy frame ``time, variable, value`` of the drawn variables for these values.

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> view.frame().columns.tolist()
        ['time', 'variable', 'value']
        """
        frame = self.run(**values).to_frame(list(self.variables))
        frame["variable"] = frame["variable"].astype(str)
        return frame

    def summary_rows(self, result: Result) -> dict[str, str]:
        """The summary lines (label → text) for one simulation.

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> view.summary_rows(view.run())  # no summary function given
        {}
        """
        return {str(k): str(v) for k, v in (self.summary(result) if self.summary else {}).items()}

    def steady_values(self, **values: Any) -> dict[str, float]:
        """The stable steady state (by variable) at these values, if there is exactly one.

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> round(view.steady_values(stem_self_renewal=0.95)["neutrophils"] / 1e8, 3)
        5.143
        """
        from .data import steady_values

        return steady_values(self, self.simulate_kwargs(**values)["params"])

    def grid(self):
        """Every combination of control values, simulated (computed once).

        Returns
        -------
        hemomodels.widgets.data.Grid

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> sorted(view.grid().points)
        ['0', '1', '2']
        """
        return self._grid

    @cached_property
    def _grid(self):
        from .data import grid

        return grid(self)

    # ------------------------------------------------------------------ views
    def chart(self, **values: Any):
        """The Altair chart at these control values (axes fixed over the whole grid).

        Returns
        -------
        altair.VConcatChart

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> len(view.chart(stem_self_renewal=0.95).to_dict()["vconcat"])
        1
        """
        from .charts import point_chart

        return point_chart(self, values)

    def static_html(self) -> str:
        """The book's HTML for this explorable: controls, chart, text description, data.

        Returns
        -------
        str

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> view.static_html().startswith('<div class="hm-explorable"')
        True
        """
        from .html import static_html

        return static_html(self)

    def widget(self):
        """The live ipywidgets view (built once per explorable).

        Returns
        -------
        ipywidgets.VBox

        Examples
        --------
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> import contextlib, io
        >>> with contextlib.redirect_stdout(io.StringIO()):  # no notebook here to draw in
        ...     box = view.widget()
        >>> type(box).__name__
        'VBox'
        """
        return self._live.box

    @cached_property
    def _live(self):
        from .live import LiveView

        return LiveView(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        text = f"<Explorable {self.model.name}: controls {', '.join(self.values)}>"
        if is_static():
            return {"text/html": self.static_html(), "text/plain": text}
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {}
        return {**bundle, "text/plain": text}


def _time_display(model: Model, value: Any) -> tuple[float, str]:
    if value is None:
        return 1.0, model.time_unit
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


def _auto_panels(
    model: Model,
    variables: Sequence[str],
    log_scale: bool,
    y_domain: Any,
    reference_lines: Mapping[str, float] | None,
) -> tuple[Panel, ...]:
    """One panel per unit, in the order the variables come."""
    by_unit: dict[str, list[str]] = {}
    for variable in variables:
        by_unit.setdefault(model.units[variable], []).append(variable)
    if len(by_unit) > 1 and (reference_lines or y_domain is not None):
        raise ModelError(
            f"{model.name}: the variables have {len(by_unit)} units "
            f"({', '.join(by_unit)}) and are drawn in separate panels; give reference lines "
            "and value ranges per panel with panels=[Panel(...), ...].",
            field="panels",
            value=list(by_unit),
        )
    return tuple(
        Panel(
            variables=group,
            log=log_scale,
            domain=y_domain,
            reference_lines=reference_lines or {},
        )
        for group in by_unit.values()
    )


def explore(
    model: Model,
    controls: Sequence[Control | str],
    *,
    t_end: float,
    scenario: Scenario | None = None,
    y0: Mapping[str, float] | None = None,
    doses: Doses = (),
    variables: Sequence[str] | None = None,
    panels: Sequence[Panel] | None = None,
    log_scale: bool = True,
    n_time: int = 81,
    title: str | None = None,
    note: str | None = None,
    summary: Summary | None = None,
    overlay: Overlay | None = None,
    reference_lines: Mapping[str, float] | None = None,
    steady_state: bool = True,
    time_display: tuple[float, str] | None = None,
    y_domain: tuple[float, float] | None = None,
    dose_markers: bool = True,
    dose_label: str | None = None,
) -> Explorable:
    """Controls driving a time-course chart of ``model``, checked before anything runs.

    Parameters
    ----------
    model : Model
        The model to explore.
    controls : sequence of Slider, Choice or str
        The controls (:class:`~hemomodels.widgets.Slider`,
        :class:`~hemomodels.widgets.Choice`); a parameter name alone gives a slider over
        half, one and twice its default.
    t_end : float
        Simulated time span, in ``model.time_unit``.
    scenario : callable, optional
        ``scenario(values) -> {"params": ..., "y0": ..., "doses": ...}`` turning the control
        values (a dict by control name) into simulation arguments. Needed for controls that
        are not parameters; parameter controls are applied without it.
    y0 : mapping, optional
        Initial values overriding the model's defaults (the scenario's ``y0`` wins).
    doses : sequence of Dose, Schedule, Infusion or ParameterChange, optional
        Given in every simulation (the scenario's doses are added).
    variables : sequence of str, optional
        States/observables to draw (default: all states); drawn in one panel per unit.
    panels : sequence of Panel, optional
        Explicit panels instead of ``variables`` (each with its own axis settings).
    log_scale : bool, default True
        Logarithmic value axis (for the panels made from ``variables``).
    n_time : int
        Output times per simulation.
    title : str, optional
        Title shown above the chart (default: the model's name).
    note : str, optional
        A sentence shown with the title, on the chart itself: where the model departs from
        the clinic it illustrates, so that no reader misses it.
    summary : callable, optional
        ``summary(result) -> {label: text}``: lines shown under the chart (e.g. the nadir).
    overlay : callable, optional
        ``overlay(result) -> [{"label", "time", "value"[, "variable"]}, ...]``: dashed lines
        over the trajectories (e.g. fitted slopes), time in ``model.time_unit``.
    reference_lines : mapping of str to float, optional
        Labelled horizontal lines (e.g. a transfusion threshold), in the variables' unit.
    steady_state : bool, default True
        Draw the stable steady state as dashed lines.
    time_display : (float, str), optional
        Factor and unit for the time axis only, e.g. ``(1 / 24, "day")`` for a model in
        hours; ``t_end``, doses and the scenario stay in ``model.time_unit``.
    y_domain : (float, float), optional
        Fixed value-axis range (default: the range over every control position, so the axis
        never rescales while the reader moves a control).
    dose_markers : bool, default True
        Mark the times of doses (boluses, schedules, infusion starts) on the time axis.
    dose_label : str, optional
        What a dose marker says (default: "Dose into <compartment>").

    Returns
    -------
    Explorable

    Raises
    ------
    ModelError
        For any input the explorable cannot honour, before any simulation runs.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.55, high=0.95, step=0.05)],
    ...                t_end=60)
    >>> view.controls[0].texts[:3]
    ('0.55', '0.6', '0.65')
    """
    from ..validation import check_doses, check_initial, check_time

    rules.instance(model, "model", Model)
    t_end, _ = check_time(model, t_end, None)
    if y0 is not None:
        y0 = dict(zip(model.state_names, map(float, check_initial(model, y0)), strict=True))
    checked_doses = tuple(check_doses(model, doses, t_end))
    if isinstance(controls, (str, bytes, Mapping)) or not isinstance(controls, Sequence):
        raise invalid_value(
            "controls",
            controls,
            "a list of Slider, Choice or parameter names",
            None,
            model=model.name,
        )
    if not controls:
        raise ModelError(f"{model.name}: explore needs at least one control.", field="controls")
    bound = tuple(bind(model, control) for control in controls)
    names = [c.name for c in bound]
    if len(set(names)) != len(names):
        raise invalid_value("controls", names, "distinct names", None, model=model.name)
    if scenario is None and any(not c.is_parameter for c in bound):
        raise ModelError(
            f"{model.name}: controls that are not parameters "
            f"({', '.join(c.name for c in bound if not c.is_parameter)}) need a scenario "
            "function that turns them into params, y0 or doses.",
            field="scenario",
            value=None,
        )
    size = math.prod(len(c.values) for c in bound)
    if size > MAX_GRID:
        raise invalid_value(
            "number of control combinations",
            size,
            f"at most {MAX_GRID}",
            "simulations",
            model=model.name,
            hint="Use fewer values per slider or fewer controls.",
        )
    n_time = rules.integer(
        n_time, "n_time", low=2, high=MAX_TIME_POINTS, unit="time points", model=model.name
    )
    log_scale = rules.flag(log_scale, "log_scale", model=model.name)
    steady_state = rules.flag(steady_state, "steady_state", model=model.name)
    dose_markers = rules.flag(dose_markers, "dose_markers", model=model.name)
    for name, text in (("title", title), ("note", note), ("dose_label", dose_label)):
        if text is not None and not isinstance(text, str):
            raise invalid_value(name, text, "text (str) or None", None, model=model.name)
    for name, function in (("scenario", scenario), ("summary", summary), ("overlay", overlay)):
        if function is not None and not callable(function):
            raise invalid_value(name, function, "a function or None", None, model=model.name)
    known = list(model.units)
    if reference_lines is not None:
        reference_lines = rules.mapping(reference_lines, "reference_lines", model=model.name)
    if panels is not None:
        if variables is not None or reference_lines is not None or y_domain is not None:
            raise ModelError(
                f"{model.name}: give variables, reference_lines and y_domain inside the "
                "panels, not next to panels=.",
                field="panels",
                value=None,
            )
        checked_panels = tuple(rules.instance(p, "panel", Panel) for p in panels)
        for panel in checked_panels:
            rules.names(
                list(panel.variables),
                "panel variables",
                known,
                kind="state or observable",
                model=model.name,
            )
            units = {model.units[v] for v in panel.variables}
            if len(units) > 1:
                raise invalid_value(
                    "panel variables",
                    panel.variables,
                    "variables of one unit",
                    None,
                    model=model.name,
                )
    else:
        chosen = (
            list(model.state_names)
            if variables is None
            else rules.names(
                variables, "variables", known, kind="state or observable", model=model.name
            )
        )
        checked_panels = _auto_panels(
            model,
            chosen,
            log_scale,
            None if y_domain is None else _domain(y_domain),
            reference_lines,
        )
    drawn = [v for p in checked_panels for v in p.variables]
    if len(set(drawn)) != len(drawn):
        raise invalid_value("panels", drawn, "each variable in one panel", None, model=model.name)
    factor, unit = _time_display(model, time_display)
    spec = Explorable(
        model=model,
        controls=bound,
        panels=checked_panels,
        t_end=t_end,
        t_eval=np.linspace(0.0, t_end, n_time),
        y0=y0,
        doses=checked_doses,
        scenario=scenario,
        title=title or model.name,
        note=note,
        summary=summary,
        overlay=overlay,
        steady_state=steady_state,
        time_factor=factor,
        time_unit=unit,
        dose_markers=dose_markers,
        dose_label=dose_label,
        description=_chart_description(model, drawn, steady_state, title or model.name),
    )
    # Run the starting combination now: a scenario or summary that fails, fails here.
    from .data import point

    point(spec, spec.values)
    return spec


def _chart_description(model: Model, variables: Sequence[str], steady: bool, title: str) -> str:
    names = ", ".join(model.labels[v] for v in variables)
    text = f"{title}: {names} over time."
    if steady:
        text += " Dashed lines mark the stable steady state."
    return text
