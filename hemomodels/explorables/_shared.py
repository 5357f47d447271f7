"""Settings shared by the explorables of several chapters (chapter modules never import each
other)."""

from __future__ import annotations

from typing import Any

__all__ = ["CHIMERISM_VIEW"]

#: Chart settings shared by every two-year chimerism explorable (here and in gene therapy):
#: donor share of stem cells and of blood neutrophils, in %, on a fixed 0-100 axis, by month.
CHIMERISM_VIEW: dict[str, Any] = {
    "t_end": 730,
    "variables": ["donor_stem_fraction", "donor_chimerism"],
    "log_scale": False,
    "steady_state": False,
    "n_time": 74,
    "time_display": (1 / 30, "month"),
    "y_domain": (0, 100),
}
