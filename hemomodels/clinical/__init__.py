"""Clinical read-outs of simulations: nadirs, threshold crossings and cited thresholds.

Generic time-series helpers live in :mod:`hemomodels.clinical.timeseries`; each clinical
topic (e.g. anaemia, neutropenia) has its own module with its cited constants.
"""

from __future__ import annotations

from .timeseries import first_crossing, nadir, recovery_time, time_below

__all__ = ["first_crossing", "nadir", "recovery_time", "time_below"]
