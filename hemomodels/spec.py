"""Declarations: the data a model is made of.

A model is declared once, as :class:`State` (compartments), :class:`Parameter`,
:class:`Observable` and :class:`Flow` objects plus SymPy expressions built from their
``symbol`` attributes. Everything else (equations, Jacobian, steady states, compiled
right-hand side) is derived from these declarations by :class:`hemomodels.Model`.
"""

from __future__ import annotations

import keyword
import math
from dataclasses import dataclass, field
from numbers import Real

import sympy

from .errors import ModelError, describe_unit

__all__ = ["TIME", "State", "Parameter", "Observable", "Flow"]

#: The time symbol, for right-hand sides that depend explicitly on time.
TIME = sympy.Symbol("t", real=True, nonnegative=True)


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


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


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
    if 1e-3 <= magnitude < 1e5:
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
        Default initial value (>= 0), in ``unit``.
    latex : str, optional
        LaTeX symbol used in displayed equations, e.g. ``"c_1"``. Defaults to ``name``.

    Examples
    --------
    >>> stem = State("stem_cells", "Stem cells", "cells/kg", initial=1e7)
    >>> stem.symbol, stem.symbol.is_nonnegative
    (stem_cells, True)
    >>> print(stem.tex)  # LaTeX shown in equations when no ``latex`` is given
    \\mathrm{stem\\_cells}
    """

    name: str
    description: str
    unit: str
    initial: float
    latex: str | None = None

    def __post_init__(self) -> None:
        _check_name("state", self.name)
        if not _is_number(self.initial) or not math.isfinite(self.initial) or self.initial < 0:
            raise ModelError(
                f"state {self.name!r}: initial = {self.initial!r} is not allowed; allowed: a "
                f"finite number >= 0 (unit: {describe_unit(self.unit)}).",
                field=f"state {self.name!r} initial",
                value=self.initial,
                unit=self.unit,
            )

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol standing for this state in expressions (non-negative, real)."""
        return sympy.Symbol(self.name, real=True, nonnegative=True)

    @property
    def tex(self) -> str:
        """LaTeX used for this state in displayed equations."""
        return self.latex or rf"\mathrm{{{self.name}}}".replace("_", r"\_")


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
        Provenance of the value (how it was obtained, whether it is verified).
    low_inclusive : bool, default True
        Whether ``low`` itself is allowed. Rates that must be strictly positive use
        ``bounds=(0, high)`` with ``low_inclusive=False``.

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

    def __post_init__(self) -> None:
        _check_name("parameter", self.name)
        low, high = self.bounds
        if not (_is_number(low) and _is_number(high)) or not low < high:
            raise ModelError(
                f"parameter {self.name!r}: bounds = {self.bounds!r} are not allowed; allowed: "
                "two numbers (low, high) with low < high.",
                field=f"parameter {self.name!r} bounds",
                value=self.bounds,
            )
        if not self.source:
            raise ModelError(
                f"parameter {self.name!r} has no source; every parameter needs a key of "
                "references.bib.",
                field=f"parameter {self.name!r} source",
                value=self.source,
            )
        if not self.contains(self.value):
            raise ModelError(
                f"parameter {self.name!r}: default value {self.value!r} is outside its bounds "
                f"{self.bounds_text()} (unit: {describe_unit(self.unit)}).",
                field=f"parameter {self.name!r}",
                value=self.value,
                allowed=self.bounds_text(),
                unit=self.unit,
            )

    def contains(self, value: float) -> bool:
        """Whether ``value`` is a finite number inside the bounds.

        Examples
        --------
        >>> rate = Parameter("rate", 0.5, "1/day", (0, 10), "A rate", "stiehl2015",
        ...                  low_inclusive=False)
        >>> rate.contains(0.0), rate.contains(10.0), rate.contains(float("nan"))
        (False, True, False)
        """
        if not _is_number(value) or not math.isfinite(value):
            return False
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
        opening = "[" if self.low_inclusive else "("
        return f"{opening}{format_number(low)}, {format_number(high)}]"

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

    def __post_init__(self) -> None:
        _check_name("observable", self.name)
        object.__setattr__(self, "expression", sympy.sympify(self.expression))

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol standing for this observable in right-hand sides."""
        return sympy.Symbol(self.name, real=True)

    @property
    def tex(self) -> str:
        """LaTeX used for this observable in displayed equations."""
        return self.latex or rf"\mathrm{{{self.name}}}".replace("_", r"\_")


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
        if self.source is None and self.target is None:
            raise ModelError("a Flow needs a source or a target compartment.", field="flow")
        object.__setattr__(self, "rate", sympy.sympify(self.rate))
