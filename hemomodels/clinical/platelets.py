"""Platelets: CTCAE v5.0 grades of thrombocytopenia and platelet recovery after a transplant.

The grades are those of the NCI Common Terminology Criteria for Adverse Events (CTCAE)
version 5.0, term "Platelet count decreased" (``ctcae2017``), in 10^9 cells/L:

======  ==========================
grade   platelet count
======  ==========================
0       >= LLN (lower limit of normal)
1       < LLN and >= 75
2       < 75 and >= 50
3       < 50 and >= 25
4       < 25
======  ==========================

Provenance: the thresholds were read in public code and secondary pages that encode CTCAE
v5.0, not in the official table. The lower limit of normal is laboratory-dependent and not
part of CTCAE; the default :data:`DEFAULT_PLATELET_LLN` = 150 is an illustrative value.

Platelet recovery after a transplant follows the ASTCT consensus (``kharfandabaja2021``): the
first of 3 consecutive days with platelets >= 20 x 10⁹/L, without a platelet transfusion in
the previous 7 days (simulations give no transfusions, so only the count is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import rules
from ._grades import ctcae_grade
from .transplant import engraftment_day

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "DEFAULT_PLATELET_LLN",
    "PLATELET_GRADE_THRESHOLDS",
    "PLATELET_RECOVERY_THRESHOLD",
    "platelet_grade",
    "platelet_recovery_day",
]

#: Upper platelet limits (exclusive) of grades 2, 3 and 4, in 10^9 cells/L (CTCAE v5.0).
PLATELET_GRADE_THRESHOLDS: dict[int, float] = {2: 75.0, 3: 50.0, 4: 25.0}

#: Lower limit of normal used for grade 1 (10^9 cells/L): laboratory-dependent, illustrative.
DEFAULT_PLATELET_LLN = 150.0

#: Platelet count that counts as recovered after a transplant (10^9 cells/L; ASTCT).
PLATELET_RECOVERY_THRESHOLD = 20.0


def platelet_grade(platelets, *, lower_limit_normal: float = DEFAULT_PLATELET_LLN):
    """CTCAE v5.0 grade (0–4) of a platelet count.

    Parameters
    ----------
    platelets : float or array_like
        Platelet count(s), 10^9 cells/L (finite, >= 0).
    lower_limit_normal : float
        Laboratory lower limit of normal, 10^9 cells/L (>= 75); counts at or above it are
        grade 0.

    Returns
    -------
    int or numpy.ndarray of int
        The grade, with the shape of ``platelets``.

    Examples
    --------
    >>> [int(g) for g in platelet_grade([200, 100, 74, 50, 25, 24.9])]
    [0, 1, 2, 2, 3, 4]
    """
    lln = rules.number(
        lower_limit_normal,
        "lower_limit_normal",
        low=PLATELET_GRADE_THRESHOLDS[2],
        unit="10^9 cells/L",
    )
    return ctcae_grade(platelets, "platelets", "10^9 cells/L", lln, PLATELET_GRADE_THRESHOLDS)


def platelet_recovery_day(
    result: Result, variable: str = "platelet_count", *, patient: int | None = None
) -> int | None:
    """Day of platelet recovery: the first of 3 consecutive days with platelets >= 20 x 10⁹/L.

    The trajectory is read at integer days after the nadir, as for neutrophil engraftment
    (:func:`~hemomodels.clinical.engraftment_day`, same rule, ASTCT threshold for platelets).

    Parameters
    ----------
    result : Result
        A simulation in days (or a cohort with ``patient``) with the platelet count.
    variable : str
        State or observable holding the platelet count (10⁹ cells/L).
    patient : int, optional
        Patient index of a cohort result.

    Returns
    -------
    int or None
        The day, or ``None`` if the count never recovers within the simulation (or never fell
        below the threshold).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.models.colijn_mackey2005 import normal_state
    >>> model = hm.models.colijn_mackey2005(stages=4)
    >>> start = {name: 0.01 * value for name, value in normal_state(4).items()}
    >>> platelet_recovery_day(model.simulate(120, y0=start, t_eval=range(121)))
    28
    """
    return engraftment_day(
        result,
        variable,
        threshold=PLATELET_RECOVERY_THRESHOLD,
        consecutive=3,
        patient=patient,
    )
