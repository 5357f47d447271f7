"""Marrow-to-blood schematics: the stages of blood formation (glossary), red-cell production
with its EPO feedback (anaemia) and neutrophil production with its G-CSF feedback
(chemotherapy). The statements are the chapters' own; the captions carry the citations."""

from __future__ import annotations

from collections.abc import Callable

import svgkit as k
from svgkit import Canvas

Glyph = Callable[[Canvas, float, float], None]


def _zone(
    c: Canvas,
    y0: float,
    y1: float,
    name: str,
    fill: str,
    x0: float = 8.0,
    x1: float = 352.0,
    right: bool = False,
) -> None:
    c.rect(x0, y0, x1 - x0, y1 - y0, fill=fill, rx=9)
    c.open_group("label", name)
    if right:
        c.text(x1 - 8, y0 + 20, name, size=14, bold=True, anchor="end")
    else:
        c.text(x0 + 8, y0 + 20, name, size=14, bold=True)
    c.close_group()


def _insert_behind(c: Canvas, index: int, draw: Callable[[Canvas], None]) -> None:
    """Draw with ``draw`` and move the result behind everything drawn after ``index``."""
    layer = Canvas(height=0, title="", desc="")
    draw(layer)
    c.parts[index:index] = layer.parts
    c.markers.update(layer.markers)


def _circled(c: Canvas, x: float, y: float, number: str) -> None:
    """A numbered marker (white on vermillion) that points to an anaemia mechanism."""
    c.circle(x, y, 9, fill=k.VERMILLION[0])
    c.text(x, y + 4.5, number, size=13, bold=True, anchor="middle", fill="#ffffff")


# ------------------------------------------------------------------------------------------
def cell_stages() -> Canvas:
    c = Canvas(
        height=0,
        title="From stem cell to blood cell: the stages named in the glossary",
        desc=(
            "Three stages in the bone marrow, top to bottom, then the blood. A haematopoietic "
            "stem cell renews itself and can make every type of blood cell. A progenitor "
            "divides, with limited self-renewal and fewer possible fates; many progenitors "
            "carry CD34 too. A precursor is committed to one lineage "
            "and recognisable in the marrow; the earliest are blasts; early precursors "
            "divide, late ones only mature. Mature cells are released into the blood: "
            "reticulocytes that become red cells, neutrophils, counted as the absolute "
            "neutrophil count, and platelets. Each dividing step multiplies the number of "
            "cells."
        ),
    )
    zone_at = len(c.parts)
    x_text, w_text = 56.0, 290.0
    y = 36.0
    stages: list[tuple[Glyph, str, str, tuple[str, str]]] = [
        (
            k.stem_cell,
            "Haematopoietic stem cell (HSC)",
            "renews itself and can make every type of blood cell; carries CD34",
            k.ORANGE,
        ),
        (
            lambda c, x, y: k.blast(c, x, y, nucleus="#6b5aa0"),
            "Progenitor",
            "divides; limited self-renewal and fewer possible fates. Many carry CD34 too",
            k.YELLOW,
        ),
        (
            k.blast,
            "Precursor",
            "one lineage, recognisable in the marrow; the earliest are blasts. Early "
            "precursors divide, late ones only mature",
            k.BLUE,
        ),
    ]
    centres = []
    for glyph, title, body, colour in stages:
        bottom = c.box(x_text, y, w_text, body, colour, title=title)
        centres.append((y + bottom) / 2)
        glyph(c, 30, (y + bottom) / 2)
        y = bottom + 14
    marrow_end = y - 4
    # blood
    blood_top = marrow_end + 10
    y = blood_top + 36
    rows: list[tuple[Glyph, str]] = [
        (k.reticulocyte, "Reticulocyte → red cell"),
        (lambda c, x, y: k.granulocyte(c, x, y, 3), "Neutrophils: counted as the ANC"),
        (k.platelets, "Platelets"),
    ]
    for glyph, label in rows:
        glyph(c, 30, y)
        c.open_group("label", label)
        c.text(x_text, y + 4.6, label, size=13)
        c.close_group()
        y += 26
    blood_end = y - 6
    _insert_behind(
        c,
        zone_at,
        lambda z: (
            _zone(z, 8, marrow_end, "Bone marrow", k.MARROW_FILL, right=True),
            _zone(z, blood_top, blood_end, "Blood", k.BLOOD_FILL, right=True),
        ),
    )
    # stage-to-stage arrows on the glyph column and the release into the blood
    for a, b in zip(centres, centres[1:], strict=False):
        c.line([(30, a + 11), (30, b - 11)], stroke=k.MUTED, arrow=True)
    c.line([(30, centres[-1] + 11), (30, blood_top + 36 - 11)], stroke=k.MUTED, arrow=True)
    y = blood_end + 20
    last = c.text(
        12,
        y,
        ["Each dividing step multiplies the number of", "cells: few stem cells, many blood cells."],
        size=13,
        italic=True,
        fill=k.MUTED,
    )
    c.height = last + 14
    return c


