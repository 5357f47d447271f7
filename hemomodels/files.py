"""Save and load models and simulation results as documented, plain-text files.

A model is written as a JSON document of its *declaration* (what was passed to
:class:`~hemomodels.Model`), from which everything else is derived again when it is loaded. A
result is written as a tidy CSV table (the frame of :meth:`hemomodels.Result.to_frame`) with
a JSON file of metadata next to it. Both can be read by any tool, edited by hand and kept
with a paper's supplementary material.

Model document
--------------
One JSON object with the fields

``format``, ``version``
    ``"hemomodels-model"`` and :data:`FORMAT_VERSION`; any other is refused.
``hemomodels_version``
    The version of the package that wrote the file (for the record; not checked).
``name``, ``time_unit``, ``description``, ``reference``, ``max_time``, ``solve_symbolically``
    As in :class:`~hemomodels.Model`.
``states``, ``parameters``
    Lists of objects with the fields of :class:`~hemomodels.State` and
    :class:`~hemomodels.Parameter`; ``bounds`` is ``[low, high]``, where an infinite bound
    is written ``"inf"`` or ``"-inf"`` (JSON has no infinity).
``observables``
    Objects with the fields of :class:`~hemomodels.Observable`, ``expression`` a tree.
``flows``
    Objects with ``source`` and ``target`` (a state's name, or ``null`` for the outside),
    ``rate`` (a tree) and ``description``.
``rhs``, ``display``
    Plain right-hand-side terms (without the flows) and display forms, as trees by state
    or observable name.
``diagram_layout``
    The fields of :class:`hemomodels.diagram.DiagramLayout`: ``groups`` as
    ``[title, [state names]]`` pairs, ``inputs`` as ``[name, label]`` pairs, ``losses``,
    ``direction`` and ``wrap``.

Only ``format``, ``version``, ``name``, ``states`` and ``parameters`` are required: a field
left out takes the default of :class:`~hemomodels.Model`; an unknown field is refused (it
is most likely a typing error).

Expressions
-----------
A SymPy expression is written as a tree of JSON objects, never as program text:

* ``{"symbol": "stem_cells"}``: a declared state, parameter or observable, or ``"t"``
  (``hemomodels.TIME``); symbols come back with their declared assumptions.
* ``{"integer": 2}``, ``{"rational": [1, 2]}`` and ``{"float": "0.85"}``: numbers, exactly.
  A float is the shortest text that reads back as the same binary number; a SymPy ``Float``
  more precise than a double also has ``"precision"`` (in bits).
* ``{"constant": "pi"}``: one of :data:`CONSTANTS`.
* ``{"fn": "Mul", "args": [...]}``: one of :data:`FUNCTIONS` (arithmetic, switches, logic
  and every function a model may simulate) applied to its arguments, in order.

Trees are rebuilt without evaluation, so every expression, including display forms written
in a textbook's order, comes back structurally identical (``==`` in SymPy).

Results
-------
``save_result(result, "run.csv")`` writes two files. ``run.csv`` is the tidy table: columns
``time``, ``variable``, ``value`` (a cohort has ``patient`` first), one row per output time,
variable and patient, numbers in their shortest exact form (an undefined observable is an
empty cell). ``run.json`` holds ``format`` (``"hemomodels-result"``), ``version``,
``hemomodels_version``, ``time_unit``, ``units`` (by variable), ``variables``,
``n_times``, ``cohort``, ``n_patients``, ``parameter_names``, ``pieces`` (every stretch of
constant parameters: ``start``, ``end`` and ``parameters`` by name, one value or, for a
cohort, one value per patient), ``solver`` (the fields of
:class:`~hemomodels.solver.SolverStats`, triggered events as ``{"time", "event"}``) and
``model`` (the model document). Two files rather than one: the table is what readers open in
a spreadsheet or read with ``pandas.read_csv``, and it stays a plain table; everything that
is not a table is in the metadata.

Safety
------
Loading reads data and never runs code: no text is parsed as Python or as a SymPy formula,
only the listed functions are rebuilt, and the declaration is checked as when a model is
declared in code (a parameter value outside its bounds raises a
:class:`~hemomodels.ModelError` naming the parameter). Models and results can also be
pickled (e.g. for a process pool), but loading a pickle runs code and ties the file to the
package's internals: keep and share these files instead.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import sympy
from mpmath.libmp import repr_dps, to_str  # type: ignore[import-untyped]

from . import rules
from .compile import SUPPORTED_FUNCTIONS
from .errors import ModelError, shown, unknown_name
from .model import Model
from .result import Result
from .solver import SolverStats
from .spec import TIME, Flow, Observable, Parameter, State

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONSTANTS",
    "FORMAT_VERSION",
    "FUNCTIONS",
    "MODEL_FORMAT",
    "RESULT_FORMAT",
    "load_model",
    "load_result",
    "model_from_dict",
    "model_to_dict",
    "save_model",
    "save_result",
]

#: ``format`` of a model document.
MODEL_FORMAT = "hemomodels-model"
#: ``format`` of a result's metadata.
RESULT_FORMAT = "hemomodels-result"
#: The version of both formats this package writes and reads.
FORMAT_VERSION = 1

_OPERATIONS: tuple[type, ...] = (
    sympy.Add,
    sympy.Mul,
    sympy.Pow,
    sympy.Piecewise,
    sympy.functions.elementary.piecewise.ExprCondPair,
    sympy.Eq,
    sympy.Ne,
    sympy.Lt,
    sympy.Le,
    sympy.Gt,
    sympy.Ge,
    sympy.And,
    sympy.Or,
    sympy.Not,
    sympy.UnevaluatedExpr,
)
#: Functions an expression tree may use, by name: arithmetic, Piecewise and its conditions,
#: ``UnevaluatedExpr`` and every function a model may simulate
#: (:data:`hemomodels.compile.SUPPORTED_FUNCTIONS`).
FUNCTIONS: Mapping[str, type] = MappingProxyType(
    {cls.__name__: cls for cls in (*_OPERATIONS, *SUPPORTED_FUNCTIONS)}
)
#: Named constants an expression tree may use.
CONSTANTS: Mapping[str, sympy.Basic] = MappingProxyType(
    {
        "pi": sympy.pi,
        "E": sympy.E,
        "oo": sympy.oo,
        "-oo": -sympy.oo,
        "zoo": sympy.zoo,
        "nan": sympy.nan,
        "true": sympy.true,
        "false": sympy.false,
    }
)
#: Built from their arguments alone (their constructors take no ``evaluate``).
_NOT_EVALUATED = (sympy.functions.elementary.piecewise.ExprCondPair, sympy.UnevaluatedExpr)
#: Bits of a double: a Float of this precision is written as a Python float's text.
_DOUBLE = 53

Declared = TypeVar("Declared")


# ------------------------------------------------------------------- expressions → JSON
def _float_tree(number: sympy.Float) -> dict[str, Any]:
    """A Float as its shortest exact text (plus its precision if it is not a double)."""
    value = float(number)
    if number._prec == _DOUBLE and math.isfinite(value):
        if sympy.Float(value)._mpf_ == number._mpf_:
            return {"float": repr(value)}
    return {"float": to_str(number._mpf_, repr_dps(number._prec)), "precision": number._prec}


def _tree(expression: sympy.Basic, symbols: Mapping[str, sympy.Symbol], where: str) -> Any:
    """The JSON tree of ``expression``; a symbol must be one of ``symbols``."""
    if type(expression) is sympy.Symbol:
        if symbols.get(expression.name) != expression:
            raise ModelError(
                f"{where}: the symbol {expression.name!r} is not a declared state, parameter "
                "or observable (or has other assumptions than the declared one), so it cannot "
                "be written to a file.",
                field=where,
                value=expression.name,
            )
        return {"symbol": expression.name}
    if isinstance(expression, sympy.Integer):
        return {"integer": int(expression)}
    if isinstance(expression, sympy.Rational):
        return {"rational": [int(expression.p), int(expression.q)]}
    if isinstance(expression, sympy.Float):
        return _float_tree(expression)
    for name, constant in CONSTANTS.items():
        if expression is constant:
            return {"constant": name}
    kind = type(expression)
    if FUNCTIONS.get(kind.__name__) is not kind:
        raise ModelError(
            f"{where}: {kind.__name__} cannot be written to a file; allowed: the functions "
            f"{', '.join(FUNCTIONS)}, numbers, the constants {', '.join(CONSTANTS)} and "
            "declared symbols.",
            field=where,
            value=kind.__name__,
        )
    return {"fn": kind.__name__, "args": [_tree(a, symbols, where) for a in expression.args]}


# ------------------------------------------------------------------- JSON → expressions
def _not_a_tree(tree: Any, where: str, detail: str = "") -> ModelError:
    return ModelError(
        f"{where}: {shown(tree)} is not an expression tree{detail}; allowed: an object such as "
        '{"symbol": "x"}, {"integer": 2}, {"rational": [1, 2]}, {"float": "0.5"}, '
        '{"constant": "pi"} or {"fn": "Mul", "args": [...]} (text is never read as a '
        "formula).",
        field=where,
        value=tree,
    )


def _integer(value: Any, tree: Any, where: str) -> int:
    if type(value) is not int:
        raise _not_a_tree(tree, where, " (a number here must be a whole number)")
    return value


def _number_node(tree: dict[str, Any], where: str) -> sympy.Basic:
    """An integer, rational or float node."""
    if "integer" in tree:
        return sympy.Integer(_integer(tree["integer"], tree, where))
    if "rational" in tree:
        pair = tree["rational"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise _not_a_tree(tree, where)
        numerator, denominator = (_integer(n, tree, where) for n in pair)
        if denominator == 0:
            raise _not_a_tree(tree, where, " (its denominator is 0)")
        return sympy.Rational(numerator, denominator)
    text, precision = tree["float"], tree.get("precision", _DOUBLE)
    if not isinstance(text, str) or type(precision) is not int or not 1 <= precision <= 10_000:
        raise _not_a_tree(tree, where)
    try:
        value = float(text)  # checks that the text is a number before SymPy reads it
        return (
            sympy.Float(value) if precision == _DOUBLE else sympy.Float(text, precision=precision)
        )
    except ValueError:
        raise _not_a_tree(tree, where, " (its text is not a number)") from None


def _function_node(tree: dict[str, Any], symbols: Mapping[str, sympy.Symbol], where: str) -> Any:
    """A listed function applied to its arguments, without evaluation."""
    name, arguments = tree["fn"], tree["args"]
    if not isinstance(name, str) or name not in FUNCTIONS:
        raise ModelError(
            f"{where}: the function {shown(name)} is not allowed in a file; allowed: "
            f"{', '.join(FUNCTIONS)}.",
            field=where,
            value=name,
        )
    if not isinstance(arguments, list):
        raise _not_a_tree(tree, where, " (its args must be a list)")
    args = [_expression(a, symbols, where) for a in arguments]
    kind = FUNCTIONS[name]
    try:
        return kind(*args) if kind in _NOT_EVALUATED else kind(*args, evaluate=False)
    except (TypeError, ValueError) as error:
        raise ModelError(
            f"{where}: {name} cannot be applied to {len(args)} arguments ({error}).",
            field=where,
            value=name,
        ) from None


_NODES: dict[frozenset[str], str] = {
    frozenset({"symbol"}): "symbol",
    frozenset({"integer"}): "number",
    frozenset({"rational"}): "number",
    frozenset({"float"}): "number",
    frozenset({"float", "precision"}): "number",
    frozenset({"constant"}): "constant",
    frozenset({"fn", "args"}): "function",
}


def _expression(tree: Any, symbols: Mapping[str, sympy.Symbol], where: str) -> Any:
    """The SymPy expression of a JSON tree (symbols resolved by name in ``symbols``)."""
    kind = _NODES.get(frozenset(tree)) if isinstance(tree, dict) else None
    if kind is None:
        raise _not_a_tree(tree, where)
    if kind == "symbol":
        name = tree["symbol"]
        if not isinstance(name, str) or name not in symbols:
            raise unknown_name("symbol", name, symbols, model=where)
        return symbols[name]
    if kind == "number":
        return _number_node(tree, where)
    if kind == "constant":
        name = tree["constant"]
        if not isinstance(name, str) or name not in CONSTANTS:
            raise unknown_name("constant", name, CONSTANTS, model=where)
        return CONSTANTS[name]
    return _function_node(tree, symbols, where)


def _expression_at(tree: Any, symbols: Mapping[str, sympy.Symbol], where: str) -> Any:
    try:
        return _expression(tree, symbols, where)
    except RecursionError:
        raise ModelError(f"{where}: the expression is nested too deeply.", field=where) from None


# ------------------------------------------------------------------------ small helpers
def _package_version() -> str:
    """The package's version, from its ``__init__`` (always loaded before a submodule; not
    imported here, since the engine layer does not import the package's front door)."""
    return str(sys.modules["hemomodels"].__version__)


