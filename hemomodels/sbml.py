"""Export a model to SBML Level 3 Version 2 (for COPASI, libroadrunner, tellurium, …).

The document is derived from the same declaration as everything else: states become
non-constant parameters with *rate rules* (``d state / dt`` from the model's fully substituted
right-hand side, :attr:`hemomodels.Model.rhs`), parameters become constant parameters (or
non-constant ones when a :class:`~hemomodels.ParameterChange` switches them), observables
become parameters with *assignment rules*, and doses and parameter changes become SBML events
triggered at their times. States are encoded as parameters rather than species so that their
units (cells/kg, g, µM …) carry over as they are, without a compartment volume.

Expressions are printed from SymPy into libSBML's Level 3 infix syntax by a printer defined here
(every operand parenthesised, ``ln`` for the natural logarithm, ``piecewise(...)`` for
:class:`sympy.Piecewise`) and parsed into MathML with :func:`libsbml.parseL3FormulaWithModel`.

Units: each unit string of the package is translated into an SBML ``unitDefinition`` where it
can be (``"1/day"``, ``"10^9 cells/L"``, ``"µM"``, ``"g/dL"``, ``"cells/kg"`` …, with cells as
the SBML unit ``item``). A unit string that cannot be translated is kept in the element's notes
and in a ``hemomodels:unit`` annotation, and the element has no ``units`` attribute. Every
element also carries its original unit string, and every parameter its bounds, literature
source key and provenance note, in its notes.

Events at time 0 are folded into the initial values (the package applies them before
integrating, and an SBML trigger ``time >= 0`` would depend on its ``initialValue``); later ones
are events with trigger ``time >= t`` (``initialValue="true"``, persistent, no delay).

Needs ``python-libsbml`` (``pip install 'hemomodels[sbml]'``).

Examples
--------
>>> import hemomodels as hm
>>> from hemomodels.sbml import to_sbml
>>> text = to_sbml(hm.models.friberg2002(), doses=[hm.Dose(0.0, "Conc", 33.4)])
>>> text.startswith("<?xml")
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import TYPE_CHECKING, Any

import sympy
from sympy.printing.str import StrPrinter

from .doses import (
    Dose,
    Doses,
    Infusion,
    ParameterChange,
    PerPatient,
    When,
    infusion_inputs,
    split_conditions,
)
from .errors import ModelError
from .extras import missing_extra
from .spec import TIME, format_number
from .validation import check_conditions, check_doses, check_initial, check_parameters

if TYPE_CHECKING:
    from .model import Model

__all__ = ["to_sbml", "sbml_formula", "unit_definition"]

LEVEL, VERSION = 3, 2
_NAMESPACE = "urn:hemomodels:sbml-annotation:1"
_XHTML = "http://www.w3.org/1999/xhtml"


# --------------------------------------------------------------------------- formulas
class _L3Printer(StrPrinter):
    """SymPy expression → libSBML Level 3 infix formula, every operand parenthesised."""

    _FUNCTIONS = {
        "exp": "exp",
        "sqrt": "sqrt",
        "Abs": "abs",
        "floor": "floor",
        "ceiling": "ceil",
        "sin": "sin",
        "cos": "cos",
        "tan": "tan",
        "asin": "arcsin",
        "acos": "arccos",
        "atan": "arctan",
        "sinh": "sinh",
        "cosh": "cosh",
        "tanh": "tanh",
        "factorial": "factorial",
    }

    def _wrap(self, expression: sympy.Basic) -> str:
        return f"({self._print(expression)})"

    def _print_Symbol(self, expression: sympy.Symbol) -> str:
        return "time" if expression == TIME else expression.name

    def _print_Integer(self, expression: sympy.Integer) -> str:
        return str(int(expression))

    def _print_Rational(self, expression: sympy.Rational) -> str:
        return f"({int(expression.p)}/{int(expression.q)})"

    def _print_Float(self, expression: sympy.Float) -> str:
        return repr(float(expression))

    def _print_Exp1(self, expression: Any) -> str:
        return "exponentiale"

    def _print_Pi(self, expression: Any) -> str:
        return "pi"

    def _print_Infinity(self, expression: Any) -> str:
        return "INF"

    def _print_NegativeInfinity(self, expression: Any) -> str:
        return "(-INF)"

    def _print_NaN(self, expression: Any) -> str:
        return "NaN"

    def _print_BooleanTrue(self, expression: Any) -> str:
        return "true"

    def _print_BooleanFalse(self, expression: Any) -> str:
        return "false"

    def _print_Add(self, expression: sympy.Add, order: Any = None) -> str:
        return " + ".join(self._wrap(a) for a in expression.args)

    def _print_Mul(self, expression: sympy.Mul) -> str:
        return " * ".join(self._wrap(a) for a in expression.args)

    def _print_Pow(self, expression: sympy.Pow, rational: bool = False) -> str:
        base, exponent = expression.args
        if exponent == sympy.S.Half:
            return f"sqrt({self._print(base)})"
        if exponent == -1:
            return f"1 / {self._wrap(base)}"
        return f"{self._wrap(base)} ^ {self._wrap(exponent)}"

    def _print_log(self, expression: sympy.log) -> str:
        return f"ln({self._print(expression.args[0])})"

    def _print_Mod(self, expression: sympy.Mod) -> str:  # floored, as SymPy's
        a, b = (self._wrap(x) for x in expression.args)
        return f"{a} - {b} * floor({a} / {b})"

    def _print_Min(self, expression: sympy.Min) -> str:
        return f"min({', '.join(self._print(a) for a in expression.args)})"

    def _print_Max(self, expression: sympy.Max) -> str:
        return f"max({', '.join(self._print(a) for a in expression.args)})"

    def _print_sign(self, expression: sympy.sign) -> str:
        x = self._wrap(expression.args[0])
        return f"piecewise(1, {x} > 0, -1, {x} < 0, 0)"

    def _print_Heaviside(self, expression: sympy.Heaviside) -> str:
        x = self._wrap(expression.args[0])
        middle = expression.args[1] if len(expression.args) > 1 else sympy.S.Half
        return f"piecewise(1, {x} > 0, 0, {x} < 0, {self._print(middle)})"

    def _print_Piecewise(self, expression: sympy.Piecewise) -> str:
        parts: list[str] = []
        for value, condition in expression.args:
            if condition == sympy.true:
                parts.append(self._print(value))
                break
            parts += [self._print(value), self._print(condition)]
        return f"piecewise({', '.join(parts)})"

    def _print_Relational(self, expression: sympy.core.relational.Relational) -> str:
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expression.rel_op]
        return f"{self._wrap(expression.lhs)} {op} {self._wrap(expression.rhs)}"

    def _print_And(self, expression: sympy.And) -> str:
        return " && ".join(self._wrap(a) for a in expression.args)

    def _print_Or(self, expression: sympy.Or) -> str:
        return " || ".join(self._wrap(a) for a in expression.args)

    def _print_Not(self, expression: sympy.Not) -> str:
        return f"!{self._wrap(expression.args[0])}"

    def _print_Function(self, expression: sympy.Function) -> str:
        name = type(expression).__name__
        if name not in self._FUNCTIONS:
            raise ModelError(
                f"SBML export: the function {name!r} has no SBML equivalent here; allowed: "
                f"{', '.join(sorted(self._FUNCTIONS))}, log, Min, Max, Mod, sign, Heaviside, "
                "Piecewise.",
                field="expression",
                value=str(expression),
            )
        return f"{self._FUNCTIONS[name]}({', '.join(self._print(a) for a in expression.args)})"

    def emptyPrinter(self, expression: Any) -> str:  # noqa: N802 (SymPy's name)
        raise ModelError(
            f"SBML export: cannot translate {expression!r} ({type(expression).__name__}).",
            field="expression",
            value=str(expression),
        )


def sbml_formula(expression: sympy.Expr) -> str:
    """The libSBML Level 3 infix formula of a SymPy expression (``time`` for the time symbol).

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> sbml_formula(x**2 / y)
    '((x) ^ (2)) * (1 / (y))'
    """
    return _L3Printer().doprint(sympy.sympify(expression))


# ------------------------------------------------------------------------------ units
# name -> (SBML unit kind, scale (power of ten), multiplier)
_BASE_UNITS: dict[str, tuple[str, int, float]] = {
    "1": ("dimensionless", 0, 1.0),
    "%": ("dimensionless", 0, 0.01),
    "s": ("second", 0, 1.0),
    "min": ("second", 0, 60.0),
    "h": ("second", 0, 3600.0),
    "day": ("second", 0, 86400.0),
    "week": ("second", 0, 604800.0),
    "year": ("second", 0, 31557600.0),  # Julian year, 365.25 days
    "cell": ("item", 0, 1.0),
    "cells": ("item", 0, 1.0),
    "kg": ("kilogram", 0, 1.0),
}
_PREFIXED = {"g": "gram", "L": "litre", "l": "litre", "mol": "mole", "M": "molar", "m": "metre"}
_PREFIXES = {"": 0, "k": 3, "d": -1, "c": -2, "m": -3, "µ": -6, "μ": -6, "u": -6, "n": -9, "p": -12}
_TOKEN = re.compile(r"^(?P<base>[^\s^]+?)(?:\^(?P<power>-?\d+))?$")


def _base(name: str) -> list[tuple[str, int, int, float]] | None:
    """``[(kind, exponent, scale, multiplier)]`` of one unit token without exponent."""
    if name in _BASE_UNITS:
        kind, scale, multiplier = _BASE_UNITS[name]
        return [(kind, 1, scale, multiplier)]
    for symbol, kind in _PREFIXED.items():
        if name.endswith(symbol) and name[: -len(symbol)] in _PREFIXES:
            scale = _PREFIXES[name[: -len(symbol)]]
            if kind == "molar":  # mol/L
                return [("mole", 1, scale, 1.0), ("litre", -1, 0, 1.0)]
            return [(kind, 1, scale, 1.0)]
    return None


def unit_definition(unit: str) -> list[tuple[str, int, int, float]] | None:
    """SBML units ``(kind, exponent, scale, multiplier)`` of a package unit string, or None.

    The grammar is: factors separated by spaces or ``*``, with each ``/`` dividing by the next
    factor; a factor is ``10^k``, a number, or a (prefixed) unit with an optional ``^n``.

    Examples
    --------
    >>> unit_definition("10^9 cells/L")
    [('item', 1, 9, 1.0), ('litre', -1, 0, 1.0)]
    >>> unit_definition("furlongs") is None
    True
    """
    text = unit.strip().replace("·", " ").replace("*", " ")
    if text in ("", "1"):
        return [("dimensionless", 1, 0, 1.0)]
    pieces = text.split("/")
    units: list[tuple[str, int, int, float]] = []
    scale_total, multiplier_total = 0, 1.0
    for position, piece in enumerate(pieces):
        sign = 1 if position == 0 else -1
        tokens = piece.split()
        if not tokens:
            return None
        for k, token in enumerate(tokens):
            if sign < 0 and k > 0:  # "a/b c" is ambiguous: refuse
                return None
            power_of_ten = re.fullmatch(r"10\^(-?\d+)", token)
            if power_of_ten:
                scale_total += sign * int(power_of_ten.group(1))
                continue
            if re.fullmatch(r"\d+(\.\d+)?", token):
                multiplier_total *= float(token) ** sign
                continue
            match = _TOKEN.match(token)
            parts = _base(match.group("base")) if match else None
            if match is None or parts is None:
                return None
            power = int(match.group("power") or 1) * sign
            units += [(kind, e * power, s, m) for kind, e, s, m in parts]
    units = [u for u in units if not (u[0] == "dimensionless" and u[2] == 0 and u[3] == 1.0)]
    if not units:
        units = [("dimensionless", 1, 0, 1.0)]
    if scale_total or multiplier_total != 1.0:  # fold into the first unit
        kind, exponent, scale, multiplier = units[0]
        extra_scale, extra_multiplier = scale_total / exponent, multiplier_total ** (1 / exponent)
        if float(extra_scale).is_integer():
            units[0] = (kind, exponent, scale + int(extra_scale), multiplier * extra_multiplier)
        else:
            units[0] = (kind, exponent, scale, multiplier * 10**extra_scale * extra_multiplier)
    return units


class _Units:
    """Unit definitions of one document, created on first use (``None`` if untranslatable)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.ids: dict[str, str | None] = {}

    def __call__(self, unit: str) -> str | None:
        if unit in self.ids:
            return self.ids[unit]
        units = unit_definition(unit)
        if units is None:
            self.ids[unit] = None
            return None
        if units == [("dimensionless", 1, 0, 1.0)]:
            self.ids[unit] = "dimensionless"
            return "dimensionless"
        base = re.sub(r"\W", "_", unit.replace("/", "_per_").replace("^", "e").replace("%", "pc"))
        base = re.sub(r"_+", "_", base.replace("µ", "u").replace("μ", "u")).strip("_")
        uid = "u_" + (base.encode("ascii", "ignore").decode() or "unit")
        while uid in self.ids.values():
            uid += "_"
        definition = self.model.createUnitDefinition()
        _ok(definition.setId(uid), "unit id")
        definition.setName(unit)
        for kind, exponent, scale, multiplier in units:
            entry = definition.createUnit()
            _ok(entry.setKind(_libsbml().UnitKind_forName(kind)), f"unit kind {kind}")
            entry.setExponent(float(exponent))
            entry.setScale(int(scale))
            entry.setMultiplier(float(multiplier))
        self.ids[unit] = uid
        return uid


