"""Explorables of the leukaemia chapter: CML on and off imatinib, resistance, AML competition.

Examples
--------
>>> from hemomodels.explorables import leukaemia
>>> sorted(leukaemia.imatinib_on_off().values)
['start_day', 'stop_day']
"""

from __future__ import annotations

from ..clinical.leukaemia import (
    AML_BLAST_THRESHOLD,
    MMR_LOG_REDUCTION,
    blast_threshold_day,
    log_fit_line,
    major_molecular_response_day,
    takeover_time,
    therapy_slopes,
    therapy_windows,
)
from ..errors import ModelError
from ..model import Model
from ..models.michor2005 import michor2005
from ..models.stiehl2015 import stiehl2015
from ..result import Result
from ..scenarios.leukaemia import CONTINUOUS_IMATINIB, imatinib_course
from ..text import human_number
from ..widgets import Explorable, Panel, Slider, explore

__all__ = [
    "aml_competition",
    "fitted_slope_lines",
    "imatinib_on_off",
    "resistance",
]


_YEAR = 365.25
_FIVE_YEARS = 5 * 365


#: The BCR-ABL ratio of the untreated model patient (Michor's steady state): the baseline from
#: which a major molecular response is 3 logs down.
UNTREATED_RATIO = 1 / 3
#: The line drawn for a major molecular response (≤ 0.1 % IS: 3 logs below the baseline).
MMR_LINE = {"major molecular response (3 logs down)": UNTREATED_RATIO * 10**-MMR_LOG_REDUCTION}
#: Printed on the CML charts: where the model departs from patients on continuous therapy.
CONTINUOUS_NOTE = (
    "Model behaviour, not the clinic: on continuous therapy the ratio turns up after about "
    "15 months because imatinib spares the model's leukaemic stem cells, which keep growing; "
    "in most patients it keeps falling (Tang et al. 2011)."
)


def slopes_summary(result: Result) -> dict[str, str]:
    """Fitted slopes of ln(BCR-ABL ratio) in each phase of the therapy, and the month of a
    major molecular response."""
    slopes = therapy_slopes(result)
    lines = {
        f"slope of ln R, {label}": f"{slopes[label]:+.4f} per day"
        if label in slopes
        else "not applicable"
        for label in ("first phase", "second phase", "after stopping")
    }
    day = major_molecular_response_day(result, baseline=UNTREATED_RATIO)
    lines["major molecular response"] = (
        "not reached" if day is None else f"month {day / (_YEAR / 12):.1f}"
    )
    return lines


def fitted_slope_lines(result: Result, variable: str = "bcr_abl_ratio") -> list[dict]:
    """The exponentials fitted in each phase (:func:`~hemomodels.clinical.therapy_windows`),
    as two end points each, to draw over the BCR-ABL ratio.

    Examples
    --------
    >>> view = imatinib_on_off()
    >>> [row["label"] for row in fitted_slope_lines(view.run())][::2]
    ['fit, first phase', 'fit, second phase']
    """
    rows = []
    for label, (start, stop) in therapy_windows(result).items():
        try:
            ends = log_fit_line(result, variable, start, stop)
        except ModelError:
            continue
        rows += [{"label": f"fit, {label}", "time": t, "value": v} for t, v in ends]
    return rows


def imatinib_on_off(model: Model | None = None) -> Explorable:
    """BCR-ABL ratio over five years, imatinib started and stopped on chosen days.

    Examples
    --------
    >>> view = imatinib_on_off()
    >>> sorted(view.summary_rows(view.run()))[0]
    'major molecular response'
    """
    model = model or michor2005()
    return explore(
        model,
        [
            Slider(
                name="start_day",
                values=[0, 90, 180, 270, 360],
                value=0,
                label="Imatinib starts on",
                unit="",
                format="day {:g}",
            ),
            Slider(
                name="stop_day",
                values=[400, 730, 1095, 1460, _FIVE_YEARS],
                value=_FIVE_YEARS,
                label="Imatinib stops on",
                unit="",
                format=lambda day: "never" if day >= _FIVE_YEARS else f"day {day:g}",
            ),
        ],
        scenario=lambda v: {
            "params": {"u": 0.0},
            "doses": imatinib_course(v["start_day"], v["stop_day"]),
        },
        t_end=_FIVE_YEARS,
        variables=["bcr_abl_ratio"],
        n_time=161,
        steady_state=False,
        summary=slopes_summary,
        overlay=fitted_slope_lines,
        reference_lines=MMR_LINE,
        time_display=(1 / _YEAR, "year"),
        title="BCR-ABL ratio on and off imatinib (dashed: fitted phases)",
        note=CONTINUOUS_NOTE,
    )


