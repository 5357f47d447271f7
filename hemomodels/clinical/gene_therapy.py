"""Ex vivo gene therapy for haemoglobinopathies: cited cure thresholds.

The course of a gene therapy as data and the starts it gives are scenario builders
(:mod:`hemomodels.scenarios.gene_therapy`); this module holds the thresholds a result is read
against.

Cited thresholds
----------------
* :data:`FITZHUGH_THRESHOLD`: at least 20 % donor myeloid chimerism reverses the sickle
  phenotype after allogeneic transplantation (``fitzhugh2017``, key points of the paper).
* :data:`TRANSFUSION_INDEPENDENCE_HB`: transfusion independence in β-thalassaemia, the
  primary end point of ``locatelli2022`` (first page of the paper) — a weighted mean Hb of at
  least 9 g/dL without red-cell transfusions for at least 12 months.
"""

from __future__ import annotations

__all__ = [
    "FITZHUGH_THRESHOLD",
    "TRANSFUSION_INDEPENDENCE_HB",
    "TRANSFUSION_INDEPENDENCE_MONTHS",
]

#: Donor myeloid chimerism (%) needed to reverse the sickle phenotype (``fitzhugh2017``).
FITZHUGH_THRESHOLD = 20.0
#: Weighted mean Hb (g/dL) without transfusion defining transfusion independence
#: (``locatelli2022``).
TRANSFUSION_INDEPENDENCE_HB = 9.0
#: Months without transfusion at that Hb required for transfusion independence
#: (``locatelli2022``).
TRANSFUSION_INDEPENDENCE_MONTHS = 12
