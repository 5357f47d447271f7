"""Anaemia: WHO haemoglobin cut-offs, severity classification and a transfusion threshold.

Constants
---------
:data:`WHO_ANAEMIA_THRESHOLDS`
    Haemoglobin cut-offs (g/dL) of the World Health Organization for anaemia and its severity
    at sea level (WHO/NMH/NHD/MNM/11.1, 2011; ``who2011``): for each population group, the
    lower limit of "no anaemia", of "mild" and of "moderate"; below the last is "severe".
    The table was read in two secondary reproductions of the WHO table (a PLOS ONE table and
    the documentation of the R package *micronutr*), not in the WHO document itself.
:data:`RESTRICTIVE_TRANSFUSION_THRESHOLD`
    7.0 g/dL, the trigger of the restrictive arm of the TRICC trial (Hébert et al. 1999,
    ``hebert1999``): critically ill patients were transfused when Hb fell below 7.0 g/dL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import rules
from .timeseries import first_crossing

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "RESTRICTIVE_TRANSFUSION_THRESHOLD",
    "WHO_ANAEMIA_THRESHOLDS",
    "WHO_GROUP_NAMES",
    "classify_anaemia",
    "time_to_transfusion",
]

#: WHO 2011 cut-offs in g/dL: (no anaemia at or above, mild at or above, moderate at or above);
#: severe below the last. Source key ``who2011``.
WHO_ANAEMIA_THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "children_6_59_months": (11.0, 10.0, 7.0),
    "children_5_11_years": (11.5, 11.0, 8.0),
    "children_12_14_years": (12.0, 11.0, 8.0),
    "women": (12.0, 11.0, 8.0),
    "pregnant_women": (11.0, 10.0, 7.0),
    "men": (13.0, 11.0, 8.0),
}

#: The population groups of :data:`WHO_ANAEMIA_THRESHOLDS` in words.
WHO_GROUP_NAMES: dict[str, str] = {
    "children_6_59_months": "Children 6–59 months",
    "children_5_11_years": "Children 5–11 years",
    "children_12_14_years": "Children 12–14 years",
    "women": "Non-pregnant women (15 years and over)",
    "pregnant_women": "Pregnant women",
    "men": "Men (15 years and over)",
}

#: Restrictive red-cell transfusion trigger (g/dL) of the TRICC trial (``hebert1999``).
RESTRICTIVE_TRANSFUSION_THRESHOLD = 7.0


def classify_anaemia(hb_g_dl: float, group: str = "men") -> str:
    """WHO severity of anaemia for one haemoglobin concentration.

    Parameters
    ----------
    hb_g_dl : float
        Haemoglobin concentration (g/dL), > 0.
    group : str
        Population group, one of :data:`WHO_ANAEMIA_THRESHOLDS` (``"men"`` and ``"women"``
        mean non-pregnant people aged 15 years and above).

    Returns
    -------
    {"none", "mild", "moderate", "severe"}

    Examples
    --------
    >>> classify_anaemia(12.5, "men"), classify_anaemia(12.5, "women")
    ('mild', 'none')
    >>> classify_anaemia(7.5, "women")
    'severe'
    """
    group = rules.choice(group, "group", WHO_ANAEMIA_THRESHOLDS)
    hb_g_dl = rules.number(hb_g_dl, "hb_g_dl", low=0.0, low_open=True, unit="g/dL")
    normal, mild, moderate = WHO_ANAEMIA_THRESHOLDS[group]
    if hb_g_dl >= normal:
        return "none"
    if hb_g_dl >= mild:
        return "mild"
    if hb_g_dl >= moderate:
        return "moderate"
    return "severe"


def time_to_transfusion(
    result: Result,
    threshold: float = RESTRICTIVE_TRANSFUSION_THRESHOLD,
    *,
    variable: str = "hb_concentration",
    patient: int | None = None,
) -> float | None:
    """First time the haemoglobin concentration falls below a transfusion threshold.

    Parameters
    ----------
    result : Result
        A simulation with a haemoglobin-concentration variable in g/dL.
    threshold : float
        Transfusion trigger (g/dL), > 0; default the restrictive 7.0 g/dL of
        :data:`RESTRICTIVE_TRANSFUSION_THRESHOLD`.
    variable : str
        Name of the haemoglobin-concentration state or observable.
    patient : int, optional
        Patient index for a cohort result.

    Returns
    -------
    float or None
        Interpolated time (model time unit), or ``None`` if Hb stays at or above the
        threshold during the simulation.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.tetschke2018()
    >>> result = model.simulate(365, params={"production_capacity": 0.1}, t_eval=range(366))
    >>> round(time_to_transfusion(result))  # day the Hb falls below 7 g/dL
    120
    """
    threshold = rules.number(threshold, "threshold", low=0.0, low_open=True, unit="g/dL")
    return first_crossing(result, variable, threshold, direction="down", patient=patient)
