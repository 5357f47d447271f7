"""Zero-order infusions: the closed form of a drip into a cleared compartment, cohorts,
overlapping drips, and SBML export checked in libroadrunner."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hemomodels as hm


def _one_compartment() -> hm.Model:
    drug = hm.State("drug", "drug in plasma", "mg/L", 0.0)
    k = hm.Parameter("k", 0.5, "1/h", (0, 10), "elimination", "friberg2002", low_inclusive=False)
    return hm.Model(
        "drip",
        states=[drug],
        parameters=[k],
        flows=[hm.Flow(drug, None, k.symbol * drug.symbol)],
        time_unit="h",
    )


def _drip(t: float, start: float, duration: float, rate: float, k: float) -> float:
    """C(t) of dC/dt = rate·1[start, start+duration) - k C, C(0) = 0, by hand."""
    if t <= start:
        return 0.0
    end = start + duration
    if t <= end:
        return rate / k * (1 - math.exp(-k * (t - start)))
    return rate / k * (1 - math.exp(-k * duration)) * math.exp(-k * (t - end))


def test_infusion_matches_its_closed_form():
    times = np.linspace(0, 8, 33)
    result = _one_compartment().simulate(
        8, doses=[hm.Infusion(1.0, 2.0, "drug", 4.0)], t_eval=times, rtol=1e-11, atol=1e-13
    )
    expected = [_drip(t, 1.0, 2.0, 2.0, 0.5) for t in times]
    np.testing.assert_allclose(result["drug"], expected, rtol=1e-8, atol=1e-12)


def test_overlapping_infusions_add_and_cohorts_equal_single_runs():
    doses = [hm.Infusion(0.0, 3.0, "drug", 3.0), hm.Infusion(1.0, 1.0, "drug", 2.0)]
    times = np.linspace(0, 6, 25)
    single = _one_compartment().simulate(6, doses=doses, t_eval=times, rtol=1e-11, atol=1e-13)
    expected = [_drip(t, 0, 3, 1.0, 0.5) + _drip(t, 1, 1, 2.0, 0.5) for t in times]
    np.testing.assert_allclose(single["drug"], expected, rtol=1e-8, atol=1e-12)
    cohort = _one_compartment().simulate_many(
        {"k": [0.5, 1.0]}, 6, doses=doses, t_eval=times, rtol=1e-11, atol=1e-13
    )
    np.testing.assert_allclose(cohort["drug"][0], single["drug"], rtol=1e-8, atol=1e-12)
    fast = [_drip(t, 0, 3, 1.0, 1.0) + _drip(t, 1, 1, 2.0, 1.0) for t in times]
    np.testing.assert_allclose(cohort["drug"][1], fast, rtol=1e-8, atol=1e-12)


def test_an_infusion_past_the_end_is_cut_and_a_bad_one_is_refused():
    result = _one_compartment().simulate(2, doses=[hm.Infusion(1.0, 5.0, "drug", 5.0)])
    assert result["drug"][-1] == pytest.approx(_drip(2.0, 1.0, 5.0, 1.0, 0.5), rel=1e-6)
    with pytest.raises(hm.ModelError, match="infusion duration"):
        hm.Infusion(0.0, 0.0, "drug", 1.0)
    with pytest.raises(hm.ModelError, match="unknown infusion target compartment 'drg'"):
        _one_compartment().simulate(2, doses=[hm.Infusion(0.0, 1.0, "drg", 1.0)])
    with pytest.raises(hm.ModelError, match="start of the infusion into 'drug'"):
        _one_compartment().simulate(2, doses=[hm.Infusion(3.0, 1.0, "drug", 1.0)])


def test_infusions_export_to_sbml_and_match_libroadrunner():
    import roadrunner  # installed by requirements-dev.txt

    model = hm.models.friberg2002()
    doses = [hm.Infusion(0, 1, "Conc", 30.0), hm.Infusion(504, 1, "Conc", 30.0)]
    ours = model.simulate(800, doses=doses, t_eval=np.arange(0, 801, 10.0), rtol=1e-10, atol=1e-12)
    runner = roadrunner.RoadRunner(model.to_sbml(doses=doses))
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-12
    theirs = runner.simulate(0, 800, 81, ["time", "Circ"])
    np.testing.assert_allclose(theirs[:, 1], ours["Circ"], rtol=1e-6)
