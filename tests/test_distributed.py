"""Cohorts in chunks on a Dask cluster (hemomodels.distributed): the same summaries as in this
process, one row per patient whatever the chunks, nothing lost when a worker dies, and every
bad input refused before any chunk is sent."""

from __future__ import annotations

import os
import signal
import sys
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from conftest import clearance_model
from test_global_sensitivity import RANGES, ishigami_model

import hemomodels as hm
from hemomodels.clinical.readouts import FinalValue, Nadir, NeutropeniaGrade, TimeBelow
from hemomodels.cohorts import lognormal_cohort
from hemomodels.distributed import local_cluster, simulate_cohort
from hemomodels.extras import MissingExtraError
from hemomodels.global_sensitivity import morris_indices, sobol_indices

T_END = 504.0
TIMES = np.arange(0.0, 505.0, 6.0)
DOSE = hm.Dose(0.0, "Conc", 33.5)
READOUTS = [Nadir("ANC"), NeutropeniaGrade(), TimeBelow("ANC", 1.0)]


@pytest.fixture(scope="module")
def client():
    """One local cluster of two worker processes for the whole module."""
    with local_cluster(2) as client:
        yield client


@pytest.fixture(scope="module")
def model() -> hm.Model:
    return hm.models.friberg2002()


@pytest.fixture(scope="module")
def cohort(model) -> pd.DataFrame:
    return lognormal_cohort(model, omega2={"MTT": 0.02, "slope": 0.1}, n=60, seed=7)


def summarise(model, cohort, **options):
    return simulate_cohort(
        model, cohort, T_END, readouts=READOUTS, doses=DOSE, t_eval=TIMES, **options
    )


@pytest.fixture(scope="module")
def here(model, cohort) -> pd.DataFrame:
    """The summary simulated in this process, in chunks of 25."""
    return summarise(model, cohort, chunk_size=25, client=None)


def test_cluster_summary_equals_the_one_simulated_here(client, model, cohort, here):
    on_cluster = summarise(model, cohort, chunk_size=25, client=client)
    pd.testing.assert_frame_equal(on_cluster, here)
    assert on_cluster.attrs == here.attrs


def test_one_chunk_equals_simulate_many_and_the_readouts(client, model, cohort):
    summary = summarise(model, cohort, chunk_size=1000, client=client)
    result = model.simulate_many(cohort, T_END, doses=DOSE, t_eval=TIMES)
    for readout in READOUTS:
        np.testing.assert_array_equal(summary[readout.name].to_numpy(), readout(result))
    pd.testing.assert_frame_equal(summary[list(cohort.columns)], cohort.rename_axis("patient"))
    assert summary.attrs["units"] == {
        "MTT": "h",
        "slope": "1/µM",
        "ANC nadir": "10^9 cells/L",
        "neutropenia grade": "CTCAE grade",
        "time ANC < 1": "h",
    }


def test_chunks_change_the_summary_only_within_solver_tolerance(model, cohort, here):
    whole = summarise(model, cohort, chunk_size=1000, client=None)
    np.testing.assert_allclose(here["ANC nadir"], whole["ANC nadir"], rtol=1e-6)
    np.testing.assert_array_equal(here["neutropenia grade"], whole["neutropenia grade"])


@pytest.mark.parametrize("chunk_size", [1, 7, 10, 11, 1000])
def test_any_chunk_size_gives_each_patient_once_in_order(chunk_size):
    """Clearance C = 5 exp(-k t) of patients with rates k: nadir 5 exp(-k T) at T."""
    rates = np.linspace(0.05, 0.5, 10)
    summary = simulate_cohort(
        clearance_model(),
        {"elimination_rate": rates},
        24.0,
        readouts=[Nadir("drug")],
        doses=hm.Dose(0.0, "drug", 5.0),
        chunk_size=chunk_size,
        client=None,
        rtol=1e-10,
        atol=1e-12,
    )
    assert summary.index.tolist() == list(range(10)) and summary.index.name == "patient"
    np.testing.assert_array_equal(summary["elimination_rate"], rates)
    np.testing.assert_allclose(summary["drug nadir"], 5 * np.exp(-rates * 24), rtol=1e-7)


def test_a_scheduler_address_connects_to_that_cluster(client, model, cohort, here):
    on_cluster = summarise(model, cohort, chunk_size=25, client=client.scheduler.address)
    pd.testing.assert_frame_equal(on_cluster, here)


def test_the_default_starts_and_closes_a_local_cluster(model, cohort, here):
    pd.testing.assert_frame_equal(summarise(model, cohort, chunk_size=25), here)


def test_trajectories_come_back_stacked_as_simulate_many_gives_them(client, model, cohort):
    _, whole = summarise(model, cohort, chunk_size=1000, client=client, trajectories=True)
    expected = model.simulate_many(cohort, T_END, doses=DOSE, t_eval=TIMES)
    np.testing.assert_array_equal(whole.states, expected.states)
    np.testing.assert_array_equal(whole.observables, expected.observables)
    summary, stacked = summarise(model, cohort, chunk_size=25, client=client, trajectories=True)
    assert stacked.n_patients == len(cohort) and stacked.model is model
    np.testing.assert_allclose(stacked.states, expected.states, rtol=1e-5, atol=1e-9)
    pd.testing.assert_frame_equal(stacked.params, expected.params)
    pd.testing.assert_frame_equal(stacked.parameter_history(), expected.parameter_history())
    np.testing.assert_array_equal(summary["ANC nadir"], stacked["ANC"].min(axis=1))