# ---------------------------------------------------------------------------- helpers
def _libsbml():
    try:
        import libsbml
    except ImportError as error:  # the sbml extra is not installed
        raise missing_extra("libsbml", "SBML export") from error
    return libsbml


def _ok(code: int, what: str) -> None:
    libsbml = _libsbml()
    if code not in (libsbml.LIBSBML_OPERATION_SUCCESS, None):
        raise ModelError(
            f"SBML export: libSBML refused {what}: {libsbml.OperationReturnValue_toString(code)}.",
            field="sbml",
            value=what,
        )


def _notes(element: Any, lines: Iterable[str]) -> None:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    _ok(element.setNotes(f'<body xmlns="{_XHTML}">{body}</body>'), "notes")


def _annotate(element: Any, unit: str, **extra: str) -> None:
    attributes = " ".join(
        f'{key}="{escape(value, quote=True)}"' for key, value in {"unit": unit, **extra}.items()
    )
    _ok(
        element.setAnnotation(
            f'<annotation><hemomodels:element xmlns:hemomodels="{_NAMESPACE}" {attributes}/>'
            "</annotation>"
        ),
        "annotation",
    )


def _display(latex: str | None, label: str | None) -> dict[str, str]:
    """The optional display fields of an element, for its annotation (read back on import)."""
    return {key: value for key, value in (("latex", latex), ("label", label)) if value is not None}


