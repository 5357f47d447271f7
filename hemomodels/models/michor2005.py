"""Chronic myeloid leukaemia under imatinib (Michor et al. 2005).

Three four-level hierarchies run side by side: normal cells :math:`x_0 \\dots x_3`,
imatinib-sensitive leukaemic cells :math:`y_0 \\dots y_3` and imatinib-resistant leukaemic cells
:math:`z_0 \\dots z_3`. Level 0 holds stem cells, level 1 progenitors, level 2 differentiated
and level 3 terminally differentiated cells. Stem cells of each kind make progenitors (rates
:math:`a`), progenitors make differentiated cells (:math:`b`) and differentiated cells make
terminal cells (:math:`c`); cells of level *i* die at rate :math:`d_i`, the same for every
kind. Leukaemic stem cells grow at rate :math:`r_y` (resistant ones at :math:`r_z`) with no
feedback; a sensitive leukaemic stem-cell division gives a resistant cell with probability
:math:`u`. Imatinib does not touch the stem cells: it divides the sensitive leukaemic
production rates :math:`a_y` and :math:`b_y` by 100 and 750, so the differentiated
and then the progenitor leukaemic cells wash out and the BCR-ABL ratio falls in two
exponential phases whose slopes are close to :math:`d_2` and :math:`d_1`.

Choices where public transcriptions of the paper disagree (not yet checked against the paper):

* **BCR-ABL ratio.** ``bcr_abl_ratio`` is :math:`(y_3+z_3)/(y_3+z_3+2x_3)`: PCR measures
  BCR-ABL against the BCR gene, of which a normal cell has two copies and a leukaemic cell one
  (the other is fused to ABL). This is the form of the later implementations in the R package
  *myelo* (T. Radivoyevitch); its first implementation omits the factor 2. The factor changes
  the ratio by less than a factor of 2 and does not change the slopes of its logarithm while
  leukaemic cells are a minority.
* **Resistant growth rate.** :math:`r_z = 0.023`/day as in every *myelo* version (another
  transcription has 0.0023/day, which with :math:`d_0 = 0.003` would make resistant stem cells
  die out, contradicting the resistance the model was built to explain).
* **Normal stem-cell homeostasis.** The paper keeps :math:`x_0` at homeostasis with a
  decreasing function :math:`\\lambda(x_0)` whose form could not be checked. Here
  :math:`\\lambda(x_0) = d_0 + h\\,(1 - x_0/x_0^*)`, so :math:`x_0^*` is exactly the steady state
  and small deviations relax at rate :math:`h` (illustrative). *myelo* uses
  :math:`\\lambda = -0.5\\,(x_0 - x_0^*)` per cell, whose rest point is a few thousandths of a
  cell below :math:`x_0^*`.

References
----------
Michor F, Hughes TP, Iwasa Y, Branford S, Shah NP, Sawyers CL, Nowak MA (2005). Dynamics of
chronic myeloid leukaemia. *Nature* 435:1267–1270. (``michor2005``)
"""

from __future__ import annotations

from typing import Any

import sympy

from ..diagram import DiagramLayout
from ..model import Model
from ..spec import Observable, Parameter, State
from ._registry import register

__all__ = ["michor2005"]

# Audit trail: the values were read in radivot/myelo (michor05.R and its compiled, mrgsolve
# and RxODE versions) and, for the therapy factors, also in
# paul-bbt/cs-impact-immune-response (parameters.R).
_CODE_NOTE = (
    "From the myelo R package (T. Radivoyevitch), which cites the paper; not yet checked "
    "against the paper."
)
_THERAPY_NOTE = (
    "From the myelo R package (a_y/100 and b_y/750 during therapy) and a second public "
    "implementation; not yet checked against the paper."
)

