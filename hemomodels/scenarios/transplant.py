"""Transplant scenarios: an emptied marrow with a graft, and mixed donor-recipient starts.

Examples
--------
>>> from hemomodels.scenarios.transplant import infusion
>>> infusion("cord_blood")["doses"]
[Dose(time=7.0, target='stem_cells', amount=200000.0)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from .. import rules
from ..clinical.transplant import GraftSource, engraftment_day, graft_source
from ..doses import Dose
from ..errors import invalid_value
from ..model import Model
from ..models.colijn_mackey2005 import DEFAULT_STAGES, colijn_mackey2005, normal_state
from ..models.transplant_reconstitution import (
    transplant_reconstitution,
)
from ..result import Result

__all__ = [
    "calibrated_stem_fraction",
    "infusion",
    "mixed_start",
    "source_stem_fraction",
    "three_lineage_graft",
    "three_lineage_recovery",
]


def infusion(
    source: str | GraftSource,
    cd34_dose: float | None = None,
    *,
    residual: float = 0.0,
    target: str = "stem_cells",
    steady_state: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Simulation arguments for a transplant: an emptied marrow and the graft.

    Parameters
    ----------
    source : str or GraftSource
        Graft source (a key of :data:`GRAFT_SOURCES`).
    cd34_dose : float, optional
        Infused CD34⁺ cells per kg (>= 0); default the source's ``typical_cd34_dose``.
    residual : float
        Fraction (in [0, 1]) of each compartment's steady state left by the conditioning
        therapy (0: a completely empty marrow).
    target : str
        Compartment receiving the infused cells.
    steady_state : mapping, optional
        Steady state by compartment name (cells/kg) to which ``residual`` applies; default
        that of :func:`~hemomodels.models.transplant_reconstitution`.

    Returns
    -------
    dict
        ``{"y0": ..., "doses": [...]}`` for :meth:`~hemomodels.Model.simulate`: the graft is a
        :class:`~hemomodels.Dose` into ``target`` at the source's calibrated lag.

    Examples
    --------
    >>> infusion("cord_blood")["doses"]
    [Dose(time=7.0, target='stem_cells', amount=200000.0)]
    """
    graft = graft_source(source)
    dose = (
        graft.typical_cd34_dose
        if cd34_dose is None
        else rules.number(cd34_dose, "CD34+ cell dose", low=0.0, unit="cells/kg")
    )
    residual = rules.fraction(residual, "residual", unit="fraction of the steady state")
    if steady_state is None:
        from ..models.transplant_reconstitution import (
            STEADY_NEUTROPHILS,
            STEADY_PRECURSORS,
            STEADY_STEM,
        )

        steady_state = {
            "stem_cells": STEADY_STEM,
            "precursors": STEADY_PRECURSORS,
            "neutrophils": STEADY_NEUTROPHILS,
        }
    steady_state = {
        name: rules.number(value, f"steady_state[{name!r}]", low=0.0, unit="cells/kg")
        for name, value in rules.mapping(steady_state, "steady_state").items()
    }
    if not isinstance(target, str):
        raise invalid_value("target", target, "a compartment name (str)", None)
    y0 = {name: residual * value for name, value in steady_state.items()}
    return {"y0": y0, "doses": [Dose(graft.calibrated_lag, target, dose)]}


def mixed_start(model: Model, donor_percent: float) -> dict[str, float]:
    """Initial state with ``donor_percent`` of every compartment of donor origin, the total
    at the reconstitution model's steady state.

    Examples
    --------
    >>> import hemomodels as hm
    >>> start = mixed_start(hm.models.transplant_chimerism(), donor_percent=25)
    >>> donor, recipient = start["donor_stem_cells"], start["recipient_stem_cells"]
    >>> round(donor / (donor + recipient), 2)
    0.25
    """
    (healthy,) = [s for s in transplant_reconstitution().steady_states() if s.stability == "stable"]
    steady = healthy.values
    fraction = donor_percent / 100
    start = {f"donor_{k}": fraction * v for k, v in steady.items()}
    start |= {f"recipient_{k}": (1 - fraction) * v for k, v in steady.items()}
    unknown = set(start) - set(model.state_names)
    if unknown:
        raise ValueError(f"mixed_start: {model.name} has no states {sorted(unknown)}")
    return start


