"""The three-lineage model of Colijn & Mackey (2005) with delays as chains of stages.

Independent truths: the steady state of the delay equations (which does not depend on how
the delays are distributed) reached by simulation from elsewhere; the oscillation that a
simulation shows against the period the linearisation predicts; the onset of oscillation
moving towards the delay model's as the chains lengthen (distributed delays are stabilising);
the clinical period of cyclical neutropenia.
"""

from __future__ import annotations

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.models.colijn_mackey2005 import normal_state, normal_steady_state
from hemomodels.stability import leading_mode, stability_boundary

TOTALS = ("stem_cells", "neutrophils", "platelets", "red_cells")


def totals(result) -> dict[str, float]:
    return {name: float(result[name][-1]) for name in TOTALS}


@pytest.mark.parametrize("stages", [1, 3, 8])
def test_the_normal_state_is_an_equilibrium_of_every_chain_length(stages):
    model = hm.models.colijn_mackey2005(stages)
    state = normal_state(stages)
    y = np.array([state[name] for name in model.state_names])
    p = np.array([model.defaults[name] for name in model.parameter_names])
    assert np.abs(model.compiled.rhs(0.0, y, p)).max() < 1e-12
    assert leading_mode(model, state).growth_rate < 0  # and a stable one


def test_the_steady_state_does_not_depend_on_the_number_of_stages():
    # from half the normal stem cells and empty chains, two chain lengths settle on the same
    # blood totals, which are those of the delay model's steady-state equations
    expected = normal_steady_state()
    for stages in (2, 8):
        model = hm.models.colijn_mackey2005(stages)
        start = {name: 0.0 for name in model.state_names}
        start |= {"stem_cells": 0.5 * expected["stem_cells"], "neutrophils": 1.0}
        start |= {f"platelets_{i}": 1.0 / stages for i in range(1, stages + 1)}
        start |= {f"red_cells_{i}": 3.0 / stages for i in range(1, stages + 1)}
        settled = totals(model.simulate(6000, y0=start, t_eval=[0, 6000]))
        for name in TOTALS:
            assert settled[name] == pytest.approx(expected[name], rel=1e-3), (stages, name)


def test_onset_of_oscillation_approaches_the_delay_model_as_chains_lengthen():
    onsets = {}
    for stages in (1, 2, 4, 8, 16):
        model = hm.models.colijn_mackey2005(stages)
        boundary = stability_boundary(
            model, "stem_apoptosis", 0.07, 0.23, lambda p, n=stages: normal_state(n, p)
        )
        assert boundary is not None and boundary.kind == "oscillation"
        onsets[stages] = boundary
    values = [onsets[n].value for n in sorted(onsets)]
    assert values == sorted(values, reverse=True)  # distributed delays are stabilising
    # the delay equations lose stability between 0.110 and 0.115 per day (a DDE solver run,
    # jitcdde, in the literature review for this chapter): 16 stages come within 10 %
    assert 0.110 < onsets[16].value < 1.1 * 0.115
    # the period at onset is that of cyclical neutropenia for every chain length
    for boundary in onsets.values():
        assert 17 < boundary.period < 23


def test_past_the_onset_a_simulation_oscillates_with_the_predicted_period():
    model = hm.models.colijn_mackey2005(8)
    onset = stability_boundary(model, "stem_apoptosis", 0.07, 0.2, lambda p: normal_state(8, p))
    kicked = normal_state(8) | {"stem_cells": 0.9 * normal_state(8)["stem_cells"]}
    days = np.arange(0.0, 3000.01, 0.25)
    # below the onset a disturbance dies away; just above it a cycle persists
    below = model.simulate(
        3000, y0=kicked, params={"stem_apoptosis": onset.value - 0.01}, t_eval=days
    )
    late = below["neutrophils"][days > 2600]
    assert np.ptp(late) / late.mean() < 1e-3
    above = model.simulate(
        3000, y0=kicked, params={"stem_apoptosis": onset.value + 0.005}, t_eval=days
    )
    late = above["neutrophils"][days > 2000]
    assert np.ptp(late) / late.mean() > 0.01
    peaks = np.flatnonzero((late[1:-1] > late[:-2]) & (late[1:-1] >= late[2:])) + 1
    period = float(np.mean(np.diff(days[days > 2000][peaks])))
    assert period == pytest.approx(onset.period, rel=0.1)


def test_a_stem_cell_death_rate_too_high_empties_the_marrow():
    # past the saddle-node (about 0.243 per day) there is no normal state left: every count
    # falls, the fastest-turning lineage first (aplastic anaemia's mechanism in this model)
    assert normal_steady_state({"stem_apoptosis": 0.245})["stem_cells"] == 0.0
    model = hm.models.colijn_mackey2005(4)
    result = model.simulate(200, params={"stem_apoptosis": 0.245}, t_eval=np.arange(201.0))
    relative = {
        name: result[f"{name}_percent_of_normal"]
        for name in ("neutrophils", "platelets", "red_cells")
    }
    day_half = {name: float(np.argmax(v < 50)) for name, v in relative.items()}
    assert all(v[-1] < 50 for v in relative.values() if v is not relative["red_cells"])
    assert day_half["neutrophils"] < day_half["platelets"]
    assert relative["red_cells"][-1] > relative["platelets"][-1]  # red cells live longest


def test_above_the_threshold_a_depleted_marrow_cannot_recover():
    # the empty marrow is unstable at the normal stem-cell death rate and stable above about
    # 0.170 per day (re-entry can no longer outpace commitment when the pool is small)
    model = hm.models.colijn_mackey2005(4)
    for rate, recovers in ((0.07, True), (0.2, False)):
        params = {"stem_apoptosis": rate}
        depleted = {name: 0.02 * value for name, value in normal_state(4, params).items()}
        result = model.simulate(300, y0=depleted, params=params, t_eval=[0, 300])
        grown = result["stem_cells"][-1] / depleted["stem_cells"]
        assert (grown > 10) if recovers else (grown < 1e-3), rate


@pytest.mark.parametrize("stages", [0, 33, 2.5, "8"])
def test_the_number_of_stages_is_checked(stages):
    with pytest.raises(hm.ModelError, match="stages"):
        hm.models.colijn_mackey2005(stages)


def test_stability_boundary_checks_its_range():
    model = hm.models.colijn_mackey2005(2)
    with pytest.raises(hm.ModelError, match="stem_apoptosis"):
        stability_boundary(model, "stem_apoptosis", 0.07, 0.5, lambda p: normal_state(2, p))
    with pytest.raises(hm.ModelError, match="low"):
        stability_boundary(model, "stem_apoptosis", 0.2, 0.1, lambda p: normal_state(2, p))
    with pytest.raises(hm.ModelError, match="every state"):
        leading_mode(model, {"stem_cells": 1.0})