# ------------------------------------------------------------------------------------------
def erythropoiesis() -> Canvas:
    c = Canvas(
        height=0,
        title="Red-cell production and its regulation by erythropoietin",
        desc=(
            "In the bone marrow, erythroid progenitors divide; the late ones respond to "
            "erythropoietin (EPO). They become erythroblasts, precursors that fill with "
            "haemoglobin and lose their nucleus; the early ones respond to EPO too. In the "
            "blood a reticulocyte matures into a red cell in about a day (longer in anaemia), "
            "and the red cell circulates for about 115 to 120 days before it is removed. A "
            "dashed feedback loop: fewer red cells deliver less oxygen, the kidney makes more "
            "EPO, and EPO drives production in the marrow. Three numbered markers show where "
            "anaemia comes from: 1, loss of blood and 2, destruction (haemolysis), both at the "
            "red cells; 3, under-production, at the marrow (chemotherapy, marrow failure, "
            "missing iron, vitamin B12 or folate) and at the kidney (too little EPO in chronic "
            "kidney disease)."
        ),
    )
    zone_at = len(c.parts)
    col_x, col_w = 44.0, 172.0
    kid_x, kid_w = 232.0, 120.0
    zone_right = col_x + col_w + 8
    ery = k.VERMILLION
    y = 40.0
    prog_bottom = c.box(
        col_x, y, col_w, "divide; the late ones respond to EPO", ery, title="Erythroid progenitors"
    )
    prog_c = (y + prog_bottom) / 2
    k.blast(c, 24, prog_c, nucleus="#8f3a00")
    y = prog_bottom + 16
    eb_top = y
    eb_bottom = c.box(
        col_x,
        y,
        col_w,
        "fill with haemoglobin and lose their nucleus; the early ones respond to EPO",
        ery,
        title="Erythroblasts (precursors)",
    )
    eb_c = (y + eb_bottom) / 2
    c.circle(24, eb_c, 8, fill="#f3c2a6", stroke="#8f3a00")
    c.circle(22, eb_c, 3.6, fill="#5a2400")
    c.line([(24, prog_c + 11), (24, eb_c - 11)], stroke=k.MUTED, arrow=True)
    marrow_end = eb_bottom + 10
    blood_top = marrow_end + 10
    y = blood_top + 30
    ret_bottom = c.box(
        col_x, y, col_w, "matures in about a day (longer in anaemia)", ery, title="Reticulocyte"
    )
    ret_c = (y + ret_bottom) / 2
    k.reticulocyte(c, 24, ret_c)
    c.line([(24, eb_c + 11), (24, ret_c - 11)], stroke=k.MUTED, arrow=True)
    y = ret_bottom + 16
    rbc_top = y
    rbc_bottom = c.box(
        col_x, y, col_w, "circulates about 115–120 days, then is removed", ery, title="Red cell"
    )
    rbc_c = (y + rbc_bottom) / 2
    k.red_cell(c, 24, rbc_c)
    c.line([(24, ret_c + 11), (24, rbc_c - 11)], stroke=k.MUTED, arrow=True)
    blood_end = rbc_bottom + 10
    # kidney and the EPO loop (right column)
    kid_top = 40.0
    kid_bottom = c.box(
        kid_x,
        kid_top,
        kid_w,
        "senses low oxygen and sends EPO (dashed) to the marrow",
        k.BLUE,
        title="Kidney",
    )
    epo = k.BLUE[0]
    # EPO to the progenitors and the erythroblasts
    c.line([(kid_x, prog_c), (col_x + col_w + 2, prog_c)], stroke=epo, dash="4 3", arrow=True)
    c.line(
        [(kid_x + 14, kid_bottom), (kid_x + 14, eb_c), (col_x + col_w + 2, eb_c)],
        stroke=epo,
        dash="4 3",
        arrow=True,
    )
    # fewer red cells -> less oxygen -> kidney
    loop_x = kid_x + kid_w - 12
    c.line(
        [(col_x + col_w, rbc_c), (loop_x, rbc_c), (loop_x, kid_bottom + 2)],
        stroke=epo,
        dash="4 3",
        arrow=True,
    )
    c.open_group("label", "less oxygen")
    c.text(
        kid_x + 22,
        eb_c + 40,
        ["fewer red", "cells: less", "oxygen"],
        size=13,
        italic=True,
        fill=epo,
    )
    c.close_group()
    _insert_behind(
        c,
        zone_at,
        lambda z: (
            _zone(z, 8, marrow_end, "Bone marrow", k.MARROW_FILL, x1=zone_right),
            _zone(z, blood_top, blood_end, "Blood", k.BLOOD_FILL, x1=zone_right),
        ),
    )
    # mechanisms
    _circled(c, col_x + col_w - 30, rbc_top + 1, "1")
    _circled(c, col_x + col_w - 8, rbc_top + 1, "2")
    _circled(c, col_x + col_w - 8, eb_top + 1, "3")
    _circled(c, kid_x + kid_w - 8, kid_top + 1, "3")
    y = blood_end + 14
    c.text(12, y + 14, "Why people become anaemic", size=14, bold=True)
    y += 24
    legend = [
        ("1", "Loss of blood: bleeding, blood donation"),
        ("2", "Destruction: haemolysis (sickle cell disease, antibodies)"),
        (
            "3",
            "Under-production: chemotherapy, marrow failure, missing iron, B12 or folate; "
            "too little EPO in kidney disease",
        ),
    ]
    for number, text in legend:
        lines = k.wrap(text, 318, 13)
        _circled(c, 22, y + 10, number)
        c.open_group("label", text)
        last = c.text(38, y + 14.5, lines, size=13)
        c.close_group()
        y = last + 10
    c.height = y + 6
    return c


