"""Links and citations: internal links resolve, every citation and parameter source exists.

The link check runs Sphinx's ``linkcheck`` builder through Jupyter Book on a scratch copy of
the repository, with the strict flags of the Makefile (`make print-build-flags`): a broken
internal reference, a link to a missing page or anchor, or an unknown ``{cite}`` key is a
warning and so fails the build. External links (http/https) are listed, not fetched (the
build machines are offline): ``linkcheck_ignore`` matches them only for this run, and the list
is written to _build/linkcheck/external.txt. The chapters' code outputs are part of the check:
numbered figures, equations and the "Sources and confidence" sections come from code cells
(myst-nb glue and labelled maths in Markdown output), and the text refers to them. The scratch
copy reuses the executed notebooks of ``make book`` (its jupyter-cache, keyed by the cells'
code), so no chapter runs again unless its code changed since the last build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from book_pages import toc_docnames

import hemomodels as hm

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL_LIST = ROOT / "_build" / "linkcheck" / "external.txt"
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def bib_keys() -> set[str]:
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.MULTILINE))


def build_flags() -> list[str]:
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(ROOT), "print-build-flags"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "--warningiserror" in out and "--nitpick" in out, out
    return out


def copy_repository(destination: Path) -> Path:
    """The repository's tracked and untracked (not ignored) files, as a scratch copy."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def configure_linkcheck(book: Path) -> None:
    config = book / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert "  execute_notebooks: cache\n" in text and "sphinx:\n" in text
    text = text.replace(
        "  config:\n",
        "  config:\n    linkcheck_anchors: true\n    linkcheck_ignore: ['https?://.*']\n",
        1,
    )
    config.write_text(text, encoding="utf-8")


def run_linkcheck(book: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    bindir = Path(sys.executable).parent
    jupyter_book = shutil.which("jupyter-book", path=str(bindir)) or shutil.which("jupyter-book")
    assert jupyter_book, "jupyter-book is not installed in this environment"
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(
        [jupyter_book, "build", ".", "--builder", "linkcheck", *build_flags()],
        cwd=book,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = book / "_build" / "html" / "output.json"
    records = []
    if report.is_file():
        records = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    return result, records


@pytest.fixture(scope="module")
def linkcheck(tmp_path_factory):
    book = copy_repository(tmp_path_factory.mktemp("linkcheck"))
    configure_linkcheck(book)
    # The notebooks' outputs hold the numbered figures that the text refers to: reuse the
    # executed notebooks of `make book` (keyed by their code), or execute them if there are none.
    cache = ROOT / "_build" / ".jupyter_cache"
    if cache.is_dir():
        shutil.copytree(cache, book / "_build" / ".jupyter_cache")
    return run_linkcheck(book)


def test_linkcheck_passes_and_lists_external_links(linkcheck):
    result, records = linkcheck
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert records, "linkcheck wrote no report"
    bad = [r for r in records if r["status"] not in ("ignored", "working", "unchecked")]
    assert not bad, f"broken links: {bad}"
    external = sorted({r["uri"] for r in records if re.match(r"https?://", r["uri"])})
    assert external, "no external links found (the bibliography has DOIs)"
    EXTERNAL_LIST.parent.mkdir(parents=True, exist_ok=True)
    EXTERNAL_LIST.write_text("\n".join(external) + "\n", encoding="utf-8")
    checked = {r["filename"] for r in records}
    assert checked, "no page had a link"


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("[a missing page](no-such-page.md)", "no-such-page"),
        ("[a missing anchor](#no-such-anchor)", "no-such-anchor"),
        ("{cite}`no_such_key_2099`", "no_such_key_2099"),
        ("{doc}`no-such-document`", "no-such-document"),
    ],
)
def test_linkcheck_fails_on_a_broken_internal_link_or_citation(tmp_path, fault, expected):
    book = copy_repository(tmp_path)
    configure_linkcheck(book)
    intro = book / "book" / "intro.md"
    intro.write_text(intro.read_text(encoding="utf-8") + f"\n\nSee {fault}.\n", encoding="utf-8")
    result, _ = run_linkcheck(book)
    log = result.stdout + result.stderr
    assert result.returncode != 0, f"the fault {fault!r} did not fail the link check"
    assert expected in log


def test_every_cited_key_is_in_references_bib():
    keys = bib_keys()
    missing = {}
    for docname in toc_docnames():
        for suffix in (".md", ".ipynb"):
            path = ROOT / f"{docname}{suffix}"
            if path.is_file():
                for group in CITE.findall(path.read_text(encoding="utf-8")):
                    for key in (k.strip() for k in group.split(",")):
                        if key not in keys:
                            missing.setdefault(docname, []).append(key)
    assert not missing, f"{{cite}} keys not in references.bib: {missing}"


def test_every_model_parameter_has_unit_bounds_description_and_a_source():
    keys = bib_keys()
    problems = []
    for name in hm.models.available():
        model = getattr(hm.models, name)()
        if model.reference and model.reference not in keys:
            problems.append(f"{name}: model reference {model.reference!r} not in references.bib")
        for p in model.parameters:
            where = f"{name}.{p.name}"
            if not isinstance(p.unit, str) or not p.unit.strip():
                problems.append(f"{where}: no unit")
            low, high = p.bounds
            if not (low < high and p.contains(p.value)):
                problems.append(f"{where}: bounds {p.bounds} do not hold the default {p.value}")
            if not p.description.strip():
                problems.append(f"{where}: no description")
            if p.source not in keys:
                problems.append(f"{where}: source {p.source!r} not in references.bib")
    assert not problems, "\n".join(problems)
