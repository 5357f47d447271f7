"""The built book in a real browser: offline, interactive, typeset and accessible.

`make test` builds the book, makes sure Debian's Chromium is installed and runs pytest; these
tests then serve `_build/html` from a local HTTP server on 127.0.0.1 and drive
`/usr/bin/chromium` through Playwright (sync API; one browser for the session; Playwright's own
browsers are never downloaded). For every page listed in `_toc.yml` they check that

- the page loads with no console error, no uncaught exception, no failed request and no HTTP
  error, and that every request goes to the local server (other hosts are blocked and reported);
- every chart (`.hemomodels-chart`, see hemomodels/viz.py) is an SVG with data marks, and every
  maths element is typeset by MathJax with no raw TeX left in the text;
- moving any slider of a static explorable changes the chart's lines, without any request;
- axe-core reports no serious or critical violation, and every slider has an accessible name;
- the page's own HTML plus the resources only it loads weigh at most 1.5 MB.

A missing build is a failure, never a skip. A summary (requests, axe counts by impact, page
weights) is written to `_build/browser-report.json`.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from book_pages import toc_docnames
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
REPORT = ROOT / "_build" / "browser-report.json"
LOAD_TIMEOUT_MS = 30_000
CHART_TIMEOUT_MS = 30_000
SLIDER_TIMEOUT_MS = 5_000
MAX_PAGE_BYTES = 1_500_000
# Resources every page shares: the theme's and the book's static files (MathJax, the Vega
# bundle, fonts, CSS) and the site-wide search index. They do not count towards a page's weight.
SHARED_RESOURCES = re.compile(r"^(_static/|searchindex\.js$)")
BLOCKING_IMPACTS = ("serious", "critical")

# --------------------------------------------------------------------------------------------
# page scripts (run in the browser)

# Data marks of a chart: Vega draws every mark in a group with class "role-mark"; axes, legends
# and titles have other roles.
CHART_STATE_JS = """chart => {
  const svg = chart.querySelector('svg');
  const paths = [...chart.querySelectorAll('svg g.role-mark path')];
  return {
    svg: !!svg,
    width: svg ? svg.getBoundingClientRect().width : 0,
    marks: paths.filter(p => (p.getAttribute('d') || '').length > 0).length
         + chart.querySelectorAll('svg g.role-mark line').length,
    lines: paths.filter(p => p.closest('g.mark-line') && (p.getAttribute('d') || '').length > 0)
                .length,
    error: chart.textContent.includes('Error') ? chart.textContent.slice(0, 200) : null,
  };
}"""

# The geometry of a chart's lines, to tell whether the rendered data changed.
LINE_PATHS_JS = """chart => [...chart.querySelectorAll('svg g.mark-line.role-mark path')]
  .map(p => p.getAttribute('d')).join('|')"""

ALL_CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('.hemomodels-chart')]
  .every(c => c.querySelector('svg g.role-mark'))"""

MATHJAX_DONE_JS = """() => (window.MathJax && MathJax.startup && MathJax.startup.promise)
  ? MathJax.startup.promise.then(() => true) : true"""

# Text nodes outside code, scripts and typeset maths that still contain TeX delimiters.
RAW_TEX_JS = r"""() => {
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
  const tex = /\$\$|\\begin\{|\\end\{|\\\(|\\\[|\\frac|\\left/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node; (node = walker.nextNode());) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip) || !tex.test(node.textContent)) continue;
    if (!parent.checkVisibility()) continue;
    found.push(node.textContent.trim().slice(0, 80));
  }
  return found;
}"""

# Every element Sphinx/myst-nb marks as maths, and whether MathJax typeset it.
MATH_ELEMENTS_JS = """() => [...document.querySelectorAll('.math')].map(el => ({
  text: el.textContent.trim().slice(0, 60),
  typeset: !!el.querySelector('mjx-container') || !!el.closest('mjx-container'),
}))"""

# The sliders of an explorable (hemomodels/widgets/html.py): HTML range inputs next to its chart.
SLIDERS_JS = """chart => {
  const root = chart.closest('.hm-explorable');
  return root ? [...root.querySelectorAll('input[type=range]')].map(el => ({
    name: el.id, min: +el.min, max: +el.max, step: +el.step, value: +el.value})) : [];
}"""

SET_SLIDER_JS = """([chart, name, value]) => {
  const el = chart.closest('.hm-explorable').querySelector(`#${CSS.escape(name)}`);
  el.value = String(value);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  return +el.value;
}"""

