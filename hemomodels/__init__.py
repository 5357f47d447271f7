"""hemomodels — compartment models of blood formation, declared once and derived by SymPy.

A model is declared as states, parameters (with units, bounds and literature sources),
flows or right-hand-side expressions and observables. From that declaration the package
derives the displayed equations, the Jacobian, the steady states and a compiled NumPy
right-hand side integrated with SciPy.

The core needs only NumPy, SciPy, SymPy and pandas; charts, live widgets and SBML export are
extras (:mod:`hemomodels.extras`). Submodules are imported when first used.

Examples
--------
>>> import hemomodels as hm
>>> model = hm.models.marciniak_czochra_2009()
>>> result = model.simulate(30.0)
>>> "marciniak_czochra_2009" in hm.models.available()
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .doses import Dose, Infusion, ParameterChange, PerPatient, Schedule, When
from .errors import ModelError
from .spec import TIME, Flow, Observable, Parameter, State

if TYPE_CHECKING:
    from . import (
        bibliography,
        clinical,
        cohorts,
        compiled,
        datasets,
        distributed,
        explorables,
        files,
        fitting,
        global_sensitivity,
        models,
        rules,
        sbml,
        sensitivity,
        sources,
        sweep,
        units,
        viz,
        widgets,
    )
    from .distributed import local_cluster, simulate_cohort
    from .model import Model
    from .result import Result
    from .sbml_import import from_sbml
    from .steady import SteadyState

__all__ = [
    "Dose",
    "Flow",
    "Infusion",
    "Model",
    "ModelError",
    "Observable",
    "ParameterChange",
    "Parameter",
    "PerPatient",
    "Result",
    "Schedule",
    "State",
    "SteadyState",
    "TIME",
    "When",
    "from_sbml",
    "local_cluster",
    "simulate_cohort",
    # submodules, imported when first used (charts, widgets and SBML need their extras)
    "bibliography",
    "clinical",
    "cohorts",
    "compiled",
    "explorables",
    "datasets",
    "distributed",
    "files",
    "fitting",
    "global_sensitivity",
    "models",
    "rules",
    "sbml",
    "sensitivity",
    "sources",
    "sweep",
    "units",
    "viz",
    "widgets",
]

#: The package version (the only place it is written; pyproject.toml reads it from here).
__version__ = "0.2.0"

_LAZY = {
    # submodules by name, then the functions and classes (names of both are lower case)
    **{name: (name, None) for name in __all__ if name.islower()},
    "Model": ("model", "Model"),
    "Result": ("result", "Result"),
    "SteadyState": ("steady", "SteadyState"),
    "from_sbml": ("sbml_import", "from_sbml"),
    "local_cluster": ("distributed", "local_cluster"),
    "simulate_cohort": ("distributed", "simulate_cohort"),
}


def __getattr__(name: str) -> Any:
    """Import heavy submodules (SciPy, Altair, ipywidgets) only when first used."""
    if name not in _LAZY:
        raise AttributeError(f"module 'hemomodels' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
