"""Benchmark of distributed cohorts (hemomodels.distributed): patients per second on a local
Dask cluster against the same cohort in this process, summarised by read-outs.

Called by ``bench/run.py`` (``distributed_throughput(record)``); nothing runs on import. The
file is not called ``distributed.py``: ``python bench/run.py`` puts ``bench/`` first on
``sys.path``, where a ``distributed.py`` would hide Dask's ``distributed`` package from the
benchmark and its worker processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

#: As bench/run.py's cohort(): horizon (h), output times and tolerances.
T_END, N_OUT, RTOL, ATOL = 504.0, 500, 1e-6, 1e-9


def distributed_throughput(
    record: Callable[..., None],
    n: int = 100_000,
    *,
    workers: int = 2,
    omega2: Mapping[str, float],
) -> dict[str, Any]:
    """Time :func:`hemomodels.distributed.simulate_cohort` for ``n`` Friberg patients (one
    200 mg docetaxel bolus, 504 h, read-outs: ANC nadir and CTCAE grade) on a local
    cluster of ``workers`` processes and in this process (``client=None``), and record
    seconds, patients per second and the speed-up.

    Both runs are warmed up first (the model compiled on every worker); the cluster's
    start-up is timed on its own.
    """
    import hemomodels as hm
    from hemomodels.clinical.readouts import Nadir, NeutropeniaGrade
    from hemomodels.cohorts import lognormal_cohort
    from hemomodels.distributed import local_cluster, simulate_cohort
    from hemomodels.models.friberg2002 import bolus_concentration

    model = hm.models.friberg2002()
    table = lognormal_cohort(model, omega2=dict(omega2), n=n, seed=2002)
    options = {
        "readouts": [Nadir("ANC"), NeutropeniaGrade()],
        "doses": hm.Dose(0.0, "Conc", bolus_concentration(200)),
        "t_eval": np.linspace(0.0, T_END, N_OUT),
        "rtol": RTOL,
        "atol": ATOL,
    }

    def timed(client: Any) -> tuple[float, Any]:
        simulate_cohort(model, table.iloc[: workers * 10], T_END, client=client, **options)
        start = time.perf_counter()
        summary = simulate_cohort(model, table, T_END, client=client, **options)
        return time.perf_counter() - start, summary

    here, expected = timed(None)
    start = time.perf_counter()
    with local_cluster(workers) as client:
        started = time.perf_counter() - start
        there, summary = timed(client)
    same = bool((summary["neutropenia grade"] == expected["neutropenia grade"]).all())
    note = f"{workers} workers; grades identical to this process: {same}"
    record(f"distributed cohort of {n:,}: {workers} workers vs here (s)", there, here, "s", "")
    record(
        "  patients per second on the cluster",
        n / there,
        n / here,
        "1/s",
        "",
        higher_is_better=True,
        note=note,
    )
    record(f"  start of a local cluster of {workers} workers (s)", started, None, "s", "")
    return {"cluster_s": there, "here_s": here, "start_s": started, "same_grades": same}
