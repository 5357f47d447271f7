"""The book's appendices and downloads: API reference, glossary and one .ipynb per chapter.

These read the built book (_build/html, made by `make book`; a missing build fails, never
skips).
"""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from book_pages import toc_docnames

import hemomodels as hm

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
GLOSSARY_LINKED_FROM = [
    "book/hsc-biology",
    "book/anaemia",
    "book/chemotherapy",
    "book/leukaemia",
    "book/transplantation",
]

pytestmark = pytest.mark.book


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])


def page(docname: str) -> Anchors:
    path = HTML / f"{docname}.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: build the book first with `make book`.")
    parser = Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def is_notebook(docname: str) -> bool:
    source = ROOT / f"{docname}.md"
    return source.is_file() and "format_name: myst" in source.read_text(encoding="utf-8")[:500]


API_PAGES = ("book/api", "book/api-models", "book/api-analysis", "book/api-exchange")


def test_api_reference_documents_the_public_api():
    ids = set().union(*(page(docname).ids for docname in API_PAGES))
    expected = ["hemomodels.Model.simulate", "hemomodels.Model.steady_states", "hemomodels.Result"]
    expected += [f"hemomodels.models.{name}" for name in hm.models.available()]
    expected += [
        f"hemomodels.clinical.{name}"
        for name in hm.clinical.__all__
        if inspect.isfunction(getattr(hm.clinical, name))
    ]
    expected += ["hemomodels.cohorts.lognormal_cohort", "hemomodels.sweep.steady_state_sweep"]
    expected += ["hemomodels.viz.timecourse_chart", "hemomodels.widgets.explore"]
    expected += ["hemomodels.sbml_import.from_sbml"]
    expected += ["hemomodels.files.save_model", "hemomodels.files.load_result"]
    expected += ["hemomodels.datasets.falz2014_donation", "hemomodels.PerPatient"]
    expected += ["hemomodels.compiled.warm_up", "hemomodels.distributed.simulate_cohort"]
    expected += ["hemomodels.clinical.NeutropeniaGrade", "hemomodels.viz.interval_chart"]
    expected += ["hemomodels.scenarios.chemotherapy.virtual_trial"]
    missing = [name for name in expected if name not in ids]
    assert not missing, f"not in the API reference: {missing}"


def test_glossary_defines_the_terms_and_chapters_link_to_it():
    ids = page("book/glossary").ids
    terms = {i for i in ids if i.startswith("term-")}
    for term in ("HSC", "CD34", "engraftment", "chimerism", "nadir", "ANC", "self-renewal"):
        assert any(t.lower() == f"term-{term}".lower() for t in terms), (term, sorted(terms))
    for docname in GLOSSARY_LINKED_FROM:
        links = [h for h in page(docname).hrefs if re.search(r"glossary\.html#term-", h)]
        assert links, f"{docname} links no glossary term"
        for href in links:
            assert href.split("#", 1)[1] in ids, f"{docname}: broken glossary link {href}"


def test_every_chapter_offers_its_notebook_for_download():
    chapters = [d for d in toc_docnames() if is_notebook(d)]
    assert len(chapters) >= 5
    for docname in chapters:
        name = Path(docname).name
        hrefs = [h for h in page(docname).hrefs if h.endswith(f"_sources/{docname}.ipynb")]
        assert hrefs, f"{docname}: no .ipynb download link"
        notebook = HTML / "_sources" / f"{docname}.ipynb"
        assert notebook.is_file(), f"{notebook} missing"
        nb = nbformat.read(notebook, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and any("hemomodels" in c.source for c in code), name
