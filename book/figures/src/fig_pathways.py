"""Clinical pathways as numbered vertical steps: the transplant and the gene-therapy pipeline.

Every statement drawn here is one the chapter states with its source (book/transplantation.md,
book/gene-therapy.md); the captions carry the citations.
"""

from __future__ import annotations

import svgkit as k
from svgkit import Canvas

STEP_X = 44.0
STEP_W = 352.0 - STEP_X
SPINE_X = 22.0
GAP = 12.0


def _pair(
    c: Canvas,
    y: float,
    left: tuple[str, str],
    right: tuple[str, str],
    colours: tuple[tuple[str, str], tuple[str, str]],
    x: float = STEP_X,
    w: float = STEP_W,
) -> float:
    """Two boxes side by side with equal heights; returns the bottom edge."""
    half = (w - 8) / 2
    h = max(c.box_height(half, body, title=title) for title, body in (left, right))
    c.box(x, y, half, left[1], colours[0], title=left[0], min_height=h)
    c.box(x + half + 8, y, half, right[1], colours[1], title=right[0], min_height=h)
    return y + h


def _step_title(c: Canvas, y: float, number: int, title: str, colour: tuple[str, str]) -> float:
    """A numbered badge on the spine and a bold step title; returns the y below the title."""
    c.badge(SPINE_X, y + 9, str(number), colour)
    c.open_group("label", title)
    c.text(STEP_X, y + 14, title, size=14, bold=True, fill=k.INK)
    c.close_group()
    return y + 24


