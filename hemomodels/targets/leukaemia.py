"""Clinical targets of the leukaemia chapter (Michor 2005 CML, Stiehl 2015 AML)."""

from __future__ import annotations

import math

import numpy as np

from ..clinical.leukaemia import major_molecular_response_day, therapy_slopes
from ..doses import ParameterChange
from ..models.michor2005 import michor2005
from ..models.stiehl2015 import stiehl2015
from . import ClinicalTarget

__all__ = ["TARGETS"]

YEAR = 365.25
_ON = (ParameterChange(0.0, {"imatinib": 1.0}),)


def _continuous(days: float):
    return michor2005().simulate(days, doses=_ON, t_eval=np.arange(0.0, days + 1))


def first_slope() -> float:
    """Slope of ln(BCR-ABL ratio) in the first phase under imatinib (1/day)."""
    return therapy_slopes(_continuous(400))["first phase"]


def second_slope() -> float:
    """Slope of ln(BCR-ABL ratio) in the second phase (1/day)."""
    return therapy_slopes(_continuous(400))["second phase"]


def mmr_month() -> float:
    """Month the typical model patient reaches a major molecular response."""
    day = major_molecular_response_day(_continuous(730))
    return math.inf if day is None else day / (YEAR / 12)


def late_change() -> float:
    """Change of log10(BCR-ABL ratio) between years 2 and 5 on continuous imatinib."""
    result = _continuous(5 * 365)
    ratio = result["bcr_abl_ratio"]
    return float(np.log10(ratio[5 * 365] / ratio[2 * 365]))


def aml_half_blasts_day() -> float:
    """Day marrow blasts pass 50 %, from one leukaemic stem cell per kg."""
    result = stiehl2015().simulate(1000, t_eval=np.arange(0.0, 1001))
    over = np.flatnonzero(result["marrow_blasts"] >= 50)
    return float(result.t[over[0]]) if over.size else math.inf


def aml_equal_self_renewal_blasts() -> float:
    """Highest marrow blast % in 5 years when leukaemic self-renewal equals the healthy one."""
    model = stiehl2015()
    healthy = model.parameter("stem_self_renewal").value
    result = model.simulate(
        5 * 365, params={"leukaemic_stem_self_renewal": healthy}, t_eval=np.arange(0, 1826.0)
    )
    return float(result["marrow_blasts"].max())


TARGETS = [
    ClinicalTarget(
        key="cml_first_slope",
        chapter="leukaemia",
        claim="First phase of the BCR-ABL decline under imatinib",
        low=-0.070,
        high=-0.034,
        unit="1/day",
        published_text="−0.052 ± 0.018 per day",
        source="tang2011",
        model="Michor 2005, continuous imatinib, slope of ln ratio on days 20–120",
        compute=first_slope,
        kind="reproduction",
        provenance="the abstract",
    ),
    ClinicalTarget(
        key="cml_second_slope",
        chapter="leukaemia",
        claim="Second, slower phase of the decline",
        low=-0.0095,
        high=-0.0019,
        unit="1/day",
        published_text="−0.0057 ± 0.0038 per day",
        source="tang2011",
        model="Michor 2005, continuous imatinib, slope on days 200–300",
        compute=second_slope,
        kind="reproduction",
        provenance="the abstract",
    ),
    ClinicalTarget(
        key="cml_mmr_time",
        chapter="leukaemia",
        claim="Month of major molecular response (≤ 0.1 % IS) on first-line imatinib",
        low=12.0,
        high=60.0,
        unit="month",
        published_text="22 % at month 12",
        source="enestnd2020",
        model="Michor 2005, typical patient: ratio 3 logs below its start",
        compute=mmr_month,
        expected=False,
        reason=(
            "The model's typical patient reaches it within 6 months: Michor's estimates come "
            "from patients followed while responding during their first year, faster than "
            "the typical trial patient, most of whom are not in MMR at 12 months."
        ),
        provenance="the trial report (12 months)",
    ),
    ClinicalTarget(
        key="cml_keeps_falling",
        chapter="leukaemia",
        claim="On continuous imatinib the BCR-ABL ratio keeps falling in most patients",
        low=-20.0,
        high=0.0,
        unit="log10 change, years 2–5",
        published_text="third slope negative in most patients",
        source="tang2011",
        model="Michor 2005, continuous imatinib, change of log10 ratio from year 2 to 5",
        compute=late_change,
        expected=False,
        reason=(
            "Model behaviour, not the clinic: imatinib does not touch the model's leukaemic "
            "stem cells, which keep growing slowly (even with no resistance, the ratio turns "
            "up after about 15 months), and they keep making resistant mutants that grow "
            "through therapy."
        ),
        provenance="the abstract",
    ),
    ClinicalTarget(
        key="aml_half_blasts",
        chapter="leukaemia",
        claim="Days from one leukaemic stem cell to 50 % marrow blasts",
        low=140.0,
        high=230.0,
        unit="day",
        published_text="about 175–200 days (Fig. 3A)",
        source="stiehl2015",
        model="Stiehl 2015, fast-dividing leukaemic clone (1 per day)",
        compute=aml_half_blasts_day,
        kind="calibrated",
        reason="The leukaemic division rate was chosen in the published range to match this.",
        provenance="a public reproduction of the paper's figure (the myelo R package)",
    ),
    ClinicalTarget(
        key="aml_needs_self_renewal",
        chapter="leukaemia",
        claim="A clone without extra self-renewal does not take over, however fast it divides",
        low=0.0,
        high=19.99,
        unit="% blasts",
        published_text="no take-over (blasts < 20 %)",
        source="stiehl2014interface",
        model="Stiehl 2015, leukaemic self-renewal equal to the healthy one, 5 years",
        compute=aml_equal_self_renewal_blasts,
        provenance="the abstract (self-renewal is the key selection mechanism)",
    ),
]
