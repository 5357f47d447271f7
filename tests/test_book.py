"""Checks on the built book (_build/html) and on the strictness of the book build.

`make test` builds the book before running pytest. The `book` tests fail (never skip) when the
build output is missing. The strictness tests build a tiny throwaway book with the repository's
own _config.yml and the flags from the Makefile (`make print-build-flags`), and check that a
broken cross-reference or a failing code cell makes the build fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from book_pages import toc_docnames
from docutils.nodes import make_id

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
MATHJAX = "_static/vendor/mathjax/startup.js"
# MathJax's components the loader fetches (_config.yml mathjax3_config; book/_static/vendor/mathjax)
MATHJAX_COMPONENTS = (
    "core.js",
    "input/tex-base.js",
    "input/tex/extensions/ams.js",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "a11y/assistive-mml.js",
)
VEGA_BUNDLE = "_static/vendor/vega/vega-bundle.js"
# a chart element (not the words in a code example, as on the API page)
CHART_ELEMENT = re.compile(r'<div\b[^>]*\bclass="hemomodels-chart\b')

# Inline text that would fetch code from a CDN if it ran. sphinx-thebe's configuration names
# unpkg.com/thebe, but thebe is switched off: it is fetched only from a launch button that the
# book does not show.
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "fonts.googleapis.com")
ALLOWED_CDN_TEXT = ("https://unpkg.com/thebe@",)


# --------------------------------------------------------------------------------------------
# helpers


def source_of(docname: str) -> Path:
    for suffix in (".md", ".ipynb"):
        path = ROOT / f"{docname}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no source file for {docname!r} listed in _toc.yml")


class ResourceParser(HTMLParser):
    """Collects the URLs a page loads: <script src>, <link href> and (for context) ids."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "script" and attributes.get("src"):
            self.scripts.append(attributes)
        elif tag == "link" and attributes.get("href"):
            self.links.append(attributes)


def parse(path: Path) -> ResourceParser:
    parser = ResourceParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def is_remote(url: str | None) -> bool:
    return bool(url) and re.match(r"^(https?:)?//", url.strip(), re.IGNORECASE) is not None


def built_html() -> Path:
    """The built book; a missing build is a test failure (never a skip)."""
    if not (HTML / "index.html").is_file():
        pytest.fail(
            f"The built book is missing ({HTML / 'index.html'} does not exist). "
            "Build it first with `make book` (`make test` does this before running pytest)."
        )
    return HTML


def built_pages(html_dir: Path) -> list[Path]:
    return sorted(
        p for p in html_dir.rglob("*.html") if not p.relative_to(html_dir).parts[0].startswith("_")
    )


# --------------------------------------------------------------------------------------------
# the built book


