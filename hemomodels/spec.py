"""Declarations: the data a model is made of.

A model is declared once, as :class:`State` (compartments), :class:`Parameter`,
:class:`Observable` and :class:`Flow` objects plus SymPy expressions built from their
``symbol`` attributes. Everything else (equations, Jacobian, steady states, compiled
right-hand side) is derived from these declarations by :class:`hemomodels.Model`.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass, field

import sympy

from . import rules
from .errors import ModelError, describe_unit

__all__ = ["BASES", "TIME", "State", "Parameter", "Observable", "Flow"]

#: The time symbol, for right-hand sides that depend explicitly on time.
TIME = sympy.Symbol("t", real=True, nonnegative=True)

#: What a parameter's value rests on (its ``basis``), in words for the book's "Sources and
#: confidence" sections.
BASES: dict[str, str] = {
    "published": "published",
    "computed": "computed",
    "calibrated": "calibrated by this book",
    "illustrative": "illustrative",
    "scenario": "scenario input",
}


def _check_name(kind: str, name: object) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ModelError(
            f"{kind} name {name!r} is not allowed; allowed: a Python identifier such as "
            "'stem_cells' (letters, digits and underscores, not starting with a digit).",
            field=f"{kind} name",
            value=name,
        )
    if name == "t":
        raise ModelError(f"{kind} name 't' is reserved for time.", field=f"{kind} name", value=name)


def _check_text(kind: str, name: str, attribute: str, value: object, *, optional=False) -> None:
    if (optional and value is None) or isinstance(value, str):
        return
    raise ModelError(
        f"{kind} {name!r}: {attribute} = {value!r} is not allowed; allowed: text (str)"
        + (" or None." if optional else "."),
        field=f"{kind} {name!r} {attribute}",
        value=value,
    )


def _check_expression(kind: str, name: str, expression: object) -> sympy.Expr:
    """A SymPy expression or a plain number; text is refused (it would be parsed into new
    symbols without the declared ones' meaning)."""
    if isinstance(expression, sympy.Expr):
        return expression
    if rules.is_number(expression):
        return sympy.sympify(expression)
    raise ModelError(
        f"{kind} {name!r}: expression = {expression!r} is not allowed; allowed: a SymPy "
        "expression built from the .symbol of declared states, parameters and observables "
        "(or a number).",
        field=f"{kind} {name!r} expression",
        value=expression,
    )


def _default_label(description: str) -> str:
    """A short label from a description: the text before the first parenthesis, colon,
    semicolon or comma (``"Mature neutrophils (blood)"`` -> ``"Mature neutrophils"``)."""
    short = re.split(r"\s*[(:;,]", description, maxsplit=1)[0].strip()
    return short or description


def format_number(value: float) -> str:
    """Format a number compactly for tables and messages (``0.85``, ``1.75e-09``).

    Examples
    --------
    >>> format_number(0.85), format_number(1.75e-9), format_number(float("inf"))
    ('0.85', '1.75e-09', '∞')
    """
    if value == 0:
        return "0"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e6:
        return f"{value:.6g}"
    return f"{value:.4g}"


@dataclass(frozen=True)
class State:
    """A compartment (state variable) of a model.

    Parameters
    ----------
    name : str
        Python identifier used in code, e.g. ``"stem_cells"``.
    description : str
        What the compartment holds, in words a biologist can read.
    unit : str
        Unit of the amount, e.g. ``"cells/kg"``.
    initial : float
        Default initial value, in ``unit`` (>= 0 unless ``nonnegative=False``).
    latex : str, optional
        LaTeX symbol used in displayed equations, e.g. ``"c_1"``. Defaults to ``name``.
    label : str, optional
        Short name shown to readers in chart legends, diagrams and tables, e.g.
        ``"Stem cells"``. Defaults to the start of ``description`` (up to a parenthesis,
        colon, semicolon or comma).
    nonnegative : bool, default True
        Whether the amount can never be negative (cell numbers, masses, concentrations).
        Initial values and doses must then be >= 0, and a simulation in which the solution
        falls below zero by more than the solver tolerance stops with a
        :class:`~hemomodels.ModelError` naming the state and the time (values are never
        clipped). Declare ``nonnegative=False`` for a signed quantity (e.g. a deviation from a
        set point).

    Notes
    -----
    The SymPy symbol of a state is only declared *real*, never non-negative, so that an
    expression such as ``sympy.Abs(x)`` or ``sympy.Max(-x, 0)`` is kept as written instead of
    being simplified under an assumption the numbers might not satisfy.

    Examples
    --------
    >>> stem = State("stem_cells", "Stem cells", "cells/kg", initial=1e7)
    >>> stem.symbol, stem.symbol.is_real, stem.nonnegative
    (stem_cells, True, True)
    >>> import sympy
    >>> sympy.Abs(stem.symbol)  # kept as written
    Abs(stem_cells)
    >>> print(stem.tex)  # LaTeX shown in equations when no ``latex`` is given
    \\mathrm{stem\\_cells}
    """

    name: str
    description: str
    unit: str
    initial: float
    latex: str | None = None
    nonnegative: bool = True
    label: str | None = None

    def __post_init__(self) -> None:
        _check_name("state", self.name)
        _check_text("state", self.name, "description", self.description)
        _check_text("state", self.name, "unit", self.unit)
        _check_text("state", self.name, "latex", self.latex, optional=True)
        _check_text("state", self.name, "label", self.label, optional=True)
        rules.flag(self.nonnegative, f"state {self.name!r} nonnegative")
        initial = rules.number(
            self.initial,
            f"state {self.name!r} initial",
            low=0.0 if self.nonnegative else None,
            unit=describe_unit(self.unit),
        )
        object.__setattr__(self, "initial", initial)

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol standing for this state in expressions (real)."""
        return sympy.Symbol(self.name, real=True)

    @property
    def tex(self) -> str:
        """LaTeX used for this state in displayed equations."""
        return self.latex or rf"\mathrm{{{self.name}}}".replace("_", r"\_")

    @property
    def display_label(self) -> str:
        """The label a reader sees: ``label``, or the start of the description."""
        return self.label or _default_label(self.description)


@dataclass(frozen=True)
class Parameter:
    """A model parameter with value, unit, bounds and literature source.

    Parameters
    ----------
    name : str
        Python identifier, e.g. ``"stem_self_renewal"``.
    value : float
        Default value, in ``unit``.
    unit : str
        Unit (``"1"`` for dimensionless).
    bounds : tuple of float
        ``(low, high)``, the range in which the model is meaningful. Values outside are
        rejected with a :class:`ModelError` before any simulation.
    description : str
        Meaning in words.
    source : str
        Key of the entry in ``references.bib`` the value comes from.
    latex : str, optional
        LaTeX symbol for displayed equations, e.g. ``"a_1"``.
    note : str, optional
        Provenance of the value (how it was obtained, whether it is verified), written for
        students; shown in a chapter's "Sources and confidence" section, not in running text.
    low_inclusive : bool, default True
        Whether ``low`` itself is allowed. Rates that must be strictly positive use
        ``bounds=(0, high)`` with ``low_inclusive=False``.
    label : str, optional
        Short name shown to readers on sliders and in tables, e.g.
        ``"Stem-cell self-renewal"``. Defaults to the start of ``description``.
    basis : {"published", "computed", "calibrated", "illustrative", "scenario"}, optional
        What the value rests on (:data:`hemomodels.spec.BASES`): a value published in
        ``source``, a value computed from other values, a value this book calibrated to a
        published outcome, an illustrative choice, or a scenario input that readers set (a
        therapy switch, a disease's severity). Empty when not stated (every packaged model
        states it).

    Examples
    --------
    >>> rate = Parameter("division_rate", 0.1, "1/day", (0, 10), "Division rate", "stiehl2015",
    ...                  latex="p_1", low_inclusive=False)
    >>> rate.symbol.is_positive, rate.tex, rate.bounds_text()
    (True, 'p_1', '(0, 10]')
    """

    name: str
    value: float
    unit: str
    bounds: tuple[float, float]
    description: str
    source: str
    latex: str | None = None
    note: str = ""
    low_inclusive: bool = True
    label: str | None = None
    basis: str = ""

    def __post_init__(self) -> None:
        _check_name("parameter", self.name)
        if self.basis != "":
            rules.choice(self.basis, f"parameter {self.name!r} basis", BASES)
        for attribute in ("unit", "description", "source", "note"):
            _check_text("parameter", self.name, attribute, getattr(self, attribute))
        for attribute in ("latex", "label"):
            _check_text("parameter", self.name, attribute, getattr(self, attribute), optional=True)
        rules.flag(self.low_inclusive, f"parameter {self.name!r} low_inclusive")
        bounds = self.bounds
        if (
            not isinstance(bounds, (tuple, list))
            or len(bounds) != 2
            or not all(rules.is_number(b) for b in bounds)
            or math.isnan(float(bounds[0]))
            or math.isnan(float(bounds[1]))
            or not float(bounds[0]) < float(bounds[1])
        ):
            raise ModelError(
                f"parameter {self.name!r}: bounds = {bounds!r} are not allowed; allowed: two "
                "numbers (low, high) with low < high (either may be infinite).",
                field=f"parameter {self.name!r} bounds",
                value=bounds,
            )
        object.__setattr__(self, "bounds", (float(bounds[0]), float(bounds[1])))
        if not self.source:
            raise ModelError(
                f"parameter {self.name!r} has no source; every parameter needs a key of "
                "references.bib.",
                field=f"parameter {self.name!r} source",
                value=self.source,
            )
        value = rules.number(
            self.value,
            f"parameter {self.name!r} default value",
            unit=describe_unit(self.unit),
            allowed=self.bounds_text(),
        )
        if not self.contains(value):
            raise ModelError(
                f"parameter {self.name!r}: default value {self.value!r} is outside its bounds "
                f"{self.bounds_text()} (unit: {describe_unit(self.unit)}).",
                field=f"parameter {self.name!r}",
                value=self.value,
                allowed=self.bounds_text(),
                unit=self.unit,
            )
        object.__setattr__(self, "value", value)

    def contains(self, value: float) -> bool:
        """Whether ``value`` is a finite number inside the bounds.

        Examples
        --------
        >>> rate = Parameter("rate", 0.5, "1/day", (0, 10), "A rate", "stiehl2015",
        ...                  low_inclusive=False)
        >>> rate.contains(0.0), rate.contains(10.0), rate.contains(float("nan"))
        (False, True, False)
        """
        if not rules.is_number(value) or not math.isfinite(float(value)):
            return False
        value = float(value)
        low, high = self.bounds
        above_low = value >= low if self.low_inclusive else value > low
        return above_low and value <= high

    def bounds_text(self) -> str:
        """The bounds as an interval, e.g. ``"[0, 1]"`` or ``"(0, 10]"``.

        Examples
        --------
        >>> Parameter("rate", 0.5, "1/day", (0, 10), "A rate", "stiehl2015",
        ...           low_inclusive=False).bounds_text()
        '(0, 10]'
        """
        low, high = self.bounds
        opening = "[" if self.low_inclusive and not math.isinf(low) else "("
        closing = ")" if math.isinf(high) else "]"
        return f"{opening}{format_number(low)}, {format_number(high)}{closing}"

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol standing for this parameter (positive if its bounds are)."""
        low = self.bounds[0]
        if low > 0 or (low == 0 and not self.low_inclusive):
            return sympy.Symbol(self.name, positive=True)
        if low == 0:
            return sympy.Symbol(self.name, nonnegative=True)
        return sympy.Symbol(self.name, real=True)

    @property
    def tex(self) -> str:
        """LaTeX used for this parameter in displayed equations."""
        return self.latex or rf"\mathrm{{{self.name}}}".replace("_", r"\_")

    @property
    def display_label(self) -> str:
        """The label a reader sees: ``label``, or the start of the description."""
        return self.label or _default_label(self.description)


@dataclass(frozen=True)
class Observable:
    """A named quantity computed from states and parameters (e.g. a feedback signal).

    Observables may also be used inside right-hand sides through their ``symbol``; the
    displayed equations then keep the short name while the simulated equations substitute
    the expression.

    Parameters
    ----------
    name : str
        Python identifier, e.g. ``"feedback_signal"``.
    expression : sympy.Expr
        Expression in state and parameter symbols (and earlier observables).
    unit : str
        Unit of the value.
    description : str
        Meaning in words.
    latex : str, optional
        LaTeX symbol for displayed equations.
    label : str, optional
        Short name shown to readers in chart legends and tables, e.g. ``"Haemoglobin"``.
        Defaults to the start of ``description``.

    Examples
    --------
    >>> neutrophils = State("neutrophils", "Neutrophils", "cells/kg", initial=4e8)
    >>> signal = Observable("signal", 1 / (1 + 1e-9 * neutrophils.symbol), "1", "Feedback",
    ...                     latex="s")
    >>> round(float(signal.expression.subs(neutrophils.symbol, 1e9)), 2)
    0.5
    """

    name: str
    expression: sympy.Expr
    unit: str
    description: str
    latex: str | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        _check_name("observable", self.name)
        for attribute in ("unit", "description"):
            _check_text("observable", self.name, attribute, getattr(self, attribute))
        for attribute in ("latex", "label"):
            _check_text("observable", self.name, attribute, getattr(self, attribute), optional=True)
        expression = _check_expression("observable", self.name, self.expression)
        object.__setattr__(self, "expression", expression)

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol standing for this observable in right-hand sides."""
        return sympy.Symbol(self.name, real=True)

    @property
    def tex(self) -> str:
        """LaTeX used for this observable in displayed equations."""
        return self.latex or rf"\mathrm{{{self.name}}}".replace("_", r"\_")

    @property
    def display_label(self) -> str:
        """The label a reader sees: ``label``, or the start of the description."""
        return self.label or _default_label(self.description)


@dataclass(frozen=True)
class Flow:
    """A flux of material from one compartment to another.

    The rate is subtracted from ``source`` and added to ``target``; ``None`` stands for
    the outside world (production from outside, death or clearance to outside).

    Parameters
    ----------
    source, target : State or None
        Compartments the flow leaves and enters.
    rate : sympy.Expr
        Flux in units of the compartments per unit time.
    description : str, optional
        Meaning in words.

    Examples
    --------
    >>> drug = State("drug", "Drug in plasma", "mg/L", initial=0.0)
    >>> clearance = Flow(drug, None, 0.1 * drug.symbol, "Elimination")
    >>> clearance.rate, clearance.target is None
    (0.1*drug, True)
    """

    source: State | None
    target: State | None
    rate: sympy.Expr
    description: str = field(default="")

    def __post_init__(self) -> None:
        for end in ("source", "target"):
            value = getattr(self, end)
            if value is not None and not isinstance(value, State):
                raise ModelError(
                    f"flow {self.description!r}: {end} = {value!r} is not allowed; allowed: a "
                    "hemomodels.State or None (the outside world).",
                    field=f"flow {end}",
                    value=value,
                )
        if self.source is None and self.target is None:
            raise ModelError("a Flow needs a source or a target compartment.", field="flow")
        if self.source is not None and self.source == self.target:
            raise ModelError(
                f"flow {self.description!r} leaves and enters the same compartment "
                f"{self.source.name!r}, so it would change nothing; allowed: a flow between two "
                "different compartments (or to or from None, the outside world).",
                field="flow target",
                value=self.source.name,
            )
        _check_text("flow", self.description, "description", self.description)
        object.__setattr__(self, "rate", _check_expression("flow", self.description, self.rate))
