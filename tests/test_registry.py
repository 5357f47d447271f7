"""Adding a model is adding one file: hemomodels.models discovers and registers it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import hemomodels as hm
from hemomodels.models._registry import MODELS

PACKAGE = Path(hm.__file__).resolve().parent


def test_every_model_file_registers_its_models():
    modules = {
        path.stem for path in (PACKAGE / "models").glob("*.py") if not path.stem.startswith("_")
    }
    registered_in = {function.__module__.rsplit(".", 1)[-1] for function in MODELS.values()}
    assert registered_in == modules
    for name in hm.models.available():
        assert getattr(hm.models, name) is MODELS[name]
        assert name in hm.models.__all__
        assert hm.models.get(name).states


def test_a_new_model_file_is_picked_up_without_other_edits(tmp_path):
    copy = tmp_path / "hemomodels"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "models" / "decay_example.py").write_text(
        textwrap.dedent(
            '''
            """A one-compartment example model."""
            from ..model import Model
            from ..spec import Parameter, State
            from ._registry import register


            @register
            def decay_example() -> Model:
                cells = State("cells", "Cells", "cells/kg", initial=1.0)
                rate = Parameter("rate", 0.5, "1/day", (0, 5), "Loss rate", "stiehl2015")
                return Model("Decay", states=[cells], parameters=[rate],
                             rhs={cells: -rate.symbol * cells.symbol}, reference="stiehl2015")
            '''
        ),
        encoding="utf-8",
    )
    script = (
        "import hemomodels as hm; "
        "assert 'decay_example' in hm.models.available(); "
        "m = hm.models.decay_example(); "
        "r = m.simulate(2.0); "
        "print(round(float(r['cells'][-1]), 4))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "0.3679"  # exp(-1), the closed-form solution