def _number_out(value: float) -> float | str:
    """A number for JSON, which has no infinity: ``"inf"``/``"-inf"`` for infinite ones."""
    value = float(value)
    return value if math.isfinite(value) else repr(value)


def _number_in(value: Any) -> Any:
    """Inverse of :func:`_number_out` (anything else is returned for the caller to check)."""
    return float(value) if value in ("inf", "-inf") else value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ModelError(
            f"{where} = {shown(value)} is not allowed; allowed: a JSON object.",
            field=where,
            value=value,
        )
    return dict(value)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ModelError(
            f"{where} = {shown(value)} is not allowed; allowed: a JSON list.",
            field=where,
            value=value,
        )
    return value


def _check_fields(
    record: dict[str, Any], where: str, required: Sequence[str], optional: Sequence[str] = ()
) -> None:
    """Every required field is there and no other than the listed ones."""
    missing = [name for name in required if name not in record]
    if missing:
        raise ModelError(
            f"{where}: the field(s) {', '.join(missing)} are missing.",
            field=where,
            value=missing,
        )
    unknown = [name for name in record if name not in (*required, *optional)]
    if unknown:
        raise ModelError(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; allowed: "
            f"{', '.join((*required, *optional))}.",
            field=where,
            value=unknown,
        )


def _check_dataclass_fields(cls: type, record: dict[str, Any], where: str) -> None:
    """The record has the fields of the dataclass ``cls`` (those without a default required)."""
    fields = dataclasses.fields(cls)
    required = [
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    _check_fields(record, where, required, [f.name for f in fields if f.name not in required])


def _record(item: Any) -> dict[str, Any]:
    """The fields of a declaration dataclass, by name."""
    return {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}


def _declared(cls: type[Declared], record: Any, where: str) -> Declared:
    """A State or Parameter from its record (checked as when declared in code)."""
    record = _object(record, where)
    _check_dataclass_fields(cls, record, where)
    return cls(**record)


def _check_header(data: Any, expected: str, where: str) -> dict[str, Any]:
    """The document as a dict, after its format and version are checked."""
    data = _object(data, where)
    if data.get("format") != expected:
        raise ModelError(
            f"{where}: format = {shown(data.get('format'))} is not allowed; allowed: {expected!r}.",
            field="format",
            value=data.get("format"),
            allowed=repr(expected),
        )
    version = data.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise ModelError(
            f"{where}: version = {shown(version)} of the {expected} format is not supported; "
            f"allowed: {FORMAT_VERSION} (a file written by a newer hemomodels needs that "
            "version to be read).",
            field="version",
            value=version,
            allowed=str(FORMAT_VERSION),
        )
    return data


def _path(path: Any, field: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ModelError(
            f"{field} = {shown(path)} is not allowed; allowed: a file path (str or pathlib.Path).",
            field=field,
            value=path,
        )
    return Path(path)


def _write_json(data: Any, path: Path) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def _existing(path: Path) -> Path:
    """``path`` if it is a file; otherwise one clear error naming it."""
    if not path.is_file():
        raise ModelError(
            f"{path}: no such file; allowed: the path of a file written by hemomodels.files.",
            field="path",
            value=str(path),
        )
    return path


def _read_json(path: Path) -> Any:
    _existing(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ModelError(
            f"{path}: not a JSON file ({error.msg} at line {error.lineno}, column {error.colno}).",
            field="file",
            value=str(path),
        ) from None
    except ValueError as error:  # e.g. a number with more digits than Python reads
        raise ModelError(f"{path}: not a readable JSON file ({error}).", field="file") from None


# -------------------------------------------------------------------------- models
def _symbols(
    states: Sequence[State], parameters: Sequence[Parameter], observables: Sequence[Observable]
) -> dict[str, sympy.Symbol]:
    """The symbols an expression of the model may use, by name (time as ``"t"``)."""
    declared: list[State | Parameter | Observable] = [*states, *parameters, *observables]
    return {x.name: x.symbol for x in declared} | {"t": TIME}


def _layout_record(model: Model) -> dict[str, Any]:
    layout = model.diagram_layout
    return {
        "groups": [[title, list(names)] for title, names in layout.groups],
        "inputs": [list(pair) for pair in layout.inputs],
        "losses": layout.losses,
        "direction": layout.direction,
        "wrap": layout.wrap,
    }


def model_to_dict(model: Model) -> dict[str, Any]:
    """The declaration of ``model`` as a JSON-ready dict (the model document described in
    :mod:`hemomodels.files`).

    Parameters
    ----------
    model : Model

    Returns
    -------
    dict
        Only dicts, lists, text, numbers, booleans and ``None``: ``json.dumps`` writes it.

    Examples
    --------
    >>> import hemomodels as hm
    >>> document = model_to_dict(hm.models.friberg2002())
    >>> document["format"], document["version"], document["time_unit"]
    ('hemomodels-model', 1, 'h')
    >>> document["flows"][0]["rate"]["fn"]
    'Mul'
    """
    model = rules.instance(model, "model", Model)
    symbols = _symbols(model.states, model.parameters, model.observables)

    def tree(expression: Any, where: str) -> Any:
        return _tree(sympy.sympify(expression), symbols, f"{model.name}: {where}")

    parameters = [
        _record(p) | {"bounds": [_number_out(b) for b in p.bounds]} for p in model.parameters
    ]
    observables = [
        _record(o) | {"expression": tree(o.expression, f"observable {o.name!r}")}
        for o in model.observables
    ]
    flows = [
        {
            "source": None if f.source is None else f.source.name,
            "target": None if f.target is None else f.target.name,
            "rate": tree(f.rate, f"flow {f.description!r}"),
            "description": f.description,
        }
        for f in model.flows
    ]
    return {
        "format": MODEL_FORMAT,
        "version": FORMAT_VERSION,
        "hemomodels_version": _package_version(),
        "name": model.name,
        "time_unit": model.time_unit,
        "description": model.description,
        "reference": model.reference,
        "max_time": _number_out(model.max_time),
        "solve_symbolically": model.solve_symbolically,
        "states": [_record(s) for s in model.states],
        "parameters": parameters,
        "observables": observables,
        "flows": flows,
        "rhs": {n: tree(e, f"rhs[{n!r}]") for n, e in model._declared_rhs.items()},
        "display": {n: tree(e, f"display[{n!r}]") for n, e in model.display_forms.items()},
        "diagram_layout": _layout_record(model),
    }


_MODEL_REQUIRED = ("format", "version", "name", "states", "parameters")
_MODEL_OPTIONAL = (
    "hemomodels_version",
    "time_unit",
    "description",
    "reference",
    "max_time",
    "solve_symbolically",
    "observables",
    "flows",
    "rhs",
    "display",
    "diagram_layout",
)


def _parameter(record: Any, where: str) -> Parameter:
    record = _object(record, where)
    if isinstance(record.get("bounds"), list):
        record = record | {"bounds": tuple(_number_in(b) for b in record["bounds"])}
    return _declared(Parameter, record, where)


def _observables(
    records: list[Any], states: Sequence[State], parameters: Sequence[Parameter]
) -> tuple[Observable, ...]:
    """Observables: first declared with a placeholder expression (for their symbols), then
    given their expressions, which may use any observable."""
    named = []
    for i, record in enumerate(records):
        where = f"observables[{i}]"
        record = _object(record, where)
        _check_dataclass_fields(Observable, record, where)
        named.append((Observable(**(record | {"expression": sympy.Integer(0)})), record))
    symbols = _symbols(states, parameters, [o for o, _ in named])
    return tuple(
        dataclasses.replace(
            o, expression=_expression_at(r["expression"], symbols, f"observable {o.name!r}")
        )
        for o, r in named
    )


def _state_named(name: Any, states: Sequence[State], where: str) -> State | None:
    if name is None:
        return None
    for state in states:
        if state.name == name:
            return state
    raise unknown_name("state", name, [s.name for s in states], model=where)


def _flows(
    records: list[Any], states: Sequence[State], symbols: Mapping[str, sympy.Symbol]
) -> tuple[Flow, ...]:
    flows = []
    for i, record in enumerate(records):
        where = f"flows[{i}]"
        record = _object(record, where)
        _check_fields(record, where, ("source", "target", "rate"), ("description",))
        flows.append(
            Flow(
                _state_named(record["source"], states, f"{where} source"),
                _state_named(record["target"], states, f"{where} target"),
                _expression_at(record["rate"], symbols, f"{where} rate"),
                record.get("description", ""),
            )
        )
    return tuple(flows)


def _expressions(
    value: Any, symbols: Mapping[str, sympy.Symbol], where: str
) -> dict[str, sympy.Expr]:
    """A mapping of names to trees (``rhs``, ``display``) as expressions."""
    return {
        name: _expression_at(tree, symbols, f"{where}[{name!r}]")
        for name, tree in _object(value, where).items()
    }


def _layout(value: Any) -> Any:
    from .diagram import DiagramLayout

    record = _object(value, "diagram_layout")
    _check_dataclass_fields(DiagramLayout, record, "diagram_layout")
    return DiagramLayout(**record)


def model_from_dict(data: Mapping[str, Any]) -> Model:
    """The :class:`~hemomodels.Model` declared by a model document (the inverse of
    :func:`model_to_dict`).

    The document is checked as a model declared in code is: a field of the wrong type, a
    parameter value outside its bounds, an unknown name, a function that is not allowed or
    an unknown format or version raises a :class:`~hemomodels.ModelError` naming it. Nothing
    in the document is run as code.

    Parameters
    ----------
    data : dict
        A model document, e.g. read with ``json.load``.

    Returns
    -------
    Model

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> again = model_from_dict(model_to_dict(model))
    >>> again.rhs == model.rhs, again.display_forms == model.display_forms
    (True, True)
    >>> document = model_to_dict(model)
    >>> document["parameters"][0]["value"] = 1.5  # outside [0, 1]
    >>> model_from_dict(document)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: parameter 'stem_self_renewal': default value 1.5 is outside ...
    """
    record = _check_header(data, MODEL_FORMAT, "model document")
    _check_fields(record, "model document", _MODEL_REQUIRED, _MODEL_OPTIONAL)
    where = f"model {shown(record['name'])}"
    states = tuple(
        _declared(State, r, f"{where}: states[{i}]")
        for i, r in enumerate(_list(record["states"], f"{where}: states"))
    )
    parameters = tuple(
        _parameter(r, f"{where}: parameters[{i}]")
        for i, r in enumerate(_list(record["parameters"], f"{where}: parameters"))
    )
    observables = _observables(
        _list(record.get("observables", []), f"{where}: observables"), states, parameters
    )
    symbols = _symbols(states, parameters, observables)
    options: dict[str, Any] = {
        key: record[key]
        for key in ("time_unit", "description", "reference", "solve_symbolically")
        if key in record
    }
    if "max_time" in record:
        options["max_time"] = _number_in(record["max_time"])
    if "diagram_layout" in record:
        options["diagram_layout"] = _layout(record["diagram_layout"])
    return Model(
        record["name"],
        states=states,
        parameters=parameters,
        observables=observables,
        flows=_flows(_list(record.get("flows", []), f"{where}: flows"), states, symbols),
        rhs=_expressions(record.get("rhs", {}), symbols, f"{where}: rhs"),
        display=_expressions(record.get("display", {}), symbols, f"{where}: display"),
        **options,
    )


def save_model(model: Model, path: str | Path) -> Path:
    """Write the declaration of ``model`` to a JSON file (see :mod:`hemomodels.files`).

    Parameters
    ----------
    model : Model
    path : str or pathlib.Path
        The file to write, e.g. ``"my_model.json"`` (replaced if it exists).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import hemomodels as hm
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = save_model(hm.models.friberg2002(), pathlib.Path(folder.name) / "friberg.json")
    >>> path.name, load_model(path).name == hm.models.friberg2002().name
    ('friberg.json', True)
    >>> folder.cleanup()
    """
    path = _path(path, "path")
    _write_json(model_to_dict(model), path)
    return path


def load_model(path: str | Path) -> Model:
    """The model declared in a JSON file written by :func:`save_model` (or by hand).

    Checked as :func:`model_from_dict` checks a document; nothing in the file is run.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    Model

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import hemomodels as hm
    >>> folder = tempfile.TemporaryDirectory()
    >>> model = hm.models.tetschke2018()
    >>> loaded = load_model(save_model(model, pathlib.Path(folder.name) / "anaemia.json"))
    >>> loaded.structure_key == model.structure_key
    True
    >>> folder.cleanup()
    """
    path = _path(path, "path")
    return model_from_dict(_read_json(path))


# ------------------------------------------------------------------------- results
def _metadata_path(table: Path) -> Path:
    if table.suffix == ".json":
        raise ModelError(
            f"path = {str(table)!r} is not allowed; allowed: the path of the table, e.g. "
            "'run.csv' (its metadata goes next to it, in 'run.json').",
            field="path",
            value=str(table),
        )
    return table.with_suffix(".json")


def _plain(value: Any) -> Any:
    """NumPy numbers as Python ones, tuples as lists (for JSON)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _solver_record(stats: SolverStats) -> dict[str, Any]:
    """Every field of the solver's record; triggered events as ``{"time", "event"}``."""
    record = {name: _plain(value) for name, value in _record(stats).items()}
    record["triggered"] = [{"time": float(t), "event": str(e)} for t, e in stats.triggered]
    return record


def _piece_record(piece: tuple[float, float, np.ndarray], names: Sequence[str]) -> dict:
    start, end, values = piece
    return {
        "start": float(start),
        "end": float(end),
        "parameters": {n: v.tolist() for n, v in zip(names, np.asarray(values), strict=True)},
    }


def _result_metadata(result: Result) -> dict[str, Any]:
    model = result.model
    return {
        "format": RESULT_FORMAT,
        "version": FORMAT_VERSION,
        "hemomodels_version": _package_version(),
        "time_unit": result.time_unit,
        "units": result.units,
        "variables": list(result.names),
        "n_times": int(result.t.size),
        "cohort": result.is_cohort,
        "n_patients": result.n_patients,
        "parameter_names": list(model.parameter_names),
        "pieces": [_piece_record(p, model.parameter_names) for p in result.pieces],
        "solver": _solver_record(result.solver),
        "model": model_to_dict(model),
    }


def _shortest(value: float) -> str:
    """The shortest text that reads back as the same float (Python's ``repr``)."""
    return repr(float(value))


def save_result(result: Result, path: str | Path) -> tuple[Path, Path]:
    """Write a simulation (or a cohort) to a tidy CSV table and a JSON file of metadata.

    The table is :meth:`hemomodels.Result.to_frame` (columns ``time, variable, value``, a
    cohort with ``patient`` first), every number written exactly; the metadata, in the file of
    the same name ending in ``.json``, holds the model's declaration, units, the parameters
    over time, the solver's record and any triggered events (see :mod:`hemomodels.files`).

    Parameters
    ----------
    result : Result
    path : str or pathlib.Path
        The table to write, e.g. ``"run.csv"``; the metadata goes to ``"run.json"``. Both
        are replaced if they exist.

    Returns
    -------
    tuple of pathlib.Path
        The table and the metadata file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import hemomodels as hm
    >>> folder = tempfile.TemporaryDirectory()
    >>> result = hm.models.marciniak_czochra_2009().simulate(10.0, t_eval=[0.0, 10.0])
    >>> table, metadata = save_result(result, pathlib.Path(folder.name) / "run.csv")
    >>> table.name, metadata.name
    ('run.csv', 'run.json')
    >>> table.read_text().splitlines()[:2]
    ['time,variable,value', '0.0,stem_cells,10000000.0']
    >>> folder.cleanup()
    """
    result = rules.instance(result, "result", Result)
    table = _path(path, "path")
    metadata = _metadata_path(table)
    result.to_frame().to_csv(table, index=False, float_format=_shortest, na_rep="")
    _write_json(_result_metadata(result), metadata)
    return table, metadata


_RESULT_FIELDS = (
    "format",
    "version",
    "time_unit",
    "units",
    "variables",
    "n_times",
    "cohort",
    "n_patients",
    "parameter_names",
    "pieces",
    "solver",
    "model",
)


def _floats(column: pd.Series, where: str) -> np.ndarray:
    """A column of text as exact floats (an empty cell is NaN)."""
    try:
        return np.array([float(x) if x else math.nan for x in column], dtype=float)
    except ValueError as error:
        raise ModelError(f"{where}: {error}.", field=where) from None


def _check_same(found: Any, expected: Any, where: str) -> None:
    if found != expected:
        raise ModelError(
            f"{where} = {shown(found)} does not match the rest of the file; expected "
            f"{shown(expected)}.",
            field=where,
            value=found,
            allowed=shown(expected),
        )


def _table_columns(frame: pd.DataFrame, table: Path, cohort: bool) -> None:
    expected = ["patient", "time", "variable", "value"] if cohort else ["time", "variable", "value"]
    if list(frame.columns) != expected:
        raise ModelError(
            f"{table}: columns {list(frame.columns)} are not allowed; allowed: "
            f"{', '.join(expected)} (the columns of Result.to_frame()).",
            field="table columns",
            value=list(frame.columns),
            allowed=", ".join(expected),
        )


def _read_table(
    table: Path, model: Model, cohort: bool, n_patients: int, n_times: int
) -> tuple[np.ndarray, np.ndarray]:
    """Times and the values of every variable, shape (patients, variables, times), from the
    tidy table; every variable must have every patient at the same times, in order."""
    import pandas as pd

    frame = pd.read_csv(_existing(table), dtype=str, keep_default_na=False)
    _table_columns(frame, table, cohort)
    names = [*model.state_names, *model.observable_names]
    _check_same(sorted(set(frame["variable"])), sorted(names), f"{table}: variables")
    values = np.empty((n_patients, len(names), n_times))
    times = _floats(frame["time"].iloc[:n_times], f"{table}: time")
    patients = np.repeat(np.arange(n_patients), n_times)
    for i, name in enumerate(names):
        rows = frame[frame["variable"] == name]
        where = f"{table}: rows of {name!r}"
        _check_same(len(rows), n_patients * n_times, f"{where}: number")
        values[:, i, :] = _floats(rows["value"], where).reshape(n_patients, n_times)
        same_times = np.array_equal(_floats(rows["time"], where), np.tile(times, n_patients))
        same_patients = not cohort or [int(p) for p in rows["patient"]] == patients.tolist()
        if not (same_times and same_patients):
            raise ModelError(
                f"{where}: every variable must have every patient at the same times, in the "
                "order Result.to_frame() writes them.",
                field="table",
                value=name,
            )
    return times, values


def _parameter_values(
    value: Any, parameter: Parameter, n_patients: int | None, where: str
) -> list[float]:
    """The value of a parameter in a piece (one per patient for a cohort), within its bounds."""
    field = f"{where}: parameter {parameter.name!r}"
    if n_patients is not None:
        _check_same(len(_list(value, field)), n_patients, f"{field}: number of values")
    values = [
        rules.number(v, field, unit=parameter.unit)
        for v in (value if n_patients is not None else [value])
    ]
    for number in values:
        if not parameter.contains(number):
            raise ModelError(
                f"{field} = {shown(number)} is outside its bounds {parameter.bounds_text()}.",
                field=field,
                value=number,
                allowed=parameter.bounds_text(),
                unit=parameter.unit,
            )
    return values


def _pieces(
    records: list[Any], model: Model, cohort: bool, n_patients: int
) -> list[tuple[float, float, np.ndarray]]:
    """Every stretch of constant parameters: (start, end, vector or matrix)."""
    pieces = []
    for i, record in enumerate(records):
        where = f"pieces[{i}]"
        record = _object(record, where)
        _check_fields(record, where, ("start", "end", "parameters"))
        values = _object(record["parameters"], f"{where} parameters")
        _check_same(list(values), list(model.parameter_names), f"{where} parameter names")
        rows = [
            _parameter_values(values[p.name], p, n_patients if cohort else None, where)
            for p in model.parameters
        ]
        matrix = np.array(rows)
        start = rules.number(record["start"], f"{where} start", unit=model.time_unit)
        end = rules.number(record["end"], f"{where} end", unit=model.time_unit)
        pieces.append((start, end, matrix if cohort else matrix[:, 0]))
    return pieces


def _solver_stats(record: Any) -> SolverStats:
    record = _object(record, "solver")
    _check_dataclass_fields(SolverStats, record, "solver")
    counts = {
        name: rules.integer(record[name], f"solver {name}", low=0)
        for name in ("n_rhs", "n_jac", "n_steps", "n_pieces")
        if name in record
    }
    triggered = []
    for i, event in enumerate(_list(record.get("triggered", []), "solver triggered")):
        event = _object(event, f"solver triggered[{i}]")
        _check_fields(event, f"solver triggered[{i}]", ("time", "event"))
        time = rules.number(event["time"], f"solver triggered[{i}] time")
        triggered.append((time, str(event["event"])))
    fallbacks = [str(note) for note in _list(record.get("fallbacks", []), "solver fallbacks")]
    stats = SolverStats(str(record["method"]), fallbacks=fallbacks, triggered=triggered)
    for name in set(record) - {"method", "fallbacks", "triggered"}:
        # the counts, checked; any other field (e.g. the backend, a cohort's), as written
        setattr(stats, name, counts.get(name, record[name]))
    return stats


def load_result(path: str | Path) -> Result:
    """A :class:`~hemomodels.Result` from the table and metadata written by
    :func:`save_result`: the same times, trajectories, parameters over time, solver record
    and triggered events, for one patient or a cohort, with the model rebuilt from its
    declaration.

    Parameters
    ----------
    path : str or pathlib.Path
        The table (e.g. ``"run.csv"``) or its metadata file (``"run.json"``, the table then
        being ``"run.csv"``).

    Returns
    -------
    Result

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import hemomodels as hm
    >>> folder = tempfile.TemporaryDirectory()
    >>> model = hm.models.marciniak_czochra_2009()
    >>> cohort = model.simulate_many({"stem_self_renewal": [0.8, 0.9]}, 10.0)
    >>> table, _ = save_result(cohort, pathlib.Path(folder.name) / "cohort.csv")
    >>> loaded = load_result(table)
    >>> loaded.n_patients, np.array_equal(loaded.states, cohort.states)
    (2, True)
    >>> loaded.patient(1).params["stem_self_renewal"]
    0.9
    >>> folder.cleanup()
    """
    path = _path(path, "path")
    table = path.with_suffix(".csv") if path.suffix == ".json" else path
    metadata = _check_header(_read_json(_metadata_path(table)), RESULT_FORMAT, "result metadata")
    _check_fields(metadata, "result metadata", _RESULT_FIELDS, ("hemomodels_version",))
    model = model_from_dict(metadata["model"])
    _check_same(metadata["time_unit"], model.time_unit, "time_unit")
    _check_same(metadata["units"], dict(model.units), "units")
    _check_same(metadata["variables"], [*model.state_names, *model.observable_names], "variables")
    _check_same(metadata["parameter_names"], list(model.parameter_names), "parameter_names")
    cohort = rules.flag(metadata["cohort"], "cohort")
    n_patients = rules.integer(metadata["n_patients"], "n_patients", low=1)
    n_times = rules.integer(metadata["n_times"], "n_times", low=1)
    if not cohort:
        _check_same(n_patients, 1, "n_patients")
    times, values = _read_table(table, model, cohort, n_patients, n_times)
    n_states = len(model.states)
    states, observables = values[:, :n_states], values[:, n_states:]
    if not cohort:
        states, observables = states[0], observables[0]
    pieces = _pieces(_list(metadata["pieces"], "pieces"), model, cohort, n_patients)
    if not pieces:
        raise ModelError("result metadata: pieces is empty; allowed: at least one.", field="pieces")
    return Result(
        model,
        times,
        np.ascontiguousarray(states),
        np.ascontiguousarray(observables),
        pieces,
        _solver_stats(metadata["solver"]),
    )
