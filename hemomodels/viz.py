"""Altair charts of simulation results, and their offline rendering for the built book.

Charts are built from tidy frames (:meth:`hemomodels.Result.to_frame`). In a live kernel
they display with Altair's default renderer. When the book is built (the book's Sphinx
extension sets ``HEMOMODELS_STATIC_HTML=1`` before notebooks run), charts render as HTML
that calls ``vegaEmbed`` from the Vega bundle served by the book itself — no CDN, so pages
work offline.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .extras import missing_extra

try:
    import altair as alt
except ImportError as error:  # the charts extra is not installed
    raise missing_extra("altair", "hemomodels.viz (charts)") from error

from . import rules
from .errors import ModelError, invalid_value
from .text import time_unit_words
from .units import reader_unit

if TYPE_CHECKING:
    from .result import Result

__all__ = [
    "fit_chart",
    "interval_chart",
    "points_chart",
    "sobol_chart",
    "STATIC_ENV",
    "chart_config",
    "compact_json",
    "json_script",
    "cohort_band_chart",
    "is_static",
    "positive_for_log",
    "render_static_html",
    "steady_state_sweep_chart",
    "timecourse_chart",
    "variable_color",
]

#: Environment variable that switches charts and explorables to static (offline) HTML.
STATIC_ENV = "HEMOMODELS_STATIC_HTML"

#: Vega-Lite mark colours, fixed so the same variable keeps its colour across charts.
PALETTE = ["#1b6ca8", "#d1495b", "#2a9d8f", "#e9a03b", "#6a4c93", "#5c946e", "#8d6346"]


def is_static() -> bool:
    """Whether output is being rendered for the static HTML book (no kernel).

    Examples
    --------
    >>> import os
    >>> is_static() == (os.environ.get(STATIC_ENV) == "1")
    True
    """
    return os.environ.get(STATIC_ENV, "") == "1"


def compact_json(data: Any, digits: int = 4) -> str:
    """JSON with every float written to ``digits`` significant figures (``4.571e8`` rather than
    ``457100000.0``): chart data stay exact to what a chart can show and pages stay light.

    Examples
    --------
    >>> compact_json({"value": [457123456.0, 0.000012345, 2.0, None], "label": "0.123456"})
    '{"label":"0.123456","value":[4.571e8,1.234e-5,2,null]}'
    """
    if data is None or isinstance(data, (bool, str)):
        return json.dumps(data, ensure_ascii=False)
    if isinstance(data, (int, np.integer)):
        return str(int(data))
    if isinstance(data, (float, np.floating)):
        value = float(data)
        if not np.isfinite(value):
            raise ValueError(f"{value} cannot be written as JSON")
        mantissa, _, exponent = f"{value:.{digits}g}".partition("e")
        return mantissa + (f"e{int(exponent)}" if exponent else "")
    if isinstance(data, dict):
        items = sorted(data.items(), key=lambda item: str(item[0]))
        return (
            "{"
            + ",".join(
                f"{json.dumps(str(k), ensure_ascii=False)}:{compact_json(v, digits)}"
                for k, v in items
            )
            + "}"
        )
    if isinstance(data, (list, tuple, np.ndarray)):
        return "[" + ",".join(compact_json(v, digits) for v in data) + "]"
    raise TypeError(f"{type(data).__name__} cannot be written as JSON")


def json_script(data: Any, css_class: str) -> str:
    """``data`` as an inert JSON ``<script>`` element for the page's script to read.

    ``</`` is escaped, so a string in the data can never close the element.

    Examples
    --------
    >>> print(json_script({"a": "</script>"}, "hm-spec"))
    <script type="application/json" class="hm-spec">{"a":"<\\/script>"}</script>
    """
    safe = compact_json(data).replace("</", "<\\/")
    return f'<script type="application/json" class="{css_class}">{safe}</script>'


def chart_config() -> dict[str, Any]:
    """Vega-Lite ``config`` of every chart: text at least 12 px, legends above the plot.

    Examples
    --------
    >>> chart_config()["axis"]["labelFontSize"]
    12
    """
    return {
        "font": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
        "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal"},
        "legend": {
            "labelFontSize": 12,
            "titleFontSize": 12,
            "orient": "top",
            "labelLimit": 0,
            "symbolStrokeWidth": 3,
        },
        "title": {"fontSize": 15, "subtitleFontSize": 12, "anchor": "start"},
        "text": {"fontSize": 12},
        "view": {"stroke": "#dddddd"},
    }


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_POWERS = [f"10{str(e).translate(_SUPERSCRIPTS)}" for e in range(-30, 31)]


def log_axis(title: str) -> alt.Axis:
    """A value axis for a log scale labelled at powers of ten as ``10⁹`` (not
    ``1,000,000,000``); values from 0.01 to 1,000 keep plain labels.

    Examples
    --------
    >>> "10⁹" in log_axis("Cells (cells/kg)").to_dict()["labelExpr"]
    True
    """
    table = "[" + ",".join(f"'{power}'" for power in _POWERS) + "]"
    exponent = "round(log(datum.value) / LN10)"
    expression = (
        f"abs(log(datum.value) / LN10 - {exponent}) > 1e-6 ? '' : "
        f"(datum.value >= 0.01 && datum.value <= 1000 ? format(datum.value, '~g') : "
        f"{table}[{exponent} + 30])"
    )
    return alt.Axis(title=title, labelExpr=expression)


def _title_parts(spec: dict[str, Any]) -> tuple[str | None, list[str]]:
    title = spec.pop("title", None)
    if title is None:
        return None, []
    if isinstance(title, str):
        return title, []
    subtitle = title.get("subtitle") or []
    return str(title.get("text", "")), [subtitle] if isinstance(subtitle, str) else list(subtitle)


def render_static_html(spec: dict[str, Any]) -> str:
    """HTML of a chart for the static book: title and notes as page text, the Vega-Lite spec
    as inert JSON that the book's script (``book/_static/hemomodels.js``) draws with the
    vendored Vega bundle, fitted to the page width and to the light or dark theme.

    Examples
    --------
    >>> html = render_static_html({"mark": "point", "description": "A <test> chart",
    ...                            "title": "Counts"})
    >>> 'class="hemomodels-chart"' in html, 'aria-label="A &lt;test&gt; chart"' in html
    (True, True)
    >>> '<p class="hm-title">Counts</p>' in html
    True
    """
    spec = dict(spec)
    spec.pop("$schema", None)  # a URL only, never fetched: the page stays self-contained
    title, notes = _title_parts(spec)
    config = dict(spec.get("config") or {})
    for name, defaults in chart_config().items():
        given = config.get(name)
        config[name] = (
            {**defaults, **given}
            if isinstance(defaults, dict) and given
            else (given if given is not None else defaults)
        )
    spec["config"] = config
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    chart_id = "hm-chart-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    description = spec.get("description", title or "Chart")
    heading = f'<p class="hm-title">{_escape_attribute(title)}</p>' if title else ""
    heading += "".join(f'<p class="hm-note">{_escape_attribute(n)}</p>' for n in notes if n)
    return (
        f'<div class="hm-figure">{heading}'
        f'<div id="{chart_id}" class="hemomodels-chart" role="figure" '
        f'aria-label="{_escape_attribute(description)}" data-hm-chart>'
        f"{json_script(spec, 'hm-spec')}</div></div>"
    )


def _escape_attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _static_renderer(spec: dict[str, Any], **_: Any) -> dict[str, str]:
    return {"text/html": render_static_html(spec), "text/plain": "<Altair chart>"}


alt.renderers.register("hemomodels_static", _static_renderer)
if is_static():
    alt.renderers.enable("hemomodels_static")


def variable_color(variables: Sequence[str]) -> alt.Color:
    """Colour encoding of the ``variable`` field: fixed colours, legend above the plot.

    Examples
    --------
    >>> color = variable_color(["stem_cells", "neutrophils"])
    >>> color.to_dict()["scale"]
    {'domain': ['stem_cells', 'neutrophils'], 'range': ['#1b6ca8', '#d1495b']}
    """
    variables = list(variables)
    return alt.Color(
        "variable:N",
        title=None,
        sort=variables,
        scale=alt.Scale(domain=variables, range=PALETTE[: len(variables)]),
    )


def positive_for_log(frame: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """Rows with ``column > 0`` (a log axis cannot show zero or negative values).

    Examples
    --------
    >>> frame = pd.DataFrame({"value": [0.0, -1.0, 2.5]})
    >>> positive_for_log(frame)["value"].tolist()
    [2.5]
    """
    return frame[frame[column] > 0]


def _round(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """Round to ``digits`` significant figures (smaller inline chart data)."""
    values = np.asarray(values, dtype=float)
    rounded = [float(f"{value:.{digits}g}") for value in values.ravel().tolist()]
    return np.array(rounded, dtype=float).reshape(values.shape)


def _layout(title: Any, max_points: Any, width: Any, height: Any) -> tuple[int, int, int]:
    """Check a chart's title and sizes; return ``(max_points, width, height)``."""
    if title is not None and not isinstance(title, str):
        raise invalid_value("title", title, "text (str) or None", None)
    return (
        rules.integer(max_points, "max_points", low=2, unit="points"),
        rules.integer(width, "width", low=50, high=4000, unit="px"),
        rules.integer(height, "height", low=50, high=4000, unit="px"),
    )


