"""Units: how long one unit of a model's time is, in days, and units as a reader writes them.

Clinical read-outs that count days (engraftment day, graft failure by day +30, fit windows
in days after the start of therapy) convert a result's time axis with :func:`days_per` and
refuse a time unit they do not know, instead of reading hours as days.
"""

from __future__ import annotations

import re

from .errors import ModelError

__all__ = ["TIME_UNITS", "days_per", "reader_unit", "to_days"]

#: Length of each known time unit in days.
TIME_UNITS: dict[str, float] = {
    "s": 1 / 86400,
    "min": 1 / 1440,
    "minute": 1 / 1440,
    "h": 1 / 24,
    "hr": 1 / 24,
    "hour": 1 / 24,
    "d": 1.0,
    "day": 1.0,
    "week": 7.0,
    "wk": 7.0,
    "year": 365.25,
    "yr": 365.25,
}


def days_per(unit: str) -> float:
    """Length of one ``unit`` in days (plural forms such as ``"days"`` are accepted).

    Raises
    ------
    ModelError
        If the unit is not one of :data:`TIME_UNITS`.

    Examples
    --------
    >>> days_per("h"), days_per("days"), days_per("week")
    (0.041666666666666664, 1.0, 7.0)
    """
    key = unit.strip().lower() if isinstance(unit, str) else None
    if key is not None and key not in TIME_UNITS and key.endswith("s"):
        key = key[:-1]
    if key is None or key not in TIME_UNITS:
        raise ModelError(
            f"time unit {unit!r} is not known, so times cannot be read in days; allowed: "
            f"{', '.join(TIME_UNITS)} (and their plurals).",
            field="time unit",
            value=unit,
            allowed=", ".join(TIME_UNITS),
        )
    return TIME_UNITS[key]


def to_days(value: float, unit: str) -> float:
    """``value`` (in ``unit``) in days.

    Examples
    --------
    >>> to_days(72.0, "h")
    3.0
    """
    return value * days_per(unit)


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def reader_unit(unit: str) -> str:
    """A unit as printed for readers: powers of ten as superscripts, ``"1"`` as empty.

    Code writes units in plain text (``"10^9 cells/L"``, ``"1"`` for dimensionless);
    labels, axes and tables show ``"10⁹ cells/L"`` and leave a dimensionless quantity
    without a unit.

    Examples
    --------
    >>> reader_unit("10^9 cells/L"), reader_unit("1"), reader_unit("cells/kg")
    ('10⁹ cells/L', '', 'cells/kg')
    >>> reader_unit("10^-3 /day")
    '10⁻³ /day'
    """
    text = unit.strip()
    if text in ("", "1"):
        return ""
    return re.sub(r"\^(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
