"""Global sensitivity: which parameters, varied over a range, decide a read-out?

Local sensitivities (:mod:`hemomodels.sensitivity`) say how an output moves when one
parameter moves a little from one point. Global methods vary all parameters at once over
ranges and apportion the read-out's variation among them:

* **Sobol indices** (variance-based): the first-order index :math:`S_1` is the share of the
  read-out's variance due to the parameter alone, the total index :math:`S_T` the share in
  which it takes part, interactions included. :math:`S_T - S_1` measures interactions;
  parameters with :math:`S_T \\approx 0` can be fixed anywhere in their range.
* **Morris elementary effects** (a cheaper screening): :math:`\\mu^*`, the mean absolute
  change of the read-out per step of the parameter, a step being measured as a fraction of its
  range (so a linear effect gives the coefficient times the range), and :math:`\\sigma`, the
  spread of those changes (non-linearity or interactions).

Samples are drawn and analysed by SALib (Saltelli's scheme for Sobol, Morris trajectories);
every sample is one virtual patient of :meth:`hemomodels.Model.simulate_many`, so the whole
design runs through the cohort engine (or, with ``client=``, in chunks on a Dask cluster:
:mod:`hemomodels.distributed`). SALib is an optional extra
(``pip install 'hemomodels[sensitivity]'``).

References
----------
Saltelli A et al. (2010). Variance based sensitivity analysis of model output. *Comput Phys
Commun* 181:259–270. Herman J, Usher W (2017). SALib: an open-source Python library for
sensitivity analysis. *J Open Source Softw* 2(9):97.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from . import rules
from .errors import ModelError
from .extras import missing_extra
from .validation import check_parameters

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model
    from .result import Result

__all__ = ["morris_indices", "sobol_indices"]

#: A read-out: from a cohort result, one value per patient (or several, by name).
Readout = Callable[["Result"], "np.ndarray | Mapping[str, np.ndarray]"]


def _salib():
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise missing_extra("SALib", "Global sensitivity analysis") from error
    return sobol_sample, sobol_analyze, morris_sample, morris_analyze


def _problem(model: Model, ranges: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """SALib's problem: names and bounds, each range inside the parameter's declared bounds."""
    names, bounds = [], []
    for name, pair in rules.mapping(ranges, "ranges").items():
        name = rules.name(name, "ranges", list(model.parameter_names), kind="parameter")
        parameter = model.parameter(name)
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ModelError(
                f"ranges[{name!r}] = {pair!r} is not allowed; allowed: a (low, high) pair in "
                f"{parameter.unit}.",
                field=f"ranges[{name!r}]",
                value=pair,
            )
        low, high = (check_parameters(model, {name: v})[model.parameter_index[name]] for v in pair)
        if not low < high:
            raise ModelError(
                f"ranges[{name!r}] = ({low:g}, {high:g}) is not allowed; allowed: low < high "
                f"({parameter.unit}).",
                field=f"ranges[{name!r}]",
                value=pair,
            )
        names.append(name)
        bounds.append([low, high])
    if not names:
        raise ModelError(
            "ranges = {} is not allowed; allowed: at least one parameter with its range.",
            field="ranges",
            value=ranges,
        )
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _evaluate(
    model: Model,
    problem: dict[str, Any],
    samples: np.ndarray,
    readout: Readout,
    t_end: float,
    simulate: Mapping[str, Any],
    initial_from: Mapping[str, str] | None,
    client: Any,
) -> dict[str, np.ndarray]:
    import pandas as pd

    table = pd.DataFrame(samples, columns=problem["names"])
    for state, name in rules.mapping(initial_from or {}, "initial_from").items():
        state = rules.name(state, "initial_from state", list(model.state_names), kind="state")
        name = rules.name(name, "initial_from parameter", problem["names"], kind="parameter")
        table[state] = table[name]
    if client is None:
        values = readout(model.simulate_many(table, t_end, **simulate))
    else:
        values = _on_cluster(model, table, readout, t_end, simulate, client)
    if not isinstance(values, Mapping):
        values = {"read-out": values}
    out = {}
    for name, array in values.items():
        array = np.asarray(array, dtype=float)
        if array.shape != (len(table),):
            raise ModelError(
                f"readout returned {array.shape} values for {name!r}; allowed: one per "
                f"patient ({len(table)}).",
                field="readout",
                value=array.shape,
            )
        if not np.all(np.isfinite(array)):
            raise ModelError(
                f"readout {name!r} is not finite for {int((~np.isfinite(array)).sum())} of "
                f"{len(table)} samples; allowed: a finite value for every patient.",
                field="readout",
                value=name,
            )
        out[str(name)] = array
    return out


def _on_cluster(
    model: Model,
    table: pd.DataFrame,
    readout: Readout,
    t_end: float,
    simulate: Mapping[str, Any],
    client: Any,
) -> dict[str, np.ndarray]:
    """The read-out(s) of every sample, simulated in chunks by
    :func:`hemomodels.distributed.simulate_cohort` on ``client``."""
    from .distributed import simulate_cohort

    summary = simulate_cohort(
        model, table, t_end, readouts={"read-out": readout}, client=client, **simulate
    )
    return {name: summary[name].to_numpy() for name in summary.columns[len(table.columns) :]}


def sobol_indices(
    model: Model,
    readout: Readout,
    ranges: Mapping[str, tuple[float, float]],
    t_end: float,
    *,
    samples: int = 512,
    seed: int = 0,
    initial_from: Mapping[str, str] | None = None,
    client: Any = None,
    **simulate: Any,
) -> pd.DataFrame:
    """First-order and total Sobol indices of each read-out over the parameter ranges.

    Parameters
    ----------
    model : Model
        Any model.
    readout : callable
        ``readout(cohort_result)`` → one value per patient (array), or a mapping of names to
        such arrays for several read-outs (e.g. nadir count and nadir day).
    ranges : mapping of str to (float, float)
        The parameters to vary and their ranges (uniform), inside the declared bounds.
    t_end : float
        Simulation end, in the model's time unit.
    samples : int
        Base sample size N (a power of 2, 64–65,536); the design has N (k + 2) patients for
        k parameters.
    seed : int
        Seed of the sample and of the bootstrap confidence intervals.
    initial_from : mapping of str to str, optional
        ``{state: parameter}``: states that start at a varied parameter's value (e.g. the
        Friberg cell compartments at ``Circ0``).
    client : None, "local", str or distributed.Client
        Where the design's patients are simulated: ``None`` (default) in this process, in one
        :meth:`~hemomodels.Model.simulate_many` call; otherwise in chunks on a Dask cluster
        by :func:`hemomodels.distributed.simulate_cohort` (``"local"``: a local cluster
        started for the call; a scheduler's address; or a connected client). The indices
        are the same either way.
    **simulate
        Passed to :meth:`~hemomodels.Model.simulate_many` (``doses``, ``t_eval``, …).

    Returns
    -------
    pandas.DataFrame
        One row per read-out and parameter: ``S1``, ``S1 95 % half-width``, ``ST``,
        ``ST 95 % half-width``.

    Examples
    --------
    Which of the docetaxel patient's properties decides the count a week after a dose? The
    transit time, which sets how far the fall has got by then:

    >>> import hemomodels as hm
    >>> from hemomodels.models.friberg2002 import regimen
    >>> model = hm.models.friberg2002("docetaxel_kloft2006")
    >>> table = sobol_indices(
    ...     model, lambda cohort: cohort["ANC"][:, -1], {"MTT": (70, 100), "slope": (9, 27)},
    ...     7 * 24, samples=64, doses=regimen(100, cycles=1), t_eval=[0.0, 7 * 24])
    >>> table.set_index("parameter")["ST"].idxmax()
    'MTT'
    """
    sobol_sample, sobol_analyze, _, _ = _salib()
    problem = _problem(model, ranges)
    n = rules.integer(samples, "samples", low=64, high=65536, unit="samples")
    if n & (n - 1):
        raise ModelError(
            f"samples = {n} is not allowed; allowed: a power of 2 (64, 128, …, 65536), which "
            "Sobol sequences need.",
            field="samples",
            value=n,
        )
    seed = rules.integer(seed, "seed", low=0, unit="1")
    design = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    values = _evaluate(model, problem, design, readout, t_end, simulate, initial_from, client)
    import pandas as pd

    rows = []
    for output, y in values.items():
        indices = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        for k, name in enumerate(problem["names"]):
            rows.append(
                {
                    "read-out": output,
                    "parameter": name,
                    "S1": float(indices["S1"][k]),
                    "S1 95 % half-width": float(indices["S1_conf"][k]),
                    "ST": float(indices["ST"][k]),
                    "ST 95 % half-width": float(indices["ST_conf"][k]),
                }
            )
    return pd.DataFrame(rows)


def morris_indices(
    model: Model,
    readout: Readout,
    ranges: Mapping[str, tuple[float, float]],
    t_end: float,
    *,
    trajectories: int = 50,
    levels: int = 4,
    seed: int = 0,
    initial_from: Mapping[str, str] | None = None,
    client: Any = None,
    **simulate: Any,
) -> pd.DataFrame:
    """Morris elementary-effect screening of each read-out over the parameter ranges.

    Parameters
    ----------
    model, readout, ranges, t_end, seed, initial_from, client, **simulate
        As for :func:`sobol_indices`.
    trajectories : int
        Number of Morris trajectories (10–10,000); the design has trajectories × (k + 1)
        patients.
    levels : int
        Grid levels per parameter (an even number, 4–20).

    Returns
    -------
    pandas.DataFrame
        One row per read-out and parameter: ``mu*`` (mean absolute elementary effect),
        ``mu* 95 % half-width`` and ``sigma``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.models.friberg2002 import regimen
    >>> model = hm.models.friberg2002("docetaxel_kloft2006")
    >>> table = morris_indices(
    ...     model, lambda cohort: cohort["ANC"][:, -1], {"MTT": (70, 100), "slope": (9, 27)},
    ...     7 * 24, trajectories=10, doses=regimen(100, cycles=1), t_eval=[0.0, 7 * 24])
    >>> table["parameter"].tolist()
    ['MTT', 'slope']
    """
    _, _, morris_sample, morris_analyze = _salib()
    problem = _problem(model, ranges)
    count = rules.integer(trajectories, "trajectories", low=10, high=10000, unit="trajectories")
    levels = rules.integer(levels, "levels", low=4, high=20, unit="levels")
    if levels % 2:
        raise ModelError(
            f"levels = {levels} is not allowed; allowed: an even number of levels (4–20).",
            field="levels",
            value=levels,
        )
    seed = rules.integer(seed, "seed", low=0, unit="1")
    design = morris_sample.sample(problem, count, num_levels=levels, seed=seed)
    values = _evaluate(model, problem, design, readout, t_end, simulate, initial_from, client)
    import pandas as pd

    rows = []
    for output, y in values.items():
        result = morris_analyze.analyze(problem, design, y, num_levels=levels, seed=seed)
        for k, name in enumerate(problem["names"]):
            rows.append(
                {
                    "read-out": output,
                    "parameter": name,
                    "mu*": float(result["mu_star"][k]),
                    "mu* 95 % half-width": float(result["mu_star_conf"][k]),
                    "sigma": float(result["sigma"][k]),
                }
            )
    return pd.DataFrame(rows)
