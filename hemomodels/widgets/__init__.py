"""Explorables: one call gives live controls in a kernel and working controls in the book.

:func:`explore` checks a model and its controls (:class:`Slider`, :class:`Choice`) and
returns a frozen :class:`Explorable`. Displayed in a live kernel (Jupyter, Binder) it shows
ipywidgets controls (:class:`~hemomodels.widgets.live.LiveView`); displayed while the book is
built (``HEMOMODELS_STATIC_HTML=1``) it shows HTML controls over simulations precomputed for
every combination of control values, so moving a control changes the chart with no Python. In
both, the value axes stay fixed while the controls move, quantities of different units sit in
separate panels, doses are marked on the time axis, and a text description and a data table
follow the controls.

Modules: ``hemomodels.widgets.controls`` (the value objects above),
``hemomodels.widgets.explorable`` (the specification and :func:`explore`),
:mod:`~hemomodels.widgets.data` (numbers), :mod:`~hemomodels.widgets.charts` (Vega-Lite),
:mod:`~hemomodels.widgets.html` (the book's fragment), :mod:`~hemomodels.widgets.live`
(ipywidgets).
"""

from __future__ import annotations

from ..extras import missing_extra

try:
    import altair  # noqa: F401
except ImportError as error:  # the charts extra is not installed
    raise missing_extra("altair", "hemomodels.widgets (explorables)", extra="widgets") from error

from .controls import BoundControl, Choice, Slider
from .explorable import MAX_GRID, Explorable, Panel, explore

__all__ = ["MAX_GRID", "BoundControl", "Choice", "Explorable", "Panel", "Slider", "explore"]