# What a reader sees of an explorable besides the chart: the value shown next to each slider,
# its aria-valuetext, and the live text description.
READOUT_JS = """([chart, name]) => {
  const root = chart.closest('.hm-explorable');
  const el = root.querySelector(`#${CSS.escape(name)}`);
  return {output: el.parentElement.querySelector('output').textContent,
          valuetext: el.getAttribute('aria-valuetext'),
          live: root.querySelector('[aria-live=polite]').textContent};
}"""

# The accessible name a slider gets from aria-label, aria-labelledby or a <label>.
SLIDER_LABELS_JS = """() => [...document.querySelectorAll('input[type=range]')].map(el => {
  const byId = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map(id => (document.getElementById(id) || {}).textContent || '').join(' ');
  const labels = [...(el.labels || [])].map(l => {
    const copy = l.cloneNode(true);
    copy.querySelectorAll('input, output').forEach(c => c.remove());
    return copy.textContent;
  }).join(' ');
  return {name: el.name, label: (el.getAttribute('aria-label') || byId || labels).trim()};
})"""


# --------------------------------------------------------------------------------------------
# helpers


DOCNAMES = toc_docnames()


def require_build() -> Path:
    """The built book; a missing build (or a missing page) fails the test, never skips it."""
    missing = [d for d in DOCNAMES if not (HTML / f"{d}.html").is_file()]
    if not (HTML / "index.html").is_file() or missing:
        pytest.fail(
            f"The built book is missing or incomplete in {HTML} (missing: "
            f"{missing or ['index.html']}). Build it first with `make book` "
            "(`make test` does this before running pytest)."
        )
    return HTML


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from the build without logging every request to stderr."""

    def log_message(self, format, *args):
        pass


@dataclass
class Visit:
    """One page opened in the browser, with everything observed while loading and using it."""

    docname: str
    url: str
    page: Page
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    load_problems: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything that went wrong while loading, one line each."""
        return (
            [f"request to another host (blocked): {url}" for url in self.blocked]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"uncaught exception: {text}" for text in self.page_errors]
            + [f"failed request: {text}" for text in self.failed_requests]
            + [f"HTTP error: {text}" for text in self.http_errors]
            + self.load_problems
        )

    def __repr__(self) -> str:
        return f"Visit({self.url})"

    def charts(self):
        """Locator of the page's hemomodels charts."""
        return self.page.locator(".hemomodels-chart")


def is_local(url: str, origin: str) -> bool:
    """Requests to the test server, or data:/blob: URLs, which never leave the browser."""
    return url.startswith((origin + "/", "data:", "blob:"))


def open_visit(browser: Browser, origin: str, docname: str) -> Visit:
    """Open a page in a fresh browser context, record its traffic and wait until it is drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    visit = Visit(docname, f"{origin}/{docname}.html", page)

    def route(route):
        url = route.request.url
        if is_local(url, origin):
            route.continue_()
        else:
            visit.blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            visit.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: visit.page_errors.append(str(error)))
    page.on(
        "requestfailed",
        lambda request: visit.failed_requests.append(f"{request.url} ({request.failure})"),
    )
    page.on(
        "response",
        lambda response: (
            visit.http_errors.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )

    page.goto(visit.url, wait_until="networkidle", timeout=LOAD_TIMEOUT_MS)
    try:
        page.wait_for_function(ALL_CHARTS_DRAWN_JS, timeout=CHART_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        visit.load_problems.append(f"charts not drawn within {CHART_TIMEOUT_MS / 1000:.0f} s")
    page.evaluate(MATHJAX_DONE_JS)
    page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
    return visit


def screenshot(visit: Visit, what: str) -> Path:
    """Full-page screenshot under /tmp, named in failure messages for diagnosis."""
    path = Path("/tmp") / f"browser-{visit.docname.replace('/', '_')}-{what}.png"
    visit.page.screenshot(path=str(path), full_page=True)
    return path


def local_path(url: str, origin: str) -> str:
    """Path of a local URL relative to the build ("book/intro.html")."""
    return unquote(urlsplit(url).path).lstrip("/") if url.startswith(origin) else ""


def page_weight(visit: Visit, origin: str) -> dict[str, int]:
    """Bytes of the page's HTML and of the local resources it loads that no other page shares."""
    html_bytes = (HTML / f"{visit.docname}.html").stat().st_size
    own = {
        path
        for url in visit.requests
        if (path := local_path(url, origin))
        and path != f"{visit.docname}.html"
        and not SHARED_RESOURCES.match(path)
        and (HTML / path).is_file()
    }
    own_bytes = sum((HTML / path).stat().st_size for path in own)
    return {
        "html_bytes": html_bytes,
        "own_resource_bytes": own_bytes,
        "total_bytes": html_bytes + own_bytes,
    }