def _math(formula: str, model: Any, what: str) -> Any:
    libsbml = _libsbml()
    ast = libsbml.parseL3FormulaWithModel(formula, model)
    if ast is None:
        raise ModelError(
            f"SBML export: libSBML could not parse the formula of {what}: {formula!r} "
            f"({libsbml.getLastParseL3Error()}).",
            field=what,
            value=formula,
        )
    return ast


def _unit_lines(unit: str, unit_id: str | None) -> list[str]:
    if unit_id is None:
        return [f"unit: {unit} (no SBML unit definition; kept in this note and the annotation)"]
    return [f"unit: {unit}"]


# ---------------------------------------------------------------------------- export
def to_sbml(
    model: Model,
    *,
    doses: Doses = (),
    params: Mapping[str, float] | None = None,
    y0: Mapping[str, float] | None = None,
) -> str:
    """The model as an SBML Level 3 Version 2 document (a string of XML).

    Parameters
    ----------
    model : Model
        The model to export.
    doses : Dose, Schedule, Infusion, ParameterChange, When or iterable of them
        Events to include: doses at time 0 are added to the initial values, parameter changes
        at time 0 replace (or, with ``scale``, multiply) the parameter values, later ones
        become SBML events (a scale as the assignment ``k = k * factor``, evaluated at the
        trigger time). A :class:`~hemomodels.PerPatient` value (cohorts only) and
        ``When(..., stop=True)`` (SBML events cannot end a simulation) are refused.
    params : mapping, optional
        Parameter values overriding the defaults (checked against the bounds).
    y0 : mapping, optional
        Initial values overriding the states' defaults.

    Returns
    -------
    str
        The SBML document. ``libsbml.readSBMLFromString(text).checkConsistency()`` reports no
        errors (unit-consistency *warnings* can remain: numbers in formulas carry no units).

    Raises
    ------
    ModelError
        Bad parameter values, initial values or doses (as :meth:`Model.simulate`), an
        identifier SBML reserves, or an expression with no SBML equivalent.

    Examples
    --------
    >>> import hemomodels as hm
    >>> xml = to_sbml(hm.models.marciniak_czochra_2009())
    >>> 'level="3" version="2"' in xml
    True
    """
    libsbml = _libsbml()
    values = check_parameters(model, params)
    initial = check_initial(model, y0)
    scheduled, conditions = split_conditions(doses)
    set_by_conditions = {name for c in conditions for name in (*c.set, *c.scale)}
    events = check_doses(
        model, scheduled, math.inf, params=values, set_by_conditions=set_by_conditions
    )
    conditions = check_conditions(model, conditions)
    for condition in conditions:
        if condition.stop:
            raise ModelError(
                f"{model.name}: When({condition.describe()}) with stop=True cannot be exported "
                "to SBML (an SBML event cannot end a simulation); allowed: stop=False.",
                field="When stop",
                value=True,
                allowed="False",
            )
    ids = [*model.state_names, *model.parameter_names, *model.observable_names]
    for name in ids:
        if name in ("time", "avogadro") or not libsbml.SyntaxChecker.isValidSBMLSId(name):
            raise ModelError(
                f"{model.name}: the name {name!r} cannot be an SBML identifier here; allowed: "
                "a name other than 'time' and 'avogadro'.",
                field="name",
                value=name,
            )

    state_values = dict(zip(model.state_names, map(float, initial), strict=True))
    parameter_values = dict(zip(model.parameter_names, map(float, values), strict=True))
    later: dict[float, list[Dose | ParameterChange]] = {}
    for event in events:
        if isinstance(event, Infusion):
            continue  # below: an input parameter per infused compartment, switched by events
        if event.time == 0:
            if isinstance(event, Dose):
                state_values[event.target] += _number(event.amount)
            else:
                parameter_values.update({k: _number(v) for k, v in event.values.items()})
                for name, factor in event.scale.items():
                    parameter_values[name] *= _number(factor)
        else:
            later.setdefault(event.time, []).append(event)
    infusions = [event for event in events if isinstance(event, Infusion)]
    infused = sorted({infusion.target for infusion in infusions})
    switch_times = sorted({t for i in infusions for t in (i.start, i.end) if t > 0})
    switched = {
        name
        for group in later.values()
        for e in group
        if isinstance(e, ParameterChange)
        for name in e.names
    } | {name for condition in conditions for name in [*condition.set, *condition.scale]}

    document = libsbml.SBMLDocument(LEVEL, VERSION)
    sbml = document.createModel()
    model_id = re.sub(r"\W", "_", model.name.encode("ascii", "ignore").decode()).strip("_")
    model_id = re.sub(r"_+", "_", model_id) or "model"
    _ok(sbml.setId(model_id if model_id[0].isalpha() else f"m_{model_id}"), "model id")
    sbml.setName(model.name)
    _notes(
        sbml,
        [
            model.name,
            model.description,
            f"reference (references.bib key): {model.reference}" if model.reference else "",
            f"time unit: {model.time_unit}",
            "Exported by hemomodels: states are parameters with rate rules, observables are "
            "parameters with assignment rules; doses and parameter changes are events.",
        ],
    )
    _annotate(
        sbml,
        model.time_unit,
        kind="model",
        reference=model.reference,
        description=model.description,
    )
    units = _Units(sbml)
    time_unit = units(model.time_unit)
    if time_unit is not None:
        _ok(sbml.setTimeUnits(time_unit), "time units")

    def add_parameter(name: str, value: float, unit: str, constant: bool, lines, **extra: str):
        parameter = sbml.createParameter()
        _ok(parameter.setId(name), f"id {name}")
        _ok(parameter.setValue(float(value)), f"value of {name}")
        _ok(parameter.setConstant(constant), f"constant of {name}")
        unit_id = units(unit)
        if unit_id is not None:
            _ok(parameter.setUnits(unit_id), f"units of {name}")
        _notes(parameter, [*_unit_lines(unit, unit_id), *lines])
        _annotate(parameter, unit, **extra)
        return parameter

    for state, expression in zip(model.states, model.rhs, strict=True):
        element = add_parameter(
            state.name,
            state_values[state.name],
            state.unit,
            False,
            [f"state: {state.description}", f"default initial value: {state.initial!r}"],
            kind="state",
            nonnegative=str(state.nonnegative).lower(),
            **_display(state.latex, state.label),
        )
        element.setName(state.description)
        formula = sbml_formula(expression)
        if state.name in infused:
            rate_name = f"infusion_into_{state.name}"
            add_parameter(
                rate_name,
                infusion_inputs(infusions, 0.0).get(state.name, 0.0),
                f"({state.unit})/{model.time_unit}",
                False,
                [f"zero-order infusion rate into {state.name}, switched by events"],
                kind="input",
            )
            formula = f"({formula}) + {rate_name}"
        rule = sbml.createRateRule()
        _ok(rule.setVariable(state.name), f"rate rule of {state.name}")
        _ok(rule.setMath(_math(formula, sbml, state.name)), "rate rule math")

    for parameter in model.parameters:
        element = add_parameter(
            parameter.name,
            parameter_values[parameter.name],
            parameter.unit,
            parameter.name not in switched,
            [
                f"parameter: {parameter.description}",
                f"bounds: {parameter.bounds_text()}",
                f"source (references.bib key): {parameter.source}",
                f"provenance: {parameter.note}" if parameter.note else "",
            ],
            kind="parameter",
            bounds=parameter.bounds_text(),
            low=repr(parameter.bounds[0]),
            high=repr(parameter.bounds[1]),
            low_inclusive=str(parameter.low_inclusive).lower(),
            source=parameter.source,
            note=parameter.note,
            basis=parameter.basis,
            **_display(parameter.latex, parameter.label),
        )
        element.setName(parameter.description)

    for observable, expression in zip(model.observables, model.observable_expressions, strict=True):
        element = add_parameter(
            observable.name,
            0.0,
            observable.unit,
            False,
            [f"observable: {observable.description}"],
            kind="observable",
            **_display(observable.latex, observable.label),
        )
        element.unsetValue()
        element.setName(observable.description)
        rule = sbml.createAssignmentRule()
        _ok(rule.setVariable(observable.name), f"assignment rule of {observable.name}")
        _ok(
            rule.setMath(_math(sbml_formula(expression), sbml, observable.name)),
            "assignment rule math",
        )

    for number, (time, group) in enumerate(sorted(later.items()), start=1):
        event = sbml.createEvent()
        _ok(event.setId(f"event_{number}"), "event id")
        _ok(event.setUseValuesFromTriggerTime(True), "event useValuesFromTriggerTime")
        trigger = event.createTrigger()
        _ok(trigger.setInitialValue(True), "trigger initialValue")
        _ok(trigger.setPersistent(True), "trigger persistent")
        _ok(trigger.setMath(_math(f"time >= {time!r}", sbml, "trigger")), "trigger math")
        added: dict[str, float] = {}
        set_to: dict[str, str] = {}  # parameter: formula of its new value (in the old values)
        descriptions: list[str] = []
        for item in group:
            if isinstance(item, Dose):
                added[item.target] = added.get(item.target, 0.0) + _number(item.amount)
                continue
            for name, value in item.values.items():
                set_to[name] = repr(_number(value))
                descriptions.append(f"{name} set to {format_number(_number(value))}")
            for name, factor in item.scale.items():
                set_to[name] = f"({set_to.get(name, name)}) * {_number(factor)!r}"
                descriptions.append(f"{name} multiplied by {format_number(_number(factor))}")
        descriptions = [
            *(f"dose of {format_number(a)} into {t}" for t, a in added.items()),
            *descriptions,
        ]
        event.setName(f"t = {format_number(time)} {model.time_unit}: " + "; ".join(descriptions))
        for target, amount in added.items():
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(target), "event assignment")
            _ok(assignment.setMath(_math(f"{target} + {amount!r}", sbml, target)), "dose math")
        for name, formula in set_to.items():
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(name), "event assignment")
            _ok(assignment.setMath(_math(formula, sbml, name)), "parameter change math")

    for number, time in enumerate(switch_times, start=1):
        event = sbml.createEvent()
        _ok(event.setId(f"infusion_switch_{number}"), "event id")
        _ok(event.setUseValuesFromTriggerTime(True), "event useValuesFromTriggerTime")
        trigger = event.createTrigger()
        _ok(trigger.setInitialValue(True), "trigger initialValue")
        _ok(trigger.setPersistent(True), "trigger persistent")
        _ok(trigger.setMath(_math(f"time >= {time!r}", sbml, "trigger")), "trigger math")
        running = infusion_inputs(infusions, time)
        event.setName(f"t = {format_number(time)} {model.time_unit}: infusion rates change")
        for target in infused:
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(f"infusion_into_{target}"), "event assignment")
            rate = repr(float(running.get(target, 0.0)))
            _ok(assignment.setMath(_math(rate, sbml, target)), "infusion rate math")

    _condition_events(sbml, conditions, model, libsbml)
    return libsbml.writeSBMLToString(document)


