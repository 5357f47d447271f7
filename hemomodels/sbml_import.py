"""Import SBML models (BioModels, COPASI, Antimony, tellurium …) as :class:`~hemomodels.Model`.

:func:`from_sbml` reads the document with python-libsbml and declares the same model as the
package's own: every piece of the file becomes a declaration, and SymPy then derives the
equations, the Jacobian and the steady states as for a packaged model.

What each SBML construct becomes:

* **Species** become states. A species whose ``hasOnlySubstanceUnits`` is false is a
  concentration (its amount divided by its compartment's size), so each reaction's rate (an
  amount per time) is divided by the size: ``d[S]/dt = Σ stoichiometry × rate / size``. A
  species with ``hasOnlySubstanceUnits`` is an amount. A *constant* species is a parameter; a
  boundary species keeps its value unless a rule or event changes it.
* **Compartments** (of constant size) and **global parameters** become parameters; **local
  parameters** of a kinetic law become parameters named ``reaction_parameter``.
* **Reactions** become observables (their rate, amount per time), so the displayed equations
  read ``d S/dt = -J1 / C`` with ``J1`` shown beside them.
* **Rate rules** become states (a parameter with a rate rule is a signed state); **assignment
  rules** become observables, ordered so that each uses only earlier ones.
* **Initial assignments** and **function definitions** are expanded by libSBML's converters:
  initial values are computed once, from the file's values, when the file is read (changing a
  parameter afterwards does not recompute them; the import's ``notes`` list every one).
* **Events** become :class:`~hemomodels.Dose`, :class:`~hemomodels.ParameterChange` and
  :class:`~hemomodels.When` objects (returned as ``doses``, to pass to
  :meth:`~hemomodels.Model.simulate`): a trigger ``time >= c`` is a scheduled event at ``c``; a
  trigger ``x < c`` or ``x > c`` on a state or observable is a :class:`~hemomodels.When`
  (repeatable; once-only when written as this package's exports write it, ``trigger && flag ==
  0`` with ``flag = 1``). An assignment ``x = x + amount`` to a state is a dose; ``k = value`` to
  a parameter is a parameter change.

Anything else (delays, algebraic rules, fast reactions, compartments that change size,
conversion factors, event delays and priorities, variable stoichiometry, constraints, resets of
a state to a value, functions without an equivalent) raises one :class:`~hemomodels.ModelError`
listing every unsupported construct and where it is; nothing is dropped silently.

SBML has no parameter bounds and often no units or sources. An imported parameter's bounds are
``(-∞, ∞)`` unless given (``bounds=``), its unit is the file's unit (or ``"unspecified"``) and
its source is the ``reference`` given (or the file's model id). Files written by
:func:`hemomodels.sbml.to_sbml` carry the package's annotations, so their units, bounds,
sources, notes and display names come back exactly.

Needs ``python-libsbml`` (``pip install 'hemomodels[sbml]'``).

Examples
--------
>>> import hemomodels as hm
>>> xml = hm.models.friberg2002().to_sbml()
>>> imported = hm.from_sbml(xml)
>>> imported.model.state_names
('Prol', 'Transit1', 'Transit2', 'Transit3', 'Circ', 'Conc')
"""

from __future__ import annotations

import keyword
import math
import os
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import sympy

from . import rules
from .doses import Dose, ParameterChange, When
from .errors import ModelError, invalid_value
from .model import Model
from .sbml import _NAMESPACE, _libsbml
from .spec import TIME, Observable, Parameter, State

__all__ = ["SBMLImport", "from_sbml"]

_UNSPECIFIED = "unspecified"
_AVOGADRO = 6.02214076e23


class SBMLImport(NamedTuple):
    """What :func:`from_sbml` returns.

    Attributes
    ----------
    model : Model
        The model, usable with the whole package (equations, steady states, cohorts, widgets).
    doses : tuple
        The file's events as :class:`~hemomodels.Dose`, :class:`~hemomodels.ParameterChange`
        and :class:`~hemomodels.When` objects: pass ``doses=imported.doses`` to
        :meth:`~hemomodels.Model.simulate` to run the file as written.
    notes : tuple of str
        What the import computed or assumed, in words (initial values computed from initial
        assignments, event amounts evaluated with the file's parameter values, events that can
        never fire).
    """

    model: Model
    doses: tuple[Dose | ParameterChange | When, ...]
    notes: tuple[str, ...]


class _Unsupported(Exception):
    """A construct :func:`from_sbml` cannot import (collected, then reported together)."""


# ---------------------------------------------------------------------------- MathML
def _unary(function: Callable[[sympy.Expr], sympy.Expr]) -> Callable[[list], sympy.Expr]:
    def build(args: list) -> sympy.Expr:
        if len(args) != 1:
            raise _Unsupported(f"{function} with {len(args)} arguments")
        return function(args[0])

    return build


