"""Every public function and method of the package shows an example that runs.

The examples run as doctests with the test suite (``--doctest-modules`` in pyproject.toml);
this test makes sure none is missing. It covers every module of the package and the public
methods of the public classes (properties, dunder and private methods are skipped).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import hemomodels

#: Every module of the package, found by walking it (a new module is covered at once).
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(hemomodels.__path__, prefix="hemomodels.")
    if not info.name.rsplit(".", 1)[-1].startswith("_")
)

#: Public classes whose public methods must each show an example.
CLASSES = [
    "hemomodels.Model",
    "hemomodels.Result",
    "hemomodels.State",
    "hemomodels.Parameter",
    "hemomodels.Observable",
    "hemomodels.Flow",
    "hemomodels.Dose",
    "hemomodels.Schedule",
    "hemomodels.ParameterChange",
    "hemomodels.PerPatient",
    "hemomodels.widgets.Explorable",
    "hemomodels.widgets.Slider",
    "hemomodels.widgets.Choice",
    "hemomodels.widgets.live.LiveView",
    "hemomodels.diagram.ModelDiagram",
    "hemomodels.display.Equations",
    "hemomodels.display.ParameterTable",
    "hemomodels.sources.ChapterSources",
]


def _has_example(obj: object) -> bool:
    return ">>>" in (inspect.getdoc(obj) or "")


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_function_has_an_example(module_name):
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert names, f"{module_name} has no __all__"
    missing = [
        name
        for name in names
        if inspect.isfunction(getattr(module, name)) and not _has_example(getattr(module, name))
    ]
    assert not missing, f"{module_name}: public functions without an example: {missing}"


@pytest.mark.parametrize("class_path", CLASSES)
def test_every_public_method_has_an_example(class_path):
    module_name, _, class_name = class_path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    assert _has_example(cls), f"{class_path} has no example in its docstring"
    missing = [
        name
        for name, member in vars(cls).items()
        if not name.startswith("_")
        and inspect.isfunction(member)  # skips properties, cached properties and attributes
        and not _has_example(member)
    ]
    assert not missing, f"{class_path}: public methods without an example: {missing}"
