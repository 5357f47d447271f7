"""Large cohorts in chunks, on a Dask cluster or in this process, summarised per patient.

A virtual trial of 10⁵–10⁶ patients, or the design of a Sobol analysis, is too large to keep
every trajectory: :func:`simulate_cohort` splits the cohort table into chunks, simulates each
chunk with :meth:`~hemomodels.Model.simulate_many` (on the workers of a Dask cluster, or here)
and keeps, for each patient, only the read-outs asked for (e.g. the neutrophil nadir and its
CTCAE grade, :mod:`hemomodels.clinical.readouts`). What travels back from the workers is a
small table: one row per patient.

The cluster is Dask's ``distributed`` scheduler (an optional extra:
``pip install 'hemomodels[distributed]'``): by default a local cluster of one worker process
per core, started and closed by the call (or kept open across calls with
:func:`local_cluster`); a scheduler's address, or a ``distributed.Client`` already
connected, runs the chunks on that cluster instead. A worker that dies (e.g. killed for
using too much memory) loses nothing: Dask runs its chunk again elsewhere, and the result
still has every patient exactly once.

Every input is checked, by the same rules as :meth:`~hemomodels.Model.simulate_many`
(:meth:`~hemomodels.Model.check_cohort`), before the first chunk is sent: a bad value is a
:class:`~hemomodels.ModelError` at once, not a failed task an hour later.

References
----------
Rocklin M (2015). Dask: parallel computation with blocked algorithms and task scheduling.
*Proceedings of the 14th Python in Science Conference*, 126–132.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import rules
from .errors import ModelError, invalid_value
from .extras import missing_extra
from .integrate import _in_effect
from .model import DEFAULT_ATOL, DEFAULT_RTOL
from .result import Result
from .solver import DEFAULT_MAX_EVALUATIONS

if TYPE_CHECKING:
    import distributed
    import pandas as pd

    from .doses import Doses
    from .model import Model

__all__ = ["DEFAULT_CHUNK_SIZE", "DEFAULT_RETRIES", "local_cluster", "simulate_cohort"]

#: Patients per chunk (one task on the cluster) unless told otherwise.
DEFAULT_CHUNK_SIZE = 10_000
#: Times a chunk whose simulation raised is run again before the error is reported (a chunk
#: whose worker died is run again anyway, up to Dask's ``allowed-failures``).
DEFAULT_RETRIES = 1

#: A read-out: from a cohort result, one value per patient (an array), or several named
#: arrays (each becomes a column).
Readout = Callable[[Result], "np.ndarray | Mapping[str, np.ndarray]"]


@dataclass(frozen=True)
class _Chunk:
    """What one chunk sends back: its patients' read-outs (and trajectories if asked)."""

    summary: pd.DataFrame
    result: Result | None


