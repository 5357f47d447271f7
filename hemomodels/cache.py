"""One cache keyed by a model's structure, for everything derived from its equations.

Models built twice from the same declaration (e.g. calling
``hemomodels.models.friberg2002()`` again, or unpickling a model) have equal
:attr:`~hemomodels.Model.structure_key` and share the compiled functions, the symbolic
steady states and their NumPy functions, which are each derived once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["cached", "clear"]

T = TypeVar("T")

_LOCK = threading.RLock()
_ENTRIES: dict[str, dict[str, Any]] = {}


def cached(key: str, what: str, build: Callable[[], T]) -> T:
    """The ``what`` derived from the structure ``key``, built by ``build()`` the first time.

    Examples
    --------
    >>> cached("example structure", "answer", lambda: 42)
    42
    >>> cached("example structure", "answer", lambda: 0)  # built once, then reused
    42
    """
    with _LOCK:
        entry = _ENTRIES.setdefault(key, {})
        if what not in entry:
            entry[what] = build()
        return entry[what]


def clear() -> None:
    """Forget everything cached (the next use derives it again).

    Examples
    --------
    >>> clear()
    """
    with _LOCK:
        _ENTRIES.clear()