def _root(args: list) -> sympy.Expr:
    return sympy.sqrt(args[0]) if len(args) == 1 else sympy.Pow(args[1], 1 / args[0])


def _log(args: list) -> sympy.Expr:
    return sympy.log(args[0], 10) if len(args) == 1 else sympy.log(args[1], args[0])


def _minus(args: list) -> sympy.Expr:
    return -args[0] if len(args) == 1 else args[0] - args[1]


def _relation(relation: type) -> Callable[[list], sympy.Basic]:
    def build(args: list) -> sympy.Basic:
        if len(args) < 2:
            raise _Unsupported(f"a relation with {len(args)} argument")
        return sympy.And(*(relation(a, b) for a, b in zip(args, args[1:], strict=False)))

    return build


def _piecewise(args: list) -> sympy.Expr:
    if len(args) % 2 == 0:
        raise _Unsupported("a piecewise function without an 'otherwise' value")
    pairs = [(args[k], args[k + 1]) for k in range(0, len(args) - 1, 2)]
    return sympy.Piecewise(*pairs, (args[-1], True))


def _operators() -> dict[int, Callable[[list], sympy.Basic]]:
    libsbml = _libsbml()
    return {
        libsbml.AST_PLUS: lambda a: sympy.Add(*a),
        libsbml.AST_TIMES: lambda a: sympy.Mul(*a),
        libsbml.AST_MINUS: _minus,
        libsbml.AST_DIVIDE: lambda a: a[0] / a[1],
        libsbml.AST_POWER: lambda a: sympy.Pow(a[0], a[1]),
        libsbml.AST_FUNCTION_POWER: lambda a: sympy.Pow(a[0], a[1]),
        libsbml.AST_FUNCTION_ROOT: _root,
        libsbml.AST_FUNCTION_LOG: _log,
        libsbml.AST_FUNCTION_LN: _unary(sympy.log),
        libsbml.AST_FUNCTION_EXP: _unary(sympy.exp),
        libsbml.AST_FUNCTION_ABS: _unary(sympy.Abs),
        libsbml.AST_FUNCTION_FLOOR: _unary(sympy.floor),
        libsbml.AST_FUNCTION_CEILING: _unary(sympy.ceiling),
        libsbml.AST_FUNCTION_SIN: _unary(sympy.sin),
        libsbml.AST_FUNCTION_COS: _unary(sympy.cos),
        libsbml.AST_FUNCTION_TAN: _unary(sympy.tan),
        libsbml.AST_FUNCTION_SEC: _unary(lambda x: 1 / sympy.cos(x)),
        libsbml.AST_FUNCTION_CSC: _unary(lambda x: 1 / sympy.sin(x)),
        libsbml.AST_FUNCTION_COT: _unary(lambda x: 1 / sympy.tan(x)),
        libsbml.AST_FUNCTION_ARCSIN: _unary(sympy.asin),
        libsbml.AST_FUNCTION_ARCCOS: _unary(sympy.acos),
        libsbml.AST_FUNCTION_ARCTAN: _unary(sympy.atan),
        libsbml.AST_FUNCTION_SINH: _unary(sympy.sinh),
        libsbml.AST_FUNCTION_COSH: _unary(sympy.cosh),
        libsbml.AST_FUNCTION_TANH: _unary(sympy.tanh),
        libsbml.AST_FUNCTION_MAX: lambda a: sympy.Max(*a),
        libsbml.AST_FUNCTION_MIN: lambda a: sympy.Min(*a),
        libsbml.AST_FUNCTION_PIECEWISE: _piecewise,
        libsbml.AST_RELATIONAL_LT: _relation(sympy.StrictLessThan),
        libsbml.AST_RELATIONAL_LEQ: _relation(sympy.LessThan),
        libsbml.AST_RELATIONAL_GT: _relation(sympy.StrictGreaterThan),
        libsbml.AST_RELATIONAL_GEQ: _relation(sympy.GreaterThan),
        libsbml.AST_RELATIONAL_EQ: _relation(sympy.Eq),
        libsbml.AST_RELATIONAL_NEQ: _relation(sympy.Ne),
        libsbml.AST_LOGICAL_AND: lambda a: sympy.And(*a),
        libsbml.AST_LOGICAL_OR: lambda a: sympy.Or(*a),
        libsbml.AST_LOGICAL_XOR: lambda a: sympy.Xor(*a),
        libsbml.AST_LOGICAL_NOT: lambda a: sympy.Not(*a),
    }


