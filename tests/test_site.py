"""The book as a site: citations, exercises, downloads, licence, icons, keyboard and weight.

The `book` tests read the built book (_build/html, made by `make book`; a missing build fails,
never skips). The `browser` tests open it in headless Chromium (tests/site_browser.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from docutils.nodes import make_id
from IPython.core.inputtransformer2 import TransformerManager
from site_browser import DOCNAMES, open_page, require_build, serve

from hemomodels import bibliography

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
EXT = ROOT / "book" / "_ext"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
# numbered chapters, in order: chapter n is the n-th file of the numbered part
CHAPTERS = [
    chapter["file"] for part in TOC["parts"] if part.get("numbered") for chapter in part["chapters"]
]
YEAR = r"(?:\d{4}[a-z]?|n\.d\.)"
NO_TEX = re.compile(r"[\\{}$]")
MAX_MATHJAX_BYTES = 1_000_000
# a chart element (not the words in a code example, as on the API page)
CHART_ELEMENT = re.compile(r'<div\b[^>]*\bclass="hemomodels-chart\b')


def built(docname: str) -> str:
    path = require_build() / f"{docname}.html"
    return path.read_text(encoding="utf-8")


def ext(name: str):
    """A module of book/_ext (the book's Sphinx extensions)."""
    sys.path.insert(0, str(EXT))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(EXT))


class Elements(HTMLParser):
    """Text of the elements matching a tag and class, with their attributes."""

    def __init__(self, tag: str, css_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag, self.css_class = tag, css_class
        self.found: list[tuple[dict, str]] = []
        self._depth = 0
        self._text: list[str] = []
        self._attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._depth:
            if tag == self.tag:
                self._depth += 1
        elif tag == self.tag and self.css_class in (attributes.get("class") or "").split():
            self._depth, self._text, self._attrs = 1, [], attributes

    def handle_endtag(self, tag):
        if self._depth and tag == self.tag:
            self._depth -= 1
            if not self._depth:
                self.found.append((self._attrs, " ".join("".join(self._text).split())))

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)


def elements(html: str, tag: str, css_class: str) -> list[tuple[dict, str]]:
    parser = Elements(tag, css_class)
    parser.feed(html)
    return parser.found


def citation_keys() -> dict[str, str]:
    """Anchor id ("cite-epogen-label") -> references.bib key ("epogen_label")."""
    return {make_id(f"cite-{key}"): key for key in bibliography.entries()}


# --------------------------------------------------------------------------------------------
# bibliography


@pytest.mark.book
def test_reference_list_has_author_year_labels_and_clean_entries():
    html = built("book/references")
    keys = citation_keys()
    entries = elements(html, "div", "citation")
    assert len(entries) >= 40, f"only {len(entries)} entries on the references page"
    problems, labels, order = [], [], []
    for attributes, text in entries:
        key = keys[attributes["id"]]
        match = re.match(r"^\[(?P<label>[^\]]+)\] (?P<entry>.*)$", text)
        if not match:
            problems.append(f"{key}: no [label] before the entry: {text[:80]!r}")
            continue
        label, entry = match["label"], match["entry"]
        labels.append(label)
        fields = bibliography.entries()[key]
        if "shorthand" not in fields and not re.fullmatch(rf"\S.* {YEAR}", label):
            problems.append(f"{key}: label {label!r} is not author-year")
        if re.search(r"[a-z][A-Z]|\+", label.replace("McGraw", "")):
            problems.append(f"{key}: label {label!r} glues names together (alpha style)")
        if label != bibliography.short_reference(key):
            problems.append(f"{key}: label {label!r} differs from the package's")
        if entry != bibliography.format_reference(key):
            problems.append(f"{key}: entry differs from the package's:\n  {entry}")
        if NO_TEX.search(label + entry):
            problems.append(f"{key}: TeX left in {label!r} / {entry!r}")
        order.append(label)
    assert len(set(labels)) == len(labels), "two entries share a label"
    assert not problems, "\n".join(problems)
    # first author's family name, then one, two, more authors, then year
    families = [
        unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().casefold()
        for label in order
    ]
    first_letters = [family[0] for family in families]
    assert first_letters == sorted(first_letters), f"not alphabetical: {order}"
    assert order.index("Hillman 1969") < order.index("Hillman & Henderson 1969")
    assert order.index("Franco 2012") < order.index("Franco et al. 1998")
    assert order.index("Franco et al. 1998") < order.index("Franco et al. 2006")