def move_slider(visit: Visit, chart_index: int, slider: dict) -> str | None:
    """Move one slider a step and back; return a problem, or None if the lines changed."""
    chart = visit.charts().nth(chart_index).element_handle()
    name = slider["name"]
    if not slider["max"] > slider["min"] or not slider["step"] > 0:
        return (
            f"slider {name!r} cannot move: min={slider['min']}, max={slider['max']}, "
            f"step={slider['step']}, value={slider['value']}"
        )
    target = slider["value"] + slider["step"]
    if target > slider["max"] + 1e-12 * abs(slider["max"]):
        target = slider["value"] - slider["step"]
    before = visit.page.evaluate(LINE_PATHS_JS, chart)
    if not before:
        return f"chart {chart_index} has no line paths before moving {name!r}"
    shown = visit.page.evaluate(READOUT_JS, [chart, name])
    accepted = visit.page.evaluate(SET_SLIDER_JS, [chart, name, target])
    moved = visit.page.evaluate(READOUT_JS, [chart, name])
    if moved["output"] == shown["output"] or moved["valuetext"] != moved["output"]:
        return f"slider {name!r}: the value shown did not follow ({shown} -> {moved})"
    if moved["live"] == shown["live"]:
        return f"slider {name!r}: the text description did not change"
    try:
        visit.page.wait_for_function(
            f"chart => ({LINE_PATHS_JS})(chart) !== {json.dumps(before)}",
            arg=chart,
            timeout=SLIDER_TIMEOUT_MS,
        )
    except PlaywrightTimeoutError:
        return (
            f"moving slider {name!r} from {slider['value']} to {accepted} did not change "
            f"the chart's lines within {SLIDER_TIMEOUT_MS / 1000:.0f} s"
        )
    visit.page.evaluate(SET_SLIDER_JS, [chart, name, slider["value"]])
    try:
        visit.page.wait_for_function(
            f"chart => ({LINE_PATHS_JS})(chart) === {json.dumps(before)}",
            arg=chart,
            timeout=SLIDER_TIMEOUT_MS,
        )
    except PlaywrightTimeoutError:
        return f"moving slider {name!r} back to {slider['value']} did not restore the chart"
    return None


# --------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session")
def origin():
    """http://127.0.0.1:<free port> serving _build/html, for the whole session."""
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(chromium_browser):
    """Headless Debian Chromium driven by Playwright (never a downloaded browser), shared by
    the session (tests/conftest.py)."""
    return chromium_browser


@pytest.fixture(scope="session")
def report():
    """Per-page figures collected by the tests, written to _build/browser-report.json."""
    data: dict[str, dict] = {}
    yield data
    if not data:
        return
    summary = {"pages_tested": sorted(data), "pages": data}
    REPORT.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nbrowser report: {REPORT}")


@pytest.fixture(scope="session")
def visits(browser, origin, report):
    """Open each page once for the session (loading it is what the tests look at).

    The build is checked here, inside each test, so a missing build makes every test fail
    (rather than error in a fixture) with a message saying how to build it.
    """
    opened: dict[str, Visit] = {}

    def get(docname: str) -> Visit:
        require_build()
        if docname not in opened:
            opened[docname] = open_visit(browser, origin, docname)
            report.setdefault(docname, {})["url"] = opened[docname].url
        return opened[docname]

    yield get
    for visit in opened.values():
        visit.page.context.close()


@pytest.fixture(params=DOCNAMES)
def docname(request) -> str:
    """Each page listed in _toc.yml."""
    return request.param


# --------------------------------------------------------------------------------------------
# tests


def test_page_loads_cleanly_and_only_from_the_local_server(docname, visits, origin, report):
    visit = visits(docname)
    requests = list(visit.requests)
    others = [url for url in requests if not is_local(url, origin)]
    report[visit.docname].update(
        requests=len(requests),
        non_local_requests=others,
        errors=visit.problems(),
    )
    assert requests, f"{visit.docname}: no requests recorded"
    problems = visit.problems() + [f"request to another host: {url}" for url in others]
    assert not problems, f"{visit.docname} ({visit.url}):\n" + "\n".join(problems)


def test_every_chart_renders(docname, visits, report):
    visit = visits(docname)
    charts = visit.charts()
    states = [charts.nth(i).evaluate(CHART_STATE_JS) for i in range(charts.count())]
    report[visit.docname]["charts"] = len(states)
    broken = [
        f"chart {i}: {state}"
        for i, state in enumerate(states)
        if not (state["svg"] and state["width"] > 0 and state["marks"] > 0) or state["error"]
    ]
    if broken:
        broken.append(f"screenshot: {screenshot(visit, 'charts')}")
    assert not broken, f"{visit.docname}: charts without rendered marks:\n" + "\n".join(broken)