@pytest.mark.book
def test_every_toc_page_is_built():
    html_dir = built_html()
    missing = [d for d in toc_docnames() if not (html_dir / f"{d}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML output: {missing}"


@pytest.mark.book
def test_no_page_loads_anything_from_the_network():
    html_dir = built_html()
    pages = built_pages(html_dir)
    assert pages, f"no HTML pages under {html_dir}"
    problems = []
    for page in pages:
        parsed = parse(page)
        name = page.relative_to(html_dir)
        urls = [s["src"] for s in parsed.scripts] + [lk["href"] for lk in parsed.links]
        problems += [f"{name}: loads {url}" for url in urls if is_remote(url)]
        text = page.read_text(encoding="utf-8")
        for allowed in ALLOWED_CDN_TEXT:
            text = text.replace(allowed, "")
        problems += [f"{name}: mentions CDN {host}" for host in CDN_HOSTS if host in text]
    for css in html_dir.joinpath("_static").rglob("*.css"):
        if re.search(r"""(url\(\s*['"]?|@import\s+['"])(https?:)?//""", css.read_text("utf-8")):
            problems.append(f"{css.relative_to(html_dir)}: loads a remote resource")
    assert not problems, "built pages load resources from other hosts:\n" + "\n".join(problems)


@pytest.mark.book
def test_mathjax_and_vega_are_served_from_the_build():
    html_dir = built_html()
    for relative, minimum_bytes in ((MATHJAX, 20_000), (VEGA_BUNDLE, 300_000)):
        path = html_dir / relative
        assert path.is_file(), f"{relative} is missing from the build"
        assert path.stat().st_size > minimum_bytes, f"{relative} is suspiciously small"
    assert "vegaEmbed" in (html_dir / VEGA_BUNDLE).read_text(encoding="utf-8")
    for component in MATHJAX_COMPONENTS:
        assert (html_dir / "_static/vendor/mathjax" / component).is_file(), component
    assert list((html_dir / "_static/vendor/mathjax/output/chtml/fonts/woff-v2").glob("*.woff"))

    pages_with_math = []
    for docname in toc_docnames():
        scripts = parse(html_dir / f"{docname}.html").scripts
        sources = {s["src"].split("?")[0].split("_static/")[-1]: s for s in scripts}
        # Sphinx adds MathJax only to pages that contain maths; it must then be the local copy.
        mathjax = [src for src in sources if "mathjax" in src.lower()]
        assert mathjax in ([], ["vendor/mathjax/startup.js"]), f"{docname}: MathJax is {mathjax}"
        if mathjax:
            pages_with_math.append(docname)
        # the Vega bundle on the pages that draw a chart (book/_ext/reader_site.py), once
        bundles = [s for s in scripts if "vega-bundle.js" in s["src"]]
        has_chart = bool(
            CHART_ELEMENT.search((html_dir / f"{docname}.html").read_text(encoding="utf-8"))
        )
        assert len(bundles) == has_chart, f"{docname}: vega bundle included {len(bundles)} times"
        if has_chart:
            vega = sources.get("vendor/vega/vega-bundle.js")
            assert vega is not None and vega.get("type") == "module", (
                f"{docname}: vega bundle must be a module script"
            )
    assert pages_with_math, "no page loads MathJax: is there no maths in the book?"


@pytest.mark.book
def test_bibliography_lists_every_cited_key():
    html_dir = built_html()
    cite = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
    cited = set()
    for docname in toc_docnames():
        for keys in cite.findall(source_of(docname).read_text(encoding="utf-8")):
            cited.update(key.strip() for key in keys.split(","))
    assert cited, "no {cite} roles found in the chapters listed in _toc.yml"

    references = html_dir / "book" / "references.html"
    ids = parse(references).ids
    missing = sorted(key for key in cited if make_id(f"cite-{key}") not in ids)
    assert not missing, f"cited keys missing from the bibliography page: {missing}"
    # provenance comments in references.bib ("% unverified: ...") must not be rendered
    assert "unverified" not in references.read_text(encoding="utf-8").lower()


# --------------------------------------------------------------------------------------------
# strictness of the build flags


def build_flags() -> list[str]:
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(ROOT), "print-build-flags"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "--warningiserror" in out or "-W" in out, out
    return out


CHAPTER_HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

See {cite:p}`friberg2002`.

"""


def build_tiny_book(tmp_path: Path, intro_extra: str = "", chapter_cell: str = "x = 1") -> str:
    """Build a two-page book with the repository's configuration; return the build log.

    Raises subprocess.CalledProcessError (with the log) when the build fails.
    """
    book = tmp_path / "book-root"
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    shutil.copytree(ROOT / "book" / "_static", book / "book" / "_static")
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "references.bib", book / "references.bib")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapter\n"
        "  - file: book/references\n",
        encoding="utf-8",
    )
    (book / "book" / "intro.md").write_text(f"# Intro\n\n{intro_extra}\n", encoding="utf-8")
    (book / "book" / "chapter.md").write_text(
        CHAPTER_HEADER + f"```{{code-cell}} ipython3\n{chapter_cell}\n```\n", encoding="utf-8"
    )
    shutil.copy(ROOT / "book" / "references.md", book / "book" / "references.md")
    # stray files a working copy has: exclude_patterns must keep them out of the build
    for stray in (".pytest_cache/README.md", "tests/notes.md", "bench/notes.md", "README.md"):
        (book / stray).parent.mkdir(parents=True, exist_ok=True)
        (book / stray).write_text("# Not part of the book\n", encoding="utf-8")

    bindir = Path(sys.executable).parent
    jupyter_book = shutil.which("jupyter-book", path=str(bindir)) or shutil.which("jupyter-book")
    assert jupyter_book, "jupyter-book is not installed in this environment"
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(
        [jupyter_book, "build", ".", *build_flags()],
        cwd=book,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, result.args, output=log)
    return log


def test_strict_build_of_a_clean_tiny_book_succeeds(tmp_path):
    """Control: the failures below come from the deliberate faults, not from the setup."""
    build_tiny_book(tmp_path)
    assert (tmp_path / "book-root" / "_build" / "html" / "book" / "chapter.html").is_file()


def test_strict_build_fails_on_a_broken_cross_reference(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failure:
        build_tiny_book(tmp_path, intro_extra="See {ref}`no-such-label-anywhere`.")
    assert "no-such-label-anywhere" in failure.value.output


def test_strict_build_fails_on_a_failing_code_cell(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failure:
        build_tiny_book(tmp_path, chapter_cell='raise RuntimeError("deliberate cell failure")')
    assert "deliberate cell failure" in failure.value.output
