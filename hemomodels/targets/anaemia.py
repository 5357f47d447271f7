"""Clinical targets of the anaemia chapter (Tetschke 2018 erythropoiesis)."""

from __future__ import annotations

import numpy as np

from ..models.tetschke2018 import tetschke2018
from ..scenarios.anaemia import blood_loss_initial_state
from . import ClinicalTarget

__all__ = ["TARGETS"]

#: Whole blood given at one donation (L), as in the donors Tetschke fitted (Pottgiesser 2008).
DONATION_L = 0.55


def healthy_hb() -> float:
    """Hb concentration (g/dL) at the healthy steady state."""
    model = tetschke2018()
    (healthy,) = [s for s in model.steady_states() if s.stability == "stable"]
    return healthy.values["hb_mass"] / (10 * model.parameter("blood_volume").value)


def donation_loss() -> float:
    """Hb mass (g) removed by one donation of :data:`DONATION_L` litres of whole blood."""
    model = tetschke2018()
    before = blood_loss_initial_state(model, 0.0)["hb_mass"]
    return before - blood_loss_initial_state(model, DONATION_L)["hb_mass"]


def donation_recovery_day() -> float:
    """Day by which 90 % of the Hb mass lost with one donation is back."""
    model = tetschke2018()
    start = blood_loss_initial_state(model, DONATION_L)
    baseline = model.parameter("baseline_hb_mass").value
    result = model.simulate(120, y0=start, t_eval=np.arange(0.0, 120.25, 0.25))
    deficit = baseline - start["hb_mass"]
    back = np.flatnonzero(result["hb_mass"] >= baseline - 0.1 * deficit)
    return float(result.t[back[0]])


TARGETS = [
    ClinicalTarget(
        key="anaemia_healthy_hb",
        chapter="anaemia",
        claim="Haemoglobin of a healthy adult man",
        low=14.3,
        high=15.3,
        unit="g/dL",
        published_text="14.8 g/dL (CO-rebreathing cohort)",
        source="falz2014",
        model="Tetschke 2018, healthy steady state",
        compute=healthy_hb,
        kind="calibrated",
        reason="The blood volume is set from this value (blood volume = Hb mass / 14.8 g/dL).",
        provenance="the abstract",
    ),
    ClinicalTarget(
        key="anaemia_donation_loss",
        chapter="anaemia",
        claim="Hb mass lost with one blood donation (about 550 mL)",
        low=60.0,
        high=90.0,
        unit="g",
        published_text="75 ± 15 g (8.8 ± 1.9 %)",
        source="pottgiesser2008",
        model="Tetschke 2018, 0.55 L of whole blood at the healthy concentration",
        compute=donation_loss,
        provenance="the abstract",
    ),
    ClinicalTarget(
        key="anaemia_donation_recovery",
        chapter="anaemia",
        claim="Days until the Hb mass is back after one donation",
        low=25.0,
        high=47.0,
        unit="day",
        published_text="36 ± 11 days (range 20–59)",
        source="pottgiesser2008",
        model="Tetschke 2018 after a 0.55 L donation; day 90 % of the loss is back",
        compute=donation_recovery_day,
        kind="calibrated",
        reason="Tetschke et al. fitted the model to these donors' Hb-mass data.",
        provenance="the abstract",
    ),
]
