"""Clinical read-outs of simulations: nadirs, threshold crossings and cited thresholds.

Generic time-series helpers live in :mod:`hemomodels.clinical.timeseries`; each clinical
topic (e.g. anaemia, neutropenia) has its own module with its cited constants. Read-outs of
whole cohorts (one value per patient, for trial summaries and
:func:`hemomodels.distributed.simulate_cohort`) are in :mod:`hemomodels.clinical.readouts`.
"""

from __future__ import annotations

from .anaemia import (
    RESTRICTIVE_TRANSFUSION_THRESHOLD,
    WHO_ANAEMIA_THRESHOLDS,
    classify_anaemia,
    time_to_transfusion,
)
from .gene_therapy import (
    FITZHUGH_THRESHOLD,
    TRANSFUSION_INDEPENDENCE_HB,
)
from .leukaemia import (
    AML_BLAST_THRESHOLD,
    MMR_LOG_REDUCTION,
    blast_threshold_day,
    log_slope,
    major_molecular_response_day,
    takeover_time,
    therapy_periods,
    therapy_slopes,
)
from .marrow_failure import aplastic_anaemia_severity
from .neutropenia import GRADE_THRESHOLDS, neutropenia_grade, neutropenia_summary
from .platelets import (
    PLATELET_GRADE_THRESHOLDS,
    PLATELET_RECOVERY_THRESHOLD,
    platelet_grade,
    platelet_recovery_day,
)
from .readouts import (
    EngraftmentDay,
    FinalValue,
    Nadir,
    NadirTime,
    NeutropeniaGrade,
    Readout,
    TimeBelow,
)
from .timeseries import (
    Episode,
    below_threshold,
    first_crossing,
    nadir,
    peak_after_nadir,
    recovery_time,
    time_below,
)
from .transplant import (
    GRAFT_SOURCES,
    engraftment_day,
    engraftment_summary,
    first_engrafted_day,
    graft_source,
)

__all__ = [
    "FITZHUGH_THRESHOLD",
    "TRANSFUSION_INDEPENDENCE_HB",
    "AML_BLAST_THRESHOLD",
    "MMR_LOG_REDUCTION",
    "major_molecular_response_day",
    "blast_threshold_day",
    "log_slope",
    "takeover_time",
    "therapy_periods",
    "therapy_slopes",
    "RESTRICTIVE_TRANSFUSION_THRESHOLD",
    "WHO_ANAEMIA_THRESHOLDS",
    "classify_anaemia",
    "time_to_transfusion",
    "aplastic_anaemia_severity",
    "GRADE_THRESHOLDS",
    "neutropenia_grade",
    "neutropenia_summary",
    "PLATELET_GRADE_THRESHOLDS",
    "PLATELET_RECOVERY_THRESHOLD",
    "platelet_grade",
    "platelet_recovery_day",
    "Episode",
    "below_threshold",
    "first_crossing",
    "nadir",
    "peak_after_nadir",
    "recovery_time",
    "time_below",
    "EngraftmentDay",
    "FinalValue",
    "Nadir",
    "NadirTime",
    "NeutropeniaGrade",
    "Readout",
    "TimeBelow",
    "GRAFT_SOURCES",
    "engraftment_day",
    "engraftment_summary",
    "first_engrafted_day",
    "graft_source",
]