def _result(result: Any, *, cohort: bool) -> Result:
    from .result import Result

    rules.instance(result, "result", Result)
    if result.is_cohort != cohort:
        kind = "a cohort result (Model.simulate_many)" if cohort else "a single simulation"
        raise invalid_value("result", result, kind, None, model=result.model.name)
    return result


def timecourse_chart(
    result: Result,
    variables: Sequence[str] | None = None,
    *,
    log_scale: bool = True,
    title: str | None = None,
    time_factor: float = 1.0,
    time_unit: str | None = None,
    max_points: int = 200,
    width: int = 480,
    height: int = 300,
) -> alt.Chart:
    """Line chart of states/observables over time, one colour per variable.

    Parameters
    ----------
    result : Result
        A single simulation (not a cohort).
    variables : sequence of str, optional
        States or observables to draw (default: all states).
    log_scale : bool, default True
        Logarithmic value axis (zeros and negative values are left out).
    title : str, optional
        Chart title (default: the model name).
    time_factor : float
        Multiplies the model's time for display (e.g. ``1/24`` to show hours as days).
    time_unit : str, optional
        Unit shown on the time axis (default: the model's time unit).
    max_points : int
        Time points kept per line (evenly thinned) to keep pages light.
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.Chart

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> chart = timecourse_chart(model.simulate(10.0, t_eval=[0.0, 5.0, 10.0]), ["neutrophils"])
    >>> spec = chart.to_dict()
    >>> spec["mark"]["type"], len(spec["datasets"][spec["data"]["name"]])
    ('line', 3)
    """
    result = _result(result, cohort=False)
    max_points, width, height = _layout(title, max_points, width, height)
    log_scale = rules.flag(log_scale, "log_scale")
    time_factor = rules.number(time_factor, "time_factor", low=0.0, low_open=True, unit="1")
    if time_unit is not None and not isinstance(time_unit, str):
        raise invalid_value("time_unit", time_unit, "text (str) or None", None)
    variables = (
        list(result.model.state_names)
        if variables is None
        else rules.names(
            variables,
            "variables",
            result.names,
            kind="state or observable",
            model=result.model.name,
        )
    )
    model = result.model
    units = {reader_unit(result.units[v]) for v in variables}
    if len(units) > 1:
        raise ModelError(
            f"{model.name}: the variables have different units ({', '.join(sorted(units))}); "
            "draw each unit in its own chart (one value axis, one unit).",
            field="variables",
            value=list(variables),
        )
    frame = result.to_frame(variables)
    step = max(1, int(np.ceil(result.t.size / max_points)))
    keep = np.isin(frame["time"], result.t[::step]) | (frame["time"] == result.t[-1])
    frame = frame[keep].assign(value=lambda f: _round(f["value"].to_numpy()))
    if log_scale:
        frame = positive_for_log(frame)
    labels = [model.labels[v] for v in variables]
    y_title = _value_title(labels, units.pop())
    frame = frame.assign(
        variable=frame["variable"].astype(str).map(dict(model.labels)),
        time=_round(frame["time"].to_numpy() * time_factor, 6),
    )
    return (
        alt.Chart(
            frame,
            title=title or model.name,
            description=f"{title or model.name}: {', '.join(labels)} over time",
        )
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("time:Q", title=f"Time ({time_unit_words(time_unit or model.time_unit)})"),
            y=alt.Y(
                "value:Q",
                axis=log_axis(y_title) if log_scale else alt.Undefined,
                title=alt.Undefined if log_scale else y_title,
                scale=alt.Scale(type="log") if log_scale else alt.Undefined,
            ),
            color=variable_color(labels),
            tooltip=[
                alt.Tooltip("variable:N", title="Quantity"),
                alt.Tooltip("time:Q", title="Time", format=".1f"),
                alt.Tooltip("value:Q", title="Value", format=".3~g"),
            ],
        )
        .properties(width=width, height=height)
    )


