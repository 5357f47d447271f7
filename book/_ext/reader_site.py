"""The book as a web site: lighter pages, a skip link to the first chart, assignments builds.

- **Page weight.** Font Awesome's script (``fontawesome.js``, 1.5 MB, which swaps the theme's
  ``<i class="fa-…">`` icons for inline SVG) is left out: the theme's stylesheet draws the same
  icons with its icon font. The search index (``searchindex.js`` and Sphinx's search scripts)
  is loaded on the search page only: the search box submits to that page
  (``search_as_you_type`` is off). The Vega bundle (``vega_bundle.py``) is loaded only by pages
  that draw a chart, and sphinx-design's stylesheet and script only by pages that use one of
  its components (none does today). See ``templates/layout.html``.
- **Keyboard.** A page with a chart (``.hemomodels-chart``, see :mod:`hemomodels.viz`) gets a
  second skip link after the theme's "Skip to main content": "Skip to the first interactive
  figure", which puts the focus on the first control of the first chart that has controls.
- **Reader's stylesheet** ``_static/reader.css``: dark mode for figures and tables, wide tables
  and long equations scrolling in their own box on narrow screens, the skip link's target
  clear of the sticky header.
- **Assignments.** With ``BOOK_HIDE_SOLUTIONS=1`` in the environment (``make
  book-assignments``) sphinx-exercise leaves every solution out of the pages, and the
  downloadable sources (``_sources/*.md`` and executed ``*.ipynb``) are rewritten without them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx_exercise.directive import SolutionStartDirective
from sphinx_exercise.nodes import solution_end_node

HIDE_SOLUTIONS_ENV = "BOOK_HIDE_SOLUTIONS"
SKIP_LINK_TEXT = "Skip to the first interactive figure"
# an explorable (its controls, then its chart): a page with static charts only has no
# interactive figure to skip to
_FIGURE_CLASS = r'\bclass="hm-explorable\b'
CHART = re.compile(r'<div\b[^>]*\bid="([^"]+)"[^>]*' + _FIGURE_CLASS)
CHART_ALT = re.compile(r"<div\b[^>]*" + _FIGURE_CLASS + r'[^>]*\bid="([^"]+)"')
# a chart drawn without controls (it needs the Vega bundle too)
STATIC_CHART = re.compile(r'<div\b[^>]*\bclass="hemomodels-chart\b')
FONTAWESOME = re.compile(r'\s*<script\b[^>]*\bsrc="[^"]*/fontawesome\.js[^"]*"[^>]*>\s*</script>')
# A script that draws a chart: window.vegaEmbed(...) inside <script> (not "vegaEmbed" in prose)
VEGA_EMBED = re.compile(r"<script\b[^>]*>(?:(?!</script>).)*?\bvegaEmbed\(", re.DOTALL)
# sphinx-design's components (cards, grids, tabs, its dropdowns) all carry sd-* classes
SPHINX_DESIGN = re.compile(r'class="[^"]*\bsd-')
SEARCH_SCRIPTS = re.compile(
    r'\s*<script\b[^>]*\bsrc="[^"]*(?:searchtools\.js|language_data\.js|searchindex\.js)'
    r'[^"]*"[^>]*>\s*</script>'
)
# The opening line of a solution directive: ```{solution} …, ```{solution-start} … (the code
# cells up to ```{solution-end} belong to the solution), with backticks or colons.
SOLUTION_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>solution(?:-start|-end)?)\}")

logger = logging.getLogger(__name__)


def hide_solutions_requested() -> bool:
    return os.environ.get(HIDE_SOLUTIONS_ENV, "").strip().lower() in {"1", "true", "yes"}


def first_chart_id(body: str) -> str | None:
    """The id of the first explorable (``.hm-explorable``) in a page body, if any."""
    found = [m for pattern in (CHART, CHART_ALT) if (m := pattern.search(body))]
    return min(found, key=lambda m: m.start()).group(1) if found else None


def without_unused_scripts(html: str, pagename: str) -> Markup:
    """The theme's <head> markup without the scripts this book's pages do not use."""
    html = FONTAWESOME.sub("", str(html))
    if pagename != "search":
        html = SEARCH_SCRIPTS.sub("", html)
    return Markup(html)


def _strip_lines(text: str, gated: bool) -> tuple[str, bool]:
    """Text without solution directives and without what lies between a gated solution's
    start and end; ``gated`` says whether the text starts inside a gated solution."""
    lines = text.splitlines(keepends=True)
    kept, i = [], 0
    while i < len(lines):
        opening = SOLUTION_FENCE.match(lines[i])
        if opening:
            fence, end = opening["fence"], i + 1
            while end < len(lines) and lines[end].strip() != fence:
                end += 1
            gated = {"solution-start": True, "solution-end": False}.get(opening["name"], gated)
            i = end + 1
            continue
        if not gated:
            kept.append(lines[i])
        i += 1
    return "".join(kept), gated


def strip_solutions(text: str) -> str:
    """MyST text without its ``{solution}`` blocks and gated solutions."""
    return _strip_lines(text, gated=False)[0]


def strip_notebook_solutions(notebook: dict) -> dict:
    """A notebook without solution text and without the code cells of gated solutions."""
    cells, gated = [], False
    for cell in notebook["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            source, gated = _strip_lines(source, gated)
            if source.strip():
                cells.append({**cell, "source": source})
        elif not gated:
            cells.append(cell)
    return {**notebook, "cells": cells}


# ------------------------------------------------------- gated solutions without solutions


class hidden_solution_start(nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """Where a gated solution began, in a build without solutions (removed while reading)."""


class SolutionStart(SolutionStartDirective):
    """sphinx-exercise's ``{solution-start}``. With ``hide_solutions`` sphinx-exercise (1.2.1)
    drops the start but keeps the solution's content and its end marker, which the HTML
    writer cannot write; this leaves a marker instead, for :class:`RemoveHiddenSolutions`."""

    def run(self):
        made = super().run()
        return [hidden_solution_start()] if self.config.hide_solutions else made


class RemoveHiddenSolutions(SphinxTransform):
    """Without solutions: remove each gated solution, from its start to its end marker."""

    default_priority = 5  # before sphinx-exercise merges gated solutions (10)

    def apply(self, **kwargs) -> None:
        if not self.config.hide_solutions:
            return
        for start in list(self.document.findall(hidden_solution_start)):
            parent = start.parent
            index = parent.index(start)
            end = next(
                (i for i in range(index, len(parent)) if isinstance(parent[i], solution_end_node)),
                index,
            )
            for child in parent.children[index : end + 1]:
                parent.remove(child)


# ------------------------------------------------------------------------------ events


def configure(app: Sphinx, config: Config) -> None:
    config.templates_path.insert(0, str(Path(__file__).parent / "templates"))
    if hide_solutions_requested():
        config.hide_solutions = True
        logger.info("reader_site: building without solutions (%s)", HIDE_SOLUTIONS_ENV)


def page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body") or ""
    chart = first_chart_id(body)
    context["hm_first_chart"] = chart
    context["hm_skip_link_text"] = SKIP_LINK_TEXT
    context["hm_without_unused_scripts"] = lambda html: without_unused_scripts(html, pagename)
    unused = []
    if chart is None and not VEGA_EMBED.search(body) and not STATIC_CHART.search(body):
        unused.append("vega-bundle.js")
    if not SPHINX_DESIGN.search(body):
        unused += ["sphinx-design.min.css", "design-tabs.js"]
    for key in ("script_files", "css_files"):
        if context.get(key) is not None:
            context[key] = [
                asset
                for asset in context[key]
                if not any(name in (getattr(asset, "filename", asset) or "") for name in unused)
            ]


def strip_downloads(app: Sphinx, exception: Exception | None) -> None:
    """In an assignments build, take the solutions out of the downloadable sources too."""
    if exception is not None or not app.config.hide_solutions or app.builder.format != "html":
        return
    sources = Path(app.outdir) / "_sources"
    for path in sources.rglob("*.md"):
        path.write_text(strip_solutions(path.read_text(encoding="utf-8")), encoding="utf-8")
    for path in sources.rglob("*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(strip_notebook_solutions(notebook), indent=1), encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", configure)
    app.add_node(hidden_solution_start)
    app.add_directive("solution-start", SolutionStart, override=True)
    app.add_transform(RemoveHiddenSolutions)
    app.add_css_file("reader.css")
    app.connect("html-page-context", page_context, priority=800)
    app.connect("build-finished", strip_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
