"""Neutropenia: CTCAE v5.0 grades of the absolute neutrophil count and read-outs of a course.

The grades are those of the NCI Common Terminology Criteria for Adverse Events (CTCAE)
version 5.0, term "Neutrophil count decreased" (``ctcae2017``), in 10^9 cells/L:

======  ==========================
grade   absolute neutrophil count
======  ==========================
0       >= LLN (lower limit of normal)
1       < LLN and >= 1.5
2       < 1.5 and >= 1.0
3       < 1.0 and >= 0.5
4       < 0.5
======  ==========================

Provenance: the thresholds were read in secondary pages citing CTCAE v5.0 (Nov 2017), not in
the official table. The lower limit of normal is laboratory-dependent and not part of
CTCAE; the default :data:`DEFAULT_LLN` = 2.0 is an illustrative value.

Time-series read-outs reuse :mod:`hemomodels.clinical.timeseries`; this module adds only
what is neutropenia-specific (grades, grade-4 duration, recovery to a grade threshold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import rules
from ._grades import ctcae_grade
from .timeseries import below_threshold

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "DEFAULT_LLN",
    "GRADE_THRESHOLDS",
    "neutropenia_grade",
    "neutropenia_summary",
]

#: Upper ANC limits (exclusive) of grades 2, 3 and 4, in 10^9 cells/L (CTCAE v5.0, read in
#: secondary sources): grade 2 is ANC < 1.5, grade 3 is ANC < 1.0, grade 4 is ANC < 0.5.
GRADE_THRESHOLDS: dict[int, float] = {2: 1.5, 3: 1.0, 4: 0.5}

#: Lower limit of normal used for grade 1 (10^9 cells/L): laboratory-dependent, illustrative.
DEFAULT_LLN = 2.0


def _check_lln(lower_limit_normal: float) -> float:
    return rules.number(
        lower_limit_normal, "lower_limit_normal", low=GRADE_THRESHOLDS[2], unit="10^9 cells/L"
    )


def neutropenia_grade(anc, *, lower_limit_normal: float = DEFAULT_LLN):
    """CTCAE v5.0 grade (0–4) of an absolute neutrophil count.

    Parameters
    ----------
    anc : float or array_like
        Absolute neutrophil count(s), 10^9 cells/L (finite, >= 0).
    lower_limit_normal : float
        Laboratory lower limit of normal, 10^9 cells/L (>= 1.5); counts at or above it are
        grade 0.

    Returns
    -------
    int or numpy.ndarray of int
        The grade, with the shape of ``anc``.

    Examples
    --------
    >>> [int(g) for g in neutropenia_grade([2.5, 1.5, 1.49, 1.0, 0.5, 0.49])]
    [0, 1, 2, 2, 3, 4]
    """
    lln = _check_lln(lower_limit_normal)
    return ctcae_grade(anc, "anc", "10^9 cells/L", lln, GRADE_THRESHOLDS)


def neutropenia_summary(
    result: Result,
    variable: str = "ANC",
    *,
    patient: int | None = None,
    grade: int = 4,
    lower_limit_normal: float = DEFAULT_LLN,
) -> dict[str, float | int | None]:
    """Nadir, worst grade, time in a grade and recovery of one neutrophil course.

    Parameters
    ----------
    result : Result
        A simulation (or a cohort with ``patient``) with an ANC state or observable.
    variable : str
        Name of the ANC variable (10^9 cells/L).
    patient : int, optional
        Patient index for a cohort result.
    grade : {2, 3, 4}
        Grade whose threshold is used for the duration and the recovery.
    lower_limit_normal : float
        As in :func:`neutropenia_grade`.

    Returns
    -------
    dict
        ``nadir_time`` (model time unit), ``nadir`` (10^9/L), ``worst_grade``, ``threshold``
        (the grade's upper limit), ``onset`` (first time below it, or None), ``time_below``
        (total time below it) and ``recovery`` (first time back at or above it after the
        nadir, or None), by the rule of :mod:`hemomodels.clinical.timeseries`.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> result = model.simulate(504, doses=[hm.Dose(0, "Conc", 33.5)], t_eval=range(0, 505, 6))
    >>> summary = neutropenia_summary(result)
    >>> summary["worst_grade"], round(summary["nadir"], 2)
    (3, 0.75)
    """
    grade = rules.choice(grade, "grade", tuple(GRADE_THRESHOLDS), unit="CTCAE grade")
    lln = _check_lln(lower_limit_normal)
    episode = below_threshold(result, variable, GRADE_THRESHOLDS[grade], patient=patient)
    return {
        "nadir_time": episode.nadir_time,
        "nadir": episode.nadir,
        "worst_grade": neutropenia_grade(episode.nadir, lower_limit_normal=lln),
        "threshold": episode.threshold,
        "onset": episode.onset,
        "time_below": episode.time_below,
        "recovery": episode.recovery,
    }
