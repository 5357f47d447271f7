"""Published models, one file per model, each a function returning a :class:`~hemomodels.Model`.

Every module of this folder is imported here, and each model-building function marked with
``@register`` (``hemomodels.models._registry``) becomes a function of this module: adding a
model is adding one file.

Examples
--------
>>> import hemomodels as hm
>>> "marciniak_czochra_2009" in hm.models.available()
True
>>> model = hm.models.get("marciniak_czochra_2009")
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from .. import rules
from ..model import Model
from ._registry import MODELS

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

# The functions replace the same-named submodules as attributes of this package.
globals().update(MODELS)

__all__ = ["available", "get", *sorted(MODELS)]


def available() -> list[str]:
    """Names of the models in the package (each also a function of this module).

    Examples
    --------
    >>> "friberg2002" in available()
    True
    """
    return sorted(MODELS)


def get(name: str) -> Model:
    """Build the model called ``name`` (see :func:`available`).

    Examples
    --------
    >>> get("friberg2002").time_unit
    'h'
    """
    return MODELS[rules.name(name, "name", list(MODELS), kind="model")]()


def __getattr__(name: str) -> Callable[..., Model]:  # for type checkers: the model functions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
