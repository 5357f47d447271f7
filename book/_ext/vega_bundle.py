"""Serve Vega, Vega-Lite and vega-embed from the built book instead of a CDN.

At ``builder-inited`` this writes the single self-contained bundle returned by
``vl_convert.javascript_bundle()`` (it defines ``window.vegaEmbed``, ``window.vega`` and
``window.vegaLite``) to ``<outdir>/_static/vendor/vega/vega-bundle.js`` and adds it to every
page as a module script, followed by the book's own ``hemomodels.js`` (and ``hemomodels.css``),
which draws the charts and runs the explorables that ``hemomodels.viz`` and
``hemomodels.widgets`` write into the pages as inert JSON.

The bundle is generated, never committed: it always matches the installed vl-convert-python and
the Vega-Lite version of the installed Altair (whose schema the chart specs use).
"""

from __future__ import annotations

import os
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from hemomodels.viz import STATIC_ENV

BUNDLE = "vendor/vega/vega-bundle.js"  # relative to _static

logger = logging.getLogger(__name__)


def vega_lite_version(schema_version: str) -> str:
    """Altair's schema version "v6.4.1" -> "6.4", the form vl-convert expects."""
    major, minor = schema_version.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def write_bundle(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    import altair
    import vl_convert

    target = Path(app.outdir) / "_static" / BUNDLE
    code = vl_convert.javascript_bundle(vl_version=vega_lite_version(altair.SCHEMA_VERSION))
    if not target.is_file() or target.read_text(encoding="utf-8") != code:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
        logger.info("vega_bundle: wrote %s (%d bytes)", target, len(code))
    app.add_js_file(BUNDLE, type="module")
    # Draws the charts and runs the explorables (after the bundle: module scripts run in order).
    app.add_js_file("hemomodels.js", type="module")
    app.add_css_file("hemomodels.css")


def setup(app: Sphinx) -> dict:
    # Notebook kernels started by this build inherit the environment: hemomodels then renders
    # charts and explorables as static, offline HTML (see hemomodels.viz.STATIC_ENV).
    os.environ[STATIC_ENV] = "1"
    app.connect("builder-inited", write_bundle)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
