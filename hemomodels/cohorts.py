"""Virtual-patient cohorts: parameter tables drawn around a model's typical values.

Population models describe between-patient (inter-individual) variability of a parameter
:math:`\\theta` as log-normal: :math:`\\theta_i = \\theta \\, e^{\\eta_i}` with
:math:`\\eta_i \\sim N(0, \\omega^2)`. The typical value :math:`\\theta` is then the median of
the cohort, and the coefficient of variation is :math:`\\sqrt{e^{\\omega^2} - 1}`. The table
returned by :func:`lognormal_cohort` goes straight into :meth:`hemomodels.Model.simulate_many`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from . import rules
from .errors import ModelError, invalid_value, unknown_name

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = ["cv_to_omega2", "lognormal_cohort", "omega2_to_cv"]


#: Largest cohort drawn at once (larger virtual trials are drawn and run in chunks).
MAX_PATIENTS = 10_000_000
#: Largest log-scale variance whose coefficient of variation is a finite float.
_MAX_OMEGA2 = 700.0


def _non_negative(field: str, value: object, unit: str) -> float:
    return rules.number(value, field, low=0.0, unit=unit)


def cv_to_omega2(cv: float) -> float:
    """Log-scale variance :math:`\\omega^2 = \\ln(1 + \\mathrm{CV}^2)` for a CV of ``cv``.

    Examples
    --------
    >>> round(cv_to_omega2(0.3), 4)
    0.0862
    """
    cv = _non_negative("cv", cv, "1 (fraction)")
    if cv > 1e100:  # cv² would overflow: log(1 + cv²) = 2 log(cv) + log(1 + cv⁻²)
        return 2 * math.log(cv) + math.log1p(cv**-2)
    return math.log1p(cv * cv)


def omega2_to_cv(omega2: float) -> float:
    """Coefficient of variation :math:`\\sqrt{e^{\\omega^2} - 1}` of a log-normal.

    Examples
    --------
    >>> round(omega2_to_cv(cv_to_omega2(0.3)), 6)
    0.3
    """
    omega2 = rules.number(
        omega2, "omega2", low=0.0, high=_MAX_OMEGA2, unit="variance of log(parameter)"
    )
    return math.sqrt(math.expm1(omega2))


def _variances(
    model: Model, omega2: Mapping[str, float] | None, cv: Mapping[str, float] | None
) -> dict[str, float]:
    variances: dict[str, float] = {}
    for label, table, convert in (("omega2", omega2, None), ("cv", cv, cv_to_omega2)):
        if table is None:
            continue
        for name, value in rules.mapping(table, label, model=model.name).items():
            if name not in model.parameter_index:
                raise unknown_name("parameter", name, model.parameter_names, model=model.name)
            if name in variances:
                raise ModelError(
                    f"{model.name}: parameter {name!r} is given in both omega2 and cv; "
                    "allowed: one of them per parameter.",
                    field=f"{label}[{name!r}]",
                    value=value,
                )
            value = rules.number(
                value,
                f"{label}[{name!r}]",
                low=0.0,
                high=_MAX_OMEGA2 if label == "omega2" else None,
                unit="variance of log(parameter)" if label == "omega2" else "1 (fraction)",
                model=model.name,
            )
            variances[name] = float(convert(value) if convert else value)
    if not variances:
        raise ModelError(
            f"{model.name}: lognormal_cohort needs at least one parameter in omega2 or cv.",
            field="omega2",
            value=omega2,
        )
    return variances


def lognormal_cohort(
    model: Model,
    *,
    omega2: Mapping[str, float] | None = None,
    cv: Mapping[str, float] | None = None,
    n: int = 1000,
    seed: int | None = None,
    typical: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Draw ``n`` virtual patients with log-normal variability in some parameters.

    Patient *i* has :math:`\\theta_i = \\theta\\,e^{\\eta_i}`, :math:`\\eta_i \\sim N(0,
    \\omega^2)`, independently for each parameter.

    Parameters
    ----------
    model : Model
        The model whose parameters are varied.
    omega2 : mapping of str to float, optional
        Variance of :math:`\\eta` (log scale, as reported by NONMEM-style population
        analyses) by parameter name; >= 0.
    cv : mapping of str to float, optional
        Coefficient of variation by parameter name (fraction, >= 0), converted with
        :func:`cv_to_omega2`. A parameter may appear in ``omega2`` or ``cv``, not both.
    n : int
        Number of patients (>= 1).
    seed : int, optional
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same cohort.
    typical : mapping of str to float, optional
        Typical (median) values overriding the model's defaults.

    Returns
    -------
    pandas.DataFrame
        One row per patient (index ``patient``), one column per varied parameter. Its
        ``attrs["omega2"]`` records the log-scale variances used.

    Raises
    ------
    ModelError
        Unknown parameter names, negative or non-finite variances, a bad ``n``, or a draw
        outside a parameter's bounds (the message says how many; reduce the variability).

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.friberg2002()
    >>> table = lognormal_cohort(model, omega2={"MTT": 0.03}, n=5, seed=1)
    >>> table.shape
    (5, 1)
    """
    import pandas as pd

    from .model import Model

    rules.instance(model, "model", Model)
    variances = _variances(model, omega2, cv)
    n = rules.integer(n, "n", low=1, high=MAX_PATIENTS, unit="patients", model=model.name)
    typical = rules.mapping(typical, "typical", model=model.name) if typical is not None else {}
    centres = {**model.defaults, **typical}
    for name in typical:
        parameter = model.parameter(name)
        centres[name] = rules.number(
            centres[name],
            f"typical[{name!r}]",
            unit=parameter.unit,
            model=model.name,
            allowed=parameter.bounds_text(),
        )
        if not parameter.contains(centres[name]):
            raise invalid_value(
                f"typical[{name!r}]",
                centres[name],
                parameter.bounds_text(),
                parameter.unit,
                model=model.name,
            )
    if seed is not None:
        seed = rules.integer(
            seed, "seed", low=0, model=model.name, allowed="None or an integer >= 0"
        )
    rng = np.random.default_rng(seed)
    columns = {}
    for name, variance in variances.items():
        values = centres[name] * np.exp(rng.normal(0.0, math.sqrt(variance), size=int(n)))
        parameter = model.parameter(name)
        outside = int(sum(not parameter.contains(float(v)) for v in values))
        if outside:
            raise ModelError(
                f"{model.name}: {outside} of {n} draws of {name!r} fall outside its bounds "
                f"{parameter.bounds_text()} ({parameter.unit}); allowed: draws inside the "
                "bounds. Reduce the variability or check the typical value.",
                field=f"parameter {name!r}",
                value=outside,
                allowed=parameter.bounds_text(),
                unit=parameter.unit,
            )
        columns[name] = values
    frame = pd.DataFrame(columns, index=pd.RangeIndex(int(n), name="patient"))
    frame.attrs["omega2"] = dict(variances)
    return frame
