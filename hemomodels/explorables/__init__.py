"""The book's explorables, one module per chapter, each a function returning an Explorable.

Chapters call these functions (one line each) so that the scenario logic, the printed
summaries and the slider ranges live in the package, where they are tested, and not in the
notebooks. Modellers can call them too, e.g. ``hm.explorables.anaemia.blood_loss()``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "anaemia",
    "chemotherapy",
    "gene_therapy",
    "hsc",
    "leukaemia",
    "marrow_failure",
    "transplantation",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'hemomodels.explorables' has no attribute {name!r}")