def test_a_killed_worker_loses_and_repeats_no_patient(client, model, cohort, here, tmp_path):
    """The first chunk to be read out kills its worker process (SIGKILL): Dask runs that chunk
    again on the other worker, and the summary is the one simulated here."""
    marker = str(tmp_path / "killed")

    def nadir_or_die(result):
        from distributed import get_worker

        get_worker()  # only ever on a worker (raises ValueError elsewhere)
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))  # the first chunk only
        except FileExistsError:
            return Nadir("ANC")(result)
        os.kill(os.getpid(), signal.SIGKILL)

    before = set(client.run(os.getpid).values())
    summary = simulate_cohort(
        model,
        cohort,
        T_END,
        readouts={"ANC nadir": nadir_or_die},
        doses=DOSE,
        t_eval=TIMES,
        chunk_size=25,
        client=client,
    )
    assert os.path.exists(marker)
    client.wait_for_workers(2, timeout=60)  # the nanny starts a new worker
    assert set(client.run(os.getpid).values()) != before
    assert summary.index.tolist() == list(range(len(cohort)))
    pd.testing.assert_series_equal(summary["ANC nadir"], here["ANC nadir"])


@pytest.mark.parametrize(
    "change, field",
    [
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": 2.5}, "chunk_size"),
        ({"readouts": [Nadir("PLT")]}, "state or observable name"),
        ({"readouts": [TimeBelow("ANC", "low")]}, "threshold"),
        ({"readouts": [NeutropeniaGrade("Conc")]}, "unit of output 'Conc'"),
        ({"readouts": [lambda result: result["ANC"][:, -1]]}, "readouts"),
        ({"readouts": []}, "readouts"),
        ({"cohort": {"MTT": [90.0, -1.0]}}, "parameter 'MTT' of patient 1"),
        ({"cohort": {"MTT": [90.0], "dose": [1.0]}}, "parameter or state name"),
        ({"t_end": -1.0}, "t_end"),
        ({"rtol": 2.0}, "rtol"),
        ({"backend": "gpu"}, "backend"),
        ({"trajectories": "yes"}, "trajectories"),
        ({"retries": -1}, "retries"),
    ],
)
def test_bad_inputs_are_refused_before_any_chunk_is_sent(client, model, change, field):
    arguments = {"cohort": {"MTT": [90.0, 100.0]}, "t_end": T_END, "readouts": READOUTS}
    arguments.update(change)
    cohort, t_end = arguments.pop("cohort"), arguments.pop("t_end")
    refused = AssertionError("sent to the cluster")
    with (
        mock.patch.object(client, "submit", side_effect=refused),
        mock.patch.object(client, "scatter", side_effect=refused),
        mock.patch("hemomodels.distributed.local_cluster", side_effect=refused),
    ):
        for where in (client, "local"):
            with pytest.raises(hm.ModelError) as error:
                simulate_cohort(model, cohort, t_end, client=where, **arguments)
            assert error.value.field == field


def test_an_error_on_a_worker_arrives_here_with_its_field(client, model):
    with pytest.raises(hm.ModelError, match="shape of read-out 'bad'") as error:
        simulate_cohort(
            model,
            {"MTT": [90.0, 100.0]},
            24.0,
            readouts={"bad": lambda result: np.zeros(3)},
            client=client,
            retries=0,
        )
    assert error.value.field == "shape of read-out 'bad'" and error.value.value == (3,)


def test_a_readout_may_give_several_named_columns(model):
    def nadir_and_final(result):
        return {"lowest": result["ANC"].min(axis=1), "last": result["ANC"][:, -1]}

    summary = simulate_cohort(
        model, {"slope": [5.0, 20.0]}, 100.0, readouts={"x": nadir_and_final}, client=None
    )
    assert summary.columns.tolist() == ["slope", "lowest", "last"]


def test_without_dask_a_cluster_names_the_extra_to_install(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(MissingExtraError, match=r"pip install 'hemomodels\[distributed\]'"):
        simulate_cohort(model, {"MTT": [90.0]}, 24.0, readouts=[Nadir("ANC")])
    summary = simulate_cohort(model, {"MTT": [90.0]}, 24.0, readouts=[Nadir("ANC")], client=None)
    assert len(summary) == 1  # this process needs no Dask


@pytest.mark.parametrize("indices", [sobol_indices, morris_indices])
def test_global_sensitivity_on_a_cluster_equals_it_here(client, indices):
    model = ishigami_model()
    size = {"samples": 64} if indices is sobol_indices else {"trajectories": 10}
    arguments = dict(t_eval=[0.0, 1.0], seed=3, **size)
    here = indices(model, FinalValue("y"), RANGES, 1.0, **arguments)
    there = indices(model, FinalValue("y"), RANGES, 1.0, client=client, **arguments)
    pd.testing.assert_frame_equal(there, here)
