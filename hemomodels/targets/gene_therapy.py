"""Clinical targets of the gene-therapy chapter (two red-cell populations on Tetschke 2018)."""

from __future__ import annotations

from ..models.gene_therapy_erythropoiesis import gene_therapy_erythropoiesis
from . import ClinicalTarget

__all__ = ["TARGETS"]

#: Red-cell lifespan of sickle cells without fetal Hb (days; Franco 1998: about 2 weeks).
SICKLE_LIFESPAN = 14.0


def _steady(fraction: float) -> dict[str, float]:
    model = gene_therapy_erythropoiesis()
    params = {"corrected_stem_fraction": fraction, "uncorrected_rbc_lifespan": SICKLE_LIFESPAN}
    (steady,) = [s for s in model.steady_states(params) if s.stability == "stable"]
    values = dict(steady.values)
    total = values["corrected_hb_mass"] + values["uncorrected_hb_mass"]
    volume = model.parameter("blood_volume").value
    return {"hb": total / (10 * volume), "corrected": 100 * values["corrected_hb_mass"] / total}


def untreated_hb() -> float:
    """Steady-state Hb (g/dL) with no corrected stem cells and 14-day red cells."""
    return _steady(0.0)["hb"]


def treated_hb() -> float:
    """Steady-state Hb (g/dL) with 20 % corrected stem cells."""
    return _steady(0.2)["hb"]


def corrected_share() -> float:
    """Corrected red cells (% of Hb mass) with 20 % corrected stem cells."""
    return _steady(0.2)["corrected"]


TARGETS = [
    ClinicalTarget(
        key="gt_untreated_hbss",
        chapter="gene_therapy",
        claim="Steady-state Hb of untreated sickle cell anaemia (HbSS)",
        low=6.0,
        high=10.0,
        unit="g/dL",
        published_text="6–10 g/dL",
        source="sickle_lab_features",
        model="Gene-therapy model, no corrected stem cells, sickle red cells living 14 days",
        compute=untreated_hb,
        expected=False,
        reason=(
            "Just above the range: the marrow compensates at the largest expansion measured in "
            "other haemolytic anaemias (6-fold) and every sickle cell lives 14 days; the "
            "shorter end of the measured survivals (about 12 days or less) gives Hb inside the "
            "range. Ineffective erythropoiesis and vaso-occlusion are not in the model."
        ),
        provenance="a table of laboratory features in a haematology reference text",
    ),
    ClinicalTarget(
        key="gt_treated_hb",
        chapter="gene_therapy",
        claim="Total Hb after gene therapy (orientation: exa-cel edits most stem cells, not 20 %)",
        low=11.0,
        high=16.0,
        unit="g/dL",
        published_text="≥ 11 g/dL maintained (exa-cel, interim)",
        source="frangoul2024",
        model="Gene-therapy model, 20 % corrected stem cells",
        compute=treated_hb,
        provenance="a summary of the interim results (not yet checked against the paper)",
    ),
    ClinicalTarget(
        key="gt_fitzhugh_majority",
        chapter="gene_therapy",
        claim="With ≥ 20 % donor (corrected) myeloid cells, most red cells are normal",
        low=50.0,
        high=100.0,
        unit="%",
        published_text="phenotype reversed at ≥ 20 % myeloid chimerism",
        source="fitzhugh2017",
        model="Gene-therapy model, 20 % corrected stem cells: corrected red cells",
        compute=corrected_share,
        provenance="the key points of the paper",
    ),
]