@pytest.mark.book
def test_citations_in_the_text_are_author_year():
    keys = citation_keys()
    problems, seen = [], 0
    for docname in CHAPTERS:
        html = built(docname)
        for href, text in re.findall(
            r'<a class="reference internal" href="references\.html#([^"]+)"[^>]*>(.*?)</a>', html
        ):
            key = keys[href]
            label = bibliography.short_reference(key)
            text = " ".join(re.sub(r"<[^>]+>", "", text).split()).replace("&amp;", "&")
            author, _, year = label.rpartition(" ")
            allowed = {label, f"{author} ({year})"} if re.fullmatch(YEAR, year) else {label}
            seen += 1
            if text not in allowed:
                problems.append(f"{docname}: citation of {key} reads {text!r}, not {allowed}")
        for citation in re.findall(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', html):
            plain = " ".join(re.sub(r"<[^>]+>", "", citation).split())
            if plain.startswith("[") or NO_TEX.search(plain):
                problems.append(f"{docname}: citation {plain!r}")
    assert seen > 100, f"only {seen} citations found in the chapters"
    assert not problems, "\n".join(problems[:20])


def test_labels_tell_apart_works_of_the_same_authors_and_year():
    labels = {key: bibliography.short_reference(key) for key in bibliography.entries()}
    assert len(set(labels.values())) == len(labels)
    # two 2014 papers by Stiehl and colleagues: a and b in the order of their titles
    assert labels["stiehl2014interface"] == "Stiehl et al. 2014a"  # "Clonal selection ..."
    assert labels["stiehl2014"] == "Stiehl et al. 2014b"  # "The impact of CD34+ ..."


# --------------------------------------------------------------------------------------------
# exercises


@pytest.mark.book
def test_every_chapter_has_numbered_linkable_exercises_with_solutions():
    assert len(CHAPTERS) >= 6
    for number, docname in enumerate(CHAPTERS, start=1):
        source = (ROOT / f"{docname}.md").read_text(encoding="utf-8")
        assert "**Exercise" not in source, f"{docname}: an exercise outside {{exercise}}"
        html = built(docname)
        exercises = elements(html, "div", "exercise")
        solutions = elements(html, "div", "solution")
        assert len(exercises) >= 2, f"{docname}: {len(exercises)} exercises"
        for index, (attributes, text) in enumerate(exercises, start=1):
            assert attributes.get("id", "").startswith("ex-"), (docname, attributes)
            assert text.startswith(f"Exercise {number}.{index} "), (docname, text[:60])
        targets = {a["id"] for a, _ in exercises}
        linked = set(
            re.findall(
                r'class="solution[^"]*"[^>]*>\s*<p class="admonition-title">'
                r'Solution to<a class="reference internal" href="#([^"]+)"',
                html,
            )
        )
        assert linked == targets, f"{docname}: exercises without a solution: {targets - linked}"
        assert all("dropdown" in a["class"].split() for a, _ in solutions), docname


@pytest.mark.book
def test_exercises_are_linked_from_the_text_by_number():
    html = built("book/hsc-biology")
    link = re.search(r'<a class="reference internal" href="#ex-hsc-steady-state">(.*?)</a>', html)
    assert link and "Exercise 1.1" in re.sub(r"<[^>]+>", "", link.group(1))
    leukaemia = built("book/leukaemia")
    assert re.search(r'href="hsc-biology\.html#ex-hsc-steady-state"', leukaemia)


def test_solutions_are_taken_out_of_the_downloads_for_assignments():
    reader_site = ext("reader_site")
    for docname in CHAPTERS:
        source = (ROOT / f"{docname}.md").read_text(encoding="utf-8")
        stripped = reader_site.strip_solutions(source)
        assert "{solution" not in stripped, docname
        assert stripped.count("{exercise}") == source.count("{exercise}") >= 2, docname
        # everything outside the solutions is kept: the Summary after the exercises
        assert stripped.split("## Summary")[1] == source.split("## Summary")[1], docname
        gated_cells = sum(
            block.count("{code-cell}")
            for block in re.findall(r"\{solution-start\}(.*?)\{solution-end\}", source, re.S)
        )
        assert stripped.count("{code-cell}") == source.count("{code-cell}") - gated_cells
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "```{exercise}\n:label: e\nDo.\n```\n"},
            {"cell_type": "markdown", "source": "Text\n```{solution-start} e\n```\nWhy."},
            {"cell_type": "code", "source": "answer = 42"},
            {"cell_type": "markdown", "source": "```{solution-end}\n```\n## Next"},
            {"cell_type": "markdown", "source": "````{solution} e\nPlain.\n````\nAfter"},
            {"cell_type": "code", "source": "kept = 1"},
        ]
    }
    cells = reader_site.strip_notebook_solutions(notebook)["cells"]
    assert [c["source"] for c in cells] == [
        "```{exercise}\n:label: e\nDo.\n```\n",
        "Text\n",
        "## Next",
        "After",
        "kept = 1",
    ]


