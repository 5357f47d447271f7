"""Clinical targets of the marrow-failure chapter (Colijn & Mackey 2005 three-lineage model)."""

from __future__ import annotations

import math

from ..models.colijn_mackey2005 import colijn_mackey2005, normal_state
from ..stability import stability_boundary
from . import ClinicalTarget

__all__ = ["TARGETS"]

STAGES = 8


def oscillation_period() -> float:
    """Period (days) of the oscillation that begins when the stem-cell death rate rises."""
    model = colijn_mackey2005(STAGES)
    onset = stability_boundary(
        model, "stem_apoptosis", 0.07, 0.23, lambda p: normal_state(STAGES, p)
    )
    return math.nan if onset is None or onset.period is None else onset.period


def healthy_platelet_count() -> float:
    """Platelet count (10⁹/L) of the model at its normal steady state."""
    return float(colijn_mackey2005(STAGES).simulate(1)["platelet_count"][0])


def platelet_mean_life_hours() -> float:
    """Mean time a new platelet spends in the blood (hours): the fixed lifespan, shortened by
    random loss, :math:`(1 - e^{-\\gamma_P\\tau_{PS}})/\\gamma_P`."""
    model = colijn_mackey2005(STAGES)
    loss = model.parameter("platelet_random_loss").value
    lifespan = model.parameter("platelet_lifespan").value
    return 24 * (1 - math.exp(-loss * lifespan)) / loss


def platelet_turnover() -> float:
    """Platelets made per litre of blood per day (10⁹/L/day) at the normal steady state:
    the count divided by the mean life."""
    return healthy_platelet_count() / (platelet_mean_life_hours() / 24)


_HARKER = "the abstract (authors of the study not yet checked)"

TARGETS = [
    ClinicalTarget(
        key="cn_period",
        chapter="marrow_failure",
        claim="Period of the neutrophil cycles in cyclical neutropenia",
        low=17.0,
        high=23.0,
        unit="day",
        published_text="19–21 days",
        source="hearn1998",
        model=(
            "Colijn & Mackey 2005, 8 stages per delay: period at the onset of oscillation as "
            "the stem-cell death rate rises (tolerance ±2 days: the model is not fitted to "
            "patients with cyclical neutropenia)"
        ),
        compute=oscillation_period,
        provenance="the abstract",
    ),
    ClinicalTarget(
        key="healthy_platelets",
        chapter="marrow_failure",
        claim="Platelet count of healthy volunteers",
        low=237.0 - 2 * 41.0,
        high=237.0 + 2 * 41.0,
        unit="10^9/L",
        published_text="237 ± 41 × 10⁹/L (mean ± SD; range: 2 SD)",
        source="harker2000",
        model="Colijn & Mackey 2005 at its normal steady state, Nadler blood volume",
        compute=healthy_platelet_count,
        provenance=_HARKER,
    ),
    ClinicalTarget(
        key="platelet_turnover",
        chapter="marrow_failure",
        claim="Platelets made per litre of blood per day in healthy volunteers",
        low=43.9 - 2 * 11.9,
        high=43.9 + 2 * 11.9,
        unit="10^9/L/day",
        published_text="43.9 ± 11.9 × 10⁹/L per day (mean ± SD; range: 2 SD)",
        source="harker2000",
        model="Colijn & Mackey 2005 at its normal steady state: count / mean platelet life",
        compute=platelet_turnover,
        provenance=_HARKER,
    ),
    ClinicalTarget(
        key="platelet_life",
        chapter="marrow_failure",
        claim="Mean life of labelled platelets in healthy volunteers",
        low=205.0 - 2 * 18.0,
        high=205.0 + 2 * 18.0,
        unit="hour",
        published_text="205 ± 18 hours (mean ± SD; range: 2 SD)",
        source="harker2000",
        model="Colijn & Mackey 2005: 9.5-day lifespan shortened by random loss (0.15 per day)",
        compute=platelet_mean_life_hours,
        expected=False,
        reason=(
            "The published random loss of 0.15 per day removes many platelets before the end "
            "of their 9.5-day lifespan, so the mean life is about 5 days instead of 8.5: the "
            "model makes platelets faster than measured to keep a normal count."
        ),
        provenance=_HARKER,
    ),
]
