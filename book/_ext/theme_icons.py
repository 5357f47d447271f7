"""The theme's icons as a few inline SVG masks instead of Font Awesome's fonts and script.

pydata-sphinx-theme draws its icons with Font Awesome Free: a 1.5 MB script that swaps every
``<i class="fa-…">`` for an inline SVG (``reader_site.py`` leaves it out), and icon fonts of
274 KB that the theme's stylesheet uses for the same icons and for the marks of admonitions,
exercises, downloads and links. The book uses about thirty icons. At ``builder-inited`` this
reads their outlines from the theme's own ``fontawesome.js`` (so they always match the installed
theme) and writes ``_static/reader-icons.css``: each icon is a CSS mask filled with the text
colour (it follows light and dark mode), and no page downloads an icon font.

Font Awesome Free icons by Fonticons, Inc., https://fontawesome.com, licence CC BY 4.0
(https://fontawesome.com/license/free); the generated file says so in its header.

A theme whose ``fontawesome.js`` no longer holds an icon listed here fails the build, naming
the icon; ``tests/test_site.py`` checks that every ``fa-…`` icon on a built page has its rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

CSS = "reader-icons.css"  # relative to _static
logger = logging.getLogger(__name__)

# Icons of <i class="fa-solid fa-NAME"> (or fa-brands) elements in the theme's templates.
ELEMENT_ICONS = {
    "solid": [
        "angle-left",
        "angle-right",
        "arrow-up",
        "bars",
        "circle-half-stroke",
        "code",
        "download",
        "expand",
        "file",
        "file-pdf",
        "list",
        "magnifying-glass",
        "moon",
        "outdent",
        "rocket",
        "sun",
        "xmark",
        "compress",
        "ellipsis",
    ],
    "brands": ["github", "markdown", "gitlab"],
}

# Marks the theme's stylesheets draw with the icon font: selector -> (style, icon). The
# selectors are the themes' own, so that these rules win by coming later (a rule that hides a
# mark, such as sphinx-exercise's for solutions, is more specific and still wins).
_ADMONITIONS = {
    "": "bell",
    ".attention": "circle-exclamation",
    ".caution": "triangle-exclamation",
    ".warning": "triangle-exclamation",
    ".danger": "triangle-exclamation",
    ".error": "circle-xmark",
    ".hint": "lightbulb",
    ".tip": "lightbulb",
    ".important": "circle-exclamation",
    ".note": "circle-info",
    ".seealso": "share",
    ".admonition-todo": "pencil",
}
PSEUDO_ICONS = {
    f"{element}.admonition{kind}>.admonition-title::after": ("solid", icon)
    for kind, icon in _ADMONITIONS.items()
    for element in ("", "div")
}
PSEUDO_ICONS |= {
    "div.exercise p.admonition-title::after": ("solid", "pencil"),
}
# Marks inside a line of text
INLINE_ICONS = {
    "a.reference.download::before": ("solid", "download"),
    "a.github::before": ("brands", "github"),
    ".nav-link.nav-external::after": ("solid", "arrow-up-right-from-square"),
    "nav.bd-links li>a.reference.external::after": ("solid", "arrow-up-right-from-square"),
    "ul.bd-breadcrumbs li.breadcrumb-item:not(.breadcrumb-home)::before": ("solid", "angle-right"),
    "div#searchbox p.highlight-link a::before": ("solid", "magnifying-glass-minus"),
    "span.versionmodified::before": ("solid", "circle-exclamation"),
    ".bd-sidebar-secondary.hide:not(:hover) .onthispage::after": ("solid", "angle-down"),
}

# fontawesome.js registers each style's icons with d("fab", p), d("far", p), d("fas", p), in
# that order; an icon is  name:[width,height,[aliases],"unicode","svg path"].
PACK_CALL = re.compile(r'\bd\("(fab|far|fas)",p\)')
STYLE_OF_PACK = {"fab": "brands", "far": "regular", "fas": "solid"}


def fontawesome_js() -> Path:
    import pydata_sphinx_theme

    path = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static"
    return path / "scripts" / "fontawesome.js"


def icon_outlines(script: str) -> dict[tuple[str, str], tuple[int, int, str]]:
    """(style, name) -> (width, height, SVG path) for every icon in ``fontawesome.js``."""
    outlines: dict[tuple[str, str], tuple[int, int, str]] = {}
    start = 0
    for call in PACK_CALL.finditer(script):
        style = STYLE_OF_PACK[call.group(1)]
        segment = script[start : call.start()]
        for m in re.finditer(
            r'(?:"([a-z0-9-]+)"|\b([a-z0-9]+)):\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","(M[^"]+)"\]',
            segment,
        ):
            name = m.group(1) or m.group(2)
            outlines.setdefault((style, name), (int(m.group(3)), int(m.group(4)), m.group(5)))
        start = call.end()
    return outlines


def mask(width: int, height: int, path: str) -> str:
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'>"
        f"<path d='{path}'/></svg>"
    )
    encoded = quote(svg, safe=":/=' ")
    return f'url("data:image/svg+xml,{encoded}")'


def icons_css(outlines: dict[tuple[str, str], tuple[int, int, str]]) -> str:
    """The stylesheet: one custom property per icon, then the rules that use them."""
    wanted = {(style, name) for style, names in ELEMENT_ICONS.items() for name in names}
    wanted |= set(PSEUDO_ICONS.values()) | set(INLINE_ICONS.values())
    missing = sorted(f"{style} {name}" for style, name in wanted if (style, name) not in outlines)
    if missing:
        raise ExtensionError(f"theme_icons: not in the theme's fontawesome.js: {missing}")

    def var(style: str, name: str) -> str:
        return f"--hm-icon-{style}-{name}"

    lines = [
        "/* Icons of the book's theme as CSS masks (book/_ext/theme_icons.py, generated).",
        "   Font Awesome Free by Fonticons, Inc. (https://fontawesome.com), icons licensed",
        "   CC BY 4.0 (https://fontawesome.com/license/free). */",
        ":root {",
    ]
    for style, name in sorted(wanted):
        lines.append(f"  {var(style, name)}: {mask(*outlines[(style, name)])};")
    lines.append("}")
    # <i class="fa-solid fa-NAME">: no glyph from the font, a mask of the icon's proportions
    lines.append(
        ".fa-solid, .fa-regular, .fa-brands, .fas, .far, .fab { font-family: inherit; }\n"
        ":is(.fa-solid, .fa-regular, .fa-brands, .fas, .far, .fab)::before {\n"
        '  content: "" !important; display: inline-block; height: 1em; width: 1em;\n'
        "  vertical-align: -0.125em; background-color: currentColor;\n"
        "  -webkit-mask: var(--hm-icon) center / contain no-repeat;\n"
        "  mask: var(--hm-icon) center / contain no-repeat;\n"
        "}"
    )
    for style, names in ELEMENT_ICONS.items():
        classes = {"solid": ":is(.fa-solid, .fas)", "brands": ":is(.fa-brands, .fab)"}[style]
        for name in names:
            width, height, _ = outlines[(style, name)]
            lines.append(
                f"{classes}.fa-{name}::before {{ --hm-icon: var({var(style, name)}); "
                f"width: {width / height:.4g}em; }}"
            )
    # marks drawn by the theme's stylesheets
    for selector, (style, name) in (PSEUDO_ICONS | INLINE_ICONS).items():
        size = ""
        if selector in INLINE_ICONS:
            size = " display: inline-block; width: 0.8em; height: 0.8em; vertical-align: -0.05em;"
        lines.append(
            f'{selector} {{ content: ""; font: inherit; background-color: currentColor;{size}\n'
            f"  -webkit-mask: var({var(style, name)}) center / contain no-repeat;\n"
            f"  mask: var({var(style, name)}) center / contain no-repeat; }}"
        )
    return "\n".join(lines) + "\n"


def write_css(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    code = icons_css(icon_outlines(fontawesome_js().read_text(encoding="utf-8")))
    target = Path(app.outdir) / "_static" / CSS
    if not target.is_file() or target.read_text(encoding="utf-8") != code:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
        logger.info("theme_icons: wrote %s (%d bytes)", target, len(code))
    app.add_css_file(CSS)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", write_css)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
