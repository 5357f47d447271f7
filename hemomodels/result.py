"""Simulation results: arrays by name, and tidy pandas frames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ModelError, unknown_name

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

__all__ = ["Result"]


class Result:
    """Trajectories of a simulation (one patient) or of a cohort (many patients).

    Attributes
    ----------
    model : Model
        The model that was simulated.
    t : numpy.ndarray
        Output times, shape ``(n_t,)``, in ``model.time_unit``.
    states : numpy.ndarray
        Shape ``(n_states, n_t)``, or ``(n_patients, n_states, n_t)`` for a cohort.
    observables : numpy.ndarray
        Shape ``(n_observables, n_t)``, or ``(n_patients, n_observables, n_t)``.
    params : dict or pandas.DataFrame
        Parameter values used: a dict for one patient, a DataFrame (one row per patient,
        index ``patient``) for a cohort.

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.marciniak_czochra_2009().simulate(10.0, t_eval=[0.0, 5.0, 10.0])
    >>> result["neutrophils"].shape
    (3,)
    """

    def __init__(
        self,
        model: Model,
        t: np.ndarray,
        states: np.ndarray,
        observables: np.ndarray,
        params: Mapping[str, float] | pd.DataFrame,
    ) -> None:
        self.model = model
        self.t = t
        self.states = states
        self.observables = observables
        self.params = params

    @property
    def is_cohort(self) -> bool:
        """Whether this result holds several patients (a leading patient axis)."""
        return self.states.ndim == 3

    @property
    def n_patients(self) -> int:
        """Number of patients (1 for a single simulation)."""
        return self.states.shape[0] if self.is_cohort else 1

    @property
    def names(self) -> list[str]:
        """Names of every state and observable, in order."""
        return [*self.model.state_names, *self.model.observable_names]

    @property
    def units(self) -> dict[str, str]:
        """Unit of every state and observable."""
        return self.model.units

    def __getitem__(self, name: str) -> np.ndarray:
        """Trajectory of a state or an observable: shape ``(n_t,)`` or ``(n_patients, n_t)``."""
        if not isinstance(name, str):  # e.g. a list: one name at a time
            raise unknown_name("state or observable", name, self.names, model=self.model.name)
        if name in self.model.state_index:
            return self.states[..., self.model.state_index[name], :]
        if name in self.model.observable_index:
            return self.observables[..., self.model.observable_index[name], :]
        raise unknown_name("state or observable", name, self.names, model=self.model.name)

    def __contains__(self, name: object) -> bool:
        return name in self.model.state_index or name in self.model.observable_index

    def final(self) -> dict[str, Any]:
        """Values of every state and observable at the last output time.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> final = model.simulate(10.0, t_eval=[0.0, 10.0]).final()
        >>> list(final)
        ['stem_cells', 'precursors', 'neutrophils', 'feedback_signal']
        >>> round(float(final["feedback_signal"]), 4)
        0.5882
        """
        return {name: self[name][..., -1] for name in self.names}

    def to_frame(self, variables: list[str] | None = None) -> pd.DataFrame:
        """Tidy :class:`pandas.DataFrame` with columns ``time, variable, value``.

        A cohort adds a ``patient`` column first. Units are in ``frame.attrs["units"]``
        (by variable) and ``frame.attrs["time_unit"]``.

        Parameters
        ----------
        variables : list of str, optional
            States and observables to include (default: all).

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> frame = model.simulate(10.0, t_eval=[0.0, 10.0]).to_frame(["neutrophils"])
        >>> frame.columns.tolist(), len(frame)
        (['time', 'variable', 'value'], 2)
        >>> frame.attrs["time_unit"]
        'day'
        """
        import pandas as pd

        if variables is not None and (
            isinstance(variables, str) or not isinstance(variables, (list, tuple))
        ):
            raise ModelError(
                f"{self.model.name}: variables = {variables!r} is not allowed; allowed: a list of "
                f"state or observable names ({', '.join(self.names)}) (unit: dimensionless).",
                field="variables",
                value=variables,
                allowed=f"a list of names from {', '.join(self.names)}",
            )
        variables = self.names if variables is None else list(variables)
        for name in variables:
            self[name]  # raises a clear error on an unknown name
        pieces = []
        for name in variables:
            values = np.atleast_2d(self[name])
            n_patients, n_t = values.shape
            piece = {
                "time": np.tile(self.t, n_patients),
                "variable": np.repeat(name, n_patients * n_t),
                "value": values.ravel(),
            }
            if self.is_cohort:
                piece = {"patient": np.repeat(np.arange(n_patients), n_t), **piece}
            pieces.append(pd.DataFrame(piece))
        frame = pd.concat(pieces, ignore_index=True)
        frame["variable"] = pd.Categorical(frame["variable"], categories=variables)
        frame.attrs["units"] = {name: self.units[name] for name in variables}
        frame.attrs["time_unit"] = self.model.time_unit
        frame.attrs["model"] = self.model.name
        return frame

    def __repr__(self) -> str:
        kind = f"cohort of {self.n_patients} patients" if self.is_cohort else "simulation"
        return (
            f"<Result: {self.model.name}, {kind}, t = {self.t[0]:g}…{self.t[-1]:g} "
            f"{self.model.time_unit} ({self.t.size} points), variables: {', '.join(self.names)}>"
        )
