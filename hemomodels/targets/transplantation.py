"""Clinical targets of the transplantation chapter (reconstitution after a graft)."""

from __future__ import annotations

import math

import numpy as np

from ..clinical.platelets import platelet_recovery_day
from ..clinical.transplant import GRAFT_SOURCES, engraftment_day
from ..models.transplant_reconstitution import transplant_reconstitution
from ..scenarios.transplant import infusion, three_lineage_recovery
from . import ClinicalTarget

__all__ = ["TARGETS"]


def day_for(source: str, cd34_dose: float | None = None) -> float:
    """Engraftment day (ASTCT: first of 3 days with ANC ≥ 0.5) for a graft source."""
    result = transplant_reconstitution().simulate(
        60, **infusion(source, cd34_dose), t_eval=np.arange(0.0, 61.0)
    )
    day = engraftment_day(result)
    return math.inf if day is None else float(day)


def _calibrated(key: str, source: str, claim: str) -> ClinicalTarget:
    graft = GRAFT_SOURCES[source]
    day = graft.median_engraftment_day
    return ClinicalTarget(
        key=key,
        chapter="transplantation",
        claim=claim,
        low=day - 1,
        high=day + 1,
        unit="day",
        published_text=f"median day {day}",
        source=graft.engraftment_source,
        model=f"Reconstitution model, {graft.label}, typical dose",
        compute=lambda: day_for(source),
        kind="calibrated",
        reason="The graft's lag before division is calibrated to this median.",
        provenance="the abstract",
    )


def platelet_day_for(source: str) -> float:
    """Platelet recovery day (ASTCT) in the three-lineage model, graft calibrated on the
    neutrophils of the same source."""
    day = platelet_recovery_day(three_lineage_recovery(source))
    return math.inf if day is None else float(day)


_PLATELETS_TOO_EARLY = (
    "The three-lineage model (built for healthy people and cyclical neutropenia, not for "
    "transplants) refills its platelet lineage faster than its neutrophils once the graft is "
    "sized to the neutrophil median, so platelets recover days before neutrophils; in "
    "patients they recover after them."
)


def _platelets(key: str, source: str, claim: str) -> ClinicalTarget:
    graft = GRAFT_SOURCES[source]
    day = graft.median_platelet_recovery_day
    assert day is not None  # only sources with a published platelet median
    return ClinicalTarget(
        key=key,
        chapter="transplantation",
        claim=claim,
        low=day - 3,
        high=day + 3,
        unit="day",
        published_text=f"median day {day}",
        source=graft.engraftment_source,
        model=(
            "Three-lineage model, empty marrow, graft sized so that neutrophils engraft on "
            f"day {graft.median_engraftment_day}"
        ),
        compute=lambda: platelet_day_for(source),
        expected=False,
        reason=_PLATELETS_TOO_EARLY,
        provenance="the abstract",
    )


TARGETS = [
    _calibrated(
        "tx_autologous_pbsc", "autologous_pbsc", "Neutrophil engraftment, autologous blood graft"
    ),
    _calibrated(
        "tx_allogeneic_pbsc", "allogeneic_pbsc", "Neutrophil engraftment, donor blood stem cells"
    ),
    _calibrated("tx_bone_marrow", "bone_marrow", "Neutrophil engraftment, donor bone marrow"),
    _calibrated("tx_cord_blood", "cord_blood", "Neutrophil engraftment, two cord-blood units"),
    _platelets(
        "tx_platelets_pbsc",
        "allogeneic_pbsc",
        "Platelet recovery (≥ 20 × 10⁹/L), donor blood stem cells",
    ),
    _platelets(
        "tx_platelets_marrow", "bone_marrow", "Platelet recovery (≥ 20 × 10⁹/L), donor bone marrow"
    ),
    ClinicalTarget(
        key="tx_tiny_graft_fails",
        chapter="transplantation",
        claim="A far too small graft fails: no ANC ≥ 0.5 by day +30 (primary graft failure)",
        low=30.5,
        high=1e6,
        unit="day",
        published_text="no engraftment by day +30",
        source="kharfandabaja2021",
        model="Reconstitution model, autologous blood graft of 100 CD34⁺ cells/kg",
        compute=lambda: day_for("autologous_pbsc", 100.0),
        expected=False,
        reason=(
            "A deterministic model regrows from any graft, however small: real failure comes "
            "from chance (too few long-term stem cells), immune rejection and a damaged "
            "marrow, none of which the model has."
        ),
        provenance=(
            "the ASTCT consensus definition, as tabulated in a 2024 report (not yet checked "
            "against the 2021 paper)"
        ),
    ),
]
