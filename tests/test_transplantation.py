"""Transplantation: engraftment day, graft sources, reconstitution and chimerism models.

Independent truths used here: hand-made daily ANC series (engraftment rules of the ASTCT
consensus), published median engraftment days (dossier §5a: Ergene 2007, Champlin 2000,
Barker 2005), the dossier's own integration of the reproduction parameters (§5b: 24.7, 21.8,
19.7 days), steady states derived by hand, and the exact law
d/dt ln(c1_donor / c1_recipient) = eta - gamma derived by hand from the stem-cell equations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.clinical import GRAFT_SOURCES, engraftment_day, engraftment_summary
from hemomodels.clinical.transplant import (
    ENGRAFTMENT_THRESHOLD,
    FULL_DONOR_CHIMERISM,
    daily_values,
    graft_failure,
    graft_source,
)
from hemomodels.result import Result
from hemomodels.scenarios.transplant import infusion

FINE = np.linspace(0, 60, 6001)  # every 0.01 day: crossings resolved well below one day


@pytest.fixture(scope="module")
def model():
    return hm.models.transplant_reconstitution()


@pytest.fixture(scope="module")
def chimerism():
    return hm.models.transplant_chimerism()


def _series_model() -> hm.Model:
    anc = hm.State("ANC", "Absolute neutrophil count", "10^9 cells/L", initial=0.0)
    rate = hm.Parameter("rate", 1.0, "1/day", (0.0, 10.0), "unused", "kharfandabaja2021")
    return hm.Model("hand-made series", states=[anc], parameters=[rate], rhs={anc: 0 * rate.symbol})


def series(values, t=None) -> Result:
    """A Result holding a hand-made ANC series (daily unless ``t`` is given)."""
    values = np.asarray(values, dtype=float)
    t = np.arange(values.size, dtype=float) if t is None else np.asarray(t, dtype=float)
    return Result.from_arrays(_series_model(), t, values[None, :])


# ------------------------------------------------------------------ engraftment_day by hand
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.0, 0.1, 0.2, 0.3, 0.4, 0.45, 0.49], None),  # never reaches 0.5
        ([0.0, 0.1, 0.6, 0.6, 0.4, 0.6, 0.7, 0.8, 0.9], 5),  # dips back below after 2 days
        ([0.0, 0.1, 0.2, 0.5, 0.5, 0.5], 3),  # exactly 3 days, threshold inclusive, at the end
        ([0.0, 0.1, 0.2, 0.3, 0.6, 0.7], None),  # only 2 days left: cannot be confirmed
        ([5.0, 2.0, 0.1, 0.0, 0.6, 0.7, 0.8], 4),  # counted after the nadir, not on day 0
        ([0.0, 0.0, 0.0, 0.55, 0.3, 0.0, 0.6, 0.6, 0.6], 6),  # nadir first if repeated
    ],
)
def test_engraftment_day_on_hand_made_series(values, expected):
    assert engraftment_day(series(values)) == expected


def test_engraftment_day_reads_integer_days_by_linear_interpolation():
    """Output every half day; day d is read at t = d. Values at half days never count."""
    t = np.arange(0, 8.5, 0.5)
    values = np.zeros_like(t)
    values[t == 3.5] = 5.0  # a spike between days: days 3 and 4 stay at 0
    values[t >= 5] = 1.0
    days, daily = daily_values(series(values, t))
    assert days.tolist() == list(range(9))
    assert daily[3] == 0.0 and daily[4] == 0.0
    assert engraftment_day(series(values, t)) == 5


def test_engraftment_day_options_and_bad_inputs():
    anc = series([0.0, 0.3, 0.3, 0.3, 0.3])
    assert engraftment_day(anc, threshold=0.3) == 1
    assert engraftment_day(anc, threshold=0.3, consecutive=5) is None
    with pytest.raises(hm.ModelError, match="consecutive"):
        engraftment_day(anc, consecutive=0)
    with pytest.raises(hm.ModelError, match="threshold"):
        engraftment_day(anc, threshold=math.nan)


def test_graft_failure_uses_the_cited_day_for_each_source():
    """Engraftment on day 31: failure for PBSC and marrow (day +30), not for cord (+42)."""
    late = series([0.0] * 31 + [1.0] * 15)  # days 0..45, engrafts on day 31
    assert engraftment_day(late) == 31
    assert graft_failure(late, "autologous_pbsc")
    assert graft_failure(late, "bone_marrow")
    assert not graft_failure(late, "cord_blood")
    never = series([0.0] * 46)
    assert graft_failure(never, "cord_blood")
    with pytest.raises(hm.ModelError, match="simulation length"):
        graft_failure(series([0.0] * 20), "autologous_pbsc")  # too short to decide


# ------------------------------------------------------------------ graft sources as data
def test_graft_sources_hold_the_cited_figures():
    """Medians and failure days as given in the dossier §5a (verified rows)."""
    expected = {
        "autologous_pbsc": (10, "ergene2007", 30, 11.5e6),
        "allogeneic_pbsc": (14, "champlin2000", 30, None),
        "bone_marrow": (19, "champlin2000", 30, None),
        "cord_blood": (23, "barker2005", 42, None),
    }
    assert set(GRAFT_SOURCES) == set(expected)
    for name, (median, key, failure, dose) in expected.items():
        source = graft_source(name)
        assert (source.median_engraftment_day, source.engraftment_source) == (median, key)
        assert source.graft_failure_day == failure
        if dose is not None:
            assert source.typical_cd34_dose == dose
        else:
            assert "illustrative" in source.dose_note
    assert FULL_DONOR_CHIMERISM == 95.0 and ENGRAFTMENT_THRESHOLD == 0.5


def test_unknown_graft_source_lists_the_valid_ones():
    with pytest.raises(hm.ModelError) as error:
        graft_source("placenta")
    message = str(error.value)
    assert "'placenta'" in message
    for name in GRAFT_SOURCES:
        assert name in message


@pytest.mark.parametrize("dose", [-1.0, math.inf, math.nan, "5e6", True])
def test_bad_doses_are_rejected_before_integration(dose):
    with pytest.raises(hm.ModelError, match="CD34\\+ cell dose.*cells/kg"):
        infusion("autologous_pbsc", dose)


def test_bad_residual_is_rejected():
    with pytest.raises(hm.ModelError, match="residual"):
        infusion("autologous_pbsc", residual=1.5)


# ------------------------------------------------------------------ reproduction targets
@pytest.mark.parametrize("name", list(GRAFT_SOURCES))
def test_engraftment_day_at_the_typical_dose_matches_the_published_median(model, name):
    """Calibration check (tolerance +-1 day) and the brief's ranges (unverified as ranges):
    auto-PBSC 10-12, allo-PBSC 14-16, marrow 18-21, cord 20-30 days."""
    ranges = {
        "autologous_pbsc": (10, 12),
        "allogeneic_pbsc": (14, 16),
        "bone_marrow": (18, 21),
        "cord_blood": (20, 30),
    }
    source = graft_source(name)
    result = model.simulate(60, t_eval=FINE, **infusion(source))
    day = engraftment_day(result)
    assert abs(day - source.median_engraftment_day) <= 1
    low, high = ranges[name]
    assert low <= day <= high
    assert not graft_failure(result, source)


@pytest.mark.parametrize("name", list(GRAFT_SOURCES))
def test_a_higher_dose_never_engrafts_later(model, name):
    doses = [1e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7]  # increasing: days must not increase
    days, crossings = [], []
    for dose in doses:
        result = model.simulate(90, t_eval=np.linspace(0, 90, 9001), **infusion(name, dose))
        days.append(engraftment_day(result))
        crossings.append(hm.clinical.first_crossing(result, "ANC", 0.5, direction="up"))
    assert all(d is not None for d in days)
    assert all(low >= high for low, high in zip(days[:-1], days[1:], strict=True))
    assert all(low > high for low, high in zip(crossings[:-1], crossings[1:], strict=True))


def test_reproduction_parameters_give_the_dossiers_slow_engraftment(model):
    """With the reproduction's precursor division rate 0.4595/day (precursor pool 2e9/kg) the
    ANC reaches 0.5e9/L on days 24.7, 21.8, 19.7 for 2e6, 5e6, 1e7 cells/kg (dossier §5b,
    computed independently); tolerance 0.1 day."""
    for dose, day in [(2e6, 24.7), (5e6, 21.8), (1e7, 19.7)]:
        result = model.simulate(
            40,
            params={"precursor_division_rate": 0.4595},
            y0={"stem_cells": dose, "precursors": 0.0, "neutrophils": 0.0},
            t_eval=np.linspace(0, 40, 4001),
        )
        crossing = hm.clinical.first_crossing(result, "ANC", 0.5, direction="up")
        assert crossing == pytest.approx(day, abs=0.1)


def test_steady_state_is_the_chosen_one_and_gives_an_anc_of_5(model):
    """By hand: s* = 1/(2 a1) gives c3* = (2 a1 - 1)/k = 0.7/1.75e-9 = 4e8 cells/kg, and
    ANC* = 4e8 / (0.08 L/kg) = 5e9/L; the pools c1* = 1e7 and c2* = 0.95e9 were chosen."""
    stable = [s for s in model.steady_states() if s.stability == "stable"]
    assert len(stable) == 1
    values = stable[0].values
    assert values["stem_cells"] == pytest.approx(1e7, rel=1e-9)
    assert values["precursors"] == pytest.approx(0.95e9, rel=1e-9)
    assert values["neutrophils"] == pytest.approx(0.7 / 1.75e-9, rel=1e-9)
    long = model.simulate(3000, t_eval=[0.0, 3000.0])
    assert long["ANC"][-1] == pytest.approx(5.0, rel=0.02)


def test_summary_counts_the_days_below_the_threshold(model):
    """With an empty marrow the ANC is below 0.5 from day 0 to the up-crossing."""
    result = model.simulate(60, t_eval=FINE, **infusion("cord_blood"))
    summary = engraftment_summary(result, "cord_blood")
    crossing = hm.clinical.first_crossing(result, "ANC", 0.5, direction="up")
    assert summary["days_below"] == pytest.approx(crossing, abs=0.02)
    assert summary["engraftment_day"] == math.ceil(crossing)
    assert summary["graft_failure"] is False


def test_without_rescue_residual_cells_recover_later_than_with_reinfusion(model):
    """Empty marrow without cells: never engrafts (graft failure by day +30). In this model
    any surviving cell regrows, so a tiny residual (1e-9 of the steady state) recovers late;
    reinfusing the typical autologous dose gives day 10 whatever the residual."""
    t = np.linspace(0, 90, 9001)
    empty = model.simulate(90, t_eval=t, **infusion("autologous_pbsc", 0.0))
    assert engraftment_day(empty) is None
    assert graft_failure(empty, "autologous_pbsc")
    residual = infusion("autologous_pbsc", 0.0, residual=1e-9)
    alone = engraftment_day(model.simulate(90, t_eval=t, **residual))
    assert alone is not None and alone >= 25
    for fraction in (0.0, 1e-9, 1e-5):
        rescued = infusion("autologous_pbsc", residual=fraction)
        assert engraftment_day(model.simulate(90, t_eval=t, **rescued)) == 10


# ------------------------------------------------------------------ chimerism
def mixed_start(donor_stem: float, donor_rest: float = 0.5) -> dict[str, float]:
    c = {"stem_cells": 1e7, "precursors": 0.95e9, "neutrophils": 4e8}
    y0 = {f"donor_{k}": (donor_stem if k == "stem_cells" else donor_rest) * v for k, v in c.items()}
    y0.update(
        {
            f"recipient_{k}": (1 - (donor_stem if k == "stem_cells" else donor_rest)) * v
            for k, v in c.items()
        }
    )
    return y0


@pytest.mark.parametrize(("gamma", "eta"), [(0.0, 0.0), (0.02, 0.0), (0.0, 0.03), (0.05, 0.01)])
def test_stem_cell_ratio_follows_the_exact_exponential_law(chimerism, gamma, eta):
    """Both stem compartments see the same signal, so ln(c1D/c1R) changes at rate eta-gamma."""
    t = np.linspace(0, 200, 21)
    result = chimerism.simulate(
        200,
        params={"rejection_rate": gamma, "graft_versus_host_rate": eta},
        y0=mixed_start(0.3),
        t_eval=t,
    )
    ratio = result["donor_stem_cells"] / result["recipient_stem_cells"]
    np.testing.assert_allclose(np.log(ratio), math.log(0.3 / 0.7) + (eta - gamma) * t, atol=1e-5)


@pytest.mark.parametrize(("gamma", "eta"), [(0.0, 0.0), (0.1, 0.0), (0.0, 0.1), (1.0, 1.0)])
def test_chimerism_stays_between_0_and_100_percent(chimerism, gamma, eta):
    result = chimerism.simulate(
        1000,
        params={"rejection_rate": gamma, "graft_versus_host_rate": eta},
        y0=mixed_start(0.6, 0.1),
        t_eval=np.linspace(0, 1000, 201),
    )
    for name in ("donor_chimerism", "donor_stem_fraction"):
        # tolerance 1e-9 %: the integrator's round-off around 0 (values of order -1e-18)
        assert np.all(result[name] >= -1e-9) and np.all(result[name] <= 100 + 1e-9)


def test_neutral_mixed_chimerism_settles_at_the_initial_stem_cell_fraction(chimerism):
    """No immune kill: the stem ratio is conserved, the totals follow the one-lineage model, so
    the steady state has the initial donor stem fraction (30 %) in every compartment."""
    result = chimerism.simulate(60000, y0=mixed_start(0.3, 0.9), t_eval=[0.0, 60000.0])
    assert result["donor_stem_fraction"][-1] == pytest.approx(30.0, abs=1e-6)
    assert result["donor_chimerism"][-1] == pytest.approx(30.0, abs=0.5)
    total = result["donor_neutrophils"][-1] + result["recipient_neutrophils"][-1]
    assert total == pytest.approx(0.7 / 1.75e-9, rel=1e-3)


def test_gvh_effect_leads_to_full_donor_chimerism_and_rejection_to_its_loss(chimerism):
    """With eta > 0 only, the recipient stem cells die out (donor wins, > 95 %); with gamma > 0
    only, the donor stem cells do. Either way the total neutrophils return to the one-lineage
    steady state c3* = (2 a1 - 1)/k = 4e8 cells/kg (derived by hand); tolerance 0.1 %."""
    y0 = mixed_start(0.5)
    full = chimerism.simulate(
        20000, params={"graft_versus_host_rate": 0.05}, y0=y0, t_eval=[0.0, 20000.0]
    )
    assert full["donor_chimerism"][-1] > FULL_DONOR_CHIMERISM
    assert full["donor_stem_fraction"][-1] > FULL_DONOR_CHIMERISM
    lost = chimerism.simulate(20000, params={"rejection_rate": 0.05}, y0=y0, t_eval=[0.0, 20000.0])
    assert lost["donor_chimerism"][-1] < 100 - FULL_DONOR_CHIMERISM
    for result in (full, lost):
        total = result["donor_neutrophils"][-1] + result["recipient_neutrophils"][-1]
        assert total == pytest.approx(0.7 / 1.75e-9, rel=1e-3)


def test_kill_rates_outside_their_bounds_are_rejected(chimerism):
    with pytest.raises(hm.ModelError, match="rejection_rate"):
        chimerism.simulate(10, params={"rejection_rate": -0.1})
    with pytest.raises(hm.ModelError, match="graft_versus_host_rate"):
        chimerism.simulate(10, params={"graft_versus_host_rate": 2.0})


# --------------------------------------------------------------- the chapter's explorables
def test_first_engrafted_day_on_daily_counts():
    from hemomodels.clinical import first_engrafted_day

    assert first_engrafted_day([0.0, 0.1, 0.3, 0.6, 0.7, 0.4, 0.6, 0.9, 1.4, 2.0]) == 6
    assert first_engrafted_day([0.0, 0.6, 0.6, 0.6]) == 1  # exactly three days at the end
    assert first_engrafted_day([0.0, 0.6, 0.6]) is None  # only two days
    assert first_engrafted_day([0.0, 0.6, 0.6, 0.4]) is None
    with pytest.raises(hm.ModelError, match="daily_counts"):
        first_engrafted_day([])


def test_transplant_explorables_equal_direct_simulations(model, chimerism):
    from hemomodels.clinical.transplant import GRAFT_SOURCES
    from hemomodels.explorables import transplantation

    view = transplantation.graft_dose(model)
    marrow = list(GRAFT_SOURCES.values())[2]
    result = view.run(graft_source=marrow, dose_factor=0.5)
    direct = model.simulate(
        40, t_eval=view.t_eval, **infusion(marrow, 0.5 * marrow.typical_cd34_dose)
    )
    np.testing.assert_allclose(result["ANC"], direct["ANC"], rtol=1e-10)
    assert view.summary_rows(result)["engraftment"] == f"day {engraftment_day(direct)}"
    mixed = transplantation.mixed_chimerism(chimerism)
    neutral = mixed.run(donor_fraction=30, rejection_rate=0.0, graft_versus_host_rate=0.0)
    np.testing.assert_allclose(neutral["donor_chimerism"], 30.0, rtol=1e-6)
    spec = mixed.chart().to_dict()
    assert spec["vconcat"][0]["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0.0, 100.0]
    table = transplantation.engraftment_table(model, factors=(1,))
    np.testing.assert_array_equal(table["model, 1 x typical dose"], table["published median"])


# --- three lineages after a graft (Colijn & Mackey model) --------------------------------


@pytest.mark.parametrize("day", [14, 19])
def test_calibrated_graft_engrafts_on_the_target_day_and_no_smaller_graft_does(day):
    from hemomodels.clinical import engraftment_day
    from hemomodels.scenarios.transplant import calibrated_stem_fraction, three_lineage_graft

    fraction = calibrated_stem_fraction(day, stages=4)
    model = hm.models.colijn_mackey2005(stages=4)
    times = np.arange(0.0, 41.0)

    def engrafts(f):
        result = model.simulate(40, **three_lineage_graft(f, stages=4), t_eval=times)
        return engraftment_day(result, "ANC")

    assert engrafts(fraction) == day
    assert engrafts(fraction / 1.01) > day


def test_unreachable_engraftment_day_is_refused():
    from hemomodels.scenarios.transplant import calibrated_stem_fraction

    with pytest.raises(hm.ModelError, match="target_day = 10"):
        calibrated_stem_fraction(10)
    with pytest.raises(hm.ModelError, match="target_day"):
        calibrated_stem_fraction(0.5)


def test_three_lineage_graft_empties_everything_but_the_graft():
    from hemomodels.models.colijn_mackey2005 import normal_state
    from hemomodels.scenarios.transplant import three_lineage_graft

    start = three_lineage_graft(0.25, stages=3)["y0"]
    normal = normal_state(3)
    assert start["stem_cells"] == pytest.approx(0.25 * normal["stem_cells"])
    assert all(v == 0.0 for k, v in start.items() if k != "stem_cells")
    with pytest.raises(hm.ModelError, match="stem_fraction"):
        three_lineage_graft(0.0)


def test_lineage_table_reads_the_registry_values():
    from hemomodels import targets
    from hemomodels.explorables import transplantation

    table = transplantation.lineage_recovery_table()
    pbsc, marrow = table.index
    assert table.loc[pbsc, "neutrophils, model (day)"] == 14
    assert table.loc[marrow, "neutrophils, model (day)"] == 19
    assert table.loc[pbsc, "platelets, model (day)"] == targets.get("tx_platelets_pbsc").compute()
    assert table.loc[marrow, "platelets, published median (day)"] == 25
    # the documented miss: in the model platelets come back before neutrophils
    assert (table["platelets, model (day)"] < table["neutrophils, model (day)"]).all()
