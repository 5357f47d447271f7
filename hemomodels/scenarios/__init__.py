"""Scenario builders: clinical plans turned into simulation inputs.

A scenario builder takes what a clinician or a chapter decides — a volume of blood lost, a
docetaxel schedule with G-CSF, imatinib started and stopped, a graft of a given source and
dose, a course of gene therapy — and returns initial states, doses and parameter changes for
:meth:`~hemomodels.Model.simulate`. Scenario builders may use the published models (for their
steady states and units); the clinical read-outs (:mod:`hemomodels.clinical`) never do, and
the chapters' explorables (``hemomodels.explorables``) build on both.

Modules: :mod:`~hemomodels.scenarios.anaemia`, :mod:`~hemomodels.scenarios.chemotherapy`,
:mod:`~hemomodels.scenarios.leukaemia`, :mod:`~hemomodels.scenarios.transplant`,
:mod:`~hemomodels.scenarios.gene_therapy`.
"""

from __future__ import annotations

from . import anaemia, chemotherapy, gene_therapy, leukaemia, marrow_failure, transplant

__all__ = [
    "anaemia",
    "chemotherapy",
    "gene_therapy",
    "leukaemia",
    "marrow_failure",
    "transplant",
]
