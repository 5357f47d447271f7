"""Simulation results: arrays by name, tidy pandas frames, parameters in effect over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import rules
from .errors import ModelError

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model
    from .solver import SolverStats

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
        Shape ``(n_states, n_t)``, or ``(n_patients, n_states, n_t)`` for a cohort. Always
        finite.
    observables : numpy.ndarray
        Shape ``(n_observables, n_t)``, or ``(n_patients, n_observables, n_t)``. An
        observable is NaN where its expression is undefined (e.g. a ratio of two empty
        compartments, 0/0); clinical read-outs refuse such a series with a
        :class:`~hemomodels.ModelError`.
    pieces : list of (float, float, numpy.ndarray)
        Every stretch ``(start, end, parameters)`` with constant parameters; parameters is a
        vector (one patient) or an ``(n_parameters, n_patients)`` matrix (a cohort's stretches
        end wherever any patient's parameters change). See :meth:`parameter_history`.
    solver : SolverStats
        Method asked for, right-hand-side and Jacobian evaluations, steps, pieces and every
        fallback taken (e.g. LSODA → BDF).

    Examples
    --------
    >>> import hemomodels as hm
    >>> result = hm.models.marciniak_czochra_2009().simulate(10.0, t_eval=[0.0, 5.0, 10.0])
    >>> result["neutrophils"].shape
    (3,)
    >>> result.solver.method
    'LSODA'
    """

    def __init__(
        self,
        model: Model,
        t: np.ndarray,
        states: np.ndarray,
        observables: np.ndarray,
        pieces: Sequence[tuple[float, float, np.ndarray]],
        solver: SolverStats,
    ) -> None:
        self.model = model
        self.t = t
        self.states = states
        self.observables = observables
        self.pieces = list(pieces)
        self.solver = solver

    @classmethod
    def from_arrays(
        cls,
        model: Model,
        t: Sequence[float] | np.ndarray,
        states: np.ndarray,
        observables: np.ndarray | None = None,
        params: Mapping[str, float] | None = None,
    ) -> Result:
        """A result holding given arrays (e.g. measured or hand-made series), for the
        read-outs of :mod:`hemomodels.clinical`. Nothing is simulated: the solver record
        says ``method="none"``.

        Parameters
        ----------
        model : Model
            The model whose states (and observables) the arrays hold.
        t : array_like
            Times, shape ``(n_t,)``, in ``model.time_unit``.
        states : numpy.ndarray
            Shape ``(n_states, n_t)``.
        observables : numpy.ndarray, optional
            Shape ``(n_observables, n_t)``; default computed from the states.
        params : mapping, optional
            Parameters overriding the model's defaults.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> states = np.array([[1e7, 1e7], [2e9, 2e9], [4e8, 1e8]])
        >>> made = Result.from_arrays(model, [0.0, 1.0], states)
        >>> made["neutrophils"].tolist(), made.solver.method
        ([400000000.0, 100000000.0], 'none')
        """
        from .solver import SolverStats
        from .validation import check_parameters

        times = np.asarray(t, dtype=float)
        values = np.asarray(states, dtype=float)
        vector = check_parameters(model, params)
        if values.shape != (len(model.states), times.size):
            raise ModelError(
                f"{model.name}: states have shape {values.shape}; allowed: "
                f"({len(model.states)}, {times.size}) (states × times).",
                field="states",
                value=values.shape,
            )
        if observables is None:
            with np.errstate(all="ignore"):
                observables = model.compiled.observe(
                    times, values, np.broadcast_to(vector[:, None], (vector.size, times.size))
                )
        pieces = [(float(times[0]), float(times[-1]), vector)]
        return cls(
            model, times, values, np.asarray(observables, dtype=float), pieces, SolverStats("none")
        )

    @property
    def is_cohort(self) -> bool:
        """Whether this result holds several patients (a leading patient axis)."""
        return self.states.ndim == 3

    @property
    def n_patients(self) -> int:
        """Number of patients (1 for a single simulation)."""
        return self.states.shape[0] if self.is_cohort else 1

    @property
    def names(self) -> tuple[str, ...]:
        """Names of every state and observable, in order."""
        return (*self.model.state_names, *self.model.observable_names)

    @property
    def units(self) -> dict[str, str]:
        """Unit of every state and observable."""
        return dict(self.model.units)

    @property
    def time_unit(self) -> str:
        """Unit of ``t`` (the model's time unit)."""
        return self.model.time_unit

    @property
    def params(self) -> dict[str, float] | pd.DataFrame:
        """Parameters in effect at time 0, after any :class:`~hemomodels.ParameterChange`
        at time 0: a dict for one patient, a DataFrame (index ``patient``) for a cohort.

        Parameters changed later are in :meth:`parameter_history`.

        Examples
        --------
        >>> import hemomodels as hm
        >>> change = hm.ParameterChange(0, {"slope": 0.0})
        >>> result = hm.models.friberg2002().simulate(10, y0={"Conc": 1}, doses=[change])
        >>> result.params["slope"]
        0.0
        """
        values = self.pieces[0][2]
        if not self.is_cohort:
            return dict(zip(self.model.parameter_names, map(float, values), strict=True))
        import pandas as pd

        frame = pd.DataFrame(values.T, columns=list(self.model.parameter_names))
        frame.index.name = "patient"
        return frame

    def triggered_events(self) -> pd.DataFrame:
        """State-triggered events (:class:`~hemomodels.When`) that fired: ``time`` and
        ``event`` (what it did, in words), in time order; empty if none fired. A cohort has a
        ``patient`` column first, and its rows are sorted by patient, then time.

        Examples
        --------
        >>> import hemomodels as hm
        >>> low = hm.When("ANC", below=2.0, set={"slope": 0.0}, label="stop the drug")
        >>> result = hm.models.friberg2002().simulate(500, y0={"Conc": 20}, doses=[low])
        >>> result.triggered_events()["event"].tolist()
        ['stop the drug (ANC below 2): set slope = 0']
        >>> cohort = hm.models.friberg2002().simulate_many({"Conc": [20, 0]}, 500, doses=[low])
        >>> cohort.triggered_events()["patient"].tolist()  # the untreated patient never fell
        [0]
        """
        import pandas as pd

        if not self.is_cohort:
            return pd.DataFrame(self.solver.triggered, columns=["time", "event"])
        rows = [
            (patient, time, event)
            for patient, (time, event) in zip(
                self._triggered_patients(), self.solver.triggered, strict=True
            )
        ]
        frame = pd.DataFrame(rows, columns=["patient", "time", "event"])
        frame = frame.sort_values(["patient", "time"], kind="stable").reset_index(drop=True)
        return frame

    def _triggered_patients(self) -> list[int]:
        """The patient of each triggered event of a cohort (from the solver's record)."""
        patients = list(getattr(self.solver, "triggered_patients", []))
        if len(patients) != len(self.solver.triggered):
            raise ModelError(
                f"{self.model.name}: this cohort result records {len(self.solver.triggered)} "
                f"triggered events but the patients of {len(patients)}; allowed: a solver "
                "record with solver.triggered_patients (one patient per event).",
                field="solver.triggered_patients",
                value=len(patients),
            )
        return patients

    def parameter_history(self) -> pd.DataFrame:
        """Parameters in effect over time: one row per stretch of constant parameters.

        Columns ``start`` and ``end`` (model time unit; values at ``start`` already use the
        row's parameters), then one column per parameter: the absolute values in effect
        (after any ``ParameterChange.scale`` or ``When.scale``). A cohort has a ``patient``
        column first and one row per patient and stretch. Consecutive stretches with the same
        values are one row.

        Examples
        --------
        >>> import hemomodels as hm
        >>> on = hm.ParameterChange(0, {"imatinib": 1.0})
        >>> off = hm.ParameterChange(300, {"imatinib": 0.0})
        >>> result = hm.models.michor2005().simulate(400, doses=[on, off])
        >>> result.parameter_history()[["start", "end", "imatinib"]].values.tolist()
        [[0.0, 300.0, 1.0], [300.0, 400.0, 0.0]]
        """
        import pandas as pd

        names = list(self.model.parameter_names)
        frames = []
        for start, end, values in self.pieces:
            matrix = np.atleast_2d(values.T) if self.is_cohort else values[None, :]
            frame = pd.DataFrame(matrix, columns=names)
            frame.insert(0, "end", float(end))
            frame.insert(0, "start", float(start))
            if self.is_cohort:
                frame.insert(0, "patient", np.arange(self.n_patients))
            frames.append(frame)
        history = pd.concat(frames, ignore_index=True)
        if self.is_cohort:
            history = history.sort_values(["patient", "start"], kind="stable")
            history = history.reset_index(drop=True)
        history = _merge_repeats(history, names, self.is_cohort)
        history.attrs["time_unit"] = self.model.time_unit
        history.attrs["units"] = {p.name: p.unit for p in self.model.parameters}
        return history

    def __getitem__(self, name: str) -> np.ndarray:
        """Trajectory of a state or an observable: shape ``(n_t,)`` or ``(n_patients, n_t)``."""
        name = rules.name(
            name, "variable", self.names, kind="state or observable", model=self.model.name
        )
        if name in self.model.state_index:
            return self.states[..., self.model.state_index[name], :]
        return self.observables[..., self.model.observable_index[name], :]

    def __contains__(self, name: object) -> bool:
        return name in self.model.state_index or name in self.model.observable_index

    def patient(self, index: int) -> Result:
        """One patient of a cohort as a single-simulation :class:`Result`.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> cohort = model.simulate_many({"stem_self_renewal": [0.8, 0.9]}, 10.0)
        >>> cohort.patient(1).params["stem_self_renewal"]
        0.9
        """
        if not self.is_cohort:
            raise ModelError(
                f"{self.model.name}: this result is one simulation, not a cohort; allowed: "
                "patient() on a result of simulate_many.",
                field="patient",
                value=index,
            )
        index = rules.integer(index, "patient", low=0, high=self.n_patients - 1)
        pieces = [(start, end, values[:, index]) for start, end, values in self.pieces]
        mine = [
            event
            for event, patient in zip(
                self.solver.triggered, self._triggered_patients(), strict=True
            )
            if patient == index
        ]
        solver = replace(self.solver, triggered=mine)
        return Result(
            self.model, self.t, self.states[index], self.observables[index], pieces, solver
        )

    def final(self) -> dict[str, Any]:
        """Values of every state and observable at the last output time: floats for one
        simulation, arrays (one value per patient) for a cohort.

        Examples
        --------
        >>> import hemomodels as hm
        >>> model = hm.models.marciniak_czochra_2009()
        >>> final = model.simulate(10.0, t_eval=[0.0, 10.0]).final()
        >>> list(final)
        ['stem_cells', 'precursors', 'neutrophils', 'feedback_signal']
        >>> round(final["feedback_signal"], 4)
        0.5882
        """
        if self.is_cohort:
            return {name: self[name][:, -1].copy() for name in self.names}
        return {name: float(self[name][-1]) for name in self.names}

    def to_frame(self, variables: Sequence[str] | None = None) -> pd.DataFrame:
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

        variables = (
            list(self.names)
            if variables is None
            else rules.names(
                variables,
                "variables",
                self.names,
                kind="state or observable",
                model=self.model.name,
            )
        )
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
        frame.attrs["units"] = {name: self.model.units[name] for name in variables}
        frame.attrs["time_unit"] = self.model.time_unit
        frame.attrs["model"] = self.model.name
        return frame

    def __repr__(self) -> str:
        kind = f"cohort of {self.n_patients} patients" if self.is_cohort else "simulation"
        return (
            f"<Result: {self.model.name}, {kind}, t = {self.t[0]:g}…{self.t[-1]:g} "
            f"{self.model.time_unit} ({self.t.size} points), variables: {', '.join(self.names)}>"
        )


def _merge_repeats(history: pd.DataFrame, names: list[str], cohort: bool) -> pd.DataFrame:
    """One row for consecutive stretches (of one patient) with the same parameter values."""
    if len(history) < 2:
        return history
    values = history[names].to_numpy()
    same = np.all((values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1])), 1)
    if cohort:
        patients = history["patient"].to_numpy()
        same &= patients[1:] == patients[:-1]
    if not same.any():
        return history
    first = np.concatenate(([True], ~same))  # rows that start a new stretch
    group = np.cumsum(first) - 1
    ends = history["end"].groupby(group).last().to_numpy()
    merged = history[first].reset_index(drop=True)
    merged["end"] = ends
    merged.attrs = history.attrs
    return merged
