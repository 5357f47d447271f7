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
from ..errors import ModelError
from .timeseries import first_crossing

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..model import Model
    from ..result import Result

__all__ = [
    "RESTRICTIVE_TRANSFUSION_THRESHOLD",
    "WHO_ANAEMIA_THRESHOLDS",
    "blood_loss_initial_state",
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


def blood_loss_initial_state(
    model: Model, volume_lost_l: float, *, params: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Initial state just after losing ``volume_lost_l`` litres of whole blood.

    Starting from the model's healthy stable steady state, whole blood carries Hb at the
    current concentration, so losing a volume :math:`\\Delta V` of a blood volume :math:`V`
    removes the fraction :math:`\\Delta V / V` of the circulating Hb mass; marrow
    compartments are untouched. Plasma is assumed to be replaced quickly (blood volume back
    to :math:`V`), so the Hb concentration drops at once by the same fraction — in reality
    haemodilution takes a day or more.

    Parameters
    ----------
    model : Model
        A model with states ``hb_mass`` and parameter ``blood_volume`` (e.g.
        :func:`hemomodels.models.tetschke2018`).
    volume_lost_l : float
        Volume of whole blood lost (L), in ``[0, blood_volume)``.
    params : mapping, optional
        Parameters overriding the defaults (they set the steady state and the blood volume).

    Returns
    -------
    dict of str to float
        Initial values of every state.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.tetschke2018()
    >>> start = blood_loss_initial_state(model, 0.5)  # half a litre of whole blood
    >>> healthy = blood_loss_initial_state(model, 0.0)
    >>> round(start["hb_mass"] / healthy["hb_mass"], 4)  # 1 - 0.5 L / blood volume
    0.9164
    """
    from ..errors import unknown_name
    from ..model import Model

    rules.instance(model, "model", Model)
    for name, kind, known in (
        ("hb_mass", "state", model.state_names),
        ("blood_volume", "parameter", model.parameter_names),
    ):
        if name not in known:
            raise unknown_name(kind, name, known, model=model.name)
    from ..validation import check_parameters

    volume = float(check_parameters(model, params)[model.parameter_index["blood_volume"]])
    volume_lost_l = rules.number(
        volume_lost_l,
        "volume of blood lost",
        low=0.0,
        high=volume,
        high_open=True,
        unit="L",
        model=model.name,
        allowed=f"a number in [0, {volume:g}) (less than the blood volume)",
    )
    stable = [s for s in model.steady_states(params) if s.stability == "stable"]
    if len(stable) != 1:
        raise ModelError(
            f"{model.name}: no single stable steady state at these parameters to start the "
            "blood loss from; allowed: parameters with one stable steady state.",
            field="params",
            value=params,
        )
    state = dict(stable[0].values)
    state["hb_mass"] *= 1 - volume_lost_l / volume
    return state
