"""Steady states along a parameter: how the equilibrium moves when one parameter changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import rules
from .errors import describe_unit
from .validation import check_parameters

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = ["steady_state_sweep"]


def steady_state_sweep(
    model: Model,
    parameter: str,
    values: Sequence[float] | np.ndarray,
    *,
    params: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every feasible steady state of ``model`` at each value of one parameter.

    Parameters
    ----------
    model : Model
        The model.
    parameter : str
        Name of the parameter to vary.
    values : sequence of float
        Values of ``parameter`` (each inside its bounds), in its unit.
    params : mapping, optional
        Other parameters overriding the defaults (held fixed along the sweep).

    Returns
    -------
    pandas.DataFrame
        One row per value and steady state: the parameter value, every state and observable
        at the steady state, ``stability`` and ``method``. ``frame.attrs`` holds
        ``parameter``, ``parameter_unit`` and ``units`` (by variable).

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.sweep import steady_state_sweep
    >>> model = hm.models.marciniak_czochra_2009()
    >>> frame = steady_state_sweep(model, "feedback_strength", [1e-9, 2e-9])
    >>> sorted(set(frame["stability"]))
    ['stable', 'unstable']
    """
    import pandas as pd

    from .model import Model

    rules.instance(model, "model", Model)
    declared = model.parameter(parameter)  # unknown name -> ModelError with suggestions
    values = list(
        rules.series(
            values,
            "values",
            unit=describe_unit(declared.unit),
            model=model.name,
            allowed=f"a non-empty 1-D sequence of numbers in {declared.bounds_text()}",
        )
    )
    fixed = rules.mapping(params, "params", model=model.name) if params is not None else {}
    rows = []
    for value in values:
        point = {**fixed, parameter: value}
        vector = check_parameters(model, point)  # bounds checked before any solving
        for steady in model.steady_states(point):
            states = np.array([steady.values[name] for name in model.state_names])
            observed = model.compiled.observe(0.0, states, vector)
            rows.append(
                {
                    parameter: value,
                    **steady.values,
                    **dict(zip(model.observable_names, map(float, observed), strict=True)),
                    "stability": steady.stability,
                    "method": steady.method,
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[parameter, *model.state_names, *model.observable_names, "stability", "method"],
    )
    frame.attrs["parameter"] = parameter
    frame.attrs["parameter_unit"] = declared.unit
    frame.attrs["units"] = dict(model.units)
    frame.attrs["model"] = model.name
    frame.attrs["labels"] = dict(model.labels)
    return frame
