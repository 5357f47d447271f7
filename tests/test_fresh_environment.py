"""Every chapter runs top to bottom in a fresh environment made from requirements.txt alone.

This is what Binder does: ``python -m venv``, ``pip install -r requirements.txt`` from the
repository root (the file's last line, ``.``, installs hemomodels itself, not editable), then
the chapters run in a kernel of that environment. Each MyST chapter listed in _toc.yml is
converted with that environment's jupytext and executed with its nbclient (no cache), with a
first injected cell that turns every warning raised from hemomodels into an error. Any error,
or any such warning, fails the test. Creating the environment is part of the test: if it
cannot be created, the test fails (it never skips). It takes a few minutes (pip uses its local
wheel cache).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from book_pages import toc_docnames

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.fresh_environment

FIRST_CELL = textwrap.dedent(
    """\
    import warnings
    warnings.filterwarnings("error", module="hemomodels")  # hemomodels and its submodules
    import hemomodels
    assert "site-packages" in hemomodels.__file__, hemomodels.__file__
    """
)

RUNNER = textwrap.dedent(
    """\
    import json, sys
    import jupytext, nbformat
    from nbclient import NotebookClient

    source, workdir, first_cell = sys.argv[1], sys.argv[2], sys.argv[3]
    notebook = jupytext.read(source)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(first_cell))
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": workdir}}
    )
    client.execute()
    warned = [
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr"
        and "Warning" in output.get("text", "")
        and "hemomodels" in output.get("text", "")
    ]
    print(json.dumps({"cells": len(notebook.cells), "warnings": warned}))
    """
)


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)], timeout=600)
    python = venv / "bin" / "python"
    if made.returncode != 0 or not python.is_file():
        pytest.fail(f"could not create a virtual environment:\n{made.stdout}\n{made.stderr}")
    installed = run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
            "requirements.txt",
        ],
        cwd=ROOT,
        timeout=1800,
    )
    if installed.returncode != 0:
        pytest.fail(f"pip install -r requirements.txt failed:\n{installed.stderr[-5000:]}")
    # the test's own notebook runner (not something a reader needs)
    runner = run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "nbclient==0.11.0"],
        timeout=600,
    )
    if runner.returncode != 0:
        pytest.fail(f"pip install nbclient failed:\n{runner.stderr[-5000:]}")
    return python


def chapters() -> list[str]:
    names = []
    for docname in toc_docnames():
        source = ROOT / f"{docname}.md"
        if source.is_file() and "format_name: myst" in source.read_text(encoding="utf-8")[:500]:
            names.append(docname)
    return names


def test_the_book_has_chapter_notebooks():
    assert len(chapters()) >= 5


@pytest.mark.parametrize("docname", chapters())
def test_chapter_runs_in_a_fresh_environment(fresh_python, tmp_path, docname):
    runner = tmp_path / "run_chapter.py"
    runner.write_text(RUNNER, encoding="utf-8")
    source = ROOT / f"{docname}.md"
    done = run(
        [str(fresh_python), str(runner), str(source), str(source.parent), FIRST_CELL],
        cwd=tmp_path,
        timeout=1800,
    )
    assert done.returncode == 0, f"{docname} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["cells"] > 1
    assert not report["warnings"], f"{docname} printed warnings: {report['warnings']}"
