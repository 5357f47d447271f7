"""The layers of the hemomodels package, as drawn in the API reference.

``BANDS`` is the single description of the layering: the figure is drawn from it, and
tests/test_figures.py checks it against the package's real imports (every module in exactly
one box, every import pointing to the same box or to a lower band).
"""

from __future__ import annotations

from dataclasses import dataclass

import svgkit as k
from svgkit import Canvas


@dataclass(frozen=True)
class Layer:
    title: str
    role: str
    modules: tuple[str, ...]  # top-level modules or subpackages of hemomodels


# top to bottom; a module may import from its own box or from any lower band
BANDS: tuple[tuple[Layer, ...], ...] = (
    (Layer("Book chapters", "prose, equations and a few calls per figure", ()),),
    (
        Layer("Explorables", "one module per chapter", ("explorables",)),
        Layer("Clinic comparisons", "published outcomes, recomputed", ("targets",)),
    ),
    (
        Layer("Charts and widgets", "", ("viz", "widgets", "figures")),
        Layer("Clinical read-outs", "", ("clinical",)),
        Layer("Cohorts and sweeps", "", ("cohorts", "sweep")),
    ),
    (Layer("Published models", "one file per model, registered by a decorator", ("models",)),),
    (
        Layer(
            "Engine",
            "declare a model; derive, solve and display it",
            (
                "spec",
                "declaration",
                "model",
                "display",
                "steady",
                "compile",
                "solver",
                "integrate",
                "doses",
                "result",
                "validation",
                "rules",
                "units",
                "errors",
                "cache",
                "bibliography",
                "sbml",
                "extras",
            ),
        ),
    ),
)
# hemomodels/__init__.py re-exports the engine's names and opens the other layers lazily
# (hm.models, hm.clinical, ...): it is the package's front door, not a layer.
FACADE = "__init__"

BAND_COLOURS = (k.GREY, k.BLUE, k.GREEN, k.VERMILLION, k.ORANGE)


def band_of(module: str) -> int:
    """Index (0 = top) of the band whose box lists ``module``."""
    for index, band in enumerate(BANDS):
        if any(module in layer.modules for layer in band):
            return index
    raise KeyError(module)


def box_of(module: str) -> Layer:
    for band in BANDS:
        for layer in band:
            if module in layer.modules:
                return layer
    raise KeyError(module)


def package_layers() -> Canvas:
    c = Canvas(
        height=0,
        title="The layers of the hemomodels package",
        desc=(
            "Five layers stacked from top to bottom, with arrows pointing down: a layer "
            "imports only from its own box or from the layers below it. Top: the book "
            "chapters (prose, equations and a few calls per figure). Then the explorables "
            "(one module per chapter) and the clinic comparisons (published outcomes, "
            "recomputed; module targets). Then charts and widgets (modules viz, widgets, "
            "figures), clinical read-outs (clinical) and cohorts and sweeps (cohorts, sweep). "
            "Then the published models (one file per model, registered by a decorator). At "
            "the bottom the engine, which declares a model and derives, solves and displays "
            "it: modules "
            + ", ".join(BANDS[-1][0].modules)
            + ". The package's __init__ file only re-exports names and opens the layers."
        ),
    )
    x0, x1, gap = 8.0, 352.0, 8.0
    y = 10.0
    arrow_gap = 24.0
    for index, band in enumerate(BANDS):
        colour = BAND_COLOURS[index]
        n = len(band)
        w = (x1 - x0 - gap * (n - 1)) / n
        contents = []
        for layer in band:
            body = k.wrap(layer.role, w - 16, 13) if layer.role else []
            mods = (
                ["book/*.md"]
                if not layer.modules
                else k.wrap("\u00a0· ".join(layer.modules), w - 16, 13, mono=True)
                if n == 1
                else list(layer.modules)
            )
            contents.append((layer, body, mods))
        heights = [
            c.box_height(w, body + mods, title=layer.title) for layer, body, mods in contents
        ]
        h = max(heights)
        for i, (layer, body, mods) in enumerate(contents):
            bx = x0 + i * (w + gap)
            c.open_group("box", layer.title)
            c.rect(bx, y, w, h, fill=colour[1], stroke=colour[0], rx=7)
            ty = c.text(bx + 8, y + 20, k.wrap(layer.title, w - 16, 13, bold=True), bold=True)
            if body:
                ty = c.text(bx + 8, ty + 16.25, body, size=13, fill=k.INK)
            c.text(bx + 8, ty + 16.25, mods, size=13, mono=True, fill=k.MUTED)
            c.close_group()
        y += h
        if index < len(BANDS) - 1:
            for ax in (70.0, 180.0, 290.0):
                c.line([(ax, y + 3), (ax, y + arrow_gap - 3)], stroke=k.MUTED, arrow=True)
            if index == 0:
                c.open_group("label", "imports from")
                c.text(78, y + 17, "imports from", size=13, italic=True, fill=k.MUTED)
                c.close_group()
            y += arrow_gap
    y += 20
    last = c.text(
        10,
        y,
        [
            "A module imports only from its own box or from",
            "a lower layer, never upwards. The package's",
            "__init__.py only re-exports names.",
        ],
        size=13,
        italic=True,
        fill=k.MUTED,
    )
    c.height = last + 14
    return c
