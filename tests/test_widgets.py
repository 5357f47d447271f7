"""Charts and explorables, in-kernel (no browser): data equal direct simulations, controls
offer what they promise, and nothing a reader sees is a code name."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re

import numpy as np
import pytest

import hemomodels as hm
from hemomodels import explorables
from hemomodels.compile import compile_count
from hemomodels.text import human_number
from hemomodels.viz import STATIC_ENV, json_script, render_static_html, timecourse_chart
from hemomodels.widgets import Choice, Panel, Slider, explore
from hemomodels.widgets.charts import static_spec
from hemomodels.widgets.data import key

Y0 = {"stem_cells": 1e5, "precursors": 0.0, "neutrophils": 0.0}
K = 1.75e-9  # the published feedback strength of marciniak_czochra_2009


def controls():
    return [
        Slider(name="stem_self_renewal", low=0.65, high=0.95, step=0.1),
        Slider(name="stem_division_rate", values=[0.05, 0.1, 0.2]),
        Slider(name="feedback_strength", values=[K / 4, K, 4 * K]),
    ]


@pytest.fixture
def explorable(mc2009):
    return explore(mc2009, controls(), t_end=60, y0=Y0)


def quietly(function, *args):
    with contextlib.redirect_stdout(io.StringIO()):  # no notebook here to draw in
        return function(*args)


def test_grid_points_equal_direct_simulations(explorable, mc2009):
    grid = explorable.grid()
    assert len(grid.points) == 4 * 3 * 3
    for positions in [(0, 0, 0), (3, 2, 1), (1, 1, 2)]:
        values = {c.name: c.values[p] for c, p in zip(explorable.controls, positions, strict=True)}
        direct = mc2009.simulate(60, params=values, y0=Y0, t_eval=explorable.t_eval)
        shown = grid.points[key(positions)]
        for variable, value in zip(shown.lines["variable"], shown.lines["value"], strict=True):
            np.testing.assert_allclose(value, direct[variable], rtol=1e-4, atol=1e-6)


def test_live_moves_show_the_simulation_of_the_new_values_without_recompiling(
    explorable, mc2009, monkeypatch
):
    import altair as alt
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    live = quietly(lambda: explorable._live)
    count = compile_count()
    quietly(live.move, 0, 3)  # stem_self_renewal 0.95
    quietly(live.move, 2, 0)  # feedback strength K/4
    assert compile_count() == count
    assert live.values == {
        "stem_self_renewal": 0.95,
        "stem_division_rate": 0.1,
        "feedback_strength": K / 4,
    }
    # What the live view displays is the validated Altair chart of these values, as Altair's
    # renderer shows it (the view skips rebuilding the chart's object tree, not its content).
    spec = shown[-1].spec
    chart = explorable.chart(**live.values).to_dict()
    assert {"$schema": alt.SCHEMA_URL, **spec} == chart
    assert shown[-1]._repr_mimebundle_().keys() == alt.renderers.get()(chart).keys()
    rows = spec["datasets"]["lines"]
    direct = mc2009.simulate(60, params=live.values, y0=Y0, t_eval=explorable.t_eval)
    neutrophils = next(r for r in rows if r["v"] == "Neutrophils")
    np.testing.assert_allclose(neutrophils["value"], direct["neutrophils"], rtol=5.1e-3)  # 3 digits
    assert "0.95" in live.readout.value
    quietly(live.reset)
    assert live.positions == [c.start for c in explorable.controls]


def test_steady_state_lines_are_the_closed_form(explorable):
    shown = explorable.grid().points[key([3, 1, 1])]  # a1 = 0.95, k = K
    assert shown.steady["neutrophils"] == pytest.approx((2 * 0.95 - 1) / K, rel=1e-9)


def test_static_spec_holds_every_combination_and_shows_the_start(explorable, mc2009):
    spec = static_spec(explorable, explorable.grid())
    params = {p["name"]: p for p in spec["params"]}
    assert set(params) == {"p0", "p1", "p2", "k"}
    assert [params[f"p{i}"]["value"] for i in range(3)] == [2, 1, 1]  # 0.85, 0.1, K
    lines = spec["datasets"]["lines"]
    assert len(lines) == 36 * 3
    start = [r for r in lines if r["k"] == "2-1-1"]
    direct = mc2009.simulate(60, y0=Y0, t_eval=explorable.t_eval)
    for row in start:
        variable = {
            "Stem cells": "stem_cells",
            "Progenitors and precursors": "precursors",
            "Neutrophils": "neutrophils",
        }[row["v"]]
        np.testing.assert_allclose(row["value"], direct[variable], rtol=5.1e-3)  # 3 digits


def test_axes_stay_fixed_and_hold_every_line(explorable):
    grid = explorable.grid()
    low, high = grid.domains[0]
    for shown in grid.points.values():
        for values in shown.lines["value"]:
            positive = values[values > 0]
            assert positive.min() >= low * (1 - 1e-9) and positive.max() <= high * (1 + 1e-9)
    spec = static_spec(explorable, grid)
    scale = spec["vconcat"][0]["layer"][0]["encoding"]["y"]["scale"]
    assert scale["domain"] == [low, high] and scale["type"] == "log"


def test_static_mode_offers_only_working_html(explorable, monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "1")
    bundle = explorable._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    page = bundle["text/html"]
    assert 'type="range"' in page and 'aria-live="polite"' in page and "hm-spec" in page
    assert "_live" not in explorable.__dict__  # no ipywidget was created for the static page
    assert "http" not in page


def test_live_mode_offers_the_ipywidget(explorable, monkeypatch):
    monkeypatch.delenv(STATIC_ENV, raising=False)
    bundle = quietly(explorable._repr_mimebundle_)
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_static_html_is_self_contained_and_safe():
    spec = {
        "description": 'a "quoted" chart',
        "data": {"values": [{"text": "</script>"}]},
        "mark": "point",
        "title": "Counts",
    }
    page = render_static_html(spec)
    assert "http" not in page
    payload = page.split('class="hm-spec">', 1)[1].split("</script>", 1)[0]
    assert "</" not in payload
    parsed = json.loads(payload.replace("<\\/", "</"))
    assert parsed["data"] == spec["data"] and "title" not in parsed  # the title is page text
    assert parsed["config"]["axis"]["labelFontSize"] >= 12
    assert 'aria-label="a &quot;quoted&quot; chart"' in page
    assert '<p class="hm-title">Counts</p>' in page
    assert json_script({"a": 1.23456789e-9}, "x").endswith('{"a":1.235e-9}</script>')


def test_timecourse_chart_thins_labels_and_drops_non_positive_values(mc2009):
    result = mc2009.simulate(50, y0=Y0, t_eval=np.linspace(0, 50, 1001))
    spec = timecourse_chart(result, max_points=100).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len(values) <= 3 * 101
    assert all(row["value"] > 0 for row in values)
    assert {row["variable"] for row in values} == {
        "Stem cells",
        "Progenitors and precursors",
        "Neutrophils",
    }
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["encoding"]["x"]["title"] == "Time (days)"
    with pytest.raises(hm.ModelError, match="different units"):
        timecourse_chart(result, ["neutrophils", "feedback_signal"])


def test_scenario_inputs_summary_and_reference_lines(clearance):
    """A slider that is not a parameter (a dose) goes through the scenario function; the
    simulation is the closed form."""
    view = explore(
        clearance,
        [
            Slider(name="dose", low=1.0, high=5.0, step=1.0, value=2.0, label="Bolus", unit="mg"),
            Slider(name="elimination_rate", values=[0.1, 0.3, 0.5]),
        ],
        t_end=10,
        scenario=lambda v: {"doses": [hm.Dose(0.0, "drug", v["dose"])]},
        summary=lambda r: {"peak": f"{r['drug'].max():.3f} mg"},
        reference_lines={"threshold": 1.0},
        steady_state=False,
        log_scale=False,
    )
    result = view.run(dose=4.0, elimination_rate=0.2)
    np.testing.assert_allclose(result["drug"], 4.0 * np.exp(-0.2 * result.t), rtol=1e-6)
    grid = view.grid()
    assert len(grid.points) == 15
    shown = grid.points[key([4, 0])]  # 5 mg, rate 0.1
    assert shown.summary == {"peak": "5.000 mg"}
    assert shown.markers == [{"time": 0.0, "label": "Dose into drug amount"}]
    assert "Bolus (mg): 5" in shown.description
    assert human_number(5 * math.exp(-1.0)) in shown.description  # the closed form at t = 10
    spec = static_spec(view, grid)
    assert spec["datasets"]["references"][0]["label"] == "threshold"


def test_inputs_need_a_scenario_label_and_unit(clearance):
    dose = Slider(name="dose", low=1.0, high=5.0, step=1.0, value=2.0, label="Bolus", unit="mg")
    with pytest.raises(hm.ModelError, match="need a scenario function"):
        explore(clearance, [dose], t_end=10)
    with pytest.raises(hm.ModelError, match="needs label=, unit="):
        explore(
            clearance, [Slider(name="dose", low=1, high=5, step=1)], t_end=10, scenario=lambda v: {}
        )


@pytest.mark.parametrize(
    ("slider", "message"),
    [
        (Slider(name="stem_self_renewal", low=0.3, high=0.6, step=0.1), "starting value"),
        (Slider(name="stem_self_renewal", low=0.5, high=0.9, step=0.3), "divides the range"),
        (Slider(name="stem_self_renewal", low=0.5, high=1.5, step=0.05), "high end"),
    ],
)
def test_slider_grids_are_checked_before_anything_runs(mc2009, slider, message):
    with pytest.raises(hm.ModelError, match=message):
        explore(mc2009, [slider], t_end=10)


def test_slider_values_must_increase_and_log_sliders_be_positive():
    with pytest.raises(hm.ModelError, match="increasing"):
        Slider(name="a", values=[0.5, 0.4])
    with pytest.raises(hm.ModelError, match="log slider"):
        Slider(name="a", low=0.0, high=1.0, points=3, log=True)
    with pytest.raises(hm.ModelError, match="one of step, values or points"):
        Slider(name="a", low=0.0, high=1.0, step=0.5, points=3)


def test_a_choice_passes_its_option_value_to_the_scenario(clearance):
    view = explore(
        clearance,
        [Choice(name="route", label="Route", options={"Small dose": 1.0, "Large dose": 3.0})],
        t_end=5,
        scenario=lambda v: {"doses": [hm.Dose(0.0, "drug", v["route"])]},
        steady_state=False,
    )
    assert view.controls[0].texts == ("Small dose", "Large dose")
    large = view.grid().points["1"]
    np.testing.assert_allclose(large.lines["value"][0][0], 3.0)
    page = view.static_html()
    assert page.count('type="radio"') == 2 and "<legend>Route</legend>" in page


def test_quantities_of_different_units_get_separate_panels(mc2009):
    view = explore(
        mc2009,
        [Slider(name="stem_self_renewal", low=0.75, high=0.95, step=0.1)],
        t_end=10,
        variables=["neutrophils", "feedback_signal"],
    )
    assert [p.variables for p in view.panels] == [("neutrophils",), ("feedback_signal",)]
    spec = static_spec(view, view.grid())
    titles = [
        panel["layer"][0]["encoding"]["y"].get("axis", {}).get("title") for panel in spec["vconcat"]
    ]
    assert titles == ["Neutrophils (cells/kg)", "Feedback signal"]
    with pytest.raises(hm.ModelError, match="separate panels"):
        explore(
            mc2009,
            ["stem_self_renewal"],
            t_end=10,
            variables=["neutrophils", "feedback_signal"],
            reference_lines={"x": 1.0},
        )
    with pytest.raises(hm.ModelError, match="one unit"):
        explore(
            mc2009,
            ["stem_self_renewal"],
            t_end=10,
            panels=[Panel(variables=["neutrophils", "feedback_signal"])],
        )


def test_dose_markers_follow_the_schedule():
    view = explorables.chemotherapy.dose_schedule()
    shown = view.grid().points[key([2, 2])]  # every 14 days, 4 doses
    assert [m["time"] for m in shown.markers] == pytest.approx([0, 14, 28, 42], abs=1e-9)
    assert {m["label"] for m in shown.markers} == {"Docetaxel infusion"}
    # every 7 days by the dose-delay rule: each dose waits a week for the count to recover
    ruled = explorables.chemotherapy.dose_delay().grid().points[key([0, 2, 1])]
    assert [m["time"] for m in ruled.markers] == pytest.approx([0, 14, 28, 42], abs=1e-9)


CHAPTER_EXPLORABLES = [
    explorables.hsc.marrow_recovery,
    explorables.anaemia.blood_loss,
    explorables.anaemia.haemolysis,
    explorables.anaemia.marrow_failure,
    explorables.anaemia.epo_therapy,
    explorables.chemotherapy.one_dose,
    explorables.chemotherapy.dose_schedule,
    explorables.chemotherapy.dose_delay,
    explorables.chemotherapy.gcsf_support,
    explorables.leukaemia.imatinib_on_off,
    explorables.leukaemia.resistance,
    explorables.leukaemia.aml_competition,
    explorables.transplantation.graft_dose,
    explorables.transplantation.autologous_rescue,
    explorables.transplantation.mixed_chimerism,
    explorables.gene_therapy.red_cell_chimerism,
    explorables.gene_therapy.cure_threshold,
    explorables.gene_therapy.allogeneic_vs_autologous,
    explorables.marrow_failure.stem_cell_loss_view,
    explorables.marrow_failure.immune_attack_view,
    explorables.marrow_failure.cyclical_neutropenia,
]
CODE_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _visible_texts(view) -> list[str]:
    spec = static_spec(view, view.grid())
    texts = [view.title, view.note or "", view.description]
    for control in view.controls:
        texts += [control.label, *control.texts]
    for shown in view.grid().points.values():
        texts += [shown.description, *shown.summary, *shown.summary.values()]
        texts += [m["label"] for m in shown.markers] + [o["label"] for o in shown.overlay]
    for panel in spec["vconcat"]:
        for layer in panel["layer"]:
            for channel in layer.get("encoding", {}).values():
                if isinstance(channel, dict):
                    texts.append(str(channel.get("title", "")))
                    texts.append(str(channel.get("axis", {}).get("title", "")))
    texts += [row["v"] for row in spec["datasets"]["lines"]]
    texts += [row["label"] for row in spec["datasets"]["references"]]
    return texts


@pytest.mark.parametrize("build", CHAPTER_EXPLORABLES, ids=lambda f: f.__name__)
def test_chapter_explorables_speak_the_readers_language(build):
    view = build()
    found = sorted({m for text in _visible_texts(view) for m in CODE_NAME.findall(text)})
    assert not found, f"code names visible to readers: {found}"
    for control in view.controls:
        assert control.label[0].isupper()