def simulate_cohort(
    model: Model,
    cohort: pd.DataFrame | Mapping[str, Sequence[float]],
    t_end: float,
    *,
    readouts: Sequence[Readout] | Mapping[str, Readout],
    doses: Doses = (),
    t_eval: Sequence[float] | np.ndarray | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    method: str = "LSODA",
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    client: Any = "local",
    trajectories: bool = False,
    progress: bool = False,
    retries: int = DEFAULT_RETRIES,
    backend: str = "auto",
) -> Any:
    """Simulate a cohort in chunks (on a Dask cluster by default) and summarise each patient.

    Parameters
    ----------
    model : Model
        The model every patient follows (pickled once to every worker).
    cohort : pandas.DataFrame or mapping of str to array
        One row per patient, as :meth:`~hemomodels.Model.simulate_many` takes it: parameter
        columns, state columns (initial values) and columns read by
        :class:`~hemomodels.PerPatient` doses.
    t_end : float
        End of the simulation, in the model's time unit.
    readouts : sequence or mapping
        What to keep of each patient: callables taking a cohort :class:`~hemomodels.Result`
        and returning one value per patient (a 1-D array), or a mapping of names to such
        arrays (one column each). In a sequence each read-out needs a ``name`` (the column),
        like those of :mod:`hemomodels.clinical.readouts`, which also give their unit and are
        checked against the model before anything runs. Read-outs must be picklable (Dask
        also sends functions and lambdas, by cloudpickle).
    doses, t_eval, rtol, atol, method, max_evaluations
        As in :meth:`~hemomodels.Model.simulate_many`, the same for every chunk.
    chunk_size : int
        Patients per chunk (>= 1): one task on the cluster, simulated by one
        :meth:`~hemomodels.Model.simulate_many` call. 10,000 patients of a six-state model
        with 401 output times hold about 0.3 GiB of trajectories while their chunk runs.
    client : "local", None, str or distributed.Client
        Where the chunks run: ``"local"`` (default) a local Dask cluster of one worker
        process per core (one thread each), started for this call and closed after it;
        ``None`` this process, one chunk after the other, without Dask; a scheduler's
        address (e.g. ``"tcp://10.0.0.5:8786"``); or a connected
        ``distributed.Client`` (left open), e.g. from :func:`local_cluster`. Local workers
        are new Python processes that import the calling script: in a script (not in a
        notebook), start the cluster under ``if __name__ == "__main__":``.
    trajectories : bool
        Also return every trajectory, as one cohort :class:`~hemomodels.Result` (all
        patients in memory here: only for cohorts that fit; checked before the start).
    progress : bool
        Show Dask's progress bar while the chunks run (a widget in a notebook, text in a
        terminal). Off by default, so that documents built from notebooks stay clean.
    retries : int
        Times a chunk whose simulation raised an error is run again before the error is
        reported (>= 0). A chunk whose worker died is run again on another worker anyway.
    backend : {"auto", "scipy", "compiled"}
        Who integrates each chunk, as in :meth:`~hemomodels.Model.simulate` (checked here,
        before any chunk runs).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, Result)
        The summary: index ``patient`` (0 … n − 1, in the cohort's row order), the cohort's
        columns, then one column per read-out. ``frame.attrs["units"]`` gives the unit of
        each column whose unit is known (parameters, states, read-outs with a ``unit``),
        ``frame.attrs["time_unit"]`` the model's time unit. With ``trajectories=True``, the
        pair (summary, cohort result).

    Raises
    ------
    ModelError
        For any bad input, before any chunk is simulated (naming the field, the value, the
        allowed range and the unit); for a patient whose simulation fails (naming the
        patient within their chunk).
    hemomodels.extras.MissingExtraError
        If a cluster is asked for and Dask's ``distributed`` is not installed.

    Examples
    --------
    A thousand docetaxel patients, in chunks of 250, on this process (``client=None``; the
    default ``"local"`` starts a Dask cluster with one worker per core):

    >>> import hemomodels as hm
    >>> from hemomodels.cohorts import lognormal_cohort
    >>> from hemomodels.clinical.readouts import Nadir, NeutropeniaGrade
    >>> model = hm.models.friberg2002()
    >>> cohort = lognormal_cohort(model, omega2={"MTT": 0.02, "slope": 0.1}, n=1000, seed=1)
    >>> summary = simulate_cohort(
    ...     model, cohort, 504, readouts=[Nadir("ANC"), NeutropeniaGrade()],
    ...     doses=hm.Dose(0, "Conc", 33.5), chunk_size=250, client=None)
    >>> summary.columns.tolist()
    ['MTT', 'slope', 'ANC nadir', 'neutropenia grade']
    >>> summary.attrs["units"]["ANC nadir"], len(summary)
    ('10^9 cells/L', 1000)
    >>> summary["neutropenia grade"].value_counts().sort_index().to_dict()
    {0: 12, 1: 61, 2: 221, 3: 409, 4: 297}
    """
    chunk_size = rules.integer(chunk_size, "chunk_size", low=1, unit="patients")
    trajectories = rules.flag(trajectories, "trajectories")
    progress = rules.flag(progress, "progress")
    retries = rules.integer(retries, "retries", low=0, unit="runs")
    named = _named_readouts(model, readouts)
    settings: dict[str, Any] = {
        "doses": doses,
        "t_eval": t_eval,
        "rtol": rtol,
        "atol": atol,
        "method": method,
        "max_evaluations": max_evaluations,
        "backend": backend,
    }
    at_once = None if trajectories else chunk_size  # patients held in memory at once
    n_patients = model.check_cohort(cohort, t_end, **settings, patients_at_once=at_once)
    table = _cohort_table(model, cohort, named)
    chunks = [table.iloc[start : start + chunk_size] for start in range(0, n_patients, chunk_size)]
    task = (t_end, named, settings, trajectories)
    with _connected(client) as dask_client:
        if dask_client is None:
            parts = [_simulate_chunk(model, chunk, *task) for chunk in chunks]
        else:
            parts = _on_cluster(dask_client, model, chunks, task, progress, retries)
    summary = _summary(model, table, [part.summary for part in parts], named)
    if not trajectories:
        return summary
    return summary, _stacked(model, [part.result for part in parts if part.result is not None])


