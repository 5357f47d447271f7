"""Scenarios of the marrow-failure chapter, on the three-lineage model of Colijn & Mackey.

Two ways the stem-cell pool is lost: at once (:func:`stem_cell_loss`: radiation, a toxic
drug, a graft that failed) or by a lasting rise in the death rate of dividing stem cells
(:func:`immune_attack`: in acquired aplastic anaemia, lymphocytes destroy early
haematopoietic cells). Representing the immune attack as a higher stem-cell death rate, and
its treatment as the end of that rise, is this book's modelling choice — a picture of the
mechanism, not a published model of aplastic anaemia.
"""

from __future__ import annotations

from ..doses import ParameterChange
from ..models.colijn_mackey2005 import DEFAULT_STAGES, normal_state
from ..rules import choice, number

__all__ = ["NORMAL_STEM_DEATH_RATE", "TREATMENTS", "immune_attack", "stem_cell_loss"]

#: Death rate of dividing stem cells in the published normal parameter set (1/day).
NORMAL_STEM_DEATH_RATE = 0.07

#: What ends the attack in :func:`immune_attack`, by name.
TREATMENTS = ("none", "immunosuppression")


def _stem_cells(name: str) -> bool:
    return name == "stem_cells" or name.startswith("cycling_stem_cells_")


def stem_cell_loss(remaining_percent: float, stages: int = DEFAULT_STAGES) -> dict[str, float]:
    """The normal state with only ``remaining_percent`` of its stem cells left.

    Resting and dividing stem cells are reduced alike; precursors and blood cells are
    untouched on day 0, so each lineage runs down at its own pace.

    Parameters
    ----------
    remaining_percent : float
        Stem cells left, as a percentage of normal (0–100).
    stages : int
        Stages per delay of the model simulated.

    Returns
    -------
    dict
        Initial values by state name.

    Examples
    --------
    >>> start = stem_cell_loss(10, stages=2)
    >>> round(start["stem_cells"], 3), round(start["neutrophils"], 3)
    (0.101, 6.573)
    """
    fraction = number(remaining_percent, "remaining_percent", low=0.0, high=100.0, unit="%") / 100
    state = normal_state(stages)
    return {name: value * fraction if _stem_cells(name) else value for name, value in state.items()}


def immune_attack(
    death_rate: float, treatment: str = "none", treatment_day: float = 120.0
) -> list[ParameterChange]:
    """Parameter changes of an immune attack on dividing stem cells, from day 0.

    Parameters
    ----------
    death_rate : float
        Death rate of dividing stem cells during the attack (1/day; normal 0.07).
    treatment : {"none", "immunosuppression"}
        ``"immunosuppression"`` ends the attack on ``treatment_day`` (the death rate returns to
        normal), an idealised complete response.
    treatment_day : float
        Day the attack ends under treatment (>= 0).

    Returns
    -------
    list of ParameterChange
        Pass as ``doses=`` to ``simulate``.

    Examples
    --------
    >>> [(c.time, c.values["stem_apoptosis"]) for c in immune_attack(0.25, "immunosuppression")]
    [(0.0, 0.25), (120.0, 0.07)]
    """
    rate = number(death_rate, "death_rate", low=0.0, unit="1/day")
    treatment = choice(treatment, "treatment", TREATMENTS)
    day = number(treatment_day, "treatment_day", low=0.0, unit="day")
    changes = [ParameterChange(0.0, {"stem_apoptosis": rate})]
    if treatment == "immunosuppression":
        changes.append(ParameterChange(day, {"stem_apoptosis": NORMAL_STEM_DEATH_RATE}))
    return changes