def build_tiny_book(tmp_path: Path, env: dict[str, str]) -> Path:
    """A one-chapter book with an exercise, a solution and a gated solution with a code cell,
    built with the repository's configuration and extensions; returns _build/html."""
    book = tmp_path / "book-root"
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    shutil.copytree(ROOT / "book" / "_static", book / "book" / "_static")
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "references.bib", book / "references.bib")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: Chapters\n    numbered: true\n"
        "    chapters:\n      - file: book/chapter\n",
        encoding="utf-8",
    )
    (book / "book" / "intro.md").write_text("# Intro\n", encoding="utf-8")
    chapter = (ROOT / CHAPTERS[0]).with_suffix(".md").read_text(encoding="utf-8")
    header = chapter[: chapter.index("---", 3) + 4]
    (book / "book" / "chapter.md").write_text(
        header
        + "\n# A chapter\n\n```{exercise} First\n:label: ex-first\n\nWhat is six times seven?\n"
        "```\n\n```{solution} ex-first\n:class: dropdown\n\nFORTY-TWO-PLAIN\n```\n\n"
        "```{exercise} Second\n:label: ex-second\n\nCompute it.\n```\n\n"
        "```{solution-start} ex-second\n:class: dropdown\n```\n\nGATED-TEXT\n\n"
        "```{code-cell} ipython3\nprint('GATED' + '-OUTPUT')\n```\n\n```{solution-end}\n```\n\n"
        "## After\n\nKEPT-TEXT\n",
        encoding="utf-8",
    )
    bindir = Path(sys.executable).parent
    jupyter_book = shutil.which("jupyter-book", path=str(bindir)) or shutil.which("jupyter-book")
    assert jupyter_book, "jupyter-book is not installed in this environment"
    environment = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    environment.update(env)
    result = subprocess.run(
        [jupyter_book, "build", ".", "--all", "--warningiserror", "--keep-going"],
        cwd=book,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return book / "_build" / "html"


def test_assignments_build_leaves_every_solution_out(tmp_path):
    html_dir = build_tiny_book(tmp_path, {ext("reader_site").HIDE_SOLUTIONS_ENV: "1"})
    page = (html_dir / "book" / "chapter.html").read_text(encoding="utf-8")
    assert "Exercise 1.1" in page and "Exercise 1.2" in page and "KEPT-TEXT" in page
    notebook = (html_dir / "_sources" / "book" / "chapter.ipynb").read_text(encoding="utf-8")
    markdown = (html_dir / "_sources" / "book" / "chapter.md").read_text(encoding="utf-8")
    for where, text in (("page", page), ("notebook", notebook), ("markdown", markdown)):
        for secret in ("FORTY-TWO-PLAIN", "GATED-TEXT", "GATED-OUTPUT", "print('GATED'"):
            assert secret not in text, f"{secret} left in the {where}"
        assert "KEPT-TEXT" in text and "What is six times seven?" in text, where
    nbformat.validate(nbformat.reads(notebook, as_version=4))


# --------------------------------------------------------------------------------------------
# downloads, licence, favicon


class FakeIPython:
    def __init__(self) -> None:
        self.magics: list[tuple[str, str]] = []

    def run_line_magic(self, name: str, line: str) -> None:
        self.magics.append((name, line))


def run_first_cell(source: str, *, package_missing: bool, monkeypatch) -> list[tuple[str, str]]:
    """Run a notebook cell as IPython would, with hemomodels importable or not; return the
    magics it called."""
    shell = FakeIPython()
    code = TransformerManager().transform_cell(source)
    if package_missing:
        monkeypatch.setitem(sys.modules, "hemomodels", None)  # import raises ImportError
    try:
        exec(compile(code, "<first cell>", "exec"), {"get_ipython": lambda: shell})
    finally:
        monkeypatch.undo()
    return shell.magics


@pytest.mark.book
def test_downloaded_notebooks_install_the_package_when_it_is_missing(monkeypatch):
    repository = CONFIG["repository"]["url"].rstrip("/")
    archive = f"{repository}/archive/refs/heads/{CONFIG['repository']['branch']}.zip"
    for docname in CHAPTERS:
        path = require_build() / "_sources" / f"{docname}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        first = notebook.cells[0]
        assert first.cell_type == "code", f"{docname}: the first cell is not code"
        assert "remove-cell" in first.metadata.get("tags", []), docname
        installed = run_first_cell(first.source, package_missing=True, monkeypatch=monkeypatch)
        assert installed == [("pip", f'install "hemomodels[charts,widgets] @ {archive}"')]
        present = run_first_cell(first.source, package_missing=False, monkeypatch=monkeypatch)
        assert present == [], f"{docname}: installs although hemomodels is importable"
        assert "pip install" not in built(docname), f"{docname}: the install cell is visible"


@pytest.mark.book
def test_every_page_has_the_licences_in_its_footer_and_a_favicon():
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "Attribution 4.0" in (ROOT / "LICENSE-BOOK").read_text(encoding="utf-8")
    favicon = require_build() / "_static" / "favicon.svg"
    assert ET.parse(favicon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    for docname in DOCNAMES:
        html = built(docname)
        footer = html[html.index('<footer class="bd-footer-content') :]
        for link in (
            "https://creativecommons.org/licenses/by/4.0/",
            "/blob/main/LICENSE-BOOK",
            "/blob/main/LICENSE",
        ):
            assert link in footer, f"{docname}: {link} missing from the footer"
        assert re.search(r'<link rel="icon" href="[./]*_static/favicon\.svg', html), docname


@pytest.mark.book
def test_icons_are_drawn_without_font_awesome():
    html_dir = require_build()
    css = (html_dir / "_static" / "reader-icons.css").read_text(encoding="utf-8")
    generic = {"fa-solid", "fa-regular", "fa-brands", "fa-lg", "fa-fw", "fa-xs", "fa-sm"}
    for path in sorted(html_dir.glob("**/*.html")):
        if "_static" in path.parts or "_sources" in path.parts:
            continue
        html = path.read_text(encoding="utf-8")
        assert "fontawesome.js" not in html, f"{path}: loads Font Awesome's script"
        for classes in re.findall(r'<(?:i|span) class="([^"]*\bfa[bs]?[- ][^"]*)"', html):
            for name in set(classes.split()) - generic:
                if name.startswith("fa-"):
                    assert f".{name}::before" in css, f"{path.name}: no icon for {name}"


# --------------------------------------------------------------------------------------------
# in the browser


@pytest.fixture(scope="module")
def site(chromium_browser):
    require_build()
    with serve() as origin:
        yield chromium_browser, origin


CHART_PAGES = (
    [d for d in DOCNAMES if CHART_ELEMENT.search((HTML / f"{d}.html").read_text(encoding="utf-8"))]
    if (HTML / "index.html").is_file()
    else []
)


FOCUSED_JS = """() => {
  const el = document.activeElement;
  // an explorable holds its controls and its chart; a plain chart has no controls
  const figures = '.hm-explorable, .hemomodels-chart:not(.hm-explorable *)';
  const chart = el && el.closest(figures);
  const charts = [...document.querySelectorAll(figures)];
  const withControls = charts.find(c => c.querySelector('input, select'));
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', text: (el.textContent || '').trim(),
    inChart: !!chart, chartIndex: charts.indexOf(chart),
    firstControl: withControls ? withControls.querySelector('input, select') === el : false,
    visible: r.bottom > 0 && r.top < innerHeight,
  };
}"""


EXPLORABLE_ELEMENT = re.compile(r'<div\b[^>]*\bclass="hm-explorable\b')
EXPLORABLE_PAGES = (
    [d for d in DOCNAMES if EXPLORABLE_ELEMENT.search((HTML / f"{d}.html").read_text("utf-8"))]
    if (HTML / "index.html").is_file()
    else []
)


@pytest.mark.browser
@pytest.mark.parametrize("docname", EXPLORABLE_PAGES or ["(no page with an explorable)"])
def test_skip_link_takes_the_keyboard_to_the_first_slider(site, docname):
    assert EXPLORABLE_PAGES, "no page of the built book has an explorable"
    browser, origin = site
    opened = open_page(browser, origin, docname)
    page = opened.page
    try:
        stops = []
        for _ in range(3):
            page.keyboard.press("Tab")
            stops.append(page.evaluate(FOCUSED_JS))
            if stops[-1]["text"] == "Skip to the first interactive figure":
                break
        assert stops[-1]["text"] == "Skip to the first interactive figure", stops
        page.keyboard.press("Enter")
        focused = page.evaluate(FOCUSED_JS)
        assert focused["inChart"] and focused["firstControl"], focused
        assert focused["tag"] in ("input", "select"), focused
        assert focused["visible"], "the first control is not scrolled into view"
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("docname", DOCNAMES)
def test_page_loads_without_errors_and_only_what_it_uses(site, docname):
    browser, origin = site
    opened = open_page(browser, origin, docname)
    try:
        page = opened.page
        icon = page.evaluate(
            """async () => {
              const link = document.querySelector('link[rel="icon"]');
              if (!link) return null;
              const response = await fetch(link.href);
              return {status: response.status, type: response.headers.get('content-type')};
            }"""
        )
        loaded = {
            url.split("?")[0].removeprefix(origin + "/")
            for url, status in opened.responses
            if status < 300 and url.startswith(origin)
        }
        mathjax = sum((HTML / path).stat().st_size for path in loaded if "/vendor/mathjax/" in path)
        has_chart = bool(CHART_ELEMENT.search(built(docname)))
        errors = page.evaluate(
            "() => [...document.querySelectorAll('mjx-merror')].map(e => e.textContent).slice(0, 5)"
        )
        problems = opened.problems()
        if icon is None or icon["status"] != 200 or "svg" not in (icon["type"] or ""):
            problems.append(f"favicon: {icon}")
        problems += [
            f"loads {path}"
            for path in loaded
            if "fontawesome" in path or path.endswith(".woff2") or "searchindex" in path
        ]
        if mathjax > MAX_MATHJAX_BYTES:
            problems.append(f"MathJax loads {mathjax:,} bytes (at most {MAX_MATHJAX_BYTES:,})")
        if has_chart != any(p.endswith("vega-bundle.js") for p in loaded):
            problems.append(f"Vega bundle loaded: {not has_chart}, page has a chart: {has_chart}")
        problems += [f"maths error: {text!r}" for text in errors]
        assert not problems, f"{docname}:\n" + "\n".join(problems)
    finally:
        opened.page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("docname", DOCNAMES)
def test_dark_mode_text_keeps_its_contrast(site, docname):
    from axe_playwright_python.sync_playwright import Axe

    browser, origin = site
    opened = open_page(browser, origin, docname, theme="dark")
    try:
        assert opened.page.evaluate("document.documentElement.dataset.theme") == "dark"
        results = Axe().run(
            opened.page,
            options={"runOnly": ["color-contrast"]},
        )
        violations = [
            f"{node['target']}: {node['failureSummary'][:160]}"
            for violation in results.response["violations"]
            for node in violation["nodes"]
        ]
        assert not violations, f"{docname} in dark mode:\n" + "\n".join(violations[:15])
    finally:
        opened.page.context.close()
