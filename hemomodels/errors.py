"""Errors raised by :mod:`hemomodels`.

Every problem with user input is reported as a :class:`ModelError` *before* any integration
starts. The message always names the field, the value that was given, the allowed range and
the unit, so that a reader can fix the call without reading the source.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = ["ModelError", "describe_unit", "invalid_value", "number_text", "shown", "unknown_name"]


class ModelError(ValueError):
    """Invalid input to a model, or a failed simulation.

    A subclass of :class:`ValueError`, so ``except ValueError`` also catches it.

    Attributes
    ----------
    field : str or None
        The argument or model field that is wrong (e.g. ``"parameter 'gamma'"``).
    value : object
        The value that was given.
    allowed : str or None
        The allowed range or set, in words.
    unit : str or None
        The unit of the field.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        allowed: str | None = None,
        unit: str | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.allowed = allowed
        self.unit = unit

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled with its attributes (e.g. raised on a Dask worker, re-raised here).
        details = {"field": self.field, "value": self.value, "allowed": self.allowed}
        return (_model_error, (str(self), {**details, "unit": self.unit}))


def _model_error(message: str, details: dict[str, Any]) -> ModelError:
    """A :class:`ModelError` rebuilt from its message and attributes (for unpickling)."""
    return ModelError(message, **details)


def describe_unit(unit: str | None) -> str:
    """Return a readable unit, with ``"1"`` or empty shown as ``dimensionless``.

    Examples
    --------
    >>> describe_unit("1"), describe_unit("cells/kg")
    ('dimensionless', 'cells/kg')
    """
    if unit is None or unit.strip() in ("", "1"):
        return "dimensionless"
    return unit


def shown(value: Any) -> str:
    """``repr`` of a value as a reader would write it: NumPy scalars and 0-d arrays as plain
    Python numbers (``2.0``, not ``np.float64(2.0)``), full precision.

    Examples
    --------
    >>> import numpy as np
    >>> shown(np.float64(2.0)), shown(0.30000000000000004), shown("x")
    ('2.0', '0.30000000000000004', "'x'")
    """
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        try:
            return repr(item())
        except (TypeError, ValueError):
            pass
    return repr(value)


def number_text(value: float) -> str:
    """A float at full precision without a trailing ``.0``: ``10``, ``0.30000000000000004``.

    Examples
    --------
    >>> number_text(10.0), number_text(0.30000000000000004), number_text(1e300)
    ('10', '0.30000000000000004', '1e+300')
    """
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def invalid_value(
    field: str,
    value: Any,
    allowed: str,
    unit: str | None,
    *,
    model: str | None = None,
    hint: str | None = None,
) -> ModelError:
    """Build a :class:`ModelError` for a value outside its allowed range.

    Parameters
    ----------
    field : str
        What is wrong, e.g. ``"parameter 'stem_self_renewal'"``.
    value : object
        The offending value.
    allowed : str
        The allowed range in words, e.g. ``"[0, 1]"`` or ``"a finite number > 0"``.
    unit : str or None
        Unit of the field (``"1"`` means dimensionless; ``None`` for a field that is not a
        quantity, such as a name or a list of controls, whose message then names no unit).
    model : str, optional
        Model name, prefixed to the message.
    hint : str, optional
        One more sentence of advice.

    Examples
    --------
    >>> print(invalid_value("parameter 'gamma'", 2.0, "[0, 1]", "1"))
    parameter 'gamma' = 2.0 is not allowed; allowed: [0, 1] (unit: dimensionless).
    >>> print(invalid_value("controls", "x", "a list of controls", None))
    controls = 'x' is not allowed; allowed: a list of controls.
    """
    prefix = f"{model}: " if model else ""
    unit_text = "" if unit is None else f" (unit: {describe_unit(unit)})"
    message = f"{prefix}{field} = {shown(value)} is not allowed; allowed: {allowed}{unit_text}."
    if hint:
        message += f" {hint}"
    return ModelError(message, field=field, value=value, allowed=allowed, unit=unit)


def unknown_name(
    kind: str, name: Any, known: Iterable[str], *, model: str | None = None
) -> ModelError:
    """Build a :class:`ModelError` for an unknown name, suggesting the closest known one.

    Examples
    --------
    >>> print(unknown_name("state", "stem", ["stem_cells", "neutrophils"]))
    unknown state 'stem'; did you mean 'stem_cells'? Allowed state names: stem_cells, neutrophils.
    """
    known = list(known)
    prefix = f"{model}: " if model else ""
    message = f"{prefix}unknown {kind} {name!r}"
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.5)
    if close:
        message += f"; did you mean {close[0]!r}?"
    else:
        message += "."
    message += f" Allowed {kind} names: {', '.join(known) if known else '(none)'}."
    return ModelError(message, field=f"{kind} name", value=name, allowed=", ".join(known))
