"""Leukaemia scenarios: imatinib switched on and off in Michor's CML model.

Examples
--------
>>> from hemomodels.scenarios.leukaemia import CONTINUOUS_IMATINIB
>>> CONTINUOUS_IMATINIB[0].values
{'imatinib': 1.0}
"""

from __future__ import annotations

from ..doses import ParameterChange

__all__ = ["CONTINUOUS_IMATINIB", "imatinib_course"]

_FIVE_YEARS = 5 * 365

#: Imatinib from day 0 on, for good.
CONTINUOUS_IMATINIB = (ParameterChange(0.0, {"imatinib": 1.0}),)


def imatinib_course(start_day: float, stop_day: float, horizon: float = _FIVE_YEARS) -> list:
    """Imatinib switched on at ``start_day`` and off at ``stop_day`` (never off if the stop
    is at or after ``horizon``; a stop before the start means no treatment period).

    Examples
    --------
    >>> [(e.time, e.values["imatinib"]) for e in imatinib_course(30, 400)]
    [(30.0, 1.0), (400.0, 0.0)]
    """
    stop_day = max(stop_day, start_day)
    changes = [ParameterChange(start_day, {"imatinib": 1.0})]
    if stop_day < horizon:
        changes.append(ParameterChange(stop_day, {"imatinib": 0.0}))
    return changes