def transplant_pathway() -> Canvas:
    c = Canvas(
        height=0,
        display_width=380,
        title="The stem-cell transplant pathway",
        desc=(
            "Five numbered steps from top to bottom. 1, collect stem and progenitor cells: "
            "from mobilised blood (G-CSF, sometimes with plerixafor or chemotherapy, moves the "
            "cells into the blood and apheresis collects them), from bone marrow taken from "
            "the pelvic bones under anaesthesia, or from cord blood collected at birth and "
            "banked frozen. Autologous cells are the patient's own, frozen until needed; "
            "allogeneic cells are a donor's, HLA-matched as closely as possible. 2, "
            "conditioning: myeloablative (the marrow cannot recover without the graft) or "
            "reduced intensity (gentler, relying more on donor immune cells). 3, infusion on "
            "day 0: the cells go into a vein and home to the marrow. 4, aplasia: almost no "
            "neutrophils, open to infection. 5, engraftment: neutrophil recovery is the first "
            "of 3 days in a row with an absolute neutrophil count of at least 0.5 × 10⁹/L; "
            "platelet recovery the first of 3 days in a row with at least 20 × 10⁹/L and no "
            "platelet transfusion for 7 days. Median days to neutrophil recovery: 10 after the "
            "patient's own mobilised blood cells, 14 after a sibling's blood cells, 19 after a "
            "sibling's marrow, 23 after two cord-blood units. A last box lists what concerns "
            "allogeneic transplants only: rejection by the recipient's immune cells, "
            "graft-versus-host disease, the graft-versus-leukaemia effect, and graft failure "
            "when neutrophils have not recovered by day 30 (day 42 after cord blood) and the "
            "other counts are low too."
        ),
    )
    badges: list[float] = []
    y = 12.0
    nb = "\u00a0"
    # 1 collect
    badges.append(y + 9)
    y = _step_title(c, y, 1, "Collect stem and progenitor cells", k.ORANGE)
    y = c.box(
        STEP_X,
        y,
        STEP_W,
        [
            *k.wrap(
                "**Mobilised blood:** G-CSF (sometimes with plerixafor or chemotherapy) "
                "moves the cells into the blood; apheresis collects them.",
                STEP_W - 16,
            ),
            *k.wrap("**Bone marrow:** from the pelvic bones, under anaesthesia.", STEP_W - 16),
            *k.wrap("**Cord blood:** collected at birth, banked frozen.", STEP_W - 16),
        ],
        k.ORANGE,
        label="sources",
    )
    y += 6
    y = _pair(
        c,
        y,
        ("Autologous", "the patient's own cells, frozen until needed"),
        ("Allogeneic", "a donor's cells, HLA-matched as closely as possible"),
        (k.SKY, k.PURPLE),
    )
    y += GAP
    # 2 conditioning
    badges.append(y + 9)
    y = _step_title(c, y, 2, "Conditioning", k.VERMILLION)
    y = _pair(
        c,
        y,
        ("Myeloablative", "the marrow cannot recover without the graft"),
        ("Reduced intensity", "gentler; relies more on donor immune cells"),
        (k.VERMILLION, k.VERMILLION),
    )
    y += GAP
    # 3 infusion and 4 aplasia
    badges.append(y + 9)
    y = _step_title(c, y, 3, "Infusion on day 0", k.BLUE)
    y = c.box(STEP_X, y, STEP_W, "The cells go into a vein and home to the marrow.", k.BLUE)
    y += GAP
    badges.append(y + 9)
    y = _step_title(c, y, 4, "Aplasia", k.GREY)
    y = c.box(STEP_X, y, STEP_W, "Almost no neutrophils: open to infection.", k.GREY)
    y += GAP
    # 5 engraftment
    badges.append(y + 9)
    y = _step_title(c, y, 5, "Engraftment", k.GREEN)
    y = c.box(
        STEP_X,
        y,
        STEP_W,
        [
            *k.wrap(
                f"**Neutrophils:** first of 3 days in a row with ANC{nb}≥{nb}0.5{nb}×{nb}10⁹/L",
                STEP_W - 16,
            ),
            *k.wrap(
                f"**Platelets:** first of 3 days in a row with ≥{nb}20{nb}×{nb}10⁹/L, "
                "no platelet transfusion for 7 days",
                STEP_W - 16,
            ),
        ],
        k.GREEN,
        label="engraftment definitions",
    )
    y += 6
    rows = [
        ("own mobilised blood cells", "10"),
        ("a sibling's blood cells", "14"),
        ("a sibling's marrow", "19"),
        ("two cord-blood units", "23"),
    ]
    table_h = 30 + 17 * len(rows)
    c.open_group("box", "median days")
    c.rect(STEP_X, y, STEP_W, table_h, fill="#ffffff", stroke=k.GREEN[0], rx=7)
    c.text(STEP_X + 8, y + 19, "Median days to neutrophil recovery", size=13, bold=True)
    for i, (label, days) in enumerate(rows):
        ty = y + 38 + 17 * i
        c.text(STEP_X + 8, ty, label, size=13)
        c.text(STEP_X + STEP_W - 10, ty, days, size=13, bold=True, anchor="end")
    c.close_group()
    y += table_h + GAP + 4
    # spine behind the badges
    spine = Canvas(height=0, title="", desc="")
    spine.line([(SPINE_X, badges[0]), (SPINE_X, badges[-1])], stroke=k.CARD_EDGE, width=2)
    c.parts[0:0] = spine.parts
    # allogeneic only
    width = 344 - 16
    y = c.box(
        8,
        y,
        344,
        [
            *k.wrap("**Rejection:** recipient immune cells destroy the graft.", width),
            *k.wrap("**Graft-versus-host disease:** donor T cells attack the recipient.", width),
            *k.wrap(
                "**Graft-versus-leukaemia:** donor immune cells attack remaining leukaemia.",
                width,
            ),
            *k.wrap(
                "**Graft failure:** no neutrophil recovery by day 30 (day 42 after cord "
                "blood), other counts low too.",
                width,
            ),
        ],
        k.PURPLE,
        title="After an allogeneic transplant only",
        dash="5 3",
    )
    c.height = y + 10
    return c


