"""Marrow failure: severity of aplastic anaemia from the blood counts.

Severe aplastic anaemia (``desmond2015``) is a hypocellular marrow together with at least two
of: absolute neutrophil count < 0.5 x 10⁹/L, platelets < 20 x 10⁹/L and an automated
reticulocyte count < 60 x 10⁹/L (< 20 x 10⁹/L by a manual count). It is *very severe* when,
in addition, the neutrophil count is < 0.2 x 10⁹/L (``killick2016``, read in a secondary
summary). The marrow's cellularity comes from a biopsy, not from the blood, so callers state
it; a model of cell numbers does not compute it.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..errors import invalid_value

__all__ = [
    "SEVERE_ANC",
    "SEVERE_PLATELETS",
    "SEVERE_RETICULOCYTES",
    "VERY_SEVERE_ANC",
    "aplastic_anaemia_severity",
]

#: Neutrophil count below which a criterion of severe aplastic anaemia is met (10⁹/L).
SEVERE_ANC = 0.5
#: Platelet count below which a criterion of severe aplastic anaemia is met (10⁹/L).
SEVERE_PLATELETS = 20.0
#: Reticulocyte counts below which a criterion is met, by counting method (10⁹/L).
SEVERE_RETICULOCYTES: dict[str, float] = {"automated": 60.0, "manual": 20.0}
#: Neutrophil count below which severe aplastic anaemia is very severe (10⁹/L).
VERY_SEVERE_ANC = 0.2


def _counts(value, field: str) -> np.ndarray:
    raw = np.asarray(value) if not rules.is_number(value) else np.asarray(float(value))
    if raw.dtype.kind not in "iuf":
        raise invalid_value(field, value, "finite numbers >= 0", "10^9 cells/L")
    values = raw.astype(float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise invalid_value(field, value, "finite numbers >= 0", "10^9 cells/L")
    return values


def aplastic_anaemia_severity(
    anc,
    platelets,
    reticulocytes,
    *,
    hypocellular_marrow: bool,
    reticulocyte_count: str = "automated",
):
    """Severity class of aplastic anaemia: "very severe", "severe" or "not severe".

    Parameters
    ----------
    anc, platelets, reticulocytes : float or array_like
        Absolute neutrophil, platelet and reticulocyte counts (10⁹ cells/L), of one shape.
    hypocellular_marrow : bool
        Whether a marrow biopsy shows a hypocellular marrow (required: without it the counts
        alone never make the disease severe).
    reticulocyte_count : {"automated", "manual"}
        How reticulocytes were counted (thresholds 60 and 20 x 10⁹/L).

    Returns
    -------
    str or numpy.ndarray of str

    Examples
    --------
    >>> aplastic_anaemia_severity(0.3, 15, 80, hypocellular_marrow=True)
    'severe'
    >>> aplastic_anaemia_severity([1.0, 0.1], [15, 15], [80, 80], hypocellular_marrow=True)
    array(['not severe', 'very severe'], dtype='<U11')
    """
    hypocellular = rules.flag(hypocellular_marrow, "hypocellular_marrow")
    method = rules.choice(reticulocyte_count, "reticulocyte_count", tuple(SEVERE_RETICULOCYTES))
    counts = [
        _counts(v, f)
        for v, f in ((anc, "anc"), (platelets, "platelets"), (reticulocytes, "reticulocytes"))
    ]
    try:
        anc_v, plt_v, ret_v = np.broadcast_arrays(*counts)
    except ValueError:
        raise invalid_value(
            "counts", [c.shape for c in counts], "three counts of one shape", None
        ) from None
    criteria = (
        (anc_v < SEVERE_ANC).astype(int)
        + (plt_v < SEVERE_PLATELETS).astype(int)
        + (ret_v < SEVERE_RETICULOCYTES[method]).astype(int)
    )
    severe = hypocellular & (criteria >= 2)
    label = np.where(
        severe, np.where(anc_v < VERY_SEVERE_ANC, "very severe", "severe"), "not severe"
    )
    return str(label) if label.ndim == 0 else label