def _value_title(labels: Sequence[str], unit: str) -> str:
    """Value-axis title: ``"Neutrophils (cells/kg)"`` for one quantity, else the unit."""
    name = labels[0] if len(labels) == 1 else "Value"
    return f"{name} ({unit})" if unit else name


def cohort_band_chart(
    result: Result,
    variable: str,
    *,
    lower: float = 0.05,
    upper: float = 0.95,
    time_factor: float = 1.0,
    time_unit: str | None = None,
    reference_lines: dict[str, float] | None = None,
    title: str | None = None,
    max_points: int = 200,
    width: int = 480,
    height: int = 300,
) -> alt.LayerChart:
    """Median and a quantile band of one variable across the patients of a cohort.

    Parameters
    ----------
    result : Result
        A cohort result (:meth:`hemomodels.Model.simulate_many`).
    variable : str
        State or observable to summarise.
    lower, upper : float
        Quantiles bounding the shaded band (0 <= lower < 0.5 < upper <= 1); default the
        5th and 95th percentiles.
    time_factor : float
        Multiplies the model's time for display (e.g. ``1/24`` to show hours as days).
    time_unit : str, optional
        Unit shown on the time axis (default: the model's time unit).
    reference_lines : mapping of str to float, optional
        Labelled horizontal lines (e.g. a toxicity threshold), in the variable's unit.
    title : str, optional
        Chart title (default: the model name).
    max_points : int
        Time points kept (evenly thinned) to keep pages light.
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.LayerChart
        A band (``lower``–``upper`` quantiles) and the median line; the chart data have
        columns ``time``, ``median``, ``lower``, ``upper``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> cohort = model.simulate_many({"stem_self_renewal": [0.8, 0.85, 0.9]}, 10.0,
    ...                              t_eval=[0.0, 5.0, 10.0])
    >>> chart = cohort_band_chart(cohort, "neutrophils")
    >>> [layer["mark"]["type"] for layer in chart.to_dict()["layer"]]  # band and median
    ['area', 'line']
    """
    result = _result(result, cohort=True)
    max_points, width, height = _layout(title, max_points, width, height)
    values = np.asarray(result[variable], dtype=float)
    lower = rules.number(lower, "quantiles (lower)", low=0.0, high=0.5, high_open=True, unit="1")
    upper = rules.number(upper, "quantiles (upper)", low=0.5, high=1.0, low_open=True, unit="1")
    if time_unit is not None and not isinstance(time_unit, str):
        raise invalid_value("time_unit", time_unit, "text (str) or None", None)
    if reference_lines is not None:
        reference_lines = {
            label: rules.number(value, f"reference line {label!r}")
            for label, value in rules.mapping(reference_lines, "reference_lines").items()
        }
    time_factor = rules.number(time_factor, "time_factor", low=0.0, low_open=True, unit="1")
    if not np.isfinite(float(result.t[-1]) * time_factor):
        raise invalid_value("time_factor", time_factor, "a factor that keeps the times finite", "1")
    step = max(1, int(np.ceil(result.t.size / max_points)))
    keep = np.zeros(result.t.size, dtype=bool)
    keep[::step] = True
    keep[-1] = True
    low, middle, high = np.quantile(values[:, keep], [lower, 0.5, upper], axis=0)
    frame = pd.DataFrame(
        {
            "time": _round(result.t[keep] * time_factor, 6),
            "median": _round(middle),
            "lower": _round(low),
            "upper": _round(high),
        }
    )
    label = result.model.labels[variable]
    unit = reader_unit(result.units[variable])
    x = alt.X("time:Q", title=f"Time ({time_unit_words(time_unit or result.model.time_unit)})")
    band_label = f"{lower:.0%}–{upper:.0%} of patients"
    base = alt.Chart(frame)
    layers = [
        base.mark_area(opacity=0.3, color=PALETTE[0]).encode(
            x=x,
            y=alt.Y("lower:Q", title=_value_title([label], unit)),
            y2="upper:Q",
            tooltip=[
                alt.Tooltip("time:Q", title="Time", format=".1f"),
                alt.Tooltip("lower:Q", format=".3g", title=f"{lower:.0%} of patients below"),
                alt.Tooltip("upper:Q", format=".3g", title=f"{upper:.0%} of patients below"),
            ],
        ),
        base.mark_line(color=PALETTE[0]).encode(
            x=x,
            y="median:Q",
            tooltip=[
                alt.Tooltip("time:Q", title="Time", format=".1f"),
                alt.Tooltip("median:Q", title="Median patient", format=".3g"),
            ],
        ),
    ]
    if reference_lines:
        references = alt.Chart(
            pd.DataFrame({"label": list(reference_lines), "level": list(reference_lines.values())})
        )
        layers += [
            references.mark_rule(color="#555555", strokeDash=[1, 3]).encode(y="level:Q"),
            references.mark_text(align="left", dx=4, dy=-6, color="#333333").encode(
                x=alt.value(0), y="level:Q", text="label:N"
            ),
        ]
    description = (
        f"{title or result.model.name}: median {label.lower()} of {result.n_patients} patients "
        f"over time; shaded band: {band_label}"
    )
    # alt.layer returns a FacetChart only for layers with facet encodings (none here)
    layered = alt.layer(*layers, title=title or result.model.name, description=description)
    return cast(alt.LayerChart, layered).properties(width=width, height=height)


