"""Clinical targets of the chemotherapy chapter (Friberg 2002 model, docetaxel)."""

from __future__ import annotations

import numpy as np

from ..clinical.neutropenia import GRADE_THRESHOLDS
from ..cohorts import lognormal_cohort
from ..models.friberg2002 import (
    KLOFT2006_OMEGA2,
    at_baseline,
    bolus_concentration,
    friberg2002,
    regimen,
)
from . import ClinicalTarget

__all__ = ["TARGETS"]

HOURS = 24.0
#: Patients in the virtual cohort behind the grade-4 fraction, and its seed.
COHORT, SEED = 1000, 2006


def _one_cycle(drug: str, dose_mg_per_m2: float = 100.0):
    model = friberg2002(drug)
    return model.simulate(
        21 * HOURS, doses=regimen(dose_mg_per_m2, cycles=1), t_eval=np.arange(0, 505, 1.0)
    )


def typical_nadir() -> float:
    """Nadir ANC (10⁹/L) of the typical patient, 100 mg/m² as a one-hour infusion (Kloft)."""
    return float(_one_cycle("docetaxel_kloft2006")["ANC"].min())


def typical_nadir_friberg() -> float:
    """The same with Friberg 2002's own docetaxel estimates."""
    return float(_one_cycle("docetaxel")["ANC"].min())


def nadir_day() -> float:
    """Day of the typical patient's nadir (Kloft estimates, 100 mg/m²)."""
    result = _one_cycle("docetaxel_kloft2006")
    return float(result.t[np.argmin(result["ANC"])] / HOURS)


def grade4_percent() -> float:
    """% of a virtual cohort with grade-4 neutropenia after one 100 mg/m² cycle."""
    model = friberg2002("docetaxel_kloft2006")
    table = lognormal_cohort(model, omega2=KLOFT2006_OMEGA2, n=COHORT, seed=SEED)
    cohort = model.simulate_many(
        at_baseline({name: table[name].to_numpy() for name in table.columns}),
        21 * HOURS,
        doses=regimen(100, cycles=1),
        t_eval=np.arange(0, 505, 2.0),
    )
    return float(100 * np.mean(cohort["ANC"].min(axis=1) < GRADE_THRESHOLDS[4]))


def rebound_day() -> float:
    """Day of the rebound peak after a 200 mg bolus (Friberg 2002 estimates)."""
    model = friberg2002("docetaxel")
    from ..doses import Dose

    result = model.simulate(
        28 * HOURS, doses=[Dose(0, "Conc", bolus_concentration(200))], t_eval=np.arange(0, 673)
    )
    after = result.t > result.t[np.argmin(result["ANC"])]
    return float(result.t[after][np.argmax(result["ANC"][after])] / HOURS)


TARGETS = [
    ClinicalTarget(
        key="chemo_typical_grade4",
        chapter="chemotherapy",
        claim="At 100 mg/m² every 3 weeks most patients reach grade-4 neutropenia",
        low=0.0,
        high=0.4999,
        unit="10⁹/L",
        published_text="< 0.5 × 10⁹/L",
        source="taxotere",
        model="Friberg model, Kloft 2006 estimates: typical patient's nadir, 100 mg/m² over 1 h",
        compute=typical_nadir,
        provenance="the product label, Table 4 (75.4 % grade 4)",
    ),
    ClinicalTarget(
        key="chemo_grade4_fraction",
        chapter="chemotherapy",
        claim="Patients with grade-4 neutropenia (ANC < 0.5) at 100 mg/m²",
        low=70.0,
        high=90.0,
        unit="%",
        published_text="75.4 % of 2,045 (85.9 % of 965 with breast cancer)",
        source="taxotere",
        model="1,000 virtual patients, Kloft 2006 estimates and variability, one cycle",
        compute=grade4_percent,
        provenance="the product label, Table 4",
    ),
    ClinicalTarget(
        key="chemo_nadir_day",
        chapter="chemotherapy",
        claim="Day of the neutrophil nadir after docetaxel",
        low=6.0,
        high=9.0,
        unit="day",
        published_text="about day 7",
        source="friberg2002",
        model="Friberg model, Kloft 2006 estimates: typical patient, 100 mg/m²",
        compute=nadir_day,
        provenance=(
            "a public reproduction's reading of the paper's Fig. 4 (not yet checked against "
            "the paper)"
        ),
    ),
    ClinicalTarget(
        key="chemo_rebound_day",
        chapter="chemotherapy",
        claim="Day of the rebound peak above baseline after docetaxel",
        low=18.5,
        high=21.5,
        unit="day",
        published_text="about day 20",
        source="friberg2002",
        model="Friberg model, Friberg 2002 estimates, 200 mg bolus",
        compute=rebound_day,
        kind="reproduction",
        provenance=(
            "a public reproduction's reading of the paper's Fig. 4 (not yet checked against "
            "the paper)"
        ),
    ),
    ClinicalTarget(
        key="chemo_friberg_grade4",
        chapter="chemotherapy",
        claim="At 100 mg/m² most patients reach grade 4: with Friberg 2002's own estimates",
        low=0.0,
        high=0.4999,
        unit="10⁹/L",
        published_text="< 0.5 × 10⁹/L",
        source="taxotere",
        model="Friberg model, Friberg 2002 estimates: typical patient's nadir, 100 mg/m²",
        compute=typical_nadir_friberg,
        expected=False,
        reason=(
            "Friberg 2002's own docetaxel estimates have half the drug potency (slope 8.6 per "
            "µM) of the docetaxel model in the same group's later analysis (Kloft 2006, 15.6 "
            "per µM): its typical patient stops at grade 3, and only about a third of its "
            "virtual patients reach grade 4."
        ),
        provenance="the product label, Table 4; the model's estimates from a public reproduction",
    ),
]