# Normal homeostasis (cells): the later myelo versions start from x0* = 1e6 with every level at
# its steady state x_{i+1} = rate_i x_i / d_{i+1}.
_X0_STAR = 1e6
# Untreated leukaemic burden at the start (myelo's reproduction of the paper's Fig. 4): y0 and
# the downstream levels at their quasi-steady state y1 = a_y y0/d1, y2 = b_y y1/d2, y3 = c_y y2/d3.
_Y0_START = 2.5e5


def _rate(name, value, description, latex, note=_CODE_NOTE, high=1000.0) -> Parameter:
    return Parameter(
        name,
        value,
        "1/day",
        (0.0, high),
        description,
        "michor2005",
        latex=latex,
        note=note,
        basis="published",
    )


@register
def michor2005() -> Model:
    """Build the Michor et al. (2005) model of chronic myeloid leukaemia under imatinib.

    Returns
    -------
    Model
        Twelve states ``x0..x3`` (normal), ``y0..y3`` (imatinib-sensitive leukaemic),
        ``z0..z3`` (imatinib-resistant leukaemic), in cells; time in days. The parameter
        ``imatinib`` (0 = off, 1 = on) switches therapy; change it during a simulation with
        :class:`hemomodels.ParameterChange`. Observables: ``bcr_abl_ratio`` (fraction),
        ``leukaemic_stem_cells`` (cells) and ``resistant_fraction`` of terminal leukaemic cells.
        By default the normal cells are at homeostasis and the leukaemic cells at the
        untreated burden used to reproduce the paper's Fig. 4; no resistant cell is present.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.michor2005()
    >>> on = [hm.ParameterChange(0.0, {"imatinib": 1.0})]
    >>> result = model.simulate(100, doses=on, t_eval=[0.0, 100.0])
    >>> bool(result["bcr_abl_ratio"][-1] < result["bcr_abl_ratio"][0] / 10)
    True
    """
    levels = (
        "stem cells",
        "progenitors",
        "differentiated cells",
        "terminally differentiated cells",
    )
    kinds = {
        "x": "Normal",
        "y": "Imatinib-sensitive leukaemic",
        "z": "Imatinib-resistant leukaemic",
    }
    short = {"x": "Normal", "y": "Sensitive leukaemic", "z": "Resistant leukaemic"}

    d0 = _rate("d0", 0.003, "Death rate of stem cells (all three kinds)", "d_0")
    d1 = _rate("d1", 0.008, "Death rate of progenitors", "d_1")
    d2 = _rate("d2", 0.05, "Death rate of differentiated cells", "d_2")
    d3 = _rate("d3", 1.0, "Death rate of terminally differentiated cells", "d_3")
    a_x = _rate("a_x", 0.8, "Progenitors made per normal stem cell per day", "a_x")
    b_x = _rate("b_x", 5.0, "Differentiated cells made per normal progenitor per day", "b_x")
    c_x = _rate("c_x", 100.0, "Terminal cells made per normal differentiated cell per day", "c_x")
    r_y = _rate("r_y", 0.008, "Division rate of sensitive leukaemic stem cells", "r_y", high=1.0)
    a_y = _rate("a_y", 1.6, "Progenitors made per sensitive leukaemic stem cell per day", "a_y")
    b_y = _rate(
        "b_y", 10.0, "Differentiated cells made per sensitive leukaemic progenitor per day", "b_y"
    )
    c_y = _rate(
        "c_y",
        100.0,
        "Terminal cells made per sensitive leukaemic differentiated cell per day",
        "c_y",
    )
    r_z = _rate(
        "r_z",
        0.023,
        "Division rate of resistant leukaemic stem cells",
        "r_z",
        note=_CODE_NOTE + " Another transcription has 0.0023 per day, which with d₀ = 0.003 "
        "would make resistant stem cells die out, contradicting the resistance the model "
        "explains; 0.023 is used.",
        high=1.0,
    )
    a_z = _rate("a_z", 1.6, "Progenitors made per resistant leukaemic stem cell per day", "a_z")
    b_z = _rate(
        "b_z", 10.0, "Differentiated cells made per resistant leukaemic progenitor per day", "b_z"
    )
    c_z = _rate(
        "c_z",
        100.0,
        "Terminal cells made per resistant leukaemic differentiated cell per day",
        "c_z",
    )
    u = Parameter(
        "u",
        4e-8,
        "1",
        (0.0, 1e-3),
        "Probability that a sensitive leukaemic stem-cell division gives a resistant cell",
        "michor2005",
        latex="u",
        note=_CODE_NOTE,
        label="Resistance mutation probability",
        basis="published",
    )
    x0_star = Parameter(
        "x0_star",
        _X0_STAR,
        "cells",
        (0.0, 1e9),
        "Number of normal stem cells at homeostasis",
        "michor2005",
        latex="x_0^*",
        note="From the compiled versions of the myelo R package (10⁶; its first demonstration "
        "uses 2 × 10⁶); not yet checked against the paper.",
        low_inclusive=False,
        label="Normal stem cells at homeostasis",
        basis="published",
    )
    h = Parameter(
        "h",
        0.1,
        "1/day",
        (0.0, 10.0),
        "Rate at which normal stem cells return to homeostasis after a small disturbance",
        "michor2005",
        latex="h",
        note="Illustrative, not from the literature: the paper's form of λ(x₀) is not "
        "reproduced here; λ(x₀) = d₀ + h(1 − x₀/x₀*) keeps x₀* exactly at steady state.",
        low_inclusive=False,
        label="Return rate to homeostasis",
        basis="illustrative",
    )
    imatinib = Parameter(
        "imatinib",
        0.0,
        "1",
        (0.0, 1.0),
        "Imatinib therapy: 0 = off, 1 = on (values between interpolate the effect)",
        "michor2005",
        latex=r"I",
        note="A switch (0 off, 1 on), not a measured value.",
        label="Imatinib therapy",
        basis="scenario",
    )
    effect_a = Parameter(
        "imatinib_effect_a",
        100.0,
        "1",
        (1.0, 1e5),
        "Factor by which imatinib divides a_y (leukaemic stem cells making progenitors)",
        "michor2005",
        latex=r"\phi_a",
        note=_THERAPY_NOTE,
        label="Imatinib effect on leukaemic stem cells",
        basis="published",
    )
    effect_b = Parameter(
        "imatinib_effect_b",
        750.0,
        "1",
        (1.0, 1e5),
        "Factor by which imatinib divides b_y (leukaemic progenitors making differentiated cells)",
        "michor2005",
        latex=r"\phi_b",
        note=_THERAPY_NOTE,
        label="Imatinib effect on leukaemic progenitors",
        basis="published",
    )

    def states(kind: str, first: float) -> list[State]:
        rates = {"x": (a_x, b_x, c_x), "y": (a_y, b_y, c_y), "z": (a_z, b_z, c_z)}[kind]
        deaths = (d0, d1, d2, d3)
        values = [first]
        for rate, death in zip(rates, deaths[1:], strict=True):
            values.append(values[-1] * rate.value / death.value)
        return [
            State(
                f"{kind}{i}",
                f"{kinds[kind]} {levels[i]}",
                "cells",
                initial=values[i] if first > 0 else 0.0,
                latex=f"{kind}_{i}",
                label=f"{short[kind]} {levels[i].replace('terminally differentiated', 'terminal')}",
            )
            for i in range(4)
        ]

    x, y, z = states("x", _X0_STAR), states("y", _Y0_START), states("z", 0.0)
    xs, ys, zs = ([s.symbol for s in group] for group in (x, y, z))
    D = [d.symbol for d in (d0, d1, d2, d3)]

    homeostasis = Observable(
        "normal_stem_renewal",
        d0.symbol + h.symbol * (1 - xs[0] / x0_star.symbol),
        "1/day",
        "Division (renewal) rate λ(x0) of normal stem cells: equals their death rate d0 at "
        "homeostasis, more below it, less above it",
        latex=r"\lambda",
        label="Normal stem-cell renewal rate",
    )

    def equations(evaluate: bool) -> dict[State, Any]:
        """The right-hand sides, evaluated (simulated) or in the paper's order (displayed)."""
        production = {
            "x": (a_x, b_x, c_x),
            "y": (a_y, b_y, c_y),
            "z": (a_z, b_z, c_z),
        }
        # imatinib divides a_y by phi_a and b_y by phi_b (I = 1: on, 0: off)
        slowed = {a_y.name: effect_a.symbol, b_y.name: effect_b.symbol}
        with sympy.evaluate(evaluate):
            rhs = {
                x[0]: (homeostasis.symbol - D[0]) * xs[0],
                y[0]: (r_y.symbol * (1 - u.symbol) - D[0]) * ys[0],
                z[0]: (r_z.symbol - D[0]) * zs[0] + r_y.symbol * u.symbol * ys[0],
            }
            for kind, group, symbols in (("x", x, xs), ("y", y, ys), ("z", z, zs)):
                for i in range(1, 4):
                    rate = production[kind][i - 1]
                    made = rate.symbol * symbols[i - 1]
                    if rate.name in slowed:
                        made = made / (1 + imatinib.symbol * (slowed[rate.name] - 1))
                    rhs[group[i]] = made - D[i] * symbols[i]
        return rhs

    rhs = equations(True)

    with sympy.evaluate(False):
        shown_renewal = d0.symbol + h.symbol * (1 - xs[0] / x0_star.symbol)

    leukaemic_terminal = ys[3] + zs[3]
    observables = [
        homeostasis,
        Observable(
            "bcr_abl_ratio",
            leukaemic_terminal / (leukaemic_terminal + 2 * xs[3]),
            "1",
            "BCR-ABL/BCR transcript ratio in blood (fraction): leukaemic terminal cells carry "
            "one BCR-ABL and one BCR copy, normal ones two BCR copies",
            latex=r"R",
            label="BCR-ABL ratio",
        ),
        Observable(
            "leukaemic_stem_cells",
            ys[0] + zs[0],
            "cells",
            "Leukaemic stem cells, sensitive and resistant",
            latex=r"S_L",
            label="Leukaemic stem cells",
        ),
        Observable(
            "therapy",
            imatinib.symbol,
            "1",
            "Imatinib switch in effect at each time (0 = off, 1 = on), to read therapy periods "
            "back from a result",
            latex=r"I(t)",
            label="Imatinib on or off",
        ),
        Observable(
            "resistant_fraction",
            zs[3] / (leukaemic_terminal + 1),
            "1",
            "Fraction of terminal leukaemic cells that are imatinib-resistant (one cell added "
            "to the denominator so it is defined without leukaemic cells)",
            latex=r"f_z",
            label="Resistant share of leukaemic cells",
        ),
    ]

    return Model(
        "Michor et al. 2005 (CML under imatinib)",
        states=[*x, *y, *z],
        parameters=[
            d0,
            d1,
            d2,
            d3,
            a_x,
            b_x,
            c_x,
            r_y,
            a_y,
            b_y,
            c_y,
            r_z,
            a_z,
            b_z,
            c_z,
            u,
            x0_star,
            h,
            imatinib,
            effect_a,
            effect_b,
        ],  # fmt: skip
        rhs=rhs,
        observables=observables,
        display={**equations(False), homeostasis: shown_renewal},
        time_unit="day",
        description=(
            "Normal, imatinib-sensitive and imatinib-resistant cells in a four-level "
            "hierarchy; imatinib slows leukaemic differentiation but spares leukaemic stem cells."
        ),
        reference="michor2005",
        max_time=3650.0,
        # three columns (normal, sensitive, resistant) fit a phone; the death of cells at
        # every level is left out of the drawing to keep it readable
        diagram_layout=DiagramLayout(
            groups=[
                (kinds[kind], tuple(s.name for s in group))
                for kind, group in (("x", x), ("y", y), ("z", z))
            ],
            inputs={"imatinib": "Imatinib"},
            losses=False,
            wrap=15,
        ),
    )