@contextmanager
def local_cluster(
    n_workers: int | None = None, *, processes: bool = True, **cluster_options: Any
) -> Iterator[distributed.Client]:
    """A local Dask cluster and a client connected to it, closed when the block ends.

    Keeps one cluster for several :func:`simulate_cohort` calls (starting one takes a few
    seconds).

    Parameters
    ----------
    n_workers : int, optional
        Worker processes (>= 1); default one per core.
    processes : bool
        Workers as separate processes (default; the simulations hold Python's GIL, so
        threads would not run them in parallel) or as threads of this process.
    **cluster_options
        Further keywords of ``distributed.LocalCluster`` (e.g. ``memory_limit``).
        Each worker has one thread, and so has the compiled backend in it
        (``NUMBA_NUM_THREADS=1``). The scheduler's web server (Dask's dashboard, if Bokeh is
        installed: ``client.dashboard_link``) takes a free port, so that clusters started side
        by side do not compete for one; only errors are logged.

    Yields
    ------
    distributed.Client

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.clinical.readouts import FinalValue
    >>> model = hm.models.marciniak_czochra_2009()
    >>> with local_cluster(1) as client:  # doctest: +SKIP
    ...     summary = simulate_cohort(model, {"stem_self_renewal": [0.8, 0.9]}, 10.0,
    ...                               readouts=[FinalValue("neutrophils")], client=client)
    """
    dask = _dask()
    workers = (os.cpu_count() or 1) if n_workers is None else n_workers
    workers = rules.integer(workers, "n_workers", low=1, unit="processes")
    settings = {"dashboard_address": ":0", "silence_logs": logging.ERROR, **cluster_options}
    if processes:  # one thread per worker, for the compiled backend's parallel loops too
        settings["env"] = {"NUMBA_NUM_THREADS": "1", **settings.get("env", {})}
    settings.update(n_workers=workers, threads_per_worker=1, processes=processes)
    with dask.LocalCluster(**settings) as cluster, dask.Client(cluster) as client:
        yield client


# ----------------------------------------------------------------------- checks
def _cohort_table(model: Model, cohort: Any, readouts: Mapping[str, Readout]) -> pd.DataFrame:
    """The cohort (already checked by :meth:`Model.check_cohort`) as a DataFrame indexed by
    patient (0 … n − 1, in row order), none of its columns named like a read-out."""
    import pandas as pd

    table = pd.DataFrame(dict(cohort)) if isinstance(cohort, Mapping) else cohort
    table = table.reset_index(drop=True)
    table.index.name = "patient"
    for column in readouts:
        if column in table.columns:
            raise invalid_value(
                f"readouts[{column!r}]",
                column,
                "a column name that is not a column of the cohort",
                None,
                model=model.name,
            )
    return table


def _named_readouts(model: Model, readouts: Any) -> dict[str, Readout]:
    """The read-outs by column name, each checked against the model if it can be."""
    if isinstance(readouts, Mapping):
        named = dict(rules.mapping(readouts, "readouts", model=model.name))
    elif isinstance(readouts, Sequence) and not isinstance(readouts, str):
        named = {}
        for readout in readouts:
            column = getattr(readout, "name", None)
            if not isinstance(column, str) or column in named:
                raise invalid_value(
                    "readouts",
                    readout,
                    "read-outs with distinct names (a str attribute `name`, as in "
                    "hemomodels.clinical.readouts), or a mapping {column name: read-out}",
                    None,
                    model=model.name,
                )
            named[column] = readout
    else:
        named = {}
    if not named:
        raise invalid_value(
            "readouts",
            readouts,
            "at least one read-out: a list of named read-outs or a mapping {column: read-out}",
            None,
            model=model.name,
        )
    for column, readout in named.items():
        if not callable(readout):
            raise invalid_value(
                f"readouts[{column!r}]", readout, "a callable of a cohort Result", None
            )
        check = getattr(readout, "check", None)
        if callable(check):
            check(model)
    return named


# ------------------------------------------------------------------------ running
def _simulate_chunk(
    model: Model,
    chunk: pd.DataFrame,
    t_end: float,
    readouts: Mapping[str, Readout],
    simulate: Mapping[str, Any],
    trajectories: bool,
) -> _Chunk:
    """Simulate one chunk of patients and read them out (runs on a worker)."""
    import pandas as pd

    result = model.simulate_many(chunk, t_end, **simulate)
    columns: dict[str, np.ndarray] = {}
    for column, readout in readouts.items():
        values = readout(result)
        named = values if isinstance(values, Mapping) else {column: values}
        for name, array in named.items():
            columns[str(name)] = _per_patient(array, str(name), len(chunk))
    return _Chunk(pd.DataFrame(columns, index=chunk.index), result if trajectories else None)


def _per_patient(values: Any, column: str, n_patients: int) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != (n_patients,):
        raise invalid_value(
            f"shape of read-out {column!r}",
            array.shape,
            f"one value per patient of the chunk: ({n_patients},)",
            None,
        )
    return array