def three_lineage_graft(
    stem_fraction: float, stages: int = DEFAULT_STAGES
) -> dict[str, dict[str, float]]:
    """Simulation arguments for a transplant in the three-lineage model
    (:func:`~hemomodels.models.colijn_mackey2005`): an empty marrow and blood, and a graft.

    The conditioning therapy is taken to have emptied every compartment (dividing stem cells,
    precursors of all three lineages, blood cells); the graft is a fraction of the normal
    pool of resting stem cells. Transfusions are not modelled.

    Parameters
    ----------
    stem_fraction : float
        Resting stem cells given, as a fraction of the normal pool (0 < fraction <= 1).
    stages : int, default 8
        Stages per delay of the model.

    Returns
    -------
    dict
        ``{"y0": ...}`` for :meth:`~hemomodels.Model.simulate`.

    Examples
    --------
    >>> start = three_lineage_graft(0.1, stages=2)["y0"]
    >>> round(start["stem_cells"], 4), start["platelets_1"]
    (0.101, 0.0)
    """
    fraction = rules.number(
        stem_fraction,
        "stem_fraction",
        low=0.0,
        high=1.0,
        low_open=True,
        unit="fraction of the normal stem-cell pool",
    )
    normal = normal_state(stages)
    y0 = {name: 0.0 for name in normal}
    y0["stem_cells"] = fraction * normal["stem_cells"]
    return {"y0": y0}


def calibrated_stem_fraction(
    target_day: float, stages: int = DEFAULT_STAGES, *, tolerance: float = 1e-3
) -> float:
    """Smallest graft (fraction of the normal stem-cell pool) with which the three-lineage
    model's neutrophils engraft by ``target_day``.

    Engraftment is the ASTCT rule (:func:`~hemomodels.clinical.engraftment_day`: first of 3
    days with ANC >= 0.5 x 10⁹/L) on the model's ANC. A larger graft engrafts sooner, so the
    fraction is found by bisection on a logarithmic scale, to a relative ``tolerance``. This
    is a **calibration**: it makes the neutrophils match a published median so that the
    other lineages' recovery can be compared with theirs.

    Parameters
    ----------
    target_day : float
        Day by which neutrophils must have engrafted (1–60).
    stages : int, default 8
        Stages per delay of the model.
    tolerance : float
        Relative precision of the fraction (0.0001–0.1).

    Returns
    -------
    float
        The fraction, within ``tolerance`` above the smallest one that engrafts in time.

    Raises
    ------
    ModelError
        If even the whole normal pool engrafts later than ``target_day``, or if the model
        cannot engraft on that day: with 8 stages, grafts above about 18 % of the pool make a
        first wave of neutrophils (days 3–5) that already meets the rule, so days 4–10 are
        skipped.

    Examples
    --------
    >>> round(calibrated_stem_fraction(19, stages=4), 3)
    0.059
    """
    day = rules.number(target_day, "target_day", low=1.0, high=60.0, unit="day")
    tolerance = rules.number(tolerance, "tolerance", low=1e-4, high=0.1, unit="1")
    model = colijn_mackey2005(stages)
    t_end = float(math.ceil(day)) + 5.0
    times = np.arange(0.0, t_end + 1.0)

    def engrafts(fraction: float) -> float:
        start = three_lineage_graft(fraction, stages)["y0"]
        result = model.simulate(t_end, y0=start, t_eval=times)
        engrafted = engraftment_day(result, "ANC")
        return math.inf if engrafted is None else float(engrafted)

    if engrafts(1.0) > day:
        raise invalid_value(
            "target_day",
            target_day,
            "a day by which a graft of the whole normal stem-cell pool engrafts",
            "day",
        )
    low, high = 1e-6, 1.0
    while high / low > 1 + tolerance:
        middle = math.sqrt(low * high)
        low, high = (low, middle) if engrafts(middle) <= day else (middle, high)
    if engrafts(high) < day - 1:
        # the model's first wave of neutrophils (days 3-5) meets the rule for large grafts,
        # so the engraftment day jumps past the days just before it
        raise invalid_value(
            "target_day",
            target_day,
            f"a day the model's engraftment can fall on (it jumps to day {engrafts(high):g} "
            "when the graft grows past the size that engrafts later)",
            "day",
        )
    return high


@cache
def source_stem_fraction(source: str) -> float:
    """The three-lineage model's graft for a graft source: the fraction of the normal
    stem-cell pool with which neutrophils engraft on the source's published median day
    (:func:`calibrated_stem_fraction`).

    Examples
    --------
    >>> round(source_stem_fraction("bone_marrow"), 3)
    0.068
    """
    return calibrated_stem_fraction(graft_source(source).median_engraftment_day)


def three_lineage_recovery(source: str, t_end: float = 60.0) -> Result:
    """Neutrophils, platelets and red cells after a graft of ``source`` in the three-lineage
    model, read daily (graft from :func:`source_stem_fraction`).

    Examples
    --------
    >>> from hemomodels.clinical import platelet_recovery_day
    >>> platelet_recovery_day(three_lineage_recovery("bone_marrow"))
    13
    """
    end = rules.number(t_end, "t_end", low=1.0, high=1000.0, unit="day")
    return colijn_mackey2005().simulate(
        end,
        y0=three_lineage_graft(source_stem_fraction(source))["y0"],
        t_eval=np.arange(0.0, math.floor(end) + 1),
    )
