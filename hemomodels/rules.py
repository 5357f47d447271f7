"""One set of input rules, used by every public function of the package.

Each rule takes the value a caller gave and the name of the argument (``field``), and either
returns the cleaned value or raises a :class:`~hemomodels.ModelError` naming the field, the
value, the allowed range and the unit. The same rules hold everywhere:

* **Numbers** are Python ``int`` and ``float``, NumPy integer and floating scalars, and 0-d
  NumPy arrays. Booleans (``True``, ``numpy.True_``), strings and anything else are refused,
  as are NaN and ±∞.
* **Integers** (counts, indices) are Python or NumPy integers; ``3.0`` is refused.
* **Fractions** are numbers in ``[0, 1]``.
* **Choices** are exact members of a listed set.
* **Mappings** are :class:`collections.abc.Mapping` objects whose keys are names (``str``).
* **Series** are non-empty 1-D sequences or arrays of numbers (no booleans or strings).

Examples
--------
>>> import numpy as np
>>> number(np.float32(0.5), "threshold", low=0, unit="10^9 cells/L")
0.5
>>> integer(np.int64(3), "consecutive", low=1, unit="days")
3
>>> number(True, "threshold", unit="g/dL")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hemomodels.errors.ModelError: threshold = True is not allowed; allowed: a finite number ...
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from .errors import ModelError, invalid_value, unknown_name

__all__ = [
    "choice",
    "instance",
    "flag",
    "fraction",
    "integer",
    "interval_text",
    "is_number",
    "mapping",
    "name",
    "names",
    "number",
    "series",
]

_NUMBER_HINT = "Give a number (int, float or a NumPy number); booleans and text are not numbers."


def _unwrap(value: Any) -> Any:
    """A 0-d NumPy array becomes its scalar; anything else is returned unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def _number_unit(unit: str | None) -> str:
    """Unit named in the message about a number: its own, or dimensionless."""
    return "1" if unit is None else unit


