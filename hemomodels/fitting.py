"""Fit model parameters to data: least squares with exact gradients, standard errors and
profile-likelihood intervals.

The data are a tidy table, one measurement per row: ``time`` (model time unit), ``variable``
(a state or observable), ``value``, optionally ``sd`` (the measurement's standard deviation)
and ``patient`` (several patients share the fitted parameters, each with their own doses).
The residuals are ``(model − value) / sd`` (or ``model − value`` when no ``sd`` is given, and
the noise level is then estimated). :func:`scipy.optimize.least_squares` minimises their sum of
squares within each parameter's declared bounds, on a logarithmic scale for parameters that
must be positive, with the exact Jacobian from the model's forward sensitivities
(:mod:`hemomodels.sensitivity`) — no finite differences.

Uncertainty comes two ways:

* **standard errors** from the Fisher information :math:`J^\\top J` at the optimum (scaled by
  the estimated noise variance when no ``sd`` is given), with Wald intervals on the fitting
  scale (log for positive parameters, so the interval stays positive);
* **profile-likelihood intervals** (:meth:`FitResult.profile`): the range of a parameter over
  which the best fit with that parameter fixed stays within the χ² (or, with estimated noise,
  likelihood-ratio) threshold of the optimum. They follow the likelihood's real shape where
  Wald intervals assume a quadratic one.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import hemomodels as hm
>>> amount = hm.State("A", "Drug amount", "mg", initial=2.0)
>>> rate = hm.Parameter("k", 0.5, "1/h", (0.01, 5), "Elimination rate", "friberg2002")
>>> decay = hm.Model("Decay", states=[amount], parameters=[rate],
...                  flows=[hm.Flow(amount, None, rate.symbol * amount.symbol)],
...                  time_unit="h", reference="friberg2002")
>>> t = np.array([1.0, 2.0, 4.0, 8.0])
>>> data = pd.DataFrame({"time": t, "variable": "A", "value": 2 * np.exp(-0.3 * t),
...                      "sd": 0.01})
>>> result = fit(decay, data, ["k"])
>>> round(result.estimates["k"], 4)
0.3
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import optimize, stats

from . import rules
from .errors import ModelError, invalid_value
from .sensitivity import forward_sensitivities
from .validation import check_initial, check_parameters

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = ["FitResult", "fit"]

_COLUMNS = ("time", "variable", "value")
#: Doubling steps away from the estimate before a profile end is taken to be unbounded.
_PROFILE_STEPS = 40


def _table(model: Model, data: Any) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise invalid_value("data", type(data).__name__, "a pandas DataFrame", None)
    missing = [c for c in _COLUMNS if c not in data.columns]
    if missing:
        raise ModelError(
            f"data has no column(s) {missing}; allowed: a tidy table with columns time, "
            "variable, value and optionally sd and patient.",
            field="data",
            value=list(data.columns),
        )
    if data.empty:
        raise invalid_value("data", "an empty table", "at least one measurement", None)
    table = data.reset_index(drop=True).copy()
    known = [*model.state_names, *model.observable_names]
    for name in table["variable"].unique():
        rules.name(name, "data variable", known, kind="state or observable", model=model.name)
    for column in ("time", "value", *(["sd"] if "sd" in table else [])):
        values = table[column].to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise invalid_value(f"data {column} (row {row})", values[row], "a finite number", None)
        table[column] = values
    if (table["time"] < 0).any():
        row = int(np.flatnonzero(table["time"].to_numpy() < 0)[0])
        raise invalid_value(f"data time (row {row})", table["time"][row], ">= 0", model.time_unit)
    if "sd" in table and (table["sd"] <= 0).any():
        row = int(np.flatnonzero(table["sd"].to_numpy() <= 0)[0])
        raise invalid_value(f"data sd (row {row})", table["sd"][row], "> 0", "unit of the value")
    if "patient" not in table:
        table["patient"] = 0
    return table


@dataclass
class _Problem:
    """Everything a residual evaluation needs."""

    model: Model
    names: tuple[str, ...]
    table: pd.DataFrame
    base: dict[str, float]
    log: np.ndarray
    initial_from: dict[str, str]
    y0: dict[str, float]
    doses: Callable[[Any], Any]
    t_end: float
    rtol: float
    atol: float
    weights: np.ndarray
    evaluations: int = 0

    def start(self, params: Mapping[str, float]) -> dict[str, float]:
        """Initial values: ``y0``, with the states that start at a parameter set from it."""
        return dict(self.y0) | {state: params[name] for state, name in self.initial_from.items()}

    def natural(self, theta: np.ndarray) -> np.ndarray:
        return np.where(self.log, np.exp(theta), theta)

    def residuals_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = self.natural(theta)
        params = self.base | dict(zip(self.names, map(float, values), strict=True))
        r = np.empty(len(self.table))
        jac = np.empty((len(self.table), len(self.names)))
        for patient, rows in self.table.groupby("patient", sort=False):
            times = np.unique(np.concatenate(([0.0], rows["time"].to_numpy())))
            start = self.start(params)
            s = forward_sensitivities(
                self.model,
                max(self.t_end, float(times[-1])),
                parameters=self.names,
                params=params,
                y0=start,
                initial_sensitivities={
                    (state, name): 1.0
                    for state, name in self.initial_from.items()
                    if name in self.names
                },
                doses=self.doses(patient),
                t_eval=times,
                rtol=self.rtol,
                atol=self.atol,
            )
            where = np.searchsorted(times, rows["time"].to_numpy())
            for variable, group in rows.groupby("variable", sort=False):
                index = group.index.to_numpy()
                at = where[rows.index.get_indexer(index)]
                r[index] = s.values[variable][at] - group["value"].to_numpy()
                jac[index] = s.derivatives[variable][:, at].T
        self.evaluations += 1
        scale = np.where(self.log, values, 1.0)  # d p / d theta
        return r / self.weights, jac * scale / self.weights[:, None]


@dataclass
class FitResult:
    """Estimates, their uncertainty and the residuals of :func:`fit`.

    Attributes
    ----------
    model_name : str
        The model fitted.
    parameters : tuple of str
        The fitted parameters.
    estimates : dict of str to float
        Best-fit values (natural units).
    standard_errors : dict of str to float
        From the Fisher information, on the natural scale (delta method for log-scale
        parameters).
    intervals : dict of str to (float, float)
        Wald 95 % intervals, computed on the fitting scale (log for positive parameters).
    log_scale : dict of str to bool
        Whether each parameter was fitted on a log scale.
    rss : float
        Sum of squared (weighted) residuals at the optimum.
    n_observations : int
        Number of measurements.
    sigma : float or None
        Estimated noise standard deviation, or ``None`` when the data give ``sd``.
    residuals : pandas.DataFrame
        The data with ``prediction`` and ``residual`` (weighted) columns.
    start_costs : list of float
        Best sum of squares reached from each start (``nan`` if that start failed).
    success : bool
        Whether the best run converged.
    message : str
        The optimiser's message for the best run.
    """

    model_name: str
    parameters: tuple[str, ...]
    estimates: dict[str, float]
    standard_errors: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    log_scale: dict[str, bool]
    rss: float
    n_observations: int
    sigma: float | None
    residuals: pd.DataFrame
    start_costs: list[float]
    success: bool
    message: str
    _problem: _Problem = field(repr=False)
    _theta: np.ndarray = field(repr=False)
    _profiles: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    def _objective(self, rss: float) -> float:
        """-2 log-likelihood up to a constant: the RSS when the data give ``sd``, else
        ``n log RSS`` (the noise level profiled out)."""
        return rss if self.sigma is None else self.n_observations * math.log(rss)

    def profile(self, parameter: str, level: float = 0.95) -> tuple[float, float]:
        """Profile-likelihood interval of ``parameter`` at confidence ``level``.

        The parameter is fixed at values on either side of its estimate and the others
        re-fitted; the interval's ends are where the objective (-2 log-likelihood, the noise
        level profiled out when it is estimated) rises by the χ²₁ quantile of ``level``. An
        end that is not reached within the parameter's bounds is the bound itself.

        Returns
        -------
        (float, float)
            The interval in natural units.
        """
        name = rules.name(parameter, "parameter", list(self.parameters), kind="parameter")
        level = rules.number(level, "level", low=0.5, high=0.999, unit="1")
        key = f"{name}@{level}"
        if key not in self._profiles:
            self._profiles[key] = self._profile(name, level)
        return self._profiles[key]

    def _profile(self, name: str, level: float) -> tuple[float, float]:
        problem = self._problem
        j = problem.names.index(name)
        target = self._objective(self.rss) + float(stats.chi2.ppf(level, 1))
        low_bound, high_bound = _theta_bounds(problem.model, problem.names, problem.log)
        others = [k for k in range(len(problem.names)) if k != j]
        theta = self._theta.copy()

        def excess(value: float) -> float:
            if not others:
                full = theta.copy()
                full[j] = value
                r, _ = problem.residuals_and_jacobian(full)
                return self._objective(float(r @ r)) - target

            def reduced(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                full = theta.copy()
                full[others] = x
                full[j] = value
                r, jac = problem.residuals_and_jacobian(full)
                return r, jac[:, others]

            run = _least_squares(reduced, theta[others], (low_bound[others], high_bound[others]))
            r = run.fun
            return self._objective(float(r @ r)) - target

        se = math.sqrt(max(self._covariance()[j, j], 1e-12))
        ends = []
        for direction, bound in ((-1, low_bound[j]), (1, high_bound[j])):
            inner, step = self._theta[j], se
            end = bound
            for _ in range(_PROFILE_STEPS):
                outer = inner + direction * step
                if direction * (outer - bound) >= 0:  # at or past the bound
                    if math.isfinite(bound) and excess(bound) >= 0:
                        end = optimize.brentq(excess, inner, bound, xtol=1e-6 * se)
                    break
                if excess(outer) >= 0:
                    end = optimize.brentq(excess, inner, outer, xtol=1e-6 * se)
                    break
                inner, step = outer, 2 * step
            ends.append(end)
        low, high = ends
        if problem.log[j]:
            return math.exp(low), math.exp(high)
        return float(low), float(high)

    def _covariance(self) -> np.ndarray:
        _, jac = self._problem.residuals_and_jacobian(self._theta)
        information = jac.T @ jac
        covariance = np.linalg.pinv(information)
        if self.sigma is not None:
            covariance = covariance * self.sigma**2
        return covariance

    def predict(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """The fitted model at ``times`` for every patient and variable of the data.

        Parameters
        ----------
        times : array_like
            Output times (model time unit), increasing, from 0.

        Returns
        -------
        pandas.DataFrame
            Tidy: ``patient``, ``time``, ``variable``, ``value``.
        """
        import pandas as pd

        problem = self._problem
        grid = np.asarray(times, dtype=float)
        params = problem.base | self.estimates
        frames = []
        for patient, rows in problem.table.groupby("patient", sort=False):
            start = problem.start(params)
            result = problem.model.simulate(
                float(grid[-1]),
                params=params,
                y0=start,
                doses=problem.doses(patient),
                t_eval=grid,
                rtol=problem.rtol,
                atol=problem.atol,
            )
            for variable in rows["variable"].unique():
                frames.append(
                    pd.DataFrame(
                        {
                            "patient": patient,
                            "time": grid,
                            "variable": variable,
                            "value": np.asarray(result[variable]),
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True)

    def table(self, profiles: bool = False) -> pd.DataFrame:
        """Estimates with standard errors and 95 % intervals (Wald; and profile-likelihood if
        ``profiles``), one row per parameter."""
        import pandas as pd

        rows = {}
        for name in self.parameters:
            low, high = self.intervals[name]
            row = {
                "estimate": self.estimates[name],
                "standard error": self.standard_errors[name],
                "95 % low (Wald)": low,
                "95 % high (Wald)": high,
            }
            if profiles:
                p_low, p_high = self.profile(name)
                row |= {"95 % low (profile)": p_low, "95 % high (profile)": p_high}
            rows[name] = row
        return pd.DataFrame.from_dict(rows, orient="index")


def _least_squares(
    residuals_and_jacobian: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    start: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
) -> optimize.OptimizeResult:
    """:func:`scipy.optimize.least_squares` with residuals and Jacobian from one simulation
    per point (the optimiser asks for them separately, at the same point)."""
    last: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = x.tobytes()
        if key not in last:
            last.clear()
            last[key] = residuals_and_jacobian(x)
        return last[key]

    return optimize.least_squares(
        lambda x: evaluate(x)[0],
        start,
        jac=lambda x: evaluate(x)[1],
        bounds=bounds,
        method="trf",
        x_scale="jac",
    )


def _theta_bounds(
    model: Model, names: Sequence[str], log: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    lows, highs = [], []
    for name, is_log in zip(names, log, strict=True):
        low, high = model.parameter(name).bounds
        if is_log:
            lows.append(math.log(low) if low > 0 else -np.inf)
            highs.append(math.log(high) if math.isfinite(high) else np.inf)
        else:
            lows.append(low)
            highs.append(high)
    return np.array(lows, dtype=float), np.array(highs, dtype=float)


def _start_points(
    model: Model, names: Sequence[str], first: np.ndarray, log: np.ndarray, count: int, seed: int
) -> list[np.ndarray]:
    """The given start, then ``count - 1`` draws uniform on the fitting scale within the
    bounds (bounds at infinity replaced by a factor 10 around the start)."""
    rng = np.random.default_rng(seed)
    low, high = _theta_bounds(model, names, log)
    spread = np.where(log, math.log(10.0), np.maximum(np.abs(first), 1.0))
    low = np.where(np.isfinite(low), low, first - spread)
    high = np.where(np.isfinite(high), high, first + spread)
    points = [first]
    for _ in range(count - 1):
        points.append(rng.uniform(low, high))
    return points


def fit(
    model: Model,
    data: pd.DataFrame,
    parameters: Sequence[str],
    *,
    params: Mapping[str, float] | None = None,
    y0: Mapping[str, float] | None = None,
    initial_from: Mapping[str, str] | None = None,
    doses: Any = (),
    t_end: float | None = None,
    log_scale: bool = True,
    starts: int = 1,
    seed: int = 0,
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> FitResult:
    """Fit ``parameters`` of ``model`` to ``data`` by (weighted) least squares.

    Parameters
    ----------
    model : Model
        Any model.
    data : pandas.DataFrame
        Columns ``time``, ``variable``, ``value`` and optionally ``sd`` and ``patient``.
    parameters : list of str
        Parameters to estimate; the others keep ``params`` or their defaults. Starting values
        are ``params`` or the defaults.
    params : mapping, optional
        Values of parameters (fitted ones: the starting point).
    y0 : mapping, optional
        Initial values of states (as for :meth:`~hemomodels.Model.simulate`).
    initial_from : mapping of str to str, optional
        ``{state: parameter}``: states that start at a parameter's value (e.g. every cell
        compartment of the Friberg model at ``Circ0``), so that fitting the parameter moves
        the start too (with its exact derivative).
    doses : Dose, Schedule, Infusion, ParameterChange, list of them, or mapping, optional
        Events for every patient, or ``{patient: events}`` per patient.
    t_end : float, optional
        Simulation end (default the last measurement).
    log_scale : bool
        Fit parameters whose lower bound is >= 0 (and value > 0) on a log scale.
    starts : int
        Number of starting points (1–100): the given start, then random ones within the
        bounds; the best fit is kept.
    seed : int
        Seed of the random starts.
    rtol, atol : float
        Solver tolerances.

    Returns
    -------
    FitResult

    Raises
    ------
    ModelError
        For bad input (before any simulation), or if every start fails.

    Examples
    --------
    Recover the drug potency of the docetaxel model from noise-free counts, starting from half
    of it:

    >>> import numpy as np, pandas as pd
    >>> import hemomodels as hm
    >>> from hemomodels.models.friberg2002 import regimen
    >>> model = hm.models.friberg2002("docetaxel_kloft2006")
    >>> days = np.array([4.0, 7.0, 10.0, 14.0, 21.0])
    >>> anc = model.simulate(21 * 24, doses=regimen(100, cycles=1), t_eval=days * 24)["ANC"]
    >>> data = pd.DataFrame({"time": days * 24, "variable": "ANC", "value": anc, "sd": 0.05})
    >>> result = fit(model, data, ["slope"], params={"slope": 7.8}, doses=regimen(100, cycles=1))
    >>> round(result.estimates["slope"], 2)
    15.57
    """
    table = _table(model, data)
    names = tuple(
        rules.names(parameters, "parameters", list(model.parameter_names), kind="parameter")
    )
    if len(set(names)) != len(names):
        raise invalid_value("parameters", list(names), "distinct parameter names", None)
    starts = rules.integer(starts, "starts", low=1, high=100, unit="starts")
    seed = rules.integer(seed, "seed", low=0, unit="1")
    log_scale = rules.flag(log_scale, "log_scale")
    base = dict(
        zip(model.parameter_names, map(float, check_parameters(model, params)), strict=True)
    )
    check_initial(model, y0)
    initial_from = {
        rules.name(state, "initial_from state", list(model.state_names), kind="state"): rules.name(
            name, "initial_from parameter", list(model.parameter_names), kind="parameter"
        )
        for state, name in rules.mapping(initial_from or {}, "initial_from").items()
    }
    first = np.array([float(base[name]) for name in names])
    log = np.array(
        [
            log_scale and model.parameter(name).bounds[0] >= 0 and value > 0
            for name, value in zip(names, first, strict=True)
        ]
    )
    patients = list(dict.fromkeys(table["patient"]))
    if isinstance(doses, Mapping):
        missing = [p for p in patients if p not in doses]
        if missing:
            raise invalid_value(
                "doses", f"no entry for patients {missing}", "one per patient", None
            )
        per_patient = dict(doses)
    else:
        per_patient = {p: doses for p in patients}
    end = float(table["time"].max()) if t_end is None else float(t_end)
    problem = _Problem(
        model=model,
        names=names,
        table=table,
        base={k: float(v) for k, v in base.items()},
        log=log,
        initial_from=initial_from,
        y0=dict(rules.mapping(y0 or {}, "y0")),
        doses=per_patient.__getitem__,
        t_end=end,
        rtol=rules.number(rtol, "rtol", low=1e-14, high=1e-2, unit="1"),
        atol=rules.number(atol, "atol", low=1e-16, high=1.0, unit="1"),
        weights=table["sd"].to_numpy() if "sd" in table else np.ones(len(table)),
    )
    theta0 = np.where(log, np.log(np.where(log, first, 1.0)), first)
    low, high = _theta_bounds(model, names, log)
    best, costs = None, []
    for start in _start_points(model, names, theta0, log, starts, seed):
        try:
            run = _least_squares(
                problem.residuals_and_jacobian, np.clip(start, low, high), (low, high)
            )
        except ModelError:
            costs.append(math.nan)
            continue
        costs.append(float(2 * run.cost))
        if best is None or run.cost < best.cost:
            best = run
    if best is None:
        raise ModelError(
            f"{model.name}: every one of {starts} starting points failed to simulate.",
            field="starts",
            value=starts,
        )
    theta = best.x
    residuals, jac = problem.residuals_and_jacobian(theta)
    rss = float(residuals @ residuals)
    n, p = len(table), len(names)
    known = "sd" in table
    sigma = None if known else math.sqrt(rss / max(n - p, 1))
    covariance = np.linalg.pinv(jac.T @ jac) * (1.0 if sigma is None else sigma**2)
    se_theta = np.sqrt(np.clip(np.diag(covariance), 0, None))
    quantile = stats.norm.ppf(0.975) if known else stats.t.ppf(0.975, max(n - p, 1))
    estimates = problem.natural(theta)
    result_table = table.copy()
    weights = problem.weights
    result_table["prediction"] = residuals * weights + table["value"].to_numpy()
    result_table["residual"] = residuals
    intervals: dict[str, tuple[float, float]] = {}
    errors: dict[str, float] = {}
    for k, name in enumerate(names):
        lo_hi = theta[k] + np.array([-1, 1]) * quantile * se_theta[k]
        low_end, high_end = (float(v) for v in (np.exp(lo_hi) if log[k] else lo_hi))
        intervals[name] = (low_end, high_end)
        errors[name] = float(estimates[k] * se_theta[k] if log[k] else se_theta[k])
    return FitResult(
        model_name=model.name,
        parameters=names,
        estimates=dict(zip(names, map(float, estimates), strict=True)),
        standard_errors=errors,
        intervals=intervals,
        log_scale=dict(zip(names, map(bool, log), strict=True)),
        rss=rss,
        n_observations=n,
        sigma=sigma,
        residuals=result_table,
        start_costs=costs,
        success=bool(best.success),
        message=str(best.message),
        _problem=problem,
        _theta=theta,
    )
