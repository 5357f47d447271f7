"""The :class:`Model`: a declared compartment model and everything derived from it.

The model checks its declaration, assembles the right-hand side and runs simulations.
Everything else is derived in its own module and reached through thin methods:
equilibria in :mod:`hemomodels.steady`, equations and tables in :mod:`hemomodels.display`,
compiled functions in :mod:`hemomodels.compile` (cached per model structure in
:mod:`hemomodels.cache`), integration in :mod:`hemomodels.integrate` and
:mod:`hemomodels.solver`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import sympy

from . import declaration, display, rules, steady
from .cache import cached
from .compile import CompiledModel, compile_model
from .compiled import choose_backend
from .doses import Doses, per_patient_columns, split_conditions
from .errors import ModelError
from .integrate import DomainError, Problem, integrate
from .result import Result
from .solver import DEFAULT_MAX_EVALUATIONS, SolverError, SolverOptions
from .spec import TIME, Flow, Observable, Parameter, State
from .steady import SteadyState
from .validation import (
    check_backend,
    check_cohort_columns,
    check_cohort_table,
    check_conditions,
    check_doses,
    check_initial,
    check_max_evaluations,
    check_method,
    check_output_size,
    check_parameters,
    check_time,
    check_tolerance,
)

if TYPE_CHECKING:
    import pandas as pd

    from .diagram import DiagramLayout, ModelDiagram

__all__ = ["Model"]

DEFAULT_RTOL = 1e-8
DEFAULT_ATOL = 1e-10
#: Largest number of states for which steady states are sought in closed form by default.
SYMBOLIC_STATE_LIMIT = 4


def _declared_terms(rhs: Mapping[Any, Any] | None) -> dict[str, sympy.Expr]:
    """The plain right-hand-side terms of a declaration (already checked), by state name;
    terms given twice for one state (by the state and by its name) are added."""
    terms: dict[str, sympy.Expr] = {}
    for key, expression in (rhs or {}).items():
        name = key if isinstance(key, str) else key.name
        value = sympy.sympify(expression)
        terms[name] = terms[name] + value if name in terms else value
    return terms


#: Attributes of a model holding expressions (alone, or in tuples and dicts), which are
#: pickled as built (:func:`_as_built`).
_EXPRESSIONS = ("rhs", "_rhs_display", "_declared_rhs", "observable_expressions", "display_forms")


@dataclass(frozen=True)
class _Built:
    """A SymPy expression's class and arguments, to rebuild it without evaluation."""

    kind: type
    args: tuple[Any, ...]


class _Plan(NamedTuple):
    """The checked inputs of one simulation, as the integrator takes them."""

    t_end: float
    grid: np.ndarray
    events: tuple[Any, ...]
    conditions: tuple[Any, ...]
    options: SolverOptions
    columns: Mapping[str, np.ndarray] | None


