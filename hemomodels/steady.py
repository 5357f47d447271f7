"""Steady states: symbolic (SymPy) where it can solve, numeric (SciPy) where it cannot.

Everything about equilibria lives here: the closed forms (solved once per model structure
and cached in :mod:`hemomodels.cache`), their NumPy functions, the root-finding search, the
stability from the Jacobian's eigenvalues, and the tables and LaTeX a chapter shows. The
model's ``steady_states()``, ``steady_state_frame()`` and ``steady_state_latex()`` call
these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy
from scipy.optimize import root

from . import rules
from .cache import cached
from .errors import ModelError, invalid_value

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = [
    "SteadyState",
    "classify_stability",
    "find_steady_states",
    "readable_frame",
    "steady_state_frame",
    "steady_state_functions",
    "steady_state_latex",
    "steady_states",
    "symbolic_solutions",
]


@dataclass(frozen=True)
class SteadyState:
    """An equilibrium ``f(x*) = 0`` of a model, with its linear stability.

    Attributes
    ----------
    values : dict of str to float
        State values at the equilibrium, in the states' units.
    eigenvalues : numpy.ndarray
        Eigenvalues of the Jacobian at the equilibrium (1/time unit).
    stability : {"stable", "unstable", "marginal"}
        ``"stable"`` if every eigenvalue has negative real part, ``"unstable"`` if one has a
        positive real part, ``"marginal"`` if the linearisation cannot decide (a real part
        within round-off of zero).
    method : {"symbolic", "numeric"}
        Whether the equilibrium came from SymPy's closed form or SciPy's root finder.
    expressions : dict of str to sympy.Expr, optional
        The closed form of each state in the model's parameters (symbolic method only).
    """

    values: dict[str, float]
    eigenvalues: np.ndarray
    stability: str
    method: str
    expressions: dict[str, sympy.Expr] | None = field(default=None)

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.values.items())
        return f"SteadyState({values}; {self.stability}, {self.method})"


def classify_stability(eigenvalues: np.ndarray) -> str:
    """Classify an equilibrium from its Jacobian eigenvalues.

    Examples
    --------
    >>> classify_stability(np.array([-1.0, -0.5])), classify_stability(np.array([-1.0, 0.2]))
    ('stable', 'unstable')
    >>> classify_stability(np.array([1j, -1j]))
    'marginal'
    """
    real = np.real(eigenvalues)
    tolerance = 1e-9 * max(1.0, float(np.max(np.abs(eigenvalues)))) if real.size else 0.0
    if np.any(real > tolerance):
        return "unstable"
    if np.all(real < -tolerance):
        return "stable"
    return "marginal"


def symbolic_solutions(model: Model) -> list[dict[sympy.Symbol, sympy.Expr]] | None:
    """All closed-form equilibria of ``model``, or ``None`` if SymPy cannot solve.

    Solved once per model structure and cached (solving can take a second).

    Examples
    --------
    >>> import hemomodels as hm
    >>> len(symbolic_solutions(hm.models.marciniak_czochra_2009()))
    3
    """
    if not model.solve_symbolically:
        return None
    return cached(model.structure_key, "steady solutions", lambda: _solve(model))


def steady_state_functions(model: Model) -> list[Callable[..., Any]]:
    """NumPy functions of the parameters giving each closed-form steady state of ``model``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> functions = steady_state_functions(model)
    >>> [float(round(x / 1e6, 1)) for x in functions[-1](*model.defaults.values())]
    [10.0, 2000.0, 400.0]
    """

    def build() -> list[Callable[..., Any]]:
        return [
            sympy.lambdify(
                model.parameter_symbols,
                [*(solution[s] for s in model.state_symbols), *solution[CONDITIONS]],
                modules="numpy",
            )
            for solution in symbolic_solutions(model) or []
        ]

    return cached(model.structure_key, "steady functions", build)


#: Key under which a closed-form solution keeps the conditions of its branch (see
#: :func:`_branches`): expressions that must be >= 0 for the solution to be an equilibrium.
CONDITIONS = sympy.Symbol("_branch_conditions")


def _branches(expressions: Sequence[sympy.Expr]) -> list[tuple[dict, list[sympy.Expr]]]:
    """Every way of resolving the ``Min`` and ``Max`` in ``expressions``: a substitution
    replacing each by one of its arguments, and the conditions (expressions >= 0) under
    which that argument is the one taken. Without Min or Max: one branch, no condition."""
    atoms = sorted(
        {a for e in expressions for a in sympy.sympify(e).atoms(sympy.Min, sympy.Max)},
        key=sympy.default_sort_key,
    )
    branches: list[tuple[dict, list[sympy.Expr]]] = [({}, [])]
    for atom in atoms:
        grown = []
        for substitution, conditions in branches:
            for chosen in atom.args:
                others = [a for a in atom.args if a is not chosen]
                sign = 1 if isinstance(atom, sympy.Min) else -1
                grown.append(
                    (
                        {**substitution, atom: chosen},
                        [*conditions, *(sign * (other - chosen) for other in others)],
                    )
                )
        branches = grown
    return branches


def _solve(model: Model) -> list[dict[sympy.Symbol, sympy.Expr]] | None:
    """Closed-form equilibria, branch by branch where the equations hold a Min or a Max; each
    solution carries its branch's conditions under the key :data:`CONDITIONS`."""
    branches = _branches(model.rhs)
    if len(branches) > 16:
        return None
    found = []
    for substitution, conditions in branches:
        equations = [sympy.sympify(e).xreplace(substitution) for e in model.rhs]
        try:
            solutions = sympy.solve(equations, list(model.state_symbols), dict=True)
        except (NotImplementedError, ValueError, TypeError):
            return None
        complete = [s for s in solutions if all(x in s for x in model.state_symbols)]
        if len(complete) != len(solutions):
            return None
        for solution in complete:
            solution[CONDITIONS] = tuple(c.xreplace(solution) for c in conditions)
            found.append(solution)
    return found or None


