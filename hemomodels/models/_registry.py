"""The model registry: a published model is registered where it is defined.

A model file in :mod:`hemomodels.models` decorates each function that builds a model with
:func:`register`; :mod:`hemomodels.models` imports every module of the folder at import
time, so adding a model is adding one file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..model import Model

__all__ = ["MODELS", "register"]

#: Model-building functions by name, in the order their modules were imported.
MODELS: dict[str, Callable[..., Model]] = {}

Builder = TypeVar("Builder", bound=Callable[..., Model])


def register(function: Builder) -> Builder:
    """Register a function that builds a published model (used as a decorator).

    The function must be callable without arguments (every argument has a default) and is
    listed by :func:`hemomodels.models.available` under its own name.

    Examples
    --------
    >>> from hemomodels.models._registry import MODELS
    >>> MODELS["tetschke2018"].__name__
    'tetschke2018'
    """
    name = function.__name__
    if name in MODELS and MODELS[name] is not function:
        raise ValueError(f"two published models are called {name!r}")
    MODELS[name] = function
    return function
