"""Charts and explorables, in-kernel (no browser): data equal direct simulations."""

from __future__ import annotations

import json

import numpy as np
import pytest

import hemomodels as hm
from hemomodels.compile import compile_count
from hemomodels.viz import STATIC_ENV, render_static_html, timecourse_chart

Y0 = {"stem_cells": 1e5, "precursors": 0.0, "neutrophils": 0.0}
CONTROLS = {
    "stem_self_renewal": (0.65, 0.95),
    "stem_division_rate": (0.05, 0.2),
    "feedback_strength": (4.375e-10, 7e-9, "log"),
}


@pytest.fixture
def explorable(mc2009):
    return hm.widgets.explore(mc2009, CONTROLS, t_end=60, y0=Y0)


def test_slider_change_redraws_with_a_direct_simulation(explorable, mc2009):
    explorable.widget()
    params = {}
    for name, value in [
        ("stem_self_renewal", 0.9),
        ("stem_division_rate", 0.15),
        ("feedback_strength", 3e-9),
    ]:
        explorable.sliders[name].value = value
        params[name] = value
        direct = mc2009.simulate(60, params=params, y0=Y0, t_eval=explorable.t_eval)
        frame = explorable.current
        for state in mc2009.state_names:
            shown = frame.loc[frame["variable"] == state, "value"].to_numpy()
            np.testing.assert_allclose(shown, direct[state], rtol=1e-12)


def test_slider_updates_do_not_recompile(explorable):
    explorable.widget()
    count = compile_count()
    for value in np.linspace(0.7, 0.95, 5):
        explorable.sliders["stem_self_renewal"].value = float(value)
    assert compile_count() == count


def test_log_slider_covers_the_requested_range(explorable):
    slider = explorable.widget() and explorable.sliders["feedback_strength"]
    assert slider.min == pytest.approx(np.log10(4.375e-10))
    assert slider.max == pytest.approx(np.log10(7e-9))
    assert slider.value == pytest.approx(1.75e-9)


def test_steady_state_panel_shows_the_stable_state(explorable):
    explorable.widget()
    explorable.sliders["stem_self_renewal"].value = 0.9
    steady = explorable.steady_values()
    assert steady["neutrophils"] == pytest.approx((2 * 0.9 - 1) / 1.75e-9, rel=1e-9)


def test_static_chart_binds_one_slider_per_control(explorable):
    spec = explorable.static_chart().to_dict()
    params = {p["name"]: p for p in spec["params"]}
    assert set(params) == set(CONTROLS)
    assert params["stem_self_renewal"]["bind"]["input"] == "range"
    assert params["feedback_strength"]["bind"]["min"] == pytest.approx(
        np.log10(4.375e-10), abs=1e-6
    )
    # the initial slider positions are grid points at (or next to) the defaults
    assert params["stem_self_renewal"]["value"] == pytest.approx(0.875)
    assert params["feedback_strength"]["value"] == pytest.approx(np.log10(1.75e-9), abs=1e-6)


def test_static_data_equal_simulations_at_each_grid_point(explorable, mc2009):
    trajectories, steady, _ = explorable.static_data()
    assert len(trajectories) == 5**3 * 3
    rng = np.random.default_rng(3)
    for row in trajectories.sample(6, random_state=rng.integers(1 << 31)).itertuples():
        params = {
            "stem_self_renewal": row.stem_self_renewal,
            "stem_division_rate": row.stem_division_rate,
            "feedback_strength": 10**row.feedback_strength,
        }
        direct = mc2009.simulate(60, params=params, y0=Y0, t_eval=explorable.t_eval)
        expected = direct[row.variable]
        shown = np.array([np.nan if v is None else v for v in row.value], dtype=float)
        positive = expected > 0
        np.testing.assert_allclose(shown[positive], expected[positive], rtol=1e-3)
        assert np.all(np.isnan(shown[~positive]))
    assert set(steady["variable"]) == set(mc2009.state_names)


def test_static_mode_offers_only_working_html(explorable, monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "1")
    bundle = explorable._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert "vegaEmbed" in bundle["text/html"]
    assert explorable._widget is None  # no ipywidget was created for the static page


def test_live_mode_offers_the_ipywidget(explorable, monkeypatch):
    monkeypatch.delenv(STATIC_ENV, raising=False)
    bundle = explorable._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_static_html_is_self_contained_and_safe():
    spec = {
        "description": 'a "quoted" chart',
        "data": {"values": [{"text": "</script>"}]},
        "mark": "point",
    }
    html = render_static_html(spec)
    assert "http" not in html
    assert "</script>" not in html.split("<script", 1)[1].rsplit("</script>", 1)[0]
    assert 'aria-label="a &quot;quoted&quot; chart"' in html
    payload = html.split("window.vegaEmbed(", 1)[1].split(', {"actions"')[0]
    payload = payload.split(", ", 1)[1].replace("<\\/", "</")
    assert json.loads(payload) == spec