def test_every_math_element_is_typeset(docname, visits, report):
    visit = visits(docname)
    math = visit.page.evaluate(MATH_ELEMENTS_JS)
    containers = visit.page.locator("mjx-container").count()
    raw = visit.page.evaluate(RAW_TEX_JS)
    report[visit.docname]["math"] = {"elements": len(math), "mjx_containers": containers}
    problems = [f"not typeset: {m['text']!r}" for m in math if not m["typeset"]]
    if math and not containers:
        problems.append("the page has maths but no mjx-container")
    problems += [f"raw TeX visible in the text: {text!r}" for text in raw]
    if problems:
        problems.append(f"screenshot: {screenshot(visit, 'math')}")
    assert not problems, f"{visit.docname}:\n" + "\n".join(problems)


def test_sliders_change_the_chart_without_requests(docname, visits, report):
    visit = visits(docname)
    charts = visit.charts()
    requests_before = len(visit.requests)
    problems, moved = [], 0
    for index in range(charts.count()):
        for slider in charts.nth(index).evaluate(SLIDERS_JS):
            problem = move_slider(visit, index, slider)
            if problem:
                problems.append(f"chart {index}: {problem}")
            else:
                moved += 1
    new_requests = visit.requests[requests_before:]
    report[visit.docname]["sliders"] = {
        "moved": moved,
        "problems": problems,
        "requests_during_interaction": len(new_requests),
    }
    problems += [f"request during interaction: {url}" for url in new_requests]
    problems += [f"after interaction: {p}" for p in visit.problems()]
    if problems:
        problems.append(f"screenshot: {screenshot(visit, 'sliders')}")
    assert not problems, f"{visit.docname}:\n" + "\n".join(problems)


def test_axe_finds_no_serious_or_critical_violations(docname, visits, report):
    visit = visits(docname)
    labels = visit.page.evaluate(SLIDER_LABELS_JS)
    results = Axe().run(visit.page)
    violations = results.response["violations"]
    counts = Counter()
    for violation in violations:
        counts[violation["impact"]] += len(violation["nodes"])
    report[visit.docname]["axe"] = {
        "nodes_by_impact": dict(counts),
        "violations": [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "nodes": len(v["nodes"]),
                "targets": [n["target"] for n in v["nodes"]][:5],
            }
            for v in violations
        ],
    }
    blocking = [
        f"{v['impact']}: {v['id']} ({v['help']}) on "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]
    blocking += [f"slider {s['name']!r} has no accessible label" for s in labels if not s["label"]]
    assert not blocking, f"{visit.docname}:\n" + "\n".join(blocking)


def test_page_weight(docname, visits, origin, report):
    visit = visits(docname)
    weight = page_weight(visit, origin)
    report[visit.docname]["weight"] = weight
    assert weight["total_bytes"] <= MAX_PAGE_BYTES, (
        f"{visit.docname}: {weight['total_bytes']:,} bytes of page-specific HTML and resources "
        f"(limit {MAX_PAGE_BYTES:,}); HTML {weight['html_bytes']:,} bytes"
    )


# --------------------------------------------------------------------------------------------
# explorables as a reader uses them: choices, data tables, phones, dark mode, words not code

CHOICES_JS = """chart => {
  const root = chart.closest('.hm-explorable');
  return root ? [...root.querySelectorAll('input[type=radio]')].map(el => el.name + '|' + el.value)
              : [];
}"""

PICK_JS = """([chart, name, value]) => {
  const el = chart.closest('.hm-explorable')
    .querySelector(`input[type=radio][name="${name}"][value="${value}"]`);
  el.checked = true;
  el.dispatchEvent(new Event('change', {bubbles: true}));
}"""

TABLE_JS = """chart => {
  const root = chart.closest('.hm-explorable');
  if (!root) return null;
  const details = root.querySelector('details.hm-data');
  details.open = true;
  details.dispatchEvent(new Event('toggle'));
  const table = details.querySelector('table');
  return table ? {heads: [...table.querySelectorAll('th')].map(th => th.textContent),
                  rows: table.querySelectorAll('tbody tr').length,
                  first: [...table.querySelectorAll('tbody tr:first-child td')]
                    .map(td => td.textContent)} : {heads: [], rows: 0, first: []};
}"""

# Words a reader sees in charts (SVG text) and controls (labels, values, legends, readouts).
READER_TEXT_JS = """() => [...document.querySelectorAll('.hm-explorable, .hm-figure')]
  .flatMap(root => [...root.querySelectorAll(
      'svg text, label, legend, output, .hm-title, .hm-note, .hm-readout, summary, th')]
    .map(el => el.textContent))"""

