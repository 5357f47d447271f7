"""The book's drawn figures (book/figures/*.svg) and every figure of the built book.

The SVG files are drawn by book/figures/src/build.py (``make figures``) and committed. These
tests check that

- each SVG is well-formed, accessible (``role="img"``, ``<title>``, ``<desc>``), made of real
  text in a font stack ending in a generic family, self-contained (no script, no external
  link), on an opaque white card (readable on light and dark pages), with text colours that
  contrast with every background they may sit on, and at least 12 px text on a phone;
- the committed files are exactly what their source draws, and each one is used by a page;
- the package-layers figure tells the truth: every module of ``hemomodels`` is in one box and
  every import points to the same box or to a lower layer;
- in the built book (``book`` mark) every page of ``_toc.yml`` except the bibliography has at
  least one figure, and every figure has a numbered caption and a text alternative;
- in Chromium (``browser`` mark) every drawn text stays inside its box, no two texts overlap,
  even in DejaVu Sans (the widest common fallback font), and on every page, at 390 px and
  1366 px, each drawn figure fits the viewport with text of at least 12 px.

Each checker is a function returning a list of problems; the tests also feed it broken input
to show that it can fail.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from book_pages import toc_docnames

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "book" / "figures"
SOURCE = FIGURES / "src"
HTML = ROOT / "_build" / "html"
PACKAGE = ROOT / "hemomodels"
SVG = "{http://www.w3.org/2000/svg}"
MIN_TEXT_PX = 12.0
# narrowest width at which the book shows a drawn figure at a 390 px viewport (measured: the
# image is 342 px wide there); the browser test measures the real width on every page
PHONE_FIGURE_PX = 340.0
#: Reference pages that list entries (the bibliography, the API reference's docstrings after its
#: first page, which has the package-layers figure) rather than teach with figures.
PAGES_WITHOUT_FIGURES = {
    "book/references",
    "book/api-models",
    "book/api-analysis",
    "book/api-exchange",
}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def svg_paths() -> list[Path]:
    return sorted(FIGURES.glob("*.svg"))


def load_source(name: str):
    """A module of book/figures/src, imported under a private name (they are scripts)."""
    if str(SOURCE) not in sys.path:
        sys.path.insert(0, str(SOURCE))
    private = f"_book_figures_{name}"
    if private in sys.modules:
        return sys.modules[private]
    spec = importlib.util.spec_from_file_location(private, SOURCE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[private] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------
# SVG checks (static)


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two hex colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _font_size(element: ElementTree.Element, inherited: float) -> float:
    size = element.get("font-size")
    return float(size) if size else inherited


def svg_problems(text: str) -> list[str]:
    """Everything that makes an SVG figure inaccessible, unreadable or not self-contained."""
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as error:
        return [f"not well-formed XML: {error}"]
    problems: list[str] = []
    if root.tag != f"{SVG}svg":
        return [f"root element is {root.tag}, not an SVG <svg>"]
    if root.get("role") != "img":
        problems.append('the <svg> has no role="img"')
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    if title is None or not (title.text or "").strip():
        problems.append("no <title> with text")
    if desc is None or len((desc.text or "").strip()) < 100:
        problems.append("no <desc> describing the figure (at least 100 characters)")
    labelled = (root.get("aria-labelledby") or "").split()
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    if not labelled or any(i not in ids for i in labelled):
        problems.append("aria-labelledby does not name the <title> and <desc>")
    try:
        _, _, vb_width, vb_height = (float(v) for v in root.get("viewBox", "").split())
    except ValueError:
        return [*problems, "no viewBox: the figure cannot scale"]
    if not root.get("width") or not root.get("height"):
        problems.append("no intrinsic width and height")
    family = root.get("font-family", "")
    if not family.rstrip().endswith(("sans-serif", "serif")):
        problems.append("the font stack does not end in a generic family")
    for tag in ("script", "foreignObject", "image", "style"):
        if root.find(f".//{SVG}{tag}") is not None:
            problems.append(f"contains <{tag}>")
    for element in root.iter():
        for key, value in element.attrib.items():
            if key.endswith("href") and not value.startswith("#"):
                problems.append(f"links outside the file: {value}")
    # an opaque white card as the first drawn element, covering the figure
    drawn = [e for e in root if e.tag not in (f"{SVG}title", f"{SVG}desc", f"{SVG}defs")]
    card = drawn[0] if drawn else None
    if (
        card is None
        or card.tag != f"{SVG}rect"
        or card.get("fill", "").lower() not in ("#fff", "#ffffff", "white")
        or float(card.get("width", 0)) < 0.98 * vb_width
        or float(card.get("height", 0)) < 0.98 * vb_height
    ):
        problems.append("the figure is not drawn on an opaque white card")
    # real text, large enough on a phone
    texts = list(root.iter(f"{SVG}text"))
    if len(texts) < 5:
        problems.append("fewer than 5 <text> elements: labels must be text, not paths")
    smallest = min(vb_width, 10_000.0)
    for element in texts:
        size = _font_size(element, float(root.get("font-size", 16)))
        sizes = [size] + [_font_size(t, size) for t in element.iter(f"{SVG}tspan")]
        smallest = min(smallest, *sizes)
        if not "".join(element.itertext()).strip():
            problems.append("an empty <text>")
    phone_px = smallest * PHONE_FIGURE_PX / vb_width
    if phone_px < MIN_TEXT_PX:
        problems.append(f"smallest text is {phone_px:.1f} px at {PHONE_FIGURE_PX:.0f} px wide")
    # colours: dark text against every light background; white text on its badge
    backgrounds = {
        e.get("fill").lower()
        for e in root.iter(f"{SVG}rect")
        if (e.get("fill") or "").startswith("#") and _luminance(e.get("fill")) > 0.5
    }
    previous: ElementTree.Element | None = None
    for element in root.iter():
        if element.tag == f"{SVG}text":
            fill = (element.get("fill") or "#000000").lower()
            if fill in ("#fff", "#ffffff"):
                badge = previous.get("fill", "#ffffff") if previous is not None else "#ffffff"
                if previous is None or previous.tag != f"{SVG}circle":
                    problems.append("white text not on a badge")
                elif contrast(fill, badge) < 4.5:
                    problems.append(f"white text on {badge}: contrast {contrast(fill, badge):.2f}")
            else:
                for background in backgrounds:
                    if contrast(fill, background) < 4.5:
                        problems.append(
                            f"text {fill} on {background}: contrast "
                            f"{contrast(fill, background):.2f} < 4.5"
                        )
        if element.tag != f"{SVG}tspan":
            previous = element
    return sorted(set(problems))


@pytest.mark.parametrize("path", svg_paths(), ids=lambda p: p.name)
def test_figure_is_accessible_readable_and_self_contained(path):
    assert svg_problems(path.read_text(encoding="utf-8")) == []


def test_there_are_drawn_figures():
    assert len(svg_paths()) >= 8


BROKEN_SVGS = {
    "no role": ('role="img" ', ""),
    "no desc": ("<desc", "<metadata"),
    "tiny text": ('font-size="13"', 'font-size="9"'),
    "pale text": ('fill="#1f1f1f"', 'fill="#bbbbbb"'),
    "no card": ('class="card"', 'class="card" fill-opacity="0" width="10"'),
    "external image": ("</svg>", '<image href="https://example.org/x.png"/></svg>'),
    "not xml": ("</svg>", "</svg"),
}


@pytest.mark.parametrize("fault", sorted(BROKEN_SVGS))
def test_svg_checker_rejects_a_broken_figure(fault):
    good = (FIGURES / "lineage-tree.svg").read_text(encoding="utf-8")
    old, new = BROKEN_SVGS[fault]
    assert old in good
    assert svg_problems(good.replace(old, new)), f"the checker missed: {fault}"


def test_committed_figures_are_what_their_source_draws():
    drawn = load_source("build").render_all()
    committed = {p.name: p.read_text(encoding="utf-8") for p in svg_paths()}
    assert sorted(drawn) == sorted(committed), "figures without source, or not written yet"
    stale = sorted(name for name in drawn if drawn[name] != committed[name])
    assert not stale, f"{stale} differ from book/figures/src: run `make figures` and commit"


def test_every_figure_is_used_by_a_page():
    sources = "\n".join(
        (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        for doc in toc_docnames()
        if (ROOT / f"{doc}.md").is_file()
    )
    unused = [p.name for p in svg_paths() if f"figures/{p.name}" not in sources]
    assert not unused, f"figures no page shows: {unused}"


# --------------------------------------------------------------------------------------------
# the package-layers figure against the real imports


def _unit(path: Path) -> str:
    """Top-level module or subpackage of hemomodels that a file belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def package_imports() -> set[tuple[str, str]]:
    """(importer, imported) pairs of hemomodels top-level units, from every import statement."""
    edges: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ["hemomodels", *path.relative_to(PACKAGE).with_suffix("").parts]
        package = module[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[list[str]] = []
            if isinstance(node, ast.Import):
                targets = [alias.name.split(".") for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                else:
                    base = []
                named = node.module.split(".") if node.module else []
                if named or not node.level:
                    targets = [base + named]
                else:
                    targets = [base + [alias.name] for alias in node.names]
            for target in targets:
                if len(target) >= 2 and target[0] == "hemomodels":
                    edges.add((_unit(path), target[1]))
    return edges


def layer_problems(edges: set[tuple[str, str]], units: set[str], layers) -> list[str]:
    """Imports that go upwards or sideways between boxes, and units the figure misplaces."""
    problems = []
    listed = [m for band in layers.BANDS for layer in band for m in layer.modules]
    for unit in sorted(units - {layers.FACADE}):
        if listed.count(unit) != 1:
            problems.append(f"hemomodels.{unit} is in {listed.count(unit)} boxes of the figure")
    for unit in sorted(set(listed) - units):
        problems.append(f"the figure lists hemomodels.{unit}, which does not exist")
    for source, target in sorted(edges):
        if layers.FACADE in (source, target) or source == target:
            continue
        try:
            same_box = layers.box_of(source) == layers.box_of(target)
            downwards = layers.band_of(target) > layers.band_of(source)
        except KeyError:
            continue  # reported above
        if not (same_box or downwards):
            problems.append(f"hemomodels.{source} imports hemomodels.{target}, not below it")
    return problems


def test_package_layers_figure_matches_the_imports():
    layers = load_source("fig_layers")
    units = {_unit(p) for p in PACKAGE.rglob("*.py")}
    edges = package_imports()
    assert ("models", "model") in edges and ("explorables", "widgets") in edges  # sanity
    assert layer_problems(edges, units, layers) == []


def test_layer_check_catches_an_upward_import_and_a_missing_module():
    layers = load_source("fig_layers")
    units = {_unit(p) for p in PACKAGE.rglob("*.py")}
    problems = layer_problems(
        package_imports() | {("spec", "models")}, units | {"newmodule"}, layers
    )
    assert any("spec imports hemomodels.models" in p for p in problems)
    assert any("newmodule is in 0 boxes" in p for p in problems)


# --------------------------------------------------------------------------------------------
# figures in the built book


@dataclass
class Figure:
    id: str | None
    imgs: list[dict[str, str]] = field(default_factory=list)
    labelled: bool = False  # an element with role="img" and an accessible name, or aria-label
    caption: str = ""
    numbered: bool = False


class FigureParser(HTMLParser):
    """Collects each <figure> of a page: its images, caption text and caption number."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[Figure] = []
        self._depth = 0
        self._in_caption = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            if self._depth == 0:
                self.figures.append(Figure(attrs.get("id")))
            self._depth += 1
            return
        if not self._depth:
            return
        figure = self.figures[-1]
        if tag == "img":
            figure.imgs.append({k: v or "" for k, v in attrs.items()})
        if attrs.get("aria-label") or (
            attrs.get("role") == "img" and (attrs.get("aria-labelledby") or attrs.get("title"))
        ):
            figure.labelled = True
        if tag == "figcaption":
            self._in_caption += 1
        if "caption-number" in (attrs.get("class") or ""):
            figure.numbered = True

    def handle_endtag(self, tag):
        if tag == "figure" and self._depth:
            self._depth -= 1
        elif tag == "figcaption" and self._in_caption:
            self._in_caption -= 1

    def handle_data(self, data):
        if self._depth and self._in_caption:
            self.figures[-1].caption += data


def figures_of(html: str) -> list[Figure]:
    parser = FigureParser()
    parser.feed(html)
    return parser.figures


def figure_problems(html: str, page: Path | None = None) -> list[str]:
    """Figures without a numbered caption or a text alternative, and broken image links."""
    problems = []
    figures = figures_of(html)
    if not figures:
        problems.append("no figure")
    for n, figure in enumerate(figures, 1):
        where = f"figure {n} ({figure.id or 'no id'})"
        caption = re.sub(r"Fig\.\s*\d+[.\d]*", "", figure.caption).strip(" #\n")
        if len(caption) < 20:
            problems.append(f"{where}: no caption")
        if not figure.numbered or not figure.id:
            problems.append(f"{where}: not numbered or not linkable")
        if not figure.imgs and not figure.labelled:
            problems.append(f"{where}: no image with alt text and no labelled graphic")
        for img in figure.imgs:
            alt, src = img.get("alt", "").strip(), img.get("src", "")
            if len(alt) < 40 or alt == Path(src).name or alt == Path(src).stem:
                problems.append(f"{where}: alt text {alt!r} does not describe the figure")
            if page is not None and not (page.parent / src).is_file():
                problems.append(f"{where}: image {src} is missing from the build")
    return problems


def built(docname: str) -> Path:
    page = HTML / f"{docname}.html"
    if not page.is_file():
        pytest.fail(f"{page} is missing: build the book with `make book` first")
    return page


@pytest.mark.book
@pytest.mark.parametrize("docname", [d for d in toc_docnames() if d not in PAGES_WITHOUT_FIGURES])
def test_every_page_has_a_captioned_figure_with_alt_text(docname):
    page = built(docname)
    assert figure_problems(page.read_text(encoding="utf-8"), page) == []


@pytest.mark.book
def test_every_drawn_figure_appears_in_the_built_book():
    shown = {
        Path(img["src"]).name
        for docname in toc_docnames()
        for figure in figures_of(built(docname).read_text(encoding="utf-8"))
        for img in figure.imgs
    }
    missing = [p.name for p in svg_paths() if p.name not in shown]
    assert not missing, f"drawn figures not shown in the built book: {missing}"


BROKEN_PAGES = {
    "no figure": "<p>text only</p>",
    "no alt": (
        '<figure id="fig-a"><img src="x.svg" alt=""><figcaption><span class="caption-number">'
        "Fig. 1 </span>A caption long enough to count as one.</figcaption></figure>"
    ),
    "no caption": (
        '<figure id="fig-a"><img src="x.svg" alt="A tree of blood cells from the stem cell to '
        'the blood"></figure>'
    ),
    "chart without a name": (
        '<figure id="fig-a"><div class="chart"></div><figcaption><span class="caption-number">'
        "Fig. 1 </span>A caption long enough to count as one.</figcaption></figure>"
    ),
}


@pytest.mark.parametrize("fault", sorted(BROKEN_PAGES))
def test_figure_checker_rejects_a_page_without_proper_figures(fault):
    assert figure_problems(BROKEN_PAGES[fault]), f"the checker missed: {fault}"


def test_figure_checker_accepts_a_labelled_chart():
    html = (
        '<figure id="fig-a"><div role="img" aria-label="Neutrophil count over 21 days"></div>'
        '<figcaption><span class="caption-number">Fig. 1 </span>A caption long enough to '
        "count.</figcaption></figure>"
    )
    assert figure_problems(html) == []


# --------------------------------------------------------------------------------------------
# in the browser: layout of the drawn text, and the figures on every page at two widths

LAYOUT_JS = """() => {
  const svg = document.querySelector('svg');
  const vb = svg.viewBox.baseVal;
  const problems = [];
  const texts = [...svg.querySelectorAll('text')];
  const boxes = texts.map(t => t.getBBox());
  const name = t => JSON.stringify(t.textContent.slice(0, 30));
  boxes.forEach((b, i) => {
    if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 ||
        b.y + b.height > vb.y + vb.height + 0.5)
      problems.push('outside the figure: ' + name(texts[i]));
  });
  for (const group of svg.querySelectorAll('g.box')) {
    const rect = group.querySelector('rect').getBBox();
    for (const t of group.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.x < rect.x + 1 || b.x + b.width > rect.x + rect.width - 1 ||
          b.y < rect.y || b.y + b.height > rect.y + rect.height)
        problems.push('out of its box: ' + name(t));
    }
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const dx = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
    const dy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
    if (dx > 0.5 && dy > 0.5) problems.push('overlap: ' + name(texts[i]) + ' / ' + name(texts[j]));
  }
  return problems;
}"""

PAGE_FIGURES_JS = """() => [...document.querySelectorAll('figure img[src$=".svg"]')].map(img => {
  const r = img.getBoundingClientRect();
  return {src: img.getAttribute('src'), left: r.left, right: r.right, width: r.width,
          natural: img.naturalWidth};
})"""


class BrowserThread:
    """Headless Chromium driven from a thread of its own.

    Playwright's sync API refuses to start where an event loop already runs, as it does once
    tests/test_browser.py has opened its session-wide browser; a separate thread has no loop.
    ``run(fn, *args)`` calls ``fn(browser, *args)`` in that thread and returns its result.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="figures-browser")
        self._playwright = None
        self._browser = None

    def run(self, fn, *args):
        def task():
            if self._browser is None:
                from playwright.sync_api import sync_playwright

                self._playwright = sync_playwright().start()
                self._browser = self._playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
                )
            return fn(self._browser, *args)

        return self._pool.submit(task).result()

    def close(self) -> None:
        def task():
            if self._browser is not None:
                self._browser.close()
                self._playwright.stop()

        self._pool.submit(task).result()
        self._pool.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install it with `make chromium` (apt-get, as root).")
    thread = BrowserThread()
    yield thread
    thread.close()