# ------------------------------------------------------------------------------------------
def _promyelocyte(c: Canvas, x: float, y: float) -> None:
    c.circle(x, y, 8.5, fill="#efe8f2", stroke="#6d5a86")
    c.circle(x - 0.5, y, 5.2, fill="#4a3a78")
    for dx, dy in ((6, -2), (5.5, 3), (-6, 3), (1, 6.5), (-3, -6.5)):
        c.circle(x + dx, y + dy, 1.0, fill="#b34700")


def _myelocyte(c: Canvas, x: float, y: float) -> None:
    c.circle(x, y, 8.5, fill="#efe8f2", stroke="#6d5a86")
    c.ellipse(x - 2, y, 4.2, 3.4, fill="#4a3a78")
    for dx, dy in ((4.5, -3), (5, 2.5), (2, 5.5), (0, -5.5)):
        c.circle(x + dx, y + dy, 0.9, fill="#8a6aa6")


def _metamyelocyte(c: Canvas, x: float, y: float) -> None:
    c.circle(x, y, 8.5, fill="#efe8f2", stroke="#6d5a86")
    c.path(
        f"M{k.fmt(x - 5)} {k.fmt(y - 2)} q5 -5 10 0 q0 4 -3 4 q-2 -2 -4 0 q-3 0 -3 -4 z",
        stroke="none",
        fill="#4a3a78",
    )


def _band(c: Canvas, x: float, y: float) -> None:
    c.circle(x, y, 8.5, fill="#efe8f2", stroke="#6d5a86")
    c.path(
        f"M{k.fmt(x - 4.5)} {k.fmt(y - 3)} q0 8 4.5 8 q4.5 0 4.5 -8",
        stroke="#4a3a78",
        width=2.6,
    )


