"""How a model shows itself: LaTeX equations, parameter tables and printed summaries.

These functions only read a :class:`~hemomodels.Model`; the model's ``latex()``,
``parameter_table()``, ``show_equations()``, ``show_parameters()``, ``str()`` and Jupyter
display call them.

Equations are printed in the *display form* a model declares for a state or observable (the
textbook's order of terms, e.g. :math:`2(1 - a_1 s)\\,p_1 c_1`), checked when the model is
built to equal the simulated right-hand side, and otherwise in SymPy's own order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sympy

from . import rules
from .errors import ModelError, describe_unit
from .spec import TIME, Observable, Parameter, State, format_number
from .units import reader_unit

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = [
    "Equations",
    "ParameterTable",
    "equation_label",
    "latex",
    "latex_names",
    "latex_of",
    "markdown",
    "parameter_table",
    "plain_number",
    "plain_range",
    "text",
]


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
    return _spaced(sympy.latex(sympy.sympify(expression), symbol_names=latex_names(model)))


# two upright names next to each other (a product such as slope · Conc) would run together
_ADJACENT_NAMES = re.compile(r"(\\mathrm\{[^{}]*\}(?:_\{[^{}]*\}|_\w)?)\s+(?=\\mathrm\{)")


def _spaced(latex: str) -> str:
    r"""A thin space between adjacent upright names, so a product reads "slope Conc".

    Examples
    --------
    >>> print(_spaced(r"\mathrm{slope} \mathrm{Conc}"))
    \mathrm{slope}\,\mathrm{Conc}
    """
    return _ADJACENT_NAMES.sub(r"\1\\,", latex)


def _shown(model: Model, declared: State | Observable) -> str:
    """LaTeX of the right-hand side of a state's or an observable's equation: its display
    form, printed in the order written, or the declared expression."""
    form = model.display_forms.get(declared.name)
    if form is not None:
        return _spaced(
            sympy.latex(form, symbol_names=latex_names(model), order="none", ln_notation=True)
        )
    if isinstance(declared, Observable):
        return latex_of(model, declared.expression)
    return latex_of(model, model.rhs_display[model.state_index[declared.name]])


def _lines(model: Model, states: Sequence[State], observables: bool | Sequence[str]):
    """(declared object, left-hand side, right-hand side) of every equation shown: the
    observables first (all, none, the named ones, or with ``observables=False`` those the
    shown states use), then the states."""
    shown_rhs = [model.rhs_display[model.state_index[s.name]] for s in states]
    used = set().union(*(sympy.sympify(e).free_symbols for e in shown_rhs))
    # observables used through other observables are shown too
    for observable in reversed(model.observables):
        if observable.symbol in used:
            used |= observable.expression.free_symbols
    for observable in model.observables:
        if observables is True or (
            observable.name in observables
            if not isinstance(observables, bool)
            else observable.symbol in used
        ):
            yield observable, observable.tex, _shown(model, observable)
    for state in states:
        yield state, rf"\frac{{d {state.tex}}}{{d t}}", _shown(model, state)


def latex(model: Model, *, observables: bool = True) -> str:
    """The equations of ``model`` as a LaTeX ``aligned`` block (see
    :meth:`hemomodels.Model.latex`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> print(latex(hm.models.marciniak_czochra_2009()).splitlines()[1])
    s &= \\frac{1}{1 + k c_3} \\\\
    """
    lines = [f"{left} &= {right}" for _, left, right in _lines(model, model.states, observables)]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _check_label(value: object, field: str, example: str) -> str:
    """A MyST label: a letter, then letters, digits, ``-``, ``_``, ``.`` or ``:``."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.:-]*", value):
        raise ModelError(
            f"{field} = {value!r} is not allowed; allowed: a label of letters, digits, '-', "
            f"'_', '.' or ':' starting with a letter, e.g. {example}.",
            field=field,
            value=value,
        )
    return value


def equation_label(prefix: str, name: str) -> str:
    """The label of the equation of ``name`` (a state or observable) under ``prefix``, for
    MyST's ``{eq}`` role: lower case, hyphens for underscores.

    Examples
    --------
    >>> equation_label("eq-hsc", "stem_cells")
    'eq-hsc-stem-cells'
    """
    return f"{prefix}-{name}".lower().replace("_", "-")


