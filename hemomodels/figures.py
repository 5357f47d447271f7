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
    try:
        from myst_nb import glue
    except ImportError:
        from IPython.display import display

        display(obj)
        return
    glue(name, obj, display=True)
