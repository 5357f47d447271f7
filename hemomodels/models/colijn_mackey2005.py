"""One stem-cell pool feeding neutrophils, platelets and red cells (Colijn & Mackey 2005).

Quiescent haematopoietic stem cells :math:`Q` either re-enter the cell cycle (rate
:math:`\\beta(Q)`, falling as the pool fills) or differentiate into one of three lineages at
rates set by each lineage's own feedback: :math:`\\kappa_N(N)` (neutrophils, G-CSF-like),
:math:`\\kappa_P(P)` (platelets, thrombopoietin-like) and :math:`\\kappa_R(R)` (red cells,
EPO-like). Cycling stem cells die at rate :math:`\\gamma_S` while they proliferate and
return to the pool as two daughters. Each lineage amplifies what it receives, matures for a
while in the marrow and then circulates: neutrophils are cleared at a constant rate,
platelets and red cells live for a fixed time and may also be lost at random.

Delays as chains of stages
--------------------------
The published model is a system of delay differential equations: cells leave a phase exactly
:math:`\\tau` days after entering it. This package integrates ordinary differential
equations, so every delay is replaced by a chain of ``stages`` compartments with the same mean
time (the *linear chain trick*): the time spent in the chain is then Erlang (gamma)
distributed instead of fixed. Transit-compartment models of this kind are distributed-delay
equations (``cassidy2019``) and lifespan-based models with a gamma lifespan distribution,
which tend to the fixed delay as the number of stages grows (``krzyzanski2011``). Death
within a chain is set per stage so that the fraction surviving the chain is exactly the
published one (:math:`e^{-\\gamma\\tau}`), so **the steady state is the delay model's** for
any number of stages. The dynamics are not: a distributed delay is stabilising
(``bernardcrauste2015``), so oscillations need a larger defect with fewer stages. The default
of 8 stages per delay keeps the onset of oscillation within about 15 % of the delay model's
and its period within a few per cent (tests/test_multilineage.py measures both).

Parameter values
----------------
The values are the *normal* set of Colijn & Mackey's part II (cyclical neutropenia) as coded
in the R package *myelo* by T. Radivoyevitch (``inst/doc/colijnPars05b.R``, which says they
come from Table 1); the paper's table itself was not read. One correction to that code: it
computes the red-cell feedback from the delayed *platelet* count; here it uses the red-cell
mass, as the paper's equations do. States use the paper's scaled units (10⁶ stem cells/kg,
10⁸ neutrophils/kg, 10¹⁰ platelets/kg, 10¹¹ red cells/kg); the amplification factors are the
published ones rescaled to those units.

References
----------
Colijn C, Mackey MC (2005). A mathematical model of hematopoiesis — I. Periodic chronic
myelogenous leukemia. *J Theor Biol* 237(2):117–132. (``colijn2005a``)

Colijn C, Mackey MC (2005). A mathematical model of hematopoiesis — II. Cyclical
neutropenia. *J Theor Biol* 237(2):133–146. (``colijn2005b``)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import sympy
from scipy.optimize import brentq

from .. import rules
from ..diagram import DiagramLayout
from ..model import Model
from ..spec import Flow, Observable, Parameter, State
from ._registry import register

__all__ = ["DEFAULT_STAGES", "colijn_mackey2005", "normal_state", "normal_steady_state"]

DEFAULT_STAGES = 8
MAX_STAGES = 32

_VALUES_NOTE = (
    "Normal set of Colijn and Mackey's part II as coded in the myelo R package, which cites "
    "the paper's Table 1; not yet checked against the paper."
)
_SCALED_NOTE = (
    "The published amplification rescaled to the model's units (myelo R package); not yet "
    "checked against the paper."
)

# name, value, unit, bounds, description, latex, label, low_inclusive, note
_PARAMETERS: tuple[tuple, ...] = (
    (
        "stem_apoptosis",
        0.07,
        "1/day",
        (0.0, 0.3),
        "Death rate of proliferating stem cells",
        r"\gamma_S",
        "Stem-cell death rate while dividing",
        True,
        _VALUES_NOTE,
    ),
    (
        "stem_cycle_time",
        2.8,
        "day",
        (0.5, 10.0),
        "Duration of the stem-cell cycle",
        r"\tau_S",
        "Stem-cell cycle time",
        False,
        _VALUES_NOTE,
    ),
    (
        "reentry_max",
        8.0,
        "1/day",
        (0.0, 20.0),
        "Maximal rate of re-entry into the cell cycle",
        "k_0",
        "Maximal re-entry rate",
        False,
        _VALUES_NOTE,
    ),
    (
        "reentry_half",
        0.3,
        "10^6 cells/kg",
        (0.0, 5.0),
        "Stem-cell number at which re-entry is half maximal",
        r"\theta_2",
        "Half-maximal stem-cell number",
        False,
        _VALUES_NOTE,
    ),
    (
        "reentry_hill",
        4.0,
        "1",
        (1.0, 8.0),
        "Steepness of the re-entry feedback",
        "s",
        "Re-entry Hill coefficient",
        True,
        _VALUES_NOTE,
    ),
    (
        "neutrophil_maturation_time",
        3.5,
        "day",
        (0.5, 15.0),
        "Time from commitment to a neutrophil in the blood",
        r"\tau_N",
        "Neutrophil maturation time",
        False,
        _VALUES_NOTE,
    ),
    (
        "neutrophil_clearance",
        2.4,
        "1/day",
        (0.1, 10.0),
        "Clearance rate of blood neutrophils",
        r"\gamma_N",
        "Neutrophil clearance rate",
        False,
        _VALUES_NOTE,
    ),
    (
        "neutrophil_amplification",
        752.0,
        "1",
        (0.0, 5000.0),
        "Neutrophils (10⁸/kg) made per stem cell (10⁶/kg) committed",
        "A_N",
        "Neutrophil amplification",
        False,
        _SCALED_NOTE,
    ),
    (
        "neutrophil_differentiation_max",
        0.40,
        "1/day",
        (0.0, 5.0),
        "Maximal rate of stem-cell commitment to neutrophils",
        "f_0",
        "Maximal neutrophil commitment rate",
        False,
        _VALUES_NOTE,
    ),
    (
        "neutrophil_differentiation_half",
        0.36,
        "10^8 cells/kg",
        (0.0, 10.0),
        "Neutrophil number at which commitment is half maximal",
        r"\theta_1",
        "Half-maximal neutrophil number",
        False,
        _VALUES_NOTE,
    ),
    (
        "neutrophil_differentiation_hill",
        1.0,
        "1",
        (1.0, 4.0),
        "Steepness of the neutrophil feedback",
        "n",
        "Neutrophil Hill coefficient",
        True,
        _VALUES_NOTE,
    ),
    (
        "platelet_maturation_time",
        7.0,
        "day",
        (0.5, 15.0),
        "Time from commitment to a platelet in the blood",
        r"\tau_{PM}",
        "Megakaryocyte maturation time",
        False,
        _VALUES_NOTE,
    ),
    (
        "platelet_lifespan",
        9.5,
        "day",
        (1.0, 14.0),
        "Lifespan of a platelet in the blood",
        r"\tau_{PS}",
        "Platelet lifespan",
        False,
        _VALUES_NOTE,
    ),
    (
        "platelet_random_loss",
        0.15,
        "1/day",
        (0.0, 1.0),
        "Rate of random platelet loss before the end of the lifespan",
        r"\gamma_P",
        "Random platelet loss",
        False,
        _VALUES_NOTE,
    ),
    (
        "platelet_amplification",
        28.2,
        "1",
        (0.0, 500.0),
        "Platelets (10¹⁰/kg) made per stem cell (10⁶/kg) committed",
        "A_P",
        "Platelet amplification",
        False,
        _SCALED_NOTE,
    ),
    (
        "platelet_differentiation_max",
        0.372,
        "1/day",
        (0.0, 5.0),
        "Maximal rate of stem-cell commitment to megakaryocytes",
        r"\bar{K}_P",
        "Maximal megakaryocyte commitment rate",
        False,
        _VALUES_NOTE,
    ),
    (
        "platelet_differentiation_scale",
        11.66,
        "1",
        (0.0, 100.0),
        "Sensitivity of megakaryocyte commitment to platelets (per (10¹⁰/kg)^r)",
        "K_P",
        "Platelet feedback sensitivity",
        False,
        _VALUES_NOTE,
    ),
    (
        "platelet_differentiation_exponent",
        1.29,
        "1",
        (0.5, 4.0),
        "Steepness of the platelet feedback",
        "r",
        "Platelet feedback exponent",
        True,
        _VALUES_NOTE,
    ),
    (
        "red_cell_maturation_time",
        6.0,
        "day",
        (0.5, 15.0),
        "Time from commitment to a reticulocyte in the blood",
        r"\tau_{RM}",
        "Erythroid maturation time",
        False,
        _VALUES_NOTE,
    ),
    (
        "reticulocyte_time",
        2.8,
        "day",
        (0.5, 5.0),
        "Time a new red cell circulates as a reticulocyte",
        r"\tau_{Ret}",
        "Reticulocyte time",
        False,
        _VALUES_NOTE,
    ),
    (
        "red_cell_total_lifespan",
        120.0,
        "day",
        (30.0, 140.0),
        "Red-cell age at removal, counted from the end of marrow maturation",
        r"\tau_\Sigma",
        "Red-cell lifespan",
        False,
        _VALUES_NOTE,
    ),
    (
        "red_cell_random_loss",
        0.001,
        "1/day",
        (0.0, 0.05),
        "Rate of random red-cell loss before the end of the lifespan",
        r"\gamma_R",
        "Random red-cell loss",
        True,
        _VALUES_NOTE,
    ),
    (
        "red_cell_amplification",
        5.63,
        "1",
        (0.0, 100.0),
        "Red cells (10¹¹/kg) made per stem cell (10⁶/kg) committed",
        "A_R",
        "Red-cell amplification",
        False,
        _SCALED_NOTE,
    ),
    (
        "red_cell_differentiation_max",
        1.17,
        "1/day",
        (0.0, 5.0),
        "Maximal rate of stem-cell commitment to erythroid cells",
        r"\bar{K}_R",
        "Maximal erythroid commitment rate",
        False,
        _VALUES_NOTE,
    ),
    (
        "red_cell_differentiation_scale",
        0.0382,
        "1",
        (0.0, 1.0),
        "Sensitivity of erythroid commitment to red cells (per (10¹¹/kg)^m)",
        "K_R",
        "Red-cell feedback sensitivity",
        False,
        _VALUES_NOTE,
    ),
    (
        "red_cell_differentiation_exponent",
        6.96,
        "1",
        (1.0, 10.0),
        "Steepness of the red-cell feedback",
        "m",
        "Red-cell feedback exponent",
        True,
        _VALUES_NOTE,
    ),
)

# Conversion of the model's cells per kilogram into the blood counts a laboratory reports.
_BLOOD_VOLUME_NOTE = (
    "Computed with Nadler's formula for a man of 70 kg and 1.75 m (4.82 L of blood); the "
    "formula was read in secondary sources, not in the paper."
)
_MARGINATED_NOTE = (
    "Illustrative: the model counts every neutrophil in the blood, but a blood sample misses "
    "those held along vessel walls (the marginated pool), often said to be about half; this "
    "value is not checked against a source."
)
_COUNT_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "blood_volume",
        4.82 / 70,
        "L/kg",
        (0.04, 0.1),
        "Blood volume per kilogram of body weight",
        "nadler1962",
        latex="V_B",
        note=_BLOOD_VOLUME_NOTE,
        low_inclusive=False,
        label="Blood volume",
        basis="computed",
    ),
    Parameter(
        "circulating_neutrophil_fraction",
        0.5,
        "1",
        (0.1, 1.0),
        "Fraction of blood neutrophils that circulate (and are counted in a blood sample)",
        "colijn2005b",
        latex="f_c",
        note=_MARGINATED_NOTE,
        low_inclusive=False,
        label="Circulating neutrophil fraction",
        basis="illustrative",
    ),
)

_DEFAULTS = {row[0]: row[1] for row in _PARAMETERS}

# lineage key: (state prefix, what the marrow chain holds, what circulates, unit, latex)
_LINEAGES = {
    "neutrophil": ("neutrophil", "10^8 cells/kg", "N", "M"),
    "platelet": ("platelet", "10^10 cells/kg", "P", "PM"),
    "red_cell": ("red_cell", "10^11 cells/kg", "R", "RM"),
}


def _hill_down(maximum: float, x: float, half: float, hill: float) -> float:
    return maximum / (1 + (x / half) ** hill)


def _survival(rate: float, time: float) -> float:
    return math.exp(-rate * time)


def normal_steady_state(params: Mapping[str, float] | None = None) -> dict[str, float]:
    """Stem-cell pool and blood totals at the positive steady state (scaled units).

    At a steady state the delays drop out (``colijn2005b``):

    .. math::

        \\beta(Q)\\,(2 e^{-\\gamma_S\\tau_S} - 1) = \\kappa_N(N) + \\kappa_P(P) + \\kappa_R(R),
        \\qquad \\gamma_N N = A_N\\kappa_N(N) Q,

        \\gamma_P P = A_P\\kappa_P(P) Q\\,(1 - e^{-\\gamma_P\\tau_{PS}}),\\qquad
        \\gamma_R R = A_R\\kappa_R(R) Q\\,(1 - e^{-\\gamma_R\\tau_{RS}}),

    with :math:`\\tau_{RS} = \\tau_\\Sigma - \\tau_{RM} - \\tau_{Ret}`; each blood total is a
    root of a monotone function given :math:`Q`, and :math:`Q` one of a monotone balance,
    found with :func:`scipy.optimize.brentq`. The result does not depend on the number of
    stages of the chains.

    Parameters
    ----------
    params : mapping, optional
        Parameter values by name (the model's defaults otherwise).

    Returns
    -------
    dict
        ``stem_cells`` (10⁶ cells/kg), ``neutrophils`` (10⁸/kg), ``platelets`` (10¹⁰/kg) and
        ``red_cells`` (10¹¹/kg) at the largest root of the stem-cell balance (the normal
        state); all zero when there is none (the stem cells cannot sustain themselves).

    Examples
    --------
    >>> {k: round(v, 3) for k, v in normal_steady_state().items()}
    {'stem_cells': 1.01, 'neutrophils': 6.573, 'platelets': 1.917, 'red_cells': 3.43}
    """
    p = dict(_DEFAULTS)
    p.update(params or {})
    net_renewal = 2 * _survival(p["stem_apoptosis"], p["stem_cycle_time"]) - 1
    platelet_fraction = 1 - _survival(p["platelet_random_loss"], p["platelet_lifespan"])
    red_cell_life = (
        p["red_cell_total_lifespan"] - p["red_cell_maturation_time"] - p["reticulocyte_time"]
    )
    red_fraction = (
        red_cell_life
        if p["red_cell_random_loss"] == 0
        else (1 - _survival(p["red_cell_random_loss"], red_cell_life)) / p["red_cell_random_loss"]
    )

    def kappa_n(n: float) -> float:
        return _hill_down(
            p["neutrophil_differentiation_max"],
            n,
            p["neutrophil_differentiation_half"],
            p["neutrophil_differentiation_hill"],
        )

    def kappa_p(x: float) -> float:
        scale = p["platelet_differentiation_scale"]
        return p["platelet_differentiation_max"] / (
            1 + scale * x ** p["platelet_differentiation_exponent"]
        )

    def kappa_r(x: float) -> float:
        scale = p["red_cell_differentiation_scale"]
        return p["red_cell_differentiation_max"] / (
            1 + scale * x ** p["red_cell_differentiation_exponent"]
        )

    def totals(q: float) -> tuple[float, float, float]:
        def root(balance) -> float:
            high = 1.0
            while balance(high) > 0:
                high *= 2
            return brentq(balance, 0.0, high, xtol=1e-14, rtol=1e-13)

        n = root(
            lambda x: p["neutrophil_amplification"] * kappa_n(x) * q - p["neutrophil_clearance"] * x
        )
        plt = (
            root(
                lambda x: (
                    p["platelet_amplification"] * kappa_p(x) * q * platelet_fraction
                    - p["platelet_random_loss"] * x
                )
            )
            if p["platelet_random_loss"] > 0
            else root(
                lambda x: p["platelet_amplification"] * kappa_p(x) * q * p["platelet_lifespan"] - x
            )
        )
        red = root(lambda x: p["red_cell_amplification"] * kappa_r(x) * q * red_fraction - x)
        return n, plt, red

    def balance(q: float) -> float:
        beta = _hill_down(p["reentry_max"], q, p["reentry_half"], p["reentry_hill"])
        n, plt, red = totals(q)
        return beta * net_renewal - (kappa_n(n) + kappa_p(plt) + kappa_r(red))

    zero = {"stem_cells": 0.0, "neutrophils": 0.0, "platelets": 0.0, "red_cells": 0.0}
    if net_renewal <= 0:
        return zero
    # the normal state is the largest root of the balance (re-entry vanishes for large Q);
    # below it may lie a second, unstable root when the empty marrow is itself stable
    grid = np.geomspace(1e-6, 1e3, 241) * p["reentry_half"]
    positive = [q for q in grid if balance(q) > 0]
    if not positive:
        return zero
    start = positive[-1]
    q = brentq(balance, start, start * grid[1] / grid[0], xtol=1e-14, rtol=1e-13)
    n, plt, red = totals(q)
    return {"stem_cells": q, "neutrophils": n, "platelets": plt, "red_cells": red}


def _chain_values(inflow: float, rates: list[float], losses: list[float]) -> list[float]:
    """Steady contents of a chain of stages with the given exit and loss rates."""
    values = []
    for rate, loss in zip(rates, losses, strict=True):
        value = inflow / (rate + loss)
        values.append(value)
        inflow = rate * value
    return values


def normal_state(
    stages: int = DEFAULT_STAGES, params: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Every compartment of :func:`~hemomodels.models.colijn_mackey2005` at the normal steady state.

    The blood totals of :func:`normal_steady_state`, spread along each chain of stages as the
    chain's flows require.

    Parameters
    ----------
    stages : int, default 8
        Compartments per delay, as in :func:`~hemomodels.models.colijn_mackey2005`.
    params : mapping, optional
        Parameter values by name (the model's defaults otherwise).

    Returns
    -------
    dict
        Value of every state by name, in the state's unit.

    Examples
    --------
    >>> state = normal_state(stages=2)
    >>> round(state["platelets_1"] + state["platelets_2"], 3)
    1.917
    """
    stages = rules.integer(stages, "stages", low=1, high=MAX_STAGES, unit="1")
    p = dict(_DEFAULTS)
    p.update(params or {})
    steady = normal_steady_state(p)
    q = steady["stem_cells"]
    beta = _hill_down(p["reentry_max"], q, p["reentry_half"], p["reentry_hill"])
    stem_rate = stages / p["stem_cycle_time"]
    stem_loss = stem_rate * math.expm1(p["stem_apoptosis"] * p["stem_cycle_time"] / stages)
    values = {"stem_cells": q, "neutrophils": steady["neutrophils"]}
    cycling = _chain_values(beta * q, [stem_rate] * stages, [stem_loss] * stages)
    values |= {f"cycling_stem_cells_{i + 1}": v for i, v in enumerate(cycling)}
    commitment = {
        "neutrophil": _hill_down(
            p["neutrophil_differentiation_max"],
            steady["neutrophils"],
            p["neutrophil_differentiation_half"],
            p["neutrophil_differentiation_hill"],
        ),
        "platelet": p["platelet_differentiation_max"]
        / (
            1
            + p["platelet_differentiation_scale"]
            * steady["platelets"] ** p["platelet_differentiation_exponent"]
        ),
        "red_cell": p["red_cell_differentiation_max"]
        / (
            1
            + p["red_cell_differentiation_scale"]
            * steady["red_cells"] ** p["red_cell_differentiation_exponent"]
        ),
    }
    inflow = {key: p[f"{key}_amplification"] * kappa * q for key, kappa in commitment.items()}
    for key in commitment:
        rate = stages / p[f"{key}_maturation_time"]
        chain = _chain_values(inflow[key], [rate] * stages, [0.0] * stages)
        values |= {f"{key}_precursors_{i + 1}": v for i, v in enumerate(chain)}
    red_life = p["red_cell_total_lifespan"] - p["red_cell_maturation_time"] - p["reticulocyte_time"]
    for key, loss, life in (
        ("platelet", p["platelet_random_loss"], p["platelet_lifespan"]),
        ("red_cell", p["red_cell_random_loss"], red_life),
    ):
        rate = _ageing_rate(loss, life, stages)
        chain = _chain_values(inflow[key], [rate] * stages, [loss] * stages)
        values |= {f"{key}s_{i + 1}": v for i, v in enumerate(chain)}
    return values


def _ageing_rate(loss: float, life: float, stages: int) -> float:
    """Rate of moving to the next age class, so that e^(-loss * life) survive ``stages``."""
    if loss == 0:
        return stages / life
    return loss / math.expm1(loss * life / stages)


def _index(i: int, stages: int, words: str = " ") -> str:
    """A stage's number in a label, left out when every chain has one stage."""
    return "" if stages == 1 else f"{words}{i}"


def _rhs_from(flows: list[Flow]) -> dict[State, sympy.Expr]:
    """Right-hand sides written out from the flows (the diagram then reads the couplings
    between lineages, whose units differ, from the equations)."""
    rhs: dict[State, sympy.Expr] = {}
    for flow in flows:
        if flow.source is not None:
            rhs[flow.source] = rhs.get(flow.source, sympy.Integer(0)) - flow.rate
        if flow.target is not None:
            rhs[flow.target] = rhs.get(flow.target, sympy.Integer(0)) + flow.rate
    return rhs


def _floor(count: sympy.Expr) -> sympy.Expr:
    """``max(count, 0)``: a count raised to a fractional power in a feedback. Counts are never
    negative (the states are declared non-negative and checked), but the solver's round-off
    can dip a vanishing count just below zero, where a fractional power is undefined."""
    return sympy.Max(count, 0)


def _ageing_rate_expr(loss: sympy.Expr, life: sympy.Expr, stages: int) -> sympy.Expr:
    return loss / (sympy.exp(loss * life / stages) - 1)


@register
def colijn_mackey2005(stages: int = DEFAULT_STAGES) -> Model:
    """Build the multi-lineage model of haematopoiesis with delays as chains of stages.

    Parameters
    ----------
    stages : int, default 8
        Compartments per delay (1 to 32). More stages approach the published fixed delays;
        the steady state is the same for every number.

    Returns
    -------
    Model
        ``2 + 6 * stages`` states in the paper's scaled units, time in days; observables for
        the three blood totals, the four feedback rates and the counts relative to normal.

    Raises
    ------
    ModelError
        If ``stages`` is not a whole number from 1 to 32.

    Examples
    --------
    >>> from hemomodels.models import colijn_mackey2005
    >>> model = colijn_mackey2005(stages=4)
    >>> len(model.state_names)
    26
    >>> result = model.simulate(50)
    >>> round(float(result["platelets"][-1]), 3)  # starts and stays at the normal state
    1.917
    """
    return _build(rules.integer(stages, "stages", low=1, high=MAX_STAGES, unit="1"))


def _build(stages: int) -> Model:
    params = {
        name: Parameter(
            name,
            value,
            unit,
            bounds,
            description,
            "colijn2005b",
            latex=latex,
            label=label,
            low_inclusive=low_inclusive,
            note=note,
            basis="published",
        )
        for (
            name,
            value,
            unit,
            bounds,
            description,
            latex,
            label,
            low_inclusive,
            note,
        ) in _PARAMETERS
    }
    sym = {name: parameter.symbol for name, parameter in params.items()}
    initial = normal_state(stages)

    def state(name: str, description: str, unit: str, latex: str, label: str) -> State:
        return State(name, description, unit, initial=initial[name], latex=latex, label=label)

    stem = state(
        "stem_cells",
        "Quiescent haematopoietic stem cells",
        "10^6 cells/kg",
        "Q",
        "Resting stem cells",
    )
    neutrophils = state(
        "neutrophils", "Neutrophils in the blood", "10^8 cells/kg", "N", "Neutrophils"
    )
    cycling = [
        state(
            f"cycling_stem_cells_{i}",
            f"Dividing stem cells, stage {i} of {stages}",
            "10^6 cells/kg",
            f"S_{{{i}}}",
            "Dividing stem cells" + _index(i, stages),
        )
        for i in range(1, stages + 1)
    ]
    precursors = {
        key: [
            state(
                f"{key}_precursors_{i}",
                f"{words} precursors in the marrow, stage {i} of {stages}",
                unit,
                f"{symbol}_{{{i}}}",
                f"{words} precursors" + _index(i, stages),
            )
            for i in range(1, stages + 1)
        ]
        for key, words, unit, symbol in (
            ("neutrophil", "Neutrophil", "10^8 cells/kg", "M"),
            ("platelet", "Megakaryocyte (platelet)", "10^10 cells/kg", "PM"),
            ("red_cell", "Erythroid (red-cell)", "10^11 cells/kg", "RM"),
        )
    }
    platelets = [
        state(
            f"platelets_{i}",
            f"Platelets in the blood, age class {i} of {stages}",
            "10^10 cells/kg",
            f"P_{{{i}}}",
            "Platelets" + _index(i, stages, ", age class "),
        )
        for i in range(1, stages + 1)
    ]
    red_cells = [
        state(
            f"red_cells_{i}",
            f"Red cells in the blood, age class {i} of {stages}",
            "10^11 cells/kg",
            f"R_{{{i}}}",
            "Red cells" + _index(i, stages, ", age class "),
        )
        for i in range(1, stages + 1)
    ]

    platelet_total = Observable(
        "platelets",
        sympy.Add(*(s.symbol for s in platelets)),
        "10^10 cells/kg",
        "Platelets in the blood (all ages)",
        latex="P",
        label="Platelets",
    )
    red_cell_total = Observable(
        "red_cells",
        sympy.Add(*(s.symbol for s in red_cells)),
        "10^11 cells/kg",
        "Red cells in the blood (all ages)",
        latex="R",
        label="Red cells",
    )
    P, R, N, Q = platelet_total.symbol, red_cell_total.symbol, neutrophils.symbol, stem.symbol
    reentry = Observable(
        "reentry_rate",
        sym["reentry_max"] / (1 + (_floor(Q) / sym["reentry_half"]) ** sym["reentry_hill"]),
        "1/day",
        "Rate at which resting stem cells re-enter the cell cycle",
        latex=r"\beta",
        label="Re-entry rate",
    )
    to_neutrophils = Observable(
        "neutrophil_commitment",
        sym["neutrophil_differentiation_max"]
        / (
            1
            + (_floor(N) / sym["neutrophil_differentiation_half"])
            ** sym["neutrophil_differentiation_hill"]
        ),
        "1/day",
        "Rate of stem-cell commitment to neutrophils (G-CSF-like feedback)",
        latex=r"\kappa_N",
        label="Neutrophil commitment rate",
    )
    to_platelets = Observable(
        "platelet_commitment",
        sym["platelet_differentiation_max"]
        / (
            1
            + sym["platelet_differentiation_scale"]
            * _floor(P) ** sym["platelet_differentiation_exponent"]
        ),
        "1/day",
        "Rate of stem-cell commitment to megakaryocytes (thrombopoietin-like feedback)",
        latex=r"\kappa_P",
        label="Platelet commitment rate",
    )
    to_red_cells = Observable(
        "red_cell_commitment",
        sym["red_cell_differentiation_max"]
        / (
            1
            + sym["red_cell_differentiation_scale"]
            * _floor(R) ** sym["red_cell_differentiation_exponent"]
        ),
        "1/day",
        "Rate of stem-cell commitment to erythroid cells (EPO-like feedback)",
        latex=r"\kappa_R",
        label="Red-cell commitment rate",
    )
    normal = normal_steady_state()
    relative = [
        Observable(
            f"{name}_percent_of_normal",
            100 * expr / normal[name],
            "%",
            f"{words} as a percentage of the normal steady state at the default parameters",
            latex=rf"{latex}/{latex}^*",
            label=f"{words} (% of normal)",
        )
        for name, expr, words, latex in (
            ("neutrophils", N, "Neutrophils", "N"),
            ("platelets", P, "Platelets", "P"),
            ("red_cells", R, "Red cells", "R"),
        )
    ]

    n = sympy.Integer(stages)
    for parameter in _COUNT_PARAMETERS:
        params[parameter.name] = parameter
        sym[parameter.name] = parameter.symbol
    volume = sym["blood_volume"]
    release = n / sym["red_cell_maturation_time"] * precursors["red_cell"][-1].symbol
    counts = [
        Observable(
            "ANC",
            N * sym["circulating_neutrophil_fraction"] / (10 * volume),
            "10^9 cells/L",
            "Absolute neutrophil count (circulating neutrophils per litre of blood)",
            latex=r"\mathrm{ANC}",
            label="Neutrophil count",
        ),
        Observable(
            "platelet_count",
            10 * P / volume,
            "10^9 cells/L",
            "Platelet count (platelets per litre of blood)",
            latex=r"\mathrm{PLT}",
            label="Platelet count",
        ),
        Observable(
            "red_cell_count",
            R / (10 * volume),
            "10^12 cells/L",
            "Red-cell count (red cells per litre of blood)",
            latex=r"\mathrm{RBC}",
            label="Red-cell count",
        ),
        Observable(
            "reticulocytes",
            100 * release * sym["reticulocyte_time"] / volume,
            "10^9 cells/L",
            "Reticulocyte count, approximated as the red cells released in the last "
            "reticulocyte time",
            latex=r"\mathrm{Ret}",
            label="Reticulocyte count",
        ),
    ]

    stem_rate = n / sym["stem_cycle_time"]
    stem_loss = stem_rate * (sympy.exp(sym["stem_apoptosis"] * sym["stem_cycle_time"] / n) - 1)
    flows: list[Flow] = [Flow(stem, cycling[0], reentry.symbol * Q, "Re-entry into the cycle")]
    for i, s in enumerate(cycling):
        flows.append(Flow(s, None, stem_loss * s.symbol, "Death while dividing"))
        if i + 1 < stages:
            flows.append(Flow(s, cycling[i + 1], stem_rate * s.symbol, "Cycle progression"))
    # division: each cell leaving the last stage returns to rest as two daughters
    flows.append(Flow(cycling[-1], stem, stem_rate * cycling[-1].symbol, "Division"))
    flows.append(Flow(None, stem, stem_rate * cycling[-1].symbol, "Second daughter"))

    commitment = {
        "neutrophil": (
            to_neutrophils,
            sym["neutrophil_amplification"],
            sym["neutrophil_maturation_time"],
        ),
        "platelet": (to_platelets, sym["platelet_amplification"], sym["platelet_maturation_time"]),
        "red_cell": (to_red_cells, sym["red_cell_amplification"], sym["red_cell_maturation_time"]),
    }
    for key, (kappa, amplification, maturation) in commitment.items():
        chain = precursors[key]
        flows.append(Flow(stem, None, kappa.symbol * Q, "Commitment"))
        flows.append(Flow(None, chain[0], amplification * kappa.symbol * Q, "Amplified commitment"))
        rate = n / maturation
        for i, s in enumerate(chain[:-1]):
            flows.append(Flow(s, chain[i + 1], rate * s.symbol, "Maturation"))
        out = {"neutrophil": [neutrophils], "platelet": platelets, "red_cell": red_cells}[key]
        flows.append(Flow(chain[-1], out[0], rate * chain[-1].symbol, "Release into the blood"))
    flows.append(Flow(neutrophils, None, sym["neutrophil_clearance"] * N, "Clearance"))
    red_life = (
        sym["red_cell_total_lifespan"] - sym["red_cell_maturation_time"] - sym["reticulocyte_time"]
    )
    for cells, loss, life in (
        (platelets, sym["platelet_random_loss"], sym["platelet_lifespan"]),
        (red_cells, sym["red_cell_random_loss"], red_life),
    ):
        ageing = _ageing_rate_expr(loss, life, stages)
        for i, s in enumerate(cells):
            flows.append(Flow(s, None, loss * s.symbol, "Random loss"))
            target = cells[i + 1] if i + 1 < stages else None
            flows.append(
                Flow(
                    s,
                    target,
                    ageing * s.symbol,
                    "Ageing" if target is not None else "Removal at the end of life",
                )
            )

    with sympy.evaluate(False):  # the feedbacks as published (counts are never negative)
        shown_feedbacks = {
            reentry: sym["reentry_max"] / (1 + (Q / sym["reentry_half"]) ** sym["reentry_hill"]),
            to_neutrophils: sym["neutrophil_differentiation_max"]
            / (
                1
                + (N / sym["neutrophil_differentiation_half"])
                ** sym["neutrophil_differentiation_hill"]
            ),
            to_platelets: sym["platelet_differentiation_max"]
            / (
                1
                + sym["platelet_differentiation_scale"]
                * P ** sym["platelet_differentiation_exponent"]
            ),
            to_red_cells: sym["red_cell_differentiation_max"]
            / (
                1
                + sym["red_cell_differentiation_scale"]
                * R ** sym["red_cell_differentiation_exponent"]
            ),
        }
    display = shown_feedbacks | _display_forms(
        stages,
        sym,
        stem,
        cycling,
        precursors,
        neutrophils,
        platelets,
        red_cells,
        (reentry, to_neutrophils, to_platelets, to_red_cells),
    )
    return Model(
        f"Colijn and Mackey 2005 (three lineages, {stages} stages per delay)",
        states=[
            stem,
            *cycling,
            *precursors["neutrophil"],
            neutrophils,
            *precursors["platelet"],
            *platelets,
            *precursors["red_cell"],
            *red_cells,
        ],
        parameters=list(params.values()),
        rhs=_rhs_from(flows),
        diagram_layout=DiagramLayout(
            groups=(
                ("Stem cells", ("stem_cells", *(c.name for c in cycling))),
                (
                    "Neutrophil lineage",
                    (*(c.name for c in precursors["neutrophil"]), "neutrophils"),
                ),
                (
                    "Platelet lineage",
                    (*(c.name for c in precursors["platelet"]), *(c.name for c in platelets)),
                ),
                (
                    "Red-cell lineage",
                    (*(c.name for c in precursors["red_cell"]), *(c.name for c in red_cells)),
                ),
            ),
            losses=False,
            direction="LR",
        ),
        observables=[
            platelet_total,
            red_cell_total,
            reentry,
            to_neutrophils,
            to_platelets,
            to_red_cells,
            *relative,
            *counts,
        ],
        time_unit="day",
        description=(
            "One stem-cell pool feeding neutrophils, platelets and red cells, each lineage "
            "under its own feedback; delays as chains of stages."
        ),
        reference="colijn2005b",
        solve_symbolically=False,
        max_time=1e5,
        display=display,
    )


def _display_forms(
    stages, sym, stem, cycling, precursors, neutrophils, platelets, red_cells, feedbacks
) -> dict:
    """The equations a textbook writes: the stem-cell pool, the first stage of every chain
    and the blood neutrophils, with the stage rates written as n/τ."""
    beta, kappa_n, kappa_p, kappa_r = (f.symbol for f in feedbacks)
    n = sympy.Integer(stages)
    Q = stem.symbol
    with sympy.evaluate(False):
        stem_rate = n / sym["stem_cycle_time"]
        stem_loss = stem_rate * (sympy.exp(sym["stem_apoptosis"] * sym["stem_cycle_time"] / n) - 1)
        forms = {
            stem: -sympy.Add(beta, kappa_n, kappa_p, kappa_r, evaluate=False) * Q
            + 2 * stem_rate * cycling[-1].symbol,
            cycling[0]: beta * Q - (stem_rate + stem_loss) * cycling[0].symbol,
            neutrophils: n / sym["neutrophil_maturation_time"] * precursors["neutrophil"][-1].symbol
            - sym["neutrophil_clearance"] * neutrophils.symbol,
        }
        for key, kappa in (("neutrophil", kappa_n), ("platelet", kappa_p), ("red_cell", kappa_r)):
            first = precursors[key][0]
            forms[first] = (
                sym[f"{key}_amplification"] * kappa * Q
                - n / sym[f"{key}_maturation_time"] * first.symbol
            )
    return forms
