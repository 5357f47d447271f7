"""Anaemia scenarios: a blood loss, EPO therapy in chronic kidney disease, and transfusions.

Examples
--------
>>> import hemomodels as hm
>>> from hemomodels.scenarios.anaemia import blood_loss_initial_state
>>> start = blood_loss_initial_state(hm.models.tetschke2018(), 0.5)
>>> round(start["hb_mass"], 1)
811.4
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import rules
from ..clinical.anaemia import RESTRICTIVE_TRANSFUSION_THRESHOLD
from ..doses import Schedule, When
from ..errors import ModelError
from ..model import Model

__all__ = [
    "HB_RISE_PER_UNIT",
    "blood_loss_initial_state",
    "epo_therapy_scenario",
    "transfusion_rule",
    "untreated_ckd_state",
]

#: Rise of the Hb concentration (g/dL) from one unit of red cells in an average adult who is
#: not bleeding: the clinical rule of thumb, read in secondary sources only (not checked
#: against a primary study); real rises vary with body size and illness.
HB_RISE_PER_UNIT = 1.0


def transfusion_rule(
    model: Model,
    threshold: float = RESTRICTIVE_TRANSFUSION_THRESHOLD,
    *,
    rise_per_unit: float = HB_RISE_PER_UNIT,
) -> When:
    """One unit of red cells whenever Hb falls below ``threshold`` (g/dL), for the red-cell
    model :func:`~hemomodels.models.tetschke2018`.

    A unit adds the Hb mass that raises the concentration by ``rise_per_unit`` g/dL at the
    model's blood volume (``rise × blood volume``, the volume in dL).

    Examples
    --------
    >>> import hemomodels as hm
    >>> rule = transfusion_rule(hm.models.tetschke2018())
    >>> rule.threshold, round(rule.dose["hb_mass"], 1)  # g/dL, g of Hb per unit
    (7.0, 59.8)
    """
    threshold = rules.number(threshold, "threshold", low=0.0, low_open=True, unit="g/dL")
    rise = rules.number(rise_per_unit, "rise_per_unit", low=0.0, low_open=True, unit="g/dL")
    volume_dl = 10 * model.parameter("blood_volume").value
    return When(
        "hb_concentration",
        below=threshold,
        dose={"hb_mass": rise * volume_dl},
        once=False,
        label="one unit of red cells",
    )


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


def untreated_ckd_state(model: Model, kidney_epo_capacity: float) -> dict[str, float]:
    """The stable steady state of an untreated patient with this kidney EPO capacity.

    Examples
    --------
    >>> import hemomodels as hm
    >>> state = untreated_ckd_state(hm.models.tetschke2018_epo(), kidney_epo_capacity=0.3)
    >>> round(state["hb_mass"], 1)
    313.3
    """
    stable = [
        s
        for s in model.steady_states({"kidney_epo_capacity": kidney_epo_capacity})
        if s.stability == "stable"
    ]
    return stable[0].values


def epo_therapy_scenario(model: Model, weeks: int = 24):
    """Scenario: injections three times a week (days 0, 2, 4 of each week), started from
    the untreated steady state of the chosen kidney EPO capacity.

    Examples
    --------
    >>> import hemomodels as hm
    >>> scenario = epo_therapy_scenario(hm.models.tetschke2018_epo(), weeks=2)
    >>> doses = scenario({"epo_dose": 0.5, "kidney_epo_capacity": 0.6})["doses"]
    >>> [(d.start, d.every, d.count) for d in doses]  # weekly on days 0, 2 and 4
    [(0.0, 7.0, 2), (2.0, 7.0, 2), (4.0, 7.0, 2)]
    """

    def scenario(values: dict[str, float]) -> dict:
        doses = [
            Schedule("epo", values["epo_dose"], start=day, every=7.0, count=weeks)
            for day in (0.0, 2.0, 4.0)
        ]
        return {"y0": untreated_ckd_state(model, values["kidney_epo_capacity"]), "doses": doses}

    return scenario