def takeover_summary(result: Result) -> dict[str, str]:
    """The day resistant terminal cells first outnumber sensitive ones."""
    day = takeover_time(result, "z3", "y3")
    horizon = result.t[-1] / _YEAR
    text = (
        f"not within {horizon:.0f} years"
        if day is None
        else f"day {day:.0f} ({day / _YEAR:.1f} years)"
    )
    return {"resistant cells dominate": text}


def resistance(model: Model | None = None) -> Explorable:
    """Sensitive and resistant cells on continuous imatinib; mutation and growth sliders.

    Examples
    --------
    >>> view = resistance()
    >>> view.summary_rows(view.run())["resistant cells dominate"][:3]
    'day'
    """
    model = model or michor2005()
    return explore(
        model,
        [
            Slider(name="u", values=[4e-9, 4e-8, 4e-7]),
            Slider(name="r_z", values=[0.01, 0.015, 0.023, 0.03, 0.04], format="{:g}"),
        ],
        t_end=3000,
        doses=CONTINUOUS_IMATINIB,
        variables=["y3", "z3"],
        n_time=121,
        steady_state=False,
        summary=takeover_summary,
        time_display=(1 / _YEAR, "year"),
        title="Sensitive and resistant terminal leukaemic cells on continuous imatinib",
        note=(
            "Model behaviour: imatinib spares the model's leukaemic stem cells, which keep "
            "growing and keep making resistant mutants; in most patients no resistant clone "
            "takes over and the ratio keeps falling (Tang et al. 2011)."
        ),
    )


def blasts_summary(result: Result) -> dict[str, str]:
    """Day the marrow blasts pass 20 %, and the neutrophils at the end."""
    day = blast_threshold_day(result)
    years = result.t[-1] / _YEAR
    return {
        "blasts reach 20 %": f"not within {years:.0f} years" if day is None else f"day {day:.0f}",
        f"neutrophils after {years:.0f} years": (
            f"{human_number(result['neutrophils'][-1])} cells/kg (normal 4 × 10⁸)"
        ),
    }


def aml_competition(model: Model | None = None) -> Explorable:
    """A leukaemic clone in a normal marrow: self-renewal and division-rate sliders.

    Examples
    --------
    >>> view = aml_competition()
    >>> sorted(view.values)
    ['leukaemic_stem_division_rate', 'leukaemic_stem_self_renewal']
    """
    model = model or stiehl2015()
    return explore(
        model,
        [
            Slider(
                name="leukaemic_stem_self_renewal",
                values=[0.8, 0.85, 0.9, 0.95, 1.0],
                format="{:.2f}",
            ),
            Slider(
                name="leukaemic_stem_division_rate",
                values=[0.05, 0.1, 0.25, 0.5, 1.0, 2.0],
                format="{:g}",
            ),
        ],
        t_end=2190,
        panels=[
            Panel(
                variables=["marrow_blasts"],
                log=False,
                domain=(0.0, 100.0),
                reference_lines={"20 % blasts (WHO)": AML_BLAST_THRESHOLD},
            ),
            Panel(variables=["neutrophils"], title="Blood neutrophils (cells/kg)"),
        ],
        n_time=121,
        steady_state=False,
        summary=blasts_summary,
        time_display=(1 / _YEAR, "year"),
        title="A leukaemic clone (1 stem cell per kg at day 0) in a normal marrow",
    )
