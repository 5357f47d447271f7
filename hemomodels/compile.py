"""From SymPy expressions to fast NumPy functions.

The right-hand side, its Jacobian and the observables of a model are turned into plain
Python functions over NumPy arrays, once per model structure, with common subexpressions
eliminated (:func:`sympy.cse`) and printed by SymPy's NumPy printer (the same machinery
:func:`sympy.lambdify` uses). The functions broadcast: the same code evaluates one patient
(``y`` of shape ``(n_states,)``) or a cohort (``y`` of shape ``(n_states, n_patients)``, and
parameters of shape ``(n_parameters, n_patients)``).

Compiled functions are cached by the structure of the model, so building the same model
twice (e.g. calling ``hemomodels.models.friberg2002()`` again) never recompiles it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from .cache import cached
from .spec import TIME

__all__ = [
    "SUPPORTED_FUNCTIONS",
    "CompiledModel",
    "compile_count",
    "compile_model",
    "scalar_statements",
    "unsupported",
]

#: Functions a right-hand side or an observable may use: each is printed to NumPy, to Python
#: floats and to SBML. The Jacobian must be made of them too: ``Heaviside`` and ``sign``
#: appear in the derivatives of ``Max``, ``Min`` and ``Abs``; SymPy cannot differentiate
#: ``Mod``, ``floor`` and ``ceiling``, so they may hold parameters and time but not states.
SUPPORTED_FUNCTIONS: tuple[type, ...] = (
    sympy.exp,
    sympy.log,
    sympy.Abs,
    sympy.Min,
    sympy.Max,
    sympy.Piecewise,
    sympy.sin,
    sympy.cos,
    sympy.tan,
    sympy.asin,
    sympy.acos,
    sympy.atan,
    sympy.sinh,
    sympy.cosh,
    sympy.tanh,
    sympy.sign,
    sympy.Heaviside,
    sympy.Mod,
    sympy.floor,
    sympy.ceiling,
)
_NOT_NUMBERS = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo, sympy.I)


def unsupported(expression: sympy.Basic) -> list[str]:
    """What in ``expression`` cannot be compiled: functions outside
    :data:`SUPPORTED_FUNCTIONS` (by name), derivatives, and ``nan``, ``oo`` or ``I``.

    Examples
    --------
    >>> x = sympy.Symbol("x", real=True)
    >>> unsupported(sympy.exp(-x) + sympy.Max(x, 0)), unsupported(sympy.gamma(x))
    ([], ['gamma'])
    >>> unsupported(sympy.Function("g")(x) + sympy.oo)
    ['oo', 'g']
    """
    found: list[str] = []
    for node in sympy.preorder_traversal(expression):
        if isinstance(node, (sympy.Function, sympy.Derivative)) or type(node).__name__ in (
            "Min",
            "Max",
        ):
            if node.func not in SUPPORTED_FUNCTIONS:
                found.append(str(node.func.__name__))
        elif any(node == bad for bad in _NOT_NUMBERS):
            found.append(str(node))
    return sorted(set(found), key=found.index)


_COMPILATIONS = {"count": 0}


def compile_count() -> int:
    """Number of model compilations done in this process (for tests of caching).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> _ = model.compiled
    >>> before = compile_count()
    >>> _ = hm.models.marciniak_czochra_2009().compiled  # same equations: cached code
    >>> compile_count() - before
    0
    """
    return _COMPILATIONS["count"]


@dataclass(frozen=True)
class CompiledModel:
    """NumPy functions of a model: ``rhs(t, y, p)``, ``jac(t, y, p)``, ``observe(t, y, p)``.

    ``y`` has shape ``(n_states,)`` or ``(n_states, n)``; ``p`` has shape ``(n_parameters,)``
    or ``(n_parameters, n)``. Outputs have shapes ``(n_states, ...)``,
    ``(n_states, n_states, ...)`` and ``(n_observables, ...)``.
    """

    rhs: Callable[[float, np.ndarray, np.ndarray], np.ndarray]
    jac: Callable[[float, np.ndarray, np.ndarray], np.ndarray]
    #: ``t`` is a float or, for a whole time course, an array of times.
    observe: Callable[[float | np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    source: str
    #: ``rhs``/``jac`` for one patient on Python floats (lists in, lists out): no NumPy
    #: scalar arithmetic and no array allocation per call. They raise on a domain error
    #: (division by zero, log of a negative number), where the NumPy versions give inf/nan.
    rhs_scalar: Callable[[float, list, list], list] | None = None
    jac_scalar: Callable[[float, list, list], list] | None = None
    #: The right-hand side in the plain symbols ``t``, ``_y0``, … (states in state-vector
    #: order) and ``_p0``, … (parameters in parameter-vector order), for code generators
    #: (:mod:`hemomodels.compiled`).
    rhs_expressions: tuple[sympy.Expr, ...] = ()
    n_states: int = 0
    n_parameters: int = 0


def _preamble(
    name: str, expressions: Sequence[sympy.Expr], n_states: int, n_parameters: int, printer
) -> tuple[list[str], list[sympy.Expr]]:
    """``def name(t, y, p):``, the unpacking of states and parameters, and the common
    subexpressions; returns the lines and the reduced expressions still to be printed."""
    assignments, reduced = _common_subexpressions(expressions, printer)
    lines = [f"def {name}(t, y, p):"]
    if n_states:
        lines.append(f"    {', '.join(f'_y{i}' for i in range(n_states))}, = y")
    if n_parameters:
        lines.append(f"    {', '.join(f'_p{i}' for i in range(n_parameters))}, = p")
    lines += [f"    {line}" for line in assignments]
    return lines, reduced


def _common_subexpressions(
    expressions: Sequence[sympy.Expr], printer
) -> tuple[list[str], list[sympy.Expr]]:
    """``_cse0 = ...`` assignments (printed) of the common subexpressions, and the reduced
    expressions still to be printed."""
    replacements, reduced = sympy.cse(
        list(expressions), symbols=sympy.numbered_symbols("_cse"), optimizations="basic"
    )
    return [f"{symbol} = {printer.doprint(value)}" for symbol, value in replacements], list(reduced)


def scalar_statements(expressions: Sequence[sympy.Expr]) -> tuple[list[str], list[str]]:
    """Scalar code of ``expressions`` written in the plain symbols ``t``, ``_y0``, ``_y1``, …
    (states) and ``_p0``, ``_p1``, … (parameters), as in :attr:`CompiledModel.rhs_expressions`:
    the assignments of the common subexpressions and the printed expressions (Python ``math``
    functions on floats; also valid numba code).

    Examples
    --------
    >>> y0, p0 = sympy.symbols("_y0 _p0")
    >>> scalar_statements([sympy.exp(-p0 * y0) * y0, sympy.exp(-p0 * y0)])
    (['_cse0 = math.exp(-_p0*_y0)'], ['_cse0*_y0', '_cse0'])
    """
    printer = _FloatPrinter({"fully_qualified_modules": True})
    lines, reduced = _common_subexpressions(expressions, printer)
    return lines, [printer.doprint(e) if e != 0 else "0.0" for e in reduced]


def _function_source(
    name: str,
    expressions: Sequence[sympy.Expr],
    out_index: Sequence[str],
    out_shape: str,
    n_states: int,
    n_parameters: int,
) -> str:
    """Python source of ``name(t, y, p)`` filling ``out[index] = expression``."""
    printer = NumPyPrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})
    lines, reduced = _preamble(name, expressions, n_states, n_parameters, printer)
    lines.insert(
        1 + bool(n_states) + bool(n_parameters),
        f"    out = numpy.zeros({out_shape} + numpy.shape(y)[1:])",
    )
    for index, expression in zip(out_index, reduced, strict=True):
        if expression != 0:
            lines.append(f"    out[{index}] = {printer.doprint(expression)}")
    lines.append("    return out")
    return "\n".join(lines)


class _FloatPrinter(PythonCodePrinter):
    """Python ``math`` code in which a domain error raises instead of turning complex.

    A fractional power of a negative number is complex in Python (``(-1.0) ** 0.5``) but
    raises ``ValueError`` with :func:`math.pow`, so non-integer powers use ``math.pow``.
    """

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_integer:
            return super()._print_Pow(expr, rational=rational)
        return f"math.pow({self._print(expr.base)}, {self._print(expr.exp)})"


def _scalar_source(
    name: str, expressions: Sequence[sympy.Expr], n_states: int, n_parameters: int, rows: int
) -> str:
    """Python source of ``name(t, y, p)`` on Python floats, returning a (nested) list."""
    printer = _FloatPrinter({"fully_qualified_modules": True})
    lines, reduced = _preamble(name, expressions, n_states, n_parameters, printer)
    items = [printer.doprint(e) if e != 0 else "0.0" for e in reduced]
    if rows:
        width = len(items) // rows
        items = [f"[{', '.join(items[i * width : (i + 1) * width])}]" for i in range(rows)]
    lines.append(f"    return [{', '.join(items)}]")
    return "\n".join(lines)


def compile_model(
    key: str,
    state_symbols: Sequence[sympy.Symbol],
    parameter_symbols: Sequence[sympy.Symbol],
    rhs: Sequence[sympy.Expr],
    observables: Sequence[sympy.Expr],
) -> CompiledModel:
    """Compile (or fetch from the cache) the NumPy functions of a model.

    Parameters
    ----------
    key : str
        Identifies the model structure; equal keys share one compiled model.
    state_symbols, parameter_symbols : sequence of sympy.Symbol
        Symbols in the order of the state vector and the parameter vector.
    rhs : sequence of sympy.Expr
        ``d state / dt`` for each state, fully substituted (no observable symbols).
    observables : sequence of sympy.Expr
        Observable expressions, fully substituted.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> compiled = compile_model(model.structure_key, model.state_symbols,
    ...                          model.parameter_symbols, model.rhs, model.observable_expressions)
    >>> compiled is model.compiled  # fetched from the cache
    True
    >>> y, p = [1e7, 2e9, 4e8], list(model.defaults.values())
    >>> [round(float(x), 3) for x in compiled.rhs(0.0, np.array(y), np.array(p))]  # at steady state
    [0.0, 0.0, 0.0]
    """
    return cached(
        key,
        "compiled",
        lambda: _compile(state_symbols, parameter_symbols, rhs, observables),
    )


def _compile(
    state_symbols: Sequence[sympy.Symbol],
    parameter_symbols: Sequence[sympy.Symbol],
    rhs: Sequence[sympy.Expr],
    observables: Sequence[sympy.Expr],
) -> CompiledModel:
    n, m = len(state_symbols), len(parameter_symbols)
    plain = {s: sympy.Symbol(f"_y{i}") for i, s in enumerate(state_symbols)}
    plain.update({s: sympy.Symbol(f"_p{i}") for i, s in enumerate(parameter_symbols)})
    plain[TIME] = sympy.Symbol("t")

    def rename(expressions):
        return [sympy.sympify(e).xreplace(plain) for e in expressions]

    rhs_plain = rename(rhs)
    jacobian = sympy.Matrix(rhs).jacobian(sympy.Matrix(state_symbols))
    # A derivative of a Heaviside switch (a sensitivity system's Jacobian of Max or Min) is a
    # DiracDelta: zero everywhere but at the switch. The solver's Newton iterations need only
    # an approximate Jacobian, so it is taken as zero; the right-hand side is unchanged.
    jacobian = jacobian.replace(sympy.DiracDelta, lambda *args: sympy.Integer(0))
    jac_plain = rename(list(jacobian))
    obs_plain = rename(observables)

    source = "\n\n".join(
        [
            _function_source("rhs", rhs_plain, [str(i) for i in range(n)], f"({n},)", n, m),
            _function_source(
                "jac",
                jac_plain,
                [f"{i}, {j}" for i in range(n) for j in range(n)],
                f"({n}, {n})",
                n,
                m,
            ),
            _function_source(
                "observe",
                obs_plain,
                [str(k) for k in range(len(obs_plain))],
                f"({len(obs_plain)},)",
                n,
                m,
            ),
        ]
    )
    scalar = "\n\n".join(
        [
            _scalar_source("rhs_scalar", rhs_plain, n, m, 0),
            _scalar_source("jac_scalar", jac_plain, n, m, n),
        ]
    )
    namespace: dict[str, Any] = {"numpy": np, "math": math, "functools": functools}
    exec(compile(source, "<hemomodels compiled model>", "exec"), namespace)  # noqa: S102
    exec(compile(scalar, "<hemomodels compiled model, scalar>", "exec"), namespace)  # noqa: S102
    compiled = CompiledModel(
        rhs=namespace["rhs"],
        jac=namespace["jac"],
        observe=namespace["observe"],
        source=source,
        rhs_scalar=namespace["rhs_scalar"],
        jac_scalar=namespace["jac_scalar"],
        rhs_expressions=tuple(rhs_plain),
        n_states=n,
        n_parameters=m,
    )
    _COMPILATIONS["count"] += 1
    return compiled
