"""Transplant scenarios: an emptied marrow with a graft, and mixed donor-recipient starts.

Examples
--------
>>> from hemomodels.scenarios.transplant import infusion
>>> infusion("cord_blood")["doses"]
[Dose(time=7.0, target='stem_cells', amount=200000.0)]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import rules
from ..clinical.transplant import GraftSource, graft_source
from ..doses import Dose
from ..errors import invalid_value
from ..model import Model
from ..models.transplant_reconstitution import (
    transplant_reconstitution,
)

__all__ = ["infusion", "mixed_start"]


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