def is_number(value: Any) -> bool:
    """Whether ``value`` is a real number under the package's rules (finite or not).

    Examples
    --------
    >>> is_number(1), is_number(np.float32(2.5)), is_number(True), is_number("1")
    (True, True, False, False)
    """
    value = _unwrap(value)
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def interval_text(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> str:
    """The allowed range in words: ``"[0, 1]"``, ``"a finite number > 0"``, …

    Examples
    --------
    >>> interval_text(0, 1), interval_text(0, None, low_open=True), interval_text()
    ('[0, 1]', 'a finite number > 0', 'a finite number')
    """
    from .spec import format_number

    if low is not None and high is not None:
        opening = "(" if low_open else "["
        closing = ")" if high_open else "]"
        return f"{opening}{format_number(low)}, {format_number(high)}{closing}"
    if low is not None:
        return f"a finite number {'>' if low_open else '>='} {format_number(low)}"
    if high is not None:
        return f"a finite number {'<' if high_open else '<='} {format_number(high)}"
    return "a finite number"


def number(
    value: Any,
    field: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    unit: str | None = None,
    model: str | None = None,
    allowed: str | None = None,
    hint: str | None = None,
) -> float:
    """A finite real number within ``[low, high]`` (ends open where asked), as a float.

    Parameters
    ----------
    value : object
        What the caller gave.
    field : str
        Name of the argument, used in the message.
    low, high : float, optional
        Bounds (inclusive unless ``low_open`` / ``high_open``).
    unit : str, optional
        Unit of the value, shown in the message.
    model : str, optional
        Model name prefixed to the message.
    allowed : str, optional
        The allowed range in words, if it should read differently from the bounds.
    hint : str, optional
        One more sentence for the message.

    Examples
    --------
    >>> number(2, "t_end", low=0, low_open=True, unit="day")
    2.0
    >>> number(-1, "t_end", low=0, low_open=True, unit="day")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: t_end = -1 is not allowed; allowed: a finite number > 0 ...
    """
    text = allowed or interval_text(low, high, low_open=low_open, high_open=high_open)
    raw = _unwrap(value)
    if not is_number(raw):
        raise invalid_value(
            field, value, text, _number_unit(unit), model=model, hint=hint or _NUMBER_HINT
        )
    try:
        result = float(raw)
    except (OverflowError, ValueError):  # e.g. an int too large for a float
        raise invalid_value(
            field, value, text, _number_unit(unit), model=model, hint=hint
        ) from None
    if not math.isfinite(result):
        raise invalid_value(field, value, text, _number_unit(unit), model=model, hint=hint)
    if low is not None and (result <= low if low_open else result < low):
        raise invalid_value(field, value, text, _number_unit(unit), model=model, hint=hint)
    if high is not None and (result >= high if high_open else result > high):
        raise invalid_value(field, value, text, _number_unit(unit), model=model, hint=hint)
    return result


def integer(
    value: Any,
    field: str,
    *,
    low: int | None = None,
    high: int | None = None,
    unit: str | None = None,
    model: str | None = None,
    allowed: str | None = None,
) -> int:
    """A whole number (Python or NumPy integer) within ``[low, high]``, as an int.

    Examples
    --------
    >>> integer(3, "count", low=1, unit="doses")
    3
    >>> integer(3.0, "count", low=1, unit="doses")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemomodels.errors.ModelError: count = 3.0 is not allowed; allowed: an integer >= 1 ...
    """
    if low is not None and high is not None:
        text = f"an integer in [{low}, {high}]"
    elif low is not None:
        text = f"an integer >= {low}"
    elif high is not None:
        text = f"an integer <= {high}"
    else:
        text = "an integer"
    text = allowed or text
    raw = _unwrap(value)
    if not isinstance(raw, Integral) or isinstance(raw, (bool, np.bool_)):
        hint = f"Give a whole number (int), not {raw!r}." if is_number(raw) else _NUMBER_HINT
        raise invalid_value(field, value, text, _number_unit(unit), model=model, hint=hint)
    result = int(raw)
    if (low is not None and result < low) or (high is not None and result > high):
        raise invalid_value(field, value, text, _number_unit(unit), model=model)
    return result


def fraction(
    value: Any, field: str, *, unit: str | None = "fraction", model: str | None = None
) -> float:
    """A number in ``[0, 1]``.

    Examples
    --------
    >>> fraction(0.25, "residual")
    0.25
    """
    return number(value, field, low=0.0, high=1.0, unit=unit, model=model)


def flag(value: Any, field: str, *, model: str | None = None) -> bool:
    """A yes/no switch: ``True`` or ``False`` (Python or NumPy booleans only).

    Examples
    --------
    >>> flag(np.True_, "observables")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise invalid_value(field, value, "True or False", None, model=model)
    return bool(value)


def choice(
    value: Any,
    field: str,
    options: Iterable[Any],
    *,
    model: str | None = None,
    unit: str | None = None,
) -> Any:
    """One of ``options`` (compared exactly; ``1`` does not match ``True``).

    Examples
    --------
    >>> choice("up", "direction", ("down", "up"))
    'up'
    >>> choice(3, "grade", (2, 3, 4))
    3
    """
    options = list(options)
    raw = _unwrap(value)
    for option in options:
        if isinstance(option, str):
            matches = isinstance(raw, str) and raw == option
        elif isinstance(option, Integral) and not isinstance(option, bool):
            matches = isinstance(raw, Integral) and is_number(raw) and int(raw) == option
        elif is_number(option):
            matches = is_number(raw) and float(raw) == float(option)
        else:
            matches = raw is option
        if matches:
            return option
    allowed = ", ".join(repr(o) for o in options)
    raise ModelError(
        f"{model + ': ' if model else ''}{field} = {value!r} is not allowed; allowed: one of "
        f"{allowed}" + (f" (unit: {unit})." if unit else "."),
        field=field,
        value=value,
        allowed=allowed,
        unit=unit,
    )


def instance(value: Any, field: str, kind: type, *, model: str | None = None) -> Any:
    """An object of class ``kind`` (e.g. a :class:`~hemomodels.Model` or a
    :class:`~hemomodels.Result`).

    Examples
    --------
    >>> instance(0.5, "threshold", float)
    0.5
    """
    if not isinstance(value, kind):
        module = kind.__module__.split(".")[0]
        name = f"{module}.{kind.__name__}" if module == "hemomodels" else kind.__name__
        raise ModelError(
            f"{model + ': ' if model else ''}{field} = {value!r} is not allowed; allowed: a "
            f"{name} object.",
            field=field,
            value=value,
            allowed=f"a {name} object",
        )
    return value


def mapping(value: Any, field: str, *, model: str | None = None) -> dict[str, Any]:
    """A mapping with names (``str``) as keys, as a new ``dict``.

    Examples
    --------
    >>> mapping({"gamma": 0.2}, "params")
    {'gamma': 0.2}
    """
    prefix = f"{model}: " if model else ""
    if not isinstance(value, Mapping):
        raise ModelError(
            f"{prefix}{field} = {value!r} is not allowed; allowed: a mapping of names to "
            "values, e.g. {'name': 1.0}.",
            field=field,
            value=value,
            allowed="a mapping of names to values",
        )
    for key in value:
        if not isinstance(key, str):
            text = getattr(key, "name", None)
            hint = f" Use the name {text!r} (a str)." if isinstance(text, str) else ""
            raise ModelError(
                f"{prefix}{field} has the key {key!r} of type {type(key).__name__}; allowed: "
                f"names (str) as keys.{hint}",
                field=field,
                value=key,
                allowed="names (str) as keys",
            )
    return dict(value)


def name(
    value: Any, field: str, known: Sequence[str], *, kind: str, model: str | None = None
) -> str:
    """One of the ``known`` names (suggesting the closest on a typo).

    Examples
    --------
    >>> name("ANC", "variable", ["ANC", "Circ"], kind="state or observable")
    'ANC'
    """
    if not isinstance(value, str):
        text = getattr(value, "name", None)
        hint = f" Use the name {text!r} (a str)." if isinstance(text, str) else ""
        raise ModelError(
            f"{model + ': ' if model else ''}{field} = {value!r} is not allowed; allowed: the "
            f"name (str) of a {kind}: {', '.join(known)}.{hint}",
            field=field,
            value=value,
            allowed=", ".join(known),
        )
    if value not in known:
        raise unknown_name(kind, value, known, model=model)
    return value


def names(
    value: Any, field: str, known: Sequence[str], *, kind: str, model: str | None = None
) -> list[str]:
    """A non-empty list or tuple of known names (one name alone is not a list of names).

    Examples
    --------
    >>> names(("ANC", "Circ"), "variables", ["ANC", "Circ", "Prol"], kind="state")
    ['ANC', 'Circ']
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
        hint = f" For one name, write [{value!r}]." if isinstance(value, str) else ""
        raise ModelError(
            f"{model + ': ' if model else ''}{field} = {value!r} is not allowed; allowed: a "
            f"non-empty list of {kind} names from {', '.join(known)}.{hint}",
            field=field,
            value=value,
            allowed=f"a non-empty list of names from {', '.join(known)}",
        )
    return [name(item, field, known, kind=kind, model=model) for item in value]


def series(
    value: Any,
    field: str,
    *,
    unit: str | None = None,
    model: str | None = None,
    low: float | None = None,
    min_size: int = 1,
    finite: bool = True,
    allowed: str | None = None,
) -> np.ndarray:
    """A 1-D float array of at least ``min_size`` numbers: finite (unless ``finite=False``,
    which lets NaN and ±∞ through for a later, more specific check) and each ``>= low`` if
    given.

    Examples
    --------
    >>> series([0, 0.5, 1.2], "daily_counts", low=0, unit="10^9 cells/L").tolist()
    [0.0, 0.5, 1.2]
    """
    allowed = allowed or (
        f"a 1-D series of at least {min_size} {'finite ' * finite}number"
        + "s" * (min_size != 1)
        + (f" >= {low:g}" if low is not None else "")
    )
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
        raise invalid_value(field, value, allowed, _number_unit(unit), model=model)
    if not isinstance(value, np.ndarray) and any(not is_number(item) for item in value):
        nested = any(
            isinstance(item, (Sequence, np.ndarray)) and not isinstance(item, (str, bytes))
            for item in value
        )
        hint = None if nested else _NUMBER_HINT
        raise invalid_value(field, value, allowed, _number_unit(unit), model=model, hint=hint)
    raw = np.asarray(value)
    if raw.dtype.kind not in "iuf":
        raise invalid_value(
            field, value, allowed, _number_unit(unit), model=model, hint=_NUMBER_HINT
        )
    values = raw.astype(float)
    if (
        values.ndim != 1
        or values.size < min_size
        or (finite and not np.all(np.isfinite(values)))
        or (low is not None and np.any(values < low))
    ):
        raise invalid_value(field, value, allowed, _number_unit(unit), model=model)
    return values