def steady_state_sweep_chart(
    frame: pd.DataFrame,
    variable: str,
    *,
    title: str | None = None,
    reference_lines: dict[str, float] | None = None,
    width: int = 480,
    height: int = 300,
) -> alt.LayerChart:
    """Steady-state value of ``variable`` against the swept parameter, coloured by stability.

    Parameters
    ----------
    frame : pandas.DataFrame
        The output of :func:`hemomodels.sweep.steady_state_sweep`.
    variable : str
        State or observable to plot (a column of ``frame``).
    title : str, optional
        Chart title.
    reference_lines : mapping of str to float, optional
        Labelled horizontal lines (e.g. an anaemia threshold), in the variable's unit.
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.LayerChart

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> from hemomodels.sweep import steady_state_sweep
    >>> frame = steady_state_sweep(model, "stem_self_renewal", [0.7, 0.85])
    >>> chart = steady_state_sweep_chart(frame, "neutrophils")
    >>> [layer["mark"]["type"] for layer in chart.to_dict()["layer"]]
    ['line', 'point']
    """
    from .errors import ModelError

    parameter = frame.attrs.get("parameter")
    if parameter is None or parameter not in frame.columns:
        raise ModelError(
            "frame is not a steady-state sweep; allowed: the output of "
            "hemomodels.sweep.steady_state_sweep.",
            field="frame",
        )
    plottable = [c for c in frame.columns if c not in (parameter, "stability", "method")]
    if variable not in plottable:
        raise ModelError(
            f"variable {variable!r} is not in the sweep; allowed: {', '.join(plottable)}.",
            field="variable",
            value=variable,
        )
    units = frame.attrs.get("units", {})
    labels = frame.attrs.get("labels", {})
    parameter_label = labels.get(parameter, parameter)
    variable_label = labels.get(variable, variable)
    data = pd.DataFrame(
        {
            "parameter": frame[parameter].to_numpy(dtype=float),
            "value": _round(frame[variable].to_numpy(dtype=float)),
            "stability": frame["stability"].astype(str).to_numpy(),
        }
    )
    x_title = _value_title([parameter_label], reader_unit(frame.attrs.get("parameter_unit", "")))
    y_title = _value_title(
        [f"{variable_label} at steady state"], reader_unit(units.get(variable, ""))
    )
    colour = alt.Color(
        "stability:N",
        title="Steady state",
        scale=alt.Scale(domain=["stable", "unstable", "marginal"], range=PALETTE[:3]),
        legend=alt.Legend(orient="top"),
    )
    base = alt.Chart(data).encode(
        x=alt.X("parameter:Q", title=x_title),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        tooltip=[
            alt.Tooltip("parameter:Q", title=parameter_label, format=".4g"),
            alt.Tooltip("value:Q", title=variable_label, format=".4g"),
            alt.Tooltip("stability:N", title="Steady state"),
        ],
    )
    layers = [
        base.mark_line(color="#999999", strokeWidth=1),
        base.mark_point(filled=True, size=40).encode(color=colour),
    ]
    if reference_lines:
        references = alt.Chart(
            pd.DataFrame({"label": list(reference_lines), "level": list(reference_lines.values())})
        )
        layers += [
            references.mark_rule(color="#555555", strokeDash=[1, 3]).encode(y="level:Q"),
            references.mark_text(align="left", dx=4, dy=-6, color="#333333").encode(
                x=alt.value(0), y="level:Q", text="label:N"
            ),
        ]
    description = f"Steady-state {variable_label.lower()} against {parameter_label.lower()}"
    layered = alt.layer(*layers, title=title or description, description=description)
    return cast(alt.LayerChart, layered).properties(width=width, height=height)