GEOMETRY_JS = """() => ({
  viewport: window.innerWidth,
  charts: [...document.querySelectorAll('.hemomodels-chart svg')].map(svg => {
    const r = svg.getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width};
  }),
  outputs: [...document.querySelectorAll('.hm-explorable output')].map(el => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, text: el.textContent,
            visible: r.width > 0 && getComputedStyle(el).visibility !== 'hidden'};
  }),
})"""

CODE_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
WIDTHS = (390, 1366)


def test_choices_change_the_chart(docname, visits):
    visit = visits(docname)
    problems = []
    for index in range(visit.charts().count()):
        chart = visit.charts().nth(index).element_handle()
        options = visit.page.evaluate(CHOICES_JS, chart)
        for option in options[1:]:
            name, value = option.split("|")
            before = visit.page.evaluate(LINE_PATHS_JS, chart)
            visit.page.evaluate(PICK_JS, [chart, name, value])
            try:
                visit.page.wait_for_function(
                    f"chart => ({LINE_PATHS_JS})(chart) !== {json.dumps(before)}",
                    arg=chart,
                    timeout=SLIDER_TIMEOUT_MS,
                )
            except PlaywrightTimeoutError:
                problems.append(f"chart {index}: choosing option {value} of {name} changed nothing")
        if options:
            first_name, first_value = options[0].split("|")
            visit.page.evaluate(PICK_JS, [chart, first_name, first_value])
    assert not problems, f"{visit.docname}:\n" + "\n".join(problems)


def test_every_explorable_shows_its_data_as_a_table(docname, visits):
    visit = visits(docname)
    problems = []
    for index in range(visit.charts().count()):
        chart = visit.charts().nth(index).element_handle()
        table = visit.page.evaluate(TABLE_JS, chart)
        if table is None:
            continue  # a plain chart, not an explorable
        if table["rows"] < 10 or not table["heads"] or not table["heads"][0].startswith("Time"):
            problems.append(f"chart {index}: data table {table}")
        elif table["first"][0] != "0":
            problems.append(f"chart {index}: the table does not start at time 0: {table['first']}")
    assert not problems, f"{visit.docname}:\n" + "\n".join(problems)


def test_no_code_names_in_what_readers_see(docname, visits):
    visit = visits(docname)
    texts = visit.page.evaluate(READER_TEXT_JS)
    found = sorted({name for text in texts for name in CODE_NAME.findall(text)})
    assert not found, f"{visit.docname}: code names in charts or controls: {found}"


@pytest.mark.parametrize("width", WIDTHS)
def test_charts_and_slider_values_fit_the_screen(docname, browser, origin, width):
    require_build()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{origin}/{docname}.html", wait_until="networkidle", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(ALL_CHARTS_DRAWN_JS, timeout=CHART_TIMEOUT_MS)
        geometry = page.evaluate(GEOMETRY_JS)
    finally:
        context.close()
    viewport = geometry["viewport"]
    problems = []  # the page as a whole: tests/test_responsive.py
    for i, chart in enumerate(geometry["charts"]):
        if chart["left"] < 0 or chart["right"] > viewport + 0.5 or chart["width"] < 150:
            problems.append(f"chart {i} spans {chart['left']:.0f}-{chart['right']:.0f} px")
    for output in geometry["outputs"]:
        if not output["visible"] or output["left"] < 0 or output["right"] > viewport + 0.5:
            problems.append(f"slider value {output['text']!r} is not fully on screen")
    assert not problems, f"{docname} at {width} px:\n" + "\n".join(problems)


def test_charts_follow_the_dark_theme(browser, origin):
    require_build()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{origin}/book/hsc-biology.html", wait_until="networkidle")
        page.wait_for_function(ALL_CHARTS_DRAWN_JS, timeout=CHART_TIMEOUT_MS)
        fill = (
            "() => getComputedStyle(document.querySelector('.hemomodels-chart svg "
            "g.role-axis-label text')).fill"
        )
        light = page.evaluate(fill)
        page.evaluate("document.documentElement.dataset.theme = 'dark'")
        page.wait_for_function(f"() => ({fill})() !== {json.dumps(light)}", timeout=10_000)
        dark = page.evaluate(fill)
    finally:
        page.close()

    def brightness(colour: str) -> float:
        red, green, blue = (int(v) for v in re.findall(r"\d+", colour)[:3])
        return (red + green + blue) / 3

    assert brightness(dark) > 150 > brightness(light), (light, dark)
