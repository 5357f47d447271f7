"""How a model shows itself: LaTeX equations, parameter tables and printed summaries.

These functions only read a :class:`~hemomodels.Model`; the model's ``latex()``,
``parameter_table()``, ``str()`` and Jupyter display call them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from .errors import describe_unit
from .spec import TIME, Observable, Parameter, State, format_number

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = ["latex", "latex_names", "latex_of", "markdown", "parameter_table", "text"]


def latex_names(model: Model) -> dict[sympy.Symbol, str]:
    """LaTeX name of every symbol of ``model``, for :func:`sympy.latex`'s ``symbol_names``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> latex_names(model)[model.states[0].symbol]
    'c_1'
    """
    declared: tuple[State | Parameter | Observable, ...] = (
        *model.states,
        *model.parameters,
        *model.observables,
    )
    names = {x.symbol: x.tex for x in declared}
    names[TIME] = "t"
    return names


def latex_of(model: Model, expression: sympy.Expr) -> str:
    """LaTeX of any expression in ``model``'s symbols, with the model's symbol names.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> a1, c1 = model.parameter("stem_self_renewal").symbol, model.states[0].symbol
    >>> latex_of(model, a1 * c1)
    'c_1 a_1'
    """
    return sympy.latex(sympy.sympify(expression), symbol_names=latex_names(model))


def latex(model: Model, *, observables: bool = True) -> str:
    """The equations of ``model`` as a LaTeX ``aligned`` block (see
    :meth:`hemomodels.Model.latex`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> print(latex(hm.models.marciniak_czochra_2009()).splitlines()[1])
    s &= \\frac{1}{k c_3 + 1} \\\\
    """
    used = set().union(*(sympy.sympify(e).free_symbols for e in model.rhs_display))
    lines = []
    for observable in model.observables:
        if observables or observable.symbol in used:
            lines.append(f"{observable.tex} &= {latex_of(model, observable.expression)}")
    for state, expression in zip(model.states, model.rhs_display, strict=True):
        lines.append(rf"\frac{{d {state.tex}}}{{d t}} &= {latex_of(model, expression)}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def parameter_table(model: Model) -> pd.DataFrame:
    """Parameters of ``model`` as a table: value, unit, bounds, source, note.

    Examples
    --------
    >>> import hemomodels as hm
    >>> table = parameter_table(hm.models.marciniak_czochra_2009())
    >>> table.loc["stem_self_renewal", "bounds"]
    '[0, 1]'
    """
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "parameter": p.name,
                "symbol": p.tex,
                "value": p.value,
                "unit": describe_unit(p.unit),
                "bounds": p.bounds_text(),
                "source": p.source,
                "description": p.description,
                "note": p.note,
            }
            for p in model.parameters
        ]
    ).set_index("parameter")


def _tables(model: Model) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    states = [
        [
            s.name,
            s.description,
            describe_unit(s.unit),
            format_number(s.initial),
            ">= 0" if s.nonnegative else "any sign",
        ]
        for s in model.states
    ]
    parameters = [
        [
            p.name,
            p.description,
            format_number(p.value),
            describe_unit(p.unit),
            p.bounds_text(),
            p.source,
        ]
        for p in model.parameters
    ]
    observables = [[o.name, o.description, describe_unit(o.unit)] for o in model.observables]
    return states, parameters, observables


_STATE_HEADER = ["name", "description", "unit", "initial", "sign"]
_PARAMETER_HEADER = ["name", "description", "value", "unit", "bounds", "source"]
_OBSERVABLE_HEADER = ["name", "description", "unit"]


def text(model: Model) -> str:
    """Plain-text summary: states, parameters (units, bounds, sources) and equations.

    Examples
    --------
    >>> import hemomodels as hm
    >>> print(text(hm.models.marciniak_czochra_2009()).splitlines()[0])
    Model: Marciniak-Czochra et al. 2009 (self-renewal feedback)
    """
    states, parameters, observables = _tables(model)
    lines = [f"Model: {model.name}"]
    if model.reference:
        lines.append(f"Source: {model.reference}")
    lines.append(f"Time unit: {model.time_unit}")
    blocks = [("States", _STATE_HEADER, states), ("Parameters", _PARAMETER_HEADER, parameters)]
    if observables:
        blocks.append(("Observables", _OBSERVABLE_HEADER, observables))
    for title, header, rows in blocks:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        lines += ["", title]
        for row in [header, *rows]:
            lines.append(
                "  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
            )
    lines += ["", "Equations"]
    for observable in model.observables:
        lines.append(f"  {observable.name} = {sympy.sstr(observable.expression)}")
    for state, expression in zip(model.states, model.rhs_display, strict=True):
        lines.append(f"  d{state.name}/dt = {sympy.sstr(expression)}")
    return "\n".join(lines)


def markdown(model: Model) -> str:
    """Markdown summary for Jupyter: tables of states and parameters, and the equations.

    Examples
    --------
    >>> import hemomodels as hm
    >>> markdown(hm.models.marciniak_czochra_2009()).startswith("**Marciniak-Czochra")
    True
    """
    states, parameters, observables = _tables(model)

    def table(header: list[str], rows: list[list[str]]) -> str:
        escape = [[str(c).replace("|", r"\|") for c in row] for row in rows]
        return "\n".join(
            [
                "| " + " | ".join(header) + " |",
                "|" + "---|" * len(header),
                *("| " + " | ".join(row) + " |" for row in escape),
            ]
        )

    parts = [
        f"**{model.name}**" + (f" — {model.description}" if model.description else ""),
        f"Time unit: {model.time_unit}.",
        "**States**",
        table(_STATE_HEADER, states),
        "**Parameters**",
        table(_PARAMETER_HEADER, parameters),
    ]
    if observables:
        parts += ["**Observables**", table(_OBSERVABLE_HEADER, observables)]
    parts += ["**Equations**", "$$\n" + latex(model) + "\n$$"]
    return "\n\n".join(parts)
