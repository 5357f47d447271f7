"""Published models, one file per model, each a function returning a :class:`~hemomodels.Model`.

Examples
--------
>>> import hemomodels as hm
>>> hm.models.available()
['marciniak_czochra_2009']
>>> model = hm.models.get("marciniak_czochra_2009")
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import unknown_name
from ..model import Model
from .marciniak_czochra_2009 import marciniak_czochra_2009

__all__ = ["available", "get", "marciniak_czochra_2009"]

_REGISTRY: dict[str, Callable[[], Model]] = {
    "marciniak_czochra_2009": marciniak_czochra_2009,
}


def available() -> list[str]:
    """Names of the models in the package (each also a function of this module)."""
    return list(_REGISTRY)


def get(name: str) -> Model:
    """Build the model called ``name`` (see :func:`available`)."""
    if name not in _REGISTRY:
        raise unknown_name("model", name, _REGISTRY)
    return _REGISTRY[name]()