def points_chart(
    frame: pd.DataFrame,
    x: str,
    panels: Sequence[tuple[str, str]],
    *,
    x_title: str,
    title: str,
    width: int = 480,
    height: int = 180,
) -> alt.VConcatChart:
    """Points joined by lines, one panel per column of ``frame``, sharing the x axis.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data: column ``x`` and one column per panel.
    x : str
        Column on the horizontal axis.
    panels : sequence of tuple
        Pairs (column, axis title), panels from top to bottom; each axis title in words with
        its unit.
    x_title : str
        Horizontal-axis title in words with its unit.
    title : str
        Chart title.
    width, height : int
        Size of each panel in pixels.

    Returns
    -------
    altair.VConcatChart

    Examples
    --------
    >>> frame = pd.DataFrame({"n": [1, 2, 4], "a": [3.0, 2.0, 1.5], "b": [1.0, 1.1, 1.2]})
    >>> chart = points_chart(frame, "n", [("a", "A (days)"), ("b", "B (days)")],
    ...                      x_title="Stages", title="Two panels")
    >>> len(chart.to_dict()["vconcat"])
    2
    """
    for column in (x, *(column for column, _ in panels)):
        if column not in frame.columns:
            raise ModelError(
                f"column {column!r} is not in the frame; allowed: {', '.join(map(str, frame))}.",
                field="panels",
                value=column,
            )
    charts = []
    for column, axis_title in panels:
        data = pd.DataFrame(
            {"x": frame[x].to_numpy(dtype=float), "y": _round(frame[column].to_numpy(float))}
        )
        base = alt.Chart(data).encode(
            x=alt.X("x:Q", title=x_title),
            y=alt.Y("y:Q", title=axis_title, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("x:Q", title=x_title, format=".4g"),
                alt.Tooltip("y:Q", title=axis_title, format=".4g"),
            ],
        )
        charts.append(
            alt.layer(
                base.mark_line(color=PALETTE[0]), base.mark_point(filled=True, color=PALETTE[0])
            ).properties(width=width, height=height)
        )
    return alt.vconcat(*charts, title=title, description=title)