def _is_new(candidate: np.ndarray, found: Sequence[np.ndarray]) -> bool:
    for other in found:
        scale = np.maximum(np.abs(candidate), np.abs(other)) + 1e-12
        if np.all(np.abs(candidate - other) <= 1e-6 * scale + 1e-9):
            return False
    return True


def _feasible(values: np.ndarray, nonnegative: np.ndarray) -> bool:
    scale = max(1.0, float(np.max(np.abs(values))))
    signs_ok = np.all(values[nonnegative] >= -1e-9 * scale)
    return bool(np.all(np.isfinite(values)) and signs_ok)


def find_steady_states(
    model: Model,
    params: np.ndarray,
    *,
    method: str = "auto",
    guesses: Sequence[np.ndarray] = (),
) -> list[SteadyState]:
    """Feasible equilibria of ``model`` at parameter vector ``params``: finite, and >= 0 in
    every state declared non-negative.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.validation import check_parameters
    >>> model = hm.models.marciniak_czochra_2009()
    >>> found = find_steady_states(model, check_parameters(model, None))
    >>> [(s.stability, s.method) for s in found][-1]
    ('stable', 'symbolic')
    """
    if method not in ("auto", "symbolic", "numeric"):
        raise ModelError(
            f"{model.name}: method = {method!r} is not allowed; allowed: 'auto', 'symbolic', "
            "'numeric'.",
            field="method",
            value=method,
        )
    compiled = model.compiled
    nonnegative = np.array([s.nonnegative for s in model.states])
    found: list[np.ndarray] = []
    results: list[SteadyState] = []

    def add(values: np.ndarray, how: str, expressions=None) -> None:
        if not _feasible(values, nonnegative) or not _is_new(values, found):
            return
        # Round-off residue of a root finder (e.g. -0.7 cells next to 1e9) in a non-negative
        # state is reported as exactly 0: only values within the feasibility tolerance of
        # _feasible are touched.
        scale = max(1.0, float(np.max(np.abs(values))))
        values = np.where(nonnegative & (np.abs(values) <= 1e-9 * scale), 0.0, values)
        eigenvalues = np.linalg.eigvals(compiled.jac(0.0, values, params))
        found.append(values)
        results.append(
            SteadyState(
                values=dict(zip(model.state_names, map(float, values), strict=True)),
                eigenvalues=eigenvalues,
                stability=classify_stability(eigenvalues),
                method=how,
                expressions=expressions,
            )
        )

    solutions = symbolic_solutions(model) if method in ("auto", "symbolic") else None
    if solutions is not None:
        n = len(model.states)
        for solution, evaluate in zip(solutions, steady_state_functions(model), strict=True):
            with np.errstate(all="ignore"):
                evaluated = np.asarray(evaluate(*params), dtype=complex).ravel()
            values, conditions = evaluated[:n], evaluated[n:].real
            scale = 1e-9 * (1 + np.abs(conditions))
            if conditions.size and not np.all(conditions >= -scale):
                continue  # not this branch of a Min or Max at these parameters
            if np.all(np.abs(values.imag) <= 1e-12 * (1 + np.abs(values.real))):
                expressions = {s.name: solution[s] for s in model.state_symbols}
                add(values.real.astype(float), "symbolic", expressions)
    elif method == "symbolic":
        raise ModelError(
            f"{model.name}: SymPy could not solve for the steady states in closed form; use "
            "method='numeric' or 'auto'.",
            field="method",
            value=method,
        )
    if solutions is None:
        for guess in guesses:
            solution = root(
                lambda y: compiled.rhs(0.0, y, params),
                np.asarray(guess, dtype=float),
                jac=lambda y: compiled.jac(0.0, y, params),
                method="hybr",
            )
            residual = compiled.rhs(0.0, solution.x, params)
            scale = 1.0 + np.max(np.abs(solution.x))
            if solution.success and np.max(np.abs(residual)) <= 1e-8 * scale:
                add(solution.x, "numeric")
    return results


