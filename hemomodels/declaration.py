"""Checks of a model's declaration, run once when a :class:`~hemomodels.Model` is built.

Each function reads the declared parts of a model (name, states, parameters, observables,
flows, right-hand side) and raises a :class:`~hemomodels.ModelError` naming the field that
is wrong; :func:`assemble` also sums the right-hand side from its terms and flows. Checking
at declaration means a model that cannot be simulated is never built: no error waits for the
first call of ``simulate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import sympy

from . import rules
from .compile import SUPPORTED_FUNCTIONS, unsupported
from .errors import ModelError
from .spec import TIME, Observable, State

if TYPE_CHECKING:
    from .model import Model

__all__ = [
    "assemble",
    "check_functions",
    "check_names",
    "check_symbols",
    "check_texts",
    "declared",
    "observable_substitutions",
]


def check_texts(name: Any, **texts: Any) -> None:
    """The model's name and its text fields (``time_unit``, ``description``, ``reference``).

    Examples
    --------
    >>> check_texts("Friberg 2002", time_unit="h", description="", reference="friberg2002")
    """
    if not isinstance(name, str) or not name.strip():
        raise ModelError(
            f"Model name = {name!r} is not allowed; allowed: a non-empty text (str).",
            field="name",
            value=name,
        )
    for field, value in texts.items():
        if not isinstance(value, str) or (field == "time_unit" and not value.strip()):
            raise ModelError(
                f"{name}: {field} = {value!r} is not allowed; allowed: text (str)"
                + (", e.g. 'day' or 'h'." if field == "time_unit" else "."),
                field=field,
                value=value,
            )


def declared(model: str, kind: str, items: Any, cls: type) -> tuple:
    """The declared ``items`` as a tuple, each an instance of ``cls``.

    Examples
    --------
    >>> declared("m", "state", [State("x", "cells", "cells", 1.0)], State)[0].name
    'x'
    """
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise ModelError(
            f"{model}: {kind}s = {items!r} is not allowed; allowed: a list of "
            f"hemomodels.{cls.__name__} objects.",
            field=f"{kind}s",
            value=items,
        )
    items = tuple(items)
    for item in items:
        if not isinstance(item, cls):
            raise ModelError(
                f"{model}: {kind}s must be hemomodels.{cls.__name__} objects, got {item!r}.",
                field=f"{kind}s",
                value=item,
            )
    if kind == "state" and not items:
        raise ModelError(f"{model}: a model needs at least one state.", field="states")
    return items


def check_names(model: Model) -> None:
    """Names are unique across states, parameters and observables.

    Examples
    --------
    >>> import hemomodels as hm
    >>> check_names(hm.models.marciniak_czochra_2009())
    """
    names = [x.name for x in (*model.states, *model.parameters, *model.observables)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ModelError(
            f"{model.name}: names must be unique across states, parameters and observables; "
            f"repeated: {', '.join(duplicates)}.",
            field="names",
            value=duplicates,
        )


def _state_of(model: Model, key: Any) -> int:
    name = key.name if isinstance(key, (State, sympy.Symbol)) else key
    if not isinstance(name, str) or name not in model.state_index:
        raise ModelError(
            f"{model.name}: rhs or flow refers to unknown compartment {name!r}; allowed: "
            f"{', '.join(model.state_names)}.",
            field="compartment",
            value=name,
        )
    return model.state_index[name]


def assemble(model: Model, rhs: Any) -> tuple[sympy.Expr, ...]:
    """``d state / dt`` of every state: the ``rhs`` terms plus the flows (out of the source,
    into the target), as declared (observables kept as symbols).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> assemble(model, {})[-1] == model.rhs_display[-1]  # Conc: flows only
    True
    """
    if rhs is None:
        rhs = {}
    if not isinstance(rhs, Mapping):
        raise ModelError(
            f"{model.name}: rhs = {rhs!r} is not allowed; allowed: a mapping of states (or "
            "state names) to SymPy expressions, e.g. {stem: -k * stem.symbol}.",
            field="rhs",
            value=rhs,
        )
    terms: list[sympy.Expr] = [sympy.Integer(0)] * len(model.states)
    for key, expression in rhs.items():
        index = _state_of(model, key)
        if not isinstance(expression, sympy.Expr) and not rules.is_number(expression):
            raise ModelError(
                f"{model.name}: rhs for {model.state_names[index]!r} = {expression!r} is not "
                "allowed; allowed: a SymPy expression built from the .symbol of declared "
                "states, parameters and observables (or a number).",
                field=f"rhs[{model.state_names[index]!r}]",
                value=expression,
            )
        terms[index] += sympy.sympify(expression)
    for flow in model.flows:
        if flow.source is not None:
            terms[_state_of(model, flow.source)] -= flow.rate
        if flow.target is not None:
            terms[_state_of(model, flow.target)] += flow.rate
    return tuple(terms)


def observable_substitutions(
    observables: Iterable[Observable],
) -> dict[sympy.Symbol, sympy.Expr]:
    """Each observable's symbol → its expression in states and parameters (earlier
    observables substituted), to replace the symbols in right-hand sides for simulation.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> list(observable_substitutions(model.observables))
    [feedback_signal]
    """
    substitutions: dict[sympy.Symbol, sympy.Expr] = {}
    for observable in observables:
        substitutions[observable.symbol] = observable.expression.xreplace(substitutions)
    return substitutions


def _labelled(model: Model) -> list[tuple[str, sympy.Expr]]:
    return [
        *((f"d {n}/dt", e) for n, e in zip(model.state_names, model.rhs, strict=True)),
        *zip(model.observable_names, model.observable_expressions, strict=True),
    ]


def check_symbols(model: Model) -> None:
    """Every expression uses only declared states, parameters and time.

    Examples
    --------
    >>> import hemomodels as hm
    >>> check_symbols(hm.models.marciniak_czochra_2009())
    """
    allowed = {*model.state_symbols, *model.parameter_symbols, TIME}
    for label, expression in _labelled(model):
        unknown = expression.free_symbols - allowed
        if unknown:
            names = ", ".join(sorted(str(s) for s in unknown))
            raise ModelError(
                f"{model.name}: the expression for {label!r} uses undeclared symbols "
                f"{names}; declare them as states, parameters or observables (check that "
                "you used the .symbol of the declared object).",
                field=label,
                value=names,
            )


def check_functions(model: Model) -> bool:
    """Every expression, and every entry of the Jacobian, can be compiled: only
    :data:`~hemomodels.compile.SUPPORTED_FUNCTIONS`, finite numbers and declared symbols.

    Examples
    --------
    >>> import hemomodels as hm
    >>> check_functions(hm.models.marciniak_czochra_2009())
    True
    """
    jacobian = model.jacobian()
    n = len(model.states)
    checks = [
        *_labelled(model),
        *(
            (f"∂(d {model.state_names[i]}/dt)/∂{model.state_names[j]}", jacobian[i, j])
            for i in range(n)
            for j in range(n)
        ),
    ]
    for label, expression in checks:
        problems = unsupported(expression)
        if problems:
            names = ", ".join(f.__name__ for f in SUPPORTED_FUNCTIONS)
            raise ModelError(
                f"{model.name}: the expression for {label!r} contains "
                f"{', '.join(problems)}, which cannot be simulated; allowed: the functions "
                f"{names} (Piecewise for switches; a Heaviside or sign of a state has no "
                "usable derivative), finite numbers and declared symbols.",
                field=label,
                value=", ".join(problems),
            )
    return True