def sobol_chart(
    frame: pd.DataFrame,
    labels: Mapping[str, str],
    *,
    title: str,
    readout_titles: Mapping[str, str] | None = None,
    width: int = 360,
) -> alt.VConcatChart:
    """Bars of first-order and total Sobol indices with their 95 % intervals, one panel per
    read-out (the table of :func:`hemomodels.global_sensitivity.sobol_indices`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``read-out``, ``parameter``, ``S1``, ``ST`` and their half-widths.
    labels : mapping of str to str
        Parameter name → words shown on the axis.
    title : str
        Chart title.
    readout_titles : mapping, optional
        Read-out name → panel title in words (default the name).
    width : int
        Panel width in pixels.

    Examples
    --------
    >>> frame = pd.DataFrame({"read-out": ["y", "y"], "parameter": ["a", "b"],
    ...     "S1": [0.7, 0.2], "S1 95 % half-width": [0.05, 0.04],
    ...     "ST": [0.75, 0.25], "ST 95 % half-width": [0.05, 0.04]})
    >>> chart = sobol_chart(frame, {"a": "Rate", "b": "Dose"}, title="Indices")
    >>> len(chart.to_dict()["vconcat"])
    1
    """
    needed = ("read-out", "parameter", "S1", "ST", "S1 95 % half-width", "ST 95 % half-width")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ModelError(
            f"the frame has no column(s) {missing}; allowed: the table of sobol_indices.",
            field="frame",
            value=list(frame.columns),
        )
    kinds = {"S1": "Alone (first-order index)", "ST": "In total, with interactions"}
    panels = []
    for readout, rows in frame.groupby("read-out", sort=False):
        long = pd.concat(
            [
                pd.DataFrame(
                    {
                        "parameter": [labels.get(p, p) for p in rows["parameter"]],
                        "index": kinds[kind],
                        "value": _round(rows[kind].to_numpy(float), 3),
                        "low": _round((rows[kind] - rows[f"{kind} 95 % half-width"]).to_numpy(), 3),
                        "high": _round(
                            (rows[kind] + rows[f"{kind} 95 % half-width"]).to_numpy(), 3
                        ),
                    }
                )
                for kind in kinds
            ]
        )
        order = [labels.get(p, p) for p in rows.sort_values("ST", ascending=False)["parameter"]]
        # parameters along the bottom (names wrapped word by word), indices up the side: the
        # side axis holds only numbers, so the chart fits a phone
        x = alt.X(
            "parameter:N",
            title=None,
            sort=order,
            axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')", labelLimit=200),
        )
        offset = alt.XOffset("index:N", sort=list(kinds.values()))
        color = alt.Color(
            "index:N",
            title="Share of the variance",
            sort=list(kinds.values()),
            scale=alt.Scale(range=PALETTE[:2]),
        )
        bars = (
            alt.Chart(long)
            .mark_bar()
            .encode(
                x=x,
                xOffset=offset,
                y=alt.Y(
                    "value:Q",
                    title="Sobol index (share of variance)",
                    scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format=".1f"),
                ),
                color=color,
                tooltip=[
                    alt.Tooltip("parameter:N", title="Parameter"),
                    alt.Tooltip("index:N", title="Index"),
                    alt.Tooltip("value:Q", title="Value", format=".3f"),
                    alt.Tooltip("low:Q", title="95 % low", format=".3f"),
                    alt.Tooltip("high:Q", title="95 % high", format=".3f"),
                ],
            )
        )
        whiskers = (
            alt.Chart(long)
            .mark_rule(color="#333333")
            .encode(x=x, xOffset=offset, y="low:Q", y2="high:Q")
        )
        panel_title = (readout_titles or {}).get(str(readout), str(readout))
        panels.append(
            alt.layer(bars, whiskers).properties(width=width, height=180, title=panel_title)
        )
    return alt.vconcat(*panels, title=title, description=title)


