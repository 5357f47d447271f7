"""The haematopoietic lineage tree, drawn as an indented tree: marrow on the left, blood on
the right, one row per cell type, so it reads on a phone without sideways scrolling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import svgkit as k
from svgkit import Canvas

MARROW = (8.0, 234.0)
BLOOD = (240.0, 352.0)
INDENT = 14.0
PILL_PAD = 5.0
LEAF_PITCH = 27.0


@dataclass(frozen=True)
class Node:
    key: str
    lines: tuple[str, ...]
    level: int
    colour: tuple[str, str]
    parent: str | None
    glyph: Callable[[Canvas, float, float], None] | None = None
    in_blood: bool = False
    note: str | None = None  # a label on the connector (blood leaves)
    myeloid: bool = False


def _tree() -> list[Node]:
    o, v, p, b, g = k.ORANGE, k.VERMILLION, k.PURPLE, k.BLUE, k.GREEN
    return [
        Node("hsc", ("Haematopoietic stem cell", "renews itself"), 0, o, None, myeloid=True),
        Node("mpp", ("Multipotent progenitor",), 1, o, "hsc", myeloid=True),
        Node("cmp", ("Common myeloid", "progenitor"), 2, v, "mpp", myeloid=True),
        Node("mep", ("Megakaryocyte–", "erythroid progenitor"), 3, v, "cmp", myeloid=True),
        Node("ery", ("Erythroblasts",), 4, v, "mep", myeloid=True),
        Node("retic", ("Reticulocyte",), 4, v, "ery", k.reticulocyte, True, myeloid=True),
        Node("rbc", ("Red cell",), 4, v, "retic", k.red_cell, True, myeloid=True),
        Node("mk", ("Megakaryocyte",), 4, p, "mep", myeloid=True),
        Node("plt", ("Platelets",), 4, p, "mk", k.platelets, True, myeloid=True),
        Node("gmp", ("Granulocyte–monocyte", "progenitor"), 3, b, "cmp", myeloid=True),
        Node(
            "neu",
            ("Neutrophil",),
            4,
            b,
            "gmp",
            lambda c, x, y: k.granulocyte(c, x, y, 3),
            True,
            myeloid=True,
        ),
        Node(
            "eos",
            ("Eosinophil",),
            4,
            b,
            "gmp",
            lambda c, x, y: k.granulocyte(c, x, y, 2, "#e07b39"),
            True,
            myeloid=True,
        ),
        Node(
            "baso",
            ("Basophil",),
            4,
            b,
            "gmp",
            lambda c, x, y: k.granulocyte(c, x, y, 2, "#2b1f55"),
            True,
            myeloid=True,
        ),
        Node("mono", ("Monocyte",), 4, b, "gmp", k.monocyte, True, myeloid=True),
        Node("clp", ("Common lymphoid", "progenitor"), 2, g, "mpp"),
        Node("bcell", ("B cell",), 3, g, "clp", k.lymphocyte, True),
        Node("tcell", ("T cell",), 3, g, "clp", k.lymphocyte, True, note="matures in the thymus"),
        Node("nk", ("NK cell",), 3, g, "clp", lambda c, x, y: k.lymphocyte(c, x, y, True), True),
    ]


def lineage_tree(highlight_myeloid: bool = False) -> Canvas:
    """The lineage tree; with ``highlight_myeloid`` the lymphoid branch is greyed out and the
    myeloid branch, where myeloid leukaemias arise, is outlined."""
    nodes = _tree()
    title = (
        "The myeloid branch of the haematopoietic lineage tree"
        if highlight_myeloid
        else "The haematopoietic lineage tree"
    )
    desc = (
        "An indented tree with the bone marrow on the left and the blood on the right. "
        "A haematopoietic stem cell, which renews itself, gives rise to multipotent "
        "progenitors. These split into a common myeloid progenitor and a common lymphoid "
        "progenitor. The myeloid progenitor gives a megakaryocyte–erythroid progenitor, whose "
        "erythroblasts release reticulocytes into the blood that mature into red cells and whose "
        "megakaryocytes shed platelets into the blood, and a granulocyte–monocyte progenitor, "
        "which gives the neutrophils, eosinophils, basophils and monocytes of the blood. The "
        "lymphoid progenitor gives B cells, T cells (which mature in the thymus) and NK cells. "
        "A note says that the scheme is a simplification: stem and progenitor cells form a "
        "continuum rather than discrete steps."
    )
    if highlight_myeloid:
        desc += (
            " In this version the myeloid branch, from the stem cell to red cells, platelets, "
            "granulocytes and monocytes, is outlined and labelled as the branch in which "
            "chronic and acute myeloid leukaemia arise; the lymphoid branch is grey."
        )
    c = Canvas(height=0, title=title, desc=desc)
    top = 40.0
    # zone backgrounds are drawn first; their height is known after the layout
    zone_index = len(c.parts)

    centre: dict[str, float] = {}
    left: dict[str, float] = {}
    bottom: dict[str, float] = {}
    right: dict[str, float] = {}
    y = top + 8
    previous_in_blood_parent: str | None = None
    outline_rows: list[float] = []
    for node in nodes:
        grey = highlight_myeloid and not node.myeloid
        colour = k.GREY if grey else node.colour
        if node.in_blood and node.parent in ("ery", "mk"):
            # released from the marrow cell on the row above: same row as that cell
            row_y = centre[node.parent]
        elif node.in_blood and node.parent == "retic":
            row_y = centre["retic"] + LEAF_PITCH
            y = row_y + LEAF_PITCH / 2 + 2
        elif node.in_blood:
            row_y = y + LEAF_PITCH / 2
            y += LEAF_PITCH
        else:
            row_y = None
        if node.in_blood:
            assert row_y is not None
            gx = BLOOD[0] + 17
            if node.glyph and not grey:
                node.glyph(c, gx, row_y)
            elif node.glyph:
                c.circle(gx, row_y, 7.5, fill=k.GREY[1], stroke=k.GREY[0])
            c.open_group("label", node.lines[0])
            c.text(gx + 14, row_y + 4.6, node.lines[0], fill=k.MUTED if grey else k.INK)
            c.close_group()
            centre[node.key] = row_y
            left[node.key] = gx - 10
            bottom[node.key] = row_y + 9
            _connect_leaf(c, node, centre, left, right, bottom, colour[0])
            previous_in_blood_parent = node.parent
            outline_rows.append(row_y)
            continue
        # a marrow cell: a pill on its own row
        y += 4 if previous_in_blood_parent else 0
        previous_in_blood_parent = None
        x = MARROW[0] + 8 + node.level * INDENT
        w = max(k.text_width(line, 13) for line in node.lines) + 2 * PILL_PAD + 4
        if node.key == "hsc":
            w += 22  # room for the self-renewal loop
        assert x + w <= MARROW[1] - 2, f"{node.lines} crosses into the blood column"
        bottom_y = c.box(x, y, w, list(node.lines), colour, pad=PILL_PAD, rx=9)
        centre[node.key] = (y + bottom_y) / 2
        left[node.key] = x
        right[node.key] = x + w
        bottom[node.key] = bottom_y
        if node.key == "hsc":
            _self_renewal_loop(c, x + w - 15, centre["hsc"], colour[0])
        if node.parent:
            spine_x = left[node.parent] + 12
            c.line(
                [
                    (spine_x, bottom[node.parent]),
                    (spine_x, centre[node.key]),
                    (x, centre[node.key]),
                ],
                stroke=colour[0],
            )
        outline_rows.append(centre[node.key])
        y = bottom_y + 6
    end = y + 6
    # footnote
    note_y = end + 16
    last = c.text(
        MARROW[0] + 6,
        note_y,
        [
            "A simplified, classical scheme: stem and",
            "progenitor cells form a continuum rather",
            "than a series of discrete steps.",
        ],
        size=13,
        italic=True,
        fill=k.MUTED,
    )
    c.height = last + 14
    zones = Canvas(height=0, title="", desc="")
    zones.rect(MARROW[0], 8, MARROW[1] - MARROW[0], end - 8, fill=k.MARROW_FILL, rx=9)
    zones.rect(BLOOD[0], 8, BLOOD[1] - BLOOD[0], end - 8, fill=k.BLOOD_FILL, rx=9)
    zones.text(MARROW[0] + 8, 28, "Bone marrow", size=14, bold=True)
    zones.text(BLOOD[0] + 8, 28, "Blood", size=14, bold=True)
    c.parts[zone_index:zone_index] = zones.parts
    if highlight_myeloid:
        _myeloid_outline(c, centre, bottom, end)
    return c


def _connect_leaf(c, node, centre, left, right, bottom, stroke) -> None:
    """Arrow from the parent (a spine below a progenitor, or a marrow cell) to a blood cell."""
    target = (left[node.key] - 2, centre[node.key])
    if node.parent == "retic":
        x = left["retic"] + 10
        c.line([(x, bottom["retic"] + 1), (x, centre[node.key] - 10)], stroke=stroke, arrow=True)
        return
    if node.parent in ("ery", "mk"):
        c.line([(right[node.parent], centre[node.key]), target], stroke=stroke, arrow=True)
        return
    spine_x = left[node.parent] + 12
    c.line(
        [(spine_x, bottom[node.parent]), (spine_x, centre[node.key]), target],
        stroke=stroke,
        arrow=True,
    )
    if node.note:
        c.open_group("label", node.note)
        c.text(spine_x + 14, centre[node.key] - 5, node.note, size=13, italic=True, fill=k.MUTED)
        c.close_group()


def _self_renewal_loop(c: Canvas, x: float, y: float, stroke: str) -> None:
    c.path(
        f"M{k.fmt(x + 6)} {k.fmt(y - 3)} A7 7 0 1 0 {k.fmt(x + 6.5)} {k.fmt(y + 3)}",
        stroke=stroke,
        width=1.8,
        arrow=True,
    )


def _myeloid_outline(c: Canvas, centre, bottom, end) -> None:
    top = centre["hsc"] - 26
    lower = centre["mono"] + 16
    c.rect(4, top, 352, lower - top, fill="none", stroke=k.VERMILLION[0], rx=11, dash="6 4")
    c.open_group("box", "myeloid leukaemias")
    x, y = BLOOD[0] + 2, centre["cmp"] - 22
    c.rect(x, y, 108, 64, fill="#ffffff", stroke=k.VERMILLION[0], rx=6)
    c.text(
        x + 7,
        y + 18,
        ["Myeloid", "leukaemias", "(CML, AML)"],
        size=13,
        bold=True,
        fill=k.VERMILLION[0],
    )
    c.close_group()
