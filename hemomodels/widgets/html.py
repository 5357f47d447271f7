"""The book's HTML for an explorable: controls, chart, text description and data table.

The fragment works with the book's script (``book/_static/hemomodels.js``): it draws the
chart with the vendored Vega bundle, fits it to the page width, follows the light or dark
theme, and on every move of a control shows the precomputed simulation, updates the text
description (an ARIA live region) and the data table. Nothing is fetched: the data of every
combination of control values is in the page.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import TYPE_CHECKING, Any

from ..text import time_unit_words
from ..units import reader_unit
from ..viz import json_script

if TYPE_CHECKING:
    from .controls import BoundControl
    from .explorable import Explorable

__all__ = ["static_html"]


def _control_html(chart_id: str, index: int, control: BoundControl) -> str:
    ident = f"{chart_id}-c{index}"
    if control.kind == "choice":
        options = "".join(
            f'<label class="hm-option"><input type="radio" name="{ident}" value="{i}"'
            f'{" checked" if i == control.start else ""} data-hm-control="{index}"> '
            f"{html.escape(text)}</label>"
            for i, text in enumerate(control.texts)
        )
        return (
            f'<fieldset class="hm-control hm-choice"><legend>{html.escape(control.label)}'
            f"</legend>{options}</fieldset>"
        )
    start_text = html.escape(control.texts[control.start])
    return (
        f'<div class="hm-control hm-slider"><label for="{ident}">'
        f"{html.escape(control.label)}</label>"
        f'<input type="range" id="{ident}" min="0" max="{len(control.values) - 1}" step="1" '
        f'value="{control.start}" aria-valuetext="{start_text}" data-hm-control="{index}">'
        f'<output for="{ident}">{start_text}</output></div>'
    )


def _readout_html(description: str, summary: dict[str, str]) -> str:
    items = "".join(
        f"<li><span class='hm-summary-label'>{html.escape(label)}:</span> {html.escape(text)}</li>"
        for label, text in summary.items()
    )
    listing = f'<ul class="hm-summary">{items}</ul>' if items else ""
    return f'<p class="hm-description">{html.escape(description)}</p>{listing}'


def _meta(spec: Explorable, grid: Any) -> dict[str, Any]:
    model = spec.model
    columns = []
    for variable in spec.variables:
        unit = reader_unit(model.units[variable])
        columns.append(
            {
                "v": model.labels[variable],
                "title": f"{model.labels[variable]} ({unit})" if unit else model.labels[variable],
            }
        )
    return {
        "controls": [
            {"kind": c.kind, "texts": list(c.texts), "start": c.start} for c in spec.controls
        ],
        "readouts": {
            k: {"description": p.description, "summary": p.summary} for k, p in grid.points.items()
        },
        "table": {
            "time_title": f"Time ({time_unit_words(spec.time_unit)})",
            "dt": float(spec.t_eval[1] - spec.t_eval[0]) * spec.time_factor,
            "columns": columns,
            "rows": 21,
        },
    }


def static_html(spec: Explorable) -> str:
    """HTML of the explorable for the static book (see the module).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> page = static_html(view)
    >>> 'type="range"' in page, 'aria-live="polite"' in page, "stem_self_renewal" in page
    (True, True, False)
    """
    from .charts import static_spec
    from .data import key

    grid = spec.grid()
    chart = static_spec(spec, grid)
    chart_id = "hm-" + hashlib.sha1(json.dumps(chart, sort_keys=True).encode()).hexdigest()[:12]
    start = grid.points[key([c.start for c in spec.controls])]
    controls = "".join(_control_html(chart_id, i, c) for i, c in enumerate(spec.controls))
    note = f'<p class="hm-note">{html.escape(spec.note)}</p>' if spec.note else ""
    return (
        f'<div class="hm-explorable" id="{chart_id}" data-hm-explorable>'
        f'<p class="hm-title">{html.escape(spec.title)}</p>{note}'
        f'<div class="hm-controls" role="group" aria-label="Controls of the chart: '
        f'{html.escape(spec.title)}">{controls}'
        '<button type="button" class="hm-reset">Reset to the starting values</button></div>'
        f'<div class="hemomodels-chart" id="{chart_id}-chart" role="figure" '
        f'aria-label="{html.escape(spec.description)}" data-hm-chart>'
        f"{json_script(chart, 'hm-spec')}</div>"
        f'<div class="hm-readout" aria-live="polite">'
        f"{_readout_html(start.description, start.summary)}</div>"
        '<details class="hm-data"><summary>Show the data as a table</summary>'
        '<div class="hm-table-scroll"></div></details>'
        f"{json_script(_meta(spec, grid), 'hm-meta')}</div>"
    )