def interval_chart(
    frame: pd.DataFrame,
    *,
    group: str,
    estimate: str,
    low: str,
    high: str,
    value_title: str,
    title: str,
    references: pd.DataFrame | None = None,
    reference_title: str = "Published",
    value_domain: tuple[float, float] = (0.0, 100.0),
    width: int = 360,
) -> alt.LayerChart:
    """Estimates with their intervals, one row per group, and published values as ticks.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per group, with the columns named by ``group``, ``estimate``, ``low`` and
        ``high``.
    group, estimate, low, high : str
        Column names: the group shown on the side axis (in words), the estimate and the
        interval's ends (in the unit of ``value_title``).
    value_title : str
        Title of the value axis, in words with its unit.
    title : str
        Chart title.
    references : pandas.DataFrame, optional
        Published values to compare with: columns ``group`` (the same name as in ``frame``),
        ``source`` (words, shown in the legend) and ``value``.
    reference_title : str
        Legend title of the published values.
    value_domain : (float, float)
        Range of the value axis.
    width : int
        Width in pixels.

    Examples
    --------
    >>> frame = pd.DataFrame({"arm": ["A", "B"], "p": [80.0, 60.0], "lo": [79.0, 59.0],
    ...                       "hi": [81.0, 61.0]})
    >>> chart = interval_chart(frame, group="arm", estimate="p", low="lo", high="hi",
    ...                        value_title="Patients (%)", title="Two arms")
    >>> [layer["mark"]["type"] for layer in chart.to_dict()["layer"]]
    ['rule', 'point']
    """
    missing = [c for c in (group, estimate, low, high) if c not in frame.columns]
    if missing:
        raise ModelError(
            f"the frame has no column(s) {missing}; allowed: {list(frame.columns)}.",
            field="frame",
            value=list(frame.columns),
        )
    data = frame[[group, estimate, low, high]].copy()
    for column in (estimate, low, high):
        data[column] = _round(data[column].to_numpy(float), 4)
    order = list(data[group])
    y = alt.Y(f"{group}:N", title=None, sort=order, axis=alt.Axis(labelLimit=220))
    scale = alt.Scale(domain=list(value_domain))
    tooltip = [
        alt.Tooltip(f"{group}:N", title="Group"),
        alt.Tooltip(f"{estimate}:Q", title="Estimate", format=".1f"),
        alt.Tooltip(f"{low}:Q", title="Interval, low", format=".1f"),
        alt.Tooltip(f"{high}:Q", title="Interval, high", format=".1f"),
    ]
    whiskers = (
        alt.Chart(data)
        .mark_rule(color="#333333", strokeWidth=2)
        .encode(
            y=y,
            x=alt.X(f"{low}:Q", title=value_title, scale=scale, axis=alt.Axis(tickCount=10)),
            x2=f"{high}:Q",
        )
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=90, color=PALETTE[0])
        .encode(y=y, x=alt.X(f"{estimate}:Q", scale=scale), tooltip=tooltip)
    )
    layers = [whiskers, points]
    if references is not None and len(references):
        ticks = (
            alt.Chart(references)
            .mark_tick(thickness=3, size=22)
            .encode(
                y=alt.Y(f"{group}:N", sort=order),
                x=alt.X("value:Q", scale=scale),
                color=alt.Color(
                    "source:N",
                    title=reference_title,
                    scale=alt.Scale(range=PALETTE[1:]),
                    legend=alt.Legend(
                        orient="bottom", direction="vertical", labelLimit=320, titleLimit=320
                    ),
                ),
                tooltip=[
                    alt.Tooltip("source:N", title=reference_title),
                    alt.Tooltip("value:Q", title="Value", format=".1f"),
                ],
            )
        )
        layers.append(ticks)
    layered = alt.layer(*layers, title=title, description=title)  # no facets: a LayerChart
    return cast(alt.LayerChart, layered).properties(width=width, height=alt.Step(44))