def _on_cluster(
    client: distributed.Client,
    model: Model,
    chunks: Sequence[pd.DataFrame],
    task: tuple[Any, ...],
    progress: bool,
    retries: int,
) -> list[_Chunk]:
    """Run every chunk as one task on the cluster (the model sent once to every worker)
    and gather the results in chunk order."""
    # A new key for every call (hash=False): a key named after the model's contents could be
    # the one an earlier call's copy is still being released under ("lost dependencies").
    shared_model = client.scatter(model, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:12]
    futures = [
        client.submit(
            _simulate_chunk,
            shared_model,
            chunk,
            *task,
            key=f"simulate_cohort-{run}-chunk-{number}",
            retries=retries,
        )
        for number, chunk in enumerate(chunks)
    ]
    if progress:
        from distributed import progress as progress_bar

        progress_bar(futures)
    return client.gather(futures)


@contextmanager
def _connected(client: Any) -> Iterator[distributed.Client | None]:
    """The Dask client that ``client`` asks for (``None``: run here), closed afterwards
    if this call opened it."""
    if client is None:
        yield None
        return
    if isinstance(client, str) and client == "local":
        with local_cluster() as local:
            yield local
        return
    dask = _dask()
    if isinstance(client, str):
        with dask.Client(client) as remote:
            yield remote
    elif isinstance(client, dask.Client):
        yield client
    else:
        raise invalid_value(
            "client",
            client,
            '"local", None, a scheduler address (str) or a distributed.Client',
            None,
        )


def _dask() -> Any:
    """Dask's ``distributed`` module, or an error naming the extra to install."""
    try:
        import distributed
    except ImportError as error:
        raise missing_extra("distributed", "hemomodels.distributed") from error
    return distributed


# ------------------------------------------------------------------------ results
def _summary(
    model: Model,
    table: pd.DataFrame,
    parts: Sequence[pd.DataFrame],
    readouts: Mapping[str, Readout],
) -> pd.DataFrame:
    """The cohort's columns and every chunk's read-outs, one row per patient, with units."""
    import pandas as pd

    readings = pd.concat(parts) if parts else pd.DataFrame(index=table.index)
    if not readings.index.equals(table.index):  # never expected: each chunk answers once
        raise ModelError(
            f"{model.name}: the chunks returned {len(readings)} rows for {len(table)} "
            "patients; allowed: exactly one row per patient, in order.",
            field="chunks",
            value=len(readings),
        )
    clashing = sorted(set(readings.columns) & set(table.columns))
    if clashing:
        raise invalid_value(
            "read-out column", clashing[0], "a name that is not a column of the cohort", None
        )
    summary = pd.concat([table, readings], axis=1)
    summary.index.name = "patient"
    units = {column: _column_unit(model, column) for column in table.columns}
    for column, readout in readouts.items():
        unit = getattr(readout, "unit", None)
        if column in readings.columns and callable(unit):
            units[column] = unit(model)
    summary.attrs["units"] = {column: u for column, u in units.items() if u is not None}
    summary.attrs["time_unit"] = model.time_unit
    summary.attrs["model"] = model.name
    return summary


def _column_unit(model: Model, column: str) -> str | None:
    if column in model.parameter_index:
        return model.parameter(column).unit
    return model.units.get(column)


def _stacked(model: Model, results: Sequence[Result]) -> Result:
    """The chunks' results as one cohort result (patients in chunk order)."""
    if len(results) == 1:
        one = results[0]
        return Result(model, one.t, one.states, one.observables, one.pieces, one.solver)
    # Other fields of the solver's record (e.g. the method) as in the first chunk
    stats = replace(
        results[0].solver, n_rhs=0, n_jac=0, n_steps=0, n_pieces=0, fallbacks=[], triggered=[]
    )
    offset = 0
    for result in results:
        for name in ("n_rhs", "n_jac", "n_steps", "n_pieces"):  # work done: summed
            setattr(stats, name, getattr(stats, name) + getattr(result.solver, name))
        last = offset + result.n_patients - 1
        chunk = f"chunk of patients {offset}–{last}"
        stats.fallbacks += [f"{chunk}: {note}" for note in result.solver.fallbacks]
        stats.triggered += result.solver.triggered
        stats.triggered_patients += [offset + p for p in result.solver.triggered_patients]
        offset = last + 1
    return Result(
        model,
        results[0].t,
        np.concatenate([result.states for result in results]),
        np.concatenate([result.observables for result in results]),
        _merged_pieces(results),
        stats,
    )


def _merged_pieces(results: Sequence[Result]) -> list[tuple[float, float, np.ndarray]]:
    """Stretches of constant parameters of all chunks: a new stretch wherever any chunk's
    begins, each holding every patient's parameters in effect then."""
    starts = sorted({start for result in results for start, _, _ in result.pieces})
    last = max(end for result in results for _, end, _ in result.pieces)
    ends = [*starts[1:], last]
    return [
        (start, end, np.concatenate([_in_effect(r.pieces, start) for r in results], axis=1))
        for start, end in zip(starts, ends, strict=True)
    ]
