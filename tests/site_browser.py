"""Opening built pages in headless Chromium, for the site tests (test_responsive.py,
test_site.py).

The built book (_build/html) is served from a local HTTP server on 127.0.0.1; Debian's
/usr/bin/chromium is driven through Playwright (its own browsers are never downloaded). Every
request to another host is blocked and recorded. A missing build fails the test, never skips
it.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from book_pages import toc_docnames
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOAD_TIMEOUT_MS = 30_000
DOCNAMES = toc_docnames()

# Resolves once MathJax has typeset the page and every chart has drawn its marks.
SETTLED_JS = """() => {
  const charts = [...document.querySelectorAll('.hemomodels-chart')];
  const drawn = charts.every(c => c.querySelector('svg g.role-mark'));
  const startup = window.MathJax && MathJax.startup;
  const math = startup && startup.promise ? startup.promise : null;
  return drawn && (math ? math.then(() => true) : true);
}"""


def require_build() -> Path:
    """The built book; a missing build (or page) fails the test with how to build it."""
    missing = [d for d in DOCNAMES if not (HTML / f"{d}.html").is_file()]
    if missing or not (HTML / "index.html").is_file():
        pytest.fail(
            f"The built book is missing or incomplete in {HTML} (missing: {missing}). "
            "Build it first with `make book` (`make test` does this before running pytest)."
        )
    return HTML


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serve(directory: Path = HTML) -> Iterator[str]:
    """http://127.0.0.1:<free port> serving ``directory`` while the block runs."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install it with `make chromium` (apt-get, as root).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Opened:
    """A page opened in its own browser context, with what happened while it loaded."""

    docname: str
    page: Page
    responses: list[tuple[str, int]] = field(default_factory=list)  # url, HTTP status
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed]
            + [f"HTTP {status}: {url}" for url, status in self.responses if status >= 400]
            + [f"request to another host (blocked): {url}" for url in self.blocked]
        )


def open_page(
    browser: Browser, origin: str, docname: str, *, width: int = 1366, theme: str = "light"
) -> Opened:
    """Open a page at a viewport width and colour theme; wait for maths and charts."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=theme, reduced_motion="reduce"
    )
    # the theme reads the reader's choice from localStorage before the first paint
    context.add_init_script(
        f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');"
    )
    page = context.new_page()
    opened = Opened(docname, page)

    def route(route):
        url = route.request.url
        if url.startswith((origin + "/", "data:", "blob:")):
            route.continue_()
        else:
            opened.blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    context.on("response", lambda r: opened.responses.append((r.url, r.status)))
    page.on(
        "console",
        lambda message: (
            opened.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: opened.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: opened.failed.append(f"{r.url} ({r.failure})"))
    page.goto(f"{origin}/{docname}.html", wait_until="networkidle", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(SETTLED_JS, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
    return opened


def screenshot(opened: Opened, what: str) -> Path:
    """Full-page screenshot under /tmp, named in failure messages."""
    name = opened.docname.replace("/", "_")
    path = Path("/tmp") / f"site-{name}-{what}.png"
    try:
        opened.page.screenshot(path=str(path), full_page=True, timeout=60_000)
    except Exception:  # a very long page: the viewport is enough to start from
        opened.page.screenshot(path=str(path), timeout=60_000)
    return path
