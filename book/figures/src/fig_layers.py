"""The layers of the hemomodels package, as drawn in the API reference.

The layering is declared once, as import-linter's layers contract in pyproject.toml (which
``make lint`` enforces); ``BANDS`` reads it and adds the words shown in each box.
tests/test_figures.py also checks the figure against the package's real imports (every module
in exactly one box, every import pointing to the same box or to a lower band).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import svgkit as k
from svgkit import Canvas


@dataclass(frozen=True)
class Layer:
    title: str
    role: str
    modules: tuple[str, ...]  # top-level modules or subpackages of hemomodels


PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"

# Words for each box of the import-linter layers contract, keyed by the box's first module.
# The modules and their order come from pyproject.toml (the contract `make lint` enforces).
BOX_WORDS: dict[str, tuple[str, str]] = {
    "sources": ("Chapter provenance", "the generated Sources and confidence sections"),
    "explorables": ("Explorables", "one module per chapter"),
    "targets": ("Clinic comparisons", "published outcomes, recomputed"),
    "widgets": ("Widgets and book figures", "controls, live and static explorables"),
    "viz": ("Charts", "Altair and Vega-Lite"),
    "scenarios": ("Scenarios", "the chapters' clinical set-ups"),
    "clinical": ("Clinical read-outs", "grades, engraftment, thresholds"),
    "models": ("Published models", "one file per model, registered by a decorator"),
    "model": ("Engine", "declares, derives, solves, draws and shows a model"),
}


def contract_layers(pyproject: Path = PYPROJECT) -> list[list[tuple[str, ...]]]:
    """The layers contract of pyproject.toml: per layer (top first), its boxes of modules.

    In import-linter's notation a layer is a line, ``|`` separates independent boxes and ``:``
    joins the modules of one box, which may import each other.
    """
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [
        [tuple(m.strip() for m in box.split(":")) for box in line.split("|")]
        for line in contract["layers"]
    ]


def _band(boxes: list[tuple[str, ...]]) -> tuple[Layer, ...]:
    return tuple(Layer(*BOX_WORDS[modules[0]], modules) for modules in boxes)


# top to bottom; a module may import from its own box or from any lower band
BANDS: tuple[tuple[Layer, ...], ...] = (
    (Layer("Book chapters", "prose, equations and a few calls per figure", ()),),
    *(_band(boxes) for boxes in contract_layers()),
)
# hemomodels/__init__.py re-exports the engine's names and opens the other layers lazily
# (hm.models, hm.clinical, ...): it is the package's front door, not a layer.
FACADE = "__init__"

BAND_COLOURS = (k.GREY, k.PURPLE, k.BLUE, k.SKY, k.GREEN, k.VERMILLION, k.ORANGE)


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


def layers_description() -> str:
    """The figure in words (its SVG description), from the same bands it is drawn from."""
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
    parts = []
    for band in BANDS:
        boxes = [
            f"{layer.title.lower()} ({layer.role}; "
            + (", ".join(layer.modules) if layer.modules else "the chapter files")
            + ")"
            for layer in band
        ]
        parts.append(" and ".join(boxes))
    text = (
        f"{words.get(len(BANDS), len(BANDS))} layers stacked from top to bottom, with arrows "
        "pointing down: a module imports only from its own box or from the layers below it. "
        "From the top: " + "; then ".join(parts) + ". The package's __init__ file only "
        "re-exports names and opens the layers."
    )
    return text[0].upper() + text[1:]


def package_layers() -> Canvas:
    c = Canvas(
        height=0,
        title="The layers of the hemomodels package",
        desc=layers_description(),
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