def test_timecourse_chart_thins_and_drops_non_positive_values(mc2009):
    result = mc2009.simulate(50, y0=Y0, t_eval=np.linspace(0, 50, 1001))
    spec = timecourse_chart(result, max_points=100).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len(values) <= 3 * 101
    assert all(row["value"] > 0 for row in values)
    assert spec["encoding"]["y"]["scale"]["type"] == "log"


def test_scenario_inputs_summary_and_reference_lines(clearance, monkeypatch):
    """A slider that is not a parameter (a dose) goes through the scenario function."""
    view = hm.widgets.explore(
        clearance,
        {
            "dose": hm.widgets.Input(1.0, 5.0, value=2.0, unit="mg", description="bolus"),
            "elimination_rate": (0.1, 0.5),
        },
        t_end=10,
        scenario=lambda v: {"doses": [hm.Dose(0.0, "drug", v["dose"])]},
        summary=lambda r: {"peak": f"{r['drug'].max():.3f} mg"},
        reference_lines={"threshold": 1.0},
        steady_state=False,
        points=5,
    )
    result = view.run(dose=4.0, elimination_rate=0.2)
    np.testing.assert_allclose(result["drug"], 4.0 * np.exp(-0.2 * result.t), rtol=1e-6)
    trajectories, steady, summaries = view.static_data()
    assert len(trajectories) == 25 and steady.empty
    row = summaries[(summaries["dose"] == 5.0) & (summaries["elimination_rate"] == 0.1)]
    assert list(row["line"]) == ["peak: 5.000 mg"]
    spec = view.static_chart().to_dict()
    assert {p["name"] for p in spec["params"]} == {"dose", "elimination_rate"}
    assert "vconcat" in spec
    monkeypatch.setenv(STATIC_ENV, "1")
    assert "vegaEmbed" in view._repr_mimebundle_()["text/html"]


def test_input_sliders_need_a_scenario(clearance):
    with pytest.raises(hm.ModelError, match="need a scenario function"):
        hm.widgets.explore(
            clearance, {"dose": hm.widgets.Input(1.0, 5.0, 2.0, "mg", "bolus")}, t_end=10
        )


def test_linear_slider_on_a_tiny_parameter_keeps_its_range(mc2009):
    view = hm.widgets.explore(mc2009, ["feedback_strength"], t_end=30)
    spec = view.static_chart().to_dict()
    bind = spec["params"][0]["bind"]
    assert bind["min"] == pytest.approx(0.875e-9) and bind["max"] == pytest.approx(3.5e-9)
    trajectories, _, _ = view.static_data()
    assert trajectories["feedback_strength"].nunique() == 7


def test_slider_range_is_reachable_in_decimal_steps(mc2009):
    """min + (points - 1) * step must equal max exactly as decimals (browsers step in
    decimal arithmetic), and every grid point's data key must be a slider position."""
    from decimal import Decimal

    view = hm.widgets.explore(
        mc2009,
        {
            "stem_self_renewal": (0.3, 0.9, "linear", 0.85),
            "feedback_strength": (1e-10, 7e-9, "log"),
        },
        t_end=10,
        points=5,
    )
    trajectories, _, _ = view.static_data()
    for control in view.controls:
        low, high, step = control.slider_range()
        assert Decimal(repr(low)) + 4 * Decimal(repr(step)) == Decimal(repr(high))
        positions = {float(Decimal(repr(low)) + k * Decimal(repr(step))) for k in range(5)}
        assert set(trajectories[control.name]) == positions
    assert view.controls[0].position(0.85) == 0.9  # initial value snaps to the nearest point


def test_initial_value_outside_the_slider_range_is_rejected(mc2009):
    with pytest.raises(hm.ModelError, match=r"initial value of the slider 'stem_self_renewal'"):
        hm.widgets.explore(mc2009, {"stem_self_renewal": (0.3, 0.6)}, t_end=10)


def test_hsc_chapter_explorable_starts_from_the_depleted_marrow(mc2009):
    from hemomodels.explorables import hsc

    view = hsc.marrow_recovery(mc2009)
    result = view.run(stem_self_renewal=0.9)
    direct = mc2009.simulate(
        120, params={"stem_self_renewal": 0.9}, y0=hsc.DEPLETED_MARROW, t_eval=view.t_eval
    )
    np.testing.assert_allclose(result.states, direct.states, rtol=1e-12)
    spec = view.static_chart().to_dict()
    assert {p["name"] for p in spec["params"]} == set(view.values)


def test_live_spec_equals_a_freshly_built_chart(mc2009):
    """The fast live path (structure built once, data replaced) draws what Altair builds."""
    view = hm.widgets.explore(mc2009, {"stem_self_renewal": (0.75, 0.95)}, t_end=30, y0=Y0)
    for value in (0.8, 0.9):
        fast = view.live_spec(stem_self_renewal=value)
        full = view.chart(stem_self_renewal=value).to_dict()
        for fast_layer, full_layer in zip(fast["layer"], full["layer"], strict=True):
            assert fast_layer["mark"] == full_layer["mark"]
            assert fast_layer["encoding"] == full_layer["encoding"]
            fast_rows = fast["datasets"][fast_layer["data"]["name"]]
            full_rows = full["datasets"][full_layer["data"]["name"]]
            assert fast_rows == full_rows
