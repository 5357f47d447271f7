"""The :class:`Model`: a declared compartment model and everything derived from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from .compile import CompiledModel, compile_model
from .doses import Dose, ParameterChange, Schedule
from .errors import ModelError, describe_unit, invalid_value, unknown_name
from .integrate import integrate
from .result import Result
from .spec import TIME, Flow, Observable, Parameter, State, format_number
from .steady import SteadyState, find_steady_states, symbolic_solutions
from .validation import (
    check_cohort_table,
    check_doses,
    check_initial,
    check_method,
    check_parameters,
    check_time,
    check_tolerance,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Model"]

DEFAULT_RTOL = 1e-8
#: Largest number of states for which steady states are sought in closed form by default.
SYMBOLIC_STATE_LIMIT = 4
_STEADY_FUNCTIONS: dict[str, list[Callable[..., Any]]] = {}
DEFAULT_ATOL = 1e-10


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
        Longest simulation horizon accepted (in ``time_unit``).

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

    Names, defaults and the declared right-hand side are properties:

    >>> model.state_names, model.defaults, model.units
    (['drug'], {'clearance': 0.1}, {'drug': 'mg/L'})
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
    ) -> None:
        self.name = name
        self.states = tuple(states)
        self.parameters = tuple(parameters)
        self.observables = tuple(observables)
        self.flows = tuple(flows)
        self.time_unit = time_unit
        self.description = description
        self.reference = reference
        self.solve_symbolically = (
            len(self.states) <= SYMBOLIC_STATE_LIMIT
            if solve_symbolically is None
            else bool(solve_symbolically)
        )
        self.max_time = float(max_time)
        self._check_declaration()
        self._rhs_display = self._assemble(rhs or {})
        substitutions = self._observable_substitutions()
        self.observable_expressions = tuple(
            o.expression.xreplace(substitutions) for o in self.observables
        )
        self.rhs = tuple(sympy.sympify(e).xreplace(substitutions) for e in self._rhs_display)
        self._check_symbols()

    # ----------------------------------------------------------------- declaration checks
    def _check_declaration(self) -> None:
        if not self.states:
            raise ModelError(f"{self.name}: a model needs at least one state.", field="states")
        for kind, items, cls in (
            ("state", self.states, State),
            ("parameter", self.parameters, Parameter),
            ("observable", self.observables, Observable),
        ):
            for item in items:
                if not isinstance(item, cls):
                    raise ModelError(
                        f"{self.name}: {kind}s must be hemomodels.{cls.__name__} objects, got "
                        f"{item!r}.",
                        field=f"{kind}s",
                        value=item,
                    )
        declared: tuple[State | Parameter | Observable, ...] = (
            *self.states,
            *self.parameters,
            *self.observables,
        )
        names = [x.name for x in declared]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ModelError(
                f"{self.name}: names must be unique across states, parameters and observables; "
                f"repeated: {', '.join(duplicates)}.",
                field="names",
                value=duplicates,
            )

    def _state_of(self, key: State | str | sympy.Symbol) -> int:
        name = key.name if isinstance(key, (State, sympy.Symbol)) else key
        if name not in self.state_index:
            raise ModelError(
                f"{self.name}: rhs or flow refers to unknown compartment {name!r}; allowed: "
                f"{', '.join(self.state_names)}.",
                field="compartment",
                value=name,
            )
        return self.state_index[name]

    def _assemble(self, rhs: Mapping) -> list[sympy.Expr]:
        terms = [sympy.Integer(0)] * len(self.states)
        for key, expression in rhs.items():
            terms[self._state_of(key)] += sympy.sympify(expression)
        for flow in self.flows:
            if flow.source is not None:
                terms[self._state_of(flow.source)] -= flow.rate
            if flow.target is not None:
                terms[self._state_of(flow.target)] += flow.rate
        return terms

    def _observable_substitutions(self) -> dict[sympy.Symbol, sympy.Expr]:
        substitutions: dict[sympy.Symbol, sympy.Expr] = {}
        for observable in self.observables:
            substitutions[observable.symbol] = observable.expression.xreplace(substitutions)
        return substitutions

    def _check_symbols(self) -> None:
        allowed = {*self.state_symbols, *self.parameter_symbols, TIME}
        for label, expression in (
            *zip(self.state_names, self.rhs, strict=True),
            *zip(self.observable_names, self.observable_expressions, strict=True),
        ):
            unknown = sympy.sympify(expression).free_symbols - allowed
            if unknown:
                names = ", ".join(sorted(str(s) for s in unknown))
                raise ModelError(
                    f"{self.name}: the expression for {label!r} uses undeclared symbols "
                    f"{names}; declare them as states, parameters or observables (check that "
                    "you used the .symbol of the declared object).",
                    field=label,
                    value=names,
                )

    # ----------------------------------------------------------------------- names
    @cached_property
    def state_names(self) -> list[str]:
        """Names of the states, in state-vector order."""
        return [s.name for s in self.states]

    @cached_property
    def parameter_names(self) -> list[str]:
        """Names of the parameters, in parameter-vector order."""
        return [p.name for p in self.parameters]

    @cached_property
    def observable_names(self) -> list[str]:
        """Names of the observables."""
        return [o.name for o in self.observables]

    @cached_property
    def state_index(self) -> dict[str, int]:
        """Position of each state in the state vector."""
        return {name: i for i, name in enumerate(self.state_names)}

    @cached_property
    def parameter_index(self) -> dict[str, int]:
        """Position of each parameter in the parameter vector."""
        return {name: i for i, name in enumerate(self.parameter_names)}

    @cached_property
    def observable_index(self) -> dict[str, int]:
        """Position of each observable."""
        return {name: i for i, name in enumerate(self.observable_names)}

    @cached_property
    def state_symbols(self) -> list[sympy.Symbol]:
        """SymPy symbols of the states."""
        return [s.symbol for s in self.states]

    @cached_property
    def parameter_symbols(self) -> list[sympy.Symbol]:
        """SymPy symbols of the parameters."""
        return [p.symbol for p in self.parameters]

    @cached_property
    def units(self) -> dict[str, str]:
        """Unit of every state and observable, by name."""
        with_units: tuple[State | Observable, ...] = (*self.states, *self.observables)
        return {x.name: x.unit for x in with_units}

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
        if name not in self.parameter_index:
            raise unknown_name("parameter", name, self.parameter_names, model=self.name)
        return self.parameters[self.parameter_index[name]]

    @property
    def defaults(self) -> dict[str, float]:
        """Default parameter values, by name."""
        return {p.name: p.value for p in self.parameters}

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
        return tuple(self._rhs_display)

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

    @cached_property
    def latex_names(self) -> dict[sympy.Symbol, str]:
        """LaTeX name of every symbol, for :func:`sympy.latex`'s ``symbol_names``."""
        declared: tuple[State | Parameter | Observable, ...] = (
            *self.states,
            *self.parameters,
            *self.observables,
        )
        names = {x.symbol: x.tex for x in declared}
        names[TIME] = "t"
        return names

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
        return sympy.latex(sympy.sympify(expression), symbol_names=self.latex_names)

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
        s &= \\frac{1}{k c_3 + 1} \\\\
        """
        used = set().union(*(sympy.sympify(e).free_symbols for e in self._rhs_display))
        lines = []
        for observable in self.observables:
            if observables or observable.symbol in used:
                lines.append(f"{observable.tex} &= {self.latex_of(observable.expression)}")
        for state, expression in zip(self.states, self._rhs_display, strict=True):
            lines.append(rf"\frac{{d {state.tex}}}{{d t}} &= {self.latex_of(expression)}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    # -------------------------------------------------------------------- compiled
    @cached_property
    def structure_key(self) -> str:
        """Text identifying the model's equations; models with equal keys share compiled code."""
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
        key = self.structure_key
        if key not in _STEADY_FUNCTIONS:
            _STEADY_FUNCTIONS[key] = [
                sympy.lambdify(
                    self.parameter_symbols,
                    [solution[s] for s in self.state_symbols],
                    modules="numpy",
                )
                for solution in symbolic_solutions(self) or []
            ]
        return _STEADY_FUNCTIONS[key]

    # --------------------------------------------------------------------- analysis
    def steady_states(
        self,
        params: Mapping[str, float] | None = None,
        *,
        method: str = "auto",
        guesses: Iterable[Mapping[str, float] | Sequence[float]] = (),
    ) -> list[SteadyState]:
        """Feasible (non-negative) steady states and their stability.

        SymPy solves ``f(x) = 0`` in closed form where it can (``method="symbolic"``); where
        it cannot, SciPy's root finder starts from any ``guesses`` and the default initial
        state and, if that finds no stable state, also from where a long simulation settles
        (``method="numeric"``). Stability comes from the eigenvalues of the Jacobian at each
        steady state.

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
        vector = check_parameters(self, params)
        starts = [check_initial(self, g) for g in guesses]
        if not (method == "numeric" or (method == "auto" and not self._has_closed_form())):
            return find_steady_states(self, vector, method=method, guesses=starts)
        starts.append(check_initial(self, None))
        found = find_steady_states(self, vector, method=method, guesses=starts)
        if any(s.stability == "stable" for s in found):
            return found
        horizon = min(self.max_time, 1e4)
        try:  # no stable state near the starts: search again from where the model settles
            settled = self.simulate(horizon, params=params, t_eval=[0.0, horizon])
        except ModelError:
            return found
        return find_steady_states(
            self, vector, method=method, guesses=[*starts, settled.states[:, -1]]
        )

    def steady_state_frame(self, params: Mapping[str, float] | None = None) -> pd.DataFrame:
        """Steady states as a table: one row each, with values, stability and time scale.

        Columns: a ``label`` naming the compartments that are empty, one column per state,
        ``stability``, ``method``, the largest real part of the Jacobian's eigenvalues
        (1/time unit) and the slowest relaxation time ``1/min|Re λ|`` (time unit) — how long
        small disturbances take to die out (stable) or grow (unstable).

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> frame = model.steady_state_frame()
        >>> frame["stability"].tolist()
        ['unstable', 'unstable', 'stable']
        >>> frame.index[-1]
        'all compartments positive'
        """
        import pandas as pd

        rows = []
        for steady in self.steady_states(params):
            empty = [name for name, value in steady.values.items() if value == 0]
            if not empty:
                label = "all compartments positive"
            elif len(empty) == len(self.states):
                label = "all compartments empty"
            else:
                label = "empty: " + ", ".join(empty)
            real = np.real(steady.eigenvalues)
            slowest = float(np.min(np.abs(real))) if real.size else float("nan")
            rows.append(
                {
                    "label": label,
                    **steady.values,
                    "stability": steady.stability,
                    "method": steady.method,
                    f"max Re(eigenvalue) (1/{self.time_unit})": float(np.max(real)),
                    f"slowest time scale ({self.time_unit})": 1 / slowest
                    if slowest > 0
                    else float("inf"),
                }
            )
        return pd.DataFrame(rows).set_index("label")

    def steady_state_latex(self, steady: SteadyState) -> str:
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
        if not isinstance(steady, SteadyState):
            raise invalid_value(
                "steady", steady, "a SteadyState from model.steady_states()", None, model=self.name
            )
        if steady.expressions is None:
            raise ModelError(
                f"{self.name}: this steady state was found numerically and has no closed form.",
                field="steady state",
                value=steady.values,
            )
        lines = [
            f"{state.tex}^{{*}} &= {self.latex_of(steady.expressions[state.name])}"
            for state in self.states
        ]
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _has_closed_form(self) -> bool:
        return symbolic_solutions(self) is not None

    # ------------------------------------------------------------------- simulation
    def simulate(
        self,
        t_end: float,
        *,
        params: Mapping[str, float] | None = None,
        y0: Mapping[str, float] | Sequence[float] | None = None,
        doses: Iterable[Dose | Schedule | ParameterChange] | Dose | Schedule = (),
        t_eval: Sequence[float] | np.ndarray | None = None,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        method: str = "LSODA",
    ) -> Result:
        """Simulate one patient from time 0 to ``t_end``.

        Every input is checked before integration starts; a problem raises
        :class:`~hemomodels.ModelError` naming the field, the value, the allowed range and
        the unit.

        Parameters
        ----------
        t_end : float
            End time (> 0), in ``self.time_unit``.
        params : mapping, optional
            Parameter values overriding the defaults (within each parameter's bounds).
        y0 : mapping or sequence, optional
            Initial values (>= 0) overriding the states' defaults.
        doses : Dose, Schedule, ParameterChange or iterable of them
            Boluses added to compartments and parameter changes (e.g. a therapy switched on
            or off); integration restarts at each event time. ``result.params`` holds the
            parameters at time 0.
        t_eval : array_like, optional
            Output times, strictly increasing within ``[0, t_end]``; default 401 evenly
            spaced points.
        rtol, atol : float
            Relative and absolute solver tolerances.
        method : str
            ``"LSODA"`` (default, :func:`scipy.integrate.odeint`, stiff-safe; a piece between
            events where it fails is retried with SciPy's BDF before an error is raised) or a
            :func:`scipy.integrate.solve_ivp` method such as ``"BDF"`` or ``"Radau"``.

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
        grid, states, observed = self._run(
            initial, vector, t_end, t_eval, doses, rtol, atol, method
        )
        return Result(
            self,
            grid,
            states,
            observed,
            dict(zip(self.parameter_names, map(float, vector), strict=True)),
        )

    def simulate_many(
        self,
        params_table: pd.DataFrame | Mapping[str, Sequence[float]],
        t_end: float,
        *,
        doses: Iterable[Dose | Schedule | ParameterChange] | Dose | Schedule = (),
        t_eval: Sequence[float] | np.ndarray | None = None,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        method: str = "LSODA",
    ) -> Result:
        """Simulate a cohort: one parameter set (row) per patient, integrated together.

        All patients share one compiled right-hand side evaluated on arrays of shape
        ``(n_states, n_patients)``; the cohort is one ODE system whose block-diagonal
        Jacobian is passed to the solver as a banded matrix. The result equals simulating
        the patients one by one (to solver tolerance).

        Parameters
        ----------
        params_table : pandas.DataFrame or mapping of str to array
            One row (or array element) per patient. Columns name parameters; a column named
            after a state sets that patient's initial value. Missing parameters take their
            defaults.
        t_end, doses, t_eval, rtol, atol, method
            As in :meth:`simulate`; doses are given to every patient.

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
        """
        matrix, initial, frame = check_cohort_table(self, params_table)
        grid, states, observed = self._run(
            initial, matrix, t_end, t_eval, doses, rtol, atol, method, n_patients=matrix.shape[1]
        )
        return Result(self, grid, states, observed, frame)

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
        n_patients: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Check the remaining inputs, integrate, evaluate observables.

        Returns the output times, the states and the observables (a leading patient axis for
        a cohort).
        """
        t_end, grid = check_time(self, t_end, t_eval)
        events = check_doses(self, doses, t_end)
        rtol = check_tolerance(self, "rtol", rtol)
        atol = check_tolerance(self, "atol", atol)
        method = check_method(self, method)
        states, params_t = integrate(
            self.compiled,
            model_name=self.name,
            time_unit=self.time_unit,
            state_names=self.state_names,
            parameter_names=self.parameter_names,
            y0=initial,
            params=params,
            t_end=t_end,
            t_eval=grid,
            doses=events,
            rtol=rtol,
            atol=atol,
            method=method,
            n_patients=n_patients,
        )
        if n_patients is None:
            return grid, states, self.compiled.observe(grid, states, params_t)
        observed = self.compiled.observe(grid, np.moveaxis(states, 1, 0), params_t)
        return grid, states, np.moveaxis(observed, 0, 1)

    # ------------------------------------------------------------------------ exchange
    def to_sbml(
        self,
        *,
        doses: Iterable[Dose | Schedule | ParameterChange] = (),
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
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "parameter": p.name,
                    "symbol": p.tex,
                    "value": p.value,
                    "unit": describe_unit(p.unit),
                    "bounds": p.bounds_text(),
                    "source": p.source,
                    "description": p.description,
                    "note": p.note,
                }
                for p in self.parameters
            ]
        ).set_index("parameter")

    def _tables(self) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
        states = [
            [s.name, s.description, describe_unit(s.unit), format_number(s.initial)]
            for s in self.states
        ]
        parameters = [
            [
                p.name,
                p.description,
                format_number(p.value),
                describe_unit(p.unit),
                p.bounds_text(),
                p.source,
            ]
            for p in self.parameters
        ]
        observables = [[o.name, o.description, describe_unit(o.unit)] for o in self.observables]
        return states, parameters, observables

    def __str__(self) -> str:
        states, parameters, observables = self._tables()
        lines = [f"Model: {self.name}"]
        if self.reference:
            lines.append(f"Source: {self.reference}")
        lines.append(f"Time unit: {self.time_unit}")
        blocks = [
            ("States", ["name", "description", "unit", "initial"], states),
            (
                "Parameters",
                ["name", "description", "value", "unit", "bounds", "source"],
                parameters,
            ),
        ]
        if observables:
            blocks.append(("Observables", ["name", "description", "unit"], observables))
        for title, header, rows in blocks:
            widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
            lines += ["", title]
            for row in [header, *rows]:
                lines.append(
                    "  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
                )
        lines += ["", "Equations"]
        for observable in self.observables:
            lines.append(f"  {observable.name} = {sympy.sstr(observable.expression)}")
        for state, expression in zip(self.states, self._rhs_display, strict=True):
            lines.append(f"  d{state.name}/dt = {sympy.sstr(expression)}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        states, parameters, observables = self._tables()

        def table(header: list[str], rows: list[list[str]]) -> str:
            escape = [[str(c).replace("|", r"\|") for c in row] for row in rows]
            return "\n".join(
                [
                    "| " + " | ".join(header) + " |",
                    "|" + "---|" * len(header),
                    *("| " + " | ".join(row) + " |" for row in escape),
                ]
            )

        parts = [
            f"**{self.name}**" + (f" — {self.description}" if self.description else ""),
            f"Time unit: {self.time_unit}.",
            "**States**",
            table(["name", "description", "unit", "initial"], states),
            "**Parameters**",
            table(["name", "description", "value", "unit", "bounds", "source"], parameters),
        ]
        if observables:
            parts += ["**Observables**", table(["name", "description", "unit"], observables)]
        parts += ["**Equations**", "$$\n" + self.latex() + "\n$$"]
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        return (
            f"<Model {self.name!r}: {len(self.states)} states, "
            f"{len(self.parameters)} parameters, time in {self.time_unit}>"
        )
