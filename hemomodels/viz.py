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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .result import Result

__all__ = [
    "STATIC_ENV",
    "is_static",
    "positive_for_log",
    "render_static_html",
    "timecourse_chart",
    "variable_color",
]

#: Environment variable that switches charts and explorables to static (offline) HTML.
STATIC_ENV = "HEMOMODELS_STATIC_HTML"

#: Vega-Lite mark colours, fixed so the same variable keeps its colour across charts.
PALETTE = ["#1b6ca8", "#d1495b", "#2a9d8f", "#e9a03b", "#6a4c93", "#5c946e", "#8d6346"]


def is_static() -> bool:
    """Whether output is being rendered for the static HTML book (no kernel)."""
    return os.environ.get(STATIC_ENV, "") == "1"


def render_static_html(spec: dict[str, Any]) -> str:
    """HTML that embeds a Vega-Lite spec with the book's vendored ``vegaEmbed``.

    The ``<script type="module">`` runs after the vendored bundle (also a module script,
    loaded in the page head), so ``window.vegaEmbed`` exists when it runs.
    """
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    chart_id = "hm-chart-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    description = spec.get("description", "Chart")
    # Escape "</" so a string in the spec can never close the script element.
    payload = text.replace("</", "<\\/")
    return (
        f'<div id="{chart_id}" class="hemomodels-chart" role="figure" '
        f'aria-label="{_escape_attribute(description)}"></div>\n'
        '<script type="module">\n'
        f'window.vegaEmbed("#{chart_id}", {payload}, {{"actions": false, "renderer": "svg"}})'
        ".catch(console.error);\n</script>"
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
    """Colour encoding of the ``variable`` field: fixed colours, legend above the plot."""
    variables = list(variables)
    return alt.Color(
        "variable:N",
        title=None,
        sort=variables,
        scale=alt.Scale(domain=variables, range=PALETTE[: len(variables)]),
        legend=alt.Legend(orient="top", labelLimit=300),
    )


def positive_for_log(frame: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """Rows with ``column > 0`` (a log axis cannot show zero or negative values)."""
    return frame[frame[column] > 0]


def _round(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """Round to ``digits`` significant figures (smaller inline chart data)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.where(values == 0, 0, np.floor(np.log10(np.abs(values))))
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.round(values * scale) / scale


def timecourse_chart(
    result: Result,
    variables: Sequence[str] | None = None,
    *,
    log_scale: bool = True,
    title: str | None = None,
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
    max_points : int
        Time points kept per line (evenly thinned) to keep pages light.
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.Chart
    """
    variables = list(variables) if variables is not None else list(result.model.state_names)
    step = max(1, int(np.ceil(result.t.size / max_points)))
    frame = result.to_frame(variables)
    keep = np.isin(frame["time"], result.t[::step]) | (frame["time"] == result.t[-1])
    frame = frame[keep].assign(value=lambda f: _round(f["value"].to_numpy()))
    if log_scale:
        frame = positive_for_log(frame)
    frame = frame.assign(variable=frame["variable"].astype(str))
    time_unit = result.model.time_unit
    unit_text = ", ".join(sorted({result.units[v] for v in variables}))
    return (
        alt.Chart(
            frame,
            title=title or result.model.name,
            description=f"{result.model.name}: {', '.join(variables)} over time",
        )
        .mark_line()
        .encode(
            x=alt.X("time:Q", title=f"time ({time_unit})"),
            y=alt.Y(
                "value:Q",
                title=unit_text,
                scale=alt.Scale(type="log") if log_scale else alt.Undefined,
            ),
            color=variable_color(variables),
            tooltip=[
                "variable:N",
                alt.Tooltip("time:Q", format=".1f"),
                alt.Tooltip("value:Q", format=".4g"),
            ],
        )
        .properties(width=width, height=height)
    )
