"""CTCAE grading of a blood count against its thresholds, shared by the count-specific modules."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import rules
from ..errors import invalid_value


def ctcae_grade(
    counts, field: str, unit: str, lower_limit_normal: float, thresholds: Mapping[int, float]
):
    """Grade 0–4 of each count: 1 below the lower limit of normal, then each grade whose upper
    limit (exclusive) the count is below.

    Parameters
    ----------
    counts : float or array_like
        Finite counts >= 0, in ``unit``.
    field, unit : str
        Name and unit used in error messages.
    lower_limit_normal : float
        Counts at or above it are grade 0.
    thresholds : mapping of int to float
        Upper limits of grades 2, 3 and 4, decreasing.

    Returns
    -------
    int or numpy.ndarray of int

    Examples
    --------
    >>> ctcae_grade([160, 70, 20], "platelets", "10^9 cells/L", 150, {2: 75, 3: 50, 4: 25})
    array([0, 2, 4])
    """
    if rules.is_number(counts):
        values = np.asarray(rules.number(counts, field, low=0.0, unit=unit))
    else:
        try:
            raw = np.asarray(counts)
        except (TypeError, ValueError):  # ragged nesting
            raise invalid_value(field, counts, "finite numbers >= 0", unit) from None
        if raw.dtype.kind not in "iuf":  # text, booleans and objects are not counts
            raise invalid_value(field, counts, "finite numbers >= 0", unit)
        values = raw.astype(float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise invalid_value(field, counts, "finite numbers >= 0", unit)
    grade = np.where(values < lower_limit_normal, 1, 0)
    for level, threshold in thresholds.items():
        grade = np.where(values < threshold, level, grade)
    return int(grade) if grade.ndim == 0 else grade.astype(int)
