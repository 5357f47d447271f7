"""Every public function of the package's helper modules shows an example that runs.

The examples run as doctests with the test suite (``--doctest-modules`` in pyproject.toml);
this test makes sure none is missing. It covers the modules a reader calls from the chapters:
the clinical read-outs, cohorts, sweeps, the model registry, SBML export and the error helpers.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "hemomodels.clinical",
    "hemomodels.cohorts",
    "hemomodels.sweep",
    "hemomodels.models",
    "hemomodels.errors",
    "hemomodels.sbml",
]


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_function_has_an_example(module_name):
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert names, f"{module_name} has no __all__"
    missing = [
        name
        for name in names
        if inspect.isfunction(getattr(module, name))
        and ">>>" not in (inspect.getdoc(getattr(module, name)) or "")
    ]
    assert not missing, f"{module_name}: public functions without an example: {missing}"