def granulopoiesis() -> Canvas:
    c = Canvas(
        height=0,
        title="Neutrophil production and why chemotherapy empties the blood later",
        desc=(
            "In the bone marrow, myeloblasts, promyelocytes and myelocytes divide: cytotoxic "
            "drugs kill them. Metamyelocytes and band forms no longer divide, they only "
            "mature: they are spared and keep arriving in the blood, so the count falls only "
            "when the gap left by the killed cells reaches the blood, days later. In the "
            "blood, neutrophils circulate for a few hours, then move into the tissues. A "
            "dashed feedback loop: a low neutrophil count raises G-CSF, which speeds up the "
            "division of precursors and their maturation."
        ),
    )
    zone_at = len(c.parts)
    name_x = 46.0
    y = 46.0
    pitch = 30.0
    stages: list[tuple[Glyph, str]] = [
        (lambda c, x, y: k.blast(c, x, y), "Myeloblast"),
        (_promyelocyte, "Promyelocyte"),
        (_myelocyte, "Myelocyte"),
        (_metamyelocyte, "Metamyelocyte"),
        (_band, "Band form"),
    ]
    centres = []
    for i, (glyph, name) in enumerate(stages):
        cy = y + i * pitch + (10 if i >= 3 else 0)
        glyph(c, 26, cy)
        c.open_group("label", name)
        c.text(name_x, cy + 4.6, name, size=13)
        c.close_group()
        centres.append(cy)
    for a, b in zip(centres, centres[1:], strict=False):
        c.line([(26, a + 10), (26, b - 10)], stroke=k.MUTED, width=1.2, arrow=True)
    # brackets and what the drug does
    bx, box_w = 148.0, 180.0
    groups = [
        (centres[0], centres[2], k.VERMILLION, "Divide", "killed by cytotoxic drugs"),
        (
            centres[3],
            centres[4],
            k.BLUE,
            "Only mature",
            "spared: keep arriving in the blood for days",
        ),
    ]
    divide_right = bx + 10 + box_w
    for top, bottom, colour, title, body in groups:
        c.line(
            [(bx - 6, top - 10), (bx, top - 10), (bx, bottom + 10), (bx - 6, bottom + 10)],
            stroke=colour[0],
            width=2,
        )
        h = c.box_height(box_w, body, title=title)
        c.box(bx + 10, (top + bottom) / 2 - h / 2, box_w, body, colour, title=title)
    marrow_end = centres[-1] + 30
    blood_top = marrow_end + 10
    neu_top = blood_top + 30
    neu_w = 150.0
    neu_bottom = c.box(
        name_x,
        neu_top,
        neu_w,
        "circulates for a few hours, then moves into the tissues",
        k.BLUE,
        title="Neutrophil",
    )
    neu_y = (neu_top + neu_bottom) / 2
    k.granulocyte(c, 26, neu_y, 3)
    c.line([(26, centres[-1] + 10), (26, neu_y - 11)], stroke=k.MUTED, width=1.2, arrow=True)
    # G-CSF feedback: a low count raises G-CSF, which speeds up the dividing precursors
    gcsf = k.GREEN
    g_x = name_x + neu_w + 10
    g_w = divide_right - g_x
    g_bottom = c.box(
        g_x,
        neu_top,
        g_w,
        "a low count raises it; it speeds up division and maturation",
        gcsf,
        title="G-CSF",
        dash="5 3",
    )
    g_y = (neu_top + g_bottom) / 2
    c.line([(name_x + neu_w, g_y), (g_x - 1, g_y)], stroke=gcsf[0], dash="4 3", arrow=True)
    loop_x = 349.0
    c.line(
        [(g_x + g_w, g_y), (loop_x, g_y), (loop_x, centres[1]), (divide_right + 2, centres[1])],
        stroke=gcsf[0],
        dash="5 3",
        arrow=True,
    )
    blood_end = max(neu_bottom, g_bottom) + 10
    _insert_behind(
        c,
        zone_at,
        lambda z: (
            _zone(z, 8, marrow_end, "Bone marrow", k.MARROW_FILL),
            _zone(z, blood_top, blood_end, "Blood", k.BLOOD_FILL),
        ),
    )
    c.height = blood_end + 10
    return c
