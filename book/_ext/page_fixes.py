"""Fix two defects in the HTML that Sphinx and docutils write for every page.

Both were found by the browser tests (tests/test_browser.py):

1. Inline scripts included twice. Sphinx 7.4 adds an inline script registered with
   ``app.add_js_file(None, body=...)`` after ``Builder.init()`` (sphinx-togglebutton at
   ``builder-inited``, sphinx-thebe at ``env-before-read-docs``) to the builder as filename
   ``None`` and again, in ``prepare_writing``, as filename ``""``; the two do not compare equal,
   so both reach the page. The second ``const THEBE_JS_URL = ...`` then throws
   "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared" on every page. This drops
   the repeated inline scripts (same body and attributes) from each page's script list.

2. Bibliography roles. docutils 0.21 writes the bibliography as ``<div role="list">`` holding
   ``<div role="doc-biblioentry">`` entries. DPUB-ARIA 1.1 deprecated ``doc-biblioentry``, so a
   list with no ``listitem`` children is reported by axe-core as a critical
   ``aria-required-children`` violation (and ``aria-deprecated-role``). The entries get
   ``role="listitem"``, which is what DPUB-ARIA recommends instead.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

_BIBLIOENTRY = re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"')


def _script_key(script: Any) -> tuple:
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {})
    return filename, tuple(sorted((k, str(v)) for k, v in attributes.items()))


def fix_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if scripts is not None:
        seen: set[tuple] = set()
        unique = []
        for script in scripts:
            key = _script_key(script)
            if key not in seen:
                seen.add(key)
                unique.append(script)
        context["script_files"] = unique
    body = context.get("body")
    if body and "doc-biblioentry" in body:
        context["body"] = _BIBLIOENTRY.sub(r'\1 role="listitem"', body)


def setup(app: Sphinx) -> dict:
    # Late priority: after other extensions have added their per-page scripts.
    app.connect("html-page-context", fix_page, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
