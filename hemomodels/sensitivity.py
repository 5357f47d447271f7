"""Forward sensitivities: how every state and observable of a model moves with its parameters.

For :math:`\\dot x = f(x, p)` the sensitivities :math:`S = \\partial x/\\partial p` obey the
*variational equations*

.. math::

    \\dot S = \\frac{\\partial f}{\\partial x}\\,S + \\frac{\\partial f}{\\partial p},
    \\qquad S(0) = \\frac{\\partial x(0)}{\\partial p},

and an observable :math:`g(x, p)` has :math:`\\partial g/\\partial p = g_x S + g_p`. Both are
derived here symbolically from the model's declared right-hand side (SymPy), compiled like any
model, and integrated together with the model by the same engine and the same events, so the
sensitivities are exact up to the solver tolerance — no finite differences. A bolus dose adds a
fixed amount and leaves :math:`S` unchanged; a parameter change of a parameter whose
sensitivity is asked for is refused (after it the parameter is no longer the one being varied).

The *normalised* (logarithmic) sensitivity :math:`(p/y)\\,\\partial y/\\partial p` is the
percentage change of the output per percent change of the parameter.

Examples
--------
>>> import hemomodels as hm
>>> amount = hm.State("A", "Drug amount", "mg", initial=2.0)
>>> rate = hm.Parameter("k", 0.5, "1/h", (0, 5), "Elimination rate", "friberg2002")
>>> decay = hm.Model("Decay", states=[amount], parameters=[rate],
...                  flows=[hm.Flow(amount, None, rate.symbol * amount.symbol)],
...                  time_unit="h", reference="friberg2002")
>>> s = forward_sensitivities(decay, 2.0, t_eval=[0.0, 2.0])
>>> round(float(s.derivative("A", "k")[-1]), 5)  # d(2 e^{-kt})/dk = -2 t e^{-kt}
-1.47152
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from . import rules
from .cache import cached
from .compile import compile_model
from .doses import ParameterChange
from .errors import ModelError
from .integrate import Problem, integrate
from .solver import DEFAULT_MAX_EVALUATIONS, SolverError, SolverOptions
from .validation import (
    check_doses,
    check_initial,
    check_method,
    check_parameters,
    check_time,
    check_tolerance,
)

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = ["MAX_SENSITIVITY_STATES", "Sensitivities", "forward_sensitivities"]

#: Largest augmented system (states × (1 + parameters)) derived symbolically.
MAX_SENSITIVITY_STATES = 1500


@dataclass(frozen=True)
class _Augmented:
    """The model with its variational equations: compiled functions and names."""

    problem: Problem
    outputs: tuple[str, ...]  # states, then observables


def _augmented(model: Model, names: tuple[str, ...]) -> _Augmented:
    key = f"{model.structure_key}|sensitivities|{','.join(names)}"
    return cached(key, "sensitivity system", lambda: _derive(model, names, key))


def _derive(model: Model, names: tuple[str, ...], key: str) -> _Augmented:
    states = sympy.Matrix(model.state_symbols)
    chosen = sympy.Matrix([model.parameter(name).symbol for name in names])
    n, m = len(model.state_names), len(names)
    f = sympy.Matrix(model.rhs)
    s = sympy.Matrix(n, m, lambda i, j: sympy.Symbol(f"_sens_{i}_{j}"))
    s_dot = f.jacobian(states) * s + f.jacobian(chosen)
    g = sympy.Matrix(model.observable_expressions)
    g_dot = g.jacobian(states) * s + g.jacobian(chosen) if len(g) else sympy.Matrix()
    compiled = compile_model(
        key,
        [*model.state_symbols, *s],  # row-major: state i, parameter j
        model.parameter_symbols,
        [*model.rhs, *s_dot],
        [*g, *g_dot],
    )
    problem = Problem(
        compiled,
        (*model.state_names, *(f"d{x}/d{p}" for x in model.state_names for p in names)),
        model.parameter_names,
        (*(state.nonnegative for state in model.states), *(False,) * (n * m)),
        model.time_unit,
    )
    return _Augmented(problem, (*model.state_names, *model.observable_names))


@dataclass(frozen=True)
class Sensitivities:
    """A simulation with the derivatives of every state and observable by chosen parameters.

    Attributes
    ----------
    model_name : str
        The model simulated.
    parameters : tuple of str
        The parameters differentiated by.
    parameter_values : dict
        Every parameter's value at time 0.
    t : numpy.ndarray
        Output times (model time unit).
    values : dict of str to numpy.ndarray
        Each state and observable over ``t``.
    derivatives : dict of str to numpy.ndarray
        ``d output / d parameter``: for each output an array ``(len(parameters), len(t))``.
    """

    model_name: str
    parameters: tuple[str, ...]
    parameter_values: dict[str, float]
    t: np.ndarray
    values: dict[str, np.ndarray]
    derivatives: dict[str, np.ndarray]

    def derivative(self, output: str, parameter: str) -> np.ndarray:
        """``d output / d parameter`` over time.

        Parameters
        ----------
        output : str
            A state or observable.
        parameter : str
            One of :attr:`parameters`.
        """
        output = rules.name(output, "output", list(self.values), kind="state or observable")
        parameter = rules.name(parameter, "parameter", list(self.parameters), kind="parameter")
        return self.derivatives[output][self.parameters.index(parameter)]

    def normalised(self, output: str) -> pd.DataFrame:
        """Logarithmic sensitivities ``(p / y) dy/dp`` of ``output``: one column per
        parameter, one row per output time (NaN where the output is zero).

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.friberg2002()
        >>> s = forward_sensitivities(model, 48.0, parameters=["MTT"], t_eval=[0.0, 48.0])
        >>> s.normalised("ANC").round(6).to_dict("list")  # at baseline nothing moves
        {'MTT': [0.0, 0.0]}
        """
        import pandas as pd

        output = rules.name(output, "output", list(self.values), kind="state or observable")
        y = self.values[output]
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = {
                p: np.where(y != 0, self.parameter_values[p] * d / y, np.nan)
                for p, d in zip(self.parameters, self.derivatives[output], strict=True)
            }
        return pd.DataFrame(scaled, index=pd.Index(self.t, name="time"))

    def frame(self, outputs: Sequence[str] | None = None) -> pd.DataFrame:
        """Tidy table: ``time``, ``output``, ``parameter``, ``value`` (of the output),
        ``sensitivity`` (d output/d parameter) and ``normalised`` ((p/y) dy/dp)."""
        import pandas as pd

        names = list(self.values) if outputs is None else list(outputs)
        rows = []
        for output in names:
            normalised = self.normalised(output)
            for j, parameter in enumerate(self.parameters):
                rows.append(
                    pd.DataFrame(
                        {
                            "time": self.t,
                            "output": output,
                            "parameter": parameter,
                            "value": self.values[output],
                            "sensitivity": self.derivatives[output][j],
                            "normalised": normalised[parameter].to_numpy(),
                        }
                    )
                )
        return pd.concat(rows, ignore_index=True)


def forward_sensitivities(
    model: Model,
    t_end: float,
    *,
    parameters: Sequence[str] | None = None,
    params: Mapping[str, float] | None = None,
    y0: Mapping[str, float] | Sequence[float] | None = None,
    initial_sensitivities: Mapping[tuple[str, str], float] | None = None,
    doses: Any = (),
    t_eval: Sequence[float] | np.ndarray | None = None,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    method: str = "LSODA",
) -> Sensitivities:
    """Simulate ``model`` together with its variational equations.

    Parameters
    ----------
    model : Model
        Any model.
    t_end : float
        End time, in the model's time unit.
    parameters : list of str, optional
        Parameters to differentiate by (default all).
    params, y0, doses, t_eval, rtol, atol, method
        As for :meth:`~hemomodels.Model.simulate`. A :class:`~hemomodels.ParameterChange` of
        one of ``parameters`` is refused.
    initial_sensitivities : mapping, optional
        ``{(state, parameter): value}``: derivatives of the initial state by the parameters,
        when the starting state depends on them (e.g. a count that starts at a baseline
        parameter); zero otherwise.

    Returns
    -------
    Sensitivities

    Raises
    ------
    ModelError
        For bad input (before anything is integrated), a system larger than
        :data:`MAX_SENSITIVITY_STATES`, or a solver failure.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.models.friberg2002 import regimen
    >>> model = hm.models.friberg2002("docetaxel_kloft2006")
    >>> s = forward_sensitivities(model, 8 * 24, parameters=["slope"],
    ...                           doses=regimen(100, cycles=1), t_eval=[0.0, 8 * 24])
    >>> bool(s.derivative("ANC", "slope")[-1] < 0)  # a more potent drug, fewer neutrophils
    True
    """
    names = tuple(
        model.parameter_names
        if parameters is None
        else rules.names(parameters, "parameters", list(model.parameter_names), kind="parameter")
    )
    size = len(model.state_names) * (1 + len(names))
    if size > MAX_SENSITIVITY_STATES:
        raise ModelError(
            f"{model.name}: {len(model.state_names)} states × (1 + {len(names)} parameters) = "
            f"{size} equations is not allowed; allowed: at most {MAX_SENSITIVITY_STATES}. "
            "Ask for fewer parameters.",
            field="parameters",
            value=list(names),
        )
    vector = check_parameters(model, params)
    initial = check_initial(model, y0)
    t_end, grid = check_time(model, t_end, t_eval)
    events = check_doses(model, doses, t_end, params=vector)
    for event in events:
        if isinstance(event, ParameterChange) and set(event.names) & set(names):
            changed = sorted(set(event.names) & set(names))
            raise ModelError(
                f"doses: a ParameterChange at t = {event.time:g} sets {changed}, whose "
                "sensitivities are asked for; allowed: changes of other parameters only.",
                field="doses",
                value=event,
            )
    options = SolverOptions(
        check_method(model, method),
        check_tolerance(model, "rtol", rtol),
        check_tolerance(model, "atol", atol),
        DEFAULT_MAX_EVALUATIONS,
    )
    start = np.zeros((len(model.state_names), len(names)))
    given = initial_sensitivities or {}
    if not isinstance(given, Mapping):
        raise ModelError(
            f"initial_sensitivities = {given!r} is not allowed; allowed: a mapping of "
            "(state, parameter) pairs to numbers.",
            field="initial_sensitivities",
            value=given,
        )
    for key, value in given.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ModelError(
                f"initial_sensitivities key {key!r} is not allowed; allowed: a (state, "
                "parameter) pair.",
                field="initial_sensitivities",
                value=key,
            )
        state = rules.name(
            key[0], "initial_sensitivities state", list(model.state_names), kind="state"
        )
        parameter = rules.name(
            key[1], "initial_sensitivities parameter", list(names), kind="parameter"
        )
        start[model.state_index[state], names.index(parameter)] = rules.number(
            value, f"initial_sensitivities[{key!r}]"
        )
    system = _augmented(model, names)
    try:
        run = integrate(
            system.problem,
            y0=np.concatenate([initial, start.ravel()]),
            params=vector,
            t_end=t_end,
            t_eval=grid,
            events=events,
            options=options,
        )
    except SolverError as error:
        raise ModelError(
            f"{model.name}: the sensitivity system failed at t = {error.reached:.6g} "
            f"{model.time_unit}: {error.reason}",
            field="solver",
            value=error.reached,
        ) from None
    n, m, k = len(model.state_names), len(names), len(model.observable_names)
    with np.errstate(all="ignore"):
        observed = system.problem.compiled.observe(grid, run.states, run.params)
    values = {name: run.states[i] for i, name in enumerate(model.state_names)}
    values |= {name: observed[i] for i, name in enumerate(model.observable_names)}
    derivatives = {
        name: run.states[n + i * m : n + (i + 1) * m] for i, name in enumerate(model.state_names)
    }
    derivatives |= {
        name: observed[k + i * m : k + (i + 1) * m] for i, name in enumerate(model.observable_names)
    }
    return Sensitivities(
        model.name,
        names,
        dict(zip(model.parameter_names, map(float, vector), strict=True)),
        grid,
        values,
        derivatives,
    )
