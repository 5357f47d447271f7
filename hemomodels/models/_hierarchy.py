"""Building blocks shared by hierarchy models: one lineage under self-renewal feedback.

The Marciniak-Czochra/Stiehl family of models describes a lineage as a chain of
compartments :math:`c_1, \\dots, c_n`. Cells of compartment *i* < *n* divide at rate
:math:`p_i`; each of the two daughters stays in compartment *i* with probability
:math:`a_i s` (self-renewal, scaled by a feedback signal :math:`s`) and otherwise moves to
compartment *i* + 1. The last compartment holds post-mitotic cells cleared at rate
:math:`d_n`. :func:`self_renewal_lineage` writes these right-hand sides for any number of
compartments and any signal, so that a model with one lineage
(:func:`~hemomodels.models.marciniak_czochra_2009`) and a model with two competing lineages
sharing one signal (:func:`~hemomodels.models.stiehl2015`) use the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import sympy

from ..errors import ModelError
from ..spec import Observable, Parameter, State

__all__ = ["self_renewal_lineage"]

Term: TypeAlias = Parameter | Observable | sympy.Expr


def _expr(value: Term) -> sympy.Expr:
    if isinstance(value, (Parameter, Observable)):
        return value.symbol
    return sympy.sympify(value)


def self_renewal_lineage(
    states: Sequence[State],
    self_renewal: Sequence[Term],
    division_rates: Sequence[Term],
    clearance: Term,
    signal: Term,
    *,
    display: bool = False,
) -> dict[State, sympy.Expr]:
    """Right-hand sides of one lineage whose self-renewal is scaled by a feedback signal.

    For compartments :math:`c_1, \\dots, c_n` (``states``), self-renewal fractions
    :math:`a_1, \\dots, a_{n-1}`, division rates :math:`p_1, \\dots, p_{n-1}`, clearance
    :math:`d_n` of the last (post-mitotic) compartment and signal :math:`s`:

    .. math::

        \\frac{dc_1}{dt} &= (2 a_1 s - 1)\\, p_1 c_1 \\\\
        \\frac{dc_i}{dt} &= 2 (1 - a_{i-1} s)\\, p_{i-1} c_{i-1} + (2 a_i s - 1)\\, p_i c_i
            \\quad (1 < i < n) \\\\
        \\frac{dc_n}{dt} &= 2 (1 - a_{n-1} s)\\, p_{n-1} c_{n-1} - d_n c_n

    Parameters
    ----------
    states : sequence of State
        The compartments, from the most primitive to the post-mitotic one (at least two).
    self_renewal : sequence of Parameter or sympy.Expr
        Maximal self-renewal fractions :math:`a_i` (dimensionless, at :math:`s = 1`), one per
        dividing compartment (``len(states) - 1``).
    division_rates : sequence of Parameter or sympy.Expr
        Division rates :math:`p_i` (1/time), one per dividing compartment.
    clearance : Parameter or sympy.Expr
        Clearance (death) rate :math:`d_n` of the last compartment (1/time).
    signal : Observable, Parameter or sympy.Expr
        The feedback signal :math:`s` (dimensionless), usually an observable's symbol so the
        displayed equations keep its short name.
    display : bool, default False
        Return the same right-hand sides unevaluated, in the order of the formulas above (the
        textbook's), to pass as ``display=`` to :class:`~hemomodels.Model`.

    Returns
    -------
    dict of State to sympy.Expr
        ``d state / dt`` for every state, to pass as ``rhs=`` to :class:`~hemomodels.Model`
        (merge the dictionaries of several lineages for a model with competing lineages).

    Examples
    --------
    >>> import sympy
    >>> from hemomodels import State
    >>> c = [State(f"c{i}", f"compartment {i}", "cells", 0.0) for i in (1, 2)]
    >>> a, p, d, s = sympy.symbols("a p d s")
    >>> rhs = self_renewal_lineage(c, [a], [p], d, s)
    >>> rhs[c[0]]
    c1*p*(2*a*s - 1)
    >>> shown = self_renewal_lineage(c, [a], [p], d, s, display=True)
    >>> print(sympy.latex(shown[c[1]], order="none"))
    2 \\left(1 - a s\\right) p c_{1} - d c_{2}
    """
    n = len(states)
    if n < 2 or len(self_renewal) != n - 1 or len(division_rates) != n - 1:
        raise ModelError(
            f"self_renewal_lineage: {n} states need {n - 1} self-renewal fractions and "
            f"{n - 1} division rates (got {len(self_renewal)} and {len(division_rates)}); "
            "allowed: at least two states.",
            field="lineage",
            value=(n, len(self_renewal), len(division_rates)),
        )
    s = _expr(signal)
    cells = [state.symbol for state in states]
    a = [_expr(x) for x in self_renewal]
    p = [_expr(x) for x in division_rates]
    d = _expr(clearance)
    rhs: dict[State, sympy.Expr] = {}
    with sympy.evaluate(not display):
        for i, state in enumerate(states):
            if i == 0:
                rhs[state] = (2 * a[0] * s - 1) * p[0] * cells[0]
                continue
            inflow = 2 * (1 - a[i - 1] * s) * p[i - 1] * cells[i - 1]
            if i < n - 1:
                rhs[state] = inflow + (2 * a[i] * s - 1) * p[i] * cells[i]
            else:
                rhs[state] = inflow - d * cells[i]
    return rhs
