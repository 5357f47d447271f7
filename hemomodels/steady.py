"""Steady states: symbolic (SymPy) where it can solve, numeric (SciPy) where it cannot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import sympy
from scipy.optimize import root

from .errors import ModelError

if TYPE_CHECKING:
    from .model import Model

__all__ = ["SteadyState", "classify_stability", "find_steady_states"]


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


_SOLUTIONS: dict[str, list[dict[sympy.Symbol, sympy.Expr]] | None] = {}


def symbolic_solutions(model: Model) -> list[dict[sympy.Symbol, sympy.Expr]] | None:
    """All closed-form equilibria of ``model``, or ``None`` if SymPy cannot solve.

    Solved once per model structure and cached (solving can take a second).
    """
    if not model.solve_symbolically:
        return None
    key = model.structure_key
    if key not in _SOLUTIONS:
        _SOLUTIONS[key] = _solve(model)
    return _SOLUTIONS[key]


def _solve(model: Model) -> list[dict[sympy.Symbol, sympy.Expr]] | None:
    try:
        solutions = sympy.solve(list(model.rhs), list(model.state_symbols), dict=True)
    except (NotImplementedError, ValueError, TypeError):
        return None
    complete = [s for s in solutions if all(x in s for x in model.state_symbols)]
    if not complete or len(complete) != len(solutions):
        return None
    return complete


def _is_new(candidate: np.ndarray, found: Sequence[np.ndarray]) -> bool:
    for other in found:
        scale = np.maximum(np.abs(candidate), np.abs(other)) + 1e-12
        if np.all(np.abs(candidate - other) <= 1e-6 * scale + 1e-9):
            return False
    return True


def _feasible(values: np.ndarray) -> bool:
    scale = max(1.0, float(np.max(np.abs(values))))
    return bool(np.all(np.isfinite(values)) and np.all(values >= -1e-9 * scale))


def find_steady_states(
    model: Model,
    params: np.ndarray,
    *,
    method: str = "auto",
    guesses: Sequence[np.ndarray] = (),
) -> list[SteadyState]:
    """Feasible (finite, non-negative) equilibria of ``model`` at parameter vector ``params``.

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
    found: list[np.ndarray] = []
    results: list[SteadyState] = []

    def add(values: np.ndarray, how: str, expressions=None) -> None:
        if not _feasible(values) or not _is_new(values, found):
            return
        # Round-off residue of a root finder (e.g. -0.7 cells next to 1e9) is reported as
        # exactly 0: only values within the feasibility tolerance of _feasible are touched.
        scale = max(1.0, float(np.max(np.abs(values))))
        values = np.where(np.abs(values) <= 1e-9 * scale, 0.0, values)
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
        for solution, evaluate in zip(solutions, model.steady_state_functions(), strict=True):
            with np.errstate(all="ignore"):
                values = np.asarray(evaluate(*params), dtype=complex).ravel()
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
