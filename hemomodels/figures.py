"""Numbered figures in the book from objects a chapter computes (charts, diagrams, explorables).

A chapter shows a computed figure with :func:`figure`. In the built book the cell carries the
``remove-output`` tag and the object appears once, inside a MyST ``{glue:figure}`` directive
that gives it a number, a caption and a label for ``{numref}`` cross-references. In a live
kernel (Jupyter, Binder, a downloaded notebook) the same call simply displays the object.

Examples
--------
In a chapter (MyST Markdown)::

    ```{code-cell} ipython3
    :tags: [remove-output]

    figure("fig-hsc-recovery", hsc.marrow_recovery(model))
    ```

    ```{glue:figure} fig-hsc-recovery
    :name: fig-hsc-recovery

    Recovery of an emptied marrow. Move the sliders to ...
    ```
"""

from __future__ import annotations

from typing import Any

from .errors import ModelError

__all__ = ["figure"]


def figure(name: str, obj: Any) -> None:
    """Display ``obj`` and store its display under ``name`` for a numbered book figure.

    Uses ``myst_nb.glue`` when myst-nb is installed (building the book), otherwise plain
    ``IPython.display.display``, so chapters also run where myst-nb is absent.

    Parameters
    ----------
    name : str
        Figure key, also its label: letters, digits, ``-`` and ``_`` (e.g.
        ``"fig-hsc-recovery"``).
    obj : object
        Anything Jupyter can display: an explorable, an Altair chart, a model diagram.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:  # no notebook here
    ...     figure("fig-example", "a displayable object")
    >>> "a displayable object" in out.getvalue()
    True
    """
    if (
        not isinstance(name, str)
        or not name
        or not all(c.isalnum() or c in "-_" for c in name)
        or not name[0].isalpha()
    ):
        raise ModelError(
            f"figure name {name!r} is not allowed; allowed: letters, digits, '-' and '_', "
            "starting with a letter (e.g. 'fig-hsc-recovery').",
            field="figure name",
            value=name,
        )
    shown = _rendered(obj)
    try:
        from myst_nb import glue
    except ImportError:
        from IPython.display import display

        display(shown)
        return
    glue(name, shown, display=True)


class _Rendered:
    """An object's display, computed once (see :func:`_rendered`)."""

    def __init__(self, bundle: dict[str, Any], metadata: dict[str, Any]) -> None:
        self.bundle, self.metadata = bundle, metadata

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        return self.bundle, self.metadata


def _rendered(obj: Any) -> Any:
    """``obj`` with its display computed now, so that an error while drawing it (a chart whose
    data cannot be computed) stops the cell, and the book build, instead of leaving a text
    fallback on the page; objects without ``_repr_mimebundle_`` are returned unchanged."""
    method = getattr(obj, "_repr_mimebundle_", None)
    if method is None or isinstance(obj, type):
        return obj
    result = method()
    if result is None:  # nothing to show this way: let IPython try the other methods
        return obj
    bundle, metadata = result if isinstance(result, tuple) else (result, {})
    return _Rendered(dict(bundle), dict(metadata or {}))
