"""Published models, one file per model, each a function returning a :class:`~hemomodels.Model`.

Examples
--------
>>> import hemomodels as hm
>>> "marciniak_czochra_2009" in hm.models.available()
True
>>> model = hm.models.get("marciniak_czochra_2009")
"""

from __future__ import annotations

from collections.abc import Callable

from .. import rules
from ..model import Model
from .friberg2002 import friberg2002, friberg2002_bruno1996
from .gene_therapy_erythropoiesis import gene_therapy_erythropoiesis
from .marciniak_czochra_2009 import marciniak_czochra_2009
from .michor2005 import michor2005
from .stiehl2015 import stiehl2015
from .tetschke2018 import tetschke2018
from .tetschke2018_epo import tetschke2018_epo
from .transplant_reconstitution import transplant_chimerism, transplant_reconstitution

__all__ = [
    "available",
    "friberg2002",
    "friberg2002_bruno1996",
    "gene_therapy_erythropoiesis",
    "get",
    "marciniak_czochra_2009",
    "michor2005",
    "stiehl2015",
    "tetschke2018",
    "tetschke2018_epo",
    "transplant_chimerism",
    "transplant_reconstitution",
]

_REGISTRY: dict[str, Callable[[], Model]] = {
    "marciniak_czochra_2009": marciniak_czochra_2009,
    "friberg2002": friberg2002,
    "friberg2002_bruno1996": friberg2002_bruno1996,
    "tetschke2018": tetschke2018,
    "tetschke2018_epo": tetschke2018_epo,
    "michor2005": michor2005,
    "stiehl2015": stiehl2015,
    "transplant_reconstitution": transplant_reconstitution,
    "transplant_chimerism": transplant_chimerism,
    "gene_therapy_erythropoiesis": gene_therapy_erythropoiesis,
}


def available() -> list[str]:
    """Names of the models in the package (each also a function of this module).

    Examples
    --------
    >>> "friberg2002" in available()
    True
    """
    return list(_REGISTRY)


def get(name: str) -> Model:
    """Build the model called ``name`` (see :func:`available`).

    Examples
    --------
    >>> get("friberg2002").time_unit
    'h'
    """
    return _REGISTRY[rules.name(name, "name", list(_REGISTRY), kind="model")]()
