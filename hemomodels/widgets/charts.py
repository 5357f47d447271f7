"""The chart of an explorable, as pure functions of its specification and data.

One Vega-Lite layout serves both views: panels stacked vertically (one value axis per unit),
lines for the variables, dashed steady-state lines, labelled reference lines, dose markers
and overlays. Every data row carries the key of its control combination (``k``) and the chart
shows the rows whose key equals the parameter ``k``: in the book the page's script sets the
control positions ``p0, p1, …`` (and so ``k``); in a kernel the chart is given only the rows
of the current combination.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np

from ..text import time_unit_words
from ..units import reader_unit
from ..viz import PALETTE, _round, chart_config, log_axis

if TYPE_CHECKING:
    from .data import Grid, Point
    from .explorable import Explorable

__all__ = ["datasets", "point_chart", "point_spec", "static_spec", "template"]

#: Drawing width (px) before the page's script fits the chart to its container.
WIDTH = 480

# Templates already built for the kernel's view, per explorable and set of layers shown (the
# grid's axes never change, so a slider move only swaps the data).
_TEMPLATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _axis_title(spec: Explorable, index: int) -> str:
    panel = spec.panels[index]
    if panel.title:
        return panel.title
    model = spec.model
    unit = reader_unit(model.units[panel.variables[0]])
    if len(panel.variables) == 1:
        label = model.labels[panel.variables[0]]
        return f"{label} ({unit})" if unit else label
    return f"Value ({unit})" if unit else "Value"


def _color(spec: Explorable) -> alt.Color:
    labels = [spec.model.labels[v] for v in spec.variables]
    return alt.Color(
        "v:N",
        title=None,
        sort=labels,
        scale=alt.Scale(domain=labels, range=(PALETTE * 3)[: len(labels)]),
        # one quantity: the axis title names it, a legend would only repeat it
        legend=None if len(labels) == 1 else alt.Undefined,
    )


def _panel(spec: Explorable, index: int, domain: tuple[float, float], layers_with: set[str]):
    panel = spec.panels[index]
    scale = alt.Scale(type="log" if panel.log else "linear", domain=list(domain), nice=False)
    y_title = _axis_title(spec, index)
    dt = float(spec.t_eval[1] - spec.t_eval[0]) * spec.time_factor
    x = alt.X(
        "time:Q",
        title=f"Time ({time_unit_words(spec.time_unit)})",
        scale=alt.Scale(domain=[0, float(spec.t_end * spec.time_factor)], nice=False),
    )
    own = f"datum.k === k && datum.panel === {index}"
    lines = (
        alt.Chart(alt.NamedData("lines"))
        .transform_filter(own)
        .transform_flatten(["value"])
        .transform_window(position="row_number()", groupby=["v"])
        .transform_calculate(time=f"(datum.position - 1) * {dt!r}")
        .transform_filter("isValid(datum.value)" + (" && datum.value > 0" if panel.log else ""))
    )
    layers: list[Any] = [
        lines.mark_line(strokeWidth=2.5, clip=True).encode(
            x=x,
            y=alt.Y(
                "value:Q",
                title=alt.Undefined if panel.log else y_title,
                axis=log_axis(y_title) if panel.log else alt.Undefined,
                scale=scale,
            ),
            color=_color(spec),
            tooltip=[
                alt.Tooltip("v:N", title="Quantity"),
                alt.Tooltip("time:Q", title="Time", format=".1f"),
                alt.Tooltip("value:Q", title="Value", format=".3~g"),
            ],
        )
    ]
    if "steady" in layers_with:
        layers.append(
            alt.Chart(alt.NamedData("steady"))
            .transform_filter(own)
            .mark_rule(strokeDash=[5, 4], opacity=0.8, clip=True)
            .encode(
                y=alt.Y("steady:Q", scale=scale),
                color=_color(spec),
                tooltip=[alt.Tooltip("v:N", title="Stable steady state of")],
            )
        )
    if "overlay" in layers_with:
        layers.append(
            alt.Chart(alt.NamedData("overlay"))
            .transform_filter(own)
            .mark_line(color="#b35c00", strokeDash=[6, 4], strokeWidth=3, clip=True)
            .encode(
                x="time:Q",
                y=alt.Y("value:Q", scale=scale),
                detail="label:N",
                tooltip=[alt.Tooltip("label:N", title="Line")],
            )
        )
    if panel.reference_lines:
        references = alt.Chart(alt.NamedData("references")).transform_filter(
            f"datum.panel === {index}"
        )
        layers += [
            references.mark_rule(color="#555555", strokeDash=[2, 3]).encode(
                y=alt.Y("level:Q", scale=scale), tooltip=[alt.Tooltip("label:N", title="Line")]
            ),
        ]
        # labels of neighbouring lines on alternate sides, so they do not overlap
        for above, dy in ((True, -7), (False, 13)):
            layers.append(
                references.transform_filter(f"datum.above === {str(above).lower()}")
                .mark_text(align="left", dx=4, dy=dy, color="#333333", fontSize=12)
                .encode(x=alt.value(0), y=alt.Y("level:Q", scale=scale), text="label:N")
            )
    if "markers" in layers_with:
        markers = alt.Chart(alt.NamedData("markers")).transform_filter("datum.k === k")
        layers += [
            markers.mark_rule(color="#777777", strokeDash=[1, 3]).encode(
                x="time:Q", tooltip=[alt.Tooltip("label:N", title="Event")]
            ),
            markers.mark_point(
                shape="triangle-down", filled=True, size=70, color="#555555", yOffset=-6
            ).encode(
                x="time:Q",
                y=alt.value(0),
                tooltip=[
                    alt.Tooltip("label:N", title="Event"),
                    alt.Tooltip("time:Q", title="Time", format=".1f"),
                ],
            ),
        ]
    height = 280 if len(spec.panels) == 1 else 200
    return alt.layer(*layers).properties(width=WIDTH, height=height)


def _present(spec: Explorable, points: list[Point]) -> set[str]:
    present = set()
    if spec.steady_state and any(p.steady for p in points):
        present.add("steady")
    if any(p.overlay for p in points):
        present.add("overlay")
    if any(p.markers for p in points):
        present.add("markers")
    return present


def template(spec: Explorable, domains: list[tuple[float, float]], present: set[str]) -> dict:
    """The Vega-Lite spec without its data: panels, scales, parameters ``p0, p1, …`` and
    ``k``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> [p["name"] for p in template(view, view.grid().domains, set())["params"]]
    ['p0', 'k']
    """
    panels = [_panel(spec, i, domains[i], present) for i in range(len(spec.panels))]
    chart = alt.vconcat(*panels, spacing=18, description=spec.description)
    positions = [alt.param(name=f"p{i}", value=c.start) for i, c in enumerate(spec.controls)]
    expression = " + '-' + ".join(f"p{i}" for i in range(len(spec.controls)))
    k = alt.param(name="k", expr=f"'' + {expression}")
    chart = chart.add_params(*positions, k)
    result = chart.configure(**chart_config()).to_dict()
    result.pop("$schema", None)  # a URL only, never fetched: the page stays self-contained
    return result


def _rows(spec: Explorable, k: str, shown: Point) -> dict[str, list[dict[str, Any]]]:
    label = spec.model.labels
    lines = []
    for variable, panel, values in shown.lines.itertuples(index=False):
        rounded = _round(np.asarray(values, dtype=float), 3)
        lines.append(
            {
                "k": k,
                "panel": int(panel),
                "v": label[variable],
                "value": [float(v) if np.isfinite(v) else None for v in rounded],
            }
        )
    steady = [
        {
            "k": k,
            "panel": spec.panel_of[variable],
            "v": label[variable],
            "steady": float(_round(np.array([level]))[0]),
        }
        for variable, level in shown.steady.items()
        if np.isfinite(level) and (level > 0 or not spec.panels[spec.panel_of[variable]].log)
    ]
    overlay = [{"k": k, **row} for row in shown.overlay]
    markers = [{"k": k, **row} for row in shown.markers]
    return {"lines": lines, "steady": steady, "overlay": overlay, "markers": markers}


def datasets(spec: Explorable, points: Mapping[str, Point]) -> dict[str, list[dict[str, Any]]]:
    """The data rows of these control combinations (by key), ready for the spec.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> rows = datasets(view, {"1": view.grid().points["1"]})
    >>> sorted({row["v"] for row in rows["lines"]})
    ['Neutrophils', 'Progenitors and precursors', 'Stem cells']
    """
    data: dict[str, list[dict[str, Any]]] = {
        "lines": [],
        "steady": [],
        "overlay": [],
        "markers": [],
    }
    for k, shown in points.items():
        for name, rows in _rows(spec, k, shown).items():
            data[name] += rows
    data["references"] = [
        {"panel": i, "label": label, "level": level, "above": rank % 2 == 0}
        for i, panel in enumerate(spec.panels)
        for rank, (label, level) in enumerate(
            sorted(panel.reference_lines.items(), key=lambda item: -item[1])
        )
    ]
    return data


def static_spec(spec: Explorable, grid: Grid) -> dict:
    """The book's chart: every combination's data, shown by the control positions.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> chart = static_spec(view, view.grid())
    >>> [p["name"] for p in chart["params"]], len(chart["datasets"]["lines"])
    (['p0', 'k'], 9)
    """
    points = list(grid.points.values())
    result = template(spec, grid.domains, _present(spec, points))
    result["datasets"] = datasets(spec, grid.points)
    return result


def point_spec(spec: Explorable, values: Mapping[str, Any]) -> dict:
    """The Vega-Lite specification of :func:`point_chart`, as a dictionary.

    The template (panels, scales, parameters) is built once per explorable and set of layers;
    each call adds only the data of the current control values, so the live view redraws in
    milliseconds.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> point_spec(view, {"stem_self_renewal": 0.95})["params"][-1]
    {'name': 'k', 'value': '2'}
    """
    from .data import key, point

    grid = spec.grid()
    values = {**spec.values, **values}
    positions = [
        c.values.index(values[c.name]) if values[c.name] in c.values else -1 for c in spec.controls
    ]
    k = key(positions) if min(positions) >= 0 else "current"
    shown = grid.points.get(k) or point(spec, values)
    present = frozenset(_present(spec, [shown]))
    built = _TEMPLATES.setdefault(spec, {})
    if present not in built:
        built[present] = template(spec, grid.domains, set(present))
    chart_spec = copy.deepcopy(built[present])
    for i, position in enumerate(positions):
        chart_spec["params"][i]["value"] = position
    chart_spec["params"][-1] = {"name": "k", "value": k}
    chart_spec["datasets"] = datasets(spec, {k: shown})
    return chart_spec


def point_chart(spec: Explorable, values: Mapping[str, Any]) -> alt.VConcatChart:
    """The chart at these control values, with the axes of the whole grid (a kernel's view).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> len(point_chart(view, {"stem_self_renewal": 0.95}).to_dict()["vconcat"])
    1
    """
    return alt.VConcatChart.from_dict(point_spec(spec, values))
