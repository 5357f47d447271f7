"""The live view of an explorable in a kernel (Jupyter, Binder): ipywidgets controls.

:class:`LiveView` is the only stateful piece of an explorable: the current control positions.
Controls offer the same values as the book's page; a move redraws the chart (axes fixed over
every position), the text description and, when opened, the data table.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..extras import missing_extra
from .charts import point_spec
from .data import control_values, key, point

if TYPE_CHECKING:
    from .explorable import Explorable

__all__ = ["LiveView"]


class LiveView:
    """ipywidgets controls, chart, description and data table of one explorable.

    Parameters
    ----------
    spec : Explorable
        What to show.

    Examples
    --------
    >>> import contextlib, io
    >>> import hemomodels as hm
    >>> from hemomodels.widgets import Slider, explore
    >>> view = explore(hm.models.marciniak_czochra_2009(),
    ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
    ...                t_end=10)
    >>> with contextlib.redirect_stdout(io.StringIO()):  # no notebook here to draw in
    ...     live = LiveView(view)
    ...     live.move(0, 2)
    >>> live.positions, live.values["stem_self_renewal"]
    ([2], 0.95)
    """

    def __init__(self, spec: Explorable) -> None:
        try:
            import ipywidgets as widgets
        except ImportError as error:  # the widgets extra is not installed
            raise missing_extra("ipywidgets", "live explorables") from error
        self.spec = spec
        self.positions = [c.start for c in spec.controls]
        self.inputs: list[Any] = []
        for index, control in enumerate(spec.controls):
            options = [(text, i) for i, text in enumerate(control.texts)]
            common = {
                "options": options,
                "value": control.start,
                "description": control.label,
                "style": {"description_width": "initial"},
                "layout": widgets.Layout(width="100%", max_width="560px"),
            }
            if control.kind == "choice":
                widget = widgets.ToggleButtons(**common)
            else:
                widget = widgets.SelectionSlider(continuous_update=False, **common)
            widget.observe(lambda change, i=index: self.move(i, int(change["new"])), names="value")
            self.inputs.append(widget)
        reset = widgets.Button(description="Reset to the starting values")
        reset.on_click(lambda _: self.reset())
        self.output = widgets.Output()
        self.readout = widgets.HTML()
        self.table = widgets.HTML()
        self.show_table = widgets.ToggleButton(description="Show the data as a table")
        self.show_table.observe(lambda _: self.redraw(), names="value")
        header = f"<p><strong>{html.escape(spec.title)}</strong></p>"
        if spec.note:
            header += f'<p style="color:#8a3b00">{html.escape(spec.note)}</p>'
        self.box = widgets.VBox(
            [
                widgets.HTML(header),
                *self.inputs,
                reset,
                self.output,
                self.readout,
                self.show_table,
                self.table,
            ]
        )
        self.redraw()

    @property
    def values(self) -> dict[str, Any]:
        """The current control values, by name."""
        return control_values(self.spec, self.positions)

    def move(self, index: int, position: int) -> None:
        """Set control ``index`` to grid ``position`` and redraw.

        Examples
        --------
        >>> import contextlib, io
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> with contextlib.redirect_stdout(io.StringIO()):  # no notebook here to draw in
        ...     live = LiveView(view)
        ...     live.move(0, 0)
        >>> live.values
        {'stem_self_renewal': 0.75}
        """
        if self.positions[index] == position:
            return
        self.positions[index] = position
        if self.inputs[index].value != position:
            self.inputs[index].value = position
        self.redraw()

    def reset(self) -> None:
        """Put every control back to its starting value.

        Examples
        --------
        >>> import contextlib, io
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> with contextlib.redirect_stdout(io.StringIO()):  # no notebook here to draw in
        ...     live = LiveView(view)
        ...     live.move(0, 0)
        ...     live.reset()
        >>> live.positions
        [1]
        """
        for index, control in enumerate(self.spec.controls):
            self.move(index, control.start)

    def redraw(self) -> None:
        """Draw the chart, description and (if open) table for the current positions.

        Examples
        --------
        >>> import contextlib, io
        >>> import hemomodels as hm
        >>> from hemomodels.widgets import Slider, explore
        >>> view = explore(hm.models.marciniak_czochra_2009(),
        ...                [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        ...                t_end=10)
        >>> with contextlib.redirect_stdout(io.StringIO()):  # no notebook here to draw in
        ...     live = LiveView(view)
        ...     live.show_table.value = True  # opening the table redraws
        >>> "<table>" in live.table.value
        True
        """
        from IPython.display import display

        grid = self.spec.grid()
        shown = grid.points.get(key(self.positions)) or point(self.spec, self.values)
        self.readout.value = _readout(shown.description, shown.summary)
        self.table.value = _table(self.spec, shown) if self.show_table.value else ""
        with self.output:
            self.output.clear_output(wait=True)
            display(_Rendered(point_spec(self.spec, self.values)))


class _Rendered:
    """A finished Vega-Lite specification, shown by Altair's active renderer (the same output
    as displaying the Altair chart, without rebuilding and re-validating its object tree)."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec

    def _repr_mimebundle_(self, include=None, exclude=None) -> Any:
        import altair as alt

        render = alt.renderers.get()
        return render({"$schema": alt.SCHEMA_URL, **self.spec}) if render else None


def _readout(description: str, summary: dict[str, str]) -> str:
    items = "".join(
        f"<li>{html.escape(label)}: {html.escape(text)}</li>" for label, text in summary.items()
    )
    return f'<div aria-live="polite"><p>{html.escape(description)}</p><ul>{items}</ul></div>'


def _table(spec: Explorable, shown: Any) -> str:
    from ..text import human_number, time_unit_words
    from ..units import reader_unit

    model = spec.model
    times = spec.t_eval * spec.time_factor
    step = max(1, len(times) // 20)
    heads = [f"Time ({time_unit_words(spec.time_unit)})"] + [
        f"{model.labels[v]} ({reader_unit(model.units[v])})"
        if reader_unit(model.units[v])
        else model.labels[v]
        for v in shown.lines["variable"]
    ]
    rows = []
    for i in range(0, len(times), step):
        cells = [human_number(times[i])] + [human_number(float(v[i])) for v in shown.lines["value"]]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in heads)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
