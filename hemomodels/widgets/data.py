"""The numbers behind an explorable: pure functions from a specification to tables.

:func:`run` simulates one combination of control values; :func:`point` turns that simulation
into what a chart, a text description and a data table need (:class:`Point`); :func:`grid`
computes every combination the controls offer (:class:`Grid`), with value-axis ranges that
stay fixed as the reader moves the controls.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..doses import Dose, Infusion, ParameterChange, PerPatient, Schedule
from ..errors import ModelError
from ..result import Result
from ..text import human_number, quantity, time_unit_words

if TYPE_CHECKING:
    from .explorable import Explorable

__all__ = ["Grid", "Point", "grid", "key", "point", "run", "simulation_arguments"]


def key(positions: Sequence[int]) -> str:
    """The key of a combination of control positions, as the page's script builds it.

    Examples
    --------
    >>> key([3, 0])
    '3-0'
    """
    return "-".join(str(int(p)) for p in positions)


def control_values(spec: Explorable, positions: Sequence[int]) -> dict[str, Any]:
    """Control values (by name) at these grid positions."""
    return {c.name: c.values[p] for c, p in zip(spec.controls, positions, strict=True)}


def simulation_arguments(spec: Explorable, values: Mapping[str, Any]) -> dict[str, Any]:
    """``params``, ``y0`` and ``doses`` of :meth:`~hemomodels.Model.simulate` for these
    control values (missing ones at their starting values).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> simulation_arguments(view, {})["params"]
    {'stem_self_renewal': 0.85}
    """
    values = {**spec.values, **values}
    params = {c.name: values[c.name] for c in spec.controls if c.is_parameter}
    y0 = dict(spec.y0) if spec.y0 is not None else None
    doses = list(spec.doses)
    if spec.scenario is not None:
        extra = dict(spec.scenario(values))
        unknown = set(extra) - {"params", "y0", "doses"}
        if unknown:
            raise ModelError(
                f"{spec.model.name}: the scenario returned {sorted(unknown)}; allowed keys: "
                "params, y0, doses.",
                field="scenario",
                value=sorted(unknown),
            )
        params.update(extra.get("params") or {})
        y0 = {**(y0 or {}), **(extra.get("y0") or {})} or None
        doses += list(extra.get("doses") or [])
    return {"params": params, "y0": y0, "doses": doses}


def run(spec: Explorable, values: Mapping[str, Any]) -> Result:
    """Simulate with these control values (the others at their starting values).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> float(run(view, {"stem_self_renewal": 0.95}).t[-1])
    10.0
    """
    return spec.model.simulate(spec.t_end, t_eval=spec.t_eval, **simulation_arguments(spec, values))


@dataclass(frozen=True)
class Point:
    """Everything shown for one combination of control values.

    Attributes
    ----------
    lines : pandas.DataFrame
        ``variable`` (name), ``panel`` (index) and ``value`` (an array over the output times).
    steady : dict of str to float
        Stable steady state by variable (empty if there is no single stable one).
    summary : dict of str to str
        The explorable's summary lines (label → text).
    overlay : list of dict
        Extra dashed lines: ``label``, ``panel``, ``time`` (displayed unit), ``value``.
    markers : list of dict
        Dose and therapy-change times: ``time`` (displayed unit) and ``label``.
    description : str
        A sentence or two saying what the chart shows at these values.
    """

    lines: pd.DataFrame
    steady: dict[str, float]
    summary: dict[str, str]
    overlay: list[dict[str, Any]]
    markers: list[dict[str, Any]]
    description: str


def steady_values(spec: Explorable, params: Mapping[str, float]) -> dict[str, float]:
    """The stable steady state (states and observables drawn) at these parameters, if there
    is exactly one; otherwise empty."""
    if not spec.steady_state:
        return {}
    model = spec.model
    stable = [s for s in model.steady_states(params) if s.stability == "stable"]
    if len(stable) != 1:
        return {}
    states = np.array([stable[0].values[name] for name in model.state_names])
    vector = np.array([{**model.defaults, **params}[n] for n in model.parameter_names])
    observed = model.compiled.observe(0.0, states, vector)
    everything = {
        **stable[0].values,
        **dict(zip(model.observable_names, map(float, observed), strict=True)),
    }
    return {v: float(everything[v]) for v in spec.variables}


def _markers(spec: Explorable, doses: Sequence[Any]) -> list[dict[str, Any]]:
    """Times of doses (boluses, schedules, infusion starts) and parameter changes (e.g. a
    therapy switched on) inside the simulated span."""
    rows: list[dict[str, Any]] = []
    for dose in doses:
        if isinstance(dose, Dose):
            times = [dose.time]
        elif isinstance(dose, Schedule):
            times = [dose.start + i * dose.every for i in range(dose.count)]
        elif isinstance(dose, Infusion):
            times = [dose.start]
        elif isinstance(dose, ParameterChange):
            label = ", ".join(
                [
                    *(
                        f"{spec.model.labels[name]} set to {human_number(float(value))}"
                        for name, value in dose.values.items()
                        if not isinstance(value, PerPatient)  # refused by explore()
                    ),
                    *(
                        f"{spec.model.labels[name]} × {human_number(float(factor))}"
                        for name, factor in dose.scale.items()
                        if not isinstance(factor, PerPatient)
                    ),
                ]
            )
            if 0 <= dose.time <= spec.t_end:
                rows.append({"time": float(dose.time) * spec.time_factor, "label": label})
            continue
        else:
            continue
        label = spec.dose_label or f"Dose into {spec.model.labels[dose.target].lower()}"
        rows += [
            {"time": float(t) * spec.time_factor, "label": label}
            for t in times
            if 0 <= t <= spec.t_end
        ]
    return rows


def _describe(spec: Explorable, values: Mapping[str, Any], result: Result) -> str:
    """Control values, then start, end and any extreme in between of every drawn variable."""
    settings = "; ".join(
        f"{c.label}: {c.texts[c.values.index(values[c.name])]}"
        for c in spec.controls
        if values[c.name] in c.values
    )
    time_words = time_unit_words(spec.time_unit)
    times = result.t * spec.time_factor
    parts = []
    for variable in spec.variables:
        series = np.asarray(result[variable], dtype=float)
        unit = spec.model.units[variable]
        label = spec.model.labels[variable]
        if not np.all(np.isfinite(series)):
            parts.append(f"{label}: not defined at every time")
            continue
        text = f"{label}: {quantity(series[0], unit)} at the start, "
        text += f"{quantity(series[-1], unit)} at the end"
        for word, index in (
            ("lowest", int(np.argmin(series))),
            ("highest", int(np.argmax(series))),
        ):
            if 0 < index < len(series) - 1:
                text += f", {word} {quantity(series[index], unit)} after "
                text += f"{human_number(times[index])} {time_words}"
        parts.append(text)
    return f"{settings}. Over {human_number(times[-1])} {time_words}: " + "; ".join(parts) + "."


def point(spec: Explorable, values: Mapping[str, Any], result: Result | None = None) -> Point:
    """What the chart shows for these control values (simulating unless ``result`` is given).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> shown = point(view, view.values)
    >>> shown.lines["variable"].tolist()
    ['stem_cells', 'precursors', 'neutrophils']
    """
    values = {**spec.values, **values}
    arguments = simulation_arguments(spec, values)
    if result is None:
        result = spec.model.simulate(spec.t_end, t_eval=spec.t_eval, **arguments)
    lines = pd.DataFrame(
        {
            "variable": list(spec.variables),
            "panel": [spec.panel_of[v] for v in spec.variables],
            "value": [np.asarray(result[v], dtype=float) for v in spec.variables],
        }
    )
    summary = {str(k): str(v) for k, v in spec.summary(result).items()} if spec.summary else {}
    overlay = []
    if spec.overlay is not None:
        for row in spec.overlay(result):
            variable = str(row.get("variable", spec.variables[0]))
            overlay.append(
                {
                    "label": str(row["label"]),
                    "panel": spec.panel_of.get(variable, 0),
                    "time": float(row["time"]) * spec.time_factor,
                    "value": float(row["value"]),
                }
            )
    markers = _markers(spec, arguments["doses"]) if spec.dose_markers else []
    return Point(
        lines,
        steady_values(spec, arguments["params"]),
        summary,
        overlay,
        markers,
        _describe(spec, values, result),
    )


@dataclass(frozen=True)
class Grid:
    """Every combination of control values, simulated: what the book's static page holds.

    Attributes
    ----------
    points : dict of str to Point
        By :func:`key` of the control positions.
    domains : list of (float, float)
        Value-axis range of each panel over the whole grid (fixed while the reader moves the
        controls).
    """

    points: dict[str, Point]
    domains: list[tuple[float, float]]


def _results(spec: Explorable, combos: list[tuple[int, ...]]) -> list[Result]:
    table = pd.DataFrame(
        [control_values(spec, combo) for combo in combos], columns=[c.name for c in spec.controls]
    )
    cohort_ready = spec.scenario is None and all(
        c.is_parameter and c.kind == "slider" for c in spec.controls
    )
    if cohort_ready and len(combos) > 1:  # one cohort simulation for the whole grid
        cohort = spec.model.simulate_many(
            table.assign(**(spec.y0 or {})), spec.t_end, doses=spec.doses, t_eval=spec.t_eval
        )
        return [cohort.patient(i) for i in range(len(combos))]
    return [run(spec, values) for values in table.to_dict("records")]


def _domain(spec: Explorable, index: int, points: Sequence[Point]) -> tuple[float, float]:
    panel = spec.panels[index]
    if panel.domain is not None:
        return panel.domain
    numbers: list[np.ndarray] = []
    for shown in points:
        rows = shown.lines[shown.lines["panel"] == index]
        numbers += [np.asarray(v, dtype=float) for v in rows["value"]]
        numbers += [np.array([shown.steady[v]]) for v in rows["variable"] if v in shown.steady]
    numbers += [np.array(list(panel.reference_lines.values()), dtype=float)]
    values = np.concatenate(numbers) if numbers else np.array([0.0, 1.0])
    values = values[np.isfinite(values)]
    if panel.log:
        values = values[values > 0]
        if values.size == 0:
            return (1e-3, 1.0)
        low, high = float(values.min()), float(values.max())
        if high <= low * 1.01:
            low, high = low / 2, high * 2
        # widen to quarter decades, so the axis has room and round ends
        return (
            10 ** (math.floor(math.log10(low) * 4) / 4),
            10 ** (math.ceil(math.log10(high) * 4) / 4),
        )
    low, high = float(min(values.min(), 0.0)), float(values.max())
    if high <= low:
        high = low + 1.0
    return (low, high + 0.05 * (high - low))


def grid(spec: Explorable) -> Grid:
    """Simulate every combination of control values (at most
    ``hemomodels.widgets.MAX_GRID``).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> sorted(grid(view).points)
    ['0', '1', '2']
    """
    combos = list(itertools.product(*(range(len(c.values)) for c in spec.controls)))
    results = _results(spec, combos)
    points = {
        key(combo): point(spec, control_values(spec, combo), result)
        for combo, result in zip(combos, results, strict=True)
    }
    domains = [_domain(spec, i, list(points.values())) for i in range(len(spec.panels))]
    return Grid(points, domains)