def _condition_events(sbml: Any, conditions: tuple[When, ...], model: Model, libsbml: Any) -> None:
    """State-triggered events: a trigger on the variable's threshold (``initialValue`` false,
    so a variable already past it fires at time 0); a once-only event also sets a flag
    parameter that its trigger requires to be 0."""
    for number, condition in enumerate(conditions, start=1):
        sign = "<" if condition.direction == "below" else ">"
        trigger_math = f"{condition.variable} {sign} {condition.threshold!r}"
        if condition.once:
            flag = sbml.createParameter()
            _ok(flag.setId(f"condition_{number}_fired"), "flag id")
            _ok(flag.setValue(0.0), "flag value")
            _ok(flag.setConstant(False), "flag constant")
            flag.setName(f"whether condition {number} has fired (it fires once)")
            trigger_math = f"({trigger_math}) && (condition_{number}_fired == 0)"
        event = sbml.createEvent()
        _ok(event.setId(f"condition_{number}"), "event id")
        _ok(event.setUseValuesFromTriggerTime(True), "event useValuesFromTriggerTime")
        event.setName(condition.describe())
        if condition.label:  # read back by hemomodels.from_sbml
            _annotate(event, "", kind="condition", label=condition.label)
        trigger = event.createTrigger()
        _ok(trigger.setInitialValue(False), "trigger initialValue")
        _ok(trigger.setPersistent(True), "trigger persistent")
        _ok(trigger.setMath(_math(trigger_math, sbml, "trigger")), "trigger math")
        for target, amount in condition.dose.items():
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(target), "event assignment")
            formula = f"{target} + {_number(amount)!r}"
            _ok(assignment.setMath(_math(formula, sbml, target)), "dose math")
        for name, value in condition.set.items():
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(name), "event assignment")
            _ok(assignment.setMath(_math(repr(_number(value)), sbml, name)), "parameter math")
        for name, factor in condition.scale.items():
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(name), "event assignment")
            formula = f"{name} * {_number(factor)!r}"
            _ok(assignment.setMath(_math(formula, sbml, name)), "parameter scale math")
        if condition.once:
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(f"condition_{number}_fired"), "event assignment")
            _ok(assignment.setMath(_math("1", sbml, "flag")), "flag math")


def _number(value: float | PerPatient) -> float:
    """A checked number of an event (a PerPatient was refused by the checks, without a
    cohort table)."""
    assert not isinstance(value, PerPatient)
    return float(value)


def consistency_errors(text: str) -> list[str]:
    """Messages of the errors (not warnings) libSBML's consistency checks find in ``text``."""
    libsbml = _libsbml()
    document = libsbml.readSBMLFromString(text)
    document.checkConsistency()
    log = document.getErrorLog()
    return [
        f"{log.getError(i).getErrorId()}: {log.getError(i).getMessage().strip()}"
        for i in range(log.getNumErrors())
        if log.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