def _leaf(node: Any, names: Mapping[str, sympy.Expr]) -> sympy.Basic | None:
    """A number, constant or name, or None if ``node`` is an operator."""
    libsbml = _libsbml()
    kind = node.getType()
    if kind == libsbml.AST_INTEGER:
        return sympy.Integer(node.getInteger())
    if kind in (libsbml.AST_REAL, libsbml.AST_REAL_E):
        value = node.getReal()
        if not math.isfinite(value):
            raise _Unsupported(f"the number {value}")
        return sympy.Float(value)
    if kind == libsbml.AST_RATIONAL:
        return sympy.Rational(node.getNumerator(), node.getDenominator())
    constants = {
        libsbml.AST_NAME_TIME: TIME,
        libsbml.AST_NAME_AVOGADRO: sympy.Float(_AVOGADRO),
        libsbml.AST_CONSTANT_E: sympy.E,
        libsbml.AST_CONSTANT_PI: sympy.pi,
        libsbml.AST_CONSTANT_TRUE: sympy.true,
        libsbml.AST_CONSTANT_FALSE: sympy.false,
    }
    if kind in constants:
        return constants[kind]
    if kind == libsbml.AST_NAME:
        name = node.getName()
        if name not in names:
            raise _Unsupported(f"the name {name!r}, which is not a declared element")
        return names[name]
    return None


def _expression(node: Any, names: Mapping[str, sympy.Expr]) -> sympy.Basic:
    """The SymPy expression of a libSBML math node (names resolved through ``names``)."""
    if node is None:
        raise _Unsupported("missing math")
    leaf = _leaf(node, names)
    if leaf is not None:
        return leaf
    operators = _operators()
    kind = node.getType()
    if kind not in operators:
        label = node.getName() or _libsbml().formulaToL3String(node)
        raise _Unsupported(f"the function {label!r}")
    args = [_expression(node.getChild(k), names) for k in range(node.getNumChildren())]
    return operators[kind](args)


# ------------------------------------------------------------------------ metadata
def _annotation(element: Any) -> dict[str, str]:
    """The ``hemomodels:element`` annotation written by :func:`hemomodels.sbml.to_sbml`."""
    text = element.getAnnotationString() if element.isSetAnnotation() else ""
    if not text:
        return {}
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return {}
    found = root.find(f"{{{_NAMESPACE}}}element")
    return dict(found.attrib) if found is not None else {}


def _unit_text(sbml: Any, unit_id: str) -> str:
    """A unit id of the file in words: its unit definition's name, else the id."""
    if not unit_id:
        return _UNSPECIFIED
    if unit_id == "dimensionless":
        return "1"
    definition = sbml.getUnitDefinition(unit_id)
    if definition is not None and definition.isSetName():
        return definition.getName()
    return unit_id


def _description(element: Any) -> str:
    return element.getName() if element.isSetName() else element.getId()


@dataclass
class _Reader:
    """The state of one import: declarations collected so far and the problems found."""

    sbml: Any
    reference: str
    bounds: Mapping[str, tuple[float, float]]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    names: dict[str, sympy.Expr] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    parameters: list[Parameter] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    rhs: dict[str, sympy.Expr] = field(default_factory=dict)
    observables: dict[str, tuple[sympy.Expr, Any, str]] = field(default_factory=dict)
    sizes: dict[str, str] = field(default_factory=dict)  # species -> compartment (concentration)
    declared: set[str] = field(default_factory=set)  # every parameter read, even one refused

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def math(
        self, node: Any, where: str, local: Mapping[str, sympy.Expr] | None = None
    ) -> sympy.Basic | None:
        try:
            return _expression(node, {**self.names, **(local or {})})
        except _Unsupported as error:
            self.problem(where, str(error))
            return None

    # -- declarations
    def parameter(self, element: Any, value: float, unit: str, description: str) -> None:
        name = element.getId()
        extra = _annotation(element)
        self.declared.add(name)
        if name in self.bounds:  # given by the caller: they win over the file's annotation
            (low, high), low_inclusive = self.bounds[name], True
        elif extra.get("kind") == "parameter":
            low, high = float(extra["low"]), float(extra["high"])
            low_inclusive = extra.get("low_inclusive", "true") == "true"
        else:
            low, high, low_inclusive = -math.inf, math.inf, True
        try:
            declared = Parameter(
                name,
                value,
                extra.get("unit", unit),
                (low, high),
                description,
                extra.get("source") or self.reference,
                latex=extra.get("latex"),
                note=extra.get("note", ""),
                low_inclusive=low_inclusive,
                label=extra.get("label"),
                basis=extra.get("basis", ""),
            )
        except ModelError as error:
            self.problem(f"parameter {name!r}", str(error))
            return
        self.parameters.append(declared)
        self.names[name] = declared.symbol
        self.values[name] = value

    def state(self, element: Any, initial: float, unit: str, *, signed: bool) -> None:
        name = element.getId()
        extra = _annotation(element)
        nonnegative = extra.get("nonnegative", "false" if signed else "true") == "true"
        try:
            declared = State(
                name,
                _description(element),
                extra.get("unit", unit),
                initial,
                latex=extra.get("latex"),
                nonnegative=nonnegative,
                label=extra.get("label"),
            )
        except ModelError as error:
            self.problem(f"state {name!r}", str(error))
            return
        self.states.append(declared)
        self.names[name] = declared.symbol
        self.rhs[name] = sympy.Integer(0)


