"""Read-outs for platelets and marrow failure: CTCAE platelet grades, ASTCT platelet recovery
and the severity of aplastic anaemia, against the published definitions."""

from __future__ import annotations

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.clinical import (
    aplastic_anaemia_severity,
    platelet_grade,
    platelet_recovery_day,
)
from hemomodels.models.colijn_mackey2005 import normal_state


def test_platelet_grades_follow_ctcae_v5_at_every_boundary():
    # CTCAE v5.0 "Platelet count decreased": 1 <LLN-75, 2 <75-50, 3 <50-25, 4 <25 (10^9/L)
    counts = [150, 149.9, 75, 74.9, 50, 49.9, 25, 24.9, 0]
    assert platelet_grade(counts).tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert platelet_grade(140, lower_limit_normal=130) == 0


@pytest.mark.parametrize("bad", [-1, float("nan"), "120", [1, [2]]])
def test_platelet_grade_refuses_what_is_not_a_count(bad):
    with pytest.raises(hm.ModelError, match="platelets"):
        platelet_grade(bad)


def test_severe_aplastic_anaemia_needs_a_hypocellular_marrow_and_two_of_three_counts():
    # Desmond et al. 2015: hypocellular marrow + 2 of ANC < 0.5, platelets < 20,
    # reticulocytes < 60 (automated); very severe if also ANC < 0.2
    cases = [
        ((0.4, 19, 100), "severe"),
        ((0.4, 25, 59), "severe"),
        ((0.6, 19, 59), "severe"),
        ((0.6, 19, 100), "not severe"),
        ((0.19, 19, 100), "very severe"),
        ((0.19, 25, 100), "not severe"),  # one criterion only
        ((0.5, 20, 60), "not severe"),  # the limits themselves do not count
    ]
    for (anc, plt, ret), expected in cases:
        got = aplastic_anaemia_severity(anc, plt, ret, hypocellular_marrow=True)
        assert got == expected, (anc, plt, ret)
    assert aplastic_anaemia_severity(0.1, 5, 5, hypocellular_marrow=False) == "not severe"
    manual = aplastic_anaemia_severity(
        0.4, 25, 30, hypocellular_marrow=True, reticulocyte_count="manual"
    )
    assert manual == "not severe"  # 30 is not below the manual limit of 20


def test_severity_refuses_an_unstated_marrow_and_mismatched_counts():
    with pytest.raises(TypeError):
        aplastic_anaemia_severity(0.1, 5, 5)  # hypocellular_marrow must be stated
    with pytest.raises(hm.ModelError, match="hypocellular_marrow"):
        aplastic_anaemia_severity(0.1, 5, 5, hypocellular_marrow="yes")
    with pytest.raises(hm.ModelError, match="counts"):
        aplastic_anaemia_severity([0.1, 0.2], [5, 5, 5], 5, hypocellular_marrow=True)


def test_platelet_recovery_is_the_first_of_three_days_at_or_above_20_after_the_nadir():
    model = hm.models.colijn_mackey2005(4)
    start = {name: 0.01 * value for name, value in normal_state(4).items()}
    result = model.simulate(120, y0=start, t_eval=np.arange(121.0))
    day = platelet_recovery_day(result)
    counts = result["platelet_count"]
    nadir = int(np.argmin(counts))
    assert day is not None and day >= nadir
    assert np.all(counts[day : day + 3] >= 20) and counts[day - 1] < 20
