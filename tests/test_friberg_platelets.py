"""The two-lineage Friberg model: neutrophils unchanged, platelets against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.explorables import chemotherapy
from hemomodels.models.friberg2002 import regimen
from hemomodels.models.friberg_platelets import PLATELET_STATES, platelet_baseline

DAY = 24.0


@pytest.fixture(scope="module")
def model() -> hm.Model:
    return hm.models.friberg_platelets()


def _rhs(model: hm.Model, state: dict[str, float], params: dict[str, float]) -> np.ndarray:
    y = np.array([state[name] for name in model.state_names])
    p = np.array([params.get(name, model.defaults[name]) for name in model.parameter_names])
    return np.asarray(model.compiled.rhs_scalar(0.0, y, p), dtype=float)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"PLT0": 90.0, "MTT_platelets": 300.0, "platelet_lifespan": 100.0},
        {"PLT0": 450.0, "MTT_platelets": 60.0, "platelet_lifespan": 400.0, "gamma_platelets": 1.2},
    ],
)
def test_platelet_baseline_is_a_steady_state(model, params):
    state = dict(zip(model.state_names, (s.initial for s in model.states), strict=True))
    state |= platelet_baseline(params)
    assert np.max(np.abs(_rhs(model, state, params))) < 1e-12
    # PLT0 in the blood, and MTT/(4 T) of it in each marrow compartment
    p = {"PLT0": 237.0, "MTT_platelets": 168.0, "platelet_lifespan": 205.0} | params
    assert state["Platelets"] == p["PLT0"]
    expected = p["PLT0"] * p["MTT_platelets"] / (4 * p["platelet_lifespan"])
    assert state["PlateletProl"] == pytest.approx(expected, rel=1e-12)


def test_neutrophils_are_those_of_friberg2002(model):
    doses = regimen(100, cycles=2)
    t = np.arange(0, 42 * DAY + 1, 6.0)
    alone = hm.models.friberg2002("docetaxel_kloft2006").simulate(42 * DAY, doses=doses, t_eval=t)
    together = model.simulate(42 * DAY, doses=doses, t_eval=t)
    np.testing.assert_allclose(together["ANC"], alone["ANC"], rtol=1e-5, atol=1e-8)


def test_without_feedback_platelets_settle_at_the_surviving_fraction(model):
    """With gamma_P = 0 the proliferating pool loses the fraction 1 - exp(-k rho slope AUC)
    for good (dProl/dt = -k E Prol), and the blood count settles at PLT0 times the rest."""
    rho, amount, duration = 0.3, 12.0, 1.0
    params = {"gamma_platelets": 0.0, "platelet_sensitivity": rho}
    result = model.simulate(
        200 * DAY, doses=[hm.Infusion(0.0, duration, "Conc", amount)], params=params
    )
    d = model.defaults
    auc = amount / d["kel"]  # µM·h: everything infused is eliminated at rate kel
    surviving = math.exp(-(4 / d["MTT_platelets"]) * rho * d["slope"] * auc)
    assert float(result["PLT"][-1]) == pytest.approx(d["PLT0"] * surviving, rel=1e-4)


@pytest.mark.parametrize("dose", [50, 100, 150])
@pytest.mark.parametrize("sensitivity", [0.25, 1.0, 4.0])
def test_platelet_nadir_comes_after_the_neutrophil_nadir(model, dose, sensitivity):
    result = model.simulate(
        42 * DAY,
        doses=regimen(dose, cycles=1),
        params={"platelet_sensitivity": sensitivity},
        t_eval=np.arange(0, 42 * DAY + 1, 3.0),
    )
    table = chemotherapy.two_lineages_table(result)
    assert table.loc["Platelets", "nadir day"] > table.loc["Neutrophils", "nadir day"] + 5
    # grades follow the nadirs through the CTCAE tables
    assert table.loc["Platelets", "CTCAE grade"] == int(
        hm.clinical.platelet_grade(table.loc["Platelets", "nadir (10⁹/L)"])
    )


def test_chapter_exercise_on_platelet_lifespan(model):
    """The numbers printed in the solution of ex-chemo-platelet-lifespan."""
    params = {"platelet_lifespan": 120.0}
    result = model.simulate(
        42 * DAY,
        doses=regimen(100, cycles=1),
        params=params,
        y0=platelet_baseline(params),
        t_eval=np.arange(0, 42 * DAY + 1, 3.0),
    )
    table = chemotherapy.two_lineages_table(result)
    assert table.loc["Platelets", "nadir day"] == pytest.approx(14.3, abs=0.1)
    assert table.loc["Platelets", "nadir (10⁹/L)"] == pytest.approx(85, abs=1)


def test_platelet_states_and_sources(model):
    assert set(PLATELET_STATES) <= set(model.state_names)
    sources = {name: model.parameter(name).source for name in model.parameter_names}
    assert sources["PLT0"] == sources["platelet_lifespan"] == "harker2000"
    assert model.parameter("platelet_sensitivity").basis == "illustrative"


def test_bad_drug_is_refused():
    with pytest.raises(hm.ModelError, match="drug"):
        hm.models.friberg_platelets("carboplatin")