def gene_therapy_pipeline() -> Canvas:
    c = Canvas(
        height=0,
        title="The ex vivo gene-therapy pipeline",
        desc=(
            "Five numbered steps from top to bottom. 1, collect the patient's own cells: "
            "plerixafor moves stem cells into the blood (in sickle cell disease G-CSF can cause "
            "life-threatening vaso-occlusion) and apheresis collects the CD34⁺ cells. 2, "
            "correct them outside the body, by one of two methods shown side by side: gene "
            "addition, in which a lentiviral vector adds a working β-globin gene (LentiGlobin, "
            "beti-cel), or gene editing, in which CRISPR–Cas9 cuts the erythroid enhancer of "
            "BCL11A so that red cells make fetal haemoglobin (exa-cel). 3, myeloablative "
            "conditioning with busulfan makes room in the marrow. 4, the corrected cells are "
            "given back into a vein on day 0; they are the patient's own, so there is no "
            "donor, no rejection and no graft-versus-host disease. 5, corrected stem cells make "
            "red cells with working haemoglobin; these outlive the sickle cells, so the "
            "corrected share of the red cells grows and the haemoglobin rises. A strip of "
            "cells shows mostly sickle-shaped red cells before treatment and mostly round red "
            "cells after."
        ),
    )
    badges: list[float] = []
    y = 12.0
    badges.append(y + 9)
    y = _step_title(c, y, 1, "Collect the patient's own cells", k.ORANGE)
    y = c.box(
        STEP_X,
        y,
        STEP_W,
        "Plerixafor moves stem cells into the blood (in sickle cell disease G-CSF can cause "
        "life-threatening vaso-occlusion); apheresis collects the CD34⁺ cells.",
        k.ORANGE,
    )
    y += GAP + 4
    badges.append(y + 9)
    y = _step_title(c, y, 2, "Correct them outside the body", k.BLUE)
    y = _pair(
        c,
        y,
        (
            "Gene addition",
            "a lentiviral vector adds a working β-globin gene (LentiGlobin, beti-cel)",
        ),
        (
            "Gene editing",
            "CRISPR–Cas9 cuts the BCL11A enhancer: red cells make fetal haemoglobin (exa-cel)",
        ),
        (k.BLUE, k.SKY),
    )
    y += GAP + 4
    badges.append(y + 9)
    y = _step_title(c, y, 3, "Conditioning", k.VERMILLION)
    y = c.box(
        STEP_X,
        y,
        STEP_W,
        "Myeloablative busulfan removes uncorrected stem cells and makes room in the marrow.",
        k.VERMILLION,
    )
    y += GAP + 4
    badges.append(y + 9)
    y = _step_title(c, y, 4, "Infusion on day 0", k.BLUE)
    y = c.box(
        STEP_X,
        y,
        STEP_W,
        "The corrected cells go back into a vein. They are the patient's own: no donor, "
        "no rejection, no graft-versus-host disease.",
        k.BLUE,
    )
    y += GAP + 4
    badges.append(y + 9)
    y = _step_title(c, y, 5, "Engraftment", k.GREEN)
    y = c.box(
        STEP_X,
        y,
        STEP_W,
        "Corrected stem cells make red cells with working haemoglobin. These outlive the "
        "sickle cells, so their share of the blood grows and the haemoglobin rises.",
        k.GREEN,
    )
    y += 8
    for label, pattern in (("before", "SSRSSSRS"), ("after", "RRSRRRSR")):
        c.open_group("label", label)
        c.text(STEP_X + 4, y + 15, label, size=13, italic=True, fill=k.MUTED)
        c.close_group()
        for i, kind in enumerate(pattern):
            x = STEP_X + 74 + i * 28
            (k.sickle_cell if kind == "S" else k.red_cell)(c, x, y + 10)
        y += 26
    spine = Canvas(height=0, title="", desc="")
    spine.line([(SPINE_X, badges[0]), (SPINE_X, badges[-1])], stroke=k.CARD_EDGE, width=2)
    c.parts[0:0] = spine.parts
    c.height = y + 8
    return c