def _check_identifier(reader: _Reader, name: str, kind: str) -> None:
    if name == "t" or not name.isidentifier() or keyword.iskeyword(name):
        reader.problem(
            f"{kind} {name!r}",
            "the id is reserved here ('t' is time; Python keywords cannot be names); rename it "
            "in the file",
        )


# ---------------------------------------------------------------------- reading steps
def _read_document(source: str | os.PathLike) -> Any:
    libsbml = _libsbml()
    text = os.fspath(source)
    if isinstance(source, str) and text.lstrip().startswith("<"):
        document = libsbml.readSBMLFromString(text)
    else:
        path = Path(text)
        if not path.is_file():
            raise ModelError(
                f"SBML import: {text!r} is neither SBML text nor an existing file.",
                field="source",
                value=text,
            )
        document = libsbml.readSBMLFromFile(str(path))
    log = document.getErrorLog()
    errors = [
        log.getError(k).getMessage().strip()
        for k in range(log.getNumErrors())
        if log.getError(k).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    if errors or document.getModel() is None:
        raise ModelError(
            "SBML import: the document cannot be read: " + ("; ".join(errors) or "no model") + ".",
            field="source",
            value=errors,
        )
    return document


def _expand(document: Any) -> list[str]:
    """Expand function definitions and initial assignments with libSBML's converters."""
    libsbml = _libsbml()
    notes = []
    sbml = document.getModel()
    assigned = [a.getSymbol() for a in sbml.getListOfInitialAssignments()]
    for option in ("expandFunctionDefinitions", "expandInitialAssignments"):
        properties = libsbml.ConversionProperties()
        properties.addOption(option, True)
        if document.convert(properties) != libsbml.LIBSBML_OPERATION_SUCCESS:
            raise ModelError(
                f"SBML import: libSBML could not apply {option!r} to this file.",
                field="source",
                value=option,
            )
    if assigned:
        notes.append(
            "Initial values computed from the file's initial assignments (once, with the "
            f"file's values): {', '.join(assigned)}."
        )
    return notes


def _refuse_unsupported_parts(reader: _Reader) -> None:
    sbml = reader.sbml
    if sbml.getNumConstraints():
        reader.problem("constraints", f"{sbml.getNumConstraints()} constraint(s) (not supported)")
    if sbml.isSetConversionFactor():
        reader.problem("model", "a conversion factor (not supported)")
    for rule in sbml.getListOfRules():
        if rule.isAlgebraic():
            reader.problem("algebraic rule", _libsbml().formulaToL3String(rule.getMath()))
    for compartment in sbml.getListOfCompartments():
        variable = compartment.getId()
        if sbml.getRule(variable) is not None or any(
            e.getEventAssignment(variable) is not None for e in sbml.getListOfEvents()
        ):
            reader.problem(f"compartment {variable!r}", "its size changes (not supported)")


def _compartments_and_parameters(reader: _Reader) -> None:
    sbml = reader.sbml
    rate_rules = {r.getVariable() for r in sbml.getListOfRules() if r.isRate()}
    assigned = {r.getVariable() for r in sbml.getListOfRules() if r.isAssignment()}
    for compartment in sbml.getListOfCompartments():
        _check_identifier(reader, compartment.getId(), "compartment")
        if not compartment.isSetSize():
            reader.problem(f"compartment {compartment.getId()!r}", "no size")
            continue
        reader.parameter(
            compartment,
            float(compartment.getSize()),
            _unit_text(sbml, compartment.getUnits()),
            f"Size of compartment {_description(compartment)}",
        )
    for element in sbml.getListOfParameters():
        name = element.getId()
        _check_identifier(reader, name, "parameter")
        if name in assigned:
            continue  # an observable
        unit = _unit_text(sbml, element.getUnits())
        if not element.isSetValue():
            reader.problem(f"parameter {name!r}", "no value, and no initial assignment")
        elif name in rate_rules:
            reader.state(element, float(element.getValue()), unit, signed=True)
        else:
            reader.parameter(element, float(element.getValue()), unit, _description(element))


def _species_unit(reader: _Reader, species: Any) -> str:
    sbml = reader.sbml
    substance = species.getSubstanceUnits() or sbml.getSubstanceUnits()
    amount = _unit_text(sbml, substance)
    if species.getHasOnlySubstanceUnits():
        return amount
    compartment = sbml.getCompartment(species.getCompartment())
    size = _unit_text(sbml, compartment.getUnits() if compartment else "")
    if _UNSPECIFIED in (amount, size):
        return _UNSPECIFIED
    return f"({amount})/({size})"


def _species(reader: _Reader) -> None:
    sbml = reader.sbml
    rate_rules = {r.getVariable() for r in sbml.getListOfRules() if r.isRate()}
    assigned = {r.getVariable() for r in sbml.getListOfRules() if r.isAssignment()}
    for species in sbml.getListOfSpecies():
        name = species.getId()
        where = f"species {name!r}"
        _check_identifier(reader, name, "species")
        if species.isSetConversionFactor():
            reader.problem(where, "a conversion factor (not supported)")
        if name in assigned:
            continue  # an observable
        compartment = sbml.getCompartment(species.getCompartment())
        size = float(compartment.getSize()) if compartment and compartment.isSetSize() else None
        concentration = not species.getHasOnlySubstanceUnits()
        if species.isSetInitialConcentration():
            value = species.getInitialConcentration()
            initial = value if concentration else (value * size if size else None)
        elif species.isSetInitialAmount():
            value = species.getInitialAmount()
            initial = value / size if concentration and size else (None if concentration else value)
        else:
            initial = None
        if initial is None or not math.isfinite(initial):
            reader.problem(where, "no initial amount or concentration (or no compartment size)")
            continue
        unit = _species_unit(reader, species)
        if species.getConstant() and name not in rate_rules:
            reader.parameter(species, float(initial), unit, _description(species))
            continue
        reader.state(species, float(initial), unit, signed=False)
        if concentration and not species.getBoundaryCondition() and name not in rate_rules:
            reader.sizes[name] = species.getCompartment()


def _declare_derived_names(reader: _Reader) -> None:
    """Symbols for assignment-rule variables and reaction ids (observables), so that any
    kinetic law, rule or trigger can use them whatever order the file lists them in."""
    sbml = reader.sbml
    derived = [r.getVariable() for r in sbml.getListOfRules() if r.isAssignment()]
    derived += [reaction.getId() for reaction in sbml.getListOfReactions()]
    for name in derived:
        if sbml.getCompartment(name) is None:
            reader.names[name] = sympy.Symbol(name, real=True)


def _local_names(reader: _Reader, reaction: Any) -> dict[str, sympy.Expr]:
    """Local parameters of a kinetic law, declared as ``reaction_parameter``."""
    law = reaction.getKineticLaw()
    local = {}
    for element in law.getListOfLocalParameters() or law.getListOfParameters():
        name = f"{reaction.getId()}_{element.getId()}"
        if name in reader.names:
            reader.problem(f"reaction {reaction.getId()!r}", f"local name {name!r} is taken")
            continue
        reader.declared.add(name)
        try:
            declared = Parameter(
                name,
                float(element.getValue()),
                _unit_text(reader.sbml, element.getUnits()),
                reader.bounds.get(name, (-math.inf, math.inf)),
                f"{_description(element)} (local to reaction {reaction.getId()})",
                reader.reference,
            )
        except ModelError as error:
            reader.problem(f"parameter {name!r}", str(error))
            continue
        reader.parameters.append(declared)
        reader.names[name] = declared.symbol
        local[element.getId()] = declared.symbol
        reader.values[name] = float(element.getValue())
    return local


def _reactions(reader: _Reader) -> None:
    sbml = reader.sbml
    for reaction in sbml.getListOfReactions():
        name = reaction.getId()
        where = f"reaction {name!r}"
        _check_identifier(reader, name, "reaction")
        if reaction.isSetFast() and reaction.getFast():
            reader.problem(where, "a fast reaction (not supported)")
        if reaction.getKineticLaw() is None:
            reader.problem(where, "no kinetic law")
            continue
        local = _local_names(reader, reaction)
        rate = reader.math(reaction.getKineticLaw().getMath(), where, local)
        if rate is None:
            continue
        reader.observables[name] = (rate, reaction, "reaction")
        reader.names[name] = sympy.Symbol(name, real=True)
        for references, sign in (
            (reaction.getListOfReactants(), -1),
            (reaction.getListOfProducts(), 1),
        ):
            for reference in references:
                _stoichiometry(reader, reference, sign, name)


def _stoichiometry(reader: _Reader, reference: Any, sign: int, reaction: str) -> None:
    species = reference.getSpecies()
    where = f"reaction {reaction!r}, species {species!r}"
    if reference.isSetStoichiometryMath() if hasattr(reference, "isSetStoichiometryMath") else 0:
        reader.problem(where, "stoichiometry given by math (not supported)")
        return
    if reference.isSetId() and (
        reader.sbml.getRule(reference.getId()) is not None
        or any(e.getEventAssignment(reference.getId()) for e in reader.sbml.getListOfEvents())
    ):
        reader.problem(where, "a stoichiometry that changes (not supported)")
        return
    stoichiometry = reference.getStoichiometry() if reference.isSetStoichiometry() else 1.0
    if species not in reader.rhs or reader.sbml.getSpecies(species).getBoundaryCondition():
        return  # boundary or constant species: reactions do not change it
    term = sympy.Integer(sign) * sympy.nsimplify(stoichiometry) * sympy.Symbol(reaction, real=True)
    if species in reader.sizes:
        term = term / reader.names[reader.sizes[species]]
    reader.rhs[species] += term


def _rules(reader: _Reader) -> None:
    sbml = reader.sbml
    for rule in sbml.getListOfRules():
        variable = rule.getVariable()
        where = f"rule for {variable!r}"
        if rule.isAlgebraic() or sbml.getCompartment(variable) is not None:
            continue  # refused above
        expression = reader.math(rule.getMath(), where)
        if expression is None:
            continue
        if rule.isRate():
            if variable in reader.rhs:
                reader.rhs[variable] = expression
            else:
                reader.problem(where, "a rate rule for an element that is not a state")
        else:
            element = sbml.getElementBySId(variable)
            reader.observables[variable] = (expression, element, "rule")
            reader.names[variable] = sympy.Symbol(variable, real=True)


def _observables(reader: _Reader) -> list[Observable]:
    """Reactions and assignment rules as observables, each after those it uses."""
    pending = dict(reader.observables)
    ordered: list[Observable] = []
    while pending:
        ready = [
            name
            for name, (expression, _, _) in pending.items()
            if not ({str(s) for s in expression.free_symbols} & (set(pending) - {name}))
        ]
        if not ready:
            reader.problem("assignment rules", f"circular: {', '.join(sorted(pending))}")
            return ordered
        for name in ready:
            expression, element, kind = pending.pop(name)
            if name in {str(s) for s in expression.free_symbols}:
                reader.problem(f"rule for {name!r}", "it uses its own value")
                continue
            extra = _annotation(element) if element is not None else {}
            if kind == "reaction":
                unit = "amount per time unit"
                description = f"Rate of reaction {_description(element)}"
            else:
                unit = extra.get("unit") or _rule_unit(reader, element)
                description = _description(element) if element is not None else name
            ordered.append(
                Observable(
                    name,
                    expression,
                    unit,
                    description,
                    latex=extra.get("latex"),
                    label=extra.get("label"),
                )
            )
    return ordered


def _rule_unit(reader: _Reader, element: Any) -> str:
    if element is None:
        return _UNSPECIFIED
    if element.getTypeCode() == _libsbml().SBML_SPECIES:
        return _species_unit(reader, element)
    return _unit_text(reader.sbml, element.getUnits() if hasattr(element, "getUnits") else "")


# ----------------------------------------------------------------------------- events
def _constant_value(reader: _Reader, expression: sympy.Basic, where: str) -> float | None:
    """A number from an expression of constant parameters (evaluated with the file's values)."""
    states = {s.symbol for s in reader.states} | {TIME}
    observables = {sympy.Symbol(name, real=True) for name in reader.observables}
    if expression.free_symbols & (states | observables):
        reader.problem(where, f"{expression} depends on the state (not supported)")
        return None
    values = {reader.names[name]: value for name, value in reader.values.items()}
    number = expression.xreplace(values)
    if not number.is_number:
        reader.problem(where, f"{expression} is not a number")
        return None
    if expression.free_symbols:
        reader.notes.append(f"{where}: {expression} evaluated with the file's values: {number}.")
    return float(number)


def _once_flag(reader: _Reader, trigger: sympy.Basic, event: Any) -> tuple[sympy.Basic, str | None]:
    """Split this package's once-only pattern ``condition && flag == 0``, where the flag is a
    parameter that starts at 0, is set to 1 by this event and by no other, and is used nowhere
    else (checked in :func:`_check_flags`)."""
    if not isinstance(trigger, sympy.And) or len(trigger.args) != 2:
        return trigger, None
    for flag_test, condition in (trigger.args, trigger.args[::-1]):
        if isinstance(flag_test, sympy.Eq) and flag_test.rhs == 0:
            flag = str(flag_test.lhs)
            assignment = event.getEventAssignment(flag)
            setting = _libsbml().formulaToL3String(assignment.getMath()) if assignment else ""
            if setting in ("1", "1.0") and reader.values.get(flag) == 0.0:
                return condition, flag
    return trigger, None


def _check_flags(reader: _Reader, flags: set[str]) -> None:
    """A once-only flag must be used by its own event's trigger and assignment only."""
    used = {
        str(symbol)
        for expression in (*reader.rhs.values(), *(e for e, _, _ in reader.observables.values()))
        for symbol in expression.free_symbols
    }
    for flag in sorted(flags):
        assigners = [
            e for e in reader.sbml.getListOfEvents() if e.getEventAssignment(flag) is not None
        ]
        if flag in used or len(assigners) > 1:
            reader.problem(
                f"parameter {flag!r}",
                "a once-only flag that other equations or events also use (not supported)",
            )


def _threshold(
    reader: _Reader, trigger: sympy.Basic, where: str
) -> tuple[sympy.Basic, str, float] | None:
    """``(variable, "below" | "above", threshold)`` of a trigger ``x < c`` or ``c > x`` ….."""
    if not isinstance(trigger, sympy.core.relational.Relational) or isinstance(
        trigger, (sympy.Eq, sympy.Ne)
    ):
        reader.problem(where, f"the trigger {trigger} (allowed: x < c, x > c, time >= c)")
        return None
    below = isinstance(trigger, (sympy.StrictLessThan, sympy.LessThan))
    left, right = trigger.lhs, trigger.rhs
    if not isinstance(left, sympy.Symbol):
        left, right, below = right, left, not below
    if not isinstance(left, sympy.Symbol):
        reader.problem(where, f"the trigger {trigger} (allowed: x < c, x > c, time >= c)")
        return None
    value = _constant_value(reader, right, where)
    if value is None:
        return None
    return left, ("below" if below else "above"), value


def _assignments(
    reader: _Reader, event: Any, where: str, skip: str | None
) -> tuple[dict[str, float], dict[str, float]]:
    """``(doses, parameter values)`` of an event's assignments."""
    doses: dict[str, float] = {}
    values: dict[str, float] = {}
    state_names = {s.name for s in reader.states}
    for assignment in event.getListOfEventAssignments():
        variable = assignment.getVariable()
        if variable == skip:
            continue
        here = f"{where}, assignment to {variable!r}"
        expression = reader.math(assignment.getMath(), here)
        if expression is None:
            continue
        if variable in state_names:
            amount = _constant_value(reader, expression - reader.names[variable], here)
            if amount is not None and amount < 0:
                reader.problem(here, f"removes {-amount:g} (only additions are doses)")
            elif amount is not None:
                doses[variable] = amount
        elif variable in reader.values:
            value = _constant_value(reader, expression, here)
            if value is not None:
                values[variable] = value
        else:
            reader.problem(here, "an assignment to an element that is not a state or parameter")
    return doses, values


def _events(reader: _Reader) -> list[Dose | ParameterChange | When]:
    events: list[Dose | ParameterChange | When] = []
    flags: set[str] = set()
    for number, event in enumerate(reader.sbml.getListOfEvents(), start=1):
        where = f"event {event.getId() or number!r}"
        if event.isSetDelay():
            reader.problem(where, "a delay (not supported)")
        if event.isSetPriority():
            reader.problem(where, "a priority (not supported)")
        trigger_element = event.getTrigger()
        trigger = reader.math(trigger_element.getMath() if trigger_element else None, where)
        if trigger is None:
            continue
        trigger, flag = _once_flag(reader, trigger, event)
        parsed = _threshold(reader, trigger, where)
        if parsed is None:
            continue
        variable, direction, threshold = parsed
        doses, values = _assignments(reader, event, where, flag)
        if variable == TIME:
            events += _timed(reader, where, trigger_element, direction, threshold, doses, values)
            continue
        watched = {s.name for s in reader.states} | set(reader.observables)
        if str(variable) not in watched:
            reader.problem(where, f"a trigger on {variable}, which is not a state or observable")
            continue
        if flag:
            flags.add(flag)
        if not doses and not values:
            continue  # every assignment was refused (recorded), or there was none
        if trigger_element.getInitialValue():
            if _true_at_start(reader, trigger):
                reader.problem(
                    where,
                    f"its trigger {trigger} is true at time 0 and initialValue is true, so the "
                    "file never fires it at time 0; the package's When would (not supported)",
                )
                continue
            reader.notes.append(
                f"{where}: if {variable} is made to start {direction} {threshold:g} (e.g. a "
                "changed initial value), the imported event fires at time 0; the file's "
                "(initialValue true) would not."
            )
        events.append(
            When(
                str(variable),
                below=threshold if direction == "below" else None,
                above=threshold if direction == "above" else None,
                dose=doses,
                set=values,
                once=flag is not None,
                label=_annotation(event).get("label")
                or (event.getName() if event.isSetName() else ""),
            )
        )
    _check_flags(reader, flags)
    reader.parameters = [p for p in reader.parameters if p.name not in flags]
    return events


def _true_at_start(reader: _Reader, trigger: sympy.Basic) -> bool:
    """Whether a trigger holds at time 0, with the file's initial values."""
    values: dict[sympy.Basic, Any] = {s.symbol: s.initial for s in reader.states}
    values.update({reader.names[n]: v for n, v in reader.values.items()})
    values[TIME] = 0
    for name, (expression, _, _) in reader.observables.items():
        values[sympy.Symbol(name, real=True)] = expression
    for _ in range(len(reader.observables) + 1):  # observables may use earlier observables
        trigger = trigger.xreplace(values)
    return bool(trigger == sympy.true)


def _timed(
    reader: _Reader,
    where: str,
    trigger: Any,
    direction: str,
    time: float,
    doses: dict[str, float],
    values: dict[str, float],
) -> list[Dose | ParameterChange | When]:
    if direction != "above":
        reader.problem(where, "a trigger time < c (allowed: time >= c)")
        return []
    if time <= 0 and trigger.getInitialValue():
        reader.notes.append(f"{where}: its trigger is true from the start, so it never fires.")
        return []
    time = max(time, 0.0)
    events: list[Dose | ParameterChange | When] = [Dose(time, t, a) for t, a in doses.items()]
    if values:
        events.append(ParameterChange(time, values))
    return events


def _checked_bounds(bounds: Any) -> dict[str, tuple[float, float]]:
    """The caller's bounds, each a pair of numbers (low < high), or one clear error."""
    if bounds is None:
        return {}
    if not isinstance(bounds, Mapping):
        raise invalid_value("bounds", bounds, "a mapping of parameter names to (low, high)", None)
    checked = {}
    for name, pair in bounds.items():
        if (
            not isinstance(pair, (tuple, list))
            or len(pair) != 2
            or not all(rules.is_number(b) and not math.isnan(float(b)) for b in pair)
            or not float(pair[0]) < float(pair[1])
        ):
            raise invalid_value(
                f"bounds[{name!r}]", pair, "two numbers (low, high) with low < high", None
            )
        checked[str(name)] = (float(pair[0]), float(pair[1]))
    return checked


# --------------------------------------------------------------------------- public
def from_sbml(
    source: str | os.PathLike,
    *,
    reference: str | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    time_unit: str | None = None,
) -> SBMLImport:
    """Read an SBML model (a file path or the SBML text) as a :class:`~hemomodels.Model`.

    Parameters
    ----------
    source : str or os.PathLike
        Path of an ``.xml`` / ``.sbml`` file, or the SBML document itself (text starting with
        ``<``). Any SBML level and version libSBML reads.
    reference : str, optional
        Source key given to every parameter the file does not annotate (SBML has no
        literature source per value); default: ``"sbml:<model id>"``.
    bounds : mapping of str to (float, float), optional
        Bounds of named parameters (SBML states none); others get ``(-∞, ∞)``.
    time_unit : str, optional
        The model's time unit, if the file does not state it (its ``timeUnits``); default:
        the file's, else ``"time unit of the SBML file"``.

    Returns
    -------
    SBMLImport
        ``(model, doses, notes)``: run the file as written with
        ``imported.model.simulate(t_end, doses=imported.doses)``.

    Raises
    ------
    ModelError
        A path that does not exist, a document libSBML reports errors in, or one listing
        every construct the package cannot import (see the module's notes).

    Examples
    --------
    >>> import hemomodels as hm
    >>> text = hm.models.friberg2002().to_sbml(doses=[hm.Dose(24.0, "Conc", 10.0)])
    >>> model, doses, notes = hm.from_sbml(text)
    >>> doses
    (Dose(time=24.0, target='Conc', amount=10.0),)
    >>> result = model.simulate(48.0, doses=doses)
    """
    checked_bounds = _checked_bounds(bounds)
    if reference is not None and (not isinstance(reference, str) or not reference.strip()):
        raise invalid_value("reference", reference, "a non-empty text (str)", None)
    if time_unit is not None and (not isinstance(time_unit, str) or not time_unit.strip()):
        raise invalid_value("time_unit", time_unit, "a non-empty text (str), e.g. 'day'", None)
    document = _read_document(source)
    notes = _expand(document)
    sbml = document.getModel()
    model_id = sbml.getId() or "model"
    reader = _Reader(sbml, reference or f"sbml:{model_id}", checked_bounds, notes=notes)
    _refuse_unsupported_parts(reader)
    _compartments_and_parameters(reader)
    _species(reader)
    _declare_derived_names(reader)
    _reactions(reader)
    _rules(reader)
    observables = _observables(reader)
    doses = _events(reader)
    unknown = set(reader.bounds) - reader.declared
    if unknown:
        reader.problem("bounds", f"not parameters of the model: {', '.join(sorted(unknown))}")
    if reader.problems:
        raise ModelError(
            f"SBML import of {model_id!r}: unsupported or invalid constructs:\n  - "
            + "\n  - ".join(reader.problems),
            field="source",
            value=reader.problems,
        )
    model_annotation = _annotation(sbml)
    unit = time_unit or model_annotation.get("unit") or _unit_text(sbml, sbml.getTimeUnits())
    model = Model(
        sbml.getName() if sbml.isSetName() else model_id,
        states=reader.states,
        parameters=reader.parameters,
        rhs=reader.rhs,
        observables=observables,
        time_unit="time unit of the SBML file" if unit == _UNSPECIFIED else unit,
        description=model_annotation.get("description")
        or f"Imported from the SBML model {model_id!r}.",
        reference=model_annotation.get("reference", reference or ""),
    )
    return SBMLImport(model, tuple(doses), tuple(reader.notes))