def layout_problems(browser, svg_text: str, font: str | None) -> list[str]:
    page = browser.new_page(viewport={"width": 600, "height": 800})
    try:
        style = f"<style>svg text {{ font-family: '{font}' !important; }}</style>" if font else ""
        body = re.sub(r"^<\?xml[^>]*>\s*", "", svg_text)
        page.set_content(f"<!doctype html><html><head>{style}</head><body>{body}</body></html>")
        return page.evaluate(LAYOUT_JS)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", svg_paths(), ids=lambda p: p.name)
def test_drawn_text_fits_its_boxes_without_overlap(browser, path):
    svg = path.read_text(encoding="utf-8")
    for font in (None, "DejaVu Sans"):
        problems = browser.run(layout_problems, svg, font)
        assert problems == [], f"font: {font or 'the figure stack'}"


@pytest.mark.browser
def test_layout_check_catches_overflow_and_overlap(browser):
    svg = (FIGURES / "transplant-pathway.svg").read_text(encoding="utf-8")
    assert "gentler; relies" in svg
    overflowing = svg.replace("gentler; relies", "gentler, much gentler; relies", 1)
    assert any("out of its box" in p for p in browser.run(layout_problems, overflowing, None))
    first_text = re.search(r"<text [^>]*>[^<]+</text>", svg).group(0)
    overlapping = svg.replace("</svg>", first_text + "</svg>")
    assert any("overlap" in p for p in browser.run(layout_problems, overlapping, None))