def fit_chart(
    data: pd.DataFrame,
    prediction: pd.DataFrame,
    *,
    title: str,
    value_title: str,
    time_title: str,
    time_factor: float = 1.0,
    patient_titles: Mapping[Any, str] | None = None,
    legend_title: str = "Patient",
    value_domain: tuple[float, float] | None = None,
    width: int = 480,
    height: int = 200,
) -> alt.LayerChart:
    """Measurements as points and the fitted model as lines, one colour per patient.

    Parameters
    ----------
    data : pandas.DataFrame
        The fit's data (``patient``, ``time``, ``value``), e.g. ``FitResult.residuals``.
    prediction : pandas.DataFrame
        The fitted model (``patient``, ``time``, ``value``), e.g. ``FitResult.predict(...)``.
    title, value_title, time_title : str
        Chart title and axis titles, in words with units.
    time_factor : float
        Multiplies the times for display (e.g. 1/24 for hours shown as days).
    patient_titles : mapping, optional
        Patient key → legend label (default ``"patient <key>"``).
    legend_title : str
        Title of the legend (e.g. ``"Donors"`` when a series is a group's mean).
    value_domain : (float, float), optional
        Range of the value axis (default: from zero to the largest value).
    width, height : int
        Size in pixels.

    Examples
    --------
    >>> data = pd.DataFrame({"patient": [0, 0], "time": [1.0, 2.0], "value": [1.0, 0.5]})
    >>> fitted = pd.DataFrame({"patient": [0, 0, 0], "time": [0.0, 1.0, 2.0],
    ...                        "value": [2.0, 1.0, 0.5]})
    >>> chart = fit_chart(data, fitted, title="Fit", value_title="Amount (mg)",
    ...                   time_title="Time (h)")
    >>> len(chart.to_dict()["layer"])
    2
    """

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        titles = patient_titles or {}
        return pd.DataFrame(
            {
                "patient": [titles.get(p, f"patient {p}") for p in frame["patient"]],
                "time": _round(frame["time"].to_numpy(float) * time_factor),
                "value": _round(frame["value"].to_numpy(float)),
            }
        )

    order = list(dict.fromkeys(named(prediction)["patient"]))
    color = alt.Color("patient:N", title=legend_title, sort=order, scale=alt.Scale(range=PALETTE))
    x = alt.X("time:Q", title=time_title)
    scale = alt.Scale(domain=list(value_domain)) if value_domain else alt.Undefined
    y = alt.Y("value:Q", title=value_title, scale=scale)
    lines = alt.Chart(named(prediction)).mark_line().encode(x=x, y=y, color=color)
    points = (
        alt.Chart(named(data))
        .mark_point(filled=True, size=40)
        .encode(
            x=x,
            y=y,
            color=color,
            tooltip=[
                alt.Tooltip("patient:N", title=legend_title),
                alt.Tooltip("time:Q", title=time_title, format=".4g"),
                alt.Tooltip("value:Q", title=value_title, format=".4g"),
            ],
        )
    )
    chart = alt.layer(lines, points).properties(
        width=width, height=height, title=title, description=title
    )
    return cast("alt.LayerChart", chart)
