"""Every page fits a phone (390 px) and a laptop (1366 px), in light and dark mode.

For each page listed in _toc.yml, in headless Chromium at each width:

- the document is no wider than the viewport (nothing makes the page scroll sideways);
- no visible element sticks out of the viewport, unless it sits inside a box that scrolls (or
  clips) horizontally and that box itself fits: wide tables and long equations scroll in their
  own box (``.hm-table-scroll``, pandas outputs, display maths; book/_static/reader.css).

Charts (``.hemomodels-chart``) fit their container and are checked like everything else; a
model diagram too wide for a phone at a readable text size scrolls inside its own box.
"""

from __future__ import annotations

import pytest
from site_browser import DOCNAMES, open_page, require_build, screenshot, serve

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
EXCLUDED = ""  # nothing is left out

# Visible elements whose box leaves the viewport horizontally and that no horizontally
# scrolling (or clipping) ancestor inside the viewport contains.
OVERFLOW_JS = """excluded => {
  const vw = document.documentElement.clientWidth;
  const fits = r => r.left >= -1 && r.right <= vw + 1;
  const scrolls = el => ['auto', 'scroll', 'hidden', 'clip']
    .includes(getComputedStyle(el).overflowX);
  const describe = el => {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '';
    const r = el.getBoundingClientRect();
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    const where = `[${Math.round(r.left)}, ${Math.round(r.right)}]`;
    return `${el.tagName.toLowerCase()}${id}${cls} ${where} "${text}"`;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (excluded && el.closest(excluded)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || fits(r)) continue;
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    let contained = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (!(a instanceof HTMLElement)) continue;  // an <svg> clips, it does not scroll
      if (scrolls(a)) { contained = fits(a.getBoundingClientRect()); break; }
    }
    if (!contained) found.push(describe(el));
  }
  // report the outermost offenders only
  return found.slice(0, 15);
}"""

WIDTH_JS = """() => ({
  viewport: document.documentElement.clientWidth,
  document: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
})"""


@pytest.fixture(scope="module")
def site(chromium_browser):
    require_build()
    with serve() as origin:
        yield chromium_browser, origin


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("docname", DOCNAMES)
def test_page_fits_the_viewport(site, docname, width, theme):
    browser, origin = site
    opened = open_page(browser, origin, docname, width=width, theme=theme)
    try:
        widths = opened.page.evaluate(WIDTH_JS)
        sticking_out = opened.page.evaluate(OVERFLOW_JS, EXCLUDED)
        problems = []
        if max(widths["document"], widths["body"]) > widths["viewport"]:
            problems.append(
                f"the page scrolls sideways: document {widths['document']} px, body "
                f"{widths['body']} px, viewport {widths['viewport']} px"
            )
        problems += [f"sticks out of the viewport: {element}" for element in sticking_out]
        if problems:
            problems.append(f"screenshot: {screenshot(opened, f'{width}-{theme}')}")
        assert not problems, f"{docname} at {width} px ({theme}):\n" + "\n".join(problems)
    finally:
        opened.page.context.close()