def page_figure_problems(browser, width, view_box_widths, smallest_font):
    """(drawn figures seen, problems) over every page of _toc.yml at ``width`` px."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    seen = 0
    try:
        for docname in toc_docnames():
            page.goto(built(docname).as_uri())
            for image in page.evaluate(PAGE_FIGURES_JS):
                name = Path(image["src"]).name
                if name not in view_box_widths:
                    continue
                seen += 1
                where = f"{docname} {name} at {width} px"
                if image["natural"] == 0:
                    problems.append(f"{where}: image did not load")
                if image["left"] < 0 or image["right"] > width:
                    problems.append(f"{where}: outside the viewport")
                px = smallest_font[name] * image["width"] / view_box_widths[name]
                if px < MIN_TEXT_PX:
                    problems.append(f"{where}: smallest text {px:.1f} px")
    finally:
        context.close()
    return seen, problems


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_drawn_figures_fit_the_page_with_readable_text(browser, width):
    view_box_widths = {}
    smallest_font = {}
    for path in svg_paths():
        root = ElementTree.fromstring(path.read_bytes())
        view_box_widths[path.name] = float(root.get("viewBox").split()[2])
        sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
        smallest_font[path.name] = min(sizes)
    seen, problems = browser.run(page_figure_problems, width, view_box_widths, smallest_font)
    assert seen >= len(view_box_widths)
    assert problems == []