def _as_built(value: Any) -> Any:
    """Every SymPy expression in ``value`` (an expression, or a tuple or dict of them) as
    nested :class:`_Built` records (atoms as themselves), for pickling."""
    if isinstance(value, tuple):
        return tuple(_as_built(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_built(v) for k, v in value.items()}
    if isinstance(value, sympy.Basic) and value.args:
        return _Built(type(value), tuple(_as_built(a) for a in value.args))
    return value


def _rebuilt(value: Any) -> Any:
    """The inverse of :func:`_as_built`: expressions rebuilt without evaluation."""
    if isinstance(value, tuple):
        return tuple(_rebuilt(v) for v in value)
    if isinstance(value, dict):
        return {k: _rebuilt(v) for k, v in value.items()}
    if not isinstance(value, _Built):
        return value
    args = [_rebuilt(a) for a in value.args]
    try:
        return value.kind(*args, evaluate=False)
    except TypeError:  # built from its arguments alone (ExprCondPair, UnevaluatedExpr)
        return value.kind(*args)


class Model:
    """A compartment model declared once, from which equations, Jacobian, steady states and a
    compiled simulator are derived.

    Parameters
    ----------
    name : str
        Short human-readable name, e.g. ``"Marciniak-Czochra et al. 2009"``.
    states : sequence of State
        Compartments, in the order of the state vector.
    parameters : sequence of Parameter
        Parameters with default values, units, bounds and sources.
    rhs : mapping of State (or state name) to sympy.Expr, optional
        Plain derivative terms ``d state / dt``.
    flows : sequence of Flow, optional
        Transfers between compartments; each adds ``-rate`` to its source and ``+rate`` to
        its target. ``rhs`` and ``flows`` are summed.
    observables : sequence of Observable, optional
        Named expressions reported with the trajectories; may be used in ``rhs`` and flows
        through their symbols (they are substituted for simulation and kept for display).
    time_unit : str
        Unit of time of the rates, e.g. ``"day"`` or ``"h"``.
    description : str
        One paragraph on what the model represents.
    reference : str
        Key in ``references.bib`` of the publication the model comes from.
    solve_symbolically : bool, optional
        Whether :meth:`steady_states` should try SymPy's closed form first. By default only
        for models with at most :data:`SYMBOLIC_STATE_LIMIT` states: SymPy's solver can run
        for many minutes on larger nonlinear systems, which then use root finding.
    max_time : float
        Longest simulation horizon accepted (in ``time_unit``, finite and > 0): the horizon
        the model was built and tested for.
    display : mapping of State or Observable (or its name) to sympy.Expr, optional
        Display forms: the equation of a state (or the expression of an observable) written
        in the order a textbook writes it, built with ``sympy.evaluate(False)``. Shown by
        :meth:`latex` and :meth:`show_equations`; each is proved equal to the simulated
        expression when the model is built (:func:`hemomodels.declaration.display_forms`), and
        a form that differs raises a :class:`~hemomodels.ModelError`.
    diagram_layout : DiagramLayout, optional
        How :meth:`diagram` groups the compartments and which inputs it draws by default
        (:class:`hemomodels.diagram.DiagramLayout`).

    Notes
    -----
    The declaration is checked when the model is built: every expression may use only the
    declared symbols, ``hemomodels.TIME`` and the functions in
    :data:`hemomodels.compile.SUPPORTED_FUNCTIONS` (its Jacobian too), and every field has
    the right type. A problem raises :class:`~hemomodels.ModelError` naming the field.

    Models and their results can be pickled (e.g. for a process pool); the compiled
    functions are rebuilt, or fetched from the cache, on first use after unpickling.

    Examples
    --------
    A single compartment cleared at rate ``k``:

    >>> import hemomodels as hm
    >>> drug = hm.State("drug", "Drug in plasma", "mg/L", initial=0.0, latex="C")
    >>> k = hm.Parameter("clearance", 0.1, "1/h", (0, 10), "Elimination rate", "friberg2002",
    ...                  latex="k", low_inclusive=False)
    >>> model = hm.Model("One compartment", states=[drug], parameters=[k],
    ...                  flows=[hm.Flow(drug, None, k.symbol * drug.symbol)], time_unit="h",
    ...                  reference="friberg2002")
    >>> model.equations
    [Eq(Derivative(drug, t), -clearance*drug)]
    >>> result = model.simulate(10.0, doses=[hm.Dose(0.0, "drug", 2.0)], t_eval=[0.0, 10.0])
    >>> round(float(result["drug"][-1]), 4)  # 2 exp(-1)
    0.7358

    Names, defaults and the declared right-hand side are read-only properties:

    >>> model.state_names, dict(model.defaults), dict(model.units)
    (('drug',), {'clearance': 0.1}, {'drug': 'mg/L'})
    >>> model.rhs_display
    (-clearance*drug,)
    """

    def __init__(
        self,
        name: str,
        *,
        states: Sequence[State],
        parameters: Sequence[Parameter],
        rhs: (
            Mapping[State, sympy.Expr]
            | Mapping[str, sympy.Expr]
            | Mapping[sympy.Symbol, sympy.Expr]
            | None
        ) = None,
        flows: Sequence[Flow] = (),
        observables: Sequence[Observable] = (),
        time_unit: str = "day",
        description: str = "",
        reference: str = "",
        solve_symbolically: bool | None = None,
        max_time: float = 1e6,
        display: Mapping[Any, sympy.Expr] | None = None,
        diagram_layout: DiagramLayout | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ModelError(
                f"Model name = {name!r} is not allowed; allowed: a non-empty text (str).",
                field="name",
                value=name,
            )
        self.name = name
        declaration.check_texts(
            name, time_unit=time_unit, description=description, reference=reference
        )
        self.states = declaration.declared(name, "state", states, State)
        self.parameters = declaration.declared(name, "parameter", parameters, Parameter)
        self.observables = declaration.declared(name, "observable", observables, Observable)
        self.flows = declaration.declared(name, "flow", flows, Flow)
        self.time_unit = time_unit
        self.description = description
        self.reference = reference
        self.solve_symbolically = (
            len(self.states) <= SYMBOLIC_STATE_LIMIT
            if solve_symbolically is None
            else rules.flag(solve_symbolically, "solve_symbolically", model=name)
        )
        self.max_time = rules.number(
            max_time, "max_time", low=0.0, low_open=True, unit=time_unit, model=name
        )
        declaration.check_names(self)
        self._rhs_display = declaration.assemble(self, rhs)
        # The plain terms as declared, by state name (without the flows), so the declaration
        # can be written out again (hemomodels.files).
        self._declared_rhs = _declared_terms(rhs)
        substitutions = declaration.observable_substitutions(self.observables)
        self.observable_expressions = tuple(
            o.expression.xreplace(substitutions) for o in self.observables
        )
        self.rhs = tuple(e.xreplace(substitutions) for e in self._rhs_display)
        declaration.check_symbols(self)
        cached(self.structure_key, "declaration checked", lambda: declaration.check_functions(self))
        self.display_forms: Mapping[str, sympy.Expr] = MappingProxyType(
            declaration.display_forms(self, display)
        )
        from .diagram import DiagramLayout

        self.diagram_layout = (
            DiagramLayout()
            if diagram_layout is None
            else rules.instance(diagram_layout, "diagram_layout", DiagramLayout, model=name)
        )

    # ----------------------------------------------------------------------- names
    @cached_property
    def state_names(self) -> tuple[str, ...]:
        """Names of the states, in state-vector order."""
        return tuple(s.name for s in self.states)

    @cached_property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the parameters, in parameter-vector order."""
        return tuple(p.name for p in self.parameters)

    @cached_property
    def observable_names(self) -> tuple[str, ...]:
        """Names of the observables."""
        return tuple(o.name for o in self.observables)

    @cached_property
    def state_index(self) -> Mapping[str, int]:
        """Position of each state in the state vector (read-only)."""
        return MappingProxyType({name: i for i, name in enumerate(self.state_names)})

    @cached_property
    def parameter_index(self) -> Mapping[str, int]:
        """Position of each parameter in the parameter vector (read-only)."""
        return MappingProxyType({name: i for i, name in enumerate(self.parameter_names)})

    @cached_property
    def observable_index(self) -> Mapping[str, int]:
        """Position of each observable (read-only)."""
        return MappingProxyType({name: i for i, name in enumerate(self.observable_names)})

    @cached_property
    def state_symbols(self) -> tuple[sympy.Symbol, ...]:
        """SymPy symbols of the states."""
        return tuple(s.symbol for s in self.states)

    @cached_property
    def parameter_symbols(self) -> tuple[sympy.Symbol, ...]:
        """SymPy symbols of the parameters."""
        return tuple(p.symbol for p in self.parameters)

    @cached_property
    def units(self) -> Mapping[str, str]:
        """Unit of every state and observable, by name (read-only)."""
        return MappingProxyType({x.name: x.unit for x in (*self.states, *self.observables)})

    @cached_property
    def labels(self) -> Mapping[str, str]:
        """Reader's label of every state, observable and parameter, by name (read-only).

        Examples
        --------
        >>> import hemomodels as hm
        >>> hm.models.marciniak_czochra_2009().labels["stem_self_renewal"]
        'Stem-cell self-renewal'
        """
        declared = (*self.states, *self.observables, *self.parameters)
        return MappingProxyType({x.name: x.display_label for x in declared})

    @property
    def defaults(self) -> dict[str, float]:
        """Default parameter values, by name (a new dict at every call)."""
        return {p.name: p.value for p in self.parameters}

    def parameter(self, name: str) -> Parameter:
        """The declared :class:`Parameter` called ``name``.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> model.parameter("stem_self_renewal").value
        0.85
        >>> model.parameter("stem_self_renewal").bounds_text()
        '[0, 1]'
        """
        name = rules.name(name, "name", self.parameter_names, kind="parameter", model=self.name)
        return self.parameters[self.parameter_index[name]]

    def references(self) -> dict[str, str]:
        """Formatted references of the model and of every parameter's source, by
        ``references.bib`` key (read from the copy shipped with the package).

        Examples
        --------
        >>> import hemomodels as hm
        >>> refs = hm.models.friberg2002().references()
        >>> refs["friberg2002"].startswith("Friberg")
        True
        """
        from .bibliography import format_reference

        keys = [self.reference] if self.reference else []
        keys += [p.source for p in self.parameters if p.source not in keys]
        return {key: format_reference(key) for key in dict.fromkeys(keys)}

    # ---------------------------------------------------------------- symbolic side
    @property
    def equations(self) -> list[sympy.Eq]:
        """``d state / dt = f(states, parameters)`` for every state, fully substituted."""
        return [
            sympy.Eq(sympy.Derivative(s, TIME), f)
            for s, f in zip(self.state_symbols, self.rhs, strict=True)
        ]

    @property
    def rhs_display(self) -> tuple[sympy.Expr, ...]:
        """``d state / dt`` as declared, observables kept as symbols (what :meth:`latex`
        shows); :attr:`rhs` is the same with the observables substituted. Useful to build a
        new model on this one's equations without retyping them."""
        return self._rhs_display

    def jacobian(self) -> sympy.Matrix:
        """Symbolic Jacobian ``∂f_i/∂x_j`` of the right-hand side (states in order).

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> model.jacobian().shape
        (3, 3)
        >>> model.jacobian()[0, 1]  # stem cells do not depend on precursors
        0
        """
        return sympy.Matrix(self.rhs).jacobian(sympy.Matrix(self.state_symbols))

    @property
    def latex_names(self) -> dict[sympy.Symbol, str]:
        """LaTeX name of every symbol, for :func:`sympy.latex`'s ``symbol_names``."""
        return display.latex_names(self)

    def latex_of(self, expression: sympy.Expr) -> str:
        """LaTeX of any expression in this model's symbols, with the model's symbol names.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> a1, c1 = model.parameter("stem_self_renewal").symbol, model.states[0].symbol
        >>> model.latex_of(a1 * c1)
        'c_1 a_1'
        """
        return display.latex_of(self, expression)

    def latex(self, *, observables: bool = True) -> str:
        """The model's equations as a LaTeX ``aligned`` block.

        Observables used in the right-hand side (e.g. a feedback signal) are defined first
        and kept by name in the equations. The text has no surrounding ``$$``.

        Parameters
        ----------
        observables : bool, default True
            Also list observables that the right-hand side does not use.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> print(model.latex().splitlines()[1])
        s &= \\frac{1}{1 + k c_3} \\\\
        """
        return display.latex(self, observables=rules.flag(observables, "observables"))

    # -------------------------------------------------------------------- compiled
    @cached_property
    def structure_key(self) -> str:
        """Text identifying the model's equations; models with equal keys share compiled code,
        steady states and declaration checks (:mod:`hemomodels.cache`)."""
        return sympy.srepr(
            (
                tuple(self.state_symbols),
                tuple(self.parameter_symbols),
                self.rhs,
                self.observable_expressions,
            )
        )

    @cached_property
    def compiled(self) -> CompiledModel:
        """NumPy right-hand side, Jacobian and observables (compiled once, then cached)."""
        return compile_model(
            self.structure_key,
            self.state_symbols,
            self.parameter_symbols,
            self.rhs,
            self.observable_expressions,
        )

    @cached_property
    def _problem(self) -> Problem:
        """What the integrator needs of this model (compiled functions, names, signs)."""
        return Problem(
            self.compiled,
            self.state_names,
            self.parameter_names,
            tuple(s.nonnegative for s in self.states),
            self.time_unit,
            self.observable_names,
            tuple(self.parameters),
            self.name,
        )

    def __getstate__(self) -> dict[str, Any]:
        # Derived values (cached properties) are left out and rebuilt on use: the compiled
        # functions hold generated code, and read-only mappings cannot be pickled.
        derived = {n for n, v in vars(type(self)).items() if isinstance(v, cached_property)}
        # Expressions are pickled as built: SymPy would rebuild them with evaluation when
        # unpickled, reordering (even simplifying) a form written in a textbook's order.
        state = {k: v for k, v in self.__dict__.items() if k not in derived}
        state["display_forms"] = dict(self.display_forms)
        for key in _EXPRESSIONS:
            state[key] = _as_built(state[key])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({k: _rebuilt(v) if k in _EXPRESSIONS else v for k, v in state.items()})
        self.display_forms = MappingProxyType(self.__dict__["display_forms"])

    # --------------------------------------------------------------------- analysis
    def steady_state_functions(self) -> list[Callable[..., Any]]:
        """NumPy functions of the parameters giving each closed-form steady state.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> functions = model.steady_state_functions()
        >>> len(functions)
        3
        >>> [float(round(x / 1e6, 1)) for x in functions[-1](*model.defaults.values())]
        [10.0, 2000.0, 400.0]
        """
        return steady.steady_state_functions(self)

    def steady_states(
        self,
        params: Mapping[str, float] | None = None,
        *,
        method: str = "auto",
        guesses: Iterable[Mapping[str, float] | Sequence[float]] = (),
    ) -> list[SteadyState]:
        """Feasible steady states and their stability.

        A steady state is feasible if it is finite and every state declared non-negative is
        >= 0 in it. SymPy solves ``f(x) = 0`` in closed form where it can
        (``method="symbolic"``); where it cannot, SciPy's root finder starts from any
        ``guesses`` and the default initial state and, if that finds no stable state, also
        from where a long simulation settles (``method="numeric"``). Stability comes from the
        eigenvalues of the Jacobian at each steady state.

        Parameters
        ----------
        params : mapping, optional
            Parameter values overriding the defaults.
        method : {"auto", "symbolic", "numeric"}
            ``"auto"`` tries SymPy first and falls back to root finding.
        guesses : iterable, optional
            Extra starting points for root finding (mappings of state names or vectors).

        Returns
        -------
        list of SteadyState

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> [s.stability for s in model.steady_states()]
        ['unstable', 'unstable', 'stable']
        >>> round(model.steady_states()[-1].values["neutrophils"] / 1e8, 3)
        4.0
        """
        return steady.steady_states(self, params, method=method, guesses=guesses)

    def steady_state_frame(
        self, params: Mapping[str, float] | None = None, *, readable: bool = False
    ) -> pd.DataFrame:
        """Steady states as a table: one row each, with values, stability and time scale.

        Columns: a ``label`` naming the compartments that are empty, one column per state,
        ``stability``, ``method``, the largest real part of the Jacobian's eigenvalues
        (1/time unit) and the slowest relaxation time ``1/min|Re λ|`` (time unit) — how long
        small disturbances take to die out (stable) or grow (unstable). With
        ``readable=True`` the table is the one a reader sees: states by their labels with
        units, numbers with four significant figures, and no ``method`` column.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> frame = model.steady_state_frame()
        >>> frame["stability"].tolist()
        ['unstable', 'unstable', 'stable']
        >>> frame.index[-1]
        'all compartments positive'
        >>> list(model.steady_state_frame(readable=True).columns)[0]
        'Stem cells (cells/kg)'
        """
        frame = steady.steady_state_frame(self, params)
        if not rules.flag(readable, "readable"):
            return frame
        return steady.readable_frame(self, frame)

    def steady_state_latex(self, steady_state: SteadyState) -> str:
        """Closed-form values of a symbolic steady state as a LaTeX ``aligned`` block.

        Raises :class:`ModelError` for a steady state found numerically (no closed form).

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> healthy = model.steady_states()[-1]
        >>> print(model.steady_state_latex(healthy).splitlines()[3])
        c_3^{*} &= \\frac{2 a_1 - 1}{k}
        """
        return steady.steady_state_latex(self, steady_state)

    # ------------------------------------------------------------------- simulation
    def simulate(
        self,
        t_end: float,
        *,
        params: Mapping[str, float] | None = None,
        y0: Mapping[str, float] | Sequence[float] | None = None,
        doses: Doses = (),
        t_eval: Sequence[float] | np.ndarray | None = None,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        method: str = "LSODA",
        max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
        backend: str = "auto",
    ) -> Result:
        """Simulate one patient from time 0 to ``t_end``.

        Every input is checked before integration starts; a problem raises
        :class:`~hemomodels.ModelError` naming the field, the value, the allowed range and
        the unit. So does a solver failure (naming the time reached) and a state declared
        non-negative that goes below zero.

        Parameters
        ----------
        t_end : float
            End time (> 0, at most ``self.max_time``), in ``self.time_unit``.
        params : mapping, optional
            Parameter values overriding the defaults (within each parameter's bounds).
        y0 : mapping or sequence, optional
            Initial values overriding the states' defaults (>= 0 for non-negative states).
        doses : Dose, Schedule, Infusion, ParameterChange, When or iterable of them
            Boluses added to compartments and parameter changes (e.g. a therapy switched on
            or off, or a rate scaled by a factor); integration restarts at each event time.
            ``result.params`` holds the parameters in effect at time 0 (after any change at
            time 0) and ``result.parameter_history()`` every stretch of constant parameters.
            A :class:`~hemomodels.PerPatient` value needs a cohort table
            (:meth:`simulate_many`) and is refused here. A :class:`~hemomodels.When` with
            ``stop=True`` ends the simulation at its crossing: the result then holds only the
            output times up to the crossing (``result.t`` is shorter), and if no output time
            is that early a :class:`~hemomodels.ModelError` says so.
        t_eval : array_like, optional
            Output times, strictly increasing within ``[0, t_end]``; default 401 evenly
            spaced points.
        rtol, atol : float
            Relative and absolute solver tolerances.
        method : str
            ``"LSODA"`` (default, :func:`scipy.integrate.odeint`, stiff-safe; a piece between
            events where it fails is retried with SciPy's BDF before an error is raised) or
            one of SciPy's ``"BDF"``, ``"Radau"``, ``"RK45"``, ``"RK23"``, ``"DOP853"``.
            ``result.solver`` records the work done and any fallback.
        max_evaluations : int
            Work limit: right-hand-side evaluations allowed per piece between events (>= 100);
            beyond it the simulation stops with a :class:`~hemomodels.ModelError`.
        backend : {"auto", "scipy", "compiled"}
            Who integrates: ``"scipy"`` (the SciPy solvers above), ``"compiled"`` (LSODA
            compiled by numba and numbalsoda, each patient on their own; needs
            ``pip install "hemomodels[fast]"`` and ``method="LSODA"``, and refuses a
            :class:`~hemomodels.When`) or ``"auto"`` (compiled when it can, else SciPy,
            silently). ``result.solver.backend`` says which ran; see
            :mod:`hemomodels.compiled`.

        Returns
        -------
        Result

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> result = model.simulate(10.0, params={"stem_self_renewal": 0.85}, t_eval=[0.0, 10.0])
        >>> result.t.tolist()
        [0.0, 10.0]
        >>> round(float(result["neutrophils"][-1]) / 1e8, 3)  # starts at its steady state
        4.0
        """
        vector = check_parameters(self, params)
        initial = check_initial(self, y0)
        return self._run(
            initial,
            vector,
            t_end,
            t_eval,
            doses,
            rtol,
            atol,
            method,
            max_evaluations,
            None,
            backend=backend,
        )

    def simulate_many(
        self,
        params_table: pd.DataFrame | Mapping[str, Sequence[float]],
        t_end: float,
        *,
        doses: Doses = (),
        t_eval: Sequence[float] | np.ndarray | None = None,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        method: str = "LSODA",
        max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
        backend: str = "auto",
    ) -> Result:
        """Simulate a cohort: one parameter set (row) per patient, integrated together.

        All patients share one compiled right-hand side evaluated on arrays of shape
        ``(n_states, n_patients)``; blocks of patients are integrated as one ODE system whose
        block-diagonal Jacobian is passed to the solver as a banded matrix. The result equals
        simulating the patients one by one (to solver tolerance). If a block fails, its
        patients are integrated one by one; a patient who fails on their own is named in the
        :class:`~hemomodels.ModelError`.

        Parameters
        ----------
        params_table : pandas.DataFrame or mapping of str to array
            One row (or array element) per patient. Columns name parameters; a column named
            after a state sets that patient's initial value. Missing parameters take their
            defaults. A column that a :class:`~hemomodels.PerPatient` value of the doses
            reads (e.g. each patient's dose) may have any other name; any other unknown
            column is refused.
        t_end, t_eval, rtol, atol, method, max_evaluations, backend
            As in :meth:`simulate`. The compiled backend integrates every patient on their
            own (in parallel threads) rather than in stacked blocks.
        doses : Dose, Schedule, Infusion, ParameterChange, When or iterable of them
            As in :meth:`simulate`, given to every patient. An amount, a parameter value or
            a factor given as ``hm.PerPatient("column")`` is that patient's value in the
            column; every patient's value is checked before integration starts (an error
            names the patient's row and the column). State-triggered events
            (:class:`~hemomodels.When`) fire for each patient separately: such a cohort is
            integrated one patient at a time, and ``result.triggered_events()`` has a
            ``patient`` column. ``When(..., stop=True)`` is refused here (the patients share
            one time axis): simulate those patients one by one.

        Returns
        -------
        Result
            With a leading patient axis: ``result["name"]`` has shape ``(n_patients, n_t)``
            and ``result.to_frame()`` has a ``patient`` column.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> table = {"stem_self_renewal": [0.8, 0.9]}  # one value per patient
        >>> cohort = model.simulate_many(table, 10.0, t_eval=[0.0, 10.0])
        >>> cohort["stem_cells"].shape  # (patients, times)
        (2, 2)
        >>> cohort.n_patients
        2

        Doses by body-surface area (BSA): each patient's dose in a column of the table.

        >>> model = hm.models.friberg2002()
        >>> bsa_m2 = np.array([1.6, 1.9, 2.2])
        >>> table = {"dose_uM": 25.0 * bsa_m2}  # 25 µM per m²
        >>> infusion = hm.Infusion(0.0, 1.0, "Conc", amount=hm.PerPatient("dose_uM"))
        >>> cohort = model.simulate_many(table, 24.0, doses=infusion)
        >>> cohort["Conc"].shape
        (3, 401)
        """
        doses, matrix, initial, columns = self._cohort_inputs(params_table, doses)
        return self._run(
            initial,
            matrix,
            t_end,
            t_eval,
            doses,
            rtol,
            atol,
            method,
            max_evaluations,
            matrix.shape[1],
            columns,
            backend=backend,
        )

    def check_cohort(
        self,
        params_table: pd.DataFrame | Mapping[str, Sequence[float]],
        t_end: float,
        *,
        doses: Doses = (),
        t_eval: Sequence[float] | np.ndarray | None = None,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        method: str = "LSODA",
        max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
        backend: str = "auto",
        patients_at_once: int | None = None,
    ) -> int:
        """Check a cohort's inputs exactly as :meth:`simulate_many` does, without integrating.

        For work that runs the cohort later or elsewhere (e.g. in chunks on a cluster,
        :func:`hemomodels.distributed.simulate_cohort`): every problem is reported now, as a
        :class:`~hemomodels.ModelError` naming the field, the value, the allowed range and
        the unit.

        Parameters
        ----------
        params_table, t_end, doses, t_eval, rtol, atol, method, max_evaluations, backend
            As in :meth:`simulate_many`.
        patients_at_once : int, optional
            Largest number of patients simulated in one call (a chunk), for the check that the
            output fits in memory; default all of them.

        Returns
        -------
        int
            The number of patients (rows of the table).

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> model.check_cohort({"stem_self_renewal": [0.8, 0.9]}, 10.0)
        2
        >>> model.check_cohort({"stem_self_renewal": [0.8, 1.9]}, 10.0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hemomodels.errors.ModelError: ...parameter 'stem_self_renewal' of patient 1 = 1.9 is...
        """
        doses, matrix, initial, columns = self._cohort_inputs(params_table, doses)
        n_patients = matrix.shape[1]
        at_once = n_patients
        if patients_at_once is not None:
            at_once = min(at_once, rules.integer(patients_at_once, "patients_at_once", low=1))
        self._plan(
            matrix,
            t_end,
            t_eval,
            doses,
            rtol,
            atol,
            method,
            max_evaluations,
            n_patients,
            columns,
            at_once,
            backend=backend,
        )
        return n_patients

    def _cohort_inputs(
        self, params_table: Any, doses: Any
    ) -> tuple[Any, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """The doses (an iterator read into a tuple), parameter matrix, initial states and
        per-patient columns of a cohort table, checked."""
        if isinstance(doses, Iterator):  # read twice below: the columns, then the events
            doses = tuple(doses)
        referenced = per_patient_columns(doses)
        columns = check_cohort_columns(self, params_table, referenced)
        matrix, initial, _ = check_cohort_table(self, params_table, referenced=referenced)
        return doses, matrix, initial, columns

    def _run(
        self,
        initial: np.ndarray,
        params: np.ndarray,
        t_end: Any,
        t_eval: Any,
        doses: Any,
        rtol: Any,
        atol: Any,
        method: Any,
        max_evaluations: Any,
        n_patients: int | None,
        columns: Mapping[str, np.ndarray] | None = None,
        *,
        backend: Any = "auto",
    ) -> Result:
        """Check the remaining inputs, integrate, evaluate observables, build the Result
        (``columns``: a cohort's per-patient columns, for ``PerPatient`` values; ``backend``:
        as asked for, chosen here)."""
        plan = self._plan(
            params,
            t_end,
            t_eval,
            doses,
            rtol,
            atol,
            method,
            max_evaluations,
            n_patients,
            columns,
            backend=backend,
        )
        t_end, grid, events, conditions, options, columns = plan
        try:
            run = integrate(
                self._problem,
                y0=initial,
                params=params,
                t_end=t_end,
                t_eval=grid,
                events=events,
                options=options,
                n_patients=n_patients,
                conditions=conditions,
                columns=columns,
            )
        except SolverError as error:
            raise self._solver_error(error, options, params, t_end) from None
        except MemoryError:
            raise ModelError(
                f"{self.name}: the output of {n_patients or 1:,} patients × {grid.size:,} "
                "times does not fit in memory; simulate fewer patients or output times.",
                field="output size",
                value=(n_patients or 1) * grid.size,
            ) from None
        if run.stopped_at is not None:
            first, grid = grid[0], grid[: run.states.shape[-1]]
            if grid.size == 0:
                raise ModelError(
                    f"{self.name}: a When with stop=True ended the simulation at t = "
                    f"{run.stopped_at:.6g} {self.time_unit}, before the first output time "
                    f"t_eval[0] = {first:.6g}; allowed: output times that start at or before "
                    "the stop (e.g. include 0).",
                    field="t_eval",
                    value=run.stopped_at,
                    unit=self.time_unit,
                )
        with np.errstate(all="ignore"):  # undefined observables (e.g. 0/0) are NaN
            if n_patients is None:
                observed = self.compiled.observe(grid, run.states, run.params)
            else:
                observed = np.moveaxis(
                    self.compiled.observe(grid, np.moveaxis(run.states, 1, 0), run.params), 0, 1
                )
        return Result(self, grid, run.states, observed, run.pieces, run.stats)

    def _plan(
        self,
        params: np.ndarray,
        t_end: Any,
        t_eval: Any,
        doses: Any,
        rtol: Any,
        atol: Any,
        method: Any,
        max_evaluations: Any,
        n_patients: int | None,
        columns: Mapping[str, np.ndarray] | None,
        output_patients: int | None = None,
        *,
        backend: Any = "auto",
    ) -> _Plan:
        """Every check of a simulation's inputs besides the parameters, initial states and
        cohort table (checked by the caller): times, doses, conditions, solver options and
        the output's size (for ``output_patients`` patients, default ``n_patients``)."""
        t_end, grid = check_time(self, t_end, t_eval)
        if n_patients is not None:
            columns = dict(columns or {})
        scheduled, conditions = split_conditions(doses)
        set_by_conditions = {name for c in conditions for name in (*c.set, *c.scale)}
        events = check_doses(
            self,
            scheduled,
            t_end,
            params=params,
            columns=columns,
            set_by_conditions=set_by_conditions,
        )
        conditions = check_conditions(self, conditions, columns=columns)
        stopping = [condition for condition in conditions if condition.stop]
        if stopping and n_patients is not None:
            raise ModelError(
                f"{self.name}: When({stopping[0].describe()}) with stop=True is not allowed in "
                "a cohort (its patients share one time axis); allowed: stop=False, or "
                "simulate() each patient on their own.",
                field="When stop",
                value=True,
                allowed="False in a cohort",
            )
        options = SolverOptions(
            check_method(self, method),
            check_tolerance(self, "rtol", rtol),
            check_tolerance(self, "atol", atol),
            check_max_evaluations(self, max_evaluations),
        )
        chosen = choose_backend(
            check_backend(self, backend), options.method, bool(conditions), self.compiled, self.name
        )
        options = replace(options, backend=chosen)
        check_output_size(self, output_patients or n_patients or 1, grid.size)
        return _Plan(t_end, grid, events, conditions, options, columns)

    def _solver_error(
        self, error: SolverError, options: SolverOptions, params: np.ndarray, t_end: float
    ) -> ModelError:
        who = ""
        if error.patient is not None:
            values = params[:, error.patient] if params.ndim == 2 else params
            shown = ", ".join(
                f"{n}={v:.6g}" for n, v in zip(self.parameter_names, values, strict=True)
            )
            who = f" for patient {error.patient} ({shown})"
        if isinstance(error, DomainError):
            return ModelError(
                f"{self.name}: the simulation stopped{who}: {error.reason.rstrip('.')}.",
                field=f"state {error.state!r}",
                value=error.value,
                allowed=">= 0",
                unit=self.units[error.state],
            )
        reached = error.reached if math.isfinite(error.reached) else 0.0
        return ModelError(
            f"{self.name}: the solver ({options.method}) failed{who} at t = {reached:.6g} "
            f"{self.time_unit} while integrating [0, {t_end:.6g}] {self.time_unit}: "
            f"{error.reason.rstrip('.')}. Check the parameter values, or loosen rtol/atol.",
            field="simulation" if error.patient is None else f"patient {error.patient}",
            value=reached,
            unit=self.time_unit,
        )

    # ------------------------------------------------------------------------ exchange
    def to_sbml(
        self,
        *,
        doses: Doses = (),
        params: Mapping[str, float] | None = None,
        y0: Mapping[str, float] | None = None,
    ) -> str:
        """This model as SBML Level 3 Version 2 (needs ``python-libsbml``, the ``[sbml]``
        extra); doses and parameter changes after time 0 become SBML events. See
        :func:`hemomodels.sbml.to_sbml`.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> text = model.to_sbml()
        >>> "<sbml" in text and 'level="3"' in text
        True
        """
        from .sbml import to_sbml

        return to_sbml(self, doses=doses, params=params, y0=y0)

    # ------------------------------------------------------------------------ display
    def parameter_table(self) -> pd.DataFrame:
        """Parameters as a :class:`pandas.DataFrame`: value, unit, bounds, source, note.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> table = model.parameter_table()
        >>> row = table.loc["stem_self_renewal"]
        >>> float(row["value"]), row["bounds"], row["source"]
        (0.85, '[0, 1]', 'stiehl2015')
        """
        return display.parameter_table(self)

    def show_equations(
        self,
        label: str | None = None,
        *,
        states: Sequence[str] | None = None,
        observables: bool | Sequence[str] = False,
    ) -> display.Equations:
        """The equations as the book shows them: one numbered display equation each, in the
        model's display forms (textbook order), labelled for MyST's ``{eq}`` role.

        Parameters
        ----------
        label : str, optional
            Prefix of the equations' labels, e.g. ``"eq-hsc"``: the stem-cell equation of
            the HSC chapter is then ``{eq}`eq-hsc-stem-cells```. Labels are shared by the
            whole book, so each chapter uses its own prefix.
        states : list of str, optional
            Show only these states' equations (default all), e.g. the ones an extension
            changes.
        observables : bool or list of str
            Observables to define before the equations: ``False`` (default) those the shown
            equations use, ``True`` all, or a list of names.

        Returns
        -------
        hemomodels.display.Equations
            Displayed as MyST Markdown in a notebook and in the book.

        Examples
        --------
        >>> import hemomodels as hm
        >>> hm.models.tetschke2018().show_equations("eq-anaemia").labels[:2]
        ['eq-anaemia-epo-feedback', 'eq-anaemia-progenitors']
        """
        return display.Equations(self, label, states=states, observables=observables)

    def show_parameters(
        self, names: Sequence[str] | None = None, *, sources: str | None = None
    ) -> display.ParameterTable:
        """The parameters as the book shows them: symbol, name, value in plain notation,
        unit, range and a citation of the source.

        Parameters
        ----------
        names : list of str, optional
            Show only these parameters (default all, in declaration order).
        sources : str, optional
            Label of the chapter's "Sources and confidence" section, linked under the table.

        Returns
        -------
        hemomodels.display.ParameterTable

        Examples
        --------
        >>> import hemomodels as hm
        >>> table = hm.models.marciniak_czochra_2009().show_parameters(sources="sources-hsc")
        >>> table.rows()[0]
        ['$a_1$', 'Stem-cell self-renewal', '0.85', '–', '[0, 1]', '{cite:p}`stiehl2015`']
        """
        return display.ParameterTable(self, names, sources=sources)

    def diagram(
        self,
        *,
        inputs: Mapping[str, str] | None = None,
        groups: Sequence[tuple[str, Sequence[str]]] | None = None,
        direction: str | None = None,
        losses: bool | None = None,
    ) -> ModelDiagram:
        """A diagram of the model drawn from its declaration: compartments, the arrows
        between them, feedback, losses and inputs (see :mod:`hemomodels.diagram`).

        Needs Graphviz: the Python binding (``pip install 'hemomodels[diagrams]'``) and the
        ``dot`` program (e.g. ``apt-get install graphviz``); without either a
        :class:`~hemomodels.extras.MissingExtraError` says what to install.

        Parameters
        ----------
        inputs : mapping of str to str, optional
            Inputs to draw, by state name (a dose into that compartment) or parameter name
            (a treatment acting on the equations that contain it), each with its reader's
            label, e.g. ``{"Conc": "Docetaxel infusion"}``. Added to the model's default
            inputs (its ``diagram_layout``).
        groups : list of tuple, optional
            Compartments to draw together, as pairs of a title and a list of state names
            (default: the model's layout).
        direction : {"TB", "LR"}, optional
            Top to bottom (default, fits a phone) or left to right.
        losses : bool, optional
            Whether to draw losses to the outside (default: the model's layout).

        Returns
        -------
        hemomodels.diagram.ModelDiagram
            Displayed as an accessible inline SVG in a notebook and in the book.

        Examples
        --------
        >>> import hemomodels as hm
        >>> picture = hm.models.marciniak_czochra_2009().diagram()
        >>> print(picture.describe().splitlines()[5])
        Arrow from stem cells to progenitors and precursors.
        """
        from .diagram import build

        picture = build(self, inputs=inputs, groups=groups, direction=direction, losses=losses)
        picture.svg()  # draw now: a missing Graphviz is reported here, not when displayed
        return picture

    def __str__(self) -> str:
        return display.text(self)

    def _repr_markdown_(self) -> str:
        return display.markdown(self)

    def __repr__(self) -> str:
        return (
            f"<Model {self.name!r}: {len(self.states)} states, "
            f"{len(self.parameters)} parameters, time in {self.time_unit}>"
        )