def steady_states(
    model: Model,
    params: Mapping[str, float] | None = None,
    *,
    method: str = "auto",
    guesses: Iterable[Mapping[str, float] | Sequence[float]] = (),
) -> list[SteadyState]:
    """Feasible steady states of ``model`` and their stability (see
    :meth:`hemomodels.Model.steady_states`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> [s.stability for s in steady_states(hm.models.marciniak_czochra_2009())]
    ['unstable', 'unstable', 'stable']
    """
    from .validation import check_initial, check_parameters

    method = rules.choice(method, "method", ("auto", "symbolic", "numeric"), model=model.name)
    vector = check_parameters(model, params)
    try:
        if isinstance(guesses, (str, bytes, Mapping, np.ndarray)):
            raise TypeError
        guesses = list(guesses)
    except TypeError:
        raise invalid_value(
            "guesses",
            guesses,
            "a list of initial states (mappings or vectors)",
            None,
            model=model.name,
        ) from None
    starts = [check_initial(model, g, field="guess") for g in guesses]
    closed_form = symbolic_solutions(model) is not None
    if not (method == "numeric" or (method == "auto" and not closed_form)):
        return find_steady_states(model, vector, method=method, guesses=starts)
    starts.append(check_initial(model, None))
    found = find_steady_states(model, vector, method=method, guesses=starts)
    if any(s.stability == "stable" for s in found):
        return found
    horizon = min(model.max_time, 1e4)
    try:  # no stable state near the starts: search again from where the model settles
        settled = model.simulate(horizon, params=params, t_eval=[0.0, horizon])
    except ModelError:
        return found
    return find_steady_states(
        model, vector, method=method, guesses=[*starts, settled.states[:, -1]]
    )


def steady_state_frame(model: Model, params: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Steady states as a table (see :meth:`hemomodels.Model.steady_state_frame`).

    Examples
    --------
    >>> import hemomodels as hm
    >>> steady_state_frame(hm.models.marciniak_czochra_2009()).index[-1]
    'all compartments positive'
    """
    import pandas as pd

    rows = []
    for steady in steady_states(model, params):
        empty = [name for name, value in steady.values.items() if value == 0]
        if not empty:
            label = "all compartments positive"
        elif len(empty) == len(model.states):
            label = "all compartments empty"
        else:
            label = "empty: " + ", ".join(model.labels[name].lower() for name in empty)
        real = np.real(steady.eigenvalues)
        slowest = float(np.min(np.abs(real))) if real.size else float("nan")
        rows.append(
            {
                "label": label,
                **steady.values,
                "stability": steady.stability,
                "method": steady.method,
                f"max Re(eigenvalue) (1/{model.time_unit})": float(np.max(real)),
                f"slowest time scale ({model.time_unit})": 1 / slowest
                if slowest > 0
                else float("inf"),
            }
        )
    return pd.DataFrame(rows).set_index("label")


def readable_frame(model: Model, frame: pd.DataFrame) -> pd.DataFrame:
    """A :func:`steady_state_frame` for readers: labelled columns with units, numbers as
    text with four significant figures, without the ``method`` column.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> table = readable_frame(model, steady_state_frame(model))
    >>> table.loc["all compartments positive", "Neutrophils (cells/kg)"]
    '4 × 10⁸'
    """
    from .text import human_number
    from .units import reader_unit

    def title(column: str) -> str:
        if column in model.state_index:
            unit = reader_unit(model.units[column])
            return f"{model.labels[column]} ({unit})" if unit else model.labels[column]
        return column.replace("Re(eigenvalue)", "real part of an eigenvalue")

    table = frame.drop(columns=["method"]).rename(columns=title)
    numbers = [c for c in table.columns if c != "stability"]
    table[numbers] = table[numbers].map(lambda v: human_number(float(v), 4))
    table.index.name = "steady state"
    return table


def steady_state_latex(model: Model, steady: SteadyState) -> str:
    """Closed-form values of a symbolic steady state as a LaTeX ``aligned`` block.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> print(steady_state_latex(model, model.steady_states()[-1]).splitlines()[3])
    c_3^{*} &= \\frac{2 a_1 - 1}{k}
    """
    from .display import latex_of

    if not isinstance(steady, SteadyState):
        raise invalid_value(
            "steady", steady, "a SteadyState from model.steady_states()", None, model=model.name
        )
    if steady.expressions is None:
        raise ModelError(
            f"{model.name}: this steady state was found numerically and has no closed form.",
            field="steady state",
            value=steady.values,
        )
    lines = [
        f"{state.tex}^{{*}} &= {latex_of(model, steady.expressions[state.name])}"
        for state in model.states
    ]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"
