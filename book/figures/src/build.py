"""Write the book's biology and package figures to book/figures/*.svg (run: make figures).

The SVG files are committed; the book build only copies them. tests/test_figures.py checks
that the committed files are what this script writes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fig_cells import cell_stages, erythropoiesis, granulopoiesis  # noqa: E402
from fig_layers import package_layers  # noqa: E402
from fig_lineage import lineage_tree  # noqa: E402
from fig_pathways import gene_therapy_pipeline, transplant_pathway  # noqa: E402
from svgkit import Canvas  # noqa: E402

OUT = HERE.parent

FIGURES: dict[str, Callable[[], Canvas]] = {
    "lineage-tree": lineage_tree,
    "lineage-tree-myeloid": lambda: lineage_tree(highlight_myeloid=True),
    "cell-stages": cell_stages,
    "erythropoiesis": erythropoiesis,
    "granulopoiesis": granulopoiesis,
    "transplant-pathway": transplant_pathway,
    "gene-therapy-pipeline": gene_therapy_pipeline,
    "package-layers": package_layers,
}


def render_all() -> dict[str, str]:
    """File name -> SVG text of every figure."""
    return {f"{name}.svg": draw().render() for name, draw in FIGURES.items()}


def main() -> None:
    for name, svg in render_all().items():
        (OUT / name).write_text(svg, encoding="utf-8")
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
