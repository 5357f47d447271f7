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
    "display_forms",
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


def on_declared_domain(model: Model) -> dict[sympy.Symbol, sympy.Symbol]:
    """Substitutions that give every state declared non-negative a non-negative symbol (and
    every observable that is then non-negative, such as a total), so that two expressions can
    be compared where the model's states are allowed to be (a guard such as ``Max(0, x)`` then
    equals ``x``)."""
    domain: dict[sympy.Symbol, sympy.Symbol] = {
        state.symbol: sympy.Dummy(state.name, nonnegative=True)
        for state in model.states
        if state.nonnegative
    }
    for observable in model.observables:  # e.g. a total: a sum of non-negative states
        if sympy.sympify(observable.expression).xreplace(domain).is_nonnegative:
            domain[observable.symbol] = sympy.Dummy(observable.name, nonnegative=True)
    return domain


def _same(shown: sympy.Expr, simulated: sympy.Expr, domain: Mapping) -> bool:
    """Whether a display form equals the declared expression, symbolically, for every value
    of the states the model allows."""
    difference = sympy.expand((shown.doit() - simulated).xreplace(domain))
    return difference == 0 or sympy.simplify(difference) == 0


def display_forms(model: Model, display: Any) -> dict[str, sympy.Expr]:
    """The declared display forms by state or observable name, each proved equal to the
    expression that is simulated (the state's right-hand side, observables kept as symbols,
    or the observable's expression); a form that differs raises a
    :class:`~hemomodels.ModelError`.

    A display form is the same expression written in the order a textbook writes it, built
    with ``sympy.evaluate(False)`` (or ``sympy.UnevaluatedExpr``) so that SymPy keeps that
    order. It must be equal wherever the model's states are allowed: for states declared
    non-negative, a guard such as ``Max(0, x)`` may be written ``x``.

    Examples
    --------
    >>> import sympy
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> c1, c2 = model.states[0].symbol, model.states[1].symbol
    >>> display_forms(model, {})
    {}
    >>> display_forms(model, {"stem_cells": c2})
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: Marciniak-Czochra et al. 2009 (self-renewal feedback): the \
display form of 'stem_cells' differs from the simulated equation by ...
    """
    if display is None:
        return {}
    if not isinstance(display, Mapping):
        raise ModelError(
            f"{model.name}: display = {display!r} is not allowed; allowed: a mapping of states "
            "or observables (or their names) to SymPy expressions.",
            field="display",
            value=display,
        )
    declared = {
        **{s.name: e for s, e in zip(model.states, model.rhs_display, strict=True)},
        **{o.name: o.expression for o in model.observables},
    }
    domain = on_declared_domain(model)
    forms: dict[str, sympy.Expr] = {}
    for key, form in display.items():
        name = key.name if isinstance(key, (State, Observable, sympy.Symbol)) else key
        if not isinstance(name, str) or name not in declared:
            raise ModelError(
                f"{model.name}: display refers to {name!r}, which is not a state or observable; "
                f"allowed: {', '.join(declared)}.",
                field="display",
                value=name,
            )
        if not isinstance(form, sympy.Expr):
            raise ModelError(
                f"{model.name}: the display form of {name!r} = {form!r} is not allowed; "
                "allowed: a SymPy expression.",
                field=f"display[{name!r}]",
                value=form,
            )
        if not _same(form, declared[name], domain):
            difference = sympy.simplify(form.doit() - declared[name])
            raise ModelError(
                f"{model.name}: the display form of {name!r} differs from the simulated "
                f"equation by {difference}; a display form must be the same expression, "
                "only written in another order.",
                field=f"display[{name!r}]",
                value=str(difference),
            )
        forms[name] = form
    return forms


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