class Equations:
    """A model's equations as the book shows them: one numbered display equation each.

    Built by :meth:`hemomodels.Model.show_equations`. In the book each equation is a MyST
    labelled display-maths block, so the text can cite it with ``{eq}`label```; the labels
    are ``label`` followed by the state's or observable's name
    (:func:`equation_label`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> shown = hm.models.marciniak_czochra_2009().show_equations("eq-hsc")
    >>> shown.labels
    ['eq-hsc-feedback-signal', 'eq-hsc-stem-cells', 'eq-hsc-precursors', 'eq-hsc-neutrophils']
    >>> print(shown._repr_markdown_().splitlines()[5])
    \\frac{d c_1}{d t} = \\left(2 a_1 s - 1\\right) p_1 c_1
    """

    def __init__(
        self,
        model: Model,
        label: str | None = None,
        *,
        states: Sequence[str] | None = None,
        observables: bool | Sequence[str] = False,
    ) -> None:
        if label is not None:
            _check_label(label, "label", "'eq-hsc'")
        names = (
            model.state_names
            if states is None
            else rules.names(states, "states", model.state_names, kind="state", model=model.name)
        )
        if not isinstance(observables, bool):
            observables = rules.names(
                observables,
                "observables",
                model.observable_names,
                kind="observable",
                model=model.name,
            )
        chosen = [model.states[model.state_index[name]] for name in names]
        self.model = model
        self.label = label
        self.equations = [
            (declared.name, left, right)
            for declared, left, right in _lines(model, chosen, observables)
        ]

    @property
    def labels(self) -> list[str]:
        """The equations' labels, in order (empty without a ``label``)."""
        if self.label is None:
            return []
        return [equation_label(self.label, name) for name, _, _ in self.equations]

    def _repr_markdown_(self) -> str:
        blocks = []
        for name, left, right in self.equations:
            block = f"$$\n{left} = {right}\n$$"
            if self.label is not None:
                block += f" ({equation_label(self.label, name)})"
            blocks.append(block)
        return "\n\n".join(blocks)

    def __str__(self) -> str:
        return "\n".join(f"{left} = {right}" for _, left, right in self.equations)

    def __repr__(self) -> str:
        return f"<Equations of {self.model.name!r}: {len(self.equations)} equations>"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def plain_number(value: float, digits: int = 5) -> str:
    """A number as a reader writes it: ``0.85``, ``1.75 × 10⁻⁹``, ``10⁶``, ``∞``.

    At most ``digits`` significant digits, no trailing zeros; powers of ten below 0.001 and
    from 100,000 on.

    Examples
    --------
    >>> plain_number(0.85), plain_number(1.75e-9), plain_number(1e6), plain_number(885.42)
    ('0.85', '1.75 × 10⁻⁹', '10⁶', '885.42')
    >>> plain_number(4e-8), plain_number(2.5e5), plain_number(0.0), plain_number(float("inf"))
    ('4 × 10⁻⁸', '2.5 × 10⁵', '0', '∞')
    """
    if value == 0:
        return "0"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if 1e-3 <= abs(value) < 1e5:
        text = f"{value:.{digits}g}"
        if "e" not in text:
            return text.replace("-", "−")
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if mantissa in ("1", "-1"):
        return power if mantissa == "1" else "−" + power
    return f"{mantissa.replace('-', '−')} × {power}"


def plain_range(parameter: Parameter) -> str:
    """A parameter's bounds in plain numbers, e.g. ``[0, 1]`` or ``(0, 10⁻⁶]``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> plain_range(hm.models.marciniak_czochra_2009().parameter("feedback_strength"))
    '(0, 10⁻⁶]'
    """
    low, high = parameter.bounds
    opening = "[" if parameter.low_inclusive and not math.isinf(low) else "("
    closing = ")" if math.isinf(high) else "]"
    return f"{opening}{plain_number(low)}, {plain_number(high)}{closing}"


class ParameterTable:
    """A model's parameters as the book shows them: symbol, name, value, unit, range, source.

    Built by :meth:`hemomodels.Model.show_parameters`. A MyST Markdown table (symbols as
    maths, values in plain notation, sources as citations) inside a box of class
    ``hm-table-scroll`` that scrolls sideways on narrow screens; with ``sources`` it ends
    with a link to the chapter's "Sources and confidence" section, where each value's
    provenance is given.

    Examples
    --------
    >>> import hemomodels as hm
    >>> table = hm.models.marciniak_czochra_2009().show_parameters(["feedback_strength"])
    >>> print(table._repr_markdown_().splitlines()[3])
    | $k$ | Feedback strength | 1.75 × 10⁻⁹ | kg/cell | (0, 10⁻⁶] | {cite:p}`stiehl2015` |
    """

    HEADER = ("Symbol", "Parameter", "Value", "Unit", "Range", "Source")

    def __init__(
        self, model: Model, names: Sequence[str] | None = None, *, sources: str | None = None
    ) -> None:
        chosen = (
            model.parameter_names
            if names is None
            else rules.names(
                names, "names", model.parameter_names, kind="parameter", model=model.name
            )
        )
        if sources is not None:
            _check_label(sources, "sources", "'sources-hsc'")
        self.model = model
        self.parameters = [model.parameter(name) for name in chosen]
        self.sources = sources

    def rows(self) -> list[list[str]]:
        """One row per parameter, as the table prints it.

        Examples
        --------
        >>> import hemomodels as hm
        >>> print(" | ".join(hm.models.friberg2002().show_parameters(["MTT"]).rows()[0]))
        $\\mathrm{MTT}$ | Mean transit time | 88.7 | h | (0, 1000] | {cite:p}`friberg2002`
        """
        return [
            [
                f"${p.tex}$",
                p.display_label,
                plain_number(p.value),
                reader_unit(p.unit) or "–",
                plain_range(p),
                f"{{cite:p}}`{p.source}`",
            ]
            for p in self.parameters
        ]

    def _repr_markdown_(self) -> str:
        lines = [
            ":::{container} hm-table-scroll",
            "| " + " | ".join(self.HEADER) + " |",
            "|" + "---|" * len(self.HEADER),
            *("| " + " | ".join(c.replace("|", r"\|") for c in row) + " |" for row in self.rows()),
            ":::",
        ]
        if self.sources:
            lines += [
                "",
                f"Where each value comes from, and how sure it is: {{ref}}`{self.sources}`.",
            ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ParameterTable of {self.model.name!r}: {len(self.parameters)} parameters>"


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
