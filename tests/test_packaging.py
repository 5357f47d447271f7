"""The package as a modeller installs it: a wheel and a self-contained source distribution.

* The wheel carries the licence files, ``py.typed`` and the bibliography, and declares the
  headless core (NumPy, SciPy, SymPy, pandas) apart from the extras.
* Installed **without extras** in a fresh virtual environment, ``import hemomodels`` works,
  every model simulates, a parameter's source resolves to a formatted reference, and charts,
  widgets and SBML export each raise an error naming the extra to install.
* The source distribution holds the tests and the book, and its tests collect.

Building uses ``python -m build`` (setuptools from the package index); the fresh environment
installs the pinned core from requirements.txt. A few minutes with pip's cache.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.fresh_environment

CORE = ("numpy", "scipy", "sympy", "pandas")


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # run from the output folder: a build/ folder in the repository would shadow the tool
    built = run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_wheel_holds_licences_types_and_bibliography(dist):
    wheel = _one(dist, "hemomodels-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "hemomodels/py.typed" in names
    assert "hemomodels/data/references.bib" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert any(n.endswith("licenses/LICENSE-BOOK") for n in names)
    assert "License-Expression: MIT" in metadata
    import hemomodels

    assert f"Version: {hemomodels.__version__}" in metadata  # the version's one place
    required = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)[^;\n]*$", metadata, re.M)
    assert sorted(required) == sorted(CORE)  # everything else is an extra
    for extra in ("charts", "widgets", "diagrams", "sbml", "distributed", "all"):
        assert f"Provides-Extra: {extra}" in metadata


def test_source_distribution_is_self_contained_and_its_tests_collect(dist, tmp_path):
    sdist = _one(dist, "hemomodels-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    tree = _one(tmp_path, "hemomodels-*")
    for needed in ("tests/conftest.py", "book/intro.md", "_toc.yml", "references.bib", "LICENSE"):
        assert (tree / needed).is_file(), needed
    where = run([sys.executable, "-c", "import hemomodels; print(hemomodels.__file__)"], cwd=tree)
    assert where.stdout.strip().startswith(str(tree)), where.stdout + where.stderr
    collected = run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tree,
        timeout=900,
    )
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    count = int(re.search(r"(\d+) tests? collected", collected.stdout).group(1))
    assert count > 500


CHECK_CORE = textwrap.dedent(
    """\
    import json, importlib.util, math
    import hemomodels as hm
    from hemomodels.extras import MissingExtraError

    report = {"simulated": {}, "missing": {}}
    for name in hm.models.available():
        model = hm.models.get(name)
        result = model.simulate(min(model.max_time, 30.0))
        report["simulated"][name] = bool(all(math.isfinite(v) for v in result.final().values()
                                             if not math.isnan(v)))
    report["reference"] = hm.models.friberg2002().references()["friberg2002"]
    for label, attempt in (
        ("charts", lambda: hm.viz),
        ("widgets", lambda: hm.widgets),
        ("sbml", lambda: hm.models.friberg2002().to_sbml()),
        ("diagrams", lambda: hm.models.friberg2002().diagram()),
        ("distributed", lambda: hm.simulate_cohort(
            hm.models.friberg2002(), {"MTT": [90.0]}, 24.0,
            readouts={"nadir": lambda result: result["ANC"].min(axis=1)})),
    ):
        try:
            attempt()
            report["missing"][label] = None
        except MissingExtraError as error:
            report["missing"][label] = [error.extra, str(error)]
    report["absent"] = [m for m in ("altair", "ipywidgets", "libsbml", "vl_convert", "graphviz",
                                    "dask", "distributed")
                        if importlib.util.find_spec(m) is not None]
    report["file"] = hm.__file__
    print(json.dumps(report))
    """
)


def test_core_wheel_without_extras_imports_and_simulates_every_model(dist, tmp_path):
    venv = tmp_path / "core"
    made = run([sys.executable, "-m", "venv", str(venv)], timeout=600)
    assert made.returncode == 0, made.stderr
    python = str(venv / "bin" / "python")
    pins = _pins()
    wheel = _one(dist, "hemomodels-*.whl")
    installed = run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", str(wheel)]
        + [f"{name}=={pins[name]}" for name in CORE],
        timeout=1800,
    )
    assert installed.returncode == 0, installed.stderr[-5000:]
    checked = run([python, "-c", CHECK_CORE], cwd=tmp_path, timeout=900)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-5000:]
    report = json.loads(checked.stdout.strip().splitlines()[-1])
    assert "site-packages" in report["file"]
    assert report["absent"] == []  # no optional dependency came along
    assert report["simulated"] and all(report["simulated"].values()), report["simulated"]
    assert report["reference"].startswith("Friberg LE, Henningsson A")
    for label, extra in (
        ("charts", "charts"),
        ("widgets", "widgets"),
        ("sbml", "sbml"),
        ("diagrams", "diagrams"),
        ("distributed", "distributed"),
    ):
        got = report["missing"][label]
        assert got is not None and got[0] == extra, (label, got)
        assert f"pip install 'hemomodels[{extra}]'" in got[1]
